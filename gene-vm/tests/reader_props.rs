//! Property tests of the reader: any input parses without panicking, and every
//! span (nodes, property keys, errors, comments) lies inside the input, on
//! character boundaries, with `start <= end`, nested inside its parent's span.

use gene_vm::syntax::{parse, Node, NodeKind, ParseResult, Span};
use proptest::prelude::*;

fn span_ok(src: &str, s: Span) -> bool {
    s.start <= s.end
        && (s.end as usize) <= src.len()
        && src.is_char_boundary(s.start as usize)
        && src.is_char_boundary(s.end as usize)
}

fn check_node(src: &str, n: &Node, parent: Option<Span>) -> Result<(), TestCaseError> {
    prop_assert!(span_ok(src, n.span), "bad span {:?}", n.span);
    if let Some(p) = parent {
        prop_assert!(
            p.start <= n.span.start && n.span.end <= p.end,
            "span {:?} not inside parent {:?}",
            n.span,
            p
        );
    }
    let me = Some(n.span);
    match &n.kind {
        NodeKind::Array(items) => {
            for c in items {
                check_node(src, c, me)?;
            }
        }
        NodeKind::Map(props) => {
            for p in props {
                prop_assert!(span_ok(src, p.key_span));
                check_node(src, &p.value, me)?;
            }
        }
        NodeKind::Gene {
            head,
            props,
            children,
        } => {
            if let Some(h) = head {
                check_node(src, h, me)?;
            }
            for p in props {
                prop_assert!(span_ok(src, p.key_span));
                prop_assert!(n.span.start <= p.key_span.start && p.key_span.end <= n.span.end);
                check_node(src, &p.value, me)?;
            }
            for c in children {
                check_node(src, c, me)?;
            }
        }
        NodeKind::Quote(inner) | NodeKind::Sealed(inner) => check_node(src, inner, me)?,
        _ => {}
    }
    Ok(())
}

fn check(src: &str) -> Result<(), TestCaseError> {
    let r: ParseResult = parse(src);
    for f in &r.forms {
        check_node(src, f, None)?;
    }
    for w in r.forms.windows(2) {
        prop_assert!(w[0].span.end <= w[1].span.start, "top-level forms overlap");
    }
    for e in &r.errors {
        prop_assert!(span_ok(src, e.span), "bad error span {:?}", e);
    }
    for w in r.errors.windows(2) {
        prop_assert!(
            w[0].span.start <= w[1].span.start,
            "errors not in source order"
        );
    }
    for c in &r.comments {
        prop_assert!(span_ok(src, c.span), "bad comment span {:?}", c);
    }
    Ok(())
}

/// Strings built from Gene-significant pieces, to reach deep reader paths.
fn gene_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("("),
        Just(")"),
        Just("["),
        Just("]"),
        Just("{"),
        Just("}"),
        Just("\""),
        Just("\"\"\""),
        Just("#\""),
        Just("#{"),
        Just("#("),
        Just("#["),
        Just("#<"),
        Just(">#"),
        Just("# "),
        Just("#!"),
        Just("#@"),
        Just("#/"),
        Just("#"),
        Just("^"),
        Just("^^"),
        Just("^!"),
        Just("^..."),
        Just("'"),
        Just("\\"),
        Just("\\u"),
        Just("D83D"),
        Just("\\uDE00"),
        Just("`"),
        Just(":"),
        Just("%"),
        Just("%_"),
        Just(" "),
        Just("\n"),
        Just("\r"),
        Just(","),
        Just("/"),
        Just("..."),
        Just("-"),
        Just("+"),
        Just("1"),
        Just("2.5"),
        Just("e"),
        Just("9223372036854775808"),
        Just("a"),
        Just("nil"),
        Just("é"),
        Just("中"),
        Just("😀"),
        Just("\u{301}"),
        Just("x/y"),
    ];
    prop::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings(src in any::<String>()) {
        check(&src)?;
    }

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let src = String::from_utf8_lossy(&bytes);
        check(&src)?;
    }

    #[test]
    fn gene_like_strings(src in gene_like()) {
        check(&src)?;
    }
}
