//! Live per-source health for `/status.json` and `/status`: the stored state of each source,
//! its entry count and when it will next be fetched.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::articles::ArticleIssue;
use crate::config::{Config, Source};
use crate::store::{Store, StoreError};

/// The body of `/status.json`.
#[derive(Debug, Serialize)]
pub struct Status {
    /// Why the last edit of the config was refused (the previous config still runs), or null.
    pub config_error: Option<String>,
    pub sources: Vec<SourceHealth>,
    /// Article files that could not be published, with why.
    pub articles: Vec<ArticleIssue>,
    /// Every configured rule and what it hides and rewrites now.
    pub rules: Vec<RuleStatus>,
    /// The stories the entries are grouped into (issue 13).
    pub stories: StoriesStatus,
}

/// How many stories there are, and how many of them several entries report.
#[derive(Debug, Serialize)]
pub struct StoriesStatus {
    pub count: u64,
    pub multi_outlet: u64,
}

/// One operator rule: where it is written, and what it does to the stored entries now.
#[derive(Debug, Serialize)]
pub struct RuleStatus {
    pub name: String,
    pub action: String,
    pub field: String,
    /// Entries it hides (drop, or keep's non-matches).
    pub hidden: usize,
    pub rewritten: usize,
    /// Titles of the newest entries it hid or rewrote, as upstream wrote them.
    pub recent: Vec<String>,
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
    /// Set when the feed moved permanently (301/308): where it answers now. islands moves the
    /// source there itself after a few fetches in a row (see `moved_from`).
    pub moved_to: Option<String>,
    /// Set once islands moved the source: its old URL, and when feeds.toml was updated.
    pub moved_from: Option<MovedFrom>,
    /// Its WebSub subscription, when its feed names a hub and `[websub] callback_base` is set.
    pub websub: Option<PushStatus>,
    /// When a hub last pushed its feed.
    pub last_push: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct PushStatus {
    pub hub: String,
    pub topic: String,
    /// `requested`, `active`, `unsubscribing` or `denied`.
    pub state: String,
    pub lease_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct MovedFrom {
    pub url: String,
    pub on: DateTime<Utc>,
}

/// Reads the status of every configured source. Blocking (sled).
pub fn collect_status(
    config: &Config,
    store: &Store,
    articles: Vec<ArticleIssue>,
    config_error: Option<String>,
    now: DateTime<Utc>,
) -> Result<Status, StoreError> {
    let sources = config
        .sources()
        .map(|source| source_health(store, source, now))
        .collect::<Result<Vec<_>, _>>()?;
    let mut reports = store.rule_reports()?;
    let rules = config
        .rules
        .iter()
        .chain(config.regions.iter().flat_map(|region| &region.rules))
        .chain(config.sources().flat_map(|source| &source.rules))
        .map(|rule| {
            let report = reports.remove(&rule.name).unwrap_or_default();
            RuleStatus {
                name: rule.name.clone(),
                action: format!("{:?}", rule.action).to_lowercase(),
                field: format!("{:?}", rule.field).to_lowercase(),
                hidden: report.hidden,
                rewritten: report.rewritten,
                recent: report.recent,
            }
        })
        .collect();
    let (count, multi_outlet) = store.story_counts()?;
    Ok(Status {
        config_error,
        sources,
        articles,
        rules,
        stories: StoriesStatus {
            count,
            multi_outlet,
        },
    })
}

/// One source's health: its stored fetch state and when it will next be fetched. Blocking.
pub fn source_health(
    store: &Store,
    source: &Source,
    now: DateTime<Utc>,
) -> Result<SourceHealth, StoreError> {
    let source_id = source.id();
    let state = store.source_state(&source_id)?;
    let schedule = &source.refresh_schedule;
    let next_fetch = match (schedule.next_tick(&now, false), state.retry_at) {
        // The first tick at or after the backoff ends.
        (Some(tick), Some(retry_at)) if retry_at > tick => schedule.next_tick(&retry_at, true),
        (tick, _) => tick,
    };
    Ok(SourceHealth {
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
        moved_from: state.moved_from.map(|(url, on)| MovedFrom { url, on }),
        websub: store
            .subscription_of(&source_id)?
            .map(|(_, subscription)| PushStatus {
                state: match subscription.state {
                    crate::store::SubscriptionState::Requested => "requested",
                    crate::store::SubscriptionState::Active => "active",
                    crate::store::SubscriptionState::Unsubscribing => "unsubscribing",
                    crate::store::SubscriptionState::Denied { .. } => "denied",
                }
                .to_string(),
                hub: subscription.hub,
                topic: subscription.topic,
                lease_until: subscription.lease_until,
            }),
        last_push: state.last_push,
    })
}
