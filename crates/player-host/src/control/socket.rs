//! The local control socket (`--control PATH`): a Unix domain socket, readable and
//! writable by its owner only (mode 0600), that accepts one JSON request per line and
//! answers each with one JSON line ([`super::protocol`], `docs/control.md`).
//!
//! A client cannot stall the player nor other clients: each client has its own thread
//! (at most [`ServeOptions::max_clients`]), a request line is at most
//! [`ServeOptions::max_line`] bytes, and a client silent for
//! [`ServeOptions::idle_timeout`] is disconnected. Requests go to a [`Steer`], whose
//! methods never block for long.

use super::protocol::{answer, error_line};
use super::wake::{wait_readable, Waited, Wake};
use crate::engine::control::Steer;
use crate::error::{HostError, Result};
use std::ffi::CString;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// The limits of a control server.
#[derive(Debug, Clone, Copy)]
pub struct ServeOptions {
    /// Clients connected at once; more are answered with an error and closed.
    pub max_clients: usize,
    /// The longest request line, in bytes (without its newline); a longer one is answered
    /// with an error and the connection closed.
    pub max_line: usize,
    /// A client that sends nothing for this long is disconnected.
    pub idle_timeout: Duration,
}

impl Default for ServeOptions {
    /// 16 clients, 4 KiB lines, 10 minutes of silence.
    fn default() -> Self {
        ServeOptions {
            max_clients: 16,
            max_line: 4096,
            idle_timeout: Duration::from_secs(600),
        }
    }
}

/// A running control socket; dropping it stops the server (its threads end) and removes
/// the socket file.
#[derive(Debug)]
pub struct ControlServer {
    path: PathBuf,
    /// The socket file's device and inode, to remove only our own file.
    identity: (u64, u64),
    wake: Arc<Wake>,
    acceptor: Option<JoinHandle<()>>,
}

impl ControlServer {
    /// The socket's path.
    #[cfg(test)]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ControlServer {
    fn drop(&mut self) {
        self.wake.fire();
        if let Some(thread) = self.acceptor.take() {
            let _ = thread.join();
        }
        if let Ok(meta) = std::fs::symlink_metadata(&self.path) {
            if (meta.dev(), meta.ino()) == self.identity {
                let _ = std::fs::remove_file(&self.path);
            }
        }
    }
}

/// Opens the control socket at `path` with the default [`ServeOptions`]; see
/// [`serve_with`].
pub fn serve(path: &Path, steer: Arc<dyn Steer>) -> Result<ControlServer> {
    serve_with(path, steer, ServeOptions::default())
}

/// Opens the control socket at `path` (mode 0600) and serves it in the background until
/// the returned [`ControlServer`] is dropped.
///
/// An existing `path` is refused unless it is a stale socket: a socket file of this user
/// on which nobody listens (left by a player that was killed), which is replaced.
pub fn serve_with(
    path: &Path,
    steer: Arc<dyn Steer>,
    options: ServeOptions,
) -> Result<ControlServer> {
    clear_stale(path)?;
    let listener = listen(path)?;
    let meta = std::fs::symlink_metadata(path).map_err(|e| io_error(path, "inspecting", e))?;
    let wake = Arc::new(Wake::new().map_err(|e| io_error(path, "creating a wake pipe for", e))?);
    let thread_wake = wake.clone();
    let acceptor = std::thread::Builder::new()
        .name("control".into())
        .spawn(move || accept_loop(&listener, &steer, &thread_wake, options))
        .map_err(|e| io_error(path, "starting the thread of", e))?;
    Ok(ControlServer {
        path: path.to_path_buf(),
        identity: (meta.dev(), meta.ino()),
        wake,
        acceptor: Some(acceptor),
    })
}

fn io_error(path: &Path, what: &str, source: io::Error) -> HostError {
    HostError::Io {
        what: format!("{what} control socket {}", path.display()),
        source,
    }
}

/// Removes `path` if it is a stale socket of ours; refuses anything else that exists.
fn clear_stale(path: &Path) -> Result<()> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_error(path, "inspecting", e)),
    };
    let refuse = |why: &str| {
        Err(HostError::config(format!(
            "control socket {}: {why}; choose another path",
            path.display()
        )))
    };
    if !meta.file_type().is_socket() {
        return refuse("the path exists and is not a socket (it is left alone)");
    }
    // SAFETY: geteuid has no preconditions.
    if meta.uid() != unsafe { libc::geteuid() } {
        return refuse("a socket of another user is there");
    }
    match UnixStream::connect(path) {
        Ok(_) => refuse("another program (a player?) is listening there"),
        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
            std::fs::remove_file(path).map_err(|e| io_error(path, "removing the stale", e))
        }
        Err(e) => Err(io_error(path, "probing the existing", e)),
    }
}

/// Creates the socket file with mode 0600 and listens on it.
fn listen(path: &Path) -> Result<UnixListener> {
    let err = |what: &str| io_error(path, what, io::Error::last_os_error());
    let bytes = path.as_os_str().as_bytes();
    // SAFETY: sockaddr_un is plain old data; all zeroes is a valid value.
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    if bytes.len() >= addr.sun_path.len() || bytes.contains(&0) {
        return Err(HostError::config(format!(
            "control socket {}: the path must be shorter than {} bytes, without NUL",
            path.display(),
            addr.sun_path.len()
        )));
    }
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    for (dst, src) in addr.sun_path.iter_mut().zip(bytes) {
        *dst = *src as libc::c_char;
    }
    // SAFETY: socket has no memory preconditions; the result is checked.
    let fd = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_STREAM, 0) };
    if fd < 0 {
        return Err(err("creating"));
    }
    // SAFETY: `fd` is a fresh descriptor that nothing else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let raw = fd.as_raw_fd();
    // SAFETY (all the calls below): `raw` is open (owned by `fd`), `addr` and `c_path`
    // outlive the calls that borrow them.
    if unsafe { libc::fcntl(raw, libc::F_SETFD, libc::FD_CLOEXEC) } < 0 {
        return Err(err("configuring"));
    }
    // On Linux, bind() creates the file with the socket's own mode (minus the umask):
    // never wider than 0600, even for an instant.
    let _ = unsafe { libc::fchmod(raw, 0o600) };
    let len = std::mem::size_of::<libc::sockaddr_un>() as libc::socklen_t;
    if unsafe { libc::bind(raw, (&raw const addr).cast(), len) } < 0 {
        return Err(err("creating"));
    }
    // Elsewhere, and whatever the umask: 0600 before anyone can connect (listen).
    let c_path = CString::new(bytes).map_err(|_| HostError::config("NUL in the control path"))?;
    if unsafe { libc::chmod(c_path.as_ptr(), 0o600) } < 0 {
        let e = err("setting the mode of");
        let _ = std::fs::remove_file(path);
        return Err(e);
    }
    if unsafe { libc::listen(raw, 16) } < 0 {
        let e = err("listening on");
        let _ = std::fs::remove_file(path);
        return Err(e);
    }
    let listener = UnixListener::from(fd);
    listener
        .set_nonblocking(true)
        .map_err(|e| io_error(path, "configuring", e))?;
    Ok(listener)
}

/// Accepts clients until `wake` fires, then waits for their threads.
fn accept_loop(
    listener: &UnixListener,
    steer: &Arc<dyn Steer>,
    wake: &Arc<Wake>,
    options: ServeOptions,
) {
    let active = Arc::new(AtomicUsize::new(0));
    let mut clients: Vec<JoinHandle<()>> = Vec::new();
    loop {
        match wait_readable(listener.as_raw_fd(), wake, None) {
            Ok(Waited::Ready) => {}
            Ok(Waited::TimedOut) => continue,
            Ok(Waited::Woken) | Err(_) => break,
        }
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(_) => continue, // WouldBlock (someone else was faster) or a vanished client
        };
        clients.retain(|c| !c.is_finished());
        if active.load(Ordering::SeqCst) >= options.max_clients {
            let message = format!(
                "too many control clients (at most {}); try again later",
                options.max_clients
            );
            refuse_client(stream, &message);
            continue;
        }
        active.fetch_add(1, Ordering::SeqCst);
        let slot = Slot(active.clone());
        let (steer, wake) = (steer.clone(), wake.clone());
        let spawned = std::thread::Builder::new()
            .name("control-client".into())
            .spawn(move || {
                let _slot = slot;
                serve_client(stream, steer.as_ref(), &wake, options);
            });
        if let Ok(thread) = spawned {
            clients.push(thread);
        }
    }
    for client in clients {
        let _ = client.join();
    }
}

/// Frees a client slot when its thread ends (or was never started).
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// How long an answer may take to be written before the client is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(2);

fn refuse_client(mut stream: UnixStream, message: &str) {
    // Best effort: the client may not read; never block the acceptor.
    let _ = stream.set_nonblocking(true);
    let line = error_line(message) + "\n";
    let _ = stream.write_all(line.as_bytes());
}

/// Serves one client: reads lines, answers each, until it leaves, errs, idles, sends an
/// over-long line, or `wake` fires.
fn serve_client(mut stream: UnixStream, steer: &dyn Steer, wake: &Wake, options: ServeOptions) {
    if stream.set_nonblocking(false).is_err()
        || stream.set_write_timeout(Some(WRITE_TIMEOUT)).is_err()
        || stream.set_read_timeout(Some(WRITE_TIMEOUT)).is_err()
    {
        return;
    }
    let mut pending: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; options.max_line.clamp(64, 64 * 1024) + 1];
    loop {
        match wait_readable(stream.as_raw_fd(), wake, Some(options.idle_timeout)) {
            Ok(Waited::Ready) => {}
            Ok(Waited::TimedOut) => {
                let secs = options.idle_timeout.as_secs_f64();
                let _ = send(
                    &mut stream,
                    &error_line(&format!("closing: idle for {secs} s")),
                );
                return;
            }
            Ok(Waited::Woken) | Err(_) => return,
        }
        let n = match stream.read(&mut chunk) {
            Ok(0) => {
                // End of input: a last request without its newline is still answered.
                if !pending.is_empty() {
                    let _ = reply(&mut stream, steer, &pending);
                }
                return;
            }
            Ok(n) => n,
            Err(e) if is_transient(&e) => continue,
            Err(_) => return,
        };
        pending.extend_from_slice(&chunk[..n]);
        while let Some(end) = pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = pending.drain(..=end).collect();
            let line = &line[..end];
            if line.len() > options.max_line {
                let _ = send(&mut stream, &too_long(options.max_line));
                return;
            }
            if reply(&mut stream, steer, line).is_err() {
                return;
            }
        }
        if pending.len() > options.max_line {
            let _ = send(&mut stream, &too_long(options.max_line));
            return;
        }
    }
}

fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

fn too_long(max: usize) -> String {
    error_line(&format!(
        "request longer than {max} bytes without a newline; closing"
    ))
}

/// Answers one request line (blank lines are ignored).
fn reply(stream: &mut UnixStream, steer: &dyn Steer, line: &[u8]) -> io::Result<()> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    let text = match std::str::from_utf8(line) {
        Ok(text) => answer(steer, text),
        Err(_) => error_line("a request must be UTF-8 JSON"),
    };
    send(stream, &text)
}

fn send(stream: &mut UnixStream, line: &str) -> io::Result<()> {
    let mut bytes = Vec::with_capacity(line.len() + 1);
    bytes.extend_from_slice(line.as_bytes());
    bytes.push(b'\n');
    stream.write_all(&bytes)
}

#[cfg(test)]
mod tests;
