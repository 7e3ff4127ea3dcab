//! Syntax: the Gene reader (text -> tree with spans) and the tree types.
//! This module knows nothing of the VM (architecture invariant 1).

mod reader;
mod snippet;
pub mod tree;

pub mod datetime;
pub use reader::{parse, MAX_NESTING};
pub use snippet::render_snippet;
pub use tree::*;
