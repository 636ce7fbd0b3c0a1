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
}
