//! One cron job per source (six fields, UTC), no overlapping runs, nothing new after shutdown.
//!
//! tokio-cron-scheduler can start a job while its last run still goes and can start one more
//! run after `shutdown()` returns (DEPENDENCIES.md 4.2). So every run checks the cancellation
//! token first, runs inside our `TaskTracker` (which shutdown waits on), and refresh itself
//! refuses to run a source twice at once.

use std::sync::Arc;

use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::app::App;
use crate::refresh::refresh_source;

/// Starts the scheduler with a job for every configured source.
pub async fn start(
    app: Arc<App>,
    shutdown: CancellationToken,
    tracker: TaskTracker,
) -> Result<JobScheduler, JobSchedulerError> {
    let scheduler = JobScheduler::new().await?;
    let config = app.config();
    for source in config.sources() {
        let app = app.clone();
        let source = source.clone();
        let shutdown = shutdown.clone();
        let tracker = tracker.clone();
        let schedule = source.refresh.clone();
        let job = Job::new_async(schedule.as_str(), move |_id, _scheduler| {
            let app = app.clone();
            let source = source.clone();
            let shutdown = shutdown.clone();
            let tracker = tracker.clone();
            Box::pin(async move {
                if shutdown.is_cancelled() || tracker.is_closed() {
                    return;
                }
                tracker.spawn(async move {
                    tokio::select! {
                        _ = refresh_source(&app, &source) => {}
                        _ = shutdown.cancelled() => {}
                    }
                });
            })
        })?;
        scheduler.add(job).await?;
    }
    scheduler.start().await?;
    Ok(scheduler)
}
