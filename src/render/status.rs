//! `/status` for operators: the per-source table, the refused config edit, the article files
//! not published. The same facts as `/status.json`, which `serve` writes straight from
//! [`Status`].

use chrono::{DateTime, Utc};
use maud::html;

use crate::config::Config;
use crate::status::Status;

/// The status page.
pub fn status_page(config: &Config, status: &Status, recent: &[crate::model::Entry]) -> String {
    let title = format!("Status: {}", config.site.title);
    let date = |date: Option<DateTime<Utc>>| {
        date.map_or_else(
            || "never".to_string(),
            |d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        )
    };
    let body = html! {
                h2 { "Status" }
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
                                        " Moved permanently to " code { (moved_to) } "; islands follows after "
                                        (crate::moved::MOVES_TO_FOLLOW) " fetches in a row."
                                    }
                                    @if let Some(moved) = &source.moved_from {
                                        " Moved here from " code { (moved.url) } " on " (date(Some(moved.on)))
                                        "; feeds.toml was updated."
                                    }
                                }
                            }
                        }
                    }
                }
                @if !status.rules.is_empty() {
                    h2 { "Rules" }
                    table {
                        thead { tr { th { "Rule" } th { "Action" } th { "Field" } th { "Hidden" } th { "Rewritten" } th { "Newest it changed" } } }
                        tbody {
                            @for rule in &status.rules {
                                tr {
                                    td { (rule.name) }
                                    td { (rule.action) }
                                    td { (rule.field) }
                                    td { (rule.hidden) }
                                    td { (rule.rewritten) }
                                    td { ul { @for title in &rule.recent { li { (title) } } } }
                                }
                            }
                        }
                    }
                }
                @if !status.articles.is_empty() {
                    h2 { "Articles not published" }
                    ul { @for issue in &status.articles { li.bad { (issue.error) } } }
                }
    };
    // The site's own layout, so an operator and a reader see one site.
    let head = super::pages::Head {
        title,
        feed: "all".to_string(),
        path: "/status".to_string(),
        description: None,
        article: None,
        search: None,
    };
    super::pages::layout(config, &head, recent, body)
}
