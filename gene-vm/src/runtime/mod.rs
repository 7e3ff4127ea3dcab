//! The asynchronous runtime: a lazily started tokio event loop (host side) and
//! Gene futures with callbacks and `await` (VM side).

pub mod futures;
pub mod host;
pub mod ops;
