//! The `gene` command: run, eval, repl, check, fmt, help.

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gene_vm::driver::{self, Session};
use gene_vm::vm::print;
use gene_vm::{Config, Vm};

const USAGE: &str = "Usage: gene <command> [options]

Commands:
  run [OPTIONS] FILE [ARGS...]   Run a Gene program (reads stdin when FILE is omitted)
  eval CODE...                   Evaluate code and print the result (alias: e)
  repl                           Interactive session (alias: r)
  check FILE...                  Report reader and compile errors without running
  fmt [--check] [FILE...]        Re-indent files in place (stdin to stdout without FILE;
                                 --check writes nothing, names files that would change)
  run-examples FILE              Run the ^examples of the file's functions
  deser [TEXT...]                Print the value of (gene/serialization ...) text
                                 (gene/serdes/serialize output; stdin without TEXT)
  help                           Show this help

Run options (before FILE):
  --poll-interval N   Poll the event loop every N instructions (default 100, 0 = off;
                      also GENE_POLL_INTERVAL)
  --async-stats       Print event-loop figures on stderr at exit
  --max-depth N       Maximum Gene call depth (default 200000)
  --max-string-bytes N     Largest string a program may build (default 1 GiB;
                           also GENE_MAX_STRING_BYTES)
  --max-array-elements N   Largest array a program may build (default 100,000,000;
                           also GENE_MAX_ARRAY_ELEMENTS)
  --no-type-check     Ignore type annotations
  --strict-nil        nil passes only Any, Nil, (Option T) and unions with Nil
  --contracts on|off  Check ^pre/^post (default on)
  --version           Print the version
";

#[derive(Parser)]
#[command(
    name = "gene",
    version,
    disable_help_subcommand = true,
    disable_help_flag = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run a Gene program.
    Run {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Evaluate code and print its value.
    #[command(alias = "e")]
    Eval {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        code: Vec<String>,
    },
    /// Interactive session.
    #[command(alias = "r")]
    Repl,
    /// Check files for reader and compile errors.
    Check { files: Vec<String> },
    /// Print a value written by gene/serdes/serialize.
    Deser {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        text: Vec<String>,
    },
    /// Show usage.
    Help,
    #[command(external_subcommand)]
    Other(Vec<String>),
}

/// Options every interpreter must accept (and may ignore).
const IGNORED_FLAGS: &[&str] = &[
    "--no-gir-cache",
    "--force-compile",
    "-d",
    "--debug",
    "--trace",
    "--trace-instruction",
    "--compile",
    "--profile",
    "--profile-instructions",
    "--repl-on-error",
];

fn config_from_env() -> Config {
    let mut c = Config::default();
    if let Some(n) = std::env::var("GENE_POLL_INTERVAL")
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
    {
        c.poll_interval = n;
    }
    let num = |k: &str| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    if let Some(n) = num("GENE_MAX_STRING_BYTES") {
        c.max_string_bytes = usize::try_from(n).unwrap_or(usize::MAX);
    }
    if let Some(n) = num("GENE_MAX_ARRAY_ELEMENTS") {
        c.max_array_len = usize::try_from(n).unwrap_or(usize::MAX);
    }
    c
}

fn new_vm(config: Config) -> Vm {
    Vm::new(config)
}

/// Gene frames live on the heap, but natives that call back into Gene, deep data
/// (compare, drop) and the reader recurse on the Rust stack: give them room.
const VM_STACK_BYTES: usize = 1 << 30;

fn main() -> ExitCode {
    let worker = std::thread::Builder::new()
        .name("gene-vm".into())
        .stack_size(VM_STACK_BYTES)
        .spawn(real_main);
    match worker.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        Ok(Err(_)) => {
            eprintln!("Error: internal error (the VM thread panicked)");
            ExitCode::from(70)
        }
        Err(e) => {
            eprintln!("Error: cannot start the VM thread: {e}");
            ExitCode::from(70)
        }
    }
}

fn real_main() -> ExitCode {
    let raw: Vec<String> = std::env::args().collect();
    if raw.len() <= 1 {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    // `fmt` takes its arguments as written (clap would swallow a `--`).
    if raw.get(1).is_some_and(|c| c == "fmt") {
        return ExitCode::from(cmd_fmt(raw[2..].to_vec()).clamp(0, 255) as u8);
    }
    if raw.get(1).is_some_and(|c| c == "run-examples") {
        return ExitCode::from(cmd_run_examples(&raw[2..]).clamp(0, 255) as u8);
    }
    let cli = match Cli::try_parse_from(&raw) {
        Ok(c) => c,
        Err(e) => {
            if matches!(e.kind(), clap::error::ErrorKind::DisplayVersion) {
                print!("{e}");
                return ExitCode::SUCCESS;
            }
            eprintln!(
                "Error: {}",
                e.to_string().lines().next().unwrap_or("bad arguments")
            );
            eprintln!();
            eprint!("{USAGE}");
            return ExitCode::from(1);
        }
    };
    let code = match cli.command {
        None | Some(Command::Help) => {
            print!("{USAGE}");
            0
        }
        Some(Command::Run { args }) => cmd_run(args),
        Some(Command::Eval { code }) => cmd_eval(code),
        Some(Command::Repl) => cmd_repl(),
        Some(Command::Check { files }) => cmd_check(files),
        Some(Command::Deser { text }) => cmd_deser(text),
        Some(Command::Other(args)) => {
            let name = args.first().cloned().unwrap_or_default();
            eprintln!("Error: Unknown command: {name}");
            eprintln!();
            eprint!("{USAGE}");
            1
        }
    };
    ExitCode::from(code.clamp(0, 255) as u8)
}

fn cmd_run_examples(args: &[String]) -> i32 {
    let Some(path) = args.first() else {
        eprintln!("Error: run-examples needs a FILE");
        return 1;
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("Error: Cannot read {path}: {e}");
            return 1;
        }
    };
    let mut vm = Vm::new(config_from_env());
    gene_vm::examples::run_examples(&mut vm, path, &text)
}

fn cmd_run(args: Vec<String>) -> i32 {
    let mut config = config_from_env();
    let mut async_stats = false;
    let mut debug_port: Option<u16> = None;
    let mut debug_wait = true;
    let mut i = 0;
    while i < args.len() && args[i].starts_with('-') && args[i] != "-" {
        let a = args[i].as_str();
        match a {
            "--poll-interval" | "--max-depth" | "--max-string-bytes" | "--max-array-elements" => {
                let Some(n) = args.get(i + 1).and_then(|v| v.parse::<u64>().ok()) else {
                    eprintln!("Error: {a} needs a number");
                    return 1;
                };
                let size = usize::try_from(n).unwrap_or(usize::MAX);
                match a {
                    "--poll-interval" => config.poll_interval = n.min(u32::MAX as u64) as u32,
                    "--max-string-bytes" => config.max_string_bytes = size,
                    "--max-array-elements" => config.max_array_len = size,
                    _ => config.max_depth = size.max(16),
                }
                i += 2;
                continue;
            }
            "--contracts" => {
                let mode = args.get(i + 1).map(String::as_str).unwrap_or("");
                match mode {
                    "on" => config.contracts = true,
                    "off" => config.contracts = false,
                    other => {
                        eprintln!("Unknown contracts mode: {other}");
                        return 1;
                    }
                }
                i += 2;
                continue;
            }
            _ if a.starts_with("--contracts=") => match &a["--contracts=".len()..] {
                "on" => config.contracts = true,
                "off" => config.contracts = false,
                other => {
                    eprintln!("Unknown contracts mode: {other}");
                    return 1;
                }
            },
            "--debug-port" => {
                let Some(n) = args.get(i + 1).and_then(|v| v.parse::<u16>().ok()) else {
                    eprintln!("Error: --debug-port needs a port number (0 picks a free one)");
                    return 1;
                };
                debug_port = Some(n);
                i += 2;
                continue;
            }
            "--debug-no-wait" => debug_wait = false,
            "--no-type-check" | "--no-typecheck" => config.type_check = false,
            "--strict-nil" => config.strict_nil = true,
            "--async-stats" => async_stats = true,
            _ if IGNORED_FLAGS.contains(&a) => {}
            _ => eprintln!("Unknown option: {a}"),
        }
        i += 1;
    }
    let (name, text) = match args.get(i) {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(t) => (path.clone(), t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                eprintln!("Error: File not found: {path}");
                return 1;
            }
            Err(e) => {
                eprintln!("Error: Cannot read {path}: {e}");
                return 1;
            }
        },
        None => {
            if std::io::stdin().is_terminal() {
                eprintln!("Error: No file provided to run.");
                return 1;
            }
            let mut t = String::new();
            if std::io::stdin().read_to_string(&mut t).is_err() || t.trim().is_empty() {
                eprintln!("Error: No input provided. Provide a file to run.");
                return 1;
            }
            ("<stdin>".to_string(), t)
        }
    };
    let mut vm = new_vm(config);
    vm.program = name.clone();
    vm.args = args.get(i + 1..).map(|a| a.to_vec()).unwrap_or_default();
    if let Some(port) = debug_port {
        return run_with_debug_port(vm, port, debug_wait, &name, &text, async_stats);
    }
    let result = driver::run_program(&mut vm, &name, &text);
    vm.flush();
    let code = match result {
        Ok(_) => 0,
        Err(e) => {
            let _ = std::io::stdout().flush();
            eprint!("{}", e.render(&vm));
            e.exit_code(&vm)
        }
    };
    if async_stats {
        eprint!("{}", render_stats(&mut vm));
    }
    code
}

/// `gene run --debug-port N`: a debugger attaches over TCP (the adapter's `attach`).
/// Output still goes to this process's stdout and stderr.
fn run_with_debug_port(
    mut vm: Vm,
    port: u16,
    wait: bool,
    name: &str,
    text: &str,
    async_stats: bool,
) -> i32 {
    use gene_vm::debug::{self, remote, AttachOptions, Event, EventSink};
    let (client, endpoint) = debug::channel();
    let local: EventSink = std::sync::Arc::new(|e: Event| {
        if let Event::Output { category, text } = e {
            if category == "stderr" {
                eprint!("{text}");
            } else {
                print!("{text}");
                let _ = std::io::stdout().flush();
            }
        }
    });
    let (port, sink) = match remote::serve(port, client, local) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("Error: cannot listen for a debugger: {e}");
            return 1;
        }
    };
    if wait {
        eprintln!("gene: waiting for debugger on 127.0.0.1:{port}");
    } else {
        eprintln!("gene: debugger can attach on 127.0.0.1:{port}");
    }
    let opts = AttachOptions {
        no_debug: false,
        wait_for_start: wait,
    };
    vm.attach_debugger(endpoint, sink.clone(), opts);
    let code = debug::launch::run_debugged(&mut vm, name, text, &sink);
    vm.flush();
    if async_stats {
        eprint!("{}", render_stats(&mut vm));
    }
    sink(Event::Exited(code));
    code
}

fn render_stats(vm: &mut Vm) -> String {
    let v = vm.async_stats_value();
    let mut out = String::from("async stats:\n");
    if let gene_vm::vm::value::Value::Map(m) = v {
        for (k, v) in m.borrow().iter() {
            out.push_str(&format!("  {:<18} {}\n", k.as_str(), print::plain(v)));
        }
    }
    out
}

fn cmd_eval(code: Vec<String>) -> i32 {
    let text = if code.is_empty() {
        let mut t = String::new();
        if std::io::stdin().read_to_string(&mut t).is_err() {
            eprintln!("Error: No input provided.");
            return 1;
        }
        t
    } else {
        code.join(" ")
    };
    let mut vm = new_vm(config_from_env());
    vm.program = "<eval>".into();
    let r = driver::run_program(&mut vm, "<eval>", &text);
    match r {
        Ok(v) => {
            let s = format!("{}\n", print::quoted(&v));
            vm.write_out(&s);
            vm.flush();
            0
        }
        Err(e) => {
            vm.flush();
            eprint!("{}", e.render(&vm));
            e.exit_code(&vm)
        }
    }
}

/// `gene deser TEXT`: reads `(gene/serialization VALUE)` (later 10.3) and prints the
/// value as `println` would (plain form); references load their modules from the working directory.
fn cmd_deser(text: Vec<String>) -> i32 {
    let text = if text.is_empty() {
        let mut t = String::new();
        if std::io::stdin().read_to_string(&mut t).is_err() || t.trim().is_empty() {
            eprintln!(
                "Error: No input provided. Give the serialized text as an argument or on stdin."
            );
            return 1;
        }
        t
    } else {
        text.join(" ")
    };
    let mut vm = new_vm(config_from_env());
    vm.program = "<deser>".into();
    match vm.serdes_deserialize(&text) {
        Ok(v) => {
            let s = format!("{}\n", print::plain(&v));
            vm.write_out(&s);
            vm.flush();
            0
        }
        Err(e) => {
            vm.flush();
            eprint!("{}", vm.render_error(&e));
            1
        }
    }
}

fn cmd_check(files: Vec<String>) -> i32 {
    if files.is_empty() {
        eprintln!("Error: No file provided to check.");
        return 1;
    }
    let mut failed = false;
    for path in files {
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(_) => {
                eprintln!("Error: File not found: {path}");
                failed = true;
                continue;
            }
        };
        let report = gene_vm::check::check_source(&path, &text);
        eprint!("{}", report.render());
        if report.has_errors() {
            failed = true;
        }
    }
    i32::from(failed)
}

/// `gene fmt [--check] [FILE...]`: rewrites each file in place (only when it
/// changes); `--check` writes nothing and exits 1 naming each file that would
/// change; without FILE (or with `-`) reads stdin and writes stdout. A file
/// with syntax errors is refused and left untouched (exit 1).
fn cmd_fmt(args: Vec<String>) -> i32 {
    let mut check = false;
    let mut files = Vec::new();
    let mut options_done = false;
    for a in args {
        match a.as_str() {
            "--check" if !options_done => check = true,
            "--" if !options_done => options_done = true,
            _ if !options_done && a.starts_with('-') && a != "-" => {
                eprintln!("Error: Unknown option for fmt: {a}");
                return 1;
            }
            _ => files.push(a),
        }
    }
    if files.is_empty() {
        files.push("-".to_string());
    }
    let mut failed = false;
    for path in &files {
        let stdin = path == "-";
        let name = if stdin { "<stdin>" } else { path.as_str() };
        let text = if stdin {
            let mut t = String::new();
            if let Err(e) = std::io::stdin().read_to_string(&mut t) {
                eprintln!("Error: cannot read <stdin>: {e}");
                failed = true;
                continue;
            }
            t
        } else {
            match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    eprintln!("Error: File not found: {path}");
                    failed = true;
                    continue;
                }
                Err(e) => {
                    eprintln!("Error: cannot read {path}: {e}");
                    failed = true;
                    continue;
                }
            }
        };
        let formatted = match gene_vm::analysis::format::format(&text) {
            Ok(f) => f,
            Err(e) => {
                let mut out = format!("Error: cannot format {name}: it has syntax errors\n");
                for err in &e.errors {
                    out.push_str(&format!("Error: {}\n", err.message));
                    out.push_str(&gene_vm::syntax::render_snippet(name, &text, err.span));
                }
                eprint!("{out}");
                failed = true;
                continue;
            }
        };
        if check {
            if formatted != text {
                println!("would reformat {name}");
                failed = true;
            }
        } else if stdin {
            print!("{formatted}");
        } else if formatted != text {
            if let Err(e) = std::fs::write(path, &formatted) {
                eprintln!("Error: cannot write {path}: {e}");
                failed = true;
            }
        }
    }
    let _ = std::io::stdout().flush();
    i32::from(failed)
}

fn cmd_repl() -> i32 {
    let mut vm = new_vm(config_from_env());
    vm.program = "<repl>".into();
    let mut session = Session::new(&vm);
    let mut rl = match rustyline::DefaultEditor::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("Error: cannot start the line editor: {e}");
            return 1;
        }
    };
    let history =
        std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".gene_history"));
    if let Some(h) = &history {
        let _ = rl.load_history(h);
    }
    let mut buf = String::new();
    loop {
        let prompt = if buf.is_empty() { "gene> " } else { "  ... " };
        let line = match rl.readline(prompt) {
            Ok(l) => l,
            Err(rustyline::error::ReadlineError::Interrupted) => {
                buf.clear();
                continue;
            }
            Err(_) => break,
        };
        if buf.is_empty() && matches!(line.trim(), "exit" | "quit") {
            break;
        }
        buf.push_str(&line);
        buf.push('\n');
        if gene_vm::check::needs_more_input(&buf) {
            continue;
        }
        let text = std::mem::take(&mut buf);
        if text.trim().is_empty() {
            continue;
        }
        let _ = rl.add_history_entry(text.trim_end());
        match session.eval(&mut vm, &text) {
            Ok(v) => {
                if !v.is_nil() {
                    let s = format!("{}\n", print::quoted(&v));
                    vm.write_out(&s);
                }
                vm.flush();
            }
            Err(e) => {
                vm.flush();
                eprint!("{}", e.render(&vm));
                if e.exit_code(&vm) != 1 && vm.exit_code.is_some() {
                    return vm.exit_code.unwrap_or(0);
                }
                vm.exit_code = None;
            }
        }
    }
    if let Some(h) = &history {
        let _ = rl.save_history(h);
    }
    0
}
