//! Type natives (later 3.6): `typeof`.

use super::{arg, NativeDef};
use crate::vm::error::VmResult;
use crate::vm::value::Value;
use crate::vm::{Args, Vm};

pub(super) const NATIVES: &[NativeDef] = &[NativeDef {
    path: "typeof",
    aliases: &["gene/typeof"],
    params: "value",
    doc: "The runtime type name of the value as a string (`Int`, `Point`, `Shape`, `VkChar`...).",
    deprecated: None,
    returns_future: false,
    f: typeof_fn,
}];

fn typeof_fn(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let v = arg(vm, &args, 0, "typeof")?.clone();
    Ok(Value::str(vm.runtime_type_name(&v)))
}
