//! The XDF reader against ground truth read by pyxdf (`load_xdf(synchronize_clocks=True,
//! dejitter_timestamps=False)`) from files written by an independent writer, see
//! examples/fixtures/xdf/make_fixtures.py; and against malformed variants of those files
//! made here by byte manipulation.
#![allow(clippy::unwrap_used)]

mod common;

use player_api::conformance::TempDir;

use common::{fixture_dir, load_truth, open, read_all, Truth};
use player_api::{
    Block, Confidence, OpenOptions, Probe, ReadError, ReadErrorKind, ReaderPlugin, Recording,
    SampleFormat, StreamKind,
};
use player_readers::xdf::XdfReader;
use serde_json::Value;
use std::path::{Path, PathBuf};

const FIXTURES: [&str; 3] = ["session.xdf", "formats.xdf", "resets.xdf"];
/// Times after clock correction equal pyxdf's within this (seconds).
const TIME_TOL: f64 = 1e-9;

fn fixture(name: &str) -> PathBuf {
    fixture_dir("xdf").join(name)
}

/// The XDF-specific part of a truth stream: times, strings, type and format.
struct Extra {
    stamps: Vec<f64>,
    /// pyxdf's times with its default dejittering.
    dejittered: Vec<f64>,
    strings: Option<Vec<Vec<String>>>,
    content_type: String,
    format: String,
}

fn extras(path: &Path, truth: &Truth) -> Vec<Extra> {
    let dir = path.parent().unwrap();
    let f64s = |name: &Value| -> Vec<f64> {
        let bytes = std::fs::read(dir.join(name.as_str().unwrap())).unwrap();
        bytes
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
            .collect()
    };
    truth.json["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let stamps = f64s(&s["stamps"]);
            let dejittered = f64s(&s["dejittered"]);
            let strings = s["strings"].as_array().map(|frames| {
                frames
                    .iter()
                    .map(|f| {
                        f.as_array()
                            .unwrap()
                            .iter()
                            .map(|v| v.as_str().unwrap().to_string())
                            .collect()
                    })
                    .collect()
            });
            Extra {
                stamps,
                dejittered,
                strings,
                content_type: s["type"].as_str().unwrap().to_string(),
                format: s["format"].as_str().unwrap().to_string(),
            }
        })
        .collect()
}

fn sample_format(xdf: &str) -> SampleFormat {
    match xdf {
        "float32" => SampleFormat::Float32,
        "double64" => SampleFormat::Float64,
        "int8" => SampleFormat::Int8,
        "int16" => SampleFormat::Int16,
        "int32" => SampleFormat::Int32,
        "int64" => SampleFormat::Int64,
        "string" => SampleFormat::String,
        other => panic!("unknown format {other}"),
    }
}

/// Reads a numeric stream (values and times) in blocks of `block` frames.
fn read_stamped_all(
    src: &mut dyn player_api::SampleSource,
    nch: usize,
    block: usize,
) -> (Vec<f64>, Vec<f64>) {
    let (mut values, mut stamps) = (Vec::new(), Vec::new());
    let mut b = Block::new(StreamKind::Stamped, nch, block);
    loop {
        b.clear();
        src.read(&mut b).unwrap_or_else(|e| panic!("{e}"));
        if b.is_empty() {
            return (values, stamps);
        }
        values.extend_from_slice(b.values());
        stamps.extend_from_slice(b.stamps());
    }
}

/// Reads a string stream (strings and times) in blocks of `block` frames.
fn read_text_all(
    src: &mut dyn player_api::SampleSource,
    nch: usize,
    block: usize,
) -> (Vec<Vec<String>>, Vec<f64>) {
    let (mut frames, mut stamps) = (Vec::new(), Vec::new());
    let mut b = Block::new(StreamKind::Text, nch, block);
    loop {
        b.clear();
        src.read(&mut b).unwrap_or_else(|e| panic!("{e}"));
        if b.is_empty() {
            return (frames, stamps);
        }
        assert_eq!(b.text().len(), b.frames() * nch, "strings per frame");
        frames.extend(b.text().chunks(nch).map(<[String]>::to_vec));
        stamps.extend_from_slice(b.stamps());
    }
}

fn assert_times(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: frame count");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= TIME_TOL,
            "{what}: frame {k}: time {g} vs pyxdf {w} (diff {})",
            g - w
        );
    }
}

fn assert_exact(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: value count");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            g.to_bits() == w.to_bits() || g == w,
            "{what}: value {i}: got {g}, pyxdf {w}"
        );
    }
}

#[test]
fn every_stream_matches_pyxdf_with_any_block_size() {
    for name in FIXTURES {
        let path = fixture(name);
        let truth = load_truth(&path);
        let extra = extras(&path, &truth);
        let rec = open(&XdfReader, &path);
        let info = rec.info();
        assert_eq!(info.streams.len(), truth.streams.len(), "{name}: streams");
        let want_duration = truth.json["duration"].as_f64().unwrap();
        let got_duration = info.duration.unwrap();
        assert!(
            (got_duration - want_duration).abs() < TIME_TOL,
            "{name}: duration {got_duration} vs {want_duration}"
        );
        for (i, ((s, t), x)) in info
            .streams
            .iter()
            .zip(&truth.streams)
            .zip(&extra)
            .enumerate()
        {
            let what = format!("{name} stream {i} ({})", s.name);
            assert_eq!(Some(&s.name), t.name.as_ref(), "{what}");
            assert_eq!(s.content_type, x.content_type, "{what}");
            assert_eq!(s.nominal_rate, t.rate, "{what}");
            assert_eq!(s.length, Some(t.frames as u64), "{what}");
            assert_eq!(s.sample_format, sample_format(&x.format), "{what}");
            assert!(s.is_stamped(), "{what}: every XDF stream is stamped");
            assert_eq!(s.metadata["channel_format"], x.format, "{what}");
            let got: Vec<(String, String, String)> = s
                .channels
                .iter()
                .map(|c| (c.label.clone(), c.kind.clone(), c.unit.clone()))
                .collect();
            assert_eq!(got, t.channels, "{what}: channels");
            let nch = t.channels.len();
            assert_eq!(x.stamps.len(), t.frames, "{what}: truth stamps");
            for block in [1, 5, 1000] {
                let mut src = rec.open_stream(i).unwrap();
                if let Some(strings) = &x.strings {
                    let (frames, stamps) = read_text_all(src.as_mut(), nch, block);
                    assert_eq!(&frames, strings, "{what}: strings");
                    assert_times(&stamps, &x.stamps, &what);
                } else {
                    let (values, stamps) = read_stamped_all(src.as_mut(), nch, block);
                    assert_exact(&values, &t.values, &what);
                    assert_times(&stamps, &x.stamps, &what);
                    let mut src = rec.open_stream(i).unwrap();
                    assert_exact(&read_all(src.as_mut(), nch, block), &t.values, &what);
                }
            }
        }
    }
}

#[test]
fn the_dejitter_option_gives_pyxdf_default_times() {
    let mut options = OpenOptions::default();
    options
        .reader_options
        .insert("dejitter".into(), "true".into());
    for name in FIXTURES {
        let path = fixture(name);
        let truth = load_truth(&path);
        let extra = extras(&path, &truth);
        let rec = XdfReader.open(&path, &options).unwrap();
        let info = rec.info();
        let mut latest = (f64::NEG_INFINITY, 0.0);
        for (i, ((s, t), x)) in info
            .streams
            .iter()
            .zip(&truth.streams)
            .zip(&extra)
            .enumerate()
        {
            let what = format!("{name} stream {i} ({}) dejittered", s.name);
            let nch = t.channels.len();
            let mut src = rec.open_stream(i).unwrap();
            src.seek(t.frames as u64 / 2).unwrap();
            src.seek(0).unwrap();
            let stamps = if x.strings.is_some() {
                read_text_all(src.as_mut(), nch, 5).1
            } else {
                let (values, stamps) = read_stamped_all(src.as_mut(), nch, 64);
                assert_exact(&values, &t.values, &what);
                stamps
            };
            assert_times(&stamps, &x.dejittered, &what);
            if let Some(&last) = x.dejittered.last() {
                if last > latest.0 {
                    latest = (last, t.rate);
                }
            }
            let js = &truth.json["streams"][i];
            if let Some(n) = s.metadata.get("dejitter_segments") {
                assert_eq!(n, &js["dejitter_segments"].to_string(), "{what}");
            }
            let want = js["effective_srate_dejittered"].as_f64().unwrap();
            if want > 0.0 {
                let got: f64 = s.metadata["effective_srate"].parse().unwrap();
                assert!((got - want).abs() < 1e-9 * want, "{what}: {got} vs {want}");
            }
        }
        let want = latest.0 + if latest.1 > 0.0 { 1.0 / latest.1 } else { 0.0 };
        let got = info.duration.unwrap();
        assert!((got - want).abs() < TIME_TOL, "{name}: {got} vs {want}");
    }
    let names = |rec: &dyn Recording| -> Vec<String> {
        rec.info()
            .streams
            .iter()
            .map(|s| {
                s.metadata
                    .get("dejitter_segments")
                    .cloned()
                    .unwrap_or_default()
            })
            .collect()
    };
    let rec = XdfReader.open(&fixture("resets.xdf"), &options).unwrap();
    // Gappy: two segments; Camera (can_drop_samples) and the irregular stream: none.
    assert_eq!(names(rec.as_ref()), ["1", "1", "", "2", ""]);
    options
        .reader_options
        .insert("dejitter".into(), "maybe".into());
    let err = XdfReader
        .open(&fixture("resets.xdf"), &options)
        .err()
        .unwrap();
    assert_eq!(err.kind(), ReadErrorKind::InvalidArgument);
}

#[test]
fn effective_rates_are_pyxdf_s() {
    for name in FIXTURES {
        let path = fixture(name);
        let truth = load_truth(&path);
        let rec = open(&XdfReader, &path);
        for (i, s) in rec.info().streams.iter().enumerate() {
            let want = truth.json["streams"][i]["effective_srate"]
                .as_f64()
                .unwrap();
            match s.metadata.get("effective_srate") {
                Some(got) => {
                    let got: f64 = got.parse().unwrap();
                    assert!(
                        (got - want).abs() < 1e-9 * want,
                        "{name} {}: {got} vs {want}",
                        s.name
                    );
                }
                None => assert_eq!(want, 0.0, "{name} {}", s.name),
            }
        }
    }
}

#[test]
fn seeks_land_on_the_right_sample_and_time() {
    for name in FIXTURES {
        let path = fixture(name);
        let truth = load_truth(&path);
        let extra = extras(&path, &truth);
        let rec = open(&XdfReader, &path);
        for (i, (t, x)) in truth.streams.iter().zip(&extra).enumerate() {
            let nch = t.channels.len();
            let n = t.frames;
            let mut src = rec.open_stream(i).unwrap();
            for start in [
                n / 3,
                0,
                n.saturating_sub(1),
                n * 2 / 3,
                1.min(n),
                n / 2 + 7,
            ] {
                let start = start.min(n);
                src.seek(start as u64).unwrap();
                let what = format!("{name} stream {i} from frame {start}");
                if let Some(strings) = &x.strings {
                    let (frames, stamps) = read_text_all(src.as_mut(), nch, 3);
                    assert_eq!(frames, strings[start..], "{what}");
                    assert_times(&stamps, &x.stamps[start..], &what);
                } else {
                    let (values, stamps) = read_stamped_all(src.as_mut(), nch, 7);
                    assert_exact(&values, &t.values[start * nch..], &what);
                    assert_times(&stamps, &x.stamps[start..], &what);
                }
            }
            src.seek(n as u64).unwrap();
            let mut b = Block::new(rec.info().streams[i].kind, nch, 2);
            src.read(&mut b).unwrap();
            assert!(b.is_empty(), "nothing after the end");
            let err = src.seek(n as u64 + 1).unwrap_err();
            assert_eq!(err.kind(), ReadErrorKind::InvalidArgument);
        }
    }
}

#[test]
fn the_earliest_sample_is_at_zero_and_streams_keep_their_relative_times() {
    let path = fixture("session.xdf");
    let truth = load_truth(&path);
    let extra = extras(&path, &truth);
    let rec = open(&XdfReader, &path);
    let info = rec.info();
    // The marker stream starts first; the EEG and accelerometer streams 0.15 s and 0.4 s
    // later on the common (clock-corrected) timeline.
    let names: Vec<&str> = info.streams.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Markers", "BioSemi", "Accel"]);
    let mut src = rec.open_stream(0).unwrap();
    let mut b = Block::new(StreamKind::Text, 1, 1);
    src.read(&mut b).unwrap();
    assert_eq!((b.text()[0].as_str(), b.stamps()[0]), ("start", 0.0));
    assert!((extra[1].stamps[0] - 0.15).abs() < 1e-3);
    assert!((extra[2].stamps[0] - 0.40).abs() < 2e-3);
    // The markers carry their text exactly, non-ASCII and empty strings included.
    let markers = extra[0].strings.as_ref().unwrap();
    assert!(markers.iter().any(|m| m[0] == "stim/left é"));
    assert!(markers.iter().any(|m| m[0].is_empty()));
    // Metadata of the clock fit and of the header.
    let eeg = &info.streams[1];
    assert_eq!(eeg.metadata["clock_offsets"], "6");
    assert_eq!(eeg.metadata["source_id"], "amp-1234");
    assert_eq!(eeg.metadata["footer_sample_count"], "5250");
    assert!(eeg.metadata["desc_xml"].contains("<manufacturer>player tests</manufacturer>"));
    assert_eq!(info.metadata["format"], "XDF");
    assert_eq!(info.metadata["file_version"], "1.0");
    assert_eq!(info.metadata["chunks"], truth.json["chunks"].to_string());
    assert!(!info.metadata.contains_key("truncated_chunk"));
}

#[test]
fn irregular_and_empty_streams() {
    let rec = open(&XdfReader, &fixture("formats.xdf"));
    let info = rec.info();
    let counter = &info.streams[1];
    assert!(counter.is_irregular() && counter.kind == StreamKind::Stamped);
    let silent = &info.streams[5];
    assert_eq!(silent.length, Some(0));
    let mut src = rec.open_stream(5).unwrap();
    let mut b = Block::new(StreamKind::Stamped, silent.channel_count(), 2);
    src.read(&mut b).unwrap();
    assert!(b.is_empty());
    // No desc: default labels, kind from the stream type.
    let buttons = &info.streams[0];
    assert_eq!(buttons.channels[1].label, "ch2");
    assert_eq!(buttons.channels[1].kind, "misc");
    assert!(rec.open_stream(6).is_err());
}

#[test]
fn clock_resets_and_the_pylsl67_defect_are_handled_as_pyxdf_does() {
    let path = fixture("resets.xdf");
    let truth = load_truth(&path);
    let rec = open(&XdfReader, &path);
    let info = rec.info();
    let restarted = &info.streams[0];
    assert_eq!(restarted.metadata["clock_resets"], "1");
    assert_eq!(truth.json["streams"][0]["clock_segments"], 2);
    assert_eq!(restarted.metadata["clock_fit"].split(' ').count(), 2);
    // The corrected times run on across the restart (its raw clock jumped back).
    let extra = extras(&path, &truth);
    let t = &extra[0].stamps;
    assert!(
        t.windows(2).all(|w| w[1] > w[0] && w[1] - w[0] < 0.06),
        "continuous"
    );
    let closed = &info.streams[1];
    assert_eq!(closed.length, Some(400));
    assert!(closed.metadata["dropped_after_footer"].starts_with("1 samples"));
    assert_eq!(closed.metadata["clock_offsets"], "10");
    assert!(!info.streams[2].metadata.contains_key("clock_resets"));
}

#[test]
fn probing_by_magic_then_extension() {
    let header = std::fs::read(fixture("session.xdf")).unwrap();
    let probe = |path: &str, header: &[u8]| {
        XdfReader.probe(&Probe {
            path: Path::new(path),
            header,
        })
    };
    assert_eq!(probe("rec.bin", &header[..64]), Some(Confidence::Magic));
    assert_eq!(probe("rec.XDF", b"RIFF...."), Some(Confidence::Extension));
    assert_eq!(probe("rec.edf", b"0       "), None);
    assert_eq!(probe("rec.dat", b"XD"), None);
    let reader = player_api::registered_readers()
        .into_iter()
        .find(|r| r.info().id() == "xdf")
        .expect("registered");
    assert_eq!(reader.info().extensions(), ["xdf"]);
    let mut options = OpenOptions::default();
    options
        .reader_options
        .insert("dejitter_timestamps".into(), "true".into());
    let err = XdfReader
        .open(&fixture("session.xdf"), &options)
        .err()
        .unwrap();
    assert_eq!(err.kind(), ReadErrorKind::InvalidArgument);
}

// ---------------------------------------------------------------------------------------
// Malformed variants.

/// One chunk of a file: where it starts, its header size, length and tag.
#[derive(Debug, Clone, Copy)]
struct Chunk {
    start: usize,
    /// Offset of the tag (after NumLengthBytes and Length).
    tag_at: usize,
    end: usize,
    tag: u16,
}

/// The chunks of a valid file (an independent minimal parse, for the tests).
fn chunks(bytes: &[u8]) -> Vec<Chunk> {
    let mut out = Vec::new();
    let mut pos = 4;
    while pos < bytes.len() {
        let width = bytes[pos] as usize;
        let mut len = 0u64;
        for (k, b) in bytes[pos + 1..pos + 1 + width].iter().enumerate() {
            len |= u64::from(*b) << (8 * k);
        }
        let tag_at = pos + 1 + width;
        let tag = u16::from_le_bytes([bytes[tag_at], bytes[tag_at + 1]]);
        let end = tag_at + len as usize;
        out.push(Chunk {
            start: pos,
            tag_at,
            end,
            tag,
        });
        pos = end;
    }
    out
}

/// Opens `path` and, when that works, reads every stream to the end; returns the first
/// error. Never panics unless the reader does.
fn open_and_read(path: &Path) -> Result<Box<dyn Recording>, ReadError> {
    let rec = XdfReader.open(path, &OpenOptions::default())?;
    for (i, s) in rec.info().streams.iter().enumerate() {
        let mut src = rec.open_stream(i)?;
        let nch = s.channel_count();
        let mut total = 0u64;
        let mut b = Block::new(s.kind, nch, 64);
        loop {
            b.clear();
            src.read(&mut b)?;
            if b.is_empty() {
                break;
            }
            total += b.frames() as u64;
        }
        assert_eq!(Some(total), s.length, "{}: frames read", path.display());
    }
    Ok(rec)
}

/// Asserts a clean error naming the file and a byte offset.
fn assert_clean_error(path: &Path, kind: ReadErrorKind, offset: Option<usize>, what: &str) {
    let err = match open_and_read(path) {
        Ok(_) => panic!("{what}: opened without error"),
        Err(e) => e,
    };
    let text = err.to_string();
    eprintln!("{what}: {text}");
    assert_eq!(err.kind(), kind, "{what}: {text}");
    assert_eq!(err.path(), Some(path), "{what}: {text}");
    assert!(text.contains("at byte"), "{what}: no offset in {text}");
    if let Some(at) = offset {
        assert_eq!(err.offset(), Some(at as u64), "{what}: {text}");
    }
}

#[test]
fn a_truncated_last_chunk_is_left_out_and_reported() {
    let scratch = TempDir::new("xdf-trunc");
    let path = fixture("session.xdf");
    let bytes = std::fs::read(&path).unwrap();
    let truth = load_truth(&path);
    let extra = extras(&path, &truth);
    let all = chunks(&bytes);
    assert_eq!(all.len() as u64, truth.json["chunks"].as_u64().unwrap());
    // Cut inside every 5th chunk (and the last): the chunks before are kept whole.
    for (k, c) in all
        .iter()
        .enumerate()
        .filter(|(k, _)| k % 5 == 2 || *k == all.len() - 1)
    {
        for cut in [c.start + 1, c.tag_at + 1, (c.start + c.end) / 2, c.end - 1] {
            let p = scratch.write("cut.xdf", &bytes[..cut]);
            let what = format!("cut at byte {cut} in chunk {k} (tag {})", c.tag);
            let rec = match open_and_read(&p) {
                Ok(rec) => rec,
                Err(e) => {
                    // Only files cut before any sample fail (nothing to replay).
                    assert!(!all[..k].iter().any(|c| c.tag == 3), "{what}: {e}");
                    assert!(e.to_string().contains("cut.xdf"), "{what}: {e}");
                    continue;
                }
            };
            let info = rec.info();
            let note = &info.metadata["truncated_chunk"];
            assert!(
                note.contains(&format!("at byte {}", c.start)),
                "{what}: {note}"
            );
            // Every stream holds the samples of its complete chunks, values as in the
            // whole file (times may differ: clock offsets after the cut are gone).
            for (i, s) in info.streams.iter().enumerate() {
                let frames = s.length.unwrap() as usize;
                let t = &truth.streams[i];
                let nch = t.channels.len();
                let mut src = rec.open_stream(i).unwrap();
                if let Some(strings) = &extra[i].strings {
                    let (got, _) = read_text_all(src.as_mut(), nch, 4);
                    assert_eq!(got, strings[..frames], "{what}");
                } else {
                    let got = read_all(src.as_mut(), nch, 100);
                    assert_exact(&got, &t.values[..frames * nch], &what);
                }
            }
        }
    }
    // Cut exactly at chunk boundaries: a valid (shorter) file, nothing reported.
    for c in all.iter().skip(10).step_by(17) {
        let p = scratch.write("boundary.xdf", &bytes[..c.end]);
        let rec = open_and_read(&p).unwrap_or_else(|e| panic!("cut at {}: {e}", c.end));
        assert!(!rec.info().metadata.contains_key("truncated_chunk"));
    }
    // Cut inside the FileHeader or the magic: an error.
    for cut in [0, 2, 4, 5, all[0].end - 1] {
        let p = scratch.write("head.xdf", &bytes[..cut]);
        let err = open_and_read(&p).err().unwrap();
        assert!(
            err.to_string().starts_with(&p.display().to_string()),
            "{err}"
        );
    }
}

#[test]
fn structural_faults_are_clean_errors_naming_file_and_offset() {
    let scratch = TempDir::new("xdf-faults");
    let bytes = std::fs::read(fixture("session.xdf")).unwrap();
    let all = chunks(&bytes);
    let samples: Vec<&Chunk> = all.iter().filter(|c| c.tag == 3).collect();
    let mid = samples[samples.len() / 2];

    // Bad magic.
    let mut b = bytes.clone();
    b[0] = b'Y';
    let p = scratch.write("magic.xdf", &b);
    assert_clean_error(&p, ReadErrorKind::Malformed, Some(0), "bad magic");

    // NumLengthBytes 3 (and 0, 2) in a middle chunk.
    for width in [0u8, 2, 3] {
        let mut b = bytes.clone();
        b[mid.start] = width;
        let p = scratch.write("width.xdf", &b);
        assert_clean_error(
            &p,
            ReadErrorKind::Malformed,
            Some(mid.start),
            "NumLengthBytes",
        );
    }

    // An unknown tag.
    let mut b = bytes.clone();
    b[mid.tag_at..mid.tag_at + 2].copy_from_slice(&9u16.to_le_bytes());
    let p = scratch.write("tag.xdf", &b);
    assert_clean_error(&p, ReadErrorKind::Malformed, Some(mid.start), "unknown tag");

    // A length too large but inside the file: the chunk swallows part of the next, the
    // samples do not fill it (or what follows is not a chunk).
    let width = bytes[mid.start] as usize;
    let mut b = bytes.clone();
    let len = mid.end - mid.tag_at + 3;
    b[mid.start + 1..mid.start + 1 + width].copy_from_slice(&(len as u32).to_le_bytes()[..width]);
    let p = scratch.write("long.xdf", &b);
    assert_clean_error(&p, ReadErrorKind::Malformed, None, "length too large");
    // A length too small: the samples run past the chunk's end.
    let mut b = bytes.clone();
    let len = mid.end - mid.tag_at - 3;
    b[mid.start + 1..mid.start + 1 + width].copy_from_slice(&(len as u32).to_le_bytes()[..width]);
    let p = scratch.write("short.xdf", &b);
    assert_clean_error(&p, ReadErrorKind::Malformed, None, "length too small");
    // A length shorter than the tag.
    let mut b = bytes.clone();
    b[mid.start + 1..mid.start + 1 + width].copy_from_slice(&1u32.to_le_bytes()[..width]);
    let p = scratch.write("tiny.xdf", &b);
    assert_clean_error(&p, ReadErrorKind::Malformed, Some(mid.start), "length 1");

    // A sample count that disagrees with the chunk size (count = [width][n] after the
    // stream id).
    let count_at = mid.tag_at + 2 + 4;
    let cw = bytes[count_at] as usize;
    let mut n = 0u64;
    for (k, x) in bytes[count_at + 1..count_at + 1 + cw].iter().enumerate() {
        n |= u64::from(*x) << (8 * k);
    }
    for wrong in [n + 1, n - 1, u64::MAX] {
        let mut b = bytes.clone();
        b[count_at + 1..count_at + 1 + cw].copy_from_slice(&wrong.to_le_bytes()[..cw]);
        let p = scratch.write("count.xdf", &b);
        assert_clean_error(&p, ReadErrorKind::Malformed, None, "sample count");
    }

    // TimeStampBytes other than 0 or 8.
    let mut b = bytes.clone();
    let first_sample = count_at + 1 + b[count_at] as usize;
    b[first_sample] = 4;
    let p = scratch.write("tsbytes.xdf", &b);
    assert_clean_error(
        &p,
        ReadErrorKind::Malformed,
        Some(first_sample),
        "TimeStampBytes",
    );

    // Bad XML in a StreamHeader, and in the FileHeader.
    let header = all.iter().find(|c| c.tag == 2).unwrap();
    let text = &bytes[header.tag_at..header.end];
    let at = header.tag_at + text.windows(6).position(|w| w == b"<name>").unwrap();
    let mut b = bytes.clone();
    b[at + 5] = b' ';
    let p = scratch.write("xml.xdf", &b);
    assert_clean_error(&p, ReadErrorKind::Malformed, Some(header.start), "bad XML");
    let mut b = bytes.clone();
    let fh = all[0];
    b[fh.end - 2] = b'!';
    let p = scratch.write("fxml.xdf", &b);
    assert_clean_error(
        &p,
        ReadErrorKind::Malformed,
        Some(fh.start),
        "bad file header XML",
    );

    // A channel count the file cannot hold: refused before any allocation.
    let needle = b"<channel_count>4</channel_count>";
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap();
    let mut b = bytes.clone();
    b[at + 15] = b'9';
    let spliced = [&b[..at + 16], b"99999999999", &b[at + 16..]].concat();
    // Keep the chunk length consistent: rewrite the header chunk's length.
    let h = all.iter().find(|c| c.start < at && at < c.end).unwrap();
    let mut b = spliced;
    let w = b[h.start] as usize;
    let len = (h.end - h.tag_at + 11) as u64;
    b[h.start + 1..h.start + 1 + w].copy_from_slice(&len.to_le_bytes()[..w]);
    let p = scratch.write("channels.xdf", &b);
    assert_clean_error(
        &p,
        ReadErrorKind::Malformed,
        Some(h.start),
        "huge channel count",
    );

    // A stream without samples claiming more channels than believed without data (the
    // file could hold that many int8 channels): refused, not allocated.
    let xml = "<info><name>Ghost</name><type>EEG</type><channel_count>100000</channel_count>\
               <nominal_srate>10</nominal_srate><channel_format>int8</channel_format></info>";
    let mut chunk = 2u16.to_le_bytes().to_vec();
    chunk.extend_from_slice(&99u32.to_le_bytes());
    chunk.extend_from_slice(xml.as_bytes());
    let mut b = bytes.clone();
    let ghost_at = b.len();
    b.push(4);
    b.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
    b.extend_from_slice(&chunk);
    let p = scratch.write("ghost.xdf", &b);
    assert_clean_error(
        &p,
        ReadErrorKind::Malformed,
        Some(ghost_at),
        "unproven channels",
    );
    // With a believable count, the same empty stream opens, with default labels.
    let mut b = bytes.clone();
    let xml = xml.replace("100000", "3");
    let mut chunk = 2u16.to_le_bytes().to_vec();
    chunk.extend_from_slice(&99u32.to_le_bytes());
    chunk.extend_from_slice(xml.as_bytes());
    b.push(4);
    b.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
    b.extend_from_slice(&chunk);
    let p = scratch.write("ghost3.xdf", &b);
    let rec = open_and_read(&p).unwrap();
    let ghost = &rec.info().streams[3];
    assert_eq!((ghost.name.as_str(), ghost.length), ("Ghost", Some(0)));
    assert_eq!(ghost.channels[2].label, "ch3");

    // Samples of a stream without a header.
    let mut b = bytes.clone();
    b[mid.tag_at + 2..mid.tag_at + 6].copy_from_slice(&77u32.to_le_bytes());
    let p = scratch.write("orphan.xdf", &b);
    assert_clean_error(
        &p,
        ReadErrorKind::Malformed,
        Some(mid.start),
        "unknown stream",
    );

    // A FileHeader that is not first.
    let b = [&bytes[..4], &bytes[all[1].start..]].concat();
    let p = scratch.write("nofh.xdf", &b);
    assert_clean_error(&p, ReadErrorKind::Malformed, Some(4), "no FileHeader");
}

#[test]
fn random_damage_never_panics_or_hangs() {
    // Every truncation of the small fixture, and deterministic byte flips in both.
    let scratch = TempDir::new("xdf-fuzz");
    let small = std::fs::read(fixture("formats.xdf")).unwrap();
    for cut in (0..small.len()).step_by(7) {
        let p = scratch.write("cut.xdf", &small[..cut]);
        let _ = open_and_read(&p);
    }
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for name in FIXTURES {
        let bytes = std::fs::read(fixture(name)).unwrap();
        for round in 0..300 {
            let mut b = bytes.clone();
            for _ in 0..1 + round % 4 {
                let i = (next() % b.len() as u64) as usize;
                b[i] = next() as u8;
            }
            let p = scratch.write("flip.xdf", &b);
            if let Err(e) = open_and_read(&p) {
                assert!(e.to_string().contains("flip.xdf"), "{e}");
            }
        }
    }
}

#[test]
fn truth_files_are_well_formed() {
    for name in FIXTURES {
        let truth = load_truth(&fixture(name));
        assert!(truth.json["writer"].as_str().unwrap().contains("pyxdf"));
        for s in truth.json["streams"].as_array().unwrap() {
            assert_eq!(s["abs_tol"], Value::from(0.0));
        }
    }
}

/// Every fixture passes the conformance checker: whole and odd-sized reads agree, seeks
/// land on the right frames, truncated copies fail cleanly.
#[test]
fn every_fixture_conforms() {
    common::assert_fixtures_conform(&XdfReader, "xdf", "xdf");
}
