//! Errors of the extraction library, classified by whose fault they are.

/// Why an analysis could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// The bytes are empty.
    #[error("Empty file")]
    Empty,
    /// The bytes are not an image format we know.
    #[error("Invalid image file: unsupported or unrecognised format")]
    Unsupported,
    /// The file claims a known format but cannot be decoded (corrupt, truncated).
    #[error("Invalid image file: {0}")]
    Corrupt(String),
    /// The file is over a configured limit (bytes, pixels, frames).
    #[error("{0}")]
    TooLarge(String),
    /// A caller-supplied parameter is malformed; names the parameter.
    #[error("Invalid {param}: {reason}")]
    InvalidParameter { param: &'static str, reason: String },
}

impl ExtractError {
    /// True when the input, not the service, is at fault (maps to a 4xx).
    pub fn is_client_error(&self) -> bool {
        true
    }
}
