//! Steering a replay while it plays: the operations every surface offers (the Rust API,
//! the terminal keys, the control socket, Python), as one trait, [`Steer`].
//!
//! The timing model behind them is written at the top of [`super::timing`].

use crate::scenario::{number_text, MAX_SECONDS};
use serde::Serialize;

/// The slowest and fastest replay speeds.
pub const SPEED_RANGE: (f64, f64) = (0.01, 100.0);

/// The farthest a seek may be asked to go, in seconds: a target from 0 to this, an offset
/// from minus to plus this (refused outside). Where a seek lands is then clamped to the
/// current pass: from its start to its end (the end of the recording or of the section).
pub const SEEK_LIMIT: f64 = MAX_SECONDS;

/// What a player is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PlayState {
    /// Created, not started.
    Starting,
    /// Started, waiting for consumers or for t0 (start delay, start-at).
    Waiting,
    /// Pushing samples.
    Playing,
    /// Paused: the position stands still and nothing is pushed.
    Paused,
    /// Every stream ended, or the run was stopped.
    Finished,
}

impl PlayState {
    /// The lowercase name (`"paused"`).
    pub fn as_str(self) -> &'static str {
        match self {
            PlayState::Starting => "starting",
            PlayState::Waiting => "waiting",
            PlayState::Playing => "playing",
            PlayState::Paused => "paused",
            PlayState::Finished => "finished",
        }
    }
}

/// Where a replay stands.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Status {
    /// What the player is doing.
    pub state: PlayState,
    /// The replay position: seconds on the scenario's timeline (0 at t0, within the
    /// cropped section when there is one), within the current pass.
    pub position: f64,
    /// The duration of one pass, when known.
    pub duration: Option<f64>,
    /// The pass being played (1-based), and how many there are (`None`: forever).
    pub pass: (u64, Option<u64>),
    /// The replay speed (1 = real time).
    pub speed: f64,
}

/// Why a steering request was refused (one line, for the user).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub String);

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refusal {}

/// The operations that steer a replay. Every method may be called from any thread while
/// the player plays; a refused request changes nothing.
pub trait Steer: Send + Sync {
    /// Stops the position (nothing is pushed) until [`resume`](Steer::resume).
    fn pause(&self) -> Result<Status, Refusal>;
    /// Lets the position advance again.
    fn resume(&self) -> Result<Status, Refusal>;
    /// Moves the position to `seconds` from the start of the pass, 0 to [`SEEK_LIMIT`]
    /// (refused outside, see [`check_seek_to`]); it lands within the pass (past its end:
    /// at its end).
    fn seek(&self, seconds: f64) -> Result<Status, Refusal>;
    /// Moves the position by `delta` seconds (negative: back), at most [`SEEK_LIMIT`]
    /// either way (see [`check_seek_by`]); it lands within the pass.
    fn seek_by(&self, delta: f64) -> Result<Status, Refusal> {
        let delta = check_seek_by(delta)?;
        let now = self.status().position;
        self.seek((now + delta).clamp(0.0, SEEK_LIMIT))
    }
    /// Sets the speed, from [`SPEED_RANGE`]`.0` to `.1` (refused outside).
    fn set_speed(&self, speed: f64) -> Result<Status, Refusal>;
    /// Where the replay stands.
    fn status(&self) -> Status;
    /// Ends the run on purpose (a stop by request: the command line then exits with 0).
    fn stop(&self);
}

/// Checks a speed against [`SPEED_RANGE`]: every surface's speeds go through here.
pub fn check_speed(speed: f64) -> Result<f64, Refusal> {
    let (lo, hi) = SPEED_RANGE;
    if (lo..=hi).contains(&speed) {
        Ok(speed)
    } else {
        Err(Refusal(format!(
            "speed must be from {lo} to {hi} (1 = real time), not {}",
            number_text(speed)
        )))
    }
}

/// Checks a seek target: seconds from 0 to [`SEEK_LIMIT`]. Every surface's seeks go
/// through here.
pub fn check_seek_to(seconds: f64) -> Result<f64, Refusal> {
    if (0.0..=SEEK_LIMIT).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(Refusal(format!(
            "seek: the target must be from 0 to 1e9 s (past the end lands at the end), not {}",
            number_text(seconds)
        )))
    }
}

/// Checks a seek offset: seconds from −[`SEEK_LIMIT`] to [`SEEK_LIMIT`].
pub fn check_seek_by(delta: f64) -> Result<f64, Refusal> {
    if (-SEEK_LIMIT..=SEEK_LIMIT).contains(&delta) {
        Ok(delta)
    } else {
        Err(Refusal(format!(
            "seek: the offset must be from -1e9 to 1e9 s (a seek lands within the pass), not {}",
            number_text(delta)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speeds_outside_the_range_are_refused() {
        assert_eq!(check_speed(2.0), Ok(2.0));
        assert_eq!(check_speed(0.01), Ok(0.01));
        for bad in [0.0, -1.0, 100.5, f64::NAN, f64::INFINITY, 1e300] {
            let e = check_speed(bad).expect_err("refused");
            assert!(e.0.starts_with("speed must be from 0.01 to 100"), "{e}");
            assert!(e.0.len() < 80, "a short number: {e}");
        }
    }

    #[test]
    fn seeks_outside_the_range_are_refused_with_short_numbers() {
        assert_eq!(check_seek_to(0.0), Ok(0.0));
        assert_eq!(check_seek_to(1e9), Ok(1e9));
        assert_eq!(check_seek_by(-1e9), Ok(-1e9));
        for bad in [-0.5, 1.5e9, f64::NAN, f64::INFINITY, 1e300] {
            let e = check_seek_to(bad).expect_err("refused");
            assert!(
                e.0.starts_with("seek: the target must be from 0 to 1e9 s"),
                "{e}"
            );
            assert!(e.0.len() < 100, "{e}");
        }
        for bad in [
            1e300,
            -1e300,
            f64::NEG_INFINITY,
            f64::NAN,
            99999999999999999999.0,
        ] {
            let e = check_seek_by(bad).expect_err("refused");
            assert!(
                e.0.starts_with("seek: the offset must be from -1e9 to 1e9 s"),
                "{e}"
            );
            assert!(e.0.len() < 100, "{e}");
        }
        assert!(check_seek_by(1e300)
            .expect_err("refused")
            .0
            .ends_with("not 1e300"));
    }
}
