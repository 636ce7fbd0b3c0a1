//! The state database: stories seen, incidents, feed poll state and the
//! alert outbox. Everything the daemon must not forget across a restart, a
//! crash or a reboot lives here; nothing else does. Two backends behind one
//! API: the embedded SQLite file (the default) or a PostgreSQL server that
//! several daemons share (`[store] url`; [`pg`], [`tls`], and
//! [`crate::leader`] for which of them writes).
//!
//! The interface is narrow on purpose: the pipeline writes a story, its
//! incident and its outbox rows in one [`Store::transaction`]; sources read
//! and write [`FeedState`]; the delivery worker claims and settles
//! [`OutboxRow`]s. Queries are written once ([`db`]); where the dialects
//! differ both texts are given.

use std::cell::{Cell, RefCell};
use std::path::Path;
#[cfg(test)]
use std::sync::MutexGuard;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

pub mod db;
pub mod pg;
pub mod tls;

use db::{vals, Conn, ToVal, VRow, Value};
pub use pg::{PgConn, PgSettings};

/// Stories of one SimHash band compared with a new story, most recent first.
const NEAR_DUPLICATE_PROBES: i64 = 256;

/// Schema migrations, applied in order; `PRAGMA user_version` counts them.
const MIGRATIONS: &[&str] = &[
    // 1: initial schema
    r#"
    CREATE TABLE stories (
        key          TEXT PRIMARY KEY,
        feed         TEXT NOT NULL,
        source       TEXT NOT NULL,
        url          TEXT,
        url_norm     TEXT,
        title        TEXT NOT NULL,
        language     TEXT,
        published    INTEGER,
        seen_at      INTEGER NOT NULL,
        simhash      INTEGER NOT NULL,
        band0        INTEGER NOT NULL,
        band1        INTEGER NOT NULL,
        band2        INTEGER NOT NULL,
        band3        INTEGER NOT NULL,
        is_attack    INTEGER NOT NULL,
        confidence   REAL NOT NULL,
        incident_id  TEXT,
        analysis     TEXT NOT NULL
    );
    CREATE INDEX stories_url ON stories(url_norm);
    CREATE INDEX stories_b0 ON stories(band0);
    CREATE INDEX stories_b1 ON stories(band1);
    CREATE INDEX stories_b2 ON stories(band2);
    CREATE INDEX stories_b3 ON stories(band3);
    CREATE INDEX stories_incident ON stories(incident_id);

    CREATE TABLE incidents (
        id            TEXT PRIMARY KEY,
        country       TEXT,
        admin1        TEXT,
        admin2        TEXT,
        location      TEXT,
        precision     TEXT,
        lat           REAL,
        lon           REAL,
        event_day     INTEGER,
        killed        INTEGER,
        wounded       INTEGER,
        victims       TEXT,
        actors        TEXT NOT NULL,
        attack_type   TEXT,
        claimed       INTEGER NOT NULL,
        confidence    REAL NOT NULL,
        title         TEXT,
        summary       TEXT,
        revision      INTEGER NOT NULL,
        first_seen    INTEGER NOT NULL,
        last_seen     INTEGER NOT NULL,
        known         INTEGER NOT NULL,
        origin        TEXT NOT NULL,
        simhashes     TEXT NOT NULL,
        places        TEXT NOT NULL DEFAULT '[]',
        alerted_killed INTEGER,
        alerted_claimed INTEGER NOT NULL DEFAULT 0,
        alerted_revision INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX incidents_day ON incidents(event_day);
    CREATE INDEX incidents_region_day ON incidents(country, admin1, event_day);
    CREATE INDEX incidents_country_day ON incidents(country, event_day);

    CREATE TABLE feeds (
        name          TEXT PRIMARY KEY,
        url           TEXT NOT NULL,
        etag          TEXT,
        last_modified TEXT,
        last_success  INTEGER,
        last_error    TEXT,
        last_error_at INTEGER,
        failures      INTEGER NOT NULL DEFAULT 0,
        next_poll     INTEGER,
        items_seen    INTEGER NOT NULL DEFAULT 0,
        interval_secs INTEGER
    );

    CREATE TABLE outbox (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        idem_key      TEXT NOT NULL,
        channel       TEXT NOT NULL,
        event         TEXT NOT NULL,
        incident_id   TEXT NOT NULL,
        payload       TEXT NOT NULL,
        status        TEXT NOT NULL,
        attempts      INTEGER NOT NULL DEFAULT 0,
        next_attempt  INTEGER NOT NULL,
        created_at    INTEGER NOT NULL,
        settled_at    INTEGER,
        last_error    TEXT,
        digest_group  TEXT,
        UNIQUE(channel, idem_key)
    );
    CREATE INDEX outbox_due ON outbox(status, channel, next_attempt);
    "#,
    // 2: what each watch-list was told about each incident (every list has its own
    // "new"), filled from the alerts already queued; the full text of stories (keywords)
    r#"
    CREATE TABLE incident_watchlists (
        incident_id   TEXT NOT NULL,
        watchlist     TEXT NOT NULL,
        revision      INTEGER NOT NULL,
        killed        INTEGER,
        claimed       INTEGER NOT NULL DEFAULT 0,
        told_at       INTEGER NOT NULL,
        PRIMARY KEY (incident_id, watchlist)
    );
    INSERT OR IGNORE INTO incident_watchlists (incident_id, watchlist, revision, killed, claimed, told_at)
        SELECT o.incident_id, j.value, i.alerted_revision, i.alerted_killed, i.alerted_claimed, o.created_at
        FROM outbox o JOIN incidents i ON i.id = o.incident_id, json_each(o.payload, '$.watchlists') j
        WHERE o.event IN ('incident.new', 'incident.updated') AND json_valid(o.payload);
    ALTER TABLE stories ADD COLUMN text TEXT;
    "#,
    // 3: the revisions of each incident (what changed, when, by which story), for the web
    // page; filled from what is known of the past: each incident's opening and the
    // changes its queued updates carried
    r#"
    CREATE TABLE incident_revisions (
        incident_id   TEXT NOT NULL,
        revision      INTEGER NOT NULL,
        at            INTEGER NOT NULL,
        story_key     TEXT,
        changes       TEXT NOT NULL,
        PRIMARY KEY (incident_id, revision)
    );
    INSERT OR IGNORE INTO incident_revisions (incident_id, revision, at, story_key, changes)
        SELECT id, 1, first_seen, NULL, '[]' FROM incidents WHERE known = 0;
    INSERT OR IGNORE INTO incident_revisions (incident_id, revision, at, story_key, changes)
        SELECT incident_id, json_extract(payload, '$.revision'), MIN(created_at), NULL,
               json_extract(payload, '$.changes')
        FROM outbox
        WHERE event = 'incident.updated' AND json_valid(payload)
          AND json_type(payload, '$.revision') = 'integer'
          AND json_type(payload, '$.changes') = 'array'
          AND json_array_length(payload, '$.changes') > 0
        GROUP BY incident_id, json_extract(payload, '$.revision');
    "#,
    // 4: the SimHash bands in a table of their own, clustered by band, most
    // recent last, with the hash beside them: the near-duplicate lookup reads
    // them in order instead of seeking every candidate's story row for its hash
    // (`band` is the band's number × 65536 + its 16 bits; `story` the story's
    // rowid, read back only with the same hash: a VACUUM may renumber rowids)
    r#"
    CREATE TABLE story_bands (
        band     INTEGER NOT NULL,
        story    INTEGER NOT NULL,
        simhash  INTEGER NOT NULL,
        PRIMARY KEY (band, story)
    ) WITHOUT ROWID;
    INSERT INTO story_bands (band, story, simhash)
        SELECT band0, rowid, simhash FROM stories
        UNION ALL SELECT 65536 + band1, rowid, simhash FROM stories
        UNION ALL SELECT 131072 + band2, rowid, simhash FROM stories
        UNION ALL SELECT 196608 + band3, rowid, simhash FROM stories;
    DROP INDEX stories_b0;
    DROP INDEX stories_b1;
    DROP INDEX stories_b2;
    DROP INDEX stories_b3;
    "#,
    // 5: a fingerprint of each story's text as its feed gave it, and how many
    // times a changed text was read again (stories stored before have none:
    // unknown, filled the next time the item is seen, never a reason to read
    // it again)
    r#"
    ALTER TABLE stories ADD COLUMN fingerprint INTEGER;
    ALTER TABLE stories ADD COLUMN edits INTEGER NOT NULL DEFAULT 0;
    "#,
    // 6: outbox claims: the daemon delivering a row holds it (who, until when),
    // so that daemons sharing a PostgreSQL store never send one row twice
    // (SQLite has one daemon per state: the columns stay empty there)
    r#"
    ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
    ALTER TABLE outbox ADD COLUMN claimed_until INTEGER;
    "#,
    // 7: the order in which incidents were written (each insert or update
    // takes the next number): the match index keeps incidents of one event
    // day in that order, and the SQL that matches older events reads them
    // in it (the rowid did, while an incident was replaced, not updated)
    r#"
    ALTER TABLE incidents ADD COLUMN write_seq INTEGER NOT NULL DEFAULT 0;
    UPDATE incidents SET write_seq = rowid;
    CREATE INDEX incidents_write_seq ON incidents(write_seq);
    "#,
];

/// The same migrations in PostgreSQL's dialect, one for one (the version
/// is kept in `sahel_schema`). A PostgreSQL store is created at the current
/// version, so the data that migrations 2 and 3 fill in from older SQLite
/// states has nothing to fill here (`store migrate` copies the rows of a
/// SQLite state of the current version).
const PG_MIGRATIONS: &[&str] = &[
    // 1: initial schema (`rowid`: SQLite's implicit row number, which the
    // store reads)
    r#"
    CREATE TABLE stories (
        rowid        BIGSERIAL UNIQUE,
        key          TEXT PRIMARY KEY,
        feed         TEXT NOT NULL,
        source       TEXT NOT NULL,
        url          TEXT,
        url_norm     TEXT,
        title        TEXT NOT NULL,
        language     TEXT,
        published    BIGINT,
        seen_at      BIGINT NOT NULL,
        simhash      BIGINT NOT NULL,
        band0        BIGINT NOT NULL,
        band1        BIGINT NOT NULL,
        band2        BIGINT NOT NULL,
        band3        BIGINT NOT NULL,
        is_attack    BIGINT NOT NULL,
        confidence   DOUBLE PRECISION NOT NULL,
        incident_id  TEXT,
        analysis     TEXT NOT NULL
    );
    CREATE INDEX stories_url ON stories(url_norm);
    CREATE INDEX stories_b0 ON stories(band0);
    CREATE INDEX stories_b1 ON stories(band1);
    CREATE INDEX stories_b2 ON stories(band2);
    CREATE INDEX stories_b3 ON stories(band3);
    CREATE INDEX stories_incident ON stories(incident_id);

    CREATE TABLE incidents (
        id            TEXT PRIMARY KEY,
        country       TEXT,
        admin1        TEXT,
        admin2        TEXT,
        location      TEXT,
        precision     TEXT,
        lat           DOUBLE PRECISION,
        lon           DOUBLE PRECISION,
        event_day     BIGINT,
        killed        BIGINT,
        wounded       BIGINT,
        victims       TEXT,
        actors        TEXT NOT NULL,
        attack_type   TEXT,
        claimed       BIGINT NOT NULL,
        confidence    DOUBLE PRECISION NOT NULL,
        title         TEXT,
        summary       TEXT,
        revision      BIGINT NOT NULL,
        first_seen    BIGINT NOT NULL,
        last_seen     BIGINT NOT NULL,
        known         BIGINT NOT NULL,
        origin        TEXT NOT NULL,
        simhashes     TEXT NOT NULL,
        places        TEXT NOT NULL DEFAULT '[]',
        alerted_killed BIGINT,
        alerted_claimed BIGINT NOT NULL DEFAULT 0,
        alerted_revision BIGINT NOT NULL DEFAULT 0
    );
    CREATE INDEX incidents_day ON incidents(event_day);
    CREATE INDEX incidents_region_day ON incidents(country, admin1, event_day);
    CREATE INDEX incidents_country_day ON incidents(country, event_day);

    CREATE TABLE feeds (
        name          TEXT PRIMARY KEY,
        url           TEXT NOT NULL,
        etag          TEXT,
        last_modified TEXT,
        last_success  BIGINT,
        last_error    TEXT,
        last_error_at BIGINT,
        failures      BIGINT NOT NULL DEFAULT 0,
        next_poll     BIGINT,
        items_seen    BIGINT NOT NULL DEFAULT 0,
        interval_secs BIGINT
    );

    CREATE TABLE outbox (
        id            BIGSERIAL PRIMARY KEY,
        idem_key      TEXT NOT NULL,
        channel       TEXT NOT NULL,
        event         TEXT NOT NULL,
        incident_id   TEXT NOT NULL,
        payload       TEXT NOT NULL,
        status        TEXT NOT NULL,
        attempts      BIGINT NOT NULL DEFAULT 0,
        next_attempt  BIGINT NOT NULL,
        created_at    BIGINT NOT NULL,
        settled_at    BIGINT,
        last_error    TEXT,
        digest_group  TEXT,
        UNIQUE(channel, idem_key)
    );
    CREATE INDEX outbox_due ON outbox(status, channel, next_attempt);
    "#,
    // 2: what each watch-list was told about each incident; the full text of stories
    r#"
    CREATE TABLE incident_watchlists (
        incident_id   TEXT NOT NULL,
        watchlist     TEXT NOT NULL,
        revision      BIGINT NOT NULL,
        killed        BIGINT,
        claimed       BIGINT NOT NULL DEFAULT 0,
        told_at       BIGINT NOT NULL,
        PRIMARY KEY (incident_id, watchlist)
    );
    ALTER TABLE stories ADD COLUMN text TEXT;
    "#,
    // 3: the revisions of each incident
    r#"
    CREATE TABLE incident_revisions (
        incident_id   TEXT NOT NULL,
        revision      BIGINT NOT NULL,
        at            BIGINT NOT NULL,
        story_key     TEXT,
        changes       TEXT NOT NULL,
        PRIMARY KEY (incident_id, revision)
    );
    "#,
    // 4: the SimHash bands in a table of their own (`story`: the story's rowid)
    r#"
    CREATE TABLE story_bands (
        band     BIGINT NOT NULL,
        story    BIGINT NOT NULL,
        simhash  BIGINT NOT NULL,
        PRIMARY KEY (band, story)
    );
    INSERT INTO story_bands (band, story, simhash)
        SELECT band0, rowid, simhash FROM stories
        UNION ALL SELECT 65536 + band1, rowid, simhash FROM stories
        UNION ALL SELECT 131072 + band2, rowid, simhash FROM stories
        UNION ALL SELECT 196608 + band3, rowid, simhash FROM stories;
    DROP INDEX stories_b0;
    DROP INDEX stories_b1;
    DROP INDEX stories_b2;
    DROP INDEX stories_b3;
    "#,
    // 5: story fingerprints and edits
    r#"
    ALTER TABLE stories ADD COLUMN fingerprint BIGINT;
    ALTER TABLE stories ADD COLUMN edits BIGINT NOT NULL DEFAULT 0;
    "#,
    // 6: outbox claims
    r#"
    ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
    ALTER TABLE outbox ADD COLUMN claimed_until BIGINT;
    "#,
    // 7: the order in which incidents were written (a sequence: each insert
    // or update takes its next number)
    r#"
    CREATE SEQUENCE incidents_write_seq;
    ALTER TABLE incidents ADD COLUMN write_seq BIGINT NOT NULL DEFAULT nextval('incidents_write_seq');
    "#,
];

/// A story whose text changed is read again at most this many times: an
/// item whose text flaps between versions stops being read after that.
pub const MAX_STORY_EDITS: u32 = 20;

/// Whether a story is stored already ([`Tx::story_known`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Known {
    /// Neither its key nor its link is stored.
    New,
    /// Stored, and nothing to read again.
    Stored,
    /// Stored by the same feed without a fingerprint (before they were
    /// kept): store this one, do not read it again.
    Unfingerprinted,
    /// Stored by the same feed with another text, read again fewer than
    /// [`MAX_STORY_EDITS`] times.
    Changed(Prior),
}

/// A stored story whose text changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Prior {
    pub title: String,
    pub incident_id: Option<String>,
    /// Times read again before.
    pub edits: u32,
}

/// Whether the outbox moves: rows waiting to be sent (pending, not held for
/// a digest) and the last time a row was settled (delivered or failed).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OutboxProgress {
    pub oldest_waiting: Option<DateTime<Utc>>,
    pub last_settled: Option<DateTime<Utc>>,
    pub waiting: u64,
}

/// What one watch-list was last told about one incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Told {
    pub watchlist: String,
    pub revision: u32,
    pub killed: Option<u32>,
    pub claimed: bool,
}

/// One revision of an incident: what changed, when, and the story that changed it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Revision {
    pub revision: u32,
    pub at: DateTime<Utc>,
    /// The story that made it (None for revisions recorded before they were kept).
    pub story_key: Option<String>,
    pub story_title: Option<String>,
    /// What changed ("killed 12 → 23"); empty for the opening.
    pub changes: Vec<String>,
}

/// An alert queued for an incident, per channel (an outbox row, without its body).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SentAlert {
    pub channel: String,
    pub event: String,
    pub revision: Option<u32>,
    pub watchlists: Vec<String>,
    pub status: OutboxStatus,
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
    /// When it was delivered or given up.
    pub settled_at: Option<DateTime<Utc>>,
}

/// A story of an incident with what the page shows of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoryDetail {
    #[serde(flatten)]
    pub story: StoredStory,
    pub language: Option<String>,
    pub seen_at: DateTime<Utc>,
}

/// Which incidents to list (the web page's filters); every field narrows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IncidentFilter {
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    /// First-level region, as stored.
    pub admin1: Option<String>,
    /// Event day (else the day first seen) on or after this day.
    pub since: Option<NaiveDate>,
    /// Incidents this watch-list was told of.
    pub watchlist: Option<String>,
    pub min_killed: Option<u32>,
}

/// An incident as listed: with its number of stories and the watch-lists told of it.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentRow {
    pub incident: Incident,
    pub stories: u32,
    pub watchlists: Vec<String>,
}

/// What the filters can choose among: the regions (country, admin1) and watch-lists in the store.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facets {
    pub countries: Vec<String>,
    pub regions: Vec<(String, String)>,
    pub watchlists: Vec<String>,
}

/// Poll state of one feed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FeedState {
    pub name: String,
    pub url: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    pub failures: u32,
    pub next_poll: Option<DateTime<Utc>>,
    pub items_seen: u64,
    pub interval_secs: Option<u64>,
}

/// An incident with its merged facts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub id: String,
    pub country: Option<String>,
    pub admin1: Option<String>,
    pub admin2: Option<String>,
    pub location: Option<String>,
    /// place | admin2 | admin1 | country
    pub precision: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub event_date: Option<NaiveDate>,
    pub killed: Option<u32>,
    pub wounded: Option<u32>,
    pub victims: Option<String>,
    pub actors: Vec<String>,
    pub attack_type: Option<String>,
    pub claimed: bool,
    pub confidence: f32,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub revision: u32,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Imported from a user's list of known incidents: never alerted as new.
    pub known: bool,
    /// "story", or the file it was imported from.
    pub origin: String,
    /// SimHashes of the incident's stories (near-duplicate wire copies).
    pub simhashes: Vec<u64>,
    /// Name keys of the places its stories name (for "between X and Y" told both ways).
    #[serde(default)]
    pub places: Vec<String>,
    /// Toll and claim as of the last alert sent, to judge "significant" updates.
    pub alerted_killed: Option<u32>,
    pub alerted_claimed: bool,
    /// Revision of the last alert queued (0: never alerted).
    pub alerted_revision: u32,
}

/// A story as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredStory {
    pub key: String,
    pub feed: String,
    pub source: String,
    pub url: Option<String>,
    pub title: String,
    pub published: Option<DateTime<Utc>>,
    pub is_attack: bool,
    pub confidence: f32,
    pub incident_id: Option<String>,
}

/// Delivery state of an outbox row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutboxStatus {
    Pending,
    /// Held for a digest (quiet hours, rate cap) until `next_attempt`.
    Held,
    Delivered,
    Failed,
}

impl OutboxStatus {
    fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Held => "held",
            OutboxStatus::Delivered => "delivered",
            OutboxStatus::Failed => "failed",
        }
    }
    fn parse(s: &str) -> OutboxStatus {
        match s {
            "held" => OutboxStatus::Held,
            "delivered" => OutboxStatus::Delivered,
            "failed" => OutboxStatus::Failed,
            _ => OutboxStatus::Pending,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxRow {
    pub id: i64,
    pub idem_key: String,
    pub channel: String,
    pub event: String,
    pub incident_id: String,
    pub payload: String,
    pub status: OutboxStatus,
    pub attempts: u32,
    pub next_attempt: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub digest_group: Option<String>,
    /// When it was delivered or given up.
    pub settled_at: Option<DateTime<Utc>>,
}

/// A new outbox row.
#[derive(Debug, Clone)]
pub struct NewOutbox<'a> {
    pub idem_key: &'a str,
    pub channel: &'a str,
    pub event: &'a str,
    pub incident_id: &'a str,
    pub payload: &'a str,
    /// `Some(until)` holds the row for a digest until then.
    pub held_until: Option<DateTime<Utc>>,
    pub digest_group: Option<&'a str>,
}

pub use crate::match_index::Near;
use crate::match_index::{self, MatchKeys};

/// A story row to insert.
#[derive(Debug, Clone)]
pub struct NewStory<'a> {
    pub key: &'a str,
    pub feed: &'a str,
    pub source: &'a str,
    pub url: Option<&'a str>,
    pub url_norm: Option<&'a str>,
    pub title: &'a str,
    pub language: Option<&'a str>,
    pub published: Option<DateTime<Utc>>,
    pub simhash: u64,
    pub is_attack: bool,
    pub confidence: f32,
    pub incident_id: Option<&'a str>,
    pub analysis_json: &'a str,
    /// The story's full text (watch-list keywords search it).
    pub text: Option<&'a str>,
    /// [`crate::model::Story::fingerprint`].
    pub fingerprint: Option<u64>,
}

pub struct Store {
    db: Backend,
    /// The recent incidents' matching keys ([`crate::match_index`]), in
    /// step with what is committed; loaded by the first transaction that
    /// matches a story.
    index: match_index::Shared,
    /// Set once an operation met damaged pages (`SQLITE_CORRUPT`, `SQLITE_NOTADB`).
    corrupt: std::sync::atomic::AtomicBool,
    /// Who claims outbox rows on PostgreSQL (one name per opened store).
    owner: String,
}

enum Backend {
    Sqlite(Mutex<Connection>),
    /// One connection, opened again when it was lost.
    Pg {
        conn: Mutex<Option<PgConn>>,
        settings: PgSettings,
    },
}

/// Where the state is kept: the embedded SQLite file, or a PostgreSQL
/// server (`[store] url`).
#[derive(Debug, Clone)]
pub enum Location {
    Sqlite(std::path::PathBuf),
    Postgres(PgSettings),
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(p) => write!(f, "{}", p.display()),
            Location::Postgres(s) => write!(f, "{}", s.display()),
        }
    }
}

/// An outbox claim lasts this long: a daemon that claimed rows and died
/// leaves them to the others after it (a new leader takes them at once).
const CLAIM_SECS: i64 = 120;

/// The advisory lock taken by PostgreSQL migrations (one daemon migrates).
const MIGRATION_LOCK: i64 = 0x5a4e_0001;

fn ts(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

fn from_ts(v: Option<i64>) -> Option<DateTime<Utc>> {
    v.and_then(|s| DateTime::from_timestamp(s, 0))
}

fn day_num(d: NaiveDate) -> i64 {
    d.signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap())
        .num_days()
}

fn from_day(v: Option<i64>) -> Option<NaiveDate> {
    v.and_then(|d| {
        NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_signed(chrono::Duration::days(d))
    })
}

fn collect<T>(rows: Vec<VRow>, f: impl Fn(&VRow) -> Result<T>) -> Result<Vec<T>> {
    rows.iter().map(f).collect()
}

impl Store {
    /// Open (creating) the database at `path` with owner-only permissions.
    ///
    /// A missing file is a fresh start. A file that exists but is empty, is
    /// not a database or has damaged pages is an error: re-creating it would
    /// forget what was alerted and alert every recent incident again.
    pub fn open(path: &Path) -> Result<Store> {
        match std::fs::metadata(path) {
            Ok(m) if m.is_file() && m.len() == 0 => anyhow::bail!(
                "state database {} exists but is empty (0 bytes): refusing to start on it, \
                 as that would alert every recent incident again. Restore it from a backup, \
                 or delete it to start afresh on purpose",
                path.display()
            ),
            Ok(_) => {
                // damaged pages may already show while the schema is read
                // (or migrated), before the integrity check
                let store = Self::open_file(path).map_err(|e| {
                    if is_damage(&e) {
                        e.context(format!(
                            "damaged database {}: restore it from a backup, or delete it to start afresh on purpose",
                            path.display()
                        ))
                    } else {
                        e
                    }
                })?;
                store.check_integrity().with_context(|| {
                    format!(
                        "state database {}: restore it from a backup, or delete it to start afresh on purpose",
                        path.display()
                    )
                })?;
                Ok(store)
            }
            Err(_) => Self::open_file(path),
        }
    }

    /// Open the store at `loc`: [`Store::open`] or [`Store::open_postgres`].
    pub fn open_at(loc: &Location) -> Result<Store> {
        match loc {
            Location::Sqlite(p) => Self::open(p),
            Location::Postgres(s) => Self::open_postgres(s),
        }
    }

    /// Connect to a PostgreSQL store, creating or migrating its schema
    /// (under an advisory lock: one daemon migrates, the others wait).
    pub fn open_postgres(settings: &PgSettings) -> Result<Store> {
        let conn = PgConn::connect(settings)?;
        Self::migrate_pg(&conn)
            .with_context(|| format!("PostgreSQL store {}", settings.display()))?;
        Ok(Store {
            db: Backend::Pg {
                conn: Mutex::new(Some(conn)),
                settings: settings.clone(),
            },
            index: match_index::Shared::new(),
            corrupt: Default::default(),
            owner: new_owner(),
        })
    }

    fn migrate_pg(conn: &PgConn) -> Result<()> {
        let c = Conn::Pg(conn);
        c.batch("CREATE TABLE IF NOT EXISTS sahel_schema (version BIGINT NOT NULL)")
            .or_else(|e| {
                // two daemons creating it at once: one wins
                if c.query("SELECT 1 FROM sahel_schema", &[]).is_ok() {
                    Ok(())
                } else {
                    Err(e)
                }
            })?;
        c.batch("BEGIN")?;
        let r = (|| -> Result<()> {
            c.query("SELECT pg_advisory_xact_lock(?1)", &vals![MIGRATION_LOCK])?;
            let version = match c.query_opt("SELECT version FROM sahel_schema", &[])? {
                Some(r) => r.get::<i64>(0)?,
                None => {
                    c.execute("INSERT INTO sahel_schema (version) VALUES (0)", &[])?;
                    0
                }
            };
            if version as usize > PG_MIGRATIONS.len() {
                anyhow::bail!(
                    "schema version {version} is newer than this program knows ({}): refusing to touch it",
                    PG_MIGRATIONS.len()
                );
            }
            for (i, m) in PG_MIGRATIONS.iter().enumerate().skip(version as usize) {
                c.batch(m).with_context(|| format!("migration {}", i + 1))?;
                c.execute(
                    "UPDATE sahel_schema SET version = ?1",
                    &vals![(i + 1) as i64],
                )?;
            }
            Ok(())
        })();
        match r {
            Ok(()) => c.batch("COMMIT"),
            Err(e) => {
                let _ = c.batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// The schema version of the store (the number of migrations applied).
    pub fn schema_version(&self) -> Result<i64> {
        self.with(|c| match c {
            Conn::Sqlite(c) => Ok(c.pragma_query_value(None, "user_version", |r| r.get(0))?),
            Conn::Pg(_) => c.query_one("SELECT version FROM sahel_schema", &[])?.get(0),
        })
    }

    /// Is this a PostgreSQL store?
    pub fn is_postgres(&self) -> bool {
        matches!(self.db, Backend::Pg { .. })
    }

    fn open_file(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() && !dir.exists() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating state directory {}", dir.display()))?;
                set_mode(dir, 0o700);
            }
        }
        let conn = Connection::open(path)
            .with_context(|| format!("opening state database {}", path.display()))?;
        set_mode(path, 0o600);
        Self::init(conn).with_context(|| format!("state database {}", path.display()))
    }

    /// A throw-away database (replay).
    pub fn open_in_memory() -> Result<Store> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Store> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        // 32 MB of page cache (the default 2 MB re-read the indexes from the
        // file on every story of a big batch)
        conn.pragma_update(None, "cache_size", -32_000)?;
        // every statement the pipeline runs per story stays prepared (the
        // default of 16 is fewer than it uses: they pushed each other out)
        conn.set_prepared_statement_cache_capacity(80);
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version as usize > MIGRATIONS.len() {
            anyhow::bail!(
                "schema version {version} is newer than this program knows ({}): refusing to touch it",
                MIGRATIONS.len()
            );
        }
        for (i, m) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = conn.unchecked_transaction()?;
            tx.execute_batch(m)
                .with_context(|| format!("migration {}", i + 1))?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
        }
        Ok(Store {
            db: Backend::Sqlite(Mutex::new(conn)),
            index: match_index::Shared::new(),
            corrupt: Default::default(),
            owner: new_owner(),
        })
    }

    /// `PRAGMA quick_check`: an error naming the first problems when pages
    /// are damaged (SQLite; a PostgreSQL server checks its own pages).
    pub fn check_integrity(&self) -> Result<()> {
        let Backend::Sqlite(m) = &self.db else {
            return Ok(());
        };
        let conn = m.lock().unwrap_or_else(|e| e.into_inner());
        let mut st = conn.prepare("PRAGMA quick_check(5)")?;
        let problems = st
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>();
        let problems = match problems {
            Ok(p) => p,
            Err(e) => {
                self.corrupt
                    .store(true, std::sync::atomic::Ordering::SeqCst);
                return Err(e).context("damaged database (integrity check failed)");
            }
        };
        if problems.len() == 1 && problems[0] == "ok" {
            return Ok(());
        }
        self.corrupt
            .store(true, std::sync::atomic::Ordering::SeqCst);
        anyhow::bail!(
            "damaged database (integrity check): {}",
            problems.join("; ")
        )
    }

    /// Remember an error that says the database is damaged; true if it does.
    pub fn note_error(&self, e: &anyhow::Error) -> bool {
        let damaged = is_damage(e);
        if damaged {
            self.corrupt
                .store(true, std::sync::atomic::Ordering::SeqCst);
        }
        damaged
    }

    /// Has an operation met damaged pages?
    pub fn is_damaged(&self) -> bool {
        self.corrupt.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The SQLite connection (tests and SQLite-only checks).
    #[cfg(test)]
    fn lock(&self) -> MutexGuard<'_, Connection> {
        match &self.db {
            Backend::Sqlite(m) => m.lock().unwrap_or_else(|e| e.into_inner()),
            Backend::Pg { .. } => panic!("not a SQLite store"),
        }
    }

    /// Run `f` on the connection (each statement its own transaction).
    fn with<T>(&self, f: impl FnOnce(Conn<'_>) -> Result<T>) -> Result<T> {
        match &self.db {
            Backend::Sqlite(m) => {
                let conn = m.lock().unwrap_or_else(|e| e.into_inner());
                f(Conn::Sqlite(&conn))
            }
            Backend::Pg { conn, settings } => {
                let mut guard = conn.lock().unwrap_or_else(|e| e.into_inner());
                let pg = pg_conn(&mut guard, settings)?;
                let out = f(Conn::Pg(pg));
                let lost = out.as_ref().err().is_some_and(|e| {
                    e.chain().any(|c| {
                        c.downcast_ref::<tokio_postgres::Error>().is_some_and(|e| {
                            // closed, or ended by the server (class 08:
                            // connection exception; 57P0x: shut down)
                            e.is_closed()
                                || e.code().is_some_and(|c| {
                                    c.code().starts_with("08") || c.code().starts_with("57P0")
                                })
                        })
                    })
                });
                if lost || pg.is_closed() {
                    *guard = None;
                }
                out
            }
        }
    }

    /// Run `f` in one transaction: all its writes land, or none. The
    /// incidents it wrote join the match index once it committed (the
    /// connection still held), never before: a transaction rolled back
    /// leaves no trace in memory either.
    pub fn transaction<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        match &self.db {
            Backend::Sqlite(m) => {
                let conn = m.lock().unwrap_or_else(|e| e.into_inner());
                let tx = SqliteTx::begin(&conn)?;
                let t = self.tx(Conn::Sqlite(&conn));
                let out = f(&t)?;
                let pending = t.pending.into_inner();
                if let Err(e) = tx.commit() {
                    // rolled back, as far as SQLite says; in doubt, read it all again
                    self.index.invalidate();
                    return Err(e.into());
                }
                self.index.commit(pending, Utc::now().date_naive());
                Ok(out)
            }
            Backend::Pg { .. } => self.with(|c| {
                c.batch("BEGIN")?;
                let t = self.tx(c);
                // a panic in `f` must not leave the connection inside the
                // transaction (the next one would commit its writes)
                let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&t)))
                    .unwrap_or_else(|p| {
                        let _ = c.batch("ROLLBACK");
                        std::panic::resume_unwind(p)
                    });
                match out {
                    Ok(v) => {
                        let pending = t.pending.into_inner();
                        if let Err(e) = c.batch("COMMIT") {
                            // the outcome unknown (the connection lost): read it all again
                            self.index.invalidate();
                            return Err(e);
                        }
                        self.index.commit(pending, Utc::now().date_naive());
                        Ok(v)
                    }
                    Err(e) => {
                        let _ = c.batch("ROLLBACK");
                        Err(e)
                    }
                }
            }),
        }
    }

    fn tx<'a>(&'a self, c: Conn<'a>) -> Tx<'a> {
        Tx {
            c,
            index: &self.index,
            pending: RefCell::default(),
            checked: Cell::new(false),
        }
    }

    /// Forget the match index: the next transaction that matches a story
    /// loads it from the store. A daemon that takes the leadership of a
    /// PostgreSQL store calls it: PostgreSQL has no `PRAGMA data_version` to
    /// tell that another daemon (the leader before) wrote incidents, and only
    /// the leader writes, so the index loaded fresh when leading stays in
    /// step for as long as it leads.
    pub fn reset_match_index(&self) {
        self.index.invalidate();
    }

    /// How the match index was used ([`crate::match_index::Stats`]).
    pub fn match_index_stats(&self) -> match_index::Stats {
        self.index.stats()
    }

    /// Read-only access with the same helpers.
    pub fn read<T>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T>) -> Result<T> {
        self.transaction(f)
    }

    // ---- feed state -------------------------------------------------------

    pub fn feed_state(&self, name: &str) -> Result<Option<FeedState>> {
        self.with(|c| {
            c.query_opt("SELECT * FROM feeds WHERE name = ?1", &vals![name])?
                .map(|r| feed_from_row(&r))
                .transpose()
        })
    }

    pub fn feed_states(&self) -> Result<Vec<FeedState>> {
        self.with(|c| {
            collect(
                c.query("SELECT * FROM feeds ORDER BY name", &[])?,
                feed_from_row,
            )
        })
    }

    pub fn save_feed_state(&self, f: &FeedState) -> Result<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO feeds (name, url, etag, last_modified, last_success, last_error, last_error_at, failures, next_poll, items_seen, interval_secs)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT(name) DO UPDATE SET url=excluded.url, etag=excluded.etag, last_modified=excluded.last_modified,
                   last_success=excluded.last_success, last_error=excluded.last_error, last_error_at=excluded.last_error_at,
                   failures=excluded.failures, next_poll=excluded.next_poll, items_seen=excluded.items_seen,
                   interval_secs=excluded.interval_secs",
                &vals![
                    f.name,
                    f.url,
                    f.etag,
                    f.last_modified,
                    f.last_success.map(ts),
                    f.last_error,
                    f.last_error_at.map(ts),
                    f.failures,
                    f.next_poll.map(ts),
                    f.items_seen,
                    f.interval_secs,
                ],
            )
        })?;
        Ok(())
    }

    // ---- outbox -----------------------------------------------------------

    /// Rows of `channel` due now (pending and due, or held and due), oldest
    /// first. On PostgreSQL the rows are claimed for this daemon (for
    /// [`CLAIM_SECS`], taken with `FOR UPDATE SKIP LOCKED`): another daemon
    /// sharing the store does not get them meanwhile. On SQLite (one daemon
    /// per state, held by the state lock) it only reads.
    pub fn due_outbox(
        &self,
        channel: &str,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<OutboxRow>> {
        if !self.is_postgres() {
            return self.with(|c| {
                collect(
                    c.query(
                        "SELECT * FROM outbox WHERE channel = ?1 AND status IN ('pending','held') AND next_attempt <= ?2
                         ORDER BY id LIMIT ?3",
                        &vals![channel, ts(now), limit as i64],
                    )?,
                    outbox_from_row,
                )
            });
        }
        let mut rows = self.transaction(|tx| {
            collect(
                tx.c.query(
                    "UPDATE outbox SET claimed_by = ?4, claimed_until = ?5
                     WHERE id IN (SELECT id FROM outbox
                                  WHERE channel = ?1 AND status IN ('pending','held') AND next_attempt <= ?2
                                    AND (claimed_by IS NULL OR claimed_by = ?4 OR claimed_until < ?2)
                                  ORDER BY id LIMIT ?3 FOR UPDATE SKIP LOCKED)
                     RETURNING *",
                    &vals![channel, ts(now), limit as i64, self.owner, ts(now) + CLAIM_SECS],
                )?,
                outbox_from_row,
            )
        })?;
        rows.sort_by_key(|r| r.id);
        Ok(rows)
    }

    /// Let go of every claim on waiting rows: a daemon that becomes the
    /// leader does so (the one before it is gone); returns how many.
    pub fn release_claims(&self) -> Result<usize> {
        self.with(|c| {
            c.execute(
                "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL
                 WHERE claimed_by IS NOT NULL AND status IN ('pending','held')",
                &[],
            )
        })
    }

    /// When the next row of `channel` becomes due, if any is waiting.
    pub fn next_due(&self, channel: &str) -> Result<Option<DateTime<Utc>>> {
        self.with(|c| {
            let v: Option<i64> = c
                .query_one(
                    "SELECT MIN(next_attempt) FROM outbox WHERE channel = ?1 AND status IN ('pending','held')",
                    &vals![channel],
                )?
                .get(0)?;
            Ok(from_ts(v))
        })
    }

    pub fn mark_delivered(&self, ids: &[i64], now: DateTime<Utc>) -> Result<()> {
        self.transaction(|tx| {
            for id in ids {
                tx.exec(
                    "UPDATE outbox SET status='delivered', settled_at=?2, attempts=attempts+1, last_error=NULL WHERE id=?1",
                    &vals![id, ts(now)],
                )?;
            }
            Ok(())
        })
    }

    pub fn mark_retry(&self, id: i64, next: DateTime<Utc>, error: &str) -> Result<()> {
        self.with(|c| {
            c.execute(
                "UPDATE outbox SET attempts=attempts+1, next_attempt=?2, last_error=?3 WHERE id=?1",
                &vals![id, ts(next), error],
            )
        })?;
        Ok(())
    }

    pub fn mark_failed(&self, id: i64, now: DateTime<Utc>, error: &str) -> Result<()> {
        self.with(|c| {
            c.execute(
                "UPDATE outbox SET status='failed', attempts=attempts+1, settled_at=?2, last_error=?3 WHERE id=?1",
                &vals![id, ts(now), error],
            )
        })?;
        Ok(())
    }

    /// Is the outbox moving? (for `/healthz`)
    pub fn outbox_progress(&self) -> Result<OutboxProgress> {
        let r = self.with(|c| {
            c.query_one(
                "SELECT (SELECT MIN(created_at) FROM outbox WHERE status = 'pending'),
                        (SELECT MAX(settled_at) FROM outbox),
                        (SELECT COUNT(*) FROM outbox WHERE status = 'pending')",
                &[],
            )
        })?;
        Ok(OutboxProgress {
            oldest_waiting: from_ts(r.get(0)?),
            last_settled: from_ts(r.get(1)?),
            waiting: r.get::<i64>(2)? as u64,
        })
    }

    /// Rows waiting for delivery (pending or held), all channels.
    pub fn outbox_depth(&self) -> Result<u64> {
        let n: i64 = self.with(|c| {
            c.query_one(
                "SELECT COUNT(*) FROM outbox WHERE status IN ('pending','held')",
                &[],
            )?
            .get(0)
        })?;
        Ok(n as u64)
    }

    pub fn outbox_rows(&self) -> Result<Vec<OutboxRow>> {
        self.with(|c| {
            collect(
                c.query("SELECT * FROM outbox ORDER BY id", &[])?,
                outbox_from_row,
            )
        })
    }

    /// Rows not delivered (waiting, held or failed), oldest first; `channel` narrows.
    pub fn undelivered_outbox(&self, channel: Option<&str>) -> Result<Vec<OutboxRow>> {
        self.with(|c| {
            collect(
                c.query(
                    "SELECT * FROM outbox WHERE status != 'delivered' AND (CAST(?1 AS TEXT) IS NULL OR channel = ?1) ORDER BY id",
                    &vals![channel],
                )?,
                outbox_from_row,
            )
        })
    }

    /// Queue failed rows again (`outbox retry`): those of `channel` (all when
    /// None) that failed at or after `since` (all when None) become pending,
    /// due now, with a fresh `give_up_after` allowance. Returns how many.
    pub fn requeue_failed(
        &self,
        channel: Option<&str>,
        since: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        self.with(|c| {
            c.execute(
                "UPDATE outbox SET status='pending', next_attempt=?3, created_at=?3, attempts=0, settled_at=NULL,
                   claimed_by=NULL, claimed_until=NULL
                 WHERE status='failed' AND (CAST(?1 AS TEXT) IS NULL OR channel = ?1)
                   AND (CAST(?2 AS BIGINT) IS NULL OR COALESCE(settled_at, created_at) >= ?2)",
                &vals![channel, since.map(ts), ts(now)],
            )
        })
    }

    /// Counts of outbox rows by status.
    pub fn outbox_counts(&self) -> Result<Vec<(String, String, u64)>> {
        self.with(|c| {
            collect(
                c.query(
                    "SELECT channel, status, COUNT(*) FROM outbox GROUP BY channel, status",
                    &[],
                )?,
                |r| Ok((r.get(0)?, r.get(1)?, r.get::<i64>(2)? as u64)),
            )
        })
    }

    // ---- incidents (read side) -------------------------------------------

    pub fn incident(&self, id: &str) -> Result<Option<Incident>> {
        self.read(|tx| tx.incident(id))
    }

    /// The most recent incidents (by event date, then first seen), excluding imported ones
    /// unless `include_known`.
    pub fn recent_incidents(&self, limit: usize, include_known: bool) -> Result<Vec<Incident>> {
        self.with(|c| {
            collect(
                c.query(
                    "SELECT * FROM incidents WHERE (?2 = 1 OR known = 0)
                     ORDER BY COALESCE(event_day, 0) DESC, first_seen DESC LIMIT ?1",
                    &vals![limit as i64, include_known],
                )?,
                incident_from_row,
            )
        })
    }

    pub fn stories_of(&self, incident_id: &str) -> Result<Vec<StoredStory>> {
        self.read(|tx| tx.stories_of(incident_id))
    }

    /// Incidents (imported ones excluded) that pass `f`, most recent first
    /// (as [`Store::recent_incidents`]), at most `limit`.
    pub fn incidents_filtered(&self, f: &IncidentFilter, limit: usize) -> Result<Vec<IncidentRow>> {
        self.with(|c| {
            let lists = c.dialect(
                "json_group_array(watchlist)",
                "COALESCE(json_agg(watchlist ORDER BY watchlist)::text, '[]')",
            );
            let sql = format!(
                "SELECT i.*,
                        (SELECT COUNT(*) FROM stories s WHERE s.incident_id = i.id) AS n_stories,
                        (SELECT {lists} FROM
                            (SELECT watchlist FROM incident_watchlists w WHERE w.incident_id = i.id ORDER BY watchlist) l) AS lists
                 FROM incidents i
                 WHERE i.known = 0
                   AND (CAST(?1 AS TEXT) IS NULL OR i.country = ?1)
                   AND (CAST(?2 AS TEXT) IS NULL OR i.admin1 = ?2)
                   AND (CAST(?3 AS BIGINT) IS NULL OR COALESCE(i.event_day, i.first_seen / 86400) >= ?3)
                   AND (CAST(?4 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM incident_watchlists w
                                              WHERE w.incident_id = i.id AND w.watchlist = ?4))
                   AND (CAST(?5 AS BIGINT) IS NULL OR COALESCE(i.killed, 0) >= ?5)
                 ORDER BY COALESCE(i.event_day, 0) DESC, i.first_seen DESC LIMIT ?6"
            );
            collect(
                c.query(
                    &sql,
                    &vals![
                        f.country,
                        f.admin1,
                        f.since.map(day_num),
                        f.watchlist,
                        f.min_killed,
                        limit as i64
                    ],
                )?,
                |r| {
                    let lists: String = r.get("lists")?;
                    Ok(IncidentRow {
                        incident: incident_from_row(r)?,
                        stories: r.get("n_stories")?,
                        watchlists: serde_json::from_str(&lists).unwrap_or_default(),
                    })
                },
            )
        })
    }

    /// The countries, regions and watch-lists of the incidents stored (imported ones excluded).
    pub fn facets(&self) -> Result<Facets> {
        self.with(|c| {
            let pairs = collect(
                c.query(
                    "SELECT DISTINCT country, admin1 FROM incidents
                     WHERE known = 0 AND country IS NOT NULL ORDER BY country, admin1",
                    &[],
                )?,
                |r| Ok((r.get::<String>(0)?, r.get::<Option<String>>(1)?)),
            )?;
            let mut f = Facets::default();
            for (c, a) in pairs {
                if f.countries.last() != Some(&c) {
                    f.countries.push(c.clone());
                }
                if let Some(a) = a {
                    f.regions.push((c, a));
                }
            }
            f.watchlists = collect(
                c.query(
                    "SELECT DISTINCT watchlist FROM incident_watchlists ORDER BY watchlist",
                    &[],
                )?,
                |r| r.get(0),
            )?;
            Ok(f)
        })
    }

    /// The stories of an incident with their languages and when they were seen, in
    /// publication order.
    pub fn story_details(&self, incident_id: &str) -> Result<Vec<StoryDetail>> {
        self.with(|c| {
            collect(
                c.query(
                    "SELECT key, feed, source, url, title, published, is_attack, confidence, incident_id, language, seen_at
                     FROM stories WHERE incident_id = ?1 ORDER BY COALESCE(published, seen_at), seen_at",
                    &vals![incident_id],
                )?,
                |r| {
                    Ok(StoryDetail {
                        story: stored_story_from_row(r)?,
                        language: r.get("language")?,
                        seen_at: from_ts(r.get("seen_at")?).unwrap_or_default(),
                    })
                },
            )
        })
    }

    /// The revisions recorded of an incident, oldest first.
    pub fn revisions(&self, incident_id: &str) -> Result<Vec<Revision>> {
        self.with(|c| {
            collect(
                c.query(
                    "SELECT r.revision, r.at, r.story_key, s.title, r.changes FROM incident_revisions r
                     LEFT JOIN stories s ON s.key = r.story_key
                     WHERE r.incident_id = ?1 ORDER BY r.revision",
                    &vals![incident_id],
                )?,
                |r| {
                    let changes: String = r.get(4)?;
                    Ok(Revision {
                        revision: r.get(0)?,
                        at: from_ts(r.get(1)?).unwrap_or_default(),
                        story_key: r.get(2)?,
                        story_title: r.get(3)?,
                        changes: serde_json::from_str(&changes).unwrap_or_default(),
                    })
                },
            )
        })
    }

    /// The alerts queued for an incident, one per channel and event, oldest first.
    pub fn alerts_of(&self, incident_id: &str) -> Result<Vec<SentAlert>> {
        self.with(|c| {
            collect(
                c.query(
                    "SELECT channel, event, payload, status, attempts, created_at, settled_at FROM outbox
                     WHERE incident_id = ?1 ORDER BY id",
                    &vals![incident_id],
                )?,
                |r| {
                    let payload: String = r.get(2)?;
                    let v: serde_json::Value = serde_json::from_str(&payload).unwrap_or_default();
                    let status: String = r.get(3)?;
                    Ok(SentAlert {
                        channel: r.get(0)?,
                        event: r.get(1)?,
                        revision: v["revision"].as_u64().map(|n| n as u32),
                        watchlists: v["watchlists"]
                            .as_array()
                            .map(|a| {
                                a.iter()
                                    .filter_map(|w| w.as_str().map(str::to_string))
                                    .collect()
                            })
                            .unwrap_or_default(),
                        status: OutboxStatus::parse(&status),
                        attempts: r.get(4)?,
                        created_at: from_ts(r.get(5)?).unwrap_or_default(),
                        settled_at: from_ts(r.get(6)?),
                    })
                },
            )
        })
    }

    pub fn counts(&self) -> Result<StoreCounts> {
        self.with(|c| {
            let q = |sql: &str| -> Result<u64> { Ok(c.query_one(sql, &[])?.get::<i64>(0)? as u64) };
            Ok(StoreCounts {
                stories: q("SELECT COUNT(*) FROM stories")?,
                attack_stories: q("SELECT COUNT(*) FROM stories WHERE is_attack = 1")?,
                incidents: q("SELECT COUNT(*) FROM incidents WHERE known = 0")?,
                known_incidents: q("SELECT COUNT(*) FROM incidents WHERE known = 1")?,
            })
        })
    }
}

/// The tables of the state, in the order [`Store::copy_into`] copies them;
/// for each, what to select (SQLite's implicit rowid of stories is a column
/// on PostgreSQL, and `story_bands` names it).
const TABLES: &[(&str, &str)] = &[
    ("feeds", "*"),
    ("incidents", "*"),
    ("stories", "rowid, *"),
    ("story_bands", "*"),
    ("incident_watchlists", "*"),
    ("incident_revisions", "*"),
    ("outbox", "*"),
];

/// Rows copied by [`Store::copy_into`], per table.
pub type CopyCounts = Vec<(&'static str, usize)>;

impl Store {
    /// Copy every row of this store into `target` (`store migrate`), in one
    /// transaction of the target: all or nothing. The target must be empty
    /// and both at the same schema version; row numbers (outbox ids, story
    /// rowids) are kept, and the target's sequences continue after them.
    pub fn copy_into(&self, target: &Store) -> Result<CopyCounts> {
        let (from, to) = (self.schema_version()?, target.schema_version()?);
        if from != to {
            anyhow::bail!("schema versions differ ({from} and {to}): open the source with this version of sahel-watch first, so that it is migrated");
        }
        target.transaction(|tx| {
            let mut counts = Vec::new();
            for (table, _) in TABLES {
                let n: i64 = tx
                    .c
                    .query_one(&format!("SELECT COUNT(*) FROM {table}"), &[])?
                    .get(0)?;
                if n > 0 {
                    anyhow::bail!("the target store is not empty ({table} has {n} rows): refusing to mix two states");
                }
            }
            for (table, cols) in TABLES {
                let rows = self.with(|c| c.query(&format!("SELECT {cols} FROM {table}"), &[]))?;
                let Some(first) = rows.first() else {
                    counts.push((*table, 0));
                    continue;
                };
                let names = first.cols.join(", ");
                let marks = (1..=first.cols.len())
                    .map(|i| format!("?{i}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let sql = format!("INSERT INTO {table} ({names}) VALUES ({marks})");
                for r in &rows {
                    tx.exec(&sql, &r.vals)?;
                }
                counts.push((*table, rows.len()));
            }
            if tx.c.is_pg() {
                for (table, col) in [("stories", "rowid"), ("outbox", "id")] {
                    tx.c.query(
                        &format!(
                            "SELECT setval(pg_get_serial_sequence('{table}', '{col}'),
                                           COALESCE((SELECT MAX({col}) FROM {table}), 0) + 1, false)"
                        ),
                        &[],
                    )?;
                }
                tx.c.query(
                    "SELECT setval('incidents_write_seq',
                                   COALESCE((SELECT MAX(write_seq) FROM incidents), 0) + 1, false)",
                    &[],
                )?;
            }
            Ok(counts)
        })
    }
}

/// The open PostgreSQL connection, opened again if it was lost.
fn pg_conn<'a>(slot: &'a mut Option<PgConn>, settings: &PgSettings) -> Result<&'a PgConn> {
    if slot.as_ref().is_some_and(|c| c.is_closed()) {
        *slot = None;
    }
    if slot.is_none() {
        *slot = Some(PgConn::connect(settings)?);
    }
    Ok(slot.as_ref().expect("just opened"))
}

/// A name for this process's claims: host, pid and a random part.
fn new_owner() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    format!(
        "{host}:{}:{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct StoreCounts {
    pub stories: u64,
    pub attack_stories: u64,
    pub incidents: u64,
    pub known_incidents: u64,
}

/// A SQLite transaction, as `rusqlite::Transaction` runs one (`BEGIN
/// DEFERRED`; rolled back when dropped uncommitted: an error or a panic),
/// its three statements kept prepared (parsing `BEGIN` and `COMMIT` for
/// every transaction cost more than the whole of matching a story's
/// candidates from the index in a read transaction).
struct SqliteTx<'c> {
    conn: &'c Connection,
    done: bool,
}

impl<'c> SqliteTx<'c> {
    fn begin(conn: &'c Connection) -> rusqlite::Result<SqliteTx<'c>> {
        conn.prepare_cached("BEGIN DEFERRED")?.execute([])?;
        Ok(SqliteTx { conn, done: false })
    }

    fn commit(mut self) -> rusqlite::Result<()> {
        self.conn.prepare_cached("COMMIT")?.execute([])?;
        self.done = true;
        Ok(())
    }
}

impl Drop for SqliteTx<'_> {
    fn drop(&mut self) {
        // not committed (or the commit failed): roll back what is open
        if !self.done && !self.conn.is_autocommit() {
            let _ = self
                .conn
                .prepare_cached("ROLLBACK")
                .and_then(|mut st| st.execute([]));
        }
    }
}

/// Writes and reads inside one transaction.
pub struct Tx<'a> {
    c: Conn<'a>,
    index: &'a match_index::Shared,
    /// The incidents written, for the match index once committed.
    pending: RefCell<match_index::Pending>,
    /// Has this transaction made sure the index is in step with the file?
    checked: Cell<bool>,
}

impl Tx<'_> {
    /// Run a write (through the connection's statement cache: the pipeline
    /// runs the same few statements for every story, and preparing one
    /// (parsing and planning the SQL) costs as much as running it).
    fn exec(&self, sql: &str, args: &[Value]) -> Result<usize> {
        self.c.execute(sql, args)
    }

    /// Is this story stored (by key, or by normalised link), and is its
    /// text the one stored? A story stored
    /// under its key by the same feed with another fingerprint is
    /// [`Known::Changed`] (until read again [`MAX_STORY_EDITS`] times); one
    /// known only by its link, or stored by another feed (the same article
    /// in two feeds, texts of their own), is [`Known::Stored`].
    pub fn story_known(
        &self,
        key: &str,
        url_norm: Option<&str>,
        feed: &str,
        fingerprint: Option<u64>,
    ) -> Result<Known> {
        let row = self.c.query_opt(
            "SELECT feed, fingerprint, edits, title, incident_id FROM stories WHERE key = ?1",
            &vals![key],
        )?;
        let Some(row) = row else {
            let by_url = match url_norm {
                Some(u) => self
                    .c
                    .query_opt(
                        "SELECT 1 FROM stories WHERE url_norm = ?1 LIMIT 1",
                        &vals![u],
                    )?
                    .is_some(),
                None => false,
            };
            return Ok(if by_url { Known::Stored } else { Known::New });
        };
        let stored_feed: String = row.get(0)?;
        let stored: Option<i64> = row.get(1)?;
        let edits: u32 = row.get(2)?;
        Ok(match (fingerprint, stored) {
            _ if stored_feed != feed => Known::Stored,
            (None, _) => Known::Stored,
            (Some(_), None) => Known::Unfingerprinted,
            (Some(f), Some(s)) if f as i64 == s => Known::Stored,
            _ if edits >= MAX_STORY_EDITS => Known::Stored,
            _ => Known::Changed(Prior {
                title: row.get(3)?,
                incident_id: row.get(4)?,
                edits,
            }),
        })
    }

    /// Give a story stored without a fingerprint this one.
    pub fn fill_fingerprint(&self, key: &str, fingerprint: u64) -> Result<()> {
        self.exec(
            "UPDATE stories SET fingerprint = ?2 WHERE key = ?1 AND fingerprint IS NULL",
            &vals![key, fingerprint],
        )?;
        Ok(())
    }

    /// Replace a stored story by its new version (its text changed): title,
    /// link, text, analysis, hash, fingerprint and incident; one more edit.
    /// When it was first seen stays.
    pub fn revise_story(&self, s: &NewStory<'_>) -> Result<()> {
        let r = self.c.query_one(
            "SELECT rowid, simhash FROM stories WHERE key = ?1",
            &vals![s.key],
        )?;
        let (story, old): (i64, i64) = (r.get(0)?, r.get(1)?);
        self.write_story(
            s,
            "ON CONFLICT(key) DO UPDATE SET url = excluded.url, url_norm = excluded.url_norm,
               title = excluded.title, published = excluded.published, simhash = excluded.simhash,
               band0 = excluded.band0, band1 = excluded.band1, band2 = excluded.band2,
               band3 = excluded.band3, is_attack = excluded.is_attack,
               confidence = excluded.confidence, incident_id = excluded.incident_id,
               analysis = excluded.analysis, language = excluded.language, text = excluded.text,
               fingerprint = excluded.fingerprint, edits = stories.edits + 1",
        )?;
        if old as u64 != s.simhash {
            for band in band_keys(old as u64) {
                self.exec(
                    "DELETE FROM story_bands WHERE band = ?1 AND story = ?2",
                    &vals![band, story],
                )?;
            }
            self.put_bands(story, s.simhash)?;
        }
        Ok(())
    }

    /// A stored story whose SimHash is within `max_distance` bits of `simhash`
    /// (indexed by four 16-bit bands: any hash within 3 bits shares a band).
    pub fn near_duplicate_story(
        &self,
        simhash: u64,
        max_distance: u32,
    ) -> Result<Option<(String, Option<String>)>> {
        // band by band, most recent first, at most NEAR_DUPLICATE_PROBES rows
        // each: one query with the four bands OR-ed collected every row of
        // every band before the first came back (quadratic for a feed of
        // thousands of near-identical items)
        for band in band_keys(simhash) {
            let rows = self.c.query(
                &format!(
                    "SELECT simhash, story FROM story_bands WHERE band = ?1 ORDER BY story DESC LIMIT {NEAR_DUPLICATE_PROBES}"
                ),
                &vals![band],
            )?;
            for r in rows {
                let h: i64 = r.get(0)?;
                if (h as u64 ^ simhash).count_ones() <= max_distance {
                    let found = self.c.query_opt(
                        "SELECT key, incident_id FROM stories WHERE rowid = ?1 AND simhash = ?2",
                        &vals![r.get::<i64>(1)?, h],
                    )?;
                    if let Some(f) = found {
                        return Ok(Some((f.get(0)?, f.get(1)?)));
                    }
                }
            }
        }
        Ok(None)
    }

    pub fn insert_story(&self, s: &NewStory<'_>) -> Result<()> {
        if let Some(rowid) = self.write_story(s, "ON CONFLICT DO NOTHING")? {
            self.put_bands(rowid, s.simhash)?;
        }
        Ok(())
    }

    /// `INSERT INTO stories ... {upsert}` of a story's row (first seen now):
    /// its rowid, None when nothing was written.
    fn write_story(&self, s: &NewStory<'_>, upsert: &str) -> Result<Option<i64>> {
        let b = bands(s.simhash);
        let row = self.c.query_opt(
            &format!(
                "INSERT INTO stories (key, feed, source, url, url_norm, title, published, seen_at, simhash, band0, band1, band2, band3, is_attack, confidence, incident_id, analysis, language, text, fingerprint)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20) {upsert}
                 RETURNING rowid"
            ),
            &vals![
                s.key,
                s.feed,
                s.source,
                s.url,
                s.url_norm,
                s.title,
                s.published.map(ts),
                ts(Utc::now()),
                s.simhash,
                b[0],
                b[1],
                b[2],
                b[3],
                s.is_attack,
                s.confidence,
                s.incident_id,
                s.analysis_json,
                s.language,
                s.text,
                s.fingerprint,
            ],
        )?;
        row.map(|r| r.get(0)).transpose()
    }

    /// The `story_bands` rows of the story with this rowid.
    fn put_bands(&self, story: i64, simhash: u64) -> Result<()> {
        for band in band_keys(simhash) {
            self.exec(
                "INSERT INTO story_bands (band, story, simhash) VALUES (?1, ?2, ?3)",
                &vals![band, story, simhash],
            )?;
        }
        Ok(())
    }

    /// Incidents whose event day is in `[from, to]`, in `country` when
    /// given, and — when `near` gives the story's admin1 and coordinates —
    /// in the same admin1, without one, or within `near.2` degrees. Uses the
    /// (country, event_day) and (event_day) indexes: never a full scan.
    pub fn incident_candidates(
        &self,
        country: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
        near: Option<Near<'_>>,
    ) -> Result<Vec<Incident>> {
        let (a, b) = (day_num(from), day_num(to));
        let mut sql = String::from("SELECT * FROM incidents WHERE event_day BETWEEN ?1 AND ?2");
        let mut args: Vec<Value> = vals![a, b].to_vec();
        if let Some(c) = country {
            args.push(c.val());
            sql.push_str(&format!(" AND country = ?{}", args.len()));
        }
        if let Some(Near {
            admin1,
            point,
            degrees: deg,
        }) = near
        {
            let mut ors = vec!["admin1 IS NULL".to_string(), "lat IS NULL".to_string()];
            if let Some(a1) = admin1 {
                args.push(a1.val());
                ors.push(format!("admin1 = ?{}", args.len()));
            }
            if let Some((lat, lon)) = point {
                for v in [lat - deg, lat + deg, lon - deg, lon + deg] {
                    args.push(v.val());
                }
                let n = args.len();
                ors.push(format!(
                    "(lat BETWEEN ?{} AND ?{} AND lon BETWEEN ?{} AND ?{})",
                    n - 3,
                    n - 2,
                    n - 1,
                    n
                ));
            }
            sql.push_str(&format!(" AND ({})", ors.join(" OR ")));
        }
        // the order of the (country, event_day) and (event_day) indexes,
        // then the order of writes, which the match index keeps too (ties
        // between scores fall alike)
        sql.push_str(" ORDER BY event_day, write_seq");
        collect(self.c.query(&sql, &args)?, incident_from_row)
    }

    /// The matching keys of [`Tx::incident_candidates`], in the same order:
    /// from the match index (with this transaction's own writes), else —
    /// a story about an event older than the index holds — through SQL.
    pub fn match_candidates(
        &self,
        country: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
        near: Option<Near<'_>>,
    ) -> Result<Vec<Arc<MatchKeys>>> {
        let q = match_index::Query {
            country,
            from,
            to,
            near,
        };
        self.sync_index()?;
        if let Some(v) = self.index.candidates(&q, &self.pending.borrow()) {
            return Ok(v);
        }
        Ok(self
            .incident_candidates(country, from, to, near)?
            .iter()
            .map(|i| Arc::new(MatchKeys::of(i)))
            .collect())
    }

    /// [`Tx::match_candidates`] shown to `f` one by one in no particular
    /// order, each with a rank that gives the order (for
    /// [`crate::dedup::best_match`], which needs the order only to break
    /// ties between equal scores): from the match index, under its lock
    /// (`f` must not use the store), else through SQL.
    pub fn match_candidates_each(
        &self,
        country: Option<&str>,
        from: NaiveDate,
        to: NaiveDate,
        near: Option<Near<'_>>,
        mut f: impl FnMut(match_index::Cand<'_>),
    ) -> Result<()> {
        let q = match_index::Query {
            country,
            from,
            to,
            near,
        };
        self.sync_index()?;
        if self
            .index
            .each_candidate(&q, &self.pending.borrow(), &mut f)
        {
            return Ok(());
        }
        for (i, inc) in self
            .incident_candidates(country, from, to, near)?
            .iter()
            .enumerate()
        {
            let keys = Arc::new(MatchKeys::of(inc));
            f(match_index::Cand {
                rank: (0, i as u64),
                head: &match_index::Head::of(&keys),
                keys: &keys,
            });
        }
        Ok(())
    }

    /// Once per transaction: is the match index in step with the store?
    /// On SQLite another connection may have written the file (`PRAGMA
    /// data_version` tells); PostgreSQL has no such mark, and only the
    /// leader writes: the index is loaded once, and again after
    /// [`Store::reset_match_index`] (leadership taken) or a commit in doubt.
    /// Loads it when it is not in step (and this transaction wrote no
    /// incident yet, else it would load them uncommitted; then it waits for
    /// the next).
    fn sync_index(&self) -> Result<()> {
        if self.checked.get() {
            return Ok(());
        }
        self.checked.set(true);
        let version: Option<i64> = match self.c {
            // (through its prepared statement: no row decoded into values)
            Conn::Sqlite(c) => Some(
                c.prepare_cached("PRAGMA data_version")?
                    .query_row([], |r| r.get(0))?,
            ),
            Conn::Pg(_) => None,
        };
        if self.index.is_ready() && self.index.version() == version {
            return Ok(());
        }
        self.index.invalidate();
        if !self.pending.borrow().is_empty() {
            return Ok(());
        }
        let today = Utc::now().date_naive();
        let latest: Option<i64> = self
            .c
            .query_one("SELECT MAX(event_day) FROM incidents", &[])?
            .get(0)?;
        let latest = from_day(latest);
        let floor = match_index::Shared::floor_for(latest, today).map_or(i64::MIN, day_num);
        let rows = collect(
            self.c.query(
                "SELECT * FROM incidents WHERE event_day >= ?1",
                &vals![floor],
            )?,
            |r| Ok((r.get::<i64>("write_seq")? as u64, incident_from_row(r)?)),
        )?;
        self.index.rebuild(latest, today, version, rows);
        Ok(())
    }

    pub fn incident(&self, id: &str) -> Result<Option<Incident>> {
        self.c
            .query_opt("SELECT * FROM incidents WHERE id = ?1", &vals![id])?
            .map(|r| incident_from_row(&r))
            .transpose()
    }

    /// Insert or replace an incident (all facts).
    pub fn put_incident(&self, i: &Incident) -> Result<()> {
        // each write takes the next write number (the match index's order)
        let seq = self.c.dialect(
            "(SELECT COALESCE(MAX(write_seq), 0) + 1 FROM incidents)",
            "nextval('incidents_write_seq')",
        );
        self.exec(
            &format!("INSERT INTO incidents (id, country, admin1, admin2, location, precision, lat, lon, event_day, killed, wounded, victims, actors, attack_type, claimed, confidence, title, summary, revision, first_seen, last_seen, known, origin, simhashes, alerted_killed, alerted_claimed, alerted_revision, places, write_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, {seq})
             ON CONFLICT(id) DO UPDATE SET write_seq = excluded.write_seq, country = excluded.country, admin1 = excluded.admin1,
               admin2 = excluded.admin2, location = excluded.location, precision = excluded.precision,
               lat = excluded.lat, lon = excluded.lon, event_day = excluded.event_day,
               killed = excluded.killed, wounded = excluded.wounded, victims = excluded.victims,
               actors = excluded.actors, attack_type = excluded.attack_type, claimed = excluded.claimed,
               confidence = excluded.confidence, title = excluded.title, summary = excluded.summary,
               revision = excluded.revision, first_seen = excluded.first_seen,
               last_seen = excluded.last_seen, known = excluded.known, origin = excluded.origin,
               simhashes = excluded.simhashes, alerted_killed = excluded.alerted_killed,
               alerted_claimed = excluded.alerted_claimed, alerted_revision = excluded.alerted_revision,
               places = excluded.places"),
            &vals![
                i.id,
                i.country,
                i.admin1,
                i.admin2,
                i.location,
                i.precision,
                i.lat,
                i.lon,
                i.event_date.map(day_num),
                i.killed,
                i.wounded,
                i.victims,
                serde_json::to_string(&i.actors)?,
                i.attack_type,
                i.claimed,
                i.confidence,
                i.title,
                i.summary,
                i.revision,
                ts(i.first_seen),
                ts(i.last_seen),
                i.known,
                i.origin,
                serde_json::to_string(&i.simhashes)?,
                i.alerted_killed,
                i.alerted_claimed,
                i.alerted_revision,
                serde_json::to_string(&i.places)?,
            ],
        )?;
        self.pending.borrow_mut().put(self.index, i);
        Ok(())
    }

    pub fn stories_of(&self, incident_id: &str) -> Result<Vec<StoredStory>> {
        collect(
            self.c.query(
                &format!(
                    "SELECT {STORED_STORY} FROM stories
                     WHERE incident_id = ?1 ORDER BY COALESCE(published, seen_at), seen_at"
                ),
                &vals![incident_id],
            )?,
            stored_story_from_row,
        )
    }

    /// The first `limit` stories stored of an incident, in publication order
    /// (as `stories_of`), with their languages: what an alert lists. Bounded, so that an incident
    /// with thousands of stories (a feed of near-identical items) does not
    /// make every story that joins it read them all.
    pub fn alert_stories(
        &self,
        incident_id: &str,
        limit: usize,
    ) -> Result<Vec<(StoredStory, Option<String>)>> {
        // the limit is written into the SQL: a bound LIMIT makes SQLite
        // prepare the statement again on every use
        let mut rows = collect(
            self.c.query(
                &format!(
                    "SELECT {STORED_STORY}, language, seen_at
                     FROM stories WHERE incident_id = ?1 ORDER BY rowid LIMIT {limit}"
                ),
                &vals![incident_id],
            )?,
            |r| {
                Ok((
                    stored_story_from_row(r)?,
                    r.get::<Option<String>>("language")?,
                    r.get::<i64>("seen_at")?,
                ))
            },
        )?;
        // the first stored (the index gives them without reading the rest),
        // then in publication order as `stories_of`
        rows.sort_by_key(|(s, _, seen)| (s.published.map_or(*seen, |p| p.timestamp()), *seen));
        Ok(rows.into_iter().map(|(s, l, _)| (s, l)).collect())
    }

    /// Titles and full texts (text absent for stories stored before it was
    /// kept) of an incident's first `limit` and latest `limit` stories, in
    /// the order stored. Bounded, so that an incident with thousands of
    /// stories does not make every story that joins it read them all.
    pub fn story_texts(&self, incident_id: &str, limit: usize) -> Result<Vec<String>> {
        collect(
            self.c.query(
                &format!(
                    "SELECT title, COALESCE(text, '') FROM stories
                     WHERE rowid IN (SELECT rowid FROM stories WHERE incident_id = ?1 ORDER BY rowid LIMIT {limit})
                        OR rowid IN (SELECT rowid FROM stories WHERE incident_id = ?1 ORDER BY rowid DESC LIMIT {limit})
                     ORDER BY rowid"
                ),
                &vals![incident_id],
            )?,
            |r| Ok(format!("{}\n{}", r.get::<String>(0)?, r.get::<String>(1)?)),
        )
    }

    /// The victims' tolls (`facts.killed` of their analyses) given by the
    /// latest `limit` attack stories stored of an incident, but `except`:
    /// the votes an incident's toll is taken from. Bounded through the
    /// incident's index in storing order, so that an incident with
    /// thousands of stories does not make every story that joins it read
    /// them all (sorting them by publication did: 1,300 stories/s).
    pub fn story_tolls(&self, incident_id: &str, except: &str, limit: usize) -> Result<Vec<u32>> {
        let killed = self.c.dialect(
            "json_extract(analysis, '$.facts.killed')",
            "(analysis::jsonb -> 'facts' ->> 'killed')::bigint",
        );
        let rows = collect(
            self.c.query(
                &format!(
                    "SELECT k FROM (SELECT {killed} AS k FROM stories
                                     WHERE incident_id = ?1 AND key <> ?2 AND is_attack = 1
                                     ORDER BY rowid DESC LIMIT ?3) s
                     WHERE k IS NOT NULL"
                ),
                &vals![incident_id, except, limit as i64],
            )?,
            |r| r.get::<i64>(0),
        )?;
        Ok(rows
            .into_iter()
            .filter_map(|k| u32::try_from(k).ok())
            .collect())
    }

    /// What each watch-list was last told about an incident.
    pub fn told(&self, incident_id: &str) -> Result<Vec<Told>> {
        collect(
            self.c.query(
                "SELECT watchlist, revision, killed, claimed FROM incident_watchlists WHERE incident_id = ?1",
                &vals![incident_id],
            )?,
            |r| {
                Ok(Told {
                    watchlist: r.get(0)?,
                    revision: r.get(1)?,
                    killed: r.get(2)?,
                    claimed: r.get(3)?,
                })
            },
        )
    }

    /// Record a revision of an incident: the story that made it and what changed
    /// (nothing for the opening). A revision already recorded is kept.
    pub fn add_revision(
        &self,
        incident_id: &str,
        revision: u32,
        at: DateTime<Utc>,
        story_key: Option<&str>,
        changes: &[String],
    ) -> Result<()> {
        self.exec(
            "INSERT INTO incident_revisions (incident_id, revision, at, story_key, changes)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
            &vals![
                incident_id,
                revision,
                ts(at),
                story_key,
                serde_json::to_string(changes)?
            ],
        )?;
        Ok(())
    }

    /// Record that a watch-list was told about an incident as it stands.
    pub fn mark_told(&self, inc: &Incident, watchlist: &str, now: DateTime<Utc>) -> Result<()> {
        self.exec(
            "INSERT INTO incident_watchlists (incident_id, watchlist, revision, killed, claimed, told_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(incident_id, watchlist) DO UPDATE SET revision=excluded.revision,
               killed=excluded.killed, claimed=excluded.claimed, told_at=excluded.told_at",
            &vals![inc.id, watchlist, inc.revision, inc.killed, inc.claimed, ts(now)],
        )?;
        Ok(())
    }

    /// Queue an alert for one channel; a second row with the same channel and
    /// idempotency key is ignored (returns false).
    pub fn enqueue(&self, o: &NewOutbox<'_>, now: DateTime<Utc>) -> Result<bool> {
        let (status, next) = match o.held_until {
            Some(t) => (OutboxStatus::Held, t),
            None => (OutboxStatus::Pending, now),
        };
        let n = self.exec(
            "INSERT INTO outbox (idem_key, channel, event, incident_id, payload, status, next_attempt, created_at, digest_group)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT DO NOTHING",
            &vals![o.idem_key, o.channel, o.event, o.incident_id, o.payload, status.as_str(), ts(next), ts(now), o.digest_group],
        )?;
        Ok(n == 1)
    }

    /// Alerts queued for a digest group since `since` (rate caps count them).
    pub fn alerts_since(&self, digest_group: &str, since: DateTime<Utc>) -> Result<u64> {
        let n: i64 = self
            .c
            .query_one(
                "SELECT COUNT(DISTINCT idem_key) FROM outbox WHERE digest_group = ?1 AND created_at >= ?2 AND event != 'digest'",
                &vals![digest_group, ts(since)],
            )?
            .get(0)?;
        Ok(n as u64)
    }
}

/// The `story_bands` keys of a SimHash: band number × 65536 + the band's bits.
fn band_keys(h: u64) -> [i64; 4] {
    let b = bands(h);
    [b[0], 65536 + b[1], 2 * 65536 + b[2], 3 * 65536 + b[3]]
}

fn bands(h: u64) -> [i64; 4] {
    [
        (h & 0xffff) as i64,
        ((h >> 16) & 0xffff) as i64,
        ((h >> 32) & 0xffff) as i64,
        ((h >> 48) & 0xffff) as i64,
    ]
}

/// The columns [`stored_story_from_row`] reads.
const STORED_STORY: &str =
    "key, feed, source, url, title, published, is_attack, confidence, incident_id";

fn stored_story_from_row(r: &VRow) -> Result<StoredStory> {
    Ok(StoredStory {
        key: r.get("key")?,
        feed: r.get("feed")?,
        source: r.get("source")?,
        url: r.get("url")?,
        title: r.get("title")?,
        published: from_ts(r.get("published")?),
        is_attack: r.get("is_attack")?,
        confidence: r.get("confidence")?,
        incident_id: r.get("incident_id")?,
    })
}

fn feed_from_row(r: &VRow) -> Result<FeedState> {
    Ok(FeedState {
        name: r.get("name")?,
        url: r.get("url")?,
        etag: r.get("etag")?,
        last_modified: r.get("last_modified")?,
        last_success: from_ts(r.get("last_success")?),
        last_error: r.get("last_error")?,
        last_error_at: from_ts(r.get("last_error_at")?),
        failures: r.get("failures")?,
        next_poll: from_ts(r.get("next_poll")?),
        items_seen: r.get::<i64>("items_seen")? as u64,
        interval_secs: r.get::<Option<i64>>("interval_secs")?.map(|v| v as u64),
    })
}

fn incident_from_row(r: &VRow) -> Result<Incident> {
    let actors: String = r.get("actors")?;
    let simhashes: String = r.get("simhashes")?;
    Ok(Incident {
        id: r.get("id")?,
        country: r.get("country")?,
        admin1: r.get("admin1")?,
        admin2: r.get("admin2")?,
        location: r.get("location")?,
        precision: r.get("precision")?,
        lat: r.get("lat")?,
        lon: r.get("lon")?,
        event_date: from_day(r.get("event_day")?),
        killed: r.get("killed")?,
        wounded: r.get("wounded")?,
        victims: r.get("victims")?,
        actors: serde_json::from_str(&actors).unwrap_or_default(),
        attack_type: r.get("attack_type")?,
        claimed: r.get("claimed")?,
        confidence: r.get("confidence")?,
        title: r.get("title")?,
        summary: r.get("summary")?,
        revision: r.get("revision")?,
        first_seen: from_ts(r.get("first_seen")?).unwrap_or_default(),
        last_seen: from_ts(r.get("last_seen")?).unwrap_or_default(),
        known: r.get("known")?,
        origin: r.get("origin")?,
        simhashes: serde_json::from_str(&simhashes).unwrap_or_default(),
        alerted_killed: r.get("alerted_killed")?,
        alerted_claimed: r.get("alerted_claimed")?,
        alerted_revision: r.get("alerted_revision")?,
        places: serde_json::from_str(&r.get::<String>("places")?).unwrap_or_default(),
    })
}

fn outbox_from_row(r: &VRow) -> Result<OutboxRow> {
    let status: String = r.get("status")?;
    Ok(OutboxRow {
        id: r.get("id")?,
        idem_key: r.get("idem_key")?,
        channel: r.get("channel")?,
        event: r.get("event")?,
        incident_id: r.get("incident_id")?,
        payload: r.get("payload")?,
        status: OutboxStatus::parse(&status),
        attempts: r.get("attempts")?,
        next_attempt: from_ts(r.get("next_attempt")?).unwrap_or_default(),
        created_at: from_ts(r.get("created_at")?).unwrap_or_default(),
        last_error: r.get("last_error")?,
        digest_group: r.get("digest_group")?,
        settled_at: from_ts(r.get("settled_at")?),
    })
}

/// Does an error say the database is damaged (`SQLITE_CORRUPT`, `SQLITE_NOTADB`)?
fn is_damage(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(
            c.downcast_ref::<rusqlite::Error>()
                .and_then(|e| e.sqlite_error_code()),
            Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
        )
    })
}

#[cfg(unix)]
pub(crate) fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
}

#[cfg(not(unix))]
pub(crate) fn set_mode(_path: &Path, _mode: u32) {}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::params;

    /// A test run on each store: `sqlite` (in memory) and `postgres` (a
    /// fresh database of the test cluster; skipped without one).
    macro_rules! on_both {
        ($name:ident, $body:expr) => {
            mod $name {
                use super::*;
                #[test]
                fn sqlite() {
                    let run: fn(Store) = $body;
                    run(Store::open_in_memory().unwrap());
                }
                #[test]
                fn postgres() {
                    let run: fn(Store) = $body;
                    if let Some(s) = pg::test_database() {
                        run(Store::open_postgres(&s).unwrap());
                    }
                }
            }
        };
    }

    #[test]
    fn migrations_apply_once_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state/db.sqlite");
        {
            let s = Store::open(&p).unwrap();
            s.save_feed_state(&FeedState {
                name: "a".into(),
                url: "http://x".into(),
                etag: Some("\"1\"".into()),
                ..Default::default()
            })
            .unwrap();
        }
        let s = Store::open(&p).unwrap();
        assert_eq!(
            s.feed_state("a").unwrap().unwrap().etag.as_deref(),
            Some("\"1\"")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let m = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(m, 0o600);
            let m = std::fs::metadata(p.parent().unwrap())
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(m, 0o700);
        }
    }

    on_both!(outbox_is_idempotent_per_channel_and_key, |s: Store| {
        let now = Utc::now();
        let row = NewOutbox {
            idem_key: "I-1:incident.new:1",
            channel: "hook",
            event: "incident.new",
            incident_id: "I-1",
            payload: "{}",
            held_until: None,
            digest_group: None,
        };
        let first = s.transaction(|tx| tx.enqueue(&row, now)).unwrap();
        let again = s.transaction(|tx| tx.enqueue(&row, now)).unwrap();
        assert!(first);
        assert!(!again);
        let due = s.due_outbox("hook", now, 10).unwrap();
        assert_eq!(due.len(), 1);
        s.mark_delivered(&[due[0].id], now).unwrap();
        assert!(s.due_outbox("hook", now, 10).unwrap().is_empty());
        assert_eq!(s.outbox_depth().unwrap(), 0);
    });

    #[test]
    fn an_emptied_or_foreign_database_file_is_an_error_and_a_missing_one_a_fresh_start() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("state.sqlite");
        Store::open(&db).expect("no file: a fresh start");
        std::fs::write(&db, b"").unwrap();
        let e = format!("{:#}", Store::open(&db).err().expect("empty file refused"));
        assert!(
            e.contains("empty (0 bytes)") && e.contains("state.sqlite"),
            "{e}"
        );
        assert_eq!(std::fs::metadata(&db).unwrap().len(), 0, "left untouched");
        std::fs::write(&db, vec![b'x'; 8192]).unwrap();
        let e = format!("{:#}", Store::open(&db).err().expect("garbage refused"));
        assert!(e.contains("state.sqlite"), "{e}");
    }

    #[test]
    fn damaged_pages_are_found_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("state.sqlite");
        {
            let s = Store::open(&db).unwrap();
            let now = Utc::now();
            s.transaction(|tx| {
                for i in 0..2000 {
                    let key = format!("I-{i}:incident.new:1");
                    let payload = "p".repeat(300);
                    tx.enqueue(
                        &NewOutbox {
                            idem_key: &key,
                            channel: "hook",
                            event: "incident.new",
                            incident_id: "I",
                            payload: &payload,
                            held_until: None,
                            digest_group: None,
                        },
                        now,
                    )?;
                }
                Ok(())
            })
            .unwrap();
            s.lock()
                .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
                .unwrap();
        }
        // overwrite pages in the middle of the file (not the header page)
        let mut bytes = std::fs::read(&db).unwrap();
        assert!(bytes.len() > 200_000, "{}", bytes.len());
        for b in &mut bytes[40_000..160_000] {
            *b = 0xA5;
        }
        std::fs::write(&db, &bytes).unwrap();
        let e = format!(
            "{:#}",
            Store::open(&db).err().expect("damaged pages refused")
        );
        assert!(e.contains("damaged") && e.contains("state.sqlite"), "{e}");
    }

    on_both!(
        failed_rows_are_queued_again_by_channel_and_time,
        |s: Store| {
            let t0 = Utc::now() - chrono::Duration::hours(3);
            let mut ids = Vec::new();
            for (i, ch) in ["mail", "mail", "hook"].iter().enumerate() {
                let key = format!("I-{i}:incident.new:1");
                s.transaction(|tx| {
                    tx.enqueue(
                        &NewOutbox {
                            idem_key: &key,
                            channel: ch,
                            event: "incident.new",
                            incident_id: "I",
                            payload: "{}",
                            held_until: None,
                            digest_group: None,
                        },
                        t0,
                    )
                })
                .unwrap();
                ids.push(s.due_outbox(ch, t0, 10).unwrap().last().unwrap().id);
            }
            s.mark_failed(ids[0], t0, "550 no such user").unwrap();
            s.mark_failed(ids[1], t0 + chrono::Duration::hours(2), "550")
                .unwrap();
            s.mark_failed(ids[2], t0 + chrono::Duration::hours(2), "404")
                .unwrap();
            assert_eq!(s.undelivered_outbox(Some("mail")).unwrap().len(), 2);
            let now = Utc::now();
            let since = t0 + chrono::Duration::hours(1);
            assert_eq!(s.requeue_failed(Some("mail"), Some(since), now).unwrap(), 1);
            let due = s.due_outbox("mail", now, 10).unwrap();
            assert_eq!(due.iter().map(|r| r.id).collect::<Vec<_>>(), vec![ids[1]]);
            assert_eq!(due[0].attempts, 0);
            assert_eq!(due[0].status, OutboxStatus::Pending);
            assert_eq!(s.requeue_failed(None, None, now).unwrap(), 2);
            assert_eq!(s.requeue_failed(None, None, now).unwrap(), 0);
        }
    );

    #[test]
    fn migration_2_remembers_which_lists_were_told_from_the_queued_alerts() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.db");
        {
            // a database of the previous version with one alerted incident
            let conn = Connection::open(&p).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute_batch(
                "INSERT INTO incidents (id, actors, claimed, confidence, revision, first_seen, last_seen, known, origin, simhashes, alerted_killed, alerted_claimed, alerted_revision)
                 VALUES ('I-1', '[]', 0, 1.0, 2, 0, 0, 0, 'story', '[]', 9, 0, 2);
                 INSERT INTO outbox (idem_key, channel, event, incident_id, payload, status, next_attempt, created_at)
                 VALUES ('I-1:incident.new:1', 'hook', 'incident.new', 'I-1', '{\"watchlists\": [\"niger\", \"all\"]}', 'delivered', 0, 5);",
            )
            .unwrap();
        }
        let s = Store::open(&p).unwrap();
        let mut told = s.read(|tx| tx.told("I-1")).unwrap();
        told.sort_by(|a, b| a.watchlist.cmp(&b.watchlist));
        assert_eq!(
            told,
            [
                Told {
                    watchlist: "all".into(),
                    revision: 2,
                    killed: Some(9),
                    claimed: false
                },
                Told {
                    watchlist: "niger".into(),
                    revision: 2,
                    killed: Some(9),
                    claimed: false
                }
            ]
        );
    }

    #[test]
    fn migration_3_recovers_openings_and_the_changes_updates_carried() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.db");
        {
            let conn = Connection::open(&p).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.execute_batch(MIGRATIONS[1]).unwrap();
            conn.pragma_update(None, "user_version", 2).unwrap();
            conn.execute_batch(
                "INSERT INTO incidents (id, actors, claimed, confidence, revision, first_seen, last_seen, known, origin, simhashes)
                 VALUES ('I-1', '[]', 1, 1.0, 3, 100, 300, 0, 'story', '[]'),
                        ('K-1', '[]', 0, 1.0, 1, 100, 100, 1, 'known.csv', '[]');
                 INSERT INTO outbox (idem_key, channel, event, incident_id, payload, status, next_attempt, created_at)
                 VALUES ('I-1:incident.new:1', 'hook', 'incident.new', 'I-1', '{\"revision\": 1, \"changes\": []}', 'delivered', 0, 100),
                        ('I-1:incident.updated:3', 'hook', 'incident.updated', 'I-1',
                         '{\"revision\": 3, \"changes\": [\"killed 9 → 14\", \"claimed by JNIM\"]}', 'delivered', 0, 300),
                        ('I-1:incident.updated:3', 'mail', 'incident.updated', 'I-1',
                         '{\"revision\": 3, \"changes\": [\"killed 9 → 14\", \"claimed by JNIM\"]}', 'pending', 0, 301),
                        ('I-1:incident.updated:4', 'hook', 'incident.updated', 'I-1', 'not json', 'failed', 0, 400);",
            )
            .unwrap();
        }
        let s = Store::open(&p).unwrap();
        let r = s.revisions("I-1").unwrap();
        assert_eq!(r.len(), 2, "{r:?}");
        assert_eq!((r[0].revision, r[0].at.timestamp()), (1, 100));
        assert!(r[0].changes.is_empty() && r[0].story_key.is_none());
        assert_eq!((r[1].revision, r[1].at.timestamp()), (3, 300));
        assert_eq!(r[1].changes, ["killed 9 → 14", "claimed by JNIM"]);
        assert!(
            s.revisions("K-1").unwrap().is_empty(),
            "imported incidents have none"
        );
        // the alerts of the incident, per channel, with their lists and revisions
        let a = s.alerts_of("I-1").unwrap();
        assert_eq!(a.len(), 4);
        assert_eq!(
            (a[2].channel.as_str(), a[2].revision, a[2].status),
            ("mail", Some(3), OutboxStatus::Pending)
        );
        assert_eq!(a[3].revision, None, "a body that is not JSON");
    }

    on_both!(revisions_stories_and_the_filtered_list, |s: Store| {
        let t = |secs: i64| DateTime::from_timestamp(1_700_000_000 + secs, 0).unwrap();
        let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
        let inc =
            |id: &str, country: &str, admin1: &str, date: &str, killed: Option<u32>| Incident {
                id: id.into(),
                country: Some(country.into()),
                admin1: Some(admin1.into()),
                event_date: day(date),
                killed,
                revision: 1,
                first_seen: t(0),
                last_seen: t(0),
                origin: "story".into(),
                ..Default::default()
            };
        s.transaction(|tx| {
            tx.put_incident(&inc("A", "NE", "Tillaberi", "2024-03-20", Some(23)))?;
            tx.put_incident(&inc("B", "NE", "Tahoua", "2024-03-01", Some(4)))?;
            tx.put_incident(&inc("C", "ML", "Mopti", "2024-03-21", None))?;
            tx.put_incident(&Incident {
                known: true,
                ..inc("K", "NE", "Tillaberi", "2024-03-22", Some(50))
            })?;
            for (key, id, published) in [("s1", "A", 10), ("s2", "A", 5), ("s3", "B", 20)] {
                tx.insert_story(&NewStory {
                    key,
                    feed: "f",
                    source: "Outlet",
                    url: Some("https://x.example/1"),
                    url_norm: None,
                    title: key,
                    language: Some("fr"),
                    published: Some(t(published)),
                    simhash: published as u64,
                    is_attack: true,
                    confidence: 0.9,
                    incident_id: Some(id),
                    analysis_json: "{}",
                    text: None,
                    fingerprint: None,
                })?;
            }
            tx.add_revision("A", 1, t(10), Some("s1"), &[])?;
            tx.add_revision("A", 2, t(20), Some("s2"), &["killed 9 → 23".to_string()])?;
            tx.add_revision("A", 2, t(30), Some("s3"), &["again".to_string()])?;
            let a = tx.incident("A")?.unwrap();
            tx.mark_told(&a, "niger", t(10))?;
            tx.mark_told(&a, "all", t(10))?;
            Ok(())
        })
        .unwrap();
        let r = s.revisions("A").unwrap();
        assert_eq!(r.len(), 2, "a revision is recorded once: {r:?}");
        assert_eq!(r[1].changes, ["killed 9 → 23"]);
        assert_eq!(r[1].story_title.as_deref(), Some("s2"));
        let st = s.story_details("A").unwrap();
        assert_eq!(
            st.iter().map(|d| d.story.key.as_str()).collect::<Vec<_>>(),
            ["s2", "s1"],
            "in publication order"
        );
        assert_eq!(st[0].language.as_deref(), Some("fr"));

        let ids = |f: IncidentFilter| -> Vec<String> {
            s.incidents_filtered(&f, 10)
                .unwrap()
                .into_iter()
                .map(|r| r.incident.id)
                .collect()
        };
        assert_eq!(
            ids(IncidentFilter::default()),
            ["C", "A", "B"],
            "newest first, imported left out"
        );
        let ne = |f: IncidentFilter| IncidentFilter {
            country: Some("NE".into()),
            ..f
        };
        assert_eq!(ids(ne(Default::default())), ["A", "B"]);
        assert_eq!(
            ids(ne(IncidentFilter {
                admin1: Some("Tahoua".into()),
                ..Default::default()
            })),
            ["B"]
        );
        assert_eq!(
            ids(IncidentFilter {
                since: day("2024-03-20"),
                ..Default::default()
            }),
            ["C", "A"]
        );
        assert_eq!(
            ids(IncidentFilter {
                min_killed: Some(5),
                ..Default::default()
            }),
            ["A"]
        );
        assert_eq!(
            ids(IncidentFilter {
                watchlist: Some("niger".into()),
                ..Default::default()
            }),
            ["A"]
        );
        let rows = s.incidents_filtered(&IncidentFilter::default(), 2).unwrap();
        assert_eq!(rows.len(), 2, "the limit");
        assert_eq!(
            (rows[1].stories, rows[1].watchlists.clone()),
            (2, vec!["all".to_string(), "niger".to_string()])
        );
        let f = s.facets().unwrap();
        assert_eq!(f.countries, ["ML", "NE"]);
        assert_eq!(
            f.regions,
            [
                ("ML".to_string(), "Mopti".to_string()),
                ("NE".to_string(), "Tahoua".to_string()),
                ("NE".to_string(), "Tillaberi".to_string())
            ]
        );
        assert_eq!(f.watchlists, ["all", "niger"]);
    });

    #[test]
    fn migration_4_moves_the_bands_of_stored_stories() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.db");
        let h: u64 = 0x0123_4567_89ab_cdef;
        {
            let conn = Connection::open(&p).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.execute_batch(MIGRATIONS[1]).unwrap();
            conn.execute_batch(MIGRATIONS[2]).unwrap();
            conn.pragma_update(None, "user_version", 3).unwrap();
            let b = bands(h);
            conn.execute(
                "INSERT INTO stories (key, feed, source, title, seen_at, simhash, band0, band1, band2, band3, is_attack, confidence, incident_id, analysis)
                 VALUES ('k-old', 'f', 's', 't', 0, ?1, ?2, ?3, ?4, ?5, 1, 0.9, 'I-1', '{}')",
                params![h as i64, b[0], b[1], b[2], b[3]],
            )
            .unwrap();
        }
        let s = Store::open(&p).unwrap();
        // three bits off, one in each of three bands: found through the fourth
        let near = h ^ (1 << 3) ^ (1 << 20) ^ (1 << 40);
        assert_eq!(
            s.read(|tx| tx.near_duplicate_story(near, 3)).unwrap(),
            Some(("k-old".to_string(), Some("I-1".to_string())))
        );
        let n: i64 = s
            .lock()
            .query_row("SELECT COUNT(*) FROM story_bands", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 4);
    }

    #[test]
    fn migration_5_leaves_stored_stories_unfingerprinted() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("state.db");
        {
            // a database of the previous version with one stored story
            let conn = Connection::open(&p).unwrap();
            for m in &MIGRATIONS[..4] {
                conn.execute_batch(m).unwrap();
            }
            conn.pragma_update(None, "user_version", 4).unwrap();
            conn.execute(
                "INSERT INTO stories (key, feed, source, title, seen_at, simhash, band0, band1, band2, band3, is_attack, confidence, incident_id, analysis)
                 VALUES ('k-old', 'f', 's', 't', 0, 7, 0, 0, 0, 0, 0, 0.5, NULL, '{}')",
                [],
            )
            .unwrap();
        }
        let s = Store::open(&p).unwrap();
        let version: i64 = s
            .lock()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version as usize, MIGRATIONS.len());
        // no fingerprint yet: never a reason to read it again
        assert_eq!(
            s.read(|tx| tx.story_known("k-old", None, "f", Some(1)))
                .unwrap(),
            Known::Unfingerprinted
        );
        let edits: i64 = s
            .lock()
            .query_row("SELECT edits FROM stories WHERE key = 'k-old'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(edits, 0);
    }

    on_both!(
        fingerprints_decide_which_stored_stories_are_read_again,
        |s: Store| {
            let story = |fingerprint, simhash| NewStory {
                key: "guid:f:1",
                feed: "f",
                source: "s",
                url: Some("https://x.example/1"),
                url_norm: Some("x.example/1"),
                title: "t",
                language: None,
                published: None,
                simhash,
                is_attack: false,
                confidence: 0.5,
                incident_id: None,
                analysis_json: "{}",
                text: None,
                fingerprint,
            };
            let known = |key: &str, url: Option<&str>, feed: &str, f: Option<u64>| {
                s.read(|tx| tx.story_known(key, url, feed, f)).unwrap()
            };
            // stored before fingerprints were kept
            s.transaction(|tx| tx.insert_story(&story(None, 7)))
                .unwrap();
            assert_eq!(
                known("guid:f:1", None, "f", Some(1)),
                Known::Unfingerprinted
            );
            assert_eq!(known("guid:f:1", None, "f", None), Known::Stored);
            s.transaction(|tx| tx.fill_fingerprint("guid:f:1", 1))
                .unwrap();
            assert_eq!(known("guid:f:1", None, "f", Some(1)), Known::Stored);
            assert_eq!(
                known("guid:f:1", None, "f", Some(2)),
                Known::Changed(Prior {
                    title: "t".into(),
                    incident_id: None,
                    edits: 0
                })
            );
            // the same key from another feed, or the same link under another key
            assert_eq!(known("guid:f:1", None, "g", Some(2)), Known::Stored);
            assert_eq!(
                known("guid:f:2", Some("x.example/1"), "f", Some(2)),
                Known::Stored
            );
            assert_eq!(
                known("guid:f:2", Some("x.example/2"), "f", Some(2)),
                Known::New
            );
            // read again: the new text is the stored one, found by its new hash
            s.transaction(|tx| tx.revise_story(&story(Some(2), !7)))
                .unwrap();
            assert_eq!(known("guid:f:1", None, "f", Some(2)), Known::Stored);
            let near = |h| s.read(|tx| tx.near_duplicate_story(h, 0)).unwrap();
            assert_eq!(near(!7), Some(("guid:f:1".to_string(), None)));
            assert_eq!(near(7), None);
            // no more than MAX_STORY_EDITS times
            for f in 3..(MAX_STORY_EDITS as u64 + 2) {
                assert!(matches!(
                    known("guid:f:1", None, "f", Some(f)),
                    Known::Changed(_)
                ));
                s.transaction(|tx| tx.revise_story(&story(Some(f), 7)))
                    .unwrap();
            }
            assert_eq!(known("guid:f:1", None, "f", Some(99)), Known::Stored);
        }
    );

    on_both!(near_duplicates_found_by_band, |s: Store| {
        let h: u64 = 0xdead_beef_1234_5678;
        s.transaction(|tx| {
            tx.insert_story(&NewStory {
                key: "k1",
                feed: "f",
                source: "s",
                url: None,
                url_norm: None,
                title: "t",
                language: None,
                published: None,
                simhash: h,
                is_attack: true,
                confidence: 0.9,
                incident_id: Some("I-1"),
                analysis_json: "{}",
                text: None,
                fingerprint: None,
            })
        })
        .unwrap();
        let near = s
            .transaction(|tx| tx.near_duplicate_story(h ^ 0b1011, 3))
            .unwrap();
        assert_eq!(near, Some(("k1".to_string(), Some("I-1".to_string()))));
        let far = s.transaction(|tx| tx.near_duplicate_story(!h, 3)).unwrap();
        assert_eq!(far, None);
    });
}

#[cfg(test)]
mod pg_tests {
    use super::*;

    fn row<'a>(key: &'a str, channel: &'a str) -> NewOutbox<'a> {
        NewOutbox {
            idem_key: key,
            channel,
            event: "incident.new",
            incident_id: "I",
            payload: "{}",
            held_until: None,
            digest_group: None,
        }
    }

    #[test]
    fn postgres_migrations_apply_once_and_a_second_daemon_sees_the_state() {
        let Some(pg) = pg::test_database() else {
            return;
        };
        let a = Store::open_postgres(&pg).unwrap();
        assert_eq!(a.schema_version().unwrap() as usize, PG_MIGRATIONS.len());
        assert_eq!(PG_MIGRATIONS.len(), MIGRATIONS.len(), "the same migrations");
        a.save_feed_state(&FeedState {
            name: "a".into(),
            url: "http://x".into(),
            etag: Some("\"1\"".into()),
            ..Default::default()
        })
        .unwrap();
        // a second store on the same database (another daemon): no migration again
        let b = Store::open_postgres(&pg).unwrap();
        assert_eq!(b.schema_version().unwrap() as usize, PG_MIGRATIONS.len());
        assert_eq!(
            b.feed_state("a").unwrap().unwrap().etag.as_deref(),
            Some("\"1\"")
        );
        // a wrong password is refused, naming the server but not the password
        let wrong = PgSettings {
            password: Some("not-the-password".into()),
            ..pg.clone()
        };
        let e = format!("{:#}", Store::open_postgres(&wrong).err().unwrap());
        assert!(
            e.contains("127.0.0.1") && !e.contains("not-the-password"),
            "{e}"
        );
    }

    #[test]
    fn outbox_rows_claimed_by_one_daemon_are_skipped_by_another() {
        let Some(pg) = pg::test_database() else {
            return;
        };
        let a = Store::open_postgres(&pg).unwrap();
        let b = Store::open_postgres(&pg).unwrap();
        let now = Utc::now();
        a.transaction(|tx| {
            for i in 0..40 {
                tx.enqueue(&row(&format!("I-{i}:incident.new:1"), "hook"), now)?;
            }
            Ok(())
        })
        .unwrap();
        let got_a = a.due_outbox("hook", now, 10).unwrap();
        assert_eq!(got_a.len(), 10);
        // the same daemon gets its own claims again (a retry, a digest group)
        assert_eq!(a.due_outbox("hook", now, 10).unwrap(), got_a);
        let got_b = b.due_outbox("hook", now, 100).unwrap();
        assert_eq!(got_b.len(), 30, "the other daemon skips the claimed rows");
        assert!(got_b.iter().all(|r| !got_a.iter().any(|x| x.id == r.id)));
        // claims expire: after CLAIM_SECS another daemon may take them
        let later = now + chrono::Duration::seconds(CLAIM_SECS + 1);
        assert_eq!(b.due_outbox("hook", later, 100).unwrap().len(), 40);
        // a new leader lets go of every claim at once
        assert!(a.release_claims().unwrap() > 0);
        assert_eq!(a.due_outbox("hook", now, 100).unwrap().len(), 40);

        // claimed at the same time from many threads: every row exactly once
        let c = Store::open_postgres(&pg).unwrap();
        c.transaction(|tx| {
            for i in 0..400 {
                tx.enqueue(&row(&format!("J-{i}:incident.new:1"), "race"), now)?;
            }
            Ok(())
        })
        .unwrap();
        let seen = std::sync::Mutex::new(Vec::new());
        std::thread::scope(|sc| {
            for _ in 0..4 {
                sc.spawn(|| {
                    let s = Store::open_postgres(&pg).unwrap();
                    loop {
                        let rows = s.due_outbox("race", now, 7).unwrap();
                        if rows.is_empty() {
                            break;
                        }
                        s.mark_delivered(&rows.iter().map(|r| r.id).collect::<Vec<_>>(), now)
                            .unwrap();
                        seen.lock().unwrap().extend(rows.into_iter().map(|r| r.id));
                    }
                });
            }
        });
        let mut seen = seen.into_inner().unwrap();
        let n = seen.len();
        seen.sort();
        seen.dedup();
        assert_eq!((n, seen.len()), (400, 400), "each row claimed once");
    }

    #[test]
    fn tls_to_the_server_is_verified_never_downgraded() {
        let Some(pg) = pg::test_database() else {
            return;
        };
        let Ok(ca) = std::env::var("SAHEL_TEST_PG_CA") else {
            let why = "SAHEL_TEST_PG_CA is not set (no openssl for scripts/pg-test.sh): the TLS test is skipped";
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{why}");
            eprintln!("note: {why}");
            return;
        };
        let with = |q: &str, ca: Option<&str>| PgSettings {
            url: format!("{}{q}", pg.url),
            ca_file: ca.map(Into::into),
            ..pg.clone()
        };
        let ssl = |s: &Store| -> i64 {
            s.with(|c| {
                c.query_one(
                    "SELECT (CASE WHEN ssl THEN 1 ELSE 0 END)::bigint FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                    &[],
                )?
                .get(0)
            })
            .unwrap()
        };
        // the server's certificate verified against the test CA: TLS
        let s = Store::open_postgres(&with("?sslmode=require", Some(&ca))).unwrap();
        assert_eq!(ssl(&s), 1);
        assert_eq!(s.outbox_depth().unwrap(), 0);
        // the Mozilla roots do not know the test CA: refused, not downgraded to plain text
        for mode in ["?sslmode=require", "?sslmode=prefer"] {
            let e = format!(
                "{:#}",
                Store::open_postgres(&with(mode, None)).err().unwrap()
            );
            assert!(e.to_lowercase().contains("certificate"), "{mode}: {e}");
        }
        // no sslmode: plain text (what the URL says)
        assert_eq!(ssl(&Store::open_postgres(&pg).unwrap()), 0);
    }

    #[test]
    fn a_lost_connection_is_opened_again() {
        let Some(pg) = pg::test_database() else {
            return;
        };
        let s = Store::open_postgres(&pg).unwrap();
        let pid: i64 = s
            .with(|c| c.query_one("SELECT pg_backend_pid()::bigint", &[])?.get(0))
            .unwrap();
        let admin = Store::open_postgres(&pg).unwrap();
        admin
            .with(|c| {
                c.query(
                    "SELECT pg_terminate_backend(CAST(?1 AS INTEGER))::int",
                    &vals![pid],
                )
            })
            .unwrap();
        // the call that meets the dead connection may fail (or find it
        // closed and open another)...
        let backend = || -> Result<i64> {
            s.with(|c| c.query_one("SELECT pg_backend_pid()::bigint", &[])?.get(0))
        };
        let t0 = std::time::Instant::now();
        while backend().is_ok_and(|p| p == pid) {
            assert!(t0.elapsed().as_secs() < 10, "the connection was not ended");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        // ...the next one works, on a new connection
        assert_eq!(s.outbox_depth().unwrap(), 0);
        assert_ne!(backend().unwrap(), pid);
    }
}
