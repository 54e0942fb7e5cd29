#![no_main]
//! Fuzzes the csv reader's open + read path: `cargo fuzz run csv`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    player_fuzz::exercise(&player_readers::csv::CsvReader, "csv", data);
});
