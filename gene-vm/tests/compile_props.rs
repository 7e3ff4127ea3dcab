//! Property tests of the compiler and interpreter: any text compiles (or reports
//! errors) without panicking, and programs made of Gene's own forms run without
//! panicking (errors are fine; the instruction budget comes from `max_depth` and
//! loop-free generation).

use gene_vm::compile::lower::LowerOptions;
use gene_vm::driver::run_program;
use gene_vm::{Config, Vm};
use proptest::prelude::*;

/// Fragments that exercise special forms, operators, paths and data.
const PIECES: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    " ",
    "\n",
    "^k",
    "^^f",
    "x",
    "y",
    "f",
    "1",
    "-2",
    "3.5",
    "\"s\"",
    "'c'",
    "nil",
    "void",
    "true",
    "`q",
    ":q",
    "var",
    "fn",
    "if",
    "elif",
    "else",
    "do",
    "try",
    "catch",
    "*",
    "finally",
    "throw",
    "class",
    "new",
    "ns",
    "async",
    "await",
    "yield",
    "return",
    "break",
    "continue",
    "case",
    "when",
    "for",
    "in",
    "repeat",
    "+",
    "-",
    "*",
    "/",
    "%",
    "==",
    "<",
    "&&",
    "||",
    "=",
    "+=",
    ".size",
    ".add",
    "x/0",
    "x/y",
    "/p",
    "xs...",
    "...",
    "#\"a#{x}b\"",
    "(fn g [a b = 1 c...] (a + b))",
    "(g 1 2 3)",
    "(var xs [1 2 3])",
    "(sleep_async 1)",
    "$ex",
    "$args",
    "gene/all",
    "(range 0 3)",
];

fn program() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..60).prop_map(|v| v.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_compiles_or_reports_errors(src in "\\PC{0,200}") {
        let mut vm = Vm::new(Config::default());
        let _ = vm.compile("prop.gene", &src, &LowerOptions::default());
    }

    #[test]
    fn programs_of_gene_forms_never_panic(src in program()) {
        // No loops that could run forever: `loop`/`while` are not in the pieces, and
        // `repeat`/`for` only see small literals; recursion hits max_depth.
        let mut vm = Vm::new(Config { poll_interval: 100, max_depth: 2_000, ..Config::default() });
        vm.out = Box::new(std::io::sink());
        let _ = run_program(&mut vm, "prop.gene", &src);
    }
}
