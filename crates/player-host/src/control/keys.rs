//! Terminal keys while playing (`play` and `run` when stdin is a terminal):
//!
//! | key | action |
//! |---|---|
//! | space | pause / resume |
//! | ← / → | seek −5 s / +5 s |
//! | shift+← / shift+→ | seek −30 s / +30 s |
//! | `+` (or `=`) / `-` | speed ×2 / ÷2 (within 0.01 to 100) |
//! | `0` | back to the start |
//! | `q` | quit: a stop by request (exit status 0) |
//!
//! [`Keys::start`] puts the terminal in non-canonical mode without echo (keys arrive at
//! once and are not printed; Ctrl-C still sends SIGINT) and reads keys on a thread that
//! calls a [`Steer`]. The terminal is restored when [`Keys`] is dropped, by the panic hook
//! installed with it, and by [`restore_terminal`] (call it before `std::process::exit`,
//! which runs no destructors). Nothing is read when stdin is not a terminal, or when the
//! process runs in the background of its terminal (`player-host play … &`: reading or
//! changing the terminal would stop it with SIGTTIN/SIGTTOU).
//!
//! Job control: when the job is stopped (Ctrl-Z) the shell takes the terminal back and
//! puts its own settings on it; when the job is continued in the foreground (`fg`,
//! SIGCONT), the key thread sets the key mode again.

use crate::control::wake::{wait_any, Wake, Woke};
use crate::engine::control::{PlayState, Refusal, Status, Steer, SPEED_RANGE};
use std::io::{self, Read};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once, PoisonError};
use std::thread::JoinHandle;

/// The keys, for the status line.
pub const HELP: &str = "space pause  ←/→ 5 s  +/- speed  0 start  q quit";

/// Seconds moved by ← and →.
pub const SEEK_STEP: f64 = 5.0;

/// Seconds moved by shift+← and shift+→.
pub const SEEK_STEP_LONG: f64 = 30.0;

/// What a key asks for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action {
    /// Pause when playing, resume when paused (space).
    TogglePause,
    /// Move by this many seconds (arrows).
    SeekBy(f64),
    /// Double the speed (`+`).
    Faster,
    /// Halve the speed (`-`).
    Slower,
    /// Back to the start (`0`).
    ToStart,
    /// Stop the run (`q`).
    Quit,
}

/// How often the key thread looks whether a job continued in the background came back
/// to the foreground.
const BACKGROUND_POLL: std::time::Duration = std::time::Duration::from_millis(200);

/// The longest escape sequence kept while waiting for its end; longer ones are dropped.
const MAX_SEQUENCE: usize = 16;

/// Turns the bytes a terminal sends into [`Action`]s. An escape sequence split across
/// reads is kept until it is complete; unknown keys and sequences are ignored.
#[derive(Debug, Default, Clone)]
pub struct KeyDecoder {
    pending: Vec<u8>,
}

impl KeyDecoder {
    /// A decoder with nothing pending.
    pub fn new() -> KeyDecoder {
        KeyDecoder::default()
    }

    /// The actions of `bytes` (following the bytes fed before).
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Action> {
        let mut actions = Vec::new();
        for &b in bytes {
            if self.pending.is_empty() {
                if b == 0x1b {
                    self.pending.push(b);
                } else if let Some(action) = plain_key(b) {
                    actions.push(action);
                }
                continue;
            }
            self.pending.push(b);
            match sequence(&self.pending) {
                Sequence::Incomplete if self.pending.len() < MAX_SEQUENCE => {}
                Sequence::Incomplete | Sequence::Ignored => self.pending.clear(),
                Sequence::Key(action) => {
                    actions.push(action);
                    self.pending.clear();
                }
                Sequence::NotEscape => {
                    // ESC then an ordinary key (Alt+key): the key counts.
                    self.pending.clear();
                    if b == 0x1b {
                        self.pending.push(b);
                    } else if let Some(action) = plain_key(b) {
                        actions.push(action);
                    }
                }
            }
        }
        actions
    }
}

/// The actions of a complete input (see [`KeyDecoder`]).
#[cfg(test)]
pub fn decode(bytes: &[u8]) -> Vec<Action> {
    KeyDecoder::new().feed(bytes)
}

fn plain_key(b: u8) -> Option<Action> {
    match b {
        b' ' => Some(Action::TogglePause),
        b'+' | b'=' => Some(Action::Faster),
        b'-' | b'_' => Some(Action::Slower),
        b'0' => Some(Action::ToStart),
        b'q' | b'Q' => Some(Action::Quit),
        _ => None,
    }
}

/// What the bytes after an ESC are.
enum Sequence {
    Incomplete,
    Key(Action),
    Ignored,
    NotEscape,
}

/// Classifies `seq`, which starts with ESC.
fn sequence(seq: &[u8]) -> Sequence {
    match seq {
        [0x1b] => Sequence::Incomplete,
        // SS3 (application cursor mode): ESC O C.
        [0x1b, b'O'] => Sequence::Incomplete,
        [0x1b, b'O', final_byte] => arrow(*final_byte, SEEK_STEP),
        // CSI: ESC [ parameters final, the final byte in 0x40..=0x7e.
        [0x1b, b'[', rest @ ..] => match rest.split_last() {
            None => Sequence::Incomplete,
            Some((last, _)) if !(0x40..=0x7e).contains(last) => Sequence::Incomplete,
            Some((last, params)) => {
                let step = match params {
                    [] | b"1" => SEEK_STEP,
                    // Modifier 2 is shift: ESC [ 1 ; 2 C.
                    b"1;2" => SEEK_STEP_LONG,
                    _ => return Sequence::Ignored,
                };
                arrow(*last, step)
            }
        },
        _ => Sequence::NotEscape,
    }
}

fn arrow(final_byte: u8, step: f64) -> Sequence {
    match final_byte {
        b'C' => Sequence::Key(Action::SeekBy(step)),
        b'D' => Sequence::Key(Action::SeekBy(-step)),
        _ => Sequence::Ignored,
    }
}

/// Carries out `action`; [`Action::Quit`] answers the status after stopping.
pub fn apply(action: Action, steer: &dyn Steer) -> Result<Status, Refusal> {
    let (lo, hi) = SPEED_RANGE;
    match action {
        Action::TogglePause => match steer.status().state {
            PlayState::Paused => steer.resume(),
            _ => steer.pause(),
        },
        Action::SeekBy(delta) => steer.seek_by(delta),
        Action::Faster => steer.set_speed((steer.status().speed * 2.0).clamp(lo, hi)),
        Action::Slower => steer.set_speed((steer.status().speed / 2.0).clamp(lo, hi)),
        Action::ToStart => steer.seek(0.0),
        Action::Quit => {
            steer.stop();
            Ok(steer.status())
        }
    }
}

/// Terminal settings changed by this process and not yet restored: (guard id, fd,
/// settings before).
static SAVED: Mutex<Vec<(u64, RawFd, libc::termios)>> = Mutex::new(Vec::new());

/// Restores every terminal this module changed (idempotent; for paths that skip
/// destructors, such as `std::process::exit` on a second Ctrl-C).
pub fn restore_terminal() {
    let saved = SAVED.lock().unwrap_or_else(PoisonError::into_inner);
    for (_, fd, termios) in saved.iter() {
        // SAFETY: `termios` is a valid settings struct; a closed fd only fails.
        unsafe { libc::tcsetattr(*fd, libc::TCSANOW, termios) };
    }
}

/// Installs (once) a panic hook that restores the terminal before the usual report.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore_terminal();
            previous(info);
        }));
    });
}

/// A terminal in non-canonical, no-echo mode (signals kept); restored when dropped.
#[derive(Debug)]
pub struct RawMode {
    id: u64,
    fd: RawFd,
    saved: libc::termios,
    raw: libc::termios,
}

impl RawMode {
    /// Switches the terminal `fd` to non-canonical mode without echo.
    pub fn enable(fd: RawFd) -> io::Result<RawMode> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        // SAFETY: termios is plain old data; tcgetattr fills it or fails.
        let mut saved: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: `saved` is a valid, writable termios.
        if unsafe { libc::tcgetattr(fd, &mut saved) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let mut raw = saved;
        raw.c_lflag &= !(libc::ICANON | libc::ECHO);
        raw.c_cc[libc::VMIN] = 1;
        raw.c_cc[libc::VTIME] = 0;
        install_panic_hook();
        let id = NEXT.fetch_add(1, Ordering::SeqCst);
        SAVED
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((id, fd, saved));
        // SAFETY: `raw` is a valid termios.
        if unsafe { libc::tcsetattr(fd, libc::TCSANOW, &raw) } != 0 {
            let e = io::Error::last_os_error();
            forget_saved(id);
            return Err(e);
        }
        Ok(RawMode { id, fd, saved, raw })
    }
}

/// Puts the key mode `raw` on the terminal `fd` again (after a job-control stop), unless
/// the process is now in the background of it.
fn set_again(fd: RawFd, raw: &libc::termios) {
    if !in_background(fd) {
        // SAFETY: `raw` is a valid termios; a terminal that went away only fails.
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, raw) };
    }
}

fn forget_saved(id: u64) {
    SAVED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .retain(|(i, _, _)| *i != id);
}

impl Drop for RawMode {
    fn drop(&mut self) {
        // SAFETY: `saved` is the valid termios read in `enable`.
        unsafe { libc::tcsetattr(self.fd, libc::TCSANOW, &self.saved) };
        forget_saved(self.id);
    }
}

/// Whether `fd` is the controlling terminal of this process and another process group
/// is in its foreground (this process runs in the background: `command &`).
pub fn in_background(fd: RawFd) -> bool {
    // SAFETY: no memory is passed; a terminal that is not ours only fails.
    let foreground = unsafe { libc::tcgetpgrp(fd) };
    // SAFETY: getpgrp has no preconditions.
    foreground >= 0 && foreground != unsafe { libc::getpgrp() }
}

/// The key reader: a thread that reads a terminal and steers, with the terminal in
/// [`RawMode`]. Dropping it ends the thread and restores the terminal.
#[derive(Debug)]
pub struct Keys {
    wake: Arc<Wake>,
    thread: Option<JoinHandle<()>>,
    notice: Arc<Mutex<Option<String>>>,
    /// The SIGCONT handler that tells the thread to set the key mode again.
    continued: signal_hook::SigId,
    _raw: RawMode,
}

impl Keys {
    /// Reads keys from stdin if it is a terminal in the foreground; `None` otherwise.
    pub fn start(steer: Arc<dyn Steer>) -> io::Result<Option<Keys>> {
        Keys::start_on(libc::STDIN_FILENO, steer)
    }

    /// Reads keys from the terminal `fd` (which stays open and owned by the caller) if
    /// it is a terminal and this process is not in its background; `None` otherwise.
    pub fn start_on(fd: RawFd, steer: Arc<dyn Steer>) -> io::Result<Option<Keys>> {
        // SAFETY: isatty has no memory preconditions.
        if unsafe { libc::isatty(fd) } != 1 || in_background(fd) {
            return Ok(None);
        }
        let raw = RawMode::enable(fd)?;
        let wake = Arc::new(Wake::new()?);
        let notice = Arc::new(Mutex::new(None));
        let (continued, signalled) = UnixStream::pair()?;
        continued.set_nonblocking(true)?;
        let sig = signal_hook::low_level::pipe::register(libc::SIGCONT, signalled)?;
        let (thread_wake, thread_notice) = (wake.clone(), notice.clone());
        let reader = KeyReader {
            fd,
            raw: raw.raw,
            continued,
        };
        let thread = std::thread::Builder::new()
            .name("keys".into())
            .spawn(move || reader.run(steer.as_ref(), &thread_wake, &thread_notice));
        let thread = match thread {
            Ok(thread) => thread,
            Err(e) => {
                signal_hook::low_level::unregister(sig);
                return Err(e);
            }
        };
        Ok(Some(Keys {
            wake,
            thread: Some(thread),
            notice,
            continued: sig,
            _raw: raw,
        }))
    }

    /// The last refusal of a key's request (e.g. a seek the player refused), once.
    pub fn take_notice(&self) -> Option<String> {
        self.notice
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

impl Drop for Keys {
    fn drop(&mut self) {
        signal_hook::low_level::unregister(self.continued);
        self.wake.fire();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What the key thread reads: the terminal `fd` (in the key mode `raw`) and the pipe
/// that says the process was continued (SIGCONT).
struct KeyReader {
    fd: RawFd,
    raw: libc::termios,
    continued: UnixStream,
}

impl KeyReader {
    /// Reads keys until `wake` fires or the terminal closes; sets the key mode again
    /// each time the process is continued.
    fn run(mut self, steer: &dyn Steer, wake: &Wake, notice: &Mutex<Option<String>>) {
        let mut decoder = KeyDecoder::new();
        let mut buf = [0u8; 64];
        loop {
            match wait_any(&[self.fd, self.continued.as_raw_fd()], wake, None) {
                Ok(Woke::Fd(0)) => {}
                Ok(Woke::Fd(_)) => {
                    while self.continued.read(&mut buf).is_ok_and(|n| n > 0) {}
                    set_again(self.fd, &self.raw);
                    continue;
                }
                Ok(Woke::TimedOut) => continue,
                Ok(Woke::Woken) | Err(_) => return,
            }
            if in_background(self.fd) {
                // Continued in the background (`bg`): reading would stop the process
                // (SIGTTIN). Wait to come back to the foreground.
                if let Ok(Woke::Woken) | Err(_) = wait_any(&[], wake, Some(BACKGROUND_POLL)) {
                    return;
                }
                continue;
            }
            // SAFETY: `buf` is valid for `buf.len()` bytes of writes.
            let n = unsafe { libc::read(self.fd, buf.as_mut_ptr().cast(), buf.len()) };
            let n = match usize::try_from(n) {
                Ok(0) => return,
                Ok(n) => n,
                Err(_) => match io::Error::last_os_error().kind() {
                    io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock => continue,
                    _ => return,
                },
            };
            for action in decoder.feed(&buf[..n]) {
                if let Err(Refusal(message)) = apply(action, steer) {
                    *notice.lock().unwrap_or_else(PoisonError::into_inner) = Some(message);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
