//! Finding a module file (later 1.6): the importer's directory, then the package
//! (the nearest `package.gene` above it: its `^source-dir`, `src`, `lib`, `build`),
//! then `GENE_WORKSPACE_PATH`. Shared by the VM (`import`) and the editor analysis
//! (go to a module, diagnostics on an import), so both find the same file.

use std::path::{Path, PathBuf};

/// Why no single module file was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LookupError {
    NotFound {
        searched: Vec<String>,
    },
    Ambiguous {
        tier: &'static str,
        found: Vec<String>,
    },
}

impl LookupError {
    /// The reference's message (`[GENE.MODULE.*]`), naming the importer.
    pub fn message(&self, spec: &str, importer: &str) -> String {
        match self {
            LookupError::NotFound { searched } => format!(
                "[GENE.MODULE.NOT_FOUND] Module '{spec}' was not found (importer={importer}; specifier={spec}; searched=[{}])",
                searched.join(", ")
            ),
            LookupError::Ambiguous { tier, found } => format!(
                "[GENE.MODULE.AMBIGUOUS] Module specifier matched multiple candidates in the '{tier}' tier ({})",
                found.join(", ")
            ),
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

/// The `^source-dir` of a `package.gene` manifest (flat pairs or one map).
fn source_dir(manifest: &Path) -> String {
    let Ok(text) = std::fs::read_to_string(manifest) else {
        return "src".into();
    };
    let parsed = crate::syntax::parse(&text);
    let mut forms = parsed.forms.iter();
    while let Some(f) = forms.next() {
        match &f.kind {
            crate::syntax::NodeKind::Symbol(s) if s == "^source-dir" => {
                if let Some(crate::syntax::NodeKind::Str(v)) = forms.next().map(|n| &n.kind) {
                    return v.clone();
                }
            }
            crate::syntax::NodeKind::Map(props) => {
                if let Some(p) = props.iter().find(|p| p.key == "source-dir") {
                    if let crate::syntax::NodeKind::Str(v) = &p.value.kind {
                        return v.clone();
                    }
                }
            }
            _ => {}
        }
    }
    "src".into()
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
    if let Some(root) = dir.ancestors().find(|a| a.join("package.gene").is_file()) {
        let src = source_dir(&root.join("package.gene"));
        let mut dirs = vec![root.to_path_buf()];
        for d in [src.as_str(), "src", "lib", "build"] {
            let p = root.join(d);
            if !dirs.contains(&p) {
                dirs.push(p);
            }
        }
        tiers.push(("package", dirs));
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
    Err(LookupError::NotFound { searched })
}
