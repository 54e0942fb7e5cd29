//! The `ds64` chunk of RF64 (EBU Tech 3306) and BW64 (ITU-R BS.2088) files: the 64-bit
//! sizes that replace the 32-bit ones written as `0xFFFFFFFF`.
//!
//! Body layout (little-endian): RIFF size `u64`, data size `u64`, sample count `u64`,
//! table length `u32`, then that many entries of a chunk id (4 bytes) and its size `u64`.

use player_api::ReadError;

/// The 32-bit size that means "the real size is in the ds64 chunk".
pub(crate) const SIZE_IN_DS64: u32 = u32::MAX;
/// Size of the fixed part of a ds64 body (the three `u64` sizes and the table length).
pub(crate) const DS64_MIN_LEN: u64 = 28;
/// Size of one table entry: chunk id and `u64` size.
const ENTRY_LEN: u64 = 12;
/// At most this many table entries are read (the table lists the few chunks over 4 GiB
/// other than `data`; a larger count is a corrupt field, not a reason to allocate).
pub(crate) const MAX_TABLE_ENTRIES: u64 = 1024;
/// At most this many bytes of a ds64 body are read.
pub(crate) const DS64_READ_LEN: u64 = DS64_MIN_LEN + ENTRY_LEN * MAX_TABLE_ENTRIES;

/// The 64-bit sizes of an RF64/BW64 file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ds64 {
    /// Size of the `data` chunk's body in bytes.
    pub data_size: u64,
    /// Sizes of other chunks whose 32-bit size is `0xFFFFFFFF`, by chunk id.
    pub table: Vec<([u8; 4], u64)>,
}

fn u64_at(body: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    if let Some(b) = body.get(at..at + 8) {
        a.copy_from_slice(b);
    }
    u64::from_le_bytes(a)
}

impl Ds64 {
    /// Parses the first `min(declared_len, DS64_READ_LEN)` bytes of a ds64 chunk body
    /// that starts at byte `offset`. Table entries beyond the body are ignored (a table
    /// length larger than the chunk is a writer's slip, and the entries that are there
    /// are still usable). Errors carry the offset; the caller adds the file.
    pub(crate) fn parse(body: &[u8], declared_len: u64, offset: u64) -> Result<Self, ReadError> {
        if declared_len < DS64_MIN_LEN || (body.len() as u64) < DS64_MIN_LEN {
            return Err(ReadError::malformed(format!(
                "ds64 chunk is {declared_len} bytes, shorter than the {DS64_MIN_LEN} bytes of \
                 its 64-bit sizes"
            ))
            .at_offset(offset));
        }
        let data_size = u64_at(body, 8);
        let declared_entries =
            u64::from(u32::from_le_bytes([body[24], body[25], body[26], body[27]]));
        let present = (body.len() as u64 - DS64_MIN_LEN) / ENTRY_LEN;
        let entries = declared_entries.min(present).min(MAX_TABLE_ENTRIES) as usize;
        let table = body[DS64_MIN_LEN as usize..]
            .chunks_exact(ENTRY_LEN as usize)
            .take(entries)
            .map(|e| ([e[0], e[1], e[2], e[3]], u64_at(e, 4)))
            .collect();
        Ok(Ds64 { data_size, table })
    }

    /// The 64-bit size of a chunk whose 32-bit size field is `0xFFFFFFFF`: the data
    /// size for `data`, the table's entry for any other id.
    pub(crate) fn size_of(&self, id: &[u8; 4]) -> Option<u64> {
        if id == b"data" {
            return Some(self.data_size);
        }
        self.table
            .iter()
            .find(|(entry, _)| entry == id)
            .map(|&(_, size)| size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use player_api::ReadErrorKind;

    fn body(data: u64, table_len: u32, entries: &[(&[u8; 4], u64)]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&1000u64.to_le_bytes());
        b.extend_from_slice(&data.to_le_bytes());
        b.extend_from_slice(&7u64.to_le_bytes());
        b.extend_from_slice(&table_len.to_le_bytes());
        for (id, size) in entries {
            b.extend_from_slice(*id);
            b.extend_from_slice(&size.to_le_bytes());
        }
        b
    }

    #[test]
    fn sizes_and_table() {
        let b = body(5 << 32, 2, &[(b"axml", 6 << 32), (b"junk", 3)]);
        let ds = Ds64::parse(&b, b.len() as u64, 20).expect("ds64");
        assert_eq!(ds.size_of(b"data"), Some(5 << 32));
        assert_eq!(ds.size_of(b"axml"), Some(6 << 32));
        assert_eq!(ds.size_of(b"junk"), Some(3));
        assert_eq!(ds.size_of(b"LIST"), None);
    }

    #[test]
    fn a_table_length_past_the_chunk_reads_the_entries_present() {
        let b = body(8, u32::MAX, &[(b"axml", 9)]);
        let ds = Ds64::parse(&b, b.len() as u64, 20).expect("ds64");
        assert_eq!(ds.table, vec![(*b"axml", 9)]);
    }

    #[test]
    fn a_short_ds64_is_malformed() {
        let b = body(8, 0, &[]);
        let err = Ds64::parse(&b[..20], 20, 20).expect_err("short");
        assert_eq!(err.kind(), ReadErrorKind::Malformed);
        assert!(err.message().contains("ds64 chunk is 20 bytes"), "{err}");
        assert_eq!(err.offset(), Some(20));
        let err = Ds64::parse(&b[..20], 28, 20).expect_err("short body");
        assert_eq!(err.kind(), ReadErrorKind::Malformed);
    }
}
