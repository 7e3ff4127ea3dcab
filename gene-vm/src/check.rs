//! `gene check`: the editor's diagnostics (`analysis::diagnostics`, same codes)
//! printed with source snippets, without running anything.

use crate::analysis::diagnostics::{self, DiagnosticConfig};
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
    let diagnostics = diagnostics::diagnostics(text, &DiagnosticConfig::default())
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
