//! Analysis fixtures in the style of rust-analyzer's `ide` tests: every
//! `tests/fixtures/analysis/FEATURE/NAME.gene` is Gene source with `$0` cursor
//! markers (one marker: a cursor; two: a range). The markers are stripped, the
//! feature's query runs, and a readable rendering is snapshotted as
//! `FEATURE__NAME`: results are listed as `L:C-L:C` (1-based lines, 1-based
//! character columns) with the text they cover, and the source is shown with
//! each result range wrapped in `⟦...⟧`.
//!
//! Directives in comments: `# rename-to: NAME` (rename fixtures).

use std::path::Path;

use gene_vm::analysis::diagnostics::{diagnostics, DiagnosticConfig, Severity};
use gene_vm::syntax::{line_col, Span};

struct Fixture {
    name: String,
    text: String,
    markers: Vec<usize>,
}

fn fixtures(feature: &str) -> Vec<Fixture> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/analysis")
        .join(feature);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "gene"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 8, "{feature}: at least 8 fixtures");
    paths
        .into_iter()
        .map(|p| {
            let raw = std::fs::read_to_string(&p).expect("fixture text");
            let mut text = String::new();
            let mut markers = Vec::new();
            let mut rest = raw.as_str();
            while let Some(i) = rest.find("$0") {
                text.push_str(&rest[..i]);
                markers.push(text.len());
                rest = &rest[i + 2..];
            }
            text.push_str(rest);
            Fixture {
                name: p.file_stem().unwrap().to_string_lossy().into_owned(),
                text,
                markers,
            }
        })
        .collect()
}

fn pos(text: &str, offset: u32) -> String {
    let (l, c) = line_col(text, offset as usize);
    format!("{l}:{c}")
}

fn range(text: &str, s: Span) -> String {
    format!("{}-{}", pos(text, s.start), pos(text, s.end))
}

fn covered(text: &str, s: Span) -> String {
    let t = text.get(s.start as usize..s.end as usize).unwrap_or("?");
    let first = t.lines().next().unwrap_or("");
    if first.len() < t.len() {
        format!("{first}…")
    } else {
        first.to_string()
    }
}

/// The source with every span wrapped in `⟦ ⟧` (nested spans are fine).
fn marked(text: &str, spans: &[Span]) -> String {
    let mut opens: Vec<(usize, bool)> = Vec::new();
    for s in spans {
        opens.push((s.start as usize, true));
        opens.push((s.end as usize, false));
    }
    // Closers before openers at one offset, so adjacent spans read `⟧⟦`.
    opens.sort_by_key(|(o, open)| (*o, *open));
    let mut out = String::new();
    let mut at = 0;
    for (o, open) in opens {
        let o = o.min(text.len());
        if o >= at {
            out.push_str(&text[at..o]);
            at = o;
        }
        out.push(if open { '⟦' } else { '⟧' });
    }
    out.push_str(&text[at..]);
    out
}

fn snapshot(feature: &str, name: &str, body: String) {
    insta::with_settings!({ prepend_module_to_snapshot => true, omit_expression => true }, {
        insta::assert_snapshot!(format!("{feature}__{name}"), body);
    });
}

#[test]
fn diagnostics_fixtures() {
    for f in fixtures("diagnostics") {
        let ds = diagnostics(&f.text, &DiagnosticConfig::default());
        let mut out = String::new();
        for d in &ds {
            let sev = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Hint => "hint",
            };
            let tags = if d.tags.is_empty() {
                String::new()
            } else {
                format!(" {:?}", d.tags)
            };
            out.push_str(&format!(
                "{} {sev}[{}]{tags}: {}\n    `{}`\n",
                range(&f.text, d.span),
                d.code,
                d.message,
                covered(&f.text, d.span)
            ));
        }
        out.push_str("---\n");
        out.push_str(&marked(
            &f.text,
            &ds.iter().map(|d| d.span).collect::<Vec<_>>(),
        ));
        snapshot("diagnostics", &f.name, out);
    }
}

#[test]
fn diagnostic_config_disables_and_changes_severity() {
    let text = "(missing 1)\n(sleep_async 1)\n(fn f [unused] 1)\n";
    let all = diagnostics(text, &DiagnosticConfig::default());
    let codes: Vec<&str> = all.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        ["undefined-name", "unawaited-future", "unused-variable"]
    );
    let cfg = DiagnosticConfig::default()
        .disable("undefined-name")
        .with_severity("unawaited-future", Severity::Error);
    let some = diagnostics(text, &cfg);
    assert_eq!(some.len(), 2);
    assert_eq!(some[0].code, "unawaited-future");
    assert_eq!(some[0].severity, Severity::Error);
    assert_eq!(some[1].severity, Severity::Hint);
}
