//! The end of a run: keep the outlets until their consumers have taken the last chunks
//! (see [`Linger`]), instead of a fixed delay, so that a consumer that lagged (or a run
//! that ended behind) still gets every sample; then release them all at once.

use crate::transport::{Census, Linger, Outlet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How often the backlog is looked at.
const POLL: Duration = Duration::from_millis(10);

/// Waits until every outlet's backlog (in a `census` taken once per look for all of
/// them) has been zero for `linger.settle` (`linger.blind` when one cannot tell), at most
/// `linger.max`, or until `stop` is set. Returns a message for the user when the bound
/// was hit.
pub(crate) fn until_delivered<'a>(
    outlets: &[(&'a str, &'a dyn Outlet)],
    linger: Linger,
    stop: &AtomicBool,
    census: &dyn Fn() -> Census,
) -> Option<String> {
    if linger.max.is_zero() || outlets.is_empty() {
        return None;
    }
    let start = Instant::now();
    let mut quiet_since: Option<Instant> = None;
    loop {
        if stop.load(Ordering::SeqCst) {
            return None;
        }
        let census = census();
        let backlogs: Vec<Option<u64>> = outlets.iter().map(|(_, o)| o.backlog(&census)).collect();
        let known: u64 = backlogs.iter().flatten().sum();
        let blind = backlogs.iter().any(Option::is_none);
        let now = Instant::now();
        if known == 0 {
            let since = *quiet_since.get_or_insert(now);
            let needed = if blind { linger.blind } else { linger.settle };
            if now - since >= needed {
                return None;
            }
        } else {
            quiet_since = None;
        }
        if now - start >= linger.max {
            return Some(bound_hit(outlets, &backlogs, linger.max));
        }
        std::thread::sleep(POLL);
    }
}

/// Most threads that release outlets at the end of a run.
const RELEASERS: usize = 16;

/// Drops `streams` (their outlets) on up to [`RELEASERS`] threads at once: liblsl 1.18
/// takes 25-60 ms to destroy an outlet that has a consumer, most of it waiting, so that
/// 256 outlets released one by one took 16 s.
pub(crate) fn release<T: Send>(mut streams: Vec<T>) {
    if streams.len() <= 2 {
        return;
    }
    let per_thread = streams.len().div_ceil(RELEASERS);
    std::thread::scope(|scope| {
        while !streams.is_empty() {
            let share: Vec<T> = streams.split_off(streams.len().saturating_sub(per_thread));
            let spawned = std::thread::Builder::new()
                .name("release outlets".into())
                .spawn_scoped(scope, move || drop(share));
            // Without a thread, what remains is dropped here, one by one.
            if spawned.is_err() {
                break;
            }
        }
    });
}

fn bound_hit(outlets: &[(&str, &dyn Outlet)], backlogs: &[Option<u64>], max: Duration) -> String {
    let behind: Vec<String> = outlets
        .iter()
        .zip(backlogs)
        .filter_map(|((name, _), b)| match b {
            Some(n) if *n > 0 => Some(format!("{name:?} ({n} bytes)")),
            _ => None,
        })
        .collect();
    let secs = max.as_secs_f64();
    if behind.is_empty() {
        // The last look found nothing queued, but not for long enough to be sure.
        return format!(
            "outlets closed {secs:.1} s after the end, while their consumers were still \
             taking data; a consumer that lags this much may miss the last samples"
        );
    }
    format!(
        "outlets closed {secs:.1} s after the end with data not yet taken by their consumers: \
         {}; a consumer that lags this much may miss the last samples",
        behind.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::Values;
    use std::cell::Cell;
    use std::sync::{Arc, Mutex};

    /// An outlet whose backlog follows a script, then stays at its last value.
    struct Scripted {
        backlog: Vec<Option<u64>>,
        polls: Cell<usize>,
    }

    impl Scripted {
        fn new(backlog: &[Option<u64>]) -> Self {
            Scripted {
                backlog: backlog.to_vec(),
                polls: Cell::new(0),
            }
        }
    }

    impl Outlet for Scripted {
        fn push(&mut self, _: Values<'_>, _: &[f64]) -> crate::Result<()> {
            Ok(())
        }
        fn have_consumers(&self) -> bool {
            true
        }
        fn backlog(&self, _: &Census) -> Option<u64> {
            let i = self.polls.get();
            self.polls.set(i + 1);
            self.backlog[i.min(self.backlog.len() - 1)]
        }
    }

    const SHORT: Linger = Linger {
        settle: Duration::ZERO,
        blind: Duration::ZERO,
        max: Duration::from_millis(30),
    };

    #[test]
    fn waits_while_a_consumer_has_not_taken_everything() {
        let slow = Scripted::new(&[Some(5000), Some(4000), Some(10), Some(0)]);
        let linger = Linger {
            max: Duration::from_secs(60),
            ..SHORT
        };
        let warning = until_delivered(
            &[("eeg", &slow)],
            linger,
            &AtomicBool::new(false),
            &Census::unknown,
        );
        assert_eq!(warning, None);
        assert_eq!(
            slow.polls.get(),
            4,
            "returned only once the backlog was zero"
        );
    }

    #[test]
    fn a_backlog_that_returns_restarts_the_settle_time() {
        // Zero, then data again: not delivered yet; the wait ends at the second zero.
        let outlet = Scripted::new(&[Some(0), Some(7), Some(0)]);
        let linger = Linger {
            settle: Duration::from_millis(1),
            max: Duration::from_secs(60),
            ..SHORT
        };
        assert_eq!(
            until_delivered(
                &[("a", &outlet)],
                linger,
                &AtomicBool::new(false),
                &Census::unknown
            ),
            None
        );
        assert!(outlet.polls.get() >= 4, "polled {}", outlet.polls.get());
    }

    #[test]
    fn the_bound_ends_the_wait_with_a_message_naming_the_stream() {
        let stuck = Scripted::new(&[Some(123_456)]);
        let fine = Scripted::new(&[Some(0)]);
        let warning = until_delivered(
            &[("done", &fine), ("stuck", &stuck)],
            SHORT,
            &AtomicBool::new(false),
            &Census::unknown,
        )
        .expect("a message");
        assert!(warning.contains("\"stuck\" (123456 bytes)"), "{warning}");
        assert!(!warning.contains("done"), "{warning}");
    }

    #[test]
    fn the_bound_hit_just_after_the_queues_emptied_says_so() {
        // Empty at every look, but never for the settle time before the bound: no
        // stream to name.
        let late = Scripted::new(&[Some(0)]);
        let linger = Linger {
            settle: Duration::from_secs(3600),
            ..SHORT
        };
        let warning = until_delivered(
            &[("late", &late)],
            linger,
            &AtomicBool::new(false),
            &Census::unknown,
        )
        .expect("a message");
        assert!(warning.contains("still taking data"), "{warning}");
    }

    #[test]
    fn a_stop_ends_the_wait_silently() {
        let stuck = Scripted::new(&[Some(1)]);
        let linger = Linger {
            max: Duration::from_secs(3600),
            ..SHORT
        };
        assert_eq!(
            until_delivered(
                &[("x", &stuck)],
                linger,
                &AtomicBool::new(true),
                &Census::unknown
            ),
            None
        );
    }

    #[test]
    fn unknown_backlogs_wait_the_blind_time_only() {
        let unknown = Scripted::new(&[None]);
        let linger = Linger {
            blind: Duration::from_millis(1),
            max: Duration::from_secs(3600),
            ..SHORT
        };
        assert_eq!(
            until_delivered(
                &[("x", &unknown)],
                linger,
                &AtomicBool::new(false),
                &Census::unknown
            ),
            None
        );
    }

    #[test]
    fn no_linger_returns_at_once() {
        let stuck = Scripted::new(&[Some(1)]);
        assert_eq!(
            until_delivered(
                &[("x", &stuck)],
                Linger::NONE,
                &AtomicBool::new(false),
                &Census::unknown
            ),
            None
        );
        assert_eq!(stuck.polls.get(), 0);
    }

    /// Counts its drops and the threads they happened on.
    struct Counted(Arc<Mutex<Vec<std::thread::ThreadId>>>);

    impl Drop for Counted {
        fn drop(&mut self) {
            if let Ok(mut v) = self.0.lock() {
                v.push(std::thread::current().id());
            }
        }
    }

    #[test]
    fn release_drops_every_stream_on_several_threads() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let streams: Vec<Counted> = (0..256).map(|_| Counted(seen.clone())).collect();
        release(streams);
        let seen = seen.lock().expect("not poisoned");
        assert_eq!(seen.len(), 256);
        let threads: std::collections::HashSet<_> = seen.iter().collect();
        assert_eq!(threads.len(), RELEASERS, "{} threads", threads.len());
        assert!(!threads.contains(&std::thread::current().id()));
    }
}
