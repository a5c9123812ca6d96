//! The shared state of one running daemon: config, store, HTTP client, render cache.
//!
//! One `Arc<App>` is handed to the scheduler's jobs and to every HTTP handler. The config sits
//! behind a lock so that a reload can swap it whole; readers take a cheap `Arc` snapshot.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, RwLock};

use crate::articles::ArticleIssue;
use crate::config::Config;
use crate::fetch::Fetcher;
use crate::model::SourceId;
use crate::render::cache::RenderCache;
use crate::store::{Store, StoreError};

pub struct App {
    config: RwLock<Arc<Config>>,
    /// Why the last edit of the config file was refused, until a good edit replaces it.
    config_error: Mutex<Option<String>>,
    pub store: Store,
    fetcher: RwLock<Fetcher>,
    pub rendered: RenderCache,
    /// Sources being refreshed now: the scheduler can start a run while the last one still
    /// goes (tokio-cron-scheduler issue #83), and one source must never be fetched twice at once.
    refreshing: Mutex<HashSet<SourceId>>,
    /// Renders `/metrics`; set by `serve` once the process-wide recorder is installed.
    pub metrics: std::sync::OnceLock<metrics_exporter_prometheus::PrometheusHandle>,
    /// Article files that could not be published, from the last sync.
    article_issues: Mutex<Vec<ArticleIssue>>,
    /// Comments a client sent in the last minute.
    pub comment_limits: crate::comments::RateLimit,
    /// The full-text index; set by the daemon once opened (unset: search is unavailable).
    pub search: std::sync::OnceLock<Arc<crate::search::SearchIndex>>,
    /// Turns to store a fetched feed: as many as there are cores. Fetches overlap up to
    /// `max_in_flight`, but storing is CPU work with one serial part (grouping into stories):
    /// more threads at it than cores only take the core from the one holding that part (issue
    /// 18: a cold pass of 1,000 feeds had 32 storing at once on 2 cores).
    pub storing: tokio::sync::Semaphore,
}

impl App {
    /// Opens the store and builds the client for a validated config.
    pub fn open(config: Config) -> Result<App, StoreError> {
        let store = Store::open(&config.store.path, config.store.cache_capacity_bytes)?;
        store.set_story_settings(crate::stories::settings(&config));
        let fetcher = Fetcher::new(&config.fetch, &user_agent(&config));
        Ok(App {
            config: RwLock::new(Arc::new(config)),
            config_error: Mutex::new(None),
            store,
            fetcher: RwLock::new(fetcher),
            rendered: RenderCache::default(),
            refreshing: Mutex::new(HashSet::new()),
            article_issues: Mutex::new(Vec::new()),
            metrics: std::sync::OnceLock::new(),
            search: std::sync::OnceLock::new(),
            comment_limits: Default::default(),
            storing: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |cores| cores.get()),
            ),
        })
    }

    /// A snapshot of the current config.
    pub fn config(&self) -> Arc<Config> {
        self.config
            .read()
            .expect("config lock is never poisoned")
            .clone()
    }

    /// The HTTP client, with the current config's limits.
    pub fn fetcher(&self) -> Fetcher {
        self.fetcher
            .read()
            .expect("fetcher lock is never poisoned")
            .clone()
    }

    /// Swaps in a new config (already validated): its limits, titles and regions apply from the
    /// next fetch and the next render. The store path and listen address need a restart.
    pub fn replace_config(&self, config: Config) {
        let fetcher = Fetcher::new(&config.fetch, &user_agent(&config));
        *self.fetcher.write().expect("never poisoned") = fetcher;
        self.store
            .set_story_settings(crate::stories::settings(&config));
        *self.config.write().expect("never poisoned") = Arc::new(config);
        // The generation moves on, so every cached page is stale and re-rendered with the new
        // config; the stale ones are kept until then for their validators.
        self.store.invalidate();
    }

    pub fn config_error(&self) -> Option<String> {
        self.config_error.lock().expect("never poisoned").clone()
    }

    pub fn set_config_error(&self, error: Option<String>) {
        *self.config_error.lock().expect("never poisoned") = error;
    }

    pub fn article_issues(&self) -> Vec<ArticleIssue> {
        self.article_issues.lock().expect("never poisoned").clone()
    }

    pub fn set_article_issues(&self, issues: Vec<ArticleIssue>) {
        *self.article_issues.lock().expect("never poisoned") = issues;
    }

    /// Marks a source as being refreshed; `None` if a refresh of it is already running.
    pub fn begin_refresh(&self, source: &SourceId) -> Option<RefreshGuard<'_>> {
        let mut refreshing = self.refreshing.lock().expect("never poisoned");
        refreshing.insert(source.clone()).then(|| RefreshGuard {
            app: self,
            source: source.clone(),
        })
    }
}

/// Clears the source's in-flight mark when the refresh ends, however it ends.
pub struct RefreshGuard<'a> {
    app: &'a App,
    source: SourceId,
}

impl Drop for RefreshGuard<'_> {
    fn drop(&mut self) {
        self.app
            .refreshing
            .lock()
            .expect("never poisoned")
            .remove(&self.source);
    }
}

/// Names islands, its version and the site, so publishers know who is calling.
pub fn user_agent(config: &Config) -> String {
    format!(
        "islands/{} (+{})",
        env!("CARGO_PKG_VERSION"),
        config.site.base_url
    )
}
