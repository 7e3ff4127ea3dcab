//! Finding a module file (later 1.6): the importer's directory, then the package
//! (the nearest `package.gene` above it: its `^source-dir`, `src`, `lib`, `build`),
//! then `GENE_WORKSPACE_PATH`; and for `^pkg "NAME"` imports, the package `NAME`
//! (lockfile, `.gene/deps/`, `GENE_PACKAGE_PATH`, ancestors) and the path inside it.
//! Shared by the VM (`import`, `$pkg`) and the editor analysis (go to a module,
//! diagnostics on an import), so both find the same file.
//!
//! The lockfile, `package.gene.lock`, is Gene data like the manifest:
//!
//! ```text
//! ^lock-version 1
//! ^packages [
//!   {^name "x/lib" ^version "0.3.0" ^path ".gene/deps/x/lib"}
//! ]
//! ```
//!
//! `^path` is relative to the lockfile's directory; `^version`, when given, must be
//! the package manifest's `^version`.

use std::path::{Path, PathBuf};

use crate::syntax::{Node, NodeKind};

/// Why no single module file (or package) was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LookupError {
    NotFound {
        searched: Vec<String>,
        /// The package the path was resolved in (`^pkg`), if any.
        package: Option<String>,
    },
    Ambiguous {
        tier: &'static str,
        found: Vec<String>,
    },
    /// `^pkg "NAME"`: no package of that name in any tier.
    PackageNotFound { name: String, searched: Vec<String> },
    /// The lockfile names the package but its directory has no manifest.
    PackageLockMissing {
        name: String,
        lock: String,
        dir: String,
    },
    /// A package path that leaves the package root.
    Boundary {
        spec: String,
        package: String,
        root: String,
    },
    /// A package name that is not lowercase `parent/name` segments.
    InvalidName(String),
    /// A package name starting with `gene`.
    ReservedName(String),
    /// A `package.gene.lock` that cannot be used.
    Lock { lock: String, reason: String },
}

impl LookupError {
    /// The reference's message (`[GENE.MODULE.*]`, `[GENE.PACKAGE.*]`), naming the importer.
    pub fn message(&self, spec: &str, importer: &str) -> String {
        match self {
            LookupError::NotFound { searched, package } => format!(
                "[GENE.MODULE.NOT_FOUND] Module '{spec}' was not found (importer={importer}; specifier={spec}{}; searched=[{}])",
                package.as_ref().map_or(String::new(), |p| format!("; package={p}")),
                searched.join(", ")
            ),
            LookupError::Ambiguous { tier, found } => format!(
                "[GENE.MODULE.AMBIGUOUS] Module specifier matched multiple candidates in the '{tier}' tier ({})",
                found.join(", ")
            ),
            LookupError::PackageNotFound { name, searched } => format!(
                "[GENE.PACKAGE.NOT_FOUND] Package '{name}' was not found (importer={importer}; searched=[{}])",
                searched.join(", ")
            ),
            LookupError::PackageLockMissing { name, lock, dir } => format!(
                "[GENE.PACKAGE.NOT_FOUND] Package '{name}' was not found (importer={importer}; {lock} points to {dir}, which has no package.gene)"
            ),
            LookupError::Boundary { spec, package, root } => format!(
                "[GENE.PACKAGE.BOUNDARY] Module path '{spec}' escapes package '{package}' (root={root})"
            ),
            LookupError::InvalidName(name) => format!(
                "[GENE.PACKAGE.INVALID_NAME] Invalid package name '{name}': expected lowercase parent/name segments (a-z, 0-9, '-', '_'), such as \"x/lib\""
            ),
            LookupError::ReservedName(name) => format!(
                "[GENE.PACKAGE.RESERVED_NAME] Package name '{name}' is reserved: names starting with 'gene' belong to the implementation"
            ),
            LookupError::Lock { lock, reason } => {
                format!("[GENE.PACKAGE.LOCK] {lock}: {reason}")
            }
        }
    }
}

/// `PATH` joined to `dir`: the exact `.gene` file, else `PATH.gene`, else `PATH`.
fn candidate(dir: &Path, spec: &str) -> Option<PathBuf> {
    let base = dir.join(spec);
    let options = if spec.ends_with(".gene") {
        vec![base]
    } else {
        vec![dir.join(format!("{spec}.gene")), base]
    };
    options
        .into_iter()
        .find(|p| p.is_file())
        .and_then(|p| std::fs::canonicalize(p).ok())
}

/// The key/value pairs of a Gene data file: flat `^key value` pairs at the top
/// level, or one map `{^key value ...}` (a manifest or a lockfile).
fn top_props(text: &str) -> Vec<(String, Node)> {
    let parsed = crate::syntax::parse(text);
    let mut out = Vec::new();
    let mut forms = parsed.forms.into_iter();
    while let Some(f) = forms.next() {
        match f.kind {
            NodeKind::Symbol(s) if s.len() > 1 && s.starts_with('^') => {
                if let Some(v) = forms.next() {
                    out.push((s[1..].to_string(), v));
                }
            }
            NodeKind::Map(props) => {
                out.extend(props.into_iter().map(|p| (p.key, p.value)));
            }
            _ => {}
        }
    }
    out
}

/// A `package.gene` manifest (later 1.6). Keys are written `^source-dir` (or
/// `^source_dir`); absent values are `None`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Manifest {
    pub name: Option<String>,
    pub version: Option<String>,
    pub source_dir: Option<String>,
    pub main_module: Option<String>,
    pub test_dir: Option<String>,
}

impl Manifest {
    /// The manifest of the package rooted at `root` (an unreadable one is empty).
    pub fn read(root: &Path) -> Manifest {
        let text = std::fs::read_to_string(root.join(MANIFEST)).unwrap_or_default();
        let mut m = Manifest::default();
        for (k, v) in top_props(&text) {
            let NodeKind::Str(v) = v.kind else { continue };
            match k.replace('_', "-").as_str() {
                "name" => m.name = Some(v),
                "version" => m.version = Some(v),
                "source-dir" => m.source_dir = Some(v),
                "main-module" => m.main_module = Some(v),
                "test-dir" => m.test_dir = Some(v),
                _ => {}
            }
        }
        m
    }

    /// `^source-dir`, default `src`.
    pub fn source_dir(&self) -> &str {
        self.source_dir.as_deref().unwrap_or("src")
    }

    /// `^main-module`, default `index`.
    pub fn main_module(&self) -> &str {
        self.main_module.as_deref().unwrap_or("index")
    }

    /// `^test-dir`, default `tests`.
    pub fn test_dir(&self) -> &str {
        self.test_dir.as_deref().unwrap_or("tests")
    }
}

/// The manifest file name.
pub const MANIFEST: &str = "package.gene";
/// The lockfile name (beside a manifest, or in the directory of a file outside packages).
pub const LOCKFILE: &str = "package.gene.lock";

/// The root of the package `dir` lies in: the nearest ancestor with a `package.gene`.
pub fn package_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|a| a.join(MANIFEST).is_file())
        .map(Path::to_path_buf)
}

/// The directories a package's modules are found in: the root, its source
/// directory, `src`, `lib` and `build`.
fn package_dirs(root: &Path, manifest: &Manifest) -> Vec<PathBuf> {
    let mut dirs = vec![root.to_path_buf()];
    for d in [manifest.source_dir(), "src", "lib", "build"] {
        let p = root.join(d);
        if !dirs.contains(&p) {
            dirs.push(p);
        }
    }
    dirs
}

/// Package names are lowercase `parent/name` segments; `gene...` is reserved.
pub fn check_package_name(name: &str) -> Result<(), LookupError> {
    let segs: Vec<&str> = name.split('/').collect();
    let seg_ok = |s: &str| {
        let mut b = s.bytes();
        b.next().is_some_and(|c| c.is_ascii_lowercase())
            && b.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'_')
    };
    if segs.len() < 2 || !segs.iter().all(|s| seg_ok(s)) {
        return Err(LookupError::InvalidName(name.to_string()));
    }
    if name.starts_with("gene") {
        return Err(LookupError::ReservedName(name.to_string()));
    }
    Ok(())
}

/// `path` with `.` and `..` removed lexically (no file system access).
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A package directory whose manifest does not contradict `name` (a manifest
/// without `^name` is accepted).
fn is_package(dir: &Path, name: &str) -> bool {
    dir.join(MANIFEST).is_file() && Manifest::read(dir).name.is_none_or(|n| n == name)
}

/// The lockfile's entry for `name`: `(path relative to the lockfile, version)`.
fn lock_entry(lock: &Path, name: &str) -> Result<Option<(String, Option<String>)>, LookupError> {
    let shown = lock.display().to_string();
    let bad = |reason: String| LookupError::Lock {
        lock: shown.clone(),
        reason,
    };
    let text = std::fs::read_to_string(lock).map_err(|e| bad(format!("cannot read: {e}")))?;
    let parsed = crate::syntax::parse(&text);
    if let Some(e) = parsed.errors.first() {
        let (l, c) = crate::syntax::line_col(&text, e.span.start as usize);
        return Err(bad(format!("{l}:{c}: {}", e.message)));
    }
    let props = top_props(&text);
    match props.iter().find(|(k, _)| k == "lock-version") {
        Some((
            _,
            Node {
                kind: NodeKind::Int(1),
                ..
            },
        )) => {}
        Some(_) => return Err(bad("unsupported ^lock-version (expected 1)".into())),
        None => return Err(bad("missing ^lock-version 1".into())),
    }
    let Some((_, packages)) = props.iter().find(|(k, _)| k == "packages") else {
        return Ok(None);
    };
    let NodeKind::Array(entries) = &packages.kind else {
        return Err(bad("^packages must be an array of maps".into()));
    };
    for (i, e) in entries.iter().enumerate() {
        let NodeKind::Map(fields) = &e.kind else {
            return Err(bad(format!("^packages entry {} is not a map", i + 1)));
        };
        let field = |k: &str| {
            fields
                .iter()
                .find(|p| p.key == k)
                .and_then(|p| match &p.value.kind {
                    NodeKind::Str(s) => Some(s.clone()),
                    _ => None,
                })
        };
        let (Some(n), Some(path)) = (field("name"), field("path")) else {
            return Err(bad(format!(
                "^packages entry {} needs string ^name and ^path",
                i + 1
            )));
        };
        if n == name {
            return Ok(Some((path, field("version"))));
        }
    }
    Ok(None)
}

/// The root directory of package `name`, for a file in `dir` (later 1.6): the
/// nearest `package.gene.lock` that lists it, then `.gene/deps/NAME` in `dir` and
/// its ancestors, then `NAME` under each `GENE_PACKAGE_PATH` entry, then the
/// ancestors themselves (a package named `name`, or a `NAME` subdirectory).
pub fn find_package(
    dir: &Path,
    name: &str,
    cwd: &Path,
    package_path: Option<&str>,
) -> Result<PathBuf, LookupError> {
    check_package_name(name)?;
    let mut searched = Vec::new();
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    if let Some(lock_dir) = dir.ancestors().find(|a| a.join(LOCKFILE).is_file()) {
        let lock = lock_dir.join(LOCKFILE);
        searched.push(format!("lock {}", lock.display()));
        if let Some((rel, version)) = lock_entry(&lock, name)? {
            let root = normalize(&lock_dir.join(rel));
            if !root.join(MANIFEST).is_file() {
                return Err(LookupError::PackageLockMissing {
                    name: name.to_string(),
                    lock: lock.display().to_string(),
                    dir: root.display().to_string(),
                });
            }
            let found = Manifest::read(&root).version;
            if let (Some(want), Some(got)) = (&version, &found) {
                if want != got {
                    return Err(LookupError::Lock {
                        lock: lock.display().to_string(),
                        reason: format!(
                            "package '{name}' is locked at version {want} but {} has version {got}",
                            root.join(MANIFEST).display()
                        ),
                    });
                }
            }
            return Ok(canonical(&root));
        }
    }
    for a in dir.ancestors() {
        let d = a.join(".gene").join("deps").join(name);
        if a.join(".gene").join("deps").is_dir() {
            searched.push(d.display().to_string());
        }
        if is_package(&d, name) {
            return Ok(canonical(&d));
        }
    }
    for e in package_path
        .unwrap_or("")
        .split(':')
        .filter(|e| !e.is_empty())
    {
        let d = cwd.join(e).join(name);
        searched.push(d.display().to_string());
        if is_package(&d, name) {
            return Ok(canonical(&d));
        }
    }
    for a in dir.ancestors() {
        searched.push(a.join(name).display().to_string());
        if a.join(MANIFEST).is_file() && Manifest::read(a).name.as_deref() == Some(name) {
            return Ok(canonical(a));
        }
        let d = a.join(name);
        if is_package(&d, name) {
            return Ok(canonical(&d));
        }
    }
    Err(LookupError::PackageNotFound {
        name: name.to_string(),
        searched,
    })
}

/// The module file `spec` names inside package `package`, imported from a file in
/// `dir` (`(import ... from "spec" ^pkg "package")`). `"index"` is the package's
/// `^main-module`; a path that leaves the package root is an error.
pub fn find_package_module(
    dir: &Path,
    spec: &str,
    package: &str,
    cwd: &Path,
    package_path: Option<&str>,
) -> Result<PathBuf, LookupError> {
    let root = find_package(dir, package, cwd, package_path)?;
    let manifest = Manifest::read(&root);
    let spec = if spec == "index" {
        manifest.main_module()
    } else {
        spec
    };
    let boundary = || LookupError::Boundary {
        spec: spec.to_string(),
        package: package.to_string(),
        root: root.display().to_string(),
    };
    let dirs = package_dirs(&root, &manifest);
    let mut found: Vec<PathBuf> = Vec::new();
    let mut searched = Vec::new();
    for d in &dirs {
        if !normalize(&d.join(spec)).starts_with(&root) {
            return Err(boundary());
        }
        searched.push(d.display().to_string());
        if let Some(c) = candidate(d, spec) {
            // A symbolic link out of the package is outside it too.
            if !c.starts_with(&root) {
                return Err(boundary());
            }
            if !found.contains(&c) {
                found.push(c);
            }
        }
    }
    match found.len() {
        0 => Err(LookupError::NotFound {
            searched,
            package: Some(package.to_string()),
        }),
        1 => Ok(found.remove(0)),
        _ => Err(LookupError::Ambiguous {
            tier: "package",
            found: found.iter().map(|p| p.display().to_string()).collect(),
        }),
    }
}

/// The module file `spec` names, imported from a file in `dir`; `cwd` anchors relative
/// `GENE_WORKSPACE_PATH` entries.
pub fn find_module(
    dir: &Path,
    spec: &str,
    cwd: &Path,
    workspace_path: Option<&str>,
) -> Result<PathBuf, LookupError> {
    let mut tiers: Vec<(&'static str, Vec<PathBuf>)> = vec![("importer", vec![dir.to_path_buf()])];
    if let Some(root) = package_root(dir) {
        let manifest = Manifest::read(&root);
        tiers.push(("package", package_dirs(&root, &manifest)));
    }
    if let Some(ws) = workspace_path {
        let dirs = ws
            .split(':')
            .filter(|d| !d.is_empty())
            .map(|d| {
                let d = cwd.join(d);
                if d.file_name().is_some_and(|n| n == "src") {
                    d
                } else {
                    d.join("src")
                }
            })
            .collect();
        tiers.push(("workspace", dirs));
    }
    let mut searched = Vec::new();
    for (tier, dirs) in &tiers {
        let mut found: Vec<PathBuf> = Vec::new();
        for d in dirs {
            searched.push(d.display().to_string());
            if let Some(c) = candidate(d, spec) {
                if !found.contains(&c) {
                    found.push(c);
                }
            }
        }
        match found.len() {
            0 => continue,
            1 => return Ok(found.remove(0)),
            _ => {
                return Err(LookupError::Ambiguous {
                    tier,
                    found: found.iter().map(|p| p.display().to_string()).collect(),
                })
            }
        }
    }
    Err(LookupError::NotFound {
        searched,
        package: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch directory with `files` (path, text), removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(tag: &str, files: &[(&str, &str)]) -> Scratch {
            let root =
                std::env::temp_dir().join(format!("gene-module-path-{}-{tag}", std::process::id()));
            let _ = std::fs::remove_dir_all(&root);
            for (p, text) in files {
                let f = root.join(p);
                std::fs::create_dir_all(f.parent().unwrap()).unwrap();
                std::fs::write(f, text).unwrap();
            }
            Scratch(std::fs::canonicalize(&root).unwrap())
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn package_names() {
        assert!(check_package_name("x/lib").is_ok());
        assert!(check_package_name("acme/http-client_2").is_ok());
        assert!(check_package_name("a/b/c").is_ok());
        for bad in [
            "lib", "X/lib", "x/Lib", "x//lib", "/x", "x/", "x/1lib", "x/li b", "",
        ] {
            assert_eq!(
                check_package_name(bad),
                Err(LookupError::InvalidName(bad.into())),
                "{bad}"
            );
        }
        for reserved in ["gene/x", "genex/ai", "generic/x"] {
            assert_eq!(
                check_package_name(reserved),
                Err(LookupError::ReservedName(reserved.into()))
            );
        }
    }

    #[test]
    fn gene_package_path_tier() {
        let s = Scratch::new(
            "path",
            &[
                ("app/main.gene", ""),
                (
                    "shelf/x/lib/package.gene",
                    "^name \"x/lib\" ^main-module \"core\"",
                ),
                ("shelf/x/lib/src/core.gene", ""),
                ("shelf/x/other/package.gene", "^name \"x/wrong\""),
            ],
        );
        let app = s.0.join("app");
        let found = find_package_module(&app, "index", "x/lib", &s.0, Some("nowhere:shelf"));
        assert_eq!(found, Ok(s.0.join("shelf/x/lib/src/core.gene")));
        // Without the search path, nothing; a manifest naming another package is skipped.
        let Err(LookupError::PackageNotFound { searched, .. }) =
            find_package(&app, "x/lib", &s.0, None)
        else {
            panic!("expected not found");
        };
        assert!(searched.contains(&app.join("x/lib").display().to_string()));
        assert!(matches!(
            find_package(&app, "x/other", &s.0, Some("shelf")),
            Err(LookupError::PackageNotFound { .. })
        ));
    }

    #[test]
    fn lockfile_wins_and_is_checked() {
        let s = Scratch::new(
            "lock",
            &[
                ("package.gene", "^name \"x/app\""),
                (
                    LOCKFILE,
                    "{^lock-version 1 ^packages [{^name \"x/lib\" ^path \"locked/lib\"}]}",
                ),
                ("locked/lib/package.gene", "^name \"x/lib\""),
                ("locked/lib/feature.gene", ""),
                (".gene/deps/x/lib/package.gene", "^name \"x/lib\""),
                (".gene/deps/x/lib/feature.gene", ""),
                (".gene/deps/x/dep/package.gene", "^name \"x/dep\""),
            ],
        );
        let dir = s.0.join("src");
        assert_eq!(
            find_package_module(&dir, "feature", "x/lib", &s.0, None),
            Ok(s.0.join("locked/lib/feature.gene"))
        );
        // Not in the lockfile: the materialised dependencies.
        assert_eq!(
            find_package(&dir, "x/dep", &s.0, None),
            Ok(s.0.join(".gene/deps/x/dep"))
        );
        std::fs::write(s.0.join(LOCKFILE), "^packages []").unwrap();
        let Err(e) = find_package(&dir, "x/lib", &s.0, None) else {
            panic!("a lockfile without ^lock-version is refused");
        };
        assert!(e
            .message("feature", "main.gene")
            .contains("missing ^lock-version 1"));
        std::fs::write(
            s.0.join(LOCKFILE),
            "^lock-version 1 ^packages [{^name \"x/lib\"}]",
        )
        .unwrap();
        let Err(e) = find_package(&dir, "x/lib", &s.0, None) else {
            panic!("an entry without ^path is refused");
        };
        assert!(
            e.message("f", "m").contains("needs string ^name and ^path"),
            "{e:?}"
        );
        std::fs::write(s.0.join(LOCKFILE), "^lock-version 1 ^packages [").unwrap();
        assert!(matches!(
            find_package(&dir, "x/lib", &s.0, None),
            Err(LookupError::Lock { .. })
        ));
    }

    #[test]
    fn manifest_forms() {
        let s = Scratch::new(
            "manifest",
            &[
                (
                    "a/package.gene",
                    "^name \"x/a\" ^version \"1.2.0\" ^source_dir \"code\"",
                ),
                (
                    "b/package.gene",
                    "{^name \"x/b\" ^main-module \"start\" ^test-dir \"spec\"}",
                ),
            ],
        );
        let a = Manifest::read(&s.0.join("a"));
        assert_eq!(a.name.as_deref(), Some("x/a"));
        assert_eq!(a.version.as_deref(), Some("1.2.0"));
        assert_eq!(
            (a.source_dir(), a.main_module(), a.test_dir()),
            ("code", "index", "tests")
        );
        let b = Manifest::read(&s.0.join("b"));
        assert_eq!(
            (b.source_dir(), b.main_module(), b.test_dir()),
            ("src", "start", "spec")
        );
        assert_eq!(Manifest::read(&s.0.join("none")), Manifest::default());
    }
}
