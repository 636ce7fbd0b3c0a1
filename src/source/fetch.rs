//! The HTTP client for feeds and article pages.
//!
//! One [`Fetcher`] holds the process's HTTP clients (rustls, gzip/brotli/
//! deflate, the daemon's User-Agent and timeouts). Redirects are followed by
//! hand (at most [`MAX_REDIRECTS`], loops refused) so that permanent moves of
//! a feed can be recorded and every hop of an article fetch can be checked
//! against the private-address guard. Bodies are read as a stream and cut at
//! `max_body_size` decompressed bytes, so a gzip bomb costs no more memory
//! than an honest large body; the whole exchange, body included, must finish
//! within `fetch_timeout`, so a server trickling a byte a second is cut too.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{
    HeaderMap, HeaderValue, ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE,
    IF_NONE_MATCH, LAST_MODIFIED, LOCATION, RETRY_AFTER,
};
use reqwest::StatusCode;
use url::Url;

use crate::config::DaemonConfig;

/// Most redirects followed for one fetch.
pub const MAX_REDIRECTS: usize = 5;

const FEED_ACCEPT: &str =
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, \
     application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8";
const PAGE_ACCEPT: &str = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5";

/// The HTTP client of the sources stage.
pub struct Fetcher {
    /// Feeds (configured by the operator), and pages of feeds that are
    /// themselves on a private network.
    client: reqwest::Client,
    /// Article pages of public feeds: its resolver refuses non-public
    /// addresses, and it never goes through a proxy (which would resolve
    /// names where the guard cannot see).
    guarded: reqwest::Client,
    timeout: Duration,
    max_body: u64,
}

/// Where a feed's redirects may lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hops {
    /// Anywhere (the feed itself is on a private network or loopback).
    Any,
    /// Only to public addresses (the feed is on a public host).
    PublicOnly,
}

/// What a feed fetch brought.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchOutcome {
    /// 304: the feed did not change since the ETag / Last-Modified sent.
    NotModified,
    Fetched {
        body: Vec<u8>,
        etag: Option<String>,
        last_modified: Option<String>,
        /// `charset` of the Content-Type, if any.
        charset: Option<String>,
        /// The URL the body came from, after redirects.
        final_url: String,
        /// Where the feed moved to, when the first redirects of the chain
        /// were permanent (301/308): the URL to poll from now on.
        permanent_redirect: Option<String>,
    },
}

/// A fetch that failed: why, the HTTP status if there was one, and how long
/// the server asked us to wait (Retry-After of a 429 or 503).
#[derive(Debug, Clone, PartialEq)]
pub struct FetchError {
    pub message: String,
    pub status: Option<u16>,
    pub retry_after: Option<Duration>,
}

impl FetchError {
    fn msg(message: impl Into<String>) -> FetchError {
        FetchError {
            message: message.into(),
            status: None,
            retry_after: None,
        }
    }
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FetchError {}

/// A successful exchange before it is turned into an outcome.
struct Response {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
    final_url: String,
    permanent_redirect: Option<String>,
}

impl Fetcher {
    pub fn new(daemon: &DaemonConfig) -> anyhow::Result<Fetcher> {
        let base = || {
            reqwest::Client::builder()
                .user_agent(crate::USER_AGENT)
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(daemon.connect_timeout)
                .timeout(daemon.fetch_timeout)
                .gzip(true)
                .brotli(true)
                .deflate(true)
                .pool_idle_timeout(Duration::from_secs(30))
                .pool_max_idle_per_host(4)
        };
        let client = base().build()?;
        let guarded = base()
            .no_proxy()
            .dns_resolver(Arc::new(PublicOnlyResolver))
            .build()?;
        Ok(Fetcher {
            client,
            guarded,
            timeout: daemon.fetch_timeout,
            max_body: daemon.max_body_size,
        })
    }

    /// The body size cap (`daemon.max_body_size`).
    pub fn max_body_size(&self) -> u64 {
        self.max_body
    }

    /// Fetch a feed, conditionally when an ETag or Last-Modified is known,
    /// following redirects anywhere (a feed on a private network).
    pub async fn fetch_feed(
        &self,
        url: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
    ) -> Result<FetchOutcome, FetchError> {
        self.fetch_feed_from(url, etag, last_modified, Hops::Any)
            .await
    }

    /// Fetch a feed; with [`Hops::PublicOnly`] (a feed on a public host)
    /// the configured URL is trusted but every redirect must lead to a
    /// public address (checked after DNS resolution): a public feed cannot
    /// send the daemon to 169.254.169.254, to loopback or to its own endpoint,
    /// nor move itself there for good with a 301.
    pub async fn fetch_feed_from(
        &self,
        url: &str,
        etag: Option<&str>,
        last_modified: Option<&str>,
        hops: Hops,
    ) -> Result<FetchOutcome, FetchError> {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static(FEED_ACCEPT));
        if let Some(v) = etag.and_then(|e| HeaderValue::from_str(e).ok()) {
            headers.insert(IF_NONE_MATCH, v);
        }
        if let Some(v) = last_modified.and_then(|e| HeaderValue::from_str(e).ok()) {
            headers.insert(IF_MODIFIED_SINCE, v);
        }
        let guard_from = match hops {
            Hops::Any => None,
            Hops::PublicOnly => Some(1),
        };
        let r = self
            .exchange(&self.client, url, headers, guard_from)
            .await?;
        if r.status == StatusCode::NOT_MODIFIED {
            return Ok(FetchOutcome::NotModified);
        }
        let header = |name| {
            r.headers
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(|s| s.trim().to_string())
        };
        Ok(FetchOutcome::Fetched {
            etag: header(ETAG).filter(|s| !s.is_empty()),
            last_modified: header(LAST_MODIFIED).filter(|s| !s.is_empty()),
            charset: charset_of(&r.headers),
            body: r.body,
            final_url: r.final_url,
            permanent_redirect: r.permanent_redirect,
        })
    }

    /// Fetch an article page as text. Unless `allow_private`, every hop's
    /// address must be public (checked after DNS resolution, so a name that
    /// resolves to 10.0.0.1 is refused like the literal).
    pub async fn fetch_page(&self, url: &str, allow_private: bool) -> Result<String, FetchError> {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static(PAGE_ACCEPT));
        let client = if allow_private {
            &self.client
        } else {
            &self.guarded
        };
        let guard_from = (!allow_private).then_some(0);
        let r = self.exchange(client, url, headers, guard_from).await?;
        if r.status == StatusCode::NOT_MODIFIED {
            return Err(FetchError {
                message: "unexpected 304 Not Modified".into(),
                status: Some(304),
                retry_after: None,
            });
        }
        if let Some(ct) = r.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
            let mime = ct
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if !mime.is_empty() && !mime.contains("html") && !mime.starts_with("text/") {
                return Err(FetchError::msg(format!("not an HTML page ({mime})")));
            }
        }
        Ok(decode_html(&r.body, charset_of(&r.headers).as_deref()))
    }

    /// One GET with redirects followed by hand, all within the total timeout.
    /// From hop `guard_from` on (0: the URL itself, 1: its first redirect),
    /// every address must be public.
    async fn exchange(
        &self,
        client: &reqwest::Client,
        url: &str,
        headers: HeaderMap,
        guard_from: Option<usize>,
    ) -> Result<Response, FetchError> {
        match tokio::time::timeout(
            self.timeout,
            self.exchange_inner(client, url, headers, guard_from),
        )
        .await
        {
            Ok(r) => r,
            Err(_) => Err(FetchError::msg(format!(
                "timed out after {}",
                humantime::format_duration(self.timeout)
            ))),
        }
    }

    async fn exchange_inner(
        &self,
        client: &reqwest::Client,
        url: &str,
        headers: HeaderMap,
        guard_from: Option<usize>,
    ) -> Result<Response, FetchError> {
        let mut current =
            Url::parse(url.trim()).map_err(|e| FetchError::msg(format!("bad URL {url:?}: {e}")))?;
        let mut seen = HashSet::new();
        let mut permanent: Option<String> = None;
        let mut all_permanent = true;
        let mut hops = 0;
        loop {
            let guard = guard_from.is_some_and(|g| hops >= g);
            check_url(&current, guard)?;
            seen.insert(current.as_str().to_string());
            let client = if guard { &self.guarded } else { client };
            let resp = client
                .get(current.clone())
                .headers(headers.clone())
                .send()
                .await
                .map_err(|e| FetchError::msg(describe(&e)))?;
            let status = resp.status();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                let Some(loc) = resp.headers().get(LOCATION).and_then(|v| v.to_str().ok()) else {
                    return Err(FetchError {
                        message: format!("HTTP {status} without Location"),
                        status: Some(status.as_u16()),
                        retry_after: None,
                    });
                };
                let next = current.join(loc.trim()).map_err(|e| {
                    FetchError::msg(format!("HTTP {status}: bad Location {loc:?}: {e}"))
                })?;
                if seen.contains(next.as_str()) {
                    return Err(FetchError {
                        message: format!("redirect loop at {next}"),
                        status: Some(status.as_u16()),
                        retry_after: None,
                    });
                }
                hops += 1;
                if hops > MAX_REDIRECTS {
                    return Err(FetchError {
                        message: format!("more than {MAX_REDIRECTS} redirects"),
                        status: Some(status.as_u16()),
                        retry_after: None,
                    });
                }
                let is_permanent = matches!(
                    status,
                    StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT
                );
                all_permanent &= is_permanent;
                if all_permanent {
                    permanent = Some(next.to_string());
                }
                current = next;
                continue;
            }
            if status == StatusCode::NOT_MODIFIED {
                return Ok(Response {
                    status,
                    headers: resp.headers().clone(),
                    body: Vec::new(),
                    final_url: current.to_string(),
                    permanent_redirect: permanent,
                });
            }
            if !status.is_success() {
                let retry_after = if matches!(
                    status,
                    StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
                ) {
                    resp.headers()
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, chrono::Utc::now()))
                } else {
                    None
                };
                return Err(FetchError {
                    message: format!("HTTP {status}"),
                    status: Some(status.as_u16()),
                    retry_after,
                });
            }
            let headers = resp.headers().clone();
            let body = self.read_body(resp).await?;
            return Ok(Response {
                status,
                headers,
                body,
                final_url: current.to_string(),
                permanent_redirect: permanent,
            });
        }
    }

    /// Read a body, stopping as soon as it passes the size cap (counted after
    /// decompression).
    async fn read_body(&self, mut resp: reqwest::Response) -> Result<Vec<u8>, FetchError> {
        let encoded = resp
            .headers()
            .contains_key(reqwest::header::CONTENT_ENCODING);
        let declared = resp
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if let Some(n) = declared.filter(|_| !encoded) {
            if n > self.max_body {
                return Err(FetchError::msg(format!(
                    "body too large ({n} bytes, limit {})",
                    self.max_body
                )));
            }
        }
        let cap = declared
            .unwrap_or(16 * 1024)
            .min(self.max_body)
            .min(1 << 20) as usize;
        let mut buf = Vec::with_capacity(cap);
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if (buf.len() + chunk.len()) as u64 > self.max_body {
                        return Err(FetchError::msg(format!(
                            "body larger than the limit of {} bytes",
                            self.max_body
                        )));
                    }
                    buf.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err(FetchError::msg(format!("reading body: {}", describe(&e)))),
            }
        }
        Ok(buf)
    }
}

/// Only http and https; with the guard, no literal non-public address.
fn check_url(u: &Url, guard: bool) -> Result<(), FetchError> {
    if u.scheme() != "http" && u.scheme() != "https" {
        return Err(FetchError::msg(format!(
            "refusing {} URL {u} (only http and https)",
            u.scheme()
        )));
    }
    if guard {
        let ip = match u.host() {
            Some(url::Host::Ipv4(a)) => Some(IpAddr::V4(a)),
            Some(url::Host::Ipv6(a)) => Some(IpAddr::V6(a)),
            Some(url::Host::Domain(_)) => None,
            None => return Err(FetchError::msg(format!("URL without host: {u}"))),
        };
        if let Some(ip) = ip.filter(|ip| !is_public_ip(*ip)) {
            return Err(FetchError::msg(format!(
                "refusing non-public address {ip} ({u})"
            )));
        }
    }
    Ok(())
}

/// A resolver that drops every non-public address and fails when none is left.
struct PublicOnlyResolver;

impl reqwest::dns::Resolve for PublicOnlyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = addrs
                .iter()
                .copied()
                .filter(|a| is_public_ip(a.ip()))
                .collect();
            if public.is_empty() {
                let shown = addrs
                    .first()
                    .map(|a| a.ip().to_string())
                    .unwrap_or_else(|| "no address".into());
                return Err(
                    format!("refusing {host}: resolves to non-public address {shown}").into(),
                );
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Is `host` (a URL host: name, IPv4 or bracketed IPv6) on a private,
/// loopback, link-local, unique-local or CGNAT network? Names are resolved;
/// a name that does not resolve counts as public.
pub async fn host_is_private(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return !is_public_ip(ip);
    }
    if bare.eq_ignore_ascii_case("localhost") || bare.to_ascii_lowercase().ends_with(".localhost") {
        return true;
    }
    match tokio::net::lookup_host((bare, 0)).await {
        Ok(addrs) => {
            let addrs: Vec<SocketAddr> = addrs.collect();
            !addrs.is_empty() && addrs.iter().all(|a| !is_public_ip(a.ip()))
        }
        Err(_) => false,
    }
}

/// Is this address routable on the public internet? False for unspecified,
/// loopback, private (RFC 1918), CGNAT (100.64/10), link-local, unique-local
/// (fc00::/7), multicast, documentation, benchmarking and reserved ranges,
/// and for IPv6 forms that embed such an IPv4 address.
pub fn is_public_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => is_public_v4(a),
        IpAddr::V6(a) => is_public_v6(a),
    }
}

fn is_public_v4(a: Ipv4Addr) -> bool {
    let [o0, o1, o2, _] = a.octets();
    !(o0 == 0 // "this network"
        || a.is_loopback()
        || a.is_private()
        || (o0 == 100 && (64..128).contains(&o1)) // CGNAT 100.64/10
        || a.is_link_local()
        || (o0 == 192 && o1 == 0 && o2 == 0) // IETF protocol assignments
        || (o0 == 192 && o1 == 0 && o2 == 2) // TEST-NET-1
        || (o0 == 198 && o1 == 51 && o2 == 100) // TEST-NET-2
        || (o0 == 203 && o1 == 0 && o2 == 113) // TEST-NET-3
        || (o0 == 198 && (o1 == 18 || o1 == 19)) // benchmarking
        || (o0 == 192 && o1 == 88 && o2 == 99) // 6to4 relay anycast
        || a.is_multicast()
        || o0 >= 240) // reserved and broadcast
}

fn is_public_v6(a: Ipv6Addr) -> bool {
    if let Some(v4) = a.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = a.segments();
    // NAT64 64:ff9b::/96 embeds an IPv4 address
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        return is_public_v4(Ipv4Addr::new(
            (s[6] >> 8) as u8,
            s[6] as u8,
            (s[7] >> 8) as u8,
            s[7] as u8,
        ));
    }
    // 6to4 2002::/16 embeds an IPv4 address
    if s[0] == 0x2002 {
        return is_public_v4(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ));
    }
    !(a.is_unspecified()
        || a.is_loopback()
        || s[0..6] == [0, 0, 0, 0, 0, 0] // IPv4-compatible (deprecated) ::a.b.c.d
        || (s[0] & 0xfe00) == 0xfc00 // unique-local fc00::/7
        || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (s[0] & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated)
        || (s[0] & 0xff00) == 0xff00 // multicast
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x0100 && s[1..4] == [0, 0, 0])) // discard-only 100::/64
}

/// Retry-After: delay-seconds or an HTTP date.
pub fn parse_retry_after(v: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let delta = when.with_timezone(&chrono::Utc) - now;
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

fn charset_of(headers: &HeaderMap) -> Option<String> {
    let ct = headers.get(CONTENT_TYPE)?.to_str().ok()?;
    ct.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(['"', '\'']).to_string())
            .filter(|v| !v.is_empty())
    })
}

/// HTML bytes → text: the HTTP charset, else a `<meta charset>` in the first
/// 2 KiB, else UTF-8 when valid, else Windows-1252.
fn decode_html(body: &[u8], http_charset: Option<&str>) -> String {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let label = http_charset
        .map(str::to_string)
        .or_else(|| meta_charset(body));
    let enc = label.and_then(|l| encoding_rs::Encoding::for_label(l.trim().as_bytes()));
    match enc {
        Some(e) if e != encoding_rs::UTF_8 => e.decode_without_bom_handling(body).0.into_owned(),
        _ => match std::str::from_utf8(body) {
            Ok(s) => s.to_string(),
            Err(_) if enc.is_some() => String::from_utf8_lossy(body).into_owned(),
            Err(_) => encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(body)
                .0
                .into_owned(),
        },
    }
}

fn meta_charset(body: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(&body[..body.len().min(2048)]).to_ascii_lowercase();
    let pos = head.find("charset=")?;
    let rest = head[pos + "charset=".len()..].trim_start_matches(['"', '\'', ' ']);
    let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))?;
    Some(rest[..end].to_string()).filter(|s| !s.is_empty())
}

/// A reqwest error with its causes ("error sending request: connection refused").
fn describe(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "connection failed".to_string()
    } else {
        e.to_string()
    };
    let mut out = what;
    let mut src = std::error::Error::source(e);
    let mut last = String::new();
    while let Some(s) = src {
        let m = s.to_string();
        if !m.is_empty() && m != last && !out.contains(&m) {
            out.push_str(": ");
            out.push_str(&m);
        }
        last = m;
        src = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn non_public_addresses_are_recognised() {
        for a in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:c0a8:0101::1",
            "2001:db8::1",
        ] {
            assert!(!is_public_ip(ip(a)), "{a} should not be public");
        }
        for a in [
            "8.8.8.8",
            "1.1.1.1",
            "100.63.0.1",
            "100.128.0.1",
            "172.32.0.1",
            "196.200.1.1",
            "2a00:1450:4007::1",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public_ip(ip(a)), "{a} should be public");
        }
    }

    #[test]
    fn retry_after_seconds_or_date() {
        let now = chrono::DateTime::parse_from_rfc3339("2024-05-01T10:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 01 May 2024 10:05:00 GMT", now),
            Some(Duration::from_secs(300))
        );
        assert_eq!(
            parse_retry_after("Wed, 01 May 2024 09:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn guard_refuses_literals_and_other_schemes() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(check_url(&u("http://127.0.0.1:8080/a"), true).is_err());
        assert!(check_url(&u("http://[::1]/a"), true).is_err());
        assert!(check_url(&u("http://169.254.169.254/latest/meta-data"), true).is_err());
        assert!(check_url(&u("http://127.0.0.1:8080/a"), false).is_ok());
        assert!(check_url(&u("https://example.org/a"), true).is_ok());
        assert!(check_url(&u("file:///etc/passwd"), false).is_err());
        assert!(check_url(&u("ftp://example.org/x"), false).is_err());
    }

    #[tokio::test]
    async fn private_hosts_after_resolution() {
        assert!(host_is_private("127.0.0.1").await);
        assert!(host_is_private("[::1]").await);
        assert!(host_is_private("localhost").await);
        assert!(host_is_private("10.0.0.7").await);
        assert!(!host_is_private("8.8.8.8").await);
        // the guarded resolver refuses a name that resolves to loopback
        use reqwest::dns::Resolve;
        let err = PublicOnlyResolver
            .resolve("localhost".parse().unwrap())
            .await
            .err()
            .unwrap();
        assert!(err.to_string().contains("non-public"), "{err}");
    }

    #[test]
    fn charsets_from_header_and_meta() {
        let mut h = HeaderMap::new();
        h.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=\"ISO-8859-1\""),
        );
        assert_eq!(charset_of(&h).as_deref(), Some("ISO-8859-1"));
        assert_eq!(decode_html(b"caf\xe9", Some("iso-8859-1")), "café");
        assert_eq!(
            decode_html(b"<meta charset=\"windows-1252\">caf\xe9", None),
            "<meta charset=\"windows-1252\">café"
        );
        assert_eq!(decode_html("café".as_bytes(), None), "café");
        assert_eq!(decode_html(b"caf\xe9", None), "café");
    }
}
