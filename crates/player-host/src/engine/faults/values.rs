//! Channel faults on a chunk's values: frames copied out of a block with some of their
//! values changed ([`Edit`]), in any wire format (integers through `f64`: NaN becomes 0).

use crate::transport::Samples;

/// What happens to one value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Edit {
    /// Replaced by this value (flat, nan).
    Set(f64),
    /// |value| capped at this.
    Clip(f64),
    /// This added (noise).
    Add(f64),
}

impl Edit {
    fn apply(self, v: f64) -> f64 {
        match self {
            Edit::Set(x) => x,
            Edit::Clip(max) => v.clamp(-max, max),
            Edit::Add(x) => v + x,
        }
    }
}

/// A wire value seen as a number.
trait Wire: Copy {
    fn get(self) -> f64;
    fn put(v: f64) -> Self;
}

macro_rules! wire {
    ($($t:ty),*) => {$(
        impl Wire for $t {
            fn get(self) -> f64 {
                self as f64
            }
            fn put(v: f64) -> Self {
                v as $t
            }
        }
    )*};
}
wire!(f32, f64, i8, i16, i32, i64);

fn copy<T: Wire>(src: &[T], dst: &mut Vec<T>, frame: usize, width: usize, edits: &[(usize, Edit)]) {
    let start = dst.len();
    dst.extend_from_slice(&src[frame * width..(frame + 1) * width]);
    for &(col, edit) in edits {
        let v = &mut dst[start + col];
        *v = T::put(edit.apply(v.get()));
    }
}

/// Appends frame `frame` of `src` (`width` values wide) to `dst` (of the same format),
/// with `edits` (column, edit) applied in order; text frames are copied as they are.
pub(crate) fn append(
    src: &Samples,
    dst: &mut Samples,
    frame: usize,
    width: usize,
    edits: &[(usize, Edit)],
) {
    match (src, dst) {
        (Samples::F32(s), Samples::F32(d)) => copy(s, d, frame, width, edits),
        (Samples::F64(s), Samples::F64(d)) => copy(s, d, frame, width, edits),
        (Samples::I8(s), Samples::I8(d)) => copy(s, d, frame, width, edits),
        (Samples::I16(s), Samples::I16(d)) => copy(s, d, frame, width, edits),
        (Samples::I32(s), Samples::I32(d)) => copy(s, d, frame, width, edits),
        (Samples::I64(s), Samples::I64(d)) => copy(s, d, frame, width, edits),
        (Samples::Text(s), Samples::Text(d)) => {
            d.extend_from_slice(&s[frame * width..(frame + 1) * width])
        }
        (src, dst) => {
            *dst = empty_like(src);
            append(src, dst, frame, width, edits);
        }
    }
}

/// Column `col` of frame `frame` as a number (NaN for text).
pub(crate) fn value(src: &Samples, frame: usize, width: usize, col: usize) -> f64 {
    let i = frame * width + col;
    match src {
        Samples::F32(v) => v[i].get(),
        Samples::F64(v) => v[i],
        Samples::I8(v) => v[i].get(),
        Samples::I16(v) => v[i].get(),
        Samples::I32(v) => v[i].get(),
        Samples::I64(v) => v[i].get(),
        Samples::Text(_) => f64::NAN,
    }
}

/// Empty buffers of `s`'s format.
pub(crate) fn empty_like(s: &Samples) -> Samples {
    match s {
        Samples::F32(_) => Samples::F32(Vec::new()),
        Samples::F64(_) => Samples::F64(Vec::new()),
        Samples::I8(_) => Samples::I8(Vec::new()),
        Samples::I16(_) => Samples::I16(Vec::new()),
        Samples::I32(_) => Samples::I32(Vec::new()),
        Samples::I64(_) => Samples::I64(Vec::new()),
        Samples::Text(_) => Samples::Text(Vec::new()),
    }
}

/// Empties `s`, keeping its room.
pub(crate) fn clear(s: &mut Samples) {
    match s {
        Samples::F32(v) => v.clear(),
        Samples::F64(v) => v.clear(),
        Samples::I8(v) => v.clear(),
        Samples::I16(v) => v.clear(),
        Samples::I32(v) => v.clear(),
        Samples::I64(v) => v.clear(),
        Samples::Text(v) => v.clear(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_apply_in_order_in_every_format() {
        let src = Samples::F32(vec![1.0, -5.0, 3.0, 4.0, 5.0, 6.0]);
        let mut dst = Samples::F64(Vec::new());
        append(
            &src,
            &mut dst,
            1,
            3,
            &[(1, Edit::Clip(4.5)), (2, Edit::Set(f64::NAN))],
        );
        let Samples::F32(v) = &dst else {
            panic!("{dst:?}")
        };
        assert_eq!(v[..2], [4.0, 4.5]);
        assert!(v[2].is_nan());
        let src = Samples::I16(vec![10, -20]);
        let mut dst = empty_like(&src);
        append(
            &src,
            &mut dst,
            0,
            2,
            &[(1, Edit::Add(2.0)), (0, Edit::Set(f64::NAN))],
        );
        assert_eq!(dst, Samples::I16(vec![0, -18]));
        assert_eq!(value(&src, 0, 2, 1), -20.0);
    }
}
