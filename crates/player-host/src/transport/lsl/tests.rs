use super::*;

fn spec(name: &str) -> OutletSpec {
    OutletSpec {
        name: name.into(),
        content_type: "EEG".into(),
        source_id: format!("{name}-source"),
        nominal_rate: 100.0,
        channels: vec![player_api::ChannelInfo::new("C3", "eeg", "uV")],
        format: WireFormat::Float32,
        provenance: Vec::new(),
        desc_xml: None,
    }
}

fn wide(channels: usize, rate: f64, format: WireFormat) -> OutletSpec {
    OutletSpec {
        nominal_rate: rate,
        channels: vec![player_api::ChannelInfo::new("x", "eeg", "uV"); channels],
        format,
        ..spec("wide")
    }
}

#[test]
fn the_default_bound_keeps_64_mib_per_consumer() {
    let eeg = wide(64, 10_000.0, WireFormat::Float32);
    assert_eq!(sample_bytes(&eeg), 304 + 8);
    let n = buffered_samples(&eeg, DEFAULT_MAX_BUFFERED);
    assert_eq!(n, (64 << 20) / 312);
    assert!(n * sample_bytes(&eeg) <= 64 << 20);
    // A 4096-channel 30 kHz stream keeps about 0.14 s, not liblsl's 360 s (177 GB).
    let wide = wide(4096, 30_000.0, WireFormat::Float32);
    let n = buffered_samples(&wide, DEFAULT_MAX_BUFFERED);
    assert_eq!(n, (64 << 20) / (16_432 + 8));
}

#[test]
fn slow_streams_keep_liblsls_six_minutes_at_most() {
    let slow = wide(1, 100.0, WireFormat::Float32);
    assert_eq!(buffered_samples(&slow, DEFAULT_MAX_BUFFERED), 36_000);
    let markers = wide(1, 0.0, WireFormat::String);
    assert_eq!(buffered_samples(&markers, DEFAULT_MAX_BUFFERED), 36_000);
}

#[test]
fn a_bound_in_seconds_counts_samples_at_the_rate() {
    let eeg = wide(8, 500.0, WireFormat::Float64);
    assert_eq!(buffered_samples(&eeg, MaxBuffered::Seconds(2.0)), 1000);
    let markers = wide(1, 0.0, WireFormat::String);
    assert_eq!(buffered_samples(&markers, MaxBuffered::Seconds(3.0)), 300);
    // Never nothing at all.
    assert_eq!(buffered_samples(&eeg, MaxBuffered::Seconds(0.0)), 1);
    assert_eq!(buffered_samples(&eeg, MaxBuffered::Bytes(0)), 1);
}

#[cfg(feature = "bundled-liblsl")]
#[test]
fn xml_elements_are_found_by_tag() {
    let xml = "<info><v4data_port>16572</v4data_port><v6data_port>0</v6data_port></info>";
    assert_eq!(xml_element(xml, "v4data_port"), Some("16572"));
    assert_eq!(xml_element(xml, "v6data_port"), Some("0"));
    assert_eq!(xml_element(xml, "name"), None);
}

#[test]
fn an_outlet_knows_its_data_ports_and_has_no_backlog_without_consumers() {
    let name = format!("player-lsl-unit-{}", std::process::id());
    let outlet = LslOutlet::new(lib().expect("liblsl"), &spec(&name), 100).expect("outlet");
    assert!(!outlet.data_ports.is_empty());
    #[cfg(target_os = "linux")]
    assert_eq!(outlet.backlog(&LslOutput::default().census()), Some(0));
}
