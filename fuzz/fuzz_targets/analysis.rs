//! `analysis`: see `gene_vm::fuzzing::analysis` (the body lives in the library so that
//! `cargo test` runs it over `fuzz/corpus/analysis` and `fuzz/regressions/analysis`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gene_vm::fuzzing::analysis(data));
