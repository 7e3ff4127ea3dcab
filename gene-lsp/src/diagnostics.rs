//! Diagnostics of a document as LSP data, from `gene_vm::analysis::diagnostics`
//! (the same codes `gene check` prints), and the settings that tune them.

use gene_vm::analysis::diagnostics::{DiagnosticConfig, Severity, Tag};
use gene_vm::analysis::imports;
use serde_json::Value;
use tower_lsp_server::ls_types::{Diagnostic, DiagnosticSeverity, DiagnosticTag, NumberOrString};

use crate::features::Ctx;

/// The document's diagnostics, with those of its imports when it is a file.
pub fn compute(c: &Ctx, cfg: &DiagnosticConfig) -> Vec<Diagnostic> {
    let a = c.analysis();
    let extra = match c.uri.to_file_path() {
        Some(path) => imports::import_diagnostics(&a, &path, &c.modules()),
        None => Vec::new(),
    };
    let (doc, enc) = (c.doc, c.enc);
    a.diagnostics_with(cfg, extra)
        .into_iter()
        .map(|d| Diagnostic {
            range: doc.range(d.span.start as usize, d.span.end as usize, enc),
            severity: Some(match d.severity {
                Severity::Error => DiagnosticSeverity::ERROR,
                Severity::Warning => DiagnosticSeverity::WARNING,
                Severity::Hint => DiagnosticSeverity::HINT,
            }),
            code: Some(NumberOrString::String(d.code.into())),
            source: Some("gene".into()),
            message: d.message,
            tags: (!d.tags.is_empty()).then(|| {
                d.tags
                    .iter()
                    .map(|t| match t {
                        Tag::Deprecated => DiagnosticTag::DEPRECATED,
                        Tag::Unnecessary => DiagnosticTag::UNNECESSARY,
                    })
                    .collect()
            }),
            ..Default::default()
        })
        .collect()
}

/// Settings as sent in `initializationOptions` or `workspace/didChangeConfiguration`:
/// `{"diagnostics": {"disabled": ["unused-variable"], "severity": {"arity": "warning"}}}`
/// (also accepted under a top-level `"gene"` key).
pub fn config_from(v: &Value) -> DiagnosticConfig {
    let v = if v.get("gene").is_some() {
        &v["gene"]
    } else {
        v
    };
    let d = &v["diagnostics"];
    let mut cfg = DiagnosticConfig::default();
    for code in d["disabled"].as_array().into_iter().flatten() {
        if let Some(c) = code.as_str() {
            cfg = cfg.disable(c);
        }
    }
    for (code, s) in d["severity"].as_object().into_iter().flatten() {
        let s = match s.as_str() {
            Some("error") => Severity::Error,
            Some("warning") => Severity::Warning,
            Some("hint") | Some("information") | Some("info") => Severity::Hint,
            _ => continue,
        };
        cfg = cfg.with_severity(code, s);
    }
    cfg
}
