//! The control protocol (`docs/control.md`): one JSON request per line, each answered
//! with one JSON line, the new status or why the request was refused:
//!
//! ```text
//! → {"cmd": "seek", "by": -5}
//! ← {"ok":true,"status":{"state":"playing","position":7.5,"duration":60.0,"pass":[1,1],"speed":1.0}}
//! → {"cmd": "speed", "value": 1000}
//! ← {"ok":false,"error":"speed must be from 0.01 to 100 (1 = real time), not 1000"}
//! ```
//!
//! The socket ([`super::socket`]) and `player-host ctl` speak it; requests go to a
//! [`Steer`].

use crate::engine::control::{
    check_seek_by, check_seek_to, check_speed, PlayState, Refusal, Status, Steer,
};
use serde::de::{Deserialize, Deserializer, Error as _, MapAccess, Visitor};
use serde_json::{json, Map, Value};
use std::time::{Duration, Instant};

/// How long the answer to `stop` waits for the run to end (it ends within milliseconds).
const STOP_PATIENCE: Duration = Duration::from_secs(2);

/// One request of the protocol.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Request {
    /// `{"cmd": "pause"}`
    Pause,
    /// `{"cmd": "resume"}`
    Resume,
    /// `{"cmd": "seek", "to": SECONDS}` (0 to 1e9 s; lands within the pass)
    SeekTo(f64),
    /// `{"cmd": "seek", "by": SECONDS}` (negative: back; -1e9 to 1e9 s)
    SeekBy(f64),
    /// `{"cmd": "speed", "value": FACTOR}` (0.01 to 100)
    Speed(f64),
    /// `{"cmd": "status"}`
    Status,
    /// `{"cmd": "stop"}`
    Stop,
}

impl Request {
    /// Parses and checks one request line; the error is the message of the answer.
    pub fn parse(line: &str) -> std::result::Result<Request, String> {
        let value: Value = serde_json::from_str(line).map_err(|e| {
            format!("not a JSON request ({e}); expected e.g. {{\"cmd\": \"status\"}}")
        })?;
        if !value.is_object() {
            return Err("a request is a JSON object, e.g. {\"cmd\": \"status\"}".into());
        }
        // Read again, refusing a key given twice (a `Value` keeps the last one silently).
        let Fields(fields) = serde_json::from_str(line).map_err(|e| {
            let message = e.to_string();
            match message.rsplit_once(" at line ") {
                Some((what, _)) => what.to_string(),
                None => message,
            }
        })?;
        let cmd = match fields.get("cmd") {
            Some(Value::String(cmd)) => cmd.as_str(),
            Some(_) => return Err("\"cmd\" must be a string".into()),
            None => return Err("missing \"cmd\" (pause, resume, seek, speed, status, stop)".into()),
        };
        let request = match cmd {
            "pause" => only(&fields, cmd, &[]).map(|()| Request::Pause),
            "resume" => only(&fields, cmd, &[]).map(|()| Request::Resume),
            "status" => only(&fields, cmd, &[]).map(|()| Request::Status),
            "stop" => only(&fields, cmd, &[]).map(|()| Request::Stop),
            "speed" => only(&fields, cmd, &["value"])
                .and_then(|()| number(&fields, cmd, "value"))
                .and_then(|v| check_speed(v).map_err(|Refusal(m)| m))
                .map(Request::Speed),
            "seek" => seek(&fields),
            other => Err(format!(
                "unknown command {} (pause, resume, seek, speed, status, stop)",
                player_api::quote(other)
            )),
        }?;
        Ok(request)
    }

    /// The request as the JSON object of the protocol.
    pub fn to_json(self) -> Value {
        match self {
            Request::Pause => json!({"cmd": "pause"}),
            Request::Resume => json!({"cmd": "resume"}),
            Request::SeekTo(s) => json!({"cmd": "seek", "to": s}),
            Request::SeekBy(s) => json!({"cmd": "seek", "by": s}),
            Request::Speed(v) => json!({"cmd": "speed", "value": v}),
            Request::Status => json!({"cmd": "status"}),
            Request::Stop => json!({"cmd": "stop"}),
        }
    }

    /// Carries the request out.
    pub fn apply(self, steer: &dyn Steer) -> std::result::Result<Status, Refusal> {
        match self {
            Request::Pause => steer.pause(),
            Request::Resume => steer.resume(),
            Request::SeekTo(s) => steer.seek(s),
            Request::SeekBy(s) => steer.seek_by(s),
            Request::Speed(v) => steer.set_speed(v),
            Request::Status => Ok(steer.status()),
            Request::Stop => {
                steer.stop();
                Ok(ended(steer))
            }
        }
    }
}

/// The status once the run has ended (after a stop), so that the answer says so; the
/// latest status if it takes longer than [`STOP_PATIENCE`].
fn ended(steer: &dyn Steer) -> Status {
    let give_up = Instant::now() + STOP_PATIENCE;
    loop {
        let status = steer.status();
        if status.state == PlayState::Finished || Instant::now() > give_up {
            return status;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// A JSON object whose keys are all different.
struct Fields(Map<String, Value>);

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Fields;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
                let mut fields = Map::new();
                while let Some(key) = map.next_key::<String>()? {
                    if fields.contains_key(&key) {
                        return Err(A::Error::custom(format!(
                            "the field {} is given twice (a request names each field once)",
                            player_api::quote(&key)
                        )));
                    }
                    let value: Value = map.next_value()?;
                    fields.insert(key, value);
                }
                Ok(Fields(fields))
            }
        }
        d.deserialize_map(V)
    }
}

/// Refuses fields other than `cmd` and `allowed`.
fn only(
    fields: &Map<String, Value>,
    cmd: &str,
    allowed: &[&str],
) -> std::result::Result<(), String> {
    match fields
        .keys()
        .find(|k| *k != "cmd" && !allowed.contains(&k.as_str()))
    {
        None => Ok(()),
        Some(k) if allowed.is_empty() => Err(format!(
            "unknown field {} for {cmd:?} (it takes none)",
            player_api::quote(k)
        )),
        Some(k) => Err(format!(
            "unknown field {} for {cmd:?} (it takes {})",
            player_api::quote(k),
            allowed.join(" or ")
        )),
    }
}

/// The finite number in field `name`.
fn number(fields: &Map<String, Value>, cmd: &str, name: &str) -> std::result::Result<f64, String> {
    match fields.get(name) {
        Some(Value::Number(n)) => n
            .as_f64()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("{cmd:?}: {name:?} is out of range")),
        Some(other) => Err(format!(
            "{cmd:?}: {name:?} must be a number, not {}",
            json_words(other)
        )),
        None => Err(format!("{cmd:?} needs {name:?} (a number)")),
    }
}

/// A JSON value from a request, for a message: a string quoted (`player_api::quote`:
/// escaped, cut), a list or an object by its kind only.
fn json_words(value: &Value) -> String {
    match value {
        Value::String(s) => player_api::quote(s),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
        other => other.to_string(),
    }
}

fn seek(fields: &Map<String, Value>) -> std::result::Result<Request, String> {
    only(fields, "seek", &["to", "by"])?;
    match (fields.contains_key("to"), fields.contains_key("by")) {
        (true, true) => Err("\"seek\" takes \"to\" or \"by\", not both".into()),
        (false, false) => Err(
            "\"seek\" needs \"to\" (seconds from the start) or \"by\" (seconds, negative: back)"
                .into(),
        ),
        (true, false) => number(fields, "seek", "to")
            .and_then(|to| check_seek_to(to).map_err(|Refusal(m)| m))
            .map(Request::SeekTo),
        (false, true) => number(fields, "seek", "by")
            .and_then(|by| check_seek_by(by).map_err(|Refusal(m)| m))
            .map(Request::SeekBy),
    }
}

/// One answer, its fields in the documented order (`ok` first, the status's own order).
#[derive(serde::Serialize)]
struct Answer<'a> {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<Status>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

impl Answer<'_> {
    fn line(&self) -> String {
        // A struct of plain fields always serializes; the fallback is never used.
        serde_json::to_string(self).unwrap_or_else(|_| r#"{"ok":false}"#.into())
    }
}

/// The answer line (without its newline) to one request line.
pub fn answer(steer: &dyn Steer, line: &str) -> String {
    let result = Request::parse(line).and_then(|r| r.apply(steer).map_err(|Refusal(m)| m));
    match result {
        Ok(status) => Answer {
            ok: true,
            status: Some(status),
            error: None,
        }
        .line(),
        Err(message) => error_line(&message),
    }
}

/// The answer line (without its newline) that refuses a request with `message`.
pub(crate) fn error_line(message: &str) -> String {
    Answer {
        ok: false,
        status: None,
        error: Some(message),
    }
    .line()
}
