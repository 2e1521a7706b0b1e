//! CORS on the routes a browser page calls directly (upload, unsigned
//! upload, delete_by_token): preflight `OPTIONS` answered, and
//! `Access-Control-Allow-Origin` on every answer, errors included, so the
//! page can read Cloudinary's error message. Origins come from
//! `ASSAY_CORS_ORIGINS` (`*` by default, as Cloudinary). The Admin API sends
//! none: its credentials belong on servers.

use actix_cors::Cors;
use actix_web::dev::HttpServiceFactory;
use actix_web::{web, Route};
use common::cors::CorsOrigins;

/// How long a browser may keep a preflight's answer.
const PREFLIGHT_MAX_AGE_SECS: usize = 24 * 60 * 60;

/// `path` answering `route`, with CORS for `origins`; any other method
/// gets the usual "No route" answer.
pub fn browser_route(origins: &CorsOrigins, path: &str, route: Route) -> impl HttpServiceFactory {
    web::resource(path)
        .wrap(policy(origins))
        .route(route)
        .default_service(web::to(service::server::unknown_route))
}

/// `POST` with any request header (the SDKs' `X-Requested-With`, chunked
/// uploads' `Content-Range` and `X-Unique-Upload-Id`), no cookies. A request
/// from an origin not listed is still served (authentication decides, not
/// the origin), only without the headers that would let its page read it.
fn policy(origins: &CorsOrigins) -> Cors {
    let cors = Cors::default()
        .allowed_methods(["POST"])
        .allow_any_header()
        .max_age(PREFLIGHT_MAX_AGE_SECS)
        .block_on_origin_mismatch(false);
    match origins {
        CorsOrigins::Any => cors.allow_any_origin().send_wildcard(),
        CorsOrigins::Listed(listed) => listed
            .iter()
            .fold(cors, |cors, origin| cors.allowed_origin(origin)),
    }
}
