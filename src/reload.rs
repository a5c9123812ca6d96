//! Hot reload: feeds.toml is watched (and SIGHUP obeyed); a good edit is swapped in within
//! seconds, a broken one is refused and reported, and the last good config keeps running.
//!
//! The config's folder is watched (`watch`), filtered by the config's file name.

use std::collections::HashSet;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::app::App;
use crate::config::{Config, ConfigErrors};
use crate::refresh::refresh_source;
use crate::schedule::Schedule;
use crate::watch;

/// Watches the config file and SIGHUP until shutdown. The watcher lives as long as the value.
pub fn watch_config(
    app: Arc<App>,
    schedule: Arc<Schedule>,
    shutdown: CancellationToken,
) -> Option<notify::RecommendedWatcher> {
    let path = app.config().path.clone();
    let file_name = path.file_name().map(|name| name.to_os_string());
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let (wake, woken) = watch::wake_ups();
    let watcher = watch::watch_folder(
        &folder,
        move |event| {
            event
                .paths
                .iter()
                .any(|changed| changed.file_name().map(|n| n.to_os_string()) == file_name)
        },
        wake.clone(),
    );
    let watcher = match watcher {
        Ok(watcher) => Some(watcher),
        Err(error) => {
            warn!(
                "not watching {}: {error}; send SIGHUP to reload",
                path.display()
            );
            None
        }
    };

    #[cfg(unix)]
    {
        let on_signal = wake.clone();
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            use tokio::signal::unix::{SignalKind, signal};
            let Ok(mut hangups) = signal(SignalKind::hangup()) else {
                warn!("cannot listen for SIGHUP");
                return;
            };
            loop {
                tokio::select! {
                    _ = hangups.recv() => { let _ = on_signal.try_send(()); }
                    _ = shutdown.cancelled() => return,
                }
            }
        });
    }

    watch::run_debounced(woken, shutdown, move || {
        let app = app.clone();
        let schedule = schedule.clone();
        async move { reload_config(&app, &schedule).await }
    });
    watcher
}

/// Reads the config again; swaps it in if valid, else keeps the old one and reports why.
pub async fn reload_config(app: &Arc<App>, schedule: &Schedule) {
    let old = app.config();
    let path = old.path.clone();
    let loaded = tokio::task::spawn_blocking(move || Config::load(&path)).await;
    let new = match loaded {
        Ok(Ok(config)) => config,
        Ok(Err(errors)) => {
            for error in &errors.0 {
                warn!("config not reloaded: {error}");
            }
            app.set_config_error(Some(shown_in_status(errors)));
            return;
        }
        Err(error) => {
            warn!("config not reloaded: {error}");
            return;
        }
    };
    if new.store.path != old.store.path || new.listen != old.listen {
        warn!("the store path and listen address change at the next restart");
    }
    let known: HashSet<String> = old.sources().map(|s| s.url.to_string()).collect();
    let added: Vec<_> = new
        .sources()
        .filter(|source| !known.contains(source.url.as_str()))
        .cloned()
        .collect();
    // A source removed and added back is new again (its first fetch is flood-guarded).
    let kept: HashSet<String> = new.sources().map(|s| s.url.to_string()).collect();
    let removed: Vec<_> = old
        .sources()
        .filter(|source| !kept.contains(source.url.as_str()))
        .map(|source| source.id())
        .collect();
    app.set_config_error(None);
    app.replace_config(new);
    if !removed.is_empty() {
        crate::websub::forget(app, removed.clone()).await;
        let forgotten = app
            .store
            .blocking(move |store| removed.iter().try_for_each(|id| store.forget_source(id)))
            .await;
        if let Err(error) = forgotten {
            warn!(
                "forgetting removed sources: {}",
                crate::report::Report(&error)
            );
        }
    }
    crate::refresh::reapply_rules(app).await;
    if let Err(error) = schedule.replace_jobs(app).await {
        warn!("rebuilding the schedule: {error}");
    }
    let config = app.config();
    info!(
        regions = config.regions.len(),
        sources = config.sources().count(),
        added = added.len(),
        "config reloaded"
    );
    crate::articles::resync(app).await;
    // New sources should not wait for their first cron tick.
    for source in added {
        let app = app.clone();
        tokio::spawn(async move { refresh_source(&app, &source).await });
    }
}

/// The errors as `/status` shows them to anyone: the file relative to the working folder, or its
/// name alone, never an absolute path of the machine (issue 11).
fn shown_in_status(mut errors: ConfigErrors) -> String {
    let here = std::env::current_dir().ok();
    for error in &mut errors.0 {
        let relative = here
            .as_deref()
            .and_then(|here| error.file.strip_prefix(here).ok())
            .filter(|_| error.file.is_absolute())
            .map(std::path::Path::to_path_buf);
        error.file = match relative {
            Some(relative) => relative,
            None if error.file.is_absolute() => error.file.file_name().map_or_else(
                || std::path::PathBuf::from("config"),
                std::path::PathBuf::from,
            ),
            None => error.file.clone(),
        };
    }
    errors.to_string()
}
