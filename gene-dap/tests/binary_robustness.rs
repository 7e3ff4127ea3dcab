//! The built `gene-dap` binary against bad input (issue 10): a 100 MB message, the
//! launch of a binary file, a client that goes away during a launch with a running
//! program, and (with the `test-hooks` feature) a request that panics. `GENE_DAP_BIN`
//! runs these against another build (e.g. target/server/gene-dap).

mod common;

use common::{frame, read_frame};
use serde_json::{json, Value};
use std::io::{BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> String {
    std::env::var("GENE_DAP_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_gene-dap").into())
}

struct Adapter {
    child: Child,
    stdin: Option<ChildStdin>,
    out: BufReader<ChildStdout>,
    seq: i64,
}

impl Drop for Adapter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Adapter {
    fn start(env: &[(&str, &str)]) -> Adapter {
        let mut cmd = Command::new(bin());
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stdin = child.stdin.take();
        let out = BufReader::new(child.stdout.take().unwrap());
        let mut a = Adapter {
            child,
            stdin,
            out,
            seq: 0,
        };
        let r = a.request("initialize", json!({"adapterID": "gene"}));
        assert_eq!(r["success"], json!(true), "{r}");
        a
    }

    fn send(&mut self, bytes: &[u8]) {
        self.stdin.as_mut().unwrap().write_all(bytes).unwrap();
        self.stdin.as_mut().unwrap().flush().unwrap();
    }

    fn send_request(&mut self, command: &str, args: Value) -> i64 {
        self.seq += 1;
        let m = json!({"seq": self.seq, "type": "request", "command": command, "arguments": args});
        self.send(&frame(&m.to_string()));
        self.seq
    }

    /// The next message matching `f`; events before it are dropped.
    fn wait(&mut self, f: impl Fn(&Value) -> bool) -> Value {
        loop {
            let m = read_frame(&mut self.out).expect("gene-dap closed its output");
            if f(&m) {
                return m;
            }
        }
    }

    fn request(&mut self, command: &str, args: Value) -> Value {
        let seq = self.send_request(command, args);
        self.wait(|m| m["type"] == "response" && m["request_seq"] == json!(seq))
    }

    fn rss_kb(&self) -> u64 {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        s.lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    fn threads(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/task", self.child.id()))
            .map(|d| d.count())
            .unwrap_or(0)
    }

    fn exit_within(&mut self, d: Duration) {
        let deadline = Instant::now() + d;
        while self.child.try_wait().unwrap().is_none() {
            assert!(
                Instant::now() < deadline,
                "gene-dap did not exit within {d:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn tmp(name: &str, bytes: &[u8]) -> String {
    // Cargo's scratch folder for integration tests (under target/, not /tmp).
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("gene-dap-robust-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_string_lossy().into_owned()
}

/// `launch` then `configurationDone`; both answered (in either order) with success.
fn launch(a: &mut Adapter, program: &str) {
    let l = a.send_request("launch", json!({"program": program}));
    let c = a.send_request("configurationDone", json!({}));
    let mut left = vec![l, c];
    while !left.is_empty() {
        let m = read_frame(&mut a.out).expect("gene-dap closed its output");
        if m["type"] == "response" {
            if let Some(i) = left.iter().position(|s| m["request_seq"] == json!(*s)) {
                assert_eq!(m["success"], json!(true), "{m}");
                left.remove(i);
            }
        }
    }
}

/// Launches `program`, runs it to the end; returns its stdout.
fn run_program(a: &mut Adapter, program: &str) -> String {
    launch(a, program);
    let mut out = String::new();
    loop {
        let m = read_frame(&mut a.out).unwrap();
        if m["event"] == "output" && m["body"]["category"] == "stdout" {
            out.push_str(m["body"]["output"].as_str().unwrap());
        }
        if m["event"] == "terminated" {
            return out;
        }
    }
}

#[test]
fn a_100_mb_message_gets_an_error_memory_stays_bounded_and_the_session_goes_on() {
    let mut a = Adapter::start(&[]);
    let len = 100 << 20;
    a.send(format!("Content-Length: {len}\r\n\r\n").as_bytes());
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..100 {
        a.send(&chunk);
    }
    let err = a.wait(|m| m["type"] == "response" && m["success"] == json!(false));
    assert!(
        err["message"].as_str().unwrap().contains("67108864"),
        "{err}"
    );
    assert!(
        a.rss_kb() < 64 * 1024,
        "RSS {} kB after a 100 MB message",
        a.rss_kb()
    );
    let r = a.request("threads", json!({}));
    assert_eq!(r["success"], json!(true), "{r}");
}

#[test]
fn launching_a_binary_file_is_a_clear_error_and_another_launch_works() {
    let mut a = Adapter::start(&[]);
    let binary = tmp(
        "binary.gene",
        &[0x7f, b'E', b'L', b'F', 0, 0xff, 0xfe, 0xc3, 0x28, 0, 1, 2],
    );
    let r = a.request("launch", json!({"program": binary}));
    assert_eq!(r["success"], json!(false), "{r}");
    let msg = r["message"].as_str().unwrap_or("").to_string();
    assert!(
        msg.contains("binary.gene") && msg.to_lowercase().contains("utf-8"),
        "{msg}"
    );
    let missing = a.request("launch", json!({"program": "/nonexistent/x.gene"}));
    assert_eq!(missing["success"], json!(false), "{missing}");
    let good = tmp("good.gene", b"(println \"hello\" (1 + 2))\n");
    assert_eq!(run_program(&mut a, &good), "hello 3\n");
}

#[test]
fn a_client_that_goes_away_while_a_program_runs_ends_the_adapter_and_its_vm_thread() {
    let mut a = Adapter::start(&[]);
    let prog = tmp("endless.gene", b"(var n 0)\n(while true (n += 1))\n");
    launch(&mut a, &prog);
    std::thread::sleep(Duration::from_millis(200));
    assert!(a.threads() >= 2, "a VM thread runs the program");
    // A request pending, then the client is gone.
    a.send(b"Content-Length: 300\r\n\r\n{\"seq\":9,");
    drop(a.stdin.take());
    a.exit_within(Duration::from_secs(5));
}

#[cfg(feature = "test-hooks")]
#[test]
fn a_request_that_panics_gets_an_error_response_and_the_session_keeps_serving() {
    let mut a = Adapter::start(&[("GENE_TEST_PANIC", "threads")]);
    for _ in 0..3 {
        let r = a.request("threads", json!({}));
        assert_eq!(r["success"], json!(false), "{r}");
        assert_eq!(r["command"], "threads");
        assert!(
            r["message"]
                .as_str()
                .unwrap()
                .contains("internal error in gene-dap"),
            "{r}"
        );
    }
    let good = tmp("after_panic.gene", b"(println \"still here\")\n");
    assert_eq!(run_program(&mut a, &good), "still here\n");
}
