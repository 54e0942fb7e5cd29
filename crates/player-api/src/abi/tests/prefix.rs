//! The table is read as a prefix: a host whose layout has an appended field (a test-only
//! "ABI 3" table) loads a table of exactly ABI 2's size, the appended field reads as
//! absent, and nothing past the plugin's declared size is read (the table sits at the end
//! of a page followed by an unreadable one).

use super::*;
use std::mem::size_of;

/// The host table of a hypothetical ABI 3: ABI 2's table and one field appended as the
/// rule says (an `Option` of a function pointer).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
struct TableV3 {
    v2: PluginTable,
    appended: Option<unsafe extern "C" fn() -> u32>,
}

// SAFETY: `#[repr(C)]`, ABI 2's table first, then one nullable function pointer.
unsafe impl TableLayout for TableV3 {
    const ABI_VERSION: u32 = 3;
}

unsafe extern "C" fn forty_two() -> u32 {
    42
}

/// The bytes of a table.
fn bytes_of<T>(t: &T) -> Vec<u8> {
    // SAFETY: a live value of `size_of::<T>()` bytes; tables have no padding (they are
    // a 16-byte header and pointers).
    unsafe { std::slice::from_raw_parts((t as *const T).cast::<u8>(), size_of::<T>()) }.to_vec()
}

/// Bytes copied to the end of a readable page that an unreadable page follows: reading one
/// byte past them faults.
struct Guarded {
    base: *mut libc::c_void,
    page: usize,
    start: *const u8,
}

impl Guarded {
    fn new(bytes: &[u8]) -> Self {
        // SAFETY: plain libc calls; every result is checked.
        unsafe {
            let page = usize::try_from(libc::sysconf(libc::_SC_PAGESIZE)).unwrap();
            assert!(bytes.len() <= page);
            let base = libc::mmap(
                std::ptr::null_mut(),
                2 * page,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            assert_ne!(base, libc::MAP_FAILED);
            let guard = base.cast::<u8>().add(page);
            assert_eq!(libc::mprotect(guard.cast(), page, libc::PROT_NONE), 0);
            let start = guard.sub(bytes.len());
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), start, bytes.len());
            Guarded { base, page, start }
        }
    }

    fn table(&self) -> *const PluginTable {
        self.start.cast()
    }

    /// The first byte past the copied bytes (unreadable).
    fn end(&self) -> *const u8 {
        // SAFETY: one page in from the mapping's start: inside the mapping.
        unsafe { self.base.cast::<u8>().add(self.page) }
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, unmapped once.
        unsafe { libc::munmap(self.base, 2 * self.page) };
    }
}

/// Whether `f` dies of a segmentation fault (run in a forked child, without a core dump).
fn faults(f: impl FnOnce()) -> bool {
    // SAFETY: the child runs only `f` (memory reads) and `_exit`s; the parent waits for it.
    unsafe {
        match libc::fork() {
            0 => {
                let none = libc::rlimit {
                    rlim_cur: 0,
                    rlim_max: 0,
                };
                libc::setrlimit(libc::RLIMIT_CORE, &none);
                f();
                libc::_exit(0)
            }
            pid => {
                assert!(pid > 0, "fork failed");
                let mut status = 0;
                assert_eq!(libc::waitpid(pid, &mut status, 0), pid);
                libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGSEGV
            }
        }
    }
}

#[test]
fn abi_2_size_is_the_header_and_ten_functions() {
    assert_eq!(ABI2_TABLE_SIZE, 16 + 10 * size_of::<usize>());
    assert_eq!(table_size(2), Some(ABI2_TABLE_SIZE));
    let t = table::<__PlayerPluginExport>();
    assert_eq!(t.header.table_size as usize, ABI2_TABLE_SIZE);
    assert!(size_of::<TableV3>() > ABI2_TABLE_SIZE);
}

/// The heart of the compatibility rule: an ABI 2 table at the very end of readable memory
/// loads in a host whose table is larger, and the appended field is absent.
#[test]
fn an_abi_3_host_loads_an_abi_2_table_and_reads_nothing_past_it() {
    let t = table::<__PlayerPluginExport>();
    let bytes = bytes_of(&t);
    assert_eq!(bytes.len(), ABI2_TABLE_SIZE);
    let g = Guarded::new(&bytes);
    // The guard works: the first byte past the table, and what the host did before
    // (reading its whole table from the plugin's memory), fault.
    let (end, table) = (g.end(), g.table());
    // SAFETY (both reads): they fault in the forked child, which is the point.
    assert!(faults(|| {
        std::hint::black_box(unsafe { std::ptr::read_volatile(end) });
    }));
    assert!(faults(|| {
        std::hint::black_box(unsafe { std::ptr::read_volatile(table.cast::<TableV3>()) });
    }));
    // SAFETY: ABI2_TABLE_SIZE readable bytes of a valid ABI 2 table.
    let host: TableV3 = unsafe { read_table(g.table()) }.unwrap();
    assert!(host.appended.is_none(), "the appended field is absent");
    assert_eq!(bytes_of(&host.v2), bytes, "ABI 2's fields are the plugin's");
    // SAFETY: as above.
    let current: PluginTable = unsafe { read_table(g.table()) }.unwrap();
    assert_eq!(bytes_of(&current), bytes);
    // The copy works as the plugin's table.
    let v2: &'static PluginTable = Box::leak(Box::new(host.v2));
    // SAFETY: a leaked copy of a valid table whose functions are this binary's.
    let r = unsafe { DynamicReader::from_table(v2, "abi2", Arc::new(())) }.unwrap();
    let rec = r
        .open(Path::new("/data/rec.rt"), &OpenOptions::default())
        .unwrap();
    let b = read_once(
        rec.open_stream(0).unwrap().as_mut(),
        StreamKind::Regular,
        3,
        2,
    );
    assert_eq!(b.values()[3], value(1, 0));
}

/// Fields are read whole and only when the declared size covers them, whatever bytes
/// follow; the declared version decides which host loads the table.
#[test]
fn fields_past_the_declared_size_read_as_absent() {
    let v3 = |version: u32, size: usize| {
        let mut t = TableV3 {
            v2: table::<__PlayerPluginExport>(),
            appended: Some(forty_two),
        };
        t.v2.header.abi_version = version;
        t.v2.header.table_size = u32::try_from(size).unwrap();
        bytes_of(&t)
    };
    let read = |bytes: &[u8]| {
        let g = Guarded::new(bytes);
        // SAFETY: the whole table is readable (the declared size is at most its size).
        unsafe { read_table::<TableV3>(g.table()) }
    };
    // An ABI 2 plugin's table followed by what looks like a field: not read.
    let host = read(&v3(2, ABI2_TABLE_SIZE)).unwrap();
    assert!(host.appended.is_none());
    // A declared size that cuts the field in two: absent.
    let host = read(&v3(2, ABI2_TABLE_SIZE + 4)).unwrap();
    assert!(host.appended.is_none());
    // An ABI 3 plugin: present.
    let host = read(&v3(3, size_of::<TableV3>())).unwrap();
    // SAFETY: the function set above.
    assert_eq!(unsafe { host.appended.unwrap()() }, 42);
    // A declared size larger than the host's table: the host reads its own fields only.
    let mut bytes = v3(2, size_of::<TableV3>() + 64);
    bytes.resize(size_of::<TableV3>() + 64, 0xff);
    let host = read(&bytes).unwrap();
    assert!(host.appended.is_some());
    // An ABI 2 host refuses the ABI 3 plugin, naming both versions.
    let g = Guarded::new(&v3(3, size_of::<TableV3>()));
    // SAFETY: a whole readable table.
    let e = unsafe { read_table::<PluginTable>(g.table()) }.unwrap_err();
    assert_eq!(
        e.to_string(),
        "built for plugin ABI version 3, newer than this host's ABI version 2: update player-host"
    );
    // An ABI 3 plugin whose table lacks ABI 2's fields is refused before anything is read.
    let e = read(&v3(3, 64)[..64]).unwrap_err();
    assert!(
        matches!(e, LoadError::TableTooSmall { size: 64, .. }),
        "{e}"
    );
}

#[test]
fn a_required_function_that_is_null_is_refused() {
    let names = [
        "describe",
        "probe",
        "open",
        "recording_info",
        "recording_open_stream",
        "recording_free",
        "source_read",
        "source_seek",
        "source_free",
        "free_buf",
    ];
    let bytes = bytes_of(&table::<__PlayerPluginExport>());
    let word = size_of::<usize>();
    for (i, name) in names.iter().enumerate() {
        let mut b = bytes.clone();
        let at = 16 + i * word;
        b[at..at + word].fill(0);
        let g = Guarded::new(&b);
        // SAFETY: a whole readable table (with one null function, which is the point).
        let e = unsafe { read_table::<PluginTable>(g.table()) }.unwrap_err();
        assert_eq!(e, LoadError::NullFunction { name });
        assert_eq!(e.code(), "null-function");
        assert_eq!(
            e.to_string(),
            format!(
                "its function table has no `{name}` (a null pointer where every plugin has one)"
            )
        );
    }
}
