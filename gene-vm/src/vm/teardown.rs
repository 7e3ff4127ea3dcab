//! Dropping a `Vm` frees what its programs defined. A named function or a class
//! keeps its home namespace alive and the namespace keeps the function: an `Rc`
//! cycle that would leak every program's namespace (and all it reaches) once per
//! VM, so a process that runs many VMs (the debug adapter, one per session; the
//! fuzzers) would grow without bound. The VM remembers every namespace it made
//! for a program and empties them, and the namespaces they hold, when it drops.

use std::collections::HashSet;
use std::rc::{Rc, Weak};

use super::value::{Namespace, Value};
use super::Vm;

impl Vm {
    /// Records a program namespace to be emptied when the VM drops.
    pub(crate) fn remember_module(&self, ns: &Rc<Namespace>) {
        let mut m = self.program_namespaces.borrow_mut();
        m.retain(|w| w.strong_count() > 0);
        m.push(Rc::downgrade(ns));
    }
}

impl Drop for Vm {
    fn drop(&mut self) {
        let mut todo: Vec<Rc<Namespace>> = vec![self.global.clone(), self.gene_ns.clone()];
        todo.extend(
            self.program_namespaces
                .borrow()
                .iter()
                .filter_map(Weak::upgrade),
        );
        let mut seen: HashSet<*const Namespace> = HashSet::new();
        let mut doomed = Vec::new();
        while let Some(ns) = todo.pop() {
            if !seen.insert(Rc::as_ptr(&ns)) {
                continue;
            }
            let members = std::mem::take(&mut *ns.members.borrow_mut());
            for (_, v) in members {
                if let Value::Namespace(n) = &v {
                    todo.push(n.clone());
                }
                doomed.push(v);
            }
        }
        // The members drop here, after every namespace is empty.
        drop(doomed);
    }
}
