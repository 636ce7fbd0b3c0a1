//! Feed bytes → [`Story`]s: feed-rs for RSS 0.9x/1.0/2.0, Atom and JSON Feed,
//! encoding_rs for feeds whose charset is wrong or missing, html2text for
//! HTML in items.

use std::borrow::Cow;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};

use super::identity::{normalize_url, story_key};
use crate::model::Story;

/// Longest title kept (characters); longer ones are cut.
const MAX_TITLE_CHARS: usize = 500;
/// Longest item text kept (bytes of UTF-8); longer ones are cut.
const MAX_TEXT_BYTES: usize = 200_000;

/// A parsed feed.
#[derive(Debug, Clone)]
pub struct ParsedFeed {
    pub title: Option<String>,
    pub language: Option<String>,
    pub stories: Vec<Story>,
}

/// Parse a feed document. `feed_name` names the configured feed (used in
/// story keys and errors); `http_charset` is the charset of the HTTP
/// Content-Type, if any; `language` is the configured language, used when
/// the feed declares none.
pub fn parse_feed(
    bytes: &[u8],
    feed_name: &str,
    http_charset: Option<&str>,
    language: Option<&str>,
) -> Result<ParsedFeed> {
    let bytes = to_utf8(bytes, http_charset);
    if bytes.starts_with(b"<\0?\0") || bytes.starts_with(b"\0<\0?") {
        // the XML parser would take this UTF-8 for UTF-16 (NULs are not XML)
        anyhow::bail!("feed {feed_name:?}: not a valid RSS, Atom or JSON feed (NUL characters)");
    }
    let parser = feed_rs::parser::Builder::new()
        // an empty id marks an item without guid (feed-rs would invent one)
        .id_generator(|_, _, _| String::new())
        .sanitize_content(false)
        .build();
    let feed = parser
        .parse(bytes.as_ref())
        .with_context(|| format!("feed {feed_name:?}: not a valid RSS, Atom or JSON feed"))?;
    let feed_title = feed
        .title
        .as_ref()
        .map(|t| clean_inline(&t.content))
        .filter(|t| !t.is_empty());
    let feed_lang = feed
        .language
        .as_deref()
        .map(|l| l.to_ascii_lowercase().chars().take(2).collect::<String>())
        .or_else(|| language.map(String::from));
    let source = feed_title.clone().unwrap_or_else(|| feed_name.to_string());
    let mut stories = Vec::with_capacity(feed.entries.len());
    for e in feed.entries {
        let title = e
            .title
            .as_ref()
            .map(|t| clean_inline(&t.content))
            .unwrap_or_default();
        let title = truncate_chars(&title, MAX_TITLE_CHARS);
        let link = e
            .links
            .iter()
            .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
            .or(e.links.first())
            .map(|l| l.href.trim().to_string())
            .filter(|l| !l.is_empty());
        let guid = Some(e.id.trim().to_string()).filter(|g| !g.is_empty());
        let summary = e
            .summary
            .as_ref()
            .map(|t| html_to_text(&t.content))
            .unwrap_or_default();
        let content = e
            .content
            .as_ref()
            .and_then(|c| c.body.as_deref())
            .map(html_to_text)
            .unwrap_or_default();
        let text = combine(&summary, &content);
        let text = truncate_bytes(&text, MAX_TEXT_BYTES);
        let published: Option<DateTime<Utc>> = e.published.or(e.updated);
        if title.is_empty() && text.is_empty() {
            continue;
        }
        let key = story_key(
            feed_name,
            guid.as_deref(),
            link.as_deref(),
            &title,
            published.map(|p| p.to_rfc3339()).as_deref(),
        );
        let lang = e
            .language
            .as_deref()
            .map(|l| l.to_ascii_lowercase().chars().take(2).collect::<String>())
            .or_else(|| feed_lang.clone());
        stories.push(Story {
            key,
            feed: feed_name.to_string(),
            source: source.clone(),
            guid,
            url: link,
            title,
            text,
            published,
            published_offset_secs: None,
            language: lang,
        });
    }
    // feed-rs keeps timestamps in UTC; recover the outlet's own offset from
    // the raw dates so weekday names resolve in its local time.
    attach_offsets(bytes.as_ref(), &mut stories);
    Ok(ParsedFeed {
        title: feed_title,
        language: feed_lang,
        stories,
    })
}

/// The normalised link of a story, for "seen before" checks.
pub fn story_url_norm(s: &Story) -> Option<String> {
    s.url.as_deref().and_then(normalize_url)
}

/// Join a summary and a full text, leaving out the summary when the full
/// text already starts with it.
fn combine(summary: &str, content: &str) -> String {
    if content.is_empty() {
        return summary.to_string();
    }
    if summary.is_empty() {
        return content.to_string();
    }
    let probe: String = summary.chars().take(80).collect();
    if content.contains(probe.trim()) {
        content.to_string()
    } else {
        format!("{summary}\n\n{content}")
    }
}

/// HTML (or plain text) → plain text, paragraphs separated by blank lines.
pub fn html_to_text(html: &str) -> String {
    if !html.contains('<') && !html.contains('&') {
        return normalize_paragraphs(html);
    }
    let rendered = html2text::config::plain_no_decorate()
        .allow_width_overflow()
        .no_link_wrapping()
        .raw_mode(true)
        .string_from_read(html.as_bytes(), 100_000)
        .unwrap_or_else(|_| html.to_string());
    normalize_paragraphs(&rendered)
}

fn normalize_paragraphs(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for para in s.split("\n\n") {
        let p = para.split_whitespace().collect::<Vec<_>>().join(" ");
        if p.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(&p);
    }
    out
}

/// A title or other inline text: markup stripped, white space collapsed.
fn clean_inline(s: &str) -> String {
    let t = if s.contains('<') || s.contains('&') {
        html_to_text(s)
    } else {
        s.to_string()
    };
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn truncate_chars(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => s[..i].to_string(),
        None => s.to_string(),
    }
}

fn truncate_bytes(s: &str, n: usize) -> String {
    if s.len() <= n {
        return s.to_string();
    }
    let mut i = n;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    s[..i].to_string()
}

/// Bytes of a feed as UTF-8. The XML declaration's encoding wins, then the
/// HTTP charset; bytes that are not valid UTF-8 and declare nothing (or
/// declare UTF-8) are read as Windows-1252 (what such feeds almost always
/// are), and valid non-ASCII UTF-8 declared as a single-byte charset is read
/// as UTF-8.
fn to_utf8<'a>(bytes: &'a [u8], http_charset: Option<&str>) -> Cow<'a, [u8]> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // UTF-16 without a byte order mark (XML 1.0, appendix F): decoded here,
    // so that the XML parser only ever sees UTF-8
    for (start, enc) in [
        (b"<\0?\0", encoding_rs::UTF_16LE),
        (b"\0<\0?", encoding_rs::UTF_16BE),
    ] {
        if bytes.starts_with(start) {
            let (text, _) = enc.decode_without_bom_handling(bytes);
            return declare_utf8(Cow::Owned(text.into_owned().into_bytes()));
        }
    }
    let declared = xml_declared_encoding(bytes);
    let label = declared.as_deref().or(http_charset);
    let enc = label.and_then(|l| encoding_rs::Encoding::for_label(l.trim().as_bytes()));
    let is_utf8 = std::str::from_utf8(bytes).is_ok();
    let enc = match enc {
        Some(e) if e == encoding_rs::UTF_8 && !is_utf8 => encoding_rs::WINDOWS_1252,
        Some(e) if e == encoding_rs::UTF_8 => return declare_utf8(Cow::Borrowed(bytes)),
        // a single-byte charset (servers default text/* to ISO-8859-1) said
        // of bytes that are valid UTF-8 with non-ASCII in them: the bytes
        // are right, the label is not (Latin-1 text is almost never valid UTF-8)
        Some(e) if is_utf8 && e.is_single_byte() && !bytes.is_ascii() => encoding_rs::UTF_8,
        Some(e) => e,
        None if is_utf8 => return declare_utf8(Cow::Borrowed(bytes)),
        None => encoding_rs::WINDOWS_1252,
    };
    let (text, _, _) = enc.decode(bytes);
    declare_utf8(Cow::Owned(text.into_owned().into_bytes()))
}

/// The document is UTF-8 by now: make every XML declaration in it say so, or
/// the XML parser would decode it again. A declaration with another encoding
/// that the parser meets after the first 64 bytes of the document (blank
/// lines before it, a second document glued on) would even make it panic
/// (quick-xml's `DecodingReader::set_encoding`, through feed-rs).
fn declare_utf8(doc: Cow<'_, [u8]>) -> Cow<'_, [u8]> {
    let b: &[u8] = &doc;
    let mut values = Vec::new(); // byte ranges of encoding values to replace
    let mut from = 0;
    while let Some(i) = find(&b[from..], b"<?xml").map(|i| from + i) {
        let after = i + b"<?xml".len();
        if !b.get(after).is_some_and(|c| c.is_ascii_whitespace()) {
            from = after;
            continue;
        }
        let Some(end) = find(&b[after..], b"?>").map(|e| after + e) else {
            break;
        };
        let mut p = after;
        while let Some(k) = find(&b[p..end], b"encoding").map(|k| p + k) {
            p = k + b"encoding".len();
            let mut j = p;
            let skip_blanks = |j: &mut usize| {
                while *j < end && b[*j].is_ascii_whitespace() {
                    *j += 1;
                }
            };
            skip_blanks(&mut j);
            if j >= end || b[j] != b'=' {
                continue;
            }
            j += 1;
            skip_blanks(&mut j);
            if j >= end || !matches!(b[j], b'"' | b'\'') {
                continue;
            }
            let quote = b[j];
            if let Some(len) = b[j + 1..end].iter().position(|c| *c == quote) {
                let value = j + 1..j + 1 + len;
                if !b[value.clone()].eq_ignore_ascii_case(b"UTF-8") {
                    values.push(value);
                }
                p = j + 1 + len;
            }
        }
        from = end;
    }
    if values.is_empty() {
        return doc;
    }
    let mut out = Vec::with_capacity(b.len() + 5 * values.len());
    let mut last = 0;
    for v in values {
        out.extend_from_slice(&b[last..v.start]);
        out.extend_from_slice(b"UTF-8");
        last = v.end;
    }
    out.extend_from_slice(&b[last..]);
    Cow::Owned(out)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn xml_declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(200)];
    let head = String::from_utf8_lossy(head);
    if !head.starts_with("<?xml") {
        return None;
    }
    let decl = &head[..head.find("?>")?];
    let pos = decl.find("encoding")?;
    let rest = &decl[pos + "encoding".len()..];
    let rest = rest.trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|q| matches!(q, '"' | '\''))?;
    let rest = &rest[1..];
    let end = rest.find(quote)?;
    Some(rest[..end].to_string())
}

/// Find each story's raw date string in the document and keep its UTC offset.
fn attach_offsets(doc: &[u8], stories: &mut [Story]) {
    let text = String::from_utf8_lossy(doc);
    for s in stories.iter_mut() {
        let Some(p) = s.published else { continue };
        // RFC 2822 (RSS) and RFC 3339 (Atom, JSON Feed) renderings of candidates
        for tag in [
            "<pubDate>",
            "<published>",
            "<updated>",
            "<dc:date>",
            "\"date_published\"",
        ] {
            let mut from = 0;
            while let Some(i) = text[from..].find(tag) {
                let start = from + i + tag.len();
                let raw: String = text[start..]
                    .trim_start_matches([':', ' ', '"'])
                    .chars()
                    .take_while(|c| *c != '<' && *c != '"')
                    .collect();
                from = start;
                let raw = raw.trim();
                let parsed = DateTime::parse_from_rfc2822(raw)
                    .or_else(|_| DateTime::parse_from_rfc3339(raw));
                if let Ok(d) = parsed {
                    if d.with_timezone(&Utc) == p {
                        s.published_offset_secs = Some(d.offset().local_minus_utc());
                        break;
                    }
                }
            }
            if s.published_offset_secs.is_some() {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Test Outlet</title><language>fr</language>
<item><title>Attaque &#224; Gao</title><link>https://t.example/a?utm_source=rss</link>
<guid isPermaLink="false">abc-1</guid><pubDate>Tue, 19 Mar 2024 22:10:00 +0100</pubDate>
<description>Court résumé.</description>
<content:encoded><![CDATA[<p>Premier <b>paragraphe</b>.</p><p>Second paragraphe.</p>]]></content:encoded></item>
<item><title>Sans guid</title><link>https://t.example/b#x</link></item>
</channel></rss>"#;

    #[test]
    fn rss_items_become_stories() {
        let f = parse_feed(RSS.as_bytes(), "t", None, None).unwrap();
        assert_eq!(f.title.as_deref(), Some("Test Outlet"));
        assert_eq!(f.stories.len(), 2);
        let a = &f.stories[0];
        assert_eq!(a.title, "Attaque à Gao");
        assert_eq!(a.key, "guid:t:abc-1");
        assert_eq!(a.language.as_deref(), Some("fr"));
        assert_eq!(
            a.text,
            "Court résumé.\n\nPremier paragraphe.\n\nSecond paragraphe."
        );
        assert_eq!(a.published_offset_secs, Some(3600));
        assert_eq!(
            a.published_local().unwrap().to_rfc3339(),
            "2024-03-19T22:10:00+01:00"
        );
        assert_eq!(f.stories[1].key, "url:t.example/b");
        assert_eq!(f.stories[1].guid, None);
    }

    #[test]
    fn latin1_feed_with_wrong_or_missing_declaration() {
        let body = "<rss version=\"2.0\"><channel><title>X</title><item><title>Tillab\u{e9}ri</title><guid>1</guid></item></channel></rss>";
        let (latin1, _, _) = encoding_rs::WINDOWS_1252.encode(body);
        // no declaration at all
        let f = parse_feed(&latin1, "x", None, None).unwrap();
        assert_eq!(f.stories[0].title, "Tillabéri");
        // declared UTF-8 but really Latin-1
        let mut wrong = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>".to_vec();
        wrong.extend_from_slice(&latin1);
        let f = parse_feed(&wrong, "x", None, None).unwrap();
        assert_eq!(f.stories[0].title, "Tillabéri");
        // declared ISO-8859-1 correctly
        let mut right = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>".to_vec();
        right.extend_from_slice(&latin1);
        let f = parse_feed(&right, "x", None, None).unwrap();
        assert_eq!(f.stories[0].title, "Tillabéri");
    }

    #[test]
    fn atom_and_json_feed() {
        let atom = r#"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:a</id><updated>2024-01-01T00:00:00Z</updated>
<entry><title type="html">Ten &lt;em&gt;killed&lt;/em&gt;</title><id>urn:e1</id><link href="https://a.example/e1"/><updated>2024-01-02T10:00:00+00:00</updated><summary>Gunmen attacked.</summary></entry></feed>"#;
        let f = parse_feed(atom.as_bytes(), "a", None, Some("en")).unwrap();
        assert_eq!(f.stories[0].title, "Ten killed");
        assert_eq!(f.stories[0].language.as_deref(), Some("en"));
        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[{"id":"j1","url":"https://j.example/1","title":"T","content_html":"<p>Body</p>","date_published":"2024-01-02T10:00:00-05:00"}]}"#;
        let f = parse_feed(json.as_bytes(), "j", None, None).unwrap();
        assert_eq!(f.stories[0].text, "Body");
        assert_eq!(f.stories[0].published_offset_secs, Some(-5 * 3600));
    }

    #[test]
    fn garbage_is_an_error_naming_the_feed() {
        let e = parse_feed(b"<html><body>not a feed", "broken-feed", None, None).unwrap_err();
        assert!(format!("{e:#}").contains("broken-feed"));
    }
}
