//! `reader`: see `gene_vm::fuzzing::reader` (the body lives in the library so that
//! `cargo test` runs it over `fuzz/corpus/reader` and `fuzz/regressions/reader`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gene_vm::fuzzing::reader(data));
