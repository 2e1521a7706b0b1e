//! `/v1_1/{cloud}/upload_presets[/{name}]`: the presets an upload names with
//! `upload_preset` (see `service::presets` for what they carry), as the SDKs'
//! `create_upload_preset`, `upload_presets`, `upload_preset`,
//! `update_upload_preset` and `delete_upload_preset` call them.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use service::params::random_id;
use service::presets::{check_preset, presets, render, settings_from_params};
use service::{ApiError, AppState, Reason};
use store::upload_presets::UploadPreset;
use upload_api::notifications::Notifier;

use service::body;

use super::list::max_results;

const MAX_NAME_CHARS: usize = 255;
/// A name the server picks when the call gives none, as Cloudinary does.
const GENERATED_NAME_LEN: usize = 8;

/// The routes under `/v1_1/{cloud}/upload_presets`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(list))
        .route("", web::post().to(create))
        .route("/{name}", web::get().to(details))
        .route("/{name}", web::put().to(update))
        .route("/{name}", web::delete().to(delete));
}

async fn list(request: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let params = body::query_params(request.query_string())?;
    let page = presets(&state)
        .list(max_results(&params)?, params.get("next_cursor"))
        .await?;
    let rendered: Vec<Value> = page.presets.iter().map(render).collect();
    let mut body = json!({ "presets": rendered });
    if let Some(cursor) = page.next_cursor {
        body["next_cursor"] = json!(cursor);
    }
    Ok(HttpResponse::Ok().json(body))
}

async fn create(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    notifier: web::Data<Notifier>,
) -> Result<HttpResponse, ApiError> {
    let params = body::read_params(request.headers(), payload).await?;
    let name = match params.get("name") {
        Some(name) => validated_name(name)?,
        None => generated_name(),
    };
    let preset = UploadPreset {
        name,
        unsigned: params.is_set("unsigned")?,
        settings: settings_from_params(&params)?,
    };
    check_settings(&preset, &notifier)?;
    let now = state.clock.now().timestamp();
    if !presets(&state).create(&preset, now).await? {
        return Err(Reason::PresetExists {
            name: preset.name.clone(),
        }
        .into());
    }
    Ok(HttpResponse::Ok().json(json!({ "message": "created", "name": preset.name })))
}

async fn details(
    name: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (_cloud, name) = name.into_inner();
    let preset = presets(&state)
        .get(&name)
        .await?
        .ok_or_else(|| not_found(&name))?;
    Ok(HttpResponse::Ok().json(render(&preset)))
}

/// The given settings replace those of the same name; the others stay.
/// `unsigned` changes only when given.
async fn update(
    name: web::Path<(String, String)>,
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    notifier: web::Data<Notifier>,
) -> Result<HttpResponse, ApiError> {
    let (_cloud, name) = name.into_inner();
    let params = body::read_params(request.headers(), payload).await?;
    let changes = settings_from_params(&params)?;
    let unsigned = params.flag("unsigned")?;
    let store = presets(&state);
    // Written only over the version read: a concurrent update makes us read again.
    loop {
        let current = store.get(&name).await?.ok_or_else(|| not_found(&name))?;
        let mut updated = current.clone();
        updated.settings.extend(changes.clone());
        updated.unsigned = unsigned.unwrap_or(current.unsigned);
        check_settings(&updated, &notifier)?;
        if store.replace(&current, &updated).await? {
            return Ok(HttpResponse::Ok().json(json!({ "message": "updated" })));
        }
    }
}

async fn delete(
    name: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (_cloud, name) = name.into_inner();
    if presets(&state).delete(&name).await? {
        Ok(HttpResponse::Ok().json(json!({ "message": "deleted" })))
    } else {
        Err(not_found(&name))
    }
}

/// What only the whole preset (or this server's address rules) can tell: an
/// unsigned preset may not list other assets (`duplicates`), and a
/// `notification_url` must be one notifications can be sent to.
fn check_settings(preset: &UploadPreset, notifier: &Notifier) -> Result<(), ApiError> {
    check_preset(preset)?;
    match preset.settings.get("notification_url") {
        Some(url) => notifier.check_url(url),
        None => Ok(()),
    }
}

fn not_found(name: &str) -> ApiError {
    Reason::PresetNotFound {
        name: name.to_string(),
    }
    .into()
}

/// 1-255 characters, none of them `/` (the name is a path segment) or a
/// control character.
fn validated_name(name: &str) -> Result<String, ApiError> {
    if name.chars().count() > MAX_NAME_CHARS
        || name.contains('/')
        || name.chars().any(char::is_control)
    {
        return Err(Reason::InvalidParameter {
            name: "name".into(),
            detail: "must be 1-255 characters without '/' or control characters".into(),
        }
        .into());
    }
    Ok(name.to_owned())
}

fn generated_name() -> String {
    format!("preset_{}", random_id(GENERATED_NAME_LEN))
}
