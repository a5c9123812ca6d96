//! Issue 15: full-text search. English stemming, Greek with and without accents in either
//! case, phrases, exclusions and every filter; a bad query answers 400 and says why; a deleted
//! article leaves the results; a saved search is a valid feed with ETags and 304s, whose ETag
//! moves when its results do; OpenSearch; the index rebuilt after it was deleted while the
//! daemon was stopped, and usable after a kill -9 in the middle of indexing.

use std::time::Duration;

use chrono::{TimeZone, Utc};

use crate::in_process::{page_of, start_daemon};
use crate::support::{
    Behaviour, CHANGE_DEADLINE, Daemon, FETCH_DEADLINE, RssItem, Upstream, article_text, config,
    edit_config, get, get_with, header, rss_feed, wait_until, workdir,
};

fn item(title: &str, link: &str, day: u32, description: &str) -> RssItem {
    RssItem {
        title: title.to_string(),
        link: link.to_string(),
        guid: None,
        published: Utc.with_ymd_and_hms(2026, 11, day, 9, 0, 0).unwrap(),
        description: description.to_string(),
    }
}

/// An Irish source in English and a Cypriot one in Greek.
async fn upstream_of_both_islands() -> (Upstream, String) {
    let upstream = Upstream::start().await;
    upstream.set(
        "/ie.xml",
        Behaviour::rss(rss_feed(
            "Irish News",
            "https://irish.example/",
            &[
                item(
                    "Council approved the harbour plan",
                    "https://irish.example/harbour",
                    20,
                    "Dún Laoghaire councillors voted for a new marina.",
                ),
                item(
                    "Storm warning for Cork",
                    "https://irish.example/storm",
                    22,
                    "Met Éireann warns of gales along the south coast.",
                ),
                item(
                    "Ferry strike ends",
                    "https://irish.example/ferry",
                    25,
                    "Sailings resume at Rosslare harbour on Monday.",
                ),
            ],
        )),
    );
    upstream.set(
        "/cy.xml",
        Behaviour::rss(rss_feed(
            "Kypros",
            "https://kypros.example/",
            &[
                item(
                    "Λεμεσός: Νέος παραλιακός πεζόδρομος",
                    "https://kypros.example/molos",
                    24,
                    "Ο Δήμος ενέκρινε την επέκταση του πεζόδρομου στη Μόλο.",
                ),
                item(
                    "Λευκωσία: Κλειστή η λεωφόρος Μακαρίου",
                    "https://kypros.example/makariou",
                    23,
                    "Εκτροπή της κυκλοφορίας στο κέντρο μέχρι την Παρασκευή.",
                ),
            ],
        )),
    );
    let text = edit_config(
        &config(
            &upstream,
            &[
                ("ireland", &[("Irish News", "/ie.xml")]),
                ("cyprus", &[("Kypros Times", "/cy.xml")]),
            ],
        ),
        "name = \"Kypros Times\"\n",
        "name = \"Kypros Times\"\nlanguage = \"el\"\n",
    );
    (upstream, text)
}

/// The titles a search page lists, markup removed (in page order).
fn result_titles(html: &str) -> Vec<String> {
    html.split("<h3>")
        .skip(1)
        .map(|piece| {
            let heading = &piece[..piece.find("</h3>").unwrap_or(piece.len())];
            let mut text = String::new();
            let mut in_tag = false;
            for c in heading.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => text.push(c),
                    _ => {}
                }
            }
            text.replace("&amp;", "&")
        })
        .collect()
}

async fn search_page(
    daemon: &islands::daemon::Handle,
    query: String,
) -> (reqwest::StatusCode, String) {
    page_of(daemon, &query_path(&query)).await
}

fn query_path(query: &str) -> String {
    let mut url = url::Url::parse("http://x/search").unwrap();
    url.query_pairs_mut().append_pair("q", query);
    format!("/search?{}", url.query().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_stems_folds_greek_and_filters_and_a_bad_query_says_why() {
    let (_upstream, text) = upstream_of_both_islands().await;
    let dir = workdir(&text);
    std::fs::write(
        dir.path().join("articles/terror.md"),
        article_text(
            "IS Terror group no longer active online",
            &["ireland"],
            "tags = [\"security\", \"europe\"]\n",
            "European investigators approved the **takedown** of its servers.",
        ),
    )
    .unwrap();
    let daemon = start_daemon(&dir).await;
    let search = |query: &str| search_page(&daemon, query.to_string());
    wait_until("every entry is searchable", CHANGE_DEADLINE, || {
        let page = search("-zzzz");
        async move {
            let (status, html) = page.await;
            status == 200 && result_titles(&html).len() == 6
        }
    })
    .await;

    let found = |query: &'static str| {
        let page = search(query);
        async move {
            let (status, html) = page.await;
            assert_eq!(status, 200, "{query}: {html}");
            let mut titles = result_titles(&html);
            titles.sort();
            titles
        }
    };
    // English stemming: "approve" finds "approved", in an upstream entry and in our article.
    assert_eq!(
        found("approve").await,
        [
            "Council approved the harbour plan",
            "IS Terror group no longer active online"
        ]
    );
    let (_, html) = search("approve").await;
    assert!(html.contains("<mark>approved</mark>"), "{html}");
    // Greek, with and without accents, in either case, and another form of the word.
    for query in ["Λεμεσός", "ΛΕΜΕΣΟΣ", "λεμεσος", "Λεμεσού"] {
        assert_eq!(
            found(query).await,
            ["Λεμεσός: Νέος παραλιακός πεζόδρομος"],
            "{query}"
        );
    }
    // Accents folded in Irish names too; a phrase keeps its order.
    assert_eq!(
        found("dun laoghaire").await,
        ["Council approved the harbour plan"]
    );
    assert_eq!(
        found("\"dún laoghaire\"").await,
        ["Council approved the harbour plan"]
    );
    assert!(found("\"laoghaire dún\"").await.is_empty());
    // Every word must match; an excluded one must not.
    assert_eq!(
        found("harbour").await,
        ["Council approved the harbour plan", "Ferry strike ends"]
    );
    assert_eq!(
        found("harbour -ferry").await,
        ["Council approved the harbour plan"]
    );
    // Filters.
    assert_eq!(
        found("region:cyprus").await,
        [
            "Λεμεσός: Νέος παραλιακός πεζόδρομος",
            "Λευκωσία: Κλειστή η λεωφόρος Μακαρίου"
        ]
    );
    assert_eq!(found("source:\"Kypros Times\" λεωφόρος").await.len(), 1);
    assert_eq!(
        found("author:grace-kennedy").await,
        ["IS Terror group no longer active online"]
    );
    assert_eq!(
        found("tag:Security").await,
        ["IS Terror group no longer active online"]
    );
    assert_eq!(
        found("region:ireland after:2026-11-22 before:2026-11-25").await,
        [
            "IS Terror group no longer active online",
            "Storm warning for Cork"
        ]
    );
    // Newest first on request.
    let (_, html) = search("region:ireland").await;
    assert_eq!(result_titles(&html).len(), 4);
    let (_, newest) = page_of(
        &daemon,
        &format!("{}&sort=date", query_path("region:ireland")),
    )
    .await;
    assert_eq!(
        result_titles(&newest),
        [
            "Ferry strike ends",
            "IS Terror group no longer active online",
            "Storm warning for Cork",
            "Council approved the harbour plan"
        ]
    );

    // Mistakes get 400 and a page that says what is wrong.
    for (query, says) in [
        ("\"ferry strike", "never closed"),
        ("colour:red", "not a filter"),
        ("after:yesterday", "YYYY-MM-DD"),
        ("region:atlantis", "no region"),
    ] {
        let (status, html) = search(query).await;
        assert_eq!(status, 400, "{query}");
        assert!(html.contains(says), "{query}: {html}");
    }
    let (status, _) = page_of(&daemon, "/search?q=ferry&page=0").await;
    assert_eq!(status, 400);
    let (status, html) = page_of(&daemon, "/search").await;
    assert_eq!(status, 200);
    assert!(html.contains("region:cyprus"), "{html}");

    // Hostile text stays text: a query echoed back is escaped.
    let (_, html) = search("<script>alert(1)</script>").await;
    assert!(!html.contains("<script>alert"), "{html}");

    // Every page offers the search: a box in the header and OpenSearch.
    let (_, home) = page_of(&daemon, "/").await;
    assert!(home.contains("role=\"search\""), "{home}");
    assert!(
        home.contains("<link rel=\"search\" type=\"application/opensearchdescription+xml\""),
        "{home}"
    );
    let (status, opensearch) = page_of(&daemon, "/opensearch.xml").await;
    assert_eq!(status, 200);
    assert!(
        opensearch.contains("xmlns=\"http://a9.com/-/spec/opensearch/1.1/\"")
            && opensearch.contains("template=\"http://127.0.0.1:8080/search?q={searchTerms}\""),
        "{opensearch}"
    );
    crate::publish::assert_well_formed(&opensearch);

    // A deleted article leaves the results.
    std::fs::remove_file(dir.path().join("articles/terror.md")).unwrap();
    wait_until(
        "the deleted article leaves the index",
        CHANGE_DEADLINE,
        || {
            let page = search("takedown");
            async move { result_titles(&page.await.1).is_empty() }
        },
    )
    .await;
    daemon.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_search_is_a_valid_feed_with_304s_and_an_etag_that_follows_its_results() {
    let (upstream, text) = upstream_of_both_islands().await;
    let dir = workdir(&text);
    let daemon = start_daemon(&dir).await;
    let feed_url = |format: &str| {
        let mut url = url::Url::parse(&daemon.url(&format!("/search.{format}"))).unwrap();
        url.query_pairs_mut().append_pair("q", "harbour");
        url.to_string()
    };
    wait_until(
        "the harbour stories are searchable",
        CHANGE_DEADLINE,
        || {
            let url = feed_url("json");
            async move {
                let response = get(&url).await;
                let status = response.status();
                let text = response.text().await.unwrap();
                if status != 200 {
                    eprintln!("the search feed answered {status}: {text}");
                    return false;
                }
                let json: serde_json::Value = serde_json::from_str(&text).unwrap();
                json["items"]
                    .as_array()
                    .is_some_and(|items| items.len() == 2)
            }
        },
    )
    .await;
    for format in ["rss", "atom", "json"] {
        let response = get(&feed_url(format)).await;
        assert_eq!(response.status(), 200);
        assert!(header(&response, "cache-control").contains("max-age=60"));
        let etag = header(&response, "etag");
        let body = response.bytes().await.unwrap();
        let feed =
            feed_rs::parser::parse(&body[..]).unwrap_or_else(|error| panic!("{format}: {error}"));
        let mut titles: Vec<String> = feed
            .entries
            .iter()
            .map(|entry| entry.title.as_ref().unwrap().content.clone())
            .collect();
        titles.sort();
        assert_eq!(
            titles,
            ["Council approved the harbour plan", "Ferry strike ends"],
            "{format}"
        );
        let text = String::from_utf8_lossy(&body);
        assert!(
            text.contains("search.") && text.contains("q=harbour"),
            "the self link names the search: {text}"
        );
        if format != "json" {
            crate::publish::assert_well_formed(&text);
        }
        let again = get_with(&feed_url(format), &[("If-None-Match", &etag)]).await;
        assert_eq!(again.status(), 304, "{format}");
    }
    let atom_etag = header(&get(&feed_url("atom")).await, "etag");

    // A third harbour story upstream: the results, and so the ETag, move.
    upstream.set(
        "/ie.xml",
        Behaviour::rss(rss_feed(
            "Irish News",
            "https://irish.example/",
            &[item(
                "Howth harbour dredged",
                "https://irish.example/howth",
                26,
                "Works finish early.",
            )],
        )),
    );
    islands::refresh::refresh_all(&daemon.app).await;
    wait_until("the new story is found", FETCH_DEADLINE, || {
        let url = feed_url("atom");
        async move { get(&url).await.text().await.unwrap().contains("Howth") }
    })
    .await;
    let moved = get_with(&feed_url("atom"), &[("If-None-Match", &atom_etag)]).await;
    assert_eq!(moved.status(), 200);
    assert_ne!(header(&moved, "etag"), atom_etag);

    let bad = get(&daemon.url("/search.atom?q=%22open")).await;
    assert_eq!(bad.status(), 400);
    daemon.stop().await.unwrap();
}

/// The index is derived: deleted while the daemon is stopped, it is rebuilt at the next start
/// (search answers 503 with Retry-After until then, feeds meanwhile); `islands reindex`
/// rebuilds it by hand; and after a kill -9 in the middle of indexing, it is usable again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_index_is_rebuilt_when_deleted_and_survives_kill_9() {
    let upstream = Upstream::start().await;
    upstream.set(
        "/ie.xml",
        Behaviour::rss(crate::support::numbered_feed(1500, "ie")),
    );
    let text = config(&upstream, &[("ireland", &[("Irish News", "/ie.xml")])]);
    let daemon = Daemon::start(&text);
    let search_url = daemon.url("/search?q=story");
    // Killed as soon as the first entries are served, likely in the middle of indexing.
    wait_until("the stories are stored", FETCH_DEADLINE, || {
        let url = daemon.url("/feeds/all.json");
        async move { get(&url).await.status() == 200 }
    })
    .await;
    let dir = daemon.into_dir();

    let searchable = |daemon: &Daemon, count: usize| {
        let url = search_url_of(daemon);
        async move {
            wait_until(
                &format!("search finds {count} stories"),
                Duration::from_secs(60),
                || {
                    let url = url.clone();
                    async move {
                        let response = get(&url).await;
                        if response.status() == 503 {
                            assert!(!header(&response, "retry-after").is_empty());
                            return false;
                        }
                        let html = response.text().await.unwrap();
                        html.contains(&format!("{count} stories match"))
                    }
                },
            )
            .await;
        }
    };
    let daemon = Daemon::start_in(dir);
    searchable(&daemon, 1500).await;
    drop(search_url);

    // Deleted while stopped: rebuilt at start.
    let dir = daemon.into_dir();
    let index = dir.path().join("store/search");
    assert!(index.is_dir(), "the index lives in the store's folder");
    std::fs::remove_dir_all(&index).unwrap();
    let daemon = Daemon::start_in(dir);
    searchable(&daemon, 1500).await;

    // By hand, with the daemon stopped.
    let dir = daemon.into_dir();
    std::fs::remove_dir_all(&index).unwrap();
    let output = Daemon::run_cli(&["reindex"], dir.path());
    assert!(output.status.success(), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("1500 entries indexed"),
        "{output:?}"
    );
    let daemon = Daemon::start_in(dir);
    let response = get(&search_url_of(&daemon)).await;
    assert_eq!(response.status(), 200, "a current index needs no rebuild");
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("1500 stories match")
    );
}

fn search_url_of(daemon: &Daemon) -> String {
    daemon.url("/search?q=story")
}
