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

/// One parameter of a function type: `Int`, `^port Int`, `Int...` (later 3.2).
enum FnTypeParam<'t> {
    Positional(&'t TypeExpr),
    Keyword(&'t str, &'t TypeExpr),
    Rest(TypeExpr),
}

/// The parameters of `(Fn [P...] R)` by kind: `^name` takes the type after it
/// (`Any` when none follows), `T...` is a rest parameter of `T`.
fn fn_type_params(ps: &[TypeExpr]) -> Vec<FnTypeParam<'_>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < ps.len() {
        match &ps[i] {
            TypeExpr::Named(n) if n.starts_with('^') && n.len() > 1 => {
                let next = ps
                    .get(i + 1)
                    .filter(|t| !matches!(t, TypeExpr::Named(m) if m.starts_with('^')));
                out.push(FnTypeParam::Keyword(
                    &n[1..],
                    next.unwrap_or(&TypeExpr::Any),
                ));
                i += if next.is_some() { 2 } else { 1 };
                continue;
            }
            TypeExpr::Named(n) if n.ends_with("...") => {
                let base = &n[..n.len() - 3];
                out.push(FnTypeParam::Rest(if base.is_empty() {
                    TypeExpr::Any
                } else {
                    TypeExpr::Named(base.to_string())
                }));
            }
            t => out.push(FnTypeParam::Positional(t)),
        }
        i += 1;
    }
    out
}

impl Vm {
    /// Types that accept nil in strict-nil mode (later 3.8), aliases resolved.
    fn admits_nil(&mut self, t: &TypeExpr) -> bool {
        match t {
            TypeExpr::Any | TypeExpr::Param(_) => true,
            TypeExpr::Named(n) if n == "Nil" || n == "Any" => true,
            TypeExpr::Named(n) => match self.type_value(n) {
                Some(Value::Type(aliased)) if self.alias_depth < 32 => {
                    self.alias_depth += 1;
                    let r = self.admits_nil(&aliased);
                    self.alias_depth -= 1;
                    r
                }
                _ => false,
            },
            TypeExpr::Applied(n, _) => n == "Option",
            TypeExpr::Union(ms) => ms.iter().any(|m| self.admits_nil(m)),
            TypeExpr::Fn(..) => false,
        }
    }

    /// An alias name's type (bounded, for alias cycles); other types as they are.
    fn resolve_alias(&mut self, t: &TypeExpr) -> TypeExpr {
        let mut cur = t.clone();
        for _ in 0..32 {
            let TypeExpr::Named(n) = &cur else { break };
            match self.type_value(n) {
                Some(Value::Type(aliased)) => cur = (*aliased).clone(),
                _ => break,
            }
        }
        cur
    }

    /// Can a value of type `given` be passed where `wanted` is declared?
    /// `Any` (an unannotated parameter) is compatible with everything; a union
    /// wanted accepts any of its members; Int goes where Float or Numeric is
    /// wanted; a class where an ancestor is; applied and function types compare
    /// by their outer constructor (later 3.3).
    fn type_compatible(&mut self, wanted: &TypeExpr, given: &TypeExpr) -> bool {
        let (w, mut g) = (self.resolve_alias(wanted), self.resolve_alias(given));
        // The built-in unions, on the given side.
        let members = |ns: &[&str]| {
            TypeExpr::Union(ns.iter().map(|n| TypeExpr::Named(n.to_string())).collect())
        };
        match &g {
            TypeExpr::Named(n) if n == "Numeric" => g = members(&["Int", "Float"]),
            TypeExpr::Named(n) if n == "Collection" => {
                g = members(&["Array", "Map", "HashMap", "HashSet"])
            }
            _ => {}
        }
        match (&w, &g) {
            (TypeExpr::Any | TypeExpr::Param(_), _) | (_, TypeExpr::Any | TypeExpr::Param(_)) => {
                true
            }
            (_, TypeExpr::Union(gs)) => gs.iter().all(|m| self.type_compatible(&w, m)),
            (TypeExpr::Union(ws), _) => ws.iter().any(|m| self.type_compatible(m, &g)),
            (TypeExpr::Fn(..), TypeExpr::Fn(..)) => true,
            (
                TypeExpr::Named(a) | TypeExpr::Applied(a, _),
                TypeExpr::Named(b) | TypeExpr::Applied(b, _),
            ) => {
                let canon = |s: &str| match s.to_ascii_lowercase().as_str() {
                    "int64" | "i64" => "Int".to_string(),
                    "float64" | "f64" => "Float".to_string(),
                    _ => s.to_string(),
                };
                let (a, b) = (canon(a), canon(b));
                if a == b
                    || (a == "Float" && b == "Int")
                    || (a == "Numeric" && (b == "Int" || b == "Float"))
                    || (a == "Function" && b == "Function")
                {
                    return true;
                }
                match (self.type_value(&a), self.type_value(&b)) {
                    (Some(Value::Class(ca)), Some(Value::Class(cb))) => cb.is_subclass_of(&ca),
                    _ => false,
                }
            }
            (TypeExpr::Named(a), TypeExpr::Fn(..)) => a == "Function",
            _ => false,
        }
    }

    /// A user function against `(Fn [P...] R)`: the same parameters by kind
    /// (keywords by name), each declared type compatible with the expected
    /// one, and its declared result compatible with R (later 3.3).
    fn fn_matches(
        &mut self,
        proto: &crate::compile::chunk::FnProto,
        ps: &[TypeExpr],
        r: &TypeExpr,
    ) -> bool {
        let want = fn_type_params(ps);
        if want.len() != proto.params.len() {
            return false;
        }
        let declared = |i: usize| -> TypeExpr {
            proto
                .annotations
                .as_ref()
                .and_then(|a| a.params.get(i).cloned().flatten())
                .unwrap_or(TypeExpr::Any)
        };
        for (i, (w, p)) in want.iter().zip(&proto.params).enumerate() {
            let ok = match w {
                FnTypeParam::Positional(t) => {
                    !p.keyword && !p.rest && self.type_compatible(&declared(i), t)
                }
                FnTypeParam::Keyword(name, t) => {
                    p.keyword && p.name.as_str() == *name && self.type_compatible(&declared(i), t)
                }
                FnTypeParam::Rest(t) => p.rest && self.type_compatible(&declared(i), t),
            };
            if !ok {
                return false;
            }
        }
        match proto.annotations.as_ref().and_then(|a| a.ret.clone()) {
            Some(ret) => self.type_compatible(r, &ret),
            None => true,
        }
    }

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
            TypeExpr::Fn(ps, r) => match v {
                Value::Native(_) => Fit::Exact,
                Value::Function(c) => {
                    if self.fn_matches(&c.proto, ps, r) {
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
            if !self.config.strict_nil || self.admits_nil(t) {
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
                let mut msg = match legacy_adt(&v, t) {
                    Some(e) => format!(
                        "Type error [GENE_TYPE_MISMATCH]: legacy Gene-expression ADT value for {e} is no longer accepted in {ctx}; use enum-backed {e} constructors instead"
                    ),
                    None => format!(
                        "Type error [GENE_TYPE_MISMATCH]: expected {}, got {} in {ctx}",
                        t.text(),
                        self.runtime_type_name(&v)
                    ),
                };
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

/// `Result` or `Option` when `t` names one of them (plain or applied) and `v` is
/// shaped like a 2025-style ADT value, a quoted `(Ok 1)`, `(Err e)`, `(Some v)`
/// or the symbol `None` (later 3.4).
fn legacy_adt(v: &Value, t: &TypeExpr) -> Option<&'static str> {
    let e = match t {
        TypeExpr::Named(n) | TypeExpr::Applied(n, _) => match n.as_str() {
            "Result" => "Result",
            "Option" => "Option",
            _ => return None,
        },
        _ => return None,
    };
    let legacy = |s: &str| matches!(s, "Ok" | "Err" | "Some" | "None");
    let shaped = match v {
        Value::Gene(g) => matches!(&g.borrow().head, Value::Symbol(s) if legacy(s.as_str())),
        Value::Symbol(s) => s.as_str() == "None",
        _ => false,
    };
    shaped.then_some(e)
}
