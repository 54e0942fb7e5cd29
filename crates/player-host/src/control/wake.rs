//! Waiting on a file descriptor with a way out: a [`Wake`] that another thread fires to
//! end every wait at once (used by the control socket and the terminal keys, whose
//! threads must stop when their owner is dropped, without polling loops).

use std::io::{self, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::time::Duration;

/// A level-triggered "stop now" signal: once [`fire`](Wake::fire)d, every
/// [`wait_readable`] on it returns [`Waited::Woken`], now and later.
#[derive(Debug)]
pub(crate) struct Wake {
    /// Polled for readability; never read, so that it stays readable once fired.
    read: UnixStream,
    write: UnixStream,
}

impl Wake {
    /// A new, unfired signal.
    pub(crate) fn new() -> io::Result<Wake> {
        let (read, write) = UnixStream::pair()?;
        write.set_nonblocking(true)?;
        Ok(Wake { read, write })
    }

    /// Fires the signal (idempotent).
    pub(crate) fn fire(&self) {
        // A full buffer means it already fired: nothing to do.
        let _ = (&self.write).write(&[1]);
    }
}

/// How a [`wait_readable`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Waited {
    /// The descriptor is readable (data, end of file or an error to read).
    Ready,
    /// The [`Wake`] fired.
    Woken,
    /// The timeout passed.
    TimedOut,
}

/// Waits until `fd` is readable, `wake` fires or `timeout` passes (`None`: no limit).
pub(crate) fn wait_readable(
    fd: RawFd,
    wake: &Wake,
    timeout: Option<Duration>,
) -> io::Result<Waited> {
    Ok(match wait_any(&[fd], wake, timeout)? {
        Woke::Fd(_) => Waited::Ready,
        Woke::Woken => Waited::Woken,
        Woke::TimedOut => Waited::TimedOut,
    })
}

/// How a [`wait_any`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Woke {
    /// This descriptor (its index) is readable.
    Fd(usize),
    /// The [`Wake`] fired (it wins over a readable descriptor).
    Woken,
    /// The timeout passed.
    TimedOut,
}

/// Waits until one of `fds` is readable, `wake` fires or `timeout` passes (`None`: no
/// limit).
pub(crate) fn wait_any(fds: &[RawFd], wake: &Wake, timeout: Option<Duration>) -> io::Result<Woke> {
    let millis = match timeout {
        None => -1,
        Some(t) => i32::try_from(t.as_millis()).unwrap_or(i32::MAX),
    };
    let mut polled: Vec<libc::pollfd> = std::iter::once(wake.read.as_raw_fd())
        .chain(fds.iter().copied())
        .map(|fd| libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    loop {
        let count = polled.len() as libc::nfds_t;
        // SAFETY: `polled` is a valid array of `count` pollfd for the duration of the call.
        let n = unsafe { libc::poll(polled.as_mut_ptr(), count, millis) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        if polled[0].revents != 0 {
            return Ok(Woke::Woken);
        }
        return Ok(match polled[1..].iter().position(|p| p.revents != 0) {
            Some(i) => Woke::Fd(i),
            None => Woke::TimedOut,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fired_wake_ends_every_wait_and_data_makes_ready() {
        let wake = Wake::new().expect("wake");
        let (a, mut b) = UnixStream::pair().expect("pair");
        let short = Some(Duration::from_millis(1));
        assert_eq!(
            wait_readable(a.as_raw_fd(), &wake, short).expect("poll"),
            Waited::TimedOut
        );
        b.write_all(b"x").expect("write");
        assert_eq!(
            wait_readable(a.as_raw_fd(), &wake, None).expect("poll"),
            Waited::Ready
        );
        wake.fire();
        wake.fire();
        for _ in 0..2 {
            assert_eq!(
                wait_readable(a.as_raw_fd(), &wake, None).expect("poll"),
                Waited::Woken
            );
        }
    }
}
