//! The built `gene-lsp` binary against bad clients (issue 10): a 100 MB message, invalid
//! UTF-8 in a document, a `didChange` for a document never opened, a client that goes
//! away with a request pending, and (with the `test-hooks` feature) a request that
//! panics. `GENE_LSP_BIN` runs these against another build (e.g. target/server/gene-lsp).

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

fn bin() -> String {
    std::env::var("GENE_LSP_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_gene-lsp").into())
}

struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    msgs: mpsc::Receiver<Value>,
    /// Messages read while waiting for something else.
    seen: Vec<Value>,
    next: i64,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut v = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    v.extend_from_slice(body);
    v
}

impl Server {
    fn start(env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(bin());
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn gene-lsp");
        let stdin = child.stdin.take();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let (tx, msgs) = mpsc::channel();
        std::thread::spawn(move || loop {
            let mut len = 0usize;
            loop {
                let mut line = String::new();
                if out.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(v) = line.strip_prefix("Content-Length: ") {
                    len = v.parse().unwrap();
                }
            }
            let mut body = vec![0; len];
            if out.read_exact(&mut body).is_err() {
                return;
            }
            if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                return;
            }
        });
        let mut s = Server {
            child,
            stdin,
            msgs,
            seen: Vec::new(),
            next: 1,
        };
        let id = s.request("initialize", json!({"capabilities": {}, "processId": null}));
        let r = s.response(id);
        assert!(r["result"]["capabilities"].is_object(), "{r}");
        s.notify("initialized", json!({}));
        s
    }

    fn send(&mut self, bytes: &[u8]) {
        self.stdin.as_mut().unwrap().write_all(bytes).unwrap();
        self.stdin.as_mut().unwrap().flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        let m = json!({"jsonrpc": "2.0", "method": method, "params": params});
        self.send(&frame(m.to_string().as_bytes()));
    }

    fn request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next;
        self.next += 1;
        let m = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.send(&frame(m.to_string().as_bytes()));
        id
    }

    /// The next message matching `f` (others are kept in `seen`).
    fn wait(&mut self, what: &str, f: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.seen.iter().position(&f) {
            return self.seen.remove(i);
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.msgs.recv_timeout(left) {
                Ok(m) if f(&m) => return m,
                Ok(m) => self.seen.push(m),
                Err(_) => panic!("no {what} from gene-lsp; got {:?}", self.seen),
            }
        }
    }

    fn response(&mut self, id: i64) -> Value {
        self.wait(&format!("response {id}"), |m| {
            m["id"] == json!(id) && m.get("method").is_none()
        })
    }

    fn open(&mut self, uri: &str, text: &str) {
        let doc = json!({"uri": uri, "languageId": "gene", "version": 1, "text": text});
        self.notify("textDocument/didOpen", json!({"textDocument": doc}));
    }

    fn symbols(&mut self, uri: &str) -> Value {
        let id = self.request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        );
        self.response(id)
    }

    fn rss_kb(&self) -> u64 {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        s.lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    fn exit_within(&mut self, d: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + d;
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st;
            }
            assert!(
                Instant::now() < deadline,
                "gene-lsp did not exit within {d:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn shutdown(mut self) {
        let id = self.request("shutdown", Value::Null);
        self.response(id);
        self.notify("exit", Value::Null);
        assert!(self.exit_within(Duration::from_secs(5)).success());
    }
}

const A: &str = "file:///tmp/robust/a.gene";
const TEXT: &str = "(fn add [a b] (a + b))\n(var total (add 1 2))\n";

fn names(symbols: &Value) -> Vec<String> {
    symbols["result"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| s["name"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_100_mb_message_is_refused_with_an_error_memory_stays_bounded_and_the_server_goes_on() {
    let mut s = Server::start(&[]);
    s.open(A, TEXT);
    let before = names(&s.symbols(A));
    assert!(before.contains(&"add".to_string()), "{before:?}");
    let len = 100 << 20;
    s.send(format!("Content-Length: {len}\r\n\r\n").as_bytes());
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..100 {
        s.send(&chunk);
    }
    let err = s.wait("the refusal", |m| {
        m["error"].is_object() && m["id"].is_null()
    });
    assert_eq!(err["error"]["code"], json!(-32600), "{err}");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("the limit is 67108864"),
        "{err}"
    );
    assert!(
        s.rss_kb() < 64 * 1024,
        "RSS {} kB after a 100 MB message",
        s.rss_kb()
    );
    assert_eq!(names(&s.symbols(A)), before);
    s.shutdown();
}

#[test]
fn invalid_utf8_in_a_document_is_a_parse_error_and_other_documents_are_unaffected() {
    let mut s = Server::start(&[]);
    s.open(A, TEXT);
    for method in ["textDocument/didOpen", "textDocument/didChange"] {
        let mut body = format!(
            r#"{{"jsonrpc":"2.0","method":"{method}","params":{{"textDocument":{{"uri":"file:///tmp/robust/bad.gene","languageId":"gene","version":2,"text":"(println \""#
        )
        .into_bytes();
        body.extend_from_slice(b"\xff\xfe\xc3(\")\"}");
        body.extend_from_slice(br#","contentChanges":[{"text":"\xff"}]}}"#);
        s.send(&frame(&body));
        let err = s.wait("a parse error", |m| {
            m["error"].is_object() && m["id"].is_null()
        });
        assert_eq!(err["error"]["code"], json!(-32700), "{err}");
    }
    assert!(names(&s.symbols(A)).contains(&"add".to_string()));
    s.shutdown();
}

#[test]
fn did_change_for_a_document_never_opened_is_ignored() {
    let mut s = Server::start(&[]);
    s.open(A, TEXT);
    let before = s.symbols(A);
    s.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": "file:///tmp/robust/never.gene", "version": 7},
               "contentChanges": [{"range": {"start": {"line": 5, "character": 0}, "end": {"line": 9, "character": 3}}, "text": "(x"}]}),
    );
    let never = s.symbols("file:///tmp/robust/never.gene");
    assert!(
        never.get("error").is_some() || never["result"].is_null() || never["result"] == json!([]),
        "{never}"
    );
    assert_eq!(s.symbols(A)["result"], before["result"]);
    s.shutdown();
}

#[test]
fn a_client_that_goes_away_with_requests_pending_ends_the_server_cleanly() {
    let mut s = Server::start(&[]);
    let big: String = (0..3000)
        .map(|i| format!("(fn f{i} [a] (a + {i}))\n"))
        .collect();
    s.open(A, &big);
    for _ in 0..20 {
        s.request(
            "textDocument/semanticTokens/full",
            json!({"textDocument": {"uri": A}}),
        );
        s.request(
            "textDocument/formatting",
            json!({"textDocument": {"uri": A}, "options": {"tabSize": 2, "insertSpaces": true}}),
        );
    }
    // Half a frame, then the client is gone.
    s.send(b"Content-Length: 500\r\n\r\n{\"jsonrpc\"");
    drop(s.stdin.take());
    let t = Instant::now();
    s.exit_within(Duration::from_secs(10));
    eprintln!("exited after {:?}", t.elapsed());
}

#[cfg(feature = "test-hooks")]
#[test]
fn a_request_that_panics_gets_an_internal_error_and_the_server_keeps_serving() {
    let mut s = Server::start(&[("GENE_TEST_PANIC", "hover")]);
    s.open(A, TEXT);
    for _ in 0..3 {
        let id = s.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": A}, "position": {"line": 0, "character": 5}}),
        );
        let r = s.response(id);
        assert_eq!(r["error"]["code"], json!(-32603), "{r}");
        let log = s.wait("the log message", |m| {
            m["method"] == json!("window/logMessage")
                && m["params"]["message"]
                    .as_str()
                    .is_some_and(|t| t.contains("internal error"))
        });
        assert!(
            log["params"]["message"]
                .as_str()
                .unwrap()
                .contains("internal error in hover"),
            "{log}"
        );
        assert!(names(&s.symbols(A)).contains(&"add".to_string()));
    }
    s.shutdown();
}
