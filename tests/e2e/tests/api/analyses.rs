//! The analyses beyond colours and metadata over raw HTTP: the admin update
//! runs them, the extension flags (README) return their fields, and an
//! analysis this server does not implement is refused by name.

use assay_e2e::{error_of, json_ok, Backend, FilePart, TestApp};
use serde_json::json;

use crate::admin_client::AdminClient;

const PHOTO: &str = "face_pillow_hopper.jpg";

on_both_backends!(
    an_admin_update_runs_the_analyses_and_stores_them,
    extension_flags_return_placeholders_colour_and_type,
    analyses_this_server_does_not_implement_are_refused_by_name,
);

async fn an_admin_update_runs_the_analyses_and_stores_them(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.upload_ok(FilePart::corpus(PHOTO), &[("public_id", "judged")])
        .await;
    let admin = AdminClient::new(&app.base_url);
    let fields = [
        ("quality_analysis", "true"),
        ("accessibility_analysis", "1"),
        ("cinemagraph_analysis", "1"),
    ];
    let updated = json_ok(admin.update_form("judged", &fields).await).await;
    assert!(updated["quality_analysis"]["focus"].is_f64(), "{updated}");
    assert!(updated["accessibility_analysis"]["colorblind_accessibility_score"].is_f64());
    assert_eq!(
        updated["cinemagraph_analysis"],
        json!({"cinemagraph_score": 0.0})
    );

    let stored = app.stored_asset("judged").await.analysis;
    assert_eq!(
        stored.quality_analysis.as_ref(),
        Some(&updated["quality_analysis"])
    );
    assert_eq!(stored.quality_score, updated["quality_score"].as_f64());
    let details = json_ok(
        admin
            .resource(
                "judged",
                "quality_analysis=true&accessibility_analysis=true",
            )
            .await,
    )
    .await;
    assert_eq!(details["quality_analysis"], updated["quality_analysis"]);
    assert_eq!(
        details["accessibility_analysis"],
        updated["accessibility_analysis"]
    );
    assert!(
        details.get("cinemagraph_analysis").is_none(),
        "not asked for"
    );
}

async fn extension_flags_return_placeholders_colour_and_type(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let plain = app.upload_ok(FilePart::corpus(PHOTO), &[]).await;
    for key in ["blurhash", "thumbhash", "average_color", "mime_type"] {
        assert!(plain.get(key).is_none(), "{key} shown unasked");
    }
    let body = app
        .upload_ok(
            FilePart::corpus(PHOTO),
            &[
                ("public_id", "placeholders"),
                ("blurhash", "1"),
                ("thumbhash", "1"),
                ("average_color", "1"),
                ("mime_type", "1"),
            ],
        )
        .await;
    assert_eq!(
        body["blurhash"].as_str().map(str::len),
        Some(28),
        "{}",
        body["blurhash"]
    );
    assert!(
        body["thumbhash"].as_str().is_some_and(|t| t.len() > 20),
        "{}",
        body["thumbhash"]
    );
    let hex = body["average_color"]["hex"]
        .as_str()
        .expect("average_color.hex");
    assert!(hex.len() == 7 && hex.starts_with('#'), "{hex}");
    assert!(body["average_color"]["light"].is_boolean());
    assert_eq!(body["mime_type"], "image/jpeg");

    let explicit = json_ok(
        app.explicit(&[
            ("public_id", "placeholders"),
            ("blurhash", "1"),
            ("mime_type", "1"),
        ])
        .await,
    )
    .await;
    assert_eq!(
        (&explicit["blurhash"], &explicit["mime_type"]),
        (&body["blurhash"], &body["mime_type"])
    );
}

async fn analyses_this_server_does_not_implement_are_refused_by_name(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for name in [
        "categorization",
        "detection",
        "auto_tagging",
        "background_removal",
    ] {
        let (status, message) = error_of(
            app.upload(FilePart::corpus(PHOTO), &[(name, "google_tagging")])
                .await,
        )
        .await;
        assert_eq!(status, 400, "{name}");
        assert!(message.contains(name), "{name}: {message}");
    }
    let (status, message) = error_of(
        app.upload(FilePart::corpus(PHOTO), &[("quality_analysis", "often")])
            .await,
    )
    .await;
    assert_eq!(status, 400);
    assert!(message.contains("quality_analysis"), "{message}");
}
