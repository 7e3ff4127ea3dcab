//! End-to-end tests of `gene fmt` (same harness style as `cli.rs`): in-place
//! rewrite, `--check`, stdin to stdout, refusal of files with syntax errors.
//!
//! Every test runs the real binary in its own temporary directory (relative
//! file names, so messages are exact).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A scratch directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir =
            std::env::temp_dir().join(format!("gene-fmt-test-{}-{tag}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.0.join(name), text).expect("write fixture file");
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.0.join(name)).expect("read file")
    }

    fn mtime(&self, name: &str) -> std::time::SystemTime {
        std::fs::metadata(self.0.join(name))
            .and_then(|m| m.modified())
            .expect("mtime")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn gene_in(dir: &Path, args: &[&str], stdin: &str) -> Out {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gene"))
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn gene");
    {
        let mut input = child.stdin.take().expect("stdin pipe");
        let _ = input.write_all(stdin.as_bytes());
    }
    let out = child.wait_with_output().expect("wait for gene");
    Out {
        code: out.status.code().expect("exit status (not a signal)"),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    }
}

const UGLY: &str = "(if (x > 5)\n(println \"big\")\nelse\n(println \"small\")   # keep inline\n)";
const PRETTY: &str =
    "(if (x > 5)\n  (println \"big\")\nelse\n  (println \"small\")   # keep inline\n)\n";

#[test]
fn rewrites_files_in_place() {
    let dir = TempDir::new("inplace");
    dir.write("a.gene", UGLY);
    dir.write("b.gene", "(fn f [x]\n        (x + 1))   \n\n\n");
    let out = gene_in(dir.path(), &["fmt", "a.gene", "b.gene"], "");
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "", "")
    );
    assert_eq!(dir.read("a.gene"), PRETTY);
    assert_eq!(dir.read("b.gene"), "(fn f [x]\n  (x + 1))\n");
    // A second run changes nothing.
    let out = gene_in(dir.path(), &["fmt", "a.gene", "b.gene"], "");
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(dir.read("a.gene"), PRETTY);
}

#[test]
fn formatted_files_are_not_rewritten() {
    let dir = TempDir::new("untouched");
    dir.write("ok.gene", PRETTY);
    let before = dir.mtime("ok.gene");
    std::thread::sleep(std::time::Duration::from_millis(20));
    let out = gene_in(dir.path(), &["fmt", "ok.gene"], "");
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(dir.mtime("ok.gene"), before);
}

#[test]
fn check_writes_nothing_and_names_files_that_would_change() {
    let dir = TempDir::new("check");
    dir.write("ugly.gene", UGLY);
    dir.write("ok.gene", PRETTY);
    dir.write("ugly2.gene", "(f\nx)\n");
    let out = gene_in(
        dir.path(),
        &["fmt", "--check", "ugly.gene", "ok.gene", "ugly2.gene"],
        "",
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.stdout,
        "would reformat ugly.gene\nwould reformat ugly2.gene\n"
    );
    assert_eq!(out.stderr, "");
    assert_eq!(dir.read("ugly.gene"), UGLY);
    assert_eq!(dir.read("ugly2.gene"), "(f\nx)\n");

    let out = gene_in(dir.path(), &["fmt", "--check", "ok.gene"], "");
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "", "")
    );
    // The option may come after the files.
    let out = gene_in(dir.path(), &["fmt", "ugly2.gene", "--check"], "");
    assert_eq!(out.code, 1);
    assert_eq!(dir.read("ugly2.gene"), "(f\nx)\n");
}

#[test]
fn stdin_to_stdout() {
    let dir = TempDir::new("stdin");
    let out = gene_in(dir.path(), &["fmt"], UGLY);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, PRETTY, "")
    );
    let out = gene_in(dir.path(), &["fmt", "-"], "(f\r\nx)");
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "(f\r\n  x)\r\n"),
        "{out:?}"
    );
    let out = gene_in(dir.path(), &["fmt", "--check"], UGLY);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (1, "would reformat <stdin>\n")
    );
    let out = gene_in(dir.path(), &["fmt", "--check"], PRETTY);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""));
    let out = gene_in(dir.path(), &["fmt"], "");
    assert_eq!((out.code, out.stdout.as_str()), (0, ""));
}

const BROKEN: &str = "(println \"start\")\n(a ]\n   (b 1.2.3)\n";

const BROKEN_REPORT: &str = "Error: cannot format bad.gene: it has syntax errors\n\
Error: Mismatched ']': expected ')'\n\
\x20 --> bad.gene:2:4\n\
\x20 |\n\
2 | (a ]\n\
\x20 |    ^\n\
Error: Invalid number literal: 1.2.3\n\
\x20 --> bad.gene:3:7\n\
\x20 |\n\
3 |    (b 1.2.3)\n\
\x20 |       ^^^^^\n";

#[test]
fn files_with_syntax_errors_are_refused_and_untouched() {
    let dir = TempDir::new("refused");
    dir.write("bad.gene", BROKEN);
    dir.write("good.gene", UGLY);
    let out = gene_in(dir.path(), &["fmt", "bad.gene", "good.gene"], "");
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr, BROKEN_REPORT);
    assert_eq!(dir.read("bad.gene"), BROKEN, "refused file untouched");
    assert_eq!(dir.read("good.gene"), PRETTY, "the other file is formatted");

    let out = gene_in(dir.path(), &["fmt", "--check", "bad.gene"], "");
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr, BROKEN_REPORT);

    // From stdin: nothing on stdout.
    let out = gene_in(dir.path(), &["fmt"], "(f\n");
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr
            .starts_with("Error: cannot format <stdin>: it has syntax errors\nError: Unclosed '(' opened here\n  --> <stdin>:1:1\n"),
        "{}",
        out.stderr
    );
}

#[test]
fn missing_files_and_unknown_options() {
    let dir = TempDir::new("errors");
    let out = gene_in(dir.path(), &["fmt", "nope.gene"], "");
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (1, "Error: File not found: nope.gene\n")
    );
    let out = gene_in(dir.path(), &["fmt", "--write", "x.gene"], "");
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (1, "Error: Unknown option for fmt: --write\n")
    );
    // After `--`, a name starting with `-` is a file.
    dir.write("-odd.gene", "(f\nx)\n");
    let out = gene_in(dir.path(), &["fmt", "--", "-odd.gene"], "");
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(dir.read("-odd.gene"), "(f\n  x)\n");
}

#[test]
fn help_lists_fmt() {
    let dir = TempDir::new("help");
    let out = gene_in(dir.path(), &["help"], "");
    assert!(
        out.stdout.contains("  fmt [--check] [FILE...]"),
        "{}",
        out.stdout
    );
}
