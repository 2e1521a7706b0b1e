//! The HTTP server every entry point runs: the `upload-api` and `admin-api`
//! binaries, `assay serve` and the end-to-end tests differ only in which
//! routes they mount.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError, UrlencodedError};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

use crate::{health, ApiError, AppState};

/// How an API adds its routes (and any per-worker data of its own) to an app.
pub type Mount = fn(&mut web::ServiceConfig, &AppState);

/// Serves `mount`'s routes, plus the [`health`] probes, on `listener` with
/// `state` shared by all workers. Extractor failures and unknown routes answer
/// in the Cloudinary error shape.
pub fn http_server(
    listener: TcpListener,
    state: AppState,
    mount: Mount,
) -> std::io::Result<Server> {
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        let state = data.clone();
        App::new()
            .app_data(state.clone())
            .app_data(
                web::JsonConfig::default().error_handler(|e: JsonPayloadError, _| bad_request(e)),
            )
            .app_data(
                web::FormConfig::default().error_handler(|e: UrlencodedError, _| bad_request(e)),
            )
            .app_data(
                web::QueryConfig::default().error_handler(|e: QueryPayloadError, _| bad_request(e)),
            )
            .app_data(web::PathConfig::default().error_handler(|e: PathError, _| bad_request(e)))
            .configure(health::configure)
            .configure(|cfg| mount(cfg, &state))
            .default_service(web::to(unknown_route))
    })
    .listen(listener)?
    .run();
    Ok(server)
}

fn bad_request(err: impl std::fmt::Display) -> actix_web::Error {
    ApiError::BadRequest(err.to_string()).into()
}

async fn unknown_route(request: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!(
        "No route for {} {}",
        request.method(),
        request.path()
    )))
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`). Call once from `main`.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A second call (tests, embedded use) keeps the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
