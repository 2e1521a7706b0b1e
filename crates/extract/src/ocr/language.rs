//! The languages OCR reads, named by BCP-47 tags (as Cloudinary's
//! `adv_ocr:<lang>` and Vision's `locale` name them): every language
//! Tesseract has a model for. Each maps to its Tesseract model (Debian's
//! `tesseract-ocr-<code>` installs `<code>.traineddata`) and to the model of
//! its script (`tesseract-ocr-script-<latn|cyrl|...>` installs
//! `<Latin|Cyrillic|...>.traineddata`; Tesseract's own tessdata repository
//! keeps them under `script/`). The language's own model is
//! read when installed, else its script's: the image installs the script
//! models and a few language models (`scripts/packages/runtime.txt`), so a
//! language without its own pack is still read, by the model Tesseract
//! trained for every language of its script.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// One language OCR can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Language {
    /// The canonical BCP-47 tag, as reported in `locale`.
    tag: &'static str,
    /// The Tesseract language model name (ISO 639-2/3 based).
    model: &'static str,
    /// The Tesseract script model name (`Latin` for `script/Latin`).
    script: &'static str,
}

/// Every language Tesseract 4/5 has a (horizontal-text) model for: BCP-47
/// tag, model, script model. Tags compare case-insensitively (BCP-47 is
/// case-insensitive); `zh` alone means Simplified Chinese, as Vision reads it.
/// Historic variants without a tag of their own (`ita_old`, `spa_old`,
/// `kat_old`), vertical models and `equ` (maths) are not languages to ask for.
const LANGUAGES: &[(&str, &str, &str)] = &[
    ("en", "eng", "Latin"),
    ("de", "deu", "Latin"),
    ("fr", "fra", "Latin"),
    ("es", "spa", "Latin"),
    ("it", "ita", "Latin"),
    ("pt", "por", "Latin"),
    ("nl", "nld", "Latin"),
    ("ru", "rus", "Cyrillic"),
    ("uk", "ukr", "Cyrillic"),
    ("pl", "pol", "Latin"),
    ("ar", "ara", "Arabic"),
    ("he", "heb", "Hebrew"),
    ("hi", "hin", "Devanagari"),
    ("ja", "jpn", "Japanese"),
    ("ko", "kor", "Hangul"),
    ("zh-Hans", "chi_sim", "HanS"),
    ("zh-Hant", "chi_tra", "HanT"),
    ("af", "afr", "Latin"),
    ("am", "amh", "Ethiopic"),
    ("as", "asm", "Bengali"),
    ("az", "aze", "Latin"),
    ("az-Cyrl", "aze_cyrl", "Cyrillic"),
    ("be", "bel", "Cyrillic"),
    ("bg", "bul", "Cyrillic"),
    ("bn", "ben", "Bengali"),
    ("bo", "bod", "Tibetan"),
    ("br", "bre", "Latin"),
    ("bs", "bos", "Latin"),
    ("ca", "cat", "Latin"),
    ("ceb", "ceb", "Latin"),
    ("chr", "chr", "Cherokee"),
    ("co", "cos", "Latin"),
    ("cs", "ces", "Latin"),
    ("cy", "cym", "Latin"),
    ("da", "dan", "Latin"),
    ("dv", "div", "Thaana"),
    ("dz", "dzo", "Tibetan"),
    ("el", "ell", "Greek"),
    ("enm", "enm", "Latin"),
    ("eo", "epo", "Latin"),
    ("et", "est", "Latin"),
    ("eu", "eus", "Latin"),
    ("fa", "fas", "Arabic"),
    ("fi", "fin", "Latin"),
    ("fil", "fil", "Latin"),
    ("fo", "fao", "Latin"),
    ("frk", "frk", "Fraktur"),
    ("frm", "frm", "Latin"),
    ("fy", "fry", "Latin"),
    ("ga", "gle", "Latin"),
    ("gd", "gla", "Latin"),
    ("gl", "glg", "Latin"),
    ("grc", "grc", "Greek"),
    ("gu", "guj", "Gujarati"),
    ("ht", "hat", "Latin"),
    ("hr", "hrv", "Latin"),
    ("hu", "hun", "Latin"),
    ("hy", "hye", "Armenian"),
    ("id", "ind", "Latin"),
    ("is", "isl", "Latin"),
    ("iu", "iku", "Canadian_Aboriginal"),
    ("jv", "jav", "Latin"),
    ("ka", "kat", "Georgian"),
    ("kk", "kaz", "Cyrillic"),
    ("km", "khm", "Khmer"),
    ("kmr", "kmr", "Latin"),
    ("kn", "kan", "Kannada"),
    ("ky", "kir", "Cyrillic"),
    ("la", "lat", "Latin"),
    ("lb", "ltz", "Latin"),
    ("lo", "lao", "Lao"),
    ("lt", "lit", "Latin"),
    ("lv", "lav", "Latin"),
    ("mi", "mri", "Latin"),
    ("mk", "mkd", "Cyrillic"),
    ("ml", "mal", "Malayalam"),
    ("mn", "mon", "Cyrillic"),
    ("mr", "mar", "Devanagari"),
    ("ms", "msa", "Latin"),
    ("mt", "mlt", "Latin"),
    ("my", "mya", "Myanmar"),
    ("ne", "nep", "Devanagari"),
    ("no", "nor", "Latin"),
    ("oc", "oci", "Latin"),
    ("or", "ori", "Oriya"),
    ("pa", "pan", "Gurmukhi"),
    ("ps", "pus", "Arabic"),
    ("qu", "que", "Latin"),
    ("ro", "ron", "Latin"),
    ("sa", "san", "Devanagari"),
    ("sd", "snd", "Arabic"),
    ("si", "sin", "Sinhala"),
    ("sk", "slk", "Latin"),
    ("sl", "slv", "Latin"),
    ("sq", "sqi", "Latin"),
    ("sr", "srp", "Cyrillic"),
    ("sr-Latn", "srp_latn", "Latin"),
    ("su", "sun", "Latin"),
    ("sv", "swe", "Latin"),
    ("sw", "swa", "Latin"),
    ("syr", "syr", "Syriac"),
    ("ta", "tam", "Tamil"),
    ("te", "tel", "Telugu"),
    ("tg", "tgk", "Cyrillic"),
    ("th", "tha", "Thai"),
    ("ti", "tir", "Ethiopic"),
    ("tl", "tgl", "Latin"),
    ("to", "ton", "Latin"),
    ("tr", "tur", "Latin"),
    ("tt", "tat", "Cyrillic"),
    ("ug", "uig", "Arabic"),
    ("ur", "urd", "Arabic"),
    ("uz", "uzb", "Latin"),
    ("uz-Cyrl", "uzb_cyrl", "Cyrillic"),
    ("vi", "vie", "Vietnamese"),
    ("yi", "yid", "Hebrew"),
    ("yo", "yor", "Latin"),
];

/// Aliases that name the same model: the bare macrolanguage and the region
/// subtags people write for the two Chinese scripts, the script subtags that
/// name a language's default script, and deprecated codes Vision still
/// accepts (`iw`, `in`, `ji`, `mo`) or that Norwegian is written in.
const ALIASES: &[(&str, &str)] = &[
    ("zh", "zh-Hans"),
    ("zh-CN", "zh-Hans"),
    ("zh-SG", "zh-Hans"),
    ("zh-TW", "zh-Hant"),
    ("zh-HK", "zh-Hant"),
    ("iw", "he"),
    ("in", "id"),
    ("ji", "yi"),
    ("mo", "ro"),
    ("nb", "no"),
    ("nn", "no"),
    ("sr-Cyrl", "sr"),
    ("az-Latn", "az"),
    ("uz-Latn", "uz"),
];

impl Language {
    pub const ENGLISH: Language = Language {
        tag: "en",
        model: "eng",
        script: "Latin",
    };

    /// The language a BCP-47 tag names, if Tesseract reads it.
    pub fn from_tag(tag: &str) -> Option<Language> {
        let canonical = ALIASES
            .iter()
            .find(|(alias, _)| alias.eq_ignore_ascii_case(tag))
            .map_or(tag, |(_, canonical)| canonical);
        LANGUAGES
            .iter()
            .find(|(known, _, _)| known.eq_ignore_ascii_case(canonical))
            .map(|&(tag, model, script)| Language { tag, model, script })
    }

    /// Every tag [`Language::from_tag`] accepts, canonical ones first.
    pub fn supported_tags() -> impl Iterator<Item = &'static str> {
        LANGUAGES.iter().map(|(tag, _, _)| *tag)
    }

    pub fn tag(self) -> &'static str {
        self.tag
    }

    /// The Tesseract model to load: the language's own when installed, else
    /// its script's when that is, else the language's (whose load then fails,
    /// naming it).
    pub fn traineddata(self) -> String {
        let installed = installed_in(tessdata_dir());
        self.model_in(&installed)
    }

    /// [`Language::traineddata`] given what `installed` says is there. The
    /// script model is `script/Latin` in Tesseract's tessdata repository and
    /// `Latin` in Debian's packs (installed beside the language models).
    fn model_in(self, installed: &impl Fn(&str) -> bool) -> String {
        if installed(self.model) {
            return self.model.to_owned();
        }
        [format!("script/{}", self.script), self.script.to_owned()]
            .into_iter()
            .find(|script| installed(script))
            .unwrap_or_else(|| self.model.to_owned())
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

/// Tesseract's language argument for several languages: `deu+eng`, each
/// model once (`sv,da` without their packs both read `Latin`).
pub(crate) fn tesseract_languages(languages: &[Language]) -> String {
    let mut models: Vec<String> = Vec::new();
    for model in languages.iter().map(|l| l.traineddata()) {
        if !models.contains(&model) {
            models.push(model);
        }
    }
    models.join("+")
}

/// Where libtesseract looks for models when given no path (we give none):
/// `TESSDATA_PREFIX` when set, else Debian's packaged directory. Read once.
fn tessdata_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        std::env::var_os("TESSDATA_PREFIX")
            .filter(|v| !v.is_empty())
            .map_or_else(
                || PathBuf::from("/usr/share/tesseract-ocr/5/tessdata"),
                PathBuf::from,
            )
    })
}

/// Whether `<dir>/<model>.traineddata` exists. Checked per request (a stat
/// or two), so a pack installed while the service runs is used at once.
fn installed_in(dir: &Path) -> impl Fn(&str) -> bool + '_ {
    move |model| dir.join(format!("{model}.traineddata")).is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_map_to_tesseract_models_case_insensitively() {
        let model = |tag: &str| Language::from_tag(tag).unwrap().model;
        assert_eq!(model("de"), "deu");
        assert_eq!(model("DE"), "deu");
        assert_eq!(model("zh-hant"), "chi_tra");
        assert_eq!(model("sv"), "swe");
        assert_eq!(model("sr-Latn"), "srp_latn");
        assert_eq!(Language::from_tag("zh").unwrap().tag(), "zh-Hans");
        assert_eq!(Language::from_tag("zh-TW").unwrap().tag(), "zh-Hant");
        assert_eq!(Language::from_tag("iw").unwrap().tag(), "he");
        assert_eq!(Language::from_tag("nb").unwrap().tag(), "no");
    }

    #[test]
    fn unknown_tags_and_model_names_are_not_languages() {
        for tag in [
            "", "xx", "eng", "deu", "swe", "en-", "../eng", "en+de", "Latin", "equ",
        ] {
            assert_eq!(Language::from_tag(tag), None, "{tag:?}");
        }
    }

    #[test]
    fn the_issues_languages_and_the_original_seventeen_are_supported() {
        for tag in [
            "en", "de", "fr", "es", "it", "pt", "nl", "ru", "uk", "pl", "ar", "he", "hi", "ja",
            "ko", "zh-Hans", "zh-Hant", "sv", "tr", "cs", "vi",
        ] {
            assert!(Language::from_tag(tag).is_some(), "{tag}");
        }
        assert_eq!(Language::supported_tags().count(), LANGUAGES.len());
    }

    #[test]
    fn tags_and_models_are_each_listed_once() {
        for (i, (tag, model, _)) in LANGUAGES.iter().enumerate() {
            for (other_tag, other_model, _) in &LANGUAGES[i + 1..] {
                assert!(!tag.eq_ignore_ascii_case(other_tag), "{tag} twice");
                assert_ne!(model, other_model, "{model} twice");
            }
        }
        for (alias, canonical) in ALIASES {
            assert!(
                Language::from_tag(canonical).is_some(),
                "{alias} -> {canonical}"
            );
            assert!(
                !LANGUAGES
                    .iter()
                    .any(|(tag, _, _)| tag.eq_ignore_ascii_case(alias)),
                "{alias} is an alias and a language"
            );
        }
    }

    #[test]
    fn the_script_model_stands_in_only_for_a_missing_language_model() {
        let swedish = Language::from_tag("sv").unwrap();
        assert_eq!(
            swedish.model_in(&|m: &str| m == "script/Latin"),
            "script/Latin"
        );
        assert_eq!(
            swedish.model_in(&|m: &str| m == "Latin"),
            "Latin",
            "Debian's"
        );
        assert_eq!(
            swedish.model_in(&|m: &str| m == "swe" || m == "script/Latin"),
            "swe"
        );
        assert_eq!(swedish.model_in(&|_: &str| false), "swe", "neither: named");
        let serbian = Language::from_tag("sr").unwrap();
        assert_eq!(
            serbian.model_in(&|m: &str| m == "script/Cyrillic"),
            "script/Cyrillic"
        );
    }

    #[test]
    fn every_script_model_is_one_debian_packages() {
        // The `tesseract-ocr-script-*` packs runtime.txt installs, by the
        // model file each one holds.
        let packaged = [
            "Arabic",
            "Armenian",
            "Bengali",
            "Canadian_Aboriginal",
            "Cherokee",
            "Cyrillic",
            "Devanagari",
            "Ethiopic",
            "Fraktur",
            "Georgian",
            "Greek",
            "Gujarati",
            "Gurmukhi",
            "HanS",
            "HanT",
            "Hangul",
            "Hebrew",
            "Japanese",
            "Kannada",
            "Khmer",
            "Lao",
            "Latin",
            "Malayalam",
            "Myanmar",
            "Oriya",
            "Sinhala",
            "Syriac",
            "Tamil",
            "Telugu",
            "Thaana",
            "Thai",
            "Tibetan",
            "Vietnamese",
        ];
        for (tag, _, script) in LANGUAGES {
            assert!(packaged.contains(script), "{tag}: {script}");
        }
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
