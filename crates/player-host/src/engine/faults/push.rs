//! One chunk pushed with its faults ([`Injector::push`]): sample by sample, the clock
//! faults' shift, the channel faults' windows, an outage's start and end, a drop; then
//! the kept samples pushed at once (twice for a duplicate).

use super::record::{FaultKind, FaultRecord};
use super::rng::Purpose;
use super::values::{self, Edit};
use super::Injector;
use crate::engine::prefetch::WireBlock;
use crate::engine::timeline::Timeline;
use crate::error::Result;
use crate::scenario::faults::{ChannelFaultKind, Window};
use crate::transport::{Census, Outlet, Values};

/// A chunk about to be pushed: frames `from .. from + frames` of `block`.
pub(crate) struct Chunk<'a> {
    pub(crate) block: &'a WireBlock,
    pub(crate) from: usize,
    pub(crate) frames: usize,
    /// The stream's rate (0: irregular).
    pub(crate) rate: f64,
    /// Values per frame.
    pub(crate) width: usize,
    /// Seconds after t0 of the stream's time 0.
    pub(crate) offset: f64,
}

impl Chunk<'_> {
    /// The stream's time of frame `i` of the chunk (drift included: recorded time /
    /// `scale`).
    pub(crate) fn time(&self, i: usize, scale: f64) -> f64 {
        crate::engine::playing::frame_time(self.block, self.from + i, self.rate) / scale
    }

    fn first(&self) -> u64 {
        self.block.first_frame + self.from as u64
    }
}

/// The outlet while a stream is disconnected: takes nothing, has no consumer.
struct Gone;

impl Outlet for Gone {
    fn push(&mut self, _: Values<'_>, _: &[f64]) -> Result<()> {
        Ok(())
    }
    fn have_consumers(&self) -> bool {
        false
    }
    fn backlog(&self, _: &Census) -> Option<u64> {
        Some(0)
    }
}

impl Injector {
    /// Pushes `chunk` to `outlet` on `tl` with the faults (at clock `now`); `natural`
    /// receives every frame's natural stamp. Returns the stream's time of the chunk's
    /// last sample.
    pub(crate) fn push(
        &mut self,
        outlet: &mut Box<dyn Outlet>,
        chunk: &Chunk<'_>,
        tl: &Timeline,
        natural: &mut Vec<f64>,
        now: f64,
    ) -> Result<f64> {
        let k0 = chunk.first();
        natural.clear();
        natural.extend(
            (0..chunk.frames).map(|i| tl.due(chunk.offset, chunk.time(i, self.scale), 0.0)),
        );
        self.start_drop(k0);
        let duplicate = (self.plan.faults.duplicate)
            .is_some_and(|d| self.draws.uniform(Purpose::Duplicate, k0, 0) < d.probability);
        self.note_stall_and_jitter(chunk, natural, tl);
        values::clear(&mut self.scratch);
        self.scratch_stamps.clear();
        let mut run_first = None;
        for (i, &due) in natural.iter().enumerate() {
            let k = k0 + i as u64;
            let p = chunk.offset + chunk.time(i, self.scale);
            let stamp = due + self.plan.faults.clock_shift(p);
            self.note_clock(k, p, stamp);
            self.channel_windows(chunk, i, k, p, stamp);
            let outage = (self.plan.faults.disconnect.iter())
                .find(|w| p >= w.at && p < w.at + w.duration)
                .copied();
            match (outage, self.down.as_ref()) {
                (Some(w), None) => {
                    self.flush(outlet, chunk.width, &mut run_first)?;
                    // A drop under way is cut here: its samples during the outage are the
                    // outage's, and those after it a record of their own.
                    if let Some(r) = self.open_drop.take() {
                        self.emit(r);
                    }
                    self.disconnect(outlet, k, stamp, w);
                }
                // From one outage straight into another (a seek, windows that touch): the
                // first one's record ends here, the outlet stays gone, the second one's
                // record starts.
                (Some(w), Some(r)) if (r.at, r.seconds) != (Some(w.at), Some(w.duration)) => {
                    self.end_outage(now);
                    self.down = Some(self.outage_record(k, stamp, w));
                }
                (None, Some(_)) => self.reconnect(outlet, now)?,
                _ => {}
            }
            if let Some(r) = self.down.as_mut() {
                r.samples += 1;
            } else if k < self.drop_until {
                let r = (self.open_drop)
                    .get_or_insert_with(|| FaultRecord::new(&self.name, FaultKind::Drop, k, stamp));
                r.samples += 1;
            } else {
                self.keep(chunk, i, k, stamp);
                run_first.get_or_insert(k);
            }
            if k + 1 >= self.drop_until {
                if let Some(r) = self.open_drop.take() {
                    self.emit(r);
                }
            }
        }
        let pushed = self.scratch_stamps.len();
        if pushed > 0 {
            outlet.push(
                self.scratch.frames(0, pushed, chunk.width),
                &self.scratch_stamps,
            )?;
            if duplicate {
                outlet.push(
                    self.scratch.frames(0, pushed, chunk.width),
                    &self.scratch_stamps,
                )?;
                let mut r = FaultRecord::new(
                    &self.name,
                    FaultKind::Duplicate,
                    run_first.unwrap_or(k0),
                    self.scratch_stamps[0],
                );
                r.samples = pushed as u64;
                self.emit(r);
            }
        }
        Ok(chunk.time(chunk.frames.saturating_sub(1), self.scale))
    }

    /// Starts a drop at the chunk starting at sample `k0`, when the draw says so (and no
    /// drop is under way).
    fn start_drop(&mut self, k0: u64) {
        let Some(drop) = self.plan.faults.drop else {
            return;
        };
        if k0 >= self.drop_until && self.draws.uniform(Purpose::Drop, k0, 0) < drop.probability {
            self.drop_until = k0 + drop.length.unwrap_or(self.chunk_size);
        }
    }

    /// Records the chunk's jitter, and its samples as held by a stall (when its last
    /// sample lies in one).
    fn note_stall_and_jitter(&mut self, chunk: &Chunk<'_>, natural: &[f64], tl: &Timeline) {
        let k0 = chunk.first();
        let last = chunk.offset + chunk.time(chunk.frames.saturating_sub(1), self.scale);
        let t = natural.first().copied().unwrap_or(0.0)
            + self
                .plan
                .faults
                .clock_shift(chunk.offset + chunk.time(0, self.scale));
        match self.stall_at(last) {
            Some((i, _)) if self.open_stall.as_ref().is_some_and(|(j, _)| *j == i) => {
                if let Some((_, r)) = self.open_stall.as_mut() {
                    r.samples += chunk.frames as u64;
                }
            }
            held => {
                if let Some((_, r)) = self.open_stall.take() {
                    self.emit(r);
                }
                if let Some((i, (start, end))) = held {
                    let mut r = FaultRecord::new(&self.name, FaultKind::Stall, k0, t);
                    r.samples = chunk.frames as u64;
                    r.at = Some(tl.due(0.0, start, 0.0));
                    r.until = Some(tl.due(0.0, end, 0.0));
                    r.seconds = self.plan.faults.stall.map(|s| s.duration);
                    self.open_stall = Some((i, r));
                }
            }
        }
        let delay = self.jitter(k0);
        if delay > 0.0 {
            let mut r = FaultRecord::new(&self.name, FaultKind::Jitter, k0, t);
            r.samples = chunk.frames as u64;
            r.delay = Some(delay);
            self.emit(r);
        }
    }

    /// Records the clock offset (at the first sample) and each clock jump that comes in
    /// force at sample `k` (position `p`, stamped `stamp`).
    fn note_clock(&mut self, k: u64, p: f64, stamp: f64) {
        let offset = self.plan.faults.clock_offset;
        if !self.offset_logged && offset != 0.0 {
            self.offset_logged = true;
            let mut r = FaultRecord::new(&self.name, FaultKind::ClockOffset, k, stamp);
            r.by = Some(offset);
            self.emit(r);
        }
        let jumps = &self.plan.faults.clock_jump;
        let active = jumps.partition_point(|j| j.at <= p);
        let new: Vec<_> = jumps[self.jumps_active.min(active)..active].to_vec();
        self.jumps_active = active;
        for jump in new {
            let mut r = FaultRecord::new(&self.name, FaultKind::ClockJump, k, stamp);
            (r.at, r.by) = (Some(jump.at), Some(jump.by));
            self.emit(r);
        }
    }

    /// Opens, counts and closes the channel faults' windows at frame `i` (sample `k`,
    /// position `p`), holding the values a flat fault keeps; remembers the sample's
    /// values for the next flat fault.
    fn channel_windows(&mut self, chunk: &Chunk<'_>, i: usize, k: u64, p: f64, stamp: f64) {
        let frame = chunk.from + i;
        let value = |c: usize| values::value(&chunk.block.samples, frame, chunk.width, c);
        for j in 0..self.plan.rules.len() {
            let rule = &self.plan.rules[j];
            let inside = rule.fault.covers(p);
            match (inside, self.open_channels[j].is_some()) {
                (true, false) => {
                    let kind = match rule.fault.kind {
                        ChannelFaultKind::Flat => FaultKind::Flat,
                        ChannelFaultKind::Nan => FaultKind::Nan,
                        ChannelFaultKind::Clip => FaultKind::Clip,
                        ChannelFaultKind::Noise => FaultKind::Noise,
                    };
                    let mut r = FaultRecord::new(&self.name, kind, k, stamp);
                    r.channels = Some(rule.labels.clone());
                    let last = self.last_values.as_deref();
                    self.held[j] = (rule.cols.iter())
                        .map(|&c| last.map_or_else(|| value(c), |l| l[c]))
                        .collect();
                    self.open_channels[j] = Some(r);
                }
                (false, true) => {
                    if let Some(r) = self.open_channels[j].take() {
                        self.emit(r);
                    }
                }
                _ => {}
            }
            if let Some(r) = self.open_channels[j].as_mut() {
                r.samples += 1;
            }
        }
        let flat = (self.plan.rules.iter()).any(|r| r.fault.kind == ChannelFaultKind::Flat);
        if flat {
            let last = self.last_values.get_or_insert_with(Vec::new);
            last.clear();
            last.extend((0..chunk.width).map(value));
        }
    }

    /// Adds frame `i` (sample `k`) to what is pushed, with the channel faults in force.
    fn keep(&mut self, chunk: &Chunk<'_>, i: usize, k: u64, stamp: f64) {
        self.edits.clear();
        for (j, rule) in self.plan.rules.iter().enumerate() {
            if self.open_channels[j].is_none() {
                continue;
            }
            for (n, &c) in rule.cols.iter().enumerate() {
                let edit = match rule.fault.kind {
                    ChannelFaultKind::Flat => Edit::Set(self.held[j][n]),
                    ChannelFaultKind::Nan => Edit::Set(f64::NAN),
                    ChannelFaultKind::Clip => Edit::Clip(rule.fault.max.unwrap_or(f64::INFINITY)),
                    ChannelFaultKind::Noise => Edit::Add(
                        rule.fault.sd.unwrap_or(0.0)
                            * self.draws.normal(Purpose::Noise, k, c as u64),
                    ),
                };
                self.edits.push((c, edit));
            }
        }
        let frame = chunk.from + i;
        values::append(
            &chunk.block.samples,
            &mut self.scratch,
            frame,
            chunk.width,
            &self.edits,
        );
        self.scratch_stamps.push(stamp);
    }

    /// Pushes what was kept so far (before an outage starts).
    fn flush(
        &mut self,
        outlet: &mut Box<dyn Outlet>,
        width: usize,
        first: &mut Option<u64>,
    ) -> Result<()> {
        let n = self.scratch_stamps.len();
        if n > 0 {
            outlet.push(self.scratch.frames(0, n, width), &self.scratch_stamps)?;
        }
        values::clear(&mut self.scratch);
        self.scratch_stamps.clear();
        *first = None;
        Ok(())
    }

    /// The outlet disappears (released on a thread of its own: liblsl may take a while),
    /// at sample `k`, for the window `w`.
    fn disconnect(&mut self, outlet: &mut Box<dyn Outlet>, k: u64, stamp: f64, w: Window) {
        let old = std::mem::replace(outlet, Box::new(Gone));
        // Should the thread not start, the closure, and the outlet with it, is dropped here.
        let _ = std::thread::Builder::new()
            .name("player outage".into())
            .spawn(move || drop(old));
        self.down = Some(self.outage_record(k, stamp, w));
    }

    /// The record of an outage of window `w` starting at sample `k` (stamped `stamp`).
    fn outage_record(&self, k: u64, stamp: f64, w: Window) -> FaultRecord {
        let mut r = FaultRecord::new(&self.name, FaultKind::Disconnect, k, stamp);
        (r.at, r.seconds) = (Some(w.at), Some(w.duration));
        r
    }

    /// The outlet is created again, as it was; the outage is recorded.
    fn reconnect(&mut self, outlet: &mut Box<dyn Outlet>, now: f64) -> Result<()> {
        *outlet = self.output.create(&self.spec)?;
        self.end_outage(now);
        Ok(())
    }

    /// Records the outage under way as ended now (at clock `now` or later).
    fn end_outage(&mut self, now: f64) {
        if let Some(mut r) = self.down.take() {
            r.until = Some(self.output.now().max(now));
            self.emit(r);
        }
    }
}
