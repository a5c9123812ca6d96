//! axum: `router(app)` and its handlers. Caching headers, content negotiation and errors as
//! responses live here; nothing here parses a feed or renders one itself.
//!
//! A 4xx says what was wrong with the request; a 5xx sends a generic body and logs the cause.

mod cached;
mod feeds;
mod pages;
mod status_page;

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::app::App;

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/feeds/{file}", get(feeds::feed))
        .route("/status.json", get(status_page::status_json))
        .route("/status", get(status_page::status_html))
        .route("/sources.opml", get(sources_opml))
        .route("/", get(pages::home))
        .route("/articles/{slug}", get(pages::article))
        .route("/{region}/", get(pages::region))
        .route("/{region}", get(pages::region_without_slash))
        .fallback(not_found)
        .with_state(app)
}

async fn healthz() -> &'static str {
    "ok\n"
}

/// Every source as OPML 2.0, with the web page each feed names.
async fn sources_opml(State(app): State<Arc<App>>) -> Response {
    let rendered = tokio::task::spawn_blocking(move || {
        let config = app.config();
        crate::opml::site_urls(&config, &app.store)
            .map(|urls| crate::opml::render_opml(&config, &urls))
    })
    .await;
    match rendered {
        Ok(Ok(opml)) => {
            ([(header::CONTENT_TYPE, "text/x-opml; charset=utf-8")], opml).into_response()
        }
        Ok(Err(error)) => internal_error(&error),
        Err(error) => internal_error(&error),
    }
}

async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}

/// A 500 with a generic body; the cause goes to the log, never to the client.
fn internal_error(error: &dyn std::fmt::Display) -> Response {
    tracing::error!("request failed: {error}");
    (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response()
}
