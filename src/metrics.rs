//! Prometheus metrics shared by every stage, exposed at `/metrics`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FeedLabel {
    pub feed: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ChannelLabel {
    pub channel: String,
}

/// All metrics of the process. Cheap to clone (the inner types are `Arc`s).
#[derive(Clone, Default)]
pub struct Metrics {
    pub polls: Family<FeedLabel, Counter>,
    pub poll_errors: Family<FeedLabel, Counter>,
    pub not_modified: Family<FeedLabel, Counter>,
    pub bytes: Family<FeedLabel, Counter>,
    pub items: Family<FeedLabel, Counter>,
    /// Unix time of the last successful poll, per feed.
    pub last_success: Family<FeedLabel, Gauge>,
    pub stories: Counter,
    pub attack_stories: Counter,
    pub incidents: Counter,
    pub alerts_queued: Counter,
    pub alerts_sent: Family<ChannelLabel, Counter>,
    pub alerts_failed: Family<ChannelLabel, Counter>,
    pub delivery_errors: Family<ChannelLabel, Counter>,
    pub queue_depth: Gauge,
}

impl Metrics {
    pub fn feed(name: &str) -> FeedLabel {
        FeedLabel {
            feed: name.to_string(),
        }
    }

    pub fn channel(name: &str) -> ChannelLabel {
        ChannelLabel {
            channel: name.to_string(),
        }
    }

    /// Create every per-feed and per-channel series at 0, so that they exist
    /// from start (a dashboard or an alert rule sees 0, not "no data").
    pub fn preset(&self, feeds: &[String], channels: &[String]) {
        for f in feeds {
            let l = Metrics::feed(f);
            let _ = self.polls.get_or_create(&l);
            let _ = self.poll_errors.get_or_create(&l);
            let _ = self.not_modified.get_or_create(&l);
            let _ = self.bytes.get_or_create(&l);
            let _ = self.items.get_or_create(&l);
            let _ = self.last_success.get_or_create(&l);
        }
        for c in channels {
            let l = Metrics::channel(c);
            let _ = self.alerts_sent.get_or_create(&l);
            let _ = self.alerts_failed.get_or_create(&l);
            let _ = self.delivery_errors.get_or_create(&l);
        }
    }

    /// A registry holding every metric, prefixed `sahel_watch_`.
    pub fn registry(&self) -> Registry {
        let mut r = Registry::with_prefix("sahel_watch");
        r.register("feed_polls", "Feed polls attempted", self.polls.clone());
        r.register(
            "feed_poll_errors",
            "Feed polls that failed",
            self.poll_errors.clone(),
        );
        r.register(
            "feed_not_modified",
            "Feed polls answered 304 Not Modified",
            self.not_modified.clone(),
        );
        r.register(
            "feed_bytes",
            "Bytes of feed bodies read",
            self.bytes.clone(),
        );
        r.register("feed_items", "Items parsed from feeds", self.items.clone());
        r.register(
            "feed_last_success_timestamp_seconds",
            "Unix time of the last successful poll",
            self.last_success.clone(),
        );
        r.register("stories", "New stories classified", self.stories.clone());
        r.register(
            "attack_stories",
            "Stories classified as attack stories",
            self.attack_stories.clone(),
        );
        r.register("incidents", "New incidents created", self.incidents.clone());
        r.register(
            "alerts_queued",
            "Alert deliveries queued in the outbox",
            self.alerts_queued.clone(),
        );
        r.register("alerts_sent", "Alerts delivered", self.alerts_sent.clone());
        r.register(
            "alerts_failed",
            "Alerts given up after retries",
            self.alerts_failed.clone(),
        );
        r.register(
            "delivery_errors",
            "Failed delivery attempts (retried)",
            self.delivery_errors.clone(),
        );
        r.register(
            "outbox_queue_depth",
            "Alert deliveries waiting in the outbox",
            self.queue_depth.clone(),
        );
        r
    }

    /// Prometheus text exposition of every metric.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry())
            .expect("writing to a String");
        out
    }
}

/// Liveness of the main loops, for `/healthz` and the systemd watchdog:
/// each loop calls `beat()` every time it goes round.
#[derive(Default)]
pub struct Heartbeat(std::sync::atomic::AtomicI64);

impl Heartbeat {
    pub fn beat(&self) {
        self.0.store(
            chrono::Utc::now().timestamp(),
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    /// Seconds since the last beat (`None` before the first).
    pub fn age_secs(&self) -> Option<i64> {
        match self.0.load(std::sync::atomic::Ordering::Relaxed) {
            0 => None,
            t => Some(chrono::Utc::now().timestamp() - t),
        }
    }
}

/// Heartbeats of the stages.
#[derive(Default)]
pub struct Health {
    pub poller: Heartbeat,
    pub pipeline: Heartbeat,
    pub delivery: Heartbeat,
    /// Beaten once, when the daemon started.
    pub started: Heartbeat,
    /// The enabled feeds of the running configuration.
    pub feeds: std::sync::RwLock<Vec<String>>,
    /// Waiting for the leadership of a shared store (the stages do not run).
    pub standby: std::sync::atomic::AtomicBool,
}

impl Health {
    pub fn set_standby(&self, standby: bool) {
        self.standby
            .store(standby, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn is_standby(&self) -> bool {
        self.standby.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn set_feeds(&self, feeds: Vec<String>) {
        *self.feeds.write().unwrap_or_else(|e| e.into_inner()) = feeds;
    }

    pub fn feeds(&self) -> Vec<String> {
        self.feeds.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
