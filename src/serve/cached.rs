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
    let _turn = app.rendered.render_turn(&key).await;
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
        Err(error @ RenderError::PastEnd(_)) => {
            (StatusCode::NOT_FOUND, format!("{error}\n")).into_response()
        }
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
    let last_modified = rendered.last_modified_at(chrono::Utc::now().timestamp());
    headers.insert(header::LAST_MODIFIED, value(last_modified.1));
    headers.insert(
        header::CACHE_CONTROL,
        value(&format!("public, max-age={max_age}")),
    );
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if not_modified(rendered, last_modified, request) {
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
fn not_modified(
    rendered: &Rendered,
    (modified, _, settled): (i64, &str, bool),
    request: &HeaderMap,
) -> bool {
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
        .and_then(|v| httpdate::parse_http_date(v).ok())
        .is_some_and(|since| {
            // HTTP dates have whole seconds: bytes that changed within the second their
            // Last-Modified names must not match a client that saw the earlier bytes of it.
            let since = DateTime::<chrono::Utc>::from(since).timestamp();
            modified < since || (modified == since && settled)
        })
}

/// The encoding to answer with, among those the page has: see [`negotiate_encoding`].
fn choose_encoding(
    rendered: &Rendered,
    request: &HeaderMap,
) -> (Option<&'static str>, bytes::Bytes) {
    let header: Vec<&str> = request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let mut offered = Vec::with_capacity(2);
    if !rendered.brotli.is_empty() {
        offered.push("br");
    }
    if !rendered.gzip.is_empty() {
        offered.push("gzip");
    }
    match negotiate_encoding(&header.join(","), &offered) {
        Some("br") => (Some("br"), rendered.brotli.clone()),
        Some("gzip") => (Some("gzip"), rendered.gzip.clone()),
        _ => (None, rendered.identity.clone()),
    }
}

/// Content negotiation on `Accept-Encoding` (RFC 9110 12.5.3): of the `offered` codings (in
/// our order of preference), the one with the highest q-value above 0, or `None` for identity.
/// Coding names and the `q` parameter are case-insensitive; `q=0` refuses a coding; `*`
/// covers only the codings the header does not name; an element with an unreadable q-value
/// is ignored.
pub fn negotiate_encoding(accept_encoding: &str, offered: &[&'static str]) -> Option<&'static str> {
    let mut listed: Vec<(String, f32)> = Vec::new();
    for element in accept_encoding.split(',') {
        let mut parts = element.split(';');
        let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        if coding.is_empty() {
            continue;
        }
        let mut weight = Some(1.0);
        for parameter in parts {
            if let Some((name, value)) = parameter.split_once('=')
                && name.trim().eq_ignore_ascii_case("q")
            {
                weight = value
                    .trim()
                    .parse::<f32>()
                    .ok()
                    .filter(|q| (0.0..=1.0).contains(q));
            }
        }
        if let Some(weight) = weight {
            listed.push((coding, weight));
        }
    }
    let weight_of = |coding: &str| {
        let named = listed.iter().find(|(name, _)| name == coding);
        named
            .or_else(|| listed.iter().find(|(name, _)| name == "*"))
            .map_or(0.0, |(_, weight)| *weight)
    };
    let mut best: Option<(&'static str, f32)> = None;
    for coding in offered {
        let weight = weight_of(coding);
        if weight > 0.0 && best.is_none_or(|(_, top)| weight > top) {
            best = Some((coding, weight));
        }
    }
    best.map(|(coding, _)| coding)
}

fn value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).expect("validators and dates are visible ASCII")
}

#[cfg(test)]
mod tests {
    use super::negotiate_encoding;

    /// Regression (issue 11, 8): `br;q=0, *` got brotli and `gzip;Q=0` was not a refusal.
    #[test]
    fn accept_encoding_follows_rfc_9110_section_12_5_3() {
        let both = &["br", "gzip"][..];
        for (header, expected) in [
            ("", None),
            ("identity", None),
            ("gzip", Some("gzip")),
            ("br", Some("br")),
            ("gzip, br", Some("br")),
            ("gzip, deflate, br, zstd", Some("br")),
            ("GZIP", Some("gzip")),
            ("*", Some("br")),
            ("br;q=0, *", Some("gzip")),
            ("br;q=0, gzip;q=0, *", None),
            ("gzip;Q=0", None),
            ("gzip;Q=0, br", Some("br")),
            ("gzip;q=0.000", None),
            ("gzip; q=0.5, br;q=0.4", Some("gzip")),
            ("gzip;q=1, br;q=1", Some("br")),
            ("br;q=0.001", Some("br")),
            ("*;q=0", None),
            ("*;q=0, gzip", Some("gzip")),
            ("br;q=2", None),
            ("br;q=high", None),
            ("  br  ;  q=0.8 , gzip", Some("gzip")),
        ] {
            assert_eq!(negotiate_encoding(header, both), expected, "{header:?}");
        }
        assert_eq!(negotiate_encoding("br, gzip", &["gzip"]), Some("gzip"));
        assert_eq!(negotiate_encoding("br", &[]), None);
    }
}
