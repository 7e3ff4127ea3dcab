//! Running a program under a debugger on its own VM thread (`gene-dap` launch,
//! `gene run --debug-port`, tests).

use std::path::PathBuf;
use std::rc::Rc;

use super::{AttachOptions, Client, Event, EventSink};
use crate::compile::lower::LowerOptions;
use crate::driver::render_syntax_errors;
use crate::vm::{Config, Vm};

/// The stack `gene run` gives the VM thread (natives that call back into Gene recurse).
pub const VM_STACK_BYTES: usize = 1 << 30;

#[derive(Debug, Clone, Default)]
pub struct LaunchOptions {
    pub program: PathBuf,
    pub args: Vec<String>,
    /// The program's working directory (the VM's own, not the process's).
    pub cwd: Option<PathBuf>,
    /// Variables to set (`None` removes one) in the program's own environment.
    pub env: Vec<(String, Option<String>)>,
    pub poll_interval: Option<u32>,
    pub no_debug: bool,
    /// Serve commands before the first instruction until `Start` (set breakpoints first).
    pub wait_for_start: bool,
}

/// Reads the program (a missing file is an error here), then runs it on a new VM
/// thread under a debugger. The thread reports `Exited` last.
pub fn launch(
    opts: LaunchOptions,
    events: EventSink,
) -> Result<(Client, std::thread::JoinHandle<()>), String> {
    let base = opts
        .cwd
        .clone()
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("/"));
    let path = if opts.program.is_absolute() {
        opts.program.clone()
    } else {
        base.join(&opts.program)
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("Cannot read program {}: {e}", path.display()))?;
    let (client, endpoint) = super::channel();
    let handle = std::thread::Builder::new()
        .name("gene-vm".into())
        .stack_size(VM_STACK_BYTES)
        .spawn(move || {
            let sink = events.clone();
            // A bug in the VM must still end the session properly.
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
                run_thread(path, text, opts, endpoint, events)
            }));
            if r.is_err() {
                sink(Event::Output {
                    category: "stderr".into(),
                    text: "Error: internal error in the Gene VM (it panicked)\n".into(),
                });
                sink(Event::Exited(70));
            }
        })
        .map_err(|e| format!("Cannot start the VM thread: {e}"))?;
    Ok((client, handle))
}

fn run_thread(
    path: PathBuf,
    text: String,
    opts: LaunchOptions,
    endpoint: super::Endpoint,
    events: EventSink,
) {
    {
        {
            let name = path.to_string_lossy().into_owned();
            let mut config = Config::default();
            if let Some(n) = opts.poll_interval {
                config.poll_interval = n;
            }
            let mut vm = Vm::new(config);
            if let Some(dir) = &opts.cwd {
                vm.set_cwd(dir.clone());
            }
            vm.set_env_vars(opts.env.clone());
            vm.program = name.clone();
            vm.args = opts.args.clone();
            let attach = AttachOptions {
                no_debug: opts.no_debug,
                wait_for_start: opts.wait_for_start,
            };
            vm.attach_debugger(endpoint, events.clone(), attach);
            let code = run_debugged(&mut vm, &name, &text, &events);
            vm.flush();
            // Drop the program (and its host operations) before saying it ended.
            vm.asyncs.event_loop.shutdown();
            drop(vm);
            events(Event::Exited(code));
        }
    }
}

/// Compiles and runs a program with the debugger already attached; returns the exit status.
pub fn run_debugged(vm: &mut Vm, name: &str, text: &str, events: &EventSink) -> i32 {
    let proto = match vm.compile(name, text, &LowerOptions::default()) {
        Ok(p) => p,
        Err((file, errors)) => {
            events(Event::Output {
                category: "stderr".into(),
                text: render_syntax_errors(vm, file, &errors),
            });
            return 1;
        }
    };
    vm.debug_register(&proto);
    let ns = vm.module_ns(name);
    let started = vm.debug_wait_start();
    let result = started.and_then(|_| vm.run_main(Rc::clone(&proto), ns.clone()));
    vm.flush();
    vm.flush_future_events();
    // Functions hold their namespace and the namespace holds them: break the cycle, or
    // an adapter that serves many sessions keeps every finished program in memory.
    let members = std::mem::take(&mut *ns.members.borrow_mut());
    drop(members);
    match result {
        Ok(_) => 0,
        Err(t) if t.context.as_deref() == Some("exit") => vm.exit_code.unwrap_or(0),
        Err(t) => {
            events(Event::Output {
                category: "stderr".into(),
                text: vm.render_error(&t),
            });
            1
        }
    }
}
