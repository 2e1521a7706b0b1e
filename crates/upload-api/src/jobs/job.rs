//! What a queued job carries: the request as the route parsed it (or a
//! notification to deliver), written to the queue's payload column as the
//! JSON of [`Job`] and read back as it was written. Payloads the previous
//! version wrote (the raw parameters) are read by [`super::legacy`].

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use service::pipeline::{ExplicitRequest, Reply, UploadRequest};
use service::ApiError;
use store::jobs::JobKind;

use super::legacy;

/// One job. The tag (`kind`) is the queue row's kind too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Job {
    /// An `async=true` upload; its file is staged apart (the row's `file_key`).
    Upload { request: Box<UploadRequest> },
    /// An `async=true` explicit call.
    Explicit { request: Box<ExplicitRequest> },
    /// A finished call's response (`body`), to POST to `url`.
    Notify {
        url: String,
        body: Map<String, Value>,
    },
}

/// Why a stored job cannot run.
#[derive(Debug)]
pub(crate) enum Undecodable {
    /// Stored parameters (a previous version's job) that the request rules
    /// refuse: the job fails as the call would have, and is notified so.
    Refused(Box<Refused>),
    /// Not a job this version can read at all.
    Unreadable(String),
}

/// A previous version's job whose parameters are refused.
#[derive(Debug)]
pub(crate) struct Refused {
    pub reply: Reply,
    /// The public_id as stored, when there is one.
    pub public_id: Option<String>,
    pub error: ApiError,
}

impl Job {
    pub fn kind(&self) -> JobKind {
        match self {
            Job::Upload { .. } => JobKind::Upload,
            Job::Explicit { .. } => JobKind::Explicit,
            Job::Notify { .. } => JobKind::Notify,
        }
    }

    /// The payload column's JSON.
    pub fn to_payload(&self) -> Result<Value, ApiError> {
        serde_json::to_value(self).map_err(ApiError::internal)
    }

    /// The job a row of `kind` stores as `payload`: this version's form, or
    /// the previous version's (which has no `kind` member).
    pub fn from_payload(kind: JobKind, payload: &Value) -> Result<Job, Undecodable> {
        if payload.get("kind").is_none() {
            return legacy::decode(kind, payload);
        }
        let job: Job = serde_json::from_value(payload.clone())
            .map_err(|e| Undecodable::Unreadable(format!("a {kind} job's payload: {e}")))?;
        if job.kind() != kind {
            return Err(Undecodable::Unreadable(format!(
                "a {kind} row holds a {} job",
                job.kind()
            )));
        }
        Ok(job)
    }
}

#[cfg(test)]
mod tests {
    use common::signing::Algorithm;
    use service::ops::{ResourceChanges, Upload};
    use service::params::Params;
    use service::pipeline::explicit_key;

    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params::parse(pairs.iter().copied()).unwrap()
    }

    fn reply() -> Reply {
        Reply {
            base: "http://127.0.0.1:8080".into(),
            algorithm: Algorithm::Sha256,
            notification_url: Some("http://127.0.0.1:9/hook".into()),
        }
    }

    fn read_back(job: &Job) -> Job {
        Job::from_payload(job.kind(), &job.to_payload().unwrap()).unwrap()
    }

    #[test]
    fn an_upload_reads_back_as_the_request_the_route_parsed() {
        let upload = Upload::from_params(
            "image",
            &params(&[
                ("folder", "shop/"),
                ("use_filename", "1"),
                ("overwrite", "0"),
                ("tags", "a,b"),
                ("context", "alt=x|caption=y"),
                ("ocr", "adv_ocr:document:de"),
                ("face_coordinates", "1,2,3,4"),
                ("duplicates", "1"),
                ("metadata", "size=big"),
            ]),
        )
        .unwrap();
        let job = Job::Upload {
            request: Box::new(UploadRequest {
                public_id: upload.naming.resolve(Some("red")).unwrap(),
                upload,
                original_filename: Some("red".into()),
                return_delete_token: true,
                reply: reply(),
            }),
        };
        assert_eq!(read_back(&job), job);
    }

    #[test]
    fn an_explicit_call_reads_back_as_the_request_the_route_parsed() {
        let sent = params(&[
            ("public_id", "a/b"),
            ("type", "private"),
            ("colors", "1"),
            ("tags", "x"),
        ]);
        let job = Job::Explicit {
            request: Box::new(ExplicitRequest {
                key: explicit_key("image", &sent).unwrap(),
                changes: ResourceChanges::from_params(&sent).unwrap(),
                duplicates: false,
                reply: reply(),
            }),
        };
        assert_eq!(read_back(&job), job);
    }

    #[test]
    fn a_payload_of_another_kind_than_its_row_is_not_run() {
        let job = Job::Notify {
            url: "http://127.0.0.1:9/hook".into(),
            body: Map::new(),
        };
        let payload = job.to_payload().unwrap();
        assert_eq!(Job::from_payload(JobKind::Notify, &payload).unwrap(), job);
        assert!(matches!(
            Job::from_payload(JobKind::Upload, &payload),
            Err(Undecodable::Unreadable(_))
        ));
    }
}
