//! EDF, EDF+, BDF and BDF+ recordings (European Data Format, 16-bit; BioSemi, 24-bit).
//!
//! * One stream per distinct sample rate, highest rate first, named `<rate>Hz` (`256Hz`,
//!   `0.5Hz`); all streams start at the first record's start. Annotation signals are not
//!   data: their TALs become [`Annotation`](player_api::Annotation)s, with onsets in
//!   seconds from the first sample, exactly as written (no snapping).
//! * Digital to physical exactly as EDFlib/pyedflib: `bitvalue * (offset + digital)`;
//!   voltages (`uV`, `µV`, `mV`, `nV`, `V`) are published in volts, other dimensions as
//!   written.
//! * EDF+D/BDF+D: each record is placed at its time-keeping onset, at frame
//!   `round((onset - onset_0) * rate)`; gaps between records are delivered as zeros, so
//!   timestamps stay regular. Overlapping or backward records are an error.
//! * A record count of `-1` is counted from the file size; a trailing partial record is
//!   ignored (and reported as the `trailing_bytes` metadata).
//!
//! See `docs/readers/edf.md` for the whole contract (kinds, metadata keys, limitations).

mod header;
mod layout;
mod source;
mod tal;
mod timeline;

use header::{looks_like_edf, meas_date, read_header, Header};
use layout::{plan_streams, StreamPlan};
use player_api::io::SourceFile;
use player_api::{
    Confidence, OpenOptions, Probe, ReadError, ReaderInfo, ReaderPlugin, Recording, RecordingInfo,
    SampleSource,
};
use source::EdfSource;
use std::path::Path;
use std::sync::Arc;
use timeline::{scan, Timeline};

/// The built-in reader of EDF/EDF+ (`.edf`, `.rec`) and BDF/BDF+ (`.bdf`) files.
#[derive(Debug, Clone, Copy, Default)]
pub struct EdfReader;

player_api::inventory::submit! { player_api::Registration::new(&EdfReader) }

/// What the edf reader is.
pub static INFO: ReaderInfo = ReaderInfo::new(
    "edf",
    "EDF/EDF+ (16-bit) and BDF/BDF+ (24-bit) recordings, with annotations and EDF+D gaps",
    env!("CARGO_PKG_VERSION"),
    &["edf", "bdf", "rec"],
    &[],
);

impl ReaderPlugin for EdfReader {
    fn info(&self) -> &ReaderInfo {
        &INFO
    }

    /// [`Confidence::Magic`] when the version field is EDF's `"0       "` or BDF's
    /// `"\xffBIOSEMI"` and the header-size field equals 256 × (signals + 1); else the
    /// extension.
    fn probe(&self, probe: &Probe<'_>) -> Option<Confidence> {
        if looks_like_edf(probe.header) {
            Some(Confidence::Magic)
        } else {
            probe.extension_in(&INFO.extensions())
        }
    }

    fn open(&self, path: &Path, options: &OpenOptions) -> Result<Box<dyn Recording>, ReadError> {
        options
            .expect_only(INFO.id(), &[])
            .map_err(|e| e.in_file(path))?;
        Ok(Box::new(EdfRecording::open(path)?))
    }
}

/// An opened EDF/BDF file.
#[derive(Debug)]
pub struct EdfRecording {
    info: RecordingInfo,
    file: SourceFile,
    header: Arc<Header>,
    timeline: Arc<Timeline>,
    plans: Vec<StreamPlan>,
}

impl EdfRecording {
    /// Opens `path`: reads and checks the header, and reads the annotation signals of every
    /// record (annotations, EDF+D record times). Sample data is read later, by the sources.
    pub fn open(path: &Path) -> Result<Self, ReadError> {
        let mut file = SourceFile::open(path)?;
        let header = read_header(&mut file)?;
        let planned = plan_streams(&header);
        if planned.is_empty() {
            return Err(ReadError::unsupported(
                "the file has only annotation signals: there is no data to replay",
            )
            .at_offset(256)
            .in_file(path));
        }
        let scanned = scan(&mut file, &header)?;
        let timeline = scanned.timeline;
        let mut streams = Vec::with_capacity(planned.len());
        let mut plans = Vec::with_capacity(planned.len());
        for (info, plan) in planned {
            streams.push(info.with_length(timeline.length(plan.spr, plan.rate)));
            plans.push(plan);
        }
        let mut info = RecordingInfo::new(streams);
        info.annotations = scanned.annotations;
        info.meas_date = meas_date(&header);
        let m = &mut info.metadata;
        m.insert("format".into(), header.format_name());
        m.insert("patient".into(), header.patient.clone());
        m.insert("recording".into(), header.recording.clone());
        m.insert("startdate".into(), header.startdate.clone());
        m.insert("starttime".into(), header.starttime.clone());
        m.insert("record_duration".into(), header.duration_text.clone());
        m.insert("data_records".into(), header.records.to_string());
        if header.records_field != header.records as i64 {
            m.insert(
                "data_records_field".into(),
                header.records_field.to_string(),
            );
        }
        if header.trailing_bytes > 0 {
            m.insert("trailing_bytes".into(), header.trailing_bytes.to_string());
        }
        if !header.reserved.is_empty() {
            m.insert("reserved".into(), header.reserved.clone());
        }
        if scanned.start_offset != 0.0 {
            m.insert("start_offset".into(), scanned.start_offset.to_string());
        }
        if header.discontinuous {
            m.insert("gaps".into(), scanned.gaps.to_string());
            m.insert("gap_seconds".into(), scanned.gap_seconds.to_string());
        }
        Ok(EdfRecording {
            info,
            file,
            header: Arc::new(header),
            timeline: Arc::new(timeline),
            plans,
        })
    }
}

impl Recording for EdfRecording {
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
        Ok(Box::new(EdfSource::new(
            self.file.reopen()?,
            Arc::clone(&self.header),
            Arc::clone(&self.timeline),
            plan.clone(),
        )))
    }
}
