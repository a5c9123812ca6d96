//! Talking to the daemon over HTTP: requests, JSON and pages, polling until a deadline.

use super::*;

/// GET `url` with a client that never uses a proxy; panics if no response arrives.
pub async fn get(url: &str) -> reqwest::Response {
    client()
        .get(url)
        .send()
        .await
        .unwrap_or_else(|error| panic!("GET {url}: {error}"))
}

/// GET `url`, assert 200 and parse the body with feed-rs.
pub async fn get_feed(url: &str) -> feed_rs::model::Feed {
    let body = ok_body(url, get(url).await).await;
    feed_rs::parser::parse(&body[..])
        .unwrap_or_else(|error| panic!("GET {url}: not a feed ({error}): {}", preview(&body)))
}

/// GET `url` with extra request headers (e.g. `If-None-Match`), without following redirects, so
/// a test sees a 304 or a 308 as it was sent; panics if no response arrives.
pub async fn get_with(url: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    get_using(&client_without_redirects(), url, headers).await
}

/// GET `url` with `client` (e.g. [`raw_client`]) and extra request headers; panics if no
/// response arrives.
pub async fn get_using(
    client: &reqwest::Client,
    url: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = client.get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request
        .send()
        .await
        .unwrap_or_else(|error| panic!("GET {url} with {headers:?}: {error}"))
}

/// A client that follows no redirect and never uses a proxy, so a test sees a 304 or a 308 as
/// it was sent.
pub fn client_without_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .expect("build the test HTTP client")
}

/// A client that neither decompresses nor follows redirects: the bytes and the status as sent.
pub fn raw_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .no_gzip()
        .no_brotli()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .expect("build the test HTTP client")
}

/// The value of the response header `name`; panics when it is missing or not text.
pub fn header(response: &reqwest::Response, name: &str) -> String {
    header_of(response.headers(), name)
        .unwrap_or_else(|| panic!("GET {}: no {name} header", response.url()))
}

/// The value of the header `name` among `headers` (of a request the upstream saw, or of an
/// answer kept whole), if there is one.
pub fn header_of(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<String> {
    headers
        .get(name)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
}

/// Like [`get_feed`], but `None` instead of a panic, for polling with [`wait_until`].
pub async fn try_get_feed(url: &str) -> Option<feed_rs::model::Feed> {
    let response = client().get(url).send().await.ok()?;
    if response.status() != StatusCode::OK {
        return None;
    }
    let body = response.bytes().await.ok()?;
    feed_rs::parser::parse(&body[..]).ok()
}

/// Polls `check` every 100 ms until it returns true; panics naming `what` after `deadline`.
pub async fn wait_until<F, Fut>(what: &str, deadline: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    loop {
        if check().await {
            return;
        }
        if started.elapsed() > deadline {
            panic!("timed out after {deadline:?} waiting until {what}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// GET `url`, assert 200 and parse the body as JSON.
pub async fn get_json(url: &str) -> Value {
    let body = ok_body(url, get(url).await).await;
    serde_json::from_slice(&body)
        .unwrap_or_else(|error| panic!("GET {url}: not JSON ({error}): {}", preview(&body)))
}

/// The daemon's `/status.json`; panics unless it answers 200 with JSON.
pub async fn status_json(daemon: &Daemon) -> Value {
    get_json(&daemon.url("/status.json")).await
}

/// GET a page of the daemon, without following redirects: its status and body.
pub async fn page(daemon: &Daemon, path: &str) -> (StatusCode, String) {
    let response = get_with(&daemon.url(path), &[]).await;
    let status = response.status();
    let body = response
        .text()
        .await
        .unwrap_or_else(|error| panic!("GET {path}: {error}"));
    (status, body)
}

/// GETs the daemon's page at `path`, asserts that it answers 200 (`when`, e.g. "after the
/// update", says at what moment) and shows every one of `expected`, and returns it.
pub async fn assert_page_shows(
    daemon: &Daemon,
    path: &str,
    when: &str,
    expected: &[&str],
) -> String {
    let (status, html) = page(daemon, path).await;
    let what = format!("GET {path} {when}");
    assert_eq!(status, StatusCode::OK, "{}", what.trim_end());
    for expected in expected {
        assert_contains(path, &html, expected);
    }
    html
}

/// The body of the daemon's answer at `path` as text; panics unless it is a 200 in UTF-8.
pub async fn body_text(daemon: &Daemon, path: &str) -> String {
    let body = ok_body(path, get_with(&daemon.url(path), &[]).await).await;
    String::from_utf8(body.to_vec())
        .unwrap_or_else(|error| panic!("GET {path}: the body is not UTF-8: {error}"))
}

/// Asserts that `html` (of the page `what`) contains `expected`, showing the page if not.
pub fn assert_contains(what: &str, html: &str, expected: &str) {
    assert!(
        html.contains(expected),
        "{what} lacks {expected:?}:\n{html}"
    );
}

/// The public address of the article `slug`, under [`BASE_URL`].
pub fn permalink(slug: &str) -> String {
    format!("{BASE_URL}articles/{slug}")
}

/// The bytes a gzip stream decodes to; panics if it is not one.
pub fn gunzip(gzip: &[u8]) -> Vec<u8> {
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(gzip)
        .read_to_end(&mut decoded)
        .expect("a valid gzip stream");
    decoded
}

/// A new client per call: a reqwest client keeps connections on the runtime that opened them,
/// and every test has its own runtime.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("build the test HTTP client")
}

/// The body of the `response` to GET `url`; panics, showing the start of the body, unless the
/// status is 200.
async fn ok_body(url: &str, response: reqwest::Response) -> Bytes {
    let status = response.status();
    let body = response
        .bytes()
        .await
        .unwrap_or_else(|error| panic!("GET {url}: reading the body: {error}"));
    assert_eq!(status, StatusCode::OK, "GET {url}: {}", preview(&body));
    body
}

fn preview(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    text.chars().take(600).collect()
}
