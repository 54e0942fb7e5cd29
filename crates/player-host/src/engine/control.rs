//! Steering a replay while it plays: the operations every surface offers (the Rust API,
//! the terminal keys, the control socket, Python), as one trait, [`Steer`].
//!
//! The timing model behind them is written at the top of [`super::timing`].

use serde::Serialize;

/// The slowest and fastest replay speeds.
pub const SPEED_RANGE: (f64, f64) = (0.01, 100.0);

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
    /// Moves the position to `seconds` (clamped to the section: 0 to the duration).
    fn seek(&self, seconds: f64) -> Result<Status, Refusal>;
    /// Moves the position by `delta` seconds (negative: back).
    fn seek_by(&self, delta: f64) -> Result<Status, Refusal> {
        let now = self.status().position;
        self.seek(now + delta)
    }
    /// Sets the speed, from [`SPEED_RANGE`]`.0` to `.1` (refused outside).
    fn set_speed(&self, speed: f64) -> Result<Status, Refusal>;
    /// Where the replay stands.
    fn status(&self) -> Status;
    /// Ends the run, as Ctrl-C does.
    fn stop(&self);
}

/// Checks a speed against [`SPEED_RANGE`].
pub fn check_speed(speed: f64) -> Result<f64, Refusal> {
    let (lo, hi) = SPEED_RANGE;
    if speed.is_finite() && (lo..=hi).contains(&speed) {
        Ok(speed)
    } else {
        Err(Refusal(format!(
            "speed must be from {lo} to {hi} (1 = real time), not {speed}"
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
        for bad in [0.0, -1.0, 100.5, f64::NAN, f64::INFINITY] {
            let e = check_speed(bad).expect_err("refused");
            assert!(e.0.starts_with("speed must be from 0.01 to 100"), "{e}");
        }
    }
}
