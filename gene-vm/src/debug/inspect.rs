//! Inspection while stopped: frames, scopes, variables, futures, and setting variables.

use std::rc::Rc;

use super::futures_view::future_summary;
use super::state::Handle;
use super::{FrameInfo, FrameKindInfo, Reply, ScopeInfo, VariableInfo};
use crate::compile::chunk::{LocalStorage, Op};
use crate::compile::FileId;
use crate::syntax::Span;
use crate::vm::value::{Scope, Value};
use crate::vm::{print, Vm};

/// Ids of frames that are not Gene frames (labels, natives) start here.
const SYNTHETIC_FRAME: u32 = 1_000_000;
/// Arrays and maps with more items than this are paged.
const PAGE_ABOVE: usize = 100;

/// Where a variable of a frame lives.
#[derive(Clone)]
pub(crate) enum VarLoc {
    Stack(usize),
    Heap(Rc<Scope>, usize),
}

impl Vm {
    pub(crate) fn abs_path(&self, file: FileId) -> Option<String> {
        let f = self.files.get(file as usize)?;
        if f.name.starts_with('<') {
            return None;
        }
        let p = std::path::Path::new(&f.name);
        Some(if p.is_absolute() {
            f.name.clone()
        } else {
            self.cwd.join(p).to_string_lossy().into_owned()
        })
    }

    pub(crate) fn source_pos(&self, file: FileId, span: Span) -> (Option<String>, u32, u32) {
        let (_, line, col) = self.position(file, span);
        (self.abs_path(file), line as u32, col as u32)
    }

    /// The span of the instruction a frame is at.
    pub(crate) fn frame_span(&self, fi: usize) -> Span {
        let f = &self.frames[fi];
        let p = &f.closure.proto;
        let ip = (f.ip as usize).saturating_sub(1);
        // At a statement start, the statement's position (where its breakpoint shows).
        if let Some(off) = p.chunk.stmt_at(ip as u32) {
            return Span::new(off as usize, off as usize);
        }
        p.chunk.spans.get(ip).copied().unwrap_or(p.span)
    }

    /// Frames innermost first, with async labels and natives between them.
    pub(crate) fn stack_frames(
        &mut self,
        start: usize,
        levels: Option<usize>,
    ) -> (Vec<FrameInfo>, usize) {
        let mut all = Vec::new();
        let mut boundaries = self.async_boundaries.iter().enumerate().rev().peekable();
        for fi in (0..self.frames.len()).rev() {
            // Frames below a callback's first frame ran before the future resolved.
            while let Some((bi, b)) = boundaries.peek() {
                if b.depth <= fi {
                    break;
                }
                all.push(FrameInfo {
                    id: SYNTHETIC_FRAME + *bi as u32,
                    name: format!("── {} ──", b.label),
                    kind: FrameKindInfo::AsyncLabel,
                    path: None,
                    line: 0,
                    column: 0,
                });
                boundaries.next();
            }
            let f = &self.frames[fi];
            let span = self.frame_span(fi);
            let (path, line, column) = self.source_pos(f.closure.proto.file, span);
            all.push(FrameInfo {
                id: fi as u32 + 1,
                name: f.closure.proto.name.clone(),
                kind: FrameKindInfo::Gene,
                path,
                line,
                column,
            });
            let labelled = self.async_boundaries.iter().any(|b| b.depth == fi);
            // A frame that a native started (`.map`, a generator) sits on that native.
            if f.stop && fi > 0 && !labelled {
                let caller = &self.frames[fi - 1];
                let ip = caller.ip.saturating_sub(1) as usize;
                let chunk = &caller.closure.proto.chunk;
                let name = match chunk.code.get(ip) {
                    Some(Op::CallMethod(n, _)) => {
                        chunk.names.get(n as usize).map(|s| format!(".{s}"))
                    }
                    Some(Op::CallGlobal(n, _))
                    | Some(Op::CallGlobalLocalInt(n, ..))
                    | Some(Op::TailCallGlobal(n, _))
                    | Some(Op::TailCallGlobalLocalInt(n, ..)) => {
                        chunk.names.get(n as usize).map(|s| s.to_string())
                    }
                    _ => None,
                };
                all.push(FrameInfo {
                    id: SYNTHETIC_FRAME + 10_000 + fi as u32,
                    name: format!("[native] {}", name.unwrap_or_else(|| "native".into())),
                    kind: FrameKindInfo::Native,
                    path: None,
                    line: 0,
                    column: 0,
                });
            }
        }
        let total = all.len();
        let take = levels.filter(|l| *l > 0).unwrap_or(usize::MAX);
        (all.into_iter().skip(start).take(take).collect(), total)
    }

    fn frame_index(&self, frame: u32) -> Option<usize> {
        let fi = (frame as usize).checked_sub(1)?;
        (fi < self.frames.len()).then_some(fi)
    }

    /// The frame a request names, or the top frame.
    pub(crate) fn frame_or_top(&self, frame: Option<u32>) -> Option<usize> {
        match frame {
            Some(f) if f < SYNTHETIC_FRAME => self.frame_index(f),
            _ => self.frames.len().checked_sub(1),
        }
    }

    pub(crate) fn scopes(&mut self, frame: u32) -> Reply {
        let Some(fi) = self.frame_index(frame) else {
            return Reply::Error(format!("No frame with id {frame}"));
        };
        let Some(d) = self.debug.as_deref_mut() else {
            return Reply::Error("no debugger".into());
        };
        let scopes = vec![
            ScopeInfo {
                name: "Locals".into(),
                reference: d.handle(Handle::Locals(fi)),
                named: None,
                expensive: false,
            },
            ScopeInfo {
                name: "Captured".into(),
                reference: d.handle(Handle::Captured(fi)),
                named: None,
                expensive: false,
            },
            ScopeInfo {
                name: "Globals".into(),
                reference: d.handle(Handle::Globals(fi)),
                named: None,
                expensive: false,
            },
            ScopeInfo {
                name: "Futures".into(),
                reference: d.handle(Handle::Futures),
                named: None,
                expensive: false,
            },
            ScopeInfo {
                name: "Event loop".into(),
                reference: d.handle(Handle::EventLoop),
                named: None,
                expensive: false,
            },
        ];
        Reply::Scopes(scopes)
    }

    /// Parameters and locals visible at the frame's instruction (inner ones shadow).
    pub(crate) fn frame_locals(&self, fi: usize) -> Vec<(String, VarLoc)> {
        let f = &self.frames[fi];
        let proto = &f.closure.proto;
        let ip = f.ip.saturating_sub(1);
        let here = self.frame_span(fi).start;
        let mut out: Vec<(String, VarLoc)> = Vec::new();
        for l in &proto.chunk.locals {
            if ip < l.start || ip >= l.end || (!l.is_param && l.decl > here) {
                continue;
            }
            // Compiler-made slots (`<arg1>` holds a pattern parameter's whole
            // argument): the names the pattern binds are listed instead.
            let hidden = l.name.as_str();
            if hidden.starts_with('<') && hidden.ends_with('>') && hidden.len() > 2 {
                continue;
            }
            let loc = match &l.storage {
                LocalStorage::Slot(s) => VarLoc::Stack(f.base as usize + *s as usize),
                LocalStorage::Heap(layout, idx) => {
                    let mut e = f.env.clone();
                    let mut found = None;
                    while let Some(s) = e {
                        if s.layout.as_ref().is_some_and(|l| Rc::ptr_eq(l, layout)) {
                            found = Some(s);
                            break;
                        }
                        e = s.parent.clone();
                    }
                    match found {
                        Some(s) => VarLoc::Heap(s, *idx as usize),
                        None => continue,
                    }
                }
            };
            let name = l.name.as_str().to_string();
            out.retain(|(n, _)| *n != name);
            out.push((name, loc));
        }
        out
    }

    pub(crate) fn read_loc(&self, loc: &VarLoc) -> Value {
        match loc {
            VarLoc::Stack(i) => self.stack.get(*i).cloned().unwrap_or_default(),
            VarLoc::Heap(s, i) => s.vars.borrow().get(*i).cloned().unwrap_or_default(),
        }
    }

    pub(crate) fn write_loc(&mut self, loc: &VarLoc, v: Value) {
        match loc {
            VarLoc::Stack(i) => {
                if let Some(slot) = self.stack.get_mut(*i) {
                    *slot = v;
                }
            }
            VarLoc::Heap(s, i) => {
                if let Some(slot) = s.vars.borrow_mut().get_mut(*i) {
                    *slot = v;
                }
            }
        }
    }

    /// Heap scopes reachable from a frame, innermost first.
    pub(crate) fn frame_scopes(&self, fi: usize) -> Vec<Rc<Scope>> {
        let mut out = Vec::new();
        let mut e = self.frames[fi].env.clone();
        while let Some(s) = e {
            e = s.parent.clone();
            out.push(s);
        }
        out
    }

    pub(crate) fn scope_names(s: &Scope) -> Vec<String> {
        let n = s.vars.borrow().len();
        (0..n)
            .map(|i| {
                s.layout
                    .as_ref()
                    .and_then(|l| l.names.get(i))
                    .map(|n| n.as_str().to_string())
                    .unwrap_or_else(|| format!("v{i}"))
            })
            .collect()
    }

    /// What holds a scope, where the VM can tell.
    fn scope_holders(&mut self, s: &Rc<Scope>) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut add = |h: String| {
            if !out.contains(&h) {
                out.push(h);
            }
        };
        let is = |e: &Option<Rc<Scope>>| e.as_ref().is_some_and(|e| Rc::ptr_eq(e, s));
        for f in &self.frames {
            if is(&f.env) {
                add(format!("frame {}", f.closure.proto.name));
            }
            if is(&f.closure.env) {
                add(format!("closure {}", f.closure.proto.name));
            }
        }
        for h in &self.handlers {
            if is(&h.env) {
                add("try handler".into());
            }
        }
        for v in &self.stack {
            if let Value::Function(c) = v {
                if is(&c.env) {
                    add(format!("closure {}", c.proto.name));
                }
            }
        }
        let mut children = Vec::new();
        for fi in 0..self.frames.len() {
            for c in self.frame_scopes(fi) {
                if is(&c.parent) && !children.iter().any(|x: &Rc<Scope>| Rc::ptr_eq(x, &c)) {
                    children.push(c);
                }
            }
        }
        let futures = self.asyncs.live_futures();
        for f in &futures {
            for (_, cb) in f.callbacks.borrow().iter() {
                if let Value::Function(c) = cb {
                    if is(&c.env) {
                        add(format!("callback of future #{}", f.id));
                    }
                }
            }
        }
        for (f, cb) in self.asyncs.scheduled_callbacks() {
            if let Value::Function(c) = cb {
                if is(&c.env) {
                    add(format!("callback of future #{} (queued)", f.id));
                }
            }
        }
        for c in children {
            let id = self
                .debug
                .as_deref_mut()
                .map(|d| d.scope_id(&c))
                .unwrap_or(0);
            add(format!("scope#{id}"));
        }
        out
    }

    pub(crate) fn variables(
        &mut self,
        reference: u32,
        start: Option<usize>,
        count: Option<usize>,
    ) -> Reply {
        let Some(h) = self.debug.as_ref().and_then(|d| d.get_handle(reference)) else {
            return Reply::Error(format!("No variables with reference {reference}"));
        };
        let vars = match h {
            Handle::Locals(fi) => self.locals_vars(fi),
            Handle::Captured(fi) => self.captured_vars(fi),
            Handle::Globals(fi) => self.global_vars(fi),
            Handle::Futures => self.futures_vars(),
            Handle::EventLoop => self.loop_vars(),
            Handle::Scope(w, _) => match w.upgrade() {
                Some(s) => self.scope_vars(&s),
                None => Vec::new(),
            },
            Handle::Value(v, name) => self.children(&v, &name, start, count),
            Handle::Future(f) => self.future_vars(&f),
            Handle::List(items) => items
                .iter()
                .map(|(n, v)| self.var_info(n, v, None))
                .collect(),
        };
        Reply::Variables(vars)
    }

    /// One variable's line: quoted strings, children behind a reference.
    pub(crate) fn var_info(&mut self, name: &str, v: &Value, eval: Option<String>) -> VariableInfo {
        let eval_name = eval.clone().unwrap_or_else(|| name.to_string());
        let reference = self.value_handle(v, &eval_name);
        let (indexed, named) = match v {
            Value::Array(a) if a.borrow().len() > PAGE_ABOVE => (Some(a.borrow().len()), None),
            Value::Map(m) if m.borrow().len() > PAGE_ABOVE => (None, Some(m.borrow().len())),
            _ => (None, None),
        };
        VariableInfo {
            name: name.to_string(),
            value: display_value(v),
            type_name: Some(debug_type_name(self.builtin_class_name(v), v)),
            reference,
            indexed,
            named,
            evaluate_name: eval,
            future: match v {
                Value::Future(f) => Some(f.id),
                _ => None,
            },
        }
    }

    fn locals_vars(&mut self, fi: usize) -> Vec<VariableInfo> {
        let mut out = Vec::new();
        for (name, loc) in self.frame_locals(fi) {
            let v = self.read_loc(&loc);
            out.push(self.var_info(&name, &v, Some(name.clone())));
        }
        let depth = fi + 1;
        let awaited = self
            .debug
            .as_ref()
            .and_then(|d| d.last_await.clone())
            .filter(|(d, _)| *d == depth)
            .map(|(_, v)| v);
        if let Some(v) = awaited {
            let mut info = self.var_info("$awaited", &v, None);
            info.evaluate_name = None;
            out.push(info);
        }
        let stop_future = self.debug.as_ref().and_then(|d| d.stop_future.clone());
        if let Some(f) = stop_future.filter(|_| depth == self.frames.len()) {
            out.push(self.var_info("$future", &Value::Future(f), None));
        }
        out
    }

    fn captured_vars(&mut self, fi: usize) -> Vec<VariableInfo> {
        let mut out = Vec::new();
        for s in self.frame_scopes(fi) {
            // The list holds one reference of its own.
            let refs = Rc::strong_count(&s) - 1;
            let names = Self::scope_names(&s);
            let Some(d) = self.debug.as_deref_mut() else {
                break;
            };
            let id = d.scope_id(&s);
            let reference = d.handle(Handle::Scope(Rc::downgrade(&s), fi));
            let owner = s
                .layout
                .as_ref()
                .map(|l| l.function.clone())
                .unwrap_or_default();
            out.push(VariableInfo {
                name: format!("scope#{id}"),
                value: format!("refs {refs} · {}", names.join(", ")),
                type_name: Some(format!("scope of {owner}")),
                reference,
                named: Some(names.len() + 1),
                ..Default::default()
            });
        }
        out
    }

    fn scope_vars(&mut self, s: &Rc<Scope>) -> Vec<VariableInfo> {
        let names = Self::scope_names(s);
        let values: Vec<Value> = s.vars.borrow().clone();
        let mut out = Vec::new();
        for (n, v) in names.iter().zip(values.iter()) {
            out.push(self.var_info(n, v, Some(n.clone())));
        }
        let holders = self.scope_holders(s);
        out.push(VariableInfo {
            name: "held by".into(),
            value: if holders.is_empty() {
                "(nothing the debugger can see)".into()
            } else {
                holders.join(", ")
            },
            ..Default::default()
        });
        out
    }

    /// The top-level frame of the program a frame belongs to (its variables are the
    /// program's globals), when it is not that frame itself.
    pub(crate) fn main_frame(&self, fi: usize) -> Option<usize> {
        let ns = &self.frames[fi].closure.ns;
        let m = self
            .frames
            .iter()
            .position(|f| f.closure.proto.name == "<main>" && Rc::ptr_eq(&f.closure.ns, ns))?;
        (m != fi).then_some(m)
    }

    /// Top-level variables, then the namespace's definitions.
    fn global_vars(&mut self, fi: usize) -> Vec<VariableInfo> {
        let mut out = Vec::new();
        let main = if self.frames[fi].closure.proto.name == "<main>" {
            None
        } else {
            self.main_frame(fi)
        };
        if let Some(m) = main {
            for (n, loc) in self.frame_locals(m) {
                let v = self.read_loc(&loc);
                out.push(self.var_info(&n, &v, Some(n.clone())));
            }
        }
        let ns = self.frames[fi].closure.ns.clone();
        let members: Vec<(String, Value)> = ns
            .members
            .borrow()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.clone()))
            .collect();
        for (n, v) in &members {
            if !out.iter().any(|o: &VariableInfo| o.name == *n) {
                out.push(self.var_info(n, v, Some(n.clone())));
            }
        }
        out
    }

    fn children(
        &mut self,
        v: &Value,
        eval: &str,
        start: Option<usize>,
        count: Option<usize>,
    ) -> Vec<VariableInfo> {
        let start = start.unwrap_or(0);
        let count = count.filter(|c| *c > 0).unwrap_or(usize::MAX);
        let path = |k: &str| format!("{eval}/{k}");
        let items: Vec<(String, Value, Option<String>)> = match v {
            Value::Array(a) => a
                .borrow()
                .iter()
                .enumerate()
                .skip(start)
                .take(count)
                .map(|(i, v)| (i.to_string(), v.clone(), Some(path(&i.to_string()))))
                .collect(),
            Value::Map(m) => m
                .borrow()
                .iter()
                .skip(start)
                .take(count)
                .map(|(k, v)| (k.as_str().to_string(), v.clone(), Some(path(k.as_str()))))
                .collect(),
            Value::Gene(g) => {
                let g = g.borrow();
                let mut items = vec![("head".to_string(), g.head.clone(), None)];
                for (k, v) in &g.props {
                    items.push((
                        format!("^{}", k.as_str()),
                        v.clone(),
                        Some(path(k.as_str())),
                    ));
                }
                for (i, c) in g.children.iter().enumerate() {
                    items.push((i.to_string(), c.clone(), Some(path(&i.to_string()))));
                }
                items
            }
            Value::Instance(i) => i
                .props
                .borrow()
                .iter()
                .map(|(k, v)| (k.as_str().to_string(), v.clone(), Some(path(k.as_str()))))
                .collect(),
            Value::Namespace(ns) => ns
                .members
                .borrow()
                .iter()
                .map(|(k, v)| (k.as_str().to_string(), v.clone(), Some(path(k.as_str()))))
                .collect(),
            Value::Class(c) => c
                .methods
                .borrow()
                .iter()
                .map(|(k, v)| (k.as_str().to_string(), v.clone(), None))
                .collect(),
            // A payload variant: its fields by name (later 4.2 reads them as paths).
            Value::Adt(a) => {
                let names = a.variant_def().fields.clone().unwrap_or_default();
                a.payload
                    .iter()
                    .flatten()
                    .enumerate()
                    .map(|(i, v)| {
                        let n = names
                            .get(i)
                            .map_or_else(|| i.to_string(), |(s, _)| s.as_str().to_string());
                        let p = path(&n);
                        (n, v.clone(), Some(p))
                    })
                    .collect()
            }
            // A match object's members (later 8.4), as its paths name them.
            Value::RegexMatch(m) => {
                let strs = |xs: &[String]| {
                    Value::array(xs.iter().map(|x| Value::str(x.clone())).collect())
                };
                let mut named = crate::vm::value::PropMap::default();
                for (k, v) in &m.named {
                    named.insert(self.intern(k), Value::str(v.clone()));
                }
                [
                    ("value", Value::str(m.value.clone())),
                    ("captures", strs(&m.captures)),
                    ("named_captures", Value::map(named)),
                    ("start", Value::Int(m.start as i64)),
                    ("end", Value::Int(m.end as i64)),
                    ("pre_match", Value::str(m.pre.clone())),
                    ("post_match", Value::str(m.post.clone())),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v, Some(path(k))))
                .collect()
            }
            // Keys in their quoted form (later 7.2); a set's members by position.
            Value::HashMap(h) => h
                .borrow()
                .entries
                .iter()
                .skip(start)
                .take(count)
                .map(|(k, v)| (print::quoted(k), v.clone(), None))
                .collect(),
            Value::HashSet(h) => h
                .borrow()
                .entries
                .iter()
                .enumerate()
                .skip(start)
                .take(count)
                .map(|(i, (k, _))| (i.to_string(), k.clone(), None))
                .collect(),
            // The accessors of a date, date-time or time (later 9.3), named as
            // the methods that read them.
            Value::Date(d) => crate::stdlib::dates::date_fields(d)
                .into_iter()
                .map(|(k, v)| (k.to_string(), v, Some(format!("({eval} .{k})"))))
                .collect(),
            _ => Vec::new(),
        };
        items
            .iter()
            .map(|(n, v, e)| self.var_info(n, v, e.clone()))
            .collect()
    }

    /// `setVariable`: the value is a Gene expression evaluated in the frame.
    pub(crate) fn set_variable(&mut self, reference: u32, name: &str, value: &str) -> Reply {
        let Some(h) = self.debug.as_ref().and_then(|d| d.get_handle(reference)) else {
            return Reply::Error(format!("No variables with reference {reference}"));
        };
        let fi = match &h {
            Handle::Locals(fi) | Handle::Captured(fi) | Handle::Globals(fi) => Some(*fi),
            Handle::Scope(_, fi) => Some(*fi),
            _ => None,
        };
        let v = match self.eval_in_frame(fi, value, super::EvalContext::Repl) {
            Ok(v) => v,
            Err(msg) => return Reply::Error(msg),
        };
        let done = match h {
            Handle::Locals(fi) => {
                match self.frame_locals(fi).into_iter().find(|(n, _)| n == name) {
                    Some((_, loc)) => {
                        self.write_loc(&loc, v.clone());
                        Ok(())
                    }
                    None => Err(format!("No local named {name}")),
                }
            }
            Handle::Scope(w, _) => match w.upgrade() {
                Some(s) => match Self::scope_names(&s).iter().position(|n| n == name) {
                    Some(i) => {
                        self.write_loc(&VarLoc::Heap(s, i), v.clone());
                        Ok(())
                    }
                    None => Err(format!("No variable named {name} in this scope")),
                },
                None => Err("That scope no longer exists".into()),
            },
            Handle::Globals(fi) => {
                let top_level = self
                    .main_frame(fi)
                    .or((self.frames[fi].closure.proto.name == "<main>").then_some(fi))
                    .and_then(|m| self.frame_locals(m).into_iter().find(|(n, _)| n == name));
                match top_level {
                    Some((_, loc)) => self.write_loc(&loc, v.clone()),
                    None => {
                        let sym = self.intern(name);
                        self.frames[fi].closure.ns.set(sym, v.clone());
                    }
                }
                Ok(())
            }
            Handle::Value(Value::Array(a), _) if a.is_sealed() => {
                Err("Cannot set item on sealed array".to_string())
            }
            Handle::Value(Value::Map(m), _) if m.is_sealed() => {
                Err("Cannot set item on sealed map".to_string())
            }
            Handle::Value(Value::Array(a), _) => match name.parse::<usize>() {
                Ok(i) if i < a.borrow().len() => {
                    a.borrow_mut()[i] = v.clone();
                    Ok(())
                }
                _ => Err(format!("No element {name}")),
            },
            Handle::Value(Value::Map(m), _) => {
                let sym = self.intern(name);
                m.borrow_mut().insert(sym, v.clone());
                Ok(())
            }
            Handle::Value(Value::Instance(i), _) => {
                let sym = self.intern(name);
                i.props.borrow_mut().insert(sym, v.clone());
                Ok(())
            }
            _ => Err(format!("{name} cannot be set here")),
        };
        match done {
            Ok(()) => Reply::Variable(self.var_info(name, &v, None)),
            Err(m) => Reply::Error(m),
        }
    }

    /// A data id for a variable that holds a future.
    pub(crate) fn data_breakpoint_info(
        &mut self,
        reference: u32,
        name: &str,
    ) -> Option<(String, String)> {
        let h = self.debug.as_ref().and_then(|d| d.get_handle(reference))?;
        let id = match h {
            Handle::Locals(fi) => {
                let loc = self
                    .frame_locals(fi)
                    .into_iter()
                    .find(|(n, _)| n == name)?
                    .1;
                future_id(&self.read_loc(&loc))
            }
            Handle::Scope(w, _) => {
                let s = w.upgrade()?;
                let i = Self::scope_names(&s).iter().position(|n| n == name)?;
                future_id(&self.read_loc(&VarLoc::Heap(s, i)))
            }
            Handle::Globals(fi) => {
                let top_level = self
                    .main_frame(fi)
                    .or((self.frames[fi].closure.proto.name == "<main>").then_some(fi))
                    .and_then(|m| self.frame_locals(m).into_iter().find(|(n, _)| n == name));
                match top_level {
                    Some((_, loc)) => future_id(&self.read_loc(&loc)),
                    None => {
                        let sym = self.intern(name);
                        future_id(&self.frames[fi].closure.ns.get(&sym)?)
                    }
                }
            }
            Handle::Futures | Handle::List(_) => name
                .trim_start_matches('#')
                .split_whitespace()
                .next()?
                .parse()
                .ok(),
            Handle::Value(v, _) => {
                let child = self
                    .children(&v, "", None, None)
                    .into_iter()
                    .find(|c| c.name == name)?;
                child.future
            }
            _ => None,
        }?;
        Some((
            format!("future:{id}"),
            format!("when future #{id} resolves"),
        ))
    }
}

fn future_id(v: &Value) -> Option<u64> {
    match v {
        Value::Future(f) => Some(f.id),
        _ => None,
    }
}

pub(crate) fn short(s: &str) -> String {
    if s.chars().count() > 200 {
        let t: String = s.chars().take(200).collect();
        format!("{t}…")
    } else {
        s.to_string()
    }
}

/// How a value reads in the variables view.
/// The type shown beside a value: sealed containers say so (later 7.1), dates
/// name their kind (later 9).
fn debug_type_name(class: &str, v: &Value) -> String {
    match v {
        Value::Date(d) => match d.kind {
            crate::syntax::datetime::DateKind::Date => "Date".into(),
            crate::syntax::datetime::DateKind::DateTime => "DateTime".into(),
            crate::syntax::datetime::DateKind::Time => "Time".into(),
        },
        _ if crate::vm::value::is_sealed(v) => format!("sealed {class}"),
        _ => class.to_string(),
    }
}

pub(crate) fn display_value(v: &Value) -> String {
    let sealed = if crate::vm::value::is_sealed(v) {
        "#"
    } else {
        ""
    };
    match v {
        Value::Future(f) => format!("future #{} {} · {}", f.id, f.label, future_summary(f)),
        Value::Array(a) if a.borrow().len() > PAGE_ABOVE => {
            format!("{sealed}Array({})", a.borrow().len())
        }
        Value::Map(m) if m.borrow().len() > PAGE_ABOVE => {
            format!("{sealed}Map({})", m.borrow().len())
        }
        // It prints as its kind name (later 8.4); the debugger says what matched.
        Value::RegexMatch(m) => short(&format!(
            "VkRegexMatch {} at {}..{}",
            print::quoted(&Value::str(m.value.clone())),
            m.start,
            m.end
        )),
        _ => short(&print::quoted(v)),
    }
}
