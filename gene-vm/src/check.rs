//! `gene check`: the editor's diagnostics (`analysis::diagnostics`, same codes)
//! printed with source snippets, without running anything.

use crate::analysis::diagnostics::DiagnosticConfig;
use crate::analysis::imports;
use crate::analysis::model::Analysis;
use crate::syntax::render_snippet;
use crate::syntax::{self, Span};

pub use crate::analysis::diagnostics::Severity;

#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The stable code (`syntax`, `undefined-name`, ...), as the editor shows it.
    pub code: &'static str,
    pub message: String,
    pub span: Span,
}

pub struct Report {
    pub name: String,
    pub text: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    /// `Error: message` (errors keep their historical one-line head),
    /// `Warning: message [code]`, `Hint: message [code]`, each with the snippet.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for d in &self.diagnostics {
            match d.severity {
                Severity::Error => out.push_str(&format!("Error: {}\n", d.message)),
                Severity::Warning => {
                    out.push_str(&format!("Warning: {} [{}]\n", d.message, d.code))
                }
                Severity::Hint => out.push_str(&format!("Hint: {} [{}]\n", d.message, d.code)),
            }
            out.push_str(&render_snippet(&self.name, &self.text, d.span));
        }
        out
    }
}

/// Every diagnostic of a file, as the editor reports it.
pub fn check_source(name: &str, text: &str) -> Report {
    let a = Analysis::new(text);
    // A file on disk: its imports are checked against the module files too.
    let path = std::path::Path::new(name);
    let extra = if path.is_file() {
        let full = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        imports::import_diagnostics(&a, &full, &imports::DiskModules::default())
    } else {
        Vec::new()
    };
    let diagnostics = a
        .diagnostics_with(&DiagnosticConfig::default(), extra)
        .into_iter()
        .map(|d| Diagnostic {
            severity: d.severity,
            code: d.code,
            message: d.message,
            span: d.span,
        })
        .collect();
    Report {
        name: name.to_string(),
        text: text.to_string(),
        diagnostics,
    }
}

/// True while a REPL entry is incomplete (an unclosed delimiter or string).
pub fn needs_more_input(text: &str) -> bool {
    let parsed = syntax::parse(text);
    parsed.errors.iter().any(|e| {
        let m = e.message.to_lowercase();
        m.contains("unclosed") || m.contains("unterminated")
    })
}
