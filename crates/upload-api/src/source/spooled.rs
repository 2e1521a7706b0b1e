//! A spooled file part, mapped into memory rather than read onto the heap:
//! a 100 MB upload costs page-cache pages the kernel can drop and re-read,
//! not 100 MB of anonymous memory per request, and decoders touch only the
//! parts of the file they read.

use bytes::Bytes;
use memmap2::Mmap;
use tempfile::NamedTempFile;

/// The bytes of `spooled`. The mapping outlives the temporary file's name
/// (its inode stays until the last `Bytes` clone drops).
pub(super) fn map(spooled: &NamedTempFile) -> std::io::Result<Bytes> {
    let file = spooled.as_file();
    if file.metadata()?.len() == 0 {
        // An empty mapping is refused by the kernel; there is nothing to map.
        return Ok(Bytes::new());
    }
    // SAFETY: a mapped file that changes or shrinks underneath changes the
    // bytes or faults on access. This one cannot: it is the request's own
    // temporary file (mode 0600 in the temp directory), completely written
    // and flushed by the multipart reader before this call, never written
    // again, and deleted only by name, which leaves the mapped inode intact.
    #[allow(unsafe_code)]
    let map = unsafe { Mmap::map(file)? };
    Ok(Bytes::from_owner(map))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn the_mapped_bytes_are_the_files_and_outlive_its_name() {
        let mut spooled = NamedTempFile::new().unwrap();
        spooled.write_all(b"\x89PNG spooled bytes").unwrap();
        let bytes = map(&spooled).unwrap();
        let path = spooled.path().to_owned();
        drop(spooled);
        assert!(!path.exists());
        assert_eq!(&bytes[..], b"\x89PNG spooled bytes");
    }

    #[test]
    fn an_empty_part_maps_to_no_bytes() {
        let spooled = NamedTempFile::new().unwrap();
        assert!(map(&spooled).unwrap().is_empty());
    }
}
