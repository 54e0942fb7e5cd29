//! Docs that hold: claims of the README, ARCHITECTURE.md and docs/ checked against the
//! code and the repository (the formats table against the registered readers, every link
//! and every cited path, the dependency notes against the manifests, the MNE-LSL
//! equivalents against the binary, the crate's description against the built-in readers,
//! the README's Rust program against the guide's).
//!
//! The Rust example of docs/rust.md is built outside the workspace by
//! `scripts/test-outside`.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

mod support;
use support::repo;

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap()
}

/// The fenced code blocks of `text` whose fence line is "```" + `lang`.
fn code_blocks(text: &str, lang: &str) -> Vec<String> {
    let fence = format!("```{lang}");
    let mut blocks = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim_start() == fence {
            let body: Vec<&str> = lines
                .by_ref()
                .take_while(|l| !l.trim_start().starts_with("```"))
                .collect();
            blocks.push(body.join("\n"));
        }
    }
    blocks
}

/// The ids of the readers built into the binary, from `player-host plugins --json`.
fn builtin_ids() -> BTreeSet<String> {
    let out = support::host(&["plugins", "--json"]);
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json["readers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["origin"] == "built-in")
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_formats_table_is_one_table_with_every_reader() {
    let formats = read("docs/formats.md");
    // The table: the first run of consecutive `|` lines (a blank line would end it).
    let rows: Vec<&str> = formats
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2) // header and separator
        .collect();
    let first_cell = |row: &str| row.split('|').nth(1).unwrap_or("").trim().to_string();
    let ids: BTreeSet<String> = rows
        .iter()
        .map(|r| first_cell(r).split('`').nth(1).unwrap_or("").to_string())
        .collect();
    let mut want = builtin_ids();
    assert_eq!(want.len(), 7, "{want:?}");
    want.insert("brainvision".into()); // plugins/brainvision, the plugin users hit
    assert_eq!(ids, want, "the table's rows: {rows:#?}");
    for row in &rows {
        let id = first_cell(row);
        let plugin = id.ends_with("(plugin)");
        assert_eq!(plugin, id.contains("brainvision"), "{row}");
    }
}

/// The documents: the README, ARCHITECTURE.md, every page of docs/, and the guides of
/// the plugins, the benchmarks and the Python package.
fn documents() -> Vec<PathBuf> {
    fn pages(dir: &Path, into: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(repo().join(dir)).unwrap() {
            let path = dir.join(entry.unwrap().file_name());
            if repo().join(&path).is_dir() {
                pages(&path, into);
            } else if path.extension().is_some_and(|e| e == "md") {
                into.push(path);
            }
        }
    }
    let mut docs: Vec<PathBuf> = [
        "README.md",
        "ARCHITECTURE.md",
        "plugins/README.md",
        "bench/README.md",
        "crates/player-py/README.md",
    ]
    .iter()
    .map(PathBuf::from)
    .collect();
    pages(Path::new("docs"), &mut docs);
    docs
}

/// The targets of the Markdown links `](target)` of `text` that point into the
/// repository (not to the web, not to an anchor of the same page).
fn links(text: &str) -> Vec<String> {
    text.split("](")
        .skip(1)
        .map(|part| part.split(')').next().unwrap_or(""))
        .filter(|t| !t.contains("://") && !t.starts_with('#') && !t.is_empty())
        .map(|t| t.split('#').next().unwrap_or("").to_string())
        .collect()
}

/// The directories at the top of the repository: a backticked word that starts with one
/// of them is a cited path.
const TOP: &[&str] = &[
    "crates/",
    "plugins/",
    "tests/",
    "docs/",
    "examples/",
    "bench/",
    "scripts/",
    "tools/",
    "fuzz/",
    ".ci/",
    ".cargo/",
];

/// Paths the docs name that runs create (outputs), not files of the repository.
const GENERATED: &[&str] = &["bench/results/"];

/// The paths of the repository cited in backticks (`crates/...`, `scripts/test`,
/// `ARCHITECTURE.md`), as far as they are plain paths (no spaces, no wildcards).
fn cited_paths(text: &str) -> Vec<String> {
    text.split('`')
        .enumerate()
        .filter(|(k, _)| k % 2 == 1)
        .map(|(_, part)| part.trim_end_matches(['.', ',', ':']))
        .filter(|p| !p.contains([' ', '*', '{', '<', '$', '(', '=']))
        .filter(|p| {
            TOP.iter().any(|t| p.starts_with(t)) || (p.ends_with(".md") && !p.contains('/'))
        })
        .filter(|p| !GENERATED.contains(p))
        .map(|p| p.split('#').next().unwrap_or("").to_string())
        .collect()
}

#[test]
fn every_link_and_every_cited_path_exists() {
    let mut missing = Vec::new();
    for doc in documents() {
        let text = read(doc.to_str().unwrap());
        let dir = repo().join(doc.parent().unwrap());
        // A link is followed from the page that holds it, as a reader's browser does.
        for link in links(&text) {
            if !dir.join(&link).exists() {
                missing.push(format!("{}: link {link}", doc.display()));
            }
        }
        // A backticked path is the repository's (a bare `NAME.md`: a page beside it, or
        // at the top).
        for cited in cited_paths(&text) {
            if !repo().join(&cited).exists() && !dir.join(&cited).exists() {
                missing.push(format!("{}: `{cited}`", doc.display()));
            }
        }
    }
    assert!(missing.is_empty(), "not in the repository: {missing:#?}");
}

#[test]
fn the_guide_indexes_every_page() {
    let index = read("docs/README.md");
    for doc in documents() {
        let Ok(page) = doc.strip_prefix("docs") else {
            continue;
        };
        let page = page.to_str().unwrap();
        if page == "README.md" || page.starts_with("readers/") {
            continue;
        }
        assert!(
            index.contains(&format!("]({page})")),
            "docs/README.md does not link {page}"
        );
    }
}

#[test]
fn the_readmes_rust_program_is_the_guides() {
    let readme = code_blocks(&read("README.md"), "rust");
    let guide = code_blocks(&read("docs/rust.md"), "rust");
    assert_eq!(readme.len(), 1, "one Rust block in the README");
    assert!(
        guide.contains(&readme[0]),
        "the README's Rust program differs from docs/rust.md's"
    );
}

/// The `[dependencies]` of a manifest that are not this project's own crates.
fn external_dependencies(manifest: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(manifest).unwrap();
    text.lines()
        .skip_while(|l| l.trim() != "[dependencies]")
        .skip(1)
        .take_while(|l| !l.starts_with('['))
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|l| l.split(['=', '.']).next().unwrap().trim().to_string())
        .filter(|name| !name.starts_with("player-"))
        .collect()
}

#[test]
fn the_dependency_notes_name_every_dependency() {
    let notes = read("docs/dependencies.md");
    let mut manifests = Vec::new();
    for dir in ["crates", "plugins"] {
        for entry in std::fs::read_dir(repo().join(dir)).unwrap() {
            let manifest = entry.unwrap().path().join("Cargo.toml");
            if manifest.is_file() {
                manifests.push(manifest);
            }
        }
    }
    assert!(manifests.len() >= 5, "{manifests:?}");
    let deps: BTreeSet<String> = manifests
        .iter()
        .flat_map(|m| external_dependencies(m))
        .collect();
    assert!(deps.contains("signal-hook"), "{deps:?}");
    let unnamed: Vec<&String> = deps
        .iter()
        .filter(|d| !notes.contains(&format!("**{d}**")) && !notes.contains(&format!("`{d}`")))
        .collect();
    assert!(
        unnamed.is_empty(),
        "not in docs/dependencies.md: {unnamed:?}"
    );
}

#[test]
fn the_mne_lsl_equivalents_are_accepted_by_the_binary() {
    let coming = read("docs/mne-lsl.md");
    let fixture = repo().join("examples/fixtures/fif/short_raw.fif");
    let mut commands: Vec<Vec<String>> = code_blocks(&coming, "sh")
        .iter()
        .flat_map(|b| b.lines().map(str::to_string).collect::<Vec<_>>())
        .filter(|l| l.starts_with("player-host "))
        .map(|l| l.split_whitespace().skip(1).map(String::from).collect())
        .collect();
    // The Python example's argument list: the quoted words after "player-host".
    for block in code_blocks(&coming, "python") {
        if let Some(start) = block.find("[\"player-host\",") {
            let list = &block[start + 1..start + block[start..].find(']').unwrap()];
            let words = list
                .split(',')
                .map(|w| w.trim().trim_matches('"').to_string());
            commands.push(words.skip(1).collect());
        }
    }
    assert_eq!(commands.len(), 2, "{coming}");
    for args in commands {
        let args: Vec<String> = args
            .into_iter()
            .map(|a| match a.as_str() {
                "sample_raw.fif" => fixture.to_str().unwrap().to_string(),
                _ => a,
            })
            .collect();
        let out = support::Host::new().args(&args).args(["--dry-run"]).run();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "player-host {args:?}: {err}");
    }
}

#[test]
fn the_crate_description_and_docs_name_every_builtin_format() {
    let description = env!("CARGO_PKG_DESCRIPTION");
    let lib = read("crates/player-host/src/lib.rs");
    let intro = lib.split("\n\n").take(2).collect::<Vec<_>>().join(" ");
    for id in builtin_ids() {
        let name = id.to_uppercase();
        assert!(description.contains(&name), "{name} not in {description:?}");
        assert!(
            intro.contains(&name),
            "{name} not in lib.rs's intro: {intro}"
        );
    }
}
