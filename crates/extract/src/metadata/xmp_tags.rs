//! exiftool's names and printed values for XMP properties, from its XMP
//! tag tables ([`super::generated`]: every namespace exiftool knows, with
//! structure fields flattened into tag ids, e.g. crs:RetouchAreas/crs:Masks/
//! crs:What -> `RetouchAreasMasksWhat` -> `RetouchAreaMaskWhat`).
//!
//! What is not in the tables is named the way exiftool names it: a field of a
//! known structure after the structure's flat name, anything else after its
//! path of upper-cased local names; both at priority 0, with exiftool's
//! automatic rational and date conversion.

use std::borrow::Cow;

use super::exif_tags::{by_exif_name, functional};
use super::print::{format_g, to_dms, Conv, Raw};
use super::tables::{by_key, xmp_namespace, Tag, XmpNamespace, LOW_PRIORITY, STRUCT};
use super::Priority;

pub(crate) const NS_RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
pub(crate) const NS_XML: &str = "http://www.w3.org/XML/1998/namespace";
pub(crate) const NS_X: &str = "adobe:ns:meta/";

/// Namespaces whose values print through the Exif conversions.
const EXIF_MIRRORS: &[&str] = &["exif", "exifEX", "tiff", "aux"];

/// A leaf's tag: its exiftool name, definition when exiftool knows it, and priority.
#[derive(Debug)]
pub(crate) struct Resolved {
    pub name: String,
    pub tag: Option<&'static Tag<&'static str>>,
    pub namespace: Option<&'static XmpNamespace>,
    pub priority: Priority,
}

fn upper_first(local: &str) -> String {
    let mut chars = local.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// exiftool's name part for one property (GetXMPTagID): a local name
/// without a lower-case letter, unless its namespace defines it so, is
/// lower-cased with `_x` becoming `X` ("GPS_POS_X" -> "gpsPosX"), since
/// "all uppercase is ugly".
fn name_part<'a>(ns: &str, local: &'a str) -> Cow<'a, str> {
    if local.bytes().any(|b| b.is_ascii_lowercase())
        || xmp_namespace(ns).is_some_and(|n| by_key(n.tags, local).is_some())
    {
        return Cow::Borrowed(local);
    }
    let lower = local.to_lowercase();
    let mut part = String::with_capacity(lower.len());
    let mut chars = lower.chars().peekable();
    while let Some(c) = chars.next() {
        match chars.peek() {
            Some(&next) if c == '_' && next.is_ascii_lowercase() => {
                part.push(next.to_ascii_uppercase());
                chars.next();
            }
            _ => part.push(c),
        }
    }
    Cow::Owned(part)
}

/// exiftool's tag id of a property path: the first name part, then each
/// field's name part upper-cased.
fn path_id<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut id = String::new();
    for (i, part) in parts.into_iter().enumerate() {
        if i == 0 {
            id.push_str(part);
        } else {
            id.push_str(&upper_first(part));
        }
    }
    id
}

/// Names the leaf at `path` (namespace URI, local name) from the top-level property down.
pub(crate) fn resolve(path: &[(&str, &str)]) -> Resolved {
    let parts: Vec<Cow<'_, str>> = path.iter().map(|(ns, l)| name_part(ns, l)).collect();
    let parts: Vec<&str> = parts.iter().map(|p| p.as_ref()).collect();
    let namespace = path.first().and_then(|(ns, _)| xmp_namespace(ns));
    let unknown = |name: String| Resolved {
        name,
        tag: None,
        namespace,
        priority: Priority::Low,
    };
    let Some(ns) = namespace else {
        return unknown(upper_first(&path_id(parts)));
    };
    if let Some(tag) = by_key(ns.tags, &path_id(parts.iter().copied())) {
        let low = ns.low_priority || tag.has(LOW_PRIORITY);
        return Resolved {
            name: tag.name.to_string(),
            tag: Some(tag),
            namespace,
            priority: if low { Priority::Low } else { Priority::Normal },
        };
    }
    // An unknown field of a known structure: the innermost structure's flat name first.
    for depth in (0..parts.len().saturating_sub(1)).rev() {
        let id = path_id(parts[..=depth].iter().copied());
        if let Some(structure) = by_key(ns.tags, &id).filter(|t| is_structure(t)) {
            let rest = path_id(parts[depth + 1..].iter().copied());
            return unknown(format!(
                "{}{}",
                flat_prefix(ns.tags, structure, depth > 0),
                upper_first(&rest)
            ));
        }
    }
    unknown(upper_first(&path_id(parts)))
}

/// Whether a table entry is a structure. The flattened entries of nested
/// structures carry exiftool's writable type "struct" but not the Struct
/// flag (the generator reads flags from the unflattened tables).
fn is_structure(tag: &Tag<&'static str>) -> bool {
    tag.has(STRUCT) || tag.format == "struct"
}

/// How many of a structure's flattened fields [`flat_prefix`] looks at.
const PREFIX_PROBES: usize = 8;

/// The prefix of a structure's flattened field names (exiftool's FlatName,
/// else its Name). A nested structure's FlatName is not in the generated
/// table, so it is read off its known fields instead: a field whose name
/// ends with its own id part (`RegionsRegionListName` -> `RegionName`)
/// names the prefix (`Region`).
fn flat_prefix(
    table: &'static [Tag<&'static str>],
    structure: &Tag<&'static str>,
    nested: bool,
) -> String {
    if !structure.flat.is_empty() || !nested {
        return if structure.flat.is_empty() {
            structure.name
        } else {
            structure.flat
        }
        .to_string();
    }
    let first = table.partition_point(|t| t.id <= structure.id);
    table[first..]
        .iter()
        .take_while(|t| t.id.starts_with(structure.id))
        .take(PREFIX_PROBES)
        .find_map(|t| t.name.strip_suffix(&t.id[structure.id.len()..]))
        .unwrap_or(structure.name)
        .to_string()
}

/// The printed value of one XMP leaf.
pub(crate) fn print_value(resolved: &Resolved, value: &str) -> String {
    let Some(tag) = resolved.tag else {
        // exiftool's XMPAutoConv for tags it does not know.
        return rational(value)
            .unwrap_or_else(|| xmp_date(value, true).unwrap_or_else(|| value.to_string()));
    };
    let mirrors_exif = resolved
        .namespace
        .is_some_and(|ns| EXIF_MIRRORS.contains(&ns.prefix));
    if mirrors_exif {
        if matches!(
            tag.name,
            "GPSLatitude" | "GPSLongitude" | "GPSDestLatitude" | "GPSDestLongitude"
        ) {
            if let Some(position) = xmp_coordinate(value) {
                return position;
            }
        }
        match functional(tag.name) {
            // Versions ("0230"), encoded and UCS-2 text, dotted ids: XMP
            // stores them as the text exiftool prints.
            Some(Conv::Version | Conv::EncodedText | Conv::Dotted | Conv::Utf16Le) => {
                return value.to_string()
            }
            Some(conv) if by_exif_name(tag.name).is_some() => {
                return conv.apply(&Raw::parse_text(value))
            }
            _ => {}
        }
    }
    if tag.name == "Prefs" {
        return super::print::photo_mechanic_prefs(value);
    }
    let value = match tag.format {
        "rational" => rational(value).unwrap_or_else(|| value.to_string()),
        "date" => xmp_date(value, false).unwrap_or_else(|| value.to_string()),
        _ => value.to_string(),
    };
    tag.lookup(value.trim()).unwrap_or(value)
}

/// exiftool's ConvertRational: an exact "n/d" becomes its quotient
/// (printed as Perl prints a number), "inf" or "undef".
fn rational(value: &str) -> Option<String> {
    let (n, d) = value.split_once('/')?;
    let digits = |s: &str| {
        let s = s.strip_prefix('-').unwrap_or(s);
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !(digits(n) && digits(d)) {
        return None;
    }
    let (n, d): (f64, f64) = (n.parse().ok()?, d.parse().ok()?);
    Some(if d != 0.0 {
        format_g(n / d, 15)
    } else if n != 0.0 {
        "inf".into()
    } else {
        "undef".into()
    })
}

/// exiftool's ConvertXMPDate: ISO 8601 to Exif style, "2010-04-13T09:37:22+02:00"
/// -> "2010:04:13 09:37:22+02:00" (seconds stay missing when they are);
/// unless `unsure`, any other value that starts with a year has its dashes
/// turned into colons ("2019-09" -> "2019:09"). `None` when it is left alone.
fn xmp_date(value: &str, unsure: bool) -> Option<String> {
    let b = value.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    if !digits(0..4) {
        return None;
    }
    let date_time = b.len() >= 16
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && matches!(b[10], b'T' | b' ')
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16);
    if date_time {
        let rest = &value[16..];
        let (seconds, zone) = match rest.as_bytes() {
            [b':', s1, s2, ..] if s1.is_ascii_digit() && s2.is_ascii_digit() => rest.split_at(3),
            _ => ("", rest),
        };
        let zone = zone.trim_start_matches(|c: char| c.is_ascii_whitespace());
        if !zone.contains(|c: char| c.is_ascii_whitespace()) {
            return Some(format!(
                "{}:{}:{} {}{seconds}{zone}",
                &value[..4],
                &value[5..7],
                &value[8..10],
                &value[11..16]
            ));
        }
    }
    (!unsure).then(|| value.replace('-', ":"))
}

/// exiftool's StandardLangCase for a language alternative's `xml:lang`:
/// lower case, but a two-letter second subtag upper case ("DE-de" -> "de-DE").
pub(crate) fn standard_lang_case(lang: &str) -> String {
    let lower = lang.to_ascii_lowercase();
    let Some((first, rest)) = lower.split_once('-') else {
        return lower;
    };
    let first_ok = ((2..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_alphabetic()))
        || first == "x"
        || first == "i";
    let region = rest.as_bytes();
    let region_ok = region.len() >= 2
        && region[..2].iter().all(u8::is_ascii_alphabetic)
        && region
            .get(2)
            .is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b'_'));
    if first_ok && region_ok {
        format!("{first}-{}{}", rest[..2].to_ascii_uppercase(), &rest[2..])
    } else {
        lower
    }
}

/// Whether a known tag is a language alternative (its `xml:lang` names it).
pub(crate) fn is_lang_alt(resolved: &Resolved) -> bool {
    resolved.tag.is_some_and(|t| t.format == "lang-alt")
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
pub(crate) fn is_exif_gps(resolved: &Resolved) -> bool {
    resolved.namespace.is_some_and(|ns| ns.prefix == "exif") && resolved.name.starts_with("GPS")
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS_TIFF: &str = "http://ns.adobe.com/tiff/1.0/";
    const NS_EXIF: &str = "http://ns.adobe.com/exif/1.0/";
    const NS_CRS: &str = "http://ns.adobe.com/camera-raw-settings/1.0/";

    fn path<'a>(parts: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        parts.to_vec()
    }

    fn printed(parts: &[(&str, &str)], value: &str) -> (String, String) {
        let resolved = resolve(&path(parts));
        let value = print_value(&resolved, value);
        (resolved.name, value)
    }

    #[test]
    fn dates_print_in_exif_style() {
        assert_eq!(
            xmp_date("2010-04-13T09:37:22+02:00", false).unwrap(),
            "2010:04:13 09:37:22+02:00"
        );
        assert_eq!(
            xmp_date("2012-08-27T15:37:28Z", false).unwrap(),
            "2012:08:27 15:37:28Z"
        );
        assert_eq!(xmp_date("2019-09-02", false).unwrap(), "2019:09:02");
        assert_eq!(xmp_date("2019-09-02", true), None);
        assert_eq!(
            xmp_date("2020-02-02T10:00", true).unwrap(),
            "2020:02:02 10:00"
        );
        assert_eq!(
            xmp_date("2020-02-02 10:00:01 Z", false).unwrap(),
            "2020:02:02 10:00:01Z"
        );
        assert_eq!(xmp_date("2019-ish", false).unwrap(), "2019:ish");
        assert_eq!(xmp_date("Summer 2019", false), None);
    }

    #[test]
    fn language_codes_take_exiftools_standard_case() {
        assert_eq!(standard_lang_case("DE-de"), "de-DE");
        assert_eq!(standard_lang_case("en-us-x"), "en-US-x");
        assert_eq!(standard_lang_case("zh-Hans"), "zh-hans");
        assert_eq!(standard_lang_case("FR"), "fr");
    }

    #[test]
    fn exif_mirrors_print_like_exif() {
        assert_eq!(
            printed(&[(NS_TIFF, "Orientation")], "1").1,
            "Horizontal (normal)"
        );
        assert_eq!(
            printed(&[(NS_TIFF, "XResolution")], "72009/1000").1,
            "72.009"
        );
        assert_eq!(
            printed(
                &[("http://ns.adobe.com/exif/1.0/aux/", "LensInfo")],
                "24/1 70/1 0/0 0/0"
            )
            .1,
            "24-70mm f/?"
        );
        assert_eq!(
            printed(&[(NS_EXIF, "GPSLatitude")], "54,59.38N").1,
            "54 deg 59' 22.80\" N"
        );
        assert_eq!(
            printed(&[("http://ns.adobe.com/photoshop/1.0/", "ColorMode")], "3").1,
            "RGB"
        );
        assert_eq!(printed(&[(NS_CRS, "Contrast")], "+25").1, "+25");
        assert_eq!(printed(&[(NS_EXIF, "UserComment")], "1/250").1, "1/250");
        assert_eq!(
            printed(&[(NS_EXIF, "GPSVersionID")], "2.3.0.0").1,
            "2.3.0.0"
        );
    }

    #[test]
    fn names_follow_exiftool_tables_and_rules() {
        assert_eq!(
            printed(&[(NS_EXIF, "PixelXDimension")], "1").0,
            "ExifImageWidth"
        );
        let retouch = [
            (NS_CRS, "RetouchAreas"),
            (NS_CRS, "Masks"),
            (NS_CRS, "What"),
        ];
        assert_eq!(printed(&retouch, "Mask/Paint").0, "RetouchAreaMaskWhat");
        // an unknown field of a known structure: the structure's flat name first
        let odd = [(NS_CRS, "RetouchAreas"), ("urn:x", "brandNew")];
        let resolved = resolve(&path(&odd));
        assert_eq!(resolved.name, "RetouchAreaBrandNew");
        assert_eq!(resolved.priority, Priority::Low);
        // an unknown namespace: upper-cased local names, rationals converted
        assert_eq!(
            printed(&[("urn:x", "ratio"), ("urn:x", "part")], "1/4"),
            ("RatioPart".into(), "0.25".into())
        );
    }
}
