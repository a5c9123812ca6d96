//! feeds.toml: any text gives a config or errors with a position, never a panic.
#![no_main]

use std::path::Path;

use islands::config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(errors) = Config::from_toml(Path::new("feeds.toml"), text) {
        assert!(!errors.0.is_empty());
        for error in &errors.0 {
            assert!(error.to_string().starts_with("feeds.toml"));
        }
    }
});
