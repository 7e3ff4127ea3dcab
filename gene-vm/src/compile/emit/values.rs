//! Values the emitter builds: literals and constants (regexes, bytes, dates,
//! enums), quoted data, and the contract checks of a function's boundaries.

use super::*;

impl<'u> Emitter<'u> {
    pub(super) fn lit(&mut self, l: &Lit) {
        match l {
            Lit::Nil => {
                self.emit(Op::Nil);
            }
            Lit::Void => {
                self.emit(Op::Void);
            }
            Lit::NotFound => {
                let k = self.konst(Value::NotFound);
                self.emit(Op::Const(k));
            }
            Lit::Bool(true) => {
                self.emit(Op::True);
            }
            Lit::Bool(false) => {
                self.emit(Op::False);
            }
            Lit::Int(i) if *i >= i32::MIN as i64 && *i <= i32::MAX as i64 => {
                self.emit(Op::SmallInt(*i as i32));
            }
            Lit::Int(i) => {
                let k = self.konst(Value::Int(*i));
                self.emit(Op::Const(k));
            }
            Lit::Float(f) => {
                let k = self.konst(Value::Float(*f));
                self.emit(Op::Const(k));
            }
            Lit::Char(c) => {
                let k = self.konst(Value::Char(*c));
                self.emit(Op::Const(k));
            }
            Lit::Str(s) => {
                // Strings are mutable (`.append`): each evaluation makes a new one.
                let k = self.konst(Value::str(s.clone()));
                self.emit(Op::Quote(k));
            }
            Lit::Symbol(s) => {
                let sym = self.sym(s);
                let k = self.konst(Value::Symbol(sym));
                self.emit(Op::Const(k));
            }
            // Compiled once: regex values are immutable.
            Lit::Date(d) => {
                let k = self.konst(Value::Date(Rc::new(d.clone())));
                self.emit(Op::Const(k));
            }
            Lit::Bytes(b) => {
                let k = self.konst(Value::Bytes(Rc::new(b.clone())));
                self.emit(Op::Const(k));
            }
            Lit::Regex(p, r, f) => match RegexObj::new(p, r.clone(), f) {
                Ok(re) => {
                    let k = self.konst(Value::Regex(Rc::new(re)));
                    self.emit(Op::Const(k));
                }
                Err(msg) => {
                    let k = self.konst(Value::str(msg));
                    self.emit(Op::ThrowMessage(k));
                }
            },
        }
    }

    /// The postconditions on the value on top of the stack (it stays there).
    pub(super) fn emit_post(&mut self) {
        let Some(def) = self.st().post else {
            return;
        };
        let Some(result) = def.result_var else {
            return;
        };
        let skip = self.emit(Op::ContractsOff(0));
        self.emit(Op::Dup);
        self.store_var(result);
        for (i, (cond, text)) in def.post.iter().enumerate() {
            self.expr(cond);
            let ok = self.emit(Op::JumpIfTrue(0));
            self.contract_fail(def, "post", i + 1, text);
            self.patch(ok);
        }
        self.patch(skip);
    }

    /// Pushes the arguments (and the result) and throws the violation.
    pub(super) fn contract_fail(
        &mut self,
        def: &'u FnDef,
        phase: &'static str,
        index: usize,
        text: &str,
    ) {
        let mut args = Vec::new();
        if let Some(sv) = def.self_var {
            self.load_var(sv);
            args.push("self".to_string());
        }
        for p in &def.params {
            self.load_var(p.var);
            args.push(p.name.clone());
        }
        let with_result = phase == "post";
        if let (true, Some(r)) = (with_result, def.result_var) {
            self.load_var(r);
        }
        let c = &mut self.st().chunk;
        c.contracts.push(ContractInfo {
            function: def.name.clone(),
            phase,
            index,
            condition: text.to_string(),
            args,
            with_result,
        });
        let i = (c.contracts.len() - 1) as u32;
        self.emit(Op::ContractFail(i));
    }

    /// The run-time enum of a declaration (its identity is the constant).
    pub(super) fn enum_value(&mut self, d: &EnumDecl) -> Value {
        let variants = d
            .variants
            .iter()
            .map(|v| VariantDef {
                name: self.sym(&v.name),
                fields: v.fields.as_ref().map(|fs| {
                    fs.iter()
                        .map(|(n, t)| (self.interner.intern(n), t.clone()))
                        .collect()
                }),
            })
            .collect();
        Value::Enum(Rc::new(EnumDef {
            name: d.path.last().cloned().unwrap_or_default(),
            variants,
        }))
    }

    /// Quoted data as a value (built once; copied at each evaluation).
    pub fn node_to_value(&mut self, node: &Node) -> Value {
        node_to_value(self.interner, node)
    }
}

/// Converts reader output to Gene data (quote, `$parse`).
pub fn node_to_value(interner: &mut Interner, node: &Node) -> Value {
    match &node.kind {
        NodeKind::Nil => Value::Nil,
        NodeKind::Void => Value::Void,
        NodeKind::NotFound => Value::NotFound,
        NodeKind::Bool(b) => Value::Bool(*b),
        NodeKind::Int(i) => Value::Int(*i),
        NodeKind::Float(f) => Value::Float(*f),
        NodeKind::Char(c) => Value::Char(*c),
        NodeKind::Str(s) => Value::str(s.clone()),
        NodeKind::Symbol(s) => Value::Symbol(interner.intern(s)),
        NodeKind::Path(p) => Value::Path(Rc::new(p.iter().map(|s| interner.intern(s)).collect())),
        NodeKind::Array(items) => {
            Value::array(items.iter().map(|n| node_to_value(interner, n)).collect())
        }
        NodeKind::Map(props) => {
            let mut m = PropMap::new();
            for p in props {
                let k = interner.intern(&p.key);
                m.insert(k, node_to_value(interner, &p.value));
            }
            Value::map(m)
        }
        NodeKind::Gene {
            head,
            props,
            children,
        } => {
            let head = head
                .as_ref()
                .map(|h| node_to_value(interner, h))
                .unwrap_or(Value::Nil);
            let mut pm = PropMap::new();
            for p in props {
                let k = interner.intern(&p.key);
                pm.insert(k, node_to_value(interner, &p.value));
            }
            let children = children
                .iter()
                .map(|n| node_to_value(interner, n))
                .collect();
            Value::gene(GeneObj {
                head,
                props: pm,
                children,
            })
        }
        NodeKind::Quote(inner) => node_to_value(interner, inner),
        NodeKind::Sealed(inner) => {
            let v = node_to_value(interner, inner);
            crate::vm::value::seal(&v);
            v
        }
        NodeKind::Bytes(b) => Value::Bytes(Rc::new(b.clone())),
        NodeKind::DateTime(d) => Value::Date(Rc::new((**d).clone())),
        NodeKind::HashMap(items) => {
            let mut h = crate::vm::hashed::HashedObj::default();
            for pair in items.chunks(2) {
                if let [k, v] = pair {
                    let k = node_to_value(interner, k);
                    let v = node_to_value(interner, v);
                    let _ = h.set(k, v);
                }
            }
            Value::HashMap(Rc::new(std::cell::RefCell::new(h)))
        }
        NodeKind::Regex {
            pattern,
            replacement,
            flags,
        } => RegexObj::new(pattern, replacement.clone(), flags)
            .map(|r| Value::Regex(Rc::new(r)))
            .unwrap_or(Value::Nil),
        NodeKind::Error => Value::Nil,
    }
}
