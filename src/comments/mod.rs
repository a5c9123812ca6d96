//! Readers' comments on our articles: the form's rules (signed expiring tokens, a honeypot, a
//! per-client rate limit, a cap on what waits for moderation), plain text made into safe HTML,
//! and the moderators' sessions. Webmention is in `webmention`.

pub mod webmention;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::config::{Config, Moderation};
use crate::normalize::html::text_to_html;
use crate::store::{CommentState, Store, StoreError};

/// Text longer than this is refused.
pub const MAX_CHARS: usize = 5000;
/// A form token is good for this many days after the page was rendered.
pub const TOKEN_DAYS: i64 = 7;
/// A moderator's session lasts this long.
const SESSION: chrono::Duration = chrono::Duration::hours(12);

/// The site's secret for form tokens, sessions and CSRF tokens: made once per store.
pub fn secret(store: &Store) -> Result<Vec<u8>, StoreError> {
    store.secret("comments")
}

fn sign(secret: &[u8], what: &str) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    ring::hmac::sign(&key, what.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn same(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The token the comment form of `slug` carries today: the day, signed. A blind POST (no page
/// loaded) has none; an old page's token expires after [`TOKEN_DAYS`].
pub fn form_token(secret: &[u8], slug: &str, now: DateTime<Utc>) -> String {
    let day = now.timestamp().div_euclid(86_400);
    format!("{day}.{}", sign(secret, &format!("form:{slug}:{day}")))
}

pub fn form_token_valid(secret: &[u8], slug: &str, token: &str, now: DateTime<Utc>) -> bool {
    let Some((day, signature)) = token.split_once('.') else {
        return false;
    };
    let Ok(day) = day.parse::<i64>() else {
        return false;
    };
    let today = now.timestamp().div_euclid(86_400);
    (today - TOKEN_DAYS..=today).contains(&day)
        && same(signature, &sign(secret, &format!("form:{slug}:{day}")))
}

/// A moderator's session cookie value: `author.expiry.signature`.
pub fn session(secret: &[u8], author: &str, now: DateTime<Utc>) -> String {
    let expiry = (now + SESSION).timestamp();
    format!(
        "{author}.{expiry}.{}",
        sign(secret, &format!("session:{author}:{expiry}"))
    )
}

/// The author a session cookie names, if it is ours and current.
pub fn session_author(secret: &[u8], cookie: &str, now: DateTime<Utc>) -> Option<String> {
    let mut parts = cookie.rsplitn(3, '.');
    let (signature, expiry, author) = (parts.next()?, parts.next()?, parts.next()?);
    let expiry_at: i64 = expiry.parse().ok()?;
    (expiry_at > now.timestamp()
        && same(
            signature,
            &sign(secret, &format!("session:{author}:{expiry}")),
        ))
    .then(|| author.to_string())
}

/// The CSRF token of a session: every moderation POST made with the cookie carries it.
pub fn csrf_token(secret: &[u8], cookie: &str) -> String {
    sign(secret, &format!("csrf:{cookie}"))
}

pub fn csrf_valid(secret: &[u8], cookie: &str, token: &str) -> bool {
    same(token, &csrf_token(secret, cookie))
}

/// Whether `author` may moderate comments on the article written by `article_author`.
pub fn may_moderate(config: &Config, author: &str, article_author: Option<&str>) -> bool {
    config.authors.get(author).is_some_and(|a| a.moderator) || article_author == Some(author)
}

/// The state a new comment starts in under the site's moderation.
pub fn initial_state(
    config: &Config,
    store: &Store,
    email: Option<&str>,
    url: Option<&str>,
) -> Result<CommentState, StoreError> {
    Ok(match config.comments.moderation {
        Moderation::None => CommentState::Approved,
        Moderation::All => CommentState::Pending,
        Moderation::FirstTime if store.known_commenter(email, url)? => CommentState::Approved,
        Moderation::FirstTime => CommentState::Pending,
    })
}

/// Plain text as HTML: escaped, paragraphs at blank lines, line breaks kept, bare http(s)
/// URLs made links (`rel="ugc nofollow"`). No markup from the text survives.
pub fn text_html(text: &str) -> String {
    let mut html = String::new();
    let normalized = text.replace("\r\n", "\n");
    for paragraph in normalized
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        html.push_str("<p>");
        for (index, line) in paragraph.lines().enumerate() {
            if index > 0 {
                html.push_str("<br>");
            }
            for (n, word) in line.split(' ').enumerate() {
                if n > 0 {
                    html.push(' ');
                }
                let link = url::Url::parse(word)
                    .ok()
                    .filter(|url| matches!(url.scheme(), "http" | "https"));
                match link {
                    Some(url) if word.starts_with("http") => {
                        let shown = text_to_html(word);
                        html.push_str(&format!(
                            "<a href=\"{}\" rel=\"ugc nofollow\">{shown}</a>",
                            text_to_html(url.as_str())
                        ));
                    }
                    _ => html.push_str(&text_to_html(word)),
                }
            }
        }
        html.push_str("</p>");
    }
    html
}

/// Comments a client may send a minute, counted in memory.
#[derive(Default)]
pub struct RateLimit(Mutex<HashMap<IpAddr, Vec<Instant>>>);

impl RateLimit {
    /// Counts a comment of `client`; false when it is over `per_minute`.
    pub fn allow(&self, client: IpAddr, per_minute: usize) -> bool {
        let mut clients = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let minute = Duration::from_secs(60);
        if clients.len() > 10_000 {
            clients.retain(|_, times| times.iter().any(|t| now.duration_since(*t) < minute));
        }
        let times = clients.entry(client).or_default();
        times.retain(|t| now.duration_since(*t) < minute);
        if times.len() >= per_minute {
            return false;
        }
        times.push(now);
        true
    }
}

/// The client's address: the socket's, or the last `X-Forwarded-For` hop when the socket is
/// one of `[server] trusted_proxies`.
pub fn client_address(config: &Config, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
    if !config.server.trusted_proxies.contains(&peer) {
        return peer;
    }
    forwarded_for
        .and_then(|value| value.rsplit(',').next())
        .and_then(|last| last.trim().parse().ok())
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_with_paragraphs_and_links() {
        assert_eq!(
            text_html(
                "Hello <b>there</b> & see https://example.com/a?b=1&c=2\nnext line\n\n\nSecond \"para\""
            ),
            "<p>Hello &lt;b&gt;there&lt;/b&gt; &amp; see <a href=\"https://example.com/a?b=1&amp;c=2\" rel=\"ugc nofollow\">https://example.com/a?b=1&amp;c=2</a><br>next line</p><p>Second &quot;para&quot;</p>"
        );
        assert_eq!(
            text_html("javascript:alert(1)"),
            "<p>javascript:alert(1)</p>"
        );
    }

    #[test]
    fn tokens_and_sessions_are_signed_and_expire() {
        let secret = b"0123456789abcdef";
        let now = Utc::now();
        let token = form_token(secret, "ferry", now);
        assert!(form_token_valid(secret, "ferry", &token, now));
        assert!(!form_token_valid(secret, "other", &token, now));
        assert!(!form_token_valid(
            secret,
            "ferry",
            &token,
            now + chrono::Duration::days(9)
        ));
        assert!(!form_token_valid(secret, "ferry", "1.abc", now));
        let cookie = session(secret, "grace-kennedy", now);
        assert_eq!(
            session_author(secret, &cookie, now).as_deref(),
            Some("grace-kennedy")
        );
        assert_eq!(
            session_author(secret, &cookie, now + chrono::Duration::days(1)),
            None
        );
        assert_eq!(
            session_author(secret, &cookie.replace("grace", "fake"), now),
            None
        );
        let csrf = csrf_token(secret, &cookie);
        assert!(csrf_valid(secret, &cookie, &csrf));
        assert!(!csrf_valid(secret, &cookie, ""));
    }
}
