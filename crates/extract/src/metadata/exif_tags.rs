//! How Exif and GPS tags are named and printed. Names, formats and PrintConv
//! hashes come from exiftool's Exif::Main and GPS::Main tables
//! ([`super::generated`]); what remains here are exiftool's functional print
//! conversions (Perl code in those tables), by tag name.

use super::generated::{EXIF, GPS};
use super::print::{Conv, Num, Raw};
use super::tables::{by_id, by_name, Tag};

/// The shown tag of `id` in the main Exif table (IFD0, IFD1, ExifIFD, InteropIFD).
pub(crate) fn main_tag(id: u16) -> Option<&'static Tag<u32>> {
    by_id(EXIF, id.into()).filter(|t| t.shown())
}

/// The shown tag of `id` in the GPS table.
pub(crate) fn gps_tag(id: u16) -> Option<&'static Tag<u32>> {
    by_id(GPS, id.into()).filter(|t| t.shown())
}

/// The Exif or GPS tag called `name`, for XMP properties that mirror Exif
/// tags (XMP-exif, XMP-tiff, XMP-aux print through the same conversions).
pub(crate) fn by_exif_name(name: &str) -> Option<&'static Tag<u32>> {
    by_name(EXIF, name).or_else(|| by_name(GPS, name))
}

/// exiftool's print conversions written as Perl code rather than a hash.
pub(crate) fn functional(name: &str) -> Option<Conv> {
    use Conv::*;
    Some(match name {
        "ExposureTime" => ExposureTime,
        "ShutterSpeedValue" => ApexShutter,
        "ApertureValue" | "MaxApertureValue" => ApexAperture,
        "FNumber" => FNumber,
        "FocalLength" => FocalLength,
        "FocalLengthIn35mmFormat" => Millimetres,
        "SubjectDistance" => Metres,
        "ExposureCompensation" => Fraction,
        "ExifVersion" | "FlashpixVersion" | "InteropVersion" => Version,
        "ComponentsConfiguration" => ComponentsConfiguration,
        "UserComment" | "GPSProcessingMethod" | "GPSAreaInformation" => EncodedText,
        "LensInfo" => LensInfo,
        "GPSVersionID" => Dotted,
        "GPSLatitude" | "GPSLongitude" | "GPSDestLatitude" | "GPSDestLongitude" => Dms,
        "GPSTimeStamp" => TimeStamp,
        "GPSAltitude" | "GPSHPositioningError" => Metres,
        "XPTitle" | "XPComment" | "XPAuthor" | "XPKeywords" | "XPSubject" => Utf16Le,
        _ => return None,
    })
}

/// Tags whose PrintConv hash applies to each value of a list in turn.
const EACH_VALUE: &[&str] = &["SampleFormat"];

/// The bytes of a raw value (undefined bytes, or a list of byte values).
fn raw_bytes(raw: &Raw) -> Vec<u8> {
    match raw {
        Raw::Bytes(b) => b.clone(),
        Raw::Nums(n) => n
            .iter()
            .filter_map(|n| n.as_int())
            .map(|i| i as u8)
            .collect(),
        Raw::Text(t) => t.as_bytes().to_vec(),
    }
}

/// exiftool's ValueConv, for the shapes of Perl code its Exif tables use
/// (matched by the code itself, so every tag written the same way is served).
/// `None`: exiftool shows the value as binary data, not a printable value.
pub(crate) fn value_conv<K>(tag: &Tag<K>, raw: Raw) -> Option<Raw> {
    // The table's Format wins over the type the file gives the value.
    let raw = match (tag.read, raw) {
        ("int8u", Raw::Bytes(b)) => Raw::Nums(b.into_iter().map(|b| Num::Int(b.into())).collect()),
        (_, raw) => raw,
    };
    let code = tag.conv;
    if code.is_empty() {
        return Some(raw);
    }
    // length($val) > N ? \$val : $val  -- long values become binary
    if let Some(rest) = code.strip_prefix("length($val) > ") {
        let limit: usize = rest.split_whitespace().next()?.parse().ok()?;
        return (raw.plain().len() <= limit).then_some(raw);
    }
    Some(match code {
        // a "Label: value" prefix written by the camera is dropped (greedy: up to the last ": ")
        "$val=~s/^.*: //;$val" => {
            let text = raw.plain();
            let first_line_end = text.find('\n').unwrap_or(text.len());
            match text[..first_line_end].rfind(": ") {
                Some(at) => Raw::Text(text[at + 2..].to_string()),
                None => Raw::Text(text),
            }
        }
        "$val=~s/ +$//; $val" => Raw::Text(raw.plain().trim_end_matches(' ').to_string()),
        "unpack(\"H*\", $val)" => Raw::Text(hex::encode(raw_bytes(&raw))),
        "uc(unpack(\"H*\",$val))" => Raw::Text(hex::encode_upper(raw_bytes(&raw))),
        _ => raw,
    })
}

/// exiftool's PrintConv for the shapes of Perl code its tables use, matched
/// by the code: `"$val C"` templates, `tr/ /./`, list separators, rounding.
fn print_code<K>(tag: &Tag<K>, raw: &Raw) -> Option<String> {
    let code = tag.print;
    if code.is_empty() {
        return None;
    }
    let plain = raw.plain();
    // "$val mm", "${val} m" templates (the value may be inf/undef first)
    let template = code
        .strip_prefix("$val =~ /^(inf|undef)$/ ? $val : ")
        .map(|t| (t, true))
        .unwrap_or((code, false));
    if let Some(body) = template
        .0
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
    {
        if template.1 && matches!(plain.as_str(), "inf" | "undef" | "-inf") {
            return Some(plain);
        }
        if !body.contains('"') && body.matches('$').count() == 1 {
            return Some(body.replace("${val}", &plain).replace("$val", &plain));
        }
    }
    match code {
        // control and non-ASCII bytes (of the UTF-8 text) shown as dots, NULs dropped
        "$self->Printable($val, 0)" => Some(
            plain
                .bytes()
                .filter(|&b| b != 0)
                .map(|b| {
                    if (0x20..0x7f).contains(&b) {
                        b as char
                    } else {
                        '.'
                    }
                })
                .collect(),
        ),
        "$val =~ tr/ /./; $val" => Some(plain.replace(' ', ".")),
        "$val=~s/\\s+/, /g; $val" => Some(plain.split_whitespace().collect::<Vec<_>>().join(", ")),
        "int($val * 1000 + 0.5) / 1000" => {
            let v: f64 = plain.trim().parse().ok()?;
            Some(super::print::format_g(
                (v * 1000.0 + 0.5).floor() / 1000.0,
                15,
            ))
        }
        "join(\"-\", map { sprintf(\"%.2f\",$_) } split \" \", $val)" => Some(
            plain
                .split_whitespace()
                .map(|p| {
                    p.parse::<f64>()
                        .map(|v| format!("{v:.2}"))
                        .unwrap_or(p.to_string())
                })
                .collect::<Vec<_>>()
                .join("-"),
        ),
        _ => None,
    }
}

/// Prints `raw` as exiftool prints the tag: a functional conversion, else the
/// tag's PrintConv code or hash, else the plain value.
pub(crate) fn print<K>(tag: &Tag<K>, raw: &Raw) -> String {
    if let Some(conv) = functional(tag.name) {
        return conv.apply(raw);
    }
    if let Some(printed) = print_code(tag, raw) {
        return printed;
    }
    if tag.values.is_empty() {
        return raw.plain();
    }
    if EACH_VALUE.contains(&tag.name) {
        if let Raw::Nums(nums) = raw {
            let each: Vec<String> = nums
                .iter()
                .map(|n| tag.lookup(&n.plain()).unwrap_or_default())
                .collect();
            return each.join("; ");
        }
    }
    let key = match raw {
        // An undefined byte that codes a value (FileSource, SceneType).
        Raw::Bytes(b) if b.len() == 1 => b[0].to_string(),
        Raw::Nums(n) if n.iter().all(|n| matches!(n, Num::Int(_) | Num::Real(_))) => raw.plain(),
        _ => raw.plain().trim().to_string(),
    };
    tag.lookup(&key).unwrap_or_else(|| raw.plain())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints(v: &[i64]) -> Raw {
        Raw::Nums(v.iter().map(|&i| Num::Int(i)).collect())
    }

    #[test]
    fn hashes_come_from_exiftool_and_functions_from_here() {
        let orientation = main_tag(0x112).unwrap();
        assert_eq!(print(orientation, &ints(&[6])), "Rotate 90 CW");
        assert_eq!(print(orientation, &ints(&[42])), "Unknown (42)");
        let subsampling = main_tag(0x212).unwrap();
        assert_eq!(print(subsampling, &ints(&[2, 1])), "YCbCr4:2:2 (2 1)");
        let source = main_tag(0xa300).unwrap();
        assert_eq!(print(source, &Raw::Bytes(vec![3])), "Digital Camera");
        let lat_ref = gps_tag(1).unwrap();
        assert_eq!(print(lat_ref, &Raw::Text("S".into())), "South");
        assert_eq!(print(lat_ref, &Raw::Text("X".into())), "Unknown (X)");
        let exposure = main_tag(0x829a).unwrap();
        assert_eq!(print(exposure, &Raw::Nums(vec![Num::Real(0.004)])), "1/250");
        let formats = main_tag(0x153).unwrap();
        assert_eq!(print(formats, &ints(&[1, 3])), "Unsigned; Float");
    }

    #[test]
    fn value_and_print_code_shapes_convert_like_exiftool() {
        let text = |t: &str| Raw::Text(t.into());
        let by = |name: &str| by_name(EXIF, name).unwrap();
        let lens = value_conv(by("Lens"), text("Lens: 24-70mm")).unwrap();
        assert_eq!(print(by("Lens"), &lens), "24-70mm");
        let digest = value_conv(by("RawImageDigest"), Raw::Bytes(vec![0x3c, 0x0a])).unwrap();
        assert_eq!(digest.plain(), "3c0a");
        let id = value_conv(by("RawDataUniqueID"), Raw::Bytes(vec![0x3c, 0x0a])).unwrap();
        assert_eq!(id.plain(), "3C0A");
        assert_eq!(print(by("AmbientTemperature"), &ints(&[7])), "7 C");
        assert_eq!(print(by("ISO"), &ints(&[100, 200])), "100, 200");
        assert_eq!(print(by("DNGVersion"), &ints(&[1, 4, 0, 0])), "1.4.0.0");
        assert_eq!(print(by("TStop"), &ints(&[7])), "7.00");
        assert_eq!(print(by("LocalizedCameraModel"), &text("Ü✓ x")), "..... x");
        assert!(value_conv(by("BlackLevelDeltaH"), ints(&[1; 40])).is_none());
    }

    #[test]
    fn tags_exiftool_hides_are_not_shown() {
        // ExifIFD and GPS pointers are directories; the MakerNote handled apart.
        assert!(main_tag(0x8769).is_none());
        assert!(main_tag(0x8825).is_none());
    }
}
