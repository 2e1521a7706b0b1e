//! `/v1_1/{cloud}/metadata_fields[...]`: structured metadata fields, as the
//! SDKs' `list_metadata_fields`, `metadata_field_by_field_id`,
//! `add_metadata_field`, `update_metadata_field`, `delete_metadata_field`,
//! `update_metadata_field_datasource`, `delete_datasource_entries`,
//! `restore_metadata_field_datasource`, `order_metadata_field_datasource` /
//! `reorder_metadata_field_datasource` and `reorder_metadata_fields` call
//! them (JSON bodies). What a field may hold is `service::structured_metadata`.
//!
//! Every change is written only over the revision of the field it was
//! computed from; a concurrent change makes the call read the field again.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};
use service::body;
use service::structured_metadata::definition::{
    self, merge_datasource, ordered_datasource, render, render_active_datasource, set_entry_states,
    DatasourceSpec, FieldSpec,
};
use service::structured_metadata::{fields, MetadataError};
use service::{ApiError, AppState, Reason};
use store::metadata_fields::{Created, EntryState, FieldDefinition, MetadataField};

/// The routes under `/v1_1/{cloud}/metadata_fields`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(list))
        .route("", web::post().to(create))
        // Before `/{external_id}`, which would take `order` for a field.
        .route("/order", web::put().to(reorder_fields))
        .route("/{external_id}", web::get().to(details))
        .route("/{external_id}", web::put().to(update))
        .route("/{external_id}", web::delete().to(delete))
        .route(
            "/{external_id}/datasource",
            web::put().to(update_datasource),
        )
        .route(
            "/{external_id}/datasource",
            web::delete().to(delete_entries),
        )
        .route(
            "/{external_id}/datasource_restore",
            web::post().to(restore_entries),
        )
        .route(
            "/{external_id}/datasource/order",
            web::post().to(order_datasource),
        );
}

type FieldPath = web::Path<(String, String)>;

/// `{"external_ids": [...]}`: the entries to delete or restore.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryIds {
    external_ids: Vec<String>,
}

/// `{"order_by": ..., "direction": "asc" | "desc"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Order {
    order_by: String,
    #[serde(default)]
    direction: Option<String>,
}

impl Order {
    fn descending(&self) -> Result<bool, ApiError> {
        match self.direction.as_deref() {
            None | Some("asc") => Ok(false),
            Some("desc") => Ok(true),
            Some(other) => Err(Reason::InvalidParameter {
                name: "direction".into(),
                detail: format!("{other:?} is not asc or desc"),
            }
            .into()),
        }
    }
}

async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let all: Vec<Value> = fields(&state).list().await?.iter().map(render).collect();
    Ok(HttpResponse::Ok().json(json!({ "metadata_fields": all })))
}

async fn create(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let spec: FieldSpec = body::read_json(request.headers(), payload).await?;
    let (external_id, field_type, definition) = definition::new_field(spec)?;
    let now = state.clock.now().timestamp();
    match fields(&state)
        .create(&external_id, field_type, &definition, now)
        .await?
    {
        Created::Created(field) => Ok(HttpResponse::Ok().json(render(&field))),
        Created::Exists => Err(MetadataError::AlreadyExists(external_id).into()),
        Created::TooMany => Err(MetadataError::TooManyFields.into()),
    }
}

async fn details(path: FieldPath, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let (_cloud, external_id) = path.into_inner();
    let field = existing(&state, &external_id).await?;
    Ok(HttpResponse::Ok().json(render(&field)))
}

async fn update(
    path: FieldPath,
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (_cloud, external_id) = path.into_inner();
    let body: Value = body::read_json(request.headers(), payload).await?;
    let field = change(&state, &external_id, |field| {
        let spec: FieldSpec =
            serde_json::from_value(body.clone()).map_err(|e| Reason::InvalidJsonBody {
                detail: e.to_string(),
            })?;
        Ok(definition::updated(field, spec)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(render(&field)))
}

async fn delete(path: FieldPath, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let (_cloud, external_id) = path.into_inner();
    if fields(&state).delete(&external_id).await? {
        Ok(HttpResponse::Ok().json(json!({ "message": "ok" })))
    } else {
        Err(MetadataError::FieldNotFound(external_id).into())
    }
}

async fn update_datasource(
    path: FieldPath,
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (_cloud, external_id) = path.into_inner();
    let body: Value = body::read_json(request.headers(), payload).await?;
    let field = change(&state, &external_id, |field| {
        if !field.field_type.has_datasource() {
            return Err(MetadataError::NoDatasource(field.external_id.clone()).into());
        }
        let spec: DatasourceSpec =
            serde_json::from_value(body.clone()).map_err(|e| Reason::InvalidJsonBody {
                detail: e.to_string(),
            })?;
        let mut definition = field.definition.clone();
        definition.datasource = merge_datasource(&definition.datasource, spec)?;
        Ok(definition)
    })
    .await?;
    Ok(HttpResponse::Ok().json(render_active_datasource(&field)))
}

async fn delete_entries(
    path: FieldPath,
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    set_states(path, request, payload, state, EntryState::Inactive).await
}

async fn restore_entries(
    path: FieldPath,
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    set_states(path, request, payload, state, EntryState::Active).await
}

async fn set_states(
    path: FieldPath,
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    entry_state: EntryState,
) -> Result<HttpResponse, ApiError> {
    let (_cloud, external_id) = path.into_inner();
    let ids: EntryIds = body::read_json(request.headers(), payload).await?;
    let field = change(&state, &external_id, |field| {
        Ok(set_entry_states(field, &ids.external_ids, entry_state)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(render_active_datasource(&field)))
}

async fn order_datasource(
    path: FieldPath,
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (_cloud, external_id) = path.into_inner();
    let order: Order = body::read_json(request.headers(), payload).await?;
    if order.order_by != "value" {
        return Err(Reason::InvalidParameter {
            name: "order_by".into(),
            detail: format!("{:?} is not value", order.order_by),
        }
        .into());
    }
    let descending = order.descending()?;
    let field = change(&state, &external_id, |field| {
        Ok(ordered_datasource(field, descending)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(render_active_datasource(&field)))
}

async fn reorder_fields(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let order: Order = body::read_json(request.headers(), payload).await?;
    let descending = order.descending()?;
    let store = fields(&state);
    let mut all = store.list().await?;
    match order.order_by.as_str() {
        "label" => all.sort_by(|a, b| a.definition.label.cmp(&b.definition.label)),
        "external_id" => all.sort_by(|a, b| a.external_id.cmp(&b.external_id)),
        // Row ids grow with creation.
        "created_at" => all.sort_by_key(|f| f.id),
        other => {
            return Err(Reason::InvalidParameter {
                name: "order_by".into(),
                detail: format!("{other:?} is not label, external_id or created_at"),
            }
            .into())
        }
    }
    if descending {
        all.reverse();
    }
    let ids: Vec<i64> = all.iter().map(|f| f.id).collect();
    store.reorder(&ids).await?;
    let rendered: Vec<Value> = all.iter().map(render).collect();
    Ok(HttpResponse::Ok().json(json!({ "metadata_fields": rendered })))
}

async fn existing(state: &AppState, external_id: &str) -> Result<MetadataField, ApiError> {
    fields(state)
        .get(external_id)
        .await?
        .ok_or_else(|| MetadataError::FieldNotFound(external_id.to_owned()).into())
}

/// Reads the field, computes its new definition with `changed` and writes it
/// over the revision read; a concurrent change makes it read again.
async fn change(
    state: &AppState,
    external_id: &str,
    changed: impl Fn(&MetadataField) -> Result<FieldDefinition, ApiError>,
) -> Result<MetadataField, ApiError> {
    let store = fields(state);
    loop {
        let current = existing(state, external_id).await?;
        let definition = changed(&current)?;
        if let Some(field) = store.replace(&current, &definition).await? {
            return Ok(field);
        }
    }
}
