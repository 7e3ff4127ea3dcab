//! Helpers shared by the fixture tests (each test crate uses some of them).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The fixtures `tests/fixtures/<kind>/*.gene` as (name, text), sorted by name;
/// fails when there are fewer than `min` (a moved folder must not pass silently).
pub fn fixtures(kind: &str, min: usize) -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(kind);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixture directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "gene"))
        .collect();
    files.sort();
    assert!(
        files.len() >= min,
        "expected at least {min} {kind} fixtures"
    );
    files
        .into_iter()
        .map(|path| {
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .expect("fixture name")
                .to_string();
            (name, std::fs::read_to_string(&path).expect("fixture text"))
        })
        .collect()
}

/// Every Gene program under `dir`, recursively, sorted (`package.gene` files are
/// package manifests, later 1.6, not programs).
pub fn gene_programs(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "gene")
                && p.file_name().is_some_and(|n| n != "package.gene")
            {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out.sort();
    out
}

/// The text with every `$0` cursor marker removed, and the byte offsets where they were.
pub fn strip_markers(raw: &str) -> (String, Vec<usize>) {
    let mut text = String::new();
    let mut markers = Vec::new();
    let mut rest = raw;
    while let Some(i) = rest.find("$0") {
        text.push_str(&rest[..i]);
        markers.push(text.len());
        rest = &rest[i + 2..];
    }
    text.push_str(rest);
    (text, markers)
}
