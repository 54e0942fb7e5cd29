//! What a MAT-file variable holds, as far as a reader of EEGLAB datasets needs: numbers
//! (small arrays decoded, large ones left where they lie), text, cells, structs.

use crate::numbers::RawType;
use std::sync::Arc;

/// MATLAB's array classes (`mxCLASS`).
pub(crate) mod class {
    pub const CELL: u8 = 1;
    pub const STRUCT: u8 = 2;
    pub const OBJECT: u8 = 3;
    pub const CHAR: u8 = 4;
    pub const SPARSE: u8 = 5;
    pub const DOUBLE: u8 = 6;
    pub const SINGLE: u8 = 7;
    pub const UINT64: u8 = 15;
}

/// Where a numeric array's packed values lie.
#[derive(Debug, Clone)]
pub(crate) enum Place {
    /// At a byte offset of the MAT-file.
    File(u64),
    /// At a byte offset of a decompressed variable.
    Memory(Arc<Vec<u8>>, u64),
}

/// A numeric (or logical) array.
#[derive(Debug, Clone)]
pub(crate) struct Numeric {
    pub dims: Vec<u64>,
    /// The MATLAB class (`class::DOUBLE`, ...).
    pub class: u8,
    pub logical: bool,
    pub complex: bool,
    /// How the values are stored (MATLAB may store a double array as smaller integers).
    pub stored: RawType,
    /// The number of values.
    pub count: u64,
    /// Where the real part's values lie.
    pub place: Place,
    /// The real part decoded, for arrays of at most [`EAGER`] values.
    pub values: Option<Vec<f64>>,
}

/// Arrays up to this many values are decoded while parsing.
pub(crate) const EAGER: u64 = 4096;

/// A struct array: field names and, per element, one value per field.
#[derive(Debug, Clone)]
pub(crate) struct Struct {
    pub fields: Vec<String>,
    pub elements: Vec<Vec<Value>>,
}

/// A parsed value.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Numeric(Numeric),
    Text(String),
    Cell(Vec<Value>),
    Struct(Struct),
    /// An empty array of any class (`[]`, `''`, `{}`).
    Empty,
    /// A class this parser does not read (sparse, function handles, MATLAB objects), by
    /// name.
    Other(&'static str),
    /// Not parsed (a field nobody asked for).
    Skipped,
}

impl Numeric {
    /// The first value, when decoded.
    pub(crate) fn first(&self) -> Option<f64> {
        self.values.as_ref().and_then(|v| v.first().copied())
    }
}

impl Struct {
    /// Field `name` of element `index`.
    pub(crate) fn get(&self, index: usize, name: &str) -> Option<&Value> {
        let f = self.fields.iter().position(|f| f == name)?;
        self.elements.get(index)?.get(f)
    }

    /// The number of elements.
    pub(crate) fn len(&self) -> usize {
        self.elements.len()
    }
}

impl Value {
    /// What the value is, for messages: `a struct array of 3`, `text`, `a sparse array`.
    pub(crate) fn describe(&self) -> String {
        match self {
            Value::Numeric(n) => format!("an array of {} numbers", n.count),
            Value::Text(_) => "text".into(),
            Value::Cell(items) => format!("a cell array of {}", items.len()),
            Value::Struct(s) => format!("a struct array of {}", s.len()),
            Value::Empty => "empty".into(),
            Value::Other(what) => format!("a {what}"),
            Value::Skipped => "not read".into(),
        }
    }

    /// A real scalar (the first value of a decoded numeric array).
    pub(crate) fn number(&self) -> Option<f64> {
        match self {
            Value::Numeric(n) => n.first(),
            _ => None,
        }
    }

    /// The text of a char array.
    pub(crate) fn text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }

    /// Field `name` of a 1×1 struct.
    pub(crate) fn field(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Struct(s) if s.len() == 1 => s.get(0, name),
            _ => None,
        }
    }
}
