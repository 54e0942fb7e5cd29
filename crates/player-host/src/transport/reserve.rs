//! liblsl's **reserve**: the samples each outlet preallocates when it is created.
//!
//! liblsl sizes an outlet's sample pool from its configuration, once per process:
//! `OutletBufferReserveMs` (default 5000) of samples at the stream's rate, or
//! `OutletBufferReserveSamples` (default 128) for irregular streams, in the `[tuning]`
//! section of `lsl_api.cfg`. Five seconds is what a program that pushes in bursts may need;
//! the player pushes each chunk when it is due, so its outlets hold about a chunk at a
//! time, and 5 s of a header's rate and channels (80 channels at 1 MHz: 1.8 GB) would be
//! memory a file could make the player take. Samples beyond the reserve are allocated
//! when needed and kept in the outlet's pool for reuse, so a small reserve costs a few
//! allocations at the start, nothing after.
//!
//! So the player sets the reserve for the outlets it is about to create ([`Reserve::for_outlets`]:
//! two chunks of the stream whose chunks last longest, all outlets together at most
//! [`RESERVE_BUDGET`]), and gives liblsl the user's configuration with those two keys
//! replaced ([`merged_config`]; every other setting is kept). liblsl reads its
//! configuration once per process, so the first outlets' reserve holds for the life of
//! the process ([`install`]); an outlet whose reserve would pass [`RESERVE_OUTLET_MAX`] at
//! that setting is refused by name ([`check`]).

use crate::error::{HostError, Result};
use crate::transport::liblsl::Liblsl;
use crate::transport::lsl::sample_bytes;
use crate::transport::lsl_config;
use crate::transport::{OutletPlan, OutletSpec};
use std::ffi::CString;
use std::io::Write;
use std::sync::{Mutex, OnceLock};

/// The most that all the outlets of one run preallocate together: 16 MiB (the reserve is
/// made shorter to fit, down to nothing).
pub const RESERVE_BUDGET: u64 = 16 << 20;

/// The most one outlet may preallocate at the process's reserve (an outlet created after
/// the reserve was set for other streams): 256 MiB.
pub const RESERVE_OUTLET_MAX: u64 = 256 << 20;

/// The largest user configuration file merged (liblsl's are a few hundred bytes).
const CONFIG_MAX_BYTES: u64 = 1 << 20;

/// What liblsl preallocates per outlet: `ms` of samples at a regular stream's rate,
/// `samples` for an irregular stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reserve {
    /// `OutletBufferReserveMs`.
    pub ms: u32,
    /// `OutletBufferReserveSamples`.
    pub samples: u32,
}

impl Reserve {
    /// liblsl's own defaults (5 s; 128 samples).
    pub const LIBLSL_DEFAULT: Reserve = Reserve {
        ms: 5000,
        samples: 128,
    };

    /// The reserve for `outlets`: two chunks of the regular stream whose chunks last
    /// longest (in ms, rounded up) and of the largest irregular chunk (in samples),
    /// shortened until every outlet's reserve fits in [`RESERVE_BUDGET`] together, and
    /// never more than liblsl's defaults.
    pub fn for_outlets(outlets: &[OutletPlan<'_>]) -> Reserve {
        let (regular, irregular): (Vec<_>, Vec<_>) =
            outlets.iter().partition(|o| o.spec.nominal_rate > 0.0);
        let chunks = |o: &OutletPlan<'_>| 2 * o.chunk_size.max(1) as u64;
        let want_ms = regular
            .iter()
            .map(|o| (chunks(o) as f64 * 1000.0 / o.spec.nominal_rate).ceil() as u64)
            .max()
            .unwrap_or(1);
        let want_samples = irregular.iter().map(chunks).max().unwrap_or(1);
        // Bytes per ms of reserve (regular) and per sample of reserve (irregular).
        let per_ms: f64 = regular
            .iter()
            .map(|o| o.spec.nominal_rate / 1000.0 * pool_bytes(o.spec) as f64)
            .sum();
        let per_sample: u64 = irregular.iter().map(|o| pool_bytes(o.spec)).sum();
        let (budget_regular, budget_irregular) = if irregular.is_empty() {
            (RESERVE_BUDGET, 0)
        } else {
            (RESERVE_BUDGET / 2, RESERVE_BUDGET / 2)
        };
        let fit_ms = if per_ms > 0.0 {
            (budget_regular as f64 / per_ms).floor() as u64
        } else {
            u64::MAX
        };
        let fit_samples = budget_irregular.checked_div(per_sample).unwrap_or(u64::MAX);
        Reserve {
            ms: want_ms.min(fit_ms).min(u64::from(Self::LIBLSL_DEFAULT.ms)) as u32,
            samples: want_samples
                .min(fit_samples)
                .clamp(1, u64::from(Self::LIBLSL_DEFAULT.samples)) as u32,
        }
    }

    /// The samples liblsl preallocates for an outlet of `spec` (its arithmetic: the rate
    /// times the milliseconds, truncated; at least one).
    pub fn samples_for(&self, spec: &OutletSpec) -> u64 {
        let n = if spec.nominal_rate > 0.0 {
            (spec.nominal_rate * f64::from(self.ms) / 1000.0).min(u64::MAX as f64) as u64
        } else {
            u64::from(self.samples)
        };
        n.max(1)
    }

    /// The bytes liblsl preallocates for an outlet of `spec`.
    pub fn bytes_for(&self, spec: &OutletSpec) -> u64 {
        self.samples_for(spec).saturating_mul(pool_bytes(spec))
    }
}

/// One sample in liblsl's pool: [`sample_bytes`] without the consumer queue's slot.
fn pool_bytes(spec: &OutletSpec) -> u64 {
    sample_bytes(spec) - 8
}

/// `user` (the text of a liblsl configuration file, if any) with `reserve` as its
/// `OutletBufferReserveMs` and `OutletBufferReserveSamples`: those two keys of its
/// `[tuning]` section are replaced, every other line is kept as it was.
pub fn merged_config(user: Option<&str>, reserve: Reserve) -> String {
    let ours = format!(
        "; set by player-host for its outlets (the rest of this file is the user's)\n\
         OutletBufferReserveMs = {}\nOutletBufferReserveSamples = {}\n",
        reserve.ms, reserve.samples
    );
    let mut out = String::new();
    let mut in_tuning = false;
    let mut placed = false;
    for line in user.unwrap_or("").lines() {
        let trimmed = line.trim();
        if let Some(section) = section_name(trimmed) {
            in_tuning = section == "tuning";
            out.push_str(line);
            out.push('\n');
            if in_tuning && !placed {
                out.push_str(&ours);
                placed = true;
            }
            continue;
        }
        if in_tuning && is_reserve_key(trimmed) {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    if !placed {
        out.push_str("[tuning]\n");
        out.push_str(&ours);
    }
    out
}

/// `tuning` for a line `[tuning]` (the name between the brackets, trimmed).
fn section_name(line: &str) -> Option<&str> {
    let inner = line.strip_prefix('[')?;
    Some(inner[..inner.find(']')?].trim())
}

/// Whether `line` sets one of the two keys the player replaces.
fn is_reserve_key(line: &str) -> bool {
    if line.starts_with(';') || line.starts_with('#') {
        return false;
    }
    let key = line.split('=').next().unwrap_or("").trim();
    key == "OutletBufferReserveMs" || key == "OutletBufferReserveSamples"
}

/// The reserve in effect in this process, once the player has configured liblsl.
static INSTALLED: OnceLock<Reserve> = OnceLock::new();

/// Gives liblsl the user's configuration with `reserve` (see the module documentation),
/// once per process: the first call decides; later calls return the reserve in effect.
/// Call it before anything creates a stream info or an outlet.
pub fn install(lib: &Liblsl, reserve: Reserve) -> Result<Reserve> {
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(r) = INSTALLED.get() {
        return Ok(*r);
    }
    let user = read_user_config()?;
    let text = merged_config(user.as_deref(), reserve);
    match lib.set_config_content {
        // liblsl 1.16+: the content itself, read instead of any file.
        Some(set) => {
            let c = CString::new(text.replace('\0', "")).unwrap_or_default();
            // SAFETY: a valid C string that liblsl copies; then its configuration is read.
            unsafe {
                set(c.as_ptr());
                (lib.api.lsl_protocol_version)();
            }
        }
        None => load_through_file(lib, &text)?,
    }
    Ok(*INSTALLED.get_or_init(|| reserve))
}

/// Refuses an outlet whose reserve at `reserve` would pass [`RESERVE_OUTLET_MAX`], by name.
pub fn check(spec: &OutletSpec, reserve: Reserve) -> Result<()> {
    let bytes = reserve.bytes_for(spec);
    if bytes <= RESERVE_OUTLET_MAX {
        return Ok(());
    }
    Err(HostError::Lsl(format!(
        "{}: {} channels at {} Hz: liblsl would preallocate {:.1} GB for this outlet ({} ms of \
         samples, the reserve set for this process when its first outlets were created; at \
         most {} MiB per outlet): play it in a process of its own",
        spec.name,
        spec.channels.len(),
        spec.nominal_rate,
        bytes as f64 / 1e9,
        reserve.ms,
        RESERVE_OUTLET_MAX >> 20
    )))
}

/// The text of the configuration file liblsl would read (its lookup: `LSLAPICFG`,
/// `./lsl_api.cfg`, ...), if any.
fn read_user_config() -> Result<Option<String>> {
    let Some(path) = lsl_config::in_use() else {
        return Ok(None);
    };
    let fail = |e: std::io::Error| {
        HostError::Lsl(format!(
            "reading liblsl's configuration {}: {e}",
            path.display()
        ))
    };
    let file = std::fs::File::open(&path).map_err(fail)?;
    let mut text = String::new();
    use std::io::Read;
    file.take(CONFIG_MAX_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(fail)?;
    if text.len() as u64 > CONFIG_MAX_BYTES {
        return Err(HostError::Lsl(format!(
            "liblsl's configuration {} is over {} MiB: not a liblsl configuration",
            path.display(),
            CONFIG_MAX_BYTES >> 20
        )));
    }
    Ok(Some(text))
}

/// liblsl 1.13 reads a file only, named by `LSLAPICFG`: writes `text` to a private
/// temporary file, points `LSLAPICFG` at it while liblsl reads its configuration, then
/// puts `LSLAPICFG` back and removes the file.
fn load_through_file(lib: &Liblsl, text: &str) -> Result<()> {
    let io = |e: std::io::Error| HostError::Io {
        what: "writing liblsl's configuration for the outlets' reserve".into(),
        source: e,
    };
    let (path, mut file) = private_file().map_err(io)?;
    let written = file.write_all(text.as_bytes()).and_then(|()| file.flush());
    drop(file);
    if let Err(e) = written {
        let _ = std::fs::remove_file(&path);
        return Err(io(e));
    }
    let before = std::env::var_os(lsl_config::ENV);
    std::env::set_var(lsl_config::ENV, &path);
    // SAFETY: no preconditions; it makes liblsl read its configuration now.
    unsafe { (lib.api.lsl_protocol_version)() };
    match before {
        Some(v) => std::env::set_var(lsl_config::ENV, v),
        None => std::env::remove_var(lsl_config::ENV),
    }
    let _ = std::fs::remove_file(&path);
    Ok(())
}

/// A new file only this user can read, in the temporary directory.
fn private_file() -> std::io::Result<(std::path::PathBuf, std::fs::File)> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let mut last = None;
    for attempt in 0..16u32 {
        let name = format!(
            "player-host-lsl-{}-{nanos}-{attempt}.cfg",
            std::process::id()
        );
        let path = std::env::temp_dir().join(name);
        match options.open(&path) {
            Ok(f) => return Ok((path, f)),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no temporary file")))
}

#[cfg(test)]
mod tests;
