//! The injector alone: exact counts, determinism, composition with seeks (a mock outlet
//! records every push).
#![allow(clippy::unwrap_used)]

use super::push::Chunk;
use super::record::FaultLog;
use super::*;
use crate::engine::prefetch::WireBlock;
use crate::scenario::faults::parse_faults;
use crate::transport::{NullOutput, Values};
use player_api::ChannelInfo;
use std::sync::Mutex;

/// One push: (first channel's values, stamps).
type Push = (Vec<f64>, Vec<f64>);
/// Every push.
type Pushes = Arc<Mutex<Vec<Push>>>;

struct Recorder(Pushes);

impl Outlet for Recorder {
    fn push(&mut self, values: Values<'_>, stamps: &[f64]) -> crate::error::Result<()> {
        let Values::F32(v) = values else {
            panic!("f32")
        };
        let width = v.len() / stamps.len();
        let first = v.chunks(width).map(|f| f[0] as f64).collect();
        self.0.lock().unwrap().push((first, stamps.to_vec()));
        Ok(())
    }
    fn have_consumers(&self) -> bool {
        true
    }
}

const RATE: f64 = 100.0;
const WIDTH: usize = 3;

/// A block of `frames` frames from sample `first`: channel 0 is the sample index,
/// channel 1 the index × 10, channel 2 -(index).
fn block(first: u64, frames: usize) -> WireBlock {
    let values = (first..first + frames as u64)
        .flat_map(|k| [k as f32, k as f32 * 10.0, -(k as f32)])
        .collect();
    WireBlock {
        epoch: 0,
        first_frame: first,
        frames,
        samples: Samples::F32(values),
        stamps: Vec::new(),
    }
}

fn injector(yaml: &str, log: &Arc<FaultLog>) -> Injector {
    let faults = parse_faults(yaml).unwrap();
    let channels: Vec<ChannelInfo> = ["A", "B", "C"]
        .iter()
        .map(|l| ChannelInfo::new(*l, "eeg", "V"))
        .collect();
    let plan = setup::plan(&faults, &channels, true, &mut Default::default());
    let mut spec = crate::engine::control_events_spec("S");
    spec.channels = channels;
    Injector::new(plan, &spec, 0, 10, Arc::new(NullOutput), log.clone()).unwrap()
}

/// Plays samples `from..to` in chunks of 10 through `inj` on a timeline from t0 = 1000.
fn play(inj: &mut Injector, outlet: &mut Box<dyn Outlet>, from: u64, to: u64) {
    let tl = Timeline::starting(1000.0, 0.0, 1.0, false);
    let mut natural = Vec::new();
    for first in (from..to).step_by(10) {
        let b = block(first, 10);
        let chunk = Chunk {
            block: &b,
            from: 0,
            frames: 10,
            rate: RATE,
            width: WIDTH,
            offset: 0.0,
        };
        inj.push(outlet, &chunk, &tl, &mut natural, 0.0).unwrap();
    }
}

fn run(yaml: &str) -> (Vec<Push>, Vec<FaultRecord>) {
    let log = new_log(None);
    let pushes = Pushes::default();
    let mut outlet: Box<dyn Outlet> = Box::new(Recorder(pushes.clone()));
    let mut inj = injector(yaml, &log);
    play(&mut inj, &mut outlet, 0, 20_000);
    inj.finish();
    let (records, _) = take_records(&log);
    let pushes = pushes.lock().unwrap().clone();
    (pushes, records)
}

fn of(records: &[FaultRecord], kind: FaultKind) -> Vec<&FaultRecord> {
    records.iter().filter(|r| r.fault == kind).collect()
}

#[test]
fn drops_and_duplicates_are_exactly_the_logged_ones_and_repeat_with_the_seed() {
    let yaml = "{seed: 7, drop: {probability: 0.05, length: 25}, duplicate: {probability: 0.02}}";
    let (pushes, records) = run(yaml);
    let mut seen = vec![0u32; 20_000];
    for (values, _) in &pushes {
        for v in values {
            seen[*v as usize] += 1;
        }
    }
    let mut dropped = vec![false; 20_000];
    for r in of(&records, FaultKind::Drop) {
        assert_eq!(r.samples, 25.min(20_000 - r.first_sample));
        for k in r.first_sample..r.first_sample + r.samples {
            dropped[k as usize] = true;
        }
    }
    let mut twice = vec![false; 20_000];
    for r in of(&records, FaultKind::Duplicate) {
        for k in r.first_sample..r.first_sample + r.samples {
            twice[k as usize] = true;
        }
    }
    for k in 0..20_000 {
        let expected = if dropped[k] {
            0
        } else if twice[k] {
            2
        } else {
            1
        };
        assert_eq!(seen[k], expected, "sample {k}");
    }
    let drops = of(&records, FaultKind::Drop).len();
    assert!((50..150).contains(&drops), "{drops} drops");
    assert!(!of(&records, FaultKind::Duplicate).is_empty());
    assert_eq!(run(yaml).1, records, "the same seed gives the same faults");
    assert_ne!(run(&yaml.replace("seed: 7", "seed: 8")).1, records);
}

#[test]
fn drift_and_clock_faults_shift_the_timestamps_as_defined() {
    let (pushes, records) =
        run("{drift_ppm: 200, clock_offset: 0.25, clock_jump: [{at: 30, by: -0.1}]}");
    let scale = 1.0 + 200e-6;
    for (values, stamps) in &pushes {
        for (k, t) in values.iter().zip(stamps) {
            let due = 1000.0 + k / (RATE * scale);
            let shift = if *k / (RATE * scale) >= 30.0 {
                0.15
            } else {
                0.25
            };
            assert!((t - due - shift).abs() < 1e-9, "sample {k}: {t}");
        }
    }
    let offset = of(&records, FaultKind::ClockOffset);
    assert_eq!(
        (offset.len(), offset[0].first_sample, offset[0].by),
        (1, 0, Some(0.25))
    );
    let jump = of(&records, FaultKind::ClockJump);
    // Sample 3001 is the first at or after 30 s at 100 × (1 + 200e-6) Hz.
    assert_eq!((jump.len(), jump[0].first_sample), (1, 3001));
}

#[test]
fn channel_faults_hit_exactly_the_logged_samples_and_channels() {
    let (pushes, records) = run(
        "{channels: [{picks: [B], kind: flat, at: 2, for: 3}, {picks: [C], kind: nan, at: 5, \
         for: 0.1}, {picks: [A], kind: clip, max: 100}]}",
    );
    let flat = of(&records, FaultKind::Flat);
    assert_eq!(flat.len(), 1);
    assert_eq!((flat[0].first_sample, flat[0].samples), (200, 300));
    assert_eq!(flat[0].channels.as_deref(), Some(&["B".to_string()][..]));
    let nan = of(&records, FaultKind::Nan);
    assert_eq!((nan[0].first_sample, nan[0].samples), (500, 10));
    let clip = of(&records, FaultKind::Clip);
    assert_eq!((clip[0].first_sample, clip[0].samples), (0, 20_000));
    // Channel A is clipped at 100: sample indices above read 100.
    let received: Vec<f64> = pushes.iter().flat_map(|(v, _)| v.clone()).collect();
    assert_eq!(received[99..102], [99.0, 100.0, 100.0]);
}

#[test]
fn seeks_close_what_is_open_and_keep_counts_exact() {
    let log = new_log(None);
    let pushes = Pushes::default();
    let mut outlet: Box<dyn Outlet> = Box::new(Recorder(pushes.clone()));
    let mut inj = injector("{seed: 1, drop: {probability: 0.3, length: 35}, channels: [{picks: [A], kind: noise, sd: 1, at: 1, for: 2}]}", &log);
    play(&mut inj, &mut outlet, 0, 1_500);
    assert_eq!(inj.seek(4.0), 4.0);
    play(&mut inj, &mut outlet, 400, 2_000);
    assert_eq!(inj.seek(0.5), 0.5);
    play(&mut inj, &mut outlet, 50, 900);
    inj.finish();
    let (records, _) = take_records(&log);
    let pushed: usize = pushes.lock().unwrap().iter().map(|(v, _)| v.len()).sum();
    let dropped: u64 = of(&records, FaultKind::Drop)
        .iter()
        .map(|r| r.samples)
        .sum();
    assert_eq!(pushed as u64 + dropped, 1_500 + 1_600 + 850);
    // The noise window [1, 3) s was entered twice (played, then sought back into).
    let noise = of(&records, FaultKind::Noise);
    assert_eq!(noise.len(), 2, "{noise:?}");
    assert_eq!((noise[0].first_sample, noise[0].samples), (100, 200));
    assert_eq!((noise[1].first_sample, noise[1].samples), (100, 200));
}

#[test]
fn stalls_and_jitter_only_delay() {
    let log = new_log(None);
    let mut inj = injector("{seed: 2, jitter_ms: 3, stall: {every: 2, for: 0.5}}", &log);
    let tl = Timeline::starting(1000.0, 0.0, 1.0, false);
    let mut held = 0;
    for first in (0..10_000u64).step_by(10) {
        let last = (first + 9) as f64 / RATE;
        let due = inj.due(&tl, 0.0, last, first);
        assert!(due >= 1000.0 + last, "chunk {first} early");
        held += usize::from(due > 1000.0 + last + 0.1);
        assert_eq!(due, inj.due(&tl, 0.0, last, first), "a deadline stays put");
    }
    assert!(held > 100, "{held} chunks held by stalls");
}

#[test]
fn a_seek_from_one_outage_into_another_splits_the_record() {
    let log = new_log(None);
    let pushes = Pushes::default();
    let mut outlet: Box<dyn Outlet> = Box::new(Recorder(pushes.clone()));
    let mut inj = injector("{disconnect: [{at: 1, for: 2}, {at: 10, for: 2}]}", &log);
    play(&mut inj, &mut outlet, 0, 150);
    assert_eq!(inj.seek(10.5), 10.5);
    play(&mut inj, &mut outlet, 1_050, 1_300);
    inj.finish();
    let (records, _) = take_records(&log);
    let outages: Vec<_> = of(&records, FaultKind::Disconnect)
        .iter()
        .map(|r| {
            (
                r.first_sample,
                r.samples,
                r.at,
                r.seconds,
                r.until.is_some(),
            )
        })
        .collect();
    assert_eq!(
        outages,
        [
            (100, 50, Some(1.0), Some(2.0), true),
            (1_050, 150, Some(10.0), Some(2.0), true)
        ]
    );
    let pushed: usize = pushes.lock().unwrap().iter().map(|(v, _)| v.len()).sum();
    assert_eq!(pushed, 100, "the recreated outlet is the null output's");
}

#[test]
fn outage_windows_that_touch_have_a_record_each() {
    let (pushes, records) = run("{disconnect: [{at: 1, for: 1}, {at: 2, for: 1.5}]}");
    let outages: Vec<_> = of(&records, FaultKind::Disconnect)
        .iter()
        .map(|r| (r.first_sample, r.samples, r.at))
        .collect();
    assert_eq!(outages, [(100, 100, Some(1.0)), (200, 150, Some(2.0))]);
    // The recorder saw what came before the outages; the outlet created again after
    // them is the null output's.
    let pushed: usize = pushes.iter().map(|(v, _)| v.len()).sum();
    assert_eq!(pushed, 100);
}

#[test]
fn an_outage_inside_a_drop_splits_the_drop_into_exact_records() {
    let (_, records) =
        run("{drop: {probability: 1, length: 50}, disconnect: [{at: 0.1, for: 0.1}]}");
    let lost: Vec<_> = (records.iter())
        .filter(|r| matches!(r.fault, FaultKind::Drop | FaultKind::Disconnect))
        .map(|r| (r.fault, r.first_sample, r.samples))
        .take(4)
        .collect();
    assert_eq!(
        lost,
        [
            (FaultKind::Drop, 0, 10),
            (FaultKind::Disconnect, 10, 10),
            (FaultKind::Drop, 20, 30),
            (FaultKind::Drop, 50, 50)
        ]
    );
}
