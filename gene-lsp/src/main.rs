//! `gene-lsp`: LSP over stdio.

fn main() {
    // `cargo build --release` builds with panic=abort (the interpreter's profile): then an
    // internal error ends the whole server instead of one request. Say so at start.
    #[cfg(panic = "abort")]
    eprintln!(
        "gene-lsp: warning: built with panic=abort (--release): an internal error ends the \
         server; build it with `cargo build --profile server` to keep it serving"
    );
    if let Some(a) = std::env::args().nth(1) {
        match a.as_str() {
            "--version" | "-V" => {
                println!(
                    "gene-lsp {}{}",
                    env!("CARGO_PKG_VERSION"),
                    if gene_lsp::test_hooks::ENABLED {
                        " (test-hooks)"
                    } else {
                        ""
                    }
                );
                return;
            }
            "--help" | "-h" => {
                println!("usage: gene-lsp\n\nGene language server: speaks LSP on stdin/stdout.");
                return;
            }
            "--stdio" | "" => {}
            other => {
                eprintln!("gene-lsp: unexpected argument {other:?} (try --help)");
                std::process::exit(2);
            }
        }
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("gene-lsp: cannot start the runtime: {e}");
            std::process::exit(1);
        }
    };
    rt.block_on(gene_lsp::serve(tokio::io::stdin(), tokio::io::stdout()));
    // `exit` must not wait for background work such as a large workspace index.
    rt.shutdown_background();
}
