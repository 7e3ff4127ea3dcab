//! Array methods (7.2). Callbacks run on a snapshot of the elements, so a
//! callback may mutate the array without invalidating the iteration.

use super::{arg, array_of, bad_value, fn_arg, int_arg, key_of, norm_index, opt_int_arg, text_arg};
use crate::vm::error::VmResult;
use crate::vm::value::{values_equal, PropMap, Value};
use crate::vm::{print, Args, Vm};

/// A copy of the receiver's elements.
fn items(vm: &mut Vm, recv: &Value, who: &str) -> VmResult<Vec<Value>> {
    Ok(array_of(vm, recv, who)?.borrow().clone())
}

pub(super) fn size(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let a = array_of(vm, recv, "Array.size")?;
    let n = a.borrow().len();
    Ok(Value::Int(n as i64))
}

pub(super) fn add(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let a = array_of(vm, recv, "Array.add")?;
    if a.is_sealed() {
        return Err(vm.sealed_err("append to", "array"));
    }
    let v = arg(vm, &args, 0, "Array.add")?.clone();
    let len = a.borrow().len();
    vm.check_array_len(len.saturating_add(1), "Array.add")?;
    a.borrow_mut().push(v);
    Ok(recv.clone())
}

pub(super) fn push(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let a = array_of(vm, recv, "Array.push")?;
    if a.is_sealed() {
        return Err(vm.sealed_err("append to", "array"));
    }
    let v = arg(vm, &args, 0, "Array.push")?.clone();
    let len = a.borrow().len();
    vm.check_array_len(len.saturating_add(1), "Array.push")?;
    let mut a = a.borrow_mut();
    a.push(v);
    Ok(Value::Int(a.len() as i64))
}

pub(super) fn get(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let a = array_of(vm, recv, "Array.get")?;
    let i = int_arg(vm, &args, 0, "Array.get")?;
    if i < 0 {
        return Ok(Value::Nil);
    }
    let a = a.borrow();
    Ok(a.get(i as usize).cloned().unwrap_or(Value::Nil))
}

pub(super) fn set(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let a = array_of(vm, recv, "Array.set")?;
    if a.is_sealed() {
        return Err(vm.sealed_err("set item on", "array"));
    }
    let i = int_arg(vm, &args, 0, "Array.set")?;
    let v = arg(vm, &args, 1, "Array.set")?.clone();
    let len = a.borrow().len();
    match norm_index(i, len) {
        Some(k) => {
            a.borrow_mut()[k] = v;
            Ok(recv.clone())
        }
        None => Err(bad_value(
            vm,
            format!("Array.set: index {i} out of range for array of size {len}"),
        )),
    }
}

pub(super) fn del(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let a = array_of(vm, recv, "Array.del")?;
    if a.is_sealed() {
        return Err(vm.sealed_err("delete from", "array"));
    }
    let i = int_arg(vm, &args, 0, "Array.del")?;
    let len = a.borrow().len();
    match norm_index(i, len) {
        Some(k) => Ok(a.borrow_mut().remove(k)),
        None => Err(bad_value(
            vm,
            format!("Array.del: index {i} out of range for array of size {len}"),
        )),
    }
}

pub(super) fn pop(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let a = array_of(vm, recv, "Array.pop")?;
    if a.is_sealed() {
        return Err(vm.sealed_err("pop from", "array"));
    }
    let v = a.borrow_mut().pop();
    Ok(v.unwrap_or(Value::Nil))
}

pub(super) fn first(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let a = array_of(vm, recv, "Array.first")?;
    let v = a.borrow().first().cloned();
    Ok(v.unwrap_or(Value::Nil))
}

pub(super) fn last(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let a = array_of(vm, recv, "Array.last")?;
    let v = a.borrow().last().cloned();
    Ok(v.unwrap_or(Value::Nil))
}

pub(super) fn is_empty(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let a = array_of(vm, recv, "Array.empty?")?;
    let r = a.borrow().is_empty();
    Ok(Value::Bool(r))
}

pub(super) fn not_empty(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let a = array_of(vm, recv, "Array.not_empty?")?;
    let r = !a.borrow().is_empty();
    Ok(Value::Bool(r))
}

pub(super) fn contains(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let a = array_of(vm, recv, "Array.contains")?;
    let v = arg(vm, &args, 0, "Array.contains")?;
    let r = a.borrow().iter().any(|x| values_equal(x, v));
    Ok(Value::Bool(r))
}

pub(super) fn index_of(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let a = array_of(vm, recv, "Array.index_of")?;
    let v = arg(vm, &args, 0, "Array.index_of")?;
    let r = a.borrow().iter().position(|x| values_equal(x, v));
    Ok(Value::Int(r.map_or(-1, |i| i as i64)))
}

pub(super) fn each(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let xs = items(vm, recv, "Array.each")?;
    let f = fn_arg(vm, &args, 0, "Array.each")?;
    for x in xs {
        vm.call_value(&f, vec![x])?;
    }
    Ok(recv.clone())
}

pub(super) fn map(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let xs = items(vm, recv, "Array.map")?;
    let f = fn_arg(vm, &args, 0, "Array.map")?;
    let mut out = Vec::with_capacity(xs.len());
    for x in xs {
        out.push(vm.call_value(&f, vec![x])?);
    }
    Ok(Value::array(out))
}

pub(super) fn filter(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let xs = items(vm, recv, "Array.filter")?;
    let f = fn_arg(vm, &args, 0, "Array.filter")?;
    let mut out = Vec::new();
    for x in xs {
        if vm.call_value(&f, vec![x.clone()])?.truthy() {
            out.push(x);
        }
    }
    Ok(Value::array(out))
}

pub(super) fn reduce(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let xs = items(vm, recv, "Array.reduce")?;
    let mut acc = arg(vm, &args, 0, "Array.reduce")?.clone();
    let f = fn_arg(vm, &args, 1, "Array.reduce")?;
    for x in xs {
        acc = vm.call_value(&f, vec![acc, x])?;
    }
    Ok(acc)
}

pub(super) fn find(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let xs = items(vm, recv, "Array.find")?;
    let f = fn_arg(vm, &args, 0, "Array.find")?;
    for x in xs {
        if vm.call_value(&f, vec![x.clone()])?.truthy() {
            return Ok(x);
        }
    }
    Ok(Value::Nil)
}

pub(super) fn any(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let xs = items(vm, recv, "Array.any")?;
    let f = fn_arg(vm, &args, 0, "Array.any")?;
    for x in xs {
        if vm.call_value(&f, vec![x])?.truthy() {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

pub(super) fn all(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let xs = items(vm, recv, "Array.all")?;
    let f = fn_arg(vm, &args, 0, "Array.all")?;
    for x in xs {
        if !vm.call_value(&f, vec![x])?.truthy() {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

pub(super) fn join(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let a = array_of(vm, recv, "Array.join")?;
    let sep = match args.pos.first() {
        None | Some(Value::Nil) => String::new(),
        Some(_) => text_arg(vm, &args, 0, "Array.join")?,
    };
    let parts: Vec<String> = a.borrow().iter().map(print::display).collect();
    let len = parts
        .iter()
        .map(String::len)
        .fold(sep.len().saturating_mul(parts.len()), usize::saturating_add);
    vm.check_str_len(len, "Array.join")?;
    Ok(Value::str(parts.join(&sep)))
}

pub(super) fn reverse(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let mut xs = items(vm, recv, "Array.reverse")?;
    xs.reverse();
    Ok(Value::array(xs))
}

/// Normalises a slice bound: negative counts from the end, then clamped to `0..=len`.
fn bound(i: i64, len: usize) -> usize {
    let n = len as i64;
    let i = if i < 0 { i.saturating_add(n) } else { i };
    i.clamp(0, n) as usize
}

pub(super) fn slice(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let a = array_of(vm, recv, "Array.slice")?;
    let start = int_arg(vm, &args, 0, "Array.slice")?;
    let end = opt_int_arg(vm, &args, 1, "Array.slice")?;
    let a = a.borrow();
    let len = a.len();
    let start = bound(start, len);
    let end = end.map_or(len, |e| bound(e, len));
    if end <= start {
        return Ok(Value::array(Vec::new()));
    }
    Ok(Value::array(a[start..end].to_vec()))
}

fn count_arg(vm: &mut Vm, args: &Args, who: &str, len: usize) -> VmResult<usize> {
    let n = int_arg(vm, args, 0, who)?;
    Ok(n.clamp(0, len as i64) as usize)
}

pub(super) fn take(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let mut xs = items(vm, recv, "Array.take")?;
    let n = count_arg(vm, &args, "Array.take", xs.len())?;
    xs.truncate(n);
    Ok(Value::array(xs))
}

pub(super) fn skip(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let xs = items(vm, recv, "Array.skip")?;
    let n = count_arg(vm, &args, "Array.skip", xs.len())?;
    Ok(Value::array(xs[n..].to_vec()))
}

pub(super) fn zip(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let xs = items(vm, recv, "Array.zip")?;
    let ys = match arg(vm, &args, 0, "Array.zip")? {
        Value::Array(b) => b.borrow().clone(),
        other => {
            let t = other.type_name();
            return Err(vm.arg_err(format!("Array.zip expects an array argument, got {t}")));
        }
    };
    let out = xs
        .into_iter()
        .zip(ys)
        .map(|(x, y)| Value::array(vec![x, y]))
        .collect();
    Ok(Value::array(out))
}

pub(super) fn pairs(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let xs = items(vm, recv, "Array.pairs")?;
    let out = xs
        .into_iter()
        .enumerate()
        .map(|(i, x)| Value::array(vec![Value::Int(i as i64), x]))
        .collect();
    Ok(Value::array(out))
}

pub(super) fn sort(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let xs = items(vm, recv, "Array.sort")?;
    match args.pos.first() {
        None | Some(Value::Nil) => {
            // By display form as text (so [10 9] stays [10 9]); stable.
            let mut keyed: Vec<(String, Value)> =
                xs.into_iter().map(|x| (print::display(&x), x)).collect();
            keyed.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(Value::array(keyed.into_iter().map(|(_, x)| x).collect()))
        }
        Some(f) => {
            let f = f.clone();
            let sorted = merge_sort(vm, xs, &f)?;
            Ok(Value::array(sorted))
        }
    }
}

/// True if `a` must come strictly before `b` by the comparator: an int result
/// below 0, or `true`.
fn before(vm: &mut Vm, f: &Value, a: &Value, b: &Value) -> VmResult<bool> {
    match vm.call_value(f, vec![a.clone(), b.clone()])? {
        Value::Bool(x) => Ok(x),
        Value::Int(n) => Ok(n < 0),
        Value::Float(x) => Ok(x < 0.0),
        other => {
            let t = other.type_name();
            Err(vm.type_err(format!(
                "Array.sort: the comparator must return an Int or a Bool, got {t}"
            )))
        }
    }
}

/// Stable merge sort with a fallible comparator (a Gene callback may throw,
/// and an inconsistent comparator must not panic).
fn merge_sort(vm: &mut Vm, mut xs: Vec<Value>, f: &Value) -> VmResult<Vec<Value>> {
    if xs.len() <= 1 {
        return Ok(xs);
    }
    let right = xs.split_off(xs.len() / 2);
    let left = merge_sort(vm, xs, f)?;
    let right = merge_sort(vm, right, f)?;
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        if before(vm, f, &right[j], &left[i])? {
            out.push(right[j].clone());
            j += 1;
        } else {
            out.push(left[i].clone());
            i += 1;
        }
    }
    out.extend_from_slice(&left[i..]);
    out.extend_from_slice(&right[j..]);
    Ok(out)
}

pub(super) fn clear(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let a = array_of(vm, recv, "Array.clear")?;
    if a.is_sealed() {
        return Err(vm.sealed_err("clear", "array"));
    }
    a.borrow_mut().clear();
    Ok(recv.clone())
}

pub(super) fn to_map(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let xs = items(vm, recv, "Array.to_map")?;
    let mut m = PropMap::new();
    for x in xs {
        let pair = match &x {
            Value::Array(p) if p.borrow().len() == 2 => p.borrow().clone(),
            other => {
                let shown = print::quoted(other);
                return Err(vm.arg_err(format!(
                    "Array.to_map expects [key value] pairs, got {shown}"
                )));
            }
        };
        let k = key_of(vm, &pair[0], "Array.to_map")?;
        m.insert(k, pair[1].clone());
    }
    Ok(Value::map(m))
}
