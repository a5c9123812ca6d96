//! What a reader's comment costs (issue 18: each new feature's cost beside its nearest
//! baseline): `POST /articles/{slug}/comments` with a valid form, against `GET
//! /articles/{slug}` of the same article, the page the reader writes it on, served from the
//! render cache.
//!
//! Both go through `islands::serve::router` without a socket (`tower::ServiceExt::oneshot`),
//! sequentially, interleaved (a GET, a POST, a GET...), after 20 warm-up requests of each. A POST
//! checks the form (signed token, fields), stores the comment as pending and flushes it before
//! answering 303, so it is a write and a flush where the GET is a cache lookup: the ratio says
//! what taking comments costs the daemon per comment, not that it should be near 1.
//!
//!     cargo run --release --example bench_comments [-- REQUESTS]   # default 300

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use islands::app::App;
use islands::config::Config;
use tower::ServiceExt;

const WARMUP: usize = 20;

fn main() {
    let requests: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse().expect("REQUESTS is a number"))
        .unwrap_or(300);
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::create_dir_all(dir.path().join("articles")).expect("the articles folder");
    std::fs::write(dir.path().join("articles/harbour.md"), ARTICLE).expect("an article");
    let config_path = dir.path().join("feeds.toml");
    std::fs::write(&config_path, CONFIG).expect("write feeds.toml");
    let config = Config::from_toml(&config_path, CONFIG).unwrap_or_else(|e| panic!("{e}"));

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let (get_times, post_times) = runtime.block_on(async move {
        let app = Arc::new(App::open(config.clone()).expect("open the store"));
        islands::articles::sync_articles(&config, &app.store).expect("sync the article");
        app.store.commit().expect("commit");
        let slug = app.store.all_articles().expect("articles")[0]
            .article
            .as_ref()
            .expect("an article")
            .slug
            .clone();
        let secret = islands::comments::secret(&app.store).expect("the form secret");
        let router = islands::serve::router(app.clone());
        let page = format!("/articles/{slug}");
        let post = |n: usize| {
            let token = islands::comments::form_token(&secret, &slug, chrono::Utc::now());
            let form = format!(
                "author=Reader+{n}&email=&url=&website=&token={token}&text=Comment+{n}+on+the+harbour+works%2C+which+is+long+enough+to+be+a+real+one."
            );
            Request::post(format!("/articles/{slug}/comments"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .extension(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))))
                .body(Body::from(form))
                .expect("a request")
        };
        let get = || Request::get(&page).body(Body::empty()).expect("a request");
        let (mut gets, mut posts) = (Vec::new(), Vec::new());
        for n in 0..WARMUP + requests {
            let got = timed(&router, get(), StatusCode::OK).await;
            let posted = timed(&router, post(n), StatusCode::SEE_OTHER).await;
            if n >= WARMUP {
                gets.push(got);
                posts.push(posted);
            }
        }
        (gets, posts)
    });
    report(requests, get_times, post_times);
}

/// One request through the router, whole: its time. Anything but `expected` is a failure of
/// the benchmark.
async fn timed(router: &axum::Router, request: Request<Body>, expected: StatusCode) -> Duration {
    let uri = request.uri().clone();
    let started = Instant::now();
    let response = router
        .clone()
        .oneshot(request)
        .await
        .expect("the router answers");
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("the body");
    let took = started.elapsed();
    assert_eq!(
        status,
        expected,
        "{uri}: {}",
        String::from_utf8_lossy(&body[..body.len().min(300)])
    );
    took
}

fn report(requests: usize, mut gets: Vec<Duration>, mut posts: Vec<Duration>) {
    gets.sort();
    posts.sort();
    let at = |times: &[Duration], q: f64| {
        times[((times.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3
    };
    println!("{requests} of each, sequential and interleaved, after {WARMUP} warm-up each (ms):");
    println!();
    println!("| request | p50 | p90 | p99 | max |");
    println!("|---|---:|---:|---:|---:|");
    for (name, times) in [
        ("GET the article page (cached)", &gets),
        ("POST a comment (stored, flushed, 303)", &posts),
    ] {
        println!(
            "| {name} | {:.3} | {:.3} | {:.3} | {:.3} |",
            at(times, 0.5),
            at(times, 0.9),
            at(times, 0.99),
            at(times, 1.0)
        );
    }
    println!();
    println!(
        "ratio POST / GET at p50: {:.1}",
        at(&posts, 0.5) / at(&gets, 0.5)
    );
}

const ARTICLE: &str = r#"+++
title = "Harbour works in Dún Laoghaire start in spring"
author = "grace-kennedy"
regions = ["ireland"]
published = 2026-11-24T09:00:00Z
+++
The council has approved the harbour works. They start in spring and run for two years.
"#;

const CONFIG: &str = r#"[site]
title = "World, As Seen from the most beautiful islands: Ireland and Cyprus"
base_url = "http://127.0.0.1:8080/"
language = "en"

[server]
listen = "127.0.0.1:0"

[store]
path = "store"

[schedule]
refresh = "0 0 0 1 1 *"

[articles]
dir = "articles"

[comments]
moderation = "all"
rate_per_minute = 1000000
max_pending = 1000000

[authors.grace-kennedy]
name = "Grace Kennedy"

[[region]]
slug = "ireland"
name = "Ireland"
"#;
