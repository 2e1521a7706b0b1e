//! Metadata extraction of a typical camera JPEG (Canon EOS 600D, Exif with
//! maker notes) next to `exiftool -j` on the same file, measured in the same
//! run. exiftool runs as a process, as a service shelling out to it would;
//! the ratio printed at the end is exiftool's median over ours.

use std::path::PathBuf;
use std::process::Command;

use criterion::{criterion_group, criterion_main, Criterion};
use extract::{metadata, Format};

const FILE: &str = "exif_canon_t3i.jpg";

fn corpus_file(name: &str) -> PathBuf {
    let shared = std::env::var_os("ASSAY_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let path = shared.join("corpus").join(name);
    assert!(
        path.is_file(),
        "{} missing (set ASSAY_SHARED)",
        path.display()
    );
    path
}

fn bench(c: &mut Criterion) {
    let path = corpus_file(FILE);
    let bytes = std::fs::read(&path).expect("corpus file is readable");
    let format = Format::sniff(&bytes).expect("a JPEG");
    assert!(
        metadata::extract(&bytes, format).len() > 30,
        "the bench file should carry Exif"
    );

    let mut group = c.benchmark_group("metadata");
    group.bench_function("assay_extract", |b| {
        b.iter(|| metadata::extract(std::hint::black_box(&bytes), format))
    });
    group.sample_size(10);
    group.bench_function("exiftool_j", |b| {
        b.iter(|| {
            let out = Command::new("exiftool")
                .arg("-j")
                .arg(&path)
                .output()
                .expect("exiftool is installed");
            assert!(out.status.success());
            out.stdout
        })
    });
    group.finish();
}

/// Criterion's median point estimate (ns) for one benchmark of this run.
fn median_ns(id: &str) -> Option<f64> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let file = target
        .join("criterion/metadata")
        .join(id)
        .join("new/estimates.json");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(file).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}

fn report(_: &mut Criterion) {
    if let (Some(ours), Some(exiftool)) = (median_ns("assay_extract"), median_ns("exiftool_j")) {
        println!(
            "metadata of {FILE}: assay {:.1} µs, exiftool -j {:.1} ms (median) -> exiftool takes {:.0}x as long",
            ours / 1e3,
            exiftool / 1e6,
            exiftool / ours
        );
    }
}

criterion_group!(benches, bench, report);
criterion_main!(benches);
