//! The workspace index: the symbols of every `.gene` file under the workspace
//! folders, built at start-up and kept current on edits and watched-file changes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use gene_vm::analysis::symbols::{self, DocumentSymbol, SymbolKind as Kind};
use tower_lsp_server::ls_types::{Location, SymbolInformation, SymbolKind, Uri};

use crate::document::{Document, Encoding};

/// Folders never worth indexing.
const SKIP: &[&str] = &["target", "node_modules", ".git"];
/// A guard against indexing a home directory by accident.
const MAX_FILES: usize = 20_000;

#[derive(Default)]
pub struct Index {
    files: HashMap<Uri, Vec<SymbolInformation>>,
}

pub fn gene_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(dir) = todo.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if p.is_dir() {
                if !SKIP.contains(&name.as_str()) && !name.starts_with('.') {
                    todo.push(p);
                }
            } else if name.ends_with(".gene") {
                out.push(p);
                if out.len() >= MAX_FILES {
                    return out;
                }
            }
        }
    }
    out
}

fn kind(k: Kind) -> SymbolKind {
    match k {
        Kind::Function => SymbolKind::FUNCTION,
        Kind::Class => SymbolKind::CLASS,
        Kind::Method => SymbolKind::METHOD,
        Kind::Namespace => SymbolKind::NAMESPACE,
        Kind::Variable => SymbolKind::VARIABLE,
        Kind::Enum => SymbolKind::ENUM,
        Kind::EnumMember => SymbolKind::ENUM_MEMBER,
        Kind::Interface => SymbolKind::INTERFACE,
        Kind::TypeAlias => SymbolKind::TYPE_PARAMETER,
    }
}

#[allow(deprecated)] // `SymbolInformation::deprecated` has to be named.
fn flatten(
    uri: &Uri,
    doc: &Document,
    enc: Encoding,
    list: Vec<DocumentSymbol>,
    container: Option<&str>,
    out: &mut Vec<SymbolInformation>,
) {
    for s in list {
        out.push(SymbolInformation {
            name: s.name.clone(),
            kind: kind(s.kind),
            tags: None,
            deprecated: None,
            location: Location::new(
                uri.clone(),
                doc.range(s.span.start as usize, s.span.end as usize, enc),
            ),
            container_name: container.map(str::to_string),
        });
        flatten(uri, doc, enc, s.children, Some(&s.name), out);
    }
}

impl Index {
    /// Indexes a file's text (a file on disk: open documents use `set`).
    pub fn update(&mut self, uri: &Uri, text: &str, enc: Encoding) {
        let doc = Document::new(text, 0);
        self.set(uri, &doc, enc, symbols::document_symbols(text));
    }

    /// Indexes a document's symbols, as its analysis lists them.
    pub fn set(&mut self, uri: &Uri, doc: &Document, enc: Encoding, list: Vec<DocumentSymbol>) {
        let mut out = Vec::new();
        flatten(uri, doc, enc, list, None, &mut out);
        self.files.insert(uri.clone(), out);
    }

    pub fn remove(&mut self, uri: &Uri) {
        self.files.remove(uri);
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// The indexed files that are on disk (candidates for importing a module).
    pub fn paths(&self) -> Vec<PathBuf> {
        self.files
            .keys()
            .filter_map(|u| u.to_file_path().map(|p| p.into_owned()))
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Symbols whose name contains the query's characters in order (case-insensitive).
    pub fn query(&self, q: &str) -> Vec<SymbolInformation> {
        let q: Vec<char> = q.to_lowercase().chars().collect();
        let mut out: Vec<SymbolInformation> = self
            .files
            .values()
            .flatten()
            .filter(|s| {
                let mut it = q.iter().peekable();
                for c in s.name.to_lowercase().chars() {
                    if it.peek() == Some(&&c) {
                        it.next();
                    }
                }
                it.peek().is_none()
            })
            .cloned()
            .collect();
        out.sort_by(|a, b| a.name.len().cmp(&b.name.len()).then(a.name.cmp(&b.name)));
        out.truncate(1000);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuzzy_query_over_files() {
        let mut ix = Index::default();
        let a: Uri = "file:///w/a.gene".parse().unwrap();
        ix.update(
            &a,
            "(fn fetch_user [id] id)\n(class Point (method norm [] 1))\n",
            Encoding::Utf16,
        );
        let names: Vec<String> = ix.query("fu").into_iter().map(|s| s.name).collect();
        assert_eq!(names, vec!["fetch_user"]);
        let norm = ix.query("norm");
        assert_eq!(norm[0].container_name.as_deref(), Some("Point"));
        ix.remove(&a);
        assert!(ix.query("").is_empty());
    }
}
