//! Byte offsets <-> 0-based (line, column), with columns in UTF-8 bytes or in
//! UTF-16 code units (the two LSP position encodings). Lines end at `\n`; a `\r`
//! before it belongs to the line's text.

/// A 0-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

#[derive(Clone, Debug)]
pub struct LineIndex {
    /// Byte offset of the start of each line.
    starts: Vec<u32>,
    text_len: u32,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                starts.push(i as u32 + 1);
            }
        }
        LineIndex {
            starts,
            text_len: text.len() as u32,
        }
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// The line containing `offset` (clamped to the text).
    pub fn line_of(&self, offset: usize) -> u32 {
        let offset = (offset as u32).min(self.text_len);
        match self.starts.binary_search(&offset) {
            Ok(l) => l as u32,
            Err(l) => l.saturating_sub(1) as u32,
        }
    }

    /// Byte range of a line's text (without its `\n`).
    pub fn line_range(&self, line: u32) -> Option<(usize, usize)> {
        let start = *self.starts.get(line as usize)? as usize;
        let end = self
            .starts
            .get(line as usize + 1)
            .map_or(self.text_len as usize, |s| *s as usize - 1);
        Some((start, end))
    }

    /// Line and column in UTF-8 bytes. An offset inside a character is moved
    /// back to the character's start.
    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let offset = floor_char_boundary(text, offset);
        let line = self.line_of(offset);
        let start = self.starts[line as usize] as usize;
        LineCol {
            line,
            col: (offset - start) as u32,
        }
    }

    /// Line and column in UTF-16 code units.
    pub fn line_col_utf16(&self, text: &str, offset: usize) -> LineCol {
        let offset = floor_char_boundary(text, offset);
        let line = self.line_of(offset);
        let start = self.starts[line as usize] as usize;
        let col = text
            .get(start..offset)
            .map_or(0, |s| s.chars().map(char::len_utf16).sum::<usize>());
        LineCol {
            line,
            col: col as u32,
        }
    }

    /// The byte offset of a line and UTF-8 column; `None` past the end of the
    /// text. A column past the line's end is clamped to it, one inside a
    /// character moves back to the character's start.
    pub fn offset(&self, text: &str, lc: LineCol) -> Option<usize> {
        let (start, end) = self.line_range(lc.line)?;
        let at = (start + lc.col as usize).min(end);
        Some(floor_char_boundary(text, at))
    }

    /// The byte offset of a line and UTF-16 column (clamped to the line's end).
    pub fn offset_utf16(&self, text: &str, lc: LineCol) -> Option<usize> {
        let (start, end) = self.line_range(lc.line)?;
        let line = text.get(start..end)?;
        let mut units = 0usize;
        for (i, c) in line.char_indices() {
            // A column inside a surrogate pair moves back to the character's start.
            if units + c.len_utf16() > lc.col as usize {
                return Some(start + i);
            }
            units += c.len_utf16();
        }
        Some(end)
    }
}

/// The largest char boundary `<= offset` (clamped to the text).
pub fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut o = offset.min(text.len());
    while o > 0 && !text.is_char_boundary(o) {
        o -= 1;
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lc(line: u32, col: u32) -> LineCol {
        LineCol { line, col }
    }

    #[test]
    fn ascii_lines() {
        let t = "ab\ncd\n\nx";
        let ix = LineIndex::new(t);
        assert_eq!(ix.line_count(), 4);
        assert_eq!(ix.line_col(t, 0), lc(0, 0));
        assert_eq!(ix.line_col(t, 2), lc(0, 2));
        assert_eq!(ix.line_col(t, 3), lc(1, 0));
        assert_eq!(ix.line_col(t, 6), lc(2, 0));
        assert_eq!(ix.line_col(t, 7), lc(3, 0));
        assert_eq!(ix.line_col(t, 100), lc(3, 1));
        assert_eq!(ix.offset(t, lc(1, 1)), Some(4));
        assert_eq!(ix.offset(t, lc(1, 9)), Some(5));
        assert_eq!(ix.offset(t, lc(9, 0)), None);
    }

    #[test]
    fn emoji_counts_two_utf16_units_four_bytes() {
        // "😀" is 4 bytes and 2 UTF-16 units.
        let t = "(a \"😀\" b)\nx";
        let ix = LineIndex::new(t);
        let b = t.find(" b").unwrap() + 1;
        assert_eq!(ix.line_col(t, b), lc(0, 10));
        assert_eq!(ix.line_col_utf16(t, b), lc(0, 8));
        assert_eq!(ix.offset_utf16(t, lc(0, 8)), Some(b));
        assert_eq!(ix.offset(t, lc(0, 10)), Some(b));
        // Inside the emoji: back to its start.
        let e = t.find('😀').unwrap();
        assert_eq!(ix.line_col(t, e + 2), lc(0, 4));
        assert_eq!(ix.offset(t, lc(0, 6)), Some(e));
        assert_eq!(ix.offset_utf16(t, lc(0, 5)), Some(e));
        assert_eq!(ix.offset_utf16(t, lc(0, 6)), Some(e + 4));
    }

    #[test]
    fn cjk_counts_one_utf16_unit_three_bytes() {
        let t = "# 注释\n(var 名字 1)";
        let ix = LineIndex::new(t);
        let one = t.rfind('1').unwrap();
        assert_eq!(ix.line_col(t, one), lc(1, 12));
        assert_eq!(ix.line_col_utf16(t, one), lc(1, 8));
        assert_eq!(ix.offset_utf16(t, lc(1, 8)), Some(one));
        assert_eq!(ix.offset_utf16(t, lc(0, 99)), Some(t.find('\n').unwrap()));
        for (o, _) in t.char_indices() {
            let u = ix.line_col_utf16(t, o);
            assert_eq!(ix.offset_utf16(t, u), Some(o));
            let b = ix.line_col(t, o);
            assert_eq!(ix.offset(t, b), Some(o));
        }
    }

    #[test]
    fn crlf_keeps_cr_in_the_line() {
        let t = "a\r\nb";
        let ix = LineIndex::new(t);
        assert_eq!(ix.line_col(t, 3), lc(1, 0));
        assert_eq!(ix.line_range(0), Some((0, 2)));
    }
}
