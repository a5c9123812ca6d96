//! Entries -> bytes: RSS 2.0, Atom 1.0, JSON Feed 1.1, and the cache that renders and
//! compresses each feed page once per store change.
//!
//! Pure (apart from `cache`, which reads the store): a [`FeedPage`] in, bytes out. The only
//! module that speaks rss and atom_syndication. Neither crate validates what it writes
//! (DEPENDENCIES.md 4.4), so every string passes [`xml_text`] and every required field is
//! filled here.

pub mod atom;
pub mod cache;
pub mod json_feed;
pub mod pages;
pub mod rss;
pub mod site;

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::config::Site;
use crate::model::Entry;

/// The three formats every feed is published in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Rss,
    Atom,
    Json,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Rss, Format::Atom, Format::Json];

    pub fn from_extension(extension: &str) -> Option<Format> {
        match extension {
            "rss" => Some(Format::Rss),
            "atom" => Some(Format::Atom),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Rss => "rss",
            Format::Atom => "atom",
            Format::Json => "json",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Json => "application/feed+json; charset=utf-8",
        }
    }
}

/// One page of one feed, with everything needed to write it in any format.
pub struct FeedPage<'a> {
    pub site: &'a Site,
    /// `all` or a region slug: the feed's file name.
    pub name: &'a str,
    pub title: String,
    pub description: String,
    /// The HTML page this feed mirrors.
    pub html_url: String,
    /// One-based page number (RFC 5005 paging).
    pub page: usize,
    pub has_more: bool,
    pub entries: &'a [Entry],
    /// Region slug -> display name, for categories.
    pub region_names: &'a HashMap<String, String>,
    /// The WebSub hub subscribers may use (`link rel="hub"`).
    pub hub: Option<&'a str>,
}

impl FeedPage<'_> {
    /// The public URL of page `page` of this feed in `format`.
    pub fn url(&self, format: Format, page: usize) -> String {
        let mut url = format!(
            "{}feeds/{}.{}",
            self.site.base_url,
            self.name,
            format.extension()
        );
        if page > 1 {
            url.push_str(&format!("?page={page}"));
        }
        url
    }

    /// The newest `updated` of the page: stable across re-renders, unlike "now".
    pub fn updated(&self) -> DateTime<Utc> {
        self.entries
            .iter()
            .map(|entry| entry.updated)
            .max()
            .unwrap_or(DateTime::UNIX_EPOCH)
    }

    /// Upstream categories plus the names of the entry's regions.
    pub fn categories(&self, entry: &Entry) -> Vec<String> {
        let mut categories: Vec<String> = entry
            .regions
            .iter()
            .map(|slug| self.region_names.get(slug).unwrap_or(slug).clone())
            .collect();
        for category in &entry.categories {
            if !categories.contains(category) {
                categories.push(category.clone());
            }
        }
        categories
    }

    /// `(rel, href)` of the paging links: first, previous, next (RFC 5005 section 3).
    pub fn paging_links(&self, format: Format) -> Vec<(&'static str, String)> {
        let mut links = vec![("first", self.url(format, 1))];
        if self.page > 1 {
            links.push(("previous", self.url(format, self.page - 1)));
        }
        if self.has_more {
            links.push(("next", self.url(format, self.page + 1)));
        }
        links
    }
}

/// Removes every character XML 1.0 forbids (its `Char` production); rss and
/// atom_syndication write them verbatim and the result is not well-formed.
pub fn xml_text(text: &str) -> Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\u{9}' | '\u{A}' | '\u{D}')
            || ('\u{20}'..='\u{D7FF}').contains(&c)
            || ('\u{E000}'..='\u{FFFD}').contains(&c)
            || c >= '\u{10000}'
    };
    if text.chars().all(allowed) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|c| allowed(*c)).collect())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{Enclosure, EntryId, SourceRef};
    use chrono::TimeZone;

    pub fn site() -> Site {
        Site {
            title: "Islands".into(),
            subtitle: "From Trinity st. to Limassol".into(),
            base_url: url::Url::parse("http://127.0.0.1:8080/").unwrap(),
            language: "en".into(),
            contact: "tips@islands.example".into(),
        }
    }

    pub fn entries() -> Vec<Entry> {
        let date = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
        vec![
            Entry {
                id: EntryId::from_key("uri:https://news.example/a"),
                public_id: "https://news.example/a".into(),
                title: "Dún Laoghaire ]]> <harbour> & \u{1}ferry".into(),
                link: Some("https://news.example/a".into()),
                published: date,
                updated: date,
                authors: vec!["Áine Ní Bhriain".into()],
                summary: Some("<p>Summary</p>".into()),
                content: Some("<p>Body ]]> here</p>".into()),
                categories: vec!["Transport".into()],
                enclosures: vec![Enclosure {
                    url: "https://news.example/a.mp3".into(),
                    media_type: Some("audio/mpeg".into()),
                    length: Some(1234),
                }],
                sources: vec![SourceRef {
                    name: "RTE News".into(),
                    feed_url: "https://news.example/feed.xml".into(),
                    title: Some("RTÉ News".into()),
                    site_url: Some("https://news.example/".into()),
                    region: "ireland".into(),
                }],
                regions: vec!["ireland".into()],
                article: None,
            },
            Entry {
                id: EntryId::from_key("guid:x 1"),
                public_id: EntryId::from_key("guid:x 1").urn(),
                title: "Λεμεσός marina".into(),
                link: None,
                published: date - chrono::Duration::hours(1),
                updated: date - chrono::Duration::hours(1),
                authors: vec![],
                summary: None,
                content: None,
                categories: vec![],
                enclosures: vec![],
                sources: vec![],
                regions: vec![],
                article: None,
            },
        ]
    }

    pub fn with_page<T>(page: usize, has_more: bool, f: impl FnOnce(&FeedPage) -> T) -> T {
        let site = site();
        let entries = entries();
        let names = HashMap::from([("ireland".to_string(), "Ireland".to_string())]);
        let feed_page = FeedPage {
            site: &site,
            name: "all",
            title: site.title.clone(),
            description: site.subtitle.clone(),
            html_url: site.base_url.to_string(),
            page,
            has_more,
            entries: &entries,
            region_names: &names,
            hub: Some("http://hub.example/"),
        };
        f(&feed_page)
    }

    /// Every format parses back with feed-rs with the same ids, titles, links and dates.
    #[test]
    fn every_format_round_trips_through_feed_rs() {
        for format in Format::ALL {
            let bytes = with_page(2, true, |page| match format {
                Format::Rss => rss::render_rss(page),
                Format::Atom => atom::render_atom(page),
                Format::Json => json_feed::render_json_feed(page),
            });
            let feed = feed_rs::parser::parse(&bytes[..])
                .unwrap_or_else(|e| panic!("{format:?} does not parse: {e}"));
            let expected = entries();
            assert_eq!(feed.entries.len(), expected.len(), "{format:?}");
            for (parsed, entry) in feed.entries.iter().zip(&expected) {
                assert_eq!(parsed.id, entry.public_id, "{format:?}");
                assert_eq!(
                    parsed.title.as_ref().unwrap().content,
                    xml_text(&entry.title),
                    "{format:?}"
                );
                assert_eq!(parsed.published, Some(entry.published), "{format:?}");
                let link = parsed
                    .links
                    .iter()
                    .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"));
                assert_eq!(
                    link.map(|l| l.href.as_str()),
                    entry.link.as_deref(),
                    "{format:?}"
                );
            }
        }
    }

    #[test]
    fn xml_text_drops_only_illegal_characters() {
        assert_eq!(xml_text("a\u{1}b\u{FFFE}c\td😀"), "abc\td😀");
    }
}
