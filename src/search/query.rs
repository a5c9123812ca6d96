//! The query language of `/search`: words, "exact phrases", `-excluded` words and phrases, and
//! filters `region:`, `source:`, `author:`, `tag:` (a word or a "quoted value"), `after:` and
//! `before:` (dates, `YYYY-MM-DD`). Every word must match; a query that cannot be read is an
//! error that says what and where.

use chrono::NaiveDate;

/// A query, read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    pub clauses: Vec<Clause>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Clause {
    pub kind: ClauseKind,
    /// `-word`: must not match.
    pub excluded: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ClauseKind {
    /// A word (its terms in order, when a word such as "dún-laoghaire" makes several).
    Word(String),
    Phrase(String),
    Filter(Filter, String),
    /// Published on or after the start of this day (UTC).
    After(NaiveDate),
    /// Published before the start of this day (UTC).
    Before(NaiveDate),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    Region,
    Source,
    Author,
    Tag,
}

impl Filter {
    pub fn name(self) -> &'static str {
        match self {
            Filter::Region => "region",
            Filter::Source => "source",
            Filter::Author => "author",
            Filter::Tag => "tag",
        }
    }
}

/// What is wrong with a query, and at which character (1-based).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message} (at character {column})")]
pub struct QueryError {
    pub message: String,
    pub column: usize,
}

const FILTERS: &str = "region:, source:, author:, tag:, after:, before:";

impl Query {
    /// Reads a query; an empty one (only spaces) is an error too.
    pub fn parse(text: &str) -> Result<Query, QueryError> {
        let chars: Vec<char> = text.chars().collect();
        let mut clauses = Vec::new();
        let mut at = 0;
        while at < chars.len() {
            if chars[at].is_whitespace() {
                at += 1;
                continue;
            }
            let start = at;
            let excluded =
                chars[at] == '-' && chars.get(at + 1).is_some_and(|c| !c.is_whitespace());
            if excluded {
                at += 1;
            }
            let kind = if chars[at] == '"' {
                let (phrase, end) = quoted(&chars, at)?;
                at = end;
                ClauseKind::Phrase(phrase)
            } else {
                let word_start = at;
                while at < chars.len() && !chars[at].is_whitespace() && chars[at] != '"' {
                    if chars[at] == ':' {
                        break;
                    }
                    at += 1;
                }
                let word: String = chars[word_start..at].iter().collect();
                if at < chars.len() && chars[at] == ':' && is_name(&word) {
                    let (value, end) = if chars.get(at + 1) == Some(&'"') {
                        quoted(&chars, at + 1)?
                    } else {
                        let value_start = at + 1;
                        let mut end = value_start;
                        while end < chars.len() && !chars[end].is_whitespace() {
                            end += 1;
                        }
                        (chars[value_start..end].iter().collect(), end)
                    };
                    at = end;
                    filter(&word, value.trim(), start + 1)?
                } else {
                    // Not a filter: the word runs on to the next space (a time "10:30", say).
                    while at < chars.len() && !chars[at].is_whitespace() && chars[at] != '"' {
                        at += 1;
                    }
                    ClauseKind::Word(chars[word_start..at].iter().collect())
                }
            };
            clauses.push(Clause { kind, excluded });
        }
        if clauses.is_empty() {
            return Err(QueryError {
                message: "the query is empty: type a word to search for".to_string(),
                column: 1,
            });
        }
        Ok(Query { clauses })
    }
}

/// The text between the quote at `open` and its closing quote, and the index after it.
fn quoted(chars: &[char], open: usize) -> Result<(String, usize), QueryError> {
    match chars[open + 1..].iter().position(|c| *c == '"') {
        Some(length) => Ok((
            chars[open + 1..open + 1 + length].iter().collect(),
            open + 2 + length,
        )),
        None => Err(QueryError {
            message: "this quote is never closed: end the phrase with another \"".to_string(),
            column: open + 1,
        }),
    }
}

/// A filter's name is letters only (so "10:30" and "http://..." stay words).
fn is_name(word: &str) -> bool {
    !word.is_empty() && word.chars().all(|c| c.is_ascii_alphabetic())
}

fn filter(name: &str, value: &str, column: usize) -> Result<ClauseKind, QueryError> {
    let error = |message: String| QueryError { message, column };
    let name = name.to_ascii_lowercase();
    if value.is_empty()
        && ["region", "source", "author", "tag", "after", "before"].contains(&name.as_str())
    {
        return Err(error(format!(
            "{name}: needs a value, as in {name}:{}",
            example(&name)
        )));
    }
    let date = |value: &str| {
        NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
            error(format!(
                "{name}:{value} is not a date: write it as YYYY-MM-DD, as in {name}:2026-11-01"
            ))
        })
    };
    Ok(match name.as_str() {
        "region" => ClauseKind::Filter(Filter::Region, value.to_string()),
        "source" => ClauseKind::Filter(Filter::Source, value.to_string()),
        "author" => ClauseKind::Filter(Filter::Author, value.to_string()),
        "tag" => ClauseKind::Filter(Filter::Tag, value.to_string()),
        "after" => ClauseKind::After(date(value)?),
        "before" => ClauseKind::Before(date(value)?),
        _ => {
            return Err(error(format!(
                "{name}: is not a filter; the filters are {FILTERS} (to search for the word, put it in quotes: \"{name}:{value}\")"
            )));
        }
    })
}

fn example(name: &str) -> &'static str {
    match name {
        "region" => "cyprus",
        "source" => "\"Cyprus Mail\"",
        "author" => "grace-kennedy",
        "tag" => "security",
        _ => "2026-11-01",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(ClauseKind, bool)> {
        Query::parse(text)
            .unwrap()
            .clauses
            .into_iter()
            .map(|clause| (clause.kind, clause.excluded))
            .collect()
    }

    #[test]
    fn words_phrases_exclusions_and_filters() {
        use ClauseKind::*;
        assert_eq!(
            kinds(
                r#"ferry "Dún Laoghaire" -strike region:ireland source:"Cyprus Mail" -tag:sport after:2026-11-01 10:30"#
            ),
            vec![
                (Word("ferry".into()), false),
                (Phrase("Dún Laoghaire".into()), false),
                (Word("strike".into()), true),
                (Filter(super::Filter::Region, "ireland".into()), false),
                (Filter(super::Filter::Source, "Cyprus Mail".into()), false),
                (Filter(super::Filter::Tag, "sport".into()), true),
                (After(NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()), false),
                (Word("10:30".into()), false),
            ]
        );
        assert_eq!(
            kinds("- Λεμεσός"),
            vec![(Word("-".into()), false), (Word("Λεμεσός".into()), false)]
        );
    }

    #[test]
    fn mistakes_say_what_and_where() {
        let error = |text: &str| Query::parse(text).unwrap_err();
        assert_eq!(error("  ").column, 1);
        let unclosed = error(r#"ferry "Dún Laoghaire"#);
        assert_eq!(unclosed.column, 7);
        assert!(unclosed.message.contains("never closed"), "{unclosed}");
        let date = error("ferry after:yesterday");
        assert_eq!(date.column, 7);
        assert!(date.message.contains("YYYY-MM-DD"), "{date}");
        let unknown = error("colour:red");
        assert!(unknown.message.contains("not a filter"), "{unknown}");
        assert!(error("region:").message.contains("needs a value"));
    }
}
