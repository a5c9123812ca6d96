//! The site's pages as bodies for the render cache: the store reads each page needs, then its
//! template. Shared by the HTTP handlers and the static export, so both serve the same bytes.

use chrono::{DateTime, Utc};

use super::cache::{Body, RenderError, page_offset};
use super::pages;
use crate::articles::article_id;
use crate::config::Config;
use crate::model::{Entry, FeedKey};
use crate::store::Store;
use crate::urls::SitePage;

const HTML: &str = "text/html; charset=utf-8";
/// Entries per region on the front page.
const HOME_PER_REGION: usize = 10;
const HOME_ARTICLES: usize = 5;

/// The body of any page of the site.
pub fn render_page(config: &Config, store: &Store, page: &SitePage) -> Result<Body, RenderError> {
    match page {
        SitePage::Home => home(config, store),
        SitePage::Region { slug, page } => region(config, store, slug, *page),
        SitePage::Article { slug } => article(config, store, slug),
    }
}

/// `/`: the site's newest articles, then the newest of each region.
pub fn home(config: &Config, store: &Store) -> Result<Body, RenderError> {
    let articles = store.articles(0, HOME_ARTICLES)?.entries;
    let mut regions = Vec::new();
    for region in &config.regions {
        let feed = FeedKey::Region(region.slug.clone());
        regions.push((region, store.page(&feed, 0, HOME_PER_REGION)?.entries));
    }
    let newest = newest(articles.iter().chain(regions.iter().flat_map(|r| &r.1)));
    Ok(html(pages::home_page(config, &articles, &regions), newest))
}

/// `/{region}/?page=N`.
pub fn region(
    config: &Config,
    store: &Store,
    slug: &str,
    page: usize,
) -> Result<Body, RenderError> {
    let region = config.region(slug).ok_or(RenderError::NotFound)?;
    let size = config.publish.page_size;
    let feed = FeedKey::Region(slug.to_string());
    let found = store.page(&feed, page_offset(page, size)?, size)?;
    if page > 1 && found.entries.is_empty() {
        return Err(RenderError::PastEnd(page));
    }
    let newest = newest(found.entries.iter());
    let markup = pages::region_page(config, region, &found.entries, page, found.has_more);
    Ok(html(markup, newest))
}

/// `/articles/{slug}`.
pub fn article(config: &Config, store: &Store, slug: &str) -> Result<Body, RenderError> {
    let Some(entry) = store
        .get(article_id(slug))?
        .filter(|entry| entry.article.is_some())
    else {
        return match store.deleted_article(article_id(slug))? {
            Some(_) => Err(RenderError::Gone),
            None => Err(RenderError::NotFound),
        };
    };
    Ok(html(pages::article_page(config, &entry), entry.updated))
}

fn html(markup: String, last_modified: DateTime<Utc>) -> Body {
    Body {
        bytes: markup.into_bytes(),
        last_modified,
        content_type: HTML,
    }
}

fn newest<'a>(entries: impl Iterator<Item = &'a Entry>) -> DateTime<Utc> {
    entries
        .map(|entry| entry.updated)
        .max()
        .unwrap_or(DateTime::UNIX_EPOCH)
}
