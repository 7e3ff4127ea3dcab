//! gene-dap: the Debug Adapter Protocol server for Gene.
//!
//! This crate layer owns the wire: [`transport`] reads `Content-Length` frames and
//! dispatches validated requests to a [`Session`]; [`protocol::Sink`] writes responses and
//! events. The debugging session itself (breakpoints, stepping, the VM thread) plugs in
//! through the [`Session`] trait and knows nothing about framing.

mod convert;
mod framing;
pub mod protocol;
pub mod session;
#[doc(hidden)]
pub mod test_hooks;
pub mod transport;

pub use protocol::{unknown_command, Request, Session, Sink};
pub use session::DapSession;
pub use transport::{run_port, run_stdio, serve};
