#![no_main]
//! Fuzzes the gdf reader's open + read path: `cargo fuzz run gdf`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    player_fuzz::exercise(&player_readers::gdf::GdfReader, "gdf", data);
});
