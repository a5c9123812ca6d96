//! The edge: the command line, logging, signals and exit codes. The only user of anyhow.
//!
//! Exit codes: 0 ok, 1 runtime failure (store, network listener), 2 invalid config.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use islands::app::App;
use islands::articles;
use islands::config::Config;
use islands::refresh::{RefreshOutcome, refresh_source};

#[derive(Parser)]
#[command(
    name = "islands",
    version,
    about = "Feed publisher and aggregator for Ireland and Cyprus"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Refresh every source now and on its schedule, and serve the feeds and pages over HTTP.
    Serve(ConfigArg),
    /// Validate the config and exit: 0 when valid, 2 with FILE:LINE:COL errors otherwise.
    Check {
        #[command(flatten)]
        config: ConfigArg,
        /// Also print what each rule would hide or rewrite among the stored entries (nothing
        /// is changed; the store must not be open in a running daemon).
        #[arg(long)]
        preview: bool,
        /// With --preview: only this source's entries (its name in feeds.toml).
        #[arg(long, requires = "preview")]
        source: Option<String>,
    },
    /// Refresh every source once, then exit.
    Fetch(ConfigArg),
    /// Write every feed and page as static files (with .gz and .br twins) into a folder.
    Export {
        /// The folder to write; files islands no longer publishes are removed from it.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        config: ConfigArg,
    },
    /// Export the sources as OPML, or add an OPML file's feeds to a region.
    #[command(subcommand)]
    Opml(OpmlCommand),
    /// Write the site's own articles.
    #[command(subcommand)]
    Article(ArticleCommand),
}

#[derive(Subcommand)]
enum OpmlCommand {
    /// Print every source as OPML 2.0, grouped by region.
    Export(ConfigArg),
    /// Add the feeds of an OPML file to a region of the config, keeping its comments.
    Import {
        /// The OPML file.
        file: PathBuf,
        /// The region slug the feeds join.
        #[arg(long)]
        region: String,
        #[command(flatten)]
        config: ConfigArg,
    },
}

#[derive(Subcommand)]
enum ArticleCommand {
    /// Write a new article file with correct front matter and print its path.
    New {
        /// The article's title.
        title: String,
        /// The author's key in [authors].
        #[arg(long)]
        author: String,
        /// A region slug; repeat for several. None: the combined feed only.
        #[arg(long = "region")]
        regions: Vec<String>,
        #[command(flatten)]
        config: ConfigArg,
    },
    /// Write every stored article (files and Micropub posts) as Markdown files into DIR.
    Export {
        /// The folder to write into; existing files of the same name are replaced.
        dir: PathBuf,
        #[command(flatten)]
        config: ConfigArg,
    },
}

#[derive(clap::Args)]
struct ConfigArg {
    /// The config file; relative paths inside it resolve against its folder.
    #[arg(long, default_value = "feeds.toml")]
    config: PathBuf,
}

const EXIT_RUNTIME: u8 = 1;
const EXIT_CONFIG: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "islands=info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();

    let config_path = match &cli.command {
        Command::Serve(arg) | Command::Fetch(arg) => arg.config.clone(),
        Command::Check { config, .. } => config.config.clone(),
        Command::Article(ArticleCommand::New { config, .. })
        | Command::Article(ArticleCommand::Export { config, .. })
        | Command::Opml(OpmlCommand::Import { config, .. }) => config.config.clone(),
        Command::Opml(OpmlCommand::Export(arg)) => arg.config.clone(),
        Command::Export { config, .. } => config.config.clone(),
    };
    let config = match load_config(&config_path) {
        Some(config) => config,
        None => return ExitCode::from(EXIT_CONFIG),
    };
    let result = match cli.command {
        Command::Check {
            preview, source, ..
        } => {
            // Articles are checked against the config too: their authors and regions.
            let article_errors = articles::check_articles(&config);
            if !article_errors.is_empty() {
                for error in &article_errors {
                    eprintln!("{error}");
                }
                return ExitCode::from(EXIT_CONFIG);
            }
            println!(
                "{}: ok ({} regions, {} sources)",
                config_path.display(),
                config.regions.len(),
                config.sources().count()
            );
            if preview {
                preview_rules(&config, source.as_deref())
            } else {
                Ok(())
            }
        }
        Command::Serve(_) => runtime().and_then(|rt| rt.block_on(serve(config))),
        Command::Fetch(_) => runtime().and_then(|rt| rt.block_on(fetch(config))),
        Command::Article(ArticleCommand::New {
            title,
            author,
            regions,
            ..
        }) => new_article(&config, &title, &author, &regions),
        Command::Article(ArticleCommand::Export { dir, .. }) => export_articles(config, &dir),
        Command::Opml(OpmlCommand::Export(_)) => export_opml(&config),
        Command::Export { out, .. } => export(config, &out),
        Command::Opml(OpmlCommand::Import { file, region, .. }) => {
            import_opml(&config, &file, &region)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("islands: {error:#}");
            ExitCode::from(EXIT_RUNTIME)
        }
    }
}

fn load_config(path: &Path) -> Option<Config> {
    match Config::load(path) {
        Ok(config) => Some(config),
        Err(errors) => {
            eprintln!("{errors}");
            None
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let daemon = islands::daemon::start(config).await?;
    // Tests and scripts wait for this exact line on stdout.
    println!("listening on http://{}/", daemon.address);
    wait_for_signal().await;
    daemon.stop().await.context("flushing the store")
}

async fn fetch(config: Config) -> anyhow::Result<()> {
    let app = Arc::new(open_app(config)?);
    let sources: Vec<_> = app.config().sources().cloned().collect();
    let progress = Progress::new(sources.len(), "fetching");
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
        let line = match outcome {
            RefreshOutcome::Stored { new, updated } => format!("{new} new, {updated} updated"),
            RefreshOutcome::NotModified => "not modified".to_string(),
            RefreshOutcome::Skipped { until: Some(until) } => {
                format!("skipped: backing off until {until}")
            }
            RefreshOutcome::Skipped { until: None } => "skipped".to_string(),
            RefreshOutcome::Failed(error) => format!("failed: {}", error.message()),
        };
        progress.line(&format!("{} ({}): {line}", source.name, source.url));
    }
    progress.finish();
    app.store
        .blocking(|store| store.commit().and_then(|_| store.flush()))
        .await
        .context("flushing the store")
}

fn export(config: Config, out: &Path) -> anyhow::Result<()> {
    let app = open_app(config)?;
    let config = app.config();
    articles::sync_articles(&config, &app.store).context("importing the articles")?;
    let progress = Progress::new(0, "exporting");
    let generation = app.store.generation();
    let report = islands::export::export_site(
        generation,
        &config,
        &app.store,
        &app.rendered,
        out,
        &mut |_| progress.tick(),
    )?;
    progress.finish();
    println!(
        "{}: {} files, {} written, {} removed",
        out.display(),
        report.files,
        report.written,
        report.removed
    );
    if report.failed > 0 {
        anyhow::bail!(
            "{} files could not be written to {} (each is logged above)",
            report.failed,
            out.display()
        );
    }
    Ok(())
}

/// Progress for long one-shot work: a bar on a terminal, plain lines otherwise (logs, CI).
struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    /// `total` 0: a spinner-like counter, for work of unknown length.
    fn new(total: usize, what: &str) -> Progress {
        use std::io::IsTerminal;
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = if total == 0 {
                indicatif::ProgressBar::new_spinner()
            } else {
                indicatif::ProgressBar::new(total as u64)
            };
            bar.set_message(what.to_string());
            bar.set_style(
                indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {elapsed}")
                    .expect("a valid template"),
            );
            bar
        });
        Progress { bar }
    }

    fn line(&self, line: &str) {
        match &self.bar {
            Some(bar) => {
                bar.println(line);
                bar.inc(1);
            }
            None => println!("{line}"),
        }
    }

    fn tick(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn export_articles(config: Config, dir: &Path) -> anyhow::Result<()> {
    let app = open_app(config)?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let entries = app.store.all_articles()?;
    for entry in &entries {
        let (Some(article), Some(text)) =
            (&entry.article, articles::ArticleText::from_entry(entry))
        else {
            continue;
        };
        let name = article.file.clone().unwrap_or_else(|| {
            format!("{}-{}.md", entry.published.format("%Y-%m-%d"), article.slug)
        });
        let path = dir.join(&name);
        std::fs::write(&path, text.to_file_text())
            .with_context(|| format!("writing {}", path.display()))?;
        println!("{}", path.display());
    }
    eprintln!("{} articles written to {}", entries.len(), dir.display());
    Ok(())
}

/// `check --preview`: what the rules would hide or rewrite among the stored entries.
fn preview_rules(config: &Config, source: Option<&str>) -> anyhow::Result<()> {
    let only = match source {
        Some(name) => Some(
            config
                .sources()
                .find(|s| s.name == name)
                .map(|s| s.id())
                .with_context(|| {
                    format!("no source named {name:?} in {}", config.path.display())
                })?,
        ),
        None => None,
    };
    let store = islands::store::Store::open(&config.store.path, 8 << 20).with_context(|| {
        format!(
            "opening the store at {} (stop the daemon that holds it first)",
            config.store.path.display()
        )
    })?;
    let (mut hidden, mut rewritten) = (0, 0);
    for entry in store.upstream_originals()? {
        if only
            .as_ref()
            .is_some_and(|only| !entry.sources.iter().any(|s| &s.feed_url == only))
        {
            continue;
        }
        match islands::rules::judge(&config.rules_for_entry(&entry), &entry) {
            islands::rules::Verdict::Hide { rule } => {
                hidden += 1;
                println!("{rule}: hides {:?}", entry.title);
            }
            islands::rules::Verdict::Publish {
                entry: published,
                rewritten_by,
            } if !rewritten_by.is_empty() => {
                rewritten += 1;
                println!(
                    "{}: rewrites {:?} -> {:?}",
                    rewritten_by.join(", "),
                    entry.title,
                    published.title
                );
            }
            islands::rules::Verdict::Publish { .. } => {}
        }
    }
    println!("{hidden} entries would be hidden, {rewritten} rewritten; nothing was changed");
    Ok(())
}

fn export_opml(config: &Config) -> anyhow::Result<()> {
    // The store adds each feed's web page; it is locked while the daemon runs, and the outline
    // is still useful without them.
    let site_urls = match islands::store::Store::open(&config.store.path, 8 << 20) {
        Ok(store) => islands::opml::site_urls(config, &store)?,
        Err(_) => Default::default(),
    };
    print!("{}", islands::opml::render_opml(config, &site_urls));
    Ok(())
}

fn import_opml(config: &Config, file: &Path, region: &str) -> anyhow::Result<()> {
    let opml =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let feeds = islands::opml::parse_opml(&opml).with_context(|| file.display().to_string())?;
    let text = std::fs::read_to_string(&config.path)
        .with_context(|| format!("reading {}", config.path.display()))?;
    let path = config.path.display().to_string();
    let (updated, added) = islands::opml::import_into_config(&text, &path, region, &feeds)?;
    // The result must still be a valid config before it replaces the operator's file.
    Config::from_toml(&config.path, &updated).map_err(|errors| anyhow::anyhow!("{errors}"))?;
    let temporary = config.path.with_extension("toml.importing");
    std::fs::write(&temporary, &updated)
        .with_context(|| format!("writing {}", temporary.display()))?;
    std::fs::rename(&temporary, &config.path)
        .with_context(|| format!("replacing {}", config.path.display()))?;
    println!(
        "added {added} of {} feeds to region {region:?} in {path}",
        feeds.len()
    );
    Ok(())
}

fn new_article(
    config: &Config,
    title: &str,
    author: &str,
    regions: &[String],
) -> anyhow::Result<()> {
    if !config.authors.contains_key(author) {
        anyhow::bail!(
            "unknown author {author:?}: add it under [authors] in {}",
            config.path.display()
        );
    }
    if let Some(region) = regions.iter().find(|r| config.region(r).is_none()) {
        anyhow::bail!("unknown region {region:?}");
    }
    let now = chrono::Utc::now();
    let path = config
        .articles_dir
        .join(articles::new_article_file_name(title, now));
    std::fs::create_dir_all(&config.articles_dir)
        .with_context(|| format!("creating {}", config.articles_dir.display()))?;
    let text = articles::new_article_text(title, author, regions, now);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| format!("creating {}", path.display()))?;
    std::io::Write::write_all(&mut file, text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    println!("{}", path.display());
    Ok(())
}

fn open_app(config: Config) -> anyhow::Result<App> {
    let path = config.store.path.clone();
    App::open(config).with_context(|| format!("opening the store at {}", path.display()))
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("installing a SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
