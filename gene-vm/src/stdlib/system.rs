//! System, time, environment and synchronous file natives; the File class.

use super::{arg, duration_ms, int_arg, str_arg, MethodDef, NativeDef};
use crate::vm::error::{ErrorKind, Throw, VmResult};
use crate::vm::value::Value;
use crate::vm::{print, Args, Vm};

const SYNC_IO: Option<&str> =
    Some("blocks the VM thread; use the async version (gene/io/read_async, gene/io/write_async)");

macro_rules! native {
    ($path:expr, [$($alias:expr),*], $params:expr, $doc:expr, $f:expr) => {
        NativeDef { path: $path, aliases: &[$($alias),*], params: $params, doc: $doc, deprecated: None, returns_future: false, f: $f }
    };
    ($path:expr, [$($alias:expr),*], $params:expr, $doc:expr, $f:expr, deprecated) => {
        NativeDef { path: $path, aliases: &[$($alias),*], params: $params, doc: $doc, deprecated: SYNC_IO, returns_future: false, f: $f }
    };
}

pub(super) const NATIVES: &[NativeDef] = &[
    native!(
        "gene/time/now",
        ["time/now"],
        "",
        "Seconds since the Unix epoch (float).",
        now
    ),
    native!(
        "gene/time/now_us",
        ["time/now_us"],
        "",
        "Microseconds since the Unix epoch (int).",
        now_us
    ),
    native!("system/os", [], "", "The operating system name.", os),
    native!("system/cwd", ["cwd"], "", "The current directory.", cwd),
    native!(
        "system/exit",
        ["exit"],
        "[code]",
        "Ends the process with the status (no auto-drain).",
        exit
    ),
    native!(
        "gene/sleep",
        ["sleep"],
        "ms-or-seconds",
        "Blocks the VM thread for the duration.",
        sleep
    ),
    native!(
        "get_env",
        [],
        "name [default]",
        "An environment variable, or default/nil if unset or empty.",
        get_env
    ),
    native!(
        "set_env",
        [],
        "name value",
        "Sets an environment variable for this program.",
        set_env
    ),
    native!(
        "has_env",
        [],
        "name",
        "True if the environment variable exists.",
        has_env
    ),
    native!(
        "gene/io/read",
        ["file_read", "File/read"],
        "path",
        "Reads a whole file (blocking).",
        read,
        deprecated
    ),
    native!(
        "gene/io/write",
        ["file_write", "File/write"],
        "path content",
        "Writes a file (blocking).",
        write,
        deprecated
    ),
    native!(
        "File/append",
        [],
        "path content",
        "Appends to a file (blocking).",
        append,
        deprecated
    ),
    native!(
        "File/exists",
        [],
        "path",
        "True if the path exists.",
        exists,
        deprecated
    ),
    native!(
        "File/delete",
        [],
        "path",
        "Deletes a file (blocking).",
        delete,
        deprecated
    ),
];

fn now(_vm: &mut Vm, _args: Args) -> VmResult<Value> {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Ok(Value::Float(d.as_secs_f64()))
}

fn now_us(_vm: &mut Vm, _args: Args) -> VmResult<Value> {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Ok(Value::Int(d.as_micros() as i64))
}

fn os(_vm: &mut Vm, _args: Args) -> VmResult<Value> {
    let name = match std::env::consts::OS {
        "linux" => "linux",
        "macos" => "macos",
        "windows" => "windows",
        "freebsd" => "freebsd",
        "openbsd" => "openbsd",
        "netbsd" => "netbsd",
        _ => "unknown",
    };
    Ok(Value::str(name))
}

fn cwd(vm: &mut Vm, _args: Args) -> VmResult<Value> {
    Ok(Value::str(vm.cwd.to_string_lossy().into_owned()))
}

fn exit(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let code = match args.pos.first() {
        None | Some(Value::Nil) => 0,
        Some(_) => int_arg(vm, &args, 0, "exit")? as i32,
    };
    vm.exit_code = Some(code);
    let value = vm.make_exception(ErrorKind::Exception, "exit");
    Err(Box::new(Throw {
        value,
        trace: Vec::new(),
        context: Some("exit".into()),
    }))
}

fn sleep(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let ms = duration_ms(vm, &args, "sleep")?;
    vm.flush();
    std::thread::sleep(std::time::Duration::from_millis(ms));
    Ok(Value::Nil)
}

fn get_env(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let name = str_arg(vm, &args, 0, "get_env")?;
    match vm.env.get(&name) {
        Some(v) if !v.is_empty() => Ok(Value::str(v.clone())),
        _ => Ok(args.pos.get(1).cloned().unwrap_or_default()),
    }
}

fn set_env(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let name = str_arg(vm, &args, 0, "set_env")?;
    let value = print::plain(arg(vm, &args, 1, "set_env")?);
    if name.is_empty() || name.contains('=') || name.contains('\0') || value.contains('\0') {
        return Err(vm.arg_err(format!("set_env: invalid variable name '{name}'")));
    }
    // The VM's own environment: the process environment is never changed.
    vm.env.insert(name, value);
    Ok(Value::Nil)
}

fn has_env(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let name = str_arg(vm, &args, 0, "has_env")?;
    Ok(Value::Bool(vm.env.contains_key(&name)))
}

fn io_err(vm: &mut Vm, what: &str, path: &str, e: std::io::Error) -> Box<Throw> {
    vm.err(
        ErrorKind::Io,
        format!("Failed to {what} file '{path}': {e}"),
    )
}

fn read(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let path = str_arg(vm, &args, 0, "read")?;
    match std::fs::read_to_string(vm.resolve_path(&path)) {
        Ok(s) => Ok(Value::str(s)),
        Err(e) => Err(io_err(vm, "read", &path, e)),
    }
}

fn content(vm: &mut Vm, args: &Args, who: &str) -> VmResult<String> {
    match arg(vm, args, 1, who)? {
        Value::Str(s) => Ok(s.borrow().clone()),
        other => {
            let t = other.type_name();
            Err(vm.arg_err(format!("{who} expects string content, got {t}")))
        }
    }
}

fn write(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let path = str_arg(vm, &args, 0, "write")?;
    let text = content(vm, &args, "write")?;
    match std::fs::write(vm.resolve_path(&path), text) {
        Ok(()) => Ok(Value::Nil),
        Err(e) => Err(io_err(vm, "write", &path, e)),
    }
}

fn append(vm: &mut Vm, args: Args) -> VmResult<Value> {
    use std::io::Write;
    let path = str_arg(vm, &args, 0, "append")?;
    let text = content(vm, &args, "append")?;
    let r = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(vm.resolve_path(&path))
        .and_then(|mut f| f.write_all(text.as_bytes()));
    match r {
        Ok(()) => Ok(Value::Nil),
        Err(e) => Err(io_err(vm, "write", &path, e)),
    }
}

fn exists(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let path = str_arg(vm, &args, 0, "exists")?;
    Ok(Value::Bool(vm.resolve_path(&path).exists()))
}

fn delete(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let path = str_arg(vm, &args, 0, "delete")?;
    match std::fs::remove_file(vm.resolve_path(&path)) {
        Ok(()) => Ok(Value::Nil),
        Err(e) => Err(io_err(vm, "delete", &path, e)),
    }
}

// ---- File instances ----

pub(super) const FILE_METHODS: &[MethodDef] = &[
    MethodDef {
        class: "File",
        names: &["read"],
        params: "",
        doc: "Reads the file.",
        f: file_read,
    },
    MethodDef {
        class: "File",
        names: &["write"],
        params: "content",
        doc: "Writes the file.",
        f: file_write,
    },
    MethodDef {
        class: "File",
        names: &["append"],
        params: "content",
        doc: "Appends to the file.",
        f: file_append,
    },
    MethodDef {
        class: "File",
        names: &["exists"],
        params: "",
        doc: "True if the file exists.",
        f: file_exists,
    },
    MethodDef {
        class: "File",
        names: &["delete"],
        params: "",
        doc: "Deletes the file.",
        f: file_delete,
    },
];

fn with_path(vm: &mut Vm, recv: &Value, mut args: Args) -> VmResult<Args> {
    let key = vm.intern("path");
    let p = vm.get_member(recv, &key)?;
    args.pos.insert(0, p);
    Ok(args)
}
fn file_read(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let a = with_path(vm, recv, args)?;
    read(vm, a)
}
fn file_write(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let a = with_path(vm, recv, args)?;
    write(vm, a)
}
fn file_append(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let a = with_path(vm, recv, args)?;
    append(vm, a)
}
fn file_exists(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let a = with_path(vm, recv, args)?;
    exists(vm, a)
}
fn file_delete(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let a = with_path(vm, recv, args)?;
    delete(vm, a)
}
