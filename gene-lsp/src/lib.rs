//! gene-lsp: the Language Server Protocol server for Gene. Only this crate knows LSP
//! types; the analysis itself lives in `gene_vm::analysis` (plain data).

mod diagnostics;
pub mod document;
mod features;
mod host;
mod modules;
pub mod server;
#[doc(hidden)]
pub mod test_hooks;
pub mod transport;
pub mod workspace;

pub use server::Backend;
pub use transport::serve;
