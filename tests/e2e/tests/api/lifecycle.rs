//! The lifecycle calls on the wire (issue 29, items 1 and 2): `destroy`,
//! `rename`, `tags`, `context` on the Upload API, and the Admin API's
//! `tags/image`, `resources/image/tags/<tag>`, `resources/image/context` and
//! `DELETE resources/image/tags/<tag>`; their limits and bad input; and
//! destroy and rename racing an explicit call that runs every analysis.

use std::time::Duration;

use assay_e2e::{error_of, files_under, json_ok, sign, Backend, FilePart, Hold, TestApp, API_KEY};
use reqwest::Method;
use serde_json::{json, Value};

use crate::admin_client::AdminClient;

on_both_backends!(
    destroy_deletes_row_and_original_and_says_not_found_after,
    rename_moves_the_asset_and_refuses_a_taken_target_unless_overwrite,
    tag_commands_change_only_the_assets_named,
    set_exclusive_takes_the_tag_from_every_other_asset,
    context_add_merges_escaped_pairs_and_remove_all_clears,
    tag_and_public_id_limits_answer_400_naming_the_limit,
    bad_lifecycle_calls_are_cloudinary_shaped_4xx,
    admin_lists_tags_by_prefix_page_by_page,
    admin_lists_resources_by_tag_and_by_context,
    admin_deletes_resources_by_tag,
    rename_away_during_explicit_leaves_no_analysis_under_either_name,
    rename_onto_during_explicit_analyses_the_asset_now_there,
    destroy_during_explicit_stores_nothing,
);

const IMAGE: &str = "face_pillow_hopper.jpg";
const OTHER: &str = "gps_exiftool_tiny.jpg";

/// Every analysis the server runs, as an explicit call asks for them.
const EVERY_ANALYSIS: &[(&str, &str)] = &[
    ("colors", "1"),
    ("phash", "1"),
    ("faces", "1"),
    ("media_metadata", "1"),
    ("ocr", "adv_ocr"),
    ("quality_analysis", "1"),
    ("accessibility_analysis", "1"),
    ("cinemagraph_analysis", "1"),
    ("blurhash", "1"),
    ("thumbhash", "1"),
    ("average_color", "1"),
    ("mime_type", "1"),
];

/// Signed fields of a lifecycle call: `scalars`, and each array sent as
/// `name[]` members but signed joined with `,` (as the SDKs sign them).
fn signed_fields(scalars: &[(&str, &str)], arrays: &[(&str, &[&str])]) -> Vec<(String, String)> {
    let timestamp = chrono::Utc::now().timestamp().to_string();
    let joined: Vec<(String, String)> = arrays
        .iter()
        .map(|(name, members)| (name.to_string(), members.join(",")))
        .collect();
    let mut signed: Vec<(&str, &str)> = scalars.to_vec();
    signed.extend(joined.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    signed.push(("timestamp", &timestamp));
    let signature = sign::signature(&signed, assay_e2e::API_SECRET, false);
    let mut fields: Vec<(String, String)> = scalars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    for (name, members) in arrays {
        fields.extend(members.iter().map(|m| (format!("{name}[]"), m.to_string())));
    }
    fields.push(("timestamp".into(), timestamp));
    fields.push(("api_key".into(), API_KEY.into()));
    fields.push(("signature".into(), signature));
    fields
}

async fn call(
    app: &TestApp,
    action: &str,
    scalars: &[(&str, &str)],
    arrays: &[(&str, &[&str])],
) -> reqwest::Response {
    app.post_form(action, signed_fields(scalars, arrays), None)
        .await
}

async fn upload(app: &TestApp, file: &str, public_id: &str, extra: &[(&str, &str)]) -> Value {
    let mut params = vec![("public_id", public_id)];
    params.extend_from_slice(extra);
    app.upload_ok(FilePart::corpus(file), &params).await
}

/// The public_ids of every stored image, by the Admin API's listing.
async fn stored_ids(app: &TestApp) -> Vec<String> {
    let admin = AdminClient::new(&app.base_url);
    let page = json_ok(admin.get("/resources/image?max_results=500").await).await;
    let mut ids: Vec<String> = page["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["public_id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

/// Blobs on disk, which must always equal the rows (no orphan, no loss).
async fn assert_blobs_equal_rows(app: &TestApp) {
    let rows = stored_ids(app).await.len();
    let temporaries = files_under(&app.sandbox.blob_root.join(".tmp"));
    assert_eq!(
        files_under(&app.sandbox.blob_root) - temporaries,
        rows,
        "one blob per stored asset"
    );
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("an array: {value}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

async fn destroy_deletes_row_and_original_and_says_not_found_after(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    upload(&app, IMAGE, "gone/soon", &[]).await;
    upload(&app, OTHER, "stays", &[]).await;
    assert_blobs_equal_rows(&app).await;

    let body = json_ok(
        call(
            &app,
            "destroy",
            &[("public_id", "gone/soon"), ("invalidate", "1")],
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(body, json!({"result": "ok"}));
    assert_eq!(stored_ids(&app).await, ["stays"]);
    assert_blobs_equal_rows(&app).await;
    let delivered = app.get("/demo/image/upload/gone/soon.jpg").await;
    assert_eq!(delivered.status(), 404);

    let again = json_ok(call(&app, "destroy", &[("public_id", "gone/soon")], &[]).await).await;
    assert_eq!(again, json!({"result": "not found"}));
}

async fn rename_moves_the_asset_and_refuses_a_taken_target_unless_overwrite(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = upload(&app, IMAGE, "a/one", &[("tags", "t"), ("context", "k=v")]).await;
    let other = upload(&app, OTHER, "b/two", &[]).await;

    let renamed = json_ok(
        call(
            &app,
            "rename",
            &[("from_public_id", "a/one"), ("to_public_id", "c/moved")],
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(renamed["public_id"], "c/moved");
    for same in ["asset_id", "version_id", "etag", "bytes", "tags"] {
        assert_eq!(renamed[same], first[same], "{same} goes with the asset");
    }
    assert_eq!(renamed["context"], json!({"custom": {"k": "v"}}));
    assert_eq!(stored_ids(&app).await, ["b/two", "c/moved"]);
    assert_eq!(app.get("/demo/image/upload/a/one.jpg").await.status(), 404);
    let delivered = app.get("/demo/image/upload/c/moved.jpg").await;
    assert_eq!(delivered.status(), 200);
    assert_eq!(
        assay_e2e::md5_hex(&delivered.bytes().await.unwrap()),
        first["etag"].as_str().unwrap()
    );

    // A taken target: refused, and nothing moves.
    let (status, message) = error_of(
        call(
            &app,
            "rename",
            &[("from_public_id", "c/moved"), ("to_public_id", "b/two")],
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(status, 400, "{message}");
    assert_eq!(message, "Resource already exists - b/two");
    assert_eq!(stored_ids(&app).await, ["b/two", "c/moved"]);
    assert_eq!(
        app.stored_asset("b/two").await.etag,
        other["etag"].as_str().unwrap()
    );

    // With overwrite: the target's asset is replaced, its original removed.
    let replaced = json_ok(
        call(
            &app,
            "rename",
            &[
                ("from_public_id", "c/moved"),
                ("to_public_id", "b/two"),
                ("overwrite", "1"),
            ],
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(replaced["asset_id"], first["asset_id"]);
    assert!(
        replaced["version"].as_i64().unwrap() > other["version"].as_i64().unwrap(),
        "a new version number for b/two, so its delivery URL names new content"
    );
    assert_eq!(stored_ids(&app).await, ["b/two"]);
    assert_blobs_equal_rows(&app).await;

    let (status, message) = error_of(
        call(
            &app,
            "rename",
            &[("from_public_id", "nothing"), ("to_public_id", "x")],
            &[],
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, message.as_str()),
        (404, "Resource not found - nothing")
    );
}

async fn tags_of(app: &TestApp, public_id: &str) -> Vec<String> {
    app.stored_asset(public_id).await.tags
}

async fn tag_commands_change_only_the_assets_named(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    upload(&app, IMAGE, "x", &[("tags", "keep")]).await;
    upload(&app, OTHER, "y", &[]).await;
    upload(&app, OTHER, "z", &[("tags", "keep")]).await;

    let added = json_ok(
        call(
            &app,
            "tags",
            &[("command", "add"), ("tag", "blurry, has_text")],
            &[("public_ids", &["x", "y", "missing"])],
        )
        .await,
    )
    .await;
    assert_eq!(added, json!({"public_ids": ["x", "y"]}));
    assert_eq!(tags_of(&app, "x").await, ["keep", "blurry", "has_text"]);
    assert_eq!(tags_of(&app, "y").await, ["blurry", "has_text"]);
    assert_eq!(tags_of(&app, "z").await, ["keep"]);

    json_ok(
        call(
            &app,
            "tags",
            &[("command", "remove"), ("tag", "blurry")],
            &[("public_ids", &["x"])],
        )
        .await,
    )
    .await;
    assert_eq!(tags_of(&app, "x").await, ["keep", "has_text"]);

    json_ok(
        call(
            &app,
            "tags",
            &[("command", "replace"), ("tag", "only")],
            &[("public_ids", &["y"])],
        )
        .await,
    )
    .await;
    assert_eq!(tags_of(&app, "y").await, ["only"]);

    json_ok(
        call(
            &app,
            "tags",
            &[("command", "remove_all")],
            &[("public_ids", &["x", "y"])],
        )
        .await,
    )
    .await;
    assert!(tags_of(&app, "x").await.is_empty());
    assert!(tags_of(&app, "y").await.is_empty());
    assert_eq!(tags_of(&app, "z").await, ["keep"]);
}

async fn set_exclusive_takes_the_tag_from_every_other_asset(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    upload(&app, IMAGE, "x", &[("tags", "cover,other")]).await;
    upload(&app, OTHER, "y", &[("tags", "cover")]).await;
    upload(&app, OTHER, "z", &[]).await;
    let body = json_ok(
        call(
            &app,
            "tags",
            &[("command", "set_exclusive"), ("tag", "cover")],
            &[("public_ids", &["z"])],
        )
        .await,
    )
    .await;
    assert_eq!(body, json!({"public_ids": ["z"]}));
    assert_eq!(tags_of(&app, "x").await, ["other"]);
    assert!(tags_of(&app, "y").await.is_empty());
    assert_eq!(tags_of(&app, "z").await, ["cover"]);
}

async fn context_add_merges_escaped_pairs_and_remove_all_clears(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    upload(&app, IMAGE, "x", &[("context", "keep=1|verdict=old")]).await;
    let body = json_ok(
        call(
            &app,
            "context",
            &[
                ("command", "add"),
                ("context", r"verdict=blurry|note=a\=b\|c"),
            ],
            &[("public_ids", &["x", "missing"])],
        )
        .await,
    )
    .await;
    assert_eq!(body, json!({"public_ids": ["x"]}));
    let context = app.stored_asset("x").await.context;
    assert_eq!(
        context.into_iter().collect::<Vec<_>>(),
        [
            ("keep".to_owned(), "1".to_owned()),
            ("note".to_owned(), "a=b|c".to_owned()),
            ("verdict".to_owned(), "blurry".to_owned()),
        ]
    );
    json_ok(
        call(
            &app,
            "context",
            &[("command", "remove_all")],
            &[("public_ids", &["x"])],
        )
        .await,
    )
    .await;
    assert!(app.stored_asset("x").await.context.is_empty());
}

async fn tag_and_public_id_limits_answer_400_naming_the_limit(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    upload(&app, IMAGE, "x", &[]).await;

    let ids: Vec<String> = (0..1001).map(|i| format!("id{i}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let (status, message) = error_of(
        call(
            &app,
            "tags",
            &[("command", "add"), ("tag", "t")],
            &[("public_ids", &ids[..])],
        )
        .await,
    )
    .await;
    assert_eq!(status, 400, "{message}");
    assert!(message.contains("at most 1000"), "{message}");

    let (status, message) = error_of(
        call(
            &app,
            "tags",
            &[("command", "add"), ("tag", "a,b")],
            &[("public_ids", &ids[..600])],
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert!(message.contains("public_ids times tags"), "{message}");

    let long = "t".repeat(256);
    let (status, message) = error_of(
        call(
            &app,
            "tags",
            &[("command", "add"), ("tag", &long)],
            &[("public_ids", &["x"])],
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert!(message.contains("longer than 255 characters"), "{message}");

    // 1000 tags on one asset is the limit: one more is refused, nothing written.
    let thousand: Vec<String> = (0..1000).map(|i| format!("t{i}")).collect();
    json_ok(
        call(
            &app,
            "tags",
            &[("command", "add"), ("tag", &thousand.join(","))],
            &[("public_ids", &["x"])],
        )
        .await,
    )
    .await;
    let (status, message) = error_of(
        call(
            &app,
            "tags",
            &[("command", "add"), ("tag", "one_more")],
            &[("public_ids", &["x"])],
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(message, "Too many tags on x: an asset carries at most 1000");
    assert_eq!(tags_of(&app, "x").await.len(), 1000);
}

/// A call that must fail: action, fields, status, start of the message.
type BadCall = (&'static str, Vec<(String, String)>, u16, &'static str);

async fn bad_lifecycle_calls_are_cloudinary_shaped_4xx(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    upload(&app, IMAGE, "x", &[]).await;
    let cases: Vec<BadCall> = vec![
        (
            "destroy",
            signed_fields(&[], &[]),
            400,
            "Missing required parameter - public_id",
        ),
        (
            "destroy",
            signed_fields(&[("public_id", "x"), ("type", "fetch")], &[]),
            400,
            "Invalid type",
        ),
        (
            "destroy",
            signed_fields(&[("public_id", "x"), ("eager", "w_10")], &[]),
            400,
            "Invalid eager",
        ),
        (
            "destroy",
            signed_fields(&[("public_id", "x"), ("invalidate", "maybe")], &[]),
            400,
            "Invalid invalidate",
        ),
        (
            "rename",
            signed_fields(&[("from_public_id", "x")], &[]),
            400,
            "Missing required parameter - to_public_id",
        ),
        (
            "rename",
            signed_fields(&[("from_public_id", "x"), ("to_public_id", "../y")], &[]),
            400,
            "Invalid to_public_id",
        ),
        (
            "rename",
            signed_fields(
                &[
                    ("from_public_id", "x"),
                    ("to_public_id", "y"),
                    ("to_type", "private"),
                ],
                &[],
            ),
            400,
            "Invalid to_type",
        ),
        (
            "tags",
            signed_fields(
                &[("command", "tag_it"), ("tag", "a")],
                &[("public_ids", &["x"])],
            ),
            400,
            "Invalid command",
        ),
        (
            "tags",
            signed_fields(&[("command", "add")], &[("public_ids", &["x"])]),
            400,
            "Missing required parameter - tag",
        ),
        (
            "tags",
            signed_fields(&[("command", "add"), ("tag", "a")], &[]),
            400,
            "Missing required parameter - public_ids",
        ),
        (
            "context",
            signed_fields(&[("command", "add")], &[("public_ids", &["x"])]),
            400,
            "Missing required parameter - context",
        ),
        (
            "context",
            signed_fields(
                &[("command", "add"), ("context", "=v")],
                &[("public_ids", &["x"])],
            ),
            400,
            "Invalid context",
        ),
    ];
    for (action, fields, status, start) in cases {
        let (got, message) = error_of(app.post_form(action, fields, None).await).await;
        assert_eq!(got, status, "{action}: {message}");
        assert!(message.starts_with(start), "{action}: {message}");
    }

    // A resource type Cloudinary does not have.
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in signed_fields(&[("public_id", "x")], &[]) {
        form = form.text(name, value);
    }
    let response = app
        .client
        .post(app.url("/v1_1/demo/sound/destroy"))
        .multipart(form)
        .send()
        .await
        .expect("request sent");
    let (status, message) = error_of(response).await;
    assert_eq!(
        (status, message.as_str()),
        (
            400,
            "Invalid resource_type: \"sound\" is not image, video or raw"
        )
    );

    // A parameter repeated, unsigned calls and a wrong signature.
    let mut repeated = signed_fields(&[("public_id", "x")], &[]);
    repeated.push(("public_id".into(), "y".into()));
    let (status, message) = error_of(app.post_form("destroy", repeated, None).await).await;
    assert_eq!(
        (status, message.as_str()),
        (400, "Invalid public_id: given more than once")
    );
    let unsigned = vec![("public_id".to_owned(), "x".to_owned())];
    let (status, _) = error_of(app.post_form("destroy", unsigned, None).await).await;
    assert_eq!(status, 401);
    let mut forged = signed_fields(&[("public_id", "y")], &[]);
    forged[0].1 = "x".into();
    let (status, _) = error_of(app.post_form("destroy", forged, None).await).await;
    assert_eq!(status, 401);
    assert_eq!(stored_ids(&app).await, ["x"], "nothing was deleted");
}

async fn admin_lists_tags_by_prefix_page_by_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    upload(&app, IMAGE, "x", &[("tags", "blue,blurry,red")]).await;
    upload(&app, OTHER, "y", &[("tags", "blue,bright")]).await;
    let admin = AdminClient::new(&app.base_url);

    let all = json_ok(admin.get("/tags/image").await).await;
    assert_eq!(all, json!({"tags": ["blue", "blurry", "bright", "red"]}));
    let first = json_ok(admin.get("/tags/image?prefix=b&max_results=2").await).await;
    assert_eq!(strings(&first["tags"]), ["blue", "blurry"]);
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let second = json_ok(
        admin
            .get(&format!(
                "/tags/image?prefix=b&max_results=2&next_cursor={cursor}"
            ))
            .await,
    )
    .await;
    assert_eq!(second, json!({"tags": ["bright"]}));
    assert_eq!(
        json_ok(admin.get("/tags/video").await).await,
        json!({"tags": []})
    );
    let (status, message) = error_of(admin.get("/tags/image?next_cursor=%25%25").await).await;
    assert_eq!(status, 400, "{message}");
    let (status, message) = error_of(admin.get("/tags/image?max_results=0").await).await;
    assert_eq!(status, 400, "{message}");
    let (status, message) = error_of(admin.get("/tags/image?direction=asc").await).await;
    assert_eq!(
        (status, message.starts_with("Invalid direction")),
        (400, true)
    );
}

async fn admin_lists_resources_by_tag_and_by_context(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (id, tags, context) in [
        ("one", "blurry", "verdict=blurry"),
        ("two", "blurry,dark", "verdict=sharp"),
        ("three", "blurry", "other=1"),
        ("four", "clean", "verdict=blurry"),
    ] {
        upload(&app, IMAGE, id, &[("tags", tags), ("context", context)]).await;
    }
    let admin = AdminClient::new(&app.base_url);

    // Newest first, two per page, every tagged asset once.
    let mut seen = Vec::new();
    let mut path = "/resources/image/tags/blurry?max_results=2".to_owned();
    loop {
        let page = json_ok(admin.get(&path).await).await;
        for resource in page["resources"].as_array().unwrap() {
            assert!(resource.get("tags").is_none(), "tags only when asked");
            seen.push(resource["public_id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                path = format!("/resources/image/tags/blurry?max_results=2&next_cursor={cursor}")
            }
            None => break,
        }
    }
    assert_eq!(seen, ["three", "two", "one"]);
    let flagged = json_ok(
        admin
            .get("/resources/image/tags/dark?tags=true&context=true")
            .await,
    )
    .await;
    assert_eq!(flagged["resources"][0]["tags"], json!(["blurry", "dark"]));
    assert_eq!(
        flagged["resources"][0]["context"],
        json!({"custom": {"verdict": "sharp"}})
    );
    let none = json_ok(admin.get("/resources/image/tags/nothing").await).await;
    assert_eq!(none, json!({"resources": []}));

    let ids = |page: &Value| -> Vec<String> {
        page["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["public_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let by_value = json_ok(
        admin
            .get("/resources/image/context?key=verdict&value=blurry")
            .await,
    )
    .await;
    assert_eq!(ids(&by_value), ["four", "one"]);
    let by_key = json_ok(admin.get("/resources/image/context?key=verdict").await).await;
    assert_eq!(ids(&by_key), ["four", "two", "one"]);
    let (status, message) = error_of(admin.get("/resources/image/context?value=x").await).await;
    assert_eq!(
        (status, message.as_str()),
        (400, "Missing required parameter - key")
    );
}

async fn admin_deletes_resources_by_tag(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    upload(&app, IMAGE, "a", &[("tags", "junk")]).await;
    upload(&app, OTHER, "b", &[("tags", "junk,other")]).await;
    upload(&app, OTHER, "c", &[("tags", "other")]).await;
    let admin = AdminClient::new(&app.base_url);
    let response = admin
        .request(Method::DELETE, "/resources/image/tags/junk")
        .json(&json!({"transformations": null}))
        .send()
        .await
        .expect("request sent");
    assert_eq!(
        json_ok(response).await,
        json!({"deleted": {"a": "deleted", "b": "deleted"}, "partial": false})
    );
    assert_eq!(stored_ids(&app).await, ["c"]);
    assert_blobs_equal_rows(&app).await;

    let refused = admin
        .request(Method::DELETE, "/resources/image/tags/other")
        .json(&json!({"keep_original": true}))
        .send()
        .await
        .expect("request sent");
    let (status, message) = error_of(refused).await;
    assert_eq!(
        (status, message.starts_with("Invalid keep_original")),
        (400, true)
    );
    assert_eq!(stored_ids(&app).await, ["c"]);
}

/// Waits for a held write, failing the test instead of hanging.
async fn arrived(hold: &Hold) {
    tokio::time::timeout(Duration::from_secs(120), hold.arrived())
        .await
        .expect("an analysis write reached the hold");
}

fn explicit_params(public_id: &str) -> Vec<(&str, &str)> {
    let mut params = vec![("public_id", public_id)];
    params.extend_from_slice(EVERY_ANALYSIS);
    params
}

async fn rename_away_during_explicit_leaves_no_analysis_under_either_name(backend: Backend) {
    let (app, hold) = TestApp::spawn_holding_writes(backend).await;
    upload(&app, IMAGE, "old", &[]).await;
    hold.arm(1);
    let params = explicit_params("old");
    let analyse = app.explicit(&params);
    let rename = async {
        arrived(&hold).await;
        let renamed = call(
            &app,
            "rename",
            &[("from_public_id", "old"), ("to_public_id", "new")],
            &[],
        )
        .await;
        hold.release();
        json_ok(renamed).await
    };
    let (response, renamed) = tokio::join!(analyse, rename);

    let (status, message) = error_of(response).await;
    assert_eq!(
        (status, message.as_str()),
        (404, "Resource not found - old")
    );
    assert_eq!(renamed["public_id"], "new");
    let stored = app.stored_asset("new").await;
    assert_eq!(
        stored.analysis,
        Default::default(),
        "no analysis of the old name landed on the new one"
    );
    assert_eq!(stored_ids(&app).await, ["new"]);
    assert_blobs_equal_rows(&app).await;
}

async fn rename_onto_during_explicit_analyses_the_asset_now_there(backend: Backend) {
    let (app, hold) = TestApp::spawn_holding_writes(backend).await;
    // What OTHER analyses to when nothing races.
    upload(&app, OTHER, "reference", &[]).await;
    let reference = json_ok(app.explicit(&explicit_params("reference")).await).await;
    upload(&app, IMAGE, "target", &[]).await;
    let incoming = upload(&app, OTHER, "incoming", &[]).await;

    hold.arm(1);
    let params = explicit_params("target");
    let analyse = app.explicit(&params);
    let rename = async {
        arrived(&hold).await;
        let renamed = call(
            &app,
            "rename",
            &[
                ("from_public_id", "incoming"),
                ("to_public_id", "target"),
                ("overwrite", "true"),
            ],
            &[],
        )
        .await;
        hold.release();
        json_ok(renamed).await
    };
    let (response, _) = tokio::join!(analyse, rename);

    let body = json_ok(response).await;
    assert_eq!(
        body["asset_id"], incoming["asset_id"],
        "the asset now there"
    );
    for field in [
        "etag",
        "phash",
        "colors",
        "quality_analysis",
        "blurhash",
        "mime_type",
    ] {
        assert_eq!(
            body[field], reference[field],
            "{field} of the asset now stored"
        );
    }
    let stored = app.stored_asset("target").await;
    assert_eq!(stored.etag, incoming["etag"].as_str().unwrap());
    assert_eq!(
        stored.analysis.phash.as_deref(),
        reference["phash"].as_str(),
        "the stored analysis is of the asset stored"
    );
    assert_eq!(stored_ids(&app).await, ["reference", "target"]);
    assert_blobs_equal_rows(&app).await;
}

async fn destroy_during_explicit_stores_nothing(backend: Backend) {
    let (app, hold) = TestApp::spawn_holding_writes(backend).await;
    upload(&app, IMAGE, "doomed", &[]).await;
    hold.arm(1);
    let params = explicit_params("doomed");
    let analyse = app.explicit(&params);
    let destroy = async {
        arrived(&hold).await;
        let destroyed = call(&app, "destroy", &[("public_id", "doomed")], &[]).await;
        hold.release();
        json_ok(destroyed).await
    };
    let (response, destroyed) = tokio::join!(analyse, destroy);
    assert_eq!(destroyed, json!({"result": "ok"}));
    let (status, _) = error_of(response).await;
    assert_eq!(status, 404);
    assert!(stored_ids(&app).await.is_empty());
    assert_blobs_equal_rows(&app).await;
}
