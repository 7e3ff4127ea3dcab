//! The server's message loop: `tower_lsp_server::Server` over stdin/stdout, with
//! the input passed through [`Reframe`] first.
//!
//! tower-lsp-server answers a malformed message with a JSON-RPC error, but its
//! read loop then ends (tokio-util's `FramedRead` yields `None` after a decode
//! error, which the loop takes for the end of the input), and with it the whole
//! server. `Reframe` checks every frame before the server sees it: a well-formed
//! message goes through (with a plain `Content-Length` header); a malformed one
//! becomes a request of [`MALFORMED`], which the service answers with the error
//! tower-lsp-server would have sent (id `null`), and the loop goes on.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tower_lsp_server::jsonrpc::{self, Error, ErrorCode};
use tower_lsp_server::{ClientSocket, LspService, Server};

use crate::Backend;

/// The method a malformed message is turned into; its `params` carry the error.
pub const MALFORMED: &str = "gene/malformedMessage";

/// A header block longer than this without its blank line is not a header.
const MAX_HEADER: usize = 8 * 1024;

/// The largest message body the server reads (as gene-dap). A bigger one is answered
/// with an error and its bytes are skipped as they arrive, never buffered.
pub const MAX_BODY: usize = 64 << 20;

/// The service the binary runs: the backend plus the handler of [`MALFORMED`].
pub fn service() -> (LspService<Backend>, ClientSocket) {
    LspService::build(Backend::new)
        .custom_method(MALFORMED, |_: &Backend, p: Value| {
            let code = p["code"].as_i64().unwrap_or(-32700);
            std::future::ready(Err::<Value, _>(Error {
                code: ErrorCode::from(code),
                message: p["message"]
                    .as_str()
                    .unwrap_or("Parse error")
                    .to_string()
                    .into(),
                data: None,
            }))
        })
        .finish()
}

/// How long the server goes on after its input ended, to answer what it had read.
/// tower-lsp-server would otherwise finish every pending request first: a client
/// that went away with a queue of heavy requests kept the process busy for seconds
/// computing answers nobody reads.
pub const EOF_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// Serves LSP on `input`/`output` until `exit`, or [`EOF_GRACE`] after the end of
/// the input (sooner if nothing is pending).
pub async fn serve<I, O>(input: I, output: O)
where
    I: AsyncRead + Unpin,
    O: AsyncWrite,
{
    let (service, socket) = service();
    let eof = std::sync::Arc::new(tokio::sync::Notify::new());
    let mut reader = Reframe::new(input);
    reader.on_eof = Some(eof.clone());
    tokio::select! {
        _ = Server::new(reader, output, socket).serve(service) => {}
        _ = async {
            eof.notified().await;
            tokio::time::sleep(EOF_GRACE).await;
        } => {}
    }
}

/// An `AsyncRead` that yields only well-formed frames (see the module doc).
pub struct Reframe<R> {
    inner: R,
    /// Bytes read but not yet framed.
    pending: Vec<u8>,
    /// Framed bytes not yet handed out, from `out_at`.
    out: Vec<u8>,
    out_at: usize,
    eof: bool,
    /// Bytes of a refused (too large) body still to skip.
    skip: usize,
    /// Told once when the input ends.
    pub on_eof: Option<std::sync::Arc<tokio::sync::Notify>>,
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut v = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    v.extend_from_slice(body);
    v
}

fn malformed(code: i64, message: &str) -> Vec<u8> {
    let msg = json!({
        "jsonrpc": "2.0",
        "id": null,
        "method": MALFORMED,
        "params": {"code": code, "message": message},
    });
    frame(msg.to_string().as_bytes())
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|i| i + from)
}

/// The body length a header block declares, if it is a valid LSP header.
fn content_length(header: &[u8]) -> Option<usize> {
    let header = std::str::from_utf8(header).ok()?;
    let mut len = None;
    for line in header.split("\r\n") {
        let (name, value) = line.split_once(':')?;
        let (name, value) = (name.trim(), value.trim());
        if name.eq_ignore_ascii_case("Content-Length") {
            len = Some(value.parse::<usize>().ok()?);
        } else if name.eq_ignore_ascii_case("Content-Type") {
            // As tower-lsp-server: a charset, if given, must be UTF-8.
            let charset = value
                .split(';')
                .skip(1)
                .map(str::trim)
                .find_map(|p| p.strip_prefix("charset="));
            if !matches!(charset, None | Some("utf-8" | "utf8")) {
                return None;
            }
        } else if name.is_empty() {
            return None;
        }
    }
    len
}

impl<R> Reframe<R> {
    pub fn new(inner: R) -> Reframe<R> {
        Reframe {
            inner,
            pending: Vec::new(),
            out: Vec::new(),
            out_at: 0,
            eof: false,
            skip: 0,
            on_eof: None,
        }
    }

    /// The next frame to hand out, if `pending` holds one (or garbage to report).
    fn next_frame(&mut self) -> Option<Vec<u8>> {
        loop {
            if self.skip > 0 {
                let n = self.skip.min(self.pending.len());
                self.pending.drain(..n);
                self.skip -= n;
                if self.skip > 0 {
                    return None;
                }
            }
            let Some(end) = find(&self.pending, b"\r\n\r\n", 0) else {
                if self.pending.len() > MAX_HEADER {
                    self.skip_garbage(1);
                    return Some(malformed(-32700, "Parse error: no message header"));
                }
                return None;
            };
            let Some(len) = content_length(&self.pending[..end]) else {
                // Garbage before a header on its first line: on to that header.
                // Otherwise (as tower-lsp-server) past this header, then to the next.
                let first_line = find(&self.pending[..end], b"\r\n", 0).unwrap_or(end);
                match find(&self.pending[..first_line], b"Content-Length", 1) {
                    Some(i) => drop(self.pending.drain(..i)),
                    None => {
                        self.pending.drain(..end + 4);
                        self.skip_garbage(0);
                    }
                }
                return Some(malformed(-32700, "Parse error: invalid message header"));
            };
            let start = end + 4;
            if len > MAX_BODY {
                self.pending.drain(..start);
                self.skip = len;
                return Some(malformed(
                    -32600,
                    &format!("Invalid request: message of {len} bytes, the limit is {MAX_BODY}"),
                ));
            }
            if self.pending.len() - start < len {
                return None;
            }
            let body: Vec<u8> = self.pending.drain(..start + len).skip(start).collect();
            if body.is_empty() {
                continue;
            }
            let well_formed = serde_json::from_slice::<jsonrpc::Request>(&body).is_ok()
                || serde_json::from_slice::<jsonrpc::Response>(&body).is_ok();
            if well_formed {
                return Some(frame(&body));
            }
            return Some(if serde_json::from_slice::<Value>(&body).is_ok() {
                malformed(-32600, "Invalid request")
            } else {
                malformed(-32700, "Parse error")
            });
        }
    }

    /// Drops bytes up to the next `Content-Length` from `from` on (or all of them).
    fn skip_garbage(&mut self, from: usize) {
        match find(&self.pending, b"Content-Length", from) {
            Some(i) => drop(self.pending.drain(..i)),
            None => self.pending.clear(),
        }
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for Reframe<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if this.out_at < this.out.len() {
                let n = buf.remaining().min(this.out.len() - this.out_at);
                buf.put_slice(&this.out[this.out_at..this.out_at + n]);
                this.out_at += n;
                return Poll::Ready(Ok(()));
            }
            if let Some(f) = this.next_frame() {
                this.out = f;
                this.out_at = 0;
                continue;
            }
            if this.eof {
                // An incomplete last frame is dropped: the input ended in it.
                return Poll::Ready(Ok(()));
            }
            let mut chunk = [0u8; 16 * 1024];
            let mut rb = ReadBuf::new(&mut chunk);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut rb))?;
            if rb.filled().is_empty() {
                this.eof = true;
                if let Some(n) = this.on_eof.take() {
                    n.notify_one();
                }
            } else {
                this.pending.extend_from_slice(rb.filled());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    async fn reframed(input: &[u8]) -> String {
        let mut out = String::new();
        Reframe::new(input).read_to_string(&mut out).await.unwrap();
        out
    }

    fn f(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[tokio::test]
    async fn well_formed_frames_pass_and_malformed_ones_become_error_requests() {
        let ok = r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;
        let resp = r#"{"jsonrpc":"2.0","id":7,"result":null}"#;
        let input = format!(
            "{}{}{}Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n{}",
            f(ok),
            f("{not json"),
            f(r#"{"foo": 1}"#),
            f(resp)
        );
        let out = reframed(input.as_bytes()).await;
        let parse = malformed(-32700, "Parse error");
        let invalid = malformed(-32600, "Invalid request");
        let want = [f(ok).into_bytes(), parse, invalid, f(resp).into_bytes()].concat();
        assert_eq!(out.as_bytes(), want.as_slice());
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_refused_and_skipped_then_the_next_frame_passes() {
        let ok = r#"{"jsonrpc":"2.0","method":"exit"}"#;
        let big = MAX_BODY + 1;
        let input = [
            format!("Content-Length: {big}\r\n\r\n").into_bytes(),
            vec![b'x'; big],
            f(ok).into_bytes(),
        ]
        .concat();
        let out = reframed(&input).await;
        let refused = malformed(
            -32600,
            &format!("Invalid request: message of {big} bytes, the limit is {MAX_BODY}"),
        );
        assert_eq!(
            out.as_bytes(),
            [refused, f(ok).into_bytes()].concat().as_slice()
        );
    }

    #[tokio::test]
    async fn bad_headers_are_reported_and_skipped_to_the_next_frame() {
        let ok = r#"{"jsonrpc":"2.0","method":"exit"}"#;
        for bad in [
            "Content-Type: application/json\r\n\r\n{}".to_string(),
            "Content-Length: abc\r\n\r\n".to_string(),
            "Content-Type: text/plain; charset=latin1\r\nContent-Length: 2\r\n\r\n{}".to_string(),
            "garbage".repeat(2000),
        ] {
            let out = reframed(format!("{bad}{}", f(ok)).as_bytes()).await;
            let want = [
                malformed(-32700, "Parse error: invalid message header"),
                f(ok).into_bytes(),
            ]
            .concat();
            assert_eq!(out.as_bytes(), want.as_slice(), "{bad:?}");
        }
        // A truncated last frame is dropped.
        assert_eq!(reframed(b"Content-Length: 99\r\n\r\n{").await, "");
    }
}
