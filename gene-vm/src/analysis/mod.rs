//! Editor analysis: plain-data queries over a Gene source text (formatting,
//! diagnostics, navigation, symbols, hover, completion, semantic tokens, structure)
//! for `gene fmt`, `gene check` and the language server.
//!
//! This layer works on plain data (text, byte offsets, line numbers) and never needs
//! a `Vm` or runs user code: it depends on `syntax` and the resolver only, and reads
//! the natives table as data (ARCHITECTURE.md invariant 7). The command line and the
//! editor call the same functions, so they never disagree.

pub mod actions;
pub mod complete;
pub mod diagnostics;
pub mod format;
pub mod hints;
pub mod hover;
pub mod imports;
pub mod line_index;
pub mod model;
pub mod natives;
pub mod navigate;
pub mod structure;
pub mod symbols;
pub mod tokens;
