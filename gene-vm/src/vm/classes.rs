//! Classes beyond the core (later 5): `super`, `on_method_missing` and custom `==`.

use std::rc::Rc;

use super::error::{ErrorKind, VmResult};
use super::frame::FrameKind;
use super::value::*;
use super::Vm;

/// How deep `on_method_missing` hooks may call missing methods themselves.
const MISSING_DEPTH: u32 = 64;

impl Vm {
    /// The class (of `recv`'s ancestry) whose method or constructor is running in
    /// frame `fi`.
    fn defining_class(&self, fi: usize, recv: &Value) -> Option<Rc<Class>> {
        let proto = &self.frames[fi].closure.proto;
        let Value::Instance(i) = recv else {
            return None;
        };
        let is_running = |v: &Value| matches!(v, Value::Function(c) if Rc::ptr_eq(&c.proto, proto));
        let mut cur = Some(i.class.clone());
        while let Some(c) = cur {
            if c.methods.borrow().values().any(is_running)
                || c.ctor.borrow().as_ref().is_some_and(is_running)
            {
                return Some(c);
            }
            cur = c.parent.clone();
        }
        None
    }

    /// `(super .name ARGS...)` / `(super .ctor ARGS...)` (later 5.1).
    pub(crate) fn call_super(
        &mut self,
        fi: usize,
        recv: Value,
        name: &Sym,
        args: Vec<Value>,
        kw: Vec<(Sym, Value)>,
        ret_to: usize,
    ) -> VmResult<bool> {
        let Some(class) = self.defining_class(fi, &recv) else {
            return Err(self.err(ErrorKind::Exception, "super used outside of a class"));
        };
        let parent = match &class.parent {
            Some(p) if p.builtin.get() != Some(BuiltinClass::Object) => p.clone(),
            _ => {
                return Err(self.err(
                    ErrorKind::Exception,
                    format!("super has no superclass in {}", class.name),
                ))
            }
        };
        if name.as_str() == "ctor" {
            return match parent.find_ctor() {
                Some(Value::Function(ctor)) => {
                    self.push_closure_frame(ctor, Some(recv), args, kw, ret_to, FrameKind::Normal)?;
                    Ok(true)
                }
                _ => {
                    // A built-in parent: an Exception keeps the message.
                    let is_exc = |c: &Rc<Class>| {
                        let mut k = Some(c.clone());
                        while let Some(x) = k {
                            if x.builtin.get() == Some(BuiltinClass::Exception) {
                                return true;
                            }
                            k = x.parent.clone();
                        }
                        false
                    };
                    if let (true, Value::Instance(i), Some(m)) =
                        (is_exc(&parent), &recv, args.first())
                    {
                        let key = self.intern("message");
                        i.props
                            .borrow_mut()
                            .insert(key, Value::str(super::print::display(m)));
                    }
                    self.stack.truncate(ret_to);
                    self.stack.push(Value::Nil);
                    Ok(false)
                }
            };
        }
        match parent.find_method(name) {
            Some(m) => self.invoke(m, Some(recv), args, kw, ret_to),
            None => Err(self.err(
                ErrorKind::Exception,
                format!("Method {} not found on instance", name.as_str()),
            )),
        }
    }

    /// A missing method on an instance: its class's `on_method_missing` hook, if any,
    /// gets the name as a symbol and the arguments (later 5.4).
    pub(crate) fn call_missing(
        &mut self,
        inst: &Rc<Instance>,
        name: &Sym,
        args: Vec<Value>,
        kw: Vec<(Sym, Value)>,
        ret_to: usize,
    ) -> Option<VmResult<bool>> {
        if let Some(target) = self.adapter_target(inst, name) {
            return Some(self.call_method(target, name, args, kw, ret_to));
        }
        let hook_name = self.intern("on_method_missing");
        let hook = inst.class.find_method(&hook_name)?;
        if self.missing_depth >= MISSING_DEPTH {
            return Some(Err(self.err(
                ErrorKind::Exception,
                format!(
                    "on_method_missing recursion limit exceeded while resolving '{}'",
                    name.as_str()
                ),
            )));
        }
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(Value::Symbol(name.clone()));
        all.extend(args);
        self.missing_depth += 1;
        let depth = self.frames.len();
        let r = self.invoke(hook, Some(Value::Instance(inst.clone())), all, kw, ret_to);
        // The hook runs to completion here so the depth counts nested hooks.
        let r = match r {
            Ok(true) => {
                if let Some(f) = self.frames.get_mut(depth) {
                    f.stop = true;
                }
                match self.run(depth) {
                    Ok(v) => {
                        self.stack.truncate(ret_to);
                        self.stack.push(v);
                        Ok(false)
                    }
                    Err(e) => Err(e),
                }
            }
            other => other,
        };
        self.missing_depth -= 1;
        Some(r)
    }

    /// `(Class ^name "N" ^parent P ^methods {^m f ...})`: a class made at run time
    /// (later 5.3); it is not bound to any name.
    pub(crate) fn dynamic_class(
        &mut self,
        args: Vec<Value>,
        kw: Vec<(Sym, Value)>,
    ) -> VmResult<Value> {
        if !args.is_empty() {
            return Err(self.arg_err("Class expects ^name, ^parent and ^methods"));
        }
        let mut name = String::from("<anonymous>");
        let mut parent = self.class("Object");
        let mut methods = indexmap::IndexMap::new();
        for (k, v) in kw {
            match (k.as_str(), v) {
                ("name", Value::Str(s)) => name = s.borrow().clone(),
                ("name", Value::Symbol(s)) => name = s.as_str().to_string(),
                ("parent", Value::Class(p)) => parent = Some(p),
                ("parent", Value::Nil) => {}
                ("methods", Value::Map(m)) => {
                    for (mk, mv) in m.borrow().iter() {
                        if !matches!(mv, Value::Function(_) | Value::Native(_)) {
                            return Err(self.type_err(format!(
                                "Class ^methods/{} must be a function",
                                mk.as_str()
                            )));
                        }
                        methods.insert(mk.clone(), mv.clone());
                    }
                }
                (key, other) => {
                    return Err(
                        self.arg_err(format!("Class: invalid ^{key} ({})", other.type_name()))
                    )
                }
            }
        }
        let members = Namespace::new(&name, Some(self.global.clone()));
        let typed_fields = parent.as_ref().is_some_and(|p| p.typed_fields);
        Ok(Value::Class(Rc::new(Class {
            name,
            parent,
            methods: std::cell::RefCell::new(methods),
            ctor: std::cell::RefCell::new(None),
            members,
            builtin: std::cell::Cell::new(None),
            fields: Vec::new(),
            typed_fields,
            interfaces: Vec::new(),
        })))
    }

    /// `(class C implements I ...)`: C declares every field and has every method of
    /// each interface (later 5.2).
    pub(crate) fn check_implements(&mut self, cls: &Rc<Class>) -> VmResult<()> {
        for i in &cls.interfaces {
            for f in &i.fields {
                let mut declared = false;
                let mut cur = Some(cls.clone());
                while let Some(c) = cur {
                    declared |= c.fields.iter().any(|(n, _)| n == f);
                    cur = c.parent.clone();
                }
                if !declared {
                    return Err(self.type_err(format!(
                        "Type error: class {} does not implement field {} required by interface {}",
                        cls.name,
                        f.as_str(),
                        i.name
                    )));
                }
            }
            for m in &i.methods {
                if cls.find_method(m).is_none() {
                    return Err(self.type_err(format!(
                        "Type error: class {} does not implement method {} required by interface {}",
                        cls.name,
                        m.as_str(),
                        i.name
                    )));
                }
            }
        }
        Ok(())
    }

    /// `(implement I for C BODY...)`: checks the adapter's methods against I and
    /// registers the adapter class for C (later 5.2).
    pub(crate) fn register_implementation(
        &mut self,
        iface: &Value,
        target: &Value,
        adapter: &Value,
    ) -> VmResult<()> {
        let Value::Interface(i) = iface else {
            return Err(self.type_err(format!(
                "implement expects an interface, got {}",
                iface.type_name()
            )));
        };
        let Value::Class(c) = target else {
            return Err(self.type_err(format!(
                "implement ... for expects a class, got {}",
                target.type_name()
            )));
        };
        let Value::Class(body) = adapter else {
            return Ok(());
        };
        for m in body.methods.borrow().keys() {
            if !i.methods.contains(m) && !i.fields.contains(m) {
                return Err(self.type_err(format!(
                    "Method {} is not declared on interface {}",
                    m.as_str(),
                    i.name
                )));
            }
        }
        let cls = Rc::new(Class {
            name: "VkAdapter".into(),
            parent: body.parent.clone(),
            methods: std::cell::RefCell::new(body.methods.borrow().clone()),
            ctor: std::cell::RefCell::new(body.ctor.borrow().clone()),
            members: body.members.clone(),
            builtin: std::cell::Cell::new(Some(BuiltinClass::Adapter)),
            fields: Vec::new(),
            // Property writes go through `adapter_set` (readonly and forwarded fields).
            typed_fields: true,
            interfaces: vec![i.clone()],
        });
        let mut impls = i.impls.borrow_mut();
        impls.retain(|(t, _)| !Rc::ptr_eq(t, c));
        impls.push((c.clone(), cls));
        Ok(())
    }

    /// The adapter class registered on `i` for the value's class or an ancestor.
    fn adapter_class(&self, i: &Interface, v: &Value) -> Option<Rc<Class>> {
        let impls = i.impls.borrow();
        if impls.is_empty() {
            return None;
        }
        let mut cur = self.class_of(v);
        while let Some(c) = cur {
            if let Some((_, a)) = impls.iter().find(|(t, _)| Rc::ptr_eq(t, &c)) {
                return Some(a.clone());
            }
            cur = c.parent.clone();
        }
        None
    }

    /// `(I value ARGS...)`: the value itself when its class implements I inline;
    /// else a new adapter when an external implementation covers its class, its
    /// constructor getting ARGS (later 5.2).
    pub(crate) fn interface_view(
        &mut self,
        i: &Rc<Interface>,
        args: Vec<Value>,
    ) -> VmResult<Value> {
        let mut args = args.into_iter();
        let Some(v) = args.next() else {
            return Err(self.arg_err(format!("{} expects a value", i.name)));
        };
        if let Value::Instance(inst) = &v {
            let mut cur = Some(inst.class.clone());
            while let Some(c) = cur {
                if c.interfaces.iter().any(|x| Rc::ptr_eq(x, i)) {
                    return Ok(v);
                }
                cur = c.parent.clone();
            }
        }
        if let Some(cls) = self.adapter_class(i, &v) {
            let mut props = crate::vm::value::PropMap::new();
            props.insert(self.intern("_genevalue"), v);
            props.insert(
                self.intern("_geneinternal"),
                Value::map(crate::vm::value::PropMap::new()),
            );
            let ctor = cls.find_ctor();
            let adapter = Value::Instance(Rc::new(Instance {
                class: cls,
                props: std::cell::RefCell::new(props),
            }));
            if let Some(ctor) = ctor {
                self.call_method_with(ctor, &adapter, args.collect())?;
            }
            return Ok(adapter);
        }
        let t = self.runtime_type_name(&v);
        Err(self.err(
            ErrorKind::Exception,
            format!(
                "No implementation found for interface {} on type {t}",
                i.name
            ),
        ))
    }

    /// The value an adapter wraps, when `inst` is one and `name` is a field or
    /// method of its interface: reads and calls of those fall back to it.
    pub(crate) fn adapter_target(&mut self, inst: &Instance, name: &Sym) -> Option<Value> {
        if inst.class.builtin.get() != Some(BuiltinClass::Adapter) {
            return None;
        }
        let i = inst.class.interfaces.first()?;
        if !i.fields.contains(name) && !i.methods.contains(name) {
            return None;
        }
        let key = self.intern("_genevalue");
        inst.props.borrow().get(&key).cloned()
    }

    /// A property write through an adapter: readonly interface fields refuse,
    /// other interface fields write the wrapped value, the rest the adapter.
    pub(crate) fn adapter_set(&mut self, inst: &Instance, name: Sym, v: Value) -> VmResult<()> {
        if let Some(i) = inst.class.interfaces.first() {
            if i.readonly.contains(&name) {
                return Err(self.err(
                    ErrorKind::Exception,
                    format!("Property {} is readonly", name.as_str()),
                ));
            }
        }
        if let Some(target) = self.adapter_target(inst, &name) {
            return self.set_member(&target, name, v);
        }
        inst.props.borrow_mut().insert(name, v);
        Ok(())
    }

    /// `a == b` with a user `==` method on the left operand (later 5.5).
    pub(crate) fn custom_eq(&mut self, a: &Value, b: &Value) -> Option<VmResult<bool>> {
        let Value::Instance(i) = a else {
            return None;
        };
        let eq = self.intern("==");
        let m = i.class.find_method(&eq)?;
        let depth = self.frames.len();
        let ret_to = self.stack.len();
        let r = match self.invoke(m, Some(a.clone()), vec![b.clone()], Vec::new(), ret_to) {
            Ok(true) => {
                if let Some(f) = self.frames.get_mut(depth) {
                    f.stop = true;
                }
                self.native_calls += 1;
                let r = self.run(depth);
                self.native_calls -= 1;
                r
            }
            Ok(false) => Ok(self.stack.pop().unwrap_or_default()),
            Err(e) => Err(e),
        };
        Some(r.map(|v| v.truthy()))
    }
}
