//! Human renderings of an [`Alert`] shared by the email and chat formats:
//! the subject line, the facts table, plain text, HTML, and the escaping
//! each chat service needs.
//!
//! Everything that comes from a story (titles, summaries, outlet names, place
//! names read from the text, links) is outsiders' text. Every rendering here
//! escapes it for its target: HTML entities in HTML, Slack's `&`/`<`/`>`
//! entities, backslash escapes for Markdown (Discord, Teams), and mentions
//! (`@channel`, `@here`, `@everyone`, `<!...>`) are broken so a story can
//! never ping a whole channel. Links are only ever made from `http(s)` URLs.

use crate::model::{Alert, AlertEvent, StoryRef};

/// What starts the subject and headline of a test alert (see `Alert::headline`).
pub const TEST_MARK: &str = "[TEST]";

/// Subject / title line: the headline for incidents, the digest's title for
/// digests. Control characters are removed (no header injection).
pub fn subject(alert: &Alert) -> String {
    let s = match alert.event {
        AlertEvent::Digest => alert
            .incident
            .title
            .clone()
            .unwrap_or_else(|| "Incidents during quiet hours".to_string()),
        _ => alert.headline(),
    };
    one_line(&s)
}

/// Collapse control characters (newlines included) to spaces.
pub fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            if !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    out.trim().to_string()
}

/// Remove control characters except newlines and tabs.
pub fn clean_text(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect::<String>()
        .replace("\r\n", "\n")
}

/// Cut to at most `max` characters, ending with "…" when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Long name of the watched countries' codes.
pub fn country_name(code: &str) -> Option<&'static str> {
    Some(match code.to_ascii_uppercase().as_str() {
        "ML" => "Mali",
        "BF" => "Burkina Faso",
        "NE" => "Niger",
        "TD" => "Chad",
        "MR" => "Mauritania",
        "NG" => "Nigeria",
        "BJ" => "Benin",
        "TG" => "Togo",
        "SN" => "Senegal",
        "DZ" => "Algeria",
        "LY" => "Libya",
        "SD" => "Sudan",
        "CM" => "Cameroon",
        "CF" => "Central African Republic",
        "GH" => "Ghana",
        "CI" => "Côte d'Ivoire",
        _ => return None,
    })
}

/// `https://www.openstreetmap.org/?mlat=LAT&mlon=LON#map=10/LAT/LON`, when
/// both coordinates are known and in range.
pub fn map_link(alert: &Alert) -> Option<String> {
    let (lat, lon) = (alert.incident.lat?, alert.incident.lon?);
    if !lat.is_finite()
        || !lon.is_finite()
        || !(-90.0..=90.0).contains(&lat)
        || !(-180.0..=180.0).contains(&lon)
    {
        return None;
    }
    Some(format!(
        "https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=10/{lat}/{lon}"
    ))
}

/// A story link fit to put in an `href` or a Markdown/Slack link: only
/// `http` and `https`, normalised, with the characters that could end or
/// break a link in Markdown or Slack markup percent-encoded.
pub fn safe_url(raw: &str) -> Option<String> {
    let u = url::Url::parse(raw.trim()).ok()?;
    if u.scheme() != "http" && u.scheme() != "https" {
        return None;
    }
    u.host_str()?;
    let mut out = String::new();
    for c in u.as_str().chars() {
        match c {
            '|' => out.push_str("%7C"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '"' => out.push_str("%22"),
            '\'' => out.push_str("%27"),
            ' ' => out.push_str("%20"),
            '*' => out.push_str("%2A"),
            '`' => out.push_str("%60"),
            '\\' => out.push_str("%5C"),
            '[' => out.push_str("%5B"),
            ']' => out.push_str("%5D"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    Some(out)
}

/// The facts of an incident as (label, value) rows, in a fixed order:
/// country, region, place, coordinates, date, killed, wounded, victims,
/// actors, attack type, confidence, watch-lists. Unknown facts read
/// "unknown". Digests have only the rows they know.
pub fn facts(alert: &Alert) -> Vec<(&'static str, String)> {
    let i = &alert.incident;
    let unknown = || "unknown".to_string();
    let country = i.country.as_ref().map(|c| match country_name(c) {
        Some(n) => format!("{n} ({c})"),
        None => c.clone(),
    });
    let coords = match (i.lat, i.lon) {
        (Some(lat), Some(lon)) => Some(format!("{lat:.4}, {lon:.4}")),
        _ => None,
    };
    let actors = if i.actors.is_empty() {
        None
    } else {
        Some(i.actors.join(", "))
    };
    let watchlists = if alert.watchlists.is_empty() {
        None
    } else {
        Some(alert.watchlists.join(", "))
    };
    if alert.event == AlertEvent::Digest {
        let mut rows = Vec::new();
        if let Some(c) = country {
            rows.push(("Country", c));
        }
        rows.push((
            "Incidents",
            alert
                .incident
                .summary
                .as_deref()
                .map(|s| s.lines().count())
                .unwrap_or(0)
                .to_string(),
        ));
        if let Some(w) = watchlists {
            rows.push(("Watch-lists", w));
        }
        return rows;
    }
    let mut rows = vec![
        ("Country", country.unwrap_or_else(unknown)),
        ("Region", i.admin1.clone().unwrap_or_else(unknown)),
        ("Place", i.location.clone().unwrap_or_else(unknown)),
        ("Coordinates", coords.unwrap_or_else(unknown)),
        (
            "Date",
            i.event_date
                .map(|d| d.format("%Y-%m-%d (%a)").to_string())
                .unwrap_or_else(unknown),
        ),
        (
            "Killed",
            i.killed.map(|n| n.to_string()).unwrap_or_else(unknown),
        ),
        (
            "Wounded",
            i.wounded.map(|n| n.to_string()).unwrap_or_else(unknown),
        ),
        ("Victims", i.victims.clone().unwrap_or_else(unknown)),
        ("Actors", actors.unwrap_or_else(unknown)),
        ("Attack type", i.attack_type.clone().unwrap_or_else(unknown)),
        (
            "Confidence",
            format!("{:.0} %", (i.confidence.clamp(0.0, 1.0) * 100.0)),
        ),
        (
            "Watch-lists",
            watchlists.unwrap_or_else(|| "none".to_string()),
        ),
    ];
    if !i.near_sites.is_empty() {
        rows.insert(3, ("Near", i.near_sites.join("; ")));
    }
    rows.into_iter().map(|(k, v)| (k, one_line(&v))).collect()
}

/// "Source, 2024-03-21 09:30 UTC" for a story.
pub fn story_meta(s: &StoryRef) -> String {
    let mut m = one_line(&s.source);
    if let Some(p) = s.published {
        if !m.is_empty() {
            m.push_str(", ");
        }
        m.push_str(&p.format("%Y-%m-%d %H:%M UTC").to_string());
    }
    m
}

/// The footer line: incident id, revision, event.
pub fn footer(alert: &Alert) -> String {
    format!(
        "sahel-watch {} · incident {} · revision {}",
        alert.event.as_str(),
        one_line(&alert.incident.id),
        alert.revision
    )
}

/// Plain-text rendering (email text part, ntfy body).
pub fn text_body(alert: &Alert) -> String {
    let i = &alert.incident;
    let mut out = String::new();
    out.push_str(&subject(alert));
    out.push_str("\n\n");
    if alert.event == AlertEvent::Updated && !alert.changes.is_empty() {
        out.push_str("What changed:\n");
        for c in &alert.changes {
            out.push_str(&format!("  - {}\n", one_line(c)));
        }
        out.push('\n');
    }
    if alert.event != AlertEvent::Digest {
        if let Some(t) = &i.title {
            out.push_str(&one_line(t));
            out.push_str("\n\n");
        }
    }
    if let Some(s) = &i.summary {
        out.push_str(clean_text(s).trim());
        out.push_str("\n\n");
    }
    let rows = facts(alert);
    let width = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0)
        + 1;
    for (k, v) in &rows {
        out.push_str(&format!(
            "{:<width$} {}\n",
            format!("{k}:"),
            v,
            width = width
        ));
    }
    if let Some(m) = map_link(alert) {
        out.push_str(&format!("\nMap: {m}\n"));
    }
    if !alert.stories.is_empty() {
        out.push_str("\nStories:\n");
        for s in &alert.stories {
            out.push_str(&format!("- {} ({})\n", one_line(&s.title), story_meta(s)));
            if let Some(u) = s.url.as_deref().and_then(safe_url) {
                out.push_str(&format!("  {u}\n"));
            }
        }
    }
    out.push_str("\n-- \n");
    out.push_str(&footer(alert));
    out.push('\n');
    out
}

/// Escape text for HTML element content and quoted attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// HTML rendering (email HTML part). Every interpolated value goes through
/// [`escape_html`].
pub fn html_body(alert: &Alert) -> String {
    let i = &alert.incident;
    let e = escape_html;
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">");
    h.push_str(&format!("<title>{}</title></head>\n", e(&subject(alert))));
    h.push_str("<body style=\"font-family: sans-serif; color: #222;\">\n");
    h.push_str(&format!(
        "<h2 style=\"margin-bottom: 0.3em;\">{}</h2>\n",
        e(&subject(alert))
    ));
    if alert.event == AlertEvent::Updated && !alert.changes.is_empty() {
        h.push_str("<p><strong>What changed:</strong></p>\n<ul>\n");
        for c in &alert.changes {
            h.push_str(&format!("<li>{}</li>\n", e(&one_line(c))));
        }
        h.push_str("</ul>\n");
    }
    if alert.event != AlertEvent::Digest {
        if let Some(t) = &i.title {
            h.push_str(&format!("<p><strong>{}</strong></p>\n", e(&one_line(t))));
        }
    }
    if let Some(s) = &i.summary {
        let s = clean_text(s);
        if alert.event == AlertEvent::Digest {
            h.push_str("<ul>\n");
            for line in s.lines().filter(|l| !l.trim().is_empty()) {
                let line = line.trim().trim_start_matches("- ");
                h.push_str(&format!("<li>{}</li>\n", e(line)));
            }
            h.push_str("</ul>\n");
        } else {
            for para in s.split("\n\n").filter(|p| !p.trim().is_empty()) {
                h.push_str(&format!(
                    "<p>{}</p>\n",
                    e(para.trim()).replace('\n', "<br>\n")
                ));
            }
        }
    }
    h.push_str("<table cellpadding=\"4\" style=\"border-collapse: collapse;\">\n");
    for (k, v) in facts(alert) {
        h.push_str(&format!(
            "<tr><th align=\"left\" style=\"padding-right: 1em;\">{}</th><td>{}</td></tr>\n",
            e(k),
            e(&v)
        ));
    }
    h.push_str("</table>\n");
    if let Some(m) = map_link(alert) {
        h.push_str(&format!(
            "<p><a href=\"{}\">Map (OpenStreetMap)</a></p>\n",
            e(&m)
        ));
    }
    if !alert.stories.is_empty() {
        h.push_str("<h3>Stories</h3>\n<ul>\n");
        for s in &alert.stories {
            let title = e(&one_line(&s.title));
            let linked = match s.url.as_deref().and_then(safe_url) {
                Some(u) => format!("<a href=\"{}\">{}</a>", e(&u), title),
                None => title,
            };
            h.push_str(&format!(
                "<li>{} <span style=\"color: #666;\">({})</span></li>\n",
                linked,
                e(&story_meta(s))
            ));
        }
        h.push_str("</ul>\n");
    }
    h.push_str(&format!(
        "<p style=\"color: #888; font-size: small;\">{}</p>\n",
        e(&footer(alert))
    ));
    h.push_str("</body></html>\n");
    h
}

/// Break mentions in chat text: a zero-width space after `@` keeps
/// `@channel`, `@here`, `@everyone`, `@all` and `@user` from pinging.
pub fn break_mentions(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '@' {
            if let Some(n) = chars.peek() {
                if n.is_alphanumeric() || *n == '_' {
                    out.push('\u{200B}');
                }
            }
        }
    }
    out
}

/// Slack mrkdwn: `&`, `<`, `>` become entities (so `<!channel>` and
/// `<@U123>` are plain text), mentions are broken, control characters dropped.
pub fn slack_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in clean_text(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    break_mentions(&out)
}

/// Markdown (Discord, Teams): the characters that make emphasis, code,
/// spoilers, links, HTML or entities (backslash, `*`, `_`, `~`, backtick,
/// `|`, `<`, `>`, `[`, `]`, `&`) are
/// backslash-escaped everywhere, and those that start a heading, quote or
/// list (`# - + > =`, `1.`) at the start of a line; mentions are broken.
pub fn markdown_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for (n, line) in clean_text(s).split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        out.push_str(indent);
        let digits = trimmed.chars().take_while(|c| c.is_ascii_digit()).count();
        let chars: Vec<char> = trimmed.chars().collect();
        for (k, &c) in chars.iter().enumerate() {
            let at_start = k == 0 && matches!(c, '#' | '-' | '+' | '=');
            let list_dot = digits > 0
                && k == digits
                && (c == '.' || c == ')')
                && !matches!(chars.get(k + 1), Some(n) if !n.is_whitespace());
            if at_start
                || list_dot
                || matches!(
                    c,
                    '\\' | '*' | '_' | '~' | '`' | '|' | '<' | '>' | '[' | ']' | '&'
                )
            {
                out.push('\\');
            }
            out.push(c);
        }
    }
    break_mentions(&out)
}

/// Discord: Markdown escaping; `@everyone`/`@here` broken.
pub fn discord_escape(s: &str) -> String {
    markdown_escape(s)
}

/// Teams (Adaptive Card TextBlock Markdown): Markdown escaping, which also
/// escapes `<`, `>` and `&` (no HTML or entities get through).
pub fn teams_escape(s: &str) -> String {
    markdown_escape(s)
}

/// RFC 2047 encoded-word for a header value that is not plain ASCII (ntfy
/// decodes these in its headers); plain printable ASCII is returned as is.
pub fn header_value(s: &str) -> String {
    let s = one_line(s);
    if s.chars().all(|c| c.is_ascii() && !c.is_ascii_control()) {
        return s;
    }
    format!("=?UTF-8?B?{}?=", base64(s.as_bytes()))
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            T[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            T[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// The most a short text holds: one SMS of the GSM 7-bit alphabet.
pub const SHORT_TEXT_MAX: usize = 160;

/// One line of at most [`SHORT_TEXT_MAX`] characters for SMS and chat
/// previews, in characters that fit one GSM 7-bit SMS (accents folded, see
/// [`sms_fold`]):
/// `NE Tillaberi, Bankilare 19 Mar: ambush, 23 killed, 17 wounded. sahel-watch SW-NE-...`.
/// Updates start with `Update: `, test alerts with `TEST: `; a digest gives
/// its title and its headlines. When the line is too long the incident id is
/// cut first (ending `...`), then the rest.
pub fn short_text(alert: &Alert) -> String {
    let i = &alert.incident;
    if alert.event == AlertEvent::Digest {
        let title = i.title.as_deref().unwrap_or("incidents during quiet hours");
        let lines: Vec<String> = i
            .summary
            .as_deref()
            .unwrap_or_default()
            .lines()
            .map(|l| one_line(l.trim().trim_start_matches("- ")))
            .filter(|l| !l.is_empty())
            .collect();
        let line = format!("sahel-watch: {}: {}", one_line(title), lines.join("; "));
        return cut_ascii(&sms_fold(&line), SHORT_TEXT_MAX);
    }
    let head = {
        let prefix = match alert.event {
            AlertEvent::Updated => "Update: ",
            AlertEvent::Test => "TEST: ",
            _ => "",
        };
        let mut place: Vec<String> = Vec::new();
        if let Some(a1) = i.admin1.as_deref().map(one_line).filter(|s| !s.is_empty()) {
            place.push(a1);
        }
        if let Some(l) = i
            .location
            .as_deref()
            .map(one_line)
            .filter(|s| !s.is_empty())
        {
            if !place.iter().any(|p| p.eq_ignore_ascii_case(&l)) {
                place.push(l);
            }
        }
        let mut where_ = i.country.as_deref().map(one_line).unwrap_or_default();
        if !place.is_empty() {
            if !where_.is_empty() {
                where_.push(' ');
            }
            where_.push_str(&place.join(", "));
        }
        if where_.is_empty() {
            where_.push_str("Sahel");
        }
        if let Some(d) = i.event_date {
            where_.push_str(&d.format(" %-d %b").to_string());
        }
        let mut what = vec![i
            .attack_type
            .as_deref()
            .map(one_line)
            .unwrap_or_else(|| "attack".to_string())];
        if let Some(k) = i.killed {
            what.push(format!("{k} killed"));
        }
        if let Some(w) = i.wounded {
            what.push(format!("{w} wounded"));
        }
        sms_fold(&format!("{prefix}{where_}: {}.", what.join(", ")))
    };
    let id = sms_fold(&one_line(&i.id));
    let full = format!("{head} sahel-watch {id}");
    if full.chars().count() <= SHORT_TEXT_MAX {
        return full;
    }
    // the id first: it is on the web page; the place and toll are the news
    let room = SHORT_TEXT_MAX.saturating_sub(head.chars().count() + " sahel-watch ".len());
    if room >= 8 {
        return format!("{head} sahel-watch {}", cut_ascii(&id, room));
    }
    let head = cut_ascii(&head, SHORT_TEXT_MAX - " sahel-watch SW-...".len());
    let room = SHORT_TEXT_MAX - head.chars().count() - " sahel-watch ".len();
    format!("{head} sahel-watch {}", cut_ascii(&id, room))
}

/// Cut to at most `max` characters, ending with `...` when cut (ASCII: one SMS).
fn cut_ascii(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(3)).collect();
    out.push_str("...");
    out
}

/// Text folded to what one GSM 7-bit SMS carries without escapes: accented
/// Latin letters lose their accents (`Tillabéri` → `Tillaberi`), typographic
/// quotes and dashes become ASCII, control characters become spaces, and
/// anything else outside printable ASCII or in the GSM extension table
/// (`` ` ^ { } \ [ ] ~ | ``) is dropped.
pub fn sms_fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let folded: &str = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => "a",
            'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'Ā' => "A",
            'ç' | 'ć' | 'č' => "c",
            'Ç' | 'Ć' | 'Č' => "C",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' => "e",
            'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ė' | 'Ę' => "E",
            'ì' | 'í' | 'î' | 'ï' | 'ī' => "i",
            'Ì' | 'Í' | 'Î' | 'Ï' | 'Ī' => "I",
            'ñ' | 'ń' => "n",
            'Ñ' | 'Ń' => "N",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => "o",
            'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō' => "O",
            'ù' | 'ú' | 'û' | 'ü' | 'ū' => "u",
            'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ū' => "U",
            'ý' | 'ÿ' => "y",
            'Ý' | 'Ÿ' => "Y",
            'œ' => "oe",
            'Œ' => "OE",
            'æ' => "ae",
            'Æ' => "AE",
            'ß' => "ss",
            '’' | '‘' | 'ʼ' | '`' | '´' => "'",
            '“' | '”' | '«' | '»' => "\"",
            '–' | '—' | '‑' | '→' => "-",
            '…' => "...",
            '·' | '•' => "-",
            '\u{a0}' | '\u{202f}' => " ",
            c if c.is_control() => " ",
            '^' | '{' | '}' | '\\' | '[' | ']' | '~' | '|' => "",
            c if c.is_ascii() => {
                out.push(c);
                continue;
            }
            _ => "",
        };
        out.push_str(folded);
    }
    // no runs of spaces left by the folding
    let mut clean = String::with_capacity(out.len());
    for c in out.trim().chars() {
        if c == ' ' && clean.ends_with(' ') {
            continue;
        }
        clean.push(c);
    }
    clean
}

/// The HTML dialect of a chat service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatHtml {
    /// Telegram's subset (`b`, `i`, `a`, `code`...): lines end with `\n`, no `<br>` or lists.
    Telegram,
    /// Matrix `org.matrix.custom.html`: lines end with `<br>`.
    Matrix,
}

/// An alert as chat HTML: the subject in bold, what changed, the title, the
/// summary, the facts, the map and story links, the footer. Every outside
/// string goes through [`escape_html`] and [`break_mentions`]; links only
/// from `http(s)` URLs ([`safe_url`]). At most about `max_chars` characters
/// of text (the stories go first when it is too long).
pub fn chat_html(alert: &Alert, dialect: ChatHtml, max_chars: usize) -> String {
    let i = &alert.incident;
    let br = match dialect {
        ChatHtml::Telegram => "\n",
        ChatHtml::Matrix => "<br>\n",
    };
    let t = |s: &str| break_mentions(&escape_html(s));
    let mut head = String::new();
    head.push_str(&format!("<b>{}</b>{br}", t(&subject(alert))));
    if alert.event == AlertEvent::Updated && !alert.changes.is_empty() {
        head.push_str(&format!("{br}<b>What changed:</b>{br}"));
        for c in &alert.changes {
            head.push_str(&format!("• {}{br}", t(&one_line(c))));
        }
    }
    if alert.event != AlertEvent::Digest {
        if let Some(title) = &i.title {
            head.push_str(&format!("{br}<i>{}</i>{br}", t(&one_line(title))));
        }
    }
    if let Some(s) = &i.summary {
        let s = truncate(clean_text(s).trim(), 1500);
        head.push_str(br);
        head.push_str(&t(&s).replace('\n', br));
        head.push_str(br);
    }
    head.push_str(br);
    for (k, v) in facts(alert) {
        head.push_str(&format!("<b>{}:</b> {}{br}", t(k), t(&v)));
    }
    if let Some(m) = map_link(alert) {
        head.push_str(&format!(
            "<a href=\"{}\">Map (OpenStreetMap)</a>{br}",
            escape_html(&m)
        ));
    }
    let footer = format!("{br}<i>{}</i>", t(&footer(alert)));
    let mut stories = String::new();
    if !alert.stories.is_empty() {
        stories.push_str(&format!("{br}<b>Stories</b>{br}"));
        for (n, s) in alert.stories.iter().enumerate() {
            if n == 8 {
                stories.push_str(&format!("… and {} more{br}", alert.stories.len() - 8));
                break;
            }
            let title = t(&truncate(&one_line(&s.title), 200));
            let linked = match s.url.as_deref().and_then(safe_url) {
                Some(u) => format!("<a href=\"{}\">{}</a>", escape_html(&u), title),
                None => title,
            };
            stories.push_str(&format!("• {} ({}){br}", linked, t(&story_meta(s))));
        }
    }
    let visible = |h: &str| {
        // what the service counts: the text without tags, entities as one character
        let mut n = 0usize;
        let mut in_tag = false;
        let mut in_entity = false;
        for c in h.chars() {
            match c {
                '<' => in_tag = true,
                '>' if in_tag => in_tag = false,
                '&' if !in_tag => {
                    in_entity = true;
                    n += 1;
                }
                ';' if in_entity => in_entity = false,
                _ if in_tag || in_entity => {}
                _ => n += 1,
            }
        }
        n
    };
    let mut out = format!("{head}{stories}{footer}");
    if visible(&out) > max_chars {
        out = format!("{head}{footer}");
    }
    out
}

/// Plain text for a chat service without markup (Signal): the short text,
/// what changed, the title, the summary (cut), the first story's link and
/// the map, at most `max_chars` characters. Control characters other than
/// newlines are removed; nothing else needs escaping.
pub fn chat_plain(alert: &Alert, max_chars: usize) -> String {
    let i = &alert.incident;
    let mut out = subject(alert);
    out.push('\n');
    if alert.event == AlertEvent::Updated && !alert.changes.is_empty() {
        out.push_str("What changed: ");
        out.push_str(
            &alert
                .changes
                .iter()
                .map(|c| one_line(c))
                .collect::<Vec<_>>()
                .join("; "),
        );
        out.push('\n');
    }
    if alert.event != AlertEvent::Digest {
        if let Some(t) = &i.title {
            out.push('\n');
            out.push_str(&one_line(t));
            out.push('\n');
        }
    }
    if let Some(s) = &i.summary {
        out.push('\n');
        out.push_str(&truncate(clean_text(s).trim(), 700));
        out.push('\n');
    }
    let mut tail = String::new();
    if let Some(u) = alert
        .stories
        .iter()
        .find_map(|s| s.url.as_deref().and_then(safe_url))
    {
        tail.push_str(&format!("\n{u}"));
    }
    if let Some(m) = map_link(alert) {
        tail.push_str(&format!("\nMap: {m}"));
    }
    tail.push_str(&format!("\n{}", footer(alert)));
    let room = max_chars.saturating_sub(tail.chars().count());
    format!("{}{tail}", truncate(out.trim_end(), room))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::sample_alert;

    fn hostile() -> Alert {
        let mut a = sample_alert();
        a.incident.title = Some(
            "<script>alert(1)</script> @channel <!here> **bold** [x](javascript:alert(1))".into(),
        );
        a.incident.summary = Some("A & B <b>bold</b>\n\n@everyone look".into());
        a.stories[0].title = "<img src=x onerror=alert(1)> @here".into();
        a.stories[0].url = Some("javascript:alert(1)".into());
        a
    }

    #[test]
    fn html_escapes_story_text_and_drops_unsafe_links() {
        let h = html_body(&hostile());
        assert!(!h.contains("<script>"), "{h}");
        assert!(h.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{h}");
        assert!(!h.contains("<img"), "{h}");
        assert!(!h.contains("<b>"), "{h}");
        assert!(!h.contains("javascript:alert(1)\""), "{h}");
        assert!(!h.contains("href=\"javascript"), "{h}");
        assert!(h.contains("A &amp; B"), "{h}");
    }

    #[test]
    fn html_has_facts_map_and_links() {
        let h = html_body(&sample_alert());
        for want in [
            "Niger (NE)",
            "Tillaberi",
            "Teguey",
            "2024-03-20",
            "23",
            "17",
            "military",
            "ambush",
            "93 %",
        ] {
            assert!(h.contains(want), "missing {want}: {h}");
        }
        assert!(
            h.contains("https://www.openstreetmap.org/?mlat=14.1&amp;mlon=0.9#map=10/14.1/0.9"),
            "{h}"
        );
        assert!(
            h.contains("href=\"https://outlet.example/niger-ambush-tillaberi\""),
            "{h}"
        );
    }

    #[test]
    fn text_has_facts_and_links() {
        let t = text_body(&sample_alert());
        assert!(
            t.starts_with(
                "ambush in Teguey, Tillaberi (NE) on 2024-03-20: 23 killed, 17 wounded\n"
            ),
            "{t}"
        );
        assert!(t.contains("Killed:"), "{t}");
        assert!(
            t.contains("Map: https://www.openstreetmap.org/?mlat=14.1&mlon=0.9#map=10/14.1/0.9"),
            "{t}"
        );
        assert!(
            t.contains("  https://outlet.example/niger-ambush-tillaberi"),
            "{t}"
        );
    }

    #[test]
    fn slack_escape_breaks_markup_and_mentions() {
        let s = slack_escape("<!channel> & @here <@U123> a > b");
        assert_eq!(
            s,
            "&lt;!channel&gt; &amp; @\u{200B}here &lt;@\u{200B}U123&gt; a &gt; b"
        );
    }

    #[test]
    fn markdown_escape_breaks_markup_and_mentions() {
        let s = markdown_escape("**x** [a](b) @everyone <@1>");
        assert_eq!(
            s,
            "\\*\\*x\\*\\* \\[a\\](b) @\u{200B}everyone \\<@\u{200B}1\\>"
        );
        assert_eq!(
            markdown_escape("# h\n- l\n12. x-y\n14.1000"),
            "\\# h\n\\- l\n12\\. x-y\n14.1000"
        );
    }

    #[test]
    fn safe_url_only_http() {
        assert_eq!(safe_url("javascript:alert(1)"), None);
        assert_eq!(safe_url("data:text/html,x"), None);
        assert_eq!(
            safe_url("https://a.example/x(1)|y").as_deref(),
            Some("https://a.example/x%281%29%7Cy")
        );
    }

    #[test]
    fn short_texts_of_updates_tests_and_digests() {
        let mut a = sample_alert();
        a.event = AlertEvent::Updated;
        assert!(
            short_text(&a).starts_with("Update: NE Tillaberi, Teguey 20 Mar: ambush, 23 killed")
        );
        a.event = AlertEvent::Test;
        assert!(short_text(&a).starts_with("TEST: NE "));
        let many: Vec<Alert> = (0..30).map(|_| sample_alert()).collect();
        let d = crate::sink::worker::digest_alert("night", 1, &many);
        let s = short_text(&d);
        assert!(
            s.starts_with("sahel-watch: 30 incidents during quiet hours: ambush in Teguey"),
            "{s}"
        );
        assert!(
            s.chars().count() <= SHORT_TEXT_MAX && s.ends_with("..."),
            "{s}"
        );
        assert_eq!(
            sms_fold("Tillabéri – «Ménaka» {x}\n"),
            "Tillaberi - \"Menaka\" x"
        );
    }

    #[test]
    fn chat_html_escapes_and_links_only_http() {
        let h = chat_html(&hostile(), ChatHtml::Telegram, 4000);
        assert!(h.contains("&lt;script&gt;"), "{h}");
        assert!(!h.contains("<script") && !h.contains("<img"), "{h}");
        assert!(!h.contains("href=\"javascript"), "{h}");
        assert!(h.contains("@\u{200B}channel") && !h.contains("<br>"), "{h}");
        let m = chat_html(&sample_alert(), ChatHtml::Matrix, 4000);
        assert!(m.contains("<br>"), "{m}");
    }

    #[test]
    fn rfc2047_for_non_ascii() {
        assert_eq!(header_value("plain"), "plain");
        assert_eq!(header_value("Tillabéri"), "=?UTF-8?B?VGlsbGFiw6lyaQ==?=");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
    }
}
