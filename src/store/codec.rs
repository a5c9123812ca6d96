//! What the store writes to disk: every value carries the layout version beside its data, and
//! every read checks it, so a store written by another layout is refused with a clear error
//! instead of being misread. These types are private to the store.
//!
//! Migration path: a new layout bumps [`LAYOUT`], keeps the old types here, and converts each
//! value it finds with the old version (at open, logged), before this check ever refuses one.
//! A layout that only adds what serde fills by default reads the old values as they are, and
//! says so in [`OLDEST_READ`].
//!
//! Layouts: 1, the first; 2 (issue 18), a story's reports are keys of their own, no longer a
//! list in its record (the records of layout 1 are converted at open, in `stories`). Every
//! other value reads the same in both, so layout 1 values are read as they are. A build of
//! layout 1 refuses what this one writes, with the layout error, instead of misreading it.
//!
//! The envelope: a value of [`COMPRESS_FROM`] bytes or more is stored as the byte
//! [`LZ4_ENVELOPE`] and an LZ4 block of its JSON (the JSON's size first); a smaller one as its
//! JSON, which always starts with `{`. Both read back the same, so a store written before the
//! envelope needs no migration: its values are read as they are, and written compressed the
//! next time they change (`islands migrate` rewrites them all at once: [`Store::migrate`]).

use serde::{Deserialize, Serialize};

use super::{Store, StoreError};

/// The layout version this build writes.
pub const LAYOUT: u32 = 2;

/// The oldest layout version this build reads (see the module's notes).
pub const OLDEST_READ: u32 = 1;

/// A value as written: its layout version beside the data, `{"v":1,...}`. The JSON that
/// `Stored` (`#[serde(flatten)]`) wrote, without serde's flatten at either end: a flattened
/// read buffers the whole value as `serde::Content` first, and was a fifth of a cold ingest's
/// CPU (issue 18). Only tests still write it the old way, to prove the two agree.
#[cfg(test)]
#[derive(Serialize)]
struct Stored<T> {
    v: u32,
    #[serde(flatten)]
    data: T,
}

/// The version field every value starts with, as [`encode`] writes it.
const VERSION_FIELD: &[u8] = b"{\"v\":";

/// `data`'s JSON object with the layout version as its first field.
fn versioned<T: Serialize>(data: &T) -> Vec<u8> {
    let object = serde_json::to_vec(data).expect("our types always serialize");
    debug_assert!(object.starts_with(b"{"), "stored values are JSON objects");
    let mut json = Vec::with_capacity(object.len() + 8);
    json.extend_from_slice(VERSION_FIELD);
    json.extend_from_slice(LAYOUT.to_string().as_bytes());
    if object.len() > 2 {
        json.push(b',');
    }
    json.extend_from_slice(&object[1..]);
    json
}

/// The version of a value that starts the way [`versioned`] writes it, without reading the
/// rest; `None` when it does not (a value some other writer wrote, or not a value at all).
fn leading_version(json: &[u8]) -> Option<u32> {
    let digits = json.strip_prefix(VERSION_FIELD)?;
    let end = digits.iter().position(|b| !b.is_ascii_digit())?;
    if !matches!(digits[end], b',' | b'}') {
        return None;
    }
    std::str::from_utf8(&digits[..end]).ok()?.parse().ok()
}

/// Only the version, read before the data so a foreign layout is named as such.
#[derive(Deserialize)]
struct Version {
    v: u32,
}

/// The first byte of a compressed value (JSON never starts with it).
pub const LZ4_ENVELOPE: u8 = 1;

/// Values this large or larger are compressed: entries with their HTML, stories. Source state,
/// subscriptions and small records stay plain JSON, readable with any tool.
pub const COMPRESS_FROM: usize = 512;

pub fn encode<T: Serialize>(data: &T) -> Vec<u8> {
    let json = versioned(data);
    if json.len() < COMPRESS_FROM {
        return json;
    }
    envelope(&json)
}

/// `json` compressed, in the envelope.
fn envelope(json: &[u8]) -> Vec<u8> {
    let compressed = lz4_flex::compress_prepend_size(json);
    let mut value = Vec::with_capacity(compressed.len() + 1);
    value.push(LZ4_ENVELOPE);
    value.extend_from_slice(&compressed);
    value
}

/// The JSON of a stored value, out of its envelope.
fn json_of(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, serde_json::Error> {
    match bytes.split_first() {
        Some((&LZ4_ENVELOPE, compressed)) => lz4_flex::decompress_size_prepended(compressed)
            .map(std::borrow::Cow::Owned)
            .map_err(|error| {
                <serde_json::Error as serde::de::Error>::custom(format!(
                    "a compressed value that does not decompress: {error}"
                ))
            }),
        _ => Ok(std::borrow::Cow::Borrowed(bytes)),
    }
}

impl Store {
    /// Rewrites every large value still stored as plain JSON (a store written before the
    /// envelope) as a compressed one; `progress` hears `(done, total)` per tree. Returns how
    /// many values were rewritten, of how many read. The values mean the same before and after:
    /// only their envelope changes. Blocking; the daemon must not hold the store.
    pub fn migrate(
        &self,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<(usize, usize), StoreError> {
        let trees = [
            &self.entries,
            &self.deleted,
            &self.ruled,
            &self.comments,
            &self.stories,
            &self.sources,
        ];
        let total: usize = trees.iter().map(|tree| tree.len()).sum();
        let (mut rewritten, mut read) = (0, 0);
        for tree in trees {
            for item in tree.iter() {
                let (key, bytes) = item.map_err(|e| self.error(e))?;
                read += 1;
                let plain_json = bytes.first() == Some(&b'{')
                    && bytes.len() >= COMPRESS_FROM
                    && serde_json::from_slice::<Version>(&bytes).is_ok();
                if plain_json {
                    tree.insert(key, envelope(&bytes))
                        .map_err(|e| self.error(e))?;
                    rewritten += 1;
                }
                if read % 1000 == 0 {
                    progress(read, total);
                }
            }
        }
        progress(read, total);
        self.flush()?;
        Ok((rewritten, read))
    }

    /// Reads a value written by [`encode`]; `key` names the record in errors.
    pub(super) fn decode<T: for<'de> Deserialize<'de>>(
        &self,
        bytes: &[u8],
        key: &str,
    ) -> Result<T, StoreError> {
        let decode_error = |source| StoreError::Decode {
            path: self.path.clone(),
            key: key.to_string(),
            source,
        };
        let bytes = json_of(bytes).map_err(decode_error)?;
        let bytes = &bytes[..];
        let version = match leading_version(bytes) {
            Some(version) => version,
            None => {
                serde_json::from_slice::<Version>(bytes)
                    .map_err(decode_error)?
                    .v
            }
        };
        if !(OLDEST_READ..=LAYOUT).contains(&version) {
            return Err(StoreError::Layout {
                path: self.path.clone(),
                key: key.to_string(),
                found: version,
            });
        }
        // The data's fields beside `v`: serde ignores the one it does not know.
        serde_json::from_slice::<T>(bytes).map_err(decode_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store written before the envelope holds plain JSON values of every size: they read
    /// as they are, and large values are written compressed from now on.
    #[test]
    fn plain_and_compressed_values_read_back_the_same() {
        let (_dir, store) = crate::store::tests::open();
        let long = crate::store::tests::entry(&"x".repeat(2000), 0, "ie");
        let short = crate::store::tests::entry("short", 0, "ie");
        for entry in [&long, &short] {
            let before_the_envelope = serde_json::to_vec(&Stored {
                v: LAYOUT,
                data: entry,
            })
            .unwrap();
            let read: crate::model::Entry = store.decode(&before_the_envelope, "old").unwrap();
            assert_eq!(&read, entry);
            assert_eq!(versioned(entry), before_the_envelope);
            let written = encode(entry);
            let read: crate::model::Entry = store.decode(&written, "new").unwrap();
            assert_eq!(&read, entry);
        }
        let written = encode(&long);
        assert_eq!(written[0], LZ4_ENVELOPE);
        assert!(written.len() < serde_json::to_vec(&long).unwrap().len() / 2);
        assert_eq!(encode(&short)[0], b'{');

        let mut broken = written.clone();
        broken.truncate(written.len() / 2);
        let error = store
            .decode::<crate::model::Entry>(&broken, "broken")
            .unwrap_err()
            .to_string();
        assert!(error.contains("broken"), "{error}");
    }

    /// The version is read from the value's start when it is where `encode` puts it, and from
    /// the whole object otherwise; a foreign version is refused either way.
    #[test]
    fn the_layout_version_is_checked_wherever_it_stands() {
        assert_eq!(leading_version(br#"{"v":1,"a":2}"#), Some(1));
        assert_eq!(leading_version(br#"{"v":12}"#), Some(12));
        assert_eq!(leading_version(br#"{"v":1x}"#), None);
        assert_eq!(leading_version(br#"{"a":2,"v":1}"#), None);
        assert_eq!(leading_version(b"{\"v\":"), None);
        #[derive(Serialize, Deserialize, Debug, PartialEq, Default)]
        struct Nothing {}
        assert_eq!(
            versioned(&Nothing {}),
            format!("{{\"v\":{LAYOUT}}}").as_bytes()
        );

        let (_dir, store) = crate::store::tests::open();
        let moved: Nothing = store.decode(br#"{"x":true,"v":2}"#, "moved").unwrap();
        assert_eq!(moved, Nothing {});
        let older: Nothing = store.decode(br#"{"v":1,"x":true}"#, "older").unwrap();
        assert_eq!(older, Nothing {});
        for foreign in [&br#"{"v":3,"x":1}"#[..], br#"{"x":1,"v":3}"#, br#"{"v":0}"#] {
            let error = store.decode::<Nothing>(foreign, "foreign").unwrap_err();
            assert!(matches!(error, StoreError::Layout { .. }), "{error}");
        }
    }
}
