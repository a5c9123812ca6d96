//! OPML 2.0: the sources as an outline grouped by region (export), and an outline's feeds added
//! to a region of feeds.toml (import) without losing the file's comments or layout.
//!
//! quick-xml reads and writes the XML (no DTDs, no entity expansion); toml_edit edits the config
//! in place, so an operator's comments survive an import.

use std::collections::{HashMap, HashSet};

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use crate::config::Config;
use crate::store::{Store, StoreError};

/// One feed of an outline.
#[derive(Debug, Clone, PartialEq)]
pub struct OpmlFeed {
    pub title: String,
    pub xml_url: String,
    pub html_url: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum OpmlError {
    #[error("not an OPML outline: {0}")]
    Xml(String),
    #[error("{path}: {message}")]
    Config { path: String, message: String },
}

/// Every source as OPML 2.0, one outline per region. `site_urls` maps a feed URL to its web
/// page, when the feed named one.
pub fn render_opml(config: &Config, site_urls: &HashMap<String, String>) -> String {
    let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
    let written: std::io::Result<()> = (|| {
        writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        writer
            .create_element("opml")
            .with_attribute(("version", "2.0"))
            .write_inner_content(|writer| {
                writer
                    .create_element("head")
                    .write_inner_content(|writer| {
                        writer
                            .create_element("title")
                            .write_text_content(BytesText::new(&config.site.title))?;
                        Ok(())
                    })?;
                writer
                    .create_element("body")
                    .write_inner_content(|writer| {
                        for region in &config.regions {
                            writer
                                .create_element("outline")
                                .with_attributes([
                                    ("text", region.name.as_str()),
                                    ("title", region.name.as_str()),
                                ])
                                .write_inner_content(|writer| {
                                    for source in &region.sources {
                                        let url = source.url.as_str();
                                        let mut attributes = vec![
                                            ("type", "rss"),
                                            ("text", source.name.as_str()),
                                            ("title", source.name.as_str()),
                                            ("xmlUrl", url),
                                        ];
                                        if let Some(html_url) = site_urls.get(url) {
                                            attributes.push(("htmlUrl", html_url.as_str()));
                                        }
                                        writer
                                            .create_element("outline")
                                            .with_attributes(attributes)
                                            .write_empty()?;
                                    }
                                    Ok(())
                                })?;
                        }
                        Ok(())
                    })?;
                Ok(())
            })?;
        Ok(())
    })();
    written.expect("writing to memory cannot fail");
    String::from_utf8(writer.into_inner()).expect("quick-xml writes UTF-8")
}

/// Feed URL -> the web page its feed names, from the sources' stored state. Blocking.
pub fn site_urls(config: &Config, store: &Store) -> Result<HashMap<String, String>, StoreError> {
    let mut urls = HashMap::new();
    for source in config.sources() {
        if let Some(site_url) = store.source_state(&source.id())?.site_url {
            urls.insert(source.url.to_string(), site_url);
        }
    }
    Ok(urls)
}

/// Every outline with an `xmlUrl`, at any depth.
pub fn parse_opml(text: &str) -> Result<Vec<OpmlFeed>, OpmlError> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut feeds = Vec::new();
    let mut saw_opml = false;
    loop {
        let event = reader.read_event().map_err(|error| {
            OpmlError::Xml(format!("at byte {}: {error}", reader.buffer_position()))
        })?;
        match event {
            Event::Start(element) | Event::Empty(element) => match element.name().as_ref() {
                "opml" => saw_opml = true,
                "outline" => {
                    let mut attributes = HashMap::new();
                    for attribute in element.attributes() {
                        let attribute =
                            attribute.map_err(|error| OpmlError::Xml(error.to_string()))?;
                        let value = attribute
                            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .map_err(|error| OpmlError::Xml(error.to_string()))?;
                        attributes.insert(attribute.key.as_ref().to_string(), value.into_owned());
                    }
                    if let Some(xml_url) = attributes.remove("xmlUrl") {
                        let title = attributes
                            .remove("title")
                            .or_else(|| attributes.remove("text"))
                            .unwrap_or_else(|| xml_url.clone());
                        feeds.push(OpmlFeed {
                            title,
                            xml_url,
                            html_url: attributes.remove("htmlUrl"),
                        });
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_opml {
        return Err(OpmlError::Xml("no <opml> element".to_string()));
    }
    Ok(feeds)
}

/// Adds `feeds` as sources of region `slug` in the config text; returns the new text and how
/// many were added (feeds already listed anywhere are skipped).
pub fn import_into_config(
    config_text: &str,
    path: &str,
    slug: &str,
    feeds: &[OpmlFeed],
) -> Result<(String, usize), OpmlError> {
    let error = |message: String| OpmlError::Config {
        path: path.to_string(),
        message,
    };
    let mut document: toml_edit::DocumentMut = config_text
        .parse()
        .map_err(|e: toml_edit::TomlError| error(e.to_string()))?;
    let regions = document
        .get_mut("region")
        .and_then(|item| item.as_array_of_tables_mut())
        .ok_or_else(|| error("has no [[region]]".to_string()))?;
    let known: HashSet<String> = regions
        .iter()
        .flat_map(|region| {
            region
                .get("source")
                .and_then(|s| s.as_array_of_tables())
                .into_iter()
                .flat_map(|sources| sources.iter())
        })
        .filter_map(|source| {
            source
                .get("url")
                .and_then(|u| u.as_str())
                .map(str::to_string)
        })
        .collect();
    let region = regions
        .iter_mut()
        .find(|region| region.get("slug").and_then(|s| s.as_str()) == Some(slug))
        .ok_or_else(|| error(format!("has no region with slug {slug:?}")))?;
    if region.get("source").is_none() {
        region.insert("source", toml_edit::Item::ArrayOfTables(Default::default()));
    }
    let sources = region
        .get_mut("source")
        .and_then(|item| item.as_array_of_tables_mut())
        .ok_or_else(|| error(format!("region {slug:?}: `source` is not a list of tables")))?;
    let mut added = 0;
    let mut seen = known;
    for feed in feeds {
        if !seen.insert(feed.xml_url.clone()) {
            continue;
        }
        let mut table = toml_edit::Table::new();
        table.insert("name", toml_edit::value(feed.title.as_str()));
        table.insert("url", toml_edit::value(feed.xml_url.as_str()));
        sources.push(table);
        added += 1;
    }
    Ok((document.to_string(), added))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const CONFIG: &str = r#"# the operator's comment
[site]
title = "Islands & friends"
base_url = "http://127.0.0.1:8080/"
[server]
listen = "127.0.0.1:8080"
[store]
path = "store"
[schedule]
refresh = "0 */15 * * * *"

[[region]]
slug = "ireland"   # green
name = "Ireland"

[[region.source]]
name = "RTE <News>"
url = "https://www.rte.ie/feeds/rss/?index=/news/&x=1"

[[region]]
slug = "cyprus"
name = "Cyprus"
"#;

    #[test]
    fn export_then_import_round_trips_and_keeps_comments() {
        let config = Config::from_toml(Path::new("feeds.toml"), CONFIG).unwrap();
        let opml = render_opml(&config, &HashMap::new());
        let feeds = parse_opml(&opml).unwrap();
        assert_eq!(
            feeds,
            [OpmlFeed {
                title: "RTE <News>".into(),
                xml_url: "https://www.rte.ie/feeds/rss/?index=/news/&x=1".into(),
                html_url: None,
            }]
        );
        let more = [
            feeds[0].clone(),
            OpmlFeed {
                title: "Cyprus Mail".into(),
                xml_url: "https://cyprus-mail.com/feed/".into(),
                html_url: None,
            },
        ];
        let (text, added) = import_into_config(CONFIG, "feeds.toml", "cyprus", &more).unwrap();
        assert_eq!(added, 1, "a feed already listed is skipped");
        assert!(text.contains("# the operator's comment"));
        assert!(text.contains("slug = \"ireland\"   # green"));
        let config = Config::from_toml(Path::new("feeds.toml"), &text).unwrap();
        let cyprus = config.region("cyprus").unwrap();
        assert_eq!(
            cyprus.sources[0].url.as_str(),
            "https://cyprus-mail.com/feed/"
        );
    }

    #[test]
    fn not_opml_is_an_error() {
        assert!(parse_opml("<rss></rss>").is_err());
        assert!(import_into_config(CONFIG, "f", "mars", &[]).is_err());
    }
}
