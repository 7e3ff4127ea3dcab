//! Running programs end to end: compile, run, drain, and render errors in the
//! one user-facing format. Shared by the CLI, the REPL and the test harnesses.

use std::rc::Rc;

use crate::compile::lower::LowerOptions;
use crate::compile::FileId;
use crate::syntax::render_snippet;
use crate::syntax::SyntaxError;
use crate::vm::error::Throw;
use crate::vm::value::{Namespace, Scope, Value};
use crate::vm::Vm;

pub enum RunError {
    /// Reader or compile errors (the program did not start).
    Syntax(FileId, Vec<SyntaxError>),
    /// An uncaught exception, or `exit` (see `Vm::exit_code`).
    Thrown(Box<Throw>),
}

impl RunError {
    /// Process exit status for this error.
    pub fn exit_code(&self, vm: &Vm) -> i32 {
        match self {
            RunError::Thrown(t) if t.context.as_deref() == Some("exit") => {
                vm.exit_code.unwrap_or(0)
            }
            _ => 1,
        }
    }

    /// The text to print on stderr (empty for `exit`).
    pub fn render(&self, vm: &Vm) -> String {
        match self {
            RunError::Syntax(file, errors) => render_syntax_errors(vm, *file, errors),
            RunError::Thrown(t) if t.context.as_deref() == Some("exit") => String::new(),
            RunError::Thrown(t) => vm.render_error(t),
        }
    }
}

pub fn render_syntax_errors(vm: &Vm, file: FileId, errors: &[SyntaxError]) -> String {
    let mut out = String::new();
    if let Some(f) = vm.files.get(file as usize) {
        for e in errors {
            out.push_str(&format!("Error: {}\n", e.message));
            out.push_str(&render_snippet(&f.name, &f.text, e.span));
        }
    }
    out
}

/// Compiles and runs a whole program in a fresh module namespace, then drains
/// the event loop (auto-drain) unless the program called `exit`.
pub fn run_program(vm: &mut Vm, name: &str, text: &str) -> Result<Value, RunError> {
    let proto = vm
        .compile(name, text, &LowerOptions::default())
        .map_err(|(f, e)| RunError::Syntax(f, e))?;
    if std::env::var_os("GENE_DUMP_BYTECODE").is_some() {
        eprint!("{}", disassemble(&proto));
    }
    let ns = vm.module_ns(name);
    vm.enter_main_module(name);
    vm.run_main(proto, ns).map_err(RunError::Thrown)
}

/// A listing of a function's bytecode and of the functions it defines
/// (`GENE_DUMP_BYTECODE=1 gene run FILE`).
pub fn disassemble(proto: &crate::compile::FnProto) -> String {
    let mut out = format!(
        "== {} (slots {}, params {})\n",
        proto.name,
        proto.nslots,
        proto.params.len()
    );
    for (i, op) in proto.chunk.code.iter().enumerate() {
        out.push_str(&format!("{i:5}  {op:?}\n"));
    }
    for p in &proto.chunk.protos {
        out.push_str(&disassemble(p));
    }
    out
}

/// A REPL session: variables and definitions persist across entries.
pub struct Session {
    pub ns: Rc<Namespace>,
    root: Rc<Scope>,
    names: Vec<String>,
    counter: usize,
}

impl Session {
    pub fn new(vm: &Vm) -> Session {
        Session {
            ns: vm.module_ns("<repl>"),
            root: Rc::new(Scope {
                vars: std::cell::RefCell::new(Vec::new()),
                parent: None,
                layout: None,
            }),
            names: Vec::new(),
            counter: 0,
        }
    }

    pub fn eval(&mut self, vm: &mut Vm, text: &str) -> Result<Value, RunError> {
        self.counter += 1;
        let opts = LowerOptions {
            predeclared: self.names.clone(),
            repl: true,
        };
        let name = format!("<repl:{}>", self.counter);
        let parsed = crate::syntax::parse(text);
        let proto = vm
            .compile(&name, text, &opts)
            .map_err(|(f, e)| RunError::Syntax(f, e))?;
        // Names declared at the top level of this entry, in declaration order.
        let unit = crate::compile::lower::lower_program(&parsed.forms, &opts);
        if let Some(main) = &unit.main {
            let region = &unit.regions[main.region as usize];
            self.names = region
                .vars
                .iter()
                .map(|v| unit.vars[*v as usize].name.clone())
                .collect();
        }
        let r = vm.run_proto(proto, self.ns.clone(), Some(self.root.clone()));
        let r = match r {
            Ok(v) => vm.drain_at_exit().map(|_| v),
            Err(e) => Err(e),
        };
        r.map_err(RunError::Thrown)
    }
}
