//! `islands compact`: the store copied into a fresh one, which then takes its place.
//!
//! sled 0.34 keeps the space of values it rewrote: a store after one cold pass of 1,000 sources
//! held 78 MB of keys and values in 289 MB on disk, and a fresh copy of it took 173 MB (issue
//! 18). Nothing online gets that back; a copy does. The daemon must be stopped: sled locks its
//! folder, so opening a store a daemon holds fails, and nothing is touched.

use std::path::{Path, PathBuf};

use super::{StoreError, open_error};

/// Keys written per sled batch while copying. The size of the copy depends on it: a store of
/// 78 MB of keys and values (1,000 sources) copied by sled alone in batches of 10,000 took
/// 171-175 MB, of 3,000 141-172 MB, of 1,000 145-147 MB, of 500 149 MB, of 100 161 MB; by
/// `islands compact`, whose checksum pass makes sled rewrite some nodes, 173-179 MB with
/// 10,000 and 164-171 MB with 1,000 (3 runs each, issue 18).
const BATCH: usize = 1_000;

/// What a compaction did.
#[derive(Debug)]
pub struct Compacted {
    /// Bytes of the store's folder before and after (the search index inside it included).
    pub before: u64,
    pub after: u64,
    pub trees: usize,
    pub keys: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum CompactError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{path}: {action}")]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "store {path}: the copy does not read back as the store (checksums {original:08x} and {copy:08x}); the store was left as it was"
    )]
    Mismatch {
        path: PathBuf,
        original: u32,
        copy: u32,
    },
}

/// Copies the store at `path` into a fresh one beside it, checks that the copy holds the same
/// keys and values (sled's checksum of every tree), and swaps the two folders; files in the
/// folder that are not sled's (the search index) move into the new one. `progress` hears
/// `(keys copied, keys in all)`. Blocking.
pub fn compact(
    path: &Path,
    cache_capacity_bytes: u64,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Compacted, CompactError> {
    let before = folder_bytes(path)?;
    let original = sled::Config::new()
        .path(path)
        .cache_capacity(cache_capacity_bytes)
        .open()
        .map_err(|e| open_error(path, e))?;
    let copy_path = sibling(path, "compacting");
    // What a compaction that stopped half way left behind.
    remove_dir_if_present(&copy_path)?;
    let copy = sled::Config::new()
        .path(&copy_path)
        .cache_capacity(cache_capacity_bytes)
        .open()
        .map_err(|e| open_error(&copy_path, e))?;

    let names = original.tree_names();
    let mut total = 0;
    for name in &names {
        total += original
            .open_tree(name)
            .map_err(|e| open_error(path, e))?
            .len();
    }
    let mut keys = 0;
    for name in &names {
        let from = original.open_tree(name).map_err(|e| open_error(path, e))?;
        let into = copy
            .open_tree(name)
            .map_err(|e| open_error(&copy_path, e))?;
        let mut batch = sled::Batch::default();
        let mut pending = 0;
        for item in from.iter() {
            let (key, value) = item.map_err(|e| open_error(path, e))?;
            batch.insert(key, value);
            pending += 1;
            if pending == BATCH {
                into.apply_batch(std::mem::take(&mut batch))
                    .map_err(|e| open_error(&copy_path, e))?;
                keys += pending;
                pending = 0;
                progress(keys, total);
            }
        }
        into.apply_batch(batch)
            .map_err(|e| open_error(&copy_path, e))?;
        keys += pending;
        progress(keys, total);
    }
    copy.flush().map_err(|e| open_error(&copy_path, e))?;
    let (sum, copy_sum) = (
        original.checksum().map_err(|e| open_error(path, e))?,
        copy.checksum().map_err(|e| open_error(&copy_path, e))?,
    );
    drop((original, copy));
    if sum != copy_sum {
        remove_dir_if_present(&copy_path)?;
        return Err(CompactError::Mismatch {
            path: path.to_path_buf(),
            original: sum,
            copy: copy_sum,
        });
    }

    // The search index (and anything else of ours) moves into the copy.
    let entries = std::fs::read_dir(path).map_err(io(path, "listing the store's folder"))?;
    for entry in entries {
        let entry = entry.map_err(io(path, "listing the store's folder"))?;
        let name = entry.file_name();
        if !is_sled_file(&name.to_string_lossy()) {
            std::fs::rename(entry.path(), copy_path.join(&name))
                .map_err(io(&entry.path(), "moving it into the compacted store"))?;
        }
    }
    let old_path = sibling(path, "old");
    remove_dir_if_present(&old_path)?;
    std::fs::rename(path, &old_path).map_err(io(path, "moving the old store aside"))?;
    std::fs::rename(&copy_path, path).map_err(io(&copy_path, "moving the copy in place"))?;
    remove_dir_if_present(&old_path)?;
    Ok(Compacted {
        before,
        after: folder_bytes(path)?,
        trees: names.len(),
        keys,
    })
}

/// sled 0.34's own files in a store's folder.
fn is_sled_file(name: &str) -> bool {
    matches!(name, "conf" | "db" | "blobs") || name.starts_with("snap.")
}

/// `store` -> `store.SUFFIX`, beside it.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".");
    name.push(suffix);
    path.with_file_name(name)
}

fn remove_dir_if_present(path: &Path) -> Result<(), CompactError> {
    match std::fs::remove_dir_all(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(CompactError::Io {
            path: path.to_path_buf(),
            action: "removing a folder left by an earlier compaction",
            source: error,
        }),
        _ => Ok(()),
    }
}

/// The bytes of every file under `path`.
fn folder_bytes(path: &Path) -> Result<u64, CompactError> {
    let mut bytes = 0;
    let entries = std::fs::read_dir(path).map_err(io(path, "reading the store's folder"))?;
    for entry in entries {
        let entry = entry.map_err(io(path, "reading the store's folder"))?;
        let kind = entry.file_type().map_err(io(&entry.path(), "reading"))?;
        bytes += if kind.is_dir() {
            folder_bytes(&entry.path())?
        } else {
            entry
                .metadata()
                .map_err(io(&entry.path(), "reading"))?
                .len()
        };
    }
    Ok(bytes)
}

fn io(path: &Path, action: &'static str) -> impl FnOnce(std::io::Error) -> CompactError {
    let path = path.to_path_buf();
    move |source| CompactError::Io {
        path,
        action,
        source,
    }
}
