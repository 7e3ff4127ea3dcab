//! The resolver records each name's occurrence over the name as written in the
//! source: a name with backslash escapes (`a\ b`, longer in the source than its
//! text) is covered whole, prefixes (`^`, `.`, `/`) and suffixes (`...`, `:`,
//! `:T`) are left out.

use gene_vm::compile::hir::OccKind;
use gene_vm::compile::lower::{lower_program, LowerOptions};
use gene_vm::syntax::parse;

/// The source text of every occurrence, in source order, with its kind.
fn occurrences(src: &str) -> Vec<(String, &'static str)> {
    let parsed = parse(src);
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let unit = lower_program(&parsed.forms, &LowerOptions::default());
    let mut occ: Vec<_> = unit
        .occurrences
        .iter()
        .map(|o| {
            let text = src[o.span.start as usize..o.span.end as usize].to_string();
            let kind = match o.kind {
                OccKind::Def => "def",
                _ => "use",
            };
            (o.span.start, text, kind)
        })
        .collect();
    occ.sort();
    occ.into_iter().map(|(_, t, k)| (t, k)).collect()
}

fn has(occ: &[(String, &str)], text: &str, kind: &str) -> bool {
    occ.iter().any(|(t, k)| t == text && *k == kind)
}

#[test]
fn escaped_variable_and_parameter_names_cover_their_source_text() {
    let src = r#"(var a\ b 1)
(var t\ y: Int 2)
(fn f\ g [x\ y ^k\ w = 1 r\ s...] [x\ y k\ w r\ s])
(var [p\ q ^i\ d] [1 2])
(var {^key m\ n} {^key 3})
(println a\ b t\ y (f\ g 1) p\ q m\ n)
"#;
    let occ = occurrences(src);
    for (text, kind) in [
        (r"a\ b", "def"),
        (r"t\ y", "def"),
        (r"f\ g", "def"),
        (r"x\ y", "def"),
        (r"k\ w", "def"),
        (r"r\ s", "def"),
        (r"p\ q", "def"),
        (r"i\ d", "def"),
        (r"m\ n", "def"),
        (r"a\ b", "use"),
        (r"x\ y", "use"),
        (r"k\ w", "use"),
        (r"r\ s", "use"),
        (r"m\ n", "use"),
    ] {
        assert!(has(&occ, text, kind), "no {kind} over {text:?} in {occ:?}");
    }
}

#[test]
fn escaped_method_class_and_enum_names_cover_their_source_text() {
    let src = r#"(class C\ D
  (method m\ n [] 1)
  (method call_it [] (.m\ n)))
(println ((new C\ D) .m\ n))
(enum E\ F:T one)
(var xs [1])
(println [xs\ ...])
"#;
    let occ = occurrences(src);
    for (text, kind) in [
        (r"C\ D", "def"),
        (r"m\ n", "def"),
        (r"m\ n", "use"),
        (r"E\ F", "def"),
    ] {
        assert!(has(&occ, text, kind), "no {kind} over {text:?} in {occ:?}");
    }
    // No occurrence ends inside an escape or takes in a prefix.
    for (t, _) in &occ {
        assert!(
            !t.ends_with('\\') && !t.starts_with('.') && !t.starts_with('^'),
            "{t:?}"
        );
    }
}

#[test]
fn plain_names_keep_their_spans() {
    let src = "(var x: Int 1)\n(fn f [^k = 1 rest...] [k rest])\n(println x (f))\n";
    let occ = occurrences(src);
    for (text, kind) in [
        ("x", "def"),
        ("k", "def"),
        ("rest", "def"),
        ("x", "use"),
        ("f", "use"),
    ] {
        assert!(has(&occ, text, kind), "no {kind} over {text:?} in {occ:?}");
    }
}
