//! Jobs queued by the previous version, which stored an upload's or an
//! explicit call's raw parameters and read them again when the job ran:
//!
//! `{"resource_type", "params": [[name, value], ...], "reply": {"base",
//! "algorithm", "notification_url"}, "original_filename"}` (uploads: the
//! public_id among the parameters without its folder, `use_filename`
//! dropped), and `{"url", "body"}` for notifications.
//!
//! Such a job still in the queue after an upgrade is read here into this
//! version's [`Job`], under the same rules as the request it came from, so it
//! runs as it would have.

use serde::Deserialize;
use serde_json::{Map, Value};
use service::ops::similar::duplicates_requested;
use service::ops::{ResourceChanges, Upload};
use service::params::Params;
use service::pipeline::{explicit_key, ExplicitRequest, Reply, UploadRequest};
use service::ApiError;
use store::jobs::JobKind;

use super::job::{Job, Refused, Undecodable};

/// An upload or explicit payload as the previous version wrote it.
#[derive(Deserialize)]
struct Work {
    #[serde(default = "image")]
    resource_type: String,
    params: Vec<(String, String)>,
    reply: Reply,
    #[serde(default)]
    original_filename: Option<String>,
}

fn image() -> String {
    "image".to_owned()
}

#[derive(Deserialize)]
struct Notification {
    url: String,
    body: Map<String, Value>,
}

/// The job a previous version's row of `kind` stores as `payload`.
pub(super) fn decode(kind: JobKind, payload: &Value) -> Result<Job, Undecodable> {
    let unreadable = |e: serde_json::Error| {
        Undecodable::Unreadable(format!("a previous version's {kind} job: {e}"))
    };
    if kind == JobKind::Notify {
        let Notification { url, body } = Notification::deserialize(payload).map_err(unreadable)?;
        return Ok(Job::Notify { url, body });
    }
    let work = Work::deserialize(payload).map_err(unreadable)?;
    let refused = |error: ApiError| {
        Undecodable::Refused(Box::new(Refused {
            reply: work.reply.clone(),
            public_id: stored_public_id(&work.params),
            error,
        }))
    };
    let params = Params::parse(work.params.iter().cloned()).map_err(refused)?;
    match kind {
        JobKind::Upload => upload(&work, &params).map(|request| Job::Upload {
            request: Box::new(request),
        }),
        _ => explicit(&work, &params).map(|request| Job::Explicit {
            request: Box::new(request),
        }),
    }
    .map_err(refused)
}

fn upload(work: &Work, params: &Params) -> Result<UploadRequest, ApiError> {
    let upload = Upload::from_params(&work.resource_type, params)?;
    Ok(UploadRequest {
        // The stored id is folder-less; resolved under the stored folder it
        // is the id the pending answer named.
        public_id: upload.naming.resolve(work.original_filename.as_deref())?,
        upload,
        original_filename: work.original_filename.clone(),
        return_delete_token: params.is_set("return_delete_token")?,
        reply: work.reply.clone(),
    })
}

fn explicit(work: &Work, params: &Params) -> Result<ExplicitRequest, ApiError> {
    Ok(ExplicitRequest {
        key: explicit_key(&work.resource_type, params)?,
        changes: ResourceChanges::from_params(params)?,
        duplicates: duplicates_requested(params)?,
        reply: work.reply.clone(),
    })
}

/// The `public_id` among the stored parameters, read as it was stored.
fn stored_public_id(params: &[(String, String)]) -> Option<String> {
    params
        .iter()
        .find(|(name, _)| name == "public_id")
        .map(|(_, value)| value.clone())
}

#[cfg(test)]
mod tests {
    use common::signing::Algorithm;
    use serde_json::json;

    use super::*;

    /// What the previous version's `reply_json` wrote.
    fn stored_reply() -> Value {
        json!({"base": "http://127.0.0.1:8080", "algorithm": "sha256", "notification_url": "http://127.0.0.1:9/hook"})
    }

    #[test]
    fn a_queued_upload_runs_under_the_id_its_pending_answer_named() {
        // Written for `folder=shop&public_id=red&colors=1&return_delete_token=1`,
        // answered as `shop/red`.
        let payload = json!({
            "resource_type": "image",
            "params": [["colors", "1"], ["folder", "shop/"], ["return_delete_token", "1"], ["public_id", "red"]],
            "original_filename": "IMG_1",
            "reply": stored_reply(),
        });
        let Ok(Job::Upload { request }) = decode(JobKind::Upload, &payload) else {
            panic!("not read as an upload");
        };
        assert_eq!(request.public_id, "shop/red");
        assert_eq!(request.upload.naming.folder, "shop");
        assert_eq!(
            request.upload.extraction.analyses,
            analyses::AnalysisKinds::from(analyses::AnalysisKind::Colors)
        );
        assert!(request.return_delete_token);
        assert_eq!(request.original_filename.as_deref(), Some("IMG_1"));
        assert_eq!(request.reply.algorithm, Algorithm::Sha256);
        assert_eq!(
            request.reply.notification_url.as_deref(),
            Some("http://127.0.0.1:9/hook")
        );
    }

    #[test]
    fn a_queued_explicit_call_names_its_asset_and_changes() {
        let payload = json!({
            "resource_type": "image",
            "params": [["public_id", "a/b"], ["type", "private"], ["duplicates", "1"], ["tags", "x,y"]],
            "reply": {"base": "https://cdn.example", "algorithm": "sha1", "notification_url": null},
        });
        let Ok(Job::Explicit { request }) = decode(JobKind::Explicit, &payload) else {
            panic!("not read as an explicit call");
        };
        assert_eq!(request.key.public_id, "a/b");
        assert_eq!(request.key.delivery_type, "private");
        assert!(request.duplicates);
        assert_eq!(request.changes.tags, Some(vec!["x".into(), "y".into()]));
        assert_eq!(request.reply.algorithm, Algorithm::Sha1);
        assert_eq!(request.reply.notification_url, None);
    }

    #[test]
    fn a_queued_notification_keeps_its_destination_and_body() {
        let payload = json!({"url": "http://127.0.0.1:9/hook", "body": {"public_id": "x", "notification_type": "upload"}});
        let Ok(Job::Notify { url, body }) = decode(JobKind::Notify, &payload) else {
            panic!("not read as a notification");
        };
        assert_eq!(url, "http://127.0.0.1:9/hook");
        assert_eq!(body["notification_type"], "upload");
    }

    #[test]
    fn parameters_the_rules_refuse_fail_the_job_with_its_stored_id_and_reply() {
        let payload = json!({
            "resource_type": "image",
            "params": [["public_id", "red"], ["return_delete_token", "maybe"]],
            "original_filename": null,
            "reply": stored_reply(),
        });
        match decode(JobKind::Upload, &payload) {
            Err(Undecodable::Refused(refused)) => {
                let Refused {
                    reply,
                    public_id,
                    error,
                } = *refused;
                assert_eq!(public_id.as_deref(), Some("red"));
                assert_eq!(reply.algorithm, Algorithm::Sha256);
                assert!(error.to_string().contains("return_delete_token"), "{error}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_payload_of_neither_form_is_unreadable() {
        let payload = json!({"params": "colors=1"});
        assert!(matches!(
            decode(JobKind::Explicit, &payload),
            Err(Undecodable::Unreadable(_))
        ));
    }
}
