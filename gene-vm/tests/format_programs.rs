//! The formatter on every Gene program of the repository (`tests/gene/`
//! recursively and `examples/`): each is formatted, the result formats to
//! itself, and the formatted program, run with the real `gene` binary, prints
//! the same stdout and stderr and exits with the same status as the original.
//! Programs the reader rejects must be refused, not formatted.
//!
//! Both versions run from the same path in a scratch copy of the two folders
//! (the original first, then the formatted text written over it), from the
//! program's directory, with its `# Args:` and `# ProgramArgs:` as in
//! `gene_programs.rs`, so file names and relative paths in the output agree.
//!
//! Two differences are not the formatter's doing and are allowed, each only
//! when shown to be the cause:
//! - a program whose output varies from run to run (timings): when another
//!   run of the original (up to five) also differs from the first, outputs
//!   are compared with digit runs masked;
//! - source columns: re-indenting a line moves the columns in error
//!   locations (`--> f.gene:6:10`, `at f (f.gene:6:10)`) and the indentation
//!   of the quoted source line and its carets. When the outputs differ only
//!   there (line numbers, messages and the quoted code itself still equal),
//!   the program passes.
//!
//! `GENE_TEST_FILTER=substring` runs a subset.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use gene_vm::analysis::format::format;
use gene_vm::syntax::{parse, Node, NodeKind, Prop};

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create scratch dir");
    for e in std::fs::read_dir(from).expect("read dir").flatten() {
        let p = e.path();
        let target = to.join(e.file_name());
        if p.is_dir() {
            copy_tree(&p, &target);
        } else {
            std::fs::copy(&p, &target).expect("copy file");
        }
    }
}

struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `# Args:` (interpreter options) and `# ProgramArgs:` lines.
fn run_args(text: &str) -> (Vec<String>, Vec<String>) {
    let (mut args, mut program_args) = (Vec::new(), Vec::new());
    for line in text.lines() {
        let l = line.trim_start();
        if let Some(rest) = l.strip_prefix("# Args:") {
            args.extend(rest.split_whitespace().map(str::to_string));
        } else if let Some(rest) = l.strip_prefix("# ProgramArgs:") {
            program_args.extend(rest.split_whitespace().map(str::to_string));
        }
    }
    (args, program_args)
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(bin: &str, path: &Path, text: &str, outputs: &Path) -> Result<Output, String> {
    let (args, program_args) = run_args(text);
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or_default();
    let out_path = outputs.with_extension("out");
    let err_path = outputs.with_extension("err");
    let stdout = std::fs::File::create(&out_path).map_err(|e| e.to_string())?;
    let stderr = std::fs::File::create(&err_path).map_err(|e| e.to_string())?;
    let mut child = Command::new(bin)
        .arg("run")
        .args(&args)
        .arg(name)
        .args(&program_args)
        .current_dir(dir)
        .env_remove("GENE_POLL_INTERVAL")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("cannot start gene: {e}"))?;
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break s;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            return Err("timed out after 60 s".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let read = |p: &Path| {
        std::fs::read(p)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    };
    Ok(Output {
        code: status.code().unwrap_or(-1),
        stdout: read(&out_path),
        stderr: read(&err_path),
    })
}

fn mask_digits(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_digits = false;
    for c in s.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('N');
            }
            in_digits = true;
        } else {
            in_digits = false;
            out.push(c);
        }
    }
    out
}

/// Drops what re-indentation legitimately moves: the column of
/// `file.gene:LINE:COL` locations, and the indentation of quoted source lines
/// (`12 |   code`) and caret lines (`   |      ^^^`).
fn mask_columns(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for line in s.lines() {
        let mut l = line.to_string();
        // `name.gene:12:34` -> `name.gene:12:_`
        let mut masked = String::new();
        let mut rest = l.as_str();
        while let Some(i) = rest.find(".gene:") {
            let (head, tail) = rest.split_at(i + ".gene:".len());
            masked.push_str(head);
            let line_digits = tail.bytes().take_while(u8::is_ascii_digit).count();
            let after = &tail[line_digits..];
            if line_digits > 0 && after.starts_with(':') {
                let col_digits = after[1..].bytes().take_while(u8::is_ascii_digit).count();
                masked.push_str(&tail[..line_digits]);
                masked.push_str(":_");
                rest = &after[1 + col_digits..];
            } else {
                rest = tail;
            }
        }
        masked.push_str(rest);
        l = masked;
        // Snippet lines: `NN | text` or `   | ^^^`.
        if let Some(bar) = l.find(" | ") {
            let gutter = &l[..bar];
            if gutter.trim().is_empty() || gutter.trim().bytes().all(|b| b.is_ascii_digit()) {
                let text = l[bar + 3..].trim_start().to_string();
                l = format!("{gutter} | {text}");
            }
        }
        out.push_str(&l);
        out.push('\n');
    }
    out
}

fn same_node(a: &Node, b: &Node) -> bool {
    match (&a.kind, &b.kind) {
        (NodeKind::Array(x), NodeKind::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_node(p, q))
        }
        (NodeKind::Map(x), NodeKind::Map(y)) => same_props(x, y),
        (
            NodeKind::Gene {
                head: h1,
                props: p1,
                children: c1,
            },
            NodeKind::Gene {
                head: h2,
                props: p2,
                children: c2,
            },
        ) => {
            let heads = match (h1, h2) {
                (Some(x), Some(y)) => same_node(x, y),
                (None, None) => true,
                _ => false,
            };
            heads
                && same_props(p1, p2)
                && c1.len() == c2.len()
                && c1.iter().zip(c2).all(|(p, q)| same_node(p, q))
        }
        (NodeKind::Quote(x), NodeKind::Quote(y)) | (NodeKind::Sealed(x), NodeKind::Sealed(y)) => {
            same_node(x, y)
        }
        (NodeKind::Float(x), NodeKind::Float(y)) => x.to_bits() == y.to_bits(),
        (x, y) => x == y,
    }
}

fn same_props(a: &[Prop], b: &[Prop]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(p, q)| p.key == q.key && same_node(&p.value, &q.value))
}

/// Same tree (spans aside) and same comments.
fn same_tree(a: &str, b: &str) -> bool {
    let (x, y) = (parse(a), parse(b));
    let comments = |src: &str, r: &gene_vm::syntax::ParseResult| -> Vec<String> {
        r.comments
            .iter()
            .map(|c| src[c.span.start as usize..c.span.end as usize].to_string())
            .collect()
    };
    comments(a, &x) == comments(b, &y)
        && x.errors.is_empty()
        && y.errors.is_empty()
        && x.forms.len() == y.forms.len()
        && x.forms.iter().zip(&y.forms).all(|(p, q)| same_node(p, q))
}

/// Does a line (without its indentation) keep its indentation under the
/// style: a comment line, or one starting with a kept word?
fn kept_line(trimmed: &str) -> bool {
    let b = trimmed.as_bytes();
    (b.first() == Some(&b'#')
        && matches!(
            b.get(1),
            None | Some(b' ' | b'!' | b'#' | b'<' | b'\r' | b'\n')
        ))
        || ["else", "elif", "then", "when", "catch", "finally"]
            .iter()
            .any(|w| {
                trimmed.strip_prefix(w).is_some_and(|r| {
                    r.is_empty()
                        || r.starts_with([' ', '\t', '\r', '\n', ')', ']', '}', '(', '[', '{', '"'])
                })
            })
}

/// The program with the indentation of every line removed (except comment
/// and kept-word lines, and lines where removing it would change what the
/// reader reads: inside multi-line strings and block comments).
fn strip_indentation(text: &str) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    for (i, l) in lines.iter().enumerate() {
        let trimmed = l.trim_start_matches([' ', '\t']);
        if trimmed.len() == l.len() || kept_line(trimmed) {
            continue;
        }
        out[i] = trimmed.to_string();
        if !same_tree(text, &out.concat()) {
            out[i] = l.to_string();
        }
    }
    out.concat()
}

#[derive(Default)]
struct Tally {
    checked: usize,
    changed: usize,
    refused: usize,
    nondeterministic: usize,
    columns: usize,
    /// Re-indented from scratch (indentation stripped, then formatted).
    restored: usize,
}

fn check_one(
    bin: &str,
    src: &Path,
    copy: &Path,
    work: &Path,
    tally: &Mutex<Tally>,
) -> Result<(), String> {
    let text = std::fs::read_to_string(src).map_err(|e| e.to_string())?;
    if !parse(&text).errors.is_empty() {
        return match format(&text) {
            Err(_) => {
                if let Ok(mut t) = tally.lock() {
                    t.refused += 1;
                }
                Ok(())
            }
            Ok(_) => Err("has syntax errors but was formatted".into()),
        };
    }
    let formatted = format(&text).map_err(|e| format!("refused: {e}"))?;
    let again = format(&formatted).map_err(|e| format!("formatted text refused: {e}"))?;
    if again != formatted {
        return Err("not idempotent".into());
    }
    // The same program with its indentation stripped must format back to
    // the formatted program (its indentation depends only on its structure).
    let stripped = strip_indentation(&text);
    let restored = format(&stripped).map_err(|e| format!("stripped text refused: {e}"))?;
    if restored != formatted {
        return Err(format!(
            "stripped and formatted differs from formatted:\n{restored}\n--- vs\n{formatted}"
        ));
    }
    let original = run(bin, copy, &text, work)?;
    let mut how = compare(bin, copy, work, &text, &original, &formatted)?;
    if stripped != text {
        // The stripped text runs the same too (so the check above is about
        // the same program).
        let h = compare(bin, copy, work, &text, &original, &stripped)?;
        if how == Same::Exactly {
            how = h;
        }
    }
    if let Ok(mut t) = tally.lock() {
        t.checked += 1;
        if formatted != text {
            t.changed += 1;
        }
        if stripped != text {
            t.restored += 1;
        }
        match how {
            Same::Timings => t.nondeterministic += 1,
            Same::Columns => t.columns += 1,
            Same::Exactly => {}
        }
    }
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Same {
    Exactly,
    /// Only after masking digits, the original's own output varying.
    Timings,
    /// Only after masking source columns.
    Columns,
}

/// Replaces the file at `path` in one step (a sibling file renamed over it):
/// programs of the same folder run on the other thread and may import this
/// one, and a plain write would let them read it empty or half written.
fn write_whole(path: &Path, text: &str) -> Result<(), String> {
    let mut tmp = path.as_os_str().to_os_string();
    tmp.push(".writing");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, text).map_err(|e| e.to_string())?;
    std::fs::rename(&tmp, path).map_err(|e| e.to_string())
}

/// Runs `other` in place of the program at `copy` and compares its output
/// with the original's (`original`, from `text`).
fn compare(
    bin: &str,
    copy: &Path,
    work: &Path,
    text: &str,
    original: &Output,
    other: &str,
) -> Result<Same, String> {
    write_whole(copy, other)?;
    let result = run(bin, copy, other, work);
    write_whole(copy, text)?;
    let after = result?;
    if after == *original {
        return Ok(Same::Exactly);
    }
    // Is the original's own output varying? Up to five more runs.
    let mut varies = false;
    for _ in 0..5 {
        let again = run(bin, copy, text, work)?;
        if again == after {
            return Ok(Same::Timings);
        }
        if again != *original {
            varies = true;
            break;
        }
    }
    let cols = |o: &Output| (o.code, mask_columns(&o.stdout), mask_columns(&o.stderr));
    let digits = |o: &Output| {
        (
            o.code,
            mask_digits(&mask_columns(&o.stdout)),
            mask_digits(&mask_columns(&o.stderr)),
        )
    };
    if varies && digits(&after) == digits(original) {
        return Ok(Same::Timings);
    }
    if !varies && cols(&after) == cols(original) {
        return Ok(Same::Columns);
    }
    Err(format!(
        "output changed\n--- original (exit {}):\n{}{}\n--- changed text (exit {}):\n{}{}\n--- text:\n{other}",
        original.code, original.stdout, original.stderr, after.code, after.stdout, after.stderr
    ))
}

#[test]
fn formatted_programs_behave_the_same() {
    let bin = env!("CARGO_BIN_EXE_gene");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let scratch =
        Scratch(std::env::temp_dir().join(format!("gene-format-programs-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&scratch.0);
    let mut files = Vec::new();
    for folder in ["tests/gene", "examples"] {
        copy_tree(&repo.join(folder), &scratch.0.join(folder));
        files.extend(common::gene_programs(&repo.join(folder)));
    }
    files.sort();
    if let Ok(f) = std::env::var("GENE_TEST_FILTER") {
        files.retain(|p| p.to_string_lossy().contains(&f));
    }
    assert!(!files.is_empty(), "no programs found");
    let outputs = scratch.0.join("outputs");
    std::fs::create_dir_all(&outputs).expect("outputs dir");
    let queue = Mutex::new(files.iter().enumerate().collect::<Vec<_>>());
    let failures = Mutex::new(Vec::new());
    let tally = Mutex::new(Tally::default());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let next = queue.lock().map(|mut q| q.pop()).unwrap_or(None);
                let Some((i, p)) = next else { break };
                let rel = p.strip_prefix(&repo).unwrap_or(p);
                let copy = scratch.0.join(rel);
                let work = outputs.join(i.to_string());
                if let Err(e) = check_one(bin, p, &copy, &work, &tally) {
                    if let Ok(mut f) = failures.lock() {
                        f.push(format!("--- {}\n{e}", rel.display()));
                    }
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap_or_default();
    failures.sort();
    let t = tally.into_inner().unwrap_or_default();
    assert!(
        failures.is_empty(),
        "{} of {} programs failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    eprintln!(
        "{} programs: {} formatted and run ({} changed by formatting, {} re-indented from \
         scratch; same output: {} exactly, {} after masking timings, {} after masking columns), \
         {} refused (syntax errors)",
        files.len(),
        t.checked,
        t.changed,
        t.restored,
        t.checked - t.nondeterministic - t.columns,
        t.nondeterministic,
        t.columns,
        t.refused
    );
    assert_eq!(t.checked + t.refused, files.len());
}
