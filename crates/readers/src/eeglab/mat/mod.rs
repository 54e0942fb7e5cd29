//! A small reader of MATLAB MAT-files, level 5 (MATLAB's `-v6` and `-v7`, scipy's
//! `savemat`, Octave's `-v7`): the 128-byte header, then one data element per variable,
//! `miMATRIX` or `miCOMPRESSED` (a zlib stream holding one `miMATRIX`).
//!
//! Only the variables asked for are parsed; the others are skipped by their size (a
//! compressed one after decompressing its first bytes, for its name). An uncompressed
//! variable is parsed in place, its large numeric arrays left on disk (their offsets are
//! kept, see [`Place`]); a compressed one is decompressed into memory first, at most
//! `limit` bytes. Little-endian files only; level 7.3 files (HDF5) are refused with what
//! to do.

mod bytes;
mod parse;
mod value;

use crate::file_read::FileReader;
use bytes::{read_tag, Bytes, CachedFile, Tag};
use flate2::read::ZlibDecoder;
use parse::{mi, Parser};
use player_api::io::SourceFile;
use player_api::{quote, ReadError};
use std::io::Read;
use std::sync::Arc;
pub(crate) use value::{class, Numeric, Place, Struct, Value};

/// Bytes of a compressed variable decompressed to read its name.
const NAME_PREFIX: u64 = 1024;

/// What to parse.
pub(crate) struct Request<'a> {
    /// The top-level variables to parse.
    pub wanted: &'a dyn Fn(&str) -> bool,
    /// The struct variable whose fields `fields` selects (EEGLAB's `EEG`).
    pub struct_name: &'a str,
    pub fields: &'a dyn Fn(&str) -> bool,
    /// The most bytes a compressed variable may decompress to.
    pub limit: u64,
    /// What to say when a compressed variable is larger than `limit` (the way out).
    pub too_large: &'a dyn Fn(&str, u64) -> String,
}

/// A parsed variable.
#[derive(Debug, Clone)]
pub(crate) struct Variable {
    pub name: String,
    pub value: Value,
    pub compressed: bool,
}

/// What a MAT-file holds (the variables asked for).
#[derive(Debug, Clone)]
pub(crate) struct MatFile {
    /// The header's descriptive text.
    pub description: String,
    pub variables: Vec<Variable>,
    /// The names of every variable, parsed or not.
    pub names: Vec<String>,
}

impl MatFile {
    /// The variable `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&Variable> {
        self.variables.iter().find(|v| v.name == name)
    }
}

/// The text of a MAT-file that is HDF5 (level 7.3) inside, with what to do.
pub(crate) const V73: &str = "a MATLAB 7.3 MAT-file (HDF5), which this reader does not read: save it as a level 5 MAT-file (EEGLAB: pop_saveset(EEG, 'filename', NAME, 'version', '7'); MATLAB: save(NAME, '-struct', 'EEG', '-v7')), or read it with MNE-Python (mne.io.read_raw_eeglab) and replay the Raw with the Python package's Player.from_raw";

/// Checks the 128-byte header; returns its text.
fn header(file: &mut SourceFile) -> Result<String, ReadError> {
    let mut head = [0u8; 128];
    if file.len() < 128 {
        return Err(ReadError::truncated(format!(
            "the file ({} bytes) is shorter than the 128-byte header of a MAT-file",
            file.len()
        ))
        .in_file(file.path()));
    }
    file.read_exact_at(0, &mut head, "the MAT-file header")?;
    let version = u16::from_le_bytes([head[124], head[125]]);
    if head.starts_with(b"MATLAB 7.3") || (version == 0x0200 && &head[126..128] == b"IM") {
        return Err(ReadError::unsupported(format!("this is {V73}")).in_file(file.path()));
    }
    match &head[126..128] {
        b"IM" if version == 0x0100 => {}
        b"MI" => {
            return Err(ReadError::unsupported(
                "a big-endian MAT-file, which this reader does not read: save it again on a little-endian machine (any PC or Mac of the last 15 years)",
            )
            .at_offset(126)
            .in_file(file.path()))
        }
        _ => {
            return Err(ReadError::malformed(
                "not a MATLAB level 5 MAT-file: bytes 124-127 are not the version 0x0100 and the byte order mark \"IM\"",
            )
            .at_offset(124)
            .in_file(file.path()))
        }
    }
    let text = String::from_utf8_lossy(&head[..116]);
    Ok(text.trim_end_matches(['\0', ' ']).to_string())
}

/// Reads the variables `request` asks for; gives the file back.
pub(crate) fn read_mat(
    mut file: SourceFile,
    request: &Request<'_>,
) -> Result<(MatFile, SourceFile), ReadError> {
    let description = header(&mut file)?;
    let path = file.path().to_path_buf();
    let len = file.len();
    let mut out = MatFile {
        description,
        variables: Vec::new(),
        names: Vec::new(),
    };
    let mut cached = CachedFile::new(file);
    let mut at = 128u64;
    while len - at >= 8 {
        let fail = |m: String| ReadError::malformed(m).at_offset(at).in_file(&path);
        let tag = read_tag(&mut Bytes::File(&mut cached), at, len, false).map_err(fail)?;
        match tag.ty {
            mi::MATRIX => {
                let mut parser = Parser {
                    bytes: Bytes::File(&mut cached),
                };
                let found = if tag.len == 0 {
                    None
                } else {
                    let h = parser.header(tag).map_err(fail)?;
                    out.names.push(h.name.clone());
                    if (request.wanted)(&h.name) {
                        let filter = (h.name == request.struct_name).then_some(request.fields);
                        let value = parser
                            .contents(&h, 0, filter)
                            .map_err(|m| fail(format!("variable {}: {m}", quote(&h.name))))?;
                        Some((h.name, value))
                    } else {
                        None
                    }
                };
                if let Some((name, value)) = found {
                    out.variables.push(Variable {
                        name,
                        value,
                        compressed: false,
                    });
                }
            }
            mi::COMPRESSED => {
                let found = inflate(cached.file.reopen()?, tag, request, &mut out.names)
                    .map_err(|e| e.at_offset(at).in_file(&path))?;
                if let Some((name, value)) = found {
                    out.variables.push(Variable {
                        name,
                        value,
                        compressed: true,
                    });
                }
            }
            t => {
                return Err(fail(format!(
                    "a variable of data type {t} (a MAT-file holds matrices, type 14, or compressed ones, type 15)"
                )))
            }
        }
        at = tag.next;
    }
    Ok((out, cached.file))
}

/// Decompresses the variable of `tag` (read from `file`, a handle of its own) when it is
/// wanted (its name first); returns its name and value when parsed.
fn inflate(
    file: SourceFile,
    tag: Tag,
    request: &Request<'_>,
    names: &mut Vec<String>,
) -> Result<Option<(String, Value)>, ReadError> {
    let reader = FileReader::range(file, tag.data, tag.data + tag.len);
    let mut z = ZlibDecoder::new(reader);
    let bad = |e: std::io::Error| {
        ReadError::malformed(format!("a compressed variable does not decompress: {e}"))
    };
    let mut head = vec![0u8; 8];
    z.read_exact(&mut head).map_err(bad)?;
    let ty = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
    let inner = u64::from(u32::from_le_bytes([head[4], head[5], head[6], head[7]]));
    if ty != mi::MATRIX {
        return Err(ReadError::malformed(format!(
            "a compressed variable holds data type {ty}, not a matrix (14)"
        )));
    }
    let total = 8 + inner;
    let first = total.min(NAME_PREFIX);
    head.resize(first as usize, 0);
    z.read_exact(&mut head[8..]).map_err(bad)?;
    let prefix = Arc::new(head);
    let name = if inner == 0 {
        String::new()
    } else {
        let mut p = Parser {
            bytes: Bytes::Memory(&prefix),
        };
        let t = read_tag(&mut p.bytes, 0, total, false).map_err(ReadError::malformed)?;
        p.header(t).map_err(ReadError::malformed)?.name
    };
    names.push(name.clone());
    if inner == 0 || !(request.wanted)(&name) {
        return Ok(None);
    }
    if total > request.limit {
        return Err(ReadError::unsupported((request.too_large)(&name, total)));
    }
    let mut buf = Arc::try_unwrap(prefix).unwrap_or_else(|p| p.as_ref().clone());
    (&mut z)
        .take(total - first)
        .read_to_end(&mut buf)
        .map_err(bad)?;
    if buf.len() as u64 != total {
        return Err(ReadError::truncated(format!(
            "the compressed variable {} ends after {} of the {total} bytes it announces",
            quote(&name),
            buf.len()
        )));
    }
    let buf = Arc::new(buf);
    let mut p = Parser {
        bytes: Bytes::Memory(&buf),
    };
    let filter = (name == request.struct_name).then_some(request.fields);
    let (_, value, _) = p
        .matrix(0, total, false, 0, filter)
        .map_err(|m| ReadError::malformed(format!("variable {}: {m}", quote(&name))))?;
    Ok(Some((name, value)))
}
