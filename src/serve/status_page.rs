//! `/status.json` for machines and `/status` for operators: the same facts.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{DOCTYPE, html};

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
    let title = format!("Status: {}", app.config().site.title);
    let date = |date: Option<DateTime<Utc>>| {
        date.map_or_else(
            || "never".to_string(),
            |d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        )
    };
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { "body{font-family:system-ui,sans-serif;margin:1rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .5rem;text-align:left}.bad{color:#a00}" }
            }
            body {
                h1 { (title) }
                @if let Some(error) = &status.config_error {
                    p.bad { "The config was not reloaded: " (error) }
                }
                table {
                    thead { tr { th { "Source" } th { "Region" } th { "Last fetch" } th { "Last success" } th { "Status" } th { "Failures" } th { "Next fetch" } th { "Entries" } th { "Error" } } }
                    tbody {
                        @for source in &status.sources {
                            tr {
                                td { a href=(source.url) { (source.name) } }
                                td { (source.region) }
                                td { (date(source.last_fetch)) }
                                td { (date(source.last_success)) }
                                td { (source.last_status.map_or_else(|| "-".to_string(), |s| s.to_string())) }
                                td { (source.consecutive_failures) }
                                td { (date(source.next_fetch)) }
                                td { (source.entries) }
                                td class=[source.last_error.as_ref().map(|_| "bad")] {
                                    (source.last_error.as_deref().unwrap_or(""))
                                    @if let Some(moved_to) = &source.moved_to {
                                        " Moved permanently to " code { (moved_to) } ": update feeds.toml."
                                    }
                                }
                            }
                        }
                    }
                }
                @if !status.articles.is_empty() {
                    h2 { "Articles not published" }
                    ul { @for issue in &status.articles { li.bad { (issue.error) } } }
                }
            }
        }
    };
    Html(page.into_string()).into_response()
}

async fn load(app: Arc<App>) -> Result<Status, Response> {
    let (config, articles, config_error) = (app.config(), app.article_issues(), app.config_error());
    app.store
        .blocking(move |store| collect_status(&config, store, articles, config_error, Utc::now()))
        .await
        .map_err(|error| internal_error(&error))
}
