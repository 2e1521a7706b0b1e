//! Structured metadata values are written in the asset's transaction and
//! only against the field revision they were checked with, on both
//! databases: a field redefined or deleted after the check stores nothing,
//! neither the value nor the asset version it came with.

// A test: a panic is its failure report.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use bytes::Bytes;
use store::metadata_fields::{
    Created, FieldDefinition, FieldType, MetadataValue, MetadataWrite, Restrictions, WriteAction,
};
use store::testing::{Backend, Sandbox};
use store::{AssetKey, AssetUpdate, Coordinates, NewAsset, OnExisting, StoreError, StoredAnalysis};

fn new_asset(public_id: &str) -> NewAsset {
    NewAsset {
        key: AssetKey::new("image", "upload", public_id),
        format: "png".into(),
        width: 1,
        height: 1,
        etag: "0123456789abcdef0123456789abcdef".into(),
        pages: 1,
        tags: Vec::new(),
        context: BTreeMap::new(),
        coordinates: Coordinates::default(),
        original_filename: None,
        folder: String::new(),
        access_mode: "public".into(),
        analysis: StoredAnalysis::default(),
    }
}

fn definition(label: &str) -> FieldDefinition {
    FieldDefinition {
        label: label.into(),
        mandatory: false,
        default_value: None,
        default_disabled: false,
        validation: None,
        restrictions: Restrictions::default(),
        allow_dynamic_list_values: false,
        datasource: Vec::new(),
    }
}

#[tokio::test]
async fn a_value_checked_against_an_older_revision_stores_nothing() {
    for backend in Backend::ALL {
        let sandbox = Sandbox::new(backend).await;
        let store = sandbox.store().await.unwrap();
        let fields = store.metadata_fields();
        let Created::Created(sku) = fields
            .create("sku", FieldType::String, &definition("SKU"), 1)
            .await
            .unwrap()
        else {
            panic!("{backend}: not created");
        };
        let sku = *sku;
        let set = |value: &str, field: &store::metadata_fields::MetadataField| MetadataWrite {
            field_id: field.id,
            external_id: field.external_id.clone(),
            revision: field.revision,
            action: WriteAction::Set(MetadataValue::Text(value.into())),
        };
        let checked = vec![set("A-1", &sku)];
        // Redefined after the value was checked against it.
        let relabelled = fields
            .replace(&sku, &definition("Stock unit"))
            .await
            .unwrap()
            .unwrap();

        let refused = store
            .ingest_with_metadata(
                new_asset("a"),
                Bytes::from_static(b"x"),
                OnExisting::Overwrite,
                &checked,
            )
            .await;
        assert!(
            matches!(refused, Err(StoreError::MetadataFieldChanged(ref id)) if id == "sku"),
            "{backend}: {refused:?}"
        );
        assert!(
            matches!(
                store.get(&AssetKey::new("image", "upload", "a")).await,
                Err(StoreError::NotFound(_))
            ),
            "{backend}: the version it came with was not stored either"
        );

        // Against the current revision it is written, with the version.
        let ingested = store
            .ingest_with_metadata(
                new_asset("a"),
                Bytes::from_static(b"x"),
                OnExisting::Overwrite,
                &[set("A-1", &relabelled)],
            )
            .await
            .unwrap();
        let asset_id = ingested.asset.asset_id.clone();
        let stored = fields.values_of(&[asset_id.as_str()]).await.unwrap();
        assert_eq!(
            stored[&asset_id]["sku"],
            MetadataValue::Text("A-1".into()),
            "{backend}"
        );

        // A deleted field takes no update, and the update's other changes
        // are not applied either.
        assert!(fields.delete("sku").await.unwrap());
        let update = AssetUpdate {
            tags: Some(vec!["t".into()]),
            ..AssetUpdate::default()
        };
        let refused = store
            .update_with_metadata(&ingested.asset.key(), &update, &[set("A-2", &relabelled)])
            .await;
        assert!(
            matches!(refused, Err(StoreError::MetadataFieldChanged(_))),
            "{backend}: {refused:?}"
        );
        let asset = store.get(&ingested.asset.key()).await.unwrap();
        assert!(asset.tags.is_empty(), "{backend}: {:?}", asset.tags);
        assert!(
            fields
                .values_of(&[asset_id.as_str()])
                .await
                .unwrap()
                .is_empty(),
            "{backend}: the deletion took the value with it"
        );
        assert_eq!(
            fields
                .create("sku", FieldType::String, &definition("again"), 2)
                .await
                .unwrap(),
            Created::Exists,
            "{backend}: a deleted field's external_id stays taken"
        );
    }
}
