//! The HTTP server every entry point runs: the `upload-api` and `admin-api`
//! binaries, `assay serve` and the end-to-end tests differ only in which
//! routes they mount.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError, UrlencodedError};
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use anyhow::Context;
use common::Config;

use crate::request_id::tag_with_request_id;
use crate::telemetry::{self, LogFormat};
use crate::time_limit::limit_request_time;
use crate::{health, ApiError, AppState, Reason};

/// How long a stopping server (SIGTERM, SIGINT) lets requests in flight
/// finish before dropping them. Fits the shortest pod grace period
/// (`admin-api`: 30 s, less the 5 s `preStop` pause).
pub const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(25);

/// How an API adds its routes (and any per-worker data of its own) to an app.
pub type Mount = fn(&mut web::ServiceConfig, &AppState);

/// Serves `mount`'s routes, plus the [`health`] probes and `GET /metrics`, on
/// `listener` with `state` shared by all workers. Every request gets an
/// `X-Request-Id` and a log span, and is counted in the state's metrics.
/// Extractor failures and unknown routes answer in the Cloudinary error shape.
/// On SIGTERM or SIGINT it stops accepting and waits up to
/// [`SHUTDOWN_TIMEOUT`] for requests in flight.
pub fn http_server(
    listener: TcpListener,
    state: AppState,
    mount: Mount,
) -> std::io::Result<Server> {
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        let state = data.clone();
        App::new()
            // The last `wrap` runs first: the request id encloses everything.
            .wrap(from_fn(limit_request_time))
            .wrap(state.metrics.http_middleware())
            .wrap(from_fn(tag_with_request_id))
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
    // One HTTP worker: on SIGTERM actix stops an idle worker at once, and
    // its runtime takes with it every pooled database connection that worker
    // opened, so a request still running on another worker could draw a dead
    // connection and fail (seen: 2 of 10 stops). With one worker the runtime
    // serving requests is the one that waits for them. Analyses run on the
    // blocking pool, so one async thread is not what limits throughput.
    .workers(1)
    // A client that closes its side is gone: the connection ends and its
    // request's handler is dropped, which stops its work (a search cancels
    // its query). HTTP clients, the SDKs included, never half-close.
    .h1_allow_half_closed(false)
    .shutdown_timeout(SHUTDOWN_TIMEOUT.as_secs())
    .listen(listener)?
    .run();
    Ok(server)
}

/// Serves until stopped (see [`http_server`]), then closes the database pool.
pub async fn serve_until_stopped(
    listener: TcpListener,
    state: AppState,
    mount: Mount,
) -> anyhow::Result<()> {
    let store = state.store.clone();
    http_server(listener, state, mount)?.await?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// The whole `main` of a production binary (`upload-api`, `admin-api`): JSON
/// logs, the configuration from the environment (refusing the development
/// credentials), then `mount`'s API on `ASSAY_LISTEN` until stopped.
pub async fn run_production(binary: &str, mount: Mount) -> anyhow::Result<()> {
    telemetry::init(LogFormat::Json);
    let config = Config::from_env()?;
    config.refuse_dev_credentials()?;
    let listener =
        TcpListener::bind(config.listen).with_context(|| format!("binding {}", config.listen))?;
    tracing::info!(address = %config.listen, "{binary} listening");
    let state = AppState::from_config(config).await?;
    serve_until_stopped(listener, state, mount).await
}

fn bad_request(err: impl std::fmt::Display) -> actix_web::Error {
    ApiError::from(Reason::Rejected(err.to_string().into())).into()
}

/// The answer to a path or method no route serves (also a resource's own
/// default, so a resource that wraps middleware answers the same).
pub async fn unknown_route(request: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(Reason::NoRoute {
        method: request.method().to_string(),
        path: request.path().to_owned(),
    }
    .into())
}
