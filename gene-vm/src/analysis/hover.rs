//! Hover: what the name under the cursor is, as markdown. Natives and methods
//! show their signature, doc, deprecation (and what replaces it) and whether
//! they return a future; user functions their signature and the comment lines
//! above the definition; variables whether they are local, parameters,
//! captured (and by which closures) or top-level, and where they are defined.

use std::collections::BTreeSet;

use super::model::{param_list, Analysis, DefKind, SymbolKey};
use super::natives::{self, NativeInfo};
use crate::syntax::Span;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hover {
    /// The hovered name.
    pub span: Span,
    pub markdown: String,
}

pub fn hover(text: &str, offset: usize) -> Option<Hover> {
    Analysis::new(text).hover(offset)
}

fn code(s: &str) -> String {
    format!("```gene\n{s}\n```\n")
}

/// Markdown for a native function.
pub fn native_markdown(n: &NativeInfo) -> String {
    let sig = if n.params.is_empty() {
        format!("({})", n.path)
    } else {
        format!("({} {})", n.path, n.params)
    };
    let mut md = code(&sig);
    md.push('\n');
    md.push_str(n.doc);
    md.push('\n');
    if n.returns_future {
        md.push_str("\nReturns a **future**: `await` it or register a callback.\n");
    }
    if let Some(why) = n.deprecated {
        md.push_str(&format!("\n**Deprecated**: {why}\n"));
    }
    if !n.aliases.is_empty() {
        let al: Vec<String> = n.aliases.iter().map(|a| format!("`{a}`")).collect();
        md.push_str(&format!("\nAlso: {}\n", al.join(", ")));
    }
    md.push_str("\n*native*\n");
    md
}

impl Analysis {
    pub fn hover(&self, offset: usize) -> Option<Hover> {
        let occ = self.occurrence_at(offset)?;
        let span = occ.span;
        let markdown = match self.key(occ) {
            SymbolKey::Var(v) => self.hover_var(v)?,
            SymbolKey::User(q) => self.hover_user(&q)?,
            SymbolKey::Native(p) => native_markdown(natives::lookup(p)?),
            SymbolKey::Method(m) => self.hover_method(&m)?,
            SymbolKey::Namespace(n) => {
                let members = natives::natives()
                    .iter()
                    .filter(|x| {
                        std::iter::once(&x.path).chain(x.aliases.iter()).any(|p| {
                            p.strip_prefix(n.as_str())
                                .is_some_and(|r| r.starts_with('/'))
                        })
                    })
                    .count();
                format!(
                    "{}\nBuilt-in namespace ({members} natives).\n",
                    code(&format!("(ns {n})"))
                )
            }
            SymbolKey::Class(c) => format!("{}\nBuilt-in class.\n", code(&format!("(class {c})"))),
            SymbolKey::Unknown(_) => return None,
        };
        Some(Hover { span, markdown })
    }

    fn hover_var(&self, v: u32) -> Option<String> {
        let info = self.var(v)?;
        let owner = self.fn_name(info.owner_fn);
        let what = if let Some(f) = self.params.get(&v) {
            format!("parameter of `{}`", self.fn_name(*f))
        } else if self.top_vars.contains(&v) {
            if info.owner_fn == 0 {
                "top-level variable".to_string()
            } else {
                format!("variable of `{owner}`")
            }
        } else if info.owner_fn == 0 {
            "local variable of the top level".to_string()
        } else {
            format!("local variable of `{owner}`")
        };
        // The declared type (later 3.1), as the checker reads it.
        let declared = self.unit.var_types.get(&v).cloned().or_else(|| {
            let f = self.params.get(&v)?;
            let def = self.fns.get(*f as usize)?.as_ref()?;
            def.params.iter().find(|p| p.var == v)?.ty.clone()
        });
        let mut md = match &declared {
            Some(t) => code(&format!("{}: {}", info.name, t.text())),
            None => code(&info.name),
        };
        md.push('\n');
        md.push_str(&what);
        if let Some(def) = self.var_def_span(v) {
            md.push_str(&format!(", defined at {}", self.pos(def.start)));
        }
        md.push('\n');
        let closures: BTreeSet<(u32, String)> = self
            .occurrences()
            .iter()
            .filter(|o| o.target == crate::compile::hir::OccTarget::Var(v))
            .filter(|o| o.in_fn != info.owner_fn)
            .map(|o| {
                let start = self
                    .fns
                    .get(o.in_fn as usize)
                    .and_then(|f| f.as_ref())
                    .map_or(0, |f| f.span.start);
                (start, self.fn_name(o.in_fn))
            })
            .collect();
        if info.captured || !closures.is_empty() {
            md.push_str("\n**Captured**: lives in a heap scope");
            if !closures.is_empty() {
                let by: Vec<String> = closures
                    .iter()
                    .map(|(s, n)| format!("`{n}` ({})", self.pos(*s)))
                    .collect();
                md.push_str(&format!("; used by {}", by.join(", ")));
            }
            md.push_str(".\n");
        }
        Some(md)
    }

    fn hover_user(&self, q: &str) -> Option<String> {
        let defs = self.globals.get(q)?;
        let d = defs.first()?;
        let mut md = match d.kind {
            DefKind::Fn => {
                let f = d.fn_def.as_ref()?;
                let flags = if f.is_async { " ^^async" } else { "" };
                let mut s = code(&format!("(fn {q}{flags} {})", param_list(self, f)));
                if self.future_fns().contains(&f.index) {
                    s.push_str("\nReturns a **future**.\n");
                }
                s
            }
            DefKind::Class => {
                let c = d.class.as_ref()?;
                let parent = c
                    .parent
                    .as_ref()
                    .map(|p| format!(" < {}", self.slice(p.span)))
                    .unwrap_or_default();
                let mut s = code(&format!("(class {q}{parent})"));
                let ms: Vec<String> = c.methods.iter().map(|(m, _)| format!("`.{m}`")).collect();
                if !ms.is_empty() {
                    s.push_str(&format!("\nMethods: {}\n", ms.join(", ")));
                }
                s
            }
            DefKind::Ns => code(&format!("(ns {q})")),
            DefKind::Enum | DefKind::Import | DefKind::Member => code(self.slice(d.span)),
        };
        if let Some(doc) = self.doc_comment(d.span) {
            md.push('\n');
            md.push_str(&doc);
            md.push('\n');
        }
        md.push_str(&format!("\nDefined at {}", self.pos(d.name_span.start)));
        if defs.len() > 1 {
            md.push_str(&format!(" (and {} more definitions)", defs.len() - 1));
        }
        md.push('\n');
        Some(md)
    }

    fn hover_method(&self, m: &str) -> Option<String> {
        let mut parts = Vec::new();
        for d in self.methods.get(m).into_iter().flatten() {
            let flags = if d.def.is_async { " ^^async" } else { "" };
            let mut s = code(&format!(
                "(method {}.{m}{flags} {})",
                d.class,
                param_list(self, &d.def)
            ));
            if let Some(doc) = self.doc_comment(d.def.span) {
                s.push('\n');
                s.push_str(&doc);
                s.push('\n');
            }
            s.push_str(&format!("\nDefined at {}\n", self.pos(d.name_span.start)));
            parts.push(s);
        }
        for n in natives::methods_named(m) {
            let sig = if n.params.is_empty() {
                format!("({} .{m})", n.class)
            } else {
                format!("({} .{m} {})", n.class, n.params)
            };
            parts.push(format!("{}\n{}\n\n*native method*\n", code(&sig), n.doc));
        }
        if parts.is_empty() {
            return None;
        }
        Some(parts.join("\n---\n\n"))
    }
}
