//! Serving rendered bytes: validators, 304s and content negotiation, for feeds and pages.
//!
//! A fresh cached body answers a conditional request with a header compare and no store
//! access. Each encoding is its own representation, so its strong ETag carries a suffix
//! (`"H"`, `"H-gzip"`, `"H-br"`); If-None-Match matches any of them (RFC 9110 8.8.3).

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::DateTime;

use super::internal_error;
use crate::app::App;
use crate::render::cache::{CacheKey, RenderError, Rendered};

/// Serves `key` from the cache, rendering it off the runtime when stale: one render per key at
/// a time, the other requests for it waiting (asynchronously) for that render's bytes.
pub async fn serve_cached(
    app: &Arc<App>,
    key: CacheKey,
    request: &HeaderMap,
    render: impl FnOnce(&App) -> Result<Arc<Rendered>, RenderError> + Send + 'static,
) -> Result<Response, RenderError> {
    let max_age = app.config().publish.max_age.as_secs();
    if let Some(rendered) = app.rendered.fresh(&key, app.store.generation()) {
        return Ok(respond(&rendered, request, max_age));
    }
    let lock = app.rendered.render_lock(&key);
    let _turn = lock.lock().await;
    // Whoever held the lock before may have rendered it already.
    if let Some(rendered) = app.rendered.fresh(&key, app.store.generation()) {
        return Ok(respond(&rendered, request, max_age));
    }
    let app = app.clone();
    let rendered = match tokio::task::spawn_blocking(move || render(&app)).await {
        Ok(rendered) => rendered?,
        Err(panicked) => return Ok(internal_error(&panicked)),
    };
    Ok(respond(&rendered, request, max_age))
}

/// The response, or the error as a response (404 or a logged 500).
pub fn or_error(result: Result<Response, RenderError>) -> Response {
    match result {
        Ok(response) => response,
        Err(RenderError::NotFound) => (StatusCode::NOT_FOUND, "not found\n").into_response(),
        Err(RenderError::Gone) => (StatusCode::GONE, "this article was deleted\n").into_response(),
        Err(error) => internal_error(&error),
    }
}

fn respond(rendered: &Rendered, request: &HeaderMap, max_age: u64) -> Response {
    let (encoding, body) = choose_encoding(rendered, request);
    let etag = match encoding {
        Some(encoding) => format!("{}-{encoding}\"", rendered.etag.trim_end_matches('"')),
        None => rendered.etag.clone(),
    };
    let mut headers = HeaderMap::new();
    headers.insert(header::ETAG, value(&etag));
    headers.insert(header::LAST_MODIFIED, value(&rendered.last_modified_http));
    headers.insert(
        header::CACHE_CONTROL,
        value(&format!("public, max-age={max_age}")),
    );
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if not_modified(rendered, request) {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(rendered.content_type),
    );
    if let Some(encoding) = encoding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    (headers, body).into_response()
}

/// If-None-Match wins over If-Modified-Since when both are sent (RFC 9110 13.2.2).
fn not_modified(rendered: &Rendered, request: &HeaderMap) -> bool {
    if let Some(if_none_match) = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        let ours = rendered.etag.trim_matches('"');
        return if_none_match.split(',').any(|tag| {
            let tag = tag.trim();
            let tag = tag.strip_prefix("W/").unwrap_or(tag).trim_matches('"');
            tag == "*"
                || tag == ours
                || tag
                    .strip_prefix(ours)
                    .is_some_and(|suffix| suffix == "-gzip" || suffix == "-br")
        });
    }
    request
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
        .is_some_and(|since| rendered.last_modified.timestamp() <= since.timestamp())
}

/// Brotli, then gzip, when the client accepts them (q=0 refuses) and the page has them.
fn choose_encoding(
    rendered: &Rendered,
    request: &HeaderMap,
) -> (Option<&'static str>, bytes::Bytes) {
    let accepted = request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|item| {
            let mut parts = item.split(';');
            let coding = parts.next()?.trim().to_ascii_lowercase();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    == Some(0.0)
            });
            (!refused).then_some(coding)
        })
        .collect::<Vec<_>>();
    let accepts = |coding: &str| accepted.iter().any(|c| c == coding || c == "*");
    if accepts("br") && !rendered.brotli.is_empty() {
        (Some("br"), rendered.brotli.clone())
    } else if accepts("gzip") && !rendered.gzip.is_empty() {
        (Some("gzip"), rendered.gzip.clone())
    } else {
        (None, rendered.identity.clone())
    }
}

fn value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).expect("validators and dates are visible ASCII")
}
