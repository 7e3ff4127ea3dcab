//! Unit tests of `indent_for_line` (incomplete text) and `format_range`; the
//! style itself is covered by the fixtures in `tests/fixtures/format/`.

use super::*;

fn fmt(text: &str) -> String {
    format(text).expect("formats")
}

/// Applies line edits (any order, non-overlapping) to a text.
fn apply(text: &str, edits: &[LineEdit]) -> String {
    let mut starts = vec![0];
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            starts.push(i + 1);
        }
    }
    let mut abs: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            (
                starts[e.line] + e.start,
                starts[e.line] + e.end,
                e.new_text.as_str(),
            )
        })
        .collect();
    abs.sort();
    let mut out = String::new();
    let mut pos = 0;
    for (s, e, t) in abs {
        assert!(s >= pos, "overlapping edits");
        out.push_str(&text[pos..s]);
        out.push_str(t);
        pos = e;
    }
    out.push_str(&text[pos..]);
    out
}

#[test]
fn issue_example() {
    let src = "(if (x > 5)\n(println \"big\")\nelse\n(println \"small\")   # keep inline\n)";
    assert_eq!(
        fmt(src),
        "(if (x > 5)\n  (println \"big\")\nelse\n  (println \"small\")   # keep inline\n)\n"
    );
}

#[test]
fn indent_after_open_forms() {
    assert_eq!(indent_for_line("(fn f [x]\n", 1), Some(2));
    assert_eq!(indent_for_line("(var r (do\n", 1), Some(2));
    assert_eq!(indent_for_line("  (var r (do\n", 1), Some(2));
    assert_eq!(indent_for_line("(f (g\n", 1), Some(2));
    assert_eq!(indent_for_line("(f\n  (g\n", 2), Some(4));
    assert_eq!(indent_for_line("(f\n  (g\n    x\n", 3), Some(4));
    assert_eq!(indent_for_line("(f\n  (g x)\n", 2), Some(2));
    assert_eq!(indent_for_line("(f (g x)\n", 1), Some(2));
    assert_eq!(indent_for_line("(f (g x))\n", 1), Some(0));
    assert_eq!(indent_for_line("", 0), Some(0));
}

#[test]
fn indent_in_brackets() {
    assert_eq!(indent_for_line("[1 2\n", 1), Some(1));
    assert_eq!(indent_for_line("(var xs [1 2\n", 1), Some(9));
    assert_eq!(indent_for_line("{^a 1\n", 1), Some(1));
    assert_eq!(indent_for_line("[\n", 1), Some(2));
    assert_eq!(indent_for_line("(var m {   # comment\n", 1), Some(2));
    assert_eq!(indent_for_line("(var m {,  ^a 1\n", 1), Some(11));
    // Columns count characters, not bytes.
    assert_eq!(indent_for_line("(f \"é\" [1\n", 1), Some(8));
}

#[test]
fn indent_of_closing_lines() {
    assert_eq!(indent_for_line("(a\n  (b\n)", 2), Some(2));
    assert_eq!(indent_for_line("(a\n  (b\n))", 2), Some(2));
    assert_eq!(indent_for_line("(a\n  (b)\n)", 2), Some(0));
    assert_eq!(indent_for_line("(a [1\n]", 1), Some(0));
    // A mismatched closer closes what the reader would close: `)` closes
    // `(a`, not the `[` inside it.
    assert_eq!(indent_for_line("(a\n[b\n)", 2), Some(0));
    // A stray closer at top level.
    assert_eq!(indent_for_line(")\n", 0), Some(0));
}

#[test]
fn indent_is_relative_to_formatted_lines() {
    // Line 1 would be re-indented to 2, so line 2 (inside `(g` opened on
    // line 1) gets 4, whatever the text says now.
    assert_eq!(indent_for_line("(f\n        (g\n", 2), Some(4));
}

#[test]
fn indent_of_kept_lines() {
    assert_eq!(indent_for_line("(if x\n  1\n else\n", 2), Some(1));
    assert_eq!(indent_for_line("(if x\n  1\n       # note\n", 2), Some(7));
    // The line after `else` is indented from the open `(if`.
    assert_eq!(indent_for_line("(if x\n  1\n else\n", 3), Some(2));
    // `else` inside a symbol is not the word.
    assert_eq!(indent_for_line("(if x\n  1\n else_x\n", 2), Some(2));
}

#[test]
fn indent_inside_strings_and_comments() {
    // An unterminated string runs to the end: there is nothing to indent.
    assert_eq!(indent_for_line("(f \"abc\n", 1), None);
    assert_eq!(indent_for_line("(f \"abc\n  def\" (g\n", 1), None);
    assert_eq!(indent_for_line("(f \"a(b\"\n", 1), Some(2));
    assert_eq!(indent_for_line("(f #< (\n >#\n", 1), None);
    assert_eq!(indent_for_line("(f #< ( >#\n", 1), Some(2));
    assert_eq!(indent_for_line("(f # (\n", 1), Some(2));
    assert_eq!(indent_for_line("(f #\"x #(g 1) ( y\"\n", 1), Some(2));
    assert_eq!(indent_for_line("(f #\"x #(g\n", 1), None);
    assert_eq!(indent_for_line("(f '('\n", 1), Some(2));
    assert_eq!(indent_for_line("(f a\\(\n", 1), Some(2));
}

#[test]
fn indent_out_of_range() {
    assert_eq!(indent_for_line("(f)\n", 1), Some(0));
    assert_eq!(indent_for_line("(f)\n", 2), None);
    assert_eq!(indent_for_line("(f)", 1), None);
}

#[test]
fn indent_with_crlf_and_bom() {
    assert_eq!(indent_for_line("(f\r\n", 1), Some(2));
    assert_eq!(indent_for_line("\u{FEFF}[1\r\n", 1), Some(1));
}

#[test]
fn a_symbol_u_feff_never_becomes_a_byte_order_mark() {
    // Not at the start, U+FEFF is a symbol character: moving it to the start
    // of the text would make the reader skip it.
    assert_eq!(fmt("  \u{FEFF}x\n"), "  \u{FEFF}x\n");
    assert_eq!(fmt("\u{FEFF}  \u{FEFF}x\n"), "\u{FEFF}\u{FEFF}x\n");
}

#[test]
fn range_edits_only_the_range() {
    let src = "(f\nx\n(g\ny)\nz)\n";
    let edits = format_range(src, 1, 1).expect("no errors");
    assert_eq!(
        edits,
        vec![LineEdit {
            line: 1,
            start: 0,
            end: 0,
            new_text: "  ".into()
        }]
    );
    assert_eq!(apply(src, &edits), "(f\n  x\n(g\ny)\nz)\n");
    // Line 3 is indented from line 2 as the formatter would indent line 2.
    let edits = format_range(src, 3, 3).expect("no errors");
    assert_eq!(apply(src, &edits), "(f\nx\n(g\n    y)\nz)\n");
}

#[test]
fn range_over_every_line_is_format() {
    let samples = [
        "(f\nx\n(g\ny)\nz)\n",
        "(if (x > 5)\n(println \"big\")\nelse\n(println \"small\")   # keep inline\n)\n",
        "(var s \"a\n   b  \n\"   \n  )\t\n",
        "[1\n\t2 \n   3]\n\n\n(x)\n",
        "\u{FEFF}   (f\r\n  \t\r\n      x)   \r\n",
        "  # comment   \n      #< block\n   >#  \n(f)\n",
    ];
    for src in samples {
        let n = src.split('\n').count();
        let edits = format_range(src, 0, n).expect("no errors");
        let whole = fmt(src);
        let ranged = apply(src, &edits);
        assert_eq!(
            ranged.trim_end_matches(['\r', '\n']),
            whole.trim_end_matches(['\r', '\n']),
            "{src:?}"
        );
        // Formatted text needs no edits.
        assert_eq!(format_range(&whole, 0, n).expect("no errors"), vec![]);
    }
}

#[test]
fn range_cleans_blank_and_trailing() {
    let src = "(f   \n   \n  x)\n";
    let edits = format_range(src, 0, 2).expect("no errors");
    assert_eq!(
        edits,
        vec![
            LineEdit {
                line: 0,
                start: 2,
                end: 5,
                new_text: String::new()
            },
            LineEdit {
                line: 1,
                start: 0,
                end: 3,
                new_text: String::new()
            },
        ]
    );
}

#[test]
fn range_offsets_count_the_bom() {
    let src = "\u{FEFF}  (f)\n";
    let edits = format_range(src, 0, 0).expect("no errors");
    assert_eq!(
        edits,
        vec![LineEdit {
            line: 0,
            start: 3,
            end: 5,
            new_text: String::new()
        }]
    );
    assert_eq!(apply(src, &edits), "\u{FEFF}(f)\n");
}

#[test]
fn range_clamps_and_handles_empty_ranges() {
    let src = "(f\nx)\n";
    assert_eq!(format_range(src, 5, 9).expect("no errors"), vec![]);
    assert_eq!(format_range(src, 1, 0).expect("no errors"), vec![]);
    assert_eq!(
        format_range(src, 0, usize::MAX).expect("no errors").len(),
        1
    );
}

#[test]
fn range_and_format_refuse_syntax_errors() {
    let src = "(f\n  x\n";
    let e = format_range(src, 0, 1).expect_err("refused");
    assert_eq!(e.errors.len(), 1);
    assert!(e.errors[0].message.contains("Unclosed"));
    let e = format("(f ]\n\"abc").expect_err("refused");
    assert_eq!(e.errors.len(), 2);
    assert!(e.to_string().starts_with("the text has 2 syntax errors"));
}
