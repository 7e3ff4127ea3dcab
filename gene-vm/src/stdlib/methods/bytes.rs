//! Bytes values and the byte views of strings (later 7.4).

use std::rc::Rc;

use crate::stdlib::arg;
use crate::vm::error::{ErrorKind, VmResult};
use crate::vm::value::Value;
use crate::vm::{Args, Vm};

fn bytes_of(vm: &mut Vm, recv: &Value, who: &str) -> VmResult<Rc<Vec<u8>>> {
    match recv {
        Value::Bytes(b) => Ok(b.clone()),
        other => {
            let t = other.type_name();
            Err(vm.type_err(format!("{who} expects a Bytes receiver, got {t}")))
        }
    }
}

fn text_of(vm: &mut Vm, recv: &Value, who: &str) -> VmResult<String> {
    match recv {
        Value::Str(s) => Ok(s.borrow().clone()),
        other => {
            let t = other.type_name();
            Err(vm.type_err(format!("{who} expects a String receiver, got {t}")))
        }
    }
}

pub(super) fn size(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    Ok(Value::Int(bytes_of(vm, recv, "Bytes.size")?.len() as i64))
}

/// The byte at `i` as a one-byte Bytes value.
pub(super) fn get(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let b = bytes_of(vm, recv, "Bytes.get")?;
    let i = match arg(vm, &args, 0, "Bytes.get")? {
        Value::Int(i) => *i,
        other => {
            let t = other.type_name();
            return Err(vm.type_err(format!("Bytes.get expects an Int index, got {t}")));
        }
    };
    let at = if i < 0 { b.len() as i64 + i } else { i };
    match usize::try_from(at).ok().and_then(|k| b.get(k)) {
        Some(x) => Ok(Value::Bytes(Rc::new(vec![*x]))),
        None => Err(vm.err(
            ErrorKind::Exception,
            format!("Bytes index out of bounds: {i} (size: {})", b.len()),
        )),
    }
}

pub(super) fn to_array(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let b = bytes_of(vm, recv, "Bytes.to_array")?;
    Ok(Value::array(
        b.iter().map(|x| Value::Int(*x as i64)).collect(),
    ))
}

pub(super) fn str_bytes(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let s = text_of(vm, recv, "bytes")?;
    Ok(Value::Bytes(Rc::new(s.into_bytes())))
}

pub(super) fn str_bytesize(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    Ok(Value::Int(text_of(vm, recv, "bytesize")?.len() as i64))
}

pub(super) fn str_each_byte(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let s = text_of(vm, recv, "each_byte")?;
    Ok(Value::array(
        s.bytes().map(|x| Value::Int(x as i64)).collect(),
    ))
}

/// Bytes `start..=end` (negative from the end, clamped).
pub(super) fn str_byteslice(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let s = text_of(vm, recv, "byteslice")?;
    let n = s.len() as i64;
    let idx = |v: Option<&Value>, default: i64| match v {
        Some(Value::Int(i)) if *i < 0 => n + i,
        Some(Value::Int(i)) => *i,
        _ => default,
    };
    let start = idx(args.pos.first(), 0).clamp(0, n);
    let end = idx(args.pos.get(1), n - 1).clamp(-1, n - 1);
    let out = if end < start {
        Vec::new()
    } else {
        s.as_bytes()[start as usize..=end as usize].to_vec()
    };
    Ok(Value::Bytes(Rc::new(out)))
}
