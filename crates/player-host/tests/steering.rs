//! Steering a replay through the library (`Player::controller`): pause, resume, seek,
//! speed and markers across seeks, checked on every pushed value and timestamp with an
//! output that records what it is given (the same engine as LSL; the e2e tests check the
//! wire).
#![allow(clippy::unwrap_used)]

mod support;
use support::fixture;
use support::recorder::{pushed, recorded, Log};

use player_host::{Player, Scenario, Steer, StreamEntry};
use std::path::Path;
use std::time::Duration;

/// The 2 s, 8 kHz tone as float64, in chunks of 80 frames (10 ms).
fn tone_player(log: &Log) -> Player {
    let mut entry = StreamEntry::new(fixture("wav/demo-tone-8k-mono.wav"));
    entry.name = Some("tone".into());
    entry.chunk_size = 80;
    entry.format = Some(player_host::ValueFormat::Float64);
    let scenario = Scenario::single(entry);
    recorded(&scenario, log)
}

/// The file's frames, as the engine pushes them (float64 text).
fn tone_values() -> Vec<String> {
    let mut reader = hound::WavReader::open(fixture("wav/demo-tone-8k-mono.wav")).unwrap();
    reader
        .samples::<i16>()
        .map(|s| (f64::from(s.unwrap()) / 32768.0).to_string())
        .collect()
}

fn wait_position(player: &Player, at_least: f64) {
    let c = player.controller();
    while c.status().position < at_least {
        assert!(player.is_running(), "ended before {at_least} s");
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn pause_leaves_a_gap_and_loses_no_sample() {
    let log = Log::default();
    let mut player = tone_player(&log);
    player.start().unwrap();
    let c = player.controller();
    wait_position(&player, 0.5);
    let paused = c.pause().unwrap();
    assert_eq!(paused.state, player_host::PlayState::Paused);
    std::thread::sleep(Duration::from_millis(400));
    assert!(
        (c.status().position - paused.position).abs() < 1e-9,
        "stands still"
    );
    c.resume().unwrap();
    player.wait().unwrap();
    let (values, stamps) = &pushed(&log, "tone");
    assert_eq!(values, &tone_values(), "every sample once, in order");
    let gaps: Vec<f64> = stamps.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps.iter().all(|&g| g > 0.0), "monotonic");
    let big: Vec<&f64> = gaps.iter().filter(|&&g| g > 0.01).collect();
    assert_eq!(big.len(), 1, "one gap: {big:?}");
    assert!(
        (big[0] - 0.4).abs() < 0.1,
        "the gap is the pause: {}",
        big[0]
    );
    let regular = gaps.iter().filter(|&&g| g <= 0.01);
    assert!(regular.into_iter().all(|g| (g - 1.0 / 8000.0).abs() < 1e-9));
}

/// A 2 s, 8 kHz float32 WAV whose frame k holds k / 16384 (exact), so that every pushed
/// value says which frame it is.
fn ramp_player(log: &Log, dir: &Path) -> Player {
    ramp_scenario_player(log, dir, |_| {})
}

/// The ramp player, its scenario edited by `edit`.
fn ramp_scenario_player(log: &Log, dir: &Path, edit: impl FnOnce(&mut Scenario)) -> Player {
    let path = dir.join("ramp.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(&path, spec).unwrap();
    for k in 0..16000 {
        w.write_sample(k as f32 / 16384.0).unwrap();
    }
    w.finalize().unwrap();
    let mut entry = StreamEntry::new(path);
    entry.name = Some("ramp".into());
    entry.chunk_size = 80;
    entry.format = Some(player_host::ValueFormat::Float64);
    let mut scenario = Scenario::single(entry);
    edit(&mut scenario);
    recorded(&scenario, log)
}

#[test]
fn seek_jumps_the_data_not_the_clock() {
    let dir = player_api::conformance::TempDir::new("steering-seek");
    let log = Log::default();
    let mut player = ramp_player(&log, dir.path());
    player.start().unwrap();
    let c = player.controller();
    wait_position(&player, 0.3);
    let status = c.seek(1.5).unwrap();
    assert!((status.position - 1.5).abs() < 1e-9, "{status:?}");
    wait_position(&player, 1.6);
    let back = c.seek_by(-1.0).unwrap();
    player.wait().unwrap();
    let (values, stamps) = &pushed(&log, "ramp");
    let frames: Vec<i64> = values
        .iter()
        .map(|v| (v.parse::<f64>().unwrap() * 16384.0).round() as i64)
        .collect();
    assert!(
        stamps.windows(2).all(|w| w[1] > w[0]),
        "timestamps never go back"
    );
    // Runs of consecutive frames: from 0, from 12000 (1.5 s), from the position 1 s back.
    let jumps: Vec<usize> = frames
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w[1] != w[0] + 1)
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(jumps.len(), 2, "two seeks: {jumps:?}");
    assert_eq!(frames[0], 0);
    assert_eq!(frames[jumps[0]], 12000, "the seek lands on frame 12000");
    let back_to = (back.position * 8000.0).ceil() as i64;
    assert!(
        (frames[jumps[1]] - back_to).abs() <= 1,
        "{} vs {back_to}",
        frames[jumps[1]]
    );
    assert_eq!(*frames.last().unwrap(), 15999, "played to the end");
    // Within a run, timestamps are on the 1/8000 grid.
    for run in [0..jumps[0], jumps[0]..jumps[1], jumps[1]..frames.len()] {
        assert!(stamps[run]
            .windows(2)
            .all(|w| (w[1] - w[0] - 1.0 / 8000.0).abs() < 1e-9));
    }
}

#[test]
fn speed_two_halves_the_timestamp_spacing() {
    let log = Log::default();
    let mut player = tone_player(&log);
    player.start().unwrap();
    let c = player.controller();
    wait_position(&player, 0.2);
    let status = c.set_speed(2.0).unwrap();
    assert_eq!(status.speed, 2.0);
    assert!(c.set_speed(1000.0).is_err(), "out of range");
    let started = std::time::Instant::now();
    player.wait().unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "played faster"
    );
    let (values, stamps) = &pushed(&log, "tone");
    assert_eq!(values, &tone_values());
    let last: Vec<f64> = stamps[stamps.len() - 100..]
        .windows(2)
        .map(|w| w[1] - w[0])
        .collect();
    assert!(
        last.iter().all(|g| (g - 1.0 / 16000.0).abs() < 1e-9),
        "{:?}",
        &last[..3]
    );
}

#[test]
fn requests_before_the_start_set_where_it_starts_and_after_the_end_are_refused() {
    let log = Log::default();
    let mut player = tone_player(&log);
    let c = player.controller();
    let before = c.seek(1.9).unwrap();
    assert_eq!(before.state, player_host::PlayState::Starting);
    assert_eq!(before.position, 1.9);
    player.start().unwrap();
    let summary = player.wait().unwrap();
    let (values, _) = pushed(&log, "tone");
    assert_eq!(values, tone_values()[15200..], "played from 1.9 s");
    assert!(!summary.interrupted);
    let e = c.pause().unwrap_err();
    assert!(e.0.contains("the replay has ended"), "{e}");
}

/// The frames of the ramp pushed for stream `name` (value × 16384).
fn ramp_frames(values: &[String]) -> Vec<i64> {
    values
        .iter()
        .map(|v| (v.parse::<f64>().unwrap() * 16384.0).round() as i64)
        .collect()
}

#[test]
fn a_cropped_section_loops_with_continuous_timestamps() {
    let dir = player_api::conformance::TempDir::new("steering-crop");
    let log = Log::default();
    let mut player = ramp_scenario_player(&log, dir.path(), |s| {
        s.from = Some(0.5);
        s.to = Some(0.75);
        s.repeat = player_host::Repeat::Times(2);
    });
    player.start().unwrap();
    let summary = player.wait().unwrap();
    assert!(summary.failures().is_empty(), "{:?}", summary.failures());
    let (values, stamps) = &pushed(&log, "ramp");
    let want: Vec<i64> = (4000..6000).chain(4000..6000).collect();
    assert_eq!(ramp_frames(values), want);
    // One clock: frame k of the section loop is at t0 + k / 8000.
    let t0 = summary.t0.unwrap();
    for (k, t) in stamps.iter().enumerate() {
        assert_eq!(*t, t0 + k as f64 / 8000.0, "frame {k}");
    }
}

#[test]
fn markers_follow_the_data_across_seeks() {
    // EDF+ at 100 Hz, 4 s, markers at 0, 0.5, 1.2345, 2, 3.99 and 3.995 s.
    let log = Log::default();
    let mut entry = StreamEntry::new(fixture("edf/edfplus_annotations.edf"));
    entry.name = Some("edf".into());
    entry.chunk_size = 1;
    entry.format = Some(player_host::ValueFormat::Float64);
    let mut player = recorded(&Scenario::single(entry), &log);
    player.start().unwrap();
    let c = player.controller();
    wait_position(&player, 0.7);
    c.seek(2.5).unwrap(); // skips "stim B" (1.2345) and "no duration" (2.0)
    wait_position(&player, 2.7);
    c.seek(1.9).unwrap(); // back: "no duration" (2.0) plays once more, after the seek
    player.wait().unwrap();
    let (texts, marker_stamps) = &pushed(&log, "edf-markers");
    assert_eq!(
        texts,
        &[
            "start",
            "stim A",
            "no duration",
            "near end éè",
            "same record"
        ],
        "markers skipped by the seek are dropped, none duplicated"
    );
    // Each marker on a sample (all but "same record", at 3.995 s between two samples of
    // 100 Hz) is on that sample's timestamp.
    let (_, data_stamps) = &pushed(&log, "edf");
    for (t, text) in marker_stamps
        .iter()
        .zip(texts)
        .filter(|(_, x)| *x != "same record")
    {
        assert!(
            data_stamps.iter().any(|d| (d - t).abs() < 1e-9),
            "{text:?} at {t} is on no sample"
        );
    }
    assert!(marker_stamps.windows(2).all(|w| w[1] >= w[0]));
}
