//! What each serving layer costs a request (issue 18: "keep the request-timeout and connection
//! limits, but measure what each layer costs"), on `GET /feeds/all.atom` served from the render
//! cache: 50 entries, plain, gzip and a 304.
//!
//! The router is the daemon's (`islands::serve::router_with`), built four ways: no layer, the
//! request counter alone, the request timeout alone, and both (what the daemon runs). A fifth
//! adds what the accept loop wraps each connection's router in (`Extension(ConnectInfo)`, for
//! the comment rate limit). Requests go through `tower::ServiceExt::oneshot` without a socket,
//! on one thread, the body read whole; the metrics recorder is installed, as in the daemon.
//! Each rep runs BATCH requests of every variant in turn (interleaved), REPS reps; the figure is
//! the median over reps of a batch's mean, in nanoseconds per request. The socket, hyper's
//! parsing and the kernel are the same for every variant and not counted: the difference
//! between two rows is what a layer adds.
//!
//! The connection bounds (a semaphore permit and a per-client count under a mutex) are taken
//! once per connection, not per request: with keep-alive (wrk, feed readers) they are not in
//! a request's cost at all, and are not measured here.
//!
//!     cargo run --release --example bench_layers [-- REPS BATCH]   # default 7 20000

#[path = "support/news.rs"]
mod news;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use chrono::{TimeZone, Utc};
use islands::app::App;
use islands::config::Config;
use islands::serve::{Layers, router_with};
use tower::ServiceExt;

const ENTRIES: usize = 50;

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("a number"));
    let reps: usize = args.next().unwrap_or(7);
    let batch: usize = args.next().unwrap_or(20_000);
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::create_dir_all(dir.path().join("articles")).expect("the articles folder");
    let config_path = dir.path().join("feeds.toml");
    let text = news::config_toml();
    std::fs::write(&config_path, &text).expect("write feeds.toml");
    let config = Config::from_toml(&config_path, &text).unwrap_or_else(|e| panic!("{e}"));

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let results = runtime.block_on(async move {
        let app = Arc::new(App::open(config).expect("open the store"));
        if let Some(handle) = islands::metrics::install() {
            let _ = app.metrics.set(handle);
        }
        let vocabulary = news::Vocabulary::new();
        let base = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        for i in 0..ENTRIES {
            app.store
                .put(&news::entry(i, base, &vocabulary))
                .expect("put an entry");
        }
        app.store.commit().expect("commit");

        let layers = |metrics, timeout| Layers { metrics, timeout };
        let full = router_with(app.clone(), Layers::ALL);
        let peer = SocketAddr::from(([127, 0, 0, 1], 40000));
        let variants: Vec<(&str, Router)> = vec![
            ("no layer", router_with(app.clone(), layers(false, false))),
            (
                "request counter",
                router_with(app.clone(), layers(true, false)),
            ),
            (
                "request timeout",
                router_with(app.clone(), layers(false, true)),
            ),
            ("both (the daemon's router)", full.clone()),
            (
                "both + the connection's ConnectInfo",
                full.layer(axum::Extension(ConnectInfo(peer))),
            ),
        ];
        let etag = {
            let response = variants[0]
                .1
                .clone()
                .oneshot(request(Mode::Plain, ""))
                .await
                .expect("the router answers");
            assert_eq!(response.status(), StatusCode::OK);
            response.headers()[header::ETAG]
                .to_str()
                .expect("an ETag")
                .to_string()
        };
        let modes = [Mode::Plain, Mode::Gzip, Mode::NotModified];
        // [variant][mode] -> the mean of each rep's batch, in ns.
        let mut means = vec![vec![Vec::new(); modes.len()]; variants.len()];
        for rep in 0..=reps {
            for (m, mode) in modes.iter().enumerate() {
                for (v, (_, router)) in variants.iter().enumerate() {
                    let started = Instant::now();
                    for _ in 0..batch {
                        one(router, request(*mode, &etag), mode.status()).await;
                    }
                    // Rep 0 warms up.
                    if rep > 0 {
                        means[v][m].push(started.elapsed().as_nanos() as f64 / batch as f64);
                    }
                }
            }
        }
        variants
            .iter()
            .map(|(name, _)| name.to_string())
            .zip(means)
            .collect::<Vec<_>>()
    });
    report(reps, batch, results);
}

#[derive(Clone, Copy)]
enum Mode {
    Plain,
    Gzip,
    NotModified,
}

impl Mode {
    fn status(self) -> StatusCode {
        match self {
            Mode::NotModified => StatusCode::NOT_MODIFIED,
            _ => StatusCode::OK,
        }
    }
}

fn request(mode: Mode, etag: &str) -> Request<Body> {
    let request = Request::get("/feeds/all.atom");
    let request = match mode {
        Mode::Plain => request,
        Mode::Gzip => request.header(header::ACCEPT_ENCODING, "gzip"),
        Mode::NotModified => request.header(header::IF_NONE_MATCH, etag),
    };
    request.body(Body::empty()).expect("a request")
}

/// One request, its body read whole; anything but `expected` fails the benchmark.
async fn one(router: &Router, request: Request<Body>, expected: StatusCode) {
    let response = router
        .clone()
        .oneshot(request)
        .await
        .expect("the router answers");
    assert_eq!(response.status(), expected);
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("the body");
    std::hint::black_box(body);
}

fn report(reps: usize, batch: usize, results: Vec<(String, Vec<Vec<f64>>)>) {
    let median = |values: &[f64]| {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        sorted[sorted.len() / 2]
    };
    let medians: Vec<(String, Vec<f64>)> = results
        .into_iter()
        .map(|(name, modes)| (name, modes.iter().map(|m| median(m)).collect()))
        .collect();
    let bare = medians[0].1.clone();
    println!(
        "`GET /feeds/all.atom` ({ENTRIES} entries) through the router without a socket: ns per \
         request, the median of {reps} reps of {batch} (interleaved, after one warm-up rep); \
         in brackets, the difference with no layer."
    );
    println!();
    println!("| router | plain | gzip | 304 |");
    println!("|---|---:|---:|---:|");
    for (name, modes) in &medians {
        let cells: Vec<String> = modes
            .iter()
            .zip(&bare)
            .map(|(ns, bare)| format!("{ns:.0} ({:+.0})", ns - bare))
            .collect();
        println!("| {name} | {} |", cells.join(" | "));
    }
}
