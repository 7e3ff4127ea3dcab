//! Formatter fixtures: every `tests/fixtures/format/NAME.gene` is formatted
//! and the result snapshotted as `NAME`.
//!
//! Rendering: `formatted:` then one line per output line, `NN|text$`, where
//! `$` marks the end of the line (so trailing blanks show), `⏎` a `\r`
//! before the `\n`, `⇥` a tab, and a last line without `$` has no line
//! terminator (never after formatting). A refused text renders as
//! `refused:` and the reader errors with `line:col`.
//!
//! Each fixture is also checked to be idempotent (formatting the result
//! changes nothing) and to agree with `format_range` over all its lines.

mod common;

use std::fmt::Write as _;

use gene_vm::analysis::format::{format, format_range, LineEdit};
use gene_vm::syntax::line_col;

fn render_text(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    let mut n = 1;
    while !rest.is_empty() {
        let (line, term, next) = match rest.find('\n') {
            Some(i) => {
                let line = &rest[..i];
                match line.strip_suffix('\r') {
                    Some(l) => (l, "⏎$", &rest[i + 1..]),
                    None => (line, "$", &rest[i + 1..]),
                }
            }
            None => (rest, "", ""),
        };
        let _ = writeln!(out, "{n:3}|{}{term}", line.replace('\t', "⇥"));
        rest = next;
        n += 1;
    }
    out
}

fn apply(text: &str, edits: &[LineEdit]) -> String {
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    let mut out = String::new();
    let mut pos = 0;
    for e in edits {
        let (s, end) = (starts[e.line] + e.start, starts[e.line] + e.end);
        out.push_str(&text[pos..s]);
        out.push_str(&e.new_text);
        pos = end;
    }
    out.push_str(&text[pos..]);
    out
}

fn render_result(name: &str, src: &str) -> String {
    match format(src) {
        Ok(formatted) => {
            let again = format(&formatted).expect("formatted text formats");
            assert_eq!(again, formatted, "{name}: not idempotent");
            let edits = format_range(src, 0, usize::MAX).expect("no syntax errors");
            let ranged = apply(src, &edits);
            assert_eq!(
                ranged.trim_end_matches(['\r', '\n']),
                formatted.trim_end_matches(['\r', '\n']),
                "{name}: format_range over every line disagrees with format"
            );
            let mut out = String::from("formatted:\n");
            out.push_str(&render_text(&formatted));
            out
        }
        Err(e) => {
            assert!(format_range(src, 0, usize::MAX).is_err(), "{name}");
            let mut out = String::from("refused:\n");
            for err in &e.errors {
                let (line, col) = line_col(src, err.span.start as usize);
                let _ = writeln!(out, "  {line}:{col} {}", err.message);
            }
            out
        }
    }
}

#[test]
fn format_fixtures() {
    for (name, src) in common::fixtures("format", 25) {
        let rendered = render_result(&name, &src);
        let description = render_text(&src);
        insta::with_settings!({ description => description.as_str(), omit_expression => true }, {
            insta::assert_snapshot!(name, rendered);
        });
    }
}
