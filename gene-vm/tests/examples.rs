//! Every program under `examples/` runs to completion (they are the README's tour).

use std::path::Path;
use std::process::Command;

#[test]
fn examples_run() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut ran = 0;
    for entry in std::fs::read_dir(&dir).expect("examples directory") {
        let path = entry.expect("directory entry").path();
        if path.extension().is_none_or(|e| e != "gene") {
            continue;
        }
        let out = Command::new(env!("CARGO_BIN_EXE_gene"))
            .arg("run")
            .arg("--async-stats")
            .arg(&path)
            .output()
            .expect("run gene");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "{} failed:\n{}",
            path.display(),
            stderr
        );
        assert!(
            stderr.contains("pending_max"),
            "no stats for {}",
            path.display()
        );
        ran += 1;
    }
    assert!(ran > 0, "no examples found");
}
