//! Why a part of a chunked upload is refused: one variant per rule, each
//! with its sentence, all answered as 400 (a file over the limit in
//! Cloudinary's own wording).

use service::{ApiError, Reason};

/// Every part but the last must be at least this long (Cloudinary's rule:
/// "each chunk must be larger than 5 MB except the last one"). It also
/// bounds how many parts, rows and blobs one upload can make.
pub const MIN_PART_BYTES: u64 = 5_000_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChunkRefusal {
    #[error("Chunked upload: the {0} header is missing (a part carries both X-Unique-Upload-Id and Content-Range)")]
    MissingHeader(&'static str),
    #[error("Invalid X-Unique-Upload-Id: 1 to 128 printable ASCII characters")]
    InvalidUploadId,
    #[error("Invalid Content-Range {0:?}: expected bytes <first>-<last>/<total> (total -1 or * while unknown)")]
    InvalidContentRange(String),
    /// Answered in Cloudinary's wording (see [`ApiError::file_too_large`]).
    #[error("File size too large. Got {got}. Maximum is {max}.")]
    FileTooLarge { got: u64, max: u64 },
    #[error("Invalid file: a chunked upload's part must be a file part")]
    NotAFilePart,
    #[error("Invalid file: the part has {got} bytes where Content-Range says {declared}")]
    PartSizeMismatch { declared: u64, got: u64 },
    #[error("Invalid Content-Range: every part but the last must have at least {MIN_PART_BYTES} bytes (this one has {0})")]
    PartTooSmall(u64),
    #[error("Chunked upload {upload_id}: the part starting at byte {first} came before the one starting at byte {expected}; parts must arrive in order")]
    OutOfOrder {
        upload_id: String,
        expected: u64,
        first: u64,
    },
    #[error("Chunked upload {upload_id}: the part starting at byte {first} overlaps bytes already received (the next part starts at byte {expected})")]
    AlreadyReceived {
        upload_id: String,
        expected: u64,
        first: u64,
    },
    #[error("Chunked upload {0}: its first part was already received")]
    AlreadyStarted(String),
    #[error("Chunked upload {upload_id} is not in progress: its first part must start at byte 0, not {first} (or it expired)")]
    NotStarted { upload_id: String, first: u64 },
    #[error("Chunked upload {0} expired: no part arrived in time; upload the file again")]
    Expired(String),
    #[error("Chunked upload {upload_id}: Content-Range gives the total {now}, an earlier part gave {declared}")]
    TotalChanged {
        upload_id: String,
        declared: u64,
        now: u64,
    },
    #[error(
        "Chunked upload {0} was started with other parameters: every part must carry the same ones"
    )]
    OtherParameters(String),
}

impl From<ChunkRefusal> for ApiError {
    fn from(refusal: ChunkRefusal) -> Self {
        match refusal {
            ChunkRefusal::FileTooLarge { got, max } => ApiError::from(Reason::FileTooLarge {
                got: Some(got),
                max,
            }),
            other => Reason::Rejected(Box::new(other)).into(),
        }
    }
}
