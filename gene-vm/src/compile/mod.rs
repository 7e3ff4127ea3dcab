//! Resolver (names, scopes, captures) and bytecode emitter.

pub mod chunk;
pub mod emit;
pub mod hir;
pub mod lower;
pub mod module_path;

pub use chunk::{FileId, FnProto, Op};
