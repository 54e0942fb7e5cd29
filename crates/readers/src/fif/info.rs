//! The measurement info (FIFFB_MEAS_INFO): sampling rate, channel definitions (with the
//! long names of the extended FIFFB_CH_INFO blocks), date, filters, projectors, bad
//! channels; and how FIFF channel kinds and units map to MNE channel types and SI units.

use super::constants::*;
use super::tag::{read_data, read_f64, read_i32, read_i32s, read_string, Tag};
use super::tree::{Tree, ROOT};
use player_api::io::SourceFile;
use player_api::ReadError;

/// One channel's definition (fiffChInfoRec, possibly updated by an extended block).
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelDef {
    /// The channel's name (the long name when the file has one).
    pub name: String,
    /// Scan number.
    pub scanno: i32,
    /// Logical number.
    pub logno: i32,
    /// FIFF channel kind (`FIFFV_*_CH`).
    pub kind: i32,
    /// Range (stored integer to voltage at the output).
    pub range: f32,
    /// Calibration (output voltage to physical unit).
    pub cal: f32,
    /// Coil type.
    pub coil_type: i32,
    /// Location and orientation (12 numbers).
    pub loc: [f32; 12],
    /// FIFF unit code (`FIFF_UNIT_*`).
    pub unit: i32,
    /// Unit multiplier exponent (kept as metadata; MNE does not scale data by it).
    pub unit_mul: i32,
    /// Coordinate frame of the location.
    pub coord_frame: i32,
}

impl ChannelDef {
    /// The factor from stored numbers to physical units, `cal * range`, as MNE computes it.
    pub fn scale(&self) -> f64 {
        f64::from(self.cal) * f64::from(self.range)
    }

    /// The MNE channel type (`raw.get_channel_types()`).
    pub fn mne_type(&self) -> &'static str {
        channel_type(self.kind, self.unit, self.coil_type)
    }

    /// The SI unit text of the channel's values.
    pub fn si_unit(&self) -> &'static str {
        si_unit(self.unit)
    }
}

/// One SSP projector.
#[derive(Debug, Clone, PartialEq)]
pub struct Projector {
    /// Its description (FIFF_NAME).
    pub name: String,
    /// Whether it was already applied.
    pub active: bool,
}

/// What the measurement info says.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasInfo {
    /// Sampling frequency (Hz).
    pub sfreq: f64,
    /// The channels, in data order.
    pub channels: Vec<ChannelDef>,
    /// Measurement start (seconds and microseconds since 1970), when set.
    pub meas_date: Option<(i64, i64)>,
    /// Highpass corner (Hz); 0 when the file does not say (MNE's default).
    pub highpass: Option<f64>,
    /// Lowpass corner (Hz); half the sampling rate when the file does not say.
    pub lowpass: Option<f64>,
    /// Power line frequency (Hz).
    pub line_freq: Option<f64>,
    /// SSP projectors.
    pub projectors: Vec<Projector>,
    /// Bad channel names.
    pub bads: Vec<String>,
    /// Experimenter.
    pub experimenter: Option<String>,
    /// Description.
    pub description: Option<String>,
}

/// The MNE channel type of a FIFF channel kind (`mne._fiff.pick.channel_type`): MEG by
/// unit (T/m: grad, T: mag), EEG, fNIRS and eye-tracking by coil type. Kinds MNE does not
/// name are `misc`.
pub fn channel_type(kind: i32, unit: i32, coil_type: i32) -> &'static str {
    match kind {
        FIFFV_MEG_CH => match unit {
            FIFF_UNIT_T_M => "grad",
            FIFF_UNIT_T => "mag",
            _ => "misc",
        },
        FIFFV_REF_MEG_CH => "ref_meg",
        FIFFV_EEG_CH => match coil_type {
            6 => "csd",
            _ => "eeg",
        },
        FIFFV_STIM_CH => "stim",
        202 => "eog",
        302 => "emg",
        402 => "ecg",
        602 => "resp",
        502 => "misc",
        920 => "exci",
        910 => "ias",
        900 => "syst",
        802 => "seeg",
        803 => "dbs",
        102 => "bio",
        700..=709 => "chpi",
        1000 => "dipole",
        1001 => "gof",
        902 => "ecog",
        FIFFV_FNIRS_CH => match coil_type {
            300 => "hbo",
            301 => "hbr",
            302 => "fnirs_cw_amplitude",
            303 => "fnirs_od",
            304 => "fnirs_fd_ac_amplitude",
            305 => "fnirs_fd_phase",
            306 => "fnirs_td_gated_amplitude",
            307 => "fnirs_td_moments_intensity",
            308 => "fnirs_td_moments_mean",
            309 => "fnirs_td_moments_variance",
            _ => "misc",
        },
        1200 => "temperature",
        1300 => "gsr",
        FIFFV_EYETRACK_CH => match coil_type {
            400 => "eyegaze",
            401 => "pupil",
            _ => "misc",
        },
        _ => "misc",
    }
}

/// The SI text of a FIFF unit code; empty for "none", "unitless" and unknown codes.
pub fn si_unit(unit: i32) -> &'static str {
    match unit {
        1 => "m",
        2 => "kg",
        3 => "s",
        4 => "A",
        5 => "K",
        6 => "mol",
        7 => "rad",
        8 => "sr",
        9 => "cd",
        10 => "mol/m^3",
        101 => "Hz",
        102 => "N",
        103 => "Pa",
        104 => "J",
        105 => "W",
        106 => "C",
        107 => "V",
        108 => "F",
        109 => "Ohm",
        110 => "S",
        111 => "Wb",
        112 => "T",
        113 => "H",
        114 => "°C",
        115 => "lm",
        116 => "lx",
        117 => "V/m^2",
        118 => "s^2",
        201 => "T/m",
        202 => "Am",
        203 => "Am/m^2",
        204 => "Am/m^3",
        210 => "px",
        _ => "",
    }
}

/// MNE's coordinate frame for a channel kind (`_ch_coord_dict`): device for MEG, head for
/// EEG-like channels, unknown otherwise.
fn coord_frame_of(kind: i32) -> i32 {
    match kind {
        FIFFV_MEG_CH | FIFFV_REF_MEG_CH => 1,
        FIFFV_EEG_CH | 902 | 802 | 803 | FIFFV_FNIRS_CH => 4,
        _ => 0,
    }
}

/// Decodes a FIFFT_CH_INFO_STRUCT (96 bytes).
fn parse_ch_info(file: &mut SourceFile, tag: &Tag) -> Result<ChannelDef, ReadError> {
    if tag.typ != FIFFT_CH_INFO_STRUCT || tag.size < 96 {
        return Err(file.malformed(
            tag.pos,
            format!(
                "channel info tag has type {} and size {}, expected a 96-byte channel info struct",
                tag.typ, tag.size
            ),
        ));
    }
    let data = read_data(file, tag)?;
    let b: [u8; 96] = data
        .get(..96)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| file.malformed(tag.pos, "channel info struct is too short"))?;
    let i = |k: usize| i32::from_be_bytes([b[k], b[k + 1], b[k + 2], b[k + 3]]);
    let f = |k: usize| f32::from_be_bytes([b[k], b[k + 1], b[k + 2], b[k + 3]]);
    let mut loc = [0f32; 12];
    for (j, v) in loc.iter_mut().enumerate() {
        *v = f(24 + 4 * j);
    }
    let name_bytes = &b[80..96];
    let end = name_bytes.iter().position(|&c| c == 0).unwrap_or(16);
    let name = String::from_utf8_lossy(&name_bytes[..end]).into_owned();
    let kind = i(8);
    Ok(ChannelDef {
        name,
        scanno: i(0),
        logno: i(4),
        kind,
        range: f(12),
        cal: f(16),
        coil_type: i(20),
        loc,
        unit: i(72),
        unit_mul: i(76),
        coord_frame: coord_frame_of(kind),
    })
}

/// Applies one extended FIFFB_CH_INFO block (MNE 0.23+ writes one per channel when names
/// are longer than 15 characters) to `ch`.
fn apply_extended(
    file: &mut SourceFile,
    entries: &[Tag],
    ch: &mut ChannelDef,
) -> Result<(), ReadError> {
    for tag in entries {
        if tag.size == 0 {
            continue;
        }
        match tag.kind {
            250 => ch.scanno = read_i32(file, tag)?,
            251 => ch.logno = read_i32(file, tag)?,
            FIFF_CH_KIND => ch.kind = read_i32(file, tag)?,
            FIFF_CH_RANGE => ch.range = read_f64(file, tag)? as f32,
            FIFF_CH_CAL => ch.cal = read_f64(file, tag)? as f32,
            FIFF_CH_COIL_TYPE => ch.coil_type = read_i32(file, tag)?,
            FIFF_CH_UNIT => ch.unit = read_i32(file, tag)?,
            FIFF_CH_UNIT_MUL => ch.unit_mul = read_i32(file, tag)?,
            FIFF_CH_COORD_FRAME => ch.coord_frame = read_i32(file, tag)?,
            FIFF_CH_DACQ_NAME => ch.name = read_string(file, tag)?,
            FIFF_CH_LOC => {
                let (values, _) = super::tag::read_f64s(file, tag)?;
                for (dst, v) in ch.loc.iter_mut().zip(values) {
                    *dst = v as f32;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Finds the single FIFFB_MEAS block and its FIFFB_MEAS_INFO; returns (meas, meas_info).
pub fn find_meas(file: &SourceFile, tree: &Tree) -> Result<(usize, usize), ReadError> {
    let meas = tree.find(ROOT, FIFFB_MEAS);
    let [meas] = meas.as_slice() else {
        return Err(file.malformed(
            0,
            format!("expected one measurement block, found {}", meas.len()),
        ));
    };
    let infos = tree.find(*meas, FIFFB_MEAS_INFO);
    let [info] = infos.as_slice() else {
        return Err(file.malformed(
            0,
            format!("expected one measurement info block, found {}", infos.len()),
        ));
    };
    Ok((*meas, *info))
}

/// Reads the measurement info block `node`.
pub fn read_meas_info(
    file: &mut SourceFile,
    tree: &Tree,
    node: usize,
) -> Result<MeasInfo, ReadError> {
    let mut nchan = None;
    let mut sfreq = None;
    let mut channels = Vec::new();
    let mut info = MeasInfo {
        sfreq: 0.0,
        channels: Vec::new(),
        meas_date: None,
        highpass: None,
        lowpass: None,
        line_freq: None,
        projectors: Vec::new(),
        bads: Vec::new(),
        experimenter: None,
        description: None,
    };
    let entries = tree.entries(node).to_vec();
    let first_pos = entries.first().map_or(0, |t| t.pos);
    for tag in &entries {
        match tag.kind {
            FIFF_NCHAN => nchan = Some((read_i32(file, tag)?, tag.pos)),
            FIFF_SFREQ => sfreq = Some((read_f64(file, tag)?, tag.pos)),
            FIFF_CH_INFO => channels.push(parse_ch_info(file, tag)?),
            FIFF_LOWPASS => info.lowpass = Some(read_f64(file, tag)?).filter(|v| !v.is_nan()),
            FIFF_HIGHPASS => info.highpass = Some(read_f64(file, tag)?).filter(|v| !v.is_nan()),
            FIFF_LINE_FREQ => info.line_freq = Some(read_f64(file, tag)?).filter(|v| !v.is_nan()),
            FIFF_MEAS_DATE => {
                let v = read_i32s(file, tag)?;
                let secs = v.first().copied().map(i64::from);
                let usecs = v.get(1).copied().map_or(0, i64::from);
                // MNE's "no date" marker is (0, 2**31 - 1)
                info.meas_date = secs
                    .filter(|&s| !(s == 0 && usecs == i64::from(i32::MAX)))
                    .map(|s| (s, usecs));
            }
            FIFF_EXPERIMENTER => info.experimenter = Some(read_string(file, tag)?),
            FIFF_COMMENT => info.description = Some(read_string(file, tag)?),
            _ => {}
        }
    }
    let (nchan, nchan_pos) = nchan
        .ok_or_else(|| file.malformed(first_pos, "the measurement info has no channel count"))?;
    let (sfreq, sfreq_pos) = sfreq
        .ok_or_else(|| file.malformed(first_pos, "the measurement info has no sampling rate"))?;
    if !(sfreq.is_finite() && sfreq > 0.0) {
        return Err(file.malformed(sfreq_pos, format!("invalid sampling rate {sfreq}")));
    }
    if nchan <= 0 || usize::try_from(nchan).ok() != Some(channels.len()) {
        return Err(file.malformed(
            nchan_pos,
            format!(
                "the channel count is {nchan} but {} channel definitions were found",
                channels.len()
            ),
        ));
    }
    // Extended channel information (long names), one block per channel, in order.
    let extended = tree.find(node, FIFFB_CH_INFO);
    if !extended.is_empty() {
        if extended.len() != channels.len() {
            return Err(file.malformed(
                first_pos,
                format!(
                    "{} extended channel info blocks for {} channels",
                    extended.len(),
                    channels.len()
                ),
            ));
        }
        for (block, ch) in extended.into_iter().zip(channels.iter_mut()) {
            let entries = tree.entries(block).to_vec();
            apply_extended(file, &entries, ch)?;
        }
    }
    // Projectors.
    if let Some(proj) = tree.find_first(node, FIFFB_PROJ) {
        for item in tree.find(proj, FIFFB_PROJ_ITEM) {
            let mut p = Projector {
                name: String::new(),
                active: false,
            };
            for tag in tree.entries(item).to_vec() {
                match tag.kind {
                    FIFF_NAME | FIFF_COMMENT if p.name.is_empty() => {
                        p.name = read_string(file, &tag)?
                    }
                    FIFF_MNE_PROJ_ITEM_ACTIVE => p.active = read_i32(file, &tag)? != 0,
                    _ => {}
                }
            }
            info.projectors.push(p);
        }
    }
    // Bad channels.
    if let Some(bad) = tree.find_first(node, FIFFB_MNE_BAD_CHANNELS) {
        for tag in tree.entries(bad).to_vec() {
            if tag.kind == FIFF_MNE_CH_NAME_LIST {
                let text = read_string(file, &tag)?;
                info.bads = text
                    .split(':')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
            }
        }
    }
    // MNE's defaults when the file does not say
    info.highpass = Some(info.highpass.unwrap_or(0.0));
    info.lowpass = Some(info.lowpass.unwrap_or(sfreq / 2.0));
    info.sfreq = sfreq;
    info.channels = channels;
    Ok(info)
}
