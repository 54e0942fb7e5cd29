//! Dynamic reader plugins, through the real `player-host` binary: discovery
//! (`--plugin-dir`, `PLAYER_PLUGIN_PATH`, a scenario's `plugins:`), the BrainVision plugin
//! against MNE's truth, and faulty plugins that must leave the host in control.
//!
//! The plugin libraries are built by cargo as workspace members (`cargo build
//! --workspace`, as `scripts/test` does). They are looked up in `$PLAYER_PLUGIN_LIB_DIR`,
//! else in the workspace's `target/debug` and `target/release` (the newest build wins);
//! a missing library fails the test with the command that builds it.
#![allow(clippy::unwrap_used)]

mod support;
use support::*;

use player_api::abi::{
    read_table, AbiBuf, AbiError, DynamicReader, EntryFn, PluginTable, TableHeader, TableLayout,
    ABI2_TABLE_SIZE, ENTRY_SYMBOL, SCHEMA_KEY, STATUS_OK,
};
use player_api::{Block, OpenOptions, ReaderPlugin, StreamKind};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;

const BUILD: &str = "cargo build -p player-brainvision -p player-template -p player-test-faults -p player-test-wrong-abi -p player-test-not-a-plugin -p player-test-abi2";

fn fixture(name: &str) -> PathBuf {
    repo().join("examples/fixtures/brainvision").join(name)
}

fn wav() -> PathBuf {
    repo().join("examples/fixtures/wav/demo-tone-8k-mono.wav")
}

/// The built library of `crate_name` (e.g. `player_brainvision`).
fn library(crate_name: &str) -> PathBuf {
    let file = format!(
        "{}{crate_name}.{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_EXTENSION
    );
    if let Some(dir) = std::env::var_os("PLAYER_PLUGIN_LIB_DIR") {
        let p = PathBuf::from(dir).join(&file);
        assert!(
            p.is_file(),
            "{} not found (PLAYER_PLUGIN_LIB_DIR is set); build it with `{BUILD}`",
            p.display()
        );
        return p;
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target"));
    let newest = ["debug", "release"]
        .iter()
        .map(|p| target.join(p).join(&file))
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
        .max();
    match newest {
        Some((_, p)) => p,
        None => panic!(
            "plugin library {file} not found in {}/{{debug,release}}: build the plugins first with `{BUILD}` (or set PLAYER_PLUGIN_LIB_DIR)",
            target.display()
        ),
    }
}

/// A directory that passes the plugin trust rule for the libraries the tests load:
/// `$PLAYER_TEST_TRUSTED_DIR` (what scripts/test chooses), else the target's temporary
/// directory, else a private one under `$HOME` (a checkout under /tmp fails the rule).
/// The host itself says whether a directory passes: it lists it as refused otherwise.
fn trusted_base() -> PathBuf {
    static BASE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BASE.get_or_init(|| {
        let mut candidates: Vec<PathBuf> = Vec::new();
        candidates.extend(std::env::var_os("PLAYER_TEST_TRUSTED_DIR").map(PathBuf::from));
        candidates.push(PathBuf::from(env!("CARGO_TARGET_TMPDIR")));
        candidates
            .extend(std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/player-tests")));
        for base in &candidates {
            if std::fs::create_dir_all(base).is_ok() && trusted(base) {
                return base.clone();
            }
        }
        panic!("no directory passes the plugin trust rule for the plugin tests: {candidates:?}");
    })
    .clone()
}

/// Whether the host accepts `dir` as a plugin directory (`plugins --json` refuses
/// nothing).
fn trusted(dir: &Path) -> bool {
    let out = host(&["plugins", "--json", "--plugin-dir", s(dir)]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    out.status.success() && json["refused"].as_array().is_some_and(Vec::is_empty)
}

/// Loads the plugin library at `path` as the host does (by its absolute path, its table
/// checked), for tests of a reader behind the C ABI; the host's own loading is tested
/// through the binary.
fn load_plugin(path: &Path) -> DynamicReader {
    let path = path.canonicalize().unwrap();
    // SAFETY: a library built from this workspace's plugins, copied into a trusted
    // directory by the test.
    let library = unsafe { libloading::Library::new(&path) }.unwrap();
    // SAFETY: the entry point of the plugin ABI, `extern "C" fn() -> *const PluginTable`.
    let entry: EntryFn = *unsafe { library.get::<EntryFn>(ENTRY_SYMBOL) }.unwrap();
    // SAFETY: the entry point catches its own panics and returns a static table or null.
    let table = unsafe { entry() };
    // SAFETY: the table is a static of `library`, which the reader keeps loaded;
    // `from_table` checks its header before any call.
    unsafe { DynamicReader::from_table(table, path.display().to_string(), Arc::new(library)) }
        .unwrap()
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = player_api::conformance::fresh_dir_in(&trusted_base(), &format!("plugins-{tag}"));
    chmod(&d, 0o755);
    d
}

fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Copies `crate_name`'s library into `dir` as `name` (mode 0755).
fn copy_library(crate_name: &str, dir: &Path, name: &str) -> PathBuf {
    let to = dir.join(name);
    std::fs::copy(library(crate_name), &to).unwrap();
    chmod(&to, 0o755);
    to
}

/// A new subdirectory `name` of `parent` with `mode`.
fn subdir(parent: &Path, name: &str, mode: u32) -> PathBuf {
    let d = parent.join(name);
    std::fs::create_dir(&d).unwrap();
    chmod(&d, mode);
    d
}

/// The platform's file name of `crate_name`'s library.
fn library_name(crate_name: &str) -> String {
    library(crate_name)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// A fresh directory holding copies of the given crates' libraries.
fn plugin_dir(tag: &str, crates: &[&str]) -> PathBuf {
    let d = subdir(&temp_dir(tag), "plugins", 0o755);
    for c in crates {
        copy_library(c, &d, &library_name(c));
    }
    d
}

/// Runs the host (with the harness' clean environment and time limit) with `env`.
fn host_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    host_in(None, args, env)
}

/// [`host_env`] in the directory `cwd` (default: the test's).
fn host_in(cwd: Option<&Path>, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut host = Host::new().args(args);
    if let Some(dir) = cwd {
        host = host.cwd(dir);
    }
    for (k, v) in env {
        host = host.env(k, v);
    }
    host.run()
}

/// Exit status 1 (not a panic's 101), no panic message from any thread, and one
/// `error:` line containing every part.
fn assert_clean_failure(o: &Output, parts: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(1), "exit status: {err}");
    assert!(!err.contains("thread '"), "a panic message leaked: {err}");
    assert!(
        !err.contains("RUST_BACKTRACE"),
        "a panic message leaked: {err}"
    );
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(errors.len(), 1, "one error line expected: {err}");
    for p in parts {
        assert!(errors[0].contains(p), "{p:?} missing from {err}");
    }
}

#[test]
fn brainvision_found_through_plugin_dir_and_listed_with_its_path() {
    let dir = plugin_dir("listed", &["player_brainvision"]);
    let lib = dir.join(library("player_brainvision").file_name().unwrap());
    let out = host(&["--plugin-dir", s(&dir), "plugins"]);
    assert_ok(&out);
    let text = stdout(&out);
    let line = text
        .lines()
        .find(|l| l.starts_with("brainvision"))
        .unwrap_or_else(|| panic!("brainvision not listed: {text}"));
    assert!(
        line.contains(s(&lib)) && line.contains("0.1.0") && line.contains("vhdr"),
        "{line}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("wav") && l.contains("built-in")),
        "{text}"
    );
    // The option is global: also after the subcommand; and JSON.
    let out = host(&["plugins", "--json", "--plugin-dir", s(&dir)]);
    assert_ok(&out);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let bv = json["readers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "brainvision")
        .unwrap();
    assert_eq!(bv["origin"], s(&lib));
    assert_eq!(bv["extensions"], serde_json::json!(["vhdr"]));
    assert_eq!(json["refused"], serde_json::json!([]));
}

#[test]
fn without_a_plugin_a_vhdr_file_has_no_reader() {
    let out = host(&["inspect", s(&fixture("int16_mux.vhdr"))]);
    assert_clean_failure(&out, &["int16_mux.vhdr", "no reader recognizes"]);
}

#[test]
fn inspect_shows_channels_and_markers() {
    let dir = plugin_dir("inspect", &["player_brainvision"]);
    let out = host(&[
        "inspect",
        s(&fixture("int16_mux.vhdr")),
        "--plugin-dir",
        s(&dir),
    ]);
    assert_ok(&out);
    let text = stdout(&out);
    for want in [
        "reader:     brainvision",
        "250 Hz  4 channels  1000 samples (4.000 s)  stored as int16",
        "C3,left",
        "HEOGL",
        "annotations: 5",
        "Stimulus/S  2",
        "Comment/eyes closed, relaxed",
        "meas_date:  2021-03-04T05:06:07.890000Z",
    ] {
        assert!(text.contains(want), "{want:?} missing from {text}");
    }
}

#[test]
fn brainvision_found_through_the_environment_variable() {
    let dir = plugin_dir("env", &["player_brainvision"]);
    // A path list with an empty entry (never the current directory) and a missing one.
    let list = format!(":{}:/nonexistent/player-plugins", dir.display());
    let out = host_env(
        &["inspect", "--json", s(&fixture("float32_vec.vhdr"))],
        &[("PLAYER_PLUGIN_PATH", &list)],
    );
    assert_ok(&out);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["reader"], "brainvision");
    assert_eq!(
        json["recording"]["streams"][0]["channels"][2]["label"],
        "Temp"
    );
    assert_eq!(json["recording"]["streams"][0]["channels"][2]["unit"], "°C");
    // The missing entry is reported, not fatal.
    assert!(
        stderr(&out).contains("/nonexistent/player-plugins"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn brainvision_found_through_a_scenario_entry_and_plays_with_wav_on_one_clock() {
    let d = temp_dir("scenario");
    // Any name is loaded when the library is named explicitly.
    copy_library("player_brainvision", &subdir(&d, "libs", 0o755), "bv.so");
    let scenario = d.join("mixed.yaml");
    std::fs::write(
        &scenario,
        format!(
            "plugins: [libs/bv.so]\nstreams:\n  - file: {}\n    name: EEG\n    chunk_size: 25\n  - file: {}\n    name: Tone\n    chunk_size: 400\n",
            fixture("float32_mux.vhdr").display(),
            wav().display()
        ),
    )
    .unwrap();
    let out = host(&["validate", s(&scenario)]);
    assert_ok(&out);
    assert!(
        stdout(&out).contains("3 streams: EEG, EEG-markers, Tone"),
        "{}",
        stdout(&out)
    );
    let stats = d.join("stats.json");
    let out = host(&[
        "run",
        s(&scenario),
        "--output",
        "null",
        "--quiet",
        "--stats-json",
        s(&stats),
    ]);
    assert_ok(&out);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap();
    let by_name = |n: &str| {
        json["streams"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(by_name("EEG")["samples"], 1000);
    assert_eq!(by_name("EEG-markers")["samples"], 4);
    assert_eq!(by_name("Tone")["samples"], 16000);
    for n in ["EEG", "EEG-markers", "Tone"] {
        assert_eq!(by_name(n)["finished"], true, "{n}");
        assert!(by_name(n)["error"].is_null(), "{n}");
    }
}

#[test]
fn brainvision_values_equal_mne_through_the_loaded_library() {
    let copy = plugin_dir("bv-direct", &["player_brainvision"])
        .join(library("player_brainvision").file_name().unwrap());
    let reader = load_plugin(&copy);
    for name in ["int16_mux", "float32_mux", "int32_vec", "float32_vec"] {
        let path = fixture(&format!("{name}.vhdr"));
        let truth: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(fixture(&format!("{name}.truth.json"))).unwrap(),
        )
        .unwrap();
        let want: Vec<f64> =
            std::fs::read(fixture(truth["streams"][0]["values"].as_str().unwrap()))
                .unwrap()
                .chunks_exact(8)
                .map(|b| f64::from_le_bytes(b.try_into().unwrap()))
                .collect();
        let rec = reader.open(&path, &OpenOptions::default()).unwrap();
        let info = rec.info();
        let stream = &info.streams[0];
        let t = &truth["streams"][0];
        assert_eq!(stream.nominal_rate, t["rate"].as_f64().unwrap(), "{name}");
        assert_eq!(stream.length, t["frames"].as_u64(), "{name}");
        let channels: Vec<(String, String, String)> = stream
            .channels
            .iter()
            .map(|c| (c.label.clone(), c.kind.clone(), c.unit.clone()))
            .collect();
        let want_channels: Vec<(String, String, String)> = t["channels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let f = |k: &str| c[k].as_str().unwrap().to_string();
                (f("label"), f("kind"), f("unit"))
            })
            .collect();
        assert_eq!(channels, want_channels, "{name}");
        let n = channels.len();
        // Odd block sizes, and a seek back to the middle.
        for block in [1, 7, 64, 5000] {
            let mut src = rec.open_stream(0).unwrap();
            let mut got = Vec::new();
            let mut buf = Block::new(StreamKind::Regular, n, block);
            loop {
                buf.clear();
                src.read(&mut buf).unwrap();
                if buf.is_empty() {
                    break;
                }
                got.extend_from_slice(buf.values());
            }
            assert_eq!(got.len(), want.len(), "{name}");
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                assert!(
                    (g - w).abs() <= 1e-12 * w.abs(),
                    "{name}: frame {} channel {}: {g} != {w}",
                    i / n,
                    i % n
                );
            }
            src.seek(500).unwrap();
            buf.clear();
            src.read(&mut buf).unwrap();
            assert!(!buf.is_empty());
            assert!((buf.values()[0] - want[500 * n]).abs() <= 1e-12 * want[500 * n].abs());
        }
        let ann: Vec<(f64, f64, String)> = info
            .annotations
            .iter()
            .map(|a| (a.onset, a.duration, a.description.clone()))
            .collect();
        let want_ann: Vec<(f64, f64, String)> = truth["annotations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["onset"].as_f64().unwrap(),
                    a["duration"].as_f64().unwrap(),
                    a["description"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(ann.len(), want_ann.len(), "{name}");
        for (g, w) in ann.iter().zip(&want_ann) {
            assert!(
                (g.0 - w.0).abs() < 1e-12 && (g.1 - w.1).abs() < 1e-12,
                "{name}: {g:?} {w:?}"
            );
            assert_eq!(g.2, w.2, "{name}");
        }
    }
}

#[test]
fn malformed_brainvision_files_are_clean_errors_naming_the_file() {
    let plugins = plugin_dir("bvbad", &["player_brainvision"]);
    let d = temp_dir("bvbad-data");
    let header = std::fs::read_to_string(fixture("int16_mux.vhdr")).unwrap();
    std::fs::copy(fixture("int16_mux.eeg"), d.join("int16_mux.eeg")).unwrap();
    std::fs::copy(fixture("int16_mux.vmrk"), d.join("int16_mux.vmrk")).unwrap();
    let cases = [
        (
            "channels.vhdr",
            header.replace("NumberOfChannels=4", "NumberOfChannels=four"),
            "NumberOfChannels",
        ),
        (
            "format.vhdr",
            header.replace("BinaryFormat=INT_16", "BinaryFormat=INT_8"),
            "BinaryFormat=\"INT_8\"",
        ),
        (
            "nodata.vhdr",
            header.replace("DataFile=int16_mux.eeg", "DataFile=missing.eeg"),
            "missing.eeg",
        ),
        (
            "chan.vhdr",
            header.replace("Ch4=HEOGL,Nose,1,µV\n", ""),
            "no Ch4",
        ),
    ];
    for (file, text, part) in cases {
        let f = d.join(file);
        std::fs::write(&f, text).unwrap();
        let out = host(&[
            "play",
            s(&f),
            "--output",
            "null",
            "--plugin-dir",
            s(&plugins),
        ]);
        assert_clean_failure(&out, &[file, part]);
    }
}

#[test]
fn a_library_that_is_not_a_plugin_is_refused_with_its_reason() {
    let dir = plugin_dir(
        "notaplugin",
        &["player_test_not_a_plugin", "player_brainvision"],
    );
    let out = host(&["plugins", "--plugin-dir", s(&dir)]);
    assert_ok(&out);
    let text = stdout(&out);
    assert!(text.lines().any(|l| l.starts_with("brainvision")), "{text}");
    let refused = text
        .lines()
        .find(|l| l.contains("player_test_not_a_plugin"))
        .unwrap_or_else(|| panic!("not listed as refused: {text}"));
    assert!(refused.contains("not a player plugin"), "{refused}");
    assert!(refused.contains("player_plugin_entry"), "{refused}");
    // Other commands warn about it and go on.
    let out = host(&[
        "inspect",
        s(&fixture("int16_mux.vhdr")),
        "--plugin-dir",
        s(&dir),
    ]);
    assert_ok(&out);
    assert!(
        stderr(&out).contains("warning: plugin") && stderr(&out).contains("not a player plugin")
    );
    // A file that is not a shared library at all.
    let junk = dir.join(format!(
        "libplayer_junk.{}",
        std::env::consts::DLL_EXTENSION
    ));
    std::fs::write(&junk, b"not an ELF file").unwrap();
    let out = host(&["plugins", "--json", "--plugin-dir", s(&dir)]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let junk_entry = json["refused"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == s(&junk))
        .unwrap_or_else(|| panic!("{json}"));
    assert!(
        junk_entry["reason"]
            .as_str()
            .unwrap()
            .starts_with("cannot load it"),
        "{junk_entry}"
    );
}

#[test]
fn a_plugin_for_another_abi_version_is_refused_naming_both_versions() {
    let dir = plugin_dir("abi", &["player_test_wrong_abi"]);
    let out = host(&["plugins", "--plugin-dir", s(&dir)]);
    assert_ok(&out);
    let text = stdout(&out);
    assert!(
        !text.lines().any(|l| l.starts_with("future")),
        "loaded anyway: {text}"
    );
    let line = text
        .lines()
        .find(|l| l.contains("player_test_wrong_abi"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.contains(
            "built for plugin ABI version 999, newer than this host's ABI version 2: update \
             player-host"
        ),
        "{line}"
    );
}

/// A plugin frozen at ABI 2 (plugins/test-faults/abi2: a table of exactly ABI 2's size,
/// JSON without a schema version, as plugins built before them) loads and plays.
#[test]
fn an_abi_2_plugin_built_before_schema_versions_loads_and_plays() {
    let plugins = plugin_dir("abi2", &["player_test_abi2"]);
    let out = host(&["plugins", "--json", "--plugin-dir", s(&plugins)]);
    assert_ok(&out);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(
        json["readers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == "abi2"),
        "{json}"
    );
    assert_eq!(json["refused"], serde_json::json!([]), "{json}");
    let d = temp_dir("abi2-data");
    let file = d.join("rec.abi2");
    std::fs::write(&file, "frames=40\n").unwrap();
    let stats = d.join("stats.json");
    let out = host(&[
        "play",
        s(&file),
        "--name",
        "Old",
        "--output",
        "null",
        "--stats-json",
        s(&stats),
        "--plugin-dir",
        s(&plugins),
    ]);
    assert_ok(&out);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap();
    let streams: Vec<_> = json["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|st| {
            assert!(st["error"].is_null() && st["finished"] == true, "{json}");
            (
                st["name"].as_str().unwrap(),
                st["samples"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        streams,
        [("Old-ramp", 40), ("Old-events", 3), ("Old-markers", 1)]
    );
}

/// The host table of a hypothetical ABI 3: ABI 2's table and one field appended as the
/// rule says (an `Option` of a function pointer): a second copy of the layout, as a host
/// built after a field was appended has it.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
struct HostTableV3 {
    v2: PluginTable,
    appended: Option<unsafe extern "C" fn() -> u32>,
}

// SAFETY: `#[repr(C)]`, ABI 2's table first, then one nullable function pointer.
unsafe impl TableLayout for HostTableV3 {
    const ABI_VERSION: u32 = 3;
}

/// The compatibility rule across a real library boundary: the ABI 2 plugin's table loads in
/// a host whose table has an appended field, which reads as absent, and nothing past the
/// plugin's declared size is read.
#[test]
fn an_abi_2_plugin_loads_in_a_host_with_an_appended_field() {
    let copy =
        plugin_dir("abi2-direct", &["player_test_abi2"]).join(library_name("player_test_abi2"));
    // SAFETY: a test plugin of this workspace, in a trusted directory.
    let lib = unsafe { libloading::Library::new(copy.canonicalize().unwrap()) }.unwrap();
    // SAFETY: the entry point of the plugin ABI.
    let entry: EntryFn = *unsafe { lib.get::<EntryFn>(ENTRY_SYMBOL) }.unwrap();
    // SAFETY: as above; it returns the plugin's static table.
    let table = unsafe { entry() };
    // SAFETY: a table starts with its header.
    let header = unsafe { table.cast::<TableHeader>().read_unaligned() };
    assert_eq!(header.abi_version, 2);
    assert_eq!(
        header.table_size as usize, ABI2_TABLE_SIZE,
        "exactly ABI 2's size"
    );
    assert!(std::mem::size_of::<HostTableV3>() > ABI2_TABLE_SIZE);
    // SAFETY: the library's table, of the size it declares.
    let host: HostTableV3 = unsafe { read_table(table) }.unwrap();
    assert!(host.appended.is_none(), "the appended field is absent");
    // The same bytes followed by what would read as a function: still absent, since
    // nothing past the declared size is read.
    let mut bytes = vec![0xab_u8; ABI2_TABLE_SIZE + 64];
    // SAFETY: the library's table has ABI2_TABLE_SIZE readable bytes.
    unsafe {
        std::ptr::copy_nonoverlapping(table.cast::<u8>(), bytes.as_mut_ptr(), ABI2_TABLE_SIZE)
    };
    // SAFETY: a copy of the table, with more readable bytes after it.
    let copied: HostTableV3 = unsafe { read_table(bytes.as_ptr().cast()) }.unwrap();
    assert!(copied.appended.is_none(), "nothing past the table was read");
    assert_eq!(copied.v2.source_read as usize, host.v2.source_read as usize);
    // The host's copy serves as the plugin's table, and the old JSON (no schema version)
    // reads: the description, the recording info.
    let mut json = AbiBuf::empty();
    let mut err = AbiError::empty();
    // SAFETY: the library's `describe`, with writable outputs; its buffer returned once.
    let description = unsafe {
        assert_eq!((host.v2.describe)(&mut json, &mut err), STATUS_OK);
        let bytes = json.to_vec();
        (host.v2.free_buf)(json);
        bytes
    };
    let description: serde_json::Value = serde_json::from_slice(&description).unwrap();
    assert!(description.get(SCHEMA_KEY).is_none(), "{description}");
    let v2: &'static PluginTable = Box::leak(Box::new(host.v2));
    // SAFETY: a copy of the library's table, kept loaded by the reader.
    let reader = unsafe { DynamicReader::from_table(v2, "abi2", Arc::new(lib)) }.unwrap();
    assert_eq!(reader.info().id(), "abi2");
    let file = temp_dir("abi2-direct-data").join("rec.abi2");
    std::fs::write(&file, "frames=30").unwrap();
    let rec = reader.open(&file, &OpenOptions::default()).unwrap();
    let info = rec.info();
    assert_eq!(info.streams.len(), 2);
    assert_eq!(info.streams[0].length, Some(30));
    assert_eq!(info.annotations[0].description, "start");
    let mut ramp = rec.open_stream(0).unwrap();
    let mut values = Vec::new();
    loop {
        let mut b = Block::new(StreamKind::Regular, 2, 7);
        ramp.read(&mut b).unwrap();
        if b.is_empty() {
            break;
        }
        values.extend_from_slice(b.values());
    }
    let want: Vec<f64> = (0..30).flat_map(|k| [k as f64, k as f64 + 0.1]).collect();
    assert_eq!(values, want);
    let mut events = rec.open_stream(1).unwrap();
    let mut b = Block::new(StreamKind::Text, 1, 8);
    events.read(&mut b).unwrap();
    assert_eq!(b.text(), ["e0", "e1", "e2"]);
    assert_eq!(b.stamps(), [0.0, 0.25, 0.5]);
}

#[test]
fn clashing_ids_built_ins_then_first_loaded_win() {
    let dir = plugin_dir("clash", &["player_brainvision"]);
    let first = dir.join(library("player_brainvision").file_name().unwrap());
    let second = dir.join(format!(
        "libzz_player_copy.{}",
        std::env::consts::DLL_EXTENSION
    ));
    std::fs::copy(&first, &second).unwrap();
    let out = host(&["plugins", "--plugin-dir", s(&dir)]);
    let text = stdout(&out);
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("brainvision"))
        .collect();
    assert_eq!(lines.len(), 1, "{text}");
    assert!(lines[0].contains(s(&first)), "{text}");
    let refused = text.lines().find(|l| l.contains("zz_player_copy")).unwrap();
    assert!(
        refused.contains("reader id \"brainvision\" is already taken by")
            && refused.contains(s(&first)),
        "{refused}"
    );
}

fn fault_file(dir: &Path, name: &str, spec: &str) -> PathBuf {
    let f = dir.join(name);
    std::fs::write(&f, spec).unwrap();
    f
}

#[test]
fn a_plugin_that_panics_in_open_is_a_clean_error_naming_the_file() {
    let plugins = plugin_dir("panicopen", &["player_test_faults"]);
    let d = temp_dir("panicopen-data");
    let f = fault_file(&d, "boom.fault", "mode=panic-open\n");
    let out = host(&[
        "play",
        s(&f),
        "--output",
        "null",
        "--plugin-dir",
        s(&plugins),
    ]);
    assert_clean_failure(
        &out,
        &[
            "boom.fault",
            "panicked in `open`",
            "deliberate panic in open",
        ],
    );
    let out = host(&["inspect", s(&f), "--plugin-dir", s(&plugins)]);
    assert_clean_failure(&out, &["boom.fault", "panicked in `open`"]);
}

#[test]
fn malformed_metadata_from_a_plugin_is_refused() {
    let plugins = plugin_dir("badmeta", &["player_test_faults"]);
    let d = temp_dir("badmeta-data");
    let f = fault_file(&d, "meta.fault", "mode=bad-metadata\n");
    let out = host(&[
        "play",
        s(&f),
        "--output",
        "null",
        "--plugin-dir",
        s(&plugins),
    ]);
    assert_clean_failure(
        &out,
        &[
            "meta.fault",
            "the fault reader broke the contract",
            "no streams",
        ],
    );
}

/// Runs a scenario of a faulty stream and the WAV tone; returns (output, stats JSON).
fn run_with_wav(tag: &str, spec: &str) -> (Output, serde_json::Value) {
    run_faulty_then_wav(tag, spec, &["Faulty"])
}

/// Runs a scenario of faulty streams (named `faulty`, all reading one fault file) and
/// then the WAV tone; returns (output, stats JSON).
fn run_faulty_then_wav(tag: &str, spec: &str, faulty: &[&str]) -> (Output, serde_json::Value) {
    let plugins = plugin_dir(tag, &["player_test_faults"]);
    let d = temp_dir(&format!("{tag}-data"));
    fault_file(&d, "faulty.fault", spec);
    let scenario = d.join("s.yaml");
    let mut yaml = format!("plugins: [{}]\nstreams:\n", plugins.display());
    for name in faulty {
        yaml += &format!("  - file: faulty.fault\n    name: {name}\n    chunk_size: 10\n");
    }
    yaml += &format!(
        "  - file: {}\n    name: Tone\n    chunk_size: 400\n",
        wav().display()
    );
    std::fs::write(&scenario, yaml).unwrap();
    let stats = d.join("stats.json");
    let out = host(&[
        "run",
        s(&scenario),
        "--output",
        "null",
        "--stats-json",
        s(&stats),
    ]);
    let json = serde_json::from_str(
        &std::fs::read_to_string(&stats)
            .unwrap_or_else(|e| panic!("no stats ({e}); stderr: {}", stderr(&out))),
    )
    .unwrap();
    (out, json)
}

fn check_faulty_run(out: &Output, json: &serde_json::Value, message: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("thread '"), "a panic message leaked: {err}");
    let faulty = &json["streams"][0];
    let tone = &json["streams"][1];
    assert_eq!(faulty["name"], "Faulty");
    let e = faulty["error"].as_str().unwrap_or_else(|| panic!("{json}"));
    assert!(e.contains(message), "{e}");
    // The faulty stream stopped before its end; the other one played all of it.
    assert!(faulty["samples"].as_u64().unwrap() <= 300, "{json}");
    assert_eq!(tone["samples"], 16000, "{json}");
    assert_eq!(tone["finished"], true, "{json}");
    assert!(tone["error"].is_null(), "{json}");
    assert!(
        err.contains("error: stream \"Faulty\"") && err.contains(message),
        "{err}"
    );
}

#[test]
fn a_plugin_panicking_mid_read_stops_only_its_stream() {
    let (out, json) = run_with_wav("panicread", "mode=panic-read\nat=120\n");
    check_faulty_run(
        &out,
        &json,
        "panicked in `read`: deliberate panic in read at frame 120",
    );
    assert_eq!(json["streams"][0]["samples"], 120, "{json}");
}

#[test]
fn a_plugin_erroring_mid_read_stops_only_its_stream() {
    let (out, json) = run_with_wav("errread", "mode=error-read\nat=120\n");
    check_faulty_run(&out, &json, "deliberate error in read at frame 120");
    assert_eq!(json["streams"][0]["samples"], 120, "{json}");
}

#[test]
fn wrong_lengths_from_a_plugin_are_detected() {
    let (out, json) = run_with_wav("toomany", "mode=too-many\n");
    check_faulty_run(&out, &json, "frames to a block with room for");
}

#[test]
fn plugin_paths_writable_by_every_user_are_refused() {
    let dir = plugin_dir("worldwritable", &["player_brainvision"]);
    chmod(&dir, 0o777);
    let out = host(&["--plugin-dir", s(&dir), "plugins"]);
    assert_ok(&out);
    let text = stdout(&out);
    assert!(
        !text.lines().any(|l| l.starts_with("brainvision")),
        "{text}"
    );
    assert!(
        text.contains("writable by its group and every user (mode 777)")
            && text.contains(&format!("chmod go-w {}", s(&dir))),
        "{text}"
    );
    // A library file writable by everyone, in a safe directory: refused too.
    chmod(&dir, 0o755);
    let lib = dir.join(library_name("player_brainvision"));
    chmod(&lib, 0o666);
    let out = host(&["--plugin-dir", s(&dir), "plugins"]);
    assert!(
        stdout(&out).contains("writable by its group and every user (mode 666)"),
        "{}",
        stdout(&out)
    );
    // Fixed permissions: loaded.
    chmod(&lib, 0o644);
    let out = host(&["--plugin-dir", s(&dir), "plugins"]);
    assert!(stdout(&out).lines().any(|l| l.starts_with("brainvision")));
}

#[test]
fn a_plugin_blocking_in_read_is_given_up_on_and_the_others_play_on() {
    let started = std::time::Instant::now();
    let (out, json) = run_with_wav("blockread", "mode=block-read\nat=120\n");
    check_faulty_run(
        &out,
        &json,
        "the reader delivered no data for 5 s (blocked?)",
    );
    assert_eq!(json["streams"][0]["samples"], 120, "{json}");
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}

#[test]
fn more_plugins_blocking_in_read_than_cores_do_not_starve_the_other_streams() {
    // Prefetch runs on a pool of about one thread per core: each blocked reader holds
    // one thread, and the pool adds threads so that the tone still plays to its end.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let names: Vec<String> = (0..cores + 2).map(|i| format!("Faulty{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let started = std::time::Instant::now();
    let (out, json) = run_faulty_then_wav("blockmany", "mode=block-read\nat=120\n", &names);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let streams = json["streams"].as_array().unwrap();
    for (stream, name) in streams.iter().zip(&names) {
        assert_eq!(stream["name"], *name, "{json}");
        let e = stream["error"].as_str().unwrap_or_else(|| panic!("{json}"));
        assert!(e.contains("delivered no data for 5 s"), "{e}");
        assert_eq!(stream["samples"], 120, "{json}");
    }
    let tone = &streams[names.len()];
    assert_eq!(tone["samples"], 16000, "{json}");
    assert_eq!(tone["finished"], true, "{json}");
    assert!(tone["error"].is_null(), "{json}");
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}

/// Pairs of strings: (reader id, origin) or (refused path, reason).
type Pairs = Vec<(String, String)>;

/// The `plugins --json` answer: (reader id → origin, refused path → reason).
fn listing(out: &Output) -> (Pairs, Pairs) {
    assert_ok(out);
    let json: serde_json::Value = serde_json::from_str(&stdout(out)).unwrap();
    let pairs = |key: &str, a: &str, b: &str| {
        json[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r[a].as_str().unwrap().to_owned(),
                    r[b].as_str().unwrap().to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };
    (
        pairs("readers", "id", "origin"),
        pairs("refused", "path", "reason"),
    )
}

/// Asserts that brainvision was not loaded and that `path` was refused with every part.
fn assert_refused(out: &Output, path: &Path, parts: &[&str]) {
    let (readers, refused) = listing(out);
    assert!(
        !readers.iter().any(|(id, _)| id == "brainvision"),
        "loaded anyway: {readers:?}"
    );
    let reason = refused
        .iter()
        .find(|(p, _)| p == s(path))
        .map(|(_, r)| r.as_str())
        .unwrap_or_else(|| panic!("{} not refused: {refused:?}", path.display()));
    for part in parts {
        assert!(reason.contains(part), "{part:?} missing from {reason}");
    }
}

#[test]
fn a_library_in_a_sticky_world_writable_directory_is_refused() {
    let sticky = subdir(&temp_dir("sticky"), "pd", 0o1777);
    let lib = copy_library(
        "player_brainvision",
        &sticky,
        &library_name("player_brainvision"),
    );
    let out = host(&["plugins", "--json", "--plugin-dir", s(&sticky)]);
    let want = [
        "(mode 1777; the sticky bit does not help)",
        "chmod go-w",
        "PLAYER_PLUGIN_UNSAFE=1",
    ];
    assert_refused(&out, &sticky, &want);
    // Named directly, the library is refused for its directory.
    let out = host(&["plugins", "--json", "--plugin-dir", s(&lib)]);
    assert_refused(&out, &lib, &want);
    assert!(stdout(&out).contains(&format!("{} is writable", s(&sticky))));
}

#[test]
fn a_group_writable_parent_directory_is_refused() {
    let parent = subdir(&temp_dir("groupw"), "parent", 0o775);
    let plugins = subdir(&parent, "plugins", 0o755);
    copy_library(
        "player_brainvision",
        &plugins,
        &library_name("player_brainvision"),
    );
    let out = host(&["plugins", "--json", "--plugin-dir", s(&plugins)]);
    let fix = format!("chmod g-w {}", s(&parent));
    assert_refused(
        &out,
        &plugins,
        &[
            &format!("{} is writable by its group (mode 775)", s(&parent)),
            &fix,
        ],
    );
}

#[test]
fn a_symlink_into_a_writable_directory_is_refused() {
    let d = temp_dir("symlink");
    let open = subdir(&d, "open", 0o777);
    let safe = subdir(&d, "safe", 0o755);
    let name = library_name("player_brainvision");
    let real = copy_library("player_brainvision", &open, &name);
    let link = safe.join(&name);
    std::os::unix::fs::symlink(&real, &link).unwrap();
    // Through the directory holding the link, and the link named directly.
    let why = format!("{} is writable by its group and every user", s(&open));
    let out = host(&["plugins", "--json", "--plugin-dir", s(&safe)]);
    assert_refused(&out, &link, &[&why]);
    let out = host(&["plugins", "--json", "--plugin-dir", s(&link)]);
    assert_refused(&out, &link, &[&why]);
}

#[test]
#[ignore = "needs root to give a file to another user; scripts/test runs it as root"]
fn a_library_owned_by_another_user_is_refused() {
    // SAFETY: geteuid has no preconditions.
    let euid = unsafe { libc::geteuid() };
    assert_eq!(
        euid, 0,
        "this test gives a file to another user: run it as root"
    );
    let dir = plugin_dir("owner", &["player_brainvision"]);
    let lib = dir.join(library_name("player_brainvision"));
    std::os::unix::fs::chown(&lib, Some(65534), None).unwrap(); // nobody
    let out = host(&["plugins", "--json", "--plugin-dir", s(&dir)]);
    assert_refused(
        &out,
        &lib,
        &[
            "is owned by uid 65534, neither root nor the user running the host (uid 0)",
            &format!("chown root {}", s(&lib)),
        ],
    );
}

#[test]
fn a_bare_library_name_is_the_file_in_the_current_directory_not_the_search_path() {
    let d = temp_dir("bare");
    let here = subdir(&d, "here", 0o755);
    let elsewhere = subdir(&d, "elsewhere", 0o755);
    // The same bare name in the current directory (the plugin meant) and in a directory
    // of the loader's search path (another library).
    copy_library("player_brainvision", &here, "libzz.so");
    copy_library("player_test_wrong_abi", &elsewhere, "libzz.so");
    let env = [("LD_LIBRARY_PATH", s(&elsewhere))];
    let out = host_in(
        Some(&here),
        &["plugins", "--json", "--plugin-dir", "libzz.so"],
        &env,
    );
    let (readers, refused) = listing(&out);
    assert!(refused.is_empty(), "{refused:?}");
    let origin = readers.iter().find(|(id, _)| id == "brainvision");
    let want = here.join("libzz.so");
    assert_eq!(
        origin.map(|(_, o)| o.as_str()),
        Some(s(&want)),
        "{readers:?}"
    );
    // A scenario's relative plugin path is relative to the YAML, also when the YAML is
    // named by a bare name.
    let scenario = here.join("s.yaml");
    std::fs::write(
        &scenario,
        format!(
            "plugins: [libzz.so]\nstreams:\n  - file: {}\n",
            s(&fixture("int16_mux.vhdr"))
        ),
    )
    .unwrap();
    for (cwd, arg) in [(&here, "s.yaml"), (&d, "here/s.yaml")] {
        let out = host_in(Some(cwd), &["validate", arg], &env);
        assert_ok(&out);
        assert!(stdout(&out).contains("int16_mux"), "{}", stdout(&out));
        assert!(!stderr(&out).contains("refused"), "{}", stderr(&out));
    }
}

#[test]
fn listing_a_directory_loads_only_files_named_like_plugins_and_trusted() {
    let d = temp_dir("marker");
    let dir = plugin_dir("marker-plugins", &["player_brainvision"]);
    let marker = d.join("constructor-ran");
    let other = marker_library(&dir, "libother.so", &marker);
    for args in [
        vec!["plugins", "--json", "--plugin-dir", s(&dir)],
        vec!["inspect", s(&wav()), "--plugin-dir", s(&dir)],
    ] {
        let out = host(&args);
        assert_ok(&out);
        assert!(
            !marker.exists(),
            "{args:?} ran the constructor of {}",
            other.display()
        );
    }
    let out = host(&["plugins", "--json", "--plugin-dir", s(&dir)]);
    let (readers, refused) = listing(&out);
    assert!(
        readers.iter().any(|(id, _)| id == "brainvision"),
        "{readers:?}"
    );
    assert_eq!(
        refused,
        [(
            s(&other).to_owned(),
            "not loaded: in a plugin directory only files named lib*player*.so are loaded (name the file itself to load it)".to_owned()
        )]
    );
    // A library named like a plugin but untrusted is not loaded either.
    let sticky = subdir(&d, "sticky", 0o1777);
    let evil = marker_library(&sticky, "libplayer_evil.so", &marker);
    for path in [&sticky, &evil] {
        let out = host(&["plugins", "--json", "--plugin-dir", s(path)]);
        assert_ok(&out);
        assert!(
            !marker.exists(),
            "the constructor of {} ran",
            evil.display()
        );
    }
    // The marker works: named explicitly, the library is loaded (and refused as no plugin).
    let out = host(&["plugins", "--json", "--plugin-dir", s(&other)]);
    assert_refused(&out, &other, &["not a player plugin"]);
    assert!(marker.exists(), "the marker library did not run");
}

#[test]
fn the_unsafe_escape_hatch_loads_untrusted_libraries_with_one_warning_each() {
    let sticky = subdir(&temp_dir("unsafe"), "pd", 0o1777);
    let lib = copy_library(
        "player_brainvision",
        &sticky,
        &library_name("player_brainvision"),
    );
    let args = ["plugins", "--json", "--plugin-dir", s(&sticky)];
    let out = host_env(&args, &[("PLAYER_PLUGIN_UNSAFE", "1")]);
    let (readers, refused) = listing(&out);
    assert!(refused.is_empty(), "{refused:?}");
    assert!(
        readers.contains(&("brainvision".to_owned(), s(&lib).to_owned())),
        "{readers:?}"
    );
    let err = stderr(&out);
    let warnings: Vec<&str> = err.lines().collect();
    assert_eq!(warnings.len(), 1, "{err}");
    for part in [
        "warning: PLAYER_PLUGIN_UNSAFE=1: loading untrusted plugin",
        s(&lib),
        "mode 1777",
    ] {
        assert!(warnings[0].contains(part), "{part:?} missing from {err}");
    }
    // Any other value is not the escape hatch.
    let out = host_env(&args, &[("PLAYER_PLUGIN_UNSAFE", "yes")]);
    assert_refused(&out, &sticky, &["mode 1777"]);
}

#[test]
fn brainvision_errors_quote_no_foreign_content_and_cap_values() {
    let plugins = plugin_dir("bvquote", &["player_brainvision"]);
    let d = temp_dir("bvquote-data");
    let secret = d.join("shadow");
    std::fs::write(&secret, "root:$6$SeCrEt:19000:0:99999:7:::\n").unwrap();
    let out = host(&[
        "inspect",
        s(&secret),
        "--reader",
        "brainvision",
        "--plugin-dir",
        s(&plugins),
    ]);
    assert_clean_failure(&out, &["shadow", "not a BrainVision header"]);
    for piece in ["root:", "SeCrEt", "19000"] {
        assert!(!stderr(&out).contains(piece), "{piece}: {}", stderr(&out));
    }
    // A header line of 100 kB is echoed cut.
    let header = std::fs::read_to_string(fixture("int16_mux.vhdr")).unwrap();
    let f = d.join("long.vhdr");
    let long = "x".repeat(100_000);
    std::fs::write(
        &f,
        header.replace("[Common Infos]", &format!("[Common Infos]\n{long}")),
    )
    .unwrap();
    let out = host(&["inspect", s(&f), "--plugin-dir", s(&plugins)]);
    assert_clean_failure(
        &out,
        &["long.vhdr", "expected `key=value`", "(100000 characters)"],
    );
    assert!(stderr(&out).len() < 1000, "{}", stderr(&out));
}

/// The plugin template (plugins/template) is a working plugin: found through
/// `--plugin-dir`, probed by its magic, inspected and played with its fixture's values.
#[test]
fn the_plugin_template_loads_inspects_and_plays_its_fixture() {
    let dir = plugin_dir("template", &["player_template"]);
    let fixture = repo().join("plugins/template/example.samples");
    let out = host(&["--plugin-dir", s(&dir), "plugins"]);
    assert!(
        stdout(&out).lines().any(|l| l.starts_with("samples")),
        "{}",
        stdout(&out)
    );
    let out = host(&["inspect", "--json", s(&fixture), "--plugin-dir", s(&dir)]);
    assert_ok(&out);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["reader"], "samples");
    let stream = &json["recording"]["streams"][0];
    assert_eq!(stream["nominal_rate"], 100.0);
    assert_eq!(stream["length"], 10);
    let labels: Vec<&str> = stream["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["Fz", "Cz", "Pz"]);
    let stats = temp_dir("template-run").join("stats.json");
    let out = host(&[
        "--plugin-dir",
        s(&dir),
        "play",
        s(&fixture),
        "--output",
        "null",
        "--quiet",
        "--stats-json",
        s(&stats),
    ]);
    assert_ok(&out);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap();
    assert_eq!(json["streams"][0]["samples"], 10, "{json}");
    assert_eq!(json["streams"][0]["finished"], true, "{json}");
    // Through the loaded library, the values are the file's microvolts in volts.
    let copy = dir.join(library("player_template").file_name().unwrap());
    let reader = load_plugin(&copy);
    let recording = reader.open(&fixture, &OpenOptions::default()).unwrap();
    let mut source = recording.open_stream(0).unwrap();
    let mut block = Block::new(StreamKind::Regular, 3, 16);
    source.read(&mut block).unwrap();
    assert_eq!(block.frames(), 10);
    assert_eq!(block.values()[27..], [13.5, -18.0, 90.0].map(|v| v * 1e-6));
}
