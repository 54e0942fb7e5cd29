//! The event table after the data records, and the text of event codes.
//!
//! Layout: a mode byte (1: positions and types; 3: also channels and durations), then
//! in GDF 1.x and 2.x before 1.94 the event rate (24 bits) and the count (`u32`), from
//! 1.94 on the count (24 bits) and the rate (`f32`); then `u32` positions (1-based samples
//! at the event rate), `u16` types, and in mode 3 `u16` channels and `u32` durations.

use super::header::Header;
use player_api::io::SourceFile;
use player_api::ReadError;

/// GDF's code for the value of a non-equidistantly sampled channel (not an event).
pub(crate) const SPARSE_SAMPLE: u16 = 0x7fff;

/// One event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Event {
    /// 1-based sample at the event rate.
    pub position: u32,
    pub code: u16,
    /// 0: every channel (mode 3 only).
    pub channel: u16,
    /// In samples at the event rate (mode 3 only; 0 in mode 1).
    pub duration: u32,
}

/// The event table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EventTable {
    pub mode: u8,
    /// The event rate as written (0 when not given).
    pub rate: f64,
    pub events: Vec<Event>,
}

/// Reads the event table, when the file has one: after the last record (a file whose record
/// count is unknown, -1, has none that can be found).
pub(crate) fn read_events(
    file: &mut SourceFile,
    h: &Header,
) -> Result<Option<EventTable>, ReadError> {
    let at = h.events_offset();
    if h.records_field == -1 || at >= file.len() {
        return Ok(None);
    }
    let mut head = [0u8; 8];
    file.read_exact_at(at, &mut head, "the event table's header")?;
    let mode = head[0];
    if mode != 1 && mode != 3 {
        return Err(ReadError::unsupported(format!(
            "the event table has mode {mode}; this reader reads modes 1 and 3"
        ))
        .at_offset(at)
        .in_file(file.path()));
    }
    let u24 = |b: &[u8]| u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16;
    let (rate, count) = if h.number < 1.94 {
        (
            f64::from(u24(&head[1..4])),
            u32::from_le_bytes([head[4], head[5], head[6], head[7]]),
        )
    } else {
        (
            f64::from(f32::from_le_bytes([head[4], head[5], head[6], head[7]])),
            u24(&head[1..4]),
        )
    };
    let n = u64::from(count);
    let per_event = if mode == 3 { 12 } else { 6 };
    let bytes = file.read_vec_at(
        at + 8,
        n * per_event,
        &format!("the {n} events of the event table"),
    )?;
    let n = n as usize;
    let u32_at =
        |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
    let events = (0..n)
        .map(|k| Event {
            position: u32_at(4 * k),
            code: u16_at(4 * n + 2 * k),
            channel: if mode == 3 { u16_at(6 * n + 2 * k) } else { 0 },
            duration: if mode == 3 { u32_at(8 * n + 4 * k) } else { 0 },
        })
        .collect();
    Ok(Some(EventTable { mode, rate, events }))
}

/// Names of the event codes of the GDF specification's table this reader knows (our own
/// short names; `docs/readers/gdf.md` lists them). The end of an event is its code +
/// 0x8000 (`end of ...`).
const NAMES: [(u16, &str); 66] = [
    (0x0101, "artifact: EOG (blinks)"),
    (0x0102, "artifact: ECG"),
    (0x0103, "artifact: EMG/muscle"),
    (0x0104, "artifact: movement"),
    (0x0105, "artifact: failing electrode"),
    (0x0106, "artifact: sweat"),
    (0x0107, "artifact: 50/60 Hz mains"),
    (0x0108, "artifact: breathing"),
    (0x0109, "artifact: pulse"),
    (0x010a, "artifact: EOG (slow)"),
    (0x0111, "sleep spindles"),
    (0x0112, "K-complexes"),
    (0x0113, "saw-tooth waves"),
    (0x0114, "eyes open"),
    (0x0115, "eyes closed"),
    (0x0116, "spike"),
    (0x0117, "seizure"),
    (0x0121, "visual EP stimulus"),
    (0x0122, "auditory EP stimulus"),
    (0x0123, "somatosensory EP stimulus"),
    (0x012f, "TMS stimulus"),
    (0x0131, "SSVEP stimulus"),
    (0x0132, "SSAEP stimulus"),
    (0x0133, "SSSEP stimulus"),
    (0x0144, "go"),
    (0x0145, "no-go"),
    (0x0300, "trial start"),
    (0x0301, "cue class 1 (left hand)"),
    (0x0302, "cue class 2 (right hand)"),
    (0x0303, "cue class 3 (foot)"),
    (0x0304, "cue class 4 (tongue)"),
    (0x0305, "cue class 5"),
    (0x0306, "cue class 6 (down)"),
    (0x0307, "cue class 7"),
    (0x0308, "cue class 8"),
    (0x0309, "cue class 9 (left)"),
    (0x030a, "cue class 10"),
    (0x030b, "cue class 11"),
    (0x030c, "cue class 12 (up)"),
    (0x030d, "feedback onset (continuous)"),
    (0x030e, "feedback onset (discrete)"),
    (0x030f, "cue unknown"),
    (0x0311, "beep"),
    (0x0312, "fixation cross"),
    (0x0313, "flashing light"),
    (0x0381, "target hit"),
    (0x0382, "target missed"),
    (0x03ff, "trial rejected"),
    (0x0410, "sleep stage W"),
    (0x0411, "sleep stage 1"),
    (0x0412, "sleep stage 2"),
    (0x0413, "sleep stage 3"),
    (0x0414, "sleep stage 4"),
    (0x0415, "sleep stage REM"),
    (0x0420, "lights on"),
    (0x0430, "eye movements"),
    (0x0431, "eyes left"),
    (0x0432, "eyes right"),
    (0x0433, "eyes up"),
    (0x0434, "eyes down"),
    (0x0435, "horizontal eye movement"),
    (0x0436, "vertical eye movement"),
    (0x0439, "eye blinks"),
    (0x0441, "left hand movement"),
    (0x0442, "right hand movement"),
    (0x7ffe, "new segment"),
];

/// The name of `code` (`end of ...` for code + 0x8000), when known.
pub(crate) fn name_of(code: u16) -> Option<String> {
    let find = |c: u16| NAMES.iter().find(|(k, _)| *k == c).map(|(_, n)| *n);
    if code & 0x8000 != 0 {
        return find(code & 0x7fff).map(|n| format!("end of {n}"));
    }
    find(code).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_codes() {
        assert_eq!(name_of(768).as_deref(), Some("trial start"));
        assert_eq!(name_of(0x8300).as_deref(), Some("end of trial start"));
        assert_eq!(name_of(1023).as_deref(), Some("trial rejected"));
        assert_eq!(name_of(0x0999), None);
        let mut codes: Vec<u16> = NAMES.iter().map(|(c, _)| *c).collect();
        codes.dedup();
        assert_eq!(codes.len(), NAMES.len(), "sorted, no code twice");
    }
}
