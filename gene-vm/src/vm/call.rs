//! Calls: argument binding (6.3), closures, natives, methods, constructors,
//! namespaces and generators.

use std::cell::RefCell;
use std::rc::Rc;

use super::error::{ErrorKind, VmResult};
use super::frame::{Frame, FrameKind, SavedFrame};
use super::print;
use super::value::*;
use super::{Args, Vm};
use crate::compile::chunk::ClassInfo;

impl Vm {
    /// Fast path: arguments are already in place after the callee.
    #[inline(always)]
    pub(crate) fn push_frame_fast(&mut self, c: Rc<Closure>, callee_idx: usize) {
        self.push_frame_at(c, callee_idx + 1, callee_idx)
    }

    /// Fast path with explicit base (first argument) and result slot.
    #[inline(always)]
    pub(crate) fn push_frame_at(&mut self, c: Rc<Closure>, base: usize, ret_to: usize) {
        let nslots = c.proto.nslots as usize;
        let have = self.stack.len() - base;
        #[cfg(panic = "abort")]
        for _ in have..nslots {
            self.stack.push(Value::Nil);
        }
        // Written without `push`, which could unwind (see `interp::grow_values`).
        #[cfg(not(panic = "abort"))]
        if have < nslots {
            let len = self.stack.len();
            if self.stack.capacity() - len < nslots - have {
                super::interp::grow_values(&mut self.stack, nslots - have + 1024);
            }
            // SAFETY: capacity for `nslots - have` more values was just ensured; Nil
            // owns nothing.
            unsafe {
                let p = self.stack.as_mut_ptr().add(len);
                for i in 0..nslots - have {
                    std::ptr::write(p.add(i), Value::Nil);
                }
                self.stack.set_len(len + nslots - have);
            }
        }
        let env = c.env.clone();
        if self.frames.len() == self.frames.capacity() {
            super::interp::grow_frames(&mut self.frames);
        }
        let frame = Frame {
            closure: c,
            ip: 0,
            base: base as u32,
            ret_to: ret_to as u32,
            env,
            provided: u64::MAX,
            kind: FrameKind::Normal,
            stop: false,
        };
        #[cfg(panic = "abort")]
        self.frames.push(frame);
        // SAFETY: capacity for one more frame was just ensured.
        #[cfg(not(panic = "abort"))]
        unsafe {
            let len = self.frames.len();
            std::ptr::write(self.frames.as_mut_ptr().add(len), frame);
            self.frames.set_len(len + 1);
        }
    }

    fn check_depth(&mut self) -> VmResult<()> {
        if self.frames.len() >= self.config.max_depth {
            return Err(self.err(
                ErrorKind::Runtime,
                format!(
                    "Stack overflow: call depth exceeded {} frames",
                    self.config.max_depth
                ),
            ));
        }
        Ok(())
    }

    /// Binds arguments and pushes a frame for `c`. Slot 0 is `self` for methods.
    pub(crate) fn push_closure_frame(
        &mut self,
        c: Rc<Closure>,
        self_val: Option<Value>,
        args: Vec<Value>,
        kw: Vec<(Sym, Value)>,
        ret_to: usize,
        kind: FrameKind,
    ) -> VmResult<()> {
        self.check_depth()?;
        self.stack.truncate(ret_to);
        let base = self.stack.len();
        let proto = c.proto.clone();
        if proto.is_method {
            self.stack.push(self_val.unwrap_or_default());
        }
        let provided = self.bind_args(&proto, args, kw)?;
        let nslots = proto.nslots as usize;
        while self.stack.len() < base + nslots {
            self.stack.push(Value::Nil);
        }
        let env = c.env.clone();
        self.frames.push(Frame {
            closure: c,
            ip: 0,
            base: base as u32,
            ret_to: ret_to as u32,
            env,
            provided,
            kind,
            stop: false,
        });
        Ok(())
    }

    /// Pushes parameter values in slot order; returns the provided mask.
    fn bind_args(
        &mut self,
        proto: &crate::compile::FnProto,
        args: Vec<Value>,
        kw: Vec<(Sym, Value)>,
    ) -> VmResult<u64> {
        let params = &proto.params;
        let mut provided = 0u64;
        if proto.simple && kw.is_empty() {
            if args.len() != params.len() {
                return Err(self.arg_err(format!(
                    "Expected {} arguments, got {}",
                    params.len(),
                    args.len()
                )));
            }
            self.stack.extend(args);
            return Ok(u64::MAX);
        }
        let positional = params.iter().filter(|p| !p.keyword).count();
        let has_rest = params.iter().any(|p| p.rest && !p.keyword);
        let required = proto.required;
        let n = args.len();
        if n < required || (!has_rest && n > positional) {
            let expected = if n < required { required } else { positional };
            return Err(self.arg_err(format!("Expected {expected} arguments, got {n}")));
        }
        let mut optional_left = n - required;
        let mut args = args.into_iter();
        let mut remaining = n;
        // Required parameters after each position (for rest sizing).
        let mut values: Vec<Value> = Vec::with_capacity(params.len());
        let kw_rest = params.iter().any(|p| p.keyword && p.rest);
        for (i, p) in params.iter().enumerate() {
            if p.keyword && p.rest {
                // `^opts...`: the keyword arguments no other parameter takes (later 4.7).
                let named = |k: &Sym| params.iter().any(|q| q.keyword && !q.rest && q.name == *k);
                let extra: PropMap = kw
                    .iter()
                    .filter(|(k, _)| !named(k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                values.push(Value::map(extra));
                provided |= 1u64 << (p.slot.min(63));
                continue;
            }
            if p.keyword {
                let found = kw
                    .iter()
                    .find(|(k, _)| *k == p.name)
                    .map(|(_, v)| v.clone());
                match found {
                    Some(v) => {
                        values.push(v);
                        provided |= 1u64 << (p.slot.min(63));
                    }
                    None if p.has_default || p.rest => values.push(Value::Nil),
                    None => {
                        return Err(
                            self.arg_err(format!("Missing keyword argument: {}", p.name.as_str()))
                        )
                    }
                }
                continue;
            }
            if p.rest {
                let needed_after = params[i + 1..]
                    .iter()
                    .filter(|q| !q.keyword && !q.rest && !q.has_default)
                    .count();
                let take = remaining.saturating_sub(needed_after);
                let items: Vec<Value> = args.by_ref().take(take).collect();
                remaining -= items.len();
                values.push(Value::array(items));
                provided |= 1u64 << (p.slot.min(63));
            } else if p.has_default {
                if optional_left > 0 {
                    optional_left -= 1;
                    remaining -= 1;
                    values.push(args.next().unwrap_or_default());
                    provided |= 1u64 << (p.slot.min(63));
                } else {
                    values.push(Value::Nil);
                }
            } else {
                remaining = remaining.saturating_sub(1);
                values.push(args.next().unwrap_or_default());
                provided |= 1u64 << (p.slot.min(63));
            }
        }
        for (k, _) in &kw {
            if !kw_rest && !params.iter().any(|p| p.keyword && p.name == *k) {
                return Err(self.arg_err(format!("Unexpected keyword argument: {}", k.as_str())));
            }
        }
        self.stack.extend(values);
        Ok(provided)
    }

    /// Calls any callable. Returns true if a Gene frame was pushed (its result
    /// arrives when it returns); otherwise the result is already pushed.
    pub(crate) fn invoke(
        &mut self,
        callee: Value,
        self_val: Option<Value>,
        args: Vec<Value>,
        kw: Vec<(Sym, Value)>,
        ret_to: usize,
    ) -> VmResult<bool> {
        match callee {
            Value::Function(c) => {
                if c.proto.is_generator {
                    self.stack.truncate(ret_to);
                    let g = GenObj {
                        state: GenState::Fresh {
                            closure: c,
                            args,
                            kwargs: kw,
                            self_val,
                        },
                        peeked: None,
                    };
                    self.stack.push(Value::Generator(Rc::new(RefCell::new(g))));
                    return Ok(false);
                }
                self.push_closure_frame(c, self_val, args, kw, ret_to, FrameKind::Normal)?;
                Ok(true)
            }
            Value::Native(id) => {
                let f = self.natives[id.0 as usize].f;
                self.stack.truncate(ret_to);
                let r = f(self, Args { pos: args, kw })?;
                self.stack.push(r);
                Ok(false)
            }
            Value::Bound(b) => {
                let recv = b.receiver.clone();
                self.invoke(b.method.clone(), Some(recv), args, kw, ret_to)
            }
            Value::Instance(ref inst) => {
                let call = self.intern("call");
                if inst.class.find_method(&call).is_some() {
                    return self.call_method(callee.clone(), &call, args, kw, ret_to);
                }
                Err(self.type_err("VkInstance is not callable (its class has no call method)"))
            }
            Value::Class(_) => self.instantiate(callee, args, kw, ret_to),
            Value::Interface(i) => {
                let v = self.interface_view(&i, args)?;
                self.stack.truncate(ret_to);
                self.stack.push(v);
                Ok(false)
            }
            Value::Adt(a) => {
                let v = self.construct_variant(&a, args, kw)?;
                self.stack.truncate(ret_to);
                self.stack.push(v);
                Ok(false)
            }
            other => Err(self.type_err(format!("{} is not callable", print::plain(&other)))),
        }
    }

    /// Calls a value from Rust (natives' callbacks); re-enters the run loop.
    pub fn call_value(&mut self, f: &Value, args: Vec<Value>) -> VmResult<Value> {
        self.call_value_kw(f, args, Vec::new())
    }

    pub fn call_value_kw(
        &mut self,
        f: &Value,
        args: Vec<Value>,
        kw: Vec<(Sym, Value)>,
    ) -> VmResult<Value> {
        let depth = self.frames.len();
        let ret_to = self.stack.len();
        if self.invoke(f.clone(), None, args, kw, ret_to)? {
            self.run_from_native(depth)
        } else {
            Ok(self.stack.pop().unwrap_or_default())
        }
    }

    /// Calls method `m` (found on the receiver's class) with `recv` as `self`.
    pub(crate) fn call_method_with(
        &mut self,
        m: Value,
        recv: &Value,
        args: Vec<Value>,
    ) -> VmResult<Value> {
        let depth = self.frames.len();
        let ret_to = self.stack.len();
        if self.invoke(m, Some(recv.clone()), args, Vec::new(), ret_to)? {
            self.run_from_native(depth)
        } else {
            Ok(self.stack.pop().unwrap_or_default())
        }
    }

    /// Runs Gene code called by a native (a callback of `.map`, a generator's `.next`):
    /// the event loop is not polled in the middle of a native call (11.1).
    fn run_from_native(&mut self, depth: usize) -> VmResult<Value> {
        self.native_calls += 1;
        let r = self.run_pushed(depth);
        self.native_calls -= 1;
        r
    }

    /// Runs the frame just pushed at index `depth` to completion.
    fn run_pushed(&mut self, depth: usize) -> VmResult<Value> {
        if self.native_depth > 10_000 {
            self.frames.truncate(depth);
            return Err(self.err(
                ErrorKind::Runtime,
                "Stack overflow: too many nested callbacks",
            ));
        }
        if let Some(f) = self.frames.get_mut(depth) {
            f.stop = true;
        }
        self.native_depth += 1;
        let r = self.run(depth);
        self.native_depth -= 1;
        r
    }

    pub fn call_closure_reentrant(
        &mut self,
        c: Rc<Closure>,
        self_val: Option<Value>,
        args: Vec<Value>,
        kw: Vec<(Sym, Value)>,
    ) -> VmResult<Value> {
        let depth = self.frames.len();
        let ret_to = self.stack.len();
        self.push_closure_frame(c, self_val, args, kw, ret_to, FrameKind::Normal)?;
        self.run_pushed(depth)
    }

    /// Calls a method from Rust code.
    pub fn call_method_value(
        &mut self,
        recv: &Value,
        name: &str,
        args: Vec<Value>,
    ) -> VmResult<Value> {
        let name = self.intern(name);
        let depth = self.frames.len();
        let ret_to = self.stack.len();
        if self.call_method(recv.clone(), &name, args, Vec::new(), ret_to)? {
            self.run_from_native(depth)
        } else {
            Ok(self.stack.pop().unwrap_or_default())
        }
    }

    pub(crate) fn call_method(
        &mut self,
        recv: Value,
        name: &Sym,
        args: Vec<Value>,
        kw: Vec<(Sym, Value)>,
        ret_to: usize,
    ) -> VmResult<bool> {
        if let Value::Instance(inst) = &recv {
            if let Some(m) = inst.class.find_method(name) {
                return self.invoke(m, Some(recv.clone()), args, kw, ret_to);
            }
            // Built-in methods every value has come before the hook.
            let builtin = self
                .methods
                .contains_key(&(self.builtin_class_name(&recv), name.id()))
                || self.methods.contains_key(&("Object", name.id()));
            if !builtin {
                if let Some(r) = self.call_missing(inst, name, args.clone(), kw.clone(), ret_to) {
                    return r;
                }
            }
        }
        if let Value::Adt(a) = &recv {
            if let Some(v) = self.variant_method(a, name)? {
                self.stack.truncate(ret_to);
                self.stack.push(v);
                return Ok(false);
            }
        }
        if let Value::Function(_) | Value::Native(_) | Value::Bound(_) = &recv {
            if name.as_str() == "call" {
                return self.invoke(recv, None, args, kw, ret_to);
            }
        }
        if let Value::Generator(_) = &recv {
            let r = match name.as_str() {
                "next" => Some(self.generator_next(&recv)?),
                "has_next" => Some(Value::Bool(self.generator_has_next(&recv)?)),
                "iter" => Some(recv.clone()),
                _ => None,
            };
            if let Some(r) = r {
                self.stack.truncate(ret_to);
                self.stack.push(r);
                return Ok(false);
            }
        }
        let class_name = self.builtin_class_name(&recv);
        let found = self
            .methods
            .get(&(class_name, name.id()))
            .or_else(|| self.methods.get(&("Object", name.id())))
            .copied();
        match found {
            Some(f) => {
                self.stack.truncate(ret_to);
                let r = f(self, &recv, Args { pos: args, kw })?;
                self.stack.push(r);
                Ok(false)
            }
            // `nil` has a built-in method-missing hook that answers nil (later 5.4).
            None if matches!(recv, Value::Nil) => {
                self.stack.truncate(ret_to);
                self.stack.push(Value::Nil);
                Ok(false)
            }
            None => Err(self.err(
                ErrorKind::Exception,
                format!(
                    "Method '{}' not found on {}",
                    name.as_str(),
                    self.describe_receiver(&recv)
                ),
            )),
        }
    }

    fn describe_receiver(&self, v: &Value) -> String {
        match v {
            Value::Instance(i) => format!("instance of {}", i.class.name),
            Value::Class(c) => format!("class {}", c.name),
            other => other.type_name().to_string(),
        }
    }

    /// Which native method table applies to a value.
    pub fn builtin_class_name(&self, v: &Value) -> &'static str {
        match v {
            Value::Instance(i) => {
                let mut c = Some(i.class.clone());
                while let Some(cls) = c {
                    match cls.builtin.get() {
                        Some(BuiltinClass::Exception) => return "Exception",
                        Some(BuiltinClass::File) => return "File",
                        Some(BuiltinClass::Package) => return "Package",
                        Some(BuiltinClass::Application) => return "Application",
                        _ => {}
                    }
                    c = cls.parent.clone();
                }
                "Object"
            }
            Value::Str(_) => "String",
            Value::Array(_) => "Array",
            Value::Map(_) => "Map",
            Value::Gene(_) => "Gene",
            Value::Int(_) => "Int",
            Value::Float(_) => "Float",
            Value::Bool(_) => "Bool",
            Value::Nil => "Nil",
            Value::Void => "Void",
            Value::Char(_) => "Char",
            Value::Symbol(_) => "Symbol",
            Value::Path(_) => "Path",
            Value::Range(_) => "Range",
            Value::Future(_) => "Future",
            Value::Generator(_) => "Generator",
            Value::Iterator(_) => "Iterator",
            Value::Class(_) => "Class",
            Value::Namespace(_) => "Namespace",
            Value::Function(_) | Value::Native(_) | Value::Bound(_) => "Function",
            Value::NotFound => "NotFound",
            Value::Enum(_) => "Enum",
            Value::Adt(_) => "EnumValue",
            Value::Regex(_) => "Regexp",
            Value::RegexMatch(_) => "RegexMatch",
            Value::HashMap(_) => "HashMap",
            Value::HashSet(_) => "HashSet",
            Value::Type(_) => "Type",
            Value::Bytes(_) => "Bytes",
            Value::Interface(_) => "Interface",
            Value::Date(_) => "Date",
        }
    }

    /// The class of any value (`.class`, `is`).
    pub fn class_of(&self, v: &Value) -> Option<Rc<Class>> {
        match v {
            Value::Instance(i) => Some(i.class.clone()),
            Value::Future(_) => self.class("Future"),
            _ => self.class(self.builtin_class_name(v)),
        }
    }

    /// `(v is C)` and catch-by-class.
    pub fn value_is(&mut self, v: &Value, cls: &Value) -> VmResult<bool> {
        let Value::Class(c) = cls else {
            return Err(self.type_err(format!("Expected a class, got {}", cls.type_name())));
        };
        if c.builtin.get() == Some(BuiltinClass::Object) {
            return Ok(true);
        }
        Ok(self.class_of(v).is_some_and(|k| k.is_subclass_of(c)))
    }

    /// `(new C args...)`.
    pub(crate) fn instantiate(
        &mut self,
        class: Value,
        args: Vec<Value>,
        kw: Vec<(Sym, Value)>,
        ret_to: usize,
    ) -> VmResult<bool> {
        let Value::Class(c) = class else {
            return Err(self.type_err(format!("new expects a class, got {}", class.type_name())));
        };
        // Built-in classes with native constructors.
        let mut k = Some(c.clone());
        while let Some(cls) = k {
            match cls.builtin.get() {
                Some(BuiltinClass::Future) => {
                    self.stack.truncate(ret_to);
                    let f = crate::stdlib::new_future(self, args)?;
                    self.stack.push(f);
                    return Ok(false);
                }
                Some(BuiltinClass::Value) if cls.name == "Class" && Rc::ptr_eq(&cls, &c) => {
                    self.stack.truncate(ret_to);
                    let made = self.dynamic_class(args, kw)?;
                    self.stack.push(made);
                    return Ok(false);
                }
                Some(BuiltinClass::Value | BuiltinClass::Package | BuiltinClass::Application) => {
                    return Err(self.type_err(format!("Cannot instantiate {}", cls.name)));
                }
                Some(BuiltinClass::HashMap) | Some(BuiltinClass::HashSet) => {
                    self.stack.truncate(ret_to);
                    let v = if cls.builtin.get() == Some(BuiltinClass::HashMap) {
                        self.hash_map_of(args)?
                    } else {
                        self.hash_set_of(args)?
                    };
                    self.stack.push(v);
                    return Ok(false);
                }
                Some(BuiltinClass::Regexp) => {
                    self.stack.truncate(ret_to);
                    let r = crate::stdlib::new_regexp(self, Args { pos: args, kw })?;
                    self.stack.push(r);
                    return Ok(false);
                }
                _ => {}
            }
            k = cls.parent.clone();
        }
        let obj = Rc::new(Instance {
            class: c.clone(),
            props: RefCell::new(PropMap::new()),
        });
        let inst = Value::Instance(obj.clone());
        match c.find_ctor() {
            Some(Value::Function(ctor)) => {
                self.push_closure_frame(
                    ctor,
                    Some(inst.clone()),
                    args,
                    kw,
                    ret_to,
                    FrameKind::Ctor(obj),
                )?;
                Ok(true)
            }
            _ => {
                // Built-in constructors: Exception sets message; File sets path.
                let mut k = Some(c.clone());
                while let Some(cls) = k {
                    match cls.builtin.get() {
                        Some(BuiltinClass::Exception) => {
                            if let (Value::Instance(i), Some(m)) = (&inst, args.first()) {
                                let key = self.intern("message");
                                i.props
                                    .borrow_mut()
                                    .insert(key, Value::str(print::display(m)));
                            }
                            break;
                        }
                        Some(BuiltinClass::File) => {
                            match args.first() {
                                Some(Value::Str(p)) => {
                                    if let Value::Instance(i) = &inst {
                                        let key = self.intern("path");
                                        i.props.borrow_mut().insert(key, Value::Str(p.clone()));
                                    }
                                }
                                _ => return Err(self.arg_err("File requires a string path")),
                            }
                            break;
                        }
                        _ => {}
                    }
                    k = cls.parent.clone();
                }
                self.stack.truncate(ret_to);
                self.stack.push(inst);
                Ok(false)
            }
        }
    }

    pub(crate) fn make_class(&mut self, fi: usize, info: &ClassInfo) -> VmResult<Value> {
        let nfns = info.fns.len();
        let at = self.stack.len() - nfns;
        let fns: Vec<Value> = self.stack.drain(at..).collect();
        let at = self.stack.len() - info.methods.len();
        let methods: Vec<Value> = self.stack.drain(at..).collect();
        let ctor = if info.has_ctor {
            self.stack.pop()
        } else {
            None
        };
        let at = self.stack.len() - info.implements as usize;
        let mut ifaces = Vec::new();
        for v in self.stack.drain(at..).collect::<Vec<_>>() {
            match v {
                Value::Interface(i) => ifaces.push(i),
                other => {
                    return Err(self.type_err(format!(
                        "implements expects an interface, got {}",
                        other.type_name()
                    )))
                }
            }
        }
        let parent = if info.has_parent {
            match self.stack.pop() {
                Some(Value::Class(p)) => Some(p),
                Some(other) => {
                    return Err(self.type_err(format!(
                        "A class can only inherit from a class, got {}",
                        other.type_name()
                    )))
                }
                None => None,
            }
        } else {
            self.class("Object")
        };
        let name = info
            .name
            .last()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default();
        let members = Namespace::new(&name, Some(self.frames[fi].closure.ns.clone()));
        for (n, f) in info.fns.iter().zip(fns) {
            members.set(n.clone(), f);
        }
        let typed_fields = info.fields.iter().any(|(_, t)| t.is_some())
            || parent.as_ref().is_some_and(|p| p.typed_fields);
        let cls = Rc::new(Class {
            name,
            parent,
            methods: RefCell::new(info.methods.iter().cloned().zip(methods).collect()),
            ctor: RefCell::new(ctor),
            members,
            builtin: std::cell::Cell::new(None),
            typed_fields,
            fields: info.fields.clone(),
            interfaces: ifaces,
        });
        self.check_implements(&cls)?;
        Ok(Value::Class(cls))
    }

    /// `(fn a/b/c ...)`, `(class a/B ...)`: bind in an existing namespace.
    pub(crate) fn define_at(&mut self, fi: usize, path: &[Sym], v: Value) -> VmResult<()> {
        let Some((last, init)) = path.split_last() else {
            return Ok(());
        };
        let ns = self.frames[fi].closure.ns.clone();
        let mut target = Value::Namespace(ns);
        for (i, seg) in init.iter().enumerate() {
            target = if i == 0 {
                let fi_ns = self.frames[fi].closure.ns.clone();
                lookup_chain(&fi_ns, seg)
                    .or_else(|| self.gene_ns.get(seg))
                    .unwrap_or(Value::Void)
            } else {
                self.get_member(&target, seg)?
            };
        }
        match &target {
            Value::Namespace(n) => {
                n.set(last.clone(), v);
                Ok(())
            }
            Value::Class(c) => {
                c.members.set(last.clone(), v);
                Ok(())
            }
            _ => {
                let shown: Vec<&str> = init.iter().map(|s| s.as_str()).collect();
                Err(self.err(
                    ErrorKind::Exception,
                    format!("{} is not a namespace", shown.join("/")),
                ))
            }
        }
    }

    /// `(ns name body...)`: create (or reopen) the namespace and run its body in it.
    pub(crate) fn enter_ns(
        &mut self,
        fi: usize,
        path: &[Sym],
        body: Value,
        ret_to: usize,
    ) -> VmResult<()> {
        let Value::Function(c) = body else {
            return Err(self.type_err("ns body is not a function"));
        };
        let Some(last) = path.last() else {
            return Err(self.type_err("ns needs a name"));
        };
        let parent = self.frames[fi].closure.ns.clone();
        let existing = if path.len() == 1 {
            parent.get(last)
        } else {
            None
        };
        let ns = match existing {
            Some(Value::Namespace(n)) => n,
            _ => {
                let n = Namespace::new(last.as_str(), Some(parent.clone()));
                if path.len() == 1 {
                    parent.set(last.clone(), Value::Namespace(n.clone()));
                } else {
                    self.define_at(fi, path, Value::Namespace(n.clone()))?;
                }
                n
            }
        };
        let closure = Rc::new(Closure {
            proto: c.proto.clone(),
            env: c.env.clone(),
            ns: ns.clone(),
            home: None,
        });
        self.push_closure_frame(
            closure,
            None,
            Vec::new(),
            Vec::new(),
            ret_to,
            FrameKind::NsBody(ns),
        )
    }

    // ---- generators ----

    /// Called by `Yield`: moves the top frame into its generator.
    pub(crate) fn suspend_generator(&mut self, fi: usize) {
        let Some(mut frame) = self.frames.pop() else {
            return;
        };
        debug_assert_eq!(fi, self.frames.len());
        let stack = self
            .stack
            .split_off((frame.base as usize).min(self.stack.len()));
        let first_own = self
            .handlers
            .iter()
            .position(|h| h.frame >= fi)
            .unwrap_or(self.handlers.len());
        let handlers = self.handlers.split_off(first_own);
        if let FrameKind::Generator(g) = frame.kind.clone() {
            frame.stop = false;
            g.borrow_mut().state = GenState::Suspended(Box::new(SavedFrame {
                frame,
                stack,
                ex_stack: Vec::new(),
                handlers,
            }));
        }
    }

    /// Runs the generator to its next yield; `NotFound` when exhausted.
    fn resume_generator(&mut self, gen: &Rc<RefCell<GenObj>>) -> VmResult<Value> {
        let state = std::mem::replace(&mut gen.borrow_mut().state, GenState::Running);
        let depth = self.frames.len();
        match state {
            GenState::Done => {
                gen.borrow_mut().state = GenState::Done;
                Ok(Value::NotFound)
            }
            GenState::Running => {
                Err(self.err(ErrorKind::Exception, "Generator is already running"))
            }
            GenState::Fresh {
                closure,
                args,
                kwargs,
                self_val,
            } => {
                let ret_to = self.stack.len();
                if let Err(e) = self.push_closure_frame(
                    closure,
                    self_val,
                    args,
                    kwargs,
                    ret_to,
                    FrameKind::Generator(gen.clone()),
                ) {
                    gen.borrow_mut().state = GenState::Done;
                    return Err(e);
                }
                self.run_from_native(depth)
            }
            GenState::Suspended(saved) => {
                let SavedFrame {
                    mut frame,
                    stack,
                    handlers,
                    ..
                } = *saved;
                let index = self.frames.len();
                self.handlers.extend(handlers.into_iter().map(|mut h| {
                    h.frame = index;
                    h
                }));
                let base = self.stack.len();
                frame.base = base as u32;
                frame.ret_to = base as u32;
                frame.stop = false;
                self.stack.extend(stack);
                // The yield expression's value.
                self.stack.push(Value::Nil);
                self.frames.push(frame);
                self.run_from_native(depth)
            }
        }
    }

    pub fn generator_next(&mut self, g: &Value) -> VmResult<Value> {
        let Value::Generator(gen) = g else {
            return Ok(Value::NotFound);
        };
        if let Some(v) = gen.borrow_mut().peeked.take() {
            return Ok(v);
        }
        self.resume_generator(gen)
    }

    pub fn generator_has_next(&mut self, g: &Value) -> VmResult<bool> {
        let Value::Generator(gen) = g else {
            return Ok(false);
        };
        if let Some(v) = &gen.borrow().peeked {
            return Ok(!matches!(v, Value::NotFound));
        }
        let v = self.resume_generator(gen)?;
        let has = !matches!(v, Value::NotFound);
        if has {
            gen.borrow_mut().peeked = Some(v);
        }
        Ok(has)
    }
}

pub(crate) fn lookup_chain(ns: &Rc<Namespace>, name: &Sym) -> Option<Value> {
    let mut cur = Some(ns.clone());
    while let Some(c) = cur {
        if let Some(v) = c.get(name) {
            return Some(v);
        }
        cur = c.parent.clone();
    }
    None
}
