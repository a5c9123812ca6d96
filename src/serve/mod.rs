//! axum: `router(app)` and its handlers. Caching headers, content negotiation and errors as
//! responses live here; nothing here parses a feed or renders one itself.
//!
//! A 4xx says what was wrong with the request; a 5xx sends a generic body and logs the cause.

mod cached;
mod comments;
mod feeds;
pub mod listen;
mod micropub;
mod pages;
mod search;
mod status_page;

use std::sync::Arc;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::app::App;

pub fn router(app: Arc<App>) -> Router {
    router_with(app, Layers::ALL)
}

/// The middleware `router` puts around every route. Each can be left out only to measure what
/// it costs (`examples/bench_layers.rs`, issue 18); the daemon always runs with all of them.
#[derive(Debug, Clone, Copy)]
pub struct Layers {
    /// `islands_requests_total` by route and status (`count_requests`).
    pub metrics: bool,
    /// `[server] request_timeout`: 408 past it, a slow body included.
    pub timeout: bool,
}

impl Layers {
    pub const ALL: Layers = Layers {
        metrics: true,
        timeout: true,
    };
}

/// `router`, with only the `layers` given.
pub fn router_with(app: Arc<App>, layers: Layers) -> Router {
    let request_timeout = app.config().server.request_timeout;
    let mut routes = routes();
    if layers.metrics {
        routes = routes.layer(axum::middleware::from_fn(count_requests));
    }
    if layers.timeout {
        // Bounds a whole request, a slow body included (slowloris on the body side).
        routes = routes.layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ));
    }
    routes.with_state(app)
}

fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/feeds/comments.rss", get(comments::all_rss))
        .route("/feeds/comments.atom", get(comments::all_atom))
        .route("/feeds/comments.json", get(comments::all_json))
        .route("/feeds/{file}", get(feeds::feed))
        .route("/feeds/author/{file}", get(feeds::author_feed))
        .route("/feeds/source/{file}", get(feeds::source_feed))
        .route("/feeds/tag/{file}", get(feeds::tag_feed))
        .route("/feeds/stories/{file}", get(feeds::stories_feed))
        .route("/stories/{id}", get(pages::story))
        .route("/tags/{slug}/", get(pages::tag))
        .route("/sources/{slug}/", get(pages::source))
        .route("/authors/{key}/", get(pages::author))
        .route("/status.json", get(status_page::status_json))
        .route("/status", get(status_page::status_html))
        .route("/sources.opml", get(sources_opml))
        .route("/sitemap.xml", get(sitemap))
        .route("/sitemap-news.xml", get(news_sitemap))
        .route("/robots.txt", get(robots))
        .route("/search", get(search::page))
        .route("/search.rss", get(search::rss))
        .route("/search.atom", get(search::atom))
        .route("/search.json", get(search::json))
        .route("/opensearch.xml", get(search::opensearch))
        .route(
            "/websub/{token}",
            get(crate::websub::verify)
                .post(crate::websub::deliver)
                // A pushed feed may be as large as a fetched one may (the default cap).
                .layer(axum::extract::DefaultBodyLimit::max(10 * 1024 * 1024)),
        )
        .route("/icon.png", get(icon))
        .route("/favicon.ico", get(icon))
        .route("/", get(pages::home))
        .route("/articles/{slug}", get(pages::article))
        .route(
            "/articles/{slug}/comments",
            axum::routing::post(comments::post_comment),
        )
        .route(
            "/articles/{slug}/comments.atom",
            get(comments::article_feed),
        )
        .route(
            "/admin/login",
            get(comments::login_page).post(comments::login),
        )
        .route("/webmention", axum::routing::post(comments::webmention))
        .route("/webmention/{id}", get(comments::webmention_status))
        .route("/admin/comments", get(comments::queue))
        .route("/admin/comments.json", get(comments::queue_json))
        .route(
            "/admin/comments/{id}/{action}",
            axum::routing::post(comments::act),
        )
        .route("/{region}/", get(pages::region))
        .route("/{region}", get(pages::region_without_slash))
        .route("/metrics", get(metrics_text))
        .route(
            "/micropub",
            get(micropub::query)
                .post(micropub::post)
                .layer(axum::extract::DefaultBodyLimit::max(micropub::BODY_LIMIT)),
        )
        .fallback(not_found)
}

/// Prometheus text format; 404 when no recorder was installed (library use, tests).
async fn metrics_text(State(app): State<Arc<App>>) -> Response {
    match app.metrics.get() {
        Some(handle) => (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            handle.render(),
        )
            .into_response(),
        None => not_found().await,
    }
}

/// Counts every request by its route pattern (not its path: one series per route) and status.
async fn count_requests(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    crate::metrics::count_request(route, response.status().as_u16());
    response
}

async fn healthz() -> &'static str {
    "ok\n"
}

/// `/sitemap.xml`: our pages.
async fn sitemap(State(app): State<Arc<App>>) -> Response {
    let config = app.config();
    let built = app
        .store
        .blocking(move |store| {
            let articles = store.all_articles()?;
            Ok::<_, crate::store::StoreError>(crate::render::sitemap::sitemap(&config, &articles))
        })
        .await;
    xml_or_error(built)
}

/// `/sitemap-news.xml`: our articles of the last two days.
async fn news_sitemap(State(app): State<Arc<App>>) -> Response {
    let config = app.config();
    let built = app
        .store
        .blocking(move |store| {
            let articles = store.all_articles()?;
            let now = chrono::Utc::now();
            Ok::<_, crate::store::StoreError>(crate::render::sitemap::news_sitemap(
                &config, &articles, now,
            ))
        })
        .await;
    xml_or_error(built)
}

/// The built-in site icon (`[site] icon` by default): two islands in one sea.
pub const ICON: &[u8] = include_bytes!("../../assets/icon.png");

/// `/icon.png`, and `/favicon.ico` for browsers that ask there first (they read PNG bytes).
async fn icon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        ICON,
    )
        .into_response()
}

async fn robots(State(app): State<Arc<App>>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        crate::render::sitemap::robots(&app.config()),
    )
        .into_response()
}

fn xml_or_error(built: Result<String, crate::store::StoreError>) -> Response {
    match built {
        Ok(xml) => (
            [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
            xml,
        )
            .into_response(),
        Err(error) => internal_error(&error),
    }
}

/// Every source as OPML 2.0, with the web page each feed names.
async fn sources_opml(State(app): State<Arc<App>>) -> Response {
    let config = app.config();
    let rendered = app
        .store
        .blocking(move |store| {
            crate::opml::site_urls(&config, store)
                .map(|urls| crate::opml::render_opml(&config, &urls))
        })
        .await;
    match rendered {
        Ok(opml) => ([(header::CONTENT_TYPE, "text/x-opml; charset=utf-8")], opml).into_response(),
        Err(error) => internal_error(&error),
    }
}

async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}

/// A 500 with a generic body; the cause goes to the log, never to the client.
fn internal_error(error: &dyn std::error::Error) -> Response {
    tracing::error!("request failed: {}", crate::report::Report(error));
    (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response()
}
