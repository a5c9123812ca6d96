//! Atom 1.0 per RFC 4287: ids, titles and `updated` on the feed and every entry, xml:lang,
//! self and alternate links, RFC 5005 paging links, and `<source>` for aggregated entries
//! (RFC 4287 4.2.11: an entry copied from another feed keeps its id and names its source).

use atom_syndication::{
    Category, Content, Entry as AtomEntry, Feed, FixedDateTime, Generator, Link, Person, Source,
    Text,
};
use chrono::{DateTime, SubsecRound, Utc};

use super::{FeedPage, Format, xml_text};
use crate::model::Entry;

pub fn render_atom(page: &FeedPage) -> Vec<u8> {
    let mut links = vec![
        link(
            "self",
            page.url(Format::Atom, page.page),
            "application/atom+xml",
        ),
        link("alternate", page.html_url.clone(), "text/html"),
    ];
    links.extend(
        page.paging_links(Format::Atom)
            .into_iter()
            .map(|(rel, href)| link(rel, href, "application/atom+xml")),
    );
    if let Some(hub) = page.hub {
        links.push(Link {
            href: hub.to_string(),
            rel: "hub".to_string(),
            ..Link::default()
        });
    }
    let feed = Feed {
        title: Text::plain(xml_text(&page.title)),
        // The first page's URL names the feed for good; every page shares it (RFC 5005).
        id: page.url(Format::Atom, 1),
        updated: fixed(page.updated()),
        subtitle: (!page.description.is_empty()).then(|| Text::plain(xml_text(&page.description))),
        lang: Some(page.site.language.clone()),
        authors: vec![Person {
            name: xml_text(&page.site.title).into_owned(),
            uri: Some(page.site.base_url.to_string()),
            ..Person::default()
        }],
        generator: Some(Generator {
            value: "islands".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
            ..Generator::default()
        }),
        links,
        icon: Some(page.site.icon.clone()),
        logo: Some(page.site.logo.clone()),
        entries: page
            .entries
            .iter()
            .map(|entry| entry_of(page, entry))
            .collect(),
        ..Feed::default()
    };
    feed.write_to(Vec::new())
        .expect("writing to memory cannot fail")
}

fn entry_of(page: &FeedPage, entry: &Entry) -> AtomEntry {
    AtomEntry {
        id: entry.public_id.clone(),
        updated: fixed(entry.updated),
        published: Some(fixed(entry.published)),
        authors: entry
            .authors
            .iter()
            .map(|name| Person {
                name: xml_text(name).into_owned(),
                ..Person::default()
            })
            .collect(),
        links: entry
            .link
            .iter()
            .map(|href| link("alternate", href.clone(), "text/html"))
            .chain(
                super::enclosures_with_image(entry)
                    .iter()
                    .map(|enclosure| Link {
                        href: enclosure.url.clone(),
                        rel: "enclosure".to_string(),
                        mime_type: enclosure.media_type.clone(),
                        length: enclosure.length.map(|length| length.to_string()),
                        ..Link::default()
                    }),
            )
            // A stories feed's item: every outlet's report.
            .chain(
                page.related(entry)
                    .iter()
                    .map(|href| link("related", href.clone(), "text/html")),
            )
            // RFC 4685: our articles' comments have a feed of their own.
            .chain(entry.article.as_ref().map(|article| {
                link(
                    "replies",
                    format!(
                        "{}articles/{}/comments.atom",
                        page.site.base_url, article.slug
                    ),
                    "application/atom+xml",
                )
            }))
            .collect(),
        categories: page
            .categories(entry)
            .into_iter()
            .map(|term| Category {
                term: xml_text(&term).into_owned(),
                ..Category::default()
            })
            .collect(),
        // atom_syndication writes xml:lang on text constructs and content only (not on
        // <entry>): the entry's language goes on its title, summary and content.
        title: Text {
            lang: entry.language.clone(),
            ..Text::plain(xml_text(&entry.title))
        },
        summary: entry.summary.as_deref().map(|html| Text {
            lang: entry.language.clone(),
            ..Text::html(xml_text(html))
        }),
        content: content_of(entry),
        source: entry.sources.first().map(|source| Source {
            title: Text::plain(xml_text(source.title.as_deref().unwrap_or(&source.name))),
            id: source.feed_url.to_string(),
            updated: fixed(entry.updated),
            links: std::iter::once(link("self", source.feed_url.to_string(), "application/xml"))
                .chain(
                    source
                        .site_url
                        .iter()
                        .map(|href| link("alternate", href.clone(), "text/html")),
                )
                .collect(),
            ..Source::default()
        }),
        ..AtomEntry::default()
    }
}

/// The entry's content; an entry with neither content nor a link gets its summary or title as
/// content, as RFC 4287 4.1.1.1 requires one of the two.
fn content_of(entry: &Entry) -> Option<Content> {
    let (value, content_type) = match (&entry.content, &entry.link) {
        (Some(html), _) => (html.as_str(), "html"),
        (None, Some(_)) => return None,
        (None, None) => match &entry.summary {
            Some(html) => (html.as_str(), "html"),
            None => (entry.title.as_str(), "text"),
        },
    };
    Some(Content {
        value: Some(xml_text(value).into_owned()),
        content_type: Some(content_type.to_string()),
        lang: entry.language.clone(),
        ..Content::default()
    })
}

fn link(rel: &str, href: String, mime_type: &str) -> Link {
    Link {
        href,
        rel: rel.to_string(),
        mime_type: Some(mime_type.to_string()),
        ..Link::default()
    }
}

/// atom_syndication writes nanoseconds unless told otherwise; whole seconds read everywhere.
fn fixed(date: DateTime<Utc>) -> FixedDateTime {
    date.trunc_subsecs(0).fixed_offset()
}
