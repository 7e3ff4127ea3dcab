//! Arbitrary bytes as the language server's stdin: the real loop
//! (`gene_lsp::serve`: tower-lsp-server's `Server` running `gene_lsp::Backend`)
//! reads them from memory, in fuzzer-chosen chunk sizes. It must not panic or hang
//! (each run is bounded: it must end within a few seconds once the input ends), and
//! everything it writes must be well-formed frames of JSON-RPC messages.
//!
//! The first byte chooses the chunk size and whether a valid `initialize` /
//! `initialized` / `didOpen` prefix comes first (so the random rest reaches the
//! handlers). Inputs naming workspace roots are skipped: indexing a real folder
//! of this machine is not what is fuzzed here.
#![no_main]

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Hands out the input in chunks of a fuzzer-chosen size, to split frames anywhere.
struct Chunked<'a> {
    data: &'a [u8],
    chunk: usize,
}

impl AsyncRead for Chunked<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = buf.remaining().min(self.chunk).min(self.data.len());
        let (a, b) = self.data.split_at(n);
        buf.put_slice(a);
        self.data = b;
        Poll::Ready(Ok(()))
    }
}

#[derive(Clone, Default)]
struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl AsyncWrite for SharedBuf {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, b: &[u8]) -> Poll<io::Result<usize>> {
        self.0.lock().unwrap().extend_from_slice(b);
        Poll::Ready(Ok(b.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

fn frame(v: &Value) -> Vec<u8> {
    let body = v.to_string();
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

fn prefix(bits: u8) -> Vec<u8> {
    let mut caps = json!({});
    if bits & 1 != 0 {
        caps["general"] = json!({"positionEncodings": ["utf-8"]});
    }
    if bits & 2 != 0 {
        caps["textDocument"] = json!({"diagnostic": {}});
    }
    if bits & 4 != 0 {
        caps["workspace"] = json!({"didChangeWatchedFiles": {"dynamicRegistration": true}});
    }
    let mut out = frame(
        &json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": caps}}),
    );
    out.extend(frame(
        &json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
    ));
    out.extend(frame(&json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": "file:///f.gene", "languageId": "gene", "version": 1,
        "text": "(fn add [a b] (a + b))\n(var s \"é😀\")\n(println (add 1 2) s)\n(sleep_async 1)\n"
    }}})));
    out
}

/// Our own output, parsed strictly: `Content-Length: N\r\n\r\n` + N bytes of a
/// JSON-RPC 2.0 message.
fn check_output(mut out: &[u8]) {
    while !out.is_empty() {
        let end = out
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a header end");
        let header = std::str::from_utf8(&out[..end]).expect("an ASCII header");
        let len: usize = header
            .strip_prefix("Content-Length: ")
            .expect("a Content-Length header")
            .parse()
            .expect("a length");
        let body = &out[end + 4..end + 4 + len];
        let v: Value = serde_json::from_slice(body).expect("valid JSON");
        assert_eq!(v["jsonrpc"], "2.0", "{v}");
        assert!(
            v.get("method").is_some() || v.get("result").is_some() || v.get("error").is_some(),
            "{v}"
        );
        out = &out[end + 4 + len..];
    }
}

fn names_a_root(data: &[u8]) -> bool {
    [&b"root"[..], b"orkspaceFolders"]
        .iter()
        .any(|k| data.windows(k.len()).any(|w| w.eq_ignore_ascii_case(k)))
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    if names_a_root(rest) {
        return;
    }
    let chunk = match first & 0x0f {
        0 => 1 << 16,
        n => usize::from(n),
    };
    let mut input = if first & 0x80 != 0 {
        prefix(first >> 4)
    } else {
        Vec::new()
    };
    input.extend_from_slice(rest);
    let out = SharedBuf::default();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let served = gene_lsp::serve(
            Chunked {
                data: &input,
                chunk,
            },
            out.clone(),
        );
        if tokio::time::timeout(Duration::from_secs(10), served)
            .await
            .is_err()
        {
            panic!("the server did not end within 10 s of the end of its input");
        }
    });
    drop(rt);
    check_output(&out.0.lock().unwrap());
});
