//! How punctual the timing thread can be made: real-time priority where the system
//! allows it, else precise sleeps; and how long before a deadline it stops sleeping and
//! waits actively ([`Punctuality::spin_window`]).

/// Sleep until this long before a deadline, then wait precisely: a real-time thread
/// wakes within microseconds, an ordinary one may wake a millisecond late under load.
const SPIN_WINDOW_REALTIME: f64 = 0.00001;
const SPIN_WINDOW_NORMAL: f64 = 0.0005;
/// The real-time priority asked for the timing thread (SCHED_FIFO, 1..=99): above
/// ordinary work, below the kernel's own real-time threads.
const REALTIME_PRIORITY: i32 = 20;
/// The nice value of the threads that create outlets, and so of the threads the transport
/// starts for them: favoured over ordinary work, but not real-time. liblsl's threads were
/// given SCHED_FIFO once; out of file descriptors, liblsl 1.13's threads retry a failing
/// `accept` without end, and at real-time priority two such threads held both cores of
/// the machine for 40 minutes (issue 24). A nice value cannot starve the machine.
const TRANSPORT_NICE: i32 = -10;

/// The longest the real-time timing thread runs without sleeping: when it is behind (more
/// chunks due than it can push) it would otherwise push back to back and, at real-time
/// priority, hold a core for as long as it stays behind (10 000 streams on a loaded
/// machine starved every other process). After this long without a sleep it sleeps
/// [`REST`]: at most 2% of its time, given to the rest of the machine.
const BUSY_MAX: f64 = 0.05;
/// How long the timing thread sleeps after [`BUSY_MAX`] of work without a sleep.
const REST: std::time::Duration = std::time::Duration::from_millis(1);

/// Makes a real-time timing thread that cannot keep up give the CPU away now and then
/// (see [`BUSY_MAX`]). An ordinary thread is left alone: the kernel shares the CPU
/// between ordinary threads by itself.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Breather {
    punctuality: Punctuality,
    /// The clock time of the last sleep.
    last_rest: f64,
}

impl Breather {
    pub(crate) fn new(punctuality: Punctuality, now: f64) -> Self {
        Breather {
            punctuality,
            last_rest: now,
        }
    }

    /// The thread just slept (parked, idled): the count starts again.
    pub(crate) fn rested(&mut self, now: f64) {
        self.last_rest = now;
    }

    /// Sleeps [`REST`] if a real-time thread has worked [`BUSY_MAX`] since its last sleep
    /// (`now` a clock reading, `clock` read again after the sleep); returns whether it
    /// slept.
    pub(crate) fn breathe(&mut self, now: f64, clock: &dyn Fn() -> f64) -> bool {
        if self.punctuality != Punctuality::Realtime || now - self.last_rest < BUSY_MAX {
            return false;
        }
        std::thread::sleep(REST);
        self.last_rest = clock();
        true
    }
}

/// How punctual the timing thread could be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Punctuality {
    /// The thread runs with real-time (SCHED_FIFO) priority: busy processes cannot delay it.
    Realtime,
    /// Ordinary scheduling (real-time priority refused, or disabled with
    /// `PLAYER_REALTIME=0`); sleeps are made precise (1 ns timer slack) where possible.
    Normal,
}

impl Punctuality {
    pub(crate) fn spin_window(self) -> f64 {
        match self {
            Punctuality::Realtime => SPIN_WINDOW_REALTIME,
            Punctuality::Normal => SPIN_WINDOW_NORMAL,
        }
    }
}

/// Makes the calling thread as punctual as the system permits: real-time priority when
/// allowed (root, CAP_SYS_NICE or an rtprio limit), else precise sleeps.
pub fn make_punctual() -> Punctuality {
    if std::env::var("PLAYER_REALTIME").is_ok_and(|v| v == "0") {
        return precise_sleeps();
    }
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param {
            sched_priority: REALTIME_PRIORITY,
        };
        // SAFETY: changes only this thread's scheduling; `param` outlives the call.
        let rc =
            unsafe { libc::pthread_setschedparam(libc::pthread_self(), libc::SCHED_FIFO, &param) };
        if rc == 0 {
            return Punctuality::Realtime;
        }
    }
    precise_sleeps()
}

/// Gives the calling thread, and the threads it starts from now on, the transport's
/// priority ([`TRANSPORT_NICE`]) when the system allows it and `PLAYER_REALTIME` is not
/// `0`; otherwise nothing changes.
pub(crate) fn transport_priority() {
    if std::env::var("PLAYER_REALTIME").is_ok_and(|v| v == "0") {
        return;
    }
    #[cfg(target_os = "linux")]
    // SAFETY: changes only this thread's nice value (Linux: per thread, inherited by the
    // threads it starts). A refusal (no permission) leaves it as it was.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        let _ = libc::setpriority(libc::PRIO_PROCESS, tid, TRANSPORT_NICE);
    }
}

/// Gives the calling thread ordinary scheduling back (after the last push: what it does
/// then, lingering and reading the system's socket tables, must not delay liblsl's own
/// threads, which send the last chunks).
pub(crate) fn make_ordinary(punctuality: Punctuality) {
    #[cfg(target_os = "linux")]
    if punctuality == Punctuality::Realtime {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: changes only this thread's scheduling; `param` outlives the call.
        unsafe {
            libc::pthread_setschedparam(libc::pthread_self(), libc::SCHED_OTHER, &param);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = punctuality;
}

fn precise_sleeps() -> Punctuality {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_TIMERSLACK only changes this thread's timer slack.
    unsafe {
        libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong);
    }
    Punctuality::Normal
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn a_realtime_thread_behind_sleeps_after_busy_max_and_an_ordinary_one_never() {
        let t = Cell::new(0.0);
        let clock = || t.get();
        let mut rt = Breather::new(Punctuality::Realtime, 0.0);
        assert!(!rt.breathe(BUSY_MAX * 0.9, &clock));
        let before = std::time::Instant::now();
        t.set(BUSY_MAX);
        assert!(rt.breathe(BUSY_MAX, &clock));
        assert!(before.elapsed() >= REST);
        // Counted again from that sleep, or from any other.
        assert!(!rt.breathe(BUSY_MAX * 1.5, &clock));
        rt.rested(BUSY_MAX * 2.5);
        assert!(!rt.breathe(BUSY_MAX * 3.0, &clock));
        assert!(rt.breathe(BUSY_MAX * 3.5, &clock));
        let mut normal = Breather::new(Punctuality::Normal, 0.0);
        assert!(!normal.breathe(100.0, &clock));
    }
}
