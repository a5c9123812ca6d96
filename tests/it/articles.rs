//! The site's own articles and its HTML pages (issue 4), through the real daemon.
//!
//! What these tests check:
//! - a Markdown file written into the watched `articles/` folder with a plain `fs::write` is
//!   published within seconds in every format of `/feeds/all.*` and of its region's feeds, under
//!   one `urn:uuid:` id and with its permalink as link; its page `/articles/{slug}` shows the
//!   title, byline, bio, date, tags and the tips address, renders the Markdown, drops a raw
//!   `<script>`, and answers `If-None-Match` with 304;
//! - an edit (written atomically: a temporary file renamed over the article) changes the title in
//!   every format and keeps the id and the link;
//! - an article is published in the region feeds it lists and in no other; one without regions
//!   only in `all`;
//! - a broken file (bad TOML, unknown author, unknown region) is listed in `/status.json` as
//!   `NAME.md:LINE: ...`, and harms nothing: the other articles stay, a file written later is
//!   still published, and a good file edited into a broken one stays published as it was; fixing
//!   the file publishes it and clears the report;
//! - a deleted file leaves every feed and its page answers 404;
//! - drafts are not published, an article turned into a draft is unpublished, and a draft turned
//!   into an article is published;
//! - `/`, `/{region}/` and `/articles/{slug}` each carry the three autodiscovery links (RSS, Atom,
//!   JSON Feed) to the right feeds, and each link leads to a feed of its type;
//! - the front page and the region pages list the articles and the aggregated entries with their
//!   source's name; `/ireland` redirects (308) to `/ireland/`; an unknown region answers 404;
//! - `islands article new` writes a dated file, prints its path, and a daemon publishes it; an
//!   unknown author fails with a message and writes nothing;
//! - the shipped seed article (`articles/*.md`) is published with its byline and bio;
//! - a phone-sized headless Chromium renders `/` and the seed article page (skipped when Chromium
//!   is missing, except under `CI`, where that is a failure).
//!
//! The trap: the folder watch is debounced and editors replace files rather than write them, so
//! every change is awaited by polling with a deadline, never by sleeping; and an absence is only
//! asserted once something written at the same moment has shown up, so it cannot pass merely
//! because the daemon had not looked at the folder yet.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::support::{
    BASE_URL, Behaviour, CHANGE_DEADLINE, Daemon, FORMATS, RTE, Upstream, article_text,
    assert_contains, assert_nowhere, config, entry_link, file_names, fixture_titles, get, get_feed,
    get_with, header, page, permalink, split_front_matter, status_json, the_entry, titles,
    titles_in_every_format, toml_strings, wait_until, wait_until_listed, wait_until_unlisted,
    workdir, workdir_with_articles, write_atomically,
};

/// What [`config`] says about its one author and the site.
const BYLINE: &str = "By Grace Kennedy";
const BIO: &str = "A leading journalist and columnist of events in Ireland and beyond.";
const SITE_TITLE: &str = "World, As Seen from the most beautiful islands: Ireland and Cyprus";
const SITE_SUBTITLE: &str = "From Trinity st. to Limassol, Cyprus";
const TIPS_LINK: &str = "href=\"mailto:tips@islands.example\"";

const NO_SOURCES: &[(&str, &str)] = &[];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_file_appears_in_the_feeds_and_on_its_page() {
    let upstream = Upstream::start().await;
    let daemon = Daemon::start(&config(
        &upstream,
        &[("ireland", NO_SOURCES), ("cyprus", NO_SOURCES)],
    ));
    let title = "Harbour reopens after the storm";
    let text = article_text(
        title,
        &["ireland"],
        "tags = [\"weather\", \"ports\"]\n",
        "The harbour at *Dún Laoghaire* reopened this morning.\n\n\
         <script>alert(\"owned\")</script>\n\nFerries sail again.\n",
    );

    // A plain write, as a person saving from a simple editor would do.
    fs::write(
        articles_dir(&daemon).join("2026-11-24-harbour-reopens.md"),
        text,
    )
    .expect("write the article");

    wait_until_listed(&daemon, "all", title).await;
    wait_until_listed(&daemon, "ireland", title).await;
    let link = permalink("harbour-reopens");
    let mut ids = Vec::new();
    for (extension, _) in FORMATS {
        let url = daemon.url(&format!("/feeds/all.{extension}"));
        let entry = the_entry(&get_feed(&url).await, title, &url);
        assert!(
            entry.id.starts_with("urn:uuid:"),
            "{url}: the id of {title:?} is {:?}, expected urn:uuid:...",
            entry.id
        );
        assert_eq!(entry_link(&entry), Some(link.as_str()), "{url}: link");
        ids.push(entry.id);
    }
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "RSS, Atom and JSON Feed give the article different ids: {ids:?}"
    );

    let url = daemon.url("/articles/harbour-reopens");
    let page = get_with(&url, &[]).await;
    assert_eq!(page.status(), StatusCode::OK, "GET {url}");
    let content_type = header(&page, "content-type");
    assert!(
        content_type.starts_with("text/html"),
        "GET {url}: Content-Type {content_type:?}"
    );
    let etag = header(&page, "etag");
    let html = page.text().await.expect("read the page");
    for expected in [
        title,
        BYLINE,
        BIO,
        "<time datetime=\"2026-11-24T09:00:00Z\"",
        "<em>Dún Laoghaire</em>",
        "Ferries sail again.",
        "#weather",
        "#ports",
        TIPS_LINK,
    ] {
        assert_contains(&url, &html, expected);
    }
    // The page's one script element is its JSON-LD (issue 17), which is data, not code.
    let without_json_ld = html.replacen("<script type=\"application/ld+json\">", "", 1);
    for unwanted in ["<script", "alert(", "owned"] {
        assert!(
            !without_json_ld.contains(unwanted),
            "GET {url}: the raw <script> survived ({unwanted:?} is in the page):\n{html}"
        );
    }
    assert!(!etag.is_empty(), "GET {url}: no ETag");
    let again = get_with(&url, &[("if-none-match", &etag)]).await;
    assert_eq!(
        again.status(),
        StatusCode::NOT_MODIFIED,
        "GET {url} with If-None-Match: {etag}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_keeps_the_id_and_changes_the_title_in_the_feeds() {
    let daemon = irish_site(&[]).await;
    let folder = articles_dir(&daemon);
    let file = "2026-11-24-ferry-timetable.md";
    let before = "Ferry timetable published";
    let after = "Winter ferry timetable revised";
    write_atomically(
        &folder.join(file),
        &article_text(before, &["ireland"], "", "Sailings as usual.\n"),
    );
    wait_until_listed(&daemon, "all", before).await;
    let mut ids = Vec::new();
    for (extension, _) in FORMATS {
        let url = daemon.url(&format!("/feeds/all.{extension}"));
        ids.push(the_entry(&get_feed(&url).await, before, &url).id);
    }

    write_atomically(
        &folder.join(file),
        &article_text(
            after,
            &["ireland"],
            "updated = 2026-11-25T08:00:00Z\n",
            "Two sailings fewer on Sundays.\n",
        ),
    );

    wait_until_listed(&daemon, "all", after).await;
    let link = permalink("ferry-timetable");
    for ((extension, _), id) in FORMATS.into_iter().zip(&ids) {
        let url = daemon.url(&format!("/feeds/all.{extension}"));
        let feed = get_feed(&url).await;
        assert!(
            !titles(&feed).contains(&before.to_string()),
            "{url}: the old title {before:?} is still listed beside the new one"
        );
        let entry = the_entry(&feed, after, &url);
        assert_eq!(&entry.id, id, "{url}: the edit changed the id");
        assert_eq!(entry_link(&entry), Some(link.as_str()), "{url}: link");
        let with_link = feed
            .entries
            .iter()
            .filter(|entry| entry_link(entry) == Some(link.as_str()))
            .count();
        assert_eq!(with_link, 1, "{url}: entries linking to {link}");
    }
    let (status, html) = page(&daemon, "/articles/ferry-timetable").await;
    assert_eq!(status, StatusCode::OK);
    assert_contains("/articles/ferry-timetable", &html, after);
    assert_contains(
        "/articles/ferry-timetable",
        &html,
        "Two sailings fewer on Sundays.",
    );
    assert!(!html.contains(before), "the page still shows {before:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_article_stays_out_of_the_regions_it_does_not_list() {
    let upstream = Upstream::start().await;
    let daemon = Daemon::start(&config(
        &upstream,
        &[("ireland", NO_SOURCES), ("cyprus", NO_SOURCES)],
    ));
    let folder = articles_dir(&daemon);
    let cypriot = "Limassol marina extends its breakwater";
    let everywhere = "A note from the editors";
    write_atomically(
        &folder.join("2026-11-24-breakwater.md"),
        &article_text(cypriot, &["cyprus"], "", "Works start in spring.\n"),
    );
    write_atomically(
        &folder.join("editors-note.md"),
        &article_text(everywhere, &[], "", "We are two islands.\n"),
    );

    wait_until_listed(&daemon, "cyprus", cypriot).await;
    wait_until_listed(&daemon, "all", everywhere).await;
    for (extension, _) in FORMATS {
        let listed = |feed: &'static str| {
            let url = daemon.url(&format!("/feeds/{feed}.{extension}"));
            async move { (titles(&get_feed(&url).await), url) }
        };
        let (all, url) = listed("all").await;
        for title in [cypriot, everywhere] {
            assert!(all.contains(&title.to_string()), "{url} lacks {title:?}");
        }
        let (cyprus, url) = listed("cyprus").await;
        assert_eq!(cyprus, [cypriot], "{url}");
        let (ireland, url) = listed("ireland").await;
        assert!(ireland.is_empty(), "{url} lists {ireland:?}");
    }
    let (status, html) = page(&daemon, "/ireland/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains(cypriot), "/ireland/ shows {cypriot:?}");
    let (status, html) = page(&daemon, "/cyprus/").await;
    assert_eq!(status, StatusCode::OK);
    assert_contains("/cyprus/", &html, cypriot);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_broken_file_is_reported_and_harms_nothing() {
    let good = "Dublin port reopens";
    let daemon = irish_site(&[(
        "2026-11-24-port.md",
        &article_text(good, &["ireland"], "", "All berths open.\n"),
    )])
    .await;
    let folder = articles_dir(&daemon);
    wait_until_listed(&daemon, "all", good).await;

    // Line 2 is the title, line 3 the author, line 4 the regions (see `article_text`).
    let unknown_author = "An article by nobody we know";
    let unknown_region = "News from Atlantis";
    let later = "Cork airport adds routes";
    write_atomically(
        &folder.join("bad-toml.md"),
        "+++\ntitle = \"A title that never ends\nauthor = \"grace-kennedy\"\n\
         published = 2026-11-24T09:00:00Z\n+++\nBody.\n",
    );
    write_atomically(
        &folder.join("unknown-author.md"),
        &article_text(unknown_author, &["ireland"], "", "Body.\n")
            .replace("\"grace-kennedy\"", "\"nobody\""),
    );
    write_atomically(
        &folder.join("unknown-region.md"),
        &article_text(unknown_region, &["atlantis"], "", "Body.\n"),
    );
    write_atomically(
        &folder.join("2026-11-25-airport.md"),
        &article_text(later, &["ireland"], "", "Three new routes.\n"),
    );

    wait_until_listed(&daemon, "all", later).await;
    wait_until(
        "/status.json lists the three broken files",
        CHANGE_DEADLINE,
        || async { article_issues(&daemon).await.len() == 3 },
    )
    .await;
    let issues = article_issues(&daemon).await;
    for (file, line, mentions) in [
        ("bad-toml.md", 2, ""),
        ("unknown-author.md", 3, "nobody"),
        ("unknown-region.md", 4, "atlantis"),
    ] {
        let error = issues
            .iter()
            .find(|(listed, _)| listed == file)
            .map(|(_, error)| error.as_str())
            .unwrap_or_else(|| panic!("/status.json does not list {file}: {issues:?}"));
        let position = format!("{file}:{line}:");
        assert!(
            error.starts_with(&position) && error.contains(mentions),
            "/status.json: the error for {file} is {error:?}, expected {position:?}… \
             mentioning {mentions:?}"
        );
    }
    for feed in ["all", "ireland"] {
        for (url, listed) in titles_in_every_format(&daemon, feed).await {
            for title in [good, later] {
                assert!(listed.contains(&title.to_string()), "{url} lacks {title:?}");
            }
            for title in [unknown_author, unknown_region, "A title that never ends"] {
                assert!(
                    !listed.contains(&title.to_string()),
                    "{url} lists the broken {title:?}"
                );
            }
        }
    }
    for slug in ["bad-toml", "unknown-author", "unknown-region"] {
        let (status, _) = page(&daemon, &format!("/articles/{slug}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "/articles/{slug}");
    }
    let (status, html) = page(&daemon, "/articles/port").await;
    assert_eq!(status, StatusCode::OK, "/articles/port");
    assert_contains("/articles/port", &html, good);

    // Fixing a file publishes it and takes it off the list.
    write_atomically(
        &folder.join("unknown-region.md"),
        &article_text(unknown_region, &["ireland"], "", "Body.\n"),
    );
    wait_until_listed(&daemon, "ireland", unknown_region).await;
    wait_until(
        "/status.json no longer lists unknown-region.md",
        CHANGE_DEADLINE,
        || async {
            let issues = article_issues(&daemon).await;
            issues.len() == 2 && issues.iter().all(|(file, _)| file != "unknown-region.md")
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_good_file_edited_into_a_broken_one_stays_published_as_it_was() {
    let file = "2026-11-24-ferry-strike.md";
    let good = "Ferry strike called off";
    let daemon = irish_site(&[(
        file,
        &article_text(good, &["ireland"], "", "Talks succeeded.\n"),
    )])
    .await;
    let folder = articles_dir(&daemon);
    wait_until_listed(&daemon, "ireland", good).await;

    // A new title with an unknown author: neither may reach the feeds.
    let broken = "Ferry strike goes ahead";
    write_atomically(
        &folder.join(file),
        &article_text(broken, &["ireland"], "", "Talks failed.\n")
            .replace("\"grace-kennedy\"", "\"nobody\""),
    );
    wait_for_issue(&daemon, file, 3).await;
    assert_still_published_as_it_was(&daemon, good, broken).await;

    // Then, with a plain write, front matter that is not TOML at all.
    fs::write(
        folder.join(file),
        "+++\ntitle = \"Ferry strike goes ahead\nauthor = \"grace-kennedy\"\n+++\nTalks failed.\n",
    )
    .expect("write the broken article");
    wait_for_issue(&daemon, file, 2).await;
    assert_still_published_as_it_was(&daemon, good, broken).await;

    // Fixed: the new version replaces the old one and the report goes away.
    write_atomically(
        &folder.join(file),
        &article_text(broken, &["ireland"], "", "Talks failed.\n"),
    );
    wait_until_listed(&daemon, "ireland", broken).await;
    wait_until_unlisted(&daemon, "ireland", good).await;
    wait_until("/status.json lists no article", CHANGE_DEADLINE, || async {
        article_issues(&daemon).await.is_empty()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_file_leaves_the_feeds_and_its_page_answers_404() {
    let doomed = "Storm warning for the west coast";
    let kept = "Galway oyster festival dates set";
    let daemon = irish_site(&[
        (
            "2026-11-24-storm-warning.md",
            &article_text(doomed, &["ireland"], "", "Gusts of 130 km/h.\n"),
        ),
        (
            "2026-11-24-oysters.md",
            &article_text(kept, &["ireland"], "", "In September.\n"),
        ),
    ])
    .await;
    wait_until_listed(&daemon, "ireland", doomed).await;
    let (status, _) = page(&daemon, "/articles/storm-warning").await;
    assert_eq!(status, StatusCode::OK, "/articles/storm-warning before");

    fs::remove_file(articles_dir(&daemon).join("2026-11-24-storm-warning.md"))
        .expect("delete the article");

    wait_until_unlisted(&daemon, "all", doomed).await;
    wait_until_unlisted(&daemon, "ireland", doomed).await;
    let (status, _) = page(&daemon, "/articles/storm-warning").await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "/articles/storm-warning after"
    );
    for feed in ["all", "ireland"] {
        for (url, listed) in titles_in_every_format(&daemon, feed).await {
            assert!(listed.contains(&kept.to_string()), "{url} lost {kept:?}");
        }
    }
    let (status, html) = page(&daemon, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains(doomed), "/ still shows {doomed:?}");
    assert_contains("/", &html, kept);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drafts_stay_unpublished() {
    let draft = "Unfinished piece on fishing quotas";
    let ready = "Fishing quotas agreed in Brussels";
    let daemon = irish_site(&[
        (
            "2026-11-24-quotas-draft.md",
            &article_text(draft, &["ireland"], "draft = true\n", "TODO.\n"),
        ),
        (
            "2026-11-24-quotas.md",
            &article_text(ready, &["ireland"], "draft = false\n", "Agreed.\n"),
        ),
    ])
    .await;
    let folder = articles_dir(&daemon);

    wait_until_listed(&daemon, "all", ready).await;
    assert_nowhere(&daemon, &["all", "ireland"], draft).await;
    let (status, _) = page(&daemon, "/articles/quotas-draft").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "/articles/quotas-draft");
    let (_, home) = page(&daemon, "/").await;
    assert!(!home.contains(draft), "/ shows the draft {draft:?}");

    // Turned into a draft: unpublished. Turned into an article: published.
    write_atomically(
        &folder.join("2026-11-24-quotas.md"),
        &article_text(ready, &["ireland"], "draft = true\n", "Agreed.\n"),
    );
    write_atomically(
        &folder.join("2026-11-24-quotas-draft.md"),
        &article_text(draft, &["ireland"], "draft = false\n", "Done.\n"),
    );
    wait_until_listed(&daemon, "all", draft).await;
    wait_until_unlisted(&daemon, "all", ready).await;
    assert_nowhere(&daemon, &["all", "ireland"], ready).await;
    let (status, _) = page(&daemon, "/articles/quotas").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "/articles/quotas");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_carries_autodiscovery_links_to_its_feeds() {
    let upstream = Upstream::start().await;
    upstream.set(
        "/ireland/rte.xml",
        Behaviour::fixture("feeds/ireland-rte.xml"),
    );
    let daemon = start_with_articles(
        &config(&upstream, &[("ireland", RTE), ("cyprus", NO_SOURCES)]),
        &[
            (
                "2026-11-24-island-hopping.md",
                &article_text(
                    "Island hopping in winter",
                    &["cyprus", "ireland"],
                    "",
                    "Two islands.\n",
                ),
            ),
            (
                "site-news.md",
                &article_text("Site news", &[], "", "A new look.\n"),
            ),
        ],
    );
    wait_until_listed(&daemon, "all", "Site news").await;

    for (path, feed) in [
        ("/", "all"),
        ("/ireland/", "ireland"),
        ("/cyprus/", "cyprus"),
        ("/articles/island-hopping", "cyprus"),
        ("/articles/site-news", "all"),
    ] {
        let (status, html) = page(&daemon, path).await;
        assert_eq!(status, StatusCode::OK, "GET {path}");
        let links = alternate_links(&html);
        assert_eq!(
            links.len(),
            3,
            "GET {path}: expected three <link rel=\"alternate\">, found {links:?}"
        );
        for (extension, media_type) in FORMATS {
            let href = format!("{BASE_URL}feeds/{feed}.{extension}");
            assert!(
                links.contains(&(media_type.to_string(), href.clone())),
                "GET {path}: no <link rel=\"alternate\" type=\"{media_type}\" href=\"{href}\">; \
                 found {links:?}"
            );
            // The link names the public address; the same path on this daemon must be that feed.
            let local = daemon.url(&href[BASE_URL.len() - 1..]);
            let response = get(&local).await;
            assert_eq!(response.status(), StatusCode::OK, "{path} links to {local}");
            let content_type = header(&response, "content-type");
            assert!(
                content_type.starts_with(media_type),
                "{path} links to {local} as {media_type}, which answers {content_type:?}"
            );
            let body = response.bytes().await.expect("read the feed");
            feed_rs::parser::parse(&body[..])
                .unwrap_or_else(|error| panic!("{path} links to {local}, not a feed: {error}"));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_home_and_region_pages_show_articles_and_upstream_entries_with_their_source() {
    let upstream = Upstream::start().await;
    upstream.set(
        "/ireland/rte.xml",
        Behaviour::fixture("feeds/ireland-rte.xml"),
    );
    let article = "Limassol marina opens";
    let daemon = start_with_articles(
        &config(&upstream, &[("ireland", RTE), ("cyprus", NO_SOURCES)]),
        &[(
            "2026-11-24-marina.md",
            &article_text(article, &["cyprus"], "", "Berths for 650 boats.\n"),
        )],
    );
    let upstream_title = fixture_titles(&["feeds/ireland-rte.xml"])
        .into_iter()
        .next()
        .expect("the RTÉ fixture has entries");
    wait_until_listed(&daemon, "ireland", &upstream_title).await;
    let upstream_title = escape_html(&upstream_title);

    let (status, home) = page(&daemon, "/").await;
    assert_eq!(status, StatusCode::OK, "GET /");
    for expected in [
        SITE_TITLE,
        SITE_SUBTITLE,
        "From our journalists",
        article,
        BYLINE,
        "Ireland",
        "Cyprus",
        &upstream_title,
        "RTÉ News",
    ] {
        assert_contains("/", &home, expected);
    }

    let (status, ireland) = page(&daemon, "/ireland/").await;
    assert_eq!(status, StatusCode::OK, "GET /ireland/");
    for expected in [SITE_TITLE, "Ireland", &upstream_title, "RTÉ News"] {
        assert_contains("/ireland/", &ireland, expected);
    }
    assert!(!ireland.contains(article), "/ireland/ shows {article:?}");
    let (status, cyprus) = page(&daemon, "/cyprus/").await;
    assert_eq!(status, StatusCode::OK, "GET /cyprus/");
    for expected in [article, BYLINE] {
        assert_contains("/cyprus/", &cyprus, expected);
    }
    assert!(
        !cyprus.contains(&upstream_title),
        "/cyprus/ shows {upstream_title:?}"
    );

    let redirect = get_with(&daemon.url("/ireland"), &[]).await;
    assert_eq!(
        redirect.status(),
        StatusCode::PERMANENT_REDIRECT,
        "GET /ireland"
    );
    assert_eq!(header(&redirect, "location"), "/ireland/", "GET /ireland");
    for path in ["/atlantis/", "/atlantis", "/articles/no-such-article"] {
        let response = get_with(&daemon.url(path), &[]).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "GET {path}");
    }
    for path in ["/", "/ireland/"] {
        let url = daemon.url(path);
        let etag = header(&get_with(&url, &[]).await, "etag");
        assert!(!etag.is_empty(), "GET {path}: no ETag");
        let again = get_with(&url, &[("if-none-match", &etag)]).await;
        assert_eq!(
            again.status(),
            StatusCode::NOT_MODIFIED,
            "GET {path} with If-None-Match: {etag}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn article_new_writes_a_file_that_the_daemon_publishes() {
    let upstream = Upstream::start().await;
    let dir = workdir(&config(
        &upstream,
        &[("ireland", NO_SOURCES), ("cyprus", NO_SOURCES)],
    ));
    let title = "Limassol marina opens";

    let output = Daemon::run_cli(
        &[
            "article",
            "new",
            title,
            "--author",
            "grace-kennedy",
            "--region",
            "cyprus",
        ],
        dir.path(),
    );

    assert_eq!(output.status.code(), Some(0), "islands article new");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let written = PathBuf::from(stdout.trim());
    assert!(written.is_file(), "stdout {stdout:?} is not a file's path");
    let folder = dir.path().join("articles");
    assert_eq!(
        written.parent().map(canonical),
        Some(canonical(&folder)),
        "{} is not in the articles folder",
        written.display()
    );
    let name = written
        .file_name()
        .and_then(|name| name.to_str())
        .expect("a UTF-8 file name");
    let (date, rest) = name.split_at(name.len().min(11));
    assert!(
        is_date_prefix(date) && rest == "limassol-marina-opens.md",
        "file name {name:?}, expected YYYY-MM-DD-limassol-marina-opens.md"
    );

    let refused = Daemon::run_cli(
        &["article", "new", "Another title", "--author", "nobody"],
        dir.path(),
    );
    assert_ne!(
        refused.status.code(),
        Some(0),
        "islands article new --author nobody"
    );
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("nobody"),
        "the error does not name the unknown author:\n{stderr}"
    );
    assert_eq!(
        markdown_files(&folder),
        [name.to_string()],
        "an unknown author must not leave a file behind"
    );

    let daemon = Daemon::start_in(dir);
    wait_until_listed(&daemon, "all", title).await;
    wait_until_listed(&daemon, "cyprus", title).await;
    for (url, listed) in titles_in_every_format(&daemon, "ireland").await {
        assert!(listed.is_empty(), "{url}");
    }
    assert!(
        article_issues(&daemon).await.is_empty(),
        "/status.json reports the new file"
    );
    let (status, html) = page(&daemon, "/articles/limassol-marina-opens").await;
    assert_eq!(status, StatusCode::OK, "/articles/limassol-marina-opens");
    assert_contains("/articles/limassol-marina-opens", &html, BYLINE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shipped_seed_article_is_published_with_its_byline_and_bio() {
    let upstream = Upstream::start().await;
    let seeds = seed_articles();
    let files: Vec<(&str, &str)> = seeds
        .iter()
        .map(|seed| (seed.file.as_str(), seed.text.as_str()))
        .collect();
    let daemon = start_with_articles(
        &config(
            &upstream,
            &[("ireland", NO_SOURCES), ("cyprus", NO_SOURCES)],
        ),
        &files,
    );

    for seed in &seeds {
        wait_until_listed(&daemon, "all", &seed.title).await;
        for region in ["ireland", "cyprus"] {
            let url = daemon.url(&format!("/feeds/{region}.atom"));
            let listed = titles(&get_feed(&url).await).contains(&seed.title);
            assert_eq!(
                listed,
                seed.regions.iter().any(|listed| listed == region),
                "{url}: {:?} listed: {listed}, its regions: {:?}",
                seed.title,
                seed.regions
            );
        }
        let path = format!("/articles/{}", seed.slug);
        let (status, html) = page(&daemon, &path).await;
        assert_eq!(status, StatusCode::OK, "GET {path}");
        let datetime = format!("<time datetime=\"{}\"", seed.published);
        let tags: Vec<String> = seed.tags.iter().map(|tag| format!("#{tag}")).collect();
        let expected = [
            escape_html(&seed.title),
            BYLINE.into(),
            BIO.into(),
            datetime,
        ]
        .into_iter()
        .chain(tags)
        .chain([TIPS_LINK.to_string()]);
        for expected in expected {
            assert_contains(&path, &html, &expected);
        }
    }
    assert!(
        article_issues(&daemon).await.is_empty(),
        "/status.json reports a seed article: {:?}",
        article_issues(&daemon).await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_sized_headless_chromium_renders_the_home_page_and_the_seed_article() {
    let Some(chromium) = find_chromium() else {
        crate::support::skip_without("chromium is not installed");
        return;
    };
    let upstream = Upstream::start().await;
    upstream.set(
        "/ireland/rte.xml",
        Behaviour::fixture("feeds/ireland-rte.xml"),
    );
    let seeds = seed_articles();
    let seed = seeds.first().expect("the repository ships a seed article");
    let daemon = start_with_articles(
        &config(&upstream, &[("ireland", RTE), ("cyprus", NO_SOURCES)]),
        &[(seed.file.as_str(), seed.text.as_str())],
    );
    let upstream_title = fixture_titles(&["feeds/ireland-rte.xml"])
        .into_iter()
        .next()
        .expect("the RTÉ fixture has entries");
    wait_until_listed(&daemon, "ireland", &upstream_title).await;
    let scratch = tempfile::tempdir().expect("create a temporary folder");
    let article_url = daemon.url(&format!("/articles/{}", seed.slug));

    for (name, url) in [("home", daemon.url("/")), ("article", article_url.clone())] {
        let png = scratch.path().join(format!("{name}.png"));
        let screenshot = format!("--screenshot={}", png.display());
        tokio::task::block_in_place(|| run_chromium(&chromium, scratch.path(), &screenshot, &url));
        let size = fs::metadata(&png).map(|meta| meta.len()).unwrap_or(0);
        assert!(
            size > 5 * 1024,
            "chromium's screenshot of {url} is {size} bytes; expected a real page (> 5 KB)"
        );
    }
    let dom = tokio::task::block_in_place(|| {
        run_chromium(&chromium, scratch.path(), "--dump-dom", &article_url)
    });
    for expected in [escape_html(&seed.title), BYLINE.to_string()] {
        assert!(
            dom.contains(&expected),
            "chromium's DOM of {article_url} lacks {expected:?}:\n{dom}"
        );
    }
}

/// One shipped seed article: its file and what its front matter says.
struct Seed {
    file: String,
    text: String,
    slug: String,
    title: String,
    regions: Vec<String>,
    tags: Vec<String>,
    /// As the page's `<time datetime>` shows it: RFC 3339 in UTC with a `Z`.
    published: String,
}

/// The published (non-draft) articles in the repository's `articles/`, read independently of the
/// daemon so an edit of the seed cannot desynchronise the expectations.
fn seed_articles() -> Vec<Seed> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("articles");
    let mut seeds = Vec::new();
    for file in markdown_files(&folder) {
        let text = fs::read_to_string(folder.join(&file))
            .unwrap_or_else(|error| panic!("read articles/{file}: {error}"));
        let (front, _) = split_front_matter(&text)
            .unwrap_or_else(|| panic!("articles/{file} has no +++ front matter"));
        let front: toml::Table = toml::from_str(front)
            .unwrap_or_else(|error| panic!("articles/{file}: front matter: {error}"));
        if front.get("draft").and_then(toml::Value::as_bool) == Some(true) {
            continue;
        }
        let published = front
            .get("published")
            .and_then(toml::Value::as_datetime)
            .unwrap_or_else(|| panic!("articles/{file}: no published date"))
            .to_string();
        let published = chrono::DateTime::parse_from_rfc3339(&published)
            .unwrap_or_else(|error| panic!("articles/{file}: published {published}: {error}"))
            .with_timezone(&chrono::Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let stem = file.strip_suffix(".md").expect("a .md file");
        let slug = match stem.get(..11) {
            Some(date) if is_date_prefix(date) => &stem[11..],
            _ => stem,
        };
        seeds.push(Seed {
            slug: slug.to_string(),
            title: front
                .get("title")
                .and_then(toml::Value::as_str)
                .unwrap_or_else(|| panic!("articles/{file}: no title"))
                .trim()
                .to_string(),
            regions: toml_strings(front.get("regions")),
            tags: toml_strings(front.get("tags")),
            published,
            text,
            file,
        });
    }
    assert!(!seeds.is_empty(), "the repository ships no seed article");
    seeds
}

/// `YYYY-MM-DD-`.
fn is_date_prefix(text: &str) -> bool {
    text.len() == 11
        && text.char_indices().all(|(index, c)| match index {
            4 | 7 | 10 => c == '-',
            _ => c.is_ascii_digit(),
        })
}

/// A daemon for the one region `ireland`, without sources, whose articles folder holds `files`
/// (name, text) before it starts.
async fn irish_site(files: &[(&str, &str)]) -> Daemon {
    let upstream = Upstream::start().await;
    start_with_articles(&config(&upstream, &[("ireland", NO_SOURCES)]), files)
}

/// A daemon whose articles folder holds `files` (name, text) before it starts.
fn start_with_articles(config_toml: &str, files: &[(&str, &str)]) -> Daemon {
    Daemon::start_in(workdir_with_articles(config_toml, files))
}

fn articles_dir(daemon: &Daemon) -> PathBuf {
    daemon.dir().join("articles")
}

/// The `.md` files in `folder`, sorted.
fn markdown_files(folder: &Path) -> Vec<String> {
    file_names(folder)
        .into_iter()
        .filter(|name| name.ends_with(".md"))
        .collect()
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize()
        .unwrap_or_else(|error| panic!("canonicalize {}: {error}", path.display()))
}

/// The last good version is still everywhere and the broken one nowhere.
async fn assert_still_published_as_it_was(daemon: &Daemon, good: &str, broken: &str) {
    for feed in ["all", "ireland"] {
        for (url, listed) in titles_in_every_format(daemon, feed).await {
            assert!(
                listed.contains(&good.to_string()),
                "{url} dropped the last good version {good:?}: {listed:?}"
            );
            assert!(
                !listed.contains(&broken.to_string()),
                "{url} lists the broken version {broken:?}"
            );
        }
    }
    let (status, html) = page(daemon, "/articles/ferry-strike").await;
    assert_eq!(status, StatusCode::OK, "/articles/ferry-strike");
    assert_contains("/articles/ferry-strike", &html, good);
}

/// Waits until `/status.json` reports `file` with an error at `line`.
async fn wait_for_issue(daemon: &Daemon, file: &str, line: usize) {
    let position = format!("{file}:{line}:");
    let position = position.as_str();
    wait_until(
        &format!("/status.json lists {file} with an error starting {position:?}"),
        CHANGE_DEADLINE,
        || async move {
            article_issues(daemon)
                .await
                .iter()
                .any(|(listed, error)| listed == file && error.starts_with(position))
        },
    )
    .await;
}

/// `/status.json`'s `articles`: (file, error) pairs.
async fn article_issues(daemon: &Daemon) -> Vec<(String, String)> {
    let url = daemon.url("/status.json");
    let status = status_json(daemon).await;
    let articles = status
        .get("articles")
        .and_then(serde_json::Value::as_array)
        .unwrap_or_else(|| panic!("GET {url}: no \"articles\" array in {status}"));
    articles
        .iter()
        .map(|issue| {
            let field = |name: &str| {
                issue
                    .get(name)
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_else(|| panic!("GET {url}: an article issue lacks {name}: {issue}"))
                    .to_string()
            };
            (field("file"), field("error"))
        })
        .collect()
}

/// What an HTML template (maud) makes of text: `&`, `<`, `>` and `"` escaped.
fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The `(type, href)` of every `<link rel="alternate">` in a page.
fn alternate_links(html: &str) -> Vec<(String, String)> {
    let mut links = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<link") {
        let tag = &rest[start..];
        let end = tag.find('>').map_or(tag.len(), |end| end + 1);
        let attribute = |name: &str| {
            let marker = format!(" {name}=\"");
            let from = tag[..end].find(&marker)? + marker.len();
            let length = tag[from..end].find('"')?;
            Some(tag[from..from + length].to_string())
        };
        if attribute("rel").as_deref() == Some("alternate") {
            links.push((
                attribute("type").unwrap_or_default(),
                attribute("href").unwrap_or_default(),
            ));
        }
        rest = &tag[end..];
    }
    links
}

/// `/usr/bin/chromium`, else `chromium` on `PATH`.
fn find_chromium() -> Option<PathBuf> {
    let usual = Path::new("/usr/bin/chromium");
    if usual.is_file() {
        return Some(usual.to_path_buf());
    }
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|folder| folder.join("chromium"))
        .find(|candidate| candidate.is_file())
}

/// How long one headless Chromium run may take on a loaded machine.
const CHROMIUM_DEADLINE: Duration = Duration::from_secs(120);

/// Runs headless Chromium once on `url` with `mode` (`--screenshot=PATH` or `--dump-dom`), with a
/// fresh profile and its output in `scratch`, never using a proxy; asserts it exits 0 and returns
/// its stdout. Blocking.
fn run_chromium(chromium: &Path, scratch: &Path, mode: &str, url: &str) -> String {
    let run = tempfile::tempdir_in(scratch).expect("create a folder for one chromium run");
    let stdout_path = run.path().join("stdout");
    let stderr_path = run.path().join("stderr");
    let create = |path: &Path| {
        fs::File::create(path).unwrap_or_else(|error| panic!("create {}: {error}", path.display()))
    };
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-proxy-server",
            "--window-size=412,900",
        ])
        .arg(format!(
            "--user-data-dir={}",
            run.path().join("profile").display()
        ))
        .arg(mode)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(create(&stdout_path))
        .stderr(create(&stderr_path))
        .spawn()
        .unwrap_or_else(|error| panic!("spawn {}: {error}", chromium.display()));
    let started = Instant::now();
    let status: ExitStatus = loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            break status;
        }
        if started.elapsed() > CHROMIUM_DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium {mode} {url} did not finish within {CHROMIUM_DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stderr = fs::read_to_string(&stderr_path).unwrap_or_default();
    assert!(
        status.success(),
        "chromium {mode} {url} exited with {status}; the end of its stderr:\n{}",
        tail(&stderr, 40)
    );
    fs::read_to_string(&stdout_path).unwrap_or_default()
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
