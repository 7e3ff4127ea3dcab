//! Dates, times and durations (later 9): accessors, `gene/today`, `gene/now`,
//! `$duration_start` / `$duration`.

use std::rc::Rc;

use super::{MethodDef, NativeDef};
use crate::syntax::datetime::{civil_from_days, DateKind, DateLit};
use crate::vm::error::VmResult;
use crate::vm::value::Value;
use crate::vm::{Args, Vm};

macro_rules! native {
    ($path:expr, $doc:expr, $f:expr) => {
        NativeDef {
            path: $path,
            aliases: &[],
            params: "",
            doc: $doc,
            deprecated: None,
            returns_future: false,
            f: $f,
        }
    };
}

// The clock is read as UTC: std has no time-zone database (documented deviation).
pub(super) const NATIVES: &[NativeDef] = &[
    native!("gene/today", "Today's date (UTC).", today),
    native!("gene/yesterday", "Yesterday's date (UTC).", yesterday),
    native!("gene/tomorrow", "Tomorrow's date (UTC).", tomorrow),
    native!(
        "gene/now",
        "The current date and time, whole seconds, without zone (UTC).",
        now
    ),
];

macro_rules! m {
    ($name:expr, $doc:expr, $f:expr) => {
        MethodDef {
            class: "Date",
            names: &[$name],
            params: "",
            doc: $doc,
            f: $f,
        }
    };
}

pub(super) const METHODS: &[MethodDef] = &[
    m!("year", "The year.", year),
    m!("month", "The month (1-12).", month),
    m!("day", "The day of the month.", day),
    m!("hour", "The hour.", hour),
    m!("minute", "The minute.", minute),
    m!("second", "The second.", second),
    m!("microsecond", "The microseconds.", microsecond),
    m!(
        "offset",
        "Minutes east of UTC, or nil without a zone.",
        offset
    ),
    m!("timezone", "The zone name (UTC for Z), or nil.", timezone),
    m!(
        "to_i",
        "Milliseconds since the epoch of the wall-clock fields read as UTC.",
        to_i
    ),
];

/// The accessors that apply to a value of this kind, with their values, in the
/// order of the methods table (the debugger shows them as children).
pub(crate) fn date_fields(d: &DateLit) -> Vec<(&'static str, Value)> {
    let int = |x: i64| Value::Int(x);
    let mut out = Vec::new();
    if matches!(d.kind, D | DT) {
        out.push(("year", int(d.year as i64)));
        out.push(("month", int(d.month as i64)));
        out.push(("day", int(d.day as i64)));
    }
    if matches!(d.kind, DT | T) {
        out.push(("hour", int(d.hour as i64)));
        out.push(("minute", int(d.minute as i64)));
        out.push(("second", int(d.second as i64)));
        out.push(("microsecond", int(d.micro as i64)));
        out.push(("offset", d.offset.map_or(Value::Nil, |m| int(m as i64))));
        let zone = match (&d.name, d.zulu) {
            (Some(n), _) => Value::str(n.clone()),
            (None, true) => Value::str("UTC"),
            _ => Value::Nil,
        };
        out.push(("timezone", zone));
    }
    if d.kind == DT {
        out.push(("to_i", int(d.wall_micros() / 1_000_000 * 1000)));
    }
    out
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn date_at(days: i64) -> Value {
    let (year, month, day) = civil_from_days(days);
    Value::Date(Rc::new(DateLit {
        year,
        month,
        day,
        ..DateLit::zero(DateKind::Date)
    }))
}

fn today(_vm: &mut Vm, _args: Args) -> VmResult<Value> {
    Ok(date_at(now_secs().div_euclid(86_400)))
}
fn yesterday(_vm: &mut Vm, _args: Args) -> VmResult<Value> {
    Ok(date_at(now_secs().div_euclid(86_400) - 1))
}
fn tomorrow(_vm: &mut Vm, _args: Args) -> VmResult<Value> {
    Ok(date_at(now_secs().div_euclid(86_400) + 1))
}
fn now(_vm: &mut Vm, _args: Args) -> VmResult<Value> {
    let s = now_secs();
    let (year, month, day) = civil_from_days(s.div_euclid(86_400));
    let t = s.rem_euclid(86_400);
    Ok(Value::Date(Rc::new(DateLit {
        year,
        month,
        day,
        hour: (t / 3600) as u8,
        minute: (t / 60 % 60) as u8,
        second: (t % 60) as u8,
        ..DateLit::zero(DateKind::DateTime)
    })))
}

fn lit(vm: &mut Vm, recv: &Value, who: &str) -> VmResult<Rc<DateLit>> {
    match recv {
        Value::Date(d) => Ok(d.clone()),
        other => {
            let t = other.type_name();
            Err(vm.type_err(format!("{who} expects a date or time, got {t}")))
        }
    }
}

/// A field that `kinds` have; others raise the reference's missing-method error.
fn field(
    vm: &mut Vm,
    recv: &Value,
    who: &str,
    kinds: &[DateKind],
    f: fn(&DateLit) -> Value,
) -> VmResult<Value> {
    let d = lit(vm, recv, who)?;
    if !kinds.contains(&d.kind) {
        let kind = recv.type_name();
        return Err(vm.err(
            crate::vm::error::ErrorKind::Exception,
            format!("Method {who} not found on Vk{kind}"),
        ));
    }
    Ok(f(&d))
}

use DateKind::{Date as D, DateTime as DT, Time as T};

fn year(vm: &mut Vm, r: &Value, _a: Args) -> VmResult<Value> {
    field(vm, r, "year", &[D, DT], |d| Value::Int(d.year as i64))
}
fn month(vm: &mut Vm, r: &Value, _a: Args) -> VmResult<Value> {
    field(vm, r, "month", &[D, DT], |d| Value::Int(d.month as i64))
}
fn day(vm: &mut Vm, r: &Value, _a: Args) -> VmResult<Value> {
    field(vm, r, "day", &[D, DT], |d| Value::Int(d.day as i64))
}
fn hour(vm: &mut Vm, r: &Value, _a: Args) -> VmResult<Value> {
    field(vm, r, "hour", &[DT, T], |d| Value::Int(d.hour as i64))
}
fn minute(vm: &mut Vm, r: &Value, _a: Args) -> VmResult<Value> {
    field(vm, r, "minute", &[DT, T], |d| Value::Int(d.minute as i64))
}
fn second(vm: &mut Vm, r: &Value, _a: Args) -> VmResult<Value> {
    field(vm, r, "second", &[DT, T], |d| Value::Int(d.second as i64))
}
fn microsecond(vm: &mut Vm, r: &Value, _a: Args) -> VmResult<Value> {
    field(vm, r, "microsecond", &[DT, T], |d| {
        Value::Int(d.micro as i64)
    })
}
fn offset(vm: &mut Vm, r: &Value, _a: Args) -> VmResult<Value> {
    field(vm, r, "offset", &[DT, T], |d| {
        d.offset.map_or(Value::Nil, |m| Value::Int(m as i64))
    })
}
fn timezone(vm: &mut Vm, r: &Value, _a: Args) -> VmResult<Value> {
    field(vm, r, "timezone", &[DT, T], |d| match (&d.name, d.zulu) {
        (Some(n), _) => Value::str(n.clone()),
        (None, true) => Value::str("UTC"),
        _ => Value::Nil,
    })
}
fn to_i(vm: &mut Vm, r: &Value, _a: Args) -> VmResult<Value> {
    field(vm, r, "to_i", &[DT], |d| {
        Value::Int(d.wall_micros() / 1_000_000 * 1000)
    })
}
