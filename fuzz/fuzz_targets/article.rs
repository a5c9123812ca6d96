//! Article files (front matter and Markdown): parsing never panics, and a parsed article
//! written back out parses to the same entry.
#![no_main]

use std::path::Path;
use std::sync::LazyLock;

use islands::articles::{ArticleText, parse_article};
use islands::config::Config;
use libfuzzer_sys::fuzz_target;

static CONFIG: LazyLock<Config> = LazyLock::new(|| {
    Config::from_toml(
        Path::new("feeds.toml"),
        "[site]\ntitle = \"T\"\nbase_url = \"http://islands.example/\"\n[server]\nlisten = \"127.0.0.1:0\"\n\
         [store]\npath = \"store\"\n[schedule]\nrefresh = \"0 */15 * * * *\"\n\
         [authors.grace-kennedy]\nname = \"Grace Kennedy\"\n[[region]]\nslug = \"ireland\"\nname = \"Ireland\"\n",
    )
    .unwrap()
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(parsed) = parse_article("2026-11-24-fuzz.md", text, &CONFIG) else {
        return;
    };
    if let Some(entry) = parsed.entry {
        let written = ArticleText::from_entry(&entry).unwrap().to_file_text();
        let again = parse_article("2026-11-24-fuzz.md", &written, &CONFIG)
            .unwrap_or_else(|error| panic!("written back out, the article fails: {error}\n{written}"));
        assert_eq!(again.entry.as_ref(), Some(&entry), "{written}");
    }
});
