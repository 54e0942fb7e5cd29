//! The eeglab reader against MNE-Python's `read_raw_eeglab` / `read_epochs_eeglab` reading
//! datasets written by eeglabio (MNE's exporter), scipy's `savemat` (an `EEG` struct or
//! top-level fields, compressed or not, data inside or in a `.fdt`) and GNU Octave, see
//! examples/fixtures/eeglab/make_fixtures.py; and against malformed and unsupported files.
#![allow(clippy::unwrap_used)]

mod common;

use common::{fixture_dir, fixtures_with_truth, load_truth, read_into, Truth};
use player_api::conformance::TempDir;
use player_api::{
    Confidence, OpenOptions, Probe, ReadErrorKind, ReaderPlugin, Recording, PROBE_HEADER_LEN,
};
use player_readers::eeglab::EeglabReader;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    fixture_dir("eeglab").join(name)
}

fn fixtures() -> Vec<PathBuf> {
    let all = fixtures_with_truth("eeglab", "set");
    assert!(all.len() >= 6, "{all:?}");
    all
}

fn open(path: &Path) -> Box<dyn Recording> {
    common::open(&EeglabReader, path)
}

fn with(pairs: &[(&str, &str)]) -> OpenOptions {
    let mut options = OpenOptions::default();
    for (k, v) in pairs {
        options.reader_options.insert(k.to_string(), v.to_string());
    }
    options
}

fn check_info(name: &str, rec: &dyn Recording, truth: &Truth) {
    let info = rec.info();
    assert_eq!(info.streams.len(), 1, "{name}");
    let (s, t) = (&info.streams[0], &truth.streams[0]);
    assert_eq!(s.name, "eeg", "{name}");
    assert_eq!(s.nominal_rate, t.rate, "{name}: rate");
    assert_eq!(s.length, Some(t.frames as u64), "{name}: length");
    let got: Vec<(String, String, String)> = s
        .channels
        .iter()
        .map(|c| (c.label.clone(), c.kind.clone(), c.unit.clone()))
        .collect();
    assert_eq!(got, t.channels, "{name}: channels");
    assert_eq!(
        info.annotations.len(),
        truth.annotations.len(),
        "{name}: {:?}",
        info.annotations
    );
    for (a, w) in info.annotations.iter().zip(&truth.annotations) {
        // MNE gives onsets to the microsecond; the reader's are (latency - 1) / srate.
        assert!(
            (a.onset - w.0).abs() <= 5e-7,
            "{name}: onset {a:?} vs {w:?}"
        );
        assert!(
            (a.duration - w.1).abs() < 1e-12,
            "{name}: duration {a:?} vs {w:?}"
        );
        assert_eq!(a.description, w.2, "{name}");
    }
    for key in ["data_file", "layout", "compressed", "trials"] {
        assert_eq!(
            info.metadata.get(key).map(String::as_str),
            truth.json[key].as_str(),
            "{name}: {key}"
        );
    }
}

#[test]
fn every_fixture_matches_mne_with_any_block_size_and_after_seeks() {
    for path in fixtures() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let truth = load_truth(&path);
        let rec = open(&path);
        check_info(&name, rec.as_ref(), &truth);
        // Exact (tolerance 0): f64(float32 value) × 1e-6, MNE's one multiplication.
        common::assert_stream_matches(rec.as_ref(), 0, &truth.streams[0], &name);
    }
}

#[test]
fn every_fixture_conforms() {
    common::assert_fixtures_conform(&EeglabReader, "eeglab", "set");
}

#[test]
fn the_format_metadata_is_reported() {
    let rec = open(&fixture("struct_compressed.set"));
    let m = &rec.info().metadata;
    assert_eq!(m["setname"], "struct_compressed");
    assert_eq!(m["subject"], "S01");
    assert_eq!(m["condition"], "rest");
    assert_eq!(m["session"], "1.0");
    assert_eq!(m["ref"], "common");
    assert_eq!((m["nbchan"].as_str(), m["pnts"].as_str()), ("6", "900"));
    assert_eq!(m["stored_as"], "float32");
    assert!(m["mat_description"].starts_with("MATLAB 5.0 MAT-file"));
    let chans = &rec.info().streams[0].channels;
    // chanlocs.type as written, and its locations, are kept per channel.
    assert_eq!(chans[2].extra["type_in_file"], " EOG ");
    assert_eq!(chans[5].extra["type_in_file"], "XYZ");
    assert!(chans[0].extra.contains_key("X") && chans[0].extra.contains_key("Z"));
    let rec = open(&fixture("double_compressed.set"));
    assert_eq!(rec.info().metadata["stored_as"], "float64");
    let rec = open(&fixture("eeglabio_epochs.set"));
    assert_eq!(rec.info().metadata["trials"], "6");
    assert_eq!(rec.info().streams[0].length, Some(6 * 101));
}

#[test]
fn probing_by_content_and_extension() {
    for path in fixtures() {
        let bytes = std::fs::read(&path).unwrap();
        let probe = Probe {
            path: Path::new("renamed.mat"),
            header: &bytes[..bytes.len().min(PROBE_HEADER_LEN)],
        };
        assert_eq!(
            EeglabReader.probe(&probe),
            Some(Confidence::Magic),
            "{}",
            path.display()
        );
    }
    let text = b"hello";
    let probe = |name| Probe {
        path: Path::new(name),
        header: text,
    };
    assert_eq!(
        EeglabReader.probe(&probe("x.SET")),
        Some(Confidence::Extension)
    );
    assert_eq!(EeglabReader.probe(&probe("x.fdt")), None);
    assert!(player_api::registered_readers()
        .iter()
        .any(|r| r.info().id() == "eeglab"));
}

// ------------------------------------------------------------------ refusals

fn open_err(path: &Path, options: &OpenOptions) -> (String, ReadErrorKind) {
    match EeglabReader.open(path, options) {
        Ok(_) => panic!("{}: opened", path.display()),
        Err(e) => (e.to_string(), e.kind()),
    }
}

#[test]
fn matlab_7_3_files_are_refused_with_what_to_do() {
    let s = TempDir::new("eeglab-v73");
    // The header eeglabio and MATLAB write before the HDF5 superblock at byte 512.
    let mut bytes = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  1 00:00:00 2024 HDF5 schema 1.00 .".to_vec();
    bytes.resize(116, b' ');
    bytes.extend_from_slice(&[b' '; 8]);
    bytes.extend_from_slice(b"\x00\x02IM");
    bytes.resize(512, 0);
    bytes.extend_from_slice(b"\x89HDF\r\n\x1a\n");
    bytes.resize(2048, 0);
    let path = s.write("big.set", &bytes);
    let probe = Probe {
        path: &path,
        header: &bytes,
    };
    assert_eq!(EeglabReader.probe(&probe), Some(Confidence::Magic));
    let (text, kind) = open_err(&path, &OpenOptions::default());
    assert_eq!(kind, ReadErrorKind::Unsupported);
    for words in [
        "big.set",
        "MATLAB 7.3 MAT-file (HDF5)",
        "pop_saveset(EEG, 'filename', NAME, 'version', '7')",
        "'-v7'",
        "mne.io.read_raw_eeglab",
        "Player.from_raw",
    ] {
        assert!(text.contains(words), "{text:?} lacks {words:?}");
    }
}

#[test]
fn data_inside_a_compressed_set_is_bounded_and_refused_past_the_bound_with_the_way_out() {
    let path = fixture("struct_compressed.set");
    let (text, kind) = open_err(&path, &with(&[("max_in_memory_mb", "0.01")]));
    assert_eq!(kind, ReadErrorKind::Unsupported);
    for words in [
        "the compressed variable \"EEG\" takes 0.0",
        "more than the 0.01 MiB",
        "'savemode', 'twofiles'",
        "'-v6'",
        "raise max_in_memory_mb",
    ] {
        assert!(text.contains(words), "{text:?} lacks {words:?}");
    }
    let (text, _) = open_err(
        &fixture("double_compressed.set"),
        &with(&[("max_in_memory_mb", "0.05")]),
    );
    assert!(text.contains("variable \"data\""), "{text}");
    // Within the bound it opens; uncompressed data and .fdt files hold nothing in memory.
    EeglabReader
        .open(&path, &with(&[("max_in_memory_mb", "1")]))
        .unwrap();
    for name in ["eeglabio_raw.set", "fields_fdt.set", "struct_fdt.set"] {
        EeglabReader
            .open(&fixture(name), &with(&[("max_in_memory_mb", "0.001")]))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    for bad in ["0", "-1", "lots", "NaN"] {
        let (text, kind) = open_err(&path, &with(&[("max_in_memory_mb", bad)]));
        assert_eq!(kind, ReadErrorKind::InvalidArgument, "{text}");
    }
    let (text, kind) = open_err(&path, &with(&[("rate", "1")]));
    assert_eq!(kind, ReadErrorKind::InvalidArgument);
    assert!(text.contains("has no option \"rate\""), "{text}");
}

#[test]
fn fdt_files_missing_renamed_or_short() {
    let s = TempDir::new("eeglab-fdt");
    let set = std::fs::read(fixture("struct_fdt.set")).unwrap();
    let fdt = std::fs::read(fixture("struct_fdt.fdt")).unwrap();
    // A renamed dataset: the .fdt named in EEG.data is gone, the .set's own name is used.
    s.write("renamed.set", &set);
    s.write("renamed.fdt", &fdt);
    let rec = open(&s.join("renamed.set"));
    assert_eq!(rec.info().metadata["data_file"], "renamed.fdt");
    // No data file at all.
    let (text, kind) = open_err(&s.write("alone.set", &set), &OpenOptions::default());
    assert_eq!(kind, ReadErrorKind::Malformed);
    assert!(
        text.contains(
            "the data file \"struct_fdt.fdt\" that EEG.data names is not beside the .set"
        ) && text.contains("alone.fdt"),
        "{text}"
    );
    // A .fdt shorter than the samples the .set announces.
    s.write("short.set", &set);
    s.write("short.fdt", &fdt[..fdt.len() - 4]);
    let (text, kind) = open_err(&s.join("short.set"), &OpenOptions::default());
    assert_eq!(kind, ReadErrorKind::Truncated);
    assert!(
        text.contains("short.fdt") && text.contains("3 channels × 1100 frames"),
        "{text}"
    );
    // A longer one plays, the extra bytes reported.
    s.write("long.set", &set);
    let mut longer = fdt.clone();
    longer.extend_from_slice(&[0; 6]);
    s.write("long.fdt", &longer);
    let rec = open(&s.join("long.set"));
    assert_eq!(rec.info().metadata["fdt_trailing_bytes"], "6");
}

#[test]
fn headers_that_are_not_little_endian_level_5_are_refused() {
    let s = TempDir::new("eeglab-headers");
    let good = std::fs::read(fixture("eeglabio_raw.set")).unwrap();
    let mut big = good.clone();
    big[126..128].copy_from_slice(b"MI");
    let (text, kind) = open_err(&s.write("big_endian.set", &big), &OpenOptions::default());
    assert_eq!(kind, ReadErrorKind::Unsupported);
    assert!(text.contains("big-endian"), "{text}");
    let (text, kind) = open_err(
        &s.write(
            "text.set",
            b"this is not a MAT-file at all, just some text".repeat(4),
        ),
        &OpenOptions::default(),
    );
    assert_eq!(kind, ReadErrorKind::Malformed);
    assert!(text.contains("not a MATLAB level 5 MAT-file"), "{text}");
    assert!(
        !text.contains("just some text"),
        "file content is not quoted: {text}"
    );
    let (text, kind) = open_err(&s.write("tiny.set", b"MATLAB"), &OpenOptions::default());
    assert_eq!(kind, ReadErrorKind::Truncated);
    assert!(text.contains("128-byte header"), "{text}");
}

#[test]
fn every_truncation_and_corruption_fails_cleanly_or_reads() {
    let scratch = TempDir::new("eeglab-fuzz");
    for path in fixtures() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).unwrap();
        let fdt = path.with_extension("fdt");
        if fdt.exists() {
            std::fs::copy(&fdt, scratch.join(fdt.file_name().unwrap())).unwrap();
        }
        for cut in (0..bytes.len()).step_by(211) {
            drain(&scratch.write(&name, &bytes[..cut]));
        }
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..300 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mut b = bytes.clone();
            let at = (state % b.len().min(4096) as u64) as usize;
            b[at] = (state >> 32) as u8;
            drain(&scratch.write(&name, &b));
        }
    }
}

/// Opens `path` and, when that works, reads the stream to its end: must not panic.
fn drain(path: &Path) {
    if let Ok(rec) = EeglabReader.open(path, &OpenOptions::default()) {
        let s = &rec.info().streams[0];
        let mut src = rec.open_stream(0).unwrap();
        let mut buf = vec![0.0; s.channels.len() * 100];
        let mut total = 0u64;
        while let Ok(n) = read_into(src.as_mut(), s.channels.len(), &mut buf) {
            if n == 0 {
                break;
            }
            total += n as u64;
            assert!(total <= s.length.unwrap());
        }
    }
}
