//! The time indexes of the feeds, and their byte encoding: the one place that builds index key
//! bytes. A key is `prefix \0 sort-time (8 bytes, big-endian, sign bit flipped) entry-id (16)`.

use chrono::{DateTime, Utc};

use crate::model::{Entry, EntryId, FeedKey, SourceId};

/// One time index: a feed of entries, newest last in key order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IndexKey {
    /// Every entry: the combined feed.
    All,
    /// One region's feed, by slug.
    Region(String),
    /// One source's entries.
    Source(SourceId),
    /// The site's own articles.
    Articles,
    /// One author's articles, by the author's key.
    Author(String),
    /// One tag's entries, by its slug.
    Tag(String),
    /// Stories by last activity: all of them (`None`) or one region's.
    Stories(Option<String>),
}

impl From<&FeedKey> for IndexKey {
    fn from(feed: &FeedKey) -> IndexKey {
        match feed {
            FeedKey::All => IndexKey::All,
            FeedKey::Region(slug) => IndexKey::Region(slug.clone()),
            FeedKey::Author(key) => IndexKey::Author(key.clone()),
            FeedKey::Source { id, .. } => IndexKey::Source(id.clone()),
            FeedKey::Tag(slug) => IndexKey::Tag(slug.clone()),
            FeedKey::Stories(region) => IndexKey::Stories(region.clone()),
        }
    }
}

impl IndexKey {
    /// Every index an entry is listed in: the combined feed, each region (unless it is held
    /// back), each source, and the articles' index for an article.
    pub fn of(entry: &Entry) -> Vec<IndexKey> {
        let mut keys = Vec::new();
        // A held-back entry (a new source's backlog) is in its source's index only.
        if !entry.held_back {
            keys.push(IndexKey::All);
            keys.extend(entry.regions.iter().cloned().map(IndexKey::Region));
            for category in &entry.categories {
                let slug = crate::urls::tag_slug(category);
                let tag = IndexKey::Tag(slug.clone());
                if !slug.is_empty() && !keys.contains(&tag) {
                    keys.push(tag);
                }
            }
        }
        keys.extend(
            entry
                .sources
                .iter()
                .map(|source| IndexKey::Source(source.feed_url.clone())),
        );
        if let Some(article) = &entry.article {
            keys.push(IndexKey::Articles);
            keys.push(IndexKey::Author(article.author.clone()));
        }
        keys
    }

    /// The bytes every key of this index starts with. The names are the store's layout: `all`,
    /// `r:{slug}`, `s:{feed URL}`, `a`, `u:{author}`.
    pub fn prefix(&self) -> Vec<u8> {
        let mut prefix = match self {
            IndexKey::All => b"all".to_vec(),
            IndexKey::Region(slug) => format!("r:{slug}").into_bytes(),
            IndexKey::Source(feed_url) => format!("s:{feed_url}").into_bytes(),
            IndexKey::Articles => b"a".to_vec(),
            IndexKey::Author(key) => format!("u:{key}").into_bytes(),
            IndexKey::Tag(slug) => format!("t:{slug}").into_bytes(),
            IndexKey::Stories(None) => b"S:all".to_vec(),
            IndexKey::Stories(Some(slug)) => format!("S:r:{slug}").into_bytes(),
        };
        prefix.push(0);
        prefix
    }

    /// The key that lists `id`, sorted by `time`, in this index.
    pub fn entry_key(&self, time: DateTime<Utc>, id: EntryId) -> Vec<u8> {
        self.key(time, id.as_bytes())
    }

    /// The key that lists a story, sorted by its last activity, in a stories index.
    pub fn story_key(&self, time: DateTime<Utc>, id: crate::model::StoryId) -> Vec<u8> {
        self.key(time, id.as_bytes())
    }

    fn key(&self, time: DateTime<Utc>, id: &[u8; 16]) -> Vec<u8> {
        let mut key = self.prefix();
        // Flip the sign bit so that earlier dates, negative ones included, sort first.
        let time = (time.timestamp() as u64) ^ (1 << 63);
        key.extend_from_slice(&time.to_be_bytes());
        key.extend_from_slice(id);
        key
    }
}

/// Where a page of an index (listed newest first) starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PageStart {
    /// Past the newest `n` keys, as `?page=N` asks: it reads the keys it skips.
    Skip(usize),
    /// Right after the key a cursor names, as the `next` links of deep pages ask: it costs the
    /// page, whatever its depth, and never shifts as new entries arrive.
    After(Cursor),
}

/// The sort time and id that end an index key: the last key of a page, where the next starts.
/// Written as 48 hex digits in `?after=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cursor([u8; 24]);

impl Cursor {
    /// The cursor of an index key (any index: the prefix is left out).
    pub fn of_key(key: &[u8]) -> Cursor {
        let tail: [u8; 24] = key[key.len() - 24..]
            .try_into()
            .expect("index keys end in 8 time bytes and a 16-byte id");
        Cursor(tail)
    }

    /// Reads the 48 hex digits [`Cursor`]'s `Display` writes; `None` for anything else.
    pub fn parse(text: &str) -> Option<Cursor> {
        if text.len() != 48 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut tail = [0u8; 24];
        for (byte, pair) in tail.iter_mut().zip(text.as_bytes().chunks(2)) {
            let pair = std::str::from_utf8(pair).ok()?;
            *byte = u8::from_str_radix(pair, 16).ok()?;
        }
        Some(Cursor(tail))
    }

    /// The key this cursor names in `index`: a page after it is the keys sorting before it.
    pub(super) fn key_in(&self, index: &IndexKey) -> Vec<u8> {
        let mut key = index.prefix();
        key.extend_from_slice(&self.0);
        key
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

/// The tag slug a key of the tag index names.
pub fn tag_of_key(key: &[u8]) -> Option<String> {
    let rest = key.strip_prefix(b"t:")?;
    let end = rest.iter().position(|b| *b == 0)?;
    String::from_utf8(rest[..end].to_vec()).ok()
}

/// Every index key of an entry.
pub fn index_keys(entry: &Entry) -> Vec<Vec<u8>> {
    IndexKey::of(entry)
        .iter()
        .map(|index| index.entry_key(entry.published, entry.id))
        .collect()
}

/// The sort time (Unix seconds) of an index key.
pub fn time_of(key: &[u8]) -> i64 {
    let start = key.len() - 24;
    let bytes: [u8; 8] = key[start..start + 8]
        .try_into()
        .expect("index keys end in 8 time bytes and a 16-byte id");
    (u64::from_be_bytes(bytes) ^ (1 << 63)) as i64
}

/// The entry an index key lists.
pub fn id_of(key: &[u8]) -> EntryId {
    let bytes: [u8; 16] = key[key.len() - 16..]
        .try_into()
        .expect("index keys end in a 16-byte id");
    EntryId(uuid::Uuid::from_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// The encoding is the store's layout: these bytes are on operators' disks.
    #[test]
    fn keys_keep_the_layout_and_sort_by_time() {
        let id = EntryId::from_key("x");
        let time = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
        let key = IndexKey::Region("ireland".into()).entry_key(time, id);
        assert!(key.starts_with(b"r:ireland\0"));
        assert_eq!(time_of(&key), time.timestamp());
        assert_eq!(id_of(&key), id);
        assert_eq!(IndexKey::All.prefix(), b"all\0");
        assert_eq!(IndexKey::Articles.prefix(), b"a\0");
        assert_eq!(
            IndexKey::Source(SourceId::new(&"http://x/f".parse().unwrap())).prefix(),
            b"s:http://x/f\0"
        );
        let before = Utc.with_ymd_and_hms(1960, 1, 1, 0, 0, 0).unwrap();
        assert!(IndexKey::All.entry_key(before, id) < IndexKey::All.entry_key(time, id));
    }

    #[test]
    fn cursors_read_back_what_they_write_and_nothing_else() {
        let key = IndexKey::All.entry_key(Utc::now(), EntryId(uuid::Uuid::from_u128(7)));
        let cursor = Cursor::of_key(&key);
        let text = cursor.to_string();
        assert_eq!(text.len(), 48);
        assert_eq!(Cursor::parse(&text), Some(cursor));
        assert_eq!(cursor.key_in(&IndexKey::All), key);
        for bad in [
            "",
            "00",
            &"g".repeat(48),
            &"0".repeat(47),
            &"0".repeat(49),
            &"é".repeat(24),
        ] {
            assert_eq!(Cursor::parse(bad), None, "{bad:?}");
        }
    }
}
