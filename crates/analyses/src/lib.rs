//! The one vocabulary of analyses. A request, the extraction library's
//! options, a stored record, the CLI and the renderer all name analyses with
//! [`AnalysisKind`] and combine them as [`AnalysisKinds`] (a bit set): what a
//! call adds to what is stored is a union, what is missing a difference.
//!
//! Adding an analysis starts here: a new variant makes the compiler point at
//! every exhaustive `match` that must handle it (its parameter, whether it
//! reads pixels, how it is run, stored and shown).

use enumset::{EnumSet, EnumSetType};
use serde::{Deserialize, Serialize};

/// One analysis a caller can ask for beyond the basic facts. A set of them
/// serialises as the list of their snake_case names (queued jobs keep it).
#[derive(Debug, EnumSetType, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[enumset(serialize_repr = "list")]
#[serde(rename_all = "snake_case")]
pub enum AnalysisKind {
    /// `colors`: predominant colours, histogram, illustration score,
    /// transparency and greyscale.
    Colors,
    /// `phash`: 64-bit perceptual hash.
    Phash,
    /// `media_metadata` (or the legacy `image_metadata`/`exif`): Exif, IPTC,
    /// XMP, GPS and the rest, as exiftool's flat map.
    MediaMetadata,
    /// `faces`: face boxes (`faces`, `coordinates.faces`).
    Faces,
    /// `ocr=adv_ocr[...]`: text with word boxes (`info.ocr.adv_ocr`).
    Ocr,
    /// `quality_analysis` with `quality_score`.
    Quality,
    /// `accessibility_analysis`: colour-blind accessibility.
    Accessibility,
    /// `cinemagraph_analysis`.
    Cinemagraph,
    /// Extension: BlurHash placeholder.
    Blurhash,
    /// Extension: ThumbHash placeholder.
    Thumbhash,
    /// Extension: mean colour and whether it is light.
    AverageColor,
    /// Extension: the file's media type.
    MimeType,
}

/// A set of analyses.
pub type AnalysisKinds = EnumSet<AnalysisKind>;

impl AnalysisKind {
    /// The upload parameter that asks for it (and, for most, the response
    /// field that answers it).
    pub const fn parameter(self) -> &'static str {
        match self {
            AnalysisKind::Colors => "colors",
            AnalysisKind::Phash => "phash",
            AnalysisKind::MediaMetadata => "media_metadata",
            AnalysisKind::Faces => "faces",
            AnalysisKind::Ocr => "ocr",
            AnalysisKind::Quality => "quality_analysis",
            AnalysisKind::Accessibility => "accessibility_analysis",
            AnalysisKind::Cinemagraph => "cinemagraph_analysis",
            AnalysisKind::Blurhash => "blurhash",
            AnalysisKind::Thumbhash => "thumbhash",
            AnalysisKind::AverageColor => "average_color",
            AnalysisKind::MimeType => "mime_type",
        }
    }

    /// Whether it reads decoded pixels (a file whose pixels cannot be read
    /// refuses it, naming it).
    pub const fn reads_pixels(self) -> bool {
        match self {
            AnalysisKind::Colors
            | AnalysisKind::Phash
            | AnalysisKind::Faces
            | AnalysisKind::Ocr
            | AnalysisKind::Quality
            | AnalysisKind::Accessibility
            | AnalysisKind::Blurhash
            | AnalysisKind::Thumbhash
            | AnalysisKind::AverageColor => true,
            // Metadata and the media type read the file's bytes; cinemagraph
            // decodes the animation's frames on its own.
            AnalysisKind::MediaMetadata | AnalysisKind::Cinemagraph | AnalysisKind::MimeType => {
                false
            }
        }
    }

    /// Whether it reads the small working copy (the decode shrunk to 256 px),
    /// shared by every analysis that does.
    pub const fn reads_working_copy(self) -> bool {
        match self {
            AnalysisKind::Colors
            | AnalysisKind::Phash
            | AnalysisKind::Accessibility
            | AnalysisKind::Blurhash
            | AnalysisKind::Thumbhash
            | AnalysisKind::AverageColor => true,
            AnalysisKind::MediaMetadata
            | AnalysisKind::Faces
            | AnalysisKind::Ocr
            | AnalysisKind::Quality
            | AnalysisKind::Cinemagraph
            | AnalysisKind::MimeType => false,
        }
    }

    /// The kind a parameter name asks for.
    pub fn from_parameter(name: &str) -> Option<AnalysisKind> {
        AnalysisKinds::all()
            .iter()
            .find(|kind| kind.parameter() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_parameter() {
        for kind in AnalysisKinds::all() {
            assert_eq!(AnalysisKind::from_parameter(kind.parameter()), Some(kind));
        }
        assert_eq!(AnalysisKind::from_parameter("detection"), None);
    }

    #[test]
    fn the_working_copy_is_read_only_by_pixel_analyses() {
        for kind in AnalysisKinds::all() {
            assert!(
                !kind.reads_working_copy() || kind.reads_pixels(),
                "{kind:?}"
            );
        }
    }
}
