//! Reader fixtures: every `tests/fixtures/reader/NAME.gene` is parsed and its
//! tree (with spans), errors and comments are snapshotted as `NAME`.
//!
//! Rendering: one top-level form per line. Atoms are followed by `@start..end`;
//! compound forms carry their span right after the opener: `(@0..9 f@1..2 ...)`,
//! `[@..]`, `{@..}`, `(quote@.. x)`. Properties render as `^key@keyspan=value`.
//! Symbols are bare (`sym:"..."` when ambiguous), paths `path:a/b`, strings and
//! characters use Rust escapes, literal words are `<nil>`, `<true>`, ...

mod common;

use std::fmt::Write as _;

use gene_vm::syntax::{parse, CommentKind, Node, NodeKind, Prop, Span};

fn span(s: Span) -> String {
    format!("@{}..{}", s.start, s.end)
}

fn render(n: &Node, out: &mut String) {
    let at = span(n.span);
    match &n.kind {
        NodeKind::Nil => write!(out, "<nil>{at}"),
        NodeKind::Void => write!(out, "<void>{at}"),
        NodeKind::NotFound => write!(out, "<not_found>{at}"),
        NodeKind::Bool(b) => write!(out, "<{b}>{at}"),
        NodeKind::Int(i) => write!(out, "{i}{at}"),
        NodeKind::Float(f) => write!(out, "{f:?}{at}"),
        NodeKind::Char(c) => write!(out, "{c:?}{at}"),
        NodeKind::Str(s) => write!(out, "{s:?}{at}"),
        NodeKind::Symbol(s) => {
            let plain = !s.is_empty()
                && !s.starts_with(|c: char| c.is_ascii_digit() || c == '<')
                && !s.contains(|c: char| c.is_whitespace() || "()[]{}\"'@/".contains(c));
            if plain {
                write!(out, "{s}{at}")
            } else {
                write!(out, "sym:{s:?}{at}")
            }
        }
        NodeKind::Path(segs) => write!(out, "path:{:?}{at}", segs.join("/")),
        NodeKind::Error => write!(out, "<error>{at}"),
        NodeKind::Regex {
            pattern,
            replacement,
            flags,
        } => write!(out, "regex{at}[{pattern:?} {replacement:?} {flags:?}]"),
        NodeKind::Quote(inner) => {
            let _ = write!(out, "(quote{at} ");
            render(inner, out);
            write!(out, ")")
        }
        NodeKind::Sealed(inner) => {
            let _ = write!(out, "(sealed{at} ");
            render(inner, out);
            write!(out, ")")
        }
        NodeKind::Array(items) => {
            let _ = write!(out, "[{at}");
            for it in items {
                out.push(' ');
                render(it, out);
            }
            write!(out, "]")
        }
        NodeKind::Bytes(b) => write!(out, "bytes{at}{b:?}"),
        NodeKind::DateTime(d) => write!(out, "date{at}[{}]", d.text()),
        NodeKind::HashMap(items) => {
            let _ = write!(out, "{{{{{at}");
            for it in items {
                out.push(' ');
                render(it, out);
            }
            write!(out, "}}}}")
        }
        NodeKind::Map(props) => {
            let _ = write!(out, "{{{at}");
            for p in props {
                out.push(' ');
                render_prop(p, out);
            }
            write!(out, "}}")
        }
        NodeKind::Gene {
            head,
            props,
            children,
        } => {
            let _ = write!(out, "({at}");
            match head {
                Some(h) => {
                    out.push(' ');
                    render(h, out);
                }
                None => out.push_str(" <no-head>"),
            }
            for p in props {
                out.push(' ');
                render_prop(p, out);
            }
            for c in children {
                out.push(' ');
                render(c, out);
            }
            write!(out, ")")
        }
    }
    .unwrap_or(());
}

fn render_prop(p: &Prop, out: &mut String) {
    let _ = write!(out, "^{}{}=", p.key, span(p.key_span));
    render(&p.value, out);
}

fn render_result(src: &str) -> String {
    let r = parse(src);
    let mut out = String::from("forms:\n");
    for f in &r.forms {
        out.push_str("  ");
        render(f, &mut out);
        out.push('\n');
    }
    out.push_str("errors:\n");
    for e in &r.errors {
        let (line, col) = gene_vm::syntax::line_col(src, e.span.start as usize);
        let _ = writeln!(
            out,
            "  {}..{} ({line}:{col}) {}",
            e.span.start, e.span.end, e.message
        );
    }
    out.push_str("comments:\n");
    for c in &r.comments {
        let kind = match c.kind {
            CommentKind::Line => "line",
            CommentKind::Block => "block",
        };
        let text = src
            .get(c.span.start as usize..c.span.end as usize)
            .unwrap_or("<bad span>");
        let _ = writeln!(out, "  {kind}{} {text:?}", span(c.span));
    }
    out
}

#[test]
fn reader_fixtures() {
    for (name, src) in common::fixtures("reader", 25) {
        let rendered = render_result(&src);
        insta::with_settings!({ description => src.as_str(), omit_expression => true }, {
            insta::assert_snapshot!(name, rendered);
        });
    }
}
