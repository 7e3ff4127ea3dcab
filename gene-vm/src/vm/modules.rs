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
use crate::compile::module_path::{find_module, find_package_module, package_root, Manifest};

/// Loaded modules by canonical path, and the ones being loaded (cycle check).
#[derive(Default)]
pub struct Modules {
    cache: HashMap<PathBuf, Rc<Namespace>>,
    loading: Vec<PathBuf>,
    /// The directory of the main file (`$app`); the working directory when unset.
    main_dir: Option<PathBuf>,
    /// `$pkg` objects by package root (`None`: files outside any package).
    packages: HashMap<Option<PathBuf>, Value>,
    /// `$pkg` by the file id of the code that reads it (no file system walk per read).
    package_of_file: HashMap<u32, Value>,
    app: Option<Value>,
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
            self.modules.main_dir = p.parent().map(Path::to_path_buf);
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

    /// Finds the module file for `spec`, inside package `pkg` if given (later 1.6).
    fn resolve_module(&mut self, fi: usize, spec: &str, pkg: Option<&str>) -> VmResult<PathBuf> {
        let (dir, importer) = self.importer(fi);
        let found = match pkg {
            Some(p) => {
                let pp = self.env.get("GENE_PACKAGE_PATH").cloned();
                find_package_module(&dir, spec, p, &self.cwd, pp.as_deref())
            }
            None => {
                let workspace = self.env.get("GENE_WORKSPACE_PATH").cloned();
                find_module(&dir, spec, &self.cwd, workspace.as_deref())
            }
        };
        found.map_err(|e| self.err(ErrorKind::Exception, e.message(spec, &importer)))
    }

    /// Loads (once) and returns the namespace of module `spec` (later 1.7).
    fn load_module(&mut self, fi: usize, spec: &str, pkg: Option<&str>) -> VmResult<Rc<Namespace>> {
        let path = self.resolve_module(fi, spec, pkg)?;
        self.load_module_file(path)
    }

    /// Loads (once) and returns the namespace of the module file at canonical `path`.
    pub(crate) fn load_module_file(&mut self, path: PathBuf) -> VmResult<Rc<Namespace>> {
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
            Some(spec) => Some(self.load_module(fi, spec, info.pkg.as_deref())?),
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

    /// `$pkg`: the package of the file frame `fi` runs (later 1.6).
    pub(crate) fn current_package(&mut self, fi: usize) -> Value {
        let id = self.frames[fi].closure.proto.file;
        if let Some(v) = self.modules.package_of_file.get(&id) {
            return v.clone();
        }
        let file = id as usize;
        let dir = match self.files.get(file) {
            Some(f) if !f.name.starts_with('<') => {
                let path = self.cwd.join(&f.name);
                path.parent()
                    .map_or_else(|| self.cwd.clone(), Path::to_path_buf)
            }
            _ => self.cwd.clone(),
        };
        let v = self.package_value(&dir);
        self.modules.package_of_file.insert(id, v.clone());
        v
    }

    /// `$app`: the program; `$app/.pkg` is the main file's package.
    pub(crate) fn app_value(&mut self) -> Value {
        if let Some(a) = &self.modules.app {
            return a.clone();
        }
        let dir = self
            .modules
            .main_dir
            .clone()
            .unwrap_or_else(|| self.cwd.clone());
        let pkg = self.package_value(&dir);
        let mut props = PropMap::new();
        props.insert(self.intern("pkg"), pkg);
        props.insert(self.intern("program"), Value::str(self.program.clone()));
        let v = self.builtin_instance("Application", props);
        self.modules.app = Some(v.clone());
        v
    }

    /// The Package object of the package `dir` lies in (one per package root).
    fn package_value(&mut self, dir: &Path) -> Value {
        let root = package_root(dir).map(|r| std::fs::canonicalize(&r).unwrap_or(r));
        if let Some(v) = self.modules.packages.get(&root) {
            return v.clone();
        }
        let s = |x: Option<&str>| x.map_or(Value::Nil, Value::str);
        let mut props = PropMap::new();
        match &root {
            Some(r) => {
                let m = Manifest::read(r);
                props.insert(self.intern("name"), s(m.name.as_deref()));
                props.insert(self.intern("version"), s(m.version.as_deref()));
                props.insert(self.intern("dir"), Value::str(r.display().to_string()));
                props.insert(self.intern("source_dir"), Value::str(m.source_dir()));
                props.insert(self.intern("main_module"), Value::str(m.main_module()));
                props.insert(self.intern("test_dir"), Value::str(m.test_dir()));
            }
            None => {
                props.insert(self.intern("name"), Value::str("gene"));
                for k in ["version", "dir", "source_dir", "main_module", "test_dir"] {
                    props.insert(self.intern(k), Value::Nil);
                }
            }
        }
        let v = self.builtin_instance("Package", props);
        self.modules.packages.insert(root, v.clone());
        v
    }

    fn builtin_instance(&mut self, class: &str, props: PropMap) -> Value {
        let class = match self.class(class) {
            Some(c) => c,
            None => {
                let object = self.class("Object");
                self.new_class(class, object)
            }
        };
        Value::Instance(Rc::new(Instance {
            class,
            props: std::cell::RefCell::new(props),
        }))
    }

    /// Where a class, function, enum or namespace was defined, as a module member:
    /// `(module file, member path)`, for values reachable from a loaded module's
    /// namespace by name (later 10.3). The main file is not a loaded module.
    pub(crate) fn module_origin(&self, v: &Value) -> Option<(PathBuf, String)> {
        fn same(a: &Value, b: &Value) -> bool {
            match (a, b) {
                (Value::Class(x), Value::Class(y)) => Rc::ptr_eq(x, y),
                (Value::Function(x), Value::Function(y)) => Rc::ptr_eq(x, y),
                (Value::Enum(x), Value::Enum(y)) => Rc::ptr_eq(x, y),
                (Value::Namespace(x), Value::Namespace(y)) => Rc::ptr_eq(x, y),
                _ => false,
            }
        }
        fn search(ns: &Namespace, v: &Value, prefix: &str, depth: usize) -> Option<String> {
            let members = ns.members.borrow();
            for (k, m) in members.iter() {
                if is_internal(k.as_str()) {
                    continue;
                }
                let path = if prefix.is_empty() {
                    k.as_str().to_string()
                } else {
                    format!("{prefix}/{}", k.as_str())
                };
                if same(m, v) {
                    return Some(path);
                }
                if let (Value::Namespace(inner), true) = (m, depth < 4) {
                    if let Some(p) = search(inner, v, &path, depth + 1) {
                        return Some(p);
                    }
                }
            }
            None
        }
        let mut paths: Vec<&PathBuf> = self.modules.cache.keys().collect();
        paths.sort();
        paths.into_iter().find_map(|p| {
            let ns = self.modules.cache.get(p)?;
            search(ns, v, "", 0).map(|m| (p.clone(), m))
        })
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
