//! The `ocr` parameter: `adv_ocr`, optionally qualified after colons by
//! `document` (dense-page reading) and/or a comma-separated list of BCP-47
//! language tags: `adv_ocr:document`, `adv_ocr:de`, `adv_ocr:ja,en`,
//! `adv_ocr:document:fr`.

use std::fmt;
use std::time::Duration;

use super::language::Language;

/// How the page is laid out, which picks how it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OcrMode {
    /// `adv_ocr`: decided from the image: a page-like image (scan,
    /// screenshot) is read as a page, a photograph by the scene-text engine
    /// (when it reads the languages asked for; else as a page).
    #[default]
    Auto,
    /// `adv_ocr:document`: always read as a dense page of columns and
    /// paragraphs (Vision's DOCUMENT_TEXT_DETECTION).
    Document,
}

/// What one OCR request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcrOptions {
    pub mode: OcrMode,
    /// Read together; never empty. The first one is the reported `locale`.
    pub languages: Vec<Language>,
    /// The parameter as the request spelled it when it was qualified
    /// (`adv_ocr:document`): the result is also returned under that key.
    pub requested_as: Option<String>,
    /// Longest one page may keep the engine busy; a page still unread then
    /// fails the analysis (mostly texture the engine mistakes for text).
    pub page_deadline: Duration,
}

/// A scanned page at 300 dpi takes a few seconds on one core.
pub const DEFAULT_PAGE_DEADLINE: Duration = Duration::from_secs(20);

impl Default for OcrOptions {
    fn default() -> Self {
        Self {
            mode: OcrMode::Auto,
            languages: vec![Language::ENGLISH],
            requested_as: None,
            page_deadline: DEFAULT_PAGE_DEADLINE,
        }
    }
}

/// Why an `ocr` value was refused; the message names what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcrRequestError(String);

impl fmt::Display for OcrRequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OcrRequestError {}

const ENGINE: &str = "adv_ocr";
const DOCUMENT: &str = "document";

impl OcrOptions {
    /// Parses an `ocr` parameter value.
    pub fn parse(value: &str) -> Result<OcrOptions, OcrRequestError> {
        let mut parts = value.split(':');
        if parts.next() != Some(ENGINE) {
            return Err(OcrRequestError(format!(
                "{value:?} is not supported (use adv_ocr, adv_ocr:document or adv_ocr:<language>)"
            )));
        }
        let mut options = OcrOptions::default();
        let (mut document, mut languages) = (false, None::<Vec<Language>>);
        for qualifier in parts {
            if qualifier == DOCUMENT && !document {
                document = true;
            } else if languages.is_none() && qualifier != DOCUMENT {
                languages = Some(parse_languages(qualifier)?);
            } else {
                return Err(OcrRequestError(format!(
                    "{value:?}: {qualifier:?} is given twice"
                )));
            }
        }
        if document {
            options.mode = OcrMode::Document;
        }
        if let Some(languages) = languages {
            options.languages = languages;
        }
        if value != ENGINE {
            options.requested_as = Some(value.to_owned());
        }
        Ok(options)
    }

    /// The BCP-47 tag reported as the text's `locale`.
    pub fn locale(&self) -> &'static str {
        self.languages
            .first()
            .copied()
            .unwrap_or(Language::ENGLISH)
            .tag()
    }
}

fn parse_languages(list: &str) -> Result<Vec<Language>, OcrRequestError> {
    let mut languages: Vec<Language> = Vec::new();
    for tag in list.split(',') {
        let tag = tag.trim();
        let language = Language::from_tag(tag).ok_or_else(|| {
            let supported: Vec<_> = Language::supported_tags().collect();
            OcrRequestError(format!(
                "unknown OCR language {tag:?} (supported: {})",
                supported.join(", ")
            ))
        })?;
        if !languages.contains(&language) {
            languages.push(language);
        }
    }
    Ok(languages)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(options: &OcrOptions) -> Vec<&'static str> {
        options.languages.iter().map(|l| l.tag()).collect()
    }

    #[test]
    fn plain_adv_ocr_reads_english_in_auto_mode_under_its_own_key_only() {
        let options = OcrOptions::parse("adv_ocr").unwrap();
        assert_eq!(options, OcrOptions::default());
        assert_eq!(options.requested_as, None);
        assert_eq!(options.locale(), "en");
    }

    #[test]
    fn document_forces_page_reading_and_keeps_the_key_as_requested() {
        let options = OcrOptions::parse("adv_ocr:document").unwrap();
        assert_eq!(options.mode, OcrMode::Document);
        assert_eq!(tags(&options), ["en"]);
        assert_eq!(options.requested_as.as_deref(), Some("adv_ocr:document"));
    }

    #[test]
    fn languages_are_listed_with_commas_first_one_is_the_locale() {
        let options = OcrOptions::parse("adv_ocr:ja,en").unwrap();
        assert_eq!(options.mode, OcrMode::Auto);
        assert_eq!(tags(&options), ["ja", "en"]);
        assert_eq!(options.locale(), "ja");
        let both = OcrOptions::parse("adv_ocr:document:zh-Hant").unwrap();
        assert_eq!(both.mode, OcrMode::Document);
        assert_eq!(tags(&both), ["zh-Hant"]);
        let either_order = OcrOptions::parse("adv_ocr:de:document").unwrap();
        assert_eq!(
            (either_order.mode, tags(&either_order)),
            (OcrMode::Document, vec!["de"])
        );
    }

    #[test]
    fn an_unknown_language_is_named() {
        let error = OcrOptions::parse("adv_ocr:en,xx").unwrap_err().to_string();
        assert!(error.contains("\"xx\""), "{error}");
        assert!(
            error.contains("zh-Hant"),
            "lists what is supported: {error}"
        );
    }

    #[test]
    fn malformed_values_are_refused() {
        for value in [
            "",
            "magic",
            "adv_ocr:",
            "adv_ocr::en",
            "adv_ocr:en,",
            "adv_ocr:document:document",
            "adv_ocr:en:de",
            "ADV_OCR",
            "adv_ocr:eng",
        ] {
            assert!(OcrOptions::parse(value).is_err(), "{value:?}");
        }
    }
}
