//! The language server: LSP glue over `gene_vm::analysis`. Document state sits
//! behind one lock; every analysis runs on a snapshot of the text, on the analysis
//! thread (`host.rs`) inside a panic guard, and diagnostics are published only if
//! their document version is still current.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gene_vm::analysis::diagnostics::DiagnosticConfig;
use gene_vm::analysis::model::DefKind;
use gene_vm::analysis::{complete, format, structure, tokens};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use crate::diagnostics;
use crate::document::{Document, Encoding};
use crate::features::{self, Ctx};
use crate::host::{self, Failure, Host};
use crate::workspace::{gene_files, Index};

/// Edits arriving closer together than this are analysed once.
const DEBOUNCE: Duration = Duration::from_millis(5);

#[derive(Default)]
struct State {
    docs: HashMap<Uri, Document>,
    encoding: Option<Encoding>,
    /// The client pulls diagnostics (`textDocument/diagnostic`): never push them too.
    pull: bool,
    /// The client accepts snippet completions (`$1` tab stops).
    snippets: bool,
    config: DiagnosticConfig,
    /// The last semantic tokens sent per document (for deltas), with their result id.
    tokens: HashMap<Uri, (String, Vec<SemanticToken>)>,
    next_result: u64,
    /// Workspace folders to index, and whether the client can watch files for us.
    roots: Vec<std::path::PathBuf>,
    watch: bool,
}

pub struct Backend {
    client: Client,
    state: Arc<Mutex<State>>,
    index: Arc<Mutex<Index>>,
    host: Arc<Host>,
}

/// A document's text, version and the negotiated encoding, copied out of the lock.
struct Snapshot {
    uri: Uri,
    text: String,
    version: i32,
    enc: Encoding,
    doc: Document,
    config: DiagnosticConfig,
    /// Open documents by path, for imports (see `modules.rs`).
    open: Arc<OpenDocs>,
}

/// The stamp and text of the open document at a path.
type OpenDocs = dyn Fn(&std::path::Path) -> Option<(u64, String)> + Send + Sync;

/// Reads open documents out of the state, one lock per lookup.
fn open_docs(state: &Arc<Mutex<State>>) -> Arc<OpenDocs> {
    let state = state.clone();
    Arc::new(move |p: &std::path::Path| {
        let uri = Uri::from_file_path(p)?;
        let st = state.lock().ok()?;
        let d = st.docs.get(&uri)?;
        Some((d.stamp, d.text()))
    })
}

impl Backend {
    pub fn new(client: Client) -> Backend {
        Backend {
            client,
            state: Arc::new(Mutex::new(State::default())),
            index: Arc::new(Mutex::new(Index::default())),
            host: Arc::new(Host::new()),
        }
    }

    fn snapshot(&self, uri: &Uri) -> Option<Snapshot> {
        snapshot_of(&self.state, uri)
    }

    /// Runs `f` on the analysis thread (see `host.rs`).
    async fn analyzed<T: Send + 'static>(
        &self,
        what: &'static str,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        let r = self.host.run(what, f).await;
        self.answer(what, r).await
    }

    /// Runs text-only work (no analysis needed) on the blocking pool.
    async fn text_only<T: Send + 'static>(
        &self,
        what: &'static str,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        let r = host::blocking(what, f).await;
        self.answer(what, r).await
    }

    /// A panic in a request is logged and answered with an error.
    async fn answer<T>(&self, what: &str, r: std::result::Result<T, Failure>) -> Result<T> {
        match r {
            Ok(v) => Ok(v),
            Err(msg) => {
                self.client
                    .log_message(
                        MessageType::ERROR,
                        format!("gene-lsp: internal error in {what}: {msg}"),
                    )
                    .await;
                Err(Error::internal_error())
            }
        }
    }

    /// Files that may import a module: the workspace index and the open documents.
    fn program_files(&self) -> Vec<std::path::PathBuf> {
        let mut files = self.index.lock().map(|ix| ix.paths()).unwrap_or_default();
        if let Ok(st) = self.state.lock() {
            for u in st.docs.keys() {
                if let Some(p) = u.to_file_path() {
                    let p = p.into_owned();
                    if !files.contains(&p) {
                        files.push(p);
                    }
                }
            }
        }
        files
    }

    /// A snapshot of the document at a position, and the byte offset there.
    fn at(&self, p: &TextDocumentPositionParams) -> Option<(Snapshot, usize)> {
        let s = self.snapshot(&p.text_document.uri)?;
        let off = s.doc.offset(p.position, s.enc);
        Some((s, off))
    }

    /// Keeps the tokens sent for a document; returns their result id.
    fn remember_tokens(&self, uri: &Uri, data: Vec<SemanticToken>) -> String {
        let Ok(mut st) = self.state.lock() else {
            return String::new();
        };
        st.next_result += 1;
        let id = st.next_result.to_string();
        st.tokens.insert(uri.clone(), (id.clone(), data));
        id
    }

    /// Every semantic token of an open document (`None`: not open).
    async fn all_tokens(&self, uri: &Uri) -> Result<Option<Vec<SemanticToken>>> {
        let Some(s) = self.snapshot(uri) else {
            return Ok(None);
        };
        self.analyzed("semantic tokens", move || {
            features::semantic_tokens(&s.ctx(), None)
        })
        .await
        .map(Some)
    }

    fn current_version(state: &Mutex<State>, uri: &Uri) -> Option<i32> {
        state.lock().ok()?.docs.get(uri).map(|d| d.version)
    }

    /// After a short quiet period, if the document did not change: publishes its
    /// diagnostics (unless the client pulls them) and updates the workspace index,
    /// both from the analysis that the requests about this text share.
    fn schedule_diagnostics(&self, uri: Uri, version: i32) {
        let state = self.state.clone();
        let client = self.client.clone();
        let index = self.index.clone();
        let host = self.host.clone();
        tokio::spawn(async move {
            tokio::time::sleep(DEBOUNCE).await;
            if Self::current_version(&state, &uri) != Some(version) {
                return;
            }
            let job_state = state.clone();
            let job_uri = uri.clone();
            let done = host
                .run("diagnostics", move || {
                    // Checked again here: edits may have come while this job waited.
                    let s = snapshot_of(&job_state, &job_uri)?;
                    if s.version != version {
                        return None;
                    }
                    let pull = job_state.lock().map(|st| st.pull).unwrap_or(true);
                    let c = s.ctx();
                    let diags = (!pull).then(|| diagnostics::compute(&c, &s.config));
                    let symbols = c.analysis().document_symbols();
                    if let Ok(mut ix) = index.lock() {
                        ix.set(&s.uri, &s.doc, s.enc, symbols);
                    }
                    Some(diags)
                })
                .await;
            match done {
                // Only for the version it was computed from.
                Ok(Some(Some(diags))) if Self::current_version(&state, &uri) == Some(version) => {
                    client.publish_diagnostics(uri, diags, Some(version)).await;
                }
                Ok(_) => {}
                Err(msg) => {
                    client
                        .log_message(
                            MessageType::ERROR,
                            format!("gene-lsp: internal error in diagnostics: {msg}"),
                        )
                        .await;
                }
            }
        });
    }
}

/// A document's text, version and settings, copied out of the state.
fn snapshot_of(state: &Arc<Mutex<State>>, uri: &Uri) -> Option<Snapshot> {
    let st = state.lock().ok()?;
    let d = st.docs.get(uri)?;
    Some(Snapshot {
        uri: uri.clone(),
        doc: d.snapshot(),
        text: d.text(),
        version: d.version,
        enc: st.encoding.unwrap_or(Encoding::Utf16),
        config: st.config.clone(),
        open: open_docs(state),
    })
}

fn text_edits(doc: &Document, edits: Vec<format::LineEdit>, enc: Encoding) -> Vec<TextEdit> {
    edits
        .into_iter()
        .filter_map(|e| {
            if e.line >= doc.rope.len_lines() {
                return None;
            }
            let start = doc.rope.line_to_byte(e.line);
            Some(TextEdit {
                range: doc.range(start + e.start, start + e.end, enc),
                new_text: e.new_text,
            })
        })
        .collect()
}

impl Snapshot {
    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            doc: &self.doc,
            text: &self.text,
            enc: self.enc,
            uri: &self.uri,
            stamp: self.doc.stamp,
            open: &*self.open,
        }
    }
}

/// Each parameter as offsets into the signature label (UTF-16, as the protocol
/// says), found in order after the callee's name: a plain-string label is
/// searched for by clients, and Neovim's first match of `a` in `(fn add [a b])`
/// is inside `add`.
fn parameter_labels(label: &str, params: Vec<String>) -> Vec<ParameterLabel> {
    let mut from = label
        .find('[')
        .map(|i| i + 1)
        .or_else(|| label.find(' ').map(|i| i + 1))
        .unwrap_or(0);
    let utf16 = |b: usize| label[..b].encode_utf16().count() as u32;
    params
        .into_iter()
        .map(|p| {
            let found = label.get(from..).and_then(|rest| {
                // A whole word: not the `a` of `ab`.
                rest.match_indices(p.as_str())
                    .map(|(i, _)| from + i)
                    .find(|&i| {
                        let before = label[..i].chars().next_back();
                        let after = label[i + p.len()..].chars().next();
                        let boundary = |c: Option<char>| {
                            c.is_none_or(|c| c.is_whitespace() || "[]()".contains(c))
                        };
                        boundary(before) && boundary(after)
                    })
            });
            match found {
                Some(i) => {
                    from = i + p.len();
                    ParameterLabel::LabelOffsets([utf16(i), utf16(i + p.len())])
                }
                None => ParameterLabel::Simple(p),
            }
        })
        .collect()
}

/// A request the analysis declined (rename of a native...): the message is for the user.
fn refused(msg: String) -> Error {
    Error::invalid_params(msg)
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let general = params.capabilities.general.as_ref();
        let offers_utf8 = general
            .and_then(|g| g.position_encodings.as_ref())
            .is_some_and(|e| e.contains(&PositionEncodingKind::UTF8));
        let enc = if offers_utf8 {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        };
        let pull = params
            .capabilities
            .text_document
            .as_ref()
            .and_then(|t| t.diagnostic.as_ref())
            .is_some();
        if let Ok(mut st) = self.state.lock() {
            st.encoding = Some(enc);
            st.pull = pull;
            st.snippets = params
                .capabilities
                .text_document
                .as_ref()
                .and_then(|t| t.completion.as_ref())
                .and_then(|c| c.completion_item.as_ref())
                .and_then(|i| i.snippet_support)
                .unwrap_or(false);
            if let Some(o) = &params.initialization_options {
                st.config = diagnostics::config_from(o);
            }
            #[allow(deprecated)] // `root_uri` is the fallback for clients without folders.
            let roots: Vec<Uri> = match &params.workspace_folders {
                Some(f) if !f.is_empty() => f.iter().map(|w| w.uri.clone()).collect(),
                _ => params.root_uri.iter().cloned().collect(),
            };
            st.roots = roots
                .iter()
                .filter_map(|u| u.to_file_path().map(|p| p.into_owned()))
                .collect();
            st.watch = params
                .capabilities
                .workspace
                .as_ref()
                .and_then(|w| w.did_change_watched_files.as_ref())
                .and_then(|d| d.dynamic_registration)
                .unwrap_or(false);
        }
        let caps = ServerCapabilities {
            position_encoding: Some(match enc {
                Encoding::Utf8 => PositionEncodingKind::UTF8,
                Encoding::Utf16 => PositionEncodingKind::UTF16,
            }),
            text_document_sync: Some(TextDocumentSyncCapability::Options(
                TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::INCREMENTAL),
                    ..Default::default()
                },
            )),
            diagnostic_provider: pull.then(|| {
                DiagnosticServerCapabilities::Options(DiagnosticOptions {
                    identifier: Some("gene".into()),
                    inter_file_dependencies: false,
                    workspace_diagnostics: false,
                    ..Default::default()
                })
            }),
            document_formatting_provider: Some(OneOf::Left(true)),
            document_range_formatting_provider: Some(OneOf::Left(true)),
            document_on_type_formatting_provider: Some(DocumentOnTypeFormattingOptions {
                first_trigger_character: "\n".into(),
                more_trigger_character: Some(vec![")".into()]),
            }),
            folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
            completion_provider: Some(CompletionOptions {
                resolve_provider: Some(true),
                trigger_characters: Some(vec![".".into(), "/".into()]),
                ..Default::default()
            }),
            signature_help_provider: Some(SignatureHelpOptions {
                trigger_characters: Some(vec![" ".into()]),
                ..Default::default()
            }),
            selection_range_provider: Some(SelectionRangeProviderCapability::Simple(true)),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            inlay_hint_provider: Some(OneOf::Left(true)),
            code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                code_action_kinds: Some(vec![
                    CodeActionKind::QUICKFIX,
                    CodeActionKind::REFACTOR_REWRITE,
                    CodeActionKind::REFACTOR_EXTRACT,
                ]),
                ..Default::default()
            })),
            definition_provider: Some(OneOf::Left(true)),
            references_provider: Some(OneOf::Left(true)),
            document_highlight_provider: Some(OneOf::Left(true)),
            rename_provider: Some(OneOf::Right(RenameOptions {
                prepare_provider: Some(true),
                work_done_progress_options: Default::default(),
            })),
            document_symbol_provider: Some(OneOf::Left(true)),
            workspace_symbol_provider: Some(OneOf::Left(true)),
            semantic_tokens_provider: Some(
                SemanticTokensServerCapabilities::SemanticTokensOptions(SemanticTokensOptions {
                    legend: SemanticTokensLegend {
                        token_types: tokens::TOKEN_TYPES
                            .iter()
                            .map(|t| SemanticTokenType::new(t))
                            .collect(),
                        token_modifiers: tokens::TOKEN_MODIFIERS
                            .iter()
                            .map(|t| SemanticTokenModifier::new(t))
                            .collect(),
                    },
                    range: Some(true),
                    full: Some(SemanticTokensFullOptions::Delta { delta: Some(true) }),
                    ..Default::default()
                }),
            ),
            ..Default::default()
        };
        Ok(InitializeResult {
            capabilities: caps,
            server_info: Some(ServerInfo {
                name: "gene-lsp".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            ..Default::default()
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        let (roots, enc, watch) = match self.state.lock() {
            Ok(st) => (
                st.roots.clone(),
                st.encoding.unwrap_or(Encoding::Utf16),
                st.watch,
            ),
            Err(_) => return,
        };
        if watch {
            let opts = DidChangeWatchedFilesRegistrationOptions {
                watchers: vec![FileSystemWatcher {
                    glob_pattern: GlobPattern::String("**/*.gene".into()),
                    kind: None,
                }],
            };
            let reg = Registration {
                id: "gene-files".into(),
                method: "workspace/didChangeWatchedFiles".into(),
                register_options: serde_json::to_value(opts).ok(),
            };
            // Not awaited here: a client that answers late, or never, must hold up
            // neither the indexing below nor `exit` (which waits for this handler).
            let client = self.client.clone();
            tokio::spawn(async move {
                let _ = client.register_capability(vec![reg]).await;
            });
        }
        let index = self.index.clone();
        let client = self.client.clone();
        // Index the workspace off the request path.
        tokio::task::spawn_blocking(move || {
            let mut n = 0;
            for root in roots {
                for path in gene_files(&root) {
                    let (Ok(text), Some(uri)) =
                        (std::fs::read_to_string(&path), Uri::from_file_path(&path))
                    else {
                        continue;
                    };
                    let _ = catch_unwind(AssertUnwindSafe(|| {
                        if let Ok(mut ix) = index.lock() {
                            ix.update(&uri, &text, enc);
                        }
                    }));
                    n += 1;
                }
            }
            n
        })
        .await
        .map(|n| {
            let c = client.clone();
            tokio::spawn(async move {
                c.log_message(MessageType::INFO, format!("gene-lsp: indexed {n} files"))
                    .await;
            })
        })
        .ok();
    }

    async fn symbol(&self, p: WorkspaceSymbolParams) -> Result<Option<WorkspaceSymbolResponse>> {
        let index = self.index.clone();
        let found = self
            .text_only("workspace symbols", move || {
                index
                    .lock()
                    .map(|ix| ix.query(&p.query))
                    .unwrap_or_default()
            })
            .await?;
        Ok(Some(WorkspaceSymbolResponse::Flat(found)))
    }

    async fn did_change_watched_files(&self, p: DidChangeWatchedFilesParams) {
        let enc = self
            .state
            .lock()
            .map(|st| st.encoding.unwrap_or(Encoding::Utf16))
            .unwrap_or(Encoding::Utf16);
        for ev in p.changes {
            // Open documents are indexed from their editor text.
            let open = self
                .state
                .lock()
                .map(|st| st.docs.contains_key(&ev.uri))
                .unwrap_or(false);
            if open {
                continue;
            }
            let Ok(mut ix) = self.index.lock() else {
                return;
            };
            if ev.typ == FileChangeType::DELETED {
                ix.remove(&ev.uri);
                continue;
            }
            let text = ev
                .uri
                .to_file_path()
                .and_then(|p| std::fs::read_to_string(p.as_ref()).ok());
            match text {
                Some(t) => ix.update(&ev.uri, &t, enc),
                None => ix.remove(&ev.uri),
            }
        }
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, p: DidOpenTextDocumentParams) {
        let (uri, version) = (p.text_document.uri, p.text_document.version);
        if let Ok(mut st) = self.state.lock() {
            st.docs
                .insert(uri.clone(), Document::new(&p.text_document.text, version));
        }
        self.schedule_diagnostics(uri, version);
    }

    async fn did_change(&self, p: DidChangeTextDocumentParams) {
        let uri = p.text_document.uri;
        let version = p.text_document.version;
        {
            let Ok(mut st) = self.state.lock() else {
                return;
            };
            let enc = st.encoding.unwrap_or(Encoding::Utf16);
            let Some(doc) = st.docs.get_mut(&uri) else {
                return;
            };
            for c in &p.content_changes {
                doc.apply(c, enc);
            }
            doc.version = version;
        }
        self.schedule_diagnostics(uri, version);
    }

    async fn did_close(&self, p: DidCloseTextDocumentParams) {
        let pull = {
            let Ok(mut st) = self.state.lock() else {
                return;
            };
            st.docs.remove(&p.text_document.uri);
            st.tokens.remove(&p.text_document.uri);
            st.pull
        };
        if !pull {
            self.client
                .publish_diagnostics(p.text_document.uri, Vec::new(), None)
                .await;
        }
    }

    async fn diagnostic(
        &self,
        p: DocumentDiagnosticParams,
    ) -> Result<DocumentDiagnosticReportResult> {
        let Some(s) = self.snapshot(&p.text_document.uri) else {
            return Err(Error::invalid_params("unknown document"));
        };
        let version = s.version;
        let items = self
            .analyzed("diagnostics", move || {
                diagnostics::compute(&s.ctx(), &s.config)
            })
            .await?;
        Ok(DocumentDiagnosticReportResult::Report(
            DocumentDiagnosticReport::Full(RelatedFullDocumentDiagnosticReport {
                related_documents: None,
                full_document_diagnostic_report: FullDocumentDiagnosticReport {
                    result_id: Some(version.to_string()),
                    items,
                },
            }),
        ))
    }

    async fn formatting(&self, p: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let Some(s) = self.snapshot(&p.text_document.uri) else {
            return Ok(None);
        };
        let out = self
            .text_only("formatting", move || {
                format::format(&s.text).map(|new| {
                    if new == s.text {
                        Vec::new()
                    } else {
                        vec![TextEdit {
                            range: s.doc.range(0, s.text.len(), s.enc),
                            new_text: new,
                        }]
                    }
                })
            })
            .await?;
        match out {
            Ok(edits) => Ok(Some(edits)),
            Err(e) => Err(Error::invalid_params(format!("not formatted: {e}"))),
        }
    }

    async fn range_formatting(
        &self,
        p: DocumentRangeFormattingParams,
    ) -> Result<Option<Vec<TextEdit>>> {
        let Some(s) = self.snapshot(&p.text_document.uri) else {
            return Ok(None);
        };
        let (a, mut b) = (p.range.start.line as usize, p.range.end.line as usize);
        // The end is exclusive: a range ending at the start of a line (a selection of
        // whole lines) does not include that line.
        if p.range.end.character == 0 && b > a {
            b -= 1;
        }
        let out = self
            .text_only("range formatting", move || {
                format::format_range(&s.text, a, b).map(|edits| text_edits(&s.doc, edits, s.enc))
            })
            .await?;
        match out {
            Ok(edits) => Ok(Some(edits)),
            Err(e) => Err(Error::invalid_params(format!("not formatted: {e}"))),
        }
    }

    async fn on_type_formatting(
        &self,
        p: DocumentOnTypeFormattingParams,
    ) -> Result<Option<Vec<TextEdit>>> {
        let uri = &p.text_document_position.text_document.uri;
        let Some(s) = self.snapshot(uri) else {
            return Ok(None);
        };
        let line = p.text_document_position.position.line as usize;
        self.text_only("on-type formatting", move || {
            let want = format::indent_for_line(&s.text, line)?;
            if line >= s.doc.rope.len_lines() {
                return None;
            }
            let text = s.doc.rope.line(line).to_string();
            let have = text.len() - text.trim_start_matches([' ', '\t']).len();
            if text[..have].chars().all(|c| c == ' ') && have == want {
                return Some(Vec::new());
            }
            let start = s.doc.rope.line_to_byte(line);
            Some(vec![TextEdit {
                range: s.doc.range(start, start + have, s.enc),
                new_text: " ".repeat(want),
            }])
        })
        .await
    }

    async fn completion(&self, p: CompletionParams) -> Result<Option<CompletionResponse>> {
        let pos = p.text_document_position;
        let Some(s) = self.snapshot(&pos.text_document.uri) else {
            return Ok(None);
        };
        let off = s.doc.offset(pos.position, s.enc);
        // At an import item: the names the module exports; elsewhere, names in scope.
        let (exports, entries) = self
            .analyzed("completion", move || {
                let c = s.ctx();
                match features::import_completions(&c, off) {
                    Some(list) => (Some(list), Vec::new()),
                    None => (None, features::completions(&c, off)),
                }
            })
            .await?;
        if let Some(list) = exports {
            let items = list
                .into_iter()
                .map(|x| CompletionItem {
                    kind: Some(match x.kind {
                        DefKind::Fn => CompletionItemKind::FUNCTION,
                        DefKind::Class => CompletionItemKind::CLASS,
                        DefKind::Ns => CompletionItemKind::MODULE,
                        DefKind::Enum => CompletionItemKind::ENUM,
                        DefKind::Import | DefKind::Member => CompletionItemKind::VARIABLE,
                    }),
                    detail: Some("export".into()),
                    label: x.name,
                    ..Default::default()
                })
                .collect();
            return Ok(Some(CompletionResponse::Array(items)));
        }
        let snippets = self.state.lock().map(|st| st.snippets).unwrap_or(false);
        // The analysis orders entries (the receiver's class first): keep that order.
        let items = entries
            .into_iter()
            .enumerate()
            .map(|(i, e)| CompletionItem {
                sort_text: Some(format!("{i:05}")),
                kind: Some(match e.kind {
                    complete::EntryKind::Variable => CompletionItemKind::VARIABLE,
                    complete::EntryKind::Parameter => CompletionItemKind::VARIABLE,
                    complete::EntryKind::Function => CompletionItemKind::FUNCTION,
                    complete::EntryKind::Class => CompletionItemKind::CLASS,
                    complete::EntryKind::Namespace => CompletionItemKind::MODULE,
                    complete::EntryKind::Keyword => CompletionItemKind::KEYWORD,
                    complete::EntryKind::Method => CompletionItemKind::METHOD,
                    complete::EntryKind::Enum => CompletionItemKind::ENUM,
                    complete::EntryKind::Variant => CompletionItemKind::ENUM_MEMBER,
                }),
                detail: e.detail,
                // A client without snippets gets the plain keyword.
                insert_text_format: (e.snippet && snippets).then_some(InsertTextFormat::SNIPPET),
                insert_text: if e.snippet && !snippets {
                    None
                } else {
                    e.insert
                },
                tags: e.deprecated.then(|| vec![CompletionItemTag::DEPRECATED]),
                label: e.label,
                ..Default::default()
            })
            .collect();
        Ok(Some(CompletionResponse::Array(items)))
    }

    async fn completion_resolve(&self, mut item: CompletionItem) -> Result<CompletionItem> {
        let label = item.label.clone();
        let doc = self
            .text_only("completion resolve", move || {
                complete::documentation(&label)
            })
            .await?;
        if let Some(d) = doc {
            item.documentation = Some(Documentation::MarkupContent(MarkupContent {
                kind: MarkupKind::Markdown,
                value: d,
            }));
        }
        Ok(item)
    }

    async fn signature_help(&self, p: SignatureHelpParams) -> Result<Option<SignatureHelp>> {
        let pos = p.text_document_position_params;
        let Some(s) = self.snapshot(&pos.text_document.uri) else {
            return Ok(None);
        };
        let off = s.doc.offset(pos.position, s.enc);
        let sig = self
            .analyzed("signature help", move || {
                features::signature_help(&s.ctx(), off)
            })
            .await?;
        Ok(sig.map(|g| {
            let parameters = parameter_labels(&g.label, g.params)
                .into_iter()
                .map(|label| ParameterInformation {
                    label,
                    documentation: None,
                })
                .collect();
            SignatureHelp {
                active_signature: Some(0),
                active_parameter: Some(g.active as u32),
                signatures: vec![SignatureInformation {
                    label: g.label,
                    documentation: g.doc.map(Documentation::String),
                    parameters: Some(parameters),
                    active_parameter: Some(g.active as u32),
                }],
            }
        }))
    }

    async fn code_action(&self, p: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let Some(s) = self.snapshot(&p.text_document.uri) else {
            return Ok(None);
        };
        let range = p.range;
        self.analyzed("code actions", move || {
            features::code_actions(&s.ctx(), range, &s.config)
        })
        .await
        .map(Some)
    }

    async fn inlay_hint(&self, p: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        let Some(s) = self.snapshot(&p.text_document.uri) else {
            return Ok(None);
        };
        let range = p.range;
        self.analyzed("inlay hints", move || {
            features::inlay_hints(&s.ctx(), range)
        })
        .await
        .map(Some)
    }

    async fn hover(&self, p: HoverParams) -> Result<Option<Hover>> {
        let Some((s, off)) = self.at(&p.text_document_position_params) else {
            return Ok(None);
        };
        self.analyzed("hover", move || features::hover(&s.ctx(), off))
            .await
    }

    async fn goto_definition(
        &self,
        p: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let Some((s, off)) = self.at(&p.text_document_position_params) else {
            return Ok(None);
        };
        self.analyzed("definition", move || features::definition(&s.ctx(), off))
            .await
    }

    async fn references(&self, p: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let Some((s, off)) = self.at(&p.text_document_position) else {
            return Ok(None);
        };
        let decl = p.context.include_declaration;
        let files = self.program_files();
        self.analyzed("references", move || {
            features::references(&s.ctx(), off, decl, &files)
        })
        .await
        .map(Some)
    }

    async fn document_highlight(
        &self,
        p: DocumentHighlightParams,
    ) -> Result<Option<Vec<DocumentHighlight>>> {
        let Some((s, off)) = self.at(&p.text_document_position_params) else {
            return Ok(None);
        };
        self.analyzed("highlight", move || features::highlights(&s.ctx(), off))
            .await
            .map(Some)
    }

    async fn prepare_rename(
        &self,
        p: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        let Some((s, off)) = self.at(&p) else {
            return Ok(None);
        };
        match self
            .analyzed("prepare rename", move || {
                features::prepare_rename(&s.ctx(), off)
            })
            .await?
        {
            Ok(r) => Ok(Some(r)),
            Err(msg) => Err(refused(msg)),
        }
    }

    async fn rename(&self, p: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let Some((s, off)) = self.at(&p.text_document_position) else {
            return Ok(None);
        };
        let name = p.new_name;
        let files = self.program_files();
        match self
            .analyzed("rename", move || {
                features::rename(&s.ctx(), off, &name, &files)
            })
            .await?
        {
            Ok(e) => Ok(Some(e)),
            Err(msg) => Err(refused(msg)),
        }
    }

    async fn document_symbol(
        &self,
        p: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        let Some(s) = self.snapshot(&p.text_document.uri) else {
            return Ok(None);
        };
        self.analyzed("document symbols", move || {
            features::document_symbols(&s.ctx())
        })
        .await
        .map(Some)
    }

    async fn semantic_tokens_full(
        &self,
        p: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        let uri = p.text_document.uri;
        let Some(data) = self.all_tokens(&uri).await? else {
            return Ok(None);
        };
        let id = self.remember_tokens(&uri, data.clone());
        Ok(Some(SemanticTokensResult::Tokens(SemanticTokens {
            result_id: Some(id),
            data,
        })))
    }

    async fn semantic_tokens_full_delta(
        &self,
        p: SemanticTokensDeltaParams,
    ) -> Result<Option<SemanticTokensFullDeltaResult>> {
        let uri = p.text_document.uri;
        let Some(data) = self.all_tokens(&uri).await? else {
            return Ok(None);
        };
        let previous = self
            .state
            .lock()
            .ok()
            .and_then(|st| st.tokens.get(&uri).cloned())
            .filter(|(id, _)| *id == p.previous_result_id);
        let id = self.remember_tokens(&uri, data.clone());
        Ok(Some(match previous {
            Some((_, old)) => SemanticTokensFullDeltaResult::TokensDelta(SemanticTokensDelta {
                result_id: Some(id),
                edits: features::tokens_delta(&old, &data),
            }),
            None => SemanticTokensFullDeltaResult::Tokens(SemanticTokens {
                result_id: Some(id),
                data,
            }),
        }))
    }

    async fn semantic_tokens_range(
        &self,
        p: SemanticTokensRangeParams,
    ) -> Result<Option<SemanticTokensRangeResult>> {
        let Some(s) = self.snapshot(&p.text_document.uri) else {
            return Ok(None);
        };
        let r = p.range;
        let data = self
            .analyzed("semantic tokens", move || {
                features::semantic_tokens(&s.ctx(), Some(r))
            })
            .await?;
        Ok(Some(SemanticTokensRangeResult::Tokens(SemanticTokens {
            result_id: None,
            data,
        })))
    }

    async fn did_change_configuration(&self, p: DidChangeConfigurationParams) {
        let open: Vec<(Uri, i32)> = {
            let Ok(mut st) = self.state.lock() else {
                return;
            };
            st.config = diagnostics::config_from(&p.settings);
            st.docs
                .iter()
                .map(|(u, d)| (u.clone(), d.version))
                .collect()
        };
        for (uri, version) in open {
            self.schedule_diagnostics(uri, version);
        }
    }

    async fn folding_range(&self, p: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        let Some(s) = self.snapshot(&p.text_document.uri) else {
            return Ok(None);
        };
        let folds = self
            .text_only("folding", move || structure::folding_ranges(&s.text))
            .await?;
        Ok(Some(
            folds
                .into_iter()
                .map(|f| FoldingRange {
                    start_line: f.start_line as u32,
                    end_line: f.end_line as u32,
                    kind: Some(match f.kind {
                        structure::FoldKind::Comment => FoldingRangeKind::Comment,
                        structure::FoldKind::Region => FoldingRangeKind::Region,
                    }),
                    ..Default::default()
                })
                .collect(),
        ))
    }

    async fn selection_range(
        &self,
        p: SelectionRangeParams,
    ) -> Result<Option<Vec<SelectionRange>>> {
        let Some(s) = self.snapshot(&p.text_document.uri) else {
            return Ok(None);
        };
        self.text_only("selection ranges", move || {
            let mut out = Vec::new();
            for pos in p.positions {
                let off = s.doc.offset(pos, s.enc);
                let spans = structure::selection_ranges(&s.text, off);
                // Innermost first: build the parent chain from the outside in.
                let mut parent: Option<Box<SelectionRange>> = None;
                for sp in spans.iter().rev() {
                    parent = Some(Box::new(SelectionRange {
                        range: s.doc.range(sp.start as usize, sp.end as usize, s.enc),
                        parent,
                    }));
                }
                if let Some(p) = parent {
                    out.push(*p);
                }
            }
            Some(out)
        })
        .await
    }
}
