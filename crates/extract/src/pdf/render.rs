//! PDF pages to pixels, by poppler's `pdftoppm` (Debian `poppler-utils`).
//!
//! Why poppler, and why as a child process rather than linked in: poppler is
//! the renderer Debian's desktop and print stacks use, kept up with every
//! security fix, and it renders what viewers show. It is GPL-2.0-or-later:
//! run as a separate program it stays a separate work, so our binary keeps its
//! own licence (linking libpoppler would make the binary GPL). The process
//! boundary is also the right one for hostile input: a renderer crash or hang
//! on a crafted file ends that child (we kill it at the deadline), never the
//! service. pdfium has no Debian or registry package to build from here.
//!
//! Limits: the raster's long side is capped (and its area by the pixel
//! limit), the bytes read from the child are capped to that raster, and the
//! child is killed at a deadline.

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use image::{DynamicImage, GrayImage, RgbImage};

use crate::limits::Limits;

/// The rasteriser's program; on `PATH`.
const PDFTOPPM: &str = "pdftoppm";

/// Longest side of a rendered page: an A4 or letter page at 300 dpi, where
/// OCR reads body text best; larger adds only time.
pub(crate) const PAGE_LONG_SIDE: u32 = 3508;

/// Longest a page may take to render. A page of vector art at 300 dpi takes
/// well under a second; one that takes longer is built to exhaust us.
const RENDER_DEADLINE: Duration = Duration::from_secs(15);

/// Grey for OCR, colour for the pixel analyses of the first page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Colour {
    Gray,
    Rgb,
}

/// Why a page has no pixels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RenderError {
    /// `pdftoppm` is not installed: this machine cannot rasterise PDFs.
    Unavailable,
    /// The page could not be rendered (damaged, too slow, out of range).
    Failed(String),
}

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RenderError::Unavailable => write!(
                f,
                "PDF pages cannot be rendered ({PDFTOPPM} is not installed)"
            ),
            RenderError::Failed(why) => f.write_str(why),
        }
    }
}

/// Renders page `page` (1-based) of `bytes` with its long side scaled to
/// `wanted_long_side`, at most [`PAGE_LONG_SIDE`] and so that even a square
/// page stays within `limits.max_pixels`.
pub(crate) fn render_page(
    bytes: &[u8],
    page: u32,
    colour: Colour,
    wanted_long_side: u32,
    limits: &Limits,
) -> Result<DynamicImage, RenderError> {
    let long_side = rendered_long_side(wanted_long_side, limits);
    render_page_within(bytes, page, colour, long_side, RENDER_DEADLINE)
}

/// The long side [`render_page`] gives a page asked for `wanted`: at most
/// [`PAGE_LONG_SIDE`], and a square page of it within `limits.max_pixels`.
pub(crate) fn rendered_long_side(wanted: u32, limits: &Limits) -> u32 {
    let square = (limits.max_pixels as f64).sqrt().floor() as u32;
    wanted.min(PAGE_LONG_SIDE).min(square).max(1)
}

fn render_page_within(
    bytes: &[u8],
    page: u32,
    colour: Colour,
    long_side: u32,
    deadline: Duration,
) -> Result<DynamicImage, RenderError> {
    let page_arg = page.to_string();
    let mut command = Command::new(PDFTOPPM);
    command
        .args(["-f", &page_arg, "-l", &page_arg, "-singlefile"])
        .args(["-scale-to", &long_side.to_string()]);
    if colour == Colour::Gray {
        command.arg("-gray");
    }
    // The document comes on stdin and the one page leaves on stdout.
    command.arg("fd://0");
    let channels = 3;
    // Header plus the largest raster: a square page of `long_side`.
    let max_output = u64::from(long_side).pow(2) * channels + 64;
    let output = run_with_input(command, bytes, max_output, deadline)?;
    match output {
        (Ok(true), Ok(output)) => parse_pnm(&output).map_err(RenderError::Failed),
        (Ok(false), _) => Err(RenderError::Failed(format!(
            "page {page} could not be rendered"
        ))),
        (Err(why), _) => Err(RenderError::Failed(format!("page {page}: {why}"))),
        (_, Err(e)) => Err(RenderError::Failed(format!("page {page}: {e}"))),
    }
}

/// What a poppler tool gave: whether it finished in time and succeeded (see
/// [`wait_until`]), and at most the capped number of bytes of its stdout.
pub(super) type ChildOutput = (Result<bool, String>, std::io::Result<Vec<u8>>);

/// Runs `command`, a poppler tool that reads the document on stdin and writes
/// its answer on stdout, with `input` on stdin: nothing touches the disk. At
/// most `max_output` bytes of stdout are kept, and the child is killed at
/// `deadline`.
pub(super) fn run_with_input(
    mut command: Command,
    input: &[u8],
    max_output: u64,
    deadline: Duration,
) -> Result<ChildOutput, RenderError> {
    let program = command.get_program().to_string_lossy().into_owned();
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => RenderError::Unavailable,
            _ => RenderError::Failed(format!("{program} could not start: {e}")),
        })?;
    Ok(std::thread::scope(|threads| {
        let mut stdin = child.stdin.take().expect("stdin is piped");
        let stdout = child.stdout.take().expect("stdout is piped");
        // A write error means the child exited early; its status says why.
        threads.spawn(move || stdin.write_all(input));
        let reader = threads.spawn(move || {
            let mut output = Vec::new();
            stdout
                .take(max_output)
                .read_to_end(&mut output)
                .map(|_| output)
        });
        let finished = wait_until(&mut child, deadline);
        // Killing closes the pipes, so the reader thread ends too.
        let output = reader.join().expect("the reader does not panic");
        (finished, output)
    }))
}

/// Waits for `child` until `deadline`: `Ok(true)` when it succeeded,
/// `Ok(false)` when it failed, `Err` (after killing it) when time ran out.
pub(super) fn wait_until(child: &mut Child, deadline: Duration) -> Result<bool, String> {
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status.success()),
            Ok(None) if started.elapsed() >= deadline => {
                // Already exited if this fails; `wait` reaps it either way.
                child.kill().ok();
                child.wait().ok();
                return Err(format!("rendering took longer than {deadline:?}"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// A binary PGM (`P5`) or PPM (`P6`) image with 8-bit samples, as pdftoppm
/// writes it: `P5\n<width> <height>\n255\n` then the samples.
fn parse_pnm(data: &[u8]) -> Result<DynamicImage, String> {
    let mut fields = Vec::with_capacity(4);
    let mut at = 0;
    while fields.len() < 4 {
        while data.get(at).is_some_and(u8::is_ascii_whitespace) {
            at += 1;
        }
        let start = at;
        while data.get(at).is_some_and(|b| !b.is_ascii_whitespace()) {
            at += 1;
        }
        if start == at {
            return Err("the rendered page is empty or truncated".to_owned());
        }
        fields.push(std::str::from_utf8(&data[start..at]).unwrap_or(""));
    }
    // One whitespace byte ends the header.
    let samples = data.get(at + 1..).unwrap_or_default();
    let number = |text: &str| {
        text.parse::<u32>()
            .map_err(|_| format!("bad raster header {text:?}"))
    };
    let (width, height, max) = (number(fields[1])?, number(fields[2])?, number(fields[3])?);
    if max != 255 {
        return Err(format!("unexpected raster depth {max}"));
    }
    let pixels = u64::from(width) * u64::from(height);
    let short = || format!("the rendered page is truncated ({width}x{height})");
    match fields[0] {
        "P5" => {
            let len = usize::try_from(pixels).map_err(|_| short())?;
            GrayImage::from_raw(
                width,
                height,
                samples.get(..len).ok_or_else(short)?.to_vec(),
            )
            .map(DynamicImage::ImageLuma8)
            .ok_or_else(short)
        }
        "P6" => {
            let len = usize::try_from(pixels * 3).map_err(|_| short())?;
            RgbImage::from_raw(
                width,
                height,
                samples.get(..len).ok_or_else(short)?.to_vec(),
            )
            .map(DynamicImage::ImageRgb8)
            .ok_or_else(short)
        }
        other => Err(format!("unexpected raster kind {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grey_and_colour_rasters_are_parsed() {
        let grey = parse_pnm(b"P5\n2 1\n255\n\x00\xff").unwrap();
        assert_eq!(grey.to_luma8().as_raw(), &[0, 255]);
        let colour = parse_pnm(b"P6 1 1 255\n\x01\x02\x03").unwrap();
        assert_eq!(colour.to_rgb8().as_raw(), &[1, 2, 3]);
    }

    #[test]
    fn truncated_or_strange_rasters_are_errors() {
        for bad in [
            &b""[..],
            b"P5\n2 1\n255\n\x00",
            b"P5\n2 1\n65535\n\x00\x00\x00\x00",
            b"P4\n1 1\n255\n\x00",
            b"P5\n-1 1\n255\n\x00",
        ] {
            assert!(parse_pnm(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_raster_stays_within_the_pixel_limit() {
        let small = Limits {
            max_pixels: 1_000_000,
            ..Limits::default()
        };
        assert_eq!(rendered_long_side(u32::MAX, &small), 1000);
        assert_eq!(
            rendered_long_side(u32::MAX, &Limits::default()),
            PAGE_LONG_SIDE
        );
        assert_eq!(rendered_long_side(256, &Limits::default()), 256);
    }
}
