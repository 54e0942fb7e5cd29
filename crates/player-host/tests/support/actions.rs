//! Steering requests as property tests generate and send them: an [`Action`] list is
//! carried out on a playing [`Player`] ([`drive`], [`steer_to_the_end`]), each request's
//! sending, answer and result kept ([`Sent`]).

use player_host::{PlayState, Player, Refusal, Status, Steer, Summary};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError};
use std::ops::Range;
use std::time::{Duration, Instant};

/// The highest speed (`SPEED_RANGE.1`).
pub const MAX_SPEED: f64 = player_host::SPEED_RANGE.1;

/// What the test does to the player, in order.
#[derive(Debug, Clone)]
pub enum Action {
    /// Lets the replay play for this many milliseconds.
    Wait(u64),
    Pause,
    Resume,
    Speed(f64),
    Seek(f64),
    SeekBy(f64),
    /// Requests sent one after the other without waiting.
    Burst(Vec<Action>),
}

/// One request sent: when, what, when answered and how (clock times).
#[derive(Debug, Clone)]
pub struct Sent {
    pub at: f64,
    pub action: Action,
    pub answered: f64,
    pub result: Result<Status, Refusal>,
}

/// The configuration of a property test that plays in real time: `PROPTEST_CASES` cases
/// (default `cases`), a short shrinking, no files of failures kept.
pub fn config(cases: u32) -> Config {
    Config {
        cases: (std::env::var("PROPTEST_CASES").ok())
            .and_then(|c| c.parse().ok())
            .unwrap_or(cases),
        max_shrink_iters: 24,
        failure_persistence: None,
        ..Config::default()
    }
}

/// A speed, the range's ends and common values included.
pub fn speed() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.01),
        Just(MAX_SPEED),
        Just(0.5),
        Just(2.0),
        0.01f64..MAX_SPEED,
        0.2f64..5.0
    ]
}

/// One request (seeks within the first `seconds` of the timeline, or by up to that much).
pub fn request(seconds: f64) -> impl Strategy<Value = Action> {
    prop_oneof![
        Just(Action::Pause),
        Just(Action::Resume),
        speed().prop_map(Action::Speed),
        (0.0f64..seconds).prop_map(Action::Seek),
        (-seconds..seconds).prop_map(Action::SeekBy),
    ]
}

/// An action: a wait of up to `max_wait_ms`, one request (seeks within `seconds`) or a
/// burst of `burst` requests, weighted `weights` (wait, request, burst).
pub fn action(
    max_wait_ms: u64,
    seconds: f64,
    burst: Range<usize>,
    weights: (u32, u32, u32),
) -> impl Strategy<Value = Action> {
    prop_oneof![
        weights.0 => (0..max_wait_ms).prop_map(Action::Wait),
        weights.1 => request(seconds),
        weights.2 => prop::collection::vec(request(seconds), burst).prop_map(Action::Burst),
    ]
}

/// A failed property, saying why.
pub fn fail<T>(message: String) -> Result<T, TestCaseError> {
    Err(TestCaseError::fail(message))
}

/// Sends the request `action` (not a wait or a burst).
pub fn send(c: &dyn Steer, action: &Action) -> Result<Status, Refusal> {
    match action {
        Action::Pause => c.pause(),
        Action::Resume => c.resume(),
        Action::Speed(s) => c.set_speed(*s),
        Action::Seek(to) => c.seek(*to),
        Action::SeekBy(by) => c.seek_by(*by),
        Action::Wait(_) | Action::Burst(_) => unreachable!("not a request"),
    }
}

/// Carries `actions` out; every request sent.
pub fn drive(player: &Player, actions: &[Action]) -> Vec<Sent> {
    let c = player.controller();
    let mut sent = Vec::new();
    let mut one = |action: &Action| {
        let at = player_host::local_clock();
        let result = send(&c, action);
        let answered = player_host::local_clock();
        sent.push(Sent {
            at,
            action: action.clone(),
            answered,
            result,
        });
    };
    for action in actions {
        match action {
            Action::Wait(ms) => std::thread::sleep(Duration::from_millis(*ms)),
            Action::Burst(burst) => burst.iter().for_each(&mut one),
            request => one(request),
        }
    }
    sent
}

/// Starts `player`, carries `actions` out once it plays, then resumes it at the highest
/// speed and gives it `patience` to end before stopping it. Returns the requests sent,
/// the summary (asserted free of failures) and whether the run ended by itself.
pub fn steer_to_the_end(
    player: &mut Player,
    actions: &[Action],
    patience: Duration,
) -> (Vec<Sent>, Summary, bool) {
    player.start().unwrap();
    let c = player.controller();
    let started = Instant::now() + Duration::from_secs(20);
    while c.status().state != PlayState::Playing && Instant::now() < started {
        std::thread::sleep(Duration::from_millis(1));
    }
    let mut sent = drive(player, actions);
    sent.extend(drive(player, &[Action::Resume, Action::Speed(MAX_SPEED)]));
    let end = Instant::now() + patience;
    while player.is_running() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(5));
    }
    let ended = !player.is_running();
    player.stop();
    let summary = player.wait().unwrap();
    assert!(summary.failures().is_empty(), "{:?}", summary.failures());
    (sent, summary, ended)
}
