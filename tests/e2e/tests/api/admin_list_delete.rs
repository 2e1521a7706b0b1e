//! Admin list (`api.resources`, `api.resources_by_ids`), delete
//! (`api.delete_resources`, `api.delete_resources_by_prefix`) and ping, with
//! the request shapes both SDKs send.

use assay_e2e::{error_of, json_ok, Backend, FilePart, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

use crate::admin_client::AdminClient;

const PHOTO: &str = "gps_exiftool_tiny.jpg";

on_both_backends!(
    listing_pages_through_a_prefix_newest_first,
    listing_by_public_ids,
    deleting_by_public_ids_from_json_or_form_bodies,
    deleting_by_prefix_or_all,
    malformed_list_and_delete_calls_are_400,
    control_characters_in_id_filters_are_400_naming_the_parameter,
    ping_answers_ok,
);

async fn upload_all(app: &TestApp, public_ids: &[&str]) {
    for public_id in public_ids {
        app.upload_ok(FilePart::corpus(PHOTO), &[("public_id", public_id)])
            .await;
    }
}

fn public_ids(page: &Value) -> Vec<String> {
    page["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|resource| {
            resource["public_id"]
                .as_str()
                .expect("public_id")
                .to_owned()
        })
        .collect()
}

async fn listing_pages_through_a_prefix_newest_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    upload_all(&app, &["f/one", "f/two", "other", "f/three"]).await;
    let admin = AdminClient::new(&app.base_url);

    // What the Python SDK sends for resources(type="upload", max_results=2, prefix="f/").
    let first = json_ok(
        admin
            .get("/resources/image/upload?max_results=2&prefix=f%2F")
            .await,
    )
    .await;
    assert_eq!(public_ids(&first), ["f/three", "f/two"]);
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let second = json_ok(
        admin
            .get(&format!(
                "/resources/image/upload?max_results=2&prefix=f%2F&next_cursor={cursor}"
            ))
            .await,
    )
    .await;
    assert_eq!(public_ids(&second), ["f/one"]);
    assert!(
        second.get("next_cursor").is_none(),
        "the last page has no cursor"
    );

    let resource = &second["resources"][0];
    for field in [
        "public_id",
        "format",
        "version",
        "resource_type",
        "type",
        "created_at",
        "bytes",
        "width",
        "height",
        "url",
        "secure_url",
        "etag",
    ] {
        assert!(
            resource.get(field).is_some(),
            "{field} missing from {resource}"
        );
    }
    let everything = json_ok(admin.get("/resources/image").await).await;
    assert_eq!(
        public_ids(&everything).len(),
        4,
        "all types, default page size"
    );
}

async fn listing_by_public_ids(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    upload_all(&app, &["a", "b/c", "d"]).await;
    let admin = AdminClient::new(&app.base_url);

    let page = json_ok(
        admin
            .get("/resources/image/upload?public_ids%5B%5D=a&public_ids%5B%5D=b%2Fc")
            .await,
    )
    .await;
    let mut found = public_ids(&page);
    found.sort();
    assert_eq!(found, ["a", "b/c"]);
}

async fn deleting_by_public_ids_from_json_or_form_bodies(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    upload_all(&app, &["a", "b/c", "d", "e"]).await;
    let admin = AdminClient::new(&app.base_url);

    // Python: JSON body.
    let python = admin
        .request(Method::DELETE, "/resources/image/upload")
        .json(&json!({"transformations": null, "public_ids": ["a", "b/c", "missing"]}))
        .send()
        .await
        .expect("request sent");
    assert_eq!(
        json_ok(python).await,
        json!({"deleted": {"a": "deleted", "b/c": "deleted", "missing": "not_found"}, "partial": false})
    );
    // Node: form body.
    let node = admin
        .request(Method::DELETE, "/resources/image/upload")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("public_ids%5B%5D=d&public_ids%5B%5D=a")
        .send()
        .await
        .expect("request sent");
    assert_eq!(
        json_ok(node).await["deleted"],
        json!({"d": "deleted", "a": "not_found"})
    );

    assert_eq!(
        error_of(admin.resource("b%2Fc", "").await).await.0,
        404,
        "deleted assets are gone"
    );
    assert_eq!(
        public_ids(&json_ok(admin.get("/resources/image/upload").await).await),
        ["e"]
    );
}

async fn deleting_by_prefix_or_all(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    upload_all(&app, &["trash/1", "trash/2", "keep/1"]).await;
    let admin = AdminClient::new(&app.base_url);

    let response = admin
        .request(Method::DELETE, "/resources/image/upload")
        .json(&json!({"transformations": null, "prefix": "trash/"}))
        .send()
        .await
        .expect("request sent");
    assert_eq!(
        json_ok(response).await,
        json!({"deleted": {"trash/1": "deleted", "trash/2": "deleted"}, "partial": false})
    );
    assert_eq!(
        public_ids(&json_ok(admin.get("/resources/image/upload").await).await),
        ["keep/1"]
    );

    // What the Python SDK sends for delete_all_resources().
    let everything = admin
        .request(Method::DELETE, "/resources/image/upload")
        .json(&json!({"transformations": null, "all": true}))
        .send()
        .await
        .expect("request sent");
    assert_eq!(
        json_ok(everything).await["deleted"],
        json!({"keep/1": "deleted"})
    );
}

async fn malformed_list_and_delete_calls_are_400(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = AdminClient::new(&app.base_url);

    for path in [
        "/resources/image/upload?max_results=0",
        "/resources/image/upload?next_cursor=forged",
        "/resources/audio",
    ] {
        assert_eq!(error_of(admin.get(path).await).await.0, 400, "{path}");
    }
    let nothing_named = admin
        .request(Method::DELETE, "/resources/image/upload")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(nothing_named).await,
        (400, "Missing required parameter - public_ids".into())
    );
    let broken = admin
        .request(Method::DELETE, "/resources/image/upload")
        .header("content-type", "application/json")
        .body("{\"public_ids\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(broken).await.0, 400);
}

/// No stored public_id holds a control character (uploads refuse them), and
/// PostgreSQL cannot take a NUL in text at all: a `prefix` or `public_ids`
/// entry with one is the same 400 on both databases, naming the parameter,
/// and deletes nothing.
async fn control_characters_in_id_filters_are_400_naming_the_parameter(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    upload_all(&app, &["a"]).await;
    let admin = AdminClient::new(&app.base_url);

    for (query, name) in [
        ("prefix=a%00", "prefix"),
        ("prefix=%0A", "prefix"),
        ("public_ids%5B%5D=a&public_ids%5B%5D=a%00b", "public_ids"),
    ] {
        let (status, message) =
            error_of(admin.get(&format!("/resources/image/upload?{query}")).await).await;
        assert_eq!(status, 400, "list {query}: {message}");
        assert!(message.contains(name), "list {query}: {message}");
    }
    for (body, name) in [
        (json!({"prefix": "a\u{0}"}), "prefix"),
        (json!({"public_ids": ["a", "\u{0}"]}), "public_ids"),
    ] {
        let response = admin
            .request(Method::DELETE, "/resources/image/upload")
            .json(&body)
            .send()
            .await
            .expect("request sent");
        let (status, message) = error_of(response).await;
        assert_eq!(status, 400, "delete {body}: {message}");
        assert!(message.contains(name), "delete {body}: {message}");
    }
    assert_eq!(
        public_ids(&json_ok(admin.get("/resources/image/upload").await).await),
        ["a"],
        "nothing deleted"
    );
}

async fn ping_answers_ok(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(
        json_ok(AdminClient::new(&app.base_url).ping().await).await,
        json!({"status": "ok"})
    );
}
