//! Shared test harness: a strict frame reader and, for in-process tests, a mock session and
//! writers/readers with awkward behaviour.
// Each test crate uses a different subset.
#![allow(dead_code)]

use gene_dap::{serve, unknown_command, Request, Session, Sink};
use serde_json::{json, Value};
use std::io::{self, BufRead, Cursor, Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

#[derive(Clone, Default)]
pub struct SharedBuf(pub Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Writes at most 7 bytes per call and yields in between: a sink that did not hold its lock
/// for the whole frame would interleave frames through it.
pub struct SlowWriter(pub SharedBuf);

impl Write for SlowWriter {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        thread::yield_now();
        self.0.write(&b[..b.len().min(7)])
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

pub struct FailingWriter;

impl Write for FailingWriter {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::ErrorKind::BrokenPipe.into())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Returns its input one byte per `read`, to split headers and bodies at every position.
pub struct OneByte(pub Cursor<Vec<u8>>);

impl Read for OneByte {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(1);
        self.0.read(&mut buf[..n])
    }
}

#[derive(Clone, Default)]
pub struct Log {
    pub handled: Arc<Mutex<Vec<Request>>>,
    pub shutdowns: Arc<AtomicUsize>,
}

impl Log {
    pub fn commands(&self) -> Vec<String> {
        let handled = self.handled.lock().unwrap();
        handled.iter().map(|r| r.command.clone()).collect()
    }
    pub fn shutdowns(&self) -> usize {
        self.shutdowns.load(Ordering::SeqCst)
    }
}

pub struct Mock {
    log: Log,
    finished: bool,
}

impl Session for Mock {
    fn handle(&mut self, req: Request, sink: &Sink) {
        self.log.handled.lock().unwrap().push(req.clone());
        match req.command.as_str() {
            "panic_str" => panic!("boom"),
            "panic_string" => panic!("boom {}", req.seq),
            "finish" => {
                self.finished = true;
                sink.ok(&req, Value::Null);
            }
            "events" => {
                sink.event("tick", json!({ "n": 1 }));
                sink.event("tock", Value::Null);
                sink.ok(&req, Value::Null);
            }
            "unknown" => unknown_command(&req, sink),
            _ => sink.ok(&req, json!({ "echo": req.command, "args": req.arguments })),
        }
    }
    fn finished(&self) -> bool {
        self.finished
    }
    fn shutdown(&mut self) {
        self.log.shutdowns.fetch_add(1, Ordering::SeqCst);
    }
}

pub fn mock() -> (Mock, Log) {
    let log = Log::default();
    let session = Mock {
        log: log.clone(),
        finished: false,
    };
    (session, log)
}

pub fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

pub fn req(seq: i64, command: &str) -> Vec<u8> {
    frame(&json!({ "seq": seq, "type": "request", "command": command }).to_string())
}

/// Reads one frame exactly as a strict client would; None at a clean EOF.
pub fn read_frame(r: &mut impl BufRead) -> Option<Value> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap() == 0 {
            assert!(len.is_none(), "EOF inside a header");
            return None;
        }
        match line.strip_suffix("\r\n").unwrap() {
            "" => break,
            h => len = Some(h.strip_prefix("Content-Length: ").unwrap().parse().unwrap()),
        }
    }
    let mut body = vec![0; len.unwrap()];
    r.read_exact(&mut body).unwrap();
    Some(serde_json::from_slice(&body).unwrap())
}

pub fn parse_frames(bytes: &[u8]) -> Vec<Value> {
    let mut r = Cursor::new(bytes);
    std::iter::from_fn(|| read_frame(&mut r)).collect()
}

pub fn run_on(input: impl Read) -> (Vec<Value>, Log) {
    let out = SharedBuf::default();
    let sink = Sink::new(Box::new(out.clone()));
    let (mut session, log) = mock();
    serve(input, &sink, &mut session);
    let bytes = out.0.lock().unwrap().clone();
    (parse_frames(&bytes), log)
}

pub fn run(input: &[u8]) -> (Vec<Value>, Log) {
    run_on(Cursor::new(input.to_vec()))
}

/// Asserts `v` is an error response with these ids whose message contains `needle`.
pub fn assert_error(v: &Value, seq: i64, command: &str, needle: &str) {
    assert_eq!(v["type"], "response", "{v}");
    assert_eq!(v["success"], false, "{v}");
    assert_eq!(v["request_seq"], seq, "{v}");
    assert_eq!(v["command"], command, "{v}");
    let message = v["message"].as_str().unwrap();
    assert!(message.contains(needle), "{message:?} lacks {needle:?}");
    assert_eq!(v["body"]["error"]["format"], message);
    assert_eq!(v["body"]["error"]["showUser"], true);
}

pub fn assert_ok(v: &Value, seq: i64, command: &str) {
    assert_eq!(v["type"], "response", "{v}");
    assert_eq!(v["success"], true, "{v}");
    assert_eq!(v["request_seq"], seq, "{v}");
    assert_eq!(v["command"], command, "{v}");
}

pub fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}
