//! The `log` channel (and the implicit one when no channel is configured):
//! writes each alert at INFO with structured fields, under the target
//! `sahel_watch::alert`.

use futures::future::BoxFuture;

use super::{render, SendError, Sink};
use crate::model::Alert;

pub struct LogSink {
    name: String,
}

impl LogSink {
    pub fn new(name: &str) -> LogSink {
        LogSink {
            name: name.to_string(),
        }
    }
}

impl Sink for LogSink {
    fn name(&self) -> &str {
        &self.name
    }

    fn send<'a>(
        &'a self,
        alert: &'a Alert,
        idempotency_key: &'a str,
    ) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move {
            let i = &alert.incident;
            let json = serde_json::to_string(alert).unwrap_or_default();
            tracing::info!(
                target: "sahel_watch::alert",
                channel = %self.name,
                event = alert.event.as_str(),
                incident = %i.id,
                revision = alert.revision,
                idempotency_key,
                country = i.country.as_deref(),
                admin1 = i.admin1.as_deref(),
                location = i.location.as_deref(),
                event_date = i.event_date.map(|d| d.to_string()),
                killed = i.killed,
                wounded = i.wounded,
                victims = i.victims.as_deref(),
                actors = %i.actors.join(", "),
                attack_type = i.attack_type.as_deref(),
                confidence = i.confidence,
                watchlists = %alert.watchlists.join(", "),
                stories = alert.stories.len(),
                url = alert.stories.iter().find_map(|s| s.url.as_deref()),
                alert = %json,
                "ALERT {}",
                render::subject(alert)
            );
            Ok(())
        })
    }
}
