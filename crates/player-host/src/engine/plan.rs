//! From a scenario to lanes: open every recording, choose channels, name the outlets.
//!
//! Naming: a recording with one stream is published as `NAME`; one with several streams
//! as `NAME-<stream name>`; its annotations as `NAME-markers`. `NAME` is the entry's
//! `name`, else the file's stem.

use crate::error::{HostError, Result};
use crate::output::{OutletSpec, SampleKind, ValueFormat};
use crate::registry::Registry;
use crate::scenario::{AnnotationMode, Repeat, Scenario, StreamEntry};
use player_api::{ChannelInfo, OpenOptions, SampleFormat, SampleSource, StreamInfo};
use std::collections::BTreeSet;

/// One outlet to feed, with everything the engine needs.
pub struct Lane {
    /// What to announce.
    pub spec: OutletSpec,
    /// Seconds after t0 of the recording's first sample.
    pub offset: f64,
    /// Where samples come from.
    pub feed: LaneFeed,
}

impl std::fmt::Debug for Lane {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lane")
            .field("name", &self.spec.name)
            .finish()
    }
}

/// The origin of a lane's samples.
pub enum LaneFeed {
    /// A stream read from a source (regular, stamped or text).
    Source(SourceFeed),
    /// Annotations as text markers.
    Markers(MarkerFeed),
}

/// What a source's samples are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleValues {
    /// Numbers, published in this format.
    Numeric(ValueFormat),
    /// Text (always with per-frame times).
    Text,
}

/// A stream read from a source: the cursor, the columns to keep, how to chunk and time it.
pub struct SourceFeed {
    /// The cursor (positioned at frame 0).
    pub source: Box<dyn SampleSource>,
    /// Channels per frame delivered by the source.
    pub source_channels: usize,
    /// Columns of the source frame to publish (in order), or `None` for all.
    pub picks: Option<Vec<usize>>,
    /// Samples per second; 0 for irregular streams.
    pub rate: f64,
    /// Frames per push (1 for irregular streams: each sample goes out when due).
    pub chunk_size: usize,
    /// Numbers (in which format) or text.
    pub values: SampleValues,
    /// Whether frames carry their own times (from `read_stamped` / `read_text`), used
    /// instead of `k / rate`.
    pub stamped: bool,
    /// The duration of one pass, which shifts the times of later passes.
    pub period: Option<f64>,
    /// Frames per pass, when known.
    pub length: Option<u64>,
}

/// Annotations of a recording, replayed as markers.
#[derive(Debug, Clone)]
pub struct MarkerFeed {
    /// (seconds from the first sample, text), ordered by time, within one pass.
    pub events: Vec<(f64, String)>,
    /// The duration of one pass (markers repeat with the data), when known.
    pub period: Option<f64>,
}

/// Lanes of a whole scenario, plus warnings for the user.
#[derive(Debug, Default)]
pub struct Plan {
    /// Every outlet to feed, in scenario order.
    pub lanes: Vec<Lane>,
    /// Things the user should know (annotations left out, ...).
    pub warnings: Vec<String>,
}

/// Most values one chunk may hold (a chunk is pushed, and buffered, whole): 512 MiB of f64.
const MAX_CHUNK_VALUES: usize = 1 << 26;

/// Opens every recording of `scenario` and builds its lanes.
pub fn build(scenario: &Scenario, registry: &Registry) -> Result<Plan> {
    let mut plan = Plan::default();
    for entry in &scenario.streams {
        add_entry(&mut plan, entry, scenario.format, scenario.repeat, registry)?;
    }
    let mut seen = BTreeSet::new();
    for lane in &plan.lanes {
        if !seen.insert(lane.spec.name.as_str()) {
            return Err(HostError::config(format!(
                "two streams would be published as {:?}: give them distinct `name`s",
                lane.spec.name
            )));
        }
    }
    Ok(plan)
}

fn add_entry(
    plan: &mut Plan,
    entry: &StreamEntry,
    default_format: ValueFormat,
    repeat: Repeat,
    registry: &Registry,
) -> Result<()> {
    let path = &entry.file;
    let reader = registry.choose(path, entry.reader.as_deref())?;
    let mut options = OpenOptions::default();
    options.reader_options = entry.reader_options_map();
    let recording = reader.open(path, &options).map_err(|e| e.in_file(path))?;
    let info = recording.info().clone();
    if info.streams.is_empty() {
        return Err(
            player_api::ReadError::malformed("the recording has no streams")
                .in_file(path)
                .into(),
        );
    }
    let base = entry.base_name();
    let multi = info.streams.len() > 1;
    let period = pass_duration(&info);
    let provenance = |stream: &str| {
        vec![
            ("source_file".to_string(), path.display().to_string()),
            ("stream".to_string(), stream.to_string()),
            ("reader".to_string(), reader.id().to_string()),
            ("reader_version".to_string(), reader.version().to_string()),
            ("host".to_string(), "player-host".to_string()),
            (
                "host_version".to_string(),
                env!("CARGO_PKG_VERSION").to_string(),
            ),
        ]
    };
    let mut matched_picks = BTreeSet::new();
    let mut published = 0;
    for (index, stream) in info.streams.iter().enumerate() {
        let picks = match &entry.picks {
            None => None,
            Some(p) => {
                let cols = super::picks::pick_columns(&stream.channels, p, &mut matched_picks);
                if cols.is_empty() {
                    continue;
                }
                Some(cols)
            }
        };
        let text = check_stream(stream, path)?;
        if entry.chunk_size.saturating_mul(stream.channel_count()) > MAX_CHUNK_VALUES {
            return Err(HostError::config(format!(
                "{}: chunk_size {} × channels {} is more than the {MAX_CHUNK_VALUES} values one \
                 push may hold",
                path.display(),
                entry.chunk_size,
                stream.channel_count()
            )));
        }
        let channels: Vec<ChannelInfo> = match &picks {
            None => stream.channels.clone(),
            Some(cols) => cols.iter().map(|&c| stream.channels[c].clone()).collect(),
        };
        // Recorded LSL streams keep their own names unless the user names the recording.
        let name = match (info.recorded_lsl && entry.name.is_none(), multi) {
            (true, _) => stream.name.clone(),
            (false, true) => format!("{base}-{}", stream.name),
            (false, false) => base.clone(),
        };
        let values = if text {
            SampleValues::Text
        } else {
            let wanted = entry.format.unwrap_or(if info.recorded_lsl {
                ValueFormat::Native
            } else {
                default_format
            });
            SampleValues::Numeric(wanted.resolve(stream.sample_format, info.recorded_lsl))
        };
        // A recorded stream's own <desc> describes all its channels: kept unless picked.
        let desc_xml = match (&picks, info.recorded_lsl) {
            (None, true) => stream.metadata.get(player_api::DESC_XML).cloned(),
            _ => None,
        };
        let stamped = stream.stamped || text;
        if stamped && period.is_none() && repeat != Repeat::Times(1) {
            return Err(HostError::config(format!(
                "{}: cannot repeat: the reader does not give the recording's duration",
                path.display()
            )));
        }
        let source = recording.open_stream(index).map_err(|e| e.in_file(path))?;
        plan.lanes.push(Lane {
            spec: OutletSpec {
                source_id: entry
                    .source_id
                    .clone()
                    .map(|s| {
                        if multi {
                            format!("{s}-{}", stream.name)
                        } else {
                            s
                        }
                    })
                    .unwrap_or_else(|| format!("player-host:{name}")),
                name,
                content_type: entry
                    .content_type
                    .clone()
                    .unwrap_or_else(|| stream.content_type.clone()),
                nominal_rate: stream.nominal_rate,
                channels,
                sample_kind: match values {
                    SampleValues::Numeric(f) => SampleKind::Numeric(f),
                    SampleValues::Text => SampleKind::Text,
                },
                provenance: provenance(&stream.name),
                desc_xml,
            },
            offset: entry.offset,
            feed: LaneFeed::Source(SourceFeed {
                source,
                source_channels: stream.channel_count(),
                picks,
                rate: stream.nominal_rate,
                chunk_size: if stream.is_irregular() {
                    1
                } else {
                    entry.chunk_size
                },
                values,
                stamped,
                period,
                length: stream.length,
            }),
        });
        published += 1;
    }
    if let Some(p) = &entry.picks {
        super::picks::check_matched(path, p, &matched_picks, &info.streams)?;
    }
    if published == 0 {
        return Err(HostError::config(format!(
            "{}: nothing to publish",
            path.display()
        )));
    }
    add_markers(plan, entry, &info, period, &base, provenance("markers"));
    Ok(())
}

/// Checks that a stream can be paced; returns whether its samples are text.
fn check_stream(stream: &StreamInfo, path: &std::path::Path) -> Result<bool> {
    let fail = |what: String| -> HostError {
        player_api::ReadError::malformed(format!("stream {:?} {what}", stream.name))
            .in_file(path)
            .into()
    };
    if !stream.nominal_rate.is_finite() || stream.nominal_rate < 0.0 {
        return Err(fail(format!(
            "has an invalid rate ({} Hz)",
            stream.nominal_rate
        )));
    }
    if stream.channels.is_empty() {
        return Err(fail("has no channels".into()));
    }
    let text = stream.sample_format == SampleFormat::String;
    if stream.is_irregular() && !stream.stamped && !text {
        return Err(fail(
            "is irregular (rate 0) but its samples carry no times".into(),
        ));
    }
    Ok(text)
}

/// The duration of one pass of a recording: the reader's, else its longest stream's.
fn pass_duration(info: &player_api::RecordingInfo) -> Option<f64> {
    info.duration.or_else(|| {
        info.streams
            .iter()
            .filter_map(StreamInfo::duration)
            .fold(None, |acc: Option<f64>, d| {
                Some(acc.map_or(d, |a| a.max(d)))
            })
    })
}

fn add_markers(
    plan: &mut Plan,
    entry: &StreamEntry,
    info: &player_api::RecordingInfo,
    period: Option<f64>,
    base: &str,
    provenance: Vec<(String, String)>,
) {
    if entry.annotations == AnnotationMode::None
        || (entry.annotations == AnnotationMode::Auto && info.annotations.is_empty())
    {
        return;
    }
    let mut events: Vec<(f64, String)> = Vec::new();
    let mut outside = 0;
    for a in &info.annotations {
        let inside = a.onset.is_finite() && a.onset >= 0.0 && period.is_none_or(|p| a.onset < p);
        if inside {
            events.push((a.onset, a.description.clone()));
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
    let name = format!("{base}-markers");
    plan.lanes.push(Lane {
        spec: OutletSpec {
            source_id: format!("player-host:{name}"),
            name,
            content_type: "Markers".to_string(),
            nominal_rate: 0.0,
            channels: vec![ChannelInfo::new("marker", "marker", "")],
            sample_kind: SampleKind::Text,
            provenance,
            desc_xml: None,
        },
        offset: entry.offset,
        feed: LaneFeed::Markers(MarkerFeed { events, period }),
    });
}
