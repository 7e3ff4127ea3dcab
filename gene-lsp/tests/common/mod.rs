//! An in-process LSP client for the tests: the server's real loop
//! (`gene_lsp::serve`: `tower_lsp_server::Server` running `gene_lsp::Backend`) runs
//! over an in-memory duplex pipe, and this client speaks framed
//! JSON-RPC to it, like an editor would. Responses are routed to the request that
//! waits for them; notifications (publishDiagnostics, logMessage...) are queued for
//! the test to inspect; requests from the server (client/registerCapability) are
//! recorded and answered with `null`.
#![allow(dead_code)] // Each test binary uses a different part of the harness.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream, ReadHalf, WriteHalf};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// How long any single wait may take before the test fails (the machine is shared).
pub const TIMEOUT: Duration = Duration::from_secs(20);

type Writer = Arc<tokio::sync::Mutex<WriteHalf<DuplexStream>>>;

pub struct Client {
    writer: Writer,
    pending: Arc<Mutex<HashMap<i64, oneshot::Sender<Value>>>>,
    notes: mpsc::UnboundedReceiver<Value>,
    /// Notifications received but not yet consumed by a `wait_*`.
    queued: VecDeque<Value>,
    /// Requests the server sent to us.
    pub server_requests: Arc<Mutex<Vec<Value>>>,
    next_id: i64,
    pub server: JoinHandle<()>,
    reader: JoinHandle<()>,
}

pub fn frame(body: &str) -> Vec<u8> {
    let mut v = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    v.extend_from_slice(body.as_bytes());
    v
}

/// Reads one `Content-Length` frame; `None` at the end of the stream.
async fn read_frame(r: &mut ReadHalf<DuplexStream>, buf: &mut Vec<u8>) -> Option<Value> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let header = std::str::from_utf8(&buf[..end]).expect("ASCII headers");
            let len: usize = header
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .expect("a Content-Length header")
                .trim()
                .parse()
                .expect("a length");
            if buf.len() >= end + 4 + len {
                let body: Vec<u8> = buf.drain(..end + 4 + len).skip(end + 4).collect();
                return Some(serde_json::from_slice(&body).expect("the server sends JSON"));
            }
        }
        let mut chunk = [0u8; 8192];
        let n = r.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

impl Client {
    /// Starts a server; nothing is sent yet.
    pub fn spawn() -> Client {
        Client::spawn_with(true)
    }

    /// A client that records the server's requests but never answers them (an
    /// editor that hangs or went away) when `answer` is false.
    pub fn spawn_with(answer: bool) -> Client {
        let (client_end, server_end) = tokio::io::duplex(1 << 20);
        let (server_read, server_write) = tokio::io::split(server_end);
        // What the binary runs: `gene_lsp::Backend` in a `tower_lsp_server::LspService`,
        // served by `tower_lsp_server::Server` behind the frame checker.
        let server = tokio::spawn(gene_lsp::serve(server_read, server_write));
        let (mut read, write) = tokio::io::split(client_end);
        let writer: Writer = Arc::new(tokio::sync::Mutex::new(write));
        let pending: Arc<Mutex<HashMap<i64, oneshot::Sender<Value>>>> = Arc::default();
        let server_requests: Arc<Mutex<Vec<Value>>> = Arc::default();
        let (tx, notes) = mpsc::unbounded_channel();
        let reader = {
            let (writer, pending, server_requests) =
                (writer.clone(), pending.clone(), server_requests.clone());
            tokio::spawn(async move {
                let mut buf = Vec::new();
                while let Some(msg) = read_frame(&mut read, &mut buf).await {
                    let has_id = msg.get("id").is_some_and(|i| !i.is_null());
                    match (msg.get("method").is_some(), has_id) {
                        // A request from the server: record it and answer `null`.
                        (true, true) => {
                            let reply = json!({"jsonrpc": "2.0", "id": msg["id"], "result": null});
                            server_requests.lock().unwrap().push(msg);
                            if answer {
                                let mut w = writer.lock().await;
                                let _ = w.write_all(&frame(&reply.to_string())).await;
                            }
                        }
                        (true, false) => {
                            let _ = tx.send(msg);
                        }
                        (false, _) => {
                            let id = msg["id"].as_i64();
                            let waiter = id.and_then(|id| pending.lock().unwrap().remove(&id));
                            match waiter {
                                Some(w) => {
                                    let _ = w.send(msg);
                                }
                                // An error without an id (a message that did not parse).
                                None => {
                                    let _ = tx.send(msg);
                                }
                            }
                        }
                    }
                }
            })
        };
        Client {
            writer,
            pending,
            notes,
            queued: VecDeque::new(),
            server_requests,
            next_id: 1,
            server,
            reader,
        }
    }

    /// Starts a server, runs `initialize` with these params and sends `initialized`.
    /// Returns the client and the `InitializeResult`.
    pub async fn start(params: Value) -> (Client, Value) {
        let mut c = Client::spawn();
        let caps = c
            .request("initialize", params)
            .await
            .expect("initialize succeeds");
        c.notify("initialized", json!({})).await;
        (c, caps)
    }

    /// A server for a client with plain capabilities (UTF-16, push diagnostics).
    pub async fn start_default() -> Client {
        Client::start(json!({"capabilities": {}})).await.0
    }

    pub async fn send_raw(&self, bytes: &[u8]) {
        let mut w = self.writer.lock().await;
        w.write_all(bytes).await.expect("the server reads");
        w.flush().await.expect("flush");
    }

    /// Closes the client's end of the pipe (the editor went away).
    pub async fn close_input(&self) {
        self.writer.lock().await.shutdown().await.expect("shutdown");
    }

    pub async fn send(&self, msg: Value) {
        self.send_raw(&frame(&msg.to_string())).await;
    }

    pub async fn notify(&self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}))
            .await;
    }

    /// Sends a request without waiting; `response` waits for it.
    pub async fn send_request(&mut self, method: &str, params: Value) -> oneshot::Receiver<Value> {
        let id = self.next_id;
        self.next_id += 1;
        let (tx, rx) = oneshot::channel();
        self.pending.lock().unwrap().insert(id, tx);
        let mut msg = json!({"jsonrpc": "2.0", "id": id, "method": method});
        if !params.is_null() {
            msg["params"] = params;
        }
        self.send(msg).await;
        rx
    }

    /// The result of a request, or its error object.
    pub async fn request(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        let rx = self.send_request(method, params).await;
        Self::response(method, rx).await
    }

    pub async fn response(method: &str, rx: oneshot::Receiver<Value>) -> Result<Value, Value> {
        let msg = tokio::time::timeout(TIMEOUT, rx)
            .await
            .unwrap_or_else(|_| panic!("no response to {method} in {TIMEOUT:?}"))
            .expect("the reader is alive");
        match msg.get("error") {
            Some(e) => Err(e.clone()),
            None => Ok(msg["result"].clone()),
        }
    }

    /// A request that must succeed.
    pub async fn ok(&mut self, method: &str, params: Value) -> Value {
        match self.request(method, params).await {
            Ok(v) => v,
            Err(e) => panic!("{method} failed: {e}"),
        }
    }

    /// A request that must fail; returns the error object.
    pub async fn err(&mut self, method: &str, params: Value) -> Value {
        match self.request(method, params).await {
            Ok(v) => panic!("{method} succeeded with {v}, expected an error"),
            Err(e) => e,
        }
    }

    async fn next_note(&mut self, deadline: tokio::time::Instant) -> Option<Value> {
        tokio::time::timeout_at(deadline, self.notes.recv())
            .await
            .ok()
            .flatten()
    }

    /// Waits for the first notification matching `pred` (others stay queued).
    pub async fn wait_for(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.queued.iter().position(&pred) {
            return self.queued.remove(i).unwrap();
        }
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        loop {
            match self.next_note(deadline).await {
                Some(n) if pred(&n) => return n,
                Some(n) => self.queued.push_back(n),
                None => panic!("no {what} in {TIMEOUT:?}; got {:?}", self.queued),
            }
        }
    }

    /// Every notification received within `d` (queued ones first), consumed.
    pub async fn collect_for(&mut self, d: Duration) -> Vec<Value> {
        let mut out: Vec<Value> = self.queued.drain(..).collect();
        let deadline = tokio::time::Instant::now() + d;
        while let Some(n) = self.next_note(deadline).await {
            out.push(n);
        }
        out
    }

    /// The next `publishDiagnostics` for `uri` (with any version).
    pub async fn diagnostics(&mut self, uri: &str) -> Value {
        let uri = uri.to_string();
        self.wait_for("publishDiagnostics", move |n| {
            n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri
        })
        .await["params"]
            .clone()
    }

    /// The `publishDiagnostics` for `uri` at `version` (earlier ones are skipped).
    pub async fn diagnostics_at(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let uri = uri.to_string();
        let p = self
            .wait_for("publishDiagnostics at a version", move |n| {
                n["method"] == "textDocument/publishDiagnostics"
                    && n["params"]["uri"] == uri
                    && n["params"]["version"] == version
            })
            .await;
        p["params"]["diagnostics"].as_array().unwrap().clone()
    }

    pub async fn open(&self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "gene", "version": version, "text": text}}),
        )
        .await;
    }

    /// Opens a document and waits for its first diagnostics (so it is analysed).
    pub async fn open_and_wait(&mut self, uri: &str, text: &str) -> Vec<Value> {
        self.open(uri, 1, text).await;
        self.diagnostics_at(uri, 1).await
    }

    /// One incremental change: `((line, character), (line, character))` and the text.
    pub async fn change(&self, uri: &str, version: i64, edits: &[(Value, &str)]) {
        let changes: Vec<Value> = edits
            .iter()
            .map(|(range, text)| {
                if range.is_null() {
                    json!({"text": text})
                } else {
                    json!({"range": range, "text": text})
                }
            })
            .collect();
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        )
        .await;
    }

    /// `shutdown`, `exit`, and the server's loop must end promptly.
    pub async fn shutdown_and_exit(mut self) {
        let r = self.ok("shutdown", Value::Null).await;
        assert!(r.is_null());
        self.notify("exit", Value::Null).await;
        self.wait_exit().await;
    }

    pub async fn wait_exit(self) {
        tokio::time::timeout(Duration::from_secs(5), self.server)
            .await
            .expect("the server loop ends promptly after exit")
            .expect("the server task did not panic");
        self.reader.abort();
    }
}

pub fn range(l1: u32, c1: u32, l2: u32, c2: u32) -> Value {
    json!({"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}})
}

pub fn pos(line: u32, character: u32) -> Value {
    json!({"line": line, "character": character})
}

pub fn doc_pos(uri: &str, line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": uri}, "position": pos(line, character)})
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Enc {
    Utf8,
    Utf16,
}

/// The byte offset of an LSP position (an independent implementation of the
/// conversion, so the tests check the server's).
pub fn offset_of(text: &str, p: &Value, enc: Enc) -> usize {
    let line = p["line"].as_u64().unwrap() as usize;
    let ch = p["character"].as_u64().unwrap() as usize;
    let mut start = 0;
    for _ in 0..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let line_text = &text[start..];
    let line_text = &line_text[..line_text.find('\n').unwrap_or(line_text.len())];
    let mut units = 0;
    for (i, c) in line_text.char_indices() {
        if units >= ch {
            return start + i;
        }
        units += match enc {
            Enc::Utf8 => c.len_utf8(),
            Enc::Utf16 => c.len_utf16(),
        };
    }
    start + line_text.len()
}

/// The LSP position of a byte offset.
pub fn position_of(text: &str, offset: usize, enc: Enc) -> (u32, u32) {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col: usize = before[line_start..]
        .chars()
        .map(|c| match enc {
            Enc::Utf8 => c.len_utf8(),
            Enc::Utf16 => c.len_utf16(),
        })
        .sum();
    (line as u32, col as u32)
}

/// The position of the first occurrence of `needle` (plus `delta` bytes) as JSON.
pub fn pos_of(text: &str, needle: &str, delta: usize, enc: Enc) -> Value {
    let i = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in the text"));
    let (l, c) = position_of(text, i + delta, enc);
    pos(l, c)
}

/// The text a range covers.
pub fn text_at(text: &str, r: &Value, enc: Enc) -> String {
    let a = offset_of(text, &r["start"], enc);
    let b = offset_of(text, &r["end"], enc);
    text[a..b].to_string()
}

/// Applies LSP `TextEdit`s (non-overlapping, any order) to a text.
pub fn apply_edits(text: &str, edits: &[Value], enc: Enc) -> String {
    let mut spans: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            (
                offset_of(text, &e["range"]["start"], enc),
                offset_of(text, &e["range"]["end"], enc),
                e["newText"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    spans.sort_by_key(|(a, b, _)| std::cmp::Reverse((*a, *b)));
    let mut out = text.to_string();
    for (a, b, t) in spans {
        out.replace_range(a..b, &t);
    }
    out
}

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let p = std::env::temp_dir().join(format!(
            "gene-lsp-test-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    pub fn uri(&self) -> String {
        file_uri(&self.0)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn file_uri(p: &Path) -> String {
    format!("file://{}", p.display())
}
