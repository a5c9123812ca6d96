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

mod articles;
mod daemon;
mod feeds;
mod http;
mod upstream;

pub use articles::*;
pub use daemon::*;
pub use feeds::*;
pub use http::*;
pub use upstream::*;

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

/// Skips a test that needs a tool the machine lacks, loudly: a banner on stderr that names what
/// is missing and how to install it. Under `CI` (which `.ci/run` sets) nothing may be skipped,
/// so there it fails instead.
pub fn skip_without(missing: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{missing}; scripts/install-test-deps.sh installs it (under CI nothing is skipped)"
    );
    eprintln!("\n==== SKIPPED: {missing}; run scripts/install-test-deps.sh ====\n");
}

/// The path of a file in `tests/fixtures/`.
pub fn fixture_path(name: &str) -> PathBuf {
    Path::new(FIXTURES).join(name)
}

/// The raw bytes of a file in `tests/fixtures/`.
pub fn fixture_bytes(name: &str) -> Vec<u8> {
    let path = fixture_path(name);
    std::fs::read(&path).unwrap_or_else(|error| panic!("read {}: {error}", path.display()))
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
