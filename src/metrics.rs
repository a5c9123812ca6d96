//! Prometheus metrics, all named `islands_*`: fetches by outcome, fetch latency, entries
//! stored, feed renders, HTTP requests by route and status, the time of the last refresh,
//! story merges.
//!
//! The `metrics` facade records from anywhere; the exporter's recorder is installed once per
//! process by `serve` (installing is global), so the library and its tests record into nothing.

use std::collections::HashMap;
use std::sync::{LazyLock, RwLock};
use std::time::Duration;

use metrics::Counter;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

pub const FETCHES: &str = "islands_fetches_total";
pub const FETCH_SECONDS: &str = "islands_fetch_duration_seconds";
pub const ENTRIES_STORED: &str = "islands_entries_stored_total";
pub const FEED_RENDERS: &str = "islands_feed_renders_total";
pub const HTTP_REQUESTS: &str = "islands_http_requests_total";
pub const LAST_REFRESH: &str = "islands_last_refresh_timestamp_seconds";
pub const STORY_MERGES: &str = "islands_story_merges_total";

/// Installs the process-wide recorder and keeps its histograms trimmed until the process ends.
pub fn install() -> Option<PrometheusHandle> {
    let builder = PrometheusBuilder::new()
        .set_buckets(&[0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0])
        .ok()?;
    let handle = builder.install_recorder().ok()?;
    describe();
    let upkeep = handle.clone();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(Duration::from_secs(5));
        loop {
            ticks.tick().await;
            upkeep.run_upkeep();
        }
    });
    Some(handle)
}

fn describe() {
    metrics::describe_counter!(FETCHES, "Source fetches, by outcome");
    metrics::describe_histogram!(
        FETCH_SECONDS,
        metrics::Unit::Seconds,
        "Time to fetch, parse and store one source"
    );
    metrics::describe_counter!(ENTRIES_STORED, "Entries inserted or updated, by kind");
    metrics::describe_counter!(
        FEED_RENDERS,
        "Feed and page renders (cache misses), by kind"
    );
    metrics::describe_counter!(HTTP_REQUESTS, "HTTP requests, by route and status");
    metrics::describe_gauge!(LAST_REFRESH, "Unix time of the last finished refresh");
    metrics::describe_counter!(
        STORY_MERGES,
        "Entries that joined a story of other entries, and stories merged into an older one"
    );
}

/// The request counter of each route and status, registered with the recorder once: a request
/// costs two map lookups under a read lock and an atomic add, where `counter!` with labels
/// built a key, allocated its label strings and hashed it into the registry per request.
static REQUESTS: LazyLock<RwLock<HashMap<u16, RouteCounters>>> = LazyLock::new(Default::default);

/// One status's counters, by route pattern.
type RouteCounters = HashMap<Box<str>, Counter>;

/// Counts one HTTP request by its route pattern and status.
pub fn count_request(route: &str, status: u16) {
    if let Some(counter) = REQUESTS
        .read()
        .expect("never poisoned")
        .get(&status)
        .and_then(|routes| routes.get(route))
    {
        counter.increment(1);
        return;
    }
    let mut requests = REQUESTS.write().expect("never poisoned");
    let counter = requests
        .entry(status)
        .or_default()
        .entry(route.into())
        .or_insert_with(|| {
            let status = status.to_string();
            metrics::counter!(HTTP_REQUESTS, "route" => route.to_string(), "status" => status)
        });
    counter.increment(1);
}
