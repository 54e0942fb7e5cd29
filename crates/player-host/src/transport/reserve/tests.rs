use super::*;
use crate::transport::WireFormat;

fn stream(channels: usize, rate: f64) -> OutletSpec {
    OutletSpec {
        name: "s".into(),
        content_type: "EEG".into(),
        source_id: "s".into(),
        nominal_rate: rate,
        channels: vec![player_api::ChannelInfo::new("x", "eeg", "uV"); channels],
        format: WireFormat::Float32,
        provenance: Vec::new(),
        desc_xml: None,
    }
}

fn plan(spec: &OutletSpec, chunk_size: usize) -> OutletPlan<'_> {
    OutletPlan { spec, chunk_size }
}

#[test]
fn the_reserve_is_two_chunks_of_the_longest_chunk() {
    // 200 frames at 600 Hz last 333.3 ms: two of them, rounded up.
    let seed = stream(376, 600.0);
    let audio = stream(2, 48_000.0);
    let r = Reserve::for_outlets(&[plan(&seed, 200), plan(&audio, 10)]);
    assert_eq!(r.ms, 667);
    assert_eq!(r.samples_for(&seed), 400);
    assert_eq!(r.samples_for(&audio), 32_016);
    // Markers: two pushes of one sample.
    let markers = stream(1, 0.0);
    let r = Reserve::for_outlets(&[plan(&audio, 10), plan(&markers, 1)]);
    assert_eq!((r.ms, r.samples), (1, 2));
    assert_eq!(r.samples_for(&markers), 2);
}

#[test]
fn a_header_cannot_make_the_reserve_pass_the_budget() {
    // 80 float32 channels at 1 MHz (a 32 KB WAV can claim it): 5 s would be 1.8 GB.
    let claimed = stream(80, 1_000_000.0);
    let slow = stream(4, 10.0);
    for plans in [
        vec![plan(&claimed, 10)],
        vec![plan(&claimed, 10), plan(&slow, 100)], // the slow one asks for 20 s
        vec![plan(&claimed, 10); 4],
    ] {
        let r = Reserve::for_outlets(&plans);
        let total: u64 = plans.iter().map(|p| r.bytes_for(p.spec)).sum();
        assert!(total <= RESERVE_BUDGET, "{r:?}: {total} bytes");
        assert!(r.ms <= Reserve::LIBLSL_DEFAULT.ms);
    }
    // 4096 float32 channels at 30 kHz, chunk 30: 2 ms, about 1 MB.
    let wide = stream(4096, 30_000.0);
    let r = Reserve::for_outlets(&[plan(&wide, 30)]);
    assert_eq!(r.ms, 2);
    assert_eq!(r.bytes_for(&wide), 60 * (48 + 4 * 4096));
}

#[test]
fn streams_too_fast_for_one_millisecond_get_no_reserve() {
    // 1 ms of 100 000 channels at 1 MHz would be 400 GB: the reserve is 0 ms (liblsl then
    // preallocates one sample and allocates the rest as they are pushed).
    let absurd = stream(100_000, 1_000_000.0);
    let r = Reserve::for_outlets(&[plan(&absurd, 1)]);
    assert_eq!(r.ms, 0);
    assert_eq!(r.samples_for(&absurd), 1);
}

#[test]
fn an_outlet_too_large_for_the_reserve_in_effect_is_refused_by_name() {
    let wide = stream(4096, 30_000.0);
    assert!(check(&wide, Reserve { ms: 2, samples: 2 }).is_ok());
    // liblsl's default 5 s: 2.5 GB.
    let err = check(&wide, Reserve::LIBLSL_DEFAULT)
        .expect_err("2.5 GB is over the bound")
        .to_string();
    assert!(err.contains("s: 4096 channels at 30000 Hz"), "{err}");
    assert!(err.contains("preallocate 2.5 GB"), "{err}");
}

#[test]
fn the_merged_config_keeps_every_user_setting_but_the_reserve() {
    let user = "; lab settings\n[lab]\nSessionID = mylab\n[tuning]\n\
                OutletBufferReserveMs = 5000\nUseProtocolVersion = 110\n\
                  OutletBufferReserveSamples=128\n[log]\nlevel = -2\n";
    let merged = merged_config(Some(user), Reserve { ms: 7, samples: 3 });
    assert_eq!(
        merged,
        "; lab settings\n[lab]\nSessionID = mylab\n[tuning]\n\
         ; set by player-host for its outlets (the rest of this file is the user's)\n\
         OutletBufferReserveMs = 7\nOutletBufferReserveSamples = 3\n\
         UseProtocolVersion = 110\n[log]\nlevel = -2\n"
    );
    // Keys of the same name in other sections, and comments, stay.
    let other = "[lab]\nOutletBufferReserveMs = 1\n[tuning]\n;OutletBufferReserveMs = 9\n";
    let merged = merged_config(Some(other), Reserve { ms: 7, samples: 3 });
    assert!(
        merged.starts_with("[lab]\nOutletBufferReserveMs = 1\n[tuning]\n"),
        "{merged}"
    );
    assert!(merged.ends_with(";OutletBufferReserveMs = 9\n"), "{merged}");
    assert_eq!(merged.matches("OutletBufferReserveMs = 7").count(), 1);
}

#[test]
fn without_a_tuning_section_one_is_added() {
    let merged = merged_config(Some("[lab]\nSessionID = x"), Reserve { ms: 1, samples: 2 });
    assert!(
        merged.starts_with("[lab]\nSessionID = x\n[tuning]\n;"),
        "{merged}"
    );
    assert!(merged.ends_with("OutletBufferReserveMs = 1\nOutletBufferReserveSamples = 2\n"));
    let alone = merged_config(None, Reserve { ms: 1, samples: 2 });
    assert!(alone.starts_with("[tuning]\n"), "{alone}");
}
