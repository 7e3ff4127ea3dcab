//! Data and places: array/call items, map entries, path segments, definitions,
//! destructuring patterns, assignment targets and class construction.

use super::*;

impl<'u> Emitter<'u> {
    pub(super) fn items(&mut self, items: &'u [Item]) -> (u32, Vec<bool>, bool) {
        let mut spread = Vec::with_capacity(items.len());
        let mut any = false;
        for it in items {
            match it {
                Item::One(e) => {
                    self.expr(e);
                    spread.push(false);
                }
                Item::Spread(e) => {
                    self.expr(e);
                    spread.push(true);
                    any = true;
                }
            }
        }
        (items.len() as u32, spread, any)
    }

    pub(super) fn map_entries(&mut self, entries: &'u [MapEntry]) -> Vec<Sym> {
        let mut keys = Vec::new();
        for en in entries {
            match en {
                MapEntry::Pair(k, v) => {
                    self.expr(v);
                    keys.push(self.sym(k));
                }
                MapEntry::Spread(v) => {
                    self.expr(v);
                    keys.push(self.sym("..."));
                }
            }
        }
        keys
    }

    pub(super) fn segment(&mut self, s: &Segment) {
        match s {
            Segment::Member(m) => {
                let n = self.name(m);
                self.emit(Op::GetMember(n));
            }
            Segment::Index(i) => match i32::try_from(*i) {
                Ok(i) => {
                    self.emit(Op::GetIndex(i));
                }
                Err(_) => {
                    self.emit(Op::Pop);
                    self.emit(Op::Void);
                }
            },
            Segment::MaybeIndex(m, v) => {
                self.load_var(*v);
                let n = self.name(m);
                self.emit(Op::GetDynamic(n));
            }
            Segment::ByValue(_, v) => {
                self.load_var(*v);
                self.emit(Op::GetKey);
            }
            Segment::Method(m) => {
                let n = self.name(m);
                self.emit(Op::CallMethod(n, 0));
            }
        }
    }

    /// A `CheckTop` for an annotated variable's new value (later 3.3).
    pub(super) fn check_var_type(&mut self, v: VarId) {
        if let Some(t) = self.unit.var_types.get(&v) {
            let i = self.add_type(t.clone(), "variable".into(), true);
            self.emit(Op::CheckTop(i));
        }
    }

    pub(super) fn add_type(&mut self, t: TypeExpr, ctx: String, located: bool) -> u32 {
        let c = &mut self.st().chunk;
        c.types.push((t, ctx, located));
        (c.types.len() - 1) as u32
    }

    pub(super) fn define(&mut self, path: &[String]) {
        if path.len() == 1 {
            let n = self.name(&path[0]);
            self.emit(Op::DefineMember(n));
        } else {
            let keys: Vec<Sym> = path.iter().map(|s| self.sym(s)).collect();
            let c = &mut self.st().chunk;
            c.key_lists.push(keys);
            let k = (c.key_lists.len() - 1) as u32;
            self.emit(Op::DefineAt(k));
        }
    }

    /// Binds the value on top of the stack (popping it) to a pattern.
    pub(super) fn bind_pattern(&mut self, p: &'u Pattern) {
        match p {
            Pattern::Var(v) => self.store_var(*v),
            Pattern::Ignore => {
                self.emit(Op::Pop);
            }
            Pattern::Map(entries) => {
                for (key, var) in entries {
                    self.emit(Op::Dup);
                    let n = self.name(key);
                    self.emit(Op::GetMember(n));
                    match var {
                        Some(v) => self.store_var(*v),
                        None => {
                            self.emit(Op::Pop);
                        }
                    }
                }
                self.emit(Op::Pop);
            }
            Pattern::Array(elems) => {
                let (props, positional): (Vec<&PatElem>, Vec<&PatElem>) =
                    elems.iter().partition(|e| e.prop.is_some());
                let info = PatternInfo {
                    elems: positional
                        .iter()
                        .map(|e| (e.rest, e.default.is_some()))
                        .collect(),
                    props: props
                        .iter()
                        .map(|e| {
                            (
                                self.interner.intern(e.prop.as_deref().unwrap_or("")),
                                e.rest,
                            )
                        })
                        .collect(),
                };
                let c = &mut self.st().chunk;
                c.patterns.push(info);
                let i = (c.patterns.len() - 1) as u32;
                self.emit(Op::Destructure(i));
                // Destructure pushes a (value, provided) pair per positional element,
                // then one value per `^prop` element: bind in reverse.
                for el in props.iter().rev() {
                    match el.var {
                        Some(v) => self.store_var(v),
                        None => {
                            self.emit(Op::Pop);
                        }
                    }
                }
                for el in positional.iter().rev() {
                    // stack: ... value provided
                    match &el.default {
                        Some(d) => {
                            let skip = self.emit(Op::JumpIfTrue(0));
                            self.emit(Op::Pop);
                            self.expr(d);
                            self.patch(skip);
                        }
                        None => {
                            self.emit(Op::Pop);
                        }
                    }
                    match (&el.sub, el.var) {
                        (Some(sub), _) => self.bind_pattern(sub),
                        (None, Some(v)) => self.store_var(v),
                        (None, None) => {
                            self.emit(Op::Pop);
                        }
                    }
                }
            }
        }
    }

    pub(super) fn assign(&mut self, place: &'u Place, op: Option<BinOp>, value: &'u Expr) {
        match place {
            Place::Var(v) => {
                let typed = self.unit.var_types.contains_key(v);
                if let (
                    false,
                    Some(BinOp::Add | BinOp::Sub),
                    Storage::Slot(slot),
                    ExprKind::Lit(Lit::Int(k)),
                ) = (typed, op, self.storage_of(*v), &value.kind)
                {
                    let k = if op == Some(BinOp::Sub) {
                        k.checked_neg()
                    } else {
                        Some(*k)
                    };
                    if let Some(k) = k.and_then(|k| i32::try_from(k).ok()) {
                        self.emit(Op::AddLocalInt(slot, k));
                        self.emit(Op::LoadLocal(slot));
                        return;
                    }
                }
                if let Some(op) = op {
                    self.load_var(*v);
                    self.expr(value);
                    self.emit(Op::Binary(op));
                } else {
                    self.expr(value);
                }
                self.check_var_type(*v);
                self.emit(Op::Dup);
                self.store_var(*v);
            }
            Place::Undefined(name) => {
                self.expr(value);
                let n = self.name(name);
                self.emit(Op::ThrowUndefined(n));
            }
            Place::Path { base, segs } => {
                self.expr(base);
                let Some((last, init)) = segs.split_last() else {
                    self.emit(Op::Pop);
                    self.expr(value);
                    return;
                };
                for s in init {
                    self.segment(s);
                }
                if let Some(op) = op {
                    self.emit(Op::Dup);
                    self.segment(last);
                    self.expr(value);
                    self.emit(Op::Binary(op));
                } else {
                    self.expr(value);
                }
                match last {
                    Segment::Member(m) => {
                        let n = self.name(m);
                        self.emit(Op::SetMember(n));
                    }
                    Segment::Index(i) => {
                        let i = i32::try_from(*i).unwrap_or(i32::MAX);
                        self.emit(Op::SetIndex(i));
                    }
                    Segment::MaybeIndex(m, v) => {
                        self.load_var(*v);
                        let n = self.name(m);
                        self.emit(Op::SetDynamic(n));
                    }
                    Segment::ByValue(_, v) => {
                        self.load_var(*v);
                        self.emit(Op::SetKey);
                    }
                    Segment::Method(_) => {
                        let k = self.konst(Value::str("Cannot assign to a method call"));
                        self.emit(Op::ThrowMessage(k));
                    }
                }
            }
        }
    }

    pub(super) fn class(&mut self, def: &'u ClassDef) {
        self.class_value(def);
        self.define(&def.path);
    }

    /// Pushes the class built from `def` (parent and interfaces evaluated first).
    pub(super) fn class_value(&mut self, def: &'u ClassDef) {
        if let Some(p) = &def.parent {
            self.expr(p);
        }
        for i in &def.implements {
            self.expr(i);
        }
        self.qual.push(def.path.join("/"));
        if let Some(c) = &def.ctor {
            let p = self.function(c, true);
            let ch = &mut self.st().chunk;
            ch.protos.push(p);
            let i = (ch.protos.len() - 1) as u32;
            self.emit(Op::Closure(i));
        }
        let mut methods = Vec::new();
        for (name, m) in &def.methods {
            let p = self.function(m, true);
            let ch = &mut self.st().chunk;
            ch.protos.push(p);
            let i = (ch.protos.len() - 1) as u32;
            self.emit(Op::Closure(i));
            methods.push(self.sym(name));
        }
        let mut fns = Vec::new();
        for (name, f) in &def.fns {
            let p = self.function(f, false);
            let ch = &mut self.st().chunk;
            ch.protos.push(p);
            let i = (ch.protos.len() - 1) as u32;
            self.emit(Op::Closure(i));
            fns.push(self.sym(name));
        }
        self.qual.pop();
        let name: Vec<Sym> = def.path.iter().map(|s| self.sym(s)).collect();
        let fields = def
            .fields
            .iter()
            .map(|(f, t)| (self.interner.intern(f), t.clone()))
            .collect();
        let ch = &mut self.st().chunk;
        ch.classes.push(ClassInfo {
            name,
            fields,
            has_parent: def.parent.is_some(),
            implements: def.implements.len() as u32,
            has_ctor: def.ctor.is_some(),
            methods,
            fns,
        });
        let i = (ch.classes.len() - 1) as u32;
        self.emit(Op::MakeClass(i));
    }
}
