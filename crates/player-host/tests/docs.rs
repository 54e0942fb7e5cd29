//! Docs that hold: claims of the README and docs/ checked against the code and the
//! repository (the formats table against the registered readers, every cited file,
//! the dependency notes against the manifests, the MNE-LSL equivalents against the binary,
//! the crate's description against the built-in readers).
//!
//! The README's Rust example is built outside the workspace by `scripts/test-outside`.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap()
}

/// The text of the README's `## TITLE` section, up to the next `## ` heading.
fn section(text: &str, title: &str) -> String {
    let head = format!("## {title}\n");
    let start = text.find(&head).unwrap_or_else(|| panic!("no {head:?}")) + head.len();
    let rest = &text[start..];
    rest[..rest.find("\n## ").unwrap_or(rest.len())].to_string()
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
    let out = Command::new(env!("CARGO_BIN_EXE_player-host"))
        .args(["plugins", "--json"])
        .env_remove("PLAYER_PLUGIN_PATH")
        .output()
        .unwrap();
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
    let formats = section(&read("README.md"), "Formats");
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
    assert_eq!(want.len(), 4, "{want:?}");
    want.insert("brainvision".into()); // plugins/brainvision, the plugin users hit
    assert_eq!(ids, want, "the table's rows: {rows:#?}");
    for row in &rows {
        let id = first_cell(row);
        let plugin = id.ends_with("(plugin)");
        assert_eq!(plugin, id.contains("brainvision"), "{row}");
    }
}

/// Markdown links `](target)` and backticked `*.md` names that point into the repository.
fn cited_paths(text: &str) -> Vec<String> {
    let mut cited = Vec::new();
    for part in text.split("](").skip(1) {
        let target = part.split(')').next().unwrap_or("");
        if !target.contains("://") && !target.starts_with('#') && !target.is_empty() {
            cited.push(target.split('#').next().unwrap_or("").to_string());
        }
    }
    for (k, part) in text.split('`').enumerate() {
        if k % 2 == 1 && part.ends_with(".md") && !part.contains(' ') {
            cited.push(part.to_string());
        }
    }
    cited
}

#[test]
fn every_file_the_docs_cite_exists() {
    let mut docs = vec![
        PathBuf::from("README.md"),
        PathBuf::from("plugins/README.md"),
        PathBuf::from("crates/player-py/README.md"),
    ];
    for entry in std::fs::read_dir(repo().join("docs/readers")).unwrap() {
        docs.push(Path::new("docs/readers").join(entry.unwrap().file_name()));
    }
    let mut missing = Vec::new();
    for doc in &docs {
        let text = read(doc.to_str().unwrap());
        let dir = repo().join(doc.parent().unwrap());
        for cited in cited_paths(&text) {
            // Relative to the citing file, or (for a backticked name) to the repository.
            if !dir.join(&cited).exists() && !repo().join(&cited).exists() {
                missing.push(format!("{}: {cited}", doc.display()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "cited but not in the repository: {missing:#?}"
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
    let notes = section(&read("README.md"), "Dependency notes");
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
        "not in README's dependency notes: {unnamed:?}"
    );
}

#[test]
fn the_mne_lsl_equivalents_are_accepted_by_the_binary() {
    let coming = section(&read("README.md"), "Coming from MNE-LSL");
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
        let out = Command::new(env!("CARGO_BIN_EXE_player-host"))
            .args(&args)
            .arg("--dry-run")
            .output()
            .unwrap();
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
