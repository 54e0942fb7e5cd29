//! The FIF tag stream: 16-byte big-endian tag headers (kind, type, size, next), the
//! sequential walk over them, the tag directory (FIFF_DIR_POINTER), and decoding of tag
//! data.
//!
//! Every position and size is checked against the file's length before it is used, every
//! walk is bounded by the number of 16-byte headers the file could hold, and `next`
//! pointers must move forward, so a malformed file cannot make the reader loop or
//! allocate more than the file holds.

use super::constants::*;
use player_api::io::SourceFile;
use player_api::ReadError;

/// Bytes in a tag header.
pub const HEADER_LEN: u64 = 16;

/// One tag's header and where it is: its data starts at `pos + 16`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tag {
    /// What the tag holds (`FIFF_*`).
    pub kind: i32,
    /// How its data is encoded (`FIFFT_*`, possibly with matrix bits).
    pub typ: u32,
    /// Bytes of data after the header (checked non-negative and inside the file).
    pub size: u64,
    /// Byte offset of the header.
    pub pos: u64,
}

impl Tag {
    /// Byte offset of the tag's data.
    pub fn data_pos(&self) -> u64 {
        self.pos + HEADER_LEN
    }
}

/// Reads the header at `pos` and checks that the tag's data lies inside the file.
/// Returns the tag and its raw `next` field.
pub fn read_header(file: &mut SourceFile, pos: u64) -> Result<(Tag, i32), ReadError> {
    let mut b = [0u8; 16];
    file.read_exact_at(pos, &mut b, "a tag header")?;
    let word = |i: usize| [b[i], b[i + 1], b[i + 2], b[i + 3]];
    let kind = i32::from_be_bytes(word(0));
    let typ = u32::from_be_bytes(word(4));
    let size = i32::from_be_bytes(word(8));
    let next = i32::from_be_bytes(word(12));
    let size = u64::try_from(size).map_err(|_| {
        file.malformed(
            pos,
            format!("tag of kind {kind} has a negative size ({size})"),
        )
    })?;
    file.check_range(
        pos + HEADER_LEN,
        size,
        &format!("the data of a tag of kind {kind}"),
    )?;
    Ok((
        Tag {
            kind,
            typ,
            size,
            pos,
        },
        next,
    ))
}

/// Lists every tag of the file: from the tag directory when FIFF_DIR_POINTER points at
/// one, else by walking the tag stream from the start. Checks the file-id tag first.
pub fn list_tags(file: &mut SourceFile) -> Result<Vec<Tag>, ReadError> {
    let not_fif = |file: &SourceFile| {
        file.malformed(
            0,
            "not a FIF file: it does not start with a file-id tag (kind 100, type 31, 20 bytes)",
        )
    };
    let mut magic = [0u8; 12];
    let n = file.read_prefix_at(0, &mut magic)?;
    if magic.get(..n) != FIF_MAGIC.get(..n) {
        return Err(not_fif(file));
    }
    let (id, next) = read_header(file, 0)?;
    if id.kind != FIFF_FILE_ID || id.typ != FIFFT_ID_STRUCT || id.size != 20 {
        return Err(not_fif(file));
    }
    let second = next_position(file, &id, next)?.ok_or_else(|| {
        file.malformed(
            0,
            "the file ends after its file-id tag (no directory pointer)",
        )
    })?;
    let (dir_ptr, _) = read_header(file, second)?;
    if dir_ptr.kind != FIFF_DIR_POINTER {
        return Err(file.malformed(
            second,
            format!(
                "expected the directory pointer (kind {FIFF_DIR_POINTER}) after the file id, found kind {}",
                dir_ptr.kind
            ),
        ));
    }
    let dir_pos = read_i32(file, &dir_ptr)?;
    if dir_pos > 0 {
        read_directory(file, dir_ptr.data_pos(), dir_pos as u64)
    } else {
        walk(file)
    }
}

/// The position of the tag after `tag`, or `None` at the end of the stream.
fn next_position(file: &SourceFile, tag: &Tag, next: i32) -> Result<Option<u64>, ReadError> {
    match next {
        FIFFV_NEXT_SEQ => Ok(Some(tag.data_pos() + tag.size)),
        FIFFV_NEXT_NONE => Ok(None),
        n if n > 0 && (n as u64) > tag.pos => Ok(Some(n as u64)),
        n => Err(file.malformed(
            tag.pos,
            format!(
                "the tag's next pointer ({n}) does not move forward: a loop or a corrupt header"
            ),
        )),
    }
}

/// Walks the tag stream from byte 0 (every tag is visited once: pointers only move
/// forward, so the walk ends within `file length / 16` steps).
fn walk(file: &mut SourceFile) -> Result<Vec<Tag>, ReadError> {
    let mut tags = Vec::new();
    let mut pos = 0u64;
    let max_tags = file.len() / HEADER_LEN + 1;
    loop {
        if pos == file.len() {
            break; // ended exactly at a tag boundary without a final "no next" tag
        }
        if tags.len() as u64 > max_tags {
            return Err(file.malformed(pos, "more tags than the file can hold"));
        }
        let (tag, next) = read_header(file, pos)?;
        tags.push(tag);
        match next_position(file, &tag, next)? {
            Some(p) => pos = p,
            None => break,
        }
    }
    Ok(tags)
}

/// Reads the tag directory at `dir_pos` (pointed at from byte `ptr_pos`).
fn read_directory(
    file: &mut SourceFile,
    ptr_pos: u64,
    dir_pos: u64,
) -> Result<Vec<Tag>, ReadError> {
    if dir_pos.saturating_add(HEADER_LEN) > file.len() {
        return Err(file.malformed(
            ptr_pos,
            format!(
                "the directory pointer ({dir_pos}) points outside the file ({} bytes)",
                file.len()
            ),
        ));
    }
    let (dir, _) = read_header(file, dir_pos)?;
    if dir.kind != FIFF_DIR || dir.typ != FIFFT_DIR_ENTRY_STRUCT || dir.size % HEADER_LEN != 0 {
        return Err(file.malformed(
            dir_pos,
            format!(
                "the directory pointer leads to a tag of kind {} type {} size {}, not a tag directory",
                dir.kind, dir.typ, dir.size
            ),
        ));
    }
    // The size was checked against the file, so this allocation is bounded by it.
    let bytes = file.read_vec_at(dir.data_pos(), dir.size, "the tag directory")?;
    let mut tags = Vec::with_capacity(bytes.len() / 16);
    for (i, e) in bytes.chunks_exact(16).enumerate() {
        let at = dir.data_pos() + 16 * i as u64;
        let word = |k: usize| [e[k], e[k + 1], e[k + 2], e[k + 3]];
        let kind = i32::from_be_bytes(word(0));
        let typ = u32::from_be_bytes(word(4));
        let size = i32::from_be_bytes(word(8));
        let pos = i32::from_be_bytes(word(12));
        let (Ok(size), Ok(pos)) = (u64::try_from(size), u64::try_from(pos)) else {
            return Err(file.malformed(
                at,
                format!("directory entry {i} has a negative size ({size}) or position ({pos})"),
            ));
        };
        match pos.checked_add(HEADER_LEN + size) {
            Some(end) if end <= file.len() => {}
            _ => {
                return Err(file.malformed(
                    at,
                    format!(
                        "directory entry {i} (kind {kind}) points at bytes {pos}..+{} outside the file ({} bytes)",
                        HEADER_LEN + size,
                        file.len()
                    ),
                ))
            }
        }
        tags.push(Tag {
            kind,
            typ,
            size,
            pos,
        });
    }
    Ok(tags)
}

/// Reads a tag's whole data (its size was checked against the file's length).
pub fn read_data(file: &mut SourceFile, tag: &Tag) -> Result<Vec<u8>, ReadError> {
    file.read_vec_at(
        tag.data_pos(),
        tag.size,
        &format!("the data of tag kind {}", tag.kind),
    )
}

fn wrong_type(file: &SourceFile, tag: &Tag, want: &str) -> ReadError {
    file.malformed(
        tag.pos,
        format!(
            "tag of kind {} has type {} and size {}, expected {want}",
            tag.kind, tag.typ, tag.size
        ),
    )
}

/// Decodes a tag of integer type (int, short, dau_pack16) as i32 values.
pub fn read_i32s(file: &mut SourceFile, tag: &Tag) -> Result<Vec<i32>, ReadError> {
    let data = read_data(file, tag)?;
    match tag.typ {
        FIFFT_INT => Ok(data
            .chunks_exact(4)
            .map(|c| i32::from_be_bytes([c[0], c[1], c[2], c[3]]))
            .collect()),
        FIFFT_SHORT | FIFFT_DAU_PACK16 => Ok(data
            .chunks_exact(2)
            .map(|c| i32::from(i16::from_be_bytes([c[0], c[1]])))
            .collect()),
        _ => Err(wrong_type(file, tag, "integers")),
    }
}

/// Decodes the first value of an integer tag (reading only that value).
pub fn read_i32(file: &mut SourceFile, tag: &Tag) -> Result<i32, ReadError> {
    let width: u64 = match tag.typ {
        FIFFT_INT => 4,
        FIFFT_SHORT | FIFFT_DAU_PACK16 => 2,
        _ => return Err(wrong_type(file, tag, "an integer")),
    };
    if tag.size < width {
        return Err(wrong_type(file, tag, "at least one integer"));
    }
    let first = Tag {
        size: width,
        ..*tag
    };
    read_i32s(file, &first)?
        .first()
        .copied()
        .ok_or_else(|| wrong_type(file, tag, "at least one integer"))
}

/// Decodes a numeric tag (float, double or integer) as f64 values; `f32` tells whether
/// the stored values were single precision.
pub fn read_f64s(file: &mut SourceFile, tag: &Tag) -> Result<(Vec<f64>, bool), ReadError> {
    match tag.typ {
        FIFFT_FLOAT => {
            let data = read_data(file, tag)?;
            Ok((
                data.chunks_exact(4)
                    .map(|c| f64::from(f32::from_be_bytes([c[0], c[1], c[2], c[3]])))
                    .collect(),
                true,
            ))
        }
        FIFFT_DOUBLE => {
            let data = read_data(file, tag)?;
            Ok((
                data.chunks_exact(8)
                    .map(|c| {
                        let mut a = [0u8; 8];
                        a.copy_from_slice(c);
                        f64::from_be_bytes(a)
                    })
                    .collect(),
                false,
            ))
        }
        FIFFT_INT | FIFFT_SHORT | FIFFT_DAU_PACK16 => Ok((
            read_i32s(file, tag)?.into_iter().map(f64::from).collect(),
            false,
        )),
        _ => Err(wrong_type(file, tag, "numbers")),
    }
}

/// Decodes the first value of a numeric tag (reading only that value).
pub fn read_f64(file: &mut SourceFile, tag: &Tag) -> Result<f64, ReadError> {
    let width: u64 = match tag.typ {
        FIFFT_DOUBLE => 8,
        FIFFT_INT | FIFFT_FLOAT => 4,
        FIFFT_SHORT | FIFFT_DAU_PACK16 => 2,
        _ => return Err(wrong_type(file, tag, "a number")),
    };
    let first = Tag {
        size: tag.size.min(width),
        ..*tag
    };
    read_f64s(file, &first)?
        .0
        .first()
        .copied()
        .ok_or_else(|| wrong_type(file, tag, "at least one number"))
}

/// Decodes a string tag: Latin-1, with the `&#NNN;` character references MNE writes for
/// characters outside Latin-1.
pub fn read_string(file: &mut SourceFile, tag: &Tag) -> Result<String, ReadError> {
    if tag.typ != FIFFT_STRING {
        return Err(wrong_type(file, tag, "a string"));
    }
    let data = read_data(file, tag)?;
    let text: String = data.iter().map(|&b| char::from(b)).collect();
    Ok(unescape_char_refs(&text))
}

/// Replaces decimal and hexadecimal character references (`&#233;`, `&#xE9;`).
fn unescape_char_refs(text: &str) -> String {
    if !text.contains("&#") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("&#") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let decoded = after.find(';').and_then(|end| {
            let body = &after[..end];
            let code = match body.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => body.parse::<u32>().ok(),
            }?;
            Some((char::from_u32(code)?, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push_str("&#");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::unescape_char_refs;

    #[test]
    fn character_references_are_decoded() {
        assert_eq!(unescape_char_refs("caf&#233; &#x263A;!"), "café ☺!");
        assert_eq!(unescape_char_refs("a&#b;&#"), "a&#b;&#");
        assert_eq!(unescape_char_refs("plain"), "plain");
    }
}
