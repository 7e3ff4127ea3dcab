//! Runtime serialization (later 10.3): `gene/serdes/serialize` writes Gene text
//! `(gene/serialization VALUE)` and `gene/serdes/deserialize` reads it back.
//!
//! Data (nil, void, booleans, numbers, characters, strings, symbols, paths,
//! arrays, maps, Gene values) is written in quoted form. Values defined by an
//! imported module are written as references to it (the module file relative to
//! the working directory, then the member path):
//!
//! - a class, function, enum or namespace: `(gene/ref "lib/shapes.gene" Point)`;
//! - a unit enum member or a payload variant's constructor:
//!   `(gene/ref "lib/shapes.gene" Color/red)`;
//! - a payload enum value: `(gene/variant (gene/ref "lib/shapes.gene" Shape/Circle) 2.0)`;
//! - an instance: `(gene/instance (gene/ref "lib/shapes.gene" Point) {^x 1 ^y 2})`
//!   (its properties; the constructor does not run again).
//!
//! Reading a reference loads its module if it is not loaded yet. Anything else
//! (instances of classes that no module defines, enums of the main file, futures,
//! natives, ...) is refused with `Value of kind VkX is not serializable: ...`.

use std::fmt::Write;
use std::path::PathBuf;
use std::rc::Rc;

use super::error::{ErrorKind, VmResult};
use super::value::*;
use super::{print, Vm};

const HEADS: [&str; 4] = ["serialization", "ref", "variant", "instance"];
const MAX_DEPTH: usize = 10_000;

/// A string literal that the reader reads back as the same string.
fn push_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `gene/NAME` for one of the reserved heads.
fn reserved_head(v: &Value) -> Option<&'static str> {
    let Value::Path(p) = v else { return None };
    match p.as_slice() {
        [g, h] if g.as_str() == "gene" => HEADS.iter().copied().find(|x| *x == h.as_str()),
        _ => None,
    }
}

impl Vm {
    fn not_serializable(&mut self, v: &Value, why: &str) -> Box<super::error::Throw> {
        self.err(
            ErrorKind::Exception,
            format!("Value of kind {} is not serializable: {why}", v.kind_name()),
        )
    }

    /// `(gene/ref "FILE" MEMBER)` for a value some loaded module defines.
    fn write_ref(&mut self, out: &mut String, v: &Value, suffix: Option<&str>) -> bool {
        let Some((file, member)) = self.module_origin(v) else {
            return false;
        };
        let shown = file
            .strip_prefix(&self.cwd)
            .map_or_else(|_| file.display().to_string(), |p| p.display().to_string());
        out.push_str("(gene/ref ");
        push_string(out, &shown);
        out.push(' ');
        out.push_str(&member);
        if let Some(s) = suffix {
            out.push('/');
            out.push_str(s);
        }
        out.push(')');
        true
    }

    fn write_serial(&mut self, out: &mut String, v: &Value, depth: usize) -> VmResult<()> {
        if depth > MAX_DEPTH {
            return Err(self.err(
                ErrorKind::Exception,
                "gene/serdes/serialize: value is nested too deeply (or contains itself)",
            ));
        }
        match v {
            Value::Nil => out.push_str("nil"),
            Value::Void => out.push_str("void"),
            Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Char(_) => {
                out.push_str(&print::quoted(v))
            }
            Value::Str(s) => push_string(out, &s.borrow()),
            Value::Symbol(s) if !s.as_str().is_empty() => out.push_str(s.as_str()),
            Value::Path(_) => out.push_str(&print::quoted(v)),
            Value::Array(a) => {
                let items = a.borrow().clone();
                // A sealed value reads back sealed (`#[...]`, later 7.1).
                if a.is_sealed() {
                    out.push('#');
                }
                out.push('[');
                for (i, x) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    self.write_serial(out, x, depth + 1)?;
                }
                out.push(']');
            }
            Value::Map(m) => {
                let entries: Vec<(Sym, Value)> = m
                    .borrow()
                    .iter()
                    .map(|(k, x)| (k.clone(), x.clone()))
                    .collect();
                if m.is_sealed() {
                    out.push('#');
                }
                out.push('{');
                self.write_props(out, &entries, depth)?;
                out.push('}');
            }
            Value::Gene(g) => {
                let (head, props, children) = {
                    let g = g.borrow();
                    let props: Vec<(Sym, Value)> = g
                        .props
                        .iter()
                        .map(|(k, x)| (k.clone(), x.clone()))
                        .collect();
                    (g.head.clone(), props, g.children.clone())
                };
                if let Some(h) = reserved_head(&head) {
                    return Err(self.not_serializable(
                        v,
                        &format!("the head gene/{h} is reserved for serialized references"),
                    ));
                }
                if g.is_sealed() {
                    out.push('#');
                }
                out.push('(');
                self.write_serial(out, &head, depth + 1)?;
                if !props.is_empty() {
                    out.push(' ');
                    self.write_props(out, &props, depth)?;
                }
                for c in &children {
                    out.push(' ');
                    self.write_serial(out, c, depth + 1)?;
                }
                out.push(')');
            }
            Value::Class(_) | Value::Function(_) | Value::Enum(_) | Value::Namespace(_) => {
                if !self.write_ref(out, v, None) {
                    let what = match v {
                        Value::Class(_) => "classes",
                        Value::Function(_) => "functions",
                        Value::Enum(_) => "enums",
                        _ => "namespaces",
                    };
                    return Err(self.not_serializable(
                        v,
                        &format!(
                            "{what} without a canonical module/path origin cannot be serialized"
                        ),
                    ));
                }
            }
            Value::Adt(a) => {
                let enum_value = Value::Enum(a.def.clone());
                let variant = a.variant_def().name.as_str().to_string();
                let mut r = String::new();
                if !self.write_ref(&mut r, &enum_value, Some(&variant)) {
                    return Err(self.not_serializable(
                        v,
                        &format!("enum {} has no canonical module/path origin", a.def.name),
                    ));
                }
                match &a.payload {
                    None => out.push_str(&r),
                    Some(items) => {
                        out.push_str("(gene/variant ");
                        out.push_str(&r);
                        for x in items.clone() {
                            out.push(' ');
                            self.write_serial(out, &x, depth + 1)?;
                        }
                        out.push(')');
                    }
                }
            }
            Value::Instance(inst) => {
                let mut r = String::new();
                if !self.write_ref(&mut r, &Value::Class(inst.class.clone()), None) {
                    return Err(
                        self.not_serializable(v, "anonymous instances cannot be serialized")
                    );
                }
                let props: Vec<(Sym, Value)> = inst
                    .props
                    .borrow()
                    .iter()
                    .map(|(k, x)| (k.clone(), x.clone()))
                    .collect();
                out.push_str("(gene/instance ");
                out.push_str(&r);
                out.push_str(" {");
                self.write_props(out, &props, depth)?;
                out.push_str("})");
            }
            other => {
                return Err(self.not_serializable(other, "no serialized form for this kind"));
            }
        }
        Ok(())
    }

    fn write_props(
        &mut self,
        out: &mut String,
        props: &[(Sym, Value)],
        depth: usize,
    ) -> VmResult<()> {
        for (i, (k, x)) in props.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            let key = k.as_str();
            let plain_key = !key.is_empty()
                && !key
                    .chars()
                    .any(|c| c.is_whitespace() || "()[]{}\"'`;#,^".contains(c));
            if !plain_key {
                return Err(self.err(
                    ErrorKind::Exception,
                    format!(
                        "gene/serdes/serialize: property name {key:?} cannot be written as ^{key}"
                    ),
                ));
            }
            out.push('^');
            out.push_str(key);
            out.push(' ');
            self.write_serial(out, x, depth + 1)?;
        }
        Ok(())
    }

    /// `(gene/serdes/serialize VALUE)`: `(gene/serialization VALUE-IN-QUOTED-FORM)`.
    pub fn serdes_serialize(&mut self, v: &Value) -> VmResult<String> {
        let mut out = String::from("(gene/serialization ");
        self.write_serial(&mut out, v, 0)?;
        out.push(')');
        Ok(out)
    }

    /// `(gene/serdes/deserialize TEXT)`: the value `serialize` wrote.
    pub fn serdes_deserialize(&mut self, text: &str) -> VmResult<Value> {
        let parsed = crate::syntax::parse(text);
        if let Some(e) = parsed.errors.first() {
            let (l, c) = crate::syntax::line_col(text, e.span.start as usize);
            return Err(self.err(
                ErrorKind::Parse,
                format!(
                    "gene/serdes/deserialize: invalid text at {l}:{c}: {}",
                    e.message
                ),
            ));
        }
        let bad = "gene/serdes/deserialize expects the text (gene/serialization VALUE)";
        let [form] = parsed.forms.as_slice() else {
            return Err(self.err(ErrorKind::Parse, bad));
        };
        let v = crate::compile::emit::node_to_value(&mut self.interner, form);
        let inner = match &v {
            Value::Gene(g) => {
                let g = g.borrow();
                match (reserved_head(&g.head), g.children.as_slice()) {
                    (Some("serialization"), [one]) if g.props.is_empty() => Some(one.clone()),
                    _ => None,
                }
            }
            _ => None,
        };
        let Some(inner) = inner else {
            return Err(self.err(ErrorKind::Parse, bad));
        };
        self.revive(inner, 0)
    }

    /// Replaces the reference forms in freshly read data by the values they name.
    fn revive(&mut self, v: Value, depth: usize) -> VmResult<Value> {
        if depth > MAX_DEPTH {
            return Err(self.err(
                ErrorKind::Exception,
                "gene/serdes/deserialize: value is nested too deeply",
            ));
        }
        match v {
            Value::Array(a) => {
                let items = std::mem::take(&mut *a.borrow_mut());
                let mut out = Vec::with_capacity(items.len());
                for x in items {
                    out.push(self.revive(x, depth + 1)?);
                }
                *a.borrow_mut() = out;
                Ok(Value::Array(a))
            }
            Value::Map(m) => {
                let entries: Vec<(Sym, Value)> =
                    std::mem::take(&mut *m.borrow_mut()).into_iter().collect();
                let mut out = PropMap::new();
                for (k, x) in entries {
                    let x = self.revive(x, depth + 1)?;
                    out.insert(k, x);
                }
                *m.borrow_mut() = out;
                Ok(Value::Map(m))
            }
            Value::Gene(g) => {
                let head = g.borrow().head.clone();
                match reserved_head(&head) {
                    Some("ref") => self.revive_ref(&g.borrow()),
                    Some("variant") => self.revive_variant(&g, depth),
                    Some("instance") => self.revive_instance(&g, depth),
                    Some(h) => Err(self.err(
                        ErrorKind::Parse,
                        format!(
                            "gene/serdes/deserialize: unexpected (gene/{h} ...) inside the value"
                        ),
                    )),
                    None => {
                        let (head, props, children) = {
                            let mut b = g.borrow_mut();
                            (
                                std::mem::take(&mut b.head),
                                std::mem::take(&mut b.props),
                                std::mem::take(&mut b.children),
                            )
                        };
                        let head = self.revive(head, depth + 1)?;
                        let mut p = PropMap::new();
                        for (k, x) in props {
                            let x = self.revive(x, depth + 1)?;
                            p.insert(k, x);
                        }
                        let mut c = Vec::with_capacity(children.len());
                        for x in children {
                            c.push(self.revive(x, depth + 1)?);
                        }
                        {
                            let mut b = g.borrow_mut();
                            b.head = head;
                            b.props = p;
                            b.children = c;
                        }
                        Ok(Value::Gene(g))
                    }
                }
            }
            other => Ok(other),
        }
    }

    /// `(gene/ref "FILE" MEMBER/PATH)`: loads the module (once) and walks the path.
    fn revive_ref(&mut self, g: &GeneObj) -> VmResult<Value> {
        let (Some(Value::Str(file)), Some(member), 2) =
            (g.children.first(), g.children.get(1), g.children.len())
        else {
            return Err(self.err(
                ErrorKind::Parse,
                "gene/serdes/deserialize: a reference is (gene/ref \"MODULE-FILE\" MEMBER)",
            ));
        };
        let file = file.borrow().clone();
        let segs: Vec<Sym> = match member {
            Value::Symbol(s) => vec![s.clone()],
            Value::Path(p) => p.as_ref().clone(),
            _ => {
                return Err(self.err(
                    ErrorKind::Parse,
                    "gene/serdes/deserialize: a reference's member must be a name or a path",
                ))
            }
        };
        let shown = segs.iter().map(Sym::as_str).collect::<Vec<_>>().join("/");
        let path: PathBuf = match std::fs::canonicalize(self.cwd.join(&file)) {
            Ok(p) => p,
            Err(e) => {
                return Err(self.err(
                    ErrorKind::Io,
                    format!(
                        "gene/serdes/deserialize: cannot find module {file} (for {shown}): {e}"
                    ),
                ))
            }
        };
        let ns = self.load_module_file(path)?;
        let mut cur = Value::Namespace(ns);
        for s in &segs {
            let next = match &cur {
                Value::Namespace(n) => n.get(s),
                Value::Class(c) => c.members.get(s),
                Value::Enum(e) => super::adt::enum_member(e, s),
                _ => None,
            };
            cur = match next {
                Some(v) => v,
                None => {
                    return Err(self.err(
                        ErrorKind::Exception,
                        format!("gene/serdes/deserialize: '{shown}' not found in module {file}"),
                    ))
                }
            };
        }
        Ok(cur)
    }

    fn revive_variant(
        &mut self,
        g: &Rc<crate::vm::value::Sealable<GeneObj>>,
        depth: usize,
    ) -> VmResult<Value> {
        let children = g.borrow().children.clone();
        let Some((ctor, args)) = children.split_first() else {
            return Err(self.err(
                ErrorKind::Parse,
                "gene/serdes/deserialize: (gene/variant REF VALUE...) needs a reference",
            ));
        };
        let ctor = self.revive(ctor.clone(), depth + 1)?;
        let Value::Adt(a) = ctor else {
            return Err(self.err(
                ErrorKind::Parse,
                "gene/serdes/deserialize: (gene/variant REF ...) must reference an enum variant",
            ));
        };
        let mut vals = Vec::with_capacity(args.len());
        for x in args {
            vals.push(self.revive(x.clone(), depth + 1)?);
        }
        self.construct_variant(&a, vals, Vec::new())
    }

    fn revive_instance(
        &mut self,
        g: &Rc<crate::vm::value::Sealable<GeneObj>>,
        depth: usize,
    ) -> VmResult<Value> {
        let children = g.borrow().children.clone();
        let (Some(class), Some(Value::Map(props)), 2) =
            (children.first(), children.get(1), children.len())
        else {
            return Err(self.err(
                ErrorKind::Parse,
                "gene/serdes/deserialize: an instance is (gene/instance REF {^prop value ...})",
            ));
        };
        let class = self.revive(class.clone(), depth + 1)?;
        let Value::Class(class) = class else {
            return Err(self.err(
                ErrorKind::Parse,
                "gene/serdes/deserialize: (gene/instance REF ...) must reference a class",
            ));
        };
        let Value::Map(props) = self.revive(Value::Map(props.clone()), depth + 1)? else {
            return Err(self.err(ErrorKind::Parse, "gene/serdes/deserialize: bad instance"));
        };
        let props = std::mem::take(&mut *props.borrow_mut());
        Ok(Value::Instance(Rc::new(Instance {
            class,
            props: std::cell::RefCell::new(props),
        })))
    }
}
