//! A stream's faults made ready to play ([`FaultPlan`]): the channel faults' picks
//! resolved to the published channels, checked when the recordings open (a pick that
//! matches no channel is an error naming the key).

use crate::error::{HostError, Result};
use crate::scenario::faults::{ChannelFault, Faults};
use player_api::ChannelInfo;
use std::collections::BTreeSet;
use std::path::Path;

/// One channel fault and the columns it hits.
#[derive(Debug, Clone)]
pub(crate) struct ChannelRule {
    pub(crate) fault: ChannelFault,
    /// Columns of the published frame.
    pub(crate) cols: Vec<usize>,
    /// Their labels.
    pub(crate) labels: Vec<String>,
}

/// A stream's faults with the channel faults' columns.
#[derive(Debug, Clone)]
pub(crate) struct FaultPlan {
    pub(crate) faults: Faults,
    /// The channel faults that hit some channel of this stream.
    pub(crate) rules: Vec<ChannelRule>,
}

/// The plan of `faults` on a stream publishing `channels` (`numeric`: not text, which
/// channel faults leave alone); the picks that matched are added to `matched` (by the
/// channel fault's index and pick).
pub(crate) fn plan(
    faults: &Faults,
    channels: &[ChannelInfo],
    numeric: bool,
    matched: &mut BTreeSet<(usize, String)>,
) -> FaultPlan {
    let mut rules = Vec::new();
    for (i, fault) in faults.channels.iter().enumerate() {
        let picks = fault.picks.as_deref().unwrap_or_default();
        let mut found = BTreeSet::new();
        let cols = super::super::picks::pick_columns(channels, picks, &mut found);
        matched.extend(found.into_iter().map(|p| (i, p.to_string())));
        if numeric && !cols.is_empty() {
            rules.push(ChannelRule {
                fault: fault.clone(),
                labels: cols.iter().map(|&c| channels[c].label.clone()).collect(),
                cols,
            });
        }
    }
    FaultPlan {
        faults: faults.clone(),
        rules,
    }
}

/// Every pick of every channel fault matched a channel of the recording's streams
/// (whose channels are `all`).
pub(crate) fn check_matched(
    path: &Path,
    faults: &Faults,
    matched: &BTreeSet<(usize, String)>,
    all: &[player_api::StreamInfo],
) -> Result<()> {
    for (i, fault) in faults.channels.iter().enumerate() {
        let picks = fault.picks.as_deref().unwrap_or_default();
        let hit: BTreeSet<&str> = picks
            .iter()
            .filter(|p| matched.contains(&(i, p.to_string())))
            .map(String::as_str)
            .collect();
        super::super::picks::check_matched(path, picks, &hit, all).map_err(|e| {
            let message = match e {
                HostError::Config(m) => m,
                other => other.to_string(),
            };
            HostError::config(format!("faults.channels[{i}].picks: {message}"))
        })?;
    }
    Ok(())
}
