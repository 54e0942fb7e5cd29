//! FIFF constants used by the reader (values from MNE-Python's `mne/_fiff/constants.py`).

/// The first 12 bytes of every FIF file: the file-id tag's kind (100), type (31, id
/// struct) and size (20), big-endian.
pub const FIF_MAGIC: [u8; 12] = [0, 0, 0, 100, 0, 0, 0, 31, 0, 0, 0, 20];

// Tag kinds.
/// The file identification tag, always first.
pub const FIFF_FILE_ID: i32 = 100;
/// Points at the tag directory (or -1 when the file has none).
pub const FIFF_DIR_POINTER: i32 = 101;
/// The tag directory itself.
pub const FIFF_DIR: i32 = 102;
/// Opens a block; its data is the block kind.
pub const FIFF_BLOCK_START: i32 = 104;
/// Closes a block.
pub const FIFF_BLOCK_END: i32 = 105;
/// Role of a file reference (previous / next part).
pub const FIFF_REF_ROLE: i32 = 115;
/// Number of a referenced file part.
pub const FIFF_REF_FILE_NUM: i32 = 117;
/// Name of a referenced file part.
pub const FIFF_REF_FILE_NAME: i32 = 118;
/// Number of channels.
pub const FIFF_NCHAN: i32 = 200;
/// Sampling frequency.
pub const FIFF_SFREQ: i32 = 201;
/// One channel's information (fiffChInfoRec).
pub const FIFF_CH_INFO: i32 = 203;
/// Measurement date (seconds, microseconds).
pub const FIFF_MEAS_DATE: i32 = 204;
/// Free-text description (also the annotation descriptions).
pub const FIFF_COMMENT: i32 = 206;
/// First sample of the raw data.
pub const FIFF_FIRST_SAMPLE: i32 = 208;
/// Experimenter.
pub const FIFF_EXPERIMENTER: i32 = 212;
/// Lowpass corner (Hz).
pub const FIFF_LOWPASS: i32 = 219;
/// Highpass corner (Hz).
pub const FIFF_HIGHPASS: i32 = 223;
/// A short name (a projector's description).
pub const FIFF_NAME: i32 = 233;
/// Power line frequency.
pub const FIFF_LINE_FREQ: i32 = 235;
/// Extended channel info: kind.
pub const FIFF_CH_KIND: i32 = 252;
/// Extended channel info: range.
pub const FIFF_CH_RANGE: i32 = 253;
/// Extended channel info: calibration.
pub const FIFF_CH_CAL: i32 = 254;
/// Extended channel info: location (12 floats).
pub const FIFF_CH_LOC: i32 = 255;
/// Extended channel info: unit.
pub const FIFF_CH_UNIT: i32 = 256;
/// Extended channel info: unit multiplier.
pub const FIFF_CH_UNIT_MUL: i32 = 257;
/// Extended channel info: (long) channel name.
pub const FIFF_CH_DACQ_NAME: i32 = 258;
/// Extended channel info: coil type.
pub const FIFF_CH_COIL_TYPE: i32 = 350;
/// Extended channel info: coordinate frame.
pub const FIFF_CH_COORD_FRAME: i32 = 351;
/// A raw data buffer.
pub const FIFF_DATA_BUFFER: i32 = 300;
/// A skip in the data, counted in buffers.
pub const FIFF_DATA_SKIP: i32 = 301;
/// Projection item kind.
pub const FIFF_PROJ_ITEM_KIND: i32 = 3411;
/// Is a projection item active.
pub const FIFF_MNE_PROJ_ITEM_ACTIVE: i32 = 3560;
/// Annotation onsets (MNE stores them as FIFF_MNE_BASELINE_MIN).
pub const FIFF_MNE_BASELINE_MIN: i32 = 3568;
/// Annotation ends (onset + duration; FIFF_MNE_BASELINE_MAX).
pub const FIFF_MNE_BASELINE_MAX: i32 = 3569;
/// Bad channel name list.
pub const FIFF_MNE_CH_NAME_LIST: i32 = 3507;

// Block kinds.
/// A measurement.
pub const FIFFB_MEAS: i32 = 100;
/// The measurement info.
pub const FIFFB_MEAS_INFO: i32 = 101;
/// Raw data.
pub const FIFFB_RAW_DATA: i32 = 102;
/// Continuous data (older acquisition software).
pub const FIFFB_CONTINUOUS_DATA: i32 = 112;
/// Extended channel information (long names).
pub const FIFFB_CH_INFO: i32 = 113;
/// A file reference (split files).
pub const FIFFB_REF: i32 = 118;
/// MaxShield (internal active shielding) raw data.
pub const FIFFB_IAS_RAW_DATA: i32 = 119;
/// SSP projectors.
pub const FIFFB_PROJ: i32 = 313;
/// One SSP projector.
pub const FIFFB_PROJ_ITEM: i32 = 314;
/// Bad channels (MNE).
pub const FIFFB_MNE_BAD_CHANNELS: i32 = 359;
/// MNE annotations.
pub const FIFFB_MNE_ANNOTATIONS: i32 = 3810;

// Data types.
/// void
pub const FIFFT_VOID: u32 = 0;
/// 16-bit signed integer.
pub const FIFFT_SHORT: u32 = 2;
/// 32-bit signed integer.
pub const FIFFT_INT: u32 = 3;
/// 32-bit float.
pub const FIFFT_FLOAT: u32 = 4;
/// 64-bit float.
pub const FIFFT_DOUBLE: u32 = 5;
/// Latin-1 text.
pub const FIFFT_STRING: u32 = 10;
/// 16-bit packed data (big-endian i16).
pub const FIFFT_DAU_PACK16: u32 = 16;
/// Complex float pairs.
pub const FIFFT_COMPLEX_FLOAT: u32 = 20;
/// Complex double pairs.
pub const FIFFT_COMPLEX_DOUBLE: u32 = 21;
/// fiffChInfoRec.
pub const FIFFT_CH_INFO_STRUCT: u32 = 30;
/// fiffIdRec (file and block ids).
pub const FIFFT_ID_STRUCT: u32 = 31;
/// Tag directory entries.
pub const FIFFT_DIR_ENTRY_STRUCT: u32 = 32;

/// `next` value: the next tag follows this one.
pub const FIFFV_NEXT_SEQ: i32 = 0;
/// `next` value: no more tags.
pub const FIFFV_NEXT_NONE: i32 = -1;
/// Reference role: the next part of a split file.
pub const FIFFV_ROLE_NEXT_FILE: i32 = 2;

// Channel kinds.
/// MEG channel.
pub const FIFFV_MEG_CH: i32 = 1;
/// EEG channel.
pub const FIFFV_EEG_CH: i32 = 2;
/// Stimulus channel.
pub const FIFFV_STIM_CH: i32 = 3;
/// Reference MEG channel.
pub const FIFFV_REF_MEG_CH: i32 = 301;
/// fNIRS channel.
pub const FIFFV_FNIRS_CH: i32 = 1100;
/// Eye-tracking channel.
pub const FIFFV_EYETRACK_CH: i32 = 1400;

// Units.
/// Tesla.
pub const FIFF_UNIT_T: i32 = 112;
/// Tesla per metre.
pub const FIFF_UNIT_T_M: i32 = 201;
