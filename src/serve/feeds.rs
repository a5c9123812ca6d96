//! `/feeds/{name}.{rss,atom,json}[?page=N]`, `/feeds/author/{key}.{...}`, `/feeds/source/...`,
//! `/feeds/tag/...` and `/feeds/stories/...`: parse the name,
//! then serve from the cache.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::cached::{or_error, serve_cached};
use crate::app::App;
use crate::model::FeedKey;
use crate::render::Format;
use crate::render::cache::{CacheKey, FeedRequest, RenderError};
use crate::store::Cursor;

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<String>,
    /// A deep page's cursor, as the `next` link of the page before it gives it.
    after: Option<String>,
}

impl PageQuery {
    /// The one-based page number, or `BadPage` (a 400 saying what is wrong).
    pub fn page(&self) -> Result<usize, BadPage> {
        match self.page.as_deref().map(str::parse::<usize>) {
            None => Ok(1),
            Some(Ok(page)) if page >= 1 => Ok(page),
            Some(_) => Err(BadPage("page must be a whole number from 1")),
        }
    }

    /// The cursor of `&after=`, if there is one, or `BadPage` when it is not one.
    pub fn after(&self) -> Result<Option<Cursor>, BadPage> {
        self.after
            .as_deref()
            .map(|text| {
                Cursor::parse(text).ok_or(BadPage(
                    "after must be the 48 hex digits a feed's next link gives",
                ))
            })
            .transpose()
    }
}

/// A `?page=` that is not a page number, or an `&after=` that is not a cursor.
pub struct BadPage(&'static str);

impl IntoResponse for BadPage {
    fn into_response(self) -> Response {
        (StatusCode::BAD_REQUEST, format!("{}\n", self.0)).into_response()
    }
}

pub async fn feed(
    State(app): State<Arc<App>>,
    Path(file): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let Some((name, extension)) = file.rsplit_once('.') else {
        return not_found(&file);
    };
    let feed = match name {
        "all" => FeedKey::All,
        // An unknown name is answered here: only feeds that exist reach the cache.
        slug if app.config().region(slug).is_none() => return not_found(&file),
        slug => FeedKey::Region(slug.to_string()),
    };
    serve_feed(app, feed, extension, &file, query, headers).await
}

/// `/feeds/author/{key}.{rss,atom,json}`: one of our authors' articles.
pub async fn author_feed(
    State(app): State<Arc<App>>,
    Path(file): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let shown = format!("author/{file}");
    let Some((key, extension)) = file.rsplit_once('.') else {
        return not_found(&shown);
    };
    if !app.config().authors.contains_key(key) {
        return not_found(&shown);
    }
    let feed = FeedKey::Author(key.to_string());
    serve_feed(app, feed, extension, &shown, query, headers).await
}

/// `/feeds/source/{slug}.{rss,atom,json}`: one source's entries, its backlog included.
pub async fn source_feed(
    State(app): State<Arc<App>>,
    Path(file): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let shown = format!("source/{file}");
    let Some((slug, extension)) = file.rsplit_once('.') else {
        return not_found(&shown);
    };
    let Some(source) = app.config().source_by_slug(slug).cloned() else {
        return not_found(&shown);
    };
    let feed = FeedKey::Source {
        slug: slug.to_string(),
        id: source.id(),
    };
    serve_feed(app, feed, extension, &shown, query, headers).await
}

/// `/feeds/tag/{slug}.{rss,atom,json}`: one tag's entries (404 for a tag without any).
pub async fn tag_feed(
    State(app): State<Arc<App>>,
    Path(file): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let shown = format!("tag/{file}");
    let Some((slug, extension)) = file.rsplit_once('.') else {
        return not_found(&shown);
    };
    let feed = FeedKey::Tag(slug.to_string());
    serve_feed(app, feed, extension, &shown, query, headers).await
}

/// `/feeds/stories/{all|region}.{rss,atom,json}`: one item per story (issue 13).
pub async fn stories_feed(
    State(app): State<Arc<App>>,
    Path(file): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let shown = format!("stories/{file}");
    let Some((name, extension)) = file.rsplit_once('.') else {
        return not_found(&shown);
    };
    let feed = match name {
        "all" => FeedKey::Stories(None),
        slug if app.config().region(slug).is_none() => return not_found(&shown),
        slug => FeedKey::Stories(Some(slug.to_string())),
    };
    serve_feed(app, feed, extension, &shown, query, headers).await
}

async fn serve_feed(
    app: Arc<App>,
    feed: FeedKey,
    extension: &str,
    file: &str,
    query: PageQuery,
    headers: HeaderMap,
) -> Response {
    let Some(format) = Format::from_extension(extension) else {
        return not_found(file);
    };
    let (page, after) = match (query.page(), query.after()) {
        (Ok(page), Ok(after)) => (page, after),
        (Err(bad), _) | (_, Err(bad)) => return bad.into_response(),
    };
    let request = FeedRequest {
        feed,
        format,
        page,
        after,
    };
    let key = CacheKey::Feed(request.clone());
    let response = serve_cached(&app, key, &headers, move |app| {
        let generation = app.store.generation();
        app.rendered
            .feed(generation, &app.config(), &app.store, &request)
    })
    .await;
    match response {
        Err(RenderError::NotFound) => not_found(file),
        other => or_error(other),
    }
}

fn not_found(file: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        format!("no feed named {file:?}: feeds are /feeds/all.{{rss,atom,json}}, /feeds/{{region}}.{{rss,atom,json}} /feeds/author/{{author}}.{{rss,atom,json}} and /feeds/stories/{{all|region}}.{{rss,atom,json}}\n"),
    )
        .into_response()
}
