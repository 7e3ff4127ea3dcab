//! Path lookup and assignment (7.1, 4.3), iteration (5.6) and destructuring (4.2).

use std::cell::RefCell;
use std::rc::Rc;

use super::error::{ErrorKind, VmResult};
use super::value::*;
use super::Vm;
use crate::compile::chunk::PatternInfo;

/// The namespace member holding `on_member_missing` handlers.
pub(crate) const MEMBER_MISSING: &str = "__member_missing__";

fn norm_index(i: i64, len: usize) -> Option<usize> {
    let idx = if i < 0 { len as i64 + i } else { i };
    if idx >= 0 && (idx as usize) < len {
        Some(idx as usize)
    } else {
        None
    }
}

impl Vm {
    pub fn get_member(&mut self, obj: &Value, name: &Sym) -> VmResult<Value> {
        Ok(match obj {
            Value::Map(m) => m.borrow().get(name).cloned().unwrap_or(Value::Void),
            Value::Gene(g) => g.borrow().props.get(name).cloned().unwrap_or(Value::Void),
            Value::Instance(i) => {
                let found = i.props.borrow().get(name).cloned();
                match found {
                    Some(v) => v,
                    // An adapter reads its interface's fields from the wrapped value.
                    None => match self.adapter_target(i, name) {
                        Some(target) => self.get_member(&target, name)?,
                        None => Value::Void,
                    },
                }
            }
            Value::Namespace(n) => match n.get(name) {
                Some(v) => v,
                None => self.member_missing(n, name)?,
            },
            Value::Class(c) => {
                if let Some(v) = c.members.get(name) {
                    v
                } else if let Some(m) = c.find_method(name) {
                    m
                } else {
                    // Built-in class functions (File/read) live in the natives table.
                    let key = format!("{}/{}", c.name, name.as_str());
                    match self.native_by_path(&key) {
                        Some(v) => v,
                        None => Value::Void,
                    }
                }
            }
            Value::Nil => Value::Nil,
            Value::Void => Value::Void,
            Value::Array(_) => Value::Void,
            Value::Enum(e) => super::adt::enum_member(e, name).unwrap_or(Value::Void),
            // A variant's field (`c/radius`; later 4.2 recommendation).
            Value::Adt(a) => super::adt::field(a, name).unwrap_or(Value::Void),
            Value::RegexMatch(m) => self.match_member(m, name.as_str()),
            other => {
                return Err(self.type_err(format!(
                    "Cannot read member '{}' of {}",
                    name.as_str(),
                    other.type_name()
                )))
            }
        })
    }

    pub fn get_index(&mut self, obj: &Value, i: i64) -> VmResult<Value> {
        Ok(match obj {
            Value::Array(a) => {
                let a = a.borrow();
                norm_index(i, a.len())
                    .map(|k| a[k].clone())
                    .unwrap_or(Value::Void)
            }
            Value::Gene(g) => {
                let g = g.borrow();
                norm_index(i, g.children.len())
                    .map(|k| g.children[k].clone())
                    .unwrap_or(Value::Void)
            }
            Value::Map(m) => {
                let key = self.intern(&i.to_string());
                m.borrow().get(&key).cloned().unwrap_or(Value::Void)
            }
            Value::Nil => Value::Nil,
            Value::Void => Value::Void,
            other => {
                return Err(self.type_err(format!("Cannot index {} with {}", other.type_name(), i)))
            }
        })
    }

    /// A missing namespace member: the namespace's `on_member_missing` handlers are
    /// asked in order; the first non-nil answer is cached as a member (later 1.8).
    fn member_missing(&mut self, ns: &Rc<Namespace>, name: &Sym) -> VmResult<Value> {
        let key = self.intern(MEMBER_MISSING);
        let Some(Value::Array(handlers)) = ns.get(&key) else {
            return Ok(Value::Void);
        };
        let handlers = handlers.borrow().clone();
        for h in handlers {
            let arg = Value::str(name.as_str());
            let depth = self.frames.len();
            let ret_to = self.stack.len();
            let pushed = self.invoke(
                h,
                Some(Value::Namespace(ns.clone())),
                vec![arg],
                Vec::new(),
                ret_to,
            )?;
            let v = if pushed {
                if let Some(f) = self.frames.get_mut(depth) {
                    f.stop = true;
                }
                self.native_calls += 1;
                let r = self.run(depth);
                self.native_calls -= 1;
                r?
            } else {
                self.stack.pop().unwrap_or_default()
            };
            if !v.is_nil() {
                ns.set(name.clone(), v.clone());
                return Ok(v);
            }
        }
        Ok(Value::Void)
    }

    /// `m/value`, `m/captures`, ... of a regex match (later 8.4); other names are void.
    fn match_member(&mut self, m: &MatchObj, name: &str) -> Value {
        match name {
            "value" => Value::str(m.value.clone()),
            "captures" => Value::array(m.captures.iter().map(|c| Value::str(c.clone())).collect()),
            "named_captures" => {
                let mut map = PropMap::new();
                for (k, v) in &m.named {
                    map.insert(self.intern(k), Value::str(v.clone()));
                }
                Value::map(map)
            }
            "start" => Value::Int(m.start as i64),
            "end" => Value::Int(m.end as i64),
            "pre_match" => Value::str(m.pre.clone()),
            "post_match" => Value::str(m.post.clone()),
            _ => Value::Void,
        }
    }

    /// `obj/<key>` for a key value: an Int indexes, a String or Symbol names a member.
    pub fn get_by_key(&mut self, obj: &Value, key: &Value) -> VmResult<Value> {
        match key {
            Value::Int(i) => self.get_index(obj, *i),
            Value::Symbol(s) => self.get_member(obj, s),
            Value::Str(s) => {
                let name = self.intern(&s.borrow());
                self.get_member(obj, &name)
            }
            other => Err(self.type_err(format!(
                "A path key must be an Int, String or Symbol, got {}",
                other.type_name()
            ))),
        }
    }

    pub fn set_by_key(&mut self, obj: &Value, key: &Value, v: Value) -> VmResult<()> {
        match key {
            Value::Int(i) => self.set_index(obj, *i, v),
            Value::Symbol(s) => self.set_member(obj, s.clone(), v),
            Value::Str(s) => {
                let name = self.intern(&s.borrow());
                self.set_member(obj, name, v)
            }
            other => Err(self.type_err(format!(
                "A path key must be an Int, String or Symbol, got {}",
                other.type_name()
            ))),
        }
    }

    pub fn set_member(&mut self, obj: &Value, name: Sym, v: Value) -> VmResult<()> {
        match obj {
            Value::Map(m) => {
                if m.is_sealed() {
                    return Err(self.sealed_err("set item on", "map"));
                }
                m.borrow_mut().insert(name, v);
            }
            Value::Gene(g) => {
                if g.is_sealed() {
                    return Err(self.sealed_err("set property on", "gene"));
                }
                g.borrow_mut().props.insert(name, v);
            }
            Value::Instance(i) => {
                let v = if i.class.typed_fields {
                    if i.class.builtin.get() == Some(super::value::BuiltinClass::Adapter) {
                        return self.adapter_set(i, name, v);
                    }
                    self.check_field(&i.class, &name, v)?
                } else {
                    v
                };
                i.props.borrow_mut().insert(name, v);
            }
            Value::Namespace(n) => n.set(name, v),
            Value::Class(c) => c.members.set(name, v),
            other => {
                return Err(self.type_err(format!(
                    "Cannot set member '{}' on {}",
                    name.as_str(),
                    other.type_name()
                )))
            }
        }
        Ok(())
    }

    pub fn set_index(&mut self, obj: &Value, i: i64, v: Value) -> VmResult<()> {
        match obj {
            Value::Array(a) => {
                if a.is_sealed() {
                    return Err(self.sealed_err("set item on", "array"));
                }
                let len = a.borrow().len();
                match norm_index(i, len) {
                    Some(k) => {
                        a.borrow_mut()[k] = v;
                        Ok(())
                    }
                    None => Err(self.err(
                        ErrorKind::Exception,
                        format!("Index {i} out of range for array of size {len}"),
                    )),
                }
            }
            Value::Gene(g) => {
                if g.is_sealed() {
                    return Err(self.sealed_err("set child on", "gene"));
                }
                let len = g.borrow().children.len();
                match norm_index(i, len) {
                    Some(k) => {
                        g.borrow_mut().children[k] = v;
                        Ok(())
                    }
                    None => Err(self.err(
                        ErrorKind::Exception,
                        format!("Index {i} out of range for gene with {len} children"),
                    )),
                }
            }
            Value::Map(m) => {
                if m.is_sealed() {
                    return Err(self.sealed_err("set item on", "map"));
                }
                let key = self.intern(&i.to_string());
                m.borrow_mut().insert(key, v);
                Ok(())
            }
            other => Err(self.type_err(format!("Cannot set index {} on {}", i, other.type_name()))),
        }
    }

    /// `.iter` protocol: arrays, maps, ranges, generators (and objects with `.iter`).
    pub fn make_iter(&mut self, v: Value) -> VmResult<Value> {
        let it = match v {
            Value::Array(a) => IterObj::Array { items: a, pos: 0 },
            Value::Map(m) => IterObj::Map { map: m, pos: 0 },
            Value::HashMap(m) | Value::HashSet(m) => IterObj::Pairs {
                items: m.borrow().entries.clone(),
                pos: 0,
            },
            Value::Range(r) => IterObj::Range {
                next: r.start,
                end: r.end,
                step: r.step(),
                index: 0,
            },
            Value::Generator(_) | Value::Iterator(_) => return Ok(v),
            Value::Instance(_) => {
                let it = self.call_method_value(&v, "iter", Vec::new())?;
                return Ok(it);
            }
            Value::Nil => IterObj::Array {
                items: Rc::new(crate::vm::value::Sealable::new(Vec::new())),
                pos: 0,
            },
            other => {
                return Err(self.type_err(format!("Cannot iterate over {}", other.type_name())))
            }
        };
        Ok(Value::Iterator(Rc::new(RefCell::new(it))))
    }

    /// Next element(s) for a `for` with `n` variables (0 for `repeat`).
    pub fn iter_next(&mut self, it: &Value, n: u8) -> VmResult<Option<Vec<Value>>> {
        match it {
            Value::Iterator(i) => {
                let mut i = i.borrow_mut();
                let out = match &mut *i {
                    IterObj::Array { items, pos } => {
                        let items = items.borrow();
                        if *pos >= items.len() {
                            return Ok(None);
                        }
                        let v = items[*pos].clone();
                        let idx = *pos as i64;
                        *pos += 1;
                        if n >= 2 {
                            vec![Value::Int(idx), v]
                        } else {
                            vec![v]
                        }
                    }
                    IterObj::Pairs { items, pos } => {
                        let Some((k, v)) = items.get(*pos) else {
                            return Ok(None);
                        };
                        *pos += 1;
                        // A set's entries are (member, member).
                        if n >= 2 {
                            vec![k.clone(), v.clone()]
                        } else {
                            vec![v.clone()]
                        }
                    }
                    IterObj::Map { map, pos } => {
                        let map = map.borrow();
                        let Some((k, v)) = map.get_index(*pos) else {
                            return Ok(None);
                        };
                        *pos += 1;
                        if n >= 2 {
                            vec![Value::Symbol(k.clone()), v.clone()]
                        } else {
                            vec![v.clone()]
                        }
                    }
                    IterObj::Range {
                        next,
                        end,
                        step,
                        index,
                    } => {
                        let done = if *step >= 0 {
                            *next > *end
                        } else {
                            *next < *end
                        };
                        if done || *step == 0 {
                            return Ok(None);
                        }
                        let v = *next;
                        let idx = *index;
                        *index += 1;
                        match next.checked_add(*step) {
                            Some(nx) => *next = nx,
                            // The next value lies outside i64: mark the range
                            // exhausted (a zero step never iterates).
                            None => *step = 0,
                        }
                        if n >= 2 {
                            vec![Value::Int(idx), Value::Int(v)]
                        } else {
                            vec![Value::Int(v)]
                        }
                    }
                };
                Ok(Some(if n == 0 { Vec::new() } else { out }))
            }
            Value::Generator(_) => {
                let v = self.generator_next(it)?;
                if matches!(v, Value::NotFound) {
                    return Ok(None);
                }
                self.split_pair(v, n).map(Some)
            }
            other => {
                let v = self.call_method_value(other, "next", Vec::new())?;
                if matches!(v, Value::NotFound) {
                    return Ok(None);
                }
                self.split_pair(v, n).map(Some)
            }
        }
    }

    fn split_pair(&mut self, v: Value, n: u8) -> VmResult<Vec<Value>> {
        if n < 2 {
            return Ok(if n == 0 { Vec::new() } else { vec![v] });
        }
        if let Value::Array(a) = &v {
            let a = a.borrow();
            if a.len() == 2 {
                return Ok(vec![a[0].clone(), a[1].clone()]);
            }
        }
        Err(self.type_err("Two-variable for needs two-element arrays from the generator"))
    }

    /// Pushes (value, provided) per pattern element, following the parameter binding rules.
    pub fn destructure(&mut self, v: &Value, info: &PatternInfo) -> VmResult<Vec<Value>> {
        // An array's items, or a Gene value's children and properties (later 4.7).
        let (items, props) = match v {
            Value::Array(a) => (a.borrow().clone(), None),
            Value::Gene(g) => {
                let g = g.borrow();
                (g.children.clone(), Some(g.props.clone()))
            }
            _ => {
                return Err(self.type_err(format!(
                    "Cannot destructure {} (expected an array)",
                    v.type_name()
                )))
            }
        };
        let mut out = self.destructure_items(items, info)?;
        for (name, rest) in &info.props {
            let got = match (&props, rest) {
                (Some(p), false) => p.get(name).cloned().unwrap_or(Value::Void),
                (Some(p), true) => {
                    let named = |k: &Sym| info.props.iter().any(|(n, r)| !r && n == k);
                    let left: PropMap = p
                        .iter()
                        .filter(|(k, _)| !named(k))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    Value::map(left)
                }
                (None, false) => Value::Void,
                (None, true) => Value::map(PropMap::new()),
            };
            out.push(got);
        }
        Ok(out)
    }

    fn destructure_items(&mut self, items: Vec<Value>, info: &PatternInfo) -> VmResult<Vec<Value>> {
        let n = items.len();
        let required = info.elems.iter().filter(|(r, d)| !r && !d).count();
        let has_rest = info.elems.iter().any(|(r, _)| *r);
        if n < required || (!has_rest && n > info.elems.len()) {
            let expected = if n < required {
                required
            } else {
                info.elems.len()
            };
            return Err(self.arg_err(format!(
                "Destructuring pattern mismatch: Expected {expected} arguments, got {n}"
            )));
        }
        let mut optional_left = n - required;
        let mut remaining = n;
        let mut it = items.into_iter();
        let mut out = Vec::with_capacity(info.elems.len() * 2);
        for (i, (rest, default)) in info.elems.iter().enumerate() {
            if *rest {
                let after = info.elems[i + 1..].iter().filter(|(r, d)| !r && !d).count();
                let take = remaining.saturating_sub(after);
                let xs: Vec<Value> = it.by_ref().take(take).collect();
                remaining -= xs.len();
                out.push(Value::array(xs));
                out.push(Value::Bool(true));
            } else if *default {
                if optional_left > 0 {
                    optional_left -= 1;
                    remaining -= 1;
                    out.push(it.next().unwrap_or_default());
                    out.push(Value::Bool(true));
                } else {
                    out.push(Value::Nil);
                    out.push(Value::Bool(false));
                }
            } else {
                remaining = remaining.saturating_sub(1);
                out.push(it.next().unwrap_or_default());
                out.push(Value::Bool(true));
            }
        }
        Ok(out)
    }

    pub fn native_by_path(&self, path: &str) -> Option<Value> {
        self.natives
            .iter()
            .position(|n| n.path == path || n.aliases.contains(&path))
            .map(|i| Value::Native(NativeId(i as u32)))
    }
}
