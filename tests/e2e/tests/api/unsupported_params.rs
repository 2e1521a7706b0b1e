//! Never silent: a parameter the service does not implement answers 400
//! naming it, on upload, explicit, unsigned uploads, presets and
//! delete_by_token alike, before any work is done.

use assay_e2e::{error_of, Backend, FilePart, TestApp, API_KEY, API_SECRET, CLOUD};

on_both_backends!(unsupported_parameters_are_400_naming_them);

async fn unsupported_parameters_are_400_naming_them(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let png = || FilePart::corpus("png_exiftool_tiny.png");
    for (name, value) in [
        ("eager", "w_100"),
        ("transformation", "c_crop,w_10"),
        ("moderation", "manual"),
        ("backup", "true"),
        ("colours", "1"),
        ("type", "private"),
    ] {
        let response = app
            .upload(png(), &[("public_id", "never"), (name, value)])
            .await;
        let (status, message) = error_of(response).await;
        assert_eq!(status, 400, "upload {name}: {message}");
        assert!(message.contains(name), "upload {name}: {message}");
    }
    app.upload_ok(png(), &[("public_id", "stored")]).await;
    for (name, value) in [("return_delete_token", "1"), ("eager", "w_100")] {
        let response = app
            .explicit(&[("public_id", "stored"), ("type", "upload"), (name, value)])
            .await;
        let (status, message) = error_of(response).await;
        assert_eq!(status, 400, "explicit {name}: {message}");
        assert!(message.contains(name), "explicit {name}: {message}");
    }

    // A preset holds only settings the server implements.
    let created = app
        .client
        .post(app.url(&format!("/v1_1/{CLOUD}/upload_presets")))
        .basic_auth(API_KEY, Some(API_SECRET))
        .form(&[("name", "p"), ("unsigned", "true"), ("eager", "w_100")])
        .send()
        .await
        .unwrap();
    let (status, message) = error_of(created).await;
    assert_eq!(status, 400, "{message}");
    assert!(message.contains("eager"), "{message}");

    // Of Cloudinary's unsigned list, what is not implemented is named too.
    let created = app
        .client
        .post(app.url(&format!("/v1_1/{CLOUD}/upload_presets")))
        .basic_auth(API_KEY, Some(API_SECRET))
        .form(&[("name", "open"), ("unsigned", "true")])
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    let unsigned = app
        .post_form(
            "upload",
            vec![
                ("upload_preset".into(), "open".into()),
                ("public_id_prefix".into(), "x".into()),
            ],
            Some(png()),
        )
        .await;
    let (status, message) = error_of(unsigned).await;
    assert_eq!(status, 400, "{message}");
    assert!(message.contains("public_id_prefix"), "{message}");
    let unsigned = app
        .post_form(
            "upload",
            vec![
                ("upload_preset".into(), "open".into()),
                ("overwrite".into(), "1".into()),
            ],
            Some(png()),
        )
        .await;
    let (status, message) = error_of(unsigned).await;
    assert_eq!(status, 400);
    assert!(
        message.starts_with(
            "Overwrite parameter is not allowed when using unsigned upload. Only upload_preset,"
        ),
        "{message}"
    );
    let no_preset = app
        .post_form(
            "upload",
            vec![("public_id".into(), "x".into())],
            Some(png()),
        )
        .await;
    assert_eq!(
        error_of(no_preset).await,
        (
            400,
            "Upload preset must be specified when using unsigned upload".to_owned()
        )
    );
    let explicit_unsigned = app
        .post_form(
            "explicit",
            vec![
                ("public_id".into(), "stored".into()),
                ("type".into(), "upload".into()),
            ],
            None,
        )
        .await;
    assert_eq!(
        error_of(explicit_unsigned).await.0,
        401,
        "only uploads may be unsigned"
    );
    assert_eq!(
        app.get(&format!("/{CLOUD}/image/upload/never.png"))
            .await
            .status(),
        404,
        "nothing was stored by a refused call"
    );
}
