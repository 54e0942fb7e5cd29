//! LSL outlets through `lsl-sys` (liblsl's C API).
//!
//! The `lsl` crate's safe wrapper takes one `Vec` per sample and asserts (panics) on a
//! length mismatch; the engine pushes whole chunks with one timestamp per sample from
//! reused buffers, so it calls the C API (`lsl_push_chunk_*tnp`) directly here, behind a
//! small safe type.

use crate::error::{HostError, Result};
use crate::output::{Outlet, OutletSpec, Output, SampleKind, ValueFormat, Values};
use lsl_sys as sys;
use std::ffi::{c_char, CString};

/// LSL's clock (seconds, monotonic; the clock of every timestamp).
pub fn local_clock() -> f64 {
    // SAFETY: a pure function of liblsl without preconditions.
    unsafe { sys::lsl_local_clock() }
}

/// Publishes to real LSL outlets.
#[derive(Debug, Default, Clone, Copy)]
pub struct LslOutput;

impl Output for LslOutput {
    fn create(&self, spec: &OutletSpec) -> Result<Box<dyn Outlet>> {
        Ok(Box::new(LslOutlet::new(spec)?))
    }
    fn now(&self) -> f64 {
        local_clock()
    }
}

/// A text argument for liblsl: interior NULs cannot cross, so they are dropped.
pub(crate) fn c_text(s: &str) -> CString {
    CString::new(s.replace('\0', "")).unwrap_or_default()
}

struct StreamInfoHandle(sys::lsl_streaminfo);

impl Drop for StreamInfoHandle {
    fn drop(&mut self) {
        // SAFETY: the handle came from lsl_create_streaminfo and is destroyed once.
        unsafe { sys::lsl_destroy_streaminfo(self.0) }
    }
}

fn append_child(parent: sys::lsl_xml_ptr, name: &str) -> sys::lsl_xml_ptr {
    let name = c_text(name);
    // SAFETY: parent is a valid node of a live stream info; liblsl copies the name.
    unsafe { sys::lsl_append_child(parent, name.as_ptr()) }
}

fn append_value(parent: sys::lsl_xml_ptr, name: &str, value: &str) {
    let (name, value) = (c_text(name), c_text(value));
    // SAFETY: as above; liblsl copies both strings.
    unsafe {
        sys::lsl_append_child_value(parent, name.as_ptr(), value.as_ptr());
    }
}

/// Appends `value` under `parent` at `path`, where `/` separates nested elements
/// (`loc/R0x`); intermediate elements are reused when they exist.
fn append_path(parent: sys::lsl_xml_ptr, path: &str, value: &str) {
    let mut node = parent;
    let mut parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let Some(leaf) = parts.pop() else {
        return;
    };
    for part in parts {
        let name = c_text(part);
        // SAFETY: node is a valid element of a live stream info; liblsl copies the name.
        let existing = unsafe { sys::lsl_child(node, name.as_ptr()) };
        // SAFETY: `existing` is a node handle (possibly the empty node) from liblsl.
        node = if unsafe { sys::lsl_empty(existing) } != 0 {
            append_child(node, part)
        } else {
            existing
        };
    }
    append_value(node, leaf, value);
}

fn build_info(spec: &OutletSpec) -> Result<StreamInfoHandle> {
    let format = match spec.sample_kind {
        SampleKind::Numeric(ValueFormat::Float32) => sys::lsl_channel_format_t_cft_float32,
        SampleKind::Numeric(ValueFormat::Float64) => sys::lsl_channel_format_t_cft_double64,
        SampleKind::Text => sys::lsl_channel_format_t_cft_string,
    };
    let channels = i32::try_from(spec.channels.len())
        .map_err(|_| HostError::Lsl(format!("{}: too many channels", spec.name)))?;
    let (name, kind, source_id) = (
        c_text(&spec.name),
        c_text(&spec.content_type),
        c_text(&spec.source_id),
    );
    // SAFETY: valid C strings that liblsl copies.
    let handle = unsafe {
        sys::lsl_create_streaminfo(
            name.as_ptr(),
            kind.as_ptr(),
            channels,
            spec.nominal_rate,
            format,
            source_id.as_ptr(),
        )
    };
    if handle.is_null() {
        return Err(HostError::Lsl(format!(
            "{}: liblsl could not create the stream info",
            spec.name
        )));
    }
    let info = StreamInfoHandle(handle);
    // SAFETY: the info is valid; the desc node lives as long as it.
    let desc = unsafe { sys::lsl_get_desc(info.0) };
    let chans = append_child(desc, "channels");
    for ch in &spec.channels {
        let node = append_child(chans, "channel");
        append_value(node, "label", &ch.label);
        append_value(node, "type", &ch.kind);
        append_value(node, "unit", &ch.unit);
        for (key, value) in &ch.extra {
            if !matches!(key.as_str(), "label" | "type" | "unit") {
                append_path(node, key, value);
            }
        }
    }
    let player = append_child(desc, "player");
    for (k, v) in &spec.provenance {
        append_value(player, k, v);
    }
    Ok(info)
}

/// One LSL outlet.
struct LslOutlet {
    handle: sys::lsl_outlet,
    name: String,
    channels: usize,
    text_ptrs: Vec<*const c_char>,
}

// SAFETY: liblsl outlets are thread-safe; the handle is owned by this value alone.
unsafe impl Send for LslOutlet {}

impl LslOutlet {
    fn new(spec: &OutletSpec) -> Result<Self> {
        let info = build_info(spec)?;
        // chunk_size 0: each push is one transmission; max_buffered: 360 s (or 36000
        // samples for irregular streams), liblsl's default.
        // SAFETY: the info is valid; liblsl copies it.
        let handle = unsafe { sys::lsl_create_outlet(info.0, 0, 360) };
        if handle.is_null() {
            return Err(HostError::Lsl(format!(
                "{}: liblsl could not create the outlet",
                spec.name
            )));
        }
        Ok(LslOutlet {
            handle,
            name: spec.name.clone(),
            channels: spec.channels.len(),
            text_ptrs: Vec::new(),
        })
    }

    fn check(&self, code: i32) -> Result<()> {
        if code < 0 {
            Err(HostError::Lsl(format!(
                "{}: push failed (liblsl error {code})",
                self.name
            )))
        } else {
            Ok(())
        }
    }
}

impl Outlet for LslOutlet {
    fn push(&mut self, values: Values<'_>, stamps: &[f64]) -> Result<()> {
        let len = match values {
            Values::F32(v) => v.len(),
            Values::F64(v) => v.len(),
            Values::Text(v) => v.len(),
        };
        if len != stamps.len() * self.channels || stamps.is_empty() {
            return Err(HostError::Lsl(format!(
                "{}: chunk of {len} values does not hold {} frames of {} channels",
                self.name,
                stamps.len(),
                self.channels
            )));
        }
        let elements = len as std::ffi::c_ulong;
        // SAFETY: the buffers hold `elements` values and `stamps.len()` timestamps, checked
        // above; liblsl copies them before returning.
        let code = unsafe {
            match values {
                Values::F32(v) => {
                    sys::lsl_push_chunk_ftnp(self.handle, v.as_ptr(), elements, stamps.as_ptr(), 1)
                }
                Values::F64(v) => {
                    sys::lsl_push_chunk_dtnp(self.handle, v.as_ptr(), elements, stamps.as_ptr(), 1)
                }
                Values::Text(v) => {
                    self.text_ptrs.clear();
                    self.text_ptrs.extend(v.iter().map(|s| s.as_ptr()));
                    sys::lsl_push_chunk_strtnp(
                        self.handle,
                        self.text_ptrs.as_mut_ptr(),
                        elements,
                        stamps.as_ptr(),
                        1,
                    )
                }
            }
        };
        self.check(code)
    }

    fn have_consumers(&self) -> bool {
        // SAFETY: the handle is valid until drop.
        unsafe { sys::lsl_have_consumers(self.handle) != 0 }
    }
}

impl Drop for LslOutlet {
    fn drop(&mut self) {
        // SAFETY: created by lsl_create_outlet, destroyed once.
        unsafe { sys::lsl_destroy_outlet(self.handle) }
    }
}
