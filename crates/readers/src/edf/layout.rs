//! From signals to streams: one stream per distinct sample rate, highest rate first, with
//! each channel's label, kind, unit and extra metadata.

use super::header::{Header, Signal};
use crate::units::{content_type, kind_of, rate_name, voltage_scale};
use player_api::{ChannelInfo, SampleFormat, StreamInfo};

/// How one stream's samples are found in a record and scaled.
#[derive(Debug, Clone)]
pub(crate) struct StreamPlan {
    /// Samples per record of every signal of this stream.
    pub spr: u64,
    /// Frames per second (`spr / record duration`).
    pub rate: f64,
    /// The stream's signals, in file order.
    pub channels: Vec<ChannelPlan>,
}

/// One channel: where its samples sit in a record and how to scale them.
#[derive(Debug, Clone)]
pub(crate) struct ChannelPlan {
    /// Byte offset inside a record.
    pub offset_in_record: u64,
    /// EDFlib's `bitvalue` and `offset`: physical = bitvalue * (offset + digital).
    pub bitvalue: f64,
    pub offset: f64,
    /// The factor to SI units (1e-6 for uV), when the dimension is a voltage.
    pub unit_scale: Option<f64>,
}

/// The SI unit and the factor that converts values to it: voltages (`uV`, `µV`, `mV`,
/// `nV`, `V`) become volts; any other dimension is kept as written, unscaled.
pub(crate) fn unit_of(signal: &Signal) -> (String, Option<f64>) {
    if signal.latin1_micro {
        return ("V".into(), Some(1e-6));
    }
    match voltage_scale(&signal.dimension) {
        Some(scale) => ("V".into(), Some(scale)),
        None => (signal.dimension.clone(), None),
    }
}

fn channel_info(s: &Signal) -> ChannelInfo {
    let (unit, _) = unit_of(s);
    let mut c = ChannelInfo::new(s.label.clone(), kind_of(&s.label), unit)
        .with_extra("physical_dimension", s.dimension.clone())
        .with_extra("physical_min", s.phys_min.to_string())
        .with_extra("physical_max", s.phys_max.to_string())
        .with_extra("digital_min", s.dig_min.to_string())
        .with_extra("digital_max", s.dig_max.to_string())
        .with_extra("samples_per_record", s.spr.to_string())
        .with_extra("signal_number", (s.index + 1).to_string());
    for (key, value) in [
        ("transducer", &s.transducer),
        ("prefiltering", &s.prefilter),
        ("signal_reserved", &s.reserved),
    ] {
        if !value.is_empty() {
            c = c.with_extra(key, value.clone());
        }
    }
    c
}

/// Groups the data signals of `h` by samples per record (equivalently by rate), highest
/// rate first; returns each stream's description (without its length) and plan.
pub(crate) fn plan_streams(h: &Header) -> Vec<(StreamInfo, StreamPlan)> {
    let mut sprs: Vec<u64> = h
        .signals
        .iter()
        .filter(|s| !s.annotation)
        .map(|s| s.spr)
        .collect();
    sprs.sort_unstable_by(|a, b| b.cmp(a));
    sprs.dedup();
    let format = if h.bdf {
        SampleFormat::Int24
    } else {
        SampleFormat::Int16
    };
    sprs.into_iter()
        .map(|spr| {
            let rate = spr as f64 / h.duration;
            let signals: Vec<&Signal> = h
                .signals
                .iter()
                .filter(|s| !s.annotation && s.spr == spr)
                .collect();
            let channels: Vec<ChannelInfo> = signals.iter().map(|s| channel_info(s)).collect();
            let plan = StreamPlan {
                spr,
                rate,
                channels: signals
                    .iter()
                    .map(|s| {
                        let (bitvalue, offset) = s.scaling();
                        ChannelPlan {
                            offset_in_record: s.offset_in_record,
                            bitvalue,
                            offset,
                            unit_scale: unit_of(s).1,
                        }
                    })
                    .collect(),
            };
            let mut info =
                StreamInfo::new(rate_name(rate), content_type(&channels), rate, channels)
                    .with_sample_format(format);
            info.metadata
                .insert("samples_per_record".into(), spr.to_string());
            info.metadata
                .insert("record_duration".into(), h.duration_text.clone());
            (info, plan)
        })
        .collect()
}
