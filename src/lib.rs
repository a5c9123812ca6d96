//! islands: pulls the news feeds of Ireland and Cyprus, merges them with the site's own
//! articles, and republishes them as RSS, Atom and JSON Feed.
//!
//! Modules, in the order the data flows:

/// The shared state of a running daemon.
pub mod app;
/// Local Markdown articles -> entries; the folder sync and watcher.
pub mod articles;
/// feeds.toml -> validated `Config`, errors with FILE:LINE:COL.
pub mod config;
/// The site as static files with .gz and .br twins (export and mirror).
pub mod export;
/// Upstream HTTP: conditional GET, limits, redirects, Retry-After.
pub mod fetch;
/// Prometheus metric names and the recorder.
pub mod metrics;
/// Micropub requests -> article changes.
pub mod micropub;
/// `Entry`, `EntryId`, `FeedKey`: the plain data every stage shares.
pub mod model;
/// Feed bytes -> entries: feed-rs, ids, dates, charsets, sanitizing.
pub mod normalize;
/// OPML export of the sources and import into feeds.toml.
pub mod opml;
/// After a store change: render first pages, ping the WebSub hub.
pub mod publish;
/// fetch -> normalize -> store for one source; outcomes -> source state.
pub mod refresh;
/// Hot reload of feeds.toml (file watch and SIGHUP).
pub mod reload;
/// Entries -> RSS, Atom, JSON Feed bytes; the render-once, compress-once cache.
pub mod render;
/// One cron job per source, no overlap, clean shutdown.
pub mod schedule;
/// axum: the router and its handlers.
pub mod serve;
/// Per-source health for /status and /status.json.
pub mod status;
/// sled: entries, time indexes, per-source state.
pub mod store;
