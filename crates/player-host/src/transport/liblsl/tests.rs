#![allow(clippy::unwrap_used)]
use super::*;

#[cfg(feature = "bundled-liblsl")]
#[test]
fn bundled_is_113_without_a_path() {
    let l = choose(Some("bundled".as_ref()), None).expect("bundled");
    assert_eq!(l.about.version, 113);
    assert_eq!(l.about.path, None);
    assert_eq!(l.about.version_text(), "1.13");
    // Added to 1.13 by the build (tools/cxx-liblsl-outlet-ex.h): consumers bounded in samples.
    assert!(l.create_outlet_ex.is_some());
    assert!(l.set_config_content.is_none());
    assert!(
        l.about.to_string().starts_with("liblsl 1.13 (bundled;"),
        "{}",
        l.about
    );
}

#[test]
fn an_unloadable_setting_is_an_error_naming_it() {
    let Err(e) = choose(Some("/nonexistent/liblsl.so".as_ref()), None) else {
        panic!("a missing library was accepted");
    };
    assert!(e.contains("PLAYER_LIBLSL=/nonexistent/liblsl.so"), "{e}");
    assert!(e.contains("cannot resolve"), "{e}");
    // A bare name is a path in the current directory, never a search.
    let Err(e) = choose(Some("liblsl-nonexistent.so".as_ref()), None) else {
        panic!("a missing library was accepted");
    };
    assert!(
        e.contains("never looked up in the loader's search path"),
        "{e}"
    );
}

/// The C library's file, found from one of its functions: a library every test process
/// has loaded, by an absolute path that passes the trust rule.
fn libc_path() -> PathBuf {
    loaded_file(libc::malloc as *const c_void).unwrap()
}

#[test]
fn a_library_without_liblsl_functions_is_refused() {
    // libm (beside libc) is loadable but is no liblsl.
    let libm = libc_path().with_file_name("libm.so.6");
    let trusted = trust::check_library(&libm).unwrap();
    let Err(e) = load(&trusted, MIN_DYNAMIC_VERSION, String::new()) else {
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
    let trusted = trust::check_library(&path).unwrap();
    let lib = load(&trusted, MIN_DYNAMIC_VERSION, "test".into()).unwrap();
    // Through the table, the loaded library answers, not the bundled 1.13.
    assert_eq!(lib.about.version, version);
    assert_ne!(lib.about.version, 113);
    assert_eq!(
        lib.about.path.as_deref(),
        Some(path.canonicalize().unwrap().as_path())
    );
    assert!(lib.create_outlet_ex.is_some());
    // The host's clock (the bundled liblsl's, or read directly without it) is liblsl's.
    // SAFETY: liblsl's clock has no preconditions; both read the monotonic clock.
    let dynamic = unsafe { (lib.api.lsl_local_clock)() };
    let host = crate::transport::clock::local_clock();
    assert!((dynamic - host).abs() < 1.0, "{dynamic} vs {host}");
}

#[test]
#[ignore = "needs PLAYER_PYTHON, a Python with pylsl: scripts/test runs it"]
fn a_library_older_than_required_is_refused_with_its_version() {
    let (path, version) = pylsl_liblsl();
    let trusted = trust::check_library(&path).unwrap();
    let Err(e) = load(&trusted, version + 1, String::new()) else {
        panic!("an older liblsl was accepted");
    };
    assert!(e.contains("too old"), "{e}");
    assert!(
        e.contains(&format!("{}.{}", version / 100, version % 100)),
        "{e}"
    );
}

#[test]
fn a_provided_library_must_be_named_by_an_absolute_path() {
    for bad in ["liblsl.so", "lib/liblsl.so", "./liblsl.so", ""] {
        let Err(e) = provide(Path::new(bad), "test") else {
            panic!("{bad:?} was accepted");
        };
        assert!(e.contains("absolute path"), "{e}");
    }
    assert!(PROVIDED.get().is_none());
}

#[test]
fn a_provided_library_that_cannot_be_used_is_an_error_naming_it() {
    let p = Provided {
        path: "/nonexistent/pylsl/lib/liblsl.so".into(),
        origin: "pylsl 9.9".into(),
    };
    let Err(e) = choose(None, Some(&p)) else {
        panic!("a missing library was accepted");
    };
    assert!(e.contains("the liblsl of pylsl 9.9"), "{e}");
    assert!(e.contains("/nonexistent/pylsl/lib/liblsl.so"), "{e}");
    assert!(e.contains("cannot resolve"), "{e}");
    assert!(e.contains("PLAYER_LIBLSL"), "{e}");
}

#[test]
fn the_setting_comes_before_a_provided_library() {
    let p = Provided {
        path: "/nonexistent/provided/liblsl.so".into(),
        origin: "test".into(),
    };
    let Err(e) = choose(Some("/nonexistent/set/liblsl.so".as_ref()), Some(&p)) else {
        panic!("a missing library was accepted");
    };
    assert!(
        e.contains("PLAYER_LIBLSL=/nonexistent/set/liblsl.so"),
        "{e}"
    );
    assert!(!e.contains("provided"), "{e}");
}

#[cfg(feature = "bundled-liblsl")]
#[test]
fn the_declared_c_types_are_lsl_sys_ones() {
    assert_eq!(
        ffi::lsl_channel_format_t_cft_float32,
        sys::lsl_channel_format_t_cft_float32
    );
    assert_eq!(
        ffi::lsl_channel_format_t_cft_double64,
        sys::lsl_channel_format_t_cft_double64
    );
    assert_eq!(
        ffi::lsl_channel_format_t_cft_string,
        sys::lsl_channel_format_t_cft_string
    );
    assert_eq!(
        ffi::lsl_channel_format_t_cft_int32,
        sys::lsl_channel_format_t_cft_int32
    );
    assert_eq!(
        ffi::lsl_channel_format_t_cft_int16,
        sys::lsl_channel_format_t_cft_int16
    );
    assert_eq!(
        ffi::lsl_channel_format_t_cft_int8,
        sys::lsl_channel_format_t_cft_int8
    );
    assert_eq!(
        ffi::lsl_channel_format_t_cft_int64,
        sys::lsl_channel_format_t_cft_int64
    );
    let _: sys::lsl_channel_format_t = ffi::lsl_channel_format_t_cft_int8;
}
