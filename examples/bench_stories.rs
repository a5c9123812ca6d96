//! What grouping entries into stories costs at ingest (issue 13): 1,000 new entries stored
//! into a store of 1,000 and of 100,000 entries, with grouping and without, side by side.
//!
//! The store is filled with `bench_search`'s synthetic news (`support/news.rs`: 1,000 sources,
//! one entry every 10 minutes, ~10% Greek), its title and summary rewritten with a lexicon of
//! 20,000 made-up words beside the common ones (the shared corpus draws its text from a few
//! hundred words, so that any two entries share a third of their words and would all be one
//! story), grouped as the daemon groups, committing every 1,000. At each size, six batches of 1,000 new entries (newer than any stored, a fifth of
//! them another outlet's report of a stored entry: its title and summary under another link
//! and source) are stored with `Store::upsert` and one `Store::commit`, alternately with
//! grouping on and off (on, off, on, off, on, off); the medians of each are compared. The
//! target: grouping at most 1.3x of storing alone, and the same at both sizes.
//!
//! Markdown report on stdout, progress on stderr.
//!
//!     cargo run --release --example bench_stories [-- SIZE...]   # default 1000 100000

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use islands::model::{Attribution, EntryId, SourceId};
use islands::store::{Store, StorySettings};

#[path = "support/news.rs"]
mod news;
use news::{Rng, SOURCES, SPACING_MINUTES, Vocabulary, entry, feed_url, source_name};

const BATCH: usize = 1000;
const REPS: usize = 3;

struct Row {
    size: usize,
    fill: Duration,
    on: Duration,
    off: Duration,
    stories: (u64, u64),
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|arg| arg.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![1000, 100_000]
    } else {
        sizes
    };
    let vocabulary = Vocabulary::new();
    let base = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
    let mut rows = Vec::new();
    for size in sizes {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let store = Store::open(&dir.path().join("store"), 64 << 20).expect("open the store");
        let now = Utc::now();
        let started = Instant::now();
        for i in 0..size {
            store
                .upsert(news_entry(i, base, &vocabulary), true, now)
                .expect("store an entry");
            if (i + 1).is_multiple_of(BATCH) {
                store.commit().expect("commit");
                eprint!("\rfilled {} of {size}", i + 1);
            }
        }
        store.commit().expect("commit");
        let fill = started.elapsed();
        eprintln!();
        let mut on = Vec::new();
        let mut off = Vec::new();
        for batch in 0..2 * REPS {
            let grouping = batch.is_multiple_of(2);
            store.set_story_settings(StorySettings {
                grouping,
                ..StorySettings::default()
            });
            let entries: Vec<_> = (0..BATCH)
                .map(|k| new_entry(batch, k, base, &vocabulary))
                .collect();
            let started = Instant::now();
            for entry in entries {
                store.upsert(entry, true, now).expect("store an entry");
            }
            store.commit().expect("commit");
            let took = started.elapsed();
            eprintln!(
                "size {size}, batch {batch}, grouping {grouping}: {:.1} ms",
                took.as_secs_f64() * 1000.0
            );
            if grouping {
                on.push(took)
            } else {
                off.push(took)
            }
        }
        on.sort();
        off.sort();
        rows.push(Row {
            size,
            fill,
            on: on[on.len() / 2],
            off: off[off.len() / 2],
            stories: store.story_counts().expect("counts"),
        });
    }
    println!(
        "| stored entries | fill (grouped) | 1,000 new, grouping on | 1,000 new, grouping off | on / off | stories (several reports) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    for row in &rows {
        println!(
            "| {} | {:.1} s | {:.0} ms | {:.0} ms | {:.2}x | {} ({}) |",
            row.size,
            row.fill.as_secs_f64(),
            row.on.as_secs_f64() * 1000.0,
            row.off.as_secs_f64() * 1000.0,
            row.on.as_secs_f64() / row.off.as_secs_f64(),
            row.stories.0,
            row.stories.1
        );
    }
}

/// The `k`th entry of new batch `batch`: newer than every stored entry; every fifth is
/// another outlet's report of a stored entry of the last two days (same title and summary,
/// another link and source), the rest fresh news.
fn new_entry(
    batch: usize,
    k: usize,
    base: chrono::DateTime<Utc>,
    vocabulary: &Vocabulary,
) -> islands::model::Entry {
    let n = batch * BATCH + k;
    let minutes = SPACING_MINUTES * (6 * BATCH - n) as i64;
    let newer = base + chrono::Duration::minutes(minutes);
    let mut entry = if k.is_multiple_of(5) {
        // A stored entry of the two days before `base`.
        let mut report = news_entry(k * 7 % 288, base, vocabulary);
        report.published = newer;
        report.updated = newer;
        report
    } else {
        news_entry(1_000_000 + n, newer, vocabulary)
    };
    let source = (n * 13 + 7) % SOURCES;
    let link = format!("http://news{source}.example/new/{batch}/{k}");
    entry.id = EntryId::from_key(&format!("uri:{link}"));
    entry.public_id = link.clone();
    entry.link = Some(link);
    let region = entry.regions[0].clone();
    entry.sources = vec![Attribution {
        name: source_name(source),
        feed_url: SourceId::new(&feed_url(source).parse().expect("a valid URL")),
        title: None,
        site_url: None,
        region,
    }];
    entry
}

/// Entry `i` of the shared corpus with a title of 7 and a summary of 24 words, two in three of
/// them made up (of 20,000), so that entries share words about as often as news does.
fn news_entry(
    i: usize,
    base: chrono::DateTime<Utc>,
    vocabulary: &Vocabulary,
) -> islands::model::Entry {
    let mut entry = entry(i, base, vocabulary);
    let mut rng = Rng::new(i as u64 ^ 0xA11CE);
    let mut text = |count: usize| {
        let words: Vec<String> = (0..count)
            .map(|_| {
                if rng.below(3) == 0 {
                    [
                        "the", "minister", "council", "police", "harbour", "court", "said",
                    ][rng.below(7)]
                    .to_string()
                } else {
                    made_up(rng.below(20_000))
                }
            })
            .collect();
        words.join(" ")
    };
    entry.title = text(7);
    entry.summary = Some(format!("<p>{}.</p>", text(24)));
    entry
}

/// Made-up word `n`: three syllables of a fixed set, the same on every run.
fn made_up(n: usize) -> String {
    const SYLLABLES: [&str; 28] = [
        "ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "bra", "dro", "fel", "gan", "hor", "jin",
        "kel", "lam", "mor", "nis", "pol", "quar", "ris", "sten", "tul", "vor", "wen", "yel",
        "zan", "chi",
    ];
    let s = SYLLABLES.len();
    format!(
        "{}{}{}",
        SYLLABLES[n % s],
        SYLLABLES[(n / s) % s],
        SYLLABLES[(n / s / s) % s]
    )
}
