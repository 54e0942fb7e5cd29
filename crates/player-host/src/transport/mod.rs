//! Where the engine's chunks go, and the clock they are timed by.
//!
//! # Vocabulary
//!
//! * **output**: a factory of outlets and the clock of every timestamp ([`Output`]): real
//!   LSL ([`lsl::LslOutput`]) or nothing ([`NullOutput`]);
//! * **outlet**: one published stream ([`Outlet`]), described before it exists by an
//!   [`OutletSpec`];
//! * **formats**: the sample type a user asks for ([`ValueFormat`]), resolved per stream
//!   into what goes on the wire ([`WireFormat`]); chunks travel in [`Samples`] buffers,
//!   viewed as [`Values`] when pushed;
//! * **backlog**: what an outlet has pushed that its consumers have not yet taken, read
//!   from a [`Census`] of the transport taken once for all outlets; the end of a run
//!   [`Linger`]s until it is zero;
//! * **liblsl**: the C library behind LSL outlets, loaded once ([`liblsl`]), with its
//!   configuration file ([`lsl_config`]);
//! * **reserve**: the samples liblsl preallocates per outlet, sized by the player from
//!   the [`OutletPlan`]s of a run ([`reserve`]).

pub(crate) mod clock;
pub(crate) mod liblsl;
pub(crate) mod lsl;
pub(crate) mod lsl_config;
mod output;
pub(crate) mod reserve;
pub(crate) mod sockets;

pub use output::{
    Census, Linger, NullOutput, Outlet, OutletPlan, OutletSpec, Output, Samples, ValueFormat,
    Values, WireFormat,
};
