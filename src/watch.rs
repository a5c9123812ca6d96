//! Watching a folder for edits, debounced: shared by the articles folder and feeds.toml.
//!
//! Editors save in bursts (one write gave four notify events, notify 8 on Linux) and often
//! replace the file (write a temporary file, then rename), so the folder is watched, events
//! are filtered by the caller, and a burst is settled into one wake-up.

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use notify::Watcher;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// How long a burst of events may go on before the action runs once.
const SETTLE: Duration = Duration::from_millis(300);

/// A channel of wake-ups: a full channel already holds one, so nothing is lost by dropping more.
pub fn wake_ups() -> (mpsc::Sender<()>, mpsc::Receiver<()>) {
    mpsc::channel(1)
}

/// Watches `folder` (not recursively); every event that `wanted` accepts, access events aside,
/// sends a wake-up. The watch lasts as long as the returned watcher.
pub fn watch_folder(
    folder: &Path,
    wanted: impl Fn(&notify::Event) -> bool + Send + 'static,
    wake: mpsc::Sender<()>,
) -> notify::Result<notify::RecommendedWatcher> {
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if event.is_ok_and(|event| !event.kind.is_access() && wanted(&event)) {
            let _ = wake.try_send(());
        }
    })?;
    watcher.watch(folder, notify::RecursiveMode::NonRecursive)?;
    Ok(watcher)
}

/// Runs `action` once per settled burst of wake-ups, until shutdown.
pub fn run_debounced<F, Fut>(
    mut woken: mpsc::Receiver<()>,
    shutdown: CancellationToken,
    mut action: F,
) where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                woke = woken.recv() => if woke.is_none() { return },
            }
            tokio::time::sleep(SETTLE).await;
            while woken.try_recv().is_ok() {}
            action().await;
        }
    });
}
