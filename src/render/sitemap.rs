//! `/sitemap.xml` (our pages: home, regions, authors, articles), `/sitemap-news.xml` (our
//! articles of the last two days, in Google's news sitemap format) and `/robots.txt`, which
//! names both. Aggregated entries are other sites' pages: they are in neither.

use chrono::{DateTime, Duration, Utc};
use quick_xml::escape::escape;

use crate::config::Config;
use crate::model::Entry;
use crate::urls::SitePage;

/// How far back the news sitemap reaches (the format's own limit).
const NEWS_WINDOW: Duration = Duration::days(2);

/// The sitemap of our pages; `articles` are the site's own, newest first.
pub fn sitemap(config: &Config, articles: &[Entry]) -> String {
    let base = config.site.base_url.as_str();
    let newest = articles.iter().map(|entry| entry.updated).max();
    let mut pages: Vec<(SitePage, Option<DateTime<Utc>>)> = vec![(SitePage::Home, newest)];
    pages.extend(config.regions.iter().map(|region| {
        let page = SitePage::Region {
            slug: region.slug.clone(),
            page: 1,
        };
        (page, None)
    }));
    pages.extend(
        config
            .authors
            .keys()
            .map(|key| (SitePage::Author { key: key.clone() }, None)),
    );
    for entry in articles {
        if let Some(article) = &entry.article {
            let page = SitePage::Article {
                slug: article.slug.clone(),
            };
            pages.push((page, Some(entry.updated)));
        }
    }
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (page, modified) in pages {
        let url = format!("{base}{}", page.path().trim_start_matches('/'));
        xml.push_str(&format!("  <url><loc>{}</loc>", escape(&url)));
        if let Some(modified) = modified {
            xml.push_str(&format!("<lastmod>{}</lastmod>", w3c_date(modified)));
        }
        xml.push_str("</url>\n");
    }
    xml.push_str("</urlset>\n");
    xml
}

/// The news sitemap: our articles published in the last two days.
pub fn news_sitemap(config: &Config, articles: &[Entry], now: DateTime<Utc>) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" \
         xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">\n",
    );
    for entry in articles {
        let Some(link) = entry.link.as_deref() else {
            continue;
        };
        if entry.article.is_none() || entry.published < now - NEWS_WINDOW {
            continue;
        }
        xml.push_str(&format!(
            "  <url><loc>{}</loc><news:news><news:publication><news:name>{}</news:name>\
             <news:language>{}</news:language></news:publication>\
             <news:publication_date>{}</news:publication_date><news:title>{}</news:title>\
             </news:news></url>\n",
            escape(link),
            escape(&config.site.title),
            escape(entry.language.as_deref().unwrap_or(&config.site.language)),
            w3c_date(entry.published),
            escape(&entry.title),
        ));
    }
    xml.push_str("</urlset>\n");
    xml
}

/// `robots.txt`: everything may be crawled; here are the sitemaps.
pub fn robots(config: &Config) -> String {
    let base = &config.site.base_url;
    format!(
        "User-agent: *\nAllow: /\nSitemap: {base}sitemap.xml\nSitemap: {base}sitemap-news.xml\n"
    )
}

fn w3c_date(date: DateTime<Utc>) -> String {
    date.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
