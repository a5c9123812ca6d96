//! Stories (issue 13): one item per event, whichever outlets report it. Pure: an entry in,
//! its [`Features`] out, and the decision whether two entries report the same story. The store
//! (`store::stories`) keeps the stories, their time indexes and the candidate keys in sled.
//!
//! Two entries report one story when
//! 1. their links are the same once canonical ([`canonical_link`]: scheme, `www.`/`amp.`,
//!    tracking parameters, AMP variants and the trailing slash ignored), or
//! 2. their title and lead are near-duplicates ([`same_story`]): words case- and
//!    accent-folded and stemmed per language (the search index's analysis), stop words out.
//!
//! A new entry is compared with a few candidates only, never with the store: the candidates are
//! the entries of the window that share its canonical link or one LSH band of its MinHash
//! signature ([`Features::bands`]). MinHash is a few lines over a hash that is stable across
//! builds (SipHash with fixed keys), because the band keys are stored; the MinHash crates
//! (datasketch-minhash-lsh, lshdedup-core) keep their LSH index in memory, which a store that
//! must survive `kill -9` cannot use.

use std::hash::Hasher;

use siphasher::sip::SipHasher13;

use crate::model::Entry;
use crate::search::analysis::Analysis;

/// What the store groups with, from the config.
pub fn settings(config: &crate::config::Config) -> crate::store::StorySettings {
    crate::store::StorySettings {
        window: chrono::Duration::from_std(config.stories.window)
            .unwrap_or(chrono::Duration::hours(48)),
        language: config.site.language.clone(),
        grouping: true,
    }
}

/// Query parameters that only track a click: dropped from canonical links.
const TRACKING: &[&str] = &[
    "utm_*",
    "fbclid",
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "igshid",
    "ocid",
    "cmpid",
    "ref",
    "ref_src",
    "amp",
    "outputtype",
];

/// MinHash functions, and how they are cut into LSH bands.
pub const HASHES: usize = 32;
pub const ROWS: usize = 1;
pub const BANDS: usize = HASHES / ROWS;

/// Fewer words than this and the text says too little to compare: only the link can match.
const MIN_WORDS: usize = 4;

/// What grouping compares of an entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Features {
    /// A hash of the canonical link.
    pub link: Option<u64>,
    /// Hashes of the folded, stemmed words of title and lead, stop words out; sorted, unique.
    pub words: Vec<u32>,
    /// Hashes of the names and numbers among them (capitalised mid-sentence, or with a digit).
    pub names: Vec<u32>,
    /// The quantities the text gives, as numbers: "€5.2m" and "€5,217,448", "40 million" and
    /// "40m", the Greek "4,1" and "1.000" (years left out); sorted.
    pub numbers: Vec<f64>,
}

impl Features {
    pub fn of(entry: &Entry, site_language: &str) -> Features {
        let language = entry.language.as_deref().unwrap_or(site_language);
        let lead = entry
            .summary
            .as_deref()
            .or(entry.content.as_deref())
            .map(lead_text)
            .unwrap_or_default();
        let lead = first_words(&lead, LEAD_WORDS);
        Features::from_text(
            entry.link.as_deref(),
            &entry.title,
            lead,
            Analysis::of(language),
        )
    }

    pub fn from_text(link: Option<&str>, title: &str, lead: &str, analysis: Analysis) -> Features {
        let text = format!("{title}. {lead}");
        let mut words = Vec::new();
        let mut names = Vec::new();
        for (term, at) in analysis.terms_at(&text) {
            if is_stop_word(&term) {
                continue;
            }
            // 32 bits: a few dozen words a side, so a collision is a one in millions event.
            let hash = hash(term.as_bytes()) as u32;
            words.push(hash);
            if is_name(&text, at) {
                names.push(hash);
            }
        }
        words.sort_unstable();
        words.dedup();
        names.sort_unstable();
        names.dedup();
        Features {
            link: link.and_then(canonical_link).map(|l| hash(l.as_bytes())),
            words,
            names,
            numbers: numbers_of(&text),
        }
    }

    /// The LSH band keys of its MinHash signature: `(band, hash of the band's rows)`. None when
    /// the text is too short to say anything.
    pub fn bands(&self) -> Vec<(u8, u64)> {
        if self.words.len() < MIN_WORDS {
            return Vec::new();
        }
        let signature: Vec<u64> = (0..HASHES as u64)
            .map(|seed| {
                self.words
                    .iter()
                    .map(|word| keyed(seed, &word.to_le_bytes()))
                    .min()
                    .unwrap_or(u64::MAX)
            })
            .collect();
        signature
            .chunks(ROWS)
            .enumerate()
            .map(|(band, rows)| {
                let mut bytes = Vec::with_capacity(ROWS * 8);
                for row in rows {
                    bytes.extend_from_slice(&row.to_le_bytes());
                }
                (band as u8, hash(&bytes))
            })
            .collect()
    }
}

impl Features {
    /// The bytes the store keeps of an entry's features, beside its story (the link is in the
    /// candidate keys already): so a candidate is compared without reading and analysing it
    /// again. Counts are u16, hashes u32, quantities f64, all little-endian.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(
            6 + 4 * (self.words.len() + self.names.len()) + 8 * self.numbers.len(),
        );
        for list in [&self.words, &self.names] {
            let list = &list[..list.len().min(u16::MAX as usize)];
            bytes.extend_from_slice(&(list.len() as u16).to_le_bytes());
            for hash in list {
                bytes.extend_from_slice(&hash.to_le_bytes());
            }
        }
        let numbers = &self.numbers[..self.numbers.len().min(u16::MAX as usize)];
        bytes.extend_from_slice(&(numbers.len() as u16).to_le_bytes());
        for number in numbers {
            bytes.extend_from_slice(&number.to_le_bytes());
        }
        bytes
    }

    /// Reads [`Features::to_bytes`]; `None` for bytes it did not write.
    pub fn from_bytes(mut bytes: &[u8]) -> Option<Features> {
        fn take<'a>(bytes: &mut &'a [u8], count: usize) -> Option<&'a [u8]> {
            let (head, rest) = bytes.split_at_checked(count)?;
            *bytes = rest;
            Some(head)
        }
        fn count(bytes: &mut &[u8]) -> Option<usize> {
            Some(u16::from_le_bytes(take(bytes, 2)?.try_into().ok()?) as usize)
        }
        let mut lists = [Vec::new(), Vec::new()];
        for list in &mut lists {
            let n = count(&mut bytes)?;
            *list = take(&mut bytes, 4 * n)?
                .chunks_exact(4)
                .map(|chunk| u32::from_le_bytes(chunk.try_into().expect("4 bytes")))
                .collect();
        }
        let n = count(&mut bytes)?;
        let numbers = take(&mut bytes, 8 * n)?
            .chunks_exact(8)
            .map(|chunk| f64::from_le_bytes(chunk.try_into().expect("8 bytes")))
            .collect();
        let [words, names] = lists;
        bytes.is_empty().then_some(Features {
            link: None,
            words,
            names,
            numbers,
        })
    }
}

/// Whether two entries published `gap` apart report the same story: the same canonical link,
/// or text that is similar enough for how far apart they are ([`similarity`] at least
/// [`THRESHOLD`] plus [`PER_HOUR`] per hour between them). The store compares only entries
/// within `[stories] window` of each other.
pub fn same_story(a: &Features, b: &Features, gap: chrono::Duration) -> bool {
    if a.link.is_some() && a.link == b.link {
        return true;
    }
    let hours = gap.num_minutes().unsigned_abs() as f64 / 60.0;
    similarity(a, b) >= THRESHOLD + PER_HOUR * hours
}

/// The bar of [`same_story`] for two entries published at the same time, and how it rises
/// per hour between them (tuned on `tests/fixtures/stories/pairs.json`; see README).
pub const THRESHOLD: f64 = 0.12;
pub const PER_HOUR: f64 = 0.02;

/// How alike two entries' texts are: the share of the smaller side's words that the other
/// has, plus a quarter of the same share of their names and numbers, plus 0.1 for each
/// quantity they share (up to two) when they share a word too, less 0.1 when both give
/// quantities of 10 or more and none agree. 0 when either side is too short to say.
pub fn similarity(a: &Features, b: &Features) -> f64 {
    if a.words.len() < MIN_WORDS || b.words.len() < MIN_WORDS {
        return 0.0;
    }
    let containment = |x: &[u32], y: &[u32]| {
        let smaller = x.len().min(y.len());
        if smaller == 0 {
            0.0
        } else {
            intersection(x, y) as f64 / smaller as f64
        }
    };
    let words = containment(&a.words, &b.words);
    let mut score = words + 0.25 * containment(&a.names, &b.names);
    let shared = a
        .numbers
        .iter()
        .filter(|x| b.numbers.iter().any(|y| same_quantity(**x, *y)))
        .count();
    if words > 0.0 {
        score += 0.1 * shared.min(2) as f64;
    }
    let big = |n: &&f64| **n >= 10.0;
    let conflict = a.numbers.iter().any(|n| big(&n))
        && b.numbers.iter().any(|n| big(&n))
        && !a
            .numbers
            .iter()
            .filter(big)
            .any(|x| b.numbers.iter().filter(big).any(|y| same_quantity(*x, *y)));
    if conflict {
        score -= 0.1;
    }
    score
}

/// Two quantities agree when equal, or both at least 10 and within 5% ("712" and "over 700").
fn same_quantity(x: f64, y: f64) -> bool {
    x == y || (x >= 10.0 && y >= 10.0 && (x - y).abs() / x.max(y) <= 0.05)
}

/// The quantities in `text`, with their multipliers, years (2000 to 2035) left out.
fn numbers_of(text: &str) -> Vec<f64> {
    static NUMBER: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(\d[\d,.]*)\s*(bn|billion|m|million|k|thousand|εκατ\w*|δισ\w*|χιλιαδ\w*)?\b",
        )
        .expect("a valid pattern")
    });
    let folded = crate::rules::fold(text);
    let mut numbers = Vec::new();
    for found in NUMBER.captures_iter(&folded) {
        let raw = found[1].trim_end_matches(['.', ',']);
        let grouped = |separator: char| {
            let mut parts = raw.split(separator);
            parts
                .next()
                .is_some_and(|first| (1..=3).contains(&first.len()))
                && raw.contains(separator)
                && parts.all(|part| part.len() == 3)
        };
        let value = if grouped(',') {
            raw.replace(',', "").parse::<f64>()
        } else if grouped('.') {
            raw.replace('.', "").parse::<f64>()
        } else {
            raw.replace(',', ".").parse::<f64>()
        };
        let Ok(mut value) = value else { continue };
        match found.get(2).map(|unit| unit.as_str()) {
            Some(unit) if unit == "bn" || unit == "billion" || unit.starts_with("δισ") => {
                value *= 1e9
            }
            Some(unit) if unit == "m" || unit == "million" || unit.starts_with("εκατ") => {
                value *= 1e6
            }
            Some(unit) if unit == "k" || unit == "thousand" || unit.starts_with("χιλιαδ") => {
                value *= 1e3
            }
            Some(_) => {}
            None if (2000.0..=2035.0).contains(&value) && value.fract() == 0.0 => continue,
            None => {}
        }
        numbers.push(value);
    }
    numbers.sort_by(f64::total_cmp);
    numbers.dedup();
    numbers
}

/// How many values two sorted lists share.
fn intersection(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared
}

/// The link as the same article is reached whatever way: host without `www.`/`amp.`, no
/// scheme, no port, no fragment, no tracking parameters (and `amp`), no `/amp` segment, no
/// trailing slash, the other parameters sorted. `None` for what is not an http(s) URL.
pub fn canonical_link(link: &str) -> Option<String> {
    let url = url::Url::parse(link).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let host = host
        .strip_prefix("www.")
        .or_else(|| host.strip_prefix("amp."))
        .unwrap_or(&host);
    let path: Vec<&str> = url
        .path_segments()
        .map(|segments| {
            segments
                .filter(|segment| !segment.is_empty() && !segment.eq_ignore_ascii_case("amp"))
                .collect()
        })
        .unwrap_or_default();
    let mut query: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(name, _)| !is_tracking(name))
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    query.sort();
    let mut canonical = format!("{host}/{}", path.join("/"));
    if !query.is_empty() {
        canonical.push('?');
        let pairs: Vec<String> = query
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        canonical.push_str(&pairs.join("&"));
    }
    Some(canonical)
}

fn is_tracking(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    TRACKING.iter().any(|param| match param.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => name == *param,
    })
}

/// Whether the word at byte `at` of `text` is a name or a number: capitalised other than at
/// the start of a sentence, or holding a digit.
fn is_name(text: &str, at: usize) -> bool {
    let word = text[at..]
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default();
    if word.chars().any(|c| c.is_ascii_digit()) {
        return true;
    }
    let capitalised = word.chars().next().is_some_and(char::is_uppercase);
    let before = text[..at].trim_end();
    let sentence_start = before.is_empty() || before.ends_with(['.', '!', '?', ':', ';', '"', '«']);
    capitalised && !sentence_start
}

/// The first `count` words of `text`.
/// The words of an entry's lead that grouping reads.
const LEAD_WORDS: usize = 80;

/// The text of an entry's summary or content, as far as grouping reads it. A full article's
/// HTML is tens of kilobytes, of which grouping reads [`LEAD_WORDS`] words: the text of its
/// first [`LEAD_HTML`] bytes is enough when it has more words than that (cut anywhere, the HTML
/// can only change its last word), and its whole text is read only when it has not.
fn lead_text(html: &str) -> String {
    if html.len() > LEAD_HTML {
        let text =
            crate::normalize::html::html_to_text(&html[..html.floor_char_boundary(LEAD_HTML)]);
        if text.split_whitespace().nth(LEAD_WORDS).is_some() {
            return text;
        }
    }
    crate::normalize::html::html_to_text(html)
}

/// See [`lead_text`].
const LEAD_HTML: usize = 4096;

fn first_words(text: &str, count: usize) -> &str {
    match text.split_whitespace().nth(count) {
        Some(word) => &text[..word.as_ptr() as usize - text.as_ptr() as usize],
        None => text,
    }
}

/// Folded, stemmed stop words of English and Greek: words that say nothing of the event.
fn is_stop_word(term: &str) -> bool {
    const STOP: &[&str] = &[
        // English (after stemming)
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "by",
        "with",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "has",
        "have",
        "had",
        "it",
        "it'",
        "its",
        "that",
        "this",
        "these",
        "those",
        "who",
        "which",
        "what",
        "after",
        "befor",
        "over",
        "into",
        "out",
        "up",
        "down",
        "said",
        "say",
        "says",
        "will",
        "would",
        "not",
        "no",
        "new",
        "more",
        "than",
        "their",
        "they",
        "he",
        "she",
        "his",
        "her",
        "we",
        "our",
        "you",
        "all",
        "also",
        "about",
        "there",
        "s",
        "t",
        "amid",
        "year",
        "day",
        // Greek (folded, after stemming)
        "ο",
        "η",
        "το",
        "οι",
        "τα",
        "του",
        "τησ",
        "των",
        "τον",
        "την",
        "στο",
        "στη",
        "στην",
        "στον",
        "στα",
        "στισ",
        "στουσ",
        "και",
        "να",
        "με",
        "για",
        "απο",
        "σε",
        "που",
        "ειν",
        "ειναι",
        "θα",
        "δεν",
        "μετα",
        "κατα",
        "προσ",
        "ωσ",
        "εν",
        "ενα",
        "μια",
        "εν",
        "τισ",
        "τουσ",
        "οτι",
        "αλλα",
        "η",
        "ηταν",
        "εχει",
    ];
    term.chars().count() < 2 || STOP.contains(&term)
}

/// The stable hash of grouping: SipHash-1-3 with fixed keys, the same in every build.
fn hash(bytes: &[u8]) -> u64 {
    keyed(0x6973_6c61_6e64_7321, bytes)
}

fn keyed(seed: u64, bytes: &[u8]) -> u64 {
    let mut hasher = SipHasher13::new_with_keys(seed, 0x7374_6f72_6965_7321);
    hasher.write(bytes);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Wherever the cut falls (in a tag, an attribute, an entity, a Greek letter, a script),
    /// the lead grouping reads from the first kilobytes is the whole text's.
    #[test]
    fn the_lead_read_from_the_start_of_the_html_is_the_whole_texts() {
        let paragraph = "<p class=\"lead\" data-x='a &amp; b'>Η Λευκωσία &amp; Limassol: \
            <a href=\"https://example.org/?a=1&amp;b=2\">council</a> votes &euro;4.5m for \
            <em>roads</em>&nbsp;and <strong>ports</strong> &#8211; ministers say.</p>\n\
            <script>var x = \"<p>not text</p>\";</script><!-- a comment -->";
        // The cut moves through a whole paragraph, a byte at a time.
        for padding in 0..paragraph.len() {
            let padding = format!("{}{}", "ά".repeat(padding / 2), "x".repeat(padding % 2));
            let html = format!("<div>{padding}</div>{}", paragraph.repeat(20));
            assert!(html.len() > LEAD_HTML);
            let whole = crate::normalize::html::html_to_text(&html);
            assert_eq!(
                first_words(&lead_text(&html), LEAD_WORDS),
                first_words(&whole, LEAD_WORDS),
                "padding {padding}"
            );
        }
        let short = paragraph.repeat(2);
        assert_eq!(
            lead_text(&short),
            crate::normalize::html::html_to_text(&short)
        );
    }

    #[test]
    fn canonical_links_ignore_scheme_www_amp_tracking_and_trailing_slash() {
        let plain = canonical_link("https://www.rte.ie/news/2026/1102/mayo-crash/").unwrap();
        for variant in [
            "http://rte.ie/news/2026/1102/mayo-crash",
            "https://amp.rte.ie/news/2026/1102/mayo-crash/",
            "https://www.rte.ie/news/2026/1102/mayo-crash/amp/",
            "https://www.rte.ie/amp/news/2026/1102/mayo-crash/",
            "https://www.rte.ie/news/2026/1102/mayo-crash/?amp=1",
            "https://www.rte.ie/news/2026/1102/mayo-crash/?utm_source=rss&fbclid=x#top",
        ] {
            assert_eq!(canonical_link(variant).unwrap(), plain, "{variant}");
        }
        assert_ne!(
            canonical_link("https://rte.ie/news/a?id=1"),
            canonical_link("https://rte.ie/news/a?id=2")
        );
        assert_eq!(canonical_link("mailto:x@y"), None);
    }

    #[test]
    fn names_are_capitalised_mid_sentence_or_numbers() {
        let text = "Gardaí said the car left the N26. The road near Ballina closed";
        let names: Vec<String> = Analysis::Folded
            .terms_at(text)
            .into_iter()
            .filter(|(_, at)| is_name(text, *at))
            .map(|(term, _)| term)
            .collect();
        assert_eq!(names, ["n26", "ballina"]);
    }

    #[test]
    fn features_read_back_what_they_wrote() {
        let features = Features::from_text(
            Some("https://rte.ie/a"),
            "Dáil passes Housing Bill",
            "By 82 votes to 61, a €5.2m fund",
            Analysis::English,
        );
        let read = Features::from_bytes(&features.to_bytes()).unwrap();
        assert_eq!(read.words, features.words);
        assert_eq!(read.names, features.names);
        assert_eq!(read.numbers, features.numbers);
        assert!(Features::from_bytes(&features.to_bytes()[1..]).is_none());
    }

    #[test]
    fn quantities_are_read_with_their_units_and_separators() {
        assert_eq!(numbers_of("a €5.2m deal"), [5.2e6]);
        assert_eq!(numbers_of("€5,217,448 paid in 2026"), [5_217_448.0]);
        assert_eq!(numbers_of("40 million passengers"), [40e6]);
        assert_eq!(
            numbers_of("σεισμός 4,1 Ρίχτερ, 1.000 σπίτια"),
            [4.1, 1000.0]
        );
        assert_eq!(numbers_of("2,5 εκατ. ευρώ"), [2.5e6]);
        assert!(same_quantity(712.0, 700.0));
        assert!(!same_quantity(4.1, 3.9));
    }

    #[test]
    fn greek_and_irish_text_is_folded_before_comparing() {
        let a = Features::from_text(
            None,
            "Σεισμός στη Λεμεσό",
            "Σεισμός 4,1 Ρίχτερ αισθητός στη Λεμεσό και την Πάφο",
            Analysis::Greek,
        );
        let b = Features::from_text(
            None,
            "ΣΕΙΣΜΟΣ ΣΤΗ ΛΕΜΕΣΟ",
            "σεισμος 4,1 ριχτερ αισθητος στη λεμεσο και την παφο",
            Analysis::Greek,
        );
        assert_eq!(a.words, b.words);
        assert!(same_story(&a, &b, chrono::Duration::hours(1)));
        assert_eq!(a.bands(), b.bands());
    }
}
