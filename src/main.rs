//! The `sahel-watch` command line.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};

use sahel_watch::config::Config;
use sahel_watch::pipeline::{self, UpdatePolicy};
use sahel_watch::{daemon, logging, replay, sink, store::Store};

#[derive(Parser)]
#[command(
    name = "sahel-watch",
    version,
    about = "Watches the news for violent attacks in the Sahel and alerts once per incident"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Updates {
    /// An incident.updated line for every story that joins an incident.
    All,
    /// Only the significant updates the configuration asks for.
    Configured,
    /// No incident.updated lines.
    None,
}

#[derive(Subcommand)]
enum Command {
    /// Run the daemon: poll feeds, classify, deduplicate, alert.
    Run {
        #[arg(long, short)]
        config: PathBuf,
        /// Overrides daemon.state_dir (e.g. to try the daemon without root).
        #[arg(long)]
        state_dir: Option<PathBuf>,
    },
    /// Run the pipeline over feed files on a fresh state and print the alerts as JSON lines.
    Replay {
        /// Configuration whose watch-lists apply (default: the five countries).
        #[arg(long, short)]
        config: Option<PathBuf>,
        /// CSV of incidents already known (alert columns or ACLED export); repeatable.
        #[arg(long = "known-incidents")]
        known_incidents: Vec<PathBuf>,
        /// Which incident.updated lines to print.
        #[arg(long, value_enum, default_value = "all")]
        updates: Updates,
        /// Feed files (RSS, Atom, JSON Feed).
        #[arg(required = true)]
        feeds: Vec<PathBuf>,
    },
    /// Classify one story (first line: title; the rest: text) and print the decision, facts and reasons.
    Classify {
        /// File with the story, or - for standard input.
        input: String,
        /// Publication time (RFC 3339); relative dates resolve against it (default: now).
        #[arg(long)]
        published: Option<String>,
        /// Language (en or fr), detected when absent.
        #[arg(long, value_parser = ["en", "fr"])]
        lang: Option<String>,
        /// A configuration whose gazetteer additions and countries apply.
        #[arg(long, short)]
        config: Option<PathBuf>,
    },
    /// Validate a configuration, explain what it does and warn about risky values.
    CheckConfig {
        file: PathBuf,
        /// Missing secret environment variables are errors, not warnings.
        #[arg(long)]
        strict: bool,
    },
    /// What the incident store knows.
    Incidents {
        #[arg(long, short)]
        config: PathBuf,
        /// The daemon's --state-dir, if it runs with one (overrides daemon.state_dir).
        #[arg(long)]
        state_dir: Option<PathBuf>,
        #[command(subcommand)]
        action: Option<IncidentsAction>,
    },
    /// Every feed with last success, last error, next poll and items seen.
    Feeds {
        #[arg(long, short)]
        config: PathBuf,
        /// The daemon's --state-dir, if it runs with one (overrides daemon.state_dir).
        #[arg(long)]
        state_dir: Option<PathBuf>,
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Widen the gazetteer.
    Gazetteer {
        #[command(subcommand)]
        action: GazetteerAction,
    },
    /// The alerts waiting or failed, and queuing failed ones again.
    Outbox {
        #[command(subcommand)]
        action: OutboxAction,
    },
    /// Move a state from one store to another.
    Store {
        #[command(subcommand)]
        action: StoreAction,
    },
    /// Send a sample alert through one channel.
    TestAlert {
        #[arg(long, short)]
        config: PathBuf,
        #[arg(long)]
        channel: String,
    },
}

#[derive(Subcommand)]
enum IncidentsAction {
    /// Recent incidents.
    List {
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Include imported (known) incidents.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// One incident with its stories.
    Show { id: String },
}

#[derive(Subcommand)]
enum OutboxAction {
    /// What waits (pending, held) and what failed, with the last error.
    List {
        #[arg(long, short)]
        config: PathBuf,
        /// Only this channel.
        #[arg(long)]
        channel: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Queue failed alerts again (e.g. after fixing an address an SMTP server refused).
    Retry {
        #[arg(long, short)]
        config: PathBuf,
        /// Only this channel.
        #[arg(long)]
        channel: Option<String>,
        /// Only alerts that failed since then: RFC 3339 time, or a duration ago ("2h", "3days").
        #[arg(long)]
        since: Option<String>,
    },
}

#[derive(Subcommand)]
enum StoreAction {
    /// Copy a state (every story, incident, feed state and alert) into an empty
    /// store: `--from sqlite:/var/lib/sahel-watch/sahel-watch.sqlite --to
    /// postgres://sahel@db:5432/sahel`. Stop the daemon first.
    Migrate {
        /// sqlite:PATH (the state database of the daemon)
        #[arg(long)]
        from: String,
        /// postgres://user@host:port/database (created and migrated if empty)
        #[arg(long)]
        to: String,
        /// Environment variable holding the PostgreSQL password (default: PGPASSWORD, if set).
        #[arg(long)]
        password_env: Option<String>,
        /// File holding the PostgreSQL password.
        #[arg(long)]
        password_file: Option<PathBuf>,
        /// Certificates (PEM) that sign the server's, for sslmode=require (default: the Mozilla roots).
        #[arg(long)]
        ca_file: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum GazetteerAction {
    /// Import GeoNames country dumps (XX.txt) into the state directory.
    Import {
        #[arg(long, short)]
        config: Option<PathBuf>,
        /// GeoNames admin1CodesASCII.txt (default: beside the first dump).
        #[arg(long)]
        admin1: Option<PathBuf>,
        /// GeoNames admin2Codes.txt (default: beside the first dump, if present).
        #[arg(long)]
        admin2: Option<PathBuf>,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

/// `store migrate`: copy a SQLite state into a PostgreSQL store.
fn store_command(action: StoreAction) -> Result<ExitCode> {
    let StoreAction::Migrate {
        from,
        to,
        password_env,
        password_file,
        ca_file,
    } = action;
    let path = from.strip_prefix("sqlite:").unwrap_or(&from);
    let path = Path::new(path);
    if !path.is_file() {
        bail!("--from: no SQLite state at {}", path.display());
    }
    if !(to.starts_with("postgres://") || to.starts_with("postgresql://")) {
        bail!("--to: a postgres:// URL (postgres://user@host:5432/database)");
    }
    let password = match (password_env, password_file) {
        (Some(var), _) => Some(
            std::env::var(&var).map_err(|_| anyhow::anyhow!("--password-env: {var} is not set"))?,
        ),
        (None, Some(p)) => Some(
            std::fs::read_to_string(&p)
                .with_context(|| format!("--password-file {}", p.display()))?
                .trim_end_matches(['\n', '\r'])
                .to_string(),
        ),
        (None, None) => std::env::var("PGPASSWORD").ok(),
    };
    let source = Store::open(path)?;
    let target = Store::open_postgres(&sahel_watch::store::PgSettings {
        url: to.clone(),
        password,
        ca_file,
    })?;
    let counts = source.copy_into(&target)?;
    for (table, n) in &counts {
        println!("{table:<20} {n:>8} rows");
    }
    println!(
        "copied {} into {}; point [store] url at it and start the daemons",
        path.display(),
        sahel_watch::store::PgSettings {
            url: to,
            ..Default::default()
        }
        .display()
    );
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let log_format = match &cli.command {
        Command::Run { config, .. } => peek_log_format(config),
        _ => "auto".to_string(),
    };
    logging::init(&log_format);
    match dispatch(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sahel-watch: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// The log format before the configuration is validated (so that its errors are logged right).
fn peek_log_format(path: &Path) -> String {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .and_then(|t| {
            t.get("daemon")?
                .get("log_format")?
                .as_str()
                .map(String::from)
        })
        .unwrap_or_else(|| "auto".into())
}

fn load_config(path: &Path) -> Result<Config> {
    Ok(Config::load(path, &sahel_nlp::Gazetteer::embedded())?)
}

/// The state database for a read-only command: never created (nor its
/// directory); when absent, say where we looked and stop.
fn open_existing_store(config_path: &Path, state_dir: Option<&Path>) -> Result<Store> {
    let config = Config::load_for(config_path, &sahel_nlp::Gazetteer::embedded(), state_dir)?;
    if config.store.url.is_some() {
        return Store::open_at(&daemon::store_location(&config)?);
    }
    let db = daemon::db_path(&config);
    if !db.exists() {
        let from = match state_dir {
            Some(_) => "--state-dir".to_string(),
            None => format!("daemon.state_dir of {}", config_path.display()),
        };
        bail!(
            "no state database at {} (from {from}): the daemon has not run with this state directory yet; nothing was created (give the daemon's --state-dir if it runs with one)",
            db.display()
        );
    }
    Store::open(&db)
}

/// A time with its zone, for tables.
fn fmt_time(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| "-".into())
}

fn dispatch(cmd: Command) -> Result<ExitCode> {
    match cmd {
        Command::Run { config, state_dir } => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            let result = rt.block_on(daemon::run(&config, state_dir.as_deref()));
            // a blocking task still running (a hostile feed being parsed)
            // must not hold the exit past shutdown_grace: do not wait for it
            rt.shutdown_background();
            result?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Replay {
            config,
            known_incidents,
            updates,
            feeds,
        } => {
            let config = match config {
                Some(p) => load_config(&p)?,
                None => Config::builtin(),
            };
            let opts = replay::ReplayOptions {
                config,
                known_incidents,
                feeds,
                updates: match updates {
                    Updates::All => UpdatePolicy::EveryStory,
                    Updates::Configured => UpdatePolicy::Configured,
                    Updates::None => UpdatePolicy::Off,
                },
            };
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let s = replay::run(&opts, &mut out)?;
            tracing::info!(
                files = s.files,
                files_failed = s.files_failed,
                stories = s.stories,
                attack_stories = s.attack_stories,
                incidents = s.incidents,
                alerts = s.alerts,
                "replay done"
            );
            eprintln!(
                "replay: {} ({} stories, {} about attacks, from {} file(s))",
                s.alerts_for_incidents(),
                s.stories,
                s.attack_stories,
                s.files
            );
            Ok(if s.files_failed > 0 {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Classify {
            input,
            published,
            lang,
            config,
        } => {
            let mut text = String::new();
            if input == "-" {
                std::io::stdin().read_to_string(&mut text)?;
            } else {
                text = std::fs::read_to_string(&input)
                    .with_context(|| format!("{input}: cannot read"))?;
            }
            let text = text.trim_start();
            let (title, body) = text.split_once('\n').unwrap_or((text, ""));
            let published = match published {
                Some(p) => Some(
                    chrono::DateTime::parse_from_rfc3339(&p)
                        .with_context(|| format!("--published {p:?} is not RFC 3339"))?,
                ),
                None => Some(chrono::Utc::now().fixed_offset()),
            };
            let config = match config {
                Some(p) => load_config(&p)?,
                None => Config::builtin(),
            };
            let gaz = pipeline::load_gazetteer(&config)?;
            let engine = sahel_nlp::Engine::with_countries(gaz, &config.watched_countries());
            let analysis = engine.analyze(&sahel_nlp::Document {
                title: title.trim(),
                body: body.trim(),
                published,
                language: lang.as_deref(),
            });
            let mut out = std::io::stdout().lock();
            match writeln!(out, "{}", serde_json::to_string_pretty(&analysis)?) {
                // `classify ... | head` closes the pipe early: not an error
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                r => r?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::CheckConfig { file, strict } => {
            let config = load_config(&file)?;
            let review = config.review(strict);
            print!("{}", sahel_watch::daemon::explain(&config));
            if !review.warnings.is_empty() {
                println!("\nwarnings ({}):", review.warnings.len());
                for w in &review.warnings {
                    println!("  warning: {w}");
                    eprintln!("{}: warning: {w}", file.display());
                }
            }
            for e in &review.errors {
                eprintln!("{}: error: {e}", file.display());
            }
            Ok(if review.errors.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Incidents {
            config,
            state_dir,
            action,
        } => {
            let store = open_existing_store(&config, state_dir.as_deref())?;
            match action.unwrap_or(IncidentsAction::List {
                limit: 50,
                all: false,
                json: false,
            }) {
                IncidentsAction::List { limit, all, json } => {
                    let list = store.recent_incidents(limit, all)?;
                    if json {
                        println!("{}", serde_json::to_string_pretty(&list)?);
                    } else {
                        println!(
                            "{:<44} {:<10} {:<3} {:<18} {:<20} {:>6} {:>7}  stories",
                            "id", "date", "cc", "admin1", "location", "killed", "wounded"
                        );
                        for i in list {
                            let n = store.stories_of(&i.id)?.len();
                            println!(
                                "{:<44} {:<10} {:<3} {:<18} {:<20} {:>6} {:>7}  {}{}",
                                i.id,
                                i.event_date.map(|d| d.to_string()).unwrap_or_default(),
                                i.country.unwrap_or_default(),
                                i.admin1.unwrap_or_default(),
                                i.location.unwrap_or_default(),
                                i.killed.map(|k| k.to_string()).unwrap_or_default(),
                                i.wounded.map(|k| k.to_string()).unwrap_or_default(),
                                n,
                                if i.known { " (known)" } else { "" }
                            );
                        }
                    }
                }
                IncidentsAction::Show { id } => {
                    let Some(i) = store.incident(&id)? else {
                        bail!("no incident {id:?}")
                    };
                    let stories = store.stories_of(&id)?;
                    let told = store.read(|tx| tx.told(&id))?;
                    println!(
                        "{}",
                        serde_json::to_string_pretty(
                            &serde_json::json!({"incident": i, "stories": stories, "watchlists_told": told})
                        )?
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Feeds {
            config,
            state_dir,
            json,
        } => {
            let store = open_existing_store(&config, state_dir.as_deref())?;
            let config = load_config(&config)?;
            let states = store.feed_states()?;
            if json {
                let rows: Vec<_> = config
                    .feeds
                    .iter()
                    .map(|f| serde_json::json!({"name": f.name, "url": f.url, "state": states.iter().find(|s| s.name == f.name)}))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                println!(
                    "{:<28} {:<23} {:<23} {:>6} {:>8}  last error",
                    "feed", "last success", "next poll", "fails", "items"
                );
                let fmt = fmt_time;
                for f in &config.feeds {
                    let s = states
                        .iter()
                        .find(|s| s.name == f.name)
                        .cloned()
                        .unwrap_or_default();
                    println!(
                        "{:<28} {:<23} {:<23} {:>6} {:>8}  {}",
                        f.name,
                        fmt(s.last_success),
                        fmt(s.next_poll),
                        s.failures,
                        s.items_seen,
                        s.last_error.unwrap_or_default()
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Store { action } => store_command(action),
        Command::Gazetteer {
            action:
                GazetteerAction::Import {
                    config,
                    admin1,
                    admin2,
                    files,
                },
        } => {
            let config = match config {
                Some(p) => load_config(&p)?,
                None => Config::builtin(),
            };
            let dir = files[0].parent().map(Path::to_path_buf).unwrap_or_default();
            let admin1 = admin1.unwrap_or_else(|| dir.join("admin1CodesASCII.txt"));
            let admin2 =
                admin2.or_else(|| Some(dir.join("admin2Codes.txt")).filter(|p| p.exists()));
            let places = sahel_nlp::geonames::import_files(&files, &admin1, admin2.as_deref())?;
            let out = pipeline::imported_gazetteer_path(&config);
            std::fs::create_dir_all(&config.daemon.state_dir)
                .with_context(|| format!("creating {}", config.daemon.state_dir.display()))?;
            let tmp = out.with_extension("tsv.tmp");
            {
                let mut w = std::io::BufWriter::new(
                    std::fs::File::create(&tmp)
                        .with_context(|| format!("writing {}", tmp.display()))?,
                );
                sahel_nlp::geonames::write_tsv(&places, &mut w)?;
                std::io::Write::flush(&mut w)?;
            }
            std::fs::rename(&tmp, &out)?;
            println!(
                "imported {} places from {} file(s) into {}",
                places.len(),
                files.len(),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Outbox { action } => outbox(action),
        Command::TestAlert { config, channel } => {
            let config = load_config(&config)?;
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(sink::send_test_alert(&config, &channel))?;
            println!("sample alert sent through channel {channel:?}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `--since`: an RFC 3339 time, or a duration before now.
fn parse_since(
    v: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<chrono::DateTime<chrono::Utc>> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&chrono::Utc));
    }
    let d = humantime::parse_duration(v)
        .with_context(|| format!("--since {v:?}: neither an RFC 3339 time nor a duration"))?;
    Ok(now - chrono::Duration::from_std(d).context("--since: duration too long")?)
}

fn outbox(action: OutboxAction) -> Result<ExitCode> {
    match action {
        OutboxAction::List {
            config,
            channel,
            json,
        } => {
            let config = load_config(&config)?;
            let store = Store::open_at(&daemon::store_location(&config)?)?;
            let rows = store.undelivered_outbox(channel.as_deref())?;
            if json {
                let rows: Vec<_> = rows
                    .iter()
                    .map(|r| {
                        serde_json::json!({
                            "id": r.id, "channel": r.channel, "event": r.event,
                            "incident": r.incident_id, "status": r.status,
                            "attempts": r.attempts, "created_at": r.created_at,
                            "next_attempt": r.next_attempt, "settled_at": r.settled_at,
                            "last_error": r.last_error,
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&rows)?);
                return Ok(ExitCode::SUCCESS);
            }
            let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M:%S").to_string();
            println!(
                "{:>6} {:<16} {:<8} {:<17} {:<44} {:>8} {:<20}  last error",
                "id", "channel", "status", "event", "incident", "attempts", "due / failed at"
            );
            for r in &rows {
                let status = serde_json::to_value(r.status)?;
                let when = match r.status {
                    sahel_watch::store::OutboxStatus::Failed => {
                        r.settled_at.map(fmt).unwrap_or_default()
                    }
                    _ => fmt(r.next_attempt),
                };
                println!(
                    "{:>6} {:<16} {:<8} {:<17} {:<44} {:>8} {:<20}  {}",
                    r.id,
                    r.channel,
                    status.as_str().unwrap_or("?"),
                    r.event,
                    r.incident_id,
                    r.attempts,
                    when,
                    r.last_error.as_deref().unwrap_or("")
                );
            }
            let failed = rows
                .iter()
                .filter(|r| r.status == sahel_watch::store::OutboxStatus::Failed)
                .count();
            println!(
                "{} waiting, {} failed{}",
                rows.len() - failed,
                failed,
                if failed > 0 {
                    " (queue them again with `sahel-watch outbox retry`)"
                } else {
                    ""
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        OutboxAction::Retry {
            config,
            channel,
            since,
        } => {
            let path = config;
            let config = load_config(&path)?;
            if let Some(ch) = &channel {
                if !config.effective_channels().contains(ch) {
                    bail!("no channel {ch:?} in {}", path.display());
                }
            }
            let now = chrono::Utc::now();
            let since = since.map(|s| parse_since(&s, now)).transpose()?;
            let store = Store::open_at(&daemon::store_location(&config)?)?;
            let n = store.requeue_failed(channel.as_deref(), since, now)?;
            println!(
                "{n} failed alert(s) queued again; a running daemon sends them within {} s",
                15
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
