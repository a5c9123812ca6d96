//! The edge: the command line, logging, signals, progress, printing and exit codes; the work
//! is the library's (`daemon`, `commands`). The only user of anyhow.
//!
//! Exit codes: 0 ok, 1 runtime failure (store, network listener), 2 invalid config.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use islands::articles;
use islands::commands;
use islands::config::Config;

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
        /// With --preview: judge a fresh fetch of the sources instead of the stored entries
        /// (no store is opened, so this works beside a running daemon).
        #[arg(long, requires = "preview")]
        fetch: bool,
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
    /// Add a source to feeds.toml (from its feed's URL, or a web page that announces it), or
    /// remove one; a running daemon picks the change up by its hot reload.
    #[command(subcommand)]
    Source(SourceCommand),
    /// Export readers' comments.
    #[command(subcommand)]
    Comments(CommentsCommand),
    /// Print the state of every source (as /status shows it), from the running daemon or
    /// from the store.
    Status(ConfigArg),
    /// Rebuild the search index from the store (the daemon rebuilds a missing or stale one
    /// by itself at start).
    Reindex(ConfigArg),
    /// Rewrite the store's values in this release's layout (large values compressed); the
    /// daemon reads older values as they are, so this only saves space. Stop the daemon first.
    Migrate(ConfigArg),
    /// Copy the store into a fresh one that takes its place: sled keeps the space of every
    /// value it rewrote, a copy holds only what is live. Stop the daemon first.
    Compact(ConfigArg),
    /// Export the sources as OPML, or add an OPML file's feeds to a region.
    #[command(subcommand)]
    Opml(OpmlCommand),
    /// Write the site's own articles.
    #[command(subcommand)]
    Article(ArticleCommand),
}

#[derive(Subcommand)]
enum CommentsCommand {
    /// Every comment (held, approved, spam) as JSON on stdout.
    Export(ConfigArg),
}

#[derive(Subcommand)]
enum SourceCommand {
    /// Fetch URL once (a feed, or a page whose <link rel="alternate"> names one), check that
    /// it parses, and add it to a region.
    Add {
        url: String,
        /// The region to add it to (its slug).
        #[arg(long)]
        region: String,
        /// Its name on the site (default: the feed's own title).
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        config: ConfigArg,
    },
    /// Remove the source with this name (its stored entries stay until retention).
    Remove {
        name: String,
        #[command(flatten)]
        config: ConfigArg,
    },
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
    islands::memory::limit_arenas();
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
        Command::Serve(arg)
        | Command::Fetch(arg)
        | Command::Reindex(arg)
        | Command::Migrate(arg)
        | Command::Compact(arg)
        | Command::Status(arg)
        | Command::Comments(CommentsCommand::Export(arg)) => arg.config.clone(),
        Command::Check { config, .. } => config.config.clone(),
        Command::Article(ArticleCommand::New { config, .. })
        | Command::Article(ArticleCommand::Export { config, .. })
        | Command::Opml(OpmlCommand::Import { config, .. }) => config.config.clone(),
        Command::Opml(OpmlCommand::Export(arg)) => arg.config.clone(),
        Command::Source(SourceCommand::Add { config, .. })
        | Command::Source(SourceCommand::Remove { config, .. }) => config.config.clone(),
        Command::Export { config, .. } => config.config.clone(),
    };
    let config = match load_config(&config_path) {
        Some(config) => config,
        None => return ExitCode::from(EXIT_CONFIG),
    };
    let result = match cli.command {
        Command::Check {
            preview,
            source,
            fetch,
            ..
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
                preview_rules(&config, source.as_deref(), fetch)
            } else {
                Ok(())
            }
        }
        Command::Serve(_) => runtime().and_then(|rt| rt.block_on(serve(config))),
        Command::Fetch(_) => via_daemon(&config, "POST", "/fetch", &[])
            .unwrap_or_else(|| runtime().and_then(|rt| rt.block_on(fetch(config)))),
        Command::Article(ArticleCommand::New {
            title,
            author,
            regions,
            ..
        }) => new_article(&config, &title, &author, &regions),
        Command::Article(ArticleCommand::Export { dir, .. }) => via_daemon(
            &config,
            "POST",
            "/article-export",
            &[("to", &absolute(&dir))],
        )
        .unwrap_or_else(|| export_articles(config, &dir)),
        Command::Opml(OpmlCommand::Export(_)) => {
            via_daemon(&config, "GET", "/opml", &[]).unwrap_or_else(|| export_opml(&config))
        }
        Command::Export { out, .. } => {
            via_daemon(&config, "POST", "/export", &[("to", &absolute(&out))])
                .unwrap_or_else(|| export(config, &out))
        }
        Command::Reindex(_) => {
            via_daemon(&config, "POST", "/reindex", &[]).unwrap_or_else(|| reindex(config))
        }
        Command::Migrate(_) => migrate(config),
        Command::Compact(_) => compact(config),
        Command::Comments(CommentsCommand::Export(_)) => {
            via_daemon(&config, "GET", "/comments", &[]).unwrap_or_else(|| {
                print!("{}", commands::comments_export(&config)?);
                Ok(())
            })
        }
        Command::Status(_) => via_daemon(&config, "GET", "/status", &[]).unwrap_or_else(|| {
            print!("{}", commands::status(&config)?);
            Ok(())
        }),
        Command::Source(SourceCommand::Add {
            url, region, name, ..
        }) => source_add(&config, &url, &region, name.as_deref()),
        Command::Source(SourceCommand::Remove { name, .. }) => source_remove(&config, &name),
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
    let progress = Progress::new(config.sources().count(), "fetching");
    commands::fetch(config, |source, outcome| {
        progress.line(&commands::fetch_line(source, outcome));
    })
    .await?;
    progress.finish();
    Ok(())
}

fn export(config: Config, out: &Path) -> anyhow::Result<()> {
    let progress = Progress::new(0, "exporting");
    let exported = commands::export(config, out, &mut |_| progress.tick());
    progress.finish();
    let report = exported?;
    println!(
        "{}: {} files, {} written, {} removed",
        out.display(),
        report.files,
        report.written,
        report.removed
    );
    Ok(())
}

/// Runs a command in the daemon that holds the store, if one answers on its socket (see
/// `islands::control`); `None`: no daemon, run it here.
fn via_daemon(
    config: &Config,
    method: &'static str,
    path: &str,
    query: &[(&str, &str)],
) -> Option<anyhow::Result<()>> {
    let mut target = path.to_string();
    if !query.is_empty() {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.extend_pairs(query);
        target = format!("{path}?{}", form.finish());
    }
    let request = islands::control::Request {
        method,
        path: target,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    let done = runtime.block_on(islands::control::forward(&config.store.path, request))?;
    Some(done.map_err(|error| anyhow::anyhow!("the running daemon: {error}")))
}

/// A path as an absolute one, resolved in this process's working folder (the daemon has its
/// own).
fn absolute(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

fn source_add(config: &Config, url: &str, region: &str, name: Option<&str>) -> anyhow::Result<()> {
    let added = runtime()?.block_on(commands::source_add(config, url, region, name))?;
    if let Some(page) = &added.discovered_on {
        println!("{page} announces the feed {}", added.url);
    }
    println!(
        "added {:?} ({}, {} entries now) to {region} in {}",
        added.name,
        added.url,
        added.entries,
        config.path.display()
    );
    Ok(())
}

fn source_remove(config: &Config, name: &str) -> anyhow::Result<()> {
    let (region, url) = commands::source_remove(config, name)?;
    println!(
        "removed {name:?} ({url}) from {region} in {}",
        config.path.display()
    );
    Ok(())
}

fn reindex(config: Config) -> anyhow::Result<()> {
    let path = config.search_path.clone();
    let mut progress: Option<Progress> = None;
    let indexed = commands::reindex(config, &mut |done, total| {
        let bar = progress.get_or_insert_with(|| Progress::new(total, "indexing"));
        bar.set_position(done);
    });
    if let Some(progress) = progress {
        progress.finish();
    }
    println!("{}: {} entries indexed", path.display(), indexed?);
    Ok(())
}

fn migrate(config: Config) -> anyhow::Result<()> {
    let path = config.store.path.clone();
    let mut progress: Option<Progress> = None;
    let migrated = commands::migrate(&config, &mut |done, total| {
        let bar = progress.get_or_insert_with(|| Progress::new(total, "migrating"));
        bar.set_position(done);
    });
    if let Some(progress) = progress {
        progress.finish();
    }
    let (rewritten, read) = migrated?;
    println!(
        "{}: {rewritten} of {read} values rewritten in layout {}",
        path.display(),
        islands::store::LAYOUT
    );
    Ok(())
}

fn compact(config: Config) -> anyhow::Result<()> {
    let path = config.store.path.clone();
    let mut progress: Option<Progress> = None;
    let compacted = islands::store::compact(
        &path,
        config.store.cache_capacity_bytes,
        &mut |done, total| {
            let bar = progress.get_or_insert_with(|| Progress::new(total, "copying"));
            bar.set_position(done);
        },
    );
    if let Some(progress) = progress {
        progress.finish();
    }
    let compacted = compacted?;
    let mb = |bytes: u64| bytes as f64 / 1e6;
    println!(
        "{}: {:.1} MB -> {:.1} MB ({} keys in {} trees copied)",
        path.display(),
        mb(compacted.before),
        mb(compacted.after),
        compacted.keys,
        compacted.trees
    );
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

    /// Moves the bar to `done` (or prints a line every 10,000 without a terminal).
    fn set_position(&self, done: usize) {
        match &self.bar {
            Some(bar) => bar.set_position(done as u64),
            None if done.is_multiple_of(10_000) => eprintln!("{done} done"),
            None => {}
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
    let written = commands::export_articles(config, dir)?;
    for path in &written {
        println!("{}", path.display());
    }
    eprintln!("{} articles written to {}", written.len(), dir.display());
    Ok(())
}

fn preview_rules(config: &Config, source: Option<&str>, fetch: bool) -> anyhow::Result<()> {
    if !fetch {
        let query: Vec<(&str, &str)> = source.map(|name| ("source", name)).into_iter().collect();
        if let Some(done) = via_daemon(config, "GET", "/preview", &query) {
            return done;
        }
    }
    let previews = if fetch {
        runtime()?.block_on(commands::preview_rules_fetched(config, source))?
    } else {
        commands::preview_rules(config, source)
            .context("previewing the rules (stop the daemon that holds the store first)")?
    };
    let (out, err) = commands::preview_lines(&previews);
    for line in err {
        eprintln!("{line}");
    }
    for line in out {
        println!("{line}");
    }
    Ok(())
}

fn export_opml(config: &Config) -> anyhow::Result<()> {
    print!("{}", commands::opml_export(config)?);
    Ok(())
}

fn import_opml(config: &Config, file: &Path, region: &str) -> anyhow::Result<()> {
    let (added, listed) = commands::opml_import(config, file, region)?;
    println!(
        "added {added} of {listed} feeds to region {region:?} in {}",
        config.path.display()
    );
    Ok(())
}

fn new_article(
    config: &Config,
    title: &str,
    author: &str,
    regions: &[String],
) -> anyhow::Result<()> {
    let path = commands::new_article(config, title, author, regions, chrono::Utc::now())?;
    println!("{}", path.display());
    Ok(())
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
