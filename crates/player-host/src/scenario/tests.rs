use super::*;

#[test]
fn full_scenario_parses() {
    let s = Scenario::parse(
        "start_delay: 1.5\nrepeat: forever\nwait_for_consumers: 3\nstreams:\n  - file: a.wav\n    chunk_size: 32\n    offset: 0.25\n    picks: [left]\n    format: float64\n",
    )
    .expect("valid");
    assert_eq!(s.repeat, Repeat::Forever);
    assert_eq!(
        s.wait_for_consumers,
        WaitForConsumers::Wait {
            streams: WaitFor::Data,
            timeout: Some(3.0)
        }
    );
    assert_eq!(s.streams[0].chunk_size, 32);
    assert_eq!(s.streams[0].format, Some(ValueFormat::Float64));
    assert_eq!(s.streams[0].base_name(), "a");
}

#[test]
fn plugins_are_relative_to_the_scenario() {
    let d = std::env::temp_dir().join(format!("player-scn-plugins-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    let f = d.join("s.yaml");
    std::fs::write(
        &f,
        "plugins: [lib/libx.so, /abs/liby.so]\nstreams:\n  - file: a.wav\n",
    )
    .expect("write");
    let s = Scenario::load(&f).expect("valid");
    assert_eq!(
        s.plugins,
        vec![d.join("lib/libx.so"), PathBuf::from("/abs/liby.so")]
    );
}

#[test]
fn unknown_keys_name_line_and_column() {
    let err =
        Scenario::parse("streams:\n  - file: a.wav\n    chunksize: 3\n").expect_err("unknown key");
    assert!(err.starts_with("line 3 column 5: "), "{err}");
    assert!(err.contains("unknown key `chunksize`"), "{err}");
}

#[test]
fn quoted_values_in_messages_are_cut() {
    let long = "v".repeat(200);
    assert_eq!(
        cap_quoted(&format!(
            "unknown variant `{long}`, expected `a` or \"b\\\"c\""
        )),
        format!(
            "unknown variant `{}`… (200 characters), expected `a` or \"b\\\"c\"",
            "v".repeat(80)
        )
    );
    assert_eq!(
        cap_quoted(&format!("invalid type: string \"{long}")),
        format!(
            "invalid type: string \"{}\"… (200 characters)",
            "v".repeat(80)
        )
    );
    let err = Scenario::parse(&format!("streams:\n  - file: a.wav\n    format: {long}\n"))
        .expect_err("unknown format");
    assert!(err.len() < 300, "{err}");
}

#[test]
fn repeat_zero_and_words_are_refused() {
    for bad in ["repeat: 0", "repeat: often", "repeat: -2"] {
        let err = Scenario::parse(&format!("{bad}\nstreams: []\n")).expect_err(bad);
        assert!(
            err.contains("repeat: must be a number of passes (1 or more) or \"forever\""),
            "{bad}: {err}"
        );
    }
}

/// Issue 14.10: every error names the key, its own line and column, and what is
/// allowed in words.
#[test]
fn value_errors_point_at_the_value_in_words() {
    let cases = [
        (
            "name: x\nstart_delay: 0\nrepeat: yes\nstreams:\n  - file: a.wav\n",
            "line 3 column 9: repeat: must be a number of passes (1 or more) or \"forever\", not \"yes\"",
        ),
        (
            "streams:\n  - file: a.wav\nwait_for_consumers: 0\n",
            "line 3 column 21: wait_for_consumers: the timeout must be more than 0 seconds",
        ),
        (
            "streams:\n  - file: a.wav\n    chunk_size: ten\n",
            "line 3 column 17: streams[0].chunk_size: must be a whole number of frames, at least 1, not \"ten\"",
        ),
        (
            "streams:\n  - file: a.wav\n    chunk_size: 0\n",
            "line 3 column 17: streams[0].chunk_size: must be a whole number of frames, at least 1, not 0",
        ),
        (
            "start_delay: -1\nstreams:\n  - file: a.wav\n",
            "line 1 column 14: start_delay: must be a number of seconds, 0 or more, not -1",
        ),
        (
            "streams:\n  - file: a.wav\n    offset: soon\n",
            "line 3 column 13: streams[0].offset: must be a number of seconds, 0 or more, not \"soon\"",
        ),
        (
            "streams:\n  - file: a.wav\n    annotations: maybe\n",
            "line 3 column 18: streams[0].annotations: must be one of auto, markers, none, not `maybe`",
        ),
        (
            "start_delay: 1\nstreams:\n  - file: a.wav\n    name: x\n    name: y\n",
            "line 5 column 5: streams[0]: the key `name` is given twice",
        ),
        (
            "start_delay: 1\nstart_delay: 2\nstreams:\n  - file: a.wav\n",
            "line 2 column 1: the key `start_delay` is given twice",
        ),
        (
            "- 1\n- 2\n",
            "line 1 column 1: not a scenario: a scenario is a mapping of keys such as `streams:` (a list of recordings), and this file is a list (not shown)",
        ),
        (
            // Issue 24.5: a file that is not a scenario (a .env file) is never quoted.
            "DB_PASSWORD=hunter2\nAPI_KEY=s3cr3t\n",
            "line 1 column 1: not a scenario: a scenario is a mapping of keys such as `streams:` (a list of recordings), and this file is text (not shown)",
        ),
        (
            // Issue 24.5: an unknown key and a bad value from a file are escaped.
            "streams:\n  - file: a.wav\n    annotations: \"\\e[2J\\a\"\n\"\\e]0;PWN\\a\": 1\n",
            "line 3 column 18: streams[0].annotations: must be one of auto, markers, none, not `\\u{1b}[2J\\u{7}`",
        ),
        (
            "streams:\n  - a.wav\n",
            "line 2 column 5: streams[0]: must be a recording: keys such as `file:`, `name:`, not \"a.wav\"",
        ),
        (
            "repeat: 99999999999999999999999\nstreams:\n  - file: a.wav\n",
            "line 1 column 9: repeat: must be a number of passes (1 or more) or \"forever\", not 99999999999999999999999",
        ),
        (
            "streams: []\n",
            "line 1 column 10: streams: must list at least one recording",
        ),
        (
            "wait_for_consumers: sometimes\nstreams:\n  - file: a.wav\n",
            "line 1 column 21: wait_for_consumers: must be data, all or any",
        ),
    ];
    for (yaml, want) in cases {
        let err = Scenario::parse(yaml).expect_err(yaml);
        assert!(err.starts_with(want), "{yaml:?}:\n got {err}\nwant {want}");
    }
}

/// Issue 14.9: an empty or blank stream name is refused where it is written.
#[test]
fn empty_names_are_refused() {
    for bad in ["\"\"", "\"  \""] {
        let yaml = format!("streams:\n  - file: a.wav\n    name: {bad}\n");
        let err = Scenario::parse(&yaml).expect_err(&yaml);
        assert!(
            err.starts_with(
                "line 3 column 11: streams[0].name: must be a stream name that is not empty"
            ),
            "{err}"
        );
    }
    let mut s = Scenario::single(StreamEntry::new("a.wav"));
    s.streams[0].name = Some(" ".into());
    assert!(s.check().is_err());
}

/// Issue 14.10: `picks: eeg` is a one-item list; a string may list several.
#[test]
fn picks_may_be_one_string() {
    let s = Scenario::parse("streams:\n  - file: a.fif\n    picks: eeg\n").expect("valid");
    assert_eq!(s.streams[0].picks, Some(vec!["eeg".to_string()]));
    let s = Scenario::parse("streams:\n  - file: a.fif\n    picks: \"EEG 001, stim\"\n")
        .expect("valid");
    assert_eq!(
        s.streams[0].picks,
        Some(vec!["EEG 001".to_string(), "stim".to_string()])
    );
    let s =
        Scenario::parse("streams:\n  - file: a.fif\n    picks: [ \" meg\", 7]\n").expect("valid");
    assert_eq!(
        s.streams[0].picks,
        Some(vec!["meg".to_string(), "7".to_string()])
    );
}

/// Issue 13.8 / 14.1: one grammar for `--wait-for-consumers` and the YAML key.
#[test]
fn wait_for_consumers_takes_a_mode_and_a_timeout() {
    let wait = |streams, timeout| WaitForConsumers::Wait { streams, timeout };
    for (text, want) in [
        ("data", wait(WaitFor::Data, None)),
        ("all", wait(WaitFor::All, None)),
        ("any,2.5", wait(WaitFor::Any, Some(2.5))),
        ("10 all", wait(WaitFor::All, Some(10.0))),
        ("7", wait(WaitFor::Data, Some(7.0))),
        ("true", wait(WaitFor::Data, None)),
        ("no", WaitForConsumers::No),
    ] {
        assert_eq!(text.parse::<WaitForConsumers>(), Ok(want), "{text}");
        let yaml = format!("wait_for_consumers: {text}\nstreams:\n  - file: a.wav\n");
        assert_eq!(
            Scenario::parse(&yaml).map(|s| s.wait_for_consumers),
            Ok(want),
            "{yaml}"
        );
    }
    for bad in ["0", "-1", "all,any", "1,2", "", "soon", "inf,nan"] {
        assert!(bad.parse::<WaitForConsumers>().is_err(), "{bad}");
    }
    let s = Scenario::parse("wait_for_consumers: false\nstreams:\n  - file: a.wav\n");
    assert_eq!(s.map(|s| s.wait_for_consumers), Ok(WaitForConsumers::No));
}

/// Issue 14.13: `run`'s flags override the scenario (and `--format` every stream).
#[test]
fn run_settings_override_the_scenario() {
    let mut s = Scenario::parse(
        "repeat: 2\nstart_delay: 1\nformat: float64\nstreams:\n  - file: a.wav\n    format: native\n",
    )
    .expect("valid");
    s.apply(&RunSettings::default());
    assert_eq!((s.repeat, s.start_delay), (Repeat::Times(2), 1.0));
    s.apply(&RunSettings {
        repeat: Some(Repeat::Forever),
        start_delay: Some(0.5),
        wait_for_consumers: Some(WaitForConsumers::default_wait()),
        format: Some(ValueFormat::Float32),
        start_at: None,
        faults: Some(crate::scenario::faults::parse_faults("{drift_ppm: 20}").expect("valid")),
    });
    assert_eq!(s.faults.as_ref().map(|f| f.drift_ppm), Some(20.0));
    assert_eq!(s.faults_of(&s.streams[0]), s.faults.as_ref());
    assert_eq!(s.repeat, Repeat::Forever);
    assert_eq!(s.start_delay, 0.5);
    assert_eq!(s.wait_for_consumers, WaitForConsumers::default_wait());
    assert_eq!(s.format, ValueFormat::Float32);
    assert_eq!(s.streams[0].format, Some(ValueFormat::Float32));
}

#[test]
fn reader_options_take_scalars() {
    let s = Scenario::parse(
        "streams:\n  - file: a.xdf\n    reader_options: {dejitter: true, gain: 2}\n",
    )
    .expect("valid");
    assert_eq!(
        s.streams[0]
            .reader_options_map()
            .get("dejitter")
            .map(String::as_str),
        Some("true")
    );
    assert_eq!(s.streams[0].reader_options.len(), 2);
}

#[test]
fn sections_check_their_bounds_and_keep_their_markers() {
    assert!(Section {
        from: 1.0,
        to: Some(1.0)
    }
    .check()
    .is_err());
    assert!(Section {
        from: -1.0,
        to: None
    }
    .check()
    .is_err());
    let s = Section {
        from: 1.0,
        to: Some(3.0),
    };
    assert_eq!(s.period(Some(10.0)), Some(2.0));
    assert_eq!(s.period(Some(2.5)), Some(1.5));
    let m = s.markers(vec![
        (0.5, "a".into()),
        (1.0, "b".into()),
        (3.0, "c".into()),
    ]);
    assert_eq!(m, vec![(0.0, "b".to_string())]);
}

/// Issue 24.6: what parsing may cost is bounded before the parser starts: a scenario of
/// 50 000 streams (five times the largest benchmark) passes, more marks are refused
/// whatever their shape, and aliases, which replay what they name, are refused.
#[test]
fn parsing_cost_is_bounded_before_parsing() {
    let entries: String = (0..50_000)
        .map(|i| {
            format!(
                "  - file: /data/many-streams/tone-{i}.wav\n    name: many-abc123-{i}\n    \
                 chunk_size: 10\n"
            )
        })
        .collect();
    assert_eq!(
        text::check_structure(&format!("streams:\n{entries}")),
        Ok(())
    );
    let over = text::MAX_MARKS + 1;
    for shape in [
        format!("streams: [{}0]\n", "0,".repeat(over)),
        format!("streams:\n{}", "- 0\n".repeat(over)),
        format!("streams: {{{}}}\n", "a: 0, ".repeat(over / 2)),
        format!("streams:\n{}", "\n".repeat(over)),
    ] {
        let e = Scenario::parse(&shape).expect_err("too many marks");
        assert!(e.contains("the most a scenario may have"), "{e}");
    }
    // Lines that are only a comment are not counted (but for their line break).
    let comment = format!("# {}\nstreams:\n  - file: a.wav\n", "[0, ".repeat(over));
    assert!(Scenario::parse(&comment).is_ok());
    let e = Scenario::parse("name: &n x\nstreams:\n  - file: a.wav\n    name: *n\n")
        .expect_err("an alias");
    assert!(
        e.starts_with("line 4 column 11: `*` starts a YAML alias"),
        "{e}"
    );
    for alias in [
        "streams: [*a]\n",
        "streams:\n- *a\n",
        "*a : x\n",
        "a: {b:*c}\n",
    ] {
        let e = Scenario::parse(alias).expect_err(alias);
        assert!(e.contains("YAML alias"), "{alias}: {e}");
    }
    // An anchor alone, and `*` in text, are fine.
    let fine = "name: &n x\nstreams:\n  - file: a*b.wav\n    name: \"*n\"\n";
    assert!(Scenario::parse(fine).is_ok(), "{:?}", Scenario::parse(fine));
}

/// `- - -`: lists in lists on one line count as nesting.
#[test]
fn compact_lists_count_as_nesting() {
    let e = Scenario::parse(&format!("streams:\n{}0\n", "- ".repeat(100))).expect_err("deep");
    assert!(e.contains("nested more than 64 levels"), "{e}");
}

/// Issue 26: `faults:` at the top level is every entry's default; an entry's own wins;
/// a bad value is an error naming the key, with its line.
#[test]
fn faults_are_read_and_checked_where_they_are_written() {
    let s = Scenario::parse(
        "faults: {seed: 2, drop: {probability: 0.1}}\nstreams:\n  - file: a.wav\n  - file: b.wav\n    faults:\n      clock_offset: 0.5\n",
    )
    .expect("valid");
    assert_eq!(s.faults_of(&s.streams[0]).map(|f| f.seed), Some(2));
    assert_eq!(
        s.faults_of(&s.streams[1]).map(|f| f.clock_offset),
        Some(0.5)
    );
    for (yaml, words) in [
        (
            "streams:\n  - file: a.wav\n    faults:\n      drop: {probability: 2}\n",
            "streams[0]: faults.drop.probability must be a probability from 0 to 1, not 2",
        ),
        (
            "faults: {stall: {every: 1, for: -0.5}}\nstreams:\n  - file: a.wav\n",
            "faults.stall.for must be a number of seconds",
        ),
        (
            "streams:\n  - file: a.wav\n    faults: {jiter_ms: 3}\n",
            "streams[0].faults: unknown key `jiter_ms`",
        ),
    ] {
        let e = Scenario::parse(yaml).expect_err("refused");
        assert!(e.contains(words), "{yaml}: {e}");
    }
    // A scenario built in code is checked by `check`.
    let mut s = Scenario::single(StreamEntry::new("a.wav"));
    s.faults = Some(crate::scenario::Faults {
        duplicate: Some(crate::scenario::faults::DuplicateFault { probability: -1.0 }),
        ..Default::default()
    });
    let e = s.check().expect_err("refused").to_string();
    assert!(e.contains("faults.duplicate.probability"), "{e}");
}
