//! `/status.json` for machines and `/status` for operators: the same facts.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use chrono::Utc;

use super::internal_error;
use crate::app::App;
use crate::status::{Status, collect_status};

pub async fn status_json(State(app): State<Arc<App>>) -> Response {
    match load(app).await {
        Ok(status) => Json(status).into_response(),
        Err(response) => response,
    }
}

pub async fn status_html(State(app): State<Arc<App>>) -> Response {
    let status = match load(app.clone()).await {
        Ok(status) => status,
        Err(response) => return response,
    };
    let recent = app
        .store
        .blocking(crate::render::site::recent_posts)
        .await
        .unwrap_or_default();
    Html(crate::render::status::status_page(
        &app.config(),
        &status,
        &recent,
    ))
    .into_response()
}

async fn load(app: Arc<App>) -> Result<Status, Response> {
    let (config, articles, config_error) = (app.config(), app.article_issues(), app.config_error());
    app.store
        .blocking(move |store| collect_status(&config, store, articles, config_error, Utc::now()))
        .await
        .map_err(|error| internal_error(&error))
}
