//! Local articles: Markdown files with TOML front matter -> [`Entry`] values.
//!
//! `parse_article` is pure (text in, entry out); `sync` mirrors the folder into the store and
//! `watch` re-syncs it when a file changes. A broken file is reported by name and line and
//! changes nothing in the store: the last good version of that article stays published.
//!
//! The trap: pulldown-cmark passes raw HTML through (a `<script>` in Markdown survives), so its
//! output goes through the same sanitizer as upstream HTML.

pub mod micropub;
mod sync;

pub use sync::{ArticleIssue, resync, sync_articles, watch_articles};

use chrono::{DateTime, Timelike, Utc};
use serde::Deserialize;
use toml::Spanned;

use crate::config::Config;
use crate::model::{Article, Entry, EntryId};
use crate::normalize::date::parse_date;
use crate::normalize::html::{Sanitizer, text_to_html};

/// A mistake in an article file: the file, the line and column when known, and what is wrong.
pub type ArticleError = crate::located::LocatedError;

/// A parsed article: its entry, or `None` when it is a draft (not published).
#[derive(Debug)]
pub struct ParsedArticle {
    pub slug: String,
    pub entry: Option<Entry>,
}

/// The slug of a file: its name without `.md` and without a leading `YYYY-MM-DD-`.
pub fn slug_of(file_name: &str) -> String {
    let stem = file_name.strip_suffix(".md").unwrap_or(file_name);
    let bytes = stem.as_bytes();
    let dated = bytes.len() > 11
        && bytes[..10].iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
        && bytes[10] == b'-';
    cap_slug(if dated { &stem[11..] } else { stem })
}

/// The longest slug: a permalink and a mirror file name must stay well under the 255 bytes a
/// file name may have (issue 11: a 5,000-character slug stopped the mirror for good).
pub const MAX_SLUG_CHARS: usize = 100;

/// `slug`, cut to [`MAX_SLUG_CHARS`] at the last word boundary that fits.
fn cap_slug(slug: &str) -> String {
    let Some((cut, _)) = slug.char_indices().nth(MAX_SLUG_CHARS) else {
        return slug.to_string();
    };
    let head = &slug[..cut];
    let head = match head.rfind('-') {
        Some(boundary) if boundary > 0 => &head[..boundary],
        _ => head,
    };
    head.trim_end_matches('-').to_string()
}

/// The id of the article with this slug: derived from the slug alone, so edits keep it.
pub fn article_id(slug: &str) -> EntryId {
    EntryId::from_key(&format!("article:{slug}"))
}

/// Every article file's mistakes, for `islands check`. Blocking (reads the folder).
pub fn check_articles(config: &Config) -> Vec<String> {
    let folder = &config.articles_dir;
    let Ok(items) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut names: Vec<String> = items
        .flatten()
        .map(|item| item.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md") && !name.starts_with('.'))
        .collect();
    names.sort();
    let mut errors = Vec::new();
    for name in names {
        let path = folder.join(&name);
        let shown = path.display().to_string();
        match read_article_file(&path) {
            Ok(text) => {
                if let Err(mut error) = parse_article(&name, &text, config) {
                    error.file = path.clone();
                    errors.push(error.to_string());
                }
            }
            Err(error) => errors.push(format!("{shown}: {error}")),
        }
    }
    errors
}

/// The largest article file, as for a Micropub body: articles are text, and a 50 MB file once
/// added 240 MB to every feed that carried it (issue 11).
pub const MAX_ARTICLE_BYTES: u64 = 1024 * 1024;

/// An article file's text, refused past [`MAX_ARTICLE_BYTES`] without reading it all. The error
/// says what is wrong, for `FILE: ERROR`.
pub fn read_article_file(path: &std::path::Path) -> Result<String, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|error| format!("cannot read: {error}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_ARTICLE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| format!("cannot read: {error}"))?;
    if bytes.len() as u64 > MAX_ARTICLE_BYTES {
        return Err(format!(
            "the file is larger than {} KiB, the most an article may be",
            MAX_ARTICLE_BYTES / 1024
        ));
    }
    String::from_utf8(bytes).map_err(|_| "cannot read: the file is not UTF-8 text".to_string())
}

/// Parses one article file against the config (authors, regions, base URL).
pub fn parse_article(
    file_name: &str,
    text: &str,
    config: &Config,
) -> Result<ParsedArticle, ArticleError> {
    let error = |position: Option<(usize, usize)>, message: String| ArticleError {
        file: file_name.into(),
        position,
        message,
    };
    let slug = slug_of(file_name);
    if slug.is_empty()
        || !slug
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    {
        return Err(error(
            None,
            format!("the file name gives the slug {slug:?}; use letters, digits and dashes"),
        ));
    }
    let (front, front_line, body) = split_front_matter(text).ok_or_else(|| {
        error(
            Some((1, 1)),
            "the file must start with front matter between `+++` lines".to_string(),
        )
    })?;
    let line_at = |offset: usize| {
        let before = &front[..offset.min(front.len())];
        let line = front_line + before.matches('\n').count();
        let column = before.rsplit('\n').next().map_or(0, |s| s.chars().count()) + 1;
        (line, column)
    };
    let raw: FrontMatter = toml::from_str(front).map_err(|e| {
        error(
            e.span().map(|span| line_at(span.start)),
            format!("front matter: {}", e.message().trim_end()),
        )
    })?;

    let author_key = raw.author.get_ref();
    if !config.authors.contains_key(author_key) {
        let known: Vec<&str> = config.authors.keys().map(String::as_str).collect();
        return Err(error(
            Some(line_at(raw.author.span().start)),
            format!(
                "unknown author {author_key:?} (known: {})",
                known.join(", ")
            ),
        ));
    }
    let mut regions = Vec::new();
    for region in raw.regions.unwrap_or_default() {
        if config.region(region.get_ref()).is_none() {
            return Err(error(
                Some(line_at(region.span().start)),
                format!("unknown region {:?}", region.get_ref()),
            ));
        }
        regions.push(region.into_inner());
    }
    let date = |value: &Spanned<toml::value::Datetime>, key: &str| {
        parse_date(&value.get_ref().to_string()).ok_or_else(|| {
            error(
                Some(line_at(value.span().start)),
                format!("{key} is not a date and time (expected e.g. 2026-11-24T09:00:00Z)"),
            )
        })
    };
    let published: DateTime<Utc> = date(&raw.published, "published")?;
    let updated = match &raw.updated {
        Some(updated) => date(updated, "updated")?.max(published),
        None => published,
    };
    if raw.draft {
        return Ok(ParsedArticle { slug, entry: None });
    }
    let text = ArticleText {
        title: raw.title.trim().to_string(),
        author: author_key.clone(),
        regions,
        published,
        updated,
        summary: raw.summary,
        tags: raw.tags,
        markdown: body.to_string(),
    };
    let entry = text.to_entry(config, &slug, Some(file_name.to_string()));
    Ok(ParsedArticle {
        slug,
        entry: Some(entry),
    })
}

/// An article as its writer gave it, from a file or a Micropub post.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleText {
    pub title: String,
    /// The key of the author in `[authors]`.
    pub author: String,
    pub regions: Vec<String>,
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    /// Plain text.
    pub summary: Option<String>,
    pub tags: Vec<String>,
    pub markdown: String,
}

impl ArticleText {
    /// The entry published for this article; its id comes from the slug alone. The author
    /// must be one of the config's (callers check).
    pub fn to_entry(&self, config: &Config, slug: &str, file: Option<String>) -> Entry {
        let permalink = crate::urls::permalink(&config.site.base_url, slug);
        let author_name = config
            .authors
            .get(&self.author)
            .map_or_else(|| self.author.clone(), |author| author.name.clone());
        let id = article_id(slug);
        Entry {
            id,
            public_id: id.urn(),
            title: self.title.clone(),
            content: Some(render_markdown(&self.markdown, &permalink)),
            link: Some(permalink),
            published: self.published,
            updated: self.updated.max(self.published),
            authors: vec![author_name],
            summary: self.summary.as_deref().map(text_to_html),
            categories: self.tags.clone(),
            enclosures: Vec::new(),
            sources: Vec::new(),
            regions: self.regions.clone(),
            article: Some(Article {
                slug: slug.to_string(),
                author: self.author.clone(),
                file,
                markdown: self.markdown.clone(),
                summary: self.summary.clone(),
            }),
            held_back: false,
            language: None,
            image: None,
        }
    }

    /// The article back from its entry (for `islands article export` and Micropub updates).
    pub fn from_entry(entry: &Entry) -> Option<ArticleText> {
        let article = entry.article.as_ref()?;
        Some(ArticleText {
            title: entry.title.clone(),
            author: article.author.clone(),
            regions: entry.regions.clone(),
            published: entry.published,
            updated: entry.updated,
            summary: article.summary.clone(),
            tags: entry.categories.clone(),
            markdown: article.markdown.clone(),
        })
    }

    /// The article as a file: TOML front matter between `+++` lines, then the Markdown.
    pub fn to_file_text(&self) -> String {
        let mut front = toml::Table::new();
        front.insert("title".into(), self.title.clone().into());
        front.insert("author".into(), self.author.clone().into());
        front.insert("regions".into(), toml_array(&self.regions));
        front.insert("published".into(), toml_datetime(self.published));
        if self.updated > self.published {
            front.insert("updated".into(), toml_datetime(self.updated));
        }
        if let Some(summary) = &self.summary {
            front.insert("summary".into(), summary.clone().into());
        }
        front.insert("tags".into(), toml_array(&self.tags));
        front.insert("draft".into(), false.into());
        // The Markdown as written, to the byte: writing out and reading back is the identity.
        format!("+++\n{front}+++\n{}", self.markdown)
    }
}

fn toml_array(values: &[String]) -> toml::Value {
    toml::Value::Array(values.iter().cloned().map(toml::Value::from).collect())
}

fn toml_datetime(date: DateTime<Utc>) -> toml::Value {
    let text = date.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    toml::Value::Datetime(text.parse().expect("an RFC 3339 date is a TOML datetime"))
}

/// Markdown -> sanitized HTML, relative URLs made absolute against the permalink.
pub fn render_markdown(markdown: &str, permalink: &str) -> String {
    let base = url::Url::parse(permalink).ok();
    let mut html = String::new();
    pulldown_cmark::html::push_html(
        &mut html,
        pulldown_cmark::Parser::new_ext(markdown, pulldown_cmark::Options::ENABLE_TABLES),
    );
    Sanitizer::new().clean(&html, base.as_ref())
}

/// The text of a new article file with correct front matter.
pub fn new_article_text(
    title: &str,
    author: &str,
    regions: &[String],
    now: DateTime<Utc>,
) -> String {
    let now = now.with_nanosecond(0).unwrap_or(now);
    ArticleText {
        title: title.to_string(),
        author: author.to_string(),
        regions: regions.to_vec(),
        published: now,
        updated: now,
        summary: None,
        tags: Vec::new(),
        markdown: "Write the article here, in Markdown.\n".to_string(),
    }
    .to_file_text()
}

/// A file name for a new article: `YYYY-MM-DD-slug.md`, the slug made from the title.
pub fn new_article_file_name(title: &str, now: DateTime<Utc>) -> String {
    format!("{}-{}.md", now.format("%Y-%m-%d"), slugify(title))
}

/// A URL slug from a title: lowercase ASCII letters and digits joined by dashes.
pub fn slugify(title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = cap_slug(slug.trim_end_matches('-'));
    if slug.is_empty() {
        "article".to_string()
    } else {
        slug
    }
}

/// Splits `+++\n front \n+++\n body`; returns the front matter, the line its first line is on,
/// and the body.
fn split_front_matter(text: &str) -> Option<(&str, usize, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("+++\n")
        .or_else(|| text.strip_prefix("+++\r\n"))?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "+++" {
            return Some((&rest[..offset], 2, &rest[offset + line.len()..]));
        }
        offset += line.len();
    }
    None
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    title: String,
    author: Spanned<String>,
    regions: Option<Vec<Spanned<String>>>,
    published: Spanned<toml::value::Datetime>,
    updated: Option<Spanned<toml::value::Datetime>>,
    summary: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    draft: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn config() -> Config {
        Config::from_toml(
            Path::new("feeds.toml"),
            r#"
[site]
title = "T"
base_url = "http://islands.example/"
[server]
listen = "127.0.0.1:0"
[store]
path = "store"
[schedule]
refresh = "0 */15 * * * *"
[authors.grace-kennedy]
name = "Grace Kennedy"
bio = "Journalist."
[[region]]
slug = "ireland"
name = "Ireland"
"#,
        )
        .unwrap()
    }

    const GOOD: &str = "+++\ntitle = \"IS Terror group no longer active on the internet\"\nauthor = \"grace-kennedy\"\nregions = [\"ireland\"]\npublished = 2026-11-24T09:00:00Z\ntags = [\"europe\"]\n+++\nHello *world* <script>alert(1)</script>\n";

    fn check_error(text: &str, expected: &str) {
        let error = parse_article("2026-11-24-x.md", text, &config()).unwrap_err();
        assert_eq!(error.to_string(), expected);
    }

    #[test]
    fn a_good_file_becomes_a_sanitized_entry_with_a_permalink() {
        let parsed = parse_article("2026-11-24-is-terror.md", GOOD, &config()).unwrap();
        assert_eq!(parsed.slug, "is-terror");
        let entry = parsed.entry.unwrap();
        assert_eq!(
            entry.link.as_deref(),
            Some("http://islands.example/articles/is-terror")
        );
        assert_eq!(entry.authors, ["Grace Kennedy"]);
        assert_eq!(entry.regions, ["ireland"]);
        let content = entry.content.unwrap();
        assert!(content.contains("<em>world</em>"), "{content}");
        assert!(!content.contains("script"), "{content}");
    }

    /// Regression (issue 11, 5): a 5,000-character slug made every mirror pass fail.
    #[test]
    fn slugs_are_cut_at_a_word_boundary_to_a_hundred_characters() {
        let long_title = "harbour ".repeat(700);
        let slug = slugify(&long_title);
        assert!(slug.len() <= MAX_SLUG_CHARS, "{}", slug.len());
        assert!(slug.starts_with("harbour-harbour") && slug.ends_with("harbour"));
        let unbroken = slugify(&"x".repeat(5000));
        assert_eq!(unbroken.len(), MAX_SLUG_CHARS);
        let file = format!("2026-11-24-{}.md", "sea-".repeat(60));
        let slug = slug_of(&file);
        assert!(
            slug.len() <= MAX_SLUG_CHARS && slug.ends_with("sea"),
            "{slug}"
        );
        assert_eq!(slugify("Short title"), "short-title");
    }

    #[test]
    fn an_edit_keeps_the_id() {
        let edited = GOOD.replace("IS Terror group", "The IS Terror group");
        let first = parse_article("2026-11-24-x.md", GOOD, &config()).unwrap();
        let second = parse_article("2026-11-24-x.md", &edited, &config()).unwrap();
        assert_eq!(first.entry.unwrap().id, second.entry.unwrap().id);
    }

    #[test]
    fn mistakes_are_reported_with_file_and_line() {
        check_error(
            &GOOD.replace("grace-kennedy", "nobody"),
            "2026-11-24-x.md:3:10: unknown author \"nobody\" (known: grace-kennedy)",
        );
        check_error(
            &GOOD.replace("[\"ireland\"]", "[\"mars\"]"),
            "2026-11-24-x.md:4:12: unknown region \"mars\"",
        );
        check_error(
            "no front matter",
            "2026-11-24-x.md:1:1: the file must start with front matter between `+++` lines",
        );
        let unknown = GOOD.replace("tags =", "colour = \"red\"\ntags =");
        let error = parse_article("2026-11-24-x.md", &unknown, &config()).unwrap_err();
        assert_eq!(error.position, Some((6, 1)), "{error}");
        assert!(error.message.contains("unknown field `colour`"), "{error}");
    }

    #[test]
    fn an_article_written_back_out_reads_the_same() {
        let parsed = parse_article("2026-11-24-x.md", GOOD, &config()).unwrap();
        let entry = parsed.entry.unwrap();
        let text = ArticleText::from_entry(&entry).unwrap().to_file_text();
        let again = parse_article("2026-11-24-x.md", &text, &config()).unwrap();
        assert_eq!(again.entry.unwrap(), entry, "{text}");
    }

    #[test]
    fn drafts_are_not_published() {
        let draft = GOOD.replace("tags =", "draft = true\ntags =");
        let parsed = parse_article("2026-11-24-x.md", &draft, &config()).unwrap();
        assert!(parsed.entry.is_none());
    }

    #[test]
    fn slugs_drop_the_date_and_new_files_round_trip() {
        assert_eq!(slug_of("2026-11-24-hello-world.md"), "hello-world");
        assert_eq!(slug_of("hello.md"), "hello");
        let now = DateTime::parse_from_rfc3339("2026-11-25T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let name = new_article_file_name("Λεμεσός: a \"new\" marina!", now);
        assert_eq!(name, "2026-11-25-a-new-marina.md");
        let text = new_article_text(
            "A \"quoted\" title",
            "grace-kennedy",
            &["ireland".into()],
            now,
        );
        let parsed = parse_article(&name, &text, &config()).unwrap();
        assert_eq!(parsed.entry.unwrap().title, "A \"quoted\" title");
    }
}
