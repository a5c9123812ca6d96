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
             token_env = \"{ANDREAS_ENV}\"\n\n[comments]\nrate_per_minute = 5\n{extra_comments}\n"
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
    // Comment feeds are cached and precompressed like every feed, with validators.
    let compressed = crate::support::raw_client()
        .get(daemon.url("/feeds/comments.atom"))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(compressed.headers()["content-encoding"], "br");
    let etag = compressed.headers()["etag"].to_str().unwrap().to_string();
    let again = crate::support::raw_client()
        .get(daemon.url("/feeds/comments.atom"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    let (_, atom) = get_with(&daemon, "/feeds/all.atom", &[]).await;
    assert!(
        atom.contains("rel=\"replies\"") && atom.contains("/articles/ferry/comments.atom"),
        "{atom}"
    );

    // A Webmention whose source is on a private address (this upstream, on 127.0.0.1) is
    // refused when it is checked: `allow_private_sources` is off by default.
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("source", _upstream.url("/private")),
            ("target", "http://127.0.0.1:8080/articles/ferry".to_string()),
        ])
        .finish();
    let answer = client_without_redirects()
        .post(daemon.url("/webmention"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 202);
    let status_path = answer.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("http://127.0.0.1:8080")
        .to_string();
    crate::support::wait_until(
        "the private source is refused",
        crate::support::CHANGE_DEADLINE,
        || {
            let url = daemon.url(&status_path);
            async move {
                let status = crate::support::get_json(&url).await;
                status["status"] == "rejected"
                    && status["reason"]
                        .as_str()
                        .is_some_and(|reason| reason.contains("private"))
            }
        },
    )
    .await;

    // The rate limit: 5 a minute from one address (two were taken above).
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

    // The export and the mirror carry approved comments only.
    let output = crate::support::run_islands(&["export", "--out", "site"], daemon.dir());
    assert!(output.status.success(), "{output:?}");
    let site = daemon.dir().join("site");
    let exported = std::fs::read_to_string(site.join("articles/ferry/index.html")).unwrap();
    assert!(exported.contains("Good news"), "{exported}");
    let port_page = std::fs::read_to_string(site.join("articles/port/index.html")).unwrap();
    assert!(
        !port_page.contains("Comment 0"),
        "held comments are not exported"
    );
    let feed = std::fs::read_to_string(site.join("feeds/comments.atom")).unwrap();
    assert!(
        feed.contains("Good news") && !feed.contains("Comment 0"),
        "{feed}"
    );
    assert!(site.join("articles/ferry/comments.atom").is_file());

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

/// A daemon whose base_url is its real address (a Webmention sender fetches our permalinks),
/// with `[comments]` as given, and two articles: ferry links to `link`.
async fn webmention_daemon(
    upstream: &Upstream,
    moderation: &str,
    link: &str,
) -> (islands::daemon::Handle, tempfile::TempDir, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}/");
    let text = edit_config(
        &config(upstream, &[("ireland", &[]), ("cyprus", &[])]),
        "[articles]",
        &format!(
            "[comments]\nmoderation = \"{moderation}\"\nallow_private_sources = true\n\n[articles]"
        ),
    )
    .replace(
        "base_url = \"http://127.0.0.1:8080/\"",
        &format!("base_url = \"{base}\""),
    );
    let listen_at = text.find("listen = ").unwrap();
    let listen_line = &text[listen_at..listen_at + text[listen_at..].find('\n').unwrap()];
    let text = text.replace(listen_line, &format!("listen = \"127.0.0.1:{port}\""));
    let dir = workdir(&text);
    std::fs::write(
        dir.path().join("articles/ferry.md"),
        article_text(
            "Ferry strike ends",
            &["ireland"],
            "",
            &format!("Sailings resume, [as the port said]({link})."),
        ),
    )
    .unwrap();
    let daemon = crate::in_process::start_daemon(&dir).await;
    (daemon, dir, base)
}

fn html_page(body: String) -> crate::support::Behaviour {
    crate::support::Behaviour::Status {
        code: 200,
        headers: vec![("content-type".into(), "text/html; charset=utf-8".into())],
        body,
    }
}

/// Issue 14, Webmention: a real sender from PyPI (ronkyuu) finds our endpoint and notifies it;
/// the source's h-entry becomes a reply shown under the article; a like counts; a source that
/// no longer links, or answers 410, takes its comment away; a target that is not ours is
/// refused; and our article notifies the page it links to.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webmentions_are_received_verified_updated_removed_and_sent() {
    let sender_ready = std::process::Command::new("python3")
        .args(["-c", "import ronkyuu"])
        .status()
        .is_ok_and(|status| status.success());
    if !sender_ready {
        crate::support::skip_without("python3 with PyPI's ronkyuu is not installed");
        return;
    }
    let upstream = Upstream::start().await;
    // The page our article links to, with its own endpoint (which records what it is sent).
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let endpoint = {
        let received = received.clone();
        let app = axum::Router::new().route(
            "/endpoint",
            axum::routing::post(move |body: String| {
                let received = received.clone();
                async move {
                    received.lock().unwrap().push(body);
                    StatusCode::ACCEPTED
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{address}/endpoint")
    };
    upstream.set(
        "/port-notice",
        crate::support::Behaviour::Status {
            code: 200,
            headers: vec![
                ("content-type".into(), "text/html".into()),
                ("link".into(), format!("<{endpoint}>; rel=\"webmention\"")),
            ],
            body: "<html><body>Port notice</body></html>".into(),
        },
    );
    let (daemon, _dir, base) =
        webmention_daemon(&upstream, "none", &upstream.url("/port-notice")).await;
    let target = format!("{base}articles/ferry");
    crate::in_process::wait_for_page(&daemon, "/articles/ferry").await;

    // Sent: the page our article links to hears of it.
    crate::support::wait_until(
        "our article's link is notified",
        crate::support::CHANGE_DEADLINE,
        || {
            let received = received.clone();
            async move { !received.lock().unwrap().is_empty() }
        },
    )
    .await;
    let sent = received.lock().unwrap()[0].clone();
    let pairs: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(sent.as_bytes())
            .into_owned()
            .collect();
    assert_eq!(pairs["source"], target);
    assert_eq!(pairs["target"], upstream.url("/port-notice"));

    // Received: a reply, sent by ronkyuu, which discovers our endpoint itself.
    let reply = format!(
        "<html><body><article class=\"h-entry\">\
         <a class=\"p-author h-card\" href=\"https://maeve.example/\"><img class=\"u-photo\" src=\"https://maeve.example/me.jpg\" alt=\"\">Maeve</a>\
         <a class=\"u-in-reply-to\" href=\"{target}\">in reply to</a>\
         <div class=\"e-content\">Great news for Rosslare! <script>alert(1)</script></div>\
         <time class=\"dt-published\" datetime=\"2026-11-25T10:00:00Z\">25 Nov</time>\
         </article></body></html>"
    );
    upstream.set("/reply", html_page(reply));
    let source = upstream.url("/reply");
    let script = format!(
        "import ronkyuu, sys\nr = ronkyuu.sendWebmention({source:?}, {target:?}, test_urls=False)\n\
         print(r.status_code if r is not None else 'none')\nsys.exit(0 if r is not None and r.status_code == 202 else 1)"
    );
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .args(["-c", &script])
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env_remove("HTTP_PROXY")
            .env_remove("http_proxy")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(output.status.success(), "ronkyuu: {output:?}");
    let shown = |text: &'static str, expected: bool| {
        let daemon = &daemon;
        async move {
            crate::support::wait_until(
                &format!("{text:?} shown: {expected}"),
                crate::support::CHANGE_DEADLINE,
                || async move {
                    let (_, page) = crate::in_process::page_of(daemon, "/articles/ferry").await;
                    page.contains(text) == expected
                },
            )
            .await;
        }
    };
    shown("Great news for Rosslare!", true).await;
    let (_, page) = crate::in_process::page_of(&daemon, "/articles/ferry").await;
    assert!(
        page.contains("href=\"https://maeve.example/\" rel=\"ugc nofollow\">Maeve</a>"),
        "{page}"
    );
    assert!(
        page.contains("src=\"https://maeve.example/me.jpg\""),
        "{page}"
    );
    assert!(!page.contains("<script>alert(1)"), "{page}");

    // The status URL of a Webmention says what became of it.
    let endpoint_url = daemon_url(&base, "webmention");
    let post = |source: String, target: String| {
        let endpoint_url = endpoint_url.clone();
        async move {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs([("source", source), ("target", target)])
                .finish();
            client_without_redirects()
                .post(endpoint_url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    // A like counts; its status ends verified.
    upstream.set(
        "/like",
        html_page(format!(
            "<div class=\"h-entry\"><span class=\"p-author h-card\">Niamh</span> likes <a class=\"u-like-of\" href=\"{target}\">this</a></div>"
        )),
    );
    let answer = post(upstream.url("/like"), target.clone()).await;
    assert_eq!(answer.status(), 202);
    let status_url = answer.headers()["location"].to_str().unwrap().to_string();
    shown("1 like (Niamh)", true).await;
    let status: serde_json::Value = crate::support::get_json(&status_url).await;
    assert_eq!(status["status"], "verified", "{status}");

    // Not ours, or not a URL: 400 with the reason.
    for (source, target, says) in [
        (
            upstream.url("/like"),
            "https://elsewhere.example/post".to_string(),
            "not one of this site's articles",
        ),
        ("not a url".to_string(), target.clone(), "source must be"),
        (target.clone(), target.clone(), "the same URL"),
    ] {
        let answer = post(source, target).await;
        assert_eq!(answer.status(), 400);
        assert!(answer.text().await.unwrap().contains(says), "{says}");
    }

    // The reply's source no longer links: its comment goes. The like's answers 410: gone too.
    upstream.set("/reply", html_page("<p>I changed my mind.</p>".into()));
    assert_eq!(post(source.clone(), target.clone()).await.status(), 202);
    shown("Great news for Rosslare!", false).await;
    upstream.set("/like", crate::support::Behaviour::status(410, "gone"));
    let answer = post(upstream.url("/like"), target.clone()).await;
    assert_eq!(answer.status(), 202);
    shown("1 like (Niamh)", false).await;
    let status_url = answer.headers()["location"].to_str().unwrap().to_string();
    let status: serde_json::Value = crate::support::get_json(&status_url).await;
    assert_eq!(status["status"], "rejected", "{status}");
    daemon.stop().await.unwrap();
}

fn daemon_url(base: &str, path: &str) -> String {
    format!("{base}{path}")
}

/// Runs tests/a11y/comment.js; `None` after a loud skip without node modules or Chromium.
async fn browser(args: Vec<String>, screenshot: Option<&std::path::Path>) -> Option<String> {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/a11y/comment.js");
    let modules = script.with_file_name("node_modules");
    if !modules.join("playwright-core").is_dir()
        || !std::path::Path::new("/usr/bin/chromium").exists()
    {
        crate::support::skip_without(
            "playwright-core (tests/a11y, npm ci) or chromium is not installed",
        );
        return None;
    }
    let screenshot = screenshot.map(|path| path.to_path_buf());
    let output = tokio::task::spawn_blocking(move || {
        let mut command = std::process::Command::new("node");
        command
            .arg(&script)
            .args(&args)
            .env("NO_PROXY", "127.0.0.1");
        if let Some(path) = screenshot {
            command.env("SCREENSHOT", path);
        }
        command.output().expect("run node")
    })
    .await
    .unwrap();
    assert!(output.status.success(), "comment.js: {output:?}");
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Headless Chromium fills the form and submits it: it lands on the article with the "held
/// for moderation" note showing; once approved the comment is on the page. Screenshots of
/// the page go to `$ISLANDS_SCREENSHOTS` when set (to be looked at, not kept in the repo).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_posts_the_form_and_sees_the_moderation_note() {
    let upstream = Upstream::start().await;
    let (daemon, _dir, base) = webmention_daemon(&upstream, "all", "https://example.com/").await;
    crate::in_process::wait_for_page(&daemon, "/articles/ferry").await;
    let article = format!("{base}articles/ferry");
    let Some(stdout) = browser(
        vec![
            article.clone(),
            "Aoife".into(),
            "Safe travels to all.\n\nSee https://irishferries.example".into(),
        ],
        None,
    )
    .await
    else {
        return;
    };
    let result: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(
        result["url"],
        format!("{article}#comment-pending"),
        "{result}"
    );
    assert_eq!(result["status"], 200, "{result}");
    assert_eq!(result["pending_note_visible"], true, "{result}");
    // Approved (as a moderator would), it is shown.
    let store = daemon.app.store.clone();
    tokio::task::spawn_blocking(move || {
        for comment in store.pending_comments().unwrap() {
            store
                .put_comment(&islands::store::Comment {
                    state: islands::store::CommentState::Approved,
                    ..comment
                })
                .unwrap();
        }
        store.invalidate();
    })
    .await
    .unwrap();
    let (_, page) = crate::in_process::page_of(&daemon, "/articles/ferry").await;
    assert!(page.contains("Safe travels to all."), "{page}");
    if let Some(folder) = std::env::var_os("ISLANDS_SCREENSHOTS") {
        let path = std::path::Path::new(&folder).join("article-with-comments.png");
        browser(vec![article], Some(&path)).await;
        assert!(path.is_file());
    }
    daemon.stop().await.unwrap();
}
