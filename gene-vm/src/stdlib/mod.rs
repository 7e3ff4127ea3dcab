//! Natives by namespace. Each native is one row of a table (name, aliases,
//! parameters, doc, deprecation); the VM registers from it and editors read it.

mod async_natives;
mod core;
pub(crate) mod dates;
mod json;
mod methods;
mod packages;
mod serdes;
mod system;
mod types;

use crate::vm::error::VmResult;
use crate::vm::value::{Namespace, NativeId, Value};
use crate::vm::{Args, MethodFn, Vm};

pub use async_natives::new_future;

pub type NativeFn = fn(&mut Vm, Args) -> VmResult<Value>;

/// One native function.
#[derive(Clone)]
pub struct NativeDef {
    /// Full path, e.g. `gene/io/read_async`; a name without `/` is global.
    pub path: &'static str,
    /// Other names (global or paths), e.g. `file_read_async`.
    pub aliases: &'static [&'static str],
    pub params: &'static str,
    pub doc: &'static str,
    /// Why it is deprecated and what to use instead.
    pub deprecated: Option<&'static str>,
    /// Calling it returns a `Future` (async natives, `gene/all`, `gene/any`): editors
    /// warn when that future is dropped without being awaited.
    pub returns_future: bool,
    pub f: NativeFn,
}

/// One native method of a built-in class.
pub struct MethodDef {
    pub class: &'static str,
    pub names: &'static [&'static str],
    pub params: &'static str,
    pub doc: &'static str,
    pub f: MethodFn,
}

/// Every native function, for editors (completion, hover, deprecation tags).
pub fn native_table() -> Vec<NativeDef> {
    let mut all = Vec::new();
    all.extend_from_slice(core::NATIVES);
    all.extend_from_slice(system::NATIVES);
    all.extend_from_slice(async_natives::NATIVES);
    all.extend_from_slice(types::NATIVES);
    all.extend_from_slice(types::EQUIV);
    all.extend_from_slice(json::NATIVES);
    all.extend_from_slice(dates::NATIVES);
    all.extend_from_slice(serdes::NATIVES);
    all
}

/// Every native method, for editors.
pub fn method_table() -> Vec<&'static MethodDef> {
    let mut all: Vec<&'static MethodDef> = Vec::new();
    all.extend(methods::METHODS.iter());
    all.extend(async_natives::METHODS.iter());
    all.extend(core::METHODS.iter());
    all.extend(json::METHODS.iter());
    all.extend(dates::METHODS.iter());
    all.extend(types::METHODS.iter());
    all.extend(system::FILE_METHODS.iter());
    all.extend(packages::METHODS.iter());
    all
}

pub(crate) use methods::new_regexp;

pub fn install(vm: &mut Vm) {
    for def in native_table() {
        let id = NativeId(vm.natives.len() as u32);
        let path = def.path;
        let aliases = def.aliases;
        vm.natives.push(def);
        bind_path(vm, path, Value::Native(id));
        for a in aliases {
            bind_path(vm, a, Value::Native(id));
        }
    }
    for m in method_table() {
        for name in m.names {
            let sym = vm.intern(name);
            vm.methods.insert((m.class, sym.id()), m.f);
        }
    }
    // Namespaces that are also reachable by their short names.
    for (short, full) in [("io", "gene/io"), ("time", "gene/time")] {
        if let Some(v) = lookup_path(vm, full) {
            let s = vm.intern(short);
            if vm.global.get(&s).is_none() {
                vm.global.set(s, v);
            }
        }
    }
    let gene = vm.intern("gene");
    let gene_ns = vm.gene_ns.clone();
    vm.global.set(gene, Value::Namespace(gene_ns));
    if let Some(file) = vm.class("File") {
        let io = vm.intern("io");
        if let Some(Value::Namespace(n)) = vm.global.get(&io) {
            let f = vm.intern("File");
            n.set(f, Value::Class(file));
        }
    }
}

fn lookup_path(vm: &mut Vm, path: &str) -> Option<Value> {
    let mut parts = path.split('/');
    let first = parts.next()?;
    let s = vm.intern(first);
    let mut cur = if first == "gene" {
        Value::Namespace(vm.gene_ns.clone())
    } else {
        vm.global.get(&s)?
    };
    for p in parts {
        let s = vm.intern(p);
        cur = match &cur {
            Value::Namespace(n) => n.get(&s)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Binds `a/b/c` to `v`, creating namespaces `a` and `a/b` as needed. A first
/// segment naming a class (File) binds into the class's members.
fn bind_path(vm: &mut Vm, path: &str, v: Value) {
    if path == "/" {
        let s = vm.intern(path);
        vm.global.set(s, v);
        return;
    }
    let parts: Vec<&str> = path.split('/').collect();
    let Some((last, init)) = parts.split_last() else {
        return;
    };
    let mut ns = vm.global.clone();
    for (i, p) in init.iter().enumerate() {
        let s = vm.intern(p);
        if i == 0 && *p == "gene" {
            ns = vm.gene_ns.clone();
            continue;
        }
        let next = match ns.get(&s) {
            Some(Value::Namespace(n)) => n,
            Some(Value::Class(c)) => c.members.clone(),
            _ => {
                let n = Namespace::new(p, None);
                ns.set(s, Value::Namespace(n.clone()));
                n
            }
        };
        ns = next;
    }
    let s = vm.intern(last);
    ns.set(s, v);
}

/// Argument helpers shared by the natives.
pub(crate) fn arg<'a>(vm: &mut Vm, args: &'a Args, i: usize, who: &str) -> VmResult<&'a Value> {
    match args.pos.get(i) {
        Some(v) => Ok(v),
        None => Err(vm.arg_err(format!(
            "{who} requires at least {} argument{}",
            i + 1,
            if i == 0 { "" } else { "s" }
        ))),
    }
}

pub(crate) fn str_arg(vm: &mut Vm, args: &Args, i: usize, who: &str) -> VmResult<String> {
    match arg(vm, args, i, who)? {
        Value::Str(s) => Ok(s.borrow().clone()),
        other => {
            let t = other.type_name();
            Err(vm.arg_err(format!("{who} expects a string argument, got {t}")))
        }
    }
}

pub(crate) fn int_arg(vm: &mut Vm, args: &Args, i: usize, who: &str) -> VmResult<i64> {
    match arg(vm, args, i, who)? {
        Value::Int(n) => Ok(*n),
        // Truncated; NaN and floats beyond the Int range are no integer (`as` would
        // silently make them 0 or saturate).
        Value::Float(f) if f.is_finite() && *f >= i64::MIN as f64 && *f < i64::MAX as f64 => {
            Ok(*f as i64)
        }
        Value::Float(f) => {
            let shown = crate::vm::print::plain(&Value::Float(*f));
            Err(vm.arg_err(format!("{who} expects an integer argument, got {shown}")))
        }
        other => {
            let t = other.type_name();
            Err(vm.arg_err(format!("{who} expects an integer argument, got {t}")))
        }
    }
}

/// Milliseconds from an integer (ms) or a float (seconds).
pub(crate) fn duration_ms(vm: &mut Vm, args: &Args, who: &str) -> VmResult<u64> {
    let v = arg(vm, args, 0, who)?.clone();
    duration_value_ms(vm, &v, who)
}

/// The longest duration a timer, sleep or timeout accepts: one year.
pub const MAX_DURATION_MS: u64 = 365 * 24 * 3600 * 1000;

/// Milliseconds from an integer (ms) or a float (seconds). A negative duration is
/// zero (as in Node); NaN and anything longer than `MAX_DURATION_MS` (a year) are an
/// ArgumentException instead of a timer that never fires or an overflowing deadline.
pub(crate) fn duration_value_ms(vm: &mut Vm, v: &Value, who: &str) -> VmResult<u64> {
    let ms = match v {
        Value::Int(n) => (*n).max(0) as u64,
        Value::Float(f) if f.is_nan() => u64::MAX,
        // Saturating: 1e300 s is u64::MAX ms, which is out of range below.
        Value::Float(f) => (f.max(0.0) * 1000.0).round() as u64,
        other => {
            let t = other.type_name();
            return Err(vm.arg_err(format!(
                "{who} expects milliseconds (Int) or seconds (Float), got {t}"
            )));
        }
    };
    if ms > MAX_DURATION_MS {
        let shown = crate::vm::print::plain(v);
        return Err(vm.arg_err(format!(
            "{who}: duration {shown} is out of range (at most {MAX_DURATION_MS} ms, one year)"
        )));
    }
    Ok(ms)
}
