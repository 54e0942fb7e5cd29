//! How many bytes this process's TCP connections still hold for their peers: what the
//! kernel has been given but the consumers have not yet acknowledged.
//!
//! liblsl has no call that reports a consumer's backlog (neither 1.13 nor 1.18:
//! `lsl_have_consumers` and `lsl_wait_for_consumers` only tell that one is connected).
//! What can be observed is the kernel's side of each outlet's data connections: an
//! outlet serves each consumer from a queue through one TCP connection on its data port,
//! and as long as that queue holds samples, liblsl keeps the connection's send queue
//! busy. A send queue that stays empty means the consumer has taken everything.
//!
//! On Linux each of this process's connected TCP sockets is asked directly: its local
//! port (`getsockname`) and its unacknowledged bytes (`ioctl(SIOCOUTQ)`, the `tx_queue`
//! of `/proc/net/tcp`). Reading `/proc/net/tcp` instead walks the kernel's whole
//! connection table: ~3 ms of CPU per read on a machine with a large table, which at the
//! end of a run competed with liblsl's threads sending the last chunk. Elsewhere the
//! backlog is unknown.

use std::collections::HashMap;

/// What the system says of this process's TCP sockets at one moment: read once and
/// asked for many outlets' ports.
#[derive(Debug, Clone, Default)]
pub struct SocketTable {
    /// Unacknowledged bytes of this process's connected TCP sockets, by local port.
    unsent: HashMap<u16, u64>,
}

impl SocketTable {
    /// Reads the table now; `None` when the system does not say (not Linux, or
    /// `/proc/self/fd` unreadable).
    pub fn read() -> Option<SocketTable> {
        #[cfg(target_os = "linux")]
        {
            let mut unsent = HashMap::new();
            for entry in std::fs::read_dir("/proc/self/fd").ok()?.flatten() {
                let fd = entry.file_name().to_str().and_then(|n| n.parse().ok());
                if let Some((port, bytes)) = fd.and_then(connection_backlog) {
                    *unsent.entry(port).or_default() += bytes;
                }
            }
            Some(SocketTable { unsent })
        }
        #[cfg(not(target_os = "linux"))]
        {
            None
        }
    }

    /// Bytes not yet acknowledged by the peers of the connections whose local port is one
    /// of `ports`.
    pub fn unsent(&self, ports: &[u16]) -> u64 {
        ports.iter().filter_map(|p| self.unsent.get(p)).sum()
    }
}

/// For a connected TCP socket `fd`: its local port and its unacknowledged bytes; `None`
/// for anything else (not a socket, UDP, listening, closed meanwhile).
#[cfg(target_os = "linux")]
fn connection_backlog(fd: libc::c_int) -> Option<(u16, u64)> {
    use std::mem::{size_of, zeroed};
    // SAFETY: every call below only reads the socket's state into buffers we own, sized
    // as the calls are told; `fd` may be any number (a wrong one gives an error).
    unsafe {
        let mut kind: libc::c_int = 0;
        let mut len = size_of::<libc::c_int>() as libc::socklen_t;
        let asked = libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_TYPE,
            (&mut kind as *mut libc::c_int).cast(),
            &mut len,
        );
        if asked != 0 || kind != libc::SOCK_STREAM {
            return None;
        }
        let mut addr: libc::sockaddr_storage = zeroed();
        let mut len = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        let peer = (&mut addr as *mut libc::sockaddr_storage).cast();
        if libc::getpeername(fd, peer, &mut len) != 0 {
            return None; // listening, or not connected
        }
        let mut len = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        if libc::getsockname(fd, peer, &mut len) != 0 {
            return None;
        }
        let port = match libc::c_int::from(addr.ss_family) {
            libc::AF_INET => {
                let v4 = &*(&addr as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>();
                u16::from_be(v4.sin_port)
            }
            libc::AF_INET6 => {
                let v6 = &*(&addr as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>();
                u16::from_be(v6.sin6_port)
            }
            _ => return None,
        };
        let mut queued: libc::c_int = 0;
        if libc::ioctl(fd, libc::TIOCOUTQ, &mut queued) != 0 {
            return None;
        }
        Some((port, u64::try_from(queued).unwrap_or(0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the system says now of the connections on `ports`.
    #[cfg(target_os = "linux")]
    fn unsent_bytes(ports: &[u16]) -> Option<u64> {
        SocketTable::read().map(|t| t.unsent(ports))
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_connection_whose_peer_does_not_read_has_a_backlog() {
        use std::io::Write;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let _peer = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
        let (mut conn, _) = listener.accept().expect("accept");
        assert_eq!(unsent_bytes(&[port]), Some(0));
        // The peer never reads: once its receive buffer is full, bytes stay queued here.
        conn.set_nonblocking(true).expect("nonblocking");
        let block = vec![0u8; 1 << 16];
        while conn.write(&block).is_ok() {}
        assert!(unsent_bytes(&[port]).expect("linux says") > 0);
        // Only connections on the ports asked for count (the peer's side never writes).
        assert_eq!(unsent_bytes(&[]), Some(0));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn udp_sockets_and_listeners_are_not_connections() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let udp = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        use std::os::fd::AsRawFd;
        assert_eq!(connection_backlog(listener.as_raw_fd()), None);
        assert_eq!(connection_backlog(udp.as_raw_fd()), None);
        assert_eq!(connection_backlog(-1), None);
    }
}
