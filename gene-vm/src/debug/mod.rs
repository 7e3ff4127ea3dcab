//! The debugger's door into a running `Vm` (ARCHITECTURE.md, "Debugging inside the VM").
//!
//! A tool holds a [`Client`] (any thread) and the VM thread holds the matching
//! [`Endpoint`], attached with [`Vm::attach_debugger`]. Commands are plain data; each
//! carries a reply callback that the VM thread calls with a plain-data [`Reply`]. The
//! VM reports what happens through an [`EventSink`]. Nothing here knows DAP.
//!
//! The interpreter pays for this only where it already polls: with no endpoint
//! attached, `Vm::debug` is `None` and the check sits in the poll branch.

mod breakpoints;
mod eval;
mod futures_view;
mod hooks;
mod inspect;
pub mod launch;
pub mod remote;

mod state;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::runtime::host::InboxSender;
use crate::vm::Vm;

pub use hooks::reply_error;
pub use state::Debugger;

/// Longest time an `await` in the debug console may take, in seconds.
pub const EVAL_TIMEOUT_SECS: u64 = 10;

/// A breakpoint as requested on a source line.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LineBreakpoint {
    pub line: u32,
    #[serde(default)]
    pub condition: Option<String>,
    #[serde(default)]
    pub hit_condition: Option<String>,
    #[serde(default)]
    pub log_message: Option<String>,
}

/// A breakpoint on a function, by name (`f`, `ns/f`, `Class/method`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FunctionBreakpoint {
    pub name: String,
    #[serde(default)]
    pub condition: Option<String>,
    #[serde(default)]
    pub hit_condition: Option<String>,
}

/// Where a requested breakpoint ended up.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BreakpointStatus {
    pub id: u32,
    pub verified: bool,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq)]
pub struct ExceptionFilters {
    /// Every throw.
    pub all: bool,
    /// A throw that no `try` on the Gene stack catches (and deadlocks).
    pub uncaught: bool,
    /// A future fails while nothing awaits it and it has no failure callback.
    pub failed_future: bool,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum StepKind {
    Over,
    In,
    Out,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum EvalContext {
    Repl,
    Watch,
    /// Reads names and paths only; never calls anything.
    Hover,
    Clipboard,
}

/// What a tool asks the VM.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Command {
    SetBreakpoints {
        path: String,
        breakpoints: Vec<LineBreakpoint>,
    },
    BreakpointLocations {
        path: String,
        line: u32,
        end_line: Option<u32>,
    },
    SetFunctionBreakpoints(Vec<FunctionBreakpoint>),
    SetExceptionFilters(ExceptionFilters),
    /// Futures (by id) whose resolution stops the program.
    SetDataBreakpoints(Vec<u64>),
    /// The data id for a variable, if it holds a future.
    DataBreakpointInfo {
        reference: u32,
        name: String,
    },
    /// Start running (after the initial configuration).
    Start {
        stop_on_entry: bool,
    },
    Continue,
    Step(StepKind),
    Pause,
    StackTrace {
        start: usize,
        levels: Option<usize>,
    },
    Scopes {
        frame: u32,
    },
    Variables {
        reference: u32,
        start: Option<usize>,
        count: Option<usize>,
    },
    SetVariable {
        reference: u32,
        name: String,
        value: String,
    },
    Evaluate {
        frame: Option<u32>,
        expression: String,
        context: EvalContext,
    },
    Completions {
        frame: Option<u32>,
        text: String,
        column: usize,
    },
    ExceptionInfo,
    Futures {
        state: Option<String>,
        start: usize,
        count: Option<usize>,
    },
    /// Stop the program now (disconnect, terminate).
    Terminate,
    /// The tool leaves: breakpoints, filters and steps are dropped and the program runs on.
    Detach,
}

/// What the VM answers. `Error` carries a message for the user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Reply {
    Ok,
    Error(String),
    Breakpoints(Vec<BreakpointStatus>),
    Locations(Vec<(u32, u32)>),
    DataId(Option<(String, String)>),
    Frames {
        frames: Vec<FrameInfo>,
        total: usize,
    },
    Scopes(Vec<ScopeInfo>),
    Variables(Vec<VariableInfo>),
    Variable(VariableInfo),
    Completions(Vec<(String, String)>),
    ExceptionInfo(Option<ExceptionDetails>),
    Futures(FuturesPage),
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub enum FrameKindInfo {
    Gene,
    /// A native between a callback and its caller (no source).
    Native,
    /// `── future #7 resolved: ... ──` between a callback and the frames beneath.
    AsyncLabel,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FrameInfo {
    pub id: u32,
    pub name: String,
    pub kind: FrameKindInfo,
    /// Absolute path of the source, if any.
    pub path: Option<String>,
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScopeInfo {
    pub name: String,
    pub reference: u32,
    pub named: Option<usize>,
    pub expensive: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct VariableInfo {
    pub name: String,
    pub value: String,
    pub type_name: Option<String>,
    /// Nonzero when the value has children.
    pub reference: u32,
    pub indexed: Option<usize>,
    pub named: Option<usize>,
    pub evaluate_name: Option<String>,
    /// A future's id, for data breakpoints.
    pub future: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExceptionDetails {
    pub class: String,
    pub message: String,
    /// "always" (caught or `all`) or "unhandled".
    pub break_mode: String,
    pub stack: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SourcePos {
    pub path: String,
    pub line: u32,
    pub column: u32,
}

/// A future as the editors' futures view shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FutureRecord {
    pub id: u64,
    pub label: String,
    pub state: String,
    pub value: Option<String>,
    pub error: Option<String>,
    pub origin: Option<SourcePos>,
    pub age_ms: u64,
    pub resolved_after_ms: Option<u64>,
    pub on_success: usize,
    pub on_failure: usize,
    pub awaited_by: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct LoopStats {
    pub polls: u64,
    pub polls_with_work: u64,
    pub completions: u64,
    pub callbacks: u64,
    pub awaits: u64,
    pub await_blocked_ms: u64,
    pub pending: usize,
    pub pending_max: usize,
    pub in_flight: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FuturesPage {
    pub futures: Vec<FutureRecord>,
    pub total: usize,
    pub stats: LoopStats,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum StopReason {
    Entry,
    Breakpoint,
    FunctionBreakpoint,
    Step,
    Pause,
    Exception,
    DataBreakpoint,
}

/// What the VM reports on its own.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Event {
    Stopped {
        reason: StopReason,
        description: Option<String>,
        text: Option<String>,
        breakpoints: Vec<u32>,
    },
    /// The program runs again after a stop.
    Continued,
    /// Program output; `category` is "stdout", "stderr" or "console" (log points).
    Output {
        category: String,
        text: String,
    },
    FuturesCreated(Vec<FutureRecord>),
    FuturesResolved(Vec<FutureRecord>),
    /// A breakpoint moved or became verified later.
    BreakpointChanged(BreakpointStatus),
    /// The program ended with this exit status (the VM thread sends nothing after it).
    Exited(i32),
}

pub type EventSink = Arc<dyn Fn(Event) + Send + Sync>;
pub type ReplyFn = Box<dyn FnOnce(Reply) + Send>;

pub(crate) struct Envelope {
    pub command: Command,
    pub reply: ReplyFn,
}

/// The tool's side: send commands from any thread.
#[derive(Clone)]
pub struct Client {
    tx: Sender<Envelope>,
    shared: Arc<Shared>,
}

/// The VM's side, moved to the VM thread and attached there.
pub struct Endpoint {
    rx: Receiver<Envelope>,
    shared: Arc<Shared>,
}

pub(crate) struct Shared {
    /// Set when a command waits: the VM looks at its next check.
    pub attention: AtomicBool,
    /// Wakes the VM while it blocks in `await`.
    pub waker: Mutex<Option<InboxSender>>,
}

/// A connected pair.
pub fn channel() -> (Client, Endpoint) {
    let (tx, rx) = mpsc::channel();
    let shared = Arc::new(Shared {
        attention: AtomicBool::new(false),
        waker: Mutex::new(None),
    });
    (
        Client {
            tx,
            shared: shared.clone(),
        },
        Endpoint { rx, shared },
    )
}

impl Client {
    /// Sends a command; `reply` runs on the VM thread with the answer (or with an error
    /// if the VM is gone).
    pub fn send(&self, command: Command, reply: impl FnOnce(Reply) + Send + 'static) {
        let env = Envelope {
            command,
            reply: Box::new(reply),
        };
        if let Err(mpsc::SendError(env)) = self.tx.send(env) {
            (env.reply)(Reply::Error("the program is not running".into()));
            return;
        }
        self.shared.attention.store(true, Ordering::Release);
        if let Ok(w) = self.shared.waker.lock() {
            if let Some(w) = w.as_ref() {
                w.wake();
            }
        }
    }

    /// Sends a command and waits for the answer (tests, simple tools).
    pub fn request(&self, command: Command) -> Reply {
        let (tx, rx) = mpsc::channel();
        self.send(command, move |r| {
            let _ = tx.send(r);
        });
        rx.recv()
            .unwrap_or_else(|_| Reply::Error("the program is not running".into()))
    }
}

/// How a debug session starts.
#[derive(Debug, Clone, Copy, Default)]
pub struct AttachOptions {
    /// Run without stopping anywhere (`noDebug`): output and terminate still work.
    pub no_debug: bool,
    /// Wait for a `Start` command before the first instruction.
    pub wait_for_start: bool,
}

impl Vm {
    /// Attaches a debugger. Program output is sent as `Output` events from now on.
    pub fn attach_debugger(&mut self, endpoint: Endpoint, events: EventSink, opts: AttachOptions) {
        if let Ok(mut w) = endpoint.shared.waker.lock() {
            *w = Some(self.asyncs.event_loop.sender());
        }
        self.out = Box::new(state::OutputWriter::new(events.clone()));
        self.debug = Some(Box::new(Debugger::new(endpoint, events, opts)));
        self.budget = self.budget.min(self.check_interval());
    }

    /// Instructions between two checks of the poll branch.
    #[inline]
    pub fn check_interval(&self) -> u32 {
        let poll = if self.config.poll_interval == 0 {
            u32::MAX
        } else {
            self.config.poll_interval
        };
        if self.debug.is_some() {
            poll.min(hooks::DEBUG_CHECK_INTERVAL)
        } else {
            poll
        }
    }
}
