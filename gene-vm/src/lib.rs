//! Gene: reader, compiler, bytecode VM and asynchronous runtime.
//!
//! Layers (see ARCHITECTURE.md): `syntax` (text -> tree, never fails), `compile`
//! (resolver + emitter), `vm` (values, frames, interpreter), `runtime` (event loop,
//! futures), `stdlib` (natives table), `debug` and `analysis` (editor queries).

pub mod analysis;
pub mod compile;
pub mod debug;
#[doc(hidden)]
pub mod fuzzing;
pub mod runtime;
pub mod stdlib;
pub mod syntax;
pub mod vm;

pub use vm::{Config, Vm};
pub mod check;
pub mod driver;
pub mod examples;
