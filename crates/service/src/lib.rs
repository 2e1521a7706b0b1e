//! What the upload and admin APIs share, so neither duplicates the other:
//!
//! - [`body`]: the one request-body decoder (multipart, form, JSON), bounded
//!   before authentication;
//! - [`params`]: request parameters as the SDKs send them (the one rule for
//!   names, repeats and empty values; booleans, tags, context, coordinates,
//!   public_id rules);
//! - [`Analyzer`]: extraction off the async executor, a bounded number at a time;
//! - [`ops`]: ingest a new file, re-extract a stored one;
//! - [`pipeline`]: the upload and explicit calls on parsed requests, for a
//!   route answering now and for a queued job alike;
//! - [`resource`]: the Cloudinary resource JSON;
//! - [`structured_metadata`]: typed metadata fields and the values assets
//!   have for them (checks, the `metadata` parameter, the resource member);
//! - [`ApiError`]: the one mapping of failures to HTTP statuses and bodies;
//! - [`server`]: the HTTP server all entry points run, given their routes;
//! - [`health`]: the liveness and readiness probes every server answers;
//! - [`metrics`], [`request_id`], [`telemetry`]: what operators see: the
//!   Prometheus metrics, the id and log span of each request, the log format.

mod analyzer;
pub mod body;
pub mod clock;
pub mod error;
pub mod health;
pub mod metrics;
pub mod ops;
pub mod params;
pub mod pipeline;
pub mod presets;
pub mod request_id;
pub mod resource;
pub mod server;
mod state;
pub mod structured_metadata;
pub mod telemetry;
pub mod time_limit;

pub use analyzer::Analyzer;
pub use error::{ApiError, Reason, ReasonKind};
pub use state::AppState;
