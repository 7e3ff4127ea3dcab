//! Hierarchical document symbols: functions, classes (with their constructor,
//! methods and class functions), namespaces (with their members) and
//! top-level / namespace-level variables.

use super::model::Analysis;
use crate::compile::hir::*;
use crate::syntax::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SymbolKind {
    Function,
    Class,
    Method,
    Namespace,
    Variable,
    Enum,
    EnumMember,
    Interface,
    /// `(type NAME ...)`.
    TypeAlias,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentSymbol {
    pub name: String,
    pub kind: SymbolKind,
    /// The whole defining form.
    pub span: Span,
    /// The name.
    pub selection_span: Span,
    /// `[a b]`-style parameters of functions and methods.
    pub detail: Option<String>,
    pub children: Vec<DocumentSymbol>,
}

pub fn document_symbols(text: &str) -> Vec<DocumentSymbol> {
    Analysis::new(text).document_symbols()
}

impl Analysis {
    /// The name inside a variant declaration (`Circle` in `(Circle radius)`).
    fn variant_name_span(&self, span: Span, name: &str) -> Span {
        let start = span.start as usize + usize::from(self.slice(span).starts_with('('));
        let end = (start + name.len()).min(span.end as usize);
        Span::new(start, end)
    }

    pub fn document_symbols(&self) -> Vec<DocumentSymbol> {
        let mut out = Vec::new();
        if let Some(main) = &self.unit.main {
            for e in &main.body {
                self.symbols_in(e, true, &mut out);
            }
        }
        // Definitions run first (two-phase order): list symbols in source order.
        out.sort_by_key(|s| s.span.start);
        out
    }

    fn fn_symbol(&self, name: &str, kind: SymbolKind, def: &FnDef, span: Span) -> DocumentSymbol {
        let mut children = Vec::new();
        for e in &def.body {
            self.symbols_in(e, false, &mut children);
        }
        DocumentSymbol {
            name: name.to_string(),
            kind,
            span,
            selection_span: def.name_span.unwrap_or(span),
            detail: Some(super::model::param_list(self, def)),
            children,
        }
    }

    /// Symbols defined by `e`; variables only at the top level of the file or a namespace.
    fn symbols_in(&self, e: &Expr, top: bool, out: &mut Vec<DocumentSymbol>) {
        match &e.kind {
            ExprKind::NamedFn { path, def } => {
                out.push(self.fn_symbol(&path.join("/"), SymbolKind::Function, def, e.span));
            }
            ExprKind::Class(c) => {
                let mut children = Vec::new();
                if let Some(ctor) = &c.ctor {
                    let mut s = self.fn_symbol("ctor", SymbolKind::Method, ctor, ctor.span);
                    s.selection_span = first_word(self, ctor.span);
                    children.push(s);
                }
                for (m, f) in &c.methods {
                    children.push(self.fn_symbol(m, SymbolKind::Method, f, f.span));
                }
                for (m, f) in &c.fns {
                    children.push(self.fn_symbol(m, SymbolKind::Function, f, f.span));
                }
                children.sort_by_key(|s| s.span.start);
                out.push(DocumentSymbol {
                    name: c.path.join("/"),
                    kind: SymbolKind::Class,
                    span: e.span,
                    selection_span: c.name_span,
                    detail: None,
                    children,
                });
            }
            ExprKind::Implement { adapter, .. } => {
                let mut children = Vec::new();
                if let Some(ctor) = &adapter.ctor {
                    let mut s = self.fn_symbol("ctor", SymbolKind::Method, ctor, ctor.span);
                    s.selection_span = first_word(self, ctor.span);
                    children.push(s);
                }
                for (m, f) in &adapter.methods {
                    children.push(self.fn_symbol(m, SymbolKind::Method, f, f.span));
                }
                children.sort_by_key(|s| s.span.start);
                out.push(DocumentSymbol {
                    name: format!("implement {}", adapter.path.join("/")),
                    kind: SymbolKind::Class,
                    span: e.span,
                    selection_span: adapter.name_span,
                    detail: None,
                    children,
                });
            }
            ExprKind::Interface {
                path, name_span, ..
            }
            | ExprKind::TypeAlias {
                path, name_span, ..
            } => out.push(DocumentSymbol {
                name: path.join("/"),
                kind: if matches!(e.kind, ExprKind::Interface { .. }) {
                    SymbolKind::Interface
                } else {
                    SymbolKind::TypeAlias
                },
                span: e.span,
                selection_span: *name_span,
                detail: None,
                children: Vec::new(),
            }),
            ExprKind::Enum(d) => {
                let children = d
                    .variants
                    .iter()
                    .map(|v| DocumentSymbol {
                        name: v.name.clone(),
                        kind: SymbolKind::EnumMember,
                        span: v.span,
                        selection_span: self.variant_name_span(v.span, &v.name),
                        detail: v.fields.as_ref().map(|fs| {
                            let names: Vec<&str> = fs.iter().map(|(n, _)| n.as_str()).collect();
                            format!("[{}]", names.join(" "))
                        }),
                        children: Vec::new(),
                    })
                    .collect();
                out.push(DocumentSymbol {
                    name: d.path.join("/"),
                    kind: SymbolKind::Enum,
                    span: e.span,
                    selection_span: d.name_span,
                    detail: None,
                    children,
                });
            }
            ExprKind::Ns { path, body } => {
                let mut children = Vec::new();
                for b in &body.body {
                    self.symbols_in(b, true, &mut children);
                }
                out.push(DocumentSymbol {
                    name: path.join("/"),
                    kind: SymbolKind::Namespace,
                    span: e.span,
                    selection_span: body.name_span.unwrap_or(e.span),
                    detail: None,
                    children,
                });
            }
            ExprKind::Var { pattern, value } if top => {
                let vars: Vec<VarId> = pattern.vars();
                for v in vars {
                    let Some(info) = self.var(v) else { continue };
                    let sel = self.var_def_span(v).unwrap_or(info.span);
                    let mut children = Vec::new();
                    if let Some(val) = value {
                        self.symbols_in(val, false, &mut children);
                    }
                    out.push(DocumentSymbol {
                        name: info.name.clone(),
                        kind: SymbolKind::Variable,
                        span: e.span,
                        selection_span: sel,
                        // `(var limit: Int 3)`: its declared type.
                        detail: self.unit.var_types.get(&v).map(|t| t.text()),
                        children,
                    });
                }
            }
            ExprKind::Do(body) => {
                for b in body {
                    self.symbols_in(b, top, out);
                }
            }
            _ => {
                super::model::for_each_child(e, &mut |c| self.symbols_in(c, false, out));
            }
        }
    }
}

/// The span of the head word of a form (`ctor` in `(ctor [x] ...)`).
fn first_word(a: &Analysis, span: Span) -> Span {
    let t = a.slice(span);
    let start = t
        .find(|c: char| c != '(' && !c.is_whitespace())
        .unwrap_or(0);
    let len = t[start..]
        .find(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == '[')
        .unwrap_or(t.len() - start);
    Span::new(
        span.start as usize + start,
        span.start as usize + start + len,
    )
}
