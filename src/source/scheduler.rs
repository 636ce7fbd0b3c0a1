//! Polls every feed on its own interval. (Interface placeholder until the
//! sources branch lands; see the `source` branch.)
use std::sync::Arc;

use crate::config::Config;
use crate::metrics::{Health, Metrics};
use crate::source::FeedBatch;
use crate::store::Store;

pub struct Scheduler;
impl Scheduler {
    pub fn new(
        _store: Arc<Store>,
        _config: &Config,
        _metrics: Metrics,
        _health: Arc<Health>,
    ) -> anyhow::Result<Arc<Scheduler>> {
        anyhow::bail!("feed polling is not built yet")
    }
    pub fn reload(&self, _config: &Config) {}
    pub async fn run(
        self: Arc<Self>,
        _tx: tokio::sync::mpsc::Sender<FeedBatch>,
        _shutdown: tokio_util::sync::CancellationToken,
    ) {
    }
}
