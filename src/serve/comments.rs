//! Comments: the form's POST, the moderators' pages and JSON API, and the comment feeds.
//!
//! Every write is authenticated: a comment needs the form's signed token (and a client under
//! its rate limit); moderation needs an author's session cookie with its CSRF token, or an
//! author's Bearer token. A comment that got its 303 was flushed to disk first.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::{DOCTYPE, html};
use serde::Deserialize;

use super::internal_error;
use super::micropub::{authenticate, bearer};
use crate::app::App;
use crate::articles::article_id;
use crate::comments::{self, MAX_CHARS};
use crate::model::Format;
use crate::render::pages::{CommentForm, article_page};
use crate::store::{Comment, CommentId, CommentKind, CommentState};

#[derive(Deserialize, Default)]
pub struct CommentFields {
    #[serde(default)]
    author: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    token: String,
    /// The honeypot: people never see it, so only a robot fills it in.
    #[serde(default)]
    website: String,
}

/// `POST /articles/{slug}/comments`.
pub async fn post_comment(
    State(app): State<Arc<App>>,
    Path(slug): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(fields): Form<CommentFields>,
) -> Response {
    let config = app.config();
    let store = app.store.clone();
    let lookup = slug.clone();
    let (article, secret, pending) = match store
        .blocking(move |store| {
            let article = store
                .get(article_id(&lookup))?
                .filter(|entry| entry.article.is_some());
            Ok::<_, crate::store::StoreError>((
                article,
                comments::secret(store)?,
                store.pending_count(),
            ))
        })
        .await
    {
        Ok(found) => found,
        Err(error) => return internal_error(&error),
    };
    let Some(article) = article else {
        return (StatusCode::NOT_FOUND, "no such article\n").into_response();
    };
    let pending_note = format!("{}articles/{slug}#comment-pending", config.site.base_url);
    if !fields.website.is_empty() {
        // A robot: it is told what a person would be told, and nothing is kept.
        return Redirect::to(&pending_note).into_response();
    }
    let now = Utc::now();
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    let client = comments::client_address(&config, peer.ip(), forwarded);
    let mut form = CommentForm {
        author: fields.author.trim().to_string(),
        url: fields.url.trim().to_string(),
        email: fields.email.trim().to_string(),
        text: fields.text.trim().to_string(),
        errors: Vec::new(),
        token: comments::form_token(&secret, &slug, now),
    };
    if !comments::form_token_valid(&secret, &slug, &fields.token, now) {
        form.errors.push((
            "form",
            "This form has expired or did not come from this page: your text is kept below; post it again.".to_string(),
        ));
    }
    if form.author.is_empty() {
        form.errors.push((
            "author",
            "Give a name to sign your comment with.".to_string(),
        ));
    } else if form.author.chars().count() > 100 {
        form.errors
            .push(("author", "A name is at most 100 characters.".to_string()));
    }
    let url = (!form.url.is_empty()).then(|| url::Url::parse(&form.url));
    match &url {
        Some(Ok(url)) if matches!(url.scheme(), "http" | "https") => {}
        Some(_) => form.errors.push((
            "url",
            "A site is an address starting with https:// or http://.".to_string(),
        )),
        None => {}
    }
    if !form.email.is_empty() && (!form.email.contains('@') || form.email.len() > 254) {
        form.errors
            .push(("email", "This is not an email address.".to_string()));
    }
    let length = form.text.chars().count();
    if length == 0 {
        form.errors.push(("text", "Write a comment.".to_string()));
    } else if length > MAX_CHARS {
        form.errors.push((
            "text",
            format!("A comment is at most {MAX_CHARS} characters; this one has {length}."),
        ));
    }
    if !form.errors.is_empty() {
        let recent = app
            .store
            .blocking(crate::render::site::recent_posts)
            .await
            .unwrap_or_default();
        let approved = {
            let id = article.id;
            app.store
                .blocking(move |store| store.approved_comments(id))
                .await
                .unwrap_or_default()
        };
        return (
            StatusCode::BAD_REQUEST,
            Html(article_page(&config, &recent, &article, &approved, &form)),
        )
            .into_response();
    }
    if !app
        .comment_limits
        .allow(client, config.comments.rate_per_minute)
    {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "60")],
            "too many comments from this address: wait a minute\n",
        )
            .into_response();
    }
    if pending >= config.comments.max_pending {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "3600")],
            "too many comments wait for moderation: try again later\n",
        )
            .into_response();
    }
    let comment = Comment {
        id: CommentId::new(now),
        article: article.id,
        slug: slug.clone(),
        author: form.author,
        url: url.and_then(Result::ok).map(|url| url.to_string()),
        email: (!form.email.is_empty()).then_some(form.email),
        photo: None,
        text: form.text,
        kind: CommentKind::Comment,
        source: None,
        published: now,
        state: CommentState::Pending,
    };
    let stored = {
        let config = config.clone();
        app.store
            .blocking(move |store| {
                let state = comments::initial_state(
                    &config,
                    store,
                    comment.email.as_deref(),
                    comment.url.as_deref(),
                )?;
                let comment = Comment { state, ..comment };
                store.put_comment(&comment)?;
                // Answered only once it survives a crash.
                store.flush()?;
                if state == CommentState::Approved {
                    store.invalidate();
                }
                Ok::<_, crate::store::StoreError>(comment)
            })
            .await
    };
    match stored {
        Ok(comment) if comment.state == CommentState::Approved => Redirect::to(&format!(
            "{}articles/{slug}#comment-{}",
            config.site.base_url, comment.id
        ))
        .into_response(),
        Ok(_) => Redirect::to(&pending_note).into_response(),
        Err(error) => internal_error(&error),
    }
}

/// Who is moderating: from the session cookie (then POSTs need its CSRF token) or a Bearer
/// token.
enum Moderator {
    Session { author: String, cookie: String },
    Bearer { author: String },
}

impl Moderator {
    fn author(&self) -> &str {
        match self {
            Moderator::Session { author, .. } | Moderator::Bearer { author } => author,
        }
    }
}

const COOKIE: &str = "islands_session";

fn cookie_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_string())
}

async fn moderator(app: &App, headers: &HeaderMap) -> Result<Moderator, Response> {
    let config = app.config();
    if let Some(token) = bearer(headers) {
        return authenticate(&config, Some(&token))
            .map(|author| Moderator::Bearer { author })
            .map_err(|_| (StatusCode::FORBIDDEN, "this token may not moderate\n").into_response());
    }
    let secret = secret_of(app).await?;
    let cookie = cookie_of(headers).ok_or_else(|| {
        Redirect::to(&format!("{}admin/login", config.site.base_url)).into_response()
    })?;
    match comments::session_author(&secret, &cookie, Utc::now()) {
        Some(author) if config.authors.contains_key(&author) => {
            Ok(Moderator::Session { author, cookie })
        }
        _ => Err(Redirect::to(&format!("{}admin/login", config.site.base_url)).into_response()),
    }
}

async fn secret_of(app: &App) -> Result<Vec<u8>, Response> {
    app.store
        .blocking(comments::secret)
        .await
        .map_err(|error| internal_error(&error))
}

fn page(title: &str, body: maud::Markup) -> Html<String> {
    Html(
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    meta name="robots" content="noindex";
                    title { (title) }
                }
                body { main { h1 { (title) } (body) } }
            }
        }
        .into_string(),
    )
}

/// `GET /admin/login`.
pub async fn login_page() -> Html<String> {
    page(
        "Moderators' sign-in",
        html! {
            form method="post" action="login" {
                p {
                    label for="token" { "Your author token" } br;
                    input id="token" name="token" type="password" required autocomplete="current-password";
                }
                p { button type="submit" { "Sign in" } }
            }
        },
    )
}

#[derive(Deserialize)]
pub struct LoginFields {
    #[serde(default)]
    token: String,
}

/// `POST /admin/login`: an author's token starts a session (HttpOnly, SameSite=Strict cookie,
/// Secure when the site is https).
pub async fn login(State(app): State<Arc<App>>, Form(fields): Form<LoginFields>) -> Response {
    let config = app.config();
    let Ok(author) = authenticate(&config, Some(&fields.token)) else {
        return (StatusCode::FORBIDDEN, "this token is not an author's\n").into_response();
    };
    let secret = match secret_of(&app).await {
        Ok(secret) => secret,
        Err(response) => return response,
    };
    let session = comments::session(&secret, &author, Utc::now());
    let secure = if config.site.base_url.scheme() == "https" {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{COOKIE}={session}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=43200{secure}"
    );
    let mut response =
        Redirect::to(&format!("{}admin/comments", config.site.base_url)).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// The pending comments this moderator may act on.
async fn visible_pending(app: &App, author: &str) -> Result<Vec<Comment>, Response> {
    let config = app.config();
    let author = author.to_string();
    app.store
        .blocking(move |store| {
            let mut visible = Vec::new();
            for comment in store.pending_comments()? {
                let owner = store
                    .get(comment.article)?
                    .and_then(|entry| entry.article.map(|article| article.author));
                if comments::may_moderate(&config, &author, owner.as_deref()) {
                    visible.push(comment);
                }
            }
            Ok::<_, crate::store::StoreError>(visible)
        })
        .await
        .map_err(|error| internal_error(&error))
}

/// `GET /admin/comments`: the moderation queue, with Approve, Spam and Delete buttons.
pub async fn queue(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let moderator = match moderator(&app, &headers).await {
        Ok(moderator) => moderator,
        Err(response) => return response,
    };
    let pending = match visible_pending(&app, moderator.author()).await {
        Ok(pending) => pending,
        Err(response) => return response,
    };
    let secret = match secret_of(&app).await {
        Ok(secret) => secret,
        Err(response) => return response,
    };
    let csrf = match &moderator {
        Moderator::Session { cookie, .. } => comments::csrf_token(&secret, cookie),
        Moderator::Bearer { .. } => String::new(),
    };
    page(
        "Comments waiting for moderation",
        html! {
            p { "Signed in as " (moderator.author()) ". " (pending.len()) " waiting." }
            @for comment in &pending {
                article {
                    h2 { (comment.author) " on " code { (comment.slug) } }
                    p {
                        @if let Some(url) = &comment.url { "Site: " (url) ". " }
                        @if let Some(email) = &comment.email { "Email: " (email) ". " }
                        @if let Some(source) = &comment.source { "Webmention from " (source) ". " }
                    }
                    blockquote { (maud::PreEscaped(comments::text_html(&comment.text))) }
                    @for action in ["approve", "spam", "delete"] {
                        form method="post" action={ "comments/" (comment.id) "/" (action) } style="display:inline" {
                            input type="hidden" name="csrf" value=(csrf);
                            button type="submit" { (action) }
                        }
                        " "
                    }
                }
            }
        },
    )
    .into_response()
}

/// `GET /admin/comments.json` (Bearer): the same queue as JSON.
pub async fn queue_json(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let moderator = match moderator(&app, &headers).await {
        Ok(moderator @ Moderator::Bearer { .. }) => moderator,
        Ok(_) | Err(_) if bearer(&headers).is_none() => {
            return (
                StatusCode::UNAUTHORIZED,
                "send Authorization: Bearer TOKEN\n",
            )
                .into_response();
        }
        Ok(_) => unreachable!("a bearer header makes a bearer moderator"),
        Err(response) => return response,
    };
    match visible_pending(&app, moderator.author()).await {
        Ok(pending) => Json(serde_json::json!({ "pending": pending })).into_response(),
        Err(response) => response,
    }
}

/// `POST /admin/comments/{id}/{approve|spam|delete}`.
pub async fn act(
    State(app): State<Arc<App>>,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let moderator = match moderator(&app, &headers).await {
        Ok(moderator) => moderator,
        Err(response) => return response,
    };
    if let Moderator::Session { cookie, .. } = &moderator {
        let secret = match secret_of(&app).await {
            Ok(secret) => secret,
            Err(response) => return response,
        };
        let csrf = url::form_urlencoded::parse(&body)
            .find(|(name, _)| name == "csrf")
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default();
        if !comments::csrf_valid(&secret, cookie, &csrf) {
            return (
                StatusCode::FORBIDDEN,
                "missing or wrong CSRF token: reload the page\n",
            )
                .into_response();
        }
    }
    let Some(id) = CommentId::parse(&id) else {
        return (StatusCode::NOT_FOUND, "no such comment\n").into_response();
    };
    let state = match action.as_str() {
        "approve" => Some(CommentState::Approved),
        "spam" => Some(CommentState::Spam),
        "delete" => None,
        _ => {
            return (
                StatusCode::NOT_FOUND,
                "actions are approve, spam and delete\n",
            )
                .into_response();
        }
    };
    let config = app.config();
    let author = moderator.author().to_string();
    let done = app
        .store
        .blocking(move |store| {
            let Some(comment) = store.comment(id)? else {
                return Ok(Err(StatusCode::NOT_FOUND));
            };
            let owner = store
                .get(comment.article)?
                .and_then(|entry| entry.article.map(|article| article.author));
            if !comments::may_moderate(&config, &author, owner.as_deref()) {
                return Ok(Err(StatusCode::FORBIDDEN));
            }
            let was_shown = comment.state == CommentState::Approved;
            match state {
                Some(state) => store.put_comment(&Comment { state, ..comment })?,
                None => {
                    store.remove_comment(id)?;
                }
            }
            store.flush()?;
            if was_shown || state == Some(CommentState::Approved) {
                store.invalidate();
            }
            Ok::<_, crate::store::StoreError>(Ok(()))
        })
        .await;
    match (done, &moderator) {
        (Ok(Ok(())), Moderator::Session { .. }) => {
            Redirect::to(&format!("{}admin/comments", app.config().site.base_url)).into_response()
        }
        (Ok(Ok(())), Moderator::Bearer { .. }) => {
            Json(serde_json::json!({ "done": action })).into_response()
        }
        (Ok(Err(StatusCode::FORBIDDEN)), _) => (
            StatusCode::FORBIDDEN,
            "you may moderate comments on your own articles only\n",
        )
            .into_response(),
        (Ok(Err(status)), _) => (status, "no such comment\n").into_response(),
        (Err(error), _) => internal_error(&error),
    }
}

#[derive(Deserialize)]
pub struct FeedQuery {
    page: Option<usize>,
}

/// `/feeds/comments.{rss,atom,json}`: every approved comment, newest first, paged.
pub async fn all_rss(
    app: State<Arc<App>>,
    query: Query<FeedQuery>,
    headers: HeaderMap,
) -> Response {
    all_feed(app, query, headers, Format::Rss).await
}

pub async fn all_atom(
    app: State<Arc<App>>,
    query: Query<FeedQuery>,
    headers: HeaderMap,
) -> Response {
    all_feed(app, query, headers, Format::Atom).await
}

pub async fn all_json(
    app: State<Arc<App>>,
    query: Query<FeedQuery>,
    headers: HeaderMap,
) -> Response {
    all_feed(app, query, headers, Format::Json).await
}

async fn all_feed(
    State(app): State<Arc<App>>,
    Query(query): Query<FeedQuery>,
    headers: HeaderMap,
    format: Format,
) -> Response {
    let page = query.page.unwrap_or(1).max(1);
    super::pages::serve_page(
        app,
        crate::urls::SitePage::Comments { format, page },
        &headers,
    )
    .await
}

/// `/articles/{slug}/comments.atom`: one article's approved comments, newest first.
pub async fn article_feed(
    State(app): State<Arc<App>>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Response {
    super::pages::serve_page(
        app,
        crate::urls::SitePage::ArticleComments { slug },
        &headers,
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct WebmentionFields {
    #[serde(default)]
    source: String,
    #[serde(default)]
    target: String,
}

/// `POST /webmention`: recorded (flushed), answered 202 with its status URL, verified in the
/// background.
pub async fn webmention(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(fields): Form<WebmentionFields>,
) -> Response {
    use crate::comments::webmention;
    let (_, slug) = match webmention::check_request(&app, &fields.source, &fields.target) {
        Ok(checked) => checked,
        Err(reason) => return (StatusCode::BAD_REQUEST, format!("{reason}\n")).into_response(),
    };
    let config = app.config();
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    let client = comments::client_address(&config, peer.ip(), forwarded);
    if !app
        .comment_limits
        .allow(client, config.comments.rate_per_minute)
    {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "60")],
            "too many webmentions from this address: wait a minute\n",
        )
            .into_response();
    }
    let (source, target) = (fields.source.clone(), fields.target.clone());
    let recorded = app
        .store
        .blocking(move |store| {
            if store.pending_count() >= config.comments.max_pending {
                return Ok(Err(()));
            }
            webmention::record(store, &source, &target, &slug).map(Ok)
        })
        .await;
    let received = match recorded {
        Ok(Ok(Some(received))) => received,
        Ok(Ok(None)) => {
            return (
                StatusCode::BAD_REQUEST,
                "target is not one of this site's articles\n",
            )
                .into_response();
        }
        Ok(Err(())) => {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "3600")],
                "too many comments wait for moderation: try again later\n",
            )
                .into_response();
        }
        Err(error) => return internal_error(&error),
    };
    let location = format!("{}webmention/{}", app.config().site.base_url, received.id);
    tokio::spawn(webmention::verify(app.clone(), received));
    (
        StatusCode::ACCEPTED,
        [(header::LOCATION, location.clone())],
        format!("accepted; its status is at {location}\n"),
    )
        .into_response()
}

/// `GET /webmention/{id}`: pending, verified or rejected (with why).
pub async fn webmention_status(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let Some(id) = CommentId::parse(&id) else {
        return (StatusCode::NOT_FOUND, "no such webmention\n").into_response();
    };
    match app
        .store
        .blocking(move |store| crate::comments::webmention::read(store, id))
        .await
    {
        Ok(Some(received)) => Json(received).into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "no such webmention\n").into_response(),
        Err(error) => internal_error(&error),
    }
}
