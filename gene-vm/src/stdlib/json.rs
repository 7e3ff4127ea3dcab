//! JSON (later 10.1-10.2): `gene/json/parse`, `stringify`, `.to_json`, and the
//! tagged round-trip `gene/json/serialize` / `deserialize`.

use std::fmt::Write;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::{MethodDef, NativeDef};
use crate::vm::error::{ErrorKind, VmResult};
use crate::vm::value::{GeneObj, PropMap, Value};
use crate::vm::{print, Args, Vm};

macro_rules! native {
    ($path:expr, $params:expr, $doc:expr, $f:expr) => {
        NativeDef {
            path: $path,
            aliases: &[],
            params: $params,
            doc: $doc,
            deprecated: None,
            returns_future: false,
            f: $f,
        }
    };
}

pub(super) const NATIVES: &[NativeDef] = &[
    native!(
        "gene/json/parse",
        "text",
        "Parses JSON text (objects keep their member order).",
        parse
    ),
    native!(
        "gene/json/stringify",
        "value",
        "Compact JSON text of a value.",
        stringify
    ),
    native!(
        "gene/json/serialize",
        "value",
        "Tagged JSON that gene/json/deserialize turns back into an equal value.",
        serialize
    ),
    native!(
        "gene/json/deserialize",
        "text",
        "Reads tagged JSON back into a Gene value.",
        deserialize
    ),
];

pub(super) const METHODS: &[MethodDef] = &[
    MethodDef {
        class: "Array",
        names: &["to_json"],
        params: "",
        doc: "Compact JSON text.",
        f: to_json,
    },
    MethodDef {
        class: "Map",
        names: &["to_json"],
        params: "",
        doc: "Compact JSON text.",
        f: to_json,
    },
];

/// Parsed JSON, in document order (serde_json's own map would sort the keys).
enum Json {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Json;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_none<E>(self) -> Result<Json, E> {
                Ok(Json::Null)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
                Ok(Json::Bool(b))
            }
            fn visit_i64<E>(self, i: i64) -> Result<Json, E> {
                Ok(Json::Int(i))
            }
            fn visit_u64<E>(self, u: u64) -> Result<Json, E> {
                Ok(i64::try_from(u).map_or(Json::Float(u as f64), Json::Int))
            }
            fn visit_f64<E>(self, f: f64) -> Result<Json, E> {
                Ok(Json::Float(f))
            }
            fn visit_str<E>(self, s: &str) -> Result<Json, E> {
                Ok(Json::Str(s.to_string()))
            }
            fn visit_string<E>(self, s: String) -> Result<Json, E> {
                Ok(Json::Str(s))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Json, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = a.next_element()? {
                    out.push(v);
                }
                Ok(Json::Arr(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Json, A::Error> {
                let mut out: Vec<(String, Json)> = Vec::new();
                while let Some((k, v)) = a.next_entry::<String, Json>()? {
                    // A repeated member keeps its first position, with the last value.
                    match out.iter_mut().find(|(o, _)| *o == k) {
                        Some(slot) => slot.1 = v,
                        None => out.push((k, v)),
                    }
                }
                Ok(Json::Obj(out))
            }
        }
        d.deserialize_any(V)
    }
}

fn read_json(vm: &mut Vm, args: &Args, who: &str) -> VmResult<Json> {
    let text = match args.pos.first() {
        None => return Err(vm.arg_err(format!("{who} requires a string argument"))),
        Some(Value::Str(s)) => s.borrow().clone(),
        Some(_) => return Err(vm.arg_err(format!("{who} expects a string"))),
    };
    serde_json::from_str::<Json>(&text)
        .map_err(|e| vm.err(ErrorKind::Parse, format!("Invalid JSON: {e}")))
}

fn to_gene(vm: &mut Vm, j: Json) -> Value {
    match j {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::Bool(b),
        Json::Int(i) => Value::Int(i),
        Json::Float(f) => Value::Float(f),
        Json::Str(s) => Value::str(s),
        Json::Arr(xs) => Value::array(xs.into_iter().map(|x| to_gene(vm, x)).collect()),
        Json::Obj(ms) => {
            let mut m = PropMap::new();
            for (k, v) in ms {
                let k = vm.intern(&k);
                let v = to_gene(vm, v);
                m.insert(k, v);
            }
            Value::map(m)
        }
    }
}

fn parse(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let j = read_json(vm, &args, "json.parse")?;
    Ok(to_gene(vm, j))
}

fn push_str(out: &mut String, s: &str) {
    out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into()));
}

fn push_float(out: &mut String, f: f64) {
    if f.is_finite() {
        out.push_str(&print::format_float(f));
    } else {
        out.push_str("null");
    }
}

/// Plain JSON (10.1): values JSON has no form for become their quoted Gene text.
fn write_plain(out: &mut String, v: &Value) {
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => push_float(out, *f),
        Value::Str(s) => push_str(out, &s.borrow()),
        Value::Symbol(s) => push_str(out, s.as_str()),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.borrow().iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_plain(out, x);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push('{');
            for (i, (k, x)) in m.borrow().iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_str(out, k.as_str());
                out.push(':');
                write_plain(out, x);
            }
            out.push('}');
        }
        other => push_str(out, &print::quoted(other)),
    }
}

fn stringify(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let Some(v) = args.pos.first() else {
        return Err(vm.arg_err("json.stringify requires a value"));
    };
    let mut out = String::new();
    write_plain(&mut out, v);
    Ok(Value::str(out))
}

fn to_json(_vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    let mut out = String::new();
    write_plain(&mut out, recv);
    Ok(Value::str(out))
}

const TAG: &str = "#GENE#";
const MAX_SAFE: i64 = (1 << 53) - 1;

fn write_tagged(vm: &mut Vm, out: &mut String, v: &Value) -> VmResult<()> {
    match v {
        Value::Nil | Value::Bool(_) => write_plain(out, v),
        Value::Float(f) => push_float(out, *f),
        Value::Int(i) if i.unsigned_abs() <= MAX_SAFE as u64 => {
            let _ = write!(out, "{i}");
        }
        Value::Int(i) => push_str(out, &format!("{TAG}{i}")),
        Value::Str(s) => {
            let s = s.borrow();
            if s.starts_with(TAG) {
                push_str(out, &format!("{TAG}{}", print::quoted(v)));
            } else {
                push_str(out, &s);
            }
        }
        Value::Symbol(s) => push_str(out, &format!("{TAG}{}", s.as_str())),
        Value::Path(_) => push_str(out, &format!("{TAG}{}", print::quoted(v))),
        Value::Array(a) => {
            out.push('[');
            let items = a.borrow().clone();
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_tagged(vm, out, x)?;
            }
            out.push(']');
        }
        Value::Map(m) => {
            let mut entries: Vec<(String, Value)> = m
                .borrow()
                .iter()
                .map(|(k, x)| (k.as_str().to_string(), x.clone()))
                .collect();
            if entries.iter().any(|(k, _)| k == "genetype") {
                return Err(vm.err(
                    ErrorKind::Exception,
                    "Tagged Gene JSON cannot serialize a map with key 'genetype'",
                ));
            }
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            out.push('{');
            for (i, (k, x)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_str(out, k);
                out.push(':');
                write_tagged(vm, out, x)?;
            }
            out.push('}');
        }
        Value::Gene(g) => {
            let (head, mut props, children) = {
                let g = g.borrow();
                let props: Vec<(String, Value)> = g
                    .props
                    .iter()
                    .map(|(k, x)| (k.as_str().to_string(), x.clone()))
                    .collect();
                (g.head.clone(), props, g.children.clone())
            };
            if let Some((k, _)) = props
                .iter()
                .find(|(k, _)| k == "genetype" || k == "children")
            {
                return Err(vm.err(
                    ErrorKind::Exception,
                    format!("Tagged Gene JSON cannot serialize a Gene with reserved prop '{k}'"),
                ));
            }
            props.sort_by(|a, b| a.0.cmp(&b.0));
            out.push_str("{\"genetype\":");
            write_tagged(vm, out, &head)?;
            for (k, x) in &props {
                out.push(',');
                push_str(out, k);
                out.push(':');
                write_tagged(vm, out, x)?;
            }
            if !children.is_empty() {
                out.push_str(",\"children\":[");
                for (i, c) in children.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_tagged(vm, out, c)?;
                }
                out.push(']');
            }
            out.push('}');
        }
        other => {
            return Err(vm.err(
                ErrorKind::Exception,
                format!("Tagged Gene JSON does not support {}", other.kind_name()),
            ))
        }
    }
    Ok(())
}

fn serialize(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let Some(v) = args.pos.first().cloned() else {
        return Err(vm.arg_err("json.serialize requires a value"));
    };
    let mut out = String::new();
    write_tagged(vm, &mut out, &v)?;
    Ok(Value::str(out))
}

fn untag(vm: &mut Vm, j: Json) -> VmResult<Value> {
    Ok(match j {
        Json::Str(s) => match s.strip_prefix(TAG) {
            Some(text) => {
                let parsed = crate::syntax::parse(text);
                match (parsed.errors.first(), parsed.forms.as_slice()) {
                    (None, [one]) => crate::compile::emit::node_to_value(&mut vm.interner, one),
                    _ => {
                        return Err(vm.err(
                            ErrorKind::Parse,
                            "Tagged Gene JSON payload must contain exactly one Gene value",
                        ))
                    }
                }
            }
            None => Value::str(s),
        },
        Json::Arr(xs) => {
            let mut out = Vec::with_capacity(xs.len());
            for x in xs {
                out.push(untag(vm, x)?);
            }
            Value::array(out)
        }
        Json::Obj(ms) if ms.iter().any(|(k, _)| k == "genetype") => {
            let mut head = Value::Nil;
            let mut props = PropMap::new();
            let mut children = Vec::new();
            for (k, v) in ms {
                match k.as_str() {
                    "genetype" => head = untag(vm, v)?,
                    "children" => match v {
                        Json::Arr(xs) => {
                            for x in xs {
                                children.push(untag(vm, x)?);
                            }
                        }
                        _ => {
                            return Err(vm.err(
                                ErrorKind::Parse,
                                "Tagged Gene JSON 'children' must be an array",
                            ))
                        }
                    },
                    _ => {
                        let key = vm.intern(&k);
                        let v = untag(vm, v)?;
                        props.insert(key, v);
                    }
                }
            }
            Value::gene(GeneObj {
                head,
                props,
                children,
            })
        }
        Json::Obj(ms) => {
            let mut m = PropMap::new();
            for (k, v) in ms {
                let key = vm.intern(&k);
                let v = untag(vm, v)?;
                m.insert(key, v);
            }
            Value::map(m)
        }
        other => to_gene(vm, other),
    })
}

fn deserialize(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let j = read_json(vm, &args, "json.deserialize")?;
    untag(vm, j)
}
