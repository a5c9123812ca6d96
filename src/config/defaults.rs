//! Every key of feeds.toml with its default, in one table: `resolve` takes its defaults from
//! it, and the test of `feeds.example.toml` checks that the example shows every key in it with
//! that default, so a new key cannot go undocumented nor a default drift from its docs.

use std::time::Duration;

/// One key of feeds.toml.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// Its table, as written in the file (`server`, `region.source`).
    pub table: &'static str,
    pub name: &'static str,
    /// The default as TOML writes it; `None` when the key is required or has no value unless
    /// set (its absence means "none").
    pub default: Option<&'static str>,
}

const fn key(table: &'static str, name: &'static str, default: Option<&'static str>) -> Key {
    Key {
        table,
        name,
        default,
    }
}

/// Every key islands understands.
pub const KEYS: &[Key] = &[
    key("site", "title", None),
    key("site", "subtitle", Some(r#""""#)),
    key("site", "base_url", None),
    key("site", "language", Some(r#""en""#)),
    key("site", "contact", Some(r#""""#)),
    key("site", "about", Some(r#""""#)),
    key("site", "logo", None),
    key("site", "icon", Some(r#""icon.png""#)),
    key("server", "listen", None),
    key("server", "max_connections", Some("4096")),
    key("server", "max_connections_per_client", Some("256")),
    key("server", "header_timeout", Some(r#""10s""#)),
    key("server", "request_timeout", Some(r#""30s""#)),
    key("server", "trusted_proxies", Some("[]")),
    key("store", "path", None),
    key("store", "cache_mb", Some("64")),
    key("store", "keep_days", None),
    key("store", "max_entries_per_source", None),
    key("store", "retention", Some(r#""0 17 * * * *""#)),
    key("schedule", "refresh", None),
    key("fetch", "timeout", Some(r#""30s""#)),
    key("fetch", "connect_timeout", Some(r#""10s""#)),
    key("fetch", "max_body_bytes", Some("10485760")),
    key("fetch", "max_redirects", Some("5")),
    key("fetch", "max_in_flight", Some("8")),
    key("fetch", "backoff_base", Some(r#""60s""#)),
    key("fetch", "backoff_max", Some(r#""24h""#)),
    key("publish", "page_size", Some("50")),
    key("publish", "max_age", Some(r#""5m""#)),
    key("publish", "hub", None),
    key("publish", "mirror", None),
    key("articles", "dir", Some(r#""articles""#)),
    key(
        "ingest",
        "strip_params",
        Some(r#"["utm_*", "fbclid", "gclid", "mc_cid", "mc_eid"]"#),
    ),
    key("ingest", "first_fetch_items", Some("5")),
    key("search", "path", Some(r#""store/search""#)),
    key("comments", "moderation", Some(r#""all""#)),
    key("comments", "rate_per_minute", Some("5")),
    key("comments", "max_pending", Some("1000")),
    key("comments", "allow_private_sources", Some("false")),
    key("websub", "callback_base", None),
    key("websub", "fallback_refresh", Some(r#""1h""#)),
    key("websub", "lease", Some(r#""7d""#)),
    key("stories", "window", Some(r#""48h""#)),
    key("rule", "action", None),
    key("rule", "field", None),
    key("rule", "match", None),
    key("rule", "contains", None),
    key("rule", "replace", None),
    key("authors.KEY", "name", None),
    key("authors.KEY", "bio", Some(r#""""#)),
    key("authors.KEY", "avatar", None),
    key("authors.KEY", "token_env", None),
    key("authors.KEY", "moderator", Some("false")),
    key("region", "slug", None),
    key("region", "name", None),
    key("region", "timezone", Some(r#""UTC""#)),
    key("region.source", "name", None),
    key("region.source", "url", None),
    key("region.source", "refresh", None),
    key("region.source", "language", None),
    key("region.source", "slug", None),
];

/// The default of `table.name` as TOML text; panics for a key without one (a bug here).
fn text(table: &str, name: &str) -> &'static str {
    KEYS.iter()
        .find(|key| key.table == table && key.name == name)
        .and_then(|key| key.default)
        .unwrap_or_else(|| panic!("{table}.{name} has no default in the table"))
}

/// A string default, unquoted.
pub fn string(table: &str, name: &str) -> String {
    text(table, name).trim_matches('"').to_string()
}

/// A list of strings default.
pub fn strings(table: &str, name: &str) -> Vec<String> {
    let list: toml::Value = toml::from_str(&format!("v = {}", text(table, name)))
        .expect("list defaults in the table are TOML");
    list["v"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|item| item.as_str().expect("strings").to_string())
        .collect()
}

pub fn number(table: &str, name: &str) -> u64 {
    text(table, name)
        .parse()
        .expect("numeric defaults in the table are numbers")
}

pub fn duration(table: &str, name: &str) -> Duration {
    humantime::parse_duration(&string(table, name)).expect("duration defaults in the table parse")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_in_the_table_reads_as_its_kind() {
        for key in KEYS.iter().filter(|key| key.default.is_some()) {
            let text = key.default.unwrap();
            let quoted = (text.starts_with('"') && text.ends_with('"'))
                || (text.starts_with('[') && text.ends_with(']'));
            assert!(
                quoted || text.parse::<u64>().is_ok() || text == "true" || text == "false",
                "{}.{}: {text}",
                key.table,
                key.name
            );
        }
        assert_eq!(
            duration("server", "header_timeout"),
            Duration::from_secs(10)
        );
        assert_eq!(number("fetch", "max_body_bytes"), 10 * 1024 * 1024);
    }
}
