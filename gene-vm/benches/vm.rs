//! Interpreter micro-benchmarks (the cross-language comparison is bench/compare.sh).

use criterion::{criterion_group, criterion_main, Criterion};
use gene_vm::driver::run_program;
use gene_vm::{Config, Vm};

fn run(src: &str, poll_interval: u32) {
    let mut vm = Vm::new(Config {
        poll_interval,
        ..Config::default()
    });
    vm.out = Box::new(std::io::sink());
    if run_program(&mut vm, "bench.gene", src).is_err() {
        panic!("benchmark program failed");
    }
}

const FIB: &str = "(fn fib [n] (if (n < 2) n else ((fib (n - 1)) + (fib (n - 2))))) (fib 20)";
const LOOP: &str = "(var i 0) (while (i < 300000) (i += 1))";
const CLOSURES: &str = "(var xs []) (repeat 20000 (xs .add 1)) (xs .map (fn [x] (x * 2)))";

fn benches(c: &mut Criterion) {
    c.bench_function("fib 20", |b| b.iter(|| run(FIB, 100)));
    c.bench_function("fib 20 (no polling)", |b| b.iter(|| run(FIB, 0)));
    c.bench_function("loop 300k", |b| b.iter(|| run(LOOP, 100)));
    c.bench_function("loop 300k (no polling)", |b| b.iter(|| run(LOOP, 0)));
    c.bench_function("map 20k closures", |b| b.iter(|| run(CLOSURES, 100)));
}

criterion_group!(benches_group, benches);
criterion_main!(benches_group);
