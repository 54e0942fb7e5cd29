#![no_main]
//! Fuzzes the wav reader's open + read path: `cargo fuzz run wav`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    player_fuzz::exercise(&player_readers::wav::WavReader, "wav", data);
});
