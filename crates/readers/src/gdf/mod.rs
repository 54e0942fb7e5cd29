//! GDF 1.x and 2.x recordings (the General Data Format for biosignals: BCI Competition
//! data sets, BioSig, OpenViBE): one stream per sample rate, the event table as markers.
//!
//! * Header (`header`): the fixed and per-channel headers of both versions, every data
//!   type of the specification but float128 and odd bit widths (`numbers`), physical
//!   scaling as MNE-Python computes it, units to SI (`units`: 2.x codes, 1.x text).
//! * Streams (`source`): channels grouped by samples per record, highest rate first,
//!   named `<rate>Hz` as the edf reader names them; read record by record from disk.
//! * Events (`events`): the table after the records, modes 1 and 3, each event a marker
//!   at `(position − 1) / event rate`, with MNE's text (the decimal code) or, with
//!   `reader_options: {event_text: name}`, the code's name.
//!
//! See `docs/readers/gdf.md`.

mod events;
mod header;
mod source;
mod units;

use events::{name_of, read_events, EventTable, SPARSE_SAMPLE};
use header::{looks_like_gdf, read_header, Header};
use player_api::io::SourceFile;
use player_api::{
    quote, Annotation, Confidence, Metadata, OpenOptions, Probe, ReadError, ReaderInfo,
    ReaderPlugin, Recording, RecordingInfo, SampleSource,
};
use source::{plan_streams, GdfSource, StreamPlan};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// The built-in reader of GDF files.
#[derive(Debug, Clone, Copy, Default)]
pub struct GdfReader;

player_api::inventory::submit! { player_api::Registration::new(&GdfReader) }

/// What the gdf reader is.
pub static INFO: ReaderInfo = ReaderInfo::new(
    "gdf",
    "GDF 1.x and 2.x (BCI Competition, BioSig, OpenViBE), with the event table",
    env!("CARGO_PKG_VERSION"),
    &["gdf"],
    &[],
);

/// How events are named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EventText {
    /// The decimal code, as MNE-Python names them (`768`).
    Code,
    /// The code's name when known (`trial start`), else the decimal code.
    Name,
}

impl ReaderPlugin for GdfReader {
    fn info(&self) -> &ReaderInfo {
        &INFO
    }

    /// [`Confidence::Magic`] when the file starts with `GDF 1.` or `GDF 2.` and two digits
    /// (or spaces); else the extension.
    fn probe(&self, probe: &Probe<'_>) -> Option<Confidence> {
        if looks_like_gdf(probe.header) {
            Some(Confidence::Magic)
        } else {
            probe.extension_in(&INFO.extensions())
        }
    }

    /// Option `event_text`: `code` (default: MNE's decimal codes) or `name`.
    fn open(&self, path: &Path, options: &OpenOptions) -> Result<Box<dyn Recording>, ReadError> {
        options
            .expect_only(INFO.id(), &["event_text"])
            .map_err(|e| e.in_file(path))?;
        let text = match options.reader_options.get("event_text").map(String::as_str) {
            None | Some("code") => EventText::Code,
            Some("name") => EventText::Name,
            Some(other) => {
                return Err(ReadError::invalid_argument(format!(
                    "the gdf reader's option event_text is code or name, not {}",
                    quote(other)
                ))
                .in_file(path))
            }
        };
        Ok(Box::new(GdfRecording::open(path, text)?))
    }
}

/// An opened GDF file.
#[derive(Debug)]
pub struct GdfRecording {
    info: RecordingInfo,
    file: SourceFile,
    header: Arc<Header>,
    plans: Vec<StreamPlan>,
}

impl GdfRecording {
    fn open(path: &Path, text: EventText) -> Result<Self, ReadError> {
        let mut file = SourceFile::open(path)?;
        let header = read_header(&mut file)?;
        let planned = plan_streams(&header);
        if planned.is_empty() {
            return Err(ReadError::unsupported(
                "every channel has 0 samples per record (sampled through events only): there is no data to replay",
            )
            .at_offset(BLOCK_OF_CHANNELS)
            .in_file(path));
        }
        let table = read_events(&mut file, &header)?;
        let top_rate = planned[0].0.nominal_rate;
        let (streams, plans): (Vec<_>, Vec<_>) = planned.into_iter().unzip();
        let mut info = RecordingInfo::new(streams);
        info.meas_date = header.meas_date.clone();
        info.metadata = metadata(&header, table.as_ref(), top_rate);
        if let Some(t) = &table {
            info.annotations = annotations(t, top_rate, text);
        }
        Ok(GdfRecording {
            info,
            file,
            header: Arc::new(header),
            plans,
        })
    }
}

/// The byte offset of the channel headers (for errors about channels).
const BLOCK_OF_CHANNELS: u64 = 256;

/// The markers of an event table: `(position − 1) / rate` (the table's rate, or the highest
/// data rate when it gives none), duration `duration / rate` (0 in mode 1); the values of
/// sparsely sampled channels (code 0x7fff) are not events.
fn annotations(t: &EventTable, top_rate: f64, text: EventText) -> Vec<Annotation> {
    let rate = if t.rate.is_finite() && t.rate > 0.0 {
        t.rate
    } else {
        top_rate
    };
    let mut out: Vec<Annotation> = t
        .events
        .iter()
        .filter(|e| e.code != SPARSE_SAMPLE)
        .map(|e| {
            let description = match text {
                EventText::Name => name_of(e.code).unwrap_or_else(|| e.code.to_string()),
                EventText::Code => e.code.to_string(),
            };
            Annotation::new(
                (f64::from(e.position) - 1.0) / rate,
                f64::from(e.duration) / rate,
                description,
            )
        })
        .collect();
    out.sort_by(|a, b| a.onset.total_cmp(&b.onset));
    out
}

/// What `inspect` shows of the file's own header.
fn metadata(h: &Header, table: Option<&EventTable>, top_rate: f64) -> Metadata {
    let mut m = Metadata::new();
    m.insert("format".into(), h.version.clone());
    for (key, value) in [("patient", &h.patient), ("recording", &h.recording)] {
        if !value.is_empty() {
            m.insert(key.into(), value.clone());
        }
    }
    let (num, den, _) = h.duration;
    m.insert("record_duration".into(), format!("{num}/{den} s"));
    m.insert("data_records".into(), h.records.to_string());
    if h.records_field != h.records as i64 {
        m.insert("data_records_field".into(), h.records_field.to_string());
    }
    let sparse: Vec<&str> = h
        .channels
        .iter()
        .filter(|c| c.spr == 0)
        .map(|c| c.label.as_str())
        .collect();
    if !sparse.is_empty() {
        m.insert("channels_without_samples".into(), sparse.join(", "));
    }
    let Some(t) = table else {
        return m;
    };
    m.insert("event_table_mode".into(), t.mode.to_string());
    let rate = if t.rate > 0.0 { t.rate } else { top_rate };
    m.insert("event_rate".into(), rate.to_string());
    m.insert("events".into(), t.events.len().to_string());
    // The codes present, with their names: the text of the known codes.
    let mut counts: BTreeMap<u16, usize> = BTreeMap::new();
    for e in t.events.iter().filter(|e| e.code != SPARSE_SAMPLE) {
        *counts.entry(e.code).or_default() += 1;
    }
    let listed: Vec<String> = counts
        .iter()
        .take(40)
        .map(|(code, n)| {
            let name = name_of(*code).map_or(String::new(), |n| format!(" {n}"));
            format!("{code} (0x{code:04x}){name} ×{n}")
        })
        .collect();
    if !listed.is_empty() {
        m.insert("event_codes".into(), listed.join("; "));
    }
    m
}

impl Recording for GdfRecording {
    fn info(&self) -> &RecordingInfo {
        &self.info
    }

    fn open_stream(&self, index: usize) -> Result<Box<dyn SampleSource>, ReadError> {
        let plan = self.plans.get(index).ok_or_else(|| {
            ReadError::invalid_argument(format!(
                "stream {index} does not exist (the file has {} streams)",
                self.plans.len()
            ))
            .in_file(self.file.path())
        })?;
        Ok(Box::new(GdfSource::new(
            self.file.reopen()?,
            Arc::clone(&self.header),
            plan.clone(),
        )))
    }
}
