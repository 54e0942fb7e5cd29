//! The paced push engine and the [`Player`] that drives it.
//!
//! # Vocabulary (every module of the engine speaks it)
//!
//! * **recording**: an opened file (`player_api::Recording`), checked against the reader
//!   contract;
//! * **stream**: one published outlet and what feeds it: a [`plan::Stream`] before the
//!   start, a [`timing::Playing`] while it plays;
//! * **input**: where a stream's samples come from: a source of a recording
//!   ([`plan::SourceInput`]) or the recording's markers ([`plan::Markers`]);
//! * **prefetch**: the worker thread that reads a source ahead and converts what it reads
//!   into **blocks** ([`prefetch::WireBlock`], about 50 ms of frames in the wire format);
//! * **chunk**: the frames pushed at once (`chunk_size`), due when its last sample is due;
//! * **schedule**: the timing thread's loop ([`timing::run`]) that pushes every stream's
//!   chunks in deadline order.
//!
//! Threads: one prefetch worker per source-fed stream, and one timing thread for all
//! streams (see [`timing`] for the pacing rules). The clock is the output's (LSL's
//! `local_clock`), and every stream shares one t0.

pub mod control;
mod linger;
pub(crate) mod plan;
pub(crate) mod prefetch;
pub mod stats;
pub(crate) mod timing;

use crate::error::{HostError, Result};
use crate::output::Output;
use crate::registry::Registry;
use crate::scenario::{Repeat, Scenario, WaitForConsumers};
use plan::Input;
use serde::Serialize;
pub use stats::StreamStats;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;
use timing::{Playing, Queue};

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
    /// Per-stream statistics, in scenario order.
    pub streams: Vec<StreamStats>,
    /// What the user should know about the run as a whole (e.g. outlets closed before
    /// a lagging consumer had taken everything).
    pub warnings: Vec<String>,
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

/// A way to stop a running [`Player`] from elsewhere (a signal handler, another thread).
#[derive(Debug, Clone)]
pub struct StopHandle(Arc<AtomicBool>);

impl StopHandle {
    /// Asks the player to stop; the run ends within a few milliseconds.
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Replays a scenario: like MNE-LSL's `PlayerLSL`, for many recordings on one clock.
///
/// ```no_run
/// use player_host::{Player, Scenario};
/// let scenario = Scenario::load("examples/demo.yaml".as_ref())?;
/// let mut player = Player::from_scenario(&scenario)?;
/// player.start()?; // returns at once; streams are announced
/// while player.is_running() {
///     std::thread::sleep(std::time::Duration::from_millis(100));
/// }
/// let summary = player.wait()?;
/// println!("{} streams", summary.streams.len());
/// # Ok::<(), player_host::HostError>(())
/// ```
pub struct Player {
    streams: Vec<plan::Stream>,
    warnings: Vec<String>,
    start_delay: f64,
    wait_for_consumers: WaitForConsumers,
    paced: bool,
    repeat: Repeat,
    output: Arc<dyn Output>,
    stop: Arc<AtomicBool>,
    running: Arc<AtomicBool>,
    shared: Arc<Mutex<Vec<StreamStats>>>,
    thread: Option<JoinHandle<Result<Summary>>>,
}

impl std::fmt::Debug for Player {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Player")
            .field("streams", &self.streams)
            .field("running", &self.is_running())
            .finish()
    }
}

impl Player {
    /// Opens every recording of `scenario` with the built-in readers and the plugin
    /// libraries of the scenario's `plugins:` list, ready to start. (The command line
    /// also adds `--plugin-dir` and `PLAYER_PLUGIN_PATH`: build such a [`Registry`] and
    /// use [`with_registry`](Player::with_registry).)
    pub fn from_scenario(scenario: &Scenario) -> Result<Self> {
        let mut registry = Registry::builtin();
        for path in &scenario.plugins {
            registry.add_plugin_path(path);
        }
        let mut player = Self::with_registry(scenario, &registry)?;
        let refused = registry
            .refused()
            .iter()
            .map(|r| format!("plugin {} refused: {}", r.path.display(), r.reason));
        player.warnings.splice(0..0, refused);
        Ok(player)
    }

    /// Like [`from_scenario`](Player::from_scenario), with the readers of `registry`
    /// (the scenario's `plugins:` are not added, and the registry's refused libraries
    /// are the caller's to report).
    pub fn with_registry(scenario: &Scenario, registry: &Registry) -> Result<Self> {
        scenario.check()?;
        let plan = plan::build(scenario, registry)?;
        Ok(Player {
            streams: plan.streams,
            warnings: plan.warnings,
            start_delay: scenario.start_delay,
            wait_for_consumers: scenario.wait_for_consumers,
            repeat: scenario.repeat,
            output: Arc::new(crate::lsl::LslOutput::default()),
            stop: Arc::new(AtomicBool::new(false)),
            paced: true,
            running: Arc::new(AtomicBool::new(false)),
            shared: Arc::new(Mutex::new(Vec::new())),
            thread: None,
        })
    }

    /// Pushes every chunk as soon as it is read, ignoring time: for checking that files
    /// decode (with a [`NullOutput`](crate::NullOutput)); lateness is then not measured.
    pub fn unpaced(mut self) -> Self {
        self.paced = false;
        self
    }

    /// Publishes to `output` instead of LSL (e.g. [`NullOutput`](crate::NullOutput)).
    pub fn with_output(mut self, output: Arc<dyn Output>) -> Self {
        self.output = output;
        self
    }

    /// The names of the streams that will be published, in order.
    pub fn stream_names(&self) -> Vec<&str> {
        self.streams.iter().map(|s| s.spec.name.as_str()).collect()
    }

    /// Notes for the user gathered while opening (annotations left out, ...).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// A handle that stops this player from another thread.
    pub fn stop_handle(&self) -> StopHandle {
        StopHandle(self.stop.clone())
    }

    /// Creates the outlets and starts playing in the background; returns at once.
    pub fn start(&mut self) -> Result<()> {
        if self.thread.is_some() {
            return Err(HostError::config("the player was already started"));
        }
        let mut runs = Vec::with_capacity(self.streams.len());
        for stream in std::mem::take(&mut self.streams) {
            let outlet = self.output.create(&stream.spec)?;
            let name = &stream.spec.name;
            let queue = match stream.input {
                Input::Source(input) => {
                    let prefetch = prefetch::spawn(name, input, self.repeat, self.stop.clone())
                        .map_err(|e| HostError::Io {
                            what: format!("starting the prefetch thread of stream {name:?}"),
                            source: e,
                        })?;
                    Queue::Prefetched {
                        prefetch,
                        current: None,
                    }
                }
                Input::Markers(m) => Queue::markers(m, self.repeat),
            };
            runs.push(Playing {
                outlet,
                base: stream.offset, // made absolute once t0 is known
                counter: stats::StreamCounter::new(name),
                queue,
                done: false,
                starved_since: None,
            });
        }
        let ctx = RunContext {
            output: self.output.clone(),
            stop: self.stop.clone(),
            running: self.running.clone(),
            shared: self.shared.clone(),
            start_delay: self.start_delay,
            wait_for_consumers: self.wait_for_consumers,
            paced: self.paced,
        };
        self.running.store(true, Ordering::SeqCst);
        let thread = std::thread::Builder::new()
            .name("player timing".into())
            .spawn(move || ctx.run(runs))
            .map_err(|e| HostError::Io {
                what: "starting the timing thread".into(),
                source: e,
            })?;
        self.thread = Some(thread);
        Ok(())
    }

    /// Whether the player is playing (or waiting to start).
    pub fn is_running(&self) -> bool {
        self.running.load(Ordering::SeqCst)
    }

    /// Asks the player to stop; [`wait`](Player::wait) then returns promptly.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// Statistics of every stream so far (refreshed about every 100 ms while playing).
    pub fn stats(&self) -> Vec<StreamStats> {
        self.shared.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Waits for the end of the run and returns its summary. Streams that failed are listed
    /// in [`Summary::failures`]; an error is returned only when the run could not happen
    /// (e.g. no consumer within the `wait_for_consumers` timeout).
    pub fn wait(&mut self) -> Result<Summary> {
        let thread = self
            .thread
            .take()
            .ok_or_else(|| HostError::config("the player was not started"))?;
        thread
            .join()
            .map_err(|_| HostError::config("the timing thread panicked"))?
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        self.stop();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct RunContext {
    output: Arc<dyn Output>,
    stop: Arc<AtomicBool>,
    running: Arc<AtomicBool>,
    shared: Arc<Mutex<Vec<StreamStats>>>,
    start_delay: f64,
    wait_for_consumers: WaitForConsumers,
    paced: bool,
}

impl RunContext {
    fn run(self, mut streams: Vec<Playing>) -> Result<Summary> {
        let mut result = self.play(&mut streams);
        if let Ok(summary) = result.as_mut() {
            // Keep the outlets until their consumers have taken the last chunks.
            let outlets: Vec<(&str, &dyn crate::output::Outlet)> = streams
                .iter()
                .map(|l| (l.counter.stats.name.as_str(), l.outlet.as_ref()))
                .collect();
            let linger = if summary.interrupted {
                crate::output::Linger::NONE
            } else {
                self.output.linger()
            };
            summary
                .warnings
                .extend(linger::until_delivered(&outlets, linger, &self.stop));
        }
        self.running.store(false, Ordering::SeqCst);
        // Outlets are released here, before the caller prints the summary.
        drop(streams);
        result
    }

    fn play(&self, streams: &mut [Playing]) -> Result<Summary> {
        let output = self.output.clone();
        let clock = move || output.now();
        let interrupted = || self.stop.load(Ordering::SeqCst);
        let summary = |streams: &[Playing], t0: Option<f64>, end: f64| Summary {
            t0,
            wall_seconds: t0.map_or(0.0, |t| (end - t).max(0.0)),
            interrupted: interrupted(),
            streams: streams.iter().map(|l| l.counter.snapshot()).collect(),
            warnings: Vec::new(),
        };
        if !self.wait_for_consumers(streams, &clock)? {
            return Ok(summary(streams, None, clock()));
        }
        let t0 = clock() + self.start_delay;
        for stream in streams.iter_mut() {
            stream.base += t0;
        }
        timing::run(streams, &clock, &self.stop, &self.shared, self.paced);
        Ok(summary(streams, Some(t0), clock()))
    }

    /// Waits until every outlet has a consumer; `false` if stopped meanwhile.
    fn wait_for_consumers(&self, streams: &[Playing], clock: &dyn Fn() -> f64) -> Result<bool> {
        let deadline = match self.wait_for_consumers {
            WaitForConsumers::No => return Ok(true),
            WaitForConsumers::Forever => f64::INFINITY,
            WaitForConsumers::Timeout(s) => clock() + s,
        };
        loop {
            if self.stop.load(Ordering::SeqCst) {
                return Ok(false);
            }
            if streams.iter().all(|l| l.outlet.have_consumers()) {
                return Ok(true);
            }
            if clock() > deadline {
                let missing: Vec<&str> = streams
                    .iter()
                    .filter(|l| !l.outlet.have_consumers())
                    .map(|l| l.counter.stats.name.as_str())
                    .collect();
                return Err(HostError::config(format!(
                    "no consumer connected within the wait_for_consumers timeout for: {}",
                    missing.join(", ")
                )));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}
