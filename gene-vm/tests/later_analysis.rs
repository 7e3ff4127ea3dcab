//! The editor analysis on the programs of `tests/gene/16_later/` (the [later]
//! features): a program that runs cleanly (no `# ExitCode:`) must get no error
//! diagnostic (no false `undefined-name`, `arity`, `misplaced`), and the
//! declaration forms must show up in the document symbols.

use std::path::{Path, PathBuf};

use gene_vm::analysis::diagnostics::{diagnostics, DiagnosticConfig, Severity};
use gene_vm::analysis::symbols::{document_symbols, DocumentSymbol};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "gene") {
            out.push(p);
        }
    }
}

fn later_programs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/gene/16_later");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    assert!(!files.is_empty(), "no programs under {}", root.display());
    files
}

#[test]
fn clean_later_programs_have_no_error_diagnostics() {
    let mut failures = Vec::new();
    for p in later_programs() {
        let text = std::fs::read_to_string(&p).expect("read program");
        if text
            .lines()
            .any(|l| l.trim_start().starts_with("# ExitCode:"))
        {
            continue;
        }
        let errors: Vec<String> = diagnostics(&text, &DiagnosticConfig::default())
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| format!("  {} [{}] at {}", d.message, d.code, d.span.start))
            .collect();
        if !errors.is_empty() {
            failures.push(format!("{}:\n{}", p.display(), errors.join("\n")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn names(symbols: &[DocumentSymbol]) -> Vec<String> {
    let mut out = Vec::new();
    for s in symbols {
        out.push(s.name.clone());
        out.extend(names(&s.children));
    }
    out
}

#[test]
fn let_bindings_are_document_symbols() {
    let syms = document_symbols("(let limit 3)\n(let [a b] [1 2])\n");
    let n = names(&syms);
    for want in ["limit", "a", "b"] {
        assert!(n.contains(&want.to_string()), "{want} missing from {n:?}");
    }
}

#[test]
fn let_reassignment_is_reported_at_the_name() {
    let text = "(let limit 3)\n(limit += 1)\n";
    let d = diagnostics(text, &DiagnosticConfig::default());
    let hit = d
        .iter()
        .find(|d| d.message == "Cannot reassign 'let' binding 'limit'")
        .expect("a let diagnostic");
    assert_eq!(
        &text[hit.span.start as usize..hit.span.end as usize],
        "limit"
    );
    assert_eq!(hit.span.start, 15);
}
