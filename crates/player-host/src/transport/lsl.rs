//! LSL outlets through liblsl's C API.
//!
//! The `lsl` crate's safe wrapper takes one `Vec` per sample and asserts (panics) on a
//! length mismatch; the engine pushes whole chunks with one timestamp per sample from
//! reused buffers, so it calls the C API (`lsl_push_chunk_*tnp`) directly here, behind a
//! small safe type. Every call goes through the table of the liblsl in use
//! ([`crate::transport::liblsl`]: a current one when available, the bundled 1.13 otherwise).

use crate::error::{HostError, Result};
use crate::transport::clock::local_clock;
use crate::transport::liblsl::{self, sys, Api};
use crate::transport::reserve::{self, Reserve};
use crate::transport::sockets::SocketTable;
use crate::transport::{
    Census, Linger, Outlet, OutletPlan, OutletSpec, Output, Values, WireFormat,
};
use std::ffi::{c_char, CStr, CString};
use std::time::Duration;

/// The liblsl for outlets: an unusable `PLAYER_LIBLSL` is an error here.
fn lib() -> Result<&'static liblsl::Liblsl> {
    liblsl::get().map_err(|e| HostError::Lsl(e.to_string()))
}

/// The table of C functions (for calls on objects made from [`lib`]).
fn api() -> &'static Api {
    liblsl::api()
}

/// Publishes to real LSL outlets.
#[derive(Debug, Clone, Copy)]
pub struct LslOutput {
    linger_max: Duration,
    max_buffered: MaxBuffered,
}

/// How long outlets wait at most, after a run, for their consumers to take the last
/// chunks.
pub const DEFAULT_LINGER_MAX: Duration = Duration::from_secs(10);

/// What an outlet may hold for one consumer that stops taking data, by default: 64 MiB.
pub const DEFAULT_MAX_BUFFERED: MaxBuffered = MaxBuffered::Bytes(64 << 20);

/// liblsl's own default and the longest the host buffers: 360 s (6 minutes).
pub const MAX_BUFFERED_SECONDS_CAP: f64 = 360.0;

/// How much an outlet keeps for each consumer that does not take its data (liblsl then
/// drops the oldest samples for that consumer alone); liblsl allocates the queue of
/// sample pointers when a consumer connects and each sample as it is pushed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MaxBuffered {
    /// At most this many bytes of samples per consumer (the queue is sized from the
    /// stream's channels and format: [`sample_bytes`]).
    Bytes(u64),
    /// At most this many seconds of data per consumer (for irregular streams, 100
    /// samples per second, as liblsl counts).
    Seconds(f64),
}

impl Default for LslOutput {
    fn default() -> Self {
        LslOutput {
            linger_max: DEFAULT_LINGER_MAX,
            max_buffered: DEFAULT_MAX_BUFFERED,
        }
    }
}

impl LslOutput {
    /// Bounds what each outlet keeps for a consumer that stops taking data (default
    /// [`DEFAULT_MAX_BUFFERED`]; e.g. `MaxBuffered::Seconds(s)` for `--max-buffered S`).
    pub fn max_buffered(mut self, bound: MaxBuffered) -> Self {
        self.max_buffered = bound;
        self
    }
}

/// The memory one buffered sample of `spec` costs liblsl: the values, the sample's
/// header (reference count, timestamp, links: 48 bytes, rounded up to 16), and its slot
/// in the consumer's queue (8 bytes); a string is counted as 48 bytes.
pub fn sample_bytes(spec: &OutletSpec) -> u64 {
    let value = match spec.format {
        WireFormat::Int8 => 1,
        WireFormat::Int16 => 2,
        WireFormat::Float32 | WireFormat::Int32 => 4,
        WireFormat::Float64 | WireFormat::Int64 => 8,
        WireFormat::String => 48,
    };
    let sample = (48 + value * spec.channels.len() as u64).div_ceil(16) * 16;
    sample + 8
}

/// The number of samples an outlet of `spec` keeps per consumer under `bound`: at least
/// one chunk's worth (1), at most [`MAX_BUFFERED_SECONDS_CAP`] of data.
pub fn buffered_samples(spec: &OutletSpec, bound: MaxBuffered) -> u64 {
    // liblsl counts 100 samples per "second" of an irregular stream.
    let per_second = if spec.nominal_rate > 0.0 {
        spec.nominal_rate
    } else {
        100.0
    };
    let cap = (MAX_BUFFERED_SECONDS_CAP * per_second) as u64;
    let samples = match bound {
        MaxBuffered::Bytes(b) => b / sample_bytes(spec),
        MaxBuffered::Seconds(s) => (s.max(0.0) * per_second) as u64,
    };
    samples.clamp(1, cap.max(1))
}

/// Creates the outlet of `info` keeping `samples` per consumer: exactly, through
/// `lsl_create_outlet_ex` (liblsl 1.14+, and the bundled 1.13, to which the build adds
/// it); with a liblsl 1.13 from elsewhere, in whole seconds of data, at least 1 (its only
/// unit).
fn create_outlet(
    lib: &liblsl::Liblsl,
    info: sys::lsl_streaminfo,
    rate: f64,
    samples: u64,
) -> sys::lsl_outlet {
    let exact = i32::try_from(samples).unwrap_or(i32::MAX);
    // chunk_size 0: each push is one transmission.
    // SAFETY: the info is valid; liblsl copies it.
    unsafe {
        match lib.create_outlet_ex {
            Some(ex) => ex(info, 0, exact, liblsl::TRANSP_BUFSIZE_SAMPLES),
            None => {
                let per_second = if rate > 0.0 { rate } else { 100.0 };
                let seconds = ((samples as f64 / per_second).round() as i32).max(1);
                (lib.api.lsl_create_outlet)(info, 0, seconds)
            }
        }
    }
}

impl Output for LslOutput {
    /// Sets liblsl's reserve for these outlets ([`reserve`]), once per process.
    fn prepare(&self, outlets: &[OutletPlan<'_>]) -> Result<()> {
        reserve::install(lib()?, Reserve::for_outlets(outlets)).map(|_| ())
    }

    fn create(&self, spec: &OutletSpec) -> Result<Box<dyn Outlet>> {
        let lib = lib()?;
        // An outlet created without `prepare` (a program calling `create` itself) sets
        // the reserve for itself, as if it pushed one frame at a time.
        let plan = OutletPlan {
            spec,
            chunk_size: 1,
        };
        let reserve = reserve::install(lib, Reserve::for_outlets(&[plan]))?;
        reserve::check(spec, reserve)?;
        let samples = buffered_samples(spec, self.max_buffered);
        Ok(Box::new(LslOutlet::new(lib, spec, samples)?))
    }
    fn now(&self) -> f64 {
        local_clock()
    }
    /// liblsl sends asynchronously: the last chunks may still be queued for a consumer
    /// that lags. The outlets' data connections say when they have been taken
    /// ([`crate::transport::sockets`]); a short settle time covers liblsl's hand-off from its queue
    /// to the connection, and the old fixed second is kept where the system cannot tell.
    fn linger(&self) -> Linger {
        Linger {
            settle: Duration::from_millis(250),
            blind: Duration::from_secs(1),
            max: self.linger_max,
        }
    }
    /// The process's TCP sockets, read once for all outlets (each finds its data ports').
    fn census(&self) -> Census {
        SocketTable::read().map_or_else(Census::unknown, Census::new)
    }
}

/// A text argument for liblsl: interior NULs cannot cross, so they are dropped.
fn c_text(s: &str) -> CString {
    CString::new(s.replace('\0', "")).unwrap_or_default()
}

struct StreamInfoHandle(sys::lsl_streaminfo);

impl Drop for StreamInfoHandle {
    fn drop(&mut self) {
        // SAFETY: the handle came from lsl_create_streaminfo and is destroyed once.
        unsafe { (api().lsl_destroy_streaminfo)(self.0) }
    }
}

fn append_child(parent: sys::lsl_xml_ptr, name: &str) -> sys::lsl_xml_ptr {
    let name = c_text(name);
    // SAFETY: parent is a valid node of a live stream info; liblsl copies the name.
    unsafe { (api().lsl_append_child)(parent, name.as_ptr()) }
}

fn append_value(parent: sys::lsl_xml_ptr, name: &str, value: &str) {
    let (name, value) = (c_text(name), c_text(value));
    // SAFETY: as above; liblsl copies both strings.
    unsafe {
        (api().lsl_append_child_value)(parent, name.as_ptr(), value.as_ptr());
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
        let existing = unsafe { (api().lsl_child)(node, name.as_ptr()) };
        // SAFETY: `existing` is a node handle (possibly the empty node) from liblsl.
        node = if unsafe { (api().lsl_empty)(existing) } != 0 {
            append_child(node, part)
        } else {
            existing
        };
    }
    append_value(node, leaf, value);
}

fn build_info(lib: &liblsl::Liblsl, spec: &OutletSpec) -> Result<StreamInfoHandle> {
    let format = match spec.format {
        WireFormat::Float32 => sys::lsl_channel_format_t_cft_float32,
        WireFormat::Float64 => sys::lsl_channel_format_t_cft_double64,
        WireFormat::Int8 => sys::lsl_channel_format_t_cft_int8,
        WireFormat::Int16 => sys::lsl_channel_format_t_cft_int16,
        WireFormat::Int32 => sys::lsl_channel_format_t_cft_int32,
        WireFormat::Int64 => sys::lsl_channel_format_t_cft_int64,
        WireFormat::String => sys::lsl_channel_format_t_cft_string,
    };
    let channels = i32::try_from(spec.channels.len())
        .map_err(|_| HostError::Lsl(format!("{}: too many channels", spec.name)))?;
    let handle = match &spec.desc_xml {
        Some(desc) => info_with_recorded_desc(spec, channels, spec.format.lsl_name(), desc),
        None => std::ptr::null_mut(),
    };
    let recorded_desc = !handle.is_null();
    let handle = if recorded_desc {
        handle
    } else {
        let (name, kind, source_id) = (
            c_text(&spec.name),
            c_text(&spec.content_type),
            c_text(&spec.source_id),
        );
        // SAFETY: valid C strings that liblsl copies.
        unsafe {
            (api().lsl_create_streaminfo)(
                name.as_ptr(),
                kind.as_ptr(),
                channels,
                spec.nominal_rate,
                format,
                source_id.as_ptr(),
            )
        }
    };
    if handle.is_null() {
        return Err(HostError::Lsl(format!(
            "{}: liblsl could not create the stream info",
            spec.name
        )));
    }
    let info = StreamInfoHandle(handle);
    // SAFETY: the info is valid; the desc node lives as long as it.
    let desc = unsafe { (api().lsl_get_desc)(info.0) };
    if !recorded_desc {
        append_channels(desc, &spec.channels);
    }
    let player = append_child(desc, "player");
    for (k, v) in &spec.provenance {
        append_value(player, k, v);
    }
    append_value(player, "liblsl", &lib.about.location());
    append_value(player, "liblsl_version", &lib.about.version_text());
    Ok(info)
}

/// `desc/channels/channel/{label,type,unit,...}` for every channel.
fn append_channels(desc: sys::lsl_xml_ptr, channels: &[player_api::ChannelInfo]) {
    let chans = append_child(desc, "channels");
    for ch in channels {
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
}

/// A stream info whose `<desc>` is a recorded one (XDF), through liblsl's XML parser; null
/// when liblsl refuses the XML (the caller then builds the desc itself).
fn info_with_recorded_desc(
    spec: &OutletSpec,
    channels: i32,
    format_name: &str,
    desc: &str,
) -> sys::lsl_streaminfo {
    let xml = format!(
        "<?xml version=\"1.0\"?><info><name>{}</name><type>{}</type>\
         <channel_count>{channels}</channel_count><nominal_srate>{}</nominal_srate>\
         <channel_format>{format_name}</channel_format><source_id>{}</source_id>\
         <version>1.1</version><created_at>0</created_at><uid>player-host</uid><session_id>default</session_id>\
         <hostname></hostname><v4address></v4address><v4data_port>0</v4data_port>\
         <v4service_port>0</v4service_port><v6address></v6address><v6data_port>0</v6data_port>\
         <v6service_port>0</v6service_port>{desc}</info>",
        xml_escape(&spec.name),
        xml_escape(&spec.content_type),
        spec.nominal_rate,
        xml_escape(&spec.source_id),
    );
    let xml = c_text(&xml);
    // SAFETY: a valid C string that liblsl parses and copies; null on failure.
    let info = unsafe { (api().lsl_streaminfo_from_xml)(xml.as_ptr()) };
    // liblsl does not fail on bad XML: it returns a blank info named "(invalid: ...)".
    // SAFETY: `info` is checked for null before use and destroyed if refused.
    unsafe {
        if !info.is_null() && (api().lsl_get_channel_count)(info) != channels {
            (api().lsl_destroy_streaminfo)(info);
            return std::ptr::null_mut();
        }
    }
    info
}

/// The TCP data ports of an outlet, from its stream info (`v4data_port`, `v6data_port`).
fn data_ports(outlet: sys::lsl_outlet) -> Vec<u16> {
    let api = api();
    // SAFETY: the outlet is valid; the info copy and the XML string are released here.
    let xml = unsafe {
        let info = (api.lsl_get_info)(outlet);
        if info.is_null() {
            return Vec::new();
        }
        let text = (api.lsl_get_xml)(info);
        let xml = if text.is_null() {
            String::new()
        } else {
            let s = CStr::from_ptr(text).to_string_lossy().into_owned();
            (api.lsl_destroy_string)(text);
            s
        };
        (api.lsl_destroy_streaminfo)(info);
        xml
    };
    ["v4data_port", "v6data_port"]
        .iter()
        .filter_map(|tag| xml_element(&xml, tag)?.trim().parse::<u16>().ok())
        .filter(|&p| p != 0)
        .collect()
}

/// The text of the first `<tag>` element of `xml`.
fn xml_element<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))?;
    Some(&xml[start..start + end])
}

/// Escapes text for an XML element's content.
fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// One LSL outlet.
struct LslOutlet {
    handle: sys::lsl_outlet,
    name: String,
    channels: usize,
    /// The outlet's TCP data ports (IPv4, IPv6), where its consumers connect.
    data_ports: Vec<u16>,
    /// The C strings of the text chunk being pushed, and pointers to them (reused).
    text: Vec<CString>,
    text_ptrs: Vec<*const c_char>,
}

// SAFETY: liblsl outlets are thread-safe; the handle is owned by this value alone.
unsafe impl Send for LslOutlet {}

impl LslOutlet {
    fn new(lib: &liblsl::Liblsl, spec: &OutletSpec, buffered: u64) -> Result<Self> {
        let info = build_info(lib, spec)?;
        let handle = create_outlet(lib, info.0, spec.nominal_rate, buffered);
        if handle.is_null() {
            return Err(HostError::Lsl(format!(
                "{}: liblsl could not create the outlet{}",
                spec.name,
                fd_limit_hint()
            )));
        }
        Ok(LslOutlet {
            handle,
            name: spec.name.clone(),
            channels: spec.channels.len(),
            data_ports: data_ports(handle),
            text: Vec::new(),
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
        let len = values.len();
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
                Values::F32(v) => (api().lsl_push_chunk_ftnp)(
                    self.handle,
                    v.as_ptr(),
                    elements,
                    stamps.as_ptr(),
                    1,
                ),
                Values::F64(v) => (api().lsl_push_chunk_dtnp)(
                    self.handle,
                    v.as_ptr(),
                    elements,
                    stamps.as_ptr(),
                    1,
                ),
                Values::I8(v) => (api().lsl_push_chunk_ctnp)(
                    self.handle,
                    v.as_ptr().cast(),
                    elements,
                    stamps.as_ptr(),
                    1,
                ),
                Values::I16(v) => (api().lsl_push_chunk_stnp)(
                    self.handle,
                    v.as_ptr(),
                    elements,
                    stamps.as_ptr(),
                    1,
                ),
                Values::I32(v) => (api().lsl_push_chunk_itnp)(
                    self.handle,
                    v.as_ptr(),
                    elements,
                    stamps.as_ptr(),
                    1,
                ),
                Values::I64(v) => (api().lsl_push_chunk_ltnp)(
                    self.handle,
                    v.as_ptr().cast(),
                    elements,
                    stamps.as_ptr(),
                    1,
                ),
                Values::Text(v) => {
                    self.text.clear();
                    self.text.extend(v.iter().map(|s| c_text(s)));
                    self.text_ptrs.clear();
                    self.text_ptrs.extend(self.text.iter().map(|s| s.as_ptr()));
                    (api().lsl_push_chunk_strtnp)(
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
        unsafe { (api().lsl_have_consumers)(self.handle) != 0 }
    }

    fn backlog(&self, census: &Census) -> Option<u64> {
        if self.data_ports.is_empty() {
            return None;
        }
        census
            .get::<SocketTable>()
            .map(|t| t.unsent(&self.data_ports))
    }
}

impl Drop for LslOutlet {
    fn drop(&mut self) {
        // SAFETY: created by lsl_create_outlet, destroyed once.
        unsafe { (api().lsl_destroy_outlet)(self.handle) }
    }
}

/// When the process is at its limit of open files (each outlet holds several sockets and
/// descriptors), what to do about it; else nothing.
fn fd_limit_hint() -> String {
    #[cfg(target_os = "linux")]
    {
        let emfile = std::io::Error::last_os_error().raw_os_error() == Some(libc::EMFILE);
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes one `rlimit` into the struct we pass.
        let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
        // Listing /proc/self/fd needs a descriptor too: failing to is the same sign.
        let open = std::fs::read_dir("/proc/self/fd").map(|d| d.count() as u64);
        let full = match open {
            Ok(n) => n * 10 >= limit.rlim_cur * 9,
            Err(_) => true,
        };
        if ok && (emfile || full) {
            let err = std::io::Error::from_raw_os_error(libc::EMFILE);
            if let Some(hint) = player_api::io::open_files_limit(&err) {
                return format!(
                    ": {hint} (every outlet needs several, fewer with liblsl's IPv6 off: \
                     `IPv6 = disable` under `[ports]` in its configuration, `--lsl-config`)"
                );
            }
        }
    }
    String::new()
}

#[cfg(test)]
mod tests;
