fn main() {
    for f in std::env::args().skip(1) {
        let d = std::fs::read(&f).unwrap();
        println!("=== {f}\n{}", gene_vm::fuzzing::generate(&d));
    }
}
