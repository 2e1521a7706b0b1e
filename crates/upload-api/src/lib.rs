//! The Upload API: signed `upload` and `explicit`, and delivery of originals.
//!
//! [`configure`] mounts the routes; the `upload-api` binary, `assay serve` and
//! the end-to-end tests all serve them through `service::server::http_server`.

mod auth;
pub mod routes;
pub mod source;

use actix_web::web;
use service::AppState;

use crate::source::RemoteFetcher;

/// Mounts the Upload API's routes, with the remote fetcher its uploads use.
pub fn configure(cfg: &mut web::ServiceConfig, state: &AppState) {
    let config = &state.config;
    match RemoteFetcher::new(config.remote_fetch_allow.clone(), config.max_upload_bytes) {
        Ok(fetcher) => {
            cfg.app_data(web::Data::new(fetcher));
        }
        // Without a fetcher only remote-URL uploads fail, each with a 500 that is logged.
        Err(err) => tracing::error!(error = %err, "remote fetching is unavailable"),
    }
    cfg.route(
        "/v1_1/{cloud}/{resource_type}/upload",
        web::post().to(routes::upload::upload),
    )
    .route(
        "/v1_1/{cloud}/{resource_type}/explicit",
        web::post().to(routes::explicit::explicit),
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
