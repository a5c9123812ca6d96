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
    if let Some(rendered) = app.rendered.fresh(&key, app.store.generation()) {
        return Ok(respond(&rendered, request));
    }
    let _turn = app.rendered.render_turn(&key).await;
    // Whoever held the lock before may have rendered it already.
    if let Some(rendered) = app.rendered.fresh(&key, app.store.generation()) {
        return Ok(respond(&rendered, request));
    }
    let app = app.clone();
    let rendered = match tokio::task::spawn_blocking(move || render(&app)).await {
        Ok(rendered) => rendered?,
        Err(panicked) => return Ok(internal_error(&panicked)),
    };
    Ok(respond(&rendered, request))
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

/// Copies the render's prebuilt header values: nothing is formatted or allocated per response
/// but the header map itself.
fn respond(rendered: &Rendered, request: &HeaderMap) -> Response {
    let (encoding, body) = choose_encoding(rendered, request);
    let prebuilt = &rendered.headers;
    let etag = match encoding {
        None => &prebuilt.etag[0],
        Some("gzip") => &prebuilt.etag[1],
        Some(_) => &prebuilt.etag[2],
    };
    let last_modified = rendered.last_modified_at(chrono::Utc::now().timestamp());
    let not_modified = not_modified(rendered, last_modified, request);
    let mut response = if not_modified {
        let mut response = Response::new(axum::body::Body::empty());
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        response
    } else {
        Response::new(axum::body::Body::from(body))
    };
    let headers = response.headers_mut();
    headers.reserve(7);
    headers.insert(header::ETAG, etag.clone());
    headers.insert(header::LAST_MODIFIED, last_modified.1.clone());
    headers.insert(header::CACHE_CONTROL, prebuilt.cache_control.clone());
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if not_modified {
        return response;
    }
    headers.insert(header::CONTENT_TYPE, prebuilt.content_type.clone());
    if let Some(encoding) = encoding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    response
}

/// If-None-Match wins over If-Modified-Since when both are sent (RFC 9110 13.2.2).
fn not_modified(
    rendered: &Rendered,
    (modified, _, settled): (i64, &HeaderValue, bool),
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
    let offered: &[&'static str] = match (rendered.brotli.is_empty(), rendered.gzip.is_empty()) {
        (false, false) => &["br", "gzip"],
        (false, true) => &["br"],
        (true, false) => &["gzip"],
        (true, true) => &[],
    };
    let mut values = request.get_all(header::ACCEPT_ENCODING).iter();
    let chosen = match (values.next(), values.next()) {
        (None, _) => None,
        // One header line, as clients send it: read in place.
        (Some(only), None) => negotiate_encoding(only.to_str().unwrap_or(""), offered),
        // Several lines are one list (RFC 9110 5.3).
        (Some(_), Some(_)) => {
            let joined: Vec<&str> = request
                .get_all(header::ACCEPT_ENCODING)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            negotiate_encoding(&joined.join(","), offered)
        }
    };
    match chosen {
        Some("br") => (Some("br"), rendered.brotli.clone()),
        Some("gzip") => (Some("gzip"), rendered.gzip.clone()),
        _ => (None, rendered.identity.clone()),
    }
}

/// Content negotiation on `Accept-Encoding` (RFC 9110 12.5.3): of the `offered` codings (in
/// our order of preference), the one with the highest q-value above 0, or `None` for identity.
/// Coding names and the `q` parameter are case-insensitive; `q=0` refuses a coding; `*`
/// covers only the codings the header does not name; an element with an unreadable q-value
/// is ignored. Reads the header in place: no allocation per request.
pub fn negotiate_encoding(accept_encoding: &str, offered: &[&'static str]) -> Option<&'static str> {
    let weight_of = |coding: &str| {
        listed_weight(accept_encoding, coding)
            .or_else(|| listed_weight(accept_encoding, "*"))
            .unwrap_or(0.0)
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

/// The q-value of the first element of `accept_encoding` that names `coding` with a readable
/// q-value (1 when it has none).
fn listed_weight(accept_encoding: &str, coding: &str) -> Option<f32> {
    accept_encoding.split(',').find_map(|element| {
        let mut parts = element.split(';');
        let name = parts.next().unwrap_or("").trim();
        if name.is_empty() || !name.eq_ignore_ascii_case(coding) {
            return None;
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
        weight
    })
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
