//! The daemon in the test's own process: handlers through `serve::router(app)` with
//! `tower::ServiceExt::oneshot` (no socket, no child process), and the whole daemon through
//! `islands::daemon::start` (a real socket, stopped and restarted in place). New features test
//! here; `tests/it/*` keeps end-to-end tests of the binary for what only a process shows
//! (signals, exit codes, kill -9, stdout).
//!
//! What these tests check:
//! - a feed, its 304 to If-None-Match, its gzip to `br;q=0, *`, a 404 naming an unknown feed,
//!   and a 404 for a page past the end, straight from the router over a store filled in place;
//! - the daemon started as a library publishes an article file, serves it over its socket,
//!   stops with the store flushed, and a second start on the same folder serves it again;
//! - a stop cancels a fetch asked through the command socket, as it does the scheduled
//!   refreshes, so the store is let go even while that fetch waits on a slow upstream.

use std::path::Path;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{TimeZone, Utc};
use islands::app::App;
use islands::config::Config;
use islands::model::{Attribution, Entry, EntryId, SourceId};
use std::sync::Arc;
use tower::ServiceExt;

use crate::support::{Behaviour, CONFIG_FILE, Upstream, article_text, config, wait_until, workdir};

/// An app over a fresh store in `dir`, with `count` stories of Ireland stored and committed.
fn app_with_stories(dir: &Path, count: u32) -> Arc<App> {
    let config = Config::load(&dir.join(CONFIG_FILE)).expect("a valid config");
    let app = App::open(config).expect("open the store");
    for n in 0..count {
        let published = Utc.with_ymd_and_hms(2026, 11, 24, 9, n, 0).unwrap();
        let link = format!("https://news.example/{n}");
        app.store
            .upsert(
                Entry {
                    id: EntryId::from_key(&format!("uri:{link}")),
                    public_id: link.clone(),
                    title: format!("Story {n}"),
                    link: Some(link),
                    published,
                    updated: published,
                    authors: vec![],
                    summary: Some(format!("<p>Story {n}</p>")),
                    content: None,
                    categories: vec![],
                    enclosures: vec![],
                    sources: vec![Attribution {
                        name: "News".into(),
                        feed_url: SourceId::new(&"https://news.example/feed".parse().unwrap()),
                        title: None,
                        site_url: None,
                        region: "ireland".into(),
                    }],
                    regions: vec!["ireland".into()],
                    article: None,
                    held_back: false,
                    language: None,
                    image: None,
                },
                true,
                published,
            )
            .expect("store a story");
    }
    app.store.commit().expect("commit");
    Arc::new(app)
}

/// GET `path` of an in-process daemon over its socket: the status and the body.
pub(crate) async fn page_of(
    daemon: &islands::daemon::Handle,
    path: &str,
) -> (reqwest::StatusCode, String) {
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(daemon.url(path))
        .send()
        .await
        .unwrap_or_else(|error| panic!("GET {path}: {error}"));
    let status = response.status();
    (status, response.text().await.unwrap())
}

/// Starts the daemon on the `feeds.toml` in `dir`, in this process.
pub(crate) async fn start_daemon(dir: &tempfile::TempDir) -> islands::daemon::Handle {
    let config = Config::load(&dir.path().join(CONFIG_FILE)).expect("a valid config");
    islands::daemon::start(config)
        .await
        .expect("the daemon starts")
}

/// Waits until `path` answers 200 (a page that exists once the first refresh is stored).
pub(crate) async fn wait_for_page(daemon: &islands::daemon::Handle, path: &str) {
    wait_until(
        &format!("{path} answers 200"),
        crate::support::CHANGE_DEADLINE,
        || {
            let page = page_of(daemon, path);
            async move { page.await.0 == 200 }
        },
    )
    .await;
}

/// One request through the router, whole.
async fn call(
    app: &Arc<App>,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderList, Vec<u8>) {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = islands::serve::router(app.clone())
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .expect("the router answers");
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("read the body");
    (status, headers, body.to_vec())
}

type HeaderList = axum::http::HeaderMap;

#[tokio::test]
async fn the_router_serves_feeds_validators_encodings_and_404s_without_a_socket() {
    let dir = workdir(&config_without_sources().await);
    let app = app_with_stories(dir.path(), 3);

    let (status, headers, body) = call(&app, "/feeds/ireland.atom", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let atom = String::from_utf8(body).unwrap();
    assert!(
        atom.contains("Story 2") && atom.contains("Story 0"),
        "{atom}"
    );
    let etag = headers[header::ETAG].to_str().unwrap().to_string();

    let (status, _, body) = call(&app, "/feeds/ireland.atom", &[("if-none-match", &etag)]).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());

    let (status, headers, _) =
        call(&app, "/feeds/all.json", &[("accept-encoding", "br;q=0, *")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_ENCODING], "gzip");

    let (status, _, body) = call(&app, "/feeds/atlantis.rss", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(String::from_utf8_lossy(&body).contains("no feed named \"atlantis.rss\""));

    let (status, _, body) = call(&app, "/feeds/all.rss?page=2", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(String::from_utf8_lossy(&body).contains("there is no page 2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_as_a_library_serves_stops_and_starts_again_on_its_store() {
    let dir = workdir(&config_without_sources().await);
    let text = article_text("Library daemon", &["ireland"], "", "Started in process.");
    std::fs::write(dir.path().join("articles/library.md"), text).unwrap();

    let daemon = start_daemon(&dir).await;
    let (status, page) = page_of(&daemon, "/articles/library").await;
    assert_eq!(status, 200);
    assert!(page.contains("Started in process."));
    daemon.stop().await.expect("the store is flushed");

    // A second daemon on the same folder and store serves it again.
    let again = start_daemon(&dir).await;
    let feed_url = again.url("/feeds/ireland.atom");
    wait_until(
        "the restarted daemon serves the article",
        crate::support::CHANGE_DEADLINE,
        || {
            let feed_url = feed_url.clone();
            async move {
                crate::support::try_get_feed(&feed_url)
                    .await
                    .is_some_and(|feed| {
                        crate::support::titles(&feed).contains(&"Library daemon".to_string())
                    })
            }
        },
    )
    .await;
    again.stop().await.unwrap();
}

/// A fetch asked through the command socket is one of the daemon's refreshes: a stop cancels
/// it with the scheduled ones and waits for it, instead of leaving it to hold the store after
/// the stop returned (its command gone, its upstream slow), so the same folder opens again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_cancels_a_fetch_asked_through_the_socket_and_lets_go_of_the_store() {
    let upstream = Upstream::start().await;
    upstream.set("/rte.xml", Behaviour::fixture("feeds/ireland-rte.xml"));
    let text = config(
        &upstream,
        &[("ireland", &[("RTÉ News", "/rte.xml")]), ("cyprus", &[])],
    );
    // A fetch that outlasts the stop's grace (5 s), as a slow upstream's may in a real config.
    let text = text.replace("timeout = \"3s\"", "timeout = \"60s\"");
    assert!(text.contains("timeout = \"60s\""), "{text}");
    let dir = workdir(&text);
    let daemon = start_daemon(&dir).await;
    let titles = crate::support::fixture_titles(&["feeds/ireland-rte.xml"]);
    crate::support::wait_for_titles(&daemon.url("/feeds/ireland.json"), &titles).await;

    upstream.set(
        "/rte.xml",
        Behaviour::Slow {
            delay: std::time::Duration::from_secs(60),
            body: crate::support::fixture_bytes("feeds/ireland-rte.xml"),
        },
    );
    let asked = upstream.count("/rte.xml");
    let store = dir.path().join("store");
    let command = tokio::spawn(async move {
        let request = islands::control::Request {
            method: "POST",
            path: "/fetch".to_string(),
        };
        islands::control::forward(&store, request).await
    });
    wait_until(
        "the fetch asked through the socket reaches the upstream",
        crate::support::CHANGE_DEADLINE,
        || {
            let count = upstream.count("/rte.xml");
            async move { count > asked }
        },
    )
    .await;
    // The command goes away (an operator's Ctrl-C); its refresh waits on the upstream.
    command.abort();
    daemon.stop().await.expect("the store is flushed");

    let again = start_daemon(&dir).await;
    again.stop().await.unwrap();
}

/// The shared test config with both regions and no sources (the upstream only names them).
async fn config_without_sources() -> String {
    let upstream = Upstream::start().await;
    config(&upstream, &[("ireland", &[]), ("cyprus", &[])])
}

/// Issue 17 (in part): authors' pages and feeds, bylines that link there, local times with
/// the zone's abbreviation, each of our articles once on the home page, the status page in the
/// site's layout, and summaries escaped for element content.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authors_pages_and_feeds_local_times_and_one_listing_per_article() {
    let text = crate::support::edit_config(
        &config_without_sources().await,
        "name = \"Ireland\"\n",
        "name = \"Ireland\"\ntimezone = \"Europe/Dublin\"\n",
    );
    let dir = workdir(&text);
    let article = article_text(
        "Harbour lights return to Dún Laoghaire",
        &["ireland"],
        "summary = \"A joint plan & more\"\n",
        "The *lights* are on.",
    );
    std::fs::write(dir.path().join("articles/harbour.md"), article).unwrap();
    let daemon = start_daemon(&dir).await;
    let get = |path: &'static str| page_of(&daemon, path);

    let (status, author) = get("/authors/grace-kennedy/").await;
    assert_eq!(status, 200, "{author}");
    for expected in [
        "Grace Kennedy",
        "A leading journalist",
        "Harbour lights return",
    ] {
        assert!(
            author.contains(expected),
            "the author page lacks {expected:?}:\n{author}"
        );
    }
    let (status, _) = get("/authors/nobody/").await;
    assert_eq!(status, 404);

    let (status, feed) = get("/feeds/author/grace-kennedy.atom").await;
    assert_eq!(status, 200);
    let parsed = feed_rs::parser::parse(feed.as_bytes()).expect("a valid Atom feed");
    assert_eq!(
        crate::support::titles(&parsed),
        ["Harbour lights return to Dún Laoghaire"]
    );
    assert!(
        !feed.contains("&#32;"),
        "text escaped for element content: {feed}"
    );
    let (status, _) = get("/feeds/author/nobody.rss").await;
    assert_eq!(status, 404);

    let (_, page) = get("/articles/harbour").await;
    assert!(
        page.contains("href=\"http://127.0.0.1:8080/authors/grace-kennedy/\">By Grace Kennedy</a>"),
        "the byline links to the author's page:\n{page}"
    );
    // 09:00 UTC on 24 November is 09:00 GMT in Dublin (IST is summer time).
    assert!(page.contains("24 Nov 2026, 09:00 GMT"), "{page}");

    let (_, home) = get("/").await;
    assert_eq!(
        home.matches("Harbour lights return to Dún Laoghaire")
            .count(),
        1,
        "{home}"
    );

    let (_, status_page) = get("/status").await;
    assert!(
        status_page.contains("header class=\"site\""),
        "{status_page}"
    );
    daemon.stop().await.unwrap();
}

/// Issue 17: a source's `language` reaches its entries in every format and on the pages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_greek_source_marks_its_entries_greek_in_every_format() {
    let upstream = Upstream::start().await;
    upstream.set(
        "/philenews.xml",
        crate::support::Behaviour::rss(crate::support::numbered_feed(2, "philenews")),
    );
    let text = crate::support::edit_config(
        &config(&upstream, &[("cyprus", &[("Philenews", "/philenews.xml")])]),
        "name = \"Philenews\"\n",
        "name = \"Philenews\"\nlanguage = \"el\"\n",
    );
    let dir = workdir(&text);
    let daemon = start_daemon(&dir).await;
    let url = daemon.url("/feeds/cyprus.json");
    wait_until(
        "the Greek entries are in",
        crate::support::CHANGE_DEADLINE,
        || {
            let url = url.clone();
            async move {
                crate::support::try_get_feed(&url)
                    .await
                    .is_some_and(|feed| feed.entries.len() == 2)
            }
        },
    )
    .await;
    let body = |path: &'static str| {
        let page = page_of(&daemon, path);
        async move { page.await.1 }
    };
    let json: serde_json::Value = serde_json::from_str(&body("/feeds/cyprus.json").await).unwrap();
    assert_eq!(json["language"], "en", "the feed is the site's");
    assert_eq!(json["items"][0]["language"], "el", "{json}");
    let atom = body("/feeds/cyprus.atom").await;
    assert!(atom.contains("xml:lang=\"el\""), "{atom}");
    let page = body("/cyprus/").await;
    assert!(
        page.contains("<article class=\"entry h-entry\" lang=\"el\">"),
        "{page}"
    );
    daemon.stop().await.unwrap();
}

/// Issue 17: an article page unfurls (Open Graph), carries a `NewsArticle` JSON-LD that parses,
/// and its microformats read as an h-entry by a real parser (PyPI's mf2py); the sitemaps list
/// our pages and `robots.txt` names them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn article_pages_carry_metadata_that_parses_and_sitemaps_list_our_pages() {
    let text = crate::support::edit_config(
        &config_without_sources().await,
        "contact = \"tips@islands.example\"\n",
        "contact = \"tips@islands.example\"\nabout = \"Ireland and *Cyprus* have one thing in common.\"\nlogo = \"https://islands.example/logo.png\"\n",
    );
    let dir = workdir(&text);
    let article = article_text("Ferry strike ends", &["ireland"], "", "Sailings resume.");
    std::fs::write(dir.path().join("articles/ferry.md"), article).unwrap();
    let fresh = article_text("Harbour reopens", &["cyprus"], "", "Boats are back.").replace(
        crate::support::ARTICLE_PUBLISHED,
        &chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    );
    std::fs::write(dir.path().join("articles/harbour.md"), fresh).unwrap();
    let daemon = start_daemon(&dir).await;
    let get = |path: &'static str| {
        let page = page_of(&daemon, path);
        async move {
            let (status, text) = page.await;
            assert_eq!(status, 200, "{path}");
            text
        }
    };
    let page = get("/articles/ferry").await;
    for expected in [
        "<link rel=\"canonical\" href=\"http://127.0.0.1:8080/articles/ferry\">",
        "<meta property=\"og:type\" content=\"article\">",
        "<meta property=\"og:title\" content=\"Ferry strike ends: ",
        "<meta property=\"og:image\" content=\"https://islands.example/logo.png\">",
        "<h2 id=\"about\">About us</h2>",
        "<em>Cyprus</em>",
        "Contact us",
        "Recent posts",
    ] {
        assert!(
            page.contains(expected),
            "the article page lacks {expected:?}:\n{page}"
        );
    }
    let start = page
        .find("<script type=\"application/ld+json\">")
        .expect("JSON-LD")
        + 35;
    let end = start + page[start..].find("</script>").unwrap();
    let json_ld: serde_json::Value =
        serde_json::from_str(&page[start..end]).expect("JSON-LD parses");
    assert_eq!(json_ld["@type"], "NewsArticle");
    assert_eq!(json_ld["headline"], "Ferry strike ends");
    assert_eq!(json_ld["author"]["@type"], "Person");
    assert_eq!(
        json_ld["author"]["url"],
        "http://127.0.0.1:8080/authors/grace-kennedy/"
    );
    assert_eq!(
        json_ld["publisher"]["logo"]["url"],
        "https://islands.example/logo.png"
    );
    assert_eq!(json_ld["datePublished"], "2026-11-24T09:00:00Z");

    let parsed = mf2py_parse(&page);
    if let Some(parsed) = parsed {
        let entry = parsed["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|item| item["type"][0] == "h-entry")
            .unwrap_or_else(|| panic!("no h-entry in {parsed}"))
            .clone();
        assert_eq!(
            entry["properties"]["name"][0], "Ferry strike ends",
            "{entry}"
        );
        assert!(
            entry["properties"]["published"][0]
                .as_str()
                .unwrap()
                .starts_with("2026-11-24")
        );
        assert!(
            entry["properties"]["author"]
                .to_string()
                .contains("Grace Kennedy"),
            "{entry}"
        );
    }

    let sitemap = get("/sitemap.xml").await;
    for expected in [
        "<loc>http://127.0.0.1:8080/</loc>",
        "<loc>http://127.0.0.1:8080/ireland/</loc>",
        "<loc>http://127.0.0.1:8080/authors/grace-kennedy/</loc>",
        "<loc>http://127.0.0.1:8080/articles/ferry</loc><lastmod>2026-11-24T09:00:00Z</lastmod>",
    ] {
        assert!(sitemap.contains(expected), "{expected:?} in {sitemap}");
    }
    let news = get("/sitemap-news.xml").await;
    assert!(
        news.contains("/articles/harbour</loc>") && !news.contains("ferry"),
        "a fresh article is news and an old one is not: {news}"
    );
    for (name, xml) in [("sitemap.xml", &sitemap), ("sitemap-news.xml", &news)] {
        if let Some(problems) = xml_schema_problems(xml) {
            assert!(
                problems.is_empty(),
                "{name} breaks its schema:\n{problems}\n{xml}"
            );
        }
    }
    let atom = get("/feeds/all.atom").await;
    assert!(
        atom.contains("<icon>http://127.0.0.1:8080/icon.png</icon>")
            && atom.contains("<logo>https://islands.example/logo.png</logo>"),
        "{atom}"
    );
    let rss = get("/feeds/all.rss").await;
    assert!(
        rss.contains("<image><url>http://127.0.0.1:8080/icon.png</url>"),
        "{rss}"
    );
    let json: serde_json::Value = serde_json::from_str(&get("/feeds/all.json").await).unwrap();
    assert_eq!(json["icon"], "http://127.0.0.1:8080/icon.png");
    assert_eq!(json["favicon"], "http://127.0.0.1:8080/icon.png");
    assert!(page.contains(
        "<link rel=\"icon\" type=\"image/png\" href=\"http://127.0.0.1:8080/icon.png\">"
    ));
    let icon = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(daemon.url("/icon.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(icon.headers()["content-type"], "image/png");
    assert!(icon.bytes().await.unwrap().starts_with(b"\x89PNG\r\n"));
    let robots = get("/robots.txt").await;
    assert!(
        robots.contains("Sitemap: http://127.0.0.1:8080/sitemap.xml"),
        "{robots}"
    );
    daemon.stop().await.unwrap();
}

/// What xmllint (libxml2) finds wrong with a sitemap against the sitemap protocol's schema
/// (which imports the news sitemap's), or `None` after a loud skip where xmllint is missing.
fn xml_schema_problems(xml: &str) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sitemap.xml");
    std::fs::write(&file, xml).unwrap();
    let schema = crate::support::fixture_path("schemas/sitemap.xsd");
    let output = match std::process::Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg(&file)
        .output()
    {
        Ok(output) => output,
        Err(_) => {
            crate::support::skip_without("xmllint (Debian's libxml2-utils) is not installed");
            return None;
        }
    };
    let said = String::from_utf8_lossy(&output.stderr).into_owned();
    Some(if output.status.success() {
        String::new()
    } else {
        said
    })
}

/// The microformats of `html` as PyPI's mf2py reads them (JSON), or `None` after a loud skip
/// where python3 or mf2py is missing (under CI that fails).
fn mf2py_parse(html: &str) -> Option<serde_json::Value> {
    use std::io::Write;
    let script = "import json, sys, mf2py\nprint(json.dumps(mf2py.parse(doc=sys.stdin.read())))";
    let child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        crate::support::skip_without("python3 is not installed");
        return None;
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(html.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    if !output.status.success() {
        crate::support::skip_without(&format!(
            "PyPI's mf2py is missing ({})",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
        return None;
    }
    Some(serde_json::from_slice(&output.stdout).expect("mf2py prints JSON"))
}

/// Issues 16 and 17: a source's page and feed list all its entries, the backlog the flood guard
/// held back from the combined feed included; a source's slug is made from its name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sources_page_and_feed_show_its_backlog_that_the_combined_feed_holds_back() {
    let upstream = Upstream::start().await;
    upstream.set(
        "/backlog.xml",
        crate::support::Behaviour::rss(crate::support::numbered_feed(4, "backlog")),
    );
    let text = crate::support::edit_config(
        &config(
            &upstream,
            &[("ireland", &[("Backlog News", "/backlog.xml")])],
        ),
        "first_fetch_items = 100000",
        "first_fetch_items = 1",
    );
    let dir = workdir(&text);
    let daemon = start_daemon(&dir).await;
    let items = |path: &'static str| {
        let page = page_of(&daemon, path);
        async move {
            let (_, text) = page.await;
            serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|json| json["items"].as_array().map(Vec::len))
                .unwrap_or(0)
        }
    };
    wait_until(
        "the source's feed has all 4",
        crate::support::CHANGE_DEADLINE,
        || {
            let count = items("/feeds/source/backlog-news.json");
            async move { count.await == 4 }
        },
    )
    .await;
    assert_eq!(
        items("/feeds/all.json").await,
        1,
        "the combined feed holds the backlog back"
    );
    let (status, page) = page_of(&daemon, "/sources/backlog-news/").await;
    assert_eq!(status, 200);
    for expected in [
        "Backlog News",
        "Last fetched",
        "4 entries",
        "backlog story 3",
    ] {
        assert!(
            page.contains(expected),
            "the source page lacks {expected:?}:\n{page}"
        );
    }
    assert_eq!(page_of(&daemon, "/sources/nobody/").await.0, 404);
    assert_eq!(page_of(&daemon, "/feeds/source/nobody.rss").await.0, 404);
    daemon.stop().await.unwrap();
}

/// Issue 17: tags' pages and feeds, one tag whatever its case and accents; a tag without
/// entries does not exist.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_have_pages_and_feeds_and_unknown_tags_do_not_exist() {
    let upstream = Upstream::start().await;
    let feed = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Tagged</title>
        <link>https://news.example/</link><description>x</description>
        <item><title>Ferry to Dún Laoghaire returns</title><link>https://news.example/t/1</link>
        <category>Dún Laoghaire</category><category>Transport</category>
        <pubDate>Tue, 24 Nov 2026 09:00:00 GMT</pubDate><description>One</description></item>
        <item><title>Harbour fees rise</title><link>https://news.example/t/2</link>
        <category>dun laoghaire</category>
        <pubDate>Tue, 24 Nov 2026 08:00:00 GMT</pubDate><description>Two</description></item>
        </channel></rss>"#;
    upstream.set("/tagged.xml", crate::support::Behaviour::rss(feed.into()));
    let text = config(&upstream, &[("ireland", &[("Tagged", "/tagged.xml")])]);
    let dir = workdir(&text);
    let daemon = start_daemon(&dir).await;
    wait_for_page(&daemon, "/tags/dun-laoghaire/").await;
    let (_, page) = page_of(&daemon, "/tags/dun-laoghaire/").await;
    assert!(
        page.contains("Ferry to Dún Laoghaire returns") && page.contains("Harbour fees rise"),
        "{page}"
    );
    let (status, json) = page_of(&daemon, "/feeds/tag/transport.json").await;
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["items"].as_array().unwrap().len(), 1, "{json}");
    assert_eq!(page_of(&daemon, "/tags/no-such-tag/").await.0, 404);
    assert_eq!(page_of(&daemon, "/feeds/tag/no-such-tag.rss").await.0, 404);
    daemon.stop().await.unwrap();
}

/// Issue 17's quality bar: axe-core (npm) in headless Chromium finds no violation on the home,
/// region, article, author, tag, source and status pages, at 375 and 1280 pixels wide.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_core_finds_no_accessibility_violation_on_any_kind_of_page() {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/a11y/axe.js");
    let modules = script.with_file_name("node_modules");
    if !modules.join("axe-core").is_dir() || !std::path::Path::new("/usr/bin/chromium").exists() {
        crate::support::skip_without("axe-core (tests/a11y, npm ci) or chromium is not installed");
        return;
    }
    let upstream = Upstream::start().await;
    let feed = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Limassol Today</title>
        <link>https://news.example/</link><description>x</description>
        <item><title>Marina extends its breakwater</title><link>https://news.example/m/1</link>
        <media:content xmlns:media="http://search.yahoo.com/mrss/" url="https://img.example/m.jpg"
          type="image/jpeg" width="800" height="450"/>
        <category>Ports</category><pubDate>Tue, 24 Nov 2026 09:00:00 GMT</pubDate>
        <description>&lt;p&gt;Works begin in spring.&lt;/p&gt;</description></item></channel></rss>"#;
    upstream.set("/cy.xml", crate::support::Behaviour::rss(feed.into()));
    let text = crate::support::edit_config(
        &config(&upstream, &[("cyprus", &[("Limassol Today", "/cy.xml")])]),
        "contact = \"tips@islands.example\"\n",
        "contact = \"tips@islands.example\"\nabout = \"Two islands, *one* newsroom.\"\n",
    );
    let dir = workdir(&text);
    let article = article_text("Harbour lights", &["cyprus"], "tags = [\"ports\"]\n", "On.");
    std::fs::write(dir.path().join("articles/lights.md"), article).unwrap();
    let daemon = start_daemon(&dir).await;
    wait_for_page(&daemon, "/tags/ports/").await;
    wait_until(
        "the entry is searchable",
        crate::support::CHANGE_DEADLINE,
        || {
            let page = page_of(&daemon, "/search?q=breakwater");
            async move { page.await.1.contains("<mark>") }
        },
    )
    .await;
    let urls: Vec<String> = [
        "/",
        "/cyprus/",
        "/articles/lights",
        "/authors/grace-kennedy/",
        "/tags/ports/",
        "/sources/limassol-today/",
        "/status",
        "/search?q=harbour+OR+breakwater",
        "/search?q=breakwater",
        "/search",
    ]
    .iter()
    .map(|path| daemon.url(path))
    .collect();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .arg(&script)
            .args(&urls)
            .env("NO_PROXY", "127.0.0.1")
            .output()
    })
    .await
    .unwrap()
    .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "axe.js failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut checked = 0;
    let mut violations = Vec::new();
    for line in stdout.lines() {
        let result: serde_json::Value = serde_json::from_str(line).expect("axe.js prints JSON");
        checked += 1;
        for violation in result["violations"].as_array().unwrap() {
            violations.push(format!(
                "{} at {}px: {violation}",
                result["url"], result["width"]
            ));
        }
    }
    assert_eq!(checked, 20, "10 pages at 2 widths: {stdout}");
    let (_, region) = page_of(&daemon, "/cyprus/").await;
    assert!(
        region.contains("src=\"https://img.example/m.jpg\" alt=\"Marina extends its breakwater\" width=\"160\" height=\"90\" loading=\"lazy\" referrerpolicy=\"no-referrer\""),
        "the entry's picture is a sized, lazy thumbnail with alt text: {region}"
    );
    eprintln!(
        "axe-core: {checked} page views, {} violations",
        violations.len()
    );
    assert!(
        violations.is_empty(),
        "axe-core violations:\n{}",
        violations.join("\n")
    );
    daemon.stop().await.unwrap();
}
