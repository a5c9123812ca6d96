//! islands: pulls the news feeds of Ireland and Cyprus, merges them with the site's own
//! articles, and republishes them as RSS, Atom and JSON Feed, with the site's HTML pages.
//!
//! Modules, in the order the data flows (ARCHITECTURE.md has the whole map):
//!
//! - `daemon`: the whole daemon as a library: `start(config) -> Handle`, `Handle::stop`;
//!   `commands`: the one-shot commands (fetch, export, OPML, articles, rule preview).
//! - `config`: feeds.toml -> validated `Config`, errors with FILE:LINE:COL; `reload` swaps it
//!   when the file changes.
//! - `schedule`: one cron job per source, no overlap, clean shutdown.
//! - `refresh`: fetch -> normalize -> store for one source; outcomes -> source state.
//! - `fetch`: upstream HTTP: conditional GET, limits, redirects, Retry-After.
//! - `normalize`: feed bytes -> entries: feed-rs, ids, dates, charsets, sanitizing.
//! - `articles`: the site's own articles, from Markdown files (`sync`) or Micropub
//!   (`articles::micropub`).
//! - `model`: `Entry`, `EntryId`, `FeedKey`: the plain data every stage shares.
//! - `store`: sled: entries, time indexes, per-source state.
//! - `render`: entries -> RSS, Atom, JSON Feed and HTML; the render-once, compress-once cache.
//! - `publish`: after a change: first pages rendered, mirror written (`export`), hub pinged.
//! - `urls`: every public address: `SitePage` (cache key, route, export file), feeds,
//!   permalinks.
//! - `serve`: axum and hyper: the router, its handlers, the hardened accept loop.
//! - `app`, `status`, `metrics`, `opml`, `watch`, `report`: shared state, health, metrics,
//!   OPML, the debounced folder watch behind hot reload and article sync, and errors with
//!   their causes on one line.

pub mod app;
pub mod articles;
pub mod commands;
pub mod comments;
pub mod config;
pub mod control;
pub mod daemon;
pub mod discover;
pub mod export;
pub mod fetch;
pub mod located;
pub mod memory;
pub mod metrics;
pub mod model;
pub mod moved;
pub mod normalize;
pub mod opml;
pub mod publish;
pub mod refresh;
pub mod reload;
pub mod render;
pub mod report;
pub mod rules;
pub mod schedule;
pub mod search;
pub mod serve;
pub mod status;
pub mod store;
pub mod stories;
pub mod urls;
pub mod watch;
pub mod websub;
