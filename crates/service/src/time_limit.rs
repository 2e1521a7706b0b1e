//! The request time limit: no request holds a worker, a connection and its
//! buffers longer than [`REQUEST_TIME_LIMIT`], however slowly its client
//! sends the body. Past it the request is dropped and the client gets a 400
//! (408 is not a status the SDKs read an error from).

use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use crate::{ApiError, Reason};

/// Far above the slowest legitimate request (a 100 MB upload on a slow link,
/// or OCR of a large scan after a 30 s remote fetch).
pub const REQUEST_TIME_LIMIT: Duration = Duration::from_secs(300);

/// Middleware: [`REQUEST_TIME_LIMIT`] on every request.
pub async fn limit_request_time(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    within(REQUEST_TIME_LIMIT, req, next).await
}

async fn within<B: MessageBody>(
    limit: Duration,
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    // The request is not cloned: routing needs it uniquely owned.
    match tokio::time::timeout(limit, next.call(req)).await {
        Ok(outcome) => outcome,
        Err(_) => Err(ApiError::from(Reason::RequestTimeout {
            seconds: limit.as_secs_f64(),
        })
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::middleware::from_fn;
    use actix_web::{test, web, App, HttpResponse};

    #[actix_web::test]
    async fn a_request_over_the_limit_is_a_json_400() {
        let app = test::init_service(
            App::new()
                .wrap(from_fn(|req, next| {
                    within(Duration::from_millis(20), req, next)
                }))
                .route(
                    "/slow",
                    web::get().to(|| async {
                        tokio::time::sleep(Duration::from_secs(30)).await;
                        HttpResponse::Ok().finish()
                    }),
                )
                .route("/fast", web::get().to(HttpResponse::Ok)),
        )
        .await;
        // The server turns a middleware's error into its response.
        let slow = test::try_call_service(&app, test::TestRequest::get().uri("/slow").to_request())
            .await
            .expect_err("the slow request is cut off")
            .error_response();
        assert_eq!(slow.status(), 400);
        let body = actix_web::body::to_bytes(slow.into_body()).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("Request timeout"),
            "{body}"
        );
        let fast =
            test::call_service(&app, test::TestRequest::get().uri("/fast").to_request()).await;
        assert_eq!(fast.status(), 200);
    }
}
