//! Full text of articles whose feed items carry only a teaser.
//!
//! dom_smoothie (a port of Mozilla's readability) finds the article's main
//! content and drops navigation, footers, share bars and the like; the
//! result is rendered to plain text like feed items are.

use super::parse::html_to_text;

/// Longest page handed to the extractor (bytes); larger pages are cut.
const MAX_HTML_BYTES: usize = 3_000_000;
/// Shortest extracted text worth keeping (characters).
const MIN_TEXT_CHARS: usize = 140;
/// Longest text kept (bytes of UTF-8).
const MAX_TEXT_BYTES: usize = 200_000;

/// The main text of an article page: plain text, paragraphs separated by
/// blank lines. `None` when no article body was found.
pub fn extract_main_text(html: &str, url: &str) -> Option<String> {
    let mut end = html.len().min(MAX_HTML_BYTES);
    while !html.is_char_boundary(end) {
        end -= 1;
    }
    let html = &html[..end];
    let cfg = dom_smoothie::Config {
        max_elements_to_parse: 20_000,
        ..Default::default()
    };
    let doc_url = url::Url::parse(url).ok().map(|_| url);
    let mut r = dom_smoothie::Readability::new(html, doc_url, Some(cfg)).ok()?;
    let article = r.parse().ok()?;
    let text = html_to_text(&article.content);
    if text.chars().count() < MIN_TEXT_CHARS {
        return None;
    }
    if text.len() <= MAX_TEXT_BYTES {
        return Some(text);
    }
    let mut cut = MAX_TEXT_BYTES;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    Some(text[..cut].to_string())
}

/// The story text after its page was fetched: the page's text, keeping the
/// feed's own text in front when the page does not already contain it.
pub fn merge_text(teaser: &str, full: &str) -> String {
    let teaser = teaser.trim();
    if teaser.is_empty() {
        return full.to_string();
    }
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let probe: String = norm(teaser).chars().take(80).collect();
    let probe = probe
        .trim_end_matches(['.', '…', ' '])
        .trim_end_matches("...");
    if norm(full).contains(probe) {
        full.to_string()
    } else {
        format!("{teaser}\n\n{full}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARTICLE: &str = r#"<!doctype html><html><head><title>Attack near Djibo</title></head><body>
<nav class="menu"><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a> Subscribe to our newsletter</nav>
<header><div class="site-banner">Sahel Daily News - your trusted source</div></header>
<main><article>
<h1>Gunmen kill 12 near Djibo</h1>
<p>Gunmen on motorbikes killed twelve civilians in an attack on a village near Djibo in northern Burkina Faso on Tuesday, local sources said, in the latest of a series of raids in the Soum province.</p>
<p>The attackers arrived in the early morning, set fire to the market and shot residents who tried to flee, according to a local official who asked not to be named for security reasons.</p>
<p>No group has claimed responsibility for the attack, but jihadist groups linked to al-Qaeda and the Islamic State are active in the area and have repeatedly targeted civilians and the military.</p>
</article></main>
<footer class="footer">Copyright 2024 Sahel Daily News. All rights reserved. Privacy policy | Cookie settings | Contact us</footer>
</body></html>"#;

    #[test]
    fn main_text_without_boilerplate() {
        let t = extract_main_text(ARTICLE, "https://news.example/a/1").expect("article text");
        assert!(
            t.contains("Gunmen on motorbikes killed twelve civilians"),
            "{t}"
        );
        assert!(
            t.contains("\n\nThe attackers arrived"),
            "paragraphs kept apart: {t}"
        );
        assert!(!t.contains("Subscribe to our newsletter"), "{t}");
        assert!(!t.contains("All rights reserved"), "{t}");
        assert!(!t.contains('<'), "{t}");
    }

    #[test]
    fn pages_without_an_article_give_none() {
        assert_eq!(
            extract_main_text(
                "<html><body><nav>Home</nav></body></html>",
                "https://x.example/"
            ),
            None
        );
        assert_eq!(extract_main_text("", "not a url"), None);
    }

    #[test]
    fn teaser_kept_unless_repeated() {
        assert_eq!(
            merge_text(
                "Twelve killed near Djibo...",
                "Twelve killed near Djibo on Tuesday."
            ),
            "Twelve killed near Djibo on Tuesday."
        );
        assert_eq!(
            merge_text("Summary.", "Body text."),
            "Summary.\n\nBody text."
        );
        assert_eq!(merge_text("", "Body."), "Body.");
    }
}
