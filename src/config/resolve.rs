//! Raw config -> [`Config`]: every value checked, defaults applied (from `defaults`), paths
//! resolved against the config file's folder, each mistake recorded at its position.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;
use url::Url;

use super::defaults;
use super::raw::{RawConfig, RawRule};
use super::{
    Author, CommentsConfig, Config, ConfigError, ConfigErrors, CronSchedule, FetchConfig,
    IngestConfig, Moderation, PublishConfig, Region, Rule, RuleAction, RuleMatcher, ServerConfig,
    Site, Source, StoreConfig, StoriesConfig, WebSubConfig,
};

// Region slugs become the first path segment of pages and the name of feeds, so the routes the
// daemon serves itself cannot be region slugs.
const RESERVED_SLUGS: &[&str] = &[
    "all",
    "articles",
    "feeds",
    "status",
    "healthz",
    "metrics",
    "micropub",
    "static",
    "search",
    "admin",
    "webmention",
    "websub",
    "comments",
    "authors",
    "sources",
    "tags",
    "stories",
];

pub(super) struct Errors<'a> {
    pub(super) file: PathBuf,
    pub(super) text: &'a str,
    pub(super) list: Vec<ConfigError>,
}

impl Errors<'_> {
    pub(super) fn push(&mut self, span: Option<Range<usize>>, message: String) {
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

    pub(super) fn finish(self) -> ConfigErrors {
        ConfigErrors(self.list)
    }
}

pub(super) fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

pub(super) fn resolve(raw: RawConfig, folder: &Path, errors: &mut Errors) -> Config {
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

    // `icon` and `logo` may be written relative to base_url ("icon.png", the built-in one).
    let mut site_url = |value: &Spanned<String>, key: &str| match base_url.join(value.get_ref()) {
        Ok(url) if url.scheme() == "http" || url.scheme() == "https" => Some(url.to_string()),
        _ => {
            errors.at(
                value,
                format!(
                    "{key} {:?} is not a URL (absolute, or relative to base_url)",
                    value.get_ref()
                ),
            );
            None
        }
    };
    let icon = raw
        .site
        .icon
        .as_ref()
        .and_then(|icon| site_url(icon, "icon"))
        .unwrap_or_else(|| {
            base_url
                .join(&defaults::string("site", "icon"))
                .expect("the default icon is a relative URL")
                .to_string()
        });
    let logo = raw
        .site
        .logo
        .as_ref()
        .and_then(|logo| site_url(logo, "logo"));

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
            "server",
            "max_connections",
        ),
        max_connections_per_client: positive(
            errors,
            raw.server.max_connections_per_client.as_ref(),
            "server",
            "max_connections_per_client",
        ),
        header_timeout: duration(
            errors,
            raw.server.header_timeout.as_ref(),
            "server",
            "header_timeout",
        ),
        request_timeout: duration(
            errors,
            raw.server.request_timeout.as_ref(),
            "server",
            "request_timeout",
        ),
        trusted_proxies: raw
            .server
            .trusted_proxies
            .iter()
            .flatten()
            .filter_map(|proxy| match proxy.get_ref().parse() {
                Ok(ip) => Some(ip),
                Err(_) => {
                    errors.at(
                        proxy,
                        format!("trusted proxy {:?} is not an IP address", proxy.get_ref()),
                    );
                    None
                }
            })
            .collect(),
    };

    let refresh_schedule = schedule(errors, &raw.schedule.refresh, "schedule refresh");

    let fetch = raw.fetch.unwrap_or_default();
    let fetch = FetchConfig {
        timeout: duration(errors, fetch.timeout.as_ref(), "fetch", "timeout"),
        connect_timeout: duration(
            errors,
            fetch.connect_timeout.as_ref(),
            "fetch",
            "connect_timeout",
        ),
        max_body_bytes: fetch
            .max_body_bytes
            .unwrap_or_else(|| defaults::number("fetch", "max_body_bytes")),
        max_redirects: fetch
            .max_redirects
            .unwrap_or_else(|| defaults::number("fetch", "max_redirects") as usize),
        max_in_flight: positive(
            errors,
            fetch.max_in_flight.as_ref(),
            "fetch",
            "max_in_flight",
        ),
        backoff_base: duration(errors, fetch.backoff_base.as_ref(), "fetch", "backoff_base"),
        backoff_max: duration(errors, fetch.backoff_max.as_ref(), "fetch", "backoff_max"),
    };

    let publish = raw.publish.unwrap_or_default();
    let publish = PublishConfig {
        page_size: positive(errors, publish.page_size.as_ref(), "publish", "page_size"),
        max_age: duration(errors, publish.max_age.as_ref(), "publish", "max_age"),
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

    let comments = raw.comments.unwrap_or_default();
    let comments = CommentsConfig {
        moderation: match comments.moderation.as_ref().map(|m| m.get_ref().as_str()) {
            None | Some("all") => Moderation::All,
            Some("first-time") => Moderation::FirstTime,
            Some("none") => Moderation::None,
            Some(other) => {
                errors.at(
                    comments.moderation.as_ref().expect("set"),
                    format!("moderation {other:?} is not one of \"all\", \"first-time\", \"none\""),
                );
                Moderation::All
            }
        },
        rate_per_minute: positive(
            errors,
            comments.rate_per_minute.as_ref(),
            "comments",
            "rate_per_minute",
        ),
        max_pending: positive(
            errors,
            comments.max_pending.as_ref(),
            "comments",
            "max_pending",
        ),
        allow_private_sources: comments.allow_private_sources.unwrap_or(false),
    };
    let websub = raw.websub.unwrap_or_default();
    let websub = WebSubConfig {
        callback_base: websub.callback_base.as_ref().and_then(|base| {
            match Url::parse(base.get_ref()) {
                Ok(mut url) if url.scheme() == "http" || url.scheme() == "https" => {
                    if !url.path().ends_with('/') {
                        url.set_path(&format!("{}/", url.path()));
                    }
                    Some(url)
                }
                _ => {
                    errors.at(
                        base,
                        format!(
                            "callback_base {:?} is not an absolute http or https URL (this daemon's public address)",
                            base.get_ref()
                        ),
                    );
                    None
                }
            }
        }),
        fallback_refresh: duration(
            errors,
            websub.fallback_refresh.as_ref(),
            "websub",
            "fallback_refresh",
        ),
        lease: duration(errors, websub.lease.as_ref(), "websub", "lease"),
    };
    let stories = raw.stories.unwrap_or_default();
    let stories = StoriesConfig {
        window: duration(errors, stories.window.as_ref(), "stories", "window"),
    };
    let global_rules = rules(errors, raw.rule, "");
    let ingest = raw.ingest.unwrap_or_default();
    let ingest = IngestConfig {
        strip_params: ingest
            .strip_params
            .unwrap_or_else(|| defaults::strings("ingest", "strip_params")),
        first_fetch_items: ingest
            .first_fetch_items
            .unwrap_or_else(|| defaults::number("ingest", "first_fetch_items") as usize),
    };

    let mut slugs = HashSet::new();
    let mut source_slugs = HashSet::new();
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
            let source_schedule = match &raw_source.refresh {
                Some(refresh) => schedule(errors, refresh, "source refresh"),
                None => refresh_schedule.clone(),
            };
            let rules = rules(
                errors,
                raw_source.rule,
                &format!("source {:?}", raw_source.name),
            );
            let language = raw_source
                .language
                .filter(|language| *language != raw.site.language);
            let source_slug = match &raw_source.slug {
                Some(given) if !is_slug(given.get_ref()) => {
                    errors.at(
                        given,
                        format!(
                            "source slug {:?} must be lowercase letters, digits and dashes",
                            given.get_ref()
                        ),
                    );
                    given.get_ref().clone()
                }
                Some(given) => given.get_ref().clone(),
                None => crate::articles::slugify(&raw_source.name),
            };
            if !source_slugs.insert(source_slug.clone()) {
                let at = raw_source.slug.as_ref().unwrap_or(&raw_source.url);
                errors.at(
                    at,
                    format!("source slug {source_slug:?} is used twice: give one `slug = \"...\"`"),
                );
            }
            sources.push(Source {
                slug: source_slug,
                language,
                name: raw_source.name,
                url,
                refresh_schedule: source_schedule,
                region: slug.clone(),
                rules,
            });
        }
        let timezone = match &raw_region.timezone {
            None => chrono_tz::UTC,
            Some(name) => name.get_ref().parse().unwrap_or_else(|_| {
                errors.at(
                    name,
                    format!(
                        "timezone {:?} is not an IANA time zone (e.g. \"Europe/Dublin\", \"Asia/Nicosia\")",
                        name.get_ref()
                    ),
                );
                chrono_tz::UTC
            }),
        };
        regions.push(Region {
            timezone,
            rules: rules(errors, raw_region.rule, &format!("region {slug}")),
            slug,
            name: raw_region.name,
            sources,
        });
    }

    let search_path = match raw.search.and_then(|search| search.path) {
        Some(path) => folder.join(path),
        None => folder.join(&raw.store.path).join("search"),
    };
    let store = raw.store;
    let retention_schedule = match &store.retention {
        Some(retention) => schedule(errors, retention, "store retention"),
        None => CronSchedule::parse(&defaults::string("store", "retention"))
            .expect("the default schedule parses"),
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
            about: raw.site.about,
            logo: logo.unwrap_or_else(|| icon.clone()),
            icon,
        },
        listen,
        server,
        store: StoreConfig {
            path: folder.join(store.path),
            cache_capacity_bytes: store
                .cache_mb
                .unwrap_or_else(|| defaults::number("store", "cache_mb"))
                * 1024
                * 1024,
            keep_days: store.keep_days,
            max_entries_per_source: store.max_entries_per_source.map(Spanned::into_inner),
            retention_schedule,
        },
        refresh_schedule,
        fetch,
        publish,
        articles_dir: folder.join(
            raw.articles
                .map_or_else(|| defaults::string("articles", "dir").into(), |a| a.dir),
        ),
        authors: raw
            .authors
            .into_iter()
            .map(|(key, author)| {
                (
                    key,
                    Author {
                        name: author.name,
                        bio: author.bio.unwrap_or_default(),
                        avatar: author.avatar,
                        token_env: author.token_env,
                        moderator: author.moderator,
                    },
                )
            })
            .collect(),
        ingest,
        comments,
        websub,
        stories,
        search_path,
        rules: global_rules,
        regions,
    }
}

/// Checks the rules of one scope; `scope` prefixes their names (`region ireland`).
fn rules(errors: &mut Errors, raw: Vec<RawRule>, scope: &str) -> Vec<Rule> {
    let mut rules = Vec::new();
    for (index, raw_rule) in raw.into_iter().enumerate() {
        let name = match scope {
            "" => format!("rule {}", index + 1),
            scope => format!("{scope} rule {}", index + 1),
        };
        let action = *raw_rule.action.get_ref();
        let matcher = match (&raw_rule.pattern, &raw_rule.contains) {
            (Some(pattern), None) => match regex::Regex::new(pattern.get_ref()) {
                Ok(regex) => RuleMatcher::Regex(regex),
                Err(error) => {
                    let error = error.to_string();
                    let reason = error.lines().last().unwrap_or("invalid").trim();
                    errors.at(
                        pattern,
                        format!(
                            "{name}: match {:?} is not a regex: {reason}",
                            pattern.get_ref()
                        ),
                    );
                    continue;
                }
            },
            (None, Some(contains)) => RuleMatcher::Contains(crate::rules::fold(contains.get_ref())),
            (Some(_), Some(contains)) => {
                errors.at(
                    contains,
                    format!("{name}: give `match` or `contains`, not both"),
                );
                continue;
            }
            (None, None) => {
                errors.at(
                    &raw_rule.action,
                    format!("{name}: give `match = \"REGEX\"` or `contains = \"TEXT\"`"),
                );
                continue;
            }
        };
        match (action, &raw_rule.replace, &matcher) {
            (RuleAction::Rewrite, None, _) => {
                errors.at(
                    &raw_rule.action,
                    format!("{name}: a rewrite needs `replace`"),
                );
                continue;
            }
            (RuleAction::Rewrite, Some(_), RuleMatcher::Contains(_)) => {
                errors.at(
                    &raw_rule.action,
                    format!("{name}: a rewrite needs `match` (a regex), not `contains`"),
                );
                continue;
            }
            (RuleAction::Drop | RuleAction::Keep, Some(replace), _) => {
                errors.at(
                    replace,
                    format!("{name}: `replace` goes with action = \"rewrite\" only"),
                );
                continue;
            }
            _ => {}
        }
        rules.push(Rule {
            name,
            action,
            field: *raw_rule.field.get_ref(),
            matcher,
            replace: raw_rule.replace.map(Spanned::into_inner),
        });
    }
    rules
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

/// A cron schedule of the config; a bad one is an error at its position (and a placeholder,
/// since the config is refused).
fn schedule(errors: &mut Errors, value: &Spanned<String>, what: &str) -> CronSchedule {
    CronSchedule::parse(value.get_ref()).unwrap_or_else(|message| {
        errors.at(value, format!("{what}: {message}"));
        CronSchedule::parse("0 0 * * * *").expect("the placeholder parses")
    })
}

/// A duration key, or its default from the table.
fn duration(
    errors: &mut Errors,
    value: Option<&Spanned<String>>,
    table: &str,
    key: &str,
) -> Duration {
    let default = defaults::duration(table, key);
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

/// A count that must be at least 1, or its default from the table.
fn positive(errors: &mut Errors, value: Option<&Spanned<usize>>, table: &str, key: &str) -> usize {
    let default = defaults::number(table, key) as usize;
    match value {
        None => default,
        Some(value) if *value.get_ref() == 0 => {
            errors.at(value, format!("{key} must be at least 1"));
            default
        }
        Some(value) => *value.get_ref(),
    }
}
