//! Completion and signature help. Reads the syntax tree (names declared before the
//! cursor in the enclosing forms, the file's definitions) and the natives and methods
//! tables as data; never runs anything.

use crate::syntax::{parse, CommentKind, Node, NodeKind, ParseResult};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    Variable,
    Parameter,
    Function,
    Class,
    Namespace,
    Keyword,
    Method,
    Enum,
    /// A variant of an enum of the file (`Shape/Circle`).
    Variant,
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
    ("let", Some("(let ${1:name} ${2:value})")),
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
    ("if_not", None),
    ("repeat", None),
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

/// A parameter list read as the resolver reads it (`parse_params` in
/// `compile::lower`): the list as shown in a signature (`[a b = 2 ^k rest...]`),
/// and the positional parameters, the ones call arguments fill in order
/// (keyword parameters `^k` are passed by name; a rest parameter keeps `...`).
pub(crate) fn param_names(text: &str, params: &Node) -> (String, Vec<String>) {
    let NodeKind::Array(elems) = &params.kind else {
        return ("[]".into(), Vec::new());
    };
    // (shown, positional name or None for a keyword parameter)
    let mut ps: Vec<(String, Option<String>)> = Vec::new();
    let mut i = 0;
    while i < elems.len() {
        let Some(s) = elems[i].as_symbol() else {
            i += 1;
            continue;
        };
        if s == "..." {
            if let Some((shown, positional)) = ps.last_mut() {
                shown.push_str("...");
                if let Some(p) = positional {
                    p.push_str("...");
                }
            }
            i += 1;
            continue;
        }
        let (keyword, bare) = match s.strip_prefix('^') {
            Some(k) => (true, k),
            None => (false, s),
        };
        let (name, rest) = match bare.strip_suffix("...") {
            Some(n) if !n.is_empty() => (n, true),
            _ => (bare, false),
        };
        let name = name.strip_suffix(':').unwrap_or(name);
        let mut shown = format!(
            "{}{name}{}",
            if keyword { "^" } else { "" },
            if rest { "..." } else { "" }
        );
        if elems.get(i + 1).is_some_and(|e| e.is_symbol("=")) {
            if let Some(d) = elems.get(i + 2) {
                let default = text
                    .get(d.span.start as usize..d.span.end as usize)
                    .unwrap_or("?");
                shown.push_str(&format!(" = {default}"));
                i += 2;
            }
        }
        let positional = (!keyword).then(|| format!("{name}{}", if rest { "..." } else { "" }));
        ps.push((shown, positional));
        i += 1;
    }
    let shown: Vec<&str> = ps.iter().map(|(s, _)| s.as_str()).collect();
    (
        format!("[{}]", shown.join(" ")),
        ps.into_iter().filter_map(|(_, p)| p).collect(),
    )
}

/// `(name params)` without a trailing space when there are no parameters.
fn call_sig(name: &str, params: &str) -> String {
    if params.is_empty() {
        format!("({name})")
    } else {
        format!("({name} {params})")
    }
}

/// Functions, classes and namespaces the file defines (anywhere), with a signature.
fn definitions(
    text: &str,
    forms: &[Node],
) -> Vec<(String, EntryKind, Option<String>, Vec<String>)> {
    let mut out = Vec::new();
    // Each form with the namespace path it sits in (`geo/` inside `(ns geo ...)`).
    let mut todo: Vec<(&Node, String)> = forms.iter().map(|f| (f, String::new())).collect();
    while let Some((n, ns)) = todo.pop() {
        let ch = gene_children(n);
        let name = ch.first().and_then(|c| match &c.kind {
            NodeKind::Symbol(s) => Some(s.clone()),
            NodeKind::Path(p) => Some(p.join("/")),
            _ => None,
        });
        let mut inner_ns = ns.clone();
        match (head_name(n), name) {
            (Some("fn"), Some(name)) => {
                let (shown, params) = match ch.get(1) {
                    Some(ps) => param_names(text, ps),
                    None => ("[]".into(), Vec::new()),
                };
                let sig = format!("(fn {name} {shown})");
                // Inside its namespace by its own name, outside by the full path.
                if !ns.is_empty() {
                    let full = format!("{ns}{name}");
                    let sig = format!("(fn {full} {shown})");
                    out.push((full, EntryKind::Function, Some(sig), params.clone()));
                }
                out.push((name, EntryKind::Function, Some(sig), params));
            }
            (Some("class"), Some(name)) => {
                if !ns.is_empty() {
                    out.push((format!("{ns}{name}"), EntryKind::Class, None, Vec::new()));
                }
                out.push((name, EntryKind::Class, None, Vec::new()))
            }
            (Some("ns"), Some(name)) => {
                inner_ns = format!("{ns}{name}/");
                out.push((name, EntryKind::Namespace, None, Vec::new()))
            }
            // `(enum Shape (Circle radius) Dot)`: the enum and `Shape/Circle`, `Shape/Dot`.
            (Some("enum"), Some(name)) => {
                let full = format!("{ns}{name}");
                for v in ch.iter().skip(1) {
                    let (variant, fields): (Option<&str>, Vec<&str>) = match &v.kind {
                        NodeKind::Symbol(s) => (Some(s.as_str()), Vec::new()),
                        NodeKind::Gene { .. } => {
                            let vc = gene_children(v);
                            let fields = vc.iter().filter_map(|f| f.as_symbol()).collect();
                            (head_name(v), fields)
                        }
                        _ => (None, Vec::new()),
                    };
                    let Some(variant) = variant.filter(|x| !x.starts_with('^')) else {
                        continue;
                    };
                    let sig = if fields.is_empty() {
                        format!("{full}/{variant}")
                    } else {
                        format!("({full}/{variant} {})", fields.join(" "))
                    };
                    out.push((
                        format!("{full}/{variant}"),
                        EntryKind::Variant,
                        Some(sig),
                        fields.iter().map(|f| f.to_string()).collect(),
                    ));
                }
                out.push((
                    full,
                    EntryKind::Enum,
                    Some(format!("(enum {name})")),
                    Vec::new(),
                ))
            }
            _ => {}
        }
        todo.extend(n.sub_nodes().into_iter().map(|k| (k, inner_ns.clone())));
    }
    out
}

/// Methods the file's classes define: (class, method, shown parameters).
fn class_methods(text: &str, forms: &[Node]) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut todo: Vec<&Node> = forms.iter().collect();
    while let Some(n) = todo.pop() {
        if head_name(n) == Some("class") {
            let ch = gene_children(n);
            let class = ch
                .first()
                .and_then(|c| c.as_symbol())
                .unwrap_or("")
                .to_string();
            for m in ch {
                let mc = gene_children(m);
                if matches!(head_name(m), Some("method") | Some(".fn")) {
                    if let Some(name) = mc.first().and_then(|c| c.as_symbol()) {
                        let shown = mc
                            .get(1)
                            .map(|ps| param_names(text, ps).0)
                            .unwrap_or_else(|| "[]".into());
                        out.push((class.clone(), name.to_string(), shown));
                    }
                }
            }
        }
        todo.extend(n.sub_nodes());
    }
    out
}

/// The class of a receiver bound by `(var name (new Class ...))`, if the file says.
fn receiver_class(forms: &[Node], receiver: &str) -> Option<String> {
    let mut todo: Vec<&Node> = forms.iter().collect();
    while let Some(n) = todo.pop() {
        if head_name(n) == Some("var") {
            let ch = gene_children(n);
            if ch.first().and_then(|c| c.as_symbol()) == Some(receiver) {
                if let Some(init) = ch.get(1) {
                    if head_name(init) == Some("new") {
                        if let Some(c) = gene_children(init).first().and_then(name_of_node) {
                            return Some(c);
                        }
                    }
                }
            }
        }
        todo.extend(n.sub_nodes());
    }
    None
}

fn name_of_node(n: &Node) -> Option<String> {
    match &n.kind {
        NodeKind::Symbol(s) => Some(s.clone()),
        NodeKind::Path(p) => Some(p.join("/")),
        _ => None,
    }
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

/// Is `offset` inside a comment or the text of a string or character literal
/// (not inside a `#{...}` interpolation, which holds code)?
fn in_comment_or_string(parsed: &ParseResult, offset: usize) -> bool {
    let o = offset as u32;
    let in_comment = parsed.comments.iter().any(|c| match c.kind {
        // A line comment runs to the end of its line, the cursor there included.
        CommentKind::Block => c.span.start < o && o < c.span.end,
        _ => c.span.start < o && o <= c.span.end,
    });
    if in_comment {
        return true;
    }
    let mut level: Vec<&Node> = parsed.forms.iter().collect();
    while let Some(n) = level
        .iter()
        .find(|n| n.span.start < o && o < n.span.end)
        .copied()
    {
        if matches!(n.kind, NodeKind::Str(_) | NodeKind::Char(_)) {
            return true;
        }
        level = n.sub_nodes();
    }
    false
}

pub fn completions(text: &str, offset: usize) -> Vec<Entry> {
    completions_in(&parse(text), text, offset)
}

/// Completions in a text already parsed (the language server's cached analysis).
pub fn completions_in(parsed: &ParseResult, text: &str, offset: usize) -> Vec<Entry> {
    // Any byte offset: one inside a character counts as that character's start.
    let offset = super::line_index::floor_char_boundary(text, offset);
    // Nothing to complete in prose.
    if in_comment_or_string(parsed, offset) {
        return Vec::new();
    }
    let (prefix, start) = prefix_at(text, offset);
    // Typed after `(`: a special form's snippet must not open a second one.
    let after_paren = text[..start].ends_with('(');
    let mut out: Vec<Entry> = Vec::new();
    let mut add = |e: Entry| {
        if e.label.starts_with(prefix) && !out.iter().any(|o| o.label == e.label) {
            out.push(e);
        }
    };
    // ` .name`: a method call. The receiver's class first when the file tells it,
    // then the file's other classes, then the built-in methods.
    if let Some(method_prefix) = prefix.strip_prefix('.') {
        let before = text[..start].trim_end();
        let (receiver, _) = prefix_at(before, before.len());
        let known = receiver_class(&parsed.forms, receiver);
        let mut user = class_methods(text, &parsed.forms);
        user.sort_by_key(|(c, _, _)| Some(c) != known.as_ref());
        for (class, name, shown) in user {
            if name.starts_with(method_prefix) {
                add(Entry {
                    label: format!(".{name}"),
                    kind: EntryKind::Method,
                    detail: Some(format!("{class}.{name} {shown}")),
                    insert: None,
                    snippet: false,
                    deprecated: false,
                });
            }
        }
        for m in crate::stdlib::method_table() {
            for n in m.names {
                if n.starts_with(method_prefix) {
                    add(Entry {
                        label: format!(".{n}"),
                        kind: EntryKind::Method,
                        detail: Some(if m.params.is_empty() {
                            format!("{}.{n}", m.class)
                        } else {
                            format!("{}.{n} {}", m.class, m.params)
                        }),
                        insert: None,
                        snippet: false,
                        deprecated: false,
                    });
                }
            }
        }
        return out;
    }
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
        level = n.sub_nodes();
    }
    for (name, kind, sig, _) in definitions(text, &parsed.forms) {
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
        let sig = call_sig(n.path, n.params);
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
        let snippet = snippet.map(|s| {
            // The user's `(` opens the form (and its `)`, if the editor paired it,
            // closes it).
            match (
                after_paren,
                s.strip_prefix('(').and_then(|s| s.strip_suffix(')')),
            ) {
                (true, Some(inner)) => inner.to_string(),
                _ => s.to_string(),
            }
        });
        add(Entry {
            label: kw.to_string(),
            kind: EntryKind::Keyword,
            detail: None,
            insert: snippet.clone(),
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
    let mut doc = format!("```gene\n{}\n```\n{}", call_sig(n.path, n.params), n.doc);
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
    signature_help_in(&parse(text), text, offset)
}

/// Signature help in a text already parsed.
pub fn signature_help_in(parsed: &ParseResult, text: &str, offset: usize) -> Option<Signature> {
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
        level = n.sub_nodes();
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
            label: call_sig(&name, &params.join(" ")),
            params,
            active,
            doc: Some(n.doc.to_string()),
        });
    }
    let (_, _, sig, params) = definitions(text, &parsed.forms)
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
        // Offsets inside a character too (found by the `edits` fuzz target).
        for t in [
            "(",
            "(fn",
            "(fn [",
            "(xs .",
            "\"abc",
            "(var",
            "\u{FFFD}",
            "(名字",
            "(a 😀 .é",
        ] {
            for i in 0..=t.len() {
                let _ = completions(t, i);
                let _ = signature_help(t, i);
            }
        }
    }
}
