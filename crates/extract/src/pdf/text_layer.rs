//! A PDF page's own text (its text layer), with word boxes, by poppler's
//! `pdftotext -bbox-layout` (same package and reasons as [`super::render`]).
//! Where a page has one, it is the text exactly as written, so OCR uses it
//! instead of reading the page's pixels.
//!
//! The output is XHTML: `<page width height>` then `<flow>` / `<block>` /
//! `<line>` / `<word xMin yMin xMax yMax>text</word>`, in points from the
//! page's top-left corner.

use std::process::Command;
use std::time::Duration;

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use crate::ocr::{PixelBox, RecognizedPage, RecognizedWord};

use super::render::RenderError;

const PDFTOTEXT: &str = "pdftotext";

/// Text of one page is far below this; a page claiming more is hostile.
const MAX_OUTPUT_BYTES: u64 = 16 << 20;

const EXTRACT_DEADLINE: Duration = Duration::from_secs(10);

/// Page `page` (1-based): its size and words in points. No words means no
/// text layer (a scan): the page must be read from its pixels. `None` when
/// pdftotext reported no such page.
pub(crate) fn page_text(bytes: &[u8], page: u32) -> Result<Option<RecognizedPage>, RenderError> {
    let page_arg = page.to_string();
    let mut command = Command::new(PDFTOTEXT);
    command
        .args([
            "-f",
            &page_arg,
            "-l",
            &page_arg,
            "-bbox-layout",
            "-enc",
            "UTF-8",
        ])
        .args(["fd://0", "-"]);
    let (finished, output) =
        super::render::run_with_input(command, bytes, MAX_OUTPUT_BYTES, EXTRACT_DEADLINE)?;
    match (finished, output) {
        (Ok(true), Ok(xhtml)) => Ok(parse(&String::from_utf8_lossy(&xhtml))),
        (Ok(false), _) => Err(RenderError::Failed(format!(
            "the text of page {page} could not be read"
        ))),
        (Err(why), _) => Err(RenderError::Failed(format!("page {page}: {why}"))),
        (_, Err(e)) => Err(RenderError::Failed(format!("page {page}: {e}"))),
    }
}

/// The first `<page>` of pdftotext's XHTML, with its words.
fn parse(xhtml: &str) -> Option<RecognizedPage> {
    let mut reader = Reader::from_str(xhtml);
    let mut page: Option<RecognizedPage> = None;
    let (mut block, mut line) = (0u32, 0u32);
    // The word being read: its box and its text so far.
    let mut word: Option<(PixelBox, String)> = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(tag)) => match tag.local_name().as_ref() {
                "page" if page.is_none() => {
                    let number = |name: &str| points(attribute(&tag, name)).unwrap_or(0);
                    page = Some(RecognizedPage {
                        width: number("width"),
                        height: number("height"),
                        words: Vec::new(),
                    });
                }
                "block" => block += 1,
                "line" => line += 1,
                "word" => {
                    let corner = |name: &str| points(attribute(&tag, name)).unwrap_or(0);
                    let (left, top) = (corner("xMin"), corner("yMin"));
                    let (right, bottom) = (corner("xMax"), corner("yMax"));
                    let bounds = PixelBox {
                        left,
                        top,
                        width: right.saturating_sub(left),
                        height: bottom.saturating_sub(top),
                    };
                    word = Some((bounds, String::new()));
                }
                _ => {}
            },
            Ok(Event::Text(text)) => {
                if let Some((_, so_far)) = word.as_mut() {
                    so_far.push_str(&text.xml10_content());
                }
            }
            Ok(Event::GeneralRef(reference)) => {
                if let Some((_, so_far)) = word.as_mut() {
                    let resolved = match reference.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        _ => quick_xml::escape::unescape(&format!("&{};", &*reference))
                            .map(|s| s.into_owned())
                            .unwrap_or_default(),
                    };
                    so_far.push_str(&resolved);
                }
            }
            Ok(Event::End(tag)) => match tag.local_name().as_ref() {
                "word" => {
                    if let (Some((bounds, text)), Some(page)) = (word.take(), page.as_mut()) {
                        let text = text.trim();
                        if !text.is_empty() {
                            page.words.push(RecognizedWord {
                                block,
                                paragraph: block,
                                line,
                                text: text.to_owned(),
                                bounds,
                                // Written text, not a guess.
                                confidence: 100.0,
                            });
                        }
                    }
                }
                "page" => break,
                _ => {}
            },
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    page
}

fn attribute(tag: &BytesStart<'_>, name: &str) -> Option<String> {
    tag.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// A coordinate in points, rounded to whole points (the displayed frame of a
/// PDF is its first page at 72 dpi).
fn points(value: Option<String>) -> Option<u32> {
    let value: f64 = value?.parse().ok()?;
    value
        .is_finite()
        .then(|| value.round().clamp(0.0, f64::from(u32::MAX)) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO_LINES: &str = r#"<html><body><doc>
      <page width="595.276000" height="841.890000">
        <flow><block xMin="72" yMin="70" xMax="300" yMax="110">
          <line xMin="72" yMin="70" xMax="300" yMax="84">
            <word xMin="72.1" yMin="70.2" xMax="120.4" yMax="84.0">Hello</word>
            <word xMin="125" yMin="70" xMax="160" yMax="84">&amp;</word>
          </line>
          <line xMin="72" yMin="96" xMax="200" yMax="110">
            <word xMin="72" yMin="96" xMax="200" yMax="110">world</word>
          </line>
        </block></flow>
      </page>
      <page width="10" height="10"><flow><block><line>
        <word xMin="1" yMin="1" xMax="2" yMax="2">second</word>
      </line></block></flow></page>
    </doc></body></html>"#;

    #[test]
    fn words_keep_their_boxes_in_points_and_their_lines() {
        let page = parse(TWO_LINES).unwrap();
        assert_eq!((page.width, page.height), (595, 842));
        let words: Vec<(&str, u32)> = page
            .words
            .iter()
            .map(|w| (w.text.as_str(), w.line))
            .collect();
        assert_eq!(words, [("Hello", 1), ("&", 1), ("world", 2)]);
        assert_eq!(
            page.words[0].bounds,
            PixelBox {
                left: 72,
                top: 70,
                width: 48,
                height: 14
            }
        );
    }

    #[test]
    fn a_scanned_page_has_its_size_and_no_words() {
        let scan = r#"<doc><page width="273.0" height="341.1"></page></doc>"#;
        let page = parse(scan).unwrap();
        assert_eq!((page.width, page.height, page.words.len()), (273, 341, 0));
        assert_eq!(parse("not xml at all <"), None);
    }
}
