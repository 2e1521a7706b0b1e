//! The parameter rule and the bounds on work before authentication, against
//! the running app: parameter pollution in raw multipart part order, repeated
//! and malformed names, empty values that must not clear what is stored,
//! field floods, oversized admin bodies, and forged uploads refused before
//! their file is read.

use assay_e2e::{error_of, json_ok, Backend, FilePart, TestApp};
use futures_util::future::join_all;
use serde_json::json;

use crate::admin_client::AdminClient;

on_both_backends!(
    prepended_empty_parts_cannot_move_or_overwrite_a_signed_upload,
    a_name_may_appear_once,
    names_outside_the_alphabet_are_refused,
    empty_values_leave_stored_tags_context_and_regions_alone,
    field_floods_are_refused_at_the_cap_and_health_stays_up,
    admin_bodies_over_the_cap_get_a_json_413,
    a_forged_upload_is_refused_before_its_file_is_read,
    over_long_query_strings_are_client_errors_and_health_stays_up,
);

const PHOTO: &str = "png_exiftool_tiny.png";
const OTHER: &str = "gif_xmp_201.gif";

/// `fields` with `extra` put in front, as an attacker re-sending a captured
/// request would.
fn prepend(extra: &[(&str, &str)], fields: Vec<(String, String)>) -> Vec<(String, String)> {
    extra
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .chain(fields)
        .collect()
}

async fn prepended_empty_parts_cannot_move_or_overwrite_a_signed_upload(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let root = app
        .upload_ok(FilePart::corpus(OTHER), &[("public_id", "avatar")])
        .await;
    let captured = app.signed(&[
        ("public_id", "avatar"),
        ("folder", "users/alice"),
        ("overwrite", "0"),
    ]);
    let polluted = [
        prepend(&[("folder", ""), ("overwrite", "")], captured.clone()),
        prepend(&[("folder", "")], captured.clone()),
        prepend(&[("overwrite", "1")], captured.clone()),
        [captured.clone(), vec![("folder".into(), String::new())]].concat(),
        prepend(&[("folder[]", "")], captured.clone()),
    ];
    for fields in polluted {
        let names: Vec<String> = fields.iter().map(|(k, _)| k.clone()).collect();
        let response = app
            .post_form("upload", fields, Some(FilePart::corpus(PHOTO)))
            .await;
        let (status, message) = error_of(response).await;
        assert_eq!(status, 400, "{names:?}: {message}");
        assert!(
            message.contains("given more than once"),
            "{names:?}: {message}"
        );
    }
    // Nothing landed anywhere: the root asset is the one uploaded first.
    let stored = app.stored_asset("avatar").await;
    assert_eq!(stored.etag, root["etag"].as_str().unwrap());
    let admin = AdminClient::new(&app.base_url);
    let (status, _) = error_of(admin.resource("users/alice/avatar", "").await).await;
    assert_eq!(status, 404);

    // The captured request itself still works, once.
    let landed = json_ok(
        app.post_form("upload", captured, Some(FilePart::corpus(PHOTO)))
            .await,
    )
    .await;
    assert_eq!(landed["public_id"], "users/alice/avatar");
}

async fn a_name_may_appear_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let cases: [(&[(&str, &str)], &str); 4] = [
        (&[("public_id", "x")], "public_id"),
        (&[("tags", "b")], "tags"),
        (&[("tags[]", "b")], "tags"),
        (&[("timestamp", "1")], "timestamp"),
    ];
    for (extra, name) in cases {
        let signed = app.signed(&[("public_id", "x"), ("tags", "a")]);
        let fields = [
            signed,
            extra
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        ]
        .concat();
        let response = app
            .post_form("upload", fields, Some(FilePart::corpus(PHOTO)))
            .await;
        let (status, message) = error_of(response).await;
        assert_eq!(
            (status, message.as_str()),
            (
                400,
                format!("Invalid {name}: given more than once").as_str()
            )
        );
    }
    // Array members repeat, and sign as one comma-joined value.
    let signed = app.signed(&[("public_id", "arr"), ("tags", "a,b")]);
    let fields: Vec<(String, String)> = signed
        .into_iter()
        .flat_map(|(k, v)| {
            if k == "tags" {
                v.split(',')
                    .map(|t| ("tags[]".to_owned(), t.to_owned()))
                    .collect()
            } else {
                vec![(k, v)]
            }
        })
        .collect();
    let body = json_ok(
        app.post_form("upload", fields, Some(FilePart::corpus(PHOTO)))
            .await,
    )
    .await;
    assert_eq!(body["tags"], json!(["a", "b"]));
    // Admin queries follow the same rule.
    let admin = AdminClient::new(&app.base_url);
    let (status, message) = error_of(
        admin
            .get("/resources/image?max_results=1&max_results=2")
            .await,
    )
    .await;
    assert_eq!(
        (status, message.as_str()),
        (400, "Invalid max_results: given more than once")
    );
}

async fn names_outside_the_alphabet_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Signed for `context=caption=x`, re-sent with the `=` moved into the name.
    let signed = app.signed(&[("public_id", "ctx"), ("context", "caption=x")]);
    let moved: Vec<(String, String)> = signed
        .into_iter()
        .map(|(k, v)| match (k.as_str(), v.split_once('=')) {
            ("context", Some((key, value))) => (format!("context={key}"), value.to_owned()),
            _ => (k, v),
        })
        .collect();
    let (status, message) = error_of(
        app.post_form("upload", moved, Some(FilePart::corpus(PHOTO)))
            .await,
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        message.starts_with("Invalid parameter name \"context=caption\""),
        "{message}"
    );
    for name in ["Public_id", "tags[0]", "x-y", "a1"] {
        let mut fields = app.signed(&[("public_id", "n")]);
        fields.push((name.to_owned(), "v".to_owned()));
        let (status, message) = error_of(
            app.post_form("upload", fields, Some(FilePart::corpus(PHOTO)))
                .await,
        )
        .await;
        assert_eq!(status, 400, "{name}");
        assert!(
            message.starts_with("Invalid parameter name"),
            "{name}: {message}"
        );
    }
    let admin = AdminClient::new(&app.base_url);
    let (status, message) = error_of(admin.get("/resources/image?Prefix=a").await).await;
    assert_eq!(status, 400);
    assert!(message.contains("\"Prefix\""), "{message}");
    let (status, _) = error_of(app.get("/v1_1/demo/resources/image").await).await;
    assert_eq!(status, 401, "credentials are still checked first");
}

async fn empty_values_leave_stored_tags_context_and_regions_alone(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.upload_ok(
        FilePart::corpus(PHOTO),
        &[
            ("public_id", "kept"),
            ("tags", "a,b"),
            ("context", "caption=x"),
            ("custom_coordinates", "1,2,3,4"),
            ("face_coordinates", "5,6,7,8"),
        ],
    )
    .await;
    let before = app.stored_asset("kept").await;
    let empty = [
        ("tags", ""),
        ("context", ""),
        ("custom_coordinates", ""),
        ("face_coordinates", ""),
    ];
    // Signed as the SDKs sign: empty values are left out of the signature.
    let mut params = vec![("public_id", "kept"), ("type", "upload")];
    params.extend(empty);
    json_ok(app.explicit(&params).await).await;
    // The same empty parts slipped unsigned into a signed request.
    let signed = app.signed(&[("public_id", "kept"), ("type", "upload"), ("colors", "1")]);
    json_ok(
        app.post_form("explicit", prepend(&empty, signed), None)
            .await,
    )
    .await;
    // And an admin update with empty values, as a form and as JSON.
    let admin = AdminClient::new(&app.base_url);
    json_ok(admin.update_form("kept", &empty).await).await;
    json_ok(
        admin
            .update_json("kept", json!({"tags": "", "context": "", "custom_coordinates": "", "face_coordinates": null}))
            .await,
    )
    .await;

    let after = app.stored_asset("kept").await;
    assert_eq!(after.tags, before.tags);
    assert_eq!(after.context, before.context);
    assert_eq!(after.coordinates, before.coordinates);
    assert_eq!(after.tags, ["a", "b"]);
    assert!(!after.coordinates.custom.is_empty() && !after.coordinates.faces.is_empty());
}

/// A raw multipart body of `count` empty parts named `name` (`{i}` numbered),
/// then a valid signature's fields. Built by hand: a client's multipart
/// builder chains one stream per part and overflows its stack on 120,000.
fn flood(app: &TestApp, name: &str, count: usize) -> Vec<u8> {
    let mut fields: Vec<(String, String)> = (0..count)
        .map(|i| (name.replace("{i}", &i.to_string()), String::new()))
        .collect();
    fields.extend(app.signed(&[("public_id", "flood")]));
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .bytes(),
        );
    }
    body.extend(format!("--{BOUNDARY}--\r\n").bytes());
    body
}

const BOUNDARY: &str = "fLoOdBoUnDaRy";

async fn field_floods_are_refused_at_the_cap_and_health_stays_up(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // 120,000 `a<i>[]` parts (7 MB), the flood: the first name is refused.
    // 120,000 valid array parts: refused at the field cap. Two of each at once.
    let requests = [
        ("a{i}[]", 400, "Invalid parameter name \"a0[]\""),
        ("a[]", 413, "Request body too large: more than 1100 fields"),
        ("a{i}[]", 400, "Invalid parameter name \"a0[]\""),
        ("a[]", 413, "Request body too large: more than 1100 fields"),
    ];
    let app = &app;
    let floods = requests.iter().map(|(name, status, message)| {
        let body = flood(app, name, 120_000);
        async move {
            let response = app
                .client
                .post(app.url("/v1_1/demo/image/upload"))
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .body(body)
                .send()
                .await
                .expect("request sent");
            let (got_status, got_message) = error_of(response).await;
            assert_eq!(got_status, *status, "{name}: {got_message}");
            assert!(got_message.starts_with(message), "{name}: {got_message}");
        }
    });
    let health = async {
        let response = app.get("/healthz").await;
        assert_eq!(response.status(), 200);
    };
    let ((), _) = tokio::join!(health, join_all(floods));

    // The same as a form body and as JSON.
    let form = "a%5B%5D=&".repeat(120_000);
    let response = app
        .client
        .post(app.url("/v1_1/demo/image/upload"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .expect("request sent");
    let (status, message) = error_of(response).await;
    assert_eq!(
        (status, message.as_str()),
        (413, "Request body too large: more than 1100 fields")
    );
    let json_flood = format!("{{{}\"z\":1}}", "\"a\":null,".repeat(120_000));
    let response = app
        .client
        .post(app.url("/v1_1/demo/image/explicit"))
        .header("content-type", "application/json")
        .body(json_flood)
        .send()
        .await
        .expect("request sent");
    let (status, _) = error_of(response).await;
    assert_eq!(status, 413);
}

async fn admin_bodies_over_the_cap_get_a_json_413(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.upload_ok(FilePart::corpus(PHOTO), &[("public_id", "big")])
        .await;
    let admin = AdminClient::new(&app.base_url);
    let tags = vec!["t"; 600_000].join(",");
    for response in [
        admin.update_json("big", json!({ "tags": tags })).await,
        admin.update_form("big", &[("tags", tags.as_str())]).await,
        admin
            .request(reqwest::Method::DELETE, "/resources/image/upload")
            .json(&json!({ "public_ids": vec!["x"; 400_000] }))
            .send()
            .await
            .expect("request sent"),
    ] {
        assert_eq!(response.headers()["content-type"], "application/json");
        let (status, message) = error_of(response).await;
        assert_eq!(
            (status, message.as_str()),
            (413, "Request body too large: more than 1048576 bytes")
        );
    }
    assert_eq!(app.stored_asset("big").await.tags, Vec::<String>::new());
}

async fn a_forged_upload_is_refused_before_its_file_is_read(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| config.max_upload_bytes = 64 << 20).await;
    let mut fields = app.signed(&[("public_id", "forged")]);
    for (name, value) in &mut fields {
        if name == "public_id" {
            *value = "elsewhere".into();
        }
    }
    // 32 MB of file after a signature that does not match: the client still
    // reads the 401 (the server answers without spooling the file).
    let file = FilePart::new("big.png", vec![0; 32 << 20]);
    let (status, message) = error_of(app.post_form("upload", fields, Some(file)).await).await;
    assert_eq!(status, 401);
    assert!(message.starts_with("Invalid Signature"), "{message}");
}

/// A search's query string at every length up to past the HTTP head buffer:
/// each is a client error (JSON while actix-http hands the request to us,
/// bodiless past its URI limit; README, "Request parameters"), none a 5xx,
/// and the server answers the next request.
async fn over_long_query_strings_are_client_errors_and_health_stays_up(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = AdminClient::new(&app.base_url);
    for kilobytes in [30, 60, 87, 100, 108, 140] {
        let expression = "x".repeat(kilobytes * 1000);
        let response = admin
            .request(
                reqwest::Method::GET,
                &format!("/resources/search?expression={expression}"),
            )
            .send()
            .await;
        // Past the head buffer actix may close before the client has sent it all.
        let Ok(response) = response else { continue };
        let status = response.status().as_u16();
        assert!((400..500).contains(&status), "{kilobytes} KB: {status}");
        if kilobytes * 1000 < 65_000 {
            let (_, message) = error_of(response).await;
            assert!(!message.is_empty(), "{kilobytes} KB");
        }
        assert_eq!(admin.ping().await.status(), 200, "after {kilobytes} KB");
    }
}
