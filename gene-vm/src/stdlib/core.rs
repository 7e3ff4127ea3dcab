//! Core natives: printing, operators in prefix form, assert, interpolation,
//! `$parse`, base64, math; and the methods every value has.

use base64::Engine;

use super::{arg, str_arg, MethodDef, NativeDef};
use crate::compile::hir::BinOp;
use crate::vm::error::{ErrorKind, VmResult};
use crate::vm::value::Value;
use crate::vm::{ops, print, Args, Vm};

macro_rules! native {
    ($path:expr, [$($alias:expr),*], $params:expr, $doc:expr, $f:expr) => {
        NativeDef { path: $path, aliases: &[$($alias),*], params: $params, doc: $doc, deprecated: None, returns_future: false, f: $f }
    };
}

pub(super) const NATIVES: &[NativeDef] = &[
    native!(
        "print",
        ["gene/print"],
        "values...",
        "Writes the plain form of each value, separated by spaces.",
        print_fn
    ),
    native!(
        "println",
        ["gene/println"],
        "values...",
        "Like print, then a newline.",
        println_fn
    ),
    native!(
        "$",
        [],
        "values...",
        "Concatenates the display forms of the values.",
        dollar
    ),
    native!(
        "#Str",
        [],
        "parts...",
        "String interpolation: concatenates parts.",
        interp
    ),
    native!("++", [], "strings...", "Concatenates strings.", concat),
    native!("+", [], "numbers...", "Sum; (+) is 0.", add),
    native!("-", [], "numbers...", "Difference; (- x) negates.", sub),
    native!("*", [], "numbers...", "Product; (*) is 1.", mul),
    native!(
        "/",
        [],
        "numbers...",
        "Division (always a float); (/ x) is 1/x.",
        div
    ),
    native!("%", [], "a b", "Remainder.", rem),
    native!("**", [], "a b", "Power.", pow_op),
    native!("==", [], "a b", "Deep equality.", eq),
    native!("!=", [], "a b", "Deep inequality.", ne),
    native!("<", [], "a b", "Less than.", lt),
    native!("<=", [], "a b", "Less than or equal.", le),
    native!(">", [], "a b", "Greater than.", gt),
    native!(">=", [], "a b", "Greater than or equal.", ge),
    native!(
        "&&",
        [],
        "values...",
        "The first falsy value, else the last (all evaluated).",
        and
    ),
    native!(
        "||",
        [],
        "values...",
        "The first truthy value, else the last (all evaluated).",
        or
    ),
    native!(
        "assert",
        ["gene/assert"],
        "cond [message]",
        "Raises AssertionException when cond is falsy.",
        assert
    ),
    native!(
        "$parse",
        [],
        "text",
        "Reads the first form of text as data.",
        parse
    ),
    native!(
        "gene/base64_encode",
        ["base64", "base64_encode"],
        "text",
        "Base64 (standard alphabet, padded).",
        b64_encode
    ),
    native!(
        "gene/base64_decode",
        ["base64_decode"],
        "text",
        "Decodes Base64 text.",
        b64_decode
    ),
    native!("math/abs", ["abs"], "x", "Absolute value (same kind).", abs),
    native!("math/sqrt", ["sqrt"], "x", "Square root (float).", sqrt),
    native!("math/pow", ["pow"], "base exp", "Power (float).", pow),
    native!("math/min", ["min"], "x y...", "The smallest argument.", min),
    native!("math/max", ["max"], "x y...", "The largest argument.", max),
    native!(
        "math/floor",
        ["floor"],
        "x",
        "Floor (int unchanged, float to float).",
        floor
    ),
    native!(
        "math/ceil",
        ["ceil"],
        "x",
        "Ceiling (int unchanged, float to float).",
        ceil
    ),
    native!(
        "math/round",
        ["round"],
        "x",
        "Round half away from zero (int unchanged).",
        round
    ),
    native!("math/random", ["random"], "", "A float in [0, 1).", random),
    native!("math/sin", [], "x", "Sine.", sin),
    native!("math/cos", [], "x", "Cosine.", cos),
    native!("math/tan", [], "x", "Tangent.", tan),
    native!("math/log", [], "x", "Natural logarithm.", ln),
    native!("math/log10", [], "x", "Base-10 logarithm.", log10),
];

fn write_values(vm: &mut Vm, args: &Args, newline: bool) {
    let mut s = String::new();
    for (i, v) in args.pos.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(&print::plain(v));
    }
    if newline {
        s.push('\n');
    }
    vm.write_out(&s);
}

fn print_fn(vm: &mut Vm, args: Args) -> VmResult<Value> {
    write_values(vm, &args, false);
    Ok(Value::Nil)
}

fn println_fn(vm: &mut Vm, args: Args) -> VmResult<Value> {
    write_values(vm, &args, true);
    Ok(Value::Nil)
}

fn dollar(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let s: String = args.pos.iter().map(print::display).collect();
    vm.check_str_len(s.len(), "$")?;
    Ok(Value::str(s))
}

fn interp(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let s: String = args.pos.iter().map(print::interpolated).collect();
    vm.check_str_len(s.len(), "string interpolation")?;
    Ok(Value::str(s))
}

fn concat(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let mut s = String::new();
    for v in &args.pos {
        match v {
            Value::Str(x) => {
                let x = x.borrow();
                vm.check_str_len(s.len().saturating_add(x.len()), "++")?;
                s.push_str(&x)
            }
            other => {
                let t = other.type_name();
                return Err(vm.type_err(format!("++ expects strings, got {t}")));
            }
        }
    }
    Ok(Value::str(s))
}

fn fold(vm: &mut Vm, args: Args, op: BinOp, empty: Value) -> VmResult<Value> {
    let mut it = args.pos.into_iter();
    let Some(mut acc) = it.next() else {
        return Ok(empty);
    };
    for v in it {
        acc = ops::binary(vm, op, &acc, &v)?;
    }
    Ok(acc)
}

fn add(vm: &mut Vm, args: Args) -> VmResult<Value> {
    fold(vm, args, BinOp::Add, Value::Int(0))
}
fn sub(vm: &mut Vm, args: Args) -> VmResult<Value> {
    if args.pos.len() == 1 {
        return ops::negate(vm, &args.pos[0]);
    }
    fold(vm, args, BinOp::Sub, Value::Int(0))
}
fn mul(vm: &mut Vm, args: Args) -> VmResult<Value> {
    fold(vm, args, BinOp::Mul, Value::Int(1))
}
fn div(vm: &mut Vm, args: Args) -> VmResult<Value> {
    if args.pos.len() == 1 {
        return ops::binary(vm, BinOp::Div, &Value::Int(1), &args.pos[0]);
    }
    fold(vm, args, BinOp::Div, Value::Int(1))
}
fn rem(vm: &mut Vm, args: Args) -> VmResult<Value> {
    fold(vm, args, BinOp::Mod, Value::Nil)
}
fn pow_op(vm: &mut Vm, args: Args) -> VmResult<Value> {
    fold(vm, args, BinOp::Pow, Value::Nil)
}

fn compare_chain(vm: &mut Vm, args: Args, op: BinOp) -> VmResult<Value> {
    if args.pos.len() < 2 {
        return Err(vm.arg_err("comparison requires at least 2 arguments"));
    }
    for w in args.pos.windows(2) {
        if !ops::binary(vm, op, &w[0], &w[1])?.truthy() {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}
fn eq(vm: &mut Vm, args: Args) -> VmResult<Value> {
    compare_chain(vm, args, BinOp::Eq)
}
fn ne(vm: &mut Vm, args: Args) -> VmResult<Value> {
    compare_chain(vm, args, BinOp::Ne)
}
fn lt(vm: &mut Vm, args: Args) -> VmResult<Value> {
    compare_chain(vm, args, BinOp::Lt)
}
fn le(vm: &mut Vm, args: Args) -> VmResult<Value> {
    compare_chain(vm, args, BinOp::Le)
}
fn gt(vm: &mut Vm, args: Args) -> VmResult<Value> {
    compare_chain(vm, args, BinOp::Gt)
}
fn ge(vm: &mut Vm, args: Args) -> VmResult<Value> {
    compare_chain(vm, args, BinOp::Ge)
}
fn and(_vm: &mut Vm, args: Args) -> VmResult<Value> {
    let mut last = Value::Bool(true);
    for v in args.pos {
        if !v.truthy() {
            return Ok(v);
        }
        last = v;
    }
    Ok(last)
}
fn or(_vm: &mut Vm, args: Args) -> VmResult<Value> {
    let mut last = Value::Bool(false);
    for v in args.pos {
        if v.truthy() {
            return Ok(v);
        }
        last = v;
    }
    Ok(last)
}

fn assert(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let cond = arg(vm, &args, 0, "assert")?.truthy();
    if cond {
        return Ok(Value::Nil);
    }
    let msg = match args.pos.get(1) {
        Some(m) => print::display(m),
        None => "Assertion failed".to_string(),
    };
    Err(vm.err(ErrorKind::Assertion, msg))
}

fn parse(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let text = str_arg(vm, &args, 0, "$parse")?;
    let parsed = crate::syntax::parse(&text);
    if let Some(e) = parsed.errors.first() {
        return Err(vm.err(ErrorKind::Parse, format!("Parse error: {}", e.message)));
    }
    match parsed.forms.first() {
        Some(n) => Ok(crate::compile::emit::node_to_value(&mut vm.interner, n)),
        None => Err(vm.err(ErrorKind::Parse, "Parse error: no form in text")),
    }
}

fn b64_encode(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let s = str_arg(vm, &args, 0, "base64_encode")?;
    Ok(Value::str(
        base64::engine::general_purpose::STANDARD.encode(s.as_bytes()),
    ))
}

fn b64_decode(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let s = str_arg(vm, &args, 0, "base64_decode")?;
    match base64::engine::general_purpose::STANDARD.decode(s.trim().as_bytes()) {
        Ok(bytes) => Ok(Value::str(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) => Err(vm.arg_err(format!("Invalid base64 string: {e}"))),
    }
}

fn number(vm: &mut Vm, args: &Args, who: &str) -> VmResult<Value> {
    let v = arg(vm, args, 0, who)?.clone();
    match v {
        Value::Int(_) | Value::Float(_) => Ok(v),
        other => {
            let t = other.type_name();
            Err(vm.type_err(format!("{who} expects a number, got {t}")))
        }
    }
}

fn as_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        _ => f64::NAN,
    }
}

fn abs(vm: &mut Vm, args: Args) -> VmResult<Value> {
    match number(vm, &args, "abs")? {
        Value::Int(i) => match i.checked_abs() {
            Some(a) => Ok(Value::Int(a)),
            None => Err(vm.err(ErrorKind::Runtime, "Integer overflow in abs")),
        },
        v => Ok(Value::Float(as_f64(&v).abs())),
    }
}
fn float_fn(vm: &mut Vm, args: Args, who: &str, f: fn(f64) -> f64) -> VmResult<Value> {
    let v = number(vm, &args, who)?;
    Ok(Value::Float(f(as_f64(&v))))
}
fn sqrt(vm: &mut Vm, args: Args) -> VmResult<Value> {
    float_fn(vm, args, "sqrt", f64::sqrt)
}
fn sin(vm: &mut Vm, args: Args) -> VmResult<Value> {
    float_fn(vm, args, "sin", f64::sin)
}
fn cos(vm: &mut Vm, args: Args) -> VmResult<Value> {
    float_fn(vm, args, "cos", f64::cos)
}
fn tan(vm: &mut Vm, args: Args) -> VmResult<Value> {
    float_fn(vm, args, "tan", f64::tan)
}
fn ln(vm: &mut Vm, args: Args) -> VmResult<Value> {
    float_fn(vm, args, "log", f64::ln)
}
fn log10(vm: &mut Vm, args: Args) -> VmResult<Value> {
    float_fn(vm, args, "log10", f64::log10)
}
fn pow(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let b = number(vm, &args, "pow")?;
    let e = match args.pos.get(1) {
        Some(v @ (Value::Int(_) | Value::Float(_))) => v.clone(),
        _ => return Err(vm.type_err("pow expects two numbers")),
    };
    Ok(Value::Float(as_f64(&b).powf(as_f64(&e))))
}
fn extreme(vm: &mut Vm, args: Args, who: &str, want_less: bool) -> VmResult<Value> {
    if args.pos.len() < 2 {
        return Err(vm.arg_err(format!("{who} requires at least 2 arguments")));
    }
    let mut best = args.pos[0].clone();
    for v in &args.pos {
        if !matches!(v, Value::Int(_) | Value::Float(_)) {
            let t = v.type_name();
            return Err(vm.type_err(format!("{who} expects numbers, got {t}")));
        }
    }
    for v in &args.pos[1..] {
        let ord = ops::compare(vm, v, &best)?;
        if (want_less && ord.is_lt()) || (!want_less && ord.is_gt()) {
            best = v.clone();
        }
    }
    Ok(best)
}
fn min(vm: &mut Vm, args: Args) -> VmResult<Value> {
    extreme(vm, args, "min", true)
}
fn max(vm: &mut Vm, args: Args) -> VmResult<Value> {
    extreme(vm, args, "max", false)
}
fn int_or(vm: &mut Vm, args: Args, who: &str, f: fn(f64) -> f64) -> VmResult<Value> {
    match number(vm, &args, who)? {
        Value::Int(i) => Ok(Value::Int(i)),
        v => Ok(Value::Float(f(as_f64(&v)))),
    }
}
fn floor(vm: &mut Vm, args: Args) -> VmResult<Value> {
    int_or(vm, args, "floor", f64::floor)
}
fn ceil(vm: &mut Vm, args: Args) -> VmResult<Value> {
    int_or(vm, args, "ceil", f64::ceil)
}
fn round(vm: &mut Vm, args: Args) -> VmResult<Value> {
    int_or(vm, args, "round", f64::round)
}
fn random(_vm: &mut Vm, _args: Args) -> VmResult<Value> {
    // xorshift seeded from the clock: no global state, good enough for scripts.
    let mut x = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0x9E37_79B9_7F4A_7C15)
        | 1;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    Ok(Value::Float((x >> 11) as f64 / (1u64 << 53) as f64))
}

// ---- methods every value has ----

pub(super) const METHODS: &[MethodDef] = &[
    MethodDef {
        class: "Object",
        names: &["to_s", "to_str"],
        params: "",
        doc: "Display form as a string.",
        f: to_s,
    },
    MethodDef {
        class: "Object",
        names: &["class"],
        params: "",
        doc: "The value's class.",
        f: class_of,
    },
    MethodDef {
        class: "Object",
        names: &["is"],
        params: "class",
        doc: "True if the value is an instance of the class or a subclass.",
        f: is,
    },
    MethodDef {
        class: "Object",
        names: &["name"],
        params: "",
        doc: "The name of a class.",
        f: name,
    },
    MethodDef {
        class: "Object",
        names: &["parent"],
        params: "",
        doc: "The parent of a class.",
        f: parent,
    },
    MethodDef {
        class: "Object",
        names: &["message"],
        params: "",
        doc: "An exception's message.",
        f: message,
    },
];

fn to_s(_vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    // A class's string is its name (later 5.6).
    if let Value::Class(c) = recv {
        return Ok(Value::str(c.name.clone()));
    }
    Ok(Value::str(print::display(recv)))
}
fn class_of(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    Ok(vm.class_of(recv).map(Value::Class).unwrap_or_default())
}
fn is(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let c = arg(vm, &args, 0, ".is")?.clone();
    Ok(Value::Bool(vm.value_is_type(recv, &c)?))
}
fn name(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    match recv {
        Value::Class(c) => Ok(Value::str(c.name.clone())),
        Value::Namespace(n) => Ok(Value::str(n.name.clone())),
        Value::Function(f) => Ok(Value::str(f.proto.name.clone())),
        other => {
            let t = other.type_name();
            Err(vm.err(
                ErrorKind::Exception,
                format!("Method 'name' not found on {t}"),
            ))
        }
    }
}
fn parent(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    match recv {
        Value::Class(c) => Ok(c.parent.clone().map(Value::Class).unwrap_or_default()),
        other => {
            let t = other.type_name();
            Err(vm.err(
                ErrorKind::Exception,
                format!("Method 'parent' not found on {t}"),
            ))
        }
    }
}
fn message(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let key = vm.intern("message");
    vm.get_member(recv, &key)
}
