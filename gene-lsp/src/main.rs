//! `gene-lsp`: LSP over stdio.

fn main() {
    if let Some(a) = std::env::args().nth(1) {
        match a.as_str() {
            "--version" | "-V" => {
                println!("gene-lsp {}", env!("CARGO_PKG_VERSION"));
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
