//! Syntax tree -> HIR: recognises forms in the order of reference 3.4 and
//! resolves every name to a variable (with its capture status) or a global.
//!
//! This module holds the [`Lowerer`] state, region/name resolution and the
//! expression dispatch (symbols, paths, genes, infix, assignment); the special
//! forms live in `forms`.

use std::rc::Rc;

use super::hir::*;
use crate::syntax::{Node, NodeKind, Prop, Span, SyntaxError};

mod adt;
mod forms;
mod functions;
mod modules;

const SPECIAL_WORDS: &[&str] = &[
    "var", "let", "if", "if_not", "ifel", "fn", "do", "loop", "while", "for", "ns", "class", "try",
    "throw", "import", "export", "enum", "super",
];

fn infix_op(s: &str) -> Option<BinOp> {
    Some(match s {
        "+" => BinOp::Add,
        "-" => BinOp::Sub,
        "*" => BinOp::Mul,
        "/" => BinOp::Div,
        "%" => BinOp::Mod,
        "**" => BinOp::Pow,
        "++" => BinOp::Concat,
        "<" => BinOp::Lt,
        "<=" => BinOp::Le,
        ">" => BinOp::Gt,
        ">=" => BinOp::Ge,
        "==" => BinOp::Eq,
        "!=" => BinOp::Ne,
        "&&" => BinOp::And,
        "||" => BinOp::Or,
        "&|&" => BinOp::Xor,
        "is" => BinOp::Is,
        "<<" => BinOp::Shl,
        ">>" => BinOp::Shr,
        _ => return None,
    })
}

fn precedence(op: BinOp) -> u8 {
    match op {
        BinOp::Mul | BinOp::Div | BinOp::Mod | BinOp::Pow => 80,
        BinOp::Add | BinOp::Sub | BinOp::Concat => 70,
        BinOp::Shl | BinOp::Shr => 65,
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne | BinOp::Is => 60,
        BinOp::And => 50,
        BinOp::Xor => 45,
        BinOp::Or => 40,
    }
}

fn is_comparison(op: BinOp) -> bool {
    matches!(
        op,
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne
    )
}

fn assign_op(s: &str) -> Option<Option<BinOp>> {
    Some(match s {
        "=" => None,
        "+=" => Some(BinOp::Add),
        "-=" => Some(BinOp::Sub),
        "*=" => Some(BinOp::Mul),
        "/=" => Some(BinOp::Div),
        "%=" => Some(BinOp::Mod),
        _ => return None,
    })
}

fn is_method_name(n: &Node) -> bool {
    matches!(&n.kind, NodeKind::Symbol(s) if s.len() > 1 && s.starts_with('.') && s != ".." && s != "...")
}

struct FnCtx {
    index: u32,
    regions: Vec<RegionId>,
    is_generator: bool,
    /// Labels of the enclosing loops of this function, innermost last (2.2).
    loops: Vec<Option<String>>,
    /// A method or constructor (`super` is valid in it).
    is_method: bool,
}

/// Options for lowering a unit.
#[derive(Default, Clone)]
pub struct LowerOptions {
    /// Variables that already exist (the REPL's earlier entries), as captured vars
    /// of the root region; new top-level vars are appended after them.
    pub predeclared: Vec<String>,
    /// REPL entry: top-level variables live in the session's persistent root scope.
    pub repl: bool,
}

/// What kind of function a `fn`, `method` or `ctor` form makes.
#[derive(Clone, Copy, Default)]
struct FnFlags {
    is_async: bool,
    is_generator: bool,
    /// Methods and constructors take `self` as a hidden first parameter.
    is_method: bool,
}

pub struct Lowerer {
    unit: Unit,
    fns: Vec<FnCtx>,
    /// Visible names per region, in declaration order (later shadows earlier).
    names: Vec<Vec<(String, VarId)>>,
    /// Names of top-level `var`s, so that a function defined before such a `var`
    /// can use it (the variable exists, nil until its `var` runs). A name maps to its
    /// variable once a function has referred to it.
    forward_vars: std::collections::HashMap<String, Option<VarId>>,
    /// For each forward variable: a hidden flag variable of the root region, nil until
    /// the `var` runs. A read in a function lowered before the `var` checks it and,
    /// while unset, looks the name up in the namespace instead (spec 3.3: the variable
    /// does not exist yet).
    forward_flags: std::collections::HashMap<VarId, VarId>,
    /// The enclosing `ns` names, outermost first (occurrence qualification only).
    ns_stack: Vec<String>,
    /// The class whose body is being lowered (qualifies class-level `fn`s).
    class_prefix: Option<String>,
    /// Variables bound by `let`: assigning to them is a compile error (2.1).
    let_vars: std::collections::HashSet<VarId>,
    /// The enums of the unit and the built-in ones (case patterns, later 4.5).
    enums: adt::EnumIndex,
    /// Nesting of `lower` calls: 1 for a top-level form (`import` needs it).
    depth: u32,
    /// Generic parameters of the function being lowered (later 3.10).
    generics: Vec<String>,
}

/// `len` bytes at `offset` into `span`, or the whole span when they do not fit
/// (a token whose text differs from its name, e.g. with escapes).
pub(super) fn sub_span(span: Span, offset: usize, len: usize) -> Span {
    let start = span.start as usize + offset;
    let end = start + len;
    if end <= span.end as usize {
        Span::new(start, end)
    } else {
        span
    }
}

/// Tree serialization (later 10.4) is not covered: `gene/tree/...` is refused
/// where it is written, like the other left-out features.
pub(super) const TREE_NOT_SUPPORTED: &str =
    "gene/tree (tree serialization, later 10.4) is not supported";

/// `gene/tree` or `gene/tree/...`.
pub(super) fn is_tree_path<S: AsRef<str>>(segs: &[S]) -> bool {
    matches!(segs, [g, t, ..] if g.as_ref() == "gene" && t.as_ref() == "tree")
}

/// The span of the name inside a symbol token `PREFIX name SUFFIX` whose
/// processed text is `token_len` bytes long: the token's span less the prefix
/// and the suffix, so that a name written with backslash escapes (`a\ b`,
/// longer in the source than its text) is covered as written. Without escapes
/// this is `sub_span(span, prefix, name_len)`.
pub(super) fn token_part(span: Span, token_len: usize, prefix: usize, name_len: usize) -> Span {
    let suffix = token_len.saturating_sub(prefix + name_len);
    let start = span.start as usize + prefix;
    let end = (span.end as usize).saturating_sub(suffix);
    if start <= end {
        Span::new(start, end)
    } else {
        span
    }
}

/// The spans of the segments of a path token, when its text is exactly the
/// segments joined by `/` (no escapes).
pub(super) fn segment_spans(segs: &[String], span: Span) -> Option<Vec<Span>> {
    let total: usize = segs.iter().map(|s| s.len()).sum::<usize>() + segs.len().saturating_sub(1);
    if total != (span.end - span.start) as usize {
        return None;
    }
    let mut at = span.start as usize;
    let mut out = Vec::with_capacity(segs.len());
    for s in segs {
        out.push(Span::new(at, at + s.len()));
        at += s.len() + 1;
    }
    Some(out)
}

/// Two-phase module execution (later 1.2): the definition forms (`fn NAME`,
/// `class`, `ns`, `enum`, `import`) run first, in source order, then the others.
/// Names are still resolved in source order (a function reads a top-level `var`
/// written above it as that variable); only the order the forms run in changes.
fn is_definition(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Import(_)
        | ExprKind::Enum(_)
        | ExprKind::TypeAlias { .. }
        | ExprKind::Interface { .. } => true,
        // Plain names only: `(fn a/b ...)` adds to a namespace that code running in
        // order may create first (core 13.8 programs rely on that).
        ExprKind::NamedFn { path, .. } | ExprKind::Ns { path, .. } => path.len() == 1,
        ExprKind::Class(c) => c.path.len() == 1,
        _ => false,
    }
}

pub fn lower_program(forms: &[Node], opts: &LowerOptions) -> Unit {
    let mut l = Lowerer {
        unit: Unit::default(),
        fns: Vec::new(),
        names: Vec::new(),
        forward_vars: forms
            .iter()
            .filter_map(top_level_var_name)
            .map(|n| (n, None))
            .collect(),
        forward_flags: std::collections::HashMap::new(),
        ns_stack: Vec::new(),
        class_prefix: None,
        let_vars: std::collections::HashSet::new(),
        enums: adt::scan_enums(forms),
        depth: 0,
        generics: Vec::new(),
    };
    let span = match (forms.first(), forms.last()) {
        (Some(a), Some(b)) => a.span.to(b.span),
        _ => Span::default(),
    };
    let def = l.lower_fn_body("<main>", span, None, |l, _region| {
        for name in &opts.predeclared {
            let v = l.declare_quiet(name, Span::default());
            l.unit.vars[v as usize].captured = true;
        }
        let body = l.lower_body(forms);
        if opts.repl {
            return (Vec::new(), body);
        }
        let (defs, rest): (Vec<Expr>, Vec<Expr>) = body.into_iter().partition(is_definition);
        (Vec::new(), defs.into_iter().chain(rest).collect())
    });
    if opts.repl {
        let region = def.region as usize;
        for v in l.unit.regions[region].vars.clone() {
            l.unit.vars[v as usize].captured = true;
        }
        l.unit.repl = true;
    }
    l.unit.main = Some(def);
    l.unit
}

impl Lowerer {
    fn error(&mut self, msg: impl Into<String>, span: Span) {
        self.unit.errors.push(SyntaxError {
            message: msg.into(),
            span,
        });
    }

    fn invalid(&mut self, msg: impl Into<String>, span: Span) -> Expr {
        let msg = msg.into();
        self.error(msg.clone(), span);
        Expr {
            kind: ExprKind::Invalid(msg),
            span,
        }
    }

    /// Records an occurrence of a name for editor analysis.
    fn record(&mut self, span: Span, target: OccTarget, kind: OccKind) {
        let ns = self.ns_stack.join("/");
        let in_fn = self.fns.last().map_or(0, |f| f.index);
        self.unit.occurrences.push(Occurrence {
            span,
            target,
            kind,
            ns,
            in_fn,
        });
    }

    /// A definition's name qualified by the enclosing `ns` (and class, for class fns).
    fn qualify(&self, path: &[String]) -> String {
        let mut parts: Vec<&str> = self.ns_stack.iter().map(|s| s.as_str()).collect();
        if let Some(c) = &self.class_prefix {
            parts.push(c);
        }
        parts.extend(path.iter().map(|s| s.as_str()));
        parts.join("/")
    }

    fn cur_fn(&self) -> &FnCtx {
        &self.fns[self.fns.len() - 1]
    }

    fn push_region(&mut self) -> RegionId {
        let parent = self
            .fns
            .last()
            .and_then(|f| f.regions.last().copied())
            .or_else(|| {
                // A function body's parent is the region where the fn was created.
                let n = self.fns.len();
                if n >= 2 {
                    self.fns[n - 2].regions.last().copied()
                } else {
                    None
                }
            });
        let id = self.unit.regions.len() as RegionId;
        let owner = self.cur_fn().index;
        self.unit.regions.push(RegionInfo {
            parent,
            owner_fn: owner,
            vars: Vec::new(),
        });
        self.names.push(Vec::new());
        if let Some(f) = self.fns.last_mut() {
            f.regions.push(id);
        }
        id
    }

    fn pop_region(&mut self) {
        self.names.pop();
        if let Some(f) = self.fns.last_mut() {
            f.regions.pop();
        }
    }

    /// Declares a variable and records its definition; `span` is the name's
    /// symbol token (escapes included).
    fn declare(&mut self, name: &str, span: Span) -> VarId {
        self.declare_at(name, span, token_part(span, name.len(), 0, name.len()))
    }

    fn declare_at(&mut self, name: &str, span: Span, name_span: Span) -> VarId {
        let v = self.declare_quiet(name, span);
        self.record(name_span, OccTarget::Var(v), OccKind::Def);
        v
    }

    /// Declares a variable without recording an occurrence (hidden `self`, REPL names).
    fn declare_quiet(&mut self, name: &str, span: Span) -> VarId {
        let region = *self
            .cur_fn()
            .regions
            .last()
            .expect("a region is always open while lowering");
        let id = self.unit.vars.len() as VarId;
        self.unit.vars.push(VarInfo {
            name: name.to_string(),
            span,
            owner_fn: self.cur_fn().index,
            region,
            captured: false,
        });
        self.unit.regions[region as usize].vars.push(id);
        if let Some(n) = self.names.last_mut() {
            n.push((name.to_string(), id));
        }
        id
    }

    /// Like `resolve` but without marking captures.
    fn resolve_quiet(&self, name: &str) -> NameRes {
        for scope in self.names.iter().rev() {
            if let Some((_, id)) = scope.iter().rev().find(|(n, _)| n == name) {
                return NameRes::Var(*id);
            }
        }
        NameRes::Global(name.to_string())
    }

    fn resolve(&mut self, name: &str) -> NameRes {
        let cur = self.cur_fn().index;
        for scope in self.names.iter().rev() {
            if let Some((_, id)) = scope.iter().rev().find(|(n, _)| n == name) {
                let id = *id;
                if self.unit.vars[id as usize].owner_fn != cur {
                    self.unit.vars[id as usize].captured = true;
                }
                return NameRes::Var(id);
            }
        }
        // Inside a function, a top-level `var` declared further down is that variable.
        if self.fns.len() > 1 && self.forward_vars.contains_key(name) {
            return NameRes::Var(self.forward_var(name));
        }
        NameRes::Global(name.to_string())
    }

    /// The variable of a top-level `var` not declared yet (created on first use).
    fn forward_var(&mut self, name: &str) -> VarId {
        if let Some(Some(id)) = self.forward_vars.get(name) {
            return *id;
        }
        let main = &self.fns[0];
        let region = main.regions.first().copied().unwrap_or(0);
        let id = self.unit.vars.len() as VarId;
        self.unit.vars.push(VarInfo {
            name: name.to_string(),
            span: Span::default(),
            owner_fn: main.index,
            region,
            captured: true,
        });
        self.unit.regions[region as usize].vars.push(id);
        self.forward_vars.insert(name.to_string(), Some(id));
        let flag = self.unit.vars.len() as VarId;
        self.unit.vars.push(VarInfo {
            name: format!("<declared {name}>"),
            span: Span::default(),
            owner_fn: main.index,
            region,
            captured: true,
        });
        self.unit.regions[region as usize].vars.push(flag);
        self.forward_flags.insert(id, flag);
        id
    }

    /// The hidden flag of a forward variable still waiting for its `var`.
    fn pending_forward_flag(&self, name: &str, v: VarId) -> Option<VarId> {
        match self.forward_vars.get(name) {
            Some(Some(id)) if *id == v => self.forward_flags.get(&v).copied(),
            _ => None,
        }
    }

    /// Declares a top-level variable, reusing the one a function already referred to.
    /// `token_len`: the processed length of the token (`name:` is one longer).
    fn declare_top_level(&mut self, name: &str, span: Span, token_len: usize) -> VarId {
        let at_top = self.fns.len() == 1 && self.cur_fn().regions.len() == 1;
        if at_top {
            if let Some(slot) = self.forward_vars.remove(name) {
                if let Some(id) = slot {
                    self.unit.vars[id as usize].span = span;
                    self.record(
                        token_part(span, token_len, 0, name.len()),
                        OccTarget::Var(id),
                        OccKind::Def,
                    );
                    if let Some(n) = self.names.last_mut() {
                        n.push((name.to_string(), id));
                    }
                    return id;
                }
                return self.declare_at(name, span, token_part(span, token_len, 0, name.len()));
            }
        }
        self.declare_at(name, span, token_part(span, token_len, 0, name.len()))
    }

    /// Lowers a function: opens its context and body region, lets `f` declare
    /// parameters and lower the body.
    fn lower_fn_body(
        &mut self,
        name: &str,
        span: Span,
        name_span: Option<Span>,
        f: impl FnOnce(&mut Lowerer, RegionId) -> (Vec<Param>, Vec<Expr>),
    ) -> Rc<FnDef> {
        self.lower_fn_full(name, span, name_span, FnFlags::default(), f)
    }

    fn lower_fn_full(
        &mut self,
        name: &str,
        span: Span,
        name_span: Option<Span>,
        flags: FnFlags,
        f: impl FnOnce(&mut Lowerer, RegionId) -> (Vec<Param>, Vec<Expr>),
    ) -> Rc<FnDef> {
        let FnFlags {
            is_async,
            is_generator,
            is_method,
        } = flags;
        let index = self.unit.fn_count;
        self.unit.fn_count += 1;
        self.fns.push(FnCtx {
            index,
            regions: Vec::new(),
            is_generator,
            loops: Vec::new(),
            is_method,
        });
        let region = self.push_region();
        let self_var = if is_method {
            Some(self.declare_quiet("self", span))
        } else {
            None
        };
        let (params, body) = f(self, region);
        self.pop_region();
        self.fns.pop();
        Rc::new(FnDef {
            name: name.to_string(),
            index,
            params,
            body,
            region,
            is_async,
            is_generator,
            self_var,
            span,
            name_span,
            ret: None,
            pre: Vec::new(),
            post: Vec::new(),
            result_var: None,
            prologue: 0,
            intent: None,
            examples: None,
        })
    }

    fn lower_body(&mut self, nodes: &[Node]) -> Vec<Expr> {
        let mut out = Vec::with_capacity(nodes.len());
        for n in nodes {
            out.push(self.lower(n));
        }
        out
    }

    /// Lowers `nodes` in a fresh scope region.
    fn lower_region(&mut self, nodes: &[Node]) -> (RegionId, Vec<Expr>) {
        let r = self.push_region();
        let body = self.lower_body(nodes);
        self.pop_region();
        (r, body)
    }

    fn lit(kind: Lit, span: Span) -> Expr {
        Expr {
            kind: ExprKind::Lit(kind),
            span,
        }
    }

    pub fn lower(&mut self, node: &Node) -> Expr {
        self.depth += 1;
        let e = self.lower_node(node);
        self.depth -= 1;
        e
    }

    fn lower_node(&mut self, node: &Node) -> Expr {
        let span = node.span;
        let kind = match &node.kind {
            NodeKind::Nil => ExprKind::Lit(Lit::Nil),
            NodeKind::Void => ExprKind::Lit(Lit::Void),
            NodeKind::NotFound => ExprKind::Lit(Lit::NotFound),
            NodeKind::Bool(b) => ExprKind::Lit(Lit::Bool(*b)),
            NodeKind::Int(i) => ExprKind::Lit(Lit::Int(*i)),
            NodeKind::Float(f) => ExprKind::Lit(Lit::Float(*f)),
            NodeKind::Char(c) => ExprKind::Lit(Lit::Char(*c)),
            NodeKind::Str(s) => ExprKind::Lit(Lit::Str(s.clone())),
            NodeKind::Bytes(b) => ExprKind::Lit(Lit::Bytes(b.clone())),
            NodeKind::DateTime(d) => ExprKind::Lit(Lit::Date((**d).clone())),
            NodeKind::Symbol(s) => return self.lower_symbol(s, span, Some(span)),
            NodeKind::Path(segs) => return self.lower_path(segs, span),
            NodeKind::Array(items) => ExprKind::Array(self.lower_items(items)),
            NodeKind::HashMap(items) => {
                if !items.len().is_multiple_of(2) {
                    return self.invalid(
                        "HashMap literals expect alternating key/value entries",
                        span,
                    );
                }
                ExprKind::HashMapLit(self.lower_body(items))
            }
            NodeKind::Map(props) => ExprKind::Map(self.lower_props(props)),
            NodeKind::Quote(inner) => ExprKind::Quote((**inner).clone()),
            NodeKind::Sealed(inner) => {
                let built = match &inner.kind {
                    // `#(H ^k v C...)`: head, properties and children evaluated.
                    NodeKind::Gene {
                        head,
                        props,
                        children,
                    } => {
                        let head = match head {
                            Some(h) => self.lower(h),
                            None => Self::lit(Lit::Nil, inner.span),
                        };
                        self.gene_data(head, props, children, inner.span)
                    }
                    _ => self.lower(inner),
                };
                if matches!(built.kind, ExprKind::Invalid(_)) {
                    return built;
                }
                ExprKind::Seal(Box::new(built))
            }
            NodeKind::Gene {
                head,
                props,
                children,
            } => return self.lower_gene(head.as_deref(), props, children, span),
            NodeKind::Regex {
                pattern,
                replacement,
                flags,
            } => {
                if let Err(e) = regex::Regex::new(&regex_engine_pattern(pattern, flags)) {
                    let first = e.to_string().lines().last().unwrap_or_default().to_string();
                    return self.invalid(format!("Invalid regex #/{pattern}/: {first}"), span);
                }
                ExprKind::Lit(Lit::Regex(
                    pattern.clone(),
                    replacement.clone(),
                    flags.clone(),
                ))
            }
            NodeKind::Error => ExprKind::Invalid("syntax error".into()),
        };
        Expr { kind, span }
    }

    /// Lowers a symbol; `occ` is the span of the name as written, to record an
    /// occurrence (`None` for an implicit `self`).
    fn lower_symbol(&mut self, s: &str, span: Span, occ: Option<Span>) -> Expr {
        let kind = match s {
            "self" => match self.resolve("self") {
                NameRes::Var(v) => {
                    if let Some(o) = occ {
                        self.record(o, OccTarget::Var(v), OccKind::Read);
                    }
                    ExprKind::Name(NameRes::Var(v), "self".into())
                }
                NameRes::Global(_) => ExprKind::SelfRef,
            },
            "$ex" | "$env" | "$args" | "$cmd_args" | "$program" | "$ns" | "$duration_start"
            | "$duration" | "$pkg" | "$app" => ExprKind::Special(s.to_string()),
            "_" => ExprKind::Lit(Lit::Symbol("_".into())),
            "super" => {
                return self.invalid(
                    "super can only be used in call form: (super .member ...)",
                    span,
                )
            }
            _ => {
                let res = self.resolve(s);
                if let Some(o) = occ {
                    let target = match &res {
                        NameRes::Var(v) => OccTarget::Var(*v),
                        NameRes::Global(g) => OccTarget::Global(g.clone()),
                    };
                    self.record(o, target, OccKind::Read);
                }
                if let NameRes::Var(v) = res {
                    if let Some(flag) = self.pending_forward_flag(s, v) {
                        return self.forward_read(s, v, flag, span);
                    }
                }
                ExprKind::Name(res, s.to_string())
            }
        };
        Expr { kind, span }
    }

    /// `(if <declared name> name else <namespace lookup of name>)`.
    fn forward_read(&mut self, s: &str, v: VarId, flag: VarId, span: Span) -> Expr {
        let name = |res| Expr {
            kind: ExprKind::Name(res, s.to_string()),
            span,
        };
        let cond = Expr {
            kind: ExprKind::Name(NameRes::Var(flag), format!("<declared {s}>")),
            span,
        };
        let r1 = self.push_region();
        self.pop_region();
        let r2 = self.push_region();
        self.pop_region();
        Expr {
            kind: ExprKind::If {
                branches: vec![(cond, r1, vec![name(NameRes::Var(v))])],
                else_branch: Some((r2, vec![name(NameRes::Global(s.to_string()))])),
            },
            span,
        }
    }

    fn self_expr(&mut self, span: Span) -> Expr {
        self.lower_symbol("self", span, None)
    }

    /// Lowers the segments after a path's base. `spans` are the segments' own
    /// spans (when known) and `base` the base's global name, if it is one: the
    /// occurrences of namespace members are recorded as full paths.
    fn segments(
        &mut self,
        segs: &[String],
        spans: Option<&[Span]>,
        mut base: Option<String>,
    ) -> Vec<Segment> {
        let n = segs.len();
        segs.iter()
            .enumerate()
            .map(|(i, s)| {
                let seg_span = spans.and_then(|sp| sp.get(i).copied());
                let last = i + 1 == n;
                // A segment naming a local (later 12.2): the last one always, middle
                // ones of non-namespace paths (run-time fallback only).
                let local_seg = !s.starts_with('.')
                    && !s.is_empty()
                    && !s.bytes().all(|b| b.is_ascii_digit() || b == b'-')
                    && (last || base.is_none());
                if local_seg {
                    if let NameRes::Var(v) = self.resolve_quiet(s) {
                        if let NameRes::Var(v2) = self.resolve(s) {
                            debug_assert_eq!(v, v2);
                        }
                        if let Some(sp) = seg_span {
                            self.record(sp, OccTarget::Var(v), OccKind::Read);
                        }
                        // Rule 1: base plus two or more segments, the one before not `_gene...`.
                        let static_rule =
                            last && n >= 2 && base.is_none() && !segs[n - 2].starts_with("_gene");
                        if static_rule {
                            return Segment::ByValue(s.clone(), v);
                        }
                        return Segment::MaybeIndex(s.clone(), v);
                    }
                }
                if let Some(m) = s.strip_prefix('.') {
                    if !m.is_empty() {
                        if let Some(sp) = seg_span {
                            self.record(
                                sub_span(sp, 1, m.len()),
                                OccTarget::Method(m.into()),
                                OccKind::Read,
                            );
                        }
                        base = None;
                        return Segment::Method(m.to_string());
                    }
                }
                if let Some(b) = base.take() {
                    let full = format!("{b}/{s}");
                    if let Some(sp) = seg_span {
                        self.record(sp, OccTarget::Global(full.clone()), OccKind::Read);
                    }
                    base = Some(full);
                }
                let digits = s.strip_prefix('-').unwrap_or(s);
                if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                    if let Ok(i) = s.parse::<i64>() {
                        return Segment::Index(i);
                    }
                }
                Segment::Member(s.clone())
            })
            .collect()
    }

    /// The base of a path (the expression keeps the whole path's span, as the
    /// emitter always had it; the occurrence gets the base's own span).
    fn path_base(&mut self, first: &str, span: Span) -> Expr {
        let lit = match first {
            "" => return self.self_expr(span),
            "nil" => Lit::Nil,
            "void" => Lit::Void,
            "not_found" => Lit::NotFound,
            "true" => Lit::Bool(true),
            "false" => Lit::Bool(false),
            _ => return self.lower_symbol(first, span, Some(sub_span(span, 0, first.len()))),
        };
        // A reserved literal word as the first segment (`nil/x`) is the literal.
        Self::lit(lit, span)
    }

    fn lower_path(&mut self, segs: &[String], span: Span) -> Expr {
        if is_tree_path(segs) {
            return self.invalid(TREE_NOT_SUPPORTED, span);
        }
        let Some((first, rest)) = segs.split_first() else {
            return self.invalid("empty path", span);
        };
        let base = self.path_base(first, span);
        let spans = segment_spans(segs, span);
        let segs = self.segments(rest, spans.as_deref().map(|s| &s[1..]), global_of(&base));
        Expr {
            kind: ExprKind::Path {
                base: Box::new(base),
                segs,
            },
            span,
        }
    }

    fn lower_items(&mut self, nodes: &[Node]) -> Vec<Item> {
        let mut items: Vec<Item> = Vec::with_capacity(nodes.len());
        for n in nodes {
            match &n.kind {
                NodeKind::Symbol(s) if s == "..." => match items.pop() {
                    Some(Item::One(e)) | Some(Item::Spread(e)) => items.push(Item::Spread(e)),
                    None => {
                        let e = self.invalid("'...' must follow an expression", n.span);
                        items.push(Item::One(e));
                    }
                },
                NodeKind::Symbol(s) if s.len() > 3 && s.ends_with("...") => {
                    let name = &s[..s.len() - 3];
                    let occ = token_part(n.span, s.len(), 0, name.len());
                    let e = self.lower_symbol(name, n.span, Some(occ));
                    items.push(Item::Spread(e));
                }
                _ => items.push(Item::One(self.lower(n))),
            }
        }
        items
    }

    fn lower_props(&mut self, props: &[Prop]) -> Vec<MapEntry> {
        props
            .iter()
            .map(|p| {
                if p.key.starts_with("...") {
                    MapEntry::Spread(self.lower(&p.value))
                } else {
                    MapEntry::Pair(p.key.clone(), self.lower(&p.value))
                }
            })
            .collect()
    }

    fn call_args(&mut self, props: &[Prop], children: &[Node]) -> CallArgs {
        let kw = props
            .iter()
            .map(|p| (p.key.clone(), self.lower(&p.value)))
            .collect();
        let pos = self.lower_items(children);
        CallArgs { pos, kw }
    }

    fn lower_gene(
        &mut self,
        head: Option<&Node>,
        props: &[Prop],
        children: &[Node],
        span: Span,
    ) -> Expr {
        let Some(head) = head else {
            return Expr {
                kind: ExprKind::GeneData {
                    head: Box::new(Self::lit(Lit::Nil, span)),
                    props: Vec::new(),
                    children: Vec::new(),
                },
                span,
            };
        };
        let first = children.first();
        // 1. Data forms.
        if head.is_symbol("_") {
            return self.gene_data(
                Self::lit(Lit::Symbol("_".into()), head.span),
                props,
                children,
                span,
            );
        }
        if let NodeKind::Quote(q) = &head.kind {
            let infix = first
                .and_then(|f| f.as_symbol())
                .is_some_and(|s| infix_op(s).is_some());
            if !first.is_some_and(is_method_name) && !infix {
                let h = Expr {
                    kind: ExprKind::Quote((**q).clone()),
                    span: head.span,
                };
                return self.gene_data(h, props, children, span);
            }
        }
        // 2. Range.
        if children.len() == 2 && children[0].is_symbol("..") {
            let a = self.lower(head);
            let b = self.lower(&children[1]);
            return Expr {
                kind: ExprKind::Range(Box::new(a), Box::new(b), None),
                span,
            };
        }
        // 3. Parenthesised number.
        if matches!(head.kind, NodeKind::Int(_) | NodeKind::Float(_))
            && children.is_empty()
            && props.is_empty()
        {
            return self.lower(head);
        }
        let head_sym = head.as_symbol();
        let head_special = head_sym.is_some_and(|h| SPECIAL_WORDS.contains(&h));
        // `(EXPR ?)` (later 4.6).
        if props.is_empty() && children.len() == 1 && children[0].is_symbol("?") && !head_special {
            let inner = self.lower(head);
            return Expr {
                kind: ExprKind::TryUnwrap(Box::new(inner)),
                span,
            };
        }
        // A type expression written as a value (later 3.9): a union `(A | B ...)`, or
        // `(Fn [P...] R)` when `Fn` is not a variable.
        let fn_type = head_sym == Some("Fn")
            && first.is_some_and(|f| matches!(f.kind, NodeKind::Array(_)))
            && matches!(self.resolve_quiet("Fn"), NameRes::Global(_))
            && !self.forward_vars.contains_key("Fn");
        if props.is_empty() && !head_special && (fn_type || first.is_some_and(|f| f.is_symbol("|")))
        {
            return match adt::parse_gene_type(head, children) {
                Ok(ty) => Expr {
                    kind: ExprKind::TypeValue(ty),
                    span,
                },
                Err(m) => self.invalid(m, span),
            };
        }
        // 4. Infix.
        if let Some(op_node) = first {
            if let Some(op) = op_node.as_symbol() {
                if infix_op(op).is_some() && !head_special {
                    return self.lower_infix(head, children, span);
                }
                // 5. Assignment.
                if let Some(aop) = assign_op(op) {
                    return self.lower_assign(head, aop, &children[1..], span);
                }
            }
            // 6. Method call.
            if is_method_name(op_node) && !head_special {
                let recv = self.lower(head);
                let name = op_node.as_symbol().unwrap_or_default()[1..].to_string();
                let occ = token_part(op_node.span, name.len() + 1, 1, name.len());
                self.record(occ, OccTarget::Method(name.clone()), OccKind::Read);
                let args = self.call_args(props, &children[1..]);
                return Expr {
                    kind: ExprKind::MethodCall {
                        recv: Box::new(recv),
                        name,
                        args,
                    },
                    span,
                };
            }
        }
        // 7. Special forms.
        if let Some(h) = head_sym {
            if let Some(e) = self.lower_special(h, props, children, span) {
                return e;
            }
            // 8. Implicit-self method call.
            if h.len() > 1 && h.starts_with('.') && h != ".." && h != "..." {
                let occ = token_part(head.span, h.len(), 1, h.len() - 1);
                self.record(occ, OccTarget::Method(h[1..].to_string()), OccKind::Read);
                let recv = self.self_expr(head.span);
                let args = self.call_args(props, children);
                return Expr {
                    kind: ExprKind::MethodCall {
                        recv: Box::new(recv),
                        name: h[1..].to_string(),
                        args,
                    },
                    span,
                };
            }
            // Prefix operators with two operands compile to the operator itself.
            if let Some(op) = infix_op(h) {
                if children.len() == 2
                    && props.is_empty()
                    && !children
                        .iter()
                        .any(|c| matches!(&c.kind, NodeKind::Symbol(s) if s.ends_with("...")))
                    && op != BinOp::Is
                {
                    let a = self.lower(&children[0]);
                    let b = self.lower(&children[1]);
                    return Expr {
                        kind: ExprKind::Binary(op, Box::new(a), Box::new(b)),
                        span,
                    };
                }
            }
        }
        // 9. Ordinary call.
        let callee = self.lower(head);
        let args = self.call_args(props, children);
        Expr {
            kind: ExprKind::Call {
                callee: Box::new(callee),
                args,
            },
            span,
        }
    }

    fn gene_data(&mut self, head: Expr, props: &[Prop], children: &[Node], span: Span) -> Expr {
        let props = self.lower_props(props);
        let children = self.lower_items(children);
        Expr {
            kind: ExprKind::GeneData {
                head: Box::new(head),
                props,
                children,
            },
            span,
        }
    }

    fn lower_infix(&mut self, head: &Node, rest: &[Node], span: Span) -> Expr {
        // Alternating operand / operator.
        let mut operands = vec![self.lower(head)];
        let mut ops = Vec::new();
        let mut i = 0;
        while i < rest.len() {
            let Some(op) = rest[i].as_symbol().and_then(infix_op) else {
                return self.invalid(
                    "Invalid infix expression: expected an operator",
                    rest[i].span,
                );
            };
            let Some(rhs) = rest.get(i + 1) else {
                return self.invalid(
                    "Invalid infix expression: operator without a right operand",
                    rest[i].span,
                );
            };
            ops.push(op);
            operands.push(self.lower(rhs));
            i += 2;
        }
        if ops.len() >= 2 && ops.iter().all(|o| is_comparison(*o)) {
            // Chained comparison: (a < b <= c) is ((a < b) && (b <= c)).
            let mut acc: Option<Expr> = None;
            for (k, op) in ops.iter().enumerate() {
                let cmp = Expr {
                    kind: ExprKind::Binary(
                        *op,
                        Box::new(operands[k].clone()),
                        Box::new(operands[k + 1].clone()),
                    ),
                    span,
                };
                acc = Some(match acc {
                    None => cmp,
                    Some(prev) => Expr {
                        kind: ExprKind::Binary(BinOp::And, Box::new(prev), Box::new(cmp)),
                        span,
                    },
                });
            }
            return acc.unwrap_or_else(|| Self::lit(Lit::Nil, span));
        }
        // Precedence climbing over the flat list.
        let mut operands = operands.into_iter();
        let first = operands.next().unwrap_or_else(|| Self::lit(Lit::Nil, span));
        let mut out_stack = vec![first];
        let mut op_stack: Vec<BinOp> = Vec::new();
        fn reduce(out: &mut Vec<Expr>, op: BinOp, span: Span) {
            let b = out.pop();
            let a = out.pop();
            if let (Some(a), Some(b)) = (a, b) {
                out.push(Expr {
                    kind: ExprKind::Binary(op, Box::new(a), Box::new(b)),
                    span,
                });
            }
        }
        for (op, rhs) in ops.into_iter().zip(operands) {
            while let Some(&top) = op_stack.last() {
                if precedence(top) >= precedence(op) {
                    op_stack.pop();
                    reduce(&mut out_stack, top, span);
                } else {
                    break;
                }
            }
            op_stack.push(op);
            out_stack.push(rhs);
        }
        while let Some(op) = op_stack.pop() {
            reduce(&mut out_stack, op, span);
        }
        out_stack.pop().unwrap_or_else(|| Self::lit(Lit::Nil, span))
    }

    fn lower_place(&mut self, target: &Node) -> Result<Place, Expr> {
        match &target.kind {
            NodeKind::Symbol(s) => match self.resolve(s) {
                NameRes::Var(v) if self.let_vars.contains(&v) => {
                    self.record(target.span, OccTarget::Var(v), OccKind::Write);
                    Err(self.invalid(format!("Cannot reassign 'let' binding '{s}'"), target.span))
                }
                NameRes::Var(v) => {
                    self.record(target.span, OccTarget::Var(v), OccKind::Write);
                    Ok(Place::Var(v))
                }
                NameRes::Global(g) => {
                    self.record(target.span, OccTarget::Global(g.clone()), OccKind::Write);
                    Ok(Place::Undefined(g))
                }
            },
            NodeKind::Path(segs) => {
                let Some((first, rest)) = segs.split_first() else {
                    return Err(self.invalid("empty path", target.span));
                };
                let base = self.path_base(first, target.span);
                let spans = segment_spans(segs, target.span);
                let segs = self.segments(rest, spans.as_deref().map(|s| &s[1..]), global_of(&base));
                Ok(Place::Path {
                    base: Box::new(base),
                    segs,
                })
            }
            _ => Err(self.invalid("Cannot assign to this expression", target.span)),
        }
    }

    fn lower_assign(
        &mut self,
        target: &Node,
        op: Option<BinOp>,
        rest: &[Node],
        span: Span,
    ) -> Expr {
        if rest.len() != 1 {
            return self.invalid("Assignment takes exactly one value", span);
        }
        let value = self.lower(&rest[0]);
        let place = match self.lower_place(target) {
            Ok(p) => p,
            Err(e) => return e,
        };
        Expr {
            kind: ExprKind::Assign {
                place,
                op,
                value: Box::new(value),
            },
            span,
        }
    }
}

/// The global name an expression reads, if it is a plain global name.
fn global_of(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Name(NameRes::Global(g), _) => Some(g.clone()),
        _ => None,
    }
}

/// `(var NAME ...)` at the top level of a program: NAME.
fn top_level_var_name(form: &Node) -> Option<String> {
    let NodeKind::Gene {
        head: Some(head),
        children,
        ..
    } = &form.kind
    else {
        return None;
    };
    if !head.is_symbol("var") && !head.is_symbol("let") {
        return None;
    }
    let name = children.first()?.as_symbol()?;
    Some(name.strip_suffix(':').unwrap_or(name).to_string())
}
