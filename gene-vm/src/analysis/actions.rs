//! Code actions: quick fixes for diagnostics and two refactors, as text edits.

use super::diagnostics::{self, DiagnosticConfig};
use crate::syntax::{parse, Node, NodeKind, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionKind {
    QuickFix,
    RefactorRewrite,
    RefactorExtract,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Action {
    pub title: String,
    pub kind: ActionKind,
    /// The diagnostic (code, span) this fixes, if any.
    pub fixes: Option<(&'static str, Span)>,
    /// Replacements, non-overlapping.
    pub edits: Vec<(Span, String)>,
}

/// The forms containing `span`, outermost first.
fn ancestors(forms: &[Node], span: Span) -> Vec<&Node> {
    let mut out = Vec::new();
    let mut level: Vec<&Node> = forms.iter().collect();
    while let Some(n) = level
        .iter()
        .find(|n| n.span.start <= span.start && span.end <= n.span.end)
        .copied()
    {
        out.push(n);
        level = n.sub_nodes();
    }
    out
}

fn slice(text: &str, s: Span) -> &str {
    text.get(s.start as usize..s.end as usize).unwrap_or("")
}

/// Indentation (spaces) of the line holding `offset`.
fn indent_of(text: &str, offset: usize) -> (usize, String) {
    let start = text[..offset.min(text.len())]
        .rfind('\n')
        .map(|i| i + 1)
        .unwrap_or(0);
    let ind: String = text[start..]
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    (start, ind)
}

fn is_head_of_call(n: &Node, name: Span) -> bool {
    matches!(&n.kind, NodeKind::Gene { head: Some(h), .. } if h.span == name)
}

/// The string literals and block comments within `within`, whose text is kept as is.
fn verbatim_spans(parsed: &crate::syntax::ParseResult, within: Span) -> Vec<Span> {
    let mut out: Vec<Span> = parsed
        .comments
        .iter()
        .filter(|c| c.kind == crate::syntax::CommentKind::Block)
        .map(|c| c.span)
        .filter(|s| within.start <= s.start && s.end <= within.end)
        .collect();
    let mut todo: Vec<&Node> = parsed.forms.iter().collect();
    while let Some(n) = todo.pop() {
        if n.span.end < within.start || n.span.start > within.end {
            continue;
        }
        if matches!(n.kind, NodeKind::Str(_)) {
            out.push(n.span);
        }
        todo.extend(n.sub_nodes());
    }
    out
}

/// Every action for the byte range `start..end`.
pub fn code_actions(text: &str, start: usize, end: usize, cfg: &DiagnosticConfig) -> Vec<Action> {
    let parsed = parse(text);
    let mut out = Vec::new();
    let (lo, hi) = (start.min(end) as u32, start.max(end) as u32);
    for d in diagnostics::diagnostics(text, cfg) {
        if d.span.end < lo || d.span.start > hi {
            continue;
        }
        let fixes = Some((d.code, d.span));
        match d.code {
            diagnostics::UNAWAITED_FUTURE => {
                let call = slice(text, d.span);
                out.push(Action {
                    title: "Await this future".into(),
                    kind: ActionKind::QuickFix,
                    fixes,
                    edits: vec![(d.span, format!("(await {call})"))],
                });
                out.push(Action {
                    title: "Bind the future to `_`".into(),
                    kind: ActionKind::QuickFix,
                    fixes,
                    edits: vec![(d.span, format!("(var _ {call})"))],
                });
            }
            diagnostics::UNUSED_VARIABLE => {
                let name = slice(text, d.span);
                out.push(Action {
                    title: format!("Rename to `_{name}`"),
                    kind: ActionKind::QuickFix,
                    fixes,
                    edits: vec![(
                        Span::new(d.span.start as usize, d.span.start as usize),
                        "_".into(),
                    )],
                });
            }
            diagnostics::DEPRECATED_SYNC_IO => {
                let name = slice(text, d.span);
                let new_name = format!("{name}_async");
                let exists = crate::stdlib::native_table()
                    .iter()
                    .any(|n| n.path == new_name || n.aliases.contains(&new_name.as_str()));
                if !exists {
                    continue;
                }
                let call = ancestors(&parsed.forms, d.span)
                    .into_iter()
                    .rev()
                    .find(|n| is_head_of_call(n, d.span));
                let edits = match call {
                    Some(c) => {
                        let inner = slice(text, c.span);
                        let rest = &inner[(d.span.end - c.span.start) as usize..];
                        let open = &inner[..(d.span.start - c.span.start) as usize];
                        vec![(c.span, format!("(await {open}{new_name}{rest})"))]
                    }
                    None => vec![(d.span, new_name.clone())],
                };
                out.push(Action {
                    title: format!("Use `{new_name}` and await it"),
                    kind: ActionKind::QuickFix,
                    fixes,
                    edits,
                });
            }
            _ => {}
        }
    }
    // Refactors on the innermost form covering the selection.
    let chain = ancestors(&parsed.forms, Span::new(lo as usize, hi as usize));
    if let Some(form) = chain
        .iter()
        .rev()
        .find(|n| matches!(n.kind, NodeKind::Gene { .. }))
    {
        let body = slice(text, form.span);
        let (_, ind) = indent_of(text, form.span.start as usize);
        // The form's own lines already carry their indentation: 2 more, like its
        // first line, which moves under the `(try`; never inside a multi-line
        // string or block comment (that would change the string).
        let verbatim = verbatim_spans(&parsed, form.span);
        let mut inner = String::with_capacity(body.len());
        for (i, c) in body.char_indices() {
            inner.push(c);
            let at = form.span.start + i as u32;
            if c == '\n' && !verbatim.iter().any(|v| v.start <= at && at < v.end) {
                inner.push_str("  ");
            }
        }
        out.push(Action {
            title: "Wrap in try/catch".into(),
            kind: ActionKind::RefactorRewrite,
            fixes: None,
            edits: vec![(
                form.span,
                format!("(try\n{ind}  {inner}\n{ind}catch *\n{ind}  (throw $ex))"),
            )],
        });
        // Extract variable: only for an expression inside a statement.
        if chain.len() >= 2 && lo < hi {
            let statement = chain
                .iter()
                .rev()
                .skip(1)
                .find(|n| {
                    matches!(&n.kind, NodeKind::Gene { head: Some(h), .. }
                        if matches!(h.as_symbol(), Some("fn" | "do" | "method")))
                })
                .and_then(|body_form| {
                    body_form
                        .sub_nodes()
                        .into_iter()
                        .find(|k| k.span.start <= form.span.start && form.span.end <= k.span.end)
                })
                .or_else(|| chain.first().copied());
            if let Some(st) = statement.filter(|st| st.span != form.span) {
                let (line_start, ind) = indent_of(text, st.span.start as usize);
                out.push(Action {
                    title: "Extract into a variable".into(),
                    kind: ActionKind::RefactorExtract,
                    fixes: None,
                    edits: vec![
                        (
                            Span::new(line_start, line_start),
                            format!("{ind}(var extracted {body})\n"),
                        ),
                        (form.span, "extracted".into()),
                    ],
                });
            }
        }
    }
    out
}

/// Applies non-overlapping edits to a text (tests and tools).
pub fn apply(text: &str, edits: &[(Span, String)]) -> String {
    let mut e: Vec<&(Span, String)> = edits.iter().collect();
    e.sort_by_key(|(s, _)| std::cmp::Reverse((s.start, s.end)));
    let mut out = text.to_string();
    for (s, t) in e {
        out.replace_range(s.start as usize..s.end as usize, t);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn act(text: &str, at: &str, title: &str) -> String {
        let i = text.find(at).unwrap();
        let acts = code_actions(text, i, i + at.len(), &DiagnosticConfig::default());
        let a = acts
            .iter()
            .find(|a| a.title.starts_with(title))
            .unwrap_or_else(|| panic!("no action {title}: {acts:?}"));
        apply(text, &a.edits)
    }

    #[test]
    fn quick_fixes() {
        let t = "(sleep_async 10)\n";
        assert_eq!(act(t, "sleep", "Await"), "(await (sleep_async 10))\n");
        assert_eq!(act(t, "sleep", "Bind"), "(var _ (sleep_async 10))\n");
        let t = "(fn f [x] 1)\n(f 2)\n";
        assert_eq!(act(t, "x", "Rename to"), "(fn f [_x] 1)\n(f 2)\n");
        let t = "(println (file_read \"a.txt\"))\n";
        assert_eq!(
            act(t, "file_read", "Use"),
            "(println (await (file_read_async \"a.txt\")))\n"
        );
    }

    #[test]
    fn refactors() {
        let t = "(fn f [a]\n  (println (a + 1)))\n";
        let out = act(t, "(a + 1)", "Extract");
        assert_eq!(
            out,
            "(fn f [a]\n  (var extracted (a + 1))\n  (println extracted))\n"
        );
        let out = act(t, "(println", "Wrap");
        assert_eq!(
            out,
            "(fn f [a]\n  (try\n    (println (a + 1))\n  catch *\n    (throw $ex)))\n"
        );
    }
}
