//! The orchestrator: fetch -> normalize -> store for one source, and the outcome -> its state.
//!
//! A failing source is data, not a crash: its error, failure count and next allowed attempt are
//! stored with its state, its entries stay, and the other sources carry on. Validators (ETag,
//! Last-Modified) are only replaced after a feed was stored, so a 304 never hides a failure.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::future::join_all;
use tracing::{debug, info, warn};

use crate::app::App;
use crate::config::{Config, Source};
use crate::fetch::{FetchError, FetchOutcome, Fetched, Validators};
use crate::model::{Entry, SourceId};
use crate::normalize::{FeedOrigin, NormalizeError, normalize_feed};
use crate::report::Report;
use crate::rules::judge;
use crate::store::{FetchState, Store, StoreError, Upsert};

/// How long a staged fetch state waits before it is written: the states of the 304s that end
/// meanwhile go in the same write.
const STATES_WRITTEN_AFTER: Duration = Duration::from_millis(50);

/// Why a refresh failed, by stage. Its text with its causes ([`Report`]) is what
/// `/status.json` shows as `last_error`.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    #[error(transparent)]
    Fetch(Box<FetchError>),
    #[error(transparent)]
    Normalize(#[from] NormalizeError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<FetchError> for RefreshError {
    fn from(error: FetchError) -> RefreshError {
        RefreshError::Fetch(Box::new(error))
    }
}

impl RefreshError {
    /// The error and its causes, as the status page shows them.
    pub fn message(&self) -> String {
        Report(self).to_string()
    }
}

/// What one refresh of one source did.
#[derive(Debug, Clone)]
pub enum RefreshOutcome {
    /// Not fetched: a refresh of it is running, or it is backing off until the given time.
    Skipped {
        until: Option<DateTime<Utc>>,
    },
    NotModified,
    /// Fetched, with the same bytes as the last stored fetch: nothing was parsed or written.
    Unchanged,
    Stored {
        new: usize,
        updated: usize,
    },
    Failed(Arc<RefreshError>),
}

/// Refreshes every configured source at once (the fetcher bounds how many are in flight).
pub async fn refresh_all(app: &Arc<App>) -> Vec<(Source, RefreshOutcome)> {
    let config = app.config();
    let runs = config.sources().map(|source| {
        let app = app.clone();
        let source = source.clone();
        async move {
            let outcome = refresh_source(&app, &source).await;
            (source, outcome)
        }
    });
    join_all(runs).await
}

/// One refresh of one source.
pub async fn refresh_source(app: &App, source: &Source) -> RefreshOutcome {
    let Some(_guard) = app.begin_refresh(&source.id()) else {
        return RefreshOutcome::Skipped { until: None };
    };
    let fetcher = app.fetcher();
    let _turn = fetcher.turn().await;
    let config = app.config();
    let source_id = source.id();
    // Once read, a source's state stays in memory: a warm refresh needs no blocking hop.
    let cached = app.store.cached_source_state(&source_id);
    let mut state = match cached {
        Some(state) => state,
        None => match app
            .store
            .blocking({
                let source_id = source_id.clone();
                move |store| store.source_state(&source_id)
            })
            .await
        {
            Ok(state) => state,
            Err(error) => return store_failed(source, error),
        },
    };
    let now = Utc::now();
    if let Some(retry_at) = state.retry_at.filter(|retry_at| *retry_at > now) {
        debug!(source = %source.name, url = %source.url, %retry_at, "backing off");
        return RefreshOutcome::Skipped {
            until: Some(retry_at),
        };
    }

    let validators = Validators {
        etag: state.etag.clone(),
        last_modified: state.last_modified.clone(),
    };
    // While a hub pushes this feed, polling is only the fallback.
    if crate::websub::pushed(app, source, &state, now).await {
        return RefreshOutcome::Skipped { until: None };
    }
    let mut advertised = None;
    let started = std::time::Instant::now();
    state.last_fetch = Some(now);
    let (outcome, state, saved) = match fetcher.fetch(&source.url, &validators).await {
        Ok(FetchOutcome::NotModified {
            moved_permanently_to,
        }) => {
            succeed(&mut state, 304);
            note_move(&mut state, moved_permanently_to.as_ref());
            (RefreshOutcome::NotModified, state, None)
        }
        Ok(FetchOutcome::Fetched(fetched)) => {
            let store = app.store.clone();
            let stored_source = source.clone();
            let status = fetched.status;
            let store_config = config.clone();
            let storing = app.storing.acquire().await.expect("never closed");
            // The feed, then the state that records it, in one hop.
            let (stored, state, saved) = store
                .blocking(move |store| {
                    let stored = store_feed(
                        store,
                        &store_config,
                        &stored_source,
                        &fetched,
                        &mut state,
                        now,
                    );
                    if let Err(error) = &stored {
                        let message = error.message();
                        fail(&mut state, &store_config, Some(status), message, None, now);
                    }
                    let saved = store.put_source_state(&stored_source.id(), &state);
                    (stored, state, saved)
                })
                .await;
            // The commit waits for a flush, which other refreshes share: not in a turn to store.
            drop(storing);
            let saved = match saved {
                Ok(()) => app.store.blocking(Store::commit).await.map(drop),
                failed => failed,
            };
            let outcome = match stored {
                Ok(stored) if stored.same_bytes => RefreshOutcome::Unchanged,
                Ok(stored) => {
                    advertised = stored.hub;
                    RefreshOutcome::Stored {
                        new: stored.new,
                        updated: stored.updated,
                    }
                }
                Err(error) => RefreshOutcome::Failed(Arc::new(error)),
            };
            (outcome, state, Some(saved))
        }
        Err(error) => {
            let (status, retry_after) = (error.status(), error.retry_after());
            let error = RefreshError::from(error);
            fail(
                &mut state,
                &config,
                status,
                error.message(),
                retry_after,
                now,
            );
            (RefreshOutcome::Failed(Arc::new(error)), state, None)
        }
    };
    let elapsed = started.elapsed();
    log_outcome(source, &outcome, &state, elapsed);
    record_metrics(&outcome, elapsed);

    let (moved_count, moved_to) = (state.moved_count, state.moved_to.clone());
    match saved {
        Some(Err(error)) => return store_failed(source, error),
        Some(Ok(_)) => {}
        None => stage_state(&app.store, &source_id, state),
    }
    if matches!(
        outcome,
        RefreshOutcome::Stored { .. } | RefreshOutcome::NotModified | RefreshOutcome::Unchanged
    ) {
        crate::websub::keep(app, source, advertised).await;
    }
    if moved_count >= crate::moved::MOVES_TO_FOLLOW
        && let Some(to) = moved_to.and_then(|url| url::Url::parse(&url).ok())
    {
        crate::moved::follow(app, source, to).await;
    }
    outcome
}

/// Records the state of a refresh that stored nothing (a 304, a failed fetch) in memory; the
/// states of the refreshes that end within [`STATES_WRITTEN_AFTER`] share one write.
fn stage_state(store: &Store, source_id: &SourceId, state: FetchState) {
    if !store.stage_source_state(source_id, state) {
        return; // A write is on its way already.
    }
    let store = store.clone();
    tokio::spawn(async move {
        tokio::time::sleep(STATES_WRITTEN_AFTER).await;
        if let Err(error) = store.blocking(Store::write_staged_states).await {
            warn!("writing the sources' fetch states: {}", Report(&error));
        }
    });
}

/// Judges the stored entries again when the rules differ from those they were judged by (at
/// start, and after a reload): removing a rule brings its entries back, adding one hides them.
pub async fn reapply_rules(app: &App) {
    let config = app.config();
    let fingerprint = config.rules_fingerprint();
    let reapplied = app
        .store
        .blocking(move |store| {
            if store.rules_fingerprint()? == Some(fingerprint) {
                return Ok(None);
            }
            let changed =
                store.reapply_rules(|entry| judge(&config.rules_for_entry(entry), entry))?;
            store.set_rules_fingerprint(fingerprint)?;
            store.commit()?;
            Ok::<_, StoreError>(Some(changed))
        })
        .await;
    match reapplied {
        Ok(Some(changed)) => info!(changed, "rules applied to the stored entries"),
        Ok(None) => {}
        Err(error) => warn!("applying the rules: {}", Report(&error)),
    }
}

/// Applies `[store] keep_days` and `max_entries_per_source` to the whole store.
pub async fn apply_retention(app: &App) {
    let config = app.config();
    let cutoff = config
        .store
        .keep_days
        .and_then(|days| retention_cutoff(days, Utc::now()));
    let max = config.store.max_entries_per_source;
    // Story candidates of entries long past the grouping window go, retention or not.
    match app
        .store
        .blocking(|store| store.prune_story_keys(Utc::now()))
        .await
    {
        Ok(0) => {}
        Ok(dropped) => debug!(dropped, "story candidates past the window dropped"),
        Err(error) => warn!("pruning story candidates: {}", Report(&error)),
    }
    if cutoff.is_none() && max.is_none() {
        return;
    }
    let sources: Vec<SourceId> = config.sources().map(Source::id).collect();
    let expired = app
        .store
        .blocking(move |store| {
            let expired = store.expire(cutoff, max, &sources)?;
            store.commit()?;
            Ok::<_, StoreError>(expired)
        })
        .await;
    match expired {
        Ok(0) => debug!("retention: nothing to expire"),
        Ok(expired) => info!(expired, "retention applied"),
        Err(error) => warn!("retention: {}", Report(&error)),
    }
}

/// Normalizes and stores a fetched feed; on success records it in the state. Blocking.
fn store_feed(
    store: &Store,
    config: &Config,
    source: &Source,
    fetched: &Fetched,
    state: &mut FetchState,
    now: DateTime<Utc>,
) -> Result<Stored, RefreshError> {
    let keep_days = config.store.keep_days;
    let rules = config.rules_for(source);
    let context = origin(config, source, &fetched.final_url);
    // A server without validators sends the same bytes again: they were stored already, so
    // nothing is parsed, sanitized or rewritten (the bench's warm pass without ETags).
    let hash = body_hash(fetched, &context, &rules, keep_days);
    if state.last_success.is_some() && state.body_hash == Some(hash) {
        succeed(state, fetched.status);
        state.etag = fetched.validators.etag.clone();
        state.last_modified = fetched.validators.last_modified.clone();
        note_move(state, fetched.moved_permanently_to.as_ref());
        return Ok(Stored {
            new: 0,
            updated: 0,
            hub: None,
            same_bytes: true,
        });
    }
    let feed = normalize_feed(
        &fetched.body,
        fetched.content_type.as_deref(),
        &context,
        now,
    )?;
    let mut entries = feed.entries;
    // The flood guard: a source's first fetch publishes its newest few; the backlog is stored
    // but held back from the combined and region feeds.
    if state.last_success.is_none() {
        entries.sort_by_key(|normalized| std::cmp::Reverse(normalized.entry.published));
        for normalized in entries.iter_mut().skip(config.ingest.first_fetch_items) {
            normalized.entry.held_back = true;
        }
    }
    // What retention would drop at once is not stored at all (it would come back with every
    // fetch of a feed that still lists it).
    let cutoff = keep_days.and_then(|days| retention_cutoff(days, now));
    let entries = entries
        .into_iter()
        .filter(|normalized| cutoff.is_none_or(|cutoff| normalized.entry.published >= cutoff))
        .map(|normalized| (normalized.entry, normalized.dated))
        .collect();
    // The feed's entries and their stories in one write (see `Store::ingest_all`).
    let outcomes = store.ingest_all(entries, now, |entry: &Entry| judge(&rules, entry))?;
    let new = outcomes.iter().filter(|o| **o == Upsert::Inserted).count();
    let updated = outcomes.iter().filter(|o| **o == Upsert::Updated).count();
    succeed(state, fetched.status);
    state.etag = fetched.validators.etag.clone();
    state.last_modified = fetched.validators.last_modified.clone();
    state.title = feed.title;
    state.site_url = feed.site_url;
    state.body_hash = Some(hash);
    note_move(state, fetched.moved_permanently_to.as_ref());
    let hub = feed.hub.zip(feed.self_url);
    Ok(Stored {
        new,
        updated,
        hub,
        same_bytes: false,
    })
}

/// Identifies what storing `fetched` would do: its bytes, its type and final URL, and the
/// source's configuration, rules and retention that normalizing, judging and keeping its
/// entries read. SipHash with
/// fixed keys, so the value kept in the store means the same after a restart.
fn body_hash(
    fetched: &Fetched,
    context: &FeedOrigin,
    rules: &impl std::fmt::Debug,
    keep_days: Option<u32>,
) -> u64 {
    use std::hash::Hasher;
    let mut hasher = siphasher::sip::SipHasher13::new();
    hasher.write(&fetched.body);
    hasher.write(fetched.content_type.as_deref().unwrap_or("").as_bytes());
    hasher.write(fetched.final_url.as_str().as_bytes());
    hasher.write(format!("{context:?}{rules:?}{keep_days:?}").as_bytes());
    hasher.finish()
}

/// What storing a fetched (or pushed) feed did.
pub struct Stored {
    pub new: usize,
    pub updated: usize,
    /// The WebSub hub the feed names, and its topic (`rel="self"`).
    pub hub: Option<(url::Url, url::Url)>,
    /// The bytes were those of the last stored fetch: nothing was parsed or written.
    pub same_bytes: bool,
}

/// Stores a feed a WebSub hub pushed for `source` (its body, as if fetched from `topic`),
/// and commits it. Returns how many entries were new and updated.
pub async fn ingest_pushed(
    app: &App,
    source: &Source,
    fetched: Fetched,
) -> Result<(usize, usize), RefreshError> {
    let config = app.config();
    let source = source.clone();
    let id = source.id();
    app.store
        .blocking(move |store| {
            let now = Utc::now();
            let mut state = store.source_state(&id).map_err(RefreshError::Store)?;
            let stored = store_feed(store, &config, &source, &fetched, &mut state, now)?;
            state.last_push = Some(now);
            store
                .put_source_state(&id, &state)
                .map_err(RefreshError::Store)?;
            store.commit().map_err(RefreshError::Store)?;
            Ok((stored.new, stored.updated))
        })
        .await
}

/// Counts fetches in a row that were permanently redirected to one place.
fn note_move(state: &mut FetchState, moved_to: Option<&url::Url>) {
    match moved_to.map(url::Url::to_string) {
        Some(url) if state.moved_to.as_deref() == Some(url.as_str()) => state.moved_count += 1,
        Some(url) => {
            state.moved_to = Some(url);
            state.moved_count = 1;
        }
        None => {
            state.moved_to = None;
            state.moved_count = 0;
        }
    }
}

fn succeed(state: &mut FetchState, status: u16) {
    state.last_success = state.last_fetch;
    state.last_status = Some(status);
    state.last_error = None;
    state.consecutive_failures = 0;
    state.retry_at = None;
}

fn fail(
    state: &mut FetchState,
    config: &Config,
    status: Option<u16>,
    message: String,
    retry_after: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) {
    state.last_status = status;
    state.last_error = Some(message);
    state.consecutive_failures += 1;
    // A move is followed after fetches in a row that worked at the new address.
    state.moved_count = 0;
    // Backoff grows with consecutive failures; Retry-After wins when it asks for longer.
    let delay = backoff(
        state.consecutive_failures,
        config.fetch.backoff_base,
        config.fetch.backoff_max,
    );
    let backoff_until = later(now, delay);
    // Retry-After may ask for longer, but never beyond `backoff_max`: an upstream once parked
    // its source until 2163 (issue 11).
    let latest = later(now, config.fetch.backoff_max);
    state.retry_at = Some(retry_after.map_or(backoff_until, |after| {
        after.max(backoff_until).min(latest.max(backoff_until))
    }));
}

/// `now + delay`, saturating: config durations are bounded, but date arithmetic never panics.
fn later(now: DateTime<Utc>, delay: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(delay)
        .ok()
        .and_then(|delay| now.checked_add_signed(delay))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The time before which `keep_days` drops entries; `None` when that is before all time.
fn retention_cutoff(keep_days: u32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    now.checked_sub_signed(chrono::Duration::try_days(keep_days.into())?)
}

/// Exponential backoff with "equal jitter": half the delay fixed, half random, so that sources
/// failing together (a network outage) do not retry together.
pub fn backoff(failures: u32, base: Duration, max: Duration) -> Duration {
    let exponent = failures.saturating_sub(1).min(30);
    let delay = base.saturating_mul(1 << exponent).min(max);
    delay / 2 + delay.mul_f64(fastrand::f64() / 2.0)
}

fn log_outcome(source: &Source, outcome: &RefreshOutcome, state: &FetchState, elapsed: Duration) {
    let ms = elapsed.as_millis() as u64;
    match outcome {
        RefreshOutcome::Stored { new, updated } => {
            info!(source = %source.name, url = %source.url, new, updated, ms, "fetched");
            if let Some(moved_to) = &state.moved_to {
                warn!(source = %source.name, url = %source.url, %moved_to, "moved permanently: update feeds.toml");
            }
        }
        RefreshOutcome::NotModified => {
            info!(source = %source.name, url = %source.url, ms, "not modified")
        }
        RefreshOutcome::Unchanged => {
            info!(source = %source.name, url = %source.url, ms, "unchanged: the same bytes as the last fetch")
        }
        RefreshOutcome::Failed(error) => warn!(
            source = %source.name,
            url = %source.url,
            failures = state.consecutive_failures,
            retry_at = ?state.retry_at,
            ms,
            "fetch failed: {}",
            error.message()
        ),
        RefreshOutcome::Skipped { .. } => {}
    }
}

fn record_metrics(outcome: &RefreshOutcome, elapsed: Duration) {
    use crate::metrics::{ENTRIES_STORED, FETCH_SECONDS, FETCHES, LAST_REFRESH};
    let label = match outcome {
        RefreshOutcome::Stored { new, updated } => {
            metrics::counter!(ENTRIES_STORED, "kind" => "new").increment(*new as u64);
            metrics::counter!(ENTRIES_STORED, "kind" => "updated").increment(*updated as u64);
            "stored"
        }
        RefreshOutcome::NotModified => "not_modified",
        RefreshOutcome::Unchanged => "unchanged",
        RefreshOutcome::Failed(_) => "failed",
        RefreshOutcome::Skipped { .. } => "skipped",
    };
    metrics::counter!(FETCHES, "outcome" => label).increment(1);
    metrics::histogram!(FETCH_SECONDS).record(elapsed.as_secs_f64());
    metrics::gauge!(LAST_REFRESH).set(Utc::now().timestamp() as f64);
}

fn store_failed(source: &Source, error: StoreError) -> RefreshOutcome {
    let error = RefreshError::from(error);
    warn!(source = %source.name, url = %source.url, "store failed: {}", error.message());
    RefreshOutcome::Failed(Arc::new(error))
}

/// What normalizing needs to know of the source a feed came from, fetched from `final_url`.
pub fn origin(config: &Config, source: &Source, final_url: &url::Url) -> FeedOrigin {
    FeedOrigin {
        name: source.name.clone(),
        feed_url: source.url.clone(),
        base_url: final_url.clone(),
        region: source.region.clone(),
        document_base: None,
        strip_params: config.ingest.strip_params.clone(),
        language: source.language.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (issue 11, 11): a Retry-After of a century parked a source until 2163.
    #[test]
    fn retry_after_is_capped_at_backoff_max() {
        let config = Config::from_toml(
            std::path::Path::new("feeds.toml"),
            "[site]\ntitle = \"T\"\nbase_url = \"http://127.0.0.1:8080\"\n\
             [server]\nlisten = \"127.0.0.1:0\"\n[store]\npath = \"store\"\n\
             [schedule]\nrefresh = \"0 */15 * * * *\"\n[fetch]\nbackoff_max = \"6h\"\n",
        )
        .unwrap();
        let now = Utc::now();
        let mut state = FetchState::default();
        let century = now + chrono::Duration::days(365 * 137);
        fail(
            &mut state,
            &config,
            Some(503),
            "busy".into(),
            Some(century),
            now,
        );
        let retry_at = state.retry_at.unwrap();
        assert!(retry_at <= now + chrono::Duration::hours(6), "{retry_at}");
        let soon = now + chrono::Duration::hours(2);
        let mut state = FetchState::default();
        fail(
            &mut state,
            &config,
            Some(503),
            "busy".into(),
            Some(soon),
            now,
        );
        assert_eq!(
            state.retry_at,
            Some(soon),
            "a shorter Retry-After is honoured"
        );
        assert_eq!(later(now, Duration::MAX), DateTime::<Utc>::MAX_UTC);
        assert_eq!(retention_cutoff(u32::MAX, now), None);
    }

    #[test]
    fn backoff_doubles_within_jitter_and_stops_at_the_cap() {
        let base = Duration::from_secs(60);
        let max = Duration::from_secs(24 * 3600);
        for failures in 1..=40 {
            let full = base.saturating_mul(1 << (failures - 1).min(30)).min(max);
            let delay = backoff(failures, base, max);
            assert!(delay >= full / 2 && delay <= full, "{failures}: {delay:?}");
        }
    }
}
