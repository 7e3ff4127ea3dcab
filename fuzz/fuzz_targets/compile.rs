//! `compile`: see `gene_vm::fuzzing::compile` (the body lives in the library so that
//! `cargo test` runs it over `fuzz/corpus/compile` and `fuzz/regressions/compile`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gene_vm::fuzzing::compile(data));
