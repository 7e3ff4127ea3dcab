//! The debug API driven directly (no DAP): breakpoints, steps over and into awaits,
//! pause, async label frames, captured scopes, futures, data breakpoints, exception
//! filters and evaluation.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gene_vm::debug::launch::{launch, LaunchOptions};
use gene_vm::debug::{
    Client, Command, EvalContext, Event, ExceptionFilters, FrameKindInfo, FunctionBreakpoint,
    LineBreakpoint, Reply, StepKind, StopReason, VariableInfo,
};

/// (line marker, condition, hit condition, log message)
type BpSpec<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Option<&'a str>);

struct Session {
    client: Client,
    events: Receiver<Event>,
    path: String,
    src: String,
    output: String,
    _dir: TempDir,
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir() -> TempDir {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "gene-debug-api-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&d).unwrap();
    TempDir(d)
}

/// Line (1-based) of the first line containing `marker`.
fn line(src: &str, marker: &str) -> u32 {
    src.lines()
        .position(|l| l.contains(marker))
        .unwrap_or_else(|| panic!("marker {marker} not in program")) as u32
        + 1
}

fn start(src: &str, poll_interval: Option<u32>) -> Session {
    let dir = temp_dir();
    let path = dir.0.join("main.gene");
    std::fs::write(&path, src).unwrap();
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let sink = Arc::new(move |e: Event| {
        let _ = tx.lock().unwrap().send(e);
    });
    let (client, _thread) = launch(
        LaunchOptions {
            program: path.clone(),
            poll_interval,
            wait_for_start: true,
            ..Default::default()
        },
        sink,
    )
    .expect("launch");
    Session {
        client,
        events: rx,
        path: path.to_string_lossy().into_owned(),
        src: src.to_string(),
        output: String::new(),
        _dir: dir,
    }
}

impl Session {
    fn req(&self, c: Command) -> Reply {
        self.client.request(c)
    }

    fn bp(&self, lines: &[BpSpec]) -> Vec<u32> {
        let breakpoints = lines
            .iter()
            .map(|(m, cond, hit, log)| LineBreakpoint {
                line: line(&self.src, m),
                condition: cond.map(String::from),
                hit_condition: hit.map(String::from),
                log_message: log.map(String::from),
            })
            .collect();
        match self.req(Command::SetBreakpoints {
            path: self.path.clone(),
            breakpoints,
        }) {
            Reply::Breakpoints(b) => b.iter().map(|s| s.line.unwrap_or(0)).collect(),
            other => panic!("setBreakpoints: {other:?}"),
        }
    }

    fn go(&self) {
        self.req(Command::Start {
            stop_on_entry: false,
        });
    }

    fn next_event(&mut self) -> Event {
        let e = self
            .events
            .recv_timeout(Duration::from_secs(20))
            .expect("an event within 20 s");
        if let Event::Output { text, .. } = &e {
            self.output.push_str(text);
        }
        e
    }

    fn stop(&mut self) -> StopReason {
        loop {
            match self.next_event() {
                Event::Stopped { reason, .. } => return reason,
                Event::Exited(c) => {
                    panic!("exited ({c}) before stopping; output:\n{}", self.output)
                }
                _ => {}
            }
        }
    }

    fn exit(&mut self) -> i32 {
        loop {
            match self.next_event() {
                Event::Exited(c) => return c,
                Event::Stopped { reason, text, .. } => {
                    let frames = self.frames();
                    panic!("unexpected stop: {reason:?} {text:?} at {:?}", frames[0])
                }
                _ => {}
            }
        }
    }

    fn frames(&self) -> Vec<gene_vm::debug::FrameInfo> {
        match self.req(Command::StackTrace {
            start: 0,
            levels: None,
        }) {
            Reply::Frames { frames, .. } => frames,
            other => panic!("stackTrace: {other:?}"),
        }
    }

    fn top_line(&self) -> u32 {
        self.frames()[0].line
    }

    fn scope(&self, frame: u32, name: &str) -> Vec<VariableInfo> {
        let Reply::Scopes(scopes) = self.req(Command::Scopes { frame }) else {
            panic!("scopes");
        };
        let s = scopes.iter().find(|s| s.name == name).expect("scope");
        self.vars(s.reference)
    }

    fn vars(&self, reference: u32) -> Vec<VariableInfo> {
        match self.req(Command::Variables {
            reference,
            start: None,
            count: None,
        }) {
            Reply::Variables(v) => v,
            other => panic!("variables: {other:?}"),
        }
    }

    fn local(&self, name: &str) -> String {
        let top = self.frames()[0].id;
        self.scope(top, "Locals")
            .into_iter()
            .find(|v| v.name == name)
            .map(|v| v.value)
            .unwrap_or_else(|| panic!("no local {name}"))
    }

    fn eval(&self, expr: &str) -> Result<String, String> {
        match self.req(Command::Evaluate {
            frame: None,
            expression: expr.into(),
            context: EvalContext::Repl,
        }) {
            Reply::Variable(v) => Ok(v.value),
            Reply::Error(e) => Err(e),
            other => panic!("evaluate: {other:?}"),
        }
    }
}

#[test]
fn line_breakpoints_with_condition_hit_count_and_log() {
    let src = r#"(var total 0)
(for i in (range 1 10)
  # a comment line
  (total += i))  # BP
(println "total" total)  # END
"#;
    let mut s = start(src, None);
    // Condition and hit count: the 2nd hit where i is even is i = 4.
    let lines = s.bp(&[("# a comment", Some("((i % 2) == 0)"), Some("2"), None)]);
    assert_eq!(
        lines,
        vec![line(src, "# BP")],
        "comment line moves to the next statement"
    );
    s.go();
    assert_eq!(s.stop(), StopReason::Breakpoint);
    assert_eq!(s.local("i"), "4");
    assert_eq!(s.top_line(), line(src, "# BP"));
    // A log point never stops; it interpolates `{expr}`.
    s.bp(&[("# BP", None, None, Some("i is {i}, total {total}"))]);
    s.req(Command::Continue);
    assert_eq!(s.exit(), 0);
    assert!(s.output.contains("i is 5, total 10"), "{}", s.output);
    assert!(s.output.contains("i is 10, total 45"), "{}", s.output);
    assert!(s.output.contains("total 55"));
}

#[test]
fn hit_condition_forms_count_only_when_the_condition_holds() {
    let src = "(var n 0)\n(for i in (range 0 9)\n  (n += 1))  # BP\n";
    for (hit, expect) in [(">= 8", "7"), ("> 8", "8"), ("% 5", "4"), ("== 3", "2")] {
        let mut s = start(src, None);
        s.bp(&[("# BP", None, Some(hit), None)]);
        s.go();
        assert_eq!(s.stop(), StopReason::Breakpoint, "{hit}");
        assert_eq!(s.local("i"), expect, "{hit}");
        s.req(Command::Terminate);
        s.exit();
    }
}

const AWAITS: &str = r#"(fn work [x]
  (var f (sleep_async 30))
  (f .on_success (fn [v] (println "callback ran" x)))  # CB
  f)
(var a (work 1))
(var got (await (gene/all [a (sleep_async 10)])))  # AWAIT
(println "after" got)  # AFTER
"#;

#[test]
fn next_over_an_await_lands_on_the_next_line_with_the_value() {
    let mut s = start(AWAITS, None);
    s.bp(&[("# AWAIT", None, None, None)]);
    s.go();
    assert_eq!(s.stop(), StopReason::Breakpoint);
    s.req(Command::Step(StepKind::Over));
    assert_eq!(s.stop(), StopReason::Step);
    assert_eq!(s.top_line(), line(AWAITS, "# AFTER"));
    assert!(
        s.output.contains("callback ran 1"),
        "the callback ran meanwhile"
    );
    assert_eq!(s.local("got"), "[nil nil]");
    assert_eq!(s.local("$awaited"), "[nil nil]");
    s.req(Command::Continue);
    assert_eq!(s.exit(), 0);
}

#[test]
fn step_in_on_an_await_stops_in_the_callback_and_step_out_returns() {
    let mut s = start(AWAITS, None);
    s.bp(&[("# AWAIT", None, None, None)]);
    s.go();
    s.stop();
    s.req(Command::Step(StepKind::In));
    assert_eq!(s.stop(), StopReason::Step);
    let frames = s.frames();
    assert_eq!(frames[0].line, line(AWAITS, "# CB"), "inside the callback");
    let label = frames
        .iter()
        .find(|f| f.kind == FrameKindInfo::AsyncLabel)
        .expect("an async label frame");
    assert!(
        label.name.starts_with("── future #") && label.name.contains("resolved: sleep_async 30"),
        "{}",
        label.name
    );
    let below = frames
        .iter()
        .position(|f| f.kind == FrameKindInfo::AsyncLabel)
        .unwrap();
    assert_eq!(
        frames[below + 1].line,
        line(AWAITS, "# AWAIT"),
        "the awaiting frame"
    );
    s.req(Command::Step(StepKind::Out));
    assert_eq!(s.stop(), StopReason::Step);
    assert_eq!(s.top_line(), line(AWAITS, "# AFTER"));
    s.req(Command::Continue);
    s.exit();
}

#[test]
fn pause_while_blocked_in_await_and_while_computing() {
    let src = "(var f (sleep_async 5000))\n(await f)  # AWAIT\n(println \"done\")\n";
    let mut s = start(src, None);
    s.go();
    std::thread::sleep(Duration::from_millis(200));
    let t = Instant::now();
    s.req(Command::Pause);
    assert_eq!(s.stop(), StopReason::Pause);
    assert!(t.elapsed() < Duration::from_secs(2));
    assert_eq!(s.top_line(), line(src, "# AWAIT"));
    let t = Instant::now();
    s.req(Command::Terminate);
    s.exit();
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "terminate while awaiting"
    );

    let busy = "(var i 0)\n(while true\n  (i += 1))  # LOOP\n";
    for poll in [Some(0), None] {
        let mut s = start(busy, poll);
        s.go();
        std::thread::sleep(Duration::from_millis(100));
        s.req(Command::Pause);
        assert_eq!(s.stop(), StopReason::Pause, "poll {poll:?}");
        let i: i64 = s.local("i").parse().unwrap();
        assert!(i > 0);
        s.req(Command::Terminate);
        s.exit();
    }
}

#[test]
fn captured_scope_references_go_up_and_down() {
    let src = r#"(fn later [x]
  (var f (new gene/Future))
  (f .on_success (fn [v] (println "sees" x)))  # REG
  f)  # RET
(var fut (later 42))
(println "registered")  # MID
(fut .complete 1)
(println "done")  # DONE
"#;
    let mut s = start(src, None);
    s.bp(&[
        ("# RET", None, None, None),
        ("# MID", None, None, None),
        ("# DONE", None, None, None),
    ]);
    s.go();
    assert_eq!(s.stop(), StopReason::Breakpoint);
    let top = s.frames()[0].id;
    let cap = s.scope(top, "Captured");
    let entry = cap
        .iter()
        .find(|v| v.value.contains("x"))
        .expect("scope with x");
    assert!(entry.name.starts_with("scope#"));
    // The frame and the callback closure hold it.
    assert!(entry.value.starts_with("refs 2 ·"), "{}", entry.value);
    let children = s.vars(entry.reference);
    let holders = children.iter().find(|c| c.name == "held by").unwrap();
    assert!(
        holders.value.contains("callback of future #"),
        "{}",
        holders.value
    );
    let x = children.iter().find(|c| c.name == "x").unwrap();
    assert_eq!(x.value, "42");
    // After `later` returned, only the callback keeps it: read it through the future.
    s.req(Command::Continue);
    assert_eq!(s.stop(), StopReason::Breakpoint);
    assert_eq!(s.eval("(fut .state)").unwrap(), "pending");
    let futures = s.scope(s.frames()[0].id, "Futures");
    assert!(futures.iter().any(|f| f.value.starts_with("pending")));
    s.req(Command::Continue);
    assert_eq!(s.stop(), StopReason::Breakpoint);
    assert!(s.output.contains("sees 42"));
    let futures = s.scope(s.frames()[0].id, "Futures");
    assert!(
        futures.iter().any(|f| f.value == "success: 1"),
        "{futures:?}"
    );
    s.req(Command::Continue);
    s.exit();
}

#[test]
fn data_breakpoint_stops_when_the_future_resolves_before_callbacks() {
    let src = r#"(var f (sleep_async 20))
(f .on_success (fn [v] (println "callback")))
(println "waiting")  # BP
(await f)
(println "end")
"#;
    let mut s = start(src, None);
    s.bp(&[("# BP", None, None, None)]);
    s.go();
    s.stop();
    let top = s.frames()[0].id;
    let Reply::Scopes(scopes) = s.req(Command::Scopes { frame: top }) else {
        panic!()
    };
    let globals = scopes
        .iter()
        .find(|s| s.name == "Locals")
        .unwrap()
        .reference;
    let Reply::DataId(Some((id, desc))) = s.req(Command::DataBreakpointInfo {
        reference: globals,
        name: "f".into(),
    }) else {
        panic!("no data id for f")
    };
    assert!(desc.starts_with("when future #"));
    let fid: u64 = id.trim_start_matches("future:").parse().unwrap();
    s.req(Command::SetDataBreakpoints(vec![fid]));
    s.req(Command::Continue);
    assert_eq!(s.stop(), StopReason::DataBreakpoint);
    assert!(
        !s.output.contains("callback"),
        "stops before the callbacks run"
    );
    let fut = s.local("$future");
    assert!(fut.contains("success: nil"), "{fut}");
    s.req(Command::Continue);
    s.exit();
    assert!(s.output.contains("callback"));
}

#[test]
fn exception_filters() {
    let src = r#"(try
  (throw "caught one")
catch *
  (println "handled"))
(var bad (async (throw "in async")))
(fn boom [] (throw "uncaught one"))  # THROW
(boom)
"#;
    // `uncaught` skips the caught throw, stops at the throw site with frames intact.
    let mut s = start(src, None);
    s.req(Command::SetExceptionFilters(ExceptionFilters {
        uncaught: true,
        ..Default::default()
    }));
    s.go();
    assert_eq!(s.stop(), StopReason::Exception);
    assert!(s.output.contains("handled"));
    let frames = s.frames();
    assert_eq!(frames[0].name, "boom");
    assert_eq!(frames[0].line, line(src, "# THROW"));
    let Reply::ExceptionInfo(Some(info)) = s.req(Command::ExceptionInfo) else {
        panic!()
    };
    assert_eq!(info.message, "uncaught one");
    assert_eq!(info.class, "Exception");
    assert_eq!(info.break_mode, "unhandled");
    assert!(info.stack.contains("at boom"));
    s.req(Command::Continue);
    assert_eq!(s.exit(), 1);

    // `all` stops at the caught throw first; `failedFuture` at the async block.
    let mut s = start(src, None);
    s.req(Command::SetExceptionFilters(ExceptionFilters {
        all: true,
        failed_future: true,
        ..Default::default()
    }));
    s.go();
    assert_eq!(s.stop(), StopReason::Exception);
    let Reply::ExceptionInfo(Some(info)) = s.req(Command::ExceptionInfo) else {
        panic!()
    };
    assert_eq!(info.message, "caught one");
    assert_eq!(info.break_mode, "always");
    s.req(Command::Continue);
    // The throw inside the async block (caught by the block), then its failed future.
    assert_eq!(s.stop(), StopReason::Exception);
    s.req(Command::Continue);
    assert_eq!(s.stop(), StopReason::Exception);
    let Reply::ExceptionInfo(Some(info)) = s.req(Command::ExceptionInfo) else {
        panic!()
    };
    assert_eq!(info.message, "in async");
    s.req(Command::Terminate);
    s.exit();
}

#[test]
fn deadlock_stops_as_uncaught() {
    let src = "(var f (new gene/Future))\n(await f)  # AWAIT\n";
    let mut s = start(src, None);
    s.req(Command::SetExceptionFilters(ExceptionFilters {
        uncaught: true,
        ..Default::default()
    }));
    s.go();
    assert_eq!(s.stop(), StopReason::Exception);
    let Reply::ExceptionInfo(Some(info)) = s.req(Command::ExceptionInfo) else {
        panic!()
    };
    assert!(info.message.starts_with("Deadlock"), "{}", info.message);
    assert_eq!(s.top_line(), line(src, "# AWAIT"));
    s.req(Command::Continue);
    assert_eq!(s.exit(), 1);
}

#[test]
fn evaluate_reads_writes_and_awaits() {
    let src = r#"(fn f [a]
  (var b (a * 2))
  (println "b is" b)  # BP
  b)
(var g 100)
(println "result" (f 5))
"#;
    let mut s = start(src, None);
    s.bp(&[("# BP", None, None, None)]);
    s.go();
    s.stop();
    assert_eq!(s.eval("(a + b + g)").unwrap(), "115");
    assert_eq!(s.eval("(b = 7)").unwrap(), "7");
    assert_eq!(s.local("b"), "7");
    let t = Instant::now();
    assert_eq!(s.eval("(await (sleep_async 50))").unwrap(), "nil");
    assert!(t.elapsed() >= Duration::from_millis(45));
    let err = s.eval("(nosuch 1)").unwrap_err();
    assert!(err.contains("nosuch is not defined"), "{err}");
    let hover = s.req(Command::Evaluate {
        frame: None,
        expression: "(println 1)".into(),
        context: EvalContext::Hover,
    });
    assert!(matches!(hover, Reply::Error(_)), "hover never calls");
    let Reply::Completions(c) = s.req(Command::Completions {
        frame: None,
        text: "pri".into(),
        column: 4,
    }) else {
        panic!()
    };
    assert!(c.iter().any(|(n, _)| n == "println"));
    s.req(Command::Continue);
    s.exit();
    assert!(s.output.contains("b is 7"), "{}", s.output);
    assert!(s.output.contains("result 7"));
}

#[test]
fn function_breakpoints_and_stop_on_entry() {
    let src = r#"(ns util
  (fn helper [x] (x + 1)))
(class Counter
  (ctor [] (/n = 0))
  (method bump [] (/n += 1)))
(fn plain [] 3)
(println (util/helper 1) ((new Counter) .bump) (plain))
"#;
    let mut s = start(src, None);
    let Reply::Breakpoints(b) = s.req(Command::SetFunctionBreakpoints(vec![
        FunctionBreakpoint {
            name: "util/helper".into(),
            ..Default::default()
        },
        FunctionBreakpoint {
            name: "Counter/bump".into(),
            ..Default::default()
        },
        FunctionBreakpoint {
            name: "plain".into(),
            ..Default::default()
        },
        FunctionBreakpoint {
            name: "missing".into(),
            ..Default::default()
        },
    ])) else {
        panic!()
    };
    assert_eq!(
        b.iter().map(|b| b.verified).collect::<Vec<_>>(),
        vec![true, true, true, false]
    );
    s.req(Command::Start {
        stop_on_entry: true,
    });
    assert_eq!(s.stop(), StopReason::Entry);
    assert_eq!(s.top_line(), 1);
    for name in ["helper", "bump", "plain"] {
        s.req(Command::Continue);
        assert_eq!(s.stop(), StopReason::FunctionBreakpoint);
        assert_eq!(s.frames()[0].name, name);
    }
    s.req(Command::Continue);
    s.exit();
    assert!(s.output.contains("2 1 3"), "{}", s.output);
}

#[test]
fn futures_page_filters_and_counts() {
    let src = r#"(var fs [])
(for i in (range 0 29)
  (fs .push (sleep_async 5000)))
(var done (sleep_async 1))
(await done)
(println "ready")  # BP
"#;
    let mut s = start(src, None);
    s.bp(&[("# BP", None, None, None)]);
    s.go();
    s.stop();
    let Reply::Futures(page) = s.req(Command::Futures {
        state: Some("pending".into()),
        start: 10,
        count: Some(5),
    }) else {
        panic!()
    };
    assert_eq!(page.total, 30);
    assert_eq!(page.futures.len(), 5);
    assert!(page.futures.iter().all(|f| f.state == "pending"));
    assert_eq!(page.stats.in_flight, 30);
    let Reply::Futures(done) = s.req(Command::Futures {
        state: Some("success".into()),
        start: 0,
        count: None,
    }) else {
        panic!()
    };
    assert_eq!(done.total, 1);
    assert_eq!(done.futures[0].label, "sleep_async 1");
    s.req(Command::Terminate);
    s.exit();
}

#[test]
fn deep_tail_calls_run_in_constant_stack_while_debugging() {
    // A million tail calls under the debugger (later 11): frames past the first 256
    // are replaced, so the program neither overflows nor differs from `gene run`.
    let src = r#"(fn ping [n] (if (n == 0) "done" else (pong (n - 1))))
(fn pong [n]
  (ping (n - 1)))  # BP
(println (ping 1000000))
"#;
    let mut s = start(src, None);
    s.bp(&[("# BP", Some("(n == 1)"), None, None)]);
    s.go();
    assert_eq!(s.stop(), StopReason::Breakpoint);
    let frames = s.frames();
    assert!(frames.len() <= 258, "{} frames", frames.len());
    assert_eq!(frames.last().map(|f| f.name.as_str()), Some("<main>"));
    s.req(Command::Continue);
    assert_eq!(s.exit(), 0);
    assert!(s.output.contains("done"), "{}", s.output);
}

#[test]
fn tail_calls_keep_their_frames_while_debugging() {
    // Shallow tail calls keep their frames (the first 256), so the stack shows how the
    // program got here.
    let src = r#"(fn ping [n] (if (n == 0) "done" else (pong (n - 1))))
(fn pong [n]
  (ping (n - 1)))  # BP
(println (ping 4))
"#;
    let mut s = start(src, None);
    s.bp(&[("# BP", Some("(n == 1)"), None, None)]);
    s.go();
    assert_eq!(s.stop(), StopReason::Breakpoint);
    let names: Vec<String> = s.frames().into_iter().map(|f| f.name).collect();
    assert_eq!(names, ["pong", "ping", "pong", "ping", "<main>"]);
    s.req(Command::Continue);
    assert_eq!(s.exit(), 0);
    assert!(s.output.contains("done"), "{}", s.output);
}
