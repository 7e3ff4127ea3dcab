//! Call frames. Gene frames live in a `Vec` on the VM, never on the Rust stack.

use std::cell::RefCell;
use std::rc::Rc;

use super::value::{Closure, GenObj, Instance, Namespace, Scope, Value};

#[derive(Clone)]
pub struct Handler {
    /// Index of the frame the handler belongs to.
    pub frame: usize,
    pub ip: u32,
    pub sp: usize,
    pub env: Option<Rc<Scope>>,
    pub ex_depth: usize,
}

#[derive(Clone)]
pub enum FrameKind {
    Normal,
    /// A constructor: the call's value is the instance, not the body's value.
    Ctor(Rc<Instance>),
    /// A namespace body: the value is the namespace.
    NsBody(Rc<Namespace>),
    /// A generator body: yields suspend it into its generator object.
    Generator(Rc<RefCell<GenObj>>),
}

pub struct Frame {
    pub closure: Rc<Closure>,
    pub ip: u32,
    /// Stack index of slot 0.
    pub base: u32,
    /// Stack length to truncate to before pushing the result.
    pub ret_to: u32,
    pub env: Option<Rc<Scope>>,
    /// Bit i set: parameter slot i was given by the caller.
    pub provided: u64,
    pub kind: FrameKind,
    /// When this frame returns, the run loop that started it returns (native re-entry).
    pub stop: bool,
}

/// A generator's frame and operand stack while it is suspended.
pub struct SavedFrame {
    pub frame: Frame,
    pub stack: Vec<Value>,
    pub ex_stack: Vec<Value>,
    /// The frame's active exception handlers (`frame` fields are rewritten on resume).
    pub handlers: Vec<Handler>,
}
