//! Entries -> bytes: RSS 2.0, Atom 1.0, JSON Feed 1.1, and the cache that renders and
//! compresses each feed page once per store change.
//!
//! Pure (apart from `cache`, which reads the store): a [`FeedPage`] in, bytes out. The only
//! module that speaks rss and atom_syndication. Neither crate validates what it writes (an
//! empty title, a control character pass straight through), so every string passes
//! [`xml_text`] and every required field is filled here.

pub mod atom;
pub mod cache;
pub mod json_feed;
pub mod pages;
pub mod rss;
pub mod site;
pub mod sitemap;
pub mod status;
pub mod stories;

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::config::Site;
use crate::model::Entry;

pub use crate::model::Format;

impl Format {
    /// Writes one feed page in this format: the one place a format picks its writer.
    pub fn render(self, page: &FeedPage) -> Vec<u8> {
        match self {
            Format::Rss => rss::render_rss(page),
            Format::Atom => atom::render_atom(page),
            Format::Json => json_feed::render_json_feed(page),
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
    /// Where the next page starts, for its link to carry (`&after=`): set on pages whose next
    /// page is past the cached ones, so walking deep history costs a page per page.
    pub next_after: Option<crate::store::Cursor>,
    pub entries: &'a [Entry],
    /// Region slug -> display name, for categories.
    pub region_names: &'a HashMap<String, String>,
    /// The WebSub hub subscribers may use (`link rel="hub"`).
    pub hub: Option<&'a str>,
    /// Set for feeds that do not live under `/feeds/`.
    pub address: Option<Address<'a>>,
    /// The entries' stories, and a stories feed's outlets (issue 13).
    pub story_links: Option<&'a StoryLinks>,
}

/// Story links of the entries on a page (issue 13).
#[derive(Debug, Default)]
pub struct StoryLinks {
    /// Entry id -> its story's page (JSON Feed `_islands.story`).
    pub story: HashMap<crate::model::EntryId, String>,
    /// An item of a stories feed -> every outlet's link, the first outlet's first (Atom
    /// `rel="related"`, JSON Feed `external_url`).
    pub related: HashMap<crate::model::EntryId, Vec<String>>,
}

impl FeedPage<'_> {
    /// The story page of an entry, if it has one.
    pub fn story_of(&self, entry: &Entry) -> Option<&str> {
        self.story_links?.story.get(&entry.id).map(String::as_str)
    }

    /// The outlets' links of a stories feed's item.
    pub fn related(&self, entry: &Entry) -> &[String] {
        self.story_links
            .and_then(|links| links.related.get(&entry.id))
            .map_or(&[], Vec::as_slice)
    }
}

/// Where a feed lives when not under `/feeds/{name}`.
#[derive(Debug, Clone, Copy)]
pub enum Address<'a> {
    /// A saved search: `/search.{ext}?q=QUERY`, in one page.
    Search(&'a str),
    /// An article's comments: `/articles/{slug}/comments.{ext}`.
    ArticleComments(&'a str),
}

/// The entry's picture as one more enclosure, unless it already is one: what the formats
/// republish (RSS takes the first; Atom and JSON Feed all).
pub fn enclosures_with_image(entry: &Entry) -> Vec<crate::model::Enclosure> {
    let mut enclosures = entry.enclosures.clone();
    if let Some(image) = &entry.image
        && !enclosures
            .iter()
            .any(|enclosure| enclosure.url == image.url)
    {
        enclosures.push(crate::model::Enclosure {
            url: image.url.clone(),
            media_type: Some(image_type(&image.url).to_string()),
            length: None,
        });
    }
    enclosures
}

/// An image's media type from its address, as far as it says (JPEG when it does not).
fn image_type(url: &str) -> &'static str {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or(url)
        .to_ascii_lowercase();
    match path.rsplit('.').next() {
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("svg") => "image/svg+xml",
        Some("avif") => "image/avif",
        _ => "image/jpeg",
    }
}

impl FeedPage<'_> {
    /// The public URL of page `page` of this feed in `format`.
    pub fn url(&self, format: Format, page: usize) -> String {
        match self.address {
            Some(Address::Search(query)) => {
                crate::urls::search_feed_url(&self.site.base_url, query, format)
            }
            Some(Address::ArticleComments(slug)) => format!(
                "{}articles/{slug}/comments.{}",
                self.site.base_url,
                format.extension()
            ),
            None => crate::urls::feed_url(&self.site.base_url, self.name, format, page),
        }
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
        if let Some(next) = self.next_url(format) {
            links.push(("next", next));
        }
        links
    }

    /// The next page's URL, when there is one: by number, with the cursor where there is one.
    pub fn next_url(&self, format: Format) -> Option<String> {
        if !self.has_more {
            return None;
        }
        let next = self.url(format, self.page + 1);
        Some(match self.next_after {
            Some(cursor) if self.address.is_none() => format!("{next}&after={cursor}"),
            _ => next,
        })
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
    use crate::model::{Attribution, Enclosure, EntryId, SourceId};
    use chrono::TimeZone;

    pub fn site() -> Site {
        Site {
            title: "Islands".into(),
            subtitle: "From Trinity st. to Limassol".into(),
            base_url: url::Url::parse("http://127.0.0.1:8080/").unwrap(),
            language: "en".into(),
            contact: "tips@islands.example".into(),
            about: String::new(),
            logo: "https://islands.example/icon.png".into(),
            icon: "https://islands.example/icon.png".into(),
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
                sources: vec![Attribution {
                    name: "RTE News".into(),
                    feed_url: SourceId::new(&"https://news.example/feed.xml".parse().unwrap()),
                    title: Some("RTÉ News".into()),
                    site_url: Some("https://news.example/".into()),
                    region: "ireland".into(),
                }],
                regions: vec!["ireland".into()],
                article: None,
                held_back: false,
                language: None,
                image: None,
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
                held_back: false,
                language: None,
                image: None,
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
            next_after: None,
            entries: &entries,
            region_names: &names,
            hub: Some("http://hub.example/"),
            address: None,
            story_links: None,
        };
        f(&feed_page)
    }

    /// Every format parses back with feed-rs with the same ids, titles, links and dates.
    #[test]
    fn every_format_round_trips_through_feed_rs() {
        for format in Format::ALL {
            let bytes = with_page(2, true, |page| format.render(page));
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

    mod round_trip {
        use super::*;
        use crate::normalize::html::collapse_whitespace;
        use proptest::prelude::*;

        /// Text that XML and JSON find hostile: control characters, CDATA ends, markup,
        /// entities, right-to-left text, emoji, and any other character at all.
        fn hostile_text() -> impl Strategy<Value = String> {
            let pieces = prop_oneof![
                Just("]]>".to_string()),
                Just("<b>&amp;</b>".to_string()),
                Just("\u{1}\u{8}\u{b}\u{1f}\u{fffe}".to_string()),
                Just("עברית العربية".to_string()),
                Just("🇮🇪🇨🇾 Λεμεσός Dún Laoghaire".to_string()),
                Just("\r\n\t".to_string()),
                any::<String>(),
            ];
            proptest::collection::vec(pieces, 1..5).prop_map(|parts| parts.concat())
        }

        fn entry_strategy() -> impl Strategy<Value = Entry> {
            (
                hostile_text(),
                "[a-z0-9]{1,12}",
                0i64..4_102_444_800,
                any::<bool>(),
            )
                .prop_map(|(title, path, seconds, has_link)| {
                    let mut entry = entries().remove(0);
                    entry.enclosures.clear();
                    let link = format!("https://news.example/{path}");
                    entry.title = title;
                    entry.id = EntryId::from_key(&link);
                    entry.public_id = if has_link {
                        link.clone()
                    } else {
                        entry.id.urn()
                    };
                    entry.link = has_link.then_some(link);
                    entry.published = DateTime::from_timestamp(seconds, 0).unwrap();
                    entry.updated = entry.published;
                    entry
                })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            /// Render then parse back (feed-rs) keeps ids, titles, links and dates.
            #[test]
            fn rendered_entries_parse_back_the_same(entry in entry_strategy()) {
                let site = site();
                let names = HashMap::new();
                let entries = vec![entry.clone()];
                let page = FeedPage {
                    site: &site,
                    name: "all",
                    title: "T".into(),
                    description: "D".into(),
                    html_url: site.base_url.to_string(),
                    page: 1,
                    has_more: false,
                    next_after: None,
                    entries: &entries,
                    region_names: &names,
                    hub: None,
                    address: None,
                    story_links: None,
                };
                for format in Format::ALL {
                    let bytes = format.render(&page);
                    let feed = feed_rs::parser::parse(&bytes[..]);
                    prop_assert!(feed.is_ok(), "{format:?}: {:?}", feed.err());
                    let parsed = &feed.unwrap().entries[0];
                    prop_assert_eq!(&parsed.id, &entry.public_id);
                    let title = parsed.title.as_ref().map(|t| t.content.clone()).unwrap_or_default();
                    // XML parsers normalise line ends; feeds trim: compare words.
                    prop_assert_eq!(
                        collapse_whitespace(&title),
                        collapse_whitespace(&xml_text(&entry.title)),
                        "{:?}", format
                    );
                    prop_assert_eq!(parsed.published, Some(entry.published));
                    let link = parsed.links.iter().find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"));
                    prop_assert_eq!(link.map(|l| l.href.as_str()), entry.link.as_deref(), "{:?}", format);
                }
            }
        }
    }

    /// The exact bytes of each format for fixed entries: any change to what subscribers get
    /// shows up in review (`cargo insta review`).
    #[test]
    fn rendered_feeds_match_their_snapshots() {
        with_page(2, true, |page| {
            let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
            insta::assert_snapshot!("rss", pretty_xml(&rss::render_rss(page)));
            insta::assert_snapshot!("atom", pretty_xml(&atom::render_atom(page)));
            insta::assert_snapshot!("json_feed", text(json_feed::render_json_feed(page)));
        });
    }

    /// The XML indented, one element a line, so a snapshot diff shows what changed. Text and
    /// attributes pass through as they were written.
    fn pretty_xml(bytes: &[u8]) -> String {
        let mut reader = quick_xml::Reader::from_reader(bytes);
        let mut writer = quick_xml::Writer::new_with_indent(Vec::new(), b' ', 2);
        let mut buffer = Vec::new();
        loop {
            match reader
                .read_event_into(&mut buffer)
                .expect("our XML is well-formed")
            {
                quick_xml::events::Event::Eof => break,
                event => writer.write_event(event).expect("writing to memory"),
            }
            buffer.clear();
        }
        String::from_utf8(writer.into_inner()).expect("UTF-8 in, UTF-8 out")
    }

    #[test]
    fn xml_text_drops_only_illegal_characters() {
        assert_eq!(xml_text("a\u{1}b\u{FFFE}c\td😀"), "abc\td😀");
    }
}
