//! Property tests of the formatter: on any text `format`, `format_range` and
//! `indent_for_line` never panic; when `format` succeeds, formatting again
//! changes nothing, the reader reads the same tree (spans aside) and the
//! same comments, no non-blank character is added, lost or moved, and
//! `format_range` over every line gives the same lines.

use gene_vm::analysis::format::{format, format_range, indent_for_line, LineEdit};
use gene_vm::syntax::{parse, Node, NodeKind, Prop};
use proptest::prelude::*;

/// Gene-flavoured text: delimiters, strings, comments, keywords, blanks.
fn gene_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("(".to_string()),
        Just(")".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just("\"".to_string()),
        Just("\"\"\"".to_string()),
        Just("#\"".to_string()),
        Just("#(".to_string()),
        Just("#{".to_string()),
        Just("#[".to_string()),
        Just("# ".to_string()),
        Just("#<".to_string()),
        Just(">#".to_string()),
        Just("#!".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("\r".to_string()),
        Just("\t".to_string()),
        Just(" ".to_string()),
        Just("   ".to_string()),
        Just(",".to_string()),
        Just("\\".to_string()),
        Just("'".to_string()),
        Just("'('".to_string()),
        Just("^".to_string()),
        Just("^^a".to_string()),
        Just("`".to_string()),
        Just(":".to_string()),
        Just("%".to_string()),
        Just("#@".to_string()),
        Just("else".to_string()),
        Just("catch".to_string()),
        Just("when".to_string()),
        Just("é".to_string()),
        Just("\u{FEFF}".to_string()),
        "[a-z]{1,4}",
        "[0-9]{1,3}",
        "[ -~]{0,6}",
    ];
    prop::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

/// Balanced Gene text (mostly free of syntax errors) with random layout:
/// line breaks, indentation, tabs, CRLF, comments and multi-line atoms.
fn program_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        "[a-z]{1,3}".prop_map(|s| s),
        Just("else".to_string()),
        Just("catch *".to_string()),
        Just("when".to_string()),
        Just("42".to_string()),
        Just("1.5e3".to_string()),
        Just("\"a ( [ #\"".to_string()),
        Just("\"multi\n  line (  \n\"".to_string()),
        Just("\"\"\"\n  triple \"q\" [\n\"\"\"".to_string()),
        Just("#\"x #(f 1) ( #{y} \"".to_string()),
        Just("#\"a #(g\n  1) b\"".to_string()),
        Just("'('".to_string()),
        Just("a\\(b".to_string()),
        Just("# comment (\n".to_string()),
        Just("#< block (\n  ] >#".to_string()),
        Just("^k 1".to_string()),
        Just("^^flag".to_string()),
        Just(":q".to_string()),
    ];
    let sep = prop_oneof![
        Just(" "),
        Just(" "),
        Just("\n"),
        Just("\n  "),
        Just("\n\t"),
        Just("   \n      "),
        Just("\r\n"),
        Just(", "),
        Just(" \t\n\n"),
    ];
    leaf.prop_recursive(5, 60, 6, move |inner| {
        (
            prop_oneof![Just(("(", ")")), Just(("[", "]")), Just(("#(", ")"))],
            prop::collection::vec((sep.clone(), inner), 0..6),
            sep.clone(),
        )
            .prop_map(|((open, close), items, last)| {
                let mut s = String::from(open);
                for (sp, it) in items {
                    s.push_str(sp);
                    s.push_str(&it);
                }
                s.push_str(last);
                s.push_str(close);
                s
            })
    })
}

fn same_node(a: &Node, b: &Node) -> bool {
    match (&a.kind, &b.kind) {
        (NodeKind::Array(x), NodeKind::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_node(p, q))
        }
        (NodeKind::Map(x), NodeKind::Map(y)) => same_props(x, y),
        (
            NodeKind::Gene {
                head: h1,
                props: p1,
                children: c1,
            },
            NodeKind::Gene {
                head: h2,
                props: p2,
                children: c2,
            },
        ) => {
            let heads = match (h1, h2) {
                (Some(x), Some(y)) => same_node(x, y),
                (None, None) => true,
                _ => false,
            };
            heads
                && same_props(p1, p2)
                && c1.len() == c2.len()
                && c1.iter().zip(c2).all(|(p, q)| same_node(p, q))
        }
        (NodeKind::Quote(x), NodeKind::Quote(y)) | (NodeKind::Sealed(x), NodeKind::Sealed(y)) => {
            same_node(x, y)
        }
        (NodeKind::Float(x), NodeKind::Float(y)) => x.to_bits() == y.to_bits(),
        (x, y) => x == y,
    }
}

fn same_props(a: &[Prop], b: &[Prop]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(p, q)| p.key == q.key && same_node(&p.value, &q.value))
}

fn comment_texts(src: &str) -> Vec<String> {
    parse(src)
        .comments
        .iter()
        .map(|c| {
            src[c.span.start as usize..c.span.end as usize]
                .trim_end()
                .to_string()
        })
        .collect()
}

/// The text without its byte-order mark (only the first U+FEFF is one).
fn no_bom(s: &str) -> &str {
    s.strip_prefix('\u{FEFF}').unwrap_or(s)
}

fn non_blank(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, ' ' | '\t' | '\r' | '\n'))
        .collect()
}

fn apply(text: &str, edits: &[LineEdit]) -> String {
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    let mut out = String::new();
    let mut pos = 0;
    for e in edits {
        let (s, end) = (starts[e.line] + e.start, starts[e.line] + e.end);
        assert!(s >= pos && end >= s, "edits out of order or overlapping");
        out.push_str(&text[pos..s]);
        out.push_str(&e.new_text);
        pos = end;
    }
    out.push_str(&text[pos..]);
    out
}

fn check(src: &str) -> Result<(), TestCaseError> {
    let lines = src.split('\n').count();
    for line in 0..=lines {
        let _ = indent_for_line(src, line);
    }
    let ranged = format_range(src, 0, lines);
    let Ok(out) = format(src) else {
        prop_assert!(ranged.is_err());
        return Ok(());
    };
    let again = format(&out).ok();
    prop_assert_eq!(again.as_deref(), Some(out.as_str()), "not idempotent");
    let (before, after) = (parse(src), parse(&out));
    prop_assert!(after.errors.is_empty(), "formatted text has errors");
    prop_assert_eq!(before.forms.len(), after.forms.len());
    for (a, b) in before.forms.iter().zip(&after.forms) {
        prop_assert!(same_node(a, b), "tree changed: {:?} vs {:?}", a, b);
    }
    prop_assert_eq!(comment_texts(src), comment_texts(&out));
    prop_assert_eq!(non_blank(no_bom(src)), non_blank(no_bom(&out)));
    let edits = ranged.map_err(|e| TestCaseError::fail(e.to_string()))?;
    let ranged = apply(src, &edits);
    prop_assert_eq!(
        no_bom(&ranged).trim_end_matches(['\r', '\n']),
        no_bom(&out).trim_end_matches(['\r', '\n']),
        "format_range disagrees with format"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn gene_like_text(src in gene_text()) {
        check(&src)?;
    }

    #[test]
    fn layouts_of_programs(forms in prop::collection::vec(program_text(), 1..5), sep in "[ \t\n]{1,3}") {
        let src = forms.join(&sep);
        check(&src)?;
    }

    #[test]
    fn arbitrary_text(src in "\\PC{0,80}") {
        check(&src)?;
    }

    #[test]
    fn mostly_valid_programs(body in prop::collection::vec(
        prop_oneof![
            Just("(f x"), Just(")"), Just("\n"), Just("  "), Just("[1 2"), Just("]"),
            Just("{^a 1"), Just("}"), Just("\"s (\""), Just("# c (\n"), Just("else"),
            Just("#<\n( >#"), Just("#\"#(g \"(\")\""), Just("\t"), Just("\r\n"),
        ],
        0..40,
    )) {
        let src = body.concat();
        check(&src)?;
    }
}
