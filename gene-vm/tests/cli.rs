//! End-to-end tests of the `gene` command line (reference section 15): run, eval,
//! check, repl, help, version, option handling and the one error format.
//!
//! Every test runs the real binary in its own temporary directory (relative file
//! names, so messages are exact) with `HOME` pointing there (the REPL history) and
//! `GENE_POLL_INTERVAL` unset unless a test sets it.

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
            std::env::temp_dir().join(format!("gene-cli-test-{}-{tag}-{n}", std::process::id()));
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

fn gene_in(dir: &Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Out {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gene"));
    cmd.args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env_remove("GENE_POLL_INTERVAL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn gene");
    {
        let mut input = child.stdin.take().expect("stdin pipe");
        // The process may exit without reading its input; ignore a broken pipe.
        let _ = input.write_all(stdin.as_bytes());
    }
    let out = child.wait_with_output().expect("wait for gene");
    Out {
        code: out.status.code().expect("exit status (not a signal)"),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    }
}

/// Runs `gene` in a fresh temporary directory with empty standard input.
fn gene(args: &[&str]) -> Out {
    let dir = TempDir::new("plain");
    gene_in(dir.path(), args, "", &[])
}

fn gene_stdin(args: &[&str], stdin: &str) -> Out {
    let dir = TempDir::new("stdin");
    gene_in(dir.path(), args, stdin, &[])
}

fn usage() -> String {
    let out = gene(&["help"]);
    assert_eq!(out.code, 0, "{out:?}");
    out.stdout
}

// ---------------------------------------------------------------- eval

#[test]
fn eval_prints_quoted_result() {
    let out = gene(&["eval", "(+ 1 2)"]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "3\n", "")
    );
    let out = gene(&["eval", "\"text\""]);
    assert_eq!((out.code, out.stdout.as_str()), (0, "\"text\"\n"));
}

#[test]
fn eval_prints_output_then_nil() {
    let out = gene(&["eval", "(println \"hi\")"]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "hi\nnil\n", "")
    );
}

#[test]
fn eval_joins_arguments_with_spaces() {
    let out = gene(&["eval", "(+", "1", "2)"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, "3\n"));
}

#[test]
fn eval_reads_stdin_without_arguments() {
    let out = gene_stdin(&["eval"], "(var n 6)\n(n * 7)\n");
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "42\n", "")
    );
}

#[test]
fn eval_alias_e() {
    let out = gene(&["e", "[1 \"a\"]"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, "[1 \"a\"]\n"));
}

#[test]
fn eval_error_uses_the_error_format() {
    let out = gene(&["eval", "(throw \"bad\")"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "Error: bad\n  --> <eval>:1:1\n  |\n1 | (throw \"bad\")\n  | ^^^^^^^^^^^^^\n\
         Gene stack (innermost first):\n  at <main> (<eval>:1:1)\n"
    );
}

// ---------------------------------------------------------------- help, version, unknown

#[test]
fn no_arguments_and_help_print_usage() {
    let help = gene(&["help"]);
    assert_eq!(help.code, 0);
    assert_eq!(help.stderr, "");
    assert!(help.stdout.starts_with("Usage: gene"), "{}", help.stdout);
    for cmd in ["run", "eval", "repl", "check", "help"] {
        assert!(
            help.stdout.contains(&format!("\n  {cmd} ")),
            "usage lists {cmd}"
        );
    }
    let bare = gene(&[]);
    assert_eq!(
        (bare.code, bare.stdout.as_str(), bare.stderr.as_str()),
        (0, help.stdout.as_str(), "")
    );
}

#[test]
fn version_flag() {
    let out = gene(&["--version"]);
    assert_eq!(out.code, 0);
    assert_eq!(out.stdout, format!("gene {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn unknown_command() {
    let out = gene(&["frobnicate"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        format!("Error: Unknown command: frobnicate\n\n{}", usage())
    );
}

// ---------------------------------------------------------------- run

#[test]
fn run_missing_file() {
    let out = gene(&["run", "missing.gene"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr, "Error: File not found: missing.gene\n");
}

#[test]
fn run_reads_program_from_stdin() {
    let out = gene_stdin(&["run"], "(var x 2)\n(println \"stdin\" (x * 21))\n");
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "stdin 42\n", "")
    );
}

#[test]
fn run_with_empty_stdin_is_an_error() {
    let out = gene_stdin(&["run"], "");
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    assert!(out.stderr.starts_with("Error: No "), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
}

#[test]
fn run_file_with_output_and_exit_status() {
    let dir = TempDir::new("run");
    dir.write("ok.gene", "(println \"hello\" (1 + 1))\n");
    let out = gene_in(dir.path(), &["run", "ok.gene"], "", &[]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "hello 2\n", "")
    );
    dir.write("exit.gene", "(println \"x\")\n(exit 3)\n(println \"y\")\n");
    let out = gene_in(dir.path(), &["run", "exit.gene"], "", &[]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (3, "x\n", "")
    );
}

#[test]
fn run_unknown_option_warns_and_runs() {
    let dir = TempDir::new("unknown-opt");
    dir.write("p.gene", "(println \"ran\")\n");
    let out = gene_in(dir.path(), &["run", "--frob", "p.gene"], "", &[]);
    assert_eq!(out.code, 0);
    assert_eq!(out.stdout, "ran\n");
    assert_eq!(out.stderr, "Unknown option: --frob\n");
}

#[test]
fn run_accepts_and_ignores_interpreter_options() {
    let dir = TempDir::new("ignored-opts");
    dir.write("p.gene", "(println \"ran\")\n");
    for opts in [
        &["--trace"][..],
        &["-d"],
        &["--no-gir-cache"],
        &[
            "--trace",
            "-d",
            "--no-gir-cache",
            "--debug",
            "--force-compile",
        ],
    ] {
        let mut args = vec!["run"];
        args.extend_from_slice(opts);
        args.push("p.gene");
        let out = gene_in(dir.path(), &args, "", &[]);
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (0, "ran\n", ""),
            "options {opts:?}"
        );
    }
}

const ASYNC_PROGRAM: &str = "(var naps [(sleep_async 20) (sleep_async 20)])\n\
(await (gene/all naps))\n\
(var i 0)\n\
(while (i < 500) (i += 1))\n\
(println \"done\" i)\n";

#[test]
fn run_poll_interval_option_and_environment() {
    let dir = TempDir::new("poll");
    dir.write("a.gene", ASYNC_PROGRAM);
    for (args, env) in [
        (&["run", "--poll-interval", "0", "a.gene"][..], &[][..]),
        (&["run", "--poll-interval", "1", "a.gene"], &[]),
        (&["run", "a.gene"], &[("GENE_POLL_INTERVAL", "5")]),
        (&["run", "a.gene"], &[("GENE_POLL_INTERVAL", "0")]),
    ] {
        let out = gene_in(dir.path(), args, "", env);
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (0, "done 500\n", ""),
            "{args:?} {env:?}"
        );
    }
    let out = gene_in(dir.path(), &["run", "--poll-interval", "a.gene"], "", &[]);
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    assert_eq!(out.stderr, "Error: --poll-interval needs a number\n");
}

#[test]
fn run_async_stats_on_stderr() {
    let dir = TempDir::new("stats");
    dir.write("a.gene", ASYNC_PROGRAM);
    let out = gene_in(dir.path(), &["run", "--async-stats", "a.gene"], "", &[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "done 500\n");
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert!(
        lines.iter().any(|l| l.trim_start().starts_with("polls ")),
        "{}",
        out.stderr
    );
    assert!(
        lines
            .iter()
            .any(|l| l.trim_start().starts_with("pending_max ")),
        "{}",
        out.stderr
    );
    assert!(
        lines
            .iter()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["completions", "2"]),
        "two timers completed: {}",
        out.stderr
    );
}

#[test]
fn run_args_exclude_script_and_keep_dashes() {
    let dir = TempDir::new("args");
    dir.write(
        "show.gene",
        "(println ($args .size))\n(for a in $args (println a))\n",
    );
    let out = gene_in(
        dir.path(),
        &[
            "run",
            "--trace",
            "show.gene",
            "--flag",
            "x",
            "-y",
            "--trace",
        ],
        "",
        &[],
    );
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "4\n--flag\nx\n-y\n--trace\n", "")
    );
    let out = gene_in(dir.path(), &["run", "show.gene"], "", &[]);
    assert_eq!((out.code, out.stdout.as_str()), (0, "0\n"));
}

// ---------------------------------------------------------------- error format

#[test]
fn runtime_error_format_with_stack() {
    let dir = TempDir::new("trace");
    dir.write(
        "prog.gene",
        "(println \"before\")\n(fn inner [why]\n  (throw why))\n(fn outer []\n  (inner \"custom failure\"))\n(outer)\n(println \"after\")\n",
    );
    let out = gene_in(dir.path(), &["run", "prog.gene"], "", &[]);
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "before\n");
    assert_eq!(
        out.stderr,
        "Error: custom failure\n\
         \x20 --> prog.gene:3:3\n\
         \x20 |\n\
         3 |   (throw why))\n\
         \x20 |   ^^^^^^^^^^^\n\
         Gene stack (innermost first):\n\
         \x20 at inner (prog.gene:3:3)\n\
         \x20 at outer (prog.gene:5:3)\n\
         \x20 at <main> (prog.gene:6:1)\n"
    );
}

#[test]
fn runtime_error_format_readme_example() {
    let dir = TempDir::new("readme");
    dir.write("prog.gene", "(var a 1)\n(var b 2)\n(println (\"a\" + 1))\n");
    let out = gene_in(dir.path(), &["run", "prog.gene"], "", &[]);
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "Error: Cannot add String and Int\n\
         \x20 --> prog.gene:3:10\n\
         \x20 |\n\
         3 | (println (\"a\" + 1))\n\
         \x20 |          ^^^^^^^^^\n\
         Gene stack (innermost first):\n\
         \x20 at <main> (prog.gene:3:10)\n"
    );
}

const THREE_READER_ERRORS: &str = "(println \"start\")\n(a ]\n)\n(b 1.2.3)\n";

const THREE_READER_ERRORS_REPORT: &str = "Error: Mismatched ']': expected ')'\n\
\x20 --> bad.gene:2:4\n\
\x20 |\n\
2 | (a ]\n\
\x20 |    ^\n\
Error: Unexpected ')'\n\
\x20 --> bad.gene:3:1\n\
\x20 |\n\
3 | )\n\
\x20 | ^\n\
Error: Invalid number literal: 1.2.3\n\
\x20 --> bad.gene:4:4\n\
\x20 |\n\
4 | (b 1.2.3)\n\
\x20 |    ^^^^^\n";

#[test]
fn reader_errors_are_all_reported_and_nothing_runs() {
    let dir = TempDir::new("reader-errors");
    dir.write("bad.gene", THREE_READER_ERRORS);
    let out = gene_in(dir.path(), &["run", "bad.gene"], "", &[]);
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "", "nothing runs");
    assert_eq!(
        out.stderr
            .lines()
            .filter(|l| l.starts_with("Error: "))
            .count(),
        3
    );
    assert_eq!(out.stderr, THREE_READER_ERRORS_REPORT);
}

#[test]
fn compile_error_stops_before_running() {
    let dir = TempDir::new("compile-error");
    dir.write("c.gene", "(println \"start\")\n(ifel true)\n");
    let out = gene_in(dir.path(), &["run", "c.gene"], "", &[]);
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "Error: ifel expects 2 or 3 arguments, got 1\n  --> c.gene:2:1\n  |\n2 | (ifel true)\n  | ^^^^^^^^^^^\n"
    );
}

// ---------------------------------------------------------------- check

#[test]
fn check_clean_file_is_silent() {
    let dir = TempDir::new("check-clean");
    // A runtime error is not a check error.
    dir.write(
        "ok.gene",
        "(fn f [x] (x + 1))\n(println (f 1) (\"a\" + 1))\n",
    );
    let out = gene_in(dir.path(), &["check", "ok.gene"], "", &[]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "", "")
    );
}

#[test]
fn check_reports_reader_and_compile_errors() {
    let dir = TempDir::new("check-errors");
    dir.write("bad.gene", THREE_READER_ERRORS);
    let out = gene_in(dir.path(), &["check", "bad.gene"], "", &[]);
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    // `gene check` reports the editor's diagnostics: the three reader errors, and
    // the undefined names `a` and `b` (each a 5-line block).
    let mut kept = Vec::new();
    let mut undefined = 0;
    let mut lines = out.stderr.lines();
    while let Some(l) = lines.next() {
        if l.starts_with("Error: undefined name") {
            undefined += 1;
            lines.by_ref().take(4).for_each(drop);
        } else {
            kept.push(format!("{l}\n"));
        }
    }
    assert_eq!(undefined, 2, "{}", out.stderr);
    assert_eq!(kept.concat(), THREE_READER_ERRORS_REPORT);

    dir.write("c.gene", "(fn f [] (yield 1))\n(ifel 1)\n");
    let out = gene_in(dir.path(), &["check", "c.gene"], "", &[]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "Error: yield outside a generator\n  --> c.gene:1:10\n  |\n1 | (fn f [] (yield 1))\n  |          ^^^^^^^^^\n\
         Error: ifel expects 2 or 3 arguments, got 1\n  --> c.gene:2:1\n  |\n2 | (ifel 1)\n  | ^^^^^^^^\n"
    );
}

#[test]
fn check_warns_about_deprecated_sync_io() {
    let dir = TempDir::new("check-deprecated");
    dir.write(
        "d.gene",
        "(gene/io/read \"x\")\n(file_read \"x\")\n(File/read \"x\")\n(await (file_read_async \"x\"))\n",
    );
    let out = gene_in(dir.path(), &["check", "d.gene"], "", &[]);
    assert_eq!(out.code, 0, "warnings do not fail: {out:?}");
    assert_eq!(out.stdout, "");
    let warnings: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("Warning: "))
        .collect();
    assert_eq!(warnings.len(), 3, "{}", out.stderr);
    for (w, name) in warnings
        .iter()
        .zip(["gene/io/read", "file_read", "File/read"])
    {
        assert!(
            w.starts_with(&format!("Warning: {name} is deprecated")),
            "{w}"
        );
    }
    for loc in ["d.gene:1:2", "d.gene:2:2", "d.gene:3:2"] {
        assert!(out.stderr.contains(&format!("  --> {loc}\n")), "{loc}");
    }
    assert!(!out.stderr.contains("Error"), "{}", out.stderr);
}

#[test]
fn check_several_files() {
    let dir = TempDir::new("check-many");
    dir.write("ok.gene", "(println 1)\n");
    dir.write("bad.gene", "(var)\n");
    dir.write("dep.gene", "(file_read \"x\")\n");
    let out = gene_in(
        dir.path(),
        &["check", "ok.gene", "bad.gene", "dep.gene"],
        "",
        &[],
    );
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    let heads: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("Error") || l.starts_with("Warning") || l.contains("-->"))
        .collect();
    assert_eq!(heads.len(), 4, "{}", out.stderr);
    assert_eq!(heads[0], "Error: var needs a name");
    assert_eq!(heads[1], "  --> bad.gene:1:1");
    assert!(heads[2].starts_with("Warning: file_read is deprecated"));
    assert_eq!(heads[3], "  --> dep.gene:1:2");

    let out = gene_in(dir.path(), &["check", "ok.gene", "dep.gene"], "", &[]);
    assert_eq!(out.code, 0, "{out:?}");

    let out = gene_in(dir.path(), &["check", "ok.gene", "nope.gene"], "", &[]);
    assert_eq!(out.code, 1);
    assert_eq!(out.stderr, "Error: File not found: nope.gene\n");
}

#[test]
fn check_without_files_is_an_error() {
    let out = gene(&["check"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.starts_with("Error: "), "{}", out.stderr);
}

// ---------------------------------------------------------------- repl

fn repl(input: &str) -> Out {
    let dir = TempDir::new("repl");
    gene_in(dir.path(), &["repl"], input, &[])
}

/// The value lines the REPL printed (any prompt text removed).
fn repl_lines(out: &Out) -> Vec<String> {
    out.stdout
        .lines()
        .map(|l| l.replace("gene> ", "").replace("  ... ", ""))
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn repl_evaluates_entries_and_keeps_variables() {
    let out = repl("(var x 40)\n(x + 2)\n");
    assert_eq!(out.code, 0, "{out:?}");
    let lines = repl_lines(&out);
    assert!(lines.contains(&"42".to_string()), "{lines:?}");
    assert_eq!(out.stderr, "");
}

#[test]
fn repl_multi_line_entry_and_definitions_persist() {
    let out = repl("(fn f [a]\n  (a * 2))\n(f 21)\n(var y (f 5))\n(fn g [] (y + 1))\n(g)\n");
    assert_eq!(out.code, 0, "{out:?}");
    let lines = repl_lines(&out);
    assert!(lines.contains(&"42".to_string()), "{lines:?}");
    assert!(lines.contains(&"11".to_string()), "{lines:?}");
    assert_eq!(out.stderr, "");
}

#[test]
fn repl_error_is_reported_and_session_continues() {
    let out = repl("(var x 1)\n(no_such_fn x)\n(x + 99)\n");
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("Error: no_such_fn is not defined"),
        "{}",
        out.stderr
    );
    let lines = repl_lines(&out);
    assert!(lines.contains(&"100".to_string()), "{lines:?}");
}

#[test]
fn repl_exit_ends_the_session() {
    let out = repl("(println \"one\")\nexit\n(println \"two\")\n");
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("one"), "{}", out.stdout);
    assert!(!out.stdout.contains("two"), "{}", out.stdout);
    let out = repl("quit\n");
    assert_eq!(out.code, 0, "{out:?}");
    // End of input also ends it.
    let out = repl("(1 + 1)\n");
    assert_eq!(out.code, 0, "{out:?}");
    assert!(repl_lines(&out).contains(&"2".to_string()), "{out:?}");
}

// ---------------------------------------------------------------- run-examples

#[test]
fn run_examples_reports_each_example_and_fails_on_a_wrong_one() {
    let dir = TempDir::new("examples");
    dir.write(
        "ex.gene",
        "(fn add [a b]\n  ^examples [[1 2] -> 3  [2 2] -> 5]\n  (a + b))\n(fn boom [x] ^examples [[1] throws Exception [2] -> _] (if (x == 1) (throw \"no\") else x))\n(println \"loaded\")\n",
    );
    let out = gene_in(dir.path(), &["run-examples", "ex.gene"], "", &[]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(
        out.stdout,
        "loaded\n\
         PASS add example 1: [1 2] -> 3\n\
         FAIL add example 2: [2 2] -> 5\n\
         \x20 expected: 5\n\
         \x20 actual: 4\n\
         \x20 location: ex.gene\n\
         PASS boom example 1: [1] throws Exception\n\
         PASS boom example 2: [2] -> _\n\
         Examples run: 4, passed: 3, failed: 1, functions: 2\n"
    );
    dir.write("none.gene", "(fn f [] 1)\n");
    let out = gene_in(dir.path(), &["run-examples", "none.gene"], "", &[]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "No examples found in none.gene\n")
    );
}

#[test]
fn deser_prints_a_serialized_value() {
    let out = gene(&["deser", "(gene/serialization [1 \"a\" s {^k nil}])"]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "[1 a s {^k nil}]\n", "")
    );
    let out = gene_stdin(&["deser"], "(gene/serialization (f ^x 1 \"two\"))\n");
    assert_eq!((out.code, out.stdout.as_str()), (0, "(f ^x 1 \"two\")\n"));
}

#[test]
fn deser_loads_referenced_modules() {
    let dir = TempDir::new("deser");
    dir.write(
        "shapes.gene",
        "(enum Shape (Circle r) Dot)\n(class Point (ctor [x] (/x = x)))\n",
    );
    let text = "(gene/serialization [(gene/variant (gene/ref \"shapes.gene\" Shape/Circle) 2) (gene/ref \"shapes.gene\" Shape/Dot)])";
    let out = gene_in(dir.path(), &["deser", text], "", &[]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "[(Shape/Circle 2) Shape/Dot]\n", "")
    );
    // Written by a program, read back by the command.
    dir.write(
        "write.gene",
        "(import Point Shape from \"shapes\")\n(print (gene/serdes/serialize [(new Point 3) Shape/Dot]))\n",
    );
    let written = gene_in(dir.path(), &["run", "write.gene"], "", &[]);
    assert_eq!(written.code, 0, "{written:?}");
    assert_eq!(
        written.stdout,
        "(gene/serialization [(gene/instance (gene/ref \"shapes.gene\" Point) {^x 3}) (gene/ref \"shapes.gene\" Shape/Dot)])"
    );
    let out = gene_in(dir.path(), &["deser", &written.stdout], "", &[]);
    assert_eq!((out.code, out.stderr.as_str()), (0, ""), "{out:?}");
    assert!(out.stdout.ends_with(" Shape/Dot]\n"), "{out:?}");
}

#[test]
fn deser_errors() {
    let out = gene(&["deser", "(not/serialization 1)"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("Error: gene/serdes/deserialize expects the text (gene/serialization VALUE)"),
        "{out:?}"
    );
    let out = gene(&["deser", "(gene/serialization [1"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("invalid text at 1:"), "{out:?}");
    let out = gene(&["deser", "(gene/serialization (gene/ref \"none.gene\" X))"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("cannot find module none.gene (for X)"),
        "{out:?}"
    );
    let out = gene_stdin(&["deser"], "");
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("No input provided"), "{out:?}");
}

#[test]
fn usage_lists_deser() {
    assert!(usage().contains("deser [TEXT...]"));
}

#[test]
fn check_resolves_package_imports_like_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/gene/16_later/modules");
    let dir = TempDir::new("check-pkg");
    let ok = root.join("packages/main.gene");
    let out = gene_in(dir.path(), &["check", &ok.display().to_string()], "", &[]);
    assert_eq!((out.code, out.stderr.as_str()), (0, ""), "{out:?}");
    let missing = root.join("package_errors/not_found.gene");
    let out = gene_in(
        dir.path(),
        &["check", &missing.display().to_string()],
        "",
        &[],
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr
            .contains("[GENE.PACKAGE.NOT_FOUND] Package 'x/nope' was not found"),
        "{out:?}"
    );
    let boundary = root.join("package_errors/boundary.gene");
    let out = gene_in(
        dir.path(),
        &["check", &boundary.display().to_string()],
        "",
        &[],
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("[GENE.PACKAGE.BOUNDARY]"), "{out:?}");
}
