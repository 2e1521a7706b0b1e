//! Where an upload's bytes come from: a multipart file part, a data URI or a
//! remote URL.

pub mod data_uri;
pub mod remote;
mod spooled;

use std::path::Path;

use bytes::Bytes;
use service::body::FileField;
use service::{ApiError, Reason};

pub use remote::RemoteFetcher;

/// An original ready to analyse.
#[derive(Debug)]
pub struct SourceFile {
    pub bytes: Bytes,
    /// The file or URL name without extension (`red` for `red.png`).
    pub original_filename: Option<String>,
}

/// Loads the bytes of `file`, whichever way it arrived.
pub async fn load(
    file: FileField,
    fetcher: Option<&RemoteFetcher>,
    max_bytes: u64,
) -> Result<SourceFile, ApiError> {
    match file {
        FileField::Spooled { spooled, filename } => {
            let bytes = tokio::task::spawn_blocking(move || spooled::map(&spooled))
                .await
                .map_err(ApiError::internal)?
                .map_err(ApiError::internal)?;
            Ok(SourceFile {
                bytes,
                original_filename: filename.as_deref().and_then(file_stem),
            })
        }
        FileField::Text(text) if data_uri::is_data_uri(&text) => Ok(SourceFile {
            bytes: data_uri::decode(&text, max_bytes)?,
            original_filename: None,
        }),
        FileField::Text(url) if is_http_url(&url) => {
            let fetcher = fetcher.ok_or_else(|| {
                ApiError::internal(anyhow::anyhow!("remote fetching is unavailable"))
            })?;
            let bytes = fetcher.fetch(&url).await?;
            let path = url.split(['?', '#']).next().unwrap_or_default();
            let name = path.rsplit('/').next().and_then(file_stem);
            Ok(SourceFile {
                bytes,
                original_filename: name,
            })
        }
        FileField::Text(other) if other.contains("://") => Err(Reason::InvalidParameter {
            name: "file".into(),
            detail: "remote URLs must use http or https".into(),
        }
        .into()),
        FileField::Text(_) => Err(Reason::InvalidParameter {
            name: "file".into(),
            detail: "expected a file part, a data URI or an http(s) URL".into(),
        }
        .into()),
    }
}

/// A temporary file this process wrote and will not write again, mapped
/// (see `spooled::map`): a chunked upload's assembled parts.
pub(crate) fn map_spooled(spooled: &tempfile::NamedTempFile) -> std::io::Result<Bytes> {
    spooled::map(spooled)
}

fn is_http_url(value: &str) -> bool {
    let lower = value.get(..8).unwrap_or(value).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// `dir/red.png` -> `red`; `None` for an empty name.
fn file_stem(name: &str) -> Option<String> {
    let stem = Path::new(name).file_stem()?.to_str()?;
    (!stem.is_empty()).then(|| stem.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn original_filenames_drop_directories_and_extensions() {
        assert_eq!(file_stem("red.png").as_deref(), Some("red"));
        assert_eq!(
            file_stem("a/b/photo.final.jpg").as_deref(),
            Some("photo.final")
        );
        assert_eq!(file_stem(""), None);
    }

    #[test]
    fn only_http_and_https_count_as_urls() {
        assert!(is_http_url("https://example.com/a.jpg"));
        assert!(is_http_url("HTTP://example.com/a.jpg"));
        assert!(!is_http_url("ftp://example.com/a.jpg"));
    }
}
