//! Control flow: conditional jumps and their patching, statement pops with
//! their peepholes, loops, `break`/`continue`/`return` and the unwinding they
//! need (`unwind_to`), and `try`/`catch`/`finally`.

use super::*;

impl<'u> Emitter<'u> {
    /// Discards a statement's value, folding `Dup; Store` and `AddLocalInt; LoadLocal`.
    pub(super) fn emit_pop(&mut self) {
        let here = self.here();
        let st = self.st();
        // Removing an instruction must not move a statement start.
        let moves_stmt = st
            .chunk
            .stmts
            .last()
            .is_some_and(|s| s.0 as usize > here.saturating_sub(2));
        if st.barrier != here && here >= 2 && !moves_stmt {
            let code = &st.chunk.code;
            let (a, b) = (code[here - 2], code[here - 1]);
            match (a, b) {
                (Op::Dup, Op::StoreLocal(_) | Op::StoreEnv(_, _)) => {
                    st.chunk.code.remove(here - 2);
                    st.chunk.spans.remove(here - 2);
                    return;
                }
                (Op::AddLocalInt(_, _), Op::LoadLocal(_)) => {
                    st.chunk.code.pop();
                    st.chunk.spans.pop();
                    return;
                }
                _ => {}
            }
        }
        self.emit(Op::Pop);
    }

    /// `(x op k)` where x is a slot variable and k a literal that fits i32.
    pub(super) fn local_and_small_int(&mut self, a: &Expr, b: &Expr) -> Option<(u32, i32)> {
        let (ExprKind::Name(NameRes::Var(v), _), ExprKind::Lit(Lit::Int(k))) = (&a.kind, &b.kind)
        else {
            return None;
        };
        let Storage::Slot(slot) = self.storage_of(*v) else {
            return None;
        };
        Some((slot, i32::try_from(*k).ok()?))
    }

    /// Emits a conditional jump taken when `cond` is falsy; returns it for patching.
    pub(super) fn jump_if_false(&mut self, cond: &'u Expr) -> usize {
        if let ExprKind::Binary(op, a, b) = &cond.kind {
            let is_cmp = matches!(
                op,
                BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne
            );
            if is_cmp {
                if let Some((slot, k)) = self.local_and_small_int(a, b) {
                    if let Ok(slot) = u16::try_from(slot) {
                        let saved = self.span;
                        self.span = cond.span;
                        let j = self.emit(Op::CmpLocalIntJump(slot, *op, k, 0));
                        self.span = saved;
                        return j;
                    }
                }
            }
            if is_cmp {
                let saved = self.span;
                self.span = cond.span;
                self.expr(a);
                self.expr(b);
                let j = self.emit(Op::CmpJump(*op, 0));
                self.span = saved;
                return j;
            }
        }
        self.expr(cond);
        self.emit(Op::JumpIfFalse(0))
    }

    pub(super) fn patch(&mut self, at: usize) {
        let target = self.here() as u32;
        self.st().barrier = target as usize;
        let c = &mut self.st().chunk;
        c.code[at] = match c.code[at] {
            Op::CmpJump(op, _) => Op::CmpJump(op, target),
            Op::CmpLocalIntJump(s, op, k, _) => Op::CmpLocalIntJump(s, op, k, target),
            Op::Jump(_) => Op::Jump(target),
            Op::JumpIfFalse(_) => Op::JumpIfFalse(target),
            Op::JumpIfTrue(_) => Op::JumpIfTrue(target),
            Op::JumpIfProvided(s, _) => Op::JumpIfProvided(s, target),
            Op::PushHandler(_) => Op::PushHandler(target),
            Op::IterNext(_, n) => Op::IterNext(target, n),
            Op::MatchVariant(_, n) => Op::MatchVariant(target, n),
            Op::TryUnwrap(_) => Op::TryUnwrap(target),
            Op::ContractsOff(_) => Op::ContractsOff(target),
            other => other,
        };
    }

    pub(super) fn save_sp(&mut self, slot: u32) {
        self.emit(Op::SaveSp(slot));
    }

    fn restore_sp(&mut self, slot: u32) {
        self.emit(Op::RestoreSp(slot));
    }

    pub(super) fn push_loop(
        &mut self,
        sp_slot: u32,
        continue_target: Option<usize>,
        keeps_value: bool,
        label: Option<&'u str>,
    ) {
        self.st().ctl.push(Ctl::Loop {
            sp_slot,
            continue_target,
            continue_patches: Vec::new(),
            break_patches: Vec::new(),
            keeps_value,
            label,
        });
    }

    /// Closes the innermost loop: patches breaks to here; non-value loops push nil.
    pub(super) fn pop_loop(&mut self, continue_at: Option<usize>) {
        let Some(Ctl::Loop {
            continue_patches,
            break_patches,
            keeps_value,
            ..
        }) = self.st().ctl.pop()
        else {
            return;
        };
        if let Some(c) = continue_at {
            for p in &continue_patches {
                self.st().chunk.code[*p] = Op::Jump(c as u32);
            }
        }
        if keeps_value {
            // `loop` only ends by break: breaks land here with their value.
            for p in break_patches {
                self.patch(p);
            }
        } else {
            // Breaks arrive with a value to drop.
            self.nil_exit(break_patches, 1);
        }
    }

    /// The end of a loop whose value is nil: normal exit pushes nil; breaks land after
    /// it, drop `drop_on_break` stack values and push nil.
    fn nil_exit(&mut self, break_patches: Vec<usize>, drop_on_break: usize) {
        self.emit(Op::Nil);
        let end = self.emit(Op::Jump(0));
        let target = self.label();
        for p in break_patches {
            self.st().chunk.code[p] = Op::Jump(target as u32);
        }
        for _ in 0..drop_on_break {
            self.emit(Op::Pop);
        }
        self.emit(Op::Nil);
        self.patch(end);
    }

    pub(super) fn for_loop(
        &mut self,
        vars: &'u [Pattern],
        region: RegionId,
        body: &'u [Expr],
        label: Option<&'u str>,
        repeat: Option<RepeatVars>,
    ) {
        // Stack: iterator.
        let sp = self.new_slot();
        self.save_sp(sp);
        let next = self.label();
        let index = repeat.and_then(|r| r.index);
        let n = if index.is_some() { 1 } else { vars.len() as u8 };
        let done = self.emit(Op::IterNext(0, n));
        self.push_loop(sp, None, false, label);
        let prev = self.enter_region(region);
        for v in vars.iter().rev() {
            self.bind_pattern(v);
        }
        if let Some(i) = index {
            // The repeat iterator yields 0, 1, ...: the iteration number.
            self.store_var(i);
        }
        if let Some((t, tmp)) = repeat.and_then(|r| r.total) {
            self.emit(Op::LoadLocal(tmp));
            self.store_var(t);
        }
        for x in body {
            self.stmt_start(x);
            self.expr(x);
            self.emit_pop();
        }
        self.leave_region(region, prev);
        self.emit(Op::Jump(next as u32));
        // Continue jumps back to `next` (after restoring the stack).
        if let Some(Ctl::Loop {
            continue_patches, ..
        }) = self.st().ctl.last_mut()
        {
            let ps = std::mem::take(continue_patches);
            for p in ps {
                self.st().chunk.code[p] = Op::Jump(next as u32);
            }
        }
        self.patch(done);
        // Normal exit: pop the iterator, value nil.
        self.emit(Op::Pop);
        let Some(Ctl::Loop { break_patches, .. }) = self.st().ctl.pop() else {
            return;
        };
        // Break: [iterator, value]
        self.nil_exit(break_patches, 2);
    }

    /// Emits the cleanup for leaving the control entries above `down_to`.
    fn unwind_to(&mut self, down_to: usize) {
        let mut i = self.st().ctl.len();
        while i > down_to {
            i -= 1;
            let entry = match &self.st().ctl[i] {
                Ctl::Region => 0,
                Ctl::Loop { .. } => 1,
                Ctl::TryBody(_) => 2,
                Ctl::Catch(_, _) => 3,
                Ctl::AsyncBody => 4,
            };
            match entry {
                0 => {
                    self.emit(Op::PopEnv(1));
                }
                2 | 3 => {
                    let (fin, is_catch, fin_guard) = match &self.st().ctl[i] {
                        Ctl::TryBody(f) => (*f, false, false),
                        Ctl::Catch(f, g) => (*f, true, *g),
                        _ => (None, false, false),
                    };
                    if !is_catch || fin_guard {
                        self.emit(Op::PopHandler);
                    }
                    if is_catch {
                        self.emit(Op::EndHandler);
                    }
                    if let Some(f) = fin {
                        // The finally code runs outside the try it belongs to.
                        let saved: Vec<Ctl<'u>> = self.st().ctl.drain(i..).collect();
                        self.body(f);
                        self.emit(Op::Pop);
                        self.st().ctl.extend(saved);
                    }
                }
                4 => {
                    self.emit(Op::PopHandler);
                }
                _ => {}
            }
        }
    }

    /// The innermost loop, or the innermost one with `label` (checked by the lowerer).
    fn target_loop(&mut self, label: Option<&str>) -> Option<usize> {
        self.st().ctl.iter().rposition(|c| match c {
            Ctl::Loop { label: l, .. } => label.is_none() || *l == label,
            _ => false,
        })
    }

    pub(super) fn break_(&mut self, v: Option<&'u Expr>, label: Option<&str>) {
        let Some(li) = self.target_loop(label) else {
            let k = self.konst(Value::str("break used outside of a loop"));
            self.emit(Op::ThrowMessage(k));
            return;
        };
        let tmp = self.new_slot();
        match v {
            Some(v) => self.expr(v),
            None => {
                self.emit(Op::Nil);
            }
        }
        self.emit(Op::StoreLocal(tmp));
        self.unwind_to(li + 1);
        let sp = match &self.st().ctl[li] {
            Ctl::Loop { sp_slot, .. } => *sp_slot,
            _ => 0,
        };
        self.restore_sp(sp);
        self.emit(Op::LoadLocal(tmp));
        let j = self.emit(Op::Jump(0));
        if let Some(Ctl::Loop { break_patches, .. }) = self.st().ctl.get_mut(li) {
            break_patches.push(j);
        }
    }

    pub(super) fn continue_(&mut self, label: Option<&str>) {
        let Some(li) = self.target_loop(label) else {
            let k = self.konst(Value::str("continue used outside of a loop"));
            self.emit(Op::ThrowMessage(k));
            return;
        };
        self.unwind_to(li + 1);
        let (sp, target) = match &self.st().ctl[li] {
            Ctl::Loop {
                sp_slot,
                continue_target,
                ..
            } => (*sp_slot, *continue_target),
            _ => (0, None),
        };
        self.restore_sp(sp);
        match target {
            Some(t) => {
                self.emit(Op::Jump(t as u32));
            }
            None => {
                let j = self.emit(Op::Jump(0));
                if let Some(Ctl::Loop {
                    continue_patches, ..
                }) = self.st().ctl.get_mut(li)
                {
                    continue_patches.push(j);
                }
            }
        }
        // Keep the stack shape of an expression for the code that follows.
        self.emit(Op::Nil);
    }

    pub(super) fn return_(&mut self, v: Option<&'u Expr>) {
        match v {
            Some(v) => self.expr(v),
            None => {
                self.emit(Op::Nil);
            }
        }
        self.return_top();
    }

    /// Returns the value on top of the stack, running the `finally`s on the way.
    pub(super) fn return_top(&mut self) {
        if let Some(i) = self.st().ret_check {
            self.emit(Op::CheckTop(i));
        }
        self.emit_post();
        let tmp = self.new_slot();
        self.emit(Op::StoreLocal(tmp));
        self.unwind_to(0);
        self.emit(Op::LoadLocal(tmp));
        if self.st().is_async {
            self.emit(Op::AsyncOk);
        }
        self.emit(Op::Return);
    }

    pub(super) fn try_(
        &mut self,
        body: &'u [Expr],
        catches: &'u [Catch],
        finally: Option<&'u [Expr]>,
    ) {
        let h = self.emit(Op::PushHandler(0));
        self.st().ctl.push(Ctl::TryBody(finally));
        self.body(body);
        self.st().ctl.pop();
        self.emit(Op::PopHandler);
        if let Some(f) = finally {
            self.body(f);
            self.emit(Op::Pop);
        }
        let mut ends = vec![self.emit(Op::Jump(0))];
        // Handler entry: the exception is the current one.
        self.patch(h);
        for c in catches {
            let mut next = None;
            if let CatchPattern::Class(cls) = &c.pattern {
                self.expr(cls);
                self.emit(Op::ExceptionIs);
                next = Some(self.emit(Op::JumpIfFalse(0)));
            }
            let prev = self.enter_region(c.region);
            if let CatchPattern::Bind(v) = &c.pattern {
                self.emit(Op::LoadException);
                self.store_var(*v);
            }
            let guard = finally.map(|_| self.emit(Op::PushHandler(0)));
            self.st().ctl.push(Ctl::Catch(finally, guard.is_some()));
            self.body(&c.body);
            self.st().ctl.pop();
            if guard.is_some() {
                self.emit(Op::PopHandler);
            }
            self.leave_region(c.region, prev);
            self.emit(Op::EndHandler);
            if let Some(f) = finally {
                self.body(f);
                self.emit(Op::Pop);
            }
            ends.push(self.emit(Op::Jump(0)));
            if let Some(g) = guard {
                // An exception thrown by the handler: run finally, then re-throw it.
                self.patch(g);
                if self.heap_regions[c.region as usize] {
                    // The handler's scope was popped by the unwinder (env restored).
                }
                if let Some(f) = finally {
                    self.body(f);
                    self.emit(Op::Pop);
                }
                self.emit(Op::Rethrow);
            }
            if let Some(n) = next {
                self.patch(n);
            }
        }
        // No clause matched.
        if let Some(f) = finally {
            self.body(f);
            self.emit(Op::Pop);
        }
        self.emit(Op::Rethrow);
        for e in ends {
            self.patch(e);
        }
    }
}
