//! `POST` (a JSON body, as both SDKs send it) and `GET` (query parameters)
//! `/v1_1/{cloud}/resources/search`: Cloudinary's Search API method. The
//! expression, sorting, pagination and aggregation are the store's
//! (`store::search`); this module reads the request, renders each asset
//! with the fields asked for, and answers in Cloudinary's shape:
//! `{total_count, time, resources, next_cursor?, aggregations?}`.

use std::collections::BTreeMap;
use std::time::Instant;

use actix_web::{web, HttpRequest, HttpResponse};
use analyses::AnalysisKind;
use serde::{Deserialize, Deserializer};
use serde_json::{json, Map, Value};
use service::body;
use service::params::{ExtractionRequest, Params};
use service::{structured_metadata, ApiError, AppState, Reason};
use store::search::{
    AggregateRange, AggregateRequest, Aggregation, RangeField, SearchRequest, SortKey,
};
use store::Asset;

use super::resource_json;

/// What `with_field` may add to each resource, beyond the default fields.
const WITH_FIELDS: [&str; 7] = [
    "tags",
    "context",
    "metadata",
    "image_metadata",
    "image_analysis",
    "quality_analysis",
    "accessibility_analysis",
];

/// Always in a resource, whatever `fields` lists: what identifies it, as
/// Cloudinary keeps it.
const IDENTITY_FIELDS: [&str; 6] = [
    "asset_id",
    "public_id",
    "folder",
    "created_at",
    "resource_type",
    "type",
];

/// The search parameters, as the SDKs send them (Python's `Search.as_dict`,
/// Node's `search.to_query`). An unknown member is a 400 naming it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchBody {
    #[serde(default)]
    expression: Option<String>,
    #[serde(default, deserialize_with = "whole_number")]
    max_results: Option<u32>,
    #[serde(default)]
    next_cursor: Option<String>,
    /// `[{"created_at": "desc"}, ...]`.
    #[serde(default)]
    sort_by: Vec<BTreeMap<String, String>>,
    #[serde(default)]
    aggregate: Vec<AggregateSpec>,
    #[serde(default)]
    with_field: Vec<String>,
    #[serde(default)]
    fields: Vec<String>,
}

/// `"format"`, or `{"type": "bytes", "ranges": [{"key", "from", "to"}]}`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum AggregateSpec {
    Name(String),
    Ranges {
        #[serde(rename = "type")]
        field: String,
        ranges: Vec<RangeSpec>,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RangeSpec {
    key: String,
    #[serde(default)]
    from: Option<i64>,
    #[serde(default)]
    to: Option<i64>,
}

/// A number, or its decimal text (a query string has only text).
fn whole_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumberOrText {
        Number(u32),
        Text(String),
    }
    match Option::<NumberOrText>::deserialize(deserializer)? {
        None => Ok(None),
        Some(NumberOrText::Number(n)) => Ok(Some(n)),
        Some(NumberOrText::Text(text)) => text.trim().parse().map(Some).map_err(|_| {
            serde::de::Error::custom(format!("max_results {text:?} is not a whole number"))
        }),
    }
}

pub async fn search_post(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let search: SearchBody = body::read_json(request.headers(), payload).await?;
    run(search, &request, &state).await
}

pub async fn search_get(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let params = body::query_params(request.query_string())?;
    run(from_query(&params)?, &request, &state).await
}

/// The same parameters from a query string: `sort_by` and object
/// aggregations as JSON text, lists as `name[]` members.
fn from_query(params: &Params) -> Result<SearchBody, ApiError> {
    let mut object = Map::new();
    for (name, text) in params.iter() {
        let value = match name {
            "sort_by" => serde_json::from_str(text).map_err(|e| {
                ApiError::from(Reason::InvalidParameter {
                    name: "sort_by".into(),
                    detail: e.to_string(),
                })
            })?,
            "aggregate" | "with_field" | "fields" => Value::Array(
                params
                    .list(name)
                    .into_iter()
                    .map(|member| {
                        serde_json::from_str::<Map<String, Value>>(member)
                            .map_or_else(|_| json!(member), Value::Object)
                    })
                    .collect(),
            ),
            _ => json!(text),
        };
        object.insert(name.to_owned(), value);
    }
    serde_json::from_value(Value::Object(object)).map_err(|e| {
        Reason::InvalidSearchParameters {
            detail: e.to_string(),
        }
        .into()
    })
}

async fn run(
    search: SearchBody,
    request: &HttpRequest,
    state: &AppState,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    let shown = Shown::new(&search)?;
    let query = SearchRequest {
        expression: search.expression,
        sort_by: sort_keys(&search.sort_by)?,
        max_results: search.max_results,
        next_cursor: search.next_cursor,
        aggregate: search
            .aggregate
            .into_iter()
            .map(aggregate_request)
            .collect::<Result<_, _>>()?,
        timeout: None,
    };
    let page = state.store.search(&query).await?;
    // Structured metadata lives beside the assets: one read for the page.
    let with_metadata = shown.wants("metadata");
    let mut metadata = if with_metadata {
        let ids: Vec<&str> = page.assets.iter().map(|a| a.asset_id.as_str()).collect();
        structured_metadata::fields(state).values_of(&ids).await?
    } else {
        Default::default()
    };
    let resources: Vec<Value> = page
        .assets
        .iter()
        .map(|asset| {
            let mut resource = shown.render(state, request, asset);
            if with_metadata {
                let values = metadata.remove(&asset.asset_id).unwrap_or_default();
                resource.insert(
                    "metadata".into(),
                    structured_metadata::render_values(&values),
                );
            }
            Value::Object(resource)
        })
        .collect();
    let mut body = json!({
        "total_count": page.total_count,
        "time": started.elapsed().as_millis() as u64,
        "resources": resources,
    });
    if let Some(cursor) = page.next_cursor {
        body["next_cursor"] = json!(cursor);
    }
    if !page.aggregations.is_empty() {
        body["aggregations"] = aggregations_json(&page.aggregations);
    }
    Ok(HttpResponse::Ok().json(body))
}

fn sort_keys(sort_by: &[BTreeMap<String, String>]) -> Result<Vec<SortKey>, ApiError> {
    let mut keys = Vec::new();
    for entry in sort_by {
        if entry.len() != 1 {
            return Err(Reason::InvalidParameter {
                name: "sort_by".into(),
                detail: "each entry is one {\"field\": \"asc\" | \"desc\"}".into(),
            }
            .into());
        }
        for (field, direction) in entry {
            keys.push(SortKey::parse(field, direction).map_err(|e| {
                ApiError::from(Reason::InvalidParameter {
                    name: "sort_by".into(),
                    detail: e.to_string(),
                })
            })?);
        }
    }
    Ok(keys)
}

fn aggregate_request(spec: AggregateSpec) -> Result<AggregateRequest, ApiError> {
    let invalid = |e: store::search::SearchError| {
        ApiError::from(Reason::InvalidParameter {
            name: "aggregate".into(),
            detail: e.to_string(),
        })
    };
    match spec {
        AggregateSpec::Name(name) => name.parse().map_err(invalid),
        AggregateSpec::Ranges { field, ranges } => {
            let field = match field.as_str() {
                "bytes" => RangeField::Bytes,
                "pixels" => RangeField::Pixels,
                other => {
                    return Err(Reason::InvalidParameter {
                        name: "aggregate".into(),
                        detail: format!("{other:?} has no ranges: use bytes or pixels"),
                    }
                    .into())
                }
            };
            let ranges = ranges
                .into_iter()
                .map(|r| AggregateRange {
                    key: r.key,
                    from: r.from,
                    to: r.to,
                })
                .collect();
            AggregateRequest::ranges(field, ranges).map_err(invalid)
        }
    }
}

/// `{"format": {"jpg": 12, "png": 3}, "bytes": {"tiny": 4, ...}}`.
fn aggregations_json(aggregations: &[Aggregation]) -> Value {
    let mut all = Map::new();
    for aggregation in aggregations {
        let buckets: Map<String, Value> = aggregation
            .buckets
            .iter()
            .map(|bucket| (bucket.key.clone(), json!(bucket.count)))
            .collect();
        all.insert(aggregation.field.to_owned(), Value::Object(buckets));
    }
    Value::Object(all)
}

/// Which fields each resource shows: the defaults, plus `with_field`, all
/// cut down to `fields` when given.
struct Shown {
    with: Vec<String>,
    only: Option<Vec<String>>,
    stored: ExtractionRequest,
}

impl Shown {
    fn new(search: &SearchBody) -> Result<Self, ApiError> {
        for name in &search.with_field {
            if !WITH_FIELDS.contains(&name.as_str()) {
                return Err(Reason::InvalidParameter {
                    name: "with_field".into(),
                    detail: format!("{name:?} is not one of {}", WITH_FIELDS.join(", ")),
                }
                .into());
            }
        }
        let with = |name: &str| search.with_field.iter().any(|w| w == name);
        let mut stored = ExtractionRequest::default();
        if with("image_metadata") {
            stored.analyses.insert(AnalysisKind::MediaMetadata);
            stored.metadata.image_metadata = true;
        }
        for kind in [AnalysisKind::Quality, AnalysisKind::Accessibility] {
            if with(kind.parameter()) {
                stored.analyses.insert(kind);
            }
        }
        Ok(Shown {
            with: search.with_field.clone(),
            only: (!search.fields.is_empty()).then(|| search.fields.clone()),
            stored,
        })
    }

    /// Whether `name` is shown: asked by `with_field`, or named in `fields`
    /// (`fields=tags` answers each resource's tags, empty or not).
    fn wants(&self, name: &str) -> bool {
        self.with.iter().any(|w| w == name)
            || self
                .only
                .as_ref()
                .is_some_and(|only| only.iter().any(|f| f == name))
    }

    fn render(&self, state: &AppState, request: &HttpRequest, asset: &Asset) -> Map<String, Value> {
        let mut resource = resource_json(state, request, asset, &self.stored);
        let with = |name: &str| self.wants(name);
        if !with("tags") {
            resource.remove("tags");
        }
        // Search answers context flat (`{"stage": "x"}`), where resource
        // details nest it under `custom`: both SDKs' search tests read it so.
        if with("context") {
            resource.insert("context".into(), json!(asset.context));
        } else {
            resource.remove("context");
        }
        // Every stored asset is active: none is pending or deleted here.
        resource.insert("status".into(), json!("active"));
        if with("image_analysis") {
            resource.insert("image_analysis".into(), image_analysis(asset));
        }
        let filename = asset.public_id.rsplit('/').next().unwrap_or_default();
        resource.insert("filename".into(), json!(filename));
        if let Some(created_at) = resource.get("created_at").cloned() {
            resource.insert("uploaded_at".into(), created_at);
        }
        let pixels = u64::from(asset.width) * u64::from(asset.height);
        resource.insert("pixels".into(), json!(pixels));
        if asset.height > 0 {
            let ratio = asset.width as f64 / asset.height as f64;
            resource.insert("aspect_ratio".into(), json!((ratio * 1e5).round() / 1e5));
        }
        if let Some(only) = &self.only {
            resource.retain(|key, _| {
                IDENTITY_FIELDS.contains(&key.as_str()) || only.iter().any(|f| f == key)
            });
        }
        resource
    }
}

/// Cloudinary's `image_analysis` summary of what was extracted: the face
/// count, and the colour family's findings when colours were analysed.
fn image_analysis(asset: &Asset) -> Value {
    let mut analysis = Map::new();
    analysis.insert("face_count".into(), json!(asset.coordinates.faces.len()));
    analysis.insert("etag".into(), json!(asset.etag));
    if let Some(colors) = &asset.analysis.colors {
        let colors = serde_json::to_value(colors).unwrap_or(Value::Null);
        for key in [
            "grayscale",
            "illustration_score",
            "semi_transparent",
            "colors",
        ] {
            if let Some(value) = colors.get(key) {
                let name = if key == "semi_transparent" {
                    "transparent"
                } else {
                    key
                };
                analysis.insert(name.into(), value.clone());
            }
        }
    }
    Value::Object(analysis)
}
