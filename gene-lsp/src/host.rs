//! The analysis thread. Every request that reads a document's analysis runs here,
//! one at a time, so a single analysis per document version serves diagnostics,
//! the workspace index and every query (it is `Rc`-based: it stays on this
//! thread). The async workers only move messages; text-only work (formatting,
//! folding) goes to tokio's blocking pool instead, beside this thread.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;

use tokio::sync::oneshot;

type Job = Box<dyn FnOnce() + Send>;

pub struct Host {
    jobs: mpsc::Sender<Job>,
}

/// Why a job gave no answer: its panic message, or the thread is gone.
pub type Failure = String;

impl Host {
    pub fn new() -> Host {
        let (jobs, rx) = mpsc::channel::<Job>();
        let spawned = std::thread::Builder::new()
            .name("gene-analysis".into())
            // Deeply nested programs recurse in the resolver: give it room.
            .stack_size(64 << 20)
            .spawn(move || {
                // Ends when the backend (the only sender) is dropped.
                while let Ok(job) = rx.recv() {
                    job();
                }
            });
        if let Err(e) = spawned {
            // Jobs then fail with "the analysis thread is not running".
            eprintln!("gene-lsp: cannot start the analysis thread: {e}");
        }
        Host { jobs }
    }

    /// Runs `f` on the analysis thread; a panic in it is caught there and returned.
    pub async fn run<T: Send + 'static>(
        &self,
        what: &'static str,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Failure> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            // Nobody waits any more (the client cancelled the request): skip it.
            if tx.is_closed() {
                return;
            }
            let _ = tx.send(guard(what, f));
            // After the answer is on its way.
            let _ = guard("freeing old analyses", crate::modules::drop_retired);
        });
        if self.jobs.send(job).is_err() {
            return Err("the analysis thread is not running".into());
        }
        rx.await
            .unwrap_or_else(|_| Err("the analysis thread stopped".into()))
    }
}

/// Runs `f` on tokio's blocking pool, catching a panic the same way.
pub async fn blocking<T: Send + 'static>(
    what: &'static str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Failure> {
    tokio::task::spawn_blocking(move || guard(what, f))
        .await
        .unwrap_or_else(|e| Err(format!("the task did not finish: {e}")))
}

fn guard<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, Failure> {
    catch_unwind(AssertUnwindSafe(|| {
        crate::test_hooks::maybe_panic(what);
        f()
    }))
    .map_err(|p| {
        p.downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_in_order_on_one_thread_and_survive_a_panic() {
        let host = Host::new();
        let first = host
            .run("a", || std::thread::current().name().map(str::to_string))
            .await;
        assert_eq!(first, Ok(Some("gene-analysis".into())));
        let failed: Result<(), Failure> = host.run("b", || panic!("boom")).await;
        assert_eq!(failed, Err("boom".into()));
        // The thread is still there.
        assert_eq!(host.run("c", || 2 + 2).await, Ok(4));
    }

    #[tokio::test]
    async fn a_job_nobody_waits_for_does_not_run() {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::Arc;
        let host = Arc::new(Host::new());
        let (block_tx, block_rx) = mpsc::channel::<()>();
        let ran = Arc::new(AtomicBool::new(false));
        // Keep the thread busy, queue a job, then cancel the request waiting for it.
        let h = host.clone();
        let busy =
            tokio::spawn(async move { h.run("busy", move || block_rx.recv().is_ok()).await });
        let (h, flag) = (host.clone(), ran.clone());
        let cancelled = tokio::spawn(async move {
            h.run("cancelled", move || flag.store(true, Ordering::SeqCst))
                .await
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        cancelled.abort();
        let _ = cancelled.await;
        let _ = block_tx.send(());
        assert_eq!(busy.await.ok(), Some(Ok(true)));
        assert_eq!(host.run("after", || 1).await, Ok(1));
        assert!(!ran.load(Ordering::SeqCst), "a cancelled request's job ran");
    }
}
