//! Arbitrary bytes into a real `DapSession` that has launched a small program: every
//! request reaches the session and the VM's command dispatch with arbitrary arguments.
//! Nothing may panic or hang, and the output must stay well-formed frames.
#![no_main]

use gene_dap::{serve, DapSession, Session, Sink};
use libfuzzer_sys::fuzz_target;
use std::io::{self, Write};
use std::sync::{Arc, Mutex, OnceLock};

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

fn frame(json: &str) -> Vec<u8> {
    let mut v = format!("Content-Length: {}\r\n\r\n", json.len()).into_bytes();
    v.extend_from_slice(json.as_bytes());
    v
}

fn program() -> &'static str {
    static P: OnceLock<String> = OnceLock::new();
    P.get_or_init(|| {
        let p = std::env::temp_dir().join("gene-dap-fuzz-session.gene");
        let src = "(var xs [1 2 3])\n(fn f [a] (var b (a + 1)) b)\n(var fut (sleep_async 5))\n(println (f 1) (await fut))\n";
        std::fs::write(&p, src).unwrap();
        p.to_string_lossy().into_owned()
    })
}

fuzz_target!(|data: &[u8]| {
    let mut input = frame(r#"{"seq":1,"type":"request","command":"initialize","arguments":{}}"#);
    let launch = format!(
        r#"{{"seq":2,"type":"request","command":"launch","arguments":{{"program":"{}"}}}}"#,
        program()
    );
    input.extend(frame(&launch));
    input.extend_from_slice(data);
    let out = SharedBuf::default();
    let sink = Sink::new(Box::new(out.clone()));
    let mut session = DapSession::new();
    serve(&input[..], &sink, &mut session as &mut dyn Session);
    // Everything written is framed JSON.
    let bytes = out.0.lock().unwrap().clone();
    let mut rest = &bytes[..];
    while !rest.is_empty() {
        let text = std::str::from_utf8(rest).expect("utf-8 output");
        let header_end = text.find("\r\n\r\n").expect("a header");
        let n: usize = text[..header_end]
            .trim_start_matches("Content-Length: ")
            .parse()
            .expect("a length");
        let body = &rest[header_end + 4..header_end + 4 + n];
        serde_json::from_slice::<serde_json::Value>(body).expect("JSON body");
        rest = &rest[header_end + 4 + n..];
    }
});
