//! `gene/serdes` (later 10.3): runtime serialization to Gene text and back. The
//! forms are described in `vm/serdes.rs`.

use super::NativeDef;
use crate::vm::error::VmResult;
use crate::vm::value::Value;
use crate::vm::{Args, Vm};

pub(super) const NATIVES: &[NativeDef] = &[
    NativeDef {
        path: "gene/serdes/serialize",
        aliases: &[],
        params: "value",
        doc: "Gene text (gene/serialization VALUE) that gene/serdes/deserialize reads back; values of imported modules are written as (gene/ref \"FILE\" NAME).",
        deprecated: None,
        returns_future: false,
        f: serialize,
    },
    NativeDef {
        path: "gene/serdes/deserialize",
        aliases: &[],
        params: "text",
        doc: "The value that gene/serdes/serialize wrote (loads referenced modules).",
        deprecated: None,
        returns_future: false,
        f: deserialize,
    },
];

fn serialize(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let Some(v) = args.pos.first().cloned() else {
        return Err(vm.arg_err("gene/serdes/serialize requires a value"));
    };
    let text = vm.serdes_serialize(&v)?;
    Ok(Value::str(text))
}

fn deserialize(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let text = match args.pos.first() {
        Some(Value::Str(s)) => s.borrow().clone(),
        Some(_) => return Err(vm.arg_err("gene/serdes/deserialize expects a string")),
        None => return Err(vm.arg_err("gene/serdes/deserialize requires a string argument")),
    };
    vm.serdes_deserialize(&text)
}
