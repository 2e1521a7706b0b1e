//! `media_metadata` against exiftool, differentially: exiftool itself writes
//! values into copies of corpus files (every writable tag of each family it
//! lists with `-listw`, as text, as a number, as a code outside its lookup,
//! empty, long and non-ASCII; lists, structures, language alternatives; ICC
//! profiles and Photoshop resources moved between containers), then each
//! copy, and every corpus file as it is, is read by assay and by
//! `exiftool -j`, and the two flat maps are compared tag by tag.
//!
//! A tag's family is the exiftool group its winning value came from
//! (`exiftool -j -G1 -a`), as in the corpus oracle. Agreement per family is
//! printed with every miss, and must reach the issue's targets. exiftool is a
//! test dependency (scripts/setup.sh); without it the test fails loudly.

// A test or bench: a panic is its failure report (workspace lint `unwrap_used`
// covers the code that runs in production).
#![allow(clippy::unwrap_used)]

mod corpus_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use extract::{metadata, Format};
use serde_json::{Map, Value};

use corpus_support::corpus_dir;

/// Families scored, the exiftool group-1 names that make them, and the agreement each must reach.
const FAMILIES: [(&str, &[&str], f64); 7] = [
    (
        "Exif",
        &["IFD0", "IFD1", "ExifIFD", "InteropIFD", "SubIFD"],
        0.99,
    ),
    ("GPS", &["GPS"], 0.99),
    ("IPTC", &["IPTC"], 0.98),
    ("XMP", &["XMP-"], 0.98),
    ("JFIF", &["JFIF", "JFXX"], 0.95),
    ("ICC_Profile", &["ICC_Profile", "ICC-"], 0.95),
    ("Photoshop", &["Photoshop"], 0.95),
];

/// Tags the map leaves out on purpose (where bytes lie in the file; binary).
const NOT_SCORED: [&str; 10] = [
    "ThumbnailImage",
    "ThumbnailOffset",
    "ThumbnailLength",
    "StripOffsets",
    "StripByteCounts",
    "PreviewImage",
    "JpgFromRaw",
    "MakerNote",
    "ExifByteOrder",
    "SourceFile",
];

const LONG_TEXT: &str = "Zürich — 東京 — ☃ — a long caption that goes on and on. ";

/// One file to write: the corpus file it starts from and exiftool's arguments.
struct Variant {
    base: &'static str,
    args: Vec<String>,
}

fn variant(base: &'static str, args: &[&str]) -> Variant {
    Variant {
        base,
        args: args.iter().map(|a| a.to_string()).collect(),
    }
}

/// exiftool's writable tags of a group (`exiftool -listw -GROUP:All`).
fn writable(group: &str) -> Vec<String> {
    let out = exiftool(&["-listw", &format!("-{group}:All")]);
    out.lines()
        .skip(1)
        .flat_map(|l| l.split_whitespace())
        .map(str::to_string)
        .collect()
}

/// Every writable tag of `group` set to `value` (exiftool skips the tags the
/// value does not fit, with a warning).
fn all_tags(base: &'static str, group: &str, value: &str, skip: &[&str]) -> Variant {
    let args = writable(group)
        .into_iter()
        .filter(|t| !skip.contains(&t.as_str()))
        .map(|t| format!("-{group}:{t}={value}"))
        .collect();
    Variant { base, args }
}

/// The longest prefix of `s` of at most `bytes` bytes that ends on a character boundary.
fn within(s: &str, bytes: usize) -> &str {
    let mut end = bytes.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn variants(scratch: &Path) -> Vec<Variant> {
    let long = LONG_TEXT.repeat(20);
    let plain = "jpeg_plain_jfif_2352x1568.jpg";
    let camera = "exif_canon_40d.jpg";
    let photoshop = "iptc_xmp_photoshop3.jpg";
    // Binary or structural tags a value cannot be typed into.
    let binary: &[&str] = &[
        "ThumbnailImage",
        "PreviewImage",
        "PhotoshopThumbnail",
        "PhotoshopBGRThumbnail",
    ];
    let mut all = vec![
        // PhotoMechanic's Prefs in IPTC and XMP: a run, a run inside text
        // with spaces, no run.
        variant(
            plain,
            &["-IPTC:Prefs=1:2:3:4", "-XMP-photomech:Prefs=0:5:4:12a"],
        ),
        variant(
            plain,
            &[
                "-IPTC:Prefs=x 12: 3:0:frame b",
                "-XMP-photomech:Prefs=1:2:three",
            ],
        ),
        // Exif: every writable tag as text, as a number, then edge values.
        all_tags(plain, "EXIF", "Ünïcode ✓ text", binary),
        all_tags(plain, "EXIF", "7", binary),
        all_tags(camera, "EXIF", "3", binary),
        variant(
            plain,
            &[
                "-EXIF:Orientation#=9",
                "-EXIF:Flash#=2",
                "-EXIF:MeteringMode#=255",
                "-EXIF:LightSource#=300",
                "-EXIF:ColorSpace#=2",
            ],
        ),
        variant(
            plain,
            &[
                "-EXIF:ImageDescription=",
                "-EXIF:Artist=",
                &format!("-EXIF:Copyright={long}"),
            ],
        ),
        variant(
            plain,
            &[
                "-EXIF:ExposureTime=1/320",
                "-EXIF:FNumber=2.8",
                "-EXIF:ISO=400",
                "-EXIF:FocalLength=35",
                "-EXIF:ExposureCompensation=-0.67",
                "-EXIF:LensInfo=24 70 2.8 4",
                "-EXIF:ShutterSpeedValue=1/125",
                "-EXIF:ApertureValue=5.6",
                "-EXIF:SubjectDistance=2.5",
                "-EXIF:YCbCrSubSampling=2 2",
                "-EXIF:CFAPattern=[Red,Green][Green,Blue]",
            ],
        ),
        variant(
            plain,
            &[
                "-EXIF:UserComment=héllo",
                "-EXIF:XPTitle=Tïtle",
                "-EXIF:XPKeywords=a;b",
                "-EXIF:DateTimeOriginal=2024:01:02 03:04:05",
                "-EXIF:OffsetTimeOriginal=+02:00",
            ],
        ),
        // GPS: both hemispheres, below sea level, codes outside the lookup.
        all_tags(plain, "GPS", "7", binary),
        variant(
            plain,
            &[
                "-GPSLatitude=48.8584",
                "-GPSLatitudeRef=N",
                "-GPSLongitude=2.2945",
                "-GPSLongitudeRef=E",
                "-GPSAltitude=330.5",
                "-GPSAltitudeRef=0",
                "-GPSTimeStamp=12:34:56.5",
                "-GPSDateStamp=2024:01:02",
                "-GPSSpeed=5",
                "-GPSSpeedRef=K",
                "-GPSImgDirection=123.4",
                "-GPSImgDirectionRef=T",
                "-GPSMapDatum=WGS-84",
            ],
        ),
        variant(
            plain,
            &[
                "-GPSLatitude=33.8568",
                "-GPSLatitudeRef=S",
                "-GPSLongitude=151.2153",
                "-GPSLongitudeRef=W",
                "-GPSAltitude=10",
                "-GPSAltitudeRef=1",
                "-GPSStatus#=X",
                "-GPSMeasureMode#=9",
                "-GPSDifferential#=5",
            ],
        ),
        // IPTC: every dataset as text and as digits, codes outside lookups, lists.
        all_tags(plain, "IPTC", "Zürich ✓", binary),
        all_tags(plain, "IPTC", "20240102", binary),
        variant(
            plain,
            &[
                "-IPTC:CodedCharacterSet=UTF8",
                "-IPTC:Keywords=one",
                "-IPTC:Keywords=twö",
                "-IPTC:Keywords=three",
                // near IIM's 2,000-byte limit for the dataset
                &format!(
                    "-IPTC:Caption-Abstract={}",
                    within(&LONG_TEXT.repeat(40), 1900)
                ),
                "-IPTC:DateCreated=2024:01:02",
                "-IPTC:TimeCreated=10:15:30+02:00",
                "-IPTC:Urgency=5",
                "-IPTC:ObjectName=",
            ],
        ),
        variant(
            plain,
            &[
                "-IPTC:ObjectCycle#=x",
                "-IPTC:ActionAdvised#=07",
                "-IPTC:FileFormat#=99",
                "-IPTC:ImageOrientation#=Z",
                "-IPTC:Urgency#=3",
                "-IPTC:EditorialUpdate#=05",
            ],
        ),
        // XMP: every writable property of the namespaces photos carry.
        all_tags(plain, "XMP-dc", "Text ✓", binary),
        all_tags(plain, "XMP-xmp", "2024:01:02 03:04:05+01:00", binary),
        all_tags(plain, "XMP-xmp", "7", binary),
        all_tags(plain, "XMP-photoshop", "Zürich", binary),
        all_tags(plain, "XMP-photoshop", "3", binary),
        all_tags(plain, "XMP-iptcCore", "Mainz", binary),
        all_tags(plain, "XMP-xmpRights", "True", binary),
        all_tags(plain, "XMP-exif", "1/250", binary),
        all_tags(plain, "XMP-exif", "2", binary),
        all_tags(plain, "XMP-tiff", "3", binary),
        all_tags(plain, "XMP-aux", "42", binary),
        all_tags(plain, "XMP-crs", "True", binary),
        all_tags(plain, "XMP-crs", "+25", binary),
        all_tags(plain, "XMP-xmpMM", "xmp.did:1234", binary),
        all_tags(plain, "XMP-iptcExt", "Ext ✓", binary),
        all_tags(plain, "XMP-mwg-rs", "0.5", binary),
        variant(
            plain,
            &[
                "-XMP-dc:Title=Title",
                "-XMP-dc:Title-de=Titel",
                "-XMP-dc:Title-fr-FR=Titre",
                "-XMP-dc:Subject=a",
                "-XMP-dc:Subject=b, c",
                "-XMP-dc:Creator=Ann",
                "-XMP-dc:Creator=Bob",
                &format!("-XMP-dc:Description={long}"),
            ],
        ),
        variant(
            plain,
            &[
                "-XMP-xmpMM:HistoryAction=created",
                "-XMP-xmpMM:HistoryWhen=2024:01:02 03:04:05",
                "-XMP-crs:RetouchAreaSpotType=heal",
                "-XMP-crs:RetouchAreaMaskWhat=Mask/Circle",
                "-XMP-crs:RetouchAreaMaskCenterValue=0.5",
                "-XMP-mwg-rs:RegionName=Face",
                "-XMP-mwg-rs:RegionAreaX=0.25",
                "-XMP-exif:GPSLatitude=12.5",
                "-XMP-exif:GPSLatitudeRef=S",
                "-XMP-exif:GPSLongitude=45.25",
            ],
        ),
        variant(
            plain,
            &[
                "-XMP-exif:Flash#=2",
                "-XMP-exif:ExposureProgram#=99",
                "-XMP-tiff:Orientation#=9",
                "-XMP-photoshop:ColorMode#=5",
                "-XMP-photoshop:Urgency=7",
                "-XMP-xmp:Rating=-1",
            ],
        ),
        // JFIF next to Exif: exiftool's precedence decides the resolution.
        variant(
            plain,
            &[
                "-JFIF:XResolution=300",
                "-JFIF:YResolution=300",
                "-JFIF:ResolutionUnit=inches",
            ],
        ),
        variant(
            camera,
            &[
                "-JFIF:XResolution=96",
                "-JFIF:YResolution=96",
                "-JFIF:ResolutionUnit=cm",
            ],
        ),
        // Photoshop resources, and their IPTC, in JPEG and TIFF.
        all_tags(plain, "Photoshop", "2", binary),
        variant(
            photoshop,
            &[
                "-Photoshop:XResolution=240",
                "-Photoshop:DisplayedUnitsX=cm",
                "-Photoshop:CopyrightFlag=True",
                "-Photoshop:URL=http://example.com/ü",
                "-Photoshop:GlobalAngle=30",
                "-Photoshop:GlobalAltitude=45",
                "-Photoshop:PhotoshopQuality=10",
            ],
        ),
        variant(
            "tiff_exiftool.tif",
            &[
                "-Photoshop:XResolution=300",
                "-Photoshop:CopyrightFlag=False",
                "-IPTC:Keywords=tiff",
            ],
        ),
    ];
    // ICC profiles moved into every container that carries one.
    for (target, source) in [
        (plain, "heic_iphone_img2927.heic"),
        (plain, "xmp_iptc_canon_7d.jpg"),
        ("png_exiftool_tiny.png", photoshop),
        ("webp_photo1.webp", "orient_portrait_6.jpg"),
        ("tiff_exiftool.tif", "tiff_bsg1.tiff"),
    ] {
        let source = corpus_dir().join(source);
        let arg = format!("-ICC_Profile<={}", extract_icc(&source, scratch).display());
        all.push(Variant {
            base: target,
            args: vec![arg],
        });
    }
    all
}

/// The ICC profile of `file`, written next to the scratch files.
fn extract_icc(file: &Path, scratch: &Path) -> PathBuf {
    let out = scratch.join(format!(
        "{}.icc",
        file.file_name().unwrap().to_string_lossy()
    ));
    let bytes = Command::new("exiftool")
        .args(["-b", "-ICC_Profile"])
        .arg(file)
        .output()
        .expect("exiftool runs")
        .stdout;
    assert!(!bytes.is_empty(), "{} has an ICC profile", file.display());
    std::fs::write(&out, bytes).unwrap();
    out
}

fn exiftool(args: &[&str]) -> String {
    let out = Command::new("exiftool")
        .args(args)
        .output()
        .expect("exiftool (libimage-exiftool-perl) is installed: scripts/setup.sh");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// exiftool's flat and grouped JSON for each file, in order.
fn oracle(files: &[PathBuf]) -> Vec<(Map<String, Value>, Map<String, Value>)> {
    let read = |extra: &[&str]| -> Vec<Map<String, Value>> {
        let mut args: Vec<String> = ["-j", "-q", "-q", "--System:all", "--ExifTool:all"]
            .iter()
            .chain(extra)
            .map(|s| s.to_string())
            .collect();
        args.extend(files.iter().map(|f| f.display().to_string()));
        let out = Command::new("exiftool")
            .args(&args)
            .output()
            .expect("exiftool runs");
        let text = quote_bare_scalars(&String::from_utf8_lossy(&out.stdout));
        let json: Vec<Value> = serde_json::from_str(&text).expect("exiftool -j output");
        json.into_iter()
            .map(|v| v.as_object().cloned().unwrap_or_default())
            .collect()
    };
    let flat = read(&[]);
    let grouped = read(&["-G1", "-a"]);
    assert_eq!(flat.len(), files.len());
    flat.into_iter().zip(grouped).collect()
}

/// exiftool -j writes a printed value that looks like a number as a bare
/// JSON number ("0.00" as `0.00`) and "True"/"False" as `true`/`false`;
/// parsed as JSON, "0.00" would become 0.0. Quoting every bare scalar keeps
/// the printed text (booleans keep only their lower-cased text).
fn quote_bare_scalars(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 64);
    let mut chars = json.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                out.push(c);
                while let Some(c) = chars.next() {
                    out.push(c);
                    match c {
                        '\\' => out.extend(chars.next()),
                        '"' => break,
                        _ => {}
                    }
                }
            }
            c if c == '-' || c.is_ascii_alphanumeric() => {
                let mut token = c.to_string();
                while let Some(&n) = chars.peek() {
                    if n == ',' || n == ']' || n == '}' || n.is_whitespace() {
                        break;
                    }
                    token.push(n);
                    chars.next();
                }
                if token == "null" {
                    out.push_str(&token);
                } else {
                    out.push('"');
                    out.push_str(&token);
                    out.push('"');
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// Whether our printed value is what exiftool printed. A JSON boolean lost
/// its case ("True" in the file arrives as `true`), so it matches either case.
fn agrees(got: &str, want: &str) -> bool {
    let (got, want) = (fold(got), fold(want));
    got == want || (matches!(want.as_str(), "true" | "false") && got.eq_ignore_ascii_case(&want))
}

/// Our flat metadata map of `file` (empty for a format we do not know).
fn our_metadata(file: &Path) -> metadata::MediaMetadata {
    let bytes = std::fs::read(file).unwrap();
    Format::sniff(&bytes)
        .map(|f| metadata::extract(&bytes, f))
        .unwrap_or_default()
}

fn text(value: &Value) -> String {
    match value {
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(", "),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn fold(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The family of the group the winning value of `name` came from.
fn family(name: &str, value: &Value, grouped: &Map<String, Value>) -> Option<&'static str> {
    grouped
        .iter()
        .filter(|(key, v)| key.split_once(':').is_some_and(|(_, n)| n == name) && *v == value)
        .map(|(key, _)| key.split_once(':').unwrap().0)
        .map(|group| {
            if group == "Composite" && name.starts_with("GPS") {
                "GPS"
            } else {
                group
            }
        })
        .find_map(|group| {
            FAMILIES
                .iter()
                .find(|(_, groups, _)| groups.iter().any(|g| group.starts_with(g)))
                .map(|(f, _, _)| *f)
        })
}

#[derive(Default)]
struct Score {
    matched: usize,
    scored: usize,
}

#[test]
fn media_metadata_agrees_with_exiftool_on_written_values_and_the_corpus() {
    let scratch = std::env::temp_dir().join(format!("assay-metadata-diff-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let mut files = Vec::new();
    for (i, v) in variants(&scratch).into_iter().enumerate() {
        let out = scratch.join(format!("{i:02}-{}", v.base));
        std::fs::copy(corpus_dir().join(v.base), &out).unwrap();
        let status = Command::new("exiftool")
            .args(["-q", "-q", "-m", "-overwrite_original"])
            .args(&v.args)
            .arg(&out)
            .status()
            .expect("exiftool runs");
        assert!(
            status.success() || status.code() == Some(1),
            "exiftool {:?}",
            v.args
        );
        files.push(out);
    }
    let mut corpus: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| {
            !matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("md" | "json" | "py")
            )
        })
        .collect();
    corpus.sort();
    files.extend(corpus);

    let mut scores: BTreeMap<&str, Score> = BTreeMap::new();
    let mut misses = Vec::new();
    for (file, (flat, grouped)) in files.iter().zip(oracle(&files)) {
        let ours = our_metadata(file);
        for (name, value) in &flat {
            let want = text(value);
            if NOT_SCORED.contains(&name.as_str()) || want.contains("Binary data") {
                continue;
            }
            let Some(family) = family(name, value, &grouped) else {
                continue;
            };
            let score = scores.entry(family).or_default();
            score.scored += 1;
            match ours.get(name) {
                Some(got) if agrees(got, &want) => score.matched += 1,
                got => misses.push(format!(
                    "{}: {family} {name}: exiftool {:?}, assay {:?}",
                    file.file_name().unwrap().to_string_lossy(),
                    want.chars().take(80).collect::<String>(),
                    got.map(|g| g.chars().take(80).collect::<String>())
                )),
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);

    println!("missed tags ({}):", misses.len());
    for miss in &misses {
        println!("  {miss}");
    }
    println!(
        "{:<12} {:>8} {:>7} {:>7}",
        "family", "matched", "scored", "%"
    );
    for (family, s) in &scores {
        println!(
            "{family:<12} {:>8} {:>7} {:>6.1}%",
            s.matched,
            s.scored,
            100.0 * s.matched as f64 / s.scored.max(1) as f64
        );
    }
    for (family, _, target) in FAMILIES {
        let s = scores
            .get(family)
            .unwrap_or_else(|| panic!("{family}: nothing scored"));
        let agreement = s.matched as f64 / s.scored as f64;
        assert!(
            agreement >= target,
            "{family}: {:.1}% < {:.0}%",
            100.0 * agreement,
            100.0 * target
        );
    }
}

/// A plain web JPEG, JFIF and an ICC profile and nothing else, answers its
/// JFIF and ICC facts as exiftool prints them, plus Cloudinary's computed
/// keys (issue 17: such a file used to answer `{}`).
#[test]
fn a_plain_web_jpeg_answers_its_jfif_and_icc_facts() {
    let scratch = std::env::temp_dir().join(format!("assay-metadata-web-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let file = scratch.join("web.jpg");
    std::fs::copy(corpus_dir().join("jpeg_plain_jfif_2352x1568.jpg"), &file).unwrap();
    let icc = extract_icc(&corpus_dir().join("heic_iphone_img2927.heic"), &scratch);
    let status = Command::new("exiftool")
        .args(["-q", "-q", "-overwrite_original", "-Comment="])
        .args([
            "-JFIF:ResolutionUnit=inches",
            "-JFIF:XResolution=72",
            "-JFIF:YResolution=72",
        ])
        .arg(format!("-ICC_Profile<={}", icc.display()))
        .arg(&file)
        .status()
        .expect("exiftool runs");
    assert!(status.success());
    let bytes = std::fs::read(&file).unwrap();
    let ours = metadata::extract(&bytes, Format::Jpg);
    let (flat, _) = oracle(std::slice::from_ref(&file)).remove(0);
    let _ = std::fs::remove_dir_all(&scratch);
    for key in [
        "JFIFVersion",
        "ResolutionUnit",
        "XResolution",
        "YResolution",
        "ProfileDescription",
        "ProfileClass",
        "ColorSpaceData",
        "MediaWhitePoint",
    ] {
        let want = flat.get(key).map(text);
        assert!(want.is_some(), "exiftool prints {key}");
        assert_eq!(ours.get(key), want.as_ref(), "{key}");
    }
    assert_eq!(ours["Colorspace"], "RGB");
    assert_eq!(ours["DPI"], "72");
}

/// A fresh 8x8 grey JPEG (or TIFF with `pages` pages) from ImageMagick,
/// with nothing but what the encoder writes.
fn blank_image(scratch: &Path, name: &str, pages: usize) -> PathBuf {
    let out = scratch.join(name);
    let status = Command::new("convert")
        .args(["-size", "8x8"])
        .args(std::iter::repeat_n("xc:gray", pages))
        .arg(&out)
        .status()
        .expect("ImageMagick's convert is installed: scripts/setup.sh");
    assert!(status.success(), "convert {name}");
    out
}

/// exiftool writes `args` into `file` in place.
fn exiftool_writes(file: &Path, args: &[String]) {
    let status = Command::new("exiftool")
        .args(["-q", "-q", "-m", "-overwrite_original"])
        .args(args)
        .arg(file)
        .status()
        .expect("exiftool runs");
    assert!(status.success(), "exiftool {args:?}");
}

/// Every tag of a scored family exiftool prints for each file that assay
/// misses or prints otherwise, and every tag assay adds that exiftool does
/// not print at all (Cloudinary's computed keys aside).
fn disagreements(files: &[PathBuf]) -> Vec<String> {
    const COMPUTED: [&str; 5] = [
        "Colorspace",
        "DPI",
        "GPSLatitudeDecimal",
        "GPSLongitudeDecimal",
        "GPSAltitudeDecimal",
    ];
    let mut misses = Vec::new();
    for (file, (flat, grouped)) in files.iter().zip(oracle(files)) {
        let file_name = file.file_name().unwrap().to_string_lossy();
        let ours = our_metadata(file);
        for (name, value) in &flat {
            let want = text(value);
            if NOT_SCORED.contains(&name.as_str())
                || want.contains("Binary data")
                || family(name, value, &grouped).is_none()
            {
                continue;
            }
            match ours.get(name) {
                Some(got) if agrees(got, &want) => {}
                got => misses.push(format!(
                    "{file_name}: {name}: exiftool {want:?}, assay {got:?}"
                )),
            }
        }
        for (name, value) in &ours {
            if !flat.contains_key(name) && !COMPUTED.contains(&name.as_str()) {
                misses.push(format!("{file_name}: {name}: only assay, {value:?}"));
            }
        }
    }
    misses
}

/// A packet exiftool cannot write tag by tag: fields its tables do not know
/// (in known and unknown structures, in lists and language alternatives),
/// upper-case property names, rdf:value qualifiers, shorthand attributes,
/// rdf:Description items, empty structures and containers, a property met
/// again in a later rdf:Description, and a list past exiftool's 1,000 items.
fn odd_packet() -> String {
    let many: String = (0..1200).map(|i| format!("<rdf:li>{i}</rdf:li>")).collect();
    format!(
        r#"<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?>
<x:xmpmeta xmlns:x='adobe:ns:meta/'>
<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>
 <rdf:Description rdf:about='' xmlns:my='urn:example:my/'
   xmlns:Iptc4xmpExt='http://iptc.org/std/Iptc4xmpExt/2008-02-29/'
   xmlns:mwg-rs='http://www.metadataworkinggroup.com/schemas/regions/'
   xmlns:stArea='http://ns.adobe.com/xmp/sType/Area#'
   xmlns:xmpMM='http://ns.adobe.com/xap/1.0/mm/'
   xmlns:stEvt='http://ns.adobe.com/xap/1.0/sType/ResourceEvent#'
   xmlns:dc='http://purl.org/dc/elements/1.1/'>
  <my:Things><rdf:Bag>
   <rdf:li rdf:parseType='Resource'><my:name>first</my:name>
    <my:tags><rdf:Bag><rdf:li>t1</rdf:li><rdf:li>t2</rdf:li></rdf:Bag></my:tags>
    <my:label><rdf:Alt><rdf:li xml:lang='x-default'>L1</rdf:li><rdf:li xml:lang='DE-de'>L1de</rdf:li></rdf:Alt></my:label></rdf:li>
   <rdf:li rdf:parseType='Resource'><my:name>second</my:name>
    <my:tags><rdf:Bag><rdf:li>t3</rdf:li></rdf:Bag></my:tags>
    <my:label><rdf:Alt><rdf:li xml:lang='X-DEFAULT'>L2</rdf:li><rdf:li xml:lang='de-DE'>L2de</rdf:li></rdf:Alt></my:label></rdf:li>
   <rdf:li my:name='third' my:ratio='1/4' my:when='2020-02-02T10:00'/>
  </rdf:Bag></my:Things>
  <my:GPS_POS_X>12</my:GPS_POS_X>
  <my:UPPER>up</my:UPPER>
  <my:Qual rdf:parseType='Resource'><rdf:value>main</rdf:value><my:unit>cm</my:unit></my:Qual>
  <my:Link rdf:resource='http://example.com/'/>
  <Iptc4xmpExt:LocationShown><rdf:Bag>
   <rdf:li rdf:parseType='Resource'><Iptc4xmpExt:City>A</Iptc4xmpExt:City><Iptc4xmpExt:Planet>Earth</Iptc4xmpExt:Planet><my:extra>e1</my:extra></rdf:li>
   <rdf:li rdf:parseType='Resource'><Iptc4xmpExt:City>B</Iptc4xmpExt:City><Iptc4xmpExt:Planet>Mars</Iptc4xmpExt:Planet><my:extra>e2</my:extra></rdf:li>
  </rdf:Bag></Iptc4xmpExt:LocationShown>
  <mwg-rs:Regions rdf:parseType='Resource'><mwg-rs:RegionList><rdf:Bag>
   <rdf:li><rdf:Description mwg-rs:Name='N1' mwg-rs:Mood='happy'><mwg-rs:Area stArea:x='0.5' stArea:zz='9'/></rdf:Description></rdf:li>
   <rdf:li><rdf:Description mwg-rs:Name='N2' mwg-rs:Mood='sad'><mwg-rs:Area stArea:x='0.6' stArea:zz='8'/></rdf:Description></rdf:li>
  </rdf:Bag></mwg-rs:RegionList></mwg-rs:Regions>
  <xmpMM:History><rdf:Seq>
   <rdf:li rdf:parseType='Resource'><stEvt:action>saved</stEvt:action><stEvt:when>2020-02-02T10:00</stEvt:when></rdf:li>
   <rdf:li rdf:parseType='Resource'><stEvt:action>converted</stEvt:action><stEvt:parameters>from a to b</stEvt:parameters></rdf:li>
   <rdf:li rdf:parseType='Resource'/>
  </rdf:Seq></xmpMM:History>
  <xmpMM:DerivedFrom rdf:parseType='Resource'/>
  <dc:title><rdf:Alt><rdf:li>one</rdf:li><rdf:li>two</rdf:li></rdf:Alt></dc:title>
  <dc:subject><rdf:Bag/></dc:subject>
  <my:Empty rdf:parseType='Resource'/>
  <my:EmptyText></my:EmptyText>
  <my:Many><rdf:Seq>{many}</rdf:Seq></my:Many>
 </rdf:Description>
 <rdf:Description rdf:about='' xmlns:my='urn:example:my/'>
  <my:Things><rdf:Bag><rdf:li rdf:parseType='Resource'><my:name>later</my:name></rdf:li></rdf:Bag></my:Things>
 </rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end='w'?>"#
    )
}

/// Lists of structures, nested structures, language alternatives inside
/// structures, empty and odd ones: exiftool writes them into fresh images,
/// and every XMP tag `exiftool -j` then prints, flattened by its own rules
/// (XMPStruct.pl, XMP.pm's FoundXMP), is what assay prints.
#[test]
fn xmp_structures_flatten_as_exiftool_flattens_them() {
    let scratch = std::env::temp_dir().join(format!("assay-xmp-struct-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let packet = scratch.join("odd.xmp");
    std::fs::write(&packet, odd_packet()).unwrap();
    let cases: Vec<Vec<String>> = [
        // lists of structures, a lang-alt and a list inside them
        vec![
            "-XMP-iptcExt:LocationCreated=[{City=Paris,CountryName=France,LocationName=Eiffel,LocationName-fr=Tour},{LocationName-de=Turm,City=Rome}]",
            "-XMP-iptcExt:LocationShown=[{City=A,Sublocation=s1},{City=B},{CountryCode=DE}]",
            "-XMP-iptcExt:ArtworkOrObject=[{AOTitle=Mona,AOTitle-de=Mona-de,AOCreator=[Leo,Da]},{AOTitle=Other,AOCreator=[Me]}]",
            "-XMP-photoshop:TextLayers=[{LayerName=L1,LayerText=T1},{LayerName=L2}]",
            "-XMP-xmpTPg:Fonts=[{FontName=Arial,FontType=TrueType,ChildFontFiles=[a.ttf,b.ttf]},{FontName=Times}]",
            "-XMP-xmpTPg:Colorants=[{SwatchName=Red,Mode=RGB,Red=255,Green=0,Blue=0},{SwatchName=Cyan,Mode=CMYK,Cyan=100}]",
        ],
        // nested structures
        vec![
            "-XMP-mwg-rs:RegionInfo={AppliedToDimensions={W=8,H=8,Unit=pixel},RegionList=[{Area={X=0.5,Y=0.5,W=0.1,H=0.1,Unit=normalized},Name=Ann,Type=Face},{Area={X=0.2,Y=0.3,W=0.1,H=0.1,Unit=normalized},Name=Bob,Type=Pet,Rotation=0.5}]}",
            "-XMP-iptcCore:CreatorContactInfo={CiAdrCity=Mainz,CiEmailWork=a@b.c}",
            "-XMP-xmpMM:History=[{Action=created,When=2020:01:01 00:00:00},{Action=saved,Changed=/metadata,SoftwareAgent=X}]",
            "-XMP-xmpMM:DerivedFrom={DocumentID=d1,InstanceID=i1}",
            "-XMP-xmpMM:Ingredients=[{DocumentID=g1,FilePath=a.psd},{DocumentID=g2}]",
            "-XMP-mwg-kw:KeywordInfo={Hierarchy=[{Keyword=A,Applied=true,Children=[{Keyword=B,Children=[{Keyword=C}]}]},{Keyword=D}]}",
        ],
        // empty structures, items and fields
        vec![
            "-XMP-xmpMM:History=[{Action=created},{}]",
            "-XMP-xmpMM:DerivedFrom={}",
            "-XMP-iptcCore:CreatorContactInfo={CiAdrCity=}",
            "-XMP-iptcExt:LocationCreated=[{},{City=}]",
        ],
        // flattened tags written one by one
        vec![
            "-XMP-iptcExt:LocationShownCity+=Oslo",
            "-XMP-iptcExt:LocationShownCity+=Bergen",
            "-XMP-mwg-rs:RegionName+=Cat",
            "-XMP-mwg-rs:RegionDescription+=Sleeping, on a mat",
            "-XMP-xmpMM:HistoryWhen+=2024:05:06 07:08",
        ],
    ]
    .into_iter()
    .map(|args| args.into_iter().map(str::to_string).collect())
    .chain([vec![format!("-xmp<={}", packet.display())]])
    .collect();
    let files: Vec<PathBuf> = cases
        .iter()
        .enumerate()
        .map(|(i, args)| {
            let file = blank_image(&scratch, &format!("struct-{i}.jpg"), 1);
            exiftool_writes(&file, args);
            file
        })
        .collect();
    let misses = disagreements(&files);
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(misses.is_empty(), "{}", misses.join("\n"));
}

/// Where one name has several values, the one exiftool prints: a multi-page
/// TIFF's last page (every IFD of a TIFF file has normal priority), and an
/// empty Exif GPS value over the XMP copy beside it (XMP-exif has priority
/// 0). exiftool will not write an empty value, so it writes one character
/// and the entry's count is cut to leave none.
#[test]
fn duplicate_tags_take_the_value_exiftool_prints() {
    let scratch = std::env::temp_dir().join(format!("assay-duplicates-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let pages = blank_image(&scratch, "pages.tif", 3);
    exiftool_writes(&pages, &["-IFD1:Artist=second page".to_string()]);

    let gps = blank_image(&scratch, "gps.jpg", 1);
    let args = [
        "-EXIF:GPSMapDatum=Q",
        "-EXIF:GPSLatitude=1",
        "-EXIF:GPSLatitudeRef=N",
        "-EXIF:GPSLongitude=2",
        "-EXIF:GPSLongitudeRef=E",
        "-XMP-exif:GPSMapDatum=WGS-84",
        "-XMP-exif:GPSLatitude=12.5N",
        "-XMP-exif:GPSLongitude=3.5E",
    ];
    exiftool_writes(&gps, &args.map(str::to_string));
    let mut bytes = std::fs::read(&gps).unwrap();
    // GPSMapDatum (0x12), ASCII, 2 bytes "Q\0" -> 1 byte "\0";
    // GPSLatitude (2), RATIONAL, 3 values -> none. exiftool writes big-endian.
    for (entry, count) in [
        (&[0, 0x12, 0, 2, 0, 0, 0, 2, b'Q', 0][..], 1u8),
        (&[0, 2, 0, 5, 0, 0, 0, 3][..], 0),
    ] {
        let at = bytes
            .windows(entry.len())
            .position(|w| w == entry)
            .expect("exiftool wrote the GPS entry");
        bytes[at + 7] = count;
        if entry.len() > 8 {
            bytes[at + 8] = 0;
        }
    }
    std::fs::write(&gps, &bytes).unwrap();

    let misses = disagreements(&[pages, gps]);
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(misses.is_empty(), "{}", misses.join("\n"));
}
