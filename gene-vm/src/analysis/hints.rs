//! Inlay hints: parameter names at call sites of user functions and natives, and
//! the future a variable holds where it is awaited.

use std::collections::HashMap;

use crate::syntax::{parse, Node, NodeKind};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HintKind {
    Parameter,
    /// What future an awaited variable holds (its creating call).
    Future,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hint {
    /// Byte offset the hint is shown at.
    pub offset: usize,
    pub label: String,
    pub kind: HintKind,
}

fn name_of(n: &Node) -> Option<String> {
    match &n.kind {
        NodeKind::Symbol(s) => Some(s.clone()),
        NodeKind::Path(p) => Some(p.join("/")),
        _ => None,
    }
}

/// Positional parameter lists of the file's functions and of the natives, by name.
fn signatures(text: &str, forms: &[Node]) -> HashMap<String, Vec<String>> {
    let mut sigs = HashMap::new();
    for n in crate::stdlib::native_table() {
        let ps: Vec<String> = n
            .params
            .split([' ', ','])
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        for name in std::iter::once(n.path).chain(n.aliases.iter().copied()) {
            sigs.insert(name.to_string(), ps.clone());
        }
    }
    let mut todo: Vec<&Node> = forms.iter().collect();
    while let Some(n) = todo.pop() {
        if let NodeKind::Gene {
            head: Some(h),
            children,
            ..
        } = &n.kind
        {
            if h.is_symbol("fn") {
                if let (Some(name), Some(ps)) =
                    (children.first().and_then(name_of), children.get(1))
                {
                    if matches!(ps.kind, NodeKind::Array(_)) {
                        sigs.insert(name, super::complete::param_names(text, ps).1);
                    }
                }
            }
        }
        todo.extend(n.sub_nodes());
    }
    sigs
}

/// Hints for the byte range `start..end` of the text.
pub fn inlay_hints(text: &str, start: usize, end: usize) -> Vec<Hint> {
    let parsed = parse(text);
    let sigs = signatures(text, &parsed.forms);
    let mut futures: HashMap<String, String> = HashMap::new();
    let mut out = Vec::new();
    // Source order, so a `var` is seen before the awaits of it.
    let mut todo: Vec<&Node> = parsed.forms.iter().rev().collect();
    while let Some(n) = todo.pop() {
        let mut ks = n.sub_nodes();
        ks.reverse();
        todo.extend(ks);
        let NodeKind::Gene {
            head: Some(h),
            children,
            ..
        } = &n.kind
        else {
            continue;
        };
        let Some(callee) = name_of(h) else { continue };
        if callee == "var" {
            if let (Some(name), Some(init)) = (children.first().and_then(name_of), children.get(1))
            {
                if let NodeKind::Gene { head: Some(ih), .. } = &init.kind {
                    let native = name_of(ih).and_then(|f| {
                        crate::stdlib::native_table()
                            .into_iter()
                            .find(|n| n.path == f || n.aliases.contains(&f.as_str()))
                    });
                    if native.is_some_and(|n| n.returns_future) {
                        let call = text
                            .get(init.span.start as usize + 1..init.span.end as usize - 1)
                            .unwrap_or("")
                            .trim();
                        futures.insert(name, call.to_string());
                    }
                }
            }
            continue;
        }
        if callee == "await" {
            for c in children {
                if let Some(label) = c.as_symbol().and_then(|s| futures.get(s)) {
                    let at = c.span.end as usize;
                    if (start..=end).contains(&at) {
                        out.push(Hint {
                            offset: at,
                            label: format!(": {label}"),
                            kind: HintKind::Future,
                        });
                    }
                }
            }
            continue;
        }
        let Some(params) = sigs.get(&callee) else {
            continue;
        };
        for (i, arg) in children.iter().enumerate() {
            let Some(p) = params
                .get(i)
                .or_else(|| params.last().filter(|l| l.ends_with("...")))
            else {
                break;
            };
            let pname = p.trim_end_matches("...").trim_start_matches('^');
            // A rest parameter is named once; a same-named argument needs no hint.
            if (p.ends_with("...") && i >= params.len()) || arg.as_symbol() == Some(pname) {
                continue;
            }
            let at = arg.span.start as usize;
            if pname.is_empty() || !(start..=end).contains(&at) {
                continue;
            }
            out.push(Hint {
                offset: at,
                label: format!("{pname}:"),
                kind: HintKind::Parameter,
            });
        }
    }
    out.sort_by_key(|h| h.offset);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_names_and_future_labels() {
        let t = "(fn area [width height] (width * height))\n(var height 2)\n(area 3 height)\n(var f (sleep_async 300))\n(await f)\n";
        let hints = inlay_hints(t, 0, t.len());
        let labels: Vec<(&str, &str)> = hints
            .iter()
            .map(|h| (&t[h.offset..h.offset + 1], h.label.as_str()))
            .collect();
        assert!(labels.contains(&("3", "width:")), "{labels:?}");
        assert!(
            !hints.iter().any(|h| h.label == "height:"),
            "same-named argument"
        );
        assert!(hints
            .iter()
            .any(|h| h.label == ": sleep_async 300" && h.kind == HintKind::Future));
        assert!(hints
            .iter()
            .any(|h| h.label == "ms:" || h.label.ends_with(':')));
    }

    #[test]
    fn broken_text() {
        for t in ["(area", "(var f (sleep_async", "(await", "(fn [x"] {
            let _ = inlay_hints(t, 0, t.len());
        }
    }
}
