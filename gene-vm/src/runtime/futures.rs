//! Gene futures on the VM thread: states, callbacks, polling, `await`,
//! combinators (`gene/all`, `gene/any`) and the figures the debugger shows.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::{Rc, Weak};
use std::time::{Duration, Instant};

use super::host::{Completion, EventLoop, HostError, HostResult, HostValue, WaitOutcome};
use crate::compile::FileId;
use crate::syntax::Span;
use crate::vm::error::{ErrorKind, Throw, VmResult};
use crate::vm::value::{PropMap, Value};
use crate::vm::{print, Vm};

#[derive(Clone)]
pub enum FutState {
    Pending,
    Success(Value),
    Failure(Value),
    Cancelled(Value),
}

pub struct FutureObj {
    pub id: u64,
    pub label: String,
    pub origin: Option<(FileId, Span)>,
    pub state: RefCell<FutState>,
    /// (runs on success?, callback) in registration order.
    pub callbacks: RefCell<Vec<(bool, Value)>>,
    /// Combinators waiting on this future.
    dependents: RefCell<Vec<Rc<Combinator>>>,
    /// For `gene/all` / `gene/any`: the futures it combines (debugger).
    inputs: RefCell<Vec<Weak<FutureObj>>>,
    /// The Gene frame blocked in `await` on this future, if any ("fn (file:line:col)").
    pub awaited_by: RefCell<Option<String>>,
    pub created: Instant,
    pub resolved_at: Cell<Option<Instant>>,
    /// Shared count of pending futures (kept right when a pending future is dropped).
    pending_count: Rc<Cell<usize>>,
}

impl FutureObj {
    pub fn is_pending(&self) -> bool {
        matches!(*self.state.borrow(), FutState::Pending)
    }
    pub fn state_name(&self) -> &'static str {
        match *self.state.borrow() {
            FutState::Pending => "pending",
            FutState::Success(_) => "success",
            FutState::Failure(_) => "failure",
            FutState::Cancelled(_) => "cancelled",
        }
    }
    pub fn state_kind_name(&self) -> &'static str {
        match *self.state.borrow() {
            FutState::Pending => "FsPending",
            FutState::Success(_) => "FsSuccess",
            FutState::Failure(_) => "FsFailure",
            FutState::Cancelled(_) => "FsCancelled",
        }
    }
    /// True when a combinator waits on this future.
    pub fn has_dependents(&self) -> bool {
        !self.dependents.borrow().is_empty()
    }
    /// The inputs of a combinator's future that are still alive.
    pub fn inputs(&self) -> Vec<Rc<FutureObj>> {
        self.inputs
            .borrow()
            .iter()
            .filter_map(|w| w.upgrade())
            .collect()
    }
    pub fn describe(&self) -> String {
        format!("future #{} ({})", self.id, self.label)
    }
}

impl Drop for FutureObj {
    fn drop(&mut self) {
        if self.is_pending() {
            self.pending_count
                .set(self.pending_count.get().saturating_sub(1));
        }
    }
}

#[derive(Default, Clone, Debug)]
pub struct AsyncStats {
    pub polls: u64,
    pub polls_with_work: u64,
    pub completions: u64,
    pub callbacks: u64,
    pub awaits: u64,
    pub await_blocked: Duration,
    pub pending_max: usize,
}

enum CombKind {
    All,
    Any,
}

/// `gene/all` / `gene/any`: notified by each input as it resolves (no rescans).
pub struct Combinator {
    target: Rc<FutureObj>,
    inputs: Vec<Rc<FutureObj>>,
    kind: CombKind,
    /// Inputs not yet resolved.
    remaining: Cell<usize>,
}

#[derive(Default)]
pub struct AsyncState {
    pub event_loop: EventLoop,
    host_futures: HashMap<u64, Rc<FutureObj>>,
    scheduled: VecDeque<(Rc<FutureObj>, Value)>,
    live: Vec<Weak<FutureObj>>,
    next_id: u64,
    pending: Rc<Cell<usize>>,
    pub stats: AsyncStats,
    completions_buf: Vec<Completion>,
}

impl AsyncState {
    #[inline]
    pub fn needs_poll(&self) -> bool {
        self.event_loop.has_ready() || !self.scheduled.is_empty()
    }
    /// Callbacks queued for the next poll.
    #[inline]
    pub fn has_scheduled(&self) -> bool {
        !self.scheduled.is_empty()
    }
    /// Callbacks queued for the next poll, with their futures (debugger).
    pub fn scheduled_callbacks(&self) -> Vec<(Rc<FutureObj>, Value)> {
        self.scheduled.iter().cloned().collect()
    }
    pub fn pending_now(&self) -> usize {
        self.pending.get()
    }
    /// Every future still alive (for the debugger), oldest first.
    pub fn live_futures(&mut self) -> Vec<Rc<FutureObj>> {
        self.live.retain(|w| w.strong_count() > 0);
        self.live.iter().filter_map(|w| w.upgrade()).collect()
    }
    fn is_idle(&self) -> bool {
        self.event_loop.in_flight() == 0 && self.scheduled.is_empty()
    }
}

impl Vm {
    fn origin_here(&self) -> Option<(FileId, Span)> {
        self.frames.last().map(|f| {
            let p = &f.closure.proto;
            let span = p
                .chunk
                .spans
                .get((f.ip as usize).saturating_sub(1))
                .copied()
                .unwrap_or(p.span);
            (p.file, span)
        })
    }

    pub fn new_pending_future(&mut self, label: impl Into<String>) -> Rc<FutureObj> {
        let a = &mut self.asyncs;
        a.next_id += 1;
        let id = a.next_id;
        a.pending.set(a.pending.get() + 1);
        a.stats.pending_max = a.stats.pending_max.max(a.pending.get());
        let origin = self.origin_here();
        let f = Rc::new(FutureObj {
            id,
            label: label.into(),
            origin,
            state: RefCell::new(FutState::Pending),
            callbacks: RefCell::new(Vec::new()),
            dependents: RefCell::new(Vec::new()),
            inputs: RefCell::new(Vec::new()),
            awaited_by: RefCell::new(None),
            created: Instant::now(),
            resolved_at: Cell::new(None),
            pending_count: self.asyncs.pending.clone(),
        });
        if self.asyncs.live.len() > 1024 && self.asyncs.live.len().is_power_of_two() {
            self.asyncs.live.retain(|w| w.strong_count() > 0);
        }
        self.asyncs.live.push(Rc::downgrade(&f));
        if self.debug.is_some() {
            self.debug_future_created(&f);
        }
        f
    }

    /// A future already resolved with a value or an exception.
    pub fn resolved_future(&mut self, r: Result<Value, Value>, label: &str) -> Value {
        let f = self.new_pending_future(label);
        let st = match r {
            Ok(v) => FutState::Success(v),
            Err(e) => FutState::Failure(e),
        };
        self.set_state(&f, st);
        Value::Future(f)
    }

    fn set_state(&mut self, f: &Rc<FutureObj>, st: FutState) {
        *f.state.borrow_mut() = st;
        f.resolved_at.set(Some(Instant::now()));
        let p = &self.asyncs.pending;
        p.set(p.get().saturating_sub(1));
        if self.debug.is_some() {
            self.debug_future_settled(f);
        }
    }

    /// Starts a host operation; returns its pending future.
    pub fn spawn_host<F>(&mut self, label: String, op: F) -> Value
    where
        F: std::future::Future<Output = HostResult> + Send + 'static,
    {
        let f = self.new_pending_future(label);
        self.asyncs.host_futures.insert(f.id, f.clone());
        self.asyncs.event_loop.spawn(f.id, op);
        Value::Future(f)
    }

    pub fn host_to_value(&mut self, v: HostValue) -> Value {
        match v {
            HostValue::Nil => Value::Nil,
            HostValue::Bool(b) => Value::Bool(b),
            HostValue::Int(i) => Value::Int(i),
            HostValue::Float(f) => Value::Float(f),
            HostValue::Str(s) => Value::str(s),
            HostValue::Map(entries) => {
                let mut m = PropMap::new();
                for (k, v) in entries {
                    let k = self.intern(&k);
                    let v = self.host_to_value(v);
                    m.insert(k, v);
                }
                Value::map(m)
            }
        }
    }

    fn host_error(&mut self, e: HostError) -> Value {
        let kind = ErrorKind::from_class_name(e.class);
        self.make_exception(kind, &e.message)
    }

    /// Resolve a pending future and run its callbacks now, in registration order.
    /// An uncaught error in a callback ends the program (it names the future).
    pub fn resolve_future(&mut self, f: &Rc<FutureObj>, st: FutState) -> VmResult<()> {
        if !f.is_pending() {
            return Ok(());
        }
        let success = matches!(st, FutState::Success(_));
        let arg = match &st {
            FutState::Success(v) | FutState::Failure(v) | FutState::Cancelled(v) => v.clone(),
            FutState::Pending => Value::Nil,
        };
        self.set_state(f, st);
        if self.asyncs.host_futures.remove(&f.id).is_some() {
            self.asyncs.event_loop.cancel(f.id);
        }
        let cbs = std::mem::take(&mut *f.callbacks.borrow_mut());
        for (on_success, cb) in cbs {
            if on_success == success {
                self.run_callback(f, &cb, arg.clone())?;
            }
        }
        let deps = std::mem::take(&mut *f.dependents.borrow_mut());
        for c in deps {
            self.notify_combinator(&c, success, &arg)?;
        }
        Ok(())
    }

    fn run_callback(&mut self, f: &Rc<FutureObj>, cb: &Value, arg: Value) -> VmResult<()> {
        self.asyncs.stats.callbacks += 1;
        let origin = match f.origin {
            Some((file, span)) => {
                let (name, l, c) = self.position(file, span);
                format!(" ({name}:{l}:{c})")
            }
            None => String::new(),
        };
        self.async_boundaries.push(crate::vm::error::AsyncBoundary {
            depth: self.frames.len(),
            label: format!("future #{} resolved: {}{origin}", f.id, f.label),
        });
        let r = self.call_value(cb, vec![arg]);
        self.async_boundaries.pop();
        match r {
            Ok(_) => Ok(()),
            Err(mut t) => {
                if t.context.is_none() {
                    t.context = Some(format!("in callback of {}", f.describe()));
                }
                Err(t)
            }
        }
    }

    /// `.on_success` / `.on_failure`.
    pub fn add_callback(&mut self, f: &Rc<FutureObj>, on_success: bool, cb: Value) {
        let st = f.state.borrow().clone();
        match st {
            FutState::Pending => f.callbacks.borrow_mut().push((on_success, cb)),
            FutState::Success(_) if on_success => self.asyncs.scheduled.push_back((f.clone(), cb)),
            FutState::Failure(_) | FutState::Cancelled(_) if !on_success => {
                self.asyncs.scheduled.push_back((f.clone(), cb))
            }
            _ => {}
        }
    }

    /// One poll: resolve completed host operations, then run callbacks scheduled before it.
    pub fn poll(&mut self) -> VmResult<()> {
        self.asyncs.stats.polls += 1;
        let mut buf = std::mem::take(&mut self.asyncs.completions_buf);
        self.asyncs.event_loop.try_drain_into(&mut buf);
        let scheduled = self.asyncs.scheduled.len();
        if !buf.is_empty() || scheduled > 0 {
            self.asyncs.stats.polls_with_work += 1;
        }
        let r = self.apply_completions(&mut buf);
        self.asyncs.completions_buf = buf;
        r?;
        for _ in 0..scheduled {
            let Some((f, cb)) = self.asyncs.scheduled.pop_front() else {
                break;
            };
            let arg = match &*f.state.borrow() {
                FutState::Success(v) | FutState::Failure(v) | FutState::Cancelled(v) => v.clone(),
                FutState::Pending => Value::Nil,
            };
            self.run_callback(&f, &cb, arg)?;
        }
        Ok(())
    }

    fn apply_completions(&mut self, buf: &mut Vec<Completion>) -> VmResult<()> {
        let mut res = Ok(());
        for c in buf.drain(..) {
            self.asyncs.stats.completions += 1;
            let Some(f) = self.asyncs.host_futures.remove(&c.future_id) else {
                continue;
            };
            let st = match c.result {
                Ok(v) => FutState::Success(self.host_to_value(v)),
                Err(e) => FutState::Failure(self.host_error(e)),
            };
            if res.is_ok() {
                res = self.resolve_future(&f, st);
            } else {
                self.set_state(&f, st);
            }
        }
        res
    }

    /// An input of `c` resolved: finish the combinator when its outcome is known.
    fn notify_combinator(
        &mut self,
        c: &Rc<Combinator>,
        success: bool,
        arg: &Value,
    ) -> VmResult<()> {
        if !c.target.is_pending() {
            return Ok(());
        }
        c.remaining.set(c.remaining.get().saturating_sub(1));
        let outcome = match (&c.kind, success) {
            (CombKind::All, false) | (CombKind::Any, true) => Some((success, arg.clone())),
            (CombKind::All, true) if c.remaining.get() == 0 => {
                let vals: Vec<Value> = c
                    .inputs
                    .iter()
                    .map(|f| match &*f.state.borrow() {
                        FutState::Success(v) => v.clone(),
                        _ => Value::Nil,
                    })
                    .collect();
                Some((true, Value::array(vals)))
            }
            (CombKind::Any, false) if c.remaining.get() == 0 => Some((false, arg.clone())),
            _ => None,
        };
        match outcome {
            Some((true, v)) => self.resolve_future(&c.target, FutState::Success(v)),
            Some((false, e)) => self.resolve_future(&c.target, FutState::Failure(e)),
            None => Ok(()),
        }
    }

    /// `gene/all` and `gene/any`.
    pub fn combine(&mut self, futures: Vec<Rc<FutureObj>>, all: bool) -> VmResult<Value> {
        let label = if all { "gene/all" } else { "gene/any" };
        let target = self.new_pending_future(format!("{label} ({} futures)", futures.len()));
        if !all && futures.is_empty() {
            let e = self.make_exception(ErrorKind::Concurrency, "gene/any of no futures");
            self.set_state(&target, FutState::Failure(e));
            return Ok(Value::Future(target));
        }
        *target.inputs.borrow_mut() = futures.iter().map(Rc::downgrade).collect();
        let comb = Rc::new(Combinator {
            target: target.clone(),
            remaining: Cell::new(futures.len()),
            inputs: futures,
            kind: if all { CombKind::All } else { CombKind::Any },
        });
        if comb.inputs.is_empty() {
            self.resolve_future(&target, FutState::Success(Value::array(Vec::new())))?;
        }
        for f in comb.inputs.clone() {
            let st = f.state.borrow().clone();
            match st {
                FutState::Pending => f.dependents.borrow_mut().push(comb.clone()),
                FutState::Success(v) => self.notify_combinator(&comb, true, &v)?,
                FutState::Failure(e) | FutState::Cancelled(e) => {
                    self.notify_combinator(&comb, false, &e)?
                }
            }
        }
        Ok(Value::Future(target))
    }

    /// `(await F...)`: keeps the event loop running until each future resolves.
    pub fn await_values(&mut self, futs: Vec<Value>, timeout: Option<Value>) -> VmResult<Value> {
        let deadline = match &timeout {
            None => None,
            Some(t @ (Value::Int(_) | Value::Float(_))) => {
                let ms = crate::stdlib::duration_value_ms(self, t, "await ^timeout")?;
                Some(Instant::now() + Duration::from_millis(ms))
            }
            Some(other) => {
                return Err(self.type_err(format!(
                    "await ^timeout expects milliseconds (Int) or seconds (Float), got {}",
                    other.type_name()
                )))
            }
        };
        let single = futs.len() == 1;
        let mut results = Vec::with_capacity(futs.len());
        for fv in futs {
            let Value::Future(f) = fv else {
                return Err(self.type_err(format!(
                    "await expects a Future, got: {}",
                    print::quoted(&fv)
                )));
            };
            self.asyncs.stats.awaits += 1;
            results.push(self.await_one(&f, deadline)?);
        }
        Ok(if single {
            results.pop().unwrap_or_default()
        } else {
            Value::array(results)
        })
    }

    fn await_one(&mut self, f: &Rc<FutureObj>, deadline: Option<Instant>) -> VmResult<Value> {
        if f.is_pending() {
            let who = self.capture_trace().into_iter().next().map(|t| {
                let (file, l, c) = self.position(t.file, t.span);
                format!("{} ({file}:{l}:{c})", t.function)
            });
            *f.awaited_by.borrow_mut() = who;
        }
        let r = self.await_loop(f, deadline);
        *f.awaited_by.borrow_mut() = None;
        r
    }

    fn await_loop(&mut self, f: &Rc<FutureObj>, deadline: Option<Instant>) -> VmResult<Value> {
        loop {
            let st = f.state.borrow().clone();
            match st {
                FutState::Success(v) => return Ok(v),
                FutState::Failure(e) => {
                    return Err(Box::new(Throw {
                        value: e,
                        trace: Vec::new(),
                        context: None,
                    }))
                }
                FutState::Cancelled(_) => {
                    return Err(self.err(ErrorKind::Cancellation, "Future cancelled"));
                }
                FutState::Pending => {}
            }
            self.poll()?;
            if !f.is_pending() {
                continue;
            }
            if deadline.is_none() && self.asyncs.is_idle() {
                let at = match f.origin {
                    Some((file, span)) => {
                        let (name, l, c) = self.position(file, span);
                        format!(" created at {name}:{l}:{c}")
                    }
                    None => String::new(),
                };
                return Err(self.err(
                    ErrorKind::Concurrency,
                    format!(
                        "Deadlock: await on {}{} can never resolve: no host operation is in flight and no callback is queued",
                        f.describe(),
                        at
                    ),
                ));
            }
            let deadline = match (deadline, self.debug_eval_deadline()) {
                (_, Some(e)) if Instant::now() >= e => {
                    return Err(self.err(
                        ErrorKind::Timeout,
                        format!(
                            "evaluation stopped after {} s: {} is still pending",
                            super::super::debug::EVAL_TIMEOUT_SECS,
                            f.describe()
                        ),
                    ));
                }
                (Some(d), Some(e)) => Some(d.min(e)),
                (None, Some(e)) => Some(e),
                (d, None) => d,
            };
            let wait_for = match deadline {
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        let e = self.make_exception(ErrorKind::Timeout, "await timed out");
                        self.resolve_future(f, FutState::Failure(e.clone()))?;
                        return Err(Box::new(Throw {
                            value: e,
                            trace: Vec::new(),
                            context: None,
                        }));
                    }
                    Some(d - now)
                }
                None => None,
            };
            self.debug_before_block();
            let started = Instant::now();
            let outcome = self.asyncs.event_loop.wait(wait_for);
            self.asyncs.stats.await_blocked += started.elapsed();
            match outcome {
                WaitOutcome::Completions(mut cs) => {
                    self.asyncs.stats.polls += 1;
                    self.asyncs.stats.polls_with_work += 1;
                    self.apply_completions(&mut cs)?;
                }
                WaitOutcome::Woken => self.debug_woken()?,
                WaitOutcome::TimedOut => {}
            }
        }
    }

    /// Auto-drain at program end: run until nothing is in flight or queued.
    pub fn drain_at_exit(&mut self) -> VmResult<()> {
        loop {
            self.poll()?;
            if self.asyncs.is_idle() {
                return Ok(());
            }
            if self.asyncs.event_loop.in_flight() > 0 && !self.asyncs.needs_poll() {
                self.debug_before_block();
                let started = Instant::now();
                let outcome = self.asyncs.event_loop.wait(None);
                self.asyncs.stats.await_blocked += started.elapsed();
                match outcome {
                    WaitOutcome::Completions(mut cs) => {
                        self.asyncs.stats.polls += 1;
                        self.asyncs.stats.polls_with_work += 1;
                        self.apply_completions(&mut cs)?;
                    }
                    WaitOutcome::Woken => self.debug_woken()?,
                    WaitOutcome::TimedOut => {}
                }
            }
        }
    }

    /// `(gene/async/futures)`: every live future as a map (id, label, state, origin,
    /// callbacks, age_ms, resolved_ms, awaited_by), oldest first.
    pub fn async_futures_value(&mut self) -> Value {
        let now = Instant::now();
        let futures = self.asyncs.live_futures();
        let mut out = Vec::with_capacity(futures.len());
        for f in futures {
            let origin = match f.origin {
                Some((file, span)) => {
                    let (name, l, c) = self.position(file, span);
                    Value::str(format!("{name}:{l}:{c}"))
                }
                None => Value::Nil,
            };
            let resolved = f
                .resolved_at
                .get()
                .map(|t| Value::Int(t.duration_since(f.created).as_millis() as i64))
                .unwrap_or(Value::Nil);
            let awaited = f
                .awaited_by
                .borrow()
                .clone()
                .map(Value::str)
                .unwrap_or(Value::Nil);
            let state = self.intern(f.state_name());
            let entries: [(&str, Value); 8] = [
                ("id", Value::Int(f.id as i64)),
                ("label", Value::str(f.label.clone())),
                ("state", Value::Symbol(state)),
                ("origin", origin),
                ("callbacks", Value::Int(f.callbacks.borrow().len() as i64)),
                (
                    "age_ms",
                    Value::Int(now.duration_since(f.created).as_millis() as i64),
                ),
                ("resolved_ms", resolved),
                ("awaited_by", awaited),
            ];
            let mut m = PropMap::new();
            for (k, v) in entries {
                let k = self.intern(k);
                m.insert(k, v);
            }
            out.push(Value::map(m));
        }
        Value::array(out)
    }

    /// `(gene/async/stats)` as a Gene map.
    pub fn async_stats_value(&mut self) -> Value {
        let s = self.asyncs.stats.clone();
        let pending = self.asyncs.pending_now();
        let entries: [(&str, Value); 8] = [
            ("polls", Value::Int(s.polls as i64)),
            ("polls_with_work", Value::Int(s.polls_with_work as i64)),
            ("completions", Value::Int(s.completions as i64)),
            ("callbacks", Value::Int(s.callbacks as i64)),
            ("awaits", Value::Int(s.awaits as i64)),
            (
                "await_blocked_ms",
                Value::Int(s.await_blocked.as_millis() as i64),
            ),
            ("pending", Value::Int(pending as i64)),
            ("pending_max", Value::Int(s.pending_max as i64)),
        ];
        let mut m = PropMap::new();
        for (k, v) in entries {
            let k = self.intern(k);
            m.insert(k, v);
        }
        Value::map(m)
    }
}
