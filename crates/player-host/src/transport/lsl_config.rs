//! liblsl's configuration file (`lsl_api.cfg`): which one is in use, and `--lsl-config`.
//!
//! liblsl reads the first readable file of: the file named by the `LSLAPICFG`
//! environment variable, `lsl_api.cfg` **in the current directory**,
//! `~/lsl_api/lsl_api.cfg`, `/etc/lsl_api/lsl_api.cfg` (its documented lookup). A file
//! there can change the session id, the ports or the multicast addresses, and so make every
//! stream invisible to receivers that do not share it: `player-host --version` says which
//! file is in use, and `--lsl-config PATH` names one explicitly.

use crate::error::{HostError, Result};
use std::path::{Path, PathBuf};

/// The environment variable liblsl reads first.
pub const ENV: &str = "LSLAPICFG";

/// The configuration file liblsl uses, in its lookup order; `None`: its defaults.
pub fn in_use() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    candidates.extend(std::env::var_os(ENV).map(PathBuf::from));
    candidates.push(PathBuf::from("lsl_api.cfg"));
    candidates.extend(std::env::var_os("HOME").map(|h| Path::new(&h).join("lsl_api/lsl_api.cfg")));
    candidates.push(PathBuf::from("/etc/lsl_api/lsl_api.cfg"));
    candidates
        .into_iter()
        .find(|p| std::fs::File::open(p).is_ok_and(|f| f.metadata().is_ok_and(|m| m.is_file())))
        .map(|p| std::fs::canonicalize(&p).unwrap_or(p))
}

/// One line for `--version`: the file in use, or that liblsl uses its defaults.
pub fn describe() -> String {
    match in_use() {
        Some(p) => format!("LSL config: {}", p.display()),
        None => "LSL config: none (liblsl's defaults)".to_string(),
    }
}

/// Makes liblsl read `path` (`--lsl-config`): it must be a readable regular file. Call it
/// before anything uses liblsl, while the program has one thread.
pub fn set(path: &Path) -> Result<()> {
    let readable = std::fs::File::open(path)
        .and_then(|f| f.metadata())
        .map(|m| m.is_file());
    match readable {
        Ok(true) => {
            std::env::set_var(ENV, path);
            Ok(())
        }
        Ok(false) => Err(HostError::Usage(format!(
            "--lsl-config {}: not a regular file",
            path.display()
        ))),
        Err(e) => Err(HostError::Usage(format!(
            "--lsl-config {}: {e}",
            path.display()
        ))),
    }
}
