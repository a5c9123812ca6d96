//! The articles folder -> the store, at start and whenever a file in it changes.
//!
//! Sync is whole-folder and idempotent: every file is parsed, entries that differ from the
//! stored ones are written, file articles whose file is gone are removed. A file that fails to
//! parse keeps its last good version. Editors save in bursts (one write gave four notify events,
//! notify 8 on Linux) and some replace the file, so we watch the folder and debounce.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use super::{article_id, parse_article, read_article_file};
use crate::app::App;
use crate::config::Config;
use crate::model::Entry;
use crate::store::{Store, StoreError};
use crate::watch;

/// A file that could not be published, as shown in `/status.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArticleIssue {
    pub file: String,
    pub error: String,
}

/// Mirrors the articles folder into the store; returns the files that could not be published.
/// Blocking (file and sled IO).
pub fn sync_articles(config: &Config, store: &Store) -> Result<Vec<ArticleIssue>, StoreError> {
    let folder = &config.articles_dir;
    let mut issues = Vec::new();
    let files = match markdown_files(folder) {
        Ok(files) => files,
        Err(error) => {
            // A missing or unreadable folder must not unpublish every article.
            issues.push(ArticleIssue {
                file: folder.display().to_string(),
                error: format!("cannot read the articles folder: {error}"),
            });
            return Ok(issues);
        }
    };
    let mut slugs = HashSet::new();
    for file_name in files {
        let slug = super::slug_of(&file_name);
        if !slugs.insert(slug.clone()) {
            issues.push(ArticleIssue {
                error: format!("{file_name}: another file already has the slug {slug:?}"),
                file: file_name,
            });
            continue;
        }
        let text = match read_article_file(&folder.join(&file_name)) {
            Ok(text) => text,
            Err(error) => {
                issues.push(ArticleIssue {
                    error: format!("{file_name}: {error}"),
                    file: file_name,
                });
                continue;
            }
        };
        match parse_article(&file_name, &text, config) {
            Ok(parsed) => match parsed.entry {
                Some(entry) => {
                    if store.get(entry.id)?.as_ref() == Some(&entry) {
                        continue;
                    }
                    // One slug, one article: a file never replaces a Micropub post (published
                    // or deleted), which would take its byline and, with the file, its page.
                    if store.put_article_if(&entry, |held, deleted| {
                        !deleted && !held.is_some_and(is_posted)
                    })? {
                        info!(file = %file_name, slug = %parsed.slug, "article published");
                    } else {
                        let error = format!(
                            "{file_name}: the slug {:?} belongs to an article posted over Micropub; rename the file",
                            parsed.slug
                        );
                        warn!("article not published: {error}");
                        issues.push(ArticleIssue {
                            file: file_name,
                            error,
                        });
                    }
                }
                None => {
                    let id = article_id(&parsed.slug);
                    let held_by_post = store.get(id)?.as_ref().is_some_and(is_posted);
                    if !held_by_post && store.remove(id)? {
                        info!(file = %file_name, "article is a draft again: unpublished");
                    }
                }
            },
            Err(error) => {
                warn!("article not published: {error}");
                issues.push(ArticleIssue {
                    file: file_name,
                    error: error.to_string(),
                });
            }
        }
    }
    for entry in store.all_articles()? {
        let Some(article) = &entry.article else {
            continue;
        };
        if article.file.is_some() && !slugs.contains(&article.slug) {
            info!(slug = %article.slug, "article file deleted: unpublished");
            store.remove(entry.id)?;
        }
    }
    store.commit()?;
    Ok(issues)
}

/// An article posted over Micropub rather than written as a file.
fn is_posted(entry: &Entry) -> bool {
    entry
        .article
        .as_ref()
        .is_some_and(|article| article.file.is_none())
}

/// Watches the articles folder and re-syncs it, debounced, until shutdown.
///
/// The folder's parent is watched too, for the folder's own name: a deploy that replaces the
/// folder (`mv articles articles.old; mkdir articles`) leaves a watch on the old one, and new
/// files were never published (issue 11). Each wake-up checks which folder is at the path and
/// watches the new one when it changed. The returned watcher (the parent's) lasts the watch.
pub fn watch_articles(
    app: Arc<App>,
    shutdown: CancellationToken,
) -> notify::Result<notify::RecommendedWatcher> {
    let folder = app.config().articles_dir.clone();
    let (wake, woken) = watch::wake_ups();
    let parent = match folder.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = folder.file_name().map(|name| name.to_os_string());
    let parent_watcher = watch::watch_folder(
        &parent,
        move |event| {
            let named = |path: &std::path::PathBuf| path.file_name() == name.as_deref();
            event.paths.iter().any(named)
        },
        wake.clone(),
    )?;
    let mut folder_watch = FolderWatch::default();
    folder_watch.renew(&folder, &wake);
    watch::run_debounced(woken, shutdown, move || {
        folder_watch.renew(&folder, &wake);
        let app = app.clone();
        async move { resync(&app).await }
    });
    Ok(parent_watcher)
}

/// The watch on the folder now at the articles path, and which folder that is.
#[derive(Default)]
struct FolderWatch {
    /// Device and inode of the watched folder.
    identity: Option<(u64, u64)>,
    watcher: Option<notify::RecommendedWatcher>,
}

impl FolderWatch {
    /// Watches the folder at `path` anew if it is not the one watched.
    fn renew(&mut self, path: &Path, wake: &tokio::sync::mpsc::Sender<()>) {
        use std::os::unix::fs::MetadataExt;
        let identity = std::fs::metadata(path)
            .ok()
            .map(|metadata| (metadata.dev(), metadata.ino()));
        if identity == self.identity && (self.watcher.is_some() || identity.is_none()) {
            return;
        }
        if self.identity.is_some() {
            info!(folder = %path.display(), "the articles folder was replaced: watching the new one");
        }
        self.identity = identity;
        self.watcher =
            identity.and_then(
                |_| match watch::watch_folder(path, |_| true, wake.clone()) {
                    Ok(watcher) => Some(watcher),
                    Err(error) => {
                        warn!("not watching {}: {error}", path.display());
                        None
                    }
                },
            );
    }
}

/// Syncs the folder off the runtime and records its issues for `/status.json`.
pub async fn resync(app: &Arc<App>) {
    let config = app.config();
    let synced = app
        .store
        .blocking(move |store| sync_articles(&config, store))
        .await;
    match synced {
        Ok(issues) => app.set_article_issues(issues),
        Err(error) => warn!("syncing articles: {}", crate::report::Report(&error)),
    }
}

fn markdown_files(folder: &Path) -> std::io::Result<Vec<String>> {
    let mut files = Vec::new();
    for item in std::fs::read_dir(folder)? {
        let item = item?;
        let name = item.file_name().to_string_lossy().into_owned();
        // Editors' temporary and backup files are not articles.
        if name.ends_with(".md") && !name.starts_with('.') && item.file_type()?.is_file() {
            files.push(name);
        }
    }
    files.sort();
    Ok(files)
}
