//! Remote-URL uploads (`file=https://...`): fetched with a size cap, a
//! timeout and a bounded number of redirects, and never from loopback,
//! private, link-local or cloud-metadata addresses (checked after DNS
//! resolution and on every redirect) unless `ASSAY_REMOTE_FETCH_ALLOW` lists
//! them.

use std::error::Error as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::{redirect, Url};
use service::{ApiError, Reason};

const MAX_REDIRECTS: usize = 5;
const FETCH_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Which addresses a fetch may reach.
#[derive(Debug, Clone, Default)]
pub struct AddressPolicy {
    /// Internal networks explicitly allowed (`ASSAY_REMOTE_FETCH_ALLOW`).
    allowed: Arc<Vec<IpNet>>,
}

impl AddressPolicy {
    pub fn new(allowed: Vec<IpNet>) -> Self {
        AddressPolicy {
            allowed: Arc::new(allowed),
        }
    }

    /// Public addresses always; internal ones only when allowed.
    pub fn permits(&self, ip: IpAddr) -> bool {
        let ip = unmapped(ip);
        !is_internal(ip) || self.allowed.iter().any(|net| net.contains(&ip))
    }

    /// Refuses a URL that is not http(s), or whose host is an IP literal we
    /// may not reach (names are checked by [`PolicyResolver`] instead).
    fn check_url(&self, url: &Url) -> Result<(), Refused> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Refused(format!("Remote URL {url} must use http or https")));
        }
        let Some(host) = url.host_str() else {
            return Err(Refused(format!("Remote URL {url} has no host")));
        };
        // IPv6 literals come bracketed; a name does not parse as an address.
        let literal = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .ok();
        match literal {
            Some(ip) if !self.permits(ip) => Err(Refused(format!(
                "Remote URL {url} points to a disallowed address"
            ))),
            _ => Ok(()),
        }
    }
}

/// Why a fetch was refused by policy; travels inside reqwest's error chain so
/// it can be told apart from a network failure.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Refused(String);

/// Resolves names with the system resolver and keeps only permitted
/// addresses, so the address checked is the address connected to.
#[derive(Debug)]
struct PolicyResolver(AddressPolicy);

impl Resolve for PolicyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.0.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let permitted: Vec<SocketAddr> = resolved
                .iter()
                .copied()
                .filter(|a| policy.permits(a.ip()))
                .collect();
            if permitted.is_empty() {
                let reason = if resolved.is_empty() {
                    "does not resolve"
                } else {
                    "resolves to a disallowed address"
                };
                return Err(Box::new(Refused(format!("Remote host {host} {reason}"))) as _);
            }
            Ok(Box::new(permitted.into_iter()) as Addrs)
        })
    }
}

/// Fetches remote originals. Cheap to clone.
#[derive(Debug, Clone)]
pub struct RemoteFetcher {
    client: reqwest::Client,
    policy: AddressPolicy,
    max_bytes: u64,
}

impl RemoteFetcher {
    pub fn new(allowed: Vec<IpNet>, max_bytes: u64) -> Result<Self, ApiError> {
        let policy = AddressPolicy::new(allowed);
        let redirect_policy = policy.clone();
        let client = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            // A proxy would connect on our behalf to addresses we never checked.
            .no_proxy()
            .dns_resolver(Arc::new(PolicyResolver(policy.clone())))
            .redirect(redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() >= MAX_REDIRECTS {
                    attempt.error(Refused(format!(
                        "Remote URL redirected more than {MAX_REDIRECTS} times"
                    )))
                } else if let Err(refused) = redirect_policy.check_url(attempt.url()) {
                    attempt.error(refused)
                } else {
                    attempt.follow()
                }
            }))
            .user_agent(concat!("assay/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(ApiError::internal)?;
        Ok(RemoteFetcher {
            client,
            policy,
            max_bytes,
        })
    }

    /// `url` parsed, if it is http(s) and not an address literal we may not
    /// reach (names are checked when they resolve, at every request).
    pub fn check_target(&self, url: &str) -> Result<Url, ApiError> {
        let url = Url::parse(url).map_err(|e| Reason::InvalidRemoteUrl {
            url: url.to_owned(),
            detail: e.to_string(),
        })?;
        self.policy
            .check_url(&url)
            .map_err(|refused| Reason::Rejected(Box::new(refused)))?;
        Ok(url)
    }

    /// POSTs a JSON `body` with `headers` to `url` under the same address
    /// rules as fetches (notifications), within `timeout`; the response
    /// status, or why the request could not be made.
    pub async fn post_json(
        &self,
        url: &str,
        body: Vec<u8>,
        headers: &[(&str, String)],
        timeout: Duration,
    ) -> Result<reqwest::StatusCode, PostError> {
        let url = self
            .check_target(url)
            .map_err(|e| PostError::Refused(e.to_string()))?;
        let mut request = self
            .client
            .post(url.clone())
            .timeout(timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.map_err(|e| match refusal(&e) {
            Some(refused) => PostError::Refused(refused.0.clone()),
            None => PostError::Failed(fetch_error(&url, e).to_string()),
        })?;
        Ok(response.status())
    }

    /// The body at `url`, or a 400 saying why not.
    pub async fn fetch(&self, url: &str) -> Result<Bytes, ApiError> {
        let url = self.check_target(url)?;
        let response = self
            .client
            .get(url.clone())
            .send()
            .await
            .map_err(|e| fetch_error(&url, e))?;
        if !response.status().is_success() {
            return Err(Reason::RemoteLoadFailed {
                url: url.to_string(),
                what: response.status().to_string(),
            }
            .into());
        }
        if let Some(declared) = response.content_length() {
            self.check_size(declared)?;
        }
        let mut body = BytesMut::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| fetch_error(&url, e))?;
            self.check_size((body.len() + chunk.len()) as u64)?;
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    }

    fn check_size(&self, bytes: u64) -> Result<(), ApiError> {
        if bytes > self.max_bytes {
            Err(Reason::FileTooLarge {
                got: Some(bytes),
                max: self.max_bytes,
            }
            .into())
        } else {
            Ok(())
        }
    }
}

/// A policy refusal keeps its own message; other failures say what failed.
/// Why a POST (a notification) was not answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostError {
    /// The address rules refuse the destination: retrying cannot help.
    #[error("{0}")]
    Refused(String),
    /// A network failure or a timeout: a retry may succeed.
    #[error("{0}")]
    Failed(String),
}

/// The address rule that refused `err`'s request, if one did.
fn refusal(err: &reqwest::Error) -> Option<&Refused> {
    let mut source = err.source();
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<Refused>() {
            return Some(refused);
        }
        source = cause.source();
    }
    None
}

fn fetch_error(url: &Url, err: reqwest::Error) -> ApiError {
    if let Some(refused) = refusal(&err) {
        return Reason::Rejected(Box::new(Refused(refused.0.clone()))).into();
    }
    let what = if err.is_timeout() {
        "timed out".to_owned()
    } else {
        err.to_string()
    };
    Reason::RemoteLoadFailed {
        url: url.to_string(),
        what,
    }
    .into()
}

/// IPv4-mapped IPv6 (`::ffff:127.0.0.1`) is judged as the IPv4 address it is.
fn unmapped(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Addresses a server-side fetch must not reach: loopback, private,
/// link-local (which holds the 169.254.169.254 metadata service), carrier-grade
/// NAT (Alibaba's metadata at 100.100.100.200), unspecified, broadcast,
/// multicast and reserved ranges.
fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => is_internal_v6(v6),
    }
}

fn is_internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // 100.64.0.0/10 shared address space
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // 192.0.0.0/24 protocol assignments
        || (a == 198 && (18..20).contains(&b)) // 198.18.0.0/15 benchmarking
        || a >= 240 // 240.0.0.0/4 reserved
}

fn is_internal_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    let first = segments[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // fc00::/7 unique local (holds AWS's fd00:ec2::254)
        || (first & 0xffc0) == 0xfe80 // fe80::/10 link-local
        || (first & 0xffc0) == 0xfec0 // fec0::/10 site-local (deprecated, still routed inside some sites)
        || segments[..3] == [0x64, 0xff9b, 1] // 64:ff9b:1::/48 local-use NAT64
        || segments[..4] == [0x100, 0, 0, 0] // 100::/64 discard-only
        || segments[..2] == [0x2001, 0xdb8] // 2001:db8::/32 documentation
        || embedded_ipv4(ip).is_some_and(is_internal_v4)
}

/// The IPv4 address an IPv6 address carries to reach it through a
/// translator or tunnel, judged like the IPv4 address itself: a NAT64
/// gateway turns `64:ff9b::a9fe:a9fe` into 169.254.169.254.
fn embedded_ipv4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let v4 = |high: u16, low: u16| Ipv4Addr::from((u32::from(high) << 16) | u32::from(low));
    match s {
        // ::a.b.c.d IPv4-compatible (deprecated) and ::ffff:a.b.c.d mapped.
        [0, 0, 0, 0, 0, 0 | 0xffff, high, low] => Some(v4(high, low)),
        // ::ffff:0:a.b.c.d IPv4-translated (SIIT, ::ffff:0:0:0/96).
        [0, 0, 0, 0, 0xffff, 0, high, low] => Some(v4(high, low)),
        // 64:ff9b::a.b.c.d well-known NAT64 prefix (RFC 6052).
        [0x64, 0xff9b, 0, 0, 0, 0, high, low] => Some(v4(high, low)),
        // 2002:aabb:ccdd::/48 6to4: the relay's IPv4 is bits 16 to 48.
        [0x2002, high, low, ..] => Some(v4(high, low)),
        // 2001:0:server:flags:port:client Teredo: the client's IPv4, inverted.
        [0x2001, 0, _, _, _, _, high, low] => Some(v4(!high, !low)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn internal_addresses_are_refused_by_default() {
        let policy = AddressPolicy::default();
        for internal in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.100.100.200",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::169.254.169.254",
            "64:ff9b::10.0.0.1",
            "64:ff9b:1::8.8.8.8",
            "2002:a9fe:a9fe::1",
            "2002:7f00:1::",
            "2002:c0a8:101:1::1",
            "fec0::1",
            "feff::1",
            "::ffff:0:127.0.0.1",
            "::ffff:0:169.254.169.254",
            "2001:0:4136:e378:8000:63bf:80ff:fffe", // Teredo, client 127.0.0.1
            "100::1",
            "2001:db8::1",
        ] {
            assert!(!policy.permits(ip(internal)), "{internal} permitted");
        }
        for public in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:2800:220:1:248:1893:25c8:1946",
            "64:ff9b::8.8.8.8",
            "2002:808:808::1",
            "::ffff:0:8.8.8.8",
        ] {
            assert!(policy.permits(ip(public)), "{public} refused");
        }
    }

    #[test]
    fn the_allow_list_opens_only_what_it_names() {
        let policy = AddressPolicy::new(vec!["127.0.0.0/8".parse().unwrap()]);
        assert!(policy.permits(ip("127.0.0.1")));
        assert!(policy.permits(ip("::ffff:127.0.0.1")));
        assert!(!policy.permits(ip("10.0.0.1")));
    }

    #[test]
    fn only_http_and_https_urls_are_fetched() {
        let policy = AddressPolicy::default();
        for url in [
            "ftp://example.com/a.jpg",
            "file:///etc/passwd",
            "gs://bucket/a.jpg",
        ] {
            assert!(
                policy.check_url(&Url::parse(url).unwrap()).is_err(),
                "{url}"
            );
        }
        assert!(policy
            .check_url(&Url::parse("https://example.com/a.jpg").unwrap())
            .is_ok());
        assert!(policy
            .check_url(&Url::parse("http://[::1]:8080/a.jpg").unwrap())
            .is_err());
    }

    #[tokio::test]
    async fn names_resolving_to_loopback_are_refused_after_resolution() {
        let fetcher = RemoteFetcher::new(Vec::new(), 1024).unwrap();
        let err = fetcher.fetch("http://localhost:9/a.jpg").await.unwrap_err();
        assert!(
            matches!(&err, ApiError::Reason(Reason::Rejected(m)) if m.to_string().contains("disallowed address")),
            "{err}"
        );
    }
}
