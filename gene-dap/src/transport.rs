//! Request validation and dispatch, plus the stdio / TCP front ends. Framing lives in
//! `framing`; a body that is not a valid request costs one error response, never the session.

use crate::framing::{find_marker, Framer, Next};
use crate::protocol::{Request, Session, Sink};
use serde_json::Value;
use std::any::Any;
use std::io::{self, Read};
use std::net::{Ipv4Addr, Shutdown, TcpListener, TcpStream};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

pub use crate::framing::MAX_BODY;
pub use crate::protocol::unknown_command;

/// Reads Content-Length framed messages from `input` until EOF or `session.finished()`;
/// dispatches each. Calls `session.shutdown()` exactly once before returning.
pub fn serve(input: impl Read, sink: &Sink, session: &mut dyn Session) {
    let mut framer = Framer::new(input);
    loop {
        match framer.next_frame() {
            Next::Eof => break,
            Next::Bad(message) => sink.error(0, "", &message),
            Next::Body(len) => match parse_request(&framer.data()[..len]) {
                Parsed::Request(req) => {
                    framer.consume(len);
                    dispatch(req, sink, session);
                    // A panicking `finished` would otherwise loop on a broken session.
                    if catch_unwind(AssertUnwindSafe(|| session.finished())).unwrap_or(true) {
                        break;
                    }
                }
                Parsed::Invalid(seq, command, message) => {
                    framer.consume(len);
                    sink.error(seq, &command, &message);
                }
                Parsed::Unframed(seq, command, message, skip) => {
                    framer.skip_bad_body(skip);
                    sink.error(seq, &command, &message);
                }
            },
        }
        if sink.closed() {
            break; // The client is gone; nobody would read our answers.
        }
    }
    let _ = catch_unwind(AssertUnwindSafe(|| session.shutdown()));
}

fn dispatch(req: Request, sink: &Sink, session: &mut dyn Session) {
    let (seq, command) = (req.seq, req.command.clone());
    let handle = || {
        crate::test_hooks::maybe_panic(&req.command);
        session.handle(req, sink)
    };
    if let Err(payload) = catch_unwind(AssertUnwindSafe(handle)) {
        let message = format!("internal error in gene-dap: {}", panic_message(&*payload));
        sink.error(seq, &command, &message);
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "panic with a non-string payload"
    }
}

/// `gene-dap` default: the protocol on stdin/stdout. Returns at EOF or when the session is
/// finished; the caller should then `process::exit` so session threads cannot keep it alive.
pub fn run_stdio(make: &dyn Fn() -> Box<dyn Session>) {
    let sink = Sink::new(Box::new(io::stdout()));
    let mut session = make();
    serve(io::stdin().lock(), &sink, session.as_mut());
}

/// `gene-dap --port N`: listen on 127.0.0.1:N (0 picks a free port) and serve connections one
/// after another, a fresh session for each. Stdin is never read. Only returns on bind errors.
pub fn run_port(port: u16, make: &dyn Fn() -> Box<dyn Session>) -> io::Result<()> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))?;
    let port = listener.local_addr()?.port();
    eprintln!("gene-dap listening on 127.0.0.1:{port}");
    loop {
        match listener.accept() {
            Ok((stream, _)) => serve_connection(stream, make),
            Err(e) => {
                eprintln!("gene-dap: accept failed: {e}");
                // Errors like EMFILE repeat immediately; do not spin on them.
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

fn serve_connection(stream: TcpStream, make: &dyn Fn() -> Box<dyn Session>) {
    let _ = stream.set_nodelay(true);
    let writer = match stream.try_clone() {
        Ok(w) => w,
        Err(e) => {
            eprintln!("gene-dap: cannot use connection: {e}");
            return;
        }
    };
    let sink = Sink::new(Box::new(writer));
    let mut session = make();
    serve(&stream, &sink, session.as_mut());
    // Sink clones kept by session threads hold the socket open: close it explicitly so the
    // client sees the end of the connection.
    let _ = stream.shutdown(Shutdown::Both);
}

enum Parsed {
    Request(Request),
    /// Well-framed JSON that is not a request: (request_seq, command, message).
    Invalid(i64, String, String),
    /// The body is not exactly one JSON value, so the framing itself is suspect:
    /// (request_seq, command, message, bytes to drop before resynchronising).
    Unframed(i64, String, String, usize),
}

fn parse_request(body: &[u8]) -> Parsed {
    let err = match serde_json::from_slice::<Value>(body) {
        Ok(v) => {
            return match validate(v) {
                Ok(req) => Parsed::Request(req),
                Err((seq, command, message)) => Parsed::Invalid(seq, command, message),
            }
        }
        Err(e) => e,
    };
    // Content-Length too long: a complete message followed by the start of the next one.
    // Answer with its seq so the client does not wait forever for a response.
    let mut values = serde_json::Deserializer::from_slice(body).into_iter::<Value>();
    if let Some(Ok(v)) = values.next() {
        let (seq, command) = ids(&v);
        let end = values.byte_offset();
        let message = format!(
            "Content-Length {} is longer than the JSON message ({end} bytes)",
            body.len()
        );
        // The rest is probably the next frame: resume right after this message.
        return Parsed::Unframed(seq, command, message, end);
    }
    let message = if err.is_eof() {
        format!("message body ends inside the JSON (Content-Length too short?): {err}")
    } else {
        format!("message body is not valid JSON: {err}")
    };
    // A frame header inside the body means the length was off: resume there.
    let skip = find_marker(body.get(1..).unwrap_or_default()).map_or(body.len(), |i| i + 1);
    Parsed::Unframed(0, String::new(), message, skip)
}

/// `seq` and `command` of a message, as far as they can be read, for error responses.
fn ids(v: &Value) -> (i64, String) {
    let seq = v.get("seq").and_then(Value::as_i64).unwrap_or(0);
    let command = v.get("command").and_then(Value::as_str).unwrap_or("");
    (seq, command.to_string())
}

fn validate(v: Value) -> Result<Request, (i64, String, String)> {
    let (seq, command) = ids(&v);
    let fail = |message: String| Err((seq, command.clone(), message));
    let Value::Object(mut obj) = v else {
        return fail(format!("message must be a JSON object, got {}", kind(&v)));
    };
    match obj.get("type") {
        Some(Value::String(t)) if t == "request" => {}
        Some(t) => {
            return fail(format!(
                "unsupported message type {t}: only requests are accepted"
            ))
        }
        None => return fail("message has no \"type\"".into()),
    }
    if obj.get("seq").and_then(Value::as_i64).is_none() {
        return fail("request has no integer \"seq\"".into());
    }
    if obj.get("command").and_then(Value::as_str).is_none() {
        return fail("request has no string \"command\"".into());
    }
    let arguments = obj.remove("arguments").unwrap_or(Value::Null);
    Ok(Request {
        seq,
        command,
        arguments,
    })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
