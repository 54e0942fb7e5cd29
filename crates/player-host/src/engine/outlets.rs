//! The start of a run: its outlets, created on a few threads at once, each with the
//! transport's priority ([`transport_priority`]).
//!
//! liblsl takes a millisecond or more to create an outlet (sockets, ports, its own
//! threads): 1000 outlets of the bundled 1.13 took 1.6-2 s one after the other. The
//! threads liblsl starts for an outlet (which answer discovery and send to each
//! consumer) inherit the priority of the thread that created it: created from a thread
//! of nice -10, busy ordinary processes delay them less. Not real-time: a liblsl thread
//! that spins (1.13's `accept` retried without end when out of descriptors) must not be
//! able to starve the machine.

use super::punctual::transport_priority;
use crate::error::Result;
use crate::transport::{Outlet, OutletSpec, Output};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Where a creator thread leaves the outlet (or the error) of one spec.
type Slot = Mutex<Option<Result<Box<dyn Outlet>>>>;

/// Most threads that create outlets at once.
const CREATORS: usize = 4;

/// Creates an outlet of `output` for every spec, in order, on up to [`CREATORS`]
/// threads. The first error (in the order of `specs`) is returned, and no more outlets
/// are created after one fails; when `stop` is set meanwhile, the outlets created so
/// far (a prefix of `specs`) are returned.
pub(crate) fn create_all(
    output: &dyn Output,
    specs: &[&OutletSpec],
    stop: &AtomicBool,
) -> Result<Vec<Box<dyn Outlet>>> {
    let slots: Vec<Slot> = specs.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let work = || {
        transport_priority();
        loop {
            if stop.load(Ordering::SeqCst) || failed.load(Ordering::SeqCst) {
                return;
            }
            let i = next.fetch_add(1, Ordering::SeqCst);
            let Some(spec) = specs.get(i) else {
                return;
            };
            let made = output.create(spec);
            if made.is_err() {
                failed.store(true, Ordering::SeqCst);
            }
            if let Ok(mut slot) = slots[i].lock() {
                *slot = Some(made);
            }
        }
    };
    std::thread::scope(|scope| {
        let threads = CREATORS.min(specs.len());
        let mut spawned = 0;
        for _ in 0..threads {
            let builder = std::thread::Builder::new().name("create outlets".into());
            if builder.spawn_scoped(scope, work).is_ok() {
                spawned += 1;
            }
        }
        // Without a thread, this one creates them.
        if spawned == 0 {
            work();
        }
    });
    let mut outlets = Vec::with_capacity(specs.len());
    for slot in slots {
        match slot.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some(Ok(outlet)) => outlets.push(outlet),
            Some(Err(e)) => return Err(e),
            None => break, // stopped (or after a failure, already returned above)
        }
    }
    Ok(outlets)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::HostError;
    use crate::transport::{NullOutput, Values};
    use std::collections::HashSet;
    use std::sync::Arc;

    fn spec(name: &str) -> OutletSpec {
        OutletSpec {
            name: name.into(),
            content_type: "EEG".into(),
            source_id: name.into(),
            nominal_rate: 100.0,
            channels: vec![player_api::ChannelInfo::new("x", "eeg", "uV")],
            format: crate::transport::WireFormat::Float32,
            provenance: Vec::new(),
            desc_xml: None,
        }
    }

    /// An outlet that writes its name in a log when it is pushed to.
    struct Named(String, Arc<Mutex<Vec<String>>>);

    impl Outlet for Named {
        fn push(&mut self, _: Values<'_>, _: &[f64]) -> Result<()> {
            if let Ok(mut log) = self.1.lock() {
                log.push(self.0.clone());
            }
            Ok(())
        }
        fn have_consumers(&self) -> bool {
            true
        }
    }

    /// Makes outlets named after their specs on several threads, refusing one name.
    #[derive(Default)]
    struct Recording {
        threads: Mutex<HashSet<std::thread::ThreadId>>,
        refuse: Option<String>,
        pushed: Arc<Mutex<Vec<String>>>,
    }

    impl Output for Recording {
        fn create(&self, spec: &OutletSpec) -> Result<Box<dyn Outlet>> {
            std::thread::sleep(std::time::Duration::from_millis(1));
            if let Ok(mut t) = self.threads.lock() {
                t.insert(std::thread::current().id());
            }
            if self.refuse.as_deref() == Some(spec.name.as_str()) {
                return Err(HostError::Lsl(format!("{}: refused", spec.name)));
            }
            Ok(Box::new(Named(spec.name.clone(), self.pushed.clone())))
        }
        fn now(&self) -> f64 {
            0.0
        }
    }

    fn names(n: usize) -> Vec<OutletSpec> {
        (0..n).map(|i| spec(&format!("s{i}"))).collect()
    }

    #[test]
    fn outlets_come_back_in_order_made_on_several_threads() {
        let specs = names(64);
        let refs: Vec<&OutletSpec> = specs.iter().collect();
        let output = Recording::default();
        let outlets = create_all(&output, &refs, &AtomicBool::new(false)).expect("created");
        assert_eq!(outlets.len(), 64);
        let threads = output.threads.lock().expect("not poisoned").len();
        assert!(threads > 1, "{threads} thread(s)");
        for mut outlet in outlets {
            outlet.push(Values::F32(&[0.0]), &[0.0]).expect("pushed");
        }
        let want: Vec<String> = (0..64).map(|i| format!("s{i}")).collect();
        assert_eq!(*output.pushed.lock().expect("not poisoned"), want);
    }

    #[test]
    fn the_first_failure_in_order_is_returned() {
        let specs = names(40);
        let refs: Vec<&OutletSpec> = specs.iter().collect();
        let output = Recording {
            refuse: Some("s17".into()),
            ..Default::default()
        };
        let err = create_all(&output, &refs, &AtomicBool::new(false))
            .err()
            .expect("s17 is refused");
        assert!(err.to_string().contains("s17: refused"), "{err}");
    }

    #[test]
    fn a_stop_returns_a_prefix() {
        let specs = names(8);
        let refs: Vec<&OutletSpec> = specs.iter().collect();
        let outlets = create_all(&NullOutput, &refs, &AtomicBool::new(true)).expect("ok");
        assert!(outlets.is_empty());
        let all = create_all(&NullOutput, &refs, &AtomicBool::new(false)).expect("ok");
        assert_eq!(all.len(), 8);
    }
}
