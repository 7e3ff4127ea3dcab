//! The three textual forms of values (reference section 9): plain (print),
//! display (`$`, `.to_s`, `.join`) and quoted (nested Gene content, eval results).

use std::fmt::Write;
use std::rc::Rc;

use super::value::{BuiltinClass, Value};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Plain,
    Quoted,
}

/// Plain form (9.2), used by `print`/`println`.
pub fn plain(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v, Form::Plain, &mut Vec::new());
    out
}

/// Quoted form (9.4).
pub fn quoted(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v, Form::Quoted, &mut Vec::new());
    out
}

/// Display form (9.3): quoted, except a top-level string is raw text and a
/// top-level nil is empty.
pub fn display(v: &Value) -> String {
    match v {
        Value::Nil => String::new(),
        Value::Str(s) => s.borrow().clone(),
        Value::Char(c) => c.to_string(),
        // An exception stands for its message string (9.7): raw at top level.
        Value::Instance(_) => exception_message(v).unwrap_or_else(|| quoted(v)),
        _ => quoted(v),
    }
}

/// Text used by interpolation (`#Str`): primitives as printed, others quoted.
pub fn interpolated(v: &Value) -> String {
    match v {
        Value::Str(s) => s.borrow().clone(),
        Value::Char(c) => c.to_string(),
        Value::Nil => "nil".into(),
        Value::Instance(_) => exception_message(v).unwrap_or_else(|| quoted(v)),
        _ => quoted(v),
    }
}

/// Exception instances print as their message (decision in 9.7).
pub fn exception_message(v: &Value) -> Option<String> {
    if let Value::Instance(inst) = v {
        let mut c = Some(inst.class.clone());
        while let Some(cls) = c {
            if cls.builtin.get() == Some(BuiltinClass::Exception) {
                let props = inst.props.borrow();
                return Some(
                    props
                        .iter()
                        .find(|(k, _)| k.as_str() == "message")
                        .map(|(_, m)| plain(m))
                        .unwrap_or_default(),
                );
            }
            c = cls.parent.clone();
        }
    }
    None
}

/// Nesting limit that keeps printing of very deep data off the native stack.
const MAX_DEPTH: usize = 1000;

/// Identity of a container value, used to detect cycles while printing.
fn container_id(v: &Value) -> Option<usize> {
    match v {
        Value::Array(a) => Some(Rc::as_ptr(a) as *const () as usize),
        Value::Map(m) => Some(Rc::as_ptr(m) as *const () as usize),
        Value::Gene(g) => Some(Rc::as_ptr(g) as *const () as usize),
        _ => None,
    }
}

/// Writes `v`; `open` holds the containers being printed around it, so a
/// container that contains itself prints as `...` instead of looping.
fn write_value(out: &mut String, v: &Value, form: Form, open: &mut Vec<usize>) {
    if let Some(id) = container_id(v) {
        if open.len() >= MAX_DEPTH || open.contains(&id) {
            out.push_str("...");
            return;
        }
        open.push(id);
        write_inner(out, v, form, open);
        open.pop();
    } else {
        write_inner(out, v, form, open);
    }
}

fn write_inner(out: &mut String, v: &Value, form: Form, open: &mut Vec<usize>) {
    match v {
        Value::Nil => out.push_str("nil"),
        Value::Void => out.push_str("void"),
        Value::NotFound => out.push_str("not_found"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&format_float(*f)),
        Value::Char(c) => {
            if form == Form::Quoted {
                out.push('\'');
                out.push(*c);
                out.push('\'');
            } else {
                out.push(*c);
            }
        }
        Value::Symbol(s) => out.push_str(s.as_str()),
        Value::Str(s) => {
            if form == Form::Quoted {
                out.push('"');
                out.push_str(&s.borrow());
                out.push('"');
            } else {
                out.push_str(&s.borrow());
            }
        }
        Value::Path(p) => {
            for (i, seg) in p.iter().enumerate() {
                if i > 0 {
                    out.push('/');
                }
                out.push_str(seg.as_str());
            }
        }
        Value::Array(a) => {
            if a.is_sealed() {
                out.push('#');
            }
            out.push('[');
            for (i, e) in a.borrow().iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_value(out, e, form, open);
            }
            out.push(']');
        }
        Value::Map(m) => {
            if m.is_sealed() {
                out.push('#');
            }
            out.push('{');
            for (i, (k, e)) in m.borrow().iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push('^');
                out.push_str(k.as_str());
                out.push(' ');
                write_value(out, e, form, open);
            }
            out.push('}');
        }
        Value::Gene(g) => {
            if g.is_sealed() {
                out.push('#');
            }
            let g = g.borrow();
            out.push('(');
            let mut first = true;
            if !(g.head.is_nil() && g.props.is_empty() && g.children.is_empty()) {
                write_value(out, &g.head, Form::Quoted, open);
                first = false;
            }
            for (k, e) in g.props.iter() {
                if !first {
                    out.push(' ');
                }
                first = false;
                out.push('^');
                out.push_str(k.as_str());
                out.push(' ');
                write_value(out, e, Form::Quoted, open);
            }
            for e in g.children.iter() {
                if !first {
                    out.push(' ');
                }
                first = false;
                write_value(out, e, Form::Quoted, open);
            }
            out.push(')');
        }
        Value::Range(r) => {
            let _ = write!(out, "{}..{}", r.start, r.end);
            if let Some(s) = r.step {
                let _ = write!(out, " step {s}");
            }
        }
        Value::Function(_) | Value::Bound(_) => out.push_str("VkFunction"),
        Value::Native(_) => out.push_str("VkNativeFn"),
        Value::Class(_) => out.push_str("VkClass"),
        Value::Instance(_) => match exception_message(v) {
            Some(m) => {
                if form == Form::Quoted {
                    out.push('"');
                    out.push_str(&m);
                    out.push('"');
                } else {
                    out.push_str(&m)
                }
            }
            None => match v {
                // An adapter (later 5.2): `<Adapter:I inner>` when quoted.
                Value::Instance(i) if i.class.builtin.get() == Some(BuiltinClass::Adapter) => {
                    if form == Form::Quoted {
                        let name = i.class.interfaces.first().map_or("", |x| x.name.as_str());
                        let inner = i
                            .props
                            .borrow()
                            .iter()
                            .find(|(k, _)| k.as_str() == "_genevalue")
                            .map(|(_, x)| x.clone())
                            .unwrap_or_default();
                        out.push_str("<Adapter:");
                        out.push_str(name);
                        out.push(' ');
                        write_value(out, &inner, Form::Quoted, open);
                        out.push('>');
                    } else {
                        out.push_str("VkAdapter");
                    }
                }
                _ => out.push_str("VkInstance"),
            },
        },
        Value::Namespace(_) => out.push_str("VkNamespace"),
        Value::Future(f) => {
            out.push_str("<Future ");
            out.push_str(f.state_kind_name());
            out.push('>');
        }
        Value::Generator(_) => out.push_str("VkGenerator"),
        Value::Iterator(_) => out.push_str("VkIterator"),
        Value::Enum(e) => out.push_str(&e.name),
        Value::Regex(r) => {
            out.push_str("#/");
            out.push_str(&r.pattern.replace('/', "\\/"));
            out.push('/');
            if let Some(rep) = &r.replacement {
                out.push_str(&rep.replace('/', "\\/"));
                out.push('/');
            }
            out.push_str(&r.flags);
        }
        Value::RegexMatch(_) => out.push_str("VkRegexMatch"),
        Value::Type(t) => out.push_str(&t.text()),
        Value::Date(d) => out.push_str(&d.text()),
        Value::Interface(_) => out.push_str("VkInterface"),
        Value::Bytes(b) => {
            out.push_str("0#");
            for x in b.iter() {
                let _ = write!(out, "{x:02x}");
            }
        }
        Value::HashMap(m) => {
            if m.borrow().sealed {
                out.push('#');
            }
            out.push_str("{{");
            for (i, (k, x)) in m.borrow().entries.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_value(out, k, form, open);
                out.push(' ');
                write_value(out, x, form, open);
            }
            out.push_str("}}");
        }
        Value::HashSet(m) => {
            out.push_str("(HashSet");
            for (k, _) in m.borrow().entries.iter() {
                out.push(' ');
                write_value(out, k, form, open);
            }
            out.push(')');
        }
        Value::Adt(a) => match &a.payload {
            None => out.push_str(&a.qualified()),
            Some(vals) => {
                out.push('(');
                out.push_str(&a.qualified());
                for v in vals {
                    out.push(' ');
                    write_value(out, v, Form::Quoted, open);
                }
                out.push(')');
            }
        },
    }
}

/// Float text per 9.6: shortest round-trip digits, fixed notation when the
/// decimal point position P is within -6..=17, else scientific.
pub fn format_float(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    // `{:e}` gives the shortest round-trip digits: "d.ddde-x".
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = match sci.split_once('e') {
        Some(parts) => parts,
        None => return format!("{f}"),
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let n = digits.len() as i32;
    let p = exp + 1;
    let mut out = String::new();
    if f < 0.0 {
        out.push('-');
    }
    if (-6..=17).contains(&p) {
        if p <= 0 {
            out.push_str("0.");
            for _ in 0..(-p) {
                out.push('0');
            }
            out.push_str(digits);
        } else if p < n {
            out.push_str(&digits[..p as usize]);
            out.push('.');
            out.push_str(&digits[p as usize..]);
        } else {
            out.push_str(digits);
            for _ in 0..(p - n) {
                out.push('0');
            }
            out.push_str(".0");
        }
    } else {
        out.push_str(&digits[..1]);
        if n > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        let e = p - 1;
        out.push(if e < 0 { '-' } else { '+' });
        let _ = write!(out, "{}", e.abs());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::format_float;

    #[test]
    fn floats_follow_the_reference_table() {
        let cases = [
            (10.0 / 3.0, "3.3333333333333335"),
            (1.0 / 3.0, "0.3333333333333333"),
            (0.1 + 0.2, "0.30000000000000004"),
            (2.0, "2.0"),
            (1e16, "10000000000000000.0"),
            (1e17, "1e+17"),
            (1e-5, "0.00001"),
            (1e-7, "0.0000001"),
            (1e-8, "1e-8"),
            (-0.5, "-0.5"),
            (f64::INFINITY, "inf"),
            (150.0, "150.0"),
            (0.25, "0.25"),
            (2.5e-10, "2.5e-10"),
            (2.43290200817664e18, "2.43290200817664e+18"),
            (1e20, "1e+20"),
            (0.00015, "0.00015"),
        ];
        for (f, want) in cases {
            assert_eq!(format_float(f), want, "{f}");
        }
    }
}
