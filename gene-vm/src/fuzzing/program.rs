//! `run`: a structured Gene program built from the fuzzer's bytes (a small grammar
//! of forms: literals at the edges of their ranges, variables, arithmetic, methods
//! and natives of the tables, functions, closures, loops, `try`, classes,
//! generators, `async`/`await`), run with an instruction budget and small memory
//! limits so every input ends quickly. Errors are fine; a panic (also an arithmetic
//! overflow in a debug build) is a bug.

use arbitrary::{Result, Unstructured};

use crate::vm::{Config, Vm};

const VARS: &[&str] = &["a", "b", "xs", "m", "s", "f", "g", "it", "obj"];
const LOCALS: &[&str] = &["x", "y", "k"];
const FNS: &[&str] = &["h1", "h2"];
const INTS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "3",
    "7",
    "100",
    "255",
    "65536",
    "2147483647",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "-9223372036854775807",
    "1000000000",
];
const FLOATS: &[&str] = &[
    "0.0",
    "-0.0",
    "0.5",
    "1.5",
    "-2.5",
    "1e300",
    "-1e300",
    "1e-300",
    "(0.0 / 0.0)",
    "(1.0 / 0.0)",
    "(-1.0 / 0.0)",
    "9.223372036854776e18",
    "3.14",
];
const STRS: &[&str] = &[
    "\"\"",
    "\"a\"",
    "\"abc\"",
    "\"a,b,,c\"",
    "\"é😀名\"",
    "\"  pad  \"",
    "\"#{a}\"",
    "#\"x#{(a + 1)}y\"",
    "\"\\n\\t\"",
    "\"123\"",
    "\"-9223372036854775809\"",
    "\"1e5\"",
];
const BINOPS: &[&str] = &[
    "+", "-", "*", "/", "%", "**", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "++",
];
/// Natives that touch the machine, block or wait: not generated.
const DENY: &[&str] = &[
    "sleep", "file", "http", "io", "read", "write", "dir", "delete", "remove", "cwd", "shell",
    "exec", "spawn", "stdin", "input", "open", "debug", "env", "time",
];

struct Gen<'a, 'b> {
    u: &'b mut Unstructured<'a>,
    out: String,
    natives: &'b [String],
    methods: &'b [&'static str],
}

impl Gen<'_, '_> {
    fn pick(&mut self, xs: &[&str]) -> Result<()> {
        let s = *self.u.choose(xs)?;
        self.out.push_str(s);
        Ok(())
    }

    fn name(&mut self) -> Result<()> {
        if self.u.ratio(1, 3)? {
            self.pick(LOCALS)
        } else {
            self.pick(VARS)
        }
    }

    fn exprs(&mut self, d: u32, max: u32) -> Result<()> {
        let n = self.u.int_in_range(0..=max)?;
        for _ in 0..n {
            self.out.push(' ');
            self.expr(d)?;
        }
        Ok(())
    }

    fn body(&mut self, d: u32) -> Result<()> {
        let n = self.u.int_in_range(1..=3)?;
        for _ in 0..n {
            self.out.push(' ');
            self.stmt(d)?;
        }
        Ok(())
    }

    fn expr(&mut self, d: u32) -> Result<()> {
        if d == 0 || self.u.is_empty() {
            return match self.u.int_in_range(0..=3)? {
                0 => self.pick(INTS),
                1 => self.pick(FLOATS),
                2 => self.pick(STRS),
                _ => self.name(),
            };
        }
        let d = d - 1;
        match self.u.int_in_range(0..=25)? {
            0 => self.pick(INTS)?,
            1 => {
                let v: i64 = self.u.arbitrary()?;
                self.out.push_str(&v.to_string());
            }
            2 => self.pick(FLOATS)?,
            3 => self.pick(STRS)?,
            4 | 5 => self.name()?,
            6 => {
                self.out.push('[');
                self.exprs(d, 4)?;
                if self.u.ratio(1, 4)? {
                    self.out.push(' ');
                    self.name()?;
                    self.out.push_str("...");
                }
                self.out.push(']');
            }
            7 => {
                self.out.push('{');
                for _ in 0..self.u.int_in_range(0..=3)? {
                    self.out.push_str(" ^");
                    self.pick(&["k", "v", "a", "x"])?;
                    self.out.push(' ');
                    self.expr(d)?;
                }
                self.out.push('}');
            }
            8..=10 => {
                self.out.push('(');
                self.expr(d)?;
                self.out.push(' ');
                self.pick(BINOPS)?;
                self.out.push(' ');
                self.expr(d)?;
                self.out.push(')');
            }
            11..=13 => {
                self.out.push('(');
                self.expr(d)?;
                self.out.push_str(" .");
                let m = *self.u.choose(self.methods)?;
                self.out.push_str(m);
                self.exprs(d, 3)?;
                self.out.push(')');
            }
            14 | 15 => {
                self.out.push('(');
                let n = self.u.choose(self.natives)?.clone();
                self.out.push_str(&n);
                self.exprs(d, 3)?;
                self.out.push(')');
            }
            16 => {
                self.out.push_str("(fn [");
                for _ in 0..self.u.int_in_range(0..=2)? {
                    self.pick(LOCALS)?;
                    self.out.push(' ');
                }
                self.out.push(']');
                self.body(d)?;
                self.out.push(')');
            }
            17 => {
                self.out.push('(');
                self.pick(&["f", "g", "h1", "h2", "obj"])?;
                self.exprs(d, 3)?;
                self.out.push(')');
            }
            18 => {
                self.out.push_str("(if ");
                self.expr(d)?;
                self.out.push(' ');
                self.expr(d)?;
                self.out.push_str(" else ");
                self.expr(d)?;
                self.out.push(')');
            }
            19 => {
                self.out.push_str("(range");
                self.exprs(d, 3)?;
                self.out.push(')');
            }
            20 => {
                self.out.push_str("(do");
                self.body(d)?;
                self.out.push(')');
            }
            21 => {
                self.out.push_str("(quote ");
                self.expr(d)?;
                self.out.push(')');
            }
            22 => {
                self.out.push_str("(try ");
                self.expr(d)?;
                self.out.push_str(" catch * ");
                self.pick(&["$ex", "$ex/message", "nil", "a"])?;
                if self.u.ratio(1, 3)? {
                    self.out.push_str(" finally ");
                    self.stmt(d)?;
                }
                self.out.push(')');
            }
            23 => {
                self.out.push_str("(await (async ");
                self.expr(d)?;
                self.out.push_str("))");
            }
            24 => {
                self.out.push_str("(case ");
                self.expr(d)?;
                for _ in 0..self.u.int_in_range(0..=2)? {
                    self.out.push_str(" when ");
                    self.expr(d)?;
                    self.out.push(' ');
                    self.expr(d)?;
                }
                self.out.push_str(" else ");
                self.expr(d)?;
                self.out.push(')');
            }
            _ => {
                self.out.push_str("(new C ");
                self.expr(d)?;
                self.out.push(')');
            }
        }
        Ok(())
    }

    fn stmt(&mut self, d: u32) -> Result<()> {
        let d = d.saturating_sub(1);
        match self.u.int_in_range(0..=16)? {
            0 => {
                self.out.push_str("(var ");
                self.name()?;
                self.out.push(' ');
                self.expr(d)?;
                self.out.push(')');
            }
            1 | 2 => {
                self.out.push('(');
                self.name()?;
                self.out.push(' ');
                self.pick(&["=", "+=", "-=", "*="])?;
                self.out.push(' ');
                self.expr(d)?;
                self.out.push(')');
            }
            3 => {
                self.out.push_str("(for ");
                self.pick(LOCALS)?;
                if self.u.ratio(1, 3)? {
                    self.out.push(' ');
                    self.pick(LOCALS)?;
                }
                self.out.push_str(" in ");
                self.expr(d)?;
                self.body(d)?;
                self.out.push(')');
            }
            4 => {
                self.out.push_str("(while ");
                self.expr(d)?;
                self.body(d)?;
                self.out.push(')');
            }
            5 => {
                self.out.push_str("(repeat ");
                self.expr(d)?;
                self.body(d)?;
                self.out.push(')');
            }
            6 => {
                self.out.push_str("(println ");
                self.expr(d)?;
                self.out.push(')');
            }
            7 => {
                self.out.push_str("(throw ");
                self.expr(d)?;
                self.out.push(')');
            }
            8 => {
                self.out.push_str("(fn ");
                self.pick(FNS)?;
                if self.u.ratio(1, 4)? {
                    self.out.push_str(" ^^async");
                }
                self.out.push_str(" [");
                for _ in 0..self.u.int_in_range(0..=2)? {
                    self.pick(LOCALS)?;
                    self.out.push(' ');
                }
                self.out.push(']');
                self.body(d)?;
                self.out.push(')');
            }
            // Not at the top (a compile error would end the whole program).
            9 if d < 4 => self.pick(&["(break)", "(continue)", "(return a)", "(yield a)"])?,
            10 => {
                self.out.push_str("(fn gen* [] ");
                self.body(d)?;
                self.out.push_str(") (for x in (gen*) ");
                self.body(d)?;
                self.out.push(')');
            }
            11 => {
                self.out
                    .push_str("(class C (ctor [x] (/x = x)) (method call [y] ");
                self.body(d)?;
                self.out.push_str(") (method iter [] ");
                self.expr(d)?;
                self.out.push_str("))");
            }
            12 => {
                self.out.push_str("(try");
                self.body(d)?;
                self.out.push_str(" catch * ");
                self.body(d)?;
                self.out.push(')');
            }
            13 => {
                self.out.push_str("(if ");
                self.expr(d)?;
                self.body(d)?;
                self.out.push_str(" else");
                self.body(d)?;
                self.out.push(')');
            }
            _ => self.expr(d)?,
        }
        Ok(())
    }
}

fn tables() -> &'static (Vec<String>, Vec<&'static str>) {
    static T: std::sync::OnceLock<(Vec<String>, Vec<&'static str>)> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        let mut natives: Vec<String> = crate::stdlib::native_table()
            .iter()
            .map(|n| n.path.to_string())
            .filter(|n| !DENY.iter().any(|d| n.to_lowercase().contains(d)))
            .collect();
        natives.sort();
        natives.dedup();
        let mut methods: Vec<&'static str> = crate::stdlib::method_table()
            .iter()
            .flat_map(|m| m.names.iter().copied())
            .collect();
        methods.sort_unstable();
        methods.dedup();
        (natives, methods)
    })
}

/// The program the `run` target builds from `data`.
pub fn generate(data: &[u8]) -> String {
    let (natives, methods) = tables();
    let mut u = Unstructured::new(data);
    let mut g = Gen {
        u: &mut u,
        out: String::from(
            "(var a 1) (var b 2.5) (var xs [1 2 3]) (var m {^k 1}) (var s \"str\")\n\
             (var f (fn [x] x)) (var g (fn [x y] [x y])) (var it (range 0 3)) (var obj nil)\n\
             (fn h1 [x] x) (fn h2 [x y] (x + y)) (class C (ctor [x] (/x = x)))\n",
        ),
        natives,
        methods,
    };
    for _ in 0..64 {
        if g.u.is_empty() {
            break;
        }
        // Most top-level statements in a `try`, so that one error does not end the run.
        let guarded = g.u.ratio(3, 4).unwrap_or(false);
        if guarded {
            g.out.push_str("(try ");
        }
        if g.stmt(5).is_err() {
            break;
        }
        if guarded {
            g.out.push_str(" catch * nil)");
        }
        g.out.push('\n');
    }
    g.out
}

/// Small limits so that each input ends in milliseconds.
pub fn fuzz_config() -> Config {
    Config {
        poll_interval: 100,
        max_depth: 2_000,
        max_string_bytes: 1 << 20,
        max_array_len: 100_000,
        max_instructions: 200_000,
        ..Config::default()
    }
}

/// `run`: generates a program and runs it on a thread with the interpreter's big
/// stack (natives that call back into Gene recurse on it), output discarded.
pub fn run(data: &[u8]) {
    let program = generate(data);
    run_text(&program);
}

/// Runs one program text under `fuzz_config()`; panics if the VM panicked.
pub fn run_text(program: &str) {
    let program = program.to_string();
    let t = std::thread::Builder::new()
        .stack_size(1 << 30)
        .spawn(move || {
            let mut vm = Vm::new(fuzz_config());
            vm.out = Box::new(std::io::sink());
            // File natives are not generated; should one slip through, relative
            // paths resolve in a directory that does not exist.
            vm.cwd = std::path::PathBuf::from("/nonexistent/gene-fuzz");
            if let Err(e) = crate::driver::run_program(&mut vm, "fuzz.gene", &program) {
                let _ = e.render(&vm);
            }
        })
        .expect("spawn the VM thread");
    if let Err(p) = t.join() {
        std::panic::resume_unwind(p);
    }
}
