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

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use url::Url;

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
    /// Default cron expression (six fields, UTC) for sources without their own.
    pub refresh: String,
    pub fetch: FetchConfig,
    pub publish: PublishConfig,
    pub articles_dir: PathBuf,
    pub authors: BTreeMap<String, Author>,
    pub regions: Vec<Region>,
}

#[derive(Debug, Clone)]
pub struct Site {
    pub title: String,
    pub subtitle: String,
    /// Absolute, always ending in `/`; every permalink and self link hangs off it.
    pub base_url: Url,
    pub language: String,
    pub contact: String,
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
}

#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub path: PathBuf,
    pub cache_capacity_bytes: u64,
    /// Upstream entries published longer ago than this are dropped (never local articles).
    pub keep_days: Option<u32>,
    /// At most this many entries per source are kept, newest first.
    pub max_entries_per_source: Option<usize>,
    /// When retention runs (six-field cron, UTC).
    pub retention: String,
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
    /// The environment variable holding this author's Micropub token. The token itself never
    /// appears in the config, the logs or a response.
    pub token_env: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Region {
    pub slug: String,
    pub name: String,
    pub sources: Vec<Source>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub name: String,
    pub url: Url,
    /// Six-field cron, UTC.
    pub refresh: String,
    pub region: String,
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

    /// Every source of every region, in file order.
    pub fn sources(&self) -> impl Iterator<Item = &Source> {
        self.regions.iter().flat_map(|region| region.sources.iter())
    }

    pub fn region(&self, slug: &str) -> Option<&Region> {
        self.regions.iter().find(|region| region.slug == slug)
    }
}

/// One mistake in a config file.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    pub file: PathBuf,
    /// One-based line and column.
    pub position: Option<(usize, usize)>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, column)) => write!(
                f,
                "{}:{line}:{column}: {}",
                self.file.display(),
                self.message
            ),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

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

/// Checks a six-field cron expression the way tokio-cron-scheduler will parse it.
pub fn parse_cron(expression: &str) -> Result<croner::Cron, String> {
    let fields = expression.split_whitespace().count();
    if fields == 5 {
        return Err(format!(
            "cron expression {expression:?} has 5 fields; islands needs 6 or 7, starting with seconds (e.g. \"0 */15 * * * *\")"
        ));
    }
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Required)
        .dom_and_dow(true)
        .build()
        .parse(expression)
        .map_err(|error| format!("{expression:?} is not a cron expression with seconds: {error}"))
}

// Region slugs become the first path segment of pages and the name of feeds, so the routes the
// daemon serves itself cannot be region slugs.
const RESERVED_SLUGS: &[&str] = &[
    "all", "articles", "feeds", "status", "healthz", "metrics", "micropub", "static",
];

struct Errors<'a> {
    file: PathBuf,
    text: &'a str,
    list: Vec<ConfigError>,
}

impl Errors<'_> {
    fn push(&mut self, span: Option<Range<usize>>, message: String) {
        let position = span.map(|span| line_and_column(self.text, span.start));
        self.list.push(ConfigError {
            file: self.file.clone(),
            position,
            message,
        });
    }

    fn at<T>(&mut self, value: &Spanned<T>, message: String) {
        self.push(Some(value.span()), message);
    }

    fn finish(self) -> ConfigErrors {
        ConfigErrors(self.list)
    }
}

fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

fn resolve(raw: RawConfig, folder: &Path, errors: &mut Errors) -> Config {
    let base_url = match Url::parse(raw.site.base_url.get_ref()) {
        Ok(mut url) if url.scheme() == "http" || url.scheme() == "https" => {
            if !url.path().ends_with('/') {
                url.set_path(&format!("{}/", url.path()));
            }
            url
        }
        Ok(_) => {
            errors.at(
                &raw.site.base_url,
                "base_url must be an absolute http or https URL".to_string(),
            );
            placeholder_url()
        }
        Err(error) => {
            errors.at(
                &raw.site.base_url,
                format!(
                    "base_url {:?} is not an absolute URL: {error}",
                    raw.site.base_url.get_ref()
                ),
            );
            placeholder_url()
        }
    };

    let listen = match raw.server.listen.get_ref().parse::<SocketAddr>() {
        Ok(address) => address,
        Err(_) => {
            errors.at(
                &raw.server.listen,
                format!(
                    "listen {:?} is not an address with a port (expected e.g. \"127.0.0.1:8080\")",
                    raw.server.listen.get_ref()
                ),
            );
            SocketAddr::from(([127, 0, 0, 1], 8080))
        }
    };

    let server = ServerConfig {
        max_connections: positive(
            errors,
            raw.server.max_connections.as_ref(),
            4096,
            "max_connections",
        ),
        max_connections_per_client: positive(
            errors,
            raw.server.max_connections_per_client.as_ref(),
            256,
            "max_connections_per_client",
        ),
        header_timeout: duration(
            errors,
            raw.server.header_timeout.as_ref(),
            Duration::from_secs(10),
        ),
        request_timeout: duration(
            errors,
            raw.server.request_timeout.as_ref(),
            Duration::from_secs(30),
        ),
    };

    if let Err(message) = parse_cron(raw.schedule.refresh.get_ref()) {
        errors.at(
            &raw.schedule.refresh,
            format!("schedule refresh: {message}"),
        );
    }

    let fetch = raw.fetch.unwrap_or_default();
    let fetch = FetchConfig {
        timeout: duration(errors, fetch.timeout.as_ref(), Duration::from_secs(30)),
        connect_timeout: duration(
            errors,
            fetch.connect_timeout.as_ref(),
            Duration::from_secs(10),
        ),
        max_body_bytes: fetch.max_body_bytes.unwrap_or(10 * 1024 * 1024),
        max_redirects: fetch.max_redirects.unwrap_or(5),
        max_in_flight: positive(errors, fetch.max_in_flight.as_ref(), 8, "max_in_flight"),
        backoff_base: duration(errors, fetch.backoff_base.as_ref(), Duration::from_secs(60)),
        backoff_max: duration(
            errors,
            fetch.backoff_max.as_ref(),
            Duration::from_secs(24 * 3600),
        ),
    };

    let publish = raw.publish.unwrap_or_default();
    let publish = PublishConfig {
        page_size: positive(errors, publish.page_size.as_ref(), 50, "page_size"),
        max_age: duration(errors, publish.max_age.as_ref(), Duration::from_secs(300)),
        mirror: publish.mirror.as_ref().map(|mirror| folder.join(mirror)),
        hub: publish
            .hub
            .as_ref()
            .and_then(|hub| match Url::parse(hub.get_ref()) {
                Ok(url) if url.scheme() == "http" || url.scheme() == "https" => Some(url),
                _ => {
                    errors.at(
                        hub,
                        format!(
                            "hub {:?} is not an absolute http or https URL",
                            hub.get_ref()
                        ),
                    );
                    None
                }
            }),
    };

    let mut slugs = HashSet::new();
    let mut urls = HashSet::new();
    let mut regions = Vec::new();
    for raw_region in raw.region {
        let slug = raw_region.slug.get_ref().clone();
        if !is_slug(&slug) {
            errors.at(
                &raw_region.slug,
                format!(
                    "region slug {slug:?} must be lowercase letters, digits and dashes (e.g. \"ireland\")"
                ),
            );
        } else if RESERVED_SLUGS.contains(&slug.as_str()) {
            errors.at(
                &raw_region.slug,
                format!("region slug {slug:?} is reserved for the daemon's own routes"),
            );
        } else if !slugs.insert(slug.clone()) {
            errors.at(
                &raw_region.slug,
                format!("region slug {slug:?} is used twice"),
            );
        }
        let mut sources = Vec::new();
        for raw_source in raw_region.source {
            let url = match Url::parse(raw_source.url.get_ref()) {
                Ok(url) if url.scheme() == "http" || url.scheme() == "https" => url,
                Ok(url) => {
                    errors.at(
                        &raw_source.url,
                        format!(
                            "source url scheme {:?} is not supported (expected http or https)",
                            url.scheme()
                        ),
                    );
                    continue;
                }
                Err(error) => {
                    errors.at(
                        &raw_source.url,
                        format!(
                            "source url {:?} is not an absolute URL: {error}",
                            raw_source.url.get_ref()
                        ),
                    );
                    continue;
                }
            };
            if !urls.insert(url.clone()) {
                errors.at(&raw_source.url, format!("source url {url} is listed twice"));
            }
            let refresh = match &raw_source.refresh {
                Some(refresh) => {
                    if let Err(message) = parse_cron(refresh.get_ref()) {
                        errors.at(refresh, format!("source refresh: {message}"));
                    }
                    refresh.get_ref().clone()
                }
                None => raw.schedule.refresh.get_ref().clone(),
            };
            sources.push(Source {
                name: raw_source.name,
                url,
                refresh,
                region: slug.clone(),
            });
        }
        regions.push(Region {
            slug,
            name: raw_region.name,
            sources,
        });
    }

    let store = raw.store;
    let retention = match &store.retention {
        Some(retention) => {
            if let Err(message) = parse_cron(retention.get_ref()) {
                errors.at(retention, format!("store retention: {message}"));
            }
            retention.get_ref().clone()
        }
        None => "0 17 * * * *".to_string(),
    };
    if let Some(max) = store
        .max_entries_per_source
        .as_ref()
        .filter(|max| *max.get_ref() == 0)
    {
        errors.at(max, "max_entries_per_source must be at least 1".to_string());
    }
    Config {
        path: errors.file.clone(),
        site: Site {
            title: raw.site.title,
            subtitle: raw.site.subtitle,
            base_url,
            language: raw.site.language,
            contact: raw.site.contact,
        },
        listen,
        server,
        store: StoreConfig {
            path: folder.join(store.path),
            cache_capacity_bytes: store.cache_mb.unwrap_or(64) * 1024 * 1024,
            keep_days: store.keep_days,
            max_entries_per_source: store.max_entries_per_source.map(Spanned::into_inner),
            retention,
        },
        refresh: raw.schedule.refresh.into_inner(),
        fetch,
        publish,
        articles_dir: folder.join(raw.articles.map_or_else(|| "articles".into(), |a| a.dir)),
        authors: raw
            .authors
            .into_iter()
            .map(|(key, author)| {
                (
                    key,
                    Author {
                        name: author.name,
                        bio: author.bio.unwrap_or_default(),
                        token_env: author.token_env,
                    },
                )
            })
            .collect(),
        regions,
    }
}

fn placeholder_url() -> Url {
    Url::parse("http://127.0.0.1/").expect("a literal URL parses")
}

fn is_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The longest duration a key may hold: longer is a typo (`"3000000years"` once passed `check`
/// and then overflowed the date arithmetic of the refresh task, issue 11).
const MAX_DURATION: Duration = Duration::from_secs(366 * 24 * 3600);

fn duration(errors: &mut Errors, value: Option<&Spanned<String>>, default: Duration) -> Duration {
    let Some(value) = value else { return default };
    match humantime::parse_duration(value.get_ref()) {
        Ok(duration) if duration > MAX_DURATION => {
            errors.at(
                value,
                format!(
                    "{:?} is too long: durations are at most 366 days",
                    value.get_ref()
                ),
            );
            default
        }
        Ok(duration) => duration,
        Err(error) => {
            errors.at(
                value,
                format!(
                    "{:?} is not a duration (expected e.g. \"30s\", \"5m\", \"24h\"): {error}",
                    value.get_ref()
                ),
            );
            default
        }
    }
}

fn positive(
    errors: &mut Errors,
    value: Option<&Spanned<usize>>,
    default: usize,
    key: &str,
) -> usize {
    match value {
        None => default,
        Some(value) if *value.get_ref() == 0 => {
            errors.at(value, format!("{key} must be at least 1"));
            default
        }
        Some(value) => *value.get_ref(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    site: RawSite,
    server: RawServer,
    store: RawStore,
    schedule: RawSchedule,
    fetch: Option<RawFetch>,
    publish: Option<RawPublish>,
    articles: Option<RawArticles>,
    #[serde(default)]
    authors: BTreeMap<String, RawAuthor>,
    #[serde(default)]
    region: Vec<RawRegion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite {
    title: String,
    #[serde(default)]
    subtitle: String,
    base_url: Spanned<String>,
    #[serde(default = "default_language")]
    language: String,
    #[serde(default)]
    contact: String,
}

fn default_language() -> String {
    "en".to_string()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServer {
    listen: Spanned<String>,
    max_connections: Option<Spanned<usize>>,
    max_connections_per_client: Option<Spanned<usize>>,
    header_timeout: Option<Spanned<String>>,
    request_timeout: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStore {
    path: PathBuf,
    cache_mb: Option<u64>,
    keep_days: Option<u32>,
    max_entries_per_source: Option<Spanned<usize>>,
    retention: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchedule {
    refresh: Spanned<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFetch {
    timeout: Option<Spanned<String>>,
    connect_timeout: Option<Spanned<String>>,
    max_body_bytes: Option<u64>,
    max_redirects: Option<usize>,
    max_in_flight: Option<Spanned<usize>>,
    backoff_base: Option<Spanned<String>>,
    backoff_max: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPublish {
    page_size: Option<Spanned<usize>>,
    max_age: Option<Spanned<String>>,
    hub: Option<Spanned<String>>,
    mirror: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArticles {
    dir: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAuthor {
    name: String,
    bio: Option<String>,
    token_env: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegion {
    slug: Spanned<String>,
    name: String,
    #[serde(default)]
    source: Vec<RawSource>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    name: String,
    url: Spanned<String>,
    refresh: Option<Spanned<String>>,
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
        assert_eq!(source.refresh, "0 */15 * * * *");
        assert_eq!(source.region, "ireland");
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
    fn a_five_field_cron_says_seconds_are_needed() {
        let text = MINIMAL.replace("0 */15 * * * *", "*/15 * * * *");
        check_error(&text, "feeds.toml:13:11: schedule refresh: cron expression");
        check_error(&text, "has 5 fields");
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

    /// feeds.example.toml is valid and names every key there is (lychee's example test).
    #[test]
    fn the_example_config_is_valid_and_mentions_every_key() {
        let text = include_str!("../feeds.example.toml");
        Config::from_toml(Path::new("feeds.example.toml"), text).unwrap();
        let keys = [
            "title",
            "subtitle",
            "base_url",
            "language",
            "contact",
            "listen",
            "max_connections",
            "header_timeout",
            "request_timeout",
            "path",
            "cache_mb",
            "keep_days",
            "max_entries_per_source",
            "retention",
            "refresh",
            "timeout",
            "connect_timeout",
            "max_body_bytes",
            "max_redirects",
            "max_in_flight",
            "backoff_base",
            "backoff_max",
            "page_size",
            "max_age",
            "hub",
            "mirror",
            "dir",
            "name",
            "bio",
            "token_env",
            "slug",
            "url",
        ];
        for key in keys {
            assert!(
                text.lines()
                    .any(|line| line.trim_start().starts_with(&format!("{key} ="))),
                "feeds.example.toml does not show {key}"
            );
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
