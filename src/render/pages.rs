//! The site's HTML pages, from maud templates (compiled, auto-escaping): the front page, a
//! region's page and an article's permalink page. No JavaScript; a little CSS for phones.
//!
//! Only sanitized HTML (from the store) is inserted unescaped, with `PreEscaped`.

use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::config::{Author, Config, Region, Source};
use crate::model::{Entry, FeedKey, Format, Image};
use crate::normalize::html::html_to_text;
use crate::search::Hit;
use crate::status::SourceHealth;
use crate::store::{Comment, CommentKind};
use crate::urls::{
    SitePage, author_url, feed_url, region_url, search_feed_url, search_url, tag_slug, tag_url,
};

const STYLE: &str = "\
:root{color-scheme:light dark;--accent:#0b6e4f;--muted:#4a4a4a;--bad:#b03a2e}\
body{font:17px/1.55 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:46rem;padding:0 1rem 3rem}\
header.site{border-bottom:3px solid var(--accent);padding:1.2rem 0 .6rem;margin-bottom:1rem}\
header.site h1{margin:0;font-size:1.5rem;line-height:1.25}header.site h1 a{color:inherit;text-decoration:none}\
header.site p{margin:.2rem 0 .5rem;color:var(--muted)}nav a{margin-right:1rem}a{color:var(--accent)}\
article.entry{margin:0 0 1.3rem}article.entry h3{margin:0;font-size:1.1rem}\
.meta{font-size:.85rem;color:var(--muted);margin:.15rem 0}.tags li{display:inline;margin-right:.6rem}\
.tags{padding:0;font-size:.85rem}aside.furniture{border-top:1px solid #8884;margin-top:2rem}aside.furniture h2{font-size:1rem}.bio,.tips{border-left:3px solid var(--accent);padding-left:.8rem}\
img{max-width:100%;height:auto}img.thumb{float:right;margin:0 0 .5rem .8rem;object-fit:cover;max-width:40%}article.entry{overflow:hidden}table{border-collapse:collapse;font-size:.85rem;display:block;overflow-x:auto}td,th{border:1px solid #8884;padding:.3rem .5rem;text-align:left;vertical-align:top}.bad{color:var(--bad)}blockquote{border-left:3px solid #999;margin:1rem 0;padding-left:1rem;font-style:italic}footer{margin-top:2rem;font-size:.85rem;color:var(--muted)}\
form.search{margin:.4rem 0 0}form.search input{font:inherit;padding:.2rem .4rem;max-width:60%}form.search button{font:inherit}\
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}mark{background:#ffe066;color:#000}.pager a{margin-right:1rem}\
#comment-pending{display:none}#comment-pending:target{display:block;border-left:3px solid var(--accent);padding-left:.8rem}\
.trap{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}.comments textarea,.comments input{font:inherit;max-width:100%;width:30rem}article.comment{margin:0 0 1rem}\
@media (prefers-color-scheme:dark){:root{--accent:#5fd4a8;--muted:#c4c4c4;--bad:#ff8a80}}";

/// The front page: the site's articles, then the newest of each region.
pub fn home_page(
    config: &Config,
    counts: &CommentCounts,
    recent: &[Entry],
    articles: &[Entry],
    regions: &[(&Region, Vec<Entry>)],
    stories: &StoryNotes,
) -> String {
    let body = html! {
        @if !articles.is_empty() {
            section aria-labelledby="from-the-site" {
                h2 id="from-the-site" { "From our journalists" }
                @for entry in articles { (entry_summary(config, entry, counts)) }
            }
        }
        @for (region, entries) in regions {
            section aria-labelledby={ "region-" (region.slug) } {
                h2 id={ "region-" (region.slug) } {
                    a href=(region_url(&config.site.base_url, &region.slug)) { (region.name) }
                }
                @if entries.is_empty() { p { "Nothing yet." } }
                @for entry in entries { (listed(config, entry, counts, stories.get(&entry.id))) }
            }
        }
    };
    let head = Head {
        title: config.site.title.clone(),
        feed: "all".to_string(),
        path: SitePage::Home.path(),
        description: Some(config.site.subtitle.clone()).filter(|s| !s.is_empty()),
        article: None,
        search: None,
    };
    layout(config, &head, recent, body)
}

/// One region's page, newest first, with a link to older entries.
/// No "Recent posts" on a region's page: it lists the region's news only, and an article of
/// another region must not appear on it.
pub fn region_page(
    config: &Config,
    counts: &CommentCounts,
    region: &Region,
    entries: &[Entry],
    stories: &StoryNotes,
    page: usize,
    has_more: bool,
) -> String {
    let title = format!("{}: {}", region.name, config.site.title);
    let body = html! {
        h2 { (region.name) }
        @if entries.is_empty() { p { "Nothing yet." } }
        @for entry in entries { (listed(config, entry, counts, stories.get(&entry.id))) }
        nav aria-label="Pages" {
            @if page > 1 { a href={ "?page=" (page - 1) } rel="prev" { "Newer" } }
            @if has_more { a href={ "?page=" (page + 1) } rel="next" { "Older" } }
        }
    };
    let head = Head {
        title,
        feed: region.slug.clone(),
        path: SitePage::Region {
            slug: region.slug.clone(),
            page,
        }
        .path(),
        description: Some(format!("The news of {}, newest first.", region.name)),
        article: None,
        search: None,
    };
    layout(config, &head, &[], body)
}

/// An author's page: name, picture, bio, and their articles, newest first.
pub fn author_page(
    config: &Config,
    counts: &CommentCounts,
    recent: &[Entry],
    key: &str,
    author: &Author,
    articles: &[Entry],
) -> String {
    let title = format!("{}: {}", author.name, config.site.title);
    let body = html! {
        section.h-card aria-labelledby="author" {
            h2 id="author" class="p-name" { (author.name) }
            @if let Some(avatar) = &author.avatar {
                img.u-photo src=(avatar) alt={ "Portrait of " (author.name) } width="96" height="96"
                    loading="lazy" referrerpolicy="no-referrer";
            }
            @if !author.bio.is_empty() { p.p-note { (author.bio) } }
        }
        h2 { "Articles" }
        @if articles.is_empty() { p { "Nothing yet." } }
        @for entry in articles { (entry_summary(config, entry, counts)) }
    };
    let head = Head {
        title,
        feed: FeedKey::Author(key.to_string()).name(),
        path: SitePage::Author {
            key: key.to_string(),
        }
        .path(),
        description: Some(author.bio.clone()).filter(|bio| !bio.is_empty()),
        article: None,
        search: None,
    };
    layout(config, &head, recent, body)
}

/// A tag's page: its newest entries.
pub fn tag_page(config: &Config, slug: &str, entries: &[Entry]) -> String {
    let counts = &CommentCounts::new();
    let title = format!("#{slug}: {}", config.site.title);
    let body = html! {
        h2 { "#" (slug) }
        @for entry in entries { (entry_summary(config, entry, counts)) }
    };
    let head = Head {
        title,
        feed: FeedKey::Tag(slug.to_string()).name(),
        path: SitePage::Tag {
            slug: slug.to_string(),
        }
        .path(),
        description: Some(format!("The news tagged #{slug}.")),
        article: None,
        search: None,
    };
    layout(config, &head, &[], body)
}

/// A story's page: its first headline, then every report of it (ours first), each with its
/// outlet, time and summary.
/// A story's page: its reports, a page at a time (see [`crate::store::Store::story_reports`]),
/// with the outlets of the page's reports, each named once.
pub fn story_page(
    config: &Config,
    recent: &[Entry],
    reports: &crate::store::StoryReports,
    page: usize,
) -> String {
    let counts = &CommentCounts::new();
    let story = &reports.story;
    let headline = &reports.headline;
    let outlets = distinct_outlets(&story.entries);
    let body = html! {
        h2 { (headline) }
        p.meta {
            (story.reports) @if story.reports == 1 { " report" } @else { " reports" }
            @if page > 1 || reports.has_more { " (page " (page) ")" }
            ": " (outlets.join(", "))
        }
        @for entry in &story.entries {
            @if entry.article.is_some() { p.meta { strong { "Our coverage" } } }
            (entry_summary(config, entry, counts))
        }
        @if page > 1 || reports.has_more {
            nav aria-label="Pages" {
                @if page > 1 { a href={ "?page=" (page - 1) } rel="prev" { "Earlier reports" } }
                @if reports.has_more { a href={ "?page=" (page + 1) } rel="next" { "Later reports" } }
            }
        }
    };
    let head = Head {
        title: format!("{headline}: {}", config.site.title),
        feed: FeedKey::Stories(None).name(),
        path: SitePage::Story { id: story.id, page }.path(),
        description: Some(format!("{headline}: every outlet's report.")),
        article: None,
        search: None,
    };
    layout(config, &head, recent, body)
}

/// A source's page: its health (last and next fetch, error) and its newest entries.
pub fn source_page(
    config: &Config,
    recent: &[Entry],
    source: &Source,
    health: &SourceHealth,
    entries: &[Entry],
) -> String {
    let counts = &CommentCounts::new();
    let title = format!("{}: {}", source.name, config.site.title);
    let when = |date: Option<DateTime<Utc>>| {
        date.map_or_else(
            || "never".to_string(),
            |d| d.format("%-d %b %Y, %H:%M UTC").to_string(),
        )
    };
    let body = html! {
        h2 { (source.name) }
        p.meta {
            "Last fetched " (when(health.last_fetch)) " · next " (when(health.next_fetch))
            " · " (health.entries) " entries"
            @if let Some(error) = &health.last_error { " · " span.bad { (error) } }
        }
        @if entries.is_empty() { p { "Nothing yet." } }
        @for entry in entries { (entry_summary(config, entry, counts)) }
    };
    let feed = FeedKey::Source {
        slug: source.slug.clone(),
        id: source.id(),
    };
    let head = Head {
        title,
        feed: feed.name(),
        path: SitePage::Source {
            slug: source.slug.clone(),
        }
        .path(),
        description: Some(format!("The news of {}, as islands reads it.", source.name)),
        article: None,
        search: None,
    };
    layout(config, &head, recent, body)
}

/// Approved comments per article, shown beside our articles in lists.
pub type CommentCounts = std::collections::HashMap<crate::model::EntryId, usize>;

/// What the comment form shows: the typed values and what is wrong with them (a refused
/// post), or nothing (the page as cached), and the form's token.
#[derive(Debug, Default)]
pub struct CommentForm {
    pub author: String,
    pub url: String,
    pub email: String,
    pub text: String,
    /// `(field, message)`; `field` is `author`, `url`, `email`, `text` or `form`.
    pub errors: Vec<(&'static str, String)>,
    pub token: String,
}

impl CommentForm {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, message)| message.as_str())
    }
}

/// The comments under an article: replies oldest first, likes and reposts as counts with
/// their authors, then the form. Comment text is escaped, never markup.
fn comments_section(
    config: &Config,
    entry: &Entry,
    comments: &[Comment],
    form: &CommentForm,
) -> Markup {
    let slug = entry
        .article
        .as_ref()
        .map_or("", |article| article.slug.as_str());
    let action = format!("{}articles/{slug}/comments", config.site.base_url);
    let replies: Vec<&Comment> = comments
        .iter()
        .filter(|c| {
            matches!(
                c.kind,
                CommentKind::Comment | CommentKind::Reply | CommentKind::Mention
            )
        })
        .collect();
    let reactions =
        |kind| -> Vec<&Comment> { comments.iter().filter(|c| c.kind == kind).collect() };
    let (likes, reposts) = (reactions(CommentKind::Like), reactions(CommentKind::Repost));
    let field = |name: &'static str,
                 label: &str,
                 kind: &str,
                 value: &str,
                 required: bool,
                 autocomplete: &str| {
        let error_id = format!("{name}-error");
        let error = form.error(name);
        html! {
            p {
                label for={ "comment-" (name) } { (label) @if required { " (required)" } }
                br;
                input id={ "comment-" (name) } name=(name) type=(kind) value=(value) autocomplete=(autocomplete)
                    required[required] aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| error_id.as_str())];
                @if let Some(error) = error { br; span.bad id=(error_id) { (error) } }
            }
        }
    };
    html! {
        section.comments aria-labelledby="comments-heading" {
            h3 id="comments-heading" { "Comments" }
            @if !likes.is_empty() || !reposts.is_empty() {
                p.meta {
                    @if !likes.is_empty() {
                        (likes.len()) @if likes.len() == 1 { " like" } @else { " likes" } " ("
                        @for (n, like) in likes.iter().enumerate() { @if n > 0 { ", " } (like.author) } ")"
                    }
                    @if !likes.is_empty() && !reposts.is_empty() { " · " }
                    @if !reposts.is_empty() {
                        (reposts.len()) @if reposts.len() == 1 { " repost" } @else { " reposts" } " ("
                        @for (n, repost) in reposts.iter().enumerate() { @if n > 0 { ", " } (repost.author) } ")"
                    }
                }
            }
            @if replies.is_empty() { p { "No comments yet." } }
            @for comment in &replies {
                article.comment.h-cite id={ "comment-" (comment.id) } {
                    p.meta {
                        span.p-author.h-card {
                            @if let Some(photo) = &comment.photo {
                                img.u-photo src=(photo) alt="" width="24" height="24" loading="lazy" referrerpolicy="no-referrer";
                                " "
                            }
                            @match &comment.url {
                                Some(url) => a.p-name.u-url href=(url) rel="ugc nofollow" { (comment.author) },
                                None => span.p-name { (comment.author) },
                            }
                        }
                        " · "
                        time.dt-published datetime=(comment.published.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)) {
                            (comment.published.with_timezone(&time_zone(config, entry)).format("%-d %b %Y, %H:%M %Z"))
                        }
                        @if let Some(source) = &comment.source { " · " a href=(source) rel="ugc nofollow" { "via the web" } }
                    }
                    div.e-content { (PreEscaped(crate::comments::text_html(&comment.text))) }
                }
            }
            p id="comment-pending" role="status" { "Thank you: your comment is held for moderation and appears here once approved." }
            h4 id="add-comment" { "Add a comment" }
            @if let Some(error) = form.error("form") { p.bad role="alert" { (error) } }
            form method="post" action=(action) {
                input type="hidden" name="token" value=(form.token);
                (field("author", "Your name", "text", &form.author, true, "name"))
                (field("url", "Your site (shown as a link)", "url", &form.url, false, "url"))
                (field("email", "Email (never shown or published)", "email", &form.email, false, "email"))
                p.trap aria-hidden="true" {
                    label for="comment-website" { "Leave this empty" }
                    input id="comment-website" name="website" type="text" tabindex="-1" autocomplete="off";
                }
                @let text_error = form.error("text");
                p {
                    label for="comment-text" { "Comment (required; plain text, links are made for you)" }
                    br;
                    textarea id="comment-text" name="text" rows="6" maxlength=(crate::comments::MAX_CHARS) required
                        aria-invalid=[text_error.map(|_| "true")] aria-describedby=[text_error.map(|_| "text-error")] { (form.text) }
                    @if let Some(error) = text_error { br; span.bad id="text-error" { (error) } }
                }
                p { button type="submit" { "Post comment" } }
            }
        }
    }
}

/// The zone an entry's times are shown in: its (first) region's.
fn time_zone(config: &Config, entry: &Entry) -> chrono_tz::Tz {
    entry
        .regions
        .iter()
        .find_map(|slug| config.region(slug))
        .map_or(chrono_tz::UTC, |region| region.timezone)
}

/// An article's permalink page: byline, bio, date, tags, where to send tips, and comments.
pub fn article_page(
    config: &Config,
    recent: &[Entry],
    entry: &Entry,
    comments: &[Comment],
    form: &CommentForm,
) -> String {
    let author = entry
        .article
        .as_ref()
        .and_then(|article| config.authors.get(&article.author));
    let title = format!("{}: {}", entry.title, config.site.title);
    let body = html! {
        article.h-entry {
            header {
                h2.p-name { (entry.title) }
                p.meta {
                    @if !entry.authors.is_empty() { (byline(config, entry)) " · " }
                    (time(config, entry, entry.published))
                    @if entry.updated > entry.published { " · updated " (time(config, entry, entry.updated)) }
                }
            }
            @if let Some(content) = &entry.content { div.e-content { (PreEscaped(content)) } }
            @if !entry.categories.is_empty() {
                ul.tags aria-label="Tags" { @for tag in &entry.categories {
                    li { a.p-category href=(tag_url(&config.site.base_url, &tag_slug(tag))) { "#" (tag) } }
                } }
            }
            @if let Some(author) = author {
                aside.bio aria-label="About the author" {
                    p { strong { (author.name) } @if !author.bio.is_empty() { ": " (author.bio) } }
                }
            }
            @if !config.site.contact.is_empty() {
                aside.tips aria-label="Tips" {
                    p { "Have a tip? Write to "
                        a href={ "mailto:" (config.site.contact) } { (config.site.contact) } "." }
                }
            }
        }
        (comments_section(config, entry, comments, form))
    };
    let feed = entry
        .regions
        .first()
        .map_or("all", |region| region.as_str());
    let slug = entry
        .article
        .as_ref()
        .map_or("", |article| article.slug.as_str());
    let head = Head {
        title,
        feed: feed.to_string(),
        path: SitePage::Article {
            slug: slug.to_string(),
        }
        .path(),
        description: entry.summary.as_deref().map(html_to_text),
        article: Some(entry),
        search: None,
    };
    layout(config, &head, recent, body)
}

/// What a search found, for its page.
pub enum SearchOutcome<'a> {
    /// No query yet: the box and how to use it.
    Empty,
    /// The query could not be run: why (the page answers 400).
    Error(&'a str),
    Found {
        total: usize,
        hits: &'a [Hit],
        has_more: bool,
    },
}

/// `/search`: the results of a query, 20 a page, with their highlighted passages.
pub fn search_page(
    config: &Config,
    query: &str,
    newest: bool,
    page: usize,
    outcome: &SearchOutcome,
) -> String {
    let base = &config.site.base_url;
    let body = html! {
        h2 { "Search" }
        @match outcome {
            SearchOutcome::Empty => {
                p { "Search every story of both islands and every article of ours. Words must all match; "
                    code { "\"exact phrases\"" } " and " code { "-excluded" } " words work, and so do the filters "
                    code { "region:cyprus" } ", " code { "source:\"Cyprus Mail\"" } ", " code { "author:grace-kennedy" } ", "
                    code { "tag:security" } ", " code { "after:2026-11-01" } " and " code { "before:2026-12-01" } "." }
            }
            SearchOutcome::Error(message) => {
                p.bad role="alert" { "This search cannot be run: " (message) }
            }
            SearchOutcome::Found { total, hits, has_more } => {
                p role="status" {
                    (total) @if *total == 1 { " story matches " } @else { " stories match " }
                    "\u{201c}" (query) "\u{201d}. "
                    @if newest { "Newest first; " a href=(search_url(base, query, 1, false)) { "order by relevance" } "." }
                    @else { "Most relevant first; " a href=(search_url(base, query, 1, true)) { "order by date" } "." }
                    " " a href=(search_feed_url(base, query, Format::Atom)) { "Follow this search as a feed" } "."
                }
                @for hit in *hits { (search_hit(config, hit)) }
                @if page > 1 || *has_more {
                    nav.pager aria-label="Result pages" {
                        @if page > 1 { a rel="prev" href=(search_url(base, query, page - 1, newest)) { "\u{2190} Previous" } }
                        @if *has_more { a rel="next" href=(search_url(base, query, page + 1, newest)) { "Next \u{2192}" } }
                    }
                }
            }
        }
    };
    let head = Head {
        title: if query.is_empty() {
            format!("Search: {}", config.site.title)
        } else {
            format!("\u{201c}{query}\u{201d}: search {}", config.site.title)
        },
        feed: FeedKey::All.name(),
        path: "search".to_string(),
        description: None,
        article: None,
        search: (!query.is_empty()).then_some(query),
    };
    layout(config, &head, &[], body)
}

fn search_hit(config: &Config, hit: &Hit) -> Markup {
    let entry = &hit.entry;
    let href = entry
        .link
        .clone()
        .unwrap_or_else(|| feed_url(&config.site.base_url, "all", Format::Atom, 1));
    html! {
        article.entry.h-entry lang=[entry.language.as_deref()] {
            h3 { a.u-url.p-name href=(href) { (PreEscaped(&hit.title_html)) } }
            p.meta {
                @if entry.article.is_some() {
                    (byline(config, entry))
                } @else if let Some(source) = entry.sources.first() {
                    (source.name)
                }
                " · " (time(config, entry, entry.published))
            }
            @if !hit.snippet_html.is_empty() { p.p-summary { (PreEscaped(&hit.snippet_html)) } }
        }
    }
}

/// What a page says of itself in its head: title, feed, address, and how it unfurls when
/// shared (Open Graph, Twitter card, JSON-LD for an article).
pub(super) struct Head<'a> {
    pub title: String,
    /// The feed it offers for autodiscovery (a name under `feeds/`).
    pub feed: String,
    /// Its path on the site, for the canonical link and `og:url`.
    pub path: String,
    pub description: Option<String>,
    /// Set on an article's page: its `NewsArticle` JSON-LD.
    pub article: Option<&'a Entry>,
    /// Set on a search's page: the query, for the search box and the saved search's feeds
    /// (offered instead of `feed`).
    pub search: Option<&'a str>,
}

/// Every page's frame: head with feed autodiscovery and metadata, the site's header and
/// navigation, the furniture of the site (about, contact, recent posts), footer.
pub(super) fn layout(config: &Config, head: &Head, recent: &[Entry], body: Markup) -> String {
    let base = &config.site.base_url;
    let feed = head.feed.as_str();
    let author = feed
        .strip_prefix("author/")
        .and_then(|key| config.authors.get(key));
    let source = feed
        .strip_prefix("source/")
        .and_then(|slug| config.source_by_slug(slug));
    let feed_title = match (config.region(feed), author, source) {
        _ if head.search.is_some() => format!(
            "{}: \u{201c}{}\u{201d}",
            config.site.title,
            head.search.unwrap_or_default()
        ),
        (Some(region), _, _) => format!("{}: {}", config.site.title, region.name),
        (None, Some(author), _) => format!("{}: {}", config.site.title, author.name),
        (None, None, Some(source)) => format!("{}: {}", config.site.title, source.name),
        (None, None, None) => config.site.title.clone(),
    };
    let canonical = format!("{base}{}", head.path.trim_start_matches('/'));
    let about = (!config.site.about.trim().is_empty())
        .then(|| crate::articles::render_markdown(&config.site.about, base.as_str()));
    let json_ld = head
        .article
        .map(|entry| news_article_json_ld(config, entry, &canonical));
    html! {
        (DOCTYPE)
        html lang=(config.site.language) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (head.title) }
                link rel="canonical" href=(canonical);
                @if let Some(description) = &head.description {
                    meta name="description" content=(description);
                }
                meta property="og:site_name" content=(config.site.title);
                meta property="og:title" content=(head.title);
                meta property="og:type" content=(if head.article.is_some() { "article" } else { "website" });
                meta property="og:url" content=(canonical);
                @if let Some(description) = &head.description {
                    meta property="og:description" content=(description);
                }
                meta property="og:image" content=(config.site.logo);
                link rel="icon" type="image/png" href=(config.site.icon);
                meta name="twitter:card" content="summary";
                meta name="twitter:title" content=(head.title);
                @for (format, kind, label) in [(Format::Rss, "application/rss+xml", "RSS"), (Format::Atom, "application/atom+xml", "Atom"), (Format::Json, "application/feed+json", "JSON Feed")] {
                    @match head.search {
                        Some(query) => link rel="alternate" type=(kind) title={ (feed_title) " (" (label) ")" } href=(search_feed_url(base, query, format));
                        None => link rel="alternate" type=(kind) title={ (feed_title) " (" (label) ")" } href=(feed_url(base, feed, format, 1));
                    }
                }
                link rel="search" type="application/opensearchdescription+xml" title=(config.site.title) href={ (base) "opensearch.xml" };
                link rel="micropub" href={ (base) "micropub" };
                @if head.article.is_some() { link rel="webmention" href={ (base) "webmention" }; }
                @if let Some(json_ld) = json_ld {
                    script type="application/ld+json" { (PreEscaped(json_ld)) }
                }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header.site {
                    h1 { a href=(base) { (config.site.title) } }
                    @if !config.site.subtitle.is_empty() { p { (config.site.subtitle) } }
                    nav aria-label="Regions" {
                        @for region in &config.regions {
                            a href=(region_url(base, &region.slug)) { (region.name) }
                        }
                        a href=(feed_url(base, feed, Format::Atom, 1)) { "Feed" }
                    }
                    form.search role="search" action={ (base) "search" } method="get" {
                        label.visually-hidden for="q" { "Search the news" }
                        input #q type="search" name="q" value=[head.search] placeholder="Search the news";
                        " "
                        button type="submit" { "Search" }
                    }
                }
                main { (body) }
                aside.furniture aria-label="About this site" {
                    @if let Some(about) = about {
                        section aria-labelledby="about" { h2 id="about" { "About us" } (PreEscaped(about)) }
                    }
                    @if !config.site.contact.is_empty() {
                        section aria-labelledby="contact" {
                            h2 id="contact" { "Contact us" }
                            p { "Send tips and corrections to "
                                a href={ "mailto:" (config.site.contact) } { (config.site.contact) } "." }
                        }
                    }
                    @if !recent.is_empty() {
                        section aria-labelledby="recent" {
                            h2 id="recent" { "Recent posts" }
                            ul { @for entry in recent {
                                li { a href=(entry.link.as_deref().unwrap_or(base.as_str())) { (entry.title) } }
                            } }
                        }
                    }
                }
                footer {
                    p { "Aggregated from the sources named beside each story. "
                        a href={ (base) "status" } { "Source status" } }
                }
            }
        }
    }
    .into_string()
}

/// schema.org `NewsArticle` for an article's page. `</` is written `<\/` so the text can
/// never close the script element.
fn news_article_json_ld(config: &Config, entry: &Entry, canonical: &str) -> String {
    let base = &config.site.base_url;
    let author = entry.article.as_ref().map(|article| {
        serde_json::json!({
            "@type": "Person",
            "name": entry.authors.join(", "),
            "url": author_url(base, &article.author),
        })
    });
    let publisher = serde_json::json!({
        "@type": "Organization",
        "name": config.site.title,
        "logo": { "@type": "ImageObject", "url": config.site.logo },
    });
    let json = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": entry.title,
        "datePublished": entry.published.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "dateModified": entry.updated.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "author": author,
        "publisher": publisher,
        "mainEntityOfPage": canonical,
    });
    json.to_string().replace("</", "<\\/")
}

/// A story of several reports, shown once on a list, under its first report (issue 13).
#[derive(Debug, Clone)]
pub struct StoryNote {
    pub url: String,
    /// How many reports it has.
    pub reports: usize,
    /// The outlets of its first reports (see [`NOTE_REPORTS`]), each once, in the order they
    /// reported it.
    pub outlets: Vec<String>,
    /// Whether reports beyond those were not read (their outlets are not named).
    pub more: bool,
}

/// The reports whose outlets a list's story note names: a story of thousands of reports
/// costs its first few reads, and its note one line.
pub const NOTE_REPORTS: usize = 10;

/// The outlets of `entries`, each once, in their order.
pub fn distinct_outlets(entries: &[Entry]) -> Vec<String> {
    let mut outlets: Vec<String> = Vec::new();
    for outlet in entries.iter().map(super::stories::outlet) {
        if !outlets.contains(&outlet) {
            outlets.push(outlet);
        }
    }
    outlets
}

/// Entry id -> the story it stands for on a list.
pub type StoryNotes = std::collections::HashMap<crate::model::EntryId, StoryNote>;

/// An entry on a list, with the outlets of its story when several report it: "Dáil passes
/// housing bill · RTE, TheJournal.ie, BreakingNews.ie".
fn listed(
    config: &Config,
    entry: &Entry,
    counts: &CommentCounts,
    story: Option<&StoryNote>,
) -> Markup {
    html! {
        (entry_summary(config, entry, counts))
        @if let Some(story) = story {
            p.meta.story {
                a href=(story.url) {
                    (story.reports) " reports: " (story.outlets.join(", "))
                    @if story.more { ", …" }
                }
            }
        }
    }
}

fn entry_summary(config: &Config, entry: &Entry, counts: &CommentCounts) -> Markup {
    let href = entry
        .link
        .clone()
        .unwrap_or_else(|| feed_url(&config.site.base_url, "all", Format::Atom, 1));
    let summary = entry
        .summary
        .as_deref()
        .or(entry.content.as_deref())
        .map(html_to_text)
        .map(|text| shorten(&text, 280));
    html! {
        article.entry.h-entry lang=[entry.language.as_deref()] {
            h3 { a.u-url.p-name href=(href) { (entry.title) } }
            p.meta {
                @if entry.article.is_some() {
                    (byline(config, entry))
                } @else if let Some(source) = entry.sources.first() {
                    @match &source.site_url {
                        Some(site) => a href=(site) { (source.name) },
                        None => (source.name),
                    }
                }
                " · " (time(config, entry, entry.published))
                @for slug in &entry.regions {
                    @if let Some(region) = config.region(slug) { " · " (region.name) }
                }
                @if let (Some(article), Some(count)) = (&entry.article, counts.get(&entry.id)) {
                    " · " a href={ (crate::urls::permalink(&config.site.base_url, &article.slug)) "#comments-heading" } {
                        (count) @if *count == 1 { " comment" } @else { " comments" }
                    }
                }
            }
            @if let Some(image) = &entry.image { (thumbnail(image, &entry.title)) }
            @if let Some(summary) = summary { p.p-summary { (summary) } }
        }
    }
}

/// An entry's picture beside its summary: lazy, sized (so the page does not jump as it loads),
/// fetched without a referrer, described by upstream's words or the title.
fn thumbnail(image: &Image, title: &str) -> Markup {
    const WIDTH: u32 = 160;
    let height = match (image.width, image.height) {
        (Some(width), Some(height)) if width > 0 => (height * WIDTH / width).max(1),
        _ => 90,
    };
    html! {
        img.u-photo.thumb src=(image.url) alt=(image.alt.as_deref().unwrap_or(title))
            width=(WIDTH) height=(height) loading="lazy" referrerpolicy="no-referrer";
    }
}

/// An article's byline, "By NAME", linked to the author's page.
fn byline(config: &Config, entry: &Entry) -> Markup {
    let key = entry.article.as_ref().map(|a| a.author.as_str());
    let names = entry.authors.join(", ");
    html! {
        @match key.filter(|key| config.authors.contains_key(*key)) {
            Some(key) => a.p-author rel="author" href=(author_url(&config.site.base_url, key)) { "By " (names) },
            None => { "By " (names) },
        }
    }
}

/// A date in the zone of the entry's (first) region, with the abbreviation that applies on
/// that date (GMT or IST in Dublin, EET or EEST in Nicosia); the machine-readable instant in
/// `datetime`, in UTC.
fn time(config: &Config, entry: &Entry, date: DateTime<Utc>) -> Markup {
    let zone = entry
        .regions
        .iter()
        .find_map(|slug| config.region(slug))
        .map_or(chrono_tz::UTC, |region| region.timezone);
    let local = date.with_timezone(&zone);
    html! {
        time datetime=(date.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)) class="dt-published" {
            (local.format("%-d %b %Y, %H:%M %Z"))
        }
    }
}

fn shorten(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_string();
    }
    let cut: String = text.chars().take(limit).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut}…")
}
