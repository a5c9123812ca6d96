//! The site's HTML pages: `/`, `/{region}/`, `/articles/{slug}`, served from the render cache.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};

use super::cached::{or_error, serve_cached};
use super::feeds::PageQuery;
use crate::app::App;
use crate::render::cache::{CacheKey, RenderError};
use crate::render::site;

pub async fn home(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let key = CacheKey::Html("/".to_string(), 1);
    let served = serve_cached(&app, key.clone(), &headers, move |app| {
        app.rendered
            .get_or_render(&key, app.store.generation(), 1, || {
                site::home(&app.config(), &app.store)
            })
    });
    or_error(served.await)
}

pub async fn region(
    State(app): State<Arc<App>>,
    Path(slug): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let page = match query.page() {
        Ok(page) => page,
        Err(bad) => return bad.into_response(),
    };
    if app.config().region(&slug).is_none() {
        return or_error(Err(RenderError::NotFound));
    }
    let key = CacheKey::Html(format!("/{slug}/"), page);
    let served = serve_cached(&app, key.clone(), &headers, move |app| {
        app.rendered
            .get_or_render(&key, app.store.generation(), page, || {
                site::region(&app.config(), &app.store, &slug, page)
            })
    });
    or_error(served.await)
}

/// `/ireland` -> `/ireland/`, for people who type the address.
pub async fn region_without_slash(
    State(app): State<Arc<App>>,
    Path(slug): Path<String>,
) -> Response {
    if app.config().region(&slug).is_none() {
        return or_error(Err(RenderError::NotFound));
    }
    Redirect::permanent(&format!("/{slug}/")).into_response()
}

pub async fn article(
    State(app): State<Arc<App>>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Response {
    let key = CacheKey::Html(format!("/articles/{slug}"), 1);
    let served = serve_cached(&app, key.clone(), &headers, move |app| {
        app.rendered
            .get_or_render(&key, app.store.generation(), 1, || {
                site::article(&app.config(), &app.store, &slug)
            })
    });
    or_error(served.await)
}
