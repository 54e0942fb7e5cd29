//! Shared body of the fuzz targets: write the input to a file (readers open paths), open
//! it with one reader, and read every stream to its end (bounded), seeking once.

use player_api::{OpenOptions, ReaderPlugin};
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
    if let Ok(recording) = reader.open(&path, &OpenOptions::default()) {
        for (i, stream) in recording.info().streams.iter().enumerate() {
            let Ok(mut source) = recording.open_stream(i) else {
                continue;
            };
            let width = stream.channel_count().max(1);
            // A header may claim any number of channels: keep the buffer bounded.
            let frames = ((1 << 16) / width).max(1);
            let mut buf = vec![0.0; frames * width];
            let mut stamps = vec![0.0; frames];
            let mut text = Vec::new();
            let mut total = 0;
            while total < MAX_VALUES {
                let n = if stream.sample_format == player_api::SampleFormat::String {
                    text.clear();
                    source.read_text(&mut text, &mut stamps)
                } else if stream.stamped {
                    source.read_stamped(&mut buf, &mut stamps)
                } else {
                    source.read(&mut buf)
                };
                match n {
                    Ok(0) | Err(_) => break,
                    Ok(n) => total += n * width,
                }
            }
            if let Some(len) = stream.length {
                let _ = source.seek(len / 2);
                let _ = source.read(&mut buf);
            }
        }
    }
    let _ = std::fs::remove_file(&path);
}
