//! The wire shape of `info.ocr.adv_ocr` (cloudinary-api.md section 10): Google
//! Vision's text-detection layout, which clients of Cloudinary's OCR add-on parse.
//!
//! Built from engine-neutral [`RecognizedPage`]s; every coordinate is
//! multiplied by the caller's scale so it lands in displayed-frame pixels.

use serde::{Deserialize, Serialize};

/// `info.ocr.adv_ocr`. Serialised as Cloudinary does: `{"status": "complete",
/// "data": [one entry per page]}`, or `{"status": "failed", "data": "<why>"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct AdvOcr {
    pub status: OcrStatus,
    /// Why the analysis failed; absent when it completed.
    pub message: Option<String>,
    /// One entry per page read, in page order.
    pub data: Vec<OcrData>,
}

impl AdvOcr {
    pub fn complete(data: OcrData) -> Self {
        Self::complete_pages(vec![data])
    }

    pub fn complete_pages(data: Vec<OcrData>) -> Self {
        Self {
            status: OcrStatus::Complete,
            message: None,
            data,
        }
    }

    /// A failure of this analysis only; the rest of the upload goes on.
    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            status: OcrStatus::Failed,
            message: Some(message.into()),
            data: Vec::new(),
        }
    }
}

impl Serialize for AdvOcr {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut wire = serializer.serialize_struct("AdvOcr", 2)?;
        wire.serialize_field("status", &self.status)?;
        match (self.status, &self.message) {
            (OcrStatus::Failed, message) => {
                wire.serialize_field("data", message.as_deref().unwrap_or("OCR failed"))?
            }
            (OcrStatus::Complete, _) => wire.serialize_field("data", &self.data)?,
        }
        wire.end()
    }
}

/// `info.ocr`: the result under `adv_ocr`, and also under the parameter as
/// the request spelled it when it was qualified (`adv_ocr:document`), so a
/// client reads it from the key it asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct OcrInfo {
    pub adv_ocr: AdvOcr,
    pub requested_as: Option<String>,
}

impl Serialize for OcrInfo {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let also = self
            .requested_as
            .as_deref()
            .filter(|key| *key != ADV_OCR_KEY);
        let mut map = serializer.serialize_map(Some(1 + usize::from(also.is_some())))?;
        map.serialize_entry(ADV_OCR_KEY, &self.adv_ocr)?;
        if let Some(key) = also {
            map.serialize_entry(key, &self.adv_ocr)?;
        }
        map.end()
    }
}

const ADV_OCR_KEY: &str = "adv_ocr";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OcrStatus {
    Complete,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OcrData {
    /// First the whole text (with `locale`), then one entry per word; empty when no text.
    pub text_annotations: Vec<TextAnnotation>,
    pub full_text_annotation: FullTextAnnotation,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextAnnotation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    pub description: String,
    pub bounding_poly: BoundingPoly,
}

/// Four corners, clockwise from the top-left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoundingPoly {
    pub vertices: [Vertex; 4],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vertex {
    pub x: u32,
    pub y: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FullTextAnnotation {
    /// Every line followed by `\n`, in reading order.
    pub text: String,
    pub pages: Vec<Page>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page {
    pub width: u32,
    pub height: u32,
    pub blocks: Vec<Block>,
    pub confidence: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Block {
    pub bounding_box: BoundingPoly,
    pub paragraphs: Vec<Paragraph>,
    pub block_type: String,
    pub confidence: f32,
}

/// Vision's paragraph (`words`), plus the engine's `lines`, which Vision
/// only implies through line breaks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Paragraph {
    pub bounding_box: BoundingPoly,
    pub lines: Vec<Line>,
    pub words: Vec<Word>,
    pub confidence: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Line {
    pub bounding_box: BoundingPoly,
    pub text: String,
    pub confidence: f32,
}

/// Vision spells a word only through its `symbols`; we add `text` for
/// readers that want the word directly. Symbols carry no box of their own
/// (the engine reports boxes per word).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Word {
    pub bounding_box: BoundingPoly,
    pub text: String,
    pub symbols: Vec<Symbol>,
    pub confidence: f32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Symbol {
    pub text: String,
}

/// A rectangle in the pixels of the image the engine read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PixelBox {
    pub left: u32,
    pub top: u32,
    pub width: u32,
    pub height: u32,
}

impl PixelBox {
    fn right(&self) -> u32 {
        self.left + self.width
    }

    fn bottom(&self) -> u32 {
        self.top + self.height
    }

    fn union(self, other: PixelBox) -> PixelBox {
        let left = self.left.min(other.left);
        let top = self.top.min(other.top);
        PixelBox {
            left,
            top,
            width: self.right().max(other.right()) - left,
            height: self.bottom().max(other.bottom()) - top,
        }
    }

    /// The box's corners, clockwise from top-left, times `scale`.
    fn poly(&self, scale: f64) -> BoundingPoly {
        let s = |v: u32| (f64::from(v) * scale).round() as u32;
        let (l, t, r, b) = (s(self.left), s(self.top), s(self.right()), s(self.bottom()));
        BoundingPoly {
            vertices: [
                Vertex { x: l, y: t },
                Vertex { x: r, y: t },
                Vertex { x: r, y: b },
                Vertex { x: l, y: b },
            ],
        }
    }
}

/// One recognised word and where it sits in the engine's layout.
#[derive(Debug, Clone, PartialEq)]
pub struct RecognizedWord {
    pub block: u32,
    pub paragraph: u32,
    pub line: u32,
    pub text: String,
    pub bounds: PixelBox,
    /// 0..=100, as engines report it.
    pub confidence: f32,
}

/// Words in reading order, in the pixels of a `width` x `height` image.
#[derive(Debug, Clone, PartialEq)]
pub struct RecognizedPage {
    pub width: u32,
    pub height: u32,
    pub words: Vec<RecognizedWord>,
}

/// Builds the wire shape; `scale` takes page pixels to displayed-frame pixels
/// and `locale` is the BCP-47 tag of the language read.
pub fn to_wire(page: &RecognizedPage, scale: f64, locale: &str) -> OcrData {
    let blocks: Vec<Block> = group_by(&page.words, |w| w.block)
        .iter()
        .map(|words| block(words, scale))
        .collect();
    let text: String = blocks
        .iter()
        .flat_map(|b| &b.paragraphs)
        .map(|p| {
            p.lines
                .iter()
                .map(|l| format!("{}\n", l.text))
                .collect::<String>()
        })
        .collect();

    let mut text_annotations = Vec::with_capacity(page.words.len() + 1);
    if let Some(all) = bounds_of(&page.words) {
        text_annotations.push(TextAnnotation {
            locale: Some(locale.to_owned()),
            description: text.clone(),
            bounding_poly: all.poly(scale),
        });
        text_annotations.extend(page.words.iter().map(|w| TextAnnotation {
            locale: None,
            description: w.text.clone(),
            bounding_poly: w.bounds.poly(scale),
        }));
    }

    let scaled = |v: u32| (f64::from(v) * scale).round() as u32;
    OcrData {
        text_annotations,
        full_text_annotation: FullTextAnnotation {
            text,
            pages: vec![Page {
                width: scaled(page.width),
                height: scaled(page.height),
                confidence: mean_confidence(&page.words),
                blocks,
            }],
        },
    }
}

fn block(words: &[RecognizedWord], scale: f64) -> Block {
    Block {
        bounding_box: enclosing_poly(words, scale),
        paragraphs: group_by(words, |w| w.paragraph)
            .iter()
            .map(|p| paragraph(p, scale))
            .collect(),
        block_type: "TEXT".to_owned(),
        confidence: mean_confidence(words),
    }
}

fn paragraph(words: &[RecognizedWord], scale: f64) -> Paragraph {
    Paragraph {
        bounding_box: enclosing_poly(words, scale),
        lines: group_by(words, |w| w.line)
            .iter()
            .map(|line| Line {
                bounding_box: enclosing_poly(line, scale),
                text: line
                    .iter()
                    .map(|w| w.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                confidence: mean_confidence(line),
            })
            .collect(),
        words: words
            .iter()
            .map(|w| Word {
                bounding_box: w.bounds.poly(scale),
                text: w.text.clone(),
                symbols: w
                    .text
                    .chars()
                    .map(|c| Symbol {
                        text: c.to_string(),
                    })
                    .collect(),
                confidence: w.confidence / 100.0,
            })
            .collect(),
        confidence: mean_confidence(words),
    }
}

/// Splits `words` into runs that share `key` (the engine lists them in reading order).
fn group_by<K: PartialEq>(
    words: &[RecognizedWord],
    key: impl Fn(&RecognizedWord) -> K,
) -> Vec<&[RecognizedWord]> {
    let mut groups = Vec::new();
    let mut start = 0;
    for i in 1..=words.len() {
        if i == words.len() || key(&words[i]) != key(&words[start]) {
            if i > start {
                groups.push(&words[start..i]);
            }
            start = i;
        }
    }
    groups
}

fn bounds_of(words: &[RecognizedWord]) -> Option<PixelBox> {
    words.iter().map(|w| w.bounds).reduce(PixelBox::union)
}

fn enclosing_poly(words: &[RecognizedWord], scale: f64) -> BoundingPoly {
    bounds_of(words)
        .unwrap_or(PixelBox {
            left: 0,
            top: 0,
            width: 0,
            height: 0,
        })
        .poly(scale)
}

/// Mean word confidence as Vision reports it (0..=1); 0 for no words.
fn mean_confidence(words: &[RecognizedWord]) -> f32 {
    if words.is_empty() {
        return 0.0;
    }
    words.iter().map(|w| w.confidence).sum::<f32>() / words.len() as f32 / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(
        block: u32,
        paragraph: u32,
        line: u32,
        text: &str,
        left: u32,
        top: u32,
    ) -> RecognizedWord {
        RecognizedWord {
            block,
            paragraph,
            line,
            text: text.to_owned(),
            bounds: PixelBox {
                left,
                top,
                width: 10,
                height: 5,
            },
            confidence: 90.0,
        }
    }

    fn page(words: Vec<RecognizedWord>) -> RecognizedPage {
        RecognizedPage {
            width: 200,
            height: 100,
            words,
        }
    }

    #[test]
    fn first_annotation_is_the_whole_text_then_one_per_word() {
        let words = vec![
            word(1, 1, 1, "Hello", 0, 0),
            word(1, 1, 1, "world", 20, 0),
            word(1, 1, 2, "again", 0, 10),
        ];
        let data = to_wire(&page(words), 1.0, "en");
        let descriptions: Vec<_> = data
            .text_annotations
            .iter()
            .map(|a| a.description.as_str())
            .collect();
        assert_eq!(
            descriptions,
            ["Hello world\nagain\n", "Hello", "world", "again"]
        );
        assert_eq!(data.text_annotations[0].locale.as_deref(), Some("en"));
        assert_eq!(data.text_annotations[1].locale, None);
        // The whole-text box encloses every word.
        assert_eq!(
            data.text_annotations[0].bounding_poly,
            PixelBox {
                left: 0,
                top: 0,
                width: 30,
                height: 15
            }
            .poly(1.0)
        );
        assert_eq!(data.full_text_annotation.text, "Hello world\nagain\n");
    }

    #[test]
    fn coordinates_are_scaled_to_the_displayed_frame_clockwise_from_top_left() {
        let data = to_wire(&page(vec![word(1, 1, 1, "x", 10, 20)]), 2.0, "en");
        let corners: Vec<(u32, u32)> = data.text_annotations[1]
            .bounding_poly
            .vertices
            .iter()
            .map(|v| (v.x, v.y))
            .collect();
        assert_eq!(corners, [(20, 40), (40, 40), (40, 50), (20, 50)]);
        let page = &data.full_text_annotation.pages[0];
        assert_eq!((page.width, page.height), (400, 200));
    }

    #[test]
    fn layout_follows_blocks_paragraphs_and_lines() {
        let words = vec![
            word(1, 1, 1, "a", 0, 0),
            word(1, 2, 1, "b", 0, 10),
            word(2, 1, 1, "c", 0, 50),
        ];
        let data = to_wire(&page(words), 1.0, "en");
        let blocks = &data.full_text_annotation.pages[0].blocks;
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].paragraphs.len(), 2);
        assert_eq!(blocks[1].paragraphs[0].words[0].text, "c");
        assert_eq!(blocks[1].paragraphs[0].words[0].confidence, 0.9);
        assert_eq!(blocks[0].paragraphs[1].lines[0].text, "b");
    }

    #[test]
    fn no_words_is_complete_with_no_annotations() {
        let data = to_wire(&page(Vec::new()), 1.0, "en");
        assert!(data.text_annotations.is_empty());
        assert_eq!(data.full_text_annotation.text, "");
        assert!(data.full_text_annotation.pages[0].blocks.is_empty());
    }

    #[test]
    fn serialises_with_vision_field_names() {
        let json = serde_json::to_value(AdvOcr::complete(to_wire(
            &page(vec![word(1, 1, 1, "a", 0, 0)]),
            1.0,
            "en",
        )))
        .unwrap();
        assert_eq!(json["status"], "complete");
        assert!(json.get("message").is_none());
        let data = &json["data"][0];
        assert_eq!(
            data["textAnnotations"][0]["boundingPoly"]["vertices"][2],
            serde_json::json!({"x": 10, "y": 5})
        );
        assert_eq!(
            data["fullTextAnnotation"]["pages"][0]["blocks"][0]["paragraphs"][0]["words"][0]
                ["boundingBox"]["vertices"][0],
            serde_json::json!({"x": 0, "y": 0})
        );
        let failed = serde_json::to_value(AdvOcr::failed("engine broke")).unwrap();
        // Cloudinary puts the reason of a failure in `data`.
        assert_eq!(
            failed,
            serde_json::json!({"status": "failed", "data": "engine broke"})
        );
    }

    #[test]
    fn a_qualified_request_is_answered_under_both_keys() {
        let info = OcrInfo {
            adv_ocr: AdvOcr::failed("x"),
            requested_as: Some("adv_ocr:document".to_owned()),
        };
        let json = serde_json::to_value(&info).unwrap();
        assert_eq!(json["adv_ocr"], json["adv_ocr:document"]);
        assert_eq!(json["adv_ocr"]["data"], "x");
        let plain = OcrInfo {
            requested_as: None,
            ..info
        };
        let keys: Vec<String> = serde_json::to_value(&plain)
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["adv_ocr"]);
    }
}
