//! Modules (later 1): finding a module file (importer, package and workspace
//! tiers), loading it once per canonical path, cycles, and binding imported
//! items and exports.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::error::{ErrorKind, VmResult};
use super::value::*;
use super::Vm;
use crate::compile::chunk::ImportInfo;
use crate::compile::module_path::find_module;

/// Loaded modules by canonical path, and the ones being loaded (cycle check).
#[derive(Default)]
pub struct Modules {
    cache: HashMap<PathBuf, Rc<Namespace>>,
    loading: Vec<PathBuf>,
}

const EXPORTS: &str = "__exports__";

/// Internal members never imported by `*` (later 1.1).
fn is_internal(name: &str) -> bool {
    (name.starts_with("__") && name.ends_with("__")) || name == "gene" || name == "genex"
}

impl Vm {
    /// The main file is the first module on the load stack, so a module importing
    /// it back is a cycle that starts there (later 1.7).
    pub fn enter_main_module(&mut self, name: &str) {
        if let Ok(p) = std::fs::canonicalize(self.cwd.join(name)) {
            self.modules.loading.push(p);
        }
    }

    /// The directory a frame's code was read from (the working directory when it
    /// has no file), and that file's path for messages.
    fn importer(&self, fi: usize) -> (PathBuf, String) {
        let file = self.frames[fi].closure.proto.file as usize;
        match self.files.get(file) {
            Some(f) if !f.name.starts_with('<') => {
                let path = self.cwd.join(&f.name);
                let dir = path
                    .parent()
                    .map_or_else(|| self.cwd.clone(), Path::to_path_buf);
                (dir, path.display().to_string())
            }
            _ => (self.cwd.clone(), "<none>".into()),
        }
    }

    /// Finds the module file for `spec` (later 1.6).
    fn resolve_module(&mut self, fi: usize, spec: &str) -> VmResult<PathBuf> {
        let (dir, importer) = self.importer(fi);
        let workspace = self.env.get("GENE_WORKSPACE_PATH").cloned();
        find_module(&dir, spec, &self.cwd, workspace.as_deref())
            .map_err(|e| self.err(ErrorKind::Exception, e.message(spec, &importer)))
    }

    /// Loads (once) and returns the namespace of module `spec` (later 1.7).
    fn load_module(&mut self, fi: usize, spec: &str) -> VmResult<Rc<Namespace>> {
        let path = self.resolve_module(fi, spec)?;
        if let Some(ns) = self.modules.cache.get(&path) {
            return Ok(ns.clone());
        }
        if let Some(at) = self.modules.loading.iter().position(|p| *p == path) {
            let mut chain: Vec<String> = self.modules.loading[at..]
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            chain.push(path.display().to_string());
            return Err(self.err(
                ErrorKind::Exception,
                format!(
                    "[GENE.MODULE.CYCLE] Cyclic import detected: {}",
                    chain.join(" -> ")
                ),
            ));
        }
        let text = std::fs::read_to_string(&path).map_err(|e| {
            self.err(
                ErrorKind::Io,
                format!("Cannot read module {}: {e}", path.display()),
            )
        })?;
        // Messages name the module relative to the working directory when they can.
        let name = path
            .strip_prefix(&self.cwd)
            .map_or_else(|_| path.display().to_string(), |p| p.display().to_string());
        let proto = match self.compile(&name, &text, &Default::default()) {
            Ok(p) => p,
            Err((_, errors)) => {
                let e = errors.first().map_or(String::new(), |e| {
                    let (l, c) = crate::syntax::line_col(&text, e.span.start as usize);
                    format!("{name}:{l}:{c}: {}", e.message)
                });
                return Err(self.err(ErrorKind::Parse, e));
            }
        };
        self.debug_loaded(&proto);
        let ns = self.module_ns(&name);
        let key = self.intern("__module_name__");
        ns.set(key, Value::str(path.display().to_string()));
        self.modules.loading.push(path.clone());
        let r = self.run_proto(proto, ns.clone(), None);
        self.modules.loading.pop();
        r?;
        self.modules.cache.insert(path, ns.clone());
        Ok(ns)
    }

    /// `(import ...)`: binds the items in the namespace of frame `fi` (later 1.5).
    pub(crate) fn import(&mut self, fi: usize, info: &ImportInfo) -> VmResult<()> {
        let target = self.frames[fi].closure.ns.clone();
        let module = match &info.from {
            Some(spec) => Some(self.load_module(fi, spec)?),
            None => None,
        };
        for (path, alias) in &info.items {
            let (root, rest): (Value, &[Sym]) = match &module {
                Some(m) => (Value::Namespace(m.clone()), path.as_slice()),
                None => match path.split_first() {
                    Some((first, rest)) => {
                        let root = match first.as_str() {
                            "gene" => Some(Value::Namespace(self.gene_ns.clone())),
                            "global" => Some(Value::Namespace(self.global.clone())),
                            _ => self.global.get(first),
                        };
                        match root {
                            Some(r) => (r, rest),
                            None => return Err(self.missing(path)),
                        }
                    }
                    None => return Err(self.missing(path)),
                },
            };
            let enforced = module.as_ref().and_then(|m| exports_of(m));
            if let (Some(ex), Some(first)) = (&enforced, path.first()) {
                if alias.is_some() && !ex.iter().any(|e| e == first) {
                    return Err(self.err(
                        ErrorKind::Exception,
                        format!(
                            "[GENE.IMPORT.EXPORT_MISSING] Cannot import '{}' from module with explicit exports",
                            join(path)
                        ),
                    ));
                }
            }
            let mut cur = root;
            for (i, seg) in rest.iter().enumerate() {
                let Value::Namespace(n) = &cur else {
                    return Err(self.err(
                        ErrorKind::Exception,
                        format!("'{}' is not a namespace", rest[i - 1].as_str()),
                    ));
                };
                cur = match n.get(seg) {
                    Some(v) => v,
                    None => {
                        let shown = if module.is_some() {
                            seg.as_str().to_string()
                        } else {
                            join(path)
                        };
                        return Err(self.err(
                            ErrorKind::Exception,
                            format!("Symbol '{shown}' not found in namespace"),
                        ));
                    }
                };
            }
            match alias {
                Some(a) => target.set(a.clone(), cur),
                None => {
                    let Value::Namespace(n) = &cur else {
                        return Err(self.err(
                            ErrorKind::Exception,
                            format!("Cannot import '*' from non-namespace '{}'", join(path)),
                        ));
                    };
                    let only = if path.is_empty() {
                        enforced.clone()
                    } else {
                        None
                    };
                    let members: Vec<(Sym, Value)> = n
                        .members
                        .borrow()
                        .iter()
                        .filter(|(k, _)| !is_internal(k.as_str()))
                        .filter(|(k, _)| only.as_ref().is_none_or(|ex| ex.contains(k)))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    for (k, v) in members {
                        target.set(k, v);
                    }
                }
            }
        }
        Ok(())
    }

    fn missing(&mut self, path: &[Sym]) -> Box<super::error::Throw> {
        self.err(
            ErrorKind::Exception,
            format!("Symbol '{}' not found in namespace", join(path)),
        )
    }

    /// `(export name)`: publishes the value as a member and records the name.
    pub(crate) fn export(&mut self, fi: usize, name: &Sym, v: Value) {
        let ns = self.frames[fi].closure.ns.clone();
        ns.set(name.clone(), v);
        let key = self.intern(EXPORTS);
        match ns.get(&key) {
            Some(Value::Array(a)) => {
                if !a
                    .borrow()
                    .iter()
                    .any(|x| matches!(x, Value::Symbol(s) if s == name))
                {
                    a.borrow_mut().push(Value::Symbol(name.clone()));
                }
            }
            _ => ns.set(key, Value::array(vec![Value::Symbol(name.clone())])),
        }
    }

    /// `(export name)` of a namespace member (not a local of the module body).
    pub(crate) fn export_global(&mut self, fi: usize, name: &Sym) -> VmResult<()> {
        let ns = self.frames[fi].closure.ns.clone();
        match super::call::lookup_chain(&ns, name) {
            Some(v) => {
                self.export(fi, name, v);
                Ok(())
            }
            None => Err(self.err(
                ErrorKind::Exception,
                format!("Cannot export '{}': value not found", name.as_str()),
            )),
        }
    }
}

/// The exported names of a module that ran `export`, if any.
fn exports_of(ns: &Namespace) -> Option<Vec<Sym>> {
    let members = ns.members.borrow();
    let (_, v) = members.iter().find(|(k, _)| k.as_str() == EXPORTS)?;
    let Value::Array(a) = v else {
        return None;
    };
    let names = a
        .borrow()
        .iter()
        .filter_map(|x| match x {
            Value::Symbol(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    Some(names)
}

fn join(path: &[Sym]) -> String {
    path.iter().map(Sym::as_str).collect::<Vec<_>>().join("/")
}
