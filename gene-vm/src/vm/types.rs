//! Run-time type checks of annotations (later 3.2-3.5): matching with the Int/Float
//! conversions, mismatch errors, runtime type names (`typeof`) and `is`.

use std::rc::Rc;

use super::error::{ErrorKind, VmResult};
use super::value::*;
use super::Vm;
use crate::compile::hir::TypeExpr;

/// How a value fits a type.
enum Fit {
    Exact,
    /// Fits after a conversion; `true` when the conversion loses information.
    Converted(Value, bool),
    No,
}

/// `Int64`, `I64`, `float64`... are spellings of `Int` and `Float`.
fn canonical(name: &str) -> &str {
    match name.to_ascii_lowercase().as_str() {
        "int64" | "i64" => "Int",
        "float64" | "f64" => "Float",
        _ => name,
    }
}

fn d_kind(d: &crate::syntax::datetime::DateLit) -> &'static str {
    match d.kind {
        crate::syntax::datetime::DateKind::Date => "Date",
        crate::syntax::datetime::DateKind::DateTime => "DateTime",
        crate::syntax::datetime::DateKind::Time => "Time",
    }
}

/// A type written as data (a quoted `(String | Int)`, a symbol), for
/// `types_equivalent`.
pub fn value_to_type(v: &Value) -> Option<TypeExpr> {
    match v {
        Value::Type(t) => Some((**t).clone()),
        Value::Symbol(s) if s.as_str() == "Any" => Some(TypeExpr::Any),
        Value::Symbol(s) => Some(TypeExpr::Named(s.as_str().to_string())),
        Value::Nil => Some(TypeExpr::Named("Nil".into())),
        Value::Class(c) => Some(TypeExpr::Named(c.name.clone())),
        Value::Gene(g) => {
            let g = g.borrow();
            let bar = |x: &Value| matches!(x, Value::Symbol(s) if s.as_str() == "|");
            if g.children.iter().any(bar) {
                let mut ms = vec![value_to_type(&g.head)?];
                for c in g.children.iter().filter(|c| !bar(c)) {
                    ms.push(value_to_type(c)?);
                }
                return Some(TypeExpr::Union(ms));
            }
            let Value::Symbol(h) = &g.head else {
                return None;
            };
            let args = g
                .children
                .iter()
                .map(value_to_type)
                .collect::<Option<Vec<_>>>()?;
            Some(TypeExpr::Applied(h.as_str().to_string(), args))
        }
        _ => None,
    }
}

/// A canonical form: unions flattened, sorted and without duplicates.
pub fn normalize(t: &TypeExpr) -> TypeExpr {
    match t {
        TypeExpr::Union(ms) => {
            let mut flat = Vec::new();
            for m in ms {
                match normalize(m) {
                    TypeExpr::Union(inner) => flat.extend(inner),
                    other => flat.push(other),
                }
            }
            flat.sort_by_key(TypeExpr::text);
            flat.dedup();
            if flat.len() == 1 {
                flat.remove(0)
            } else {
                TypeExpr::Union(flat)
            }
        }
        TypeExpr::Applied(n, args) => {
            TypeExpr::Applied(n.clone(), args.iter().map(normalize).collect())
        }
        TypeExpr::Fn(ps, r) => {
            TypeExpr::Fn(ps.iter().map(normalize).collect(), Box::new(normalize(r)))
        }
        other => other.clone(),
    }
}

/// Types that accept nil in strict-nil mode (later 3.8).
fn admits_nil(t: &TypeExpr) -> bool {
    match t {
        TypeExpr::Any | TypeExpr::Param(_) => true,
        TypeExpr::Named(n) => n == "Nil" || n == "Any",
        TypeExpr::Applied(n, _) => n == "Option",
        TypeExpr::Union(ms) => ms.iter().any(admits_nil),
        TypeExpr::Fn(..) => false,
    }
}

impl Vm {
    /// The runtime type name (later 3.5), as `typeof` returns it.
    pub fn runtime_type_name(&self, v: &Value) -> String {
        match v {
            Value::Int(_) => "Int".into(),
            Value::Float(_) => "Float".into(),
            Value::Str(_) => "String".into(),
            Value::Bool(_) => "Bool".into(),
            Value::Nil => "Nil".into(),
            Value::Symbol(_) => "Symbol".into(),
            Value::Path(_) => "ComplexSymbol".into(),
            Value::Array(_) => "Array".into(),
            Value::Map(_) => "Map".into(),
            Value::Gene(_) => "Gene".into(),
            Value::Instance(i) => i.class.name.clone(),
            Value::Class(_) => "Class".into(),
            Value::Function(_) | Value::Native(_) | Value::Bound(_) => "Function".into(),
            Value::Future(_) => "Future".into(),
            Value::Generator(_) => "Generator".into(),
            Value::Adt(a) => a.def.name.clone(),
            Value::Enum(_) => "VkEnum".into(),
            Value::Void => "VkVoid".into(),
            Value::Char(_) => "VkChar".into(),
            Value::Range(_) => "VkRange".into(),
            Value::Namespace(_) => "VkNamespace".into(),
            Value::Iterator(_) => "VkIterator".into(),
            Value::NotFound => "VkNotFound".into(),
            Value::Regex(_) => "VkRegex".into(),
            Value::HashMap(_) => "HashMap".into(),
            Value::Type(_) => "Type".into(),
            Value::Bytes(_) => "VkBytes".into(),
            Value::Interface(_) => "VkInterface".into(),
            Value::Date(d) => format!("Vk{}", d_kind(d)),
            Value::HashSet(_) => "HashSet".into(),
            Value::RegexMatch(_) => "VkRegexMatch".into(),
        }
    }

    /// A name used as a type, looked up where the running code is.
    pub(crate) fn type_value(&mut self, name: &str) -> Option<Value> {
        let mut cur: Option<Value> = None;
        for (i, seg) in name.split('/').enumerate() {
            let s = self.intern(seg);
            cur = if i == 0 {
                let ns = self.frames.last().map(|f| f.closure.ns.clone());
                ns.and_then(|ns| super::call::lookup_chain(&ns, &s))
                    .or_else(|| self.global.get(&s))
            } else {
                match cur? {
                    Value::Namespace(n) => n.get(&s),
                    Value::Class(c) => c.members.get(&s),
                    _ => None,
                }
            };
        }
        cur
    }

    fn fit_named(&mut self, v: &Value, name: &str) -> Fit {
        let name = canonical(name);
        let yes = |b: bool| if b { Fit::Exact } else { Fit::No };
        match (name, v) {
            ("Any", _) => Fit::Exact,
            ("Int", Value::Int(_)) | ("Float", Value::Float(_)) => Fit::Exact,
            ("Float", Value::Int(i)) => Fit::Converted(Value::Float(*i as f64), false),
            ("Int", Value::Float(f)) => {
                if f.is_finite() && *f >= i64::MIN as f64 && *f < i64::MAX as f64 {
                    let i = f.trunc() as i64;
                    Fit::Converted(Value::Int(i), i as f64 != *f)
                } else {
                    Fit::No
                }
            }
            ("Numeric", _) => yes(matches!(v, Value::Int(_) | Value::Float(_))),
            ("Collection", _) => yes(matches!(
                v,
                Value::Array(_) | Value::Map(_) | Value::HashMap(_) | Value::HashSet(_)
            )),
            ("Self", _) => yes(matches!(v, Value::Instance(_))),
            ("Function", _) => yes(matches!(
                v,
                Value::Function(_) | Value::Native(_) | Value::Bound(_)
            )),
            (
                "String" | "Bool" | "Nil" | "Symbol" | "ComplexSymbol" | "Array" | "Map" | "Gene"
                | "HashMap" | "HashSet" | "Class" | "Future" | "Generator",
                _,
            ) => yes(self.runtime_type_name(v) == name),
            _ => match self.type_value(name) {
                Some(Value::Class(c)) => yes(match v {
                    Value::Instance(i) => i.class.is_subclass_of(&c),
                    _ => false,
                }),
                Some(Value::Enum(e)) => yes(matches!(v, Value::Adt(a) if Rc::ptr_eq(&a.def, &e))),
                // An alias: the aliased type (a bounded depth stops alias cycles).
                Some(Value::Type(t)) if self.alias_depth < 32 => {
                    self.alias_depth += 1;
                    let f = self.fit(v, &t);
                    self.alias_depth -= 1;
                    f
                }
                _ => yes(self.runtime_type_name(v) == name),
            },
        }
    }

    fn fit(&mut self, v: &Value, t: &TypeExpr) -> Fit {
        match t {
            TypeExpr::Any | TypeExpr::Param(_) => Fit::Exact,
            TypeExpr::Named(n) | TypeExpr::Applied(n, _) => self.fit_named(v, n),
            TypeExpr::Union(ms) => {
                let mut lossless = None;
                let mut lossy = None;
                for m in ms {
                    match self.fit(v, m) {
                        Fit::Exact => return Fit::Exact,
                        Fit::Converted(c, false) if lossless.is_none() => lossless = Some(c),
                        Fit::Converted(c, true) if lossy.is_none() => lossy = Some(c),
                        _ => {}
                    }
                }
                match (lossless, lossy) {
                    (Some(c), _) => Fit::Converted(c, false),
                    (None, Some(c)) => Fit::Converted(c, true),
                    _ => Fit::No,
                }
            }
            TypeExpr::Fn(ps, _) => match v {
                Value::Native(_) => Fit::Exact,
                Value::Function(c) => {
                    let simple = c.proto.params.iter().all(|p| !p.keyword && !p.rest);
                    if simple && c.proto.params.len() == ps.len() {
                        Fit::Exact
                    } else {
                        Fit::No
                    }
                }
                Value::Bound(_) => Fit::Exact,
                _ => Fit::No,
            },
        }
    }

    /// Checks `v` against an annotation; returns the (possibly converted) value.
    /// `ctx` names the boundary (`n`, `return value of f`, `variable`, ...);
    /// `located` adds ` @ file:line:col` (variables, properties, payloads).
    pub(crate) fn check_type(
        &mut self,
        v: Value,
        t: &TypeExpr,
        ctx: &str,
        located: bool,
    ) -> VmResult<Value> {
        if matches!(t, TypeExpr::Any) || !self.config.type_check {
            return Ok(v);
        }
        if v.is_nil() {
            if !self.config.strict_nil || admits_nil(t) {
                return Ok(v);
            }
            let mut msg = format!(
                "Type error [GENE_TYPE_MISMATCH]: expected {}, got Nil in {ctx}; strict nil mode admits nil only for Any, Nil, Option[T], or unions containing Nil",
                t.text()
            );
            if let Some(at) = self.location() {
                msg.push_str(" @ ");
                msg.push_str(&at);
            }
            return Err(self.err(ErrorKind::Type, msg));
        }
        match self.fit(&v, t) {
            Fit::Exact => Ok(v),
            Fit::Converted(c, lossy) => {
                if lossy {
                    eprintln!(
                        "Warning: Lossy conversion Float -> Int for {ctx}: {} -> {}",
                        super::print::plain(&v),
                        super::print::plain(&c)
                    );
                }
                Ok(c)
            }
            Fit::No => {
                let mut msg = format!(
                    "Type error [GENE_TYPE_MISMATCH]: expected {}, got {} in {ctx}",
                    t.text(),
                    self.runtime_type_name(&v)
                );
                if located || self.config.strict_nil {
                    if let Some(at) = self.location() {
                        msg.push_str(" @ ");
                        msg.push_str(&at);
                    }
                }
                Err(self.err(ErrorKind::Type, msg))
            }
        }
    }

    /// `file:line:col` of the instruction running in the top frame.
    fn location(&self) -> Option<String> {
        let f = self.frames.last()?;
        let proto = &f.closure.proto;
        let ip = (f.ip as usize).saturating_sub(1);
        let span = proto.chunk.spans.get(ip).copied().unwrap_or(proto.span);
        let file = self.files.get(proto.file as usize)?;
        let (line, col) = crate::syntax::line_col(&file.text, span.start as usize);
        let name = std::path::Path::new(&file.name)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| file.name.clone());
        Some(format!("{name}:{line}:{col}"))
    }

    /// A write to a declared property of an instance (later 3.3 rule 4).
    pub(crate) fn check_field(
        &mut self,
        class: &Rc<Class>,
        name: &Sym,
        v: Value,
    ) -> VmResult<Value> {
        let mut cur = Some(class.clone());
        while let Some(c) = cur {
            if let Some((_, Some(t))) = c.fields.iter().find(|(f, _)| f == name) {
                let ctx = format!("property {}", name.as_str());
                return self.check_type(v, t, &ctx, true);
            }
            cur = c.parent.clone();
        }
        Ok(v)
    }

    /// `(v is T)` (later 3.7): classes (with ancestors), enums, built-in classes.
    pub fn value_is_type(&mut self, v: &Value, t: &Value) -> VmResult<bool> {
        match t {
            Value::Class(_) => self.value_is(v, t),
            Value::Type(ty) => Ok(matches!(self.fit(v, ty), Fit::Exact)),
            Value::Enum(e) => Ok(matches!(v, Value::Adt(a) if Rc::ptr_eq(&a.def, e))),
            _ => Err(self.err(
                ErrorKind::Exception,
                "is requires a type value on the right side",
            )),
        }
    }
}
