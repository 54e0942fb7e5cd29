//! The gdf reader against GDF 1.x and 2.x files written from the specification by
//! examples/fixtures/gdf/make_fixtures.py, whose values and events MNE-Python's
//! `read_raw_gdf` reads identically wherever it reads them; and against malformed files.
#![allow(clippy::unwrap_used)]

mod common;

use common::{fixture_dir, fixtures_with_truth, load_truth, read_into, Truth};
use player_api::conformance::TempDir;
use player_api::{
    Confidence, OpenOptions, Probe, ReadErrorKind, ReaderPlugin, Recording, PROBE_HEADER_LEN,
};
use player_readers::gdf::GdfReader;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    fixture_dir("gdf").join(name)
}

fn fixtures() -> Vec<PathBuf> {
    let all = fixtures_with_truth("gdf", "gdf");
    assert_eq!(all.len(), 5, "{all:?}");
    all
}

fn open(path: &Path) -> Box<dyn Recording> {
    common::open(&GdfReader, path)
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
    assert_eq!(info.streams.len(), truth.streams.len(), "{name}: streams");
    for (s, t) in info.streams.iter().zip(&truth.streams) {
        assert_eq!(Some(&s.name), t.name.as_ref(), "{name}: stream name");
        assert_eq!(s.nominal_rate, t.rate, "{name}: rate");
        assert_eq!(s.length, Some(t.frames as u64), "{name}: length");
        let got: Vec<(String, String, String)> = s
            .channels
            .iter()
            .map(|c| (c.label.clone(), c.kind.clone(), c.unit.clone()))
            .collect();
        assert_eq!(got, t.channels, "{name}: channels of {}", s.name);
    }
    let anns: Vec<(f64, f64, String)> = info
        .annotations
        .iter()
        .map(|a| (a.onset, a.duration, a.description.clone()))
        .collect();
    assert_eq!(anns, truth.annotations, "{name}: annotations");
    assert_eq!(
        info.meas_date.as_deref(),
        truth.json["meas_date"].as_str(),
        "{name}: meas_date"
    );
    assert_eq!(
        info.metadata.get("format").map(String::as_str),
        truth.json["format"].as_str(),
        "{name}: format"
    );
}

#[test]
fn every_fixture_matches_its_truth_with_any_block_size_and_after_seeks() {
    for path in fixtures() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let truth = load_truth(&path);
        let rec = open(&path);
        check_info(&name, rec.as_ref(), &truth);
        // Exact (tolerance 0): MNE's formula in MNE's order, checked equal to MNE's values.
        for (i, t) in truth.streams.iter().enumerate() {
            common::assert_stream_matches(rec.as_ref(), i, t, &name);
        }
    }
}

#[test]
fn every_fixture_conforms() {
    common::assert_fixtures_conform(&GdfReader, "gdf", "gdf");
}

#[test]
fn the_header_and_event_codes_are_reported() {
    let rec = open(&fixture("gdf1_int16.gdf"));
    let m = &rec.info().metadata;
    assert_eq!(m["record_duration"], "1/1 s");
    assert_eq!(m["data_records"], "4");
    assert_eq!(m["event_table_mode"], "1");
    assert_eq!(m["event_rate"], "250");
    assert_eq!(m["events"], "4");
    assert_eq!(
        m["event_codes"],
        "768 (0x0300) trial start ×1; 769 (0x0301) cue class 1 (left hand) ×1; 1023 (0x03ff) trial rejected ×1; 32766 (0x7ffe) new segment ×1"
    );
    assert_eq!(m["patient"], "P0001 Anonymous");
    let c = &rec.info().streams[0].channels[4];
    assert_eq!((c.label.as_str(), c.kind.as_str()), ("EOG-left", "eog"));
    assert_eq!(c.extra["data_type"], "int16 (3)");
    assert_eq!(c.extra["prefiltering"], "HP:0.5Hz LP:100Hz");
    let rec = open(&fixture("gdf2_mixed.gdf"));
    let m = &rec.info().metadata;
    assert_eq!(m["record_duration"], "1/2 s");
    assert_eq!(m["channels_without_samples"], "Sparse");
    let names: Vec<&str> = rec.info().streams.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["256Hz", "64Hz", "2Hz"]);
    let c = &rec.info().streams[0].channels[0];
    assert_eq!(c.extra["physical_dimension_code"], "4275");
    assert_eq!(c.extra["lowpass"], "100");
    assert_eq!(c.extra["X"], "0");
    assert_eq!(
        rec.info().streams[0].channels[2].extra["data_type"],
        "int24 (279)"
    );
}

#[test]
fn event_text_name_gives_the_names_of_known_codes() {
    let rec = GdfReader
        .open(&fixture("gdf2_mixed.gdf"), &with(&[("event_text", "name")]))
        .unwrap();
    let texts: Vec<&str> = rec
        .info()
        .annotations
        .iter()
        .map(|a| a.description.as_str())
        .collect();
    assert_eq!(
        texts,
        [
            "trial start",
            "end of trial start",
            "cue class 1 (left hand)"
        ]
    );
    let rec = GdfReader
        .open(
            &fixture("gdf2_float32.gdf"),
            &with(&[("event_text", "name")]),
        )
        .unwrap();
    let texts: Vec<&str> = rec
        .info()
        .annotations
        .iter()
        .map(|a| a.description.as_str())
        .collect();
    assert_eq!(texts, ["1", "2"], "codes without a name stay numbers");
    let err = GdfReader
        .open(
            &fixture("gdf2_float32.gdf"),
            &with(&[("event_text", "label")]),
        )
        .err()
        .unwrap();
    assert_eq!(err.kind(), ReadErrorKind::InvalidArgument);
    assert!(err.to_string().contains("code or name"), "{err}");
}

#[test]
fn probing_by_content_beats_the_extension() {
    for path in fixtures() {
        let bytes = std::fs::read(&path).unwrap();
        let probe = Probe {
            path: Path::new("renamed.dat"),
            header: &bytes[..bytes.len().min(PROBE_HEADER_LEN)],
        };
        assert_eq!(GdfReader.probe(&probe), Some(Confidence::Magic));
    }
    let garbage = vec![b'x'; 300];
    let probe = |name| Probe {
        path: Path::new(name),
        header: &garbage,
    };
    assert_eq!(
        GdfReader.probe(&probe("a.GDF")),
        Some(Confidence::Extension)
    );
    assert_eq!(GdfReader.probe(&probe("a.edf")), None);
    assert!(player_api::registered_readers()
        .iter()
        .any(|r| r.info().id() == "gdf"));
}

// ------------------------------------------------------------------ malformed input

fn open_err(scratch: &TempDir, name: &str, bytes: &[u8]) -> (String, ReadErrorKind, Option<u64>) {
    let path = scratch.write(name, bytes);
    match GdfReader.open(&path, &OpenOptions::default()) {
        Ok(_) => panic!("{name}: opened"),
        Err(e) => {
            let text = e.to_string();
            assert!(
                text.contains(name),
                "{name}: does not name the file: {text}"
            );
            (text, e.kind(), e.offset())
        }
    }
}

#[test]
fn malformed_headers_give_errors_naming_file_field_and_offset() {
    let s = TempDir::new("gdf-malformed");
    let v1 = std::fs::read(fixture("gdf1_int16.gdf")).unwrap();
    let v2 = std::fs::read(fixture("gdf2_int32.gdf")).unwrap();
    // GDF 1: 6 channels; type field of channel k at 256 + 6*(16+80+8+8+8+8+8+80+4) + 4k.
    let v1_type = 256 + 6 * 220 + 4 * 2;
    // GDF 2: 4 channels; spr of channel k at 256 + 4*(16+80+6+2+8+8+8+8+68+4+4+4) + 4k.
    let v2_spr = 256 + 4 * 216;
    type Mutation = Box<dyn Fn(&mut Vec<u8>)>;
    // (file, the fixture it starts from, the change, words of the message, kind, offset)
    type Case<'a> = (
        &'a str,
        &'a [u8],
        Mutation,
        &'a str,
        ReadErrorKind,
        Option<u64>,
    );
    let cases: Vec<Case> = vec![
        (
            "short.gdf",
            &v1,
            Box::new(|b| b.truncate(100)),
            "shorter than the 256-byte GDF header",
            ReadErrorKind::Truncated,
            None,
        ),
        (
            "version.gdf",
            &v1,
            Box::new(|b| b[0..8].copy_from_slice(b"GDF 3.00")),
            "not a GDF file",
            ReadErrorKind::Malformed,
            Some(0),
        ),
        (
            "no_channels.gdf",
            &v1,
            Box::new(|b| b[252..256].copy_from_slice(&0u32.to_le_bytes())),
            "the number of channels is 0",
            ReadErrorKind::Malformed,
            Some(252),
        ),
        (
            "header_length.gdf",
            &v1,
            Box::new(|b| b[184..192].copy_from_slice(&512i64.to_le_bytes())),
            "the header length is 512 bytes, but 6 channels take 1792",
            ReadErrorKind::Malformed,
            Some(184),
        ),
        (
            "v2_header_length.gdf",
            &v2,
            Box::new(|b| b[184..186].copy_from_slice(&2u16.to_le_bytes())),
            "the header length is 512 bytes, but 4 channels take 1280",
            ReadErrorKind::Malformed,
            Some(184),
        ),
        (
            "duration.gdf",
            &v2,
            Box::new(|b| b[248..252].copy_from_slice(&0u32.to_le_bytes())),
            "the record duration is 1/0 s",
            ReadErrorKind::Malformed,
            Some(244),
        ),
        (
            "records.gdf",
            &v1,
            Box::new(|b| b[236..244].copy_from_slice(&99i64.to_le_bytes())),
            "announces 99 records of 3000 bytes, but the file holds 4",
            ReadErrorKind::Truncated,
            Some(236),
        ),
        (
            "negative_records.gdf",
            &v1,
            Box::new(|b| b[236..244].copy_from_slice(&(-7i64).to_le_bytes())),
            "the number of records is -7",
            ReadErrorKind::Malformed,
            Some(236),
        ),
        (
            "float128.gdf",
            &v1,
            Box::new(move |b| b[v1_type..v1_type + 4].copy_from_slice(&18u32.to_le_bytes())),
            "the data type of channel 3 (\"EEG-Cz\") is 18",
            ReadErrorKind::Unsupported,
            Some(v1_type as u64),
        ),
        (
            "huge_spr.gdf",
            &v2,
            Box::new(move |b| b[v2_spr..v2_spr + 4].copy_from_slice(&u32::MAX.to_le_bytes())),
            "the number of samples per record of channel 1 (\"C3\") is 4294967295",
            ReadErrorKind::Malformed,
            Some(v2_spr as u64),
        ),
        (
            "nan_range.gdf",
            &v2,
            Box::new(|b| {
                let at = 256 + 4 * (16 + 80 + 6 + 2);
                b[at..at + 8].copy_from_slice(&f64::NAN.to_le_bytes())
            }),
            "the physical minimum of channel 1 (\"C3\") is NaN",
            ReadErrorKind::Malformed,
            Some(256 + 4 * 104),
        ),
        (
            "event_mode.gdf",
            &v1,
            Box::new(|b| {
                let at = 256 * 7 + 4 * 3000;
                b[at] = 5;
            }),
            "the event table has mode 5",
            ReadErrorKind::Unsupported,
            Some((256 * 7 + 4 * 3000) as u64),
        ),
        (
            "event_count.gdf",
            &v1,
            Box::new(|b| {
                let at = 256 * 7 + 4 * 3000 + 4;
                b[at..at + 4].copy_from_slice(&1_000_000u32.to_le_bytes());
            }),
            "the 1000000 events of the event table",
            ReadErrorKind::Truncated,
            Some((256 * 7 + 4 * 3000 + 8) as u64),
        ),
    ];
    for (name, base, mutate, words, kind, offset) in cases {
        let mut bytes = base.to_vec();
        mutate(&mut bytes);
        let (text, got_kind, at) = open_err(&s, name, &bytes);
        assert!(text.contains(words), "{name}: {text:?} lacks {words:?}");
        assert_eq!(got_kind, kind, "{name}: {text}");
        assert_eq!(at, offset, "{name}: offset in {text}");
    }
}

#[test]
fn a_file_without_samples_is_refused() {
    let s = TempDir::new("gdf-no-samples");
    let mut bytes = std::fs::read(fixture("gdf2_float32.gdf")).unwrap();
    // 3 channels: samples per record at 256 + 3 * 216.
    let at = 256 + 3 * 216;
    bytes[at..at + 12].fill(0);
    let (text, kind, _) = open_err(&s, "empty.gdf", &bytes[..256 * 4]);
    assert_eq!(kind, ReadErrorKind::Unsupported);
    assert!(
        text.contains("every channel has 0 samples per record"),
        "{text}"
    );
}

#[test]
fn unknown_record_count_is_counted_and_has_no_event_table() {
    let s = TempDir::new("gdf-unknown");
    let mut bytes = std::fs::read(fixture("gdf1_int16.gdf")).unwrap();
    bytes[236..244].copy_from_slice(&(-1i64).to_le_bytes());
    let end = 256 * 7 + 4 * 3000;
    bytes.truncate(end + 1000); // a partial fifth record
    let rec = open(&s.write("unknown.gdf", &bytes));
    assert_eq!(rec.info().streams[0].length, Some(1000));
    assert_eq!(rec.info().metadata["data_records_field"], "-1");
    assert!(rec.info().annotations.is_empty());
}

#[test]
fn every_truncation_and_corruption_fails_cleanly_or_reads() {
    let scratch = TempDir::new("gdf-fuzz");
    for path in fixtures() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).unwrap();
        for cut in (0..bytes.len()).step_by(97) {
            drain(&scratch.write(&name, &bytes[..cut]));
        }
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let header = 256 * (1 + bytes[252] as usize);
        for _ in 0..300 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mut b = bytes.clone();
            let at = (state % header as u64) as usize;
            b[at] = (state >> 32) as u8;
            drain(&scratch.write(&name, &b));
        }
    }
}

/// Opens `path` and, when that works, reads every stream to its end: must not panic.
fn drain(path: &Path) {
    if let Ok(rec) = GdfReader.open(path, &OpenOptions::default()) {
        for (i, s) in rec.info().streams.iter().enumerate() {
            let mut src = rec.open_stream(i).unwrap();
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
}
