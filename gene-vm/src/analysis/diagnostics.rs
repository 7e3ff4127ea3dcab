//! Diagnostics with stable codes (see [`CODES`]): reader errors, resolver
//! errors, undefined names, arity, dropped futures, deprecated synchronous I/O
//! and unused variables. `# gene-ignore: CODE` on a line or the line above
//! silences CODE there; [`DiagnosticConfig`] turns codes off or changes their
//! severity.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::model::{fn_arity, for_each_child, Analysis, GlobalRes, SymbolKey};
use super::natives;
use crate::compile::hir::*;
use crate::syntax::{CommentKind, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    Hint,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tag {
    Deprecated,
    Unnecessary,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Byte range into the text.
    pub span: Span,
    pub severity: Severity,
    /// One of [`CODES`].
    pub code: &'static str,
    pub message: String,
    pub tags: Vec<Tag>,
}

pub const SYNTAX: &str = "syntax";
pub const UNDEFINED_NAME: &str = "undefined-name";
pub const ARITY: &str = "arity";
pub const MISPLACED: &str = "misplaced";
pub const UNAWAITED_FUTURE: &str = "unawaited-future";
pub const DEPRECATED_SYNC_IO: &str = "deprecated-sync-io";
pub const UNUSED_VARIABLE: &str = "unused-variable";
pub const NON_EXHAUSTIVE: &str = "non-exhaustive-case";

/// Every code with its default severity.
pub const CODES: &[(&str, Severity)] = &[
    (SYNTAX, Severity::Error),
    (UNDEFINED_NAME, Severity::Error),
    (ARITY, Severity::Error),
    (MISPLACED, Severity::Error),
    (UNAWAITED_FUTURE, Severity::Warning),
    (DEPRECATED_SYNC_IO, Severity::Warning),
    (UNUSED_VARIABLE, Severity::Hint),
    (NON_EXHAUSTIVE, Severity::Warning),
    (super::imports::UNRESOLVED_IMPORT, Severity::Error),
];

/// Which codes are reported, and at which severity.
#[derive(Clone, Debug, Default)]
pub struct DiagnosticConfig {
    /// Codes not reported at all.
    pub disabled: BTreeSet<String>,
    /// Codes reported at another severity than their default.
    pub severity: BTreeMap<String, Severity>,
}

impl DiagnosticConfig {
    pub fn disable(mut self, code: &str) -> Self {
        self.disabled.insert(code.to_string());
        self
    }
    pub fn with_severity(mut self, code: &str, s: Severity) -> Self {
        self.severity.insert(code.to_string(), s);
        self
    }
}

/// Every diagnostic of `text`, sorted by position.
pub fn diagnostics(text: &str, cfg: &DiagnosticConfig) -> Vec<Diagnostic> {
    Analysis::new(text).diagnostics(cfg)
}

fn default_severity(code: &str) -> Severity {
    CODES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(Severity::Warning, |(_, s)| *s)
}

impl Analysis {
    pub fn diagnostics(&self, cfg: &DiagnosticConfig) -> Vec<Diagnostic> {
        self.diagnostics_with(cfg, Vec::new())
    }

    /// The file's diagnostics and `extra` ones found with other files (imports),
    /// all through the same configuration and `gene-ignore` comments.
    pub fn diagnostics_with(
        &self,
        cfg: &DiagnosticConfig,
        extra: Vec<Diagnostic>,
    ) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let mut push = |span: Span, code: &'static str, message: String| {
            let tags = match code {
                DEPRECATED_SYNC_IO => vec![Tag::Deprecated],
                UNUSED_VARIABLE => vec![Tag::Unnecessary],
                _ => Vec::new(),
            };
            out.push(Diagnostic {
                span,
                severity: default_severity(code),
                code,
                message,
                tags,
            });
        };
        for e in &self.parsed.errors {
            push(e.span, SYNTAX, e.message.clone());
        }
        for e in &self.unit.errors {
            if e.message != "syntax error" {
                push(e.span, MISPLACED, e.message.clone());
            }
        }
        self.name_diagnostics(&mut push);
        if let Some(main) = &self.unit.main {
            let mut w = FlowWalk {
                a: self,
                futures: self.future_fns(),
                out: Vec::new(),
            };
            w.body(&main.body, false, Ctx::default());
            for (span, code, msg) in w.out {
                push(span, code, msg);
            }
        }
        out.extend(extra);
        let ignores = self.ignores();
        let mut out: Vec<Diagnostic> = out
            .into_iter()
            .filter(|d| !cfg.disabled.contains(d.code))
            .filter(|d| {
                let line = self.index.line_of(d.span.start as usize);
                let hit = |l: u32| ignores.get(&l).is_some_and(|c| c.contains(d.code));
                !(hit(line) || (line > 0 && hit(line - 1)))
            })
            .map(|mut d| {
                if let Some(s) = cfg.severity.get(d.code) {
                    d.severity = *s;
                }
                d
            })
            .collect();
        out.sort_by_key(|d| (d.span.start, d.span.end, d.code));
        out.dedup();
        out
    }

    /// `# gene-ignore: CODE, CODE` comments by line.
    fn ignores(&self) -> HashMap<u32, HashSet<String>> {
        let mut m: HashMap<u32, HashSet<String>> = HashMap::new();
        for c in &self.parsed.comments {
            if c.kind != CommentKind::Line {
                continue;
            }
            let t = self.slice(c.span).trim_start_matches('#').trim();
            let Some(rest) = t.strip_prefix("gene-ignore:") else {
                continue;
            };
            let line = self.index.line_of(c.span.start as usize);
            let set = m.entry(line).or_default();
            for code in rest.split([',', ' ']).filter(|s| !s.is_empty()) {
                set.insert(code.to_string());
            }
        }
        m
    }

    /// The whole path token a segment occurrence belongs to (for messages and spans).
    fn path_span(&self, span: Span) -> Span {
        let bytes = self.text.as_bytes();
        let mut start = span.start as usize;
        while start > 0 {
            let b = bytes[start - 1];
            if b.is_ascii_whitespace() || b"()[]{},\"'`".contains(&b) {
                break;
            }
            start -= 1;
        }
        Span::new(start, span.end as usize)
    }

    fn name_diagnostics(&self, push: &mut impl FnMut(Span, &'static str, String)) {
        let mut read: HashSet<VarId> = HashSet::new();
        for o in self.occurrences() {
            if let (OccTarget::Var(v), OccKind::Read) = (&o.target, o.kind) {
                read.insert(*v);
            }
        }
        for o in self.occurrences() {
            match &o.target {
                OccTarget::Global(g) if o.kind != OccKind::Def => {
                    let res = self.resolve_global(g, &o.ns);
                    match res {
                        // With `(import * ...)` any read may name an imported member.
                        GlobalRes::Unknown
                            if !(g.contains('/')
                                || self.wildcard_import && o.kind == OccKind::Read) =>
                        {
                            let msg = if o.kind == OccKind::Write {
                                format!(
                                    "cannot assign to `{g}`: no variable of that name is in scope"
                                )
                            } else {
                                format!("undefined name `{g}`")
                            };
                            push(o.span, UNDEFINED_NAME, msg);
                        }
                        GlobalRes::Native(n) => {
                            if let Some(why) = n.deprecated {
                                let span = self.path_span(o.span);
                                let written = self.slice(span).to_string();
                                push(
                                    span,
                                    DEPRECATED_SYNC_IO,
                                    format!("{written} is deprecated: {why}"),
                                );
                            }
                        }
                        _ => {}
                    }
                }
                OccTarget::Var(v) if o.kind == OccKind::Def => {
                    let Some(info) = self.var(*v) else { continue };
                    if info.name.starts_with('_')
                        || info.name == "self"
                        || read.contains(v)
                        || self.top_vars.contains(v)
                    {
                        continue;
                    }
                    let what = if self.params.contains_key(v) {
                        "parameter"
                    } else {
                        "variable"
                    };
                    push(
                        o.span,
                        UNUSED_VARIABLE,
                        format!(
                            "unused {what} `{}` (prefix it with `_` if that is intended)",
                            info.name
                        ),
                    );
                }
                _ => {}
            }
        }
    }

    /// Functions whose calls produce a future: `^^async` functions, and those
    /// whose every return is a future-producing call (to a fixpoint).
    pub fn future_fns(&self) -> HashSet<u32> {
        let mut set: HashSet<u32> = HashSet::new();
        for f in self.fns.iter().flatten() {
            if f.is_async {
                set.insert(f.index);
            }
        }
        for _ in 0..8 {
            let mut changed = false;
            for f in self.fns.iter().flatten() {
                if set.contains(&f.index) || f.name.starts_with('<') {
                    continue;
                }
                let mut tails = Vec::new();
                match f.body.last() {
                    Some(last) => tail_exprs(last, &mut tails),
                    None => continue,
                }
                collect_returns(&f.body, &mut tails);
                if !tails.is_empty() && tails.iter().all(|t| self.is_future_expr(t, &set)) {
                    set.insert(f.index);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        set
    }

    /// Does evaluating `e` produce a future? (`None` when it does not; the
    /// description of the producer otherwise.)
    pub fn future_producer(&self, e: &Expr, futures: &HashSet<u32>) -> Option<String> {
        match &e.kind {
            ExprKind::Async(_) => Some("`async` block".into()),
            ExprKind::Call { callee, .. } => {
                if let Some((name, f)) = self.callee_fn(callee) {
                    return futures
                        .contains(&f.index)
                        .then(|| format!("call of `{name}`"));
                }
                match self.callee_key(callee)? {
                    SymbolKey::Native(p) => natives::lookup(p)
                        .filter(|n| n.returns_future)
                        .map(|_| format!("call of `{}`", self.slice(callee.span))),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn is_future_expr(&self, e: &Expr, futures: &HashSet<u32>) -> bool {
        self.future_producer(e, futures).is_some()
    }
}

/// The expressions whose value an expression yields (branches of if/case/do).
fn tail_exprs<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match &e.kind {
        ExprKind::Do(b) => match b.last() {
            Some(l) => tail_exprs(l, out),
            None => out.push(e),
        },
        ExprKind::If {
            branches,
            else_branch,
        } => {
            for (_, _, b) in branches {
                match b.last() {
                    Some(l) => tail_exprs(l, out),
                    None => out.push(e),
                }
            }
            match else_branch {
                Some((_, b)) if !b.is_empty() => tail_exprs(&b[b.len() - 1], out),
                _ => out.push(e),
            }
        }
        ExprKind::Return(Some(v)) => tail_exprs(v, out),
        _ => out.push(e),
    }
}

/// The values of `return`s in a function body (not in nested functions).
fn collect_returns<'e>(body: &'e [Expr], out: &mut Vec<&'e Expr>) {
    fn go<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
        match &e.kind {
            ExprKind::Fn(_)
            | ExprKind::NamedFn { .. }
            | ExprKind::Class(_)
            | ExprKind::Implement { .. }
            | ExprKind::Ns { .. } => {}
            ExprKind::Return(v) => match v {
                Some(v) => tail_exprs(v, out),
                None => out.push(e),
            },
            _ => for_each_child(e, &mut |c| go(c, out)),
        }
    }
    for e in body {
        go(e, out);
    }
}

#[derive(Clone, Copy, Default)]
struct Ctx {
    in_loop: bool,
    in_fn: bool,
}

/// Walks the HIR for placement errors, arity and dropped futures.
struct FlowWalk<'a> {
    a: &'a Analysis,
    futures: HashSet<u32>,
    out: Vec<(Span, &'static str, String)>,
}

impl FlowWalk<'_> {
    /// A body whose last value is `used` (the others are dropped).
    fn body(&mut self, body: &[Expr], used: bool, cx: Ctx) {
        let n = body.len();
        for (i, e) in body.iter().enumerate() {
            self.expr(e, used && i + 1 == n, cx);
        }
    }

    fn func(&mut self, def: &FnDef) {
        let cx = Ctx {
            in_loop: false,
            in_fn: true,
        };
        for p in &def.params {
            if let Some(d) = &p.default {
                self.expr(d, true, cx);
            }
        }
        self.body(&def.body, true, cx);
    }

    fn expr(&mut self, e: &Expr, used: bool, cx: Ctx) {
        if !used {
            if let Some(what) = self.a.future_producer(e, &self.futures) {
                self.out.push((
                    e.span,
                    super::diagnostics::UNAWAITED_FUTURE,
                    format!(
                        "the future of this {what} is dropped: await it, store it, pass it on or register a callback"
                    ),
                ));
            }
        }
        let loop_cx = Ctx {
            in_loop: true,
            ..cx
        };
        match &e.kind {
            ExprKind::Break(v, _) => {
                if !cx.in_loop {
                    self.out
                        .push((e.span, MISPLACED, "break outside a loop".into()));
                }
                if let Some(v) = v {
                    self.expr(v, true, cx);
                }
            }
            ExprKind::Continue(_) => {
                if !cx.in_loop {
                    self.out
                        .push((e.span, MISPLACED, "continue outside a loop".into()));
                }
            }
            ExprKind::Return(v) => {
                if !cx.in_fn {
                    self.out
                        .push((e.span, MISPLACED, "return outside a function".into()));
                }
                if let Some(v) = v {
                    self.expr(v, true, cx);
                }
            }
            ExprKind::Call { callee, args } => {
                self.arity(e.span, callee, args);
                for_each_child(e, &mut |c| self.expr(c, true, cx));
            }
            ExprKind::Fn(d) | ExprKind::NamedFn { def: d, .. } => self.func(d),
            ExprKind::Ns { body, .. } => self.body(&body.body, false, Ctx::default()),
            ExprKind::Class(c) => {
                if let Some(p) = &c.parent {
                    self.expr(p, true, cx);
                }
                if let Some(ctor) = &c.ctor {
                    self.func(ctor);
                }
                for (_, m) in c.methods.iter().chain(c.fns.iter()) {
                    self.func(m);
                }
            }
            ExprKind::Implement {
                iface,
                target,
                adapter,
            } => {
                self.expr(iface, true, cx);
                self.expr(target, true, cx);
                if let Some(ctor) = &adapter.ctor {
                    self.func(ctor);
                }
                for (_, m) in &adapter.methods {
                    self.func(m);
                }
            }
            ExprKind::Do(b) => self.body(b, used, cx),
            ExprKind::Loop(b, _) => self.body(b, false, loop_cx),
            ExprKind::While(c, b, _) => {
                self.expr(c, true, cx);
                self.body(b, false, loop_cx);
            }
            ExprKind::For { iter, body, .. } => {
                self.expr(iter, true, cx);
                self.body(body, false, loop_cx);
            }
            ExprKind::Repeat { count, body, .. } => {
                self.expr(count, true, cx);
                self.body(body, false, loop_cx);
            }
            ExprKind::If {
                branches,
                else_branch,
            } => {
                for (c, _, b) in branches {
                    self.expr(c, true, cx);
                    self.body(b, used, cx);
                }
                if let Some((_, b)) = else_branch {
                    self.body(b, used, cx);
                }
            }
            ExprKind::Case {
                target,
                whens,
                else_branch,
            } => {
                self.expr(target, true, cx);
                if else_branch.is_none() {
                    self.exhaustive(e.span, whens);
                }
                for (v, _, b) in whens {
                    match v {
                        WhenPat::Value(v) | WhenPat::Variant { ctor: v, .. } => {
                            self.expr(v, true, cx)
                        }
                        WhenPat::Any => {}
                    }
                    self.body(b, used, cx);
                }
                if let Some((_, b)) = else_branch {
                    self.body(b, used, cx);
                }
            }
            ExprKind::Try {
                body,
                catches,
                finally,
            } => {
                self.body(body, used, cx);
                for c in catches {
                    if let CatchPattern::Class(cls) = &c.pattern {
                        self.expr(cls, true, cx);
                    }
                    self.body(&c.body, used, cx);
                }
                if let Some(f) = finally {
                    self.body(f, false, cx);
                }
            }
            ExprKind::Async(inner) => {
                // The block's value is the future's value.
                self.expr(inner, true, cx);
            }
            _ => for_each_child(e, &mut |c| self.expr(c, true, cx)),
        }
    }

    /// A `case` whose clauses are all variants of one enum declared in the file,
    /// without `else` or `when _`: the variants it misses, in declaration order
    /// (later 4.5).
    fn exhaustive(&mut self, span: Span, whens: &[(WhenPat, RegionId, Vec<Expr>)]) {
        let mut enum_name: Option<String> = None;
        let mut covered = Vec::new();
        for (w, _, _) in whens {
            let WhenPat::Variant { ctor, .. } = w else {
                return;
            };
            let ExprKind::Path { base, segs } = &ctor.kind else {
                return;
            };
            let (ExprKind::Name(NameRes::Global(e), _), [Segment::Member(v)]) =
                (&base.kind, segs.as_slice())
            else {
                return;
            };
            if enum_name.get_or_insert_with(|| e.clone()) != e {
                return;
            }
            covered.push(v.clone());
        }
        let Some(e) = enum_name else { return };
        let prefix = format!("{e}/");
        let mut variants: Vec<(u32, String)> = self
            .a
            .globals
            .iter()
            .filter(|(k, defs)| {
                k.starts_with(&prefix) && defs.iter().any(|d| d.kind == super::model::DefKind::Enum)
            })
            .filter_map(|(k, defs)| {
                Some((defs.first()?.name_span.start, k[prefix.len()..].to_string()))
            })
            .collect();
        variants.sort();
        let missing: Vec<String> = variants
            .into_iter()
            .map(|(_, v)| v)
            .filter(|v| !covered.contains(v))
            .collect();
        if !missing.is_empty() {
            self.out.push((
                span,
                NON_EXHAUSTIVE,
                format!("case over {e} misses variant(s): {}", missing.join(", ")),
            ));
        }
    }

    fn arity(&mut self, span: Span, callee: &Expr, args: &CallArgs) {
        if args.pos.iter().any(|i| matches!(i, Item::Spread(_))) {
            return;
        }
        let n = args.pos.len();
        let (name, arity) = if let Some((name, f)) = self.a.callee_fn(callee) {
            (name, fn_arity(&f))
        } else {
            match self.a.callee_key(callee) {
                Some(SymbolKey::Native(p)) => match natives::lookup(p) {
                    Some(nat) => (
                        self.a.slice(callee.span).to_string(),
                        natives::native_arity(nat.params),
                    ),
                    None => return,
                },
                _ => return,
            }
        };
        if !arity.accepts(n) {
            self.out.push((
                span,
                ARITY,
                format!("`{name}` takes {}, got {n}", arity.describe()),
            ));
        }
    }
}
