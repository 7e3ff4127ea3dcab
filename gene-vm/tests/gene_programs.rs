//! Runs every Gene program under `tests/gene/` with the `gene` binary and checks
//! its `# Expected:` lines (stdout), `# ExitCode:`, `# Stderr:` substrings,
//! `# Args:` (interpreter options) and `# ProgramArgs:`.
//!
//! `GENE_TEST_FILTER=substring` runs a subset.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

struct Spec {
    expected: Vec<String>,
    exit_code: i32,
    stderr: Vec<String>,
    args: Vec<String>,
    program_args: Vec<String>,
}

fn parse_spec(text: &str) -> Spec {
    let mut s = Spec {
        expected: Vec::new(),
        exit_code: 0,
        stderr: Vec::new(),
        args: Vec::new(),
        program_args: Vec::new(),
    };
    for line in text.lines() {
        let l = line.trim_start();
        if let Some(rest) = l.strip_prefix("# Expected:") {
            let t = rest.strip_prefix(' ').unwrap_or(rest).trim_end();
            if !t.is_empty() {
                s.expected.push(t.to_string());
            }
        } else if let Some(rest) = l.strip_prefix("# ExitCode:") {
            s.exit_code = rest.trim().parse().unwrap_or(0);
        } else if let Some(rest) = l.strip_prefix("# Stderr:") {
            s.stderr.push(
                rest.strip_prefix(' ')
                    .unwrap_or(rest)
                    .trim_end()
                    .to_string(),
            );
        } else if let Some(rest) = l.strip_prefix("# Args:") {
            s.args.extend(rest.split_whitespace().map(str::to_string));
        } else if let Some(rest) = l.strip_prefix("# ProgramArgs:") {
            s.program_args
                .extend(rest.split_whitespace().map(str::to_string));
        }
    }
    s
}

fn run_one(bin: &str, path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let spec = parse_spec(&text);
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    let child = Command::new(bin)
        .arg("run")
        .args(&spec.args)
        .arg(&name)
        .args(&spec.program_args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start gene: {e}"))?;
    // A watchdog so that a hanging program fails instead of hanging the suite.
    let id = child.id();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let d2 = done.clone();
    std::thread::spawn(move || {
        for _ in 0..300 {
            std::thread::sleep(Duration::from_millis(100));
            if d2.load(std::sync::atomic::Ordering::Relaxed) {
                return;
            }
        }
        let _ = Command::new("kill").arg("-9").arg(id.to_string()).status();
    });
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let got: Vec<String> = stdout
        .lines()
        .map(|l| l.trim_end().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let mut problems = Vec::new();
    let code = out.status.code().unwrap_or(-1);
    if code != spec.exit_code {
        problems.push(format!("exit code {code}, expected {}", spec.exit_code));
    }
    if got != spec.expected {
        let mut diff = String::new();
        let n = got.len().max(spec.expected.len());
        for i in 0..n {
            let g = got.get(i).map(String::as_str).unwrap_or("<none>");
            let e = spec.expected.get(i).map(String::as_str).unwrap_or("<none>");
            let mark = if g == e { " " } else { "!" };
            diff.push_str(&format!("  {mark} expected: {e}\n  {mark}      got: {g}\n"));
        }
        problems.push(format!("stdout differs:\n{diff}"));
    }
    for s in &spec.stderr {
        if !stderr.contains(s.as_str()) {
            problems.push(format!("stderr lacks {s:?}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}\n  stderr: {}",
            problems.join("\n"),
            stderr.trim_end()
        ))
    }
}

#[test]
fn gene_programs() {
    let bin = env!("CARGO_BIN_EXE_gene");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/gene");
    let mut files = common::gene_programs(&root);
    if let Ok(f) = std::env::var("GENE_TEST_FILTER") {
        files.retain(|p| p.to_string_lossy().contains(&f));
    }
    assert!(
        !files.is_empty(),
        "no programs found under {}",
        root.display()
    );
    let queue = Mutex::new(files.clone());
    let failures = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(2, 8);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let next = queue.lock().map(|mut q| q.pop()).unwrap_or(None);
                let Some(p) = next else { break };
                if let Err(e) = run_one(bin, &p) {
                    let rel = p.strip_prefix(&root).unwrap_or(&p).display().to_string();
                    if let Ok(mut f) = failures.lock() {
                        f.push(format!("--- {rel}\n{e}"));
                    }
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap_or_default();
    failures.sort();
    if !failures.is_empty() {
        panic!(
            "{} of {} Gene programs failed:\n{}",
            failures.len(),
            files.len(),
            failures.join("\n")
        );
    }
    eprintln!("{} Gene programs passed", files.len());
}
