//! Feed bytes -> [`Entry`] values: feed-rs, stable ids, dates, charsets, URLs, sanitizing.
//!
//! Pure: bytes in, values out, no IO, so every rule here is tested without a server. The only
//! module that speaks feed-rs.
//!
//! The trap: feed-rs invents ids for entries without one, from the title (an edit upstream makes
//! a duplicate) or at random (every poll makes a duplicate). Our id generator returns nothing,
//! and [`identity_key`] decides: the upstream id, else the link, else a hash of what is left.

pub mod charset;
pub mod date;
pub mod html;

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use feed_rs::model;
use url::Url;

use crate::model::{Attribution, Enclosure, Entry, EntryId, Image, SourceId};
use html::{Sanitizer, html_to_text, text_to_html};

/// The source a feed was read from, as configured.
#[derive(Debug, Clone)]
pub struct FeedOrigin {
    pub name: String,
    /// The configured feed URL: the source's key.
    pub feed_url: Url,
    /// The URL that answered (after redirects): the base for relative links.
    pub base_url: Url,
    pub region: String,
    /// The document's own `xml:base` on its root element, resolved; set by `normalize_feed`.
    pub document_base: Option<Url>,
    /// Query parameters removed from the entries' links (`[ingest] strip_params`).
    pub strip_params: Vec<String>,
    /// The source's language when it is not the site's.
    pub language: Option<String>,
}

/// A parsed feed: its own title and web page (for attribution) and its entries.
#[derive(Debug)]
pub struct NormalizedFeed {
    pub title: Option<String>,
    pub site_url: Option<String>,
    /// The WebSub hub the feed names (`link rel="hub"`), and its own URL there (`rel="self"`).
    pub hub: Option<Url>,
    pub self_url: Option<Url>,
    pub entries: Vec<NormalizedEntry>,
}

#[derive(Debug)]
pub struct NormalizedEntry {
    pub entry: Entry,
    /// False when upstream gave no date and `published` is the time it was first seen.
    pub dated: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum NormalizeError {
    #[error("not a feed: the body is empty")]
    Empty,
    #[error("not a feed: the URL answered with an HTML page")]
    Html,
    #[error("not a feed: {message}")]
    Parse { message: String },
}

/// Dates further ahead than this are clamped to the fetch time: a wrong clock upstream must
/// not pin a story to the top of every feed.
const FUTURE_TOLERANCE: Duration = Duration::hours(1);

/// `date`, or `now` when `date` is further ahead than a wrong clock can explain: for every date
/// that comes from outside (upstream feeds, Micropub posts).
pub fn clamp_future(date: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    match now.checked_add_signed(FUTURE_TOLERANCE) {
        Some(latest) if date > latest => now,
        _ => date,
    }
}

/// Parses and normalizes one fetched feed.
pub fn normalize_feed(
    body: &[u8],
    content_type: Option<&str>,
    source: &FeedOrigin,
    now: DateTime<Utc>,
) -> Result<NormalizedFeed, NormalizeError> {
    let first = body
        .iter()
        .position(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF);
    let Some(first) = first else {
        return Err(NormalizeError::Empty);
    };
    if looks_like_html(&body[first..]) {
        return Err(NormalizeError::Html);
    }
    if late_xml_declaration(&body[first..]) {
        return Err(NormalizeError::Parse {
            message: "an XML declaration stands in the middle of the document".to_string(),
        });
    }
    let prepared = charset::prepare(body, content_type);
    let source = &FeedOrigin {
        document_base: root_xml_base(&prepared).and_then(|base| source.base_url.join(&base).ok()),
        ..source.clone()
    };
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(source.base_url.as_str()))
        .id_generator(|_links, _title, _base| String::new())
        .timestamp_parser(date::parse_date)
        .build();
    // feed-rs 3.0 panics on some documents (found by fuzz/normalize_feed): quick-xml on a late
    // XML declaration (refused above), and a contact (managingEditor, webMaster) ending in a
    // multi-byte character. A bad feed must be an error for its source, never a crash.
    let parsed =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parser.parse(&prepared[..])));
    let feed = match parsed {
        Ok(Ok(feed)) => feed,
        Ok(Err(error)) => {
            return Err(NormalizeError::Parse {
                message: error.to_string(),
            });
        }
        Err(_) => {
            return Err(NormalizeError::Parse {
                message: "the feed parser failed on this document".to_string(),
            });
        }
    };

    let site_url = alternate_link(&feed.links).and_then(|link| web_url(&link));
    let linked = |rel: &str| {
        feed.links
            .iter()
            .find(|link| link.rel.as_deref() == Some(rel))
            .and_then(|link| web_url(&link.href))
            .and_then(|href| Url::parse(&href).ok())
    };
    let (hub, self_url) = (linked("hub"), linked("self"));
    let rss = matches!(
        feed.feed_type,
        model::FeedType::RSS0 | model::FeedType::RSS1 | model::FeedType::RSS2
    );
    let mut sanitizer = Sanitizer::new();
    let source_ref = Attribution {
        name: source.name.clone(),
        feed_url: SourceId::new(&source.feed_url),
        title: feed.title.as_ref().map(text_of),
        site_url: site_url.clone(),
        region: source.region.clone(),
    };
    let mut seen = HashSet::new();
    let mut entries = Vec::with_capacity(feed.entries.len());
    for entry in feed.entries {
        let normalized = normalize_entry(entry, source, &source_ref, &mut sanitizer, rss, now);
        // A story repeated inside one feed is one entry: the first occurrence wins.
        if seen.insert(normalized.entry.id) {
            entries.push(normalized);
        }
    }
    Ok(NormalizedFeed {
        title: source_ref.title,
        site_url,
        hub,
        self_url,
        entries,
    })
}

/// The key an entry's id is derived from. URIs (links, `http:`/`tag:`/`urn:` ids) are global,
/// so two sources carrying the same story agree on it; a bare guid like `12345` only means
/// something inside its own feed, so it is scoped to the feed URL.
pub fn identity_key(
    upstream_id: &str,
    link: Option<&str>,
    feed_url: &Url,
    fallback: &str,
) -> String {
    if !upstream_id.is_empty() {
        return match Url::parse(upstream_id) {
            Ok(uri) => format!("uri:{uri}"),
            Err(_) => format!("guid:{feed_url} {upstream_id}"),
        };
    }
    match link {
        Some(link) => format!("uri:{link}"),
        None => format!("hash:{feed_url} {fallback}"),
    }
}

fn normalize_entry(
    entry: model::Entry,
    source: &FeedOrigin,
    source_ref: &Attribution,
    sanitizer: &mut Sanitizer,
    rss: bool,
    now: DateTime<Utc>,
) -> NormalizedEntry {
    // Relative links resolve against the xml:base in scope, else the URL the document came
    // from (XML Base; RFC 3986 5.1). feed-rs keeps only an entry-level xml:base.
    let xml_base = entry
        .base
        .as_deref()
        .and_then(|base| {
            source
                .document_base
                .as_ref()
                .unwrap_or(&source.base_url)
                .join(base)
                .ok()
        })
        .or_else(|| source.document_base.clone());
    let base = xml_base.clone().unwrap_or_else(|| source.base_url.clone());
    let upstream_id = entry.id.trim().to_string();
    // The identity keeps the link as upstream wrote it, so an entry's id does not change with
    // what we are willing to republish of it.
    let identity_link = alternate_link(&entry.links).or_else(|| {
        // RSS guids default to isPermaLink="true", and feed-rs drops the attribute: a guid
        // that is an http(s) URL is the link when there is no other.
        Url::parse(&upstream_id)
            .ok()
            .filter(|url| url.scheme() == "http" || url.scheme() == "https")
            .map(|url| url.to_string())
    });
    let link = identity_link
        .as_deref()
        .and_then(|link| base.join(link.trim()).ok())
        .and_then(|link| web_url(link.as_str()))
        .map(|link| crate::rules::strip_params(&link, &source.strip_params));
    // Relative references in content: Atom keeps the rules above (RFC 4287). RSS has no base
    // of its own and is often served from another host than its articles (a `feeds.` host, a
    // CDN), so without xml:base they resolve against the item's link, else the channel's, else
    // the feed's URL, as Miniflux does (issue 17).
    let content_base = match (&xml_base, rss) {
        (None, true) => link
            .as_deref()
            .or(source_ref.site_url.as_deref())
            .and_then(|url| Url::parse(url).ok())
            .unwrap_or_else(|| base.clone()),
        _ => base.clone(),
    };
    let base = content_base;
    let published_upstream = entry.published.or(entry.updated);
    let dated = published_upstream.is_some();
    let clamp = |date| clamp_future(date, now);
    let published = clamp(published_upstream.unwrap_or(now));
    let updated = clamp(entry.updated.unwrap_or(published)).max(published);

    let summary = entry
        .summary
        .as_ref()
        .map(|text| text_to_safe_html(&text.content_type, &text.content, sanitizer, &base))
        .filter(|html| !html.trim().is_empty());
    let content = entry
        .content
        .as_ref()
        .and_then(|content| {
            let body = content.body.as_deref()?;
            Some(text_to_safe_html(
                &content.content_type,
                body,
                sanitizer,
                &base,
            ))
        })
        .filter(|html| !html.trim().is_empty());

    let mut title = entry.title.as_ref().map(text_of).unwrap_or_default();
    if title.is_empty() {
        // RSS allows items without a title; readers need something to show.
        let text = html_to_text(summary.as_deref().or(content.as_deref()).unwrap_or(""));
        title = text.chars().take(80).collect();
        if title.is_empty() {
            title = "Untitled".to_string();
        }
    }

    let fallback = format!(
        "{} {}",
        title,
        published_upstream.map_or_else(
            || summary.clone().unwrap_or_default(),
            |date| date.to_rfc3339()
        )
    );
    let key = identity_key(
        &upstream_id,
        identity_link.as_deref(),
        &source.feed_url,
        &fallback,
    );
    let id = EntryId::from_key(&key);
    let public_id = match Url::parse(&upstream_id) {
        // Readers fall back to a URI id as the link: never one that runs a script.
        Ok(uri) if !matches!(uri.scheme(), "javascript" | "data" | "vbscript" | "file") => {
            upstream_id
        }
        Ok(_) => id.urn(),
        Err(_) => match (&link, upstream_id.is_empty()) {
            (Some(link), true) => link.clone(),
            _ => id.urn(),
        },
    };

    let mut categories: Vec<String> = Vec::new();
    for category in &entry.categories {
        let name = category.label.as_deref().unwrap_or(&category.term).trim();
        if !name.is_empty() && !categories.iter().any(|c| c == name) {
            categories.push(name.to_string());
        }
    }

    let image = image_of(&entry.media, content.as_deref().or(summary.as_deref()));
    NormalizedEntry {
        entry: Entry {
            id,
            public_id,
            title,
            link,
            published,
            updated,
            authors: entry
                .authors
                .iter()
                .filter_map(|person| person.name.as_deref())
                .map(html::collapse_whitespace)
                .filter(|name| !name.is_empty())
                .collect(),
            summary,
            content,
            categories,
            image,
            enclosures: enclosures(&entry.media),
            sources: vec![source_ref.clone()],
            regions: vec![source.region.clone()],
            article: None,
            held_back: false,
            language: source.language.clone(),
        },
        dated,
    }
}

fn text_of(text: &model::Text) -> String {
    if is_html(&text.content_type) {
        html_to_text(&text.content)
    } else {
        html::collapse_whitespace(&text.content)
    }
}

/// text/html, application/xhtml(+xml): feed-rs's media type, named through Display because
/// its type comes from a crate feed-rs does not re-export.
fn is_html(media_type: &impl std::fmt::Display) -> bool {
    media_type.to_string().contains("html")
}

fn text_to_safe_html(
    media_type: &impl std::fmt::Display,
    body: &str,
    sanitizer: &mut Sanitizer,
    base: &Url,
) -> String {
    if is_html(media_type) {
        sanitizer.clean(body, Some(base))
    } else {
        text_to_html(body)
    }
}

fn alternate_link(links: &[model::Link]) -> Option<String> {
    links
        .iter()
        .find(|link| matches!(link.rel.as_deref(), None | Some("alternate")))
        .map(|link| link.href.trim().to_string())
        .filter(|href| !href.is_empty())
}

/// An upstream URL we are willing to republish: absolute `http` or `https` only. A
/// `javascript:` or `data:` link would be a script in every page and reader that shows it, so
/// anything else is dropped here, before it is stored (issue 11).
pub fn web_url(link: &str) -> Option<String> {
    let url = Url::parse(link.trim()).ok()?;
    let web = matches!(url.scheme(), "http" | "https") && url.host().is_some();
    web.then(|| url.to_string())
}

/// The entry's picture: an image in its media (`media:content` of an image type, an image
/// enclosure), else a `media:thumbnail`, else the first `<img>` of its sanitized HTML. Only
/// http(s) URLs.
fn image_of(media: &[model::MediaObject], html: Option<&str>) -> Option<Image> {
    let described = |object: &model::MediaObject| {
        object
            .description
            .as_ref()
            .or(object.title.as_ref())
            .map(text_of)
            .filter(|text| !text.is_empty())
    };
    for object in media {
        for content in &object.content {
            let image_type = content
                .content_type
                .as_ref()
                .is_some_and(|media_type| media_type.to_string().starts_with("image/"));
            if let Some(url) = content.url.as_ref().and_then(|url| web_url(url.as_str()))
                && image_type
            {
                return Some(Image {
                    url,
                    alt: described(object),
                    width: content.width,
                    height: content.height,
                });
            }
        }
        if let Some(thumbnail) = object.thumbnails.first()
            && let Some(url) = web_url(&thumbnail.image.uri)
        {
            return Some(Image {
                url,
                alt: described(object),
                width: thumbnail.image.width,
                height: thumbnail.image.height,
            });
        }
    }
    first_img(html?)
}

/// The first `<img>` of sanitized HTML (ammonia writes attributes double-quoted).
fn first_img(html: &str) -> Option<Image> {
    static IMG: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let img = IMG.get_or_init(|| regex::Regex::new(r"<img\s[^>]*>").expect("a valid regex"));
    let tag = img.find(html)?.as_str();
    let attribute = |name: &str| {
        let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        let end = start + tag[start..].find('"')?;
        Some(html::html_to_text(&tag[start..end]))
    };
    Some(Image {
        url: web_url(&attribute("src")?)?,
        alt: attribute("alt").filter(|alt| !alt.is_empty()),
        width: attribute("width").and_then(|w| w.parse().ok()),
        height: attribute("height").and_then(|h| h.parse().ok()),
    })
}

fn enclosures(media: &[model::MediaObject]) -> Vec<Enclosure> {
    let mut enclosures: Vec<Enclosure> = Vec::new();
    for content in media.iter().flat_map(|object| &object.content) {
        let Some(url) = content.url.as_ref().and_then(|url| web_url(url.as_str())) else {
            continue;
        };
        if enclosures.iter().any(|e| e.url == url) {
            continue;
        }
        enclosures.push(Enclosure {
            url,
            media_type: content.content_type.as_ref().map(|t| t.to_string()),
            length: content.size,
        });
    }
    enclosures
}

/// An `<?xml ...?>` anywhere but at the very start is not well-formed XML (the name is
/// reserved), and quick-xml 0.42 panics on one that names an encoding: refuse it first.
fn late_xml_declaration(body: &[u8]) -> bool {
    body.windows(6)
        .skip(1)
        .any(|window| window[..5].eq_ignore_ascii_case(b"<?xml") && window[5].is_ascii_whitespace())
}

/// The `xml:base` attribute of the root element, if any.
fn root_xml_base(body: &[u8]) -> Option<String> {
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut buffer = Vec::new();
    loop {
        match reader.read_event_into(&mut buffer).ok()? {
            quick_xml::events::Event::Start(element) | quick_xml::events::Event::Empty(element) => {
                let attribute = element
                    .attributes()
                    .flatten()
                    .find(|attribute| attribute.key.as_ref() == "xml:base")?;
                return attribute
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .ok()
                    .map(|value| value.into_owned());
            }
            quick_xml::events::Event::Eof => return None,
            _ => buffer.clear(),
        }
    }
}

fn looks_like_html(body: &[u8]) -> bool {
    let head: Vec<u8> = body
        .iter()
        .take(64)
        .map(|b| b.to_ascii_lowercase())
        .collect();
    head.starts_with(b"<!doctype html") || head.starts_with(b"<html")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn source() -> FeedOrigin {
        let url = Url::parse("https://news.example/feed.xml").unwrap();
        FeedOrigin {
            name: "News".into(),
            feed_url: url.clone(),
            base_url: url,
            region: "ireland".into(),
            document_base: None,
            strip_params: Vec::new(),
            language: None,
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
    }

    fn normalize(xml: &str) -> Vec<NormalizedEntry> {
        normalize_feed(xml.as_bytes(), None, &source(), now())
            .unwrap()
            .entries
    }

    fn rss(items: &str) -> String {
        format!(
            r#"<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>
            <link>https://news.example/</link>{items}</channel></rss>"#
        )
    }

    #[test]
    fn ids_do_not_change_when_the_title_does() {
        let first = normalize(&rss(
            "<item><title>One</title><link>https://news.example/a</link></item>",
        ));
        let second = normalize(&rss(
            "<item><title>One, edited</title><link>https://news.example/a</link></item>",
        ));
        assert_eq!(first[0].entry.id, second[0].entry.id);
        assert_eq!(first[0].entry.public_id, "https://news.example/a");
    }

    #[test]
    fn entries_without_guid_or_link_get_the_same_id_on_every_parse() {
        let xml = rss(
            "<item><title>Alone</title><pubDate>Tue, 24 Nov 2026 09:00:00 GMT</pubDate></item>",
        );
        assert_eq!(normalize(&xml)[0].entry.id, normalize(&xml)[0].entry.id);
        assert!(normalize(&xml)[0].entry.public_id.starts_with("urn:uuid:"));
    }

    #[test]
    fn a_bare_guid_is_scoped_to_its_feed_but_a_url_guid_is_global() {
        let bare = identity_key("123", None, &source().feed_url, "");
        let other_feed = Url::parse("https://other.example/rss").unwrap();
        assert_ne!(bare, identity_key("123", None, &other_feed, ""));
        assert_eq!(
            identity_key("https://news.example/a", None, &source().feed_url, ""),
            identity_key("", Some("https://news.example/a"), &other_feed, "")
        );
    }

    #[test]
    fn a_permalink_guid_becomes_the_link() {
        let entries = normalize(&rss(
            "<item><title>T</title><guid>https://news.example/g</guid></item>",
        ));
        assert_eq!(
            entries[0].entry.link.as_deref(),
            Some("https://news.example/g")
        );
    }

    /// Regression (issue 11, 1): `javascript:` and `data:` links reached `<a href>` and every
    /// feed format.
    #[test]
    fn only_absolute_http_links_survive_and_the_id_stays_the_same() {
        let feed = rss(r#"<item><title>A</title><link>javascript:alert(1)</link>
            <enclosure url="data:text/html,&lt;script&gt;x()&lt;/script&gt;" type="text/html" length="1"/></item>
            <item><title>B</title><guid>javascript:alert(2)</guid></item>
            <item><title>C</title><link>https://news.example/c</link>
            <enclosure url="https://news.example/c.mp3" type="audio/mpeg" length="1"/></item>"#)
        .replace("<link>https://news.example/</link>", "<link>javascript:alert(3)</link>");
        let parsed = normalize_feed(feed.as_bytes(), None, &source(), now()).unwrap();
        assert_eq!(parsed.site_url, None);
        let entries: Vec<&Entry> = parsed.entries.iter().map(|e| &e.entry).collect();
        assert_eq!(entries[0].link, None);
        assert!(entries[0].enclosures.is_empty());
        assert_eq!(
            entries[0].id,
            EntryId::from_key("uri:javascript:alert(1)"),
            "the id is derived from the link as upstream wrote it"
        );
        assert!(entries[0].public_id.starts_with("urn:uuid:"));
        assert_eq!(entries[1].link, None);
        assert!(entries[1].public_id.starts_with("urn:uuid:"));
        assert_eq!(entries[2].link.as_deref(), Some("https://news.example/c"));
        assert_eq!(entries[2].enclosures.len(), 1);
        for (link, kept) in [
            ("https://a.example/x", true),
            ("HTTP://a.example/x", true),
            (" javascript:alert(1)", false),
            ("JaVaScRiPt:alert(1)", false),
            ("data:text/html;base64,PHNjcmlwdD4=", false),
            ("vbscript:x", false),
            ("/relative", false),
            ("ftp://a.example/x", false),
        ] {
            assert_eq!(web_url(link).is_some(), kept, "{link}");
        }
    }

    /// Issue 17: feeds served from another host than their articles resolved relative images
    /// against the feed's URL.
    #[test]
    fn relative_urls_in_rss_resolve_against_the_item_link_then_the_channel() {
        let entries = normalize(
            &rss(
                r#"<item><title>A</title><link>https://articles.example/2026/a.html</link>
            <description>&lt;img src="img/a.png"&gt;</description></item>
            <item><title>B</title><guid isPermaLink="false">b</guid>
            <description>&lt;img src="/b.png"&gt;</description></item>"#,
            )
            .replace(
                "<link>https://news.example/</link>",
                "<link>https://www.site.example/</link>",
            ),
        );
        let content = |n: usize| {
            let title = ["A", "B"][n];
            let entry = entries.iter().find(|e| e.entry.title == title).unwrap();
            entry.entry.summary.clone().unwrap()
        };
        assert!(
            content(0).contains("https://articles.example/2026/img/a.png"),
            "{}",
            content(0)
        );
        // No link of its own: the channel's, not the feed's host.
        assert!(
            content(1).contains("https://www.site.example/b.png"),
            "{}",
            content(1)
        );
    }

    /// Issue 17: the entry's picture from upstream media, else its first `<img>`.
    #[test]
    fn an_entrys_picture_comes_from_media_then_thumbnails_then_its_first_img() {
        let feed = rss(r#"<item><title>M</title><link>https://news.example/m</link>
            <media:content xmlns:media="http://search.yahoo.com/mrss/" url="https://img.example/m.jpg"
              type="image/jpeg" width="800" height="450"><media:description>Port at dawn</media:description></media:content></item>
            <item><title>I</title><link>https://news.example/i</link>
            <description>&lt;p&gt;Text &lt;img src="/i.webp" alt="A ferry" width="640" height="360"&gt;&lt;/p&gt;</description></item>
            <item><title>X</title><link>https://news.example/x</link>
            <description>&lt;img src="javascript:alert(1)"&gt;</description></item>"#)
        .replace("<rss version=\"2.0\">", "<rss version=\"2.0\" xmlns:media=\"http://search.yahoo.com/mrss/\">");
        let entries = normalize(&feed);
        let image = |title: &str| {
            entries
                .iter()
                .find(|e| e.entry.title == title)
                .unwrap()
                .entry
                .image
                .clone()
        };
        let media = image("M").unwrap();
        assert_eq!(media.url, "https://img.example/m.jpg");
        assert_eq!((media.width, media.height), (Some(800), Some(450)));
        assert_eq!(media.alt.as_deref(), Some("Port at dawn"));
        let img = image("I").unwrap();
        assert_eq!(img.url, "https://news.example/i.webp");
        assert_eq!(img.alt.as_deref(), Some("A ferry"));
        assert_eq!((img.width, img.height), (Some(640), Some(360)));
        assert_eq!(image("X"), None, "only http(s) pictures");
    }

    #[test]
    fn a_repeated_item_is_one_entry() {
        let item = "<item><title>T</title><guid isPermaLink=\"false\">x1</guid></item>";
        assert_eq!(normalize(&rss(&format!("{item}{item}"))).len(), 1);
    }

    #[test]
    fn missing_dates_are_first_seen_and_future_dates_are_clamped() {
        let entries = normalize(&rss(
            "<item><title>A</title><link>https://news.example/a</link></item>
             <item><title>B</title><link>https://news.example/b</link><pubDate>Sat, 01 Jan 2033 00:00:00 GMT</pubDate></item>",
        ));
        assert!(!entries[0].dated);
        assert_eq!(entries[0].entry.published, now());
        assert!(entries[1].dated);
        assert_eq!(entries[1].entry.published, now());
    }

    #[test]
    fn html_titles_become_text_and_content_is_sanitized_with_absolute_urls() {
        let entries = normalize(
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>F</title><id>urn:f</id><updated>2026-11-24T09:00:00Z</updated>
            <entry><id>tag:news.example,2026:1</id><title type="html">&lt;b&gt;Bold&lt;/b&gt; move</title>
            <updated>2026-11-24T09:00:00Z</updated><link href="https://news.example/s/1"/>
            <content type="html">&lt;p onclick="x()"&gt;Hi&lt;img src="/i.png"&gt;&lt;script&gt;bad()&lt;/script&gt;&lt;/p&gt;</content></entry></feed>"#,
        );
        let entry = &entries[0].entry;
        assert_eq!(entry.title, "Bold move");
        assert_eq!(entry.public_id, "tag:news.example,2026:1");
        let content = entry.content.as_deref().unwrap();
        assert!(
            content.contains(r#"src="https://news.example/i.png""#),
            "{content}"
        );
        assert!(!content.contains("script") && !content.contains("onclick"));
    }

    #[test]
    fn a_lone_surrogate_in_a_json_feed_is_refused_not_passed_on() {
        let body = r#"{"version":"https://jsonfeed.org/version/1.1","title":"x",
            "items":[{"id":"1","title":"bad \ud800 title","content_text":"x"}]}"#;
        // serde_json refuses unpaired surrogates: the feed is reported, nothing is stored.
        let error = normalize_feed(body.as_bytes(), None, &source(), now()).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("not a feed: unable to parse JSON"),
            "{error}"
        );
    }

    /// Regression: found by `fuzz/run.sh` (normalize_feed): an XML declaration with an
    /// encoding after the start (a second one, or the only one, late) made quick-xml panic
    /// inside feed-rs.
    #[test]
    fn a_late_xml_declaration_is_an_error_not_a_panic() {
        for body in [
            &include_bytes!("../../tests/fixtures/fuzz/fuzz-second-xml-declaration.xml")[..],
            &include_bytes!("../../tests/fixtures/fuzz/fuzz-late-xml-declaration.xml")[..],
        ] {
            let error = normalize_feed(body, None, &source(), now()).unwrap_err();
            assert_eq!(
                error.to_string(),
                "not a feed: an XML declaration stands in the middle of the document"
            );
        }
    }

    /// Regression: found by `fuzz/run.sh` (normalize_feed): feed-rs slices a contact such as
    /// `<webMaster>` at a byte that is not a character boundary and panics.
    #[test]
    fn a_feed_that_makes_the_parser_panic_is_an_error_not_a_crash() {
        let body = include_bytes!("../../tests/fixtures/fuzz/fuzz-multibyte-contact.xml");
        let error = normalize_feed(body, None, &source(), now()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "not a feed: the feed parser failed on this document"
        );
    }

    #[test]
    fn not_a_feed_is_a_clear_error() {
        let check = |body: &str, expected: &str| {
            let error = normalize_feed(body.as_bytes(), None, &source(), now()).unwrap_err();
            assert!(error.to_string().contains(expected), "{error}");
        };
        check("  ", "empty");
        check("<!DOCTYPE html><html><body>hi</body></html>", "HTML page");
        check(
            "<rss version=\"2.0\"><channel><title>x</title><item><title>cut",
            "not a feed",
        );
    }
}
