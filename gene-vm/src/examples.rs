//! `gene run-examples FILE` (later 6.2): loads the file, then calls every
//! function that has `^examples` with each example's arguments and compares.

use crate::vm::print;
use crate::vm::value::{values_equal, Value};
use crate::vm::Vm;

/// One `[ARGS] -> EXPECTED` / `[ARGS] throws CLASS` triple.
enum Expect {
    Value(Value),
    Any,
    Throws(String),
}

/// Writes a line through the VM's output, after what the program printed.
macro_rules! line {
    ($vm:expr, $($t:tt)*) => {{
        let text = format!($($t)*);
        $vm.write_out(&text);
        $vm.write_out("\n");
    }};
}

/// Runs the examples; returns the process exit status.
pub fn run_examples(vm: &mut Vm, name: &str, text: &str) -> i32 {
    let proto = match vm.compile(name, text, &Default::default()) {
        Ok(p) => p,
        Err((f, errors)) => {
            eprint!("{}", crate::driver::render_syntax_errors(vm, f, &errors));
            return 1;
        }
    };
    let ns = vm.module_ns(name);
    vm.enter_main_module(name);
    if let Err(t) = vm.run_proto(proto, ns.clone(), None) {
        eprint!("{}", vm.render_error(&t));
        return 1;
    }
    let fns: Vec<(String, Value, Value)> = ns
        .members
        .borrow()
        .iter()
        .filter_map(|(k, v)| match v {
            Value::Function(c) => c
                .proto
                .examples
                .clone()
                .map(|e| (k.as_str().to_string(), v.clone(), e)),
            _ => None,
        })
        .collect();
    if fns.is_empty() {
        line!(vm, "No examples found in {name}");
        vm.flush();
        return 0;
    }
    let (mut run, mut passed) = (0, 0);
    for (fname, f, examples) in &fns {
        let Value::Array(items) = examples else {
            continue;
        };
        let items = items.borrow().clone();
        for (k, triple) in items.chunks(3).enumerate() {
            let [args, marker, expected] = triple else {
                continue;
            };
            run += 1;
            let source = format!(
                "{} {} {}",
                print::quoted(args),
                print::plain(marker),
                print::quoted(expected)
            );
            let expect = match (print::plain(marker).as_str(), expected) {
                ("->", Value::Symbol(s)) if s.as_str() == "_" => Expect::Any,
                ("->", v) => Expect::Value(v.clone()),
                (_, v) => Expect::Throws(print::plain(v)),
            };
            let call_args = match args {
                Value::Array(a) => a.borrow().clone(),
                other => vec![other.clone()],
            };
            let got = vm.call_value(f, call_args);
            let (ok, actual) = match (&got, &expect) {
                (Ok(v), Expect::Value(e)) => (values_equal(v, e), print::quoted(v)),
                (Ok(v), Expect::Any) => (true, print::quoted(v)),
                (Ok(v), Expect::Throws(_)) => (false, print::quoted(v)),
                (Err(t), Expect::Throws(class)) => {
                    let Value::Instance(i) = &t.value else {
                        continue;
                    };
                    let thrown = i.class.clone();
                    let mut cur = Some(thrown.clone());
                    let mut hit = false;
                    while let Some(c) = cur {
                        hit |= c.name == *class;
                        cur = c.parent.clone();
                    }
                    (hit, format!("throws {}", thrown.name))
                }
                (Err(t), _) => (
                    false,
                    format!(
                        "throws {}",
                        print::exception_message(&t.value).unwrap_or_default()
                    ),
                ),
            };
            let k = k + 1;
            if ok {
                passed += 1;
                line!(vm, "PASS {fname} example {k}: {source}");
            } else {
                line!(vm, "FAIL {fname} example {k}: {source}");
                let expected_text = match &expect {
                    Expect::Value(v) => print::quoted(v),
                    Expect::Any => "_".into(),
                    Expect::Throws(c) => format!("throws {c}"),
                };
                line!(vm, "  expected: {expected_text}");
                line!(vm, "  actual: {actual}");
                line!(vm, "  location: {name}");
            }
        }
    }
    let failed = run - passed;
    line!(
        vm,
        "Examples run: {run}, passed: {passed}, failed: {failed}, functions: {}",
        fns.len()
    );
    vm.flush();
    i32::from(failed > 0)
}
