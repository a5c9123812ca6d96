//! The plain data every stage shares: an [`Entry`], the names of feeds and their formats.
//!
//! normalize and the articles module produce entries, store keeps them, render writes them out.
//! No wire format (feed-rs, rss, atom_syndication, sled) appears here.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The stable identity of an entry: a UUID (v5) derived from its identity key, so the same
/// story always maps to the same 16 bytes, whichever source carries it and however often.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EntryId(pub uuid::Uuid);

impl EntryId {
    /// Derives the id from an identity key (see `normalize::identity_key`).
    pub fn from_key(key: &str) -> EntryId {
        EntryId(uuid::Uuid::new_v5(
            &uuid::Uuid::NAMESPACE_URL,
            key.as_bytes(),
        ))
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        self.0.as_bytes()
    }

    /// `urn:uuid:...`, a valid Atom id and RSS guid for entries without a URI of their own.
    pub fn urn(&self) -> String {
        format!("urn:uuid:{}", self.0)
    }
}

/// The identity of a story (issue 13): the id of the entry that started it, so minting is
/// deterministic and the id never changes as outlets join.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StoryId(pub uuid::Uuid);

impl StoryId {
    pub fn of_first(entry: EntryId) -> StoryId {
        StoryId(entry.0)
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        self.0.as_bytes()
    }

    /// 32 hex digits: the story's name in `/stories/{id}`.
    pub fn parse(text: &str) -> Option<StoryId> {
        if text.len() != 32
            || !text
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        {
            return None;
        }
        uuid::Uuid::try_parse(text).ok().map(StoryId)
    }
}

impl std::fmt::Display for StoryId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.simple())
    }
}

/// One story, from upstream or written here. HTML fields are already sanitized.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub id: EntryId,
    /// The id published in feeds: the upstream id when it is a URI, else [`EntryId::urn`].
    pub public_id: String,
    /// Plain text, never markup.
    pub title: String,
    pub link: Option<String>,
    /// The date the entry sorts by: upstream's published (or updated), else when first seen.
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub authors: Vec<String>,
    /// Sanitized HTML.
    pub summary: Option<String>,
    /// Sanitized HTML.
    pub content: Option<String>,
    pub categories: Vec<String>,
    pub enclosures: Vec<Enclosure>,
    /// Where the entry came from; an aggregated story seen in several feeds names them all.
    pub sources: Vec<Attribution>,
    /// Region slugs whose feeds carry this entry. Empty: the combined feed only. Stored, not
    /// derived from `sources`: an article has regions and no source, and a region's index keys
    /// must be computable from the entry alone when it is rewritten or removed.
    pub regions: Vec<String>,
    /// Set for the site's own articles; `None` for aggregated entries.
    #[serde(default)]
    pub article: Option<Article>,
    /// Part of a new source's backlog (issue 16's flood guard): stored and listed in its
    /// source's index, but not in the combined and region feeds. Once held back, always.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub held_back: bool,
    /// The language it is written in, when its source names one other than the site's (a
    /// BCP 47 tag such as `el`); `None`: the site's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The picture that goes with it (an http(s) URL), for thumbnails and feeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
}

/// An entry's picture: from upstream's media, an image enclosure, or its first `<img>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Image {
    pub url: String,
    /// The upstream's description of it, if any (pages fall back to the title).
    pub alt: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

/// What a local article has beyond an entry: its page and its author.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// The permalink is `{base_url}articles/{slug}`.
    pub slug: String,
    /// The key of the author in `[authors]`.
    pub author: String,
    /// The file in `[articles] dir` it was read from; `None` for a Micropub post.
    pub file: Option<String>,
    /// The Markdown it was written in, so it can be written back out as a file.
    #[serde(default)]
    pub markdown: String,
    /// The summary as written (plain text).
    #[serde(default)]
    pub summary: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Enclosure {
    pub url: String,
    pub media_type: Option<String>,
    pub length: Option<u64>,
}

/// A source's identity: its feed URL as configured in feeds.toml. Entries name their sources by
/// it, and the store keys each source's fetch state and entry index by it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SourceId(String);

impl SourceId {
    pub fn new(feed_url: &url::Url) -> SourceId {
        SourceId(feed_url.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for SourceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Attribution: the feed an entry was read from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attribution {
    /// The source's name in feeds.toml.
    pub name: String,
    /// The source's identity (the feed URL as configured).
    pub feed_url: SourceId,
    /// The source's own title and web page, from its feed.
    pub title: Option<String>,
    pub site_url: Option<String>,
    pub region: String,
}

impl Entry {
    /// The fields a reader sees; a change in any of them is an update.
    pub fn same_story_as(&self, other: &Entry) -> bool {
        self.title == other.title
            && self.link == other.link
            && self.summary == other.summary
            && self.content == other.content
            && self.authors == other.authors
            && self.categories == other.categories
            && self.enclosures == other.enclosures
            && self.image == other.image
            && self.article == other.article
    }
}

/// A published feed: the combined one, one region's, or one of our authors' articles.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FeedKey {
    All,
    Region(String),
    /// An author's articles, by the author's key in `[authors]`.
    Author(String),
    /// One source's entries (its backlog included), by its slug and identity.
    Source {
        slug: String,
        id: SourceId,
    },
    /// One tag's entries, by the tag's slug (`urls::tag_slug`).
    Tag(String),
    /// One item per story (issue 13): all of them, or one region's, by slug.
    Stories(Option<String>),
}

impl FeedKey {
    /// The name in URLs, under `feeds/`: `all`, the region slug, `author/{key}` or
    /// `source/{slug}`, `tag/{slug}`, `stories/{all|region}`.
    pub fn name(&self) -> String {
        match self {
            FeedKey::All => "all".to_string(),
            FeedKey::Region(slug) => slug.clone(),
            FeedKey::Author(key) => format!("author/{key}"),
            FeedKey::Source { slug, .. } => format!("source/{slug}"),
            FeedKey::Tag(slug) => format!("tag/{slug}"),
            FeedKey::Stories(None) => "stories/all".to_string(),
            FeedKey::Stories(Some(slug)) => format!("stories/{slug}"),
        }
    }
}

/// The three formats every feed is published in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Rss,
    Atom,
    Json,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Rss, Format::Atom, Format::Json];

    pub fn from_extension(extension: &str) -> Option<Format> {
        match extension {
            "rss" => Some(Format::Rss),
            "atom" => Some(Format::Atom),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Rss => "rss",
            Format::Atom => "atom",
            Format::Json => "json",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Json => "application/feed+json; charset=utf-8",
        }
    }
}
