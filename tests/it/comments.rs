//! Issue 14: comments on our articles. The form (token, honeypot, size, rate limit), what waits
//! for moderation and what is shown once approved, hostile text inert in the page and every
//! feed, moderation by session (with CSRF) and by Bearer token, each author on their own
//! articles only, and a comment that got its 303 surviving kill -9.

use reqwest::StatusCode;

use crate::support::{
    Daemon, Upstream, article_text, client_without_redirects, config, edit_config, workdir,
};

const GRACE_ENV: &str = "ISLANDS_TOKEN_GRACE";
const GRACE: &str = "grace-0f3a9c7e5d1b2468";
const ANDREAS_ENV: &str = "ISLANDS_TOKEN_ANDREAS";
const ANDREAS: &str = "andreas-8e6c4a2f0d9b7531";

const XSS: &str = "<img src=x onerror=alert(1)><script>alert(2)</script>\"'><svg onload=alert(3)>";

async fn comments_daemon(extra_comments: &str) -> (Upstream, Daemon) {
    let upstream = Upstream::start().await;
    let text = edit_config(
        &config(&upstream, &[("ireland", &[]), ("cyprus", &[])]),
        "bio = \"A leading journalist and columnist of events in Ireland and beyond.\"\n",
        &format!(
            "bio = \"A leading journalist and columnist of events in Ireland and beyond.\"\n\
             token_env = \"{GRACE_ENV}\"\n\n[authors.andreas]\nname = \"Andreas Georgiou\"\n\
             token_env = \"{ANDREAS_ENV}\"\n\n[comments]\nrate_per_minute = 4\n{extra_comments}\n"
        ),
    );
    let dir = workdir(&text);
    std::fs::write(
        dir.path().join("articles/ferry.md"),
        article_text("Ferry strike ends", &["ireland"], "", "Sailings resume."),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("articles/port.md"),
        article_text("Limassol port expands", &["cyprus"], "", "New berths.")
            .replace("author = \"grace-kennedy\"", "author = \"andreas\""),
    )
    .unwrap();
    let daemon = Daemon::start_in_with_env(dir, &[(GRACE_ENV, GRACE), (ANDREAS_ENV, ANDREAS)]);
    (upstream, daemon)
}

/// The value of the `name` field of the first form of `html`.
fn field_value(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no {name} field in {html}"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_string()
}

async fn post_form(
    daemon: &Daemon,
    path: &str,
    fields: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let mut request = client_without_redirects()
        .post(daemon.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    (status, headers, response.text().await.unwrap())
}

async fn get_with(daemon: &Daemon, path: &str, headers: &[(&str, &str)]) -> (StatusCode, String) {
    let mut request = client_without_redirects().get(daemon.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn article_page(daemon: &Daemon, slug: &str) -> String {
    let (status, html) = get_with(daemon, &format!("/articles/{slug}"), &[]).await;
    assert_eq!(status, 200, "{html}");
    html
}

async fn pending_json(daemon: &Daemon, token: &str) -> serde_json::Value {
    let (status, body) = get_with(
        daemon,
        "/admin/comments.json",
        &[("authorization", &format!("Bearer {token}"))],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comments_are_held_moderated_shown_escaped_and_survive_kill_9() {
    let (_upstream, daemon) = comments_daemon("").await;
    crate::support::wait_until(
        "the articles are published",
        crate::support::CHANGE_DEADLINE,
        || {
            let url = daemon.url("/articles/port");
            async move { crate::support::get(&url).await.status() == 200 }
        },
    )
    .await;
    let page = article_page(&daemon, "ferry").await;
    assert!(page.contains("No comments yet."), "{page}");
    assert!(page.contains("<link rel=\"webmention\""), "{page}");
    let token = field_value(&page, "token");
    let path = "/articles/ferry/comments";

    // A blind POST (no token) is refused, and the typed text is kept.
    let (status, _, html) = post_form(
        &daemon,
        path,
        &[("author", "Blind"), ("text", "Typed with care")],
        &[],
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        html.contains("expired") && html.contains("Typed with care"),
        "{html}"
    );
    // Each field says what is wrong with it.
    let long = "x".repeat(5001);
    for (fields, says) in [
        (vec![("author", ""), ("text", "hi")], "Give a name"),
        (vec![("author", "A"), ("text", "")], "Write a comment"),
        (
            vec![("author", "A"), ("text", long.as_str())],
            "at most 5000 characters",
        ),
        (
            vec![
                ("author", "A"),
                ("text", "hi"),
                ("url", "javascript:alert(1)"),
            ],
            "https://",
        ),
        (
            vec![("author", "A"), ("text", "hi"), ("email", "nope")],
            "not an email",
        ),
    ] {
        let mut fields = fields.clone();
        fields.push(("token", &token));
        let (status, _, html) = post_form(&daemon, path, &fields, &[]).await;
        assert_eq!(status, 400, "{fields:?}");
        assert!(html.contains(says), "{says}: {html}");
        assert!(html.contains("aria-invalid=\"true\""), "{html}");
    }
    // The honeypot: a robot is thanked, and nothing is kept.
    let (status, headers, _) = post_form(
        &daemon,
        path,
        &[
            ("author", "Bot"),
            ("text", "Buy now"),
            ("website", "http://spam.example"),
            ("token", &token),
        ],
        &[],
    )
    .await;
    assert_eq!(status, 303);
    assert!(
        headers["location"]
            .to_str()
            .unwrap()
            .ends_with("#comment-pending")
    );

    // A hostile comment, held for moderation.
    let (status, headers, _) = post_form(
        &daemon,
        path,
        &[
            ("author", &format!("Reader {XSS}")),
            ("url", "https://reader.example/?a=1&b=\"2\""),
            ("email", "reader@example.org"),
            (
                "text",
                &format!("Good news {XSS}\nSee https://example.com/x?y=1"),
            ),
            ("token", &token),
        ],
        &[],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(
        headers["location"],
        "http://127.0.0.1:8080/articles/ferry#comment-pending"
    );
    assert!(!article_page(&daemon, "ferry").await.contains("Good news"));

    // Moderation: a wrong token, then Andreas, who may not moderate Grace's article.
    let (status, _) = get_with(
        &daemon,
        "/admin/comments.json",
        &[("authorization", "Bearer wrong")],
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        pending_json(&daemon, ANDREAS).await["pending"],
        serde_json::json!([])
    );
    let pending = pending_json(&daemon, GRACE).await;
    let held = pending["pending"].as_array().unwrap();
    assert_eq!(held.len(), 1, "the honeypot kept nothing: {pending}");
    let id = held[0]["id"].as_str().unwrap().to_string();
    let (status, _, _) = post_form(
        &daemon,
        &format!("/admin/comments/{id}/approve"),
        &[],
        &[("authorization", &format!("Bearer {ANDREAS}"))],
    )
    .await;
    assert_eq!(status, 403, "an author moderates their own articles only");

    // Grace signs in; a POST without the CSRF token is refused, one with it approves.
    let (status, headers, _) = post_form(&daemon, "/admin/login", &[("token", GRACE)], &[]).await;
    assert_eq!(status, 303);
    let set_cookie = headers["set-cookie"].to_str().unwrap().to_string();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    let (status, queue) = get_with(&daemon, "/admin/comments", &[("cookie", &cookie)]).await;
    assert_eq!(status, 200);
    assert!(
        !queue.contains("<script>alert"),
        "the queue escapes too: {queue}"
    );
    let csrf = field_value(&queue, "csrf");
    let action = format!("/admin/comments/{id}/approve");
    let (status, _, _) = post_form(&daemon, &action, &[], &[("cookie", &cookie)]).await;
    assert_eq!(status, 403, "no CSRF token");
    let (status, _, _) = post_form(
        &daemon,
        &action,
        &[("csrf", "forged")],
        &[("cookie", &cookie)],
    )
    .await;
    assert_eq!(status, 403, "a wrong CSRF token");
    let (status, _, _) =
        post_form(&daemon, &action, &[("csrf", &csrf)], &[("cookie", &cookie)]).await;
    assert_eq!(status, 303);

    // Shown, inert: text escaped, the site a ugc link, the email nowhere.
    let page = article_page(&daemon, "ferry").await;
    assert!(page.contains("Good news"), "{page}");
    for raw in ["<img src=x", "<script>alert", "<svg onload", "javascript:"] {
        assert!(!page.contains(raw), "{raw} reached the page: {page}");
    }
    assert!(
        page.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{page}"
    );
    assert!(page.contains("rel=\"ugc nofollow\""), "{page}");
    assert!(
        page.contains("<a href=\"https://example.com/x?y=1\" rel=\"ugc nofollow\">"),
        "{page}"
    );
    assert!(
        !page.contains("reader@example.org"),
        "the email is never shown"
    );
    let (_, home) = get_with(&daemon, "/", &[]).await;
    assert!(
        home.contains("1 comment</a>"),
        "counts beside our articles: {home}"
    );

    // And in every feed.
    for path in [
        "/feeds/comments.atom",
        "/feeds/comments.rss",
        "/feeds/comments.json",
        "/articles/ferry/comments.atom",
    ] {
        let (status, body) = get_with(&daemon, path, &[]).await;
        assert_eq!(status, 200, "{path}");
        assert!(body.contains("Good news"), "{path}: {body}");
        let feed =
            feed_rs::parser::parse(body.as_bytes()).unwrap_or_else(|e| panic!("{path}: {e}"));
        let html = feed.entries[0]
            .content
            .as_ref()
            .and_then(|c| c.body.clone())
            .unwrap_or_default();
        assert!(
            !html.contains("<img src=x") && !html.contains("<script"),
            "{path}: {html}"
        );
        assert!(!body.contains("reader@example.org"), "{path}");
    }
    let (_, atom) = get_with(&daemon, "/feeds/all.atom", &[]).await;
    assert!(
        atom.contains("rel=\"replies\"") && atom.contains("/articles/ferry/comments.atom"),
        "{atom}"
    );

    // The rate limit: 4 a minute from one address (one was taken above).
    let mut statuses = Vec::new();
    for n in 0..4 {
        let text = format!("Comment {n}");
        let (status, headers, _) = post_form(
            &daemon,
            "/articles/port/comments",
            &[
                ("author", "Quick"),
                ("text", &text),
                (
                    "token",
                    &field_value(&article_page(&daemon, "port").await, "token"),
                ),
            ],
            &[],
        )
        .await;
        if status == 429 {
            assert_eq!(headers["retry-after"], "60");
        }
        statuses.push(status.as_u16());
    }
    assert_eq!(statuses, [303, 303, 303, 429], "{statuses:?}");
    // Andreas sees the comments on his article, not Grace's.
    assert_eq!(
        pending_json(&daemon, ANDREAS).await["pending"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // A comment that got its 303 survives kill -9.
    let dir = daemon.into_dir();
    let daemon = Daemon::start_in_with_env(dir, &[(GRACE_ENV, GRACE), (ANDREAS_ENV, ANDREAS)]);
    assert_eq!(
        pending_json(&daemon, ANDREAS).await["pending"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert!(article_page(&daemon, "ferry").await.contains("Good news"));

    // `islands comments export`: every comment as JSON, through the running daemon.
    let output = crate::support::run_islands(&["comments", "export"], daemon.dir());
    assert!(output.status.success(), "{output:?}");
    let exported: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(exported.as_array().unwrap().len(), 4, "{exported}");
}
