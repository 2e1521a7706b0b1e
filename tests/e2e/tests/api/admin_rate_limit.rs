//! The admin API's hourly budget per API key: headers on every authenticated
//! answer, 420 past the budget, a fresh budget at the top of the hour, and one
//! budget for all replicas sharing the database.

use std::sync::Arc;

use assay_e2e::{error_of, Backend, TestApp, API_KEY};
use chrono::TimeDelta;

use crate::admin_client::{rate_limit_headers, AdminClient, ManualClock, RateLimitHeaders};

/// 10:15 UTC: the window runs 10:00-11:00.
const START: &str = "2030-01-01T10:15:00Z";
const NEXT_HOUR: &str = "Tue, 01 Jan 2030 11:00:00 GMT";

on_both_backends!(
    the_headers_count_down_then_420_refuses,
    refused_credentials_spend_nothing_and_carry_no_budget,
    error_answers_spend_and_carry_the_budget_too,
    the_budget_is_replenished_at_the_top_of_the_hour,
    two_app_instances_on_one_database_share_one_budget,
    preset_calls_carry_the_budget_headers,
);

async fn app_with_budget(backend: Backend, budget: u32, clock: Arc<ManualClock>) -> TestApp {
    TestApp::spawn_with_clock(backend, |config| config.admin_rate_limit = budget, clock).await
}

fn headers(limit: u32, remaining: u32, reset: &str) -> Option<RateLimitHeaders> {
    Some(RateLimitHeaders {
        limit,
        remaining,
        reset: reset.to_owned(),
    })
}

async fn the_headers_count_down_then_420_refuses(backend: Backend) {
    let app = app_with_budget(backend, 3, Arc::new(ManualClock::at(START))).await;
    let admin = AdminClient::new(&app.base_url);

    for remaining in [2, 1, 0] {
        let response = admin.ping().await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            rate_limit_headers(&response),
            headers(3, remaining, NEXT_HOUR)
        );
    }
    let refused = admin.ping().await;
    assert_eq!(refused.status(), 420);
    assert_eq!(rate_limit_headers(&refused), headers(3, 0, NEXT_HOUR));
    assert_eq!(
        error_of(refused).await,
        (420, "Rate Limit Exceeded. Limit of 3 api operations reached. Try again on 2030-01-01 11:00:00 UTC".into())
    );
    assert_eq!(
        admin.ping().await.status(),
        420,
        "refusals do not reopen the budget"
    );
}

async fn refused_credentials_spend_nothing_and_carry_no_budget(backend: Backend) {
    let app = app_with_budget(backend, 2, Arc::new(ManualClock::at(START))).await;

    for refused in [
        AdminClient::with_credentials(&app.base_url, API_KEY, Some("wrong-secret"))
            .ping()
            .await,
        AdminClient::with_credentials(&app.base_url, API_KEY, None)
            .ping()
            .await,
    ] {
        assert_eq!(refused.status(), 401);
        assert_eq!(rate_limit_headers(&refused), None);
    }
    let response = AdminClient::new(&app.base_url).ping().await;
    assert_eq!(
        rate_limit_headers(&response),
        headers(2, 1, NEXT_HOUR),
        "the 401s spent nothing"
    );
}

async fn error_answers_spend_and_carry_the_budget_too(backend: Backend) {
    let app = app_with_budget(backend, 5, Arc::new(ManualClock::at(START))).await;
    let admin = AdminClient::new(&app.base_url);

    let not_found = admin.resource("never-uploaded", "").await;
    assert_eq!(not_found.status(), 404);
    assert_eq!(rate_limit_headers(&not_found), headers(5, 4, NEXT_HOUR));
    let bad_request = admin.get("/resources/image/upload?max_results=many").await;
    assert_eq!(bad_request.status(), 400);
    assert_eq!(rate_limit_headers(&bad_request), headers(5, 3, NEXT_HOUR));
}

async fn the_budget_is_replenished_at_the_top_of_the_hour(backend: Backend) {
    let clock = Arc::new(ManualClock::at(START));
    let app = app_with_budget(backend, 2, clock.clone()).await;
    let admin = AdminClient::new(&app.base_url);
    admin.ping().await;
    admin.ping().await;
    assert_eq!(admin.ping().await.status(), 420);

    clock.advance(TimeDelta::minutes(44));
    assert_eq!(
        admin.ping().await.status(),
        420,
        "10:59: still the same window"
    );

    clock.advance(TimeDelta::minutes(1));
    let response = admin.ping().await;
    assert_eq!(response.status(), 200, "11:00: a new window");
    assert_eq!(
        rate_limit_headers(&response),
        headers(2, 1, "Tue, 01 Jan 2030 12:00:00 GMT")
    );
}

async fn two_app_instances_on_one_database_share_one_budget(backend: Backend) {
    let app = app_with_budget(backend, 3, Arc::new(ManualClock::at(START))).await;
    let replica = app.replica().await;
    let first = AdminClient::new(&app.base_url);
    let second = AdminClient::new(&replica.base_url);

    let mut remaining = Vec::new();
    for admin in [&first, &second, &first] {
        let response = admin.ping().await;
        assert_eq!(response.status(), 200);
        remaining.push(
            rate_limit_headers(&response)
                .expect("rate-limit headers")
                .remaining,
        );
    }
    assert_eq!(remaining, [2, 1, 0], "each call spent from the one budget");
    assert_eq!(second.ping().await.status(), 420);
    assert_eq!(first.ping().await.status(), 420);
}

/// Issue 28: every preset call (create, list, details, update, delete, and a
/// 404) spends one unit and says so in the headers, as other admin calls do.
async fn preset_calls_carry_the_budget_headers(backend: Backend) {
    use reqwest::Method;

    let app = app_with_budget(backend, 10, Arc::new(ManualClock::at(START))).await;
    let admin = AdminClient::new(&app.base_url);
    let calls = [
        (
            Method::POST,
            "/upload_presets",
            Some("name=p1&unsigned=true"),
        ),
        (Method::GET, "/upload_presets", None),
        (Method::GET, "/upload_presets/p1", None),
        (Method::PUT, "/upload_presets/p1", Some("tags=a")),
        (Method::DELETE, "/upload_presets/p1", None),
        (Method::GET, "/upload_presets/p1", None),
    ];
    for (spent, (method, path, form)) in calls.into_iter().enumerate() {
        let mut request = admin.request(method.clone(), path);
        if let Some(form) = form {
            request = request
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form);
        }
        let response = request.send().await.expect("request sent");
        let expected = if spent == 5 { 404 } else { 200 };
        assert_eq!(response.status(), expected, "{method} {path}");
        assert_eq!(
            rate_limit_headers(&response),
            headers(10, 9 - spent as u32, NEXT_HOUR),
            "{method} {path}"
        );
    }
}
