//! Gene values (7.5), ranges (7.4), iterators (5.6), numbers, chars and symbols.

use std::rc::Rc;

use super::bad_value;
use crate::vm::error::{ErrorKind, Throw, VmResult};
use crate::vm::value::{GeneObj, IterObj, RangeObj, Sealable, Value};
use crate::vm::{print, Args, Vm};

// ---- Gene ----

fn gene_of(vm: &mut Vm, recv: &Value, who: &str) -> VmResult<Rc<Sealable<GeneObj>>> {
    match recv {
        Value::Gene(g) => Ok(g.clone()),
        other => {
            let t = other.type_name();
            Err(vm.type_err(format!("{who} expects a Gene receiver, got {t}")))
        }
    }
}

pub(super) fn gene_type(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let g = gene_of(vm, recv, "Gene.type")?;
    let head = g.borrow().head.clone();
    Ok(head)
}

pub(super) fn gene_props(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let g = gene_of(vm, recv, "Gene.props")?;
    let props = g.borrow().props.clone();
    Ok(Value::map(props))
}

pub(super) fn gene_children(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let g = gene_of(vm, recv, "Gene.children")?;
    let kids = g.borrow().children.clone();
    Ok(Value::array(kids))
}

pub(super) fn gene_add_child(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let g = gene_of(vm, recv, "Gene.add_child")?;
    if g.is_sealed() {
        return Err(vm.sealed_err("append child to", "gene"));
    }
    let v = super::arg(vm, &args, 0, "Gene.add_child")?.clone();
    g.borrow_mut().children.push(v);
    Ok(recv.clone())
}

// ---- Range ----

/// Ranges longer than this are refused by `.to_a`.
const MAX_RANGE_ARRAY: i128 = 1 << 28;

fn range_of(vm: &mut Vm, recv: &Value, who: &str) -> VmResult<Rc<RangeObj>> {
    match recv {
        Value::Range(r) => Ok(r.clone()),
        other => {
            let t = other.type_name();
            Err(vm.type_err(format!("{who} expects a Range receiver, got {t}")))
        }
    }
}

/// Number of integers the range yields (inclusive end, by step).
fn range_len(r: &RangeObj) -> i128 {
    let (start, end, step) = (r.start as i128, r.end as i128, r.step() as i128);
    if step > 0 && start <= end {
        (end - start) / step + 1
    } else if step < 0 && start >= end {
        (start - end) / -step + 1
    } else {
        0
    }
}

pub(super) fn range_size(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let r = range_of(vm, recv, "Range.size")?;
    let n = range_len(&r);
    Ok(Value::Int(i64::try_from(n).unwrap_or(i64::MAX)))
}

pub(super) fn range_to_a(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let r = range_of(vm, recv, "Range.to_a")?;
    let n = range_len(&r);
    if n > MAX_RANGE_ARRAY.min(vm.config.max_array_len as i128) {
        return Err(vm.err(
            ErrorKind::Runtime,
            format!(
                "Range.to_a: range {} has too many elements ({n})",
                print::plain(recv)
            ),
        ));
    }
    let step = r.step();
    let out = (0..n as i64)
        .map(|i| Value::Int(r.start.wrapping_add(i.wrapping_mul(step))))
        .collect();
    Ok(Value::array(out))
}

pub(super) fn range_start(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    Ok(Value::Int(range_of(vm, recv, "Range.start")?.start))
}

pub(super) fn range_end(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    Ok(Value::Int(range_of(vm, recv, "Range.end")?.end))
}

pub(super) fn range_step(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    Ok(Value::Int(range_of(vm, recv, "Range.step")?.step()))
}

// ---- Iterator ----

fn not_iterator(vm: &mut Vm, recv: &Value, who: &str) -> Box<Throw> {
    let t = recv.type_name();
    vm.type_err(format!("{who} expects an Iterator receiver, got {t}"))
}

pub(super) fn iter_next(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    if !matches!(recv, Value::Iterator(_)) {
        return Err(not_iterator(vm, recv, "Iterator.next"));
    }
    Ok(match vm.iter_next(recv, 1)? {
        Some(mut v) => v.pop().unwrap_or(Value::Nil),
        None => Value::NotFound,
    })
}

pub(super) fn iter_next_pair(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    if !matches!(recv, Value::Iterator(_)) {
        return Err(not_iterator(vm, recv, "Iterator.next_pair"));
    }
    Ok(match vm.iter_next(recv, 2)? {
        Some(v) => Value::array(v),
        None => Value::NotFound,
    })
}

pub(super) fn iter_has_next(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let Value::Iterator(it) = recv else {
        return Err(not_iterator(vm, recv, "Iterator.has_next"));
    };
    let more = match &*it.borrow() {
        IterObj::Array { items, pos } => *pos < items.borrow().len(),
        IterObj::Map { map, pos } => *pos < map.borrow().len(),
        IterObj::Pairs { items, pos } => *pos < items.len(),
        IterObj::Range {
            next, end, step, ..
        } => *step != 0 && if *step > 0 { next <= end } else { next >= end },
    };
    Ok(Value::Bool(more))
}

pub(super) fn iter_self(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    if !matches!(recv, Value::Iterator(_)) {
        return Err(not_iterator(vm, recv, "Iterator.iter"));
    }
    Ok(recv.clone())
}

// ---- Numbers, chars, symbols ----

/// Display form as a string (`.to_s` on Int, Float, Char, Symbol).
pub(super) fn to_s(_vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    Ok(Value::str(print::display(recv)))
}

pub(super) fn num_to_i(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    match recv {
        Value::Int(i) => Ok(Value::Int(*i)),
        Value::Float(f) => {
            let t = f.trunc();
            // i64::MAX as f64 rounds up to 2^63, which is out of range.
            if t.is_finite() && t >= i64::MIN as f64 && t < i64::MAX as f64 {
                Ok(Value::Int(t as i64))
            } else {
                let shown = print::plain(recv);
                Err(bad_value(
                    vm,
                    format!("Float.to_i: {shown} is not representable as an Int"),
                ))
            }
        }
        other => {
            let t = other.type_name();
            Err(vm.type_err(format!(".to_i expects a number receiver, got {t}")))
        }
    }
}

pub(super) fn num_to_f(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    match recv {
        Value::Int(i) => Ok(Value::Float(*i as f64)),
        Value::Float(f) => Ok(Value::Float(*f)),
        other => {
            let t = other.type_name();
            Err(vm.type_err(format!(".to_f expects a number receiver, got {t}")))
        }
    }
}

pub(super) fn num_abs(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    match recv {
        Value::Int(i) => match i.checked_abs() {
            Some(a) => Ok(Value::Int(a)),
            None => Err(vm.err(ErrorKind::Runtime, "Integer overflow in Int.abs")),
        },
        Value::Float(f) => Ok(Value::Float(f.abs())),
        other => {
            let t = other.type_name();
            Err(vm.type_err(format!(".abs expects a number receiver, got {t}")))
        }
    }
}
