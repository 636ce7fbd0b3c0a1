//! `sahel-watch replay`: the pipeline over feed files, on a fresh in-memory
//! state, items in publication order, alerts printed as JSON lines.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use chrono::Utc;
use tracing::{error, info};

use crate::config::Config;
use crate::metrics::Metrics;
use crate::model::Story;
use crate::pipeline::{Pipeline, Settings, StoryStatus, UpdatePolicy};
use crate::source::parse::parse_feed;
use crate::store::Store;

pub struct ReplayOptions {
    pub config: Config,
    pub known_incidents: Vec<PathBuf>,
    pub feeds: Vec<PathBuf>,
    pub updates: UpdatePolicy,
}

/// What a replay did.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct ReplaySummary {
    pub files: usize,
    pub files_failed: usize,
    pub stories: usize,
    pub attack_stories: usize,
    pub incidents: usize,
    pub alerts: usize,
    /// Incidents the alerts are about.
    pub alerted_incidents: usize,
}

impl ReplaySummary {
    /// "12 alerts for 9 incidents".
    pub fn alerts_for_incidents(&self) -> String {
        alerts_for_incidents(self.alerts, self.alerted_incidents)
    }
}

/// "1 alert for 1 incident", "12 alerts for 9 incidents".
pub fn alerts_for_incidents(alerts: usize, incidents: usize) -> String {
    format!(
        "{alerts} alert{} for {incidents} incident{}",
        if alerts == 1 { "" } else { "s" },
        if incidents == 1 { "" } else { "s" }
    )
}

/// Read every feed file, process the stories in publication order, and write
/// each alert as one JSON line to `out`.
pub fn run(opts: &ReplayOptions, out: &mut impl Write) -> Result<ReplaySummary> {
    let gazetteer = crate::pipeline::load_gazetteer(&opts.config)?;
    let store = Arc::new(Store::open_in_memory()?);
    for k in opts
        .known_incidents
        .iter()
        .chain(opts.config.daemon.known_incidents.iter())
    {
        let incidents = crate::known::load(k, &gazetteer)?;
        let n = crate::known::import(&store, &incidents)?;
        info!(file = %k.display(), incidents = n, "known incidents imported");
    }
    let mut settings = Settings::new(&opts.config, gazetteer, false);
    settings.max_story_age = None;
    settings.updates = opts.updates;
    let pipeline = Pipeline::new(store, settings, Metrics::default());

    let mut summary = ReplaySummary {
        files: opts.feeds.len(),
        ..Default::default()
    };
    let mut alerted = std::collections::HashSet::new();
    let mut stories: Vec<Story> = Vec::new();
    for path in &opts.feeds {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        let parsed = std::fs::read(path)
            .with_context(|| format!("{}: cannot read", path.display()))
            .and_then(|bytes| {
                parse_feed(&bytes, &name, None, None).with_context(|| path.display().to_string())
            });
        match parsed {
            Ok(f) => stories.extend(f.stories),
            Err(e) => {
                error!("{e:#}");
                summary.files_failed += 1;
            }
        }
    }
    // publication order; undated stories last, in file order
    stories.sort_by_key(|s| (s.published.is_none(), s.published));
    for s in &stories {
        let now = s.published.unwrap_or_else(Utc::now);
        let outcome = pipeline
            .process(s, now)
            .with_context(|| format!("story {:?}", s.key))?;
        summary.stories += 1;
        match &outcome.status {
            StoryStatus::NewIncident { .. } => {
                summary.incidents += 1;
                summary.attack_stories += 1;
            }
            StoryStatus::Joined { .. } | StoryStatus::Known { .. } | StoryStatus::TooOld => {
                summary.attack_stories += 1
            }
            StoryStatus::Copy {
                incident: Some(_), ..
            } => summary.attack_stories += 1,
            _ => {}
        }
        for a in &outcome.alerts {
            serde_json::to_writer(&mut *out, a)?;
            out.write_all(b"\n")?;
            summary.alerts += 1;
            alerted.insert(a.incident.id.clone());
        }
    }
    summary.alerted_incidents = alerted.len();
    out.flush()?;
    Ok(summary)
}
