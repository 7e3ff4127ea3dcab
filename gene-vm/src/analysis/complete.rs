//! Completion and signature help. Reads the syntax tree (names declared before the
//! cursor in the enclosing forms, the file's definitions) and the natives and methods
//! tables as data; never runs anything.

use crate::syntax::{parse, Node, NodeKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    Variable,
    Parameter,
    Function,
    Class,
    Namespace,
    Keyword,
    Method,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub label: String,
    pub kind: EntryKind,
    /// Signature or origin, shown next to the label.
    pub detail: Option<String>,
    /// Text to insert when it differs from the label; `snippet` says it has `$1` stops.
    pub insert: Option<String>,
    pub snippet: bool,
    pub deprecated: bool,
}

/// Special forms and keywords, with a snippet for the forms.
const FORMS: &[(&str, Option<&str>)] = &[
    ("var", Some("(var ${1:name} ${2:value})")),
    ("fn", Some("(fn ${1:name} [${2:params}]\n  ${0})")),
    ("if", Some("(if ${1:cond}\n  ${2:then}\nelse\n  ${0})")),
    ("for", Some("(for ${1:x} in ${2:items}\n  ${0})")),
    ("while", Some("(while ${1:cond}\n  ${0})")),
    ("loop", Some("(loop\n  ${0})")),
    ("try", Some("(try\n  ${1:body}\ncatch *\n  ${0})")),
    (
        "class",
        Some("(class ${1:Name}\n  (ctor [${2}]\n    ${0}))"),
    ),
    ("method", Some("(method ${1:name} [${2}]\n  ${0})")),
    ("ns", Some("(ns ${1:name}\n  ${0})")),
    ("async", Some("(async ${0})")),
    ("await", Some("(await ${0})")),
    ("do", None),
    ("case", None),
    ("when", None),
    ("else", None),
    ("elif", None),
    ("catch", None),
    ("finally", None),
    ("return", None),
    ("break", None),
    ("continue", None),
    ("throw", None),
    ("new", None),
    ("ctor", None),
    ("in", None),
    ("self", None),
    ("true", None),
    ("false", None),
    ("nil", None),
];

fn kids(n: &Node) -> Vec<&Node> {
    match &n.kind {
        NodeKind::Gene {
            head,
            props,
            children,
        } => {
            let mut v: Vec<&Node> = head.iter().map(|h| h.as_ref()).collect();
            v.extend(props.iter().map(|p| &p.value));
            v.extend(children.iter());
            v.sort_by_key(|c| c.span.start);
            v
        }
        NodeKind::Array(items) => items.iter().collect(),
        NodeKind::Map(props) => props.iter().map(|p| &p.value).collect(),
        NodeKind::Quote(q) => vec![q],
        _ => Vec::new(),
    }
}

fn head_name(n: &Node) -> Option<&str> {
    match &n.kind {
        NodeKind::Gene { head: Some(h), .. } => h.as_symbol(),
        _ => None,
    }
}

fn gene_children(n: &Node) -> &[Node] {
    match &n.kind {
        NodeKind::Gene { children, .. } => children,
        _ => &[],
    }
}

/// Names a form binds for the forms after it (`var`) or inside it (`fn` params, `for`).
fn bound_names(n: &Node, inside: bool) -> Vec<(String, EntryKind)> {
    let ch = gene_children(n);
    let mut out = Vec::new();
    match head_name(n) {
        Some("var") if !inside => {
            if let Some(s) = ch.first().and_then(|c| c.as_symbol()) {
                out.push((s.to_string(), EntryKind::Variable));
            }
        }
        Some("fn") | Some("method") | Some("ctor") if inside => {
            let params = ch.iter().find(|c| matches!(c.kind, NodeKind::Array(_)));
            if let Some(Node {
                kind: NodeKind::Array(ps),
                ..
            }) = params
            {
                for p in ps {
                    if let Some(s) = p.as_symbol() {
                        let s = s.trim_start_matches('^').trim_end_matches("...");
                        if !s.is_empty() {
                            out.push((s.to_string(), EntryKind::Parameter));
                        }
                    }
                }
            }
        }
        Some("for") if inside => {
            for c in ch {
                if c.is_symbol("in") {
                    break;
                }
                if let Some(s) = c.as_symbol() {
                    out.push((s.to_string(), EntryKind::Variable));
                }
            }
        }
        _ => {}
    }
    out
}

/// Functions, classes and namespaces the file defines (anywhere), with a signature.
fn definitions(forms: &[Node]) -> Vec<(String, EntryKind, Option<String>, Vec<String>)> {
    let mut out = Vec::new();
    let mut todo: Vec<&Node> = forms.iter().collect();
    while let Some(n) = todo.pop() {
        let ch = gene_children(n);
        let name = ch.first().and_then(|c| match &c.kind {
            NodeKind::Symbol(s) => Some(s.clone()),
            NodeKind::Path(p) => Some(p.join("/")),
            _ => None,
        });
        match (head_name(n), name) {
            (Some("fn"), Some(name)) => {
                let params: Vec<String> = match ch.get(1).map(|c| &c.kind) {
                    Some(NodeKind::Array(ps)) => ps
                        .iter()
                        .filter_map(|p| p.as_symbol().map(str::to_string))
                        .collect(),
                    _ => Vec::new(),
                };
                let sig = format!("(fn {name} [{}])", params.join(" "));
                out.push((name, EntryKind::Function, Some(sig), params));
            }
            (Some("class"), Some(name)) => out.push((name, EntryKind::Class, None, Vec::new())),
            (Some("ns"), Some(name)) => out.push((name, EntryKind::Namespace, None, Vec::new())),
            _ => {}
        }
        todo.extend(kids(n));
    }
    out
}

/// The word being typed at `offset` (back to a delimiter or space).
fn prefix_at(text: &str, offset: usize) -> (&str, usize) {
    let offset = offset.min(text.len());
    let mut start = offset;
    while start > 0 {
        let Some(c) = text[..start].chars().next_back() else {
            break;
        };
        if c.is_whitespace() || "()[]{}\"'`,".contains(c) {
            break;
        }
        start -= c.len_utf8();
    }
    (&text[start..offset], start)
}

pub fn completions(text: &str, offset: usize) -> Vec<Entry> {
    let offset = offset.min(text.len());
    let (prefix, start) = prefix_at(text, offset);
    let mut out: Vec<Entry> = Vec::new();
    let mut add = |e: Entry| {
        if e.label.starts_with(prefix) && !out.iter().any(|o| o.label == e.label) {
            out.push(e);
        }
    };
    // ` .name`: a method call.
    if let Some(method_prefix) = prefix.strip_prefix('.') {
        for m in crate::stdlib::method_table() {
            for n in m.names {
                if n.starts_with(method_prefix) {
                    add(Entry {
                        label: format!(".{n}"),
                        kind: EntryKind::Method,
                        detail: Some(format!("{}.{n} {}", m.class, m.params)),
                        insert: None,
                        snippet: false,
                        deprecated: false,
                    });
                }
            }
        }
        return out;
    }
    let parsed = parse(text);
    // Names in scope: walk down the forms that enclose the cursor.
    let mut level: Vec<&Node> = parsed.forms.iter().collect();
    loop {
        for n in &level {
            if (n.span.end as usize) <= start {
                for (name, kind) in bound_names(n, false) {
                    add(var_entry(name, kind));
                }
            }
        }
        let inner = level
            .iter()
            .find(|n| (n.span.start as usize) < start && start < (n.span.end as usize))
            .copied();
        let Some(n) = inner else { break };
        for (name, kind) in bound_names(n, true) {
            add(var_entry(name, kind));
        }
        level = kids(n);
    }
    for (name, kind, sig, _) in definitions(&parsed.forms) {
        add(Entry {
            label: name,
            kind,
            detail: sig,
            insert: None,
            snippet: false,
            deprecated: false,
        });
    }
    for n in crate::stdlib::native_table() {
        let sig = format!("({} {})", n.path, n.params);
        for name in std::iter::once(n.path).chain(n.aliases.iter().copied()) {
            add(Entry {
                label: name.to_string(),
                kind: EntryKind::Function,
                detail: Some(sig.clone()),
                insert: None,
                snippet: false,
                deprecated: n.deprecated.is_some(),
            });
        }
    }
    for (kw, snippet) in FORMS {
        add(Entry {
            label: kw.to_string(),
            kind: EntryKind::Keyword,
            detail: None,
            insert: snippet.map(str::to_string),
            snippet: snippet.is_some(),
            deprecated: false,
        });
    }
    out
}

fn var_entry(name: String, kind: EntryKind) -> Entry {
    Entry {
        detail: Some(if kind == EntryKind::Parameter {
            "parameter".into()
        } else {
            "local".into()
        }),
        label: name,
        kind,
        insert: None,
        snippet: false,
        deprecated: false,
    }
}

/// Documentation of a completion entry (`completionItem/resolve`): natives' docs.
pub fn documentation(label: &str) -> Option<String> {
    let n = crate::stdlib::native_table()
        .into_iter()
        .find(|n| n.path == label || n.aliases.contains(&label))?;
    let mut doc = format!("```gene\n({} {})\n```\n{}", n.path, n.params, n.doc);
    if let Some(why) = n.deprecated {
        doc.push_str(&format!("\n\n**Deprecated:** {why}"));
    }
    Some(doc)
}

#[derive(Clone, Debug, PartialEq)]
pub struct Signature {
    pub label: String,
    pub params: Vec<String>,
    pub active: usize,
    pub doc: Option<String>,
}

/// The call around `offset`: its signature and the argument the cursor is in.
pub fn signature_help(text: &str, offset: usize) -> Option<Signature> {
    let parsed = parse(text);
    let mut call: Option<&Node> = None;
    let mut level: Vec<&Node> = parsed.forms.iter().collect();
    while let Some(n) = level
        .iter()
        .find(|n| (n.span.start as usize) < offset && offset < (n.span.end as usize))
        .copied()
    {
        if let NodeKind::Gene { head: Some(_), .. } = &n.kind {
            call = Some(n);
        }
        level = kids(n);
    }
    let call = call?;
    let NodeKind::Gene {
        head: Some(head),
        children,
        ..
    } = &call.kind
    else {
        return None;
    };
    let name = match &head.kind {
        NodeKind::Symbol(s) => s.clone(),
        NodeKind::Path(p) => p.join("/"),
        _ => return None,
    };
    let active = children
        .iter()
        .filter(|c| (c.span.end as usize) < offset)
        .count();
    if let Some(n) = crate::stdlib::native_table()
        .into_iter()
        .find(|n| n.path == name || n.aliases.contains(&name.as_str()))
    {
        let params: Vec<String> = n
            .params
            .split([' ', ','])
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        let active = active_param(&params, active);
        return Some(Signature {
            label: format!("({name} {})", params.join(" ")),
            params,
            active,
            doc: Some(n.doc.to_string()),
        });
    }
    let (_, _, sig, params) = definitions(&parsed.forms)
        .into_iter()
        .find(|d| d.0 == name && d.1 == EntryKind::Function)?;
    let active = active_param(&params, active);
    Some(Signature {
        label: sig.unwrap_or_else(|| format!("({name})")),
        params,
        active,
        doc: None,
    })
}

/// A rest parameter (`xs...`) takes every argument from its position on.
fn active_param(params: &[String], arg: usize) -> usize {
    match params.iter().position(|p| p.ends_with("...")) {
        Some(rest) if arg >= rest => rest,
        _ => arg.min(params.len().saturating_sub(1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(text: &str) -> Vec<String> {
        let at = text.find("$0").unwrap();
        let t = text.replace("$0", "");
        completions(&t, at).into_iter().map(|e| e.label).collect()
    }

    #[test]
    fn locals_in_scope_and_natives() {
        let l = labels(
            "(var total 1)\n(fn f [count]\n  (var tmp 2)\n  (println t$0))\n(var later 3)\n",
        );
        assert!(l.contains(&"total".to_string()));
        assert!(l.contains(&"tmp".to_string()));
        assert!(
            !l.contains(&"later".to_string()),
            "declared after the cursor"
        );
        let l = labels("(fn f [count]\n  (println co$0))");
        assert!(l.contains(&"count".to_string()));
        let l = labels("(sleep$0");
        assert!(l.contains(&"sleep_async".to_string()));
        let l = labels("(gene/io/$0");
        assert!(l.contains(&"gene/io/read_async".to_string()));
    }

    #[test]
    fn methods_after_a_dot() {
        let l = labels("(xs .pu$0)");
        assert!(l.contains(&".push".to_string()), "{l:?}");
    }

    #[test]
    fn signature_of_native_and_user_function() {
        let t = "(fn add [a b c] (a + b + c))\n(add 1 2 )";
        let s = signature_help(t, t.len() - 1).unwrap();
        assert_eq!(s.params, vec!["a", "b", "c"]);
        assert_eq!(s.active, 2);
        let t = "(println 1 2 3 )";
        let s = signature_help(t, t.len() - 1).unwrap();
        assert_eq!(s.active, 0, "a rest parameter stays active");
    }

    #[test]
    fn broken_text_does_not_panic() {
        for t in ["(", "(fn", "(fn [", "(xs .", "\"abc", "(var"] {
            for i in 0..=t.len() {
                let _ = completions(t, i);
                let _ = signature_help(t, i);
            }
        }
    }
}
