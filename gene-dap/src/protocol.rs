//! DAP message shapes we emit, the thread-safe output [`Sink`], and the [`Session`] trait the
//! transport dispatches to. Requests are kept as raw JSON here: typed parsing belongs to the
//! session, so that unknown or custom commands still reach it with their `seq` intact.

use serde_json::{json, Map, Value};
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

/// One client request, validated only as far as the transport needs: an object with an
/// integer `seq`, a string `command` and `"type": "request"`.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub seq: i64,
    pub command: String,
    /// `Value::Null` when the request had no `arguments`.
    pub arguments: Value,
}

/// Thread-safe, cheaply clonable writer of framed DAP messages.
///
/// Owns the outgoing `seq` counter. Each message is serialised and written under one lock
/// with one `write_all` + `flush`, so events sent from other threads never interleave inside
/// a frame, and `seq` is assigned under the same lock so it increases along the stream.
/// A failed write marks the sink closed; later writes are dropped silently.
#[derive(Clone)]
pub struct Sink {
    inner: Arc<Inner>,
}

struct Inner {
    writer: Mutex<Box<dyn Write + Send>>,
    seq: AtomicI64,
    closed: AtomicBool,
}

impl Sink {
    pub fn new(w: Box<dyn Write + Send>) -> Sink {
        Sink {
            inner: Arc::new(Inner {
                writer: Mutex::new(w),
                seq: AtomicI64::new(1),
                closed: AtomicBool::new(false),
            }),
        }
    }

    /// Successful response to `req`; `body` is omitted when `Null`.
    pub fn ok(&self, req: &Request, body: Value) {
        let mut msg = Map::new();
        msg.insert("type".into(), "response".into());
        msg.insert("request_seq".into(), req.seq.into());
        msg.insert("command".into(), req.command.clone().into());
        msg.insert("success".into(), true.into());
        if !body.is_null() {
            msg.insert("body".into(), body);
        }
        self.send(msg);
    }

    /// Failed response. `command` is always present (some clients crash without it) and the
    /// message is repeated as a structured `Message` so VS Code shows it to the user.
    pub fn error(&self, request_seq: i64, command: &str, message: &str) {
        let mut msg = Map::new();
        msg.insert("type".into(), "response".into());
        msg.insert("request_seq".into(), request_seq.into());
        msg.insert("command".into(), command.into());
        msg.insert("success".into(), false.into());
        msg.insert("message".into(), message.into());
        msg.insert(
            "body".into(),
            json!({ "error": { "id": 1, "format": message, "showUser": true } }),
        );
        self.send(msg);
    }

    /// Event `event`; `body` is omitted when `Null`.
    pub fn event(&self, event: &str, body: Value) {
        let mut msg = Map::new();
        msg.insert("type".into(), "event".into());
        msg.insert("event".into(), event.into());
        if !body.is_null() {
            msg.insert("body".into(), body);
        }
        self.send(msg);
    }

    /// True once a write failed (the client went away).
    pub fn closed(&self) -> bool {
        self.inner.closed.load(Ordering::SeqCst)
    }

    fn send(&self, mut msg: Map<String, Value>) {
        if self.closed() {
            return;
        }
        // A panic while holding the lock can only come from the writer itself; the stream
        // is still usable (or will fail and close us), so ignore the poison.
        let mut writer = match self.inner.writer.lock() {
            Ok(w) => w,
            Err(poisoned) => poisoned.into_inner(),
        };
        let seq = self.inner.seq.fetch_add(1, Ordering::SeqCst);
        msg.insert("seq".into(), seq.into());
        let Ok(body) = serde_json::to_vec(&msg) else {
            return;
        };
        let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        frame.extend_from_slice(&body);
        if writer
            .write_all(&frame)
            .and_then(|()| writer.flush())
            .is_err()
        {
            self.inner.closed.store(true, Ordering::SeqCst);
        }
    }
}

/// The debugging session behind the transport. `serve` calls it from one thread; it may hand
/// `Sink` clones to others (e.g. the VM thread) to answer later or emit events.
pub trait Session: Send {
    /// Handle one request. Must answer it through `sink` (ok or error), possibly later from
    /// another thread.
    fn handle(&mut self, req: Request, sink: &Sink);
    /// True once the session is over (disconnect/terminate finished): `serve` returns.
    fn finished(&self) -> bool;
    /// The client went away (EOF/broken pipe) or `serve` is returning: stop the program,
    /// release everything. Called exactly once.
    fn shutdown(&mut self);
}

/// Standard answer for a command the session does not implement.
pub fn unknown_command(req: &Request, sink: &Sink) {
    sink.error(
        req.seq,
        &req.command,
        &format!("Unknown command: {}", req.command),
    );
}
