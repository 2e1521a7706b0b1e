//! The Admin API: resource details, update, list, delete and ping under
//! `/v1_1/<cloud>/`, for back-office code holding the API key and secret.
//!
//! Every call passes, in order: [`request_id`] (an `X-Request-Id` on every
//! answer), [`auth`] (HTTP Basic, 401 otherwise) and [`rate_limit`] (one unit
//! of the key's hourly budget, 420 past it). [`configure`] mounts the routes;
//! the `admin-api` binary, `assay serve` and the end-to-end tests all serve
//! them through `service::server::http_server`.

pub mod auth;
mod body;
pub mod rate_limit;
pub mod request_id;
pub mod routes;

use actix_web::middleware::from_fn;
use actix_web::web;
use service::AppState;

use crate::auth::{require_credentials, Authenticator};
use crate::rate_limit::{enforce_budget, AdminRateLimiter};
use crate::request_id::tag_with_request_id;

/// Mounts the Admin API's routes, with the authenticator and rate limiter
/// they run behind.
pub fn configure(cfg: &mut web::ServiceConfig, state: &AppState) {
    let config = &state.config;
    cfg.app_data(web::Data::new(Authenticator::new(
        &config.cloud_name,
        config.credentials.clone(),
    )))
    .app_data(web::Data::new(AdminRateLimiter::for_state(state)));
    // Middleware runs outside-in in reverse order of `wrap`: request id,
    // then credentials, then the budget.
    cfg.service(
        web::scope("/v1_1/{cloud}/resources")
            .wrap(from_fn(enforce_budget))
            .wrap(from_fn(require_credentials))
            .wrap(from_fn(tag_with_request_id))
            .configure(routes::resources),
    )
    .service(
        web::scope("/v1_1/{cloud}/ping")
            .wrap(from_fn(enforce_budget))
            .wrap(from_fn(require_credentials))
            .wrap(from_fn(tag_with_request_id))
            .route("", web::get().to(routes::ping::ping)),
    );
}
