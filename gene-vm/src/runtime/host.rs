//! Host side of Gene's asynchronous runtime.
//!
//! The VM thread owns every Gene value (they are `Rc`, not `Send`). Async natives create a
//! Gene future on the VM thread and hand a `Send` host operation to [`EventLoop::spawn`].
//! The operation runs on a small tokio runtime; when it ends it posts a [`Completion`] to the
//! VM's inbox and bumps an atomic counter, so a poll with nothing ready is one atomic load
//! ([`EventLoop::has_ready`]). When the program awaits a pending future the VM blocks in
//! [`EventLoop::wait`], which sleeps on the inbox channel and costs no CPU.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use tokio::runtime::Runtime;
use tokio::task::AbortHandle;

/// A value produced by a host operation. Only `Send` data: the VM converts it into a Gene
/// value on its own thread.
#[derive(Debug, Clone, PartialEq)]
pub enum HostValue {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// Ordered key/value pairs (a Gene map with string keys).
    Map(Vec<(String, HostValue)>),
}

impl HostValue {
    /// Looks a key up in a `Map` (first match); `None` for other variants.
    pub fn get(&self, key: &str) -> Option<&HostValue> {
        match self {
            HostValue::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Failure of a host operation; the VM throws it as an exception of class `class`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostError {
    /// "IOError", "NetworkException", "TimeoutException" or "ArgumentException".
    pub class: &'static str,
    pub message: String,
}

impl HostError {
    pub fn new(class: &'static str, message: impl Into<String>) -> HostError {
        HostError {
            class,
            message: message.into(),
        }
    }

    pub fn io(message: impl Into<String>) -> HostError {
        HostError::new("IOError", message)
    }

    pub fn network(message: impl Into<String>) -> HostError {
        HostError::new("NetworkException", message)
    }

    pub fn argument(message: impl Into<String>) -> HostError {
        HostError::new("ArgumentException", message)
    }
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.class, self.message)
    }
}

impl std::error::Error for HostError {}

pub type HostResult = Result<HostValue, HostError>;

/// The outcome of one host operation, addressed to the Gene future that spawned it.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub future_id: u64,
    pub result: HostResult,
}

/// What travels through the VM's inbox.
#[derive(Debug)]
pub enum InboxMsg {
    Completion(Completion),
    /// Sent by another thread (a debugger) to interrupt a blocking [`EventLoop::wait`].
    Wake,
}

/// A handle other threads use to interrupt the VM while it blocks in [`EventLoop::wait`].
#[derive(Clone, Debug)]
pub struct InboxSender {
    tx: Sender<InboxMsg>,
}

impl InboxSender {
    /// Wakes a blocking `wait` (which returns [`WaitOutcome::Woken`]). A wake sent while the
    /// VM is not waiting is remembered and makes the next `wait` return at once.
    pub fn wake(&self) {
        // The loop may already be gone; then there is nobody to wake.
        let _ = self.tx.send(InboxMsg::Wake);
    }
}

/// Result of [`EventLoop::wait`].
#[derive(Debug, PartialEq)]
pub enum WaitOutcome {
    /// One or more completions, in the order they arrived.
    Completions(Vec<Completion>),
    /// [`InboxSender::wake`] was called and no completion was available.
    Woken,
    /// The timeout passed without any message.
    TimedOut,
}

/// Tokio worker threads: host ops are I/O bound, two keep the shared cores free for the VM.
const WORKER_THREADS: usize = 2;
/// tokio::fs runs on the blocking pool; a slow FIFO writer holds one thread for as long as
/// it stalls, so the pool must be big enough that such reads do not starve other ops.
const MAX_BLOCKING_THREADS: usize = 64;

static RUSTLS_PROVIDER: Once = Once::new();

/// Installs rustls' `ring` crypto provider once per process (reqwest is built with
/// `rustls-no-provider`). Another provider installed first is left alone.
pub fn install_crypto_provider() {
    RUSTLS_PROVIDER.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The event loop owned by one VM. Cheap to create: tokio starts on the first spawn.
pub struct EventLoop {
    runtime: Option<Runtime>,
    tx: Sender<InboxMsg>,
    rx: Receiver<InboxMsg>,
    /// Completions posted but not yet received; bumped before each send, so it never
    /// underflows (at worst a poll sees 1 a few nanoseconds before the message lands).
    ready: Arc<AtomicUsize>,
    /// In-flight ops by future id. `None` marks an op that failed to start but whose error
    /// completion still has to be drained. Ids missing here (cancelled) are discarded.
    tasks: HashMap<u64, Option<AbortHandle>>,
    /// A wake received while draining, kept so that the next `wait` does not miss it.
    pending_wake: bool,
    http: Option<reqwest::Client>,
}

impl Default for EventLoop {
    fn default() -> Self {
        EventLoop::new()
    }
}

impl fmt::Debug for EventLoop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventLoop")
            .field("started", &self.started())
            .field("in_flight", &self.in_flight())
            .field("ready", &self.ready.load(Ordering::Relaxed))
            .finish()
    }
}

impl EventLoop {
    /// Creates the loop without starting any thread.
    pub fn new() -> EventLoop {
        let (tx, rx) = mpsc::channel();
        EventLoop {
            runtime: None,
            tx,
            rx,
            ready: Arc::new(AtomicUsize::new(0)),
            tasks: HashMap::new(),
            pending_wake: false,
            http: None,
        }
    }

    /// True once the tokio runtime has been started.
    pub fn started(&self) -> bool {
        self.runtime.is_some()
    }

    fn runtime(&mut self) -> Result<&Runtime, HostError> {
        if self.runtime.is_none() {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(WORKER_THREADS)
                .max_blocking_threads(MAX_BLOCKING_THREADS)
                .thread_name("gene-host")
                .enable_time()
                .enable_io()
                .build()
                .map_err(|e| HostError::io(format!("Failed to start the async runtime: {e}")))?;
            self.runtime = Some(rt);
        }
        // Just set above when it was missing.
        self.runtime
            .as_ref()
            .ok_or_else(|| HostError::io("Failed to start the async runtime"))
    }

    /// Runs `op` in the background; its result arrives later as a [`Completion`] for
    /// `future_id`. Never blocks. Future ids must be unique among in-flight ops: spawning an
    /// id that is still in flight cancels the older op.
    pub fn spawn<F>(&mut self, future_id: u64, op: F)
    where
        F: Future<Output = HostResult> + Send + 'static,
    {
        if let Some(Some(old)) = self.tasks.remove(&future_id) {
            old.abort();
        }
        let task = complete_into(future_id, op, self.tx.clone(), Arc::clone(&self.ready));
        match self.runtime() {
            Ok(rt) => {
                let handle = rt.spawn(task);
                self.tasks.insert(future_id, Some(handle.abort_handle()));
            }
            Err(err) => {
                // No runtime: fail the future through the normal path so the VM sees it.
                drop(task);
                self.tasks.insert(future_id, None);
                post(
                    &self.tx,
                    &self.ready,
                    Completion {
                        future_id,
                        result: Err(err),
                    },
                );
            }
        }
    }

    /// Stops the host work of `future_id` (if still running) and forgets it: no completion
    /// will be delivered for it, and `in_flight` drops at once.
    pub fn cancel(&mut self, future_id: u64) {
        if let Some(Some(handle)) = self.tasks.remove(&future_id) {
            handle.abort();
        }
    }

    /// Stops every host operation and the runtime without waiting for them (a
    /// debugger ended the program; a blocking read may still finish in the background).
    pub fn shutdown(&mut self) {
        for (_, h) in self.tasks.drain() {
            if let Some(h) = h {
                h.abort();
            }
        }
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }

    /// Spawned ops whose completion has not been drained yet (cancelled ones excluded).
    pub fn in_flight(&self) -> usize {
        self.tasks.len()
    }

    /// The counter behind `has_ready`, for a caller that polls it in a hot loop.
    pub fn ready_counter(&self) -> Arc<AtomicUsize> {
        self.ready.clone()
    }

    /// True if at least one completion is waiting in the inbox. One atomic load.
    #[inline]
    pub fn has_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire) != 0
    }

    /// Takes every completion available now, in arrival order. Never blocks.
    pub fn try_drain(&mut self) -> Vec<Completion> {
        let mut out = Vec::new();
        self.try_drain_into(&mut out);
        out
    }

    /// Like [`EventLoop::try_drain`] but appends to `out` (lets the VM reuse a buffer).
    /// Returns the number of completions appended.
    pub fn try_drain_into(&mut self, out: &mut Vec<Completion>) -> usize {
        let before = out.len();
        // Empty ends it; the loop holds a sender itself, so it never disconnects.
        while let Ok(msg) = self.rx.try_recv() {
            self.accept(msg, out);
        }
        out.len() - before
    }

    /// Blocks until a completion or a wake arrives, or `timeout` passes (`None`: no limit).
    /// Completions win over a wake that arrived together with them; that wake is then
    /// reported by the next call. The caller must not wait without a timeout when nothing
    /// is in flight and nobody can wake it (the VM reports that as a deadlock instead).
    pub fn wait(&mut self, timeout: Option<Duration>) -> WaitOutcome {
        let mut out = Vec::new();
        // Anything already here (or a remembered wake) returns without blocking.
        self.try_drain_into(&mut out);
        if !out.is_empty() {
            return WaitOutcome::Completions(out);
        }
        if std::mem::take(&mut self.pending_wake) {
            return WaitOutcome::Woken;
        }
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        loop {
            let msg = match deadline {
                None => match self.rx.recv() {
                    Ok(msg) => msg,
                    // Unreachable while we hold `tx`; treat like a timeout rather than spin.
                    Err(_) => return WaitOutcome::TimedOut,
                },
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    match self.rx.recv_timeout(left) {
                        Ok(msg) => msg,
                        Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {
                            return WaitOutcome::TimedOut
                        }
                    }
                }
            };
            self.accept(msg, &mut out);
            // Collect whatever else arrived meanwhile, so one wake-up handles a burst.
            self.try_drain_into(&mut out);
            if !out.is_empty() {
                return WaitOutcome::Completions(out);
            }
            if std::mem::take(&mut self.pending_wake) {
                return WaitOutcome::Woken;
            }
            // Only a stale completion of a cancelled op arrived: keep waiting.
        }
    }

    /// A handle that other threads can use to wake a blocking `wait`.
    pub fn sender(&self) -> InboxSender {
        InboxSender {
            tx: self.tx.clone(),
        }
    }

    /// The HTTP client shared by all requests of this loop (created on first use; starts the
    /// runtime because the client's connection pool lives on it). Cloning it is cheap.
    pub fn http_client(&mut self) -> Result<reqwest::Client, HostError> {
        if let Some(client) = &self.http {
            return Ok(client.clone());
        }
        install_crypto_provider();
        let rt = self.runtime()?;
        let _guard = rt.enter();
        let client = reqwest::Client::builder()
            .user_agent(concat!("gene/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                HostError::network(format!(
                    "Failed to create the HTTP client: {}",
                    error_chain(&e)
                ))
            })?;
        self.http = Some(client.clone());
        Ok(client)
    }

    fn accept(&mut self, msg: InboxMsg, out: &mut Vec<Completion>) {
        match msg {
            InboxMsg::Completion(c) => {
                self.ready.fetch_sub(1, Ordering::AcqRel);
                // Cancelled ops may still have posted: drop those.
                if self.tasks.remove(&c.future_id).is_some() {
                    out.push(c);
                }
            }
            InboxMsg::Wake => self.pending_wake = true,
        }
    }
}

impl Drop for EventLoop {
    fn drop(&mut self) {
        // Do not wait for running ops (a FIFO read may never end).
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

fn post(tx: &Sender<InboxMsg>, ready: &AtomicUsize, completion: Completion) {
    // Count first so the counter never goes below the number of queued messages.
    ready.fetch_add(1, Ordering::AcqRel);
    if tx.send(InboxMsg::Completion(completion)).is_err() {
        // The loop is gone; nobody will read the counter again but keep it consistent.
        ready.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Wraps `op` so that its result is posted to the inbox.
async fn complete_into<F>(future_id: u64, op: F, tx: Sender<InboxMsg>, ready: Arc<AtomicUsize>)
where
    F: Future<Output = HostResult> + Send + 'static,
{
    let mut guard = PanicGuard {
        future_id,
        tx: Some(tx),
        ready,
    };
    let result = op.await;
    if let Some(tx) = guard.tx.take() {
        post(&tx, &guard.ready, Completion { future_id, result });
    }
}
/// Fails the future if its op panics, so the VM is not left awaiting forever. An aborted
/// (cancelled) op is dropped without panicking and posts nothing.
struct PanicGuard {
    future_id: u64,
    tx: Option<Sender<InboxMsg>>,
    ready: Arc<AtomicUsize>,
}

impl Drop for PanicGuard {
    fn drop(&mut self) {
        if let Some(tx) = self.tx.take() {
            if std::thread::panicking() {
                let result = Err(HostError::io("Internal error: the host operation panicked"));
                post(
                    &tx,
                    &self.ready,
                    Completion {
                        future_id: self.future_id,
                        result,
                    },
                );
            }
        }
    }
}

/// Formats an error with its sources ("a: b: c"), skipping repeats.
pub(crate) fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(e) = source {
        let s = e.to_string();
        if !text.contains(&s) {
            text.push_str(": ");
            text.push_str(&s);
        }
        source = e.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    async fn sleep_op(ms: u64, value: i64) -> HostResult {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        Ok(HostValue::Int(value))
    }

    /// Waits (blocking) until `n` completions have arrived or `limit` passes.
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

    #[test]
    fn new_is_lazy() {
        let mut el = EventLoop::new();
        assert!(!el.started());
        assert!(!el.has_ready());
        assert_eq!(el.in_flight(), 0);
        assert!(el.try_drain().is_empty());
        assert_eq!(
            el.wait(Some(Duration::from_millis(10))),
            WaitOutcome::TimedOut
        );
        assert!(!el.started());
        el.spawn(1, async { Ok(HostValue::Nil) });
        assert!(el.started());
    }

    #[test]
    fn drain_in_completion_order() {
        let mut el = EventLoop::new();
        el.spawn(1, sleep_op(150, 1));
        el.spawn(2, sleep_op(20, 2));
        el.spawn(3, sleep_op(80, 3));
        assert_eq!(el.in_flight(), 3);
        let got = collect(&mut el, 3, Duration::from_secs(2));
        let ids: Vec<u64> = got.iter().map(|c| c.future_id).collect();
        assert_eq!(ids, vec![2, 3, 1]);
        assert_eq!(got[0].result, Ok(HostValue::Int(2)));
        assert_eq!(el.in_flight(), 0);
        assert!(!el.has_ready());
    }

    #[test]
    fn has_ready_then_try_drain() {
        let mut el = EventLoop::new();
        el.spawn(7, async { Ok(HostValue::Str("x".into())) });
        let deadline = Instant::now() + Duration::from_secs(2);
        while !el.has_ready() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(el.has_ready());
        let mut buf = Vec::new();
        // The counter may lead the message by a moment; retry briefly.
        while el.try_drain_into(&mut buf) == 0 && Instant::now() < deadline {
            std::thread::yield_now();
        }
        assert_eq!(buf.len(), 1);
        assert_eq!(buf[0].future_id, 7);
        assert!(!el.has_ready());
        assert_eq!(el.in_flight(), 0);
    }

    #[test]
    fn wait_blocks_until_completion() {
        let mut el = EventLoop::new();
        el.spawn(1, sleep_op(100, 1));
        let t = Instant::now();
        let out = el.wait(None);
        let elapsed = t.elapsed();
        match out {
            WaitOutcome::Completions(c) => assert_eq!(c[0].future_id, 1),
            other => panic!("unexpected {other:?}"),
        }
        assert!(elapsed >= Duration::from_millis(90), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(500), "{elapsed:?}");
    }

    #[test]
    fn wait_times_out() {
        let mut el = EventLoop::new();
        el.spawn(1, sleep_op(1000, 1));
        let t = Instant::now();
        assert_eq!(
            el.wait(Some(Duration::from_millis(100))),
            WaitOutcome::TimedOut
        );
        let elapsed = t.elapsed();
        assert!(elapsed >= Duration::from_millis(100), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(400), "{elapsed:?}");
        assert_eq!(el.in_flight(), 1);
    }

    #[test]
    fn wake_interrupts_wait() {
        let mut el = EventLoop::new();
        el.spawn(1, sleep_op(5000, 1));
        let sender = el.sender();
        let waker = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            sender.wake();
        });
        let t = Instant::now();
        assert_eq!(el.wait(None), WaitOutcome::Woken);
        let elapsed = t.elapsed();
        assert!(elapsed >= Duration::from_millis(90), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(1000), "{elapsed:?}");
        waker.join().unwrap();
        // A wake sent while not waiting is remembered by the next wait.
        el.sender().wake();
        assert!(el.try_drain().is_empty());
        assert_eq!(el.wait(Some(Duration::from_secs(2))), WaitOutcome::Woken);
        assert_eq!(
            el.wait(Some(Duration::from_millis(10))),
            WaitOutcome::TimedOut
        );
    }

    #[test]
    fn sleeps_run_concurrently() {
        let mut el = EventLoop::new();
        let t = Instant::now();
        for id in 0..3 {
            el.spawn(id, sleep_op(300, id as i64));
        }
        let got = collect(&mut el, 3, Duration::from_secs(2));
        let elapsed = t.elapsed();
        assert_eq!(got.len(), 3);
        assert!(elapsed < Duration::from_millis(600), "{elapsed:?}");
    }

    #[test]
    fn cancel_stops_host_work() {
        struct SetOnDrop(Arc<AtomicBool>);
        impl Drop for SetOnDrop {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let dropped = Arc::new(AtomicBool::new(false));
        let flag = SetOnDrop(Arc::clone(&dropped));
        let mut el = EventLoop::new();
        el.spawn(1, async move {
            let _flag = flag;
            tokio::time::sleep(Duration::from_secs(10)).await;
            Ok(HostValue::Nil)
        });
        el.spawn(2, sleep_op(50, 2));
        assert_eq!(el.in_flight(), 2);
        el.cancel(1);
        el.cancel(99); // unknown ids are ignored
        assert_eq!(el.in_flight(), 1);
        let got = collect(&mut el, 1, Duration::from_secs(2));
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].future_id, 2);
        let deadline = Instant::now() + Duration::from_secs(2);
        while !dropped.load(Ordering::SeqCst) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(
            dropped.load(Ordering::SeqCst),
            "cancelled op was not dropped"
        );
        assert_eq!(el.in_flight(), 0);
        assert_eq!(
            el.wait(Some(Duration::from_millis(50))),
            WaitOutcome::TimedOut
        );
    }

    #[test]
    fn cancel_after_completion_discards_it() {
        let mut el = EventLoop::new();
        el.spawn(1, async { Ok(HostValue::Nil) });
        std::thread::sleep(Duration::from_millis(100));
        el.cancel(1);
        assert_eq!(el.in_flight(), 0);
        assert!(el.try_drain().is_empty());
        assert!(!el.has_ready());
    }

    #[test]
    fn panicking_op_fails_its_future() {
        let mut el = EventLoop::new();
        el.spawn(5, async {
            if std::env::var_os("GENE_NEVER_SET_THIS").is_none() {
                panic!("boom");
            }
            Ok(HostValue::Nil)
        });
        let got = collect(&mut el, 1, Duration::from_secs(2));
        assert_eq!(got.len(), 1);
        let err = got[0].result.clone().unwrap_err();
        assert_eq!(err.class, "IOError");
        assert!(err.message.contains("panicked"), "{}", err.message);
    }

    #[test]
    fn many_sleeps_are_cheap() {
        // Per-op task state: the wrapped future (plus tokio's task header, ~100 bytes).
        let (tx, _rx) = mpsc::channel();
        let fut = complete_into(
            0,
            crate::runtime::ops::sleep_ms(10),
            tx,
            Arc::new(AtomicUsize::new(0)),
        );
        let size = std::mem::size_of_val(&fut);
        assert!(size < 768, "sleep task future is {size} bytes");
        drop(fut);

        let mut el = EventLoop::new();
        let t = Instant::now();
        for id in 0..10_000u64 {
            el.spawn(id, crate::runtime::ops::sleep_ms(100));
        }
        assert_eq!(el.in_flight(), 10_000);
        let got = collect(&mut el, 10_000, Duration::from_secs(10));
        assert_eq!(got.len(), 10_000);
        assert_eq!(el.in_flight(), 0);
        assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    }

    #[test]
    fn several_loops_and_drop_do_not_hang() {
        let mut a = EventLoop::new();
        let mut b = EventLoop::new();
        a.spawn(1, sleep_op(10_000, 1));
        b.spawn(1, sleep_op(10, 2));
        let got = collect(&mut b, 1, Duration::from_secs(2));
        assert_eq!(got[0].result, Ok(HostValue::Int(2)));
        let t = Instant::now();
        drop(a);
        drop(b);
        assert!(t.elapsed() < Duration::from_millis(500));
    }

    #[test]
    fn http_client_is_shared() {
        let mut el = EventLoop::new();
        assert!(el.http_client().is_ok());
        assert!(el.started());
        assert!(el.http_client().is_ok());
        assert!(el.http.is_some());
    }
}
