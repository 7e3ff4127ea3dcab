//! `$pkg` and `$app` (later 1.6): Package and Application objects answer their
//! manifest facts as methods (`$pkg/.name`, `$app/.pkg`).

use super::MethodDef;
use crate::vm::error::VmResult;
use crate::vm::value::Value;
use crate::vm::{Args, Vm};

/// The property `name` of a built-in instance (nil when absent).
fn prop(vm: &mut Vm, recv: &Value, name: &str) -> Value {
    let key = vm.intern(name);
    match recv {
        Value::Instance(i) => i.props.borrow().get(&key).cloned().unwrap_or_default(),
        _ => Value::Nil,
    }
}

macro_rules! getter {
    ($f:ident, $key:expr) => {
        fn $f(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
            Ok(prop(vm, recv, $key))
        }
    };
}

getter!(name, "name");
getter!(version, "version");
getter!(dir, "dir");
getter!(source_dir, "source_dir");
getter!(main_module, "main_module");
getter!(test_dir, "test_dir");
getter!(pkg, "pkg");
getter!(program, "program");

macro_rules! m {
    ($class:expr, $name:expr, $doc:expr, $f:expr) => {
        MethodDef {
            class: $class,
            names: &[$name],
            params: "",
            doc: $doc,
            f: $f,
        }
    };
}

#[rustfmt::skip]
pub(super) const METHODS: &[MethodDef] = &[
    m!("Package", "name", "The manifest's ^name (\"gene\" for a file outside any package).", name),
    m!("Package", "version", "The manifest's ^version, or nil.", version),
    m!("Package", "dir", "The package root directory, or nil outside any package.", dir),
    m!("Package", "source_dir", "The manifest's ^source-dir (default \"src\"), or nil outside any package.", source_dir),
    m!("Package", "main_module", "The manifest's ^main-module (default \"index\"), or nil outside any package.", main_module),
    m!("Package", "test_dir", "The manifest's ^test-dir (default \"tests\"), or nil outside any package.", test_dir),
    m!("Application", "pkg", "The package of the main program file.", pkg),
    m!("Application", "program", "The main program file as given to gene run.", program),
];
