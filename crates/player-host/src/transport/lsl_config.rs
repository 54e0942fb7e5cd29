//! liblsl's configuration file (`lsl_api.cfg`): which one is in use, `--lsl-config`, and
//! the warning about one in the current directory.
//!
//! liblsl reads the first readable file of: the file named by the `LSLAPICFG`
//! environment variable, `lsl_api.cfg` **in the current directory**,
//! `~/lsl_api/lsl_api.cfg`, `/etc/lsl_api/lsl_api.cfg` (its documented lookup). A file
//! there can change the session id, the ports or the multicast addresses, and so make every
//! stream invisible to receivers that do not share it: `player-host --version` says which
//! file is in use, `--lsl-config PATH` names one explicitly, and a file found in the
//! current directory (which a user rarely means to configure anything) is announced by
//! every run that publishes ([`check_for_run`]). Nothing here blocks on a special file: the
//! candidates are looked at without being opened ([`crate::files`]).

use crate::error::{HostError, Result};
use std::path::{Path, PathBuf};

/// The environment variable liblsl reads first.
pub const ENV: &str = "LSLAPICFG";

/// The name liblsl looks for in the current directory.
const IN_CURRENT_DIR: &str = "lsl_api.cfg";

/// The files liblsl considers, in its lookup order.
fn candidates() -> Vec<PathBuf> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    candidates.extend(std::env::var_os(ENV).map(PathBuf::from));
    candidates.push(PathBuf::from(IN_CURRENT_DIR));
    candidates.extend(std::env::var_os("HOME").map(|h| Path::new(&h).join("lsl_api/lsl_api.cfg")));
    candidates.push(PathBuf::from("/etc/lsl_api/lsl_api.cfg"));
    candidates
}

/// The configuration file liblsl uses, in its lookup order; `None`: its defaults.
pub fn in_use() -> Option<PathBuf> {
    candidates()
        .into_iter()
        .find(|p| readable_file(p).is_ok())
        .map(|p| std::fs::canonicalize(&p).unwrap_or(p))
}

/// Whether `path` is a readable regular file, found without blocking: `stat` refuses a
/// FIFO or a device before it is opened, and the non-blocking open checks again.
fn readable_file(path: &Path) -> std::io::Result<()> {
    let not_a_file = |what| std::io::Error::other(format!("{what}, not a regular file"));
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(not_a_file(player_api::io::file_type_words(
            &meta.file_type(),
        )));
    }
    let (_, meta) = crate::files::open_read(path)?;
    if !meta.is_file() {
        return Err(not_a_file(player_api::io::file_type_words(
            &meta.file_type(),
        )));
    }
    Ok(())
}

/// One line for `--version`: the file in use, or that liblsl uses its defaults.
pub fn describe() -> String {
    match in_use() {
        Some(p) => format!("LSL config: {}", p.display()),
        None => "LSL config: none (liblsl's defaults)".to_string(),
    }
}

/// For a run that publishes: the warning to give when liblsl reads `lsl_api.cfg` from
/// the current directory (neither `--lsl-config` nor `LSLAPICFG` names a readable file),
/// or an error when the file liblsl would open is a FIFO, a device or a socket (liblsl
/// would block on it, or read it without end).
pub fn check_for_run() -> Result<Option<String>> {
    // The candidate of the current directory: after `LSLAPICFG`'s when it is set.
    let current_dir = usize::from(std::env::var_os(ENV).is_some());
    for (i, candidate) in candidates().into_iter().enumerate() {
        let Ok(meta) = std::fs::metadata(&candidate) else {
            continue;
        };
        if !meta.is_file() {
            return Err(HostError::Config(format!(
                "{}: liblsl would read this configuration file, which is {}: remove it, or \
                 name a regular file with --lsl-config PATH",
                candidate.display(),
                player_api::io::file_type_words(&meta.file_type())
            )));
        }
        if readable_file(&candidate).is_ok() {
            return Ok((i == current_dir).then(|| current_dir_warning(&candidate)));
        }
    }
    Ok(None)
}

/// The warning about `path`, `lsl_api.cfg` of the current directory, the file in use.
fn current_dir_warning(path: &Path) -> String {
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    format!(
        "liblsl reads {} from the current directory: it can change the session id, ports \
         and addresses, and hide the streams from receivers that do not share it; name the \
         file to use with --lsl-config PATH (or LSLAPICFG), or move it away",
        path.display()
    )
}

/// Makes liblsl read `path` (`--lsl-config`): it must be a readable regular file (a FIFO
/// is refused, not waited on). Call it before anything uses liblsl, while the program has
/// one thread.
pub fn set(path: &Path) -> Result<()> {
    match readable_file(path) {
        Ok(()) => {
            std::env::set_var(ENV, path);
            Ok(())
        }
        Err(e) => Err(HostError::Usage(format!(
            "--lsl-config {}: {e}",
            path.display()
        ))),
    }
}
