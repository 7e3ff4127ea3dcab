//! The analyses of the program's files: an open document's current text first,
//! else the file on disk. Each is analysed once per document version or file
//! modification, on the analysis thread (`host.rs`), and shared by every request,
//! diagnostics and the index: the document being edited and the modules it imports.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::SystemTime;

use gene_vm::analysis::imports::ModuleSource;
use gene_vm::analysis::model::Analysis;
use tower_lsp_server::ls_types::Uri;

/// The stamp (`Document::stamp`) and text of the open document at a path, if any.
pub type OpenText<'a> = dyn Fn(&Path) -> Option<(u64, String)> + 'a;

/// When a file on disk was analysed: its modification time and length.
#[derive(Clone, PartialEq, Eq)]
struct Stamp(Option<SystemTime>, u64);

/// Modules kept per thread; more than this and the cache starts over.
const CACHE_LIMIT: usize = 128;

/// Open documents kept analysed (the latest text of each).
const OPEN_LIMIT: usize = 16;

thread_local! {
    static CACHE: RefCell<HashMap<PathBuf, (Stamp, Rc<Analysis>)>> = RefCell::new(HashMap::new());
    /// Open documents by URI and stamp, most recently used first.
    static OPEN: RefCell<Vec<(Uri, u64, Rc<Analysis>)>> = const { RefCell::new(Vec::new()) };
    /// Analyses replaced by newer ones: freeing a large tree takes a while, so it
    /// waits until the request that replaced it has been answered (`drop_retired`).
    static RETIRED: RefCell<Vec<Rc<Analysis>>> = const { RefCell::new(Vec::new()) };
}

/// Frees the analyses that newer texts replaced (called between jobs).
pub fn drop_retired() {
    let old = RETIRED.with(|r| std::mem::take(&mut *r.borrow_mut()));
    drop(old);
}

fn retire(a: Rc<Analysis>) {
    RETIRED.with(|r| r.borrow_mut().push(a));
}

/// The analysis of an open document's text of this stamp (`text` is asked for on a miss).
pub fn open_analysis(uri: &Uri, stamp: u64, text: impl FnOnce() -> String) -> Rc<Analysis> {
    OPEN.with(|o| {
        let mut o = o.borrow_mut();
        let a = match o.iter().position(|(u, _, _)| u == uri) {
            Some(i) if o[i].1 == stamp => o.remove(i).2,
            Some(i) => {
                retire(o.remove(i).2);
                Rc::new(Analysis::new(&text()))
            }
            None => Rc::new(Analysis::new(&text())),
        };
        o.insert(0, (uri.clone(), stamp, a.clone()));
        while o.len() > OPEN_LIMIT {
            if let Some((_, _, old)) = o.pop() {
                retire(old);
            }
        }
        a
    })
}

pub struct Modules<'a> {
    pub open: &'a OpenText<'a>,
}

impl Modules<'_> {
    fn cached(path: &Path, stamp: &Stamp) -> Option<Rc<Analysis>> {
        CACHE.with(|c| {
            c.borrow()
                .get(path)
                .filter(|(s, _)| s == stamp)
                .map(|(_, a)| a.clone())
        })
    }

    fn store(path: &Path, stamp: Stamp, a: Rc<Analysis>) {
        CACHE.with(|c| {
            let mut c = c.borrow_mut();
            if c.len() >= CACHE_LIMIT {
                c.clear();
            }
            c.insert(path.to_path_buf(), (stamp, a));
        });
    }
}

impl ModuleSource for Modules<'_> {
    fn module(&self, path: &Path) -> Option<Rc<Analysis>> {
        if let Some((stamp, text)) = (self.open)(path) {
            let uri = Uri::from_file_path(path)?;
            return Some(open_analysis(&uri, stamp, || text));
        }
        let meta = std::fs::metadata(path).ok()?;
        let stamp = Stamp(meta.modified().ok(), meta.len());
        if let Some(a) = Self::cached(path, &stamp) {
            return Some(a);
        }
        let text = std::fs::read_to_string(path).ok()?;
        let a = Rc::new(Analysis::new(&text));
        Self::store(path, stamp, a.clone());
        Some(a)
    }

    fn workspace_path(&self) -> Option<String> {
        std::env::var("GENE_WORKSPACE_PATH").ok()
    }

    fn package_path(&self) -> Option<String> {
        std::env::var("GENE_PACKAGE_PATH").ok()
    }
}
