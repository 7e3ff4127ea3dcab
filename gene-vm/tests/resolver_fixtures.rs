//! Resolver fixtures: every `tests/fixtures/resolver/NAME.gene` is read, lowered
//! with `lower_program`, and its name resolution is snapshotted as `NAME`.
//!
//! Rendering (positions are `line:col`, 1-based, columns in characters):
//!
//! - `regions:` every scope region, `#id label (parent #p)`; labels say what
//!   created the region (`body of f`, `if-branch @L:C` at the condition,
//!   `else @L:C` at the if form, `for @L:C`, `repeat @L:C`, `when @L:C` at the
//!   value, `case-else @L:C`, `catch @L:C`; `unreached` for a region opened
//!   inside a form the resolver then rejected).
//! - `vars:` every variable, `name@L:C in FN region #id slot|captured`.
//! - `refs:` every name reference in source order, `L:C text -> resolution`,
//!   where resolution is `local x@L:C` (used by the function that declares
//!   it), `captured x@L:C (declared in f)` (used by a nested function),
//!   `global name`, `undefined name` (assignment target with no variable),
//!   `special $name`, `self-ref` (a `self` with no method receiver); named
//!   definitions show as `def fn|class|ns NAME (namespace member)`.
//! - `errors:` compile errors (and reader errors, if any) with `L:C`.
//!
//! Functions are named `<main>`, their own name (`geo/area` for path names),
//! `Class.method` / `Class.ctor` / `Class/fn` in class bodies, `ns NAME` for
//! namespace bodies and `<anon@L:C>` for anonymous functions.
//!
//! Consistency checks are rendered inline with `!!` so a wrong capture flag
//! cannot hide: a cross-function use of a variable not marked captured, or a
//! captured variable that no nested function uses.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use gene_vm::compile::hir::{
    CallArgs, CatchPattern, ExprKind, FnDef, Item, MapEntry, NameRes, Pattern, Place, RegionId,
    Segment, Unit,
};
use gene_vm::compile::hir::{Expr, VarId, WhenPat};
use gene_vm::compile::lower::{lower_program, LowerOptions};
use gene_vm::syntax::{line_col, parse, Span};

struct Walker<'a> {
    src: &'a str,
    unit: &'a Unit,
    fn_names: BTreeMap<u32, String>,
    regions: BTreeMap<RegionId, String>,
    refs: Vec<(usize, String)>,
    fn_stack: Vec<u32>,
    /// Variables used from a function other than their owner.
    used_outside: Vec<VarId>,
}

impl<'a> Walker<'a> {
    fn pos(&self, offset: usize) -> String {
        let (l, c) = line_col(self.src, offset);
        format!("{l}:{c}")
    }

    fn var_label(&self, v: VarId) -> String {
        let info = &self.unit.vars[v as usize];
        format!("{}@{}", info.name, self.pos(info.span.start as usize))
    }

    fn cur_fn(&self) -> u32 {
        *self.fn_stack.last().expect("inside a function")
    }

    fn fn_name(&self, index: u32) -> String {
        self.fn_names
            .get(&index)
            .cloned()
            .unwrap_or_else(|| format!("<fn #{index}>"))
    }

    fn resolution(&mut self, v: VarId) -> String {
        let info = &self.unit.vars[v as usize];
        if info.owner_fn == self.cur_fn() {
            format!("local {}", self.var_label(v))
        } else {
            self.used_outside.push(v);
            let mut s = format!(
                "captured {} (declared in {})",
                self.var_label(v),
                self.fn_name(info.owner_fn)
            );
            if !info.captured {
                s.push_str(" !! variable not marked captured");
            }
            s
        }
    }

    fn push_ref(&mut self, offset: usize, text: &str, res: String) {
        let line = format!("{} {text} -> {res}", self.pos(offset));
        self.refs.push((offset, line));
    }

    /// Offset of `name` inside `span` (assignment targets carry no span of their own).
    fn find_in(&self, span: Span, name: &str) -> usize {
        let start = span.start as usize;
        let end = (span.end as usize).min(self.src.len());
        self.src
            .get(start..end)
            .and_then(|t| t.find(name))
            .map_or(start, |i| start + i)
    }

    fn label_region(&mut self, r: RegionId, label: String) {
        self.regions.insert(r, label);
    }

    fn walk_fn(&mut self, def: &FnDef, display: String) {
        self.fn_names.insert(def.index, display.clone());
        self.label_region(def.region, format!("body of {display}"));
        self.fn_stack.push(def.index);
        for p in &def.params {
            if let Some(d) = &p.default {
                self.walk(d);
            }
        }
        self.walk_body(&def.body);
        self.fn_stack.pop();
    }

    fn anon_name(&self, def: &FnDef) -> String {
        if def.name == "<anonymous>" {
            format!("<anon@{}>", self.pos(def.span.start as usize))
        } else {
            def.name.clone()
        }
    }

    fn walk_body(&mut self, body: &[Expr]) {
        for e in body {
            self.walk(e);
        }
    }

    fn walk_items(&mut self, items: &[Item]) {
        for it in items {
            match it {
                Item::One(e) | Item::Spread(e) => self.walk(e),
            }
        }
    }

    fn walk_entries(&mut self, entries: &[MapEntry]) {
        for m in entries {
            match m {
                MapEntry::Pair(_, e) | MapEntry::Spread(e) => self.walk(e),
            }
        }
    }

    fn walk_args(&mut self, args: &CallArgs) {
        for (_, e) in &args.kw {
            self.walk(e);
        }
        self.walk_items(&args.pos);
    }

    fn walk_pattern(&mut self, p: &Pattern) {
        for d in p.defaults() {
            self.walk(d);
        }
    }

    fn walk_segments(&mut self, segs: &[Segment], span: Span) {
        for s in segs {
            if let Segment::MaybeIndex(name, v) | Segment::ByValue(name, v) = s {
                let offset = (span.end as usize).saturating_sub(name.len());
                let res = self.resolution(*v);
                self.push_ref(offset, &format!("{name} (path segment)"), res);
            }
        }
    }

    fn walk(&mut self, e: &Expr) {
        let start = e.span.start as usize;
        match &e.kind {
            ExprKind::Lit(_)
            | ExprKind::Quote(_)
            | ExprKind::TypeValue(_)
            | ExprKind::Invalid(_) => {}
            ExprKind::Continue(_) => {}
            ExprKind::Name(res, name) => {
                let implicit = name == "self" && !self.src[start..].starts_with("self");
                let text = if implicit {
                    "self (implicit)".to_string()
                } else {
                    name.clone()
                };
                let r = match res {
                    NameRes::Var(v) => self.resolution(*v),
                    NameRes::Global(g) => format!("global {g}"),
                };
                self.push_ref(start, &text, r);
            }
            ExprKind::SelfRef => self.push_ref(start, "self", "self-ref".into()),
            ExprKind::Special(s) => self.push_ref(start, s, format!("special {s}")),
            ExprKind::Array(items) => self.walk_items(items),
            ExprKind::Map(entries) => self.walk_entries(entries),
            ExprKind::GeneData {
                head,
                props,
                children,
            } => {
                self.walk(head);
                self.walk_entries(props);
                self.walk_items(children);
            }
            ExprKind::Path { base, segs } => {
                self.walk(base);
                self.walk_segments(segs, e.span);
            }
            ExprKind::Call { callee, args } => {
                self.walk(callee);
                self.walk_args(args);
            }
            ExprKind::MethodCall { recv, args, .. } | ExprKind::Super { recv, args, .. } => {
                self.walk(recv);
                self.walk_args(args);
            }
            ExprKind::Binary(_, a, b) => {
                self.walk(a);
                self.walk(b);
            }
            ExprKind::Not(a) | ExprKind::Neg(a) | ExprKind::Async(a) | ExprKind::TryUnwrap(a) => {
                self.walk(a)
            }
            ExprKind::Enum(_)
            | ExprKind::Import(_)
            | ExprKind::TypeAlias { .. }
            | ExprKind::Interface { .. } => {}
            ExprKind::HashMapLit(xs) => {
                for x in xs {
                    self.walk(x);
                }
            }
            ExprKind::Seal(x) => self.walk(x),
            ExprKind::Implement {
                iface,
                target,
                adapter,
            } => {
                self.walk(iface);
                self.walk(target);
                let cname = adapter.path.join("/");
                if let Some(ctor) = &adapter.ctor {
                    self.walk_fn(ctor, format!("{cname}.ctor"));
                }
                for (m, f) in &adapter.methods {
                    self.walk_fn(f, format!("{cname}.{m}"));
                }
            }
            ExprKind::Export(names) => {
                for (_, read) in names.iter() {
                    if let Some(r) = read {
                        self.walk(r);
                    }
                }
            }
            ExprKind::Var { pattern, value } => {
                if let Some(v) = value {
                    self.walk(v);
                }
                self.walk_pattern(pattern);
            }
            ExprKind::Assign { place, value, .. } => {
                match place {
                    Place::Var(v) => {
                        let name = self.unit.vars[*v as usize].name.clone();
                        let offset = self.find_in(e.span, &name);
                        let res = self.resolution(*v);
                        self.push_ref(offset, &format!("{name} (assign)"), res);
                    }
                    Place::Undefined(name) => {
                        let offset = self.find_in(e.span, name);
                        self.push_ref(
                            offset,
                            &format!("{name} (assign)"),
                            format!("undefined {name}"),
                        );
                    }
                    Place::Path { base, segs } => {
                        self.walk(base);
                        self.walk_segments(segs, base.span);
                    }
                }
                self.walk(value);
            }
            ExprKind::If {
                branches,
                else_branch,
            } => {
                for (cond, r, body) in branches {
                    self.walk(cond);
                    let label = format!("if-branch @{}", self.pos(cond.span.start as usize));
                    self.label_region(*r, label);
                    self.walk_body(body);
                }
                if let Some((r, body)) = else_branch {
                    let label = format!("else @{}", self.pos(start));
                    self.label_region(*r, label);
                    self.walk_body(body);
                }
            }
            ExprKind::Do(body) | ExprKind::Loop(body, _) => self.walk_body(body),
            ExprKind::While(cond, body, _) => {
                self.walk(cond);
                self.walk_body(body);
            }
            ExprKind::For {
                vars,
                iter,
                region,
                body,
                ..
            } => {
                self.walk(iter);
                let label = format!("for @{}", self.pos(start));
                self.label_region(*region, label);
                for p in vars {
                    self.walk_pattern(p);
                }
                self.walk_body(body);
            }
            ExprKind::Repeat {
                count,
                region,
                body,
                ..
            } => {
                self.walk(count);
                let label = format!("repeat @{}", self.pos(start));
                self.label_region(*region, label);
                self.walk_body(body);
            }
            ExprKind::Case {
                target,
                whens,
                else_branch,
            } => {
                self.walk(target);
                for (pat, r, body) in whens {
                    let at = match pat {
                        WhenPat::Value(v) | WhenPat::Variant { ctor: v, .. } => {
                            self.walk(v);
                            v.span.start as usize
                        }
                        WhenPat::Any => start,
                    };
                    let label = format!("when @{}", self.pos(at));
                    self.label_region(*r, label);
                    self.walk_body(body);
                }
                if let Some((r, body)) = else_branch {
                    let label = format!("case-else @{}", self.pos(start));
                    self.label_region(*r, label);
                    self.walk_body(body);
                }
            }
            ExprKind::Break(v, _)
            | ExprKind::Return(v)
            | ExprKind::Throw(v)
            | ExprKind::Yield(v) => {
                if let Some(v) = v {
                    self.walk(v);
                }
            }
            ExprKind::Fn(def) => {
                let name = self.anon_name(def);
                self.walk_fn(def, name);
            }
            ExprKind::NamedFn { path, def } => {
                let name = path.join("/");
                self.push_ref(start, &format!("def fn {name}"), "namespace member".into());
                self.walk_fn(def, name);
            }
            ExprKind::Try {
                body,
                catches,
                finally,
            } => {
                self.walk_body(body);
                for c in catches {
                    let label = format!("catch @{}", self.pos(c.span.start as usize));
                    self.label_region(c.region, label);
                    if let CatchPattern::Class(cls) = &c.pattern {
                        self.walk(cls);
                    }
                    self.walk_body(&c.body);
                }
                if let Some(f) = finally {
                    self.walk_body(f);
                }
            }
            ExprKind::Class(def) => {
                let cname = def.path.join("/");
                self.push_ref(
                    start,
                    &format!("def class {cname}"),
                    "namespace member".into(),
                );
                if let Some(p) = &def.parent {
                    self.walk(p);
                }
                if let Some(ctor) = &def.ctor {
                    self.walk_fn(ctor, format!("{cname}.ctor"));
                }
                for (m, f) in &def.methods {
                    self.walk_fn(f, format!("{cname}.{m}"));
                }
                for (m, f) in &def.fns {
                    self.walk_fn(f, format!("{cname}/{m}"));
                }
            }
            ExprKind::New { class, args } => {
                self.walk(class);
                self.walk_args(args);
            }
            ExprKind::Ns { path, body } => {
                let name = path.join("/");
                self.push_ref(start, &format!("def ns {name}"), "namespace member".into());
                self.walk_fn(body, format!("ns {name}"));
            }
            ExprKind::Await { futures, timeout } => {
                self.walk_body(futures);
                if let Some(t) = timeout {
                    self.walk(t);
                }
            }
            ExprKind::Range(a, b, step) => {
                self.walk(a);
                self.walk(b);
                if let Some(s) = step {
                    self.walk(s);
                }
            }
        }
    }
}

fn render(src: &str) -> String {
    let parsed = parse(src);
    let unit = lower_program(&parsed.forms, &LowerOptions::default());
    let mut w = Walker {
        src,
        unit: &unit,
        fn_names: BTreeMap::new(),
        regions: BTreeMap::new(),
        refs: Vec::new(),
        fn_stack: Vec::new(),
        used_outside: Vec::new(),
    };
    let main = unit.main.as_ref().expect("a main function");
    w.walk_fn(main, "<main>".into());

    let mut out = String::from("regions:\n");
    for (id, r) in unit.regions.iter().enumerate() {
        let label = w
            .regions
            .get(&(id as RegionId))
            .cloned()
            .unwrap_or_else(|| "unreached (inside a rejected form)".into());
        let parent = r.parent.map_or("-".to_string(), |p| format!("#{p}"));
        let _ = writeln!(out, "  #{id} {label} (parent {parent})");
    }
    out.push_str("vars:\n");
    for (id, v) in unit.vars.iter().enumerate() {
        let how = if v.captured { "captured" } else { "slot" };
        let _ = write!(
            out,
            "  {} in {} region #{} {how}",
            w.var_label(id as VarId),
            w.fn_name(v.owner_fn),
            v.region
        );
        if v.captured && !w.used_outside.contains(&(id as VarId)) {
            out.push_str(" !! no nested function uses it");
        }
        out.push('\n');
    }
    out.push_str("refs:\n");
    let mut refs = std::mem::take(&mut w.refs);
    // Stable: references at one offset keep walk order; chained comparisons
    // duplicate their middle operands in the HIR, so identical lines collapse.
    refs.sort_by_key(|(o, _)| *o);
    refs.dedup();
    for (_, line) in refs {
        let _ = writeln!(out, "  {line}");
    }
    out.push_str("errors:\n");
    for e in parsed
        .errors
        .iter()
        .map(|e| ("reader", e))
        .chain(unit.errors.iter().map(|e| ("compile", e)))
    {
        let (kind, err) = e;
        let _ = writeln!(
            out,
            "  {} {kind}: {}",
            w.pos(err.span.start as usize),
            err.message
        );
    }
    out
}

#[test]
fn resolver_fixtures() {
    for (name, src) in common::fixtures("resolver", 20) {
        let rendered = render(&src);
        insta::with_settings!({ description => src.as_str(), omit_expression => true }, {
            insta::assert_snapshot!(name, rendered);
        });
    }
}
