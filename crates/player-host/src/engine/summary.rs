//! How a run ended: the [`Summary`] of what it did, and the stop it may have been given
//! ([`StopHandle`], [`StopCause`]).

use super::stats::StreamStats;
use serde::Serialize;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Arc;

/// Why a run was stopped before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StopCause {
    /// Asked for on purpose: [`Steer::stop`](super::control::Steer::stop) (`ctl stop`,
    /// the control socket, the `q` key), [`Player::stop`](super::Player::stop),
    /// [`StopHandle::stop`], Python's `stop()`.
    Request,
    /// A signal, as the program that caught it reported it
    /// ([`StopHandle::stop_for_signal`]).
    Signal(i32),
}

/// What a finished (or stopped) run did.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The shared clock value of every stream's first sample (before offsets), if the run
    /// got that far.
    pub t0: Option<f64>,
    /// Seconds from t0 to the end of the run.
    pub wall_seconds: f64,
    /// Whether the run was stopped before the end.
    pub interrupted: bool,
    /// Why it was stopped, when it was (`"request"` or `{"signal": N}` in JSON).
    pub stopped_by: Option<StopCause>,
    /// Per-stream statistics, in scenario order.
    pub streams: Vec<StreamStats>,
    /// What the user should know about the run as a whole (e.g. outlets closed before
    /// a lagging consumer had taken everything).
    pub warnings: Vec<String>,
    /// Every fault injected (`faults:`), in the order they happened (docs/faults.md).
    pub faults: Vec<super::faults::FaultRecord>,
}

impl Summary {
    /// The streams that failed, with their messages.
    pub fn failures(&self) -> Vec<(&str, &str)> {
        self.streams
            .iter()
            .filter_map(|s| s.error.as_deref().map(|e| (s.name.as_str(), e)))
            .collect()
    }
}

/// [`StopHandle`]'s cause codes: none yet, a request, else the signal's number.
const NOT_STOPPED: i32 = 0;
const BY_REQUEST: i32 = -1;

/// A way to stop a running [`Player`](super::Player) from elsewhere (another thread, a
/// signal handler, a controller), remembering why: the first stop's cause is kept.
#[derive(Debug, Clone)]
pub struct StopHandle {
    flag: Arc<AtomicBool>,
    cause: Arc<AtomicI32>,
}

impl StopHandle {
    /// A handle of a run not stopped yet.
    pub(crate) fn new() -> Self {
        StopHandle {
            flag: Arc::new(AtomicBool::new(false)),
            cause: Arc::new(AtomicI32::new(NOT_STOPPED)),
        }
    }

    /// The flag every part of the run watches.
    pub(crate) fn flag(&self) -> &Arc<AtomicBool> {
        &self.flag
    }

    /// Asks the player to stop, on purpose ([`StopCause::Request`]); the run ends within
    /// a few milliseconds.
    pub fn stop(&self) {
        self.stop_because(BY_REQUEST);
    }

    /// Asks the player to stop because the program received `signal` (a number above 0,
    /// e.g. 2 for SIGINT): [`StopCause::Signal`].
    pub fn stop_for_signal(&self, signal: i32) {
        self.stop_because(signal.max(1));
    }

    fn stop_because(&self, code: i32) {
        let _ = self
            .cause
            .compare_exchange(NOT_STOPPED, code, Ordering::SeqCst, Ordering::SeqCst);
        self.flag.store(true, Ordering::SeqCst);
    }

    /// Why the run was stopped, if it was.
    pub fn cause(&self) -> Option<StopCause> {
        match self.cause.load(Ordering::SeqCst) {
            NOT_STOPPED => None,
            BY_REQUEST => Some(StopCause::Request),
            signal => Some(StopCause::Signal(signal)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_stop_says_why() {
        let handle = StopHandle::new();
        assert_eq!(handle.cause(), None);
        handle.stop_for_signal(15);
        handle.stop();
        assert!(handle.flag().load(Ordering::SeqCst));
        assert_eq!(handle.cause(), Some(StopCause::Signal(15)));
        let json = serde_json::to_string(&handle.cause()).expect("json");
        assert_eq!(json, r#"{"signal":15}"#);
        let by_request = StopHandle::new();
        by_request.clone().stop();
        assert_eq!(by_request.cause(), Some(StopCause::Request));
        assert_eq!(
            serde_json::to_string(&by_request.cause()).expect("json"),
            r#""request""#
        );
    }
}
