//! The editor analysis on the programs of `tests/gene/16_later/` (the [later]
//! features): a program that runs cleanly (no `# ExitCode:`) must get no error
//! diagnostic (no false `undefined-name`, `arity`, `misplaced`), and the
//! declaration forms must show up in the document symbols.

mod common;

use std::path::{Path, PathBuf};

use gene_vm::analysis::diagnostics::{diagnostics, DiagnosticConfig, Severity};
use gene_vm::analysis::symbols::{document_symbols, DocumentSymbol};

/// The messages of the diagnostics with this code.
fn messages(text: &str, code: &str) -> Vec<String> {
    diagnostics(text, &DiagnosticConfig::default())
        .into_iter()
        .filter(|d| d.code == code)
        .map(|d| d.message)
        .collect()
}

/// (code, message) of every error diagnostic.
fn errors(text: &str) -> Vec<(String, String)> {
    diagnostics(text, &DiagnosticConfig::default())
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| (d.code.to_string(), d.message))
        .collect()
}

fn later_programs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/gene/16_later");
    let files = common::gene_programs(&root);
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

#[test]
fn enums_are_document_symbols_with_their_variants() {
    let text = "(enum Shape\n  (Circle radius: Float)\n  Point)\n";
    let syms = document_symbols(text);
    let shape = syms.iter().find(|s| s.name == "Shape").expect("Shape");
    let kids: Vec<&str> = shape.children.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(kids, ["Circle", "Point"]);
    let circle = &shape.children[0];
    assert_eq!(
        &text[circle.selection_span.start as usize..circle.selection_span.end as usize],
        "Circle"
    );
    assert_eq!(circle.detail.as_deref(), Some("[radius]"));
}

#[test]
fn enum_names_and_builtin_variants_are_not_undefined() {
    let text = "(enum Color red)\n(println Color/red (Ok 1) (Err 2) (Some 3) None Result Option)\n(println Shape)\n";
    let undefined = messages(text, "undefined-name");
    assert_eq!(undefined, ["undefined name `Shape`"]);
}

#[test]
fn typed_parameters_are_one_parameter_each() {
    let text = "(fn add [a: Int b: (Int | Nil) = 1] -> Int (a + b))\n(println (add 1 2) (add 1))\n(add 1 2 3)\n";
    let d = errors(text);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].0, "arity");
    let syms = document_symbols(text);
    assert_eq!(
        syms[0].detail.as_deref(),
        Some("[a: Int b: (Int | Nil) = 1] -> Int")
    );
}

#[test]
fn imported_names_and_namespace_members_are_defined() {
    let text = "(import greet area:size ns/[a b:c] from \"lib\")\n(import gene/json)\n(var /unit 1)\n(println greet size a c json/parse unit missing)\n";
    let undefined = messages(text, "undefined-name");
    assert_eq!(undefined, ["undefined name `missing`"]);
    // With `*` any name may come from the module.
    let star = "(import * from \"lib\")\n(println anything)\n";
    assert!(diagnostics(star, &DiagnosticConfig::default())
        .iter()
        .all(|d| d.code != "undefined-name"));
}

#[test]
fn misplaced_imports_and_exports_are_reported() {
    let text = "(fn f [] (import x from \"lib\"))\n(export)\n";
    let msgs = messages(text, "misplaced");
    assert_eq!(
        msgs,
        [
            "import is compile-time only; place imports at module top level or emit them from (comptime ...)",
            "export expects at least one name"
        ]
    );
}

#[test]
fn interfaces_and_type_aliases_are_document_symbols() {
    let text = "(interface Named (method display []))\n(type UserId (Int | String))\n(println Named UserId)\n";
    let syms = document_symbols(text);
    let n = names(&syms);
    assert!(
        n.contains(&"Named".to_string()) && n.contains(&"UserId".to_string()),
        "{n:?}"
    );
    assert!(diagnostics(text, &DiagnosticConfig::default())
        .iter()
        .all(|d| d.code != "undefined-name"));
}

#[test]
fn a_case_missing_enum_variants_gets_a_warning() {
    let text = "(enum Shape (Circle r) (Rect w h) Point)\n(fn area [s] (case s when (Shape/Circle r) r when Shape/Point 0))\n(fn all [s] (case s when (Shape/Circle r) r else 0))\n";
    let warnings = messages(text, "non-exhaustive-case");
    assert_eq!(warnings, ["case over Shape misses variant(s): Rect"]);
}

#[test]
fn pkg_and_app_are_not_undefined() {
    let text = "(println $pkg/.name $pkg/.version $pkg/.dir $pkg/.source_dir $pkg/.main_module $pkg/.test_dir)\n(println $app/.pkg/.name (typeof $app))\n(fn f [] $pkg)\n";
    let errors: Vec<String> = diagnostics(text, &DiagnosticConfig::default())
        .into_iter()
        .filter(|d| d.severity == Severity::Error || d.code == "undefined-name")
        .map(|d| d.message)
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn names_inside_sealed_literals_are_resolved_and_hoverable() {
    let text = "(var n 1)\n(println #[n missing_a] #{^k n} #(`item ^id n) #{{n 2}})\n";
    let undefined = messages(text, "undefined-name");
    assert_eq!(undefined, ["undefined name `missing_a`"]);
    let at = text.find("#[n").expect("literal") + 2;
    let h = gene_vm::analysis::hover::hover(text, at).expect("hover on n inside #[...]");
    assert_eq!(&text[h.span.start as usize..h.span.end as usize], "n");
}

#[test]
fn pattern_parameters_bind_their_names_and_show_as_written() {
    let text = "(fn f [[a [b c]] {^x x}] (println a b c x))\n(f [1 [2 3]] {^x 4})\n";
    let errs = errors(text);
    assert!(errs.is_empty(), "{errs:?}");
    let syms = document_symbols(text);
    assert_eq!(syms[0].detail.as_deref(), Some("[[a [b c]] {^x x}]"));
    let at = text.find("b c]]").expect("b");
    let h = gene_vm::analysis::hover::hover(text, at).expect("hover on a pattern parameter");
    assert_eq!(&text[h.span.start as usize..h.span.end as usize], "b");
}

#[test]
fn implement_forms_are_symbols_and_their_bodies_are_checked() {
    let text = "(interface Aged (method age []))\n(implement Aged for Int\n  (ctor [now] (/_geneinternal/now = now))\n  (method age [] (return (/_geneinternal/now - /_genevalue))))\n(println ((Aged 1990 2026) .age) nowhere)\n";
    let d = errors(text);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].1, "undefined name `nowhere`");
    let syms = document_symbols(text);
    let imp = syms
        .iter()
        .find(|s| s.name == "implement Aged for Int")
        .expect("an implement symbol");
    let kids: Vec<&str> = imp.children.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(kids, ["ctor", "age"]);
    let at = text.find(".age)").expect("call") + 1;
    let h = gene_vm::analysis::hover::hover(text, at).expect("hover on .age");
    assert!(h.markdown.contains("age"), "{}", h.markdown);
}
