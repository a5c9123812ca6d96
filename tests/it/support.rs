//! Setup shared by every integration test: a scripted upstream, the real daemon, HTTP helpers.
//!
//! - [`Upstream`] is an axum server on 127.0.0.1:0 inside the test's own runtime. Each path
//!   answers with the [`Behaviour`] a test gave it (404 when unset), and every request is recorded
//!   so a test can check what the daemon sent (conditional headers, how often it came back).
//! - [`Daemon`] runs the `islands` binary cargo built for this test run, in a fresh temporary
//!   folder that holds `feeds.toml`, the store and the articles folder, and kills it on drop.
//! - [`get`], [`get_feed`] and [`wait_until`] talk to either of them; the helpers after them read
//!   what the daemon publishes (feeds, pages, `/status.json`) and write what it reads (configs,
//!   articles, generated RSS), once for every capability module.
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
use std::io::{BufRead, BufReader, Read, Write};
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
use chrono::{DateTime, Utc};
use feed_rs::model::{Entry, Feed};
use serde_json::Value;
use tempfile::TempDir;

/// Where the fixture files live.
pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// The name of the config file inside a daemon's folder.
pub const CONFIG_FILE: &str = "feeds.toml";

/// How long the daemon may take to print its `listening on` line.
const STARTUP_DEADLINE: Duration = Duration::from_secs(30);

/// How long a test waits for what comes from the upstream: the first refresh runs at once and the
/// schedule ticks every second; this leaves room for a loaded two-core machine.
pub const FETCH_DEADLINE: Duration = Duration::from_secs(20);

/// How long a test waits for a local change (an article file, a Micropub post, a config edit) to
/// be republished: "within seconds", with room for a loaded two-core machine.
pub const CHANGE_DEADLINE: Duration = Duration::from_secs(15);

/// `[site] base_url` in [`config`]: links on pages and in feeds start with it.
pub const BASE_URL: &str = "http://127.0.0.1:8080/";

/// Every feed comes in these three formats: extension and media type.
pub const FORMATS: [(&str, &str); 3] = [
    ("rss", "application/rss+xml"),
    ("atom", "application/atom+xml"),
    ("json", "application/feed+json"),
];

/// The RTÉ fixture as the only Irish source, at the path [`serve_regional_fixtures`] serves it.
pub const RTE: &[(&str, &str)] = &[("RTÉ News", "/ireland/rte.xml")];

/// The Cyprus Mail fixture as the only Cypriot source, at the path [`serve_regional_fixtures`]
/// serves it.
pub const CYPRUS_MAIL: &[(&str, &str)] = &[("Cyprus Mail", "/cyprus/cyprus-mail.xml")];

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
    echo_output(args, &output);
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
    echo_output(args, &output);
    output
}

/// Echoes a finished `islands ARGS` into the test log.
fn echo_output(args: &[&str], output: &Output) {
    eprintln!(
        "islands {args:?} -> {}\n--- stdout\n{}--- stderr\n{}---",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn islands_command(current_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_islands"));
    command
        .current_dir(current_dir)
        .env("RUST_LOG", "islands=debug")
        .env("RUST_BACKTRACE", "1");
    without_proxy(&mut command);
    command
}

/// Keeps `command` (the daemon, or a client such as python3) from using a proxy: it only ever
/// talks to 127.0.0.1.
pub fn without_proxy(command: &mut Command) -> &mut Command {
    command
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
            toml_value(slug),
            toml_value(&name)
        ));
        for (source_name, path) in *sources {
            text.push_str(&format!(
                "\n[[region.source]]\nname = {}\nurl = {}\n",
                toml_value(source_name),
                toml_value(&upstream.url(path))
            ));
        }
    }
    text
}

/// A TOML string or array of strings: JSON's syntax for them is a subset of TOML's.
pub fn toml_value(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).expect("strings serialize")
}

/// `config_toml` with its one `from` replaced by `to`; panics unless `from` is there exactly once,
/// so a change to [`config`] cannot silently void a test's edit.
pub fn edit_config(config_toml: &str, from: &str, to: &str) -> String {
    assert_eq!(
        config_toml.matches(from).count(),
        1,
        "the test config holds {from:?} once:\n{config_toml}"
    );
    config_toml.replacen(from, to, 1)
}

/// The bytes a gzip stream decodes to; panics if it is not one.
pub fn gunzip(gzip: &[u8]) -> Vec<u8> {
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(gzip)
        .read_to_end(&mut decoded)
        .expect("a valid gzip stream");
    decoded
}

/// Serves the four regional fixtures: `/ireland/rte.xml` (RSS), `/ireland/independent.atom`
/// (Atom), `/cyprus/cyprus-mail.xml` (RSS) and `/cyprus/philenews.xml` (RSS in ISO-8859-7).
pub fn serve_regional_fixtures(upstream: &Upstream) {
    upstream.set("/ireland/rte.xml", Behaviour::fixture("ireland-rte.xml"));
    upstream.set(
        "/ireland/independent.atom",
        Behaviour::fixture_with_type("ireland-independent-atom.xml", "application/atom+xml"),
    );
    upstream.set(
        "/cyprus/cyprus-mail.xml",
        Behaviour::fixture("cyprus-mail.xml"),
    );
    upstream.set(
        "/cyprus/philenews.xml",
        Behaviour::fixture_with_type(
            "cyprus-philenews-iso-8859-7.xml",
            "application/rss+xml; charset=ISO-8859-7",
        ),
    );
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

// ---------------------------------------------------------------------------------------------
// Feeds as feed-rs reads them.

/// An entry's title, trimmed; empty when it has none.
pub fn entry_title(entry: &Entry) -> String {
    entry
        .title
        .as_ref()
        .map(|title| title.content.trim().to_string())
        .unwrap_or_default()
}

/// The entry titles of a feed, in its order.
pub fn titles(feed: &Feed) -> Vec<String> {
    feed.entries.iter().map(entry_title).collect()
}

/// The entry's link: its first link that is not `rel` something other than `alternate`.
pub fn entry_link(entry: &Entry) -> Option<&str> {
    entry
        .links
        .iter()
        .find(|link| link.rel.as_deref().is_none_or(|rel| rel == "alternate"))
        .map(|link| link.href.as_str())
}

/// The one entry titled `title` in the feed read from `url`; panics when there is none or more
/// than one.
pub fn the_entry(feed: &Feed, title: &str, url: &str) -> Entry {
    let mut found = feed
        .entries
        .iter()
        .filter(|entry| entry_title(entry) == title);
    let entry = found
        .next()
        .unwrap_or_else(|| panic!("{url} does not list {title:?}"))
        .clone();
    assert!(found.next().is_none(), "{url} lists {title:?} twice");
    entry
}

/// The entry titles of fixtures, in order, as feed-rs reads them.
pub fn fixture_titles(names: &[&str]) -> Vec<String> {
    names
        .iter()
        .flat_map(|name| {
            let feed = feed_rs::parser::parse(&fixture_bytes(name)[..])
                .unwrap_or_else(|error| panic!("fixture {name}: {error}"));
            titles(&feed)
        })
        .collect()
}

/// What each format of `/feeds/{feed}.*` lists: its URL and its entry titles.
pub async fn titles_in_every_format(daemon: &Daemon, feed: &str) -> Vec<(String, Vec<String>)> {
    let mut listed = Vec::new();
    for (extension, _) in FORMATS {
        let url = daemon.url(&format!("/feeds/{feed}.{extension}"));
        let titles = titles(&get_feed(&url).await);
        listed.push((url, titles));
    }
    listed
}

/// Waits until the feed at `url` lists every title in `expected`.
pub async fn wait_for_titles(url: &str, expected: &[String]) {
    wait_until(
        &format!("{url} lists {expected:?}"),
        FETCH_DEADLINE,
        || async move {
            try_get_feed(url).await.is_some_and(|feed| {
                let published = titles(&feed);
                expected.iter().all(|title| published.contains(title))
            })
        },
    )
    .await;
}

/// Waits until every format of `/feeds/{feed}.*` lists `title`.
pub async fn wait_until_listed(daemon: &Daemon, feed: &str, title: &str) {
    wait_for_listing(daemon, feed, title, true).await;
}

/// Waits until no format of `/feeds/{feed}.*` lists `title`.
pub async fn wait_until_unlisted(daemon: &Daemon, feed: &str, title: &str) {
    wait_for_listing(daemon, feed, title, false).await;
}

async fn wait_for_listing(daemon: &Daemon, feed: &str, title: &str, listed: bool) {
    for (extension, _) in FORMATS {
        let url = daemon.url(&format!("/feeds/{feed}.{extension}"));
        let url = url.as_str();
        let what = if listed { "lists" } else { "no longer lists" };
        wait_until(
            &format!("{url} {what} {title:?}"),
            CHANGE_DEADLINE,
            || async move {
                try_get_feed(url)
                    .await
                    .is_some_and(|feed| titles(&feed).iter().any(|t| t == title) == listed)
            },
        )
        .await;
    }
}

/// Asserts that no format of any of `feeds` (e.g. `["all", "ireland"]`) lists `title`.
pub async fn assert_nowhere(daemon: &Daemon, feeds: &[&str], title: &str) {
    for feed in feeds {
        for (url, listed) in titles_in_every_format(daemon, feed).await {
            assert!(
                !listed.contains(&title.to_string()),
                "{url} lists {title:?}"
            );
        }
    }
}

/// `items`, sorted: for comparing lists whose order is not the point.
pub fn sorted<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort();
    items
}

// ---------------------------------------------------------------------------------------------
// Articles: the Markdown files the daemon publishes.

/// The `published` date of every [`article_text`].
pub const ARTICLE_PUBLISHED: &str = "2026-11-24T09:00:00Z";

/// An article by `grace-kennedy`, published [`ARTICLE_PUBLISHED`]. Line 2 is the title, line 3
/// the author (its value at column 10), line 4 the regions (absent when `regions` is empty; the
/// first region at column 12), then the date; `extra` holds further front matter lines, each
/// ending in a newline.
pub fn article_text(title: &str, regions: &[&str], extra: &str, body: &str) -> String {
    let regions = if regions.is_empty() {
        String::new()
    } else {
        format!("regions = {}\n", toml_value(&regions))
    };
    format!(
        "+++\ntitle = {}\nauthor = \"grace-kennedy\"\n{regions}\
         published = {ARTICLE_PUBLISHED}\n{extra}+++\n{body}",
        toml_value(&title)
    )
}

/// `+++\nFRONT+++\nBODY` -> (FRONT, BODY); `None` when the text has no such front matter.
pub fn split_front_matter(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix("+++\n")?;
    let end = rest.find("\n+++\n")?;
    Some((&rest[..end + 1], &rest[end + "\n+++\n".len()..]))
}

/// The strings of a TOML array (none when it is absent or not one).
pub fn toml_strings(value: Option<&toml::Value>) -> Vec<String> {
    value
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(toml::Value::as_str)
        .map(str::to_string)
        .collect()
}

/// Like [`workdir`], with `files` (name, text) already in `articles/`.
pub fn workdir_with_articles(
    config_toml: &str,
    files: &[(impl AsRef<str>, impl AsRef<str>)],
) -> TempDir {
    let dir = workdir(config_toml);
    for (name, text) in files {
        let name = name.as_ref();
        std::fs::write(dir.path().join("articles").join(name), text.as_ref())
            .unwrap_or_else(|error| panic!("write articles/{name}: {error}"));
    }
    dir
}

/// Writes `path` the way careful editors do: a hidden temporary file in its folder, then a
/// rename over it.
pub fn write_atomically(path: &Path, text: &str) {
    let name = path
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or_else(|| panic!("{} has no UTF-8 file name", path.display()));
    let temporary = path.with_file_name(format!(".{name}.tmp"));
    std::fs::write(&temporary, text)
        .unwrap_or_else(|error| panic!("write {}: {error}", temporary.display()));
    std::fs::rename(&temporary, path).unwrap_or_else(|error| {
        panic!(
            "rename {} over {}: {error}",
            temporary.display(),
            path.display()
        )
    });
}

/// The names of the files in `folder`, sorted.
pub fn file_names(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap_or_else(|error| panic!("list {}: {error}", folder.display()))
        .map(|item| {
            item.expect("read a folder entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

// ---------------------------------------------------------------------------------------------
// Generated RSS for the upstream.

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
