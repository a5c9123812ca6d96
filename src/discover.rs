//! Feed autodiscovery: the feeds a web page names with `<link rel="alternate">` (RSS, Atom,
//! JSON Feed), as browsers and feed readers find them. HTML is parsed with html5ever (scraper).

use scraper::{Html, Selector};
use url::Url;

/// The media types of feeds, as pages announce them.
const FEED_TYPES: [&str; 4] = [
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
];

/// A feed a page announces.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedLink {
    pub url: Url,
    pub title: Option<String>,
}

/// The feeds `html` (a page fetched from `base`) announces, in page order; JSON only when it
/// is announced as a feed (`application/feed+json`, or `application/json` with a title).
pub fn feed_links(html: &str, base: &Url) -> Vec<FeedLink> {
    let document = Html::parse_document(html);
    let selector = Selector::parse("link[rel][href][type]").expect("a valid selector");
    let document_base = Selector::parse("base[href]")
        .ok()
        .and_then(|base_selector| document.select(&base_selector).next())
        .and_then(|element| element.value().attr("href"))
        .and_then(|href| base.join(href).ok())
        .unwrap_or_else(|| base.clone());
    let mut links: Vec<FeedLink> = Vec::new();
    for element in document.select(&selector) {
        let attr = |name| element.value().attr(name).unwrap_or_default();
        let alternate = attr("rel")
            .split_ascii_whitespace()
            .any(|rel| rel.eq_ignore_ascii_case("alternate"));
        let kind = attr("type")
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if !alternate || !FEED_TYPES.contains(&kind.as_str()) {
            continue;
        }
        let title = element
            .value()
            .attr("title")
            .map(str::trim)
            .filter(|t| !t.is_empty());
        if kind == "application/json" && title.is_none() {
            continue;
        }
        let Ok(url) = document_base.join(attr("href").trim()) else {
            continue;
        };
        if !matches!(url.scheme(), "http" | "https") || links.iter().any(|link| link.url == url) {
            continue;
        }
        links.push(FeedLink {
            url,
            title: title.map(str::to_string),
        });
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alternate_feed_links_are_found_resolved_and_deduplicated() {
        let page = r#"<!doctype html><html><head>
            <link rel="stylesheet" type="text/css" href="/style.css">
            <link rel="alternate" type="application/rss+xml" title="News" href="/feed/">
            <link rel="alternate" type="application/atom+xml" href="https://cdn.example/atom.xml">
            <link rel="Alternate Home" type="application/feed+json; charset=utf-8" href="feed.json">
            <link rel="alternate" type="application/rss+xml" href="/feed/">
            <link rel="alternate" type="text/html" hreflang="el" href="/el/">
            <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
            </head><body><a rel="alternate" type="application/rss+xml" href="/not-in-head">x</a></body></html>"#;
        let base = Url::parse("https://news.example/section/page.html").unwrap();
        let links: Vec<String> = feed_links(page, &base)
            .into_iter()
            .map(|link| link.url.to_string())
            .collect();
        assert_eq!(
            links,
            [
                "https://news.example/feed/",
                "https://cdn.example/atom.xml",
                "https://news.example/section/feed.json"
            ]
        );
        assert_eq!(feed_links(page, &base)[0].title.as_deref(), Some("News"));
    }
}
