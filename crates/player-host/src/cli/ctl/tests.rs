use super::*;
use crate::cli::exit_status;
use crate::control::mock_steer::{MockSteer, SocketDir};
use crate::control::socket::serve;
use clap::Parser;
use std::os::unix::net::UnixListener;

use std::sync::Arc;

fn words(line: &str) -> Vec<String> {
    line.split_whitespace().map(String::from).collect()
}

/// The command line as `main.rs` wires it.
#[derive(clap::Parser, Debug)]
struct Cli {
    #[command(subcommand)]
    command: Sub,
}

#[derive(clap::Subcommand, Debug)]
enum Sub {
    #[command(after_help = AFTER_HELP)]
    Ctl(CtlArgs),
}

fn cli(line: &str) -> std::result::Result<CtlArgs, clap::Error> {
    let argv = std::iter::once("player-host").chain(line.split_whitespace());
    Cli::try_parse_from(argv).map(|c| match c.command {
        Sub::Ctl(args) => args,
    })
}

#[test]
fn command_lines_become_requests() {
    let cases = [
        ("pause", Request::Pause),
        ("resume", Request::Resume),
        ("status", Request::Status),
        ("stop", Request::Stop),
        ("seek 12.5", Request::SeekTo(12.5)),
        ("seek 0", Request::SeekTo(0.0)),
        ("seek +5", Request::SeekBy(5.0)),
        ("seek -5", Request::SeekBy(-5.0)),
        ("seek -.5", Request::SeekBy(-0.5)),
        ("speed 2", Request::Speed(2.0)),
        ("speed 0.5", Request::Speed(0.5)),
        ("speed 4x", Request::Speed(4.0)),
    ];
    for (line, request) in cases {
        assert_eq!(parse_command(&words(line)).expect(line), request, "{line}");
    }
}

#[test]
fn usage_mistakes_are_refused_before_sending() {
    let cases = [
        ("", "no command"),
        ("rewind", "unknown command \"rewind\""),
        ("pause now", "pause takes no argument"),
        ("seek", "seek takes one number"),
        ("seek 1 2", "seek takes one number"),
        ("seek abc", "\"abc\" is not a number of seconds"),
        ("seek 1e3", "is not a number of seconds"),
        ("seek inf", "is not a number of seconds"),
        ("seek --5", "\"--5\" is not a number of seconds"),
        ("seek +", "is not a number of seconds"),
        ("speed fast", "\"fast\" is not a speed factor"),
        ("speed 1000", "speed must be from 0.01 to 100"),
        ("speed 0", "speed must be from 0.01 to 100"),
    ];
    for (line, expected) in cases {
        let e = parse_command(&words(line)).expect_err(line).to_string();
        assert!(e.contains(expected), "{line}: {e}");
        assert!(e.contains("usage: player-host ctl SOCKET pause |"), "{e}");
    }
}

#[test]
fn the_clap_arguments_take_negative_seeks_and_json_anywhere() {
    let args = cli("ctl /tmp/p.sock seek -5").expect("parse");
    assert_eq!(args.socket, PathBuf::from("/tmp/p.sock"));
    assert_eq!(args.command, ["seek", "-5"]);
    assert!(!args.json);
    let args = cli("ctl /tmp/p.sock status --json").expect("parse");
    assert_eq!(args.command, ["status"]);
    assert!(args.json);
    let args = cli("ctl --json /tmp/p.sock speed 2").expect("parse");
    assert_eq!(args.command, ["speed", "2"]);
    assert!(args.json);
    // Usage mistakes at the clap level exit with 2 too.
    let e = cli("ctl /tmp/p.sock").expect_err("no command");
    assert_eq!(e.exit_code(), 2);
    let help = cli("ctl --help").expect_err("help").to_string();
    assert!(help.contains("pause | resume | seek SECONDS"), "{help}");
    assert!(help.contains("Exit status: 0 done; 1 refused"), "{help}");
}

#[test]
fn ctl_talks_to_a_control_socket() {
    let dir = SocketDir::new();
    let steer = Arc::new(MockSteer::new());
    let _server = serve(&dir.sock(), steer.clone()).expect("serve");
    for line in [
        "pause",
        "seek 12.5",
        "seek -2.5",
        "speed 2",
        "resume",
        "status",
    ] {
        let answer = ctl(&dir.sock(), &words(line)).expect(line);
        let v: Value = serde_json::from_str(&answer).expect("json");
        assert_eq!(v["ok"], true, "{line}: {answer}");
    }
    let answer = ctl(&dir.sock(), &words("status")).expect("status");
    let v: Value = serde_json::from_str(&answer).expect("json");
    assert_eq!(v["status"]["position"], 10.0);
    assert_eq!(v["status"]["speed"], 2.0);
    // A refusal of the player is an answer, not an error of ctl.
    let answer = ctl(&dir.sock(), &words("seek 5000")).expect("answer");
    assert!(answer.contains("\"ok\":false"), "{answer}");
    assert_eq!(
        steer.calls(),
        ["pause", "seek 12.5", "seek 10", "speed 2", "resume"]
    );
}

#[test]
fn exit_status_is_0_ok_1_refused_or_unreachable_2_usage() {
    let dir = SocketDir::new();
    let steer = Arc::new(MockSteer::new());
    let path = dir.sock().display().to_string();
    assert_eq!(
        exit_status(&run(&cli(&format!("ctl {path} status")).expect("args"))),
        1
    );
    let e = ctl(&dir.sock(), &words("status")).expect_err("nobody there");
    assert_eq!(
        e.to_string(),
        format!(
            "connecting to control socket {path}: No such file or directory (os error 2); \
             is a player running with --control at this path?"
        )
    );
    drop(UnixListener::bind(dir.sock()).expect("bind"));
    let e = ctl(&dir.sock(), &words("status")).expect_err("stale");
    assert!(
        e.to_string()
            .ends_with("; nobody listens there: the player has ended?"),
        "{e}"
    );
    let _server = serve(&dir.sock(), steer.clone()).expect("serve");
    assert_eq!(
        exit_status(&run(&cli(&format!("ctl {path} pause")).expect("args"))),
        0
    );
    assert_eq!(
        exit_status(&run(
            &cli(&format!("ctl {path} seek 5000 --json")).expect("args")
        )),
        1
    );
    assert_eq!(
        exit_status(&run(&cli(&format!("ctl {path} seek 5000")).expect("args"))),
        1
    );
    assert_eq!(
        exit_status(&run(&cli(&format!("ctl {path} speed 500")).expect("args"))),
        2
    );
    assert_eq!(
        exit_status(&run(&cli(&format!("ctl {path} jump")).expect("args"))),
        2
    );
    assert_eq!(steer.calls(), ["pause"]);
}

#[test]
fn answers_are_printed_for_people_or_as_json() {
    let ok = r#"{"ok":true,"status":{"state":"paused","position":12.5,"duration":60.0,"pass":[1,2],"speed":0.5}}"#;
    assert_eq!(
        report(ok, false),
        (
            Some("paused  12.500 / 60.000 s  speed 0.5  pass 1/2".into()),
            None,
            true
        )
    );
    assert_eq!(report(ok, true), (Some(ok.into()), None, true));
    let forever = r#"{"ok":true,"status":{"state":"playing","position":1,"duration":null,"pass":[3,null],"speed":1}}"#;
    assert_eq!(
        report(forever, false).0.as_deref(),
        Some("playing  1.000 s  speed 1  pass 3/∞")
    );
    let refused = r#"{"ok":false,"error":"no"}"#;
    assert_eq!(
        report(refused, false),
        (None, Some("error: the player refused: no".into()), false)
    );
    assert_eq!(report(refused, true), (Some(refused.into()), None, false));
    let (out, err, code) = report("hello", false);
    assert_eq!((out, code), (None, false));
    assert!(err
        .expect("message")
        .contains("not an answer of the control protocol"));
}

#[test]
fn a_server_that_hangs_up_without_answering_is_an_error() {
    let dir = SocketDir::new();
    let listener = UnixListener::bind(dir.sock()).expect("bind");
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().expect("accept");
        let mut line = String::new();
        BufReader::new(&s).read_line(&mut line).expect("request");
        s.write_all(b"{\"ok\":tr").expect("half an answer");
        line
    });
    let e = ctl(&dir.sock(), &words("seek +5")).expect_err("no answer");
    assert!(e.to_string().contains("no complete answer line"), "{e}");
    assert!(
        e.to_string().contains(&dir.sock().display().to_string()),
        "{e}"
    );
    assert_eq!(
        server.join().expect("server"),
        "{\"by\":5.0,\"cmd\":\"seek\"}\n"
    );
}
