//! The daemon as a library: [`start`] brings up everything `islands serve` runs (the store, the
//! articles folder and its watch, the first refresh and the schedule, the publisher, the config
//! watch, the HTTP server) and returns a [`Handle`]; [`Handle::stop`] shuts it down in order.
//!
//! `main.rs` only adds the signals; tests start a daemon in their own process, on port 0, and
//! can reach its `App` directly.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

use crate::app::App;
use crate::config::Config;
use crate::refresh::{reapply_rules, refresh_all};
use crate::schedule::Schedule;
use crate::store::StoreError;
use crate::{articles, publish, reload, serve};

/// How long shutdown waits for running refreshes, then for the server, before abandoning them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Why the daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("opening the store")]
    Store(#[from] StoreError),
    #[error("listening on {address}")]
    Listen {
        address: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("creating the articles folder {folder}")]
    ArticlesFolder {
        folder: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("starting the scheduler")]
    Schedule(#[from] tokio_cron_scheduler::JobSchedulerError),
}

/// A running daemon.
pub struct Handle {
    pub app: Arc<App>,
    /// The address it listens on (the configured one, with port 0 resolved).
    pub address: SocketAddr,
    shutdown: CancellationToken,
    tracker: TaskTracker,
    schedule: Arc<Schedule>,
    server: tokio::task::JoinHandle<()>,
    /// The command socket's server (see `control`).
    control: Option<tokio::task::JoinHandle<()>>,
    /// The watches of the articles folder and the config; they end when dropped.
    _watchers: Vec<notify::RecommendedWatcher>,
}

/// Starts the daemon on `config`: returns once it listens, with its articles published.
pub async fn start(config: Config) -> Result<Handle, StartError> {
    let listen = config.listen;
    let app = Arc::new(App::open(config)?);
    if let Some(handle) = crate::metrics::install() {
        let _ = app.metrics.set(handle);
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| StartError::Listen {
            address: listen,
            source,
        })?;
    let address = listener.local_addr().map_err(|source| StartError::Listen {
        address: listen,
        source,
    })?;

    let shutdown = CancellationToken::new();
    let tracker = TaskTracker::new();
    let mut watchers = Vec::new();

    // The site's own articles are published before the first request, then kept in step.
    let articles_dir = app.config().articles_dir.clone();
    std::fs::create_dir_all(&articles_dir).map_err(|source| StartError::ArticlesFolder {
        folder: articles_dir.clone(),
        source,
    })?;
    // Indexes added by a later build cover the entries stored before it (once per store).
    match app.store.blocking(|store| store.backfill_indexes()).await {
        Ok(0) => {}
        Ok(read) => info!(entries = read, "indexes backfilled"),
        Err(error) => warn!("backfilling the indexes: {}", crate::report::Report(&error)),
    }
    // Entries stored before stories existed, or left without one by a crash, are grouped.
    match app.store.blocking(|store| store.group_ungrouped()).await {
        Ok(0) => {}
        Ok(grouped) => {
            info!(entries = grouped, "entries grouped into stories");
            if let Err(error) = app.store.blocking(|store| store.commit()).await {
                warn!("committing the stories: {}", crate::report::Report(&error));
            }
        }
        Err(error) => warn!("grouping into stories: {}", crate::report::Report(&error)),
    }
    // The search index, before the first write, so its checkpoint is compared with the
    // store's as the last run left it.
    let search_path = app.config().search_path.clone();
    let opened = app
        .store
        .blocking(move |store| crate::search::SearchIndex::open(&search_path, store))
        .await;
    let search_rebuild = match opened {
        Ok((search, rebuild)) => {
            let _ = app.search.set(Arc::new(search));
            rebuild
        }
        Err(error) => {
            warn!("search is unavailable: {}", crate::report::Report(&error));
            false
        }
    };
    articles::resync(&app).await;
    match articles::watch_articles(app.clone(), shutdown.clone()) {
        Ok(watcher) => watchers.push(watcher),
        Err(error) => warn!(
            "not watching {}: {error}; restart to publish article edits",
            articles_dir.display()
        ),
    }

    // The rules as they are now, then every source at once, then on schedule.
    tracker.spawn({
        let app = app.clone();
        let shutdown = shutdown.clone();
        async move {
            tokio::select! {
                _ = async {
                    reapply_rules(&app).await;
                    refresh_all(&app).await;
                } => {}
                _ = shutdown.cancelled() => {}
            }
        }
    });
    tracker.spawn(publish::run_publisher(app.clone(), shutdown.clone()));
    // Webmentions received before a stop are checked now.
    tokio::spawn(crate::comments::webmention::resume(app.clone()));
    if let Some(search) = app.search.get() {
        tracker.spawn(crate::search::run_indexer(
            app.clone(),
            search.clone(),
            search_rebuild,
            shutdown.clone(),
        ));
    }
    let schedule = Arc::new(Schedule::start(&app, shutdown.clone(), tracker.clone()).await?);
    watchers.extend(reload::watch_config(
        app.clone(),
        schedule.clone(),
        shutdown.clone(),
    ));

    let config = app.config();
    let limits = serve::listen::ServerLimits {
        max_connections: config.server.max_connections,
        max_connections_per_client: config.server.max_connections_per_client,
        header_timeout: config.server.header_timeout,
    };
    // The command line's way in while this daemon holds the store.
    let control = match crate::control::listen(app.clone(), shutdown.clone(), tracker.clone()) {
        Ok(control) => Some(control),
        Err(error) => {
            warn!("no command socket ({error}): commands must wait until the daemon stops");
            None
        }
    };
    let server = tokio::spawn(serve::listen::run(
        listener,
        serve::router(app.clone()),
        shutdown.clone(),
        limits,
    ));
    info!(%address, "serving");
    Ok(Handle {
        app,
        address,
        shutdown,
        tracker,
        schedule,
        server,
        control,
        _watchers: watchers,
    })
}

impl Handle {
    /// `http://ADDRESS{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Shuts down: the scheduler stops, running refreshes get a grace period, the server
    /// drains, and the store is committed and flushed.
    pub async fn stop(self) -> Result<(), StoreError> {
        info!("shutting down");
        self.shutdown.cancel();
        if let Err(error) = self.schedule.shutdown().await {
            warn!("stopping the scheduler: {error}");
        }
        self.tracker.close();
        if tokio::time::timeout(SHUTDOWN_GRACE, self.tracker.wait())
            .await
            .is_err()
        {
            warn!("abandoning refreshes still running after {SHUTDOWN_GRACE:?}");
        }
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, self.server).await;
        if let Some(control) = self.control {
            let _ = tokio::time::timeout(SHUTDOWN_GRACE, control).await;
        }
        self.app
            .store
            .blocking(|store| store.commit().and_then(|_| store.flush()))
            .await?;
        // What the publisher had not handed to the search index yet, so a clean stop leaves
        // it current (and the next start does not rebuild it).
        if let Some(search) = self.app.search.get().cloned() {
            let app = self.app.clone();
            let caught_up = tokio::task::spawn_blocking(move || {
                let changes = app.store.take_changes()?;
                search.enqueue(changes.entries, changes.checkpoint);
                search.apply_pending(&app.config(), &app.store)
            })
            .await;
            if let Ok(Err(error)) = caught_up {
                warn!(
                    "updating the search index: {}",
                    crate::report::Report(&error)
                );
            }
        }
        // The store's file lock goes with the last `App`: wait (bounded) for the tasks that
        // hold one to end, so the same folder can be opened again in this process.
        let Handle {
            app,
            schedule,
            _watchers,
            ..
        } = self;
        drop((schedule, _watchers));
        let deadline = tokio::time::Instant::now() + SHUTDOWN_GRACE;
        while Arc::strong_count(&app) > 1 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if Arc::strong_count(&app) > 1 {
            warn!("the store stays open: a task still holds it after {SHUTDOWN_GRACE:?}");
        }
        Ok(())
    }
}
