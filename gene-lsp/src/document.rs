//! An open document: a rope updated by incremental edits, and conversions between
//! LSP positions (UTF-8 or UTF-16, as negotiated) and byte offsets.

use std::sync::atomic::{AtomicU64, Ordering};

use ropey::Rope;
use tower_lsp_server::ls_types::{Position, Range, TextDocumentContentChangeEvent};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

pub struct Document {
    pub rope: Rope,
    pub version: i32,
    /// Unique to this text (new at every edit, across all documents): what the
    /// cached analyses are keyed by, whatever versions a client sends.
    pub stamp: u64,
}

fn next_stamp() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

impl Document {
    pub fn new(text: &str, version: i32) -> Document {
        Document {
            rope: Rope::from_str(text),
            version,
            stamp: next_stamp(),
        }
    }

    /// A copy sharing the rope's storage (cheap: ropes are copy-on-write).
    pub fn snapshot(&self) -> Document {
        Document {
            rope: self.rope.clone(),
            version: self.version,
            stamp: self.stamp,
        }
    }

    pub fn text(&self) -> String {
        self.rope.to_string()
    }

    /// Byte offset of a position; positions past a line's end clamp to it, past the
    /// last line to the end of the text.
    pub fn offset(&self, p: Position, enc: Encoding) -> usize {
        let rope = &self.rope;
        let line = p.line as usize;
        if line >= rope.len_lines() {
            return rope.len_bytes();
        }
        let line_start_char = rope.line_to_char(line);
        let line_text = rope.line(line);
        // Characters of the line without its line break.
        let mut line_chars = line_text.len_chars();
        while line_chars > 0 {
            let c = line_text.char(line_chars - 1);
            if c == '\n' || c == '\r' {
                line_chars -= 1;
            } else {
                break;
            }
        }
        let chars_in = match enc {
            Encoding::Utf16 => {
                let base = rope.char_to_utf16_cu(line_start_char);
                let end = rope.char_to_utf16_cu(line_start_char + line_chars);
                let cu = (base + p.character as usize).min(end);
                rope.utf16_cu_to_char(cu) - line_start_char
            }
            Encoding::Utf8 => {
                let base = rope.char_to_byte(line_start_char);
                let end = rope.char_to_byte(line_start_char + line_chars);
                let b = (base + p.character as usize).min(end);
                // A byte inside a character counts as that character's start.
                rope.byte_to_char(b) - line_start_char
            }
        };
        rope.char_to_byte(line_start_char + chars_in.min(line_chars))
    }

    /// The LSP position of a byte offset.
    pub fn position(&self, offset: usize, enc: Encoding) -> Position {
        let rope = &self.rope;
        let offset = offset.min(rope.len_bytes());
        let ch = rope.byte_to_char(offset);
        let line = rope.char_to_line(ch);
        let line_start = rope.line_to_char(line);
        let character = match enc {
            Encoding::Utf16 => rope.char_to_utf16_cu(ch) - rope.char_to_utf16_cu(line_start),
            Encoding::Utf8 => offset - rope.char_to_byte(line_start),
        };
        Position::new(line as u32, character as u32)
    }

    pub fn range(&self, start: usize, end: usize, enc: Encoding) -> Range {
        Range::new(self.position(start, enc), self.position(end, enc))
    }

    /// Applies one change (a full replacement when it has no range).
    pub fn apply(&mut self, change: &TextDocumentContentChangeEvent, enc: Encoding) {
        self.stamp = next_stamp();
        match change.range {
            None => self.rope = Rope::from_str(&change.text),
            Some(r) => {
                let a = self.offset(r.start, enc);
                let b = self.offset(r.end, enc).max(a);
                let (ca, cb) = (self.rope.byte_to_char(a), self.rope.byte_to_char(b));
                self.rope.remove(ca..cb);
                self.rope.insert(ca, &change.text);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(r: ((u32, u32), (u32, u32)), text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range::new(
                Position::new(r.0 .0, r.0 .1),
                Position::new(r.1 .0, r.1 .1),
            )),
            range_length: None,
            text: text.into(),
        }
    }

    #[test]
    fn utf16_positions_count_code_units() {
        // "é" is 2 bytes / 1 unit, "😀" 4 bytes / 2 units.
        let d = Document::new("(var s \"é😀x\")\n(y)\n", 1);
        let x = d.text().find('x').unwrap();
        assert_eq!(d.position(x, Encoding::Utf16), Position::new(0, 11));
        assert_eq!(d.position(x, Encoding::Utf8), Position::new(0, 14));
        assert_eq!(d.offset(Position::new(0, 11), Encoding::Utf16), x);
        assert_eq!(d.offset(Position::new(0, 14), Encoding::Utf8), x);
        // Past the end of a line clamps to it; past the last line to the end.
        assert_eq!(
            d.offset(Position::new(1, 99), Encoding::Utf16),
            d.text().len() - 1
        );
        assert_eq!(
            d.offset(Position::new(9, 0), Encoding::Utf16),
            d.text().len()
        );
    }

    #[test]
    fn incremental_edits_with_non_ascii_text() {
        let mut d = Document::new("(println \"😀\")\n", 1);
        // Replace the emoji (2 UTF-16 units at column 10) with "ü".
        d.apply(&change(((0, 10), (0, 12)), "ü"), Encoding::Utf16);
        assert_eq!(d.text(), "(println \"ü\")\n");
        d.apply(&change(((1, 0), (1, 0)), "(x)\n"), Encoding::Utf16);
        assert_eq!(d.text(), "(println \"ü\")\n(x)\n");
        d.apply(&change(((0, 1), (0, 8)), "print"), Encoding::Utf8);
        assert_eq!(d.text(), "(print \"ü\")\n(x)\n");
    }
}
