//! The shape ARCHITECTURE.md draws, kept: each subsystem of `src/` uses only the ones
//! below it (no module imports one that imports it back), nothing outside `cli/` prints,
//! and no source file grows past what a reader can hold.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

/// The subsystems, from the top: each may use those after it, never those before.
const LAYERS: &[&str] = &[
    "cli",
    "session",
    "control",
    "engine",
    "plugins",
    "scenario",
    "transport",
];

/// The longest source file, in lines (ARCHITECTURE.md: "small modules with one job").
const MAX_LINES: usize = 650;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The subsystem a source file belongs to (`engine` for `src/engine/timing.rs`, `session`
/// for `src/session.rs`), `None` for the crate's root files.
fn layer_of(file: &Path) -> Option<&'static str> {
    let rel = file.strip_prefix(src()).unwrap();
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    LAYERS.iter().copied().find(|l| *l == name)
}

/// The code of a file without its comments (doc links may point anywhere) and without
/// its tests (`#[cfg(test)]` modules and files named `tests.rs`).
fn code(file: &Path) -> String {
    let text = std::fs::read_to_string(file).unwrap();
    if file.file_name().is_some_and(|n| n == "tests.rs") {
        return String::new();
    }
    let text = text.split("#[cfg(test)]\nmod tests").next().unwrap();
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn each_subsystem_uses_only_those_below_it() {
    let mut wrong = Vec::new();
    for file in sources(&src()) {
        let Some(layer) = layer_of(&file) else {
            continue;
        };
        let rank = LAYERS.iter().position(|l| *l == layer).unwrap();
        let code = code(&file);
        for (above, name) in LAYERS[..rank].iter().enumerate() {
            let uses = [format!("crate::{name}::"), format!("crate::{name};")];
            if uses.iter().any(|u| code.contains(u.as_str())) {
                wrong.push(format!(
                    "{} ({layer}) uses {name}, above it ({above} < {rank})",
                    file.display()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn only_the_command_line_prints() {
    let mut printing = Vec::new();
    for file in sources(&src()) {
        if layer_of(&file) == Some("cli") {
            continue;
        }
        let code = code(&file);
        for macro_name in ["println!", "eprintln!", "print!", "eprint!", "dbg!"] {
            if code.contains(macro_name) {
                printing.push(format!("{}: {macro_name}", file.display()));
            }
        }
    }
    assert!(printing.is_empty(), "{printing:#?}");
}

#[test]
fn no_source_file_is_longer_than_a_reader_can_hold() {
    let long: Vec<String> = sources(&src())
        .into_iter()
        .map(|f| (std::fs::read_to_string(&f).unwrap().lines().count(), f))
        .filter(|(n, _)| *n > MAX_LINES)
        .map(|(n, f)| format!("{}: {n} lines", f.display()))
        .collect();
    assert!(long.is_empty(), "split by concern: {long:#?}");
}
