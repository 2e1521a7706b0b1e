//! `X-Request-Id` on every answer of every API, and a tracing span per
//! request carrying it, so a client's report and the server's logs meet. The
//! Python SDK copies the header into results and errors as `request_id`.
//!
//! A caller's (or proxy's) id is kept when it is a sensible token; otherwise
//! a fresh one (32 hex digits) is made. Hand-written rather than
//! tracing-actix-web's `TracingLogger`, whose request id is always its own
//! and cannot adopt the incoming header.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use tracing::Instrument;

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");
/// Longer incoming ids are replaced: they would bloat every log line.
const MAX_INCOMING_LEN: usize = 128;

/// The current request's id, also in the request's extensions for handlers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

impl RequestId {
    /// The incoming header's value if it is 1-128 visible ASCII characters,
    /// else a new random id.
    fn adopt_or_generate(incoming: Option<&HeaderValue>) -> Self {
        let adopted = incoming.and_then(|value| value.to_str().ok()).filter(|id| {
            !id.is_empty()
                && id.len() <= MAX_INCOMING_LEN
                && id.bytes().all(|b| b.is_ascii_graphic())
        });
        match adopted {
            Some(id) => RequestId(id.to_owned()),
            None => RequestId(uuid::Uuid::new_v4().simple().to_string()),
        }
    }
}

/// Middleware (outermost, for every route): runs the request inside a
/// `request` span holding its id, method and matched route, logs one line
/// with the status and duration when it ends, and puts the id on the response,
/// errors included.
pub async fn tag_with_request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = RequestId::adopt_or_generate(req.headers().get(&REQUEST_ID_HEADER));
    let span = tracing::info_span!(
        "request",
        request_id = %id.0,
        method = %req.method(),
        path = %req.path(),
    );
    req.extensions_mut().insert(id.clone());
    let started = Instant::now();
    let outcome = next.call(req).instrument(span.clone()).await;
    let header = HeaderValue::from_str(&id.0).ok();
    let mut response = match outcome {
        Ok(response) => response,
        // An inner middleware's error: its response, built here, carries the id too.
        Err(err) => {
            let mut response = err.error_response();
            span.in_scope(|| tracing::info!(status = response.status().as_u16(), error = %err, "request failed"));
            if let Some(value) = header {
                response.headers_mut().insert(REQUEST_ID_HEADER, value);
            }
            return Err(InternalError::from_response(err, response).into());
        }
    };
    span.in_scope(|| {
        tracing::info!(
            route = response
                .request()
                .match_pattern()
                .as_deref()
                .unwrap_or("UNMATCHED"),
            status = response.status().as_u16(),
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            "request finished"
        )
    });
    if let Some(value) = header {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adopted(value: &str) -> String {
        RequestId::adopt_or_generate(Some(&HeaderValue::from_str(value).unwrap())).0
    }

    #[test]
    fn a_sensible_incoming_id_is_kept() {
        assert_eq!(adopted("req-42.abc_DEF"), "req-42.abc_DEF");
    }

    #[test]
    fn a_missing_blank_or_oversized_id_is_replaced_by_a_fresh_one() {
        let fresh = RequestId::adopt_or_generate(None).0;
        assert_eq!(fresh.len(), 32);
        assert!(fresh.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(fresh, RequestId::adopt_or_generate(None).0);

        for bad in ["", "has space", &"x".repeat(MAX_INCOMING_LEN + 1)] {
            let replaced = adopted(bad);
            assert_ne!(replaced, bad);
            assert_eq!(replaced.len(), 32);
        }
    }
}
