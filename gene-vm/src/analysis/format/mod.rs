//! The Gene formatter (`gene fmt`, LSP `formatting`, `rangeFormatting` and
//! `onTypeFormatting`).
//!
//! # Style
//!
//! The house style of the original Gene's `gene fmt` (2026): the formatter
//! re-indents and cleans, it never reflows.
//!
//! 1. **Line breaks are the author's.** No line is joined or split. Inside a
//!    line, spacing and the text of every atom (number spellings, string
//!    escapes, `#"..."` interpolations, symbols) stay exactly as written. A
//!    line that starts inside a multi-line string, a multi-line `#"..."`
//!    interpolation or a `#< >#` block comment is left untouched (its
//!    leading and trailing blanks are text of that atom or comment).
//! 2. **Indentation** (spaces only; a line's old indentation, spaces and
//!    tabs, is replaced). With the stack of forms still open at the start of
//!    the line, computed from the delimiters of the lines above (delimiters
//!    inside strings, characters, symbols, comments and interpolations do
//!    not count):
//!    - no open form: column 0;
//!    - innermost open form is a `(` (also `#(`): 2 more than the
//!      indentation of the line on which that form started, so `(var r (do`
//!      followed by its body indents the body by 2, not 4;
//!    - innermost open form is a `[` or `{` (also `#[`, `#{`): under its first
//!      element when an element follows the bracket on its opening line (a
//!      comment does not count), else 2 more than the opening line;
//!    - a line that starts with a closing delimiter gets the indentation of
//!      the line that opened the form this first closer closes.
//!
//!    Indentations and columns are counted in characters, after formatting
//!    (a line is indented relative to the new indentation of the lines above
//!    it).
//! 3. **Kept indentation.** A line whose first character starts a comment
//!    (`#`, `##`, `#!`, `#<`), and a line that starts with the word `else`,
//!    `elif`, `then`, `when`, `catch` or `finally`, keeps the indentation the
//!    author gave it, tabs included (the original's canonical sample writes
//!    ` else` and ` catch *` one space in at top level). Lines after it are
//!    indented from the open forms as usual, not from it.
//! 4. **Cleaning.** Trailing spaces, tabs and stray CRs go (also at the end
//!    of a line comment), except where they belong to a string or block
//!    comment that continues on the next line. A whitespace-only line
//!    becomes empty. Blank lines stay where they are, except blank lines at
//!    the end of the file, which go. End-of-line comments stay on their line
//!    with the spacing before them. The shebang, like every line, stays
//!    where it is (first), and a byte-order mark stays first.
//! 5. **Line endings.** Each line keeps its own terminator (`\n` or `\r\n`),
//!    so a CRLF file stays CRLF and LF files stay LF. The file ends with
//!    exactly one line terminator: if the last line had none, it gets the
//!    one of the line before it (`\n` for a one-line file). A file with no
//!    content (empty, or only blank lines) formats to the empty text.
//! 6. **Syntax errors.** A text the reader reports any error for is refused
//!    ([`FormatError`] lists the errors) and nothing is changed.
//!
//! Formatting changes only whitespace outside atoms (indentation, trailing
//! blanks, blank lines at the end), so it never changes what a program does,
//! and it is idempotent: the indentation of a line depends only on the
//! delimiters above it and on the formatted indentation of earlier lines,
//! which a second pass finds unchanged.
//!
//! For example
//!
//! ```text
//! (if (x > 5)
//! (println "big")
//! else
//! (println "small")   # keep inline
//! )
//! ```
//!
//! becomes
//!
//! ```text
//! (if (x > 5)
//!   (println "big")
//! else
//!   (println "small")   # keep inline
//! )
//! ```

use std::fmt;

use crate::syntax::{parse, SyntaxError};

mod layout;
#[cfg(test)]
mod tests;

use layout::{lines, Indent, LinePlan, Planner};

/// The text was not formatted because the reader found syntax errors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError {
    /// Every reader error, in source order (message and byte span).
    pub errors: Vec<SyntaxError>,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors.len();
        write!(
            f,
            "the text has {n} syntax error{}",
            if n == 1 { "" } else { "s" }
        )?;
        if let Some(e) = self.errors.first() {
            write!(f, " (first: {})", e.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for FormatError {}

/// One edit of a single line: replace the bytes `start..end` of line `line`
/// (0-based; offsets are bytes from the start of the line, the byte-order
/// mark included on line 0) with `new_text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineEdit {
    pub line: usize,
    pub start: usize,
    pub end: usize,
    pub new_text: String,
}

fn check(text: &str) -> Result<Vec<LinePlan>, FormatError> {
    let parsed = parse(text);
    if !parsed.errors.is_empty() {
        return Err(FormatError {
            errors: parsed.errors,
        });
    }
    let mut planner = Planner::new(text, &parsed);
    Ok(lines(text).into_iter().map(|l| planner.plan(l)).collect())
}

fn push_spaces(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// Formats a whole text in the style described in the module documentation.
/// Refuses (returns the reader's errors) when the text has syntax errors.
pub fn format(text: &str) -> Result<String, FormatError> {
    let plans = check(text)?;
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    if text.starts_with('\u{FEFF}') {
        out.push('\u{FEFF}');
    }
    // Where the content of the last non-blank line ends in `out`, and that
    // line's terminator.
    let mut last: Option<(usize, &str)> = None;
    let mut default_term = "\n";
    for p in &plans {
        let l = p.line;
        let term = &text[l.end..l.next];
        let kept = &text[p.content_start..p.content_end];
        match p.indent {
            Indent::Blank => {}
            Indent::Inside | Indent::Keep => out.push_str(&text[l.start..p.content_end]),
            Indent::Spaces(n) => {
                push_spaces(&mut out, n);
                out.push_str(kept);
            }
        }
        if p.indent != Indent::Blank {
            last = Some((out.len(), term));
        }
        if !term.is_empty() {
            default_term = term;
        }
        out.push_str(term);
    }
    match last {
        None => Ok(String::new()),
        Some((end, term)) => {
            out.truncate(end);
            out.push_str(if term.is_empty() { default_term } else { term });
            Ok(out)
        }
    }
}

/// The edits that re-indent and clean lines `start_line..=end_line`
/// (0-based, inclusive; clamped to the text) exactly as [`format`] would,
/// computed from the whole text. Blank lines at the end of the file and the
/// final newline are left to [`format`]. Refuses texts with syntax errors.
pub fn format_range(
    text: &str,
    start_line: usize,
    end_line: usize,
) -> Result<Vec<LineEdit>, FormatError> {
    let plans = check(text)?;
    let mut edits = Vec::new();
    let last = end_line.min(plans.len().saturating_sub(1));
    for (i, p) in plans.iter().enumerate().take(last + 1).skip(start_line) {
        // Offsets relative to the real start of the line (byte 0 on line 0).
        let origin = if i == 0 { 0 } else { p.line.start };
        let rel = |b: usize| b - origin;
        let (ls, cs, ce, le) = (p.line.start, p.content_start, p.content_end, p.line.end);
        match p.indent {
            Indent::Blank => {
                if le > ls {
                    edits.push(LineEdit {
                        line: i,
                        start: rel(ls),
                        end: rel(le),
                        new_text: String::new(),
                    });
                }
                continue;
            }
            Indent::Spaces(n) => {
                let old = &text[ls..cs];
                if old.len() != n || old.bytes().any(|b| b != b' ') {
                    let mut new_text = String::new();
                    push_spaces(&mut new_text, n);
                    edits.push(LineEdit {
                        line: i,
                        start: rel(ls),
                        end: rel(cs),
                        new_text,
                    });
                }
            }
            Indent::Inside | Indent::Keep => {}
        }
        if ce < le {
            edits.push(LineEdit {
                line: i,
                start: rel(ce),
                end: rel(le),
                new_text: String::new(),
            });
        }
    }
    Ok(edits)
}

/// The indentation (in spaces) the formatter gives line `line` (0-based) of a
/// text that may be incomplete or have syntax errors (the reader recovers;
/// the open forms are those of the lines above). For a blank line, the
/// indentation a line with ordinary content would get there; for a line
/// that keeps its indentation (comment, `else`, ...), its current width.
/// `None` when the line does not exist or starts inside a multi-line string
/// or block comment.
pub fn indent_for_line(text: &str, line: usize) -> Option<usize> {
    let all = lines(text);
    if line >= all.len() {
        return None;
    }
    let parsed = parse(text);
    let mut planner = Planner::new(text, &parsed);
    let mut plan = None;
    for l in all.into_iter().take(line + 1) {
        plan = Some(planner.plan(l));
    }
    let p = plan?;
    match p.indent {
        Indent::Inside => None,
        Indent::Blank => Some(p.structural),
        Indent::Keep => Some(text[p.line.start..p.content_start].chars().count()),
        Indent::Spaces(n) => Some(n),
    }
}
