//! Structured metadata over raw HTTP, on both databases: the rules the SDK
//! flows (sdk_metadata.rs) do not reach. Mandatory fields without an applied
//! default, each kind of invalid value refused by name with nothing stored,
//! the Admin API's refusals, values gone with their field or their asset,
//! and a field deleted while values are being written for it.

use assay_e2e::{error_of, json_ok, Backend, FilePart, TestApp, API_KEY, API_SECRET, CLOUD};
use reqwest::Method;
use serde_json::{json, Value};

use super::admin_client::AdminClient;

on_both_backends!(
    mandatory_fields_and_defaults,
    invalid_values_are_refused_by_field_and_store_nothing,
    admin_refusals_name_what_is_wrong,
    values_go_with_their_field_and_their_asset,
    a_field_deleted_while_values_are_written_keeps_none,
    search_by_prefix_and_by_integer_text,
    integer_and_date_fields_compare_like_brute_force
);

const IMAGE: &str = "png_exiftool_tiny.png";

async fn define(admin: &AdminClient, field: Value) -> Value {
    json_ok(
        admin
            .request(Method::POST, "/metadata_fields")
            .json(&field)
            .send()
            .await
            .expect("request sent"),
    )
    .await
}

/// `uploader.update_metadata` as Basic auth allows it on the Upload API.
async fn update_metadata(app: &TestApp, metadata: &str, public_ids: &[&str]) -> reqwest::Response {
    let mut form = vec![("metadata".to_owned(), metadata.to_owned())];
    for id in public_ids {
        form.push(("public_ids[]".to_owned(), (*id).to_owned()));
    }
    app.client
        .post(app.url(&format!("/v1_1/{CLOUD}/image/metadata")))
        .basic_auth(API_KEY, Some(API_SECRET))
        .form(&form)
        .send()
        .await
        .expect("request sent")
}

async fn stored_values(app: &TestApp, asset_id: &str) -> Value {
    let store = app.sandbox.store().await.expect("store");
    let mut values = store
        .metadata_fields()
        .values_of(&[asset_id])
        .await
        .expect("values");
    let values = values.remove(asset_id).unwrap_or_default();
    service::structured_metadata::render_values(&values)
}

async fn mandatory_fields_and_defaults(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = AdminClient::new(&app.base_url);
    define(
        &admin,
        json!({"external_id": "grade", "label": "Grade", "type": "enum", "mandatory": true,
               "default_value": "a", "default_disabled": true,
               "datasource": {"values": [{"external_id": "a", "value": "A"},
                                         {"external_id": "b", "value": "B"}]}}),
    )
    .await;
    define(
        &admin,
        json!({"external_id": "note", "label": "Note", "type": "string", "default_value": "none"}),
    )
    .await;

    // The default of a mandatory field is disabled: the upload must give it.
    let (status, message) = error_of(
        app.upload(FilePart::corpus(IMAGE), &[("public_id", "m/one")])
            .await,
    )
    .await;
    assert_eq!(
        (status, message.contains("grade")),
        (400, true),
        "{message}"
    );
    let missing = AdminClient::new(&app.base_url).resource("m/one", "").await;
    assert_eq!(missing.status(), 404, "nothing was stored");

    let uploaded = app
        .upload_ok(
            FilePart::corpus(IMAGE),
            &[("public_id", "m/one"), ("metadata", "grade=b")],
        )
        .await;
    assert_eq!(uploaded["metadata"], json!({"grade": "b", "note": "none"}));

    // An overwrite need not repeat what the asset has; a given value replaces.
    let again = app
        .upload_ok(
            FilePart::corpus(IMAGE),
            &[("public_id", "m/one"), ("metadata", "note=kept?")],
        )
        .await;
    assert_eq!(again["metadata"], json!({"grade": "b", "note": "kept?"}));

    // A mandatory value cannot be removed; an optional one can.
    let (status, message) = error_of(update_metadata(&app, "grade=", &["m/one"]).await).await;
    assert_eq!(
        (status, message.contains("grade")),
        (400, true),
        "{message}"
    );
    json_ok(update_metadata(&app, "note=", &["m/one"]).await).await;
    let asset_id = uploaded["asset_id"].as_str().unwrap();
    assert_eq!(stored_values(&app, asset_id).await, json!({"grade": "b"}));
}

async fn invalid_values_are_refused_by_field_and_store_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = AdminClient::new(&app.base_url);
    for field in [
        json!({"external_id": "sku", "label": "SKU", "type": "string",
               "validation": {"type": "strlen", "max": 5}}),
        json!({"external_id": "qty", "label": "Qty", "type": "integer",
               "validation": {"type": "greater_than", "value": 0}}),
        json!({"external_id": "day", "label": "Day", "type": "date",
               "validation": {"type": "less_than", "equals": true, "value": "2030-01-01"}}),
        json!({"external_id": "tone", "label": "Tone", "type": "set",
               "datasource": {"values": [{"external_id": "warm", "value": "Warm"}]}}),
    ] {
        define(&admin, field).await;
    }
    for (metadata, field) in [
        ("sku=too-long", "sku"),
        ("qty=3.5", "qty"),
        ("qty=0", "qty"),
        ("qty=99999999999999999999", "qty"),
        ("day=2024-02-30", "day"),
        ("day=2031-01-01", "day"),
        ("tone=[\"cold\"]", "tone"),
        ("tone=[\"warm\",\"warm\"]", "tone"),
        ("tone=[warm", "tone"),
        ("colour=red", "colour"),
        ("sku=a|sku=b", "sku"),
    ] {
        let response = app
            .upload(
                FilePart::corpus(IMAGE),
                &[("public_id", "bad"), ("metadata", metadata)],
            )
            .await;
        let (status, message) = error_of(response).await;
        assert_eq!(status, 400, "{metadata}: {message}");
        assert!(message.contains(field), "{metadata}: {message}");
    }
    assert_eq!(
        admin.resource("bad", "").await.status(),
        404,
        "no refused upload stored anything"
    );

    let ok = app
        .upload_ok(
            FilePart::corpus(IMAGE),
            &[
                ("public_id", "good"),
                ("metadata", r#"sku=a\=b|qty=7|day=2030-01-01|tone=warm"#),
            ],
        )
        .await;
    assert!(ok.get("metadata").is_some(), "{ok}");
    let (status, message) = error_of(
        admin
            .update_json("good", json!({"metadata": "qty=0", "tags": "x"}))
            .await,
    )
    .await;
    assert_eq!((status, message.contains("qty")), (400, true), "{message}");
    let details = json_ok(admin.resource("good", "").await).await;
    assert_eq!(
        details["metadata"],
        json!({"sku": "a=b", "qty": 7, "day": "2030-01-01", "tone": ["warm"]}),
        "escaped separators, integers as numbers, a set given as one entry"
    );
    assert_eq!(
        details["tags"],
        json!([]),
        "the refused update changed nothing"
    );
}

async fn admin_refusals_name_what_is_wrong(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = AdminClient::new(&app.base_url);
    let post = |body: Value| {
        admin
            .request(Method::POST, "/metadata_fields")
            .json(&body)
            .send()
    };
    for (body, names) in [
        (json!({"label": "x"}), "type"),
        (json!({"type": "text", "label": "x"}), "type"),
        (json!({"type": "string"}), "label"),
        (json!({"type": "enum", "label": "x"}), "datasource"),
        (
            json!({"type": "string", "label": "x", "colour": 1}),
            "colour",
        ),
        (
            json!({"type": "string", "label": "x", "external_id": "a b"}),
            "external_id",
        ),
        (
            json!({"type": "integer", "label": "x", "validation": {"type": "strlen", "max": 3}}),
            "strlen",
        ),
        (
            json!({"type": "string", "label": "x", "mandatory": true}),
            "default_value",
        ),
        (
            json!({"type": "date", "label": "x", "default_value": "tomorrow"}),
            "default_value",
        ),
        (
            json!({"type": "set", "label": "x", "default_value": ["z"],
                "datasource": {"values": [{"value": "y"}]}}),
            "default_value",
        ),
    ] {
        let (status, message) = error_of(post(body.clone()).await.unwrap()).await;
        assert_eq!(status, 400, "{body}: {message}");
        assert!(message.contains(names), "{body}: {message}");
    }
    let (status, _) = error_of(admin.get("/metadata_fields/none").await).await;
    assert_eq!(status, 404);
    define(
        &admin,
        json!({"external_id": "tone", "label": "Tone", "type": "enum", "default_value": "warm",
               "datasource": {"values": [{"external_id": "warm", "value": "Warm"},
                                         {"external_id": "cold", "value": "Cold"}]}}),
    )
    .await;
    let delete_entries = |ids: Value| {
        admin
            .request(Method::DELETE, "/metadata_fields/tone/datasource")
            .json(&json!({ "external_ids": ids }))
            .send()
    };
    let (status, message) = error_of(delete_entries(json!(["hot"])).await.unwrap()).await;
    assert_eq!((status, message.contains("hot")), (400, true), "{message}");
    let (status, message) = error_of(delete_entries(json!(["warm"])).await.unwrap()).await;
    assert_eq!(
        (status, message.contains("default_value")),
        (400, true),
        "the default's entry stays: {message}"
    );
    let ordered = json_ok(
        admin
            .request(Method::POST, "/metadata_fields/tone/datasource/order")
            .json(&json!({"order_by": "value", "direction": "asc"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(ordered["values"][0]["external_id"], "cold");
}

async fn values_go_with_their_field_and_their_asset(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = AdminClient::new(&app.base_url);
    for id in ["keep", "drop"] {
        define(
            &admin,
            json!({"external_id": id, "label": id, "type": "string"}),
        )
        .await;
    }
    let uploaded = app
        .upload_ok(
            FilePart::corpus(IMAGE),
            &[("public_id", "v/one"), ("metadata", "keep=1|drop=2")],
        )
        .await;
    let asset_id = uploaded["asset_id"].as_str().unwrap().to_owned();
    json_ok(
        admin
            .request(Method::DELETE, "/metadata_fields/drop")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(stored_values(&app, &asset_id).await, json!({"keep": "1"}));

    json_ok(
        admin
            .request(Method::DELETE, "/resources/image/upload")
            .json(&json!({"public_ids": ["v/one"]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        stored_values(&app, &asset_id).await,
        json!({}),
        "deleting the asset deleted its values"
    );
}

async fn a_field_deleted_while_values_are_written_keeps_none(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = AdminClient::new(&app.base_url);
    define(
        &admin,
        json!({"external_id": "sku", "label": "SKU", "type": "string"}),
    )
    .await;
    let mut ids = Vec::new();
    for i in 0..4 {
        let public_id = format!("race/{i}");
        let uploaded = app
            .upload_ok(
                FilePart::corpus(IMAGE),
                &[("public_id", public_id.as_str()), ("metadata", "sku=first")],
            )
            .await;
        ids.push(uploaded["asset_id"].as_str().unwrap().to_owned());
    }
    let writers = (0..12).map(|i| {
        let app = &app;
        async move {
            let public_id = format!("race/{}", i % 4);
            update_metadata(app, &format!("sku=w{i}"), &[public_id.as_str()])
                .await
                .status()
                .as_u16()
        }
    });
    let deletion = async {
        admin
            .request(Method::DELETE, "/metadata_fields/sku")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    let (statuses, deleted) = tokio::join!(futures_util::future::join_all(writers), deletion);
    assert_eq!(deleted, 200);
    for status in statuses {
        // Before the deletion: written (then deleted with the field); after
        // it: an unknown field; in between: its definition changed.
        assert!([200, 400, 409].contains(&status), "{status}");
    }
    for asset_id in &ids {
        assert_eq!(stored_values(&app, asset_id).await, json!({}), "{asset_id}");
    }
}

async fn search_by_prefix_and_by_integer_text(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = AdminClient::new(&app.base_url);
    define(
        &admin,
        json!({"external_id": "sku", "label": "SKU", "type": "string"}),
    )
    .await;
    define(
        &admin,
        json!({"external_id": "qty", "label": "Qty", "type": "integer"}),
    )
    .await;
    for (id, metadata) in [
        ("s/a", "sku=AB-1|qty=5"),
        ("s/b", "sku=AB-2|qty=50"),
        ("s/c", "sku=CD-1"),
    ] {
        app.upload_ok(
            FilePart::corpus(IMAGE),
            &[("public_id", id), ("metadata", metadata)],
        )
        .await;
    }
    let search = |expression: &str| {
        let body = json!({ "expression": expression, "sort_by": [{"public_id": "asc"}] });
        let request = admin.request(Method::POST, "/resources/search").json(&body);
        async move {
            let found = json_ok(request.send().await.unwrap()).await;
            found["resources"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["public_id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(search("metadata.sku:AB-*").await, ["s/a", "s/b"]);
    assert_eq!(search("metadata.qty=5").await, ["s/a"]);
    assert_eq!(search("-metadata.qty=5").await, ["s/b", "s/c"]);
    assert!(search("metadata.none=x").await.is_empty());
}

/// `<`, `>`, `<=`, `>=` and `[a TO b]` on an integer and a date field find
/// exactly the assets a filter over the written values finds, and
/// `with_field=metadata` shows each found asset's values.
async fn integer_and_date_fields_compare_like_brute_force(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = AdminClient::new(&app.base_url);
    define(
        &admin,
        json!({"external_id": "qty", "label": "Qty", "type": "integer"}),
    )
    .await;
    define(
        &admin,
        json!({"external_id": "due", "label": "Due", "type": "date"}),
    )
    .await;
    // (public_id, qty, due): some values missing, negatives, a year apart.
    let written: Vec<(String, Option<i64>, Option<&str>)> = (0..8)
        .map(|i: i64| {
            let qty = (i % 4 != 3).then_some(i * 7 - 20);
            let due = ["2023-12-31", "2024-01-01", "2024-06-15", "2025-01-01"]
                .get(usize::try_from(i % 5).unwrap())
                .copied();
            (format!("r/{i}"), qty, due)
        })
        .collect();
    for (id, qty, due) in &written {
        let mut pairs = Vec::new();
        if let Some(qty) = qty {
            pairs.push(format!("qty={qty}"));
        }
        if let Some(due) = due {
            pairs.push(format!("due={due}"));
        }
        app.upload_ok(
            FilePart::corpus(IMAGE),
            &[("public_id", id.as_str()), ("metadata", &pairs.join("|"))],
        )
        .await;
    }
    let search = |expression: String| {
        let body = json!({
            "expression": expression,
            "sort_by": [{"public_id": "asc"}],
            "with_field": ["metadata"],
            "max_results": 100,
        });
        let request = admin.request(Method::POST, "/resources/search").json(&body);
        async move { json_ok(request.send().await.unwrap()).await }
    };
    type Filter = Box<dyn Fn(Option<i64>, Option<&str>) -> bool>;
    let cases: Vec<(&str, Filter)> = vec![
        ("metadata.qty>0", Box::new(|q, _| q.is_some_and(|q| q > 0))),
        (
            "metadata.qty<=-6",
            Box::new(|q, _| q.is_some_and(|q| q <= -6)),
        ),
        (
            "metadata.qty>=8",
            Box::new(|q, _| q.is_some_and(|q| q >= 8)),
        ),
        (
            "metadata.qty:[1 TO 15]",
            Box::new(|q, _| q.is_some_and(|q| (1..=15).contains(&q))),
        ),
        (
            "metadata.qty:{1 TO 29}",
            Box::new(|q, _| q.is_some_and(|q| 1 < q && q < 29)),
        ),
        (
            "metadata.due<2024-01-01",
            Box::new(|_, d| d.is_some_and(|d| d < "2024-01-01")),
        ),
        (
            "metadata.due>=2024-01-01",
            Box::new(|_, d| d.is_some_and(|d| d >= "2024-01-01")),
        ),
        (
            "metadata.due:[2024-01-01 TO 2024-12-31]",
            Box::new(|_, d| d.is_some_and(|d| ("2024-01-01"..="2024-12-31").contains(&d))),
        ),
        ("-metadata.qty>0", Box::new(|q, _| q.is_none_or(|q| q <= 0))),
        // A date never passes an integer field's comparison, nor the reverse.
        ("metadata.qty>2024-01-01", Box::new(|_, _| false)),
        ("metadata.due>5", Box::new(|_, _| false)),
    ];
    for (expression, filter) in cases {
        let expected: Vec<&str> = written
            .iter()
            .filter(|(_, qty, due)| filter(*qty, *due))
            .map(|(id, ..)| id.as_str())
            .collect();
        let found = search(expression.to_owned()).await;
        let resources = found["resources"].as_array().unwrap();
        let ids: Vec<&str> = resources
            .iter()
            .map(|r| r["public_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, expected, "{expression}");
        for resource in resources {
            let (_, qty, due) = written
                .iter()
                .find(|(id, ..)| id == resource["public_id"].as_str().unwrap())
                .unwrap();
            assert_eq!(resource["metadata"]["qty"], json!(qty), "{expression}");
            assert_eq!(resource["metadata"]["due"], json!(due), "{expression}");
        }
    }
    let refused = admin
        .request(Method::POST, "/resources/search")
        .json(&json!({"expression": "metadata.qty>lots"}))
        .send()
        .await
        .unwrap();
    let (status, message) = error_of(refused).await;
    assert_eq!(status, 400, "{message}");
    assert!(message.contains("metadata.qty"), "{message}");
}
