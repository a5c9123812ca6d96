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
/// Our newest articles beside every page.
const RECENT_POSTS: usize = 5;
/// Articles on an author's page (older ones are in the author's feed).
const AUTHOR_ARTICLES: usize = 50;

/// The body of any page of the site.
pub fn render_page(config: &Config, store: &Store, page: &SitePage) -> Result<Body, RenderError> {
    match page {
        SitePage::Home => home(config, store),
        SitePage::Region { slug, page } => region(config, store, slug, *page),
        SitePage::Article { slug } => article(config, store, slug),
        SitePage::Author { key } => author(config, store, key),
        SitePage::Source { slug } => source(config, store, slug),
        SitePage::Tag { slug } => tag(config, store, slug),
        SitePage::Story { id, page } => story(config, store, *id, *page),
        SitePage::Comments { format, page } => {
            feed_body(comments_feed(config, store, *format, *page)?, *format)
        }
        SitePage::ArticleComments { slug } => feed_body(
            article_comments_feed(config, store, slug)?,
            crate::model::Format::Atom,
        ),
    }
}

/// `/`: the site's newest articles, then the newest of each region.
pub fn home(config: &Config, store: &Store) -> Result<Body, RenderError> {
    let articles = store.articles(0, HOME_ARTICLES)?.entries;
    let mut regions = Vec::new();
    let mut stories = pages::StoryNotes::new();
    for region in &config.regions {
        let feed = FeedKey::Region(region.slug.clone());
        // Our articles are shown once, above; each region lists the rest of its news.
        let mut entries = store
            .page(&feed, 0, HOME_PER_REGION + HOME_ARTICLES)?
            .entries;
        entries.retain(|entry| entry.article.is_none());
        let mut entries = one_per_story(config, store, entries, &mut stories)?;
        entries.truncate(HOME_PER_REGION);
        regions.push((region, entries));
    }
    let newest = newest(articles.iter().chain(regions.iter().flat_map(|r| &r.1)));
    // No "Recent posts" here: "From our journalists" lists them, and each article is shown
    // once on the home page.
    Ok(html(
        pages::home_page(
            config,
            &comment_counts(store, &articles),
            &[],
            &articles,
            &regions,
            &stories,
        ),
        newest,
    ))
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
    let mut stories = pages::StoryNotes::new();
    let entries = one_per_story(config, store, found.entries, &mut stories)?;
    // No "Recent posts" on a region's page: it lists the region's news only, and an article
    // of another region must not appear on it.
    let counts = comment_counts(store, &entries);
    let markup = pages::region_page(
        config,
        &counts,
        region,
        &entries,
        &stories,
        page,
        found.has_more,
    );
    Ok(html(markup, newest))
}

/// `entries` with each story once, at its newest report on the list; a story of several
/// reports gets a note with its outlets.
fn one_per_story(
    config: &Config,
    store: &Store,
    entries: Vec<Entry>,
    notes: &mut pages::StoryNotes,
) -> Result<Vec<Entry>, RenderError> {
    let mut seen = std::collections::HashSet::new();
    let mut kept = Vec::with_capacity(entries.len());
    for entry in entries {
        if let Some(id) = store.story_of(entry.id)? {
            if !seen.insert(id) {
                continue;
            }
            if let Some(crate::store::StoryLookup::Found(story)) =
                store.story(id, pages::NOTE_REPORTS)?
                && story.reports > 1
            {
                notes.insert(
                    entry.id,
                    pages::StoryNote {
                        url: crate::urls::story_url(&config.site.base_url, id),
                        reports: story.reports,
                        outlets: pages::distinct_outlets(&story.entries),
                        more: story.reports > story.entries.len(),
                    },
                );
            }
        }
        kept.push(entry);
    }
    Ok(kept)
}

/// `/authors/{key}/`: the author, then their articles, newest first.
pub fn author(config: &Config, store: &Store, key: &str) -> Result<Body, RenderError> {
    let author = config.authors.get(key).ok_or(RenderError::NotFound)?;
    let feed = FeedKey::Author(key.to_string());
    let articles = store.page(&feed, 0, AUTHOR_ARTICLES)?.entries;
    let newest = newest(articles.iter());
    Ok(html(
        pages::author_page(
            config,
            &comment_counts(store, &articles),
            &recent_posts(store)?,
            key,
            author,
            &articles,
        ),
        newest,
    ))
}

/// `/sources/{slug}/`: the source's health line, then its newest entries (its held-back
/// backlog included: this is where a new source's older entries can be read).
pub fn source(config: &Config, store: &Store, slug: &str) -> Result<Body, RenderError> {
    let source = config.source_by_slug(slug).ok_or(RenderError::NotFound)?;
    // The next fetch as seen at the last one, not at the render: the bytes then change only
    // when the source's state does (a static export of an unchanged store is unchanged).
    let mut health = crate::status::source_health(store, source, Utc::now())?;
    if let Some(last_fetch) = health.last_fetch {
        health = crate::status::source_health(store, source, last_fetch)?;
    }
    let feed = FeedKey::Source {
        slug: slug.to_string(),
        id: source.id(),
    };
    let entries = store.page(&feed, 0, config.publish.page_size)?.entries;
    let newest = newest(entries.iter());
    Ok(html(
        pages::source_page(config, &recent_posts(store)?, source, &health, &entries),
        newest,
    ))
}

/// `/tags/{slug}/`: the newest entries of one tag; a tag without entries does not exist.
pub fn tag(config: &Config, store: &Store, slug: &str) -> Result<Body, RenderError> {
    let feed = FeedKey::Tag(slug.to_string());
    let entries = store.page(&feed, 0, config.publish.page_size)?.entries;
    if entries.is_empty() {
        return Err(RenderError::NotFound);
    }
    let newest = newest(entries.iter());
    Ok(html(pages::tag_page(config, slug, &entries), newest))
}

/// `/stories/{id}?page=N`: every outlet's report of one story, `page_size` at a time, our
/// coverage first, then the outlets in the order they reported it. A story merged into
/// another is not found here (its handler answers 301 first).
pub fn story(
    config: &Config,
    store: &Store,
    id: crate::model::StoryId,
    page: usize,
) -> Result<Body, RenderError> {
    let size = config.publish.page_size;
    let Some(reports) = store.story_reports(id, page_offset(page, size)?, size)? else {
        return Err(RenderError::NotFound);
    };
    if page > 1 && reports.story.entries.is_empty() {
        return Err(RenderError::PastEnd(page));
    }
    let recent = recent_posts(store)?;
    let modified = reports.story.updated;
    Ok(html(
        pages::story_page(config, &recent, &reports, page),
        modified,
    ))
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
    let recent = recent_posts(store)?;
    let comments = store.approved_comments(entry.id)?;
    let form = pages::CommentForm {
        token: crate::comments::form_token(&crate::comments::secret(store)?, slug, Utc::now()),
        ..pages::CommentForm::default()
    };
    // The page changes when a comment is approved: its newest comment dates it.
    let modified = comments
        .iter()
        .map(|comment| comment.published)
        .fold(entry.updated, DateTime::max);
    Ok(html(
        pages::article_page(config, &recent, &entry, &comments, &form),
        modified,
    ))
}

/// A comment feed's bytes as a cached body (dated now: comments carry no index dates).
fn feed_body(bytes: Option<Vec<u8>>, format: crate::model::Format) -> Result<Body, RenderError> {
    let bytes = bytes.ok_or(RenderError::NotFound)?;
    Ok(Body {
        bytes,
        last_modified: Utc::now(),
        content_type: format.content_type(),
        provisional: false,
    })
}

/// How many approved comments each of our articles among `entries` has.
fn comment_counts(store: &Store, entries: &[Entry]) -> pages::CommentCounts {
    entries
        .iter()
        .filter(|entry| entry.article.is_some())
        .map(|entry| (entry.id, store.comment_count(entry.id)))
        .collect()
}

/// The "Recent posts" of our journalists, on every page.
pub fn recent_posts(store: &Store) -> Result<Vec<Entry>, RenderError> {
    Ok(store.articles(0, RECENT_POSTS)?.entries)
}

fn html(markup: String, last_modified: DateTime<Utc>) -> Body {
    Body {
        bytes: markup.into_bytes(),
        last_modified,
        content_type: HTML,
        provisional: false,
    }
}

fn newest<'a>(entries: impl Iterator<Item = &'a Entry>) -> DateTime<Utc> {
    entries
        .map(|entry| entry.updated)
        .max()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

/// A comment as a feed entry: "NAME on TITLE", its text as HTML, linked to its place on the
/// article's page.
fn comment_entry(config: &Config, comment: &crate::store::Comment, title: &str) -> Entry {
    let link = format!(
        "{}articles/{}#comment-{}",
        config.site.base_url, comment.slug, comment.id
    );
    Entry {
        id: crate::model::EntryId::from_key(&format!("comment:{}", comment.id)),
        public_id: link.clone(),
        title: format!("{} on \u{201c}{title}\u{201d}", comment.author),
        link: Some(link),
        published: comment.published,
        updated: comment.published,
        authors: vec![comment.author.clone()],
        summary: None,
        content: Some(crate::comments::text_html(&comment.text)),
        categories: Vec::new(),
        enclosures: Vec::new(),
        sources: Vec::new(),
        regions: Vec::new(),
        article: None,
        held_back: false,
        language: None,
        image: None,
    }
}

/// `/feeds/comments.{rss,atom,json}?page=N`: approved comments of every article, newest
/// first; `None` past the last page.
pub fn comments_feed(
    config: &Config,
    store: &Store,
    format: crate::model::Format,
    page: usize,
) -> Result<Option<Vec<u8>>, crate::store::StoreError> {
    let size = config.publish.page_size;
    let offset = page.saturating_sub(1).saturating_mul(size);
    let mut comments = store.newest_comments(offset, size + 1)?;
    if page > 1 && comments.is_empty() {
        return Ok(None);
    }
    let has_more = comments.len() > size;
    comments.truncate(size);
    let mut entries = Vec::with_capacity(comments.len());
    for comment in &comments {
        let title = store
            .get(comment.article)?
            .map(|entry| entry.title)
            .unwrap_or_default();
        entries.push(comment_entry(config, comment, &title));
    }
    let feed = crate::render::FeedPage {
        site: &config.site,
        name: "comments",
        title: format!("{}: comments", config.site.title),
        description: "Readers' comments on our articles".to_string(),
        html_url: config.site.base_url.to_string(),
        page,
        has_more,
        next_after: None,
        entries: &entries,
        region_names: &std::collections::HashMap::new(),
        hub: None,
        address: None,
        story_links: None,
    };
    Ok(Some(format.render(&feed)))
}

/// `/articles/{slug}/comments.atom`: one article's approved comments, newest first; `None`
/// when there is no such article.
pub fn article_comments_feed(
    config: &Config,
    store: &Store,
    slug: &str,
) -> Result<Option<Vec<u8>>, crate::store::StoreError> {
    let Some(entry) = store.get(article_id(slug))?.filter(|e| e.article.is_some()) else {
        return Ok(None);
    };
    let mut comments = store.approved_comments(entry.id)?;
    comments.reverse();
    let entries: Vec<Entry> = comments
        .iter()
        .map(|comment| comment_entry(config, comment, &entry.title))
        .collect();
    let feed = crate::render::FeedPage {
        site: &config.site,
        name: "comments",
        title: format!("Comments on \u{201c}{}\u{201d}", entry.title),
        description: String::new(),
        html_url: crate::urls::permalink(&config.site.base_url, slug),
        page: 1,
        has_more: false,
        next_after: None,
        entries: &entries,
        region_names: &std::collections::HashMap::new(),
        hub: None,
        address: Some(crate::render::Address::ArticleComments(slug)),
        story_links: None,
    };
    Ok(Some(crate::model::Format::Atom.render(&feed)))
}
