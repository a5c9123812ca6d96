//! After the store changes: render the first page of every site-wide feed at once (so no
//! subscriber waits for it), rewrite the static mirror if one is configured, and tell the
//! WebSub hub about each feed whose bytes changed.
//!
//! One task, woken by the store. Changes arriving while it works are batched into its next
//! pass. A feed "changed" when its ETag did: re-renders that produce the same bytes are silent.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};
use url::Url;

use crate::app::App;
use crate::model::FeedKey;
use crate::render::Format;
use crate::render::cache::{FeedRequest, RenderError};
use crate::store::Changes;

/// Lets a burst of writes (one refresh stores many entries) settle into one pass.
const SETTLE: Duration = Duration::from_millis(200);
/// Under a stream of changes (a cold pass stores a refresh every few milliseconds), the next
/// pass waits at least this many times as long as the last one took: publishing then takes at
/// most a quarter of a core, where back-to-back passes rendered and compressed every site-wide
/// feed again and again, ~40% of a daemon's CPU in its cold pass of 1,000 sources (issue 18).
const SETTLE_PER_PASS: u32 = 3;
/// Attempts per hub ping, with doubling delays between them.
const HUB_ATTEMPTS: u32 = 3;

/// Runs until shutdown.
pub async fn run_publisher(app: Arc<App>, shutdown: CancellationToken) {
    let mut published: HashMap<(String, Format), String> = HashMap::new();
    let mut first_pass = true;
    let mut last_pass = Duration::ZERO;
    loop {
        if !first_pass {
            tokio::select! {
                _ = app.store.changed() => {}
                _ = shutdown.cancelled() => return,
            }
            tokio::time::sleep(SETTLE.max(last_pass * SETTLE_PER_PASS)).await;
        }
        let started = std::time::Instant::now();
        // Tag feeds are announced when their tags were touched: rendering every tag's feed at
        // every pass would cost the whole vocabulary of every upstream.
        let changes = match app.store.blocking(|store| store.take_changes()).await {
            Ok(changes) => changes,
            Err(error) => {
                warn!(
                    "reading the store's changes: {}",
                    crate::report::Report(&error)
                );
                continue;
            }
        };
        notify_linked_pages(&app, &changes.entries).await;
        let changed = render_first_pages(&app, &mut published, &changes).await;
        if let Some(search) = app.search.get() {
            search.enqueue(changes.entries, changes.checkpoint);
        }
        let changed = match changed {
            Some(changed) => changed,
            None => continue,
        };
        // The first pass only learns what is published; nothing is new to the hub yet.
        if !changed.is_empty() || first_pass {
            write_mirror(&app).await;
        }
        let hub = app.config().publish.hub.clone();
        if let Some(hub) = hub.filter(|_| !first_pass) {
            for feed_url in changed {
                ping_hub(&app, &hub, &feed_url).await;
            }
        }
        first_pass = false;
        // The pass rendered and compressed feeds: what it freed goes back to the system.
        let _ = tokio::task::spawn_blocking(crate::memory::trim).await;
        last_pass = started.elapsed();
    }
}

/// Renders page 1 of the site-wide feeds (the combined feed, each region's, each author's and
/// the stories') in every format, kept and compressed for the many who read them. When a hub or
/// a mirror is configured, also renders the feeds of the sources and tags that `changes`
/// touched, only to learn their ETags: those are read by few, so their bytes are neither kept
/// nor compressed here but on their first request (issue 18: keeping all of them cost 2 min of
/// CPU per pass and 792 MB at 1,000 sources). Returns the URLs whose bytes changed.
async fn render_first_pages(
    app: &Arc<App>,
    published: &mut HashMap<(String, Format), String>,
    changes: &Changes,
) -> Option<Vec<String>> {
    let app = app.clone();
    let tags = changes.tags.clone();
    let sources = changes.sources.clone();
    let rendered = tokio::task::spawn_blocking(move || {
        // The generation before the config snapshot: see `RenderCache::feed`.
        let generation = app.store.generation();
        let config = app.config();
        let announced = config.publish.hub.is_some() || config.publish.mirror.is_some();
        let (site_wide, per_source): (Vec<_>, Vec<_>) = config
            .feeds()
            .into_iter()
            .partition(|feed| !matches!(feed, FeedKey::Source { .. }));
        // Site-wide feeds are kept; the touched sources' and tags' only probed.
        let mut feeds: Vec<(FeedKey, bool)> = site_wide.into_iter().map(|f| (f, true)).collect();
        if announced {
            let touched = per_source
                .into_iter()
                .filter(|feed| matches!(feed, FeedKey::Source { id, .. } if sources.contains(id)))
                .chain(tags.into_iter().map(FeedKey::Tag));
            feeds.extend(touched.map(|feed| (feed, false)));
        }
        let mut etags = Vec::new();
        for (feed, keep) in feeds {
            for format in Format::ALL {
                let request = FeedRequest {
                    feed: feed.clone(),
                    format,
                    page: 1,
                    after: None,
                };
                let etag = if keep {
                    app.rendered
                        .feed(generation, &config, &app.store, &request)
                        .map(|rendered| rendered.etag.clone())
                } else {
                    crate::render::cache::feed_etag(&config, &app.store, &request)
                };
                match etag {
                    Ok(etag) => {
                        let url =
                            crate::urls::feed_url(&config.site.base_url, &feed.name(), format, 1);
                        etags.push(((feed.name(), format), etag, url));
                    }
                    // A tag whose last entry just left it has no feed any more.
                    Err(RenderError::NotFound) => {}
                    Err(error) => warn!(
                        "rendering {}: {}",
                        feed.name(),
                        crate::report::Report(&error)
                    ),
                }
            }
        }
        etags
    })
    .await
    .ok()?;
    let mut changed = Vec::new();
    for (key, etag, url) in rendered {
        if published.get(&key) != Some(&etag) {
            debug!(%url, "feed changed");
            published.insert(key, etag);
            changed.push(url);
        }
    }
    Some(changed)
}

/// Sends Webmentions for our articles that are new or changed among `changed` (once per
/// version of each), in the background.
async fn notify_linked_pages(app: &Arc<App>, changed: &BTreeSet<crate::model::EntryId>) {
    let ids: Vec<_> = changed.iter().copied().collect();
    let base = app.config().site.base_url.clone();
    let due = app
        .store
        .blocking(move |store| {
            let mut due = Vec::new();
            for id in ids {
                let Some(entry) = store.get(id)? else {
                    continue;
                };
                let (Some(article), Some(content)) = (&entry.article, &entry.content) else {
                    continue;
                };
                let version = entry.updated.timestamp();
                if store.webmentions_sent(id)? == Some(version) {
                    continue;
                }
                store.set_webmentions_sent(id, version)?;
                due.push((
                    crate::urls::permalink(&base, &article.slug),
                    content.clone(),
                ));
            }
            Ok::<_, crate::store::StoreError>(due)
        })
        .await;
    match due {
        Ok(due) => {
            for (permalink, content) in due {
                tokio::spawn(crate::comments::webmention::send_all(
                    app.clone(),
                    permalink,
                    content,
                ));
            }
        }
        Err(error) => warn!("webmentions to send: {}", crate::report::Report(&error)),
    }
}

/// Keeps `[publish] mirror` current: the whole site as static files.
async fn write_mirror(app: &Arc<App>) {
    let generation = app.store.generation();
    let config = app.config();
    let Some(out) = config.publish.mirror.clone() else {
        return;
    };
    let app = app.clone();
    let written = tokio::task::spawn_blocking(move || {
        crate::export::export_site(
            generation,
            &config,
            &app.store,
            &app.rendered,
            &out,
            &mut |_| {},
        )
    })
    .await;
    match written {
        Ok(Ok(report)) => info!(
            files = report.files,
            written = report.written,
            removed = report.removed,
            failed = report.failed,
            "mirror updated"
        ),
        Ok(Err(error)) => warn!("mirror not updated: {}", crate::report::Report(&error)),
        Err(error) => warn!("mirror not updated: {error}"),
    }
}

/// `hub.mode=publish` (WebSub 7.2, as hubs such as Superfeedr and Google's accept it), retried.
async fn ping_hub(app: &App, hub: &Url, feed_url: &str) {
    let pairs = [("hub.mode", "publish"), ("hub.url", feed_url)];
    let mut delay = Duration::from_secs(1);
    for attempt in 1..=HUB_ATTEMPTS {
        let outcome = app.fetcher().post_form(hub, &pairs).await;
        match outcome {
            Ok(status) if (200..300).contains(&status) => {
                info!(%hub, feed = feed_url, status, "hub notified");
                return;
            }
            Ok(status) => warn!(%hub, feed = feed_url, status, attempt, "hub refused the ping"),
            Err(error) => warn!(%hub, feed = feed_url, attempt, "hub ping failed: {error}"),
        }
        if attempt < HUB_ATTEMPTS {
            tokio::time::sleep(delay).await;
            delay *= 2;
        }
    }
    warn!(%hub, feed = feed_url, "giving up on the hub ping after {HUB_ATTEMPTS} attempts");
}
