//! Imports across files: the module file an `import` names (found as `import` finds
//! it, [`find_module`]), what that module exports, and the queries that follow an
//! imported name into its module: definition, hover, completion of exports, and the
//! diagnostics of an import whose module or name is missing.
//!
//! The caller supplies the other files through [`ModuleSource`] (the language server
//! answers with open documents first, then the files on disk).

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::diagnostics::{Diagnostic, Severity};
use super::model::{for_each_child, Analysis, DefKind, SymbolKey};
use crate::compile::hir::*;
use crate::compile::module_path::{find_module, find_package_module, LookupError};
use crate::syntax::Span;

/// Diagnostic code of an import whose module or name cannot be found.
pub const UNRESOLVED_IMPORT: &str = "unresolved-import";

/// The other files of the program, analysed.
pub trait ModuleSource {
    /// The analysis of the module file at `path` (canonical), if it can be read.
    fn module(&self, path: &Path) -> Option<Rc<Analysis>>;
    /// `GENE_WORKSPACE_PATH` as the program would see it.
    fn workspace_path(&self) -> Option<String> {
        None
    }
    /// `GENE_PACKAGE_PATH` as the program would see it (`^pkg` imports).
    fn package_path(&self) -> Option<String> {
        None
    }
}

/// Modules read from disk, each analysed once (`gene check`, tests).
#[derive(Default)]
pub struct DiskModules {
    cache: RefCell<HashMap<PathBuf, Rc<Analysis>>>,
}

impl ModuleSource for DiskModules {
    fn module(&self, path: &Path) -> Option<Rc<Analysis>> {
        if let Some(a) = self.cache.borrow().get(path) {
            return Some(a.clone());
        }
        let text = std::fs::read_to_string(path).ok()?;
        let a = Rc::new(Analysis::new(&text));
        self.cache
            .borrow_mut()
            .insert(path.to_path_buf(), a.clone());
        Some(a)
    }

    fn workspace_path(&self) -> Option<String> {
        std::env::var("GENE_WORKSPACE_PATH").ok()
    }

    fn package_path(&self) -> Option<String> {
        std::env::var("GENE_PACKAGE_PATH").ok()
    }
}

/// One `(import ... from "SPEC")` of a file.
#[derive(Clone, Debug)]
pub struct ImportSite {
    pub decl: Rc<ImportDecl>,
    /// The whole import form.
    pub span: Span,
}

/// Where an imported name is defined.
#[derive(Clone)]
pub struct Target {
    /// The module file (canonical path).
    pub path: PathBuf,
    /// The defining name in the module (the module's start for the `from` string).
    pub name_span: Span,
    pub module: Rc<Analysis>,
}

/// A name a module offers to importers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    pub name: String,
    pub kind: DefKind,
    pub name_span: Span,
}

/// Every import with a module path, in source order.
pub fn import_sites(a: &Analysis) -> Vec<ImportSite> {
    let mut out = Vec::new();
    if let Some(main) = &a.unit.main {
        for e in &main.body {
            collect(e, &mut out);
        }
    }
    out
}

fn collect(e: &Expr, out: &mut Vec<ImportSite>) {
    if let ExprKind::Import(d) = &e.kind {
        if d.from.is_some() {
            out.push(ImportSite {
                decl: d.clone(),
                span: e.span,
            });
        }
        return;
    }
    for_each_child(e, &mut |c| collect(c, out));
}

fn collect_exports(e: &Expr, out: &mut Vec<(String, Span)>) {
    if let ExprKind::Export(names) = &e.kind {
        out.extend(names.iter().map(|(n, _)| (n.clone(), e.span)));
        return;
    }
    for_each_child(e, &mut |c| collect_exports(c, out));
}

/// The module file of `spec`, imported by the file at `file`.
pub fn module_path(file: &Path, spec: &str, src: &dyn ModuleSource) -> Result<PathBuf, String> {
    let dir = file.parent().unwrap_or_else(|| Path::new("."));
    let ws = src.workspace_path();
    find_module(dir, spec, dir, ws.as_deref())
        .map_err(|e| e.message(spec, &file.display().to_string()))
}

/// Why the module of an import cannot be found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportError {
    pub message: String,
    /// The package itself is at fault (not found, bad name, lockfile): the
    /// diagnostic goes on the package name rather than the module path.
    pub on_package: bool,
}

/// The module file an import names, imported by the file at `file`: found as
/// `import` finds it, inside the package of `^pkg`/`of` when there is one.
pub fn resolve_import(
    file: &Path,
    decl: &ImportDecl,
    src: &dyn ModuleSource,
) -> Result<PathBuf, ImportError> {
    let Some(spec) = decl.from.as_deref() else {
        return Err(ImportError {
            message: "built-in namespace import".into(),
            on_package: false,
        });
    };
    let Some(pkg) = decl.pkg.as_deref() else {
        return module_path(file, spec, src).map_err(|message| ImportError {
            message,
            on_package: false,
        });
    };
    let dir = file.parent().unwrap_or_else(|| Path::new("."));
    let pp = src.package_path();
    find_package_module(dir, spec, pkg, dir, pp.as_deref()).map_err(|e| ImportError {
        on_package: !matches!(
            e,
            LookupError::NotFound { .. }
                | LookupError::Ambiguous { .. }
                | LookupError::Boundary { .. }
        ),
        message: e.message(spec, &file.display().to_string()),
    })
}

/// What `module` exports: the names of its `(export ...)` forms when it has any,
/// else every top-level definition and variable (later 1.3).
pub fn exports(module: &Analysis) -> Vec<Export> {
    let mut explicit: Vec<(String, Span)> = Vec::new();
    if let Some(main) = &module.unit.main {
        for e in &main.body {
            collect_exports(e, &mut explicit);
        }
    }
    let mut all: Vec<Export> = Vec::new();
    for defs in module.globals.values() {
        if let Some(d) = defs.first() {
            if !d.name.contains('/') && d.kind != DefKind::Import {
                all.push(Export {
                    name: d.name.clone(),
                    kind: d.kind,
                    name_span: d.name_span,
                });
            }
        }
    }
    for v in &module.top_vars {
        if let Some(info) = module.var(*v) {
            if info.owner_fn == 0 && !all.iter().any(|x| x.name == info.name) {
                all.push(Export {
                    name: info.name.clone(),
                    kind: DefKind::Member,
                    name_span: info.span,
                });
            }
        }
    }
    if !explicit.is_empty() {
        all.retain(|x| explicit.iter().any(|(n, _)| *n == x.name));
        // An exported name defined by an import of the module itself is still offered.
        for (n, span) in explicit {
            if !all.iter().any(|x| x.name == n) {
                all.push(Export {
                    name: n,
                    kind: DefKind::Member,
                    name_span: span,
                });
            }
        }
    }
    all.sort_by(|x, y| x.name.cmp(&y.name));
    all
}

/// `unresolved-import` errors: a module file that cannot be found (at its path
/// string), a name the module does not define or export (at the name).
pub fn import_diagnostics(a: &Analysis, file: &Path, src: &dyn ModuleSource) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for site in import_sites(a) {
        let (Some(spec), Some(spec_span)) = (&site.decl.from, site.decl.from_span) else {
            continue;
        };
        let path = match resolve_import(file, &site.decl, src) {
            Ok(p) => p,
            Err(e) => {
                let at = match (e.on_package, site.decl.pkg_span) {
                    (true, Some(p)) => p,
                    _ => spec_span,
                };
                out.push(error(at, e.message));
                continue;
            }
        };
        let Some(module) = src.module(&path) else {
            continue;
        };
        let offered = exports(&module);
        for item in &site.decl.items {
            let Some(first) = item.path.first() else {
                continue;
            };
            if item.alias.is_some() && !offered.iter().any(|x| x.name == *first) {
                out.push(error(
                    item.span,
                    format!("Module \"{spec}\" has no export '{}'", item.path.join("/")),
                ));
            }
        }
    }
    out
}

fn error(span: Span, message: String) -> Diagnostic {
    Diagnostic {
        span,
        severity: Severity::Error,
        code: UNRESOLVED_IMPORT,
        message,
        tags: Vec::new(),
    }
}

/// The import item an offset is on, or the one that binds the name used there.
fn item_at(a: &Analysis, offset: usize) -> Option<(ImportSite, Option<ImportItem>)> {
    let sites = import_sites(a);
    let o = offset as u32;
    for s in &sites {
        if let Some(fs) = s.decl.from_span {
            if fs.start <= o && o <= fs.end {
                return Some((s.clone(), None));
            }
        }
        if let Some(it) = s
            .decl
            .items
            .iter()
            .find(|it| it.span.start <= o && o <= it.span.end)
        {
            return Some((s.clone(), Some(it.clone())));
        }
    }
    // A use of an imported name: its global definition is the import item.
    let occ = a.occurrence_at(offset)?;
    let SymbolKey::User(q) = a.key(occ) else {
        return None;
    };
    let def = a
        .globals
        .get(&q)?
        .iter()
        .find(|d| d.kind == DefKind::Import)?;
    sites.into_iter().find_map(|s| {
        let it = s
            .decl
            .items
            .iter()
            .find(|it| it.span == def.name_span)?
            .clone();
        Some((s, Some(it)))
    })
}

/// Where the imported name (or the module path string) at `offset` leads.
pub fn imported_target(
    a: &Analysis,
    file: &Path,
    offset: usize,
    src: &dyn ModuleSource,
) -> Option<Target> {
    let (site, item) = item_at(a, offset)?;
    let path = resolve_import(file, &site.decl, src).ok()?;
    let module = src.module(&path)?;
    let name_span = match item {
        None => Span::new(0, 0),
        Some(it) => {
            let member = it.path.join("/");
            if member.is_empty() {
                Span::new(0, 0)
            } else {
                exports(&module)
                    .into_iter()
                    .find(|x| x.name == member)
                    .map(|x| x.name_span)
                    .or_else(|| module.globals.get(&member)?.first().map(|d| d.name_span))?
            }
        }
    };
    Some(Target {
        path,
        name_span,
        module,
    })
}

/// Hover of an imported name: the hover of its definition in the module, and where
/// it comes from.
pub fn imported_hover(
    a: &Analysis,
    file: &Path,
    offset: usize,
    src: &dyn ModuleSource,
) -> Option<String> {
    let (site, item) = item_at(a, offset)?;
    let spec = site.decl.from.clone()?;
    let t = imported_target(a, file, offset, src)?;
    if item.is_none() {
        let names: Vec<String> = exports(&t.module)
            .into_iter()
            .map(|x| format!("`{}`", x.name))
            .collect();
        let pkg = site
            .decl
            .pkg
            .as_ref()
            .map_or(String::new(), |p| format!(" ^pkg \"{p}\""));
        return Some(format!(
            "```gene\n(import ... from \"{spec}\"{pkg})\n```\n\nModule file `{}`\n\nExports: {}\n",
            t.path.display(),
            if names.is_empty() {
                "nothing".to_string()
            } else {
                names.join(", ")
            }
        ));
    }
    let mut md = t
        .module
        .hover(t.name_span.start as usize)
        .map(|h| h.markdown)
        .unwrap_or_default();
    if !md.is_empty() && !md.ends_with('\n') {
        md.push('\n');
    }
    match &site.decl.pkg {
        Some(p) => md.push_str(&format!(
            "\n*imported from* `\"{spec}\"` *of package* `\"{p}\"`\n"
        )),
        None => md.push_str(&format!("\n*imported from* `\"{spec}\"`\n")),
    }
    Some(md)
}

/// The exports a module offers at an import item being typed: `(import a| from "m")`.
pub fn import_completions(
    a: &Analysis,
    file: &Path,
    offset: usize,
    src: &dyn ModuleSource,
) -> Option<Vec<Export>> {
    let o = offset as u32;
    let site = import_sites(a)
        .into_iter()
        .find(|s| s.span.start < o && o < s.span.end)?;
    if site.decl.from_span.is_some_and(|fs| o >= fs.start) {
        return None;
    }
    let path = resolve_import(file, &site.decl, src).ok()?;
    Some(exports(&*src.module(&path)?))
}

/// A place naming an imported definition, in some file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileSpan {
    pub path: PathBuf,
    pub span: Span,
    /// The import item `name:alias` (only `name` names the definition), or a plain use.
    pub aliased_item: bool,
    /// A use of the alias an importer gave it: a reference, but a rename leaves it.
    pub via_alias: bool,
}

/// The module file and member an offset names: an imported name, or a top-level
/// definition of the file itself (which other files may import).
fn definition_key(
    a: &Analysis,
    file: &Path,
    offset: usize,
    src: &dyn ModuleSource,
) -> Option<(PathBuf, String)> {
    if let Some((site, Some(item))) = item_at(a, offset) {
        let path = resolve_import(file, &site.decl, src).ok()?;
        return Some((path, item.path.join("/")));
    }
    let occ = a.occurrence_at(offset)?;
    let SymbolKey::User(q) = a.key(occ) else {
        return None;
    };
    let def = a.globals.get(&q)?.first()?;
    (def.kind != DefKind::Import && !q.contains('/')).then(|| {
        let path = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
        (path, q)
    })
}

/// Every place, across the module and the `files` that may import it, that names
/// the definition at `offset`: its definition and uses in its module, and in each
/// importing file the import item and the uses of the name it binds. None when the
/// offset names no definition another file can import.
pub fn references_across(
    a: &Analysis,
    file: &Path,
    offset: usize,
    src: &dyn ModuleSource,
    files: &[PathBuf],
) -> Option<Vec<FileSpan>> {
    let (module_file, member) = definition_key(a, file, offset, src)?;
    let module = src.module(&module_file)?;
    let key = SymbolKey::User(member.clone());
    let mut out: Vec<FileSpan> = module
        .occurrences_of(&key)
        .into_iter()
        .map(|o| FileSpan {
            path: module_file.clone(),
            span: o.span,
            aliased_item: false,
            via_alias: false,
        })
        .collect();
    let mut seen: Vec<PathBuf> = vec![module_file.clone()];
    for f in files {
        let f = std::fs::canonicalize(f).unwrap_or_else(|_| f.clone());
        if seen.contains(&f) {
            continue;
        }
        seen.push(f.clone());
        let Some(importer) = src.module(&f) else {
            continue;
        };
        for site in import_sites(&importer) {
            if resolve_import(&f, &site.decl, src).ok().as_ref() != Some(&module_file) {
                continue;
            }
            for item in &site.decl.items {
                let Some(alias) = item
                    .alias
                    .as_ref()
                    .filter(|_| item.path.join("/") == member)
                else {
                    continue;
                };
                let aliased = *alias != member;
                out.push(FileSpan {
                    path: f.clone(),
                    span: item.span,
                    aliased_item: aliased,
                    via_alias: false,
                });
                for o in importer.occurrences_of(&SymbolKey::User(alias.clone())) {
                    if o.span != item.span {
                        out.push(FileSpan {
                            path: f.clone(),
                            span: o.span,
                            aliased_item: false,
                            via_alias: aliased,
                        });
                    }
                }
            }
        }
    }
    Some(out)
}

/// A rename of an importable definition in every file that names it: the
/// definition, its uses, the import items (only the `name` of `name:alias`) and the
/// uses of a name imported without an alias.
pub fn rename_across(
    a: &Analysis,
    file: &Path,
    offset: usize,
    new_name: &str,
    src: &dyn ModuleSource,
    files: &[PathBuf],
) -> Option<Vec<(PathBuf, Span, String)>> {
    let refs = references_across(a, file, offset, src, files)?;
    let old_len = definition_key(a, file, offset, src)?.1.len();
    Some(
        refs.into_iter()
            .filter(|r| !r.via_alias)
            .map(|r| {
                let span = if r.aliased_item {
                    Span::new(r.span.start as usize, r.span.start as usize + old_len)
                } else {
                    r.span
                };
                (r.path, span, new_name.to_string())
            })
            .collect(),
    )
}
