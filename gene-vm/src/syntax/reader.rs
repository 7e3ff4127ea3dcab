//! The Gene reader: source text -> syntax tree with byte spans (language
//! reference, section 1).
//!
//! [`parse`] never fails and never panics: it returns every top-level form it
//! could read (with [`NodeKind::Error`] placeholders where it could not), every
//! problem found, and all comments as trivia. It works on bytes in a single
//! left-to-right pass (linear time); every span it produces lies on UTF-8
//! character boundaries of the input.
//!
//! Layout: this file holds the driver, whitespace/comments, tokens (numbers,
//! symbols, paths), collections, prefix forms and the nesting limit;
//! `reader/props.rs` property keys, shortcuts and merging; `reader/string.rs`
//! strings, interpolation and character literals.

use super::tree::{Comment, CommentKind, Node, NodeKind, ParseResult, Span, SyntaxError};
use props::{PropBuilder, RawProp};

mod literals;
mod props;
mod string;
#[cfg(test)]
mod tests;

/// Maximum nesting depth of forms. A form nested deeper is skipped (reported as
/// an error and replaced by an `Error` node), so consumers walking the tree
/// recursively never see more than this many levels of nodes.
pub const MAX_NESTING: usize = 256;

/// Maximum number of `^`-separated segments in one property key (`^a^b^c v`).
const MAX_KEY_SEGMENTS: usize = 32;

/// Marks a string-interpolation boundary on the stack of expected closers:
/// a closing delimiter inside `#"...#(...)..."` never closes a form opened
/// outside the string.
const BARRIER: u8 = 0;

/// Reads Gene source text. Never fails, never panics.
pub fn parse(src: &str) -> ParseResult {
    let mut r = Reader::new(src);
    if src.starts_with('\u{FEFF}') {
        r.pos = '\u{FEFF}'.len_utf8();
    }
    let mut forms = Vec::new();
    loop {
        r.skip_ws();
        let Some(c) = r.peek() else { break };
        if is_closer(c) {
            r.error(r.pos, r.pos + 1, format!("Unexpected '{}'", c as char));
            r.pos += 1;
            continue;
        }
        forms.push(r.read_form());
    }
    r.finish(forms)
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b',')
}

fn is_closer(b: u8) -> bool {
    matches!(b, b')' | b']' | b'}')
}

/// Bytes that end a symbol/number token (section 1.7).
fn is_terminator(b: u8) -> bool {
    is_ws(b)
        || matches!(
            b,
            b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'"' | b'%' | b'`'
        )
}

fn opener_of(close: u8) -> char {
    match close {
        b')' => '(',
        b']' => '[',
        _ => '{',
    }
}

/// One element of a delimited sequence: a form, or a property (maps and gene
/// expressions only). `None` properties had an invalid key (already reported).
enum Item {
    Node(Node),
    Prop(Option<RawProp>),
}

/// A scanned symbol-like token.
struct Token {
    /// Text with backslash escapes processed (the last segment for paths).
    text: String,
    /// Segments before each unescaped `/` (None: no `/` in the token).
    segments: Option<Vec<String>>,
    escaped: bool,
}

struct Reader<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    errors: Vec<SyntaxError>,
    comments: Vec<Comment>,
    /// Expected closing delimiters of the forms being read (innermost last),
    /// with `BARRIER` at string-interpolation boundaries.
    closers: Vec<u8>,
    depth: usize,
}

impl<'a> Reader<'a> {
    fn new(src: &'a str) -> Reader<'a> {
        Reader {
            src,
            bytes: src.as_bytes(),
            pos: 0,
            errors: Vec::new(),
            comments: Vec::new(),
            closers: Vec::new(),
            depth: 0,
        }
    }

    fn finish(mut self, forms: Vec<Node>) -> ParseResult {
        self.errors.sort_by_key(|e| e.span.start);
        self.comments.sort_by_key(|c| c.span.start);
        ParseResult {
            forms,
            errors: self.errors,
            comments: self.comments,
        }
    }

    // ----- low-level helpers -------------------------------------------------

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.pos + offset).copied()
    }

    fn char_at(&self, pos: usize) -> Option<char> {
        self.src.get(pos..).and_then(|s| s.chars().next())
    }

    fn text(&self, start: usize, end: usize) -> &'a str {
        self.src.get(start..end).unwrap_or("")
    }

    fn error(&mut self, start: usize, end: usize, message: impl Into<String>) {
        let end = end.min(self.src.len());
        self.errors.push(SyntaxError {
            message: message.into(),
            span: Span::new(start.min(end), end),
        });
    }

    /// Is the `#` at `pos` the start of a comment (`# `, `#!`, `##`, `#` + CR/LF
    /// or end of input, `#<`)?
    fn comment_at(&self, pos: usize) -> bool {
        self.bytes.get(pos) == Some(&b'#')
            && matches!(
                self.bytes.get(pos + 1),
                None | Some(b' ' | b'!' | b'#' | b'\r' | b'\n' | b'<')
            )
    }

    /// Does a form start at `pos` (not whitespace, a closer, a comment or the end)?
    fn form_at(&self, pos: usize) -> bool {
        match self.bytes.get(pos) {
            None => false,
            Some(&b) => !is_ws(b) && !is_closer(b) && !self.comment_at(pos),
        }
    }

    /// Skips whitespace, commas and comments, recording the comments.
    fn skip_ws(&mut self) {
        while let Some(b) = self.peek() {
            if is_ws(b) {
                self.pos += 1;
            } else if self.comment_at(self.pos) {
                if self.peek_at(1) == Some(b'<') {
                    self.skip_block_comment();
                } else {
                    self.skip_line_comment();
                }
            } else {
                break;
            }
        }
    }

    fn skip_line_comment(&mut self) {
        let start = self.pos;
        let mut end = self.bytes[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.bytes.len(), |i| start + i);
        self.pos = end;
        if end > start && self.bytes.get(end - 1) == Some(&b'\r') && end < self.bytes.len() {
            end -= 1;
        }
        self.comments.push(Comment {
            kind: CommentKind::Line,
            span: Span::new(start, end),
        });
    }

    /// At `#<`: skips to just after the next `>#`.
    fn skip_block_comment(&mut self) {
        let start = self.pos;
        let body = start + 2;
        let end = match self.bytes.get(body..).and_then(|rest| {
            rest.windows(2)
                .position(|w| w == b">#")
                .map(|i| body + i + 2)
        }) {
            Some(end) => end,
            None => {
                self.error(
                    start,
                    start + 2,
                    "Unterminated block comment '#<' (missing '>#')",
                );
                self.bytes.len()
            }
        };
        self.pos = end;
        self.comments.push(Comment {
            kind: CommentKind::Block,
            span: Span::new(start, end),
        });
    }

    // ----- forms -------------------------------------------------------------

    /// Reads one form. The caller guarantees `form_at(self.pos)`. Always
    /// consumes at least one byte.
    fn read_form(&mut self) -> Node {
        if self.depth >= MAX_NESTING {
            return self.skip_deep_form();
        }
        self.depth += 1;
        let start = self.pos;
        let node = self.read_form_inner();
        self.depth -= 1;
        if self.pos == start {
            // Defensive: never loop without progress.
            let len = self.char_at(start).map_or(1, char::len_utf8);
            self.pos = (start + len).min(self.bytes.len());
            self.error(start, self.pos, "Unexpected character");
            return Node::new(NodeKind::Error, Span::new(start, self.pos));
        }
        node
    }

    fn read_form_inner(&mut self) -> Node {
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Node::new(NodeKind::Error, Span::new(start, start));
        };
        match c {
            b'(' => self.read_gene(start, start),
            b'[' => self.read_array(start, start),
            b'{' if self.peek_at(1) == Some(b'{') => self.read_hash_map(start),
            b'{' => self.read_map(start, start),
            b'"' => self.read_string(start, false),
            b'\'' => self.read_char(),
            b'`' | b':' => self.read_quote(start),
            b'%' => self.read_unquote(start),
            // Outside maps and gene expressions `^name` is an ordinary symbol
            // token: `[^addr ^wait = 30]` (keyword parameters, section 6.3).
            b'#' => match self.peek_at(1) {
                Some(b'"') => self.read_string(start, true),
                Some(b'(' | b'[' | b'{') => self.read_sealed(start),
                Some(b'@') => self.read_decorator(start),
                Some(b'/') => self.read_regex(start),
                _ => self.read_token(),
            },
            _ => self.read_token(),
        }
    }

    /// `#[...]`, `#{...}`, `#{{...}}`, `#(...)`: a sealed literal (later 7.1),
    /// the container without the `#` wrapped in `Sealed`.
    fn read_sealed(&mut self, start: usize) -> Node {
        let open = start + 1;
        // Unclosed-delimiter errors point at `#[` as a whole.
        let mut inner = match self.peek_at(1) {
            Some(b'(') => self.read_gene(start, open),
            Some(b'[') => self.read_array(start, open),
            _ if self.peek_at(2) == Some(b'{') => self.read_hash_map(open),
            _ => self.read_map(start, open),
        };
        inner.span.start = open as u32;
        let span = Span::new(start, inner.span.end as usize);
        Node::new(NodeKind::Sealed(Box::new(inner)), span)
    }

    /// `` `x `` and `:x`. A lone `:` is the symbol `:`.
    fn read_quote(&mut self, start: usize) -> Node {
        let colon = self.peek() == Some(b':');
        self.pos = start + 1;
        if self.form_at(self.pos) {
            let inner = Box::new(self.read_form());
            let span = Span::new(start, inner.span.end as usize);
            return Node::new(NodeKind::Quote(inner), span);
        }
        if colon {
            return Node::new(NodeKind::Symbol(":".into()), Span::new(start, start + 1));
        }
        self.error(start, start + 1, "Expected a form after '`'");
        Node::new(NodeKind::Error, Span::new(start, start + 1))
    }

    /// `%expr` -> `(% expr)`, `%_expr` -> `(%_ expr)`; a `%` not followed by a
    /// form is the symbol `%` (the modulo operator).
    fn read_unquote(&mut self, start: usize) -> Node {
        self.pos = start + 1;
        // `%=` is the modulo-assignment operator, not an unquote.
        if self.peek() == Some(b'=') && !self.form_at(self.pos + 1) {
            self.pos += 1;
            return Node::new(NodeKind::Symbol("%=".into()), Span::new(start, self.pos));
        }
        let head_name = if self.peek() == Some(b'_') && self.form_at(self.pos + 1) {
            self.pos += 1;
            "%_"
        } else {
            "%"
        };
        let head = Node::new(
            NodeKind::Symbol(head_name.into()),
            Span::new(start, self.pos),
        );
        if !self.form_at(self.pos) {
            return head;
        }
        let child = self.read_form();
        let span = Span::new(start, child.span.end as usize);
        Node::new(
            NodeKind::Gene {
                head: Some(Box::new(head)),
                props: Vec::new(),
                children: vec![child],
            },
            span,
        )
    }

    /// `#@x y` -> `(x y)`.
    fn read_decorator(&mut self, start: usize) -> Node {
        self.pos = start + 2;
        if !self.form_at(self.pos) {
            self.error(start, start + 2, "Expected a form after '#@'");
            return Node::new(NodeKind::Error, Span::new(start, start + 2));
        }
        let head = self.read_form();
        self.skip_ws();
        let mut children = Vec::new();
        let mut end = head.span.end as usize;
        if self.form_at(self.pos) {
            let child = self.read_form();
            end = child.span.end as usize;
            children.push(child);
        } else {
            self.error(
                start,
                head.span.end as usize,
                "Expected a form after the decorator",
            );
        }
        Node::new(
            NodeKind::Gene {
                head: Some(Box::new(head)),
                props: Vec::new(),
                children,
            },
            Span::new(start, end),
        )
    }

    /// Scans a symbol-like token from `self.pos` up to a terminator, processing
    /// backslash escapes and splitting at unescaped `/`.
    fn scan_token(&mut self) -> Token {
        let mut text = String::new();
        let mut segments: Option<Vec<String>> = None;
        let mut escaped = false;
        while let Some(b) = self.peek() {
            if is_terminator(b) {
                break;
            }
            match b {
                b'\\' => {
                    escaped = true;
                    let at = self.pos;
                    self.pos += 1;
                    match self.char_at(self.pos) {
                        Some(c) => {
                            text.push(c);
                            self.pos += c.len_utf8();
                        }
                        None => self.error(at, self.pos, "Backslash at end of input"),
                    }
                }
                b'/' => {
                    segments
                        .get_or_insert_with(Vec::new)
                        .push(std::mem::take(&mut text));
                    self.pos += 1;
                }
                _ if b.is_ascii() => {
                    text.push(b as char);
                    self.pos += 1;
                }
                _ => match self.char_at(self.pos) {
                    Some(c) => {
                        text.push(c);
                        self.pos += c.len_utf8();
                    }
                    None => self.pos += 1,
                },
            }
        }
        Token {
            text,
            segments,
            escaped,
        }
    }

    /// Numbers, reserved words, symbols and paths.
    fn read_token(&mut self) -> Node {
        let start = self.pos;
        let tok = self.scan_token();
        let end = self.pos;
        let span = Span::new(start, end);
        let raw = self.text(start, end);
        let rb = raw.as_bytes();
        let numeric = match rb {
            [d, ..] if d.is_ascii_digit() => true,
            [b'+' | b'-', d, ..] => d.is_ascii_digit(),
            _ => false,
        };
        if numeric && super::datetime::looks_like(raw) {
            // A zone name in brackets belongs to the literal: `10:00[America/New_York]`.
            let mut end = end;
            if self.peek() == Some(b'[') {
                if let Some(close) = self.bytes[end..].iter().position(|&b| b == b']') {
                    end += close + 1;
                    self.pos = end;
                }
            }
            let raw = self.text(start, end);
            let span = Span::new(start, end);
            return match super::datetime::parse(raw) {
                Ok(lit) => Node::new(NodeKind::DateTime(Box::new(lit)), span),
                Err(message) => {
                    self.error(start, end, message);
                    Node::new(NodeKind::Error, span)
                }
            };
        }
        if numeric && matches!(rb, [b'0', b'#' | b'!' | b'*', ..]) {
            return self.read_bytes(start, end);
        }
        if numeric {
            return match parse_number(raw) {
                Ok(kind) => Node::new(kind, span),
                Err(message) => {
                    self.error(start, end, message);
                    Node::new(NodeKind::Error, span)
                }
            };
        }
        if !tok.escaped {
            let kind = match raw {
                "true" => Some(NodeKind::Bool(true)),
                "false" => Some(NodeKind::Bool(false)),
                "nil" => Some(NodeKind::Nil),
                "void" => Some(NodeKind::Void),
                "not_found" => Some(NodeKind::NotFound),
                // Operators that contain a slash are symbols, not paths.
                "/" | "/=" => Some(NodeKind::Symbol(raw.into())),
                _ => None,
            };
            if let Some(kind) = kind {
                return Node::new(kind, span);
            }
        }
        match tok.segments {
            Some(mut segs) => {
                segs.push(tok.text);
                Node::new(NodeKind::Path(segs), span)
            }
            None => Node::new(NodeKind::Symbol(tok.text), span),
        }
    }

    // ----- collections -------------------------------------------------------

    /// Reads the elements of a delimited sequence whose opening delimiter is at
    /// `open` (`span_start` is where the form's text starts, e.g. a `#`). Returns
    /// the items and the end of the form. Recovers from missing and
    /// mismatched closers.
    fn read_seq(
        &mut self,
        span_start: usize,
        open: usize,
        close: u8,
        props: bool,
    ) -> (Vec<Item>, usize) {
        self.pos = open + 1;
        self.closers.push(close);
        let mut items = Vec::new();
        let mut last_end = self.pos;
        let end = loop {
            self.skip_ws();
            let Some(c) = self.peek() else {
                self.unclosed(span_start, open, close);
                break last_end;
            };
            if is_closer(c) {
                if c == close {
                    self.pos += 1;
                    break self.pos;
                }
                if self.enclosing_expects(c) {
                    // Leave the closer for the enclosing form.
                    self.unclosed(span_start, open, close);
                    break last_end;
                }
                self.mismatched(c, close);
                self.pos += 1;
                break self.pos;
            }
            let item = if props && c == b'^' {
                Item::Prop(self.read_prop())
            } else {
                Item::Node(self.read_form())
            };
            items.push(item);
            last_end = self.pos;
        };
        self.closers.pop();
        (items, end)
    }

    // Error reporting lives outside the recursive readers to keep their stack
    // frames small (deep nesting must not exhaust a 2 MB thread stack).
    #[cold]
    #[inline(never)]
    fn unclosed(&mut self, span_start: usize, open: usize, close: u8) {
        let message = format!("Unclosed '{}' opened here", opener_of(close));
        self.error(span_start, open + 1, message);
    }

    #[cold]
    #[inline(never)]
    fn mismatched(&mut self, found: u8, close: u8) {
        let message = format!(
            "Mismatched '{}': expected '{}'",
            found as char, close as char
        );
        self.error(self.pos, self.pos + 1, message);
    }

    /// Does a form enclosing the current one (within the same string
    /// interpolation level) expect the closer `c`?
    fn enclosing_expects(&self, c: u8) -> bool {
        self.closers
            .iter()
            .rev()
            .skip(1)
            .take_while(|&&x| x != BARRIER)
            .any(|&x| x == c)
    }

    fn read_array(&mut self, span_start: usize, open: usize) -> Node {
        let (items, end) = self.read_seq(span_start, open, b']', false);
        Self::build_array(items, Span::new(span_start, end))
    }

    fn read_map(&mut self, span_start: usize, open: usize) -> Node {
        let (items, end) = self.read_seq(span_start, open, b'}', true);
        self.build_map(items, Span::new(span_start, end))
    }

    fn read_gene(&mut self, span_start: usize, open: usize) -> Node {
        let (items, end) = self.read_seq(span_start, open, b')', true);
        self.build_gene(items, Span::new(span_start, end))
    }

    // The builders are kept out of the recursive readers so that their locals
    // do not weigh on the stack while nested forms are read.

    #[inline(never)]
    fn build_array(items: Vec<Item>, span: Span) -> Node {
        let elems = items
            .into_iter()
            .filter_map(|it| match it {
                Item::Node(n) => Some(n),
                Item::Prop(_) => None,
            })
            .collect();
        Node::new(NodeKind::Array(elems), span)
    }

    #[inline(never)]
    fn build_map(&mut self, items: Vec<Item>, span: Span) -> Node {
        let mut builder = PropBuilder::default();
        for item in items {
            match item {
                Item::Prop(Some(p)) => builder.add(&p.segs, p.value, p.shortcut, &mut self.errors),
                Item::Prop(None) => {}
                Item::Node(n) => {
                    let (s, e) = (n.span.start as usize, n.span.end as usize);
                    self.error(s, e, "Expected a property (^key value) in a map");
                }
            }
        }
        Node::new(NodeKind::Map(builder.finish()), span)
    }

    #[inline(never)]
    fn build_gene(&mut self, items: Vec<Item>, span: Span) -> Node {
        let mut builder = PropBuilder::default();
        let mut head = None;
        let mut children = Vec::new();
        for item in items {
            match item {
                Item::Prop(Some(p)) => builder.add(&p.segs, p.value, p.shortcut, &mut self.errors),
                Item::Prop(None) => {}
                Item::Node(n) if head.is_none() => head = Some(Box::new(n)),
                Item::Node(n) => children.push(n),
            }
        }
        Node::new(
            NodeKind::Gene {
                head,
                props: builder.finish(),
                children,
            },
            span,
        )
    }

    // ----- depth limit -------------------------------------------------------

    /// Skips one form without building it (used beyond `MAX_NESTING`), scanning
    /// iteratively so arbitrarily deep input cannot exhaust the stack.
    fn skip_deep_form(&mut self) -> Node {
        let start = self.pos;
        let first_len = self.char_at(start).map_or(1, char::len_utf8);
        self.error(
            start,
            start + first_len,
            format!("Forms nested too deeply (more than {MAX_NESTING} levels)"),
        );
        let mut level = 0usize;
        let mut first = true;
        loop {
            if !first {
                if level > 0 {
                    self.skip_ws();
                } else if !self.form_at(self.pos) {
                    break;
                }
            }
            first = false;
            let Some(c) = self.peek() else { break };
            match c {
                b'(' | b'[' | b'{' => {
                    level += 1;
                    self.pos += 1;
                }
                b')' | b']' | b'}' => {
                    if level == 0 {
                        break;
                    }
                    level -= 1;
                    self.pos += 1;
                    if level == 0 {
                        break;
                    }
                }
                b'"' => {
                    self.skip_plain_string();
                    if level == 0 {
                        break;
                    }
                }
                // Prefixes: the operand follows.
                b'`' | b'%' | b':' => self.pos += 1,
                b'#' if matches!(self.peek_at(1), Some(b'(' | b'[' | b'{' | b'"' | b'@')) => {
                    self.pos += 1;
                    if self.peek() == Some(b'@') {
                        self.pos += 1;
                    }
                }
                _ => {
                    self.scan_token();
                    if self.pos == start {
                        self.pos += self.char_at(self.pos).map_or(1, char::len_utf8);
                    }
                    if level == 0 {
                        break;
                    }
                }
            }
        }
        if self.pos == start {
            self.pos += self.char_at(self.pos).map_or(1, char::len_utf8);
        }
        Node::new(NodeKind::Error, Span::new(start, self.pos))
    }

    /// At `"`: skips to just after the closing quote (no escapes processed).
    fn skip_plain_string(&mut self) {
        self.pos += 1;
        while let Some(b) = self.peek() {
            match b {
                b'"' => {
                    self.pos += 1;
                    return;
                }
                b'\\' => {
                    self.pos += 1;
                    self.pos += self.char_at(self.pos).map_or(0, char::len_utf8);
                }
                _ => self.pos += self.char_at(self.pos).map_or(1, char::len_utf8),
            }
        }
    }
}

/// Validates and converts a token that starts like a number.
fn parse_number(raw: &str) -> Result<NodeKind, String> {
    // `0x1F`, `0XFF`, `-0x10` (`_` separators): hexadecimal integers (later 7.4).
    let (neg, unsigned) = match raw.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, raw.strip_prefix('+').unwrap_or(raw)),
    };
    if let Some(hex) = unsigned
        .strip_prefix("0x")
        .or_else(|| unsigned.strip_prefix("0X"))
    {
        let digits: String = hex.chars().filter(|c| *c != '_').collect();
        let value = (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_hexdigit()))
            .then(|| i64::from_str_radix(&digits, 16).ok())
            .flatten();
        return match value {
            Some(v) => Ok(NodeKind::Int(if neg { -v } else { v })),
            None => Err(format!("Invalid number literal: {raw}")),
        };
    }
    let b = raw.as_bytes();
    let digits = |mut i: usize| {
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let int_end = digits(i);
    let mut valid = int_end > i;
    let mut is_float = false;
    i = int_end;
    if valid && b.get(i) == Some(&b'.') {
        let frac_end = digits(i + 1);
        valid = frac_end > i + 1;
        is_float = true;
        i = frac_end;
    }
    if valid && matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let exp_end = digits(j);
        valid = exp_end > j;
        is_float = true;
        i = exp_end;
    }
    if !valid || i != b.len() {
        return Err(format!("Invalid number literal: {raw}"));
    }
    if is_float {
        match raw.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(NodeKind::Float(f)),
            _ => Err(format!("Float literal out of range: {raw}")),
        }
    } else {
        raw.parse::<i64>()
            .map(NodeKind::Int)
            .map_err(|_| format!("Integer literal out of range: {raw}"))
    }
}
