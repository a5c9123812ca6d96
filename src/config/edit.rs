//! Edits of the operator's `feeds.toml` that islands makes itself (a moved source, `islands
//! source add` and `remove`), with toml_edit, so every comment and the layout stay as written.
//! An edit is checked as a whole config before it atomically replaces the file.

use std::path::Path;

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};
use url::Url;

use super::{Config, ConfigErrors};

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("{path} cannot be read as TOML: {message}")]
    Parse { path: String, message: String },
    #[error("{path}: {message}")]
    Refused { path: String, message: String },
    #[error("the edited file would not be a valid config:\n{0}")]
    Invalid(ConfigErrors),
    #[error("{action} {path}")]
    Io {
        action: &'static str,
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// The config file, parsed for editing.
pub struct ConfigFile {
    path: std::path::PathBuf,
    document: DocumentMut,
}

impl ConfigFile {
    pub fn read(path: &Path) -> Result<ConfigFile, EditError> {
        let text = std::fs::read_to_string(path).map_err(|source| EditError::Io {
            action: "reading",
            path: path.display().to_string(),
            source,
        })?;
        let document = text
            .parse()
            .map_err(|e: toml_edit::TomlError| EditError::Parse {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
        Ok(ConfigFile {
            path: path.to_path_buf(),
            document,
        })
    }

    fn refused(&self, message: String) -> EditError {
        EditError::Refused {
            path: self.path.display().to_string(),
            message,
        }
    }

    /// Every `[[region.source]]` table, with its region's slug.
    fn sources_mut(&mut self) -> impl Iterator<Item = (String, &mut Table)> {
        self.document
            .get_mut("region")
            .and_then(Item::as_array_of_tables_mut)
            .into_iter()
            .flat_map(|regions| regions.iter_mut())
            .flat_map(|region| {
                let slug = region
                    .get("slug")
                    .and_then(Item::as_str)
                    .unwrap_or_default()
                    .to_string();
                region
                    .get_mut("source")
                    .and_then(Item::as_array_of_tables_mut)
                    .into_iter()
                    .flat_map(|sources| sources.iter_mut())
                    .map(move |source| (slug.clone(), source))
            })
    }

    /// Points the source at `from` to `to`, with `# moved from FROM on DATE` beside it.
    pub fn move_source(
        &mut self,
        from: &Url,
        to: &Url,
        date: chrono::NaiveDate,
    ) -> Result<(), EditError> {
        let found = self.sources_mut().find_map(|(_, source)| {
            let url = source.get("url").and_then(Item::as_str)?;
            (Url::parse(url).ok().as_ref() == Some(from)).then_some(source)
        });
        let Some(source) = found else {
            return Err(self.refused(format!("no source has the url {from}")));
        };
        let mut url = toml_edit::Value::from(to.as_str());
        url.decor_mut().set_prefix(" ");
        url.decor_mut()
            .set_suffix(format!("   # moved from {from} on {date}"));
        source.insert("url", Item::Value(url));
        Ok(())
    }

    /// Adds a source to the region `slug`, after its last source.
    pub fn add_source(&mut self, slug: &str, name: &str, url: &Url) -> Result<(), EditError> {
        let taken = self.sources_mut().find_map(|(_, source)| {
            let same_name = source.get("name").and_then(Item::as_str) == Some(name);
            let same_url = source
                .get("url")
                .and_then(Item::as_str)
                .and_then(|u| Url::parse(u).ok())
                .as_ref()
                == Some(url);
            (same_name || same_url).then(|| {
                source
                    .get("name")
                    .and_then(Item::as_str)
                    .unwrap_or_default()
                    .to_string()
            })
        });
        if let Some(existing) = taken {
            return Err(self.refused(format!(
                "a source with this name or url is already there ({existing:?})"
            )));
        }
        let path = self.path.display().to_string();
        let regions = self
            .document
            .get_mut("region")
            .and_then(Item::as_array_of_tables_mut)
            .ok_or_else(|| EditError::Refused {
                path: path.clone(),
                message: "has no [[region]]".to_string(),
            })?;
        let region = regions
            .iter_mut()
            .find(|region| region.get("slug").and_then(Item::as_str) == Some(slug))
            .ok_or_else(|| EditError::Refused {
                path: path.clone(),
                message: format!("has no region with slug {slug:?}"),
            })?;
        if region.get("source").is_none() {
            region.insert("source", Item::ArrayOfTables(ArrayOfTables::new()));
        }
        let sources = region
            .get_mut("source")
            .and_then(Item::as_array_of_tables_mut)
            .ok_or_else(|| EditError::Refused {
                path,
                message: format!("region {slug:?}: `source` is not a list of tables"),
            })?;
        let mut table = Table::new();
        table.insert("name", value(name));
        table.insert("url", value(url.as_str()));
        sources.push(table);
        Ok(())
    }

    /// Removes the source named `name`; returns its region and url.
    pub fn remove_source(&mut self, name: &str) -> Result<(String, String), EditError> {
        let path = self.path.display().to_string();
        let regions = self
            .document
            .get_mut("region")
            .and_then(Item::as_array_of_tables_mut);
        for region in regions.into_iter().flat_map(|regions| regions.iter_mut()) {
            let slug = region
                .get("slug")
                .and_then(Item::as_str)
                .unwrap_or_default()
                .to_string();
            let Some(sources) = region
                .get_mut("source")
                .and_then(Item::as_array_of_tables_mut)
            else {
                continue;
            };
            let position = sources
                .iter()
                .position(|source| source.get("name").and_then(Item::as_str) == Some(name));
            if let Some(index) = position {
                let url: String = sources
                    .get(index)
                    .and_then(|source| source.get("url"))
                    .and_then(Item::as_str)
                    .unwrap_or_default()
                    .to_string();
                sources.remove(index);
                return Ok((slug, url));
            }
        }
        Err(EditError::Refused {
            path,
            message: format!("has no source named {name:?}"),
        })
    }

    /// Checks the edited file as a config, then replaces the file with it atomically; returns
    /// the new config.
    pub fn save(&self) -> Result<Config, EditError> {
        let text = self.document.to_string();
        let config = Config::from_toml(&self.path, &text).map_err(EditError::Invalid)?;
        let temporary = self.path.with_extension("toml.editing");
        let io = |action| {
            let path = self.path.display().to_string();
            move |source| EditError::Io {
                action,
                path,
                source,
            }
        };
        std::fs::write(&temporary, &text).map_err(io("writing"))?;
        std::fs::rename(&temporary, &self.path).map_err(io("replacing"))?;
        Ok(config)
    }

    pub fn text(&self) -> String {
        self.document.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"# the operator's comment
[site]
title = "T"
base_url = "http://127.0.0.1:8080/"

[server]
listen = "127.0.0.1:8080"

[store]
path = "store"

[schedule]
refresh = "0 */15 * * * *"   # every quarter hour

[[region]]
slug = "ireland"
name = "Ireland"

[[region.source]]
name = "RTE"   # the national broadcaster
url = "https://old.example/feed"

[[region.source]]
name = "Other"
url = "https://other.example/feed"
"#;

    fn file(dir: &tempfile::TempDir) -> ConfigFile {
        let path = dir.path().join("feeds.toml");
        std::fs::write(&path, TEXT).unwrap();
        ConfigFile::read(&path).unwrap()
    }

    #[test]
    fn a_move_changes_one_url_and_keeps_every_comment() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = file(&dir);
        let from = Url::parse("https://old.example/feed").unwrap();
        let to = Url::parse("https://new.example/feed.xml").unwrap();
        config
            .move_source(
                &from,
                &to,
                chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
            )
            .unwrap();
        let expected = TEXT.replace(
            "url = \"https://old.example/feed\"",
            "url = \"https://new.example/feed.xml\"   # moved from https://old.example/feed on 2026-12-02",
        );
        assert_eq!(config.text(), expected);
        config.save().unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("feeds.toml")).unwrap(),
            expected
        );
    }

    #[test]
    fn add_and_remove_keep_the_rest_and_refuse_what_makes_no_sense() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = file(&dir);
        let url = Url::parse("https://third.example/rss").unwrap();
        config.add_source("ireland", "Third", &url).unwrap();
        assert!(config.text().starts_with(TEXT), "{}", config.text());
        assert!(
            config.text().ends_with(
                "[[region.source]]\nname = \"Third\"\nurl = \"https://third.example/rss\"\n"
            ),
            "{}",
            config.text()
        );
        assert!(config.add_source("ireland", "Third", &url).is_err());
        assert!(config.add_source("cyprus", "Fourth", &url).is_err());
        assert_eq!(
            config.remove_source("Third").unwrap(),
            (
                "ireland".to_string(),
                "https://third.example/rss".to_string()
            )
        );
        assert_eq!(config.text(), TEXT);
        assert!(config.remove_source("Nobody").is_err());
    }
}
