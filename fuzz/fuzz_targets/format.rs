//! `format`: see `gene_vm::fuzzing::format` (the body lives in the library so that
//! `cargo test` runs it over `fuzz/corpus/format` and `fuzz/regressions/format`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gene_vm::fuzzing::format(data));
