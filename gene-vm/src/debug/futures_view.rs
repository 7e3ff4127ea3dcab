//! Futures and the event loop as the debugger shows them: the Futures and Event loop
//! scopes, a future's children, and the records of `gene/futures` and its events.

use std::rc::Rc;
use std::time::Instant;

use super::inspect::short;
use super::state::Handle;
use super::{FutureRecord, FuturesPage, LoopStats, SourcePos, VariableInfo};
use crate::runtime::futures::{FutState, FutureObj};
use crate::vm::value::Value;
use crate::vm::{print, Vm};

impl Vm {
    pub(crate) fn futures_vars(&mut self) -> Vec<VariableInfo> {
        let futures = self.asyncs.live_futures();
        let mut out = Vec::new();
        for f in futures {
            let v = Value::Future(f.clone());
            let mut info = self.var_info(&format!("#{} {}", f.id, f.label), &v, None);
            info.value = future_summary(&f);
            out.push(info);
        }
        out
    }

    pub(crate) fn loop_vars(&mut self) -> Vec<VariableInfo> {
        let s = self.loop_stats();
        let rows: [(&str, u64); 9] = [
            ("polls", s.polls),
            ("polls_with_work", s.polls_with_work),
            ("completions", s.completions),
            ("callbacks", s.callbacks),
            ("awaits", s.awaits),
            ("await_blocked_ms", s.await_blocked_ms),
            ("pending", s.pending as u64),
            ("pending_max", s.pending_max as u64),
            ("in_flight", s.in_flight as u64),
        ];
        rows.iter()
            .map(|(n, v)| VariableInfo {
                name: n.to_string(),
                value: v.to_string(),
                type_name: Some("Int".into()),
                ..Default::default()
            })
            .collect()
    }

    pub(crate) fn loop_stats(&self) -> LoopStats {
        let s = &self.asyncs.stats;
        LoopStats {
            polls: s.polls,
            polls_with_work: s.polls_with_work,
            completions: s.completions,
            callbacks: s.callbacks,
            awaits: s.awaits,
            await_blocked_ms: s.await_blocked.as_millis() as u64,
            pending: self.asyncs.pending_now(),
            pending_max: s.pending_max,
            in_flight: self.asyncs.event_loop.in_flight(),
        }
    }

    pub(crate) fn future_vars(&mut self, f: &Rc<FutureObj>) -> Vec<VariableInfo> {
        let now = Instant::now();
        let rec = self.future_record(f, now);
        let mut out = vec![text_info("state", &rec.state)];
        let payload = match &*f.state.borrow() {
            FutState::Success(v) => Some(("value", v.clone())),
            FutState::Failure(e) | FutState::Cancelled(e) => Some(("error", e.clone())),
            FutState::Pending => None,
        };
        if let Some((name, v)) = payload {
            out.push(self.var_info(name, &v, None));
        }
        if let Some(o) = &rec.origin {
            out.push(text_info(
                "origin",
                &format!("{}:{}:{}", o.path, o.line, o.column),
            ));
        }
        out.push(text_info("age", &format_ms(rec.age_ms)));
        if let Some(r) = rec.resolved_after_ms {
            out.push(text_info("resolved after", &format_ms(r)));
        }
        out.push(text_info(
            "on success callbacks",
            &rec.on_success.to_string(),
        ));
        out.push(text_info(
            "on failure callbacks",
            &rec.on_failure.to_string(),
        ));
        out.push(text_info(
            "awaited by",
            rec.awaited_by.as_deref().unwrap_or("(nothing)"),
        ));
        let inputs = f.inputs();
        if !inputs.is_empty() {
            let items: Vec<(String, Value)> = inputs
                .into_iter()
                .map(|i| (format!("#{} {}", i.id, i.label), Value::Future(i)))
                .collect();
            let n = items.len();
            let reference = self
                .debug
                .as_deref_mut()
                .map(|d| d.handle(Handle::List(items)))
                .unwrap_or(0);
            out.push(VariableInfo {
                name: "inputs".into(),
                value: format!("{n} futures"),
                reference,
                indexed: None,
                ..Default::default()
            });
        }
        out
    }

    /// A future's origin as a source position, cached per site (a loop creating 10,000
    /// futures has one origin).
    fn origin_pos(
        &self,
        file: crate::compile::FileId,
        span: crate::syntax::Span,
    ) -> Option<SourcePos> {
        let key = (file, span.start);
        if let Some(d) = self.debug.as_ref() {
            if let Some(p) = d.origin_cache.borrow().get(&key) {
                return p.clone();
            }
        }
        let (path, line, column) = self.source_pos(file, span);
        let pos = path.map(|path| SourcePos { path, line, column });
        if let Some(d) = self.debug.as_ref() {
            let mut c = d.origin_cache.borrow_mut();
            if c.len() > 4096 {
                c.clear();
            }
            c.insert(key, pos.clone());
        }
        pos
    }

    pub(crate) fn future_record(&self, f: &FutureObj, now: Instant) -> FutureRecord {
        let (value, error) = match &*f.state.borrow() {
            FutState::Success(v) => (Some(print::quoted(v)), None),
            FutState::Failure(e) => (None, Some(error_text(e))),
            FutState::Cancelled(e) => (None, Some(error_text(e))),
            FutState::Pending => (None, None),
        };
        let origin = f
            .origin
            .and_then(|(file, span)| self.origin_pos(file, span));
        let cbs = f.callbacks.borrow();
        FutureRecord {
            id: f.id,
            label: f.label.clone(),
            state: f.state_name().to_string(),
            value,
            error,
            origin,
            age_ms: now.saturating_duration_since(f.created).as_millis() as u64,
            resolved_after_ms: f
                .resolved_at
                .get()
                .map(|t| t.saturating_duration_since(f.created).as_millis() as u64),
            on_success: cbs.iter().filter(|(ok, _)| *ok).count(),
            on_failure: cbs.iter().filter(|(ok, _)| !*ok).count(),
            awaited_by: f.awaited_by.borrow().clone(),
        }
    }

    pub(crate) fn futures_page(
        &mut self,
        state: Option<&str>,
        start: usize,
        count: Option<usize>,
    ) -> FuturesPage {
        let now = Instant::now();
        let all = self.asyncs.live_futures();
        let matching: Vec<&Rc<FutureObj>> = all
            .iter()
            .filter(|f| state.is_none_or_eq(f.state_name()))
            .collect();
        let total = matching.len();
        let futures = matching
            .into_iter()
            .skip(start)
            .take(count.unwrap_or(usize::MAX))
            .map(|f| self.future_record(f, now))
            .collect();
        FuturesPage {
            futures,
            total,
            stats: self.loop_stats(),
        }
    }
}

trait StateFilter {
    fn is_none_or_eq(&self, s: &str) -> bool;
}

impl StateFilter for Option<&str> {
    fn is_none_or_eq(&self, s: &str) -> bool {
        match self {
            None => true,
            Some(want) => *want == s,
        }
    }
}

pub(crate) fn text_info(name: &str, value: &str) -> VariableInfo {
    VariableInfo {
        name: name.to_string(),
        value: value.to_string(),
        ..Default::default()
    }
}

pub(crate) fn format_ms(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

pub(crate) fn error_text(e: &Value) -> String {
    let class = match e {
        Value::Instance(i) => i.class.name.clone(),
        other => other.type_name().to_string(),
    };
    let msg = print::exception_message(e).unwrap_or_else(|| print::plain(e));
    format!("{class}: {msg}")
}

/// `pending 1.2 s`, `success: "data"`, `failure: IOError: ...`, `cancelled`.
pub(crate) fn future_summary(f: &FutureObj) -> String {
    match &*f.state.borrow() {
        FutState::Pending => format!(
            "pending {}",
            format_ms(f.created.elapsed().as_millis() as u64)
        ),
        FutState::Success(v) => format!("success: {}", short(&print::quoted(v))),
        FutState::Failure(e) => format!("failure: {}", error_text(e)),
        FutState::Cancelled(_) => "cancelled".into(),
    }
}
