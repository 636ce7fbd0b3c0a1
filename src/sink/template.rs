//! Body templates for `format = "template"` webhooks (SMS gateways and any
//! other HTTP API), rendered with minijinja.
//!
//! A template sees the `sahel-watch.alert/1` fields (`event`, `incident`,
//! `stories`, `watchlists`, `revision`, `changes`, `schema`) and:
//! `short_text` (one line of at most 160 characters, see
//! [`render::short_text`]), `headline`, `text` (the plain-text rendering),
//! `idempotency_key`, `map_url` (or none) and `env` (the variables listed in
//! `template_env`, for gateways that want an API key in the body).
//!
//! Values are escaped for the body's `content_type`: JSON types write every
//! `{{ value }}` as a JSON value (strings with their quotes), XML and HTML
//! types escape markup, `application/x-www-form-urlencoded` percent-encodes;
//! other types (plain text) write values as they are. `| safe` opts out.
//! A name the context lacks is an error (no silent empty field); rendering
//! is bounded (fuel) and the body is at most 1 MB.

use std::collections::BTreeMap;

use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};

use super::render;
use crate::model::{Alert, AlertEvent};

/// Largest body a template may produce.
pub const MAX_BODY: usize = 1 << 20;
/// Instructions a rendering may run (a loop gone wild stops here).
const FUEL: u64 = 2_000_000;
const NAME: &str = "body";

/// How rendered values are escaped, from the content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    None,
    Json,
    Markup,
    Form,
}

impl Escape {
    pub fn for_content_type(content_type: &str) -> Escape {
        let mime = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if mime == "application/json" || mime.ends_with("+json") {
            Escape::Json
        } else if mime == "application/x-www-form-urlencoded" {
            Escape::Form
        } else if mime.ends_with("/xml") || mime.ends_with("+xml") || mime == "text/html" {
            Escape::Markup
        } else {
            Escape::None
        }
    }
}

/// A template error: the template's line (1-based) when known.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateError {
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "line {l}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

fn error(e: &minijinja::Error) -> TemplateError {
    let mut message = e.kind().to_string();
    if let Some(d) = e.detail() {
        message.push_str(": ");
        message.push_str(d);
    }
    TemplateError {
        line: e.line(),
        message,
    }
}

/// A compiled body template.
pub struct BodyTemplate {
    env: Environment<'static>,
    escape: Escape,
}

impl std::fmt::Debug for BodyTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BodyTemplate")
            .field("escape", &self.escape)
            .finish_non_exhaustive()
    }
}

impl BodyTemplate {
    pub fn compile(source: &str, content_type: &str) -> Result<BodyTemplate, TemplateError> {
        let escape = Escape::for_content_type(content_type);
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_fuel(Some(FUEL));
        env.set_auto_escape_callback(move |_| match escape {
            Escape::None => AutoEscape::None,
            Escape::Json => AutoEscape::Json,
            Escape::Markup => AutoEscape::Html,
            Escape::Form => AutoEscape::Custom("form".into()),
        });
        env.set_formatter(|out, state, value| {
            if matches!(state.auto_escape(), AutoEscape::Custom(n) if n == "form") {
                let s = if value.is_none() || value.is_undefined() {
                    String::new()
                } else {
                    value.to_string()
                };
                if value.is_safe() {
                    return out.write_str(&s).map_err(minijinja::Error::from);
                }
                let enc: String = url::form_urlencoded::byte_serialize(s.as_bytes()).collect();
                return out.write_str(&enc).map_err(minijinja::Error::from);
            }
            minijinja::escape_formatter(out, state, value)
        });
        env.add_template_owned(NAME, source.to_string())
            .map_err(|e| error(&e))?;
        Ok(BodyTemplate { env, escape })
    }

    pub fn escape(&self) -> Escape {
        self.escape
    }

    /// The body for `alert`; `env` holds the `template_env` values.
    pub fn render(
        &self,
        alert: &Alert,
        env: &BTreeMap<String, String>,
    ) -> Result<String, TemplateError> {
        let t = self.env.get_template(NAME).map_err(|e| error(&e))?;
        let body = t.render(context(alert, env)).map_err(|e| error(&e))?;
        if body.len() > MAX_BODY {
            return Err(TemplateError {
                line: None,
                message: format!("the body is over {MAX_BODY} bytes"),
            });
        }
        Ok(body)
    }

    /// Render sample alerts of every kind (new, updated, digest, test, with
    /// unknown facts) as `check-config` does; a JSON content type must give
    /// JSON. `env_names` get placeholder values.
    pub fn check(&self, env_names: &[String]) -> Result<(), TemplateError> {
        let env: BTreeMap<String, String> = env_names
            .iter()
            .map(|n| (n.clone(), format!("placeholder-{n}")))
            .collect();
        for (what, alert) in samples() {
            let body = self.render(&alert, &env).map_err(|e| TemplateError {
                line: e.line,
                message: format!("{} (rendering a sample {what})", e.message),
            })?;
            if self.escape == Escape::Json {
                if let Err(e) = serde_json::from_str::<serde_json::Value>(&body) {
                    return Err(TemplateError {
                        line: Some(e.line()),
                        message: format!(
                            "a sample {what} does not render to JSON ({e}); with a JSON content_type every {{{{ value }}}} is written as JSON, quotes included: write \"text\": {{{{ short_text }}}}, or {{{{ \"Alert: \" ~ short_text }}}}, not \"{{{{ short_text }}}}\""
                        ),
                    });
                }
            }
        }
        Ok(())
    }
}

/// What a template sees for `alert`.
pub fn context(alert: &Alert, env: &BTreeMap<String, String>) -> Value {
    let mut v = serde_json::to_value(alert).expect("an Alert always serialises");
    if let Some(o) = v.as_object_mut() {
        o.insert("short_text".into(), render::short_text(alert).into());
        o.insert("headline".into(), render::subject(alert).into());
        o.insert("text".into(), render::text_body(alert).into());
        o.insert("idempotency_key".into(), alert.idempotency_key().into());
        o.insert(
            "map_url".into(),
            render::map_link(alert).map_or(serde_json::Value::Null, Into::into),
        );
        o.insert(
            "env".into(),
            serde_json::to_value(env).expect("strings serialise"),
        );
    }
    Value::from(Serde(v))
}

/// Sample alerts of each kind, for [`BodyTemplate::check`].
pub fn samples() -> Vec<(&'static str, Alert)> {
    let new = super::sample_alert();
    let mut updated = new.clone();
    updated.event = AlertEvent::Updated;
    updated.revision = 3;
    updated.changes = vec![
        "killed 12 → 23".into(),
        "claimed by Islamic State Sahel Province".into(),
    ];
    let mut bare = new.clone();
    bare.incident.admin1 = None;
    bare.incident.location = None;
    bare.incident.lat = None;
    bare.incident.lon = None;
    bare.incident.event_date = None;
    bare.incident.killed = None;
    bare.incident.wounded = None;
    bare.incident.victims = None;
    bare.incident.actors = vec![];
    bare.incident.attack_type = None;
    bare.incident.title = None;
    bare.incident.summary = None;
    bare.stories[0].url = None;
    bare.stories[0].published = None;
    let mut test = new.clone();
    test.event = AlertEvent::Test;
    let digest = super::worker::digest_alert("default", 1, &[new.clone(), updated.clone()]);
    vec![
        ("incident.new alert", new),
        ("incident.updated alert", updated),
        ("alert with unknown facts", bare),
        ("test alert", test),
        ("digest", digest),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::sample_alert;

    fn env() -> BTreeMap<String, String> {
        BTreeMap::from([("KEY".to_string(), "k&y=1".to_string())])
    }

    #[test]
    fn json_values_are_json_and_the_context_has_the_alert_and_short_text() {
        let t = BodyTemplate::compile(
            "{\"to\": \"+22790000000\", \"text\": {{ short_text }}, \"id\": {{ incident.id }}, \"killed\": {{ incident.killed }}, \"key\": {{ env.KEY }}, \"title\": {{ incident.title }}}",
            "application/json",
        )
        .unwrap();
        let mut a = sample_alert();
        a.incident.title = Some("\"quoted\" <b>&</b>\n".into());
        let body = t.render(&a, &env()).unwrap();
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["text"], render::short_text(&a));
        assert_eq!(v["id"], "sample-NE-2024-03-20-teguey");
        assert_eq!(v["killed"], 23);
        assert_eq!(v["key"], "k&y=1");
        assert_eq!(v["title"], "\"quoted\" <b>&</b>\n");
        t.check(&["KEY".to_string()]).unwrap();
    }

    #[test]
    fn form_bodies_are_percent_encoded_and_xml_escaped() {
        let t = BodyTemplate::compile(
            "To=%2B22790000000&Body={{ short_text }}&k={{ env.KEY }}&raw={{ 'a&b' | safe }}",
            "application/x-www-form-urlencoded",
        )
        .unwrap();
        let body = t.render(&sample_alert(), &env()).unwrap();
        let pairs: BTreeMap<String, String> = url::form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
        assert_eq!(pairs["Body"], render::short_text(&sample_alert()));
        assert_eq!(pairs["k"], "k&y=1");
        assert!(body.ends_with("&raw=a&b"), "{body}");

        let t = BodyTemplate::compile("<m>{{ incident.title }}</m>", "text/xml").unwrap();
        let mut a = sample_alert();
        a.incident.title = Some("<x>&".into());
        assert_eq!(t.render(&a, &env()).unwrap(), "<m>&lt;x&gt;&amp;</m>");
    }

    #[test]
    fn errors_name_the_template_line() {
        let e = BodyTemplate::compile("line one\n{{ short_text }\n", "text/plain").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        let t = BodyTemplate::compile("ok\n\n{{ incident.nope }}", "text/plain").unwrap();
        let e = t.check(&[]).unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("undefined"), "{e}");
        // quoted JSON values are caught by the check, with the way out
        let t =
            BodyTemplate::compile("{\"text\": \"{{ short_text }}\"}", "application/json").unwrap();
        let e = t.check(&[]).unwrap_err();
        assert!(e.message.contains("quotes included"), "{e}");
        // runaway loops stop
        let t = BodyTemplate::compile(
            "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
            "text/plain",
        )
        .unwrap();
        assert!(t.render(&sample_alert(), &env()).is_err());
    }
}
