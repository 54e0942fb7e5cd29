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
//! * **prefetch**: the worker that reads a source ahead and converts what it reads into
//!   **blocks** ([`prefetch::WireBlock`], about 50 ms of frames in the wire format);
//! * **chunk**: the frames pushed at once (`chunk_size`), due when its last sample is due;
//! * **schedule**: the timing thread's loop ([`timing::run`]) that pushes every stream's
//!   chunks in deadline order;
//! * **chores**: what the timing thread does besides pushing (giving spent blocks back to
//!   the prefetch workers, taking their next blocks ahead, refreshing the statistics), in
//!   the time it has to spare before the next push.
//!
//! Threads: one timing thread for all streams (see [`timing`] for the pacing rules), and
//! one `pool` of about as many threads as cores for the prefetch workers of all
//! streams (more only while a reader is stuck in a call). The clock is the output's (LSL's
//! `local_clock`), and every stream shares one t0.

mod agenda;
mod apply;
pub mod control;
pub mod crop;
pub mod faults;
mod linger;
mod outlets;
mod picks;
pub(crate) mod plan;
mod playing;
mod pool;
pub(crate) mod prefetch;
mod punctual;
pub mod stats;
pub mod steering;
pub mod summary;
mod timeline;
pub(crate) mod timing;
mod warm;

use crate::error::{HostError, Result};
use crate::plugins::registry::Registry;
use crate::scenario::{Repeat, Scenario, WaitFor, WaitForConsumers};
use crate::transport::Output;
use plan::Input;
use playing::{Playing, Queue};
use serde::Serialize;
pub use stats::StreamStats;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
pub use summary::{StopCause, StopHandle, Summary};

/// Replays a scenario: like MNE-LSL's `PlayerLSL`, for many recordings on one clock.
/// Opened by a [`Session`](crate::Session) (or [`from_scenario`](Player::from_scenario),
/// its shortest form).
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
    stop: StopHandle,
    running: Arc<AtomicBool>,
    shared: Arc<Mutex<Vec<StreamStats>>>,
    steering: Arc<steering::Shared>,
    /// The name of the control-events stream, when asked for.
    control_events: Option<String>,
    /// A fixed t0 on the output's clock (several hosts starting together), instead of
    /// "now + start delay".
    t0_at: Option<f64>,
    phase: Arc<Mutex<Phase>>,
    thread: Option<JoinHandle<Result<Summary>>>,
    /// What lives as long as the player (the control socket a session serves for it).
    companions: Vec<Box<dyn Send>>,
    /// Where the injected faults are recorded (and written, with `--faults-log`).
    faults_log: Arc<faults::record::FaultLog>,
}

/// What one stream will publish and how (`--dry-run`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StreamPlan {
    /// The LSL name.
    pub name: String,
    /// The LSL content type.
    pub content_type: String,
    /// Channels per sample.
    pub channels: usize,
    /// Samples per second; 0 for irregular streams.
    pub rate: f64,
    /// The channel format on the wire (`float32`, `float64`, `int16`, `string`, ...).
    pub format: String,
    /// Seconds of one pass, when known.
    pub duration: Option<f64>,
    /// For an annotation stream, the number of markers per pass.
    pub markers: Option<usize>,
    /// Seconds after t0 of the first sample.
    pub offset: f64,
    /// Frames per push.
    pub chunk_size: usize,
}

impl StreamPlan {
    fn of(stream: &plan::Stream) -> Self {
        let (markers, chunk_size) = match &stream.input {
            Input::Source(s) => (None, s.chunk_size),
            Input::Markers(m) => (Some(m.events.len()), 1),
        };
        StreamPlan {
            name: stream.spec.name.clone(),
            content_type: stream.spec.content_type.clone(),
            channels: stream.spec.channels.len(),
            rate: stream.spec.nominal_rate,
            // The words of --format (`float64`, not LSL's `double64`).
            format: format!("{:?}", stream.spec.format).to_lowercase(),
            duration: stream.period(),
            markers,
            offset: stream.offset,
            chunk_size,
        }
    }
}

/// What a started [`Player`] is doing before it plays, for status lines
/// ([`Player::phase`]): the detail behind [`PlayState`](control::PlayState)'s `Starting`
/// and `Waiting` (which streams still lack a consumer, when t0 comes). The state itself
/// is the [`Steer::status`](control::Steer::status) one; once the clock runs, that status
/// (position, pass, speed, paused) is all there is to say.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Phase {
    /// Not started yet, or creating the outlets.
    #[default]
    Starting,
    /// Waiting for consumers (`wait_for_consumers`): these streams have none yet.
    WaitingForConsumers(Vec<String>),
    /// The clock runs: t0 (the first samples' time, before offsets) is at this instant,
    /// in the future during the start delay.
    Playing {
        /// When t0 is.
        t0: Instant,
    },
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
    /// libraries of the scenario's `plugins:`, ready to start: a [`Session`](crate::Session)
    /// with nothing added (and `PLAYER_PLUGIN_PATH` not read). A scenario's `start_at:`
    /// sets t0.
    pub fn from_scenario(scenario: &Scenario) -> Result<Self> {
        crate::Session::new(scenario.clone())
            .plugin_path_env(false)
            .open()
    }

    /// The player of `scenario` with the readers of `registry` (checked, every recording
    /// opened); the [`Session`](crate::Session) sets the rest.
    pub(crate) fn with_registry(scenario: &Scenario, registry: &Registry) -> Result<Self> {
        scenario.check()?;
        let plan = plan::build(scenario, registry)?;
        let stop = StopHandle::new();
        let passes = match scenario.repeat {
            Repeat::Times(n) => Some(n),
            Repeat::Forever => None,
        };
        let steering = Arc::new(steering::Shared::new(
            stop.clone(),
            scenario_duration(&plan.streams),
            passes,
        ));
        Ok(Player {
            streams: plan.streams,
            warnings: plan.warnings,
            start_delay: scenario.start_delay,
            wait_for_consumers: scenario.wait_for_consumers,
            repeat: scenario.repeat,
            output: Arc::new(crate::transport::lsl::LslOutput::default()),
            stop,
            steering,
            control_events: None,
            t0_at: None,
            phase: Arc::new(Mutex::new(Phase::Starting)),
            paced: true,
            running: Arc::new(AtomicBool::new(false)),
            shared: Arc::new(Mutex::new(Vec::new())),
            thread: None,
            companions: Vec::new(),
            faults_log: faults::new_log(None),
        })
    }

    /// Puts `warnings` (about the readers) before the player's own.
    pub(crate) fn with_warnings_first(mut self, warnings: Vec<String>) -> Self {
        self.warnings.splice(0..0, warnings);
        self
    }

    /// Keeps `companion` (e.g. the control socket served for this player) for as long as
    /// the player; it is dropped after the run.
    pub(crate) fn with_companion(mut self, companion: Box<dyn Send>) -> Self {
        self.companions.push(companion);
        self
    }

    /// Pushes every chunk as soon as it is read, ignoring time: for checking that files
    /// decode (with a [`NullOutput`](crate::NullOutput)); lateness is then not measured.
    pub(crate) fn unpaced(mut self) -> Self {
        self.paced = false;
        self
    }

    /// Writes every injected fault to `writer` as a JSON line (`--faults-log`).
    pub(crate) fn with_faults_log(mut self, writer: Box<dyn std::io::Write + Send>) -> Self {
        self.faults_log = faults::new_log(Some(writer));
        self
    }

    /// Publishes to `output` instead of LSL (e.g. [`NullOutput`](crate::NullOutput)).
    pub(crate) fn with_output(mut self, output: Arc<dyn Output>) -> Self {
        self.output = output;
        self
    }

    /// The names of the streams that will be published, in order.
    pub fn stream_names(&self) -> Vec<&str> {
        self.streams.iter().map(|s| s.spec.name.as_str()).collect()
    }

    /// What each stream will publish and how, in order (before [`start`](Player::start)).
    pub fn plans(&self) -> Vec<StreamPlan> {
        self.streams.iter().map(StreamPlan::of).collect()
    }

    /// What the player is doing before it plays: waiting for consumers (on which
    /// streams), counting down the start delay.
    pub fn phase(&self) -> Phase {
        self.phase.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// Notes for the user gathered while opening (annotations left out, ...).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Publishes what the user does while playing (pause, resume, seek, speed, with the
    /// position) as the irregular string stream `name` (e.g. `NAME-player`).
    pub(crate) fn with_control_events(mut self, name: impl Into<String>) -> Self {
        self.control_events = Some(name.into());
        self
    }

    /// Makes t0 the given value of the output's clock (LSL's `local_clock`), e.g. the
    /// value of a wall-clock instant shared by several hosts
    /// ([`StartAt::lsl_t0`](crate::StartAt::lsl_t0)), instead of the start plus the start
    /// delay.
    pub(crate) fn with_t0_at(mut self, t0: f64) -> Self {
        self.t0_at = Some(t0);
        self
    }

    /// A handle that steers this player from any thread (pause, resume, seek, speed,
    /// status: see [`Steer`](control::Steer)).
    pub fn controller(&self) -> steering::Controller {
        steering::Controller::new(self.steering.clone())
    }

    /// A handle that stops this player from another thread (and says why).
    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// Creates the outlets and starts playing in the background; returns at once.
    pub fn start(&mut self) -> Result<()> {
        if self.thread.is_some() {
            return Err(HostError::Player("the player was already started".into()));
        }
        let events_spec = self.control_events.as_deref().map(control_events_spec);
        self.output
            .prepare(&outlet_plans(&self.streams, events_spec.as_ref()))?;
        let specs: Vec<&crate::transport::OutletSpec> = (self.streams.iter().map(|s| &s.spec))
            .chain(events_spec.as_ref())
            .collect();
        let mut outlets = outlets::create_all(self.output.as_ref(), &specs, self.stop.flag())?;
        drop(specs);
        // Stopped while starting (Ctrl-C during the outlets' creation): fewer outlets, and
        // only the streams that have one play (the run then ends at once).
        let events = match events_spec {
            Some(_) if outlets.len() > self.streams.len() => outlets.pop(),
            _ => None,
        };
        let mut runs = Vec::with_capacity(self.streams.len());
        let mut data = Vec::with_capacity(self.streams.len());
        let pool = pool::Pool::for_this_machine("prefetch");
        for (i, (stream, outlet)) in std::mem::take(&mut self.streams)
            .into_iter()
            .zip(outlets)
            .enumerate()
        {
            data.push(is_data(&stream));
            let name = &stream.spec.name;
            let queue = match stream.input {
                Input::Source(input) => {
                    let prefetch =
                        prefetch::start(&pool, input, self.repeat, self.stop.flag().clone())
                            .map_err(|e| HostError::Io {
                                what: format!("starting the prefetch of stream {name:?}"),
                                source: e,
                            })?;
                    Queue::Prefetched {
                        prefetch,
                        current: None,
                    }
                }
                Input::Markers(m) => Queue::markers(m, self.repeat),
            };
            let rate = stream.spec.nominal_rate;
            let mut playing = Playing::new(outlet, stream.offset, rate, queue, name);
            if let (Some(plan), Queue::Prefetched { prefetch, .. }) =
                (stream.faults, &playing.queue)
            {
                let (output, log) = (self.output.clone(), self.faults_log.clone());
                let injector =
                    faults::Injector::new(plan, &stream.spec, i, prefetch.chunk_size, output, log)?;
                playing.faults = Some(Box::new(injector));
            }
            runs.push(playing);
        }
        let ctx = RunContext {
            output: self.output.clone(),
            stop: self.stop.clone(),
            running: self.running.clone(),
            shared: self.shared.clone(),
            steering: self.steering.clone(),
            events,
            t0_at: self.t0_at,
            start_delay: self.start_delay,
            wait_for_consumers: self.wait_for_consumers,
            data,
            phase: self.phase.clone(),
            paced: self.paced,
            faults_log: self.faults_log.clone(),
            _pool: pool,
        };
        self.running.store(true, Ordering::SeqCst);
        self.steering.set_waiting();
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

    /// Asks the player to stop (on purpose: [`StopCause::Request`]);
    /// [`wait`](Player::wait) then returns promptly.
    pub fn stop(&self) {
        self.stop.stop();
        self.steering.wake();
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
            .ok_or_else(|| HostError::Player("the player was not started".into()))?;
        thread
            .join()
            .map_err(|_| HostError::Player("the timing thread panicked".into()))?
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
    stop: StopHandle,
    running: Arc<AtomicBool>,
    shared: Arc<Mutex<Vec<StreamStats>>>,
    steering: Arc<steering::Shared>,
    /// The control-events outlet, when asked for.
    events: Option<Box<dyn crate::transport::Outlet>>,
    t0_at: Option<f64>,
    start_delay: f64,
    wait_for_consumers: WaitForConsumers,
    /// Per stream: whether it is a data stream (not markers).
    data: Vec<bool>,
    phase: Arc<Mutex<Phase>>,
    paced: bool,
    faults_log: Arc<faults::record::FaultLog>,
    /// The prefetch workers' threads, for as long as the run (dropping it ends them).
    _pool: pool::Pool,
}

/// Whether a stream carries data (not annotations, not a text marker stream): marker
/// streams never hold the start back when waiting for the data streams' consumers.
fn is_data(stream: &plan::Stream) -> bool {
    matches!(stream.input, Input::Source(_))
        && stream.spec.format != crate::transport::WireFormat::String
}

impl RunContext {
    fn run(mut self, mut streams: Vec<Playing>) -> Result<Summary> {
        let mut result = self.play(&mut streams);
        self.steering.finish();
        if let Ok(summary) = result.as_mut() {
            // Keep the outlets until their consumers have taken the last chunks.
            let outlets: Vec<(&str, &dyn crate::transport::Outlet)> = streams
                .iter()
                .map(|l| (l.counter.stats.name.as_str(), l.outlet.as_ref()))
                .collect();
            let linger = if summary.interrupted {
                crate::transport::Linger::NONE
            } else {
                self.output.linger()
            };
            let census = || self.output.census();
            summary.warnings.extend(linger::until_delivered(
                &outlets,
                linger,
                self.stop.flag(),
                &census,
            ));
        }
        self.running.store(false, Ordering::SeqCst);
        // Outlets are released here, before the caller prints the summary.
        linger::release(streams);
        result
    }

    fn play(&mut self, streams: &mut [Playing]) -> Result<Summary> {
        let output = self.output.clone();
        let clock = move || output.now();
        let interrupted = || self.stop.flag().load(Ordering::SeqCst);
        let summary = |streams: &[Playing], t0: Option<f64>, end: f64| Summary {
            t0,
            wall_seconds: t0.map_or(0.0, |t| (end - t).max(0.0)),
            interrupted: interrupted(),
            stopped_by: self.stop.cause().filter(|_| interrupted()),
            streams: streams.iter().map(|l| l.counter.snapshot()).collect(),
            warnings: Vec::new(),
            faults: Vec::new(),
        };
        if !self.wait_for_consumers(streams, &clock)? {
            return Ok(summary(streams, None, clock()));
        }
        timing::prime(streams, &clock, self.stop.flag());
        let now = clock();
        let t0 = self.t0_at.unwrap_or(now + self.start_delay);
        // At most ~30 years ahead: an absurd --start-delay must not overflow `Instant`.
        let delay = Duration::from_secs_f64((t0 - now).clamp(0.0, 1e9));
        self.set_phase(Phase::Playing {
            t0: Instant::now() + delay,
        });
        let mut events = self.events.take();
        let mut publish_event = |text: &str, now: f64| {
            if let Some(outlet) = events.as_mut() {
                let _ = outlet.push(
                    crate::transport::Values::Text(std::slice::from_ref(&text.to_string())),
                    &[now],
                );
            }
        };
        let steering = self.steering.clone();
        let schedule = timing::Schedule {
            clock: &clock,
            stop: self.stop.flag(),
            stats: &self.shared,
            steering: &steering,
            paced: self.paced,
            events: Some(&mut publish_event),
        };
        timing::run(streams, t0, schedule);
        let mut done = summary(streams, Some(t0), clock());
        (done.faults, done.warnings) = faults::take_records(&self.faults_log);
        Ok(done)
    }

    fn set_phase(&self, phase: Phase) {
        if let Ok(mut p) = self.phase.lock() {
            *p = phase;
        }
    }

    /// Waits until the streams that `wait_for_consumers` names have a consumer (every
    /// data stream by default: marker streams never hold the start back; all streams if
    /// there are only marker streams); `false` if stopped meanwhile. The streams still
    /// without a consumer are published as the [`Phase`].
    fn wait_for_consumers(&self, streams: &[Playing], clock: &dyn Fn() -> f64) -> Result<bool> {
        let (which, timeout) = match self.wait_for_consumers {
            WaitForConsumers::No => return Ok(true),
            WaitForConsumers::Wait { streams, timeout } => (streams, timeout),
        };
        let deadline = clock() + timeout.unwrap_or(f64::INFINITY);
        let any_data = self.data.iter().any(|&d| d);
        let counted: Vec<&Playing> = streams
            .iter()
            .zip(&self.data)
            .filter(|(_, &data)| which != WaitFor::Data || data || !any_data)
            .map(|(s, _)| s)
            .collect();
        loop {
            if self.stop.flag().load(Ordering::SeqCst) {
                return Ok(false);
            }
            let missing: Vec<String> = counted
                .iter()
                .filter(|s| !s.outlet.have_consumers())
                .map(|s| s.counter.stats.name.clone())
                .collect();
            let ready = match which {
                WaitFor::Any => missing.len() < counted.len() || counted.is_empty(),
                WaitFor::Data | WaitFor::All => missing.is_empty(),
            };
            if ready {
                return Ok(true);
            }
            if clock() > deadline {
                return Err(HostError::NoConsumers {
                    streams: missing,
                    timeout: timeout.unwrap_or(f64::INFINITY),
                    markers_too: which == WaitFor::All && any_data,
                });
            }
            self.set_phase(Phase::WaitingForConsumers(missing));
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// The duration of one pass of a scenario: the latest end (offset + pass duration) of
/// its streams, when every stream's is known.
fn scenario_duration(streams: &[plan::Stream]) -> Option<f64> {
    streams
        .iter()
        .try_fold(0.0f64, |end, s| s.period().map(|p| end.max(s.offset + p)))
}

/// Every outlet a run creates, with its frames per push: the streams', then the
/// control-events stream's, if any.
fn outlet_plans<'a>(
    streams: &'a [plan::Stream],
    events: Option<&'a crate::transport::OutletSpec>,
) -> Vec<crate::transport::OutletPlan<'a>> {
    let plan = |spec, chunk_size| crate::transport::OutletPlan { spec, chunk_size };
    streams
        .iter()
        .map(|s| match &s.input {
            Input::Source(input) => plan(&s.spec, input.chunk_size),
            Input::Markers(_) => plan(&s.spec, 1),
        })
        .chain(events.map(|spec| plan(spec, 1)))
        .collect()
}

/// The outlet of the control-events stream `name`.
fn control_events_spec(name: &str) -> crate::transport::OutletSpec {
    crate::transport::OutletSpec {
        name: name.to_string(),
        content_type: "Markers".to_string(),
        source_id: format!("player-host:{name}"),
        nominal_rate: 0.0,
        channels: vec![player_api::ChannelInfo::new("event", "marker", "")],
        format: crate::transport::WireFormat::String,
        provenance: vec![
            ("host".to_string(), "player-host".to_string()),
            (
                "host_version".to_string(),
                env!("CARGO_PKG_VERSION").to_string(),
            ),
        ],
        desc_xml: None,
    }
}
