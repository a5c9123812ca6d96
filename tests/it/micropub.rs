//! The Micropub endpoint `/micropub` (issue 7), through the real daemon.
//!
//! What these tests check:
//! - a form-encoded post (`h=entry&name=...&content=...&category[]=...`) answers 201 with
//!   `Location` = the permalink under `[site] base_url`; the page answers 200 at once, with the
//!   title, the Markdown rendered and "By Grace Kennedy"; the article is in every format of
//!   `/feeds/all.*` and of the region feeds its categories name, under one `urn:uuid:` id, and not
//!   in the other regions; a category that is no region becomes a tag (`#sea` on the page,
//!   `<category>sea</category>` in RSS);
//! - a JSON post with `content: [{"html": ...}]` and `mp-slug` is published at that slug, under
//!   the name of the author whose token it carried; a second post with the same name gets `-2`;
//! - a JSON update (`replace`, `add`, `delete`) answers 204, changes the content on the page, in
//!   the feeds and in `q=source`, and keeps the id and the link;
//! - a delete (form) answers 204, takes the article out of every feed and makes its page answer
//!   410; an undelete (JSON) answers 204 and brings it back with the same id;
//! - no token answers 401 with `WWW-Authenticate: Bearer` and `{"error":"unauthorized",...}`; a
//!   wrong one 403 `{"error":"forbidden",...}`, whether sent as a header, a form field or a query
//!   parameter; the form field and the query parameter work with a right token; no token, right
//!   or wrong, appears in any response or in the daemon's log;
//! - another author's token can neither update nor delete an article (403 forbidden), and
//!   changes nothing;
//! - `q=config` lists the supported queries and `syndicate-to`; `q=source` gives the article as
//!   Micropub JSON;
//! - malformed JSON and a post without content answer 400 `invalid_request`, a body over 1 MiB
//!   413, a `text/plain` body 415, and none of them stores anything;
//! - a Micropub article survives a restart (same page, same id, still in the feeds);
//! - `islands article export` writes it as `YYYY-MM-DD-{slug}.md` with front matter, and that
//!   file copied into a fresh daemon's `articles/` is published with the same title, id and text;
//! - an article written as a file cannot be updated or deleted over Micropub (400 naming the
//!   file);
//! - the `micropub` client library from PyPI creates, reads and updates an article through the
//!   endpoint (`tests/fixtures/clients/micropub_client.py`; skipped when python3 or the library is
//!   missing, except under `CI`, where that is a failure).
//!
//! The trap: an absence (a refused post, a token in the log) is only asserted once something
//! sent after it has shown up, so it cannot pass merely because the daemon had not got to it yet.

use std::fs;
use std::process::{Command, Stdio};

use axum::http::HeaderMap;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::support::{
    BASE_URL, CHANGE_DEADLINE, Daemon, FORMATS, Upstream, article_text, assert_contains,
    assert_nowhere, assert_page_shows, body_text, client_without_redirects, config, edit_config,
    entry_link, file_names, fixture_path, get_feed, get_with, header_of, page, permalink,
    split_front_matter, the_entry, titles, titles_in_every_format, toml_strings, try_get_feed,
    wait_until, wait_until_listed, wait_until_unlisted, without_proxy, workdir,
    workdir_with_articles,
};

/// The authors' tokens, and the variables the config names for them.
const GRACE_ENV: &str = "ISLANDS_TOKEN_GRACE";
const GRACE_TOKEN: &str = "grace-7c1f9e2a4b6d8035e1";
const ANDREAS_ENV: &str = "ISLANDS_TOKEN_ANDREAS";
const ANDREAS_TOKEN: &str = "andreas-3e8b5d0f2a7c9164f0";
/// A token nobody has.
const WRONG_TOKEN: &str = "wrong-9d2e4f6a8b1c3e5d7f";

const GRACE_BYLINE: &str = "By Grace Kennedy";
const ANDREAS_BYLINE: &str = "By Andreas Georgiou";
const GRACE_BIO_LINE: &str =
    "bio = \"A leading journalist and columnist of events in Ireland and beyond.\"\n";

const NO_SOURCES: &[(&str, &str)] = &[];

/// The feeds of [`micropub_config`]: `all` and both regions.
const FEEDS: [&str; 3] = ["all", "ireland", "cyprus"];

/// The form bodies' media type.
const FORM: &str = "application/x-www-form-urlencoded";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_post_is_published_at_once_on_its_page_and_in_its_feeds() {
    let daemon = micropub_daemon().await;
    let title = "Limassol marina opens its new breakwater";

    let answer = post_form(
        &daemon,
        Some(GRACE_TOKEN),
        &entry_form(
            title,
            "The breakwater at *Limassol* marina opened on Tuesday.\n\nFishing boats moored inside it at once.",
            &["cyprus", "sea"],
        ),
    )
    .await;

    let slug = "limassol-marina-opens-its-new-breakwater";
    assert_eq!(created(&answer, "form create"), permalink(slug), "{answer}");
    // At once: no polling. A Micropub client shows the Location to its writer right away.
    let path = format!("/articles/{slug}");
    let html = assert_page_shows(
        &daemon,
        &path,
        "right after the 201",
        &[
            title,
            GRACE_BYLINE,
            "<em>Limassol</em>",
            "Fishing boats moored inside it at once.",
            "#sea",
        ],
    )
    .await;
    assert!(
        !html.contains("#cyprus"),
        "GET {path}: the region category cyprus became a tag:\n{html}"
    );

    wait_until_listed(&daemon, "all", title).await;
    wait_until_listed(&daemon, "cyprus", title).await;
    let ids = ids_in(&daemon, "all", title).await;
    assert!(
        ids[0].starts_with("urn:uuid:"),
        "the id of {title:?} is {:?}, expected urn:uuid:...",
        ids[0]
    );
    assert_eq!(ids, ids_in(&daemon, "cyprus", title).await, "cyprus ids");
    for (extension, _) in FORMATS {
        let url = daemon.url(&format!("/feeds/all.{extension}"));
        let feed = get_feed(&url).await;
        let entry = the_entry(&feed, title, &url);
        assert_eq!(
            entry_link(&entry),
            Some(permalink(slug).as_str()),
            "{url}: link"
        );
        let url = daemon.url(&format!("/feeds/ireland.{extension}"));
        assert!(
            titles(&get_feed(&url).await).is_empty(),
            "{url} lists a post whose categories name only cyprus"
        );
    }
    let rss = body_text(&daemon, "/feeds/all.rss").await;
    assert!(
        rss.contains(">sea</category>"),
        "/feeds/all.rss has no <category>sea</category>:\n{rss}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_json_post_with_html_content_and_mp_slug_is_published_under_its_authors_name() {
    let daemon = micropub_daemon().await;
    let title = "Galway oyster festival sells out";

    let mut entry = entry_json(
        title,
        json!({"html": "<p>Every ticket went in <strong>four hours</strong>.</p>"}),
        &["ireland", "food"],
    );
    entry["properties"]["mp-slug"] = json!(["galway-oysters"]);
    let answer = post_json(&daemon, Some(ANDREAS_TOKEN), &entry).await;

    assert_eq!(
        created(&answer, "JSON create"),
        permalink("galway-oysters"),
        "{answer}"
    );
    let html = assert_page_shows(
        &daemon,
        "/articles/galway-oysters",
        "",
        &[
            title,
            ANDREAS_BYLINE,
            "<strong>four hours</strong>",
            "#food",
        ],
    )
    .await;
    assert!(
        !html.contains(GRACE_BYLINE),
        "Andreas's token published under Grace's name:\n{html}"
    );
    wait_until_listed(&daemon, "all", title).await;
    wait_until_listed(&daemon, "ireland", title).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_post_with_the_same_name_gets_a_numbered_slug() {
    let daemon = micropub_daemon().await;
    let title = "Storm warning for the west coast";
    let fields = |content| entry_form(title, content, &["ireland"]);

    let first = post_form(
        &daemon,
        Some(GRACE_TOKEN),
        &fields("Met Éireann issued an orange warning."),
    )
    .await;
    let second = post_form(
        &daemon,
        Some(GRACE_TOKEN),
        &fields("The warning was raised to red overnight."),
    )
    .await;

    let slug = "storm-warning-for-the-west-coast";
    assert_eq!(created(&first, "first post"), permalink(slug), "{first}");
    assert_eq!(
        created(&second, "second post"),
        permalink(&format!("{slug}-2")),
        "{second}"
    );
    for (path, content) in [
        (format!("/articles/{slug}"), "orange warning"),
        (format!("/articles/{slug}-2"), "raised to red"),
    ] {
        assert_page_shows(&daemon, &path, "", &[content]).await;
    }
    let url = daemon.url("/feeds/all.atom");
    let url = url.as_str();
    wait_until(
        &format!("{url} lists {title:?} twice"),
        CHANGE_DEADLINE,
        || async move {
            try_get_feed(url)
                .await
                .is_some_and(|feed| titles(&feed).iter().filter(|t| *t == title).count() == 2)
        },
    )
    .await;
    let feed = get_feed(url).await;
    let ids: Vec<&str> = feed.entries.iter().map(|entry| entry.id.as_str()).collect();
    assert_ne!(ids[0], ids[1], "{url}: the two posts share an id");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_changes_the_content_everywhere_and_never_the_id() {
    let daemon = micropub_daemon().await;
    let title = "Paphos water restrictions eased";
    let mut entry = entry_json(
        title,
        json!("Reservoirs are at *forty* percent."),
        &["cyprus"],
    );
    entry["properties"]["summary"] = json!(["Restrictions eased"]);
    let location = grace_creates_json(&daemon, &entry).await;
    let path = path_of(&location);
    wait_until_listed(&daemon, "all", title).await;
    let ids = ids_in(&daemon, "all", title).await;

    let mut update = replace_content(
        &location,
        "Reservoirs have reached **sixty** percent after the rains.",
    );
    update["add"] = json!({"category": ["water"]});
    update["delete"] = json!(["summary"]);
    let update = post_json(&daemon, Some(GRACE_TOKEN), &update).await;

    assert_eq!(update.status, StatusCode::NO_CONTENT, "update: {update}");
    let html = assert_page_shows(
        &daemon,
        &path,
        "after the update",
        &[title, "<strong>sixty</strong>", "#water", GRACE_BYLINE],
    )
    .await;
    assert!(
        !html.contains("forty"),
        "GET {path}: the old content is still there:\n{html}"
    );
    for (extension, _) in FORMATS {
        let feed_path = format!("/feeds/all.{extension}");
        wait_for_text(&daemon, &feed_path, "sixty").await;
        let body = body_text(&daemon, &feed_path).await;
        assert!(
            !body.contains("forty"),
            "{feed_path} still has the old content:\n{body}"
        );
    }
    assert_eq!(
        ids_in(&daemon, "all", title).await,
        ids,
        "the update changed the id"
    );
    assert_eq!(
        ids_in(&daemon, "cyprus", title).await,
        ids,
        "the update moved the article out of cyprus or changed its id there"
    );
    let url = daemon.url("/feeds/all.atom");
    let entry = the_entry(&get_feed(&url).await, title, &url);
    assert_eq!(entry_link(&entry), Some(location.as_str()), "{url}: link");

    let source = source_of(&daemon, &location).await;
    assert_eq!(source.status, StatusCode::OK, "q=source: {source}");
    let properties = &source.json()["properties"];
    assert_eq!(
        properties["content"],
        json!(["Reservoirs have reached **sixty** percent after the rains."]),
        "q=source after the update: {source}"
    );
    assert!(
        properties.get("summary").is_none(),
        "delete: [\"summary\"] left the summary: {source}"
    );
    assert_categories(
        properties,
        &["cyprus", "water"],
        "q=source after adding water",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_article_leaves_every_feed_answers_410_and_comes_back_when_undeleted() {
    let daemon = micropub_daemon().await;
    let title = "Nicosia checkpoint hours extended";
    let location = grace_creates(
        &daemon,
        &entry_form(
            title,
            "The Ledra Street crossing now stays open until midnight.",
            &["cyprus"],
        ),
    )
    .await;
    let path = path_of(&location);
    wait_until_listed(&daemon, "all", title).await;
    wait_until_listed(&daemon, "cyprus", title).await;
    let ids = ids_in(&daemon, "all", title).await;

    let delete = post_delete(&daemon, Some(GRACE_TOKEN), &location).await;

    assert_eq!(delete.status, StatusCode::NO_CONTENT, "delete: {delete}");
    let (status, _) = page(&daemon, &path).await;
    assert_eq!(status, StatusCode::GONE, "GET {path} after the delete");
    wait_until_unlisted(&daemon, "all", title).await;
    wait_until_unlisted(&daemon, "cyprus", title).await;

    let undelete = post_json(
        &daemon,
        Some(GRACE_TOKEN),
        &json!({"action": "undelete", "url": location}),
    )
    .await;

    assert_eq!(
        undelete.status,
        StatusCode::NO_CONTENT,
        "undelete: {undelete}"
    );
    assert_page_shows(
        &daemon,
        &path,
        "after the undelete",
        &["open until midnight"],
    )
    .await;
    wait_until_listed_again(
        &daemon,
        "cyprus",
        title,
        &ids,
        "the undeleted article has a new id",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_and_wrong_tokens_are_refused_and_no_token_reaches_a_response_or_the_log() {
    let daemon = micropub_daemon().await;
    let refused_title = "A post that must never be stored";
    let refused_form = |token: Option<&'static str>| {
        let mut fields = entry_form(refused_title, "Nobody may publish this.", &[]);
        if let Some(token) = token {
            fields.push(("access_token", token));
        }
        fields
    };
    let refused_json = entry_json(refused_title, json!("Nobody may publish this."), &[]);
    let mut answers = Vec::new();

    for (what, answer) in [
        (
            "a form post without a token",
            post_form(&daemon, None, &refused_form(None)).await,
        ),
        (
            "a JSON post without a token",
            post_json(&daemon, None, &refused_json).await,
        ),
        (
            "GET q=config without a token",
            query(&daemon, None, &[("q", "config")]).await,
        ),
        (
            "a form post with an empty access_token",
            post_form(&daemon, None, &refused_form(Some(""))).await,
        ),
    ] {
        assert_refused(&answer, StatusCode::UNAUTHORIZED, "unauthorized", what);
        let challenge = answer.header("www-authenticate");
        assert!(
            challenge.starts_with("Bearer"),
            "{what}: WWW-Authenticate {challenge:?}, expected Bearer: {answer}"
        );
        answers.push(answer);
    }
    for (what, answer) in [
        (
            "a form post with a wrong bearer token",
            post_form(&daemon, Some(WRONG_TOKEN), &refused_form(None)).await,
        ),
        (
            "a JSON post with a wrong bearer token",
            post_json(&daemon, Some(WRONG_TOKEN), &refused_json).await,
        ),
        (
            "a form post with a wrong access_token field",
            post_form(&daemon, None, &refused_form(Some(WRONG_TOKEN))).await,
        ),
        (
            "GET q=config with a wrong access_token parameter",
            query(
                &daemon,
                None,
                &[("q", "config"), ("access_token", WRONG_TOKEN)],
            )
            .await,
        ),
    ] {
        assert_refused(&answer, StatusCode::FORBIDDEN, "forbidden", what);
        answers.push(answer);
    }

    let by_field = "Grace posts with her token in the form";
    let mut fields = entry_form(
        by_field,
        "Some clients send the token as a form field.",
        &[],
    );
    fields.push(("access_token", GRACE_TOKEN));
    let answer = post_form(&daemon, None, &fields).await;
    let location = created(&answer, "a form post with Grace's token as access_token");
    let (status, html) = page(&daemon, &path_of(&location)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_contains(by_field, &html, GRACE_BYLINE);
    answers.push(answer);
    let answer = query(
        &daemon,
        None,
        &[("q", "config"), ("access_token", GRACE_TOKEN)],
    )
    .await;
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "GET q=config with Grace's token as access_token: {answer}"
    );
    answers.push(answer);
    let by_andreas = "Andreas posts with his bearer token";
    let answer = post_form(
        &daemon,
        Some(ANDREAS_TOKEN),
        &entry_form(by_andreas, "Most clients send the token in a header.", &[]),
    )
    .await;
    let location = created(&answer, "a post with Andreas's token");
    let (status, html) = page(&daemon, &path_of(&location)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_contains(by_andreas, &html, ANDREAS_BYLINE);
    answers.push(answer);

    wait_until_listed(&daemon, "all", by_field).await;
    wait_until_listed(&daemon, "all", by_andreas).await;
    assert_nowhere(&daemon, &FEEDS, refused_title).await;
    for answer in &answers {
        for token in [GRACE_TOKEN, ANDREAS_TOKEN, WRONG_TOKEN] {
            assert!(
                !answer.response_text().contains(token),
                "a response carries the token {token:?}: {answer}"
            );
        }
    }
    // The last post's log line is there, so every earlier request has been logged too.
    wait_until(
        "the daemon has logged the last post",
        CHANGE_DEADLINE,
        || async {
            daemon
                .stderr_lines()
                .iter()
                .any(|line| line.contains("andreas-posts-with-his-bearer-token"))
        },
    )
    .await;
    for line in daemon.stderr_lines() {
        for token in [GRACE_TOKEN, ANDREAS_TOKEN, WRONG_TOKEN] {
            assert!(
                !line.contains(token),
                "the daemon logged the token {token:?}: {line}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_authors_token_can_neither_update_nor_delete_an_article() {
    let daemon = micropub_daemon().await;
    let title = "Dublin port tunnel closed for repairs";
    let location = grace_creates(
        &daemon,
        &entry_form(title, "The tunnel closes at *ten* tonight.", &["ireland"]),
    )
    .await;
    let path = path_of(&location);
    wait_until_listed(&daemon, "all", title).await;

    let (update, delete) = try_update_and_delete(
        &daemon,
        ANDREAS_TOKEN,
        &location,
        "Rewritten by someone else.",
    )
    .await;

    for (what, answer) in [
        ("Andreas updating Grace's article", &update),
        ("Andreas deleting Grace's article", &delete),
    ] {
        assert_refused(answer, StatusCode::FORBIDDEN, "forbidden", what);
    }
    let html = assert_page_shows(
        &daemon,
        &path,
        "after Andreas's refused delete",
        &["<em>ten</em>", GRACE_BYLINE],
    )
    .await;
    assert!(
        !html.contains("Rewritten by someone else."),
        "GET {path}: Andreas's refused update was applied:\n{html}"
    );
    // Grace's own token still may: the refusal was about whose article it is.
    let own = post_json(
        &daemon,
        Some(GRACE_TOKEN),
        &replace_content(&location, "The tunnel closes at *eleven* tonight."),
    )
    .await;
    assert_eq!(own.status, StatusCode::NO_CONTENT, "Grace's update: {own}");
    assert_nowhere_text(&daemon, "Rewritten by someone else.").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn q_config_lists_the_queries_and_q_source_gives_the_article_as_micropub_json() {
    let daemon = micropub_daemon().await;

    let answer = query(&daemon, Some(GRACE_TOKEN), &[("q", "config")]).await;

    assert_eq!(answer.status, StatusCode::OK, "q=config: {answer}");
    let content_type = answer.header("content-type");
    assert!(
        content_type.starts_with("application/json"),
        "q=config: Content-Type {content_type:?}"
    );
    let capabilities = answer.json();
    let queries = strings(&capabilities["q"]);
    for expected in ["config", "source"] {
        assert!(
            queries.iter().any(|q| q == expected),
            "q=config: \"q\" {queries:?} lacks {expected}: {answer}"
        );
    }
    assert!(
        capabilities["syndicate-to"].is_array(),
        "q=config: no \"syndicate-to\" list: {answer}"
    );

    let title = "Famagusta old town reopens to visitors";
    let content = "The walls of *Famagusta* can be walked again.";
    let location = grace_creates_json(
        &daemon,
        &entry_json(title, json!(content), &["cyprus", "heritage"]),
    )
    .await;

    let answer = source_of(&daemon, &location).await;

    assert_eq!(answer.status, StatusCode::OK, "q=source: {answer}");
    let source = answer.json();
    assert_eq!(source["type"], json!(["h-entry"]), "q=source: {answer}");
    let properties = &source["properties"];
    assert_eq!(properties["name"], json!([title]), "q=source: {answer}");
    assert_eq!(
        properties["content"],
        json!([content]),
        "q=source: {answer}"
    );
    assert_categories(
        properties,
        &["cyprus", "heritage"],
        &format!("q=source ({answer})"),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_are_refused_with_their_status_and_store_nothing() {
    let daemon = micropub_daemon().await;
    let refused = [
        "Malformed JSON post",
        "JSON post without content",
        "Form post without content",
        "Oversized post",
        "Plain text post",
    ];

    let answer = post_raw(
        &daemon,
        Some("application/json"),
        Some(GRACE_TOKEN),
        br#"{"type":["h-entry"],"properties":{"name":["Malformed JSON post"],"content":["#.to_vec(),
    )
    .await;
    assert_refused(
        &answer,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "malformed JSON",
    );
    let description = answer.json()["error_description"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        description.starts_with("malformed JSON: "),
        "malformed JSON: error_description {description:?}"
    );

    let answer = post_json(
        &daemon,
        Some(GRACE_TOKEN),
        &json!({"type": ["h-entry"], "properties": {"name": ["JSON post without content"]}}),
    )
    .await;
    assert_refused(
        &answer,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "a JSON post without content",
    );

    let answer = post_form(
        &daemon,
        Some(GRACE_TOKEN),
        &[("h", "entry"), ("name", "Form post without content")],
    )
    .await;
    assert_refused(
        &answer,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "a form post without content",
    );

    let oversized = format!(
        "h=entry&name=Oversized+post&content={}",
        "x".repeat(1024 * 1024)
    );
    let answer = post_raw(
        &daemon,
        Some(FORM),
        Some(GRACE_TOKEN),
        oversized.into_bytes(),
    )
    .await;
    assert_eq!(
        answer.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "a body over 1 MiB: {answer}"
    );

    let answer = post_raw(
        &daemon,
        Some("text/plain"),
        Some(GRACE_TOKEN),
        b"h=entry&name=Plain+text+post&content=Sent+as+text%2Fplain".to_vec(),
    )
    .await;
    assert_eq!(
        answer.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "a text/plain body: {answer}"
    );

    // Something posted after the refused ones shows up: they had their chance to be stored.
    let good = "Larnaca salt lake fills up";
    let answer = post_form(
        &daemon,
        Some(GRACE_TOKEN),
        &entry_form(good, "Flamingos are back.", &[]),
    )
    .await;
    created(&answer, "the good post");
    wait_until_listed(&daemon, "all", good).await;
    for (url, listed) in titles_in_every_format(&daemon, "all").await {
        assert_eq!(
            listed,
            [good.to_string()],
            "{url}: a refused request stored something"
        );
    }
    for title in refused {
        assert_nowhere(&daemon, &FEEDS, title).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_micropub_article_survives_a_restart_with_its_id() {
    let daemon = micropub_daemon().await;
    let title = "Cork city council votes for a new bridge";
    let location = grace_creates(
        &daemon,
        &entry_form(
            title,
            "The bridge will cross the *Lee* at Kent station.",
            &["ireland"],
        ),
    )
    .await;
    let path = path_of(&location);
    wait_until_listed(&daemon, "ireland", title).await;
    let ids = ids_in(&daemon, "all", title).await;

    let daemon = start_daemon(daemon.into_dir());

    assert_page_shows(
        &daemon,
        &path,
        "after the restart",
        &["<em>Lee</em>", GRACE_BYLINE],
    )
    .await;
    wait_until_listed_again(
        &daemon,
        "ireland",
        title,
        &ids,
        "the restart changed the id",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn article_export_writes_a_file_that_a_fresh_daemon_publishes_the_same() {
    let upstream = Upstream::start().await;
    let config_toml = micropub_config(&upstream);
    let daemon = start_daemon(workdir(&config_toml));
    let title = "Kyrenia harbour festival returns";
    let markdown = "Boats, *music* and lanterns.\n\nThe festival runs until Sunday.";
    let answer = post_json(
        &daemon,
        Some(GRACE_TOKEN),
        &entry_json(title, json!(markdown), &["cyprus", "festivals"]),
    )
    .await;
    let location = created(&answer, "create");
    let slug = "kyrenia-harbour-festival-returns";
    assert_eq!(location, permalink(slug), "{answer}");
    wait_until_listed(&daemon, "all", title).await;
    let ids = ids_in(&daemon, "all", title).await;
    let source = source_of(&daemon, &location).await;
    let published = source.json()["properties"]["published"][0]
        .as_str()
        .unwrap_or_else(|| panic!("q=source has no published date: {source}"))
        .to_string();
    let day = published.get(..10).unwrap_or_default().to_string();

    // The store is locked while the daemon runs.
    let dir = daemon.into_dir();
    let out = tempfile::tempdir().expect("create a temporary folder");
    let out_dir = out.path().to_str().expect("temporary paths are UTF-8");
    let output = Daemon::run_cli(&["article", "export", out_dir], dir.path());

    assert_eq!(output.status.code(), Some(0), "islands article export");
    let name = format!("{day}-{slug}.md");
    let files = file_names(out.path());
    assert_eq!(files, std::slice::from_ref(&name), "the export folder");
    let file_text = fs::read_to_string(out.path().join(&name)).expect("read the exported file");
    let (front, body) = split_front_matter(&file_text)
        .unwrap_or_else(|| panic!("{name} has no +++ front matter:\n{file_text}"));
    let front: toml::Table = toml::from_str(front)
        .unwrap_or_else(|error| panic!("{name}: front matter is not TOML ({error}):\n{file_text}"));
    assert_eq!(
        front.get("title").and_then(toml::Value::as_str),
        Some(title),
        "{name}: title\n{file_text}"
    );
    assert_eq!(
        front.get("author").and_then(toml::Value::as_str),
        Some("grace-kennedy"),
        "{name}: author\n{file_text}"
    );
    assert_eq!(
        toml_strings(front.get("regions")),
        ["cyprus"],
        "{name}: regions\n{file_text}"
    );
    assert_eq!(
        toml_strings(front.get("tags")),
        ["festivals"],
        "{name}: tags\n{file_text}"
    );
    let published_in_file = front
        .get("published")
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(
        published_in_file.starts_with(&day),
        "{name}: published {published_in_file:?}, expected the post's day {day}\n{file_text}"
    );
    assert_eq!(body.trim_end(), markdown, "{name}: the Markdown");

    // The round trip: the file, as a writer would drop it into a fresh site's articles folder.
    let fresh = workdir(&config_toml);
    fs::copy(
        out.path().join(&name),
        fresh.path().join("articles").join(&name),
    )
    .expect("copy the exported file into articles/");
    let daemon = start_daemon(fresh);
    wait_until_listed_again(
        &daemon,
        "cyprus",
        title,
        &ids,
        "the exported file gives the article another id",
    )
    .await;
    let path = format!("/articles/{slug}");
    assert_page_shows(
        &daemon,
        &path,
        "from the exported file",
        &[title, GRACE_BYLINE, "<em>music</em>", "#festivals"],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_article_written_as_a_file_cannot_be_changed_over_micropub() {
    let upstream = Upstream::start().await;
    let file = "2026-11-24-ferry-strike-called-off.md";
    let title = "Ferry strike called off";
    let text = article_text(title, &["ireland"], "", "Sailings resume *tomorrow*.\n");
    let daemon = start_daemon(workdir_with_articles(
        &micropub_config(&upstream),
        &[(file, &text)],
    ));
    wait_until_listed(&daemon, "all", title).await;
    let url = permalink("ferry-strike-called-off");

    let (update, delete) =
        try_update_and_delete(&daemon, GRACE_TOKEN, &url, "Changed over Micropub.").await;

    for (what, answer) in [
        ("updating a file article", &update),
        ("deleting a file article", &delete),
    ] {
        assert_refused(answer, StatusCode::BAD_REQUEST, "invalid_request", what);
        let description = answer.json()["error_description"].to_string();
        assert!(
            description.contains(file),
            "{what}: the error does not name the file {file}: {answer}"
        );
    }
    let (status, html) = page(&daemon, "/articles/ferry-strike-called-off").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the file article after Micropub tried"
    );
    assert_contains("the file article", &html, "<em>tomorrow</em>");
    assert_nowhere_text(&daemon, "Changed over Micropub.").await;
    wait_until_listed(&daemon, "all", title).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_micropub_client_library_creates_reads_and_updates_an_article() {
    if !python_micropub_available() {
        crate::support::skip_without(
            "python3 with the micropub library (PyPI micropub==0.0.9) is missing",
        );
        return;
    }
    let daemon = micropub_daemon().await;
    let title = "Troodos snow draws the first skiers";
    let location = permalink("troodos-first-skiers");
    let script = fixture_path("clients/micropub_client.py");

    let output = tokio::task::block_in_place(|| {
        python_command()
            .arg(&script)
            .arg(daemon.url("/micropub"))
            .arg(GRACE_TOKEN)
            .arg(&location)
            .stdin(Stdio::null())
            .output()
    })
    .unwrap_or_else(|error| panic!("run python3 {}: {error}", script.display()));

    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "python3 micropub_client.py -> {}\n--- stdout\n{stdout}--- stderr\n{stderr}",
        output.status
    );
    let report: Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|error| panic!("the script printed no JSON ({error}):\n{stdout}"));
    assert_eq!(report["source_status"], 200, "q=source: {report}");
    assert_eq!(
        report["source"]["properties"]["name"],
        json!([title]),
        "{report}"
    );
    assert_eq!(report["update_status"], 204, "update: {report}");
    assert_eq!(
        report["updated"]["properties"]["content"],
        json!(["Mount *Olympus* opened all four slopes on Sunday."]),
        "q=source after the update: {report}"
    );
    let path = path_of(&location);
    assert_page_shows(
        &daemon,
        &path,
        "",
        &[title, GRACE_BYLINE, "all four slopes", "#snow"],
    )
    .await;
    wait_until_listed(&daemon, "cyprus", title).await;
    for (extension, _) in FORMATS {
        wait_for_text(
            &daemon,
            &format!("/feeds/all.{extension}"),
            "all four slopes",
        )
        .await;
    }
}

/// The test config with both authors holding a Micropub token, and regions ireland and cyprus
/// without sources.
fn micropub_config(upstream: &Upstream) -> String {
    let mut text = edit_config(
        &config(upstream, &[("ireland", NO_SOURCES), ("cyprus", NO_SOURCES)]),
        GRACE_BIO_LINE,
        &format!("{GRACE_BIO_LINE}token_env = \"{GRACE_ENV}\"\n"),
    );
    text.push_str(&format!(
        "\n[authors.andreas-georgiou]\nname = \"Andreas Georgiou\"\n\
         bio = \"Reports on Cyprus and the eastern Mediterranean from Limassol.\"\n\
         token_env = \"{ANDREAS_ENV}\"\n"
    ));
    text
}

/// Serves `dir` with both authors' tokens in the environment, its stderr kept.
fn start_daemon(dir: TempDir) -> Daemon {
    Daemon::start_in_with_env(
        dir,
        &[(GRACE_ENV, GRACE_TOKEN), (ANDREAS_ENV, ANDREAS_TOKEN)],
    )
}

/// A daemon serving [`micropub_config`] from a fresh folder (it has no sources, so the upstream
/// can go once the config is written).
async fn micropub_daemon() -> Daemon {
    let upstream = Upstream::start().await;
    start_daemon(workdir(&micropub_config(&upstream)))
}

/// The path of a permalink, to request it from the daemon (which listens elsewhere).
fn path_of(permalink: &str) -> String {
    let path = permalink
        .strip_prefix(BASE_URL)
        .unwrap_or_else(|| panic!("{permalink:?} does not start with {BASE_URL}"));
    format!("/{path}")
}

/// One answer of the daemon, whole, so a failed assertion can show it.
struct Answer {
    what: String,
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> String {
        header_of(&self.headers, name).unwrap_or_default()
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|error| panic!("{}: the body is not JSON ({error}): {self}", self.what))
    }
}

impl Answer {
    /// What the daemon sent: the headers and the body.
    fn response_text(&self) -> String {
        let mut text = String::new();
        for (name, value) in &self.headers {
            text.push_str(&format!(
                "{name}: {}\n",
                String::from_utf8_lossy(value.as_bytes())
            ));
        }
        text.push('\n');
        text.push_str(&self.body);
        text
    }
}

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} -> {}\n{}",
            self.what,
            self.status,
            self.response_text()
        )
    }
}

async fn answer_of(what: String, request: reqwest::RequestBuilder) -> Answer {
    let response = request
        .send()
        .await
        .unwrap_or_else(|error| panic!("{what}: {error}"));
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .text()
        .await
        .unwrap_or_else(|error| panic!("{what}: reading the body: {error}"));
    Answer {
        what,
        status,
        headers,
        body,
    }
}

/// POST `/micropub` with this body and `Content-Type`, and `Authorization: Bearer TOKEN`.
async fn post_raw(
    daemon: &Daemon,
    content_type: Option<&str>,
    bearer: Option<&str>,
    body: Vec<u8>,
) -> Answer {
    let mut request = client_without_redirects().post(daemon.url("/micropub"));
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    if let Some(token) = bearer {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let shown = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
    let what = format!(
        "POST /micropub ({}, {} bytes: {shown:?})",
        content_type.unwrap_or("no Content-Type"),
        body.len()
    );
    answer_of(what, request.body(body)).await
}

async fn post_form(daemon: &Daemon, bearer: Option<&str>, fields: &[(&str, &str)]) -> Answer {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    post_raw(daemon, Some(FORM), bearer, body.into_bytes()).await
}

async fn post_json(daemon: &Daemon, bearer: Option<&str>, value: &Value) -> Answer {
    post_raw(
        daemon,
        Some("application/json"),
        bearer,
        value.to_string().into_bytes(),
    )
    .await
}

/// GET `/micropub?PARAMS`, with `Authorization: Bearer TOKEN` when given.
async fn query(daemon: &Daemon, bearer: Option<&str>, params: &[(&str, &str)]) -> Answer {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    let mut request = client_without_redirects().get(daemon.url(&format!("/micropub?{query}")));
    if let Some(token) = bearer {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let shown: Vec<&str> = params
        .iter()
        .filter(|(name, _)| *name != "access_token")
        .map(|(name, _)| *name)
        .collect();
    answer_of(format!("GET /micropub with {shown:?}"), request).await
}

/// The form fields of an `h=entry` post with a name, content and categories.
fn entry_form<'a>(
    title: &'a str,
    content: &'a str,
    categories: &[&'a str],
) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![("h", "entry"), ("name", title), ("content", content)];
    fields.extend(categories.iter().map(|category| ("category[]", *category)));
    fields
}

/// A JSON `h-entry` with a name, content (Markdown text, or `{"html": ...}`) and categories
/// (no `category` property when there are none).
fn entry_json(title: &str, content: Value, categories: &[&str]) -> Value {
    let mut entry = json!({
        "type": ["h-entry"],
        "properties": {"name": [title], "content": [content]}
    });
    if !categories.is_empty() {
        entry["properties"]["category"] = json!(categories);
    }
    entry
}

/// A JSON update that replaces the content of the article at `url`.
fn replace_content(url: &str, content: &str) -> Value {
    json!({"action": "update", "url": url, "replace": {"content": [content]}})
}

/// A form delete of the article at `url`.
async fn post_delete(daemon: &Daemon, bearer: Option<&str>, url: &str) -> Answer {
    post_form(daemon, bearer, &[("action", "delete"), ("url", url)]).await
}

/// Tries, with `token`, to replace the content of the article at `url` and then to delete it:
/// the update's answer and the delete's.
async fn try_update_and_delete(
    daemon: &Daemon,
    token: &str,
    url: &str,
    content: &str,
) -> (Answer, Answer) {
    let update = post_json(daemon, Some(token), &replace_content(url, content)).await;
    let delete = post_delete(daemon, Some(token), url).await;
    (update, delete)
}

/// `q=source` for the article at `url`, with Grace's token.
async fn source_of(daemon: &Daemon, url: &str) -> Answer {
    query(daemon, Some(GRACE_TOKEN), &[("q", "source"), ("url", url)]).await
}

/// Posts these form fields with Grace's token, asserts the 201, and returns the permalink.
async fn grace_creates(daemon: &Daemon, fields: &[(&str, &str)]) -> String {
    created(
        &post_form(daemon, Some(GRACE_TOKEN), fields).await,
        "create",
    )
}

/// Posts this JSON with Grace's token, asserts the 201, and returns the permalink.
async fn grace_creates_json(daemon: &Daemon, entry: &Value) -> String {
    created(&post_json(daemon, Some(GRACE_TOKEN), entry).await, "create")
}

/// The permalink in the `Location` of an answer that must be a 201 (`what` names the post).
fn created(answer: &Answer, what: &str) -> String {
    assert_eq!(answer.status, StatusCode::CREATED, "{what}: {answer}");
    answer.header("location")
}

/// A refusal: this status, and a Micropub error body with this `error`.
fn assert_refused(answer: &Answer, status: StatusCode, error: &str, what: &str) {
    assert_eq!(answer.status, status, "{what}: {answer}");
    assert_error(answer, error, what);
}

/// A Micropub error answer: a JSON body with this `error` and a non-empty `error_description`.
fn assert_error(answer: &Answer, error: &str, what: &str) {
    let content_type = answer.header("content-type");
    assert!(
        content_type.starts_with("application/json"),
        "{what}: Content-Type {content_type:?}, expected JSON: {answer}"
    );
    let body = answer.json();
    assert_eq!(body["error"], error, "{what}: {answer}");
    assert!(
        body["error_description"]
            .as_str()
            .is_some_and(|description| !description.trim().is_empty()),
        "{what}: no error_description: {answer}"
    );
}

/// Waits until the 200 answer at `path` contains `expected`.
async fn wait_for_text(daemon: &Daemon, path: &str, expected: &str) {
    let url = daemon.url(path);
    let url = url.as_str();
    wait_until(
        &format!("{url} contains {expected:?}"),
        CHANGE_DEADLINE,
        || async move {
            match get_with(url, &[]).await {
                response if response.status() == StatusCode::OK => response
                    .text()
                    .await
                    .is_ok_and(|body| body.contains(expected)),
                _ => false,
            }
        },
    )
    .await;
}

/// No format of `all` contains `text` anywhere.
async fn assert_nowhere_text(daemon: &Daemon, unwanted: &str) {
    for (extension, _) in FORMATS {
        let path = format!("/feeds/all.{extension}");
        let body = body_text(daemon, &path).await;
        assert!(!body.contains(unwanted), "{path} has {unwanted:?}:\n{body}");
    }
}

/// Waits until `all` and `region` list `title` again, and asserts that it kept the `ids` it had
/// (`what` says what would have changed them).
async fn wait_until_listed_again(
    daemon: &Daemon,
    region: &str,
    title: &str,
    ids: &[String],
    what: &str,
) {
    wait_until_listed(daemon, "all", title).await;
    wait_until_listed(daemon, region, title).await;
    assert_eq!(ids_in(daemon, "all", title).await, ids, "{what}");
}

/// The id of `title` in each format of `/feeds/{feed}.*`; asserts the formats agree.
async fn ids_in(daemon: &Daemon, feed: &str, title: &str) -> Vec<String> {
    let mut ids = Vec::new();
    for (extension, _) in FORMATS {
        let url = daemon.url(&format!("/feeds/{feed}.{extension}"));
        ids.push(the_entry(&get_feed(&url).await, title, &url).id);
    }
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "RSS, Atom and JSON Feed give {title:?} different ids in {feed}: {ids:?}"
    );
    ids
}

/// Micropub `properties` whose `category` includes each of `expected`.
fn assert_categories(properties: &Value, expected: &[&str], what: &str) {
    let categories = strings(&properties["category"]);
    for category in expected {
        assert!(
            categories.iter().any(|c| c == category),
            "{what}: category {categories:?} lacks {category}"
        );
    }
}

/// The strings of a JSON array (none when it is not one).
fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

/// `python3`, never through a proxy: the daemon is on 127.0.0.1.
fn python_command() -> Command {
    let mut command = Command::new("python3");
    without_proxy(&mut command);
    command
}

/// Whether `python3` runs and has the `micropub` library's `Client`.
fn python_micropub_available() -> bool {
    python_command()
        .args(["-c", "import micropub; micropub.Client"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

// ---------------------------------------------------------------------------------------------
// Regressions of the outside review (issue 11).

/// Regression (issue 11, 2): 32 concurrent creates of one slug gave 32 × 201 but 22 articles,
/// and one author's 201 named another author's article.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creates_of_one_slug_each_get_their_own_article() {
    let daemon = micropub_daemon().await;
    let posts = (0..32).map(|n| {
        let daemon = &daemon;
        async move {
            let token = if n % 2 == 0 {
                GRACE_TOKEN
            } else {
                ANDREAS_TOKEN
            };
            let content = format!("Dispatch number {n} from the harbour.");
            let fields = [
                ("h", "entry"),
                ("name", "Harbour dispatch"),
                ("mp-slug", "harbour-dispatch"),
                ("content", content.as_str()),
            ];
            let answer = post_form(daemon, Some(token), &fields).await;
            (n, created(&answer, &format!("post {n}")))
        }
    });
    let created_posts = futures_util::future::join_all(posts).await;
    let locations: std::collections::HashSet<&String> =
        created_posts.iter().map(|(_, location)| location).collect();
    assert_eq!(locations.len(), 32, "distinct Locations: {created_posts:?}");
    for (n, location) in &created_posts {
        let byline = if n % 2 == 0 {
            GRACE_BYLINE
        } else {
            ANDREAS_BYLINE
        };
        let marker = format!("Dispatch number {n} from");
        assert_page_shows(&daemon, &path_of(location), "", &[&marker, byline]).await;
    }
}

/// Regression (issue 11, 3): a file article took over a Micropub article of the same slug, and
/// deleting the file erased it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_never_replaces_a_posted_article_of_the_same_slug() {
    let daemon = micropub_daemon().await;
    let posted = grace_creates(
        &daemon,
        &[
            ("h", "entry"),
            ("name", "Quay wall repairs"),
            ("mp-slug", "quay-wall"),
            ("content", "Posted words about the quay wall."),
        ],
    )
    .await;
    let path = path_of(&posted);
    let file = daemon.dir().join("articles/quay-wall.md");
    let text = article_text("File about the quay", &["ireland"], "", "Filed words.");
    fs::write(&file, &text).unwrap();
    wait_until("the clash is reported", CHANGE_DEADLINE, || async {
        crate::support::status_json(&daemon).await["articles"]
            .to_string()
            .contains("belongs to an article posted over Micropub")
    })
    .await;
    assert_page_shows(
        &daemon,
        &path,
        "after the file",
        &["Posted words", GRACE_BYLINE],
    )
    .await;
    fs::remove_file(&file).unwrap();
    // A later file shows the folder was synced after the removal.
    let other = article_text("Unrelated file", &["ireland"], "", "Other.");
    fs::write(daemon.dir().join("articles/unrelated.md"), other).unwrap();
    wait_until_listed(&daemon, "all", "Unrelated file").await;
    assert_page_shows(&daemon, &path, "after the file is gone", &["Posted words"]).await;
}

/// Regression (issue 11, 6): Last-Modified went to 2999 with a post dated so, and back in time
/// when an article was deleted, so If-Modified-Since kept a deleted article.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_modified_neither_runs_ahead_nor_goes_back() {
    let daemon = micropub_daemon().await;
    let future = grace_creates(
        &daemon,
        &[
            ("h", "entry"),
            ("name", "Dated far ahead"),
            ("published", "2999-01-01T00:00:00Z"),
            ("content", "From the future."),
        ],
    )
    .await;
    grace_creates(
        &daemon,
        &[("h", "entry"), ("name", "Dated today"), ("content", "Now.")],
    )
    .await;
    wait_until_listed(&daemon, "all", "Dated today").await;
    let url = daemon.url("/feeds/all.atom");
    let response = get_with(&url, &[]).await;
    let date = httpdate::parse_http_date(&header_of(response.headers(), "date").unwrap()).unwrap();
    let first = header_of(response.headers(), "last-modified").unwrap();
    let first_time = httpdate::parse_http_date(&first).unwrap();
    assert!(first_time <= date, "Last-Modified {first} is after Date");
    let feed = response.text().await.unwrap();
    assert!(
        !feed.contains("2999-"),
        "the post's date was clamped: {feed}"
    );

    assert_eq!(
        post_delete(&daemon, Some(GRACE_TOKEN), &future)
            .await
            .status,
        204
    );
    wait_until_unlisted(&daemon, "all", "Dated far ahead").await;
    let response = get_with(&url, &[("if-modified-since", &first)]).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "a feed that changed is not 304 to If-Modified-Since"
    );
    let second = header_of(response.headers(), "last-modified").unwrap();
    assert!(
        httpdate::parse_http_date(&second).unwrap() >= first_time,
        "{second} < {first}"
    );
}

/// Regression (issue 11, 5): a 5,000-character `mp-slug` stopped the static mirror for good.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_very_long_slug_is_cut_and_the_mirror_keeps_going() {
    let upstream = Upstream::start().await;
    let text = edit_config(
        &micropub_config(&upstream),
        "[articles]",
        "[publish]\nmirror = \"site\"\n[articles]",
    );
    let daemon = start_daemon(workdir(&text));
    let long_slug = "word-".repeat(1000);
    let location = grace_creates(
        &daemon,
        &[
            ("h", "entry"),
            ("name", "Long slug"),
            ("mp-slug", long_slug.as_str()),
            ("content", "Long."),
        ],
    )
    .await;
    let slug = location.rsplit('/').next().unwrap().to_string();
    assert!(slug.len() <= 100 && slug.ends_with("word"), "{slug}");
    grace_creates(
        &daemon,
        &[
            ("h", "entry"),
            ("name", "After the long one"),
            ("mp-slug", "after"),
            ("content", "Next."),
        ],
    )
    .await;
    let site = daemon.dir().join("site");
    wait_until("both articles reach the mirror", CHANGE_DEADLINE, || {
        let site = site.clone();
        let slug = slug.clone();
        async move {
            site.join(format!("articles/{slug}/index.html")).is_file()
                && site.join("articles/after/index.html").is_file()
        }
    })
    .await;
}

/// Risk of issue 11: a header token and a form `access_token` that disagree (Micropub 4.1).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_different_tokens_in_one_request_are_a_bad_request() {
    let daemon = micropub_daemon().await;
    let fields = |token| {
        vec![
            ("h", "entry"),
            ("name", "Two tokens"),
            ("content", "Which one?"),
            ("access_token", token),
        ]
    };
    for token in [WRONG_TOKEN, ANDREAS_TOKEN] {
        let answer = post_form(&daemon, Some(GRACE_TOKEN), &fields(token)).await;
        assert_refused(&answer, StatusCode::BAD_REQUEST, "invalid_request", token);
    }
    let query_answer = query(
        &daemon,
        Some(GRACE_TOKEN),
        &[("q", "config"), ("access_token", ANDREAS_TOKEN)],
    )
    .await;
    assert_refused(
        &query_answer,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "query",
    );
    let same = post_form(&daemon, Some(GRACE_TOKEN), &fields(GRACE_TOKEN)).await;
    created(&same, "the same token twice");
}
