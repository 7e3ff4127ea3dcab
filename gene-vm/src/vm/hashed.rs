//! Hash maps `{{...}}` and hash sets (later 7.2-7.3): keys of any hashable value,
//! compared with `==`, in insertion order.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use super::value::*;

/// Entries in insertion order with an index by structural hash.
#[derive(Default, Clone)]
pub struct HashedObj {
    pub entries: Vec<(Value, Value)>,
    /// The hash of each entry's key, in entry order (a key's `hash` method runs
    /// once, when the entry is added).
    hashes: Vec<u64>,
    index: HashMap<u64, Vec<usize>>,
    /// `#{{...}}` (later 7.1): mutating methods refuse.
    pub sealed: bool,
}

/// A structural hash consistent with `values_equal`; `Err` names a value kind
/// that cannot be a key.
pub fn hash_value(v: &Value) -> Result<u64, &'static str> {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    write_hash(v, &mut h)?;
    Ok(h.finish())
}

fn write_hash(v: &Value, h: &mut impl Hasher) -> Result<(), &'static str> {
    match v {
        Value::Nil => 0u8.hash(h),
        Value::Void => 1u8.hash(h),
        Value::NotFound => 2u8.hash(h),
        Value::Bool(b) => (3u8, b).hash(h),
        Value::Int(i) => (4u8, i).hash(h),
        // 0.0 == -0.0: one hash for both.
        Value::Float(f) => (5u8, if *f == 0.0 { 0 } else { f.to_bits() }).hash(h),
        Value::Char(c) => (6u8, c).hash(h),
        Value::Str(s) => (7u8, &*s.borrow()).hash(h),
        Value::Symbol(s) => (8u8, s.id()).hash(h),
        Value::Path(p) => {
            9u8.hash(h);
            for s in p.iter() {
                s.id().hash(h);
            }
        }
        Value::Array(a) => {
            10u8.hash(h);
            for x in a.borrow().iter() {
                write_hash(x, h)?;
            }
        }
        // Maps compare without order: combine the entries' hashes commutatively.
        Value::Map(m) => {
            let mut acc = 0u64;
            for (k, x) in m.borrow().iter() {
                let mut eh = std::collections::hash_map::DefaultHasher::new();
                k.id().hash(&mut eh);
                write_hash(x, &mut eh)?;
                acc = acc.wrapping_add(eh.finish());
            }
            (11u8, acc).hash(h);
        }
        Value::HashMap(m) | Value::HashSet(m) => {
            let mut acc = 0u64;
            for (k, x) in m.borrow().entries.iter() {
                let mut eh = std::collections::hash_map::DefaultHasher::new();
                write_hash(k, &mut eh)?;
                write_hash(x, &mut eh)?;
                acc = acc.wrapping_add(eh.finish());
            }
            (12u8, acc).hash(h);
        }
        other => return Err(other.kind_name()),
    }
    Ok(())
}

/// Keys are searched for instances this deep; a deeper one makes the key unhashable.
const KEY_DEPTH: usize = 64;

/// Whether a key holds an instance (itself, or in its arrays and maps): such a
/// key is hashed and compared through the instances' `hash` and `==` methods.
fn holds_instance(v: &Value, depth: usize) -> bool {
    if depth > KEY_DEPTH {
        return false;
    }
    match v {
        Value::Instance(_) => true,
        Value::Array(a) => a.borrow().iter().any(|x| holds_instance(x, depth + 1)),
        Value::Map(m) => m.borrow().values().any(|x| holds_instance(x, depth + 1)),
        _ => false,
    }
}

/// Whether some key of a hash map or set holds an instance.
pub(crate) fn holds_instance_keys(m: &std::rc::Rc<std::cell::RefCell<HashedObj>>) -> bool {
    m.borrow().entries.iter().any(|(k, _)| holds_instance(k, 0))
}

/// The same key object (identity for heap values), to notice a map changed
/// under a key comparison.
fn same_key(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Instance(x), Value::Instance(y)) => std::rc::Rc::ptr_eq(x, y),
        _ => values_equal(a, b),
    }
}

impl HashedObj {
    fn find(&self, hash: u64, k: &Value) -> Option<usize> {
        self.index
            .get(&hash)?
            .iter()
            .copied()
            .find(|&i| values_equal(&self.entries[i].0, k))
    }

    /// The positions of the entries whose key has this hash.
    pub(crate) fn candidates(&self, hash: u64) -> Vec<usize> {
        self.index.get(&hash).cloned().unwrap_or_default()
    }

    /// The hash stored with entry `i`.
    pub(crate) fn hash_at(&self, i: usize) -> Option<u64> {
        self.hashes.get(i).copied()
    }

    pub fn get(&self, k: &Value) -> Result<Option<&Value>, &'static str> {
        let h = hash_value(k)?;
        Ok(self.find(h, k).map(|i| &self.entries[i].1))
    }

    /// Sets `k`; an existing key keeps its position.
    pub fn set(&mut self, k: Value, v: Value) -> Result<(), &'static str> {
        let h = hash_value(&k)?;
        match self.find(h, &k) {
            Some(i) => self.entries[i].1 = v,
            None => self.push(h, k, v),
        }
        Ok(())
    }

    /// Appends a new entry whose key hashes to `h` (the caller checked it is new).
    pub(crate) fn push(&mut self, h: u64, k: Value, v: Value) {
        self.index.entry(h).or_default().push(self.entries.len());
        self.entries.push((k, v));
        self.hashes.push(h);
    }

    pub fn remove(&mut self, k: &Value) -> Result<Option<Value>, &'static str> {
        let h = hash_value(k)?;
        let Some(i) = self.find(h, k) else {
            return Ok(None);
        };
        Ok(Some(self.remove_at(i)))
    }

    /// Removes entry `i` (in range) and returns its value.
    pub(crate) fn remove_at(&mut self, i: usize) -> Value {
        let (_, v) = self.entries.remove(i);
        self.hashes.remove(i);
        self.reindex();
        v
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.hashes.clear();
        self.index.clear();
    }

    /// Rebuilds the index from the stored hashes (a key's `hash` method is not
    /// called again).
    fn reindex(&mut self) {
        self.index.clear();
        for (i, h) in self.hashes.iter().enumerate() {
            self.index.entry(*h).or_default().push(i);
        }
    }

    /// Same keys with equal values, in any order.
    pub fn same_as(&self, other: &HashedObj) -> bool {
        self.entries.len() == other.entries.len()
            && self.entries.iter().zip(&self.hashes).all(|((k, v), h)| {
                other
                    .find(*h, k)
                    .is_some_and(|i| values_equal(v, &other.entries[i].1))
            })
    }
}

impl super::Vm {
    /// The hash of a key: an instance whose class defines `hash` is hashed by
    /// the Int that method returns (later 7.2), also inside an array or map key;
    /// other values structurally.
    fn key_hash(&mut self, k: &Value) -> super::error::VmResult<u64> {
        if holds_instance(k, 0) {
            return self.deep_key_hash(k, 0);
        }
        hash_value(k).map_err(|kind| self.not_hashable(kind))
    }

    /// `key_hash` of a key holding instances. Children are copied out before a
    /// `hash` method runs: it may change the containers.
    fn deep_key_hash(&mut self, k: &Value, depth: usize) -> super::error::VmResult<u64> {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        match k {
            Value::Instance(_) => return self.instance_hash(k),
            Value::Array(a) if depth < KEY_DEPTH => {
                let items = a.borrow().clone();
                (10u8, items.len()).hash(&mut h);
                for x in &items {
                    self.deep_key_hash(x, depth + 1)?.hash(&mut h);
                }
            }
            Value::Map(m) if depth < KEY_DEPTH => {
                let entries: Vec<(Sym, Value)> = m
                    .borrow()
                    .iter()
                    .map(|(k, x)| (k.clone(), x.clone()))
                    .collect();
                // Without order, as maps compare.
                let mut acc = 0u64;
                for (name, x) in &entries {
                    let mut eh = std::collections::hash_map::DefaultHasher::new();
                    (name.id(), self.deep_key_hash(x, depth + 1)?).hash(&mut eh);
                    acc = acc.wrapping_add(eh.finish());
                }
                (11u8, acc).hash(&mut h);
            }
            other => return hash_value(other).map_err(|kind| self.not_hashable(kind)),
        }
        Ok(h.finish())
    }

    /// `==` between a key holding instances and a stored key: instances through
    /// their class's `==` method, arrays and maps element by element.
    fn deep_key_eq(&mut self, a: &Value, b: &Value, depth: usize) -> super::error::VmResult<bool> {
        match (a, b) {
            (Value::Instance(_), _) => match self.custom_eq(a, b) {
                Some(r) => r,
                None => Ok(values_equal(a, b)),
            },
            (Value::Array(x), Value::Array(y)) if depth < KEY_DEPTH => {
                let (xs, ys) = (x.borrow().clone(), y.borrow().clone());
                if xs.len() != ys.len() {
                    return Ok(false);
                }
                for (p, q) in xs.iter().zip(&ys) {
                    if !self.deep_key_eq(p, q, depth + 1)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            (Value::Map(x), Value::Map(y)) if depth < KEY_DEPTH => {
                let xs: Vec<(Sym, Value)> = x
                    .borrow()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                let ys = y.borrow().clone();
                if xs.len() != ys.len() {
                    return Ok(false);
                }
                for (k, v) in &xs {
                    let Some(w) = ys.get(k) else {
                        return Ok(false);
                    };
                    if !self.deep_key_eq(v, w, depth + 1)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            _ => Ok(values_equal(a, b)),
        }
    }

    /// An instance key's hash: its class's `hash` method, which must return an Int.
    fn instance_hash(&mut self, k: &Value) -> super::error::VmResult<u64> {
        if let Value::Instance(inst) = k {
            let name = self.intern("hash");
            let Some(m) = inst.class.find_method(&name) else {
                return Err(self.not_hashable("VkInstance"));
            };
            let r = self.call_method_with(m, k, Vec::new())?;
            let Value::Int(n) = r else {
                let t = r.type_name();
                return Err(self.type_err(format!(
                    "The hash method of {} must return an Int, got {t}",
                    inst.class.name
                )));
            };
            let mut h = std::collections::hash_map::DefaultHasher::new();
            (13u8, n).hash(&mut h);
            return Ok(h.finish());
        }
        hash_value(k).map_err(|kind| self.not_hashable(kind))
    }

    /// The position of key `k` in `m`: keys are compared with `==`, so an
    /// instance key uses its class's `==` method (later 5.5, 7.2).
    fn key_position(
        &mut self,
        m: &std::rc::Rc<std::cell::RefCell<HashedObj>>,
        k: &Value,
    ) -> super::error::VmResult<(u64, Option<usize>)> {
        let h = self.key_hash(k)?;
        if !holds_instance(k, 0) {
            return Ok((h, m.borrow().find(h, k)));
        }
        let cands = m.borrow().candidates(h);
        for i in cands {
            let Some(other) = m.borrow().entries.get(i).map(|e| e.0.clone()) else {
                continue;
            };
            let same = self.deep_key_eq(k, &other, 0)?;
            // The `==` method may have changed the map: use the entry only if
            // it is still the one compared.
            let still = {
                let b = m.borrow();
                b.hash_at(i) == Some(h) && b.entries.get(i).is_some_and(|e| same_key(&e.0, &other))
            };
            if same && still {
                return Ok((h, Some(i)));
            }
        }
        Ok((h, None))
    }

    /// `==` of two hash maps (or sets) with instance keys: the same entries,
    /// keys found through their `hash` and `==`, values compared with `==`.
    pub(crate) fn hashed_eq(
        &mut self,
        a: &std::rc::Rc<std::cell::RefCell<HashedObj>>,
        b: &std::rc::Rc<std::cell::RefCell<HashedObj>>,
    ) -> super::error::VmResult<bool> {
        let entries = a.borrow().entries.clone();
        if entries.len() != b.borrow().entries.len() {
            return Ok(false);
        }
        for (k, v) in &entries {
            let (_, at) = self.key_position(b, k)?;
            let Some(w) = at.and_then(|i| b.borrow().entries.get(i).map(|e| e.1.clone())) else {
                return Ok(false);
            };
            if !self.deep_key_eq(v, &w, 0)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// `.get` / `.has`: the value stored under `k`.
    pub(crate) fn hashed_get(
        &mut self,
        m: &std::rc::Rc<std::cell::RefCell<HashedObj>>,
        k: &Value,
    ) -> super::error::VmResult<Option<Value>> {
        let (_, at) = self.key_position(m, k)?;
        Ok(at.and_then(|i| m.borrow().entries.get(i).map(|e| e.1.clone())))
    }

    /// `.set` / `.add`: an existing key keeps its position.
    pub(crate) fn hashed_set(
        &mut self,
        m: &std::rc::Rc<std::cell::RefCell<HashedObj>>,
        k: Value,
        v: Value,
    ) -> super::error::VmResult<()> {
        let (h, at) = self.key_position(m, &k)?;
        let mut b = m.borrow_mut();
        match at.filter(|&i| i < b.entries.len()) {
            Some(i) => b.entries[i].1 = v,
            None => b.push(h, k, v),
        }
        Ok(())
    }

    /// `.del`: the removed value, if the key was there.
    pub(crate) fn hashed_remove(
        &mut self,
        m: &std::rc::Rc<std::cell::RefCell<HashedObj>>,
        k: &Value,
    ) -> super::error::VmResult<Option<Value>> {
        let (_, at) = self.key_position(m, k)?;
        let mut b = m.borrow_mut();
        Ok(at.filter(|&i| i < b.entries.len()).map(|i| b.remove_at(i)))
    }

    fn not_hashable(&mut self, kind: &str) -> Box<super::error::Throw> {
        self.type_err(format!("Key is not hashable for HashMap: {kind}"))
    }

    /// A hash map from alternating keys and values.
    pub(crate) fn hash_map_of(&mut self, vals: Vec<Value>) -> super::error::VmResult<Value> {
        if !vals.len().is_multiple_of(2) {
            return Err(self.arg_err("HashMap literals expect alternating key/value entries"));
        }
        let h = std::rc::Rc::new(std::cell::RefCell::new(HashedObj::default()));
        let mut it = vals.into_iter();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            self.hashed_set(&h, k, v)?;
        }
        Ok(Value::HashMap(h))
    }

    /// A hash set of the values (duplicates dropped, first position kept).
    pub(crate) fn hash_set_of(&mut self, vals: Vec<Value>) -> super::error::VmResult<Value> {
        let h = std::rc::Rc::new(std::cell::RefCell::new(HashedObj::default()));
        for v in vals {
            self.hashed_set(&h, v.clone(), v)?;
        }
        Ok(Value::HashSet(h))
    }
}
