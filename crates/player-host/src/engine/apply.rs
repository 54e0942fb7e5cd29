//! How the timing thread carries requests out, between two pushes (so at a chunk
//! boundary), and the status it reports. The rules are those of the timing model (top of
//! [`super::timing`]); the values were checked where they entered
//! ([`super::steering::Controller`]).

use super::control::{PlayState, Refusal, Status, SEEK_LIMIT};
use super::playing::Playing;
use super::steering::{Request, Start};
use super::timeline::{Timeline, MAX_SEGMENTS};
use super::timing::Schedule;

/// Carries out every pending request, in order, answering each with the new status (or
/// a refusal, which changes nothing); publishes them on the control-events stream.
pub(crate) fn apply_requests(
    streams: &mut [Playing],
    timeline: &mut Timeline,
    schedule: &mut Schedule<'_>,
) {
    let requests = schedule.steering.take_requests();
    if requests.is_empty() {
        return;
    }
    timeline.forget_before(frontier(streams));
    for (request, answer) in requests {
        let now = (schedule.clock)();
        let result = step(streams, timeline, request, schedule, now);
        if let Ok(status) = &result {
            schedule.steering.set_status(*status);
            if let Some(events) = schedule.events.as_mut() {
                events(&request.event_text(status), now);
            }
        }
        let _ = answer.send(result);
    }
}

/// The earliest position a stream still playing has left to push (see
/// [`Playing::frontier`]).
fn frontier(streams: &[Playing]) -> f64 {
    streams
        .iter()
        .filter(|s| !s.done)
        .map(|s| s.frontier)
        .fold(f64::INFINITY, f64::min)
}

/// One request at clock `now`: the timeline (and the streams) after it, and the status.
fn step(
    streams: &mut [Playing],
    timeline: &mut Timeline,
    request: Request,
    schedule: &Schedule<'_>,
    now: f64,
) -> Result<Status, Refusal> {
    let ends_a_segment = match request {
        Request::Pause => !timeline.paused(),
        Request::Speed(_) => true,
        _ => false,
    };
    if ends_a_segment && timeline.segments_kept() >= MAX_SEGMENTS {
        return Err(Refusal(format!(
            "too many requests while a stream is behind ({MAX_SEGMENTS} changes of speed \
             kept for samples not pushed yet); try again in a moment"
        )));
    }
    match request {
        Request::Pause => timeline.pause(now),
        Request::Resume => {
            timeline.resume(now);
            for stream in streams.iter_mut() {
                stream.starved_since = None;
            }
        }
        Request::Speed(speed) => timeline.set_speed(now, speed),
        Request::Seek(_) | Request::SeekBy(_) => seek(streams, timeline, request, schedule, now),
    }
    Ok(status(schedule, timeline, now))
}

/// A seek: lands within the current pass (clamped to its start and end), every stream
/// drops what it queued and reads from there. The target position is due at the clock
/// `now`, or later where a stream's last timestamp needs it: a hair later than that
/// timestamp plus the stream's least spacing, so that timestamps keep going forward,
/// never closer than `1 / (rate × max speed)`.
fn seek(
    streams: &mut [Playing],
    timeline: &mut Timeline,
    request: Request,
    schedule: &Schedule<'_>,
    now: f64,
) {
    let here = timeline.position(now);
    let (pass_start, duration) = pass_of(schedule, here);
    let wanted = match request {
        Request::Seek(to) => to,
        Request::SeekBy(delta) => here - pass_start + delta,
        _ => here - pass_start,
    };
    let target = pass_start + wanted.clamp(0.0, duration.unwrap_or(SEEK_LIMIT));
    let at = streams
        .iter()
        .filter_map(|s| s.last_stamp.map(|t| t + s.min_gap))
        .fold(now, f64::max);
    for stream in streams.iter_mut() {
        stream.seek(target);
    }
    timeline.restart(at, target);
}

/// The start of the pass holding position `p`, and the pass duration.
fn pass_of(schedule: &Schedule<'_>, p: f64) -> (f64, Option<f64>) {
    match schedule.steering.duration() {
        Some(d) if d > 0.0 => {
            let last = schedule
                .steering
                .passes()
                .map_or(u64::MAX, |n| n.saturating_sub(1));
            // `as` saturates: a position is never that far (seeks land within a pass).
            let pass = ((p / d).floor().max(0.0) as u64).min(last);
            (pass as f64 * d, Some(d))
        }
        d => (0.0, d),
    }
}

/// The status at clock `now`.
pub(crate) fn status(schedule: &Schedule<'_>, timeline: &Timeline, now: f64) -> Status {
    let p = timeline.position(now).max(0.0);
    let (pass_start, duration) = pass_of(schedule, p);
    let pass = match duration {
        Some(d) if d > 0.0 => ((pass_start / d).round() as u64).saturating_add(1),
        _ => 1,
    };
    Status {
        state: if timeline.paused() {
            PlayState::Paused
        } else {
            PlayState::Playing
        },
        position: (p - pass_start).max(0.0),
        duration,
        pass: (pass, schedule.steering.passes()),
        speed: timeline.speed(),
    }
}

/// What the requests made before t0 changed, as control events at t0 (`seek 10.000`,
/// `speed 2 10.000`, `pause 10.000`), with the status they give.
pub(crate) fn start_events(start: &Start, status: &Status) -> Vec<String> {
    let mut events = Vec::new();
    if start.position != 0.0 {
        events.push(Request::Seek(start.position).event_text(status));
    }
    if start.speed != 1.0 {
        events.push(Request::Speed(start.speed).event_text(status));
    }
    if start.paused {
        events.push(Request::Pause.event_text(status));
    }
    events
}
