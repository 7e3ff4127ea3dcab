//! Diagnostics of a document as LSP data: the reader's and resolver's errors
//! and the warnings `gene check` reports, from the same analysis.

use gene_vm::check::{check_source, Severity};
use tower_lsp_server::ls_types::{Diagnostic, DiagnosticSeverity, DiagnosticTag, NumberOrString};

use crate::document::{Document, Encoding};

pub fn compute(doc: &Document, text: &str, enc: Encoding) -> Vec<Diagnostic> {
    let parsed_errors = gene_vm::syntax::parse(text).errors;
    let report = check_source("<document>", text);
    report
        .diagnostics
        .iter()
        .map(|d| {
            let syntax = parsed_errors
                .iter()
                .any(|e| e.span == d.span && e.message == d.message);
            let (severity, code, tags) = match d.severity {
                Severity::Error if syntax => (DiagnosticSeverity::ERROR, "syntax", None),
                Severity::Error => (DiagnosticSeverity::ERROR, "misplaced", None),
                Severity::Warning => (
                    DiagnosticSeverity::WARNING,
                    "deprecated-sync-io",
                    Some(vec![DiagnosticTag::DEPRECATED]),
                ),
            };
            Diagnostic {
                range: doc.range(d.span.start as usize, d.span.end as usize, enc),
                severity: Some(severity),
                code: Some(NumberOrString::String(code.into())),
                source: Some("gene".into()),
                message: d.message.clone(),
                tags,
                ..Default::default()
            }
        })
        .collect()
}
