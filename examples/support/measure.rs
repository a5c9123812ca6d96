//! What the benchmarks measure of the process and the disk (`#[path]` module, as `news.rs`).

#![allow(dead_code)]

use std::path::Path;

/// What `du` counts: allocated blocks of every file under `path`.
pub fn disk_usage(path: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let mut total = 0;
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    for entry in entries.flatten() {
        let Ok(metadata) = entry.metadata() else {
            continue;
        };
        total += metadata.blocks() * 512;
        if metadata.is_dir() {
            total += disk_usage(&entry.path());
        }
    }
    total
}

/// A line of /proc/self/status (`VmRSS`, `RssAnon`, ...), in kB.
pub fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with(field))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kb| kb.parse().ok())
        })
        .unwrap_or(0)
}
