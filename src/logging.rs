//! Logging through tracing: human-readable on a terminal, journald under
//! systemd (structured fields, levels as syslog priorities), JSON on request.
//! Always to stderr (stdout belongs to `replay` and `classify`).

use std::io::IsTerminal;

use tracing_subscriber::prelude::*;
use tracing_subscriber::EnvFilter;

/// `format`: auto | text | json | journald. `RUST_LOG` overrides the level
/// (default `info`).
pub fn init(format: &str) {
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let under_journald = std::env::var_os("JOURNAL_STREAM").is_some();
    let format = match format {
        "auto" if under_journald => "journald",
        "auto" => "text",
        f => f,
    };
    let registry = tracing_subscriber::registry().with(filter());
    let result = match format {
        "json" => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_writer(std::io::stderr),
            )
            .try_init(),
        "journald" => match tracing_journald::layer() {
            Ok(layer) => registry
                .with(layer.with_syslog_identifier("sahel-watch".into()))
                .try_init(),
            Err(_) => registry
                .with(
                    tracing_subscriber::fmt::layer()
                        .with_ansi(false)
                        .without_time()
                        .with_writer(std::io::stderr),
                )
                .try_init(),
        },
        _ => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(std::io::stderr().is_terminal())
                    .with_writer(std::io::stderr),
            )
            .try_init(),
    };
    let _ = result; // a second init (tests) keeps the first subscriber
}
