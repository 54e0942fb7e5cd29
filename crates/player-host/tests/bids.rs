//! BIDS runs through the command line: a scenario's `bids:` entry (its root relative to
//! the scenario) and `play ROOT --bids ENTITIES` open every recording of the run, and a
//! selection or an entry that is wrong is one clear error. (What is published, against
//! MNE-BIDS, is tested end to end in tests/e2e/test_bids.py.)
#![allow(clippy::unwrap_used)]

mod support;
use support::*;

fn dataset() -> std::path::PathBuf {
    fixture("bids/dataset")
}

#[test]
fn a_scenario_bids_entry_is_relative_to_the_scenario_and_validates() {
    let d = temp_dir("bids-yaml");
    std::os::unix::fs::symlink(dataset(), d.join("data")).unwrap();
    let scenario = d.write(
        "s.yaml",
        "streams:\n  - bids: {root: data, subject: \"01\", task: rest, run: 1}\n    name: R\n",
    );
    let out = host(&["validate", s(&scenario)]);
    assert_ok(&out);
    assert!(
        stdout(&out).contains(
            "ok (6 streams: R-eeg, R-eeg-markers, R-physio-cardiac, R-physio-respiratory, R-meg, R-meg-markers)"
        ),
        "{}",
        stdout(&out)
    );
}

#[test]
fn play_bids_names_the_run_by_its_entities() {
    let out = host(&["play", s(&dataset()), "--bids", "sub-01_run-2", "--dry-run"]);
    assert_ok(&out);
    assert!(
        stdout(&out).contains("would publish 2 streams: sub-01_run-2, sub-01_run-2-markers"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn wrong_bids_entries_are_one_clear_error() {
    let d = temp_dir("bids-errors");
    let cases = [
        (
            "streams:\n  - file: a.edf\n    bids: {root: x, subject: \"01\"}\n",
            "give `file:` or `bids:`, not both",
        ),
        (
            "streams:\n  - bids: {subject: \"01\"}\n",
            "`bids:` needs `root:`",
        ),
        (
            "streams:\n  - bids: {root: x, subject: \"0 1\"}\n",
            "a BIDS label is letters and digits only",
        ),
        (
            "streams:\n  - bids: {root: x, subjekt: \"01\"}\n",
            "unknown key `subjekt`",
        ),
        (
            "streams:\n  - name: x\n",
            "give `file:` (a recording) or `bids:`",
        ),
    ];
    for (i, (yaml, message)) in cases.iter().enumerate() {
        let scenario = d.write(&format!("s{i}.yaml"), yaml);
        assert_clean_error(&host(&["validate", s(&scenario)]), &[message]);
    }
    let out = host(&["play", s(&dataset()), "--bids", "sub-01_flavour-x"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("unknown entity \"flavour\""),
        "{}",
        stderr(&out)
    );
}
