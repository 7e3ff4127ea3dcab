//! Unit tests for tricky method cases, run through the whole pipeline.

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

use crate::driver::run_program;
use crate::vm::{Config, Vm};

#[derive(Clone, Default)]
struct SharedBuf(Rc<RefCell<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `src` and returns its standard output (errors render as `ERR: ...`).
fn run(src: &str) -> String {
    let buf = SharedBuf::default();
    let mut vm = Vm::new(Config::default());
    vm.out = Box::new(buf.clone());
    let r = run_program(&mut vm, "test.gene", src);
    vm.flush();
    let mut out = String::from_utf8_lossy(&buf.0.borrow()).into_owned();
    if let Err(e) = r {
        out.push_str("ERR: ");
        out.push_str(&e.render(&vm));
    }
    out
}

#[test]
fn callback_may_mutate_the_array() {
    let out = run("(var xs [1 2])\n(xs .each (fn [x] (xs .add x)))\n(println xs)");
    assert_eq!(out, "[1 2 1 2]\n");
}

#[test]
fn sort_comparators() {
    let out = run(concat!(
        "(println ([3 1 2] .sort (fn [a b] (a > b))) ([1 1 1] .sort (fn [a b] true)))\n",
        "(println ([\"b\" nil \"a\"] .sort))\n",
        "(try ([2 1] .sort (fn [a b] \"x\")) catch * (println \"bad comparator\"))\n",
        "(try ([2 1] .sort (fn [a b] (throw \"boom\"))) catch * (println $ex/message))",
    ));
    assert_eq!(out, "[3 2 1] [1 1 1]\n[nil a b]\nbad comparator\nboom\n");
}

#[test]
fn self_append_and_self_merge() {
    let out = run("(var s \"ab\")\n(s .append s)\n(var m {^a 1})\n(m .merge m)\n(println s m)");
    assert_eq!(out, "abab {^a 1}\n");
}

#[test]
fn string_edges() {
    let out = run(concat!(
        "(println (\"\" .substr 0) (\"abc\" .substr 5) (\"abc\" .split \"\") (\"a,b,c\" .split \",\" 0))\n",
        "(println (\"héllo\" .index \"l\") (\"héllo\" .rindex \"l\") (\"abc\" .char_at -1) (\"hello\" .capitalize))\n",
        "(println (\" 42 \" .to_i) (\"2.5\" .to_f) (\"7\" .to_f))\n",
        "(try (\"4x\" .to_i) catch * (println \"bad int\"))",
    ));
    assert_eq!(out, "  [a b c] [a b c]\n2 3 c Hello\n42 2.5 7.0\nbad int\n");
}

#[test]
fn iterators_and_ranges() {
    let out = run(concat!(
        "(var it ({^a 1 ^b 2} .iter))\n",
        "(println (it .has_next) (it .next_pair) (it .next) (it .has_next) (it .next))\n",
        "(var r (range 10 0 -3))\n",
        "(println (r .size) (r .to_a) (r .start) (r .end) (r .step) ((1 .. 0) .size))\n",
        "(var ai ([7] .iter))\n",
        "(println ((ai .iter) .next_pair) (ai .next_pair))",
    ));
    assert_eq!(
        out,
        "true [a 1] 2 false not_found\n4 [10 7 4 1] 10 0 -3 0\n[0 7] not_found\n"
    );
}

#[test]
fn numbers() {
    let out = run("(println (-3 .abs) (2.5 .to_i) (-2.5 .to_i) (3 .to_f) (1.5 .to_s) ('c' .to_s))");
    assert_eq!(out, "3 2 -2 3.0 1.5 c\n");
}
