use super::*;
use crate::control::mock_steer::{MockSteer, SocketDir};
use crate::control::protocol::{answer, Request};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;

fn start(dir: &SocketDir) -> (Arc<MockSteer>, ControlServer) {
    start_with(dir, ServeOptions::default())
}

fn start_with(dir: &SocketDir, options: ServeOptions) -> (Arc<MockSteer>, ControlServer) {
    let steer = Arc::new(MockSteer::new());
    let server = serve_with(&dir.sock(), steer.clone(), options).expect("serve");
    (steer, server)
}

/// Sends one line and reads one answer line, as JSON.
fn ask(stream: &mut UnixStream, line: &str) -> Value {
    stream
        .write_all(format!("{line}\n").as_bytes())
        .expect("send");
    read_answer(stream)
}

fn read_answer(stream: &UnixStream) -> Value {
    let mut answer = String::new();
    BufReader::new(stream)
        .read_line(&mut answer)
        .expect("answer");
    assert!(answer.ends_with('\n'), "one line: {answer:?}");
    serde_json::from_str(&answer).expect("JSON answer")
}

fn connect(dir: &SocketDir) -> UnixStream {
    UnixStream::connect(dir.sock()).expect("connect")
}

/// Reads until the server closes the connection. A server that hangs up on unread input
/// resets the connection after its last answer: that counts as the end too.
fn read_to_end(mut stream: &UnixStream) -> String {
    let mut rest = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => rest.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("read: {e}"),
        }
    }
    String::from_utf8(rest).expect("UTF-8")
}

fn error_of(answer: &Value) -> &str {
    assert_eq!(answer["ok"], false, "{answer}");
    answer["error"].as_str().expect("error message")
}

#[test]
fn every_command_parses_and_round_trips() {
    let cases = [
        (r#"{"cmd": "pause"}"#, Request::Pause),
        (r#"{"cmd": "resume"}"#, Request::Resume),
        (r#"{"cmd": "seek", "to": 12.5}"#, Request::SeekTo(12.5)),
        (r#"{"cmd": "seek", "to": 0}"#, Request::SeekTo(0.0)),
        (r#"{"cmd": "seek", "by": -5}"#, Request::SeekBy(-5.0)),
        (r#"{"cmd": "speed", "value": 2}"#, Request::Speed(2.0)),
        (r#"{"cmd": "status"}"#, Request::Status),
        (r#" {"cmd":"stop"} "#, Request::Stop),
    ];
    for (line, request) in cases {
        assert_eq!(Request::parse(line), Ok(request), "{line}");
        let again = request.to_json().to_string();
        assert_eq!(Request::parse(&again), Ok(request), "{again}");
    }
}

#[test]
fn bad_requests_are_refused_with_a_reason() {
    let cases = [
        ("{\"cmd\": \"pause\"", "not a JSON request"),
        ("pause", "not a JSON request"),
        ("[\"pause\"]", "a request is a JSON object"),
        ("{}", "missing \"cmd\""),
        (r#"{"cmd": 3}"#, "\"cmd\" must be a string"),
        (r#"{"cmd": "rewind"}"#, "unknown command \"rewind\""),
        (
            r#"{"cmd": "pause", "to": 3}"#,
            "unknown field \"to\" for \"pause\"",
        ),
        (r#"{"cmd": "seek"}"#, "\"seek\" needs \"to\""),
        (r#"{"cmd": "seek", "to": 1, "by": 1}"#, "not both"),
        (
            r#"{"cmd": "seek", "to": -1}"#,
            "seek: the target must be from 0 to 1e9 s",
        ),
        (
            r#"{"cmd": "seek", "by": 1e300}"#,
            "seek: the offset must be from -1e9 to 1e9 s (a seek lands within the pass), not 1e300",
        ),
        (
            r#"{"cmd": "status", "cmd": "stop"}"#,
            "the field \"cmd\" is given twice",
        ),
        (
            r#"{"cmd": "seek", "to": 1, "to": 2}"#,
            "the field \"to\" is given twice",
        ),
        (r#"{"cmd": "seek", "to": "12"}"#, "must be a number"),
        (r#"{"cmd": "seek", "too": 12}"#, "unknown field \"too\""),
        (r#"{"cmd": "speed"}"#, "\"speed\" needs \"value\""),
        (
            r#"{"cmd": "speed", "value": 0}"#,
            "speed must be from 0.01 to 100",
        ),
        (
            r#"{"cmd": "speed", "value": 101}"#,
            "speed must be from 0.01 to 100",
        ),
        (
            r#"{"cmd": "speed", "value": null}"#,
            "must be a number, not null",
        ),
        // Issue 24.5: text from a request comes back escaped, never raw.
        (
            r#"{"cmd": "speed", "value": "\u202e\u001b[2J"}"#,
            r#"must be a number, not "\u{202e}\u{1b}[2J""#,
        ),
        (r#"{"cmd": "speed", "value": [1, "\u202e"]}"#, "not a list"),
        (
            r#"{"cmd": "\u001b]0;PWN\u0007"}"#,
            r#"unknown command "\u{1b}]0;PWN\u{7}""#,
        ),
        (r#"{"cmd": "speed", "value": 1e999}"#, "not a JSON request"),
        (
            r#"{"cmd": "speed", "value": 1e300}"#,
            "speed must be from 0.01 to 100 (1 = real time), not 1e300",
        ),
    ];
    for (line, expected) in cases {
        let e = Request::parse(line).expect_err(line);
        assert!(e.contains(expected), "{line}: {e}");
        assert!(
            !e.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "{line}: raw {e:?}"
        );
    }
}

#[test]
fn answers_carry_the_status_or_the_error_and_refusals_change_nothing() {
    let steer = MockSteer::new();
    let line = answer(&steer, r#"{"cmd": "pause"}"#);
    assert_eq!(
        line,
        r#"{"ok":true,"status":{"state":"paused","position":10.0,"duration":60.0,"pass":[1,1],"speed":1.0}}"#,
        "the documented field order"
    );
    let refused = answer(&steer, r#"{"cmd": "rewind"}"#);
    assert!(
        refused.starts_with(r#"{"ok":false,"error":"unknown command"#),
        "{refused}"
    );
    let ok: Value = serde_json::from_str(&line).expect("json");
    assert_eq!(ok["ok"], true);
    assert_eq!(ok["status"]["state"], "paused");
    assert_eq!(ok["status"]["position"], 10.0);
    assert_eq!(ok["status"]["duration"], 60.0);
    assert_eq!(ok["status"]["speed"], 1.0);
    assert_eq!(ok["status"]["pass"], json!([1, 1]));
    for bad in [
        r#"{"cmd": "speed", "value": 500}"#,
        "garbage",
        r#"{"cmd": "seek"}"#,
    ] {
        let e: Value = serde_json::from_str(&answer(&steer, bad)).expect("json");
        assert_eq!(e["ok"], false, "{bad}");
        assert!(e.get("status").is_none());
    }
    // The engine's own refusal is passed on.
    let e: Value =
        serde_json::from_str(&answer(&steer, r#"{"cmd": "seek", "to": 5000}"#)).expect("json");
    assert_eq!(error_of(&e), "mock refuses seeks past 1000 s");
    assert_eq!(steer.calls(), ["pause"]);
}

#[test]
fn each_command_over_the_socket_reaches_the_player() {
    let dir = SocketDir::new();
    let (steer, _server) = start(&dir);
    let mut c = connect(&dir);
    assert_eq!(
        ask(&mut c, r#"{"cmd": "pause"}"#)["status"]["state"],
        "paused"
    );
    assert_eq!(
        ask(&mut c, r#"{"cmd": "resume"}"#)["status"]["state"],
        "playing"
    );
    assert_eq!(
        ask(&mut c, r#"{"cmd": "seek", "to": 12.5}"#)["status"]["position"],
        12.5
    );
    assert_eq!(
        ask(&mut c, r#"{"cmd": "seek", "by": -5}"#)["status"]["position"],
        7.5
    );
    assert_eq!(
        ask(&mut c, r#"{"cmd": "speed", "value": 2}"#)["status"]["speed"],
        2.0
    );
    assert_eq!(ask(&mut c, r#"{"cmd": "status"}"#)["ok"], true);
    assert_eq!(
        ask(&mut c, r#"{"cmd": "stop"}"#)["status"]["state"],
        "finished"
    );
    assert_eq!(
        steer.calls(),
        [
            "pause",
            "resume",
            "seek 12.5",
            "seek 7.5",
            "speed 2",
            "stop"
        ]
    );
}

#[test]
fn bad_lines_get_an_error_answer_and_the_connection_stays_usable() {
    let dir = SocketDir::new();
    let (steer, _server) = start(&dir);
    let mut c = connect(&dir);
    for bad in [
        "{not json",
        r#"{"cmd": "fly"}"#,
        r#"{"cmd": "speed", "value": 1000}"#,
        r#"{"cmd": "seek", "to": -3}"#,
    ] {
        let a = ask(&mut c, bad);
        assert!(!error_of(&a).is_empty(), "{bad}");
    }
    // Invalid UTF-8, and blank lines (ignored: no answer).
    c.write_all(b"\xff\xfe\n\n \r\n").expect("send");
    assert_eq!(error_of(&read_answer(&c)), "a request must be UTF-8 JSON");
    // Pipelined requests are answered in order, CRLF accepted.
    c.write_all(b"{\"cmd\":\"pause\"}\r\n{\"cmd\":\"status\"}\n")
        .expect("send");
    let mut reader = BufReader::new(&c);
    for _ in 0..2 {
        let mut line = String::new();
        reader.read_line(&mut line).expect("answer");
        let a: Value = serde_json::from_str(&line).expect("json");
        assert_eq!(a["status"]["state"], "paused");
    }
    assert_eq!(steer.calls(), ["pause"]);
}

#[test]
fn a_last_request_without_newline_is_answered_at_end_of_input() {
    let dir = SocketDir::new();
    let (steer, _server) = start(&dir);
    let mut c = connect(&dir);
    c.write_all(br#"{"cmd": "pause"}"#).expect("send");
    c.shutdown(std::net::Shutdown::Write).expect("shutdown");
    let rest = read_to_end(&c);
    let a: Value = serde_json::from_str(rest.trim_end()).expect("json");
    assert_eq!(a["ok"], true);
    assert_eq!(steer.calls(), ["pause"]);
}

#[test]
fn silent_and_endless_clients_do_not_stall_the_others() {
    let dir = SocketDir::new();
    let (steer, _server) = start(&dir);
    let _silent = connect(&dir);
    let flood = connect(&dir);
    let writer = {
        let mut flood = flood.try_clone().expect("clone");
        std::thread::spawn(move || {
            let megabyte = vec![b'{'; 1 << 20];
            // The server hangs up after 4 KiB: later writes fail, which is expected.
            let _ = flood.write_all(&megabyte);
        })
    };
    let mut other = connect(&dir);
    assert_eq!(ask(&mut other, r#"{"cmd": "pause"}"#)["ok"], true);
    // The flood got one error line, then the connection closed.
    let rest = read_to_end(&flood);
    let a: Value = serde_json::from_str(rest.trim_end()).expect("one JSON line");
    assert!(
        error_of(&a).contains("longer than 4096 bytes without a newline"),
        "{a}"
    );
    writer.join().expect("writer");
    assert_eq!(ask(&mut other, r#"{"cmd": "resume"}"#)["ok"], true);
    assert_eq!(steer.calls(), ["pause", "resume"]);
}

#[test]
fn an_overlong_line_is_refused_even_with_its_newline() {
    let dir = SocketDir::new();
    let options = ServeOptions {
        max_line: 100,
        ..ServeOptions::default()
    };
    let (steer, _server) = start_with(&dir, options);
    let mut c = connect(&dir);
    let padded = format!("{{\"cmd\": \"pause\"{}}}\n", " ".repeat(100));
    c.write_all(padded.as_bytes()).expect("send");
    let rest = read_to_end(&c);
    assert!(rest.contains("longer than 100 bytes"), "{rest}");
    assert!(steer.calls().is_empty());
}

#[test]
fn clients_beyond_the_limit_are_turned_away() {
    let dir = SocketDir::new();
    let options = ServeOptions {
        max_clients: 2,
        ..ServeOptions::default()
    };
    let (_steer, _server) = start_with(&dir, options);
    let mut first = connect(&dir);
    let mut second = connect(&dir);
    assert_eq!(ask(&mut first, r#"{"cmd": "status"}"#)["ok"], true);
    assert_eq!(ask(&mut second, r#"{"cmd": "status"}"#)["ok"], true);
    let third = connect(&dir);
    let rest = read_to_end(&third);
    assert!(
        rest.contains("too many control clients (at most 2)"),
        "{rest}"
    );
    // A slot freed is a slot available (once the server has seen the client leave).
    drop(first);
    loop {
        let mut again = connect(&dir);
        // A refused client may be closed before it sends: then the send fails.
        let _ = again.write_all(b"{\"cmd\": \"status\"}\n");
        let mut line = String::new();
        let _ = BufReader::new(&again).read_line(&mut line);
        if line.contains(r#""ok":true"#) {
            break;
        }
        assert!(line.contains("too many control clients"), "{line}");
        std::thread::yield_now();
    }
}

#[test]
fn an_idle_client_is_disconnected() {
    let dir = SocketDir::new();
    let options = ServeOptions {
        idle_timeout: Duration::from_millis(20),
        ..ServeOptions::default()
    };
    let (_steer, _server) = start_with(&dir, options);
    let c = connect(&dir);
    let rest = read_to_end(&c);
    assert!(rest.contains("closing: idle for 0.02 s"), "{rest}");
}

#[test]
fn the_socket_is_private_to_its_owner() {
    let dir = SocketDir::new();
    let (_steer, _server) = start(&dir);
    let meta = std::fs::symlink_metadata(dir.sock()).expect("socket");
    assert!(meta.file_type().is_socket());
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
}

#[test]
fn dropping_the_server_closes_clients_and_removes_the_socket() {
    let dir = SocketDir::new();
    let (_steer, server) = start(&dir);
    let silent = connect(&dir);
    let mut talking = connect(&dir);
    assert_eq!(ask(&mut talking, r#"{"cmd": "status"}"#)["ok"], true);
    drop(server);
    assert!(!dir.sock().exists());
    assert_eq!(read_to_end(&silent), "");
    assert_eq!(read_to_end(&talking), "");
}

#[test]
fn a_stale_socket_is_replaced() {
    let dir = SocketDir::new();
    drop(UnixListener::bind(dir.sock()).expect("bind"));
    assert!(dir.sock().exists(), "std leaves the file behind");
    let (steer, server) = start(&dir);
    let mut c = connect(&dir);
    assert_eq!(ask(&mut c, r#"{"cmd": "pause"}"#)["ok"], true);
    assert_eq!(steer.calls(), ["pause"]);
    assert_eq!(server.path(), dir.sock());
}

#[test]
fn a_live_socket_is_refused_and_keeps_working() {
    let dir = SocketDir::new();
    let (steer, _server) = start(&dir);
    let e = serve(&dir.sock(), Arc::new(MockSteer::new())).expect_err("live");
    let message = e.to_string();
    assert!(
        message.contains(&dir.sock().display().to_string()),
        "{message}"
    );
    assert!(message.contains("listening there"), "{message}");
    let mut c = connect(&dir);
    assert_eq!(ask(&mut c, r#"{"cmd": "pause"}"#)["ok"], true);
    assert_eq!(steer.calls(), ["pause"]);
}

#[test]
fn a_regular_file_is_refused_and_left_alone() {
    let dir = SocketDir::new();
    std::fs::write(dir.sock(), "precious").expect("file");
    let e = serve(&dir.sock(), Arc::new(MockSteer::new())).expect_err("file");
    let message = e.to_string();
    assert!(
        message.contains(&dir.sock().display().to_string()),
        "{message}"
    );
    assert!(message.contains("is not a socket"), "{message}");
    assert_eq!(
        std::fs::read_to_string(dir.sock()).expect("file"),
        "precious"
    );
}

#[test]
fn an_overlong_path_is_refused() {
    let dir = SocketDir::new();
    let path = dir.sock().with_file_name("x".repeat(200));
    let e = serve(&path, Arc::new(MockSteer::new())).expect_err("long");
    assert!(e.to_string().contains("must be shorter than"), "{e}");
}
