//! The site's HTML pages: `/`, `/{region}/`, `/articles/{slug}`, served from the render cache.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};

use super::cached::{or_error, serve_cached};
use super::feeds::PageQuery;
use crate::app::App;
use crate::articles::article_id;
use crate::model::FeedKey;
use crate::render::cache::{Body, CacheKey, RenderError};
use crate::render::pages;

const HTML: &str = "text/html; charset=utf-8";
/// Entries per region on the front page.
const HOME_PER_REGION: usize = 10;
const HOME_ARTICLES: usize = 5;

pub async fn home(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let key = CacheKey::Html("/".to_string(), 1);
    or_error(
        serve_cached(&app, key.clone(), &headers, move |app| {
            app.rendered
                .get_or_render(&key, app.store.generation(), 1, || {
                    let config = app.config();
                    let articles = app.store.articles(0, HOME_ARTICLES)?.entries;
                    let mut regions = Vec::new();
                    for region in &config.regions {
                        let feed = FeedKey::Region(region.slug.clone());
                        regions.push((region, app.store.page(&feed, 0, HOME_PER_REGION)?.entries));
                    }
                    let newest = newest(articles.iter().chain(regions.iter().flat_map(|r| &r.1)));
                    Ok(html(pages::home_page(&config, &articles, &regions), newest))
                })
        })
        .await,
    )
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
    let key = CacheKey::Html(format!("/{slug}/"), page);
    or_error(
        serve_cached(&app, key.clone(), &headers, move |app| {
            app.rendered
                .get_or_render(&key, app.store.generation(), page, || {
                    let config = app.config();
                    let region = config.region(&slug).ok_or(RenderError::NotFound)?;
                    let size = config.publish.page_size;
                    let feed = FeedKey::Region(slug.clone());
                    let found = app.store.page(&feed, (page - 1) * size, size)?;
                    if page > 1 && found.entries.is_empty() {
                        return Err(RenderError::NotFound);
                    }
                    let newest = newest(found.entries.iter());
                    let markup =
                        pages::region_page(&config, region, &found.entries, page, found.has_more);
                    Ok(html(markup, newest))
                })
        })
        .await,
    )
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
    or_error(
        serve_cached(&app, key.clone(), &headers, move |app| {
            app.rendered
                .get_or_render(&key, app.store.generation(), 1, || {
                    let entry = app
                        .store
                        .get(article_id(&slug))?
                        .filter(|entry| entry.article.is_some())
                        .ok_or(RenderError::NotFound)?;
                    Ok(html(
                        pages::article_page(&app.config(), &entry),
                        entry.updated,
                    ))
                })
        })
        .await,
    )
}

fn html(markup: String, last_modified: chrono::DateTime<chrono::Utc>) -> Body {
    Body {
        bytes: markup.into_bytes(),
        last_modified,
        content_type: HTML,
    }
}

fn newest<'a>(
    entries: impl Iterator<Item = &'a crate::model::Entry>,
) -> chrono::DateTime<chrono::Utc> {
    entries
        .map(|entry| entry.updated)
        .max()
        .unwrap_or(chrono::DateTime::UNIX_EPOCH)
}
