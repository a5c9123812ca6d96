//! The site's HTML pages: `/`, `/{region}/`, `/articles/{slug}`, served from the render cache.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};

use super::cached::{or_error, serve_cached};
use super::feeds::PageQuery;
use crate::app::App;
use crate::render::cache::{CacheKey, RenderError};
use crate::urls::SitePage;

pub async fn home(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    serve_page(app, SitePage::Home, &headers).await
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
    // An unknown name is answered here: only pages that can exist reach the cache.
    if app.config().region(&slug).is_none() {
        return or_error(Err(RenderError::NotFound));
    }
    serve_page(app, SitePage::Region { slug, page }, &headers).await
}

/// `/ireland` -> `/ireland/`, for people who type the address.
pub async fn region_without_slash(
    State(app): State<Arc<App>>,
    Path(slug): Path<String>,
) -> Response {
    if app.config().region(&slug).is_none() {
        return or_error(Err(RenderError::NotFound));
    }
    let page = SitePage::Region { slug, page: 1 };
    Redirect::permanent(&page.path()).into_response()
}

pub async fn article(
    State(app): State<Arc<App>>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Response {
    let webmention = format!(
        "<{}webmention>; rel=\"webmention\"",
        app.config().site.base_url
    );
    let mut response = serve_page(app, SitePage::Article { slug }, &headers).await;
    if (response.status().is_success() || response.status() == axum::http::StatusCode::NOT_MODIFIED)
        && let Ok(value) = axum::http::HeaderValue::from_str(&webmention)
    {
        response
            .headers_mut()
            .insert(axum::http::header::LINK, value);
    }
    response
}

pub async fn author(
    State(app): State<Arc<App>>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !app.config().authors.contains_key(&key) {
        return or_error(Err(RenderError::NotFound));
    }
    serve_page(app, SitePage::Author { key }, &headers).await
}

pub async fn source(
    State(app): State<Arc<App>>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Response {
    if app.config().source_by_slug(&slug).is_none() {
        return or_error(Err(RenderError::NotFound));
    }
    serve_page(app, SitePage::Source { slug }, &headers).await
}

pub async fn tag(
    State(app): State<Arc<App>>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Response {
    serve_page(app, SitePage::Tag { slug }, &headers).await
}

/// `/stories/{id}?page=N`: a story's reports, a page at a time; one merged into an older
/// story answers 301 with that one's address.
pub async fn story(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let page = match query.page() {
        Ok(page) => page,
        Err(bad) => return bad.into_response(),
    };
    let Some(id) = crate::model::StoryId::parse(&id) else {
        return (
            axum::http::StatusCode::NOT_FOUND,
            "no such story: a story's address is /stories/ and 32 hex digits\n",
        )
            .into_response();
    };
    // Whether it was merged: its record only, no report read (the page is cached).
    let lookup = app.store.blocking(move |store| store.story(id, 0)).await;
    match lookup {
        Ok(Some(crate::store::StoryLookup::Merged(into))) => {
            let to = crate::urls::story_url(&app.config().site.base_url, into);
            (
                axum::http::StatusCode::MOVED_PERMANENTLY,
                [(axum::http::header::LOCATION, to)],
            )
                .into_response()
        }
        _ => serve_page(app, SitePage::Story { id, page }, &headers).await,
    }
}

/// Serves a page of the site from the render cache.
pub(super) async fn serve_page(app: Arc<App>, page: SitePage, headers: &HeaderMap) -> Response {
    let key = CacheKey::Page(page.clone());
    let served = serve_cached(&app, key, headers, move |app| {
        let generation = app.store.generation();
        app.rendered
            .page(generation, &app.config(), &app.store, &page)
    });
    or_error(served.await)
}
