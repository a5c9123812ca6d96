//! `feeds.toml` -> validated [`Config`].
//!
//! Parsing happens in two steps, as ripgrep's low and high level arguments do: serde reads the
//! text into raw types that reject unknown keys and keep the span of every value we validate
//! later, then [`Config::from_toml`] checks those values and resolves paths against the config
//! file's folder. Every error names `FILE:LINE:COL`, so an operator can jump to the mistake.
//!
//! The trap: tokio-cron-scheduler wants six-field cron (with seconds) and only ever says
//! "ParseSchedule"; we parse with croner here, with the scheduler's own settings, so a five-field
//! crontab line gets a message that says so.

mod defaults;
pub mod edit;
mod raw;
mod resolve;

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use url::Url;

pub use defaults::{KEYS, Key};
use raw::RawConfig;
use resolve::{Errors, resolve};

use crate::model::SourceId;

/// Everything the daemon needs, checked and with paths resolved.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file this was read from.
    pub path: PathBuf,
    pub site: Site,
    pub listen: SocketAddr,
    pub server: ServerConfig,
    pub store: StoreConfig,
    /// The refresh schedule of sources without their own.
    pub refresh_schedule: CronSchedule,
    pub fetch: FetchConfig,
    pub publish: PublishConfig,
    pub articles_dir: PathBuf,
    pub authors: BTreeMap<String, Author>,
    pub ingest: IngestConfig,
    pub websub: WebSubConfig,
    pub stories: StoriesConfig,
    pub comments: CommentsConfig,
    /// `[search] path`: the search index's folder (derived from the store; default the
    /// store's `search` folder).
    pub search_path: PathBuf,
    /// `[[rule]]`: for every source.
    pub rules: Vec<Rule>,
    pub regions: Vec<Region>,
}

/// `[comments]`: readers' comments on our articles.
#[derive(Debug, Clone, PartialEq)]
pub struct CommentsConfig {
    pub moderation: Moderation,
    /// Comments (form or Webmention) one client address may send a minute.
    pub rate_per_minute: usize,
    /// Past this many comments held for moderation, new ones are refused (503, Retry-After).
    pub max_pending: usize,
    /// Webmention sources on loopback, private or link-local addresses are fetched (tests).
    pub allow_private_sources: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moderation {
    /// Every comment waits for a moderator.
    All,
    /// A commenter with an approved comment before (same email or site) is let through.
    FirstTime,
    /// Comments are published at once.
    None,
}

/// `[stories]`: one item per event across outlets (issue 13).
#[derive(Debug, Clone, PartialEq)]
pub struct StoriesConfig {
    /// A new entry is compared with the entries published within this of it.
    pub window: Duration,
}

/// `[websub]`: push ingest from the hubs that sources' feeds name.
#[derive(Debug, Clone, PartialEq)]
pub struct WebSubConfig {
    /// The public URL of this daemon (ending in `/`): hubs call `{callback_base}websub/{token}`.
    /// Unset: no subscriptions.
    pub callback_base: Option<Url>,
    /// How often a source is still polled while a hub pushes its feed.
    pub fallback_refresh: Duration,
    /// The lease asked of hubs; a subscription is renewed before it ends.
    pub lease: Duration,
}

/// `[ingest]`.
#[derive(Debug, Clone, PartialEq)]
pub struct IngestConfig {
    /// Query parameters removed from every upstream link; `*` at the end matches a prefix.
    pub strip_params: Vec<String>,
    /// How many of a new source's entries reach the combined and region feeds at its first
    /// fetch; the rest are stored, held back from them.
    pub first_fetch_items: usize,
}

pub use raw::{RuleAction, RuleField};

/// An operator's rule, checked. Rules apply at ingest to upstream entries (never to the site's
/// own articles): `[[rule]]`, then the region's, then the source's.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Where it is written, which is how `/status` names it: `rule 1`, `region ireland
    /// rule 2`, `source "RTÉ News" rule 1`.
    pub name: String,
    pub action: RuleAction,
    pub field: RuleField,
    pub matcher: RuleMatcher,
    /// The replacement of a rewrite (`$1` names a group).
    pub replace: Option<String>,
}

/// What a rule looks for.
#[derive(Debug, Clone)]
pub enum RuleMatcher {
    Regex(regex::Regex),
    /// Folded text (case and accents ignored), found anywhere in the folded field.
    Contains(String),
}

impl PartialEq for Rule {
    fn eq(&self, other: &Rule) -> bool {
        let pattern = |rule: &Rule| match &rule.matcher {
            RuleMatcher::Regex(regex) => format!("match {}", regex.as_str()),
            RuleMatcher::Contains(text) => format!("contains {text}"),
        };
        self.name == other.name
            && self.action == other.action
            && self.field == other.field
            && self.replace == other.replace
            && pattern(self) == pattern(other)
    }
}

#[derive(Debug, Clone)]
pub struct Site {
    pub title: String,
    pub subtitle: String,
    /// Absolute, always ending in `/`; every permalink and self link hangs off it.
    pub base_url: Url,
    pub language: String,
    pub contact: String,
    /// About the site, in Markdown, on every page.
    pub about: String,
    /// The site's logo (an absolute URL; the icon unless set): Open Graph, JSON-LD, Atom `logo`.
    pub logo: String,
    /// The site's square icon (an absolute URL; by default the built-in `/icon.png`): RSS
    /// `<image>`, Atom `<icon>`, JSON Feed `icon` and `favicon`, the pages' `<link rel="icon">`.
    pub icon: String,
}

#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Open connections at most; more wait in the kernel's backlog.
    pub max_connections: usize,
    /// Open connections of one client address at most; more are closed at once, so one client
    /// cannot hold every slot for `header_timeout`.
    pub max_connections_per_client: usize,
    /// A request head must arrive within this (slowloris).
    pub header_timeout: Duration,
    /// A whole request, body included, must be answered within this.
    pub request_timeout: Duration,
    /// Proxies whose `X-Forwarded-For` names the client (for comments' rate limit).
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub path: PathBuf,
    pub cache_capacity_bytes: u64,
    /// Upstream entries published longer ago than this are dropped (never local articles).
    pub keep_days: Option<u32>,
    /// At most this many entries per source are kept, newest first.
    pub max_entries_per_source: Option<usize>,
    /// When retention runs.
    pub retention_schedule: CronSchedule,
}

#[derive(Debug, Clone)]
pub struct FetchConfig {
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub max_body_bytes: u64,
    pub max_redirects: usize,
    pub max_in_flight: usize,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
}

#[derive(Debug, Clone)]
pub struct PublishConfig {
    pub page_size: usize,
    /// `Cache-Control: public, max-age=...` on feeds and pages.
    pub max_age: Duration,
    /// A WebSub hub: feeds link to it and it is pinged when a feed changes.
    pub hub: Option<Url>,
    /// A folder kept current with the whole site as static files after every change.
    pub mirror: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct Author {
    pub name: String,
    pub bio: String,
    /// A picture of the author (an absolute URL, or a path on this site).
    pub avatar: Option<String>,
    /// The environment variable holding this author's Micropub token. The token itself never
    /// appears in the config, the logs or a response.
    pub token_env: Option<String>,
    /// May moderate the comments of every article (others moderate their own articles').
    pub moderator: bool,
}

#[derive(Debug, Clone)]
pub struct Region {
    pub slug: String,
    pub name: String,
    /// The zone its pages show times in (IANA, e.g. `Europe/Dublin`); UTC when unset.
    pub timezone: chrono_tz::Tz,
    /// `[[region.rule]]`: for every source of the region.
    pub rules: Vec<Rule>,
    pub sources: Vec<Source>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub name: String,
    pub url: Url,
    /// When it is fetched.
    pub refresh_schedule: CronSchedule,
    pub region: String,
    /// `[[region.source.rule]]`: for this source only.
    pub rules: Vec<Rule>,
    /// The language its entries are written in, when it is not the site's (`language`).
    pub language: Option<String>,
    /// Its name in addresses (`/sources/{slug}/`): `slug`, else made from its name.
    pub slug: String,
}

impl Source {
    /// The source's identity: its feed URL as configured.
    pub fn id(&self) -> SourceId {
        SourceId::new(&self.url)
    }
}

impl Config {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
        let text = std::fs::read_to_string(path).map_err(|error| {
            ConfigErrors(vec![ConfigError {
                file: path.to_path_buf(),
                position: None,
                message: format!("cannot read the config file: {error}"),
            }])
        })?;
        Config::from_toml(path, &text)
    }

    /// Validates config text; `path` names the file in errors and anchors relative paths.
    pub fn from_toml(path: &Path, text: &str) -> Result<Config, ConfigErrors> {
        let mut errors = Errors {
            file: path.to_path_buf(),
            text,
            list: Vec::new(),
        };
        let raw: RawConfig = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(error) => {
                errors.push(error.span(), error.message().trim_end().to_string());
                return Err(errors.finish());
            }
        };
        let folder = path.parent().unwrap_or(Path::new("."));
        let config = resolve(raw, folder, &mut errors);
        if errors.list.is_empty() {
            Ok(config)
        } else {
            Err(errors.finish())
        }
    }

    /// The rules for one source's entries, in the order they apply: every source's, its
    /// region's, its own.
    pub fn rules_for<'a>(&'a self, source: &'a Source) -> Vec<&'a Rule> {
        let region = self.region(&source.region).map(|region| &region.rules);
        self.rules
            .iter()
            .chain(region.into_iter().flatten())
            .chain(&source.rules)
            .collect()
    }

    /// The rules of one entry's first source (only `[[rule]]` for a source no longer
    /// configured).
    pub fn rules_for_entry<'a>(&'a self, entry: &crate::model::Entry) -> Vec<&'a Rule> {
        let source = entry
            .sources
            .first()
            .and_then(|first| self.sources().find(|source| source.id() == first.feed_url));
        match source {
            Some(source) => self.rules_for(source),
            None => self.rules.iter().collect(),
        }
    }

    /// A fingerprint of every rule and where it applies (FNV-1a, stable across builds): the
    /// store remembers the one it last applied, and a different one means judging again.
    pub fn rules_fingerprint(&self) -> u64 {
        let mut text = String::new();
        let mut add = |scope: &str, rules: &[Rule]| {
            for rule in rules {
                let pattern = match &rule.matcher {
                    RuleMatcher::Regex(regex) => format!("match {}", regex.as_str()),
                    RuleMatcher::Contains(folded) => format!("contains {folded}"),
                };
                text.push_str(&format!(
                    "{scope}\u{1}{}\u{1}{:?}\u{1}{:?}\u{1}{pattern}\u{1}{:?}\n",
                    rule.name, rule.action, rule.field, rule.replace
                ));
            }
        };
        add("", &self.rules);
        for region in &self.regions {
            add(&region.slug, &region.rules);
            for source in &region.sources {
                add(source.url.as_str(), &source.rules);
            }
        }
        text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        })
    }

    /// Every feed published: the combined one, each region's, each author's.
    pub fn feeds(&self) -> Vec<crate::model::FeedKey> {
        use crate::model::FeedKey;
        std::iter::once(FeedKey::All)
            .chain(self.regions.iter().map(|r| FeedKey::Region(r.slug.clone())))
            .chain(self.authors.keys().map(|key| FeedKey::Author(key.clone())))
            .chain(std::iter::once(FeedKey::Stories(None)))
            .chain(
                self.regions
                    .iter()
                    .map(|r| FeedKey::Stories(Some(r.slug.clone()))),
            )
            .chain(self.sources().map(|source| FeedKey::Source {
                slug: source.slug.clone(),
                id: source.id(),
            }))
            .collect()
    }

    /// Every source of every region, in file order.
    pub fn sources(&self) -> impl Iterator<Item = &Source> {
        self.regions.iter().flat_map(|region| region.sources.iter())
    }

    /// The source with this slug.
    pub fn source_by_slug(&self, slug: &str) -> Option<&Source> {
        self.sources().find(|source| source.slug == slug)
    }

    /// Region slug -> display name, for feeds' categories.
    pub fn region_names(&self) -> std::collections::HashMap<String, String> {
        self.regions
            .iter()
            .map(|region| (region.slug.clone(), region.name.clone()))
            .collect()
    }

    pub fn region(&self, slug: &str) -> Option<&Region> {
        self.regions.iter().find(|region| region.slug == slug)
    }
}

/// One mistake in a config file.
pub type ConfigError = crate::located::LocatedError;

/// All the mistakes found in one file, one per line when displayed.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// A cron schedule (six or seven fields, seconds first, in UTC), parsed once, when the config
/// is resolved, with the scheduler's own settings.
///
/// Shared, not copied, by the sources that inherit it: a parsed `croner::Cron` weighs 5 KB (a
/// bit per year up to 5000), and 1,000 sources held two copies each, 10 MB of an idle
/// daemon's heap (issue 18).
#[derive(Debug, Clone)]
pub struct CronSchedule {
    text: Arc<str>,
    cron: Arc<croner::Cron>,
}

impl CronSchedule {
    pub fn parse(text: &str) -> Result<CronSchedule, String> {
        let text = match text.split_whitespace().count() {
            5 => format!("0 {text}"),
            _ => text.to_string(),
        };
        Ok(CronSchedule {
            cron: Arc::new(parse_cron(&text)?),
            text: text.into(),
        })
    }

    /// The expression with seconds (a five-field one gets `0 ` in front), for the scheduler.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The first tick after `time`, or at it when `inclusive`.
    pub fn next_tick(&self, time: &DateTime<Utc>, inclusive: bool) -> Option<DateTime<Utc>> {
        self.cron.find_next_occurrence(time, inclusive).ok()
    }
}

impl PartialEq for CronSchedule {
    fn eq(&self, other: &CronSchedule) -> bool {
        self.text == other.text
    }
}

fn parse_cron(expression: &str) -> Result<croner::Cron, String> {
    let fields = expression.split_whitespace().count();
    if fields == 5 {
        // The crontab form operators write from habit (minute first): at second 0.
        return parse_cron(&format!("0 {expression}"));
    }
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Required)
        .dom_and_dow(true)
        .build()
        .parse(expression)
        .map_err(|error| format!("{expression:?} is not a cron expression with seconds: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
[site]
title = "T"
base_url = "http://127.0.0.1:8080"

[server]
listen = "127.0.0.1:8080"

[store]
path = "store"

[schedule]
refresh = "0 */15 * * * *"

[[region]]
slug = "ireland"
name = "Ireland"

[[region.source]]
name = "RTE"
url = "https://www.rte.ie/feeds/rss/?index=/news/"
"#;

    fn check_error(text: &str, expected: &str) {
        let errors = Config::from_toml(Path::new("feeds.toml"), text).unwrap_err();
        let shown = errors.to_string();
        assert!(
            shown.contains(expected),
            "expected {expected:?} in:\n{shown}"
        );
    }

    #[test]
    fn a_minimal_config_resolves_paths_and_defaults() {
        let config = Config::from_toml(Path::new("/srv/islands/feeds.toml"), MINIMAL).unwrap();
        assert_eq!(config.store.path, Path::new("/srv/islands/store"));
        assert_eq!(config.articles_dir, Path::new("/srv/islands/articles"));
        assert_eq!(config.site.base_url.as_str(), "http://127.0.0.1:8080/");
        assert_eq!(config.publish.page_size, 50);
        let source = config.sources().next().unwrap();
        assert_eq!(source.refresh_schedule.as_str(), "0 */15 * * * *");
        assert_eq!(source.region, "ireland");
        // Issue 18: one parsed schedule (5 KB), shared by every source that inherits it and by
        // their copies (a scheduler job holds one), not a copy each.
        let copy = source.clone();
        assert!(Arc::ptr_eq(
            &copy.refresh_schedule.cron,
            &config.refresh_schedule.cron
        ));
    }

    /// Regression (issue 11, 10): `backoff_base = "3000000years"` passed `check` and then
    /// panicked in the refresh task.
    #[test]
    fn a_duration_longer_than_a_year_is_a_config_error() {
        let text = MINIMAL.replace(
            "[server]\n",
            "[fetch]\nbackoff_base = \"3000000years\"\n[server]\n",
        );
        check_error(&text, "feeds.toml:7:16: \"3000000years\" is too long");
        let text = MINIMAL.replace(
            "[server]\n",
            "[fetch]\nbackoff_max = \"30days\"\n[server]\n",
        );
        assert!(Config::from_toml(Path::new("feeds.toml"), &text).is_ok());
    }

    #[test]
    fn an_unknown_key_is_reported_with_line_and_column() {
        let text = MINIMAL.replace("[server]\n", "[server]\nlisten_on = 1\n");
        check_error(&text, "feeds.toml:7:1: unknown field `listen_on`");
    }

    #[test]
    fn a_five_field_crontab_line_runs_at_second_zero() {
        // Issue 16: operators write the crontab form from habit; it was refused before.
        let text = MINIMAL.replace("0 */15 * * * *", "*/15 * * * *");
        let config = Config::from_toml(Path::new("feeds.toml"), &text).unwrap();
        assert_eq!(config.refresh_schedule.as_str(), "0 */15 * * * *");
        let garbage = MINIMAL.replace("0 */15 * * * *", "every minute");
        check_error(
            &garbage,
            "feeds.toml:13:11: schedule refresh: \"every minute\"",
        );
    }

    #[test]
    fn a_relative_source_url_is_rejected_where_it_stands() {
        let text = MINIMAL.replace("https://www.rte.ie/feeds/rss/?index=/news/", "rte.ie/feed");
        check_error(&text, "feeds.toml:21:7: source url \"rte.ie/feed\"");
    }

    #[test]
    fn duplicate_slugs_and_reserved_slugs_are_errors() {
        let twice = format!("{MINIMAL}\n[[region]]\nslug = \"ireland\"\nname = \"Again\"\n");
        check_error(&twice, "region slug \"ireland\" is used twice");
        let reserved = MINIMAL.replace("slug = \"ireland\"", "slug = \"feeds\"");
        check_error(&reserved, "reserved");
    }

    /// feeds.example.toml is valid and shows every key of the defaults table (lychee's example
    /// test), with the table's default wherever the example does not say it differs.
    #[test]
    fn the_example_config_is_valid_and_mentions_every_key() {
        let text = include_str!("../../feeds.example.toml");
        Config::from_toml(Path::new("feeds.example.toml"), text).unwrap();
        for key in KEYS {
            // The key's line in its own table (`path` is a key of [store] and of [search]).
            let table = key.table.split(".KEY").next().unwrap_or(key.table);
            let start = text
                .lines()
                .position(|line| {
                    [
                        format!("[{table}]"),
                        format!("[[{table}]]"),
                        format!("[{table}."),
                    ]
                    .iter()
                    .any(|header| line.starts_with(header.as_str()))
                })
                .unwrap_or(0);
            let line = text
                .lines()
                .skip(start)
                .find(|line| line.trim_start().starts_with(&format!("{} =", key.name)))
                .unwrap_or_else(|| panic!("feeds.example.toml does not show {}", key.name));
            let value = line.split_once('=').unwrap().1;
            let value = value.split(" #").next().unwrap().trim();
            if let Some(default) = key.default {
                let documented = line.contains("# default");
                assert!(
                    value == default || documented,
                    "feeds.example.toml shows {} = {value}, but its default is {default}",
                    key.name
                );
            }
        }
        // Each key above is one the parser knows: an unknown one is rejected.
        let error = Config::from_toml(
            Path::new("x.toml"),
            &text.replace("[store]", "[store]\nno_such_key = 1"),
        )
        .unwrap_err()
        .to_string();
        for key in [
            "path",
            "cache_mb",
            "keep_days",
            "max_entries_per_source",
            "retention",
        ] {
            assert!(error.contains(key), "{error}");
        }
    }

    #[test]
    fn a_bad_listen_address_is_an_error() {
        let text = MINIMAL.replace("127.0.0.1:8080\"\n\n[store]", "localhost\"\n\n[store]");
        check_error(&text, "feeds.toml:7:10: listen \"localhost\"");
    }
}
