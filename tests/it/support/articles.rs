//! Articles: the Markdown files the daemon publishes, and writing them as an editor does.

use super::*;

/// The `published` date of every [`article_text`].
pub const ARTICLE_PUBLISHED: &str = "2026-11-24T09:00:00Z";

/// An article by `grace-kennedy`, published [`ARTICLE_PUBLISHED`]. Line 2 is the title, line 3
/// the author (its value at column 10), line 4 the regions (absent when `regions` is empty; the
/// first region at column 12), then the date; `extra` holds further front matter lines, each
/// ending in a newline.
pub fn article_text(title: &str, regions: &[&str], extra: &str, body: &str) -> String {
    let regions = if regions.is_empty() {
        String::new()
    } else {
        format!("regions = {}\n", toml_value(&regions))
    };
    format!(
        "+++\ntitle = {}\nauthor = \"grace-kennedy\"\n{regions}\
         published = {ARTICLE_PUBLISHED}\n{extra}+++\n{body}",
        toml_value(&title)
    )
}

/// `+++\nFRONT+++\nBODY` -> (FRONT, BODY); `None` when the text has no such front matter.
pub fn split_front_matter(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix("+++\n")?;
    let end = rest.find("\n+++\n")?;
    Some((&rest[..end + 1], &rest[end + "\n+++\n".len()..]))
}

/// The strings of a TOML array (none when it is absent or not one).
pub fn toml_strings(value: Option<&toml::Value>) -> Vec<String> {
    value
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(toml::Value::as_str)
        .map(str::to_string)
        .collect()
}

/// Like [`workdir`], with `files` (name, text) already in `articles/`.
pub fn workdir_with_articles(
    config_toml: &str,
    files: &[(impl AsRef<str>, impl AsRef<str>)],
) -> TempDir {
    let dir = workdir(config_toml);
    for (name, text) in files {
        let name = name.as_ref();
        std::fs::write(dir.path().join("articles").join(name), text.as_ref())
            .unwrap_or_else(|error| panic!("write articles/{name}: {error}"));
    }
    dir
}

/// Writes `path` the way careful editors do: a hidden temporary file in its folder, then a
/// rename over it.
pub fn write_atomically(path: &Path, text: &str) {
    let name = path
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or_else(|| panic!("{} has no UTF-8 file name", path.display()));
    let temporary = path.with_file_name(format!(".{name}.tmp"));
    std::fs::write(&temporary, text)
        .unwrap_or_else(|error| panic!("write {}: {error}", temporary.display()));
    std::fs::rename(&temporary, path).unwrap_or_else(|error| {
        panic!(
            "rename {} over {}: {error}",
            temporary.display(),
            path.display()
        )
    });
}

/// The names of the files in `folder`, sorted.
pub fn file_names(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap_or_else(|error| panic!("list {}: {error}", folder.display()))
        .map(|item| {
            item.expect("read a folder entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}
