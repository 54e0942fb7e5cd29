//! Cache hints for the timing thread: while it pushes one stream's chunk, the memory the
//! next streams' pushes will read is asked for ahead, so that its loads overlap the
//! work in progress instead of waiting one after the other.
//!
//! With thousands of streams, each stream's data (its [`Playing`](super::playing::Playing),
//! its lateness histogram, its block) has left the cache by the time its next chunk is
//! due; 10 000 streams due at one instant were pushed one cache miss after another
//! (bench/README.md, "Many streams end on time"). A hint changes nothing the program
//! computes: it is a request to the CPU to load lines, which it may ignore, and it never
//! faults whatever the address.

use crate::transport::Values;

/// The size of a cache line on the processors this runs on.
const LINE: usize = 64;
/// The most bytes of a chunk's values hinted: the misses that matter are those of many
/// small pushes; a large chunk is read in order, which the CPU anticipates by itself.
const VALUES_MAX: usize = 4 * LINE;

/// Hints that the `bytes` bytes from `p` will be read soon.
#[inline]
pub(crate) fn bytes<T>(p: *const T, bytes: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let base = p.cast::<i8>();
        let mut at = 0;
        while at < bytes {
            // SAFETY: a prefetch is a hint: it reads nothing the program sees and never
            // faults, whatever the address (it is not even required to be mapped).
            #[allow(unused_unsafe)]
            unsafe {
                _mm_prefetch::<_MM_HINT_T0>(base.wrapping_add(at))
            };
            at += LINE;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (p, bytes);
}

/// Hints that `value` (its own bytes, not what it points to) will be read soon.
#[inline]
pub(crate) fn value<T>(value: &T) {
    bytes(value as *const T, std::mem::size_of::<T>());
}

/// Hints that the values `v` will be read soon.
#[inline]
pub(crate) fn values(v: &Values<'_>) {
    fn slice<T>(s: &[T]) {
        bytes(s.as_ptr(), std::mem::size_of_val(s).min(VALUES_MAX));
    }
    match v {
        Values::F32(s) => slice(s),
        Values::F64(s) => slice(s),
        Values::I8(s) => slice(s),
        Values::I16(s) => slice(s),
        Values::I32(s) => slice(s),
        Values::I64(s) => slice(s),
        Values::Text(s) => slice(s),
    }
}
