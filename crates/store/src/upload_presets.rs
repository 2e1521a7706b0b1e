//! Upload presets kept in the asset database, so every replica sees one set.
//! The store keeps each preset's settings as given (parameter name -> wire
//! value); which parameters a preset may carry is the API's rule.

use std::collections::BTreeMap;

use crate::cursor;
use crate::db::{with_pool, Database};
use crate::StoreError;

/// One preset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadPreset {
    pub name: String,
    /// Usable by uploads that carry no signature.
    pub unsigned: bool,
    /// Upload parameters, by name, as wire strings.
    pub settings: BTreeMap<String, String>,
}

/// A page of presets, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresetPage {
    pub presets: Vec<UploadPreset>,
    /// Opaque; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// Presets in the database.
#[derive(Debug, Clone)]
pub struct UploadPresets {
    db: Database,
}

type PresetRow = (String, i64, String);

impl UploadPresets {
    pub(crate) fn new(db: Database) -> Self {
        UploadPresets { db }
    }

    /// Stores a new preset; `false` (and nothing written) when the name is taken.
    pub async fn create(&self, preset: &UploadPreset, now: i64) -> Result<bool, StoreError> {
        let created = with_pool!(&self.db, pool => {
            sqlx::query(
                "INSERT INTO upload_presets (name, unsigned, settings, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING",
            )
            .bind(&preset.name)
            .bind(i64::from(preset.unsigned))
            .bind(encode_settings(&preset.settings))
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(created == 1)
    }

    pub async fn get(&self, name: &str) -> Result<Option<UploadPreset>, StoreError> {
        let row: Option<PresetRow> = with_pool!(&self.db, pool => {
            sqlx::query_as("SELECT name, unsigned, settings FROM upload_presets WHERE name = $1")
                .bind(name)
                .fetch_optional(pool)
                .await?
        });
        row.map(decode_row).transpose()
    }

    /// Up to `limit` presets after `cursor`, by name.
    pub async fn list(&self, limit: u32, cursor: Option<&str>) -> Result<PresetPage, StoreError> {
        let after = match cursor {
            Some(text) => cursor::position(text)?,
            None => String::new(),
        };
        let rows: Vec<PresetRow> = with_pool!(&self.db, pool => {
            sqlx::query_as(
                "SELECT name, unsigned, settings FROM upload_presets WHERE name > $1 \
                 ORDER BY name LIMIT $2",
            )
            .bind(&after)
            .bind(i64::from(limit) + 1)
            .fetch_all(pool)
            .await?
        });
        let mut presets = rows
            .into_iter()
            .map(decode_row)
            .collect::<Result<Vec<_>, _>>()?;
        let next_cursor = if presets.len() > limit as usize {
            presets.truncate(limit as usize);
            presets.last().map(|last| cursor::encode(&last.name))
        } else {
            None
        };
        Ok(PresetPage {
            presets,
            next_cursor,
        })
    }

    /// Replaces `current` (the preset as the caller read it) with `updated`
    /// (same name), only if the stored preset is still `current`: `false`
    /// when it changed or went meanwhile, and the caller reads it again.
    /// Settings are encoded deterministically (sorted keys), so comparing
    /// the stored text compares the settings.
    pub async fn replace(
        &self,
        current: &UploadPreset,
        updated: &UploadPreset,
    ) -> Result<bool, StoreError> {
        let replaced = with_pool!(&self.db, pool => {
            sqlx::query(
                "UPDATE upload_presets SET unsigned = $1, settings = $2 \
                 WHERE name = $3 AND unsigned = $4 AND settings = $5",
            )
            .bind(i64::from(updated.unsigned))
            .bind(encode_settings(&updated.settings))
            .bind(&current.name)
            .bind(i64::from(current.unsigned))
            .bind(encode_settings(&current.settings))
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(replaced == 1)
    }

    /// `false` when there was no preset of that name.
    pub async fn delete(&self, name: &str) -> Result<bool, StoreError> {
        let deleted = with_pool!(&self.db, pool => {
            sqlx::query("DELETE FROM upload_presets WHERE name = $1")
                .bind(name)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(deleted == 1)
    }
}

fn encode_settings(settings: &BTreeMap<String, String>) -> String {
    serde_json::to_string(settings).unwrap_or_else(|_| "{}".to_owned())
}

fn decode_row((name, unsigned, settings): PresetRow) -> Result<UploadPreset, StoreError> {
    let settings = serde_json::from_str(&settings).map_err(|e| StoreError::CorruptRow {
        asset_id: format!("upload preset {name}"),
        reason: e.to_string(),
    })?;
    Ok(UploadPreset {
        name,
        unsigned: unsigned != 0,
        settings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Backend, Sandbox};

    fn preset(name: &str, unsigned: bool, settings: &[(&str, &str)]) -> UploadPreset {
        UploadPreset {
            name: name.to_owned(),
            unsigned,
            settings: settings
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[tokio::test]
    async fn presets_are_created_read_replaced_listed_and_deleted() {
        for backend in Backend::ALL {
            let sandbox = Sandbox::new(backend).await;
            let presets =
                UploadPresets::new(sandbox.store().await.expect("store").database().clone());
            let thumbs = preset("thumbs", true, &[("phash", "1"), ("folder", "t")]);
            assert!(presets.create(&thumbs, 1).await.unwrap());
            let thumbs_read = thumbs.clone();
            assert!(
                !presets
                    .create(&preset("thumbs", false, &[]), 2)
                    .await
                    .unwrap(),
                "{backend}: a taken name is refused"
            );
            assert_eq!(presets.get("thumbs").await.unwrap(), Some(thumbs_read));
            assert_eq!(presets.get("none").await.unwrap(), None);

            let signed = preset("thumbs", false, &[("colors", "1")]);
            assert!(presets.replace(&thumbs, &signed).await.unwrap());
            assert_eq!(presets.get("thumbs").await.unwrap(), Some(signed.clone()));
            assert!(
                !presets.replace(&thumbs, &signed).await.unwrap(),
                "{backend}: a replace from a stale read changes nothing"
            );
            let none = preset("none", false, &[]);
            assert!(!presets.replace(&none, &none).await.unwrap());

            for name in ["a", "b", "c"] {
                presets.create(&preset(name, false, &[]), 3).await.unwrap();
            }
            let first = presets.list(2, None).await.unwrap();
            let names: Vec<&str> = first.presets.iter().map(|p| p.name.as_str()).collect();
            assert_eq!(names, ["a", "b"], "{backend}");
            let rest = presets.list(2, first.next_cursor.as_deref()).await.unwrap();
            let names: Vec<&str> = rest.presets.iter().map(|p| p.name.as_str()).collect();
            assert_eq!(names, ["c", "thumbs"]);
            assert_eq!(rest.next_cursor, None);

            assert!(presets.delete("a").await.unwrap());
            assert!(!presets.delete("a").await.unwrap());
            assert_eq!(presets.get("a").await.unwrap(), None);
        }
    }
}
