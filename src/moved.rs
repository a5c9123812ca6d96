//! A source whose feed answers a permanent redirect (301, 308) to the same place on
//! [`MOVES_TO_FOLLOW`] fetches in a row has moved: its fetch state and stored entries follow it
//! to the new address, then `feeds.toml` is edited (toml_edit: `url` replaced, a `# moved from
//! OLD on DATE` comment beside it, nothing else touched) and the hot reload picks the edit up.
//! The store moves first, so the reload finds a source it knows at the new address (no flood
//! guard, no lost state); if the file cannot be written, the store is moved back.

use tracing::{info, warn};
use url::Url;

use crate::app::App;
use crate::config::Source;
use crate::config::edit::ConfigFile;
use crate::model::SourceId;

/// Permanent redirects in a row, to one place, before islands moves the source there.
pub const MOVES_TO_FOLLOW: u32 = 3;

pub async fn follow(app: &App, source: &Source, to: Url) {
    let config = app.config();
    let (from_id, to_id) = (source.id(), SourceId::new(&to));
    if config.sources().any(|other| other.id() == to_id) {
        warn!(source = %source.name, %to, "not moved: another source already has the new url");
        return;
    }
    let now = chrono::Utc::now();
    let moved = {
        let (from_id, to_id) = (from_id.clone(), to_id.clone());
        app.store
            .blocking(move |store| {
                let moved = store.move_source(&from_id, &to_id, now)?;
                store.commit()?;
                Ok::<_, crate::store::StoreError>(moved)
            })
            .await
    };
    let entries = match moved {
        Ok(entries) => entries,
        Err(error) => {
            warn!(source = %source.name, "not moved: {}", crate::report::Report(&error));
            return;
        }
    };
    let (from, path) = (source.url.clone(), config.path.clone());
    let to_in_file = to.clone();
    let edited = tokio::task::spawn_blocking(move || {
        let mut file = ConfigFile::read(&path)?;
        file.move_source(&from, &to_in_file, now.date_naive())?;
        file.save()
    })
    .await;
    let why = match edited {
        Ok(Ok(_)) => {
            info!(
                source = %source.name,
                from = %source.url,
                %to,
                entries,
                "moved permanently: feeds.toml now names the new url"
            );
            return;
        }
        Ok(Err(error)) => crate::report::Report(&error).to_string(),
        Err(error) => error.to_string(),
    };
    warn!(source = %source.name, %to, "feeds.toml not updated ({why}): update its url by hand");
    let undone = app
        .store
        .blocking(move |store| {
            store.move_source(&to_id, &from_id, now)?;
            let mut state = store.source_state(&from_id)?;
            state.moved_from = None;
            store.put_source_state(&from_id, &state)?;
            store.commit()
        })
        .await;
    if let Err(error) = undone {
        warn!(source = %source.name, "moving back: {}", crate::report::Report(&error));
    }
}
