//! RSS 2.0, per the RSS Advisory Board's profile: atom:link rel="self", guids with a truthful
//! isPermaLink, RFC 822 dates, one channel language, `<source>` naming where an entry came from.

use rss::extension::atom::{AtomExtension, Link};
use rss::extension::dublincore::DublinCoreExtension;
use rss::{Category, Channel, Enclosure, Guid, Image, Item, Source};

use super::{FeedPage, Format, xml_text};
use crate::model::Entry;

pub fn render_rss(page: &FeedPage) -> Vec<u8> {
    let mut links = vec![atom_link("self", page.url(Format::Rss, page.page))];
    links.extend(
        page.paging_links(Format::Rss)
            .into_iter()
            .map(|(rel, href)| atom_link(rel, href)),
    );
    if let Some(hub) = page.hub {
        links.push(Link {
            href: hub.to_string(),
            rel: "hub".to_string(),
            ..Link::default()
        });
    }
    let channel = Channel {
        title: xml_text(&page.title).into_owned(),
        link: page.html_url.clone(),
        description: xml_text(if page.description.is_empty() {
            &page.title
        } else {
            &page.description
        })
        .into_owned(),
        language: Some(page.site.language.clone()),
        last_build_date: Some(page.updated().to_rfc2822()),
        generator: Some(format!("islands {}", env!("CARGO_PKG_VERSION"))),
        // RSS 2.0 <image>: its title and link must match the channel's.
        image: Some(Image {
            url: page.site.icon.clone(),
            title: xml_text(&page.title).into_owned(),
            link: page.html_url.clone(),
            ..Image::default()
        }),
        atom_ext: Some(AtomExtension { links }),
        items: page.entries.iter().map(|entry| item(page, entry)).collect(),
        ..Channel::default()
    };
    channel
        .write_to(Vec::new())
        .expect("writing to memory cannot fail")
}

fn item(page: &FeedPage, entry: &Entry) -> Item {
    let (description, content) = match (&entry.summary, &entry.content) {
        (Some(summary), content) => (Some(summary), content.as_ref()),
        (None, Some(content)) => (Some(content), None),
        (None, None) => (None, None),
    };
    let source = entry.sources.first().map(|source| Source {
        url: source.feed_url.to_string(),
        title: Some(xml_text(source.title.as_deref().unwrap_or(&source.name)).into_owned()),
    });
    Item {
        title: Some(xml_text(&entry.title).into_owned()),
        link: entry.link.clone(),
        description: description.map(|html| xml_text(html).into_owned()),
        content: content.map(|html| xml_text(html).into_owned()),
        guid: Some(Guid {
            permalink: entry.link.as_deref() == Some(entry.public_id.as_str()),
            value: entry.public_id.clone(),
        }),
        pub_date: Some(entry.published.to_rfc2822()),
        categories: page
            .categories(entry)
            .into_iter()
            .map(|name| Category {
                name: xml_text(&name).into_owned(),
                domain: None,
            })
            .collect(),
        // RSS allows one enclosure per item; JSON Feed and Atom carry them all.
        enclosure: super::enclosures_with_image(entry)
            .first()
            .map(|enclosure| Enclosure {
                url: enclosure.url.clone(),
                length: enclosure.length.unwrap_or(0).to_string(),
                mime_type: enclosure
                    .media_type
                    .clone()
                    .unwrap_or_else(|| "application/octet-stream".to_string()),
            }),
        source,
        // RSS <author> must be an email address; names go in dc:creator.
        dublin_core_ext: (!entry.authors.is_empty()).then(|| DublinCoreExtension {
            creators: entry
                .authors
                .iter()
                .map(|a| xml_text(a).into_owned())
                .collect(),
            ..DublinCoreExtension::default()
        }),
        ..Item::default()
    }
}

fn atom_link(rel: &str, href: String) -> Link {
    Link {
        href,
        rel: rel.to_string(),
        mime_type: Some("application/rss+xml".to_string()),
        ..Link::default()
    }
}
