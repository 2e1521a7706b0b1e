//! Typed configuration, read once at start-up from the environment variables
//! that `contract.md` lists. Every value is validated here, so the rest of the
//! program never sees a malformed setting.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use ipnet::IpNet;
use secrecy::SecretString;

use crate::cors::CorsOrigins;
use crate::signing::Algorithm;

/// Development credentials used when `ASSAY_API_KEY` / `ASSAY_API_SECRET` are
/// unset. `make run` prints them; never use them in production.
pub const DEV_API_KEY: &str = "123456789012345";
pub const DEV_API_SECRET: &str = "assay-dev-secret";

const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
const DEFAULT_CLOUD_NAME: &str = "demo";
const DEFAULT_DATABASE_URL: &str = "sqlite://data/assay.db";
const DEFAULT_STORAGE: &str = "data/blobs";
const DEFAULT_ADMIN_RATE_LIMIT: u32 = 500;
/// "100 MB" in Cloudinary's sense: their limits are binary (10485760 for "10 MB").
const DEFAULT_MAX_UPLOAD_BYTES: u64 = 100 * 1024 * 1024;
const DEFAULT_MAX_PIXELS: u64 = 100_000_000;
/// Room for one 100 MP 8-bit image in the general decoder's copies, or for
/// a few dozen 12 MP photos from their DCT-scaled decodes.
const DEFAULT_ANALYSIS_MEMORY_BYTES: u64 = 2 * 1024 * 1024 * 1024;
const DEFAULT_NOTIFICATION_BACKOFF_MS: u64 = 1_000;
const DEFAULT_JOB_LEASE_SECS: u64 = 60;
/// A week: time to look into a failed notification before its row goes.
const DEFAULT_JOB_RETENTION_SECS: u64 = 7 * 24 * 3600;
const DEFAULT_ASYNC_QUEUE_JOBS: u64 = 1_000;
/// Five 100 MB originals; the staged files live in the blob store.
const DEFAULT_ASYNC_QUEUE_BYTES: u64 = 512 * 1024 * 1024;
/// A chunked upload whose next part has not come for a day is dropped.
const DEFAULT_CHUNK_EXPIRY_SECS: u64 = 24 * 60 * 60;
/// Pages OCR reads from one multi-page TIFF or PDF: 20 scanned pages take
/// about a minute on one core.
const DEFAULT_OCR_MAX_PAGES: u32 = 20;

/// Everything the services need to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `ASSAY_LISTEN`: address to bind.
    pub listen: SocketAddr,
    /// `ASSAY_CLOUD_NAME`: the cloud name in every path.
    pub cloud_name: String,
    /// `ASSAY_API_KEY` / `ASSAY_API_SECRET`: the one account.
    pub credentials: Credentials,
    /// `DATABASE_URL`: `postgres://...` or `sqlite://...`.
    pub database_url: String,
    /// `ASSAY_STORAGE`: where blobs live.
    pub storage: StorageLocation,
    /// `ASSAY_ADMIN_RATE_LIMIT`: admin API calls per hour per API key.
    pub admin_rate_limit: u32,
    /// `ASSAY_MAX_UPLOAD_BYTES`: largest accepted original.
    pub max_upload_bytes: u64,
    /// `ASSAY_MAX_PIXELS`: largest accepted width × height.
    pub max_pixels: u64,
    /// `ASSAY_ANALYSIS_MEMORY_BYTES`: memory the analyses running at once
    /// may take together, as estimated from each file's header.
    pub analysis_memory_bytes: u64,
    /// `ASSAY_OCR_MAX_PAGES`: pages OCR reads from one file, first ones first.
    pub ocr_max_pages: u32,
    /// `ASSAY_PUBLIC_URL`: base of `url`/`secure_url`, without a trailing
    /// slash; `None` means "the scheme and Host of the request".
    pub public_url: Option<String>,
    /// `ASSAY_REMOTE_FETCH_ALLOW`: networks that remote-URL uploads (and
    /// notification deliveries) may reach even though they are
    /// loopback/private/link-local.
    pub remote_fetch_allow: Vec<IpNet>,
    /// `ASSAY_NOTIFICATION_URL`: where notifications go when a call names no
    /// `notification_url` of its own.
    pub notification_url: Option<String>,
    /// `ASSAY_SIGNATURE_ALGORITHM` (`sha1` or `sha256`): the digest of the
    /// `X-Cld-Signature` of notifications, as Cloudinary's account setting.
    pub signature_algorithm: Algorithm,
    /// `ASSAY_NOTIFICATION_BACKOFF_MS`: the wait before a failed notification's
    /// first retry; it doubles with every further retry.
    pub notification_backoff_ms: u64,
    /// `ASSAY_JOB_LEASE_SECS`: how long a queued job claimed by a worker that
    /// stopped renewing its claim (a killed process) stays with it.
    pub job_lease_secs: u64,
    /// `ASSAY_JOB_RETENTION_SECS`: how long finished jobs (delivered or
    /// failed notifications, done or failed async work) stay before pruning.
    pub job_retention_secs: u64,
    /// `ASSAY_ASYNC_QUEUE_JOBS`: async upload and explicit jobs that may wait
    /// (or run) at once, across the deployment.
    pub async_queue_jobs: u64,
    /// `ASSAY_ASYNC_QUEUE_BYTES`: staged bytes those jobs may hold together.
    pub async_queue_bytes: u64,
    /// `ASSAY_CORS_ORIGINS`: the origins whose pages may call the upload
    /// API's browser routes (`*` by default).
    pub cors_origins: CorsOrigins,
    /// `ASSAY_CHUNK_EXPIRY_SECS`: how long a chunked upload (`upload_large`)
    /// waits for its next part before it and its parts are dropped.
    pub chunk_expiry_secs: u64,
}

/// The account's credentials. The secret is a [`SecretString`], so `Debug`
/// output (logs, panics) never contains it; read it with
/// `secrecy::ExposeSecret::expose_secret`.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub api_key: String,
    pub api_secret: SecretString,
}

impl Credentials {
    pub fn new(api_key: impl Into<String>, api_secret: impl Into<String>) -> Self {
        Credentials {
            api_key: api_key.into(),
            api_secret: SecretString::from(api_secret.into()),
        }
    }

    /// True when `api_key` and `api_secret` are these credentials. Both
    /// comparisons always run, each in time independent of where the bytes
    /// differ, so timing reveals neither a valid key nor the secret.
    pub fn matches(&self, api_key: &str, api_secret: &str) -> bool {
        use secrecy::ExposeSecret;
        use subtle::ConstantTimeEq;
        let key_matches = api_key.as_bytes().ct_eq(self.api_key.as_bytes());
        let secret_matches = api_secret
            .as_bytes()
            .ct_eq(self.api_secret.expose_secret().as_bytes());
        bool::from(key_matches & secret_matches)
    }

    /// True when these are the built-in development credentials.
    pub fn are_dev_defaults(&self) -> bool {
        use secrecy::ExposeSecret;
        self.api_key == DEV_API_KEY && self.api_secret.expose_secret() == DEV_API_SECRET
    }
}

/// The blob store named by `ASSAY_STORAGE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageLocation {
    /// A local directory (created if missing).
    Directory(PathBuf),
    /// `s3://bucket/prefix`: S3-compatible object storage; endpoint, region
    /// and credentials come from the usual `AWS_*` variables.
    S3 { bucket: String, prefix: String },
}

impl StorageLocation {
    /// Parses `s3://bucket[/prefix]` or a directory path.
    pub fn parse(value: &str) -> Result<Self, String> {
        let value = value.trim();
        if value.is_empty() {
            return Err("must not be empty".into());
        }
        let Some(rest) = value.strip_prefix("s3://") else {
            return Ok(StorageLocation::Directory(PathBuf::from(value)));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err("an s3:// location needs a bucket name (s3://bucket/prefix)".into());
        }
        Ok(StorageLocation::S3 {
            bucket: bucket.to_string(),
            prefix: prefix.trim_matches('/').to_string(),
        })
    }
}

impl fmt::Display for StorageLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageLocation::Directory(path) => write!(f, "{}", path.display()),
            StorageLocation::S3 { bucket, prefix } if prefix.is_empty() => {
                write!(f, "s3://{bucket}")
            }
            StorageLocation::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

/// A setting that could not be used. Names the variable; echoes the value
/// except for secrets.
#[derive(Debug, thiserror::Error)]
#[error("invalid {variable}: {reason}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub reason: String,
}

impl Config {
    /// Refuses the built-in development secret, which is public: the
    /// production binaries call this at start-up, so an unset (or empty)
    /// `ASSAY_API_SECRET` stops them with this error instead of serving an
    /// account anyone can sign for. `assay serve` keeps the defaults. The API
    /// key is not checked: it identifies the account (every request carries it
    /// in clear); the secret is what authenticates.
    pub fn refuse_dev_credentials(&self) -> Result<(), ConfigError> {
        use secrecy::ExposeSecret;
        if self.credentials.api_secret.expose_secret() == DEV_API_SECRET {
            return Err(invalid(
                "ASSAY_API_SECRET",
                "is unset, empty or the development default; production binaries need the account's own secret",
            ));
        }
        Ok(())
    }

    /// Reads the process environment. Call once, at start-up.
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The configuration with every variable unset: the contract's defaults
    /// (SQLite under `./data`, dev credentials). Handy for tests, which then
    /// override fields directly.
    pub fn defaults() -> Config {
        Self::from_lookup(|_| None).expect("built-in defaults are valid")
    }

    /// Builds the configuration from any variable source (the environment,
    /// or a map in tests). Empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let var = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());

        let listen = parse_var(&var, "ASSAY_LISTEN", DEFAULT_LISTEN, |v| {
            v.parse::<SocketAddr>()
                .map_err(|_| format!("{v:?} is not an address like 127.0.0.1:8080"))
        })?;
        let cloud_name = parse_var(
            &var,
            "ASSAY_CLOUD_NAME",
            DEFAULT_CLOUD_NAME,
            parse_cloud_name,
        )?;
        let api_key = parse_var(&var, "ASSAY_API_KEY", DEV_API_KEY, |v| {
            non_blank(v).map(str::to_string)
        })?;
        let api_secret = var("ASSAY_API_SECRET").unwrap_or_else(|| DEV_API_SECRET.to_string());
        let database_url = parse_var(
            &var,
            "DATABASE_URL",
            DEFAULT_DATABASE_URL,
            parse_database_url,
        )?;
        let storage = parse_var(
            &var,
            "ASSAY_STORAGE",
            DEFAULT_STORAGE,
            StorageLocation::parse,
        )?;
        let admin_rate_limit =
            parse_number(&var, "ASSAY_ADMIN_RATE_LIMIT", DEFAULT_ADMIN_RATE_LIMIT)?;
        let max_upload_bytes =
            parse_number(&var, "ASSAY_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES)?;
        let max_pixels = parse_number(&var, "ASSAY_MAX_PIXELS", DEFAULT_MAX_PIXELS)?;
        let analysis_memory_bytes = parse_number(
            &var,
            "ASSAY_ANALYSIS_MEMORY_BYTES",
            DEFAULT_ANALYSIS_MEMORY_BYTES,
        )?;
        let ocr_max_pages = parse_number(&var, "ASSAY_OCR_MAX_PAGES", DEFAULT_OCR_MAX_PAGES)?;
        let public_url = var("ASSAY_PUBLIC_URL")
            .map(|v| parse_public_url(&v).map_err(|reason| invalid("ASSAY_PUBLIC_URL", reason)))
            .transpose()?;
        let remote_fetch_allow = var("ASSAY_REMOTE_FETCH_ALLOW")
            .map(|v| parse_networks(&v).map_err(|r| invalid("ASSAY_REMOTE_FETCH_ALLOW", r)))
            .transpose()?
            .unwrap_or_default();
        let notification_url = var("ASSAY_NOTIFICATION_URL")
            .map(|v| {
                parse_public_url(&v).map_err(|reason| invalid("ASSAY_NOTIFICATION_URL", reason))
            })
            .transpose()?;
        let signature_algorithm =
            parse_var(&var, "ASSAY_SIGNATURE_ALGORITHM", "sha1", |v| {
                match v.to_ascii_lowercase().as_str() {
                    "sha1" => Ok(Algorithm::Sha1),
                    "sha256" => Ok(Algorithm::Sha256),
                    _ => Err(format!("{v:?} is not sha1 or sha256")),
                }
            })?;
        let notification_backoff_ms = parse_number(
            &var,
            "ASSAY_NOTIFICATION_BACKOFF_MS",
            DEFAULT_NOTIFICATION_BACKOFF_MS,
        )?;
        let job_lease_secs = parse_number(&var, "ASSAY_JOB_LEASE_SECS", DEFAULT_JOB_LEASE_SECS)?;
        let job_retention_secs =
            parse_number(&var, "ASSAY_JOB_RETENTION_SECS", DEFAULT_JOB_RETENTION_SECS)?;
        let async_queue_jobs =
            parse_number(&var, "ASSAY_ASYNC_QUEUE_JOBS", DEFAULT_ASYNC_QUEUE_JOBS)?;
        let async_queue_bytes =
            parse_number(&var, "ASSAY_ASYNC_QUEUE_BYTES", DEFAULT_ASYNC_QUEUE_BYTES)?;
        let cors_origins = parse_var(&var, "ASSAY_CORS_ORIGINS", "*", CorsOrigins::parse)?;
        let chunk_expiry_secs =
            parse_number(&var, "ASSAY_CHUNK_EXPIRY_SECS", DEFAULT_CHUNK_EXPIRY_SECS)?;

        Ok(Config {
            listen,
            cloud_name,
            credentials: Credentials::new(api_key, api_secret),
            database_url,
            storage,
            admin_rate_limit,
            max_upload_bytes,
            max_pixels,
            analysis_memory_bytes,
            ocr_max_pages,
            public_url,
            remote_fetch_allow,
            notification_url,
            signature_algorithm,
            notification_backoff_ms,
            job_lease_secs,
            job_retention_secs,
            async_queue_jobs,
            async_queue_bytes,
            cors_origins,
            chunk_expiry_secs,
        })
    }
}

fn invalid(variable: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        reason: reason.into(),
    }
}

fn parse_var<T>(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: &str,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<T, ConfigError> {
    let value = var(name).unwrap_or_else(|| default.to_string());
    parse(value.trim()).map_err(|reason| invalid(name, reason))
}

fn parse_number<T: std::str::FromStr + PartialOrd + Default + fmt::Display>(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
) -> Result<T, ConfigError> {
    let Some(value) = var(name) else {
        return Ok(default);
    };
    match value.trim().parse::<T>() {
        Ok(n) if n > T::default() => Ok(n),
        _ => Err(invalid(
            name,
            format!("{value:?} is not a positive whole number"),
        )),
    }
}

fn non_blank(v: &str) -> Result<&str, String> {
    if v.is_empty() {
        Err("must not be empty".into())
    } else {
        Ok(v)
    }
}

/// The cloud name is a path segment of every URL.
fn parse_cloud_name(v: &str) -> Result<String, String> {
    let ok = !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(v.to_string())
    } else {
        Err(format!("{v:?} must be letters, digits, '-' or '_'"))
    }
}

fn parse_database_url(v: &str) -> Result<String, String> {
    let known = ["postgres://", "postgresql://", "sqlite:"];
    if known.iter().any(|scheme| v.starts_with(scheme)) {
        Ok(v.to_string())
    } else {
        Err("must start with postgres:// or sqlite:// (the URL itself is not echoed: it may hold a password)".into())
    }
}

fn parse_public_url(v: &str) -> Result<String, String> {
    let trimmed = v.trim().trim_end_matches('/');
    let host = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"));
    match host {
        Some(h) if !h.is_empty() && !h.contains(char::is_whitespace) => Ok(trimmed.to_string()),
        _ => Err(format!("{v:?} must be an absolute http:// or https:// URL")),
    }
}

/// `10.0.0.0/8, 192.168.1.5` — a bare address means just that host.
fn parse_networks(v: &str) -> Result<Vec<IpNet>, String> {
    v.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| format!("{item:?} is not a CIDR (like 10.0.0.0/8) or an IP address"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use std::collections::HashMap;

    fn config_from(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn unset_variables_take_the_contract_defaults() {
        let config = config_from(&[]).unwrap();
        assert_eq!(config.listen, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(config.cloud_name, "demo");
        assert_eq!(config.database_url, "sqlite://data/assay.db");
        assert_eq!(
            config.storage,
            StorageLocation::Directory("data/blobs".into())
        );
        assert_eq!(config.admin_rate_limit, 500);
        assert_eq!(config.max_upload_bytes, 104_857_600);
        assert_eq!(config.max_pixels, 100_000_000);
        assert_eq!(config.analysis_memory_bytes, 2 << 30);
        assert_eq!(config.ocr_max_pages, 20);
        assert_eq!(config.public_url, None);
        assert!(config.remote_fetch_allow.is_empty());
        assert!(config.credentials.are_dev_defaults());
    }

    #[test]
    fn every_variable_is_read() {
        let config = config_from(&[
            ("ASSAY_LISTEN", "0.0.0.0:9000"),
            ("ASSAY_CLOUD_NAME", "acme"),
            ("ASSAY_API_KEY", "key"),
            ("ASSAY_API_SECRET", "s3cr3t"),
            ("DATABASE_URL", "postgres://u:p@db/assay"),
            ("ASSAY_STORAGE", "s3://bucket/some/prefix/"),
            ("ASSAY_ADMIN_RATE_LIMIT", "20"),
            ("ASSAY_MAX_UPLOAD_BYTES", "1000"),
            ("ASSAY_MAX_PIXELS", "4000"),
            ("ASSAY_OCR_MAX_PAGES", "3"),
            ("ASSAY_PUBLIC_URL", "https://img.example.com/"),
            (
                "ASSAY_REMOTE_FETCH_ALLOW",
                "10.0.0.0/8, 127.0.0.1 ,fd00::/8",
            ),
        ])
        .unwrap();
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.cloud_name, "acme");
        assert_eq!(config.credentials.api_key, "key");
        assert_eq!(config.credentials.api_secret.expose_secret(), "s3cr3t");
        assert_eq!(config.database_url, "postgres://u:p@db/assay");
        assert_eq!(
            config.storage,
            StorageLocation::S3 {
                bucket: "bucket".into(),
                prefix: "some/prefix".into()
            }
        );
        assert_eq!(config.admin_rate_limit, 20);
        assert_eq!(config.max_upload_bytes, 1000);
        assert_eq!(config.max_pixels, 4000);
        assert_eq!(config.ocr_max_pages, 3);
        assert_eq!(
            config.public_url.as_deref(),
            Some("https://img.example.com")
        );
        let allowed: Vec<String> = config
            .remote_fetch_allow
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(allowed, ["10.0.0.0/8", "127.0.0.1/32", "fd00::/8"]);
    }

    #[test]
    fn chunked_uploads_expire_after_a_day_unless_configured() {
        assert_eq!(config_from(&[]).unwrap().chunk_expiry_secs, 86_400);
        let config = config_from(&[("ASSAY_CHUNK_EXPIRY_SECS", "600")]).unwrap();
        assert_eq!(config.chunk_expiry_secs, 600);
        assert!(config_from(&[("ASSAY_CHUNK_EXPIRY_SECS", "soon")]).is_err());
    }

    #[test]
    fn debug_output_never_contains_the_secret() {
        let config = config_from(&[("ASSAY_API_SECRET", "very-secret-value")]).unwrap();
        assert!(!format!("{config:?}").contains("very-secret-value"));
    }

    #[test]
    fn malformed_values_name_their_variable() {
        let cases = [
            ("ASSAY_LISTEN", "localhost"),
            ("ASSAY_CLOUD_NAME", "a/b"),
            ("DATABASE_URL", "mysql://x"),
            ("ASSAY_STORAGE", "s3:///prefix"),
            ("ASSAY_ADMIN_RATE_LIMIT", "lots"),
            ("ASSAY_MAX_UPLOAD_BYTES", "0"),
            ("ASSAY_MAX_PIXELS", "-5"),
            ("ASSAY_PUBLIC_URL", "img.example.com"),
            ("ASSAY_REMOTE_FETCH_ALLOW", "10.0.0.0/33"),
        ];
        for (variable, value) in cases {
            let err = config_from(&[(variable, value)]).unwrap_err();
            assert_eq!(err.variable, variable, "{value:?}");
            assert!(err.to_string().contains(variable));
        }
    }

    #[test]
    fn production_refuses_an_unset_empty_or_development_secret() {
        let unset: &[(&str, &str)] = &[("ASSAY_API_KEY", "key")];
        let empty = &[("ASSAY_API_KEY", "key"), ("ASSAY_API_SECRET", "  ")];
        let dev = &[
            ("ASSAY_API_KEY", "key"),
            ("ASSAY_API_SECRET", DEV_API_SECRET),
        ];
        for vars in [unset, empty, dev] {
            let err = config_from(vars)
                .unwrap()
                .refuse_dev_credentials()
                .unwrap_err();
            assert_eq!(err.variable, "ASSAY_API_SECRET", "{vars:?}");
            assert!(!err.to_string().contains(DEV_API_SECRET), "{err}");
        }
    }

    #[test]
    fn production_accepts_the_accounts_own_secret() {
        for key in ["key", DEV_API_KEY] {
            let config = config_from(&[("ASSAY_API_KEY", key), ("ASSAY_API_SECRET", "s3cr3t")]);
            assert!(config.unwrap().refuse_dev_credentials().is_ok(), "{key}");
        }
    }

    #[test]
    fn database_url_errors_do_not_echo_passwords() {
        let err = config_from(&[("DATABASE_URL", "mysql://user:hunter2@db")]).unwrap_err();
        assert!(!err.to_string().contains("hunter2"));
    }
}
