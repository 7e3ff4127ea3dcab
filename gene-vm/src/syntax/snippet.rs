//! The location block shared by reader, compile and runtime errors and `gene check`:
//! `  --> file:line:col`, the source line and a caret under the span.

use super::{line_col, Span};

/// The location block shared by reader, compile and runtime errors.
pub fn render_snippet(name: &str, text: &str, span: Span) -> String {
    let start = (span.start as usize).min(text.len());
    let (line, col) = line_col(text, start);
    let line_text = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
    let width = {
        let end = (span.end as usize).min(text.len()).max(start);
        let seg = text.get(start..end).unwrap_or("");
        let first_line = seg.split('\n').next().unwrap_or("");
        first_line.chars().count().max(1)
    };
    let gutter = line.to_string().len();
    let pad = " ".repeat(gutter);
    format!(
        "  --> {name}:{line}:{col}\n{pad} |\n{line} | {line_text}\n{pad} | {}{}\n",
        " ".repeat(col.saturating_sub(1)),
        "^".repeat(width)
    )
}
