//! XDF recordings (Extensible Data Format, what LabRecorder writes): several Lab Streaming
//! Layer streams of one session in one file, replayed together on one timeline.
//!
//! * Each XDF stream is one [`StreamInfo`]: the XDF name, type, channel count, rate and
//!   format; channels from `desc/channels/channel/{label,unit,type}` (`ch1`, `ch2`, ...
//!   when absent; kind = the channel's type, else the stream's, lowercase; units as
//!   written, values never scaled). Every stream carries its samples' times: its kind is
//!   [`StreamKind::Stamped`](player_api::StreamKind::Stamped), or
//!   [`StreamKind::Text`](player_api::StreamKind::Text) for string streams.
//! * Times are corrected by the stream's clock offsets exactly as pyxdf's
//!   `load_xdf(synchronize_clocks=True, dejitter_timestamps=False)` (the `clock` module),
//!   then counted in seconds from the earliest corrected time of any stream: the earliest
//!   sample of the recording is at 0.0, and the relative times between streams are kept.
//!   [`RecordingInfo::duration`] is the latest corrected time minus the earliest, plus
//!   1/rate of the stream holding the latest time (0 when that stream is irregular).
//!   Clock resets and the pylsl#67 defect are handled as pyxdf does. Dejittering
//!   (pyxdf's default) only with the reader option `dejitter: true` (`dejitter` module).
//! * Streaming: opening makes one pass over the chunks (offsets, sample counts, clock
//!   offsets, headers, footers; no values kept); sources then read samples on demand.
//! * A last chunk cut short by the end of the file is left out (the complete chunks
//!   before it are kept, as pyxdf does) and reported in the `truncated_chunk` metadata;
//!   any other structural fault is an error naming the file and the byte offset.
//!
//! See `docs/readers/xdf.md` for the whole contract (metadata keys, limitations).

mod clock;
mod cursor;
mod dejitter;
mod header;
mod index;
mod source;

use clock::{last_offset_is_corrupted, ClockFit, ClockMap, Segmenter, StreamClock};
use cursor::Cursor;
use dejitter::{dejitter, Dejitter};
use index::{walk_times, FileIndex, StreamIndex};
use player_api::io::SourceFile;
use player_api::{
    OpenOptions, ReadError, ReaderInfo, ReaderPlugin, Recording, RecordingInfo, SampleSource,
    Signature, StreamInfo,
};
use source::XdfSource;
use std::path::Path;
use std::sync::Arc;

/// The largest channel count believed for a stream without samples (and without a desc
/// describing that many channels).
const MAX_UNPROVEN_CHANNELS: u64 = 65_536;

/// The built-in reader of XDF files (`.xdf`).
#[derive(Debug, Clone, Copy, Default)]
pub struct XdfReader;

player_api::inventory::submit! { player_api::Registration::new(&XdfReader) }

/// What the xdf reader is.
pub static INFO: ReaderInfo = ReaderInfo::new(
    "xdf",
    "XDF multi-stream recordings (LabRecorder), clock-synchronized like pyxdf",
    env!("CARGO_PKG_VERSION"),
    &["xdf"],
    &[Signature::at(0, index::MAGIC)],
);

impl ReaderPlugin for XdfReader {
    fn info(&self) -> &ReaderInfo {
        &INFO
    }

    /// Options: `dejitter` (`true` or `false`, default `false`): replace the times of
    /// regular streams by pyxdf's dejittered times (`load_xdf`'s default).
    fn open(&self, path: &Path, options: &OpenOptions) -> Result<Box<dyn Recording>, ReadError> {
        options
            .expect_only(INFO.id(), &["dejitter"])
            .map_err(|e| e.in_file(path))?;
        let dejitter = match options.reader_options.get("dejitter") {
            None => false,
            Some(v) if v.eq_ignore_ascii_case("true") => true,
            Some(v) if v.eq_ignore_ascii_case("false") => false,
            Some(v) => {
                return Err(ReadError::invalid_argument(format!(
                    "the xdf reader's option dejitter is true or false, not {}",
                    player_api::quote(v)
                ))
                .in_file(path))
            }
        };
        Ok(Box::new(XdfRecording::open_with(path, dejitter)?))
    }
}

/// An opened XDF file.
#[derive(Debug)]
pub struct XdfRecording {
    info: RecordingInfo,
    file: SourceFile,
    streams: Vec<Arc<StreamIndex>>,
    maps: Vec<Arc<ClockMap>>,
    dejitters: Vec<Option<Arc<Dejitter>>>,
    origin: f64,
}

impl XdfRecording {
    /// Opens `path` with recorded (clock-corrected, not dejittered) times: one pass over
    /// its chunks (structure, sample counts, clock offsets, headers); sample values are
    /// read later, by the sources.
    pub fn open(path: &Path) -> Result<Self, ReadError> {
        Self::open_with(path, false)
    }

    /// Opens `path`; with `dejitter`, regular streams get pyxdf's dejittered times (one
    /// more pass over their times).
    pub fn open_with(path: &Path, dejitter: bool) -> Result<Self, ReadError> {
        let file = SourceFile::open(path)?;
        let mut cursor = Cursor::new(file.reopen()?);
        let ix = index::index(&mut cursor)?;
        if ix.streams.is_empty() {
            return Err(
                ReadError::malformed("the file has no StreamHeader chunk: no stream").in_file(path),
            );
        }
        let mut ix = ix;
        for s in &ix.streams {
            // A channel count is proven by the stream's samples (each holds every
            // channel); without samples, only a modest count is believed.
            let described = s.header.channels.len() as u64;
            if s.frames == 0 && s.header.channel_count > described.max(MAX_UNPROVEN_CHANNELS) {
                return Err(ReadError::malformed(format!(
                    "stream {} claims {} channels but has no sample to show them",
                    player_api::quote(&s.header.name),
                    s.header.channel_count
                ))
                .at_offset(s.header_offset)
                .in_file(path));
            }
        }
        let mut clocks = Vec::with_capacity(ix.streams.len());
        // The recording's time span over the corrected times of all streams.
        let mut origin = f64::INFINITY;
        let mut latest = f64::NEG_INFINITY;
        let mut latest_rate = 0.0;
        for s in &mut ix.streams {
            let c = synchronize(&mut cursor, s, dejitter)?;
            if let Some((first, last)) = c.span {
                origin = origin.min(first);
                if last > latest {
                    latest = last;
                    latest_rate = s.header.srate;
                }
            }
            clocks.push(c);
        }
        if !origin.is_finite() || !latest.is_finite() {
            return Err(ReadError::malformed(
                "no stream has samples with finite times: nothing to replay",
            )
            .in_file(path));
        }
        let duration = latest - origin
            + if latest_rate > 0.0 {
                1.0 / latest_rate
            } else {
                0.0
            };
        let streams: Vec<StreamInfo> = ix
            .streams
            .iter()
            .zip(&clocks)
            .map(|(s, c)| stream_info(s, c, origin))
            .collect();
        let mut info = RecordingInfo::new(streams);
        info.duration = Some(duration);
        info.recorded_lsl = true;
        recording_metadata(&mut info, &ix, origin);
        Ok(XdfRecording {
            info,
            file,
            streams: ix.streams.into_iter().map(Arc::new).collect(),
            dejitters: clocks
                .iter_mut()
                .map(|c| c.dejitter.take().map(Arc::new))
                .collect(),
            maps: clocks.into_iter().map(|c| Arc::new(c.map)).collect(),
            origin,
        })
    }
}

/// The clock correction of one stream and what it gives.
#[derive(Debug)]
struct Synced {
    map: ClockMap,
    /// Corrected time of the earliest and the latest sample (`None`: no samples).
    span: Option<(f64, f64)>,
    offsets: usize,
    singular: usize,
    resets: usize,
    /// Samples dropped by the pylsl#67 rule (count before, count after).
    dropped: Option<(u64, u64)>,
    /// Corrected times of the first and last samples (for the effective rate).
    ends: Option<(f64, f64)>,
    /// Dejittered times, when asked for and pyxdf would dejitter the stream.
    dejitter: Option<Dejitter>,
}

/// Applies pyxdf's clock synchronization to stream `s` (`_truncate_corrupted_offsets`,
/// then `_clock_sync`); may shorten the stream (pylsl#67). A second pass over the
/// stream's times is made only when the stream has clock resets or was shortened.
fn synchronize(
    cursor: &mut Cursor,
    s: &mut StreamIndex,
    with_dejitter: bool,
) -> Result<Synced, ReadError> {
    let mut times = s.clock_times.clone();
    let mut values = s.clock_values.clone();
    let mut dropped = None;
    let footer_count = s.footer.as_ref().and_then(|f| {
        f.iter()
            .find(|(k, _)| k == "sample_count")
            .and_then(|(_, v)| v.parse::<u64>().ok())
    });
    if let Some(count) = footer_count {
        if s.frames > count && last_offset_is_corrupted(&times, &values) {
            times.pop();
            values.pop();
            dropped = Some((s.frames, count));
            s.frames = count;
        }
    }
    let clock = StreamClock::new(&times, &values);
    let fallback = clock.fits.first().copied().unwrap_or_default();
    let (map, mut span, ends) = if s.frames == 0 {
        (ClockMap::single(ClockFit::default()), None, None)
    } else if clock.has_resets() || dropped.is_some() {
        let mut segmenter = Segmenter::new(&clock, &times);
        let mut span = (f64::INFINITY, f64::NEG_INFINITY);
        let mut ends = (f64::NAN, f64::NAN);
        walk_times(cursor, s, s.frames, |k, t| {
            let c = segmenter.push(k, t).apply(t);
            span = (span.0.min(c), span.1.max(c));
            if k == 0 {
                ends.0 = c;
            }
            ends.1 = c;
        })?;
        (segmenter.finish(s.frames), Some(span), Some(ends))
    } else {
        // One linear map: the extremes are the images of the recorded extremes.
        let (a, b) = (fallback.apply(s.min_time), fallback.apply(s.max_time));
        let ends = (fallback.apply(s.first_time), fallback.apply(s.last_time));
        (
            ClockMap::single(fallback),
            Some((a.min(b), a.max(b))),
            Some(ends),
        )
    };
    let dejitter = if with_dejitter {
        dejitter(cursor, s, &map)?
    } else {
        None
    };
    let mut ends = ends;
    if let Some(d) = &dejitter {
        span = Some(d.span(s.frames));
        ends = Some((d.time(0), d.time(s.frames.saturating_sub(1))));
    }
    Ok(Synced {
        map,
        span,
        offsets: times.len(),
        singular: clock.singular,
        resets: clock.ranges.len() - 1,
        dropped,
        ends,
        dejitter,
    })
}

fn stream_info(s: &StreamIndex, c: &Synced, origin: f64) -> StreamInfo {
    let h = &s.header;
    let mut info = StreamInfo::new(
        h.name.clone(),
        h.content_type.clone(),
        h.srate,
        h.all_channels(),
    )
    .with_length(s.frames)
    .with_sample_format(h.format)
    .with_stamps();
    let m = &mut info.metadata;
    m.insert("stream_id".into(), s.id.to_string());
    m.insert("header_offset".into(), s.header_offset.to_string());
    m.insert("channel_format".into(), h.format_text.clone());
    for (k, v) in &h.fields {
        m.entry(k.clone()).or_insert_with(|| v.clone());
    }
    if let Some(desc) = &h.desc_xml {
        m.insert(player_api::DESC_XML.into(), desc.clone());
    }
    m.insert("samples_chunks".into(), s.chunks.len().to_string());
    m.insert("clock_offsets".into(), c.offsets.to_string());
    let fits: Vec<String> = c
        .map
        .segments()
        .iter()
        .map(|(first, f)| format!("{first}:{}:{}", f.intercept, f.slope))
        .collect();
    m.insert("clock_fit".into(), fits.join(" "));
    if c.singular > 0 {
        m.insert(
            "clock_fit_singular".into(),
            "offsets unusable (equal collection times): no correction, as pyxdf".into(),
        );
    }
    if c.resets > 0 {
        m.insert("clock_resets".into(), c.resets.to_string());
    }
    if let Some((before, after)) = c.dropped {
        m.insert(
            "dropped_after_footer".into(),
            format!(
                "{} samples past the footer's sample_count {after} and the anomalous last \
                 clock offset dropped (pylsl#67, as pyxdf)",
                before - after
            ),
        );
    }
    if let Some(d) = &c.dejitter {
        m.insert("dejitter_segments".into(), d.segments().to_string());
    }
    let effective = match (&c.dejitter, c.ends) {
        (Some(d), _) => d.effective_srate(s.frames),
        (None, Some((first, last))) if s.frames > 1 && h.srate > 0.0 => {
            Some((s.frames - 1) as f64 / (last - first))
        }
        _ => None,
    };
    if let Some(rate) = effective {
        m.insert("effective_srate".into(), rate.to_string());
    }
    if let Some((first, _)) = c.span {
        m.insert("first_time".into(), (first - origin).to_string());
        m.insert("recorded_first_time".into(), s.min_time.to_string());
    }
    if s.backward_steps > 0 {
        m.insert("backward_steps".into(), s.backward_steps.to_string());
    }
    if let Some(footer) = &s.footer {
        for (k, v) in footer {
            m.insert(format!("footer_{k}"), v.clone());
        }
    }
    info
}

fn recording_metadata(info: &mut RecordingInfo, ix: &FileIndex, origin: f64) {
    let m = &mut info.metadata;
    m.insert("format".into(), "XDF".into());
    for (k, v) in &ix.file_header {
        m.insert(format!("file_{k}"), v.clone());
    }
    m.insert("time_origin".into(), origin.to_string());
    m.insert("chunks".into(), ix.chunk_count.to_string());
    m.insert("boundary_chunks".into(), ix.boundary_chunks.to_string());
    if let Some(t) = &ix.truncation {
        let announced = t
            .announced
            .map_or_else(String::new, |a| format!(", {a} bytes announced"));
        m.insert(
            "truncated_chunk".into(),
            format!(
                "{} at byte {} cut by the end of the file ({} bytes present{announced}): left out",
                t.what, t.offset, t.present
            ),
        );
    }
}

impl Recording for XdfRecording {
    fn info(&self) -> &RecordingInfo {
        &self.info
    }

    fn open_stream(&self, index: usize) -> Result<Box<dyn SampleSource>, ReadError> {
        let stream = self.streams.get(index).ok_or_else(|| {
            ReadError::invalid_argument(format!(
                "stream {index} does not exist (the file has {} streams)",
                self.streams.len()
            ))
            .in_file(self.file.path())
        })?;
        let map = self.maps.get(index).map_or_else(
            || Arc::new(ClockMap::single(ClockFit::default())),
            Arc::clone,
        );
        let dejitter = self.dejitters.get(index).cloned().flatten();
        Ok(Box::new(XdfSource::new(
            index::reopen(&self.file)?,
            Arc::clone(stream),
            map,
            dejitter,
            self.origin,
        )?))
    }
}
