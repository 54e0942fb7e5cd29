//! Fork safety: a player belongs to the process that created it.
//!
//! `os.fork()` copies the player's memory into the child but none of its threads (the
//! timing thread, the prefetch workers, liblsl's): in the child, joining them would wait
//! for threads that do not exist, and releasing the outlets would call into a liblsl
//! whose threads are gone. So every native player records the id of the process that
//! created it; in another process its operations refuse with a `PlayerError` that says
//! why (or do nothing, for `stop`), and dropping it leaks it instead of joining.

use crate::errors::raise;
use pyo3::prelude::*;

/// The process that created a player.
#[derive(Debug, Clone, Copy)]
pub struct Owner {
    pid: u32,
}

impl Owner {
    /// The calling process.
    pub fn here() -> Self {
        Owner {
            pid: std::process::id(),
        }
    }

    /// Whether the calling process is the owner (false in a child made by `os.fork()`).
    pub fn is_here(&self) -> bool {
        std::process::id() == self.pid
    }

    /// `Ok` in the owner; in another process, a `PlayerError` saying that `what` cannot
    /// be done there.
    pub fn check(&self, py: Python<'_>, what: &str) -> PyResult<()> {
        if self.is_here() {
            return Ok(());
        }
        Err(raise(
            py,
            "PlayerError",
            format!(
                "cannot {what}: this player was created in process {} and this is process \
                 {}, a child made by os.fork(); the replay's threads and outlets stay in \
                 the parent (create a new player in the child)",
                self.pid,
                std::process::id()
            ),
        ))
    }
}
