//! `run`: see `gene_vm::fuzzing::run` (the body lives in the library so that
//! `cargo test` runs it over `fuzz/corpus/run` and `fuzz/regressions/run`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gene_vm::fuzzing::run(data));
