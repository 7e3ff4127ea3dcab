//! `gene-dap` binary: argument parsing; each connection gets a [`DapSession`].

use gene_dap::protocol::Session;
use gene_dap::transport::{run_port, run_stdio};
use gene_dap::DapSession;
use std::process::exit;

const USAGE: &str = "\
usage: gene-dap [--port N]

Debug Adapter Protocol server for Gene.
  (no arguments)  speak DAP on stdin/stdout
  --port N        listen on 127.0.0.1:N (0 picks a free port), one connection at a time
  --help          show this help
  --version       show the version";

enum Mode {
    Stdio,
    Port(u16),
    Help,
    Version,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Mode, String> {
    let mut mode = Mode::Stdio;
    while let Some(arg) = args.next() {
        // Some clients (the DAP test library) pass an empty argument.
        if arg.is_empty() {
            continue;
        }
        let port = match arg.as_str() {
            "--help" | "-h" => return Ok(Mode::Help),
            "--version" | "-V" => return Ok(Mode::Version),
            "--port" => args.next().ok_or("--port needs a number")?,
            _ => match arg.strip_prefix("--port=") {
                Some(p) => p.to_string(),
                None => return Err(format!("unexpected argument {arg:?}")),
            },
        };
        let port = port
            .parse::<u16>()
            .map_err(|_| format!("invalid port {port:?}"))?;
        mode = Mode::Port(port);
    }
    Ok(mode)
}

fn make_session() -> Box<dyn Session> {
    Box::new(DapSession::new())
}

fn main() {
    // `cargo build --release` builds with panic=abort (the interpreter's profile): then an
    // internal error ends the whole adapter instead of one request. Say so at start.
    #[cfg(panic = "abort")]
    eprintln!(
        "gene-dap: warning: built with panic=abort (--release): an internal error ends the \
         adapter; build it with `cargo build --profile server` to keep sessions alive"
    );
    match parse_args(std::env::args().skip(1)) {
        Ok(Mode::Help) => println!("{USAGE}"),
        Ok(Mode::Version) => println!(
            "gene-dap {}{}",
            env!("CARGO_PKG_VERSION"),
            if gene_dap::test_hooks::ENABLED {
                " (test-hooks)"
            } else {
                ""
            }
        ),
        Ok(Mode::Stdio) => {
            run_stdio(&make_session);
            // Session threads (the VM) must not keep the process alive once the client is gone.
            exit(0);
        }
        Ok(Mode::Port(port)) => {
            if let Err(e) = run_port(port, &make_session) {
                eprintln!("gene-dap: cannot listen on 127.0.0.1:{port}: {e}");
                exit(1);
            }
        }
        Err(message) => {
            eprintln!("gene-dap: {message}\n{USAGE}");
            exit(2);
        }
    }
}
