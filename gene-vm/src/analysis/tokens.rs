//! Semantic tokens from the syntax tree and the natives table: what each atom is
//! (keyword, function, parameter, method, namespace, class, string, number, comment).

use crate::syntax::{Node, NodeKind, Span};

/// Token types, in the order of the legend (`TOKEN_TYPES`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenType {
    Function,
    Variable,
    Parameter,
    Property,
    Keyword,
    String,
    Number,
    Comment,
    Namespace,
    Class,
    Method,
    Macro,
}

pub const TOKEN_TYPES: &[&str] = &[
    "function",
    "variable",
    "parameter",
    "property",
    "keyword",
    "string",
    "number",
    "comment",
    "namespace",
    "class",
    "method",
    "macro",
];

/// Modifier bits, in the order of `TOKEN_MODIFIERS`.
pub const DECLARATION: u32 = 1;
pub const ASYNC: u32 = 2;
pub const DEPRECATED: u32 = 4;
pub const DEFAULT_LIBRARY: u32 = 8;
pub const READONLY: u32 = 16;

pub const TOKEN_MODIFIERS: &[&str] = &[
    "declaration",
    "async",
    "deprecated",
    "defaultLibrary",
    "readonly",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub span: Span,
    pub kind: TokenType,
    pub modifiers: u32,
}

const KEYWORDS: &[&str] = &[
    "var", "fn", "if", "else", "elif", "then", "for", "in", "while", "loop", "break", "continue",
    "return", "try", "catch", "finally", "throw", "class", "method", "ctor", "ns", "async",
    "await", "do", "case", "when", "new", "self", "true", "false", "nil", "void", "import",
    "macro", "yield", "let", "if_not", "repeat", "enum", "export", "super",
];

struct Natives {
    names: std::collections::HashMap<String, u32>,
}

impl Natives {
    fn load() -> Natives {
        let mut names = std::collections::HashMap::new();
        for n in crate::stdlib::native_table() {
            let mut m = DEFAULT_LIBRARY;
            if n.deprecated.is_some() {
                m |= DEPRECATED;
            }
            if n.path.ends_with("_async") || n.path == "gene/all" || n.path == "gene/any" {
                m |= ASYNC;
            }
            names.insert(n.path.to_string(), m);
            for a in n.aliases {
                names.insert(a.to_string(), m);
            }
        }
        Natives { names }
    }
}

struct Walker<'a> {
    natives: Natives,
    out: Vec<Token>,
    text: &'a str,
}

impl Walker<'_> {
    fn push(&mut self, span: Span, kind: TokenType, modifiers: u32) {
        if span.end > span.start {
            self.out.push(Token {
                span,
                kind,
                modifiers,
            });
        }
    }

    fn symbol(&mut self, n: &Node, s: &str, role: Option<(TokenType, u32)>) {
        if let Some((k, m)) = role {
            return self.push(n.span, k, m);
        }
        if KEYWORDS.contains(&s) {
            return self.push(n.span, TokenType::Keyword, 0);
        }
        if s.starts_with('.') && s.len() > 1 {
            return self.push(n.span, TokenType::Method, 0);
        }
        if let Some(m) = self.natives.names.get(s) {
            return self.push(n.span, TokenType::Function, *m);
        }
        if s.chars().next().is_some_and(|c| c.is_uppercase()) {
            return self.push(n.span, TokenType::Class, 0);
        }
        self.push(n.span, TokenType::Variable, 0)
    }

    fn node(&mut self, n: &Node, role: Option<(TokenType, u32)>) {
        match &n.kind {
            NodeKind::Int(_) | NodeKind::Float(_) | NodeKind::Bytes(_) | NodeKind::DateTime(_) => {
                self.push(n.span, TokenType::Number, 0)
            }
            NodeKind::Str(_) | NodeKind::Char(_) | NodeKind::Regex { .. } => {
                self.push(n.span, TokenType::String, 0)
            }
            NodeKind::Nil | NodeKind::Void | NodeKind::Bool(_) | NodeKind::NotFound => {
                self.push(n.span, TokenType::Keyword, 0)
            }
            NodeKind::Symbol(s) => self.symbol(n, s, role),
            NodeKind::Path(segs) => {
                let full = segs.join("/");
                if let Some(m) = self.natives.names.get(&full) {
                    return self.push(n.span, TokenType::Function, *m);
                }
                if let Some((k, m)) = role {
                    return self.push(n.span, k, m);
                }
                // `ns/name`: the base is a namespace or an object, the rest members.
                let text = self.text.get(n.span.start as usize..n.span.end as usize);
                if let (Some(text), Some(first)) = (text, segs.first()) {
                    if text.starts_with(first.as_str()) && !first.is_empty() {
                        let base_end = n.span.start + first.len() as u32;
                        self.push(
                            Span::new(n.span.start as usize, base_end as usize),
                            TokenType::Variable,
                            0,
                        );
                        self.push(
                            Span::new(base_end as usize + 1, n.span.end as usize),
                            TokenType::Property,
                            0,
                        );
                        return;
                    }
                }
                self.push(n.span, TokenType::Variable, 0)
            }
            NodeKind::Array(items) | NodeKind::HashMap(items) => {
                for i in items {
                    self.node(i, role);
                }
            }
            NodeKind::Map(props) => {
                for p in props {
                    self.push(p.key_span, TokenType::Property, 0);
                    self.node(&p.value, None);
                }
            }
            NodeKind::Quote(q) => self.node(q, None),
            NodeKind::Sealed(inner) => self.node(inner, role),
            NodeKind::Gene {
                head,
                props,
                children,
            } => {
                let head_sym = head.as_ref().and_then(|h| h.as_symbol()).unwrap_or("");
                let is_async = props.iter().any(|p| p.key == "async");
                if let Some(h) = head {
                    self.node(h, None);
                }
                for p in props {
                    self.push(p.key_span, TokenType::Property, 0);
                    self.node(&p.value, None);
                }
                let fn_mods = DECLARATION | if is_async { ASYNC } else { 0 };
                for (i, c) in children.iter().enumerate() {
                    let role = match (head_sym, i) {
                        ("fn", 0) if !matches!(c.kind, NodeKind::Array(_)) => {
                            Some((TokenType::Function, fn_mods))
                        }
                        ("fn", _) | ("method", 1) | ("ctor", 0)
                            if matches!(c.kind, NodeKind::Array(_)) =>
                        {
                            Some((TokenType::Parameter, DECLARATION))
                        }
                        ("method", 0) => Some((TokenType::Method, fn_mods)),
                        ("class", 0) => Some((TokenType::Class, DECLARATION)),
                        ("ns", 0) => Some((TokenType::Namespace, DECLARATION)),
                        ("var" | "let", 0) => Some((TokenType::Variable, DECLARATION)),
                        _ => None,
                    };
                    self.node(c, role);
                }
            }
            NodeKind::Error => {}
        }
    }
}

/// Every token of the text in source order (comments included).
pub fn semantic_tokens(text: &str) -> Vec<Token> {
    semantic_tokens_of(&super::model::Analysis::new(text))
}

/// The tokens of an analysed text (its parse and resolved names are reused).
pub fn semantic_tokens_of(a: &super::model::Analysis) -> Vec<Token> {
    let (text, parsed) = (a.text.as_str(), &a.parsed);
    let mut w = Walker {
        natives: Natives::load(),
        out: Vec::new(),
        text,
    };
    for f in &parsed.forms {
        w.node(f, None);
    }
    for c in &parsed.comments {
        w.push(c.span, TokenType::Comment, 0);
    }
    w.out.sort_by_key(|t| (t.span.start, t.span.end));
    // Overlaps (a comment inside a string the reader recovered from) keep the first.
    let mut out: Vec<Token> = Vec::with_capacity(w.out.len());
    for t in w.out {
        if out.last().is_some_and(|l| l.span.end > t.span.start) {
            continue;
        }
        out.push(t);
    }
    resolve(a, &mut out);
    out
}

/// Names the resolver bound to a variable are variables or parameters, whatever
/// they look like (a parameter called `file_read` is not the deprecated native).
fn resolve(a: &super::model::Analysis, tokens: &mut [Token]) {
    use crate::compile::hir::{OccKind, OccTarget};
    let at =
        |tokens: &[Token], span: Span| tokens.binary_search_by_key(&span.start, |t| t.span.start);
    // Variables declared in a parameter list.
    let mut params = std::collections::HashSet::new();
    for o in a.occurrences() {
        if let (OccTarget::Var(v), OccKind::Def) = (&o.target, &o.kind) {
            if let Ok(i) = at(tokens, o.span) {
                if tokens[i].kind == TokenType::Parameter {
                    params.insert(*v);
                }
            }
        }
    }
    for o in a.occurrences() {
        let OccTarget::Var(v) = &o.target else {
            continue;
        };
        let Ok(i) = at(tokens, o.span) else { continue };
        let t = &mut tokens[i];
        if t.span != o.span {
            continue;
        }
        t.kind = if params.contains(v) {
            TokenType::Parameter
        } else {
            TokenType::Variable
        };
        t.modifiers = if matches!(o.kind, OccKind::Def) {
            DECLARATION
        } else {
            0
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(String, TokenType, u32)> {
        semantic_tokens(text)
            .into_iter()
            .map(|t| {
                (
                    text[t.span.start as usize..t.span.end as usize].to_string(),
                    t.kind,
                    t.modifiers,
                )
            })
            .collect()
    }

    #[test]
    fn classifies_definitions_natives_and_literals() {
        let k = kinds("# hi\n(fn greet [name] (println \"hi\" name 42))\n(file_read \"x\")\n");
        assert!(k.contains(&("# hi".into(), TokenType::Comment, 0)));
        assert!(k.contains(&("fn".into(), TokenType::Keyword, 0)));
        assert!(k.contains(&("greet".into(), TokenType::Function, DECLARATION)));
        assert!(k.contains(&("name".into(), TokenType::Parameter, DECLARATION)));
        assert!(k.contains(&("println".into(), TokenType::Function, DEFAULT_LIBRARY)));
        assert!(k.contains(&("\"hi\"".into(), TokenType::String, 0)));
        assert!(k.contains(&("42".into(), TokenType::Number, 0)));
        let fr = k.iter().find(|t| t.0 == "file_read").unwrap();
        assert!(fr.2 & DEPRECATED != 0);
        let k = kinds("(sleep_async 10)");
        assert_eq!(k[0].2 & ASYNC, ASYNC);
    }

    #[test]
    fn resolved_names_win_over_how_they_look() {
        let k = kinds("(fn f [file_read] (file_read \"x\"))\n(fn g [n] (n + 1))\n");
        let uses: Vec<&(String, TokenType, u32)> =
            k.iter().filter(|t| t.0 == "file_read").collect();
        assert_eq!(uses.len(), 2);
        assert!(uses
            .iter()
            .all(|t| t.1 == TokenType::Parameter && t.2 & DEPRECATED == 0));
        let n_uses: Vec<_> = k.iter().filter(|t| t.0 == "n").collect();
        assert_eq!(n_uses[1].1, TokenType::Parameter, "a parameter's use");
        assert_eq!(n_uses[1].2, 0);
    }

    #[test]
    fn tokens_are_sorted_and_disjoint_on_broken_text() {
        for t in ["(fn", "\"abc", "(a/b/c 1", "#< x", "(x .size) ^^y"] {
            let toks = semantic_tokens(t);
            for w in toks.windows(2) {
                assert!(w[0].span.end <= w[1].span.start);
            }
        }
    }
}
