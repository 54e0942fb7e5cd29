//! Where the host looks for a current liblsl when `PLAYER_LIBLSL` is not set: absolute
//! paths only, never the loader's search path (`LD_LIBRARY_PATH`, whose empty entries
//! mean the current directory), each candidate then checked by the trust rule before it
//! is loaded (by the caller).
//!
//! The candidates, in order, are the files named like liblsl ([`super::SYSTEM_NAMES`]):
//!
//! 1. on Linux, those of the `ldconfig` cache (`/etc/ld.so.cache`, what `ldconfig -p`
//!    lists: the directories of `/etc/ld.so.conf`, where packages install libraries);
//! 2. those of the standard library directories ([`DIRECTORIES`]).
//!
//! A liblsl anywhere else (a conda environment, a build directory) is used by naming it:
//! `PLAYER_LIBLSL=/path/to/liblsl.so`.

use std::io::Read;
use std::path::{Path, PathBuf};

/// The standard library directories searched after the `ldconfig` cache.
#[cfg(target_os = "macos")]
pub const DIRECTORIES: &[&str] = &["/usr/local/lib", "/opt/homebrew/lib", "/opt/local/lib"];
/// The standard library directories searched after the `ldconfig` cache (and the
/// multiarch directories `/usr/lib/<arch>-linux-gnu`, `/lib/<arch>-linux-gnu`).
#[cfg(all(unix, not(target_os = "macos")))]
pub const DIRECTORIES: &[&str] = &[
    "/usr/local/lib",
    "/usr/lib",
    "/lib",
    "/usr/local/lib64",
    "/usr/lib64",
    "/lib64",
];
/// No standard directory is searched on Windows: name the library with `PLAYER_LIBLSL`.
#[cfg(windows)]
pub const DIRECTORIES: &[&str] = &[];

/// The `ldconfig` cache.
const LD_CACHE: &str = "/etc/ld.so.cache";

/// The largest `ldconfig` cache read (a typical one is about 100 kB).
const MAX_LD_CACHE: u64 = 16 << 20;

/// Every existing candidate, in the order of the module docs, without duplicates (not
/// resolved: the trust rule resolves them).
pub fn candidates() -> Vec<PathBuf> {
    let mut all = from_ld_cache(Path::new(LD_CACHE), super::SYSTEM_NAMES);
    for dir in directories() {
        all.extend(super::SYSTEM_NAMES.iter().map(|name| dir.join(name)));
    }
    let mut seen = std::collections::BTreeSet::new();
    all.retain(|p| std::fs::symlink_metadata(p).is_ok() && seen.insert(p.clone()));
    all
}

/// [`DIRECTORIES`], with the multiarch directories of this architecture after `/usr/lib`
/// and `/lib` on Linux.
fn directories() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = DIRECTORIES.iter().map(PathBuf::from).collect();
    if cfg!(target_os = "linux") {
        let triplet = format!("{}-linux-gnu", std::env::consts::ARCH);
        for base in ["/usr/lib", "/lib"] {
            dirs.push(Path::new(base).join(&triplet));
        }
    }
    dirs
}

/// The absolute paths named like one of `names` in the `ldconfig` cache at `path`, in the
/// cache's order (nothing when there is no readable cache). The cache's string table
/// holds each library's full path as a NUL-terminated string, in both of its formats, so
/// that is all that is read of it.
fn from_ld_cache(path: &Path, names: &[&str]) -> Vec<PathBuf> {
    let mut bytes = Vec::new();
    let read = crate::files::open_read(path).and_then(|(file, meta)| {
        if !meta.is_file() {
            return Ok(0);
        }
        file.take(MAX_LD_CACHE).read_to_end(&mut bytes)
    });
    if read.is_err() {
        return Vec::new();
    }
    bytes
        .split(|b| *b == 0)
        .filter_map(|s| std::str::from_utf8(s).ok())
        .filter(|s| s.starts_with('/'))
        .map(PathBuf::from)
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| names.contains(&n))
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_gives_absolute_paths_of_the_names_only() {
        let d = player_api::conformance::TempDir::new("ldcache");
        let mut cache = b"glibc-ld.so.cache1.1\0\0\x07liblsl.so.2\0".to_vec();
        for s in [
            "/usr/lib/x86_64-linux-gnu/liblsl.so.2",
            "liblsl.so",
            "./liblsl.so",
            "/usr/lib/libm.so.6",
            "/opt/lsl/lib/liblsl.so",
        ] {
            cache.extend_from_slice(s.as_bytes());
            cache.push(0);
        }
        let path = d.write("ld.so.cache", cache);
        assert_eq!(
            from_ld_cache(&path, &["liblsl.so", "liblsl.so.2"]),
            [
                PathBuf::from("/usr/lib/x86_64-linux-gnu/liblsl.so.2"),
                PathBuf::from("/opt/lsl/lib/liblsl.so")
            ]
        );
        assert!(from_ld_cache(&d.join("missing"), &["liblsl.so"]).is_empty());
    }

    #[test]
    fn candidates_are_absolute_and_exist() {
        for c in candidates() {
            assert!(c.is_absolute(), "{}", c.display());
            assert!(std::fs::symlink_metadata(&c).is_ok(), "{}", c.display());
        }
    }
}
