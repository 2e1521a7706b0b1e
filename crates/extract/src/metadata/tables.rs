//! The shapes of the tag tables generated from exiftool's tag database
//! ([`super::generated`], written by `scripts/gen-metadata-tables.py`) and
//! the lookups every family shares.

/// A PrintConv hash: raw value (as exiftool writes it in `-listx`) -> printed value.
pub(crate) type Values = &'static [(&'static str, &'static str)];

/// exiftool's `Unknown` flag: shown only with `-u`, so never in our map.
pub(crate) const HIDDEN: u8 = 1;
/// exiftool prints "(Binary data N bytes...)": not a value for a flat map.
pub(crate) const BINARY: u8 = 2;
/// Misses of the value lookup print in hex, "Unknown (0x5)".
pub(crate) const PRINT_HEX: u8 = 4;
/// `Avoid` or `Priority => 0`: never replaces a tag of the same name.
pub(crate) const LOW_PRIORITY: u8 = 8;
/// A list tag (IPTC repeatable dataset, XMP Bag/Seq).
pub(crate) const LIST: u8 = 16;
/// An XMP structure.
pub(crate) const STRUCT: u8 = 32;
/// A directory of other tags (its value is not shown itself).
pub(crate) const SUBDIR: u8 = 64;

/// One tag definition of an exiftool table.
#[derive(Debug)]
pub(crate) struct Tag<K: 'static> {
    pub id: K,
    pub name: &'static str,
    /// exiftool's format / XMP writable type ("int16u", "string", "rational", "date", ...).
    pub format: &'static str,
    pub flags: u8,
    pub values: Values,
    /// For an XMP structure: the prefix its fields' flattened names start with.
    pub flat: &'static str,
    /// exiftool's ValueConv when it is Perl code ("" for none or a hash):
    /// the parsers implement the code shapes that occur, matched by text.
    pub conv: &'static str,
    /// exiftool's PrintConv when it is Perl code ("" for none or a hash).
    pub print: &'static str,
    /// The format exiftool reads the value in when the table says
    /// ("float[2]", "int8u", "var_ustr32"), whatever the file's own type; else "".
    pub read: &'static str,
}

impl<K> Tag<K> {
    /// The function a ValueConv calls when it is one call on the value,
    /// `Image::ExifTool::Exif::ExifDate($val)` -> "ExifDate".
    pub(crate) fn conv_function(&self) -> Option<&'static str> {
        let call = self.conv.strip_suffix("($val)")?;
        let name = call.rsplit("::").next()?;
        (call.starts_with("Image::ExifTool::") && name.bytes().all(|b| b.is_ascii_alphanumeric()))
            .then_some(name)
    }

    /// Whether exiftool shows this tag's value by default.
    pub(crate) fn shown(&self) -> bool {
        self.flags & (HIDDEN | BINARY | SUBDIR) == 0
    }

    pub(crate) fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// The printed value of `key` through the tag's PrintConv hash: a miss
    /// prints as exiftool does, "Unknown (key)" (hex for PrintHex tags).
    /// `None` when the tag has no hash.
    pub(crate) fn lookup(&self, key: &str) -> Option<String> {
        if self.values.is_empty() {
            return None;
        }
        Some(match self.values.iter().find(|(k, _)| *k == key) {
            Some((_, printed)) => (*printed).to_string(),
            None if self.has(PRINT_HEX) => match key.parse::<i64>() {
                Ok(n) => format!("Unknown (0x{n:x})"),
                Err(_) => format!("Unknown ({key})"),
            },
            None => format!("Unknown ({key})"),
        })
    }
}

/// The tag of numeric `id` in a table sorted by id.
pub(crate) fn by_id(table: &'static [Tag<u32>], id: u32) -> Option<&'static Tag<u32>> {
    table
        .binary_search_by_key(&id, |t| t.id)
        .ok()
        .map(|i| &table[i])
}

/// The tag of textual `id` in a table sorted by id.
pub(crate) fn by_key(
    table: &'static [Tag<&'static str>],
    id: &str,
) -> Option<&'static Tag<&'static str>> {
    table
        .binary_search_by(|t| t.id.cmp(id))
        .ok()
        .map(|i| &table[i])
}

/// The tag called `name` in a table (a linear scan: for rare by-name lookups).
pub(crate) fn by_name<K>(table: &'static [Tag<K>], name: &str) -> Option<&'static Tag<K>> {
    table.iter().find(|t| t.name == name)
}

/// An XMP namespace exiftool knows: its URI, standard prefix, exiftool group
/// (`XMP-<group>`) and tag table (structure fields flattened into ids).
#[derive(Debug)]
pub(crate) struct XmpNamespace {
    pub uri: &'static str,
    pub prefix: &'static str,
    /// exiftool's group-1 suffix (`XMP-<group>`), for tests and diagnostics.
    #[allow(dead_code)]
    pub group: &'static str,
    /// exiftool reads the namespace at priority 0 (copies of Exif values).
    pub low_priority: bool,
    pub tags: &'static [Tag<&'static str>],
}

/// The namespace of `uri`. Like exiftool, a URI that differs only by a
/// trailing slash is the same namespace (writers disagree on it).
pub(crate) fn xmp_namespace(uri: &str) -> Option<&'static XmpNamespace> {
    let all = super::generated::XMP_NAMESPACES;
    let find = |u: &str| all.binary_search_by(|n| n.uri.cmp(u)).ok().map(|i| &all[i]);
    find(uri).or_else(|| match uri.strip_suffix('/') {
        Some(trimmed) => find(trimmed),
        None => find(&format!("{uri}/")),
    })
}

#[cfg(test)]
mod tests {
    use super::super::generated::*;
    use super::*;

    #[test]
    fn generated_tables_are_sorted_for_binary_search() {
        for table in [EXIF, GPS, IPTC_APPLICATION, JFIF, ICC_HEADER, PHOTOSHOP] {
            assert!(table.windows(2).all(|w| w[0].id < w[1].id));
        }
        assert!(ICC_TAGS.windows(2).all(|w| w[0].id < w[1].id));
        assert!(XMP_NAMESPACES.windows(2).all(|w| w[0].uri < w[1].uri));
        for ns in XMP_NAMESPACES {
            assert!(
                ns.tags.windows(2).all(|w| w[0].id < w[1].id),
                "{}",
                ns.prefix
            );
        }
    }

    #[test]
    fn lookups_print_misses_as_exiftool_does() {
        let flash = by_id(EXIF, 0x9209).unwrap();
        assert_eq!(flash.name, "Flash");
        assert_eq!(flash.lookup("16").unwrap(), "Off, Did not fire");
        assert_eq!(flash.lookup("2").unwrap(), "Unknown (0x2)");
        let orientation = by_id(EXIF, 0x112).unwrap();
        assert_eq!(orientation.lookup("9").unwrap(), "Unknown (9)");
        let make = by_id(EXIF, 0x10f).unwrap();
        assert_eq!(make.lookup("Canon"), None);
    }

    #[test]
    fn namespaces_match_with_or_without_a_trailing_slash() {
        let ms = xmp_namespace("http://ns.microsoft.com/photo/1.0/").unwrap();
        assert_eq!(ms.group, "microsoft");
        assert_eq!(
            xmp_namespace("http://purl.org/dc/elements/1.1/")
                .unwrap()
                .prefix,
            "dc"
        );
        assert!(xmp_namespace("urn:unknown").is_none());
        let crs = xmp_namespace("http://ns.adobe.com/camera-raw-settings/1.0/").unwrap();
        assert_eq!(
            by_key(crs.tags, "RetouchAreasMasksWhat").unwrap().name,
            "RetouchAreaMaskWhat"
        );
    }
}
