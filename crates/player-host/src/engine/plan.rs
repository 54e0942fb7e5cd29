//! From a scenario to streams: open every recording (through the one validation of the
//! reader contract), choose channels, resolve formats, describe the outlets.
//!
//! Naming: a recording with one stream is published as `NAME`; one with several streams
//! as `NAME-<stream name>`; its annotations as `NAME-markers`. `NAME` is the entry's
//! `name`, else the file's stem. Recorded LSL streams (XDF) keep their own names unless
//! the user names the recording.

use super::crop::{Cropped, Section};
use crate::error::{HostError, Result};
use crate::plugins::registry::Registry;
use crate::scenario::bids::{self, BidsRecording, BidsSelection};
use crate::scenario::{AnnotationMode, Repeat, Scenario, StreamEntry};
use crate::transport::{OutletSpec, ValueFormat, WireFormat};
use player_api::validate::{open_checked, CheckedRecording};
use player_api::{
    quote, ChannelInfo, OpenOptions, ReaderPlugin, Recording, RecordingInfo, SampleSource,
    StreamInfo,
};
use std::collections::BTreeSet;

/// One stream to publish, with everything the engine needs.
pub struct Stream {
    /// What to announce.
    pub spec: OutletSpec,
    /// Seconds after t0 of the recording's first sample.
    pub offset: f64,
    /// Where its samples come from.
    pub input: Input,
    /// The faults to inject (data streams only).
    pub faults: Option<super::faults::FaultPlan>,
}

impl Stream {
    /// The duration of one pass of the stream's recording, when known.
    pub fn period(&self) -> Option<f64> {
        match &self.input {
            Input::Source(s) => s.period,
            Input::Markers(m) => m.period,
        }
    }
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stream")
            .field("name", &self.spec.name)
            .finish()
    }
}

/// Where a stream's samples come from.
pub enum Input {
    /// A stream of a recording, read by a prefetch worker.
    Source(SourceInput),
    /// A recording's annotations, as text markers.
    Markers(Markers),
}

/// A stream of a recording: the cursor, the columns to keep, how to chunk and time it.
pub struct SourceInput {
    /// The cursor (positioned at frame 0), checked against the contract.
    pub source: Box<dyn SampleSource>,
    /// The stream as its reader describes it (kind, channels, rate, length).
    pub stream: StreamInfo,
    /// Columns of the source frame to publish (in order), or `None` for all.
    pub picks: Option<Vec<usize>>,
    /// Frames per push (1 for irregular streams: each sample goes out when due).
    pub chunk_size: usize,
    /// What goes on the wire.
    pub format: WireFormat,
    /// The duration of one pass, which shifts the times of later passes.
    pub period: Option<f64>,
}

/// Annotations of a recording, replayed as markers.
#[derive(Debug, Clone)]
pub struct Markers {
    /// (seconds from the first sample, text), ordered by time, within one pass.
    pub events: Vec<(f64, String)>,
    /// The duration of one pass (markers repeat with the data), when known.
    pub period: Option<f64>,
}

/// The streams of a whole scenario, plus warnings for the user.
#[derive(Debug, Default)]
pub struct Plan {
    /// Every stream to publish, in scenario order.
    pub streams: Vec<Stream>,
    /// Things the user should know (annotations left out, ...).
    pub warnings: Vec<String>,
}

/// Most values one chunk may hold (a chunk is pushed, and buffered, whole): 512 MiB of f64.
const MAX_CHUNK_VALUES: usize = 1 << 26;

/// Opens every recording of `scenario` and plans its streams.
pub fn build(scenario: &Scenario, registry: &Registry) -> Result<Plan> {
    let mut plan = Plan::default();
    for entry in &scenario.streams {
        match &entry.bids {
            None => add_entry(&mut plan, entry, scenario, registry, None)?,
            Some(selection) => add_bids_run(&mut plan, entry, selection, scenario, registry)?,
        }
    }
    let mut seen = BTreeSet::new();
    for stream in &plan.streams {
        if !seen.insert(stream.spec.name.as_str()) {
            return Err(HostError::config(format!(
                "two streams would be published as {}: give them distinct `name`s",
                quote(&stream.spec.name)
            )));
        }
    }
    Ok(plan)
}

/// Every recording of the BIDS run `selection` names, as entries of their own: named
/// `NAME-<datatype>` when the run has several (`NAME` is the entry's `name`, else the
/// selection's entities; `NAME-physio-<label>` for a physio recording), offset by their
/// acquisition times (and a physio recording's `StartTime`), with their sidecars.
fn add_bids_run(
    plan: &mut Plan,
    entry: &StreamEntry,
    selection: &BidsSelection,
    scenario: &Scenario,
    registry: &Registry,
) -> Result<()> {
    let run = bids::resolve(selection)?;
    plan.warnings.extend(run.warnings.iter().cloned());
    let several = run.recordings.len() > 1;
    for recording in &run.recordings {
        let mut one = entry.clone();
        one.bids = None;
        one.file = recording.path.clone();
        one.name = Some(match several {
            true => format!("{}-{}", entry.base_name(), recording.name),
            false => entry.base_name(),
        });
        one.offset = entry.offset + recording.offset;
        if let Some(reader) = &recording.reader {
            one.reader = Some(reader.clone());
            one.reader_options = recording.reader_options.clone();
            let (section, delay) = recording.section_on_run_clock(scenario.section(entry));
            one.from = Some(section.from);
            one.to = section.to;
            one.offset += delay;
        }
        add_entry(plan, &one, scenario, registry, Some(recording))?;
    }
    Ok(())
}

/// One recording of the scenario: its streams and markers (with what a BIDS run's
/// sidecars say of it, when it is one).
fn add_entry(
    plan: &mut Plan,
    entry: &StreamEntry,
    scenario: &Scenario,
    registry: &Registry,
    sidecars: Option<&BidsRecording>,
) -> Result<()> {
    let path = &entry.file;
    let reader = registry.choose(path, entry.reader.as_deref())?;
    let mut options = OpenOptions::default();
    options.reader_options = entry.reader_options_map();
    let recording = open_checked(reader, path, &options)?;
    let section = scenario.section(entry);
    let mut info = recording.info().clone();
    if let Some(sidecars) = sidecars {
        apply_sidecars(&mut info, sidecars);
    }
    let opened = Opened {
        entry,
        reader,
        info,
        period: section.period(pass_duration(recording.info())),
        section,
    };
    let mut matched = BTreeSet::new();
    let mut fault_picks = BTreeSet::new();
    let faults = scenario.faults_of(entry);
    let before = plan.streams.len();
    for (index, stream) in opened.info.streams.iter().enumerate() {
        let picks = match &entry.picks {
            None => None,
            Some(p) => match super::picks::pick_columns(&stream.channels, p, &mut matched) {
                cols if cols.is_empty() => continue,
                cols => Some(cols),
            },
        };
        let input = opened.source_input(&recording, index, picks, scenario)?;
        let spec = opened.outlet_spec(stream, &input);
        let numeric = spec.format != WireFormat::String;
        let faults = faults
            .map(|f| super::faults::setup::plan(f, &spec.channels, numeric, &mut fault_picks));
        plan.streams.push(Stream {
            spec,
            offset: entry.offset,
            input: Input::Source(input),
            faults,
        });
    }
    if let Some(f) = faults {
        super::faults::setup::check_matched(path, f, &fault_picks, &opened.info.streams)?;
    }
    check_picks(
        entry,
        &matched,
        &opened.info.streams,
        plan.streams.len() > before,
    )?;
    add_markers(plan, &opened);
    Ok(())
}

/// A recording opened for one scenario entry.
struct Opened<'a> {
    entry: &'a StreamEntry,
    reader: &'a dyn ReaderPlugin,
    info: RecordingInfo,
    /// The duration of one pass (of the section).
    period: Option<f64>,
    /// The section to play.
    section: Section,
}

impl Opened<'_> {
    /// The published name of a stream of the recording (see the module docs).
    fn stream_name(&self, stream: &StreamInfo) -> String {
        let base = self.entry.base_name();
        if self.info.recorded_lsl && self.entry.name.is_none() {
            stream.name.clone()
        } else if self.info.streams.len() > 1 {
            format!("{base}-{}", stream.name)
        } else {
            base
        }
    }

    /// What goes on the wire: the entry's format, else (for recorded LSL streams) the
    /// native one, else the scenario's.
    fn wire_format(&self, stream: &StreamInfo, default: ValueFormat) -> WireFormat {
        let wanted = self.entry.format.unwrap_or(if self.info.recorded_lsl {
            ValueFormat::Native
        } else {
            default
        });
        wanted.resolve(stream.sample_format, self.info.recorded_lsl)
    }

    /// Opens stream `index` and decides how it is chunked and timed.
    fn source_input(
        &self,
        recording: &CheckedRecording,
        index: usize,
        picks: Option<Vec<usize>>,
        scenario: &Scenario,
    ) -> Result<SourceInput> {
        let stream = &self.info.streams[index];
        let path = self.entry.file.display();
        let chunk_size = if stream.is_irregular() {
            1
        } else {
            self.entry.chunk_size
        };
        if chunk_size.saturating_mul(stream.channel_count()) > MAX_CHUNK_VALUES {
            return Err(HostError::config(format!(
                "{path}: chunk_size {chunk_size} × channels {} is more than the \
                 {MAX_CHUNK_VALUES} values one push may hold",
                stream.channel_count()
            )));
        }
        if stream.is_stamped() && self.period.is_none() && scenario.repeat != Repeat::Times(1) {
            return Err(HostError::config(format!(
                "{path}: cannot repeat: the reader does not give the recording's duration"
            )));
        }
        let source = recording.open_stream(index)?;
        let (source, stream): (Box<dyn SampleSource>, StreamInfo) = if self.section.is_whole() {
            (source, stream.clone())
        } else {
            let (cropped, info) = Cropped::new(source, stream, self.section)
                .map_err(|e| HostError::config(format!("{path}: {e}")))?;
            (Box::new(cropped), info)
        };
        Ok(SourceInput {
            source,
            stream: stream.clone(),
            picks,
            chunk_size,
            format: self.wire_format(&stream, scenario.format),
            period: self.period,
        })
    }

    /// What the outlet of a stream announces.
    fn outlet_spec(&self, stream: &StreamInfo, input: &SourceInput) -> OutletSpec {
        let name = self.stream_name(stream);
        let channels: Vec<ChannelInfo> = match &input.picks {
            None => stream.channels.clone(),
            Some(cols) => cols.iter().map(|&c| stream.channels[c].clone()).collect(),
        };
        // A stream's own <desc> (a recorded LSL stream's, an in-memory stream's that
        // describes itself) describes all its channels: kept unless picked.
        let desc_xml = match &input.picks {
            None => stream.metadata.get(player_api::DESC_XML).cloned(),
            Some(_) => None,
        };
        let source_id = match &self.entry.source_id {
            Some(s) if self.info.streams.len() > 1 => format!("{s}-{}", stream.name),
            Some(s) => s.clone(),
            None => format!("player-host:{name}"),
        };
        OutletSpec {
            source_id,
            content_type: self
                .entry
                .content_type
                .clone()
                .unwrap_or_else(|| stream.content_type.clone()),
            nominal_rate: stream.nominal_rate,
            channels,
            format: input.format,
            provenance: self.provenance(&stream.name),
            desc_xml,
            name,
        }
    }

    /// The `desc/player` entries of a stream's outlet.
    fn provenance(&self, stream: &str) -> Vec<(String, String)> {
        let info = self.reader.info();
        [
            ("source_file", self.entry.file.display().to_string()),
            ("stream", stream.to_string()),
            ("reader", info.id().to_string()),
            ("reader_version", info.version().to_string()),
            ("host", "player-host".to_string()),
            ("host_version", env!("CARGO_PKG_VERSION").to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }
}

/// Every pick matched a channel, and something is published.
fn check_picks(
    entry: &StreamEntry,
    matched: &BTreeSet<&str>,
    streams: &[StreamInfo],
    published: bool,
) -> Result<()> {
    let path = entry.file.display();
    if let Some(p) = &entry.picks {
        super::picks::check_matched(&entry.file, p, matched, streams)?;
    }
    if !published {
        return Err(HostError::config(format!("{path}: nothing to publish")));
    }
    Ok(())
}

/// The duration of one pass of a recording: the reader's, else its longest stream's.
fn pass_duration(info: &RecordingInfo) -> Option<f64> {
    info.duration.or_else(|| {
        info.streams
            .iter()
            .filter_map(StreamInfo::duration)
            .fold(None, |acc: Option<f64>, d| {
                Some(acc.map_or(d, |a| a.max(d)))
            })
    })
}

/// The recording's annotations as a `NAME-markers` stream, when asked for.
fn add_markers(plan: &mut Plan, opened: &Opened<'_>) {
    let (entry, info, period) = (opened.entry, &opened.info, opened.period);
    if entry.annotations == AnnotationMode::None
        || (entry.annotations == AnnotationMode::Auto && info.annotations.is_empty())
    {
        return;
    }
    let all: Vec<(f64, String)> = info
        .annotations
        .iter()
        .map(|a| (a.onset, a.description.clone()))
        .collect();
    let mut events: Vec<(f64, String)> = Vec::new();
    let mut outside = 0;
    for (onset, text) in opened.section.markers(all) {
        let inside = onset.is_finite() && onset >= 0.0 && period.is_none_or(|p| onset < p);
        if inside {
            events.push((onset, text));
        } else {
            outside += 1;
        }
    }
    events.sort_by(|a, b| a.0.total_cmp(&b.0));
    if outside > 0 {
        plan.warnings.push(format!(
            "{}: {outside} annotation(s) lie outside the recording and are not published",
            entry.file.display()
        ));
    }
    let name = format!("{}-markers", entry.base_name());
    plan.streams.push(Stream {
        spec: OutletSpec {
            source_id: format!("player-host:{name}"),
            name,
            content_type: "Markers".to_string(),
            nominal_rate: 0.0,
            channels: vec![ChannelInfo::new("marker", "marker", "")],
            format: WireFormat::String,
            provenance: opened.provenance("markers"),
            desc_xml: None,
        },
        offset: entry.offset,
        input: Input::Markers(Markers { events, period }),
        faults: None,
    });
}

/// What a BIDS recording's sidecars say, over what its reader says: `channels.tsv` sets
/// the channels' kinds, units and status (a bad channel is kept, its `status` and
/// `status_description` published in `desc`), and `events.tsv` replaces the recording's
/// own annotations (BIDS' events are the curated ones).
fn apply_sidecars(info: &mut RecordingInfo, sidecars: &BidsRecording) {
    for channel in info.streams.iter_mut().flat_map(|s| s.channels.iter_mut()) {
        let Some(row) = sidecars.channels.iter().find(|r| r.name == channel.label) else {
            continue;
        };
        if let Some(kind) = &row.kind {
            channel.kind = kind.clone();
        }
        if let Some(unit) = &row.unit {
            channel.unit = unit.clone();
        }
        if let Some(status) = &row.status {
            channel.extra.insert("status".into(), status.clone());
        }
        if let Some(why) = &row.status_description {
            channel
                .extra
                .insert("status_description".into(), why.clone());
        }
    }
    if let Some(events) = &sidecars.events {
        info.annotations = events.clone();
    }
}
