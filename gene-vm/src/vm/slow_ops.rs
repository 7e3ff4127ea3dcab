//! The less frequent instructions, kept out of the dispatch loop so the hot
//! path stays small (fewer spills, better code layout).

use std::rc::Rc;

use super::error::{ErrorKind, Throw, VmResult};
use super::frame::{FrameKind, Handler};
use super::interp::{fast_drop, pop_words, KwArgs};
use super::value::*;
use super::{ops, print, Vm};
use crate::compile::chunk::Op;

/// What the dispatch loop does after a slow instruction.
pub(crate) enum Flow {
    /// Continue with the (possibly new) top frame.
    Next,
    /// The run started by this loop is over (a stop frame returned, or a yield).
    Return(Value),
}

impl Vm {
    /// Executes one instruction of the top frame; its `ip` already points past it.
    #[inline(never)]
    pub(crate) fn exec_slow(&mut self, op: Op) -> VmResult<Flow> {
        let fi = self.frames.len() - 1;
        let base = self.frames[fi].base as usize;
        let proto = self.frames[fi].closure.proto.clone();
        let chunk = &proto.chunk;
        macro_rules! pop {
            () => {
                pop_words(&mut self.stack)
            };
        }
        macro_rules! try_ {
            ($e:expr) => {
                $e?
            };
        }
        match op {
            Op::TailCall(_) | Op::TailCallGlobal(..) | Op::TailCallGlobalLocalInt(..) => {
                self.tail_call(fi, op)?;
            }
            Op::Call(argc) => {
                let callee_idx = self.stack.len() - argc as usize - 1;
                let args: Vec<Value> = self.stack.drain(callee_idx + 1..).collect();
                let callee = pop!();
                self.invoke(callee, None, args, Vec::new(), callee_idx)?;
            }
            Op::Return => {
                let frame = &self.frames[fi];
                let ret_to = frame.ret_to as usize;
                let stop = frame.stop;
                let result = pop!();
                let result = match &frame.kind {
                    FrameKind::Normal => result,
                    FrameKind::Ctor(inst) => Value::Instance(inst.clone()),
                    FrameKind::NsBody(ns) => Value::Namespace(ns.clone()),
                    FrameKind::Generator(g) => {
                        g.borrow_mut().state = GenState::Done;
                        Value::NotFound
                    }
                };
                self.frames.truncate(fi);
                while self.stack.len() > ret_to {
                    if let Some(v) = self.stack.pop() {
                        fast_drop(v);
                    }
                }
                if stop {
                    return Ok(Flow::Return(result));
                }
                self.stack.push(result);
            }
            // In a namespace body `self` is the namespace (`(.on_member_missing f)`, 1.8).
            Op::LoadSelfOrNil => {
                let v = match &self.frames[fi].kind {
                    FrameKind::NsBody(ns) => Value::Namespace(ns.clone()),
                    _ => Value::Nil,
                };
                self.stack.push(v);
            }
            Op::Special(code) => {
                // `$duration` before any `$duration_start` (later 9.6).
                if code == 7 && self.duration_start.is_none() {
                    return Err(self.err(ErrorKind::Exception, "duration_start is not set"));
                }
                let v = self.special(fi, code);
                self.stack.push(v);
            }
            Op::ExtendEnv(n) => {
                if let Some(e) = &self.frames[fi].env {
                    let mut vars = e.vars.borrow_mut();
                    while vars.len() < n as usize {
                        vars.push(Value::Nil);
                    }
                }
            }
            Op::SlotToEnv(slot, idx) => {
                let v = self.stack[base + slot as usize].clone();
                self.env_set(fi, 0, idx, v);
            }
            Op::JumpIfProvided(slot, t)
                if slot < 64 && self.frames[fi].provided & (1u64 << slot) != 0 =>
            {
                self.frames[fi].ip = t;
            }
            Op::Neg => {
                let v = pop!();
                let r = try_!(ops::negate(self, &v));
                self.stack.push(r);
            }
            Op::CallEx(info) => {
                let info = &chunk.call_infos[info as usize];
                let (args, kw) = try_!(self.collect_args(info));
                let callee = pop!();
                let ret_to = self.stack.len();
                try_!(self.invoke(callee, None, args, kw, ret_to));
            }
            Op::CallMethodEx(info) => {
                let info = &chunk.call_infos[info as usize];
                let name = info.name.clone().unwrap_or_else(|| self.intern("call"));
                let (args, kw) = try_!(self.collect_args(info));
                let recv = pop!();
                let ret_to = self.stack.len();
                try_!(self.call_method(recv, &name, args, kw, ret_to));
            }
            Op::Closure(i) => {
                let p = chunk.protos[i as usize].clone();
                let f = &self.frames[fi];
                let c = Closure {
                    proto: p,
                    env: f.env.clone(),
                    ns: f.closure.ns.clone(),
                    home: None,
                };
                self.stack.push(Value::Function(Rc::new(c)));
            }
            Op::MakeArray(n) => {
                let at = self.stack.len() - n as usize;
                let items: Vec<Value> = self.stack.drain(at..).collect();
                self.stack.push(Value::array(items));
            }
            Op::MakeArrayEx(info) => {
                let info = &chunk.call_infos[info as usize];
                let (items, _) = try_!(self.collect_args(info));
                try_!(self.check_array_len(items.len(), "array literal"));
                self.stack.push(Value::array(items));
            }
            Op::MakeMap(k) => {
                let keys = &chunk.key_lists[k as usize];
                let at = self.stack.len() - keys.len();
                let vals: Vec<Value> = self.stack.drain(at..).collect();
                let m = try_!(self.build_map(keys, vals));
                self.stack.push(Value::map(m));
            }
            Op::MakeGene(i) => {
                let info = &chunk.gene_infos[i as usize];
                let n = info.children.len();
                let at = self.stack.len() - n;
                let mut children = Vec::with_capacity(n);
                let kids: Vec<Value> = self.stack.drain(at..).collect();
                for (v, spread) in kids.into_iter().zip(info.children.iter()) {
                    if *spread {
                        try_!(self.spread_into(&mut children, v));
                    } else {
                        children.push(v);
                    }
                }
                let at = self.stack.len() - info.props.len();
                let vals: Vec<Value> = self.stack.drain(at..).collect();
                let props = try_!(self.build_map(&info.props, vals));
                let head = pop!();
                self.stack.push(Value::gene(GeneObj {
                    head,
                    props,
                    children,
                }));
            }
            Op::Quote(k) => {
                let v = deep_copy(&chunk.consts[k as usize]);
                self.stack.push(v);
            }
            Op::GetDynamic(n) => {
                let key = pop!();
                let obj = pop!();
                let v = match (&key, &obj) {
                    (Value::Int(i), Value::Array(_) | Value::Gene(_)) => {
                        try_!(self.get_index(&obj, *i))
                    }
                    _ => {
                        let name = &chunk.names[n as usize];
                        let v = try_!(self.get_member(&obj, name));
                        // No entry of that name: a map is looked up with the
                        // local's value instead (later 12.2 rule 2).
                        match (&v, &obj, &key) {
                            (Value::Void, Value::Map(_), Value::Str(_) | Value::Symbol(_)) => {
                                try_!(self.get_by_key(&obj, &key))
                            }
                            _ => v,
                        }
                    }
                };
                self.stack.push(v);
            }
            Op::MatchVariant(fail, n) => {
                let ctor = pop!();
                let target = pop!();
                match try_!(self.match_variant(&target, &ctor)) {
                    Some(vals) if vals.len() == n as usize => self.stack.extend(vals),
                    _ => self.frames[fi].ip = fail,
                }
            }
            Op::TryUnwrap(skip) => {
                let v = pop!();
                match self.classify_builtin(&v) {
                    super::adt::Builtin::Ok(inner) => {
                        self.stack.push(inner);
                        self.frames[fi].ip = skip;
                    }
                    super::adt::Builtin::Stop => self.stack.push(v),
                    super::adt::Builtin::Other => {
                        self.stack.push(v);
                        self.frames[fi].ip = skip;
                    }
                }
            }
            Op::Super(info) => {
                let info = &chunk.call_infos[info as usize];
                let name = info.name.clone().unwrap_or_else(|| self.intern("ctor"));
                let (args, kw) = try_!(self.collect_args(info));
                let recv = pop!();
                let ret_to = self.stack.len();
                try_!(self.call_super(fi, recv, &name, args, kw, ret_to));
            }
            Op::Import(i) => {
                let info = chunk.imports[i as usize].clone();
                try_!(self.import(fi, &info));
                self.stack.push(Value::Nil);
            }
            Op::Export(n) => {
                let v = pop!();
                let name = chunk.names[n as usize].clone();
                self.export(fi, &name, v);
            }
            Op::ExportGlobal(n) => {
                let name = chunk.names[n as usize].clone();
                try_!(self.export_global(fi, &name));
            }
            Op::TruncCount => {
                if let Some(Value::Float(f)) = self.stack.last() {
                    if f.is_finite() && f.abs() < 9.2e18 {
                        let n = *f as i64;
                        if let Some(top) = self.stack.last_mut() {
                            *top = Value::Int(n);
                        }
                    }
                }
            }
            Op::Implement => {
                let adapter = pop!();
                let target = pop!();
                let iface = pop!();
                try_!(self.register_implementation(&iface, &target, &adapter));
                self.stack.push(Value::Nil);
            }
            Op::Seal => {
                if let Some(v) = self.stack.last() {
                    crate::vm::value::seal(v);
                }
            }
            Op::MakeHashMap(n) => {
                let at = self.stack.len() - 2 * n as usize;
                let vals: Vec<Value> = self.stack.drain(at..).collect();
                let m = try_!(self.hash_map_of(vals));
                self.stack.push(m);
            }
            Op::ContractsOff(t) if !self.config.contracts => self.frames[fi].ip = t,
            Op::ContractsOff(_) => {}
            Op::ContractFail(i) => {
                let info = &chunk.contracts[i as usize];
                let n = info.args.len() + usize::from(info.with_result);
                let at = self.stack.len().saturating_sub(n);
                let vals: Vec<Value> = self.stack.drain(at..).collect();
                let args: Vec<String> = info
                    .args
                    .iter()
                    .zip(&vals)
                    .map(|(name, v)| format!("{name}={}", print::quoted(v)))
                    .collect();
                let mut msg = format!(
                    "ContractViolation: {} {}condition #{} failed: {} | args=[{}]",
                    info.function,
                    info.phase,
                    info.index,
                    info.condition,
                    args.join(", ")
                );
                if info.with_result {
                    let r = vals.last().map(print::quoted).unwrap_or_default();
                    msg.push_str(&format!(" | result={r}"));
                }
                return Err(self.err(ErrorKind::Exception, msg));
            }
            Op::CheckTop(i) => {
                let v = pop!();
                let (t, ctx, located) = &chunk.types[i as usize];
                let v = try_!(self.check_type(v, t, ctx, *located));
                self.stack.push(v);
            }
            Op::GetKey => {
                let key = pop!();
                let obj = pop!();
                let v = try_!(self.get_by_key(&obj, &key));
                self.stack.push(v);
            }
            Op::SetKey => {
                let key = pop!();
                let v = pop!();
                let obj = pop!();
                try_!(self.set_by_key(&obj, &key, v.clone()));
                self.stack.push(v);
            }
            Op::SetDynamic(n) => {
                let key = pop!();
                let v = pop!();
                let obj = pop!();
                match (key, &obj) {
                    (Value::Int(i), Value::Array(_) | Value::Gene(_)) => {
                        try_!(self.set_index(&obj, i, v.clone()))
                    }
                    _ => {
                        let name = chunk.names[n as usize].clone();
                        try_!(self.set_member(&obj, name, v.clone()))
                    }
                }
                self.stack.push(v);
            }
            Op::SetMember(n) => {
                let v = pop!();
                let obj = pop!();
                let name = chunk.names[n as usize].clone();
                try_!(self.set_member(&obj, name, v.clone()));
                self.stack.push(v);
            }
            Op::SetIndex(i) => {
                let v = pop!();
                let obj = pop!();
                try_!(self.set_index(&obj, i as i64, v.clone()));
                self.stack.push(v);
            }
            Op::Throw => {
                let v = pop!();
                try_!(Err(self.throw_value(v)));
            }
            Op::ThrowUndefined(n) => {
                let name = chunk.names[n as usize].clone();
                try_!(Err(self.err(
                    ErrorKind::Exception,
                    format!("{} is not defined", name.as_str())
                )));
            }
            Op::ThrowMessage(k) => {
                let m = print::plain(&chunk.consts[k as usize]);
                try_!(Err(self.err(ErrorKind::Exception, m)));
            }
            Op::PushHandler(t) => {
                let env = self.frames[fi].env.clone();
                self.handlers.push(Handler {
                    frame: fi,
                    ip: t,
                    sp: self.stack.len() - base,
                    env,
                    ex_depth: self.ex_stack.len(),
                });
            }
            Op::PopHandler => {
                self.handlers.pop();
            }
            Op::LoadException => {
                let v = self.ex_stack.last().cloned().unwrap_or_default();
                self.stack.push(v);
            }
            Op::EndHandler => {
                self.ex_stack.pop();
            }
            Op::Rethrow => {
                let v = self.ex_stack.pop().unwrap_or_default();
                try_!(Err(Box::new(Throw {
                    value: v,
                    trace: Vec::new(),
                    context: None,
                })));
            }
            Op::ExceptionIs => {
                let cls = pop!();
                let ex = self.ex_stack.last().cloned().unwrap_or_default();
                let r = try_!(self.value_is(&ex, &cls));
                self.stack.push(Value::Bool(r));
            }
            Op::IterInit => {
                let v = pop!();
                let it = try_!(self.make_iter(v));
                self.stack.push(it);
            }
            Op::Repeat => {
                let v = pop!();
                // 5.7: a float is truncated; zero or negative runs zero times.
                let n = match v {
                    Value::Int(i) => i,
                    Value::Float(f) if f.is_nan() || f >= 9.2e18 => {
                        try_!(Err(self.err(
                            ErrorKind::Argument,
                            format!(
                                "repeat count must be a number of times, got {}",
                                print::format_float(f)
                            ),
                        )))
                    }
                    Value::Float(f) => f as i64,
                    other => try_!(Err(self.type_err(format!(
                        "repeat expects a number, got {}",
                        other.type_name()
                    )))),
                };
                self.stack
                    .push(Value::Iterator(Rc::new(std::cell::RefCell::new(
                        IterObj::Range {
                            next: 0,
                            end: n.max(0) - 1,
                            step: 1,
                            index: 0,
                        },
                    ))));
            }
            Op::Destructure(i) => {
                let v = pop!();
                let info = chunk.patterns[i as usize].clone();
                let vals = try_!(self.destructure(&v, &info));
                self.stack.extend(vals);
            }
            Op::Yield => {
                let v = pop!();
                self.suspend_generator(fi);
                return Ok(Flow::Return(v));
            }
            Op::Await(n) => {
                let at = self.stack.len() - n as usize;
                let futs: Vec<Value> = self.stack.drain(at..).collect();
                let v = try_!(self.await_values(futs, None));
                if self.debug.is_some() {
                    self.debug_awaited(&v);
                }
                self.stack.push(v);
            }
            Op::AwaitTimeout(n) => {
                let at = self.stack.len() - n as usize;
                let futs: Vec<Value> = self.stack.drain(at..).collect();
                let t = pop!();
                let v = try_!(self.await_values(futs, Some(t)));
                if self.debug.is_some() {
                    self.debug_awaited(&v);
                }
                self.stack.push(v);
            }
            Op::AsyncOk => {
                let v = pop!();
                let f = self.resolved_future(Ok(v), "async");
                self.stack.push(f);
            }
            Op::AsyncErr => {
                let e = self.ex_stack.pop().unwrap_or_default();
                let f = self.resolved_future(Err(e), "async");
                self.stack.push(f);
            }
            Op::Range(has_step) => {
                let step = if has_step { Some(pop!()) } else { None };
                let b = pop!();
                let a = pop!();
                let r = try_!(ops::make_range(self, &a, &b, step.as_ref()));
                self.stack.push(r);
            }
            Op::DefineMember(n) => {
                let v = self.stack.last().cloned().unwrap_or_default();
                let name = chunk.names[n as usize].clone();
                self.frames[fi].closure.ns.set(name, v);
            }
            Op::DefineAt(k) => {
                let v = self.stack.last().cloned().unwrap_or_default();
                let path = chunk.key_lists[k as usize].clone();
                try_!(self.define_at(fi, &path, v));
            }
            Op::MakeClass(i) => {
                let info = chunk.classes[i as usize].clone();
                let c = try_!(self.make_class(fi, &info));
                self.stack.push(c);
            }
            Op::New(info) => {
                let info = &chunk.call_infos[info as usize];
                let (args, kw) = try_!(self.collect_args(info));
                let class = pop!();
                let ret_to = self.stack.len();
                try_!(self.instantiate(class, args, kw, ret_to));
            }
            Op::EnterNs(k) => {
                let path = chunk.key_lists[k as usize].clone();
                let body = pop!();
                let ret_to = self.stack.len();
                try_!(self.enter_ns(fi, &path, body, ret_to));
            }
            // A breakpoint: the original instruction runs next (`ip` is moved back to it).
            Op::DebugTrap => try_!(self.debug_trap()),
            // Hot instructions are handled by the dispatch loop.
            _ => {}
        }
        Ok(Flow::Next)
    }

    pub(crate) fn special(&mut self, fi: usize, code: u8) -> Value {
        match code {
            0 => self.ex_stack.last().cloned().unwrap_or_default(),
            1 => self.env_snapshot.clone().unwrap_or_default(),
            2 => Value::array(self.args.iter().map(|a| Value::str(a.clone())).collect()),
            3 => {
                let mut all = vec![Value::str(self.program.clone())];
                all.extend(self.args.iter().map(|a| Value::str(a.clone())));
                Value::array(all)
            }
            4 => Value::str(self.program.clone()),
            6 => {
                let now = now_micros();
                self.duration_start = Some(now);
                Value::Float(now)
            }
            7 => Value::Float(now_micros() - self.duration_start.unwrap_or_default()),
            8 => self.current_package(fi),
            9 => self.app_value(),
            _ => Value::Namespace(self.frames[fi].closure.ns.clone()),
        }
    }

    /// Items with spread flags -> positional args; keyword values follow on the stack.
    pub(crate) fn collect_args(
        &mut self,
        info: &crate::compile::chunk::CallInfo,
    ) -> VmResult<(Vec<Value>, KwArgs)> {
        let nkw = info.kw.len();
        let at = self.stack.len() - nkw;
        let kwvals: Vec<Value> = self.stack.drain(at..).collect();
        let kw: Vec<(Sym, Value)> = info.kw.iter().cloned().zip(kwvals).collect();
        let at = self.stack.len() - info.argc as usize;
        let raw: Vec<Value> = self.stack.drain(at..).collect();
        let mut args = Vec::with_capacity(raw.len());
        for (v, spread) in raw.into_iter().zip(info.spread.iter()) {
            if *spread {
                self.spread_into(&mut args, v)?;
            } else {
                args.push(v);
            }
        }
        Ok((args, kw))
    }

    pub(crate) fn spread_into(&mut self, out: &mut Vec<Value>, v: Value) -> VmResult<()> {
        match v {
            Value::Array(a) => {
                let a = a.borrow();
                self.check_array_len(out.len().saturating_add(a.len()), "spread")?;
                out.extend(a.iter().cloned());
                Ok(())
            }
            other => Err(self.type_err(format!(
                "Cannot spread a {} (only arrays can be spread)",
                other.type_name()
            ))),
        }
    }

    pub(crate) fn build_map(&mut self, keys: &[Sym], vals: Vec<Value>) -> VmResult<PropMap> {
        let mut m = PropMap::with_capacity(keys.len());
        for (k, v) in keys.iter().zip(vals) {
            if k.as_str().starts_with("...") {
                match v {
                    Value::Map(src) => {
                        for (k2, v2) in src.borrow().iter() {
                            m.insert(k2.clone(), v2.clone());
                        }
                    }
                    Value::Nil => {}
                    other => {
                        return Err(self
                            .type_err(format!("Cannot spread a {} into a map", other.type_name())))
                    }
                }
            } else {
                m.insert(k.clone(), v);
            }
        }
        Ok(m)
    }
}

/// Quoted data and string literals are copied at each evaluation (they are mutable).
/// Microseconds since the epoch, as a float (`$duration_start`).
fn now_micros() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1_000_000.0)
}

pub fn deep_copy(v: &Value) -> Value {
    let copy = copy_parts(v);
    // A quoted `#[...]` stays sealed (later 7.1).
    if crate::vm::value::is_sealed(v) {
        crate::vm::value::seal(&copy);
    }
    copy
}

fn copy_parts(v: &Value) -> Value {
    match v {
        Value::Str(s) => Value::str(s.borrow().clone()),
        Value::Array(a) => Value::array(a.borrow().iter().map(deep_copy).collect()),
        Value::Map(m) => Value::map(
            m.borrow()
                .iter()
                .map(|(k, v)| (k.clone(), deep_copy(v)))
                .collect(),
        ),
        Value::Gene(g) => {
            let g = g.borrow();
            Value::gene(GeneObj {
                head: deep_copy(&g.head),
                props: g
                    .props
                    .iter()
                    .map(|(k, v)| (k.clone(), deep_copy(v)))
                    .collect(),
                children: g.children.iter().map(deep_copy).collect(),
            })
        }
        other => other.clone(),
    }
}
