//! Where decoded fields go, whatever the encoding: the caps on count and
//! bytes (checked before a field is kept), the parameter rule
//! ([`Params::insert`]) and, for uploads, the `file` set apart.

use super::{FileField, UploadBody, MAX_FIELDS, MAX_FIELD_BYTES, MAX_TEXT_BYTES};
use crate::params::Params;
use crate::{ApiError, Reason};

/// Collects the fields of one body.
#[derive(Debug)]
pub(super) struct FieldSink {
    params: Params,
    file: Option<FileField>,
    /// `Some(cap)` when a `file` field is the upload's file, capped in bytes.
    max_file_bytes: Option<u64>,
    fields: usize,
    text_bytes: usize,
}

impl FieldSink {
    /// For an upload body: `file` is set apart.
    pub(super) fn with_file(max_file_bytes: u64) -> Self {
        FieldSink {
            params: Params::default(),
            file: None,
            max_file_bytes: Some(max_file_bytes),
            fields: 0,
            text_bytes: 0,
        }
    }

    /// For an admin body or query: every field is a parameter.
    pub(super) fn params_only() -> Self {
        FieldSink {
            max_file_bytes: None,
            ..Self::with_file(0)
        }
    }

    pub(super) fn params(&self) -> &Params {
        &self.params
    }

    /// True when `name` is this body's file field.
    pub(super) fn is_file(&self, name: &str) -> bool {
        self.max_file_bytes.is_some() && name == "file"
    }

    /// The most bytes a text `file` (base64 data URI or URL) may have.
    pub(super) fn max_file_text_bytes(&self) -> usize {
        let max = self.max_file_bytes.unwrap_or(0);
        usize::try_from(max).unwrap_or(usize::MAX).saturating_mul(4) / 3 + 1024
    }

    /// The file cap, for the "File size too large" sentence.
    pub(super) fn max_file_bytes(&self) -> u64 {
        self.max_file_bytes.unwrap_or(0)
    }

    /// Counts one more field (before any of it is kept): 413 past [`MAX_FIELDS`].
    pub(super) fn count_field(&mut self) -> Result<(), ApiError> {
        self.fields += 1;
        if self.fields > MAX_FIELDS {
            return Err(Reason::BodyTooLarge {
                what: format!("more than {MAX_FIELDS} fields"),
            }
            .into());
        }
        Ok(())
    }

    /// The most bytes the next text value may have: its own cap, or what is
    /// left of the body's text budget after its name (413 when nothing is).
    pub(super) fn text_room(&self, name: &str) -> Result<usize, ApiError> {
        let left = MAX_TEXT_BYTES
            .checked_sub(self.text_bytes + name.len())
            .ok_or_else(too_much_text)?;
        Ok(left.min(MAX_FIELD_BYTES))
    }

    /// A whole text field: counted, capped, then kept under the parameter rule.
    pub(super) fn add_text(&mut self, name: String, value: String) -> Result<(), ApiError> {
        self.count_field()?;
        if self.is_file(&name) {
            if value.len() > self.max_file_text_bytes() {
                let decoded = value.len() as u64 / 4 * 3;
                return Err(Reason::FileTooLarge {
                    got: Some(decoded),
                    max: self.max_file_bytes(),
                }
                .into());
            }
            return self.set_file(FileField::Text(value));
        }
        let room = self.text_room(&name)?;
        if value.len() > room {
            return Err(if room < MAX_FIELD_BYTES {
                too_much_text()
            } else {
                field_too_long(&name)
            });
        }
        self.add_counted_text(name, value)
    }

    /// A text field already counted and read within [`Self::text_room`].
    pub(super) fn add_counted_text(&mut self, name: String, value: String) -> Result<(), ApiError> {
        self.text_bytes += name.len() + value.len();
        self.params.insert(name, value)
    }

    /// The upload's file (once).
    pub(super) fn set_file(&mut self, file: FileField) -> Result<(), ApiError> {
        if self.file.is_some() {
            return Err(Reason::GivenTwice {
                name: "file".into(),
            }
            .into());
        }
        self.file = Some(file);
        Ok(())
    }

    pub(super) fn into_upload(self) -> UploadBody {
        UploadBody {
            params: self.params,
            file: self.file,
        }
    }

    pub(super) fn into_params(self) -> Params {
        self.params
    }
}

fn too_much_text() -> ApiError {
    ApiError::from(Reason::BodyTooLarge {
        what: format!("more than {MAX_TEXT_BYTES} bytes of parameters"),
    })
}

/// One value over [`MAX_FIELD_BYTES`]: no parameter is that long.
pub(super) fn field_too_long(name: &str) -> ApiError {
    ApiError::from(Reason::InvalidParameter {
        name: name.to_string(),
        detail: format!("longer than {MAX_FIELD_BYTES} bytes"),
    })
}
