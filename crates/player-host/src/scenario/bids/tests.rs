use super::sidecars::{mne_kind, parse_datetime, si_unit};
use super::*;

fn dataset() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/fixtures/bids/dataset")
}

fn select(text: &str) -> BidsSelection {
    let mut s = BidsSelection::parse(text).expect(text);
    s.root = dataset();
    s
}

#[test]
fn entities_are_read_as_file_names_write_them() {
    let s = BidsSelection::parse("sub-01_ses-1_task-rest_acq-x_run-02_eeg").expect("parse");
    assert_eq!(s.subject.as_deref(), Some("01"));
    assert_eq!(s.session.as_deref(), Some("1"));
    assert_eq!(s.task.as_deref(), Some("rest"));
    assert_eq!(s.acquisition.as_deref(), Some("x"));
    assert_eq!(s.run.as_deref(), Some("02"));
    assert_eq!(s.datatype.as_deref(), Some("eeg"));
    assert_eq!(s.to_string(), "sub-01_ses-1_task-rest_acq-x_run-02 (eeg)");
    for bad in ["", "sub-", "sub-0 1", "foo-1", "sub-01_bogus", "sub-0/1"] {
        assert!(BidsSelection::parse(bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn units_and_types_map_as_mne_bids_maps_them() {
    assert_eq!(si_unit("µV").as_deref(), Some("V"));
    assert_eq!(si_unit("uV").as_deref(), Some("V"));
    assert_eq!(si_unit("fT").as_deref(), Some("T"));
    assert_eq!(si_unit("fT/cm").as_deref(), Some("T/m"));
    assert_eq!(si_unit("T/m").as_deref(), Some("T/m"));
    assert_eq!(si_unit("oC"), None);
    assert_eq!(si_unit("kV").as_deref(), Some("V"));
    assert_eq!(si_unit("xV"), None);
    assert_eq!(mne_kind("EEG").as_deref(), Some("eeg"));
    assert_eq!(mne_kind("HEOG").as_deref(), Some("eog"));
    assert_eq!(mne_kind("TRIG").as_deref(), Some("stim"));
    assert_eq!(mne_kind("MEGMAG"), None);
    assert_eq!(mne_kind("WHATEVER").as_deref(), Some("misc"));
}

#[test]
fn acquisition_times_are_read_to_the_microsecond() {
    let a = parse_datetime("2024-05-06T10:00:00.000000Z").expect("a");
    let b = parse_datetime("2024-05-06T10:00:00.750000").expect("b");
    assert!((b - a - 0.75).abs() < 1e-9, "{}", b - a);
    let c = parse_datetime("2024-05-07T00:00:01+02:00").expect("c");
    assert!((c - a - 14.0 * 3600.0 - 1.0).abs() < 1e-9);
    assert_eq!(parse_datetime("yesterday"), None);
}

#[test]
fn a_run_is_found_with_its_recordings_in_acquisition_order() {
    let run = resolve(&select("sub-01_task-rest_run-1")).expect("resolve");
    assert_eq!(run.label, "sub-01_ses-1_task-rest_run-1");
    let kinds: Vec<&str> = run.recordings.iter().map(|r| r.datatype.as_str()).collect();
    assert_eq!(kinds, ["eeg", "physio", "physio", "meg"]);
    assert_eq!(run.recordings[0].offset, 0.0);
    assert!((run.recordings[3].offset - 0.75).abs() < 1e-9);
    let eeg = &run.recordings[0];
    let cz = eeg.channels.iter().find(|c| c.name == "Cz").expect("Cz");
    assert_eq!(cz.status.as_deref(), Some("bad"));
    assert_eq!(cz.status_description.as_deref(), Some("flat line"));
    assert_eq!(cz.unit.as_deref(), Some("V"));
    let sti = eeg.channels.iter().find(|c| c.name == "STI").expect("STI");
    assert_eq!(
        (sti.kind.as_deref(), sti.unit.as_deref()),
        (Some("misc"), None)
    );
    let events = eeg.events.as_ref().expect("events");
    let texts: Vec<&str> = events.iter().map(|e| e.description.as_str()).collect();
    assert_eq!(texts, ["stim/left", "stim/right", "response"]);
    assert_eq!((events[1].onset, events[1].duration), (1.25, 0.25));
    // A run index matches however it is padded; a datatype keeps only its recordings.
    let meg = resolve(&select("sub-01_task-rest_run-01_meg")).expect("meg");
    assert_eq!(meg.recordings.len(), 1);
    assert_eq!(meg.recordings[0].datatype, "meg");
}

#[test]
fn no_run_or_several_runs_is_an_error_listing_the_candidates() {
    let e = resolve(&select("sub-01_task-rest"))
        .expect_err("two runs")
        .to_string();
    assert!(e.contains("matches 2 runs"), "{e}");
    assert!(
        e.contains("sub-01_ses-1_task-rest_run-1, sub-01_ses-1_task-rest_run-2"),
        "{e}"
    );
    let e = resolve(&select("sub-03")).expect_err("none").to_string();
    assert!(e.contains("no run matches sub-03"), "{e}");
    assert!(e.contains("sub-02_ses-1_task-count_run-1"), "{e}");
    let mut missing = select("sub-01");
    missing.root = dataset().join("nowhere");
    let e = resolve(&missing).expect_err("no root").to_string();
    assert!(e.contains("not a directory"), "{e}");
}

#[test]
fn recordings_no_reader_plays_are_left_out_with_a_warning() {
    let d = player_api::conformance::TempDir::new("bids-unreadable");
    let eeg = d.join("sub-01/eeg");
    std::fs::create_dir_all(&eeg).expect("dirs");
    let source = dataset().join("sub-01/ses-1/eeg/sub-01_ses-1_task-rest_run-2_eeg.edf");
    std::fs::copy(source, eeg.join("sub-01_task-x_eeg.edf")).expect("copy");
    std::fs::create_dir_all(d.join("sub-01/meg/sub-01_task-x_meg.ds")).expect("ds");
    std::fs::write(eeg.join("sub-01_task-x_physio.tsv"), b"1\n").expect("physio");
    let mut selection = BidsSelection::parse("sub-01").expect("parse");
    selection.root = d.path().to_path_buf();
    let run = resolve(&selection).expect("resolve");
    assert_eq!(run.recordings.len(), 1);
    assert_eq!(run.warnings.len(), 2, "{:?}", run.warnings);
    for (w, name) in run
        .warnings
        .iter()
        .zip(["sub-01_task-x_physio.tsv", "sub-01_task-x_meg.ds"])
    {
        assert!(w.contains(name) && w.contains("left out"), "{w}");
    }
}

#[test]
fn physio_recordings_play_with_the_csv_reader_on_the_run_clock() {
    let run = resolve(&select("sub-01_task-rest_run-1")).expect("resolve");
    let names: Vec<&str> = run.recordings.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        ["eeg", "physio-cardiac", "physio-respiratory", "meg"]
    );
    let cardiac = &run.recordings[1];
    assert_eq!(cardiac.datatype, "physio");
    assert_eq!(cardiac.reader.as_deref(), Some("csv"));
    assert_eq!(
        (cardiac.start, cardiac.rate, cardiac.offset),
        (-0.5, Some(100.0), 0.0)
    );
    let options: Vec<(&str, &str)> = cardiac
        .reader_options
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        options,
        [
            ("rate", "100"),
            ("header", "none"),
            ("delimiter", "tab"),
            ("columns", "cardiac (mV),trigger")
        ]
    );
    let kinds: Vec<(&str, Option<&str>)> = cardiac
        .channels
        .iter()
        .map(|c| (c.name.as_str(), c.kind.as_deref()))
        .collect();
    assert_eq!(kinds, [("cardiac", Some("ecg")), ("trigger", Some("stim"))]);
    assert_eq!(run.recordings[2].start, 0.2);
    // Only the EEG's folder with datatype eeg: its physio recordings come with it.
    let eeg = resolve(&select("sub-01_task-rest_run-1_eeg")).expect("eeg");
    assert_eq!(eeg.recordings.len(), 3);
    assert!(resolve(&select("sub-01_task-rest_run-1_meg"))
        .expect("meg")
        .recordings
        .iter()
        .all(|r| r.datatype == "meg"));
}

#[test]
fn a_physio_recording_without_its_sidecar_or_its_keys_is_an_error_naming_the_file() {
    let d = player_api::conformance::TempDir::new("bids-physio");
    let eeg = d.join("sub-01/eeg");
    std::fs::create_dir_all(&eeg).expect("dirs");
    let source = dataset().join("sub-01/ses-1/eeg/sub-01_ses-1_task-rest_run-2_eeg.edf");
    std::fs::copy(source, eeg.join("sub-01_task-x_eeg.edf")).expect("copy");
    std::fs::write(eeg.join("sub-01_task-x_physio.tsv.gz"), b"").expect("physio");
    let mut selection = BidsSelection::parse("sub-01").expect("parse");
    selection.root = d.path().to_path_buf();
    let e = resolve(&selection).expect_err("no sidecar").to_string();
    assert!(
        e.contains("sub-01_task-x_physio.tsv.gz: no sidecar") && e.contains("SamplingFrequency"),
        "{e}"
    );
    std::fs::write(
        eeg.join("sub-01_task-x_physio.json"),
        br#"{"SamplingFrequency": 10}"#,
    )
    .expect("json");
    let e = resolve(&selection).expect_err("no Columns").to_string();
    assert!(e.contains("sub-01_task-x_physio.json: no Columns"), "{e}");
    // A sidecar with fewer entities is inherited.
    std::fs::remove_file(eeg.join("sub-01_task-x_physio.json")).expect("rm");
    std::fs::write(
        eeg.join("sub-01_physio.json"),
        br#"{"SamplingFrequency": 10, "StartTime": 1, "Columns": ["a"]}"#,
    )
    .expect("json");
    let run = resolve(&selection).expect("inherited");
    assert_eq!(run.recordings[1].start, 1.0);
    assert_eq!(run.recordings[1].name, "physio");
}
