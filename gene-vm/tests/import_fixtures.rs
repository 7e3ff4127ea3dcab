//! Cross-file analysis fixtures: each folder of `tests/fixtures/imports/` is a small
//! multi-file program whose `main.gene` (or `app/main.gene`) holds `$0` cursors. The
//! folder is copied to a scratch directory with the markers stripped (modules are
//! found on disk, as `import` finds them), and at every cursor the definition, hover
//! and import completions are rendered, with the file's import diagnostics, into one
//! insta snapshot per folder.

mod common;

use std::path::{Path, PathBuf};

use gene_vm::analysis::imports::{self, DiskModules};
use gene_vm::analysis::model::Analysis;
use gene_vm::syntax::line_col;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("scratch dir");
    for e in std::fs::read_dir(from).expect("fixture dir").flatten() {
        let p = e.path();
        let dest = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            let text = std::fs::read_to_string(&p).expect("fixture file");
            std::fs::write(&dest, text.replace("$0", "")).expect("scratch file");
        }
    }
}

fn gene_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(gene_files(&p));
        } else if p.extension().is_some_and(|x| x == "gene") {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn pos(text: &str, offset: usize) -> String {
    let (l, c) = line_col(text, offset);
    format!("{l}:{c}")
}

fn render(root: &Path, main_rel: &str) -> String {
    let raw = std::fs::read_to_string(root.join(main_rel)).expect("main.gene");
    let (text, markers) = common::strip_markers(&raw);
    let case = root.file_name().unwrap().to_string_lossy().into_owned();
    let scratch = std::env::temp_dir().join(format!("gene-imports-{}-{case}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    copy_dir(root, &scratch);
    let scratch = std::fs::canonicalize(&scratch).expect("canonical scratch");
    let file = scratch.join(main_rel);
    let a = Analysis::new(&text);
    let src = DiskModules::default();
    let files = gene_files(&scratch);
    let shown = |p: &Path| {
        p.strip_prefix(&scratch)
            .map_or_else(|_| p.display().to_string(), |r| r.display().to_string())
    };
    let mut out = String::new();
    out.push_str("## diagnostics\n");
    for d in imports::import_diagnostics(&a, &file, &src) {
        let msg = d.message.replace(&scratch.display().to_string(), "<dir>");
        out.push_str(&format!(
            "{} {} {}: {msg}\n",
            pos(&text, d.span.start as usize),
            d.code,
            &text[d.span.start as usize..d.span.end as usize]
        ));
    }
    for m in markers {
        let line = text[..m].rsplit('\n').next().unwrap_or("");
        let after = text[m..].split('\n').next().unwrap_or("");
        out.push_str(&format!("\n## cursor {}: {line}$0{after}\n", pos(&text, m)));
        match imports::imported_target(&a, &file, m, &src) {
            Some(t) => {
                let mtext = &t.module.text;
                let s = t.name_span;
                out.push_str(&format!(
                    "definition: {} {} `{}`\n",
                    shown(&t.path),
                    pos(mtext, s.start as usize),
                    &mtext[s.start as usize..s.end as usize]
                ));
            }
            None => out.push_str("definition: none\n"),
        }
        match imports::imported_hover(&a, &file, m, &src) {
            Some(h) => {
                let h = h.replace(&scratch.display().to_string(), "<dir>");
                out.push_str(&format!("hover:\n{}\n", h.trim_end()));
            }
            None => out.push_str("hover: none\n"),
        }
        if let Some(refs) = imports::references_across(&a, &file, m, &src, &files) {
            let mut shown_refs: Vec<String> = refs
                .iter()
                .map(|r| {
                    let t = std::fs::read_to_string(&r.path).unwrap_or_default();
                    let t = if r.path == file { text.clone() } else { t };
                    format!("{} {}", shown(&r.path), pos(&t, r.span.start as usize))
                })
                .collect();
            shown_refs.sort();
            out.push_str(&format!("references: {}\n", shown_refs.join(", ")));
        }
        if let Some(list) = imports::import_completions(&a, &file, m, &src) {
            let names: Vec<String> = list
                .iter()
                .map(|x| format!("{} ({:?})", x.name, x.kind))
                .collect();
            out.push_str(&format!("completions: {}\n", names.join(", ")));
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    out
}

#[test]
fn import_fixtures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/imports");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures/imports")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 6, "at least 6 import fixtures");
    for case in cases {
        let main = if case.join("main.gene").is_file() {
            "main.gene"
        } else {
            "app/main.gene"
        };
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let body = render(&case, main);
        insta::with_settings!({ omit_expression => true }, {
            insta::assert_snapshot!(format!("imports__{name}"), body);
        });
    }
}
