//! Host operations behind Gene's async natives. Each is a `Send + 'static` future that
//! returns a [`HostResult`], ready for [`EventLoop::spawn`](crate::runtime::host::EventLoop::spawn).

use std::error::Error as StdError;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

use crate::runtime::host::{HostError, HostResult, HostValue};

/// Reads a whole file as UTF-8 text. Works on FIFOs (tokio::fs runs on the blocking pool).
/// `at` is the resolved path (see `Vm::resolve_path`); errors show `path`, as the program wrote it.
pub async fn read_file(at: PathBuf, path: String) -> HostResult {
    match tokio::fs::read_to_string(&at).await {
        Ok(text) => Ok(HostValue::Str(text)),
        Err(e) => Err(HostError::io(format!("Failed to read file '{path}': {e}"))),
    }
}

/// Creates or overwrites a file.
pub async fn write_file(at: PathBuf, path: String, content: String) -> HostResult {
    match tokio::fs::write(&at, content).await {
        Ok(()) => Ok(HostValue::Nil),
        Err(e) => Err(HostError::io(format!("Failed to write file '{path}': {e}"))),
    }
}

/// True if something exists at `path`. Like `Path::exists`, an error (e.g. permission
/// denied on a parent directory) counts as "does not exist".
pub async fn file_exists(at: PathBuf) -> HostResult {
    let exists = tokio::fs::metadata(&at).await.is_ok();
    Ok(HostValue::Bool(exists))
}

/// Deletes a file; fails if it does not exist.
pub async fn delete_file(at: PathBuf, path: String) -> HostResult {
    match tokio::fs::remove_file(&at).await {
        Ok(()) => Ok(HostValue::Nil),
        Err(e) => Err(HostError::io(format!(
            "Failed to delete file '{path}': {e}"
        ))),
    }
}

/// Resolves to nil after `ms` milliseconds. A timer entry only: no thread per sleep.
pub async fn sleep_ms(ms: u64) -> HostResult {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    Ok(HostValue::Nil)
}

/// Default `^timeout` of the HTTP natives.
pub const DEFAULT_HTTP_TIMEOUT_MS: u64 = 30_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    Get,
    Post,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: HttpMethod,
    pub url: String,
    /// Body and its content type (e.g. `application/json`); the content type is not set
    /// when `headers` already has one.
    pub body: Option<(String, Option<String>)>,
    pub headers: Vec<(String, String)>,
    /// Whole-request limit per attempt (connect, send, read the body). 0 means no limit.
    pub timeout_ms: u64,
    /// Extra attempts after a network failure (never after an HTTP status).
    pub retries: u32,
}

impl HttpRequest {
    /// A request with no body, no headers, the default timeout and no retries.
    pub fn new(method: HttpMethod, url: impl Into<String>) -> HttpRequest {
        HttpRequest {
            method,
            url: url.into(),
            body: None,
            headers: Vec::new(),
            timeout_ms: DEFAULT_HTTP_TIMEOUT_MS,
            retries: 0,
        }
    }
}

/// Checks that `url` is an absolute http(s) URL. The natives call it to throw an argument
/// error at once; [`http_request`] checks again.
pub fn check_url(url: &str) -> Result<reqwest::Url, HostError> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| HostError::argument(format!("Invalid URL '{url}': {e}")))?;
    match parsed.scheme() {
        "http" | "https" => Ok(parsed),
        other => Err(HostError::argument(format!(
            "Unsupported URL scheme '{other}' in '{url}' (expected http or https)"
        ))),
    }
}

/// Performs an HTTP request with the loop's shared client (see
/// [`EventLoop::http_client`](crate::runtime::host::EventLoop::http_client)).
///
/// Resolves to `{status, body, headers}` for any status, 4xx/5xx included. A network
/// failure (refused connection, DNS failure, timeout, broken connection) is retried
/// `retries` times with a growing backoff, then fails with class `NetworkException`.
pub async fn http_request(client: reqwest::Client, req: HttpRequest) -> HostResult {
    let url = check_url(&req.url)?;
    let headers = build_headers(&req)?;
    let max_attempts = req.retries.saturating_add(1);
    let mut attempt: u32 = 0;
    loop {
        attempt += 1;
        let builder = match req.method {
            HttpMethod::Get => client.get(url.clone()),
            HttpMethod::Post => client.post(url.clone()),
        };
        let mut builder = builder.headers(headers.clone());
        if let Some((body, _)) = &req.body {
            builder = builder.body(body.clone());
        }
        let outcome = if req.timeout_ms == 0 {
            send(builder).await
        } else {
            match tokio::time::timeout(Duration::from_millis(req.timeout_ms), send(builder)).await {
                Ok(outcome) => outcome,
                Err(_) => Err(format!("timed out after {} ms", req.timeout_ms)),
            }
        };
        match outcome {
            Ok(value) => return Ok(value),
            Err(cause) if attempt >= max_attempts => {
                let tries = if attempt > 1 {
                    format!(" (after {attempt} attempts)")
                } else {
                    String::new()
                };
                return Err(HostError::network(format!(
                    "HTTP {} {} failed: {cause}{tries}",
                    req.method.as_str(),
                    req.url
                )));
            }
            Err(_) => {
                // Short linear backoff: a server that is starting up gets a moment.
                tokio::time::sleep(Duration::from_millis(50 * u64::from(attempt))).await;
            }
        }
    }
}

fn build_headers(req: &HttpRequest) -> Result<reqwest::header::HeaderMap, HostError> {
    use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
    let mut map = HeaderMap::new();
    for (name, value) in &req.headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| HostError::argument(format!("Invalid HTTP header name '{name}'")))?;
        let value = HeaderValue::from_str(value).map_err(|_| {
            HostError::argument(format!("Invalid value for HTTP header '{name}': '{value}'"))
        })?;
        map.append(name, value);
    }
    if let Some((_, Some(content_type))) = &req.body {
        if !map.contains_key(CONTENT_TYPE) {
            let value = HeaderValue::from_str(content_type).map_err(|_| {
                HostError::argument(format!("Invalid content type '{content_type}'"))
            })?;
            map.insert(CONTENT_TYPE, value);
        }
    }
    Ok(map)
}

/// One attempt; `Err` carries the cause for the error message.
async fn send(builder: reqwest::RequestBuilder) -> Result<HostValue, String> {
    let response = builder.send().await.map_err(|e| describe(&e))?;
    let status = i64::from(response.status().as_u16());
    let mut headers: Vec<(String, HostValue)> = Vec::new();
    for (name, value) in response.headers() {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        // Repeated headers are combined as HTTP allows (RFC 9110, 5.3).
        match headers.iter_mut().find(|(k, _)| k == name.as_str()) {
            Some((_, HostValue::Str(existing))) => {
                existing.push_str(", ");
                existing.push_str(&value);
            }
            _ => headers.push((name.as_str().to_string(), HostValue::Str(value))),
        }
    }
    let bytes = response
        .bytes()
        .await
        .map_err(|e| format!("error reading the response body: {}", describe(&e)))?;
    let body = String::from_utf8_lossy(&bytes).into_owned();
    Ok(HostValue::Map(vec![
        ("status".to_string(), HostValue::Int(status)),
        ("body".to_string(), HostValue::Str(body)),
        ("headers".to_string(), HostValue::Map(headers)),
    ]))
}

/// A short cause for a reqwest error: "connection refused", "DNS lookup failed: ...".
fn describe(err: &reqwest::Error) -> String {
    let mut source: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            let known = match io.kind() {
                io::ErrorKind::ConnectionRefused => Some("connection refused"),
                io::ErrorKind::ConnectionReset => Some("connection reset by peer"),
                io::ErrorKind::ConnectionAborted => Some("connection aborted"),
                io::ErrorKind::TimedOut => Some("connection timed out"),
                io::ErrorKind::UnexpectedEof => Some("connection closed before a response"),
                _ => None,
            };
            if let Some(text) = known {
                return text.to_string();
            }
        }
        source = e.source();
    }
    let innermost = innermost(err);
    if err.is_dns() {
        let host = err
            .url()
            .and_then(|u| u.host_str())
            .unwrap_or("<unknown host>");
        format!("DNS lookup failed for '{host}': {innermost}")
    } else if err.is_connect() {
        format!("could not connect: {innermost}")
    } else {
        // reqwest's top-level text repeats the URL; the causes below it are the useful part.
        let mut below = String::new();
        let mut source = err.source();
        while let Some(e) = source {
            let text = e.to_string();
            if !below.contains(&text) {
                if !below.is_empty() {
                    below.push_str(": ");
                }
                below.push_str(&text);
            }
            source = e.source();
        }
        if below.is_empty() {
            err.to_string()
        } else {
            below
        }
    }
}

fn innermost(err: &(dyn StdError + 'static)) -> String {
    let mut last: &(dyn StdError + 'static) = err;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::host::{Completion, EventLoop, WaitOutcome};
    use std::future::Future;
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::path::PathBuf;
    use std::time::Instant;

    /// Runs one op on `el` and blocks for its result.
    fn run<F>(el: &mut EventLoop, op: F) -> HostResult
    where
        F: Future<Output = HostResult> + Send + 'static,
    {
        el.spawn(1, op);
        match el.wait(Some(Duration::from_secs(10))) {
            WaitOutcome::Completions(mut c) => c.remove(0).result,
            other => panic!("no completion: {other:?}"),
        }
    }

    fn collect(el: &mut EventLoop, n: usize, limit: Duration) -> Vec<Completion> {
        let deadline = Instant::now() + limit;
        let mut got = Vec::new();
        while got.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            match el.wait(Some(left)) {
                WaitOutcome::Completions(c) => got.extend(c),
                WaitOutcome::Woken => {}
                WaitOutcome::TimedOut => break,
            }
        }
        got
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("gene-ops-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn s(p: &std::path::Path) -> String {
        p.to_string_lossy().into_owned()
    }

    #[test]
    fn file_round_trip() {
        let dir = temp_dir("files");
        let path = s(&dir.join("notes.txt"));
        let mut el = EventLoop::new();
        assert_eq!(
            run(&mut el, file_exists(path.clone().into())),
            Ok(HostValue::Bool(false))
        );
        assert_eq!(
            run(
                &mut el,
                write_file(path.clone().into(), path.clone(), "alpha\nbeta".into())
            ),
            Ok(HostValue::Nil)
        );
        assert_eq!(
            run(&mut el, file_exists(path.clone().into())),
            Ok(HostValue::Bool(true))
        );
        assert_eq!(
            run(&mut el, read_file(path.clone().into(), path.clone())),
            Ok(HostValue::Str("alpha\nbeta".into()))
        );
        // Overwrite, not append.
        run(
            &mut el,
            write_file(path.clone().into(), path.clone(), "x".into()),
        )
        .unwrap();
        assert_eq!(
            run(&mut el, read_file(path.clone().into(), path.clone())),
            Ok(HostValue::Str("x".into()))
        );
        assert_eq!(
            run(&mut el, delete_file(path.clone().into(), path.clone())),
            Ok(HostValue::Nil)
        );
        assert_eq!(
            run(&mut el, file_exists(path.clone().into())),
            Ok(HostValue::Bool(false))
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn file_error_messages() {
        let dir = temp_dir("errors");
        let missing = s(&dir.join("missing.txt"));
        let mut el = EventLoop::new();
        let err = run(&mut el, read_file(missing.clone().into(), missing.clone())).unwrap_err();
        assert_eq!(err.class, "IOError");
        assert_eq!(
            err.message,
            format!("Failed to read file '{missing}': No such file or directory (os error 2)")
        );
        let err = run(
            &mut el,
            delete_file(missing.clone().into(), missing.clone()),
        )
        .unwrap_err();
        assert_eq!(err.class, "IOError");
        assert_eq!(
            err.message,
            format!("Failed to delete file '{missing}': No such file or directory (os error 2)")
        );
        let nested = s(&dir.join("no-such-dir").join("f.txt"));
        let err = run(
            &mut el,
            write_file(nested.clone().into(), nested.clone(), "x".into()),
        )
        .unwrap_err();
        assert_eq!(err.class, "IOError");
        assert_eq!(
            err.message,
            format!("Failed to write file '{nested}': No such file or directory (os error 2)")
        );
        let err = run(&mut el, read_file(dir.clone(), s(&dir))).unwrap_err();
        assert!(
            err.message.ends_with("Is a directory (os error 21)"),
            "{}",
            err.message
        );
        let binary = dir.join("bin");
        std::fs::write(&binary, [0xff, 0xfe, 0x00]).unwrap();
        let err = run(&mut el, read_file(binary.clone(), s(&binary))).unwrap_err();
        assert!(err.message.contains("valid UTF-8"), "{}", err.message);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn fifo_reads_run_concurrently() {
        let dir = temp_dir("fifo");
        let mut el = EventLoop::new();
        let mut writers = Vec::new();
        let t = Instant::now();
        for i in 0..3u64 {
            let path = dir.join(format!("fifo{i}"));
            let status = std::process::Command::new("mkfifo")
                .arg(&path)
                .status()
                .unwrap();
            assert!(status.success());
            el.spawn(i, read_file(path.clone(), s(&path)));
            writers.push(std::thread::spawn(move || {
                // open() blocks until the reader has opened its end.
                let mut f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
                std::thread::sleep(Duration::from_millis(300));
                write!(f, "data {i}").unwrap();
            }));
        }
        // A slow FIFO must not hold up other ops.
        el.spawn(10, sleep_ms(10));
        let first = collect(&mut el, 1, Duration::from_secs(2));
        assert_eq!(first[0].future_id, 10);
        assert!(
            t.elapsed() < Duration::from_millis(200),
            "{:?}",
            t.elapsed()
        );
        let mut got = collect(&mut el, 3, Duration::from_secs(3));
        let elapsed = t.elapsed();
        got.sort_by_key(|c| c.future_id);
        assert_eq!(got.len(), 3);
        for (i, c) in got.iter().enumerate() {
            assert_eq!(c.result, Ok(HostValue::Str(format!("data {i}"))));
        }
        assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(600), "{elapsed:?}");
        for w in writers {
            w.join().unwrap();
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn sleep_resolves_to_nil() {
        let mut el = EventLoop::new();
        let t = Instant::now();
        assert_eq!(run(&mut el, sleep_ms(50)), Ok(HostValue::Nil));
        assert!(t.elapsed() >= Duration::from_millis(50));
        assert_eq!(run(&mut el, sleep_ms(0)), Ok(HostValue::Nil));
    }

    // ---- a minimal HTTP/1.1 server for the tests ----

    struct Request {
        method: String,
        path: String,
        headers: Vec<(String, String)>,
        body: String,
    }

    fn read_request(stream: &mut TcpStream) -> Option<Request> {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let head_end = loop {
            if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break pos;
            }
            let n = stream.read(&mut chunk).ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let mut first = lines.next()?.split(' ');
        let method = first.next()?.to_string();
        let path = first.next()?.to_string();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let len: usize = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = buf[head_end + 4..].to_vec();
        while body.len() < len {
            let n = stream.read(&mut chunk).ok()?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
        Some(Request {
            method,
            path,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }

    fn handle(mut stream: TcpStream) {
        let Some(req) = read_request(&mut stream) else {
            return;
        };
        let header = |name: &str| {
            req.headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let mut extra = String::new();
        let (status, body) = match (req.method.as_str(), req.path.as_str()) {
            ("GET", "/hello") => (200, "hello world".to_string()),
            ("POST", "/echo") => {
                extra = format!("X-Request-Content-Type: {}\r\n", header("content-type"));
                (200, req.body.clone())
            }
            ("GET", "/header") => (200, header("x-custom")),
            ("GET", "/dup") => {
                extra = "Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n".to_string();
                (200, String::new())
            }
            ("GET", p) if p.starts_with("/status/") => {
                (p[8..].parse().unwrap_or(500), "status".into())
            }
            ("GET", p) if p.starts_with("/slow/") => {
                let ms = p[6..].parse().unwrap_or(0);
                std::thread::sleep(Duration::from_millis(ms));
                (200, "slow".to_string())
            }
            _ => (404, "not found".to_string()),
        };
        let response = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: text/plain\r\nX-Test: yes\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(response.as_bytes());
    }

    fn serve(listener: TcpListener) {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || handle(stream));
        }
    }

    fn start_server() -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || serve(listener));
        port
    }

    fn http(el: &mut EventLoop, req: HttpRequest) -> HostResult {
        let client = el.http_client().unwrap();
        run(el, http_request(client, req))
    }

    fn get(url: String) -> HttpRequest {
        HttpRequest::new(HttpMethod::Get, url)
    }

    fn status_of(v: &HostValue) -> i64 {
        match v.get("status") {
            Some(HostValue::Int(n)) => *n,
            other => panic!("no status: {other:?}"),
        }
    }

    fn body_of(v: &HostValue) -> &str {
        match v.get("body") {
            Some(HostValue::Str(b)) => b,
            other => panic!("no body: {other:?}"),
        }
    }

    fn header_of<'a>(v: &'a HostValue, name: &str) -> Option<&'a str> {
        match v.get("headers")?.get(name)? {
            HostValue::Str(s) => Some(s),
            _ => None,
        }
    }

    #[test]
    fn http_get_status_body_headers() {
        let port = start_server();
        let mut el = EventLoop::new();
        let v = http(&mut el, get(format!("http://127.0.0.1:{port}/hello"))).unwrap();
        assert_eq!(status_of(&v), 200);
        assert_eq!(body_of(&v), "hello world");
        assert_eq!(header_of(&v, "content-type"), Some("text/plain"));
        assert_eq!(header_of(&v, "x-test"), Some("yes"));
        let v = http(&mut el, get(format!("http://127.0.0.1:{port}/dup"))).unwrap();
        assert_eq!(header_of(&v, "set-cookie"), Some("a=1, b=2"));
    }

    #[test]
    fn http_non_2xx_is_success() {
        let port = start_server();
        let mut el = EventLoop::new();
        for code in [404, 500] {
            let v = http(
                &mut el,
                get(format!("http://127.0.0.1:{port}/status/{code}")),
            )
            .unwrap();
            assert_eq!(status_of(&v), code);
            assert_eq!(body_of(&v), "status");
        }
    }

    #[test]
    fn http_post_and_headers() {
        let port = start_server();
        let mut el = EventLoop::new();
        let mut req = HttpRequest::new(HttpMethod::Post, format!("http://127.0.0.1:{port}/echo"));
        req.body = Some((r#"{"a":1}"#.into(), Some("application/json".into())));
        let v = http(&mut el, req).unwrap();
        assert_eq!(status_of(&v), 200);
        assert_eq!(body_of(&v), r#"{"a":1}"#);
        assert_eq!(
            header_of(&v, "x-request-content-type"),
            Some("application/json")
        );

        let mut req = HttpRequest::new(HttpMethod::Post, format!("http://127.0.0.1:{port}/echo"));
        req.body = Some(("plain".into(), None));
        let v = http(&mut el, req).unwrap();
        assert_eq!(body_of(&v), "plain");

        let mut req = get(format!("http://127.0.0.1:{port}/header"));
        req.headers = vec![("X-Custom".into(), "custom value".into())];
        let v = http(&mut el, req).unwrap();
        assert_eq!(body_of(&v), "custom value");
    }

    #[test]
    fn http_bad_arguments() {
        let mut el = EventLoop::new();
        let err = http(&mut el, get("not a url".into())).unwrap_err();
        assert_eq!(err.class, "ArgumentException");
        assert!(
            err.message.starts_with("Invalid URL 'not a url'"),
            "{}",
            err.message
        );
        let err = http(&mut el, get("ftp://example.com/x".into())).unwrap_err();
        assert_eq!(err.class, "ArgumentException");
        assert!(err.message.contains("scheme 'ftp'"), "{}", err.message);
        let mut req = get("http://127.0.0.1:1/".into());
        req.headers = vec![("bad header".into(), "x".into())];
        let err = http(&mut el, req).unwrap_err();
        assert_eq!(err.class, "ArgumentException");
        assert!(check_url("https://example.com/").is_ok());
    }

    fn closed_port() -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }

    #[test]
    fn http_connection_refused() {
        let port = closed_port();
        let mut el = EventLoop::new();
        let url = format!("http://127.0.0.1:{port}/x");
        let err = http(&mut el, get(url.clone())).unwrap_err();
        assert_eq!(err.class, "NetworkException");
        assert_eq!(
            err.message,
            format!("HTTP GET {url} failed: connection refused")
        );
        let mut req = get(url.clone());
        req.retries = 2;
        let t = Instant::now();
        let err = http(&mut el, req).unwrap_err();
        assert_eq!(
            err.message,
            format!("HTTP GET {url} failed: connection refused (after 3 attempts)")
        );
        // Backoff 50 + 100 ms.
        assert!(
            t.elapsed() >= Duration::from_millis(150),
            "{:?}",
            t.elapsed()
        );
    }

    #[test]
    fn http_retries_until_server_is_up() {
        let port = closed_port();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
            serve(listener);
        });
        let mut el = EventLoop::new();
        let mut req = get(format!("http://127.0.0.1:{port}/hello"));
        req.retries = 5;
        req.timeout_ms = 2000;
        let t = Instant::now();
        let v = http(&mut el, req).unwrap();
        assert_eq!(body_of(&v), "hello world");
        assert!(
            t.elapsed() >= Duration::from_millis(100),
            "{:?}",
            t.elapsed()
        );
        assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    }

    #[test]
    fn http_timeout() {
        let port = start_server();
        let mut el = EventLoop::new();
        let url = format!("http://127.0.0.1:{port}/slow/2000");
        let mut req = get(url.clone());
        req.timeout_ms = 200;
        let t = Instant::now();
        let err = http(&mut el, req).unwrap_err();
        let elapsed = t.elapsed();
        assert_eq!(err.class, "NetworkException");
        assert_eq!(
            err.message,
            format!("HTTP GET {url} failed: timed out after 200 ms")
        );
        assert!(elapsed >= Duration::from_millis(200), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(600), "{elapsed:?}");
    }

    #[test]
    fn http_dns_failure() {
        let mut el = EventLoop::new();
        let mut req = get("http://gene-no-such-host.invalid/x".into());
        req.timeout_ms = 5000;
        let err = http(&mut el, req).unwrap_err();
        assert_eq!(err.class, "NetworkException");
        assert!(
            err.message
                .starts_with("HTTP GET http://gene-no-such-host.invalid/x failed: "),
            "{}",
            err.message
        );
    }

    #[test]
    fn http_concurrent_gets() {
        let port = start_server();
        let mut el = EventLoop::new();
        let client = el.http_client().unwrap();
        let t = Instant::now();
        for id in 0..10u64 {
            let req = get(format!("http://127.0.0.1:{port}/slow/200"));
            el.spawn(id, http_request(client.clone(), req));
        }
        let got = collect(&mut el, 10, Duration::from_secs(5));
        let elapsed = t.elapsed();
        assert_eq!(got.len(), 10);
        for c in &got {
            let v = c.result.as_ref().unwrap();
            assert_eq!(body_of(v), "slow");
        }
        assert!(elapsed < Duration::from_secs(1), "{elapsed:?}");
    }

    #[test]
    fn http_cancel() {
        let port = start_server();
        let mut el = EventLoop::new();
        let client = el.http_client().unwrap();
        el.spawn(
            1,
            http_request(client, get(format!("http://127.0.0.1:{port}/slow/3000"))),
        );
        std::thread::sleep(Duration::from_millis(50));
        el.cancel(1);
        assert_eq!(el.in_flight(), 0);
        assert_eq!(
            el.wait(Some(Duration::from_millis(200))),
            WaitOutcome::TimedOut
        );
    }
}
