//! What a file says about itself before any pixel is decoded: format, stored
//! size, orientation and page count. Limits are checked here, so a decompression
//! bomb is refused on its header's word (and a JPEG scan bomb on its marker count).

use std::io::Cursor;

use image::metadata::Orientation;

use crate::limits::Limits;
use crate::{decode, isobmff, metadata, pages, pdf, ExtractError, Format};

/// The header facts of one file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Header {
    pub format: Format,
    /// Stored size of the first frame or page (for animations, the canvas).
    pub width: u32,
    pub height: u32,
    /// How a viewer turns the stored pixels to show them.
    pub orientation: Orientation,
    pub pages: u32,
    /// Bytes per pixel of the full-size decode (8 for 16-bit RGBA).
    pub bytes_per_pixel: u8,
}

impl Header {
    /// Size as a viewer shows it (contract: Geometry).
    pub fn displayed_size(&self) -> (u32, u32) {
        if swaps_axes(self.orientation) {
            (self.height, self.width)
        } else {
            (self.width, self.height)
        }
    }
}

/// Reads the header of `bytes` (already recognised as `format`) and enforces `limits`.
pub(crate) fn probe(bytes: &[u8], format: Format, limits: &Limits) -> Result<Header, ExtractError> {
    if format == Format::Pdf {
        return probe_pdf(bytes, limits);
    }
    // Frames first: their descriptors are where a GIF bomb declares its size,
    // and a frame list can be damaged past where a decoder reads the size.
    let pages = pages::count(bytes, format, limits)?;
    limits.check_frames(pages)?;
    if format == Format::Jpg {
        decode::check_jpeg_scans(bytes, limits.max_jpeg_scans)?;
    }
    let (width, height, orientation, bytes_per_pixel) = match format.raster_codec() {
        Some(codec) => {
            let mut orientation = if format == Format::Tiff {
                tiff_orientation(bytes)
            } else {
                exif_orientation(bytes)
            };
            let (width, height, bytes_per_pixel) = match raster_header(bytes, codec) {
                Ok(header) => header,
                // Basic facts never depend on pixel support: a TIFF whose
                // variant the `image` crate lacks (or misjudges) still states
                // its size, as libtiff or a plain tag reader reads it.
                Err(error) if format == Format::Tiff => {
                    let (width, height) = decode::tiff_dimensions(bytes)
                        .or_else(|| tiff_tag_dimensions(bytes))
                        .ok_or_else(|| decode::image_error(error))?;
                    // Unknown sample layout: assume the widest the decoders make.
                    (width, height, 8)
                }
                // Arithmetic coding, which libjpeg-turbo decodes and the
                // `image` crate does not parse.
                Err(error) if format == Format::Jpg => {
                    decode::jpeg_header(bytes).ok_or_else(|| decode::image_error(error))?
                }
                // RLE rows stored top-down: the bottom-up file they mirror,
                // shown flipped (see `decode::bmp_rle_bottom_up`).
                Err(error) if format == Format::Bmp => {
                    let bottom_up = decode::bmp_rle_bottom_up(bytes)
                        .ok_or_else(|| decode::image_error(error))?;
                    orientation = Orientation::FlipVertical;
                    raster_header(&bottom_up, codec).map_err(decode::image_error)?
                }
                Err(e) => return Err(decode::image_error(e)),
            };
            (width, height, orientation, bytes_per_pixel)
        }
        None if matches!(format, Format::Heic | Format::Avif) => {
            let heif = isobmff::read_header(bytes)?;
            (
                heif.width,
                heif.height,
                heif_orientation(heif.quarter_turns),
                // libheif decodes to 8-bit RGB(A).
                4,
            )
        }
        None => return Err(ExtractError::UnsupportedFormat(format)),
    };
    limits.check_dimensions(width, height)?;
    Ok(Header {
        format,
        width,
        height,
        orientation,
        pages,
        bytes_per_pixel,
    })
}

/// A PDF's page tree gives both its page count and its first page's size, in
/// one parse; `/Rotate` is already applied to the size.
fn probe_pdf(bytes: &[u8], limits: &Limits) -> Result<Header, ExtractError> {
    let pdf = pdf::read_header(bytes, limits)?;
    limits.check_frames(pdf.pages)?;
    limits.check_dimensions(pdf.width, pdf.height)?;
    Ok(Header {
        format: Format::Pdf,
        width: pdf.width,
        height: pdf.height,
        orientation: Orientation::NoTransforms,
        pages: pdf.pages,
        // A rendered page is 8-bit RGBA at most.
        bytes_per_pixel: 4,
    })
}

/// Stored size and decoded bytes per pixel, from the `image` crate's header reader.
fn raster_header(
    bytes: &[u8],
    codec: image::ImageFormat,
) -> Result<(u32, u32, u8), image::ImageError> {
    use image::ImageDecoder;
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), codec);
    // Reading a header allocates next to nothing; size is judged by our own limits.
    reader.no_limits();
    let decoder = reader.into_decoder()?;
    let (width, height) = decoder.dimensions();
    Ok((width, height, decoder.color_type().bytes_per_pixel()))
}

/// `ImageWidth` and `ImageLength` of a TIFF's first IFD, read by
/// kamadak-exif's TIFF parser, which needs no knowledge of the pixel layout.
fn tiff_tag_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let tiff = ::exif::Reader::new().read_raw(bytes.to_vec()).ok()?;
    let tag = |tag| tiff.get_field(tag, ::exif::In::PRIMARY)?.value.get_uint(0);
    Some((
        tag(::exif::Tag::ImageWidth)?,
        tag(::exif::Tag::ImageLength)?,
    ))
}

/// Exif orientation, as browsers honour it; 1 (none) when absent or invalid.
fn exif_orientation(bytes: &[u8]) -> Orientation {
    metadata::orientation(bytes)
        .and_then(|tag| u8::try_from(tag).ok())
        .and_then(Orientation::from_exif)
        .unwrap_or(Orientation::NoTransforms)
}

/// A TIFF's own `Orientation` tag, read by libtiff, which opens every TIFF
/// the decoders do (BigTIFF included); the Exif reader's answer otherwise.
fn tiff_orientation(bytes: &[u8]) -> Orientation {
    decode::tiff_orientation(bytes)
        .and_then(|tag| u8::try_from(tag).ok())
        .and_then(Orientation::from_exif)
        .unwrap_or_else(|| exif_orientation(bytes))
}

/// HEIF viewers apply the container's `irot` (anticlockwise quarter turns) and
/// ignore the Exif orientation tag, which only mirrors it.
fn heif_orientation(quarter_turns: u8) -> Orientation {
    match quarter_turns {
        1 => Orientation::Rotate270,
        2 => Orientation::Rotate180,
        3 => Orientation::Rotate90,
        _ => Orientation::NoTransforms,
    }
}

fn swaps_axes(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}
