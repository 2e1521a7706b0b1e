//! exiftool's print conversions, generalised from Image::ExifTool::Exif and
//! ::GPS: how a raw value becomes the string a photographer sees
//! (`ExposureTime` 0.005 -> "1/200", `Flash` 16 -> "Off, Did not fire").
//!
//! The conversions work on [`Raw`], a reader-neutral value, so the same rules
//! serve the Exif IFDs and the Exif-derived XMP namespaces (`exif:`, `tiff:`).

/// One number as exiftool sees it after its value conversion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Num {
    Int(i64),
    Real(f64),
    /// A rational 0/0, which exiftool prints as "undef".
    Undef,
    /// A rational n/0, which exiftool prints as "inf" (or "-inf").
    Inf(bool),
}

impl Num {
    pub(crate) fn rational(num: i64, den: i64) -> Num {
        match (num, den) {
            (0, 0) => Num::Undef,
            (n, 0) => Num::Inf(n < 0),
            (n, d) => Num::Real(n as f64 / d as f64),
        }
    }

    pub(crate) fn as_f64(self) -> Option<f64> {
        match self {
            Num::Int(i) => Some(i as f64),
            Num::Real(f) => Some(f),
            Num::Undef | Num::Inf(_) => None,
        }
    }

    pub(crate) fn as_int(self) -> Option<i64> {
        match self {
            Num::Int(i) => Some(i),
            Num::Real(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
            _ => None,
        }
    }

    /// exiftool's plain rendering: integers as is, reals with 10 significant digits.
    pub(crate) fn plain(self) -> String {
        match self {
            Num::Int(i) => i.to_string(),
            Num::Real(f) => format_g(f, 10),
            Num::Undef => "undef".into(),
            Num::Inf(true) => "-inf".into(),
            Num::Inf(false) => "inf".into(),
        }
    }
}

/// A raw value as read from a block, before printing.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Raw {
    Nums(Vec<Num>),
    Text(String),
    Bytes(Vec<u8>),
}

impl Raw {
    /// Parses a textual value (XMP) the way exiftool reads numeric XMP tags:
    /// integers, reals and "n/d" rationals, space separated.
    pub(crate) fn parse_text(text: &str) -> Raw {
        let nums: Option<Vec<Num>> = text.split_whitespace().map(parse_num).collect();
        match nums {
            Some(nums) if !nums.is_empty() => Raw::Nums(nums),
            _ => Raw::Text(text.to_string()),
        }
    }

    fn first(&self) -> Option<Num> {
        match self {
            Raw::Nums(n) => n.first().copied(),
            _ => None,
        }
    }

    /// exiftool's rendering when a tag has no print conversion.
    pub(crate) fn plain(&self) -> String {
        match self {
            Raw::Nums(n) => join(n.iter().map(|n| n.plain()), " "),
            Raw::Text(t) => t.clone(),
            Raw::Bytes(b) => bytes_as_text(b),
        }
    }
}

fn parse_num(token: &str) -> Option<Num> {
    if let Ok(i) = token.trim_start_matches('+').parse::<i64>() {
        return Some(Num::Int(i));
    }
    if let Some((n, d)) = token.split_once('/') {
        return Some(Num::rational(n.parse().ok()?, d.parse().ok()?));
    }
    token
        .parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(Num::Real)
}

fn join(parts: impl Iterator<Item = String>, sep: &str) -> String {
    parts.collect::<Vec<_>>().join(sep)
}

/// Bytes that carry text: up to the first NUL, UTF-8 if valid, else Latin-1.
pub(crate) fn bytes_as_text(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    decode_utf8_or_latin1(&bytes[..end])
}

pub(crate) fn decode_utf8_or_latin1(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    }
}

/// C/Perl `%.{precision}g`: shortest of fixed or exponent form, trailing
/// zeros removed.
pub(crate) fn format_g(value: f64, precision: usize) -> String {
    if value == 0.0 || !value.is_finite() {
        return if value == 0.0 {
            "0".into()
        } else {
            value.to_string()
        };
    }
    let sci = format!("{:.*e}", precision - 1, value);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if exp < -4 || exp >= precision as i32 {
        let mantissa = trim_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.abs());
    }
    let decimals = (precision as i32 - 1 - exp).max(0) as usize;
    trim_zeros(&format!("{value:.decimals$}")).to_string()
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// exiftool's functional print conversions (Perl code in its tag tables),
/// one variant per shape. PrintConv hashes are data: see [`super::tables`].
#[derive(Debug, Clone, Copy)]
pub(crate) enum Conv {
    ExposureTime,
    /// APEX shutter speed: 2^-v seconds, printed as an exposure time.
    ApexShutter,
    /// APEX aperture: 2^(v/2), printed "%.1f".
    ApexAperture,
    FNumber,
    /// "%.1f mm".
    FocalLength,
    /// "n mm".
    Millimetres,
    /// "n m" unless undef/inf.
    Metres,
    /// exiftool's PrintFraction: "+1/3", "-0.65".
    Fraction,
    /// Undefined bytes that spell a version, "0230".
    Version,
    ComponentsConfiguration,
    /// Exif text with an 8-byte character code header (UserComment).
    EncodedText,
    LensInfo,
    /// Bytes joined with "." (GPSVersionID).
    Dotted,
    /// Degrees/minutes/seconds, `48 deg 51' 30.24"` (no hemisphere).
    Dms,
    /// "hh:mm:ss" from three rationals.
    TimeStamp,
    /// UCS-2 little-endian text in BYTE values (Windows XP* tags).
    Utf16Le,
}

/// Prints `raw` with `conv`, as exiftool's PrintConv would.
pub(crate) fn print(raw: &Raw, conv: Conv) -> String {
    match conv {
        Conv::ExposureTime => with_f64(raw, exposure_time),
        Conv::ApexShutter => with_f64(raw, |v| {
            exposure_time(if v.abs() < 100.0 { 2f64.powf(-v) } else { 0.0 })
        }),
        Conv::ApexAperture => with_f64(raw, |v| format!("{:.1}", 2f64.powf(v / 2.0))),
        Conv::FNumber => with_f64(raw, |v| {
            if v >= 1.0 {
                format!("{v:.1}")
            } else {
                format!("{v:.2}")
            }
        }),
        Conv::FocalLength => with_f64(raw, |v| format!("{v:.1} mm")),
        Conv::Millimetres => format!("{} mm", raw.plain()),
        Conv::Metres => match raw.first() {
            Some(n @ (Num::Undef | Num::Inf(_))) => n.plain(),
            Some(n) => format!("{} m", n.plain()),
            None => raw.plain(),
        },
        Conv::Fraction => with_f64(raw, fraction),
        Conv::Version => match raw {
            Raw::Bytes(b) => bytes_as_text(b),
            Raw::Nums(n) => join(n.iter().map(|n| n.plain()), ""),
            Raw::Text(t) => t.clone(),
        },
        Conv::ComponentsConfiguration => components(raw),
        Conv::EncodedText => match raw {
            Raw::Bytes(b) => encoded_text(b),
            _ => raw.plain(),
        },
        Conv::LensInfo => lens_info(raw),
        Conv::Dotted => match raw {
            Raw::Nums(n) => join(n.iter().map(|n| n.plain()), "."),
            Raw::Bytes(b) => join(b.iter().map(|b| b.to_string()), "."),
            Raw::Text(t) => t.clone(),
        },
        Conv::Dms => match dms_degrees(raw) {
            Some(deg) => to_dms(deg),
            None => raw.plain(),
        },
        Conv::TimeStamp => time_stamp(raw).unwrap_or_else(|| raw.plain()),
        Conv::Utf16Le => {
            let bytes: Vec<u8> = match raw {
                Raw::Bytes(b) => b.clone(),
                Raw::Nums(n) => n
                    .iter()
                    .filter_map(|n| n.as_int())
                    .map(|i| i as u8)
                    .collect(),
                Raw::Text(t) => return t.clone(),
            };
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .take_while(|&u| u != 0)
                .collect();
            String::from_utf16_lossy(&units)
        }
    }
}

impl Conv {
    pub(crate) fn apply(self, raw: &Raw) -> String {
        print(raw, self)
    }
}

fn with_f64(raw: &Raw, f: impl Fn(f64) -> String) -> String {
    match raw.first() {
        Some(n) => n.as_f64().map_or_else(|| n.plain(), f),
        None => raw.plain(),
    }
}

/// exiftool's PrintExposureTime.
pub(crate) fn exposure_time(secs: f64) -> String {
    if secs > 0.0 && secs < 0.25001 {
        return format!("1/{}", (0.5 + 1.0 / secs) as i64);
    }
    let s = format!("{secs:.1}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_string)
}

/// exiftool's PrintFraction.
fn fraction(value: f64) -> String {
    let v = value * 1.00001;
    let near = |k: f64| (v * k).trunc() / (v * k) > 0.999;
    if v == 0.0 {
        "0".into()
    } else if near(1.0) {
        format!("{:+}", v.trunc() as i64)
    } else if near(2.0) {
        format!("{:+}/2", (v * 2.0).trunc() as i64)
    } else if near(3.0) {
        format!("{:+}/3", (v * 3.0).trunc() as i64)
    } else {
        let g = format_g(v, 3);
        if g.starts_with('-') {
            g
        } else {
            format!("+{g}")
        }
    }
}

fn components(raw: &Raw) -> String {
    const NAMES: [&str; 7] = ["-", "Y", "Cb", "Cr", "R", "G", "B"];
    let codes: Vec<i64> = match raw {
        Raw::Bytes(b) => b.iter().map(|&b| b as i64).collect(),
        Raw::Nums(n) => n.iter().filter_map(|n| n.as_int()).collect(),
        Raw::Text(t) => return t.clone(),
    };
    join(
        codes.iter().map(|&c| {
            NAMES
                .get(c as usize)
                .map_or_else(|| c.to_string(), |s| s.to_string())
        }),
        ", ",
    )
}

/// Exif "undefined" text whose first 8 bytes name its encoding.
pub(crate) fn encoded_text(bytes: &[u8]) -> String {
    let (code, body) = bytes.split_at(bytes.len().min(8));
    let text = if code.starts_with(b"UNICODE") {
        decode_utf16(body)
    } else {
        // ASCII, JIS (rare; exiftool also falls back to the raw bytes), or an
        // all-NUL/absent code: the body is the text.
        let body = if code.len() < 8 { bytes } else { body };
        bytes_as_text(body)
    };
    text.trim_end_matches([' ', '\0']).to_string()
}

fn decode_utf16(bytes: &[u8]) -> String {
    // Byte order is not marked reliably; a leading zero byte means big-endian.
    let big_endian = bytes.first() == Some(&0) || bytes.starts_with(&[0xfe, 0xff]);
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| {
            if big_endian {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_le_bytes([c[0], c[1]])
            }
        })
        .take_while(|&u| u != 0)
        .collect();
    String::from_utf16_lossy(&units)
        .trim_start_matches('\u{feff}')
        .to_string()
}

/// exiftool's PrintLensInfo: "18-55mm f/3.5-5.6"; undefined parts print "?",
/// and an upper bound that is zero or equal to the lower one is left out.
fn lens_info(raw: &Raw) -> String {
    let Raw::Nums(n) = raw else {
        return raw.plain();
    };
    if n.len() != 4 {
        return raw.plain();
    }
    let part = |num: Num| match num {
        Num::Undef | Num::Inf(_) => "?".to_string(),
        n => n.plain(),
    };
    let range = |low: Num, high: Num| {
        let (low, high_text) = (part(low), part(high));
        if high_text == "0" || high_text == low {
            low
        } else {
            format!("{low}-{high_text}")
        }
    };
    format!("{}mm f/{}", range(n[0], n[1]), range(n[2], n[3]))
}

/// Degrees from a degrees/minutes/seconds triple (any of them fractional).
pub(crate) fn dms_degrees(raw: &Raw) -> Option<f64> {
    let Raw::Nums(n) = raw else { return None };
    let mut deg = 0.0;
    for (i, part) in n.iter().take(3).enumerate() {
        deg += part.as_f64()? / 60f64.powi(i as i32);
    }
    Some(deg)
}

/// exiftool's ToDMS with its default format: `12 deg 34' 56.78"`.
pub(crate) fn to_dms(degrees: f64) -> String {
    let hundredths = (degrees.abs() * 360_000.0).round() as i64;
    let d = hundredths / 360_000;
    let m = (hundredths % 360_000) / 6_000;
    let s = (hundredths % 6_000) as f64 / 100.0;
    format!("{d} deg {m}' {s:.2}\"")
}

/// exiftool's ConvertTimeStamp: "14:27:07.24", whole seconds without decimals.
fn time_stamp(raw: &Raw) -> Option<String> {
    let Raw::Nums(n) = raw else { return None };
    let mut total = 0.0;
    for (i, part) in n.iter().take(3).enumerate() {
        total += part.as_f64()? * 60f64.powi(2 - i as i32);
    }
    let h = (total / 3600.0).trunc();
    let m = ((total - h * 3600.0) / 60.0).trunc();
    let s = total - h * 3600.0 - m * 60.0;
    let mut secs = format!("{s:012.9}");
    let (mut h, mut m) = (h as i64, m as i64);
    if s >= 59.9999999995 {
        secs = "00".into();
        m += 1;
        if m >= 60 {
            m -= 60;
            h += 1;
        }
    } else {
        secs = secs.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    Some(format!("{h:02}:{m:02}:{secs}"))
}

/// exiftool's DecodeCFAPattern then PrintCFAPattern: two u16 (rows,
/// columns, in the TIFF's byte order, swapped when only that fits), then a
/// colour index per cell, printed "[Red,Green][Green,Blue]".
pub(crate) fn cfa_pattern(bytes: &[u8], little_endian: bool) -> String {
    let mut bytes = bytes.to_vec();
    // some cameras write the pattern as ASCII digits
    if !bytes.is_empty() && bytes.iter().all(|b| (b'0'..=b'6').contains(b)) {
        bytes.iter_mut().for_each(|b| *b -= b'0');
    }
    if bytes.len() < 4 {
        return "<truncated data>".into();
    }
    let word = |at: usize| {
        let pair = [bytes[at], bytes[at + 1]];
        if little_endian {
            u16::from_le_bytes(pair)
        } else {
            u16::from_be_bytes(pair)
        }
    };
    let (mut rows, mut columns) = (word(0) as usize, word(2) as usize);
    let cells = &bytes[4..];
    if rows * columns > cells.len() {
        let (r, c) = (rows as u16, columns as u16);
        let (r, c) = (r.swap_bytes() as usize, c.swap_bytes() as usize);
        if r * c <= cells.len() {
            (rows, columns) = (r, c);
        }
    }
    if rows == 0 || columns == 0 {
        return "<zero pattern size>".into();
    }
    if rows * columns > cells.len() {
        return "<invalid pattern size>".into();
    }
    const COLOURS: [&str; 7] = ["Red", "Green", "Blue", "Cyan", "Magenta", "Yellow", "White"];
    let mut out = String::from("[");
    for (i, &cell) in cells[..rows * columns].iter().enumerate() {
        if i > 0 {
            out.push_str(if i % columns == 0 { "][" } else { "," });
        }
        out.push_str(COLOURS.get(cell as usize).unwrap_or(&"Unknown"));
    }
    out.push(']');
    out
}

/// PhotoMechanic's `Prefs` (IPTC 2:221, XMP-photomech), as exiftool prints
/// it (`IPTC.pm`): the first run of `tagged:colour:rating:frame` becomes
/// `Tagged:1, ColorClass:2, Rating:3, FrameNum:4`, with the whitespace
/// before each number dropped; text around it stays; no run, no change.
/// exiftool's pattern is `\s*(\d+):\s*(\d+):\s*(\d+):\s*(\S*)`, read
/// here at the leftmost start where it matches, as Perl's `s///` does.
pub(crate) fn photo_mechanic_prefs(value: &str) -> String {
    for (start, _) in value.char_indices() {
        if let Some((fields, end)) = prefs_run(&value[start..]) {
            let [tagged, colour, rating, frame] = fields;
            return format!(
                "{}Tagged:{tagged}, ColorClass:{colour}, Rating:{rating}, FrameNum:{frame}{}",
                &value[..start],
                &value[start + end..]
            );
        }
    }
    value.to_string()
}

/// The four fields of a run at the start of `text`, and where it ends.
fn prefs_run(text: &str) -> Option<([&str; 4], usize)> {
    let mut at = 0;
    let mut fields = [""; 4];
    let skip_space = |at: usize| {
        at + text[at..]
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(text.len() - at)
    };
    for field in fields.iter_mut().take(3) {
        at = skip_space(at);
        let digits = text[at..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len() - at);
        if digits == 0 || !text[at + digits..].starts_with(':') {
            return None;
        }
        *field = &text[at..at + digits];
        at += digits + 1;
    }
    at = skip_space(at);
    let frame = text[at..]
        .find(char::is_whitespace)
        .unwrap_or(text.len() - at);
    fields[3] = &text[at..at + frame];
    Some((fields, at + frame))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reals(v: &[f64]) -> Raw {
        Raw::Nums(v.iter().map(|&f| Num::Real(f)).collect())
    }

    #[test]
    fn photo_mechanic_prefs_print_their_first_run_as_exiftool_does() {
        let cases = [
            ("1:2:3:4", "Tagged:1, ColorClass:2, Rating:3, FrameNum:4"),
            (
                "x 12: 3:0:frame b",
                "xTagged:12, ColorClass:3, Rating:0, FrameNum:frame b",
            ),
            ("1:2:3:", "Tagged:1, ColorClass:2, Rating:3, FrameNum:"),
            (
                "a1:2:3:4 5:6:7:8",
                "aTagged:1, ColorClass:2, Rating:3, FrameNum:4 5:6:7:8",
            ),
            ("1:2:three", "1:2:three"),
            ("", ""),
        ];
        for (raw, printed) in cases {
            assert_eq!(photo_mechanic_prefs(raw), printed, "{raw:?}");
        }
    }

    #[test]
    fn numbers_print_with_ten_significant_digits() {
        assert_eq!(format_g(5.2791225423, 10), "5.279122542");
        assert_eq!(format_g(72.0, 10), "72");
        assert_eq!(format_g(0.26015625, 10), "0.26015625");
        assert_eq!(format_g(1.5e-7, 10), "1.5e-07");
    }

    #[test]
    fn exposure_values_print_like_exiftool() {
        assert_eq!(Conv::ExposureTime.apply(&reals(&[1.0 / 200.0])), "1/200");
        assert_eq!(Conv::ExposureTime.apply(&reals(&[2.5])), "2.5");
        assert_eq!(Conv::ExposureTime.apply(&reals(&[1.0])), "1");
        assert_eq!(Conv::ApexShutter.apply(&reals(&[7.625])), "1/197");
        assert_eq!(Conv::ApexAperture.apply(&reals(&[7.625])), "14.1");
        assert_eq!(Conv::FNumber.apply(&reals(&[0.64])), "0.64");
        assert_eq!(Conv::Fraction.apply(&reals(&[-0.65])), "-0.65");
        assert_eq!(Conv::Fraction.apply(&reals(&[1.0 / 3.0])), "+1/3");
        assert_eq!(Conv::Fraction.apply(&reals(&[0.0])), "0");
    }

    #[test]
    fn gps_parts_print_like_exiftool() {
        assert_eq!(
            to_dms(48.0 + 51.0 / 60.0 + 30.24 / 3600.0),
            "48 deg 51' 30.24\""
        );
        assert_eq!(
            Conv::TimeStamp.apply(&reals(&[14.0, 27.0, 7.24])),
            "14:27:07.24"
        );
        assert_eq!(
            Conv::TimeStamp.apply(&reals(&[7.0, 59.0, 48.0])),
            "07:59:48"
        );
    }

    #[test]
    fn lens_info_marks_unknown_parts_and_drops_empty_ranges() {
        let raw = Raw::Nums(vec![
            Num::Real(18.0),
            Num::Real(55.0),
            Num::Undef,
            Num::Undef,
        ]);
        assert_eq!(Conv::LensInfo.apply(&raw), "18-55mm f/?");
        let raw = Raw::Nums(vec![
            Num::Real(24.0),
            Num::Real(70.0),
            Num::Real(0.0),
            Num::Real(0.0),
        ]);
        assert_eq!(Conv::LensInfo.apply(&raw), "24-70mm f/0");
    }

    #[test]
    fn cfa_patterns_print_like_exiftool() {
        assert_eq!(
            cfa_pattern(&[0, 2, 0, 2, 0, 1, 1, 2], false),
            "[Red,Green][Green,Blue]"
        );
        // byte order that only fits swapped
        assert_eq!(cfa_pattern(&[0, 2, 0, 1, 0, 9], true), "[Red][Unknown]");
        assert_eq!(
            cfa_pattern(&[0, 0, 0, 2, 1, 1], false),
            "<zero pattern size>"
        );
        assert_eq!(
            cfa_pattern(&[0, 3, 0, 3, 1], false),
            "<invalid pattern size>"
        );
        assert_eq!(cfa_pattern(&[7], false), "<truncated data>");
    }

    #[test]
    fn windows_xp_tags_are_utf16() {
        let raw = Raw::Nums(
            "Hé"
                .encode_utf16()
                .flat_map(|u| u.to_le_bytes())
                .map(|b| Num::Int(b as i64))
                .collect(),
        );
        assert_eq!(Conv::Utf16Le.apply(&raw), "Hé");
    }

    #[test]
    fn user_comment_decodes_its_character_code() {
        assert_eq!(encoded_text(b"ASCII\0\0\0hello   "), "hello");
        assert_eq!(encoded_text(b"UNICODE\0\0h\0i"), "hi");
        assert_eq!(encoded_text(b"\0\0\0\0\0\0\0\0\0\0\0"), "");
    }
}
