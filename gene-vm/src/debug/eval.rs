//! Evaluating Gene expressions in a stopped frame: the debug console, watches,
//! hovers, breakpoint conditions and log messages, and console completions.

use std::rc::Rc;
use std::time::Instant;

use super::hooks::EVAL_TIMEOUT;
use super::inspect::VarLoc;
use super::{EvalContext, Reply};
use crate::compile::lower::LowerOptions;
use crate::syntax::NodeKind;
use crate::vm::value::{Scope, Value};
use crate::vm::{print, Vm};

impl Vm {
    /// Every name the frame can see (locals first, then captured scopes inside out).
    pub(crate) fn visible_vars(&self, fi: usize) -> Vec<(String, VarLoc)> {
        let mut out = self.frame_locals(fi);
        for s in self.frame_scopes(fi) {
            for (i, n) in Self::scope_names(&s).into_iter().enumerate() {
                if !out.iter().any(|(m, _)| *m == n) {
                    out.push((n, VarLoc::Heap(s.clone(), i)));
                }
            }
        }
        // The program's top-level variables live in the main frame.
        if let Some(m) = self.main_frame(fi) {
            for (n, loc) in self.frame_locals(m) {
                if !out.iter().any(|(o, _)| *o == n) {
                    out.push((n, loc));
                }
            }
        }
        out
    }

    /// Runs `expr` in frame `fi` (or at the top level if there is none); assignments to
    /// the frame's variables are written back.
    pub(crate) fn eval_in_frame(
        &mut self,
        fi: Option<usize>,
        expr: &str,
        ctx: EvalContext,
    ) -> Result<Value, String> {
        let fi = fi.or_else(|| self.frames.len().checked_sub(1));
        let vars = fi.map(|fi| self.visible_vars(fi)).unwrap_or_default();
        let names: Vec<String> = vars.iter().map(|(n, _)| n.clone()).collect();
        let values: Vec<Value> = vars.iter().map(|(_, l)| self.read_loc(l)).collect();
        let key = (expr.to_string(), names.clone());
        let cached = self
            .debug
            .as_ref()
            .and_then(|d| d.eval_cache.get(&key).cloned());
        let proto = match cached {
            Some(p) => p,
            None => {
                let opts = LowerOptions {
                    predeclared: names.clone(),
                    repl: true,
                };
                let p = self.compile("<eval>", expr, &opts).map_err(|(_, errs)| {
                    errs.iter()
                        .map(|e| e.message.clone())
                        .collect::<Vec<_>>()
                        .join("; ")
                })?;
                if let Some(d) = self.debug.as_deref_mut() {
                    if d.eval_cache.len() > 256 {
                        d.eval_cache.clear();
                    }
                    d.eval_cache.insert(key, p.clone());
                }
                p
            }
        };
        let ns = match fi {
            Some(fi) => self.frames[fi].closure.ns.clone(),
            None => self.module_ns("<eval>"),
        };
        let root = Rc::new(Scope {
            vars: std::cell::RefCell::new(values.clone()),
            parent: None,
            layout: None,
        });
        if let Some(d) = self.debug.as_deref_mut() {
            d.evaluating += 1;
            if ctx == EvalContext::Repl && d.eval_deadline.is_none() {
                d.eval_deadline = Some(Instant::now() + EVAL_TIMEOUT);
            }
        }
        let saved_budget = self.budget;
        let r = self.run_proto(proto, ns, Some(root.clone()));
        self.budget = saved_budget;
        if let Some(d) = self.debug.as_deref_mut() {
            d.evaluating = d.evaluating.saturating_sub(1);
            if d.evaluating == 0 {
                d.eval_deadline = None;
            }
        }
        self.flush();
        // Write back what the expression assigned.
        let after: Vec<Value> = root.vars.borrow().clone();
        for ((_, loc), (old, new)) in vars.iter().zip(values.iter().zip(after.iter())) {
            if !identical(old, new) {
                self.write_loc(loc, new.clone());
            }
        }
        r.map_err(|t| {
            let msg = print::exception_message(&t.value).unwrap_or_else(|| print::plain(&t.value));
            match &t.value {
                Value::Instance(i) if i.class.name != "Exception" => {
                    format!("{}: {msg}", i.class.name)
                }
                _ => msg,
            }
        })
    }

    /// A breakpoint condition or log expression, in the top frame.
    pub(crate) fn debug_eval_in_top(&mut self, expr: &str) -> Result<Value, String> {
        self.eval_in_frame(None, expr, EvalContext::Watch)
    }

    /// `{expr}` parts of a log message, evaluated in the top frame.
    pub(crate) fn interpolate_log(&mut self, msg: &str) -> String {
        let mut out = String::new();
        let mut rest = msg;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                out.push_str(&rest[open..]);
                return out;
            };
            let expr = &after[..close];
            match self.debug_eval_in_top(expr) {
                Ok(v) => out.push_str(&print::plain(&v)),
                Err(e) => out.push_str(&format!("<error: {e}>")),
            }
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        out
    }

    pub(crate) fn evaluate(&mut self, frame: Option<u32>, expr: &str, ctx: EvalContext) -> Reply {
        let fi = self.frame_or_top(frame);
        if ctx == EvalContext::Hover && !reads_only(expr) {
            return Reply::Error(
                "hover evaluates names and paths only (it never calls anything)".into(),
            );
        }
        match self.eval_in_frame(fi, expr, ctx) {
            Ok(v) => {
                let name = expr.trim().to_string();
                Reply::Variable(self.var_info(&name, &v, Some(name.clone())))
            }
            Err(m) => Reply::Error(m),
        }
    }

    /// Names for the debug console: the frame's, the program's globals, natives.
    pub(crate) fn completions(
        &mut self,
        frame: Option<u32>,
        text: &str,
        column: usize,
    ) -> Vec<(String, String)> {
        let upto: String = text.chars().take(column.saturating_sub(1)).collect();
        let prefix: String = upto
            .chars()
            .rev()
            .take_while(|c| !c.is_whitespace() && !"()[]{}".contains(*c))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let mut out: Vec<(String, String)> = Vec::new();
        let mut add = |n: String, kind: &str| {
            if n.starts_with(&prefix) && !out.iter().any(|(m, _)| *m == n) {
                out.push((n, kind.to_string()));
            }
        };
        if let Some(fi) = self.frame_or_top(frame) {
            for (n, _) in self.visible_vars(fi) {
                add(n, "variable");
            }
            for (k, v) in self.frames[fi].closure.ns.members.borrow().iter() {
                let kind = match v {
                    Value::Function(_) | Value::Native(_) => "function",
                    Value::Class(_) => "class",
                    _ => "variable",
                };
                add(k.as_str().to_string(), kind);
            }
        }
        for n in &self.natives {
            add(
                n.path.rsplit('/').next().unwrap_or(n.path).to_string(),
                "function",
            );
            for a in n.aliases {
                add(a.to_string(), "function");
            }
        }
        out
    }
}

/// The same value: equal immediates, or the same heap object.
fn identical(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Nil, Value::Nil) | (Value::Void, Value::Void) => true,
        (Value::NotFound, Value::NotFound) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits(),
        (Value::Char(x), Value::Char(y)) => x == y,
        (Value::Symbol(x), Value::Symbol(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => Rc::ptr_eq(x, y),
        (Value::Path(x), Value::Path(y)) => Rc::ptr_eq(x, y),
        (Value::Array(x), Value::Array(y)) => Rc::ptr_eq(x, y),
        (Value::Map(x), Value::Map(y)) => Rc::ptr_eq(x, y),
        (Value::Gene(x), Value::Gene(y)) => Rc::ptr_eq(x, y),
        (Value::Range(x), Value::Range(y)) => Rc::ptr_eq(x, y),
        _ => a.same_ref(b),
    }
}

/// True for an expression that only reads: a name, a path without method calls, a literal.
fn reads_only(expr: &str) -> bool {
    let parsed = crate::syntax::parse(expr);
    if !parsed.errors.is_empty() || parsed.forms.len() != 1 {
        return false;
    }
    match &parsed.forms[0].kind {
        NodeKind::Symbol(_) => true,
        NodeKind::Path(segs) => segs.iter().all(|s| !s.starts_with('.')),
        NodeKind::Nil
        | NodeKind::Bool(_)
        | NodeKind::Int(_)
        | NodeKind::Float(_)
        | NodeKind::Str(_)
        | NodeKind::Char(_) => true,
        _ => false,
    }
}
