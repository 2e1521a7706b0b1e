//! The same bytes and options give the same JSON, byte for byte, on every run
//! and from any number of threads at once.

mod corpus_support;

use extract::AnalysisKind;
use extract::{analyze, Options};

const FILES: &[&str] = &[
    "jpeg_plain_jfif_2352x1568.jpg",
    "orient_portrait_6.jpg",
    "apng_anim_iss634.png",
    "gif_anim_iss634.gif",
    "webp_photo1.webp",
    "tiff_bsg1.tiff",
];

fn json_of(bytes: &[u8]) -> String {
    let options = Options {
        analyses: AnalysisKind::Colors
            | AnalysisKind::Phash
            | AnalysisKind::MediaMetadata
            | AnalysisKind::Faces,
        custom_coordinates: Some(vec![extract::Rect {
            x: 5,
            y: 5,
            w: 100,
            h: 100,
        }]),
        ..Default::default()
    };
    serde_json::to_string(&analyze(bytes, &options).expect("corpus file analyses"))
        .expect("serialises")
}

#[test]
fn same_bytes_give_the_same_json_on_every_run_and_thread() {
    for name in FILES {
        let bytes = corpus_support::read_file(name);
        let reference = json_of(&bytes);
        let results: Vec<String> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..4)
                .map(|_| scope.spawn(|| (0..2).map(|_| json_of(&bytes)).collect::<Vec<_>>()))
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().expect("worker finished"))
                .collect()
        });
        for (i, json) in results.iter().enumerate() {
            assert_eq!(json, &reference, "{name}: run {i} differs");
        }
    }
}
