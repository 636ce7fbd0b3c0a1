//! Sinks: deliver alerts from the outbox.
