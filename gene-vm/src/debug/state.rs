//! The debugger's state on the VM thread.

use std::collections::{HashMap, HashSet};
use std::rc::{Rc, Weak};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use super::{
    AttachOptions, Endpoint, Envelope, Event, EventSink, ExceptionDetails, ExceptionFilters,
    StepKind,
};
use crate::compile::chunk::Op;
use crate::compile::FnProto;
use crate::runtime::futures::FutureObj;
use crate::vm::value::{Scope, Value};

/// A line or function breakpoint as resolved to code locations.
pub(crate) struct Bp {
    pub id: u32,
    pub condition: Option<String>,
    pub hit: Option<HitCondition>,
    pub log: Option<String>,
    pub hits: u64,
    pub function: bool,
    /// (proto, ip) of each trap this breakpoint owns.
    pub locations: Vec<(Rc<FnProto>, u32)>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum HitCondition {
    /// Stop on the Nth hit only.
    Eq(u64),
    Ge(u64),
    Gt(u64),
    Every(u64),
}

impl HitCondition {
    pub fn parse(s: &str) -> Option<HitCondition> {
        let s = s.trim();
        let num = |t: &str| t.trim().parse::<u64>().ok();
        if let Some(r) = s.strip_prefix(">=") {
            return num(r).map(HitCondition::Ge);
        }
        if let Some(r) = s.strip_prefix('>') {
            return num(r).map(HitCondition::Gt);
        }
        if let Some(r) = s.strip_prefix("==") {
            return num(r).map(HitCondition::Eq);
        }
        if let Some(r) = s.strip_prefix('%') {
            return num(r).filter(|n| *n > 0).map(HitCondition::Every);
        }
        num(s).map(HitCondition::Eq)
    }

    pub fn holds(self, hits: u64) -> bool {
        match self {
            HitCondition::Eq(n) => hits == n,
            HitCondition::Ge(n) => hits >= n,
            HitCondition::Gt(n) => hits > n,
            HitCondition::Every(n) => hits.is_multiple_of(n),
        }
    }
}

/// A trap written over an instruction: the instruction and the breakpoints there.
pub(crate) struct Trap {
    pub proto: Rc<FnProto>,
    pub orig: Op,
    pub bps: Vec<u32>,
}

pub(crate) struct Step {
    pub kind: StepKind,
    /// `frames.len()` when the step started.
    pub depth: usize,
    pub line: u32,
    pub ip: u32,
    pub proto: *const FnProto,
}

/// What a `variablesReference` stands for while the program is stopped.
#[derive(Clone)]
pub(crate) enum Handle {
    Locals(usize),
    Captured(usize),
    Globals(usize),
    Futures,
    EventLoop,
    Scope(Weak<Scope>, usize),
    Value(Value, String),
    Future(Rc<FutureObj>),
    /// Synthetic list of values (a future's combinator inputs).
    List(Vec<(String, Value)>),
}

pub struct Debugger {
    pub(crate) rx: std::sync::mpsc::Receiver<Envelope>,
    pub(crate) shared: Arc<super::Shared>,
    pub(crate) events: EventSink,
    pub(crate) opts: AttachOptions,
    pub(crate) started: bool,
    pub(crate) protos: Vec<Rc<FnProto>>,
    pub(crate) bps: HashMap<u32, Bp>,
    /// Line breakpoint ids per path, in request order.
    pub(crate) by_path: HashMap<String, Vec<u32>>,
    /// Line breakpoints of files not loaded yet (imported modules), by path, with
    /// the ids already reported: set when the file is compiled.
    pub(crate) pending: HashMap<String, Vec<(u32, super::LineBreakpoint)>>,
    pub(crate) fn_bps: Vec<u32>,
    pub(crate) next_bp: u32,
    pub(crate) traps: HashMap<(usize, u32), Trap>,
    /// The trap taken out for one instruction, written back at the next check.
    pub(crate) repatch: Option<(Rc<FnProto>, u32)>,
    /// A stop at a check whose instruction is a trap: the trap must not stop again.
    pub(crate) skip_trap_at: Option<(usize, u32)>,
    pub(crate) filters: ExceptionFilters,
    pub(crate) data_bps: HashSet<u64>,
    pub(crate) step: Option<Step>,
    pub(crate) pause: bool,
    pub(crate) terminate: bool,
    /// Inside an evaluation: nothing stops.
    pub(crate) evaluating: u32,
    pub(crate) eval_deadline: Option<Instant>,
    pub(crate) handles: Vec<Handle>,
    pub(crate) stopped: bool,
    pub(crate) exception: Option<ExceptionDetails>,
    /// The last exception reported (by identity), so a throw is reported once as it unwinds.
    pub(crate) reported: usize,
    /// The value of the last completed await, by the awaiting frame's depth.
    pub(crate) last_await: Option<(usize, Value)>,
    /// The future whose data breakpoint stopped the program.
    pub(crate) stop_future: Option<Rc<FutureObj>>,
    /// Records for the next `FuturesCreated` / `FuturesResolved` events, taken when it
    /// happened (the future may be gone by the time the batch is sent).
    pub(crate) created: Vec<super::FutureRecord>,
    pub(crate) resolved: Vec<super::FutureRecord>,
    pub(crate) last_flush: Instant,
    /// Source positions of future origins by (file, offset).
    pub(crate) origin_cache:
        std::cell::RefCell<HashMap<(crate::compile::FileId, u32), Option<super::SourcePos>>>,
    pub(crate) scope_ids: HashMap<usize, (Weak<Scope>, u32)>,
    pub(crate) next_scope_id: u32,
    /// Compiled evaluation expressions by text (conditions run at every hit).
    pub(crate) eval_cache: HashMap<(String, Vec<String>), Rc<FnProto>>,
}

impl Debugger {
    pub(crate) fn new(endpoint: Endpoint, events: EventSink, opts: AttachOptions) -> Debugger {
        Debugger {
            rx: endpoint.rx,
            shared: endpoint.shared,
            events,
            opts,
            started: !opts.wait_for_start,
            protos: Vec::new(),
            bps: HashMap::new(),
            by_path: HashMap::new(),
            pending: HashMap::new(),
            fn_bps: Vec::new(),
            next_bp: 1,
            traps: HashMap::new(),
            repatch: None,
            skip_trap_at: None,
            filters: ExceptionFilters::default(),
            data_bps: HashSet::new(),
            step: None,
            pause: false,
            terminate: false,
            evaluating: 0,
            eval_deadline: None,
            handles: Vec::new(),
            stopped: false,
            exception: None,
            reported: 0,
            last_await: None,
            stop_future: None,
            created: Vec::new(),
            resolved: Vec::new(),
            last_flush: Instant::now(),
            origin_cache: Default::default(),
            scope_ids: HashMap::new(),
            next_scope_id: 1,
            eval_cache: HashMap::new(),
        }
    }

    pub(crate) fn emit(&self, e: Event) {
        (self.events)(e);
    }

    /// True when a command is waiting (one atomic load).
    #[inline]
    pub(crate) fn attention(&self) -> bool {
        self.shared.attention.load(Ordering::Acquire)
    }

    pub(crate) fn take_envelope(&self) -> Option<Envelope> {
        self.shared.attention.store(false, Ordering::Release);
        self.rx.try_recv().ok()
    }

    /// A handle's `variablesReference` (1-based).
    pub(crate) fn handle(&mut self, h: Handle) -> u32 {
        self.handles.push(h);
        self.handles.len() as u32
    }

    pub(crate) fn get_handle(&self, r: u32) -> Option<Handle> {
        self.handles.get((r as usize).checked_sub(1)?).cloned()
    }

    /// A stable small id for a heap scope.
    pub(crate) fn scope_id(&mut self, s: &Rc<Scope>) -> u32 {
        let key = Rc::as_ptr(s) as usize;
        if let Some((w, id)) = self.scope_ids.get(&key) {
            if w.strong_count() > 0 {
                return *id;
            }
        }
        if self.scope_ids.len() > 4096 {
            self.scope_ids.retain(|_, (w, _)| w.strong_count() > 0);
        }
        let id = self.next_scope_id;
        self.next_scope_id += 1;
        self.scope_ids.insert(key, (Rc::downgrade(s), id));
        id
    }
}

/// `Vm.out` while a debugger is attached: complete lines go out as `Output` events.
pub(crate) struct OutputWriter {
    events: EventSink,
    buf: Vec<u8>,
}

impl OutputWriter {
    pub fn new(events: EventSink) -> OutputWriter {
        OutputWriter {
            events,
            buf: Vec::new(),
        }
    }

    fn send(&mut self, upto: usize) {
        let rest = self.buf.split_off(upto);
        let text = String::from_utf8_lossy(&self.buf).into_owned();
        self.buf = rest;
        if !text.is_empty() {
            (self.events)(Event::Output {
                category: "stdout".into(),
                text,
            });
        }
    }
}

impl std::io::Write for OutputWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if let Some(nl) = self.buf.iter().rposition(|b| *b == b'\n') {
            self.send(nl + 1);
        } else if self.buf.len() > 8192 {
            self.send(self.buf.len());
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let n = self.buf.len();
        self.send(n);
        Ok(())
    }
}

impl Drop for OutputWriter {
    fn drop(&mut self) {
        let n = self.buf.len();
        self.send(n);
    }
}

#[cfg(test)]
mod tests {
    use super::HitCondition;

    #[test]
    fn hit_conditions_parse_and_count() {
        assert_eq!(HitCondition::parse("3"), Some(HitCondition::Eq(3)));
        assert_eq!(HitCondition::parse(">= 2"), Some(HitCondition::Ge(2)));
        assert_eq!(HitCondition::parse("> 2"), Some(HitCondition::Gt(2)));
        assert_eq!(HitCondition::parse("== 4"), Some(HitCondition::Eq(4)));
        assert_eq!(HitCondition::parse("% 2"), Some(HitCondition::Every(2)));
        assert_eq!(HitCondition::parse("% 0"), None);
        assert_eq!(HitCondition::parse("soon"), None);
        let every = HitCondition::Every(3);
        let stops: Vec<u64> = (1..=9).filter(|h| every.holds(*h)).collect();
        assert_eq!(stops, vec![3, 6, 9]);
        assert!(!HitCondition::Gt(2).holds(2));
        assert!(HitCondition::Ge(2).holds(2));
    }
}
