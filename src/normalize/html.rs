//! Untrusted HTML -> safe HTML, and HTML -> plain text. The one place ammonia is configured.
//!
//! Every upstream fragment and every rendered Markdown article passes through [`Sanitizer`]
//! once, on its way into the store. It keeps text, links, images, lists, quotes and tables; it
//! drops scripts, styles, iframes, event handlers and `javascript:` URLs, and rewrites relative
//! URLs against the entry's base so the fragment reads the same on any site.

use ammonia::{Builder, UrlRelative};
use url::Url;

pub struct Sanitizer {
    builder: Builder<'static>,
}

impl Sanitizer {
    pub fn new() -> Sanitizer {
        let mut builder = Builder::default();
        builder.link_rel(Some("noopener noreferrer"));
        Sanitizer { builder }
    }

    /// Sanitizes `html`, resolving relative URLs against `base`.
    pub fn clean(&mut self, html: &str, base: Option<&Url>) -> String {
        let relative = match base {
            Some(base) => UrlRelative::RewriteWithBase(base.clone()),
            None => UrlRelative::PassThrough,
        };
        self.builder.url_relative(relative);
        self.builder.clean(html).to_string()
    }
}

impl Default for Sanitizer {
    fn default() -> Self {
        Sanitizer::new()
    }
}

/// Plain text for HTML that must not carry markup (titles): tags dropped, entities decoded.
pub fn html_to_text(html: &str) -> String {
    let cleaned = Builder::empty().clean(html).to_string();
    collapse_whitespace(&decode_entities(&cleaned))
}

/// Text -> HTML element content, escaped with the ordinary entities. (ammonia's `clean_text`
/// is for attribute values: it writes every space as `&#32;`, which feeds then carried.)
pub fn text_to_html(text: &str) -> String {
    let mut html = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            c => html.push(c),
        }
    }
    html
}

pub fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

// html5ever's serializer only ever writes these entities in text.
fn decode_entities(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 17: summaries carried `A&#32;joint&#32;European...` in every feed.
    #[test]
    fn text_becomes_element_content_with_ordinary_entities_only() {
        assert_eq!(
            text_to_html("A joint <European> \"plan\" & more"),
            "A joint &lt;European&gt; &quot;plan&quot; &amp; more"
        );
        assert_eq!(html_to_text(&text_to_html("Dún & <b>")), "Dún & <b>");
    }

    #[test]
    fn hostile_html_is_disarmed_and_relative_urls_made_absolute() {
        let mut sanitizer = Sanitizer::new();
        let base = Url::parse("https://news.example/ireland/story").unwrap();
        let html = r#"<p onclick="steal()">Hi <script>alert(1)</script><a href="javascript:alert(1)">x</a>
            <img src="/img/a.jpg"><iframe src="https://evil.example"></iframe><span style="color:red">red</span></p>"#;
        let clean = sanitizer.clean(html, Some(&base));
        for forbidden in ["onclick", "<script", "javascript:", "<iframe", "style="] {
            assert!(
                !clean.contains(forbidden),
                "{forbidden} survived in {clean}"
            );
        }
        assert!(
            clean.contains(r#"src="https://news.example/img/a.jpg""#),
            "{clean}"
        );
        assert!(clean.contains("red"));
    }

    #[test]
    fn titles_become_plain_text() {
        assert_eq!(
            html_to_text("<b>Dún Laoghaire</b> &amp; the\n <i>Gaeltacht</i> &lt;3"),
            "Dún Laoghaire & the Gaeltacht <3"
        );
    }
}
