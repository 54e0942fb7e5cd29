use super::*;
use crate::control::mock_steer::MockSteer;
use std::fs::File;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use Action::*;

#[test]
fn plain_keys_decode() {
    assert_eq!(
        decode(b" +=-_0qQ"),
        [
            TogglePause,
            Faster,
            Faster,
            Slower,
            Slower,
            ToStart,
            Quit,
            Quit
        ]
    );
    assert_eq!(decode(b"xyz\r\n1\x7f"), []);
}

#[test]
fn arrows_decode_in_both_cursor_modes_and_with_shift() {
    assert_eq!(decode(b"\x1b[C\x1b[D"), [SeekBy(5.0), SeekBy(-5.0)]);
    assert_eq!(decode(b"\x1bOC\x1bOD"), [SeekBy(5.0), SeekBy(-5.0)]);
    assert_eq!(decode(b"\x1b[1;2C\x1b[1;2D"), [SeekBy(30.0), SeekBy(-30.0)]);
    assert_eq!(decode(b"\x1b[1C"), [SeekBy(5.0)]);
}

#[test]
fn other_sequences_are_ignored_without_eating_the_next_key() {
    // Up, down, ctrl+right, F5, Home, a bracketed-paste start: nothing.
    let ignored: &[&[u8]] = &[
        b"\x1b[A",
        b"\x1b[B",
        b"\x1bOA",
        b"\x1b[1;5C",
        b"\x1b[15~",
        b"\x1b[H",
        b"\x1b[200~",
        b"\x1b[[A",
    ];
    for seq in ignored {
        let mut input = seq.to_vec();
        input.push(b' ');
        assert_eq!(decode(&input), [TogglePause], "{seq:?}");
    }
    // Alt+q (ESC q) is q; ESC ESC [ C is one right arrow.
    assert_eq!(decode(b"\x1bq"), [Quit]);
    assert_eq!(decode(b"\x1b\x1b[C"), [SeekBy(5.0)]);
    // An endless sequence is dropped after a bound, and decoding goes on.
    let mut endless = b"\x1b[".to_vec();
    endless.extend(std::iter::repeat_n(b'1', 40));
    endless.push(b' ');
    assert_eq!(decode(&endless), [TogglePause]);
}

#[test]
fn sequences_split_across_reads_are_completed() {
    let mut decoder = KeyDecoder::new();
    let mut actions = Vec::new();
    for &b in b"\x1b[1;2D \x1bOC\x1b" {
        actions.extend(decoder.feed(&[b]));
    }
    assert_eq!(actions, [SeekBy(-30.0), TogglePause, SeekBy(5.0)]);
    assert_eq!(decoder.feed(b"[D"), [SeekBy(-5.0)]);
}

#[test]
fn actions_steer_and_speeds_stay_in_range() {
    let steer = MockSteer::new();
    for action in [
        TogglePause,
        TogglePause,
        SeekBy(5.0),
        SeekBy(-30.0),
        ToStart,
    ] {
        apply(action, &steer).expect("ok");
    }
    assert_eq!(apply(Faster, &steer).expect("ok").speed, 2.0);
    assert_eq!(apply(Slower, &steer).expect("ok").speed, 1.0);
    steer.force_speed(80.0);
    assert_eq!(apply(Faster, &steer).expect("ok").speed, 100.0);
    steer.force_speed(0.015);
    assert_eq!(apply(Slower, &steer).expect("ok").speed, 0.01);
    assert_eq!(apply(Quit, &steer).expect("ok").state, PlayState::Finished);
    assert_eq!(
        steer.calls(),
        [
            "pause",
            "resume",
            "seek 15",
            "seek 0",
            "seek 0",
            "speed 2",
            "speed 1",
            "speed 100",
            "speed 0.01",
            "stop"
        ]
    );
}

/// Tests that change terminal settings run one at a time: [`restore_terminal`] and the
/// panic hook restore every terminal of the process.
static TERMINALS: Mutex<()> = Mutex::new(());

fn one_terminal_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    TERMINALS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A pseudo-terminal: the master (what a terminal emulator holds) and the slave (what a
/// program reads as its terminal).
struct Pty {
    master: File,
    slave: OwnedFd,
}

fn pty() -> Pty {
    let (mut master, mut slave) = (-1, -1);
    // SAFETY: valid pointers to two ints; null name, settings and size are allowed.
    let r = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(r, 0, "openpty: {}", io::Error::last_os_error());
    // SAFETY: both descriptors are fresh and owned by nothing else.
    unsafe {
        Pty {
            master: File::from_raw_fd(master),
            slave: OwnedFd::from_raw_fd(slave),
        }
    }
}

fn lflag(fd: RawFd) -> libc::tcflag_t {
    // SAFETY: termios is plain old data, filled by tcgetattr.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: `t` is a valid, writable termios.
    assert_eq!(unsafe { libc::tcgetattr(fd, &mut t) }, 0);
    t.c_lflag
}

fn is_raw(fd: RawFd) -> bool {
    let l = lflag(fd);
    l & (libc::ICANON | libc::ECHO) == 0
}

#[test]
fn keys_typed_on_a_terminal_steer_the_player() {
    let _one = one_terminal_at_a_time();
    let mut pty = pty();
    let fd = pty.slave.as_raw_fd();
    assert!(!is_raw(fd));
    let steer = Arc::new(MockSteer::new());
    let keys = Keys::start_on(fd, steer.clone())
        .expect("start")
        .expect("a terminal");
    assert!(is_raw(fd));
    assert_ne!(lflag(fd) & libc::ISIG, 0, "Ctrl-C still interrupts");
    pty.master.write_all(b" ").expect("type");
    assert_eq!(steer.wait_calls(1), ["pause"]);
    // Keys arrive one by one and escape sequences in pieces: nothing waits for Enter.
    for typed in [
        &b" "[..],
        b"\x1b[C",
        b"\x1b[1;",
        b"2D",
        b"+",
        b"-",
        b"0",
        b"q",
    ] {
        pty.master.write_all(typed).expect("type");
    }
    let calls = steer.wait_calls(8);
    assert_eq!(
        calls,
        ["pause", "resume", "seek 15", "seek 0", "speed 2", "speed 1", "seek 0", "stop"]
    );
    // A refused request is kept for the status line.
    pty.master.write_all(b" ").expect("type");
    let end = Instant::now() + Duration::from_secs(20);
    let notice = loop {
        if let Some(n) = keys.take_notice() {
            break n;
        }
        assert!(Instant::now() < end, "no notice of the refusal");
        std::thread::sleep(Duration::from_millis(5));
    };
    assert_eq!(notice, "mock: the run has ended");
    drop(keys);
    assert!(!is_raw(fd), "restored on drop");
    assert_eq!(steer.calls().len(), 8);
}

#[test]
fn no_keys_without_a_terminal() {
    let (read, _write) = std::os::unix::net::UnixStream::pair().expect("pair");
    let steer = Arc::new(MockSteer::new());
    assert!(Keys::start_on(read.as_raw_fd(), steer)
        .expect("ok")
        .is_none());
}

#[test]
fn restore_terminal_undoes_raw_mode_without_destructors() {
    let _one = one_terminal_at_a_time();
    let pty = pty();
    let fd = pty.slave.as_raw_fd();
    let raw = RawMode::enable(fd).expect("raw");
    assert!(is_raw(fd));
    restore_terminal();
    assert!(!is_raw(fd));
    drop(raw);
    assert!(!is_raw(fd));
    assert!(SAVED
        .lock()
        .expect("saved")
        .iter()
        .all(|(_, f, _)| *f != fd));
}

#[test]
fn a_panic_restores_the_terminal() {
    let _one = one_terminal_at_a_time();
    let pty = pty();
    let fd = pty.slave.as_raw_fd();
    let raw = RawMode::enable(fd).expect("raw");
    assert!(is_raw(fd));
    let panicked = std::thread::spawn(|| panic!("a bug, on purpose")).join();
    assert!(panicked.is_err());
    assert!(!is_raw(fd), "the panic hook restored the terminal");
    drop(raw);
}

/// Which role this test binary plays when re-executed by
/// [`keys_are_read_only_in_the_foreground`].
const ROLE: &str = "PLAYER_KEYS_TEST_ROLE";

fn rerun(role: &str) -> Command {
    // The test's name is its module path without the crate's name.
    let module = module_path!().split_once("::").map_or("", |(_, m)| m);
    let name = format!("{module}::role_in_a_terminal_session");
    let mut cmd = Command::new(std::env::current_exe().expect("test binary"));
    cmd.args(["--exact", name.as_str(), "--test-threads=1", "--nocapture"])
        .env(ROLE, role);
    cmd
}

/// Not a test by itself: the roles of [`keys_are_read_only_in_the_foreground`] (does
/// nothing when run normally).
#[test]
fn role_in_a_terminal_session() {
    match std::env::var(ROLE).as_deref() {
        Ok("leader") => {
            // The terminal's foreground process: keys are read.
            assert!(!in_background(0));
            let keys = Keys::start(Arc::new(MockSteer::new())).expect("start");
            assert!(keys.is_some(), "no keys in the foreground");
            drop(keys);
            // A background job of the same terminal (`player-host play … &`).
            let mut job = rerun("background").process_group(0).spawn().expect("job");
            let end = Instant::now() + Duration::from_secs(30);
            let status = loop {
                if let Some(status) = job.try_wait().expect("wait") {
                    break status;
                }
                if Instant::now() > end {
                    let _ = job.kill();
                    panic!("the background job hung (stopped by SIGTTOU/SIGTTIN?)");
                }
                std::thread::sleep(Duration::from_millis(10));
            };
            assert!(status.success(), "background job: {status}");
        }
        Ok("background") => {
            assert!(in_background(0));
            let keys = Keys::start(Arc::new(MockSteer::new())).expect("start");
            assert!(keys.is_none(), "keys read in the background");
        }
        _ => {}
    }
}

#[test]
fn keys_are_read_only_in_the_foreground() {
    let pty = pty();
    let stdin = pty.slave.try_clone().expect("dup");
    let mut leader = rerun("leader");
    leader
        .stdin(Stdio::from(stdin))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        leader.pre_exec(|| {
            // A new session whose controlling terminal is the pty (on stdin).
            if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = leader.output().expect("leader");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("1 passed"), "the role ran: {stdout}");
    drop(pty.master);
}

/// Waits (a safety net of 20 s, not a timing check) until `done`.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < end, "still not {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn keys_typed_on_a_terminal_steer_a_playing_player() {
    // restore_terminal (and the panic hook) of the other tests restore every terminal.
    let _one = one_terminal_at_a_time();
    let tone = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/fixtures/wav/demo-tone-8k-mono.wav");
    let mut entry = crate::StreamEntry::new(tone);
    entry.name = Some("tone".into());
    let mut scenario = crate::Scenario::single(entry);
    scenario.repeat = crate::Repeat::Forever;
    let mut player = crate::Session::new(scenario)
        .plugin_path_env(false)
        .output(crate::OutputChoice::Null)
        .open()
        .expect("open");
    let steer: Arc<dyn Steer> = Arc::new(player.controller());
    player.start().expect("start");
    wait_until("playing", || steer.status().state == PlayState::Playing);
    let mut pty = pty();
    let keys = Keys::start_on(pty.slave.as_raw_fd(), steer.clone())
        .expect("keys")
        .expect("a terminal");
    pty.master.write_all(b" ").expect("type");
    wait_until("paused", || steer.status().state == PlayState::Paused);
    pty.master.write_all(b"+").expect("type");
    wait_until("at speed 2", || steer.status().speed == 2.0);
    pty.master.write_all(b"0").expect("type");
    wait_until("at the start", || steer.status().position == 0.0);
    pty.master.write_all(b"q").expect("type");
    let summary = player.wait().expect("summary");
    assert!(summary.interrupted, "q stops the run");
    drop(keys);
}

/// Sets canonical mode with echo on `fd`, as a shell does when it takes the terminal
/// back from a stopped job.
fn as_the_shell_leaves_it(fd: RawFd) {
    // SAFETY: termios is plain old data, filled by tcgetattr.
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: `t` is a valid, writable termios, then a valid one to set.
    unsafe {
        assert_eq!(libc::tcgetattr(fd, &mut t), 0);
        t.c_lflag |= libc::ICANON | libc::ECHO;
        assert_eq!(libc::tcsetattr(fd, libc::TCSANOW, &t), 0);
    }
}

/// Issue 23: after Ctrl-Z and `fg`, the terminal came back in canonical mode with echo
/// and the keys were dead. SIGCONT (sent by `fg`) sets the key mode again.
#[test]
fn key_mode_comes_back_when_the_job_is_continued() {
    let _one = one_terminal_at_a_time();
    let mut pty = pty();
    let fd = pty.slave.as_raw_fd();
    let steer = Arc::new(MockSteer::new());
    let keys = Keys::start_on(fd, steer.clone())
        .expect("start")
        .expect("a terminal");
    assert!(is_raw(fd));
    for _ in 0..2 {
        as_the_shell_leaves_it(fd);
        assert!(!is_raw(fd));
        // SAFETY: raise has no memory preconditions; continuing a running process only
        // runs the handlers.
        assert_eq!(unsafe { libc::raise(libc::SIGCONT) }, 0);
        wait_until("in key mode again", || is_raw(fd));
    }
    pty.master.write_all(b" ").expect("type");
    assert_eq!(steer.wait_calls(1), ["pause"], "keys still read");
    drop(keys);
    assert!(!is_raw(fd), "restored on drop");
    // Once the keys are gone, a SIGCONT changes nothing.
    // SAFETY: as above.
    assert_eq!(unsafe { libc::raise(libc::SIGCONT) }, 0);
    std::thread::sleep(Duration::from_millis(50));
    assert!(!is_raw(fd));
}
