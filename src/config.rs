//! The configuration file (TOML): daemon settings, feeds, watch-lists, sites
//! and channels. [`Config::load`] parses and validates; every error names the
//! file and line, and the key or watch-list at fault.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Deserializer};

use sahel_nlp::{Gazetteer, PlaceKind};

/// A configuration that failed to load: where and why.
#[derive(Debug)]
pub struct ConfigError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
    /// The file's other errors, reported together (one a line).
    pub more: Vec<ConfigError>,
}

impl ConfigError {
    /// This error and the others of the same file.
    pub fn all(&self) -> impl Iterator<Item = &ConfigError> {
        std::iter::once(self).chain(self.more.iter())
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.file, l, self.message)?,
            None => write!(f, "{}: {}", self.file, self.message)?,
        }
        for e in &self.more {
            write!(f, "\n{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub daemon: DaemonConfig,
    #[serde(default)]
    pub alerts: AlertsConfig,
    #[serde(default)]
    pub dedup: DedupConfig,
    #[serde(default)]
    pub web: WebConfig,
    #[serde(default)]
    pub cap: CapConfig,
    #[serde(default)]
    pub store: StoreConfig,
    #[serde(default, rename = "feed")]
    pub feeds: Vec<FeedConfig>,
    #[serde(default, rename = "watchlist")]
    pub watchlists: Vec<WatchlistConfig>,
    #[serde(default, rename = "site")]
    pub sites: Vec<SiteConfig>,
    #[serde(default, rename = "channel")]
    pub channels: Vec<ChannelConfig>,
    /// Where the configuration was read from (not a key).
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

/// Where the state is kept: without `url`, the embedded SQLite database in
/// `daemon.state_dir` (as always); with it, a PostgreSQL server that several
/// daemons may share (one polls and delivers at a time).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// `postgres://user@host:port/database` (no password in it); TLS by the
    /// URL's `sslmode`: `require` (or `prefer`: TLS when the server offers
    /// it), the server's certificate always verified; none or `disable`: plain.
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub password_env: Option<String>,
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// Certificates (PEM) that sign the server's (default: the Mozilla roots).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DaemonConfig {
    /// Directory of the state database and the imported gazetteer.
    #[serde(default = "default_state_dir")]
    pub state_dir: PathBuf,
    /// Address of the health, metrics and incidents HTTP endpoint; "" turns it off.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Stories older than this are recorded but never alerted.
    #[serde(default = "default_max_story_age", deserialize_with = "de_duration")]
    pub max_story_age: Duration,
    /// A feed's first successful poll stores every story (so later ones join
    /// their incidents) but alerts only those published within this long.
    #[serde(
        default = "default_first_poll_max_age",
        deserialize_with = "de_duration"
    )]
    pub first_poll_max_age: Duration,
    /// CSV files of incidents the user already knows (alert columns or ACLED export).
    #[serde(default)]
    pub known_incidents: Vec<PathBuf>,
    /// A TSV file of the user's own places (the gazetteer format).
    #[serde(default)]
    pub places_file: Option<PathBuf>,
    /// auto | text | json | journald
    #[serde(default = "default_log_format")]
    pub log_format: String,
    /// Fetches under way at once, in all.
    #[serde(default = "default_max_fetches")]
    pub max_concurrent_fetches: usize,
    /// Fetches under way at once to one host.
    #[serde(default = "default_max_per_host")]
    pub max_fetches_per_host: usize,
    #[serde(default = "default_connect_timeout", deserialize_with = "de_duration")]
    pub connect_timeout: Duration,
    /// Whole-request limit for a feed or article fetch.
    #[serde(default = "default_fetch_timeout", deserialize_with = "de_duration")]
    pub fetch_timeout: Duration,
    /// Largest body read from a feed or page ("10MB").
    #[serde(default = "default_max_body", deserialize_with = "de_size")]
    pub max_body_size: u64,
    /// Longest backoff after failures.
    #[serde(default = "default_max_backoff", deserialize_with = "de_duration")]
    pub max_backoff: Duration,
    /// On SIGTERM, how long in-flight deliveries may take before exit.
    #[serde(default = "default_shutdown_grace", deserialize_with = "de_duration")]
    pub shutdown_grace: Duration,
    /// WARN when the state directory's filesystem has less free space than
    /// this (SQLite's write-ahead log needs headroom).
    #[serde(default = "default_min_free_space", deserialize_with = "de_size")]
    pub min_free_space: u64,
}

fn default_min_free_space() -> u64 {
    64 * 1024 * 1024
}

impl Default for DaemonConfig {
    fn default() -> Self {
        toml::from_str("").expect("defaults")
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsConfig {
    /// Send incident.updated alerts (watch-lists may override).
    #[serde(default)]
    pub updates: bool,
    /// An update is significant when the death toll rises by at least this many...
    #[serde(default = "default_update_min_increase")]
    pub update_min_killed_increase: u32,
    /// ...or by at least this share of the previous toll (0.5 = +50 %).
    #[serde(default = "default_update_min_ratio")]
    pub update_min_killed_ratio: f64,
    /// A first claim of responsibility is significant.
    #[serde(default = "default_true")]
    pub update_on_claim: bool,
    /// A delivery still failing after this long is marked failed.
    #[serde(default = "default_give_up", deserialize_with = "de_duration")]
    pub give_up_after: Duration,
    /// First retry delay; doubles up to `max_retry_delay`.
    #[serde(default = "default_retry_delay", deserialize_with = "de_duration")]
    pub retry_delay: Duration,
    #[serde(default = "default_max_retry_delay", deserialize_with = "de_duration")]
    pub max_retry_delay: Duration,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        toml::from_str("").expect("defaults")
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DedupConfig {
    /// Stories join incidents whose event date is at most this many days away.
    #[serde(default = "default_window_days")]
    pub window_days: u32,
    /// Score from which a story joins an incident (see ARCHITECTURE.md).
    #[serde(default = "default_match_threshold")]
    pub match_threshold: f64,
}

impl Default for DedupConfig {
    fn default() -> Self {
        toml::from_str("").expect("defaults")
    }
}

/// The web page at `/` (served on `daemon.listen`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebConfig {
    /// The page fetches the incidents again this often (new ones appear without a reload).
    #[serde(default = "default_web_refresh", deserialize_with = "de_duration")]
    pub refresh: Duration,
    /// Raster tiles layered under the embedded base map, a URL with {z}, {x} and {y}
    /// ("https://tiles.example.org/{z}/{x}/{y}.png"). Unset: no request leaves the page.
    #[serde(default)]
    pub tiles: Option<String>,
    /// The tiles' attribution, shown under the map.
    #[serde(default)]
    pub tiles_attribution: Option<String>,
    /// Where readers reach the web page ("https://watch.example.org", behind the
    /// reverse proxy): CAP alerts link to `{public_url}/incidents/{id}`.
    #[serde(default)]
    pub public_url: Option<String>,
}

/// CAP 1.2 alerts (`/incidents/{id}.cap`, `/incidents.cap.atom`, `format = "cap"` webhooks).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapConfig {
    /// The alerts' `sender`: globally unique, e.g. based on a domain name
    /// ("sahel-watch@ngo.example"); no spaces, commas, `<` or `&`.
    #[serde(default = "default_cap_sender")]
    pub sender: String,
}

fn default_cap_sender() -> String {
    crate::cap::DEFAULT_SENDER.to_string()
}

impl Default for CapConfig {
    fn default() -> Self {
        toml::from_str("").expect("defaults")
    }
}

fn default_web_refresh() -> Duration {
    Duration::from_secs(30)
}

impl Default for WebConfig {
    fn default() -> Self {
        toml::from_str("").expect("defaults")
    }
}

/// `fetch_full_text`: true, false or "auto".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FullText {
    #[default]
    Never,
    Always,
    /// When the item's own text is short (a teaser).
    Auto,
}

impl<'de> Deserialize<'de> for FullText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            B(bool),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::B(true) => Ok(FullText::Always),
            Raw::B(false) => Ok(FullText::Never),
            Raw::S(s) if s == "auto" => Ok(FullText::Auto),
            Raw::S(s) => Err(serde::de::Error::custom(format!(
                "fetch_full_text must be true, false or \"auto\", not {s:?}"
            ))),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    pub url: String,
    pub name: String,
    #[serde(default = "default_interval", deserialize_with = "de_duration")]
    pub interval: Duration,
    /// Move the interval between min and max by how often the feed publishes.
    #[serde(default)]
    pub adaptive: bool,
    #[serde(default = "default_min_interval", deserialize_with = "de_duration")]
    pub min_interval: Duration,
    #[serde(default = "default_max_interval", deserialize_with = "de_duration")]
    pub max_interval: Duration,
    #[serde(default)]
    pub fetch_full_text: FullText,
    /// Language of the feed's stories when the feed does not declare it.
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default = "default_true")]
    pub enabled: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceFilter {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
    #[serde(default = "default_radius")]
    pub radius_km: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    /// "22:00"
    pub start: String,
    /// "06:30"
    pub end: String,
    /// Offset from UTC of the clock above, e.g. "+01:00" (default UTC).
    #[serde(default)]
    pub utc_offset: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchlistConfig {
    pub name: String,
    #[serde(default)]
    pub countries: Vec<String>,
    #[serde(default)]
    pub regions: Vec<String>,
    #[serde(default)]
    pub places: Vec<PlaceFilter>,
    #[serde(default)]
    pub actors: Vec<String>,
    #[serde(default)]
    pub victims: Vec<String>,
    #[serde(default)]
    pub attack_types: Vec<String>,
    #[serde(default)]
    pub min_killed: Option<u32>,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub exclude_keywords: Vec<String>,
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub channels: Vec<String>,
    /// Overrides `[alerts] updates` for this watch-list.
    #[serde(default)]
    pub updates: Option<bool>,
    #[serde(default)]
    pub quiet_hours: Option<QuietHours>,
    /// At most this many alerts an hour; the excess becomes one digest.
    #[serde(default)]
    pub max_per_hour: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    #[serde(default = "default_radius")]
    pub radius_km: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookFormat {
    Json,
    Slack,
    Discord,
    Teams,
    Ntfy,
    /// A body from `template` or `template_file` (minijinja), with `content_type`.
    Template,
    /// An OASIS CAP 1.2 alert (`application/cap+xml`).
    Cap,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    Starttls,
    Tls,
    None,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookChannel {
    pub name: String,
    pub url: String,
    #[serde(default = "default_format")]
    pub format: WebhookFormat,
    /// Environment variable holding the HMAC secret.
    #[serde(default)]
    pub secret_env: Option<String>,
    /// File holding the HMAC secret.
    #[serde(default)]
    pub secret_file: Option<PathBuf>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Headers whose values are secrets: header name → environment variable
    /// holding the value (`{ "Authorization" = "SMS_GATEWAY_AUTH" }`).
    #[serde(default)]
    pub headers_env: BTreeMap<String, String>,
    /// format = "template": the body template, inline...
    #[serde(default)]
    pub template: Option<String>,
    /// ...or in a file (relative paths from the configuration's directory).
    #[serde(default)]
    pub template_file: Option<PathBuf>,
    /// format = "template": the body's Content-Type (default "text/plain; charset=utf-8");
    /// it also decides how values are escaped.
    #[serde(default)]
    pub content_type: Option<String>,
    /// Environment variables the template may read as `{{ env.NAME }}`.
    #[serde(default)]
    pub template_env: Vec<String>,
    #[serde(default = "default_send_timeout", deserialize_with = "de_duration")]
    pub timeout: Duration,
    /// The template's text, read when the configuration is loaded (not a key).
    #[serde(skip)]
    pub template_text: Option<String>,
}

impl WebhookChannel {
    /// The body's Content-Type of a template webhook.
    pub fn template_content_type(&self) -> &str {
        self.content_type
            .as_deref()
            .unwrap_or("text/plain; charset=utf-8")
    }
}

/// A Telegram bot posting to one chat (Bot API `sendMessage`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelegramChannel {
    pub name: String,
    #[serde(default)]
    pub bot_token_env: Option<String>,
    #[serde(default)]
    pub bot_token_file: Option<PathBuf>,
    /// A chat id (-1001234567890) or a public channel's @name.
    #[serde(deserialize_with = "de_chat_id")]
    pub chat_id: String,
    #[serde(default = "default_telegram_api")]
    pub api_base: String,
    #[serde(default = "default_send_timeout", deserialize_with = "de_duration")]
    pub timeout: Duration,
}

/// A Matrix room, through the client-server API of the bot's homeserver.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatrixChannel {
    pub name: String,
    /// "https://matrix.example.org"
    pub homeserver: String,
    /// "!abcdefg:example.org" (the room's id, not an alias)
    pub room_id: String,
    #[serde(default)]
    pub access_token_env: Option<String>,
    #[serde(default)]
    pub access_token_file: Option<PathBuf>,
    #[serde(default = "default_send_timeout", deserialize_with = "de_duration")]
    pub timeout: Duration,
}

/// Signal, through a signal-cli REST API server (`POST {url}/v2/send`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignalChannel {
    pub name: String,
    /// "http://127.0.0.1:8080"
    pub url: String,
    /// The registered sender number, "+22790000000".
    pub number: String,
    /// Phone numbers, or group ids ("group.abc...") as signal-cli-rest-api lists them.
    pub recipients: Vec<String>,
    #[serde(default = "default_send_timeout", deserialize_with = "de_duration")]
    pub timeout: Duration,
}

fn default_telegram_api() -> String {
    "https://api.telegram.org".to_string()
}

fn de_chat_id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        N(i64),
        S(String),
    }
    match Raw::deserialize(d)? {
        Raw::N(n) => Ok(n.to_string()),
        Raw::S(s) => Ok(s),
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailChannel {
    pub name: String,
    pub smtp_host: String,
    #[serde(default = "default_smtp_port")]
    pub smtp_port: u16,
    #[serde(default = "default_tls")]
    pub tls: TlsMode,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password_env: Option<String>,
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    pub from: String,
    pub to: Vec<String>,
    #[serde(default = "default_send_timeout", deserialize_with = "de_duration")]
    pub timeout: Duration,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonlChannel {
    pub name: String,
    pub path: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogChannel {
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ChannelConfig {
    Webhook(WebhookChannel),
    Email(EmailChannel),
    Jsonl(JsonlChannel),
    Log(LogChannel),
    Telegram(TelegramChannel),
    Matrix(MatrixChannel),
    Signal(SignalChannel),
}

impl ChannelConfig {
    pub fn name(&self) -> &str {
        match self {
            ChannelConfig::Webhook(c) => &c.name,
            ChannelConfig::Email(c) => &c.name,
            ChannelConfig::Jsonl(c) => &c.name,
            ChannelConfig::Log(c) => &c.name,
            ChannelConfig::Telegram(c) => &c.name,
            ChannelConfig::Matrix(c) => &c.name,
            ChannelConfig::Signal(c) => &c.name,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            ChannelConfig::Webhook(_) => "webhook",
            ChannelConfig::Email(_) => "email",
            ChannelConfig::Jsonl(_) => "jsonl",
            ChannelConfig::Log(_) => "log",
            ChannelConfig::Telegram(_) => "telegram",
            ChannelConfig::Matrix(_) => "matrix",
            ChannelConfig::Signal(_) => "signal",
        }
    }
}

/// The channel that writes alerts to the daemon's log. It always exists (a
/// `[[channel]]` may not take its name for another type); a watch-list
/// without `channels` sends there when no channel is configured.
pub const IMPLICIT_LOG_CHANNEL: &str = "log";

/// File of the state directory where `gazetteer import` keeps GeoNames places.
pub const IMPORTED_GAZETTEER: &str = "gazetteer-geonames.tsv";

pub const ATTACK_TYPES: &[&str] = &[
    "ambush",
    "raid",
    "massacre",
    "ied",
    "suicide attack",
    "air strike",
    "drone strike",
    "abduction",
    "shelling",
    "armed attack",
];
pub const VICTIMS: &[&str] = &["military", "civilian", "mixed"];
pub const LANGUAGES: &[&str] = &["en", "fr"];

fn default_state_dir() -> PathBuf {
    PathBuf::from("/var/lib/sahel-watch")
}
fn default_listen() -> String {
    "127.0.0.1:9464".into()
}
fn default_max_story_age() -> Duration {
    Duration::from_secs(7 * 86400)
}
fn default_first_poll_max_age() -> Duration {
    Duration::from_secs(24 * 3600)
}
fn default_log_format() -> String {
    "auto".into()
}
fn default_max_fetches() -> usize {
    32
}
fn default_max_per_host() -> usize {
    2
}
fn default_connect_timeout() -> Duration {
    Duration::from_secs(10)
}
fn default_fetch_timeout() -> Duration {
    Duration::from_secs(30)
}
fn default_max_body() -> u64 {
    10 * 1024 * 1024
}
fn default_max_backoff() -> Duration {
    Duration::from_secs(6 * 3600)
}
fn default_shutdown_grace() -> Duration {
    Duration::from_secs(10)
}
fn default_update_min_increase() -> u32 {
    5
}
fn default_update_min_ratio() -> f64 {
    0.5
}
fn default_true() -> bool {
    true
}
fn default_give_up() -> Duration {
    Duration::from_secs(2 * 86400)
}
fn default_retry_delay() -> Duration {
    Duration::from_secs(10)
}
fn default_max_retry_delay() -> Duration {
    Duration::from_secs(3600)
}
fn default_window_days() -> u32 {
    14
}
fn default_match_threshold() -> f64 {
    1.2
}
fn default_interval() -> Duration {
    Duration::from_secs(600)
}
fn default_min_interval() -> Duration {
    Duration::from_secs(120)
}
fn default_max_interval() -> Duration {
    Duration::from_secs(3600)
}
fn default_radius() -> f64 {
    50.0
}
fn default_format() -> WebhookFormat {
    WebhookFormat::Json
}
fn default_smtp_port() -> u16 {
    587
}
fn default_tls() -> TlsMode {
    TlsMode::Starttls
}
fn default_send_timeout() -> Duration {
    Duration::from_secs(20)
}

fn de_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    humantime::parse_duration(&s).map_err(|e| {
        serde::de::Error::custom(format!(
            "{s:?} is not a duration like \"10m\" or \"7d\": {e}"
        ))
    })
}

/// "10MB", "512KiB", "1048576" → bytes.
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num.parse().ok()?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" | "k" => 1000,
        "kib" => 1024,
        "mb" | "m" => 1_000_000,
        "mib" => 1024 * 1024,
        "gb" | "g" => 1_000_000_000,
        "gib" => 1024 * 1024 * 1024,
        _ => return None,
    };
    n.checked_mul(mult)
}

fn de_size<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        N(u64),
        S(String),
    }
    match Raw::deserialize(d)? {
        Raw::N(n) => Ok(n),
        Raw::S(s) => parse_size(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("{s:?} is not a size like \"10MB\""))),
    }
}

impl Config {
    /// The built-in configuration: the five countries, alerts to the log.
    pub fn builtin() -> Config {
        let mut c: Config = toml::from_str(
            r#"
            [[watchlist]]
            name = "default"
            countries = ["ML", "BF", "NE", "TD", "MR"]
            channels = ["log"]
            "#,
        )
        .expect("built-in config");
        c.path = None;
        c
    }

    /// Read, parse and validate a configuration file.
    pub fn load(path: &Path, gazetteer: &Gazetteer) -> Result<Config, ConfigError> {
        Config::load_for(path, gazetteer, None)
    }

    /// [`Config::load`] with the state directory the daemon will use (its
    /// `--state-dir`), whose imported gazetteer places watch-lists may name.
    pub fn load_for(
        path: &Path,
        gazetteer: &Gazetteer,
        state_dir: Option<&Path>,
    ) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.display().to_string(),
            line: None,
            message: format!("cannot read: {e}"),
            more: vec![],
        })?;
        Config::parse_for(&text, &path.display().to_string(), gazetteer, state_dir).map(|mut c| {
            c.path = Some(path.to_path_buf());
            c
        })
    }

    /// Parse and validate configuration text; `file` names it in errors.
    pub fn parse(text: &str, file: &str, gazetteer: &Gazetteer) -> Result<Config, ConfigError> {
        Config::parse_for(text, file, gazetteer, None)
    }

    /// [`Config::parse`] with a state directory overriding `daemon.state_dir`.
    /// Watch-lists are validated against the gazetteer the daemon will use:
    /// `gazetteer` plus `daemon.places_file` plus the places `gazetteer import`
    /// put in the state directory.
    pub fn parse_for(
        text: &str,
        file: &str,
        gazetteer: &Gazetteer,
        state_dir: Option<&Path>,
    ) -> Result<Config, ConfigError> {
        let mut config: Config = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of_offset(text, s.start));
            ConfigError {
                file: file.to_string(),
                line,
                message: type_error_message(text, e.span(), e.message().trim()),
                more: vec![],
            }
        })?;
        if let Some(d) = state_dir {
            config.daemon.state_dir = d.to_path_buf();
        }
        let extended;
        let gazetteer = match config.extra_places() {
            Ok(places) if places.is_empty() => gazetteer,
            Ok(places) => {
                let mut g = gazetteer.clone();
                g.extend(places);
                extended = g;
                &extended
            }
            Err(message) => {
                return Err(ConfigError {
                    file: file.to_string(),
                    line: find_key_line(text, "daemon", 0, "places_file"),
                    message,
                    more: vec![],
                })
            }
        };
        let base_dir = Path::new(file)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let mut errors = config.read_templates(&base_dir, text, file);
        errors.extend(config.validate(text, file, gazetteer));
        let mut errors = errors.into_iter();
        match errors.next() {
            None => Ok(config),
            Some(mut first) => {
                first.more = errors.collect();
                Err(first)
            }
        }
    }

    /// Read the `template_file`s of template webhooks (relative to `base_dir`,
    /// the configuration's directory) and keep every template's text in
    /// `template_text`; errors for files that cannot be read.
    fn read_templates(&mut self, base_dir: &Path, text: &str, file: &str) -> Vec<ConfigError> {
        let mut errs = Vec::new();
        for (i, c) in self.channels.iter_mut().enumerate() {
            let ChannelConfig::Webhook(w) = c else {
                continue;
            };
            w.template_text = match (&w.template, &w.template_file) {
                (Some(t), None) => Some(t.clone()),
                (None, Some(p)) => {
                    let path = if p.is_relative() {
                        base_dir.join(p)
                    } else {
                        p.clone()
                    };
                    match std::fs::read_to_string(&path) {
                        Ok(t) => {
                            w.template_file = Some(path);
                            Some(t)
                        }
                        Err(e) => {
                            errs.push(ConfigError {
                                file: file.to_string(),
                                line: find_key_line(text, "channel", i, "template_file"),
                                message: format!(
                                    "channel {:?}: cannot read the template file {}: {e}",
                                    w.name,
                                    path.display()
                                ),
                                more: vec![],
                            });
                            None
                        }
                    }
                }
                _ => None,
            };
        }
        errs
    }

    /// The places the daemon adds to the embedded gazetteer: the user's
    /// `daemon.places_file` and what `gazetteer import` stored in the state directory.
    pub fn extra_places(&self) -> Result<Vec<sahel_nlp::Place>, String> {
        let mut out = Vec::new();
        if let Some(p) = &self.daemon.places_file {
            out.extend(
                Gazetteer::load_tsv_file(p, sahel_nlp::PlaceSource::User)
                    .map_err(|e| format!("daemon.places_file: {e}"))?,
            );
        }
        let imported = self.daemon.state_dir.join(IMPORTED_GAZETTEER);
        if imported.exists() {
            out.extend(
                Gazetteer::load_tsv_file(&imported, sahel_nlp::PlaceSource::GeoNames)
                    .map_err(|e| format!("imported gazetteer: {e}"))?,
            );
        }
        Ok(out)
    }

    /// The channel names alerts are routed to when watch-lists name none.
    pub fn effective_channels(&self) -> Vec<String> {
        if self.channels.is_empty() {
            vec![IMPLICIT_LOG_CHANNEL.to_string()]
        } else {
            self.channels.iter().map(|c| c.name().to_string()).collect()
        }
    }

    pub fn channel(&self, name: &str) -> Option<&ChannelConfig> {
        self.channels.iter().find(|c| c.name() == name)
    }

    /// Every country any watch-list watches; the five defaults when a
    /// watch-list names none (it then watches them all).
    pub fn watched_countries(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for w in &self.watchlists {
            if w.countries.is_empty() {
                for c in sahel_nlp::DEFAULT_COUNTRIES {
                    out.push(c.to_string());
                }
            }
            for c in &w.countries {
                out.push(c.to_ascii_uppercase());
            }
        }
        if out.is_empty() {
            out = sahel_nlp::DEFAULT_COUNTRIES
                .iter()
                .map(|s| s.to_string())
                .collect();
        }
        out.sort();
        out.dedup();
        out
    }

    /// Every error of the file, in order.
    fn validate(&self, text: &str, file: &str, gaz: &Gazetteer) -> Vec<ConfigError> {
        let mut errs = Vec::new();
        let err = |line: Option<usize>, message: String| ConfigError {
            file: file.to_string(),
            line,
            message,
            more: vec![],
        };
        let st = &self.store;
        let store_line = |key: &str| find_key_line(text, "store", 0, key);
        match &st.url {
            Some(u) => {
                if let Err(m) = check_store_url(u) {
                    errs.push(err(store_line("url"), format!("store.url: {m}")));
                }
            }
            None => {
                if st.ca_file.is_some() {
                    errs.push(err(
                        store_line("ca_file"),
                        "store: ca_file without store.url (the SQLite store needs none)".into(),
                    ));
                }
                if st.password_env.is_some() || st.password_file.is_some() {
                    errs.push(err(
                        store_line(if st.password_env.is_some() {
                            "password_env"
                        } else {
                            "password_file"
                        }),
                        "store: a password without store.url (the SQLite store needs none)".into(),
                    ));
                }
            }
        }
        if st.password_env.is_some() && st.password_file.is_some() {
            errs.push(err(
                store_line("password_env"),
                "store: give password_env or password_file, not both".into(),
            ));
        }
        let d = &self.daemon;
        if !d.listen.is_empty() && d.listen.parse::<SocketAddr>().is_err() {
            errs.push(err(
                find_key_line(text, "daemon", 0, "listen"),
                format!(
                    "daemon.listen: {:?} is not an address like \"127.0.0.1:9464\"",
                    d.listen
                ),
            ));
        }
        if self.web.refresh < Duration::from_secs(1) {
            errs.push(err(
                find_key_line(text, "web", 0, "refresh"),
                "web.refresh: at least 1s".into(),
            ));
        }
        if let Some(t) = &self.web.tiles {
            if let Err(e) = crate::web::TileSource::parse(t) {
                errs.push(err(
                    find_key_line(text, "web", 0, "tiles"),
                    format!("web.tiles: {e}"),
                ));
            }
        }
        if let Some(u) = &self.web.public_url {
            if !is_http_url(u) {
                errs.push(err(
                    find_key_line(text, "web", 0, "public_url"),
                    format!("web.public_url: {u:?} is not an http(s) URL"),
                ));
            }
        }
        let sender = &self.cap.sender;
        if sender.is_empty()
            || sender
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || matches!(c, ',' | '<' | '&'))
        {
            errs.push(err(
                find_key_line(text, "cap", 0, "sender"),
                format!("cap.sender: {sender:?} may hold no spaces, commas, < or & (CAP 1.2), e.g. \"sahel-watch@ngo.example\""),
            ));
        }
        if !["auto", "text", "json", "journald"].contains(&d.log_format.as_str()) {
            errs.push(err(
                find_key_line(text, "daemon", 0, "log_format"),
                format!(
                    "daemon.log_format: {:?} is not one of auto, text, json, journald",
                    d.log_format
                ),
            ));
        }
        if d.max_concurrent_fetches == 0 || d.max_fetches_per_host == 0 {
            errs.push(err(
                None,
                "daemon: fetch concurrency limits must be at least 1".into(),
            ));
        }

        let mut names = HashSet::new();
        for (i, f) in self.feeds.iter().enumerate() {
            let line = |key: &str| find_key_line(text, "feed", i, key);
            if !names.insert(f.name.as_str()) {
                errs.push(err(
                    line("name"),
                    format!("feed {:?}: a feed of that name is already defined", f.name),
                ));
            }
            match url::Url::parse(&f.url) {
                Ok(u) if u.scheme() == "http" || u.scheme() == "https" || u.scheme() == "file" => {}
                Ok(u) => errs.push(err(
                    line("url"),
                    format!(
                        "feed {:?}: url scheme {:?} is not http or https",
                        f.name,
                        u.scheme()
                    ),
                )),
                Err(e) => errs.push(err(
                    line("url"),
                    format!("feed {:?}: url {:?}: {e}", f.name, f.url),
                )),
            }
            if f.interval < Duration::from_secs(1) {
                errs.push(err(
                    line("interval"),
                    format!("feed {:?}: interval must be at least 1s", f.name),
                ));
            }
            if f.adaptive && f.min_interval > f.max_interval {
                errs.push(err(
                    line("min_interval"),
                    format!("feed {:?}: min_interval is above max_interval", f.name),
                ));
            }
            if let Some(l) = &f.language {
                if !LANGUAGES.contains(&l.as_str()) {
                    errs.push(err(
                        line("language"),
                        format!("feed {:?}: language {l:?} is not en or fr", f.name),
                    ));
                }
            }
        }

        let mut names = HashSet::new();
        for (i, c) in self.channels.iter().enumerate() {
            let line = |key: &str| find_key_line(text, "channel", i, key);
            let name = c.name();
            if name == IMPLICIT_LOG_CHANNEL && !matches!(c, ChannelConfig::Log(_)) {
                errs.push(err(
                    line("name"),
                    format!("channel {name:?}: the name \"log\" is kept for a log channel"),
                ));
            }
            if !names.insert(name) {
                errs.push(err(
                    line("name"),
                    format!("channel {name:?}: a channel of that name is already defined"),
                ));
            }
            match c {
                ChannelConfig::Webhook(w) => {
                    match url::Url::parse(&w.url) {
                        Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {}
                        _ => errs.push(err(
                            line("url"),
                            format!("channel {name:?}: url {:?} is not an http(s) URL", w.url),
                        )),
                    }
                    if w.secret_env.is_some() && w.secret_file.is_some() {
                        errs.push(err(
                            line("secret_env"),
                            format!("channel {name:?}: give secret_env or secret_file, not both"),
                        ));
                    }
                    if (w.secret_env.is_some() || w.secret_file.is_some())
                        && !matches!(
                            w.format,
                            WebhookFormat::Json | WebhookFormat::Template | WebhookFormat::Cap
                        )
                    {
                        errs.push(err(
                            line("secret_env"),
                            format!("channel {name:?}: only format = \"json\", \"template\" and \"cap\" bodies are signed"),
                        ));
                    }
                    for (h, var) in w.headers.iter().chain(&w.headers_env) {
                        if reqwest::header::HeaderName::from_bytes(h.as_bytes()).is_err() {
                            errs.push(err(
                                line("headers"),
                                format!("channel {name:?}: {h:?} is not a valid HTTP header name"),
                            ));
                        }
                        if var.trim().is_empty() {
                            errs.push(err(
                                line("headers_env"),
                                format!(
                                    "channel {name:?}: header {h:?} names no environment variable"
                                ),
                            ));
                        }
                    }
                    errs.extend(self.check_template(w, i, text, file));
                }
                ChannelConfig::Telegram(t) => {
                    errs.extend(one_secret(
                        name,
                        ("bot_token_env", &t.bot_token_env),
                        ("bot_token_file", &t.bot_token_file),
                        &line,
                        &err,
                    ));
                    let id = t.chat_id.trim();
                    let numeric = id.parse::<i64>().is_ok();
                    let public = id.len() > 1
                        && id.starts_with('@')
                        && id[1..]
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_');
                    if !numeric && !public {
                        errs.push(err(
                            line("chat_id"),
                            format!("channel {name:?}: chat_id {:?} is neither a chat id (-1001234567890) nor a public @channelname", t.chat_id),
                        ));
                    }
                    if !is_http_url(&t.api_base) {
                        errs.push(err(
                            line("api_base"),
                            format!(
                                "channel {name:?}: api_base {:?} is not an http(s) URL",
                                t.api_base
                            ),
                        ));
                    }
                }
                ChannelConfig::Matrix(m) => {
                    errs.extend(one_secret(
                        name,
                        ("access_token_env", &m.access_token_env),
                        ("access_token_file", &m.access_token_file),
                        &line,
                        &err,
                    ));
                    if !is_http_url(&m.homeserver) {
                        errs.push(err(
                            line("homeserver"),
                            format!(
                                "channel {name:?}: homeserver {:?} is not an http(s) URL",
                                m.homeserver
                            ),
                        ));
                    }
                    // "!opaque:server", or "!opaque" since room version 12
                    let r = m.room_id.trim();
                    if !r.starts_with('!') || r.len() < 2 || r.chars().any(char::is_whitespace) {
                        errs.push(err(
                            line("room_id"),
                            format!("channel {name:?}: room_id {:?} is not a room id like \"!abcdefg:example.org\" (an alias such as #room:example.org will not do: the room's settings show its id)", m.room_id),
                        ));
                    }
                }
                ChannelConfig::Signal(sg) => {
                    if !is_http_url(&sg.url) {
                        errs.push(err(
                            line("url"),
                            format!("channel {name:?}: url {:?} is not an http(s) URL", sg.url),
                        ));
                    }
                    if !is_phone_number(&sg.number) {
                        errs.push(err(
                            line("number"),
                            format!("channel {name:?}: number {:?} is not a phone number in international form (+22790000000)", sg.number),
                        ));
                    }
                    if sg.recipients.is_empty() {
                        errs.push(err(
                            line("recipients"),
                            format!("channel {name:?}: recipients lists nobody"),
                        ));
                    }
                    for r in &sg.recipients {
                        let group = r.starts_with("group.")
                            && r.len() > 6
                            && !r.contains(char::is_whitespace);
                        if !is_phone_number(r) && !group {
                            errs.push(err(
                                line("recipients"),
                                format!("channel {name:?}: recipient {r:?} is neither a phone number (+22790000000) nor a group id (group.…)"),
                            ));
                        }
                    }
                }
                ChannelConfig::Email(e) => {
                    if e.password_env.is_some() && e.password_file.is_some() {
                        errs.push(err(
                            line("password_env"),
                            format!(
                                "channel {name:?}: give password_env or password_file, not both"
                            ),
                        ));
                    }
                    if e.tls == TlsMode::None && !is_loopback_host(&e.smtp_host) {
                        errs.push(err(
                            line("tls"),
                            format!("channel {name:?}: tls = \"none\" is only allowed to a loopback host, not {:?}", e.smtp_host),
                        ));
                    }
                    if e.from.parse::<lettre::message::Mailbox>().is_err() {
                        errs.push(err(
                            line("from"),
                            format!(
                                "channel {name:?}: from {:?} is not an email address",
                                e.from
                            ),
                        ));
                    }
                    if e.to.is_empty() {
                        errs.push(err(
                            line("to"),
                            format!("channel {name:?}: to lists no recipient"),
                        ));
                    }
                    for t in &e.to {
                        if t.parse::<lettre::message::Mailbox>().is_err() {
                            errs.push(err(
                                line("to"),
                                format!(
                                    "channel {name:?}: recipient {t:?} is not an email address"
                                ),
                            ));
                        }
                    }
                }
                ChannelConfig::Jsonl(_) | ChannelConfig::Log(_) => {}
            }
        }

        let mut names = HashSet::new();
        for (i, w) in self.watchlists.iter().enumerate() {
            let line = |key: &str| find_key_line(text, "watchlist", i, key);
            let wl = &w.name;
            if !names.insert(wl.as_str()) {
                errs.push(err(
                    line("name"),
                    format!("watchlist {wl:?}: a watch-list of that name is already defined"),
                ));
            }
            for c in &w.countries {
                if c.len() != 2 || gaz.country(c).is_none() {
                    errs.push(err(line("countries"), format!("watchlist {wl:?}: unknown country code {c:?} (use ISO codes such as ML, BF, NE, TD, MR)")));
                }
            }
            for r in &w.regions {
                if gaz.region(r).is_none() {
                    let hint = gaz
                        .suggest(r, &[PlaceKind::Admin1, PlaceKind::Admin1New])
                        .map(|s| format!(" (did you mean {s:?}?)"))
                        .unwrap_or_default();
                    errs.push(err(
                        line("regions"),
                        format!("watchlist {wl:?}: unknown region {r:?}{hint}"),
                    ));
                }
            }
            for p in &w.places {
                match (&p.name, p.lat, p.lon) {
                    (Some(n), None, None) => {
                        let site = self.sites.iter().any(|s| {
                            sahel_nlp::text::name_key(&s.name) == sahel_nlp::text::name_key(n)
                        });
                        if !site && gaz.lookup(n).is_empty() {
                            let hint = gaz
                                .suggest(
                                    n,
                                    &[PlaceKind::Place, PlaceKind::Admin2, PlaceKind::Admin1],
                                )
                                .map(|s| format!(" (did you mean {s:?}?)"))
                                .unwrap_or_default();
                            errs.push(err(
                                line("places"),
                                format!("watchlist {wl:?}: unknown place {n:?}{hint}"),
                            ));
                        }
                    }
                    (_, Some(lat), Some(lon)) => {
                        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
                            errs.push(err(
                                line("places"),
                                format!(
                                    "watchlist {wl:?}: coordinates {lat},{lon} are out of range"
                                ),
                            ));
                        }
                    }
                    _ => {
                        errs.push(err(
                            line("places"),
                            format!("watchlist {wl:?}: a place needs a name, or lat and lon"),
                        ));
                    }
                }
                if p.radius_km <= 0.0 {
                    errs.push(err(
                        line("places"),
                        format!("watchlist {wl:?}: radius_km must be positive"),
                    ));
                }
            }
            for a in &w.actors {
                if crate::watchlist::canonical_actor(a).is_none() {
                    let hint = crate::watchlist::suggest_actor(a)
                        .map(|s| format!(" (did you mean {s:?}?)"))
                        .unwrap_or_default();
                    errs.push(err(
                        line("actors"),
                        format!("watchlist {wl:?}: unknown actor {a:?}{hint}"),
                    ));
                }
            }
            for v in &w.victims {
                if !VICTIMS.contains(&v.as_str()) {
                    errs.push(err(
                        line("victims"),
                        format!(
                            "watchlist {wl:?}: victims {v:?} is not one of {}",
                            VICTIMS.join(", ")
                        ),
                    ));
                }
            }
            for t in &w.attack_types {
                if !ATTACK_TYPES.contains(&t.as_str()) {
                    errs.push(err(
                        line("attack_types"),
                        format!(
                            "watchlist {wl:?}: attack type {t:?} is not one of {}",
                            ATTACK_TYPES.join(", ")
                        ),
                    ));
                }
            }
            for l in &w.languages {
                if !LANGUAGES.contains(&l.as_str()) {
                    errs.push(err(
                        line("languages"),
                        format!("watchlist {wl:?}: language {l:?} is not en or fr"),
                    ));
                }
            }
            if w.channels.is_empty() && !self.channels.is_empty() {
                let names: Vec<String> = self
                    .channels
                    .iter()
                    .map(|c| format!("{:?}", c.name()))
                    .collect();
                errs.push(err(
                    line("name"),
                    format!(
                        "watchlist {wl:?}: no channels: say where it sends, e.g. channels = [{}] (\"log\" writes to the log only)",
                        names.join(", ")
                    ),
                ));
            }
            for c in &w.channels {
                let known =
                    self.channels.iter().any(|ch| ch.name() == c) || c == IMPLICIT_LOG_CHANNEL;
                if !known {
                    errs.push(err(
                        line("channels"),
                        format!("watchlist {wl:?}: no channel named {c:?} is defined"),
                    ));
                }
            }
            if let Some(q) = &w.quiet_hours {
                if crate::watchlist::QuietWindow::parse(q).is_none() {
                    errs.push(err(
                        line("quiet_hours"),
                        format!("watchlist {wl:?}: quiet_hours needs start and end as \"HH:MM\" and utc_offset as \"+HH:MM\""),
                    ));
                }
            }
            if w.max_per_hour == Some(0) {
                errs.push(err(
                    line("max_per_hour"),
                    format!("watchlist {wl:?}: max_per_hour must be at least 1"),
                ));
            }
        }
        for (i, s) in self.sites.iter().enumerate() {
            if !(-90.0..=90.0).contains(&s.lat)
                || !(-180.0..=180.0).contains(&s.lon)
                || s.radius_km <= 0.0
            {
                errs.push(err(
                    find_key_line(text, "site", i, "lat"),
                    format!(
                        "site {:?}: coordinates out of range or radius not positive",
                        s.name
                    ),
                ));
            }
        }
        errs
    }
}

impl Config {
    /// A webhook's template keys: only with format = "template", where one of
    /// `template` and `template_file` is needed; the template compiles and
    /// renders sample alerts (JSON for a JSON content type). Errors in a
    /// template name its line: the configuration's line for an inline
    /// template, the template file's own line for a file.
    fn check_template(
        &self,
        w: &WebhookChannel,
        index: usize,
        text: &str,
        file: &str,
    ) -> Vec<ConfigError> {
        let name = &w.name;
        let line = |key: &str| find_key_line(text, "channel", index, key);
        let err = |line: Option<usize>, message: String| ConfigError {
            file: file.to_string(),
            line,
            message,
            more: vec![],
        };
        let mut errs = Vec::new();
        if w.format != WebhookFormat::Template {
            for (key, set) in [
                ("template", w.template.is_some()),
                ("template_file", w.template_file.is_some()),
                ("content_type", w.content_type.is_some()),
                ("template_env", !w.template_env.is_empty()),
            ] {
                if set {
                    errs.push(err(
                        line(key),
                        format!("channel {name:?}: {key} is only for format = \"template\""),
                    ));
                }
            }
            return errs;
        }
        match (&w.template, &w.template_file) {
            (Some(_), Some(_)) => errs.push(err(
                line("template_file"),
                format!("channel {name:?}: give template or template_file, not both"),
            )),
            (None, None) => errs.push(err(
                line("format"),
                format!("channel {name:?}: format = \"template\" needs template (inline) or template_file"),
            )),
            _ => {}
        }
        let content_type = w.template_content_type();
        if reqwest::header::HeaderValue::from_str(content_type).is_err() || content_type.is_empty()
        {
            errs.push(err(
                line("content_type"),
                format!(
                    "channel {name:?}: content_type {content_type:?} is not a valid header value"
                ),
            ));
        }
        for v in &w.template_env {
            if v.trim().is_empty() || v.contains(['=', '\0']) {
                errs.push(err(
                    line("template_env"),
                    format!(
                        "channel {name:?}: template_env {v:?} is not an environment variable name"
                    ),
                ));
            }
        }
        let (Some(source), false) = (&w.template_text, !errs.is_empty()) else {
            return errs;
        };
        // where the template's line 1 is: in the template file, or in this file
        let place = |tline: Option<usize>| -> (String, Option<usize>) {
            match (&w.template, &w.template_file) {
                (None, Some(p)) => (p.display().to_string(), tline),
                _ => {
                    let key = line("template");
                    let first = key.map(|k| k + usize::from(template_starts_next_line(text, k)));
                    (
                        file.to_string(),
                        match (first, tline) {
                            (Some(f), Some(t)) => Some(f + t - 1),
                            (f, None) => f,
                            (None, _) => None,
                        },
                    )
                }
            }
        };
        let result = crate::sink::template::BodyTemplate::compile(source, content_type)
            .and_then(|t| t.check(&w.template_env));
        if let Err(e) = result {
            let (f, l) = place(e.line);
            errs.push(ConfigError {
                file: f,
                line: l,
                message: format!("channel {name:?}: template: {}", e.message),
                more: vec![],
            });
        }
        errs
    }
}

/// Whether the TOML value of the key on line `key_line` (1-based) is a
/// multi-line string whose text starts on the next line (`"""` then a newline).
fn template_starts_next_line(text: &str, key_line: usize) -> bool {
    text.lines()
        .nth(key_line.saturating_sub(1))
        .and_then(|l| l.split_once('='))
        .map(|(_, v)| {
            let v = v.trim();
            v == "\"\"\"" || v == "'''"
        })
        .unwrap_or(false)
}

/// One of a secret's two sources (`..._env`, `..._file`), not both.
fn one_secret(
    name: &str,
    env: (&str, &Option<String>),
    file: (&str, &Option<PathBuf>),
    line: &dyn Fn(&str) -> Option<usize>,
    err: &dyn Fn(Option<usize>, String) -> ConfigError,
) -> Option<ConfigError> {
    match (env.1, file.1) {
        (Some(_), Some(_)) => Some(err(
            line(env.0),
            format!(
                "channel {name:?}: give {} or {}, not both",
                env.0, file.0
            ),
        )),
        (None, None) => Some(err(
            line("name"),
            format!(
                "channel {name:?}: needs {} (an environment variable) or {} (a file): secrets never go in the configuration",
                env.0, file.0
            ),
        )),
        _ => None,
    }
}

fn is_http_url(s: &str) -> bool {
    matches!(url::Url::parse(s), Ok(u) if (u.scheme() == "http" || u.scheme() == "https") && u.host_str().is_some())
}

/// `+` and 6 to 15 digits (E.164).
fn is_phone_number(s: &str) -> bool {
    s.strip_prefix('+')
        .is_some_and(|d| (6..=15).contains(&d.len()) && d.chars().all(|c| c.is_ascii_digit()))
}

/// What `check-config` says besides the errors that stop a load: values that
/// work but are risky (warnings), and secrets the daemon would not find.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Review {
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

impl Config {
    /// Review a loaded configuration. A missing secret environment variable is
    /// a warning (the shell running check-config rarely has the service's
    /// secrets), an error when `strict`; a missing secret file is an error; a
    /// secret file others may read is a warning.
    pub fn review(&self, strict: bool) -> Review {
        let mut r = Review::default();
        if self.watchlists.is_empty() {
            r.warnings
                .push("no [[watchlist]]: no alert will be sent".to_string());
        }
        for w in &self.watchlists {
            for c in &w.countries {
                let c = c.to_ascii_uppercase();
                if !sahel_nlp::DEFAULT_COUNTRIES.contains(&c.as_str()) {
                    r.warnings.push(format!(
                        "watchlist {:?}: country {c} is outside the watched Sahel countries ({}): its places, outlets and actors are barely known, most of its attacks will be missed",
                        w.name,
                        sahel_nlp::DEFAULT_COUNTRIES.join(", ")
                    ));
                }
            }
        }
        if let Ok(addr) = self.daemon.listen.parse::<SocketAddr>() {
            if !addr.ip().is_loopback() {
                r.warnings.push(format!(
                    "daemon.listen {addr} is not a loopback address: /incidents and /metrics are open to the network (put a reverse proxy with authentication in front, or listen on 127.0.0.1)"
                ));
            }
        }
        if let Some(t) = self
            .web
            .tiles
            .as_deref()
            .and_then(|t| crate::web::TileSource::parse(t).ok())
        {
            r.warnings.push(format!(
                "web.tiles: the web page loads map tiles from {}: every view tells that server which area is looked at (without it the page requests nothing from another host)",
                t.origin
            ));
        }
        for f in self.feeds.iter().filter(|f| f.enabled) {
            let shortest = if f.adaptive {
                f.min_interval.min(f.interval)
            } else {
                f.interval
            };
            if shortest < Duration::from_secs(60) {
                r.warnings.push(format!(
                    "feed {:?}: polled every {} (under a minute): outlets may block the daemon; 5m-15m is usual",
                    f.name,
                    humantime::format_duration(shortest)
                ));
            }
        }
        for c in &self.channels {
            let (url, secret) = match c {
                ChannelConfig::Telegram(t) => (t.api_base.as_str(), "bot token"),
                ChannelConfig::Matrix(m) => (m.homeserver.as_str(), "access token"),
                _ => ("", ""),
            };
            if let Ok(u) = url::Url::parse(url) {
                if u.scheme() == "http" && !is_loopback_host(u.host_str().unwrap_or("")) {
                    r.warnings.push(format!(
                        "channel {:?}: {url} is plain http to another host: the {secret} crosses the network unencrypted (use https)",
                        c.name()
                    ));
                }
            }
        }
        if let Some(var) = &self.store.password_env {
            if std::env::var_os(var).is_none() {
                let m = format!("store: environment variable {var} (the PostgreSQL password) is not set here; the daemon needs it in its environment (systemd: EnvironmentFile=)");
                if strict {
                    r.errors.push(m);
                } else {
                    r.warnings.push(m);
                }
            }
        }
        if let Some(path) = &self.store.password_file {
            if let Err(e) = std::fs::metadata(path) {
                r.errors
                    .push(format!("store: password file {}: {e}", path.display()));
            }
        }
        if let Some(path) = &self.store.ca_file {
            if let Err(e) = crate::store::tls::MakeRustls::new(Some(path)) {
                r.errors.push(format!("store: {e:#}"));
            }
        }
        if let Some(u) = self
            .store
            .url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
        {
            let tls = u
                .query_pairs()
                .any(|(k, v)| k == "sslmode" && v != "disable");
            if !tls && !is_loopback_host(u.host_str().unwrap_or("")) {
                r.warnings.push(format!(
                    "store.url: {} is another host without sslmode=require: the state crosses the network unencrypted",
                    u.host_str().unwrap_or("")
                ));
            }
        }
        for c in &self.channels {
            let name = c.name();
            let mut vars: Vec<(&String, String)> = Vec::new();
            if let ChannelConfig::Webhook(w) = c {
                for (h, var) in &w.headers_env {
                    vars.push((var, format!("the value of header {h}")));
                }
                for var in &w.template_env {
                    vars.push((var, "read by the template".to_string()));
                }
            }
            let (env, file, what) = match c {
                ChannelConfig::Webhook(w) => (&w.secret_env, &w.secret_file, "secret"),
                ChannelConfig::Email(e) => (&e.password_env, &e.password_file, "password"),
                ChannelConfig::Telegram(t) => (&t.bot_token_env, &t.bot_token_file, "bot token"),
                ChannelConfig::Matrix(m) => {
                    (&m.access_token_env, &m.access_token_file, "access token")
                }
                _ => (&None, &None, ""),
            };
            if let Some(var) = env {
                vars.push((var, format!("the {what}")));
            }
            for (var, what) in vars {
                if std::env::var_os(var).is_none() {
                    let m = format!(
                        "channel {name:?}: environment variable {var} ({what}) is not set here; the daemon needs it in its environment (systemd: EnvironmentFile=)"
                    );
                    if strict {
                        r.errors.push(m);
                    } else {
                        r.warnings.push(m);
                    }
                }
            }
            if let Some(path) = file {
                match std::fs::metadata(path) {
                    Err(e) => r.errors.push(format!(
                        "channel {name:?}: {what} file {}: {e}",
                        path.display()
                    )),
                    Ok(m) => {
                        #[cfg(unix)]
                        {
                            use std::os::unix::fs::PermissionsExt;
                            let mode = m.permissions().mode() & 0o777;
                            if mode & 0o044 != 0 {
                                r.warnings.push(format!(
                                    "channel {name:?}: {what} file {} is readable by others (mode {mode:o}); chmod 600 it",
                                    path.display()
                                ));
                            }
                        }
                        #[cfg(not(unix))]
                        let _ = m;
                    }
                }
            }
        }
        r
    }
}

/// Is `url` a PostgreSQL URL the store can use? (scheme, host, database,
/// no password in it, a `sslmode` it knows)
fn check_store_url(url: &str) -> Result<(), String> {
    let u = url::Url::parse(url).map_err(|e| format!("{url:?} is not a URL ({e})"))?;
    if !matches!(u.scheme(), "postgres" | "postgresql") {
        return Err(format!(
            "{url:?}: only postgres:// URLs (PostgreSQL) are known; leave store.url out for the embedded SQLite store"
        ));
    }
    if u.password().is_some() {
        return Err(
            "the URL holds a password: give it in store.password_env or store.password_file instead"
                .into(),
        );
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err(format!("{url:?} names no host"));
    }
    if u.path().trim_start_matches('/').is_empty() {
        return Err(format!(
            "{url:?} names no database (postgres://user@host:5432/database)"
        ));
    }
    for (k, v) in u.query_pairs() {
        if k == "sslmode" && !matches!(v.as_ref(), "disable" | "prefer" | "require") {
            return Err(format!("sslmode={v}: disable, prefer or require"));
        }
    }
    url.parse::<tokio_postgres::Config>()
        .map_err(|e| format!("{url:?}: {e}"))?;
    Ok(())
}

pub fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_matches(|c| c == '[' || c == ']')
            .parse::<std::net::IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

/// A parse error as a user reads it: the key it is about (`daemon.state_dir`)
/// and, for a type error, what was expected and what was found.
fn type_error_message(text: &str, span: Option<std::ops::Range<usize>>, message: &str) -> String {
    let message = reword_type_error(message);
    let Some(span) = span else { return message };
    let start = span.start.min(text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = &text[line_start..line_end];
    let Some((key, _)) = line.split_once('=') else {
        return message;
    };
    let key = key.trim().trim_matches('"');
    if key.is_empty() || key.starts_with('[') || key.contains(char::is_whitespace) {
        return message;
    }
    let table = text[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    let path = match table {
        Some(t) => format!("{t}.{key}"),
        None => key.to_string(),
    };
    if message.contains(&path) {
        message
    } else {
        format!("{path}: {message}")
    }
}

/// "invalid type: integer `42`, expected a path" → "expected a path, found the integer 42".
fn reword_type_error(message: &str) -> String {
    let Some(rest) = message.strip_prefix("invalid type: ") else {
        return message.to_string();
    };
    let Some((found, expected)) = rest.split_once(", expected ") else {
        return message.to_string();
    };
    let found = match found.split_once(" `") {
        Some((kind, value)) => {
            let value = value.trim_end_matches('`');
            match kind {
                "string" => format!("the string {value:?}"),
                "floating point" => format!("the number {value}"),
                k => format!("the {k} {value}"),
            }
        }
        None => match found {
            "sequence" => "an array".to_string(),
            "map" => "a table".to_string(),
            f if f.starts_with("string ") => format!("the {f}"),
            f => format!("a {f}"),
        },
    };
    let expected = match expected.trim() {
        "path string" => "a path".to_string(),
        "a borrowed path" => "a path".to_string(),
        e => e.to_string(),
    };
    format!("expected {expected}, found {found}")
}

fn line_of_offset(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Line of `key` inside the `index`-th `[[table]]` (or `[table]`), else of
/// the table header, for messages about values that parsed but are wrong.
fn find_key_line(text: &str, table: &str, index: usize, key: &str) -> Option<usize> {
    let arr = format!("[[{table}]]");
    let single = format!("[{table}]");
    let mut seen = 0usize;
    let mut inside = false;
    let mut header_line = None;
    for (n, raw) in text.lines().enumerate() {
        let l = raw.trim();
        if l.starts_with('[') {
            if l == arr || l == single {
                inside = seen == index;
                if inside {
                    header_line = Some(n + 1);
                }
                seen += 1;
            } else {
                inside = false;
            }
            continue;
        }
        if inside {
            if let Some(rest) = l.strip_prefix(key) {
                if rest.trim_start().starts_with('=') {
                    return Some(n + 1);
                }
            }
        }
    }
    header_line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gaz() -> Gazetteer {
        Gazetteer::embedded()
    }

    #[test]
    fn unknown_key_names_key_and_line() {
        let text = "[daemon]\nstate_dir = \"/tmp/x\"\nlisten_on = \"x\"\n";
        let e = Config::parse(text, "c.toml", &gaz()).unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.to_string().contains("listen_on"), "{e}");
        assert!(e.to_string().starts_with("c.toml:3:"), "{e}");
    }

    #[test]
    fn the_store_section_is_checked_naming_file_and_line() {
        // without [store]: the SQLite store, as always
        let c = Config::parse("", "c.toml", &gaz()).unwrap();
        assert!(c.store.url.is_none());
        let ok =
            "[store]\nurl = \"postgres://sahel@127.0.0.1:5432/sahel\"\npassword_env = \"PGPW\"\n";
        let c = Config::parse(ok, "c.toml", &gaz()).unwrap();
        assert_eq!(c.store.password_env.as_deref(), Some("PGPW"));
        let bad = |text: &str| Config::parse(text, "c.toml", &gaz()).unwrap_err();
        let e = bad("[daemon]\nlisten = \"\"\n\n[store]\nurl = \"mysql://a@b/c\"\n");
        assert!(e.to_string().starts_with("c.toml:5: store.url:"), "{e}");
        let e = bad("[store]\nurl = \"postgres://sahel:hunter2@db.example/sahel\"\n");
        assert!(
            e.to_string().starts_with("c.toml:2:") && e.message.contains("password_env"),
            "{e}"
        );
        let e = bad("[store]\nurl = \"postgres://sahel@db.example\"\n");
        assert!(e.message.contains("no database"), "{e}");
        let e = bad("[store]\nurl = \"postgres://sahel@db.example/s?sslmode=verify-full\"\n");
        assert!(e.message.contains("sslmode"), "{e}");
        let e = bad(
            "[store]\nurl = \"postgres://s@db/s\"\npassword_env = \"A\"\npassword_file = \"/x\"\n",
        );
        assert!(
            e.to_string().starts_with("c.toml:3:") && e.message.contains("not both"),
            "{e}"
        );
        let e = bad("[store]\npassword_file = \"/x\"\n");
        assert!(
            e.to_string().starts_with("c.toml:2:") && e.message.contains("without store.url"),
            "{e}"
        );
        let e = bad("[store]\nuri = \"postgres://s@db/s\"\n");
        assert!(
            e.to_string().starts_with("c.toml:2:") && e.message.contains("uri"),
            "{e}"
        );
        // check-config: the password's variable and file, and plain text to another host
        let c = Config::parse(
            "[store]\nurl = \"postgres://s@db.example/s\"\npassword_env = \"SAHEL_SURELY_UNSET_PW\"\n",
            "c.toml",
            &gaz(),
        )
        .unwrap();
        let r = c.review(false);
        assert!(
            r.warnings
                .iter()
                .any(|w| w.contains("SAHEL_SURELY_UNSET_PW")),
            "{r:?}"
        );
        assert!(
            r.warnings.iter().any(|w| w.contains("unencrypted")),
            "{r:?}"
        );
        assert!(c
            .review(true)
            .errors
            .iter()
            .any(|w| w.contains("SAHEL_SURELY_UNSET_PW")));
        let c = Config::parse(
            "[store]\nurl = \"postgres://s@127.0.0.1/s\"\npassword_file = \"/nonexistent/pw\"\n",
            "c.toml",
            &gaz(),
        )
        .unwrap();
        let r = c.review(false);
        assert!(
            r.errors.iter().any(|e| e.contains("/nonexistent/pw")),
            "{r:?}"
        );
        assert!(
            !r.warnings.iter().any(|w| w.contains("unencrypted")),
            "{r:?}"
        );
    }

    #[test]
    fn bad_duration_names_line() {
        let text =
            "[[feed]]\nname = \"a\"\nurl = \"https://a.example/rss\"\ninterval = \"ten minutes\"\n";
        let e = Config::parse(text, "c.toml", &gaz()).unwrap_err();
        assert_eq!(e.line, Some(4), "{e}");
        assert!(e.message.contains("ten minutes"), "{e}");
    }

    #[test]
    fn watchlist_naming_missing_channel_is_refused() {
        let text = "[[watchlist]]\nname = \"w\"\ncountries = [\"NE\"]\nchannels = [\"nope\"]\n\n[[channel]]\nname = \"h\"\ntype = \"webhook\"\nurl = \"http://127.0.0.1:1/x\"\n";
        let e = Config::parse(text, "c.toml", &gaz()).unwrap_err();
        assert_eq!(e.line, Some(4), "{e}");
        assert!(e.message.contains("\"nope\""), "{e}");
    }

    #[test]
    fn tls_none_only_to_loopback() {
        let text = "[[channel]]\nname = \"m\"\ntype = \"email\"\nsmtp_host = \"smtp.example.org\"\ntls = \"none\"\nfrom = \"a@example.org\"\nto = [\"b@example.org\"]\n";
        let e = Config::parse(text, "c.toml", &gaz()).unwrap_err();
        assert_eq!(e.line, Some(5), "{e}");
        let ok = text.replace("smtp.example.org", "127.0.0.1");
        Config::parse(&ok, "c.toml", &gaz()).unwrap();
    }

    #[test]
    fn bundled_config_is_valid() {
        let text = include_str!("../config/sahel-watch.toml");
        let c = Config::parse(text, "config/sahel-watch.toml", &gaz()).unwrap();
        assert!(c.feeds.len() >= 10);
        assert!(c.feeds.iter().any(|f| f.language.as_deref() == Some("en")));
        assert!(c.feeds.iter().any(|f| f.language.as_deref() == Some("fr")));
        assert_eq!(c.watched_countries(), vec!["BF", "ML", "MR", "NE", "TD"]);
        assert_eq!(c.effective_channels(), vec!["log"]);
    }

    #[test]
    fn bundled_channel_examples_are_valid_when_uncommented() {
        let text = include_str!("../config/sahel-watch.toml");
        let mut out = String::new();
        let mut inside = false;
        for l in text.lines() {
            if l == "# [[channel]]" || l == "# public_url = \"https://watch.example.org\"" {
                inside = true;
            } else if !l.starts_with("# ") || l.starts_with("# An ") {
                inside = false;
            }
            match l.strip_prefix("# ") {
                Some(code) if inside => out.push_str(code),
                _ => out.push_str(l),
            }
            out.push('\n');
        }
        let c = Config::parse(&out, "uncommented.toml", &gaz()).unwrap_or_else(|e| panic!("{e}"));
        let kinds: Vec<&str> = c.channels.iter().map(|c| c.kind()).collect();
        for k in ["webhook", "email", "telegram", "matrix", "signal"] {
            assert!(kinds.contains(&k), "{kinds:?}");
        }
        assert!(c.channels.iter().any(
            |c| matches!(c, ChannelConfig::Webhook(w) if w.format == WebhookFormat::Template)
        ));
        assert!(c
            .channels
            .iter()
            .any(|c| matches!(c, ChannelConfig::Webhook(w) if w.format == WebhookFormat::Cap)));
        assert_eq!(
            c.web.public_url.as_deref(),
            Some("https://watch.example.org")
        );
    }

    #[test]
    fn a_token_over_plain_http_to_another_host_is_a_warning() {
        let text = "[[channel]]\nname = \"mx\"\ntype = \"matrix\"\nhomeserver = \"http://matrix.example.org\"\nroom_id = \"!a:example.org\"\naccess_token_env = \"X\"\n[[channel]]\nname = \"tg\"\ntype = \"telegram\"\nbot_token_env = \"Y\"\nchat_id = 1\napi_base = \"http://127.0.0.1:8081\"\n";
        let c = Config::parse(text, "c.toml", &gaz()).unwrap();
        let w = c.review(false).warnings;
        assert_eq!(
            w.iter().filter(|w| w.contains("unencrypted")).count(),
            1,
            "{w:?}"
        );
        assert!(w
            .iter()
            .any(|w| w.contains("\"mx\"") && w.contains("access token")));
    }

    #[test]
    fn web_refresh_and_tiles_are_checked() {
        let c = Config::parse("", "c.toml", &gaz()).unwrap();
        assert_eq!(c.web.refresh, Duration::from_secs(30));
        assert!(c.web.tiles.is_none());
        assert!(!c
            .review(false)
            .warnings
            .iter()
            .any(|w| w.contains("web.tiles")));
        let text = "[web]\nrefresh = \"500ms\"\ntiles = \"ftp://t.example/{z}/{x}/{y}\"\n";
        let e = Config::parse(text, "c.toml", &gaz()).unwrap_err();
        let lines: Vec<String> = e.all().map(|e| e.to_string()).collect();
        assert_eq!(lines.len(), 2, "{e}");
        assert!(lines[0].starts_with("c.toml:2: web.refresh"), "{e}");
        assert!(
            lines[1].starts_with("c.toml:3: web.tiles") && lines[1].contains("http"),
            "{e}"
        );
        let text = "[web]\ntiles = \"https://tiles.example.org/{z}/{x}/{y}.png\"\n";
        let c = Config::parse(text, "c.toml", &gaz()).unwrap();
        let w = c.review(false).warnings;
        assert!(
            w.iter()
                .any(|w| w.contains("web.tiles") && w.contains("https://tiles.example.org")),
            "{w:?}"
        );
    }

    #[test]
    fn type_error_names_key_and_line() {
        let text = "[daemon]\nstate_dir = 42\n";
        let e = Config::parse(text, "file", &gaz()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "file:2: daemon.state_dir: expected a path, found the integer 42"
        );
        let text = "[[feed]]\nname = \"a\"\nurl = \"https://a.example/\"\nenabled = \"yes\"\n";
        let e = Config::parse(text, "file", &gaz()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "file:4: feed.enabled: expected a boolean, found the string \"yes\""
        );
    }

    #[test]
    fn every_error_of_a_file_is_reported_at_once() {
        let text = "[[watchlist]]\nname = \"a\"\nregions = [\"Tilaberi\"]\n[[watchlist]]\nname = \"b\"\nactors = [\"Boko Harm\"]\nmax_per_hour = 0\n";
        let e = Config::parse(text, "c.toml", &gaz()).unwrap_err();
        let lines: Vec<String> = e.all().map(|e| e.to_string()).collect();
        assert_eq!(lines.len(), 3, "{e}");
        assert!(
            lines[0].starts_with("c.toml:3:") && lines[0].contains("Tilaberi"),
            "{e}"
        );
        assert!(
            lines[1].starts_with("c.toml:6:") && lines[1].contains("Boko Harm"),
            "{e}"
        );
        assert!(
            lines[2].starts_with("c.toml:7:") && lines[2].contains("max_per_hour"),
            "{e}"
        );
        assert_eq!(e.to_string().lines().count(), 3);
    }

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("10MB"), Some(10_000_000));
        assert_eq!(parse_size("512KiB"), Some(524_288));
        assert_eq!(parse_size("12 parsecs"), None);
    }

    #[test]
    fn builtin_watches_five_countries() {
        let c = Config::builtin();
        assert_eq!(c.watched_countries(), vec!["BF", "ML", "MR", "NE", "TD"]);
        assert_eq!(c.effective_channels(), vec!["log"]);
    }
}
