//! The virtual machine: values, frames, the interpreter loop, calls, exceptions.

pub mod access;
pub(crate) mod adt;
pub mod call;
mod classes;
pub mod error;
pub mod frame;
pub mod hashed;
pub mod interp;
pub mod limits;
mod modules;
pub mod ops;
pub mod print;
mod serdes;
pub(crate) mod slow_ops;
mod teardown;
pub(crate) mod types;
pub mod value;

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::rc::Rc;

use indexmap::IndexMap;

use crate::compile::{self, FileId, FnProto};
use crate::runtime::futures::AsyncState;
use crate::syntax::{self, Span, SyntaxError};
use error::{ErrorKind, Throw, TraceEntry, VmResult, EXCEPTION_CLASSES};
use frame::Frame;
use value::*;

/// A source file known to the VM (for error positions).
pub struct SourceFile {
    pub name: String,
    pub text: String,
}

pub struct Config {
    /// Instructions between two event-loop polls; 0 disables polling.
    pub poll_interval: u32,
    /// Maximum number of Gene frames before a stack overflow error.
    pub max_depth: usize,
    /// Run-time checks of type annotations (`--no-type-check` turns them off).
    pub type_check: bool,
    /// `--strict-nil`: nil passes only types that admit it (later 3.8).
    pub strict_nil: bool,
    /// `^pre`/`^post` checks (`--contracts off` skips them, later 6.1).
    pub contracts: bool,
    /// Largest string a native or operator may build, in bytes (`--max-string-bytes`).
    pub max_string_bytes: usize,
    /// Largest array a native or operator may build, in elements (`--max-array-elements`).
    pub max_array_len: usize,
    /// Instructions the program may execute, counted at poll points (so in steps of
    /// the poll interval, which must not be 0); 0 is unlimited. For embedders and
    /// fuzzing: running out ends the program with an error no `try` catches.
    pub max_instructions: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            poll_interval: 100,
            max_depth: 200_000,
            type_check: true,
            strict_nil: false,
            contracts: true,
            max_string_bytes: limits::DEFAULT_MAX_STRING_BYTES,
            max_array_len: limits::DEFAULT_MAX_ARRAY_LEN,
            max_instructions: 0,
        }
    }
}

pub type MethodFn = fn(&mut Vm, &Value, Args) -> VmResult<Value>;

/// Arguments of a native call.
#[derive(Default)]
pub struct Args {
    pub pos: Vec<Value>,
    pub kw: Vec<(Sym, Value)>,
}

impl Args {
    pub fn new(pos: Vec<Value>) -> Args {
        Args {
            pos,
            kw: Vec::new(),
        }
    }
    pub fn kw(&self, name: &str) -> Option<&Value> {
        self.kw
            .iter()
            .find(|(k, _)| k.as_str() == name)
            .map(|(_, v)| v)
    }
}

pub struct Vm {
    pub stack: Vec<Value>,
    pub frames: Vec<Frame>,
    /// Exceptions being handled (`$ex` is the last).
    pub ex_stack: Vec<Value>,
    /// Callbacks being run by the event loop, outermost first (async call stacks).
    pub async_boundaries: Vec<error::AsyncBoundary>,
    /// Active exception handlers of all frames, innermost last.
    pub handlers: Vec<frame::Handler>,
    pub interner: value::Interner,
    pub global: Rc<Namespace>,
    pub gene_ns: Rc<Namespace>,
    pub files: Vec<SourceFile>,
    pub config: Config,
    pub natives: Vec<crate::stdlib::NativeDef>,
    pub methods: HashMap<(&'static str, u32), MethodFn>,
    pub classes: HashMap<&'static str, Rc<Class>>,
    pub out: Box<dyn Write>,
    pub args: Vec<String>,
    pub program: String,
    pub env_snapshot: Option<Value>,
    /// This VM's working directory: relative paths of file natives resolve against it.
    pub cwd: PathBuf,
    /// This VM's environment (`get_env`/`set_env`/`has_env`, `$env`); never the process's.
    pub env: IndexMap<String, String>,
    pub asyncs: AsyncState,
    /// Remaining instructions before the next poll.
    pub budget: u32,
    /// Depth of native re-entry (a guard against runaway Rust recursion).
    pub native_depth: u32,
    /// Natives currently running Gene code (polls wait until they return).
    pub native_calls: u32,
    pub exit_code: Option<i32>,
    /// Nested `on_method_missing` hooks running now (later 5.4).
    pub(crate) missing_depth: u32,
    /// Type aliases being expanded by a check (later 3.9).
    pub(crate) alias_depth: u32,
    /// The last `$duration_start` (microseconds since the epoch, later 9.6).
    pub(crate) duration_start: Option<f64>,
    /// Loaded modules (later 1).
    pub(crate) modules: modules::Modules,
    /// The built-in `Result` and `Option` enums (`?` recognises their values).
    pub(crate) result_enum: Option<Rc<EnumDef>>,
    pub(crate) option_enum: Option<Rc<EnumDef>>,
    /// Instructions charged against `Config::max_instructions` so far.
    pub instructions_used: u64,
    /// Program namespaces, emptied when the VM drops (vm/teardown.rs).
    program_namespaces: RefCell<Vec<std::rc::Weak<Namespace>>>,
    /// The attached debugger; `None` costs the interpreter nothing.
    pub debug: Option<Box<crate::debug::Debugger>>,
}

impl Vm {
    pub fn new(config: Config) -> Vm {
        let mut interner = value::Interner::default();
        let _ = interner.intern("");
        let global = Namespace::new("global", None);
        let gene_ns = Namespace::new("gene", None);
        let budget = if config.poll_interval == 0 {
            u32::MAX
        } else {
            config.poll_interval
        };
        let mut vm = Vm {
            stack: Vec::with_capacity(1024),
            frames: Vec::with_capacity(64),
            ex_stack: Vec::new(),
            handlers: Vec::new(),
            async_boundaries: Vec::new(),
            interner,
            global,
            gene_ns,
            files: Vec::new(),
            config,
            natives: Vec::new(),
            methods: HashMap::new(),
            classes: HashMap::new(),
            out: Box::new(std::io::BufWriter::new(std::io::stdout())),
            args: Vec::new(),
            program: String::new(),
            env_snapshot: None,
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
            env: std::env::vars_os()
                .map(|(k, v)| {
                    (
                        k.to_string_lossy().into_owned(),
                        v.to_string_lossy().into_owned(),
                    )
                })
                .collect(),
            asyncs: AsyncState::default(),
            budget,
            native_depth: 0,
            native_calls: 0,
            exit_code: None,
            missing_depth: 0,
            alias_depth: 0,
            duration_start: None,
            modules: Default::default(),
            result_enum: None,
            option_enum: None,
            instructions_used: 0,
            program_namespaces: RefCell::new(Vec::new()),
            debug: None,
        };
        vm.install_classes();
        vm.install_builtin_enums();
        vm.snapshot_env();
        crate::stdlib::install(&mut vm);
        vm
    }

    /// `$env` is this VM's environment at start-up (not updated by `set_env`).
    fn snapshot_env(&mut self) {
        let mut m = PropMap::new();
        for (k, v) in &self.env {
            let k = self.interner.intern(k);
            m.insert(k, Value::str(v.clone()));
        }
        self.env_snapshot = Some(Value::map(m));
    }

    /// Sets the working directory (a relative `dir` is taken from the current one).
    pub fn set_cwd(&mut self, dir: impl Into<PathBuf>) {
        self.cwd = self.cwd.join(dir.into());
    }

    /// Sets (`Some`) or removes (`None`) environment variables and refreshes `$env`;
    /// call it before the program starts.
    pub fn set_env_vars(&mut self, vars: impl IntoIterator<Item = (String, Option<String>)>) {
        for (k, v) in vars {
            match v {
                Some(v) => {
                    self.env.insert(k, v);
                }
                None => {
                    self.env.shift_remove(&k);
                }
            }
        }
        self.snapshot_env();
    }

    /// A path a program wrote, resolved against this VM's working directory.
    pub fn resolve_path(&self, p: &str) -> PathBuf {
        if p.is_empty() {
            // Still "no such file", not the directory itself.
            return PathBuf::new();
        }
        self.cwd.join(p)
    }

    pub fn intern(&mut self, s: &str) -> Sym {
        self.interner.intern(s)
    }

    fn new_class(&mut self, name: &str, parent: Option<Rc<Class>>) -> Rc<Class> {
        Rc::new(Class {
            name: name.to_string(),
            parent,
            methods: RefCell::new(IndexMap::new()),
            ctor: RefCell::new(None),
            members: Namespace::new(name, None),
            builtin: std::cell::Cell::new(None),
            fields: Vec::new(),
            typed_fields: false,
            interfaces: Vec::new(),
        })
    }

    fn install_classes(&mut self) {
        let object = self.new_class("Object", None);
        object.builtin.set(Some(BuiltinClass::Object));
        self.register_class("Object", object.clone());
        for name in [
            "Int",
            "Float",
            "String",
            "Bool",
            "Nil",
            "Void",
            "Char",
            "Symbol",
            "Array",
            "Map",
            "Gene",
            "Range",
            "Function",
            "Class",
            "Namespace",
            "Generator",
            "Path",
        ] {
            let c = self.new_class(name, Some(object.clone()));
            c.builtin.set(Some(BuiltinClass::Value));
            self.register_class(name, c);
        }
        for (name, kind) in [
            ("HashMap", BuiltinClass::HashMap),
            ("HashSet", BuiltinClass::HashSet),
        ] {
            let c = self.new_class(name, Some(object.clone()));
            c.builtin.set(Some(kind));
            self.register_class(name, c);
        }
        let re = self.new_class("Regexp", Some(object.clone()));
        re.builtin.set(Some(BuiltinClass::Regexp));
        self.register_class("Regexp", re);
        let exc = self.new_class("Exception", Some(object.clone()));
        exc.builtin.set(Some(BuiltinClass::Exception));
        self.register_class("Exception", exc);
        for (name, parent) in EXCEPTION_CLASSES {
            let p = self.classes.get(parent).cloned();
            let c = self.new_class(name, p);
            self.register_class(name, c);
        }
        let file = self.new_class("File", Some(object.clone()));
        file.builtin.set(Some(BuiltinClass::File));
        self.register_class("File", file);
        // `$pkg` / `$app` objects (later 1.6), and the classes `.class` answers for the
        // later kinds of value (5.6: "the class of any value"); reachable as gene/NAME.
        for (name, kind) in [
            ("Package", BuiltinClass::Package),
            ("Application", BuiltinClass::Application),
            ("Date", BuiltinClass::Value),
            ("Bytes", BuiltinClass::Value),
            ("Enum", BuiltinClass::Value),
            ("EnumValue", BuiltinClass::Value),
            ("RegexMatch", BuiltinClass::Value),
            ("Type", BuiltinClass::Value),
            ("Interface", BuiltinClass::Value),
            ("Iterator", BuiltinClass::Value),
        ] {
            let c = self.new_class(name, Some(object.clone()));
            c.builtin.set(Some(kind));
            self.classes.insert(name, c.clone());
            let s = self.intern(name);
            self.gene_ns.set(s, Value::Class(c));
        }
        let fut = self.new_class("Future", Some(object));
        fut.builtin.set(Some(BuiltinClass::Future));
        self.classes.insert("Future", fut.clone());
        let s = self.intern("Future");
        self.gene_ns.set(s, Value::Class(fut));
    }

    fn register_class(&mut self, name: &'static str, c: Rc<Class>) {
        self.classes.insert(name, c.clone());
        let s = self.intern(name);
        self.global.set(s, Value::Class(c));
    }

    pub fn class(&self, name: &str) -> Option<Rc<Class>> {
        self.classes.get(name).cloned()
    }

    /// A fresh exception of a built-in class.
    pub fn make_exception(&mut self, kind: ErrorKind, message: &str) -> Value {
        let class = self
            .class(kind.class_name())
            .or_else(|| self.class("Exception"))
            .expect("Exception class is installed at start-up");
        self.exception_of_class(class, message)
    }

    pub fn exception_of_class(&mut self, class: Rc<Class>, message: &str) -> Value {
        let mut props = PropMap::new();
        props.insert(self.intern("message"), Value::str(message));
        Value::Instance(Rc::new(Instance {
            class,
            props: RefCell::new(props),
        }))
    }

    /// Build an error to return from Rust code.
    pub fn err(&mut self, kind: ErrorKind, message: impl AsRef<str>) -> Box<Throw> {
        let value = self.make_exception(kind, message.as_ref());
        Box::new(Throw {
            value,
            trace: Vec::new(),
            context: None,
        })
    }

    pub fn type_err(&mut self, message: impl AsRef<str>) -> Box<Throw> {
        self.err(ErrorKind::Type, message)
    }

    pub fn arg_err(&mut self, message: impl AsRef<str>) -> Box<Throw> {
        self.err(ErrorKind::Argument, message)
    }

    /// `Cannot OPERATION sealed KIND` (later 7.1).
    pub fn sealed_err(&mut self, op: &str, kind: &str) -> Box<Throw> {
        self.err(ErrorKind::Exception, format!("Cannot {op} sealed {kind}"))
    }

    /// Normalise a thrown value into an Exception instance (10.2).
    pub fn normalize_thrown(&mut self, v: Value) -> Value {
        if print::exception_message(&v).is_some() {
            return v;
        }
        match &v {
            Value::Str(s) => {
                let m = s.borrow().clone();
                self.make_exception(ErrorKind::Exception, &m)
            }
            Value::Nil => self.make_exception(ErrorKind::Exception, "nil"),
            _ => {
                let m = print::quoted(&v);
                let e = self.make_exception(ErrorKind::Exception, &m);
                if let Value::Instance(i) = &e {
                    let k = self.intern("cause");
                    i.props.borrow_mut().insert(k, v);
                }
                e
            }
        }
    }

    pub fn throw_value(&mut self, v: Value) -> Box<Throw> {
        let value = self.normalize_thrown(v);
        Box::new(Throw {
            value,
            trace: Vec::new(),
            context: None,
        })
    }

    pub fn add_file(&mut self, name: &str, text: &str) -> FileId {
        self.files.push(SourceFile {
            name: name.to_string(),
            text: text.to_string(),
        });
        (self.files.len() - 1) as FileId
    }

    /// Read and compile a program. Reader and compile errors are returned all at once.
    pub fn compile(
        &mut self,
        name: &str,
        text: &str,
        opts: &compile::lower::LowerOptions,
    ) -> Result<Rc<FnProto>, (FileId, Vec<SyntaxError>)> {
        let file = self.add_file(name, text);
        let parsed = syntax::parse(text);
        if !parsed.errors.is_empty() {
            return Err((file, parsed.errors));
        }
        let unit = compile::lower::lower_program(&parsed.forms, opts);
        if !unit.errors.is_empty() {
            return Err((file, unit.errors));
        }
        match compile::emit::emit_unit(&unit, &mut self.interner, file) {
            Some(p) => Ok(p),
            None => Err((
                file,
                vec![SyntaxError {
                    message: "nothing to compile".into(),
                    span: Span::default(),
                }],
            )),
        }
    }

    /// Run a compiled top-level function in the module namespace, then drain the event loop.
    pub fn run_main(&mut self, proto: Rc<FnProto>, ns: Rc<Namespace>) -> VmResult<Value> {
        let result = self.run_proto(proto, ns, None)?;
        self.drain_at_exit()?;
        Ok(result)
    }

    /// Run a top-level function (optionally with a root env for the REPL).
    pub fn run_proto(
        &mut self,
        proto: Rc<FnProto>,
        ns: Rc<Namespace>,
        env: Option<Rc<Scope>>,
    ) -> VmResult<Value> {
        let closure = Rc::new(Closure {
            proto,
            env,
            ns,
            home: None,
        });
        self.call_closure_reentrant(closure, None, Vec::new(), Vec::new())
    }

    /// A module namespace whose parent is the global namespace.
    pub fn module_ns(&self, name: &str) -> Rc<Namespace> {
        let ns = Namespace::new(name, Some(self.global.clone()));
        self.remember_module(&ns);
        ns
    }

    /// Capture the Gene stack (innermost first).
    pub fn capture_trace(&self) -> Vec<TraceEntry> {
        let mut out = Vec::with_capacity(self.frames.len());
        let mut boundaries = self.async_boundaries.iter().rev().peekable();
        for (depth, f) in self.frames.iter().enumerate().rev() {
            // Frames below a callback's first frame ran before the future resolved.
            while let Some(b) = boundaries.peek() {
                if b.depth > depth {
                    out.push(TraceEntry {
                        function: String::new(),
                        file: 0,
                        span: Span::default(),
                        async_boundary: Some(b.label.clone()),
                    });
                    boundaries.next();
                } else {
                    break;
                }
            }
            let proto = &f.closure.proto;
            let ip = (f.ip as usize).saturating_sub(1);
            let span = proto.chunk.spans.get(ip).copied().unwrap_or(proto.span);
            out.push(TraceEntry {
                function: proto.name.clone(),
                file: proto.file,
                span,
                async_boundary: None,
            });
        }
        out
    }

    pub fn flush(&mut self) {
        let _ = self.out.flush();
    }

    pub fn write_out(&mut self, s: &str) {
        let _ = self.out.write_all(s.as_bytes());
    }

    /// Render an uncaught error: `Error: msg`, location, source line with a caret, Gene stack.
    pub fn render_error(&self, t: &Throw) -> String {
        let msg = print::exception_message(&t.value).unwrap_or_else(|| print::plain(&t.value));
        let mut out = String::new();
        match &t.context {
            Some(c) => out.push_str(&format!("Error: {c}: {msg}\n")),
            None => out.push_str(&format!("Error: {msg}\n")),
        }
        if let Some(top) = t.trace.first() {
            out.push_str(&self.render_location(top.file, top.span));
        }
        if !t.trace.is_empty() {
            out.push_str("Gene stack (innermost first):\n");
            for e in t.trace.iter().take(30) {
                if let Some(label) = &e.async_boundary {
                    out.push_str(&format!("  ── {label} ──\n"));
                    continue;
                }
                let (file, line, col) = self.position(e.file, e.span);
                out.push_str(&format!(
                    "  at {} ({}:{}:{})\n",
                    e.function, file, line, col
                ));
            }
            if t.trace.len() > 30 {
                out.push_str(&format!("  ... {} more frames\n", t.trace.len() - 30));
            }
        }
        out
    }

    pub fn position(&self, file: FileId, span: Span) -> (String, usize, usize) {
        match self.files.get(file as usize) {
            Some(f) => {
                let (l, c) = syntax::line_col(&f.text, span.start as usize);
                (f.name.clone(), l, c)
            }
            None => ("<unknown>".into(), 0, 0),
        }
    }

    /// `  --> file:line:col`, the source line and a caret under the span.
    pub fn render_location(&self, file: FileId, span: Span) -> String {
        match self.files.get(file as usize) {
            Some(f) => render_snippet(&f.name, &f.text, span),
            None => String::new(),
        }
    }
}

/// The location block of every error (pure text; it lives in `syntax`, where the
/// analysis layer can use it too).
pub use crate::syntax::render_snippet;
