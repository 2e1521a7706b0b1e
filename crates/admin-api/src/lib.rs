//! The Admin API: resource details, update, list, delete and ping under
//! `/v1_1/<cloud>/`, for back-office code holding the API key and secret.
//!
//! Every call passes, in order: [`auth`] (HTTP Basic, 401 otherwise) and
//! [`rate_limit`] (one unit of the key's hourly budget, 420 past it); the
//! server around every API adds the `X-Request-Id` (`service::request_id`). [`configure`] mounts the routes;
//! the `admin-api` binary, `assay serve` and the end-to-end tests all serve
//! them through `service::server::http_server`.

pub mod auth;
pub mod rate_limit;
pub mod routes;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{web, Scope};
use service::AppState;

use crate::auth::{require_credentials, Authenticator};
use crate::rate_limit::{enforce_budget, AdminRateLimiter};

/// Mounts the Admin API's routes, with the authenticator and rate limiter
/// they run behind.
pub fn configure(cfg: &mut web::ServiceConfig, state: &AppState) {
    let config = &state.config;
    cfg.app_data(web::Data::new(Authenticator::new(
        &config.cloud_name,
        config.credentials.clone(),
    )))
    .app_data(web::Data::new(AdminRateLimiter::for_state(state)))
    .app_data(web::Data::new(upload_api::notifications::Notifier::new(
        config,
    )));
    cfg.service(behind_admin_checks("/v1_1/{cloud}/resources").configure(routes::resources))
        .service(
            behind_admin_checks("/v1_1/{cloud}/upload_presets")
                .configure(routes::upload_presets::routes),
        )
        .service(
            behind_admin_checks("/v1_1/{cloud}/tags")
                .route("/{resource_type}", web::get().to(routes::tags::list_tags)),
        )
        .service(
            behind_admin_checks("/v1_1/{cloud}/ping").route("", web::get().to(routes::ping::ping)),
        )
        .service(
            behind_admin_checks("/v1_1/{cloud}/metadata_fields")
                .configure(routes::metadata_fields::routes),
        )
        // The Node SDK escapes its endpoint `resources/search` as one path
        // segment; the router matches `%2F` still encoded.
        .service(
            behind_admin_checks("/v1_1/{cloud}/resources%2Fsearch")
                .route("", web::post().to(routes::search::search_post))
                .route("", web::get().to(routes::search::search_get)),
        );
}

/// A scope whose every request passes the credentials and budget checks, in
/// that order (the last `wrap` runs first).
fn behind_admin_checks(
    path: &str,
) -> Scope<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    web::scope(path)
        .wrap(from_fn(enforce_budget))
        .wrap(from_fn(require_credentials))
}
