//! Metadata extraction of a typical camera JPEG (Canon EOS 600D, Exif with
//! maker notes) next to `exiftool -j` on the same file, measured in the same
//! run. exiftool runs as a process, as a service shelling out to it would;
//! the ratio printed at the end is exiftool's median over ours.

use std::process::Command;

use criterion::{criterion_group, criterion_main, Criterion};
use extract::{metadata, Format};

mod support;
use support::{corpus_file, median_ns};

const FILE: &str = "exif_canon_t3i.jpg";

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

fn report(_: &mut Criterion) {
    if let (Some(ours), Some(exiftool)) = (
        median_ns("metadata", "assay_extract"),
        median_ns("metadata", "exiftool_j"),
    ) {
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
