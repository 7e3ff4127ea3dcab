//! Literals of the later reference: regular expressions `#/.../` (8.1), bytes
//! `0#ff` / `0!1010` / `0*AQID` (7.4) and hash maps `{{...}}` (7.2).

use super::{is_terminator, is_ws, Item, Reader};
use crate::syntax::tree::{Node, NodeKind, Span};

impl Reader<'_> {
    /// `#/PATTERN/FLAGS`, `#/PATTERN/REPLACEMENT/FLAGS` (later 8.1). `\/` is a `/`;
    /// every other backslash sequence is kept for the regex engine.
    pub(super) fn read_regex(&mut self, start: usize) -> Node {
        self.pos = start + 2;
        let Some(pattern) = self.regex_segment() else {
            return self.unterminated_regex(start);
        };
        // A second segment is a replacement when a `/` (or a backslash, which flags
        // never contain) comes before the end of the literal.
        let mut j = self.pos;
        let mut has_replacement = false;
        while let Some(&b) = self.bytes.get(j) {
            if is_regex_end(b) {
                break;
            }
            if b == b'/' || b == b'\\' {
                has_replacement = true;
                break;
            }
            j += 1;
        }
        let replacement = if has_replacement {
            match self.regex_segment() {
                Some(r) => Some(r),
                None => return self.unterminated_regex(start),
            }
        } else {
            None
        };
        let (mut i, mut m) = (false, false);
        while let Some(b) = self.peek() {
            if is_regex_end(b) {
                break;
            }
            let at = self.pos;
            let c = self.char_at(at).unwrap_or('?');
            self.pos += c.len_utf8();
            match c {
                'i' => i = true,
                'm' => m = true,
                _ => self.error(at, self.pos, format!("Invalid regex flag: {c}")),
            }
        }
        let mut flags = String::new();
        if i {
            flags.push('i');
        }
        if m {
            flags.push('m');
        }
        Node::new(
            NodeKind::Regex {
                pattern,
                replacement,
                flags,
            },
            Span::new(start, self.pos),
        )
    }

    /// A literal without its closing `/`: the error covers the rest of its first line
    /// and reading resumes on the next one (the rest of the file stays readable).
    fn unterminated_regex(&mut self, start: usize) -> Node {
        let end = self.bytes[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.bytes.len(), |i| start + i);
        self.pos = end;
        self.error(start, end, "Unterminated regex literal");
        Node::new(NodeKind::Error, Span::new(start, end))
    }

    /// Reads up to the next unescaped `/` (consumed); `None` at end of input.
    fn regex_segment(&mut self) -> Option<String> {
        let mut out = String::new();
        while let Some(c) = self.char_at(self.pos) {
            self.pos += c.len_utf8();
            match c {
                '/' => return Some(out),
                '\\' => match self.char_at(self.pos) {
                    Some('/') => {
                        out.push('/');
                        self.pos += 1;
                    }
                    Some(n) => {
                        out.push('\\');
                        out.push(n);
                        self.pos += n.len_utf8();
                    }
                    None => out.push('\\'),
                },
                _ => out.push(c),
            }
        }
        None
    }

    /// `0#hex`, `0!bits`, `0*base64` (later 7.4); `~` and the whitespace after it
    /// are separators, so a literal may go on on the next line.
    pub(super) fn read_bytes(&mut self, start: usize, mut end: usize) -> Node {
        let mut digits = String::new();
        let kind = self.bytes[start + 1];
        let mut chunk = self.text(start + 2, end).to_string();
        loop {
            let cont = chunk.ends_with('~');
            digits.extend(chunk.chars().filter(|c| *c != '~'));
            if !cont {
                break;
            }
            self.skip_ws();
            let at = self.pos;
            if self.peek().is_none_or(is_terminator) {
                break;
            }
            self.scan_token();
            end = self.pos;
            chunk = self.text(at, end).to_string();
        }
        let span = Span::new(start, end);
        match decode_bytes(kind, &digits) {
            Ok(b) => Node::new(NodeKind::Bytes(b), span),
            Err(message) => {
                self.error(start, end, message);
                Node::new(NodeKind::Error, span)
            }
        }
    }

    /// `{{k v ...}}` (later 7.2): elements up to `}`, then the second `}`.
    pub(super) fn read_hash_map(&mut self, start: usize) -> Node {
        let (items, mut end) = self.read_seq(start, start + 1, b'}', false);
        if self.peek() == Some(b'}') {
            self.pos += 1;
            end = self.pos;
        } else {
            self.error(start, start + 2, "Unclosed '{{' opened here");
        }
        let elems = items
            .into_iter()
            .filter_map(|it| match it {
                Item::Node(n) => Some(n),
                Item::Prop(_) => None,
            })
            .collect();
        Node::new(NodeKind::HashMap(elems), Span::new(start, end))
    }
}

/// The digits of a bytes literal after `0#` (hex, odd counts padded with a leading
/// 0), `0!` (bits, most significant first, a final partial group right-aligned) or
/// `0*` (standard base64).
fn decode_bytes(kind: u8, digits: &str) -> Result<Vec<u8>, String> {
    match kind {
        b'#' => {
            if digits.is_empty() {
                return Err("parse_hex: no hex digits after 0#".into());
            }
            // Checked first: the pairs below are sliced by byte.
            if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!("parse_hex: invalid hex digits in 0#{digits}"));
            }
            let padded = if digits.len() % 2 == 1 {
                format!("0{digits}")
            } else {
                digits.to_string()
            };
            (0..padded.len())
                .step_by(2)
                .map(|i| {
                    u8::from_str_radix(&padded[i..i + 2], 16)
                        .map_err(|_| format!("parse_hex: invalid hex digits in 0#{digits}"))
                })
                .collect()
        }
        b'!' => {
            if digits.is_empty() {
                return Err("parse_bin: no binary digits after 0!".into());
            }
            if !digits.bytes().all(|b| b == b'0' || b == b'1') {
                return Err(format!("parse_bin: invalid binary digits in 0!{digits}"));
            }
            Ok(digits
                .as_bytes()
                .chunks(8)
                .map(|c| c.iter().fold(0u8, |acc, b| (acc << 1) | (b - b'0')))
                .collect())
        }
        _ => {
            use base64::Engine;
            if digits.is_empty() {
                return Err("parse_base64: no base64 digits after 0*".into());
            }
            base64::engine::general_purpose::STANDARD
                .decode(digits)
                .map_err(|e| format!("parse_base64: {e}"))
        }
    }
}

/// The end of a regex literal's flags: whitespace or one of `) ] } , ;`.
pub(super) fn is_regex_end(b: u8) -> bool {
    is_ws(b) || matches!(b, b')' | b']' | b'}' | b',' | b';')
}
