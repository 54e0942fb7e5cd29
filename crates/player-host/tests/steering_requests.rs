//! Requests as a script or a second tool makes them (issue 23), through the Rust `Steer`
//! API that every surface calls: before t0 (a start delay, `start_at`, waiting for
//! consumers), with absurd values, and stops by request. Every pushed value and
//! timestamp is recorded (the same engine as LSL; the e2e tests check the wire).
#![allow(clippy::unwrap_used)]

mod support;
use support::recorder::{pushed, recording_session, session_into, Log, Recorder};
use support::{tone, wait_until};

use player_host::{
    PlayState, Player, Repeat, Scenario, StartAt, Steer, StopCause, StreamEntry, WaitFor,
    WaitForConsumers,
};
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The 2 s, 8 kHz tone as float64 in chunks of 80 frames, its scenario edited by `edit`.
fn tone_scenario(edit: impl FnOnce(&mut Scenario)) -> Scenario {
    let mut entry = StreamEntry::new(tone());
    entry.name = Some("tone".into());
    entry.chunk_size = 80;
    entry.format = Some(player_host::ValueFormat::Float64);
    let mut scenario = Scenario::single(entry);
    edit(&mut scenario);
    scenario
}

/// The tone's frames, as the engine pushes them (float64 text).
fn tone_values() -> Vec<String> {
    let mut reader = hound::WavReader::open(tone()).unwrap();
    reader
        .samples::<i16>()
        .map(|s| (f64::from(s.unwrap()) / 32768.0).to_string())
        .collect()
}

fn open(scenario: &Scenario, log: &Log) -> Player {
    recording_session(scenario, log).open().unwrap()
}

/// Timestamps `1 / (8000 × speed)` apart, strictly increasing.
fn assert_spacing(stamps: &[f64], speed: f64) {
    let step = 1.0 / (8000.0 * speed);
    for w in stamps.windows(2) {
        assert!(
            (w[1] - w[0] - step).abs() < 1e-9,
            "{} apart, not {step}",
            w[1] - w[0]
        );
    }
}

/// The first push of `name`: its first timestamp and the clock when it was pushed.
fn first_push(log: &Log, name: &str) -> (f64, f64) {
    let log = log.lock().unwrap();
    let push = &log[name][0];
    (push.stamps[0], push.at)
}

/// Issue 23: with `--start-delay 6`, pause / seek 10 / resume played at once; a seek
/// before t0 moved t0. Now they set what the replay starts with, and it starts at t0.
#[test]
fn requests_during_a_start_delay_change_the_start_never_t0() {
    let log = Log::default();
    let scenario = tone_scenario(|s| s.start_delay = 1.0);
    let mut player = recording_session(&scenario, &log)
        .control_events(true)
        .open()
        .unwrap();
    let c = player.controller();
    let before = player_host::local_clock();
    player.start().unwrap();
    assert_eq!(c.seek(0.0).unwrap().state, PlayState::Waiting);
    assert_eq!(c.set_speed(4.0).unwrap().speed, 4.0);
    let paused = c.pause().unwrap();
    assert_eq!(paused.state, PlayState::Paused);
    let sought = c.seek(1.0).unwrap();
    assert_eq!((sought.state, sought.position), (PlayState::Paused, 1.0));
    let resumed = c.resume().unwrap();
    assert_eq!((resumed.state, resumed.position), (PlayState::Waiting, 1.0));
    let summary = player.wait().unwrap();
    let t0 = summary.t0.unwrap();
    assert!(t0 >= before + 1.0, "t0 is the start plus the delay");
    let (first, pushed_at) = first_push(&log, "tone");
    assert!(
        (first - t0).abs() < 1e-9,
        "the start position is at t0: {first} vs {t0}"
    );
    assert!(pushed_at >= first, "never early");
    let (values, stamps) = pushed(&log, "tone");
    assert_eq!(values, tone_values()[8000..], "from 1 s");
    assert_spacing(&stamps, 4.0);
    assert!(!summary.interrupted);
    assert!(
        summary.wall_seconds > 0.2,
        "it played: {}",
        summary.wall_seconds
    );
    // What was set before t0 is published at t0.
    let (events, stamps) = pushed(&log, "tone-player");
    assert_eq!(events, ["seek 1.000", "speed 4 1.000"]);
    assert_eq!(stamps, [t0, t0]);
}

/// `start_at` a second and a half from now, as Unix seconds.
fn soon() -> StartAt {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    StartAt::parse(&format!("{:.3}", now.as_secs_f64() + 1.5)).unwrap()
}

/// Issue 23: with `--start-at T`, `seek 0` three seconds before T started the replay
/// 4.83 s early, and hosts that agreed on T no longer shared a timeline.
#[test]
fn hosts_given_one_start_at_stay_on_one_timeline_whatever_is_steered() {
    let at = soon();
    let (steered_log, plain_log) = (Log::default(), Log::default());
    let scenario = tone_scenario(|s| s.start_at = Some(at.clone()));
    let mut steered = open(&scenario, &steered_log);
    let mut plain = open(&scenario, &plain_log);
    steered.start().unwrap();
    plain.start().unwrap();
    let c = steered.controller();
    c.seek(0.0).unwrap();
    c.set_speed(4.0).unwrap();
    c.seek(0.5).unwrap();
    c.set_speed(1.0).unwrap();
    c.seek(0.0).unwrap();
    let (a, b) = (steered.wait().unwrap(), plain.wait().unwrap());
    let (ta, tb) = (a.t0.unwrap(), b.t0.unwrap());
    // Both read the wall clock and LSL's clock on their own: microseconds apart.
    assert!((ta - tb).abs() < 0.002, "t0 {ta} vs {tb}");
    let (first_a, at_a) = first_push(&steered_log, "tone");
    let (first_b, _) = first_push(&plain_log, "tone");
    assert!((first_a - ta).abs() < 1e-9, "the steered host starts at t0");
    assert!(
        (first_a - first_b).abs() < 0.002,
        "one timeline: {first_a} vs {first_b}"
    );
    assert!(at_a >= first_a, "never early");
    assert_eq!(pushed(&steered_log, "tone").0, tone_values());
}

/// Issue 23: while waiting for consumers, `pause` and `seek 30` were reported as not
/// answered, then applied when a consumer came. Now they are answered at once, from the
/// state the replay will start with, and that is what it starts with.
#[test]
fn requests_while_waiting_for_consumers_are_answered_at_once_and_hold() {
    let log = Log::default();
    let scenario = tone_scenario(|s| {
        s.wait_for_consumers = WaitForConsumers::Wait {
            streams: WaitFor::Data,
            timeout: None,
        }
    });
    let recorder = Recorder::new(&log);
    recorder.consumers.store(false, Ordering::SeqCst);
    let consumers = recorder.consumers.clone();
    let mut player = session_into(&scenario, recorder).open().unwrap();
    player.start().unwrap();
    let c = player.controller();
    let paused = c.pause().expect("answered while waiting");
    assert_eq!(paused.state, PlayState::Paused);
    let sought = c.seek(1.5).expect("answered while waiting");
    assert_eq!((sought.state, sought.position), (PlayState::Paused, 1.5));
    assert_eq!(c.status().position, 1.5);
    consumers.store(true, Ordering::SeqCst);
    wait_until("playing from t0", || {
        matches!(player.phase(), player_host::Phase::Playing { .. })
    });
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        log.lock().unwrap().is_empty(),
        "started paused: nothing pushed"
    );
    assert_eq!(c.status().state, PlayState::Paused);
    let resumed = c.resume().unwrap();
    assert_eq!(resumed.state, PlayState::Playing);
    let summary = player.wait().unwrap();
    let (values, stamps) = pushed(&log, "tone");
    assert_eq!(values, tone_values()[12000..], "from 1.5 s");
    assert_spacing(&stamps, 1.0);
    assert!(
        stamps[0] >= summary.t0.unwrap() + 0.2,
        "after the resume, not at t0"
    );
}

/// Issue 23: `seek +99999999999999999999` or a seek by 1e300 with `--repeat forever`
/// pushed 1.9 M samples in 3 s, timestamps of -1e300, a pass counter that wrapped, and
/// 300-digit numbers. Now such values are refused with short messages, and a seek lands
/// within the pass: the pass counter moves by one at most.
#[test]
fn huge_seeks_are_refused_and_seeks_land_within_the_pass() {
    let log = Log::default();
    let mut player = open(&tone_scenario(|s| s.repeat = Repeat::Forever), &log);
    player.start().unwrap();
    let c = player.controller();
    wait_until("playing", || c.status().state == PlayState::Playing);
    for (what, refused) in [
        ("seek by 1e300", c.seek_by(1e300)),
        ("seek by -1e300", c.seek_by(-1e300)),
        ("seek to 1e20", c.seek(99999999999999999999.0)),
        ("seek to -1", c.seek(-1.0)),
        ("seek to NaN", c.seek(f64::NAN)),
        ("speed 1e300", c.set_speed(1e300)),
    ] {
        let e = refused.expect_err(what);
        assert!(e.0.len() < 120, "{what}: a short message: {e}");
        assert!(!e.0.contains("00000000"), "{what}: {e}");
    }
    assert_eq!(c.status().pass.0, 1, "refusals changed nothing");
    let forward = c.seek_by(1e9).unwrap();
    assert_eq!((forward.pass.0, forward.position), (2, 0.0), "{forward:?}");
    let back = c.seek_by(-1e9).unwrap();
    assert_eq!((back.pass.0, back.position), (2, 0.0), "{back:?}");
    let to = c.seek(1e9).unwrap();
    assert_eq!((to.pass.0, to.position), (3, 0.0), "{to:?}");
    std::thread::sleep(Duration::from_millis(100));
    c.stop();
    let summary = player.wait().unwrap();
    let (_, stamps) = pushed(&log, "tone");
    let t0 = summary.t0.unwrap();
    assert!(
        stamps.windows(2).all(|w| w[1] > w[0]),
        "timestamps go forward"
    );
    assert!(
        stamps.iter().all(|t| (t0..t0 + 600.0).contains(t)),
        "sane timestamps"
    );
    assert!(stamps.len() < 8000 * 60, "{} samples", stamps.len());
}

/// A stop asked for by the user is a stop by request, a signal's stop says which.
#[test]
fn a_stop_says_why() {
    let log = Log::default();
    let scenario = tone_scenario(|s| s.repeat = Repeat::Forever);
    let mut player = open(&scenario, &log);
    player.start().unwrap();
    player.controller().stop();
    let summary = player.wait().unwrap();
    assert!(summary.interrupted);
    assert_eq!(summary.stopped_by, Some(StopCause::Request));
    let json = serde_json::to_value(&summary).unwrap();
    assert_eq!(json["stopped_by"], "request");

    let mut player = open(&scenario, &log);
    player.start().unwrap();
    player.stop_handle().stop_for_signal(15);
    player.controller().stop();
    let summary = player.wait().unwrap();
    assert_eq!(
        summary.stopped_by,
        Some(StopCause::Signal(15)),
        "the first cause"
    );

    let mut player = open(&tone_scenario(|_| {}), &log);
    player.start().unwrap();
    let summary = player.wait().unwrap();
    assert_eq!((summary.interrupted, summary.stopped_by), (false, None));
}
