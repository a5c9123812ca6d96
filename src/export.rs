//! The whole site as static files, for nginx, an object store or a CDN to serve: every page of
//! every feed with `.gz` and `.br` twins, the HTML pages and `sources.opml`.
//!
//! Layout (the README's nginx snippet maps requests onto it):
//! - `feeds/{all,REGION}.{rss,atom,json}`: page 1; `feeds/{name}/page-N.{ext}`: page N (also N=1);
//! - `index.html`, `{region}/index.html`, `articles/{slug}/index.html`, `sources.opml`;
//! - paged pages (a region's, a story's) at `{folder}/page-N/index.html`, page 1 also at
//!   `{folder}/index.html`; the comments feed as a feed (`feeds/comments/page-N.{ext}`);
//! - `export.json`, written last: the store generation and time of the finished pass.
//!
//! Each file is written atomically (a temporary file in the same folder, then a rename) and only
//! when its bytes changed, so a server's mtime-based ETags stay put. The folder belongs to
//! islands: files that are no longer part of the site (a deleted article) are removed.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::render::Format;
use crate::render::cache::{FeedRequest, RenderCache, RenderError, Rendered};
use crate::store::{Store, StoreError};
use crate::urls::{self, SitePage};

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("export to {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an export did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ExportReport {
    /// Files of the site (each with its twins counted once).
    pub files: usize,
    /// Files whose bytes changed and were written.
    pub written: usize,
    /// Stale files removed.
    pub removed: usize,
    /// Files that could not be written or removed: each is logged, and the pass goes on, so
    /// one bad file never stops the others from reaching the mirror (issue 11).
    pub failed: usize,
}

/// Writes the site into `out`. Blocking (sled, compression, files). `generation` is the
/// store's, read before the `config` snapshot was taken (see `RenderCache::feed`). `progress`
/// is called with the number of the file just done.
pub fn export_site(
    generation: u64,
    config: &Config,
    store: &Store,
    cache: &RenderCache,
    out: &Path,
    progress: &mut dyn FnMut(usize),
) -> Result<ExportReport, ExportError> {
    let mut writer = Writer {
        out,
        kept: HashSet::new(),
        report: ExportReport::default(),
        progress,
    };
    let tag_feeds = store.tags()?.into_iter().map(crate::model::FeedKey::Tag);
    for feed in config.feeds().into_iter().chain(tag_feeds) {
        for format in Format::ALL {
            for page in 1.. {
                let request = FeedRequest {
                    feed: feed.clone(),
                    format,
                    page,
                    after: None,
                };
                let rendered = match cache.feed(generation, config, store, &request) {
                    Ok(rendered) => rendered,
                    Err(RenderError::NotFound | RenderError::PastEnd(_) | RenderError::Gone) => {
                        break;
                    }
                    Err(RenderError::Store(error)) => return Err(error.into()),
                };
                for file in urls::feed_files(&feed.name(), format, page) {
                    writer.write(&file, &rendered);
                }
            }
        }
    }

    let mut pages = vec![SitePage::Home];
    pages.extend(
        config
            .authors
            .keys()
            .map(|key| SitePage::Author { key: key.clone() }),
    );
    pages.extend(config.sources().map(|source| SitePage::Source {
        slug: source.slug.clone(),
    }));
    let tags = store.tags()?;
    pages.extend(tags.iter().map(|slug| SitePage::Tag { slug: slug.clone() }));
    for entry in store.all_articles()? {
        if let Some(article) = &entry.article {
            pages.push(SitePage::Article {
                slug: article.slug.clone(),
            });
        }
    }
    for page in pages {
        match cache.page(generation, config, store, &page) {
            Ok(rendered) => writer.write_all(&page.export_files(), &rendered),
            Err(RenderError::Store(error)) => return Err(ExportError::Store(error)),
            // The page went away between listing and rendering (an article just deleted).
            Err(RenderError::NotFound | RenderError::PastEnd(_) | RenderError::Gone) => {}
        }
    }
    // Every page of a region, as far as its "Older" links go.
    for region in &config.regions {
        for number in 1.. {
            let page = SitePage::Region {
                slug: region.slug.clone(),
                page: number,
            };
            match cache.page(generation, config, store, &page) {
                Ok(rendered) => writer.write_all(&page.export_files(), &rendered),
                Err(RenderError::Store(error)) => return Err(ExportError::Store(error)),
                Err(RenderError::NotFound | RenderError::PastEnd(_) | RenderError::Gone) => break,
            }
        }
    }
    // Every page of every story (the stories feeds link them all), rendered here and not kept
    // in the render cache: there are about as many as there are entries.
    for id in store.story_ids()? {
        for number in 1.. {
            let page = SitePage::Story { id, page: number };
            match crate::render::site::render_page(config, store, &page) {
                Ok(body) => {
                    for file in page.export_files() {
                        writer.write_plain(&file, &body.bytes);
                    }
                }
                Err(RenderError::Store(error)) => return Err(ExportError::Store(error)),
                Err(RenderError::NotFound | RenderError::PastEnd(_) | RenderError::Gone) => break,
            }
        }
    }
    let site_urls = crate::opml::site_urls(config, store)?;
    let opml = crate::opml::render_opml(config, &site_urls);
    writer.write_plain("sources.opml", opml.as_bytes());
    // Approved comments: the site's feed of them, every page, and every article's.
    for format in crate::model::Format::ALL {
        for number in 1.. {
            let Some(bytes) = crate::render::site::comments_feed(config, store, format, number)?
            else {
                break;
            };
            let page = SitePage::Comments {
                format,
                page: number,
            };
            for file in page.export_files() {
                writer.write_plain(&file, &bytes);
            }
        }
    }
    for article in store.all_articles()? {
        let Some(slug) = article.article.as_ref().map(|a| a.slug.clone()) else {
            continue;
        };
        if let Some(bytes) = crate::render::site::article_comments_feed(config, store, &slug)? {
            writer.write_plain(&format!("articles/{slug}/comments.atom"), &bytes);
        }
    }
    let articles = store.all_articles()?;
    let sitemap = crate::render::sitemap::sitemap(config, &articles);
    writer.write_plain("sitemap.xml", sitemap.as_bytes());
    let news = crate::render::sitemap::news_sitemap(config, &articles, chrono::Utc::now());
    writer.write_plain("sitemap-news.xml", news.as_bytes());
    writer.write_plain("icon.png", crate::serve::ICON);
    writer.write_plain(
        "robots.txt",
        crate::render::sitemap::robots(config).as_bytes(),
    );

    writer.kept.insert(out.join("export.json"));
    writer.remove_stale();
    // Written last, so a syncing job (rsync, a CDN upload) can wait for a finished pass.
    let stamp = serde_json::json!({
        "generation": generation,
        "files": writer.report.files,
        "finished": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    });
    writer.put_raw("export.json", stamp.to_string().as_bytes())?;
    Ok(writer.report)
}

struct Writer<'a> {
    out: &'a Path,
    kept: HashSet<PathBuf>,
    report: ExportReport,
    progress: &'a mut dyn FnMut(usize),
}

impl Writer<'_> {
    /// Writes a rendered file at each of its names.
    fn write_all(&mut self, files: &[String], rendered: &Rendered) {
        for file in files {
            self.write(file, rendered);
        }
    }

    /// Writes a rendered file and its compressed twins.
    fn write(&mut self, relative: &str, rendered: &Rendered) {
        let written = self.put(relative, &rendered.identity).and_then(|()| {
            if !rendered.gzip.is_empty() {
                self.put(&format!("{relative}.gz"), &rendered.gzip)?;
                self.put(&format!("{relative}.br"), &rendered.brotli)
            } else {
                // Pages past the cached ones are not precompressed by the cache; do it here.
                self.put(&format!("{relative}.gz"), &gzip(&rendered.identity))
            }
        });
        self.done(relative, written);
    }

    fn write_plain(&mut self, relative: &str, bytes: &[u8]) {
        let written = self
            .put(relative, bytes)
            .and_then(|()| self.put(&format!("{relative}.gz"), &gzip(bytes)));
        self.done(relative, written);
    }

    fn done(&mut self, relative: &str, written: Result<(), ExportError>) {
        if let Err(error) = written {
            self.failed(relative, &error);
        }
        self.report.files += 1;
        (self.progress)(self.report.files);
    }

    fn failed(&mut self, relative: &str, error: &ExportError) {
        tracing::error!(file = relative, "export: {}", crate::report::Report(error));
        self.report.failed += 1;
    }

    fn put(&mut self, relative: &str, bytes: &[u8]) -> Result<(), ExportError> {
        let path = self.out.join(relative);
        self.kept.insert(path.clone());
        if std::fs::read(&path).is_ok_and(|existing| existing == bytes) {
            return Ok(());
        }
        self.report.written += 1;
        tracing::debug!(file = relative, "exported");
        self.put_raw(relative, bytes)
    }

    /// Writes atomically: a temporary file in the same folder, then a rename.
    fn put_raw(&mut self, relative: &str, bytes: &[u8]) -> Result<(), ExportError> {
        let path = self.out.join(relative);
        let io = |source| ExportError::Io {
            path: path.clone(),
            source,
        };
        let folder = path.parent().expect("paths under out have a parent");
        std::fs::create_dir_all(folder).map_err(io)?;
        let mut temporary = tempfile::NamedTempFile::new_in(folder).map_err(io)?;
        temporary.write_all(bytes).map_err(io)?;
        temporary.persist(&path).map_err(|error| io(error.error))?;
        Ok(())
    }

    fn remove_stale(&mut self) {
        let mut stack = vec![self.out.to_path_buf()];
        while let Some(folder) = stack.pop() {
            let Ok(items) = std::fs::read_dir(&folder) else {
                continue;
            };
            for item in items.flatten() {
                let path = item.path();
                if path.is_dir() {
                    stack.push(path);
                } else if !self.kept.contains(&path) {
                    match std::fs::remove_file(&path) {
                        Ok(()) => self.report.removed += 1,
                        Err(source) => {
                            let relative = path.strip_prefix(self.out).unwrap_or(&path);
                            let relative = relative.display().to_string();
                            self.failed(&relative, &ExportError::Io { path, source });
                        }
                    }
                }
            }
        }
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}
