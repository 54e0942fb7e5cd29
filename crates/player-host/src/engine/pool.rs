//! A small pool of threads that runs many resumable tasks: the prefetch work of every
//! stream, on about as many threads as the machine has cores, however many streams play.
//!
//! # Vocabulary
//!
//! * a **task** does its work in **steps** ([`Task::step`]: read and send one block),
//!   and after each step says whether it has more to do at once ([`Step::Again`]),
//!   must wait until it is woken ([`Step::Wait`]: its queue is full, or it waits for a
//!   seek) or is finished ([`Step::Done`]);
//! * a **waker** ([`Waker`]) puts a waiting task back in the **run queue**; waking a task
//!   that is queued does nothing, waking one in the middle of a step makes it run again
//!   after that step (no wake-up is lost);
//! * the **core threads** (the cores, at least 2) are started with the first tasks;
//! * a **stuck thread** is one whose current step has lasted longer than [`PATIENCE`]
//!   (a plugin blocked in `read`, a dead network file system). The **watcher** thread
//!   adds a thread while work is queued and fewer threads than the core ones are not
//!   stuck, so that a reader that never returns holds one thread, not the other streams
//!   (the timing thread gives up on its stream after a few seconds: `STALL_TIMEOUT`).
//!   Added threads end after [`IDLE_EXIT`] without work; at most [`MAX_EXTRA`] are added.
//!
//! Tasks run in the order they were queued, one step at a time, so that every stream
//! gets its turn. A panic in a step finishes that task (the thread goes on to others).

use std::collections::{HashMap, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long one step may take before its thread counts as stuck.
pub const PATIENCE: Duration = Duration::from_millis(100);
/// How long an added thread waits for work before it ends.
pub const IDLE_EXIT: Duration = Duration::from_secs(2);
/// Most threads added beyond the core threads (each stuck one holds one).
pub const MAX_EXTRA: usize = 64;

/// Work done in steps on the pool's threads.
pub trait Task: Send {
    /// Does one step of the work.
    fn step(&mut self) -> Step;
}

/// What a task says after a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Queue it again: it has more to do now.
    Again,
    /// Leave it until its [`Waker`] is called.
    Wait,
    /// Finished: it is dropped when its last [`Waker`] is.
    Done,
}

/// Where a task is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Waiting,
    Queued,
    Running,
    /// Woken during its step: it runs again after it.
    RunningWoken,
    Done,
}

/// A task and where it is.
struct Slot {
    state: Mutex<State>,
    task: Mutex<Box<dyn Task>>,
}

/// The pool's threads and run queue.
pub struct Pool {
    shared: Arc<Shared>,
}

struct Shared {
    queue: Mutex<Queue>,
    /// Signalled when a task is queued or the pool shuts down.
    work: Condvar,
    /// Signalled when the pool shuts down (the watcher waits on it).
    closing: Condvar,
    /// Threads started with the first tasks.
    core: usize,
    /// Prefix of the threads' names.
    name: String,
}

#[derive(Default)]
struct Queue {
    tasks: VecDeque<Arc<Slot>>,
    /// Threads alive (the watcher not counted).
    threads: usize,
    /// Threads waiting for work.
    free: usize,
    /// Since when each busy thread (by index) has been in its current step.
    busy_since: HashMap<usize, Instant>,
    /// The index of the next thread started.
    next_index: usize,
    watcher: bool,
    shutdown: bool,
}

/// Locks a mutex whose data stays consistent even if a holder panicked (every critical
/// section here is a few assignments).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Pool {
    /// A pool with `core` threads (at least 1), started as tasks are added; `name`
    /// prefixes the threads' names.
    pub fn new(core: usize, name: &str) -> Self {
        Pool {
            shared: Arc::new(Shared {
                queue: Mutex::new(Queue::default()),
                work: Condvar::new(),
                closing: Condvar::new(),
                core: core.max(1),
                name: name.to_string(),
            }),
        }
    }

    /// A pool sized to this machine: one thread per core, at least 2.
    pub fn for_this_machine(name: &str) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Pool::new(cores.max(2), name)
    }

    /// Adds a task, queued to run at once. Fails only when a needed thread cannot be
    /// started (the task is then not added).
    pub fn add(&self, task: Box<dyn Task>) -> std::io::Result<Waker> {
        self.grow_to_core()?;
        let slot = Arc::new(Slot {
            state: Mutex::new(State::Queued),
            task: Mutex::new(task),
        });
        self.shared.enqueue(slot.clone());
        Ok(Waker {
            slot,
            shared: self.shared.clone(),
        })
    }

    /// Threads alive now (the watcher not counted).
    #[cfg(test)]
    pub fn threads(&self) -> usize {
        lock(&self.shared.queue).threads
    }

    /// Starts a core thread if fewer run, and the watcher with the first.
    fn grow_to_core(&self) -> std::io::Result<()> {
        let (start_thread, start_watcher) = {
            let q = lock(&self.shared.queue);
            (q.threads < self.shared.core, !q.watcher)
        };
        if start_thread {
            Shared::spawn_thread(&self.shared)?;
        }
        if start_watcher {
            let shared = self.shared.clone();
            std::thread::Builder::new()
                .name(format!("{} watcher", self.shared.name))
                .spawn(move || shared.watch())?;
            lock(&self.shared.queue).watcher = true;
        }
        Ok(())
    }
}

impl Drop for Pool {
    /// Lets the threads end after their current step; queued tasks are dropped (a
    /// thread stuck in a step is left to it).
    fn drop(&mut self) {
        let tasks = {
            let mut q = lock(&self.shared.queue);
            q.shutdown = true;
            std::mem::take(&mut q.tasks)
        };
        self.shared.work.notify_all();
        self.shared.closing.notify_all();
        drop(tasks);
    }
}

impl Shared {
    fn enqueue(&self, slot: Arc<Slot>) {
        let mut q = lock(&self.queue);
        if q.shutdown {
            return;
        }
        q.tasks.push_back(slot);
        let free = q.free > 0;
        drop(q);
        if free {
            self.work.notify_one();
        }
    }

    /// Starts one more thread.
    fn spawn_thread(shared: &Arc<Shared>) -> std::io::Result<()> {
        let index = {
            let mut q = lock(&shared.queue);
            q.threads += 1;
            q.next_index += 1;
            q.next_index - 1
        };
        let worker = shared.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("{} {index}", shared.name))
            .spawn(move || worker.serve(index));
        if spawned.is_err() {
            lock(&shared.queue).threads -= 1;
        }
        spawned.map(|_| ())
    }

    /// A thread's loop: takes queued tasks and runs one step of each.
    fn serve(&self, index: usize) {
        // Favoured over ordinary work (nice -10, not real-time): under a busy machine the
        // reading ahead of 10 000 streams fell behind and their chunks went out late.
        super::punctual::transport_priority();
        while let Some(slot) = self.next_task(index) {
            *lock(&slot.state) = State::Running;
            let step =
                catch_unwind(AssertUnwindSafe(|| lock(&slot.task).step())).unwrap_or(Step::Done);
            lock(&self.queue).busy_since.remove(&index);
            let requeue = {
                let mut state = lock(&slot.state);
                *state = match (step, *state) {
                    (Step::Done, _) => State::Done,
                    (Step::Again, _) | (Step::Wait, State::RunningWoken) => State::Queued,
                    (Step::Wait, _) => State::Waiting,
                };
                *state == State::Queued
            };
            if requeue {
                self.enqueue(slot);
            }
        }
    }

    /// The next task for thread `index` (marked busy), or `None` when the thread ends:
    /// at shutdown, or when it is not a core thread and found no work for [`IDLE_EXIT`].
    fn next_task(&self, index: usize) -> Option<Arc<Slot>> {
        let mut q = lock(&self.queue);
        loop {
            if q.shutdown {
                q.threads -= 1;
                return None;
            }
            if let Some(slot) = q.tasks.pop_front() {
                q.busy_since.insert(index, Instant::now());
                return Some(slot);
            }
            q.free += 1;
            let (guard, waited) = self
                .work
                .wait_timeout(q, IDLE_EXIT)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            q = guard;
            q.free -= 1;
            if waited.timed_out() && q.tasks.is_empty() && q.threads > self.core {
                q.threads -= 1;
                return None;
            }
        }
    }

    /// The watcher's loop: while work is queued and fewer than `core` threads are not
    /// stuck, adds a thread.
    fn watch(self: Arc<Self>) {
        let mut q = lock(&self.queue);
        while !q.shutdown {
            let now = Instant::now();
            let stuck = q
                .busy_since
                .values()
                .filter(|since| now.duration_since(**since) > PATIENCE)
                .count();
            let wanted = !q.tasks.is_empty() && q.threads - stuck < self.core;
            if wanted && q.threads < self.core + MAX_EXTRA {
                drop(q);
                // A thread that cannot be started leaves the work to the others.
                let _ = Shared::spawn_thread(&self);
                q = lock(&self.queue);
            }
            q = self
                .closing
                .wait_timeout(q, PATIENCE / 2)
                .map_or_else(|poisoned| poisoned.into_inner().0, |(guard, _)| guard);
        }
    }
}

/// Puts a waiting task back in the run queue.
pub struct Waker {
    slot: Arc<Slot>,
    shared: Arc<Shared>,
}

impl Waker {
    /// Queues the task if it waits; one in the middle of a step runs again after it.
    pub fn wake(&self) {
        let queue = {
            let mut state = lock(&self.slot.state);
            match *state {
                State::Waiting => {
                    *state = State::Queued;
                    true
                }
                State::Running => {
                    *state = State::RunningWoken;
                    false
                }
                State::Queued | State::RunningWoken | State::Done => false,
            }
        };
        if queue {
            self.shared.enqueue(self.slot.clone());
        }
    }
}

impl std::fmt::Debug for Waker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Waker")
            .field("state", &*lock(&self.slot.state))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::{channel, Receiver, Sender};

    /// Counts `steps` steps, reporting each, then is done.
    struct Counter {
        left: usize,
        done: Sender<usize>,
        id: usize,
    }

    impl Task for Counter {
        fn step(&mut self) -> Step {
            self.left -= 1;
            if self.left == 0 {
                let _ = self.done.send(self.id);
                Step::Done
            } else {
                Step::Again
            }
        }
    }

    /// Blocks in its first step until `release` says so (a plugin stuck in `read`).
    struct Blocked {
        release: Receiver<()>,
    }

    impl Task for Blocked {
        fn step(&mut self) -> Step {
            let _ = self.release.recv();
            Step::Done
        }
    }

    const LIMIT: Duration = Duration::from_secs(60);

    #[test]
    fn a_thousand_tasks_run_to_the_end_on_two_threads() {
        let pool = Pool::new(2, "test");
        let (tx, rx) = channel();
        let _wakers: Vec<Waker> = (0..1000)
            .map(|id| {
                let task = Counter {
                    left: 5,
                    done: tx.clone(),
                    id,
                };
                pool.add(Box::new(task)).expect("a thread")
            })
            .collect();
        let mut seen = vec![false; 1000];
        for _ in 0..1000 {
            seen[rx.recv_timeout(LIMIT).expect("in time")] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn tasks_stuck_in_a_step_do_not_hold_up_the_others() {
        // Both core threads, and then one more, get a step that never returns: the
        // watcher adds threads, and the counters still run to the end.
        let pool = Pool::new(2, "test");
        let mut releases = Vec::new();
        let mut wakers = Vec::new();
        for _ in 0..3 {
            let (release, rx) = channel();
            releases.push(release);
            wakers.push(
                pool.add(Box::new(Blocked { release: rx }))
                    .expect("a thread"),
            );
        }
        let (tx, rx) = channel();
        for id in 0..10 {
            let task = Counter {
                left: 3,
                done: tx.clone(),
                id,
            };
            wakers.push(pool.add(Box::new(task)).expect("a thread"));
        }
        for _ in 0..10 {
            rx.recv_timeout(LIMIT).expect("a counter did not finish");
        }
        assert!(pool.threads() > 3, "{} threads", pool.threads());
        for release in releases {
            let _ = release.send(());
        }
    }

    /// Waits once, then is done; counts its steps.
    struct WaitsOnce {
        steps: Arc<Mutex<usize>>,
        done: Sender<()>,
    }

    impl Task for WaitsOnce {
        fn step(&mut self) -> Step {
            let mut steps = lock(&self.steps);
            *steps += 1;
            if *steps == 1 {
                Step::Wait
            } else {
                let _ = self.done.send(());
                Step::Done
            }
        }
    }

    #[test]
    fn a_waiting_task_runs_again_when_woken_and_only_then() {
        let pool = Pool::new(1, "test");
        let steps = Arc::new(Mutex::new(0));
        let (tx, rx) = channel();
        let waker = pool
            .add(Box::new(WaitsOnce {
                steps: steps.clone(),
                done: tx,
            }))
            .expect("a thread");
        // The first step happens by itself, the second only after a wake.
        while *lock(&steps) == 0 {
            std::thread::yield_now();
        }
        assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());
        assert_eq!(*lock(&steps), 1);
        waker.wake();
        rx.recv_timeout(LIMIT).expect("the woken task did not run");
        waker.wake(); // a finished task is not run again
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(*lock(&steps), 2);
    }

    /// Wakes itself in the middle of its step, then says it waits: it must run again.
    struct WokenDuringStep {
        waker: Arc<Mutex<Option<Waker>>>,
        steps: usize,
        done: Sender<()>,
    }

    impl Task for WokenDuringStep {
        fn step(&mut self) -> Step {
            self.steps += 1;
            if self.steps == 1 {
                while lock(&self.waker).is_none() {
                    std::thread::yield_now();
                }
                if let Some(w) = lock(&self.waker).as_ref() {
                    w.wake();
                }
                Step::Wait
            } else {
                let _ = self.done.send(());
                Step::Done
            }
        }
    }

    #[test]
    fn a_wake_during_a_step_is_not_lost() {
        let pool = Pool::new(1, "test");
        let slot = Arc::new(Mutex::new(None));
        let (tx, rx) = channel();
        let waker = pool
            .add(Box::new(WokenDuringStep {
                waker: slot.clone(),
                steps: 0,
                done: tx,
            }))
            .expect("a thread");
        // The task wakes itself through a second handle on its slot.
        *lock(&slot) = Some(Waker {
            slot: waker.slot.clone(),
            shared: waker.shared.clone(),
        });
        rx.recv_timeout(LIMIT).expect("the wake-up was lost");
        lock(&slot).take();
    }

    struct Panics;

    impl Task for Panics {
        fn step(&mut self) -> Step {
            panic!("deliberate");
        }
    }

    #[test]
    fn a_panicking_task_is_finished_and_the_others_go_on() {
        let pool = Pool::new(1, "test");
        let _w = pool.add(Box::new(Panics)).expect("a thread");
        let (tx, rx) = channel();
        let _c = pool
            .add(Box::new(Counter {
                left: 2,
                done: tx,
                id: 7,
            }))
            .expect("a thread");
        assert_eq!(rx.recv_timeout(LIMIT).expect("in time"), 7);
    }
}
