//! exiftool's Composite GPS tags, built from the GPS IFD (or, failing that,
//! the Exif GPS properties of XMP): signed position
//! with hemisphere (`48 deg 51' 30.24" N`), GPSPosition, altitude with its
//! reference, GPSDateTime; plus the signed decimal degrees and metres a
//! program wants, under `GPSLatitudeDecimal`, `GPSLongitudeDecimal` and
//! `GPSAltitudeDecimal` (exiftool prints these with `-n`).

use super::print::{dms_degrees, format_g, to_dms, Conv, Num, Raw};
use super::xmp_tags::xmp_coordinate_parts;
use super::Tags;

/// The GPS IFD values the Composite tags are computed from.
#[derive(Debug, Default)]
pub(crate) struct Fix {
    latitude: Option<f64>,
    latitude_ref: Option<String>,
    longitude: Option<f64>,
    longitude_ref: Option<String>,
    /// The GPS IFD holds the coordinate with no numbers: exiftool keeps the
    /// empty value, prints an empty Composite, and the XMP copy stays out.
    latitude_empty: bool,
    longitude_empty: bool,
    altitude: Option<f64>,
    altitude_ref: Option<i64>,
    date: Option<String>,
    time: Option<String>,
    /// Hemispheres of XMP-exif:GPSDestLatitude/Longitude (exiftool's XMP Composites).
    dest_latitude_ref: Option<char>,
    dest_longitude_ref: Option<char>,
}

/// exiftool's XMP Composite reference: the sign of a plain number, else the
/// last hemisphere letter in the value.
fn xmp_reference(value: &str, positive: char, negative: char) -> Option<char> {
    let value = value.trim();
    let is_float = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
        && value.bytes().any(|b| b.is_ascii_digit());
    if let Some(v) = is_float.then(|| value.parse::<f64>().ok()).flatten() {
        return Some(if v < 0.0 { negative } else { positive });
    }
    value
        .chars()
        .rev()
        .find(|&c| c == positive || c == negative)
}

impl Fix {
    /// Notes a GPS tag by its exiftool name.
    pub(crate) fn record(&mut self, name: &str, raw: &Raw) {
        let text = || Some(raw.plain().trim().to_string()).filter(|s| !s.is_empty());
        let first = || match raw {
            Raw::Nums(n) => n.first().and_then(|n| n.as_f64()),
            _ => None,
        };
        let empty = matches!(raw, Raw::Nums(n) if n.is_empty());
        match name {
            "GPSLatitude" => {
                self.latitude = dms_degrees(raw).filter(|_| !empty);
                self.latitude_empty = empty;
            }
            "GPSLatitudeRef" => self.latitude_ref = text(),
            "GPSLongitude" => {
                self.longitude = dms_degrees(raw).filter(|_| !empty);
                self.longitude_empty = empty;
            }
            "GPSLongitudeRef" => self.longitude_ref = text(),
            "GPSAltitude" => self.altitude = first(),
            "GPSAltitudeRef" => self.altitude_ref = first().map(|f| f as i64),
            "GPSDateStamp" => self.date = text(),
            "GPSTimeStamp" => self.time = Some(Conv::TimeStamp.apply(raw)),
            _ => {}
        }
    }

    /// Notes an XMP copy of a GPS tag (`exif:GPSLatitude` "54,59.38N", ...),
    /// only where the GPS IFD left the value unset: exiftool prefers the IFD.
    pub(crate) fn fill_from_xmp(&mut self, name: &str, value: &str) {
        let coordinate = || xmp_coordinate_parts(value);
        let number = || match Raw::parse_text(value) {
            Raw::Nums(n) => n.first().and_then(|n| n.as_f64()),
            _ => None,
        };
        match name {
            "GPSLatitude" if self.latitude.is_none() && !self.latitude_empty => {
                if let Some((degrees, hemisphere)) = coordinate() {
                    self.latitude = Some(degrees);
                    self.latitude_ref = Some(hemisphere.to_string());
                }
            }
            "GPSLongitude" if self.longitude.is_none() && !self.longitude_empty => {
                if let Some((degrees, hemisphere)) = coordinate() {
                    self.longitude = Some(degrees);
                    self.longitude_ref = Some(hemisphere.to_string());
                }
            }
            "GPSDestLatitude" => self.dest_latitude_ref = xmp_reference(value, 'N', 'S'),
            "GPSDestLongitude" => self.dest_longitude_ref = xmp_reference(value, 'E', 'W'),
            "GPSAltitude" if self.altitude.is_none() => self.altitude = number(),
            "GPSAltitudeRef" if self.altitude_ref.is_none() => {
                self.altitude_ref = number().map(|f| f as i64)
            }
            _ => {}
        }
    }

    /// Signed decimal degrees: south and west are negative.
    fn signed(value: Option<f64>, reference: &Option<String>, negative: char) -> Option<f64> {
        let value = value?;
        let is_negative = reference.as_deref()?.starts_with(negative);
        Some(if is_negative { -value } else { value })
    }

    pub(crate) fn latitude(&self) -> Option<f64> {
        Self::signed(self.latitude, &self.latitude_ref, 'S')
    }

    pub(crate) fn longitude(&self) -> Option<f64> {
        Self::signed(self.longitude, &self.longitude_ref, 'W')
    }

    /// Metres, negative below sea level (a missing reference means above).
    pub(crate) fn altitude(&self) -> Option<f64> {
        let altitude = self.altitude?;
        Some(if self.altitude_ref == Some(1) {
            -altitude
        } else {
            altitude
        })
    }
}

/// Adds exiftool's Composite GPS tags, which replace the plain GPS IFD values
/// of the same name (they are computed after every block is read).
pub(crate) fn add_composites(fix: &Fix, tags: &mut Tags) {
    let latitude = fix
        .latitude()
        .map(|v| coordinate(v, 'N', 'S'))
        .or_else(|| empty_coordinate(fix.latitude_empty, &fix.latitude_ref, 'N', 'S'));
    let longitude = fix
        .longitude()
        .map(|v| coordinate(v, 'E', 'W'))
        .or_else(|| empty_coordinate(fix.longitude_empty, &fix.longitude_ref, 'E', 'W'));
    if let Some(lat) = &latitude {
        tags.push("GPSLatitude", lat.clone());
    }
    if let Some(lon) = &longitude {
        tags.push("GPSLongitude", lon.clone());
    }
    for (name, signed, positive, negative) in [
        ("GPSLatitudeRef", fix.latitude(), "North", "South"),
        ("GPSLongitudeRef", fix.longitude(), "East", "West"),
    ] {
        if let Some(signed) = signed {
            tags.push(name, if signed < 0.0 { negative } else { positive });
        }
    }
    if let (Some(lat), Some(lon)) = (&latitude, &longitude) {
        tags.push("GPSPosition", format!("{lat}, {lon}"));
    }
    for (name, reference) in [
        ("GPSDestLatitudeRef", fix.dest_latitude_ref),
        ("GPSDestLongitudeRef", fix.dest_longitude_ref),
    ] {
        let printed = match reference {
            Some('N') => "North",
            Some('S') => "South",
            Some('E') => "East",
            Some('W') => "West",
            _ => continue,
        };
        tags.push(name, printed);
    }
    if let Some(altitude) = fix.altitude() {
        // exiftool truncates to one decimal before printing.
        let shown = (altitude.abs() * 10.0).trunc() / 10.0;
        let side = if altitude < 0.0 { "Below" } else { "Above" };
        tags.push(
            "GPSAltitude",
            format!("{} m {side} Sea Level", Num::Real(shown).plain()),
        );
    }
    if let (Some(date), Some(time)) = (&fix.date, &fix.time) {
        tags.push("GPSDateTime", format!("{date} {time}Z"));
    }
    for (name, value) in [
        ("GPSLatitudeDecimal", fix.latitude()),
        ("GPSLongitudeDecimal", fix.longitude()),
        ("GPSAltitudeDecimal", fix.altitude()),
    ] {
        if let Some(value) = value {
            tags.push(name, format_g(value, 10));
        }
    }
}

/// The Composite of an empty GPS IFD coordinate with its reference: empty
/// (ToDMS leaves an empty value alone), but a southern or western reference
/// negates the empty text into the number 0, printed with the positive
/// hemisphere.
fn empty_coordinate(
    empty: bool,
    reference: &Option<String>,
    positive: char,
    negative: char,
) -> Option<String> {
    let reference = reference.as_deref().filter(|_| empty)?;
    let negated = reference
        .chars()
        .next()
        .is_some_and(|c| c.eq_ignore_ascii_case(&negative));
    Some(if negated {
        coordinate(0.0, positive, negative)
    } else {
        String::new()
    })
}

fn coordinate(signed: f64, positive: char, negative: char) -> String {
    let hemisphere = if signed < 0.0 { negative } else { positive };
    format!("{} {hemisphere}", to_dms(signed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dms(d: f64, m: f64, s: f64) -> Raw {
        Raw::Nums(vec![Num::Real(d), Num::Real(m), Num::Real(s)])
    }

    #[test]
    fn composites_carry_hemisphere_and_decimals() {
        let mut fix = Fix::default();
        fix.record("GPSLatitude", &dms(40.0, 26.0, 49.1));
        fix.record("GPSLatitudeRef", &Raw::Text("N".into()));
        fix.record("GPSLongitude", &dms(3.0, 43.0, 29.11));
        fix.record("GPSLongitudeRef", &Raw::Text("W".into()));
        fix.record("GPSAltitude", &Raw::Nums(vec![Num::Real(639.65)]));
        fix.record("GPSAltitudeRef", &Raw::Nums(vec![Num::Int(0)]));
        let mut tags = Tags::default();
        add_composites(&fix, &mut tags);
        let map = tags.into_map();
        assert_eq!(
            map["GPSPosition"],
            "40 deg 26' 49.10\" N, 3 deg 43' 29.11\" W"
        );
        assert_eq!(map["GPSAltitude"], "639.6 m Above Sea Level");
        assert!(map["GPSLongitudeDecimal"].starts_with("-3.72475"));
    }

    #[test]
    fn xmp_coordinates_fill_only_what_the_gps_ifd_left_unset() {
        let mut fix = Fix::default();
        fix.fill_from_xmp("GPSLatitude", "12,30.0S");
        fix.fill_from_xmp("GPSLongitude", "45,15,0W");
        fix.record("GPSLongitude", &dms(1.0, 0.0, 0.0));
        fix.record("GPSLongitudeRef", &Raw::Text("E".into()));
        let mut tags = Tags::default();
        add_composites(&fix, &mut tags);
        let map = tags.into_map();
        assert_eq!(map["GPSPosition"], "12 deg 30' 0.00\" S, 1 deg 0' 0.00\" E");
        assert_eq!(map["GPSLatitudeRef"], "South");
        let mut fix = Fix::default();
        fix.fill_from_xmp("GPSDestLatitude", "-7.5");
        fix.fill_from_xmp("GPSDestLongitude", "45,15,0E");
        let mut tags = Tags::default();
        add_composites(&fix, &mut tags);
        let map = tags.into_map();
        assert_eq!(map["GPSDestLatitudeRef"], "South");
        assert_eq!(map["GPSDestLongitudeRef"], "East");
    }

    #[test]
    fn no_reference_means_no_signed_position() {
        let mut fix = Fix::default();
        fix.record("GPSLatitude", &dms(1.0, 2.0, 3.0));
        let mut tags = Tags::default();
        add_composites(&fix, &mut tags);
        assert!(tags.into_map().is_empty());
    }
}
