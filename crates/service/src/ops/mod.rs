//! The operations behind the endpoints: ingest a new file, re-extract a stored one.

mod delete_token;
mod ingest;
pub mod lifecycle;
mod reextract;
pub mod similar;

pub use delete_token::{delete_by_token, issue_delete_token};
pub use ingest::{ingest, Upload};
pub use reextract::{reextract, ResourceChanges};

use std::collections::BTreeMap;

use extract::Analysis;
use serde::Serialize;
use serde_json::Value;
use store::{ColorResults, StoredAnalysis};

use crate::params::{parse_context, parse_tags, Params};
use crate::ApiError;

/// The results of `analysis` to store with the asset. The basic facts and the
/// regions live in the asset's own fields; for faces the record keeps only
/// that detection ran, so a later GET does not run it again.
fn stored_analysis(analysis: &Analysis) -> Result<StoredAnalysis, ApiError> {
    fn json<T: Serialize + ?Sized>(value: &T) -> Result<Value, ApiError> {
        serde_json::to_value(value).map_err(ApiError::internal)
    }
    let colors = match &analysis.colors {
        Some(report) => Some(ColorResults {
            colors: json(&report.colors)?,
            predominant: json(&report.predominant)?,
            color_histogram: Some(json(&report.color_histogram)?),
            illustration_score: report.illustration_score,
            semi_transparent: report.semi_transparent,
            grayscale: report.grayscale,
        }),
        None => None,
    };
    let media_metadata = match &analysis.media_metadata {
        Some(metadata) => match json(metadata)? {
            Value::Object(map) => Some(map),
            other => {
                return Err(ApiError::internal(anyhow::anyhow!(
                    "media_metadata serialised to {other}, not an object"
                )))
            }
        },
        None => None,
    };
    let quality = analysis.quality.as_ref();
    Ok(StoredAnalysis {
        colors,
        phash: analysis.phash.map(|phash| phash.to_string()),
        media_metadata,
        info: analysis.info.as_ref().map(json).transpose()?,
        faces_detected: analysis.faces.is_some(),
        quality_analysis: quality.map(|q| json(&q.quality_analysis)).transpose()?,
        quality_score: quality.map(|q| q.quality_score),
        accessibility_analysis: analysis
            .accessibility_analysis
            .as_ref()
            .map(json)
            .transpose()?,
        cinemagraph_analysis: analysis
            .cinemagraph_analysis
            .as_ref()
            .map(json)
            .transpose()?,
        blurhash: analysis.blurhash.clone(),
        thumbhash: analysis.thumbhash.clone(),
        average_color: analysis.average_color.as_ref().map(json).transpose()?,
        mime_type: analysis.mime_type.map(str::to_owned),
    })
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
