//! Enums at run time (later 4): members, construction, fields, `case` patterns,
//! `?`, and the built-in `Result` and `Option`.

use std::rc::Rc;

use super::error::{ErrorKind, VmResult};
use super::value::*;
use super::Vm;

/// `Enum/name`: a unit member or a payload variant's constructor.
pub(super) fn enum_member(e: &Rc<EnumDef>, name: &Sym) -> Option<Value> {
    let i = e.variants.iter().position(|v| v.name == *name)?;
    Some(member(e, i))
}

pub(super) fn member(e: &Rc<EnumDef>, i: usize) -> Value {
    Value::Adt(Rc::new(AdtVal {
        def: e.clone(),
        variant: i as u32,
        payload: None,
    }))
}

/// A payload field by name.
pub(super) fn field(a: &AdtVal, name: &Sym) -> Option<Value> {
    let fields = a.variant_def().fields.as_ref()?;
    let i = fields.iter().position(|(f, _)| f == name)?;
    a.payload.as_ref()?.get(i).cloned()
}

/// Which built-in variant a value is (for `?`).
pub(crate) enum Builtin {
    Ok(Value),
    Stop,
    Other,
}

impl Vm {
    /// Creates `Result` and `Option` with their global aliases (later 4.4).
    pub(crate) fn install_builtin_enums(&mut self) {
        let mk = |vm: &mut Vm, name: &str, vs: &[(&str, Option<&str>)]| {
            let variants = vs
                .iter()
                .map(|(v, f)| VariantDef {
                    name: vm.intern(v),
                    fields: f.map(|f| vec![(vm.intern(f), None)]),
                })
                .collect();
            Rc::new(EnumDef {
                name: name.to_string(),
                variants,
            })
        };
        let result = mk(
            self,
            "Result",
            &[("Ok", Some("value")), ("Err", Some("error"))],
        );
        let option = mk(self, "Option", &[("Some", Some("value")), ("None", None)]);
        for (e, names) in [(&result, ["Ok", "Err"]), (&option, ["Some", "None"])] {
            let s = self.intern(&e.name);
            self.global.set(s, Value::Enum(e.clone()));
            for (i, n) in names.iter().enumerate() {
                let s = self.intern(n);
                self.global.set(s, member(e, i));
            }
        }
        self.result_enum = Some(result);
        self.option_enum = Some(option);
    }

    /// Calling a member: a unit member with no arguments is itself; a constructor
    /// builds a value positionally or by keyword (later 4.2).
    pub(crate) fn construct_variant(
        &mut self,
        a: &Rc<AdtVal>,
        args: Vec<Value>,
        kw: Vec<(Sym, Value)>,
    ) -> VmResult<Value> {
        let q = a.qualified();
        let Some(fields) = a.variant_def().fields.clone() else {
            let n = args.len() + kw.len();
            if n == 0 {
                return Ok(Value::Adt(a.clone()));
            }
            return Err(self.arg_err(format!("Unit variant {q} expects 0 arguments, got {n}")));
        };
        if a.payload.is_some() {
            return Err(self.type_err(format!(
                "{} is not callable",
                super::print::plain(&Value::Adt(a.clone()))
            )));
        }
        let names: Vec<&str> = fields.iter().map(|(f, _)| f.as_str()).collect();
        let expected = names.join(", ");
        let mut payload = if kw.is_empty() {
            if args.len() != fields.len() {
                return Err(self.arg_err(format!(
                    "Variant {q} expects {} arguments ({expected}), got {}",
                    fields.len(),
                    args.len()
                )));
            }
            args
        } else {
            if !args.is_empty() {
                return Err(self.arg_err(format!(
                    "Variant {q} cannot mix positional and keyword arguments"
                )));
            }
            let unknown: Vec<&str> = kw
                .iter()
                .filter(|(k, _)| !fields.iter().any(|(f, _)| f == k))
                .map(|(k, _)| k.as_str())
                .collect();
            if !unknown.is_empty() {
                return Err(self.arg_err(format!(
                    "Variant {q} got unknown keyword argument(s): {}; expected fields: {expected}",
                    unknown.join(", ")
                )));
            }
            let missing: Vec<&str> = fields
                .iter()
                .filter(|(f, _)| !kw.iter().any(|(k, _)| k == f))
                .map(|(f, _)| f.as_str())
                .collect();
            if !missing.is_empty() {
                return Err(self.arg_err(format!(
                    "Variant {q} missing keyword argument(s): {}; expected fields: {expected}",
                    missing.join(", ")
                )));
            }
            fields
                .iter()
                .map(|(f, _)| {
                    kw.iter()
                        .find(|(k, _)| k == f)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default()
                })
                .collect()
        };
        for (i, (f, ty)) in fields.iter().enumerate() {
            if let Some(t) = ty {
                let ctx = format!("field {q}.{}", f.as_str());
                let v = std::mem::take(&mut payload[i]);
                payload[i] = self.check_type(v, t, &ctx, true)?;
            }
        }
        Ok(Value::Adt(Rc::new(AdtVal {
            def: a.def.clone(),
            variant: a.variant,
            payload: Some(payload),
        })))
    }

    /// `(v .field)` on an enum value; `None` for the methods every value has.
    pub(crate) fn variant_method(&mut self, a: &Rc<AdtVal>, name: &Sym) -> VmResult<Option<Value>> {
        if let Some(v) = field(a, name) {
            return Ok(Some(v));
        }
        if matches!(
            name.as_str(),
            "to_s" | "is" | "class" | "type" | "==" | "!="
        ) {
            return Ok(None);
        }
        Err(self.err(
            ErrorKind::Exception,
            format!(
                "Variant {} has no field {}",
                a.variant_def().name.as_str(),
                name.as_str()
            ),
        ))
    }

    /// `case` clause on a variant: the payload when `target` is that variant.
    pub(crate) fn match_variant(
        &mut self,
        target: &Value,
        ctor: &Value,
    ) -> VmResult<Option<Vec<Value>>> {
        let Value::Adt(c) = ctor else {
            return Err(self.type_err(format!(
                "A case pattern needs an enum variant, got {}",
                ctor.type_name()
            )));
        };
        let Value::Adt(t) = target else {
            return Ok(None);
        };
        if !Rc::ptr_eq(&t.def, &c.def) || t.variant != c.variant {
            return Ok(None);
        }
        Ok(Some(t.payload.clone().unwrap_or_default()))
    }

    /// `(v ?)`: Ok/Some unwrap; Err/None stop; anything else passes through.
    pub(crate) fn classify_builtin(&self, v: &Value) -> Builtin {
        let Value::Adt(a) = v else {
            return Builtin::Other;
        };
        let is = |e: &Option<Rc<EnumDef>>| e.as_ref().is_some_and(|e| Rc::ptr_eq(e, &a.def));
        if !is(&self.result_enum) && !is(&self.option_enum) {
            return Builtin::Other;
        }
        match &a.payload {
            // Ok / Some (variant 0 of both) carry the value.
            Some(p) if a.variant == 0 => Builtin::Ok(p.first().cloned().unwrap_or_default()),
            Some(_) => Builtin::Stop,
            // None (a unit) stops; a bare constructor passes through.
            None if a.variant_def().fields.is_none() => Builtin::Stop,
            None => Builtin::Other,
        }
    }
}
