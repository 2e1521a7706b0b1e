//! One module per endpoint, all under `/v1_1/{cloud}/resources` but `ping`.

pub mod by_asset_id;
pub mod by_label;
pub mod delete;
pub mod details;
pub mod list;
pub mod metadata_fields;
pub mod ping;
pub mod search;
pub mod similar;
pub mod tags;
pub mod update;
pub mod upload_presets;

use actix_web::{web, HttpRequest};
use serde::Deserialize;
use serde_json::{Map, Value};
use service::params::{validate_public_id, ExtractionRequest};
use service::resource::{render_resource, PublicBase};
use service::{ApiError, AppState, Reason};
use store::{Asset, AssetKey};

const RESOURCE_TYPES: [&str; 3] = ["image", "video", "raw"];
const DELIVERY_TYPES: [&str; 3] = ["upload", "private", "authenticated"];

/// The routes under `/v1_1/{cloud}/resources`.
pub fn resources(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::delete().to(by_asset_id::delete_by_asset_ids))
        .route(
            "/by_asset_ids",
            web::get().to(by_asset_id::resources_by_asset_ids),
        )
        .route(
            "/by_asset_ids",
            web::delete().to(by_asset_id::delete_by_asset_ids),
        )
        .route(
            "/{resource_type:image|video|raw}",
            web::get().to(list::list_resources),
        )
        // Before the asset_id route, which would take `search` for an id.
        .route("/search", web::post().to(search::search_post))
        .route("/search", web::get().to(search::search_get))
        // Any other single segment is an asset_id (`resource_by_asset_id`).
        .route(
            "/{asset_id}",
            web::get().to(by_asset_id::resource_by_asset_id),
        )
        // Before `/{resource_type}/{type}`, which would take `similar` for a type.
        .route(
            "/{resource_type}/similar",
            web::get().to(similar::similar_resources),
        )
        // Before `/{resource_type}/{type}[/{public_id}]`, which would take
        // `tags` and `context` for delivery types.
        .route(
            "/{resource_type}/tags/{tag:.+}",
            web::get().to(by_label::resources_by_tag),
        )
        .route(
            "/{resource_type}/tags/{tag:.+}",
            web::delete().to(by_label::delete_resources_by_tag),
        )
        .route(
            "/{resource_type}/context",
            web::get().to(by_label::resources_by_context),
        )
        .route(
            "/{resource_type}/{type}",
            web::get().to(list::list_resources),
        )
        .route(
            "/{resource_type}/{type}",
            web::delete().to(delete::delete_resources),
        )
        // The public_id is everything after the type, slashes included: the
        // Python SDK sends `a/b` literally, Node sends `a%2Fb`; actix's router
        // keeps `%2F` encoded while matching and the path extractor decodes
        // it, so both arrive as `a/b`.
        .route(
            "/{resource_type}/{type}/{public_id:.+}",
            web::get().to(details::resource_details),
        )
        .route(
            "/{resource_type}/{type}/{public_id:.+}",
            web::post().to(update::update_resource),
        );
}

/// `/{resource_type}/{type}/{public_id}`.
#[derive(Debug, Deserialize)]
pub struct AssetPath {
    resource_type: String,
    #[serde(rename = "type")]
    delivery_type: String,
    public_id: String,
}

impl AssetPath {
    /// The asset this path names; 400 for a path no asset can have.
    fn key(self) -> Result<AssetKey, ApiError> {
        check_resource_type(&self.resource_type)?;
        check_delivery_type(&self.delivery_type)?;
        validate_public_id(&self.public_id)?;
        Ok(AssetKey::new(
            self.resource_type,
            self.delivery_type,
            self.public_id,
        ))
    }
}

/// `/{resource_type}[/{type}]`: the resources of a list or delete call.
#[derive(Debug, Deserialize)]
pub struct CollectionPath {
    resource_type: String,
    #[serde(rename = "type")]
    delivery_type: Option<String>,
}

impl CollectionPath {
    fn checked(self) -> Result<(String, Option<String>), ApiError> {
        check_resource_type(&self.resource_type)?;
        if let Some(delivery_type) = &self.delivery_type {
            check_delivery_type(delivery_type)?;
        }
        Ok((self.resource_type, self.delivery_type))
    }
}

fn check_resource_type(resource_type: &str) -> Result<(), ApiError> {
    if RESOURCE_TYPES.contains(&resource_type) {
        Ok(())
    } else {
        Err(Reason::UnknownResourceType {
            value: resource_type.to_string(),
        }
        .into())
    }
}

fn check_delivery_type(delivery_type: &str) -> Result<(), ApiError> {
    if DELIVERY_TYPES.contains(&delivery_type) {
        Ok(())
    } else {
        Err(Reason::UnknownDeliveryType {
            name: "type".into(),
            value: delivery_type.to_string(),
        }
        .into())
    }
}

/// The resource JSON of `asset` with delivery URLs for this request.
fn resource_json(
    state: &AppState,
    request: &HttpRequest,
    asset: &Asset,
    shown: &ExtractionRequest,
) -> Map<String, Value> {
    let base = PublicBase::for_request(state.config.public_url.as_deref(), request);
    render_resource(
        asset,
        shown,
        base.delivery_urls(&state.config.cloud_name, asset),
    )
}

/// Checks a value that selects assets by public_id (`prefix`, an entry of
/// `public_ids`). One with a control character matches nothing (uploads
/// refuse them in public_ids), and PostgreSQL cannot even take a NUL in a text
/// parameter: both databases answer the same 400, naming `name`.
fn check_id_filter(name: &str, value: &str) -> Result<(), ApiError> {
    if value.chars().any(char::is_control) {
        return Err(Reason::ControlCharacters {
            name: name.to_string(),
        }
        .into());
    }
    Ok(())
}
