#![no_main]
//! Fuzzes the xdf reader's open + read path: `cargo fuzz run xdf`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    player_fuzz::exercise(&player_readers::xdf::XdfReader, "xdf", data);
});
