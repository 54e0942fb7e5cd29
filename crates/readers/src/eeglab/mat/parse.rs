//! One `miMATRIX` element and what it holds, recursively: the array flags, dimensions and
//! name, then numbers, text, cells, struct fields.
//!
//! Every count is checked against the bytes of the element that holds it before anything
//! is allocated (an element is at least 8 bytes), nesting is bounded, and numeric arrays
//! of more than [`EAGER`] values are left where they lie.

use super::bytes::{read_tag, Bytes, Tag};
use super::value::{class, Numeric, Place, Struct, Value, EAGER};
use crate::numbers::RawType;
use player_api::io::Endian;

/// MAT-file data types (`miINT8`, ...).
pub(crate) mod mi {
    pub const INT8: u32 = 1;
    pub const UINT8: u32 = 2;
    pub const UINT16: u32 = 4;
    pub const INT32: u32 = 5;
    pub const UINT32: u32 = 6;
    pub const MATRIX: u32 = 14;
    pub const COMPRESSED: u32 = 15;
    pub const UTF8: u32 = 16;
    pub const UTF16: u32 = 17;
    pub const UTF32: u32 = 18;
}

/// How deep cells and structs may nest.
const MAX_DEPTH: usize = 32;

/// The packed type of a numeric data element type.
fn raw_type(ty: u32) -> Option<RawType> {
    Some(match ty {
        1 => RawType::I8,
        2 => RawType::U8,
        3 => RawType::I16,
        4 => RawType::U16,
        5 => RawType::I32,
        6 => RawType::U32,
        7 => RawType::F32,
        9 => RawType::F64,
        12 => RawType::I64,
        13 => RawType::U64,
        _ => return None,
    })
}

/// What precedes a matrix's contents.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    pub class: u8,
    pub logical: bool,
    pub complex: bool,
    pub dims: Vec<u64>,
    pub count: u64,
    pub name: String,
    /// Where the contents start, and where the matrix ends.
    pub contents: u64,
    pub end: u64,
}

/// A parser over some bytes.
#[derive(Debug)]
pub(crate) struct Parser<'a> {
    pub bytes: Bytes<'a>,
}

/// Which fields of the top-level struct to parse (the others are skipped unread).
pub(crate) type FieldFilter<'f> = &'f dyn Fn(&str) -> bool;

impl Parser<'_> {
    /// The header of the matrix whose tag is `tag`.
    pub(crate) fn header(&mut self, tag: Tag) -> Result<Header, String> {
        if tag.ty != mi::MATRIX {
            return Err(format!(
                "expected a matrix (type 14), found data type {}",
                tag.ty
            ));
        }
        let end = tag.data + tag.len;
        let flags = read_tag(&mut self.bytes, tag.data, end, true)?;
        if flags.ty != mi::UINT32 || flags.len != 8 {
            return Err("a matrix without its array flags".into());
        }
        let word = self.bytes.u32_at(flags.data, end, "array flags")?;
        let dims_tag = read_tag(&mut self.bytes, flags.next, end, true)?;
        if dims_tag.ty != mi::INT32 || dims_tag.len % 4 != 0 || dims_tag.len < 8 {
            return Err("a matrix without its dimensions".into());
        }
        let raw = self
            .bytes
            .read(dims_tag.data, dims_tag.len, end, "dimensions")?;
        let dims: Vec<u64> = raw
            .chunks_exact(4)
            .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .map(|d| u64::try_from(d).map_err(|_| format!("a negative dimension ({d})")))
            .collect::<Result<_, _>>()?;
        let count = dims
            .iter()
            .try_fold(1u64, |a, &d| a.checked_mul(d))
            .ok_or("dimensions whose product overflows")?;
        let name_tag = read_tag(&mut self.bytes, dims_tag.next, end, true)?;
        if name_tag.ty != mi::INT8 && name_tag.ty != mi::UINT8 {
            return Err("a matrix without its name".into());
        }
        let name = self
            .bytes
            .read(name_tag.data, name_tag.len, end, "a name")?;
        let name = String::from_utf8_lossy(&name).into_owned();
        Ok(Header {
            class: (word & 0xff) as u8,
            logical: word & 0x200 != 0,
            complex: word & 0x800 != 0,
            dims,
            count,
            name,
            contents: name_tag.next,
            end,
        })
    }

    /// The matrix at `at` (ending by `end`): its name, value and the offset after it.
    /// `filter`: for a struct, which fields to parse.
    pub(crate) fn matrix(
        &mut self,
        at: u64,
        end: u64,
        padded: bool,
        depth: usize,
        filter: Option<FieldFilter<'_>>,
    ) -> Result<(String, Value, u64), String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "cells and structs nest deeper than {MAX_DEPTH} levels"
            ));
        }
        let tag = read_tag(&mut self.bytes, at, end, padded)?;
        if tag.ty == mi::MATRIX && tag.len == 0 {
            return Ok((String::new(), Value::Empty, tag.next));
        }
        let h = self.header(tag)?;
        let value = self.contents(&h, depth, filter)?;
        Ok((h.name, value, tag.next))
    }

    /// What the matrix of header `h` holds.
    pub(crate) fn contents(
        &mut self,
        h: &Header,
        depth: usize,
        filter: Option<FieldFilter<'_>>,
    ) -> Result<Value, String> {
        match h.class {
            class::CELL => self.cell(h, depth),
            class::STRUCT => self.structure(h, h.contents, depth, filter),
            class::OBJECT => {
                let name = read_tag(&mut self.bytes, h.contents, h.end, true)?;
                self.structure(h, name.next, depth, None)
            }
            class::CHAR => self.text(h),
            class::DOUBLE..=class::UINT64 => self.numeric(h),
            class::SPARSE => Ok(Value::Other("sparse")),
            16 => Ok(Value::Other("function handle")),
            17 => Ok(Value::Other("MATLAB object")),
            c => Err(format!("an array of unknown class {c}")),
        }
    }

    fn numeric(&mut self, h: &Header) -> Result<Value, String> {
        let real = read_tag(&mut self.bytes, h.contents, h.end, true)?;
        let stored =
            raw_type(real.ty).ok_or_else(|| format!("numbers stored as data type {}", real.ty))?;
        if real.len != h.count.saturating_mul(stored.size() as u64) {
            return Err(format!(
                "{} values of {} bytes announced, {} bytes stored",
                h.count,
                stored.size(),
                real.len
            ));
        }
        let place = match &self.bytes {
            Bytes::File(_) => Place::File(real.data),
            Bytes::Memory(m) => Place::Memory(std::sync::Arc::clone(m), real.data),
        };
        let values = if h.count == 0 {
            return Ok(Value::Empty);
        } else if h.count <= EAGER {
            let raw = self.bytes.read(real.data, real.len, h.end, "numbers")?;
            let mut out = vec![0.0; h.count as usize];
            stored.decode(&raw, Endian::Little, &mut out);
            Some(out)
        } else {
            None
        };
        Ok(Value::Numeric(Numeric {
            dims: h.dims.clone(),
            class: h.class,
            logical: h.logical,
            complex: h.complex,
            stored,
            count: h.count,
            place,
            values,
        }))
    }

    fn text(&mut self, h: &Header) -> Result<Value, String> {
        if h.count == 0 {
            return Ok(Value::Empty);
        }
        let tag = read_tag(&mut self.bytes, h.contents, h.end, true)?;
        let raw = self.bytes.read(tag.data, tag.len, h.end, "text")?;
        let chars: Vec<char> = match tag.ty {
            mi::UINT16 | mi::UTF16 => char::decode_utf16(
                raw.chunks_exact(2)
                    .map(|b| u16::from_le_bytes([b[0], b[1]])),
            )
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
            mi::UTF32 => raw
                .chunks_exact(4)
                .map(|b| {
                    char::from_u32(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                        .unwrap_or(char::REPLACEMENT_CHARACTER)
                })
                .collect(),
            mi::UTF8 | mi::INT8 | mi::UINT8 => String::from_utf8_lossy(&raw).chars().collect(),
            t => return Err(format!("text stored as data type {t}")),
        };
        let rows = h.dims.first().copied().unwrap_or(1).max(1) as usize;
        if rows == 1 || chars.len() % rows != 0 {
            return Ok(Value::Text(chars.into_iter().collect()));
        }
        // A char matrix, column-major: one line per row, trailing spaces trimmed.
        let cols = chars.len() / rows;
        let lines: Vec<String> = (0..rows)
            .map(|r| {
                let line: String = (0..cols).map(|c| chars[r + rows * c]).collect();
                line.trim_end().to_string()
            })
            .collect();
        Ok(Value::Text(lines.join("\n")))
    }

    /// Checks that `count` elements of at least 8 bytes fit in `[at, end)`.
    fn fits(count: u64, at: u64, end: u64, what: &str) -> Result<usize, String> {
        let room = end.saturating_sub(at) / 8;
        if count > room {
            return Err(format!("{count} {what} announced where at most {room} fit"));
        }
        usize::try_from(count).map_err(|_| format!("{count} {what}"))
    }

    fn cell(&mut self, h: &Header, depth: usize) -> Result<Value, String> {
        let n = Self::fits(h.count, h.contents, h.end, "cells")?;
        let mut items = Vec::with_capacity(n);
        let mut at = h.contents;
        for _ in 0..n {
            let (_, v, next) = self.matrix(at, h.end, true, depth + 1, None)?;
            items.push(v);
            at = next;
        }
        Ok(Value::Cell(items))
    }

    fn structure(
        &mut self,
        h: &Header,
        at: u64,
        depth: usize,
        filter: Option<FieldFilter<'_>>,
    ) -> Result<Value, String> {
        let len_tag = read_tag(&mut self.bytes, at, h.end, true)?;
        if len_tag.ty != mi::INT32 || len_tag.len != 4 {
            return Err("a struct without its field name length".into());
        }
        let width = u64::from(
            self.bytes
                .u32_at(len_tag.data, h.end, "field name length")?,
        );
        let names_tag = read_tag(&mut self.bytes, len_tag.next, h.end, true)?;
        if names_tag.ty != mi::INT8 || (width == 0 && names_tag.len != 0) {
            return Err("a struct without its field names".into());
        }
        let raw = self
            .bytes
            .read(names_tag.data, names_tag.len, h.end, "field names")?;
        let fields: Vec<String> = if width == 0 {
            Vec::new()
        } else {
            raw.chunks(width as usize)
                .map(|b| {
                    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
                    String::from_utf8_lossy(&b[..end]).into_owned()
                })
                .collect()
        };
        let total = h
            .count
            .checked_mul(fields.len() as u64)
            .ok_or("a struct too large")?;
        Self::fits(total, names_tag.next, h.end, "struct fields")?;
        let n = h.count as usize;
        let mut elements = Vec::with_capacity(n);
        let mut at = names_tag.next;
        for _ in 0..n {
            let mut values = Vec::with_capacity(fields.len());
            for f in &fields {
                if filter.is_some_and(|keep| !keep(f)) {
                    let tag = read_tag(&mut self.bytes, at, h.end, true)?;
                    values.push(Value::Skipped);
                    at = tag.next;
                    continue;
                }
                let (_, v, next) = self.matrix(at, h.end, true, depth + 1, None)?;
                values.push(v);
                at = next;
            }
            elements.push(values);
        }
        Ok(Value::Struct(Struct { fields, elements }))
    }
}
