//! The dispatch loop. Frames live in `Vm::frames`; natives that call back into
//! Gene re-enter `run` with a stop marker on the frame they pushed.

use std::rc::Rc;

use super::error::{ErrorKind, Throw, VmResult};
use super::frame::FrameKind;
use super::slow_ops::Flow;
use super::value::*;
use super::{ops, Vm};
use crate::compile::chunk::Op;
use crate::compile::hir::BinOp;
use crate::compile::FnProto;

impl Vm {
    /// Runs until the frame at index `entry` returns; unwinds exceptions to
    /// handlers in frames at or above `entry`.
    pub fn run(&mut self, entry: usize) -> VmResult<Value> {
        loop {
            match self.run_inner() {
                Ok(v) => return Ok(v),
                Err(mut t) => {
                    if t.trace.is_empty() {
                        t.trace = self.capture_trace();
                    }
                    // `exit` and uncaught callback errors end the program: no handler sees them.
                    if t.context.is_some() {
                        self.abandon_frames(entry);
                        return Err(t);
                    }
                    if self.debug.is_some() {
                        if let Err(stop) = self.debug_on_throw(&t) {
                            self.abandon_frames(entry);
                            return Err(stop);
                        }
                    }
                    if !self.unwind_to_handler(&t, entry) {
                        return Err(t);
                    }
                    if self.debug.is_some() {
                        self.debug_caught();
                    }
                }
            }
        }
    }

    fn abandon_frames(&mut self, entry: usize) {
        while self.frames.len() > entry {
            let Some(frame) = self.frames.pop() else {
                break;
            };
            if let FrameKind::Generator(g) = &frame.kind {
                g.borrow_mut().state = GenState::Done;
            }
            self.stack.truncate(frame.ret_to as usize);
            if frame.stop {
                break;
            }
        }
        let live = self.frames.len();
        self.handlers.retain(|h| h.frame < live);
    }

    /// Finds the innermost handler at or above `entry`; pops frames without one.
    /// Returns false (with frames popped down to `entry`) when none exists.
    fn unwind_to_handler(&mut self, t: &Throw, entry: usize) -> bool {
        while self.frames.len() > entry {
            let top = self.frames.len() - 1;
            // Handlers left by frames that are gone (never expected) are dropped.
            while self.handlers.last().is_some_and(|h| h.frame > top) {
                self.handlers.pop();
            }
            if self.handlers.last().is_some_and(|h| h.frame == top) {
                let Some(h) = self.handlers.pop() else {
                    break;
                };
                let f = &mut self.frames[top];
                f.ip = h.ip;
                f.env = h.env;
                let sp = f.base as usize + h.sp;
                self.stack.truncate(sp);
                self.ex_stack.truncate(h.ex_depth);
                self.ex_stack.push(t.value.clone());
                return true;
            }
            let frame = match self.frames.pop() {
                Some(f) => f,
                None => break,
            };
            if let FrameKind::Generator(g) = &frame.kind {
                g.borrow_mut().state = GenState::Done;
            }
            self.stack.truncate(frame.ret_to as usize);
            if frame.stop {
                return false;
            }
        }
        false
    }

    // `extern "C"`: the loop cannot unwind (a panic in it aborts), so builds that
    // unwind (the servers) need no cleanup paths in it.
    #[allow(improper_ctypes_definitions)]
    extern "C" fn run_inner(&mut self) -> VmResult<Value> {
        let mut fi = self.frames.len() - 1;
        // The proto is kept alive by the frame's closure for as long as the frame exists;
        // the raw pointer avoids an Rc clone per instruction.
        let mut proto: *const FnProto = &*self.frames[fi].closure.proto;
        // Every chunk ends with `Return` and jumps stay inside it, so `ip` is always in range.
        let mut code: *const Op = self.frames[fi].closure.proto.chunk.code.as_ptr();
        let mut ip = self.frames[fi].ip as usize;
        let mut base = self.frames[fi].base as usize;
        let mut budget = self.budget;
        let interval = self.check_interval();
        // Polling with nothing ready is this one atomic load.
        let ready = self.asyncs.event_loop.ready_counter();

        macro_rules! chunk {
            () => {
                // SAFETY: see above; frames[fi] owns an Rc to this proto.
                unsafe { &(*proto).chunk }
            };
        }
        macro_rules! refresh {
            () => {{
                fi = self.frames.len() - 1;
                let f = frame!();
                proto = &*f.closure.proto;
                code = f.closure.proto.chunk.code.as_ptr();
                ip = f.ip as usize;
                base = f.base as usize;
                budget = self.budget;
            }};
        }
        macro_rules! save {
            () => {
                frame!().ip = ip as u32;
                self.budget = budget;
            };
        }
        // After a call that may have run nested Gene code, take its budget.
        macro_rules! resync {
            () => {
                budget = self.budget;
            };
        }
        macro_rules! tri {
            ($e:expr) => {
                match $e {
                    Ok(v) => v,
                    Err(e) => {
                        self.frames[fi].ip = ip as u32;
                        self.budget = budget;
                        return Err(e);
                    }
                }
            };
        }
        // A local slot of the current frame. Slots `0..nslots` are pushed when the frame
        // starts and the stack never shrinks below them while it runs (SaveSp/handlers
        // record heights above them), and the emitter only uses slots below nslots.
        macro_rules! local {
            ($s:expr) => {{
                let i = base + $s as usize;
                debug_assert!(i < self.stack.len());
                // SAFETY: see above.
                unsafe { self.stack.get_unchecked(i) }
            }};
        }
        macro_rules! local_mut {
            ($s:expr) => {{
                let i = base + $s as usize;
                debug_assert!(i < self.stack.len());
                // SAFETY: see `local!`.
                unsafe { self.stack.get_unchecked_mut(i) }
            }};
        }
        // The current frame: `fi` is always the last frame's index while the loop runs.
        macro_rules! frame {
            () => {{
                debug_assert!(fi < self.frames.len());
                // SAFETY: see above.
                unsafe { self.frames.get_unchecked_mut(fi) }
            }};
        }
        // Push with the value written straight into the stack's memory.
        macro_rules! push {
            ($v:expr) => {{
                let v = $v;
                let len = self.stack.len();
                if len == self.stack.capacity() {
                    grow_values(&mut self.stack, 1024);
                }
                // SAFETY: capacity was just ensured; `Value` is two words (repr(u64)),
                // written one by one (a 16-byte copy of a value just written as two
                // words would stall store forwarding).
                unsafe {
                    let words = std::mem::transmute::<Value, [u64; 2]>(v);
                    let p = self.stack.as_mut_ptr().add(len) as *mut u64;
                    std::ptr::write(p, words[0]);
                    std::ptr::write(p.add(1), words[1]);
                    self.stack.set_len(len + 1);
                }
            }};
        }
        macro_rules! pop {
            () => {
                pop_words(&mut self.stack)
            };
        }

        // Hand an instruction to `exec_slow`, then continue with the top frame.
        macro_rules! slow {
            ($op:expr) => {{
                save!();
                match self.exec_slow($op) {
                    Ok(Flow::Next) => {
                        refresh!();
                    }
                    Ok(Flow::Return(v)) => return Ok(v),
                    Err(e) => return Err(e),
                }
            }};
        }
        // Return from the top frame: the fast path for plain frames, else `exec_slow`.
        macro_rules! do_return {
            () => {{
                let Some(frame) = self.frames.last() else {
                    return Ok(pop!());
                };
                if matches!(frame.kind, FrameKind::Normal) && !frame.stop {
                    // Move the result word by word into the callee's slot, drop the rest.
                    let ret_to = frame.ret_to as usize;
                    pop_frame(&mut self.frames);
                    return_in_place(&mut self.stack, ret_to);
                    refresh!();
                    continue;
                }
                slow!(Op::Return);
            }};
        }
        // `(local op k)` for a small Int constant k.
        macro_rules! local_int_op {
            ($s:expr, $bop:expr, $k:expr) => {{
                let (s, bop, k) = ($s, $bop, $k);
                let r = match (local!(s), bop) {
                    (Value::Int(x), BinOp::Add) if x.checked_add(k as i64).is_some() => {
                        Value::Int(x + k as i64)
                    }
                    (Value::Int(x), BinOp::Sub) if x.checked_sub(k as i64).is_some() => {
                        Value::Int(x - k as i64)
                    }
                    (Value::Int(x), BinOp::Lt) => Value::Bool(*x < k as i64),
                    (Value::Int(x), BinOp::Le) => Value::Bool(*x <= k as i64),
                    (Value::Int(x), BinOp::Gt) => Value::Bool(*x > k as i64),
                    (Value::Int(x), BinOp::Ge) => Value::Bool(*x >= k as i64),
                    (Value::Int(x), BinOp::Eq) => Value::Bool(*x == k as i64),
                    (Value::Int(x), BinOp::Ne) => Value::Bool(*x != k as i64),
                    (a, _) => {
                        let a = fast_clone(a);
                        tri!(ops::binary(self, bop, &a, &Value::Int(k as i64)))
                    }
                };
                r
            }};
        }
        // Call a global with `argc` arguments on the stack (no callee slot).
        macro_rules! call_global {
            ($n:expr, $argc:expr) => {{
                let (n, argc) = ($n, $argc);
                let c = chunk!();
                let f = match self.cached_global(fi, c, n) {
                    Some(v) => v,
                    None => tri!(self.load_global(fi, c, n)),
                };
                let base_idx = self.stack.len() - argc as usize;
                if let Value::Function(cl) = &f {
                    if cl.proto.fast_argc == argc && self.frames.len() < self.config.max_depth {
                        let Value::Function(cl) = f else {
                            unreachable!()
                        };
                        save!();
                        self.push_frame_at(cl, base_idx, base_idx);
                        refresh!();
                        continue;
                    }
                }
                save!();
                let args: Vec<Value> = self.stack.drain(base_idx..).collect();
                let pushed = tri!(self.invoke(f, None, args, Vec::new(), base_idx));
                if pushed {
                    refresh!();
                } else {
                    resync!();
                }
            }};
        }
        loop {
            debug_assert!(ip < chunk!().code.len());
            // SAFETY: see `code` above.
            let op = unsafe { &*code.add(ip) };
            ip += 1;
            budget -= 1;
            if budget == 0 {
                budget = interval;
                if ready.load(std::sync::atomic::Ordering::Acquire) != 0
                    || self.asyncs.has_scheduled()
                    || self.debug.is_some()
                    || self.config.max_instructions != 0
                {
                    save!();
                    tri!(self.poll_point());
                    resync!();
                }
            }
            match *op {
                Op::Const(k) => push!(chunk!().consts[k as usize].clone()),
                Op::Nil => push!(Value::Nil),
                Op::Void => push!(Value::Void),
                Op::True => push!(Value::Bool(true)),
                Op::False => push!(Value::Bool(false)),
                Op::SmallInt(i) => push!(Value::Int(i as i64)),
                Op::Pop => {
                    if let Some(v) = self.stack.pop() {
                        fast_drop(v);
                    }
                }
                Op::Dup => {
                    let v = self.stack.last().cloned().unwrap_or_default();
                    push!(v);
                }
                Op::LoadLocal(s) => {
                    let v = fast_clone(local!(s));
                    push!(v);
                }
                Op::StoreLocal(s) => {
                    let v = pop!();
                    let old = std::mem::replace(local_mut!(s), v);
                    fast_drop(old);
                }
                Op::CmpJump(bop, t) => {
                    let b = pop!();
                    let a = pop!();
                    let r = match (bop, &a, &b) {
                        (BinOp::Lt, Value::Int(x), Value::Int(y)) => x < y,
                        (BinOp::Le, Value::Int(x), Value::Int(y)) => x <= y,
                        (BinOp::Gt, Value::Int(x), Value::Int(y)) => x > y,
                        (BinOp::Ge, Value::Int(x), Value::Int(y)) => x >= y,
                        (BinOp::Eq, Value::Int(x), Value::Int(y)) => x == y,
                        (BinOp::Ne, Value::Int(x), Value::Int(y)) => x != y,
                        _ => tri!(ops::binary(self, bop, &a, &b)).truthy(),
                    };
                    fast_drop(a);
                    fast_drop(b);
                    if !r {
                        ip = t as usize;
                    }
                }
                Op::LocalIntOp(s, bop, k) => {
                    let r = local_int_op!(s, bop, k);
                    push!(r);
                }
                Op::CmpLocalIntJump(s, bop, k, t) => {
                    let k = k as i64;
                    let r = match (local!(s), bop) {
                        (Value::Int(x), BinOp::Lt) => *x < k,
                        (Value::Int(x), BinOp::Le) => *x <= k,
                        (Value::Int(x), BinOp::Gt) => *x > k,
                        (Value::Int(x), BinOp::Ge) => *x >= k,
                        (Value::Int(x), BinOp::Eq) => *x == k,
                        (Value::Int(x), BinOp::Ne) => *x != k,
                        (a, _) => {
                            let a = fast_clone(a);
                            tri!(ops::binary(self, bop, &a, &Value::Int(k))).truthy()
                        }
                    };
                    if !r {
                        ip = t as usize;
                    }
                }
                Op::AddLocalInt(s, k) => {
                    let slot = local_mut!(s);
                    if let Value::Int(x) = slot {
                        if let Some(v) = x.checked_add(k as i64) {
                            *x = v;
                            continue;
                        }
                    }
                    let cur = fast_clone(slot);
                    let (op, k) = if k < 0 {
                        (BinOp::Sub, -(k as i64))
                    } else {
                        (BinOp::Add, k as i64)
                    };
                    let v = tri!(ops::binary(self, op, &cur, &Value::Int(k)));
                    *local_mut!(s) = v;
                }
                Op::LoadEnv(hops, idx) => {
                    let v = self.env_get(fi, hops, idx);
                    push!(v);
                }
                Op::StoreEnv(hops, idx) => {
                    let v = pop!();
                    self.env_set(fi, hops, idx, v);
                }
                Op::LoadGlobal(n) => {
                    let c = chunk!();
                    let v = match self.cached_global(fi, c, n) {
                        Some(v) => v,
                        None => tri!(self.load_global(fi, c, n)),
                    };
                    push!(v);
                }
                Op::PushEnv(l) => {
                    let layout = chunk!().layouts[l as usize].clone();
                    let f = &mut self.frames[fi];
                    let parent = f.env.take();
                    f.env = Some(Rc::new(Scope {
                        vars: std::cell::RefCell::new(vec![Value::Nil; layout.names.len()]),
                        parent,
                        layout: Some(layout),
                    }));
                }
                Op::PopEnv(n) => {
                    let f = &mut self.frames[fi];
                    for _ in 0..n {
                        f.env = f.env.take().and_then(|e| e.parent.clone());
                    }
                }
                Op::Jump(t) => ip = t as usize,
                Op::JumpIfFalse(t) => {
                    if !pop!().truthy() {
                        ip = t as usize;
                    }
                }
                Op::JumpIfTrue(t) => {
                    if pop!().truthy() {
                        ip = t as usize;
                    }
                }
                Op::Binary(bop) => {
                    let b = pop!();
                    let a = pop!();
                    let r = match (bop, &a, &b) {
                        (BinOp::Add, Value::Int(x), Value::Int(y))
                            if x.checked_add(*y).is_some() =>
                        {
                            Value::Int(x.wrapping_add(*y))
                        }
                        (BinOp::Sub, Value::Int(x), Value::Int(y))
                            if x.checked_sub(*y).is_some() =>
                        {
                            Value::Int(x.wrapping_sub(*y))
                        }
                        (BinOp::Add, Value::Int(x), Value::Int(y)) => match x.checked_add(*y) {
                            Some(v) => Value::Int(v),
                            None => tri!(Err(self.err(
                                ErrorKind::Runtime,
                                format!("Integer overflow in addition: {x} + {y}")
                            ))),
                        },
                        (BinOp::Sub, Value::Int(x), Value::Int(y)) => match x.checked_sub(*y) {
                            Some(v) => Value::Int(v),
                            None => tri!(Err(self.err(
                                ErrorKind::Runtime,
                                format!("Integer overflow in subtraction: {x} - {y}")
                            ))),
                        },
                        (BinOp::Lt, Value::Int(x), Value::Int(y)) => Value::Bool(x < y),
                        (BinOp::Le, Value::Int(x), Value::Int(y)) => Value::Bool(x <= y),
                        (BinOp::Gt, Value::Int(x), Value::Int(y)) => Value::Bool(x > y),
                        (BinOp::Ge, Value::Int(x), Value::Int(y)) => Value::Bool(x >= y),
                        (BinOp::Eq, Value::Int(x), Value::Int(y)) => Value::Bool(x == y),
                        _ => tri!(ops::binary(self, bop, &a, &b)),
                    };
                    fast_drop(a);
                    fast_drop(b);
                    push!(r);
                }
                Op::Not => {
                    let v = pop!();
                    // `!` on bytes is bitwise (later 7.5).
                    if let Value::Bytes(b) = &v {
                        push!(ops::bytes_not(b));
                    } else {
                        push!(Value::Bool(!v.truthy()));
                    }
                }
                Op::Call(argc) => {
                    let callee_idx = self.stack.len() - argc as usize - 1;
                    // Fast path: a plain closure with exactly its required positional arguments.
                    if let Value::Function(c) = &self.stack[callee_idx] {
                        if c.proto.fast_argc == argc && self.frames.len() < self.config.max_depth {
                            let c = c.clone();
                            save!();
                            self.push_frame_fast(c, callee_idx);
                            refresh!();
                            continue;
                        }
                    }
                    slow!(*op);
                }
                Op::TailCall(argc) => {
                    let callee_idx = self.stack.len() - argc as usize - 1;
                    if let Value::Function(c) = &self.stack[callee_idx] {
                        if c.proto.fast_argc == argc && self.frames.len() <= TAIL_CALL_DEPTH {
                            let c = c.clone();
                            save!();
                            self.push_frame_fast(c, callee_idx);
                            refresh!();
                            continue;
                        }
                    }
                    slow!(*op);
                }
                // Tail calls (later 11): deep in the stack they replace the frame
                // (`exec_slow`); otherwise they are ordinary calls.
                Op::TailCallGlobal(..) | Op::TailCallGlobalLocalInt(..) => {
                    if self.frames.len() > TAIL_CALL_DEPTH {
                        slow!(*op);
                    } else {
                        let (n, argc) = match *op {
                            Op::TailCallGlobalLocalInt(n, s, bop, k) => {
                                let r = local_int_op!(s, bop, k);
                                push!(r);
                                (n, 1)
                            }
                            Op::TailCallGlobal(n, argc) => (n, argc),
                            _ => unreachable!(),
                        };
                        call_global!(n, argc);
                    }
                }
                Op::CallGlobal(n, argc) => call_global!(n, argc),
                Op::CallGlobalLocalInt(n, s, bop, k) => {
                    let r = local_int_op!(s, bop, k);
                    push!(r);
                    call_global!(n, 1);
                }
                Op::CallMethod(n, argc) => {
                    save!();
                    let name = chunk!().names[n as usize].clone();
                    let recv_idx = self.stack.len() - argc as usize - 1;
                    let args: Vec<Value> = self.stack.drain(recv_idx + 1..).collect();
                    let recv = pop!();
                    let pushed = tri!(self.call_method(recv, &name, args, Vec::new(), recv_idx));
                    if pushed {
                        refresh!();
                    }
                }
                Op::Return => do_return!(),
                Op::ReturnLocal(s) => {
                    let v = fast_clone(local!(s));
                    push!(v);
                    do_return!();
                }
                Op::BinaryReturn(bop) => {
                    let b = pop!();
                    let a = pop!();
                    let r = match (bop, &a, &b) {
                        (BinOp::Add, Value::Int(x), Value::Int(y))
                            if x.checked_add(*y).is_some() =>
                        {
                            Value::Int(x.wrapping_add(*y))
                        }
                        _ => tri!(ops::binary(self, bop, &a, &b)),
                    };
                    fast_drop(a);
                    fast_drop(b);
                    push!(r);
                    do_return!();
                }
                Op::GetMember(n) => {
                    let obj = pop!();
                    let name = &chunk!().names[n as usize];
                    let v = tri!(self.get_member(&obj, name));
                    push!(v);
                }
                Op::GetIndex(i) => {
                    let obj = pop!();
                    let v = tri!(self.get_index(&obj, i as i64));
                    push!(v);
                }
                Op::IterNext(done, n) => {
                    save!();
                    let it = self.stack.last().cloned().unwrap_or_default();
                    let got = tri!(self.iter_next(&it, n));
                    match got {
                        None => ip = done as usize,
                        Some(vals) => self.stack.extend(vals),
                    }
                }
                Op::SaveSp(slot) => {
                    let h = (self.stack.len() - base) as i64;
                    self.stack[base + slot as usize] = Value::Int(h);
                }
                Op::RestoreSp(slot) => {
                    if let Value::Int(h) = self.stack[base + slot as usize] {
                        self.stack.truncate(base + h as usize);
                    }
                }
                Op::Quote(k) => push!(super::slow_ops::deep_copy(&chunk!().consts[k as usize])),
                other => slow!(other),
            }
        }
    }

    /// A call in tail position deep in the stack (the dispatch loop makes shallow
    /// ones ordinary calls and sends the rest here through `exec_slow`): a plain
    /// closure callee with exactly its positional arguments replaces frame `fi`; any
    /// other call runs as usual, and the `Return` after it returns.
    pub(crate) fn tail_call(&mut self, fi: usize, op: Op) -> VmResult<()> {
        let (global, argc) = match op {
            Op::TailCall(argc) => (None, argc),
            Op::TailCallGlobal(n, argc) => (Some(n), argc),
            Op::TailCallGlobalLocalInt(n, s, bop, k) => {
                let slot = self.frames[fi].base as usize + s as usize;
                let a = self.stack[slot].clone();
                let r = ops::binary(self, bop, &a, &Value::Int(k as i64))?;
                self.stack.push(r);
                (Some(n), 1)
            }
            _ => return Ok(()),
        };
        let args_at = self.stack.len() - argc as usize;
        let callee = match global {
            Some(n) => {
                let proto = self.frames[fi].closure.proto.clone();
                match self.cached_global(fi, &proto.chunk, n) {
                    Some(v) => v,
                    None => self.load_global(fi, &proto.chunk, n)?,
                }
            }
            None => self.stack[args_at - 1].clone(),
        };
        if let Value::Function(c) = &callee {
            if c.proto.fast_argc == argc && !self.can_replace_frame(fi) {
                // The usual fast call: arguments stay in place.
                if self.frames.len() < self.config.max_depth {
                    let Value::Function(c) = callee else {
                        unreachable!()
                    };
                    if global.is_some() {
                        self.push_frame_at(c, args_at, args_at);
                    } else {
                        self.push_frame_fast(c, args_at - 1);
                    }
                    return Ok(());
                }
            } else if c.proto.fast_argc == argc {
                let keep_from = if global.is_some() {
                    args_at
                } else {
                    args_at - 1
                };
                let (ret_to, stop) = self.replace_frame(keep_from);
                let Value::Function(c) = callee else {
                    unreachable!()
                };
                if global.is_some() {
                    self.push_frame_at(c, ret_to, ret_to);
                } else {
                    self.push_frame_fast(c, ret_to);
                }
                if let Some(f) = self.frames.last_mut() {
                    f.stop = stop;
                }
                return Ok(());
            }
        }
        // An ordinary call: the callee slot (or the first argument's, for a global).
        let args: Vec<Value> = self.stack.drain(args_at..).collect();
        let ret_to = match global {
            Some(_) => args_at,
            None => {
                self.stack.pop();
                args_at - 1
            }
        };
        self.invoke(callee, None, args, Vec::new(), ret_to)?;
        Ok(())
    }

    /// A tail call may replace frame `fi`: a plain function frame with no handler of
    /// its own, and no debugger attached (a debug session sees every call's frame).
    /// Below `TAIL_CALL_DEPTH` frames tail calls push frames as usual, so error stacks
    /// of ordinary programs show every caller; deeper, the stack stops growing.
    #[inline(always)]
    fn can_replace_frame(&self, fi: usize) -> bool {
        // The same with a debugger attached: a program must not overflow only when
        // debugged (later 11); the 256 frames below keep the stack readable.
        fi >= TAIL_CALL_DEPTH
            && matches!(self.frames[fi].kind, FrameKind::Normal)
            && self.handlers.last().is_none_or(|h| h.frame != fi)
    }

    /// Drops the top frame and its stack below `keep_from`, moving the values from
    /// `keep_from` up (callee and arguments) down to the frame's result slot. Returns
    /// that slot and the frame's stop marker, which the replacing frame inherits.
    #[inline(always)]
    fn replace_frame(&mut self, keep_from: usize) -> (usize, bool) {
        let n = self.frames.len() - 1;
        let frame = &self.frames[n];
        let (ret_to, stop) = (frame.ret_to as usize, frame.stop);
        pop_frame(&mut self.frames);
        if keep_from > ret_to {
            self.stack.drain(ret_to..keep_from);
        }
        (ret_to, stop)
    }

    /// The poll branch found work or a debugger: debugger checks (traps, commands,
    /// pause, steps; `ip - 1` is the next instruction), then the event loop unless a
    /// native call is running. Sets the budget for the next stretch.
    #[inline(never)]
    fn poll_point(&mut self) -> VmResult<()> {
        if self.config.max_instructions != 0 {
            self.charge_instructions(u64::from(self.check_interval()))?;
        }
        if self.debug.is_some() {
            self.debug_check()?;
        }
        if self.native_calls == 0
            && self.config.poll_interval != 0
            && (self.asyncs.event_loop.has_ready() || self.asyncs.has_scheduled())
        {
            self.poll()?;
        }
        Ok(())
    }

    /// Inline cache hit for a global: the member's index in the frame's namespace.
    #[inline(always)]
    fn cached_global(
        &self,
        fi: usize,
        chunk: &crate::compile::chunk::Chunk,
        n: u32,
    ) -> Option<Value> {
        let cached = chunk.global_cache[n as usize].get();
        // SAFETY: no mutable borrow of the members can be live here: namespace members
        // are only changed by instructions, never while this lookup runs.
        let members = unsafe { self.frames[fi].closure.ns.members.try_borrow_unguarded() }.ok()?;
        members
            .get_index(cached as usize)
            .filter(|(k, _)| **k == chunk.names[n as usize])
            .map(|(_, v)| fast_clone(v))
    }

    pub(crate) fn env_get(&self, fi: usize, hops: u16, idx: u16) -> Value {
        let mut e = self.frames[fi].env.as_ref();
        for _ in 0..hops {
            e = e.and_then(|s| s.parent.as_ref());
        }
        e.and_then(|s| s.vars.borrow().get(idx as usize).cloned())
            .unwrap_or_default()
    }

    pub(crate) fn env_set(&self, fi: usize, hops: u16, idx: u16, v: Value) {
        let mut e = self.frames[fi].env.as_ref();
        for _ in 0..hops {
            e = e.and_then(|s| s.parent.as_ref());
        }
        if let Some(s) = e {
            if let Some(slot) = s.vars.borrow_mut().get_mut(idx as usize) {
                *slot = v;
            }
        }
    }

    pub(crate) fn load_global(
        &mut self,
        fi: usize,
        chunk: &crate::compile::chunk::Chunk,
        n: u32,
    ) -> VmResult<Value> {
        let name = &chunk.names[n as usize];
        let ns = &self.frames[fi].closure.ns;
        // Inline cache: the member's index in the frame's own namespace.
        let cached = chunk.global_cache[n as usize].get();
        if cached != u32::MAX {
            if let Some((k, v)) = ns.members.borrow().get_index(cached as usize) {
                if k == name {
                    return Ok(v.clone());
                }
            }
        }
        if let Some((i, _, v)) = ns.members.borrow().get_full(name) {
            chunk.global_cache[n as usize].set(i as u32);
            return Ok(v.clone());
        }
        let mut cur = ns.parent.clone();
        while let Some(c) = cur {
            if let Some(v) = c.get(name) {
                return Ok(v);
            }
            cur = c.parent.clone();
        }
        if let Some(v) = self.gene_ns.get(name) {
            return Ok(v);
        }
        let msg = format!("{} is not defined", name.as_str());
        Err(self.err(ErrorKind::Exception, msg))
    }
}

/// The frame depth from which tail calls replace frames (see `can_replace_frame`).
const TAIL_CALL_DEPTH: usize = 256;

/// Keyword arguments of a call, in call order.
pub type KwArgs = Vec<(Sym, Value)>;

/// Pops a value as two 8-byte loads: values are written as two words, and a
/// single 16-byte load of them would stall store forwarding.
#[inline(always)]
pub(super) fn pop_words(stack: &mut Vec<Value>) -> Value {
    let len = stack.len();
    if len == 0 {
        return Value::Nil;
    }
    // SAFETY: `Value` is `repr(u64)`: exactly [tag, payload] words; the slot holds a
    // valid value whose ownership moves out (len is decremented first).
    unsafe {
        stack.set_len(len - 1);
        let p = stack.as_ptr().add(len - 1) as *const u64;
        let words = [std::ptr::read(p), std::ptr::read(p.add(1))];
        std::mem::transmute::<[u64; 2], Value>(words)
    }
}

/// Returns from a frame: the value on top moves to `ret_to` (the callee's slot),
/// everything above is dropped; the stack ends at `ret_to + 1`.
#[inline(always)]
fn return_in_place(stack: &mut Vec<Value>, ret_to: usize) {
    let len = stack.len();
    if len == 0 || ret_to >= len {
        push_nil(stack);
        return;
    }
    let top = len - 1;
    if top != ret_to {
        // SAFETY: both indexes are in bounds and distinct; swapping moves ownership.
        unsafe {
            let a = stack.as_mut_ptr().add(top) as *mut u64;
            let b = stack.as_mut_ptr().add(ret_to) as *mut u64;
            let (a0, a1) = (std::ptr::read(a), std::ptr::read(a.add(1)));
            let (b0, b1) = (std::ptr::read(b), std::ptr::read(b.add(1)));
            std::ptr::write(a, b0);
            std::ptr::write(a.add(1), b1);
            std::ptr::write(b, a0);
            std::ptr::write(b.add(1), a1);
        }
    }
    while stack.len() > ret_to + 1 {
        let v = pop_words(stack);
        fast_drop(v);
    }
}

/// True for values without heap data (tags below `Symbol`: nil, void,
/// not_found, bool, int, float, char); they copy and drop as plain words.
#[inline(always)]
fn is_immediate(v: &Value) -> bool {
    // SAFETY: `Value` is `repr(u64)`: its first word is the discriminant.
    let tag = unsafe { *(v as *const Value as *const u64) };
    tag <= 6
}

/// Clone without a call for immediates (the common case in hot loops).
#[inline(always)]
fn fast_clone(v: &Value) -> Value {
    if is_immediate(v) {
        // SAFETY: immediates own nothing; copying their two words is a clone.
        unsafe {
            let p = v as *const Value as *const u64;
            std::mem::transmute::<[u64; 2], Value>([std::ptr::read(p), std::ptr::read(p.add(1))])
        }
    } else {
        match v {
            Value::Function(f) => Value::Function(f.clone()),
            _ => v.clone(),
        }
    }
}

/// Drop without a call for immediates.
#[inline(always)]
pub(super) fn fast_drop(v: Value) {
    if is_immediate(&v) {
        std::mem::forget(v)
    } else {
        drop_heap_value(v)
    }
}

// In builds that unwind (the servers, which catch a panic per request), every call in
// the dispatch loop that might unwind needs a cleanup path, which made calls and
// returns ~1.7x slower there. So in those builds the helpers the hot paths call are
// `extern "C"`: they cannot unwind (a panic in them aborts) and need no cleanup paths.
// Builds that abort keep them inline.

macro_rules! no_unwind_helpers {
    ($($(#[$m:meta])* fn $name:ident($($a:ident: $t:ty),*) $body:block)*) => {$(
        $(#[$m])*
        #[cfg(panic = "abort")]
        #[inline(always)]
        pub(super) fn $name($($a: $t),*) $body

        $(#[$m])*
        #[cfg(not(panic = "abort"))]
        #[inline(never)]
        #[allow(improper_ctypes_definitions)]
        pub(super) extern "C" fn $name($($a: $t),*) $body
    )*};
}

no_unwind_helpers! {
    /// Drops a value that owns heap data.
    fn drop_heap_value(v: Value) {
        drop(v)
    }
    /// Makes room for `n` more values.
    fn grow_values(v: &mut Vec<Value>, n: usize) {
        v.reserve(n)
    }
    /// Makes room for more frames.
    fn grow_frames(v: &mut Vec<super::frame::Frame>) {
        v.reserve(64)
    }
    /// Pushes nil (a return with nothing on the stack; never expected).
    fn push_nil(v: &mut Vec<Value>) {
        v.push(Value::Nil)
    }
    /// Removes the top frame (releasing its closure and scope).
    fn pop_frame(v: &mut Vec<super::frame::Frame>) {
        let n = v.len().saturating_sub(1);
        v.truncate(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn immediates_are_exactly_the_heapless_values() {
        for v in [
            Value::Nil,
            Value::Void,
            Value::NotFound,
            Value::Bool(true),
            Value::Int(-3),
            Value::Float(2.5),
            Value::Char('x'),
        ] {
            assert!(is_immediate(&v));
            let c = fast_clone(&v);
            assert!(values_equal(&c, &v));
        }
        for v in [
            Value::str("s"),
            Value::array(vec![]),
            Value::map(PropMap::new()),
        ] {
            assert!(!is_immediate(&v));
        }
    }

    #[test]
    fn returning_moves_the_result_into_the_callee_slot() {
        let mut stack = vec![
            Value::Int(1),
            Value::str("callee"),
            Value::Int(7),
            Value::Int(42),
        ];
        return_in_place(&mut stack, 1);
        assert_eq!(stack.len(), 2);
        assert!(values_equal(&stack[1], &Value::Int(42)));
        assert!(matches!(pop_words(&mut stack), Value::Int(42)));
        assert!(matches!(pop_words(&mut stack), Value::Int(1)));
        assert!(matches!(pop_words(&mut stack), Value::Nil));
    }
}
