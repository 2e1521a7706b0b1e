//! Errors of the extraction library, classified by whose fault they are.

use crate::Format;

/// Why an analysis could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// The bytes are empty.
    #[error("Empty file")]
    Empty,
    /// The bytes are not an image format we know.
    #[error("Invalid image file: unsupported or unrecognised format")]
    Unsupported,
    /// The format is recognised but this build cannot read it at all.
    #[error("Invalid image file: {0} files are not supported by this server")]
    UnsupportedFormat(Format),
    /// The file claims a known format but cannot be read (corrupt, truncated).
    #[error("Invalid image file: {0}")]
    Corrupt(String),
    /// The file is over a configured limit (bytes, pixels, frames); refused before
    /// the work it would cost.
    #[error("{}", over_limit_message(*.limit, *.actual, *.max))]
    TooLarge {
        limit: LimitKind,
        actual: u64,
        max: u64,
    },
    /// The format is recognised and its basic facts are read, but this build
    /// cannot decode its pixels, which the requested analysis needs.
    #[error(
        "{analysis} is not available for {format} files: this build cannot decode their pixels"
    )]
    PixelsUnavailable {
        format: Format,
        analysis: &'static str,
    },
    /// The analysis was stopped before it finished: its caller cancelled it
    /// or its deadline passed (`crate::Cancel`).
    #[error("Analysis stopped: {0}")]
    Stopped(&'static str),
    /// A caller-supplied parameter is malformed; names the parameter.
    #[error("Invalid {param}: {reason}")]
    InvalidParameter { param: &'static str, reason: String },
    /// A failure that no input should cause (a bug or the environment).
    #[error("Internal error: {0}")]
    Internal(String),
}

/// Which limit a [`ExtractError::TooLarge`] file went over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKind {
    Bytes,
    Pixels,
    Frames,
    /// Scans of a progressive JPEG.
    JpegScans,
}

fn over_limit_message(limit: LimitKind, actual: u64, max: u64) -> String {
    match limit {
        // Cloudinary's own wording for this case.
        LimitKind::Bytes => format!("File size too large. Got {actual}. Maximum is {max}."),
        LimitKind::Pixels => {
            format!("Image too large: {actual} pixels. Maximum is {max} pixels.")
        }
        LimitKind::Frames => format!("Too many frames or pages: {actual}. Maximum is {max}."),
        // Counting stops at the first scan over the limit.
        LimitKind::JpegScans => format!("Too many JPEG scans: more than the maximum of {max}."),
    }
}

impl ExtractError {
    /// A third-party decoder's complaint about a file, made printable: their
    /// messages may quote raw bytes of the file (the png crate prints a damaged
    /// chunk's type as characters), which must not reach a JSON response or a
    /// terminal as control or garbled characters.
    pub(crate) fn corrupt(message: impl std::fmt::Display) -> Self {
        ExtractError::Corrupt(printable(&message.to_string()))
    }

    /// True when the input or the request, not the service, is at fault (maps to a 4xx).
    pub fn is_client_error(&self) -> bool {
        !matches!(self, ExtractError::Internal(_))
    }
}

/// Keeps printable ASCII; anything else is written as its `\u{..}` escape.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c.to_string()
            } else {
                c.escape_unicode().to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoder_messages_become_printable_ascii() {
        let quoted_bytes = "chunk \u{1b}[31m\u{b4}\u{81}\ttype\nbefore IHDR";
        let e = ExtractError::corrupt(quoted_bytes);
        let message = e.to_string();
        assert!(
            message.chars().all(|c| c.is_ascii_graphic() || c == ' '),
            "{message}"
        );
        assert_eq!(
            message,
            "Invalid image file: chunk \\u{1b}[31m\\u{b4}\\u{81}\\u{9}type\\u{a}before IHDR"
        );
    }

    #[test]
    fn messages_name_the_problem() {
        let e = ExtractError::TooLarge {
            limit: LimitKind::Bytes,
            actual: 11,
            max: 10,
        };
        assert_eq!(e.to_string(), "File size too large. Got 11. Maximum is 10.");
        let e = ExtractError::InvalidParameter {
            param: "custom_coordinates",
            reason: "expected x,y,w,h".into(),
        };
        assert_eq!(
            e.to_string(),
            "Invalid custom_coordinates: expected x,y,w,h"
        );
        assert!(e.is_client_error());
        assert!(!ExtractError::Internal("x".into()).is_client_error());
    }
}
