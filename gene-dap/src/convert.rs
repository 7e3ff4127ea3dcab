//! Plain debug data (`gene_vm::debug`) to DAP JSON, and DAP arguments to commands.
//! The `dap` crate's types are used where they serialize correctly (see TOOLING.md).

use dap::types::{
    Capabilities, Scope, Source, StackFrame, StackFramePresentationhint, Thread, Variable,
};
use gene_vm::debug::{
    BreakpointStatus, Event, ExceptionDetails, FrameInfo, FrameKindInfo, FutureRecord, FuturesPage,
    LoopStats, ScopeInfo, StopReason, VariableInfo,
};
use serde_json::{json, Value};

pub fn capabilities() -> Value {
    let caps = Capabilities {
        supports_configuration_done_request: Some(true),
        supports_function_breakpoints: Some(true),
        supports_conditional_breakpoints: Some(true),
        supports_hit_conditional_breakpoints: Some(true),
        supports_evaluate_for_hovers: Some(true),
        supports_set_variable: Some(true),
        supports_log_points: Some(true),
        supports_breakpoint_locations_request: Some(true),
        supports_data_breakpoints: Some(true),
        supports_exception_info_request: Some(true),
        supports_completions_request: Some(true),
        supports_terminate_request: Some(true),
        supports_clipboard_context: Some(true),
        supports_delayed_stack_trace_loading: Some(true),
        ..Default::default()
    };
    let mut v = serde_json::to_value(caps).unwrap_or_else(|_| json!({}));
    // The crate's ExceptionBreakpointsFilter is not camelCase: written by hand.
    v["exceptionBreakpointFilters"] = json!([
        {"filter": "all", "label": "All exceptions", "description": "Stop at every throw, caught or not", "default": false},
        {"filter": "uncaught", "label": "Uncaught exceptions", "description": "Stop at a throw that no try will catch (and at deadlocks), before unwinding", "default": true},
        {"filter": "failedFuture", "label": "Failed futures", "description": "Stop when a future fails while nothing awaits it and it has no failure callback", "default": false},
    ]);
    v
}

pub fn threads() -> Value {
    json!({"threads": [Thread { id: 1, name: "main".into() }]})
}

pub fn stop_reason(r: StopReason) -> &'static str {
    match r {
        StopReason::Entry => "entry",
        StopReason::Breakpoint => "breakpoint",
        StopReason::FunctionBreakpoint => "function breakpoint",
        StopReason::Step => "step",
        StopReason::Pause => "pause",
        StopReason::Exception => "exception",
        StopReason::DataBreakpoint => "data breakpoint",
    }
}

/// An event of the VM as a DAP event: (name, body). `None` for nothing to send.
pub fn event(e: &Event) -> Option<(&'static str, Value)> {
    Some(match e {
        Event::Stopped {
            reason,
            description,
            text,
            breakpoints,
        } => {
            let mut b = json!({
                "reason": stop_reason(*reason),
                "threadId": 1,
                "allThreadsStopped": true,
            });
            if let Some(d) = description {
                b["description"] = json!(d);
            }
            if let Some(t) = text {
                b["text"] = json!(t);
            }
            if !breakpoints.is_empty() {
                b["hitBreakpointIds"] = json!(breakpoints);
            }
            ("stopped", b)
        }
        Event::Continued => (
            "continued",
            json!({"threadId": 1, "allThreadsContinued": true}),
        ),
        Event::Output { category, text } => {
            ("output", json!({"category": category, "output": text}))
        }
        Event::FuturesCreated(list) => ("gene/futureCreated", json!({"futures": records(list)})),
        Event::FuturesResolved(list) => ("gene/futureResolved", json!({"futures": records(list)})),
        Event::BreakpointChanged(b) => (
            "breakpoint",
            json!({"reason": "changed", "breakpoint": breakpoint(b, None)}),
        ),
        Event::Exited(code) => ("exited", json!({"exitCode": code})),
    })
}

pub fn breakpoint(b: &BreakpointStatus, path: Option<&str>) -> Value {
    let mut v = json!({"id": b.id, "verified": b.verified});
    if let Some(l) = b.line {
        v["line"] = json!(l);
    }
    if let Some(c) = b.column {
        v["column"] = json!(c);
    }
    if let Some(m) = &b.message {
        v["message"] = json!(m);
    }
    if let Some(p) = path {
        v["source"] = json!({"path": p, "name": file_name(p)});
    }
    v
}

fn file_name(p: &str) -> String {
    std::path::Path::new(p)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.to_string())
}

pub fn frames(frames: &[FrameInfo], total: usize) -> Value {
    let list: Vec<StackFrame> = frames
        .iter()
        .map(|f| StackFrame {
            id: f.id as i64,
            name: f.name.clone(),
            source: f.path.as_ref().map(|p| Source {
                name: Some(file_name(p)),
                path: Some(p.clone()),
                ..Default::default()
            }),
            line: f.line as i64,
            column: f.column as i64,
            presentation_hint: match f.kind {
                FrameKindInfo::Gene => None,
                FrameKindInfo::Native => Some(StackFramePresentationhint::Subtle),
                FrameKindInfo::AsyncLabel => Some(StackFramePresentationhint::Label),
            },
            ..Default::default()
        })
        .collect();
    json!({"stackFrames": list, "totalFrames": total})
}

pub fn scopes(list: &[ScopeInfo]) -> Value {
    let list: Vec<Scope> = list
        .iter()
        .map(|s| Scope {
            name: s.name.clone(),
            variables_reference: s.reference as i64,
            named_variables: s.named.map(|n| n as i64),
            expensive: s.expensive,
            ..Default::default()
        })
        .collect();
    json!({ "scopes": list })
}

pub fn variable(v: &VariableInfo) -> Variable {
    Variable {
        name: v.name.clone(),
        value: v.value.clone(),
        type_field: v.type_name.clone(),
        evaluate_name: v.evaluate_name.clone(),
        variables_reference: v.reference as i64,
        named_variables: v.named.map(|n| n as i64),
        indexed_variables: v.indexed.map(|n| n as i64),
        ..Default::default()
    }
}

pub fn variables(list: &[VariableInfo]) -> Value {
    let list: Vec<Variable> = list.iter().map(variable).collect();
    json!({ "variables": list })
}

pub fn exception_info(e: &ExceptionDetails) -> Value {
    json!({
        "exceptionId": e.class,
        "description": e.message,
        "breakMode": e.break_mode,
        "details": {
            "message": e.message,
            "typeName": e.class,
            "stackTrace": e.stack,
        }
    })
}

pub fn record(f: &FutureRecord) -> Value {
    let mut v = json!({
        "id": f.id,
        "label": f.label,
        "state": f.state,
        "ageMs": f.age_ms,
        "callbacks": {"onSuccess": f.on_success, "onFailure": f.on_failure},
    });
    if let Some(x) = &f.value {
        v["value"] = json!(x);
    }
    if let Some(x) = &f.error {
        v["error"] = json!(x);
    }
    if let Some(o) = &f.origin {
        v["origin"] = json!({"path": o.path, "line": o.line, "column": o.column});
    }
    if let Some(r) = f.resolved_after_ms {
        v["resolvedAfterMs"] = json!(r);
    }
    if let Some(a) = &f.awaited_by {
        v["awaitedBy"] = json!(a);
    }
    v
}

fn records(list: &[FutureRecord]) -> Vec<Value> {
    list.iter().map(record).collect()
}

pub fn stats(s: &LoopStats) -> Value {
    json!({
        "polls": s.polls,
        "pollsWithWork": s.polls_with_work,
        "completions": s.completions,
        "callbacks": s.callbacks,
        "awaits": s.awaits,
        "awaitBlockedMs": s.await_blocked_ms,
        "pending": s.pending,
        "pendingMax": s.pending_max,
        "inFlight": s.in_flight,
    })
}

pub fn futures_page(p: &FuturesPage) -> Value {
    json!({"futures": records(&p.futures), "total": p.total, "stats": stats(&p.stats)})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_types_serialize_in_camel_case() {
        let caps = capabilities();
        assert_eq!(caps["supportsConfigurationDoneRequest"], json!(true));
        assert_eq!(caps["supportsDataBreakpoints"], json!(true));
        assert_eq!(
            caps["exceptionBreakpointFilters"][2]["filter"],
            json!("failedFuture")
        );
        let f = frames(
            &[FrameInfo {
                id: 3,
                name: "── future #1 resolved ──".into(),
                kind: FrameKindInfo::AsyncLabel,
                path: None,
                line: 0,
                column: 0,
            }],
            1,
        );
        assert_eq!(f["stackFrames"][0]["presentationHint"], json!("label"));
        assert_eq!(f["totalFrames"], json!(1));
        assert!(f["stackFrames"][0].get("source").is_none());
        let v = variables(&[VariableInfo {
            name: "xs".into(),
            value: "Array(200)".into(),
            reference: 4,
            indexed: Some(200),
            evaluate_name: Some("xs".into()),
            ..Default::default()
        }]);
        let x = &v["variables"][0];
        assert_eq!(x["variablesReference"], json!(4));
        assert_eq!(x["indexedVariables"], json!(200));
        assert_eq!(x["evaluateName"], json!("xs"));
        let s = scopes(&[ScopeInfo {
            name: "Locals".into(),
            reference: 1,
            named: None,
            expensive: false,
        }]);
        assert_eq!(s["scopes"][0]["variablesReference"], json!(1));
        let src = serde_json::to_value(Source {
            name: Some("a.gene".into()),
            path: Some("/a.gene".into()),
            ..Default::default()
        })
        .unwrap_or_default();
        assert_eq!(src, json!({"name": "a.gene", "path": "/a.gene"}));
    }
}
