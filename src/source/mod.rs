//! Sources: feeds in, [`Story`]s out.
//!
//! - [`parse`]: feed bytes (RSS 0.9x/1.0/2.0, Atom, JSON Feed) → stories, HTML → text.
//! - [`identity`]: story keys and link normalisation.
//! - [`fetch`]: the HTTP client (conditional GET, limits, timeouts).
//! - [`fulltext`]: article pages → main text for teaser-only feeds.
//! - [`scheduler`]: polls every feed on its interval, with backoff, and hands
//!   each batch of new items to the pipeline as a [`FeedBatch`].

pub mod fetch;
pub mod fulltext;
pub mod identity;
pub mod parse;
pub mod scheduler;

use tokio::sync::oneshot;

use crate::model::Story;

/// The items of one successful poll of one feed. The scheduler records the
/// feed's new conditional-GET state only after the pipeline acknowledges the
/// batch through `done`, so a crash in between re-fetches rather than loses.
#[derive(Debug)]
pub struct FeedBatch {
    pub feed: String,
    pub stories: Vec<Story>,
    pub done: oneshot::Sender<()>,
}
