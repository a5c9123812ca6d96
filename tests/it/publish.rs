//! Publishing quality, through the real daemon: what subscribers and syndicating sites get.
//!
//! What these tests check:
//! - validators: every feed has a strong ETag and a Last-Modified; If-None-Match (with the
//!   plain or an encoding's ETag) and If-Modified-Since answer 304 with no body; Cache-Control
//!   and Vary are set; HEAD answers the headers without a body;
//! - compression: gzip and brotli bodies, picked by Accept-Encoding, decode to the plain bytes;
//! - well-formedness and the required elements of RSS 2.0, Atom 1.0 and JSON Feed 1.1, with self
//!   links under base_url, and attribution (`<source>` in RSS and Atom, `_islands` in JSON);
//! - paging (RFC 5005): walking `next` from page 1 visits every entry once, newest first, in all
//!   three formats; a page past the end is 404 and `?page=0` is 400; past the cached pages the
//!   `next` links carry a cursor (`&after=`), and a page asked for by cursor does not shift
//!   when newer entries arrive (issue 18); a cursor that is not one is 400;
//! - WebSub: feeds link to the hub, and a change to a feed is announced to a local hub;
//! - OPML: `/sources.opml` lists the sources by region, and `islands opml import` adds feeds to
//!   a region of feeds.toml, keeping its comments, so that `islands check` still accepts it.

use std::collections::HashSet;
use std::io::Read;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;

use crate::support::{
    BASE_URL, Behaviour, Daemon, FETCH_DEADLINE, FORMATS, RssItem, Upstream, config, edit_config,
    get, get_json, get_using, get_with, gunzip, header, numbered_feed, raw_client, rss_feed,
    try_get_feed, wait_until, workdir,
};

/// A daemon with one Irish source of `count` stories, and the config's extra text appended.
async fn daemon_with_stories(count: usize, extra: &str) -> (Upstream, Daemon) {
    let upstream = Upstream::start().await;
    upstream.set(
        "/ie.xml",
        Behaviour::rss(numbered_feed(count, "ie")).with_etag("\"v1\""),
    );
    let text = config(&upstream, &[("ireland", &[("Irish News", "/ie.xml")])]);
    let daemon = Daemon::start(&edit_config(
        &text,
        "[articles]",
        &format!("{extra}\n[articles]"),
    ));
    let url = daemon.url("/feeds/all.atom");
    wait_until("the stories are published", FETCH_DEADLINE, || {
        let url = url.clone();
        async move {
            try_get_feed(&url)
                .await
                .is_some_and(|feed| !feed.entries.is_empty())
        }
    })
    .await;
    // A request can see a refresh half way through its entries (a provisional render), so the
    // first sight of a story is not yet the feed these tests compare against: wait until the
    // feed keeps its bytes across a refresh.
    wait_until("the feed stops changing", FETCH_DEADLINE, || {
        let url = url.clone();
        async move {
            let before = header(&get(&url).await, "etag");
            tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
            header(&get(&url).await, "etag") == before
        }
    })
    .await;
    (upstream, daemon)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_answer_conditional_requests_with_304_and_no_body() {
    let (_upstream, daemon) = daemon_with_stories(3, "").await;
    for (format, _) in FORMATS {
        let url = daemon.url(&format!("/feeds/ireland.{format}"));
        let first = get(&url).await;
        assert_eq!(first.status(), 200);
        let etag = header(&first, "etag");
        assert!(
            etag.starts_with('"') && !etag.starts_with("W/"),
            "strong ETag: {etag}"
        );
        let last_modified = header(&first, "last-modified");
        assert!(header(&first, "cache-control").starts_with("public, max-age="));
        assert_eq!(header(&first, "vary"), "Accept-Encoding");

        let again = get_with(&url, &[("If-None-Match", &etag)]).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{url}");
        assert_eq!(header(&again, "etag"), etag);
        assert!(again.bytes().await.unwrap().is_empty());

        let several = format!("\"nope\", {etag}");
        let listed = get_with(&url, &[("If-None-Match", &several)]).await;
        assert_eq!(listed.status(), StatusCode::NOT_MODIFIED);

        let since = get_with(&url, &[("If-Modified-Since", &last_modified)]).await;
        assert_eq!(since.status(), StatusCode::NOT_MODIFIED);

        let stale = get_with(&url, &[("If-None-Match", "\"stale\"")]).await;
        assert_eq!(stale.status(), StatusCode::OK);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gzip_and_brotli_bodies_decode_to_the_plain_bytes() {
    let (_upstream, daemon) = daemon_with_stories(3, "").await;
    let client = raw_client();
    for (format, _) in FORMATS {
        let url = daemon.url(&format!("/feeds/all.{format}"));
        let plain = get_using(&client, &url, &[]).await;
        assert!(plain.headers().get("content-encoding").is_none());
        let plain = plain.bytes().await.unwrap();

        let gzip = get_using(&client, &url, &[("Accept-Encoding", "gzip")]).await;
        assert_eq!(header(&gzip, "content-encoding"), "gzip");
        let gzip_etag = header(&gzip, "etag");
        assert_eq!(gunzip(&gzip.bytes().await.unwrap()), plain, "{url} gzip");

        let brotli = get_using(&client, &url, &[("Accept-Encoding", "gzip, deflate, br")]).await;
        assert_eq!(header(&brotli, "content-encoding"), "br");
        let mut decoded = Vec::new();
        brotli::Decompressor::new(&brotli.bytes().await.unwrap()[..], 4096)
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, plain, "{url} brotli");

        let refused = get_using(&client, &url, &[("Accept-Encoding", "br;q=0, gzip")]).await;
        assert_eq!(header(&refused, "content-encoding"), "gzip");

        // A cache that stored the gzip representation revalidates with its ETag.
        let revalidated = get_using(
            &client,
            &url,
            &[("Accept-Encoding", "gzip"), ("If-None-Match", &gzip_etag)],
        )
        .await;
        assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn head_answers_the_headers_without_a_body() {
    let (_upstream, daemon) = daemon_with_stories(2, "").await;
    let url = daemon.url("/feeds/all.rss");
    let response = raw_client().head(&url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(header(&response, "content-type").starts_with("application/rss+xml"));
    assert!(!header(&response, "etag").is_empty());
    assert!(response.bytes().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_are_well_formed_with_required_elements_and_attribution() {
    let (_upstream, daemon) = daemon_with_stories(3, "").await;
    let base = BASE_URL;

    let rss = assert_well_formed_with(
        &daemon,
        "/feeds/ireland.rss",
        "RSS",
        &[
            "<rss version=\"2.0\"",
            "<title>",
            "<link>http://127.0.0.1:8080/ireland/</link>",
            "<description>",
            "<language>en</language>",
            "xmlns:atom=\"http://www.w3.org/2005/Atom\"",
            "rel=\"self\"",
            "href=\"http://127.0.0.1:8080/feeds/ireland.rss\"",
            // isPermaLink defaults to true, so the attribute is left out.
            "<guid>https://news.example/ie/0</guid>",
            "<pubDate>Tue, 24 Nov 2026 23:00:00 +0000</pubDate>",
            "<source url=\"",
            "<category>Ireland</category>",
        ],
    )
    .await;
    assert_eq!(rss.matches("<language>").count(), 1);

    assert_well_formed_with(
        &daemon,
        "/feeds/ireland.atom",
        "Atom",
        &[
            "xml:lang=\"en\"",
            "<id>http://127.0.0.1:8080/feeds/ireland.atom</id>",
            "<updated>2026-11-24T23:00:00+00:00</updated>",
            "rel=\"self\"",
            "rel=\"alternate\"",
            "<source><title>ie news</title>",
            "<id>https://news.example/ie/0</id>",
            "<summary type=\"html\">",
        ],
    )
    .await;

    let json = get_json(&daemon.url("/feeds/ireland.json")).await;
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(json["feed_url"], format!("{base}feeds/ireland.json"));
    let items = json["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    for item in items {
        assert!(item["id"].is_string());
        assert_eq!(item["_islands"]["sources"][0]["name"], "Irish News");
        assert_eq!(item["_islands"]["regions"][0], "ireland");
    }
}

/// GETs the feed at `path` and asserts that it is well-formed and contains every one of
/// `required` (`format` names it in messages); returns it.
async fn assert_well_formed_with(
    daemon: &Daemon,
    path: &str,
    format: &str,
    required: &[&str],
) -> String {
    let xml = get(&daemon.url(path)).await.text().await.unwrap();
    assert_well_formed(&xml);
    for required in required {
        assert!(xml.contains(required), "{format} lacks {required}:\n{xml}");
    }
    xml
}

/// Every event of the document reads with quick-xml, which rejects what is not well-formed.
pub(crate) fn assert_well_formed(xml: &str) {
    let mut reader = quick_xml::Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => return,
            Ok(_) => {}
            Err(error) => panic!("not well-formed: {error}\n{xml}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn walking_next_visits_every_entry_once_newest_first() {
    let (_upstream, daemon) = daemon_with_stories(7, "[publish]\npage_size = 3\n").await;
    let expected: Vec<String> = (0..7)
        .map(|n| format!("https://news.example/ie/{n}"))
        .collect();

    let titles: Vec<String> = (0..7).map(|n| format!("ie story {n}")).collect();
    // The stories feed (issue 13) pages the same way: these stories have one report each.
    for (feed, format) in FORMATS
        .iter()
        .map(|(format, _)| ("all", *format))
        .chain(FORMATS.iter().map(|(format, _)| ("stories/all", *format)))
    {
        let mut url = Some(daemon.url(&format!("/feeds/{feed}.{format}")));
        let mut seen = Vec::new();
        let mut seen_titles = Vec::new();
        let mut pages = 0;
        while let Some(current) = url.take() {
            pages += 1;
            assert!(pages <= 5, "paging does not end");
            // Self links name the public base_url; follow them on the daemon's address.
            let body = get(&current).await.text().await.unwrap();
            let feed = feed_rs::parser::parse(body.as_bytes()).unwrap();
            seen.extend(feed.entries.iter().map(|entry| entry.id.clone()));
            seen_titles.extend(
                feed.entries
                    .iter()
                    .filter_map(|entry| entry.title.as_ref().map(|t| t.content.clone())),
            );
            url = next_path(&body, &feed, format).map(|path| daemon.url(&path));
            if pages > 1 {
                assert!(
                    body.contains("first") || format == "json",
                    "page {pages} links to the first page"
                );
            }
        }
        assert_eq!(pages, 3, "{feed}.{format}: 7 items in pages of 3");
        assert_eq!(
            seen_titles, titles,
            "{feed}.{format}: every item once, newest first"
        );
        if feed == "all" {
            assert_eq!(seen, expected, "{format}: every entry once, newest first");
        }
    }

    let past = get(&daemon.url("/feeds/all.atom?page=4")).await;
    assert_eq!(past.status(), 404);
    let zero = get(&daemon.url("/feeds/all.atom?page=0")).await;
    assert_eq!(zero.status(), 400);
    let junk = get(&daemon.url("/feeds/all.atom?page=two")).await;
    assert_eq!(junk.status(), 400);
}

/// The ids and `next` link of one feed page in `format`, fetched from the daemon.
async fn ids_and_next(daemon: &Daemon, path: &str, format: &str) -> (Vec<String>, Option<String>) {
    let body = get(&daemon.url(path)).await.text().await.unwrap();
    let feed = feed_rs::parser::parse(body.as_bytes()).unwrap_or_else(|e| panic!("{path}: {e}"));
    let next = next_path(&body, &feed, format);
    (
        feed.entries.into_iter().map(|entry| entry.id).collect(),
        next,
    )
}

/// The path of a feed page's `next` link (JSON Feed's `next_url`), under base_url.
fn next_path(body: &str, feed: &feed_rs::model::Feed, format: &str) -> Option<String> {
    let next = match format {
        "json" => serde_json::from_str::<serde_json::Value>(body).unwrap()["next_url"]
            .as_str()
            .map(str::to_string),
        _ => feed
            .links
            .iter()
            .find(|link| link.rel.as_deref() == Some("next"))
            .map(|link| link.href.clone()),
    }?;
    let path = next
        .strip_prefix("http://127.0.0.1:8080")
        .expect("under base_url");
    Some(path.to_string())
}

/// Issue 18: deep pages cost the page. Pages 2-5 (cached) link by number; from page 5 on, the
/// `next` link carries the cursor of the page's last entry, and that page stays the same when
/// newer entries arrive, where `?page=N` alone shifts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_pages_link_by_cursor_and_do_not_shift() {
    let (upstream, daemon) = daemon_with_stories(16, "[publish]\npage_size = 2\n").await;
    for (format, _) in FORMATS {
        let mut path = Some(format!("/feeds/all.{format}"));
        let (mut seen, mut pages) = (Vec::new(), 0);
        while let Some(current) = path.take() {
            pages += 1;
            assert!(pages <= 8, "paging does not end");
            let (ids, next) = ids_and_next(&daemon, &current, format).await;
            seen.extend(ids);
            if let Some(next) = &next {
                let by_cursor = next.contains("&after=");
                assert_eq!(
                    by_cursor,
                    pages >= 5,
                    "page {pages}'s next link: {next} (a cursor from page 5 on)"
                );
                assert!(next.contains(&format!("page={}", pages + 1)), "{next}");
            }
            path = next;
        }
        assert_eq!(pages, 8, "{format}: 16 entries in pages of 2");
        let expected: Vec<String> = (0..16)
            .map(|n| format!("https://news.example/ie/{n}"))
            .collect();
        assert_eq!(seen, expected, "{format}: every entry once, newest first");
    }

    // Page 6 by its link, and by number alone.
    let (_, next) = ids_and_next(&daemon, "/feeds/all.atom?page=5", "atom").await;
    let by_cursor = next.expect("page 5 has a next page");
    let (before_cursor, _) = ids_and_next(&daemon, &by_cursor, "atom").await;
    let (before_number, _) = ids_and_next(&daemon, "/feeds/all.atom?page=6", "atom").await;
    assert_eq!(before_cursor, before_number);

    // Two newer entries arrive, in the same feed.
    let at = |text: &str| {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    let item = |title: String, link: String, published, description: String| RssItem {
        title,
        link,
        guid: None,
        published,
        description,
    };
    let mut items = vec![
        item(
            "Ferry strike called off in Cork".into(),
            "https://news.example/late/0".into(),
            at("2026-11-25T06:00:00Z"),
            "&lt;p&gt;Late&lt;/p&gt;".into(),
        ),
        item(
            "Paphos water cuts end".into(),
            "https://news.example/late/1".into(),
            at("2026-11-25T05:00:00Z"),
            "&lt;p&gt;Late&lt;/p&gt;".into(),
        ),
    ];
    items.extend((0..16).map(|n| {
        item(
            format!("ie story {n}"),
            format!("https://news.example/ie/{n}"),
            at("2026-11-24T23:00:00Z") - chrono::Duration::hours(n),
            format!("&lt;p&gt;Story {n}&lt;/p&gt;"),
        )
    }));
    let both = rss_feed("ie news", "https://news.example/ie/", &items);
    upstream.set("/ie.xml", Behaviour::rss(both).with_etag("\"v2\""));
    wait_until("the late stories are published", FETCH_DEADLINE, || async {
        let (ids, _) = ids_and_next(&daemon, "/feeds/all.atom", "atom").await;
        ids.first().is_some_and(|id| id.contains("/late/"))
    })
    .await;

    let (after_cursor, _) = ids_and_next(&daemon, &by_cursor, "atom").await;
    assert_eq!(
        after_cursor, before_cursor,
        "the cursor's page does not shift"
    );
    let (after_number, _) = ids_and_next(&daemon, "/feeds/all.atom?page=6", "atom").await;
    assert_ne!(
        after_number, before_number,
        "?page=6 alone shifts by the two new entries"
    );

    for bad in ["zz", "00", &"g".repeat(48)] {
        let response = get(&daemon.url(&format!("/feeds/all.atom?page=6&after={bad}"))).await;
        assert_eq!(response.status(), 400, "after={bad}");
    }
    // The stories feed pages by cursor the same way.
    let (_, next) = ids_and_next(&daemon, "/feeds/stories/all.json?page=5", "json").await;
    let next = next.expect("stories page 5 has a next page");
    assert!(next.contains("&after="), "{next}");
    let (ids, _) = ids_and_next(&daemon, &next, "json").await;
    assert_eq!(ids.len(), 2, "stories page 6 by cursor");
}

/// A WebSub hub on 127.0.0.1 that records the `hub.url` of every publish ping.
async fn start_hub() -> (String, Arc<Mutex<Vec<String>>>) {
    let pings = Arc::new(Mutex::new(Vec::new()));
    let recorded = pings.clone();
    let app = axum::Router::new().route(
        "/hub",
        axum::routing::post(move |body: String| {
            let recorded = recorded.clone();
            async move {
                let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
                    .into_owned()
                    .collect();
                let mode = pairs
                    .iter()
                    .find(|(k, _)| k == "hub.mode")
                    .map(|(_, v)| v.clone());
                let url = pairs.iter().find(|(k, _)| k == "hub.url");
                if let (Some("publish"), Some((_, url))) = (mode.as_deref(), url) {
                    recorded.lock().unwrap().push(url.clone());
                }
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}/hub"), pings)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_feed_is_announced_to_the_websub_hub() {
    let (hub, pings) = start_hub().await;
    let (upstream, daemon) = daemon_with_stories(2, &format!("[publish]\nhub = \"{hub}\"\n")).await;

    let atom = get(&daemon.url("/feeds/ireland.atom"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        atom.contains(&format!("<link href=\"{hub}\" rel=\"hub\"")),
        "{atom}"
    );
    let json = get_json(&daemon.url("/feeds/ireland.json")).await;
    assert_eq!(json["hubs"][0]["url"], hub.as_str());

    // A new story upstream, tagged, changes the Irish, the combined, the source's and the
    // tag's feeds. The source's and the tag's are rendered only to learn that (issue 18).
    const ANNOUNCED: [&str; 4] = ["all", "ireland", "source/irish-news", "tag/harbour-works"];
    let tagged = String::from_utf8(numbered_feed(3, "ie"))
        .unwrap()
        .replace("</item>", "<category>Harbour Works</category></item>");
    upstream.set(
        "/ie.xml",
        Behaviour::rss(tagged.into_bytes()).with_etag("\"v2\""),
    );
    // Pings go out one after another: wait for the last of them, not
    // only the Atom one, or the check below races the last pings.
    wait_until(
        "the hub hears of every changed feed",
        FETCH_DEADLINE,
        || {
            let pings = pings.clone();
            async move {
                let pinged = pings.lock().unwrap();
                ANNOUNCED.iter().all(|feed| {
                    FORMATS.iter().all(|(format, _)| {
                        pinged.contains(&format!("{BASE_URL}feeds/{feed}.{format}"))
                    })
                })
            }
        },
    )
    .await;
    let pinged: HashSet<String> = pings.lock().unwrap().iter().cloned().collect();
    for feed in ANNOUNCED {
        for (format, _) in FORMATS {
            let url = format!("{BASE_URL}feeds/{feed}.{format}");
            assert!(pinged.contains(&url), "no ping for {url}: {pinged:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opml_lists_the_sources_and_an_import_keeps_the_config_valid() {
    let (upstream, daemon) = daemon_with_stories(1, "").await;
    let opml = get(&daemon.url("/sources.opml")).await;
    assert!(header(&opml, "content-type").starts_with("text/x-opml"));
    let opml = opml.text().await.unwrap();
    assert!(opml.contains("<opml version=\"2.0\">"), "{opml}");
    assert!(opml.contains("text=\"Ireland\""), "{opml}");
    assert!(
        opml.contains(&format!("xmlUrl=\"{}\"", upstream.url("/ie.xml"))),
        "{opml}"
    );
    assert!(
        opml.contains("htmlUrl=\"https://news.example/ie/\""),
        "{opml}"
    );

    // Import another outline into a fresh config with a comment in it.
    let text = format!(
        "# keep this comment\n{}\n[[region]]\nslug = \"cyprus\"\nname = \"Cyprus\"\n",
        config(&upstream, &[("ireland", &[("Irish News", "/ie.xml")])])
    );
    let dir = workdir(&text);
    let outline = dir.path().join("more.opml");
    std::fs::write(
        &outline,
        format!(
            r#"<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>
            <outline text="News"><outline type="rss" text="Cyprus Mail" xmlUrl="https://cyprus-mail.com/feed/"/>
            <outline type="rss" text="Already there" xmlUrl="{}"/></outline></body></opml>"#,
            upstream.url("/ie.xml")
        ),
    )
    .unwrap();
    let imported = Daemon::run_cli(
        &[
            "opml",
            "import",
            outline.to_str().unwrap(),
            "--region",
            "cyprus",
        ],
        dir.path(),
    );
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    assert!(String::from_utf8_lossy(&imported.stdout).contains("added 1 of 2 feeds"));
    let updated = std::fs::read_to_string(dir.path().join("feeds.toml")).unwrap();
    assert!(updated.starts_with("# keep this comment"), "{updated}");
    assert!(
        updated.contains("url = \"https://cyprus-mail.com/feed/\""),
        "{updated}"
    );
    let checked = Daemon::run_cli(&["check"], dir.path());
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );

    let exported = Daemon::run_cli(&["opml", "export"], dir.path());
    assert!(exported.status.success());
    assert!(String::from_utf8_lossy(&exported.stdout).contains("Cyprus Mail"));
}
