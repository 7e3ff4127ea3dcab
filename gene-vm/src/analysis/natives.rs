//! The natives table read as data (names, parameters, docs, deprecation,
//! returns-a-future), plus the built-in classes and namespaces, for name
//! resolution, arity checks and hover. No native is ever called from here.

use std::collections::HashMap;
use std::sync::OnceLock;

/// One native function, as data.
#[derive(Clone, Debug)]
pub struct NativeInfo {
    pub path: &'static str,
    pub aliases: &'static [&'static str],
    pub params: &'static str,
    pub doc: &'static str,
    pub deprecated: Option<&'static str>,
    pub returns_future: bool,
}

/// One native method, as data.
#[derive(Clone, Debug)]
pub struct MethodInfo {
    pub class: &'static str,
    pub names: &'static [&'static str],
    pub params: &'static str,
    pub doc: &'static str,
}

/// Classes every program sees (the VM's built-in and exception classes).
pub const BUILTIN_CLASSES: &[&str] = &[
    "Object",
    "Int",
    "Float",
    "String",
    "Bool",
    "Nil",
    "Void",
    "Char",
    "Symbol",
    "Array",
    "Map",
    "Gene",
    "Range",
    "Function",
    "Class",
    "Namespace",
    "Generator",
    "Path",
    "Exception",
    "RuntimeException",
    "TypeException",
    "ArgumentException",
    "IOError",
    "ParseException",
    "AssertionException",
    "ConcurrencyException",
    "TimeoutException",
    "CancellationException",
    "ThreadException",
    "NetworkException",
    "ProviderException",
    "File",
    "Regexp",
    "HashMap",
    "HashSet",
];

/// The built-in enums and their members (later 4.4): globals that are not classes.
pub const BUILTIN_VALUES: &[&str] = &["Result", "Option", "Ok", "Err", "Some", "None"];

/// Short namespace names bound to `gene/...` namespaces.
const SHORT_NAMESPACES: &[(&str, &str)] = &[("io", "gene/io"), ("time", "gene/time")];

struct Table {
    natives: Vec<NativeInfo>,
    by_name: HashMap<&'static str, usize>,
    methods: Vec<MethodInfo>,
    namespaces: Vec<String>,
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let natives: Vec<NativeInfo> = crate::stdlib::native_table()
            .iter()
            .map(|n| NativeInfo {
                path: n.path,
                aliases: n.aliases,
                params: n.params,
                doc: n.doc,
                deprecated: n.deprecated,
                returns_future: n.returns_future,
            })
            .collect();
        let mut by_name = HashMap::new();
        let mut namespaces: Vec<String> = vec!["gene".into(), "io".into(), "time".into()];
        for (i, n) in natives.iter().enumerate() {
            for name in std::iter::once(&n.path).chain(n.aliases.iter()) {
                by_name.entry(*name).or_insert(i);
                if name.len() > 1 {
                    let parts: Vec<&str> = name.split('/').collect();
                    for k in 1..parts.len() {
                        let ns = parts[..k].join("/");
                        if !ns.is_empty() && !namespaces.contains(&ns) {
                            namespaces.push(ns);
                        }
                    }
                }
            }
        }
        let methods = crate::stdlib::method_table()
            .iter()
            .map(|m| MethodInfo {
                class: m.class,
                names: m.names,
                params: m.params,
                doc: m.doc,
            })
            .collect();
        Table {
            natives,
            by_name,
            methods,
            namespaces,
        }
    })
}

/// Every native function.
pub fn natives() -> &'static [NativeInfo] {
    &table().natives
}

/// The native a global name or path names (`file_read`, `gene/io/read`,
/// `io/read_async`).
pub fn lookup(name: &str) -> Option<&'static NativeInfo> {
    let t = table();
    if let Some(i) = t.by_name.get(name) {
        return t.natives.get(*i);
    }
    for (short, full) in SHORT_NAMESPACES {
        if let Some(rest) = name.strip_prefix(short).and_then(|r| r.strip_prefix('/')) {
            let long = format!("{full}/{rest}");
            if let Some(i) = t.by_name.get(long.as_str()) {
                return t.natives.get(*i);
            }
        }
    }
    None
}

/// A namespace of natives (`gene`, `gene/io`, `io`, `math`, `system`).
pub fn is_namespace(path: &str) -> bool {
    table().namespaces.iter().any(|n| n == path)
}

pub fn is_builtin_class(name: &str) -> bool {
    BUILTIN_CLASSES.contains(&name) || BUILTIN_VALUES.contains(&name) || name == "gene/Future"
}

/// Every native method called `name`.
pub fn methods_named(name: &str) -> Vec<&'static MethodInfo> {
    table()
        .methods
        .iter()
        .filter(|m| m.names.contains(&name))
        .collect()
}

/// How many positional arguments a call may pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arity {
    pub min: usize,
    /// `None`: any number (a rest parameter).
    pub max: Option<usize>,
}

impl Arity {
    pub fn accepts(&self, n: usize) -> bool {
        n >= self.min && self.max.is_none_or(|m| n <= m)
    }

    pub fn describe(&self) -> String {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        match self.max {
            Some(m) if m == self.min => format!("{m} argument{}", plural(m)),
            Some(m) => format!("{} to {m} arguments", self.min),
            None => format!("at least {} argument{}", self.min, plural(self.min)),
        }
    }
}

/// The positional arity of a native's parameter string: `path content`,
/// `[code]` (optional), `x y...` (rest), `^timeout` (keyword, not positional).
pub fn native_arity(params: &str) -> Arity {
    let mut min = 0;
    let mut max = Some(0usize);
    for p in params.split_whitespace() {
        if p.starts_with('^') {
            continue;
        }
        if p.ends_with("...") || p.ends_with("...]") {
            max = None;
            continue;
        }
        if p.starts_with('[') {
            max = max.map(|m| m + 1);
            continue;
        }
        min += 1;
        max = max.map(|m| m + 1);
    }
    Arity { min, max }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arity_of_param_strings() {
        assert_eq!(
            native_arity(""),
            Arity {
                min: 0,
                max: Some(0)
            }
        );
        assert_eq!(
            native_arity("path content"),
            Arity {
                min: 2,
                max: Some(2)
            }
        );
        assert_eq!(
            native_arity("name [default]"),
            Arity {
                min: 1,
                max: Some(2)
            }
        );
        assert_eq!(native_arity("x y..."), Arity { min: 1, max: None });
        assert_eq!(
            native_arity("url ^timeout ^retries"),
            Arity {
                min: 1,
                max: Some(1)
            }
        );
    }

    #[test]
    fn table_lookups() {
        assert!(lookup("file_read").is_some_and(|n| n.deprecated.is_some()));
        assert!(lookup("io/read_async").is_some_and(|n| n.returns_future));
        assert!(lookup("gene/all").is_some_and(|n| n.returns_future));
        assert!(lookup("println").is_some_and(|n| !n.returns_future));
        assert!(is_namespace("gene") && is_namespace("gene/io") && is_namespace("math"));
        assert!(!methods_named("on_success").is_empty());
    }
}
