//! One DAP session: translates requests into `gene_vm::debug` commands and the VM's
//! events into DAP events. The VM runs on its own thread (launch) or in another
//! process (attach); either way it answers through a reply callback.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use gene_vm::debug::launch::{launch, LaunchOptions};
use gene_vm::debug::remote::{Backend, RemoteClient};
use gene_vm::debug::{
    Command, EvalContext, Event, EventSink, ExceptionFilters, FunctionBreakpoint, LineBreakpoint,
    Reply, StepKind,
};
use serde_json::{json, Value};

use crate::convert;
use crate::protocol::{unknown_command, Request, Session, Sink};

/// How long `disconnect` waits for the program to end (the issue allows 100 ms for the
/// program to stop; the process must be gone within 2 s).
const STOP_WAIT: Duration = Duration::from_millis(1500);

#[derive(Default)]
struct Exit {
    done: Mutex<bool>,
    cv: Condvar,
}

impl Exit {
    fn mark(&self) {
        if let Ok(mut d) = self.done.lock() {
            *d = true;
        }
        self.cv.notify_all();
    }

    fn wait(&self, t: Duration) -> bool {
        let Ok(g) = self.done.lock() else {
            return false;
        };
        match self.cv.wait_timeout_while(g, t, |d| !*d) {
            Ok((g, _)) => *g,
            Err(_) => false,
        }
    }
}

#[derive(Default)]
pub struct DapSession {
    backend: Option<Arc<dyn Backend>>,
    /// Breakpoint requests that came before launch/attach: answered once the program is known.
    queued: Vec<Request>,
    /// `configurationDone` came before the program was launched.
    start_pending: bool,
    stop_on_entry: bool,
    attached: bool,
    finished: bool,
    exit: Arc<Exit>,
    /// Future ids of the client's data breakpoints (`setDataBreakpoints`).
    client_data_ids: Vec<u64>,
    /// Future ids an editor view asked to break on (`gene/setFutureBreakpoints`); the VM
    /// watches both sets, so neither request clears the other's.
    view_data_ids: Vec<u64>,
}

fn arg<'a>(req: &'a Request, key: &str) -> &'a Value {
    &req.arguments[key]
}

fn opt_str(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

impl DapSession {
    pub fn new() -> DapSession {
        DapSession::default()
    }

    /// The sink the VM reports to: DAP events, and `terminated` after `exited`. The JSON
    /// is built and written on a thread of its own, so a big batch of future events
    /// does not hold the program up.
    fn event_sink(&self, sink: &Sink) -> EventSink {
        let sink = sink.clone();
        let exit = self.exit.clone();
        let (tx, rx) = std::sync::mpsc::channel::<Event>();
        let spawned = std::thread::Builder::new()
            .name("gene-dap-events".into())
            .spawn(move || {
                for e in rx {
                    if let Some((name, body)) = convert::event(&e) {
                        sink.event(name, body);
                    }
                    if matches!(e, Event::Exited(_)) {
                        sink.event("terminated", Value::Null);
                        exit.mark();
                        break;
                    }
                }
            });
        if spawned.is_err() {
            eprintln!("gene-dap: cannot start the event thread");
        }
        let tx = Mutex::new(tx);
        Arc::new(move |e: Event| {
            if let Ok(tx) = tx.lock() {
                let _ = tx.send(e);
            }
        })
    }

    /// Sends `cmd`; `f` turns the VM's answer into the response body.
    fn forward(
        &self,
        req: &Request,
        sink: &Sink,
        cmd: Command,
        f: impl FnOnce(Reply) -> Result<Value, String> + Send + 'static,
    ) {
        let Some(b) = &self.backend else {
            sink.error(
                req.seq,
                &req.command,
                "No program is running (launch or attach first)",
            );
            return;
        };
        let (sink, req2) = (sink.clone(), req.clone());
        b.send(
            cmd,
            Box::new(move |reply| match reply {
                Reply::Error(m) => sink.error(req2.seq, &req2.command, &m),
                r => match f(r) {
                    Ok(body) => sink.ok(&req2, body),
                    Err(m) => sink.error(req2.seq, &req2.command, &m),
                },
            }),
        );
    }

    fn after_start(&mut self, sink: &Sink) {
        for r in std::mem::take(&mut self.queued) {
            self.handle(r, sink);
        }
        if self.start_pending {
            self.start_pending = false;
            self.send_start();
        }
    }

    fn send_start(&self) {
        if let Some(b) = &self.backend {
            let stop_on_entry = self.stop_on_entry;
            b.send(Command::Start { stop_on_entry }, Box::new(|_| {}));
        }
    }

    fn launch(&mut self, req: Request, sink: &Sink) {
        if self.backend.is_some() {
            sink.error(
                req.seq,
                &req.command,
                "A program is already running in this session",
            );
            return;
        }
        let Some(program) = opt_str(arg(&req, "program")) else {
            sink.error(
                req.seq,
                &req.command,
                "launch needs a `program` (path to a .gene file)",
            );
            return;
        };
        let args = arg(&req, "args")
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|v| {
                        v.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string())
                    })
                    .collect()
            })
            .unwrap_or_default();
        let env = arg(&req, "env")
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        let v = match v {
                            Value::Null => None,
                            Value::String(s) => Some(s.clone()),
                            other => Some(other.to_string()),
                        };
                        (k.clone(), v)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let poll_interval = match arg(&req, "pollInterval") {
            Value::Null => None,
            v => match v.as_u64() {
                Some(n) => Some(n.min(u32::MAX as u64) as u32),
                None => {
                    sink.error(req.seq, &req.command, "pollInterval must be a number");
                    return;
                }
            },
        };
        self.stop_on_entry = arg(&req, "stopOnEntry").as_bool().unwrap_or(false);
        let opts = LaunchOptions {
            program: program.into(),
            args,
            cwd: opt_str(arg(&req, "cwd")).map(Into::into),
            env,
            poll_interval,
            no_debug: arg(&req, "noDebug").as_bool().unwrap_or(false),
            wait_for_start: true,
        };
        match launch(opts, self.event_sink(sink)) {
            Ok((client, _thread)) => {
                self.backend = Some(Arc::new(client));
                sink.ok(&req, Value::Null);
                self.after_start(sink);
            }
            Err(m) => sink.error(req.seq, &req.command, &m),
        }
    }

    fn attach(&mut self, req: Request, sink: &Sink) {
        if self.backend.is_some() {
            sink.error(
                req.seq,
                &req.command,
                "This session is already debugging a program",
            );
            return;
        }
        let Some(port) = arg(&req, "port").as_u64().filter(|p| *p > 0 && *p < 65536) else {
            sink.error(
                req.seq,
                &req.command,
                "attach needs the `port` the program listens on",
            );
            return;
        };
        let host = opt_str(arg(&req, "host")).unwrap_or_else(|| "127.0.0.1".into());
        self.stop_on_entry = arg(&req, "stopOnEntry").as_bool().unwrap_or(false);
        let addr = format!("{host}:{port}");
        match RemoteClient::connect(&addr, Duration::from_secs(5), self.event_sink(sink)) {
            Ok(c) => {
                self.backend = Some(Arc::new(c));
                self.attached = true;
                sink.ok(&req, Value::Null);
                self.after_start(sink);
            }
            Err(m) => sink.error(req.seq, &req.command, &m),
        }
    }

    /// The union of the client's and the view's future breakpoints.
    fn watched_futures(&self) -> Vec<u64> {
        let mut ids = self.client_data_ids.clone();
        ids.extend(
            self.view_data_ids
                .iter()
                .filter(|id| !self.client_data_ids.contains(id)),
        );
        ids
    }

    /// Ends the program (or detaches from it) and waits for it to be gone.
    fn stop_program(&mut self, terminate: bool) {
        let Some(b) = self.backend.take() else {
            return;
        };
        let cmd = if terminate {
            Command::Terminate
        } else {
            Command::Detach
        };
        b.send(cmd, Box::new(|_| {}));
        if terminate {
            self.exit.wait(STOP_WAIT);
        }
    }

    fn set_breakpoints(&self, req: &Request, sink: &Sink) {
        let Some(path) = opt_str(&arg(req, "source")["path"]) else {
            sink.error(req.seq, &req.command, "setBreakpoints needs `source.path`");
            return;
        };
        let mut list = Vec::new();
        match arg(req, "breakpoints") {
            Value::Array(items) => {
                for b in items {
                    let Some(line) = b["line"].as_u64() else {
                        sink.error(req.seq, &req.command, "each breakpoint needs a `line`");
                        return;
                    };
                    list.push(LineBreakpoint {
                        line: line as u32,
                        condition: opt_str(&b["condition"]),
                        hit_condition: opt_str(&b["hitCondition"]),
                        log_message: opt_str(&b["logMessage"]),
                    });
                }
            }
            Value::Null => {
                for l in arg(req, "lines").as_array().into_iter().flatten() {
                    if let Some(line) = l.as_u64() {
                        list.push(LineBreakpoint {
                            line: line as u32,
                            ..Default::default()
                        });
                    }
                }
            }
            _ => {
                sink.error(req.seq, &req.command, "`breakpoints` must be an array");
                return;
            }
        }
        let p = path.clone();
        self.forward(
            req,
            sink,
            Command::SetBreakpoints {
                path,
                breakpoints: list,
            },
            move |r| match r {
                Reply::Breakpoints(b) => Ok(json!({"breakpoints":
                    b.iter().map(|s| convert::breakpoint(s, Some(&p))).collect::<Vec<_>>()})),
                _ => Err("unexpected answer".into()),
            },
        );
    }

    fn set_function_breakpoints(&self, req: &Request, sink: &Sink) {
        let list = arg(req, "breakpoints")
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|b| {
                        Some(FunctionBreakpoint {
                            name: b["name"].as_str()?.to_string(),
                            condition: opt_str(&b["condition"]),
                            hit_condition: opt_str(&b["hitCondition"]),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        self.forward(
            req,
            sink,
            Command::SetFunctionBreakpoints(list),
            |r| match r {
                Reply::Breakpoints(b) => Ok(json!({"breakpoints":
                b.iter().map(|s| convert::breakpoint(s, None)).collect::<Vec<_>>()})),
                _ => Err("unexpected answer".into()),
            },
        );
    }

    fn set_exception_breakpoints(&self, req: &Request, sink: &Sink) {
        let mut ids: Vec<String> = arg(req, "filters")
            .as_array()
            .map(|a| a.iter().filter_map(opt_str).collect())
            .unwrap_or_default();
        for o in arg(req, "filterOptions").as_array().into_iter().flatten() {
            if let Some(id) = opt_str(&o["filterId"]) {
                ids.push(id);
            }
        }
        let has = |s: &str| ids.iter().any(|i| i == s);
        let filters = ExceptionFilters {
            all: has("all"),
            uncaught: has("uncaught"),
            failed_future: has("failedFuture"),
        };
        let n = ids.len();
        self.forward(
            req,
            sink,
            Command::SetExceptionFilters(filters),
            move |_| Ok(json!({"breakpoints": vec![json!({"verified": true}); n]})),
        );
    }

    fn requires_number(req: &Request, sink: &Sink, key: &str) -> Option<u32> {
        match arg(req, key).as_u64() {
            Some(n) => Some(n as u32),
            None => {
                sink.error(
                    req.seq,
                    &req.command,
                    &format!("{} needs `{key}`", req.command),
                );
                None
            }
        }
    }

    fn request(&mut self, req: Request, sink: &Sink) {
        let frame = arg(&req, "frameId").as_u64().map(|f| f as u32);
        match req.command.as_str() {
            "setBreakpoints" => self.set_breakpoints(&req, sink),
            "setFunctionBreakpoints" => self.set_function_breakpoints(&req, sink),
            "setExceptionBreakpoints" => self.set_exception_breakpoints(&req, sink),
            "breakpointLocations" => {
                let Some(path) = opt_str(&arg(&req, "source")["path"]) else {
                    sink.error(
                        req.seq,
                        &req.command,
                        "breakpointLocations needs `source.path`",
                    );
                    return;
                };
                let Some(line) = Self::requires_number(&req, sink, "line") else {
                    return;
                };
                let end_line = arg(&req, "endLine").as_u64().map(|l| l as u32);
                let cmd = Command::BreakpointLocations {
                    path,
                    line,
                    end_line,
                };
                self.forward(&req, sink, cmd, |r| match r {
                    Reply::Locations(l) => Ok(json!({"breakpoints": l.iter()
                        .map(|(line, column)| json!({"line": line, "column": column}))
                        .collect::<Vec<_>>()})),
                    _ => Err("unexpected answer".into()),
                });
            }
            "continue" => self.forward(&req, sink, Command::Continue, |_| {
                Ok(json!({"allThreadsContinued": true}))
            }),
            "next" => self.forward(&req, sink, Command::Step(StepKind::Over), |_| {
                Ok(Value::Null)
            }),
            "stepIn" => self.forward(&req, sink, Command::Step(StepKind::In), |_| Ok(Value::Null)),
            "stepOut" => self.forward(&req, sink, Command::Step(StepKind::Out), |_| {
                Ok(Value::Null)
            }),
            "pause" => self.forward(&req, sink, Command::Pause, |_| Ok(Value::Null)),
            "stackTrace" => {
                let start = arg(&req, "startFrame").as_u64().unwrap_or(0) as usize;
                let levels = arg(&req, "levels").as_u64().map(|l| l as usize);
                self.forward(
                    &req,
                    sink,
                    Command::StackTrace { start, levels },
                    |r| match r {
                        Reply::Frames { frames, total } => Ok(convert::frames(&frames, total)),
                        _ => Err("unexpected answer".into()),
                    },
                );
            }
            "scopes" => {
                let Some(frame) = Self::requires_number(&req, sink, "frameId") else {
                    return;
                };
                self.forward(&req, sink, Command::Scopes { frame }, |r| match r {
                    Reply::Scopes(s) => Ok(convert::scopes(&s)),
                    _ => Err("unexpected answer".into()),
                });
            }
            "variables" => {
                let Some(reference) = Self::requires_number(&req, sink, "variablesReference")
                else {
                    return;
                };
                let start = arg(&req, "start").as_u64().map(|s| s as usize);
                let count = arg(&req, "count").as_u64().map(|s| s as usize);
                let cmd = Command::Variables {
                    reference,
                    start,
                    count,
                };
                self.forward(&req, sink, cmd, |r| match r {
                    Reply::Variables(v) => Ok(convert::variables(&v)),
                    _ => Err("unexpected answer".into()),
                });
            }
            "setVariable" => {
                let Some(reference) = Self::requires_number(&req, sink, "variablesReference")
                else {
                    return;
                };
                let (Some(name), Some(value)) =
                    (opt_str(arg(&req, "name")), opt_str(arg(&req, "value")))
                else {
                    sink.error(
                        req.seq,
                        &req.command,
                        "setVariable needs `name` and `value`",
                    );
                    return;
                };
                let cmd = Command::SetVariable {
                    reference,
                    name,
                    value,
                };
                self.forward(&req, sink, cmd, |r| match r {
                    Reply::Variable(v) => Ok(json!({
                        "value": v.value, "type": v.type_name,
                        "variablesReference": v.reference,
                        "indexedVariables": v.indexed, "namedVariables": v.named,
                    })),
                    _ => Err("unexpected answer".into()),
                });
            }
            "evaluate" => {
                let Some(expression) = opt_str(arg(&req, "expression")) else {
                    sink.error(req.seq, &req.command, "evaluate needs an `expression`");
                    return;
                };
                let context = match arg(&req, "context").as_str() {
                    Some("watch") => EvalContext::Watch,
                    Some("hover") => EvalContext::Hover,
                    Some("clipboard") => EvalContext::Clipboard,
                    _ => EvalContext::Repl,
                };
                let cmd = Command::Evaluate {
                    frame,
                    expression,
                    context,
                };
                self.forward(&req, sink, cmd, |r| match r {
                    Reply::Variable(v) => Ok(json!({
                        "result": v.value, "type": v.type_name,
                        "variablesReference": v.reference,
                        "indexedVariables": v.indexed, "namedVariables": v.named,
                    })),
                    _ => Err("unexpected answer".into()),
                });
            }
            "completions" => {
                let text = opt_str(arg(&req, "text")).unwrap_or_default();
                let column = arg(&req, "column")
                    .as_u64()
                    .unwrap_or(text.len() as u64 + 1);
                let cmd = Command::Completions {
                    frame,
                    text,
                    column: column as usize,
                };
                self.forward(&req, sink, cmd, |r| match r {
                    Reply::Completions(c) => Ok(json!({"targets": c.iter()
                        .map(|(label, kind)| json!({"label": label, "type": kind}))
                        .collect::<Vec<_>>()})),
                    _ => Err("unexpected answer".into()),
                });
            }
            "exceptionInfo" => self.forward(&req, sink, Command::ExceptionInfo, |r| match r {
                Reply::ExceptionInfo(Some(e)) => Ok(convert::exception_info(&e)),
                _ => Err("The program did not stop on an exception".into()),
            }),
            "dataBreakpointInfo" => {
                let reference = arg(&req, "variablesReference").as_u64().unwrap_or(0) as u32;
                let name = opt_str(arg(&req, "name")).unwrap_or_default();
                self.forward(
                    &req,
                    sink,
                    Command::DataBreakpointInfo { reference, name },
                    |r| match r {
                        Reply::DataId(Some((id, description))) => Ok(json!({
                            "dataId": id, "description": description,
                            "accessTypes": ["write"], "canPersist": false,
                        })),
                        _ => Ok(json!({
                            "dataId": null,
                            "description": "Data breakpoints are for futures: stop when one resolves",
                        })),
                    },
                );
            }
            "setDataBreakpoints" => {
                let wanted: Vec<Option<u64>> = arg(&req, "breakpoints")
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|b| {
                                b["dataId"]
                                    .as_str()
                                    .and_then(|d| d.strip_prefix("future:"))
                                    .and_then(|n| n.parse().ok())
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                self.client_data_ids = wanted.iter().flatten().copied().collect();
                let ids = self.watched_futures();
                self.forward(&req, sink, Command::SetDataBreakpoints(ids), move |_| {
                    Ok(json!({"breakpoints": wanted.iter().map(|w| match w {
                        Some(id) => json!({"verified": true, "description": format!("when future #{id} resolves")}),
                        None => json!({"verified": false, "message": "Not a future's data id"}),
                    }).collect::<Vec<_>>()}))
                });
            }
            "gene/setFutureBreakpoints" => {
                let Some(list) = arg(&req, "ids").as_array() else {
                    sink.error(req.seq, &req.command, "ids must be an array of future ids");
                    return;
                };
                let Some(ids) = list.iter().map(Value::as_u64).collect::<Option<Vec<u64>>>() else {
                    sink.error(req.seq, &req.command, "ids must be an array of future ids");
                    return;
                };
                self.view_data_ids = ids.clone();
                let all = self.watched_futures();
                self.forward(&req, sink, Command::SetDataBreakpoints(all), move |_| {
                    Ok(json!({"breakpoints": ids.iter().map(|id| json!({
                        "id": id, "verified": true, "description": format!("when future #{id} resolves"),
                    })).collect::<Vec<_>>()}))
                });
            }
            "gene/futures" => {
                let state = opt_str(arg(&req, "state"));
                if let Some(s) = &state {
                    if !["pending", "success", "failure", "cancelled"].contains(&s.as_str()) {
                        sink.error(
                            req.seq,
                            &req.command,
                            "state must be pending, success, failure or cancelled",
                        );
                        return;
                    }
                }
                let start = arg(&req, "start").as_u64().unwrap_or(0) as usize;
                let count = arg(&req, "count").as_u64().map(|c| c as usize);
                let cmd = Command::Futures {
                    state,
                    start,
                    count,
                };
                self.forward(&req, sink, cmd, |r| match r {
                    Reply::Futures(p) => Ok(convert::futures_page(&p)),
                    _ => Err("unexpected answer".into()),
                });
            }
            _ => unknown_command(&req, sink),
        }
    }
}

impl Session for DapSession {
    fn handle(&mut self, req: Request, sink: &Sink) {
        match req.command.as_str() {
            "initialize" => {
                sink.ok(&req, convert::capabilities());
                sink.event("initialized", Value::Null);
            }
            "launch" => self.launch(req, sink),
            "attach" => self.attach(req, sink),
            "configurationDone" => {
                if self.backend.is_some() {
                    self.send_start();
                } else {
                    self.start_pending = true;
                }
                sink.ok(&req, Value::Null);
            }
            "threads" => sink.ok(&req, convert::threads()),
            "setBreakpoints" | "setFunctionBreakpoints" | "setExceptionBreakpoints"
                if self.backend.is_none() =>
            {
                self.queued.push(req);
            }
            "terminate" => {
                match &self.backend {
                    Some(b) => b.send(Command::Terminate, Box::new(|_| {})),
                    None => {
                        sink.event("terminated", Value::Null);
                    }
                }
                sink.ok(&req, Value::Null);
            }
            "disconnect" => {
                let terminate = arg(&req, "terminateDebuggee")
                    .as_bool()
                    .unwrap_or(!self.attached);
                self.stop_program(terminate);
                sink.ok(&req, Value::Null);
                self.finished = true;
            }
            _ => self.request(req, sink),
        }
    }

    fn finished(&self) -> bool {
        self.finished
    }

    fn shutdown(&mut self) {
        let terminate = !self.attached;
        self.stop_program(terminate);
    }
}
