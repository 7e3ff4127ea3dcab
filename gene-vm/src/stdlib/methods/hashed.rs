//! Methods of hash maps and hash sets (later 7.2-7.3).

use std::cell::RefCell;
use std::rc::Rc;

use crate::stdlib::arg;
use crate::vm::error::VmResult;
use crate::vm::hashed::HashedObj;
use crate::vm::value::Value;
use crate::vm::{Args, Vm};

fn obj(vm: &mut Vm, recv: &Value, who: &str) -> VmResult<Rc<RefCell<HashedObj>>> {
    match recv {
        Value::HashMap(m) | Value::HashSet(m) => Ok(m.clone()),
        other => {
            let t = other.type_name();
            Err(vm.type_err(format!(
                "{who} expects a HashMap or HashSet receiver, got {t}"
            )))
        }
    }
}

/// `#{{...}}` refuses every change (later 7.1).
fn refuse_sealed(vm: &mut Vm, m: &Rc<RefCell<HashedObj>>, op: &str) -> VmResult<()> {
    if m.borrow().sealed {
        return Err(vm.sealed_err(op, "hash map"));
    }
    Ok(())
}

fn lookup(vm: &mut Vm, m: &Rc<RefCell<HashedObj>>, k: &Value) -> VmResult<Option<Value>> {
    vm.hashed_get(m, k)
}

pub(super) fn get(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let m = obj(vm, recv, "HashMap.get")?;
    let k = arg(vm, &args, 0, "HashMap.get")?.clone();
    let default = args.pos.get(1).cloned().unwrap_or_default();
    Ok(lookup(vm, &m, &k)?.unwrap_or(default))
}

pub(super) fn set(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let m = obj(vm, recv, "HashMap.set")?;
    refuse_sealed(vm, &m, "set item on")?;
    let k = arg(vm, &args, 0, "HashMap.set")?.clone();
    let v = arg(vm, &args, 1, "HashMap.set")?.clone();
    vm.hashed_set(&m, k, v)?;
    Ok(recv.clone())
}

pub(super) fn add(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let m = obj(vm, recv, "HashSet.add")?;
    for v in args.pos {
        vm.hashed_set(&m, v.clone(), v)?;
    }
    Ok(recv.clone())
}

pub(super) fn has(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let m = obj(vm, recv, "has")?;
    let k = arg(vm, &args, 0, "has")?.clone();
    Ok(Value::Bool(lookup(vm, &m, &k)?.is_some()))
}

pub(super) fn del(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let m = obj(vm, recv, "del")?;
    refuse_sealed(vm, &m, "delete from")?;
    let mut last = Value::Nil;
    for k in &args.pos {
        if let Some(v) = vm.hashed_remove(&m, k)? {
            last = v;
        }
    }
    // A set answers itself (later 7.3); a map the last removed value.
    Ok(if matches!(recv, Value::HashSet(_)) {
        recv.clone()
    } else {
        last
    })
}

pub(super) fn size(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let m = obj(vm, recv, "size")?;
    let n = m.borrow().entries.len();
    Ok(Value::Int(n as i64))
}

pub(super) fn clear(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let m = obj(vm, recv, "clear")?;
    refuse_sealed(vm, &m, "clear")?;
    m.borrow_mut().clear();
    Ok(recv.clone())
}

pub(super) fn keys(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let m = obj(vm, recv, "keys")?;
    let ks = m.borrow().entries.iter().map(|(k, _)| k.clone()).collect();
    Ok(Value::array(ks))
}

pub(super) fn values(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let m = obj(vm, recv, "values")?;
    let vs = m.borrow().entries.iter().map(|(_, v)| v.clone()).collect();
    Ok(Value::array(vs))
}

pub(super) fn pairs(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let m = obj(vm, recv, "pairs")?;
    let ps = m
        .borrow()
        .entries
        .iter()
        .map(|(k, v)| Value::array(vec![k.clone(), v.clone()]))
        .collect();
    Ok(Value::array(ps))
}

/// `.immutable?` on arrays, maps, Gene values and hash maps (later 7.1).
pub(super) fn immutable(_vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    Ok(Value::Bool(crate::vm::value::is_sealed(recv)))
}

fn other_set(vm: &mut Vm, args: &Args, who: &str) -> VmResult<Rc<RefCell<HashedObj>>> {
    match arg(vm, args, 0, who)? {
        Value::HashSet(s) => Ok(s.clone()),
        other => {
            let t = other.type_name();
            Err(vm.type_err(format!("{who} expects a HashSet, got {t}")))
        }
    }
}

/// A new set of `members` (duplicates dropped), hashed and compared as keys.
fn set_from(vm: &mut Vm, members: Vec<Value>) -> VmResult<Value> {
    vm.hash_set_of(members)
}

fn members(s: &Rc<RefCell<HashedObj>>) -> Vec<Value> {
    s.borrow().entries.iter().map(|(k, _)| k.clone()).collect()
}

pub(super) fn union(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let a = obj(vm, recv, "HashSet.union")?;
    let b = other_set(vm, &args, "HashSet.union")?;
    let mut all = members(&a);
    all.extend(members(&b));
    set_from(vm, all)
}

/// The receiver's members that are (`wanted`) or are not in `other`.
fn keep_by(
    vm: &mut Vm,
    a: &Rc<RefCell<HashedObj>>,
    other: &Rc<RefCell<HashedObj>>,
    wanted: bool,
) -> VmResult<Vec<Value>> {
    let mut keep = Vec::new();
    for k in members(a) {
        if vm.hashed_get(other, &k)?.is_some() == wanted {
            keep.push(k);
        }
    }
    Ok(keep)
}

pub(super) fn intersect(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let a = obj(vm, recv, "HashSet.intersect")?;
    let b = other_set(vm, &args, "HashSet.intersect")?;
    let keep = keep_by(vm, &a, &b, true)?;
    set_from(vm, keep)
}

pub(super) fn diff(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let a = obj(vm, recv, "HashSet.diff")?;
    let b = other_set(vm, &args, "HashSet.diff")?;
    let keep = keep_by(vm, &a, &b, false)?;
    set_from(vm, keep)
}

pub(super) fn subset(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let a = obj(vm, recv, "HashSet.subset?")?;
    let b = other_set(vm, &args, "HashSet.subset?")?;
    let outside = keep_by(vm, &a, &b, false)?;
    Ok(Value::Bool(outside.is_empty()))
}

pub(super) fn iter(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    vm.make_iter(recv.clone())
}
