//! sahel-watch: watches news feeds for violent attacks in the Sahel and alerts
//! once per incident.
//!
//! The pipeline (see ARCHITECTURE.md): [`source`] (feeds → [`model::Story`]) →
//! [`pipeline`] (classify/extract with `sahel_nlp`, [`dedup`] against the
//! [`store`], route with [`watchlist`], queue alerts in the outbox) →
//! [`sink`] (deliver [`model::Alert`]s by email, webhook, file, log).
//! [`daemon`] wires the stages with channels; [`replay`] runs the same
//! pipeline over feed files.

pub mod cap;
pub mod config;
pub mod daemon;
pub mod dedup;
pub mod http;
pub mod known;
pub mod leader;
pub mod logging;
pub mod match_index;
pub mod metrics;
pub mod model;
pub mod pipeline;
pub mod replay;
pub mod sink;
pub mod source;
pub mod statelock;
pub mod store;
pub mod watchlist;
pub mod web;

/// User-Agent of every request the daemon makes.
pub const USER_AGENT: &str = concat!(
    "sahel-watch/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/sahel-watch/sahel-watch; news monitoring)"
);
