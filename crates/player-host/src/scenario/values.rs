//! The settings a user types, parsed once for both the command line and the YAML: each
//! has a `FromStr` (what clap calls for a flag's value) and a serde visitor (so that a
//! scenario error points at the value's own line and column), with one wording of what is
//! allowed.

use player_api::quote;
use serde::de::{self, Deserializer, Visitor};
use serde::Serialize;
use std::fmt;

/// What a whole number of frames per push must be.
pub(crate) const CHUNK_SIZE_RULE: &str = "a whole number of frames, at least 1";
/// What a delay or offset must be.
pub(crate) const SECONDS_RULE: &str = "a number of seconds, 0 or more";
/// What a repeat count must be.
pub(crate) const REPEAT_RULE: &str = "a number of passes (1 or more) or \"forever\"";
/// What `wait_for_consumers` must be.
pub(crate) const WAIT_RULE: &str = "data, all or any (which streams need a consumer), a \
     timeout in seconds, both (\"all,10\"), true, or false";
/// What a stream name must be.
pub(crate) const NAME_RULE: &str = "a stream name that is not empty or only spaces";
/// What picks must be.
pub(crate) const PICKS_RULE: &str = "a list of channel labels or kinds (eeg, meg, grad, \
     mag, stim, data, all, ...), or one string of them separated by commas";

/// The largest number of seconds a crop bound (`from`, `to`) or a seek takes: 10^9 s,
/// about 31.7 years, longer than any recording; positions that large still resolve
/// 0.1 µs.
pub const MAX_SECONDS: f64 = 1e9;
/// What a crop bound must be.
pub(crate) const SECTION_RULE: &str = "a number of seconds from 0 to 1e9";

fn refuse(rule: &str, got: impl fmt::Display) -> String {
    format!("must be {rule}, not {got}")
}

/// A number as people read it, never hundreds of digits: the shortest form that reads
/// back as the same value from 10^-6 to 10^9 (`12.5`, `0.001`, `-3`), scientific
/// notation outside (`1e300`, `-2.5e-12`); `NaN`, `inf` and `-inf` as such.
pub fn number_text(x: f64) -> String {
    if x == 0.0 || !x.is_finite() || (1e-6..1e9).contains(&x.abs()) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// How many times to play the recordings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Repeat {
    /// A number of passes (at least 1).
    Times(u64),
    /// Until stopped.
    Forever,
}

impl Default for Repeat {
    fn default() -> Self {
        Repeat::Times(1)
    }
}

impl fmt::Display for Repeat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Repeat::Times(n) => write!(f, "{n}"),
            Repeat::Forever => f.write_str("forever"),
        }
    }
}

impl std::str::FromStr for Repeat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "forever" | "inf" | "infinite" => Ok(Repeat::Forever),
            n => match n.parse::<u64>() {
                Ok(k) if k >= 1 => Ok(Repeat::Times(k)),
                _ => Err(refuse(REPEAT_RULE, quote(n))),
            },
        }
    }
}

impl<'de> de::Deserialize<'de> for Repeat {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Repeat;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(REPEAT_RULE)
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Repeat, E> {
                match n {
                    0 => Err(E::custom(refuse(REPEAT_RULE, 0))),
                    n => Ok(Repeat::Times(n)),
                }
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Repeat, E> {
                match u64::try_from(n) {
                    Ok(n) => self.visit_u64(n),
                    Err(_) => Err(E::custom(refuse(REPEAT_RULE, n))),
                }
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Repeat, E> {
                s.parse().map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// Which streams need a consumer before the clock starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WaitFor {
    /// Every data stream (marker streams never hold the start back); every stream when
    /// the scenario has only marker streams.
    #[default]
    Data,
    /// Every stream, markers included.
    All,
    /// Any one stream.
    Any,
}

/// Whether to wait for receivers before the clock starts.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub enum WaitForConsumers {
    /// Start at once.
    #[default]
    No,
    /// Wait until `streams` have a consumer: at most `timeout` seconds (then fail), or
    /// for as long as it takes (Ctrl-C stops).
    Wait {
        /// Which streams need a consumer.
        streams: WaitFor,
        /// The longest wait, in seconds.
        timeout: Option<f64>,
    },
}

impl WaitForConsumers {
    fn timeout(seconds: f64) -> Result<Self, String> {
        if seconds.is_finite() && seconds > 0.0 {
            Ok(WaitForConsumers::Wait {
                streams: WaitFor::Data,
                timeout: Some(seconds),
            })
        } else {
            Err(format!(
                "the timeout must be more than 0 seconds, not {seconds} (to start at once, \
                 leave the wait out or say false)"
            ))
        }
    }
}

impl fmt::Display for WaitForConsumers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitForConsumers::No => f.write_str("no"),
            WaitForConsumers::Wait { streams, timeout } => {
                let which = match streams {
                    WaitFor::Data => "data streams",
                    WaitFor::All => "all streams",
                    WaitFor::Any => "any stream",
                };
                match timeout {
                    Some(t) => write!(f, "{which}, at most {t} s"),
                    None => f.write_str(which),
                }
            }
        }
    }
}

impl std::str::FromStr for WaitForConsumers {
    type Err = String;
    /// `data`, `all`, `any`, a timeout in seconds, or a mode and a timeout separated by
    /// a comma or spaces (`all,10`); `true`/`yes` (data streams, no timeout) and
    /// `false`/`no` (do not wait).
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || refuse(WAIT_RULE, quote(s));
        let mut streams = None;
        let mut timeout = None;
        let words: Vec<&str> = s
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|w| !w.is_empty())
            .collect();
        if let [word] = words.as_slice() {
            match word.to_ascii_lowercase().as_str() {
                "no" | "false" | "off" => return Ok(WaitForConsumers::No),
                "yes" | "true" | "on" => return Ok(WaitForConsumers::default_wait()),
                _ => {}
            }
        }
        for word in &words {
            let mode = match word.to_ascii_lowercase().as_str() {
                "data" => Some(WaitFor::Data),
                "all" => Some(WaitFor::All),
                "any" => Some(WaitFor::Any),
                "forever" | "inf" => None,
                number => {
                    let seconds: f64 = number.parse().map_err(|_| bad())?;
                    if timeout.replace(seconds).is_some() {
                        return Err(bad());
                    }
                    continue;
                }
            };
            if let Some(mode) = mode {
                if streams.replace(mode).is_some() {
                    return Err(bad());
                }
            }
        }
        if words.is_empty() {
            return Err(bad());
        }
        let timeout = match timeout {
            Some(t) => match WaitForConsumers::timeout(t)? {
                WaitForConsumers::Wait { timeout, .. } => timeout,
                WaitForConsumers::No => None,
            },
            None => None,
        };
        Ok(WaitForConsumers::Wait {
            streams: streams.unwrap_or_default(),
            timeout,
        })
    }
}

impl WaitForConsumers {
    /// `--wait-for-consumers` without a value: every data stream, no timeout.
    pub fn default_wait() -> Self {
        WaitForConsumers::Wait {
            streams: WaitFor::Data,
            timeout: None,
        }
    }
}

impl<'de> de::Deserialize<'de> for WaitForConsumers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = WaitForConsumers;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(WAIT_RULE)
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Self::Value, E> {
                Ok(if b {
                    WaitForConsumers::default_wait()
                } else {
                    WaitForConsumers::No
                })
            }
            fn visit_f64<E: de::Error>(self, s: f64) -> Result<Self::Value, E> {
                WaitForConsumers::timeout(s).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, s: u64) -> Result<Self::Value, E> {
                self.visit_f64(s as f64)
            }
            fn visit_i64<E: de::Error>(self, s: i64) -> Result<Self::Value, E> {
                self.visit_f64(s as f64)
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
                s.parse().map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// Parses a number of seconds, 0 or more (`--start-delay`).
pub fn parse_seconds(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(refuse(SECONDS_RULE, quote(s))),
    }
}

/// Parses a number of frames per push, at least 1 (`--chunk-size`).
pub fn parse_chunk_size(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(refuse(CHUNK_SIZE_RULE, quote(s))),
    }
}

/// Parses a stream name (`--name`): anything but empty or only spaces.
pub fn parse_name(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        Err(refuse(NAME_RULE, quote(s)))
    } else {
        Ok(s.to_string())
    }
}

/// Parses one pick (`--picks a,b`: clap splits at the commas): spaces around it are
/// dropped.
pub fn parse_pick(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() {
        Err(refuse(PICKS_RULE, "an empty pick"))
    } else {
        Ok(s.to_string())
    }
}

/// Parses `KEY=VALUE` (`--reader-option`).
pub fn parse_key_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("must be KEY=VALUE, not {}", quote(s))),
    }
}

/// A number of seconds, 0 or more (`start_delay:`, `offset:`).
pub(crate) fn de_seconds<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = f64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(SECONDS_RULE)
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
            if v.is_finite() && v >= 0.0 {
                Ok(v)
            } else {
                Err(E::custom(refuse(SECONDS_RULE, number_text(v))))
            }
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
            Ok(v as f64)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
            self.visit_f64(v as f64)
        }
    }
    d.deserialize_any(V)
}

/// Parses a crop bound (`--from`, `--to`): seconds from 0 to [`MAX_SECONDS`].
pub fn parse_section_bound(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if (0.0..=MAX_SECONDS).contains(&v) => Ok(v),
        _ => Err(refuse(SECTION_RULE, quote(s))),
    }
}

/// An optional crop bound, seconds from 0 to [`MAX_SECONDS`] (`from:`, `to:`).
pub(crate) fn de_opt_seconds<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let v = de_seconds(d)?;
    if v > MAX_SECONDS {
        return Err(de::Error::custom(refuse(SECTION_RULE, number_text(v))));
    }
    Ok(Some(v))
}

/// Frames per push, at least 1 (`chunk_size:`).
pub(crate) fn de_chunk_size<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = usize;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(CHUNK_SIZE_RULE)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<usize, E> {
            match usize::try_from(v) {
                Ok(n) if n >= 1 => Ok(n),
                _ => Err(E::custom(refuse(CHUNK_SIZE_RULE, v))),
            }
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<usize, E> {
            match u64::try_from(v) {
                Ok(n) => self.visit_u64(n),
                Err(_) => Err(E::custom(refuse(CHUNK_SIZE_RULE, v))),
            }
        }
    }
    d.deserialize_any(V)
}

/// An optional stream name (`name:`), not empty or only spaces.
pub(crate) fn de_name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(NAME_RULE)
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
            parse_name(s).map(Some).map_err(E::custom)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

/// Picks (`picks:`): a list, or one string of comma-separated picks; never empty.
pub(crate) fn de_picks<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<Vec<String>>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(PICKS_RULE)
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
            let picks: Vec<String> = s
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(String::from)
                .collect();
            if picks.is_empty() {
                return Err(E::custom(refuse(PICKS_RULE, quote(s))));
            }
            Ok(Some(picks))
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut picks = Vec::new();
            while let Some(Scalar(p)) = seq.next_element()? {
                picks.push(parse_pick(&p).map_err(de::Error::custom)?);
            }
            if picks.is_empty() {
                return Err(de::Error::custom(
                    "must list at least one channel label or kind (leave picks out to publish \
                     every channel)",
                ));
            }
            Ok(Some(picks))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    d.deserialize_any(V)
}

/// A YAML scalar taken as text (`true`, `2`, `x` all become strings).
struct Scalar(String);

impl<'de> de::Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a word, a number or true/false")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Scalar, E> {
                Ok(Scalar(s.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// `reader_options:` as a mapping of words (values may be numbers or booleans), kept as
/// (key, value) pairs in order.
pub(crate) mod pairs_as_map {
    use super::Scalar;
    use serde::de::{self, Deserializer, Visitor};
    use serde::ser::{SerializeMap, Serializer};
    use std::fmt;

    /// Serializes the pairs as a mapping.
    pub fn serialize<S: Serializer>(pairs: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(pairs.len()))?;
        for (k, v) in pairs {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }

    /// Reads a mapping of scalars.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Vec<(String, String)>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping of option names to values ({key: value})")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut pairs = Vec::new();
                while let Some((Scalar(k), Scalar(v))) = map.next_entry()? {
                    pairs.push((k, v));
                }
                Ok(pairs)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Vec::new())
            }
        }
        d.deserialize_any(V)
    }
}
