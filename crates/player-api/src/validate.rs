//! The one validation of the reader contract, for every reader, built-in or dynamic.
//!
//! A host opens files through [`open_checked`]: the recording's info is checked with
//! [`RecordingInfo::validate`], and every source it opens is a [`CheckedSource`] that
//! checks each read (frames of the declared kind and width, times finite and never going
//! backwards, no more frames than announced, exactly as many at the end) and each seek
//! (within the stream). A reader that breaks a rule gets a
//! [`Contract`](crate::ReadErrorKind::Contract) error naming the reader, the stream and
//! the rule.
//!
//! The limits below bound what a header can make a host allocate: a rate or a channel
//! count beyond them is refused, whatever the file claims.

use crate::{
    Block, OpenOptions, ReadError, ReaderPlugin, Recording, RecordingInfo, SampleFormat,
    SampleSource, StreamInfo, StreamKind,
};
use std::path::{Path, PathBuf};

/// The highest nominal rate a stream may declare, in Hz (1 MHz).
pub const MAX_RATE: f64 = 1_000_000.0;

/// The most channels a stream may declare.
pub const MAX_CHANNELS: usize = 65_536;

impl RecordingInfo {
    /// Checks the rules every recording follows; the error is the first broken rule, in
    /// words (`stream "eeg": the rate is NaN Hz`).
    ///
    /// * at least one stream; every stream has 1 to [`MAX_CHANNELS`] channels and a
    ///   finite rate from 0 (irregular) to [`MAX_RATE`] Hz;
    /// * an irregular stream (rate 0) is stamped or text: its frames carry their times;
    /// * a text stream, and only a text stream, has the sample format `string`;
    /// * annotations have finite onsets and durations; the duration, when given, is
    ///   finite and not negative.
    pub fn validate(&self) -> Result<(), String> {
        if self.streams.is_empty() {
            return Err("the recording has no streams".into());
        }
        for s in &self.streams {
            s.validate()
                .map_err(|rule| format!("stream {:?}: {rule}", s.name))?;
        }
        for a in &self.annotations {
            if !(a.onset.is_finite() && a.duration.is_finite()) {
                return Err(format!(
                    "annotation {:?} has a non-finite onset or duration",
                    a.description
                ));
            }
        }
        match self.duration {
            Some(d) if !(d.is_finite() && d >= 0.0) => {
                Err(format!("the recording's duration is {d} s"))
            }
            _ => Ok(()),
        }
    }
}

impl StreamInfo {
    /// Checks one stream's rules (see [`RecordingInfo::validate`]).
    pub fn validate(&self) -> Result<(), String> {
        let n = self.channels.len();
        if n == 0 {
            return Err("it has no channels".into());
        }
        if n > MAX_CHANNELS {
            return Err(format!(
                "it has {n} channels, more than the {MAX_CHANNELS} a stream may have"
            ));
        }
        let rate = self.nominal_rate;
        if !(rate.is_finite() && rate >= 0.0) {
            return Err(format!("the rate is {rate} Hz"));
        }
        if rate > MAX_RATE {
            return Err(format!(
                "the rate is {rate} Hz, more than the {MAX_RATE} Hz a stream may have"
            ));
        }
        if self.is_irregular() && self.kind == StreamKind::Regular {
            return Err("it is irregular (rate 0) but its frames carry no times".into());
        }
        let text = self.sample_format == SampleFormat::String;
        if text != (self.kind == StreamKind::Text) {
            return Err(format!(
                "its kind is {} but its sample format is {}",
                self.kind.as_str(),
                self.sample_format.as_str()
            ));
        }
        Ok(())
    }
}

/// Opens `path` with `reader` and validates what it says, so that everything read through
/// the result follows the contract (see the module docs). Errors name the file; contract
/// errors also name the reader.
pub fn open_checked(
    reader: &dyn ReaderPlugin,
    path: &Path,
    options: &OpenOptions,
) -> Result<CheckedRecording, ReadError> {
    let id = reader.info().id().to_string();
    let inner = reader.open(path, options).map_err(|e| e.in_file(path))?;
    inner
        .info()
        .validate()
        .map_err(|rule| broken(&id, &rule).in_file(path))?;
    Ok(CheckedRecording {
        inner,
        reader: id,
        path: path.to_path_buf(),
    })
}

fn broken(reader: &str, rule: &str) -> ReadError {
    ReadError::contract(format!("the {reader} reader broke the contract: {rule}"))
}

/// A recording whose info was validated; its sources are [`CheckedSource`]s.
pub struct CheckedRecording {
    inner: Box<dyn Recording>,
    reader: String,
    path: PathBuf,
}

impl std::fmt::Debug for CheckedRecording {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckedRecording")
            .field("reader", &self.reader)
            .field("path", &self.path)
            .finish()
    }
}

impl CheckedRecording {
    /// What the recording holds (validated).
    pub fn info(&self) -> &RecordingInfo {
        self.inner.info()
    }

    /// The id of the reader that opened it.
    pub fn reader(&self) -> &str {
        &self.reader
    }

    /// Opens a checked cursor on stream `index`.
    pub fn open_checked_stream(&self, index: usize) -> Result<CheckedSource, ReadError> {
        let stream = self.inner.info().streams.get(index).ok_or_else(|| {
            ReadError::invalid_argument(format!(
                "no stream {index} (the recording has {})",
                self.inner.info().streams.len()
            ))
            .in_file(&self.path)
        })?;
        let inner = self
            .inner
            .open_stream(index)
            .map_err(|e| e.in_file(&self.path))?;
        Ok(CheckedSource {
            inner,
            stream: stream.clone(),
            reader: self.reader.clone(),
            path: self.path.clone(),
            position: 0,
            last_stamp: None,
        })
    }
}

impl Recording for CheckedRecording {
    fn info(&self) -> &RecordingInfo {
        self.inner.info()
    }

    fn open_stream(&self, index: usize) -> Result<Box<dyn SampleSource>, ReadError> {
        Ok(Box::new(self.open_checked_stream(index)?))
    }
}

/// A source whose every read and seek is checked against the contract.
pub struct CheckedSource {
    inner: Box<dyn SampleSource>,
    stream: StreamInfo,
    reader: String,
    path: PathBuf,
    /// The next frame, as counted from what the reader delivered.
    position: u64,
    /// The last time delivered since the last seek.
    last_stamp: Option<f64>,
}

impl std::fmt::Debug for CheckedSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckedSource")
            .field("reader", &self.reader)
            .field("stream", &self.stream.name)
            .field("position", &self.position)
            .finish()
    }
}

impl CheckedSource {
    /// The stream this source reads.
    pub fn stream(&self) -> &StreamInfo {
        &self.stream
    }

    /// The next frame a read delivers.
    pub fn position(&self) -> u64 {
        self.position
    }

    fn broken(&self, rule: String) -> ReadError {
        broken(
            &self.reader,
            &format!("stream {:?}: {rule}", self.stream.name),
        )
        .in_file(&self.path)
    }

    /// Checks what one read appended (the frames from `before` on).
    fn check_read(&mut self, block: &Block, before: usize) -> Result<(), ReadError> {
        let added = block.frames() - before;
        block
            .check_stamps(before, self.last_stamp, self.position)
            .map_err(|rule| self.broken(rule))?;
        if let Some(&t) = block.stamps().last().filter(|_| added > 0) {
            self.last_stamp = Some(t);
        }
        self.position += added as u64;
        match self.stream.length {
            Some(len) if self.position > len => {
                Err(self.broken(format!("it announced {len} frames but delivered more")))
            }
            Some(len) if added == 0 && block.room() > 0 && self.position != len => Err(self
                .broken(format!(
                    "it announced {len} frames but ended after {}",
                    self.position
                ))),
            _ => Ok(()),
        }
    }
}

impl SampleSource for CheckedSource {
    fn read(&mut self, block: &mut Block) -> Result<(), ReadError> {
        if block.kind() != self.stream.kind || block.channels() != self.stream.channel_count() {
            return Err(ReadError::invalid_argument(format!(
                "a {} block of {} channels for the {} stream {:?} of {} channels",
                block.kind().as_str(),
                block.channels(),
                self.stream.kind.as_str(),
                self.stream.name,
                self.stream.channel_count()
            ))
            .in_file(&self.path));
        }
        let before = block.frames();
        self.inner.read(block).map_err(|e| e.in_file(&self.path))?;
        self.check_read(block, before)
    }

    fn seek(&mut self, frame: u64) -> Result<(), ReadError> {
        if let Some(len) = self.stream.length.filter(|&len| frame > len) {
            return Err(ReadError::invalid_argument(format!(
                "cannot seek to frame {frame}: stream {:?} has {len} frames",
                self.stream.name
            ))
            .in_file(&self.path));
        }
        self.inner.seek(frame).map_err(|e| e.in_file(&self.path))?;
        self.position = frame;
        self.last_stamp = None;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::ChannelInfo;

    fn stream(rate: f64) -> StreamInfo {
        StreamInfo::new("s", "EEG", rate, vec![ChannelInfo::new("a", "eeg", "V")])
    }

    #[test]
    fn each_rule_is_named() {
        let cases: Vec<(StreamInfo, &str)> = vec![
            (
                StreamInfo::new("s", "EEG", 100.0, Vec::new()),
                "stream \"s\": it has no channels",
            ),
            (stream(f64::NAN), "stream \"s\": the rate is NaN Hz"),
            (
                stream(2e6),
                "stream \"s\": the rate is 2000000 Hz, more than the 1000000 Hz a stream may have",
            ),
            (
                {
                    let mut s = stream(0.0);
                    s.kind = StreamKind::Regular;
                    s
                },
                "stream \"s\": it is irregular (rate 0) but its frames carry no times",
            ),
            (
                {
                    let mut s = stream(0.0).with_sample_format(SampleFormat::String);
                    s.kind = StreamKind::Stamped;
                    s
                },
                "stream \"s\": its kind is stamped but its sample format is string",
            ),
        ];
        for (s, want) in cases {
            let info = RecordingInfo::new(vec![s]);
            assert_eq!(info.validate().unwrap_err(), want);
        }
        assert!(RecordingInfo::new(vec![stream(100.0)]).validate().is_ok());
        assert_eq!(
            RecordingInfo::new(Vec::new()).validate().unwrap_err(),
            "the recording has no streams"
        );
        let wide = StreamInfo::new(
            "w",
            "EEG",
            1.0,
            vec![ChannelInfo::new("a", "eeg", "V"); MAX_CHANNELS + 1],
        );
        assert!(RecordingInfo::new(vec![wide])
            .validate()
            .unwrap_err()
            .contains("65537 channels"));
    }
}
