//! `/search` (HTML), `/search.{rss,atom,json}` (a saved search as a feed) and
//! `/opensearch.xml` (so browsers offer the site's search).
//!
//! Results are not cached: a query costs a few milliseconds, and the space of queries has no
//! bound. A search feed's ETag is a hash of its bytes, so it moves when the results do.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::internal_error;
use crate::app::App;
use crate::model::Format;
use crate::render::FeedPage;
use crate::render::pages::{SearchOutcome, search_page};
use crate::search::query::Query as SearchQuery;
use crate::search::{Hits, SearchError, SearchIndex, Sort, State as IndexState, Unknown};

/// Results on a page of `/search`.
const PAGE_SIZE: usize = 20;
/// Entries in a search feed: the newest matches.
const FEED_SIZE: usize = 50;
/// How long a search feed may be reused without asking.
const FEED_MAX_AGE: u64 = 60;
/// The deepest page of results served (a deeper one is refused, not computed).
const MAX_PAGE: usize = 500;

#[derive(Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
    page: Option<String>,
    sort: Option<String>,
}

/// `/search?q=QUERY[&page=N][&sort=date]`.
pub async fn page(State(app): State<Arc<App>>, Query(params): Query<SearchParams>) -> Response {
    let config = app.config();
    let query_text = params.q.trim().to_string();
    let page = match params.page.as_deref().map(str::parse::<usize>) {
        None => 1,
        Some(Ok(page)) if (1..=MAX_PAGE).contains(&page) => page,
        Some(_) => {
            return (
                StatusCode::BAD_REQUEST,
                format!("page must be a whole number from 1 to {MAX_PAGE}\n"),
            )
                .into_response();
        }
    };
    let newest = match params.sort.as_deref() {
        None | Some("relevance") => false,
        Some("date") => true,
        Some(other) => {
            return (
                StatusCode::BAD_REQUEST,
                format!("sort={other:?} is not an order: use sort=date or sort=relevance\n"),
            )
                .into_response();
        }
    };
    if query_text.is_empty() {
        return Html(search_page(&config, "", false, 1, &SearchOutcome::Empty)).into_response();
    }
    let bad = |message: &str| {
        (
            StatusCode::BAD_REQUEST,
            Html(search_page(
                &config,
                &query_text,
                newest,
                page,
                &SearchOutcome::Error(message),
            )),
        )
            .into_response()
    };
    let parsed = match SearchQuery::parse(&query_text) {
        Ok(parsed) => parsed,
        Err(error) => return bad(&error.to_string()),
    };
    let search = match ready(&app) {
        Ok(search) => search,
        Err(unavailable) => return unavailable.into_response(),
    };
    let sort = if newest {
        Sort::Newest
    } else {
        Sort::Relevance
    };
    let offset = (page - 1) * PAGE_SIZE;
    let found = run(&app, search, parsed, sort, offset, PAGE_SIZE, true).await;
    let hits = match found {
        Ok(Ok(hits)) => hits,
        Ok(Err(unknown)) => return bad(&unknown.0),
        Err(error) => return internal_error(&error),
    };
    let outcome = SearchOutcome::Found {
        total: hits.total,
        has_more: offset + hits.hits.len() < hits.total,
        hits: &hits.hits,
    };
    Html(search_page(&config, &query_text, newest, page, &outcome)).into_response()
}

/// `/search.rss`, `/search.atom`, `/search.json`.
pub async fn rss(app: State<Arc<App>>, query: Query<SearchParams>, headers: HeaderMap) -> Response {
    feed(app, query, headers, Format::Rss).await
}

pub async fn atom(
    app: State<Arc<App>>,
    query: Query<SearchParams>,
    headers: HeaderMap,
) -> Response {
    feed(app, query, headers, Format::Atom).await
}

pub async fn json(
    app: State<Arc<App>>,
    query: Query<SearchParams>,
    headers: HeaderMap,
) -> Response {
    feed(app, query, headers, Format::Json).await
}

async fn feed(
    State(app): State<Arc<App>>,
    Query(params): Query<SearchParams>,
    headers: HeaderMap,
    format: Format,
) -> Response {
    let query_text = params.q.trim().to_string();
    let parsed = match SearchQuery::parse(&query_text) {
        Ok(parsed) => parsed,
        Err(error) => {
            return (StatusCode::BAD_REQUEST, format!("q: {error}\n")).into_response();
        }
    };
    let search = match ready(&app) {
        Ok(search) => search,
        Err(unavailable) => return unavailable.into_response(),
    };
    let hits = match run(&app, search, parsed, Sort::Newest, 0, FEED_SIZE, false).await {
        Ok(Ok(hits)) => hits,
        Ok(Err(Unknown(message))) => {
            return (StatusCode::BAD_REQUEST, format!("q: {message}\n")).into_response();
        }
        Err(error) => return internal_error(&error),
    };
    let config = app.config();
    let entries: Vec<_> = hits.hits.into_iter().map(|hit| hit.entry).collect();
    let region_names = config.region_names();
    let feed_page = FeedPage {
        site: &config.site,
        name: "search",
        title: format!("{}: \u{201c}{query_text}\u{201d}", config.site.title),
        description: format!("The newest stories that match \u{201c}{query_text}\u{201d}."),
        html_url: crate::urls::search_url(&config.site.base_url, &query_text, 1, true),
        page: 1,
        has_more: false,
        next_after: None,
        entries: &entries,
        region_names: &region_names,
        hub: None,
        address: Some(crate::render::Address::Search(&query_text)),
        story_links: None,
    };
    let bytes = format.render(&feed_page);
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    let etag = format!("\"s{:016x}-{}\"", hasher.finish(), bytes.len());
    let mut answer = HeaderMap::new();
    answer.insert(header::ETAG, HeaderValue::from_str(&etag).expect("hex"));
    answer.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_str(&format!("public, max-age={FEED_MAX_AGE}")).expect("ascii"),
    );
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|tag| tag.trim().trim_start_matches("W/") == etag || tag.trim() == "*")
        });
    if matches {
        return (StatusCode::NOT_MODIFIED, answer).into_response();
    }
    answer.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    (answer, bytes).into_response()
}

/// Why search cannot answer now.
enum Unavailable {
    /// The index could not be opened at start (the log says why).
    NoIndex,
    /// It is being (re)built.
    Building { done: usize, total: usize },
}

impl IntoResponse for Unavailable {
    /// 503 with Retry-After: feeds and pages are served meanwhile.
    fn into_response(self) -> Response {
        match self {
            Unavailable::NoIndex => (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "300")],
                "search is unavailable: its index could not be opened (see the log)\n".to_string(),
            ),
            Unavailable::Building { done, total } => (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "10")],
                format!(
                    "the search index is being rebuilt ({done} of {total} entries); feeds and pages are served meanwhile: try again shortly\n"
                ),
            ),
        }
        .into_response()
    }
}

/// The index, if it can search now.
fn ready(app: &App) -> Result<Arc<SearchIndex>, Unavailable> {
    let search = app.search.get().ok_or(Unavailable::NoIndex)?;
    match search.state() {
        IndexState::Ready => Ok(search.clone()),
        IndexState::Building { done, total } => Err(Unavailable::Building { done, total }),
    }
}

async fn run(
    app: &Arc<App>,
    search: Arc<SearchIndex>,
    query: SearchQuery,
    sort: Sort,
    offset: usize,
    limit: usize,
    highlight: bool,
) -> Result<Result<Hits, Unknown>, SearchError> {
    let app = app.clone();
    match tokio::task::spawn_blocking(move || {
        let config = app.config();
        if highlight {
            search.search(&config, &app.store, &query, sort, offset, limit)
        } else {
            search.search_entries(&config, &app.store, &query, sort, offset, limit)
        }
    })
    .await
    {
        Ok(found) => found,
        Err(panicked) => std::panic::resume_unwind(panicked.into_panic()),
    }
}

/// `/opensearch.xml`: an OpenSearch 1.1 description of the site's search.
pub async fn opensearch(State(app): State<Arc<App>>) -> Response {
    let config = app.config();
    let base = &config.site.base_url;
    let escape = |text: &str| crate::normalize::html::text_to_html(text);
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/">
  <ShortName>{short}</ShortName>
  <Description>Search {title}</Description>
  <InputEncoding>UTF-8</InputEncoding>
  <Language>{language}</Language>
  <Image width="144" height="144" type="image/png">{icon}</Image>
  <Url type="text/html" method="get" template="{base}search?q={{searchTerms}}"/>
  <Url type="application/atom+xml" template="{base}search.atom?q={{searchTerms}}"/>
  <Url type="application/rss+xml" template="{base}search.rss?q={{searchTerms}}"/>
  <Url type="application/opensearchdescription+xml" rel="self" template="{base}opensearch.xml"/>
</OpenSearchDescription>
"#,
        short = escape(&short_name(&config.site.title)),
        title = escape(&config.site.title),
        language = escape(&config.site.language),
        icon = escape(&config.site.icon),
    );
    (
        [(
            header::CONTENT_TYPE,
            "application/opensearchdescription+xml; charset=utf-8",
        )],
        xml,
    )
        .into_response()
}

/// OpenSearch's ShortName holds 16 characters at most: the title's first words that fit.
fn short_name(title: &str) -> String {
    let mut short = String::new();
    for word in title.split_whitespace() {
        let next = if short.is_empty() {
            word.to_string()
        } else {
            format!("{short} {word}")
        };
        if next.chars().count() > 16 {
            break;
        }
        short = next;
    }
    let short = short.trim_end_matches([',', ':', ';']);
    if short.is_empty() {
        title.chars().take(16).collect()
    } else {
        short.to_string()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn short_names_fit_in_sixteen_characters() {
        assert_eq!(
            super::short_name("World, As Seen from the most beautiful islands"),
            "World, As Seen"
        );
        assert_eq!(super::short_name("Islands"), "Islands");
        assert_eq!(
            super::short_name("Supercalifragilisticexpialidocious"),
            "Supercalifragili"
        );
    }
}
