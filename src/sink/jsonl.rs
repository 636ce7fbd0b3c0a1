//! The `jsonl` channel: appends each alert, as one `sahel-watch.alert/1`
//! JSON object per line, to a file (created with mode 0600, opened with
//! `O_APPEND` for every alert so log rotation needs no signal, and synced to
//! disk before the alert counts as delivered).

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use futures::future::BoxFuture;

use super::{SendError, Sink};
use crate::config::JsonlChannel;
use crate::model::Alert;

pub struct JsonlSink {
    name: String,
    path: PathBuf,
    /// One writer at a time (a line is written with one `write_all`, but a
    /// test-alert run may share the file).
    lock: std::sync::Arc<Mutex<()>>,
}

impl JsonlSink {
    pub fn new(c: &JsonlChannel) -> JsonlSink {
        JsonlSink {
            name: c.name.clone(),
            path: c.path.clone(),
            lock: Default::default(),
        }
    }
}

/// Append one line and fsync it.
fn append(path: &std::path::Path, line: &[u8]) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(line)?;
    f.sync_data()
}

impl Sink for JsonlSink {
    fn name(&self) -> &str {
        &self.name
    }

    fn send<'a>(
        &'a self,
        alert: &'a Alert,
        _idempotency_key: &'a str,
    ) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move {
            let mut line = serde_json::to_vec(alert)
                .map_err(|e| SendError::permanent(format!("cannot serialise the alert: {e}")))?;
            line.push(b'\n');
            let path = self.path.clone();
            let lock = self.lock.clone();
            tokio::task::spawn_blocking(move || {
                let _g = lock.lock().unwrap_or_else(|e| e.into_inner());
                append(&path, &line).map_err(|e| {
                    SendError::retryable(format!("cannot append to {}: {e}", path.display()))
                })
            })
            .await
            .map_err(|e| SendError::retryable(format!("jsonl writer task failed: {e}")))?
        })
    }
}
