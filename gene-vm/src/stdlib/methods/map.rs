//! Map methods (7.3). Keys reach callbacks as strings; callbacks run on a
//! snapshot of the entries.

use super::{arg, fn_arg, key_arg, map_of};
use crate::vm::error::VmResult;
use crate::vm::value::{PropMap, Sym, Value};
use crate::vm::{Args, Vm};

/// A copy of the receiver's entries.
fn entries(vm: &mut Vm, recv: &Value, who: &str) -> VmResult<Vec<(Sym, Value)>> {
    let m = map_of(vm, recv, who)?;
    let m = m.borrow();
    Ok(m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

fn key_str(k: &Sym) -> Value {
    Value::str(k.as_str())
}

pub(super) fn size(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let m = map_of(vm, recv, "Map.size")?;
    let n = m.borrow().len();
    Ok(Value::Int(n as i64))
}

pub(super) fn get(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let m = map_of(vm, recv, "Map.get")?;
    let k = key_arg(vm, &args, 0, "Map.get")?;
    let found = m.borrow().get(&k).cloned();
    Ok(found.unwrap_or_else(|| args.pos.get(1).cloned().unwrap_or(Value::Nil)))
}

pub(super) fn set(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let m = map_of(vm, recv, "Map.set")?;
    if m.is_sealed() {
        return Err(vm.sealed_err("set item on", "map"));
    }
    let k = key_arg(vm, &args, 0, "Map.set")?;
    let v = arg(vm, &args, 1, "Map.set")?.clone();
    m.borrow_mut().insert(k, v);
    Ok(recv.clone())
}

pub(super) fn contains(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let m = map_of(vm, recv, "Map.contains")?;
    let k = key_arg(vm, &args, 0, "Map.contains")?;
    let r = m.borrow().contains_key(&k);
    Ok(Value::Bool(r))
}

pub(super) fn del(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let m = map_of(vm, recv, "Map.del")?;
    if m.is_sealed() {
        return Err(vm.sealed_err("delete from", "map"));
    }
    arg(vm, &args, 0, "Map.del")?;
    let mut last = Value::Nil;
    for i in 0..args.pos.len() {
        let k = key_arg(vm, &args, i, "Map.del")?;
        let removed = m.borrow_mut().shift_remove(&k);
        if let Some(v) = removed {
            last = v;
        }
    }
    Ok(last)
}

pub(super) fn keys(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let m = map_of(vm, recv, "Map.keys")?;
    let out: Vec<Value> = m.borrow().keys().map(key_str).collect();
    Ok(Value::array(out))
}

pub(super) fn values(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let m = map_of(vm, recv, "Map.values")?;
    let out: Vec<Value> = m.borrow().values().cloned().collect();
    Ok(Value::array(out))
}

pub(super) fn pairs(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let es = entries(vm, recv, "Map.pairs")?;
    let out = es
        .into_iter()
        .map(|(k, v)| Value::array(vec![key_str(&k), v]))
        .collect();
    Ok(Value::array(out))
}

pub(super) fn each(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let es = entries(vm, recv, "Map.each")?;
    let f = fn_arg(vm, &args, 0, "Map.each")?;
    for (k, v) in es {
        vm.call_value(&f, vec![key_str(&k), v])?;
    }
    Ok(recv.clone())
}

pub(super) fn map(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let es = entries(vm, recv, "Map.map")?;
    let f = fn_arg(vm, &args, 0, "Map.map")?;
    let mut out = PropMap::with_capacity(es.len());
    for (k, v) in es {
        let r = vm.call_value(&f, vec![key_str(&k), v])?;
        out.insert(k, r);
    }
    Ok(Value::map(out))
}

pub(super) fn filter(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let es = entries(vm, recv, "Map.filter")?;
    let f = fn_arg(vm, &args, 0, "Map.filter")?;
    let mut out = PropMap::new();
    for (k, v) in es {
        if vm.call_value(&f, vec![key_str(&k), v.clone()])?.truthy() {
            out.insert(k, v);
        }
    }
    Ok(Value::map(out))
}

pub(super) fn reduce(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let es = entries(vm, recv, "Map.reduce")?;
    let mut acc = arg(vm, &args, 0, "Map.reduce")?.clone();
    let f = fn_arg(vm, &args, 1, "Map.reduce")?;
    for (k, v) in es {
        acc = vm.call_value(&f, vec![acc, key_str(&k), v])?;
    }
    Ok(acc)
}

pub(super) fn merge(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let m = map_of(vm, recv, "Map.merge")?;
    if m.is_sealed() {
        return Err(vm.sealed_err("merge into", "map"));
    }
    arg(vm, &args, 0, "Map.merge")?;
    for other in &args.pos {
        let es: Vec<(Sym, Value)> = match other {
            Value::Map(o) => o
                .borrow()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            Value::Nil => continue,
            other => {
                let t = other.type_name();
                return Err(vm.arg_err(format!("Map.merge expects a map argument, got {t}")));
            }
        };
        let mut m = m.borrow_mut();
        for (k, v) in es {
            m.insert(k, v);
        }
    }
    Ok(recv.clone())
}

pub(super) fn is_empty(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let m = map_of(vm, recv, "Map.empty?")?;
    let r = m.borrow().is_empty();
    Ok(Value::Bool(r))
}

pub(super) fn not_empty(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let m = map_of(vm, recv, "Map.not_empty?")?;
    let r = !m.borrow().is_empty();
    Ok(Value::Bool(r))
}

pub(super) fn clear(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let m = map_of(vm, recv, "Map.clear")?;
    if m.is_sealed() {
        return Err(vm.sealed_err("clear", "map"));
    }
    m.borrow_mut().clear();
    Ok(recv.clone())
}
