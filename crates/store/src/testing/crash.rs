//! What `crash_writer` (the helper process of `tests/crash_consistency.rs`)
//! writes: originals that tell whether they are complete.

use crate::{AssetKey, NewAsset};

/// The original that the crash test's writer stores for `sequence`: a header
/// naming the sequence and the length, then a body derived from both, large
/// enough that a kill often lands in the middle of writing it.
pub fn crash_original(sequence: u64) -> Vec<u8> {
    let length = 64 * 1024 + (sequence as usize % 7) * 4096;
    let mut data = format!("crash-original {sequence} {length}\n").into_bytes();
    data.extend((data.len()..length).map(|i| (i as u64 ^ sequence) as u8));
    data
}

/// True when `data` is a complete [`crash_original`]; returns its sequence.
pub fn parse_crash_original(data: &[u8]) -> Option<u64> {
    let header_end = data.iter().position(|&b| b == b'\n')?;
    let header = std::str::from_utf8(&data[..header_end]).ok()?;
    let mut words = header.strip_prefix("crash-original ")?.split(' ');
    let sequence: u64 = words.next()?.parse().ok()?;
    (crash_original(sequence) == data).then_some(sequence)
}

/// The row the crash test's writer stores with [`crash_original`].
pub fn crash_asset(public_id: &str, sequence: u64) -> NewAsset {
    NewAsset {
        key: AssetKey::new("image", "upload", public_id),
        format: "jpg".into(),
        width: 1,
        height: 1,
        etag: format!("{sequence:032x}"),
        pages: 1,
        tags: Vec::new(),
        context: Default::default(),
        coordinates: Default::default(),
        original_filename: Some(sequence.to_string()),
        folder: String::new(),
        access_mode: "public".into(),
        analysis: Default::default(),
    }
}
