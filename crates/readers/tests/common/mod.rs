//! Ground truth for reader tests: fixtures written by independent tools (soundfile,
//! MNE-Python, pyedflib) with a `*.truth.json` beside each, and the expected values in a
//! raw little-endian `f64` file (frame-major, interleaved) that the JSON names.
//!
//! ```json
//! {
//!   "writer": "soundfile 0.14.0 (libsndfile 1.2.2)",
//!   "streams": [{"name": "...", "rate": 100.0, "frames": 250,
//!                "channels": [{"label": "Fp1", "kind": "eeg", "unit": "V"}],
//!                "values": "x.s0.f64", "abs_tol": 0.0, "rel_tol": 1e-6}],
//!   "annotations": [{"onset": 0.5, "duration": 0.0, "description": "stim"}]
//! }
//! ```
#![allow(dead_code, clippy::unwrap_used)]

use player_api::{
    Block, OpenOptions, ReadError, ReadErrorKind, ReaderPlugin, Recording, SampleSource, StreamKind,
};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The repository's fixture directory for `format` (`examples/fixtures/<format>`).
pub fn fixture_dir(format: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/fixtures")
        .join(format)
}

/// The fixtures of `format` with extension `extension` that have a truth file, sorted.
pub fn fixtures_with_truth(format: &str, extension: &str) -> Vec<PathBuf> {
    let dir = fixture_dir(format);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .filter(|p| p.with_extension("truth.json").exists())
        .collect();
    paths.sort();
    paths
}

/// Every fixture of `format` with a truth file passes `player_api::conformance` with
/// `reader`.
pub fn assert_fixtures_conform(reader: &'static dyn ReaderPlugin, format: &str, extension: &str) {
    let paths = fixtures_with_truth(format, extension);
    assert!(!paths.is_empty(), "no {format} fixtures");
    for path in paths {
        player_api::conformance::assert_conforms(reader, &path);
    }
}

/// One stream's expected content.
#[derive(Debug)]
pub struct TruthStream {
    pub name: Option<String>,
    pub rate: f64,
    pub frames: usize,
    pub channels: Vec<(String, String, String)>,
    pub values: Vec<f64>,
    pub abs_tol: f64,
    pub rel_tol: f64,
}

/// A fixture's expected content.
#[derive(Debug)]
pub struct Truth {
    pub json: Value,
    pub streams: Vec<TruthStream>,
    pub annotations: Vec<(f64, f64, String)>,
}

/// Loads `<fixture>.truth.json` (the fixture path with its extension replaced).
pub fn load_truth(fixture: &Path) -> Truth {
    let json_path = fixture.with_extension("truth.json");
    let text = std::fs::read_to_string(&json_path)
        .unwrap_or_else(|e| panic!("{}: {e}", json_path.display()));
    let json: Value = serde_json::from_str(&text).unwrap();
    let dir = json_path.parent().unwrap();
    let streams = json["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let bytes = std::fs::read(dir.join(s["values"].as_str().unwrap())).unwrap();
            let values = bytes
                .chunks_exact(8)
                .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
                .collect();
            TruthStream {
                name: s["name"].as_str().map(str::to_string),
                rate: s["rate"].as_f64().unwrap(),
                frames: s["frames"].as_u64().unwrap() as usize,
                channels: s["channels"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| {
                        let f = |k: &str| c[k].as_str().unwrap_or("").to_string();
                        (f("label"), f("kind"), f("unit"))
                    })
                    .collect(),
                values,
                abs_tol: s["abs_tol"].as_f64().unwrap_or(0.0),
                rel_tol: s["rel_tol"].as_f64().unwrap_or(0.0),
            }
        })
        .collect();
    let annotations = json["annotations"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|x| {
                    (
                        x["onset"].as_f64().unwrap(),
                        x["duration"].as_f64().unwrap(),
                        x["description"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Truth {
        json,
        streams,
        annotations,
    }
}

/// Opens `path` with `reader` (panicking with the reader's message on failure).
pub fn open(reader: &dyn ReaderPlugin, path: &Path) -> Box<dyn Recording> {
    reader
        .open(path, &OpenOptions::default())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Reads a whole regular stream with reads of `block` frames.
pub fn read_all(source: &mut dyn SampleSource, channels: usize, block: usize) -> Vec<f64> {
    let mut all = Vec::new();
    let mut b = Block::new(StreamKind::Regular, channels, block);
    loop {
        b.clear();
        source.read(&mut b).unwrap_or_else(|e| panic!("{e}"));
        if b.is_empty() {
            return all;
        }
        all.extend_from_slice(b.values());
    }
}

/// One read of a regular stream into `out` (as many whole frames as it holds); returns
/// the frames read.
pub fn read_into(
    source: &mut dyn SampleSource,
    channels: usize,
    out: &mut [f64],
) -> Result<usize, ReadError> {
    let mut b = Block::new(StreamKind::Regular, channels, out.len() / channels);
    source.read(&mut b)?;
    out[..b.values().len()].copy_from_slice(b.values());
    Ok(b.frames())
}

/// Asserts that `got` equals `want` value by value within `abs_tol + rel_tol * |want|`,
/// reporting the first mismatch with its frame and channel.
pub fn assert_values_close(got: &[f64], want: &[f64], channels: usize, abs_tol: f64, rel_tol: f64) {
    assert_eq!(got.len(), want.len(), "value count differs");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let tol = abs_tol + rel_tol * w.abs();
        assert!(
            (g - w).abs() <= tol,
            "frame {} channel {}: got {g}, want {w} (tolerance {tol})",
            i / channels,
            i % channels
        );
    }
}

/// Reads stream `index` of `rec` whole in blocks of 1, 17 and 10000 frames, then after
/// seeks (a third in, the start, the last frame, two thirds in, and around frame 1024),
/// comparing every value with `t` within its tolerances; a seek to the end reads nothing
/// and one past it is refused. `name` names the fixture in failures.
pub fn assert_stream_matches(rec: &dyn Recording, index: usize, t: &TruthStream, name: &str) {
    let nch = t.channels.len();
    assert_eq!(t.values.len(), t.frames * nch, "{name}: truth size");
    for block in [1, 17, 10000] {
        let mut src = rec.open_stream(index).unwrap();
        let got = read_all(src.as_mut(), nch, block);
        assert_values_close(&got, &t.values, nch, t.abs_tol, t.rel_tol);
    }
    let mut src = rec.open_stream(index).unwrap();
    let n = t.frames;
    for start in [n / 3, 0, n.saturating_sub(1), n * 2 / 3, 1025, 1023].map(|s| s.min(n)) {
        src.seek(start as u64).unwrap();
        let got = read_all(src.as_mut(), nch, 7);
        assert_values_close(&got, &t.values[start * nch..], nch, t.abs_tol, t.rel_tol);
    }
    src.seek(n as u64).unwrap();
    assert_eq!(
        read_into(src.as_mut(), nch, &mut vec![0.0; nch * 4]).unwrap(),
        0
    );
    let err = src.seek(n as u64 + 1).unwrap_err();
    assert_eq!(err.kind(), ReadErrorKind::InvalidArgument, "{name}");
}
