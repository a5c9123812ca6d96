//! Upstream HTTP: conditional GET, time and size limits, redirects, Retry-After.
//!
//! The only module that speaks reqwest. It never parses a feed: it hands back bytes and the
//! headers that matter. Redirects are followed here, by hand, so that a permanent move (301/308)
//! can be reported to the operator; reqwest's own policy would hide it.
//!
//! The trap: reqwest has no body limit and decompresses transparently, so the cap is counted on
//! the decoded stream, chunk by chunk; a gzip bomb is cut off at the limit, never held whole.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderValue};
use tokio::sync::Semaphore;
use url::Url;

use crate::config::FetchConfig;

/// A shared HTTP client with the daemon's limits; cheap to clone.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    limits: FetchConfig,
    in_flight: Arc<Semaphore>,
}

/// Validators from the last successful fetch, sent back as a conditional GET.
#[derive(Debug, Clone, Default)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

#[derive(Debug)]
pub enum FetchOutcome {
    /// 304: the feed has not changed since the validators were issued. Set when every redirect
    /// on the way there was permanent: where the feed lives now.
    NotModified {
        moved_permanently_to: Option<Url>,
    },
    Fetched(Box<Fetched>),
}

#[derive(Debug)]
pub struct Fetched {
    pub status: u16,
    /// Decoded (decompressed) body bytes, undecoded charset.
    pub body: Bytes,
    pub content_type: Option<String>,
    /// The `Link` header (Webmention endpoint discovery reads it).
    pub link: Option<String>,
    pub validators: Validators,
    /// The URL that answered, after redirects (the base for relative links).
    pub final_url: Url,
    /// Set when every redirect on the way was permanent: the operator should update feeds.toml.
    pub moved_permanently_to: Option<Url>,
}

/// What went wrong fetching one URL; the message reads well in the status page.
#[derive(Debug, thiserror::Error)]
#[error("{kind}")]
pub struct FetchError {
    pub url: Url,
    pub kind: FetchErrorKind,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchErrorKind {
    #[error("{}", status_message(*status, *retry_after))]
    Status {
        status: u16,
        retry_after: Option<DateTime<Utc>>,
    },
    #[error("body exceeds {} after decompression", human_bytes(*limit))]
    TooLarge { limit: u64 },
    #[error("more than {limit} redirects")]
    TooManyRedirects { limit: usize },
    #[error("redirect without a usable Location header")]
    BadRedirect,
    /// Server-side request forgery: a public server pointing us at a private one.
    #[error(
        "redirect to {to} refused: it leads from a public address to a loopback, private or link-local one"
    )]
    PrivateRedirect { to: Url },
    #[error("timed out after {}s", timeout.as_secs_f32())]
    Timeout { timeout: Duration },
    #[error("{message}")]
    Network { message: String },
}

impl FetchError {
    /// The HTTP status the upstream answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self.kind {
            FetchErrorKind::Status { status, .. } => Some(status),
            _ => None,
        }
    }

    pub fn retry_after(&self) -> Option<DateTime<Utc>> {
        match self.kind {
            FetchErrorKind::Status { retry_after, .. } => retry_after,
            _ => None,
        }
    }
}

impl Fetcher {
    /// `user_agent` names islands, its version and the site, so publishers know who calls.
    pub fn new(limits: &FetchConfig, user_agent: &str) -> Fetcher {
        let client = reqwest::Client::builder()
            .user_agent(user_agent)
            .connect_timeout(limits.connect_timeout)
            .timeout(limits.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .gzip(true)
            .brotli(true)
            .deflate(true)
            .build()
            .expect("a client with static settings builds");
        Fetcher {
            client,
            limits: limits.clone(),
            in_flight: Arc::new(Semaphore::new(limits.max_in_flight)),
        }
    }

    /// A turn among the `max_in_flight` refreshes allowed at once. The refresh holds it from
    /// its first store read to its last write: taken only around the HTTP request, a thousand
    /// sources starting together each parked a blocking thread on the store first (bench/
    /// RESULTS.md: 525 threads and 108 MiB for a cold pass, against 47 MiB with a bound).
    pub async fn turn(&self) -> tokio::sync::OwnedSemaphorePermit {
        self.in_flight
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed")
    }

    /// One conditional GET of `url`, following redirects, with every limit applied but the
    /// number in flight (see [`Fetcher::turn`]).
    pub async fn fetch(
        &self,
        url: &Url,
        validators: &Validators,
    ) -> Result<FetchOutcome, FetchError> {
        let fail = |kind| FetchError {
            url: url.clone(),
            kind,
        };
        let mut current = url.clone();
        let mut all_permanent = true;
        let mut redirects = 0;
        let response = loop {
            let response = self
                .client
                .get(current.clone())
                .headers(conditional_headers(validators))
                .send()
                .await
                .map_err(|error| fail(self.network_error(&error)))?;
            let status = response.status();
            if !status.is_redirection() || status == StatusCode::NOT_MODIFIED {
                break response;
            }
            redirects += 1;
            if redirects > self.limits.max_redirects {
                return Err(fail(FetchErrorKind::TooManyRedirects {
                    limit: self.limits.max_redirects,
                }));
            }
            all_permanent &=
                status == StatusCode::MOVED_PERMANENTLY || status == StatusCode::PERMANENT_REDIRECT;
            let location = response
                .headers()
                .get(header::LOCATION)
                .and_then(|value| value.to_str().ok())
                .and_then(|location| current.join(location).ok())
                .filter(|location| matches!(location.scheme(), "http" | "https"))
                .ok_or_else(|| fail(FetchErrorKind::BadRedirect))?;
            // A configured URL is the operator's choice; a public server redirecting into our
            // own network (or to the daemon itself) is not (issue 11).
            let from_public = response
                .remote_addr()
                .is_some_and(|peer| is_public(peer.ip()));
            if from_public && !leads_to_public(&location).await {
                return Err(fail(FetchErrorKind::PrivateRedirect { to: location }));
            }
            current = location;
        };

        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(FetchOutcome::NotModified {
                moved_permanently_to: (redirects > 0 && all_permanent).then_some(current),
            });
        }
        if !status.is_success() {
            let retry_after = response
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| parse_retry_after(value, Utc::now()));
            return Err(fail(FetchErrorKind::Status {
                status: status.as_u16(),
                retry_after,
            }));
        }
        let headers = response.headers().clone();
        let body = self.read_capped(response).await.map_err(fail)?;
        Ok(FetchOutcome::Fetched(Box::new(Fetched {
            status: status.as_u16(),
            body,
            content_type: header_string(&headers, header::CONTENT_TYPE),
            link: header_string(&headers, header::LINK),
            validators: Validators {
                etag: header_string(&headers, header::ETAG),
                last_modified: header_string(&headers, header::LAST_MODIFIED),
            },
            moved_permanently_to: (redirects > 0 && all_permanent).then(|| current.clone()),
            final_url: current,
        })))
    }

    /// POSTs a form (a WebSub publish ping); returns the status code.
    pub async fn post_form(&self, url: &Url, pairs: &[(&str, &str)]) -> Result<u16, FetchError> {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let response = self
            .client
            .post(url.clone())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|error| FetchError {
                url: url.clone(),
                kind: self.network_error(&error),
            })?;
        Ok(response.status().as_u16())
    }

    async fn read_capped(&self, response: reqwest::Response) -> Result<Bytes, FetchErrorKind> {
        let limit = self.limits.max_body_bytes;
        if response
            .content_length()
            .is_some_and(|length| length > limit)
        {
            return Err(FetchErrorKind::TooLarge { limit });
        }
        let mut body = Vec::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|error| self.network_error(&error))?;
            if body.len() as u64 + chunk.len() as u64 > limit {
                return Err(FetchErrorKind::TooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(body))
    }

    fn network_error(&self, error: &reqwest::Error) -> FetchErrorKind {
        if error.is_timeout() {
            return FetchErrorKind::Timeout {
                timeout: self.limits.timeout,
            };
        }
        // reqwest's own message repeats the URL ("error sending request for url (...)"), which
        // the status page shows beside it already; the causes say what actually went wrong.
        let mut causes = Vec::new();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            causes.push(cause.to_string());
            source = cause.source();
        }
        let message = if causes.is_empty() {
            error.to_string()
        } else {
            causes.join(": ")
        };
        FetchErrorKind::Network { message }
    }
}

/// Whether every address `url` names or resolves to is public. A name that does not resolve
/// counts as public: the request that follows fails on it anyway.
pub async fn leads_to_public(url: &Url) -> bool {
    let port = url.port_or_known_default().unwrap_or(80);
    match url.host() {
        Some(url::Host::Ipv4(ip)) => is_public(ip.into()),
        Some(url::Host::Ipv6(ip)) => is_public(ip.into()),
        Some(url::Host::Domain(name)) => match tokio::net::lookup_host((name, port)).await {
            Ok(mut addresses) => addresses.all(|address| is_public(address.ip())),
            Err(_) => true,
        },
        None => false,
    }
}

/// Not loopback, private (RFC 1918, RFC 4193), link-local, shared (RFC 6598), unspecified or
/// broadcast: an address a server on the internet may send us to.
pub fn is_public(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(ip) => {
            let [a, b, ..] = ip.octets();
            let shared = a == 100 && (64..128).contains(&b);
            !(ip.is_loopback()
                || ip.is_private()
                || ip.is_link_local()
                || ip.is_unspecified()
                || ip.is_broadcast()
                || shared
                || a == 0)
        }
        IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
            Some(v4) => is_public(v4.into()),
            None => {
                let first = ip.segments()[0];
                let unique_local = first & 0xfe00 == 0xfc00;
                let link_local = first & 0xffc0 == 0xfe80;
                !(ip.is_loopback() || ip.is_unspecified() || unique_local || link_local)
            }
        },
    }
}

fn conditional_headers(validators: &Validators) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let pairs = [
        (header::IF_NONE_MATCH, &validators.etag),
        (header::IF_MODIFIED_SINCE, &validators.last_modified),
    ];
    for (name, value) in pairs {
        if let Some(value) = value.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert(name, value);
        }
    }
    headers
}

fn header_string(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string)
}

/// `Retry-After` is either delay-seconds or an HTTP date (RFC 9110 10.2.3).
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u32>() {
        return Some(now + chrono::Duration::seconds(seconds.into()));
    }
    // The three HTTP date forms (RFC 9110 5.6.7), as httpdate reads them.
    httpdate::parse_http_date(value)
        .ok()
        .map(DateTime::<Utc>::from)
}

fn status_message(status: u16, retry_after: Option<DateTime<Utc>>) -> String {
    match retry_after {
        Some(time) => format!(
            "{status}: retrying after {}",
            time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
        None => {
            let reason = StatusCode::from_u16(status)
                .ok()
                .and_then(|code| code.canonical_reason())
                .unwrap_or("unexpected status");
            format!("{status} {reason}")
        }
    }
}

fn human_bytes(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn public_addresses_are_told_from_private_ones() {
        for (ip, public) in [
            ("127.0.0.1", false),
            ("127.9.9.9", false),
            ("10.1.2.3", false),
            ("172.16.0.1", false),
            ("192.168.1.1", false),
            ("169.254.169.254", false),
            ("100.64.0.1", false),
            ("0.0.0.0", false),
            ("255.255.255.255", false),
            ("::1", false),
            ("fd00::1", false),
            ("fe80::1", false),
            ("::ffff:127.0.0.1", false),
            ("::ffff:10.0.0.1", false),
            ("192.0.2.10", true),
            ("8.8.8.8", true),
            ("2a00:1450::1", true),
        ] {
            assert_eq!(is_public(ip.parse().unwrap()), public, "{ip}");
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap();
        assert_eq!(
            parse_retry_after("120", now),
            Some(Utc.with_ymd_and_hms(2026, 11, 25, 9, 2, 0).unwrap())
        );
        assert_eq!(
            parse_retry_after("Wed, 25 Nov 2026 10:00:00 GMT", now),
            Some(Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap())
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn limits_read_as_humans_write_them() {
        let error = FetchErrorKind::TooLarge { limit: 10 << 20 };
        assert_eq!(error.to_string(), "body exceeds 10 MiB after decompression");
        let retry = FetchErrorKind::Status {
            status: 429,
            retry_after: Some(Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).unwrap()),
        };
        assert_eq!(
            retry.to_string(),
            "429: retrying after 2026-11-25T10:00:00Z"
        );
    }
}
