//! Steering requests as property tests generate and send them: an [`Action`] list is
//! carried out on a playing [`Player`] ([`drive`]), each request's sending, answer and
//! result kept ([`Sent`]).

use player_host::{Player, Refusal, Status, Steer};
use proptest::prelude::*;
use proptest::test_runner::Config;
use std::time::Duration;

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
