//! Editor analysis: plain-data queries over a Gene source text (diagnostics,
//! navigation, symbols, hover) for `gene check` and the language server. Depends
//! on `syntax` and the resolver only, and reads the natives table as data
//! (ARCHITECTURE.md invariant 7): it never runs user code.

pub mod diagnostics;
pub mod hover;
pub mod line_index;
pub mod model;
pub mod natives;
pub mod navigate;
pub mod symbols;
