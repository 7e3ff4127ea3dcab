//! [`Analysis`]: a text read and lowered once, with the indexes every query
//! reads (occurrences by position, functions by index, global definitions by
//! qualified name). Queries are methods of the other modules' free functions.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::line_index::LineIndex;
use super::natives::{self, NativeInfo};
use crate::compile::hir::*;
use crate::compile::lower::{lower_program, LowerOptions};
use crate::syntax::{self, CommentKind, Node, NodeKind, ParseResult, Span};

/// What kind of thing a global definition is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefKind {
    Fn,
    Class,
    Ns,
    Enum,
    /// A name bound by `import`.
    Import,
    /// `(var /name v)`, `($ns/name = v)`: a namespace member.
    Member,
}

/// A named global definition of the file.
#[derive(Clone, Debug)]
pub struct GlobalDef {
    pub kind: DefKind,
    /// Qualified name (`geo/area`, `Point/make`).
    pub name: String,
    pub name_span: Span,
    /// The whole defining form.
    pub span: Span,
    pub fn_def: Option<Rc<FnDef>>,
    pub class: Option<Rc<ClassDef>>,
}

/// A method defined in a class of the file.
#[derive(Clone, Debug)]
pub struct MethodDef {
    pub class: String,
    pub name: String,
    pub name_span: Span,
    pub def: Rc<FnDef>,
}

/// What a global name resolves to.
#[derive(Clone, Debug)]
pub enum GlobalRes {
    /// A definition of this file, by qualified name.
    User(String),
    Native(&'static NativeInfo),
    Namespace(String),
    Class(String),
    Unknown,
}

/// The identity of the thing an occurrence names: references, highlights and
/// rename group occurrences by it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SymbolKey {
    Var(VarId),
    /// A user definition (qualified name).
    User(String),
    /// A native (its full path, so aliases group with it).
    Native(&'static str),
    Namespace(String),
    Class(String),
    Method(String),
    Unknown(String),
}

/// Special forms and keywords: never names of variables.
pub const SPECIAL_FORMS: &[&str] = &[
    "var", "if", "ifel", "fn", "fnx", "fnxx", "do", "loop", "while", "for", "repeat", "case",
    "break", "continue", "return", "try", "throw", "class", "new", "ns", "async", "await", "yield",
    "not", "range", "import", "method", "ctor", "let", "if_not", "enum", "export", "super",
];
pub const KEYWORDS: &[&str] = &[
    "then",
    "elif",
    "else",
    "when",
    "catch",
    "finally",
    "in",
    "self",
    "nil",
    "true",
    "false",
    "void",
    "not_found",
    "_",
];

pub struct Analysis {
    pub text: String,
    pub parsed: ParseResult,
    pub unit: Unit,
    pub index: LineIndex,
    /// Occurrence indexes sorted by span start.
    by_pos: Vec<usize>,
    /// Functions by index.
    pub fns: Vec<Option<Rc<FnDef>>>,
    /// Display name of each function (`f`, `Point.area`, `<anonymous>`).
    pub fn_names: HashMap<u32, String>,
    /// The function each parameter belongs to.
    pub params: HashMap<VarId, u32>,
    pub globals: HashMap<String, Vec<GlobalDef>>,
    pub methods: HashMap<String, Vec<MethodDef>>,
    /// Top-level (and `ns`-level) variables.
    pub top_vars: HashSet<VarId>,
    comment_starts: HashSet<u32>,
    /// The file has an `(import * from ...)`: any unknown name may come from it.
    pub wildcard_import: bool,
}

impl Analysis {
    pub fn new(text: &str) -> Analysis {
        let parsed = syntax::parse(text);
        let unit = lower_program(&parsed.forms, &LowerOptions::default());
        let mut by_pos: Vec<usize> = (0..unit.occurrences.len()).collect();
        by_pos.sort_by_key(|i| {
            let s = unit.occurrences[*i].span;
            (s.start, s.end)
        });
        let comment_starts = parsed
            .comments
            .iter()
            .filter(|c| c.kind == CommentKind::Line)
            .map(|c| c.span.start)
            .collect();
        let mut a = Analysis {
            text: text.to_string(),
            index: LineIndex::new(text),
            parsed,
            unit,
            by_pos,
            fns: Vec::new(),
            fn_names: HashMap::new(),
            params: HashMap::new(),
            globals: HashMap::new(),
            methods: HashMap::new(),
            top_vars: HashSet::new(),
            wildcard_import: false,
            comment_starts,
        };
        a.fns = vec![None; a.unit.fn_count as usize];
        if let Some(main) = a.unit.main.clone() {
            let mut ix = Indexer {
                a: &mut a,
                ns: Vec::new(),
            };
            ix.fn_def(&main, "<main>".into(), true);
        }
        a
    }

    pub fn occurrences(&self) -> &[Occurrence] {
        &self.unit.occurrences
    }

    /// The occurrence under `offset` (the cursor may sit just after the name).
    pub fn occurrence_at(&self, offset: usize) -> Option<&Occurrence> {
        let o = offset as u32;
        let mut best: Option<&Occurrence> = None;
        let mut best_inside = false;
        let end = self
            .by_pos
            .partition_point(|i| self.unit.occurrences[*i].span.start <= o);
        for i in self.by_pos[..end].iter().rev() {
            let occ = &self.unit.occurrences[*i];
            if occ.span.end < o {
                // Spans of names are short; stop scanning far back.
                if o - occ.span.start > 4096 {
                    break;
                }
                continue;
            }
            let inside = o < occ.span.end;
            let better = match best {
                None => true,
                Some(b) => {
                    (inside && !best_inside)
                        || (inside == best_inside
                            && occ.span.end - occ.span.start < b.span.end - b.span.start)
                }
            };
            if better {
                best = Some(occ);
                best_inside = inside;
            }
        }
        best
    }

    /// Resolves a run-time name looked up from namespace `ns`.
    pub fn resolve_global(&self, name: &str, ns: &str) -> GlobalRes {
        let parts: Vec<&str> = if ns.is_empty() {
            Vec::new()
        } else {
            ns.split('/').collect()
        };
        for k in (0..=parts.len()).rev() {
            let mut cand = parts[..k].join("/");
            if !cand.is_empty() {
                cand.push('/');
            }
            cand.push_str(name);
            if self.globals.contains_key(&cand) {
                return GlobalRes::User(cand);
            }
        }
        if let Some(n) = natives::lookup(name) {
            return GlobalRes::Native(n);
        }
        if natives::is_builtin_class(name) {
            return GlobalRes::Class(name.to_string());
        }
        if natives::is_namespace(name) {
            return GlobalRes::Namespace(name.to_string());
        }
        GlobalRes::Unknown
    }

    pub fn key(&self, occ: &Occurrence) -> SymbolKey {
        match &occ.target {
            OccTarget::Var(v) => SymbolKey::Var(*v),
            OccTarget::Method(m) => SymbolKey::Method(m.clone()),
            OccTarget::Global(g) => match self.resolve_global(g, &occ.ns) {
                GlobalRes::User(q) => SymbolKey::User(q),
                GlobalRes::Native(n) => SymbolKey::Native(n.path),
                GlobalRes::Namespace(n) => SymbolKey::Namespace(n),
                GlobalRes::Class(c) => SymbolKey::Class(c),
                GlobalRes::Unknown => SymbolKey::Unknown(g.clone()),
            },
        }
    }

    /// Every occurrence naming `key`, in source order.
    pub fn occurrences_of(&self, key: &SymbolKey) -> Vec<&Occurrence> {
        let mut out: Vec<&Occurrence> = self
            .by_pos
            .iter()
            .map(|i| &self.unit.occurrences[*i])
            .filter(|o| match (key, &o.target) {
                (SymbolKey::Var(v), OccTarget::Var(w)) => v == w,
                (SymbolKey::Method(m), OccTarget::Method(n)) => m == n,
                (SymbolKey::Var(_), _) | (SymbolKey::Method(_), _) => false,
                (_, OccTarget::Global(_)) => &self.key(o) == key,
                _ => false,
            })
            .collect();
        out.dedup_by(|a, b| a.span == b.span);
        out
    }

    /// The span where a variable's name is defined.
    pub fn var_def_span(&self, v: VarId) -> Option<Span> {
        self.unit
            .occurrences
            .iter()
            .find(|o| o.kind == OccKind::Def && o.target == OccTarget::Var(v))
            .map(|o| o.span)
    }

    pub fn var(&self, v: VarId) -> Option<&VarInfo> {
        self.unit.vars.get(v as usize)
    }

    pub fn fn_name(&self, index: u32) -> String {
        self.fn_names
            .get(&index)
            .cloned()
            .unwrap_or_else(|| format!("<fn #{index}>"))
    }

    /// 1-based "line L, column C" (columns in characters) for messages.
    pub fn pos(&self, offset: u32) -> String {
        let (l, c) = syntax::line_col(&self.text, offset as usize);
        format!("line {l}, column {c}")
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }

    /// The comment lines directly above the line where `span` starts (doc comments).
    pub fn doc_comment(&self, span: Span) -> Option<String> {
        let line = self.index.line_of(span.start as usize);
        let mut lines = Vec::new();
        let mut l = line;
        while l > 0 {
            l -= 1;
            let Some((s, e)) = self.index.line_range(l) else {
                break;
            };
            let t = self.text.get(s..e).unwrap_or("");
            let lead = t.len() - t.trim_start().len();
            let trimmed = t.trim();
            if !trimmed.starts_with('#') || trimmed.starts_with("#<") {
                break;
            }
            if !self.comment_starts.contains(&((s + lead) as u32)) {
                break;
            }
            let body = trimmed.trim_start_matches('#');
            lines.push(
                body.strip_prefix(' ')
                    .unwrap_or(body)
                    .trim_end()
                    .to_string(),
            );
        }
        if lines.is_empty() {
            return None;
        }
        lines.reverse();
        Some(lines.join("\n"))
    }

    /// The user function a call's callee names, if it is unambiguous.
    pub fn callee_fn(&self, callee: &Expr) -> Option<(String, Rc<FnDef>)> {
        let key = self.callee_key(callee)?;
        let SymbolKey::User(q) = key else {
            return None;
        };
        let defs = self.globals.get(&q)?;
        if defs.len() != 1 {
            return None;
        }
        let f = defs[0].fn_def.clone()?;
        Some((q, f))
    }

    /// The symbol a callee expression names (a plain global name or a path of them).
    pub fn callee_key(&self, callee: &Expr) -> Option<SymbolKey> {
        let occ_span = match &callee.kind {
            ExprKind::Name(NameRes::Global(_), _) => callee.span,
            ExprKind::Path { segs, .. } => {
                if !segs.iter().all(|s| matches!(s, Segment::Member(_))) {
                    return None;
                }
                // The last segment's occurrence ends where the path ends.
                let last = self.occurrence_ending_at(callee.span.end)?;
                last.span
            }
            _ => return None,
        };
        // Occurrences sorted by start: only those starting here can match.
        let from = self
            .by_pos
            .partition_point(|i| self.unit.occurrences[*i].span.start < occ_span.start);
        let occ = self.by_pos[from..]
            .iter()
            .map(|i| &self.unit.occurrences[*i])
            .take_while(|o| o.span.start == occ_span.start)
            .find(|o| o.span == occ_span && matches!(o.target, OccTarget::Global(_)))?;
        Some(self.key(occ))
    }

    fn occurrence_ending_at(&self, end: u32) -> Option<&Occurrence> {
        let upto = self
            .by_pos
            .partition_point(|i| self.unit.occurrences[*i].span.start < end);
        self.by_pos[..upto]
            .iter()
            .rev()
            .take(8)
            .map(|i| &self.unit.occurrences[*i])
            .find(|o| o.span.end == end && matches!(o.target, OccTarget::Global(_)))
    }

    /// The symbol or path token (text and span) at `offset`, from the tree.
    pub fn token_at(&self, offset: usize) -> Option<(Span, String)> {
        fn find(n: &Node, o: u32) -> Option<(Span, String)> {
            if o < n.span.start || o > n.span.end {
                return None;
            }
            match &n.kind {
                NodeKind::Symbol(s) => Some((n.span, s.clone())),
                NodeKind::Path(p) => Some((n.span, p.join("/"))),
                NodeKind::Array(items) | NodeKind::HashMap(items) => {
                    items.iter().find_map(|c| find(c, o))
                }
                NodeKind::Map(props) => props.iter().find_map(|p| find(&p.value, o)),
                NodeKind::Gene {
                    head,
                    props,
                    children,
                } => head
                    .as_deref()
                    .and_then(|h| find(h, o))
                    .or_else(|| props.iter().find_map(|p| find(&p.value, o)))
                    .or_else(|| children.iter().find_map(|c| find(c, o))),
                NodeKind::Quote(q) | NodeKind::Sealed(q) => find(q, o),
                _ => None,
            }
        }
        let o = offset as u32;
        self.parsed.forms.iter().find_map(|f| find(f, o))
    }
}

/// The display form of a function's parameter list: `[a b = 1 ^k rest...]`.
pub fn param_list(a: &Analysis, def: &FnDef) -> String {
    let ps: Vec<String> = def
        .params
        .iter()
        .map(|p| {
            let mut s = String::new();
            if p.keyword {
                s.push('^');
            }
            s.push_str(&p.name);
            if let Some(t) = &p.ty {
                s.push_str(": ");
                s.push_str(&t.text());
            }
            if p.rest {
                s.push_str("...");
            }
            if let Some(d) = &p.default {
                s.push_str(" = ");
                s.push_str(a.slice(d.span));
            }
            s
        })
        .collect();
    match &def.ret {
        Some(r) => format!("[{}] -> {}", ps.join(" "), r.text()),
        None => format!("[{}]", ps.join(" ")),
    }
}

/// The positional arity of a user function.
pub fn fn_arity(def: &FnDef) -> natives::Arity {
    let mut min = 0;
    let mut max = Some(0usize);
    for p in &def.params {
        if p.keyword {
            continue;
        }
        if p.rest {
            max = None;
            continue;
        }
        if p.default.is_none() {
            min += 1;
        }
        max = max.map(|m| m + 1);
    }
    natives::Arity { min, max }
}

struct Indexer<'a> {
    a: &'a mut Analysis,
    ns: Vec<String>,
}

impl Indexer<'_> {
    fn qualify(&self, path: &[String]) -> String {
        let mut parts: Vec<&str> = self.ns.iter().map(|s| s.as_str()).collect();
        parts.extend(path.iter().map(|s| s.as_str()));
        parts.join("/")
    }

    /// A class's (or an adapter's) constructor and methods: listed in the method
    /// table under `class`, named `shown.method` as functions.
    fn ctor_and_methods(&mut self, c: &ClassDef, class: &str, shown: &str) {
        if let Some(ctor) = &c.ctor {
            self.fn_def(ctor, format!("{shown}.ctor"), false);
        }
        for (m, f) in &c.methods {
            self.a
                .methods
                .entry(m.clone())
                .or_default()
                .push(MethodDef {
                    class: class.to_string(),
                    name: m.clone(),
                    name_span: f.name_span.unwrap_or(f.span),
                    def: f.clone(),
                });
            self.fn_def(f, format!("{shown}.{m}"), false);
        }
    }

    fn fn_def(&mut self, def: &Rc<FnDef>, name: String, top: bool) {
        if let Some(slot) = self.a.fns.get_mut(def.index as usize) {
            *slot = Some(def.clone());
        }
        self.a.fn_names.insert(def.index, name);
        for p in &def.params {
            self.a.params.insert(p.var, def.index);
            if let Some(d) = &p.default {
                self.expr(d, false);
            }
        }
        for e in &def.body {
            self.expr(e, top);
        }
    }

    fn add_global(&mut self, g: GlobalDef) {
        self.a.globals.entry(g.name.clone()).or_default().push(g);
    }

    /// `top`: the expression is at the top level of the file or of an `ns`.
    fn expr(&mut self, e: &Expr, top: bool) {
        match &e.kind {
            // `(var inc (fn ...))`: the closure is known by its variable's name.
            ExprKind::Var {
                pattern: Pattern::Var(v),
                value: Some(value),
            } if matches!(value.kind, ExprKind::Fn(_)) => {
                if top {
                    self.a.top_vars.insert(*v);
                }
                if let ExprKind::Fn(def) = &value.kind {
                    let name =
                        self.a.unit.vars.get(*v as usize).map_or_else(
                            || "<anonymous>".to_string(),
                            |i| format!("{} (fn)", i.name),
                        );
                    self.fn_def(def, name, false);
                }
                return;
            }
            ExprKind::Var { pattern, .. } if top => {
                let vars: Vec<VarId> = pattern.vars();
                self.a.top_vars.extend(vars);
            }
            ExprKind::Fn(def) => {
                self.fn_def(def, "<anonymous>".into(), false);
                return;
            }
            ExprKind::NamedFn { path, def } => {
                let name = self.qualify(path);
                self.add_global(GlobalDef {
                    kind: DefKind::Fn,
                    name: name.clone(),
                    name_span: def.name_span.unwrap_or(e.span),
                    span: e.span,
                    fn_def: Some(def.clone()),
                    class: None,
                });
                self.fn_def(def, name, false);
                return;
            }
            ExprKind::Class(c) => {
                let name = self.qualify(&c.path);
                self.add_global(GlobalDef {
                    kind: DefKind::Class,
                    name: name.clone(),
                    name_span: c.name_span,
                    span: e.span,
                    fn_def: None,
                    class: Some(c.clone()),
                });
                if let Some(p) = &c.parent {
                    self.expr(p, false);
                }
                self.ctor_and_methods(c, &name, &c.path.join("/"));
                for (m, f) in &c.fns {
                    let q = format!("{name}/{m}");
                    self.add_global(GlobalDef {
                        kind: DefKind::Fn,
                        name: q.clone(),
                        name_span: f.name_span.unwrap_or(f.span),
                        span: f.span,
                        fn_def: Some(f.clone()),
                        class: None,
                    });
                    self.fn_def(f, q, false);
                }
                return;
            }
            // `(implement I for C ...)`: the adapter's methods, under "I for C".
            ExprKind::Implement {
                iface,
                target,
                adapter,
            } => {
                self.expr(iface, false);
                self.expr(target, false);
                let name = adapter.path.join("/");
                self.ctor_and_methods(adapter, &name, &name);
                return;
            }
            ExprKind::TypeAlias {
                path, name_span, ..
            }
            | ExprKind::Interface {
                path, name_span, ..
            } => {
                let name = self.qualify(path);
                self.add_global(GlobalDef {
                    kind: DefKind::Member,
                    name,
                    name_span: *name_span,
                    span: e.span,
                    fn_def: None,
                    class: None,
                });
                return;
            }
            ExprKind::Import(d) => {
                for it in &d.items {
                    match &it.alias {
                        Some(a) => {
                            let name = self.qualify(std::slice::from_ref(a));
                            self.add_global(GlobalDef {
                                kind: DefKind::Import,
                                name,
                                name_span: it.span,
                                span: e.span,
                                fn_def: None,
                                class: None,
                            });
                        }
                        None => self.a.wildcard_import = true,
                    }
                }
                return;
            }
            ExprKind::Assign {
                place: Place::Path { base, segs },
                value,
                ..
            } if matches!(&base.kind, ExprKind::Special(s) if s == "$ns") => {
                if let [Segment::Member(m)] = segs.as_slice() {
                    let name = self.qualify(std::slice::from_ref(m));
                    self.add_global(GlobalDef {
                        kind: DefKind::Member,
                        name,
                        name_span: e.span,
                        span: e.span,
                        fn_def: None,
                        class: None,
                    });
                }
                self.expr(value, false);
                return;
            }
            ExprKind::Enum(d) => {
                let name = self.qualify(&d.path);
                for v in &d.variants {
                    self.add_global(GlobalDef {
                        kind: DefKind::Enum,
                        name: format!("{name}/{}", v.name),
                        name_span: v.span,
                        span: v.span,
                        fn_def: None,
                        class: None,
                    });
                }
                self.add_global(GlobalDef {
                    kind: DefKind::Enum,
                    name,
                    name_span: d.name_span,
                    span: e.span,
                    fn_def: None,
                    class: None,
                });
                return;
            }
            ExprKind::Ns { path, body } => {
                let name = self.qualify(path);
                self.add_global(GlobalDef {
                    kind: DefKind::Ns,
                    name: name.clone(),
                    name_span: body.name_span.unwrap_or(e.span),
                    span: e.span,
                    fn_def: None,
                    class: None,
                });
                let depth = self.ns.len();
                self.ns.extend(path.iter().cloned());
                self.fn_def(body, format!("ns {name}"), true);
                self.ns.truncate(depth);
                return;
            }
            _ => {}
        }
        let keep_top = top && matches!(e.kind, ExprKind::Do(_));
        for_each_child(e, &mut |c| self.expr(c, keep_top));
    }
}

/// Calls `f` on every direct sub-expression of `e`, including the parameter
/// defaults and bodies of functions, methods and namespaces it defines.
pub fn for_each_child<'e>(e: &'e Expr, f: &mut impl FnMut(&'e Expr)) {
    fn items<'e>(its: &'e [Item], f: &mut impl FnMut(&'e Expr)) {
        for it in its {
            match it {
                Item::One(e) | Item::Spread(e) => f(e),
            }
        }
    }
    fn entries<'e>(es: &'e [MapEntry], f: &mut impl FnMut(&'e Expr)) {
        for m in es {
            match m {
                MapEntry::Pair(_, e) | MapEntry::Spread(e) => f(e),
            }
        }
    }
    fn args<'e>(a: &'e CallArgs, f: &mut impl FnMut(&'e Expr)) {
        for (_, e) in &a.kw {
            f(e);
        }
        items(&a.pos, f);
    }
    fn func<'e>(d: &'e FnDef, f: &mut impl FnMut(&'e Expr)) {
        for p in &d.params {
            if let Some(e) = &p.default {
                f(e);
            }
        }
        d.body.iter().for_each(&mut *f);
    }
    fn pattern<'e>(p: &'e Pattern, f: &mut impl FnMut(&'e Expr)) {
        for d in p.defaults() {
            f(d);
        }
    }
    match &e.kind {
        ExprKind::Lit(_)
        | ExprKind::Name(..)
        | ExprKind::SelfRef
        | ExprKind::Special(_)
        | ExprKind::Quote(_)
        | ExprKind::TypeValue(_)
        | ExprKind::Continue(_)
        | ExprKind::Invalid(_) => {}
        ExprKind::Array(its) => items(its, f),
        ExprKind::HashMapLit(xs) => xs.iter().for_each(f),
        ExprKind::Seal(x) => f(x),
        ExprKind::Map(es) => entries(es, f),
        ExprKind::GeneData {
            head,
            props,
            children,
        } => {
            f(head);
            entries(props, f);
            items(children, f);
        }
        ExprKind::Path { base, .. } => f(base),
        ExprKind::Call { callee, args: a } => {
            f(callee);
            args(a, f);
        }
        ExprKind::MethodCall { recv, args: a, .. } | ExprKind::Super { recv, args: a, .. } => {
            f(recv);
            args(a, f);
        }
        ExprKind::Binary(_, a, b) => {
            f(a);
            f(b);
        }
        ExprKind::Not(a) | ExprKind::Neg(a) | ExprKind::Async(a) | ExprKind::TryUnwrap(a) => f(a),
        ExprKind::Enum(_)
        | ExprKind::Import(_)
        | ExprKind::TypeAlias { .. }
        | ExprKind::Interface { .. } => {}
        ExprKind::Export(names) => names.iter().filter_map(|(_, e)| e.as_ref()).for_each(f),
        ExprKind::Var { pattern: p, value } => {
            if let Some(v) = value {
                f(v);
            }
            pattern(p, f);
        }
        ExprKind::Assign { place, value, .. } => {
            if let Place::Path { base, .. } = place {
                f(base);
            }
            f(value);
        }
        ExprKind::If {
            branches,
            else_branch,
        } => {
            for (c, _, body) in branches {
                f(c);
                body.iter().for_each(&mut *f);
            }
            if let Some((_, body)) = else_branch {
                body.iter().for_each(&mut *f);
            }
        }
        ExprKind::Do(b) | ExprKind::Loop(b, _) => b.iter().for_each(f),
        ExprKind::While(c, b, _) => {
            f(c);
            b.iter().for_each(f);
        }
        ExprKind::For {
            vars, iter, body, ..
        } => {
            f(iter);
            for p in vars {
                pattern(p, f);
            }
            body.iter().for_each(f);
        }
        ExprKind::Repeat { count, body, .. } => {
            f(count);
            body.iter().for_each(f);
        }
        ExprKind::Case {
            target,
            whens,
            else_branch,
        } => {
            f(target);
            for (v, _, body) in whens {
                if let WhenPat::Value(v) | WhenPat::Variant { ctor: v, .. } = v {
                    f(v);
                }
                body.iter().for_each(&mut *f);
            }
            if let Some((_, body)) = else_branch {
                body.iter().for_each(&mut *f);
            }
        }
        ExprKind::Break(v, _) | ExprKind::Return(v) | ExprKind::Throw(v) | ExprKind::Yield(v) => {
            if let Some(v) = v {
                f(v);
            }
        }
        ExprKind::Fn(d) | ExprKind::NamedFn { def: d, .. } | ExprKind::Ns { body: d, .. } => {
            func(d, f)
        }
        ExprKind::Try {
            body,
            catches,
            finally,
        } => {
            body.iter().for_each(&mut *f);
            for c in catches {
                if let CatchPattern::Class(cls) = &c.pattern {
                    f(cls);
                }
                c.body.iter().for_each(&mut *f);
            }
            if let Some(fin) = finally {
                fin.iter().for_each(&mut *f);
            }
        }
        ExprKind::Class(c) => {
            if let Some(p) = &c.parent {
                f(p);
            }
            if let Some(ctor) = &c.ctor {
                func(ctor, f);
            }
            for (_, m) in c.methods.iter().chain(c.fns.iter()) {
                func(m, f);
            }
        }
        ExprKind::Implement {
            iface,
            target,
            adapter,
        } => {
            f(iface);
            f(target);
            if let Some(ctor) = &adapter.ctor {
                func(ctor, f);
            }
            for (_, m) in &adapter.methods {
                func(m, f);
            }
        }
        ExprKind::New { class, args: a } => {
            f(class);
            args(a, f);
        }
        ExprKind::Await { futures, timeout } => {
            futures.iter().for_each(&mut *f);
            if let Some(t) = timeout {
                f(t);
            }
        }
        ExprKind::Range(a, b, s) => {
            f(a);
            f(b);
            if let Some(s) = s {
                f(s);
            }
        }
    }
}
