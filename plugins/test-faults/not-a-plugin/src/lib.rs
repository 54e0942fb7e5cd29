//! A shared library that is not a player plugin: it exports a C function, but not
//! `player_plugin_entry`. The host must refuse it with that reason.

/// Adds two numbers (something for the library to export).
#[unsafe(no_mangle)]
pub extern "C" fn not_a_plugin_add(a: i32, b: i32) -> i32 {
    a.wrapping_add(b)
}
