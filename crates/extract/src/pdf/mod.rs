//! PDF header facts: the page count and the size of the first page, read from
//! the page tree with `lopdf` (a maintained pure-Rust PDF object parser; the
//! structure needs no renderer). Pixels come from poppler ([`render`]), and
//! a page's own text from its text layer ([`text_layer`]).
//!
//! Size is in points, i.e. pixels at 72 dpi, rounded: Cloudinary reports the
//! size of the first page as rasterised at its default density of 72 dpi.

mod render;
mod text_layer;

use lopdf::{Dictionary, Document, Object};

pub(crate) use render::{render_page, rendered_long_side, Colour, RenderError};
pub(crate) use text_layer::page_text;

use crate::limits::Limits;
use crate::ExtractError;

/// What `format: "pdf"` reports without rendering anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PdfHeader {
    /// Displayed size of the first page (after `/Rotate`), in points.
    pub width: u32,
    pub height: u32,
    pub pages: u32,
}

/// How many `/Parent` links an inherited page attribute is looked up through.
const INHERITED_DEPTH_LIMIT: usize = 64;

/// Reads the page tree of `bytes`. Stops counting pages once
/// `limits.max_frames` is exceeded; the caller turns the count into a limit error.
pub(crate) fn read_header(bytes: &[u8], limits: &Limits) -> Result<PdfHeader, ExtractError> {
    let document = Document::load_mem(bytes)
        .map_err(|e| ExtractError::corrupt(format!("PDF cannot be read: {e}")))?;
    let cap = usize::try_from(limits.max_frames).unwrap_or(usize::MAX);
    let pages = document.page_iter().take(cap.saturating_add(1)).count();
    let first = document
        .page_iter()
        .next()
        .ok_or_else(|| ExtractError::Corrupt("PDF has no pages".to_owned()))?;
    let page = document
        .get_dictionary(first)
        .map_err(|e| ExtractError::corrupt(format!("PDF first page cannot be read: {e}")))?;

    let media_box = inherited(&document, page, b"MediaBox")
        .and_then(|object| rectangle(&document, object))
        .ok_or_else(|| ExtractError::Corrupt("PDF first page has no valid MediaBox".to_owned()))?;
    // The CropBox is what viewers (and rasterisers) show; it is clipped to the MediaBox.
    let visible = inherited(&document, page, b"CropBox")
        .and_then(|object| rectangle(&document, object))
        .and_then(|crop| crop.intersect(&media_box))
        .unwrap_or(media_box);
    let user_unit = page
        .get(b"UserUnit")
        .ok()
        .and_then(|o| o.as_float().ok())
        .filter(|unit| unit.is_finite() && *unit > 0.0)
        .unwrap_or(1.0);
    let rotate = inherited(&document, page, b"Rotate")
        .and_then(|o| o.as_i64().ok())
        .unwrap_or(0);

    let points = |length: f32| {
        let scaled = (f64::from(length) * f64::from(user_unit)).round();
        // Saturate: the pixel limit refuses absurd sizes with a clear message.
        if scaled >= f64::from(u32::MAX) {
            u32::MAX
        } else {
            scaled as u32
        }
    };
    let (mut width, mut height) = (points(visible.width()), points(visible.height()));
    if rotate.rem_euclid(180) == 90 {
        std::mem::swap(&mut width, &mut height);
    }
    Ok(PdfHeader {
        width,
        height,
        pages: u32::try_from(pages).unwrap_or(u32::MAX),
    })
}

/// `key` from the page or the nearest `/Parent` that has it (PDF 32000-1, 7.7.3.4).
fn inherited<'a>(document: &'a Document, page: &'a Dictionary, key: &[u8]) -> Option<&'a Object> {
    let mut node = page;
    // Bounded: a hostile `/Parent` chain may loop.
    for _ in 0..INHERITED_DEPTH_LIMIT {
        if let Ok(value) = node.get_deref(key, document) {
            return Some(value);
        }
        node = node.get_deref(b"Parent", document).ok()?.as_dict().ok()?;
    }
    None
}

/// A PDF rectangle `[x1 y1 x2 y2]`, corners in any order.
#[derive(Debug, Clone, Copy)]
struct Rectangle {
    left: f32,
    bottom: f32,
    right: f32,
    top: f32,
}

impl Rectangle {
    fn width(&self) -> f32 {
        self.right - self.left
    }

    fn height(&self) -> f32 {
        self.top - self.bottom
    }

    fn intersect(&self, other: &Rectangle) -> Option<Rectangle> {
        let clipped = Rectangle {
            left: self.left.max(other.left),
            bottom: self.bottom.max(other.bottom),
            right: self.right.min(other.right),
            top: self.top.min(other.top),
        };
        (clipped.width() > 0.0 && clipped.height() > 0.0).then_some(clipped)
    }
}

fn rectangle(document: &Document, object: &Object) -> Option<Rectangle> {
    let numbers = object.as_array().ok()?;
    let [x1, y1, x2, y2] = numbers.as_slice() else {
        return None;
    };
    let value = |o: &Object| {
        document
            .dereference(o)
            .ok()
            .and_then(|(_, o)| o.as_float().ok())
            .filter(|v| v.is_finite())
    };
    let (x1, y1, x2, y2) = (value(x1)?, value(y1)?, value(x2)?, value(y2)?);
    Some(Rectangle {
        left: x1.min(x2),
        bottom: y1.min(y2),
        right: x1.max(x2),
        top: y1.max(y2),
    })
}
