//! The languages OCR reads, named by BCP-47 tags (as Cloudinary's
//! `adv_ocr:<lang>` and Vision's `locale` name them) and mapped to the
//! Tesseract model files that Debian's `tesseract-ocr-<code>` packages install
//! (listed in `scripts/packages/runtime.txt`).

use std::fmt;

/// One language OCR can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Language {
    /// The canonical BCP-47 tag, as reported in `locale`.
    tag: &'static str,
    /// The Tesseract traineddata name (ISO 639-2 based).
    traineddata: &'static str,
}

/// Every language this build reads: BCP-47 tag, then its traineddata. Tags
/// compare case-insensitively (BCP-47 is case-insensitive); `zh` alone means
/// Simplified Chinese, as Vision reads it.
const LANGUAGES: &[(&str, &str)] = &[
    ("en", "eng"),
    ("de", "deu"),
    ("fr", "fra"),
    ("es", "spa"),
    ("it", "ita"),
    ("pt", "por"),
    ("nl", "nld"),
    ("ru", "rus"),
    ("uk", "ukr"),
    ("pl", "pol"),
    ("ar", "ara"),
    ("he", "heb"),
    ("hi", "hin"),
    ("ja", "jpn"),
    ("ko", "kor"),
    ("zh-Hans", "chi_sim"),
    ("zh-Hant", "chi_tra"),
];

/// Aliases that name the same model: the bare macrolanguage and the region
/// subtags people write for the two Chinese scripts, and `iw`, Hebrew's
/// deprecated code that Vision still accepts.
const ALIASES: &[(&str, &str)] = &[
    ("zh", "zh-Hans"),
    ("zh-CN", "zh-Hans"),
    ("zh-SG", "zh-Hans"),
    ("zh-TW", "zh-Hant"),
    ("zh-HK", "zh-Hant"),
    ("iw", "he"),
];

impl Language {
    pub const ENGLISH: Language = Language {
        tag: "en",
        traineddata: "eng",
    };

    /// The language a BCP-47 tag names, if this build reads it.
    pub fn from_tag(tag: &str) -> Option<Language> {
        let canonical = ALIASES
            .iter()
            .find(|(alias, _)| alias.eq_ignore_ascii_case(tag))
            .map_or(tag, |(_, canonical)| canonical);
        LANGUAGES
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(canonical))
            .map(|&(tag, traineddata)| Language { tag, traineddata })
    }

    /// Every tag [`Language::from_tag`] accepts, canonical ones first.
    pub fn supported_tags() -> impl Iterator<Item = &'static str> {
        LANGUAGES.iter().map(|(tag, _)| *tag)
    }

    pub fn tag(self) -> &'static str {
        self.tag
    }

    pub fn traineddata(self) -> &'static str {
        self.traineddata
    }

    /// Whether the scene-text engine reads this language: its recogniser
    /// (PP-OCRv5's mobile model) was trained for Chinese (simplified and
    /// traditional), English and Japanese; the others need Tesseract's
    /// per-language models.
    pub(crate) fn read_in_scenes(self) -> bool {
        matches!(self.tag, "en" | "zh-Hans" | "zh-Hant" | "ja")
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag)
    }
}

/// Tesseract's language argument for several languages: `deu+eng`.
pub(crate) fn tesseract_languages(languages: &[Language]) -> String {
    languages
        .iter()
        .map(|l| l.traineddata)
        .collect::<Vec<_>>()
        .join("+")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_map_to_tesseract_models_case_insensitively() {
        assert_eq!(Language::from_tag("de").unwrap().traineddata(), "deu");
        assert_eq!(Language::from_tag("DE").unwrap().traineddata(), "deu");
        assert_eq!(
            Language::from_tag("zh-hant").unwrap().traineddata(),
            "chi_tra"
        );
        assert_eq!(Language::from_tag("zh").unwrap().tag(), "zh-Hans");
        assert_eq!(Language::from_tag("zh-TW").unwrap().tag(), "zh-Hant");
        assert_eq!(Language::from_tag("iw").unwrap().tag(), "he");
    }

    #[test]
    fn unknown_tags_and_model_names_are_not_languages() {
        for tag in ["", "xx", "eng", "deu", "en-", "../eng", "en+de"] {
            assert_eq!(Language::from_tag(tag), None, "{tag:?}");
        }
    }

    #[test]
    fn every_tag_the_issue_names_is_supported() {
        for tag in [
            "en", "de", "fr", "es", "it", "pt", "nl", "ru", "uk", "pl", "ar", "he", "hi", "ja",
            "ko", "zh-Hans", "zh-Hant",
        ] {
            assert!(Language::from_tag(tag).is_some(), "{tag}");
        }
        assert_eq!(Language::supported_tags().count(), LANGUAGES.len());
    }

    #[test]
    fn several_languages_join_with_plus() {
        let languages = [
            Language::from_tag("de").unwrap(),
            Language::from_tag("en").unwrap(),
        ];
        assert_eq!(tesseract_languages(&languages), "deu+eng");
    }
}
