//! The FIF reader against MNE-Python's own reading of fixtures MNE wrote
//! (examples/fixtures/fif/make_fixtures.py), plus malformed variants made here by byte
//! manipulation.
#![allow(clippy::unwrap_used)]

mod common;

use player_api::conformance::TempDir;

use common::{assert_values_close, fixture_dir, load_truth, open, read_all, read_into, Truth};
use player_api::{Confidence, OpenOptions, Probe, ReadErrorKind, ReaderPlugin, Recording};
use player_readers::fif::FifReader;
use std::path::{Path, PathBuf};

const FIXTURES: &[&str] = &[
    "short_raw.fif",
    "int_raw.fif",
    "single_raw.fif",
    "double_raw.fif",
    "skip_raw.fif",
    "initial_skip_raw.fif",
    "split_raw.fif",
    "dir_raw.fif",
    "ias_raw.fif",
];

fn fixture(name: &str) -> PathBuf {
    fixture_dir("fif").join(name)
}

/// A fresh temporary directory for one test, removed when dropped.
/// Checks everything but the values: stream shape, channels, metadata, annotations.
fn check_header(rec: &dyn Recording, truth: &Truth, name: &str) {
    let info = rec.info();
    assert_eq!(info.streams.len(), 1, "{name}");
    let s = &info.streams[0];
    let t = &truth.streams[0];
    assert_eq!(s.name, "raw");
    assert_eq!(s.nominal_rate, t.rate, "{name}: rate");
    assert_eq!(s.length, Some(t.frames as u64), "{name}: length");
    assert_eq!(s.channels.len(), t.channels.len(), "{name}: channel count");
    let tj = &truth.json["streams"][0]["channels"];
    for (i, (c, (label, kind, unit))) in s.channels.iter().zip(&t.channels).enumerate() {
        assert_eq!(&c.label, label, "{name}: channel {i} label");
        assert_eq!(&c.kind, kind, "{name}: channel {i} kind");
        assert_eq!(&c.unit, unit, "{name}: channel {i} unit");
        assert_eq!(
            c.extra["coil_type"],
            tj[i]["coil_type"].as_i64().unwrap().to_string(),
            "{name}: channel {i} coil type"
        );
        // (stored as float32; compared as such, as the JSON text may be an ulp off in f64)
        let cal = c.extra["cal"].parse::<f32>().unwrap();
        let range = c.extra["range"].parse::<f32>().unwrap();
        assert_eq!(
            cal,
            tj[i]["cal"].as_f64().unwrap() as f32,
            "{name}: channel {i} cal"
        );
        assert_eq!(
            range,
            tj[i]["range"].as_f64().unwrap() as f32,
            "{name}: channel {i} range"
        );
        assert_eq!(c.extra.keys().filter(|k| k.starts_with("loc/")).count(), 12);
        let range_cal: f64 = c.extra["range_cal"].parse().unwrap();
        assert_eq!(
            range_cal,
            f64::from(cal) * f64::from(range),
            "{name}: channel {i} range_cal"
        );
    }
    let want_type = if t.channels.iter().any(|c| c.1 == "grad" || c.1 == "mag") {
        "MEG"
    } else {
        "EEG"
    };
    assert_eq!(s.content_type, want_type, "{name}: content type");
    let md = &info.metadata;
    assert_eq!(
        md["first_samp"],
        truth.json["first_samp"].as_i64().unwrap().to_string(),
        "{name}"
    );
    assert_eq!(
        md["orig_format"],
        truth.json["orig_format"].as_str().unwrap(),
        "{name}"
    );
    let parts: Vec<String> = truth.json["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    assert_eq!(md["parts"], parts.len().to_string(), "{name}: parts");
    let listed: Vec<String> = serde_json::from_str(&md["part_files"]).unwrap();
    assert_eq!(listed, parts, "{name}: part files");
    assert_eq!(
        info.meas_date.as_deref(),
        truth.json["meas_date"].as_str(),
        "{name}: meas_date"
    );
    let hp: f64 = md["highpass"].parse().unwrap();
    assert_eq!(
        hp,
        truth.json["highpass"].as_f64().unwrap(),
        "{name}: highpass"
    );
    let lp: f64 = md["lowpass"].parse().unwrap();
    assert_eq!(
        lp,
        truth.json["lowpass"].as_f64().unwrap(),
        "{name}: lowpass"
    );

    // Annotations: same set (MNE's sort is not stable for equal onsets), onsets exactly
    // on the truth's samples.
    let rate = t.rate;
    let mut got: Vec<(i64, String, f64, f64)> = info
        .annotations
        .iter()
        .map(|a| {
            (
                (a.onset * rate).round() as i64,
                a.description.clone(),
                a.duration,
                a.onset,
            )
        })
        .collect();
    let mut want: Vec<(i64, String, f64, f64)> = truth.json["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["sample"].as_i64().unwrap(),
                a["description"].as_str().unwrap().to_string(),
                a["duration"].as_f64().unwrap(),
                a["onset"].as_f64().unwrap(),
            )
        })
        .collect();
    assert!(
        info.annotations
            .windows(2)
            .all(|w| w[0].onset <= w[1].onset),
        "{name}: annotations are not ordered"
    );
    let key = |a: &(i64, String, f64, f64), b: &(i64, String, f64, f64)| {
        (a.0, &a.1).cmp(&(b.0, &b.1)).then(a.2.total_cmp(&b.2))
    };
    got.sort_by(key);
    want.sort_by(key);
    assert_eq!(
        got.len(),
        want.len(),
        "{name}: annotations {got:?} vs {want:?}"
    );
    for (g, w) in got.iter().zip(&want) {
        assert_eq!((g.0, &g.1), (w.0, &w.1), "{name}: annotation");
        // (the truth's JSON text parses to within an ulp of Python's value)
        assert!(
            (g.3 - w.3).abs() <= 1e-12 * w.3.abs().max(1.0),
            "{name}: onset {g:?} vs {w:?}"
        );
        assert_eq!(g.3, g.0 as f64 / rate, "{name}: onset is not sample / rate");
        assert!((g.2 - w.2).abs() <= 2e-6, "{name}: duration {g:?} vs {w:?}");
    }
}

#[test]
fn every_fixture_matches_mne() {
    let reader = FifReader;
    for name in FIXTURES {
        let path = fixture(name);
        let truth = load_truth(&path);
        let rec = open(&reader, &path);
        check_header(rec.as_ref(), &truth, name);
        let t = &truth.streams[0];
        let nch = t.channels.len();
        assert_eq!(t.values.len(), t.frames * nch, "{name}: truth size");
        for block in [1, 13, 10_000] {
            let mut src = rec.open_stream(0).unwrap();
            let got = read_all(src.as_mut(), nch, block);
            assert_values_close(&got, &t.values, nch, t.abs_tol, t.rel_tol);
        }
    }
}

#[test]
fn seeks_land_on_the_right_frame_everywhere() {
    let reader = FifReader;
    for name in FIXTURES {
        let path = fixture(name);
        let truth = load_truth(&path);
        let t = &truth.streams[0];
        let nch = t.channels.len();
        let rec = open(&reader, &path);
        let mut src = rec.open_stream(0).unwrap();
        // every 37th frame (crosses every buffer, skip and split boundary), read 29 frames
        let mut buf = vec![0.0; 29 * nch];
        for start in (0..t.frames)
            .step_by(37)
            .chain([t.frames / 2, t.frames - 1])
        {
            src.seek(start as u64).unwrap();
            let n = read_into(src.as_mut(), nch, &mut buf).unwrap();
            let end = (start + 29).min(t.frames);
            assert_eq!(n, end - start, "{name}: short read at {start}");
            assert_values_close(
                &buf[..n * nch],
                &t.values[start * nch..end * nch],
                nch,
                t.abs_tol,
                t.rel_tol,
            );
        }
        // to the end: allowed, reads nothing; past it: an error
        src.seek(t.frames as u64).unwrap();
        assert_eq!(read_into(src.as_mut(), nch, &mut buf).unwrap(), 0);
        let err = src.seek(t.frames as u64 + 1).unwrap_err();
        assert_eq!(err.kind(), ReadErrorKind::InvalidArgument);
        // the middle, then everything after it
        src.seek((t.frames / 2) as u64).unwrap();
        let rest = read_all(src.as_mut(), nch, 13);
        assert_values_close(
            &rest,
            &t.values[(t.frames / 2) * nch..],
            nch,
            t.abs_tol,
            t.rel_tol,
        );
    }
}

#[test]
fn skips_are_zeros_and_splits_play_as_one() {
    let reader = FifReader;
    let rec = open(&reader, &fixture("skip_raw.fif"));
    assert_eq!(rec.info().metadata["data_skips"], "2");
    let skips: Vec<_> = rec
        .info()
        .annotations
        .iter()
        .filter(|a| a.description == "BAD_ACQ_SKIP")
        .collect();
    assert!(!skips.is_empty());
    let nch = rec.info().streams[0].channels.len();
    let mut src = rec.open_stream(0).unwrap();
    let first = (skips[0].onset * 250.0).round() as u64;
    src.seek(first).unwrap();
    let mut buf = vec![1.0; 10 * nch];
    assert_eq!(read_into(src.as_mut(), nch, &mut buf).unwrap(), 10);
    assert!(buf.iter().all(|&v| v == 0.0), "a skip must read as zeros");

    let rec = open(&reader, &fixture("split_raw.fif"));
    let md = &rec.info().metadata;
    assert_eq!(md["parts"], "3");
    let truth = load_truth(&fixture("split_raw.fif"));
    assert_eq!(
        rec.info().streams[0].length,
        Some(truth.streams[0].frames as u64)
    );
}

#[test]
fn long_channel_names_come_from_the_extended_blocks() {
    let rec = open(&FifReader, &fixture("single_raw.fif"));
    let labels: Vec<&str> = rec.info().streams[0]
        .channels
        .iter()
        .map(|c| c.label.as_str())
        .collect();
    assert!(labels.contains(&"Very-Long-Stim-Channel"), "{labels:?}");
    assert!(labels.iter().any(|l| l.len() > 15));
}

#[test]
fn probing_is_by_content_first() {
    let reader = FifReader;
    let bytes = std::fs::read(fixture("short_raw.fif")).unwrap();
    let header = &bytes[..bytes.len().min(4096)];
    let p = |path: &str, header: &[u8]| {
        reader.probe(&Probe {
            path: Path::new(path),
            header,
        })
    };
    assert_eq!(p("x.fif", header), Some(Confidence::Magic));
    assert_eq!(p("renamed.dat", header), Some(Confidence::Magic));
    assert_eq!(
        p("noise.fif", b"RIFF....WAVEfmt "),
        Some(Confidence::Extension)
    );
    assert_eq!(p("noise.FIF", b""), Some(Confidence::Extension));
    assert_eq!(p("noise.edf", b"0       "), None);
    // a file with FIF content under another name opens
    let dir = TempDir::new("fif-probe");
    let other = dir.join("recording.bin");
    std::fs::write(&other, &bytes).unwrap();
    reader.open(&other, &OpenOptions::default()).unwrap();
    // registered as a built-in
    player_readers::link();
    assert!(player_api::registered_readers()
        .iter()
        .any(|r| r.info().id() == "fif"));
}

/// The error of opening `path` (the test fails if it opens).
fn open_err(path: &Path, options: &OpenOptions) -> player_api::ReadError {
    match FifReader.open(path, options) {
        Ok(_) => panic!("{} opened but should not", path.display()),
        Err(e) => e,
    }
}

/// MNE reads gzip-compressed FIF (`*.fif.gz`); this reader claims a gzip stream by that
/// name (so the user gets its error, not "no reader") and refuses it, under any name,
/// with the command that unpacks it. The fixture is `short_raw.fif` gzipped
/// (examples/fixtures/fif/make_gzip.py, which checks that MNE reads it).
#[test]
fn gzip_compressed_fif_is_refused_with_how_to_unpack_it() {
    let gz = fixture("short_raw.fif.gz");
    let bytes = std::fs::read(&gz).unwrap();
    assert_eq!(bytes[..2], player_readers::fif::GZIP_MAGIC);
    let header = &bytes[..bytes.len().min(player_api::PROBE_HEADER_LEN)];
    let probe = |path: &Path| FifReader.probe(&Probe { path, header });
    assert_eq!(probe(&gz), Some(Confidence::Extension));
    assert_eq!(
        probe(Path::new("/x/S01_RAW.FIF.GZ")),
        Some(Confidence::Extension)
    );
    assert_eq!(probe(Path::new("/x/notes.txt.gz")), None);
    let expected = |path: &Path| {
        format!(
            "gzip-compressed FIF is not supported: unpack it first (gunzip -k {})",
            path.display()
        )
    };
    let err = open_err(&gz, &OpenOptions::default());
    assert_eq!(err.kind(), ReadErrorKind::Unsupported);
    assert_eq!(err.message(), expected(&gz));
    assert!(
        err.to_string().starts_with(&gz.display().to_string()),
        "{err}"
    );
    // Renamed `.fif`, it is claimed by the extension and refused the same way.
    let dir = TempDir::new("fif-gzip");
    let renamed = dir.join("renamed_raw.fif");
    std::fs::write(&renamed, &bytes).unwrap();
    let err = open_err(&renamed, &OpenOptions::default());
    assert_eq!(err.kind(), ReadErrorKind::Unsupported);
    assert_eq!(err.message(), expected(&renamed));
}

#[test]
fn unknown_reader_options_are_refused() {
    let mut options = OpenOptions::default();
    options.reader_options.insert("bogus".into(), "1".into());
    let err = open_err(&fixture("short_raw.fif"), &options);
    assert_eq!(err.kind(), ReadErrorKind::InvalidArgument);
}

// ---------------------------------------------------------------------------------------
// Malformed input

/// (kind, type, size, next, position) of every tag, walking the stream sequentially.
fn walk_tags(bytes: &[u8]) -> Vec<(i32, u32, i32, i32, usize)> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    while pos + 16 <= bytes.len() {
        let w = |k: usize| i32::from_be_bytes(bytes[pos + k..pos + k + 4].try_into().unwrap());
        let (kind, typ, size, next) = (w(0), w(4) as u32, w(8), w(12));
        out.push((kind, typ, size, next, pos));
        if next == -1 {
            break;
        }
        pos = if next == 0 {
            pos + 16 + size as usize
        } else {
            next as usize
        };
    }
    out
}

fn put_i32(bytes: &mut [u8], at: usize, v: i32) {
    bytes[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

/// Writes `bytes` as `name` in a temp dir, opens it and reads everything; returns the
/// error (the test fails if there is none, or on a panic).
fn expect_error(dir: &Path, name: &str, bytes: &[u8]) -> player_api::ReadError {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let err = match FifReader.open(&path, &OpenOptions::default()) {
        Err(e) => e,
        Ok(rec) => {
            let nch = rec.info().streams[0].channels.len();
            let mut src = rec.open_stream(0).unwrap();
            let mut buf = vec![0.0; 64 * nch];
            loop {
                match read_into(src.as_mut(), nch, &mut buf) {
                    Ok(0) => panic!("{name}: malformed file read without error"),
                    Ok(_) => {}
                    Err(e) => break e,
                }
            }
        }
    };
    let text = err.to_string();
    assert!(
        text.contains(name),
        "{name}: error does not name the file: {text}"
    );
    err
}

#[test]
fn malformed_files_give_clear_errors() {
    let dir = TempDir::new("fif-malformed");
    let good = std::fs::read(fixture("short_raw.fif")).unwrap();
    let tags = walk_tags(&good);
    let buffer = tags.iter().find(|t| t.0 == 300).unwrap();
    let ch_info = tags.iter().find(|t| t.0 == 203).unwrap();
    let nchan = tags.iter().find(|t| t.0 == 200).unwrap();

    // truncated in the middle of a data buffer
    let cut = buffer.4 + 16 + buffer.2 as usize / 2;
    let e = expect_error(&dir, "cut_in_buffer.fif", &good[..cut]);
    assert_eq!(e.kind(), ReadErrorKind::Truncated, "{e}");
    assert!(
        e.to_string()
            .contains(&format!("at byte {}", buffer.4 + 16)),
        "{e}"
    );

    // truncated in the middle of a tag header (the file id, then a channel info)
    let e = expect_error(&dir, "cut_in_file_id.fif", &good[..10]);
    assert_eq!(e.kind(), ReadErrorKind::Truncated, "{e}");
    let e = expect_error(&dir, "cut_in_header.fif", &good[..ch_info.4 + 7]);
    assert_eq!(e.kind(), ReadErrorKind::Truncated, "{e}");
    assert!(
        e.to_string().contains(&format!("at byte {}", ch_info.4)),
        "{e}"
    );

    // not a FIF file at all
    let e = expect_error(
        &dir,
        "not_fif.fif",
        b"0       this is an EDF header, not FIF....",
    );
    assert_eq!(e.kind(), ReadErrorKind::Malformed, "{e}");

    // the directory pointer points outside the file
    let mut bad = good.clone();
    put_i32(&mut bad, 52, good.len() as i32 + 1000);
    let e = expect_error(&dir, "dir_outside.fif", &bad);
    assert!(e.to_string().contains("outside the file"), "{e}");

    // a next pointer looping back
    let mut bad = good.clone();
    put_i32(&mut bad, ch_info.4 + 12, 36);
    let e = expect_error(&dir, "loop.fif", &bad);
    assert!(e.to_string().contains("does not move forward"), "{e}");
    let mut bad = good.clone();
    put_i32(&mut bad, ch_info.4 + 12, ch_info.4 as i32);
    expect_error(&dir, "self_loop.fif", &bad);

    // absurd tag sizes: huge, negative
    let mut bad = good.clone();
    put_i32(&mut bad, ch_info.4 + 8, 0x7fff_fff0);
    let e = expect_error(&dir, "huge_tag.fif", &bad);
    assert_eq!(e.kind(), ReadErrorKind::Truncated, "{e}");
    assert!(
        e.to_string()
            .contains(&format!("at byte {}", ch_info.4 + 16)),
        "{e}"
    );
    let mut bad = good.clone();
    put_i32(&mut bad, buffer.4 + 8, -16);
    let e = expect_error(&dir, "negative_size.fif", &bad);
    assert_eq!(e.kind(), ReadErrorKind::Malformed, "{e}");

    // absurd channel count
    let mut bad = good.clone();
    put_i32(&mut bad, nchan.4 + 16, 1_000_000_000);
    let e = expect_error(&dir, "nchan.fif", &bad);
    assert!(e.to_string().contains("channel"), "{e}");

    // a data buffer whose type is complex is refused clearly
    let mut bad = good.clone();
    put_i32(&mut bad, buffer.4 + 4, 20);
    let e = expect_error(&dir, "complex.fif", &bad);
    assert_eq!(e.kind(), ReadErrorKind::Unsupported, "{e}");
    assert!(e.to_string().contains("complex"), "{e}");
}

#[test]
fn malformed_directories_give_clear_errors() {
    let dir = TempDir::new("fif-malformed-dir");
    let good = std::fs::read(fixture("dir_raw.fif")).unwrap();
    let dir_pos = i32::from_be_bytes(good[52..56].try_into().unwrap()) as usize;
    assert!(dir_pos > 0 && dir_pos < good.len());
    // the pointer beyond the end
    let mut bad = good.clone();
    put_i32(&mut bad, 52, good.len() as i32 + 16);
    let e = expect_error(&dir, "ptr_outside.fif", &bad);
    assert!(e.to_string().contains("outside the file"), "{e}");
    // a directory entry pointing outside the file
    let mut bad = good.clone();
    put_i32(&mut bad, dir_pos + 16 + 16 * 5 + 12, good.len() as i32 - 4);
    let e = expect_error(&dir, "entry_outside.fif", &bad);
    assert!(e.to_string().contains("directory entry 5"), "{e}");
    // the directory's size claims more entries than the file holds
    let mut bad = good.clone();
    put_i32(&mut bad, dir_pos + 8, 0x7fff_fff0);
    let e = expect_error(&dir, "dir_huge.fif", &bad);
    assert_eq!(e.kind(), ReadErrorKind::Truncated, "{e}");
    // the pointer leads to something that is not a directory (the file id: a loop)
    let mut bad = good.clone();
    put_i32(&mut bad, 52, 36);
    let e = expect_error(&dir, "ptr_to_self.fif", &bad);
    assert!(e.to_string().contains("not a tag directory"), "{e}");
    // the directory is truncated
    let e = expect_error(&dir, "dir_cut.fif", &good[..dir_pos + 40]);
    assert_eq!(e.kind(), ReadErrorKind::Truncated, "{e}");
}

#[test]
fn split_files_that_are_missing_or_loop_are_errors() {
    let src = fixture_dir("fif");
    // the first part alone: the next one is missing
    let dir = TempDir::new("fif-split-missing");
    std::fs::copy(src.join("split_raw.fif"), dir.join("split_raw.fif")).unwrap();
    let err = open_err(&dir.join("split_raw.fif"), &OpenOptions::default());
    let text = err.to_string();
    assert!(
        text.contains("split_raw.fif") && text.contains("split_raw-1.fif"),
        "{text}"
    );
    // the last part renamed as the first: -1 -> -2 -> (first) -1 ... loops
    let dir = TempDir::new("fif-split-loop");
    std::fs::copy(src.join("split_raw.fif"), dir.join("split_raw-2.fif")).unwrap();
    std::fs::copy(src.join("split_raw-1.fif"), dir.join("split_raw-1.fif")).unwrap();
    let err = open_err(&dir.join("split_raw-2.fif"), &OpenOptions::default());
    assert!(err.to_string().contains("loop"), "{err}");
}

#[test]
fn no_truncation_or_corruption_panics_or_hangs() {
    let dir = TempDir::new("fif-fuzz");
    for name in ["short_raw.fif", "dir_raw.fif"] {
        let good = std::fs::read(fixture(name)).unwrap();
        let path = dir.join(name);
        let try_all = |bytes: &[u8]| {
            std::fs::write(&path, bytes).unwrap();
            if let Ok(rec) = FifReader.open(&path, &OpenOptions::default()) {
                let nch = rec.info().streams[0].channels.len();
                let mut src = rec.open_stream(0).unwrap();
                let mut buf = vec![0.0; 100 * nch];
                while let Ok(n) = read_into(src.as_mut(), nch, &mut buf) {
                    if n == 0 {
                        break;
                    }
                }
            }
        };
        for cut in (0..good.len()).step_by(53) {
            try_all(&good[..cut]);
        }
        // corrupt header words (kind, type, size, next) of every tag
        for t in walk_tags(&good) {
            for word in 0..4 {
                for v in [-1i32, 0, 1, 0x7fff_ffff, i32::MIN, 36, t.4 as i32] {
                    let mut bad = good.clone();
                    put_i32(&mut bad, t.4 + 4 * word, v);
                    try_all(&bad);
                }
            }
        }
    }
}

/// The large VectorView-like file (not committed): generated on demand when the MNE
/// environment is named by `PLAYER_PYTHON` (`scripts/test` sets it to its venv's Python;
/// a plain `cargo test` without it skips this one test, saying so).
#[test]
fn large_meg_eeg_file_matches_mne() {
    let Ok(python) = std::env::var("PLAYER_PYTHON") else {
        eprintln!("skipping: PLAYER_PYTHON (a Python with MNE) is not set");
        return;
    };
    assert!(
        Path::new(&python).exists(),
        "PLAYER_PYTHON={python} does not exist"
    );
    let dir = TempDir::new("fif-meg-eeg");
    let out = dir.join("meg_eeg_raw.fif");
    let status = std::process::Command::new(&python)
        .arg(fixture_dir("fif").join("make_meg_eeg.py"))
        .arg(&out)
        .arg("--truth")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .status()
        .unwrap();
    assert!(status.success());
    let truth = load_truth(&out);
    let rec = open(&FifReader, &out);
    check_header(rec.as_ref(), &truth, "meg_eeg_raw.fif");
    let s = &rec.info().streams[0];
    assert_eq!(s.channels.len(), 376);
    let count = |k: &str| s.channels.iter().filter(|c| c.kind == k).count();
    assert_eq!(
        [
            count("grad"),
            count("mag"),
            count("eeg"),
            count("stim"),
            count("eog")
        ],
        [204, 102, 60, 9, 1]
    );
    assert_eq!(s.content_type, "MEG");
    let t = &truth.streams[0];
    let mut src = rec.open_stream(0).unwrap();
    let got = read_all(src.as_mut(), 376, 97);
    assert_values_close(&got, &t.values, 376, t.abs_tol, t.rel_tol);
}

#[test]
fn continuous_data_blocks_read_like_raw_ones() {
    // FIFFB_RAW_DATA (102) renamed FIFFB_CONTINUOUS_DATA (112) in its start and end tags
    let dir = TempDir::new("fif-continuous");
    let mut bytes = std::fs::read(fixture("short_raw.fif")).unwrap();
    let mut renamed = 0;
    for t in walk_tags(&bytes) {
        let data = t.4 + 16;
        if (t.0 == 104 || t.0 == 105) && bytes[data..data + 4] == 102i32.to_be_bytes() {
            put_i32(&mut bytes, data, 112);
            renamed += 1;
        }
    }
    assert_eq!(renamed, 2);
    let path = dir.join("continuous_raw.fif");
    std::fs::write(&path, &bytes).unwrap();
    let truth = load_truth(&fixture("short_raw.fif"));
    let rec = open(&FifReader, &path);
    assert_eq!(rec.info().metadata["data_block"], "continuous");
    let t = &truth.streams[0];
    let got = read_all(rec.open_stream(0).unwrap().as_mut(), t.channels.len(), 64);
    assert_values_close(&got, &t.values, t.channels.len(), t.abs_tol, t.rel_tol);
}

#[test]
fn split_parts_are_found_by_number_without_a_name() {
    // hide every FIFF_REF_FILE_NAME (kind 118) so that FIFF_REF_FILE_NUM must be used
    let dir = TempDir::new("fif-split-num");
    let src = fixture_dir("fif");
    for name in ["split_raw.fif", "split_raw-1.fif", "split_raw-2.fif"] {
        let mut bytes = std::fs::read(src.join(name)).unwrap();
        for t in walk_tags(&bytes) {
            if t.0 == 118 && t.1 == 10 {
                put_i32(&mut bytes, t.4, 9999);
            }
        }
        std::fs::write(dir.join(name), &bytes).unwrap();
    }
    let rec = open(&FifReader, &dir.join("split_raw.fif"));
    assert_eq!(rec.info().metadata["parts"], "3");
    let truth = load_truth(&fixture("split_raw.fif"));
    let t = &truth.streams[0];
    let got = read_all(rec.open_stream(0).unwrap().as_mut(), t.channels.len(), 1000);
    assert_values_close(&got, &t.values, t.channels.len(), t.abs_tol, t.rel_tol);
}

#[test]
fn cursors_are_independent() {
    let path = fixture("split_raw.fif");
    let truth = load_truth(&path);
    let t = &truth.streams[0];
    let nch = t.channels.len();
    let rec = open(&FifReader, &path);
    let mut a = rec.open_stream(0).unwrap();
    let mut b = rec.open_stream(0).unwrap();
    b.seek(1000).unwrap();
    let mut buf_a = vec![0.0; 7 * nch];
    let mut buf_b = vec![0.0; 7 * nch];
    assert_eq!(read_into(a.as_mut(), nch, &mut buf_a).unwrap(), 7);
    assert_eq!(read_into(b.as_mut(), nch, &mut buf_b).unwrap(), 7);
    assert_values_close(&buf_a, &t.values[..7 * nch], nch, t.abs_tol, t.rel_tol);
    assert_values_close(
        &buf_b,
        &t.values[1000 * nch..1007 * nch],
        nch,
        t.abs_tol,
        t.rel_tol,
    );
    let handle = std::thread::spawn(move || read_all(a.as_mut(), nch, 100).len());
    assert_eq!(handle.join().unwrap(), (t.frames - 7) * nch);
    assert!(rec.open_stream(1).is_err());
}

/// Every fixture passes the conformance checker: whole and odd-sized reads agree, seeks
/// land on the right frames, truncated copies fail cleanly.
#[test]
fn every_fixture_conforms() {
    common::assert_fixtures_conform(&FifReader, "fif", "fif");
}
