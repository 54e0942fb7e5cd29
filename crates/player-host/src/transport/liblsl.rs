//! Which liblsl the host uses, chosen once per process: a current one when available, the
//! bundled one otherwise.
//!
//! With the `bundled-liblsl` feature (the default: the CLI and source builds) the host is
//! linked with liblsl 1.13 (built from source by `lsl-sys`, as a static archive). A
//! current liblsl (1.16 and later) moves samples with fewer thread hand-offs and has no
//! 2 GiB limit on an outlet's sample pool, so the host prefers one when it can find one,
//! in this order:
//!
//! 1. `PLAYER_LIBLSL=/path/to/liblsl.so`: that library; one that fails the trust rule
//!    ([`crate::trust`]), cannot be loaded, lacks a function the host calls or is older
//!    than 1.16 is an error (never a silent fallback). The path is resolved (a relative
//!    one against the current directory), never looked up in the loader's search path.
//!    `PLAYER_LIBLSL=bundled` forces the built-in 1.13.
//! 2. Else the library the embedding program handed over with [`provide`] (the Python
//!    package hands over pylsl's), by absolute path, through the trust rule; one that
//!    cannot be used is an error.
//! 3. Else a `liblsl.so` (then `liblsl.so.2`) of the system's library directories
//!    ([`discover`]: the `ldconfig` cache, then the standard directories), by absolute
//!    path, the first that passes the trust rule and whose `lsl_library_version()` is at
//!    least 116 (1.16). Neither `LD_LIBRARY_PATH` nor the current directory is searched.
//! 4. Else the bundled 1.13; without the `bundled-liblsl` feature (the Python wheel,
//!    built without a C++ compiler), an error that says what to install. The clock then
//!    reads the same monotonic clock as liblsl ([`super::clock::local_clock`]), so that
//!    runs without LSL output still work.
//!
//! Like a plugin, a liblsl named by `PLAYER_LIBLSL` that fails the rule only for its
//! owner or permissions is loaded under `PLAYER_PLUGIN_UNSAFE=1`, with a warning
//! ([`Liblsl::warnings`]); a discovered one never is.
//!
//! Every call to liblsl goes through one table of function pointers ([`Api`]), filled
//! either from the loaded library or from the bundled static symbols, so that a process
//! never mixes the two.
//!
//! # Two copies in one process
//!
//! A loaded liblsl must not bind to the bundled copy's symbols (ELF interposition: the
//! dynamic linker resolves a shared library's global symbols to the executable's first,
//! if the executable exports them). The `player-host` executable exports no liblsl symbol
//! (`nm -D` lists none: Rust executables export nothing unless linked with
//! `-rdynamic`; the test `executable_exports_no_liblsl_symbol` checks it), and on Linux
//! the library is opened with `RTLD_DEEPBIND` as well, so that it resolves its own
//! symbols before any global one whatever the executable exports. The bundled copy's
//! own calls were bound at link time and cannot be diverted either.

use crate::trust::{self, Trusted};
// liblsl's C types (`sys`): lsl-sys's when liblsl is linked in, else those of `ffi` below.
#[cfg(not(feature = "bundled-liblsl"))]
pub(crate) use ffi as sys;
#[cfg(feature = "bundled-liblsl")]
pub(crate) use lsl_sys as sys;
use std::ffi::{c_char, c_double, c_int, c_ulong, c_void, CStr};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

mod discover;

/// The environment variable that names the liblsl to use (a path, or `bundled`).
pub const LIBLSL_ENV: &str = "PLAYER_LIBLSL";

/// The oldest liblsl the host loads dynamically: 1.16 (`lsl_library_version()` = 116).
pub const MIN_DYNAMIC_VERSION: i32 = 116;

/// The file names looked for in the system's library directories when `PLAYER_LIBLSL` is
/// not set.
#[cfg(target_os = "macos")]
const SYSTEM_NAMES: &[&str] = &["liblsl.dylib", "liblsl.2.dylib"];
#[cfg(windows)]
const SYSTEM_NAMES: &[&str] = &["lsl.dll"];
#[cfg(not(any(target_os = "macos", windows)))]
const SYSTEM_NAMES: &[&str] = &["liblsl.so", "liblsl.so.2"];

/// liblsl's C types as its header `lsl_c.h` declares them (the same as lsl-sys's), for a
/// build without the bundled liblsl. Compiled in tests of every build, where they are
/// checked against lsl-sys's.
#[cfg(any(not(feature = "bundled-liblsl"), test))]
pub mod ffi;

type Info = sys::lsl_streaminfo;
type Outlet = sys::lsl_outlet;
type Xml = sys::lsl_xml_ptr;
type Text = *const c_char;

/// Declares the table: one field per C function, named and typed as in liblsl's C API.
/// `bundled()` fills it from the static symbols (the compiler checks that every
/// signature matches lsl-sys's), `load()` from a dynamic library, by name.
macro_rules! api_table {
    ($( $name:ident : fn($($arg:ty),*) -> $ret:ty; )*) => {
        /// liblsl's C functions that the host calls, from one liblsl.
        #[allow(missing_docs)]
        #[derive(Clone, Copy)]
        pub struct Api {
            $( pub $name: unsafe extern "C" fn($($arg),*) -> $ret, )*
        }

        impl Api {
            /// The table of the statically linked liblsl 1.13.
            #[cfg(feature = "bundled-liblsl")]
            fn bundled() -> Self {
                Api { $( $name: sys::$name, )* }
            }

            /// The table of a loaded library; names the first missing function.
            fn from_library(lib: &Lib) -> Result<Self, String> {
                Ok(Api { $(
                    // SAFETY: the symbol is liblsl's C function of that name, whose
                    // signature is the field's (liblsl's C API is stable since 1.13).
                    $name: unsafe {
                        *lib.get::<unsafe extern "C" fn($($arg),*) -> $ret>(
                            concat!(stringify!($name), "\0").as_bytes(),
                        )
                        .map_err(|e| format!("lacks {}: {e}", stringify!($name)))?
                    },
                )* })
            }
        }
    };
}

api_table! {
    lsl_library_version: fn() -> i32;
    lsl_library_info: fn() -> Text;
    lsl_protocol_version: fn() -> i32;
    lsl_local_clock: fn() -> c_double;
    lsl_destroy_string: fn(*mut c_char) -> ();
    lsl_create_streaminfo: fn(Text, Text, i32, c_double, sys::lsl_channel_format_t, Text) -> Info;
    lsl_destroy_streaminfo: fn(Info) -> ();
    lsl_streaminfo_from_xml: fn(Text) -> Info;
    lsl_get_channel_count: fn(Info) -> i32;
    lsl_get_desc: fn(Info) -> Xml;
    lsl_get_xml: fn(Info) -> *mut c_char;
    lsl_append_child: fn(Xml, Text) -> Xml;
    lsl_append_child_value: fn(Xml, Text, Text) -> Xml;
    lsl_child: fn(Xml, Text) -> Xml;
    lsl_empty: fn(Xml) -> i32;
    lsl_create_outlet: fn(Info, i32, i32) -> Outlet;
    lsl_destroy_outlet: fn(Outlet) -> ();
    lsl_get_info: fn(Outlet) -> Info;
    lsl_have_consumers: fn(Outlet) -> i32;
    lsl_push_chunk_ftnp: fn(Outlet, *const f32, c_ulong, *const f64, i32) -> i32;
    lsl_push_chunk_dtnp: fn(Outlet, *const f64, c_ulong, *const f64, i32) -> i32;
    lsl_push_chunk_ctnp: fn(Outlet, *const c_char, c_ulong, *const f64, i32) -> i32;
    lsl_push_chunk_stnp: fn(Outlet, *const i16, c_ulong, *const f64, i32) -> i32;
    lsl_push_chunk_itnp: fn(Outlet, *const i32, c_ulong, *const f64, i32) -> i32;
    lsl_push_chunk_ltnp: fn(Outlet, *const i64, c_ulong, *const f64, i32) -> i32;
    lsl_push_chunk_strtnp: fn(Outlet, *mut Text, c_ulong, *const f64, i32) -> i32;
}

/// `lsl_create_outlet_ex` (liblsl 1.14 and later): `max_buffered` in samples with flag 1
/// (`transp_bufsize_samples`).
pub type CreateOutletEx = unsafe extern "C" fn(Info, i32, i32, c_int) -> Outlet;

/// `lsl_set_config_content` (liblsl 1.16 and later): the configuration to use instead of
/// any file, when called before liblsl reads its configuration.
pub type SetConfigContent = unsafe extern "C" fn(Text);

/// liblsl's `transp_bufsize_samples`: `max_buffered` counts samples.
pub const TRANSP_BUFSIZE_SAMPLES: c_int = 1;

#[cfg(feature = "bundled-liblsl")]
extern "C" {
    /// The bundled 1.13's `lsl_create_outlet_ex`, which 1.13 itself lacks: added to its build
    /// by `tools/cxx-liblsl-outlet-ex.h` (with [`TRANSP_BUFSIZE_SAMPLES`], `max_buffered` in
    /// samples; 1.13's own `lsl_create_outlet` keeps whole seconds, at least 1). A bundled
    /// liblsl built without that file lacks the symbol, and the player does not link.
    fn lsl_create_outlet_ex(info: Info, chunk_size: i32, max_buffered: i32, flags: c_int)
        -> Outlet;
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Api { .. }")
    }
}

/// The liblsl in use: its table, and what it is.
#[derive(Debug)]
pub struct Liblsl {
    /// The C functions.
    pub api: Api,
    /// `lsl_create_outlet_ex` when the library has it (1.14 and later, and the bundled 1.13,
    /// to which the build adds it).
    pub create_outlet_ex: Option<CreateOutletEx>,
    /// `lsl_set_config_content` when the library has it (not the bundled 1.13).
    pub set_config_content: Option<SetConfigContent>,
    /// What the library is.
    pub about: About,
    /// What the user should be told (a library loaded despite the trust rule).
    pub warnings: Vec<String>,
    /// Keeps a dynamically loaded library mapped for the life of the process.
    _lib: Option<Lib>,
}

/// Which liblsl is in use, for people and for `desc/player`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct About {
    /// `lsl_library_version()`: 113 for 1.13, 118 for 1.18.
    pub version: i32,
    /// The loaded file; `None` for the bundled (statically linked) library.
    pub path: Option<PathBuf>,
    /// `lsl_library_info()`: build details.
    pub build: String,
    /// Why this one was chosen (and, for the bundled one, what was looked for).
    pub reason: String,
}

impl About {
    /// `1.18`, from `lsl_library_version()`.
    pub fn version_text(&self) -> String {
        format!("{}.{}", self.version / 100, self.version % 100)
    }

    /// The file, or `bundled`.
    pub fn location(&self) -> String {
        match &self.path {
            Some(p) => p.display().to_string(),
            None => "bundled".into(),
        }
    }
}

impl std::fmt::Display for About {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.path {
            Some(p) => write!(
                f,
                "liblsl {} ({}; {})",
                self.version_text(),
                p.display(),
                self.reason
            ),
            None => write!(
                f,
                "liblsl {} (bundled; {})",
                self.version_text(),
                self.reason
            ),
        }
    }
}

#[cfg(unix)]
type Lib = libloading::os::unix::Library;
#[cfg(windows)]
type Lib = libloading::os::windows::Library;

static LIBLSL: OnceLock<Result<Liblsl, String>> = OnceLock::new();

/// The library handed over by [`provide`].
static PROVIDED: OnceLock<Provided> = OnceLock::new();

/// A liblsl the embedding program ships, and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Provided {
    path: PathBuf,
    origin: String,
}

/// What to do when the library named by `PLAYER_LIBLSL` cannot be used.
#[cfg(feature = "bundled-liblsl")]
const SETTING_HINT: &str = "unset it to use the bundled liblsl, or set it to `bundled`";
#[cfg(not(feature = "bundled-liblsl"))]
const SETTING_HINT: &str = "unset it to use pylsl's liblsl";

/// What to install when no liblsl is found (a build without the bundled one).
#[cfg(not(feature = "bundled-liblsl"))]
const INSTALL_HINT: &str = "install pylsl (`pip install pylsl`: its wheels ship liblsl; on \
     Linux only those for glibc 2.35 and later), or set PLAYER_LIBLSL to the absolute path \
     of a liblsl >= 1.16 (e.g. from `conda install -c conda-forge liblsl`)";

/// The liblsl of this process, chosen on first use (see the module documentation); an
/// error when `PLAYER_LIBLSL` or the library handed over by [`provide`] cannot be used,
/// or when none is found in a build without the bundled liblsl.
pub fn get() -> Result<&'static Liblsl, &'static str> {
    LIBLSL
        .get_or_init(|| choose(std::env::var_os(LIBLSL_ENV).as_deref(), PROVIDED.get()))
        .as_ref()
        .map_err(String::as_str)
}

/// Hands over the liblsl that the embedding program ships (the Python package: the one in
/// pylsl's wheel), to be used unless `PLAYER_LIBLSL` names one; `origin` says where it
/// comes from (`pylsl 1.18.6`), for [`describe`]. Call it before anything uses liblsl:
/// the library is loaded on first use. Refused: a path that is not absolute (a bare
/// name would be looked up by the system's loader, a relative path in the current
/// directory), a second, different library, and any library once liblsl is in use
/// without it.
pub fn provide(path: &Path, origin: &str) -> Result<(), String> {
    if !path.is_absolute() {
        return Err(format!(
            "liblsl must be named by an absolute path, not `{}`",
            path.display()
        ));
    }
    let want = Provided {
        path: path.to_path_buf(),
        origin: origin.to_string(),
    };
    if PROVIDED.set(want.clone()).is_err() {
        return match PROVIDED.get() {
            Some(had) if had.path == want.path => Ok(()),
            Some(had) => Err(format!(
                "cannot use {}: {} ({}) was handed over already",
                path.display(),
                had.path.display(),
                had.origin
            )),
            None => Ok(()),
        };
    }
    if LIBLSL.get().is_some() {
        return Err(format!(
            "cannot use {}: liblsl was chosen before it was handed over ({})",
            path.display(),
            describe()
        ));
    }
    Ok(())
}

/// The C functions to call: those of [`get`]. Only for calls on objects made from
/// [`get`]'s library (outlets, stream infos), which exist only when it succeeded; in a
/// build with the bundled liblsl, its table when `get` failed.
pub fn api() -> &'static Api {
    match get() {
        Ok(l) => &l.api,
        #[cfg(feature = "bundled-liblsl")]
        Err(_) => {
            static BUNDLED: OnceLock<Api> = OnceLock::new();
            BUNDLED.get_or_init(Api::bundled)
        }
        // Unreachable for the callers above: without a library there is no object.
        #[cfg(not(feature = "bundled-liblsl"))]
        Err(e) => panic!("liblsl called without a library: {e}"),
    }
}

/// One line that says which liblsl is in use (version, file or `bundled`, why), or why
/// none can be used: for `--version`, `plugins` and logs.
pub fn describe() -> String {
    match get() {
        Ok(l) => l.about.to_string(),
        Err(e) => format!("error: {e}"),
    }
}

/// The choice, given the value of `PLAYER_LIBLSL` and the library handed over.
fn choose(
    setting: Option<&std::ffi::OsStr>,
    provided: Option<&Provided>,
) -> Result<Liblsl, String> {
    match setting {
        Some(v) if v == "bundled" => return bundled_requested(),
        Some(v) if !v.is_empty() => {
            let path = Path::new(v);
            return named(path)
                .map_err(|e| format!("{LIBLSL_ENV}={}: {e} ({SETTING_HINT})", path.display()));
        }
        _ => {}
    }
    if let Some(p) = provided {
        return handed_over(p);
    }
    discovered()
}

/// The library `PLAYER_LIBLSL` names, through the trust rule and its escape hatch.
fn named(path: &Path) -> Result<Liblsl, String> {
    let (library, untrusted) = trust::admit(trust::check_library(path)).map_err(|u| {
        let bare = path.components().count() == 1 && !path.is_absolute();
        match &u.problem {
            trust::Problem::Unresolvable(_) if bare => format!(
                "{}; it takes a path (a bare name is resolved against the current \
                 directory, never looked up in the loader's search path): e.g. \
                 {LIBLSL_ENV}=/usr/lib/{}",
                u.summary(),
                path.display()
            ),
            trust::Problem::Unresolvable(_) | trust::Problem::NotAFile { .. } => u.summary(),
            _ => format!("untrusted: {u}"),
        }
    })?;
    let mut lib = load(&library, MIN_DYNAMIC_VERSION, format!("from {LIBLSL_ENV}"))?;
    if let Some(u) = untrusted {
        lib.warnings.push(format!(
            "{}=1: loading untrusted liblsl {}: {}",
            trust::UNSAFE_ENV,
            library.path().display(),
            u.summary()
        ));
    }
    Ok(lib)
}

/// The library the embedding program handed over, through the trust rule (no escape
/// hatch: the user did not name it).
fn handed_over(p: &Provided) -> Result<Liblsl, String> {
    let fail = |e: String| {
        format!(
            "the liblsl of {} ({}): {e} (set {LIBLSL_ENV} to another liblsl >= 1.16)",
            p.origin,
            p.path.display()
        )
    };
    let library = trust::check_library(&p.path).map_err(|u| {
        fail(match &u.problem {
            trust::Problem::Unresolvable(_) | trust::Problem::NotAFile { .. } => u.summary(),
            _ => format!("untrusted: {u}"),
        })
    })?;
    load(&library, MIN_DYNAMIC_VERSION, format!("from {}", p.origin)).map_err(fail)
}

/// The first usable liblsl of the system's library directories that passes the trust
/// rule (no escape hatch), else the bundled one (or, without it, an error), with what was
/// tried.
fn discovered() -> Result<Liblsl, String> {
    let mut tried = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for candidate in discover::candidates() {
        let library = match trust::check_library(&candidate) {
            Ok(t) => t,
            Err(u) => {
                tried.push(format!(
                    "{}: untrusted: {}",
                    candidate.display(),
                    u.summary()
                ));
                continue;
            }
        };
        if !seen.insert(library.path().to_path_buf()) {
            continue;
        }
        let reason = "found in the system's library directories".to_string();
        match load(&library, MIN_DYNAMIC_VERSION, reason) {
            Ok(l) => return Ok(l),
            Err(e) => tried.push(format!("{}: {e}", candidate.display())),
        }
    }
    let found = if tried.is_empty() {
        "none there".to_string()
    } else {
        tried.join("; ")
    };
    none_found(format!(
        "no liblsl >= 1.16 in the system's library directories ({found}); set {LIBLSL_ENV} \
         to use one"
    ))
}

/// `PLAYER_LIBLSL=bundled`: the bundled liblsl.
#[cfg(feature = "bundled-liblsl")]
fn bundled_requested() -> Result<Liblsl, String> {
    Ok(bundled(format!("{LIBLSL_ENV}=bundled")))
}

/// `PLAYER_LIBLSL=bundled` in a build without it: an error.
#[cfg(not(feature = "bundled-liblsl"))]
fn bundled_requested() -> Result<Liblsl, String> {
    Err(format!(
        "{LIBLSL_ENV}=bundled: this build has no bundled liblsl (it was built without the \
         `bundled-liblsl` feature); {SETTING_HINT}"
    ))
}

/// No liblsl found (`reason` says where it was looked for): the bundled one.
#[cfg(feature = "bundled-liblsl")]
fn none_found(reason: String) -> Result<Liblsl, String> {
    Ok(bundled(reason))
}

/// No liblsl found in a build without the bundled one: an error that says what to install.
#[cfg(not(feature = "bundled-liblsl"))]
fn none_found(reason: String) -> Result<Liblsl, String> {
    Err(format!("no liblsl found: {INSTALL_HINT} ({reason})"))
}

#[cfg(feature = "bundled-liblsl")]
fn bundled(reason: String) -> Liblsl {
    let api = Api::bundled();
    Liblsl {
        about: about(&api, None, reason),
        api,
        create_outlet_ex: Some(lsl_create_outlet_ex),
        warnings: Vec::new(),
        set_config_content: None,
        _lib: None,
    }
}

fn about(api: &Api, path: Option<PathBuf>, reason: String) -> About {
    // SAFETY: both functions have no preconditions; the info string is static in liblsl.
    let (version, build) = unsafe {
        let info = (api.lsl_library_info)();
        let build = if info.is_null() {
            String::new()
        } else {
            CStr::from_ptr(info).to_string_lossy().into_owned()
        };
        ((api.lsl_library_version)(), build)
    };
    About {
        version,
        path,
        build,
        reason,
    }
}

/// Loads the library at `library` (a path that passed the trust rule) as liblsl, at least
/// `min_version`.
pub fn load(library: &Trusted, min_version: i32, reason: String) -> Result<Liblsl, String> {
    let path = library.path();
    let lib = open(path)?;
    let api = Api::from_library(&lib)?;
    // SAFETY: a function of the loaded liblsl without preconditions.
    let version = unsafe { (api.lsl_library_version)() };
    if version < min_version {
        return Err(format!(
            "liblsl {}.{} is too old (the host needs {}.{} or later)",
            version / 100,
            version % 100,
            min_version / 100,
            min_version % 100
        ));
    }
    // SAFETY: liblsl's lsl_create_outlet_ex, whose signature is the type's (1.14+).
    let create_outlet_ex = unsafe { lib.get::<CreateOutletEx>(b"lsl_create_outlet_ex\0") }
        .ok()
        .map(|f| *f);
    // SAFETY: liblsl's lsl_set_config_content, whose signature is the type's (1.16+).
    let set_config_content = unsafe { lib.get::<SetConfigContent>(b"lsl_set_config_content\0") }
        .ok()
        .map(|f| *f);
    let file = loaded_file(api.lsl_library_version as *const c_void).unwrap_or(path.into());
    Ok(Liblsl {
        about: about(&api, Some(file), reason),
        api,
        create_outlet_ex,
        warnings: Vec::new(),
        set_config_content,
        _lib: Some(lib),
    })
}

/// Opens a shared library, by its absolute resolved path, so that it binds its own
/// symbols first (see the module doc).
#[cfg(unix)]
fn open(path: &Path) -> Result<Lib, String> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    let flags = libc::RTLD_NOW | libc::RTLD_LOCAL | libc::RTLD_DEEPBIND;
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let flags = libc::RTLD_NOW | libc::RTLD_LOCAL;
    // SAFETY: loading liblsl runs its initializers, which only set up its own state.
    unsafe { Lib::open(Some(path), flags) }.map_err(|e| format!("cannot load it: {e}"))
}

#[cfg(windows)]
fn open(path: &Path) -> Result<Lib, String> {
    // SAFETY: as above.
    unsafe { Lib::new(path) }.map_err(|e| format!("cannot load it: {e}"))
}

/// The file that holds the code at `addr` (the resolved path of a library found by name).
#[cfg(unix)]
fn loaded_file(addr: *const c_void) -> Option<PathBuf> {
    // SAFETY: Dl_info is plain data (pointers and integers): all zeros is a valid value.
    let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
    // SAFETY: dladdr only reads the address and fills `info`.
    if unsafe { libc::dladdr(addr, &mut info) } == 0 || info.dli_fname.is_null() {
        return None;
    }
    // SAFETY: dli_fname is a NUL-terminated path owned by the loader.
    let name = unsafe { CStr::from_ptr(info.dli_fname) }
        .to_string_lossy()
        .into_owned();
    let path = PathBuf::from(name);
    Some(path.canonicalize().unwrap_or(path))
}

#[cfg(windows)]
fn loaded_file(_: *const c_void) -> Option<PathBuf> {
    None
}

#[cfg(test)]
mod tests;
