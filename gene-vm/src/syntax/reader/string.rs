//! Strings (plain, triple-quoted, interpolated) and character literals
//! (language reference, sections 1.5 and 1.6).

use super::{is_terminator, is_ws, Item, Reader, BARRIER};
use crate::syntax::tree::{Node, NodeKind, Span};

fn push_quotes(text: &mut String, n: usize) {
    for _ in 0..n {
        text.push('"');
    }
}

/// A piece of an interpolated string.
enum Part {
    Text(String, Span),
    Expr(Node),
}

impl Reader<'_> {
    /// Reads a string literal starting at `start` (at `"`, or at `#"` when
    /// `interp`).
    pub(super) fn read_string(&mut self, start: usize, interp: bool) -> Node {
        let quote = if interp { start + 1 } else { start };
        let triple = self
            .bytes
            .get(quote..)
            .is_some_and(|r| r.starts_with(b"\"\"\""));
        let open_end = quote + if triple { 3 } else { 1 };
        self.pos = open_end;
        if interp {
            self.closers.push(BARRIER);
        }
        let mut parts: Vec<Part> = Vec::new();
        let mut text = String::new();
        let mut text_start = self.pos;
        if triple {
            if let Some(after) = self.blank_line_end(self.pos) {
                text.push('\n');
                self.pos = after;
            }
        }
        let content_start = self.pos;
        let closed = loop {
            let Some(b) = self.peek() else { break false };
            match b {
                b'"' if triple => {
                    let run = self.bytes[self.pos..]
                        .iter()
                        .take_while(|&&c| c == b'"')
                        .count();
                    if run >= 3 {
                        let close_at = self.pos + run - 3;
                        push_quotes(&mut text, run - 3);
                        self.trim_trailing_blank_line(
                            &mut text,
                            content_start.max(text_start),
                            close_at,
                        );
                        self.pos += run;
                        break true;
                    }
                    push_quotes(&mut text, run);
                    self.pos += run;
                }
                b'"' => {
                    self.pos += 1;
                    break true;
                }
                b'\\' => {
                    if let Some(c) = self.read_string_escape() {
                        text.push(c);
                    }
                }
                b'#' if interp => match self.peek_at(1) {
                    Some(b'{' | b'(' | b'[') => {
                        let hash = self.pos;
                        if !text.is_empty() {
                            parts.push(Part::Text(
                                std::mem::take(&mut text),
                                Span::new(text_start, hash),
                            ));
                        }
                        if let Some(node) = self.read_interpolation(hash) {
                            parts.push(Part::Expr(node));
                        }
                        text_start = self.pos;
                    }
                    Some(b'<') => self.skip_block_comment(),
                    _ => {
                        text.push('#');
                        self.pos += 1;
                    }
                },
                _ => {
                    let run_end = self.bytes[self.pos..]
                        .iter()
                        .position(|&c| c == b'"' || c == b'\\' || (interp && c == b'#'))
                        .map_or(self.bytes.len(), |i| self.pos + i);
                    text.push_str(self.text(self.pos, run_end));
                    self.pos = run_end.max(self.pos + 1);
                }
            }
        };
        if interp {
            self.closers.pop();
        }
        self.finish_string(start, open_end, triple, closed, parts, text, text_start)
    }

    /// Builds the node of a string literal read by `read_string` (kept apart
    /// so the recursive reader's stack frame stays small).
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn finish_string(
        &mut self,
        start: usize,
        open_end: usize,
        triple: bool,
        closed: bool,
        mut parts: Vec<Part>,
        text: String,
        text_start: usize,
    ) -> Node {
        let end = self.pos;
        if !closed {
            let what = if triple { "triple-quoted " } else { "" };
            self.error(
                start,
                open_end,
                format!("Unterminated {what}string (opened here)"),
            );
            return Node::new(NodeKind::Error, Span::new(start, end));
        }
        let span = Span::new(start, end);
        if !parts.iter().any(|p| matches!(p, Part::Expr(_))) {
            let mut s = String::new();
            for p in parts {
                if let Part::Text(t, _) = p {
                    s.push_str(&t);
                }
            }
            s.push_str(&text);
            return Node::new(NodeKind::Str(s), span);
        }
        let close_len = if triple { 3 } else { 1 };
        if !text.is_empty() {
            parts.push(Part::Text(
                text,
                Span::new(text_start, end.saturating_sub(close_len).max(text_start)),
            ));
        }
        let head = Node::new(NodeKind::Symbol("#Str".into()), Span::new(start, start + 2));
        let children = parts
            .into_iter()
            .map(|p| match p {
                Part::Text(t, sp) => Node::new(NodeKind::Str(t), sp),
                Part::Expr(n) => n,
            })
            .collect();
        Node::new(
            NodeKind::Gene {
                head: Some(Box::new(head)),
                props: Vec::new(),
                children,
            },
            span,
        )
    }

    /// If only blanks (space, tab, CR) precede the next LF from `pos`, returns
    /// the position just after that LF.
    fn blank_line_end(&self, pos: usize) -> Option<usize> {
        let mut i = pos;
        loop {
            match self.bytes.get(i)? {
                b' ' | b'\t' | b'\r' => i += 1,
                b'\n' => return Some(i + 1),
                _ => return None,
            }
        }
    }

    /// Triple-quoted strings: a final newline + blanks before the closing
    /// `"""` (at `close_at`) becomes a single `\n`.
    fn trim_trailing_blank_line(&self, text: &mut String, lower: usize, close_at: usize) {
        let mut i = close_at;
        while i > lower && matches!(self.bytes.get(i - 1), Some(b' ' | b'\t')) {
            i -= 1;
        }
        if i <= lower || self.bytes.get(i - 1) != Some(&b'\n') {
            return;
        }
        i -= 1;
        if i > lower && self.bytes.get(i - 1) == Some(&b'\r') {
            i -= 1;
        }
        let raw = self.text(i, close_at);
        if !raw.is_empty() && text.ends_with(raw) {
            text.truncate(text.len() - raw.len());
            text.push('\n');
        }
    }

    /// At `#{`, `#(` or `#[` inside an interpolated string: reads the embedded
    /// expression. Returns `None` for an empty `#{}` (reported).
    fn read_interpolation(&mut self, hash: usize) -> Option<Node> {
        let open = hash + 1;
        match self.bytes.get(open) {
            Some(b'(') => return Some(self.read_form_at(|r| r.read_gene(open, open))),
            Some(b'[') => return Some(self.read_form_at(|r| r.read_array(open, open))),
            _ => {}
        }
        let mut i = open + 1;
        while self.bytes.get(i).is_some_and(|&b| is_ws(b)) {
            i += 1;
        }
        if self.bytes.get(i) == Some(&b'^') {
            return Some(self.read_form_at(|r| r.read_map(open, open)));
        }
        let (items, end) = self.read_seq(hash, open, b'}', false);
        let mut nodes = items.into_iter().filter_map(|it| match it {
            Item::Node(n) => Some(n),
            Item::Prop(_) => None,
        });
        let first = nodes.next();
        let message = match (&first, nodes.next()) {
            (None, _) => "Empty interpolation '#{}'",
            (Some(_), Some(_)) => {
                "Expected a single expression in '#{...}' (wrap calls in parentheses)"
            }
            _ => return first,
        };
        self.error(hash, end, message);
        first
    }

    /// Runs a collection reader under the nesting limit (like `read_form`).
    fn read_form_at(&mut self, f: impl FnOnce(&mut Self) -> Node) -> Node {
        if self.depth >= super::MAX_NESTING {
            self.pos += 1;
            return self.skip_deep_form();
        }
        self.depth += 1;
        let node = f(self);
        self.depth -= 1;
        node
    }

    /// At a backslash inside a string: processes the escape. Returns `None` at
    /// the end of input.
    fn read_string_escape(&mut self) -> Option<char> {
        let bs = self.pos;
        self.pos += 1;
        let c = self.char_at(self.pos)?;
        self.pos += c.len_utf8();
        Some(match c {
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'u' => self.read_unicode_escape(bs),
            other => other,
        })
    }

    /// Reads 4 hex digits at `pos`, if present.
    fn hex4(&self, pos: usize) -> Option<u32> {
        let digits = self.bytes.get(pos..pos + 4)?;
        let mut v = 0u32;
        for &d in digits {
            v = v * 16 + char::from(d).to_digit(16)?;
        }
        Some(v)
    }

    /// After `\u` (the backslash at `bs`): reads `XXXX`, combining a UTF-16
    /// surrogate pair written as two escapes. Errors yield U+FFFD.
    fn read_unicode_escape(&mut self, bs: usize) -> char {
        let Some(hi) = self.hex4(self.pos) else {
            let valid = self
                .bytes
                .get(self.pos..)
                .unwrap_or(&[])
                .iter()
                .take(4)
                .take_while(|b| b.is_ascii_hexdigit())
                .count();
            self.pos += valid;
            self.error(
                bs,
                self.pos,
                "Invalid \\u escape: expected 4 hexadecimal digits",
            );
            return '\u{FFFD}';
        };
        self.pos += 4;
        if (0xD800..0xDC00).contains(&hi) {
            if self.bytes.get(self.pos) == Some(&b'\\')
                && self.bytes.get(self.pos + 1) == Some(&b'u')
            {
                if let Some(lo) = self.hex4(self.pos + 2) {
                    if (0xDC00..0xE000).contains(&lo) {
                        self.pos += 6;
                        let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                        return char::from_u32(cp).unwrap_or('\u{FFFD}');
                    }
                }
            }
            self.error(bs, self.pos, "Invalid \\u escape: unpaired surrogate");
            return '\u{FFFD}';
        }
        match char::from_u32(hi) {
            Some(c) => c,
            None => {
                self.error(bs, self.pos, "Invalid \\u escape: unpaired surrogate");
                '\u{FFFD}'
            }
        }
    }

    /// At `'`: a character literal (exactly one Unicode scalar value, or an
    /// escape).
    pub(super) fn read_char(&mut self) -> Node {
        let start = self.pos;
        self.pos += 1;
        let Some(c) = self.char_at(self.pos) else {
            self.error(start, self.pos, "Unterminated character literal");
            return Node::new(NodeKind::Error, Span::new(start, self.pos));
        };
        let value = match c {
            '\'' => {
                self.pos += 1;
                self.error(start, self.pos, "Empty character literal");
                return Node::new(NodeKind::Error, Span::new(start, self.pos));
            }
            '\\' => {
                let bs = self.pos;
                self.pos += 1;
                let Some(e) = self.char_at(self.pos) else {
                    self.error(start, self.pos, "Unterminated character literal");
                    return Node::new(NodeKind::Error, Span::new(start, self.pos));
                };
                self.pos += e.len_utf8();
                match e {
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'u' if self.hex4(self.pos).is_some() => self.read_unicode_escape(bs),
                    other => other,
                }
            }
            other => {
                self.pos += other.len_utf8();
                other
            }
        };
        if self.peek() == Some(b'\'') {
            self.pos += 1;
            return Node::new(NodeKind::Char(value), Span::new(start, self.pos));
        }
        // Recover: skip to the closing quote if it ends this token.
        while let Some(b) = self.peek() {
            if is_terminator(b) {
                break;
            }
            self.pos += self.char_at(self.pos).map_or(1, char::len_utf8);
            if b == b'\'' {
                break;
            }
        }
        self.error(
            start,
            self.pos,
            "Invalid character literal: exactly one character must appear between single quotes",
        );
        Node::new(NodeKind::Error, Span::new(start, self.pos))
    }
}
