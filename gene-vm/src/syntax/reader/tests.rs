//! Unit tests of the reader: every rule of section 1 of the language
//! reference, including its examples.

use super::parse;
use crate::syntax::tree::{CommentKind, Node, NodeKind, ParseResult, Prop, Span};

/// Compact rendering without spans: symbols bare, strings/chars quoted,
/// paths as `path[..]`, quotes as `(quote x)`, errors as `<error>`.
fn render(n: &Node) -> String {
    match &n.kind {
        NodeKind::Nil => "nil".into(),
        NodeKind::Void => "void".into(),
        NodeKind::NotFound => "not_found".into(),
        NodeKind::Bool(b) => b.to_string(),
        NodeKind::Int(i) => i.to_string(),
        NodeKind::Float(f) => format!("{f:?}"),
        NodeKind::Char(c) => format!("{c:?}"),
        NodeKind::Str(s) => format!("{s:?}"),
        NodeKind::Symbol(s) => {
            let plain = !s.is_empty()
                && !matches!(s.as_str(), "nil" | "void" | "not_found" | "true" | "false")
                && !s.contains(|c: char| c.is_whitespace() || "()[]{}\"".contains(c));
            if plain {
                s.clone()
            } else {
                format!("sym:{s:?}")
            }
        }
        NodeKind::Path(segs) => format!("path{segs:?}"),
        NodeKind::Array(items) => format!("[{}]", join(items.iter().map(render))),
        NodeKind::Sealed(inner) => format!("#{}", render(inner)),
        NodeKind::HashMap(items) => format!("{{{{{}}}}}", join(items.iter().map(render))),
        NodeKind::Bytes(b) => format!("bytes{b:?}"),
        NodeKind::DateTime(d) => format!("date[{}]", d.text()),
        NodeKind::Map(props) => format!("{{{}}}", join(props.iter().map(render_prop))),
        NodeKind::Gene {
            head,
            props,
            children,
        } => {
            let parts = head
                .iter()
                .map(|h| render(h))
                .chain(props.iter().map(render_prop))
                .chain(children.iter().map(render));
            format!("({})", join(parts))
        }
        NodeKind::Quote(inner) => format!("(quote {})", render(inner)),
        NodeKind::Regex {
            pattern,
            replacement,
            flags,
        } => format!("regex[{pattern:?} {replacement:?} {flags:?}]"),
        NodeKind::Error => "<error>".into(),
    }
}

fn render_prop(p: &Prop) -> String {
    format!("^{} {}", p.key, render(&p.value))
}

fn join(it: impl Iterator<Item = String>) -> String {
    it.collect::<Vec<_>>().join(" ")
}

/// Renders all forms; asserts there are no errors.
fn ok(src: &str) -> String {
    let r = parse(src);
    assert!(
        r.errors.is_empty(),
        "unexpected errors for {src:?}: {:?}",
        r.errors
    );
    check_spans(src, &r);
    join(r.forms.iter().map(render))
}

/// Renders all forms and the error messages.
fn errs(src: &str) -> (String, Vec<String>) {
    let r = parse(src);
    check_spans(src, &r);
    (
        join(r.forms.iter().map(render)),
        r.errors.iter().map(|e| e.message.clone()).collect(),
    )
}

fn err_msgs(src: &str) -> Vec<String> {
    errs(src).1
}

fn one(src: &str) -> Node {
    let r = parse(src);
    assert!(
        r.errors.is_empty(),
        "unexpected errors for {src:?}: {:?}",
        r.errors
    );
    assert_eq!(r.forms.len(), 1, "{src:?}");
    r.forms.into_iter().next().unwrap()
}

fn sp(s: usize, e: usize) -> Span {
    Span::new(s, e)
}

/// Every span lies inside the input, on char boundaries, inside its parent.
fn check_spans(src: &str, r: &ParseResult) {
    fn ok_span(src: &str, s: Span) -> bool {
        s.start <= s.end
            && (s.end as usize) <= src.len()
            && src.is_char_boundary(s.start as usize)
            && src.is_char_boundary(s.end as usize)
    }
    fn walk(src: &str, n: &Node, parent: Option<Span>) {
        assert!(ok_span(src, n.span), "bad span {:?} in {src:?}", n.span);
        if let Some(p) = parent {
            assert!(
                p.start <= n.span.start && n.span.end <= p.end,
                "span {:?} outside parent {:?} in {src:?}",
                n.span,
                p
            );
        }
        let me = Some(n.span);
        match &n.kind {
            NodeKind::Array(items) | NodeKind::HashMap(items) => {
                items.iter().for_each(|c| walk(src, c, me))
            }
            NodeKind::Map(props) => props.iter().for_each(|p| {
                assert!(ok_span(src, p.key_span));
                walk(src, &p.value, me)
            }),
            NodeKind::Gene {
                head,
                props,
                children,
            } => {
                head.iter().for_each(|h| walk(src, h, me));
                props.iter().for_each(|p| {
                    assert!(ok_span(src, p.key_span));
                    walk(src, &p.value, me)
                });
                children.iter().for_each(|c| walk(src, c, me));
            }
            NodeKind::Quote(inner) => walk(src, inner, me),
            _ => {}
        }
    }
    for f in &r.forms {
        walk(src, f, None);
    }
    for e in &r.errors {
        assert!(ok_span(src, e.span), "bad error span {e:?} in {src:?}");
    }
    for c in &r.comments {
        assert!(ok_span(src, c.span), "bad comment span {c:?} in {src:?}");
    }
}

// ----- 1.1 whitespace ---------------------------------------------------------

#[test]
fn whitespace_and_commas() {
    assert_eq!(ok("(println 1, 2,3)"), "(println 1 2 3)");
    assert_eq!(ok(" \t\r\n a\r\nb,,c "), "a b c");
    assert_eq!(ok(""), "");
    assert_eq!(ok(" , \n"), "");
}

#[test]
fn byte_order_mark_is_skipped() {
    let r = parse("\u{FEFF}(a)");
    assert!(r.errors.is_empty());
    assert_eq!(r.forms[0].span, sp(3, 6));
}

// ----- 1.2 comments -----------------------------------------------------------

#[test]
fn spec_comment_example() {
    let src = "#!/usr/bin/env gene run\n## a doc-style comment\n#< this spans\n   several lines >#\n(println \"a\" #< inline ># \"b\")   # trailing comment\n";
    let r = parse(src);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(join(r.forms.iter().map(render)), r#"(println "a" "b")"#);
    let kinds: Vec<_> = r.comments.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [
            CommentKind::Line,
            CommentKind::Line,
            CommentKind::Block,
            CommentKind::Block,
            CommentKind::Line
        ]
    );
    let texts: Vec<_> = r
        .comments
        .iter()
        .map(|c| &src[c.span.start as usize..c.span.end as usize])
        .collect();
    assert_eq!(
        texts,
        [
            "#!/usr/bin/env gene run",
            "## a doc-style comment",
            "#< this spans\n   several lines >#",
            "#< inline >#",
            "# trailing comment"
        ]
    );
}

#[test]
fn line_comment_forms() {
    assert_eq!(ok("a # c\nb"), "a b");
    assert_eq!(ok("a #\nb"), "a b");
    assert_eq!(ok("a #\r\nb"), "a b");
    assert_eq!(ok("a #"), "a");
    assert_eq!(ok("a ##x\nb"), "a b");
    assert_eq!(ok("a #!x\nb"), "a b");
    // CR is not part of the comment span
    let r = parse("# x\r\ny");
    assert_eq!(r.comments[0].span, sp(0, 3));
    // a tab after # does not start a comment: `#` is then a symbol
    assert_eq!(ok("a #\tb"), "a # b");
}

#[test]
fn block_comments_anywhere_no_nesting() {
    assert_eq!(ok("[1 #< x ># 2]"), "[1 2]");
    assert_eq!(ok("(f#<c>#)"), "(f#<c>#)"); // inside a token `#` is ordinary
    assert_eq!(ok("(f #<>#)"), "(f)");
    // no nesting: the first ># ends the comment
    assert_eq!(errs("#< a #< b ># c >#").1, Vec::<String>::new());
    assert_eq!(errs("#< a #< b ># c >#").0, "c >#");
    assert_eq!(
        err_msgs("a #< never closed"),
        ["Unterminated block comment '#<' (missing '>#')"]
    );
    let r = parse("a #< never closed");
    assert_eq!(r.errors[0].span, sp(2, 4));
    assert_eq!(r.comments[0].span, sp(2, 17));
}

#[test]
fn hash_inside_string_is_not_a_comment() {
    assert_eq!(ok(r#""a # b""#), r#""a # b""#);
}

// ----- 1.3 numbers ------------------------------------------------------------

#[test]
fn spec_number_example() {
    assert_eq!(
        ok("(println 42 -10 +7 3.14 -2.5 1.5e2 2.5e-1 1e3)"),
        "(println 42 -10 7 3.14 -2.5 150.0 0.25 1000.0)"
    );
    assert_eq!(
        ok("(println 9007199254740993 (2432902008176640000 / 1))"),
        "(println 9007199254740993 (2432902008176640000 / 1))"
    );
}

#[test]
fn numbers() {
    assert_eq!(one("0").kind, NodeKind::Int(0));
    assert_eq!(one("1E3").kind, NodeKind::Float(1000.0));
    assert_eq!(one("1.0").kind, NodeKind::Float(1.0));
    assert_eq!(one("1e+2").kind, NodeKind::Float(100.0));
    assert_eq!(one("-0.5e-1").kind, NodeKind::Float(-0.05));
    assert_eq!(one("9223372036854775807").kind, NodeKind::Int(i64::MAX));
    assert_eq!(one("-9223372036854775808").kind, NodeKind::Int(i64::MIN));
    assert_eq!(one("007").kind, NodeKind::Int(7));
}

#[test]
fn sign_starts_number_only_before_digit() {
    assert_eq!(ok("- + -> -x +y"), "- + -> -x +y");
    assert_eq!(ok(".5 -.5"), ".5 -.5");
    assert!(matches!(one(".5").kind, NodeKind::Symbol(_)));
}

#[test]
fn integer_out_of_range() {
    let (forms, msgs) = errs("9223372036854775808 -9223372036854775809");
    assert_eq!(forms, "<error> <error>");
    assert_eq!(
        msgs,
        [
            "Integer literal out of range: 9223372036854775808",
            "Integer literal out of range: -9223372036854775809"
        ]
    );
}

#[test]
fn date_and_time_literals() {
    assert_eq!(
        errs("(f 2024-01-23 10:10Z 2024-01-23T20:10:10.5+05:30[Asia/Kolkata] 1)").0,
        "(f date[2024-01-23] date[10:10:00Z] date[2024-01-23T20:10:10.5+05:30[Asia/Kolkata]] 1)"
    );
    assert_eq!(
        err_msgs("999-01-01"),
        ["Date literal requires 4-digit year, got: 999"]
    );
    assert_eq!(
        err_msgs("2024-1-01"),
        ["Expected 2-digit month in date literal"]
    );
    assert_eq!(err_msgs("10:60"), ["Invalid minute: 60"]);
    // With spaces it is arithmetic.
    assert_eq!(errs("(2024 - 1 - 23)").0, "(2024 - 1 - 23)");
}

#[test]
fn hash_map_literals() {
    assert_eq!(errs("{{1 [2] `a 3}} {{}}").0, "{{1 [2] (quote a) 3}} {{}}");
    assert_eq!(err_msgs("{{1 2}"), ["Unclosed '{{' opened here"]);
}

#[test]
fn sealed_literals() {
    assert_eq!(
        errs("#[1 2] #{^a 1} #{{1 2}} #(f x) `#[a]").0,
        "#[1 2] #{^a 1} #{{1 2}} #(f x) (quote #[a])"
    );
    let n = one("#[1]");
    assert_eq!((n.span.start, n.span.end), (0, 4));
    match &n.kind {
        NodeKind::Sealed(inner) => assert_eq!((inner.span.start, inner.span.end), (1, 4)),
        other => panic!("not sealed: {other:?}"),
    }
    assert_eq!(err_msgs("#[1 2"), ["Unclosed '[' opened here"]);
    assert_eq!(err_msgs("#{{1 2"), err_msgs("{{1 2"));
}

#[test]
fn hex_integers() {
    for (text, v) in [("0x1F", 31), ("0XFF", 255), ("0x1_0", 16), ("-0x10", -16)] {
        assert_eq!(one(text).kind, NodeKind::Int(v), "{text}");
    }
}

#[test]
fn invalid_numbers() {
    for bad in [
        "1/2", "0xfg", "0x", "10ms", "1abc", "1m30s", "1.", "1.e5", "1e", "1e+", "1_000", "1..2",
        "1.2.3", "-1/x",
    ] {
        let r = parse(bad);
        assert_eq!(r.forms.len(), 1, "{bad}");
        assert_eq!(r.forms[0].kind, NodeKind::Error, "{bad}");
        assert_eq!(r.forms[0].span, sp(0, bad.len()), "{bad}");
        assert_eq!(
            r.errors
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>(),
            [format!("Invalid number literal: {bad}")],
            "{bad}"
        );
    }
    assert_eq!(
        err_msgs("1e999"),
        ["Float literal out of range: 1e999".to_string()]
    );
    // Bytes literals (later 7.4): `#` is allowed inside tokens.
    assert_eq!(one("0#1").kind, NodeKind::Bytes(vec![1]));
    assert_eq!(one("0!1").kind, NodeKind::Bytes(vec![1]));
    assert_eq!(
        err_msgs("0!12"),
        ["parse_bin: invalid binary digits in 0!12"]
    );
    assert!(err_msgs("0*1")[0].starts_with("parse_base64:"));
    // `~` and the whitespace after it separate digits, across lines too.
    assert_eq!(one("0#ab~\n   cd").kind, NodeKind::Bytes(vec![0xab, 0xcd]));
    // reading continues after the bad literal
    assert_eq!(errs("(f 0xfg 2)").0, "(f <error> 2)");
}

// ----- 1.4 literals -----------------------------------------------------------

#[test]
fn literal_words() {
    assert_eq!(one("true").kind, NodeKind::Bool(true));
    assert_eq!(one("false").kind, NodeKind::Bool(false));
    assert_eq!(one("nil").kind, NodeKind::Nil);
    assert_eq!(one("void").kind, NodeKind::Void);
    assert_eq!(one("not_found").kind, NodeKind::NotFound);
    assert_eq!(ok("truex nil? void!"), "truex nil? void!");
    // nil is kept everywhere (1.15)
    assert_eq!(
        ok(r#"[1 nil 2] (println "Nil: " nil) {^a nil}"#),
        r#"[1 nil 2] (println "Nil: " nil) {^a nil}"#
    );
    // escaped: a symbol
    assert_eq!(one(r"tr\ue").kind, NodeKind::Symbol("true".into()));
}

// ----- 1.5 strings ------------------------------------------------------------

#[test]
fn spec_string_escape_example() {
    let n = one(r#""tab[\t] quote[\"] slash[\\] A=[\u0041] q=[\q]""#);
    assert_eq!(
        n.kind,
        NodeKind::Str("tab[\t] quote[\"] slash[\\] A=[A] q=[q]".into())
    );
}

#[test]
fn string_escapes() {
    let n = one(r#""\n\r\t\b\f\/\"\\""#);
    assert_eq!(n.kind, NodeKind::Str("\n\r\t\u{8}\u{c}/\"\\".into()));
    assert_eq!(one(r#""\u00e9\u4e2D""#).kind, NodeKind::Str("é中".into()));
    // surrogate pair combined
    assert_eq!(one(r#""\uD83D\uDE00""#).kind, NodeKind::Str("😀".into()));
    // non-ASCII escaped char is itself
    assert_eq!(one(r#""\é""#).kind, NodeKind::Str("é".into()));
}

#[test]
fn strings_are_multiline_and_unicode() {
    let n = one("\"a\n  b\r\nc 中文\"");
    assert_eq!(n.kind, NodeKind::Str("a\n  b\r\nc 中文".into()));
    assert_eq!(n.span, sp(0, 17));
    assert_eq!(one(r#""""#).kind, NodeKind::Str(String::new()));
    assert_eq!(ok(r#""a""b""#), r#""a" "b""#);
}

#[test]
fn invalid_unicode_escapes() {
    let r = parse(r#""x\u12g4y""#);
    assert_eq!(r.forms[0].kind, NodeKind::Str("x\u{FFFD}g4y".into()));
    assert_eq!(r.errors.len(), 1);
    assert_eq!(
        r.errors[0].message,
        "Invalid \\u escape: expected 4 hexadecimal digits"
    );
    assert_eq!(r.errors[0].span, sp(2, 6));
    assert_eq!(
        err_msgs(r#""\uD800x" "\uDC00" "\uD800\u0041""#),
        [
            "Invalid \\u escape: unpaired surrogate",
            "Invalid \\u escape: unpaired surrogate",
            "Invalid \\u escape: unpaired surrogate"
        ]
    );
    assert_eq!(
        err_msgs(r#""\u" "\u12""#),
        [
            "Invalid \\u escape: expected 4 hexadecimal digits",
            "Invalid \\u escape: expected 4 hexadecimal digits"
        ]
    );
}

#[test]
fn unterminated_string() {
    let r = parse("(f \"abc");
    let msgs: Vec<_> = r.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        msgs,
        [
            "Unclosed '(' opened here",
            "Unterminated string (opened here)"
        ]
    );
    assert_eq!(r.errors[0].span, sp(0, 1));
    assert_eq!(r.errors[1].span, sp(3, 4));
    assert_eq!(render(&r.forms[0]), "(f <error>)");
    assert_eq!(err_msgs("\"abc\\"), ["Unterminated string (opened here)"]);
}

#[test]
fn triple_quoted_strings() {
    assert_eq!(
        one(r#""""say "hi" now""""#).kind,
        NodeKind::Str(r#"say "hi" now"#.into())
    );
    assert_eq!(
        ok(r#"(println """say "hi" now""")"#),
        r#"(println "say \"hi\" now")"#
    );
    // blank first line (blanks + newline) -> one "\n"; same for the last line
    assert_eq!(
        one("\"\"\"   \n  body\n   \"\"\"").kind,
        NodeKind::Str("\n  body\n".into())
    );
    assert_eq!(
        one("\"\"\"\r\nx\r\n\"\"\"").kind,
        NodeKind::Str("\nx\n".into())
    );
    // not blank: kept as is
    assert_eq!(
        one("\"\"\" a\n b \"\"\"").kind,
        NodeKind::Str(" a\n b ".into())
    );
    assert_eq!(one("\"\"\"\n\"\"\"").kind, NodeKind::Str("\n".into()));
    assert_eq!(one(r#""""""""#).kind, NodeKind::Str(String::new()));
    // extra quotes before the closing """ belong to the content
    assert_eq!(one(r#""""a""""""#).kind, NodeKind::Str(r#"a"""#.into()));
    assert_eq!(one(r#""""\t\u0041""""#).kind, NodeKind::Str("\tA".into()));
    assert_eq!(
        err_msgs(r#""""abc"" "#),
        ["Unterminated triple-quoted string (opened here)"]
    );
}

// ----- 1.5 interpolation ------------------------------------------------------

#[test]
fn spec_interpolation_example() {
    let src =
        r##"(println #"Hello, #{who}! n+1=#{(n + 1)} sum=#(+ 1 2) list=#{["a" 1]} none=#{nil}")"##;
    assert_eq!(
        ok(src),
        r#"(println (#Str "Hello, " who "! n+1=" (n + 1) " sum=" (+ 1 2) " list=" ["a" 1] " none=" nil))"#
    );
    assert_eq!(ok(r##"#"#{s}ab""##), r#"(#Str s "ab")"#);
    assert_eq!(ok(r##"#"hey #{who}""##), r#"(#Str "hey " who)"#);
    assert_eq!(
        ok(r##"#"#{/owner}: #{/balance}""##),
        r#"(#Str path["", "owner"] ": " path["", "balance"])"#
    );
    assert_eq!(
        ok(r##"#"area=#{(self .area)}""##),
        r#"(#Str "area=" (self .area))"#
    );
}

#[test]
fn interpolation_forms() {
    // all plain -> ordinary string
    assert_eq!(
        one(r##"#"plain # text #x""##).kind,
        NodeKind::Str("plain # text #x".into())
    );
    assert_eq!(
        one(r##"#"a#<comment>#b""##).kind,
        NodeKind::Str("ab".into())
    );
    assert_eq!(ok(r##"#"#[1 2]""##), "(#Str [1 2])");
    assert_eq!(ok(r##"#"#{^a 1}""##), "(#Str {^a 1})");
    assert_eq!(ok(r##"#"#{ ^a 1 ^^b}""##), "(#Str {^a 1 ^b true})");
    assert_eq!(ok(r##"#"x\n#{y}\#{z}""##), r##"(#Str "x\n" y "#{z}")"##);
    assert_eq!(ok(r##"#"#{"inner"}""##), r#"(#Str "inner")"#);
    assert_eq!(
        ok(r##"#"a #{#"b #{c}"} d""##),
        r#"(#Str "a " (#Str "b " c) " d")"#
    );
    // triple-quoted interpolated
    assert_eq!(ok(r##"#"""say "#{x}" """"##), r#"(#Str "say \"" x "\" ")"#);
}

#[test]
fn interpolation_spans_are_real() {
    let src = r##"(p #"ab#{x}c#(f 1)")"##;
    let r = parse(src);
    assert!(r.errors.is_empty());
    let NodeKind::Gene { children, .. } = &r.forms[0].kind else {
        panic!()
    };
    let s = &children[0];
    assert_eq!(s.span, sp(3, 19));
    let NodeKind::Gene { head, children, .. } = &s.kind else {
        panic!()
    };
    assert_eq!(head.as_ref().unwrap().span, sp(3, 5));
    let spans: Vec<_> = children
        .iter()
        .map(|c| &src[c.span.start as usize..c.span.end as usize])
        .collect();
    assert_eq!(spans, ["ab", "x", "c", "(f 1)"]);
}

#[test]
fn interpolation_errors() {
    assert_eq!(err_msgs(r##"#"a#{}b""##), ["Empty interpolation '#{}'"]);
    let (forms, msgs) = errs(r##"#"#{a b}""##);
    assert_eq!(forms, "(#Str a)");
    assert_eq!(
        msgs,
        ["Expected a single expression in '#{...}' (wrap calls in parentheses)"]
    );
    // a closer inside the string never closes a form outside it
    let (forms, msgs) = errs(r##"(f #"#{a)}")"##);
    assert_eq!(forms, r#"(f (#Str a "}"))"#);
    assert_eq!(msgs, ["Mismatched ')': expected '}'"]);
    assert_eq!(
        err_msgs(r##"#"abc"##),
        ["Unterminated string (opened here)"]
    );
}

// ----- 1.6 characters ---------------------------------------------------------

#[test]
fn spec_char_example() {
    assert_eq!(
        ok("(println 'x' ['y'] `(f 'z'))"),
        "(println 'x' ['y'] (quote (f 'z')))"
    );
}

#[test]
fn chars() {
    let cases = [
        ("'a'", 'a'),
        ("'Z'", 'Z'),
        (r"'\n'", '\n'),
        (r"'\t'", '\t'),
        (r"'\r'", '\r'),
        (r"'\b'", '\u{8}'),
        (r"'\f'", '\u{c}'),
        (r"'\\'", '\\'),
        (r"'\''", '\''),
        (r#"'\"'"#, '"'),
        (r"'\q'", 'q'),
        (r"'\u'", 'u'),
        (r"'\u00e9'", 'é'),
        ("'中'", '中'),
        ("'😀'", '😀'),
        ("' '", ' '),
        ("'('", '('),
        ("'''", '\''),
    ];
    for (src, c) in cases {
        if src == "'''" {
            continue; // `''` is empty, see char_errors
        }
        assert_eq!(one(src).kind, NodeKind::Char(c), "{src}");
    }
    assert_eq!(ok("a'b x'"), "a'b x'"); // `'` inside a token
}

#[test]
fn char_errors() {
    let msg = "Invalid character literal: exactly one character must appear between single quotes";
    assert_eq!(errs("'ab' x"), ("<error> x".into(), vec![msg.into()]));
    assert_eq!(errs("'ab x"), ("<error> x".into(), vec![msg.into()]));
    assert_eq!(
        errs("''"),
        ("<error>".into(), vec!["Empty character literal".into()])
    );
    assert_eq!(err_msgs("'"), ["Unterminated character literal"]);
    assert_eq!(err_msgs("'\\"), ["Unterminated character literal"]);
    // combining sequence = two scalars
    assert_eq!(err_msgs("'e\u{301}'"), [msg]);
}

// ----- 1.7 symbols ------------------------------------------------------------

#[test]
fn symbols() {
    assert_eq!(
        ok("a'b x:y name! gen* ok? $name .size _ #foo ** ++ <= && &|& xs... ... a#b"),
        "a'b x:y name! gen* ok? $name .size _ #foo ** ++ <= && &|& xs... ... a#b"
    );
    assert_eq!(one(r"a\ b").kind, NodeKind::Symbol("a b".into()));
    assert_eq!(one(r"a\(b").kind, NodeKind::Symbol("a(b".into()));
    assert_eq!(one("中文").kind, NodeKind::Symbol("中文".into()));
    // token terminators
    assert_eq!(ok("a(b)c[d]e{}f\"s\"g"), r#"a (b) c [d] e {} f "s" g"#);
    assert_eq!(ok("a`b"), "a (quote b)");
    assert_eq!(ok("a%b"), "a (% b)");
    assert_eq!(err_msgs(r"a\"), ["Backslash at end of input"]);
}

#[test]
fn spread_markers() {
    assert_eq!(
        ok("(println [0 left... right ... 9])"),
        "(println [0 left... right ... 9])"
    );
    assert_eq!(one("xs...").kind, NodeKind::Symbol("xs...".into()));
    assert_eq!(one("...").kind, NodeKind::Symbol("...".into()));
    assert_eq!(ok("(sum3 left... 10)"), "(sum3 left... 10)");
}

// ----- 1.8 paths --------------------------------------------------------------

#[test]
fn paths() {
    assert_eq!(
        one("a/b/0").kind,
        NodeKind::Path(vec!["a".into(), "b".into(), "0".into()])
    );
    assert_eq!(one("/x").kind, NodeKind::Path(vec!["".into(), "x".into()]));
    assert_eq!(
        one("o/.size").kind,
        NodeKind::Path(vec!["o".into(), ".size".into()])
    );
    assert_eq!(
        one("$env/HOME").kind,
        NodeKind::Path(vec!["$env".into(), "HOME".into()])
    );
    assert_eq!(
        one("a/-1").kind,
        NodeKind::Path(vec!["a".into(), "-1".into()])
    );
    assert_eq!(one("/").kind, NodeKind::Symbol("/".into()));
    assert_eq!(one(r"a\/b").kind, NodeKind::Symbol("a/b".into()));
    assert_eq!(
        ok("(println cfg/db/hosts/1 cfg/db/hosts/.size)"),
        r#"(println path["cfg", "db", "hosts", "1"] path["cfg", "db", "hosts", ".size"])"#
    );
    assert_eq!(ok("(1 - 2 / 4)"), "(1 - 2 / 4)");
    assert_eq!(
        ok("`a/b :a/b"),
        r#"(quote path["a", "b"]) (quote path["a", "b"])"#
    );
}

// ----- 1.9 arrays and maps ------------------------------------------------------

#[test]
fn arrays_and_maps() {
    assert_eq!(
        ok("[] [1 [2 3]] {} {^a 1 ^b [2]}"),
        "[] [1 [2 3]] {} {^a 1 ^b [2]}"
    );
    let n = one("{^key1 v1}");
    let NodeKind::Map(props) = &n.kind else {
        panic!()
    };
    assert_eq!(props[0].key, "key1");
    assert_eq!(props[0].key_span, sp(1, 6));
    assert_eq!(props[0].value.span, sp(7, 9));
    // plain duplicates are allowed (later wins at run time)
    assert_eq!(ok("{^a 1 ^a 2}"), "{^a 1 ^a 2}");
}

#[test]
fn spec_property_shortcuts() {
    assert_eq!(
        ok("(println {^^debug ^!cache ^n 1})"),
        "(println {^debug true ^cache nil ^n 1})"
    );
    assert_eq!(
        ok(r#"(println {^db^host "h" ^db^^tls ^db^!gzip})"#),
        r#"(println {^db {^host "h" ^tls true ^gzip false}})"#
    );
}

#[test]
fn property_shortcut_details() {
    assert_eq!(ok("(f ^^a ^!b x)"), "(f ^a true ^b nil x)");
    assert_eq!(
        ok("{^a^b^c 1 ^a^b^d 2 ^a^e 3}"),
        "{^a {^b {^c 1 ^d 2} ^e 3}}"
    );
    assert_eq!(ok("(f ^a^b 1 x ^a^c 2)"), "(f ^a {^b 1 ^c 2} x)");
    // spans of a merged nested entry
    let src = r#"{^db^host "h" ^x 1 ^db^^tls}"#;
    let n = one(src);
    let NodeKind::Map(props) = &n.kind else {
        panic!()
    };
    assert_eq!(
        &src[props[0].key_span.start as usize..props[0].key_span.end as usize],
        "^db"
    );
    assert_eq!(
        &src[props[0].value.span.start as usize..props[0].value.span.end as usize],
        r#"^host "h" ^x 1 ^db^^tls"#
    );
    let NodeKind::Map(inner) = &props[0].value.kind else {
        panic!()
    };
    assert_eq!(
        &src[inner[0].key_span.start as usize..inner[0].key_span.end as usize],
        "^host"
    );
    assert_eq!(
        &src[inner[1].key_span.start as usize..inner[1].key_span.end as usize],
        "^^tls"
    );
    assert_eq!(inner[1].value.span, inner[1].key_span);
    assert_eq!(one(r"{^a\ b 1}"), one(r"{^a\ b 1}"));
    assert_eq!(ok(r"{^a\ b 1}"), r"{^a b 1}");
}

#[test]
fn duplicate_shortcut_keys() {
    let dup = |k: &str| {
        format!("Duplicate property key '{k}' (a key given by a shortcut may not be repeated)")
    };
    assert_eq!(err_msgs("{^^a ^a 1}"), [dup("a")]);
    assert_eq!(err_msgs("{^a 1 ^!a}"), [dup("a")]);
    assert_eq!(err_msgs("{^a^b 1 ^a 2}"), [dup("a")]);
    assert_eq!(err_msgs("{^a 2 ^a^b 1}"), [dup("a")]);
    assert_eq!(err_msgs("(f ^a^b 1 ^a^b 2)"), [dup("b")]);
    assert_eq!(err_msgs("{^^a ^^a}"), [dup("a")]);
    // the first entry is kept
    assert_eq!(errs("{^^a ^a 1}").0, "{^a true}");
    let r = parse("{^^a ^a 1}");
    assert_eq!(r.errors[0].span, sp(5, 7));
}

#[test]
fn bad_property_keys() {
    assert_eq!(
        errs("{^ 1 ^b 2}"),
        (
            "{^b 2}".into(),
            vec!["Missing property name after '^'".into()]
        )
    );
    assert_eq!(err_msgs("{^a^ 1}"), ["Missing property name after '^'"]);
    assert_eq!(
        err_msgs("{^^a^b}"),
        ["Invalid property key: nothing may follow a '^^name' or '^!name' shortcut"]
    );
    assert_eq!(
        errs("(f ^a)"),
        (
            "(f ^a <error>)".into(),
            vec!["Missing value for property '^a'".into()]
        )
    );
    assert_eq!(
        errs("(f ^a ^b 1)"),
        (
            "(f ^a <error> ^b 1)".into(),
            vec!["Missing value for property '^a'".into()]
        )
    );
    let deep = format!("{{{} 1}}", "^a".repeat(40));
    assert_eq!(err_msgs(&deep), ["Property key nested too deeply"]);
}

#[test]
fn map_spread_keys() {
    assert_eq!(ok("{^... base ^c 3}"), "{^... base ^c 3}");
    assert_eq!(ok("{^...1 a ^...2 b}"), "{^...1 a ^...2 b}");
    assert_eq!(ok("{^... a ^... b}"), "{^... a ^... b}");
}

#[test]
fn map_with_non_property_elements() {
    let (forms, msgs) = errs("{^a 1 b ^c 2 [3]}");
    assert_eq!(forms, "{^a 1 ^c 2}");
    assert_eq!(
        msgs,
        [
            "Expected a property (^key value) in a map",
            "Expected a property (^key value) in a map"
        ]
    );
}

#[test]
fn caret_tokens_outside_maps_and_genes_are_symbols() {
    assert_eq!(ok("[1 ^a 2 3]"), "[1 ^a 2 3]");
    assert_eq!(
        ok("(fn connect [^addr ^wait = 30 ^retry = false] [addr wait retry])"),
        "(fn connect [^addr ^wait = 30 ^retry = false] [addr wait retry])"
    );
    assert_eq!(
        ok("(println (connect ^addr \"h\") (connect ^wait 5 ^^retry ^addr \"x\"))"),
        r#"(println (connect ^addr "h") (connect ^wait 5 ^retry true ^addr "x"))"#
    );
    assert_eq!(one("^^a").kind, NodeKind::Symbol("^^a".into()));
    assert_eq!(
        ok("[^prop child rest... ^others...]"),
        "[^prop child rest... ^others...]"
    );
    assert_eq!(ok("^a 1 :^b"), "^a 1 (quote ^b)");
}

#[test]
fn frozen_forms_are_sealed_nodes() {
    assert_eq!(ok("#[1 2] #{^a 1} #(f x)"), "#[1 2] #{^a 1} #(f x)");
    let r = parse("#[1]");
    assert_eq!(r.forms[0].span, sp(0, 4));
    let r = parse("#[1");
    assert_eq!(r.errors[0].message, "Unclosed '[' opened here");
    assert_eq!(r.errors[0].span, sp(0, 2));
}

// ----- 1.10 gene expressions, quote, unquote ----------------------------------

#[test]
fn gene_expressions() {
    assert_eq!(ok("()"), "()");
    let NodeKind::Gene { head, .. } = one("()").kind else {
        panic!()
    };
    assert!(head.is_none());
    assert_eq!(ok("(f)"), "(f)");
    // properties interleaved with children (2026)
    assert_eq!(ok("(f a ^x 1 b ^y 2 c)"), "(f ^x 1 ^y 2 a b c)");
    let n = one("(head ^p1 v1 child)");
    assert_eq!(n.span, sp(0, 19));
    let NodeKind::Gene {
        head,
        props,
        children,
    } = &n.kind
    else {
        panic!()
    };
    assert_eq!(head.as_ref().unwrap().span, sp(1, 5));
    assert_eq!(props[0].key_span, sp(6, 9));
    assert_eq!(children[0].span, sp(13, 18));
    // props before any other element: the first non-property form is the head
    assert_eq!(ok("(^a 1 f x)"), "(f ^a 1 x)");
    assert_eq!(ok("(^a 1)"), "(^a 1)");
    // head `_`
    assert_eq!(ok("(var g (_ 10 (+ 1 2)))"), "(var g (_ 10 (+ 1 2)))");
}

#[test]
fn spec_quote_example() {
    assert_eq!(
        ok("(println :hello `hello (:add 1 2) `(add 1 2))"),
        "(println (quote hello) (quote hello) ((quote add) 1 2) (quote (add 1 2)))"
    );
    let n = one("`(a b)");
    assert_eq!(n.span, sp(0, 6));
    let NodeKind::Quote(inner) = &n.kind else {
        panic!()
    };
    assert_eq!(inner.span, sp(1, 6));
    assert_eq!(
        ok("::x :[1] :\"s\""),
        r#"(quote (quote x)) (quote [1]) (quote "s")"#
    );
}

#[test]
fn lone_prefixes() {
    assert_eq!(ok("(a : b)"), "(a : b)");
    assert_eq!(ok("(7 % 3) (i % 2) (-7 % 3)"), "(7 % 3) (i % 2) (-7 % 3)");
    assert_eq!(ok("(a %)"), "(a %)");
    assert_eq!(
        errs("(a ` b)"),
        (
            "(a <error> b)".into(),
            vec!["Expected a form after '`'".into()]
        )
    );
    assert_eq!(
        errs("`"),
        ("<error>".into(), vec!["Expected a form after '`'".into()])
    );
}

#[test]
fn spec_unquote_example() {
    assert_eq!(
        ok("(println ($render `(box ^w %size)))"),
        "(println ($render (quote (box ^w (% size)))))"
    );
    assert_eq!(ok("%_x %_(f) %(f) %_"), "(%_ x) (%_ (f)) (% (f)) (% _)");
    let n = one("%_x");
    let NodeKind::Gene { head, children, .. } = &n.kind else {
        panic!()
    };
    assert_eq!(head.as_ref().unwrap().span, sp(0, 2));
    assert_eq!(children[0].span, sp(2, 3));
}

// ----- 1.13 # dispatch ----------------------------------------------------------

#[test]
fn decorators() {
    assert_eq!(ok("#@x y"), "(x y)");
    assert_eq!(ok("#@memo (fn f [] 1)"), "(memo (fn f [] 1))");
    assert_eq!(ok("#@a #@b c"), "(a (b c))");
    assert_eq!(ok("#@(deco 1) f"), "((deco 1) f)");
    assert_eq!(one("#@x y").span, sp(0, 5));
    assert_eq!(
        errs("(#@x)"),
        (
            "((x))".into(),
            vec!["Expected a form after the decorator".into()]
        )
    );
    assert_eq!(
        errs("#@ y"),
        (
            "<error> y".into(),
            vec!["Expected a form after '#@'".into()]
        )
    );
}

#[test]
fn regex_literals_are_read() {
    let (forms, msgs) = errs(r"(f #/a\/b/i x)");
    assert_eq!(forms, r#"(f regex["a/b" None "i"] x)"#);
    assert!(msgs.is_empty(), "{msgs:?}");
    let r = parse(r"#/ab/ 1");
    assert_eq!(r.forms[0].span, sp(0, 5));
    // Other backslash sequences stay for the regex engine; a replacement segment;
    // flags end at `)`, `]`, `}`, `,`, `;` or whitespace and print in the order i, m.
    let (forms, msgs) = errs(r"[#/(\w)\d/<\1>/ #/x/mi] #/y/i,");
    assert_eq!(
        forms,
        r#"[regex["(\\w)\\d" Some("<\\1>") ""] regex["x" None "im"]] regex["y" None "i"]"#
    );
    assert!(msgs.is_empty(), "{msgs:?}");
    assert_eq!(err_msgs("#/abc"), ["Unterminated regex literal"]);
    assert_eq!(err_msgs("#/a/ix"), ["Invalid regex flag: x"]);
}

#[test]
fn other_hash_tokens_are_symbols() {
    assert_eq!(
        ok("#foo #Str #x/y (#)"),
        r##"#foo #Str path["#x", "y"] (#)"##
    );
    // `#` at the end of input is an (empty) comment
    assert_eq!(ok("a #"), "a");
}

#[test]
fn spec_parse_example() {
    assert_eq!(ok("(add 1 [2 3])"), "(add 1 [2 3])");
    assert_eq!(ok("42"), "42");
}

// ----- delimiters and recovery ------------------------------------------------

#[test]
fn unexpected_closers() {
    let r = parse(") a ]");
    assert_eq!(join(r.forms.iter().map(render)), "a");
    let msgs: Vec<_> = r
        .errors
        .iter()
        .map(|e| (e.message.as_str(), e.span))
        .collect();
    assert_eq!(
        msgs,
        [("Unexpected ')'", sp(0, 1)), ("Unexpected ']'", sp(4, 5))]
    );
}

#[test]
fn unclosed_forms() {
    let r = parse("(a [b {^c 1");
    assert_eq!(join(r.forms.iter().map(render)), "(a [b {^c 1}])");
    let msgs: Vec<_> = r
        .errors
        .iter()
        .map(|e| (e.message.as_str(), e.span))
        .collect();
    assert_eq!(
        msgs,
        [
            ("Unclosed '(' opened here", sp(0, 1)),
            ("Unclosed '[' opened here", sp(3, 4)),
            ("Unclosed '{' opened here", sp(6, 7))
        ]
    );
    // the span of an unclosed form ends at its last element
    assert_eq!(r.forms[0].span, sp(0, 11));
}

#[test]
fn mismatched_closers() {
    // a closer that no open form expects closes the innermost one
    let (forms, msgs) = errs("(a b] c");
    assert_eq!(forms, "(a b) c");
    assert_eq!(msgs, ["Mismatched ']': expected ')'"]);
    // a closer that an enclosing form expects: the inner form is unclosed
    let (forms, msgs) = errs("(foo [1 2) bar");
    assert_eq!(forms, "(foo [1 2]) bar");
    assert_eq!(msgs, ["Unclosed '[' opened here"]);
}

#[test]
fn three_problems_three_errors() {
    let src = "(a))\n(b 1abc)\n[c";
    let r = parse(src);
    assert_eq!(join(r.forms.iter().map(render)), "(a) (b <error>) [c]");
    let msgs: Vec<_> = r.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        msgs,
        [
            "Unexpected ')'",
            "Invalid number literal: 1abc",
            "Unclosed '[' opened here"
        ]
    );
}

#[test]
fn deep_nesting_is_limited() {
    let depth = 100_000;
    let src = format!("{}x{}", "(".repeat(depth), ")".repeat(depth));
    let r = parse(&src);
    assert_eq!(r.forms.len(), 1);
    assert_eq!(r.errors.len(), 1);
    assert!(r.errors[0].message.starts_with("Forms nested too deeply"));
    check_spans(&src, &r);
    // the skipped form may start with a multi-byte character
    let src = format!("{}中{}", "(".repeat(300), ")".repeat(300));
    check_spans(&src, &parse(&src));
    // unbalanced and with every prefix kind
    for unit in [
        "(", "[", "{", "`", ":", "%", "#@", "'(", "#\"#{", "#(", "{^a ",
    ] {
        let src = unit.repeat(20_000);
        let r = parse(&src);
        check_spans(&src, &r);
    }
    // just under the limit is fine
    // (the limit counts forms: MAX_NESTING - 1 arrays around `x`)
    let ok_depth = super::MAX_NESTING - 1;
    let src = format!("{}x{}", "[".repeat(ok_depth), "]".repeat(ok_depth));
    assert!(parse(&src).errors.is_empty());
    let src = format!("{}x{}", "[".repeat(ok_depth + 1), "]".repeat(ok_depth + 1));
    assert_eq!(parse(&src).errors.len(), 1);
}

#[test]
fn errors_are_sorted_by_position() {
    let r = parse("(a 0xff [b");
    let starts: Vec<_> = r.errors.iter().map(|e| e.span.start).collect();
    let mut sorted = starts.clone();
    sorted.sort();
    assert_eq!(starts, sorted);
}

#[test]
fn nasty_inputs_do_not_panic() {
    for src in [
        "\\",
        "'",
        "\"",
        "#",
        "#\"",
        "#\"#",
        "#\"#{",
        "#\"#(",
        "#\"#[",
        "#\"#<",
        "^",
        "^^",
        "^!",
        "^a^",
        "#@",
        "#/",
        "%",
        "%_",
        ":",
        "`",
        "'\\u",
        "\"\\u",
        "\"\\uD800\\u",
        "\"\"\"",
        "\"\"\"\"",
        "#<",
        "é\\",
        "'é",
        "{^",
        "(^",
        "0x",
        "-",
        "+1e",
        "#\"\"\"#{x}",
    ] {
        let r = parse(src);
        check_spans(src, &r);
    }
}

#[test]
fn bytes_literal_with_non_ascii_digits_is_an_error_not_a_panic() {
    // Found by the format property test: the hex pairs were sliced inside `é`.
    let r = parse("0#<é#\"");
    assert!(!r.errors.is_empty());
    let r = parse("(var b 0#aé)");
    assert!(
        r.errors
            .iter()
            .any(|e| e.message.contains("invalid hex digits")),
        "{:?}",
        r.errors
    );
}
