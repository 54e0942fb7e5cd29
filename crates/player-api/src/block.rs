//! Blocks: what one [`SampleSource::read`](crate::SampleSource::read) fills.
//!
//! A [`Block`] is made by the host for one stream, with the stream's [`StreamKind`] and
//! width, and a capacity in frames. A reader appends frames to it; the block keeps the
//! three parts consistent by construction:
//!
//! * **values**: `frames × channels` physical values, interleaved (regular and stamped
//!   streams);
//! * **stamps**: one time per frame, in seconds from the recording's first sample
//!   (stamped and text streams);
//! * **text**: `frames × channels` strings, interleaved (text streams).

use crate::{ReadError, StreamKind};

/// Frames of one stream, read by a [`SampleSource`](crate::SampleSource).
///
/// Readers append with [`spare`](Block::spare) + [`commit`](Block::commit) (bulk numeric
/// reads), [`push_frame`](Block::push_frame) (one numeric frame) or
/// [`push_text_frame`](Block::push_text_frame) (one text frame). Hosts read with
/// [`values`](Block::values), [`stamps`](Block::stamps) and [`text`](Block::text), and
/// [`clear`](Block::clear) it to reuse its buffers.
///
/// ```
/// use player_api::{Block, StreamKind};
/// let mut block = Block::new(StreamKind::Regular, 2, 4);
/// let (values, _) = block.spare();
/// values[..4].copy_from_slice(&[1.0, 2.0, 3.0, 4.0]);
/// block.commit(2).unwrap();
/// assert_eq!(block.frames(), 2);
/// assert_eq!(block.room(), 2);
/// assert_eq!(block.values(), &[1.0, 2.0, 3.0, 4.0]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    kind: StreamKind,
    channels: usize,
    capacity: usize,
    frames: usize,
    /// `capacity × channels` values for numeric kinds (the first `frames × channels` hold
    /// data), empty for text.
    values: Vec<f64>,
    /// `capacity` stamps for stamped and text kinds, empty for regular streams.
    stamps: Vec<f64>,
    /// `frames × channels` strings for text streams.
    text: Vec<String>,
}

impl Block {
    /// An empty block for a stream of `kind` with `channels` channels, holding at most
    /// `capacity` frames. Allocates `capacity × channels` values for numeric streams: a
    /// host bounds both.
    pub fn new(kind: StreamKind, channels: usize, capacity: usize) -> Self {
        let numeric = kind != StreamKind::Text;
        Block {
            kind,
            channels,
            capacity,
            frames: 0,
            values: if numeric {
                vec![0.0; capacity.saturating_mul(channels)]
            } else {
                Vec::new()
            },
            stamps: if kind == StreamKind::Regular {
                Vec::new()
            } else {
                vec![0.0; capacity]
            },
            text: Vec::new(),
        }
    }

    /// What the block carries.
    pub fn kind(&self) -> StreamKind {
        self.kind
    }

    /// Values (or strings) per frame.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// The most frames the block holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The frames it holds.
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// How many more frames fit.
    pub fn room(&self) -> usize {
        self.capacity - self.frames
    }

    /// Whether the block holds no frame.
    pub fn is_empty(&self) -> bool {
        self.frames == 0
    }

    /// Forgets the frames, keeping the buffers.
    pub fn clear(&mut self) {
        self.frames = 0;
        self.text.clear();
    }

    /// The values of the frames held, interleaved (`frames × channels`); empty for text.
    pub fn values(&self) -> &[f64] {
        if self.kind == StreamKind::Text {
            return &[];
        }
        &self.values[..self.frames * self.channels]
    }

    /// One time per frame held, in seconds from the recording's first sample; empty for
    /// regular streams.
    pub fn stamps(&self) -> &[f64] {
        if self.kind == StreamKind::Regular {
            return &[];
        }
        &self.stamps[..self.frames]
    }

    /// The strings of the frames held, interleaved (`frames × channels`); empty unless
    /// text.
    pub fn text(&self) -> &[String] {
        &self.text
    }

    /// The free space of a numeric block: room for [`room`](Block::room) frames of
    /// values, and as many stamps (an empty slice for regular streams). Fill a prefix of
    /// both, then [`commit`](Block::commit) the number of frames written. Empty slices
    /// for text blocks.
    pub fn spare(&mut self) -> (&mut [f64], &mut [f64]) {
        if self.kind == StreamKind::Text {
            return (&mut [], &mut []);
        }
        let values = &mut self.values[self.frames * self.channels..];
        let stamps = match self.kind {
            StreamKind::Regular => &mut [][..],
            _ => &mut self.stamps[self.frames..],
        };
        (values, stamps)
    }

    /// Adds `frames` frames written into [`spare`](Block::spare).
    pub fn commit(&mut self, frames: usize) -> Result<(), ReadError> {
        if self.kind == StreamKind::Text {
            return Err(ReadError::contract(
                "commit on a text block (text frames are pushed with push_text_frame)",
            ));
        }
        if frames > self.room() {
            return Err(ReadError::contract(format!(
                "committed {frames} frames to a block with room for {}",
                self.room()
            )));
        }
        self.frames += frames;
        Ok(())
    }

    /// Appends one numeric frame (`channels` values) with its time (required for stamped
    /// streams, ignored for regular ones).
    pub fn push_frame(&mut self, values: &[f64], stamp: Option<f64>) -> Result<(), ReadError> {
        self.check_push(values.len(), stamp, false)?;
        let start = self.frames * self.channels;
        self.values[start..start + self.channels].copy_from_slice(values);
        if self.kind == StreamKind::Stamped {
            if let Some(t) = stamp {
                self.stamps[self.frames] = t;
            }
        }
        self.frames += 1;
        Ok(())
    }

    /// Appends one text frame (`channels` strings) with its time.
    pub fn push_text_frame(&mut self, strings: Vec<String>, stamp: f64) -> Result<(), ReadError> {
        self.check_push(strings.len(), Some(stamp), true)?;
        self.stamps[self.frames] = stamp;
        self.text.extend(strings);
        self.frames += 1;
        Ok(())
    }

    /// Checks that one frame of `width` values (strings when `text`) with `stamp` fits.
    fn check_push(&self, width: usize, stamp: Option<f64>, text: bool) -> Result<(), ReadError> {
        if (self.kind == StreamKind::Text) != text {
            let what = if text { "text" } else { "numeric" };
            return Err(ReadError::contract(format!(
                "a {what} frame pushed to a {} block",
                self.kind.as_str()
            )));
        }
        if width != self.channels {
            return Err(ReadError::contract(format!(
                "a frame of {width} values pushed to a block of {} channels",
                self.channels
            )));
        }
        if self.room() == 0 {
            return Err(ReadError::contract("a frame pushed to a full block"));
        }
        if self.kind != StreamKind::Regular && stamp.is_none() {
            return Err(ReadError::contract(format!(
                "a frame without its time pushed to a {} block",
                self.kind.as_str()
            )));
        }
        Ok(())
    }

    /// Checks the frames from `from` on: stamps finite and never decreasing, starting at
    /// or after `previous` (the last stamp of the frames before). Messages number the
    /// frames from `first` (the stream's index of frame `from`). Values and strings are
    /// consistent by construction.
    pub fn check_stamps(
        &self,
        from: usize,
        previous: Option<f64>,
        first: u64,
    ) -> Result<(), String> {
        let mut last = previous;
        for (i, &t) in self.stamps().iter().enumerate().skip(from) {
            let frame = first + (i - from) as u64;
            if !t.is_finite() {
                return Err(format!("frame {frame} has the time {t}"));
            }
            if let Some(p) = last {
                if t < p {
                    return Err(format!(
                        "times go backwards at frame {frame} ({t} s after {p} s)"
                    ));
                }
            }
            last = Some(t);
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn numeric_frames_append_with_their_stamps() {
        let mut b = Block::new(StreamKind::Stamped, 2, 3);
        b.push_frame(&[1.0, 2.0], Some(0.5)).unwrap();
        let (v, s) = b.spare();
        assert_eq!((v.len(), s.len()), (4, 2));
        v[..2].copy_from_slice(&[3.0, 4.0]);
        s[0] = 0.75;
        b.commit(1).unwrap();
        assert_eq!(b.values(), &[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(b.stamps(), &[0.5, 0.75]);
        assert!(b.commit(2).is_err(), "more than the room");
        assert!(b.push_frame(&[1.0], Some(1.0)).is_err(), "wrong width");
        assert!(
            b.push_frame(&[1.0, 2.0], None).is_err(),
            "stamped needs a time"
        );
        b.clear();
        assert!(b.is_empty() && b.room() == 3);
    }

    #[test]
    fn text_frames_keep_strings_and_times_together() {
        let mut b = Block::new(StreamKind::Text, 1, 2);
        b.push_text_frame(vec!["a".into()], 1.0).unwrap();
        b.push_text_frame(vec!["b".into()], 0.5).unwrap();
        assert!(b.push_text_frame(vec!["c".into()], 2.0).is_err(), "full");
        assert_eq!(b.text(), ["a", "b"]);
        assert!(b.values().is_empty());
        assert!(b.commit(0).is_err(), "commit is for numeric blocks");
        let err = b.check_stamps(0, None, 0).unwrap_err();
        assert_eq!(err, "times go backwards at frame 1 (0.5 s after 1 s)");
        let err = b.check_stamps(1, Some(2.0), 40).unwrap_err();
        assert_eq!(err, "times go backwards at frame 40 (0.5 s after 2 s)");
    }

    #[test]
    fn regular_blocks_have_no_stamps() {
        let mut b = Block::new(StreamKind::Regular, 1, 2);
        b.push_frame(&[7.0], None).unwrap();
        assert!(b.stamps().is_empty());
        assert_eq!(b.spare().1.len(), 0);
        assert!(b.push_text_frame(vec!["x".into()], 0.0).is_err());
    }
}
