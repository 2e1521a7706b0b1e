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

/// Prints `raw` as exiftool prints the tag: a functional conversion, else the
/// tag's PrintConv hash, else the plain value.
pub(crate) fn print<K>(tag: &Tag<K>, raw: &Raw) -> String {
    if let Some(conv) = functional(tag.name) {
        return conv.apply(raw);
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
    fn tags_exiftool_hides_are_not_shown() {
        // ExifIFD and GPS pointers are directories; the MakerNote handled apart.
        assert!(main_tag(0x8769).is_none());
        assert!(main_tag(0x8825).is_none());
    }
}
