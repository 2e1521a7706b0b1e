//! The operations behind the endpoints: ingest a new file, re-extract a stored one.

mod delete_token;
mod ingest;
mod reextract;
pub mod similar;

pub use delete_token::{delete_by_token, issue_delete_token};
pub use ingest::{ingest, Upload};
pub use reextract::{reextract, ResourceChanges};

use std::collections::BTreeMap;

use extract::Analysis;
use serde_json::{Map, Value};

use crate::params::{parse_context, parse_tags, Params};
use crate::ApiError;

/// Keys of the analysis JSON that are columns of the asset, not analysis results.
const BASIC_FACTS: [&str; 6] = ["width", "height", "format", "bytes", "etag", "pages"];

/// The analysis results to store: the JSON form of `analysis` without the
/// basic facts and regions, which the asset keeps in their own fields. The
/// detector's own `faces` stay too (never rendered from here): they record
/// that detection ran, even when it found nobody, so it is not run again.
fn stored_analysis(analysis: &Analysis) -> Result<Map<String, Value>, ApiError> {
    let Value::Object(mut map) = serde_json::to_value(analysis).map_err(ApiError::internal)? else {
        return Err(ApiError::internal(anyhow::anyhow!(
            "analysis did not serialise to an object"
        )));
    };
    for key in BASIC_FACTS.iter().chain(&["coordinates"]) {
        map.remove(*key);
    }
    Ok(map)
}

/// `tags` when given. An empty value is no value (see [`crate::params`]):
/// it leaves stored tags alone.
fn tags_param(params: &Params) -> Option<Vec<String>> {
    params.get("tags").map(parse_tags)
}

/// `context` when given; like `tags`, an empty value leaves it alone.
fn context_param(params: &Params) -> Result<Option<BTreeMap<String, String>>, ApiError> {
    params.get("context").map(parse_context).transpose()
}
