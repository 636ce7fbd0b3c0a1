//! Sinks: deliver alerts from the outbox. (Interface placeholder until the
//! sink branch lands.)
pub mod worker {
    use std::sync::Arc;

    use crate::config::Config;
    use crate::metrics::{Health, Metrics};
    use crate::store::Store;

    pub struct Delivery;
    impl Delivery {
        pub fn new(
            _store: Arc<Store>,
            _config: &Config,
            _metrics: Metrics,
            _health: Arc<Health>,
        ) -> anyhow::Result<Arc<Delivery>> {
            anyhow::bail!("delivery is not built yet")
        }
        pub fn wake(&self) {}
        pub fn reload(&self, _config: &Config) -> anyhow::Result<()> {
            Ok(())
        }
        pub async fn run(self: Arc<Self>, _shutdown: tokio_util::sync::CancellationToken) {}
    }
}
pub async fn send_test_alert(
    _config: &crate::config::Config,
    _channel: &str,
) -> anyhow::Result<()> {
    anyhow::bail!("delivery is not built yet")
}
