//! Live per-source health for `/status.json` and `/status`: the stored state of each source,
//! its entry count and when it will next be fetched.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::articles::ArticleIssue;
use crate::config::Config;
use crate::store::{Store, StoreError};

/// The body of `/status.json`.
#[derive(Debug, Serialize)]
pub struct Status {
    /// Why the last edit of the config was refused (the previous config still runs), or null.
    pub config_error: Option<String>,
    pub sources: Vec<SourceHealth>,
    /// Article files that could not be published, with why.
    pub articles: Vec<ArticleIssue>,
}

#[derive(Debug, Serialize)]
pub struct SourceHealth {
    pub name: String,
    pub region: String,
    pub url: String,
    pub last_fetch: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    /// HTTP status of the last answer (304 included); null when none came.
    pub last_status: Option<u16>,
    /// Null for a healthy source, else what went wrong, in words.
    pub last_error: Option<String>,
    pub consecutive_failures: u32,
    pub next_fetch: Option<DateTime<Utc>>,
    pub entries: usize,
    /// Set when the feed moved permanently (301/308): update feeds.toml to this URL.
    pub moved_to: Option<String>,
}

/// Reads the status of every configured source. Blocking (sled).
pub fn collect_status(
    config: &Config,
    store: &Store,
    articles: Vec<ArticleIssue>,
    config_error: Option<String>,
    now: DateTime<Utc>,
) -> Result<Status, StoreError> {
    let mut sources = Vec::new();
    for source in config.sources() {
        let source_id = source.id();
        let state = store.source_state(&source_id)?;
        let schedule = &source.refresh_schedule;
        let next_fetch = match (schedule.next_tick(&now, false), state.retry_at) {
            // The first tick at or after the backoff ends.
            (Some(tick), Some(retry_at)) if retry_at > tick => schedule.next_tick(&retry_at, true),
            (tick, _) => tick,
        };
        sources.push(SourceHealth {
            name: source.name.clone(),
            region: source.region.clone(),
            entries: store.source_entry_count(&source_id),
            url: source_id.to_string(),
            last_fetch: state.last_fetch,
            last_success: state.last_success,
            last_status: state.last_status,
            last_error: state.last_error,
            consecutive_failures: state.consecutive_failures,
            next_fetch,
            moved_to: state.moved_to,
        });
    }
    Ok(Status {
        config_error,
        sources,
        articles,
    })
}
