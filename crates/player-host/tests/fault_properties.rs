//! Faults keep their promises under steering (issue 26, docs/faults.md): random fault
//! maps (drops, duplicates, drift, a clock offset, outages, jitter, stalls) on a stream
//! whose value is its frame index, driven by random requests (pause, resume, speed, seek,
//! seek by, bursts), every push recorded and checked against the run's fault records:
//!
//! * never early: each push is made no earlier than its last sample is due (its stamp
//!   minus the clock offset); jitter and stalls only delay;
//! * time goes forward: timestamps strictly increase, a duplicate (a push repeated with
//!   the same timestamps) aside;
//! * every duplicate pushed is recorded, and every duplicate recorded was pushed twice;
//! * nothing is lost unrecorded, nothing is both pushed and recorded lost: the pushes and
//!   the drop and outage records, in timestamp order, tile the frames one after the
//!   other; the tiling breaks only where a seek was answered (at most once per seek);
//! * without seeks, a run that ends by itself accounts for every frame of every pass.
//!
//! Cases run in real time (a second or two each); `PROPTEST_CASES` sets how many
//! (default 12).
#![allow(clippy::unwrap_used)]

mod support;
use support::actions::{action, config, fail, steer_to_the_end, Action, Sent};
use support::recorder::{recording_session, Log, Push};

use player_api::ChannelInfo;
use player_host::faults::{parse_faults, FaultKind, FaultRecord};
use player_host::{
    MemoryReader, MemoryRecording, Player, Repeat, Scenario, StreamEntry, MEMORY_READER_ID,
};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use std::time::Duration;

/// A stream, its faults and what is done to it.
#[derive(Debug, Clone)]
struct Case {
    rate: f64,
    frames: usize,
    chunk: usize,
    passes: u64,
    /// The `faults:` map, as YAML.
    faults: String,
    /// Its clock offset (seconds added to every timestamp).
    clock_offset: f64,
    actions: Vec<Action>,
}

/// A `faults:` map and its clock offset; every fault but clock jumps (they move
/// timestamps back on purpose) may be in it.
fn faults() -> impl Strategy<Value = (String, f64)> {
    let drop = prop_oneof![
        Just(String::new()),
        (0.0f64..0.4, prop::option::of(1u64..60)).prop_map(|(p, length)| match length {
            Some(n) => format!("drop: {{probability: {p}, length: {n}}}, "),
            None => format!("drop: {{probability: {p}}}, "),
        }),
    ];
    let duplicate = prop_oneof![
        Just(String::new()),
        (0.0f64..0.3).prop_map(|p| format!("duplicate: {{probability: {p}}}, ")),
    ];
    let outages = prop::collection::vec((0.0f64..2.5, 0.02f64..0.6), 0..3).prop_map(|w| {
        let windows: Vec<String> = (w.iter())
            .map(|(at, d)| format!("{{at: {at}, for: {d}}}"))
            .collect();
        format!("disconnect: [{}], ", windows.join(", "))
    });
    let stall = prop_oneof![
        Just(String::new()),
        (0.1f64..1.0, 0.01f64..0.2).prop_map(|(e, d)| format!("stall: {{every: {e}, for: {d}}}, ")),
    ];
    (
        0u64..1000,
        drop,
        duplicate,
        outages,
        stall,
        prop_oneof![Just(0.0), -500.0f64..500.0],
        prop_oneof![Just(0.0), -1.0f64..1.0],
        prop_oneof![Just(0.0), 0.0f64..5.0],
    )
        .prop_map(|(seed, drop, dup, out, stall, ppm, offset, jitter)| {
            let yaml = format!(
                "{{seed: {seed}, {drop}{dup}{out}{stall}drift_ppm: {ppm}, clock_offset: {offset}, \
                 jitter_ms: {jitter}}}"
            );
            (yaml, offset)
        })
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop_oneof![Just(100.0), Just(250.0), Just(1000.0)],
        0.5f64..1.5,
        prop_oneof![Just(1usize), Just(10), Just(64), 1usize..300],
        1u64..3,
        faults(),
        prop::collection::vec(action(200, 2.0, 20..200, (4, 4, 1)), 0..8),
    )
        .prop_map(
            |(rate, seconds, chunk, passes, (faults, clock_offset), actions)| Case {
                rate,
                frames: (rate * seconds) as usize,
                chunk,
                passes,
                faults,
                clock_offset,
                actions,
            },
        )
}

/// The player of `case`, recording into `log`.
fn player(case: &Case, log: &Log) -> Player {
    let values: Vec<f64> = (0..case.frames).map(|k| k as f64).collect();
    let channels = vec![ChannelInfo::new("k", "misc", "")];
    let recording = MemoryRecording::new("Test", case.rate, channels, values, vec![]).unwrap();
    let mut entry = StreamEntry::new("memory:mem");
    entry.reader = Some(MEMORY_READER_ID.into());
    entry.name = Some("mem".into());
    entry.chunk_size = case.chunk;
    entry.format = Some(player_host::ValueFormat::Float64);
    entry.faults = Some(Box::new(parse_faults(&case.faults).unwrap()));
    let mut scenario = Scenario::single(entry);
    scenario.repeat = Repeat::Times(case.passes);
    recording_session(&scenario, log)
        .reader(Box::new(MemoryReader::new(recording)))
        .open()
        .unwrap()
}

/// What a case's run left: the pushes, the requests, the fault records, and whether the
/// run ended by itself.
struct Run {
    pushes: Vec<Push>,
    sent: Vec<Sent>,
    records: Vec<FaultRecord>,
    ended: bool,
}

fn play(case: &Case) -> Run {
    let log = Log::default();
    let mut player = player(case, &log);
    let patience = Duration::from_secs(10);
    let (sent, summary, ended) = steer_to_the_end(&mut player, &case.actions, patience);
    let pushes = log.lock().unwrap().remove("mem").unwrap_or_default();
    Run {
        pushes,
        sent,
        records: summary.faults,
        ended,
    }
}

/// The frame indices of a push.
fn frames(push: &Push) -> Vec<i64> {
    (push.values.iter())
        .map(|v| v.parse::<f64>().unwrap().round() as i64)
        .collect()
}

/// A run of consecutive frames, pushed or lost, and the timestamp of its first.
struct Segment {
    t: f64,
    first: i64,
    len: i64,
    what: &'static str,
}

/// Never early, time going forward, duplicates exactly the recorded ones; returns the
/// pushes as segments (a duplicate's repeat left out).
fn check_pushes(case: &Case, run: &Run) -> Result<Vec<Segment>, TestCaseError> {
    let n = case.frames as i64;
    let mut segments = Vec::new();
    let mut repeats = Vec::new();
    let mut last: Option<(&Push, f64)> = None;
    for (i, push) in run.pushes.iter().enumerate() {
        let (Some(&t0), Some(&end)) = (push.stamps.first(), push.stamps.last()) else {
            return fail(format!("push {i} has no sample"));
        };
        if push.at < end - case.clock_offset - 1e-9 {
            return fail(format!(
                "push {i} at {} before its last sample is due ({})",
                push.at,
                end - case.clock_offset
            ));
        }
        let k = frames(push);
        if k.windows(2).any(|w| (w[1] - w[0] - 1).rem_euclid(n) != 0) {
            return fail(format!("push {i} is not consecutive frames: {k:?}"));
        }
        if push.stamps.windows(2).any(|w| w[1] <= w[0]) {
            return fail(format!("push {i}: timestamps not increasing"));
        }
        if let Some((prev, prev_end)) = last {
            if prev.values == push.values && prev.stamps == push.stamps {
                // A third identical push counts as another repeat: the comparison with
                // the records below fails on it.
                repeats.push((k[0].rem_euclid(n), k.len() as u64));
                continue;
            }
            if t0 <= prev_end {
                return fail(format!("push {i}: timestamp {t0} after {prev_end}"));
            }
        }
        last = Some((push, end));
        segments.push(Segment {
            t: t0,
            first: k[0],
            len: k.len() as i64,
            what: "pushed",
        });
    }
    let mut recorded: Vec<(i64, u64)> = (run.records.iter())
        .filter(|r| r.fault == FaultKind::Duplicate)
        .map(|r| ((r.first_sample as i64).rem_euclid(n), r.samples))
        .collect();
    recorded.sort_unstable();
    repeats.sort_unstable();
    if recorded != repeats {
        return fail(format!(
            "duplicates recorded {recorded:?}, pushed twice {repeats:?}"
        ));
    }
    Ok(segments)
}

/// The frames lost, as segments: the drop and outage records.
fn lost(case: &Case, records: &[FaultRecord]) -> Vec<Segment> {
    (records.iter())
        .filter(|r| matches!(r.fault, FaultKind::Drop | FaultKind::Disconnect) && r.samples > 0)
        .map(|r| Segment {
            t: r.t,
            first: (r.first_sample as i64).rem_euclid(case.frames as i64),
            len: r.samples as i64,
            what: if r.fault == FaultKind::Drop {
                "dropped"
            } else {
                "lost in an outage"
            },
        })
        .collect()
}

/// Pushed and lost frames tile the frames in timestamp order, breaking only at seeks;
/// without seeks, every frame of every pass is accounted for once.
fn check_tiling(case: &Case, run: &Run, mut segments: Vec<Segment>) -> Result<(), TestCaseError> {
    let n = case.frames as i64;
    segments.extend(lost(case, &run.records));
    segments.sort_by(|a, b| a.t.total_cmp(&b.t));
    let seeks = (run.sent.iter())
        .filter(|s| matches!(s.action, Action::Seek(_) | Action::SeekBy(_)) && s.result.is_ok())
        .count();
    let mut breaks = Vec::new();
    let mut next = 0;
    for (i, s) in segments.iter().enumerate() {
        if (s.first - next).rem_euclid(n) != 0 {
            breaks.push(i);
        }
        next = s.first + s.len;
    }
    if breaks.len() > seeks {
        let shown: Vec<String> = (breaks.iter())
            .take(4)
            .map(|&i| {
                let at = |s: &Segment| format!("{} {}+{} at {}", s.what, s.first, s.len, s.t);
                let before = i
                    .checked_sub(1)
                    .map_or("start".into(), |j| at(&segments[j]));
                format!("{before} then {}", at(&segments[i]))
            })
            .collect();
        return fail(format!(
            "{} breaks in the frames for {seeks} seeks: {shown:?}",
            breaks.len()
        ));
    }
    let total: i64 = segments.iter().map(|s| s.len).sum();
    if seeks == 0 && run.ended && total != n * case.passes as i64 {
        return fail(format!(
            "{total} frames pushed or recorded lost, not {} x {}",
            case.passes, n
        ));
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(12))]

    #[test]
    fn faults_under_steering_keep_their_promises(case in case()) {
        let run = play(&case);
        let segments = check_pushes(&case, &run)?;
        check_tiling(&case, &run, segments)?;
    }
}

/// A seek from one outage into another (the first one's record was once stretched over
/// the second's samples), with a drop and duplicates around, at a known seed.
#[test]
fn a_seek_from_one_outage_into_another_keeps_the_records_exact() {
    let case = Case {
        rate: 250.0,
        frames: 500,
        chunk: 10,
        passes: 1,
        faults: "{seed: 4, drop: {probability: 0.1, length: 15}, duplicate: {probability: 0.1}, \
                 disconnect: [{at: 0.3, for: 0.4}, {at: 1.2, for: 0.5}]}"
            .into(),
        clock_offset: 0.0,
        actions: vec![Action::Wait(450), Action::Seek(1.3), Action::Wait(300)],
    };
    let run = play(&case);
    let segments = check_pushes(&case, &run).unwrap();
    check_tiling(&case, &run, segments).unwrap();
    let outages: Vec<_> = (run.records.iter())
        .filter(|r| r.fault == FaultKind::Disconnect)
        .map(|r| r.at)
        .collect();
    assert_eq!(outages, [Some(0.3), Some(1.2)], "{:?}", run.records);
}
