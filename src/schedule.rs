//! One cron job per source (six fields, UTC), no overlapping runs, nothing new after shutdown,
//! and the whole set of jobs replaced when the config is reloaded.
//!
//! tokio-cron-scheduler can start a job while its last run still goes and can start one more
//! run after `shutdown()` returns (in 0.15, `shutdown()` only sets a flag). So every run checks
//! the cancellation token first, runs inside our `TaskTracker` (which shutdown waits on), and
//! refresh itself refuses to run a source twice at once.

use std::sync::Arc;

use tokio::sync::Mutex;
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use uuid::Uuid;

use crate::app::App;
use crate::refresh::{apply_retention, refresh_source};

/// The running scheduler and the jobs of the current config.
pub struct Schedule {
    scheduler: Mutex<JobScheduler>,
    jobs: Mutex<Vec<Uuid>>,
    shutdown: CancellationToken,
    tracker: TaskTracker,
}

impl Schedule {
    /// Starts the scheduler with a job for every configured source.
    pub async fn start(
        app: &Arc<App>,
        shutdown: CancellationToken,
        tracker: TaskTracker,
    ) -> Result<Schedule, JobSchedulerError> {
        let scheduler = JobScheduler::new().await?;
        let schedule = Schedule {
            scheduler: Mutex::new(scheduler),
            jobs: Mutex::new(Vec::new()),
            shutdown,
            tracker,
        };
        schedule.replace_jobs(app).await?;
        schedule.scheduler.lock().await.start().await?;
        Ok(schedule)
    }

    /// Replaces every job with those of the app's current config.
    pub async fn replace_jobs(&self, app: &Arc<App>) -> Result<(), JobSchedulerError> {
        let scheduler = self.scheduler.lock().await;
        let mut jobs = self.jobs.lock().await;
        for id in jobs.drain(..) {
            scheduler.remove(&id).await?;
        }
        let config = app.config();
        // Jobs hold the app weakly: the scheduler keeps its jobs past its shutdown, and the app
        // (with the store's file lock) must go when the daemon stops.
        for source in config.sources() {
            let app = Arc::downgrade(app);
            let source = source.clone();
            let shutdown = self.shutdown.clone();
            let tracker = self.tracker.clone();
            let cron = source.refresh_schedule.as_str().to_string();
            let job = Job::new_async(cron.as_str(), move |_id, _scheduler| {
                let app = app.upgrade();
                let source = source.clone();
                let shutdown = shutdown.clone();
                let tracker = tracker.clone();
                Box::pin(async move {
                    let Some(app) = app else { return };
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
            jobs.push(scheduler.add(job).await?);
        }
        let app = Arc::downgrade(app);
        let tracker = self.tracker.clone();
        let retention = Job::new_async(
            config.store.retention_schedule.as_str(),
            move |_id, _scheduler| {
                let app = app.upgrade();
                let tracker = tracker.clone();
                Box::pin(async move {
                    let Some(app) = app else { return };
                    if !tracker.is_closed() {
                        tracker.spawn(async move { apply_retention(&app).await });
                    }
                })
            },
        )?;
        jobs.push(scheduler.add(retention).await?);
        Ok(())
    }

    /// Stops starting new runs (running ones are the tracker's to wait for).
    pub async fn shutdown(&self) -> Result<(), JobSchedulerError> {
        self.scheduler.lock().await.shutdown().await
    }
}
