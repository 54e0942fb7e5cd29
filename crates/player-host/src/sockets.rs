//! How many bytes this process's TCP connections still hold for their peers: what the
//! kernel has been given but the consumers have not yet acknowledged.
//!
//! liblsl has no call that reports a consumer's backlog (neither 1.13 nor 1.18:
//! `lsl_have_consumers` and `lsl_wait_for_consumers` only tell that one is connected).
//! What can be observed is the kernel's side of each outlet's data connections: an
//! outlet serves each consumer from a queue through one TCP connection on its data port,
//! and as long as that queue holds samples, liblsl keeps the connection's send queue
//! busy. A send queue that stays empty means the consumer has taken everything. On Linux
//! the send queue of every socket is in `/proc/net/tcp{,6}` (`tx_queue`: bytes written
//! but not yet acknowledged); elsewhere the backlog is unknown.

use std::collections::{HashMap, HashSet};

/// What the system says of this process's TCP sockets at one moment: read once and
/// asked for many outlets' ports (a run of hundreds of outlets has thousands of
/// descriptors and sockets: reading them once per outlet would take seconds).
#[derive(Debug, Clone, Default)]
pub struct SocketTable {
    /// Unacknowledged bytes of this process's established connections, by local port.
    unsent: HashMap<u16, u64>,
}

impl SocketTable {
    /// Reads the table now; `None` when the system does not say (not Linux, or `/proc`
    /// unreadable).
    pub fn read() -> Option<SocketTable> {
        #[cfg(target_os = "linux")]
        {
            let inodes = own_socket_inodes()?;
            let mut unsent = HashMap::new();
            let mut any = false;
            for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
                if let Ok(text) = std::fs::read_to_string(table) {
                    any = true;
                    add_unsent(&text, &inodes, &mut unsent);
                }
            }
            any.then_some(SocketTable { unsent })
        }
        #[cfg(not(target_os = "linux"))]
        {
            None
        }
    }

    /// Bytes not yet acknowledged by the peers of the established connections whose
    /// local port is one of `ports`.
    pub fn unsent(&self, ports: &[u16]) -> u64 {
        ports.iter().filter_map(|p| self.unsent.get(p)).sum()
    }
}

/// Bytes not yet acknowledged by the peers of this process's established TCP connections
/// whose local port is one of `ports`; `None` when the system does not say.
pub fn unsent_bytes(ports: &[u16]) -> Option<u64> {
    SocketTable::read().map(|t| t.unsent(ports))
}

/// The inodes of this process's sockets (`/proc/self/fd/N -> socket:[INODE]`).
#[cfg(target_os = "linux")]
fn own_socket_inodes() -> Option<HashSet<u64>> {
    let mut inodes = HashSet::new();
    for entry in std::fs::read_dir("/proc/self/fd").ok()?.flatten() {
        if let Ok(target) = std::fs::read_link(entry.path()) {
            let target = target.to_string_lossy();
            if let Some(inode) = target
                .strip_prefix("socket:[")
                .and_then(|t| t.strip_suffix(']'))
                .and_then(|t| t.parse().ok())
            {
                inodes.insert(inode);
            }
        }
    }
    Some(inodes)
}

/// Adds to `unsent` (by local port) the `tx_queue` of the established connections of a
/// `/proc/net/tcp`-format `table` whose inode is in `inodes`.
pub(crate) fn add_unsent(table: &str, inodes: &HashSet<u64>, unsent: &mut HashMap<u16, u64>) {
    const ESTABLISHED: &str = "01";
    for line in table.lines().skip(1) {
        let mut fields = line.split_whitespace();
        let (Some(local), Some(state), Some(queues), Some(inode)) =
            (fields.nth(1), fields.nth(1), fields.next(), fields.nth(4))
        else {
            continue;
        };
        let port = local
            .rsplit_once(':')
            .and_then(|(_, p)| u16::from_str_radix(p, 16).ok());
        let tx = queues
            .split_once(':')
            .and_then(|(tx, _)| u64::from_str_radix(tx, 16).ok());
        let inode: Option<u64> = inode.parse().ok();
        if let (Some(port), Some(tx), Some(inode)) = (port, tx, inode) {
            if state == ESTABLISHED && inodes.contains(&inode) {
                *unsent.entry(port).or_default() += tx;
            }
        }
    }
}

/// The unsent bytes of `table` on `ports` (for the tests).
#[cfg(test)]
fn backlog_in_table(table: &str, ports: &[u16], inodes: &HashSet<u64>) -> u64 {
    let mut unsent = HashMap::new();
    add_unsent(table, inodes, &mut unsent);
    SocketTable { unsent }.unsent(ports)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:4075 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 100 1 0000000000000000 100 0 0 10 0
   1: 0100007F:4075 0100007F:A1B2 01 0003E800:00000000 01:00000014 00000000     0        0 101 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:4075 0100007F:A1B3 01 00000010:00000000 01:00000014 00000000     0        0 102 1 0000000000000000 20 4 30 10 -1
   3: 0100007F:A1B2 0100007F:4075 01 00001000:00000000 00:00000000 00000000     0        0 200 1 0000000000000000 20 4 30 10 -1
   4: 0100007F:4075 0100007F:A1B4 08 00000500:00000000 00:00000000 00000000     0        0 103 1 0000000000000000 20 4 30 10 -1
   5: 0100007F:1234 0100007F:A1B5 01 00000700:00000000 00:00000000 00000000     0        0 104 1 0000000000000000 20 4 30 10 -1
";

    #[test]
    fn sums_established_connections_on_the_ports_owned_here() {
        let ours: HashSet<u64> = [100, 101, 102, 103, 104].into();
        // 0x4075 = 16501: rows 1 and 2 (row 0 listens, row 3 is a peer's socket on
        // another port, row 4 is closing, row 5 is another port).
        assert_eq!(backlog_in_table(TABLE, &[16501], &ours), 0x3E800 + 0x10);
        assert_eq!(
            backlog_in_table(TABLE, &[16501, 0x1234], &ours),
            0x3E800 + 0x10 + 0x700
        );
    }

    #[test]
    fn sockets_of_other_processes_do_not_count() {
        let ours: HashSet<u64> = [102].into();
        assert_eq!(backlog_in_table(TABLE, &[16501], &ours), 0x10);
        assert_eq!(backlog_in_table(TABLE, &[16501], &HashSet::new()), 0);
    }

    #[test]
    fn garbage_lines_are_skipped() {
        let ours: HashSet<u64> = [101].into();
        let table = format!("{TABLE}junk\n   9: zz:zz 0 01 q:q\n");
        assert_eq!(backlog_in_table(&table, &[16501], &ours), 0x3E800);
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
    }
}
