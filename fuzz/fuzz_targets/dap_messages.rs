//! Arbitrary bytes into `serve`: it must not panic, hang or allocate wildly, and everything
//! it writes must be well-formed frames of JSON responses/events.
#![no_main]

use gene_dap::{serve, Request, Session, Sink};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Hands out the input in chunks of a fuzzer-chosen size, to split frames anywhere.
struct Chunked<'a> {
    data: &'a [u8],
    chunk: usize,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.chunk).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

#[derive(Default)]
struct Answering {
    finished: bool,
    shutdowns: usize,
}

impl Session for Answering {
    fn handle(&mut self, req: Request, sink: &Sink) {
        match req.command.as_str() {
            "disconnect" => self.finished = true,
            "event" => sink.event("output", json!({ "output": req.arguments })),
            _ => {}
        }
        sink.ok(&req, json!({ "arguments": req.arguments }));
    }
    fn finished(&self) -> bool {
        self.finished
    }
    fn shutdown(&mut self) {
        self.shutdowns += 1;
    }
}

/// Parses our own output strictly: exactly `Content-Length: N\r\n\r\n` + N bytes of JSON.
fn check_output(mut out: &[u8]) {
    while !out.is_empty() {
        let end = out
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("header end");
        let header = std::str::from_utf8(&out[..end]).expect("ascii header");
        let len: usize = header
            .strip_prefix("Content-Length: ")
            .expect("header")
            .parse()
            .expect("len");
        let body = &out[end + 4..end + 4 + len];
        let v: Value = serde_json::from_slice(body).expect("valid JSON");
        assert!(v["seq"].as_i64().is_some());
        assert!(v["type"] == "response" || v["type"] == "event");
        if v["type"] == "response" {
            assert!(v["command"].is_string() && v["request_seq"].as_i64().is_some());
        }
        out = &out[end + 4 + len..];
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, stream)) = data.split_first() else {
        return;
    };
    let out = SharedBuf::default();
    let sink = Sink::new(Box::new(out.clone()));
    let mut session = Answering::default();
    // Mostly tiny reads (header/body split at every offset), sometimes whole chunks.
    let chunk = if first < 200 {
        usize::from(first) + 1
    } else {
        1 << 16
    };
    serve(
        Chunked {
            data: stream,
            chunk,
        },
        &sink,
        &mut session,
    );
    assert_eq!(session.shutdowns, 1);
    check_output(&out.0.lock().unwrap());
});
