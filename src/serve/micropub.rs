//! `/micropub`: authentication, body limits and HTTP for the Micropub endpoint.
//!
//! Tokens are compared in constant time against each author's `token_env` variable, read at
//! request time (so a rotated token takes effect at once). A token is never logged or echoed.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use subtle::ConstantTimeEq;

use crate::app::App;
use crate::articles::micropub::{self, MicropubError, Outcome};
use crate::config::Config;

/// Bodies past this answer 413: articles are text.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// `GET /micropub?q=config|source|category`.
pub async fn query(
    State(app): State<Arc<App>>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let config = app.config();
    let token = match one_token(bearer(&headers), params.get("access_token").cloned()) {
        Ok(token) => token,
        Err(error) => return error_response(&error),
    };
    if let Err(error) = authenticate(&config, token.as_deref()) {
        return error_response(&error);
    }
    match params.get("q").map(String::as_str) {
        Some("config") => Json(micropub::capabilities(&config)).into_response(),
        Some("category") => {
            let capabilities = micropub::capabilities(&config);
            Json(serde_json::json!({ "categories": capabilities["categories"] })).into_response()
        }
        Some("source") => {
            let Some(url) = params.get("url").cloned() else {
                return error_response(&MicropubError::invalid("q=source needs a url"));
            };
            let config = app.config();
            let answer = app
                .store
                .blocking(move |store| micropub::post_source(&config, store, &url))
                .await;
            match answer {
                Ok(source) => Json(source).into_response(),
                Err(error) => error_response(&error),
            }
        }
        _ => error_response(&MicropubError::invalid(
            "unsupported query: use q=config, q=source or q=category",
        )),
    }
}

/// `POST /micropub`: create, update, delete, undelete.
pub async fn post(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let config = app.config();
    let json = content_type.starts_with("application/json");
    let form = content_type.starts_with("application/x-www-form-urlencoded");
    // Authenticate before saying anything about the body; a form may carry the token.
    let parsed_form = form.then(|| micropub::parse_form(&body));
    let form_token = match &parsed_form {
        Some(Ok((_, token))) => token.clone(),
        _ => None,
    };
    let token = match one_token(bearer(&headers), form_token) {
        Ok(token) => token,
        Err(error) => return error_response(&error),
    };
    let author = match authenticate(&config, token.as_deref()) {
        Ok(author) => author,
        Err(error) => return error_response(&error),
    };
    let parsed = match parsed_form {
        Some(parsed) => parsed.map(|(action, _)| action),
        None if json => micropub::parse_json(&body),
        None => {
            return error_response(&MicropubError {
                status: 415,
                error: "invalid_request",
                description: "send application/json or application/x-www-form-urlencoded".into(),
            });
        }
    };
    let action = match parsed {
        Ok(action) => action,
        Err(error) => return error_response(&error),
    };
    let config = app.config();
    let applied = app
        .store
        .blocking(move |store| micropub::apply(&config, store, &author, action, Utc::now()))
        .await;
    match applied {
        Ok(Outcome::Created { permalink }) => {
            (StatusCode::CREATED, [(header::LOCATION, permalink)]).into_response()
        }
        Ok(Outcome::Done) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => error_response(&error),
    }
}

/// The token of a request that may carry it in the header and in the body or query: two that
/// differ are a bad request, whichever of them is valid (Micropub 4.1, RFC 6750 2).
fn one_token(
    header: Option<String>,
    body: Option<String>,
) -> Result<Option<String>, MicropubError> {
    match (header, body) {
        (Some(header), Some(body)) if header != body => Err(MicropubError::invalid(
            "the access token in the Authorization header and the one in the request differ",
        )),
        (header, body) => Ok(header.or(body)),
    }
}

pub(super) fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// The key of the author whose token this is.
pub(super) fn authenticate(config: &Config, token: Option<&str>) -> Result<String, MicropubError> {
    let Some(token) = token.filter(|token| !token.is_empty()) else {
        return Err(MicropubError {
            status: 401,
            error: "unauthorized",
            description: "no access token: send Authorization: Bearer TOKEN".into(),
        });
    };
    let mut owner = None;
    // Every author is compared, so the time taken does not tell which one nearly matched.
    for (key, author) in &config.authors {
        let Some(expected) = author
            .token_env
            .as_ref()
            .and_then(|name| std::env::var(name).ok())
            .filter(|expected| !expected.is_empty())
        else {
            continue;
        };
        if bool::from(expected.as_bytes().ct_eq(token.as_bytes())) {
            owner = Some(key.clone());
        }
    }
    owner.ok_or_else(|| MicropubError {
        status: 403,
        error: "forbidden",
        description: "the access token is not valid".into(),
    })
}

fn error_response(error: &MicropubError) -> Response {
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut response = (status, Json(error.body())).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
    }
    response
}
