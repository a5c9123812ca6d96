//! Feed dates -> UTC. Replaces feed-rs's lenient parser, which drops the zones of both islands.
//!
//! feed-rs turns anything it cannot read into `None` silently, and it cannot read `IST`, `BST`,
//! `EET` or `EEST` (chrono and feed-rs know only the RFC 822 zone names): exactly the zones
//! Irish and Cypriot publishers write.
//! The chain here: RFC 3339, RFC 2822, RFC 2822 with a named zone mapped to its offset or with
//! a wrong weekday dropped, then offset-less forms read as UTC. `IST` is Irish Standard Time
//! (+01:00), not India's: this is an Irish and Cypriot site.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// Parses a feed timestamp; `None` when it is not a date in any form feeds use.
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Some(date) = rfc3339(text) {
        return Some(date);
    }
    if let Some(date) = rfc2822(text) {
        return Some(date);
    }
    naive(text)
}

fn rfc3339(text: &str) -> Option<DateTime<Utc>> {
    // A space instead of `T`, and a lowercase `t`/`z`, are common and harmless.
    let fixed = if text.len() > 10 && text.as_bytes()[10] == b' ' {
        format!("{}T{}", &text[..10], &text[11..])
    } else {
        text.to_string()
    };
    DateTime::parse_from_rfc3339(&fixed.to_ascii_uppercase())
        .ok()
        .map(|date| date.with_timezone(&Utc))
}

fn rfc2822(text: &str) -> Option<DateTime<Utc>> {
    let attempt = |candidate: &str| {
        DateTime::parse_from_rfc2822(candidate)
            .ok()
            .map(|date| date.with_timezone(&Utc))
    };
    let with_offset = replace_named_zone(text);
    let candidate = with_offset.as_deref().unwrap_or(text);
    if let Some(date) = attempt(candidate) {
        return Some(date);
    }
    // chrono rejects a weekday that disagrees with the date; publishers get it wrong often.
    let without_weekday = candidate
        .split_once(',')
        .map(|(_, rest)| rest.trim())
        .unwrap_or(candidate);
    if let Some(date) = attempt(without_weekday) {
        return Some(date);
    }
    // Full month or day names ("November"), which RFC 2822 does not allow.
    attempt(&abbreviate_names(without_weekday))
}

fn replace_named_zone(text: &str) -> Option<String> {
    let (rest, zone) = text.rsplit_once(' ')?;
    let offset = zone_offset(&zone.to_ascii_uppercase())?;
    Some(format!("{rest} {offset}"))
}

fn zone_offset(zone: &str) -> Option<&'static str> {
    Some(match zone {
        "UT" | "UTC" | "GMT" | "Z" | "WET" => "+0000",
        "IST" | "BST" | "WEST" | "CET" => "+0100",
        "CEST" | "EET" => "+0200",
        "EEST" | "MSK" => "+0300",
        "EST" => "-0500",
        "EDT" | "AST" => "-0400",
        "CST" => "-0600",
        "CDT" => "-0500",
        "MST" => "-0700",
        "MDT" => "-0600",
        "PST" => "-0800",
        "PDT" => "-0700",
        _ => return None,
    })
}

fn abbreviate_names(text: &str) -> String {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    text.split(' ')
        .map(|word| {
            let lower = word.to_ascii_lowercase();
            match MONTHS.iter().find(|month| **month == lower) {
                Some(month) => {
                    let mut short = month[..3].to_string();
                    short[..1].make_ascii_uppercase();
                    short
                }
                None => word.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn naive(text: &str) -> Option<DateTime<Utc>> {
    const FORMATS: [&str; 4] = [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ];
    for format in FORMATS {
        if let Ok(date) = NaiveDateTime::parse_from_str(text, format) {
            return Some(date.and_utc());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|date| date.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Option<&str>) {
        let parsed = parse_date(input).map(|date| date.to_rfc3339());
        assert_eq!(parsed.as_deref(), expected, "parsing {input:?}");
    }

    #[test]
    fn rfc_3339_and_rfc_822_with_offsets() {
        check("2026-11-24T09:00:00Z", Some("2026-11-24T09:00:00+00:00"));
        check(
            "2026-11-24T11:00:00+02:00",
            Some("2026-11-24T09:00:00+00:00"),
        );
        check("2026-11-24 09:00:00z", Some("2026-11-24T09:00:00+00:00"));
        check(
            "Tue, 24 Nov 2026 09:00:00 +0000",
            Some("2026-11-24T09:00:00+00:00"),
        );
        check(
            "Tue, 24 Nov 2026 09:00:00 GMT",
            Some("2026-11-24T09:00:00+00:00"),
        );
    }

    #[test]
    fn the_zones_of_ireland_and_cyprus() {
        check(
            "Tue, 24 Nov 2026 10:00:00 IST",
            Some("2026-11-24T09:00:00+00:00"),
        );
        check(
            "Tue, 24 Nov 2026 11:00:00 EET",
            Some("2026-11-24T09:00:00+00:00"),
        );
        check(
            "Fri, 05 Jun 2026 12:00:00 EEST",
            Some("2026-06-05T09:00:00+00:00"),
        );
        check(
            "Fri, 05 Jun 2026 10:00:00 BST",
            Some("2026-06-05T09:00:00+00:00"),
        );
    }

    #[test]
    fn publisher_mistakes_that_still_name_a_date() {
        // 24 Nov 2026 is a Tuesday.
        check(
            "Mon, 24 Nov 2026 09:00:00 +0000",
            Some("2026-11-24T09:00:00+00:00"),
        );
        check(
            "24 November 2026 09:00:00 +0000",
            Some("2026-11-24T09:00:00+00:00"),
        );
        check("2026-11-24T09:00:00", Some("2026-11-24T09:00:00+00:00"));
        check("2026-11-24", Some("2026-11-24T00:00:00+00:00"));
    }

    #[test]
    fn not_a_date() {
        check("", None);
        check("yesterday", None);
        check("Τρίτη, 24 Νοεμβρίου 2026", None);
    }
}
