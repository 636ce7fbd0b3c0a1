//! Story identity: a key that stays the same when a story is seen again.

use sha2::{Digest, Sha256};
use url::Url;

/// Query parameters that only track readers and never change the article.
const TRACKING_PARAMS: &[&str] = &[
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "igshid",
    "ref",
    "ref_src",
    "cmpid",
    "xtor",
    "at_medium",
    "at_campaign",
    "ns_mchannel",
    "ns_source",
    "ns_campaign",
    "ns_linkname",
    "ocid",
    "spm",
];

/// Normalise a link for comparison: lower-case scheme and host, no default
/// port, no fragment, no tracking parameters (`utm_*` and the like), the
/// remaining query sorted, no trailing slash. `None` for non-http(s) or bad URLs.
pub fn normalize_url(link: &str) -> Option<String> {
    let mut u = Url::parse(link.trim()).ok()?;
    if u.scheme() != "http" && u.scheme() != "https" {
        return None;
    }
    u.set_fragment(None);
    let mut pairs: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            !k.starts_with("utm_") && !TRACKING_PARAMS.contains(&k.as_str())
        })
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    if pairs.is_empty() {
        u.set_query(None);
    } else {
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    let _ = u.set_port(u.port()); // Url drops default ports itself
    let host = u.host_str()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
    let mut path = u.path().to_string();
    while path.len() > 1 && path.ends_with('/') {
        path.pop();
    }
    let query = u.query().map(|q| format!("?{q}")).unwrap_or_default();
    let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
    // http and https copies of one article are the same story
    Some(format!("{host}{port}{path}{query}"))
}

/// The key of a story: a guid that is a URL → its normalised form; another
/// guid → namespaced by feed (guids are only unique within a feed); else
/// the normalised link; else a hash of title and publication date.
pub fn story_key(
    feed: &str,
    guid: Option<&str>,
    link: Option<&str>,
    title: &str,
    published: Option<&str>,
) -> String {
    if let Some(g) = guid.map(str::trim).filter(|g| !g.is_empty()) {
        if let Some(n) = normalize_url(g) {
            return format!("url:{n}");
        }
        return format!("guid:{feed}:{g}");
    }
    if let Some(n) = link.and_then(normalize_url) {
        return format!("url:{n}");
    }
    let mut h = Sha256::new();
    h.update(crate::dedup::normalize_title(title).as_bytes());
    h.update(b"\0");
    h.update(published.unwrap_or("").as_bytes());
    format!("hash:{}", &hex::encode(h.finalize())[..24])
}

/// A fingerprint of an item's text (title, then summary and content as
/// one text): SHA-256 of the words, lower-cased and joined by single
/// spaces, cut to 64 bits. Spacing, line breaks and case do not change it;
/// any other edit does (a toll going from 15 to 65). Stable across versions
/// (it is stored).
pub fn text_fingerprint(title: &str, text: &str) -> u64 {
    let mut h = Sha256::new();
    let mut buf = String::new();
    for (i, w) in title
        .split_whitespace()
        .chain(std::iter::once("\u{0}"))
        .chain(text.split_whitespace())
        .enumerate()
    {
        if i > 0 {
            h.update(b" ");
        }
        buf.clear();
        buf.extend(w.chars().flat_map(char::to_lowercase));
        h.update(buf.as_bytes());
    }
    let d = h.finalize();
    u64::from_be_bytes(d[..8].try_into().expect("8 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_parameters_and_fragments_go() {
        assert_eq!(
            normalize_url("https://WWW.Example.org/a/b/?utm_source=x&id=3&fbclid=y#top").as_deref(),
            Some("example.org/a/b?id=3")
        );
        assert_eq!(
            normalize_url("http://example.org/a/b"),
            normalize_url("https://example.org/a/b/")
        );
        assert_eq!(normalize_url("mailto:a@b.c"), None);
    }

    #[test]
    fn fingerprints_ignore_spacing_and_case_but_not_words() {
        let a = text_fingerprint("Gunmen kill 15", "Fifteen  were killed.\n\nNear Djibo.");
        assert_eq!(
            a,
            text_fingerprint(" gunmen KILL 15 ", "fifteen were killed. near djibo.")
        );
        assert_ne!(
            a,
            text_fingerprint("Gunmen kill 65", "Fifteen were killed. Near Djibo.")
        );
        assert_ne!(
            a,
            text_fingerprint("Gunmen kill 15", "Sixty-five were killed. Near Djibo.")
        );
        // a word moved from the title to the text is an edit
        assert_ne!(text_fingerprint("a b", "c"), text_fingerprint("a", "b c"));
        // stored: the same value in every version
        assert_eq!(text_fingerprint("Title", "Text"), 0x4d59_31a2_104e_4e2f);
    }

    #[test]
    fn keys_prefer_guid_then_link_then_hash() {
        assert_eq!(
            story_key(
                "f",
                Some("https://x.example/1?utm_medium=rss"),
                None,
                "t",
                None
            ),
            "url:x.example/1"
        );
        assert_eq!(
            story_key("f", Some("92817"), Some("https://x.example/1"), "t", None),
            "guid:f:92817"
        );
        assert_ne!(
            story_key("f", Some("1"), None, "t", None),
            story_key("g", Some("1"), None, "t", None)
        );
        assert_eq!(
            story_key("f", None, Some("https://x.example/1#c"), "t", None),
            "url:x.example/1"
        );
        let a = story_key("f", None, None, "Ten killed", Some("2024-01-01"));
        assert!(a.starts_with("hash:"));
        assert_eq!(
            a,
            story_key("f", None, None, "  TEN killed ", Some("2024-01-01"))
        );
    }
}
