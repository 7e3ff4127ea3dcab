//! The bodies of the fuzz targets in `fuzz/` (cargo fuzz), here so that ordinary
//! `cargo test` runs them over the committed seed corpus and every crash the
//! fuzzers found (`gene-vm/tests/fuzz_corpus.rs` over `fuzz/corpus/<target>/` and
//! `fuzz/regressions/<target>/`). Each body panics exactly when the target has
//! found a bug: a panic inside the library, or a broken invariant asserted here.

mod analysis;
mod program;

use crate::compile::lower::LowerOptions;
use crate::syntax::{self, Node, NodeKind, Prop, Span};
use crate::vm::{Config, Vm};

pub use analysis::analysis;
pub use program::{fuzz_config, generate, run, run_text};

/// The targets by name, as `fuzz/fuzz_targets/<name>.rs` calls them.
/// A target body: panics when it found a bug.
pub type Body = fn(&[u8]);

pub const TARGETS: &[(&str, Body)] = &[
    ("reader", reader),
    ("compile", compile),
    ("run", run),
    ("analysis", analysis),
    ("format", format),
];

fn check_span(text: &str, s: Span, what: &str) {
    let (a, b) = (s.start as usize, s.end as usize);
    assert!(
        a <= b && b <= text.len(),
        "{what} span {a}..{b} outside 0..{}",
        text.len()
    );
    assert!(
        text.is_char_boundary(a) && text.is_char_boundary(b),
        "{what} span {a}..{b} splits a character"
    );
}

fn check_node(text: &str, n: &Node) {
    check_span(text, n.span, "node");
    for c in n.sub_nodes() {
        check_node(text, c);
    }
}

/// `reader`: arbitrary bytes (lossily UTF-8) through the reader. It never fails:
/// every span of the tree and of its errors lies on character boundaries inside the
/// text, and the errors come with messages.
pub fn reader(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let r = syntax::parse(&text);
    for f in &r.forms {
        check_node(&text, f);
    }
    for e in &r.errors {
        check_span(&text, e.span, "error");
        assert!(!e.message.is_empty(), "error without a message");
    }
    for c in &r.comments {
        check_span(&text, c.span, "comment");
    }
    // A second read of the same text gives the same tree (no hidden state).
    let again: Vec<Node> = syntax::parse(&text).forms.iter().map(strip).collect();
    let first: Vec<Node> = r.forms.iter().map(strip).collect();
    assert_eq!(again, first, "reader is deterministic");
}

/// `compile`: reader, resolver and bytecode emitter on arbitrary text. Errors are
/// fine; a panic is not, and error spans must lie inside the text.
pub fn compile(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut vm = Vm::new(Config::default());
    if let Err((_, errors)) = vm.compile("fuzz.gene", &text, &LowerOptions::default()) {
        assert!(!errors.is_empty(), "compile failed without an error");
        for e in &errors {
            check_span(&text, e.span, "compile error");
        }
    }
}

/// The tree without positions, to compare a text with its formatted form.
fn strip(n: &Node) -> Node {
    let props = |ps: &[Prop]| -> Vec<Prop> {
        ps.iter()
            .map(|p| Prop {
                key: p.key.clone(),
                key_span: Span::default(),
                value: strip(&p.value),
            })
            .collect()
    };
    let kind = match &n.kind {
        NodeKind::Array(xs) => NodeKind::Array(xs.iter().map(strip).collect()),
        NodeKind::HashMap(xs) => NodeKind::HashMap(xs.iter().map(strip).collect()),
        NodeKind::Map(ps) => NodeKind::Map(props(ps)),
        NodeKind::Gene {
            head,
            props: ps,
            children,
        } => NodeKind::Gene {
            head: head.as_ref().map(|h| Box::new(strip(h))),
            props: props(ps),
            children: children.iter().map(strip).collect(),
        },
        NodeKind::Quote(x) => NodeKind::Quote(Box::new(strip(x))),
        NodeKind::Sealed(x) => NodeKind::Sealed(Box::new(strip(x))),
        // NaN != NaN: compare floats by their bits.
        NodeKind::Float(f) => NodeKind::Symbol(format!("float:{:x}", f.to_bits())),
        k => k.clone(),
    };
    Node::new(kind, Span::default())
}

/// `format`: formatting is idempotent (format twice = format once) and the
/// formatted text reads to the same tree (same forms, same comments).
pub fn format(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(once) = crate::analysis::format::format(&text) else {
        return;
    };
    let twice = crate::analysis::format::format(&once);
    assert_eq!(twice.as_ref().ok(), Some(&once), "format is not idempotent");
    let (a, b) = (syntax::parse(&text), syntax::parse(&once));
    assert!(
        b.errors.is_empty(),
        "formatted text has reader errors: {:?}",
        b.errors
    );
    let sa: Vec<Node> = a.forms.iter().map(strip).collect();
    let sb: Vec<Node> = b.forms.iter().map(strip).collect();
    assert_eq!(sa, sb, "formatting changed the tree");
    let ca: Vec<&str> = a
        .comments
        .iter()
        .map(|c| text[c.span.start as usize..c.span.end as usize].trim())
        .collect();
    let cb: Vec<&str> = b
        .comments
        .iter()
        .map(|c| once[c.span.start as usize..c.span.end as usize].trim())
        .collect();
    assert_eq!(ca.len(), cb.len(), "formatting changed the comments");
}
