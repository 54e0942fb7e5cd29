//! The schema version of the JSON documents that cross the boundary: writing a document
//! with its version, reading one by the rule of the crate's `abi` module ("Versioning of
//! the JSON documents").

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The schema version of the JSON documents this crate writes, and the newest it reads.
pub const SCHEMA_VERSION: u32 = 1;

/// The key of the schema version in each JSON document (`"schema_version": 1`).
pub const SCHEMA_KEY: &str = "schema_version";

/// Why a JSON document could not be read.
#[derive(Debug)]
pub(crate) enum SchemaError {
    /// Not JSON, not an object, or fields of the wrong type.
    Malformed(String),
    /// Written in a newer schema than [`SCHEMA_VERSION`].
    Newer(u32),
}

/// `doc` as a JSON object, with [`SCHEMA_KEY`] first.
pub(crate) fn to_json(doc: &impl Serialize) -> serde_json::Result<Vec<u8>> {
    #[derive(Serialize)]
    struct Versioned<'a, T> {
        schema_version: u32,
        #[serde(flatten)]
        doc: &'a T,
    }
    serde_json::to_vec(&Versioned {
        schema_version: SCHEMA_VERSION,
        doc,
    })
}

/// Reads a document: checks its schema version (1 when absent) and parses it.
pub(crate) fn from_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, SchemaError> {
    #[derive(Deserialize)]
    struct Envelope {
        #[serde(default = "first")]
        schema_version: u32,
    }
    fn first() -> u32 {
        1
    }
    let malformed = |e: serde_json::Error| SchemaError::Malformed(e.to_string());
    let envelope: Envelope = serde_json::from_slice(bytes).map_err(malformed)?;
    match envelope.schema_version {
        0 => Err(SchemaError::Malformed(format!(
            "{SCHEMA_KEY} 0 (versions start at 1)"
        ))),
        v if v > SCHEMA_VERSION => Err(SchemaError::Newer(v)),
        _ => serde_json::from_slice(bytes).map_err(malformed),
    }
}
