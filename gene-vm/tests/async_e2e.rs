//! End-to-end checks of the asynchronous runtime through the `gene` binary:
//! timers, FIFO reads and HTTP requests must really overlap, and the HTTP
//! natives must report status, body, headers, timeouts, retries and refused
//! connections as the language reference (section 11.7) describes.
//!
//! Standard library only: the HTTP server below is a minimal HTTP/1.1 server
//! (request line, headers, Content-Length body, `Connection: close`).

use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const GENE: &str = env!("CARGO_BIN_EXE_gene");

/// A program that takes longer than this is killed and the test fails.
const RUN_LIMIT: Duration = Duration::from_secs(20);

/// Timing assertions are only meaningful if the tests do not compete for the CPU,
/// so every test holds this lock while it runs.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

static DIR_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A temporary directory removed when dropped.
struct TempDir {
    path: PathBuf,
}

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let n = DIR_COUNTER.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!(
            "gene_test_e2e_{tag}_{}_{nanos}_{n}",
            std::process::id()
        ));
        fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("cannot create temp dir {}: {e}", path.display()));
        TempDir { path }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

struct RunResult {
    status: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    timed_out: bool,
}

impl RunResult {
    /// Stdout lines with trailing spaces stripped and empty lines dropped
    /// (the same comparison the .gene test harness uses).
    fn lines(&self) -> Vec<String> {
        self.stdout
            .lines()
            .map(|l| l.trim_end().to_string())
            .filter(|l| !l.is_empty())
            .collect()
    }

    fn describe(&self) -> String {
        format!(
            "exit status: {:?}, killed after time limit: {}, elapsed: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.status, self.timed_out, self.elapsed, self.stdout, self.stderr
        )
    }
}

/// Writes `source` to `dir/name` and runs `gene run` on it with `dir` as the
/// current directory. The elapsed time covers the whole process run.
fn run_gene(dir: &Path, name: &str, source: &str) -> RunResult {
    let file = dir.join(name);
    fs::write(&file, source)
        .unwrap_or_else(|e| panic!("cannot write program {}: {e}", file.display()));
    let start = Instant::now();
    let mut child = Command::new(GENE)
        .arg("run")
        .arg(&file)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {GENE}: {e}"));
    let mut out = child.stdout.take().expect("child stdout was piped");
    let mut err = child.stderr.take().expect("child stderr was piped");
    let out_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out.read_to_end(&mut buf);
        buf
    });
    let err_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err.read_to_end(&mut buf);
        buf
    });
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {
                if start.elapsed() > RUN_LIMIT {
                    timed_out = true;
                    let _ = child.kill();
                    break child.wait().expect("waiting for the killed gene process");
                }
                thread::sleep(Duration::from_millis(2));
            }
            Err(e) => panic!("waiting for gene failed: {e}"),
        }
    };
    let elapsed = start.elapsed();
    let stdout = out_reader.join().expect("stdout reader thread panicked");
    let stderr = err_reader.join().expect("stderr reader thread panicked");
    RunResult {
        status: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        elapsed,
        timed_out,
    }
}

fn assert_ok(res: &RunResult, expected: &[&str]) {
    assert!(
        !res.timed_out,
        "program did not finish in time\n{}",
        res.describe()
    );
    assert_eq!(
        res.status,
        Some(0),
        "program should exit with status 0\n{}",
        res.describe()
    );
    let expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        res.lines(),
        expected,
        "unexpected stdout\n{}",
        res.describe()
    );
}

fn assert_elapsed(res: &RunResult, at_least: Duration, below: Duration) {
    assert!(
        res.elapsed >= at_least,
        "finished too early: {:?} < {:?} (did the operations run at all?)\n{}",
        res.elapsed,
        at_least,
        res.describe()
    );
    assert!(
        res.elapsed < below,
        "too slow: {:?} >= {:?} (operations did not overlap?)\n{}",
        res.elapsed,
        below,
        res.describe()
    );
}

// ---------------------------------------------------------------------------
// 1. Timers
// ---------------------------------------------------------------------------

#[test]
fn three_concurrent_sleeps_overlap() {
    let _guard = serial();
    let dir = TempDir::new("sleep");
    let src = r#"
(var naps [(sleep_async 300) (sleep_async 300) (gene/sleep_async 300)])
(var all (gene/all naps))
(println (all .state))
(println (await all))
(println (gene/async/pending))
"#;
    let res = run_gene(&dir.path, "sleeps.gene", src);
    assert_ok(&res, &["pending", "[nil nil nil]", "0"]);
    assert_elapsed(&res, Duration::from_millis(300), Duration::from_millis(600));
}

// ---------------------------------------------------------------------------
// 2. FIFO reads
// ---------------------------------------------------------------------------

#[cfg(target_os = "linux")]
const O_NONBLOCK: i32 = 0o4000;
#[cfg(all(unix, not(target_os = "linux")))]
const O_NONBLOCK: i32 = 0x0004;
#[cfg(unix)]
const ENXIO: i32 = 6;

/// Waits (without blocking forever) until a reader has opened the FIFO, then
/// sleeps 300 ms, writes `line` and closes the FIFO so the reader sees EOF.
#[cfg(unix)]
fn write_fifo_when_opened(path: &Path, line: &str) -> Result<(), String> {
    use std::os::unix::fs::OpenOptionsExt;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        match fs::OpenOptions::new()
            .write(true)
            .custom_flags(O_NONBLOCK)
            .open(path)
        {
            Ok(mut fifo) => {
                thread::sleep(Duration::from_millis(300));
                fifo.write_all(line.as_bytes())
                    .map_err(|e| format!("writing to {}: {e}", path.display()))?;
                return Ok(());
            }
            Err(e) if e.raw_os_error() == Some(ENXIO) && Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(2));
            }
            Err(e) => {
                return Err(format!(
                    "no reader opened {} (or open failed): {e}",
                    path.display()
                ))
            }
        }
    }
}

#[cfg(unix)]
#[test]
fn three_concurrent_fifo_reads_overlap() {
    let _guard = serial();
    let dir = TempDir::new("fifo");
    let names = ["fifo_a", "fifo_b", "fifo_c"];
    for name in names {
        let path = dir.path.join(name);
        let status = Command::new("mkfifo")
            .arg(&path)
            .status()
            .expect("running mkfifo");
        assert!(
            status.success(),
            "mkfifo {} failed: {status}",
            path.display()
        );
    }
    let writers: Vec<_> = names
        .iter()
        .map(|name| {
            let path = dir.path.join(name);
            let line = format!("content of {name}\n");
            thread::spawn(move || write_fifo_when_opened(&path, &line))
        })
        .collect();
    let src = r#"
(var reads [(file_read_async "fifo_a") (gene/io/read_async "fifo_b") (file_read_async "fifo_c")])
(var texts (await (gene/all reads)))
(for t in texts (println (t .trim)))
"#;
    let res = run_gene(&dir.path, "fifos.gene", src);
    for (name, writer) in names.iter().zip(writers) {
        let outcome = writer.join().expect("FIFO writer thread panicked");
        if let Err(e) = outcome {
            panic!("writer for {name}: {e}\n{}", res.describe());
        }
    }
    assert_ok(
        &res,
        &[
            "content of fifo_a",
            "content of fifo_b",
            "content of fifo_c",
        ],
    );
    assert_elapsed(&res, Duration::from_millis(300), Duration::from_millis(600));
}

// ---------------------------------------------------------------------------
// 3. HTTP against a local server
// ---------------------------------------------------------------------------

struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn read_request(stream: &TcpStream) -> io::Result<Request> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    let length = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(Request {
        method,
        path,
        headers,
        body,
    })
}

fn respond(mut stream: TcpStream, status: u16, reason: &str, extra: &[(&str, &str)], body: &[u8]) {
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in extra {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Write);
}

fn handle(stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let req = match read_request(&stream) {
        Ok(req) => req,
        Err(_) => return,
    };
    let _ = &req.method;
    match req.path.as_str() {
        "/ok" => respond(stream, 200, "OK", &[], b"ok"),
        "/slow" => {
            thread::sleep(Duration::from_millis(200));
            respond(stream, 200, "OK", &[], b"ok");
        }
        "/status/404" => respond(stream, 404, "Not Found", &[], b"not found"),
        "/echo" => respond(stream, 200, "OK", &[("X-Echo", "yes")], &req.body),
        "/hang" => {
            thread::sleep(Duration::from_secs(2));
            respond(stream, 200, "OK", &[], b"late");
        }
        "/header" => {
            let token = req.header("x-token").unwrap_or("none").to_string();
            respond(stream, 200, "OK", &[], token.as_bytes());
        }
        _ => respond(stream, 404, "Not Found", &[], b"no route"),
    }
}

fn serve(listener: TcpListener) {
    for stream in listener.incoming().flatten() {
        thread::spawn(move || handle(stream));
    }
}

/// Starts the server on an ephemeral port of 127.0.0.1 and returns the port.
fn start_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding the local HTTP server");
    let port = listener
        .local_addr()
        .expect("local address of the HTTP server")
        .port();
    thread::spawn(move || serve(listener));
    port
}

/// A port on which nothing listens (bound once, then released).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding a probe listener");
    listener
        .local_addr()
        .expect("local address of the probe listener")
        .port()
}

fn with_port(src: &str, port: u16) -> String {
    src.replace("PORT", &port.to_string())
}

#[test]
fn ten_concurrent_http_gets_overlap() {
    let _guard = serial();
    let port = start_server();
    let dir = TempDir::new("http_many");
    let src = with_port(
        r#"
(var url "http://127.0.0.1:PORT/slow")
(var reqs [])
(repeat 10 (reqs .add (http_get_async url)))
(println (reqs/0 .state))
(var resps (await (gene/all reqs)))
(println (resps .size))
(println (resps .all (fn [r] (r/status == 200))))
(println ((resps .map (fn [r] r/body)) .join ","))
(println (gene/async/pending))
"#,
        port,
    );
    let res = run_gene(&dir.path, "many.gene", &src);
    assert_ok(
        &res,
        &[
            "pending",
            "10",
            "true",
            "ok,ok,ok,ok,ok,ok,ok,ok,ok,ok",
            "0",
        ],
    );
    assert_elapsed(
        &res,
        Duration::from_millis(200),
        Duration::from_millis(1000),
    );
}

#[test]
fn http_status_body_headers_and_post() {
    let _guard = serial();
    let port = start_server();
    let dir = TempDir::new("http_fields");
    let src = with_port(
        r#"
(var base "http://127.0.0.1:PORT")
(var r (await (gene/http/post_async ($ base "/echo") "hello body")))
(println r/status)
(println r/body)
(println r/headers/x-echo)
(println r/headers/content-type)
(var g (await (http_get_async ($ base "/ok"))))
(println g/status g/body)
(var nf (gene/http/get_async ($ base "/status/404")))
(var resp (await nf))
(println (nf .state) resp/status resp/body)
(var m (await (http_post_async ($ base "/echo") {^k 1 ^name "gene"})))
(println (m/body .contains "\"k\":1") (m/body .contains "\"name\":\"gene\""))
(var h (await (http_get_async ($ base "/header") ^headers {^x-token "abc123"})))
(println h/body)
"#,
        port,
    );
    let res = run_gene(&dir.path, "fields.gene", &src);
    assert_ok(
        &res,
        &[
            "200",
            "hello body",
            "yes",
            "text/plain",
            "200 ok",
            "success 404 not found",
            "true true",
            "abc123",
        ],
    );
}

#[test]
fn http_timeout_fails_the_future() {
    let _guard = serial();
    let port = start_server();
    let dir = TempDir::new("http_timeout");
    let src = with_port(
        r#"
(var h (http_get_async "http://127.0.0.1:PORT/hang" ^timeout 100))
(try
  (await h)
  (println "no timeout")
catch *
  (println (if ($ex/message .contains "timed out") "timed out as expected" else $ex/message)))
(println (h .state))
"#,
        port,
    );
    let res = run_gene(&dir.path, "timeout.gene", &src);
    assert_ok(&res, &["timed out as expected", "failure"]);
    assert_elapsed(
        &res,
        Duration::from_millis(100),
        Duration::from_millis(1800),
    );
}

#[test]
fn http_retries_reach_a_late_listener() {
    let _guard = serial();
    let port = free_port();
    let late_server = thread::spawn(move || {
        thread::sleep(Duration::from_millis(150));
        let listener = TcpListener::bind(("127.0.0.1", port))
            .unwrap_or_else(|e| panic!("binding the late listener on port {port}: {e}"));
        thread::spawn(move || serve(listener));
    });
    let dir = TempDir::new("http_retries");
    let src = with_port(
        r#"
(var r (await (http_get_async "http://127.0.0.1:PORT/ok" ^retries 3)))
(println r/status r/body)
"#,
        port,
    );
    let res = run_gene(&dir.path, "retries.gene", &src);
    late_server.join().expect("late listener thread panicked");
    assert_ok(&res, &["200 ok"]);
}

#[test]
fn http_refused_connection_is_a_network_exception() {
    let _guard = serial();
    let port = free_port();
    let dir = TempDir::new("http_refused");
    let src = with_port(
        r#"
(var url "http://127.0.0.1:PORT/nothing")
(try
  (await (http_get_async url))
  (println "connected?!")
catch NetworkException
  (println "network error caught")
  (println ($ex/message .contains "127.0.0.1:PORT")))
(var f (gene/http/get_async url))
(try (await f) catch * (println (f .state)))
(var p (http_post_async url "data"))
(try (await p) catch NetworkException (println "post refused too"))
"#,
        port,
    );
    let res = run_gene(&dir.path, "refused.gene", &src);
    assert_ok(
        &res,
        &[
            "network error caught",
            "true",
            "failure",
            "post refused too",
        ],
    );
}
