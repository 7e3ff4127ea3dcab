//! Analysis fixtures in the style of rust-analyzer's `ide` tests: every
//! `tests/fixtures/analysis/FEATURE/NAME.gene` is Gene source with `$0` cursor
//! markers (one marker: a cursor; two: a range). The markers are stripped, the
//! feature's query runs, and a readable rendering is snapshotted as
//! `FEATURE__NAME`: results are listed as `L:C-L:C` (1-based lines, 1-based
//! character columns) with the text they cover, and the source is shown with
//! each result range wrapped in `⟦...⟧`.
//!
//! Directives in comments: `# rename-to: NAME` (rename fixtures).
//!
//! Whole-file features (semantic tokens, folding, inlay hints without markers)
//! take no marker; code actions and inlay hints take a cursor or a `$0...$0`
//! range; completion, signature help and selection take a cursor.

mod common;

use std::path::Path;

use gene_vm::analysis::actions::{self, ActionKind};
use gene_vm::analysis::complete::{self, EntryKind};
use gene_vm::analysis::diagnostics::{diagnostics, DiagnosticConfig, Severity};
use gene_vm::analysis::hints::{self, HintKind};
use gene_vm::analysis::model::Analysis;
use gene_vm::analysis::navigate::HighlightKind;
use gene_vm::analysis::structure::{self, FoldKind};
use gene_vm::analysis::symbols::DocumentSymbol;
use gene_vm::analysis::tokens::{self, TokenType};
use gene_vm::syntax::{line_col, Span};

struct Fixture {
    name: String,
    text: String,
    markers: Vec<usize>,
}

fn fixtures(feature: &str) -> Vec<Fixture> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/analysis")
        .join(feature);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "gene"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 8, "{feature}: at least 8 fixtures");
    paths
        .into_iter()
        .map(|p| {
            let raw = std::fs::read_to_string(&p).expect("fixture text");
            let (text, markers) = common::strip_markers(&raw);
            Fixture {
                name: p.file_stem().unwrap().to_string_lossy().into_owned(),
                text,
                markers,
            }
        })
        .collect()
}

fn pos(text: &str, offset: u32) -> String {
    let (l, c) = line_col(text, offset as usize);
    format!("{l}:{c}")
}

fn range(text: &str, s: Span) -> String {
    format!("{}-{}", pos(text, s.start), pos(text, s.end))
}

fn covered(text: &str, s: Span) -> String {
    let t = text.get(s.start as usize..s.end as usize).unwrap_or("?");
    let first = t.lines().next().unwrap_or("");
    if first.len() < t.len() {
        format!("{first}…")
    } else {
        first.to_string()
    }
}

/// The source with every span wrapped in `⟦ ⟧` (nested spans are fine).
fn marked(text: &str, spans: &[Span]) -> String {
    marked_at(text, spans, None)
}

/// Like `marked`, with the cursor shown as `$0`.
fn marked_at(text: &str, spans: &[Span], cursor: Option<usize>) -> String {
    // (offset, order, mark): closers, then the cursor, then openers at one offset.
    let mut marks: Vec<(usize, u8, &str)> = Vec::new();
    for s in spans {
        marks.push((s.start as usize, 2, "⟦"));
        marks.push((s.end as usize, 0, "⟧"));
    }
    if let Some(c) = cursor {
        marks.push((c, 1, "$0"));
    }
    marks.sort_by_key(|(o, k, _)| (*o, *k));
    let mut out = String::new();
    let mut at = 0;
    for (o, _, m) in marks {
        let o = o.min(text.len());
        if o >= at {
            out.push_str(&text[at..o]);
            at = o;
        }
        out.push_str(m);
    }
    out.push_str(&text[at..]);
    out
}

fn cursor(f: &Fixture) -> usize {
    assert_eq!(f.markers.len(), 1, "{}: one $0 cursor", f.name);
    f.markers[0]
}

fn span_lines(text: &str, spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| format!("{} `{}`\n", range(text, *s), covered(text, *s)))
        .collect()
}

fn snapshot(feature: &str, name: &str, body: String) {
    insta::with_settings!({ prepend_module_to_snapshot => true, omit_expression => true }, {
        insta::assert_snapshot!(format!("{feature}__{name}"), body);
    });
}

#[test]
fn diagnostics_fixtures() {
    for f in fixtures("diagnostics") {
        let ds = diagnostics(&f.text, &DiagnosticConfig::default());
        let mut out = String::new();
        for d in &ds {
            let sev = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Hint => "hint",
            };
            let tags = if d.tags.is_empty() {
                String::new()
            } else {
                format!(" {:?}", d.tags)
            };
            out.push_str(&format!(
                "{} {sev}[{}]{tags}: {}\n    `{}`\n",
                range(&f.text, d.span),
                d.code,
                d.message,
                covered(&f.text, d.span)
            ));
        }
        out.push_str("---\n");
        out.push_str(&marked(
            &f.text,
            &ds.iter().map(|d| d.span).collect::<Vec<_>>(),
        ));
        snapshot("diagnostics", &f.name, out);
    }
}

#[test]
fn diagnostic_config_disables_and_changes_severity() {
    let text = "(missing 1)\n(sleep_async 1)\n(fn f [unused] 1)\n";
    let all = diagnostics(text, &DiagnosticConfig::default());
    let codes: Vec<&str> = all.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        ["undefined-name", "unawaited-future", "unused-variable"]
    );
    let cfg = DiagnosticConfig::default()
        .disable("undefined-name")
        .with_severity("unawaited-future", Severity::Error);
    let some = diagnostics(text, &cfg);
    assert_eq!(some.len(), 2);
    assert_eq!(some[0].code, "unawaited-future");
    assert_eq!(some[0].severity, Severity::Error);
    assert_eq!(some[1].severity, Severity::Hint);
}

#[test]
fn definition_fixtures() {
    for f in fixtures("definition") {
        let at = cursor(&f);
        let a = Analysis::new(&f.text);
        let def = a.definition(at);
        let mut out = match def {
            Some(s) => format!("definition: {}\n", span_lines(&f.text, &[s]).trim_end()),
            None => "definition: none\n".to_string(),
        };
        out.push_str("---\n");
        out.push_str(&marked_at(
            &f.text,
            &def.into_iter().collect::<Vec<_>>(),
            Some(at),
        ));
        snapshot("definition", &f.name, out);
    }
}

#[test]
fn references_fixtures() {
    for f in fixtures("references") {
        let at = cursor(&f);
        let a = Analysis::new(&f.text);
        let with = a.references(at, true);
        let without = a.references(at, false);
        let mut out = String::from("with declaration:\n");
        out.push_str(&span_lines(&f.text, &with));
        out.push_str("without declaration:\n");
        out.push_str(&span_lines(&f.text, &without));
        out.push_str("---\n");
        out.push_str(&marked_at(&f.text, &with, Some(at)));
        snapshot("references", &f.name, out);
    }
}

#[test]
fn highlights_fixtures() {
    for f in fixtures("highlights") {
        let at = cursor(&f);
        let hs = Analysis::new(&f.text).highlights(at);
        let mut out = String::new();
        for (s, k) in &hs {
            let k = match k {
                HighlightKind::Read => "read",
                HighlightKind::Write => "write",
            };
            out.push_str(&format!("{k} {}", span_lines(&f.text, &[*s])));
        }
        out.push_str("---\n");
        let spans: Vec<Span> = hs.iter().map(|(s, _)| *s).collect();
        out.push_str(&marked_at(&f.text, &spans, Some(at)));
        snapshot("highlights", &f.name, out);
    }
}

#[test]
fn rename_fixtures() {
    for f in fixtures("rename") {
        let at = cursor(&f);
        let new_name = f
            .text
            .lines()
            .find_map(|l| l.strip_prefix("# rename-to: "))
            .unwrap_or_else(|| panic!("{}: # rename-to: NAME", f.name))
            .trim()
            .to_string();
        let a = Analysis::new(&f.text);
        let mut out = match a.prepare_rename(at) {
            Ok(s) => format!("prepare: {}", span_lines(&f.text, &[s])),
            Err(e) => format!("prepare: refused: {e}\n"),
        };
        match a.rename(at, &new_name) {
            Ok(edits) => {
                let mut result = f.text.clone();
                for (s, t) in edits.iter().rev() {
                    result.replace_range(s.start as usize..s.end as usize, t);
                }
                out.push_str(&format!(
                    "rename to `{new_name}`: {} edits\n---\n",
                    edits.len()
                ));
                out.push_str(&result);
            }
            Err(e) => out.push_str(&format!("rename to `{new_name}`: refused: {e}\n")),
        }
        snapshot("rename", &f.name, out);
    }
}

fn render_symbols(text: &str, syms: &[DocumentSymbol], depth: usize, out: &mut String) {
    for s in syms {
        let detail = s
            .detail
            .as_deref()
            .map(|d| format!(" {d}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "{}{:?} {}{detail} {} (name {})\n",
            "  ".repeat(depth),
            s.kind,
            s.name,
            range(text, s.span),
            range(text, s.selection_span)
        ));
        render_symbols(text, &s.children, depth + 1, out);
    }
}

fn all_selections(syms: &[DocumentSymbol], out: &mut Vec<Span>) {
    for s in syms {
        out.push(s.selection_span);
        all_selections(&s.children, out);
    }
}

#[test]
fn symbols_fixtures() {
    for f in fixtures("symbols") {
        let syms = Analysis::new(&f.text).document_symbols();
        let mut out = String::new();
        render_symbols(&f.text, &syms, 0, &mut out);
        out.push_str("---\n");
        let mut sel = Vec::new();
        all_selections(&syms, &mut sel);
        out.push_str(&marked(&f.text, &sel));
        snapshot("symbols", &f.name, out);
    }
}

#[test]
fn hover_fixtures() {
    for f in fixtures("hover") {
        let at = cursor(&f);
        let out = match Analysis::new(&f.text).hover(at) {
            Some(h) => format!(
                "hover {} `{}`\n---\n{}",
                range(&f.text, h.span),
                covered(&f.text, h.span),
                h.markdown
            ),
            None => "no hover\n".to_string(),
        };
        snapshot("hover", &f.name, out);
    }
}

#[test]
fn completion_fixtures() {
    for f in fixtures("completion") {
        let at = cursor(&f);
        let entries = complete::completions(&f.text, at);
        let mut out = format!("{} entries\n", entries.len());
        for e in &entries {
            let kind = match e.kind {
                EntryKind::Variable => "variable",
                EntryKind::Parameter => "parameter",
                EntryKind::Function => "function",
                EntryKind::Class => "class",
                EntryKind::Namespace => "namespace",
                EntryKind::Keyword => "keyword",
                EntryKind::Method => "method",
                EntryKind::Enum => "enum",
                EntryKind::Variant => "variant",
            };
            out.push_str(&format!("{kind} {}", e.label));
            if let Some(d) = &e.detail {
                out.push_str(&format!(" — {d}"));
            }
            if e.deprecated {
                out.push_str(" [deprecated]");
            }
            if let Some(i) = &e.insert {
                let what = if e.snippet { "snippet" } else { "insert" };
                out.push_str(&format!("\n    {what}: {i:?}"));
            }
            out.push('\n');
        }
        // What resolve adds to the first entry that has documentation.
        if let Some((label, doc)) = entries
            .iter()
            .find_map(|e| complete::documentation(&e.label).map(|d| (&e.label, d)))
        {
            out.push_str(&format!("resolve {label}:\n{doc}\n"));
        }
        out.push_str("---\n");
        out.push_str(&marked_at(&f.text, &[], Some(at)));
        snapshot("completion", &f.name, out);
    }
}

#[test]
fn signature_help_fixtures() {
    for f in fixtures("signature_help") {
        let at = cursor(&f);
        let mut out = match complete::signature_help(&f.text, at) {
            Some(s) => {
                let params: Vec<String> = s
                    .params
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        if i == s.active {
                            format!("<{p}>")
                        } else {
                            p.clone()
                        }
                    })
                    .collect();
                let doc = s
                    .doc
                    .as_deref()
                    .map(|d| format!("doc: {d}\n"))
                    .unwrap_or_default();
                format!(
                    "signature: {}\nparams: {}\nactive: {}\n{doc}",
                    s.label,
                    params.join(" "),
                    s.active
                )
            }
            None => "no signature\n".to_string(),
        };
        out.push_str("---\n");
        out.push_str(&marked_at(&f.text, &[], Some(at)));
        snapshot("signature_help", &f.name, out);
    }
}

fn token_type(t: TokenType) -> &'static str {
    tokens::TOKEN_TYPES[t as usize]
}

fn token_modifiers(bits: u32) -> String {
    let names: Vec<&str> = tokens::TOKEN_MODIFIERS
        .iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, n)| *n)
        .collect();
    if names.is_empty() {
        String::new()
    } else {
        format!(" [{}]", names.join(" "))
    }
}

#[test]
fn semantic_tokens_fixtures() {
    for f in fixtures("semantic_tokens") {
        assert!(f.markers.is_empty(), "{}: no markers", f.name);
        let toks = tokens::semantic_tokens(&f.text);
        let mut out = String::new();
        for t in &toks {
            out.push_str(&format!(
                "{} {}{} `{}`\n",
                range(&f.text, t.span),
                token_type(t.kind),
                token_modifiers(t.modifiers),
                covered(&f.text, t.span)
            ));
        }
        // Sorted and disjoint, as the LSP encoding needs.
        for w in toks.windows(2) {
            assert!(
                w[0].span.end <= w[1].span.start,
                "{}: overlapping tokens",
                f.name
            );
        }
        out.push_str("---\n");
        out.push_str(&marked(
            &f.text,
            &toks.iter().map(|t| t.span).collect::<Vec<_>>(),
        ));
        snapshot("semantic_tokens", &f.name, out);
    }
}

#[test]
fn folding_fixtures() {
    for f in fixtures("folding") {
        assert!(f.markers.is_empty(), "{}: no markers", f.name);
        let lines: Vec<&str> = f.text.split('\n').collect();
        let mut out = String::new();
        for fold in structure::folding_ranges(&f.text) {
            let kind = match fold.kind {
                FoldKind::Region => "region",
                FoldKind::Comment => "comment",
            };
            out.push_str(&format!(
                "{kind} lines {}-{}: `{}` … `{}`\n",
                fold.start_line + 1,
                fold.end_line + 1,
                lines.get(fold.start_line).unwrap_or(&"?").trim(),
                lines.get(fold.end_line).unwrap_or(&"?").trim()
            ));
        }
        out.push_str("---\n");
        for (i, l) in f.text.lines().enumerate() {
            out.push_str(&format!("{:>2} {l}\n", i + 1));
        }
        snapshot("folding", &f.name, out);
    }
}

#[test]
fn selection_fixtures() {
    for f in fixtures("selection") {
        let at = cursor(&f);
        let spans = structure::selection_ranges(&f.text, at);
        // Each range contains the one before it.
        for w in spans.windows(2) {
            assert!(
                w[1].start <= w[0].start && w[0].end <= w[1].end,
                "{}: not nested",
                f.name
            );
        }
        let mut out = span_lines(&f.text, &spans);
        out.push_str("---\n");
        out.push_str(&marked_at(&f.text, &spans[..spans.len().min(1)], Some(at)));
        snapshot("selection", &f.name, out);
    }
}

#[test]
fn code_actions_fixtures() {
    for f in fixtures("code_actions") {
        let (a, b) = match f.markers.as_slice() {
            [a] => (*a, *a),
            [a, b] => (*a, *b),
            _ => panic!("{}: a $0 cursor or a $0...$0 range", f.name),
        };
        let acts = actions::code_actions(&f.text, a, b, &DiagnosticConfig::default());
        let mut out = format!("{} actions\n", acts.len());
        for act in &acts {
            let kind = match act.kind {
                ActionKind::QuickFix => "quickfix",
                ActionKind::RefactorRewrite => "refactor.rewrite",
                ActionKind::RefactorExtract => "refactor.extract",
            };
            out.push_str(&format!("=== {kind}: {}\n", act.title));
            if let Some((code, span)) = act.fixes {
                out.push_str(&format!(
                    "fixes {code} at {} `{}`\n",
                    range(&f.text, span),
                    covered(&f.text, span)
                ));
            }
            out.push_str(&actions::apply(&f.text, &act.edits));
        }
        out.push_str("---\n");
        let sel = [Span::new(a, b)];
        out.push_str(&marked(&f.text, if a < b { &sel } else { &[] }));
        snapshot("code_actions", &f.name, out);
    }
}

#[test]
fn inlay_hints_fixtures() {
    for f in fixtures("inlay_hints") {
        let (a, b) = match f.markers.as_slice() {
            [] => (0, f.text.len()),
            [a, b] => (*a, *b),
            _ => panic!("{}: no marker or a $0...$0 range", f.name),
        };
        let hs = hints::inlay_hints(&f.text, a, b);
        let mut out = String::new();
        for h in &hs {
            let kind = match h.kind {
                HintKind::Parameter => "parameter",
                HintKind::Future => "future",
            };
            out.push_str(&format!(
                "{} {kind} `{}`\n",
                pos(&f.text, h.offset as u32),
                h.label
            ));
        }
        out.push_str("---\n");
        // The source as an editor shows it, hints in `⟨ ⟩`.
        let mut shown = String::new();
        let mut at = 0;
        for h in &hs {
            shown.push_str(&f.text[at..h.offset]);
            at = h.offset;
            match h.kind {
                HintKind::Parameter => shown.push_str(&format!("⟨{}⟩ ", h.label)),
                HintKind::Future => shown.push_str(&format!(" ⟨{}⟩", h.label)),
            }
        }
        shown.push_str(&f.text[at..]);
        out.push_str(&shown);
        snapshot("inlay_hints", &f.name, out);
    }
}

mod never_panics {
    use gene_vm::analysis::diagnostics::{diagnostics, DiagnosticConfig};
    use gene_vm::analysis::line_index::{LineCol, LineIndex};
    use gene_vm::analysis::model::Analysis;
    use proptest::prelude::*;

    /// Gene-ish text: tokens, delimiters, names that resolve, and any Unicode.
    fn gene_text() -> impl Strategy<Value = String> {
        let token = prop_oneof![
            Just("(".to_string()),
            Just(")".to_string()),
            Just("[".to_string()),
            Just("]".to_string()),
            Just("{".to_string()),
            Just("}".to_string()),
            Just(" ".to_string()),
            Just("\n".to_string()),
            Just("\"".to_string()),
            Just("# gene-ignore: arity\n".to_string()),
            Just("$0".to_string()),
            prop::sample::select(vec![
                "var",
                "fn",
                "x",
                "y",
                "f",
                "ns",
                "class",
                "method",
                "ctor",
                "if",
                "else",
                "for",
                "in",
                "break",
                "return",
                "async",
                "await",
                "sleep_async",
                "file_read",
                "gene/io/read",
                "a/b/c",
                "/x",
                "xs...",
                "^k",
                "^^async",
                "=",
                "+=",
                "+",
                ".size",
                "self",
                "try",
                "catch",
                "e",
                "1",
                "2.5",
                "😀",
                "名字",
                "\\",
                "`",
                ":q",
                "#<",
                ">#",
                "#\"",
                "..",
                "...",
                "new",
                "Point",
                "geo/area",
                "x:",
            ])
            .prop_map(str::to_string),
            any::<char>().prop_map(|c| c.to_string()),
        ];
        prop::collection::vec(token, 0..60).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn queries_never_panic(text in gene_text(), new_name in "[a-z_+/.^]{0,6}") {
            let _ = diagnostics(&text, &DiagnosticConfig::default());
            let a = Analysis::new(&text);
            let _ = a.document_symbols();
            let ix = LineIndex::new(&text);
            for o in 0..=text.len() + 1 {
                let _ = a.definition(o);
                let _ = a.references(o, true);
                let _ = a.highlights(o);
                let _ = a.prepare_rename(o);
                let _ = a.rename(o, &new_name);
                let _ = a.hover(o);
                let lc = ix.line_col(&text, o);
                let _ = ix.offset(&text, lc);
                let u = ix.line_col_utf16(&text, o);
                let _ = ix.offset_utf16(&text, u);
                let _ = ix.offset_utf16(&text, LineCol { line: u.line, col: u.col + 3 });
            }
        }
    }
}

/// The analysis's list of built-in classes (it may not ask the VM) matches the VM's.
#[test]
fn builtin_classes_match_the_vm() {
    use gene_vm::analysis::natives::{is_builtin_class, BUILTIN_CLASSES};
    let vm = gene_vm::Vm::new(gene_vm::Config::default());
    for c in BUILTIN_CLASSES {
        assert!(vm.class(c).is_some(), "{c} is not a VM class");
    }
    for (c, _) in gene_vm::vm::error::EXCEPTION_CLASSES {
        assert!(is_builtin_class(c), "{c} missing from BUILTIN_CLASSES");
    }
}
