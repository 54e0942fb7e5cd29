//! From channels to streams (one per sample rate, highest first, as the edf reader does),
//! and the [`FrameSource`] of a stream: reads record by record, one record of its channels
//! buffered at most.

use super::header::{Channel, Header};
use crate::numbers::RawType;
use crate::units::{content_type, kind_of, rate_name};
use player_api::io::{Endian, SourceFile};
use player_api::{ChannelInfo, FrameSource, ReadError, SampleFormat, StreamInfo};
use std::sync::Arc;

/// How one channel's samples are found and scaled.
#[derive(Debug, Clone)]
pub(crate) struct ChannelPlan {
    pub offset_in_record: u64,
    pub raw: RawType,
    /// `physical = (digital × cal + offset) × unit_scale`.
    pub cal: f64,
    pub offset: f64,
    pub unit_scale: f64,
}

/// One stream: its samples per record and channels.
#[derive(Debug, Clone)]
pub(crate) struct StreamPlan {
    pub spr: u64,
    pub channels: Vec<ChannelPlan>,
}

fn channel_info(c: &Channel) -> ChannelInfo {
    let mut info = ChannelInfo::new(c.label.clone(), kind_of(&c.label), c.unit.clone())
        .with_extra("physical_dimension", c.dimension.clone())
        .with_extra("physical_min", c.phys_min.to_string())
        .with_extra("physical_max", c.phys_max.to_string())
        .with_extra("digital_min", c.dig_min.to_string())
        .with_extra("digital_max", c.dig_max.to_string())
        .with_extra("samples_per_record", c.spr.to_string())
        .with_extra("data_type", format!("{} ({})", c.raw.name(), c.type_code))
        .with_extra("channel_number", (c.index + 1).to_string());
    if let Some(code) = c.dimension_code {
        info = info.with_extra("physical_dimension_code", code.to_string());
    }
    for (key, value) in [
        ("transducer", &c.transducer),
        ("prefiltering", &c.prefilter),
    ] {
        if !value.is_empty() {
            info = info.with_extra(key, value.clone());
        }
    }
    if let Some(f) = c.filters {
        for (key, v) in ["lowpass", "highpass", "notch"].iter().zip(f) {
            if v.is_finite() && v > 0.0 {
                info = info.with_extra(*key, v.to_string());
            }
        }
    }
    if let Some(p) = c.position.filter(|p| p.iter().any(|v| *v != 0.0)) {
        for (key, v) in ["X", "Y", "Z"].iter().zip(p) {
            info = info.with_extra(*key, v.to_string());
        }
    }
    info
}

/// The streams of `h`: its channels grouped by samples per record (channels with none,
/// sampled only through events, do not play), highest rate first.
pub(crate) fn plan_streams(h: &Header) -> Vec<(StreamInfo, StreamPlan)> {
    let mut sprs: Vec<u64> = h
        .channels
        .iter()
        .map(|c| c.spr)
        .filter(|&s| s > 0)
        .collect();
    sprs.sort_unstable_by(|a, b| b.cmp(a));
    sprs.dedup();
    sprs.into_iter()
        .map(|spr| {
            let rate = spr as f64 / h.duration.2;
            let chans: Vec<&Channel> = h.channels.iter().filter(|c| c.spr == spr).collect();
            let infos: Vec<ChannelInfo> = chans.iter().map(|c| channel_info(c)).collect();
            let format = match chans.first() {
                Some(first) if chans.iter().all(|c| c.raw == first.raw) => {
                    first.raw.sample_format()
                }
                _ => SampleFormat::Float64,
            };
            let plan = StreamPlan {
                spr,
                channels: chans
                    .iter()
                    .map(|c| {
                        let (cal, offset) = c.scaling();
                        ChannelPlan {
                            offset_in_record: c.offset_in_record,
                            raw: c.raw,
                            cal,
                            offset,
                            unit_scale: c.unit_scale,
                        }
                    })
                    .collect(),
            };
            let mut info = StreamInfo::new(rate_name(rate), content_type(&infos), rate, infos)
                .with_length(h.records.saturating_mul(spr))
                .with_sample_format(format);
            info.metadata
                .insert("samples_per_record".into(), spr.to_string());
            (info, plan)
        })
        .collect()
}

/// A cursor over one stream.
#[derive(Debug)]
pub(crate) struct GdfSource {
    file: SourceFile,
    header: Arc<Header>,
    plan: StreamPlan,
    length: u64,
    position: u64,
    /// The record whose frames are in `frames`.
    loaded: Option<u64>,
    frames: Vec<f64>,
    bytes: Vec<u8>,
    digital: Vec<f64>,
}

impl GdfSource {
    pub(crate) fn new(file: SourceFile, header: Arc<Header>, plan: StreamPlan) -> Self {
        let length = header.records.saturating_mul(plan.spr);
        GdfSource {
            file,
            header,
            plan,
            length,
            position: 0,
            loaded: None,
            frames: Vec::new(),
            bytes: Vec::new(),
            digital: Vec::new(),
        }
    }

    /// Reads and scales `record` into `self.frames`.
    fn load(&mut self, record: u64) -> Result<(), ReadError> {
        if self.loaded == Some(record) {
            return Ok(());
        }
        let spr = self.plan.spr as usize;
        let nch = self.plan.channels.len();
        let span = |c: &ChannelPlan| c.offset_in_record + self.plan.spr * c.raw.size() as u64;
        let first = self
            .plan
            .channels
            .iter()
            .map(|c| c.offset_in_record)
            .min()
            .unwrap_or(0);
        let last = self.plan.channels.iter().map(span).max().unwrap_or(0);
        // Within one record, whose size was checked against the file's length.
        self.bytes.resize((last - first) as usize, 0);
        let at = self.header.record_offset(record) + first;
        self.file
            .read_exact_at(at, &mut self.bytes, &format!("data record {record}"))?;
        self.digital.resize(spr, 0.0);
        self.frames.resize(spr * nch, 0.0);
        for (c, ch) in self.plan.channels.iter().enumerate() {
            let start = (ch.offset_in_record - first) as usize;
            let bytes = &self.bytes[start..start + spr * ch.raw.size()];
            ch.raw.decode(bytes, Endian::Little, &mut self.digital);
            let outs = self.frames.iter_mut().skip(c).step_by(nch);
            for (dst, d) in outs.zip(&self.digital) {
                *dst = (d * ch.cal + ch.offset) * ch.unit_scale;
            }
        }
        self.loaded = Some(record);
        Ok(())
    }
}

impl FrameSource for GdfSource {
    fn fill(&mut self, out: &mut [f64]) -> Result<usize, ReadError> {
        let nch = self.plan.channels.len();
        let capacity = out.len() / nch;
        let spr = self.plan.spr;
        let mut done = 0usize;
        while done < capacity && self.position < self.length {
            let record = self.position / spr;
            self.load(record)?;
            let within = (self.position - record * spr) as usize;
            let n = ((spr as usize - within).min(capacity - done)) as u64;
            let n = n.min(self.length - self.position) as usize;
            out[done * nch..(done + n) * nch]
                .copy_from_slice(&self.frames[within * nch..(within + n) * nch]);
            done += n;
            self.position += n as u64;
        }
        Ok(done)
    }

    fn seek_frame(&mut self, frame: u64) -> Result<(), ReadError> {
        if frame > self.length {
            return Err(ReadError::invalid_argument(format!(
                "cannot seek to frame {frame}: the stream has {} frames",
                self.length
            )));
        }
        self.position = frame;
        Ok(())
    }
}
