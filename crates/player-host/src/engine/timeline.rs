//! The replay position as a function of the clock: the [`Timeline`], which says at which
//! clock time a sample at a given position is due (its LSL timestamp).
//!
//! The mapping is piecewise linear and strictly increasing: one [`Segment`] for each
//! stretch played at one speed. A pause, resume or speed change ends the current segment
//! at the position reached and starts a new one there; positions before it keep the
//! segment they had, so that a sample queued before a request and pushed after it keeps
//! its time. Where two segments meet, the mapping is continuous (a speed change) or jumps
//! forward (by the length of a pause): it never goes back. A seek starts the timeline
//! afresh at its target (the data queued before a seek is dropped).
//!
//! Every segment that a sample not yet pushed may still need is kept, however many
//! requests come (hundreds inside one chunk): a segment is forgotten only once every
//! stream has pushed past its end ([`Timeline::forget_before`]). The number kept is thus
//! the number of requests made since the slowest stream's next sample, bounded by the
//! engine, which refuses a request beyond [`MAX_SEGMENTS`] (see `engine::apply`).

use std::collections::VecDeque;

/// The most segments kept: a request that would need more (a stream stuck while a flood
/// of requests comes) is refused.
pub const MAX_SEGMENTS: usize = 1 << 16;

/// One piece of the timeline: from clock `wall` on, the position advances from `pos` at
/// `speed`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Segment {
    wall: f64,
    pos: f64,
    speed: f64,
}

impl Segment {
    /// The clock time at which the stream starting at `offset` reaches its own time
    /// `a + b` (two parts, so that `t0 + offset + k / rate` is computed exactly as before
    /// any steering: `(t0 + offset) + a`).
    fn due(&self, offset: f64, a: f64, b: f64) -> f64 {
        self.wall + (offset - self.pos) / self.speed + a / self.speed + b / self.speed
    }
}

/// The replay position as a function of the clock: it advances at the speed from the
/// anchor (a clock time and a position) while playing, and stands still while paused.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// The current segment: where the position was anchored last, and its speed.
    anchor: Segment,
    /// Whether the position stands still.
    paused: bool,
    /// The segments before the anchor still needed, oldest first (positions
    /// nondecreasing).
    history: VecDeque<Segment>,
}

impl Timeline {
    /// Position `position` at clock `t0`, advancing at `speed` unless `paused`.
    pub fn starting(t0: f64, position: f64, speed: f64, paused: bool) -> Self {
        Timeline {
            anchor: Segment {
                wall: t0,
                pos: position,
                speed,
            },
            paused,
            history: VecDeque::new(),
        }
    }

    /// Whether the position stands still.
    pub fn paused(&self) -> bool {
        self.paused
    }

    /// Seconds of position per second of clock.
    pub fn speed(&self) -> f64 {
        self.anchor.speed
    }

    /// The position at clock `now` (the anchor's position before the anchor's time: a
    /// seek anchors a few microseconds ahead, see `engine::apply`).
    pub fn position(&self, now: f64) -> f64 {
        if self.paused {
            self.anchor.pos
        } else {
            self.anchor.pos + (now - self.anchor.wall).max(0.0) * self.anchor.speed
        }
    }

    /// The clock time at which the stream starting at position `offset` reaches its own
    /// time `a + b`: at speed 1 from t0, `(t0 + offset) + a + b`, so that timestamps are
    /// `t0 + offset + k / rate` exactly.
    pub fn due(&self, offset: f64, a: f64, b: f64) -> f64 {
        let pos = offset + a + b;
        self.segment_at(pos).due(offset, a, b)
    }

    /// The segment that maps `pos`: the last one starting at or before it.
    fn segment_at(&self, pos: f64) -> &Segment {
        if pos >= self.anchor.pos {
            return &self.anchor;
        }
        match self.history.partition_point(|s| s.pos <= pos) {
            // Before every segment kept (a sample a hair before a seek's target, when
            // frames are rounded to the sample grid): the earliest one.
            0 => self.history.front().unwrap_or(&self.anchor),
            i => &self.history[i - 1],
        }
    }

    /// Ends the current segment at clock `now` (not before the anchor) and starts the
    /// next one there, at the same position.
    fn reanchor(&mut self, now: f64) {
        let at = now.max(self.anchor.wall);
        let pos = self.position(at);
        if !self.paused {
            // A segment of no length is never used: the later one starts at its position.
            if self
                .history
                .back()
                .is_some_and(|s| s.pos >= self.anchor.pos)
            {
                self.history.pop_back();
            }
            self.history.push_back(self.anchor);
        }
        self.anchor = Segment {
            wall: at,
            pos,
            speed: self.anchor.speed,
        };
    }

    /// Stops the position at clock `now`.
    pub fn pause(&mut self, now: f64) {
        if !self.paused {
            self.reanchor(now);
            self.paused = true;
        }
    }

    /// Lets the position advance again from clock `now`.
    pub fn resume(&mut self, now: f64) {
        if self.paused {
            self.reanchor(now);
            self.paused = false;
        }
    }

    /// Advances at `speed` from clock `now` on.
    pub fn set_speed(&mut self, now: f64, speed: f64) {
        self.reanchor(now);
        self.anchor.speed = speed;
    }

    /// Position `pos` at clock `at` (a seek): everything queued before was dropped, so no
    /// segment is kept.
    pub fn restart(&mut self, at: f64, pos: f64) {
        self.history.clear();
        self.anchor = Segment {
            wall: at,
            pos,
            speed: self.anchor.speed,
        };
    }

    /// Forgets the segments that end at or before `frontier`: no sample left to push lies
    /// before it (every stream's next sample is at or after it).
    pub fn forget_before(&mut self, frontier: f64) {
        while !self.history.is_empty() {
            let end = self.history.get(1).map_or(self.anchor.pos, |s| s.pos);
            if end > frontier {
                break;
            }
            self.history.pop_front();
        }
    }

    /// How many segments are kept behind the current one.
    pub fn segments_kept(&self) -> usize {
        self.history.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_timeline_gives_todays_timestamps_exactly() {
        let t0 = 12_345.678_901_234;
        let tl = Timeline::starting(t0, 0.0, 1.0, false);
        for (offset, k, rate) in [
            (0.25, 7u64, 600.614_990_234_375),
            (0.0, 1_000_003, 48_000.0),
        ] {
            let ft = k as f64 / rate;
            assert_eq!(tl.due(offset, ft, 0.0), t0 + offset + ft);
        }
    }

    #[test]
    fn pause_resume_and_speed_move_the_anchor() {
        let mut tl = Timeline::starting(100.0, 0.0, 1.0, false);
        assert_eq!(tl.position(103.0), 3.0);
        tl.pause(103.0);
        assert_eq!(tl.position(110.0), 3.0);
        tl.resume(110.0);
        // The gap in timestamps equals the pause: position 4 is due at 111, not 104.
        assert_eq!(tl.due(0.0, 4.0, 0.0), 111.0);
        // A position passed before the pause keeps its time.
        assert_eq!(tl.due(0.0, 2.5, 0.0), 102.5);
        tl.set_speed(111.0, 2.0);
        assert_eq!(tl.position(112.0), 6.0);
        // At speed 2, samples 1/rate apart are due 1/(2 rate) apart.
        assert_eq!(tl.due(0.0, 6.5, 0.0) - tl.due(0.0, 6.0, 0.0), 0.25);
        // Slowing down never moves a queued sample before one already pushed.
        let fast = tl.clone();
        tl.set_speed(112.0, 0.5);
        assert_eq!(tl.due(0.0, 5.9, 0.0), fast.due(0.0, 5.9, 0.0));
        assert!(tl.due(0.0, 6.1, 0.0) > tl.due(0.0, 5.9, 0.0));
        tl.restart(113.0, 1.0);
        assert_eq!(tl.due(0.0, 1.0, 0.0), 113.0);
        assert_eq!(tl.segments_kept(), 0);
    }

    /// Hundreds of requests inside one chunk: every position keeps the time it had when
    /// the position reached it, whatever came after (the cap of 16 segments broke this).
    #[test]
    fn a_burst_of_requests_keeps_every_passed_position_where_it_was() {
        let mut tl = Timeline::starting(0.0, 0.0, 1.0, false);
        let mut passed = Vec::new();
        let mut now = 0.0;
        for i in 0..500 {
            now += 0.001;
            if !tl.paused() {
                // A position the replay has passed (a sample there may still be queued).
                let pos = tl.position(now) - 1e-6;
                passed.push((pos, tl.due(0.0, pos, 0.0)));
            }
            match i % 4 {
                0 => tl.set_speed(now, 100.0),
                1 => tl.pause(now),
                2 => tl.resume(now + 0.0005),
                _ => tl.set_speed(now, 0.01),
            }
        }
        assert!(tl.segments_kept() > 300);
        for (pos, due) in &passed {
            assert!((tl.due(0.0, *pos, 0.0) - due).abs() < 1e-9, "{pos}");
        }
        let dues: Vec<f64> = passed.iter().map(|(_, d)| *d).collect();
        assert!(dues.windows(2).all(|w| w[1] >= w[0]));
        // Once every stream is past them, the segments go.
        tl.forget_before(tl.position(now));
        assert!(tl.segments_kept() <= 1, "{}", tl.segments_kept());
    }

    #[test]
    fn forgetting_keeps_what_the_frontier_still_needs() {
        let mut tl = Timeline::starting(0.0, 0.0, 1.0, false);
        tl.set_speed(1.0, 2.0); // segment [0, 1) at speed 1
        tl.set_speed(2.0, 4.0); // segment [1, 3) at speed 2, then [3, ∞) at speed 4
        let before = (tl.due(0.0, 0.5, 0.0), tl.due(0.0, 2.0, 0.0));
        tl.forget_before(0.9);
        assert_eq!(tl.segments_kept(), 2);
        tl.forget_before(1.0);
        assert_eq!(tl.segments_kept(), 1);
        assert_eq!(tl.due(0.0, 2.0, 0.0), before.1);
        tl.forget_before(3.0);
        assert_eq!(tl.segments_kept(), 0);
        assert_eq!(tl.due(0.0, 3.5, 0.0), 2.0 + 0.5 / 4.0);
        assert_eq!(before.0, 0.5);
    }

    #[test]
    fn a_request_before_a_seeks_anchor_waits_for_it() {
        let mut tl = Timeline::starting(0.0, 0.0, 1.0, false);
        tl.restart(10.001, 5.0); // a seek at 10 anchored a hair ahead
        assert_eq!(tl.position(10.0), 5.0);
        tl.set_speed(10.0, 2.0);
        assert_eq!(
            tl.due(0.0, 5.0, 0.0),
            10.001,
            "the anchor does not move back"
        );
        assert_eq!(tl.due(0.0, 6.0, 0.0), 10.501);
    }
}
