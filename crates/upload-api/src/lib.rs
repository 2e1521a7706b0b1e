//! The Upload API: signed `upload` and `explicit`, and delivery of originals.
//!
//! [`configure`] mounts the routes; the `upload-api` binary, `assay serve` and
//! the end-to-end tests all serve them through `service::server::http_server`.

mod auth;
mod chunked;
mod cors;
mod jobs;
pub mod notifications;
pub mod routes;
pub mod source;

use actix_web::web;
use service::AppState;

use crate::cors::browser_route;
use crate::source::RemoteFetcher;

/// Mounts the Upload API's routes, with the remote fetcher its uploads use.
pub fn configure(cfg: &mut web::ServiceConfig, state: &AppState) {
    let config = &state.config;
    let fetcher =
        match RemoteFetcher::new(config.remote_fetch_allow.clone(), config.max_upload_bytes) {
            Ok(fetcher) => {
                cfg.app_data(web::Data::new(fetcher.clone()));
                Some(fetcher)
            }
            // Without a fetcher only remote-URL uploads and notifications fail,
            // each with a 500 (or a retried job) that is logged.
            Err(err) => {
                tracing::error!(error = %err, "remote fetching is unavailable");
                None
            }
        };
    // Mounting runs once per HTTP worker thread; the queue workers run once
    // per process (per app state).
    state.start_once(|| {
        jobs::start(state, fetcher);
        chunked::start_sweeper(state);
    });
    // Browsers call upload and delete_by_token directly: those answer CORS.
    let origins = &config.cors_origins;
    cfg.service(browser_route(
        origins,
        "/v1_1/{cloud}/{resource_type}/upload",
        web::post().to(routes::upload::upload),
    ))
    .route(
        "/v1_1/{cloud}/{resource_type}/explicit",
        web::post().to(routes::explicit::explicit),
    )
    .route(
        "/v1_1/{cloud}/{resource_type}/metadata",
        web::post().to(routes::metadata::update_metadata),
    )
    // Cloudinary's client libraries post to either form.
    .service(browser_route(
        origins,
        "/v1_1/{cloud}/delete_by_token",
        web::post().to(routes::delete_by_token::delete_with_token),
    ))
    .service(browser_route(
        origins,
        "/v1_1/{cloud}/{resource_type}/delete_by_token",
        web::post().to(routes::delete_by_token::delete_with_token),
    ))
    .route(
        "/v1_1/{cloud}/{resource_type}/destroy",
        web::post().to(routes::destroy::destroy),
    )
    .route(
        "/v1_1/{cloud}/{resource_type}/rename",
        web::post().to(routes::rename::rename),
    )
    .route(
        "/v1_1/{cloud}/{resource_type}/tags",
        web::post().to(routes::tags::tags),
    )
    .route(
        "/v1_1/{cloud}/{resource_type}/context",
        web::post().to(routes::context::context),
    )
    .route(
        "/{cloud}/{resource_type:image|video|raw}/{type}/{tail:.+}",
        web::get().to(routes::deliver::deliver),
    )
    .route(
        "/{cloud}/{resource_type:image|video|raw}/{type}/{tail:.+}",
        web::head().to(routes::deliver::deliver),
    );
}
