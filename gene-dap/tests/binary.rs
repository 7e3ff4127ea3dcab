//! The built `gene-dap` binary over stdio and over `--port`, with its placeholder session.

mod common;

use common::{read_frame, req};
use serde_json::json;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_gene-dap");

/// Kills the child if a test fails half-way, so no adapter outlives the test run.
struct Adapter(Child);

impl Drop for Adapter {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Adapter {
    fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.0.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "gene-dap did not exit");
            thread::sleep(Duration::from_millis(20));
        }
    }
}

fn spawn(args: &[&str]) -> Adapter {
    let child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    Adapter(child)
}

/// initialize, garbage, a request that needs a program, a command nobody knows, disconnect.
fn converse(w: &mut impl Write, r: &mut impl BufRead) {
    w.write_all(&req(1, "initialize")).unwrap();
    let init = read_frame(r).unwrap();
    assert_eq!(init["request_seq"], 1);
    assert_eq!(init["success"], json!(true));
    assert_eq!(init["body"]["supportsDataBreakpoints"], json!(true));
    let event = read_frame(r).unwrap();
    assert_eq!(
        (event["type"].clone(), event["event"].clone()),
        (json!("event"), json!("initialized"))
    );
    w.write_all(b"garbage\r\n\r\n").unwrap();
    w.write_all(&req(2, "gene/futures")).unwrap();
    let garbage = read_frame(r).unwrap();
    assert_eq!(
        (garbage["success"].clone(), garbage["request_seq"].clone()),
        (json!(false), json!(0))
    );
    let no_program = read_frame(r).unwrap();
    assert_eq!(no_program["command"], "gene/futures");
    assert_eq!(no_program["success"], json!(false));
    assert!(no_program["message"]
        .as_str()
        .is_some_and(|m| m.contains("No program is running")));
    w.write_all(&req(4, "frobnicate")).unwrap();
    let unknown = read_frame(r).unwrap();
    assert_eq!(unknown["command"], "frobnicate");
    assert_eq!(unknown["message"], "Unknown command: frobnicate");
    w.write_all(&req(3, "disconnect")).unwrap();
    let bye = read_frame(r).unwrap();
    assert_eq!(
        (bye["request_seq"].clone(), bye["success"].clone()),
        (json!(3), json!(true))
    );
    let seqs =
        [&init, &event, &garbage, &no_program, &unknown, &bye].map(|v| v["seq"].as_i64().unwrap());
    assert_eq!(seqs, [1, 2, 3, 4, 5, 6]);
}

#[test]
fn stdio_session_exits_after_disconnect() {
    let mut adapter = spawn(&[]);
    let mut stdin = adapter.0.stdin.take().unwrap();
    let mut stdout = BufReader::new(adapter.0.stdout.take().unwrap());
    converse(&mut stdin, &mut stdout);
    // Stdin is still open: disconnect alone must end the process.
    assert!(adapter.wait_exit().success());
    assert!(read_frame(&mut stdout).is_none());
}

#[test]
fn stdio_exits_at_eof() {
    let mut adapter = spawn(&[]);
    let mut stdin = adapter.0.stdin.take().unwrap();
    stdin.write_all(&req(1, "initialize")).unwrap();
    drop(stdin);
    assert!(adapter.wait_exit().success());
}

#[test]
fn port_serves_connections_one_after_another_with_stdin_closed() {
    let mut adapter = spawn(&["--port", "0"]);
    drop(adapter.0.stdin.take()); // Clients close it; the server must not care.
    let mut stderr = BufReader::new(adapter.0.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let port: u16 = line
        .trim()
        .strip_prefix("gene-dap listening on 127.0.0.1:")
        .unwrap_or_else(|| panic!("unexpected banner {line:?}"))
        .parse()
        .unwrap();
    assert_ne!(port, 0);
    for _ in 0..2 {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        converse(&mut &stream, &mut reader);
        // The server closes the connection once the session is finished.
        assert!(read_frame(&mut reader).is_none());
    }
    // A client that just goes away does not take the server down either.
    drop(TcpStream::connect(("127.0.0.1", port)).unwrap());
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    converse(
        &mut &stream,
        &mut BufReader::new(stream.try_clone().unwrap()),
    );
    assert!(adapter.0.try_wait().unwrap().is_none(), "server exited");
}

#[test]
fn arguments() {
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let version = run(&["--version"]);
    assert!(version.status.success());
    let expected = format!("gene-dap {}\n", env!("CARGO_PKG_VERSION"));
    assert_eq!(String::from_utf8_lossy(&version.stdout), expected);
    let help = run(&["--help"]);
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--port N"));
    for bad in [
        &["--bogus"][..],
        &["--port"],
        &["--port", "x"],
        &["--port", "70000"],
        &["extra"],
    ] {
        let out = run(bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).starts_with("gene-dap: "),
            "{bad:?}"
        );
        assert!(out.stdout.is_empty());
    }
}
