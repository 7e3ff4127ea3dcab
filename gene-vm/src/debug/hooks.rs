//! What the interpreter and the event loop call when a debugger is attached, and
//! the stop loop that serves commands while the program is stopped.

use std::rc::Rc;
use std::time::{Duration, Instant};

use super::state::{Handle, Step};
use super::{Command, Envelope, Event, ExceptionDetails, Reply, StepKind, StopReason};
use crate::compile::chunk::Op;
use crate::runtime::futures::{FutState, FutureObj};
use crate::vm::error::{Throw, VmResult};
use crate::vm::value::Value;
use crate::vm::{print, Vm};

/// With a debugger attached, commands and pause are seen at least this often
/// (in executed instructions), whatever the poll interval.
pub(crate) const DEBUG_CHECK_INTERVAL: u32 = 1024;
/// How often batched future events go out while the program runs.
const FLUSH_EVERY: Duration = Duration::from_millis(50);
/// Longest time an `await` in the debug console may take.
pub(crate) const EVAL_TIMEOUT: Duration = Duration::from_secs(super::EVAL_TIMEOUT_SECS);

/// What a command does to a stopped program.
enum Flow {
    Stay,
    Resume,
}

impl Vm {
    /// The thrown value that ends the program when the debugger terminates it.
    fn terminated(&mut self) -> Box<Throw> {
        let value = self.make_exception(crate::vm::error::ErrorKind::Exception, "terminated");
        Box::new(Throw {
            value,
            trace: Vec::new(),
            context: Some("exit".into()),
        })
    }

    fn check_terminate(&mut self) -> VmResult<()> {
        if self.debug.as_ref().is_some_and(|d| d.terminate) {
            self.exit_code = Some(0);
            return Err(self.terminated());
        }
        Ok(())
    }

    /// The interpreter's check (in the poll branch): traps to put back, commands,
    /// pause, steps. The current frame's `ip` is saved.
    pub(crate) fn debug_check(&mut self) -> VmResult<()> {
        let Some(d) = self.debug.as_deref_mut() else {
            return Ok(());
        };
        d.skip_trap_at = None;
        if let Some((proto, ip)) = d.repatch.take() {
            if d.traps.contains_key(&(Rc::as_ptr(&proto) as usize, ip)) {
                proto.chunk.code.patch(ip as usize, Op::DebugTrap);
            }
        }
        let attention = d.attention();
        let flush = d.last_flush.elapsed() >= FLUSH_EVERY;
        if attention {
            self.serve_pending()?;
        }
        if flush {
            self.flush_future_events();
        }
        self.check_terminate()?;
        let Some(d) = self.debug.as_deref_mut() else {
            return Ok(());
        };
        if d.evaluating == 0 && !d.opts.no_debug {
            if d.pause {
                self.debug_stop(StopReason::Pause, None, Vec::new())?;
            } else if let Some(reason) = self.step_done() {
                self.debug_stop(reason, None, Vec::new())?;
            }
        }
        self.debug_set_budget();
        Ok(())
    }

    /// Stepping checks every instruction; otherwise the usual interval.
    fn debug_set_budget(&mut self) {
        let stepping = self
            .debug
            .as_ref()
            .is_some_and(|d| d.step.is_some() || d.pause);
        self.budget = if stepping { 1 } else { self.check_interval() };
    }

    /// The statement at the current instruction, if one starts there: (line, ip).
    pub(crate) fn stmt_here(&self) -> Option<(u32, u32)> {
        let f = self.frames.last()?;
        let ip = f.ip.checked_sub(1)?;
        let off = f.closure.proto.chunk.stmt_at(ip)?;
        let span = crate::syntax::Span::new(off as usize, off as usize);
        let (_, line, _) = self.position(f.closure.proto.file, span);
        Some((line as u32, ip))
    }

    /// Whether the step in progress ends at the current instruction.
    fn step_done(&mut self) -> Option<StopReason> {
        let step = self.debug.as_ref()?.step.as_ref()?;
        let (kind, sdepth, sline, sip, sproto) =
            (step.kind, step.depth, step.line, step.ip, step.proto);
        let entry = sdepth == usize::MAX;
        let (line, ip) = self.stmt_here()?;
        let depth = self.frames.len();
        let same_fn = self
            .frames
            .last()
            .is_some_and(|f| std::ptr::eq(Rc::as_ptr(&f.closure.proto), sproto));
        let moved = line != sline || ip <= sip || !same_fn;
        let done = match kind {
            _ if entry => true,
            StepKind::Over => depth < sdepth || (depth == sdepth && moved),
            StepKind::In => depth != sdepth || moved,
            StepKind::Out => depth < sdepth,
        };
        if !done {
            return None;
        }
        Some(if entry {
            StopReason::Entry
        } else {
            StopReason::Step
        })
    }

    /// `DebugTrap` ran: decide whether to stop, then run the original instruction
    /// once (the trap is written back at the next check).
    pub(crate) fn debug_trap(&mut self) -> VmResult<()> {
        let Some(f) = self.frames.last() else {
            return Ok(());
        };
        let proto = f.closure.proto.clone();
        let ip = f.ip.saturating_sub(1);
        let key = (Rc::as_ptr(&proto) as usize, ip);
        let Some(d) = self.debug.as_deref_mut() else {
            return Err(self.err(
                crate::vm::error::ErrorKind::Runtime,
                "internal error: breakpoint trap without a debugger",
            ));
        };
        let Some(trap) = d.traps.get(&key) else {
            return Err(self.err(
                crate::vm::error::ErrorKind::Runtime,
                "internal error: unknown breakpoint trap",
            ));
        };
        let orig = trap.orig;
        let bps = trap.bps.clone();
        let skip = d.skip_trap_at.take() == Some(key) || d.evaluating > 0 || d.opts.no_debug;
        if !skip {
            self.breakpoint_hit(&bps)?;
        }
        // The breakpoint may have been removed while stopped: then the code is restored.
        let Some(d) = self.debug.as_deref_mut() else {
            return Ok(());
        };
        let orig = d.traps.get(&key).map(|t| t.orig).unwrap_or(orig);
        proto.chunk.code.patch(ip as usize, orig);
        if let Some((p, i)) = d.repatch.replace((proto, ip)) {
            if d.traps.contains_key(&(Rc::as_ptr(&p) as usize, i)) {
                p.chunk.code.patch(i as usize, Op::DebugTrap);
            }
        }
        if let Some(f) = self.frames.last_mut() {
            f.ip = ip;
        }
        // One instruction (the original), then the check puts the trap back.
        self.budget = 2;
        Ok(())
    }

    /// Conditions, hit counts and log messages of the breakpoints at a trap.
    fn breakpoint_hit(&mut self, ids: &[u32]) -> VmResult<()> {
        let mut stop = Vec::new();
        let mut function = false;
        for id in ids {
            let Some(bp) = self.debug.as_ref().and_then(|d| d.bps.get(id)) else {
                continue;
            };
            let (cond, log, hit, is_fn) =
                (bp.condition.clone(), bp.log.clone(), bp.hit, bp.function);
            if let Some(c) = cond {
                match self.debug_eval_in_top(&c) {
                    Ok(v) if !v.truthy() => continue,
                    Ok(_) => {}
                    Err(msg) => self.debug_console(&format!(
                        "Breakpoint condition `{c}` failed: {msg} (stopping)\n"
                    )),
                }
            }
            let Some(bp) = self.debug.as_deref_mut().and_then(|d| d.bps.get_mut(id)) else {
                continue;
            };
            bp.hits += 1;
            if let Some(h) = hit {
                if !h.holds(bp.hits) {
                    continue;
                }
            }
            if let Some(msg) = log {
                let text = self.interpolate_log(&msg);
                self.debug_console(&format!("{text}\n"));
                continue;
            }
            function |= is_fn;
            stop.push(*id);
        }
        if stop.is_empty() {
            return Ok(());
        }
        let reason = if function {
            StopReason::FunctionBreakpoint
        } else {
            StopReason::Breakpoint
        };
        self.debug_stop(reason, None, stop)
    }

    pub(crate) fn debug_console(&mut self, text: &str) {
        self.flush();
        if let Some(d) = self.debug.as_ref() {
            d.emit(Event::Output {
                category: "console".into(),
                text: text.to_string(),
            });
        }
    }

    /// A throw is about to unwind (frames intact). Stops for the `all` and `uncaught` filters.
    pub(crate) fn debug_on_throw(&mut self, t: &Throw) -> VmResult<()> {
        let Some(d) = self.debug.as_deref_mut() else {
            return Ok(());
        };
        if d.evaluating > 0 || d.opts.no_debug || !(d.filters.all || d.filters.uncaught) {
            return Ok(());
        }
        let key = identity(&t.value);
        if key != 0 && key == d.reported {
            return Ok(());
        }
        d.reported = key;
        let caught = self.throw_is_caught();
        let Some(d) = self.debug.as_deref_mut() else {
            return Ok(());
        };
        if !(d.filters.all || (d.filters.uncaught && !caught)) {
            return Ok(());
        }
        let details = self.exception_details(&t.value, !caught, Some(t));
        let text = format!("{}: {}", details.class, details.message);
        if let Some(d) = self.debug.as_deref_mut() {
            d.exception = Some(details);
        }
        self.debug_stop(StopReason::Exception, Some(text), Vec::new())
    }

    /// A handler lets the exception go on: a later rethrow of it is reported again.
    pub(crate) fn debug_caught(&mut self) {
        if let Some(d) = self.debug.as_deref_mut() {
            d.reported = 0;
        }
    }

    /// Whether a `try` will catch a throw from the top frame. Callbacks run by the
    /// event loop end the program on an error, so handlers beneath them do not count.
    fn throw_is_caught(&self) -> bool {
        let floor = self.async_boundaries.last().map(|b| b.depth).unwrap_or(0);
        self.handlers.iter().any(|h| h.frame >= floor)
    }

    pub(crate) fn exception_details(
        &self,
        v: &Value,
        unhandled: bool,
        t: Option<&Throw>,
    ) -> ExceptionDetails {
        let class = match v {
            Value::Instance(i) => i.class.name.clone(),
            other => other.type_name().to_string(),
        };
        let message = print::exception_message(v).unwrap_or_else(|| print::plain(v));
        let trace = match t {
            Some(t) if !t.trace.is_empty() => t.trace.clone(),
            _ => self.capture_trace(),
        };
        let mut stack = String::new();
        for e in &trace {
            if let Some(label) = &e.async_boundary {
                stack.push_str(&format!("  ── {label} ──\n"));
                continue;
            }
            let (file, line, col) = self.position(e.file, e.span);
            stack.push_str(&format!("  at {} ({file}:{line}:{col})\n", e.function));
        }
        ExceptionDetails {
            class,
            message,
            break_mode: if unhandled { "unhandled" } else { "always" }.into(),
            stack,
        }
    }

    /// A future was created (batched into `FuturesCreated`).
    pub(crate) fn debug_future_created(&mut self, f: &Rc<FutureObj>) {
        let rec = self.future_record(f, Instant::now());
        if let Some(d) = self.debug.as_deref_mut() {
            d.created.push(rec);
        }
    }

    /// A future just left `pending`, before its callbacks run: data breakpoints and
    /// the `failedFuture` filter. A terminate received while stopped here takes
    /// effect at the next check.
    pub(crate) fn debug_future_settled(&mut self, f: &Rc<FutureObj>) {
        let rec = self.future_record(f, Instant::now());
        let Some(d) = self.debug.as_deref_mut() else {
            return;
        };
        d.resolved.push(rec);
        if d.evaluating > 0 || d.opts.no_debug {
            return;
        }
        if d.data_bps.contains(&f.id) {
            d.stop_future = Some(f.clone());
            let desc = format!("future #{} {}", f.id, f.state_name());
            let _ = self.debug_stop(StopReason::DataBreakpoint, Some(desc), Vec::new());
            return;
        }
        let failed = match &*f.state.borrow() {
            FutState::Failure(e) => Some(e.clone()),
            _ => None,
        };
        let Some(err) = failed else {
            return;
        };
        let observed = f.awaited_by.borrow().is_some()
            || f.callbacks.borrow().iter().any(|(ok, _)| !ok)
            || f.has_dependents();
        if !d.filters.failed_future || observed {
            return;
        }
        let mut details = self.exception_details(&err, true, None);
        details.break_mode = "unhandled".into();
        let text = format!(
            "future #{} ({}) failed: {}: {}",
            f.id, f.label, details.class, details.message
        );
        if let Some(d) = self.debug.as_deref_mut() {
            d.exception = Some(details);
            d.stop_future = Some(f.clone());
        }
        let _ = self.debug_stop(StopReason::Exception, Some(text), Vec::new());
    }

    /// An `await` returned `v` to the top frame.
    pub(crate) fn debug_awaited(&mut self, v: &Value) {
        let depth = self.frames.len();
        if let Some(d) = self.debug.as_deref_mut() {
            if d.evaluating == 0 {
                d.last_await = Some((depth, v.clone()));
            }
        }
    }

    /// Before the VM blocks in `await` or at exit: send what is batched.
    pub(crate) fn debug_before_block(&mut self) {
        if self.debug.is_some() {
            self.flush();
            self.flush_future_events();
        }
    }

    /// The VM woke from a blocking wait because of a command: serve it (pause stops
    /// here, with the awaiting frame on top).
    pub(crate) fn debug_woken(&mut self) -> VmResult<()> {
        if self.debug.is_none() {
            return Ok(());
        }
        self.serve_pending()?;
        self.check_terminate()?;
        let pause = self
            .debug
            .as_ref()
            .is_some_and(|d| d.pause && d.evaluating == 0 && !d.opts.no_debug);
        if pause {
            self.debug_stop(StopReason::Pause, None, Vec::new())?;
            self.debug_set_budget();
        }
        Ok(())
    }

    /// Deadline of the debug console's evaluation, if one runs.
    pub(crate) fn debug_eval_deadline(&self) -> Option<Instant> {
        self.debug.as_ref().and_then(|d| d.eval_deadline)
    }

    /// Serves the commands waiting now (the program keeps running).
    fn serve_pending(&mut self) -> VmResult<()> {
        loop {
            let Some(env) = self.debug.as_ref().and_then(|d| d.take_envelope()) else {
                return Ok(());
            };
            // A resume command while running has nothing to resume.
            let _ = self.dispatch(env)?;
        }
    }

    /// Blocks serving commands until `Start` (launch: breakpoints are set first).
    pub fn debug_wait_start(&mut self) -> VmResult<()> {
        loop {
            if self.debug.as_ref().is_none_or(|d| d.started) {
                return Ok(());
            }
            let env = match self.debug.as_ref().map(|d| d.rx.recv()) {
                Some(Ok(env)) => env,
                _ => {
                    // The tool went away before starting: run as if started.
                    if let Some(d) = self.debug.as_deref_mut() {
                        d.started = true;
                    }
                    return Ok(());
                }
            };
            self.dispatch(env)?;
            self.check_terminate()?;
        }
    }

    /// Stops the program: reports `Stopped` and serves commands until one resumes.
    pub(crate) fn debug_stop(
        &mut self,
        reason: StopReason,
        text: Option<String>,
        breakpoints: Vec<u32>,
    ) -> VmResult<()> {
        // Terminated while stopped where the error could not propagate: end now.
        self.check_terminate()?;
        self.flush();
        self.flush_future_events();
        let Some(d) = self.debug.as_deref_mut() else {
            return Ok(());
        };
        d.stopped = true;
        d.step = None;
        d.pause = false;
        d.handles.clear();
        d.emit(Event::Stopped {
            reason,
            description: None,
            text,
            breakpoints,
        });
        let result = loop {
            let msg = self.debug.as_ref().map(|d| d.rx.recv());
            let env = match msg {
                Some(Ok(env)) => env,
                // The tool is gone: end the program.
                _ => {
                    if let Some(d) = self.debug.as_deref_mut() {
                        d.terminate = true;
                    }
                    break Err(self.terminated());
                }
            };
            match self.dispatch(env) {
                Ok(Flow::Resume) => break Ok(()),
                Ok(Flow::Stay) => {}
                Err(e) => break Err(e),
            }
            if self.debug.as_ref().is_some_and(|d| d.terminate) {
                break Err(self.terminated());
            }
        };
        // A trap at this instruction (also one set while stopped) must not stop again.
        let here = self.frames.last().and_then(|f| {
            let ip = f.ip.saturating_sub(1);
            (f.closure.proto.chunk.code.get(ip as usize) == Some(Op::DebugTrap))
                .then(|| (Rc::as_ptr(&f.closure.proto) as usize, ip))
        });
        if let Some(d) = self.debug.as_deref_mut() {
            d.skip_trap_at = here;
            d.stopped = false;
            d.handles.clear();
            d.exception = None;
            d.stop_future = None;
            if d.step.is_none() {
                d.last_await = None;
            }
        }
        self.debug_set_budget();
        result
    }

    /// Runs one command. Only `Err` for terminate.
    fn dispatch(&mut self, env: Envelope) -> VmResult<Flow> {
        let Envelope { command, reply } = env;
        let stopped = self.debug.as_ref().is_some_and(|d| d.stopped);
        let (answer, flow) = match command {
            Command::SetBreakpoints { path, breakpoints } => {
                (self.set_line_breakpoints(&path, breakpoints), Flow::Stay)
            }
            Command::BreakpointLocations {
                path,
                line,
                end_line,
            } => (
                Reply::Locations(self.breakpoint_locations(&path, line, end_line)),
                Flow::Stay,
            ),
            Command::SetFunctionBreakpoints(list) => {
                (self.set_function_breakpoints(list), Flow::Stay)
            }
            Command::SetExceptionFilters(f) => {
                if let Some(d) = self.debug.as_deref_mut() {
                    d.filters = f;
                }
                (Reply::Ok, Flow::Stay)
            }
            Command::SetDataBreakpoints(ids) => {
                if let Some(d) = self.debug.as_deref_mut() {
                    d.data_bps = ids.iter().copied().collect();
                }
                let statuses = ids
                    .iter()
                    .enumerate()
                    .map(|(i, _)| super::BreakpointStatus {
                        id: 100_000 + i as u32,
                        verified: true,
                        line: None,
                        column: None,
                        message: None,
                    })
                    .collect();
                (Reply::Breakpoints(statuses), Flow::Stay)
            }
            Command::DataBreakpointInfo { reference, name } => (
                Reply::DataId(self.data_breakpoint_info(reference, &name)),
                Flow::Stay,
            ),
            Command::Start { stop_on_entry } => {
                if let Some(d) = self.debug.as_deref_mut() {
                    d.started = true;
                    if stop_on_entry && !d.opts.no_debug {
                        d.step = Some(Step {
                            kind: StepKind::In,
                            depth: usize::MAX,
                            line: 0,
                            ip: 0,
                            proto: std::ptr::null(),
                        });
                    }
                }
                self.debug_set_budget();
                (Reply::Ok, Flow::Stay)
            }
            Command::Continue => (Reply::Ok, Flow::Resume),
            Command::Step(kind) => {
                if stopped {
                    self.begin_step(kind);
                }
                (Reply::Ok, Flow::Resume)
            }
            Command::Pause => {
                if let Some(d) = self.debug.as_deref_mut() {
                    if !d.stopped {
                        d.pause = true;
                    }
                }
                self.debug_set_budget();
                (Reply::Ok, Flow::Stay)
            }
            Command::Detach => {
                self.debug_detach();
                (Reply::Ok, Flow::Resume)
            }
            Command::Terminate => {
                if let Some(d) = self.debug.as_deref_mut() {
                    d.terminate = true;
                }
                (Reply::Ok, Flow::Stay)
            }
            Command::Futures {
                state,
                start,
                count,
            } => (
                Reply::Futures(self.futures_page(state.as_deref(), start, count)),
                Flow::Stay,
            ),
            cmd if !stopped => {
                let _ = cmd;
                (
                    Reply::Error("the program is running: pause it first".into()),
                    Flow::Stay,
                )
            }
            Command::StackTrace { start, levels } => {
                let (frames, total) = self.stack_frames(start, levels);
                (Reply::Frames { frames, total }, Flow::Stay)
            }
            Command::Scopes { frame } => (self.scopes(frame), Flow::Stay),
            Command::Variables {
                reference,
                start,
                count,
            } => (self.variables(reference, start, count), Flow::Stay),
            Command::SetVariable {
                reference,
                name,
                value,
            } => (self.set_variable(reference, &name, &value), Flow::Stay),
            Command::Evaluate {
                frame,
                expression,
                context,
            } => (self.evaluate(frame, &expression, context), Flow::Stay),
            Command::Completions {
                frame,
                text,
                column,
            } => (
                Reply::Completions(self.completions(frame, &text, column)),
                Flow::Stay,
            ),
            Command::ExceptionInfo => (
                Reply::ExceptionInfo(self.debug.as_ref().and_then(|d| d.exception.clone())),
                Flow::Stay,
            ),
        };
        reply(answer);
        Ok(flow)
    }

    fn begin_step(&mut self, kind: StepKind) {
        let depth = self.frames.len();
        let (line, ip) = match self.frames.last() {
            Some(f) => {
                let ip = f.ip.saturating_sub(1);
                let p = &f.closure.proto;
                let span = p.chunk.spans.get(ip as usize).copied().unwrap_or(p.span);
                (self.position(p.file, span).1 as u32, ip)
            }
            None => (0, 0),
        };
        let proto = self
            .frames
            .last()
            .map(|f| Rc::as_ptr(&f.closure.proto))
            .unwrap_or(std::ptr::null());
        if let Some(d) = self.debug.as_deref_mut() {
            d.step = Some(Step {
                kind,
                depth,
                line,
                ip,
                proto,
            });
        }
    }

    /// Sends the batched `FuturesCreated` / `FuturesResolved` events.
    pub(crate) fn flush_future_events(&mut self) {
        let Some(d) = self.debug.as_deref_mut() else {
            return;
        };
        d.last_flush = Instant::now();
        if d.created.is_empty() && d.resolved.is_empty() {
            return;
        }
        let created = std::mem::take(&mut d.created);
        let resolved = std::mem::take(&mut d.resolved);
        if !created.is_empty() {
            d.emit(Event::FuturesCreated(created));
        }
        if !resolved.is_empty() {
            d.emit(Event::FuturesResolved(resolved));
        }
    }

    /// A variable handle for a value shown as a child.
    pub(crate) fn value_handle(&mut self, v: &Value, eval_name: &str) -> u32 {
        let has_children = matches!(
            v,
            Value::Array(_)
                | Value::Map(_)
                | Value::Gene(_)
                | Value::Instance(_)
                | Value::Future(_)
                | Value::Namespace(_)
                | Value::Class(_)
                | Value::RegexMatch(_)
                | Value::Date(_)
        ) || matches!(v, Value::HashMap(h) | Value::HashSet(h) if !h.borrow().entries.is_empty())
            || matches!(v, Value::Adt(a) if a.payload.as_ref().is_some_and(|p| !p.is_empty()));
        if !has_children {
            return 0;
        }
        let Some(d) = self.debug.as_deref_mut() else {
            return 0;
        };
        match v {
            Value::Future(f) => d.handle(Handle::Future(f.clone())),
            _ => d.handle(Handle::Value(v.clone(), eval_name.to_string())),
        }
    }
}

/// Identity of a thrown value (0 when it has none).
fn identity(v: &Value) -> usize {
    match v {
        Value::Instance(i) => Rc::as_ptr(i) as *const u8 as usize,
        _ => 0,
    }
}

/// What a reply means for callers that only need success or a message.
pub fn reply_error(r: &Reply) -> Option<&str> {
    match r {
        Reply::Error(m) => Some(m),
        _ => None,
    }
}
