//! Each `Vm` has its own working directory and environment: two VMs in one thread
//! see only their own files and variables, and the process's are never touched.

use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{SystemTime, UNIX_EPOCH};

use gene_vm::driver::run_program;
use gene_vm::vm::{Config, Vm};

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

/// A temporary directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let p = std::env::temp_dir().join(format!(
            "gene_test_vm_env_{tag}_{}_{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const VAR: &str = "GENE_TEST_VM_ENV_X";

/// Writes and reads relative files (sync and async) and uses the environment natives.
const PROGRAM: &str = r#"
(file_write "sync.txt" (get_env "GENE_TEST_VM_ENV_X"))
(println "sync" (file_read "sync.txt"))
(await (file_write_async "async.txt" ((get_env "GENE_TEST_VM_ENV_X") ++ "-async")))
(println "async" (await (file_read_async "async.txt")))
(println "exists" (File/exists "sync.txt") (await (file_exists_async "async.txt")))
(println "cwd" (cwd))
(println "get" (get_env "GENE_TEST_VM_ENV_X"))
(set_env "GENE_TEST_VM_ENV_X" ((get_env "GENE_TEST_VM_ENV_X") ++ "-set"))
(println "after" (get_env "GENE_TEST_VM_ENV_X"))
(println "snapshot" $env/GENE_TEST_VM_ENV_X)
(println "only_a" (has_env "GENE_TEST_VM_ENV_ONLY_A"))
(println "removed" (has_env "GENE_TEST_VM_ENV_REMOVED"))
(try (file_read "missing.txt") catch IOError (println "error" $ex/message))
(try (await (file_read_async "missing.txt")) catch IOError (println "async_error" $ex/message))
"#;

fn vm_in(dir: &Path, vars: Vec<(String, Option<String>)>) -> (Vm, SharedBuf) {
    let buf = SharedBuf::default();
    let mut vm = Vm::new(Config::default());
    vm.out = Box::new(buf.clone());
    vm.set_cwd(dir);
    vm.set_env_vars(vars);
    (vm, buf)
}

fn run(vm: &mut Vm, buf: &SharedBuf) -> String {
    let r = run_program(vm, "vm_env.gene", PROGRAM);
    vm.flush();
    if let Err(e) = &r {
        panic!("program failed: {}", e.render(vm));
    }
    let out = String::from_utf8_lossy(&buf.0.borrow()).into_owned();
    out
}

fn some(k: &str, v: &str) -> (String, Option<String>) {
    (k.to_string(), Some(v.to_string()))
}

#[test]
fn two_vms_have_their_own_cwd_and_env() {
    let process_cwd = std::env::current_dir().unwrap();
    assert!(std::env::var_os(VAR).is_none());
    let dir_a = TempDir::new("a");
    let dir_b = TempDir::new("b");

    let (mut a, buf_a) = vm_in(
        &dir_a.0,
        vec![
            some(VAR, "alpha"),
            some("GENE_TEST_VM_ENV_ONLY_A", "1"),
            some("GENE_TEST_VM_ENV_REMOVED", "x"),
        ],
    );
    let (mut b, buf_b) = vm_in(
        &dir_b.0,
        vec![
            some(VAR, "beta"),
            some("GENE_TEST_VM_ENV_REMOVED", "x"),
            ("GENE_TEST_VM_ENV_REMOVED".to_string(), None),
        ],
    );
    assert_eq!(a.resolve_path("f.txt"), dir_a.0.join("f.txt"));
    assert_eq!(a.resolve_path("/abs/f.txt"), PathBuf::from("/abs/f.txt"));

    let out_a = run(&mut a, &buf_a);
    let out_b = run(&mut b, &buf_b);

    let expected = |dir: &Path, x: &str, only_a: bool, removed: bool| {
        format!(
            "sync {x}\n\
             async {x}-async\n\
             exists true true\n\
             cwd {}\n\
             get {x}\n\
             after {x}-set\n\
             snapshot {x}\n\
             only_a {only_a}\n\
             removed {removed}\n\
             error Failed to read file 'missing.txt': No such file or directory (os error 2)\n\
             async_error Failed to read file 'missing.txt': No such file or directory (os error 2)\n",
            dir.display()
        )
    };
    assert_eq!(out_a, expected(&dir_a.0, "alpha", true, true));
    assert_eq!(out_b, expected(&dir_b.0, "beta", false, false));

    // The files landed in each VM's own directory.
    let read = |p: PathBuf| std::fs::read_to_string(p).unwrap();
    assert_eq!(read(dir_a.0.join("sync.txt")), "alpha");
    assert_eq!(read(dir_a.0.join("async.txt")), "alpha-async");
    assert_eq!(read(dir_b.0.join("sync.txt")), "beta");
    assert_eq!(read(dir_b.0.join("async.txt")), "beta-async");
    assert!(!process_cwd.join("sync.txt").exists());
    assert!(!process_cwd.join("async.txt").exists());

    // Each VM kept its own variables; the process saw nothing.
    assert_eq!(a.env.get(VAR).map(String::as_str), Some("alpha-set"));
    assert_eq!(b.env.get(VAR).map(String::as_str), Some("beta-set"));
    assert!(!b.env.contains_key("GENE_TEST_VM_ENV_ONLY_A"));
    assert_eq!(std::env::current_dir().unwrap(), process_cwd);
    assert!(std::env::var(VAR).is_err());
}

#[test]
fn defaults_come_from_the_process() {
    let vm = Vm::new(Config::default());
    assert_eq!(vm.cwd, std::env::current_dir().unwrap());
    if let Ok(path) = std::env::var("PATH") {
        assert_eq!(vm.env.get("PATH"), Some(&path));
    }
}
