//! The tracing subscriber, installed once by each binary's `main`: one JSON
//! object per line for the production binaries (log collectors parse it, and
//! every line inside a request carries its `request_id`), readable lines for a
//! developer running `assay`. Filtered by `RUST_LOG`, `info` by default.

use tracing_subscriber::EnvFilter;

/// How log lines are written to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per event, with the fields of the enclosing spans.
    Json,
    /// Human-readable lines, coloured on a terminal.
    Pretty,
}

/// Installs the subscriber. A second call (tests, embedded use) keeps the first.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}
