//! Fault injection (docs/faults.md): what real devices and networks do to a stream, done
//! by the engine to a stream's pushes and timestamps, exactly and deterministically, and
//! recorded ([`FaultRecord`]).
//!
//! # Vocabulary
//!
//! * **plan** ([`FaultPlan`]): a stream's `faults:` with its channel picks resolved, made
//!   when the recordings open (`setup`);
//! * **injector** ([`Injector`]): the faults of one playing stream, and what they are in
//!   the middle of (a drop, an outage, a channel fault's window, a stall);
//! * **position** of a sample: seconds of the replay timeline at which it lies (`offset +
//!   k / (rate × (1 + ppm × 1e-6))`); fault windows (`at`, `for`) are positions, so that
//!   they pause, seek and change speed with the replay;
//! * **natural stamp**: the time the timing model gives a sample (drift included), before
//!   the clock faults shift it;
//! * **draw**: a random number, a pure function of the seed, the stream and what it is
//!   for ([`rng`]): chunks are drawn by their first sample's index.
//!
//! The rules: a drop, an outage or a stall never makes anything early (jitter and stalls
//! only move deadlines later); clock faults move timestamps, not pushes; a sample lost
//! is counted by exactly one record (an outage before a drop); channel faults change the
//! values of the samples whose position lies in their window.

pub(crate) mod push;
pub mod record;
mod rng;
pub(crate) mod setup;
mod values;

use super::timeline::Timeline;
use crate::scenario::faults::Faults;
use crate::transport::{Outlet, OutletSpec, Output, Samples};
use record::FaultLog;
pub use record::{FaultKind, FaultRecord};
use rng::{Draws, Purpose};
pub(crate) use setup::FaultPlan;
use std::sync::Arc;

/// The most stall windows drawn for a stream (a day of stalls every 0.1 s): later
/// positions have none.
const MAX_STALLS: usize = 1 << 20;

/// The faults of one playing stream, and what they are in the middle of.
pub(crate) struct Injector {
    /// The stream's name, for the records.
    name: String,
    plan: FaultPlan,
    draws: Draws,
    /// `1 + ppm × 1e-6`: the stream's times are its recorded times divided by it.
    pub(crate) scale: f64,
    /// Frames per chunk (a drop's default length).
    chunk_size: u64,
    /// Stall windows drawn so far (positions), in order.
    stalls: Vec<(f64, f64)>,
    /// Samples before this index are dropped (a drop in progress).
    drop_until: u64,
    /// Open records: a drop, an outage, each channel fault's window, a stall (its index).
    open_drop: Option<FaultRecord>,
    down: Option<FaultRecord>,
    open_channels: Vec<Option<FaultRecord>>,
    open_stall: Option<(usize, FaultRecord)>,
    /// Per channel fault, the values held (flat).
    held: Vec<Vec<f64>>,
    /// The last sample's values (for flat), when a flat fault exists and a sample came.
    last_values: Option<Vec<f64>>,
    offset_logged: bool,
    /// Clock jumps (sorted by `at`) already in force at the last sample.
    jumps_active: usize,
    /// To create the outlet again after an outage.
    output: Arc<dyn Output>,
    spec: OutletSpec,
    log: Arc<FaultLog>,
    /// The `NAME-faults` outlet, when asked for.
    faults_outlet: Option<Box<dyn Outlet>>,
    /// What is about to be pushed.
    scratch: Samples,
    scratch_stamps: Vec<f64>,
    edits: Vec<(usize, values::Edit)>,
}

impl Injector {
    /// The injector of stream number `index` (published as `spec`) with `plan`; creates
    /// its `NAME-faults` outlet when asked for.
    pub(crate) fn new(
        mut plan: FaultPlan,
        spec: &OutletSpec,
        index: usize,
        chunk_size: usize,
        output: Arc<dyn Output>,
        log: Arc<FaultLog>,
    ) -> crate::error::Result<Self> {
        let faults_outlet = match plan.faults.faults_stream {
            true => Some(output.create(&super::control_events_spec(&format!(
                "{}-faults",
                spec.name
            )))?),
            false => None,
        };
        let rules = plan.rules.len();
        (plan.faults.clock_jump).sort_by(|a, b| a.at.total_cmp(&b.at));
        Ok(Injector {
            name: spec.name.clone(),
            draws: Draws::new(plan.faults.seed, index as u64),
            scale: 1.0 + plan.faults.drift_ppm * 1e-6,
            chunk_size: chunk_size as u64,
            plan,
            stalls: Vec::new(),
            drop_until: 0,
            open_drop: None,
            down: None,
            open_channels: vec![None; rules],
            open_stall: None,
            held: vec![Vec::new(); rules],
            last_values: None,
            offset_logged: false,
            jumps_active: 0,
            output,
            spec: spec.clone(),
            log,
            faults_outlet,
            scratch: Samples::F32(Vec::new()),
            scratch_stamps: Vec::new(),
            edits: Vec::new(),
        })
    }

    fn faults(&self) -> &Faults {
        &self.plan.faults
    }

    /// When the chunk whose first sample is `first` and last sample lies at the stream's
    /// recorded time `last` is due on `tl`: when its last sample is (drift included),
    /// later if a stall holds it (until the stall's end) or jitter delays it.
    pub(crate) fn due(&mut self, tl: &Timeline, offset: f64, last: f64, first: u64) -> f64 {
        let t = last / self.scale;
        let mut due = tl.due(offset, t, 0.0);
        if let Some((_, (_, end))) = self.stall_at(offset + t) {
            due = due.max(tl.due(0.0, end, 0.0));
        }
        due + self.jitter(first)
    }

    /// The delay of the push of the chunk starting at sample `first`, in seconds.
    fn jitter(&self, first: u64) -> f64 {
        match self.faults().jitter_ms {
            ms if ms > 0.0 => (self.draws.normal(Purpose::Jitter, first, 0) * ms * 1e-3).abs(),
            _ => 0.0,
        }
    }

    /// The stall window holding position `p`, with its number.
    fn stall_at(&mut self, p: f64) -> Option<(usize, (f64, f64))> {
        let stall = self.faults().stall?;
        while self.stalls.len() < MAX_STALLS
            && self.stalls.last().is_none_or(|&(start, _)| start <= p)
        {
            let i = self.stalls.len() as u64;
            let after = self.stalls.last().map_or(0.0, |&(_, end)| end);
            let start = after + self.draws.exponential(Purpose::Stall, i, stall.every);
            self.stalls.push((start, start + stall.duration));
        }
        let i = self
            .stalls
            .partition_point(|&(start, _)| start <= p)
            .checked_sub(1)?;
        let (start, end) = self.stalls[i];
        (p < end).then_some((i, (start, end)))
    }

    /// The stream's recorded time of position `to` (seconds from its time 0 on the
    /// replay timeline), for a seek; what was open is closed (recorded).
    pub(crate) fn seek(&mut self, to: f64) -> f64 {
        self.close_open();
        self.drop_until = 0;
        self.jumps_active = 0;
        self.last_values = None;
        to * self.scale
    }

    /// The end of the run: what was open is recorded.
    pub(crate) fn finish(&mut self) {
        self.close_open();
        if let Some(r) = self.down.take() {
            self.emit(r);
        }
    }

    /// Records the open drop, channel windows and stall (not an outage: it lasts until
    /// a sample after it comes).
    fn close_open(&mut self) {
        let mut open: Vec<FaultRecord> = Vec::new();
        open.extend(self.open_stall.take().map(|(_, r)| r));
        open.extend(self.open_drop.take());
        open.extend(self.open_channels.iter_mut().filter_map(Option::take));
        for r in open.into_iter().filter(|r| r.samples > 0) {
            self.emit(r);
        }
    }

    /// Publishes `record`: the log, the summary, the `NAME-faults` stream.
    fn emit(&mut self, record: FaultRecord) {
        let json = record.to_json();
        if let Some(outlet) = self.faults_outlet.as_mut() {
            let _ = outlet.push(
                crate::transport::Values::Text(std::slice::from_ref(&json)),
                &[record.t],
            );
        }
        self.log.add(record, &json);
    }
}

/// A new log for a run's records, written to `writer` if any.
pub(crate) fn new_log(writer: Option<Box<dyn std::io::Write + Send>>) -> Arc<FaultLog> {
    Arc::new(FaultLog::new(writer))
}

/// The records of a run and the warnings about them (see [`FaultLog::take`]).
pub(crate) fn take_records(log: &FaultLog) -> (Vec<FaultRecord>, Vec<String>) {
    log.take()
}

#[cfg(test)]
mod tests;
