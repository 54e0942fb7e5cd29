use super::*;
use std::cell::Cell;

fn unix(text: &str) -> f64 {
    StartAt::parse(text).expect(text).unix_seconds()
}

#[test]
fn rfc3339_forms_are_read_exactly() {
    // Expected values from Python's datetime.timestamp().
    let base = 1_795_807_800.0; // 2026-11-27T19:30:00Z
    assert_eq!(unix("2026-11-27T19:30:00Z"), base);
    assert_eq!(unix("2026-11-27t19:30:00z"), base);
    assert_eq!(unix("2026-11-27 19:30:00Z"), base);
    assert_eq!(unix(" 2026-11-27T19:30:00Z\n"), base);
    assert_eq!(unix("2026-11-27T20:30:00+01:00"), base);
    assert_eq!(unix("2026-11-27T14:00:00-05:30"), base);
    assert_eq!(unix("2026-11-27T19:30:00+00:00"), base);
    assert_eq!(unix("2026-11-27T19:30:00.25Z"), base + 0.25);
    assert_eq!(unix("2026-11-27T20:30:00.500+01:00"), base + 0.5);
    assert_eq!(
        unix("2026-11-27T19:29:60Z"),
        base,
        "a leap second ends at the next"
    );
    assert_eq!(unix("2024-02-29T23:59:59-05:30"), 1_709_270_999.0);
    assert_eq!(unix("2000-03-01T00:00:00Z"), 951_868_800.0);
    assert_eq!(unix("1970-01-01T00:00:00Z"), 0.0);
    assert_eq!(unix("2100-12-31T12:00:00+14:00"), 4_133_887_200.0);
}

#[test]
fn unix_seconds_are_read() {
    assert_eq!(unix("1795807800"), 1_795_807_800.0);
    assert_eq!(unix("1795807800.5"), 1_795_807_800.5);
    assert_eq!(
        StartAt::parse("1795807800.5").expect("ok").text(),
        "1795807800.5"
    );
}

#[test]
fn malformed_times_are_refused_naming_the_value_and_the_forms() {
    for bad in [
        "",
        "now",
        "2026-11-27",
        "2026-11-27T19:30Z",
        "2026-11-27T19:30:00",
        "2026-11-27T19:30:00.Z",
        "2026-11-27T19:30:00Zjunk",
        "2026-11-27T19:30:00+0100",
        "2026-11-27T19:30:00+24:00",
        "2026-11-27T19:30:00+01:60",
        "2026-13-01T00:00:00Z",
        "2026-00-01T00:00:00Z",
        "2026-02-29T00:00:00Z",
        "2026-04-31T00:00:00Z",
        "2026-11-00T00:00:00Z",
        "2026-11-27T24:00:00Z",
        "2026-11-27T19:60:00Z",
        "2026-11-27T19:30:61Z",
        "2026/11/27T19:30:00Z",
        "+26-11-27T19:30:00Z",
        "-5",
        "1e9",
        "1.2.3",
        "1795807800s",
        // After the year 9999: no hundred-digit hours in the message.
        "253402300800",
        "1000000000000000000000",
        &"1".repeat(120),
    ] {
        let e = StartAt::parse(bad).expect_err(bad).to_string();
        assert!(e.len() < 250, "{bad}: {e}");
        assert!(e.starts_with("start time \""), "{bad}: {e}");
        assert!(e.contains("expected RFC 3339"), "{bad}: {e}");
        assert!(e.contains("or Unix seconds"), "{bad}: {e}");
    }
}

#[test]
fn only_the_next_24_hours_are_accepted() {
    let now = 1_795_807_800.0;
    let at = |t: f64| StartAt::parse(&t.to_string()).expect("parse");
    at(now + 0.001).check(now).expect("just ahead");
    at(now + MAX_AHEAD).check(now).expect("a day ahead");
    let past = at(now - 2.5).check(now).expect_err("past").to_string();
    assert_eq!(
        past,
        "start time \"1795807797.5\" (2026-11-27T19:29:57.500Z) is 2.500 s in the past \
         (now: 2026-11-27T19:30:00.000Z): it must be in the future, at most 24 h ahead"
    );
    assert!(at(now).check(now).is_err(), "now is too late");
    let far = at(now + MAX_AHEAD + 1.0)
        .check(now)
        .expect_err("far")
        .to_string();
    assert!(far.contains("is 24.0 h ahead"), "{far}");
    assert!(far.contains("at most 24 h ahead"), "{far}");
}

#[test]
fn the_command_line_form_checks_against_the_clock() {
    let e = parse_arg("2020-01-01T00:00:00Z").expect_err("past");
    assert!(e.contains("\"2020-01-01T00:00:00Z\""), "{e}");
    assert!(e.contains("in the past"), "{e}");
    assert!(parse_arg("2999-01-01T00:00:00Z").is_err());
    let soon = format_utc(unix_now().expect("clock") + 600.0);
    let start: StartAt = soon.parse().expect("in ten minutes");
    assert_eq!(start.text(), soon);
}

#[test]
fn t0_is_the_lsl_clock_shifted_by_the_wait() {
    let start = StartAt::parse("1795807800.5").expect("parse");
    let t0 = start.lsl_t0_at(1_795_807_790.0, 5000.0).expect("ahead");
    assert_eq!(t0, 5010.5);
    assert!(start.lsl_t0_at(1_795_807_801.0, 5000.0).is_err(), "passed");
    // With the real clocks: ten minutes ahead is about ten minutes of LSL clock ahead.
    let target = unix_now().expect("clock") + 600.0;
    let start = StartAt::parse(&target.to_string()).expect("parse");
    let wait = start.lsl_t0().expect("t0") - crate::transport::clock::local_clock();
    assert!(wait > 590.0 && wait <= 600.0, "{wait}");
}

#[test]
fn the_least_disturbed_clock_reading_is_used() {
    // Brackets of widths 4, 1, 3, 2, 5 (the LSL clock called twice per try).
    let widths = [4.0, 1.0, 3.0, 2.0, 5.0];
    let calls = Cell::new(0usize);
    let lsl = || {
        let n = calls.get();
        calls.set(n + 1);
        let (try_, second) = (n / 2, n % 2 == 1);
        100.0 * try_ as f64 + if second { widths[try_] } else { 0.0 }
    };
    let (_, mid) = sample_clocks(lsl).expect("sample");
    assert_eq!(mid, 100.0 + 0.5);
    assert_eq!(calls.get(), 10);
}

#[test]
fn formatting_and_parsing_agree() {
    for t in [
        0.0,
        951_868_800.0,
        1_709_270_999.123,
        1_795_807_800.5,
        4_133_887_200.0,
    ] {
        let text = format_utc(t);
        assert_eq!(unix(&text), t, "{text}");
    }
    assert_eq!(format_utc(1_709_251_199.0), "2024-02-29T23:59:59.000Z");
}

#[test]
fn scenario_values_are_strings_or_numbers_checked_later() {
    let s: StartAt = serde_yaml_ng::from_str("2026-11-27T19:30:00Z").expect("string");
    assert_eq!(s.unix_seconds(), 1_795_807_800.0);
    let n: StartAt = serde_yaml_ng::from_str("1795807800.5").expect("number");
    assert_eq!(n.unix_seconds(), 1_795_807_800.5);
    let old: StartAt = serde_yaml_ng::from_str("'2001-01-01T00:00:00Z'").expect("past is read");
    assert!(old.check(unix_now().expect("clock")).is_err());
    let e = serde_yaml_ng::from_str::<StartAt>("tomorrow").expect_err("bad");
    assert!(e.to_string().contains("expected RFC 3339"), "{e}");
}

/// `--start-at` as `main.rs` wires it.
#[derive(clap::Parser, Debug)]
struct Cli {
    #[arg(long, value_name = "TIME", value_parser = parse_arg)]
    start_at: Option<StartAt>,
}

#[test]
fn the_clap_flag_parses_and_refuses_with_the_rule() {
    use clap::Parser;
    let soon = format_utc(unix_now().expect("clock") + 60.0);
    let cli = Cli::try_parse_from(["player-host", "--start-at", &soon]).expect("in a minute");
    assert_eq!(cli.start_at.expect("given").text(), soon);
    let e = Cli::try_parse_from(["player-host", "--start-at", "1000"]).expect_err("1970");
    assert_eq!(e.exit_code(), 2);
    let message = e.to_string();
    assert!(message.contains("--start-at <TIME>"), "{message}");
    assert!(message.contains("at most 24 h ahead"), "{message}");
}
