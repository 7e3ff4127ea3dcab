//! The other files of a program, for cross-file analysis (imports): an open
//! document's current text first, else the file on disk. Each module is analysed
//! once per document version or file modification, per worker thread.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::SystemTime;

use gene_vm::analysis::imports::ModuleSource;
use gene_vm::analysis::model::Analysis;

/// The text and version of an open document at a path, if one is open there.
pub type OpenText<'a> = dyn Fn(&Path) -> Option<(i32, String)> + 'a;

#[derive(Clone, PartialEq, Eq)]
enum Stamp {
    Open(i32),
    Disk(Option<SystemTime>, u64),
}

/// Modules kept per thread; more than this and the cache starts over.
const CACHE_LIMIT: usize = 128;

thread_local! {
    static CACHE: RefCell<HashMap<PathBuf, (Stamp, Rc<Analysis>)>> = RefCell::new(HashMap::new());
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
        if let Some((version, text)) = (self.open)(path) {
            let stamp = Stamp::Open(version);
            if let Some(a) = Self::cached(path, &stamp) {
                return Some(a);
            }
            let a = Rc::new(Analysis::new(&text));
            Self::store(path, stamp, a.clone());
            return Some(a);
        }
        let meta = std::fs::metadata(path).ok()?;
        let stamp = Stamp::Disk(meta.modified().ok(), meta.len());
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
