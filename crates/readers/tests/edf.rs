//! The EDF/BDF reader against ground truth read back by pyedflib (EDFlib) from files written
//! by pyedflib and by a second, independent writer (edfio), see
//! examples/fixtures/edf/make_fixtures.py; and against malformed variants of those files.
#![allow(clippy::unwrap_used)]

mod common;

use player_api::conformance::TempDir;

use common::{assert_values_close, fixture_dir, load_truth, open, read_all, read_into, Truth};
use player_api::{
    Confidence, OpenOptions, Probe, ReadErrorKind, ReaderPlugin, Recording, PROBE_HEADER_LEN,
};
use player_readers::edf::EdfReader;
use std::path::{Path, PathBuf};

const FIXTURES: [&str; 11] = [
    "edf_basic.edf",
    "bdf_basic.bdf",
    "edfplus_annotations.edf",
    "bdfplus_annotations.bdf",
    "multirate.edf",
    "halfsec.edf",
    "discontinuous.edf",
    "unknown_count.edf",
    "start_offset.edf",
    // Written by edfio, not EDFlib.
    "edfio_multirate.edf",
    "edfio_bdfplus.bdf",
];

fn fixture(name: &str) -> PathBuf {
    fixture_dir("edf").join(name)
}

fn check_info(name: &str, rec: &dyn Recording, truth: &Truth) {
    let info = rec.info();
    assert_eq!(
        info.streams.len(),
        truth.streams.len(),
        "{name}: stream count"
    );
    for (s, t) in info.streams.iter().zip(&truth.streams) {
        assert_eq!(Some(&s.name), t.name.as_ref(), "{name}: stream name");
        assert_eq!(s.nominal_rate, t.rate, "{name}: rate of {}", s.name);
        assert_eq!(
            s.length,
            Some(t.frames as u64),
            "{name}: length of {}",
            s.name
        );
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
    assert_eq!(
        anns.len(),
        truth.annotations.len(),
        "{name}: annotations {anns:?}"
    );
    for (g, w) in anns.iter().zip(&truth.annotations) {
        assert!((g.0 - w.0).abs() < 1e-9, "{name}: onset {g:?} vs {w:?}");
        assert!((g.1 - w.1).abs() < 1e-9, "{name}: duration {g:?} vs {w:?}");
        assert_eq!(g.2, w.2, "{name}: text");
    }
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
    let start_offset = info
        .metadata
        .get("start_offset")
        .map(|v| v.parse::<f64>().unwrap());
    assert_eq!(
        start_offset,
        truth.json["start_offset"].as_f64(),
        "{name}: start_offset"
    );
}

#[test]
fn every_fixture_matches_its_truth_with_any_block_size() {
    for name in FIXTURES {
        let path = fixture(name);
        let truth = load_truth(&path);
        let rec = open(&EdfReader, &path);
        check_info(name, rec.as_ref(), &truth);
        for (i, t) in truth.streams.iter().enumerate() {
            let nch = t.channels.len();
            assert_eq!(t.values.len(), t.frames * nch, "{name}: truth size");
            for block in [1, 17, 10000] {
                let mut src = rec.open_stream(i).unwrap();
                let got = read_all(src.as_mut(), nch, block);
                assert_values_close(&got, &t.values, nch, t.abs_tol, t.rel_tol);
            }
            // After seeks: into the middle, back to the start, to the end, past the end.
            let mut src = rec.open_stream(i).unwrap();
            for start in [
                t.frames / 3,
                0,
                t.frames.saturating_sub(1),
                t.frames * 2 / 3,
            ] {
                src.seek(start as u64).unwrap();
                let got = read_all(src.as_mut(), nch, 7);
                assert_values_close(&got, &t.values[start * nch..], nch, t.abs_tol, t.rel_tol);
            }
            src.seek(t.frames as u64).unwrap();
            assert_eq!(
                read_into(src.as_mut(), nch, &mut vec![0.0; nch * 4]).unwrap(),
                0
            );
            let err = src.seek(t.frames as u64 + 1).unwrap_err();
            assert_eq!(err.kind(), ReadErrorKind::InvalidArgument);
        }
    }
}

#[test]
fn values_are_exact_not_merely_close() {
    // The truth tolerances are 0: the digital-to-physical formula is EDFlib's, bit for bit.
    for name in FIXTURES {
        for s in load_truth(&fixture(name)).streams {
            assert_eq!((s.abs_tol, s.rel_tol), (0.0, 0.0), "{name}");
        }
    }
}

#[test]
fn multirate_file_has_one_stream_per_rate_highest_first() {
    let rec = open(&EdfReader, &fixture("multirate.edf"));
    let info = rec.info();
    let names: Vec<&str> = info.streams.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["256Hz", "64Hz", "0.5Hz"]);
    let labels: Vec<&str> = info.streams[0]
        .channels
        .iter()
        .map(|c| c.label.as_str())
        .collect();
    assert_eq!(labels, ["EEG Cz", "EEG Pz"]);
    // Every stream lasts the same 6 s (3 records of 2 s): they share record 0's start.
    for s in &info.streams {
        assert_eq!(s.duration(), Some(6.0), "{}", s.name);
    }
    let spo2 = &info.streams[2].channels[0];
    assert_eq!((spo2.kind.as_str(), spo2.unit.as_str()), ("bio", "%"));
    assert_eq!(spo2.extra.get("physical_dimension").unwrap(), "%");
}

#[test]
fn channel_metadata_keeps_transducer_prefiltering_and_ranges() {
    let rec = open(&EdfReader, &fixture("edf_basic.edf"));
    let info = rec.info();
    assert_eq!(info.streams.len(), 1);
    let s = &info.streams[0];
    assert_eq!(s.content_type, "EEG");
    let fp1 = &s.channels[0];
    assert_eq!(fp1.extra.get("transducer").unwrap(), "AgAgCl");
    assert_eq!(fp1.extra.get("prefiltering").unwrap(), "HP:0.1Hz LP:70Hz");
    assert_eq!(fp1.extra.get("physical_dimension").unwrap(), "uV");
    assert_eq!(fp1.extra.get("digital_min").unwrap(), "-32768");
    let temp = &s.channels[3];
    assert_eq!((temp.kind.as_str(), temp.unit.as_str()), ("temp", "degC"));
    assert_eq!(info.metadata.get("data_records").unwrap(), "3");
}

#[test]
fn record_count_minus_one_is_counted_and_partial_record_ignored() {
    let rec = open(&EdfReader, &fixture("unknown_count.edf"));
    let m = &rec.info().metadata;
    assert_eq!(m.get("data_records").unwrap(), "3");
    assert_eq!(m.get("data_records_field").unwrap(), "-1");
    assert_eq!(m.get("trailing_bytes").unwrap(), "14");
}

#[test]
fn annotations_count_from_the_first_records_time_keeping_stamp() {
    // Every record of start_offset.edf starts 0.25 s later than its annotations'
    // reference: pyedflib (the truth) and player both give onsets from the first sample.
    let rec = open(&EdfReader, &fixture("start_offset.edf"));
    assert_eq!(rec.info().metadata.get("start_offset").unwrap(), "0.25");
    let first = &rec.info().annotations[0];
    assert_eq!((first.onset, first.description.as_str()), (-0.25, "start"));
    // Two annotation signals: both are read, neither is data.
    let rec = open(&EdfReader, &fixture("edfplus_annotations.edf"));
    assert_eq!(rec.info().annotations.len(), 6);
    assert_eq!(rec.info().streams[0].channels.len(), 2);
}

#[test]
fn discontinuous_gaps_are_zeros_at_the_records_true_times() {
    let path = fixture("discontinuous.edf");
    let truth = load_truth(&path);
    let rec = open(&EdfReader, &path);
    let info = rec.info();
    // Records at 0, 0.5, 1.0, 2.5, 3.0, 4.75, 5.25 s of 0.5 s each: gaps 1.5-2.5, 3.5-4.75.
    assert_eq!(info.metadata.get("gaps").unwrap(), "2");
    assert_eq!(info.metadata.get("gap_seconds").unwrap(), "2.25");
    let onsets: Vec<f64> = truth.json["record_onsets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(onsets, [0.0, 0.5, 1.0, 2.5, 3.0, 4.75, 5.25]);
    let s0 = &info.streams[0];
    assert_eq!((s0.name.as_str(), s0.length), ("100Hz", Some(575)));
    let nch = s0.channels.len();
    let mut src = rec.open_stream(0).unwrap();
    let got = read_all(src.as_mut(), nch, 64);
    for frame in (150..250).chain(350..475) {
        assert_eq!(got[frame * nch], 0.0, "frame {frame} is in a gap");
    }
    // Record 3 (2.5 s) starts at frame 250: its first sample is the 4th record's first.
    let twin_first = truth.streams[0].values[250 * nch];
    assert_eq!(got[250 * nch], twin_first);
    assert_ne!(twin_first, 0.0);
    // Annotation onsets are seconds from the first sample, across gaps.
    let after_gap = info
        .annotations
        .iter()
        .find(|a| a.description == "after gap")
        .unwrap();
    assert_eq!((after_gap.onset, after_gap.duration), (2.6, 0.5));
}

#[test]
fn probing_by_content_beats_the_extension() {
    for name in FIXTURES {
        let bytes = std::fs::read(fixture(name)).unwrap();
        let head = &bytes[..bytes.len().min(PROBE_HEADER_LEN)];
        let probe = Probe {
            path: Path::new("renamed.dat"),
            header: head,
        };
        assert_eq!(EdfReader.probe(&probe), Some(Confidence::Magic), "{name}");
    }
    let garbage = vec![b'x'; 512];
    let by_ext = Probe {
        path: Path::new("a.BDF"),
        header: &garbage,
    };
    assert_eq!(EdfReader.probe(&by_ext), Some(Confidence::Extension));
    let neither = Probe {
        path: Path::new("a.wav"),
        header: &garbage,
    };
    assert_eq!(EdfReader.probe(&neither), None);
    // A version field alone is not enough: the header size must fit the signal count.
    let mut bad = std::fs::read(fixture("edf_basic.edf")).unwrap();
    bad[184..192].copy_from_slice(b"999     ");
    let probe = Probe {
        path: Path::new("x.txt"),
        header: &bad[..PROBE_HEADER_LEN],
    };
    assert_eq!(EdfReader.probe(&probe), None);
    assert!(player_api::registered_readers()
        .iter()
        .any(|r| r.info().id() == "edf"));
}

#[test]
fn unknown_reader_options_are_refused() {
    let mut options = OpenOptions::default();
    options.reader_options.insert("bogus".into(), "1".into());
    let err = EdfReader
        .open(&fixture("edf_basic.edf"), &options)
        .err()
        .unwrap();
    assert_eq!(err.kind(), ReadErrorKind::InvalidArgument);
}

// ------------------------------------------------------------------ malformed input

/// Writes `bytes`, opens them, and returns the error's display text and kind.
fn open_err(scratch: &TempDir, name: &str, bytes: &[u8]) -> (String, ReadErrorKind, Option<u64>) {
    let path = scratch.write(name, bytes);
    match EdfReader.open(&path, &OpenOptions::default()) {
        Ok(_) => panic!("{name}: opened a malformed file"),
        Err(e) => {
            let text = e.to_string();
            assert!(
                text.contains(name),
                "{name}: error does not name the file: {text}"
            );
            (text, e.kind(), e.offset())
        }
    }
}

fn set_field(bytes: &mut [u8], at: usize, width: usize, text: &str) {
    let mut field = text.as_bytes().to_vec();
    field.resize(width, b' ');
    bytes[at..at + width].copy_from_slice(&field);
}

/// Offset of per-signal field `k` (0 = label ... 9 = reserved) of signal `i`.
fn signal_field(ns: usize, k: usize, i: usize) -> (usize, usize) {
    let widths = [16, 80, 8, 8, 8, 8, 8, 80, 8, 32];
    let before: usize = widths[..k].iter().map(|w| w * ns).sum();
    (256 + before + i * widths[k], widths[k])
}

#[test]
fn malformed_headers_give_errors_naming_file_and_field() {
    let scratch = TempDir::new("edf-malformed");
    let basic = std::fs::read(fixture("edf_basic.edf")).unwrap();
    let ns = 4;
    let header = 256 * (ns + 1);
    let record = 4 * 256 * 2;

    // (file name, mutation, expected words in the message, expected offset)
    type Mutation = Box<dyn Fn(&mut Vec<u8>)>;
    let cases: Vec<(&str, Mutation, &str, Option<u64>)> = vec![
        (
            "trunc_fixed.edf",
            Box::new(|b| b.truncate(100)),
            "fixed header",
            Some(0),
        ),
        (
            "trunc_signals.edf",
            Box::new(|b| b.truncate(256 + 300)),
            "number of signals",
            Some(252),
        ),
        (
            "trunc_at_header_end.edf",
            Box::new(move |b| b.truncate(header)),
            "number of data records",
            Some(236),
        ),
        (
            "trunc_mid_record.edf",
            Box::new(move |b| b.truncate(header + record + record / 2)),
            "number of data records",
            Some(236),
        ),
        (
            "abc_records.edf",
            Box::new(|b| set_field(b, 236, 8, "abc")),
            "number of data records is not a valid number",
            Some(236),
        ),
        (
            "abc_duration.edf",
            Box::new(|b| set_field(b, 244, 8, "abc")),
            "duration of a data record",
            Some(244),
        ),
        (
            "abc_signals.edf",
            Box::new(|b| set_field(b, 252, 4, "abc")),
            "number of signals",
            Some(252),
        ),
        (
            "abc_header_size.edf",
            Box::new(|b| set_field(b, 184, 8, "abc")),
            "number of bytes in header",
            Some(184),
        ),
        (
            "abc_phys_min.edf",
            Box::new(move |b| {
                let (at, w) = signal_field(ns, 3, 1);
                set_field(b, at, w, "abc")
            }),
            "physical minimum of signal 2",
            Some(signal_field(ns, 3, 1).0 as u64),
        ),
        (
            "abc_dig_max.edf",
            Box::new(move |b| {
                let (at, w) = signal_field(ns, 6, 3);
                set_field(b, at, w, "1x")
            }),
            "digital maximum of signal 4",
            Some(signal_field(ns, 6, 3).0 as u64),
        ),
        (
            "abc_spr.edf",
            Box::new(move |b| {
                let (at, w) = signal_field(ns, 8, 0);
                set_field(b, at, w, "abc")
            }),
            "number of samples per record of signal 1",
            Some(signal_field(ns, 8, 0).0 as u64),
        ),
        (
            "zero_signals.edf",
            Box::new(|b| set_field(b, 252, 4, "0")),
            "number of signals is 0",
            Some(252),
        ),
        (
            "negative_signals.edf",
            Box::new(|b| set_field(b, 252, 4, "-3")),
            "number of signals",
            Some(252),
        ),
        (
            "absurd_signals.edf",
            Box::new(|b| set_field(b, 252, 4, "9999")),
            "number of signals",
            Some(252),
        ),
        (
            "duration_zero.edf",
            Box::new(|b| set_field(b, 244, 8, "0")),
            "duration of a data record",
            Some(244),
        ),
        (
            "duration_negative.edf",
            Box::new(|b| set_field(b, 244, 8, "-1")),
            "duration of a data record",
            Some(244),
        ),
        (
            "duration_nan.edf",
            Box::new(|b| set_field(b, 244, 8, "NaN")),
            "duration of a data record",
            Some(244),
        ),
        (
            "records_too_many.edf",
            Box::new(|b| set_field(b, 236, 8, "99999999")),
            "number of data records",
            Some(236),
        ),
        (
            "records_negative.edf",
            Box::new(|b| set_field(b, 236, 8, "-5")),
            "number of data records",
            Some(236),
        ),
        (
            "header_size_wrong.edf",
            Box::new(|b| set_field(b, 184, 8, "1024")),
            "number of bytes in header",
            Some(184),
        ),
        (
            "bad_version.edf",
            Box::new(|b| set_field(b, 0, 8, "1")),
            "version",
            Some(0),
        ),
        (
            "spr_zero.edf",
            Box::new(move |b| {
                let (at, w) = signal_field(ns, 8, 2);
                set_field(b, at, w, "0")
            }),
            "number of samples per record of signal 3",
            Some(signal_field(ns, 8, 2).0 as u64),
        ),
        (
            "spr_huge.edf",
            Box::new(move |b| {
                let (at, w) = signal_field(ns, 8, 2);
                set_field(b, at, w, "99999999")
            }),
            "number of samples per record of signal 3",
            Some(signal_field(ns, 8, 2).0 as u64),
        ),
        (
            "dig_equal.edf",
            Box::new(move |b| {
                let (at, w) = signal_field(ns, 6, 1);
                set_field(b, at, w, "-2048")
            }),
            "digital minimum of signal 2",
            Some(signal_field(ns, 5, 1).0 as u64),
        ),
        (
            "dig_reversed.edf",
            Box::new(move |b| {
                let (at, w) = signal_field(ns, 5, 0);
                set_field(b, at, w, "32767");
                let (at, w) = signal_field(ns, 6, 0);
                set_field(b, at, w, "0")
            }),
            "digital minimum of signal 1",
            Some(signal_field(ns, 5, 0).0 as u64),
        ),
        (
            "dig_out_of_range.edf",
            Box::new(move |b| {
                let (at, w) = signal_field(ns, 6, 1);
                set_field(b, at, w, "40000")
            }),
            "digital maximum of signal 2",
            Some(signal_field(ns, 6, 1).0 as u64),
        ),
        (
            "phys_equal.edf",
            Box::new(move |b| {
                let (at, w) = signal_field(ns, 4, 1);
                set_field(b, at, w, "-200")
            }),
            "physical minimum of signal 2",
            Some(signal_field(ns, 3, 1).0 as u64),
        ),
    ];
    for (name, mutate, words, offset) in cases {
        let mut bytes = basic.clone();
        mutate(&mut bytes);
        let (text, kind, at) = open_err(&scratch, name, &bytes);
        assert!(
            text.contains(words),
            "{name}: {text:?} does not mention {words:?}"
        );
        assert!(
            matches!(kind, ReadErrorKind::Malformed | ReadErrorKind::Truncated),
            "{name}: {kind:?}"
        );
        assert_eq!(at, offset, "{name}: offset in {text:?}");
    }
}

#[test]
fn malformed_annotations_and_discontinuous_records_are_errors() {
    let scratch = TempDir::new("edf-tal");
    let disc = std::fs::read(fixture("discontinuous.edf")).unwrap();
    // Layout: 3 signals (50 + 5 samples, 30-sample annotation signal): record = 170 bytes.
    let header = 1024;
    let record = 170;
    let tal_at = |r: usize| header + r * record + 110;
    assert_eq!(&disc[tal_at(1)..tal_at(1) + 6], b"+0.5\x14\x14");

    let mut overlap = disc.clone();
    overlap[tal_at(1)..tal_at(1) + 4].copy_from_slice(b"+0.2");
    let (text, _, at) = open_err(&scratch, "overlap.edf", &overlap);
    assert!(
        text.contains("record 1") && text.contains("overlap"),
        "{text}"
    );
    assert_eq!(at, Some(tal_at(1) as u64));

    let mut backward = disc.clone();
    backward[tal_at(3)..tal_at(3) + 4].copy_from_slice(b"+0.0");
    let (text, _, _) = open_err(&scratch, "backward.edf", &backward);
    assert!(
        text.contains("record 3") && text.contains("backward"),
        "{text}"
    );

    let mut no_stamp = disc.clone();
    no_stamp[tal_at(2)..tal_at(2) + 6].copy_from_slice(b"+1\x14x\x14\x00");
    let (text, _, _) = open_err(&scratch, "no_stamp.edf", &no_stamp);
    assert!(
        text.contains("record 2") && text.contains("time-keeping"),
        "{text}"
    );

    let mut bad_onset = disc.clone();
    bad_onset[tal_at(2)] = b'x';
    let (text, _, at) = open_err(&scratch, "bad_onset.edf", &bad_onset);
    assert!(
        text.contains("record 2") && text.contains("TAL onset"),
        "{text}"
    );
    assert_eq!(at, Some(tal_at(2) as u64));

    let mut unterminated = disc.clone();
    unterminated[tal_at(0)..tal_at(0) + 60].fill(b'1');
    unterminated[tal_at(0)] = b'+';
    let (text, _, _) = open_err(&scratch, "unterminated.edf", &unterminated);
    assert!(text.contains("record 0") && text.contains("TAL"), "{text}");

    // EDF+D without an annotation signal: rename the annotation signal.
    let mut no_annot = disc.clone();
    let (at, w) = signal_field(3, 0, 2);
    set_field(&mut no_annot, at, w, "Other");
    let (text, _, _) = open_err(&scratch, "no_annotation_signal.edf", &no_annot);
    assert!(text.contains("EDF+D"), "{text}");
}

#[test]
fn every_truncation_and_corruption_fails_cleanly_or_reads() {
    let scratch = TempDir::new("edf-fuzz");
    for name in [
        "bdf_basic.bdf",
        "edfplus_annotations.edf",
        "discontinuous.edf",
        "unknown_count.edf",
        "edfio_bdfplus.bdf",
    ] {
        let bytes = std::fs::read(fixture(name)).unwrap();
        for cut in (0..bytes.len()).step_by(7) {
            let path = scratch.write(name, &bytes[..cut]);
            drain(&path);
        }
        // Deterministic single-byte corruptions in the header.
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let header_len = 256
            * (1 + std::str::from_utf8(&bytes[252..256])
                .unwrap()
                .trim()
                .parse::<usize>()
                .unwrap());
        for _ in 0..400 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mut b = bytes.clone();
            let at = (state % header_len as u64) as usize;
            b[at] = (state >> 32) as u8;
            let path = scratch.write(name, &b);
            drain(&path);
        }
    }
}

/// Opens `path` and, when that works, reads every stream to the end: must not panic.
fn drain(path: &Path) {
    if let Ok(rec) = EdfReader.open(path, &OpenOptions::default()) {
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

#[test]
fn header_variants_latin1_micro_and_four_digit_year() {
    let scratch = TempDir::new("edf-variants");
    // Latin-1 "µV" (byte 0xB5) is micro-volts: unit V, same values as "uV".
    let mut micro = std::fs::read(fixture("edf_basic.edf")).unwrap();
    let (at, _) = signal_field(4, 2, 0);
    micro[at..at + 8].copy_from_slice(b"\xb5V      ");
    let path = scratch.write("micro.edf", &micro);
    let rec = open(&EdfReader, &path);
    let truth = load_truth(&fixture("edf_basic.edf"));
    assert_eq!(rec.info().streams[0].channels[0].unit, "V");
    let got = read_all(rec.open_stream(0).unwrap().as_mut(), 4, 100);
    assert_values_close(&got, &truth.streams[0].values, 4, 0.0, 0.0);
    assert_eq!(
        rec.info().streams[0].channels[1]
            .extra
            .get("signal_number")
            .unwrap(),
        "2"
    );

    // EDF+: the recording field's "Startdate dd-MMM-yyyy" gives the 4-digit year.
    let mut plus = std::fs::read(fixture("edfplus_annotations.edf")).unwrap();
    assert_eq!(&plus[88..109], b"Startdate 02-MAR-2002");
    plus[88..109].copy_from_slice(b"Startdate 02-MAR-1984");
    let path = scratch.write("year.edf", &plus);
    let rec = open(&EdfReader, &path);
    assert_eq!(
        rec.info().meas_date.as_deref(),
        Some("1984-03-02T10:20:30Z")
    );

    // A bad date is no date, not an error; "85" is 1985.
    let mut dates = std::fs::read(fixture("edf_basic.edf")).unwrap();
    dates[168..176].copy_from_slice(b"31.02.85");
    let rec = open(&EdfReader, &scratch.write("bad_date.edf", &dates));
    assert_eq!(rec.info().meas_date, None);
    dates[168..176].copy_from_slice(b"28.02.85");
    let rec = open(&EdfReader, &scratch.write("y85.edf", &dates));
    assert_eq!(
        rec.info().meas_date.as_deref(),
        Some("1985-02-28T23:59:58Z")
    );

    // An explicit record count smaller than the file: only those records are read.
    let mut fewer = std::fs::read(fixture("edf_basic.edf")).unwrap();
    set_field(&mut fewer, 236, 8, "2");
    let rec = open(&EdfReader, &scratch.write("fewer.edf", &fewer));
    assert_eq!(rec.info().streams[0].length, Some(512));
    assert_eq!(rec.info().metadata.get("trailing_bytes").unwrap(), "2048");
}

/// Every fixture passes the conformance checker: whole and odd-sized reads agree, seeks
/// land on the right frames, truncated copies fail cleanly.
#[test]
fn every_fixture_conforms() {
    common::assert_fixtures_conform(&EdfReader, "edf", "edf");
    common::assert_fixtures_conform(&EdfReader, "edf", "bdf");
}
