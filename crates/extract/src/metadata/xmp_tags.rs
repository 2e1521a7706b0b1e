//! exiftool's names and printed values for XMP properties
//! (Image::ExifTool::XMP and its namespace tables).
//!
//! A property's tag name is its local name with the first letter upper-cased,
//! except where exiftool renames it ([`RENAMED`]). Structure fields are
//! flattened as parent name + field name, where either part may have an
//! exiftool "FlatName" ([`FLAT_NAMES`]). Namespaces that mirror Exif
//! (`exif:`, `tiff:`, `aux:`, `exifEX:`) print through the Exif conversions.

use super::exif_tags::conv_by_name;
use super::iptc::urgency;
use super::print::{to_dms, Conv, Raw};
use super::Priority;

pub(crate) const NS_RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
pub(crate) const NS_XML: &str = "http://www.w3.org/XML/1998/namespace";
pub(crate) const NS_X: &str = "adobe:ns:meta/";
const NS_EXIF: &str = "http://ns.adobe.com/exif/1.0/";
const NS_EXIF_EX: &str = "http://cipa.jp/exif/1.0/";
const NS_TIFF: &str = "http://ns.adobe.com/tiff/1.0/";
const NS_AUX: &str = "http://ns.adobe.com/exif/1.0/aux/";
const NS_PHOTOSHOP: &str = "http://ns.adobe.com/photoshop/1.0/";
const NS_IPTC_CORE: &str = "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/";
const NS_MWG_RS: &str = "http://www.metadataworkinggroup.com/schemas/regions/";
const NS_XMP: &str = "http://ns.adobe.com/xap/1.0/";
const NS_DC: &str = "http://purl.org/dc/elements/1.1/";
const NS_CRS: &str = "http://ns.adobe.com/camera-raw-settings/1.0/";
const NS_MICROSOFT_PHOTO: &str = "http://ns.microsoft.com/photo/1.0/";
const NS_IPTC_EXT: &str = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/";
const NS_GDEPTH: &str = "http://ns.google.com/photos/1.0/depthmap/";

/// Namespaces exiftool reads at priority 0 ("not as reliable as actual EXIF
/// tags"): their values never replace a tag of the same name from elsewhere.
const LOW_PRIORITY_NAMESPACES: &[&str] = &[NS_TIFF, NS_EXIF, NS_EXIF_EX, NS_GDEPTH];

/// Single properties exiftool marks `Priority => 0` or `Avoid => 1`.
const LOW_PRIORITY_PROPERTIES: &[(&str, &str)] = &[
    (NS_XMP, "CreateDate"),
    (NS_XMP, "ModifyDate"),
    (NS_XMP, "Identifier"),
    (NS_DC, "source"),
    (NS_CRS, "Contrast"),
    (NS_CRS, "Saturation"),
    (NS_CRS, "Sharpness"),
    (NS_CRS, "WhiteBalance"),
    (NS_CRS, "Description"),
    (NS_CRS, "Copyright"),
    (NS_AUX, "LensInfo"),
    (NS_AUX, "OwnerName"),
    (NS_AUX, "SerialNumber"),
    (NS_AUX, "LensSerialNumber"),
    (NS_AUX, "LensID"),
    (NS_IPTC_EXT, "Headline"),
    (NS_MICROSOFT_PHOTO, "Rating"),
];

/// Whether a top-level property only fills names no other block set.
pub(crate) fn property_priority(ns: &str, local: &str) -> Priority {
    let low = LOW_PRIORITY_NAMESPACES.iter().any(|n| same_ns(n, ns))
        || LOW_PRIORITY_PROPERTIES
            .iter()
            .any(|(n, l)| same_ns(n, ns) && *l == local);
    if low {
        Priority::Low
    } else {
        Priority::Normal
    }
}

/// Properties exiftool names differently from their local name.
const RENAMED: &[(&str, &str, &str)] = &[
    (NS_EXIF, "PixelXDimension", "ExifImageWidth"),
    (NS_EXIF, "PixelYDimension", "ExifImageHeight"),
    (NS_EXIF, "ISOSpeedRatings", "ISO"),
    (NS_EXIF, "GPSTimeStamp", "GPSDateTime"),
    (NS_EXIF, "ExposureBiasValue", "ExposureCompensation"),
    (NS_EXIF, "FocalLengthIn35mmFilm", "FocalLengthIn35mmFormat"),
    (NS_EXIF, "SubjectDistance", "SubjectDistance"),
    (NS_EXIF_EX, "PhotographicSensitivity", "ISO"),
    (NS_EXIF_EX, "BodySerialNumber", "SerialNumber"),
    (NS_TIFF, "ImageLength", "ImageHeight"),
    (NS_TIFF, "DateTime", "ModifyDate"),
    (NS_PHOTOSHOP, "ICCProfile", "ICCProfileName"),
    (NS_CRS, "Temperature", "ColorTemperature"),
    (NS_MICROSOFT_PHOTO, "Rating", "RatingPercent"),
    (NS_MWG_RS, "Regions", "RegionInfo"),
];

/// exiftool FlatNames: the part a structure or field contributes to a
/// flattened tag name when it differs from the upper-cased local name.
const FLAT_NAMES: &[(&str, &str, &str)] = &[
    (NS_IPTC_CORE, "CreatorContactInfo", "Creator"),
    (NS_IPTC_CORE, "CiAdrCity", "City"),
    (NS_IPTC_CORE, "CiAdrCtry", "Country"),
    (NS_IPTC_CORE, "CiAdrExtadr", "Address"),
    (NS_IPTC_CORE, "CiAdrPcode", "PostalCode"),
    (NS_IPTC_CORE, "CiAdrRegion", "Region"),
    (NS_IPTC_CORE, "CiEmailWork", "WorkEmail"),
    (NS_IPTC_CORE, "CiTelWork", "WorkTelephone"),
    (NS_IPTC_CORE, "CiUrlWork", "WorkURL"),
    (NS_PHOTOSHOP, "TextLayers", "TextLayer"),
    (NS_PHOTOSHOP, "LayerName", "Name"),
    (NS_PHOTOSHOP, "LayerText", "Text"),
    (NS_MWG_RS, "Regions", "Region"),
    (NS_MWG_RS, "RegionList", ""),
];

fn upper_first(local: &str) -> String {
    let mut chars = local.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// Namespace URIs compare without a trailing slash: writers differ on it
/// ("http://ns.microsoft.com/photo/1.0" vs ".../1.0/").
fn same_ns(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

fn find<'t>(table: &'t [(&str, &str, &str)], ns: &str, local: &str) -> Option<&'t str> {
    table
        .iter()
        .find(|(n, l, _)| same_ns(n, ns) && *l == local)
        .map(|(_, _, name)| *name)
}

/// The tag name of a top-level property.
pub(crate) fn tag_name(ns: &str, local: &str) -> String {
    find(RENAMED, ns, local).map_or_else(|| upper_first(local), str::to_string)
}

/// The part a structure (or one of its fields) contributes to a flattened name.
pub(crate) fn flat_name(ns: &str, local: &str) -> String {
    find(FLAT_NAMES, ns, local).map_or_else(|| upper_first(local), str::to_string)
}

/// Whether values of this namespace print through the Exif conversions.
fn mirrors_exif(ns: &str) -> bool {
    matches!(ns, NS_EXIF | NS_EXIF_EX | NS_TIFF | NS_AUX)
}

const COLOR_MODE: &[(&str, &str)] = &[
    ("0", "Bitmap"),
    ("1", "Grayscale"),
    ("2", "Indexed"),
    ("3", "RGB"),
    ("4", "CMYK"),
    ("7", "Multichannel"),
    ("8", "Duotone"),
    ("9", "Lab"),
];
const FLASH_RETURN: &[(&str, &str)] = &[
    ("0", "No return detection"),
    ("2", "Return not detected"),
    ("3", "Return detected"),
];
const FLASH_MODE: &[(&str, &str)] = &[("0", "Unknown"), ("1", "On"), ("2", "Off"), ("3", "Auto")];

/// The printed value of one XMP value of tag `name` in namespace `ns` (the
/// namespace of the top-level property).
pub(crate) fn print_value(ns: &str, name: &str, value: &str) -> String {
    let lookup = |table: &[(&str, &str)]| {
        table
            .iter()
            .find(|(k, _)| *k == value.trim())
            .map_or_else(|| value.to_string(), |(_, v)| v.to_string())
    };
    match (ns, name) {
        (NS_PHOTOSHOP, "ColorMode") => return lookup(COLOR_MODE),
        (NS_PHOTOSHOP, "Urgency") => return urgency(value),
        (NS_EXIF, "FlashReturn") => return lookup(FLASH_RETURN),
        (NS_EXIF, "FlashMode") => return lookup(FLASH_MODE),
        _ => {}
    }
    if let Some(date) = xmp_date(value) {
        return date;
    }
    if mirrors_exif(ns) {
        if let Some(position) = name.strip_prefix("GPS").and_then(|_| xmp_coordinate(value)) {
            return position;
        }
        match conv_by_name(name) {
            // Versions are digit strings ("0230") in XMP, already as printed.
            Some(Conv::Version) => return value.to_string(),
            Some(conv) if !matches!(conv, Conv::Plain) => {
                return conv.apply(&Raw::parse_text(value))
            }
            _ => {}
        }
        // Rational-typed properties read as numbers ("72009/1000" -> 72.009);
        // other text stays as written ("042033006980" is a serial number).
        if value.contains('/') {
            if let raw @ Raw::Nums(_) = Raw::parse_text(value) {
                return raw.plain();
            }
        }
    }
    value.to_string()
}

/// exiftool's ConvertXMPDate: ISO 8601 to Exif style, "2010-04-13T09:37:22+02:00"
/// -> "2010:04:13 09:37:22+02:00"; missing seconds become ":00".
fn xmp_date(value: &str) -> Option<String> {
    let b = value.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    if !digits(0..4) {
        return None;
    }
    if b.len() >= 16
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
    {
        if !(digits(11..13) && b[13] == b':' && digits(14..16)) {
            return None;
        }
        let rest = &value[16..];
        let (seconds, zone) = match rest.strip_prefix(':') {
            Some(r) if r.len() >= 2 && r.as_bytes()[..2].iter().all(u8::is_ascii_digit) => {
                (&rest[..3], &rest[3..])
            }
            _ => (":00", rest),
        };
        if zone.contains(char::is_whitespace) {
            return None;
        }
        return Some(format!(
            "{}:{}:{} {}{seconds}{zone}",
            &value[..4],
            &value[5..7],
            &value[8..10],
            &value[11..16]
        ));
    }
    // "2019", "2019-09", "2019-09-02"
    let date_only = match b.len() {
        4 => true,
        7 => b[4] == b'-' && digits(5..7),
        10 => b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10),
        _ => false,
    };
    date_only.then(|| value.replace('-', ":"))
}

/// XMP GPS coordinates, "DDD,MM.mmk" or "DDD,MM,SSk", as exiftool prints them.
fn xmp_coordinate(value: &str) -> Option<String> {
    let (degrees, hemisphere) = xmp_coordinate_parts(value)?;
    Some(format!("{} {hemisphere}", to_dms(degrees)))
}

/// Unsigned degrees and hemisphere letter of an XMP GPS coordinate.
pub(crate) fn xmp_coordinate_parts(value: &str) -> Option<(f64, char)> {
    let value = value.trim();
    let hemisphere = value.chars().last().filter(|c| "NSEW".contains(*c))?;
    let parts: Vec<f64> = value[..value.len() - 1]
        .split(',')
        .map(|p| p.trim().parse().ok())
        .collect::<Option<_>>()?;
    let degrees = match parts[..] {
        [d, m] => d + m / 60.0,
        [d, m, s] => d + m / 60.0 + s / 3600.0,
        _ => return None,
    };
    Some((degrees, hemisphere))
}

/// Whether a property is one of the Exif GPS tags carried in XMP (`exif:GPS*`).
pub(crate) fn is_exif_gps(ns: &str, name: &str) -> bool {
    same_ns(ns, NS_EXIF) && name.starts_with("GPS")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_print_in_exif_style() {
        assert_eq!(
            xmp_date("2010-04-13T09:37:22+02:00").unwrap(),
            "2010:04:13 09:37:22+02:00"
        );
        assert_eq!(
            xmp_date("2012-08-27T15:37:28Z").unwrap(),
            "2012:08:27 15:37:28Z"
        );
        assert_eq!(
            xmp_date("2010-12-14T16:26+01:00").unwrap(),
            "2010:12:14 16:26:00+01:00"
        );
        assert_eq!(xmp_date("2019-09-02").unwrap(), "2019:09:02");
        assert_eq!(xmp_date("2019 was a year"), None);
    }

    #[test]
    fn exif_mirrors_print_like_exif() {
        assert_eq!(
            print_value(NS_TIFF, "Orientation", "1"),
            "Horizontal (normal)"
        );
        assert_eq!(print_value(NS_TIFF, "XResolution", "72009/1000"), "72.009");
        assert_eq!(
            print_value(NS_AUX, "LensInfo", "24/1 70/1 0/0 0/0"),
            "24-70mm f/?"
        );
        assert_eq!(
            print_value(NS_EXIF, "GPSLatitude", "54,59.38N"),
            "54 deg 59' 22.80\" N"
        );
        assert_eq!(print_value(NS_PHOTOSHOP, "ColorMode", "3"), "RGB");
        // crs: values are strings exiftool leaves alone
        assert_eq!(
            print_value(
                "http://ns.adobe.com/camera-raw-settings/1.0/",
                "Contrast",
                "+25"
            ),
            "+25"
        );
    }

    #[test]
    fn names_follow_exiftool() {
        assert_eq!(tag_name(NS_EXIF, "PixelXDimension"), "ExifImageWidth");
        assert_eq!(
            tag_name("http://purl.org/dc/elements/1.1/", "creator"),
            "Creator"
        );
        assert_eq!(flat_name(NS_IPTC_CORE, "CiAdrCity"), "City");
    }
}
