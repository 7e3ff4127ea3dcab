//! `gene check`: reader and compile errors plus warnings (deprecated natives),
//! without running anything.

use crate::compile::lower::{lower_program, LowerOptions};
use crate::syntax::{self, Node, NodeKind, Span};
use crate::vm::render_snippet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub severity: Severity,
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

    pub fn render(&self) -> String {
        let mut out = String::new();
        for d in &self.diagnostics {
            let label = match d.severity {
                Severity::Error => "Error",
                Severity::Warning => "Warning",
            };
            out.push_str(&format!("{label}: {}\n", d.message));
            out.push_str(&render_snippet(&self.name, &self.text, d.span));
        }
        out
    }
}

/// Every reader and resolver problem of a file, and warnings.
pub fn check_source(name: &str, text: &str) -> Report {
    let parsed = syntax::parse(text);
    let mut diagnostics: Vec<Diagnostic> = parsed
        .errors
        .iter()
        .map(|e| Diagnostic {
            severity: Severity::Error,
            message: e.message.clone(),
            span: e.span,
        })
        .collect();
    let unit = lower_program(&parsed.forms, &LowerOptions::default());
    for e in &unit.errors {
        if e.message != "syntax error" {
            diagnostics.push(Diagnostic {
                severity: Severity::Error,
                message: e.message.clone(),
                span: e.span,
            });
        }
    }
    let deprecated: Vec<(String, String)> = crate::stdlib::native_table()
        .iter()
        .filter_map(|n| n.deprecated.map(|why| (n.path, n.aliases, why)))
        .flat_map(|(p, aliases, why)| {
            std::iter::once(p)
                .chain(aliases.iter().copied())
                .map(move |name| (name.to_string(), why.to_string()))
        })
        .collect();
    for form in &parsed.forms {
        find_deprecated(form, &deprecated, &mut diagnostics);
    }
    diagnostics.sort_by_key(|d| d.span.start);
    Report {
        name: name.to_string(),
        text: text.to_string(),
        diagnostics,
    }
}

fn find_deprecated(node: &Node, deprecated: &[(String, String)], out: &mut Vec<Diagnostic>) {
    let name = match &node.kind {
        NodeKind::Symbol(s) => Some(s.clone()),
        NodeKind::Path(p) => Some(p.join("/")),
        _ => None,
    };
    if let Some(n) = name {
        if let Some((_, why)) = deprecated.iter().find(|(d, _)| *d == n) {
            out.push(Diagnostic {
                severity: Severity::Warning,
                message: format!("{n} is deprecated: {why}"),
                span: node.span,
            });
        }
    }
    match &node.kind {
        NodeKind::Array(items) => items
            .iter()
            .for_each(|c| find_deprecated(c, deprecated, out)),
        NodeKind::Map(props) => props
            .iter()
            .for_each(|p| find_deprecated(&p.value, deprecated, out)),
        NodeKind::Gene {
            head,
            props,
            children,
        } => {
            if let Some(h) = head {
                find_deprecated(h, deprecated, out);
            }
            props
                .iter()
                .for_each(|p| find_deprecated(&p.value, deprecated, out));
            children
                .iter()
                .for_each(|c| find_deprecated(c, deprecated, out));
        }
        _ => {}
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
