//! Feeds as feed-rs reads them: titles, links, entries, and waiting for a listing.

use super::*;

/// An entry's title, trimmed; empty when it has none.
pub fn entry_title(entry: &Entry) -> String {
    entry
        .title
        .as_ref()
        .map(|title| title.content.trim().to_string())
        .unwrap_or_default()
}

/// The entry titles of a feed, in its order.
pub fn titles(feed: &Feed) -> Vec<String> {
    feed.entries.iter().map(entry_title).collect()
}

/// The entry's link: its first link that is not `rel` something other than `alternate`.
pub fn entry_link(entry: &Entry) -> Option<&str> {
    entry
        .links
        .iter()
        .find(|link| link.rel.as_deref().is_none_or(|rel| rel == "alternate"))
        .map(|link| link.href.as_str())
}

/// The one entry titled `title` in the feed read from `url`; panics when there is none or more
/// than one.
pub fn the_entry(feed: &Feed, title: &str, url: &str) -> Entry {
    let mut found = feed
        .entries
        .iter()
        .filter(|entry| entry_title(entry) == title);
    let entry = found
        .next()
        .unwrap_or_else(|| panic!("{url} does not list {title:?}"))
        .clone();
    assert!(found.next().is_none(), "{url} lists {title:?} twice");
    entry
}

/// The entry titles of fixtures, in order, as feed-rs reads them.
pub fn fixture_titles(names: &[&str]) -> Vec<String> {
    names
        .iter()
        .flat_map(|name| {
            let feed = feed_rs::parser::parse(&fixture_bytes(name)[..])
                .unwrap_or_else(|error| panic!("fixture {name}: {error}"));
            titles(&feed)
        })
        .collect()
}

/// What each format of `/feeds/{feed}.*` lists: its URL and its entry titles.
pub async fn titles_in_every_format(daemon: &Daemon, feed: &str) -> Vec<(String, Vec<String>)> {
    let mut listed = Vec::new();
    for (extension, _) in FORMATS {
        let url = daemon.url(&format!("/feeds/{feed}.{extension}"));
        let titles = titles(&get_feed(&url).await);
        listed.push((url, titles));
    }
    listed
}

/// Waits until the feed at `url` lists every title in `expected`.
pub async fn wait_for_titles(url: &str, expected: &[String]) {
    wait_until(
        &format!("{url} lists {expected:?}"),
        FETCH_DEADLINE,
        || async move {
            try_get_feed(url).await.is_some_and(|feed| {
                let published = titles(&feed);
                expected.iter().all(|title| published.contains(title))
            })
        },
    )
    .await;
}

/// Waits until every format of `/feeds/{feed}.*` lists `title`.
pub async fn wait_until_listed(daemon: &Daemon, feed: &str, title: &str) {
    wait_for_listing(daemon, feed, title, true).await;
}

/// Waits until no format of `/feeds/{feed}.*` lists `title`.
pub async fn wait_until_unlisted(daemon: &Daemon, feed: &str, title: &str) {
    wait_for_listing(daemon, feed, title, false).await;
}

async fn wait_for_listing(daemon: &Daemon, feed: &str, title: &str, listed: bool) {
    for (extension, _) in FORMATS {
        let url = daemon.url(&format!("/feeds/{feed}.{extension}"));
        let url = url.as_str();
        let what = if listed { "lists" } else { "no longer lists" };
        wait_until(
            &format!("{url} {what} {title:?}"),
            CHANGE_DEADLINE,
            || async move {
                try_get_feed(url)
                    .await
                    .is_some_and(|feed| titles(&feed).iter().any(|t| t == title) == listed)
            },
        )
        .await;
    }
}

/// Asserts that no format of any of `feeds` (e.g. `["all", "ireland"]`) lists `title`.
pub async fn assert_nowhere(daemon: &Daemon, feeds: &[&str], title: &str) {
    for feed in feeds {
        for (url, listed) in titles_in_every_format(daemon, feed).await {
            assert!(
                !listed.contains(&title.to_string()),
                "{url} lists {title:?}"
            );
        }
    }
}

/// `items`, sorted: for comparing lists whose order is not the point.
pub fn sorted<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort();
    items
}
