//! String methods (8.2) and the mutating `.append` (8.3). Indices count characters.

use super::{arg, bad_value, int_arg, norm_index, opt_int_arg, string_of, text_arg};
use crate::vm::error::VmResult;
use crate::vm::value::Value;
use crate::vm::{print, Args, Vm};

/// A copy of the receiver's text.
fn text(vm: &mut Vm, recv: &Value, who: &str) -> VmResult<String> {
    Ok(string_of(vm, recv, who)?.borrow().clone())
}

/// Character index of a byte offset that lies on a char boundary.
fn char_index(s: &str, byte: usize) -> i64 {
    s.get(..byte).map_or(0, |p| p.chars().count() as i64)
}

pub(super) fn length(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let s = string_of(vm, recv, "String.length")?;
    let n = s.borrow().chars().count();
    Ok(Value::Int(n as i64))
}

pub(super) fn to_upper(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let s = string_of(vm, recv, "String.to_upper")?;
    let up = s.borrow().to_uppercase();
    Ok(Value::str(up))
}

pub(super) fn to_lower(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let s = string_of(vm, recv, "String.to_lower")?;
    let low = s.borrow().to_lowercase();
    Ok(Value::str(low))
}

pub(super) fn capitalize(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let s = text(vm, recv, "String.capitalize")?;
    let mut cs = s.chars();
    let out = match cs.next() {
        Some(c) => c.to_uppercase().chain(cs).collect(),
        None => String::new(),
    };
    Ok(Value::str(out))
}

/// Appends in place (8.3): strings as-is, other values in display form.
pub(super) fn append(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let s = string_of(vm, recv, "String.append")?;
    arg(vm, &args, 0, "String.append")?;
    // Render first: an argument may be the receiver itself.
    let add: String = args.pos.iter().map(print::display).collect();
    let len = s.borrow().len().saturating_add(add.len());
    vm.check_str_len(len, "String.append")?;
    s.borrow_mut().push_str(&add);
    Ok(recv.clone())
}

pub(super) fn substr(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let s = text(vm, recv, "String.substr")?;
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len() as i64;
    let mut start = int_arg(vm, &args, 0, "String.substr")?;
    if start < 0 {
        start = start.saturating_add(n);
    }
    let start = start.clamp(0, n);
    let mut end = opt_int_arg(vm, &args, 1, "String.substr")?.unwrap_or(n - 1);
    if end < 0 {
        end = end.saturating_add(n);
    }
    let end = end.min(n - 1);
    if end < start {
        return Ok(Value::str(""));
    }
    let out: String = chars[start as usize..=end as usize].iter().collect();
    Ok(Value::str(out))
}

pub(super) fn split(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let s = text(vm, recv, "String.split")?;
    let sep = text_arg(vm, &args, 0, "String.split")?;
    let limit = opt_int_arg(vm, &args, 1, "String.split")?
        .filter(|l| *l > 0)
        .map(|l| l as usize);
    let pieces: Vec<String> = if sep.is_empty() {
        // An empty separator splits into characters.
        let chars: Vec<char> = s.chars().collect();
        match limit {
            Some(l) if chars.len() > l => {
                let mut v: Vec<String> = chars[..l - 1].iter().map(|c| c.to_string()).collect();
                v.push(chars[l - 1..].iter().collect());
                v
            }
            _ => chars.iter().map(|c| c.to_string()).collect(),
        }
    } else {
        match limit {
            Some(l) => s.splitn(l, sep.as_str()).map(str::to_string).collect(),
            None => s.split(sep.as_str()).map(str::to_string).collect(),
        }
    };
    Ok(Value::array(pieces.into_iter().map(Value::str).collect()))
}

pub(super) fn index(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let s = text(vm, recv, "String.index")?;
    let sub = text_arg(vm, &args, 0, "String.index")?;
    Ok(Value::Int(s.find(&sub).map_or(-1, |b| char_index(&s, b))))
}

pub(super) fn rindex(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let s = text(vm, recv, "String.rindex")?;
    let sub = text_arg(vm, &args, 0, "String.rindex")?;
    Ok(Value::Int(s.rfind(&sub).map_or(-1, |b| char_index(&s, b))))
}

pub(super) fn contains(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let s = string_of(vm, recv, "String.contains")?;
    let sub = text_arg(vm, &args, 0, "String.contains")?;
    let r = s.borrow().contains(&sub);
    Ok(Value::Bool(r))
}

pub(super) fn starts_with(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let s = string_of(vm, recv, "String.starts_with")?;
    let p = text_arg(vm, &args, 0, "String.starts_with")?;
    let r = s.borrow().starts_with(&p);
    Ok(Value::Bool(r))
}

pub(super) fn ends_with(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let s = string_of(vm, recv, "String.ends_with")?;
    let p = text_arg(vm, &args, 0, "String.ends_with")?;
    let r = s.borrow().ends_with(&p);
    Ok(Value::Bool(r))
}

pub(super) fn trim(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let s = string_of(vm, recv, "String.trim")?;
    let out = s.borrow().trim().to_string();
    Ok(Value::str(out))
}

pub(super) fn lstrip(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let s = string_of(vm, recv, "String.lstrip")?;
    let out = s.borrow().trim_start().to_string();
    Ok(Value::str(out))
}

pub(super) fn rstrip(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let s = string_of(vm, recv, "String.rstrip")?;
    let out = s.borrow().trim_end().to_string();
    Ok(Value::str(out))
}

pub(super) fn char_at(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let s = text(vm, recv, "String.char_at")?;
    let i = int_arg(vm, &args, 0, "String.char_at")?;
    let n = s.chars().count();
    match norm_index(i, n).and_then(|k| s.chars().nth(k)) {
        Some(c) => Ok(Value::str(c.to_string())),
        None => Err(bad_value(
            vm,
            format!("String.char_at: index {i} out of range for string of length {n}"),
        )),
    }
}

pub(super) fn chars(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let s = string_of(vm, recv, "String.chars")?;
    let out: Vec<Value> = s
        .borrow()
        .chars()
        .map(|c| Value::str(c.to_string()))
        .collect();
    Ok(Value::array(out))
}

pub(super) fn reverse(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let s = string_of(vm, recv, "String.reverse")?;
    let out: String = s.borrow().chars().rev().collect();
    Ok(Value::str(out))
}

pub(super) fn replace(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let s = text(vm, recv, "String.replace")?;
    let from = text_arg(vm, &args, 0, "String.replace")?;
    let to = text_arg(vm, &args, 1, "String.replace")?;
    if from.is_empty() {
        return Ok(Value::str(s));
    }
    Ok(Value::str(s.replacen(&from, &to, 1)))
}

pub(super) fn replace_all(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let s = text(vm, recv, "String.replace_all")?;
    let from = text_arg(vm, &args, 0, "String.replace_all")?;
    let to = text_arg(vm, &args, 1, "String.replace_all")?;
    if from.is_empty() {
        return Ok(Value::str(s));
    }
    if to.len() > from.len() {
        let grow = (to.len() - from.len()).saturating_mul(s.matches(from.as_str()).count());
        vm.check_str_len(s.len().saturating_add(grow), "String.replace_all")?;
    }
    Ok(Value::str(s.replace(&from, &to)))
}

pub(super) fn to_i(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let s = text(vm, recv, "String.to_i")?;
    match s.trim().parse::<i64>() {
        Ok(n) => Ok(Value::Int(n)),
        Err(_) => Err(bad_value(
            vm,
            format!("String.to_i: cannot parse {s:?} as an integer"),
        )),
    }
}

pub(super) fn to_f(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let s = text(vm, recv, "String.to_f")?;
    match s.trim().parse::<f64>() {
        Ok(f) => Ok(Value::Float(f)),
        Err(_) => Err(bad_value(
            vm,
            format!("String.to_f: cannot parse {s:?} as a number"),
        )),
    }
}

pub(super) fn is_empty(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let s = string_of(vm, recv, "String.empty?")?;
    let r = s.borrow().is_empty();
    Ok(Value::Bool(r))
}

pub(super) fn not_empty(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let s = string_of(vm, recv, "String.not_empty?")?;
    let r = !s.borrow().is_empty();
    Ok(Value::Bool(r))
}

pub(super) fn to_s(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    string_of(vm, recv, "String.to_s")?;
    Ok(recv.clone())
}
