//! Hash maps `{{...}}` and hash sets (later 7.2-7.3): keys of any hashable value,
//! compared with `==`, in insertion order.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use super::value::*;

/// Entries in insertion order with an index by structural hash.
#[derive(Default, Clone)]
pub struct HashedObj {
    pub entries: Vec<(Value, Value)>,
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
        Value::Instance(_) => return Err("VkInstance"),
        Value::Gene(_) => return Err("VkGene"),
        _ => return Err("VkUnknown"),
    }
    Ok(())
}

impl HashedObj {
    fn find(&self, hash: u64, k: &Value) -> Option<usize> {
        self.index
            .get(&hash)?
            .iter()
            .copied()
            .find(|&i| values_equal(&self.entries[i].0, k))
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
            None => {
                self.index.entry(h).or_default().push(self.entries.len());
                self.entries.push((k, v));
            }
        }
        Ok(())
    }

    pub fn remove(&mut self, k: &Value) -> Result<Option<Value>, &'static str> {
        let h = hash_value(k)?;
        let Some(i) = self.find(h, k) else {
            return Ok(None);
        };
        let (_, v) = self.entries.remove(i);
        self.reindex();
        Ok(Some(v))
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.index.clear();
    }

    fn reindex(&mut self) {
        self.index.clear();
        for (i, (k, _)) in self.entries.iter().enumerate() {
            if let Ok(h) = hash_value(k) {
                self.index.entry(h).or_default().push(i);
            }
        }
    }

    /// Same keys with equal values, in any order.
    pub fn same_as(&self, other: &HashedObj) -> bool {
        self.entries.len() == other.entries.len()
            && self.entries.iter().all(|(k, v)| {
                other
                    .get(k)
                    .ok()
                    .flatten()
                    .is_some_and(|w| values_equal(v, w))
            })
    }
}

impl super::Vm {
    fn not_hashable(&mut self, kind: &str) -> Box<super::error::Throw> {
        self.type_err(format!("Key is not hashable for HashMap: {kind}"))
    }

    /// A hash map from alternating keys and values.
    pub(crate) fn hash_map_of(&mut self, vals: Vec<Value>) -> super::error::VmResult<Value> {
        if !vals.len().is_multiple_of(2) {
            return Err(self.arg_err("HashMap literals expect alternating key/value entries"));
        }
        let mut h = HashedObj::default();
        let mut it = vals.into_iter();
        while let (Some(k), Some(v)) = (it.next(), it.next()) {
            if let Err(kind) = h.set(k, v) {
                return Err(self.not_hashable(kind));
            }
        }
        Ok(Value::HashMap(std::rc::Rc::new(std::cell::RefCell::new(h))))
    }

    /// A hash set of the values (duplicates dropped, first position kept).
    pub(crate) fn hash_set_of(&mut self, vals: Vec<Value>) -> super::error::VmResult<Value> {
        let mut h = HashedObj::default();
        for v in vals {
            if let Err(kind) = h.set(v.clone(), v) {
                return Err(self.not_hashable(kind));
            }
        }
        Ok(Value::HashSet(std::rc::Rc::new(std::cell::RefCell::new(h))))
    }

    pub(crate) fn hashed_err(&mut self, kind: &str) -> Box<super::error::Throw> {
        self.not_hashable(kind)
    }
}
