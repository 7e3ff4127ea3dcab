//! Type natives (later 3.6): `typeof`.

use super::{arg, MethodDef, NativeDef};
use crate::vm::error::VmResult;
use crate::vm::value::Value;
use crate::vm::{Args, Vm};

pub(super) const NATIVES: &[NativeDef] = &[
    NativeDef {
        path: "typeof",
        aliases: &["gene/typeof"],
        params: "value",
        doc:
            "The runtime type name of the value as a string (`Int`, `Point`, `Shape`, `VkChar`...).",
        deprecated: None,
        returns_future: false,
        f: typeof_fn,
    },
    NativeDef {
        path: "function_intent",
        aliases: &[],
        params: "f",
        doc: "The `^intent` text of a function, or nil.",
        deprecated: None,
        returns_future: false,
        f: intent_fn,
    },
    NativeDef {
        path: "function_examples",
        aliases: &[],
        params: "f",
        doc: "The `^examples` of a function as written (a flat array), or nil.",
        deprecated: None,
        returns_future: false,
        f: examples_fn,
    },
];

pub(super) const EQUIV: &[NativeDef] = &[NativeDef {
    path: "types_equivalent",
    aliases: &[],
    params: "a b",
    doc: "True when two types accept the same values (union order does not matter).",
    deprecated: None,
    returns_future: false,
    f: types_equivalent,
}];

fn types_equivalent(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let a = arg(vm, &args, 0, "types_equivalent")?.clone();
    let b = arg(vm, &args, 1, "types_equivalent")?.clone();
    // Names of aliases stand for what they alias.
    let resolve = |vm: &mut Vm, v: &Value| -> Option<crate::compile::hir::TypeExpr> {
        let t = crate::vm::types::value_to_type(v)?;
        if let crate::compile::hir::TypeExpr::Named(n) = &t {
            if let Some(Value::Type(alias)) = vm.type_value(n) {
                return Some((*alias).clone());
            }
        }
        Some(t)
    };
    match (resolve(vm, &a), resolve(vm, &b)) {
        (Some(x), Some(y)) => Ok(Value::Bool(
            crate::vm::types::normalize(&x) == crate::vm::types::normalize(&y),
        )),
        _ => Err(vm.type_err("types_equivalent expects two types")),
    }
}

pub(super) const METHODS: &[MethodDef] = &[
    MethodDef {
        class: "Namespace",
        names: &["on_member_missing"],
        params: "handler",
        doc: "Registers (fn [name] ...) for missing members; a non-nil answer becomes the member.",
        f: on_member_missing,
    },
    MethodDef {
        class: "Function",
        names: &["intent"],
        params: "",
        doc: "The `^intent` text, or nil.",
        f: intent_method,
    },
    MethodDef {
        class: "Function",
        names: &["examples"],
        params: "",
        doc: "The `^examples` as written, or nil.",
        f: examples_method,
    },
    MethodDef {
        class: "Class",
        names: &["method_intent"],
        params: "name",
        doc: "The `^intent` of a method, or nil.",
        f: method_intent,
    },
];

fn proto_of(v: &Value) -> Option<std::rc::Rc<crate::compile::FnProto>> {
    match v {
        Value::Function(c) => Some(c.proto.clone()),
        Value::Bound(b) => proto_of(&b.method),
        _ => None,
    }
}

fn intent_of(v: &Value) -> Value {
    proto_of(v)
        .and_then(|p| p.intent.clone())
        .map_or(Value::Nil, Value::str)
}

fn examples_of(v: &Value) -> Value {
    proto_of(v)
        .and_then(|p| p.examples.clone())
        .map_or(Value::Nil, |e| crate::vm::slow_ops::deep_copy(&e))
}

fn intent_fn(vm: &mut Vm, args: Args) -> VmResult<Value> {
    Ok(intent_of(arg(vm, &args, 0, "function_intent")?))
}

fn examples_fn(vm: &mut Vm, args: Args) -> VmResult<Value> {
    Ok(examples_of(arg(vm, &args, 0, "function_examples")?))
}

fn intent_method(_vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    Ok(intent_of(recv))
}

fn examples_method(_vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    Ok(examples_of(recv))
}

fn method_intent(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let Value::Class(c) = recv else {
        return Ok(Value::Nil);
    };
    let name = match arg(vm, &args, 0, ".method_intent")? {
        Value::Str(s) => vm.intern(&s.borrow()),
        Value::Symbol(s) => s.clone(),
        _ => return Ok(Value::Nil),
    };
    Ok(c.find_method(&name).map_or(Value::Nil, |m| intent_of(&m)))
}

fn typeof_fn(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let v = arg(vm, &args, 0, "typeof")?.clone();
    Ok(Value::str(vm.runtime_type_name(&v)))
}

fn on_member_missing(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let Value::Namespace(ns) = recv else {
        return Err(vm.type_err("on_member_missing is for namespaces"));
    };
    let f = arg(vm, &args, 0, ".on_member_missing")?.clone();
    let key = vm.intern(crate::vm::access::MEMBER_MISSING);
    match ns.get(&key) {
        Some(Value::Array(a)) => a.borrow_mut().push(f),
        _ => ns.set(key, Value::array(vec![f])),
    }
    Ok(Value::Nil)
}
