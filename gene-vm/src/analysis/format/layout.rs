//! The formatter's view of a text: the lines, the opaque regions taken from
//! the reader's spans (atoms, strings, comments), and the plan of each line
//! (its new indentation and where its content starts and ends), computed from
//! the stack of delimiters still open at the start of the line.
//!
//! Nothing here tokenizes Gene: every byte that belongs to an atom (number,
//! string, symbol, character, interpolated string with everything inside it)
//! or to a comment is covered by a region built from the reader's spans. The
//! bytes between regions are whitespace, delimiters and prefix characters
//! (`#`, `` ` ``, `:`, `%`, `@`), so a `(` there is a real delimiter.

use crate::syntax::{CommentKind, Node, NodeKind, ParseResult};

/// Words whose lines keep the indentation the author gave them.
pub(super) const KEEP_WORDS: &[&str] = &["else", "elif", "then", "when", "catch", "finally"];

const BOM: &str = "\u{FEFF}";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RegionKind {
    LineComment,
    BlockComment,
    /// An atom (any leaf of the tree, an interpolated string as a whole, a
    /// property key).
    Atom,
    /// A symbol atom that is one of [`KEEP_WORDS`].
    Keyword,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Region {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) kind: RegionKind,
    /// Unterminated (an unclosed string or block comment running to the end
    /// of the text): a line starting at the very end is still inside it.
    pub(super) open: bool,
}

/// One line of the text: `start..end` is its content without the line
/// terminator (`\n` or `\r\n`), `next` the start of the following line.
#[derive(Clone, Copy, Debug)]
pub(super) struct Line {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) next: usize,
}

/// What the formatter does with the indentation of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Indent {
    /// The line starts inside a multi-line atom or block comment: untouched.
    Inside,
    /// Blank (only spaces and tabs): becomes empty.
    Blank,
    /// Comment-only or keyword line: the author's indentation stays.
    Keep,
    /// Re-indented with this many spaces.
    Spaces(usize),
}

#[derive(Clone, Copy, Debug)]
pub(super) struct LinePlan {
    pub(super) line: Line,
    pub(super) indent: Indent,
    /// Where the content starts (after the indentation; `line.start` for
    /// `Inside` lines).
    pub(super) content_start: usize,
    /// Where the content ends (trailing blanks outside atoms dropped).
    pub(super) content_end: usize,
    /// The indentation a line with ordinary content would get here (what a
    /// blank line gets when the user starts typing on it).
    pub(super) structural: usize,
}

/// Splits `text` into lines at `\n` (a `\r` right before the `\n` belongs to
/// the terminator). A byte-order mark is not part of the first line. There is
/// always at least one line; a text ending with `\n` ends with an empty line.
pub(super) fn lines(text: &str) -> Vec<Line> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = if text.starts_with(BOM) { BOM.len() } else { 0 };
    loop {
        match bytes[start..].iter().position(|&b| b == b'\n') {
            Some(i) => {
                let nl = start + i;
                let end = if nl > start && bytes[nl - 1] == b'\r' {
                    nl - 1
                } else {
                    nl
                };
                out.push(Line {
                    start,
                    end,
                    next: nl + 1,
                });
                start = nl + 1;
            }
            None => {
                out.push(Line {
                    start,
                    end: text.len(),
                    next: text.len(),
                });
                return out;
            }
        }
    }
}

/// The opaque regions of a parsed text, sorted, disjoint and non-empty.
pub(super) fn regions(text: &str, parsed: &ParseResult) -> Vec<Region> {
    let mut all = Vec::with_capacity(parsed.comments.len() + parsed.forms.len() * 4);
    for c in &parsed.comments {
        let kind = match c.kind {
            CommentKind::Line => RegionKind::LineComment,
            CommentKind::Block => RegionKind::BlockComment,
        };
        let (start, end) = (c.span.start as usize, c.span.end as usize);
        let closed = c.kind == CommentKind::Line
            || (end >= start + 4 && text.get(start..end).is_some_and(|t| t.ends_with(">#")));
        all.push(Region {
            start,
            end,
            kind,
            open: !closed,
        });
    }
    let mut work: Vec<&Node> = parsed.forms.iter().rev().collect();
    let atom = |start: u32, end: u32, kind| Region {
        start: start as usize,
        end: end as usize,
        kind,
        open: false,
    };
    while let Some(n) = work.pop() {
        match &n.kind {
            NodeKind::Array(items) => work.extend(items.iter().rev()),
            NodeKind::Map(props) => {
                for p in props.iter().rev() {
                    all.push(atom(p.key_span.start, p.key_span.end, RegionKind::Atom));
                    work.push(&p.value);
                }
            }
            NodeKind::Gene {
                head,
                props,
                children,
            } => {
                if is_interpolated_string(text, n, head.as_deref()) {
                    all.push(atom(n.span.start, n.span.end, RegionKind::Atom));
                    continue;
                }
                work.extend(children.iter().rev());
                for p in props.iter().rev() {
                    all.push(atom(p.key_span.start, p.key_span.end, RegionKind::Atom));
                    work.push(&p.value);
                }
                if let Some(h) = head {
                    work.push(h);
                }
            }
            NodeKind::Quote(inner) | NodeKind::Sealed(inner) => work.push(inner),
            NodeKind::Symbol(_) => {
                let raw = text
                    .get(n.span.start as usize..n.span.end as usize)
                    .unwrap_or("");
                let kind = if KEEP_WORDS.contains(&raw) {
                    RegionKind::Keyword
                } else {
                    RegionKind::Atom
                };
                all.push(atom(n.span.start, n.span.end, kind));
            }
            NodeKind::Error => all.push(Region {
                open: n.span.end as usize == text.len(),
                ..atom(n.span.start, n.span.end, RegionKind::Atom)
            }),
            _ => all.push(atom(n.span.start, n.span.end, RegionKind::Atom)),
        }
    }
    all.retain(|r| r.start < r.end && r.end <= text.len());
    all.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut merged: Vec<Region> = Vec::with_capacity(all.len());
    for r in all {
        match merged.last_mut() {
            // Contained (a comment inside an interpolated string, the value of
            // `^^a` sharing its key's span) or, defensively, overlapping.
            Some(last) if r.start < last.end => {
                last.open |= r.open && r.end >= last.end;
                last.end = last.end.max(r.end);
            }
            _ => merged.push(r),
        }
    }
    merged
}

/// `#"...#(...)..."` with at least one interpolation: `(#Str part ...)` whose
/// head is the synthetic `#Str` symbol at the `#"` of the literal.
fn is_interpolated_string(text: &str, n: &Node, head: Option<&Node>) -> bool {
    let Some(h) = head else { return false };
    h.is_symbol("#Str")
        && h.span.start == n.span.start
        && text
            .get(n.span.start as usize..)
            .is_some_and(|s| s.starts_with("#\""))
}

/// A form open at some point of the text.
#[derive(Clone, Copy, Debug)]
struct Open {
    /// The expected closing delimiter.
    close: u8,
    /// The width of the indentation (after formatting) of the line that
    /// opened it.
    base: usize,
    /// For `[` and `{`: the column (after formatting) of the first element
    /// when one follows the bracket on its line.
    align: Option<usize>,
}

/// Plans the lines of a text one after the other, keeping the stack of open
/// delimiters.
pub(super) struct Planner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    regions: Vec<Region>,
    /// Index of the first region that ends after the current line's start.
    ri: usize,
    stack: Vec<Open>,
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t')
}

/// Counts characters (the unit of columns) along one line, moving forward.
struct Columns<'a> {
    text: &'a str,
    pos: usize,
    col: usize,
}

impl Columns<'_> {
    fn at(&mut self, to: usize) -> usize {
        if to > self.pos {
            self.col += self.text.get(self.pos..to).map_or(0, |s| s.chars().count());
            self.pos = to;
        }
        self.col
    }
}

impl<'a> Planner<'a> {
    pub(super) fn new(text: &'a str, parsed: &ParseResult) -> Planner<'a> {
        Planner {
            text,
            bytes: text.as_bytes(),
            regions: regions(text, parsed),
            ri: 0,
            stack: Vec::new(),
        }
    }

    fn chars(&self, start: usize, end: usize) -> usize {
        self.text.get(start..end).map_or(0, |s| s.chars().count())
    }

    /// The region containing byte `pos`, searching from region index `from`.
    fn region_at(&self, from: usize, pos: usize) -> Option<Region> {
        self.regions[from..]
            .iter()
            .take_while(|r| r.start <= pos)
            .find(|r| pos < r.end)
            .copied()
    }

    /// The index in the stack of the form a closer `c` closes, following the
    /// reader's recovery: the innermost form expecting `c`, else the innermost.
    fn closed_by(&self, c: u8) -> Option<usize> {
        let top = self.stack.len().checked_sub(1)?;
        Some(self.stack.iter().rposition(|o| o.close == c).unwrap_or(top))
    }

    fn structural(&self) -> usize {
        match self.stack.last() {
            None => 0,
            Some(o) if o.close == b')' => o.base + 2,
            Some(o) => o.align.unwrap_or(o.base + 2),
        }
    }

    /// Plans one line. Lines must be given in order.
    pub(super) fn plan(&mut self, line: Line) -> LinePlan {
        while self
            .regions
            .get(self.ri)
            .is_some_and(|r| r.end < line.start || (r.end == line.start && !r.open))
        {
            self.ri += 1;
        }
        let inside = self
            .regions
            .get(self.ri)
            .is_some_and(|r| r.start < line.start);
        let mut content_start = line.start;
        if !inside {
            while content_start < line.end && is_blank(self.bytes[content_start]) {
                content_start += 1;
            }
        }
        let content_end = self.content_end(line, content_start);
        let structural = self.structural();
        // An atom that ends where this line starts took the line break with it (a
        // symbol ending in a backslash-escaped newline): the blanks that follow
        // separate it from the next token, so at the top level, where the new
        // indentation would be none, they stay (found by the format fuzz target).
        let glued = line.start > 0
            && self.regions[..self.ri.min(self.regions.len())]
                .iter()
                .rev()
                .take(4)
                .any(|r| r.kind == RegionKind::Atom && r.end == line.start && r.start < line.start);
        let indent = if inside {
            Indent::Inside
        } else if glued && content_start > line.start && structural == 0 {
            Indent::Keep
        } else if content_start == content_end {
            Indent::Blank
        } else if line.start == 0
            && content_start > 0
            && self.text[content_start..].starts_with(BOM)
        {
            // Moved to the start of the text, this U+FEFF (a symbol here)
            // would be read as a byte-order mark.
            Indent::Keep
        } else {
            match self.region_at(self.ri, content_start) {
                Some(r) if r.start == content_start && r.kind != RegionKind::Atom => Indent::Keep,
                Some(_) => Indent::Spaces(structural),
                // A closing line: the indentation of the line that opened
                // the form its first closer closes.
                None if matches!(self.bytes[content_start], b')' | b']' | b'}') => {
                    match self.closed_by(self.bytes[content_start]) {
                        Some(i) => Indent::Spaces(self.stack[i].base),
                        None => Indent::Spaces(0),
                    }
                }
                None => Indent::Spaces(structural),
            }
        };
        let plan = LinePlan {
            line,
            indent,
            content_start,
            content_end,
            structural,
        };
        self.scan(&plan);
        plan
    }

    /// The end of the line's content: trailing spaces, tabs and CRs go unless
    /// they belong to an atom or a block comment (a line comment's trailing
    /// blanks go too).
    fn content_end(&self, line: Line, content_start: usize) -> usize {
        let mut end = line.end;
        while end > content_start && matches!(self.bytes[end - 1], b' ' | b'\t' | b'\r') {
            end -= 1;
        }
        if end < line.end {
            if let Some(r) = self.region_at(self.ri, end) {
                if r.kind != RegionKind::LineComment {
                    end = r.end.min(line.end);
                }
            }
        }
        // `#` + tab is the symbol `#`, but `#` at the end of a line starts a comment:
        // keep the blank after such a `#` (found by the format fuzz target).
        if end < line.end
            && end > content_start
            && self.bytes[end - 1] == b'#'
            && !self
                .region_at(self.ri, end - 1)
                .is_some_and(|r| r.kind == RegionKind::LineComment)
        {
            end += 1;
        }
        end
    }

    /// Updates the stack with the delimiters of a planned line.
    fn scan(&mut self, plan: &LinePlan) {
        let line = plan.line;
        // Columns after formatting: `origin` is where the kept text starts
        // and `shift` the width of the new indentation before it.
        let (origin, shift) = match plan.indent {
            Indent::Spaces(n) => (plan.content_start, n),
            _ => (line.start, 0),
        };
        let base = match plan.indent {
            Indent::Spaces(n) => n,
            Indent::Blank => 0,
            Indent::Keep => self.chars(line.start, plan.content_start),
            Indent::Inside => self.chars(
                line.start,
                self.bytes[line.start..line.end]
                    .iter()
                    .position(|&b| !is_blank(b))
                    .map_or(line.end, |i| line.start + i),
            ),
        };
        let mut cols = Columns {
            text: self.text,
            pos: origin,
            col: shift,
        };
        let mut pos = plan.content_start;
        let mut r = self.ri;
        while pos < line.next {
            if let Some(reg) = self.regions.get(r) {
                if reg.start <= pos {
                    pos = pos.max(reg.end);
                    r += 1;
                    continue;
                }
            }
            let gap_end = self
                .regions
                .get(r)
                .map_or(line.next, |reg| reg.start.min(line.next));
            while pos < gap_end {
                let b = self.bytes[pos];
                match b {
                    b'(' | b'[' | b'{' => {
                        let close = match b {
                            b'(' => b')',
                            b'[' => b']',
                            _ => b'}',
                        };
                        let align = if close == b')' {
                            None
                        } else {
                            self.first_element(pos + 1, line.end, r).map(|q| cols.at(q))
                        };
                        self.stack.push(Open { close, base, align });
                    }
                    b')' | b']' | b'}' => {
                        if let Some(i) = self.closed_by(b) {
                            self.stack.truncate(i);
                        }
                    }
                    // Only in keys the reader rejected: keep escapes opaque.
                    b'\\' => pos += 1,
                    _ => {}
                }
                pos += 1;
            }
        }
    }

    /// The start of the first element after an opening bracket at `from - 1`,
    /// if one follows on the same line (ending at `line_end`); `r` is the index
    /// of the first region after the current gap.
    fn first_element(&self, from: usize, line_end: usize, r: usize) -> Option<usize> {
        let q =
            (from..line_end).find(|&i| !matches!(self.bytes[i], b' ' | b'\t' | b'\r' | b','))?;
        match self.regions.get(r) {
            Some(reg)
                if reg.start == q
                    && matches!(reg.kind, RegionKind::LineComment | RegionKind::BlockComment) =>
            {
                None
            }
            _ => Some(q),
        }
    }
}
