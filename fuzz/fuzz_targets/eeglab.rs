#![no_main]
//! Fuzzes the eeglab reader's open + read path (MAT-file parser included): `cargo fuzz
//! run eeglab`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    player_fuzz::exercise(&player_readers::eeglab::EeglabReader, "set", data);
});
