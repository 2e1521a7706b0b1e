//! Cloudinary's Search API (`resources/search`) through both official SDKs
//! (tests/sdk/*/search_flow.*), on both databases: each field and operator
//! against brute-force filtering of what was stored, sorting and cursor
//! pagination that return every match exactly once, aggregation counts,
//! `with_field` (context read flat, `status`), `fields` (the identity fields
//! kept), fields no asset has (nothing found), and the 400 cases naming the
//! position.

use std::collections::{BTreeMap, BTreeSet};

use assay_e2e::{error_of, json_ok, sdk, Backend, FilePart, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use store::search::words;
use store::Asset;

use super::admin_client::AdminClient;
use super::sdk_upload_flow::Sdk;

on_both_backends!(
    python_sdk_searches,
    node_sdk_searches,
    raw_get_post_and_refusals
);

/// What is uploaded: (corpus file, public_id, tags, context, analyses).
const UPLOADS: &[(&str, &str, &str, &str, &[&str])] = &[
    (
        "exif_canon_40d.jpg",
        "search/canon",
        "even,camera",
        "k=canon|stage=draft",
        &["image_metadata", "colors"],
    ),
    (
        "exif_nikon_d70.jpg",
        "search/nikon",
        "odd,camera",
        "k=nikon|stage=final",
        &["image_metadata"],
    ),
    (
        "face_fr_two_people.jpg",
        "search/two-people",
        "even,people,blue shirt",
        "stage=final",
        &["faces", "colors"],
    ),
    (
        "face_fr_obama.jpg",
        "search/sub/obama",
        "people",
        "",
        &["faces"],
    ),
    ("png_exiftool_tiny.png", "search/tiny", "odd", "", &[]),
    ("gif_xmp_201.gif", "search/sub/anim", "even", "", &[]),
    (
        "gps_dscn0010.jpg",
        "search/dscn",
        "odd,camera",
        "",
        &["image_metadata"],
    ),
];

/// A search whose matches are checked against `matches` over every stored asset.
struct Case {
    name: &'static str,
    expression: &'static str,
    matches: fn(&Asset) -> bool,
}

/// `:` on free text: the term's words, in order, in the value.
fn has_words(value: &str, term: &str) -> bool {
    words::contains(value, &words::split(term))
}

fn tagged(asset: &Asset, term: &str) -> bool {
    asset.tags.iter().any(|t| has_words(t, term))
}

fn metadata(asset: &Asset, tag: &str) -> Option<String> {
    let value = asset.analysis.media_metadata.as_ref()?.get(tag)?;
    Some(
        value
            .as_str()
            .map_or_else(|| value.to_string(), str::to_owned),
    )
}

const CASES: &[Case] = &[
    Case {
        name: "format",
        expression: "format:jpg",
        matches: |a| a.format == "jpg",
    },
    Case {
        name: "width_above",
        expression: "width>500",
        matches: |a| a.width > 500,
    },
    Case {
        name: "height_at_most",
        expression: "height<=400",
        matches: |a| a.height <= 400,
    },
    Case {
        name: "bytes_in_units",
        expression: "bytes<100kb",
        matches: |a| a.bytes < 100 * 1024,
    },
    Case {
        name: "tag",
        expression: "tags:even",
        matches: |a| tagged(a, "even"),
    },
    Case {
        name: "tag_word",
        expression: "tags:shirt",
        matches: |a| tagged(a, "shirt"),
    },
    Case {
        name: "tag_exact",
        expression: "tags=\"blue shirt\" OR tags=shirt",
        matches: |a| a.tags.iter().any(|t| t == "blue shirt"),
    },
    Case {
        name: "public_id_word",
        expression: "public_id:people",
        matches: |a| has_words(&a.public_id, "people"),
    },
    Case {
        name: "unix_date",
        expression: "created_at>1515911870 AND format:jpg",
        matches: |a| a.format == "jpg",
    },
    Case {
        name: "tag_and_format",
        expression: "tags:odd AND format:jpg",
        matches: |a| tagged(a, "odd") && a.format == "jpg",
    },
    Case {
        name: "embedded_metadata",
        expression: "image_metadata.Make:Canon",
        matches: |a| metadata(a, "Make").is_some_and(|m| has_words(&m, "Canon")),
    },
    Case {
        name: "face_count",
        expression: "faces>1",
        matches: |a| a.coordinates.faces.len() > 1,
    },
    Case {
        name: "negation",
        expression: "NOT format:jpg",
        matches: |a| a.format != "jpg",
    },
    Case {
        name: "grouping",
        expression: "(format:png OR format:gif) AND width<1000",
        matches: |a| (a.format == "png" || a.format == "gif") && a.width < 1000,
    },
    Case {
        name: "prefix",
        expression: "public_id:search/sub/*",
        matches: |a| a.public_id.starts_with("search/sub/"),
    },
    Case {
        name: "context",
        expression: "context.k:canon",
        matches: |a| a.context.get("k").is_some_and(|v| has_words(v, "canon")),
    },
    Case {
        name: "bare_term",
        expression: "people",
        matches: |a| {
            has_words(&a.public_id, "people")
                || tagged(a, "people")
                || a.context.values().any(|v| has_words(v, "people"))
        },
    },
    Case {
        name: "recent",
        expression: "uploaded_at>1d",
        matches: |_| true,
    },
    Case {
        name: "quoted_and_compared",
        expression: "tags:\"camera\" AND pixels>=100000",
        matches: |a| tagged(a, "camera") && u64::from(a.width) * u64::from(a.height) >= 100_000,
    },
];

/// The searches the script runs: every case (one page of up to 500), then
/// pagination, aggregation, `with_field` and the refusals.
fn searches() -> Value {
    let mut all: Vec<Value> = CASES
        .iter()
        .map(|case| json!({"name": case.name, "expression": case.expression, "max_results": 500}))
        .collect();
    all.push(json!({
        "name": "paged",
        "expression": "tags:even OR tags:odd OR tags:people",
        "sort_by": [["public_id", "asc"]],
        "max_results": 2,
        "paginate": true,
    }));
    all.push(json!({
        "name": "paged_by_size",
        "sort_by": [["bytes", "desc"]],
        "max_results": 3,
        "paginate": true,
    }));
    all.push(json!({"name": "aggregated", "aggregate": ["format"], "max_results": 1}));
    all.push(json!({
        "name": "with_fields",
        "expression": "tags:camera",
        "with_field": ["tags", "image_metadata"],
        "max_results": 500,
    }));
    all.push(json!({
        "name": "with_context",
        "expression": "context.stage:*",
        "with_field": ["context"],
        "context_key": "stage",
        "max_results": 500,
    }));
    all.push(json!({"name": "only_fields", "fields": ["tags"], "max_results": 500}));
    all.push(json!({"name": "unknown_field", "expression": "colour:red", "max_results": 500}));
    for (name, expression) in [
        ("malformed", "width>>3"),
        ("bad_value", "width:big"),
        ("unclosed", "(format:jpg"),
    ] {
        all.push(json!({"name": name, "expression": expression}));
    }
    Value::Array(all)
}

async fn run(backend: Backend, sdk: Sdk) {
    let app = TestApp::spawn(backend).await;
    for (file, public_id, tags, context, analyses) in UPLOADS {
        let mut params = vec![("public_id", *public_id), ("tags", *tags)];
        if !context.is_empty() {
            params.push(("context", *context));
        }
        params.extend(analyses.iter().map(|flag| (*flag, "1")));
        app.upload_ok(FilePart::corpus(file), &params).await;
    }
    let mut stored = Vec::new();
    for (_, public_id, ..) in UPLOADS {
        stored.push(app.stored_asset(public_id).await);
    }

    let spec = std::env::temp_dir().join(format!(
        "assay-searches-{}-{:?}-{:?}.json",
        std::process::id(),
        backend,
        sdk
    ));
    std::fs::write(&spec, searches().to_string()).unwrap();
    let spec_path = spec.to_str().unwrap();
    let report = match sdk {
        Sdk::Python => sdk::run_python(&app, "search_flow.py", &[spec_path]).await,
        Sdk::Node => sdk::run_node(&app, "search_flow.js", &[spec_path]).await,
    };
    std::fs::remove_file(&spec).ok();

    for case in CASES {
        let expected: BTreeSet<&str> = stored
            .iter()
            .filter(|a| (case.matches)(a))
            .map(|a| a.public_id.as_str())
            .collect();
        // A case that matches nothing (or, but for `recent`, everything)
        // would not tell a working filter from a broken one.
        assert!(
            !expected.is_empty()
                && (expected.len() < stored.len() || ["recent", "unix_date"].contains(&case.name)),
            "{}: {} of {} stored match; pick values that split them",
            case.name,
            expected.len(),
            stored.len()
        );
        let page = only_page(&report, case.name);
        assert_eq!(
            found(&page).iter().copied().collect::<BTreeSet<_>>(),
            expected,
            "{} ({})",
            case.name,
            case.expression
        );
        assert_eq!(page["total_count"], json!(expected.len()), "{}", case.name);
    }
    assert_pages_in_order(&report, "paged", &stored, |a, b| {
        a.public_id.cmp(&b.public_id)
    });
    assert_pages_in_order(&report, "paged_by_size", &stored, |a, b| {
        b.bytes.cmp(&a.bytes)
    });
    assert_aggregated(&report, &stored);
    assert_with_fields(&report, &stored);
    assert_context_flat(&report, &stored);
    assert_only_fields(&report, &stored);
    // A field no asset has finds nothing, as at Cloudinary (not a 400).
    let nothing = only_page(&report, "unknown_field");
    assert_eq!(nothing["total_count"], json!(0), "{nothing}");
    assert!(found(&nothing).is_empty(), "{nothing}");
    for name in ["malformed", "bad_value", "unclosed"] {
        let outcome = &report[name];
        let message = outcome["message"].as_str().unwrap_or_default();
        assert!(
            outcome.get("pages").is_none() && message.contains("position"),
            "{name} is refused naming the position: {outcome}"
        );
    }
}

/// `with_field: context` answers each resource's context flat, as both SDKs'
/// own search tests read it (`res["context"]["stage"]`), and every resource
/// is `active`.
fn assert_context_flat(report: &Value, stored: &[Asset]) {
    let outcome = &report["with_context"];
    assert!(outcome.get("context_error").is_none(), "{outcome}");
    let read: BTreeMap<String, String> = serde_json::from_value(outcome["context_values"].clone())
        .unwrap_or_else(|e| panic!("context_values: {e}: {outcome}"));
    let expected: BTreeMap<String, String> = stored
        .iter()
        .filter_map(|a| Some((a.public_id.clone(), a.context.get("stage")?.clone())))
        .collect();
    assert_eq!(read, expected);
    for resource in only_page(report, "with_context")["resources"]
        .as_array()
        .unwrap()
    {
        assert_eq!(resource["status"], json!("active"), "{resource}");
        assert!(resource["context"].get("custom").is_none(), "{resource}");
    }
}

/// `fields` keeps what it names and the identity fields Cloudinary always
/// returns; nothing else.
fn assert_only_fields(report: &Value, stored: &[Asset]) {
    let page = only_page(report, "only_fields");
    let resources = page["resources"].as_array().unwrap();
    assert_eq!(resources.len(), stored.len());
    for resource in resources {
        let keys: BTreeSet<&str> = resource
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let expected: BTreeSet<&str> = [
            "asset_id",
            "public_id",
            "folder",
            "created_at",
            "resource_type",
            "type",
            "tags",
        ]
        .into();
        assert_eq!(keys, expected, "{resource}");
        let asset = stored
            .iter()
            .find(|a| resource["public_id"] == json!(a.public_id))
            .unwrap();
        assert_eq!(resource["folder"], json!(asset.folder));
        assert_eq!(resource["tags"], json!(asset.tags));
    }
}

/// The one page a case's search returned.
fn only_page(report: &Value, name: &str) -> Value {
    let pages = report[name]["pages"]
        .as_array()
        .unwrap_or_else(|| panic!("{name}: {}", report[name]));
    assert_eq!(pages.len(), 1, "{name}");
    pages[0].clone()
}

fn found(page: &Value) -> Vec<&str> {
    page["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r["public_id"].as_str().expect("public_id"))
        .collect()
}

/// Following `next_cursor` gives every match once, in the sort's order.
fn assert_pages_in_order(
    report: &Value,
    name: &str,
    stored: &[Asset],
    order: fn(&Asset, &Asset) -> std::cmp::Ordering,
) {
    let pages = report[name]["pages"]
        .as_array()
        .unwrap_or_else(|| panic!("{name}: {}", report[name]));
    let seen: Vec<&str> = pages.iter().flat_map(found).collect();
    let mut expected: Vec<&Asset> = stored.iter().collect();
    expected.sort_by(|a, b| order(a, b));
    let expected: Vec<&str> = expected.iter().map(|a| a.public_id.as_str()).collect();
    if name == "paged_by_size" {
        // Equal sizes may come in either order; each asset still comes once.
        let mut sorted_seen = seen.clone();
        sorted_seen.sort_unstable();
        let mut sorted_expected = expected.clone();
        sorted_expected.sort_unstable();
        assert_eq!(sorted_seen, sorted_expected, "{name}");
        let sizes: Vec<u64> = seen
            .iter()
            .map(|id| stored.iter().find(|a| a.public_id == *id).unwrap().bytes)
            .collect();
        assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{name}: {sizes:?}");
    } else {
        assert_eq!(seen, expected, "{name}");
    }
    assert!(pages.len() > 1, "{name} spans pages");
    assert!(
        pages.last().unwrap().get("next_cursor").is_none(),
        "{name}: the last page has no cursor"
    );
}

fn assert_aggregated(report: &Value, stored: &[Asset]) {
    let page = only_page(report, "aggregated");
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    for asset in stored {
        *expected.entry(asset.format.clone()).or_default() += 1;
    }
    let counts: BTreeMap<String, u64> =
        serde_json::from_value(page["aggregations"]["format"].clone())
            .unwrap_or_else(|e| panic!("aggregations.format: {e}: {page}"));
    assert_eq!(counts, expected);
    assert_eq!(found(&page).len(), 1, "max_results 1");
    assert_eq!(page["total_count"], json!(stored.len()));
}

fn assert_with_fields(report: &Value, stored: &[Asset]) {
    let page = only_page(report, "with_fields");
    for resource in page["resources"].as_array().unwrap() {
        let public_id = resource["public_id"].as_str().unwrap();
        let asset = stored.iter().find(|a| a.public_id == public_id).unwrap();
        assert_eq!(resource["tags"], json!(asset.tags), "{public_id}");
        assert_eq!(
            resource["image_metadata"].get("Make").is_some(),
            metadata(asset, "Make").is_some(),
            "{public_id}: {resource}"
        );
        assert_eq!(resource["width"], json!(asset.width));
        assert_eq!(resource["format"], json!(asset.format));
    }
}

async fn python_sdk_searches(backend: Backend) {
    run(backend, Sdk::Python).await;
}

async fn node_sdk_searches(backend: Backend) {
    run(backend, Sdk::Node).await;
}

/// Without an SDK: `GET` with query parameters answers as `POST` does; the
/// search needs the admin credentials; an unknown member, an unknown
/// `with_field`, a bad `max_results` and an injection attempt are refused or
/// match nothing, and the database is intact after them.
async fn raw_get_post_and_refusals(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (file, public_id) in [
        ("png_exiftool_tiny.png", "raw/png"),
        ("exif_canon_40d.jpg", "raw/jpg"),
    ] {
        app.upload_ok(FilePart::corpus(file), &[("public_id", public_id)])
            .await;
    }
    let admin = AdminClient::new(&app.base_url);
    let post = |body: Value| {
        admin
            .request(Method::POST, "/resources/search")
            .json(&body)
            .send()
    };

    let by_get = json_ok(
        admin
            .get("/resources/search?expression=format%3Apng&max_results=5")
            .await,
    )
    .await;
    let by_post = json_ok(
        post(json!({"expression": "format:png", "max_results": 5}))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(found(&by_get), ["raw/png"]);
    assert_eq!(found(&by_get), found(&by_post));
    let sorted = json_ok(
        admin
            .get("/resources/search?sort_by=%5B%7B%22public_id%22%3A%22asc%22%7D%5D")
            .await,
    )
    .await;
    assert_eq!(found(&sorted), ["raw/jpg", "raw/png"]);

    let anonymous = AdminClient::with_credentials(&app.base_url, "nobody", None);
    assert_eq!(anonymous.get("/resources/search").await.status(), 401);

    for (body, named) in [
        (json!({"expresion": "format:png"}), "expresion"),
        (json!({"with_field": ["secrets"]}), "with_field"),
        (json!({"max_results": 501}), "max_results"),
        (json!({"sort_by": [{"etag": "asc"}]}), "etag"),
    ] {
        let (status, message) = error_of(post(body.clone()).await.unwrap()).await;
        assert_eq!(status, 400, "{body}: {message}");
        assert!(message.contains(named), "{body}: {message}");
    }
    for injection in [
        "public_id:\"x' OR 1=1 --\"",
        "tags:\"a'); DROP TABLE assets; --\"",
        "context.k:\"' OR '1'='1\"",
    ] {
        let page = json_ok(post(json!({"expression": injection})).await.unwrap()).await;
        assert_eq!(page["total_count"], json!(0), "{injection}");
    }
    let everything = json_ok(post(json!({})).await.unwrap()).await;
    assert_eq!(everything["total_count"], json!(2), "the assets are intact");
}
