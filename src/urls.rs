//! Every public address of the site, built in one place: the pages ([`SitePage`]: cache key,
//! route and export file at once), the feeds, and the permalinks. Nothing else formats a path
//! of the site.

use url::Url;

use crate::model::Format;

/// One HTML page of the site.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SitePage {
    /// `/`.
    Home,
    /// `/{slug}/`, page `page` (one-based).
    Region { slug: String, page: usize },
    /// `/articles/{slug}`.
    Article { slug: String },
    /// `/authors/{key}/`: one of our journalists and their articles.
    Author { key: String },
    /// `/sources/{slug}/`: one source, its health, and its entries.
    Source { slug: String },
    /// `/tags/{slug}/`: the entries of one tag (a slug from [`tag_slug`]).
    Tag { slug: String },
    /// `/feeds/comments.{ext}?page=N`: approved comments of every article (a feed, cached
    /// with the pages because it is read from the comments, not an entry index).
    Comments { format: Format, page: usize },
    /// `/articles/{slug}/comments.atom`: one article's approved comments.
    ArticleComments { slug: String },
    /// `/stories/{id}?page=N`: one story, every outlet's report of it (issue 13), a page of
    /// reports at a time.
    Story {
        id: crate::model::StoryId,
        page: usize,
    },
}

impl SitePage {
    /// The path it is served at.
    pub fn path(&self) -> String {
        match self {
            SitePage::Home => "/".to_string(),
            SitePage::Region { slug, page: 1 } => format!("/{slug}/"),
            SitePage::Region { slug, page } => format!("/{slug}/?page={page}"),
            SitePage::Article { slug } => format!("/articles/{slug}"),
            SitePage::Author { key } => format!("/authors/{key}/"),
            SitePage::Source { slug } => format!("/sources/{slug}/"),
            SitePage::Tag { slug } => format!("/tags/{slug}/"),
            SitePage::Comments { format, page: 1 } => {
                format!("/feeds/comments.{}", format.extension())
            }
            SitePage::Comments { format, page } => {
                format!("/feeds/comments.{}?page={page}", format.extension())
            }
            SitePage::ArticleComments { slug } => format!("/articles/{slug}/comments.atom"),
            SitePage::Story { id, page: 1 } => format!("/stories/{id}"),
            SitePage::Story { id, page } => format!("/stories/{id}?page={page}"),
        }
    }

    /// Its files in a static export. A paged page (a region's, a story's, the comments feed)
    /// is at `{folder}/page-N/index.html` (`{name}/page-N.{ext}` for the feed), page 1 also at
    /// its own path: the README's nginx block maps `?page=N` onto those files.
    pub fn export_files(&self) -> Vec<String> {
        let paged = |folder: &str, page: usize| {
            let mut files = Vec::with_capacity(2);
            if page == 1 {
                files.push(format!("{folder}/index.html"));
            }
            files.push(format!("{folder}/page-{page}/index.html"));
            files
        };
        match self {
            SitePage::Home => vec!["index.html".to_string()],
            SitePage::Region { slug, page } => paged(slug, *page),
            SitePage::Article { slug } => vec![format!("articles/{slug}/index.html")],
            SitePage::Author { key } => vec![format!("authors/{key}/index.html")],
            SitePage::Source { slug } => vec![format!("sources/{slug}/index.html")],
            SitePage::Tag { slug } => vec![format!("tags/{slug}/index.html")],
            SitePage::Comments { format, page } => feed_files("comments", *format, *page),
            SitePage::ArticleComments { slug } => vec![format!("articles/{slug}/comments.atom")],
            SitePage::Story { id, page } => paged(&format!("stories/{id}"), *page),
        }
    }

    /// The one-based page number (1 for pages that are not paged).
    pub fn page_number(&self) -> usize {
        match self {
            SitePage::Region { page, .. }
            | SitePage::Comments { page, .. }
            | SitePage::Story { page, .. } => *page,
            SitePage::ArticleComments { .. }
            | SitePage::Home
            | SitePage::Article { .. }
            | SitePage::Author { .. }
            | SitePage::Source { .. }
            | SitePage::Tag { .. } => 1,
        }
    }
}

/// `{base}feeds/{name}.{ext}`, with `?page=N` past the first page.
pub fn feed_url(base: &Url, name: &str, format: Format, page: usize) -> String {
    let extension = format.extension();
    match page {
        0 | 1 => format!("{base}feeds/{name}.{extension}"),
        page => format!("{base}feeds/{name}.{extension}?page={page}"),
    }
}

/// `{base}search.{ext}?q=QUERY`: a saved search's feed.
pub fn search_feed_url(base: &Url, query: &str, format: Format) -> String {
    let mut url = base
        .join(&format!("search.{}", format.extension()))
        .expect("a file name joins any base");
    url.query_pairs_mut().append_pair("q", query);
    url.to_string()
}

/// `{base}search?q=QUERY`, with the page and order when they are not the first and relevance.
pub fn search_url(base: &Url, query: &str, page: usize, newest: bool) -> String {
    let mut url = base.join("search").expect("a file name joins any base");
    {
        let mut pairs = url.query_pairs_mut();
        pairs.append_pair("q", query);
        if newest {
            pairs.append_pair("sort", "date");
        }
        if page > 1 {
            pairs.append_pair("page", &page.to_string());
        }
    }
    url.to_string()
}

/// The files of a feed page in a static export: page 1 also at the feed's own name.
pub fn feed_files(name: &str, format: Format, page: usize) -> Vec<String> {
    let extension = format.extension();
    let mut files = Vec::with_capacity(2);
    if page == 1 {
        files.push(format!("feeds/{name}.{extension}"));
    }
    files.push(format!("feeds/{name}/page-{page}.{extension}"));
    files
}

/// `{base}{slug}/`: a region's page.
pub fn region_url(base: &Url, slug: &str) -> String {
    format!("{base}{slug}/")
}

/// `{base}authors/{key}/`: an author's page.
pub fn author_url(base: &Url, key: &str) -> String {
    format!("{base}authors/{key}/")
}

/// A tag's name in addresses: folded (case and accents), words joined by dashes, so "Dún
/// Laoghaire" and "dun laoghaire" are one tag.
pub fn tag_slug(tag: &str) -> String {
    let folded = crate::rules::fold(tag);
    let mut slug = String::new();
    for c in folded.chars() {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

/// `{base}stories/{id}`: one story, every outlet's report of it (issue 13).
pub fn story_url(base: &Url, id: crate::model::StoryId) -> String {
    format!("{base}stories/{id}")
}

/// `{base}tags/{slug}/`: a tag's page.
pub fn tag_url(base: &Url, slug: &str) -> String {
    format!("{base}tags/{slug}/")
}

/// `{base}sources/{slug}/`: a source's page.
pub fn source_url(base: &Url, slug: &str) -> String {
    format!("{base}sources/{slug}/")
}

/// `{base}articles/{slug}`: an article's permalink.
pub fn permalink(base: &Url, slug: &str) -> String {
    format!("{base}articles/{slug}")
}

/// The slug of a permalink of this site (or of its path alone), if it is one.
pub fn slug_of_permalink(base: &Url, url: &str) -> Option<String> {
    let path = url
        .strip_prefix(base.as_str())
        .map(|rest| format!("/{rest}"))
        .or_else(|| url.starts_with('/').then(|| url.to_string()))?;
    let slug = path.strip_prefix("/articles/")?.trim_end_matches('/');
    (!slug.is_empty() && !slug.contains('/')).then(|| slug.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_feeds_and_permalinks_have_one_address_each() {
        let base = Url::parse("https://islands.example/").unwrap();
        let region = SitePage::Region {
            slug: "cyprus".into(),
            page: 2,
        };
        assert_eq!(region.path(), "/cyprus/?page=2");
        assert_eq!(region.export_files(), ["cyprus/page-2/index.html"]);
        let first = SitePage::Region {
            slug: "cyprus".into(),
            page: 1,
        };
        assert_eq!(
            first.export_files(),
            ["cyprus/index.html", "cyprus/page-1/index.html"]
        );
        assert_eq!(SitePage::Home.path(), "/");
        let article = SitePage::Article { slug: "a-b".into() };
        assert_eq!(article.path(), "/articles/a-b");
        assert_eq!(article.export_files(), ["articles/a-b/index.html"]);
        let comments = SitePage::Comments {
            format: Format::Json,
            page: 2,
        };
        assert_eq!(comments.path(), "/feeds/comments.json?page=2");
        assert_eq!(comments.export_files(), ["feeds/comments/page-2.json"]);
        assert_eq!(
            feed_url(&base, "all", Format::Atom, 3),
            "https://islands.example/feeds/all.atom?page=3"
        );
        assert_eq!(
            feed_files("ireland", Format::Rss, 1),
            ["feeds/ireland.rss", "feeds/ireland/page-1.rss"]
        );
        let link = permalink(&base, "a-b");
        assert_eq!(slug_of_permalink(&base, &link).as_deref(), Some("a-b"));
        assert_eq!(
            slug_of_permalink(&base, "/articles/a-b/").as_deref(),
            Some("a-b")
        );
        assert_eq!(
            slug_of_permalink(&base, "https://elsewhere.example/articles/a"),
            None
        );
        assert_eq!(
            region_url(&base, "cyprus"),
            "https://islands.example/cyprus/"
        );
    }
}
