//! What the store writes to disk: every value carries the layout version beside its data, and
//! every read checks it, so a store written by another layout is refused with a clear error
//! instead of being misread. These types are private to the store.
//!
//! Migration path: a new layout bumps [`LAYOUT`], keeps the old types here, and converts each
//! value it finds with the old version (at open, logged), before this check ever refuses one.

use serde::{Deserialize, Serialize};

use super::{Store, StoreError};

/// The layout version this build writes and reads.
pub const LAYOUT: u32 = 1;

/// A value as written: its layout version beside the data.
#[derive(Serialize, Deserialize)]
struct Stored<T> {
    v: u32,
    #[serde(flatten)]
    data: T,
}

/// Only the version, read before the data so a foreign layout is named as such.
#[derive(Deserialize)]
struct Version {
    v: u32,
}

pub fn encode<T: Serialize>(data: &T) -> Vec<u8> {
    serde_json::to_vec(&Stored { v: LAYOUT, data }).expect("our types always serialize")
}

impl Store {
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
        let version: Version = serde_json::from_slice(bytes).map_err(decode_error)?;
        if version.v != LAYOUT {
            return Err(StoreError::Layout {
                path: self.path.clone(),
                key: key.to_string(),
                found: version.v,
            });
        }
        serde_json::from_slice::<Stored<T>>(bytes)
            .map(|stored| stored.data)
            .map_err(decode_error)
    }
}
