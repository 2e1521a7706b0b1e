//! The bound on what one file's `media_metadata` may hold, and on the work
//! spent reading it. A packet of 500,000 XMP attributes would otherwise
//! become 500,000 keys, stored and returned with every admin read (issue 14);
//! an ICC profile whose 255 entries all point at one element would copy it
//! 255 times (issue 28). The bounds hold while the tags are collected
//! ([`super::Tags`]), not after: a value is clipped before it is allocated
//! ([`clip`]), and the collector refuses what does not fit. Real files stay
//! far below: the richest corpus photos carry a few hundred tags and tens of
//! kilobytes.

use super::MediaMetadata;

/// Most keys the map keeps.
pub const MAX_KEYS: usize = 2_000;
/// Most bytes (keys plus values) the map keeps.
pub const MAX_BYTES: usize = 256 * 1024;
/// Longest single value kept in full; longer ones are cut at a character
/// boundary (a multi-kilobyte text block is not a fact about the image).
pub const MAX_VALUE_BYTES: usize = 16 * 1024;

/// Most value bytes the parsers may offer the collector for one file, kept
/// or not: values replaced by a later tag of the same name, or refused, still
/// cost their copy. Past it the collector takes nothing more and the parsers
/// stop, so aliasing pointers (many entries naming one element) cost at most
/// this much copying whatever their count.
pub const MAX_OFFERED_BYTES: usize = 16 << 20;
/// Most bytes all of one file's compressed blocks (PNG iTXt, zTXt, iCCP) may
/// inflate to, together: metadata, not a bomb.
pub const MAX_INFLATED_BYTES: usize = 16 << 20;

/// The first bytes of 8-bit text (UTF-8, Latin-1, ASCII) that can reach a
/// value: each byte decodes to at least one, and a value is cut to
/// [`MAX_VALUE_BYTES`], so the rest is neither decoded nor copied.
pub(crate) fn clip(raw: &[u8]) -> &[u8] {
    &raw[..raw.len().min(MAX_VALUE_BYTES)]
}

/// The same for UTF-16 text (two bytes a unit, at least one byte out).
pub(crate) fn clip_utf16(raw: &[u8]) -> &[u8] {
    &raw[..raw.len().min(2 * MAX_VALUE_BYTES)]
}

/// The most items of a list printed with a separator (each item at least one
/// character plus the separator) that can reach the printed value once it is
/// cut to [`MAX_VALUE_BYTES`]: items past it are not read.
pub(crate) const MAX_LIST_ITEMS: usize = MAX_VALUE_BYTES / 2 + 1;

/// `text` cut to [`MAX_VALUE_BYTES`] at a character boundary, borrowed.
pub(crate) fn clip_str(text: &str) -> &str {
    let mut cut = text.len().min(MAX_VALUE_BYTES);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}

/// `value` cut to [`MAX_VALUE_BYTES`] at a character boundary.
pub(crate) fn clip_value(mut value: String) -> String {
    if value.len() > MAX_VALUE_BYTES {
        let mut cut = MAX_VALUE_BYTES;
        while !value.is_char_boundary(cut) {
            cut -= 1;
        }
        value.truncate(cut);
        value.shrink_to_fit();
    }
    value
}

/// The tags in name order, within [`MAX_KEYS`] and [`MAX_BYTES`]: tags past
/// either bound are dropped whole, long values cut to [`MAX_VALUE_BYTES`].
pub(crate) fn bounded(tags: impl Iterator<Item = (String, String)>) -> MediaMetadata {
    let mut map = MediaMetadata::new();
    let mut bytes = 0;
    for (name, value) in tags {
        if map.len() == MAX_KEYS {
            break;
        }
        let value = clip_value(value);
        let size = name.len() + value.len();
        if bytes + size > MAX_BYTES {
            continue;
        }
        bytes += size;
        map.insert(name, value);
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_bytes_and_long_values_are_bounded() {
        let many = (0..MAX_KEYS + 10).map(|i| (format!("Tag{i:06}"), "v".to_string()));
        let map = bounded(many);
        assert_eq!(map.len(), MAX_KEYS);
        assert!(map.contains_key("Tag000000"));

        let long = "é".repeat(MAX_VALUE_BYTES);
        let map = bounded(std::iter::once(("Long".to_string(), long)));
        assert!(map["Long"].len() <= MAX_VALUE_BYTES);

        let big = (0..100).map(|i| (format!("Big{i:03}"), "x".repeat(MAX_VALUE_BYTES)));
        let map = bounded(big);
        let total: usize = map.iter().map(|(k, v)| k.len() + v.len()).sum();
        assert!(total <= MAX_BYTES && !map.is_empty());
    }
}
