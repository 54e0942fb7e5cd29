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
/// The real-time priority of the threads that create outlets, and so of the threads the
/// transport starts for them (SCHED_FIFO): one below the timing thread, so that sending
/// never delays a push.
const TRANSPORT_PRIORITY: i32 = 19;

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
/// real-time priority ([`TRANSPORT_PRIORITY`]) when the system allows it and
/// `PLAYER_REALTIME` is not `0`; otherwise nothing changes.
pub(crate) fn transport_priority() {
    if std::env::var("PLAYER_REALTIME").is_ok_and(|v| v == "0") {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param {
            sched_priority: TRANSPORT_PRIORITY,
        };
        // SAFETY: changes only this thread's scheduling; `param` outlives the call. A
        // refusal (no permission) leaves it as it was.
        let _ =
            unsafe { libc::pthread_setschedparam(libc::pthread_self(), libc::SCHED_FIFO, &param) };
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
