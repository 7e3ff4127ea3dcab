//! Editor analysis: queries over Gene source text that editors and tools ask
//! (formatting today; diagnostics, symbols and navigation as they land).
//!
//! This layer works on plain data (text, byte offsets, line numbers, syntax
//! errors) and never needs a `Vm` or runs user code: it depends on `syntax`
//! (and, for name-aware queries, the resolver) only, never on `vm`, `runtime`
//! or `stdlib` functions (ARCHITECTURE.md invariants). `gene fmt`, `gene check`
//! and the language server all call it, so the command line and the editor
//! never disagree.

pub mod complete;
pub mod format;
pub mod structure;
pub mod tokens;
