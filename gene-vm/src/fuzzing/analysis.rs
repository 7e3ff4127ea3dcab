//! `analysis` (moved here from gene-lsp/fuzz `edits`): random edits to a Gene text, as an editor sends them while the user types; after
//! each edit every analysis query the language server makes runs at fuzzer-chosen
//! offsets. Nothing may panic, and the results must be usable: tokens sorted and
//! disjoint, selection ranges nested, code-action and rename edits applicable,
//! formatting idempotent.

use crate::analysis::diagnostics::{self, DiagnosticConfig, Severity, CODES};
use crate::analysis::{
    actions, complete, format, hints, hover, navigate, structure, symbols, tokens,
};

/// Texts the edits start from.
const SEEDS: &[&str] = &[
    "",
    "(var x 1)\n(println x)\n",
    "# Adds two numbers.\n(fn add [a b = 1 ^k rest...]\n  (a + b))\n(var total (add 1 2))\n(println total)\n",
    "(class Point < Object\n  (ctor [x y]\n    (/x = x)\n    (/y = y))\n  (method norm []\n    (/x + /y)))\n(var p (new Point 1 2))\n(println (p .norm))\n",
    "(ns geo\n  (fn area [w h] (w * h)))\n(println (geo/area 2 3))\n(var fut (sleep_async 10))\n(await fut)\n(sleep_async 5)\n(println (file_read \"a.txt\"))\n",
    "(fn counter []\n  (var n 0)\n  (fn [] (n += 1) n))\n(for i in [1 2 3]\n  (if (i > 1) (break) else (continue)))\n(try\n  (throw \"x\")\ncatch *\n  (println $ex))\n",
    "(var s #\"héllo #{(1 + 2)} 😀\")\n#< block\ncomment >#\n(var m {^a 1 ^b [1 2 {^c \"d\"}]})\n(println m/a (m .size)) # trailing\n",
    "#!/usr/bin/env gene\n(fn ^^async fetch [url] (await (gene/io/read_async url)))\n(gene/all [(fetch \"a\") (fetch \"b\")])\n(var _unused 1)\n(fn f [unused] 1)\n",
];

/// Pieces typed or pasted.
const SNIPPETS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "\n",
    " ",
    "  ",
    "#",
    "# gene-ignore: arity\n",
    "#<",
    ">#",
    "#\"",
    "#{",
    "}",
    "\\",
    "'",
    "`",
    ":",
    "^",
    "^^async",
    "...",
    "/",
    ".",
    ".size",
    "=",
    "+=",
    "fn",
    "var",
    "if",
    "else",
    "elif",
    "for",
    "in",
    "while",
    "loop",
    "break",
    "continue",
    "return",
    "try",
    "catch",
    "finally",
    "throw",
    "class",
    "method",
    "ctor",
    "ns",
    "new",
    "self",
    "async",
    "await",
    "do",
    "case",
    "when",
    "x",
    "y",
    "n",
    "add",
    "area",
    "geo/area",
    "a/b/c",
    "/x",
    "println",
    "sleep_async",
    "file_read",
    "gene/io/read",
    "gene/all",
    "1",
    "2.5",
    "0x1f",
    "nil",
    "true",
    "😀",
    "é",
    "名字",
    "𝄞",
    "\r\n",
    "\t",
    "(fn f [a b] (a + b))",
    "(f 1 2 3)",
    "(class C (method m [] 1))",
    "(ns n (fn g [] 1))",
    "(var v (sleep_async 1))",
    "(await v)",
];

const NEW_NAMES: &[&str] = &[
    "y", "total", "_", "if", "", "a b", "+", "😀", "x...", "^k", "new_name",
];

struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }
    fn u16(&mut self) -> usize {
        usize::from(self.u8()) << 8 | usize::from(self.u8())
    }
    fn bytes(&mut self, n: usize) -> &[u8] {
        let n = n.min(self.0.len());
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        a
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn floor(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn config(bits: u8) -> DiagnosticConfig {
    let mut cfg = DiagnosticConfig::default();
    for (i, (code, _)) in CODES.iter().enumerate() {
        // More codes than bits: they wrap around (a shift past 7 would overflow).
        match (bits >> (i % 8)) & 3 {
            1 if i % 2 == 0 => cfg = cfg.disable(code),
            2 => cfg = cfg.with_severity(code, Severity::Hint),
            _ => {}
        }
    }
    cfg
}

/// Applies span edits back to front; panics if they overlap or leave the text.
fn apply(text: &str, edits: &[(crate::syntax::Span, String)]) -> String {
    let mut e: Vec<&(crate::syntax::Span, String)> = edits.iter().collect();
    e.sort_by_key(|(s, _)| (s.start, s.end));
    for w in e.windows(2) {
        assert!(w[0].0.end <= w[1].0.start, "overlapping edits {edits:?}");
    }
    for (s, _) in &e {
        assert!(
            s.start <= s.end && (s.end as usize) <= text.len(),
            "edit out of the text"
        );
        assert!(
            text.is_char_boundary(s.start as usize) && text.is_char_boundary(s.end as usize),
            "edit {s:?} splits a character of {text:?}: {edits:?}"
        );
    }
    actions::apply(text, edits)
}

fn queries(text: &str, r: &mut Input) {
    // Any offset, also inside a character or past the end: the analysis takes bytes.
    let off = r.u16() % (text.len() + 2);
    let off2 = r.u16() % (text.len() + 2);
    let (lo, hi) = (off.min(off2), off.max(off2));
    let line = r.u8() as usize;
    let line2 = line + r.u8() as usize % 8;
    let cfg = config(r.u8());
    let new_name = NEW_NAMES[r.u8() as usize % NEW_NAMES.len()];

    let _ = diagnostics::diagnostics(text, &cfg);

    match format::format(text) {
        Ok(t) => {
            assert_eq!(
                format::format(&t).ok().as_ref(),
                Some(&t),
                "format is idempotent"
            );
            let _ = format::format_range(text, line, line2);
        }
        Err(_) => assert!(format::format_range(text, line, line2).is_err()),
    }
    let _ = format::indent_for_line(text, line);

    let entries = complete::completions(text, off);
    if let Some(e) = entries.first() {
        let _ = complete::documentation(&e.label);
    }
    let _ = complete::signature_help(text, off);
    let _ = hover::hover(text, off);
    let _ = navigate::definition(text, off);
    let _ = navigate::references(text, off, true);
    let _ = navigate::references(text, off, false);
    let _ = navigate::highlights(text, off);
    let _ = navigate::prepare_rename(text, off);
    if let Ok(edits) = navigate::rename(text, off, new_name) {
        apply(text, &edits);
    }
    let _ = symbols::document_symbols(text);

    let toks = tokens::semantic_tokens(text);
    for w in toks.windows(2) {
        assert!(w[0].span.end <= w[1].span.start, "tokens overlap");
    }
    for t in &toks {
        assert!(t.span.start < t.span.end && t.span.end as usize <= text.len());
    }

    for f in structure::folding_ranges(text) {
        assert!(f.start_line < f.end_line);
    }
    let sel = structure::selection_ranges(text, off);
    for w in sel.windows(2) {
        assert!(
            w[1].start <= w[0].start && w[0].end <= w[1].end,
            "selection not nested"
        );
    }

    for a in actions::code_actions(text, lo, hi, &cfg) {
        apply(text, &a.edits);
    }
    for h in hints::inlay_hints(text, lo, hi) {
        assert!(h.offset <= text.len());
    }
}

/// `analysis`: the body (see the module comment).
pub fn analysis(data: &[u8]) {
    let mut r = Input(data);
    let mut text = SEEDS[r.u8() as usize % SEEDS.len()].to_string();
    queries(&text, &mut r);
    for _ in 0..8 {
        if r.is_empty() {
            break;
        }
        let kind = r.u8();
        let at = floor(&text, r.u16() % (text.len() + 1));
        let end = floor(&text, at + r.u8() as usize % 24);
        let end = end.max(at);
        let insert: String = match kind % 4 {
            0 | 1 => SNIPPETS[r.u8() as usize % SNIPPETS.len()].to_string(),
            2 => {
                let n = r.u8() as usize % 16;
                String::from_utf8_lossy(r.bytes(n)).into_owned()
            }
            _ => String::new(),
        };
        text.replace_range(at..end, &insert);
        if text.len() > 4096 {
            let cut = floor(&text, 4096);
            text.truncate(cut);
        }
        queries(&text, &mut r);
    }
}
