//! HIR -> bytecode. Non-captured variables live in frame slots; captured ones in
//! heap scopes pushed when their region is entered.
//!
//! This module holds the [`Emitter`] state, function prologues, variable storage
//! and regions, the expression dispatch and literals; control flow lives in
//! `control` and data/places (patterns, assignment, classes) in `data`.

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;

use super::chunk::*;
use super::hir::*;
use crate::syntax::{Node, NodeKind, Span};
use crate::vm::value::{EnumDef, GeneObj, Interner, PropMap, RegexObj, Sym, Value, VariantDef};

mod control;
mod data;
mod values;

pub use values::node_to_value;

#[derive(Clone, Copy)]
enum Storage {
    Slot(u32),
    Heap(RegionId, u16),
}

/// Things between the current code and an enclosing loop or function exit
/// that `break`/`continue`/`return` must undo.
enum Ctl<'a> {
    Region,
    Loop {
        sp_slot: u32,
        continue_target: Option<usize>,
        continue_patches: Vec<usize>,
        break_patches: Vec<usize>,
        /// `loop` keeps a break value; others push nil at their exit.
        keeps_value: bool,
        /// The `^name` label (2.2).
        label: Option<&'a str>,
    },
    TryBody(Option<&'a [Expr]>),
    Catch(Option<&'a [Expr]>, bool),
    AsyncBody,
}

/// The `^index` variable and the `^total` variable with the slot holding the count.
#[derive(Clone, Copy)]
struct RepeatVars {
    index: Option<VarId>,
    total: Option<(VarId, u32)>,
}

struct FnState<'a> {
    chunk: Chunk,
    storage: HashMap<VarId, Storage>,
    nslots: u32,
    /// Current scope region.
    region: RegionId,
    ctl: Vec<Ctl<'a>>,
    is_async: bool,
    name_index: HashMap<u32, u32>,
    /// The last code position some jump lands on (peepholes must not cross it).
    barrier: usize,
    /// Heap-scope layout index per region of this function.
    layouts: HashMap<RegionId, u32>,
    /// Index in `chunk.locals` of each variable's debug info.
    local_of: HashMap<VarId, usize>,
    name: String,
    /// The `CheckTop` type of the return annotation, if any.
    ret_check: Option<u32>,
    /// The function, when it has postconditions (every return checks them).
    post: Option<&'a FnDef>,
}

pub struct Emitter<'u> {
    unit: &'u Unit,
    interner: &'u mut Interner,
    file: FileId,
    heap_regions: Vec<bool>,
    heap_index: HashMap<VarId, u16>,
    fns: Vec<FnState<'u>>,
    span: Span,
    /// Enclosing namespaces and classes (qualified function names).
    qual: Vec<String>,
    /// The path a `(fn a/b ...)` defines, for the function emitted next.
    fn_path: Option<String>,
    /// Set for a namespace body: its functions are qualified by the namespace.
    ns_enter: Option<String>,
}

pub fn emit_unit(unit: &Unit, interner: &mut Interner, file: FileId) -> Option<Rc<FnProto>> {
    let main = unit.main.clone()?;
    let mut heap_regions = vec![false; unit.regions.len()];
    let mut heap_index = HashMap::new();
    for (r, info) in unit.regions.iter().enumerate() {
        let mut n = 0u16;
        for v in &info.vars {
            if unit.vars[*v as usize].captured {
                heap_regions[r] = true;
                heap_index.insert(*v, n);
                n += 1;
            }
        }
    }
    let mut e = Emitter {
        unit,
        interner,
        file,
        heap_regions,
        heap_index,
        fns: Vec::new(),
        span: main.span,
        qual: Vec::new(),
        fn_path: None,
        ns_enter: None,
    };
    Some(e.function(&main, false))
}

impl<'u> Emitter<'u> {
    fn st(&mut self) -> &mut FnState<'u> {
        let n = self.fns.len() - 1;
        &mut self.fns[n]
    }

    fn emit(&mut self, op: Op) -> usize {
        let span = self.span;
        let c = &mut self.st().chunk;
        c.code.push(op);
        c.spans.push(span);
        c.code.len() - 1
    }

    fn here(&mut self) -> usize {
        self.st().chunk.code.len()
    }

    /// A position that a jump will land on.
    fn label(&mut self) -> usize {
        let h = self.here();
        self.st().barrier = h;
        h
    }

    fn sym(&mut self, s: &str) -> Sym {
        self.interner.intern(s)
    }

    fn name(&mut self, s: &str) -> u32 {
        let sym = self.sym(s);
        let id = sym.id();
        if let Some(i) = self.st().name_index.get(&id) {
            return *i;
        }
        let c = &mut self.st().chunk;
        c.names.push(sym);
        c.global_cache.push(Cell::new(u32::MAX));
        let i = (c.names.len() - 1) as u32;
        self.st().name_index.insert(id, i);
        i
    }

    fn konst(&mut self, v: Value) -> u32 {
        let c = &mut self.st().chunk;
        c.consts.push(v);
        (c.consts.len() - 1) as u32
    }

    fn new_slot(&mut self) -> u32 {
        let st = self.st();
        st.nslots += 1;
        st.nslots - 1
    }

    fn function(&mut self, def: &'u FnDef, is_method: bool) -> Rc<FnProto> {
        let own = self.fn_path.take().unwrap_or_else(|| def.name.clone());
        let qualified = if self.qual.is_empty() {
            own
        } else {
            format!("{}/{own}", self.qual.join("/"))
        };
        let entered = self.ns_enter.take();
        if let Some(q) = &entered {
            self.qual.push(q.clone());
        }
        self.fns.push(FnState {
            chunk: Chunk::default(),
            storage: HashMap::new(),
            nslots: 0,
            region: def.region,
            ctl: Vec::new(),
            is_async: def.is_async,
            name_index: HashMap::new(),
            barrier: 0,
            layouts: HashMap::new(),
            local_of: HashMap::new(),
            name: def.name.clone(),
            ret_check: None,
            post: def.result_var.is_some().then_some(def),
        });
        let saved_span = self.span;
        self.span = def.span;
        // Parameter slots first (self, then parameters), in binding order.
        let mut params = Vec::new();
        let mut param_vars: Vec<VarId> = Vec::new();
        if let Some(sv) = def.self_var {
            param_vars.push(sv);
        }
        for p in &def.params {
            param_vars.push(p.var);
        }
        for v in &param_vars {
            let slot = self.new_slot();
            self.st().storage.insert(*v, Storage::Slot(slot));
        }
        for (i, p) in def.params.iter().enumerate() {
            let slot = i as u32 + def.self_var.is_some() as u32;
            let name = self.sym(&p.name);
            params.push(ParamInfo {
                name,
                slot,
                keyword: p.keyword,
                rest: p.rest,
                has_default: p.default.is_some(),
            });
        }
        // Heap scope of the body region.
        if self.heap_regions[def.region as usize] {
            let n = self.heap_count(def.region);
            if self.unit.repl && self.fns.len() == 1 {
                self.emit(Op::ExtendEnv(n));
            } else {
                let l = self.layout(def.region);
                self.emit(Op::PushEnv(l));
            }
        }
        if let Some(sv) = def.self_var {
            self.move_param_to_env(sv, 0);
        }
        for (i, p) in def.params.iter().enumerate() {
            let slot = i as u32 + def.self_var.is_some() as u32;
            if let Some(d) = &p.default {
                let j = self.emit(Op::JumpIfProvided(slot, 0));
                self.expr(d);
                self.emit(Op::StoreLocal(slot));
                self.patch(j);
            }
            // Annotated parameters only: unannotated ones cost nothing (later 3.3).
            if let Some(t) = &p.ty {
                let i = self.add_type(t.clone(), p.name.clone(), false);
                self.emit(Op::LoadLocal(slot));
                self.emit(Op::CheckTop(i));
                self.emit(Op::StoreLocal(slot));
            }
            self.move_param_to_env(p.var, slot);
        }
        if let Some(t) = &def.ret {
            let ctx = format!("return value of {}", def.name);
            let i = self.add_type(t.clone(), ctx, false);
            self.st().ret_check = Some(i);
        }
        // With pattern parameters the conditions run after the destructuring
        // (`fn_body`), so they can read the names it binds.
        if def.prologue == 0 {
            self.pre_checks(def);
        }
        for v in &param_vars {
            self.note_local(*v, true);
        }
        self.assign_storage(def.region);
        if def.is_async {
            let h = self.emit(Op::PushHandler(0));
            self.st().ctl.push(Ctl::AsyncBody);
            self.fn_body(def);
            if let Some(i) = self.st().ret_check {
                self.emit(Op::CheckTop(i));
            }
            self.st().ctl.pop();
            self.emit(Op::PopHandler);
            self.emit(Op::AsyncOk);
            self.emit(Op::Return);
            self.patch(h);
            self.emit(Op::AsyncErr);
            self.emit(Op::Return);
        } else {
            self.fn_body(def);
            if let Some(i) = self.st().ret_check {
                self.emit(Op::CheckTop(i));
            }
            self.emit_post();
            self.emit(Op::Return);
        }
        self.span = saved_span;
        if entered.is_some() {
            self.qual.pop();
        }
        let mut st = self.fns.pop().expect("function state");
        let end = st.chunk.code.len() as u32;
        for l in &mut st.chunk.locals {
            l.end = l.end.min(end);
        }
        // A jump to a `Return` returns directly.
        for i in 0..st.chunk.code.len() {
            if let Op::Jump(t) = st.chunk.code[i] {
                if st.chunk.code.get(t as usize) == Some(Op::Return) {
                    st.chunk.code[i] = Op::Return;
                }
            }
        }
        // A call right before `Return` is in tail position (branch ends jump to the
        // `Return`, rewritten above; try bodies, loops and async bodies never end in one).
        // `<main>` keeps its frame (the REPL's root scope and the debugger rely on it).
        if !def.is_async && !def.is_generator && def.name != "<main>" {
            for i in 0..st.chunk.code.len().saturating_sub(1) {
                if st.chunk.code[i + 1] == Op::Return {
                    st.chunk.code[i] = match st.chunk.code[i] {
                        Op::Call(n) => Op::TailCall(n),
                        Op::CallGlobal(g, n) => Op::TailCallGlobal(g, n),
                        Op::CallGlobalLocalInt(g, s, op, k) => {
                            Op::TailCallGlobalLocalInt(g, s, op, k)
                        }
                        other => other,
                    };
                }
            }
        }
        // `LoadLocal; Return` and `Binary; Return` fuse (the `Return` stays for jumps to it).
        for i in 0..st.chunk.code.len().saturating_sub(1) {
            if st.chunk.code[i + 1] == Op::Return {
                st.chunk.code[i] = match st.chunk.code[i] {
                    Op::LoadLocal(s) => Op::ReturnLocal(s),
                    Op::Binary(op) => Op::BinaryReturn(op),
                    other => other,
                };
            }
        }
        let required = def
            .params
            .iter()
            .filter(|p| !p.keyword && !p.rest && p.default.is_none())
            .count();
        let simple = def
            .params
            .iter()
            .all(|p| !p.keyword && !p.rest && p.default.is_none());
        let fast_argc = if simple && !def.is_generator {
            u16::try_from(def.params.len()).unwrap_or(u16::MAX)
        } else {
            u16::MAX
        };
        let annotations =
            (def.ret.is_some() || def.params.iter().any(|p| p.ty.is_some())).then(|| {
                Box::new(crate::compile::chunk::FnAnnotations {
                    params: def.params.iter().map(|p| p.ty.clone()).collect(),
                    ret: def.ret.clone(),
                })
            });
        Rc::new(FnProto {
            annotations,
            fast_argc,
            name: def.name.clone(),
            qualified,
            file: self.file,
            span: def.span,
            chunk: st.chunk,
            params,
            required,
            simple,
            nslots: st.nslots,
            is_async: def.is_async,
            is_generator: def.is_generator,
            is_method,
            intent: def.intent.clone(),
            examples: def
                .examples
                .as_ref()
                .map(|n| node_to_value(self.interner, n)),
        })
    }

    /// The layout (variable names) of a region's heap scope, by index in the chunk.
    fn layout(&mut self, region: RegionId) -> u32 {
        if let Some(i) = self.st().layouts.get(&region) {
            return *i;
        }
        let mut names = Vec::new();
        for v in &self.unit.regions[region as usize].vars {
            let info = &self.unit.vars[*v as usize];
            if info.captured {
                names.push(self.interner.intern(&info.name));
            }
        }
        let function = self.unit_fn_name();
        let st = self.st();
        st.chunk
            .layouts
            .push(Rc::new(ScopeLayout { names, function }));
        let i = (st.chunk.layouts.len() - 1) as u32;
        st.layouts.insert(region, i);
        i
    }

    fn unit_fn_name(&self) -> String {
        self.fns.last().map(|f| f.name.clone()).unwrap_or_default()
    }

    /// Records where a variable of this function lives, for the debugger.
    fn note_local(&mut self, var: VarId, is_param: bool) {
        let storage = match self.st().storage.get(&var).copied() {
            Some(Storage::Slot(s)) => LocalStorage::Slot(s),
            Some(Storage::Heap(region, idx)) => {
                let l = self.layout(region) as usize;
                LocalStorage::Heap(self.st().chunk.layouts[l].clone(), idx)
            }
            None => return,
        };
        let info = &self.unit.vars[var as usize];
        let name = self.interner.intern(&info.name);
        let decl = if is_param { 0 } else { info.span.start };
        let start = self.here() as u32;
        let st = self.st();
        st.local_of.insert(var, st.chunk.locals.len());
        st.chunk.locals.push(LocalInfo {
            name,
            storage,
            start,
            end: u32::MAX,
            decl,
            is_param,
        });
    }

    /// Marks the start of a statement (breakpoints and steps stop here).
    fn stmt_start(&mut self, e: &Expr) {
        let here = self.here() as u32;
        let stmts = &mut self.st().chunk.stmts;
        if stmts.last().is_some_and(|s| s.0 >= here) {
            return;
        }
        stmts.push((here, e.span.start));
    }

    fn heap_count(&self, region: RegionId) -> u32 {
        self.unit.regions[region as usize]
            .vars
            .iter()
            .filter(|v| self.unit.vars[**v as usize].captured)
            .count() as u32
    }

    fn move_param_to_env(&mut self, var: VarId, slot: u32) {
        if self.unit.vars[var as usize].captured {
            let region = self.unit.vars[var as usize].region;
            let idx = self.heap_index.get(&var).copied().unwrap_or(0);
            self.emit(Op::SlotToEnv(slot, idx));
            self.st().storage.insert(var, Storage::Heap(region, idx));
        }
    }

    /// Decide where each (not yet placed) variable of a region lives.
    fn assign_storage(&mut self, region: RegionId) {
        let vars = self.unit.regions[region as usize].vars.clone();
        for v in vars {
            if self.st().storage.contains_key(&v) {
                continue;
            }
            let s = if self.unit.vars[v as usize].captured {
                Storage::Heap(region, self.heap_index.get(&v).copied().unwrap_or(0))
            } else {
                Storage::Slot(self.new_slot())
            };
            self.st().storage.insert(v, s);
            self.note_local(v, false);
        }
    }

    fn enter_region(&mut self, region: RegionId) -> RegionId {
        let prev = self.st().region;
        self.st().region = region;
        self.assign_storage(region);
        if self.heap_regions[region as usize] {
            let l = self.layout(region);
            self.emit(Op::PushEnv(l));
            self.st().ctl.push(Ctl::Region);
        }
        prev
    }

    fn leave_region(&mut self, region: RegionId, prev: RegionId) {
        if self.heap_regions[region as usize] {
            self.emit(Op::PopEnv(1));
            self.st().ctl.pop();
        }
        self.st().region = prev;
        // The region's variables are out of scope from here on.
        let here = self.here() as u32;
        let n = self.fns.len() - 1;
        let st = &mut self.fns[n];
        for v in &self.unit.regions[region as usize].vars {
            if let Some(i) = st.local_of.get(v) {
                st.chunk.locals[*i].end = here;
            }
        }
    }

    /// Number of heap scopes between the current region and `target`.
    fn hops(&self, target: RegionId) -> u16 {
        let mut r = Some(self.fns[self.fns.len() - 1].region);
        let mut hops = 0u16;
        while let Some(cur) = r {
            if cur == target {
                break;
            }
            if self.heap_regions[cur as usize] {
                hops += 1;
            }
            r = self.unit.regions[cur as usize].parent;
        }
        hops
    }

    fn storage_of(&mut self, var: VarId) -> Storage {
        if let Some(s) = self.st().storage.get(&var) {
            return *s;
        }
        let info = &self.unit.vars[var as usize];
        Storage::Heap(info.region, self.heap_index.get(&var).copied().unwrap_or(0))
    }

    fn load_var(&mut self, var: VarId) {
        match self.storage_of(var) {
            Storage::Slot(s) => {
                self.emit(Op::LoadLocal(s));
            }
            Storage::Heap(region, idx) => {
                let h = self.hops(region);
                self.emit(Op::LoadEnv(h, idx));
            }
        }
    }

    /// Store the value on top of the stack into a variable (pops it).
    fn store_var(&mut self, var: VarId) {
        match self.storage_of(var) {
            Storage::Slot(s) => {
                self.emit(Op::StoreLocal(s));
            }
            Storage::Heap(region, idx) => {
                let h = self.hops(region);
                self.emit(Op::StoreEnv(h, idx));
            }
        }
    }

    /// `^pre` conditions (later 6.1), skipped when contracts are off.
    fn pre_checks(&mut self, def: &'u FnDef) {
        if def.pre.is_empty() {
            return;
        }
        let skip = self.emit(Op::ContractsOff(0));
        for (i, (cond, text)) in def.pre.iter().enumerate() {
            self.expr(cond);
            let ok = self.emit(Op::JumpIfTrue(0));
            self.contract_fail(def, "pre", i + 1, text);
            self.patch(ok);
        }
        self.patch(skip);
    }

    /// A function's body; a destructuring prologue runs before the `^pre` checks.
    fn fn_body(&mut self, def: &'u FnDef) {
        let n = def.prologue.min(def.body.len());
        if n == 0 {
            return self.body(&def.body);
        }
        for e in &def.body[..n] {
            self.stmt_start(e);
            self.expr(e);
            self.emit_pop();
        }
        self.pre_checks(def);
        // An empty body (only the prologue) is nil.
        self.body(&def.body[n..]);
    }

    fn body(&mut self, exprs: &'u [Expr]) {
        if exprs.is_empty() {
            self.emit(Op::Nil);
            return;
        }
        for (i, e) in exprs.iter().enumerate() {
            self.stmt_start(e);
            self.expr(e);
            if i + 1 < exprs.len() {
                self.emit_pop();
            }
        }
    }

    /// `(x + k)` / `(x - k)` with x in a frame slot and k a small Int literal.
    fn local_int_arith(&mut self, e: &Expr) -> Option<(u16, BinOp, i32)> {
        let ExprKind::Binary(op @ (BinOp::Add | BinOp::Sub), a, b) = &e.kind else {
            return None;
        };
        let (slot, k) = self.local_and_small_int(a, b)?;
        Some((u16::try_from(slot).ok()?, *op, k))
    }

    /// The `else` branch (or nil) of an if/case, then every branch's jump to the end.
    fn close_branches(&mut self, else_branch: Option<&'u (RegionId, Vec<Expr>)>, ends: Vec<usize>) {
        match else_branch {
            Some((r, body)) => self.region_body(*r, body),
            None => {
                self.emit(Op::Nil);
            }
        }
        for j in ends {
            self.patch(j);
        }
    }

    fn region_body(&mut self, region: RegionId, exprs: &'u [Expr]) {
        let prev = self.enter_region(region);
        self.body(exprs);
        self.leave_region(region, prev);
    }

    fn call_info(&mut self, args: &'u CallArgs, name: Option<&str>) -> (u16, bool, u32) {
        let (n, spread, any) = self.items(&args.pos);
        let mut kw = Vec::new();
        for (k, v) in &args.kw {
            self.expr(v);
            kw.push(self.sym(k));
        }
        let complex = any || !kw.is_empty();
        let name = name.map(|n| self.sym(n));
        let c = &mut self.st().chunk;
        c.call_infos.push(CallInfo {
            argc: n as u16,
            spread,
            kw,
            name,
        });
        (n as u16, complex, (c.call_infos.len() - 1) as u32)
    }

    pub fn expr(&mut self, e: &'u Expr) {
        let saved = self.span;
        self.span = e.span;
        self.expr_inner(e);
        self.span = saved;
    }

    fn expr_inner(&mut self, e: &'u Expr) {
        match &e.kind {
            ExprKind::Lit(l) => self.lit(l),
            ExprKind::Name(NameRes::Var(v), _) => self.load_var(*v),
            ExprKind::Name(NameRes::Global(g), _) => {
                let i = self.name(g);
                self.emit(Op::LoadGlobal(i));
            }
            ExprKind::SelfRef => {
                self.emit(Op::LoadSelfOrNil);
            }
            ExprKind::Special(s) => {
                let code = match s.as_str() {
                    "$ex" => 0,
                    "$env" => 1,
                    "$args" => 2,
                    "$cmd_args" => 3,
                    "$program" => 4,
                    "$duration_start" => 6,
                    "$duration" => 7,
                    "$pkg" => 8,
                    "$app" => 9,
                    _ => 5,
                };
                self.emit(Op::Special(code));
            }
            ExprKind::TypeValue(ty) => {
                let k = self.konst(Value::Type(Rc::new(ty.clone())));
                self.emit(Op::Const(k));
            }
            ExprKind::Quote(node) => {
                let v = self.node_to_value(node);
                let k = self.konst(v);
                self.emit(Op::Quote(k));
            }
            ExprKind::Array(items) => {
                let (n, spread, any) = self.items(items);
                if any {
                    let c = &mut self.st().chunk;
                    c.call_infos.push(CallInfo {
                        argc: n as u16,
                        spread,
                        kw: Vec::new(),
                        name: None,
                    });
                    let i = (c.call_infos.len() - 1) as u32;
                    self.emit(Op::MakeArrayEx(i));
                } else {
                    self.emit(Op::MakeArray(n));
                }
            }
            ExprKind::Map(entries) => {
                let keys = self.map_entries(entries);
                let c = &mut self.st().chunk;
                c.key_lists.push(keys);
                let i = (c.key_lists.len() - 1) as u32;
                self.emit(Op::MakeMap(i));
            }
            ExprKind::GeneData {
                head,
                props,
                children,
            } => {
                self.expr(head);
                let keys = self.map_entries(props);
                let (_, spread, _) = self.items(children);
                let c = &mut self.st().chunk;
                c.gene_infos.push(GeneInfo {
                    props: keys,
                    children: spread,
                });
                let i = (c.gene_infos.len() - 1) as u32;
                self.emit(Op::MakeGene(i));
            }
            ExprKind::Path { base, segs } => {
                self.expr(base);
                for s in segs {
                    self.segment(s);
                }
            }
            ExprKind::Call { callee, args } => {
                if let ExprKind::Name(NameRes::Global(g), _) = &callee.kind {
                    let simple = args.kw.is_empty()
                        && args.pos.iter().all(|a| matches!(a, Item::One(_)))
                        && args.pos.len() < u16::MAX as usize;
                    if simple {
                        let n = self.name(g);
                        if let [Item::One(arg)] = args.pos.as_slice() {
                            if let Some((slot, op, k)) = self.local_int_arith(arg) {
                                self.emit(Op::CallGlobalLocalInt(n, slot, op, k));
                                return;
                            }
                        }
                        for a in &args.pos {
                            if let Item::One(e) = a {
                                self.expr(e);
                            }
                        }
                        self.emit(Op::CallGlobal(n, args.pos.len() as u16));
                        return;
                    }
                }
                self.expr(callee);
                let (argc, complex, info) = self.call_info(args, None);
                if complex {
                    self.emit(Op::CallEx(info));
                } else {
                    self.emit(Op::Call(argc));
                }
            }
            ExprKind::MethodCall { recv, name, args } => {
                self.expr(recv);
                let (argc, complex, info) = self.call_info(args, Some(name));
                if complex {
                    self.emit(Op::CallMethodEx(info));
                } else {
                    let n = self.name(name);
                    self.emit(Op::CallMethod(n, argc));
                }
            }
            ExprKind::Binary(op, a, b) => {
                if let Some((slot, k)) = self.local_and_small_int(a, b) {
                    if matches!(
                        op,
                        BinOp::Add
                            | BinOp::Sub
                            | BinOp::Mul
                            | BinOp::Lt
                            | BinOp::Le
                            | BinOp::Gt
                            | BinOp::Ge
                            | BinOp::Eq
                            | BinOp::Ne
                    ) {
                        self.emit(Op::LocalIntOp(slot, *op, k));
                        return;
                    }
                }
                self.expr(a);
                self.expr(b);
                self.emit(Op::Binary(*op));
            }
            ExprKind::Not(a) => {
                self.expr(a);
                self.emit(Op::Not);
            }
            ExprKind::Neg(a) => {
                self.expr(a);
                self.emit(Op::Neg);
            }
            ExprKind::Var { pattern, value } => {
                match value {
                    Some(v) => self.expr(v),
                    None => {
                        self.emit(Op::Nil);
                    }
                }
                if let Pattern::Var(v) = pattern {
                    self.check_var_type(*v);
                }
                self.emit(Op::Dup);
                self.bind_pattern(pattern);
            }
            ExprKind::Assign { place, op, value } => self.assign(place, *op, value),
            ExprKind::If {
                branches,
                else_branch,
            } => {
                let mut ends = Vec::new();
                for (cond, region, body) in branches {
                    let j = self.jump_if_false(cond);
                    self.region_body(*region, body);
                    ends.push(self.emit(Op::Jump(0)));
                    self.patch(j);
                }
                self.close_branches(else_branch.as_ref(), ends);
            }
            ExprKind::Do(body) => self.body(body),
            ExprKind::Loop(body, label) => {
                let sp = self.new_slot();
                self.save_sp(sp);
                let start = self.label();
                self.push_loop(sp, Some(start), true, label.as_deref());
                for x in body {
                    self.stmt_start(x);
                    self.expr(x);
                    self.emit_pop();
                }
                self.emit(Op::Jump(start as u32));
                self.pop_loop(None);
            }
            ExprKind::While(cond, body, label) => {
                let sp = self.new_slot();
                self.save_sp(sp);
                let start = self.label();
                let exit = self.jump_if_false(cond);
                self.push_loop(sp, Some(start), false, label.as_deref());
                for x in body {
                    self.stmt_start(x);
                    self.expr(x);
                    self.emit_pop();
                }
                self.emit(Op::Jump(start as u32));
                self.patch(exit);
                self.pop_loop(None);
            }
            ExprKind::For {
                vars,
                iter,
                region,
                body,
                label,
            } => {
                self.expr(iter);
                self.emit(Op::IterInit);
                self.for_loop(vars, *region, body, label.as_deref(), None);
            }
            ExprKind::Repeat {
                count,
                region,
                body,
                label,
                index,
                total,
            } => {
                self.expr(count);
                let total = total.map(|t| {
                    let tmp = self.new_slot();
                    // `^total` is the count after truncation (2.3).
                    self.emit(Op::TruncCount);
                    self.emit(Op::Dup);
                    self.emit(Op::StoreLocal(tmp));
                    (t, tmp)
                });
                self.emit(Op::Repeat);
                let rep = RepeatVars {
                    index: *index,
                    total,
                };
                self.for_loop(&[], *region, body, label.as_deref(), Some(rep));
            }
            ExprKind::Case {
                target,
                whens,
                else_branch,
            } => {
                let t = self.new_slot();
                self.expr(target);
                self.emit(Op::StoreLocal(t));
                let mut ends = Vec::new();
                for (pat, region, body) in whens {
                    match pat {
                        WhenPat::Value(v) => {
                            self.emit(Op::LoadLocal(t));
                            self.expr(v);
                            self.emit(Op::Binary(BinOp::Eq));
                            let j = self.emit(Op::JumpIfFalse(0));
                            self.region_body(*region, body);
                            ends.push(self.emit(Op::Jump(0)));
                            self.patch(j);
                        }
                        WhenPat::Any => {
                            self.region_body(*region, body);
                            ends.push(self.emit(Op::Jump(0)));
                        }
                        WhenPat::Variant { ctor, binds } => {
                            self.emit(Op::LoadLocal(t));
                            self.expr(ctor);
                            let n = u16::try_from(binds.len()).unwrap_or(u16::MAX);
                            let j = self.emit(Op::MatchVariant(0, n));
                            let prev = self.enter_region(*region);
                            for b in binds.iter().rev() {
                                match b {
                                    Some(v) => self.store_var(*v),
                                    None => {
                                        self.emit(Op::Pop);
                                    }
                                }
                            }
                            self.body(body);
                            self.leave_region(*region, prev);
                            ends.push(self.emit(Op::Jump(0)));
                            self.patch(j);
                        }
                    }
                }
                self.close_branches(else_branch.as_ref(), ends);
            }
            ExprKind::Break(v, label) => self.break_(v.as_deref(), label.as_deref()),
            ExprKind::Continue(label) => self.continue_(label.as_deref()),
            ExprKind::Return(v) => self.return_(v.as_deref()),
            ExprKind::Fn(def) => {
                let p = self.function(def, false);
                let c = &mut self.st().chunk;
                c.protos.push(p);
                let i = (c.protos.len() - 1) as u32;
                self.emit(Op::Closure(i));
            }
            ExprKind::NamedFn { path, def } => {
                self.fn_path = Some(path.join("/"));
                let p = self.function(def, false);
                let c = &mut self.st().chunk;
                c.protos.push(p);
                let i = (c.protos.len() - 1) as u32;
                self.emit(Op::Closure(i));
                self.define(path);
            }
            ExprKind::Try {
                body,
                catches,
                finally,
            } => self.try_(body, catches, finally.as_deref()),
            ExprKind::Throw(v) => {
                match v {
                    Some(v) => self.expr(v),
                    None => {
                        self.emit(Op::Nil);
                    }
                }
                self.emit(Op::Throw);
            }
            ExprKind::Class(def) => self.class(def),
            ExprKind::New { class, args } => {
                self.expr(class);
                let (_, _, info) = self.call_info(args, None);
                self.emit(Op::New(info));
            }
            ExprKind::Ns { path, body } => {
                self.fn_path = Some(path.join("/"));
                self.ns_enter = Some(path.join("/"));
                let p = self.function(body, false);
                let c = &mut self.st().chunk;
                c.protos.push(p);
                let i = (c.protos.len() - 1) as u32;
                self.emit(Op::Closure(i));
                let keys: Vec<Sym> = path.iter().map(|s| self.sym(s)).collect();
                let c = &mut self.st().chunk;
                c.key_lists.push(keys);
                let k = (c.key_lists.len() - 1) as u32;
                self.emit(Op::EnterNs(k));
            }
            ExprKind::Async(inner) => {
                let h = self.emit(Op::PushHandler(0));
                self.st().ctl.push(Ctl::TryBody(None));
                self.expr(inner);
                self.st().ctl.pop();
                self.emit(Op::PopHandler);
                self.emit(Op::AsyncOk);
                let j = self.emit(Op::Jump(0));
                self.patch(h);
                self.emit(Op::AsyncErr);
                self.patch(j);
            }
            ExprKind::Await { futures, timeout } => {
                if let Some(t) = timeout {
                    self.expr(t);
                }
                for f in futures {
                    self.expr(f);
                }
                let n = futures.len() as u16;
                if timeout.is_some() {
                    self.emit(Op::AwaitTimeout(n));
                } else {
                    self.emit(Op::Await(n));
                }
            }
            ExprKind::Yield(v) => {
                match v {
                    Some(v) => self.expr(v),
                    None => {
                        self.emit(Op::Nil);
                    }
                }
                self.emit(Op::Yield);
            }
            ExprKind::Range(a, b, step) => {
                self.expr(a);
                self.expr(b);
                if let Some(s) = step {
                    self.expr(s);
                }
                self.emit(Op::Range(step.is_some()));
            }
            ExprKind::Interface {
                path,
                methods,
                fields,
                readonly,
                ..
            } => {
                let iface = crate::vm::value::Interface {
                    name: path.join("/"),
                    methods: methods.iter().map(|m| self.interner.intern(m)).collect(),
                    fields: fields.iter().map(|f| self.interner.intern(f)).collect(),
                    readonly: readonly.iter().map(|f| self.interner.intern(f)).collect(),
                    impls: Default::default(),
                };
                let k = self.konst(Value::Interface(Rc::new(iface)));
                self.emit(Op::Const(k));
                self.define(path);
            }
            ExprKind::TypeAlias { path, ty, .. } => {
                let k = self.konst(Value::Type(Rc::new(ty.clone())));
                self.emit(Op::Const(k));
                self.define(path);
            }
            ExprKind::Implement {
                iface,
                target,
                adapter,
            } => {
                self.expr(iface);
                self.expr(target);
                self.class_value(adapter);
                self.emit(Op::Implement);
            }
            ExprKind::Seal(inner) => {
                self.expr(inner);
                self.emit(Op::Seal);
            }
            ExprKind::HashMapLit(items) => {
                for x in items {
                    self.expr(x);
                }
                self.emit(Op::MakeHashMap((items.len() / 2) as u32));
            }
            ExprKind::Super { recv, method, args } => {
                self.expr(recv);
                let (_, _, info) = self.call_info(args, Some(method));
                self.emit(Op::Super(info));
            }
            ExprKind::Import(decl) => {
                let items = decl
                    .items
                    .iter()
                    .map(|it| {
                        let path = it.path.iter().map(|s| self.interner.intern(s)).collect();
                        (path, it.alias.as_ref().map(|a| self.interner.intern(a)))
                    })
                    .collect();
                let c = &mut self.st().chunk;
                c.imports.push(ImportInfo {
                    from: decl.from.clone(),
                    pkg: decl.pkg.clone(),
                    items,
                });
                let i = (c.imports.len() - 1) as u32;
                self.emit(Op::Import(i));
            }
            ExprKind::Export(names) => {
                for (name, read) in names {
                    let n = self.name(name);
                    match read {
                        Some(r) => {
                            self.expr(r);
                            self.emit(Op::Export(n));
                        }
                        None => {
                            self.emit(Op::ExportGlobal(n));
                        }
                    }
                }
                self.emit(Op::Nil);
            }
            ExprKind::Enum(decl) => {
                let v = self.enum_value(decl);
                let k = self.konst(v);
                self.emit(Op::Const(k));
                self.define(&decl.path);
            }
            ExprKind::TryUnwrap(inner) => {
                self.expr(inner);
                let j = self.emit(Op::TryUnwrap(0));
                // Err/None: the function returns it; at the top level it is the value.
                if self.fns.len() > 1 {
                    self.return_top();
                }
                self.patch(j);
            }
            ExprKind::Invalid(msg) => {
                let k = self.konst(Value::str(msg.clone()));
                self.emit(Op::ThrowMessage(k));
            }
        }
    }
}
