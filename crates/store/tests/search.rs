//! The search API on both databases: a varied library goes in through
//! `Store::ingest`, and for each field and operator the search answers
//! exactly what filtering the stored assets in Rust answers; sorting with
//! cursor pagination returns every match once (also while assets are added
//! between pages); aggregations count what brute force counts; bad requests
//! and injection attempts are refused with their position or match nothing.

// A test or bench: a panic is its failure report (workspace lint `unwrap_used`
// covers the code that runs in production).
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map, Value};
use store::search::words;
use store::search::{
    AggregateRange, AggregateRequest, RangeField, SearchError, SortDirection, SortField, SortKey,
};
use store::testing::{Backend, Sandbox};
use store::{
    Asset, AssetKey, ColorResults, Coordinates, Database, NewAsset, OnExisting, SearchRequest,
    Store, StoreError, StoredAnalysis,
};

const LIBRARY_SIZE: usize = 200;
const DAY: i64 = 86_400;

type Predicate = Box<dyn Fn(&Asset) -> bool>;

fn filename(asset: &Asset) -> &str {
    asset.public_id.rsplit('/').next().unwrap_or("")
}

fn colour_names(asset: &Asset) -> Vec<String> {
    let Some(colors) = &asset.analysis.colors else {
        return Vec::new();
    };
    let mut names = Vec::new();
    for palette in colors
        .predominant
        .as_object()
        .into_iter()
        .flat_map(|o| o.values())
    {
        for entry in palette.as_array().into_iter().flatten() {
            if let Some(name) = entry[0].as_str() {
                names.push(name.to_string());
            }
        }
    }
    names
}

fn metadata<'a>(asset: &'a Asset, tag: &str) -> Option<&'a str> {
    asset.analysis.media_metadata.as_ref()?.get(tag)?.as_str()
}

/// What `:` on free text means: the term's words, in order, in the value.
fn has_words(value: &str, term: &str) -> bool {
    words::contains(value, &words::split(term))
}

fn tagged(asset: &Asset, term: &str) -> bool {
    asset.tags.iter().any(|tag| has_words(tag, term))
}

/// A number of an analysis object (`quality_analysis.pixel_score`).
fn score(asset: &Asset, family: &str, key: &str) -> Option<f64> {
    let object = match family {
        "quality_analysis" => asset.analysis.quality_analysis.as_ref(),
        "accessibility_analysis" => asset.analysis.accessibility_analysis.as_ref(),
        _ => asset.analysis.cinemagraph_analysis.as_ref(),
    };
    object?.get(key)?.as_f64()
}

fn aspect(asset: &Asset) -> f64 {
    f64::from(asset.width) / f64::from(asset.height)
}

/// The i-th asset of the library: every searchable field varies.
/// What the library's OCR read: words that share prefixes, a plate, a word
/// glued to its neighbour, punctuation, non-ASCII letters.
const OCR_LINES: [&str; 7] = [
    "INVOICE No. 2025-17\nTotal due: 12.50 EUR",
    "Invoices archive",
    "plate RE16 TGK",
    "RE16TGK",
    "due total",
    "Café été — menu",
    "",
];

/// The pages `adv_ocr` read, joined by a line feed, as the index joins them.
fn ocr_text(asset: &Asset) -> Option<String> {
    let pages = asset.analysis.info.as_ref()?["ocr"]["adv_ocr"]["data"].as_array()?;
    let texts: Vec<&str> = pages
        .iter()
        .filter_map(|page| page["fullTextAnnotation"]["text"].as_str())
        .collect();
    (!texts.is_empty()).then(|| texts.join("\n"))
}

/// The OCR text holds `term`'s words next to each other, in order; with
/// `prefix`, the last one need only start a word.
fn ocr_has(asset: &Asset, term: &str, prefix: bool) -> bool {
    let Some(text) = ocr_text(asset) else {
        return false;
    };
    let term = words::split(term);
    let text = words::split(&text);
    text.windows(term.len()).any(|window| {
        window
            .iter()
            .zip(&term)
            .enumerate()
            .all(|(i, (word, wanted))| {
                if prefix && i == term.len() - 1 {
                    word.starts_with(wanted.as_str())
                } else {
                    word == wanted
                }
            })
    })
}

fn library_asset(i: usize, rng: &mut StdRng) -> (NewAsset, usize) {
    let public_id = match i % 5 {
        0 => format!("animals/cat_{i}"),
        1 => format!("cities/paris/p_{i}"),
        2 => format!("x{i}"),
        3 => format!("café/été {i}"),
        _ => format!("animals/dogs/dog_{i}"),
    };
    let folder = public_id
        .rsplit_once('/')
        .map(|(folder, _)| folder.to_string())
        .unwrap_or_default();
    let resource_type = ["image", "image", "image", "raw", "video"][i % 5];
    let delivery_type = ["upload", "upload", "private", "authenticated"][i % 4];
    let format = *["jpg", "jpg", "png", "webp", "gif", "pdf"]
        .choose(rng)
        .unwrap();
    let width = *[100u32, 480, 500, 640, 1000, 1920, 4000, 4032, 6000]
        .choose(rng)
        .unwrap();
    let height = *[100u32, 300, 480, 1080, 3000, 4500].choose(rng).unwrap();
    let all_tags = ["red", "blue", "summer", "sale", "Sale", "two words"];
    let mut tags: Vec<String> = all_tags
        .iter()
        .filter(|_| rng.random_bool(0.3))
        .map(|t| t.to_string())
        .collect();
    if i.is_multiple_of(37) {
        tags.push("rare_tag".into());
    }
    let mut context = BTreeMap::new();
    if rng.random_bool(0.6) {
        let alt = *["dog", "dogma", "cat", "red"].choose(rng).unwrap();
        context.insert("alt".to_string(), alt.to_string());
    }
    if rng.random_bool(0.3) {
        context.insert("caption".to_string(), "a b".to_string());
    }
    let faces: Vec<[u32; 4]> = (0..rng.random_range(0..4))
        .map(|f| [f, f, 10, 10])
        .collect();
    let mut analysis = StoredAnalysis::default();
    if rng.random_bool(0.7) {
        let google = *["red", "blue", "green", "white"].choose(rng).unwrap();
        let css = *["maroon", "navy", "white"].choose(rng).unwrap();
        analysis.colors = Some(ColorResults {
            colors: json!([["#FF0000", 60.0]]),
            predominant: json!({"google": [[google, 60.0], ["black", 40.0]], "cloudinary": [[css, 100.0]]}),
            color_histogram: None,
            illustration_score: f64::from(rng.random_range(0..=10u8)) / 10.0,
            semi_transparent: rng.random_bool(0.2),
            grayscale: rng.random_bool(0.3),
        });
    }
    if rng.random_bool(0.5) {
        analysis.quality_score = Some(f64::from(rng.random_range(0..=20u8)) / 20.0);
        let tenth = |rng: &mut StdRng| f64::from(rng.random_range(0..=10u8)) / 10.0;
        // A text member too: only numbers compare.
        analysis.quality_analysis = Some(json!({
            "pixel_score": tenth(rng), "color_score": tenth(rng), "focus": tenth(rng),
            "note": "0.9",
        }));
    }
    if rng.random_bool(0.5) {
        let score = f64::from(rng.random_range(0..=10u8)) / 10.0;
        analysis.accessibility_analysis = Some(json!({
            "colorblind_accessibility_score": score,
            "colorblind_accessibility_analysis": {"distinct_edges": 0.5, "distinct_colors": 0.5},
        }));
    }
    if rng.random_bool(0.3) {
        let score = f64::from(rng.random_range(0..=4u8)) / 4.0;
        analysis.cinemagraph_analysis = Some(json!({ "cinemagraph_score": score }));
    }
    if rng.random_bool(0.6) {
        analysis.phash = Some(format!("{:016x}", rng.random::<u64>()));
    }
    if rng.random_bool(0.6) {
        let mut map = Map::new();
        let make = *["Canon", "Canonet", "NIKON", "Sony"].choose(rng).unwrap();
        map.insert("Make".into(), Value::String(make.into()));
        map.insert("Model".into(), Value::String(format!("M{}", i % 3)));
        // A number: `:` and `=` match text only, on both databases.
        map.insert("ISO".into(), json!(100));
        map.insert("Lens".into(), Value::String("100".into()));
        analysis.media_metadata = Some(map);
    }
    if rng.random_bool(0.4) {
        let pages: Vec<Value> = (0..rng.random_range(1..=2))
            .map(|_| {
                let text = *OCR_LINES.choose(rng).unwrap();
                json!({"textAnnotations": [], "fullTextAnnotation": {"text": text, "pages": []}})
            })
            .collect();
        analysis.info = Some(json!({"ocr": {"adv_ocr": {"status": "complete", "data": pages}}}));
    }
    let size = match i {
        i if i % 20 == 0 => 1_300_000,
        i if i % 7 == 0 => 300_000,
        _ => *[10usize, 1_500, 3_000, 60_000].choose(rng).unwrap(),
    };
    let asset = NewAsset {
        key: AssetKey::new(resource_type, delivery_type, public_id),
        format: format.into(),
        width,
        height,
        etag: "0123456789abcdef0123456789abcdef".into(),
        pages: rng.random_range(1..=4),
        tags,
        context,
        coordinates: Coordinates {
            faces,
            custom: Vec::new(),
        },
        original_filename: None,
        folder,
        access_mode: if i.is_multiple_of(6) {
            "authenticated"
        } else {
            "public"
        }
        .into(),
        analysis,
    };
    (asset, size)
}

/// Sets an asset's upload time (tests only: spreads the library over the
/// past two years, which ingesting now cannot).
async fn backdate(store: &Store, key: &AssetKey, version: i64) {
    let sql = "UPDATE assets SET version = $1 WHERE resource_type = $2 AND delivery_type = $3 AND public_id = $4";
    match store.database() {
        Database::Postgres(pool) => sqlx::query(sql)
            .bind(version)
            .bind(&key.resource_type)
            .bind(&key.delivery_type)
            .bind(&key.public_id)
            .execute(pool)
            .await
            .map(drop),
        Database::Sqlite(pool) => sqlx::query(sql)
            .bind(version)
            .bind(&key.resource_type)
            .bind(&key.delivery_type)
            .bind(&key.public_id)
            .execute(pool)
            .await
            .map(drop),
    }
    .expect("backdating");
}

/// A store holding the library, and the library as the store reads it back.
/// Upload times are whole days plus half a day ago, so no relative-date
/// boundary (whole hours or days from now) falls near one.
async fn library(backend: Backend) -> (Sandbox, Store, Vec<Asset>) {
    let sandbox = Sandbox::new(backend).await;
    let store = sandbox.store().await.expect("store");
    let mut rng = StdRng::seed_from_u64(22);
    let now = Utc::now().timestamp();
    let mut assets = Vec::new();
    for i in 0..LIBRARY_SIZE {
        let (asset, size) = library_asset(i, &mut rng);
        let key = asset.key.clone();
        store
            .ingest(asset, Bytes::from(vec![0u8; size]), OnExisting::Overwrite)
            .await
            .expect("ingest");
        let days = match i {
            0 => 100,
            // A few recent uploads, for the relative dates of hours and days.
            i if i % 40 == 1 => (i / 40) as i64,
            _ => rng.random_range(0..730),
        };
        backdate(&store, &key, now - days * DAY - DAY / 2).await;
        assets.push(store.get(&key).await.expect("read back"));
    }
    (sandbox, store, assets)
}

/// Every asset the search finds, following cursors, in order.
async fn search_all(store: &Store, request: SearchRequest) -> Vec<Asset> {
    let mut request = request;
    let mut found = Vec::new();
    loop {
        let page = store
            .search(&request)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", request.expression));
        found.extend(page.assets);
        match page.next_cursor {
            Some(cursor) => request.next_cursor = Some(cursor),
            None => return found,
        }
    }
}

fn expression(text: &str) -> SearchRequest {
    SearchRequest {
        expression: Some(text.to_string()),
        max_results: Some(500),
        ..SearchRequest::default()
    }
}

fn ids(assets: &[Asset]) -> BTreeSet<String> {
    assets.iter().map(|a| a.asset_id.clone()).collect()
}

/// Expressions and what they mean, written out in Rust.
fn cases(library: &[Asset]) -> Vec<(String, Predicate)> {
    let now = Utc::now();
    let some_asset_id = library[5].asset_id.clone();
    let some_phash = library
        .iter()
        .find_map(|a| a.analysis.phash.clone())
        .expect("a hashed asset");
    // Asset 0 was uploaded exactly 100.5 days ago: its day is searchable.
    let day: DateTime<Utc> = library[0].created_at;
    let day_text = day.format("%Y-%m-%d").to_string();
    let day_start = day
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp();
    let instant = library[0].created_at.to_rfc3339();
    let instant_at = library[0].version;
    let ago = move |days: i64| now.timestamp() - days * DAY;

    let mut cases: Vec<(String, Predicate)> = vec![
        ("format:jpg".into(), Box::new(|a| a.format == "jpg")),
        ("format=png".into(), Box::new(|a| a.format == "png")),
        ("-format:jpg".into(), Box::new(|a| a.format != "jpg")),
        (
            "resource_type:raw".into(),
            Box::new(|a| a.resource_type == "raw"),
        ),
        (
            "type:private".into(),
            Box::new(|a| a.delivery_type == "private"),
        ),
        (
            "public_id:animals/*".into(),
            Box::new(|a| a.public_id.starts_with("animals/")),
        ),
        ("public_id=x12".into(), Box::new(|a| a.public_id == "x12")),
        (
            "public_id:\"café/été 3\"".into(),
            Box::new(|a| has_words(&a.public_id, "café/été 3")),
        ),
        (
            "public_id:paris".into(),
            Box::new(|a| has_words(&a.public_id, "paris")),
        ),
        (
            "public_id:\"dogs dog\"".into(),
            Box::new(|a| has_words(&a.public_id, "dogs dog")),
        ),
        (
            "public_id=\"café/été 3\"".into(),
            Box::new(|a| a.public_id == "café/été 3"),
        ),
        (
            "public_id:café/*".into(),
            Box::new(|a| a.public_id.starts_with("café/")),
        ),
        (
            "filename:cat_1*".into(),
            Box::new(|a| filename(a).starts_with("cat_1")),
        ),
        (
            "filename:p_11".into(),
            Box::new(|a| has_words(filename(a), "p_11")),
        ),
        (
            "filename:cat".into(),
            Box::new(|a| has_words(filename(a), "cat")),
        ),
        ("filename=p_11".into(), Box::new(|a| filename(a) == "p_11")),
        (
            "folder:cities/paris".into(),
            Box::new(|a| a.folder == "cities/paris"),
        ),
        (
            "folder:animals*".into(),
            Box::new(|a| a.folder.starts_with("animals")),
        ),
        (
            format!("asset_id:{some_asset_id}"),
            Box::new(move |a| a.asset_id == some_asset_id),
        ),
        ("tags:rare_tag".into(), Box::new(|a| tagged(a, "rare_tag"))),
        ("tags:Sale".into(), Box::new(|a| tagged(a, "Sale"))),
        (
            "tags=Sale".into(),
            Box::new(|a| a.tags.iter().any(|t| t == "Sale")),
        ),
        ("tags:words".into(), Box::new(|a| tagged(a, "words"))),
        (
            "tag:\"TWO words\"".into(),
            Box::new(|a| tagged(a, "TWO words")),
        ),
        (
            "tag=\"two words\"".into(),
            Box::new(|a| a.tags.iter().any(|t| t == "two words")),
        ),
        (
            "tags:su*".into(),
            Box::new(|a| a.tags.iter().any(|t| t.starts_with("su"))),
        ),
        ("-tags:red".into(), Box::new(|a| !tagged(a, "red"))),
        (
            "context.alt:dog".into(),
            Box::new(|a| a.context.get("alt").is_some_and(|v| has_words(v, "dog"))),
        ),
        (
            "context.alt=dog".into(),
            Box::new(|a| a.context.get("alt").is_some_and(|v| v == "dog")),
        ),
        (
            "context.alt:dog*".into(),
            Box::new(|a| a.context.get("alt").is_some_and(|v| v.starts_with("dog"))),
        ),
        (
            "context.caption:b".into(),
            Box::new(|a| a.context.get("caption").is_some_and(|v| has_words(v, "b"))),
        ),
        (
            "-context.alt:dog".into(),
            Box::new(|a| a.context.get("alt").is_none_or(|v| !has_words(v, "dog"))),
        ),
        ("width>4000".into(), Box::new(|a| a.width > 4000)),
        ("width>=4000".into(), Box::new(|a| a.width >= 4000)),
        ("width<500".into(), Box::new(|a| a.width < 500)),
        ("width<=500".into(), Box::new(|a| a.width <= 500)),
        ("width:640".into(), Box::new(|a| a.width == 640)),
        (
            "width:[500 TO 1000]".into(),
            Box::new(|a| (500..=1000).contains(&a.width)),
        ),
        (
            "width:{500 TO 1000}".into(),
            Box::new(|a| a.width > 500 && a.width < 1000),
        ),
        ("height:[* TO 480]".into(), Box::new(|a| a.height <= 480)),
        (
            "pixels>1000000".into(),
            Box::new(|a| u64::from(a.width) * u64::from(a.height) > 1_000_000),
        ),
        (
            "aspect_ratio:\"4:3\"".into(),
            Box::new(|a| aspect(a) == 4.0 / 3.0),
        ),
        ("aspect_ratio>1.5".into(), Box::new(|a| aspect(a) > 1.5)),
        ("aspect_ratio<1".into(), Box::new(|a| aspect(a) < 1.0)),
        ("bytes>1mb".into(), Box::new(|a| a.bytes > 1_048_576)),
        ("bytes<=2kb".into(), Box::new(|a| a.bytes <= 2_048)),
        (
            "bytes:[50kb TO 1mb}".into(),
            Box::new(|a| a.bytes >= 51_200 && a.bytes < 1_048_576),
        ),
        ("bytes>=60000".into(), Box::new(|a| a.bytes >= 60_000)),
        ("pages>1".into(), Box::new(|a| a.pages > 1)),
        ("pages:3".into(), Box::new(|a| a.pages == 3)),
        (
            "uploaded_at>30d".into(),
            Box::new(move |a| a.version > ago(30)),
        ),
        (
            "uploaded_at<1y".into(),
            Box::new(move |a| a.version < ago(365)),
        ),
        (
            "created_at>=2w".into(),
            Box::new(move |a| a.version >= ago(14)),
        ),
        (
            "created_at<=6m".into(),
            Box::new(move |a| a.version <= ago(180)),
        ),
        (
            "created_at>48h".into(),
            Box::new(move |a| a.version > ago(2)),
        ),
        (
            format!("created_at:{day_text}"),
            Box::new(move |a| (day_start..day_start + DAY).contains(&a.version)),
        ),
        (
            format!("created_at>{day_text}"),
            Box::new(move |a| a.version >= day_start + DAY),
        ),
        (
            format!("created_at<{day_text}"),
            Box::new(move |a| a.version < day_start),
        ),
        (
            format!("created_at:\"{instant}\""),
            Box::new(move |a| a.version == instant_at),
        ),
        (
            format!("created_at:[\"{instant}\" TO *]"),
            Box::new(move |a| a.version >= instant_at),
        ),
        // Unix time, as Cloudinary takes it.
        (
            format!("created_at>{instant_at}"),
            Box::new(move |a| a.version > instant_at),
        ),
        (
            format!("created_at:{instant_at}"),
            Box::new(move |a| a.version == instant_at),
        ),
        (
            format!("uploaded_at:[{} TO {instant_at}}}", instant_at - 30 * DAY),
            Box::new(move |a| (instant_at - 30 * DAY..instant_at).contains(&a.version)),
        ),
        (
            "faces:0".into(),
            Box::new(|a| a.coordinates.faces.is_empty()),
        ),
        (
            "faces>1".into(),
            Box::new(|a| a.coordinates.faces.len() > 1),
        ),
        (
            "colors:red".into(),
            Box::new(|a| colour_names(a).iter().any(|c| c == "red")),
        ),
        (
            "colors:navy".into(),
            Box::new(|a| colour_names(a).iter().any(|c| c == "navy")),
        ),
        (
            "colors:bl*".into(),
            Box::new(|a| colour_names(a).iter().any(|c| c.starts_with("bl"))),
        ),
        (
            "-colors:red".into(),
            Box::new(|a| !colour_names(a).iter().any(|c| c == "red")),
        ),
        (
            "grayscale:true".into(),
            Box::new(|a| a.analysis.colors.as_ref().is_some_and(|c| c.grayscale)),
        ),
        (
            "grayscale:false".into(),
            Box::new(|a| a.analysis.colors.as_ref().is_some_and(|c| !c.grayscale)),
        ),
        (
            "illustration_score>0.5".into(),
            Box::new(|a| {
                a.analysis
                    .colors
                    .as_ref()
                    .is_some_and(|c| c.illustration_score > 0.5)
            }),
        ),
        (
            "quality_score<=0.3".into(),
            Box::new(|a| a.analysis.quality_score.is_some_and(|q| q <= 0.3)),
        ),
        (
            format!("phash:{some_phash}"),
            Box::new(move |a| a.analysis.phash.as_deref() == Some(some_phash.as_str())),
        ),
        (
            "phash:a*".into(),
            Box::new(|a| {
                a.analysis
                    .phash
                    .as_deref()
                    .is_some_and(|p| p.starts_with('a'))
            }),
        ),
        (
            "image_metadata.Make:Canon".into(),
            Box::new(|a| metadata(a, "Make").is_some_and(|m| has_words(m, "Canon"))),
        ),
        (
            "image_metadata.Make=Canon".into(),
            Box::new(|a| metadata(a, "Make") == Some("Canon")),
        ),
        (
            "image_metadata.Lens:100 OR image_metadata.ISO:100".into(),
            Box::new(|a| metadata(a, "Lens") == Some("100")),
        ),
        (
            "image_metadata.Make:Canon*".into(),
            Box::new(|a| metadata(a, "Make").is_some_and(|m| m.starts_with("Canon"))),
        ),
        (
            "image_metadata.Make:Canon AND width>4000".into(),
            Box::new(|a| {
                metadata(a, "Make").is_some_and(|m| has_words(m, "Canon")) && a.width > 4000
            }),
        ),
        (
            "-image_metadata.Make:Canon".into(),
            Box::new(|a| !metadata(a, "Make").is_some_and(|m| has_words(m, "Canon"))),
        ),
        (
            "image_metadata.Model:M1".into(),
            Box::new(|a| metadata(a, "Model").is_some_and(|m| has_words(m, "M1"))),
        ),
        (
            "red".into(),
            Box::new(|a| {
                has_words(&a.public_id, "red")
                    || tagged(a, "red")
                    || a.context.values().any(|v| has_words(v, "red"))
            }),
        ),
        (
            "\"two words\" OR paris".into(),
            Box::new(|a| {
                [&a.public_id]
                    .into_iter()
                    .chain(&a.tags)
                    .chain(a.context.values())
                    .any(|v| has_words(v, "two words") || has_words(v, "paris"))
            }),
        ),
        (
            "quality_analysis.pixel_score>0.5".into(),
            Box::new(|a| score(a, "quality_analysis", "pixel_score").is_some_and(|s| s > 0.5)),
        ),
        (
            "quality_analysis.color_score<=0.4".into(),
            Box::new(|a| score(a, "quality_analysis", "color_score").is_some_and(|s| s <= 0.4)),
        ),
        (
            "quality_analysis.focus:[0.2 TO 0.6]".into(),
            Box::new(|a| {
                score(a, "quality_analysis", "focus").is_some_and(|s| (0.2..=0.6).contains(&s))
            }),
        ),
        (
            "accessibility_analysis.colorblind_accessibility_score>=0.5".into(),
            Box::new(|a| {
                score(
                    a,
                    "accessibility_analysis",
                    "colorblind_accessibility_score",
                )
                .is_some_and(|s| s >= 0.5)
            }),
        ),
        (
            "cinemagraph_analysis.cinemagraph_score>0".into(),
            Box::new(|a| {
                score(a, "cinemagraph_analysis", "cinemagraph_score").is_some_and(|s| s > 0.0)
            }),
        ),
        (
            "-quality_analysis.pixel_score>0.5".into(),
            Box::new(|a| !score(a, "quality_analysis", "pixel_score").is_some_and(|s| s > 0.5)),
        ),
        (
            "access_mode:authenticated".into(),
            Box::new(|a| a.access_mode == "authenticated"),
        ),
        (
            "transparent:true".into(),
            Box::new(|a| {
                a.analysis
                    .colors
                    .as_ref()
                    .is_some_and(|c| c.semi_transparent)
            }),
        ),
        (
            "status:active AND format:png".into(),
            Box::new(|a| a.format == "png"),
        ),
        (
            "format:png OR no_such_field:png".into(),
            Box::new(|a| a.format == "png"),
        ),
        (
            "dog*".into(),
            Box::new(|a| {
                a.public_id.starts_with("dog")
                    || filename(a).starts_with("dog")
                    || a.tags.iter().any(|t| t.starts_with("dog"))
                    || a.context.values().any(|v| v.starts_with("dog"))
            }),
        ),
        (
            "(format:jpg OR format:png) AND NOT tags:red".into(),
            Box::new(|a| (a.format == "jpg" || a.format == "png") && !tagged(a, "red")),
        ),
        (
            "format:jpg tags:sale".into(),
            Box::new(|a| a.format == "jpg" && tagged(a, "sale")),
        ),
        (
            "format:gif || width>5000 && -tags:blue".into(),
            Box::new(|a| a.format == "gif" || (a.width > 5000 && !tagged(a, "blue"))),
        ),
        (
            "NOT (tags:red OR tags:blue) faces>=1".into(),
            Box::new(|a| {
                !(tagged(a, "red") || tagged(a, "blue") || a.coordinates.faces.is_empty())
            }),
        ),
    ];
    for (term, prefix) in [
        ("invoice", false),
        ("INVOICE", false),
        ("inv", true),
        ("\"total due\"", false),
        ("\"due total\"", false),
        ("RE16", false),
        ("re16tgk", false),
        ("été", false),
        ("tot", true),
        ("12", false),
        ("\"invoice no 2025\"", false),
        ("\"total d\"", true),
    ] {
        let written = format!("ocr_text:{term}{}", if prefix { "*" } else { "" });
        let term = term.trim_matches('"').to_owned();
        let negated = term.clone();
        cases.push((
            written.clone(),
            Box::new(move |a| ocr_has(a, &term, prefix)),
        ));
        cases.push((
            format!("-{written} AND format:jpg"),
            Box::new(move |a| !ocr_has(a, &negated, prefix) && a.format == "jpg"),
        ));
    }
    cases.extend(constant_cases());
    cases
}

/// Cases that match nothing or everything on purpose (the rest each match
/// some but not all of the library: see `cases_are_not_trivially_empty_or_full`).
fn constant_cases() -> Vec<(String, Predicate)> {
    vec![
        ("".into(), Box::new(|_| true)),
        ("format:jpg format:png".into(), Box::new(|_| false)),
        // Injection attempts are values like any other: they match nothing.
        ("tags:\"x' OR 1=1 --\"".into(), Box::new(|_| false)),
        (
            "context.alt:\"'; DROP TABLE assets; --\"".into(),
            Box::new(|_| false),
        ),
        (
            "public_id:\"x\\\" OR \\\"1\\\"=\\\"1\"".into(),
            Box::new(|_| false),
        ),
        (
            "image_metadata.Make:\"Canon') OR ('1'='1\"".into(),
            Box::new(|_| false),
        ),
        ("format:jpg; DROP TABLE assets".into(), Box::new(|_| false)),
        // Fields no asset has match nothing (and their negation everything).
        ("no_such_field:x".into(), Box::new(|_| false)),
        // A structured metadata field no asset has a value for.
        ("metadata.sku:A-1".into(), Box::new(|_| false)),
        ("-colour:red".into(), Box::new(|_| true)),
        ("status:active".into(), Box::new(|_| true)),
        ("status:deleted".into(), Box::new(|_| false)),
        // Only numbers compare: a text member is no score.
        ("quality_analysis.note>0".into(), Box::new(|_| false)),
        ("image_metadata.ISO=100".into(), Box::new(|_| false)),
    ]
}

#[tokio::test]
async fn every_field_and_operator_finds_what_brute_force_finds() {
    for backend in Backend::ALL {
        let (_sandbox, store, library) = library(backend).await;
        for (text, predicate) in cases(&library) {
            let expected: BTreeSet<String> = library
                .iter()
                .filter(|a| predicate(a))
                .map(|a| a.asset_id.clone())
                .collect();
            let page = store
                .search(&expression(&text))
                .await
                .unwrap_or_else(|e| panic!("{backend}: {text}: {e}"));
            assert_eq!(ids(&page.assets), expected, "{backend}: {text}");
            assert_eq!(page.total_count, expected.len() as u64, "{backend}: {text}");
        }
        // The table survived the injection attempts.
        assert_eq!(
            store
                .search(&SearchRequest::default())
                .await
                .unwrap()
                .total_count,
            LIBRARY_SIZE as u64
        );
    }
}

#[tokio::test]
async fn cases_are_not_trivially_empty_or_full() {
    // Guards the test above: a case matching nothing or everything proves little.
    let (_sandbox, _store, library) = library(Backend::Sqlite).await;
    let constant: BTreeSet<String> = constant_cases().into_iter().map(|(text, _)| text).collect();
    for (text, predicate) in cases(&library) {
        let count = library.iter().filter(|a| predicate(a)).count();
        if !constant.contains(&text) {
            assert!(
                count > 0 && count < library.len(),
                "{text}: {count} of {}",
                library.len()
            );
        }
    }
}

fn sort_value(asset: &Asset, field: SortField) -> (i64, String) {
    match field {
        SortField::CreatedAt => (asset.version, String::new()),
        SortField::PublicId => (0, asset.public_id.clone()),
        SortField::Filename => (0, filename(asset).to_string()),
        SortField::Folder => (0, asset.folder.clone()),
        SortField::Format => (0, asset.format.clone()),
        SortField::Bytes => (asset.bytes as i64, String::new()),
        SortField::Width => (asset.width.into(), String::new()),
        SortField::Pixels => (
            i64::from(asset.width) * i64::from(asset.height),
            String::new(),
        ),
        other => panic!("not used here: {other:?}"),
    }
}

#[tokio::test]
async fn sorted_pages_return_every_match_once_in_order() {
    let sorts: Vec<Vec<(SortField, SortDirection)>> = vec![
        vec![],
        vec![(SortField::PublicId, SortDirection::Ascending)],
        vec![(SortField::Filename, SortDirection::Descending)],
        vec![
            (SortField::Bytes, SortDirection::Descending),
            (SortField::PublicId, SortDirection::Ascending),
        ],
        vec![
            (SortField::Format, SortDirection::Ascending),
            (SortField::Width, SortDirection::Descending),
        ],
        vec![
            (SortField::Folder, SortDirection::Ascending),
            (SortField::Pixels, SortDirection::Ascending),
        ],
    ];
    for backend in Backend::ALL {
        let (_sandbox, store, library) = library(backend).await;
        for expression_text in ["", "format:jpg OR width>1000"] {
            let expected: BTreeSet<String> = search_all(&store, expression(expression_text))
                .await
                .iter()
                .map(|a| a.asset_id.clone())
                .collect();
            for sort in &sorts {
                let request = SearchRequest {
                    expression: Some(expression_text.into()),
                    sort_by: sort
                        .iter()
                        .map(|(field, direction)| SortKey {
                            field: *field,
                            direction: *direction,
                        })
                        .collect(),
                    max_results: Some(7),
                    ..SearchRequest::default()
                };
                let found = search_all(&store, request).await;
                let found_ids: Vec<String> = found.iter().map(|a| a.asset_id.clone()).collect();
                assert_eq!(
                    found_ids.len(),
                    expected.len(),
                    "{backend} {sort:?}: a match twice or missing"
                );
                assert_eq!(
                    found_ids.into_iter().collect::<BTreeSet<_>>(),
                    expected,
                    "{backend} {sort:?}"
                );
                let effective = if sort.is_empty() {
                    vec![(SortField::CreatedAt, SortDirection::Descending)]
                } else {
                    sort.clone()
                };
                for pair in found.windows(2) {
                    let ordering = effective
                        .iter()
                        .map(|(field, direction)| {
                            let order =
                                sort_value(&pair[0], *field).cmp(&sort_value(&pair[1], *field));
                            match direction {
                                SortDirection::Ascending => order,
                                SortDirection::Descending => order.reverse(),
                            }
                        })
                        .find(|o| o.is_ne())
                        .unwrap_or(std::cmp::Ordering::Equal);
                    assert!(
                        ordering.is_le(),
                        "{backend} {sort:?}: {} before {}",
                        pair[0].public_id,
                        pair[1].public_id
                    );
                }
            }
        }
        assert_eq!(library.len(), LIBRARY_SIZE);
    }
}

#[tokio::test]
async fn pages_stay_exact_while_assets_are_added_between_them() {
    for backend in Backend::ALL {
        let (_sandbox, store, library) = library(backend).await;
        for sort in [
            vec![],
            vec![SortKey {
                field: SortField::PublicId,
                direction: SortDirection::Ascending,
            }],
        ] {
            let mut request = SearchRequest {
                expression: Some("format:jpg OR format:png".into()),
                sort_by: sort.clone(),
                max_results: Some(9),
                ..SearchRequest::default()
            };
            let expected: BTreeSet<String> = library
                .iter()
                .filter(|a| a.format == "jpg" || a.format == "png")
                .map(|a| a.asset_id.clone())
                .collect();
            let mut seen: Vec<String> = Vec::new();
            let mut added = 0;
            loop {
                let page = store.search(&request).await.unwrap();
                seen.extend(page.assets.iter().map(|a| a.asset_id.clone()));
                // New matches sorting both before and after the cursor.
                for public_id in [format!("aaa_new_{added}"), format!("zzz_new_{added}")] {
                    let (mut asset, _) =
                        library_asset(added, &mut StdRng::seed_from_u64(added as u64));
                    asset.key = AssetKey::new("image", "upload", public_id);
                    asset.format = "jpg".into();
                    store
                        .ingest(asset, Bytes::from_static(b"new"), OnExisting::Overwrite)
                        .await
                        .unwrap();
                }
                added += 1;
                match page.next_cursor {
                    Some(cursor) => request.next_cursor = Some(cursor),
                    None => break,
                }
            }
            let unique: BTreeSet<String> = seen.iter().cloned().collect();
            assert_eq!(
                unique.len(),
                seen.len(),
                "{backend} {sort:?}: an asset on two pages"
            );
            assert!(
                unique.is_superset(&expected),
                "{backend} {sort:?}: a match was skipped"
            );
            // Remove the additions for the next sort.
            let keys: Vec<AssetKey> = store
                .search(&SearchRequest {
                    expression: Some("public_id:aaa_new_* OR public_id:zzz_new_*".into()),
                    max_results: Some(500),
                    ..SearchRequest::default()
                })
                .await
                .unwrap()
                .assets
                .iter()
                .map(Asset::key)
                .collect();
            store.delete(&keys).await.unwrap();
        }
    }
}

#[tokio::test]
async fn aggregations_count_every_match() {
    for backend in Backend::ALL {
        let (_sandbox, store, library) = library(backend).await;
        let custom = AggregateRequest::ranges(
            RangeField::Bytes,
            vec![
                AggregateRange {
                    key: "up_to_2k".into(),
                    from: None,
                    to: Some(2_048),
                },
                AggregateRange {
                    key: "from_1k".into(),
                    from: Some(1_024),
                    to: None,
                },
            ],
        )
        .unwrap();
        let request = SearchRequest {
            expression: Some("-tags:blue".into()),
            max_results: Some(3),
            aggregate: vec![
                "format".parse().unwrap(),
                "resource_type".parse().unwrap(),
                "type".parse().unwrap(),
                "bytes".parse().unwrap(),
                "pixels".parse().unwrap(),
            ],
            ..SearchRequest::default()
        };
        let page = store.search(&request).await.unwrap();
        // Custom ranges of a field already aggregated would share its name
        // in the answer: they are a search of their own.
        let custom_page = store
            .search(&SearchRequest {
                aggregate: vec![custom],
                ..request.clone()
            })
            .await
            .unwrap();
        let matches: Vec<&Asset> = library
            .iter()
            .filter(|a| !a.tags.iter().any(|t| t == "blue"))
            .collect();
        assert_eq!(page.assets.len(), 3);
        assert_eq!(page.total_count, matches.len() as u64);

        let count_by = |key: &dyn Fn(&Asset) -> String| {
            let mut counts: BTreeMap<String, u64> = BTreeMap::new();
            for asset in &matches {
                *counts.entry(key(asset)).or_default() += 1;
            }
            counts
        };
        let as_map = |i: usize| -> BTreeMap<String, u64> {
            page.aggregations[i]
                .buckets
                .iter()
                .map(|b| (b.key.clone(), b.count))
                .collect()
        };
        assert_eq!(page.aggregations[0].field, "format");
        assert_eq!(as_map(0), count_by(&|a| a.format.clone()), "{backend}");
        assert_eq!(
            as_map(1),
            count_by(&|a| a.resource_type.clone()),
            "{backend}"
        );
        assert_eq!(page.aggregations[2].field, "type");
        assert_eq!(
            as_map(2),
            count_by(&|a| a.delivery_type.clone()),
            "{backend}"
        );
        let counts: Vec<u64> = page.aggregations[0]
            .buckets
            .iter()
            .map(|b| b.count)
            .collect();
        assert!(
            counts.is_sorted_by(|a, b| a >= b),
            "most frequent first: {counts:?}"
        );

        let in_range = |n: u64, from: u64, to: u64| n >= from && n < to;
        let bytes = |from: u64, to: u64| {
            matches
                .iter()
                .filter(|a| in_range(a.bytes, from, to))
                .count() as u64
        };
        let kib = 1024;
        let expected_bytes: Vec<(String, u64)> = vec![
            ("tiny".into(), bytes(0, 50 * kib)),
            ("small".into(), bytes(50 * kib, 250 * kib)),
            ("medium".into(), bytes(250 * kib, 1024 * kib)),
            ("large".into(), bytes(1024 * kib, 5 * 1024 * kib)),
            ("huge".into(), bytes(5 * 1024 * kib, u64::MAX)),
        ];
        let got: Vec<(String, u64)> = page.aggregations[3]
            .buckets
            .iter()
            .map(|b| (b.key.clone(), b.count))
            .collect();
        assert_eq!(got, expected_bytes, "{backend}");
        assert!(
            expected_bytes.iter().filter(|(_, n)| *n > 0).count() >= 3,
            "the library spans the buckets"
        );

        let pixels = |from: u64, to: u64| {
            matches
                .iter()
                .filter(|a| {
                    a.resource_type == "image"
                        && in_range(u64::from(a.width) * u64::from(a.height), from, to)
                })
                .count() as u64
        };
        let expected_pixels = vec![
            pixels(0, 100_000),
            pixels(100_000, 1_000_000),
            pixels(1_000_000, 4_000_000),
            pixels(4_000_000, 12_000_000),
            pixels(12_000_000, u64::MAX),
        ];
        let got: Vec<u64> = page.aggregations[4]
            .buckets
            .iter()
            .map(|b| b.count)
            .collect();
        assert_eq!(got, expected_pixels, "{backend}");

        let got: Vec<u64> = custom_page.aggregations[0]
            .buckets
            .iter()
            .map(|b| b.count)
            .collect();
        assert_eq!(
            got,
            vec![bytes(0, 2_048), bytes(1_024, u64::MAX)],
            "{backend}: overlapping ranges count in both"
        );
    }
}

fn search_error(result: Result<store::SearchPage, StoreError>) -> SearchError {
    match result {
        Err(StoreError::Search(error)) => error,
        other => panic!("expected a search error, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_requests_are_refused_with_where_and_why() {
    for backend in Backend::ALL {
        let (_sandbox, store, _library) = library(backend).await;
        let cases: Vec<(&str, usize, &str)> = vec![
            ("format:jpg AND (tags:a", 15, "Unclosed '(' at position 15"),
            (
                "width>big",
                6,
                "Invalid value 'big' for field 'width' at position 6: expected a whole number",
            ),
            ("bytes>1tb", 6, "Invalid value '1tb' for field 'bytes'"),
            (
                "created_at>yesterday",
                11,
                "Invalid value 'yesterday' for field 'created_at'",
            ),
            (
                "public_id>abc",
                10,
                "Operator '>' cannot be used with field 'public_id' at position 10",
            ),
            (
                "tags:[a TO b]",
                6,
                "Operator '[ TO ]' cannot be used with field 'tags'",
            ),
            (
                "context.a.b:x",
                0,
                "Invalid key 'a.b' in field 'context' at position 0",
            ),
            ("context.$.x:1", 0, "Invalid key '$.x'"),
            ("image_metadata.Make'--:x", 0, "Invalid key 'Make'--'"),
            (
                "context.\"a\":x",
                8,
                "Expected a field name before the operator at position 8",
            ),
            (
                "format:jpg OR",
                13,
                "Unexpected end of expression at position 13",
            ),
            (
                "a*b",
                1,
                "Wildcard '*' is only allowed at the end of a value at position 1",
            ),
            (
                "tags:\"unterminated",
                5,
                "Unterminated quoted value at position 5",
            ),
        ];
        for (text, position, message) in cases {
            let error = search_error(store.search(&expression(text)).await);
            assert_eq!(
                error.position(),
                Some(position),
                "{backend}: {text}: {error}"
            );
            assert!(
                error.to_string().contains(message),
                "{backend}: {text}: {error}"
            );
        }
        let mut request = SearchRequest {
            max_results: Some(501),
            ..SearchRequest::default()
        };
        assert_eq!(
            search_error(store.search(&request).await),
            SearchError::InvalidMaxResults {
                value: 501,
                max: 500
            }
        );
        request.max_results = Some(0);
        assert!(matches!(
            search_error(store.search(&request).await),
            SearchError::InvalidMaxResults { .. }
        ));
        request.max_results = Some(2);
        let cursor = store
            .search(&request)
            .await
            .unwrap()
            .next_cursor
            .expect("more pages");
        for bad in ["garbage", "", "eyJ4IjoxfQ"] {
            let attempt = SearchRequest {
                next_cursor: Some(bad.into()),
                ..request.clone()
            };
            if bad.is_empty() {
                // An empty cursor is the first page.
                assert!(store.search(&attempt).await.is_ok());
            } else {
                assert_eq!(
                    search_error(store.search(&attempt).await),
                    SearchError::InvalidCursor
                );
            }
        }
        // A cursor from one sort is refused by another.
        let resorted = SearchRequest {
            next_cursor: Some(cursor),
            sort_by: vec![SortKey::parse("public_id", "asc").unwrap()],
            ..request.clone()
        };
        assert_eq!(
            search_error(store.search(&resorted).await),
            SearchError::InvalidCursor
        );
        assert!(StoreError::Search(SearchError::InvalidCursor).is_client_error());
    }
}

/// A cursor as this store writes one, with any values: what a client could
/// forge.
fn forged_cursor(sort: &str, values: Value, id: i64) -> String {
    use base64::Engine;
    let json = json!({"sort": sort, "values": values, "id": id}).to_string();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

/// Every dimension of a search that costs work is capped, each cap refused
/// with a 400-class error naming it, before any query runs; malformed input
/// never reaches the database (a NUL in a forged cursor would fail there).
#[tokio::test]
async fn search_work_is_bounded_and_malformed_input_refused() {
    use store::search::{
        MAX_AGGREGATE_RANGES, MAX_AGGREGATIONS, MAX_CURSOR_CHARS, MAX_EXPRESSION_CHARS,
        MAX_SORT_KEYS,
    };
    for backend in Backend::ALL {
        let (_sandbox, store, _library) = library(backend).await;
        let too_many = |what: &'static str, max: usize| SearchError::TooMany { what, max };
        let by_public_id = SortKey::parse("public_id", "asc").unwrap();

        // The campaign's shapes: thousands of sort keys, 20,000 ranges,
        // 50,000 aggregations, an expression past the cap.
        let request = SearchRequest {
            sort_by: vec![by_public_id; 5_000],
            ..SearchRequest::default()
        };
        assert_eq!(
            search_error(store.search(&request).await),
            too_many("sort_by entries", MAX_SORT_KEYS)
        );
        let request = SearchRequest {
            sort_by: vec![by_public_id; MAX_SORT_KEYS],
            ..SearchRequest::default()
        };
        store.search(&request).await.expect("at the cap");

        let ranges: Vec<AggregateRange> = (0..20_000)
            .map(|i| AggregateRange {
                key: format!("r{i}"),
                from: Some(i),
                to: Some(i + 1),
            })
            .collect();
        assert_eq!(
            AggregateRequest::ranges(RangeField::Bytes, ranges.clone()),
            Err(too_many("aggregation ranges", MAX_AGGREGATE_RANGES))
        );
        let request = SearchRequest {
            aggregate: vec![AggregateRequest::Ranges {
                field: RangeField::Bytes,
                ranges: ranges[..MAX_AGGREGATE_RANGES + 1].to_vec(),
            }],
            ..SearchRequest::default()
        };
        assert_eq!(
            search_error(store.search(&request).await),
            too_many("aggregation ranges", MAX_AGGREGATE_RANGES)
        );
        let at_cap = SearchRequest {
            aggregate: vec![AggregateRequest::Ranges {
                field: RangeField::Bytes,
                ranges: ranges[..MAX_AGGREGATE_RANGES].to_vec(),
            }],
            ..SearchRequest::default()
        };
        store.search(&at_cap).await.expect("ranges at the cap");

        let request = SearchRequest {
            aggregate: vec!["format".parse().unwrap(); 50_000],
            ..SearchRequest::default()
        };
        assert_eq!(
            search_error(store.search(&request).await),
            too_many("aggregations", MAX_AGGREGATIONS)
        );
        let request = SearchRequest {
            aggregate: vec!["format".parse().unwrap(), "format".parse().unwrap()],
            ..SearchRequest::default()
        };
        assert_eq!(
            search_error(store.search(&request).await),
            SearchError::DuplicateAggregate("format")
        );

        let long = vec!["a"; MAX_EXPRESSION_CHARS].join(" ");
        assert_eq!(
            search_error(store.search(&expression(&long)).await),
            too_many("characters in the expression", MAX_EXPRESSION_CHARS)
        );
        let request = SearchRequest {
            next_cursor: Some("A".repeat(MAX_CURSOR_CHARS + 1)),
            ..SearchRequest::default()
        };
        assert_eq!(
            search_error(store.search(&request).await),
            too_many("next_cursor characters", MAX_CURSOR_CHARS)
        );

        // Forged cursors: well-formed, for the right sort, holding a NUL or
        // another control character.
        for value in ["a\0b", "\u{1}", "x\ny"] {
            let request = SearchRequest {
                sort_by: vec![by_public_id],
                next_cursor: Some(forged_cursor("public_id:asc", json!([value]), 1)),
                ..SearchRequest::default()
            };
            assert_eq!(
                search_error(store.search(&request).await),
                SearchError::InvalidCursor,
                "{backend}: {value:?}"
            );
        }
        // A forged cursor with ordinary values is just a position.
        let request = SearchRequest {
            sort_by: vec![by_public_id],
            next_cursor: Some(forged_cursor("public_id:asc", json!(["m"]), 1)),
            ..SearchRequest::default()
        };
        store.search(&request).await.expect("a position");
        // A NUL in a range key or the expression is refused too.
        let request = SearchRequest {
            aggregate: vec![AggregateRequest::Ranges {
                field: RangeField::Bytes,
                ranges: vec![AggregateRange {
                    key: "a\0".into(),
                    from: Some(1),
                    to: None,
                }],
            }],
            ..SearchRequest::default()
        };
        assert!(matches!(
            search_error(store.search(&request).await),
            SearchError::InvalidAggregateRange { .. }
        ));
        assert!(matches!(
            search_error(store.search(&expression("tags:\"a\0\"")).await),
            SearchError::Syntax { .. }
        ));
    }
}

/// A search past its time budget stops, on both databases, and says so;
/// one within it is unaffected.
#[tokio::test]
async fn a_search_past_its_time_budget_stops_with_a_timeout() {
    for backend in Backend::ALL {
        let (_sandbox, store, _library) = library(backend).await;
        // A hundred bare words: every one a regular expression over every
        // text of every asset, for the page and again for the count.
        let heavy = (0..100)
            .map(|i| format!("\"w{i} {}\"", "x ".repeat(60)))
            .collect::<Vec<_>>()
            .join(" OR ");
        let request = SearchRequest {
            timeout: Some(std::time::Duration::from_millis(1)),
            ..expression(&heavy)
        };
        assert_eq!(
            search_error(store.search(&request).await),
            SearchError::TimedOut {
                limit: std::time::Duration::from_millis(1)
            },
            "{backend}"
        );
        assert!(
            search_error(store.search(&request).await)
                .to_string()
                .starts_with("Search timeout - not completed within 0.001 seconds"),
            "{backend}"
        );
        // The store goes on answering, on the same pool, within the
        // default budget.
        let light = expression("\"w0 x\" OR format:jpg OR tags:red");
        assert_eq!(light.timeout, None);
        store.search(&light).await.expect("a light search");
    }
}

/// Adds 20,000 plain assets (no tags of interest, width 640, format tif)
/// and refreshes the planner's statistics: enough rows that an index beats
/// a scan of the table.
async fn bulk_insert_and_analyze(store: &Store) {
    let columns = "asset_id, resource_type, delivery_type, public_id, version, version_id, \
                   blob_key, format, width, height, bytes, etag, pages, tags, context, analysis";
    let values = "'image', 'upload', 'bulk/' || n, 1700000000 + n, 'v' || n, 'bulk-' || n, \
                  'tif', 640, 480, 1000 + n, 'e', 1, '[\"common\"]', '{\"alt\": \"x\"}', \
                  '{\"media_metadata\": {\"Make\": \"Sony\"}}'";
    match store.database() {
        Database::Postgres(pool) => {
            let insert = format!(
                "INSERT INTO assets ({columns}) SELECT 'bulk' || n, {values} \
                 FROM generate_series(1, 20000) AS n"
            );
            sqlx::query(&insert).execute(pool).await.unwrap();
            sqlx::query("ANALYZE assets").execute(pool).await.unwrap();
        }
        Database::Sqlite(pool) => {
            let insert = format!(
                "WITH RECURSIVE numbers(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM numbers \
                 WHERE n < 20000) INSERT INTO assets ({columns}) SELECT 'bulk' || n, {values} \
                 FROM numbers"
            );
            sqlx::query(&insert).execute(pool).await.unwrap();
            sqlx::query("ANALYZE").execute(pool).await.unwrap();
        }
    }
}

#[tokio::test]
async fn selective_expressions_use_the_search_indexes() {
    let shared = [
        ("public_id:animals/*", "assets_search_public_id"),
        ("filename=cat_1", "assets_search_filename"),
        ("format:png", "assets_search_format"),
        ("folder:cities/paris", "assets_search_folder"),
    ];
    // The full-text index: FTS5's table (PostgreSQL's GIN index is below).
    let sqlite_only = [("ocr_text:invoice", "SCAN assets_ocr_text VIRTUAL TABLE")];
    // SQLite (built without STAT4) guesses that a one-sided range keeps a
    // quarter of the table, and then prefers walking the newest-first index
    // to sorting; PostgreSQL's histograms see how selective it is.
    let postgres_only = [
        ("width>5000", "assets_search_width"),
        ("bytes>1mb", "assets_search_bytes"),
        ("faces>2", "assets_search_faces"),
        ("tags=rare_tag", "assets_search_tags"),
        ("image_metadata.Make=Canon", "assets_search_media_metadata"),
        ("context.alt=dog", "assets_search_context"),
        ("colors:navy", "assets_search_colors"),
        ("image_metadata.Make=Canon AND width>5000", "assets_search_"),
        // `:` on free text: the words indexes narrow, the regex decides.
        ("tags:rare_tag", "assets_search_tags_words"),
        (
            "image_metadata.Make:Canon",
            "assets_search_media_metadata_words",
        ),
        ("context.alt:dog", "assets_search_context_words"),
        ("public_id:cat", "assets_search_public_id_words"),
        ("ocr_text:invoice", "assets_search_ocr_text"),
        ("ocr_text:inv*", "assets_search_ocr_text"),
    ];
    for backend in Backend::ALL {
        let (_sandbox, store, _library) = library(backend).await;
        bulk_insert_and_analyze(&store).await;
        let expectations = shared
            .iter()
            .chain(
                postgres_only
                    .iter()
                    .filter(|_| backend == Backend::Postgres),
            )
            .chain(sqlite_only.iter().filter(|_| backend == Backend::Sqlite));
        for (text, index) in expectations {
            let plan = store
                .explain_search(&expression(text))
                .await
                .unwrap()
                .join("\n");
            assert!(plan.contains(index), "{backend}: {text}:\n{plan}");
        }
        // Sorted by the field it ranges over, SQLite takes the range's index too.
        let sorted = SearchRequest {
            sort_by: vec![SortKey::parse("bytes", "desc").unwrap()],
            ..expression("bytes>1mb")
        };
        let plan = store.explain_search(&sorted).await.unwrap().join("\n");
        assert!(plan.contains("assets_search_bytes"), "{backend}:\n{plan}");
    }
}

/// The OCR index follows every write of the stored text: an overwrite with
/// other text, an update that re-extracts, and a deletion each leave search
/// answering from what is stored now.
#[tokio::test]
async fn ocr_text_search_stays_in_step_with_every_write() {
    for backend in Backend::ALL {
        let sandbox = Sandbox::new(backend).await;
        let store = sandbox.store().await.expect("store");
        let found = |term: &'static str| {
            let store = store.clone();
            async move {
                let page = store
                    .search(&expression(&format!("ocr_text:{term}")))
                    .await
                    .unwrap();
                page.assets
                    .into_iter()
                    .map(|a| a.public_id)
                    .collect::<Vec<_>>()
            }
        };
        let read = |text: &str| StoredAnalysis {
            info: Some(json!({"ocr": {"adv_ocr": {"status": "complete", "data": [
                {"textAnnotations": [], "fullTextAnnotation": {"text": text, "pages": []}}
            ]}}})),
            ..StoredAnalysis::default()
        };
        let (mut asset, _) = library_asset(2, &mut StdRng::seed_from_u64(1));
        asset.key = AssetKey::new("image", "upload", "scan");
        asset.analysis = read("first receipt");
        store
            .ingest(
                asset.clone(),
                Bytes::from_static(b"x"),
                OnExisting::Overwrite,
            )
            .await
            .unwrap();
        assert_eq!(found("receipt").await, ["scan"], "{backend}");

        asset.analysis = read("second letter");
        store
            .ingest(
                asset.clone(),
                Bytes::from_static(b"y"),
                OnExisting::Overwrite,
            )
            .await
            .unwrap();
        assert!(found("receipt").await.is_empty(), "{backend}: overwritten");
        assert_eq!(found("letter").await, ["scan"], "{backend}");

        let update = store::AssetUpdate {
            analysis: read("third postcard"),
            ..store::AssetUpdate::default()
        };
        store.update(&asset.key, &update).await.unwrap();
        assert!(found("letter").await.is_empty(), "{backend}: re-extracted");
        assert_eq!(found("postcard").await, ["scan"], "{backend}");

        let renamed = AssetKey::new("image", "upload", "renamed");
        store
            .rename(&asset.key, &renamed, store::labels::OnTargetExists::Refuse)
            .await
            .unwrap();
        assert_eq!(found("postcard").await, ["renamed"], "{backend}");

        store.delete(std::slice::from_ref(&renamed)).await.unwrap();
        assert!(found("postcard").await.is_empty(), "{backend}: deleted");
    }
}
