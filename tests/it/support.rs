//! Setup shared by every integration test: a scripted upstream, the real daemon, HTTP helpers.
//!
//! - [`Upstream`] is an axum server on 127.0.0.1:0 inside the test's own runtime. Each path
//!   answers with the [`Behaviour`] a test gave it (404 when unset), and every request is recorded
//!   so a test can check what the daemon sent (conditional headers, how often it came back).
//! - [`Daemon`] runs the `islands` binary cargo built for this test run, in a fresh temporary
//!   folder that holds `feeds.toml`, the store and the articles folder, and kills it on drop.
//! - [`get`], [`get_feed`] and [`wait_until`] talk to either of them.
//!
//! Nothing here ever leaves 127.0.0.1: the proxy variables are removed from the daemon's
//! environment and the test client ignores them, so a proxy set on the machine cannot turn a
//! local request into an outside one.
//!
//! The trap: the daemon and the one-shot commands are blocking child processes, while the upstream
//! answers from the test's runtime. Tests therefore use
//! `#[tokio::test(flavor = "multi_thread", worker_threads = 2)]`, and the blocking waits here go
//! through `block_in_place`, so the upstream keeps answering while a test waits on the daemon.

// Each capability module uses its own part of this toolbox, so some of it idles in each run.
#![allow(dead_code)]

use std::collections::HashMap;
use std::future::Future;
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tempfile::TempDir;

/// Where the fixture files live.
pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// The name of the config file inside a daemon's folder.
pub const CONFIG_FILE: &str = "feeds.toml";

/// How long the daemon may take to print its `listening on` line.
const STARTUP_DEADLINE: Duration = Duration::from_secs(30);

/// The path of a file in `tests/fixtures/`.
pub fn fixture_path(name: &str) -> PathBuf {
    Path::new(FIXTURES).join(name)
}

/// The raw bytes of a file in `tests/fixtures/`.
pub fn fixture_bytes(name: &str) -> Vec<u8> {
    let path = fixture_path(name);
    std::fs::read(&path).unwrap_or_else(|error| panic!("read {}: {error}", path.display()))
}

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
        let state = Arc::new(UpstreamState::default());
        let router = Router::new().fallback(answer).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the upstream on 127.0.0.1:0");
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

    /// Makes `path` answer 404 again.
    pub fn unset(&self, path: &str) {
        lock(&self.state.routes).remove(path);
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

/// The `islands serve` child process, in its own temporary folder.
pub struct Daemon {
    child: Child,
    /// `None` only after [`Daemon::into_dir`] took it.
    dir: Option<TempDir>,
    /// `http://127.0.0.1:PORT` without the final slash.
    base_url: String,
    /// The daemon's stderr lines so far, when started with [`Daemon::start_in_capturing_stderr`].
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Daemon {
    /// Writes `config_toml` to `feeds.toml` in a fresh folder and serves it.
    pub fn start(config_toml: &str) -> Daemon {
        Daemon::start_in(workdir(config_toml))
    }

    /// Serves the `feeds.toml` already in `dir` (from [`workdir`] or [`Daemon::into_dir`]),
    /// with the store left there by earlier runs.
    pub fn start_in(dir: TempDir) -> Daemon {
        Daemon::launch(dir, false, &[])
    }

    /// Like [`Daemon::start_in`], but keeps the daemon's stderr (still echoed into the test log)
    /// for [`Daemon::stderr_lines`].
    pub fn start_in_capturing_stderr(dir: TempDir) -> Daemon {
        Daemon::launch(dir, true, &[])
    }

    /// Like [`Daemon::start_in_capturing_stderr`], with extra environment variables for the
    /// daemon, e.g. the authors' Micropub tokens named by `token_env` in the config.
    pub fn start_in_with_env(dir: TempDir, env: &[(&str, &str)]) -> Daemon {
        Daemon::launch(dir, true, env)
    }

    fn launch(dir: TempDir, capture_stderr: bool, env: &[(&str, &str)]) -> Daemon {
        let config = dir.path().join(CONFIG_FILE);
        let mut child = islands_command(dir.path())
            .envs(env.iter().copied())
            .arg("serve")
            .arg("--config")
            .arg(&config)
            .stdout(Stdio::piped())
            .stderr(if capture_stderr {
                Stdio::piped()
            } else {
                Stdio::inherit()
            })
            .spawn()
            .unwrap_or_else(|error| panic!("spawn {}: {error}", env!("CARGO_BIN_EXE_islands")));
        let stderr_lines = Arc::new(Mutex::new(Vec::new()));
        if let Some(stderr) = child.stderr.take() {
            let lines = stderr_lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    eprintln!("{line}");
                    lock(&lines).push(line);
                }
            });
        }
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, receiver) = mpsc::channel();
        // Keep reading after the first line, so the daemon never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                eprintln!("[islands stdout] {line}");
                if let Some(url) = line.strip_prefix("listening on ") {
                    let _ = sender.send(url.trim().to_string());
                }
            }
        });
        let listening = blocking(|| receiver.recv_timeout(STARTUP_DEADLINE));
        match listening {
            Ok(url) => Daemon {
                child,
                dir: Some(dir),
                base_url: url.trim_end_matches('/').to_string(),
                stderr: stderr_lines,
            },
            // Stdout closed: the daemon exited (or closed it) without saying where it listens.
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                // Killing a process that already exited leaves its exit status as it was.
                let _ = child.kill();
                let status = child.wait();
                panic!(
                    "islands serve stopped ({status:?}) before printing \
                     `listening on http://127.0.0.1:PORT/`; its stderr is above"
                );
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "islands serve did not print `listening on http://127.0.0.1:PORT/` within \
                     {STARTUP_DEADLINE:?}; its stderr is above"
                );
            }
        }
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        assert!(path.starts_with('/'), "daemon paths start with /: {path}");
        format!("{}{path}", self.base_url)
    }

    /// The daemon's process id, e.g. to read its peak memory from `/proc/PID/status`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The folder holding `feeds.toml`, the store and the articles.
    pub fn dir(&self) -> &Path {
        self.dir
            .as_ref()
            .expect("the folder is kept until drop")
            .path()
    }

    /// The daemon's stderr lines so far; empty unless started with
    /// [`Daemon::start_in_capturing_stderr`].
    pub fn stderr_lines(&self) -> Vec<String> {
        lock(&self.stderr).clone()
    }

    /// Sends a signal by name (`"HUP"`, `"TERM"`, ...) with `kill(1)`.
    pub fn signal(&self, signal: &str) {
        let pid = self.pid().to_string();
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(&pid)
            .status()
            .unwrap_or_else(|error| panic!("run kill -{signal} {pid}: {error}"));
        assert!(status.success(), "kill -{signal} {pid} -> {status}");
    }

    /// Sends SIGTERM and waits for the daemon to exit; panics (after a SIGKILL) if it is still
    /// running after `deadline`.
    pub fn terminate(&mut self, deadline: Duration) -> ExitStatus {
        self.signal("TERM");
        let started = Instant::now();
        let status = blocking(|| {
            loop {
                match self.child.try_wait() {
                    Ok(Some(status)) => return Some(status),
                    Ok(None) if started.elapsed() < deadline => {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    Ok(None) => return None,
                    Err(error) => panic!("waiting for islands serve: {error}"),
                }
            }
        });
        status.unwrap_or_else(|| {
            self.stop();
            panic!("islands serve was still running {deadline:?} after SIGTERM");
        })
    }

    /// Stops the daemon and hands back its folder, so another run can reuse the store.
    pub fn into_dir(mut self) -> TempDir {
        self.stop();
        self.dir.take().expect("the folder is kept until drop")
    }

    /// Runs `islands ARGS --config DIR/feeds.toml` to completion in `dir`, e.g. `&["fetch"]`.
    pub fn run_cli(args: &[&str], dir: &Path) -> Output {
        let mut all_args: Vec<&str> = args.to_vec();
        let config = dir.join(CONFIG_FILE);
        let config = config.to_str().expect("temporary paths are UTF-8");
        all_args.extend(["--config", config]);
        run_islands(&all_args, dir)
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A fresh folder holding `feeds.toml` and an empty `articles/`, ready for the daemon.
pub fn workdir(config_toml: &str) -> TempDir {
    let dir = tempfile::tempdir().expect("create a temporary folder");
    std::fs::write(dir.path().join(CONFIG_FILE), config_toml).expect("write feeds.toml");
    std::fs::create_dir(dir.path().join("articles")).expect("create articles/");
    dir
}

/// Runs `islands ARGS` to completion in `current_dir`, echoing its output into the test log.
pub fn run_islands(args: &[&str], current_dir: &Path) -> Output {
    let output = blocking(|| islands_command(current_dir).args(args).output())
        .unwrap_or_else(|error| panic!("run islands {args:?}: {error}"));
    eprintln!(
        "islands {args:?} -> {}\n--- stdout\n{}--- stderr\n{}---",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Like [`run_islands`], but kills the command and panics if it runs longer than `deadline`
/// (e.g. `serve`, which must refuse a bad config rather than start).
pub fn run_islands_within(args: &[&str], current_dir: &Path, deadline: Duration) -> Output {
    let mut child = islands_command(current_dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("run islands {args:?}: {error}"));
    let read_all = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = read_all(Box::new(child.stdout.take().expect("stdout is piped")));
    let stderr = read_all(Box::new(child.stderr.take().expect("stderr is piped")));
    let started = Instant::now();
    let status = blocking(|| {
        loop {
            match child.try_wait() {
                Ok(Some(status)) => return Some(status),
                Ok(None) if started.elapsed() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Ok(None) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return None;
                }
                Err(error) => panic!("waiting for islands {args:?}: {error}"),
            }
        }
    });
    let output = Output {
        status: status.unwrap_or_else(|| {
            panic!("islands {args:?} was still running after {deadline:?}; killed it")
        }),
        stdout: stdout.join().expect("the stdout reader does not panic"),
        stderr: stderr.join().expect("the stderr reader does not panic"),
    };
    eprintln!(
        "islands {args:?} -> {}\n--- stdout\n{}--- stderr\n{}---",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn islands_command(current_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_islands"));
    command
        .current_dir(current_dir)
        .env("RUST_LOG", "islands=debug")
        .env("RUST_BACKTRACE", "1")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost");
    for variable in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"] {
        command
            .env_remove(variable)
            .env_remove(variable.to_lowercase());
    }
    command
}

/// A config in the shipped format with a one-second schedule: `regions` maps a region slug to its
/// sources as (name, upstream path).
pub fn config(upstream: &Upstream, regions: &[(&str, &[(&str, &str)])]) -> String {
    let mut text = String::from(
        r#"[site]
title = "World, As Seen from the most beautiful islands: Ireland and Cyprus"
subtitle = "From Trinity st. to Limassol, Cyprus"
base_url = "http://127.0.0.1:8080/"
language = "en"
contact = "tips@islands.example"

[server]
listen = "127.0.0.1:0"

[store]
path = "store"

[schedule]
refresh = "*/1 * * * * *"

[fetch]
timeout = "3s"
connect_timeout = "2s"
max_body_bytes = 10485760
max_redirects = 5
max_in_flight = 8
backoff_base = "1s"
backoff_max = "24h"

[articles]
dir = "articles"

[authors.grace-kennedy]
name = "Grace Kennedy"
bio = "A leading journalist and columnist of events in Ireland and beyond."
"#,
    );
    for (slug, sources) in regions {
        let mut name = slug.to_string();
        if let Some(first) = name.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        text.push_str(&format!(
            "\n[[region]]\nslug = {}\nname = {}\n",
            toml_string(slug),
            toml_string(&name)
        ));
        for (source_name, path) in *sources {
            text.push_str(&format!(
                "\n[[region.source]]\nname = {}\nurl = {}\n",
                toml_string(source_name),
                toml_string(&upstream.url(path))
            ));
        }
    }
    text
}

/// A TOML basic string; JSON's escapes are a subset of TOML's.
fn toml_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string serializes")
}

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
    let response = get(url).await;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .unwrap_or_else(|error| panic!("GET {url}: reading the body: {error}"));
    assert_eq!(status, StatusCode::OK, "GET {url}: {}", preview(&body));
    feed_rs::parser::parse(&body[..])
        .unwrap_or_else(|error| panic!("GET {url}: not a feed ({error}): {}", preview(&body)))
}

/// GET `url` with extra request headers (e.g. `If-None-Match`), without following redirects, so
/// a test sees a 304 or a 308 as it was sent; panics if no response arrives.
pub async fn get_with(url: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .expect("build the test HTTP client");
    let mut request = client.get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request
        .send()
        .await
        .unwrap_or_else(|error| panic!("GET {url} with {headers:?}: {error}"))
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

/// A new client per call: a reqwest client keeps connections on the runtime that opened them,
/// and every test has its own runtime.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("build the test HTTP client")
}

fn preview(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    text.chars().take(600).collect()
}

/// Runs blocking work without stalling the runtime's other tasks (the upstream among them).
fn blocking<T>(work: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(work)
        }
        _ => work(),
    }
}

/// A poisoned lock only means another test thread panicked; the data is still usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
