//! Feed bytes from a stranger → `parse_feed`: never a panic, never a hang,
//! and what comes out respects the documented caps.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sahel_watch::source::parse::{parse_feed, story_url_norm};

/// The HTTP charset is the stranger's too: one per input, chosen by length.
const CHARSETS: &[Option<&str>] = &[
    None,
    Some("utf-8"),
    Some("iso-8859-1"),
    Some("windows-1251"),
    Some("utf-16"),
    Some("shift_jis"),
    Some("no-such-charset"),
];

fuzz_target!(|data: &[u8]| {
    let charset = CHARSETS[data.len() % CHARSETS.len()];
    if let Ok(feed) = parse_feed(data, "fuzz", charset, Some("fr")) {
        for s in &feed.stories {
            assert!(s.title.chars().count() <= 500, "title too long");
            assert!(s.text.len() <= 200_000, "text too long");
            assert!(!s.key.is_empty(), "empty story key");
            let _ = story_url_norm(s);
            let _ = s.published_local();
        }
    }
});
