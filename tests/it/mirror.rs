//! The static mirror, served by a real nginx with the README's "Scaling out" server block.
//!
//! What these tests check:
//! - `[publish] mirror` keeps a folder current while `serve` runs, and nginx serving it with the
//!   README's snippet answers every feed (page 1 and `?page=N`), the front page, every page of
//!   a region, a story's page and an article page with the same bytes as the daemon; gzip comes from the `.gz` twins, and nginx's ETag
//!   answers If-None-Match with 304;
//! - `islands export --out DIR` writes the site with `.gz` and `.br` twins, removes files the
//!   site no longer has, and rewrites nothing when nothing changed (so mtime ETags hold).
//!
//! nginx comes from Debian (`scripts/install-test-deps.sh`). Without it the tests say they were
//! skipped, except under CI, where they fail.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{
    Behaviour, Daemon, FETCH_DEADLINE, Upstream, article_text, config, edit_config, get, get_using,
    gunzip, header, numbered_feed, raw_client, wait_until, workdir_with_articles,
};

/// A daemon with 7 Irish stories, pages of 3, an article, and `extra` config text.
async fn daemon(extra: &str) -> (Upstream, Daemon) {
    let upstream = Upstream::start().await;
    upstream.set(
        "/ie.xml",
        Behaviour::rss(numbered_feed(7, "ie")).with_etag("\"1\""),
    );
    let text = edit_config(
        &config(&upstream, &[("ireland", &[("Irish News", "/ie.xml")])]),
        "[articles]",
        &format!("[publish]\npage_size = 3\n{extra}\n[articles]"),
    );
    let article = article_text(
        "Harbour lights in Dún Laoghaire",
        &["ireland"],
        "",
        "The *lights* are on.\n",
    );
    let daemon = Daemon::start_in(workdir_with_articles(
        &text,
        &[("2026-11-24-harbour.md", &article)],
    ));
    let url = daemon.url("/feeds/all.json");
    wait_until(
        "7 stories and the article are published",
        FETCH_DEADLINE,
        || {
            let url = url.clone();
            async move {
                let body = get(&format!("{url}?page=3")).await;
                body.status() == 200
            }
        },
    )
    .await;
    (upstream, daemon)
}

/// nginx on 127.0.0.1 serving `root` with the README's server block; stopped on drop.
struct Nginx {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Nginx {
    /// `None` (after saying why) when nginx is not installed and this is not CI.
    fn start(root: &Path) -> Option<Nginx> {
        let binary = ["/usr/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .map(PathBuf::from)
            .find(|path| path.exists());
        let Some(binary) = binary else {
            crate::support::skip_without("nginx is not installed");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let server = readme_server_block()
            .replace("listen 8081;", &format!("listen 127.0.0.1:{port};"))
            .replace("/srv/islands/site", root.to_str().unwrap());
        let prefix = dir.path().display();
        // As root, nginx's workers would drop to "nobody", who cannot read a private temp dir.
        let user = if is_root() { "user root;" } else { "" };
        let conf = format!(
            "{user}\nworker_processes 1;\ndaemon off;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log;\n\
             events {{ worker_connections 64; }}\nhttp {{\naccess_log off;\n\
             client_body_temp_path {prefix}/body;\nproxy_temp_path {prefix}/proxy;\n\
             fastcgi_temp_path {prefix}/fastcgi;\nuwsgi_temp_path {prefix}/uwsgi;\nscgi_temp_path {prefix}/scgi;\n\
             {server}\n}}\n"
        );
        let conf_path = dir.path().join("nginx.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let child = Command::new(binary)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf_path)
            .stdout(Stdio::null())
            .spawn()
            .expect("start nginx");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            let log = std::fs::read_to_string(dir.path().join("error.log")).unwrap_or_default();
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "nginx did not start: {log}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(Nginx {
            child,
            port,
            _dir: dir,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for Nginx {
    /// SIGTERM, so the master stops its worker too (a SIGKILL would orphan the worker, which
    /// keeps serving the port), then SIGKILL if it has not gone within a few seconds.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
}

/// The server block between the README's `nginx-mirror` markers, so the README cannot drift.
fn readme_server_block() -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("read README.md");
    let start = readme
        .find("<!-- nginx-mirror -->")
        .expect("README has the nginx-mirror block");
    let block = &readme[start..];
    let block = &block[block.find("```nginx").expect("a fenced nginx block") + 8..];
    block[..block.find("```").expect("the block ends")].to_string()
}

/// GET `url` with `client`: the status and the body.
async fn body(client: &reqwest::Client, url: &str, headers: &[(&str, &str)]) -> (u16, Vec<u8>) {
    let response = get_using(client, url, headers).await;
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap().to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nginx_serves_the_live_mirror_with_the_daemons_bytes() {
    let (_upstream, daemon) = daemon("mirror = \"site\"").await;
    let site = daemon.dir().join("site");
    let client = raw_client();
    let (_, live) = body(&client, &daemon.url("/feeds/all.atom"), &[]).await;
    // A pass is finished when export.json is written; the site is settled when the feed is
    // current and no pass has finished for a while.
    wait_until("the mirror holds the current site", FETCH_DEADLINE, || {
        let feed = site.join("feeds/all.atom");
        let stamp = site.join("export.json");
        let live = live.clone();
        async move {
            let settled = std::fs::metadata(&stamp)
                .and_then(|meta| meta.modified())
                .is_ok_and(|time| time.elapsed().unwrap_or_default() > Duration::from_millis(700));
            settled && std::fs::read(&feed).is_ok_and(|bytes| bytes == live)
        }
    })
    .await;
    let Some(nginx) = Nginx::start(&site) else {
        return;
    };

    // A story's page, at the address the stories feeds and the lists link.
    let story = std::fs::read_dir(site.join("stories"))
        .expect("the mirror has story pages")
        .next()
        .expect("a story page")
        .unwrap()
        .file_name()
        .into_string()
        .unwrap();
    let story_page = format!("/stories/{story}");
    let story_first = format!("/stories/{story}?page=1");
    for path in [
        "/feeds/all.atom",
        "/feeds/all.rss",
        "/feeds/ireland.json",
        "/feeds/all.atom?page=2",
        "/feeds/all.json?page=3",
        "/feeds/comments.atom",
        "/feeds/comments.json?page=1",
        "/",
        "/ireland/",
        // The region's "Older" and "Newer" links: 8 entries, pages of 3.
        "/ireland/?page=2",
        "/ireland/?page=3",
        "/ireland/?page=1",
        &story_page,
        &story_first,
        "/articles/harbour",
        "/sources.opml",
    ] {
        let (status, from_nginx) = body(&client, &nginx.url(path), &[]).await;
        let (_, from_daemon) = body(&client, &daemon.url(path), &[]).await;
        assert_eq!(status, 200, "nginx {path}");
        assert_eq!(
            String::from_utf8_lossy(&from_nginx),
            String::from_utf8_lossy(&from_daemon),
            "nginx and the daemon disagree on {path}"
        );
    }

    // Page 2 is not page 1 again, and past the last page both answer 404.
    let (_, first) = body(&client, &nginx.url("/ireland/"), &[]).await;
    let (_, second) = body(&client, &nginx.url("/ireland/?page=2"), &[]).await;
    assert_ne!(first, second, "the mirror serves page 1 for ?page=2");
    for path in ["/ireland/?page=4", "/feeds/comments.atom?page=2"] {
        let (status, _) = body(&client, &nginx.url(path), &[]).await;
        let (daemon_status, _) = body(&client, &daemon.url(path), &[]).await;
        assert_eq!((status, daemon_status), (404, 404), "{path}");
    }

    let response = get_using(
        &client,
        &nginx.url("/feeds/all.atom"),
        &[("Accept-Encoding", "gzip")],
    )
    .await;
    let content_type = header(&response, "content-type");
    assert!(
        content_type.starts_with("application/atom+xml"),
        "{content_type}"
    );
    assert_eq!(header(&response, "content-encoding"), "gzip");
    let etag = header(&response, "etag");
    let decoded = gunzip(&response.bytes().await.unwrap());
    let (_, plain) = body(&client, &daemon.url("/feeds/all.atom"), &[]).await;
    assert_eq!(decoded, plain);

    let (status, empty) = body(
        &client,
        &nginx.url("/feeds/all.atom"),
        &[("Accept-Encoding", "gzip"), ("If-None-Match", &etag)],
    )
    .await;
    assert_eq!(status, 304);
    assert!(empty.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_writes_twins_removes_stale_files_and_rewrites_nothing_unchanged() {
    let (_upstream, daemon) = daemon("").await;
    let dir = daemon.into_dir();
    let out = dir.path().join("out");
    std::fs::create_dir_all(out.join("articles/gone")).unwrap();
    std::fs::write(out.join("articles/gone/index.html"), "old").unwrap();

    let first = Daemon::run_cli(&["export", "--out", out.to_str().unwrap()], dir.path());
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(stdout.contains("1 removed"), "{stdout}");
    for file in [
        "feeds/all.atom",
        "feeds/all.atom.gz",
        "feeds/all.atom.br",
        "feeds/all/page-3.json",
        "feeds/ireland.rss.gz",
        "index.html",
        "ireland/index.html",
        "ireland/page-1/index.html",
        "ireland/page-3/index.html",
        "feeds/comments.atom",
        "feeds/comments/page-1.atom",
        "articles/harbour/index.html",
        "sources.opml",
    ] {
        assert!(out.join(file).is_file(), "export lacks {file}");
    }
    assert!(!out.join("articles/gone/index.html").exists());
    assert!(!out.join("ireland/page-4").exists(), "a page past the last");
    // Every story's page, which the exported stories feeds link.
    let stories = std::fs::read_dir(out.join("stories"))
        .expect("the export has story pages")
        .count();
    assert!(stories > 0, "no story page in the export");
    let atom = std::fs::read_to_string(out.join("feeds/all/page-3.atom")).unwrap();
    assert!(atom.contains("Harbour lights in Dún Laoghaire"));

    let snapshot = |dir: &std::path::Path| {
        let mut files = std::collections::BTreeMap::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(path) = stack.pop() {
            for entry in std::fs::read_dir(&path).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    files.insert(path.clone(), std::fs::read(&path).unwrap());
                }
            }
        }
        files
    };
    let before = snapshot(&out);
    let again = Daemon::run_cli(&["export", "--out", out.to_str().unwrap()], dir.path());
    let stdout = String::from_utf8_lossy(&again.stdout);
    let after = snapshot(&out);
    let changed: Vec<String> = after
        .iter()
        .filter(|(path, bytes)| before.get(*path) != Some(*bytes))
        .map(|(path, bytes)| {
            let old = before
                .get(path)
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            format!(
                "{}:\n--- {}\n+++ {}",
                path.display(),
                old.chars().take(3000).collect::<String>(),
                String::from_utf8_lossy(bytes)
                    .chars()
                    .take(3000)
                    .collect::<String>()
            )
        })
        .collect();
    assert!(
        stdout.contains(" 0 written, 0 removed"),
        "{stdout}\n{}",
        changed.join("\n\n")
    );
}
