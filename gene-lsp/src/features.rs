//! Requests answered from one document's analysis: hover, navigation, rename,
//! symbols, semantic tokens. Plain conversions of `gene_vm::analysis` results.

use std::collections::HashMap;
use std::rc::Rc;

use gene_vm::analysis::model::Analysis;

use gene_vm::analysis::diagnostics::DiagnosticConfig;
use gene_vm::analysis::{actions, complete, hints, imports, navigate, symbols, tokens};
use gene_vm::syntax::Span;
use tower_lsp_server::ls_types::*;

use crate::document::{Document, Encoding};
use crate::modules::{Modules, OpenText};

pub struct Ctx<'a> {
    pub doc: &'a Document,
    pub text: &'a str,
    pub enc: Encoding,
    pub uri: &'a Uri,
    /// The document's `Document::stamp`.
    pub stamp: u64,
    /// Other open documents, for imports.
    pub open: &'a OpenText<'a>,
}

impl Ctx<'_> {
    /// The document's analysis (parsed and resolved once per text).
    pub fn analysis(&self) -> Rc<Analysis> {
        crate::modules::open_analysis(self.uri, self.stamp, || self.text.to_string())
    }

    fn range(&self, s: Span) -> Range {
        self.doc.range(s.start as usize, s.end as usize, self.enc)
    }
    fn location(&self, s: Span) -> Location {
        Location::new(self.uri.clone(), self.range(s))
    }

    pub fn modules(&self) -> Modules<'_> {
        Modules { open: self.open }
    }

    /// What an imported name (or an import's module path) at `off` leads to.
    fn imported(&self, off: usize) -> Option<(std::path::PathBuf, imports::Target)> {
        let file = self.uri.to_file_path()?.into_owned();
        let t = imports::imported_target(&self.analysis(), &file, off, &self.modules())?;
        Some((file, t))
    }
}

pub fn hover(c: &Ctx, off: usize) -> Option<Hover> {
    if let Some(file) = c.uri.to_file_path() {
        let a = c.analysis();
        if let Some(md) = imports::imported_hover(&a, &file, off, &c.modules()) {
            let range = a.token_at(off).map(|(s, _)| c.range(s));
            return Some(Hover {
                contents: HoverContents::Markup(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: md,
                }),
                range,
            });
        }
    }
    let h = c.analysis().hover(off)?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: h.markdown,
        }),
        range: Some(c.range(h.span)),
    })
}

/// Quick fixes for the diagnostics in the range, and the refactors.
pub fn code_actions(c: &Ctx, range: Range, cfg: &DiagnosticConfig) -> Vec<CodeActionOrCommand> {
    let (a, b) = (
        c.doc.offset(range.start, c.enc),
        c.doc.offset(range.end, c.enc),
    );
    actions::code_actions(c.text, a, b, cfg)
        .into_iter()
        .map(|act| {
            let edits: Vec<TextEdit> = act
                .edits
                .iter()
                .map(|(s, t)| TextEdit {
                    range: c.range(*s),
                    new_text: t.clone(),
                })
                .collect();
            let mut changes = HashMap::new();
            changes.insert(c.uri.clone(), edits);
            CodeActionOrCommand::CodeAction(CodeAction {
                title: act.title,
                kind: Some(match act.kind {
                    actions::ActionKind::QuickFix => CodeActionKind::QUICKFIX,
                    actions::ActionKind::RefactorRewrite => CodeActionKind::REFACTOR_REWRITE,
                    actions::ActionKind::RefactorExtract => CodeActionKind::REFACTOR_EXTRACT,
                }),
                diagnostics: act.fixes.map(|(code, span)| {
                    vec![Diagnostic {
                        range: c.range(span),
                        code: Some(NumberOrString::String(code.into())),
                        source: Some("gene".into()),
                        ..Default::default()
                    }]
                }),
                edit: Some(WorkspaceEdit {
                    changes: Some(changes),
                    ..Default::default()
                }),
                is_preferred: Some(act.kind == actions::ActionKind::QuickFix),
                ..Default::default()
            })
        })
        .collect()
}

pub fn inlay_hints(c: &Ctx, range: Range) -> Vec<InlayHint> {
    let (a, b) = (
        c.doc.offset(range.start, c.enc),
        c.doc.offset(range.end, c.enc),
    );
    hints::inlay_hints(c.text, a, b)
        .into_iter()
        .map(|h| InlayHint {
            position: c.doc.position(h.offset, c.enc),
            padding_right: Some(h.kind == hints::HintKind::Parameter),
            padding_left: Some(h.kind == hints::HintKind::Future),
            kind: Some(match h.kind {
                hints::HintKind::Parameter => InlayHintKind::PARAMETER,
                hints::HintKind::Future => InlayHintKind::TYPE,
            }),
            label: InlayHintLabel::String(h.label),
            text_edits: None,
            tooltip: None,
            data: None,
        })
        .collect()
}

pub fn definition(c: &Ctx, off: usize) -> Option<GotoDefinitionResponse> {
    // An imported name leads into its module (its own definition here is the import).
    if let Some((_, t)) = c.imported(off) {
        let uri = Uri::from_file_path(&t.path)?;
        let doc = Document::new(&t.module.text, 0);
        let (a, b) = (t.name_span.start as usize, t.name_span.end as usize);
        return Some(GotoDefinitionResponse::Scalar(Location::new(
            uri,
            doc.range(a, b, c.enc),
        )));
    }
    c.analysis()
        .definition(off)
        .map(|s| GotoDefinitionResponse::Scalar(c.location(s)))
}

/// Completions at `off`, from the parse of the cached analysis.
pub fn completions(c: &Ctx, off: usize) -> Vec<complete::Entry> {
    complete::completions_in(&c.analysis().parsed, c.text, off)
}

pub fn signature_help(c: &Ctx, off: usize) -> Option<complete::Signature> {
    complete::signature_help_in(&c.analysis().parsed, c.text, off)
}

/// Completions of a module's exports at an import item, when the cursor is on one.
pub fn import_completions(c: &Ctx, off: usize) -> Option<Vec<imports::Export>> {
    let file = c.uri.to_file_path()?;
    imports::import_completions(&c.analysis(), &file, off, &c.modules())
}

/// A range in another file of the program (its text analysed by the module source).
fn location_in(c: &Ctx, text: &str, path: &std::path::Path, s: Span) -> Option<Location> {
    let doc = Document::new(text, 0);
    Some(Location::new(
        Uri::from_file_path(path)?,
        doc.range(s.start as usize, s.end as usize, c.enc),
    ))
}

/// An importable definition's places across the program's files, if `off` names one.
fn across(c: &Ctx, off: usize, files: &[std::path::PathBuf]) -> Option<Vec<imports::FileSpan>> {
    let file = c.uri.to_file_path()?;
    imports::references_across(&c.analysis(), &file, off, &c.modules(), files)
        .filter(|r| r.iter().any(|x| x.path != *file))
}

pub fn references(
    c: &Ctx,
    off: usize,
    include_decl: bool,
    files: &[std::path::PathBuf],
) -> Vec<Location> {
    if let Some(list) = across(c, off, files) {
        let m = c.modules();
        let def = c.imported(off).map(|(_, t)| (t.path, t.name_span));
        return list
            .into_iter()
            .filter(|r| include_decl || def.as_ref() != Some(&(r.path.clone(), r.span)))
            .filter_map(|r| {
                let text = gene_vm::analysis::imports::ModuleSource::module(&m, &r.path)?
                    .text
                    .clone();
                location_in(c, &text, &r.path, r.span)
            })
            .collect();
    }
    c.analysis()
        .references(off, include_decl)
        .into_iter()
        .map(|s| c.location(s))
        .collect()
}

pub fn highlights(c: &Ctx, off: usize) -> Vec<DocumentHighlight> {
    c.analysis()
        .highlights(off)
        .into_iter()
        .map(|(s, k)| DocumentHighlight {
            range: c.range(s),
            kind: Some(match k {
                navigate::HighlightKind::Read => DocumentHighlightKind::READ,
                navigate::HighlightKind::Write => DocumentHighlightKind::WRITE,
            }),
        })
        .collect()
}

pub fn prepare_rename(c: &Ctx, off: usize) -> Result<PrepareRenameResponse, String> {
    c.analysis()
        .prepare_rename(off)
        .map(|s| PrepareRenameResponse::Range(c.range(s)))
}

pub fn rename(
    c: &Ctx,
    off: usize,
    new_name: &str,
    files: &[std::path::PathBuf],
) -> Result<WorkspaceEdit, String> {
    if across(c, off, files).is_some() {
        navigate::check_new_name(new_name)?;
        let file = c.uri.to_file_path().ok_or("not a file")?;
        let m = c.modules();
        let edits = imports::rename_across(&c.analysis(), &file, off, new_name, &m, files)
            .ok_or("nothing to rename here")?;
        let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
        for (path, span, text) in edits {
            let Some(module) = gene_vm::analysis::imports::ModuleSource::module(&m, &path) else {
                continue;
            };
            if let Some(loc) = location_in(c, &module.text, &path, span) {
                changes.entry(loc.uri).or_default().push(TextEdit {
                    range: loc.range,
                    new_text: text,
                });
            }
        }
        return Ok(WorkspaceEdit {
            changes: Some(changes),
            ..Default::default()
        });
    }
    let edits = c.analysis().rename(off, new_name)?;
    let edits: Vec<TextEdit> = edits
        .into_iter()
        .map(|(s, t)| TextEdit {
            range: c.range(s),
            new_text: t,
        })
        .collect();
    let mut changes = HashMap::new();
    changes.insert(c.uri.clone(), edits);
    Ok(WorkspaceEdit {
        changes: Some(changes),
        ..Default::default()
    })
}

#[allow(deprecated)] // `DocumentSymbol::deprecated` has to be named.
fn symbol(c: &Ctx, s: symbols::DocumentSymbol) -> DocumentSymbol {
    DocumentSymbol {
        name: s.name,
        detail: s.detail,
        kind: match s.kind {
            symbols::SymbolKind::Function => SymbolKind::FUNCTION,
            symbols::SymbolKind::Class => SymbolKind::CLASS,
            symbols::SymbolKind::Method => SymbolKind::METHOD,
            symbols::SymbolKind::Namespace => SymbolKind::NAMESPACE,
            symbols::SymbolKind::Enum => SymbolKind::ENUM,
            symbols::SymbolKind::EnumMember => SymbolKind::ENUM_MEMBER,
            symbols::SymbolKind::Interface => SymbolKind::INTERFACE,
            symbols::SymbolKind::TypeAlias => SymbolKind::TYPE_PARAMETER,
            symbols::SymbolKind::Variable => SymbolKind::VARIABLE,
        },
        tags: None,
        deprecated: None,
        range: c.range(s.span),
        selection_range: c.range(s.selection_span),
        children: Some(s.children.into_iter().map(|ch| symbol(c, ch)).collect()),
    }
}

pub fn document_symbols(c: &Ctx) -> DocumentSymbolResponse {
    DocumentSymbolResponse::Nested(
        c.analysis()
            .document_symbols()
            .into_iter()
            .map(|s| symbol(c, s))
            .collect(),
    )
}

/// Semantic tokens, one per line piece (clients need not support multi-line
/// tokens), relative-encoded; `within` limits them to a range.
pub fn semantic_tokens(c: &Ctx, within: Option<Range>) -> Vec<SemanticToken> {
    let (lo, hi) = match within {
        Some(r) => (c.doc.offset(r.start, c.enc), c.doc.offset(r.end, c.enc)),
        None => (0, c.text.len()),
    };
    let mut out = Vec::new();
    let (mut prev_line, mut prev_start) = (0u32, 0u32);
    for t in tokens::semantic_tokens_of(&c.analysis()) {
        let (a, b) = (t.span.start as usize, t.span.end as usize);
        if b <= lo || a >= hi {
            continue;
        }
        let mut piece_start = a;
        for piece in c.text.get(a..b).unwrap_or("").split_inclusive('\n') {
            let piece_end = piece_start + piece.trim_end_matches(['\n', '\r']).len();
            if piece_end > piece_start {
                let p = c.doc.position(piece_start, c.enc);
                let e = c.doc.position(piece_end, c.enc);
                let delta_line = p.line - prev_line;
                let delta_start = if delta_line == 0 {
                    p.character - prev_start
                } else {
                    p.character
                };
                out.push(SemanticToken {
                    delta_line,
                    delta_start,
                    length: e.character.saturating_sub(p.character),
                    token_type: t.kind as u32,
                    token_modifiers_bitset: t.modifiers,
                });
                prev_line = p.line;
                prev_start = p.character;
            }
            piece_start += piece.len();
        }
    }
    out
}

/// The edit turning `old` into `new` (one common-prefix/suffix splice, in integers).
pub fn tokens_delta(old: &[SemanticToken], new: &[SemanticToken]) -> Vec<SemanticTokensEdit> {
    let flat = |v: &[SemanticToken]| -> Vec<u32> {
        v.iter()
            .flat_map(|t| {
                [
                    t.delta_line,
                    t.delta_start,
                    t.length,
                    t.token_type,
                    t.token_modifiers_bitset,
                ]
            })
            .collect()
    };
    let (a, b) = (flat(old), flat(new));
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count() / 5 * 5;
    let max_suffix = (a.len() - prefix).min(b.len() - prefix);
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take(max_suffix)
        .take_while(|(x, y)| x == y)
        .count()
        / 5
        * 5;
    if prefix == a.len() && prefix == b.len() {
        return Vec::new();
    }
    let inserted = &new[prefix / 5..(b.len() - suffix) / 5];
    vec![SemanticTokensEdit {
        start: prefix as u32,
        delete_count: (a.len() - suffix - prefix) as u32,
        data: Some(inserted.to_vec()),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok(l: u32, s: u32) -> SemanticToken {
        SemanticToken {
            delta_line: l,
            delta_start: s,
            length: 1,
            token_type: 0,
            token_modifiers_bitset: 0,
        }
    }

    #[test]
    fn delta_replaces_only_the_middle() {
        let old = vec![tok(0, 0), tok(0, 2), tok(1, 0)];
        let new = vec![tok(0, 0), tok(0, 3), tok(0, 1), tok(1, 0)];
        let d = tokens_delta(&old, &new);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].start, 5);
        assert_eq!(d[0].delete_count, 5);
        assert_eq!(d[0].data.as_ref().map(|v| v.len()), Some(2));
        // Applying it gives the new tokens.
        let mut flat: Vec<SemanticToken> = old.clone();
        let s = d[0].start as usize / 5;
        flat.splice(
            s..s + d[0].delete_count as usize / 5,
            d[0].data.clone().unwrap(),
        );
        assert_eq!(flat, new);
        assert!(tokens_delta(&new, &new).is_empty());
    }

    #[test]
    fn multi_line_strings_become_one_token_per_line() {
        let text = "(var s \"a\nbc\")\n";
        let doc = Document::new(text, 1);
        let uri: Uri = "file:///t.gene".parse().unwrap();
        let c = Ctx {
            doc: &doc,
            text,
            enc: Encoding::Utf16,
            uri: &uri,
            stamp: doc.stamp,
            open: &|_| None,
        };
        let toks = semantic_tokens(&c, None);
        let strings: Vec<&SemanticToken> = toks
            .iter()
            .filter(|t| t.token_type == tokens::TokenType::String as u32)
            .collect();
        assert_eq!(strings.len(), 2);
        assert_eq!(strings[1].delta_line, 1);
        assert_eq!(strings[1].length, 3);
    }
}
