//! Async natives (11.7): files, timers, HTTP, combinators, introspection; and
//! the methods of futures (11.4).

use std::rc::Rc;

use super::{arg, duration_ms, str_arg, MethodDef, NativeDef};
use crate::runtime::futures::{FutState, FutureObj};
use crate::runtime::ops::{self, HttpMethod, HttpRequest};
use crate::vm::error::{ErrorKind, VmResult};
use crate::vm::value::Value;
use crate::vm::{print, Args, Vm};

macro_rules! native {
    ($path:expr, [$($alias:expr),*], $params:expr, $doc:expr, $f:expr) => {
        NativeDef { path: $path, aliases: &[$($alias),*], params: $params, doc: $doc, deprecated: None, returns_future: false, f: $f }
    };
    ($path:expr, [$($alias:expr),*], $params:expr, $doc:expr, $f:expr, future) => {
        NativeDef { path: $path, aliases: &[$($alias),*], params: $params, doc: $doc, deprecated: None, returns_future: true, f: $f }
    };
}

pub(super) const NATIVES: &[NativeDef] = &[
    native!(
        "gene/io/read_async",
        ["file_read_async"],
        "path",
        "Future of the file's content.",
        read_async,
        future
    ),
    native!(
        "gene/io/write_async",
        ["file_write_async"],
        "path content",
        "Future of nil once the file is written.",
        write_async,
        future
    ),
    native!(
        "gene/io/exists_async",
        ["file_exists_async"],
        "path",
        "Future of true/false.",
        exists_async,
        future
    ),
    native!(
        "gene/io/delete_async",
        ["file_delete_async"],
        "path",
        "Future of nil once deleted; fails if missing.",
        delete_async,
        future
    ),
    native!(
        "gene/sleep_async",
        ["sleep_async"],
        "ms-or-seconds",
        "Future of nil after the delay.",
        sleep_async,
        future
    ),
    native!(
        "gene/http/get_async",
        ["http_get_async"],
        "url ^timeout ^retries ^headers",
        "Future of a response map {^status ^body ^headers}.",
        http_get,
        future
    ),
    native!(
        "gene/http/post_async",
        ["http_post_async"],
        "url body ^timeout ^retries ^headers",
        "POSTs a string (or a map as JSON); future of a response map.",
        http_post,
        future
    ),
    native!(
        "gene/all",
        [],
        "futures",
        "Future of all values; fails with the first failure.",
        all,
        future
    ),
    native!(
        "gene/any",
        [],
        "futures",
        "Future of the first success; fails if all fail.",
        any,
        future
    ),
    native!(
        "gene/async/pending",
        [],
        "",
        "Number of futures still pending.",
        pending
    ),
    native!(
        "gene/async/stats",
        [],
        "",
        "Event-loop figures as a map.",
        stats
    ),
    native!(
        "gene/async/futures",
        [],
        "",
        "Every live future: id, label, state, origin, callbacks, age_ms, resolved_ms, awaited_by.",
        futures
    ),
];

fn read_async(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let path = str_arg(vm, &args, 0, "read_async")?;
    let label = format!("read_async {path}");
    let at = vm.resolve_path(&path);
    Ok(vm.spawn_host(label, ops::read_file(at, path)))
}

fn write_async(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let path = str_arg(vm, &args, 0, "write_async")?;
    let content = match arg(vm, &args, 1, "write_async")? {
        Value::Str(s) => s.borrow().clone(),
        other => {
            let t = other.type_name();
            return Err(vm.arg_err(format!("write_async expects string content, got {t}")));
        }
    };
    let label = format!("write_async {path}");
    let at = vm.resolve_path(&path);
    Ok(vm.spawn_host(label, ops::write_file(at, path, content)))
}

fn exists_async(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let path = str_arg(vm, &args, 0, "exists_async")?;
    let label = format!("exists_async {path}");
    let at = vm.resolve_path(&path);
    Ok(vm.spawn_host(label, ops::file_exists(at)))
}

fn delete_async(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let path = str_arg(vm, &args, 0, "delete_async")?;
    let label = format!("delete_async {path}");
    let at = vm.resolve_path(&path);
    Ok(vm.spawn_host(label, ops::delete_file(at, path)))
}

fn sleep_async(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let ms = duration_ms(vm, &args, "sleep_async")?;
    let shown = print::plain(&args.pos[0]);
    Ok(vm.spawn_host(format!("sleep_async {shown}"), ops::sleep_ms(ms)))
}

fn http_options(vm: &mut Vm, args: &Args, req: &mut HttpRequest) -> VmResult<()> {
    if let Some(t) = args.kw("timeout") {
        req.timeout_ms = match t {
            Value::Int(ms) if *ms >= 0 => super::duration_value_ms(vm, t, "^timeout")?,
            Value::Float(s) if *s >= 0.0 => super::duration_value_ms(vm, t, "^timeout")?,
            Value::Float(s) if s.is_nan() => super::duration_value_ms(vm, t, "^timeout")?,
            _ => return Err(vm.arg_err("^timeout expects milliseconds (Int) or seconds (Float)")),
        };
    }
    if let Some(r) = args.kw("retries") {
        req.retries = match r {
            Value::Int(n) if *n >= 0 => (*n).min(100) as u32,
            _ => return Err(vm.arg_err("^retries expects a non-negative integer")),
        };
    }
    if let Some(h) = args.kw("headers") {
        match h {
            Value::Map(m) => {
                for (k, v) in m.borrow().iter() {
                    req.headers
                        .push((k.as_str().to_string(), print::display(v)));
                }
            }
            Value::Nil => {}
            _ => return Err(vm.arg_err("^headers expects a map")),
        }
    }
    for (k, _) in &args.kw {
        if !matches!(k.as_str(), "timeout" | "retries" | "headers") {
            let name = k.as_str().to_string();
            return Err(vm.arg_err(format!("Unexpected keyword argument: {name}")));
        }
    }
    Ok(())
}

fn http_start(vm: &mut Vm, req: HttpRequest) -> VmResult<Value> {
    if let Err(e) = ops::check_url(&req.url) {
        return Err(vm.err(ErrorKind::Argument, e.message));
    }
    let client = match vm.asyncs.event_loop.http_client() {
        Ok(c) => c,
        Err(e) => return Err(vm.err(ErrorKind::Network, e.message)),
    };
    let label = format!("http {} {}", req.method.as_str(), req.url);
    Ok(vm.spawn_host(label, ops::http_request(client, req)))
}

fn http_get(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let url = str_arg(vm, &args, 0, "http_get_async")?;
    let mut req = HttpRequest::new(HttpMethod::Get, url);
    http_options(vm, &args, &mut req)?;
    http_start(vm, req)
}

fn http_post(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let url = str_arg(vm, &args, 0, "http_post_async")?;
    let mut req = HttpRequest::new(HttpMethod::Post, url);
    req.body = match args.pos.get(1) {
        None | Some(Value::Nil) => None,
        Some(Value::Str(s)) => Some((s.borrow().clone(), None)),
        Some(v @ Value::Map(_)) | Some(v @ Value::Array(_)) => {
            let mut open = Vec::new();
            match to_json(v, &mut open) {
                Some(json) => {
                    vm.check_str_len(json.len(), "http_post_async")?;
                    Some((json, Some("application/json".to_string())))
                }
                None => {
                    return Err(vm.arg_err(format!(
                        "http_post_async: the body is cyclic or nested more than \
                         {MAX_JSON_DEPTH} levels deep; it has no JSON form"
                    )))
                }
            }
        }
        Some(other) => {
            let t = other.type_name();
            return Err(vm.arg_err(format!(
                "http_post_async expects a string or map body, got {t}"
            )));
        }
    };
    http_options(vm, &args, &mut req)?;
    http_start(vm, req)
}

/// The deepest POST body `to_json` writes (as printing, vm/print.rs).
const MAX_JSON_DEPTH: usize = 1000;

/// Gene data as JSON (for POST bodies); `None` for cyclic data or data nested more
/// than `MAX_JSON_DEPTH` levels (`open`: the collections being written).
fn to_json(v: &Value, open: &mut Vec<*const ()>) -> Option<String> {
    fn esc(s: &str) -> String {
        let mut o = String::with_capacity(s.len() + 2);
        o.push('"');
        for c in s.chars() {
            match c {
                '"' => o.push_str("\\\""),
                '\\' => o.push_str("\\\\"),
                '\n' => o.push_str("\\n"),
                '\r' => o.push_str("\\r"),
                '\t' => o.push_str("\\t"),
                c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
                c => o.push(c),
            }
        }
        o.push('"');
        o
    }
    let id = match v {
        Value::Array(a) => Some(Rc::as_ptr(a) as *const ()),
        Value::Map(m) => Some(Rc::as_ptr(m) as *const ()),
        _ => None,
    };
    if let Some(id) = id {
        if open.len() >= MAX_JSON_DEPTH || open.contains(&id) {
            return None;
        }
        open.push(id);
    }
    let out = match v {
        Value::Nil | Value::Void => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) if f.is_finite() => print::format_float(*f),
        Value::Float(_) => "null".into(),
        Value::Str(s) => esc(&s.borrow()),
        Value::Symbol(s) => esc(s.as_str()),
        Value::Array(a) => {
            let mut items = Vec::new();
            for x in a.borrow().iter() {
                items.push(to_json(x, open)?);
            }
            format!("[{}]", items.join(","))
        }
        Value::Map(m) => {
            let mut items = Vec::new();
            for (k, x) in m.borrow().iter() {
                items.push(format!("{}:{}", esc(k.as_str()), to_json(x, open)?));
            }
            format!("{{{}}}", items.join(","))
        }
        other => esc(&print::display(other)),
    };
    if id.is_some() {
        open.pop();
    }
    Some(out)
}

fn future_list(vm: &mut Vm, args: &Args, who: &str) -> VmResult<Vec<Rc<FutureObj>>> {
    let v = arg(vm, args, 0, who)?.clone();
    let Value::Array(a) = v else {
        return Err(vm.arg_err(format!("{who} expects an array of futures")));
    };
    let mut out = Vec::new();
    for f in a.borrow().iter() {
        match f {
            Value::Future(f) => out.push(f.clone()),
            other => {
                let t = other.type_name();
                return Err(vm.arg_err(format!("{who} expects futures, got {t}")));
            }
        }
    }
    Ok(out)
}

fn all(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let fs = future_list(vm, &args, "gene/all")?;
    vm.combine(fs, true)
}

fn any(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let fs = future_list(vm, &args, "gene/any")?;
    vm.combine(fs, false)
}

fn pending(vm: &mut Vm, _args: Args) -> VmResult<Value> {
    Ok(Value::Int(vm.asyncs.pending_now() as i64))
}

fn stats(vm: &mut Vm, _args: Args) -> VmResult<Value> {
    Ok(vm.async_stats_value())
}

fn futures(vm: &mut Vm, _args: Args) -> VmResult<Value> {
    Ok(vm.async_futures_value())
}

/// `(new gene/Future)` / `(new gene/Future v)`.
pub fn new_future(vm: &mut Vm, args: Vec<Value>) -> VmResult<Value> {
    let f = vm.new_pending_future("new gene/Future");
    if let Some(v) = args.into_iter().next() {
        vm.resolve_future(&f, FutState::Success(v))?;
    }
    Ok(Value::Future(f))
}

// ---- Future methods ----

pub(super) const METHODS: &[MethodDef] = &[
    MethodDef {
        class: "Future",
        names: &["state"],
        params: "",
        doc: "pending, success, failure or cancelled (a symbol).",
        f: state,
    },
    MethodDef {
        class: "Future",
        names: &["value"],
        params: "",
        doc: "The value, the error, the reason, or nil while pending.",
        f: value,
    },
    MethodDef {
        class: "Future",
        names: &["complete"],
        params: "value",
        doc: "pending -> success; runs success callbacks now.",
        f: complete,
    },
    MethodDef {
        class: "Future",
        names: &["fail"],
        params: "error",
        doc: "pending -> failure; runs failure callbacks now.",
        f: fail,
    },
    MethodDef {
        class: "Future",
        names: &["cancel"],
        params: "[reason]",
        doc: "pending -> cancelled; runs failure callbacks now.",
        f: cancel,
    },
    MethodDef {
        class: "Future",
        names: &["on_success"],
        params: "callback",
        doc: "Registers a success callback.",
        f: on_success,
    },
    MethodDef {
        class: "Future",
        names: &["on_failure"],
        params: "callback",
        doc: "Registers a failure callback.",
        f: on_failure,
    },
    MethodDef {
        class: "Future",
        names: &["id"],
        params: "",
        doc: "The future's id.",
        f: id,
    },
    MethodDef {
        class: "Future",
        names: &["label"],
        params: "",
        doc: "What created the future.",
        f: label,
    },
];

fn fut(recv: &Value) -> Rc<FutureObj> {
    match recv {
        Value::Future(f) => f.clone(),
        _ => unreachable!("Future methods are only registered for futures"),
    }
}

fn state(vm: &mut Vm, recv: &Value, _a: Args) -> VmResult<Value> {
    let s = fut(recv).state_name();
    Ok(Value::Symbol(vm.intern(s)))
}

fn value(_vm: &mut Vm, recv: &Value, _a: Args) -> VmResult<Value> {
    Ok(match &*fut(recv).state.borrow() {
        FutState::Pending => Value::Nil,
        FutState::Success(v) | FutState::Failure(v) | FutState::Cancelled(v) => v.clone(),
    })
}

fn terminal_check(vm: &mut Vm, f: &FutureObj, op: &str) -> VmResult<()> {
    if f.is_pending() {
        return Ok(());
    }
    let st = f.state_name();
    Err(vm.err(
        ErrorKind::Concurrency,
        format!("GENE.ASYNC.ALREADY_TERMINAL: cannot {op} a future in state {st}"),
    ))
}

fn complete(vm: &mut Vm, recv: &Value, a: Args) -> VmResult<Value> {
    let f = fut(recv);
    terminal_check(vm, &f, "complete")?;
    let v = a.pos.into_iter().next().unwrap_or_default();
    vm.resolve_future(&f, FutState::Success(v))?;
    Ok(Value::Nil)
}

fn fail(vm: &mut Vm, recv: &Value, a: Args) -> VmResult<Value> {
    let f = fut(recv);
    terminal_check(vm, &f, "fail")?;
    let e = a.pos.into_iter().next().unwrap_or_default();
    let e = vm.normalize_thrown(e);
    vm.resolve_future(&f, FutState::Failure(e))?;
    Ok(recv.clone())
}

fn cancel(vm: &mut Vm, recv: &Value, a: Args) -> VmResult<Value> {
    let f = fut(recv);
    terminal_check(vm, &f, "cancel")?;
    let reason = match a.pos.into_iter().next() {
        Some(Value::Str(s)) => {
            let m = s.borrow().clone();
            vm.make_exception(ErrorKind::Cancellation, &m)
        }
        Some(v) => vm.normalize_thrown(v),
        None => vm.make_exception(ErrorKind::Cancellation, "Future cancelled"),
    };
    vm.resolve_future(&f, FutState::Cancelled(reason))?;
    Ok(recv.clone())
}

fn callback(vm: &mut Vm, recv: &Value, a: Args, on_success: bool) -> VmResult<Value> {
    let f = fut(recv);
    let who = if on_success {
        ".on_success"
    } else {
        ".on_failure"
    };
    let cb = arg(vm, &a, 0, who)?.clone();
    if !matches!(
        cb,
        Value::Function(_) | Value::Native(_) | Value::Bound(_) | Value::Instance(_)
    ) {
        let t = cb.type_name();
        return Err(vm.arg_err(format!("{who} expects a function, got {t}")));
    }
    vm.add_callback(&f, on_success, cb);
    Ok(recv.clone())
}

fn on_success(vm: &mut Vm, recv: &Value, a: Args) -> VmResult<Value> {
    callback(vm, recv, a, true)
}

fn on_failure(vm: &mut Vm, recv: &Value, a: Args) -> VmResult<Value> {
    callback(vm, recv, a, false)
}

fn id(_vm: &mut Vm, recv: &Value, _a: Args) -> VmResult<Value> {
    Ok(Value::Int(fut(recv).id as i64))
}

fn label(_vm: &mut Vm, recv: &Value, _a: Args) -> VmResult<Value> {
    Ok(Value::str(fut(recv).label.clone()))
}
