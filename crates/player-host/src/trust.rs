//! Whether a library may be loaded: the trust rule, the one rule for every library the
//! host loads: reader plugins ([`crate::plugins`]) and liblsl
//! ([`crate::transport::liblsl`], whether named by `PLAYER_LIBLSL` or found in the
//! system's library directories).
//!
//! Loading a library runs its code (its constructors) in this process, with this user's
//! rights, before the host can look at it. So a library is loaded only if nobody but root
//! and the user running the host could have put code there. The rule is sshd's
//! `StrictModes`:
//!
//! 1. resolve the path: symbolic links anywhere in it are followed and `.`/`..` removed
//!    ([`std::fs::canonicalize`]), so that what is checked is the file that will be
//!    loaded; a relative path is resolved against the current directory (a path given
//!    explicitly; nothing is ever looked for there implicitly);
//! 2. the library and **every directory from it up to `/`** must be owned by root or by
//!    the effective user (`geteuid`), and must not be writable by group or others. The
//!    sticky bit does not help: in a sticky directory like `/tmp`, anyone can still create
//!    a name that is not there yet;
//! 3. a library must be a regular file ([`check_library`]): opening a FIFO would block the
//!    loader, a device could be anything. Checked on the resolved path before loading;
//!    since only root and the user can change that path and its directories (step 2),
//!    nobody else can swap a FIFO in between the check and the load;
//! 4. the library is then loaded by that absolute, resolved path, never through the
//!    loader's search path (`LD_LIBRARY_PATH`, ...).
//!
//! Access control lists are not consulted. On platforms other than Unix only steps 1 and
//! 3 are made.
//!
//! The escape hatch for development is the environment variable [`UNSAFE_ENV`]
//! (`PLAYER_PLUGIN_UNSAFE=1`): a library the user names (a plugin, `PLAYER_LIBLSL`) that
//! fails step 2 is then loaded anyway, with one warning line per library (see [`admit`]).
//! It never admits a path that cannot be resolved or is not a regular file, nor a liblsl
//! the host would find by itself.

use std::fmt;
use std::path::{Path, PathBuf};

/// The environment variable that, set to `1`, loads the libraries a user names (plugins,
/// `PLAYER_LIBLSL`) that fail the trust rule's ownership and permission checks (with a
/// warning for each one).
pub const UNSAFE_ENV: &str = "PLAYER_PLUGIN_UNSAFE";

/// Whether [`UNSAFE_ENV`] is set to `1` in this process's environment.
pub fn unsafe_allowed() -> bool {
    std::env::var_os(UNSAFE_ENV).is_some_and(|v| v == "1")
}

/// A path that passed the trust rule: absolute, with no symbolic link, owned by root or
/// this user, in directories only they can write. The only way to get one besides
/// [`check_trusted`] is the escape hatch [`Untrusted::trust_anyway`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Trusted(PathBuf);

impl Trusted {
    /// The absolute, resolved path that was checked (the one to load).
    pub fn path(&self) -> &Path {
        &self.0
    }
}

/// What is wrong with one component of a library's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The path cannot be resolved (missing, a dangling link, no permission).
    Unresolvable(String),
    /// A library that is not a regular file (a FIFO, a device, a socket, a directory).
    NotAFile {
        /// What it is, e.g. "a FIFO (named pipe)".
        what: &'static str,
    },
    /// It is owned by another user than root or the effective user.
    Owner {
        /// Its owner's user id.
        uid: u32,
        /// The effective user id of this process.
        euid: u32,
    },
    /// It is writable by its group and/or by others.
    Writable {
        /// Its permission bits (`st_mode & 0o7777`).
        mode: u32,
    },
}

/// Why a library's path fails the trust rule: the offending component, what is wrong with
/// it, and the command that fixes it ([`Untrusted::fix`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Untrusted {
    /// The offending path: the library itself or one of its directories (resolved).
    pub offender: PathBuf,
    /// What is wrong with it.
    pub problem: Problem,
    /// The resolved library path, when it could be resolved.
    resolved: Option<PathBuf>,
}

impl Untrusted {
    /// The shell command that removes the problem (`chmod go-w ...` or `chown ...`), if
    /// there is one.
    pub fn fix(&self) -> Option<String> {
        let path = shell_quote(&self.offender);
        match &self.problem {
            Problem::Unresolvable(_) | Problem::NotAFile { .. } => None,
            Problem::Owner { euid, .. } => Some(match euid {
                0 => format!("chown root {path}"),
                _ => format!("chown {euid} {path}"),
            }),
            Problem::Writable { mode } => {
                let who = match (mode & 0o020 != 0, mode & 0o002 != 0) {
                    (true, true) => "go",
                    (true, false) => "g",
                    _ => "o",
                };
                Some(format!("chmod {who}-w {path}"))
            }
        }
    }

    /// The escape hatch: the resolved path as if it had passed, for a caller that has
    /// checked [`unsafe_allowed`] and warns the user. `None` when the path could not even
    /// be resolved, or is no regular file.
    pub fn trust_anyway(&self) -> Option<Trusted> {
        self.resolved.clone().map(Trusted)
    }
}

impl Untrusted {
    /// What is wrong, in one line, without the advice on how to fix it.
    pub fn summary(&self) -> String {
        let at = self.offender.display();
        match &self.problem {
            Problem::Unresolvable(e) => format!("cannot resolve {at}: {e}"),
            Problem::NotAFile { what } => {
                format!("{at} is {what}, not a library file (a regular file is needed)")
            }
            Problem::Owner { uid, euid } => format!(
                "{at} is owned by uid {uid}, neither root nor the user running the host \
                 (uid {euid}): that user could replace the code loaded"
            ),
            Problem::Writable { mode } => {
                let who = match (mode & 0o020 != 0, mode & 0o002 != 0) {
                    (true, true) => "its group and every user",
                    (true, false) => "its group",
                    _ => "every user",
                };
                let sticky = if mode & 0o1000 != 0 {
                    "; the sticky bit does not help"
                } else {
                    ""
                };
                format!("{at} is writable by {who} (mode {mode:o}{sticky}): they could replace the code loaded")
            }
        }
    }
}

impl fmt::Display for Untrusted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary())?;
        let Some(fix) = self.fix() else {
            return Ok(());
        };
        let elsewhere = "move the library under directories only you or root can write";
        match self.problem {
            // A sticky directory is usually shared on purpose (/tmp): closing it is the
            // second choice.
            Problem::Writable { mode } if mode & 0o1000 != 0 => write!(
                f,
                "; fix: {elsewhere}, or, if {} need not be shared, `{fix}`",
                self.offender.display()
            )?,
            _ => write!(f, "; fix: `{fix}`, or {elsewhere}")?,
        }
        write!(f, " ({UNSAFE_ENV}=1 loads it anyway)")
    }
}

impl std::error::Error for Untrusted {}

/// Checks `path` (a library or a directory of libraries) against the trust rule (see the
/// module docs) and returns its absolute resolved path, or the first offending component
/// counting from `/`.
pub fn check_trusted(path: &Path) -> Result<Trusted, Untrusted> {
    let resolved = std::fs::canonicalize(path).map_err(|e| Untrusted {
        offender: path.to_path_buf(),
        problem: Problem::Unresolvable(e.to_string()),
        resolved: None,
    })?;
    #[cfg(unix)]
    {
        // SAFETY: geteuid has no preconditions and cannot fail.
        let euid = unsafe { libc::geteuid() };
        let mut chain: Vec<&Path> = resolved.ancestors().collect();
        chain.reverse(); // from `/` down to the library
        for component in chain {
            if let Some(problem) = component_problem(component, euid) {
                return Err(Untrusted {
                    offender: component.to_path_buf(),
                    problem,
                    resolved: Some(resolved.clone()),
                });
            }
        }
    }
    Ok(Trusted(resolved))
}

/// [`check_trusted`] for a library file: it must also be a regular file (step 3 of the
/// rule), which the escape hatch cannot waive.
pub fn check_library(path: &Path) -> Result<Trusted, Untrusted> {
    let not_a_file = |at: &Path| {
        let meta = std::fs::symlink_metadata(at).ok()?;
        (!meta.is_file()).then(|| Untrusted {
            offender: at.to_path_buf(),
            problem: Problem::NotAFile {
                what: player_api::io::file_type_words(&meta.file_type()),
            },
            resolved: None,
        })
    };
    match check_trusted(path) {
        Ok(t) => match not_a_file(t.path()) {
            Some(u) => Err(u),
            None => Ok(t),
        },
        // Under the escape hatch, a FIFO must still be refused.
        Err(u) => match u.resolved.as_deref().and_then(not_a_file) {
            Some(special) => Err(special),
            None => Err(u),
        },
    }
}

/// The result of a check with the escape hatch applied: the path to load, with the reason
/// it is untrusted when only [`UNSAFE_ENV`] admits it (the caller warns with it); or why
/// it is refused.
pub fn admit(
    checked: Result<Trusted, Untrusted>,
) -> Result<(Trusted, Option<Untrusted>), Untrusted> {
    match checked {
        Ok(t) => Ok((t, None)),
        Err(u) => match u.trust_anyway().filter(|_| unsafe_allowed()) {
            Some(t) => Ok((t, Some(u))),
            None => Err(u),
        },
    }
}

/// What is wrong with one resolved component, if anything.
#[cfg(unix)]
fn component_problem(path: &Path, euid: u32) -> Option<Problem> {
    use std::os::unix::fs::MetadataExt;
    // No link is followed: a component of a resolved path that is a link now was
    // replaced meanwhile, and a link's own mode (0777) then refuses it.
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) => return Some(Problem::Unresolvable(e.to_string())),
    };
    let mode = meta.mode() & 0o7777;
    if meta.uid() != 0 && meta.uid() != euid {
        Some(Problem::Owner {
            uid: meta.uid(),
            euid,
        })
    } else if mode & 0o022 != 0 {
        Some(Problem::Writable { mode })
    } else {
        None
    }
}

/// `path` as one shell word (single-quoted unless it is made of safe characters only).
fn shell_quote(path: &Path) -> String {
    let text = path.to_string_lossy();
    let safe = |c: char| c.is_ascii_alphanumeric() || "/._-+,:@%".contains(c);
    if !text.is_empty() && text.chars().all(safe) {
        text.into_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixes_name_the_bits_and_the_owner() {
        let u = |problem| Untrusted {
            offender: PathBuf::from("/opt/my plugins"),
            problem,
            resolved: None,
        };
        let fix = |p| u(p).fix().unwrap_or_default();
        assert_eq!(
            fix(Problem::Writable { mode: 0o1777 }),
            "chmod go-w '/opt/my plugins'"
        );
        assert_eq!(
            fix(Problem::Writable { mode: 0o775 }),
            "chmod g-w '/opt/my plugins'"
        );
        assert_eq!(
            fix(Problem::Owner { uid: 7, euid: 0 }),
            "chown root '/opt/my plugins'"
        );
        assert_eq!(
            fix(Problem::Owner { uid: 7, euid: 1000 }),
            "chown 1000 '/opt/my plugins'"
        );
        assert_eq!(u(Problem::Unresolvable("gone".into())).fix(), None);
        let text = u(Problem::Writable { mode: 0o775 }).to_string();
        assert!(
            text.contains("writable by its group (mode 775): they could replace the code loaded; fix: `chmod g-w '/opt/my plugins'`, or move"),
            "{text}"
        );
        let text = u(Problem::Writable { mode: 0o1777 }).to_string();
        assert!(
            text.contains(
                "writable by its group and every user (mode 1777; the sticky bit does not help)"
            ) && text.contains(
                "fix: move the library under directories only you or root can write, or, \
                 if /opt/my plugins need not be shared, `chmod go-w '/opt/my plugins'`"
            ) && text.contains("PLAYER_PLUGIN_UNSAFE=1"),
            "{text}"
        );
    }

    #[test]
    fn quoting_keeps_plain_paths_and_escapes_quotes() {
        assert_eq!(shell_quote(Path::new("/usr/lib/x.so")), "/usr/lib/x.so");
        assert_eq!(shell_quote(Path::new("/a'b")), r"'/a'\''b'");
    }

    #[test]
    fn a_missing_path_is_unresolvable() {
        let e = check_trusted(Path::new("/nonexistent/player/libx.so")).expect_err("missing");
        assert!(matches!(e.problem, Problem::Unresolvable(_)), "{e:?}");
        assert_eq!(e.trust_anyway(), None);
    }
}
