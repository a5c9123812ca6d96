//! JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>) with serde. Paging uses `next_url`; the
//! `_islands` extension names the sources and regions an entry came from.

use serde::Serialize;

use super::{FeedPage, Format, xml_text};
use crate::model::Entry;

pub fn render_json_feed(page: &FeedPage) -> Vec<u8> {
    let feed = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: xml_text(&page.title).into_owned(),
        home_page_url: page.html_url.clone(),
        feed_url: page.url(Format::Json, page.page),
        description: (!page.description.is_empty()).then(|| page.description.clone()),
        next_url: page.next_url(Format::Json),
        icon: &page.site.icon,
        favicon: &page.site.icon,
        language: page.site.language.clone(),
        hubs: page
            .hub
            .map(|url| {
                vec![Hub {
                    kind: "WebSub",
                    url,
                }]
            })
            .unwrap_or_default(),
        items: page.entries.iter().map(|entry| item(page, entry)).collect(),
    };
    serde_json::to_vec_pretty(&feed).expect("feed values always serialize")
}

fn item<'a>(page: &'a FeedPage, entry: &'a Entry) -> Item<'a> {
    Item {
        external_url: page.related(entry).first().map(String::as_str),
        id: &entry.public_id,
        image: entry.image.as_ref().map(|image| image.url.as_str()),
        language: entry.language.as_deref(),
        url: entry.link.as_deref(),
        title: xml_text(&entry.title).into_owned(),
        // Every item needs content_html or content_text (JSON Feed 1.1).
        content_html: entry.content.as_deref().or(entry.summary.as_deref()),
        content_text: (entry.content.is_none() && entry.summary.is_none())
            .then_some(entry.title.as_str()),
        summary: entry
            .summary
            .as_deref()
            .map(super::super::normalize::html::html_to_text),
        date_published: entry
            .published
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        date_modified: entry
            .updated
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        authors: entry.authors.iter().map(|name| Author { name }).collect(),
        tags: page.categories(entry),
        attachments: entry
            .enclosures
            .iter()
            .map(|enclosure| Attachment {
                url: &enclosure.url,
                mime_type: enclosure
                    .media_type
                    .as_deref()
                    .unwrap_or("application/octet-stream"),
                size_in_bytes: enclosure.length,
            })
            .collect(),
        islands: Extension {
            story: page.story_of(entry),
            regions: &entry.regions,
            sources: entry
                .sources
                .iter()
                .map(|source| ExtensionSource {
                    name: &source.name,
                    title: source.title.as_deref(),
                    feed_url: source.feed_url.as_str(),
                    home_page_url: source.site_url.as_deref(),
                })
                .collect(),
        },
    }
}

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: String,
    home_page_url: String,
    feed_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_url: Option<String>,
    icon: &'a str,
    favicon: &'a str,
    language: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hubs: Vec<Hub<'a>>,
    items: Vec<Item<'a>>,
}

#[derive(Serialize)]
struct Hub<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    url: &'a str,
}

#[derive(Serialize)]
struct Item<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    /// A stories feed's item: the first outlet's report.
    #[serde(skip_serializing_if = "Option::is_none")]
    external_url: Option<&'a str>,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_html: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<String>,
    date_published: String,
    date_modified: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<Attachment<'a>>,
    /// JSON Feed 1.1 item `image`: the entry's picture.
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    /// JSON Feed 1.1 item `language`, when not the feed's.
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<&'a str>,
    #[serde(rename = "_islands")]
    islands: Extension<'a>,
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct Attachment<'a> {
    url: &'a str,
    mime_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    size_in_bytes: Option<u64>,
}

#[derive(Serialize)]
struct Extension<'a> {
    /// The page of the story the entry belongs to (issue 13).
    #[serde(skip_serializing_if = "Option::is_none")]
    story: Option<&'a str>,
    regions: &'a [String],
    sources: Vec<ExtensionSource<'a>>,
}

#[derive(Serialize)]
struct ExtensionSource<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    feed_url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    home_page_url: Option<&'a str>,
}
