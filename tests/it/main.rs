//! Integration tests: the real `islands` binary, run as a child process against a local upstream,
//! and the daemon and its router in the test's own process (`in_process`).
//!
//! One binary for every capability, so the test suite links once (ripgrep's `tests/tests.rs`).
//! Each module covers one capability; `support` holds the upstream, the daemon and the helpers.
//! Nothing here reaches the internet: every URL is on 127.0.0.1.

mod articles;
mod comments;
mod core;
mod hardening;
mod in_process;
mod ingest;
mod micropub;
mod mirror;
mod operations;
mod operator;
mod publish;
mod review;
mod rules;
mod search;
mod stories;
mod support;
mod websub;
