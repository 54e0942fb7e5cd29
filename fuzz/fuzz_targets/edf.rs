#![no_main]
//! Fuzzes the edf reader's open + read path: `cargo fuzz run edf`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    player_fuzz::exercise(&player_readers::edf::EdfReader, "edf", data);
});
