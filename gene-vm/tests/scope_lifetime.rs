//! A future's callbacks keep the heap scopes they captured alive until they have
//! run, and release them afterwards (reference counting, no leaks).

use std::rc::{Rc, Weak};

use gene_vm::driver::run_program;
use gene_vm::runtime::futures::FutState;
use gene_vm::vm::value::{Scope, Value};
use gene_vm::{Config, Vm};

const PROGRAM: &str = r#"
(fn later [x]
  (var f (new gene/Future))
  (f .on_success (fn [v] (println "callback sees" x v)))
  f)
(var fut (later 42))
"#;

/// The same, with the future kept reachable after the program ends (by a namespace member).
const KEPT: &str = r#"
(fn later [x]
  (var f (new gene/Future))
  (f .on_success (fn [v] (println "callback sees" x v)))
  f)
(var fut (later 42))
(fn keep [] fut)
"#;

fn captured_scope(vm: &mut Vm) -> (Rc<gene_vm::runtime::futures::FutureObj>, Weak<Scope>) {
    let futures = vm.asyncs.live_futures();
    let f = futures
        .into_iter()
        .find(|f| f.label == "new gene/Future" && f.is_pending())
        .expect("the pending future is alive");
    let cb = f.callbacks.borrow()[0].1.clone();
    let Value::Function(closure) = cb else {
        panic!("callback is a Gene function");
    };
    let env = closure.env.clone().expect("the callback captured `x`");
    (f, Rc::downgrade(&env))
}

#[test]
fn callback_keeps_the_function_scope_until_it_runs_then_releases_it() {
    let mut vm = Vm::new(Config::default());
    vm.out = Box::new(std::io::sink());
    assert!(run_program(&mut vm, "lifetime.gene", KEPT).is_ok());

    // `later` has returned, yet its scope (holding `x`) is alive: the callback holds it.
    let (f, scope) = captured_scope(&mut vm);
    let alive = scope
        .upgrade()
        .expect("scope alive while the callback is pending");
    assert!(matches!(alive.vars.borrow()[0], Value::Int(42)));
    assert!(
        Rc::strong_count(&alive) >= 2,
        "held by the callback and by this test"
    );
    drop(alive);

    // Resolving runs the callback once; afterwards nothing references the scope.
    assert!(vm
        .resolve_future(&f, FutState::Success(Value::Int(1)))
        .is_ok());
    assert!(f.callbacks.borrow().is_empty());
    assert!(
        scope.upgrade().is_none(),
        "scope released after its callback ran"
    );
}

#[test]
fn abandoned_future_and_its_callback_scope_are_freed() {
    let mut vm = Vm::new(Config::default());
    vm.out = Box::new(std::io::sink());
    assert!(run_program(&mut vm, "abandoned.gene", PROGRAM).is_ok());
    // Nothing references the pending future once the program's variables are gone:
    // it was dropped (with its callback and the scope it captured).
    assert!(vm.asyncs.live_futures().is_empty());
    assert_eq!(vm.asyncs.pending_now(), 0);
}
