//! `GET /v1_1/{cloud}/resources/{resource_type}/similar`: the resources that
//! look like an asset of the library (`public_id`, with `type`, default
//! `upload`) or like a given pHash (`phash`, 16 hex digits), nearest first,
//! each with its Hamming `distance`. An assay extension: `max_distance`
//! (0 to 16, default 8), `max_results` (as in a list, default 10) and
//! `next_cursor` (the previous page's, as in a list).

use actix_web::{web, HttpRequest, HttpResponse};
use analyses::AnalysisKind;
use extract::Phash;
use serde::Deserialize;
use serde_json::{json, Value};
use service::body;
use service::ops::similar::{
    find_similar, Probe, SimilarSearch, DEFAULT_MAX_DISTANCE, MAX_DISTANCE,
};
use service::params::{validate_public_id, ExtractionRequest, Params};
use service::{ApiError, AppState, Reason};
use store::AssetKey;

use super::{check_delivery_type, check_resource_type, list, resource_json};

/// `/{resource_type}/similar` (inside the `/v1_1/{cloud}/resources` scope).
#[derive(Debug, Deserialize)]
pub struct SimilarPath {
    resource_type: String,
}

pub async fn similar_resources(
    path: web::Path<SimilarPath>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let resource_type = path.into_inner().resource_type;
    check_resource_type(&resource_type)?;
    let params = body::query_params(request.query_string())?;
    let search = SimilarSearch {
        probe: probe(&resource_type, &params)?,
        resource_type,
        max_distance: max_distance(&params)?,
        max_results: list::max_results(&params)?,
        next_cursor: params.get("next_cursor").map(str::to_owned),
    };
    let page = find_similar(&state, &search).await?;

    // The hash each result was matched on is part of its answer.
    let shown = ExtractionRequest::of(AnalysisKind::Phash);
    let resources: Vec<Value> = page
        .results
        .iter()
        .map(|similar| {
            let mut resource = resource_json(&state, &request, &similar.asset, &shown);
            resource.insert("distance".into(), json!(similar.distance));
            Value::Object(resource)
        })
        .collect();
    let mut body = json!({ "resources": resources });
    if let Some(cursor) = page.next_cursor {
        body["next_cursor"] = json!(cursor);
    }
    Ok(HttpResponse::Ok().json(body))
}

/// Exactly one of `public_id` and `phash`.
fn probe(resource_type: &str, params: &Params) -> Result<Probe, ApiError> {
    match (params.get("public_id"), params.get("phash")) {
        (Some(public_id), None) => {
            validate_public_id(public_id)?;
            let delivery_type = params.get("type").unwrap_or("upload");
            check_delivery_type(delivery_type)?;
            Ok(Probe::Asset(AssetKey::new(
                resource_type,
                delivery_type,
                public_id,
            )))
        }
        (None, Some(phash)) => phash.parse::<Phash>().map(Probe::Phash).map_err(|e| {
            ApiError::from(Reason::InvalidParameter {
                name: "phash".into(),
                detail: e.to_string(),
            })
        }),
        (Some(_), Some(_)) => Err(Reason::PublicIdAndPhash.into()),
        (None, None) => Err(Reason::MissingParameter {
            name: "public_id or phash".into(),
        }
        .into()),
    }
}

fn max_distance(params: &Params) -> Result<u32, ApiError> {
    let Some(value) = params.get("max_distance") else {
        return Ok(DEFAULT_MAX_DISTANCE);
    };
    match value.trim().parse::<u32>() {
        Ok(distance) if distance <= MAX_DISTANCE => Ok(distance),
        _ => Err(Reason::InvalidParameter {
            name: "max_distance".into(),
            detail: format!("{value:?} is not a whole number from 0 to {MAX_DISTANCE}"),
        }
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe_of(pairs: &[(&str, &str)]) -> Result<Probe, ApiError> {
        probe("image", &Params::parse(pairs.iter().copied()).unwrap())
    }

    #[test]
    fn a_search_starts_from_a_public_id_or_a_phash() {
        assert_eq!(
            probe_of(&[("public_id", "cats/tom")]).unwrap(),
            Probe::Asset(AssetKey::new("image", "upload", "cats/tom"))
        );
        assert_eq!(
            probe_of(&[("public_id", "tom"), ("type", "private")]).unwrap(),
            Probe::Asset(AssetKey::new("image", "private", "tom"))
        );
        assert_eq!(
            probe_of(&[("phash", "00c926d5c28b6c67")]).unwrap(),
            Probe::Phash("00c926d5c28b6c67".parse().unwrap())
        );
    }

    #[test]
    fn a_search_without_or_with_two_starting_points_is_refused() {
        for pairs in [
            &[][..],
            &[("public_id", "tom"), ("phash", "00c926d5c28b6c67")],
            &[("phash", "00c926d5c28b6c6")],
            &[("phash", "not-hex-at-all!!")],
            &[("public_id", "tom"), ("type", "nope")],
        ] {
            assert!(
                matches!(probe_of(pairs), Err(ApiError::Reason(_))),
                "{pairs:?}"
            );
        }
    }

    #[test]
    fn max_distance_defaults_to_8_and_stops_at_16() {
        let of = |value: &str| max_distance(&Params::parse([("max_distance", value)]).unwrap());
        assert_eq!(max_distance(&Params::default()).unwrap(), 8);
        assert_eq!(of("0").unwrap(), 0);
        assert_eq!(of("16").unwrap(), 16);
        for bad in ["17", "-1", "eight", "4.5"] {
            assert!(matches!(of(bad), Err(ApiError::Reason(_))), "{bad:?}");
        }
    }
}
