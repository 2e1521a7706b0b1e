//! `X-Request-Id` on every admin answer: the Python SDK copies it into
//! results and errors as `request_id`, which lets a caller quote a failed call.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;

const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Middleware: a fresh id (32 hex digits) per request, also logged with
/// the outcome so logs and client reports meet.
pub async fn tag_with_request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let method = req.method().clone();
    let path = req.path().to_owned();
    let mut response = next.call(req).await?;
    tracing::debug!(request_id = %id, %method, %path, status = response.status().as_u16(), "admin call");
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    Ok(response)
}
