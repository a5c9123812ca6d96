//! The one-shot commands as library functions: `fetch`, `export`, `article new` and `article
//! export`, `opml export` and `opml import`, `check --preview`. Each does the work and returns
//! what it did; `main.rs` parses the arguments, shows progress and prints.
//!
//! Each opens the store itself, which one process at a time may hold: they fail with a clear
//! error while a daemon runs on the same store.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;

use crate::app::App;
use crate::articles::{self, ArticleText};
use crate::config::{Config, ConfigErrors, Source};
use crate::export::{ExportError, ExportReport};
use crate::opml::OpmlError;
use crate::refresh::{RefreshOutcome, refresh_source};
use crate::rules::{Verdict, judge};
use crate::store::{Store, StoreError};

/// Why a command failed; each names what it was working on.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error("{file}")]
    Opml {
        file: PathBuf,
        #[source]
        source: OpmlError,
    },
    #[error("{action} {}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the result would not be a valid config:\n{0}")]
    Config(ConfigErrors),
    #[error("unknown author {author:?}: add it under [authors] in {}", config.display())]
    UnknownAuthor { author: String, config: PathBuf },
    #[error("unknown region {0:?}")]
    UnknownRegion(String),
    #[error("no source named {name:?} in {}", config.display())]
    UnknownSource { name: String, config: PathBuf },
    #[error("{failed} files could not be written to {} (each is logged above)", out.display())]
    ExportIncomplete { failed: usize, out: PathBuf },
    #[error(transparent)]
    Search(#[from] crate::search::SearchError),
    #[error(transparent)]
    Edit(#[from] crate::config::edit::EditError),
    #[error("{url}: {message}")]
    NoFeed { url: String, message: String },
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> CommandError {
    let path = path.to_path_buf();
    move |source| CommandError::Io {
        action,
        path,
        source,
    }
}

/// `islands fetch`: every source once, all at once (within `max_in_flight`); `each` hears
/// every outcome as it comes. The store is committed and flushed at the end.
pub async fn fetch(
    config: Config,
    mut each: impl FnMut(&Source, &RefreshOutcome),
) -> Result<(), CommandError> {
    let app = Arc::new(App::open(config)?);
    let sources: Vec<Source> = app.config().sources().cloned().collect();
    let mut runs: FuturesUnordered<_> = sources
        .into_iter()
        .map(|source| {
            let app = app.clone();
            async move {
                let outcome = refresh_source(&app, &source).await;
                (source, outcome)
            }
        })
        .collect();
    while let Some((source, outcome)) = runs.next().await {
        each(&source, &outcome);
    }
    app.store
        .blocking(|store| store.commit().and_then(|_| store.flush()))
        .await?;
    Ok(())
}

/// `islands export --out DIR`: the whole site as static files. Blocking.
pub fn export(
    config: Config,
    out: &Path,
    progress: &mut dyn FnMut(usize),
) -> Result<ExportReport, CommandError> {
    let app = App::open(config)?;
    let config = app.config();
    app.store.backfill_indexes()?;
    articles::sync_articles(&config, &app.store)?;
    let generation = app.store.generation();
    let report = crate::export::export_site(
        generation,
        &config,
        &app.store,
        &app.rendered,
        out,
        progress,
    )?;
    if report.failed > 0 {
        return Err(CommandError::ExportIncomplete {
            failed: report.failed,
            out: out.to_path_buf(),
        });
    }
    Ok(report)
}

/// `islands migrate`: the store's values rewritten in the current layout (see
/// [`Store::migrate`]); returns how many were rewritten, of how many read. Blocking.
pub fn migrate(
    config: &Config,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(usize, usize), CommandError> {
    let store = Store::open(&config.store.path, config.store.cache_capacity_bytes)?;
    Ok(store.migrate(progress)?)
}

/// `islands reindex`: the search index rebuilt from the store; `progress` hears `(done,
/// total)`. Returns how many entries it indexed. Blocking.
pub fn reindex(
    config: Config,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<usize, CommandError> {
    let store = Store::open(&config.store.path, config.store.cache_capacity_bytes)?;
    let (search, _) = crate::search::SearchIndex::open(&config.search_path, &store)?;
    Ok(search.rebuild(&config, &store, progress)?)
}

/// One line of `islands fetch`: a source and what its refresh did.
pub fn fetch_line(source: &Source, outcome: &RefreshOutcome) -> String {
    let what = match outcome {
        RefreshOutcome::Stored { new, updated } => format!("{new} new, {updated} updated"),
        RefreshOutcome::NotModified => "not modified".to_string(),
        RefreshOutcome::Unchanged => "unchanged (the same bytes as the last fetch)".to_string(),
        RefreshOutcome::Skipped { until: Some(until) } => {
            format!("skipped: backing off until {until}")
        }
        RefreshOutcome::Skipped { until: None } => "skipped".to_string(),
        RefreshOutcome::Failed(error) => format!("failed: {}", error.message()),
    };
    format!("{} ({}): {what}", source.name, source.url)
}

/// The lines of `check --preview`, and its closing count.
pub fn preview_lines(previews: &[RulePreview]) -> (Vec<String>, Vec<String>) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let (mut hidden, mut rewritten) = (0, 0);
    for preview in previews {
        match preview {
            RulePreview::Hides { rule, title } => {
                hidden += 1;
                out.push(format!("{rule}: hides {title:?}"));
            }
            RulePreview::Rewrites { rules, title, into } => {
                rewritten += 1;
                out.push(format!(
                    "{}: rewrites {title:?} -> {into:?}",
                    rules.join(", ")
                ));
            }
            RulePreview::Unreadable { source, error } => {
                err.push(format!("{source}: not previewed: {error}"));
            }
        }
    }
    out.push(format!(
        "{hidden} entries would be hidden, {rewritten} rewritten; nothing was changed"
    ));
    (out, err)
}

/// `islands status`: the per-source table of `/status`, for a terminal.
pub fn status_table(status: &crate::status::Status) -> String {
    let when = |date: Option<DateTime<Utc>>| {
        date.map_or_else(
            || "never".to_string(),
            |date| date.format("%Y-%m-%d %H:%M:%S").to_string(),
        )
    };
    let mut rows = vec![[
        "SOURCE".to_string(),
        "REGION".to_string(),
        "LAST FETCH".to_string(),
        "STATUS".to_string(),
        "FAILS".to_string(),
        "NEXT FETCH".to_string(),
        "ENTRIES".to_string(),
        "ERROR".to_string(),
    ]];
    for source in &status.sources {
        let mut error = source.last_error.clone().unwrap_or_default();
        if let Some(moved) = &source.moved_to {
            error = format!("{error} moved to {moved}").trim().to_string();
        }
        rows.push([
            source.name.clone(),
            source.region.clone(),
            when(source.last_fetch),
            source
                .last_status
                .map_or_else(|| "-".to_string(), |s| s.to_string()),
            source.consecutive_failures.to_string(),
            when(source.next_fetch),
            source.entries.to_string(),
            error,
        ]);
    }
    let widths: Vec<usize> = (0..8)
        .map(|column| {
            rows.iter()
                .map(|row| row[column].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut table = String::new();
    for row in &rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        table.push_str(cells.join("  ").trim_end());
        table.push('\n');
    }
    if let Some(error) = &status.config_error {
        table.push_str(&format!("config not reloaded: {error}\n"));
    }
    table
}

/// `islands status` without a daemon: the table read from the store.
pub fn status(config: &Config) -> Result<String, CommandError> {
    let store = Store::open(&config.store.path, 8 << 20)?;
    let status = crate::status::collect_status(config, &store, Vec::new(), None, Utc::now())?;
    Ok(status_table(&status))
}

/// `islands comments export`: every comment (pending, approved and spam) as JSON.
pub fn comments_export(config: &Config) -> Result<String, CommandError> {
    let store = Store::open(&config.store.path, 8 << 20)?;
    comments_json(&store)
}

pub fn comments_json(store: &Store) -> Result<String, CommandError> {
    let comments = store.all_comments()?;
    Ok(serde_json::to_string_pretty(&comments).expect("comments serialize") + "\n")
}

/// What `islands source add` added.
#[derive(Debug)]
pub struct AddedSource {
    pub name: String,
    /// The feed's URL (found on the page when a page was given).
    pub url: url::Url,
    /// Set when the URL given was a web page that announced the feed.
    pub discovered_on: Option<url::Url>,
    /// Entries the feed holds now.
    pub entries: usize,
}

/// `islands source add URL --region SLUG [--name NAME]`: fetches URL once; a web page is
/// searched for the feed it announces (`<link rel="alternate">`); the feed must parse. Then the
/// source is added to feeds.toml (toml_edit: comments and layout kept), where a running daemon
/// picks it up by its hot reload. The store is not opened.
pub async fn source_add(
    config: &Config,
    url: &str,
    region: &str,
    name: Option<&str>,
) -> Result<AddedSource, CommandError> {
    let no_feed = |url: &str, message: String| CommandError::NoFeed {
        url: url.to_string(),
        message,
    };
    let given = url::Url::parse(url)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .ok_or_else(|| no_feed(url, "not an absolute http or https URL".to_string()))?;
    if config.region(region).is_none() {
        return Err(CommandError::UnknownRegion(region.to_string()));
    }
    let fetcher = crate::fetch::Fetcher::new(&config.fetch, &crate::app::user_agent(config));
    let fetch = |url: url::Url| {
        let fetcher = fetcher.clone();
        async move {
            match fetcher
                .fetch(&url, &crate::fetch::Validators::default())
                .await
            {
                Ok(crate::fetch::FetchOutcome::Fetched(fetched)) => Ok(*fetched),
                Ok(crate::fetch::FetchOutcome::NotModified { .. }) => Err(no_feed(
                    url.as_str(),
                    "answered 304 to an unconditional GET".to_string(),
                )),
                Err(error) => Err(no_feed(
                    url.as_str(),
                    crate::report::Report(&error).to_string(),
                )),
            }
        }
    };
    let parse = |fetched: &crate::fetch::Fetched, feed_url: &url::Url| {
        let source = Source {
            name: name.unwrap_or("new source").to_string(),
            url: feed_url.clone(),
            refresh_schedule: config.refresh_schedule.clone(),
            region: region.to_string(),
            rules: Vec::new(),
            language: None,
            slug: String::new(),
        };
        let origin = crate::refresh::origin(config, &source, &fetched.final_url);
        crate::normalize::normalize_feed(
            &fetched.body,
            fetched.content_type.as_deref(),
            &origin,
            Utc::now(),
        )
    };
    let first = fetch(given.clone()).await?;
    let (feed_url, feed, discovered_on) = match parse(&first, &given) {
        Ok(feed) => (given, feed, None),
        Err(not_a_feed) => {
            let html = String::from_utf8_lossy(&first.body);
            let links = crate::discover::feed_links(&html, &first.final_url);
            let Some(link) = links.first() else {
                return Err(no_feed(
                    url,
                    format!(
                        "neither a feed ({}) nor a page that announces one with <link rel=\"alternate\">",
                        crate::report::Report(&not_a_feed)
                    ),
                ));
            };
            let fetched = fetch(link.url.clone()).await?;
            let feed = parse(&fetched, &link.url).map_err(|error| {
                no_feed(link.url.as_str(), crate::report::Report(&error).to_string())
            })?;
            (link.url.clone(), feed, Some(given))
        }
    };
    let name = match name {
        Some(name) => name.to_string(),
        None => feed
            .title
            .clone()
            .map(|title| crate::normalize::html::collapse_whitespace(&title))
            .filter(|title| !title.is_empty())
            .unwrap_or_else(|| feed_url.host_str().unwrap_or("feed").to_string()),
    };
    let path = config.path.clone();
    let (name_in_file, url_in_file, region_in_file) =
        (name.clone(), feed_url.clone(), region.to_string());
    tokio::task::spawn_blocking(move || {
        let mut file = crate::config::edit::ConfigFile::read(&path)?;
        file.add_source(&region_in_file, &name_in_file, &url_in_file)?;
        file.save()
    })
    .await
    .map_err(|error| no_feed(url, format!("editing the config: {error}")))??;
    Ok(AddedSource {
        name,
        url: feed_url,
        discovered_on,
        entries: feed.entries.len(),
    })
}

/// `islands source remove NAME`: removes the source from feeds.toml (comments and layout
/// kept); returns its region and URL. Its stored entries stay until retention drops them.
pub fn source_remove(config: &Config, name: &str) -> Result<(String, String), CommandError> {
    let mut file = crate::config::edit::ConfigFile::read(&config.path)?;
    let removed = file.remove_source(name)?;
    file.save()?;
    Ok(removed)
}

/// `islands article export DIR`: every stored article as a Markdown file; returns the files.
pub fn export_articles(config: Config, dir: &Path) -> Result<Vec<PathBuf>, CommandError> {
    let app = App::open(config)?;
    export_articles_from(&app.store, dir)
}

/// Every stored article of `store` as a Markdown file in `dir`; returns the files.
pub fn export_articles_from(store: &Store, dir: &Path) -> Result<Vec<PathBuf>, CommandError> {
    std::fs::create_dir_all(dir).map_err(io("creating", dir))?;
    let mut written = Vec::new();
    for entry in store.all_articles()? {
        let (Some(article), Some(text)) = (&entry.article, ArticleText::from_entry(&entry)) else {
            continue;
        };
        let name = article.file.clone().unwrap_or_else(|| {
            format!("{}-{}.md", entry.published.format("%Y-%m-%d"), article.slug)
        });
        let path = dir.join(&name);
        std::fs::write(&path, text.to_file_text()).map_err(io("writing", &path))?;
        written.push(path);
    }
    Ok(written)
}

/// `islands opml export`: the sources as OPML. The store adds each feed's web page when it
/// can be opened; while a daemon holds it, the outline goes without them.
pub fn opml_export(config: &Config) -> Result<String, CommandError> {
    let site_urls = match Store::open(&config.store.path, 8 << 20) {
        Ok(store) => crate::opml::site_urls(config, &store)?,
        Err(_) => Default::default(),
    };
    Ok(crate::opml::render_opml(config, &site_urls))
}

/// `islands opml import FILE --region SLUG`: adds the file's feeds to a region of the config
/// file, keeping its comments and layout; the result must still be a valid config before it
/// replaces the operator's file (atomically). Returns (added, listed in the file).
pub fn opml_import(
    config: &Config,
    file: &Path,
    region: &str,
) -> Result<(usize, usize), CommandError> {
    let opml = std::fs::read_to_string(file).map_err(io("reading", file))?;
    let feeds = crate::opml::parse_opml(&opml).map_err(|source| CommandError::Opml {
        file: file.to_path_buf(),
        source,
    })?;
    let text = std::fs::read_to_string(&config.path).map_err(io("reading", &config.path))?;
    let shown = config.path.display().to_string();
    let (updated, added) =
        crate::opml::import_into_config(&text, &shown, region, &feeds).map_err(|source| {
            CommandError::Opml {
                file: config.path.clone(),
                source,
            }
        })?;
    Config::from_toml(&config.path, &updated).map_err(CommandError::Config)?;
    let temporary = config.path.with_extension("toml.importing");
    std::fs::write(&temporary, &updated).map_err(io("writing", &temporary))?;
    std::fs::rename(&temporary, &config.path).map_err(io("replacing", &config.path))?;
    Ok((added, feeds.len()))
}

/// `islands article new`: a new article file with its front matter; returns its path. Never
/// replaces a file.
pub fn new_article(
    config: &Config,
    title: &str,
    author: &str,
    regions: &[String],
    now: DateTime<Utc>,
) -> Result<PathBuf, CommandError> {
    if !config.authors.contains_key(author) {
        return Err(CommandError::UnknownAuthor {
            author: author.to_string(),
            config: config.path.clone(),
        });
    }
    if let Some(region) = regions.iter().find(|r| config.region(r).is_none()) {
        return Err(CommandError::UnknownRegion(region.clone()));
    }
    let folder = &config.articles_dir;
    std::fs::create_dir_all(folder).map_err(io("creating", folder))?;
    let path = folder.join(articles::new_article_file_name(title, now));
    let text = articles::new_article_text(title, author, regions, now);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(io("creating", &path))?;
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(io("writing", &path))?;
    Ok(path)
}

/// What the rules would do to one stored entry.
#[derive(Debug, Clone, PartialEq)]
pub enum RulePreview {
    Hides {
        rule: String,
        title: String,
    },
    Rewrites {
        rules: Vec<String>,
        title: String,
        into: String,
    },
    /// `--fetch`: a source that could not be fetched or read.
    Unreadable {
        source: String,
        error: String,
    },
}

/// `islands check --preview [--source NAME]`: what the config's rules would hide or rewrite
/// among the stored entries (of one source), changing nothing.
pub fn preview_rules(
    config: &Config,
    source: Option<&str>,
) -> Result<Vec<RulePreview>, CommandError> {
    let store = Store::open(&config.store.path, 8 << 20)?;
    preview_rules_in(config, &store, source)
}

/// `check --preview` over an open store (the daemon's, when asked through its socket).
pub fn preview_rules_in(
    config: &Config,
    store: &Store,
    source: Option<&str>,
) -> Result<Vec<RulePreview>, CommandError> {
    let only = only_source(config, source)?.map(|source| source.id());
    let mut previews = Vec::new();
    for entry in store.upstream_originals()? {
        let listed = |only: &crate::model::SourceId| {
            entry.sources.iter().any(|source| &source.feed_url == only)
        };
        if only.as_ref().is_some_and(|only| !listed(only)) {
            continue;
        }
        previews.extend(preview_entry(&config.rules_for_entry(&entry), entry));
    }
    Ok(previews)
}

/// `islands check --preview --fetch [--source NAME]`: the same, on a fresh fetch of each source
/// (or of one) instead of the store: no store is opened, nothing is written.
pub async fn preview_rules_fetched(
    config: &Config,
    source: Option<&str>,
) -> Result<Vec<RulePreview>, CommandError> {
    let sources: Vec<&Source> = match only_source(config, source)? {
        Some(source) => vec![source],
        None => config.sources().collect(),
    };
    let fetcher = crate::fetch::Fetcher::new(&config.fetch, &crate::app::user_agent(config));
    let now = Utc::now();
    let fetches = sources.into_iter().map(|source| {
        let fetcher = fetcher.clone();
        async move {
            let fetched = fetcher
                .fetch(&source.url, &crate::fetch::Validators::default())
                .await;
            (source, fetched)
        }
    });
    let mut previews = Vec::new();
    for (source, fetched) in futures_util::future::join_all(fetches).await {
        let unreadable = |error: String| RulePreview::Unreadable {
            source: source.name.clone(),
            error,
        };
        let fetched = match fetched {
            Ok(crate::fetch::FetchOutcome::Fetched(fetched)) => fetched,
            Ok(crate::fetch::FetchOutcome::NotModified { .. }) => {
                previews.push(unreadable(
                    "answered 304 to an unconditional GET".to_string(),
                ));
                continue;
            }
            Err(error) => {
                previews.push(unreadable(crate::report::Report(&error).to_string()));
                continue;
            }
        };
        let origin = crate::refresh::origin(config, source, &fetched.final_url);
        match crate::normalize::normalize_feed(
            &fetched.body,
            fetched.content_type.as_deref(),
            &origin,
            now,
        ) {
            Ok(feed) => {
                let rules = config.rules_for(source);
                for normalized in feed.entries {
                    previews.extend(preview_entry(&rules, normalized.entry));
                }
            }
            Err(error) => previews.push(unreadable(crate::report::Report(&error).to_string())),
        }
    }
    Ok(previews)
}

/// What the rules would do to one entry, if anything.
fn preview_entry(
    rules: &[&crate::config::Rule],
    entry: crate::model::Entry,
) -> Option<RulePreview> {
    match judge(rules, &entry) {
        Verdict::Hide { rule } => Some(RulePreview::Hides {
            rule,
            title: entry.title,
        }),
        Verdict::Publish {
            entry: published,
            rewritten_by,
        } if !rewritten_by.is_empty() => Some(RulePreview::Rewrites {
            rules: rewritten_by,
            title: entry.title,
            into: published.title,
        }),
        Verdict::Publish { .. } => None,
    }
}

/// The source named `name` (`--source`), if one was named.
fn only_source<'a>(
    config: &'a Config,
    name: Option<&str>,
) -> Result<Option<&'a Source>, CommandError> {
    let only = match name {
        Some(name) => Some(config.sources().find(|s| s.name == name).ok_or_else(|| {
            CommandError::UnknownSource {
                name: name.to_string(),
                config: config.path.clone(),
            }
        })?),
        None => None,
    };
    Ok(only)
}
