//! The operator's rules, applied at ingest between normalize and store: `drop`, `keep` and
//! `rewrite` on a field of an upstream entry, matched by a regex or by folded text. Pure: an
//! entry in, a verdict out.
//!
//! Rules always run on the entry as upstream sent it (the store keeps that original beside
//! what it publishes), so a rewrite never applies to an already rewritten text, and changing
//! the rules can bring a hidden entry back.

use unicode_normalization::UnicodeNormalization;

use crate::config::{Rule, RuleAction, RuleField, RuleMatcher};
use crate::model::Entry;
use crate::normalize::html::{Sanitizer, html_to_text};
use crate::normalize::web_url;

/// What the rules make of an entry.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Published, as given (rewritten by the named rules, if any).
    Publish {
        entry: Box<Entry>,
        rewritten_by: Vec<String>,
    },
    /// Hidden by the named rule: stored, never published.
    Hide { rule: String },
}

/// Applies `rules` in order to `original`: a rewrite changes what the next rules see, the
/// first rule that hides the entry ends it.
pub fn judge(rules: &[&Rule], original: &Entry) -> Verdict {
    let mut entry = original.clone();
    let mut rewritten_by = Vec::new();
    for rule in rules {
        match rule.action {
            RuleAction::Drop if matches(rule, &entry) => {
                return Verdict::Hide {
                    rule: rule.name.clone(),
                };
            }
            RuleAction::Keep if !matches(rule, &entry) => {
                return Verdict::Hide {
                    rule: rule.name.clone(),
                };
            }
            RuleAction::Rewrite => {
                if rewrite(rule, &mut entry) {
                    rewritten_by.push(rule.name.clone());
                }
            }
            RuleAction::Drop | RuleAction::Keep => {}
        }
    }
    Verdict::Publish {
        entry: Box::new(entry),
        rewritten_by,
    }
}

/// Case and accent folded text: lowercase, without combining marks, final sigma as sigma, so
/// "Λεμεσός" = "ΛΕΜΕΣΟΣ" = "λεμεσος" and "Dún Laoghaire" = "dun laoghaire".
pub fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ς' { 'σ' } else { c })
        .collect()
}

/// `link` without the query parameters named in `params` (a trailing `*` matches a prefix,
/// as in `utm_*`); anything that is not a URL is returned as it was.
pub fn strip_params(link: &str, params: &[String]) -> String {
    let Ok(mut url) = url::Url::parse(link) else {
        return link.to_string();
    };
    if url.query().is_none() || params.is_empty() {
        return link.to_string();
    }
    let stripped = |name: &str| {
        params.iter().any(|param| match param.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => name == param,
        })
    };
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(name, _)| !stripped(name))
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    url.to_string()
}

/// The texts a rule reads in a field: plain text (HTML fields as their text).
fn texts(field: RuleField, entry: &Entry) -> Vec<String> {
    match field {
        RuleField::Title => vec![entry.title.clone()],
        RuleField::Summary => entry
            .summary
            .iter()
            .map(|html| html_to_text(html))
            .collect(),
        RuleField::Content => entry
            .content
            .iter()
            .map(|html| html_to_text(html))
            .collect(),
        RuleField::Link => entry.link.iter().cloned().collect(),
        RuleField::Category => entry.categories.clone(),
        RuleField::Author => entry.authors.clone(),
    }
}

fn matches(rule: &Rule, entry: &Entry) -> bool {
    texts(rule.field, entry)
        .iter()
        .any(|text| match &rule.matcher {
            RuleMatcher::Regex(regex) => regex.is_match(text),
            RuleMatcher::Contains(folded) => fold(text).contains(folded.as_str()),
        })
}

/// Rewrites the rule's field in place; true if anything changed. HTML fields are sanitized
/// again afterwards: a replacement must not bring markup the sanitizer would have removed.
fn rewrite(rule: &Rule, entry: &mut Entry) -> bool {
    let (RuleMatcher::Regex(regex), Some(replace)) = (&rule.matcher, &rule.replace) else {
        return false;
    };
    let apply = |text: &str| regex.replace_all(text, replace.as_str()).into_owned();
    let before = entry.clone();
    match rule.field {
        RuleField::Title => entry.title = apply(&entry.title).trim().to_string(),
        RuleField::Summary | RuleField::Content => {
            let html = match rule.field {
                RuleField::Summary => &mut entry.summary,
                _ => &mut entry.content,
            };
            if let Some(text) = html.as_mut() {
                let rewritten = apply(text);
                if rewritten != *text {
                    *text = Sanitizer::new().clean(&rewritten, None);
                }
            }
            if html.as_deref().is_some_and(|text| text.trim().is_empty()) {
                *html = None;
            }
        }
        RuleField::Link => entry.link = entry.link.as_deref().and_then(|l| web_url(&apply(l))),
        RuleField::Category => {
            entry.categories = entry
                .categories
                .iter()
                .map(|c| apply(c).trim().to_string())
                .filter(|c| !c.is_empty())
                .collect()
        }
        RuleField::Author => {
            entry.authors = entry
                .authors
                .iter()
                .map(|a| apply(a).trim().to_string())
                .filter(|a| !a.is_empty())
                .collect()
        }
    }
    *entry != before
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::path::Path;

    fn config(rules: &str) -> Config {
        let text = format!(
            "[site]\ntitle = \"T\"\nbase_url = \"http://127.0.0.1:8080\"\n[server]\nlisten = \"127.0.0.1:0\"\n\
             [store]\npath = \"store\"\n[schedule]\nrefresh = \"0 */15 * * * *\"\n{rules}\n\
             [[region]]\nslug = \"ireland\"\nname = \"Ireland\"\n\
             [[region.source]]\nname = \"RTE\"\nurl = \"https://news.example/feed\"\n"
        );
        Config::from_toml(Path::new("feeds.toml"), &text).unwrap()
    }

    fn entry(title: &str) -> Entry {
        let mut entry = crate::render::tests::entries().remove(0);
        entry.title = title.to_string();
        entry
    }

    fn verdict(rules: &str, title: &str) -> Verdict {
        let config = config(rules);
        let source = config.sources().next().unwrap();
        judge(&config.rules_for(source), &entry(title))
    }

    #[test]
    fn drop_keep_and_rewrite_work_on_the_original_in_order() {
        let drop = "[[rule]]\naction = \"drop\"\nfield = \"title\"\nmatch = \"(?i)^(sponsored|advertorial)\"";
        assert!(
            matches!(verdict(drop, "SPONSORED: win a car"), Verdict::Hide { rule } if rule == "rule 1")
        );
        assert!(matches!(
            verdict(drop, "Budget passes"),
            Verdict::Publish { .. }
        ));

        let keep = "[[rule]]\naction = \"keep\"\nfield = \"title\"\ncontains = \"LEMESOS\"";
        assert!(matches!(
            verdict(keep, "Λεμεσός port reopens"),
            Verdict::Hide { .. }
        ));
        assert!(matches!(
            verdict(keep, "Lemesos port reopens"),
            Verdict::Publish { .. }
        ));
        let keep_greek = "[[rule]]\naction = \"keep\"\nfield = \"title\"\ncontains = \"ΛΕΜΕΣΟΣ\"";
        assert!(matches!(
            verdict(keep_greek, "Λεμεσός: νέο λιμάνι"),
            Verdict::Publish { .. }
        ));

        let rewrite = "[[rule]]\naction = \"rewrite\"\nfield = \"title\"\nmatch = \" - RTÉ News$\"\nreplace = \"\"";
        let Verdict::Publish {
            entry,
            rewritten_by,
        } = verdict(rewrite, "Storm warning - RTÉ News")
        else {
            panic!("published")
        };
        assert_eq!(entry.title, "Storm warning");
        assert_eq!(rewritten_by, ["rule 1"]);
    }

    #[test]
    fn folding_ignores_case_and_accents_in_greek_and_irish() {
        assert_eq!(fold("Λεμεσός"), fold("ΛΕΜΕΣΟΣ"));
        assert_eq!(fold("Λεμεσός"), "λεμεσοσ");
        assert_eq!(fold("Dún Laoghaire"), "dun laoghaire");
    }

    #[test]
    fn tracking_parameters_are_stripped_and_others_kept() {
        let params: Vec<String> = ["utm_*", "fbclid"].iter().map(|p| p.to_string()).collect();
        assert_eq!(
            strip_params(
                "https://a.example/s?id=4&utm_source=rss&utm_medium=feed&fbclid=x",
                &params
            ),
            "https://a.example/s?id=4"
        );
        assert_eq!(
            strip_params("https://a.example/s?utm_source=rss", &params),
            "https://a.example/s"
        );
        assert_eq!(
            strip_params("https://a.example/s", &params),
            "https://a.example/s"
        );
    }

    #[test]
    fn bad_rules_are_config_errors_at_their_place() {
        let check = |rules: &str, expected: &str| {
            let text = format!(
                "[site]\ntitle = \"T\"\nbase_url = \"http://127.0.0.1:8080\"\n[server]\nlisten = \"127.0.0.1:0\"\n\
                 [store]\npath = \"store\"\n[schedule]\nrefresh = \"0 */15 * * * *\"\n{rules}\n"
            );
            let error = Config::from_toml(Path::new("feeds.toml"), &text)
                .unwrap_err()
                .to_string();
            assert!(error.contains(expected), "expected {expected:?} in {error}");
        };
        check(
            "[[rule]]\naction = \"drop\"\nfield = \"title\"\nmatch = \"(unclosed\"",
            "feeds.toml:13:9: rule 1: match \"(unclosed\" is not a regex",
        );
        check(
            "[[rule]]\naction = \"drop\"\nfield = \"colour\"\nmatch = \"x\"",
            "feeds.toml:12:9: unknown variant `colour`",
        );
        check(
            "[[rule]]\naction = \"rewrite\"\nfield = \"title\"\nmatch = \"x\"",
            "rule 1: a rewrite needs `replace`",
        );
        check(
            "[[rule]]\naction = \"drop\"\nfield = \"title\"",
            "give `match",
        );
    }
}
