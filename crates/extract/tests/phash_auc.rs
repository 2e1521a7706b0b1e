//! pHash quality on the shared near-duplicate benchmark (`corpus/phash/pairs.csv`):
//! how well the Hamming distance separates pairs from the same source photo
//! (re-encoded, resized, cropped, brightened, blurred, rotated 2°) from pairs of
//! different photos, as ROC AUC. Ours must be at least Python imagehash's,
//! whose distances the file records.

mod corpus_support;

use extract::AnalysisKind;
use std::collections::BTreeMap;

use extract::{analyze, Options, Phash};

struct Pair {
    a: String,
    b: String,
    same_source: bool,
    imagehash_distance: u32,
}

fn pairs() -> Vec<Pair> {
    let path = corpus_support::corpus_dir().join("phash/pairs.csv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header row").split(',').collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let (a, b, same, distance) = (
        column("a"),
        column("b"),
        column("same_source"),
        column("phash_hamming_imagehash"),
    );
    lines
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            Pair {
                a: cells[a].to_owned(),
                b: cells[b].to_owned(),
                same_source: cells[same] == "1",
                imagehash_distance: cells[distance].parse().expect("distance is an integer"),
            }
        })
        .collect()
}

/// ROC AUC of "smaller distance means same source": the probability that a
/// random same-source pair is closer than a random different-source pair,
/// counting ties as half.
fn auc(scored: &[(u32, bool)]) -> f64 {
    let same: Vec<u32> = scored.iter().filter(|s| s.1).map(|s| s.0).collect();
    let different: Vec<u32> = scored.iter().filter(|s| !s.1).map(|s| s.0).collect();
    let mut wins = 0.0;
    for s in &same {
        for d in &different {
            wins += match s.cmp(d) {
                std::cmp::Ordering::Less => 1.0,
                std::cmp::Ordering::Equal => 0.5,
                std::cmp::Ordering::Greater => 0.0,
            };
        }
    }
    wins / (same.len() * different.len()) as f64
}

#[test]
fn auc_sanity() {
    assert_eq!(auc(&[(1, true), (5, false)]), 1.0);
    assert_eq!(auc(&[(5, true), (1, false)]), 0.0);
    assert_eq!(auc(&[(3, true), (3, false)]), 0.5);
}

#[test]
fn our_phash_separates_near_duplicates_at_least_as_well_as_imagehash() {
    let pairs = pairs();
    assert!(pairs.iter().any(|p| p.same_source) && pairs.iter().any(|p| !p.same_source));
    let options = Options::of(AnalysisKind::Phash);
    let mut hashes: BTreeMap<String, Phash> = BTreeMap::new();
    for name in pairs.iter().flat_map(|p| [&p.a, &p.b]) {
        if !hashes.contains_key(name) {
            let bytes = corpus_support::read_file(&format!("phash/{name}"));
            let analysis = analyze(&bytes, &options).unwrap_or_else(|e| panic!("{name}: {e}"));
            hashes.insert(name.clone(), analysis.phash.expect("phash was asked for"));
        }
    }
    let ours: Vec<(u32, bool)> = pairs
        .iter()
        .map(|p| (hashes[&p.a].distance(hashes[&p.b]), p.same_source))
        .collect();
    let theirs: Vec<(u32, bool)> = pairs
        .iter()
        .map(|p| (p.imagehash_distance, p.same_source))
        .collect();
    let (ours_auc, theirs_auc) = (auc(&ours), auc(&theirs));
    let max_same = ours.iter().filter(|s| s.1).map(|s| s.0).max().unwrap_or(0);
    let min_different = ours.iter().filter(|s| !s.1).map(|s| s.0).min().unwrap_or(0);
    println!(
        "pHash ROC AUC over {} pairs: assay {ours_auc:.4}, imagehash {theirs_auc:.4}",
        pairs.len()
    );
    println!("assay distances: same-source max {max_same}, different-source min {min_different}");
    assert!(
        ours_auc >= theirs_auc,
        "assay AUC {ours_auc:.4} is below imagehash's {theirs_auc:.4}"
    );
}
