//! Test doubles of the control layer: a [`Steer`] that records every call and plays
//! nothing, and a directory for a test's control socket.

use crate::engine::control::{check_speed, PlayState, Refusal, Status, Steer};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// How long a test waits for calls before failing (a safety net, not a timing check).
const PATIENCE: Duration = Duration::from_secs(20);

/// Records calls (`"pause"`, `"seek 12.5"`, `"speed 2"`, `"stop"`; `status` is not
/// recorded) and keeps a status as an engine would.
#[derive(Debug)]
pub(crate) struct MockSteer {
    inner: Mutex<(Status, Vec<String>)>,
    changed: Condvar,
}

impl MockSteer {
    /// Playing at position 10 of 60 s, speed 1.
    pub(crate) fn new() -> MockSteer {
        MockSteer {
            inner: Mutex::new((
                Status {
                    state: PlayState::Playing,
                    position: 10.0,
                    duration: Some(60.0),
                    pass: (1, Some(1)),
                    speed: 1.0,
                },
                Vec::new(),
            )),
            changed: Condvar::new(),
        }
    }

    /// The calls so far.
    pub(crate) fn calls(&self) -> Vec<String> {
        self.inner.lock().expect("lock").1.clone()
    }

    /// Waits until `n` calls were recorded; panics after [`PATIENCE`].
    pub(crate) fn wait_calls(&self, n: usize) -> Vec<String> {
        let end = Instant::now() + PATIENCE;
        let mut guard = self.inner.lock().expect("lock");
        while guard.1.len() < n {
            let left = end.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "only these calls came: {:?}", guard.1);
            guard = self.changed.wait_timeout(guard, left).expect("lock").0;
        }
        guard.1.clone()
    }

    /// Sets the speed directly (not recorded).
    pub(crate) fn force_speed(&self, speed: f64) {
        self.inner.lock().expect("lock").0.speed = speed;
    }

    fn record(&self, call: String, change: impl FnOnce(&mut Status)) -> Status {
        let mut guard = self.inner.lock().expect("lock");
        change(&mut guard.0);
        guard.1.push(call);
        self.changed.notify_all();
        guard.0
    }
}

impl Steer for MockSteer {
    fn pause(&self) -> Result<Status, Refusal> {
        if self.status().state == PlayState::Finished {
            return Err(Refusal("mock: the run has ended".into()));
        }
        Ok(self.record("pause".into(), |s| s.state = PlayState::Paused))
    }

    fn resume(&self) -> Result<Status, Refusal> {
        Ok(self.record("resume".into(), |s| s.state = PlayState::Playing))
    }

    fn seek(&self, seconds: f64) -> Result<Status, Refusal> {
        if seconds > 1000.0 {
            return Err(Refusal("mock refuses seeks past 1000 s".into()));
        }
        Ok(self.record(format!("seek {seconds}"), |s| {
            s.position = seconds.clamp(0.0, s.duration.unwrap_or(f64::MAX));
        }))
    }

    fn set_speed(&self, speed: f64) -> Result<Status, Refusal> {
        let speed = check_speed(speed)?;
        Ok(self.record(format!("speed {speed}"), |s| s.speed = speed))
    }

    fn status(&self) -> Status {
        self.inner.lock().expect("lock").0
    }

    fn stop(&self) {
        self.record("stop".into(), |s| s.state = PlayState::Finished);
    }
}

/// A fresh directory for one test's control socket, removed (with the socket) when
/// dropped.
#[derive(Debug)]
pub(crate) struct SocketDir(player_api::conformance::TempDir);

impl SocketDir {
    pub(crate) fn new() -> SocketDir {
        SocketDir(player_api::conformance::TempDir::new("control"))
    }

    /// The socket's path.
    pub(crate) fn sock(&self) -> std::path::PathBuf {
        self.0.join("control.sock")
    }
}
