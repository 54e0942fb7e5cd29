//! The csv reader against ground truth: OpenBCI GUI recordings (GUI 5 and GUI 4 line
//! formats) and plain CSV/TSV tables written by examples/fixtures/csv/make_fixtures.py,
//! read back by Python's csv module; and against malformed and irregular tables.
#![allow(clippy::unwrap_used)]

mod common;

use common::{fixture_dir, load_truth, read_all, read_into, Truth};
use player_api::conformance::TempDir;
use player_api::{
    Confidence, OpenOptions, Probe, ReadErrorKind, ReaderPlugin, Recording, PROBE_HEADER_LEN,
};
use player_readers::csv::CsvReader;
use std::path::{Path, PathBuf};

const FIXTURES: [&str; 7] = [
    "OpenBCI-RAW-2024-01-02_10-20-30.txt",
    "OpenBCI-RAW-legacy.txt",
    "time_markers.csv",
    "rate_option.tsv",
    "semicolon_ms.csv",
    "no_header.csv",
    "physio.tsv.gz",
];

fn fixture(name: &str) -> PathBuf {
    fixture_dir("csv").join(name)
}

/// The reader options a fixture is read with (its truth's `reader_options`).
fn options_of(truth: &Truth) -> OpenOptions {
    let mut options = OpenOptions::default();
    if let Some(map) = truth.json["reader_options"].as_object() {
        for (k, v) in map {
            options
                .reader_options
                .insert(k.clone(), v.as_str().unwrap().to_string());
        }
    }
    options
}

fn with(pairs: &[(&str, &str)]) -> OpenOptions {
    let mut options = OpenOptions::default();
    for (k, v) in pairs {
        options.reader_options.insert(k.to_string(), v.to_string());
    }
    options
}

fn open_with(path: &Path, options: &OpenOptions) -> Box<dyn Recording> {
    CsvReader
        .open(path, options)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn check_info(name: &str, rec: &dyn Recording, truth: &Truth) {
    let info = rec.info();
    assert_eq!(info.streams.len(), 1, "{name}");
    let (s, t) = (&info.streams[0], &truth.streams[0]);
    assert_eq!(Some(&s.name), t.name.as_ref(), "{name}: stream name");
    assert_eq!(s.nominal_rate, t.rate, "{name}: rate");
    assert_eq!(s.length, Some(t.frames as u64), "{name}: length");
    let got: Vec<(String, String, String)> = s
        .channels
        .iter()
        .map(|c| (c.label.clone(), c.kind.clone(), c.unit.clone()))
        .collect();
    assert_eq!(got, t.channels, "{name}: channels");
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
    for key in ["format", "rate_from"] {
        assert_eq!(
            info.metadata.get(key).map(String::as_str),
            truth.json[key].as_str(),
            "{name}: {key}"
        );
    }
}

#[test]
fn every_fixture_matches_its_truth_with_any_block_size_and_after_seeks() {
    for name in FIXTURES {
        let path = fixture(name);
        let truth = load_truth(&path);
        let rec = open_with(&path, &options_of(&truth));
        check_info(name, rec.as_ref(), &truth);
        common::assert_stream_matches(rec.as_ref(), 0, &truth.streams[0], name);
    }
}

#[test]
fn every_fixture_conforms() {
    for name in FIXTURES {
        let path = fixture(name);
        let options = options_of(&load_truth(&path));
        if let Err(e) = player_api::conformance::check_with(&CsvReader, &path, &options) {
            panic!("{name}: does not conform: {e}");
        }
    }
}

#[test]
fn openbci_metadata_and_ignored_columns_are_reported() {
    let rec = open_with(
        &fixture("OpenBCI-RAW-2024-01-02_10-20-30.txt"),
        &OpenOptions::default(),
    );
    let m = &rec.info().metadata;
    assert_eq!(
        m.get("openbci_board").unwrap(),
        "OpenBCI_GUI$BoardCytonSerial"
    );
    assert_eq!(m.get("openbci_sample_rate").unwrap(), "250 Hz");
    assert_eq!(m.get("openbci_number_of_channels").unwrap(), "8");
    let ignored = m.get("ignored_columns").unwrap();
    assert!(ignored.starts_with("Sample Index, Not Used, Digital Channel 0 (D11)"));
    assert!(
        ignored.ends_with("Timestamp, Timestamp (Formatted)"),
        "{ignored}"
    );
    assert_eq!(m.get("marker_column").unwrap(), "Marker Channel");
    let exg = &rec.info().streams[0].channels[0];
    assert_eq!(exg.extra.get("unit_in_file").unwrap(), "uV");
    assert_eq!(exg.extra.get("column").unwrap(), "2");
    assert_eq!(rec.info().streams[0].content_type, "EEG");
    // The rate option wins over the %Sample Rate line.
    let rec = open_with(
        &fixture("OpenBCI-RAW-2024-01-02_10-20-30.txt"),
        &with(&[("rate", "125")]),
    );
    assert_eq!(rec.info().streams[0].nominal_rate, 125.0);
    assert_eq!(rec.info().metadata["rate_from"], "reader_options");
}

#[test]
fn time_column_rate_is_measured_and_reported() {
    let rec = open_with(&fixture("time_markers.csv"), &OpenOptions::default());
    let m = &rec.info().metadata;
    assert_eq!(m.get("time_column").unwrap(), "time");
    let measured: f64 = m.get("measured_rate").unwrap().parse().unwrap();
    assert!(
        measured != 256.0 && (measured - 256.0).abs() < 0.1,
        "{measured}"
    );
    assert_eq!(m.get("first_time").unwrap(), "0");
    // A rate given as an option wins over the time column, which still does not play.
    let rec = open_with(&fixture("time_markers.csv"), &with(&[("rate", "100")]));
    assert_eq!(rec.info().streams[0].nominal_rate, 100.0);
    assert_eq!(rec.info().streams[0].channels.len(), 5);
    assert_eq!(
        rec.info().metadata.get("rate_from").unwrap(),
        "reader_options"
    );
    // time_column: none makes it a channel (and then a rate is needed).
    let rec = open_with(
        &fixture("time_markers.csv"),
        &with(&[("time_column", "none"), ("rate", "256")]),
    );
    assert_eq!(rec.info().streams[0].channels[0].label, "time");
    // marker_column: none makes the event column a channel; it holds text, refused.
    let err = CsvReader
        .open(
            &fixture("time_markers.csv"),
            &with(&[("marker_column", "none")]),
        )
        .err()
        .unwrap();
    let text = err.to_string();
    assert!(
        text.contains("column 7 \"event\"") && text.contains("marker_column"),
        "{text}"
    );
    // Options name columns case-insensitively, with or without the unit suffix.
    let rec = open_with(
        &fixture("time_markers.csv"),
        &with(&[("marker_column", "EVENT"), ("time_column", "Time")]),
    );
    assert_eq!(rec.info().annotations.len(), 4);
}

#[test]
fn probing_by_content_and_extension() {
    for name in [
        "OpenBCI-RAW-2024-01-02_10-20-30.txt",
        "OpenBCI-RAW-legacy.txt",
    ] {
        let bytes = std::fs::read(fixture(name)).unwrap();
        let probe = Probe {
            path: Path::new("renamed.dat"),
            header: &bytes[..bytes.len().min(PROBE_HEADER_LEN)],
        };
        assert_eq!(CsvReader.probe(&probe), Some(Confidence::Magic), "{name}");
    }
    let mut bom = b"\xef\xbb\xbf".to_vec();
    bom.extend_from_slice(b"%OpenBCI Raw EXG Data\n");
    let probe = Probe {
        path: Path::new("x"),
        header: &bom,
    };
    assert_eq!(CsvReader.probe(&probe), Some(Confidence::Magic));
    let table = b"a,b\n1,2\n";
    for (file, want) in [
        ("x.csv", Some(Confidence::Extension)),
        ("x.TSV", Some(Confidence::Extension)),
        ("x.txt", None),
    ] {
        let probe = Probe {
            path: Path::new(file),
            header: table,
        };
        assert_eq!(CsvReader.probe(&probe), want, "{file}");
    }
    assert!(player_api::registered_readers()
        .iter()
        .any(|r| r.info().id() == "csv"));
}

// ------------------------------------------------------------------ refusals

/// Writes `text` as `name`, opens it with `options`, and returns the error's text and
/// kind (it must name the file).
fn open_err(
    scratch: &TempDir,
    name: &str,
    text: &str,
    options: &[(&str, &str)],
) -> (String, ReadErrorKind) {
    let path = scratch.write(name, text);
    match CsvReader.open(&path, &with(options)) {
        Ok(_) => panic!("{name}: opened"),
        Err(e) => {
            let msg = e.to_string();
            assert!(
                msg.contains(name),
                "{name}: error does not name the file: {msg}"
            );
            (msg, e.kind())
        }
    }
}

#[test]
fn bad_tables_and_options_are_refused_with_the_way_out() {
    let s = TempDir::new("csv-refused");
    // (file, content, options, words of the message, kind)
    type Case<'a> = (
        &'a str,
        &'a str,
        Vec<(&'a str, &'a str)>,
        &'a str,
        ReadErrorKind,
    );
    let cases: Vec<Case> = vec![
        ("empty.csv", "", vec![], "no rows", ReadErrorKind::Malformed),
        (
            "header_only.csv",
            "time,a\n",
            vec![],
            "no data rows",
            ReadErrorKind::Malformed,
        ),
        (
            "no_rate.csv",
            "a,b\n1,2\n",
            vec![],
            "reader_options {rate: HZ}",
            ReadErrorKind::InvalidArgument,
        ),
        (
            "short_row.csv",
            "a,b\n1,2\n3\n",
            vec![("rate", "10")],
            "line 3 has 1 fields, but the header row has 2",
            ReadErrorKind::Malformed,
        ),
        (
            "text_cell.csv",
            "a,b\n1,2\n3,x\n",
            vec![("rate", "10")],
            "line 3, column 2 \"b\": \"x\" is not a number (a column of text plays as markers when named by reader_options {marker_column: NAME})",
            ReadErrorKind::Malformed,
        ),
        (
            "one_row.csv",
            "t,a\n0,1\n",
            vec![],
            "one row",
            ReadErrorKind::Unsupported,
        ),
        (
            "backwards.csv",
            "t,a\n0,1\n0.1,2\n0.05,3\n",
            vec![],
            "line 4: the time column \"t\" goes backwards",
            ReadErrorKind::Malformed,
        ),
        (
            "repeated.csv",
            "t,a\n0,1\n0,2\n",
            vec![],
            "goes nowhere",
            ReadErrorKind::Malformed,
        ),
        (
            "text_time.csv",
            "time,a\n0,1\nsoon,2\n",
            vec![],
            "line 3, column 1 \"time\": \"soon\" is not a number (in the time column)",
            ReadErrorKind::Malformed,
        ),
        (
            "bad_rate.csv",
            "a\n1\n",
            vec![("rate", "-5")],
            "rate is a number of Hz above 0",
            ReadErrorKind::InvalidArgument,
        ),
        (
            "bad_delimiter.csv",
            "a\n1\n",
            vec![("delimiter", "::")],
            "delimiter is one character",
            ReadErrorKind::InvalidArgument,
        ),
        (
            "missing_column.csv",
            "a,b\n1,2\n",
            vec![("time_column", "stamp")],
            "names the column \"stamp\", which the header does not have (it has \"a\", \"b\")",
            ReadErrorKind::InvalidArgument,
        ),
        (
            "unknown_option.csv",
            "a\n1\n",
            vec![("gain", "2")],
            "has no option \"gain\"",
            ReadErrorKind::InvalidArgument,
        ),
        (
            "openbci_options.txt",
            "%OpenBCI Raw EXG Data\n%Sample Rate = 250 Hz\nSample Index, EXG Channel 0\n0, 1\n",
            vec![("time_column", "x")],
            "columns are fixed",
            ReadErrorKind::InvalidArgument,
        ),
        (
            "openbci_bad_rate.txt",
            "%OpenBCI Raw EXG Data\n%Sample Rate = fast\nSample Index, EXG Channel 0\n0, 1\n",
            vec![],
            "the %Sample Rate line says \"fast\"",
            ReadErrorKind::Malformed,
        ),
        (
            "openbci_no_exg.txt",
            "%OpenBCI Raw EXG Data\n%Sample Rate = 250 Hz\nSample Index, Other\n0, 1\n",
            vec![],
            "no EXG Channel or Accel Channel column",
            ReadErrorKind::Malformed,
        ),
        (
            "openbci_legacy_no_count.txt",
            "%OpenBCI Raw EEG Data\n%Sample Rate = 250.0 Hz\n0, 1, 2\n",
            vec![],
            "no %Number of channels line",
            ReadErrorKind::Malformed,
        ),
        (
            "only_special.csv",
            "time,marker\n0,a\n1,b\n",
            vec![],
            "no column holds data",
            ReadErrorKind::InvalidArgument,
        ),
    ];
    for (name, text, options, words, kind) in cases {
        let (msg, got) = open_err(&s, name, text, &options);
        assert!(msg.contains(words), "{name}: {msg:?} lacks {words:?}");
        assert_eq!(got, kind, "{name}: {msg}");
    }
}

/// A file that does not say it is a table (no `.csv`/`.tsv` name, no OpenBCI first line),
/// given to the reader by mistake, is never echoed: names and cells show as `"…"`.
#[test]
fn the_content_of_a_file_not_named_as_a_table_is_not_quoted() {
    let s = TempDir::new("csv-untrusted");
    let secret = "root:$6$SeCrEtSaLt$HaShOfThePaSsWoRd:19000:0:99999:7:::\n".repeat(5);
    // (file, options, words of the message)
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 3] = [
        ("shadow", &[], "the columns are \"…\""),
        (
            "shadow",
            &[("rate", "10")],
            "line 2, column 1 \"…\": \"…\" is not a number",
        ),
        (
            "shadow",
            &[("time_column", "x")],
            "which the header does not have (it has \"…\")",
        ),
    ];
    for (name, options, words) in cases {
        let (text, _) = open_err(&s, name, &secret, options);
        assert!(text.contains(words), "{text:?} lacks {words:?}");
        assert!(
            !text.contains("SeCrEt") && !text.contains("99999"),
            "{text}"
        );
    }
    // The same content named .csv is a table: its values are quoted.
    let (text, _) = open_err(&s, "named.csv", &secret, &[]);
    assert!(text.contains("SeCrEt"), "{text}");
}

#[test]
fn a_cell_that_is_not_a_number_is_an_error_naming_line_and_column_when_read() {
    let s = TempDir::new("csv-late-text");
    let mut text = String::from("a,b\n");
    for k in 0..50 {
        text.push_str(&format!("{k},{}\n", if k == 40 { "1.2.3" } else { "1" }));
    }
    let path = s.write("late.csv", &text);
    let rec = open_with(&path, &with(&[("rate", "10")]));
    let mut src = rec.open_stream(0).unwrap();
    let mut out = vec![0.0; 2 * 100];
    let err = read_into(src.as_mut(), 2, &mut out).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: at byte {}: line 42, column 2 \"b\": \"1.2.3\" is not a number",
            path.display(),
            text.find("40,1.2.3").unwrap()
        )
    );
}

#[test]
fn irregular_time_columns_are_refused_with_the_measured_jitter() {
    let s = TempDir::new("csv-irregular");
    // 100 Hz with one sample missing: a step of 20 ms.
    let mut text = String::from("time,x\n");
    for k in (0..300).filter(|&k| k != 150) {
        text.push_str(&format!("{:.4},{k}\n", k as f64 / 100.0));
    }
    let (msg, kind) = open_err(&s, "gap.csv", &text, &[]);
    assert_eq!(kind, ReadErrorKind::Unsupported);
    assert!(
        msg.contains("consecutive times differ by 10.000 ms to 20.000 ms")
            && msg.contains("reader_options {rate: HZ}"),
        "{msg}"
    );
    // The same file plays when the rate is given.
    let rec = open_with(&s.write("gap.csv", &text), &with(&[("rate", "100")]));
    assert_eq!(rec.info().streams[0].length, Some(299));
    // Jitter within 10 % of a period is accepted, the rate measured over the whole file.
    let mut text = String::from("timestamp,x\n");
    for k in 0..3000 {
        let jitter = if k % 2 == 0 { 0.0004 } else { -0.0004 };
        text.push_str(&format!("{:.6},{k}\n", 10.0 + k as f64 / 200.0 + jitter));
    }
    let rec = open_with(&s.write("jitter.csv", &text), &OpenOptions::default());
    assert_eq!(rec.info().streams[0].nominal_rate, 200.0);
    let jitter: f64 = rec.info().metadata["time_jitter"].parse().unwrap();
    assert!((jitter - 0.0008).abs() < 1e-6, "{jitter}");
    assert_eq!(rec.info().metadata["first_time"], "10.0004");
}

#[test]
fn cells_quotes_blank_lines_and_missing_values() {
    let s = TempDir::new("csv-cells");
    let text = "\u{feff}\"a\",\"b, c\", marker\r\n1,,\r\n\r\n\" 2.5 \",NaN,\"hello, world\"\r\n3,1e3,0\r\n";
    let path = s.write("cells.csv", text);
    let rec = open_with(&path, &with(&[("rate", "2")]));
    let info = rec.info();
    let labels: Vec<&str> = info.streams[0]
        .channels
        .iter()
        .map(|c| c.label.as_str())
        .collect();
    assert_eq!(labels, ["a", "b, c"]);
    assert_eq!(info.streams[0].length, Some(3));
    assert_eq!(info.annotations.len(), 1);
    assert_eq!(
        (
            info.annotations[0].onset,
            info.annotations[0].description.as_str()
        ),
        (0.5, "hello, world")
    );
    let got = read_all(rec.open_stream(0).unwrap().as_mut(), 2, 10);
    assert_eq!(got[0], 1.0);
    assert!(got[1].is_nan() && got[3].is_nan(), "{got:?}");
    assert_eq!((got[2], got[4], got[5]), (2.5, 3.0, 1000.0));
    // Old Mac line ends (a bare \r), and a quoted marker holding a line break.
    let path = s.write("cr.csv", "a,event\r1,\r2,\"two\nlines\"\r3,\r");
    let rec = open_with(&path, &with(&[("rate", "1")]));
    assert_eq!(rec.info().streams[0].length, Some(3));
    assert_eq!(rec.info().annotations[0].description, "two\nlines");
    let got = read_all(rec.open_stream(0).unwrap().as_mut(), 1, 10);
    assert_eq!(got, [1.0, 2.0, 3.0]);
    // A unit option applies to columns without their own: volts, kinds from labels.
    let path = s.write("units.csv", "EEG Fz,EOG (mV),x [K]\n1,2,3\n");
    let rec = open_with(&path, &with(&[("rate", "1"), ("unit", "uV")]));
    let chans: Vec<(&str, &str)> = rec.info().streams[0]
        .channels
        .iter()
        .map(|c| (c.kind.as_str(), c.unit.as_str()))
        .collect();
    assert_eq!(chans, [("eeg", "V"), ("eog", "V"), ("misc", "K")]);
    let got = read_all(rec.open_stream(0).unwrap().as_mut(), 3, 10);
    assert_eq!(got, [1e-6, 2.0 * 1e-3, 3.0]);
}

#[test]
fn every_truncation_fails_cleanly_or_reads() {
    let scratch = TempDir::new("csv-truncations");
    for name in [
        "OpenBCI-RAW-legacy.txt",
        "time_markers.csv",
        "rate_option.tsv",
        "physio.tsv.gz",
    ] {
        let path = fixture(name);
        let options = options_of(&load_truth(&path));
        let bytes = std::fs::read(&path).unwrap();
        for cut in (0..bytes.len()).step_by(997) {
            let copy = scratch.write(name, &bytes[..cut]);
            if let Ok(rec) = CsvReader.open(&copy, &options) {
                let s = &rec.info().streams[0];
                let mut src = rec.open_stream(0).unwrap();
                let mut buf = vec![0.0; s.channels.len() * 100];
                let mut total = 0u64;
                while let Ok(n) = read_into(src.as_mut(), s.channels.len(), &mut buf) {
                    if n == 0 {
                        break;
                    }
                    total += n as u64;
                }
                assert_eq!(Some(total), s.length, "{name} cut at {cut}");
            }
        }
    }
}

// ------------------------------------------------------- compressed, headerless tables

fn gzip(text: &str) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(text.as_bytes()).unwrap();
    e.finish().unwrap()
}

#[test]
fn a_compressed_headerless_table_is_named_by_options_and_streamed() {
    let s = TempDir::new("csv-gzip");
    let rows: String = (0..5000)
        .map(|k| format!("{}\t{}\n", k, k as f64 * 0.5))
        .collect();
    let path = s.write("x_physio.tsv.gz", gzip(&rows));
    let options = with(&[
        ("rate", "100"),
        ("header", "none"),
        ("columns", "cardiac (uV),\"resp, chest\""),
    ]);
    let rec = open_with(&path, &options);
    let info = rec.info();
    let chans: Vec<(&str, &str, &str)> = info.streams[0]
        .channels
        .iter()
        .map(|c| (c.label.as_str(), c.kind.as_str(), c.unit.as_str()))
        .collect();
    assert_eq!(
        chans,
        [("cardiac", "eeg", "V"), ("resp, chest", "misc", "")]
    );
    assert_eq!(info.streams[0].length, Some(5000));
    assert_eq!(info.metadata["compression"], "gzip");
    assert_eq!(info.metadata["header_row"], "no");
    assert_eq!(info.metadata["delimiter"], "tab");
    let want = |k: u64| [k as f64 * 1e-6, k as f64 * 0.5];
    let mut src = rec.open_stream(0).unwrap();
    // Forward and backward seeks across the row index, in the decompressed text.
    for (at, n) in [
        (0u64, 3usize),
        (4097, 5),
        (1024, 2),
        (4999, 1),
        (3, 2000),
        (2, 1),
        (2500, 1),
    ] {
        src.seek(at).unwrap();
        let mut got = vec![0.0; 2 * n];
        let mut done = 0;
        while done < n {
            let k = read_into(src.as_mut(), 2, &mut got[2 * done..]).unwrap();
            assert!(k > 0, "from {at}: ends early");
            done += k;
        }
        let expect: Vec<f64> = (at..at + n as u64).flat_map(want).collect();
        assert_eq!(got, expect, "from {at}");
    }
    if let Err(e) = player_api::conformance::check_with(&CsvReader, &path, &options) {
        panic!("does not conform: {e}");
    }
    // A first row of text is data too with header: none (refused as text, not a header),
    // and header: row makes a first row of numbers the header.
    let path = s.write("two.csv", "1,2\n3,4\n5,6\n");
    let rec = open_with(&path, &with(&[("rate", "1"), ("header", "row")]));
    let labels: Vec<&str> = rec.info().streams[0]
        .channels
        .iter()
        .map(|c| c.label.as_str())
        .collect();
    assert_eq!(labels, ["1", "2"]);
    assert_eq!(rec.info().streams[0].length, Some(2));
    let rec = open_with(&path, &with(&[("rate", "1"), ("columns", "a,b")]));
    assert_eq!(rec.info().streams[0].length, Some(3));
    assert_eq!(rec.info().streams[0].channels[1].label, "b");
}

#[test]
fn bad_compressed_tables_and_column_options_are_refused() {
    let s = TempDir::new("csv-gzip-refused");
    let base = [("rate", "10"), ("header", "none")];
    let opts = |more: &[(&'static str, &'static str)]| -> Vec<(&'static str, &'static str)> {
        base.iter().chain(more).copied().collect()
    };
    // (file, bytes, options, words, kind)
    let whole = gzip("1\t2\n3\t4\n5\t6\n");
    type Case<'a> = (
        &'a str,
        Vec<u8>,
        Vec<(&'a str, &'a str)>,
        &'a str,
        ReadErrorKind,
    );
    let cases: Vec<Case> = vec![
        (
            "ragged.tsv.gz",
            gzip("1\t2\n3\t4\t5\n"),
            opts(&[("columns", "a,b")]),
            "line 2 has 3 fields, but the first row has 2",
            ReadErrorKind::Malformed,
        ),
        (
            "count.tsv.gz",
            whole.clone(),
            opts(&[("columns", "a,b,c")]),
            "option columns names 3 columns, but the first row has 2 fields",
            ReadErrorKind::InvalidArgument,
        ),
        (
            "empty_names.tsv.gz",
            whole.clone(),
            opts(&[("columns", " , ")]),
            "option columns is the column names separated by commas",
            ReadErrorKind::InvalidArgument,
        ),
        (
            "header.tsv.gz",
            whole.clone(),
            vec![("rate", "10"), ("header", "maybe")],
            "option header is row",
            ReadErrorKind::InvalidArgument,
        ),
        (
            "truncated.tsv.gz",
            whole[..whole.len() - 12].to_vec(),
            opts(&[]),
            "gzip-compressed data ends early",
            ReadErrorKind::Truncated,
        ),
        (
            "corrupt.tsv.gz",
            {
                let mut b = whole.clone();
                b[12] ^= 0xff;
                b[13] ^= 0x55;
                b
            },
            opts(&[]),
            "gzip-compressed data",
            ReadErrorKind::Malformed,
        ),
        (
            "text.tsv.gz",
            gzip("1\tx\n"),
            opts(&[]),
            "is not a number",
            ReadErrorKind::Malformed,
        ),
    ];
    for (name, bytes, options, words, kind) in cases {
        let path = s.write(name, bytes);
        let e = match CsvReader.open(&path, &with(&options)) {
            Ok(_) => panic!("{name}: opened"),
            Err(e) => e,
        };
        let msg = e.to_string();
        assert!(msg.contains(name) && msg.contains(words), "{name}: {msg}");
        assert_eq!(e.kind(), kind, "{name}: {msg}");
        assert!(!msg.contains('\n'), "{name}: one line: {msg}");
    }
    // OpenBCI columns are fixed.
    let path = fixture("OpenBCI-RAW-legacy.txt");
    let e = CsvReader
        .open(&path, &with(&[("columns", "a")]))
        .err()
        .unwrap();
    assert!(
        e.to_string()
            .contains("header and columns are for plain CSV/TSV only"),
        "{e}"
    );
}
