//! An output that records every push (values, timestamps, and the clock when it was
//! pushed), for tests that check the engine on every pushed value and timestamp: the same
//! engine as LSL (`OutputChoice::Custom`); the e2e tests check the wire.

use player_host::output::{Outlet, OutletSpec, Output, Values};
use player_host::{OutputChoice, Player, Scenario, Session};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// One push of one stream.
#[derive(Debug, Clone)]
pub struct Push {
    /// Every value, channel by channel then frame by frame: numbers as `f64::to_string`.
    pub values: Vec<String>,
    /// One timestamp per frame.
    pub stamps: Vec<f64>,
    /// The output's clock when the push was made.
    pub at: f64,
}

/// Every push of every stream: stream name → pushes, in order.
pub type Log = Arc<Mutex<BTreeMap<String, Vec<Push>>>>;

/// An output that records every push in its [`Log`], on LSL's clock; its outlets have
/// consumers once `consumers` is set.
pub struct Recorder {
    pub log: Log,
    pub consumers: Arc<AtomicBool>,
}

impl Recorder {
    /// A recorder into `log` whose outlets always have consumers.
    pub fn new(log: &Log) -> Self {
        Recorder {
            log: log.clone(),
            consumers: Arc::new(AtomicBool::new(true)),
        }
    }
}

struct RecordingOutlet {
    name: String,
    log: Log,
    consumers: Arc<AtomicBool>,
}

impl Outlet for RecordingOutlet {
    fn push(&mut self, values: Values<'_>, stamps: &[f64]) -> player_host::Result<()> {
        let at = player_host::local_clock();
        let values: Vec<String> = match values {
            Values::F32(v) => v.iter().map(|x| x.to_string()).collect(),
            Values::F64(v) => v.iter().map(|x| x.to_string()).collect(),
            Values::Text(v) => v.to_vec(),
            _ => unreachable!("not used by these tests"),
        };
        let mut log = self.log.lock().unwrap();
        log.entry(self.name.clone()).or_default().push(Push {
            values,
            stamps: stamps.to_vec(),
            at,
        });
        Ok(())
    }
    fn have_consumers(&self) -> bool {
        self.consumers.load(Ordering::SeqCst)
    }
}

impl Output for Recorder {
    fn create(&self, spec: &OutletSpec) -> player_host::Result<Box<dyn Outlet>> {
        Ok(Box::new(RecordingOutlet {
            name: spec.name.clone(),
            log: self.log.clone(),
            consumers: self.consumers.clone(),
        }))
    }
    fn now(&self) -> f64 {
        player_host::local_clock()
    }
}

/// The session of `scenario`, its pushes recorded by `recorder`.
pub fn session_into(scenario: &Scenario, recorder: Recorder) -> Session {
    Session::new(scenario.clone())
        .plugin_path_env(false)
        .output(OutputChoice::Custom(Arc::new(recorder)))
}

/// The session of `scenario`, its pushes recorded in `log`.
pub fn recording_session(scenario: &Scenario, log: &Log) -> Session {
    session_into(scenario, Recorder::new(log))
}

/// The player of `scenario`, its pushes recorded in `log`.
pub fn recorded(scenario: &Scenario, log: &Log) -> Player {
    recording_session(scenario, log).open().unwrap()
}

/// Every value and timestamp pushed for stream `name`, in order.
pub fn pushed(log: &Log, name: &str) -> (Vec<String>, Vec<f64>) {
    let log = log.lock().unwrap();
    let mut values = Vec::new();
    let mut stamps = Vec::new();
    for push in log.get(name).map(Vec::as_slice).unwrap_or_default() {
        values.extend_from_slice(&push.values);
        stamps.extend_from_slice(&push.stamps);
    }
    (values, stamps)
}
