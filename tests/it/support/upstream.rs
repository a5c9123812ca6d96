//! The scripted upstream: an axum server on 127.0.0.1:0 whose paths answer with a
//! [`Behaviour`], recording every request; and the RSS it serves when a test generates one.

use super::*;

/// How the upstream answers one path.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// 200 with the body, or 304 without one when `If-None-Match` matches `etag` or
    /// `If-Modified-Since` equals `last_modified`.
    Feed {
        body: Vec<u8>,
        content_type: String,
        etag: Option<String>,
        last_modified: Option<String>,
    },
    /// Any status with extra headers, e.g. 500, or 429 with `Retry-After`.
    Status {
        code: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// A redirect to `to` (a path or a URL). A path redirecting to itself is a loop.
    Redirect { code: u16, to: String },
    /// Waits `delay` before sending the response head, then sends `body` as RSS.
    Slow { delay: Duration, body: Vec<u8> },
    /// `Content-Encoding: gzip` over a gzip stream that decodes to this many zero bytes.
    GzipBomb { decoded_bytes: usize },
    /// A chunked RSS-looking body of exactly this many bytes, streamed rather than held in memory.
    Huge { bytes: usize },
}

impl Behaviour {
    /// A fixture served as a feed, with the content type its extension suggests.
    pub fn fixture(name: &str) -> Behaviour {
        let content_type = match Path::new(name).extension().and_then(|e| e.to_str()) {
            Some("json") => "application/feed+json",
            Some("html") => "text/html",
            Some("xml") => "application/rss+xml",
            _ => "application/octet-stream",
        };
        Behaviour::fixture_with_type(name, content_type)
    }

    /// A fixture served as a feed with the given `Content-Type`, e.g. `text/xml; charset=ISO-8859-7`.
    pub fn fixture_with_type(name: &str, content_type: &str) -> Behaviour {
        Behaviour::Feed {
            body: fixture_bytes(name),
            content_type: content_type.to_string(),
            etag: None,
            last_modified: None,
        }
    }

    /// Any status with a text body and no extra headers, e.g. 500 `internal error`.
    pub fn status(code: u16, body: &str) -> Behaviour {
        Behaviour::Status {
            code,
            headers: Vec::new(),
            body: body.to_string(),
        }
    }

    /// A body served as `application/rss+xml`, without validators.
    pub fn rss(body: Vec<u8>) -> Behaviour {
        Behaviour::Feed {
            body,
            content_type: "application/rss+xml".to_string(),
            etag: None,
            last_modified: None,
        }
    }

    /// The same behaviour, answering conditional requests with this validator.
    pub fn with_etag(self, etag: &str) -> Behaviour {
        match self {
            Behaviour::Feed {
                body,
                content_type,
                last_modified,
                ..
            } => Behaviour::Feed {
                body,
                content_type,
                etag: Some(etag.to_string()),
                last_modified,
            },
            other => panic!("only Behaviour::Feed has an ETag, not {other:?}"),
        }
    }

    /// The same behaviour, answering conditional requests with this `Last-Modified` date.
    pub fn with_last_modified(self, last_modified: &str) -> Behaviour {
        match self {
            Behaviour::Feed {
                body,
                content_type,
                etag,
                ..
            } => Behaviour::Feed {
                body,
                content_type,
                etag,
                last_modified: Some(last_modified.to_string()),
            },
            other => panic!("only Behaviour::Feed has a Last-Modified date, not {other:?}"),
        }
    }
}

/// A local stand-in for the publishers' servers.
pub struct Upstream {
    address: SocketAddr,
    state: Arc<UpstreamState>,
    server: tokio::task::JoinHandle<()>,
}

#[derive(Default)]
struct UpstreamState {
    routes: Mutex<HashMap<String, Behaviour>>,
    /// Every request in arrival order: path (without query) and headers.
    requests: Mutex<Vec<(String, HeaderMap)>>,
}

impl Upstream {
    /// Binds 127.0.0.1:0 and serves on the current runtime until dropped.
    pub async fn start() -> Upstream {
        Upstream::start_on([127, 0, 0, 1].into()).await
    }

    /// Binds `ip` (an address of this machine), port 0, and serves until dropped.
    pub async fn start_on(ip: std::net::IpAddr) -> Upstream {
        let state = Arc::new(UpstreamState::default());
        let router = Router::new().fallback(answer).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind((ip, 0))
            .await
            .unwrap_or_else(|error| panic!("bind the upstream on {ip}:0: {error}"));
        let address = listener
            .local_addr()
            .expect("a bound listener has an address");
        let server = tokio::spawn(async move {
            axum::serve(listener, router)
                .await
                .expect("the upstream server runs");
        });
        Upstream {
            address,
            state,
            server,
        }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        assert!(path.starts_with('/'), "upstream paths start with /: {path}");
        format!("http://{}{path}", self.address)
    }

    /// Makes `path` answer with `behaviour` from now on.
    pub fn set(&self, path: &str, behaviour: Behaviour) {
        assert!(path.starts_with('/'), "upstream paths start with /: {path}");
        if let Behaviour::GzipBomb { decoded_bytes } = behaviour {
            // Compress now, in the test, rather than inside the first request's handler.
            gzip_of_zeros(decoded_bytes);
        }
        lock(&self.state.routes).insert(path.to_string(), behaviour);
    }

    /// Makes every path answer 404, as if the publishers had vanished.
    pub fn clear(&self) {
        lock(&self.state.routes).clear();
    }

    /// The headers of every request for `path` so far, oldest first.
    pub fn requests(&self, path: &str) -> Vec<HeaderMap> {
        lock(&self.state.requests)
            .iter()
            .filter(|(requested, _)| requested == path)
            .map(|(_, headers)| headers.clone())
            .collect()
    }

    /// How many requests for `path` arrived so far.
    pub fn count(&self, path: &str) -> usize {
        lock(&self.state.requests)
            .iter()
            .filter(|(requested, _)| requested == path)
            .count()
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn answer(State(state): State<Arc<UpstreamState>>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    let headers = request.headers().clone();
    lock(&state.requests).push((path.clone(), headers.clone()));
    let behaviour = lock(&state.routes).get(&path).cloned();
    match behaviour {
        None => StatusCode::NOT_FOUND.into_response(),
        Some(behaviour) => respond(behaviour, &headers).await,
    }
}

async fn respond(behaviour: Behaviour, request_headers: &HeaderMap) -> Response {
    match behaviour {
        Behaviour::Feed {
            body,
            content_type,
            etag,
            last_modified,
        } => {
            let mut response = if is_not_modified(request_headers, &etag, &last_modified) {
                StatusCode::NOT_MODIFIED.into_response()
            } else {
                ([(header::CONTENT_TYPE, content_type)], body).into_response()
            };
            let response_headers = response.headers_mut();
            if let Some(etag) = etag {
                response_headers.insert(header::ETAG, etag.parse().expect("a test ETag is ASCII"));
            }
            if let Some(date) = last_modified {
                response_headers.insert(
                    header::LAST_MODIFIED,
                    date.parse().expect("a test date is ASCII"),
                );
            }
            response
        }
        Behaviour::Status {
            code,
            headers,
            body,
        } => {
            let mut builder = Response::builder().status(code);
            for (name, value) in headers {
                builder = builder.header(name, value);
            }
            builder
                .body(Body::from(body))
                .expect("a test status response is valid")
        }
        Behaviour::Redirect { code, to } => Response::builder()
            .status(code)
            .header(header::LOCATION, to)
            .body(Body::empty())
            .expect("a test redirect is valid"),
        Behaviour::Slow { delay, body } => {
            tokio::time::sleep(delay).await;
            ([(header::CONTENT_TYPE, "application/rss+xml")], body).into_response()
        }
        Behaviour::GzipBomb { decoded_bytes } => (
            [
                (header::CONTENT_TYPE, "application/rss+xml"),
                (header::CONTENT_ENCODING, "gzip"),
            ],
            gzip_of_zeros(decoded_bytes),
        )
            .into_response(),
        Behaviour::Huge { bytes } => (
            [(header::CONTENT_TYPE, "application/rss+xml")],
            huge_body(bytes),
        )
            .into_response(),
    }
}

/// RFC 9110 §13.1.2: `If-None-Match` wins over `If-Modified-Since` when both are sent.
fn is_not_modified(
    request_headers: &HeaderMap,
    etag: &Option<String>,
    last_modified: &Option<String>,
) -> bool {
    let if_none_match: Vec<&str> = request_headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    if !if_none_match.is_empty() {
        let Some(etag) = etag else { return false };
        let weak = |tag: &str| tag.trim_start_matches("W/").to_string();
        return if_none_match
            .iter()
            .any(|tag| *tag == "*" || weak(tag) == weak(etag));
    }
    match (
        request_headers.get(header::IF_MODIFIED_SINCE),
        last_modified,
    ) {
        (Some(since), Some(date)) => since.to_str().is_ok_and(|since| since == date),
        _ => false,
    }
}

/// A gzip stream of `decoded_bytes` zeros, compressed once per size per test process
/// (100 MiB takes about a second in a debug build and gives about 100 KB).
fn gzip_of_zeros(decoded_bytes: usize) -> Bytes {
    static CACHE: OnceLock<Mutex<HashMap<usize, Bytes>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(bytes) = lock(cache).get(&decoded_bytes) {
        return bytes.clone();
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    let mut remaining = decoded_bytes;
    while remaining > 0 {
        let length = remaining.min(zeros.len());
        encoder
            .write_all(&zeros[..length])
            .expect("writing to a Vec cannot fail");
        remaining -= length;
    }
    let bytes = Bytes::from(encoder.finish().expect("writing to a Vec cannot fail"));
    lock(cache).insert(decoded_bytes, bytes.clone());
    bytes
}

/// An RSS prefix that opens a `<description>`, then `x` padding up to `total` bytes, produced
/// 64 KiB at a time as the client reads.
fn huge_body(total: usize) -> Body {
    const PREFIX: &[u8] =
        b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
<title>Huge</title><link>http://127.0.0.1/</link><description>A feed that never ends</description>\
<item><title>Huge item</title><description>";
    let padding = Bytes::from(vec![b'x'; 64 * 1024]);
    let mut sent = 0;
    let chunks = std::iter::from_fn(move || {
        if sent >= total {
            return None;
        }
        let chunk = if sent == 0 {
            Bytes::from_static(&PREFIX[..PREFIX.len().min(total)])
        } else {
            padding.slice(..padding.len().min(total - sent))
        };
        sent += chunk.len();
        Some(Ok::<_, std::io::Error>(chunk))
    });
    Body::from_stream(futures_util::stream::iter(chunks))
}

/// Serves the four regional fixtures: `/ireland/rte.xml` (RSS), `/ireland/independent.atom`
/// (Atom), `/cyprus/cyprus-mail.xml` (RSS) and `/cyprus/philenews.xml` (RSS in ISO-8859-7).
pub fn serve_regional_fixtures(upstream: &Upstream) {
    upstream.set(
        "/ireland/rte.xml",
        Behaviour::fixture("feeds/ireland-rte.xml"),
    );
    upstream.set(
        "/ireland/independent.atom",
        Behaviour::fixture_with_type("feeds/ireland-independent-atom.xml", "application/atom+xml"),
    );
    upstream.set(
        "/cyprus/cyprus-mail.xml",
        Behaviour::fixture("feeds/cyprus-mail.xml"),
    );
    upstream.set(
        "/cyprus/philenews.xml",
        Behaviour::fixture_with_type(
            "feeds/cyprus-philenews-iso-8859-7.xml",
            "application/rss+xml; charset=ISO-8859-7",
        ),
    );
}

/// One `<item>` of a feed built by [`rss_feed`].
pub struct RssItem {
    pub title: String,
    pub link: String,
    /// A `<guid isPermaLink="false">`; without one the link is the item's identity.
    pub guid: Option<String>,
    pub published: DateTime<Utc>,
    /// The `<description>`, already escaped for XML.
    pub description: String,
}

/// An RSS 2.0 document: a channel titled `title` that links to `link`, holding `items` in order.
pub fn rss_feed(title: &str, link: &str, items: &[RssItem]) -> Vec<u8> {
    let mut text = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>{title}</title><link>{link}</link><description>Generated for a test</description>\n"
    );
    for item in items {
        let guid = item
            .guid
            .as_ref()
            .map(|guid| format!("<guid isPermaLink=\"false\">{guid}</guid>"))
            .unwrap_or_default();
        text.push_str(&format!(
            "<item><title>{}</title><link>{}</link>{guid}<pubDate>{}</pubDate>\
             <description>{}</description></item>\n",
            item.title,
            item.link,
            item.published.to_rfc2822(),
            item.description
        ));
    }
    text.push_str("</channel></rss>\n");
    text.into_bytes()
}

/// An RSS feed "{prefix} news" at `https://news.example/{prefix}/` of `count` stories
/// "{prefix} story N" linking to `https://news.example/{prefix}/N`, published on 24 November 2026
/// one hour apart from 23:00 UTC down, newest first.
pub fn numbered_feed(count: usize, prefix: &str) -> Vec<u8> {
    let first = DateTime::parse_from_rfc3339("2026-11-24T23:00:00Z")
        .expect("a valid date")
        .with_timezone(&Utc);
    let items: Vec<RssItem> = (0..count)
        .map(|n| RssItem {
            title: format!("{prefix} story {n}"),
            link: format!("https://news.example/{prefix}/{n}"),
            guid: None,
            published: first - chrono::Duration::hours(n as i64),
            description: format!("&lt;p&gt;Story {n}&lt;/p&gt;"),
        })
        .collect();
    rss_feed(
        &format!("{prefix} news"),
        &format!("https://news.example/{prefix}/"),
        &items,
    )
}
