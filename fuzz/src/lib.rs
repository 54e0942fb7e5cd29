//! Shared body of the fuzz targets: write the input to a file (readers open paths), open
//! it with one reader through the host's one validation (`player_api::validate`), and
//! read every stream to its end (bounded), seeking once.

use player_api::validate::open_checked;
use player_api::{Block, OpenOptions, ReaderPlugin, Recording, SampleSource};
use std::io::Write;

/// At most this many values are read per stream, so that a valid header announcing hours
/// of data does not make one input take minutes.
const MAX_VALUES: usize = 1 << 22;

/// Exercises `reader` on `data`. Errors are fine; panics, hangs and huge allocations are
/// what the fuzzer finds.
pub fn exercise(reader: &dyn ReaderPlugin, extension: &str, data: &[u8]) {
    let path = std::env::temp_dir().join(format!(
        "player-fuzz-{}-{:?}.{extension}",
        std::process::id(),
        std::thread::current().id()
    ));
    let written = std::fs::File::create(&path).and_then(|mut f| f.write_all(data));
    if written.is_err() {
        return;
    }
    if let Ok(recording) = open_checked(reader, &path, &OpenOptions::default()) {
        for (i, stream) in recording.info().streams.iter().enumerate() {
            let Ok(mut source) = recording.open_checked_stream(i) else {
                continue;
            };
            let width = stream.channel_count().max(1);
            // A header may claim any number of channels: keep the block bounded.
            let mut block = Block::new(stream.kind, width, ((1 << 16) / width).max(1));
            let mut total = 0;
            while total < MAX_VALUES {
                block.clear();
                if source.read(&mut block).is_err() || block.is_empty() {
                    break;
                }
                total += block.frames() * width;
            }
            if let Some(len) = stream.length {
                block.clear();
                let _ = source.seek(len / 2).and_then(|()| source.read(&mut block));
            }
        }
    }
    let _ = std::fs::remove_file(&path);
}
