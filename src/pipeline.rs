//! The processing stage: one story in, zero or more alerts out.
//!
//! For each story: skip it if seen (key, normalised link, or near-identical
//! text); classify and extract with `sahel_nlp`; for an attack story, match
//! it against known incidents ([`crate::dedup`]); create or update the
//! incident; route alerts through the watch-lists; and — in the same SQLite
//! transaction — record the story, the incident and the outbox rows. A crash
//! before the commit loses nothing (the feed is re-fetched); after it, the
//! outbox still holds the alert.

use std::sync::{Arc, RwLock};

use anyhow::{Context, Result};
use chrono::{DateTime, Duration, Utc};
use sahel_nlp::{Analysis, Document, Engine, Gazetteer};
use serde::Serialize;

use crate::config::{AlertsConfig, Config, DedupConfig};
use crate::dedup::{self, StoryEvidence, NEAR_DUPLICATE_BITS};
use crate::metrics::Metrics;
use crate::model::{Alert, AlertEvent, IncidentView, Story, StoryRef, ALERT_SCHEMA};
use crate::source::parse::story_url_norm;
use crate::store::{Incident, Known, NewOutbox, NewStory, Store, Told, Tx, MAX_STORY_EDITS};
use crate::watchlist::{MatchInput, Watchlist, Watchlists};

/// Which `incident.updated` alerts to produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdatePolicy {
    /// As configured: significant updates, for watch-lists with updates on.
    Configured,
    /// One for every story that joins an incident (replay's default, so the
    /// output accounts for every attack story).
    EveryStory,
    /// None.
    Off,
}

/// What happened to a story.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum StoryStatus {
    /// Already processed (same key or link).
    Seen,
    /// A copy of a stored story (near-identical text); joined its incident if any.
    Copy {
        of: String,
        incident: Option<String>,
    },
    NotAttack,
    /// An attack story older than `daemon.max_story_age`: recorded, not alerted.
    TooOld,
    NewIncident {
        incident: String,
    },
    Joined {
        incident: String,
        score: f64,
    },
    /// Joined an incident the user imported as known: no alert.
    Known {
        incident: String,
    },
    /// From a feed's first successful poll and published before
    /// `daemon.first_poll_max_age`: stored with its incident, not alerted.
    HeldBack {
        incident: String,
    },
    /// Stored before, and its feed changed its text since: read again, the
    /// stored story replaced and its incident (if it is an attack story)
    /// updated as a story joining it would (see [`crate::store::Known`]).
    Revised {
        incident: Option<String>,
    },
}

#[derive(Debug)]
pub struct Outcome {
    pub status: StoryStatus,
    pub analysis: Option<Analysis>,
    /// Alerts produced (each also queued per channel when queueing is on).
    pub alerts: Vec<Alert>,
}

/// The parts of the configuration the pipeline uses; swapped on reload.
pub struct Settings {
    pub engine: Arc<Engine>,
    pub watchlists: Watchlists,
    pub alerts: AlertsConfig,
    pub dedup: DedupConfig,
    pub max_story_age: Option<std::time::Duration>,
    /// Stories of a feed's first successful poll older than this are not alerted.
    pub first_poll_max_age: std::time::Duration,
    pub updates: UpdatePolicy,
    /// Write outbox rows (the daemon) or only return alerts (replay).
    pub queue: bool,
}

impl Settings {
    pub fn new(config: &Config, gazetteer: Gazetteer, queue: bool) -> Settings {
        let watchlists = Watchlists::compile(config, &gazetteer);
        let engine = Arc::new(Engine::with_countries(
            gazetteer,
            &config.watched_countries(),
        ));
        Settings {
            engine,
            watchlists,
            alerts: config.alerts.clone(),
            dedup: config.dedup.clone(),
            max_story_age: Some(config.daemon.max_story_age),
            first_poll_max_age: config.daemon.first_poll_max_age,
            updates: UpdatePolicy::Configured,
            queue,
        }
    }
}

/// Stories an alert lists (the earliest); an incident may have more.
const MAX_ALERT_STORIES: usize = 50;
/// How many of an incident's latest story tolls its toll is voted from.
const TOLL_VOTES: usize = 50;

pub struct Pipeline {
    store: Arc<Store>,
    settings: RwLock<Arc<Settings>>,
    metrics: Metrics,
}

/// The document the engine sees for a story.
pub fn document(story: &Story) -> Document<'_> {
    Document {
        title: &story.title,
        body: &story.text,
        published: story.published_local(),
        language: story.language.as_deref(),
    }
}

impl Pipeline {
    pub fn new(store: Arc<Store>, settings: Settings, metrics: Metrics) -> Pipeline {
        Pipeline {
            store,
            settings: RwLock::new(Arc::new(settings)),
            metrics,
        }
    }

    pub fn settings(&self) -> Arc<Settings> {
        self.settings
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Swap in new settings (SIGHUP); stories in flight finish with the old ones.
    pub fn reload(&self, settings: Settings) {
        *self.settings.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(settings);
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Process one story; `now` is the wall clock (replay passes the story's
    /// publication time so that ages and holds are relative to it).
    pub fn process(&self, story: &Story, now: DateTime<Utc>) -> Result<Outcome> {
        self.process_with(story, now, false)
    }

    /// Process a story of a feed's first successful poll: stored and joined
    /// to its incident like any other, but alerted only when published within
    /// `max_age` (a new feed's backlog is not news).
    pub fn process_first_poll(
        &self,
        story: &Story,
        now: DateTime<Utc>,
        max_age: std::time::Duration,
    ) -> Result<Outcome> {
        self.process_with(story, now, held_back(story, now, Some(max_age)))
    }

    fn process_with(&self, story: &Story, now: DateTime<Utc>, hold: bool) -> Result<Outcome> {
        let st = self.settings();
        let prep = prepare(&st, story, now, false);
        let outcome = self
            .store
            .transaction(|tx| self.process_in(tx, &st, story, prep, now, hold))?;
        Ok(fate(story, outcome, hold))
    }

    /// Process a prefix of `stories` in one transaction: all of it is
    /// stored, or none (an error names the story). Stories are taken until
    /// `budget` has passed (at least one): one commit (one fsync) for many
    /// stories, while the database is never held long from the delivery
    /// worker (which records a delivery only once it gets the database: the
    /// longer it waits, the wider the window in which a crash repeats an
    /// alert). Returns the outcomes of the prefix processed.
    ///
    /// `first_poll_max_age`: the stories are of a feed's first successful
    /// poll, and those published before it are stored but not alerted (as
    /// [`Pipeline::process_first_poll`]).
    pub fn process_batch(
        &self,
        stories: &[Story],
        now: DateTime<Utc>,
        budget: std::time::Duration,
        first_poll_max_age: Option<std::time::Duration>,
    ) -> Result<Vec<Outcome>> {
        let st = self.settings();
        self.batch_in(&st, stories, &mut None, now, budget, first_poll_max_age)
    }

    /// Work out what needs no database for `stories` (classification and
    /// extraction above all) on another thread, in order and a little
    /// ahead, while `f` stores them with [`Pipeline::process_batch_ahead`]:
    /// the analysis of the next stories overlaps the writes of the last.
    /// The settings are those of the start for all of `stories`.
    pub fn prepared_ahead<R>(
        &self,
        stories: &[Story],
        now: DateTime<Utc>,
        f: impl FnOnce(&mut Ahead) -> R,
    ) -> R {
        let st = self.settings();
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel(PREPARE_AHEAD);
            let worker_st = st.clone();
            let worker = std::thread::Builder::new()
                .name("sw-prepare".into())
                .spawn_scoped(scope, move || {
                    for s in stories {
                        // the receiver gone: the batch was cut short
                        if tx.send(prepare(&worker_st, s, now, true)).is_err() {
                            return;
                        }
                    }
                });
            let mut ahead = Ahead {
                settings: st,
                rx: worker.is_ok().then_some(rx),
            };
            let out = f(&mut ahead);
            // the thread stops at its next story (the scope waits for it)
            drop(ahead);
            out
        })
    }

    /// [`Pipeline::process_batch`] for stories prepared by
    /// [`Pipeline::prepared_ahead`]: `stories` are the next of those it was
    /// given, in the same order.
    pub fn process_batch_ahead(
        &self,
        ahead: &mut Ahead,
        stories: &[Story],
        now: DateTime<Utc>,
        budget: std::time::Duration,
        first_poll_max_age: Option<std::time::Duration>,
    ) -> Result<Vec<Outcome>> {
        let st = ahead.settings.clone();
        self.batch_in(&st, stories, &mut ahead.rx, now, budget, first_poll_max_age)
    }

    fn batch_in(
        &self,
        st: &Settings,
        stories: &[Story],
        ahead: &mut Option<std::sync::mpsc::Receiver<Prepared>>,
        now: DateTime<Utc>,
        budget: std::time::Duration,
        first_poll_max_age: Option<std::time::Duration>,
    ) -> Result<Vec<Outcome>> {
        let start = std::time::Instant::now();
        let outcomes = self.store.transaction(|tx| {
            let mut out = Vec::new();
            for s in stories {
                if !out.is_empty() && start.elapsed() >= budget {
                    break;
                }
                let prep = match ahead.as_ref().map(|rx| rx.recv()) {
                    Some(Ok(p)) => p,
                    // the preparing thread is gone (it panicked): prepare here
                    Some(Err(_)) => {
                        *ahead = None;
                        prepare(st, s, now, false)
                    }
                    None => prepare(st, s, now, false),
                };
                debug_assert_eq!(prep.key, s.key, "prepared out of order");
                let hold = held_back(s, now, first_poll_max_age);
                let o = self
                    .process_in(tx, st, s, prep, now, hold)
                    .with_context(|| format!("story {:?} of feed {:?}", s.key, s.feed))?;
                out.push((o, hold));
            }
            Ok(out)
        })?;
        Ok(stories
            .iter()
            .zip(outcomes)
            .map(|(s, (o, hold))| fate(s, o, hold))
            .collect())
    }

    fn process_in(
        &self,
        tx: &Tx<'_>,
        st: &Settings,
        story: &Story,
        prep: Prepared,
        now: DateTime<Utc>,
        hold: bool,
    ) -> Result<Outcome> {
        let Prepared {
            fixed,
            undated,
            url_norm,
            hash,
            word_count,
            analysis,
            ..
        } = prep;
        let story = fixed.as_ref().unwrap_or(story);
        let stored_published = if undated { None } else { story.published };

        // stored already: skipped, unless its feed changed its text since
        let prior = match tx.story_known(
            &story.key,
            url_norm.as_deref(),
            &story.feed,
            story.fingerprint,
        )? {
            Known::New => None,
            Known::Changed(prior) => Some(prior),
            known => {
                if let (Known::Unfingerprinted, Some(f)) = (&known, story.fingerprint) {
                    tx.fill_fingerprint(&story.key, f)?;
                }
                return Ok(Outcome {
                    status: StoryStatus::Seen,
                    analysis: None,
                    alerts: vec![],
                });
            }
        };
        // the same text again under another guid or link (wire copies); a
        // story read again would find itself
        if word_count >= 25 && prior.is_none() {
            if let Some((of, incident)) = tx.near_duplicate_story(hash, NEAR_DUPLICATE_BITS)? {
                return self.record_copy(
                    tx,
                    st,
                    story,
                    url_norm.as_deref(),
                    hash,
                    of,
                    incident,
                    hold,
                    now,
                );
            }
        }
        let (analysis, analysis_json) = match analysis {
            Some(a) => a,
            None => analyse(st, story)?,
        };
        self.metrics.stories.inc();
        let mut new_story = NewStory {
            key: &story.key,
            feed: &story.feed,
            source: &story.source,
            url: story.url.as_deref(),
            url_norm: url_norm.as_deref(),
            title: &story.title,
            language: Some(analysis.language.as_str()),
            published: stored_published,
            simhash: hash,
            is_attack: analysis.is_attack,
            confidence: analysis.confidence,
            // a story read again stays with its incident, whatever it says now
            incident_id: prior.as_ref().and_then(|p| p.incident_id.as_deref()),
            analysis_json: &analysis_json,
            text: Some(&story.text),
            fingerprint: story.fingerprint,
        };
        // a story read again replaces its stored version
        let save = |s: &NewStory<'_>| match &prior {
            None => tx.insert_story(s),
            Some(p) => {
                if p.edits + 1 == MAX_STORY_EDITS {
                    tracing::info!(
                        story = %story.key, feed = %story.feed, edits = MAX_STORY_EDITS,
                        "the text of this item keeps changing: further changes are ignored"
                    );
                }
                tx.revise_story(s)
            }
        };
        let revised = |incident: Option<&str>| StoryStatus::Revised {
            incident: incident.map(str::to_string),
        };
        let facts = match (&analysis.facts, analysis.is_attack) {
            (Some(f), true) => f.clone(),
            _ => {
                save(&new_story)?;
                return Ok(Outcome {
                    status: match &prior {
                        None => StoryStatus::NotAttack,
                        Some(_) => revised(new_story.incident_id),
                    },
                    analysis: Some(analysis),
                    alerts: vec![],
                });
            }
        };
        self.metrics.attack_stories.inc();
        if let (Some(max), Some(p)) = (st.max_story_age, story.published) {
            if now - p > Duration::from_std(max).unwrap_or(Duration::MAX) {
                save(&new_story)?;
                return Ok(Outcome {
                    status: StoryStatus::TooOld,
                    analysis: Some(analysis),
                    alerts: vec![],
                });
            }
        }
        let places = dedup::places_named(&analysis, st.engine.gazetteer());
        let evidence = StoryEvidence {
            places: &places,
            facts: &facts,
            simhash: hash,
            published: story.published,
        };
        let day = dedup::story_day(&evidence);
        // a story read again updates the incident it is part of (it never
        // opens a second one); a new story, or one that was no attack
        // before, is matched
        let own = match new_story.incident_id {
            Some(id) => tx.incident(id)?,
            None => None,
        };
        let (best, all) = match &own {
            Some(_) => (None, vec![]),
            None => dedup::best_match(
                tx,
                &evidence,
                st.dedup.window_days,
                st.dedup.match_threshold,
            )?,
        };
        for m in all.iter().take(3) {
            tracing::debug!(
                story = %story.key,
                incident = %m.incident_id,
                score = m.score,
                reasons = ?m.reasons,
                "match candidate"
            );
        }
        let joined = match (own, best) {
            (Some(inc), _) => Some((inc, None)),
            (None, Some(m)) => Some((
                tx.incident(&m.incident_id)?.expect("candidate exists"),
                Some(m.score),
            )),
            (None, None) => None,
        };
        let (status, alerts) = match joined {
            Some((mut inc, score)) => {
                let others = tx.story_tolls(&inc.id, &story.key, TOLL_VOTES)?;
                let changes = dedup::merge(
                    &mut inc,
                    &facts,
                    day,
                    analysis.confidence,
                    hash,
                    &others,
                    now,
                );
                for p in &places {
                    if !inc.places.contains(p) && inc.places.len() < 64 {
                        inc.places.push(p.clone());
                    }
                }
                if prior
                    .as_ref()
                    .is_some_and(|p| inc.title.as_ref() == Some(&p.title))
                {
                    // the story the incident was opened with: its title and
                    // summary are the new text's
                    inc.title = Some(story.title.clone());
                    inc.summary = Some(summary_of(&story.text));
                }
                new_story.incident_id = Some(&inc.id);
                save(&new_story)?;
                if !changes.is_empty() {
                    tx.add_revision(&inc.id, inc.revision, now, Some(&story.key), &changes)?;
                }
                let alerts = if inc.known {
                    vec![]
                } else {
                    self.alerts_for(tx, st, &mut inc, changes, false, hold, now)?
                };
                tx.put_incident(&inc)?;
                let id = inc.id.clone();
                let status = match (&prior, score) {
                    (Some(_), _) => revised(Some(&id)),
                    (None, _) if inc.known => StoryStatus::Known { incident: id },
                    (None, score) => StoryStatus::Joined {
                        incident: id,
                        score: score.unwrap_or_default(),
                    },
                };
                (status, alerts)
            }
            None => {
                let id = dedup::incident_id(&facts, day, &story.key);
                let mut inc = dedup::new_incident(
                    id,
                    &facts,
                    day,
                    dedup::FirstStory {
                        places: &places,
                        title: &story.title,
                        summary: &summary_of(&story.text),
                        simhash: hash,
                        confidence: analysis.confidence,
                    },
                    now,
                );
                new_story.incident_id = Some(&inc.id);
                save(&new_story)?;
                tx.add_revision(&inc.id, inc.revision, now, Some(&story.key), &[])?;
                self.metrics.incidents.inc();
                let alerts = self.alerts_for(tx, st, &mut inc, vec![], true, hold, now)?;
                tx.put_incident(&inc)?;
                let id = inc.id.clone();
                let status = match &prior {
                    Some(_) => revised(Some(&id)),
                    None => StoryStatus::NewIncident { incident: id },
                };
                (status, alerts)
            }
        };
        Ok(Outcome {
            status,
            analysis: Some(analysis),
            alerts,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn record_copy(
        &self,
        tx: &Tx<'_>,
        st: &Settings,
        story: &Story,
        url_norm: Option<&str>,
        hash: u64,
        of: String,
        incident: Option<String>,
        hold: bool,
        now: DateTime<Utc>,
    ) -> Result<Outcome> {
        tx.insert_story(&NewStory {
            key: &story.key,
            feed: &story.feed,
            source: &story.source,
            url: story.url.as_deref(),
            url_norm,
            title: &story.title,
            language: story.language.as_deref(),
            published: story.published,
            simhash: hash,
            is_attack: incident.is_some(),
            confidence: 1.0,
            incident_id: incident.as_deref(),
            analysis_json: &serde_json::json!({"copy_of": of}).to_string(),
            text: Some(&story.text),
            fingerprint: story.fingerprint,
        })?;
        let mut alerts = vec![];
        if let Some(id) = &incident {
            if let Some(mut inc) = tx.incident(id)? {
                inc.last_seen = now;
                if !inc.known {
                    alerts = self.alerts_for(tx, st, &mut inc, vec![], false, hold, now)?;
                }
                tx.put_incident(&inc)?;
            }
        }
        Ok(Outcome {
            status: StoryStatus::Copy { of, incident },
            analysis: None,
            alerts,
        })
    }

    /// Decide which alerts an incident change produces, route and queue them.
    ///
    /// Every watch-list has its own "new": an incident is `incident.new` to a
    /// list the first time it matches it, whatever other lists were told; a
    /// list already told gets `incident.updated` when the incident changed
    /// significantly since what *it* was told (and it wants updates).
    #[allow(clippy::too_many_arguments)]
    fn alerts_for(
        &self,
        tx: &Tx<'_>,
        st: &Settings,
        inc: &mut Incident,
        changes: Vec<String>,
        is_new: bool,
        hold: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<Alert>> {
        if hold || st.watchlists.lists().is_empty() {
            return Ok(vec![]);
        }
        let told = if is_new { vec![] } else { tx.told(&inc.id)? };
        let told_of = |w: &Watchlist| told.iter().find(|t| t.watchlist == w.name);
        let wants_update = |w: &Watchlist| match (st.updates, told_of(w)) {
            (_, None) | (UpdatePolicy::Off, _) => false,
            (UpdatePolicy::EveryStory, Some(_)) => true,
            (UpdatePolicy::Configured, Some(t)) => w.updates && self.significant(st, inc, t),
        };
        // a list already told of the incident hears of it again only with an
        // update it wants: whether the others match does not matter, and
        // they are not matched (their keywords not searched)
        let open: Vec<&Watchlist> = st
            .watchlists
            .lists()
            .iter()
            .filter(|w| told_of(w).is_none() || wants_update(w))
            .collect();
        if open.is_empty() {
            return Ok(vec![]);
        }
        // the incident's stories are read only when something needs them:
        // languages and texts when a list matches on them, the stories an
        // alert lists once there is an alert (an incident with thousands of
        // stories is joined by each of them, mostly without an alert)
        let mut listed = None;
        let mut languages: Vec<String> = Vec::new();
        if open.iter().any(|w| w.uses_languages()) {
            let l = tx.alert_stories(&inc.id, MAX_ALERT_STORIES)?;
            for lang in l.iter().filter_map(|(_, l)| l.clone()) {
                if !languages.contains(&lang) {
                    languages.push(lang);
                }
            }
            listed = Some(l);
        }
        // keywords search the titles and full texts of the first and the
        // latest stories (bounded, as the stories listed)
        let text = if open.iter().any(|w| w.uses_text()) {
            tx.story_texts(&inc.id, MAX_ALERT_STORIES)?.join("\n")
                + "\n"
                + inc.summary.as_deref().unwrap_or("")
        } else {
            String::new()
        };
        let input = MatchInput {
            incident: inc,
            text: &text,
            languages: &languages,
        };
        let matched: Vec<&Watchlist> = open
            .into_iter()
            .filter(|w| st.watchlists.matches(w, &input))
            .collect();
        let new_to: Vec<&Watchlist> = matched
            .iter()
            .copied()
            .filter(|w| told_of(w).is_none())
            .collect();
        let update_to: Vec<&Watchlist> = matched
            .iter()
            .copied()
            .filter(|w| told_of(w).is_some())
            .collect();
        if new_to.is_empty() && update_to.is_empty() {
            return Ok(vec![]);
        }
        let stories: Vec<crate::store::StoredStory> = match listed {
            Some(l) => l,
            None => tx.alert_stories(&inc.id, MAX_ALERT_STORIES)?,
        }
        .into_iter()
        .map(|(s, _)| s)
        .collect();
        if !update_to.is_empty() && st.updates == UpdatePolicy::EveryStory && changes.is_empty() {
            // a story joined without changing facts: a new revision all the same,
            // so the alert has its own idempotency key
            inc.revision += 1;
        }
        let mut alerts = Vec::new();
        for (event, targets) in [(AlertEvent::New, new_to), (AlertEvent::Updated, update_to)] {
            if targets.is_empty() {
                continue;
            }
            let alert = Alert {
                schema: ALERT_SCHEMA.to_string(),
                event,
                incident: incident_view(inc, &st.watchlists),
                stories: stories
                    .iter()
                    .map(|s| StoryRef {
                        title: s.title.clone(),
                        url: s.url.clone(),
                        source: s.source.clone(),
                        published: s.published,
                    })
                    .collect(),
                watchlists: targets.iter().map(|w| w.name.clone()).collect(),
                revision: inc.revision,
                changes: changes.clone(),
            };
            for w in &targets {
                tx.mark_told(inc, &w.name, now)?;
            }
            if st.queue {
                self.queue(tx, st, inc, &alert, &targets, now)?;
            }
            alerts.push(alert);
        }
        if !alerts.is_empty() {
            inc.alerted_revision = inc.revision;
            inc.alerted_killed = inc.killed;
            inc.alerted_claimed = inc.claimed;
        }
        Ok(alerts)
    }

    /// One outbox row per channel of the watch-lists an alert goes to.
    fn queue(
        &self,
        tx: &Tx<'_>,
        st: &Settings,
        inc: &Incident,
        alert: &Alert,
        targets: &[&Watchlist],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let routes = st.watchlists.route(targets, now, |group| {
            tx.alerts_since(group, now - Duration::hours(1))
                .unwrap_or(0)
        });
        let payload = serde_json::to_string(alert)?;
        let key = alert.idempotency_key();
        for r in routes {
            let mut a = alert.clone();
            a.watchlists = r.watchlists.clone();
            let payload = if a.watchlists == alert.watchlists {
                payload.clone()
            } else {
                serde_json::to_string(&a)?
            };
            let queued = tx.enqueue(
                &NewOutbox {
                    idem_key: &key,
                    channel: &r.channel,
                    event: alert.event.as_str(),
                    incident_id: &inc.id,
                    payload: &payload,
                    held_until: r.held_until,
                    digest_group: r.digest_group.as_deref(),
                },
                now,
            )?;
            if queued {
                self.metrics.alerts_queued.inc();
            }
        }
        Ok(())
    }

    /// Has the incident changed significantly since what a watch-list was told?
    fn significant(&self, st: &Settings, inc: &Incident, told: &Told) -> bool {
        let a = &st.alerts;
        if a.update_on_claim && inc.claimed && !told.claimed {
            return true;
        }
        match (told.killed, inc.killed) {
            (None, Some(k)) => k >= a.update_min_killed_increase,
            (Some(old), Some(new)) if new > old => {
                let inc_abs = new - old;
                inc_abs >= a.update_min_killed_increase
                    || (old > 0 && inc_abs as f64 / old as f64 >= a.update_min_killed_ratio)
            }
            _ => false,
        }
    }
}

/// Stories prepared ahead of the transaction that stores them, at most.
const PREPARE_AHEAD: usize = 256;

/// What the pipeline works out of a story without the database.
pub struct Prepared {
    key: String,
    /// The story with its publication time replaced (none, or one far in
    /// the future: the time seen); `None`: as it came.
    fixed: Option<Story>,
    /// It came without a publication time (stored without one).
    undated: bool,
    url_norm: Option<String>,
    hash: u64,
    word_count: usize,
    /// Classification and extraction, and their JSON (`None`: not done yet;
    /// a story already stored or a copy needs none).
    analysis: Option<(Analysis, String)>,
}

/// Stories being prepared on another thread ([`Pipeline::prepared_ahead`]).
pub struct Ahead {
    settings: Arc<Settings>,
    /// `None` when the thread could not be started: prepared in the transaction.
    rx: Option<std::sync::mpsc::Receiver<Prepared>>,
}

/// Work out what needs no database; `analyse_now`: classify and extract too.
fn prepare(st: &Settings, story: &Story, now: DateTime<Utc>, analyse_now: bool) -> Prepared {
    // a publication time far in the future (a broken feed) is no time at all:
    // the story is dated when we saw it
    let (fixed, undated) = match story.published {
        Some(p) if p > now + Duration::days(1) => {
            tracing::debug!(story = %story.key, published = %p, "publication date in the future; using the time seen");
            (
                Some(Story {
                    published: Some(now),
                    published_offset_secs: None,
                    ..story.clone()
                }),
                false,
            )
        }
        // no publication date (or one the feed parser could not read): the
        // text's own dates resolve against the time seen, and the story is
        // matched around that day, so it can join the dated reports of
        // its incident (it opened a second incident, alerted again).
        // Stored without a publication date, as it came.
        None => (
            Some(Story {
                published: Some(now),
                published_offset_secs: None,
                ..story.clone()
            }),
            true,
        ),
        _ => (None, false),
    };
    let s = fixed.as_ref().unwrap_or(story);
    Prepared {
        key: story.key.clone(),
        url_norm: story_url_norm(s),
        hash: dedup::simhash(&format!("{}\n{}", s.title, s.text)),
        word_count: s.text.split_whitespace().count() + s.title.split_whitespace().count(),
        // an analysis that cannot be written as JSON is an error of the
        // story's transaction, as before: done again there
        analysis: if analyse_now {
            analyse(st, s).ok()
        } else {
            None
        },
        fixed,
        undated,
    }
}

/// Classify and extract a story; the analysis and its JSON. A fault of the
/// engine on one story (a panic) is logged with the story and the story
/// stored as not read, so that it neither stops the daemon nor comes back
/// at every poll to stop it again.
fn analyse(st: &Settings, story: &Story) -> Result<(Analysis, String)> {
    let doc = document(story);
    let analysis = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        st.engine.analyze(&doc)
    }))
    .unwrap_or_else(|e| {
        let what = e
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| e.downcast_ref::<&str>().copied())
            .unwrap_or("panic");
        let what: String = what.chars().take(300).collect();
        tracing::error!(
            feed = %story.feed, story = %story.key, url = story.url.as_deref().unwrap_or(""),
            error = %what,
            "the engine failed on this story; it is stored as not read (please report it)"
        );
        unread(&what)
    });
    let json = serde_json::to_string(&analysis)?;
    Ok((analysis, json))
}

/// The analysis of a story the engine failed on: no attack, the fault as its reason.
fn unread(error: &str) -> Analysis {
    Analysis {
        is_attack: false,
        confidence: 0.0,
        language: String::new(),
        facts: None,
        reasons: vec![sahel_nlp::Reason {
            kind: "engine_error".into(),
            text: String::new(),
            weight: 0.0,
            note: Some(error.to_string()),
        }],
    }
}

/// Is a story of a feed's first successful poll (`first_poll_max_age` given)
/// too old to be alerted? An undated story is not held back.
fn held_back(
    story: &Story,
    now: DateTime<Utc>,
    first_poll_max_age: Option<std::time::Duration>,
) -> bool {
    first_poll_max_age.is_some_and(|max_age| {
        story
            .published
            .is_some_and(|p| now - p > Duration::from_std(max_age).unwrap_or(Duration::MAX))
    })
}

/// A stored story's outcome as reported: held back when it would have
/// alerted but for the first poll; its fate logged at DEBUG.
fn fate(story: &Story, mut outcome: Outcome, hold: bool) -> Outcome {
    if hold {
        if let StoryStatus::NewIncident { incident } | StoryStatus::Joined { incident, .. } =
            &outcome.status
        {
            outcome.status = StoryStatus::HeldBack {
                incident: incident.clone(),
            };
        }
    }
    log_fate(story, &outcome);
    outcome
}

/// At DEBUG, what became of a story, once: why it was not alerted, or what it did.
fn log_fate(story: &Story, o: &Outcome) {
    if !tracing::enabled!(tracing::Level::DEBUG) {
        return;
    }
    let key = &story.key;
    let title = &story.title;
    match &o.status {
        StoryStatus::Seen => {
            tracing::debug!(story = %key, %title, "fate: already stored")
        }
        StoryStatus::Copy { of, incident } => tracing::debug!(
            story = %key, %title, copy_of = %of, incident = incident.as_deref().unwrap_or("-"),
            alerts = o.alerts.len(), "fate: a copy of a stored story"
        ),
        StoryStatus::NotAttack => {
            let a = o.analysis.as_ref();
            let score = a.and_then(|a| a.reasons.iter().find(|r| r.kind == "score"));
            tracing::debug!(
                story = %key, %title,
                score = score.map(|r| r.text.as_str()).unwrap_or("?"),
                detail = score.and_then(|r| r.note.as_deref()).unwrap_or(""),
                confidence = a.map(|a| a.confidence).unwrap_or(0.0),
                "fate: not an attack"
            )
        }
        StoryStatus::TooOld => tracing::debug!(
            story = %key, %title, published = ?story.published,
            "fate: an attack story older than max_story_age: stored, not alerted"
        ),
        StoryStatus::NewIncident { incident } => tracing::debug!(
            story = %key, %title, %incident, alerts = o.alerts.len(),
            "fate: opened a new incident"
        ),
        StoryStatus::Joined { incident, score } if o.alerts.is_empty() => tracing::debug!(
            story = %key, %title, %incident, score,
            "fate: joined the incident without a significant change for any watch-list"
        ),
        StoryStatus::Joined { incident, score } => tracing::debug!(
            story = %key, %title, %incident, score, alerts = o.alerts.len(),
            "fate: joined the incident"
        ),
        StoryStatus::Known { incident } => tracing::debug!(
            story = %key, %title, %incident,
            "fate: joined a known (imported) incident: no alert"
        ),
        StoryStatus::Revised { incident } => tracing::debug!(
            story = %key, %title, incident = incident.as_deref().unwrap_or("-"),
            alerts = o.alerts.len(),
            "fate: stored before, its text changed: read again"
        ),
        StoryStatus::HeldBack { incident } => tracing::debug!(
            story = %key, %title, %incident, published = ?story.published,
            "fate: held back on the feed's first poll (older than first_poll_max_age): stored, not alerted"
        ),
    }
}

/// The alert's view of an incident.
pub fn incident_view(inc: &Incident, watchlists: &Watchlists) -> IncidentView {
    IncidentView {
        id: inc.id.clone(),
        country: inc.country.clone(),
        admin1: inc.admin1.clone(),
        location: inc.location.clone(),
        lat: inc.lat,
        lon: inc.lon,
        event_date: inc.event_date,
        killed: inc.killed,
        wounded: inc.wounded,
        victims: inc.victims.clone(),
        actors: inc.actors.clone(),
        attack_type: inc.attack_type.clone(),
        confidence: (inc.confidence * 100.0).round() / 100.0,
        title: inc.title.clone(),
        summary: inc.summary.clone(),
        near_sites: match (inc.lat, inc.lon) {
            (Some(a), Some(b)) => watchlists.near_sites(a, b),
            _ => vec![],
        },
    }
}

/// The first sentences of a story, up to about 300 characters.
pub fn summary_of(text: &str) -> String {
    let para = text
        .split("\n\n")
        .find(|p| p.split_whitespace().count() >= 6)
        .unwrap_or(text);
    let para = para.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::new();
    for sentence in para.split_inclusive(". ") {
        if !out.is_empty() && out.len() + sentence.len() > 300 {
            break;
        }
        out.push_str(sentence);
    }
    let out = out.trim();
    if out.chars().count() > 400 {
        let cut: String = out.chars().take(397).collect();
        format!("{cut}...")
    } else {
        out.to_string()
    }
}

/// The gazetteer for a configuration: the embedded one, the user's places
/// file (`daemon.places_file`) and GeoNames places imported into the state
/// directory by `sahel-watch gazetteer import`.
pub fn load_gazetteer(config: &Config) -> Result<Gazetteer> {
    let mut g = Gazetteer::embedded();
    if let Some(p) = &config.daemon.places_file {
        g.extend(Gazetteer::load_tsv_file(p, sahel_nlp::PlaceSource::User)?);
    }
    let imported = imported_gazetteer_path(config);
    if imported.exists() {
        g.extend(Gazetteer::load_tsv_file(
            &imported,
            sahel_nlp::PlaceSource::GeoNames,
        )?);
    }
    Ok(g)
}

/// Where `gazetteer import` keeps GeoNames places.
pub fn imported_gazetteer_path(config: &Config) -> std::path::PathBuf {
    config
        .daemon
        .state_dir
        .join(crate::config::IMPORTED_GAZETTEER)
}
