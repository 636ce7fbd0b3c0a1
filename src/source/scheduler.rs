//! Polls every feed on its own interval.
