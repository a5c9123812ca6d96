//! Stories as feed items (issue 13): one item per story, its link the story's page, its title
//! the first outlet's headline, its content the first outlets' headlines and links.

use std::collections::HashMap;

use crate::config::Config;
use crate::model::{Entry, EntryId};
use crate::normalize::html::text_to_html;
use crate::render::StoryLinks;
use crate::store::{Store, StoreError, Story};

/// The reports a story's item lists; the rest are counted, with a link to the story's page.
/// A feed item is read in a reader's list: where headlines chain into a story of thousands of
/// reports, listing them all made one page of a stories feed weigh 4 MB (issue 18).
pub const ITEM_REPORTS: usize = 10;

/// The item of a stories feed for `story`, and its outlets' links (the first outlet's first).
/// Lists the reports `story` was loaded with, at most [`ITEM_REPORTS`].
pub fn story_item(config: &Config, story: &Story) -> (Entry, Vec<String>) {
    let base = &config.site.base_url;
    let url = crate::urls::story_url(base, story.id);
    let first = story.entries.first();
    let mut list = String::from("<ul>");
    let mut related = Vec::new();
    let listed = &story.entries[..story.entries.len().min(ITEM_REPORTS)];
    for entry in listed {
        let outlet = outlet(entry);
        let href = entry
            .link
            .clone()
            .or_else(|| {
                (entry.article.as_ref()).map(|article| crate::urls::permalink(base, &article.slug))
            })
            .unwrap_or_else(|| url.clone());
        list.push_str(&format!(
            "<li><a href=\"{}\">{}</a> · {}</li>",
            text_to_html(&href),
            text_to_html(&entry.title),
            text_to_html(&outlet)
        ));
        related.push(href);
    }
    let more = story.reports.saturating_sub(listed.len());
    if more > 0 {
        let reports = if more == 1 { "report" } else { "reports" };
        list.push_str(&format!(
            "<li><a href=\"{}\">{more} more {reports}</a></li>",
            text_to_html(&url)
        ));
    }
    list.push_str("</ul>");
    let item = Entry {
        id: EntryId(story.id.0),
        public_id: url.clone(),
        title: first.map(|e| e.title.clone()).unwrap_or_default(),
        link: Some(url),
        published: story.first_seen,
        updated: story.updated,
        authors: Vec::new(),
        summary: Some(list),
        content: None,
        categories: Vec::new(),
        enclosures: Vec::new(),
        sources: first.map(|e| e.sources.clone()).unwrap_or_default(),
        regions: story.regions.clone(),
        article: None,
        held_back: false,
        language: first.and_then(|e| e.language.clone()),
        image: story.entries.iter().find_map(|e| e.image.clone()),
    };
    (item, related)
}

/// Who reported an entry: its first source's name, or the site's title for our own.
pub fn outlet(entry: &Entry) -> String {
    match (&entry.article, entry.sources.first()) {
        (Some(_), _) | (None, None) => "Our coverage".to_string(),
        (None, Some(source)) => source.name.clone(),
    }
}

/// The story pages of `entries`, for JSON Feed's `_islands.story`.
pub fn story_links(
    config: &Config,
    store: &Store,
    entries: &[Entry],
) -> Result<StoryLinks, StoreError> {
    let mut story = HashMap::with_capacity(entries.len());
    for entry in entries {
        if let Some(id) = store.story_of(entry.id)? {
            story.insert(entry.id, crate::urls::story_url(&config.site.base_url, id));
        }
    }
    Ok(StoryLinks {
        story,
        related: HashMap::new(),
    })
}
