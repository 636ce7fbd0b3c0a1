//! Feed bytes → [`Story`]s: feed-rs for RSS 0.9x/1.0/2.0, Atom and JSON Feed,
//! encoding_rs for feeds whose charset is wrong or missing, html2text for
//! HTML in items.

use std::borrow::Cow;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};

use super::identity::{normalize_url, story_key, text_fingerprint};
use crate::model::Story;

/// Longest title kept (characters); longer ones are cut.
const MAX_TITLE_CHARS: usize = 500;
/// Longest item text kept (bytes of UTF-8); longer ones are cut.
const MAX_TEXT_BYTES: usize = 200_000;
/// Most markup of one field handed to the HTML renderer (bytes): more could
/// not yield more than [`MAX_TEXT_BYTES`] of text worth keeping.
const MAX_HTML_BYTES: usize = 4 * MAX_TEXT_BYTES;
/// Markup nested deeper than this, or with more tags than [`MAX_TAGS`], is
/// flattened (tags dropped, blocks kept as paragraphs) before rendering:
/// html5ever and html2text take time and memory that grow with depth and
/// element count (100,000 nested tags took a minute of CPU; 250,000 small
/// elements a gigabyte).
const MAX_DEPTH: usize = 48;
const MAX_TAGS: usize = 8_000;

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
    let raw = std::str::from_utf8(bytes.as_ref()).unwrap_or("");
    let mut stories = Vec::with_capacity(feed.entries.len());
    let mut first_of_key: std::collections::HashMap<String, (String, Option<String>)> =
        Default::default();
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
            .map(|l| as_written(l.href.trim(), raw))
            .filter(|l| !l.is_empty());
        let guid = Some(strip_controls(e.id.trim()).trim().to_string()).filter(|g| !g.is_empty());
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
        let mut key = story_key(
            feed_name,
            guid.as_deref(),
            link.as_deref(),
            &title,
            published.map(|p| p.to_rfc3339()).as_deref(),
        );
        // one guid on two different items of one document (a CMS bug): the
        // later one is known by its link (else its title and date) instead,
        // so both are kept; a true repeat (same link and title) stays one
        match first_of_key.get(&key) {
            Some((t, l)) if *t != title || *l != link => {
                key = story_key(
                    feed_name,
                    None,
                    link.as_deref(),
                    &title,
                    published.map(|p| p.to_rfc3339()).as_deref(),
                );
            }
            Some(_) => {}
            None => {
                first_of_key.insert(key.clone(), (title.clone(), link.clone()));
            }
        }
        let lang = e
            .language
            .as_deref()
            .map(|l| l.to_ascii_lowercase().chars().take(2).collect::<String>())
            .or_else(|| feed_lang.clone());
        let fingerprint = Some(text_fingerprint(&title, &text));
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
            fingerprint,
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

/// A link as the feed wrote it. feed-rs re-serialises links through `url`,
/// which percent-encodes the letters outside ASCII ("Ségou" becomes
/// "S%C3%A9gou"); the outlet's own spelling is what users, their tools and
/// other feeds know the article by. The decoded form is used only where the
/// feed document holds it verbatim (or with `&` escaped), so a link the feed
/// wrote percent-encoded stays so.
fn as_written(href: &str, raw: &str) -> String {
    if !href.contains('%') {
        return href.to_string();
    }
    let Ok(decoded) = percent_encoding::percent_decode_str(href).decode_utf8() else {
        return href.to_string();
    };
    let escaped = decoded.replace('&', "&amp;");
    if decoded.is_ascii() || !(raw.contains(decoded.as_ref()) || raw.contains(&escaped)) {
        return href.to_string();
    }
    decoded.into_owned()
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

/// HTML (or plain text) → plain text, paragraphs separated by blank lines,
/// the line breaks inside a paragraph kept, other white space collapsed.
/// Bounded in time and memory whatever the markup: at most
/// [`MAX_HTML_BYTES`] are read, and over-deep or over-many tags are
/// flattened instead of rendered.
pub fn html_to_text(html: &str) -> String {
    let html = floor_str(html, MAX_HTML_BYTES);
    if !html.contains('<') && !html.contains('&') {
        return normalize_paragraphs(html);
    }
    if !markup_is_tame(html) {
        return normalize_paragraphs(&flatten_markup(html));
    }
    let rendered = html2text::config::plain_no_decorate()
        .allow_width_overflow()
        .no_link_wrapping()
        .raw_mode(true)
        .string_from_read(html.as_bytes(), 100_000)
        .unwrap_or_else(|_| html.to_string());
    normalize_paragraphs(&rendered)
}

/// `s` cut to at most `n` bytes, on a character boundary.
fn floor_str(s: &str, n: usize) -> &str {
    if s.len() <= n {
        return s;
    }
    let mut i = n;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    &s[..i]
}

/// Elements without content (they never nest).
fn is_void(name: &str) -> bool {
    const VOID: &[&str] = &[
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr",
    ];
    VOID.iter().any(|v| v.eq_ignore_ascii_case(name))
}

/// Elements that start a new paragraph when flattened.
fn is_block(name: &str) -> bool {
    const BLOCK: &[&str] = &[
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    ];
    BLOCK.iter().any(|v| v.eq_ignore_ascii_case(name))
}

/// One tag at the start of `s` (just after its `<`): (name, is closing,
/// is self-closing, bytes up to and including `>`), or None when `s` does
/// not open a tag. A tag never closed runs to the end of `s`.
fn tag_at(s: &str) -> Option<(&str, bool, bool, usize)> {
    let b = s.as_bytes();
    let (closing, start) = match b.first()? {
        b'/' => (true, 1),
        c if c.is_ascii_alphabetic() => (false, 0),
        b'!' | b'?' => (false, 0),
        _ => return None,
    };
    let end = s.find('>').map_or(s.len(), |e| e + 1);
    let name_end = b[start..end]
        .iter()
        .position(|c| !c.is_ascii_alphanumeric())
        .map_or(end, |p| start + p);
    let self_closing = end >= 2 && b[end - 1] == b'>' && b[end - 2] == b'/';
    Some((&s[start..name_end], closing, self_closing, end))
}

/// Is the markup shallow and small enough to render? One linear pass.
fn markup_is_tame(html: &str) -> bool {
    let (mut depth, mut tags) = (0usize, 0usize);
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let Some((name, closing, self_closing, len)) = tag_at(rest) else {
            continue;
        };
        rest = &rest[len..];
        if name.is_empty() {
            continue; // comment, doctype, processing instruction
        }
        tags += 1;
        if closing {
            depth = depth.saturating_sub(1);
        } else if !self_closing && !is_void(name) {
            depth += 1;
        }
        if depth > MAX_DEPTH || tags > MAX_TAGS {
            return false;
        }
    }
    true
}

/// Markup → text without a parser: tags dropped (block elements become
/// paragraph breaks), script and style content dropped, entities decoded.
/// Linear in the input, whatever its shape.
fn flatten_markup(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        rest = &rest[i + 1..];
        let Some((name, closing, _, len)) = tag_at(rest) else {
            out.push('<');
            continue;
        };
        rest = &rest[len..];
        if is_block(name) {
            out.push_str("\n\n");
        }
        if !closing && (name.eq_ignore_ascii_case("script") || name.eq_ignore_ascii_case("style")) {
            let close = format!("</{}", name.to_ascii_lowercase());
            let lower_pos = rest
                .as_bytes()
                .windows(close.len())
                .position(|w| w.eq_ignore_ascii_case(close.as_bytes()));
            rest = match lower_pos {
                Some(p) => &rest[p..],
                None => "",
            };
        }
    }
    out.push_str(rest);
    html_escape::decode_html_entities(&out).into_owned()
}

/// Without control characters (ESC, NUL, DEL, C1...) and the non-characters
/// U+FFFE/U+FFFF; white space (tab, newlines) is kept. Story text goes into
/// XML (`/incidents.atom`), logs and terminals: stripped at the source.
fn strip_controls(s: &str) -> Cow<'_, str> {
    let bad =
        |c: char| (c.is_control() && !c.is_whitespace()) || matches!(c, '\u{FFFE}' | '\u{FFFF}');
    if s.chars().any(bad) {
        Cow::Owned(s.chars().filter(|c| !bad(*c)).collect())
    } else {
        Cow::Borrowed(s)
    }
}

fn normalize_paragraphs(s: &str) -> String {
    let s = strip_controls(s);
    let s = s.as_ref();
    let mut out = String::with_capacity(s.len());
    for para in s.split("\n\n") {
        // a paragraph's line breaks stay (a byline or a date stamp on a line
        // of its own above the lead is not the lead; the engine reads them)
        let p = para
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
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
    strip_controls(&t)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
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
        // UTF-8 (or nothing) declared, and mostly UTF-8 with a few bad
        // bytes: the bad bytes become U+FFFD, the rest keeps its accents
        Some(e) if e == encoding_rs::UTF_8 && !is_utf8 && mostly_utf8(bytes) => {
            return declare_utf8(Cow::Owned(
                String::from_utf8_lossy(bytes).into_owned().into_bytes(),
            ))
        }
        None if !is_utf8 && mostly_utf8(bytes) => {
            return declare_utf8(Cow::Owned(
                String::from_utf8_lossy(bytes).into_owned().into_bytes(),
            ))
        }
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

/// Do well-formed multi-byte UTF-8 sequences outnumber invalid ones by far
/// (at least three for each invalid one)? Latin-1 text read
/// as UTF-8 is nearly all invalid sequences (an accented letter followed by
/// ASCII never forms one), UTF-8 with a stray bad byte nearly none.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let (mut valid, mut invalid) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        valid += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        if !chunk.invalid().is_empty() {
            invalid += 1;
        }
    }
    invalid > 0 && invalid * 3 <= valid
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
/// One pass over the document (every date element parsed once), then a
/// lookup per story: linear, whatever the number of items.
fn attach_offsets(doc: &[u8], stories: &mut [Story]) {
    if stories.iter().all(|s| s.published.is_none()) {
        return;
    }
    let text = String::from_utf8_lossy(doc);
    // the offset of the first raw rendering of each instant
    let mut offsets: std::collections::HashMap<DateTime<Utc>, i32> = Default::default();
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
            from = start;
            let raw: String = text[start..]
                .trim_start_matches([':', ' ', '"'])
                .chars()
                .take(64)
                .take_while(|c| *c != '<' && *c != '"')
                .collect();
            let raw = raw.trim();
            let parsed =
                DateTime::parse_from_rfc2822(raw).or_else(|_| DateTime::parse_from_rfc3339(raw));
            if let Ok(d) = parsed {
                offsets
                    .entry(d.with_timezone(&Utc))
                    .or_insert(d.offset().local_minus_utc());
            }
        }
    }
    for s in stories.iter_mut() {
        if let Some(p) = s.published {
            s.published_offset_secs = offsets.get(&p).copied();
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
    fn line_breaks_inside_a_paragraph_stay() {
        // a byline or a date stamp on a line of its own above the lead
        assert_eq!(
            html_to_text(
                "World Watch | June 7, 2024\n  In  Niger,\tgunmen  attacked.\n\n\nSecond."
            ),
            "World Watch | June 7, 2024\nIn Niger, gunmen attacked.\n\nSecond."
        );
        assert_eq!(
            html_to_text("<p>By A. Reporter<br>BAMAKO, June 4 Gunmen attacked.</p><p>Second.</p>"),
            "By A. Reporter\nBAMAKO, June 4 Gunmen attacked.\n\nSecond."
        );
    }

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
    fn links_keep_the_spelling_the_feed_wrote() {
        let item = |link: &str| {
            format!("<rss version=\"2.0\"><channel><title>X</title><item><title>T</title><link>{link}</link></item></channel></rss>")
        };
        let url = |link: &str| {
            let f = parse_feed(item(link).as_bytes(), "x", None, None).unwrap();
            f.stories[0].url.clone().unwrap()
        };
        // letters outside ASCII as the outlet wrote them, not percent-encoded
        assert_eq!(
            url("https://t.example/mali-attaque-à-ségou?a=1&amp;b=d’otages"),
            "https://t.example/mali-attaque-à-ségou?a=1&b=d’otages"
        );
        // a link the feed wrote percent-encoded stays so, spaces too
        assert_eq!(
            url("https://t.example/S%C3%A9gou"),
            "https://t.example/S%C3%A9gou"
        );
        assert_eq!(url("https://t.example/a%20b"), "https://t.example/a%20b");
        // the identity of a story does not depend on the spelling
        let f = parse_feed(item("https://t.example/ségou").as_bytes(), "x", None, None).unwrap();
        let g = parse_feed(
            item("https://t.example/s%C3%A9gou").as_bytes(),
            "x",
            None,
            None,
        )
        .unwrap();
        assert_eq!(f.stories[0].key, g.stories[0].key);
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

    fn rss_with_description(escaped_html: &str) -> String {
        format!(
            "<rss version=\"2.0\"><channel><title>X</title><item><title>T</title><guid>g</guid>\
             <description>{escaped_html}</description></item></channel></rss>"
        )
    }

    #[test]
    fn deeply_nested_markup_is_flattened_quickly_keeping_the_text() {
        let depth = 100_000;
        let html = format!(
            "{}Gunmen killed 12 civilians near Djibo.{}",
            "<div><span>".repeat(depth / 2),
            "</span></div>".repeat(depth / 2)
        );
        let escaped = html
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        let doc = rss_with_description(&escaped);
        let t = std::time::Instant::now();
        let f = parse_feed(doc.as_bytes(), "x", None, None).unwrap();
        let took = t.elapsed();
        // unbounded, html2text took 50-80 s (release) on this input
        assert!(took < std::time::Duration::from_secs(10), "{took:?}");
        assert_eq!(f.stories[0].text, "Gunmen killed 12 civilians near Djibo.");
        // the same depth as a title
        assert_eq!(
            clean_inline(&format!(
                "{}Ten killed{}",
                "<b>".repeat(depth),
                "</b>".repeat(depth)
            )),
            "Ten killed"
        );
    }

    #[test]
    fn markup_shape_decides_between_rendering_and_flattening() {
        assert!(markup_is_tame(
            "<p>One <b>two</b><br>three</p><p>four<img src=x></p>"
        ));
        assert!(!markup_is_tame(&"<div>".repeat(MAX_DEPTH + 1)));
        assert!(markup_is_tame(&"<br>".repeat(MAX_TAGS)));
        assert!(!markup_is_tame(&"<b>a</b>".repeat(MAX_TAGS)));
        // a tag never closed, and a '<' that opens no tag: linear, no panic
        assert!(markup_is_tame(&"a < b <c".repeat(50_000)));
        assert_eq!(
            normalize_paragraphs(&flatten_markup(
                "<div><p>Premier &amp; <b>seul</b>.</p><script>x()</script><p>Deux &lt;3 &eacute;t&#233;</p></div>"
            )),
            "Premier & seul.\n\nDeux <3 été"
        );
        assert_eq!(flatten_markup("a < b"), "a < b");
        assert_eq!(flatten_markup("x<b unterminated"), "x");
    }

    #[test]
    fn control_characters_are_stripped_from_titles_texts_and_guids() {
        let doc = "<rss version=\"2.0\"><channel><title>Out\u{1b}[31mlet</title><item>\
            <title>Ten\u{1b}[2J killed\u{7f} near\u{0} Gao</title><guid>g\u{1b}1</guid>\
            <description>Gunmen\u{1b}]0;pwned\u{7} attacked &amp;#27; \u{9b}the town.\u{ffff}</description></item></channel></rss>";
        let f = parse_feed(doc.as_bytes(), "x", None, None).unwrap();
        let st = &f.stories[0];
        for s in [&st.title, &st.text, st.guid.as_ref().unwrap(), &st.source] {
            assert!(
                !s.chars()
                    .any(|c| c.is_control() && c != '\n' || c == '\u{ffff}'),
                "{s:?}"
            );
        }
        assert_eq!(st.title, "Ten[2J killed near Gao");
        assert_eq!(f.title.as_deref(), Some("Out[31mlet"));
    }

    #[test]
    fn a_stray_bad_byte_in_utf8_keeps_the_accents_and_latin1_stays_latin1() {
        let body = "<rss version=\"2.0\"><channel><title>X</title><item><title>Attaque \u{e0} Tillab\u{e9}ri : quinze civils tu\u{e9}s</title><guid>1</guid>\
            <description>Des hommes arm\u{e9}s ont tu\u{e9} quinze civils pr\u{e8}s de Tillab\u{e9}ri. BAD</description></item></channel></rss>";
        let mut bytes = body.as_bytes().to_vec();
        let at = bytes.windows(3).position(|w| w == b"BAD").unwrap();
        bytes[at] = 0xFF; // one invalid byte
        for declared in [None, Some("utf-8")] {
            let f = parse_feed(&bytes, "x", declared, None).unwrap();
            assert_eq!(
                f.stories[0].title,
                "Attaque à Tillabéri : quinze civils tués"
            );
            assert!(
                f.stories[0].text.contains("armés ont tué"),
                "{}",
                f.stories[0].text
            );
            assert!(
                f.stories[0].text.contains("\u{fffd}AD"),
                "{}",
                f.stories[0].text
            );
        }
        // genuinely Latin-1, declared UTF-8: still read as Windows-1252
        let (latin1, _, _) = encoding_rs::WINDOWS_1252.encode(body);
        let f = parse_feed(&latin1, "x", Some("utf-8"), None).unwrap();
        assert_eq!(
            f.stories[0].title,
            "Attaque à Tillabéri : quinze civils tués"
        );
    }

    #[test]
    fn one_guid_on_two_different_items_keeps_both_and_a_true_repeat_stays_one() {
        let item = |title: &str, link: &str| {
            format!("<item><title>{title}</title><guid isPermaLink=\"false\">dup</guid><link>{link}</link></item>")
        };
        let doc = format!(
            "<rss version=\"2.0\"><channel><title>X</title>{}{}{}</channel></rss>",
            item("Gunmen kill 12 near Djibo", "https://x.example/1"),
            item("Seven soldiers killed near Gao", "https://x.example/2"),
            item("Gunmen kill 12 near Djibo", "https://x.example/1"),
        );
        let f = parse_feed(doc.as_bytes(), "x", None, None).unwrap();
        let keys: Vec<&str> = f.stories.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(keys, ["guid:x:dup", "url:x.example/2", "guid:x:dup"]);
    }

    #[test]
    fn garbage_is_an_error_naming_the_feed() {
        let e = parse_feed(b"<html><body>not a feed", "broken-feed", None, None).unwrap_err();
        assert!(format!("{e:#}").contains("broken-feed"));
    }
}
