//! Micropub bodies (form and JSON): parsing never panics, and applying what parses to a real
//! store either succeeds or answers a Micropub error.
#![no_main]

use std::path::Path;
use std::sync::LazyLock;

use chrono::{TimeZone, Utc};
use islands::config::Config;
use islands::articles::micropub::{apply, parse_form, parse_json};
use islands::store::Store;
use libfuzzer_sys::fuzz_target;

struct Fixture {
    config: Config,
    store: Store,
    _dir: tempfile::TempDir,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::from_toml(
        Path::new("feeds.toml"),
        "[site]\ntitle = \"T\"\nbase_url = \"http://islands.example/\"\n[server]\nlisten = \"127.0.0.1:0\"\n\
         [store]\npath = \"store\"\n[schedule]\nrefresh = \"0 */15 * * * *\"\n\
         [authors.grace-kennedy]\nname = \"Grace Kennedy\"\n[[region]]\nslug = \"cyprus\"\nname = \"Cyprus\"\n",
    )
    .unwrap();
    let store = Store::open(&dir.path().join("store"), 8 << 20).unwrap();
    Fixture {
        config,
        store,
        _dir: dir,
    }
});

fuzz_target!(|data: &[u8]| {
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap();
    let action = match data.first() {
        Some(b'{') => parse_json(data).ok(),
        _ => parse_form(data).ok().map(|(action, _)| action),
    };
    if let Some(action) = action {
        let fixture = &*FIXTURE;
        if let Err(error) = apply(&fixture.config, &fixture.store, "grace-kennedy", action, now) {
            assert!((400..600).contains(&error.status), "{error:?}");
        }
    }
});
