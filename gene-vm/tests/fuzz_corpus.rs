//! The fuzz targets of `fuzz/` (their bodies live in `gene_vm::fuzzing`) over the
//! committed seed corpus (`fuzz/corpus/<target>/seed-*`) and every crash the
//! fuzzers found (`fuzz/regressions/<target>/*`), as ordinary tests. The targets of
//! the servers (`lsp_messages`, `dap_*`) have their regressions in gene-lsp/gene-dap.

use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut out = Vec::new();
    for (dir, seeds_only) in [("corpus", true), ("regressions", false)] {
        let Ok(rd) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if p.is_file() && (!seeds_only || name.starts_with("seed-")) && !name.starts_with('.') {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn run_target(target: &str) {
    let (_, body) = gene_vm::fuzzing::TARGETS
        .iter()
        .find(|(n, _)| *n == target)
        .expect("a target of gene_vm::fuzzing::TARGETS");
    let files = inputs(target);
    assert!(!files.is_empty(), "no seed corpus for {target}");
    for f in files {
        let data = std::fs::read(&f).unwrap();
        let r = std::panic::catch_unwind(|| body(&data));
        assert!(r.is_ok(), "fuzz target {target} fails on {}", f.display());
    }
}

#[test]
fn reader_corpus() {
    run_target("reader");
}

#[test]
fn compile_corpus() {
    run_target("compile");
}

#[test]
fn run_corpus() {
    run_target("run");
}

#[test]
fn analysis_corpus() {
    run_target("analysis");
}

#[test]
fn format_corpus() {
    run_target("format");
}

/// The generator makes programs that reach the interpreter (not only compile
/// errors): most generated programs must compile.
#[test]
fn run_generates_programs_that_compile() {
    let mut ok = 0;
    let files = inputs("run");
    for f in &files {
        let p = gene_vm::fuzzing::generate(&std::fs::read(f).unwrap());
        let mut vm = gene_vm::Vm::new(gene_vm::Config::default());
        if vm
            .compile(
                "g.gene",
                &p,
                &gene_vm::compile::lower::LowerOptions::default(),
            )
            .is_ok()
        {
            ok += 1;
        }
    }
    assert!(
        ok * 2 >= files.len(),
        "only {ok} of {} generated programs compile",
        files.len()
    );
}

/// An endless program ends at the instruction budget, and no `try` catches that.
#[test]
fn instruction_budget_ends_endless_programs() {
    let t = std::time::Instant::now();
    gene_vm::fuzzing::run_text("(while true (try (while true (var z 1)) catch * nil))");
    assert!(
        t.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        t.elapsed()
    );
    let mut vm = gene_vm::Vm::new(gene_vm::fuzzing::fuzz_config());
    let r =
        gene_vm::driver::run_program(&mut vm, "e.gene", "(while true (try (var z 1) catch * 0))");
    let Err(gene_vm::driver::RunError::Thrown(e)) = r else {
        panic!("an endless loop must end with an error");
    };
    assert!(vm.render_error(&e).contains("Instruction budget exhausted"));
}
