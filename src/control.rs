//! The command line beside a running daemon. The daemon holds the store (sled allows one
//! process), so while it runs, `fetch`, `export`, `opml export`, `article export`,
//! `check --preview`, `reindex` and `status` ask it to do the work instead: it listens on a Unix
//! socket in the store's folder (`islands.sock`, mode 0600: only its owner may ask), and
//! answers plain HTTP whose body is what the command prints, streamed as it goes. Without a
//! daemon (no socket, or a stale one) the commands open the store themselves.

use std::convert::Infallible;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{FromRef, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::StreamExt;
use serde::Deserialize;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::warn;

use crate::app::App;
use crate::commands;

/// The socket's name in the store's folder.
pub const SOCKET: &str = "islands.sock";

pub fn socket_path(store: &Path) -> PathBuf {
    store.join(SOCKET)
}

/// What the socket's handlers share: the daemon, and for the work that outlives a request
/// (a fetch goes on when its command goes away), the daemon's shutdown and task tracker.
#[derive(Clone)]
struct Control {
    app: Arc<App>,
    shutdown: CancellationToken,
    tasks: TaskTracker,
}

impl FromRef<Control> for Arc<App> {
    fn from_ref(control: &Control) -> Arc<App> {
        control.app.clone()
    }
}

/// Listens on the store's socket until shutdown; the socket file is removed then. A socket
/// file left by a daemon that died is replaced (this daemon holds the store, so it is stale).
/// Work that outlives its request runs on `tasks`, the daemon's, which a stop waits for.
pub fn listen(
    app: Arc<App>,
    shutdown: CancellationToken,
    tasks: TaskTracker,
) -> std::io::Result<tokio::task::JoinHandle<()>> {
    let path = socket_path(&app.config().store.path);
    let _ = std::fs::remove_file(&path);
    let listener = tokio::net::UnixListener::bind(&path)?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    }
    let router = Router::new()
        .route("/status", get(status))
        .route("/fetch", post(fetch))
        .route("/export", post(export))
        .route("/opml", get(opml))
        .route("/article-export", post(article_export))
        .route("/preview", get(preview))
        .route("/reindex", post(reindex))
        .route("/comments", get(comments_export))
        .with_state(Control {
            app,
            shutdown: shutdown.clone(),
            tasks,
        });
    Ok(tokio::spawn(async move {
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(async move { shutdown.cancelled().await })
            .await;
        if let Err(error) = served {
            warn!("the command socket stopped: {error}");
        }
        let _ = std::fs::remove_file(&path);
    }))
}

/// A command's output: lines for stdout, then lines for stderr after a `\u{0}` line.
fn text(out: Vec<String>, err: Vec<String>) -> Response {
    let mut body = out.join("\n");
    if !out.is_empty() {
        body.push('\n');
    }
    if !err.is_empty() {
        body.push_str("\u{0}\n");
        body.push_str(&err.join("\n"));
        body.push('\n');
    }
    (StatusCode::OK, body).into_response()
}

fn failed(error: impl std::error::Error) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("{}\n", crate::report::Report(&error)),
    )
        .into_response()
}

async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(work).await {
        Ok(done) => done,
        Err(error) => std::panic::resume_unwind(error.into_panic()),
    }
}

async fn status(State(app): State<Arc<App>>) -> Response {
    let reading = app.clone();
    let collected = blocking(move || {
        crate::status::collect_status(
            &reading.config(),
            &reading.store,
            reading.article_issues(),
            reading.config_error(),
            chrono::Utc::now(),
        )
    })
    .await;
    match collected {
        Ok(status) => (StatusCode::OK, commands::status_table(&status)).into_response(),
        Err(error) => failed(error),
    }
}

/// Every source refreshed now, a line per source as each finishes (streamed). The refreshes
/// are the daemon's, like its scheduled ones: they go on if the command goes away, a stop
/// cancels them and waits for them before its last flush.
async fn fetch(State(control): State<Control>) -> Response {
    let Control {
        app,
        shutdown,
        tasks,
    } = control;
    let (lines, receiver) = tokio::sync::mpsc::unbounded_channel::<String>();
    tasks.spawn(async move {
        let config = app.config();
        // The runs borrow the sources from this task's snapshot of the config: none is copied.
        let app = &app;
        let mut runs: futures_util::stream::FuturesUnordered<_> = config
            .sources()
            .map(|source| async move {
                let outcome = crate::refresh::refresh_source(app, source).await;
                (source, outcome)
            })
            .collect();
        let all = async {
            while let Some((source, outcome)) = runs.next().await {
                let _ = lines.send(format!("{}\n", commands::fetch_line(source, &outcome)));
            }
        };
        tokio::select! {
            _ = all => {}
            _ = shutdown.cancelled() => {
                let _ = lines.send(format!(
                    "\u{0}\nthe daemon stopped before every source was refreshed ({} were not)\n",
                    runs.len()
                ));
            }
        }
    });
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        let mut chunk = receiver.recv().await?;
        // The lines of the refreshes that finished meanwhile go out with it: one write for a
        // burst of 304s, not one each (a line is a write on both ends of the socket).
        while chunk.len() < CHUNK_BYTES
            && let Ok(line) = receiver.try_recv()
        {
            chunk.push_str(&line);
        }
        Some((Ok::<_, Infallible>(Bytes::from(chunk)), receiver))
    });
    Body::from_stream(stream).into_response()
}

/// How many bytes of lines one chunk of a streamed answer gathers at most.
const CHUNK_BYTES: usize = 16 * 1024;

#[derive(Deserialize)]
struct Folder {
    /// An absolute path, as the command resolved it in its own working folder.
    to: PathBuf,
}

async fn export(State(app): State<Arc<App>>, Query(folder): Query<Folder>) -> Response {
    let exported = blocking(move || {
        let config = app.config();
        let generation = app.store.generation();
        crate::export::export_site(
            generation,
            &config,
            &app.store,
            &app.rendered,
            &folder.to,
            &mut |_| {},
        )
        .map(|report| (report, folder.to))
    })
    .await;
    match exported {
        Ok((report, out)) if report.failed == 0 => text(
            vec![format!(
                "{}: {} files, {} written, {} removed",
                out.display(),
                report.files,
                report.written,
                report.removed
            )],
            Vec::new(),
        ),
        Ok((report, out)) => failed(commands::CommandError::ExportIncomplete {
            failed: report.failed,
            out,
        }),
        Err(error) => failed(error),
    }
}

async fn opml(State(app): State<Arc<App>>) -> Response {
    let rendered = blocking(move || {
        let config = app.config();
        crate::opml::site_urls(&config, &app.store)
            .map(|site_urls| crate::opml::render_opml(&config, &site_urls))
    })
    .await;
    match rendered {
        Ok(opml) => (StatusCode::OK, opml).into_response(),
        Err(error) => failed(error),
    }
}

async fn article_export(State(app): State<Arc<App>>, Query(folder): Query<Folder>) -> Response {
    let written = blocking(move || {
        commands::export_articles_from(&app.store, &folder.to).map(|written| (written, folder.to))
    })
    .await;
    match written {
        Ok((written, dir)) => text(
            written
                .iter()
                .map(|path| path.display().to_string())
                .collect(),
            vec![format!(
                "{} articles written to {}",
                written.len(),
                dir.display()
            )],
        ),
        Err(error) => failed(error),
    }
}

#[derive(Deserialize)]
struct PreviewOf {
    source: Option<String>,
}

async fn preview(State(app): State<Arc<App>>, Query(of): Query<PreviewOf>) -> Response {
    let previews = blocking(move || {
        commands::preview_rules_in(&app.config(), &app.store, of.source.as_deref())
    })
    .await;
    match previews {
        Ok(previews) => {
            let (out, err) = commands::preview_lines(&previews);
            text(out, err)
        }
        Err(error @ commands::CommandError::UnknownSource { .. }) => {
            (StatusCode::BAD_REQUEST, format!("{error}\n")).into_response()
        }
        Err(error) => failed(error),
    }
}

async fn comments_export(State(app): State<Arc<App>>) -> Response {
    match blocking(move || commands::comments_json(&app.store)).await {
        Ok(json) => (StatusCode::OK, json).into_response(),
        Err(error) => failed(error),
    }
}

async fn reindex(State(app): State<Arc<App>>) -> Response {
    let Some(search) = app.search.get().cloned() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "the daemon has no search index (see its log)\n",
        )
            .into_response();
    };
    let rebuilt = blocking(move || search.rebuild(&app.config(), &app.store, &mut |_, _| {})).await;
    match rebuilt {
        Ok(indexed) => text(vec![format!("{indexed} entries indexed")], Vec::new()),
        Err(error) => failed(error),
    }
}

/// What a command asks of the daemon.
pub struct Request {
    pub method: &'static str,
    /// Path and query, e.g. `/export?to=/abs/path`.
    pub path: String,
}

/// Asks the daemon on `store`'s socket to run a command, printing its output as it comes.
/// `None` when no daemon answers there (run the command locally); else whether it succeeded.
pub async fn forward(store: &Path, request: Request) -> Option<Result<(), String>> {
    let stream = tokio::net::UnixStream::connect(socket_path(store))
        .await
        .ok()?;
    Some(exchange(stream, request).await)
}

async fn exchange(stream: tokio::net::UnixStream, request: Request) -> Result<(), String> {
    let io = hyper_util::rt::TokioIo::new(stream);
    let (mut sender, connection) = hyper::client::conn::http1::handshake::<_, Body>(io)
        .await
        .map_err(|error| format!("the daemon's socket: {error}"))?;
    tokio::spawn(connection);
    let request = axum::http::Request::builder()
        .method(request.method)
        .uri(request.path)
        .header("host", "islands")
        .body(Body::empty())
        .map_err(|error| error.to_string())?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|error| format!("the daemon did not answer: {error}"))?;
    let ok = response.status().is_success();
    let mut body = Body::new(response.into_body()).into_data_stream();
    let mut to_stderr = !ok;
    let mut failure = String::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|error| format!("the daemon's answer broke off: {error}"))?;
        let mut rest = &chunk[..];
        while !rest.is_empty() {
            let split = rest.iter().position(|b| *b == 0).filter(|_| !to_stderr);
            let (now, later) = match split {
                Some(at) => (&rest[..at], &rest[at + 1..]),
                None => (rest, &[][..]),
            };
            if to_stderr && !ok {
                failure.push_str(&String::from_utf8_lossy(now));
            } else if to_stderr {
                let _ = std::io::stderr().write_all(now.strip_prefix(b"\n").unwrap_or(now));
            } else {
                let _ = std::io::stdout().write_all(now);
                let _ = std::io::stdout().flush();
            }
            if split.is_some() {
                to_stderr = true;
            }
            rest = later;
        }
    }
    if ok {
        Ok(())
    } else {
        Err(failure.trim_end().to_string())
    }
}
