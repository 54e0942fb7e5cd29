#![no_main]
//! Fuzzes the fif reader's open + read path: `cargo fuzz run fif`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    player_fuzz::exercise(&player_readers::fif::FifReader, "fif", data);
});
