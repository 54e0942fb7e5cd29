//! Steering a playing replay from outside the program: the control socket and its
//! protocol, and the terminal keys. Both only call a [`Steer`](crate::Steer), the
//! engine's steering trait (`engine::control`), which every other surface (the Rust API,
//! Python) calls too.
//!
//! # Vocabulary
//!
//! * **request**: one operation asked of the player (pause, seek, ...), as the protocol
//!   writes it ([`protocol`]);
//! * **answer**: the JSON line that answers a request: the new status or a refusal;
//! * **socket**: the local Unix socket that serves the protocol ([`socket`]);
//! * **keys**: the terminal's keys, read while a command plays ([`keys`]);
//! * **wake**: the signal that ends a socket's or the keys' blocking waits ([`wake`]).

pub(crate) mod keys;
#[cfg(test)]
pub(crate) mod mock_steer;
pub(crate) mod protocol;
pub(crate) mod socket;
pub(crate) mod wake;
