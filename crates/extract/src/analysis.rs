//! One call, one decode: assembles every requested analysis into [`Analysis`].

use std::collections::BTreeMap;

use serde::Serialize;

use crate::ocr::{AdvOcr, OcrOptions};
use crate::{ExtractError, Rect};

/// What to compute beyond the basic facts (always present).
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub colors: bool,
    pub phash: bool,
    pub media_metadata: bool,
    pub faces: bool,
    pub ocr: Option<OcrOptions>,
    pub custom_coordinates: Option<Vec<Rect>>,
}

/// `coordinates`: face and custom regions in the displayed frame.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Coordinates {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub faces: Option<Vec<Rect>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom: Option<Vec<Rect>>,
}

/// `info`: add-on results.
#[derive(Debug, Clone, Serialize)]
pub struct Info {
    pub ocr: OcrInfo,
}

/// `info.ocr`.
#[derive(Debug, Clone, Serialize)]
pub struct OcrInfo {
    pub adv_ocr: AdvOcr,
}

/// The facts about one file, serialised with the upload response's field names.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub width: u32,
    pub height: u32,
    pub format: crate::Format,
    pub bytes: u64,
    pub etag: String,
    pub pages: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_metadata: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub faces: Option<Vec<Rect>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coordinates: Option<Coordinates>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub info: Option<Info>,
}

/// Analyses one file.
pub fn analyze(_bytes: &[u8], _options: &Options) -> Result<Analysis, ExtractError> {
    Err(ExtractError::Unsupported)
}
