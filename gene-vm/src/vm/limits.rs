//! Resource limits (issue 10): string and array growth, and the instruction budget
//! that embedders (the `run` fuzz target) set to bound a program's running time.
//!
//! The limits are checked where a native or an operator makes a string or an
//! array bigger, before the memory is taken, and raise a catchable
//! `RuntimeException`. Exhausting the instruction budget is not catchable: a
//! `try` in a loop would otherwise keep an endless program alive.

use super::error::{ErrorKind, Throw, VmResult};
use super::Vm;

/// Default `Config::max_string_bytes`: 1 GiB.
pub const DEFAULT_MAX_STRING_BYTES: usize = 1 << 30;
/// Default `Config::max_array_len`: 100 million elements (1.6 GB of 16-byte values).
pub const DEFAULT_MAX_ARRAY_LEN: usize = 100_000_000;
/// The `Throw::context` of the error that ends a program out of instructions.
pub const BUDGET_CONTEXT: &str = "instruction budget";

impl Vm {
    /// Errors when a string of `len` bytes would exceed the limit.
    #[inline]
    pub fn check_str_len(&mut self, len: usize, who: &str) -> VmResult<()> {
        if len > self.config.max_string_bytes {
            return Err(self.limit_err(who, "string", len, self.config.max_string_bytes, "bytes"));
        }
        Ok(())
    }

    /// Errors when an array (or map) of `len` elements would exceed the limit.
    #[inline]
    pub fn check_array_len(&mut self, len: usize, who: &str) -> VmResult<()> {
        if len > self.config.max_array_len {
            return Err(self.limit_err(who, "array", len, self.config.max_array_len, "elements"));
        }
        Ok(())
    }

    #[cold]
    fn limit_err(
        &mut self,
        who: &str,
        what: &str,
        len: usize,
        max: usize,
        unit: &str,
    ) -> Box<Throw> {
        self.err(
            ErrorKind::Runtime,
            format!(
                "{who}: {what} too large: {len} {unit}, the limit is {max} \
                 (--max-{what}-{unit} / GENE_MAX_{}_{})",
                what.to_uppercase(),
                unit.to_uppercase()
            ),
        )
    }

    /// Counts `n` more executed instructions against `Config::max_instructions`.
    /// Called from the poll branch, so an unlimited VM never gets here for it.
    #[cold]
    pub(crate) fn charge_instructions(&mut self, n: u64) -> VmResult<()> {
        self.instructions_used = self.instructions_used.saturating_add(n);
        if self.instructions_used > self.config.max_instructions {
            let mut t = self.err(
                ErrorKind::Runtime,
                format!(
                    "Instruction budget exhausted ({} instructions)",
                    self.config.max_instructions
                ),
            );
            t.context = Some(BUDGET_CONTEXT.into());
            return Err(t);
        }
        Ok(())
    }
}
