//! TIFF pages through libtiff (Debian `libtiff6`), the reference TIFF
//! library, for the variants the `image` crate's pure-Rust decoder refuses:
//! palette and bilevel pages, 2- and 4-bit grey, 12- and 16-bit samples,
//! CIELab, CMYK, old-style JPEG, LZMA, JBIG, YCbCr with any subsampling,
//! planar layouts. Its RGBA interface (`TIFFReadRGBAImageOriented`) turns
//! every photometric interpretation it knows into 8-bit RGBA, which is what
//! the analyses read.
//!
//! Why libtiff, and why these few hand-declared functions: no maintained
//! Rust binding was reachable from our registries, and the dozen calls used
//! here are libtiff's stable public API (4.5, as Debian bookworm ships).
//! Everything is read from memory through client procedures; errors go to a
//! per-handle handler that drops them (no global state, nothing printed); allocations are
//! capped per call by `TIFFOpenOptionsSetMaxSingleMemAlloc`.

#![allow(unsafe_code)]

use std::ffi::{c_char, c_int, c_void};
use std::ptr::{self, NonNull};

use image::{DynamicImage, ImageBuffer};

use crate::limits::Limits;
use crate::ExtractError;

/// libtiff's tags and values this module reads (tiff.h).
const TAG_IMAGE_WIDTH: u32 = 256;
const TAG_IMAGE_LENGTH: u32 = 257;
const TAG_PHOTOMETRIC: u32 = 262;
const TAG_ORIENTATION: u32 = 274;
const TAG_BITS_PER_SAMPLE: u32 = 258;
const TAG_SAMPLES_PER_PIXEL: u32 = 277;
const TAG_PLANAR_CONFIG: u32 = 284;
const TAG_SAMPLE_FORMAT: u32 = 339;
const PLANAR_CONFIG_SEPARATE: u16 = 2;
const SAMPLE_FORMAT_UINT: u16 = 1;
const PHOTOMETRIC_RGB: u16 = 2;
const TAG_EXTRA_SAMPLES: u32 = 338;
const PHOTOMETRIC_MINISWHITE: u16 = 0;
const PHOTOMETRIC_MINISBLACK: u16 = 1;

/// Largest single allocation libtiff may make for one file (a strip, a tile,
/// a tag array): strips of a legitimate page are far smaller.
const MAX_SINGLE_ALLOCATION: i64 = 256 << 20;

#[repr(C)]
struct Tiff {
    _opaque: [u8; 0],
}

#[repr(C)]
struct OpenOptions {
    _opaque: [u8; 0],
}

type ReadWriteProc = unsafe extern "C" fn(*mut c_void, *mut c_void, i64) -> i64;
type SeekProc = unsafe extern "C" fn(*mut c_void, u64, c_int) -> u64;
type CloseProc = unsafe extern "C" fn(*mut c_void) -> c_int;
type SizeProc = unsafe extern "C" fn(*mut c_void) -> u64;
type MapProc = unsafe extern "C" fn(*mut c_void, *mut *mut c_void, *mut u64) -> c_int;
type UnmapProc = unsafe extern "C" fn(*mut c_void, *mut c_void, u64);
/// `va_list` is passed as a pointer on every platform we build for; we never
/// read it.
type ErrorHandler = unsafe extern "C" fn(
    *mut Tiff,
    *mut c_void,
    *const c_char,
    *const c_char,
    *mut c_void,
) -> c_int;

#[link(name = "tiff")]
extern "C" {
    fn TIFFOpenOptionsAlloc() -> *mut OpenOptions;
    fn TIFFOpenOptionsFree(options: *mut OpenOptions);
    fn TIFFOpenOptionsSetMaxSingleMemAlloc(options: *mut OpenOptions, max: i64);
    fn TIFFOpenOptionsSetErrorHandlerExtR(
        options: *mut OpenOptions,
        handler: ErrorHandler,
        user_data: *mut c_void,
    );
    fn TIFFOpenOptionsSetWarningHandlerExtR(
        options: *mut OpenOptions,
        handler: ErrorHandler,
        user_data: *mut c_void,
    );
    #[allow(clippy::too_many_arguments)]
    fn TIFFClientOpenExt(
        name: *const c_char,
        mode: *const c_char,
        handle: *mut c_void,
        read: ReadWriteProc,
        write: ReadWriteProc,
        seek: SeekProc,
        close: CloseProc,
        size: SizeProc,
        map: MapProc,
        unmap: UnmapProc,
        options: *mut OpenOptions,
    ) -> *mut Tiff;
    fn TIFFClose(tiff: *mut Tiff);
    fn TIFFSetDirectory(tiff: *mut Tiff, index: u32) -> c_int;
    fn TIFFGetField(tiff: *mut Tiff, tag: u32, ...) -> c_int;
    fn TIFFGetFieldDefaulted(tiff: *mut Tiff, tag: u32, ...) -> c_int;
    fn TIFFRGBAImageOK(tiff: *mut Tiff, message: *mut c_char) -> c_int;
    fn TIFFIsTiled(tiff: *mut Tiff) -> c_int;
    fn TIFFScanlineSize64(tiff: *mut Tiff) -> u64;
    fn TIFFReadScanline(tiff: *mut Tiff, buffer: *mut c_void, row: u32, sample: u16) -> c_int;
    fn TIFFReadRGBAImageOriented(
        tiff: *mut Tiff,
        width: u32,
        height: u32,
        raster: *mut u32,
        orientation: c_int,
        stop_on_error: c_int,
    ) -> c_int;
}

/// The bytes libtiff reads, and where it is.
struct Source<'a> {
    bytes: &'a [u8],
    position: u64,
}

unsafe extern "C" fn read(handle: *mut c_void, buffer: *mut c_void, size: i64) -> i64 {
    // SAFETY: `handle` is the `Source` that `Page::open` passed, alive for
    // the handle's whole life; `buffer` has room for `size` bytes.
    let source = unsafe { &mut *handle.cast::<Source>() };
    let length = source.bytes.len() as u64;
    let start = source.position.min(length);
    let count = u64::try_from(size).unwrap_or(0).min(length - start);
    // Both fit in usize: they are at most the slice's length.
    let (start, count) = (start as usize, count as usize);
    // SAFETY: `start + count` is within `source.bytes`, and libtiff gave
    // `buffer` room for `size` >= `count` bytes; the two never overlap.
    unsafe {
        ptr::copy_nonoverlapping(source.bytes.as_ptr().add(start), buffer.cast::<u8>(), count)
    };
    source.position = (start + count) as u64;
    count as i64
}

unsafe extern "C" fn write(_: *mut c_void, _: *mut c_void, _: i64) -> i64 {
    -1
}

unsafe extern "C" fn seek(handle: *mut c_void, offset: u64, whence: c_int) -> u64 {
    // SAFETY: as in `read`.
    let source = unsafe { &mut *handle.cast::<Source>() };
    // libtiff passes negative relative offsets as wrapped u64.
    let base = match whence {
        0 => 0,
        1 => source.position,
        2 => source.bytes.len() as u64,
        _ => return u64::MAX,
    };
    source.position = base.wrapping_add(offset);
    source.position
}

unsafe extern "C" fn close(_: *mut c_void) -> c_int {
    0
}

unsafe extern "C" fn size(handle: *mut c_void) -> u64 {
    // SAFETY: as in `read`.
    let source = unsafe { &*handle.cast::<Source>() };
    source.bytes.len() as u64
}

unsafe extern "C" fn no_map(_: *mut c_void, _: *mut *mut c_void, _: *mut u64) -> c_int {
    0
}

unsafe extern "C" fn no_unmap(_: *mut c_void, _: *mut c_void, _: u64) {}

/// Takes libtiff's errors and warnings instead of printing them: a failed
/// call's return value is what we act on.
unsafe extern "C" fn ignore_message(
    _: *mut Tiff,
    _: *mut c_void,
    _: *const c_char,
    _: *const c_char,
    _: *mut c_void,
) -> c_int {
    // Handled: libtiff's global handler (stderr) is not called.
    1
}

/// One open TIFF, on one of its pages.
struct Page<'a> {
    handle: NonNull<Tiff>,
    // Boxed: libtiff keeps its address until `TIFFClose`.
    _source: Box<Source<'a>>,
}

impl Drop for Page<'_> {
    fn drop(&mut self) {
        // SAFETY: the handle came from TIFFClientOpenExt and is closed once.
        unsafe { TIFFClose(self.handle.as_ptr()) }
    }
}

impl<'a> Page<'a> {
    /// Opens `bytes` at page `index` (0 is the first IFD). `None` when
    /// libtiff cannot read it as a TIFF or has no such page.
    fn open(bytes: &'a [u8], index: u32) -> Option<Self> {
        let mut source = Box::new(Source { bytes, position: 0 });
        // SAFETY: plain calls into libtiff with a pointer that outlives the
        // handle (`source` moves into the returned `Page`);
        // mode "rm" reads through the procedures above, never a mapping.
        let handle = unsafe {
            let options = TIFFOpenOptionsAlloc();
            if options.is_null() {
                return None;
            }
            TIFFOpenOptionsSetMaxSingleMemAlloc(options, MAX_SINGLE_ALLOCATION);
            TIFFOpenOptionsSetErrorHandlerExtR(options, ignore_message, ptr::null_mut());
            TIFFOpenOptionsSetWarningHandlerExtR(options, ignore_message, ptr::null_mut());
            let handle = TIFFClientOpenExt(
                c"memory".as_ptr(),
                c"rm".as_ptr(),
                ptr::from_mut::<Source>(&mut source).cast::<c_void>(),
                read,
                write,
                seek,
                close,
                size,
                no_map,
                no_unmap,
                options,
            );
            TIFFOpenOptionsFree(options);
            handle
        };
        let page = Page {
            handle: NonNull::new(handle)?,
            _source: source,
        };
        // SAFETY: a valid handle.
        if index > 0 && unsafe { TIFFSetDirectory(page.handle.as_ptr(), index) } == 0 {
            return None;
        }
        Some(page)
    }

    fn tag_u32(&self, tag: u32) -> Option<u32> {
        let mut value = 0u32;
        // SAFETY: both size tags are written as one uint32.
        let found =
            unsafe { TIFFGetField(self.handle.as_ptr(), tag, ptr::from_mut::<u32>(&mut value)) };
        (found == 1).then_some(value)
    }

    fn tag_u16_defaulted(&self, tag: u32) -> Option<u16> {
        let mut value = 0u16;
        // SAFETY: these tags are written as one uint16.
        let found = unsafe {
            TIFFGetFieldDefaulted(self.handle.as_ptr(), tag, ptr::from_mut::<u16>(&mut value))
        };
        (found == 1).then_some(value)
    }

    fn has_alpha(&self) -> bool {
        let mut count = 0u16;
        let mut kinds: *const u16 = ptr::null();
        // SAFETY: ExtraSamples is written as a uint16 count and a pointer to
        // libtiff's own array, which we only check for presence.
        let found = unsafe {
            TIFFGetFieldDefaulted(
                self.handle.as_ptr(),
                TAG_EXTRA_SAMPLES,
                ptr::from_mut::<u16>(&mut count),
                ptr::from_mut::<*const u16>(&mut kinds),
            )
        };
        found == 1 && count > 0
    }

    fn size(&self) -> Option<(u32, u32)> {
        Some((
            self.tag_u32(TAG_IMAGE_WIDTH)?,
            self.tag_u32(TAG_IMAGE_LENGTH)?,
        ))
    }

    /// Whether libtiff's RGBA interface reads this page's variant.
    fn rgba_supported(&self) -> bool {
        let mut message = [0 as c_char; 1024];
        // SAFETY: libtiff writes at most 1024 bytes into `message`.
        unsafe { TIFFRGBAImageOK(self.handle.as_ptr(), message.as_mut_ptr()) == 1 }
    }
}

/// Stored width and height of a TIFF's first page, as libtiff reads them;
/// `None` when libtiff cannot open the file.
pub(crate) fn dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    Page::open(bytes, 0)?.size()
}

/// The `Orientation` tag of a TIFF's first page, as libtiff reads it (also
/// in BigTIFF, which the Exif reader does not parse); `None` when absent.
pub(crate) fn orientation(bytes: &[u8]) -> Option<u16> {
    let page = Page::open(bytes, 0)?;
    let mut value = 0u16;
    // SAFETY: Orientation is written as one uint16.
    let found = unsafe {
        TIFFGetField(
            page.handle.as_ptr(),
            TAG_ORIENTATION,
            ptr::from_mut::<u16>(&mut value),
        )
    };
    (found == 1).then_some(value)
}

/// Page `index` of a TIFF, opened, and its size; a file or page libtiff
/// cannot open is damaged.
fn open_page(bytes: &[u8], index: u32) -> Result<(Page<'_>, (u32, u32)), ExtractError> {
    let page = Page::open(bytes, index).ok_or_else(|| unreadable(index))?;
    let size = page.size().ok_or_else(|| unreadable(index))?;
    Ok((page, size))
}

fn unreadable(index: u32) -> ExtractError {
    ExtractError::Corrupt(format!("TIFF page {} is unreadable", index + 1))
}

/// Page `index` of a TIFF in stored orientation (the caller applies the
/// file's `Orientation`), 8 bits per sample: grey, grey + alpha, RGB or
/// RGBA as the page's samples are. `Ok(None)` when libtiff lacks the
/// variant (32-bit or floating-point samples, say); an error when libtiff
/// cannot open the file or page, or the page's data is damaged.
pub(crate) fn decode_page(
    bytes: &[u8],
    index: u32,
    limits: &Limits,
) -> Result<Option<DynamicImage>, ExtractError> {
    let (page, (width, height)) = open_page(bytes, index)?;
    limits.check_pixels(width, height)?;
    if !page.rgba_supported() {
        return Ok(None);
    }
    let pixels = usize::try_from(u64::from(width) * u64::from(height))
        .map_err(|_| ExtractError::Internal("page does not fit in memory".to_owned()))?;
    let mut raster = vec![0u32; pixels];
    // Asking for the file's own orientation makes libtiff flip nothing: the
    // raster stays in stored order, and orientation is applied once, by the
    // caller, as for every other format.
    let orientation = page.tag_u16_defaulted(TAG_ORIENTATION).unwrap_or(1);
    // SAFETY: `raster` holds width x height pixels, as libtiff writes.
    let read = unsafe {
        TIFFReadRGBAImageOriented(
            page.handle.as_ptr(),
            width,
            height,
            raster.as_mut_ptr(),
            c_int::from(orientation),
            1,
        )
    };
    if read != 1 {
        return Err(ExtractError::Corrupt(format!(
            "TIFF page {} has damaged image data",
            index + 1
        )));
    }
    let photometric = page.tag_u16_defaulted(TAG_PHOTOMETRIC);
    let samples = page.tag_u16_defaulted(TAG_SAMPLES_PER_PIXEL).unwrap_or(1);
    let grey = matches!(
        photometric,
        Some(PHOTOMETRIC_MINISWHITE | PHOTOMETRIC_MINISBLACK)
    );
    let alpha = page.has_alpha();
    // Each pixel is packed as 0xAABBGGRR: little-endian bytes R, G, B, A.
    let rgba: Vec<u8> = raster.iter().flat_map(|p| p.to_le_bytes()).collect();
    drop(raster);
    let rgba = ImageBuffer::from_raw(width, height, rgba)
        .map(DynamicImage::ImageRgba8)
        .ok_or_else(|| ExtractError::Internal("raster size mismatch".to_owned()))?;
    Ok(Some(match (grey && samples <= 2, alpha) {
        (true, true) => DynamicImage::ImageLumaA8(rgba.to_luma_alpha8()),
        (true, false) => DynamicImage::ImageLuma8(rgba.to_luma8()),
        (false, true) => rgba,
        (false, false) => DynamicImage::ImageRgb8(rgba.to_rgb8()),
    }))
}

/// Page `index` of a TIFF whose unsigned integer samples are not a whole
/// number of bytes wide (9 to 15 bits: 10-, 12- and 14-bit scans), which
/// neither libtiff's RGBA interface nor the `tiff` crate reads: libtiff
/// decompresses each row, and its samples are unpacked here (packed
/// most-significant bit first, each row starting on a byte, TIFF 6.0
/// section 2), scaled to 16 bits. Grey (either polarity), grey + alpha, RGB
/// and RGBA, chunky or planar, in strips. `Ok(None)` for every other page.
/// Written by hand because no library in reach unpacks such samples; the
/// unpacking is the only part, decompression stays libtiff's.
pub(crate) fn decode_packed_page(
    bytes: &[u8],
    index: u32,
    limits: &Limits,
) -> Result<Option<DynamicImage>, ExtractError> {
    let (page, (width, height)) = open_page(bytes, index)?;
    let field = |tag, default| page.tag_u16_defaulted(tag).unwrap_or(default);
    let bits = field(TAG_BITS_PER_SAMPLE, 1);
    let samples = field(TAG_SAMPLES_PER_PIXEL, 1);
    let photometric = field(TAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    let planar = field(TAG_PLANAR_CONFIG, 1) == PLANAR_CONFIG_SEPARATE;
    let grey = matches!(photometric, PHOTOMETRIC_MINISWHITE | PHOTOMETRIC_MINISBLACK);
    let supported_samples = match photometric {
        PHOTOMETRIC_MINISWHITE | PHOTOMETRIC_MINISBLACK => (1..=2).contains(&samples),
        PHOTOMETRIC_RGB => (3..=4).contains(&samples),
        _ => false,
    };
    // SAFETY: a valid handle.
    let tiled = unsafe { TIFFIsTiled(page.handle.as_ptr()) } != 0;
    if !(9..=15).contains(&bits)
        || field(TAG_SAMPLE_FORMAT, SAMPLE_FORMAT_UINT) != SAMPLE_FORMAT_UINT
        || !supported_samples
        || tiled
    {
        return Ok(None);
    }
    limits.check_pixels(width, height)?;
    let channels = usize::from(samples);
    let (width_px, height_px) = (width as usize, height as usize);
    let planes = if planar { channels } else { 1 };
    let per_row = if planar { 1 } else { channels };
    // SAFETY: a valid handle.
    let scanline = unsafe { TIFFScanlineSize64(page.handle.as_ptr()) } as usize;
    let packed_row = (width_px * per_row * usize::from(bits)).div_ceil(8);
    if scanline < packed_row {
        return Err(unreadable(index));
    }
    let mut row = vec![0u8; scanline];
    let mut out = vec![0u16; width_px * height_px * channels];
    let damaged =
        || ExtractError::Corrupt(format!("TIFF page {} has damaged image data", index + 1));
    for plane in 0..planes {
        for y in 0..height {
            // SAFETY: `row` holds a whole scanline, as libtiff writes.
            let read = unsafe {
                TIFFReadScanline(
                    page.handle.as_ptr(),
                    row.as_mut_ptr().cast::<c_void>(),
                    y,
                    plane as u16,
                )
            };
            if read != 1 {
                return Err(damaged());
            }
            let line = &mut out[y as usize * width_px * channels..][..width_px * channels];
            for (i, value) in unpack(&row, bits).take(width_px * per_row).enumerate() {
                let at = if planar { i * channels + plane } else { i };
                line[at] = value;
            }
        }
    }
    if photometric == PHOTOMETRIC_MINISWHITE {
        // Only the grey level is inverted; alpha keeps its meaning.
        for pixel in out.chunks_exact_mut(channels) {
            pixel[0] = u16::MAX - pixel[0];
        }
    }
    let mismatch = || ExtractError::Internal("raster size mismatch".to_owned());
    Ok(Some(
        match (grey, channels) {
            (true, 1) => ImageBuffer::from_raw(width, height, out).map(DynamicImage::ImageLuma16),
            (true, _) => ImageBuffer::from_raw(width, height, out).map(DynamicImage::ImageLumaA16),
            (false, 3) => ImageBuffer::from_raw(width, height, out).map(DynamicImage::ImageRgb16),
            (false, _) => ImageBuffer::from_raw(width, height, out).map(DynamicImage::ImageRgba16),
        }
        .ok_or_else(mismatch)?,
    ))
}

/// The `bits`-wide samples packed in `row`, most significant bit first,
/// each scaled to 16 bits (its top bits repeated below it).
fn unpack(row: &[u8], bits: u16) -> impl Iterator<Item = u16> + '_ {
    let bits = u32::from(bits);
    let count = row.len() * 8 / bits as usize;
    (0..count).map(move |i| {
        let start = i * bits as usize;
        let mut value = 0u32;
        for bit in start..start + bits as usize {
            value = (value << 1) | u32::from((row[bit / 8] >> (7 - bit % 8)) & 1);
        }
        ((value << (16 - bits)) | (value >> (2 * bits - 16))) as u16
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_samples_unpack_most_significant_bit_first_to_16_bits() {
        // Two 12-bit samples: 0xFFF and 0x801.
        let samples: Vec<u16> = unpack(&[0xFF, 0xF8, 0x01], 12).collect();
        assert_eq!(samples, [0xFFFF, 0x8018]);
        // 10-bit zero and full scale span the whole range.
        let samples: Vec<u16> = unpack(&[0x00, 0x3F, 0xF0], 10).take(2).collect();
        assert_eq!(samples, [0, 0xFFFF]);
    }
}
