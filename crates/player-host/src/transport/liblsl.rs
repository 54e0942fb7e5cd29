//! Which liblsl the host uses, chosen once per process: a current one when available, the
//! bundled one otherwise.
//!
//! The host is linked with liblsl 1.13 (built from source by `lsl-sys`, as a static
//! archive). A current liblsl (1.16 and later) moves samples with fewer thread hand-offs
//! and has no 2 GiB limit on an outlet's sample pool, so the host prefers one when it
//! can find one, in this order:
//!
//! 1. `PLAYER_LIBLSL=/path/to/liblsl.so`: that library; one that cannot be loaded, lacks a
//!    function the host calls or is older than 1.16 is an error (never a silent
//!    fallback). `PLAYER_LIBLSL=bundled` forces the built-in 1.13.
//! 2. Else `liblsl.so` (then `liblsl.so.2`) where the system's dynamic loader finds
//!    libraries (`LD_LIBRARY_PATH`, the `ldconfig` cache, `/usr/lib`, ...), if its
//!    `lsl_library_version()` is at least 116 (1.16).
//! 3. Else the bundled 1.13.
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

use lsl_sys as sys;
use std::ffi::{c_char, c_double, c_int, c_ulong, c_void, CStr};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The environment variable that names the liblsl to use (a path, or `bundled`).
pub const LIBLSL_ENV: &str = "PLAYER_LIBLSL";

/// The oldest liblsl the host loads dynamically: 1.16 (`lsl_library_version()` = 116).
pub const MIN_DYNAMIC_VERSION: i32 = 116;

/// The names tried with the system's dynamic loader when `PLAYER_LIBLSL` is not set.
#[cfg(target_os = "macos")]
const SYSTEM_NAMES: &[&str] = &["liblsl.dylib", "liblsl.2.dylib"];
#[cfg(windows)]
const SYSTEM_NAMES: &[&str] = &["lsl.dll"];
#[cfg(not(any(target_os = "macos", windows)))]
const SYSTEM_NAMES: &[&str] = &["liblsl.so", "liblsl.so.2"];

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
    /// `lsl_create_outlet_ex` when the library has it (not the bundled 1.13).
    pub create_outlet_ex: Option<CreateOutletEx>,
    /// `lsl_set_config_content` when the library has it (not the bundled 1.13).
    pub set_config_content: Option<SetConfigContent>,
    /// What the library is.
    pub about: About,
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

/// The liblsl of this process, chosen on first use (see the module documentation); an
/// error when `PLAYER_LIBLSL` names a library that cannot be used.
pub fn get() -> Result<&'static Liblsl, &'static str> {
    LIBLSL
        .get_or_init(|| choose(std::env::var_os(LIBLSL_ENV).as_deref()))
        .as_ref()
        .map_err(String::as_str)
}

/// The C functions to call: those of [`get`], or the bundled ones when `PLAYER_LIBLSL`
/// is unusable (only for calls that cannot publish anything, e.g. the clock, which reads
/// the same monotonic clock in every liblsl; outlets report the error instead).
pub fn api() -> &'static Api {
    static BUNDLED: OnceLock<Api> = OnceLock::new();
    match get() {
        Ok(l) => &l.api,
        Err(_) => BUNDLED.get_or_init(Api::bundled),
    }
}

/// One line that says which liblsl is in use (version, file or `bundled`, why), or why
/// `PLAYER_LIBLSL` cannot be used: for `--version`, `plugins` and logs.
pub fn describe() -> String {
    match get() {
        Ok(l) => l.about.to_string(),
        Err(e) => format!("error: {e}"),
    }
}

/// The choice, given the value of `PLAYER_LIBLSL`.
fn choose(setting: Option<&std::ffi::OsStr>) -> Result<Liblsl, String> {
    match setting {
        Some(v) if v == "bundled" => Ok(bundled(format!("{LIBLSL_ENV}=bundled"))),
        Some(v) if !v.is_empty() => {
            let path = Path::new(v);
            load(path, MIN_DYNAMIC_VERSION, format!("from {LIBLSL_ENV}")).map_err(|e| {
                format!(
                    "{LIBLSL_ENV}={}: {e} (unset it to use the bundled liblsl, or set it to \
                     `bundled`)",
                    path.display()
                )
            })
        }
        _ => {
            let mut tried = Vec::new();
            for name in SYSTEM_NAMES {
                match load(
                    Path::new(name),
                    MIN_DYNAMIC_VERSION,
                    "found by the system loader".into(),
                ) {
                    Ok(l) => return Ok(l),
                    Err(e) => tried.push(format!("{name}: {e}")),
                }
            }
            Ok(bundled(format!(
                "no liblsl >= 1.16 found by the system loader ({}); set {LIBLSL_ENV} to use one",
                tried.join("; ")
            )))
        }
    }
}

fn bundled(reason: String) -> Liblsl {
    let api = Api::bundled();
    Liblsl {
        about: about(&api, None, reason),
        api,
        create_outlet_ex: None,
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

/// Loads `path` (a file, or a bare name for the system's loader) as liblsl, at least
/// `min_version`.
pub fn load(path: &Path, min_version: i32, reason: String) -> Result<Liblsl, String> {
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
        set_config_content,
        _lib: Some(lib),
    })
}

/// Opens a shared library so that it binds its own symbols first (see the module doc).
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
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn bundled_is_113_without_a_path() {
        let l = choose(Some("bundled".as_ref())).expect("bundled");
        assert_eq!(l.about.version, 113);
        assert_eq!(l.about.path, None);
        assert_eq!(l.about.version_text(), "1.13");
        assert!(l.create_outlet_ex.is_none());
        assert!(
            l.about.to_string().starts_with("liblsl 1.13 (bundled;"),
            "{}",
            l.about
        );
    }

    #[test]
    fn an_unloadable_setting_is_an_error_naming_it() {
        let Err(e) = choose(Some("/nonexistent/liblsl.so".as_ref())) else {
            panic!("a missing library was accepted");
        };
        assert!(e.contains("PLAYER_LIBLSL=/nonexistent/liblsl.so"), "{e}");
        assert!(e.contains("cannot load"), "{e}");
    }

    #[test]
    fn a_library_without_liblsl_functions_is_refused() {
        // libm is loadable but is no liblsl.
        let Err(e) = load(Path::new("libm.so.6"), MIN_DYNAMIC_VERSION, String::new()) else {
            panic!("libm was accepted as liblsl");
        };
        assert!(e.contains("lacks lsl_library_version"), "{e}");
    }

    /// The liblsl shipped in pylsl's wheel, and the version pylsl reports for it, from the
    /// Python named by `PLAYER_PYTHON` (`scripts/test` sets it and runs these tests).
    fn pylsl_liblsl() -> (PathBuf, i32) {
        let python = std::env::var("PLAYER_PYTHON")
            .expect("PLAYER_PYTHON must name a Python with pylsl (scripts/test sets it)");
        let out = std::process::Command::new(python)
            .args([
                "-c",
                "import pylsl, pylsl.lib as l; print(l.lib._name); print(pylsl.library_version())",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let mut lines = text.lines();
        let path = PathBuf::from(lines.next().unwrap());
        let version = lines.next().unwrap().trim().parse().unwrap();
        (path, version)
    }

    #[test]
    #[ignore = "needs PLAYER_PYTHON, a Python with pylsl: scripts/test runs it"]
    fn a_current_liblsl_loads_and_reports_its_own_version() {
        let (path, version) = pylsl_liblsl();
        assert!(
            version >= MIN_DYNAMIC_VERSION,
            "pylsl's liblsl is {version}"
        );
        let lib = load(&path, MIN_DYNAMIC_VERSION, "test".into()).unwrap();
        // Through the table, the loaded library answers, not the bundled 1.13.
        assert_eq!(lib.about.version, version);
        assert_ne!(lib.about.version, 113);
        assert_eq!(
            lib.about.path.as_deref(),
            Some(path.canonicalize().unwrap().as_path())
        );
        assert!(lib.create_outlet_ex.is_some());
        // SAFETY: liblsl's clock has no preconditions; both read the monotonic clock.
        let (dynamic, bundled) =
            unsafe { ((lib.api.lsl_local_clock)(), lsl_sys::lsl_local_clock()) };
        assert!((dynamic - bundled).abs() < 1.0, "{dynamic} vs {bundled}");
    }

    #[test]
    #[ignore = "needs PLAYER_PYTHON, a Python with pylsl: scripts/test runs it"]
    fn a_library_older_than_required_is_refused_with_its_version() {
        let (path, version) = pylsl_liblsl();
        let Err(e) = load(&path, version + 1, String::new()) else {
            panic!("an older liblsl was accepted");
        };
        assert!(e.contains("too old"), "{e}");
        assert!(
            e.contains(&format!("{}.{}", version / 100, version % 100)),
            "{e}"
        );
    }
}
