//! The [`SampleSource`] of one stream: reads record by record from disk, one record's
//! worth of the stream's samples buffered at most; EDF+D gaps are delivered as zeros.

use super::header::Header;
use super::layout::StreamPlan;
use super::timeline::Timeline;
use player_api::io::{decode_into, Endian, SourceFile};
use player_api::SampleFormat;
use player_api::{FrameSource, ReadError};
use std::sync::Arc;

/// A cursor over one stream of an EDF/BDF file.
#[derive(Debug)]
pub(crate) struct EdfSource {
    file: SourceFile,
    header: Arc<Header>,
    timeline: Arc<Timeline>,
    plan: StreamPlan,
    length: u64,
    position: u64,
    /// The record whose frames are in `frames`.
    loaded: Option<u64>,
    /// One record of this stream, physical values, interleaved (spr x channels).
    frames: Vec<f64>,
    bytes: Vec<u8>,
    digital: Vec<f64>,
}

impl EdfSource {
    pub(crate) fn new(
        file: SourceFile,
        header: Arc<Header>,
        timeline: Arc<Timeline>,
        plan: StreamPlan,
    ) -> Self {
        let length = timeline.length(plan.spr, plan.rate);
        EdfSource {
            file,
            header,
            timeline,
            plan,
            length,
            position: 0,
            loaded: None,
            frames: Vec::new(),
            bytes: Vec::new(),
            digital: Vec::new(),
        }
    }

    fn internal(&self, what: &str) -> ReadError {
        ReadError::malformed(format!("internal inconsistency: {what}")).in_file(self.file.path())
    }

    /// Reads and scales `record` into `self.frames`.
    fn load(&mut self, record: u64) -> Result<(), ReadError> {
        if self.loaded == Some(record) {
            return Ok(());
        }
        let sample_bytes = self.header.sample_bytes();
        let spr = self.plan.spr;
        let nch = self.plan.channels.len();
        let signal_bytes = spr * sample_bytes;
        // One read spanning this stream's signals inside the record.
        let first = self
            .plan
            .channels
            .iter()
            .map(|c| c.offset_in_record)
            .min()
            .unwrap_or(0);
        let last = self
            .plan
            .channels
            .iter()
            .map(|c| c.offset_in_record + signal_bytes)
            .max()
            .unwrap_or(0);
        // Both are within one record, whose size was checked against the file's length.
        let span = usize::try_from(last - first).map_err(|_| self.internal("record span"))?;
        self.bytes.resize(span, 0);
        let at = self.header.record_offset(record) + first;
        self.file
            .read_exact_at(at, &mut self.bytes, &format!("data record {record}"))?;
        let spr_us = usize::try_from(spr).map_err(|_| self.internal("samples per record"))?;
        self.digital.resize(spr_us, 0.0);
        self.frames.resize(spr_us * nch, 0.0);
        let format = if self.header.bdf {
            SampleFormat::Int24
        } else {
            SampleFormat::Int16
        };
        for (c, ch) in self.plan.channels.iter().enumerate() {
            let start = (ch.offset_in_record - first) as usize;
            let bytes = self
                .bytes
                .get(start..start + signal_bytes as usize)
                .ok_or_else(|| {
                    ReadError::malformed("signal outside its record").in_file(self.file.path())
                })?;
            decode_into(bytes, format, Endian::Little, &mut self.digital);
            let outs = self.frames.iter_mut().skip(c).step_by(nch);
            for (dst, d) in outs.zip(&self.digital) {
                let phys = ch.bitvalue * (ch.offset + d);
                *dst = match ch.unit_scale {
                    Some(s) => phys * s,
                    None => phys,
                };
            }
        }
        self.loaded = Some(record);
        Ok(())
    }
}

impl FrameSource for EdfSource {
    fn fill(&mut self, out: &mut [f64]) -> Result<usize, ReadError> {
        let nch = self.plan.channels.len();
        let capacity = out.len() / nch;
        if self.position >= self.length || capacity == 0 {
            return Ok(0);
        }
        let (spr, rate) = (self.plan.spr, self.plan.rate);
        let mut done = 0usize;
        while done < capacity && self.position < self.length {
            let record = self.timeline.locate(self.position, spr, rate);
            let start = self.timeline.start_frame(record, spr, rate);
            let end = start.saturating_add(spr);
            let want = (capacity - done) as u64;
            let dst_from = done * nch;
            if self.position >= end {
                // In a gap (EDF+D): zeros until the next record starts.
                let next = self
                    .timeline
                    .start_frame(record + 1, spr, rate)
                    .min(self.length);
                let n = (next.saturating_sub(self.position)).clamp(1, want) as usize;
                let dst = out
                    .get_mut(dst_from..dst_from + n * nch)
                    .ok_or_else(|| self.internal("gap output range"))?;
                dst.fill(0.0);
                done += n;
                self.position += n as u64;
                continue;
            }
            self.load(record)?;
            let within = (self.position - start) as usize;
            let n = ((end - self.position).min(want)) as usize;
            let src = self
                .frames
                .get(within * nch..(within + n) * nch)
                .ok_or_else(|| self.internal("record frame range"))?;
            let dst = out
                .get_mut(dst_from..dst_from + n * nch)
                .ok_or_else(|| self.internal("output range"))?;
            dst.copy_from_slice(src);
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
            ))
            .in_file(self.file.path()));
        }
        self.position = frame;
        Ok(())
    }
}
