//! The raw shape of feeds.toml, as serde reads it: unknown keys are rejected, and every value
//! validated later keeps its span (`Spanned`) for `FILE:LINE:COL` errors.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub(super) site: RawSite,
    pub(super) server: RawServer,
    pub(super) store: RawStore,
    pub(super) schedule: RawSchedule,
    pub(super) fetch: Option<RawFetch>,
    pub(super) publish: Option<RawPublish>,
    pub(super) articles: Option<RawArticles>,
    pub(super) ingest: Option<RawIngest>,
    pub(super) search: Option<RawSearch>,
    pub(super) websub: Option<RawWebSub>,
    pub(super) stories: Option<RawStories>,
    pub(super) comments: Option<RawComments>,
    #[serde(default)]
    pub(super) authors: BTreeMap<String, RawAuthor>,
    #[serde(default)]
    pub(super) rule: Vec<RawRule>,
    #[serde(default)]
    pub(super) region: Vec<RawRegion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSite {
    pub(super) title: String,
    #[serde(default)]
    pub(super) subtitle: String,
    pub(super) base_url: Spanned<String>,
    #[serde(default = "default_language")]
    pub(super) language: String,
    #[serde(default)]
    pub(super) contact: String,
    #[serde(default)]
    pub(super) about: String,
    pub(super) logo: Option<Spanned<String>>,
    pub(super) icon: Option<Spanned<String>>,
}

fn default_language() -> String {
    super::defaults::string("site", "language")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawServer {
    pub(super) listen: Spanned<String>,
    pub(super) max_connections: Option<Spanned<usize>>,
    pub(super) max_connections_per_client: Option<Spanned<usize>>,
    pub(super) header_timeout: Option<Spanned<String>>,
    pub(super) request_timeout: Option<Spanned<String>>,
    pub(super) trusted_proxies: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStore {
    pub(super) path: PathBuf,
    pub(super) cache_mb: Option<u64>,
    pub(super) keep_days: Option<u32>,
    pub(super) max_entries_per_source: Option<Spanned<usize>>,
    pub(super) retention: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSchedule {
    pub(super) refresh: Spanned<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFetch {
    pub(super) timeout: Option<Spanned<String>>,
    pub(super) connect_timeout: Option<Spanned<String>>,
    pub(super) max_body_bytes: Option<u64>,
    pub(super) max_redirects: Option<usize>,
    pub(super) max_in_flight: Option<Spanned<usize>>,
    pub(super) backoff_base: Option<Spanned<String>>,
    pub(super) backoff_max: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPublish {
    pub(super) page_size: Option<Spanned<usize>>,
    pub(super) max_age: Option<Spanned<String>>,
    pub(super) hub: Option<Spanned<String>>,
    pub(super) mirror: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawArticles {
    pub(super) dir: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAuthor {
    pub(super) name: String,
    pub(super) bio: Option<String>,
    pub(super) avatar: Option<String>,
    pub(super) token_env: Option<String>,
    #[serde(default)]
    pub(super) moderator: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRegion {
    pub(super) slug: Spanned<String>,
    pub(super) name: String,
    pub(super) timezone: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) rule: Vec<RawRule>,
    #[serde(default)]
    pub(super) source: Vec<RawSource>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSource {
    pub(super) name: String,
    pub(super) url: Spanned<String>,
    pub(super) refresh: Option<Spanned<String>>,
    pub(super) language: Option<String>,
    pub(super) slug: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) rule: Vec<RawRule>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawComments {
    pub(super) moderation: Option<Spanned<String>>,
    pub(super) rate_per_minute: Option<Spanned<usize>>,
    pub(super) max_pending: Option<Spanned<usize>>,
    pub(super) allow_private_sources: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWebSub {
    pub(super) callback_base: Option<Spanned<String>>,
    pub(super) fallback_refresh: Option<Spanned<String>>,
    pub(super) lease: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStories {
    pub(super) window: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSearch {
    pub(super) path: Option<PathBuf>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawIngest {
    pub(super) strip_params: Option<Vec<String>>,
    pub(super) first_fetch_items: Option<usize>,
}

/// `[[rule]]`, `[[region.rule]]`, `[[region.source.rule]]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRule {
    pub(super) action: Spanned<RuleAction>,
    pub(super) field: Spanned<RuleField>,
    #[serde(rename = "match")]
    pub(super) pattern: Option<Spanned<String>>,
    pub(super) contains: Option<Spanned<String>>,
    pub(super) replace: Option<Spanned<String>>,
}

/// What a rule does with the entries it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleAction {
    /// Hides the entries that match.
    Drop,
    /// Hides the entries that do not match.
    Keep,
    /// Replaces what matches with `replace`.
    Rewrite,
}

/// The part of an entry a rule reads (and rewrites).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleField {
    Title,
    Summary,
    Content,
    Link,
    Category,
    Author,
}
