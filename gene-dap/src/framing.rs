//! `Content-Length` framing: splitting the input stream into message bodies.
//!
//! Invariants: never panics on client bytes, never allocates more than [`MAX_BODY`] for a
//! message, and every loop iteration either consumes input or blocks on a read, so garbage
//! cannot make it spin. One run of garbage costs the client one error response, after which
//! we resynchronise on the next `Content-Length:`.

use std::io::{self, Read};

/// Largest message body we accept; bigger lengths are treated as garbage, not allocated.
pub const MAX_BODY: usize = 64 << 20;
/// Real DAP headers are ~20 bytes; past this without `\r\n\r\n` the bytes are garbage.
const MAX_HEADER: usize = 4096;
/// Real header lines are under 100 bytes. Bounding them bounds the work spent on each
/// `Content-Length:` candidate while resynchronising through garbage.
const MAX_LINE: usize = 256;
const CHUNK: usize = 64 << 10;
/// What we resynchronise on (compared ASCII-case-insensitively).
const MARKER: &[u8] = b"content-length:";
const TERMINATOR: &[u8] = b"\r\n\r\n";

pub(crate) enum Next {
    /// A complete body of this many bytes starts `Framer::data()`.
    Body(usize),
    /// A framing error to report.
    Bad(String),
    Eof,
}

pub(crate) struct Framer<R> {
    input: R,
    /// Unconsumed input is `buf[start..]`; consuming just moves `start`, and the consumed
    /// prefix is dropped only once it is half the buffer, so resynchronising stays linear.
    buf: Vec<u8>,
    start: usize,
    scratch: Vec<u8>,
    /// No header terminator starts before this offset of `data()`: keeps the search linear.
    searched: usize,
    /// Set after reporting a framing error: garbage up to the next valid header is then
    /// skipped silently, so one bad run costs one error response, not one per byte.
    resyncing: bool,
    eof: bool,
}

impl<R: Read> Framer<R> {
    pub(crate) fn new(input: R) -> Self {
        Framer {
            input,
            buf: Vec::new(),
            start: 0,
            scratch: vec![0; CHUNK],
            searched: 0,
            resyncing: false,
            eof: false,
        }
    }

    /// Appends at most one chunk; false at EOF (read errors count as EOF: the peer is gone).
    fn read_more(&mut self) -> bool {
        while !self.eof {
            match self.input.read(&mut self.scratch) {
                Ok(0) => self.eof = true,
                Ok(n) => {
                    self.buf.extend_from_slice(&self.scratch[..n]);
                    return true;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => self.eof = true,
            }
        }
        false
    }

    pub(crate) fn data(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    pub(crate) fn consume(&mut self, n: usize) {
        let n = n.min(self.data().len());
        self.start += n;
        self.searched = self.searched.saturating_sub(n);
        if self.start > CHUNK && self.start * 2 > self.buf.len() {
            self.buf.drain(..self.start);
            self.start = 0;
        }
    }

    /// Drops at least one byte, up to the next `Content-Length:` (keeping a tail that may be
    /// the start of one still arriving).
    fn resync(&mut self) {
        let data = self.data();
        let skip = match find_marker(data.get(1..).unwrap_or_default()) {
            Some(i) => i + 1,
            None => data.len().saturating_sub(MARKER.len() - 1).max(1),
        };
        self.consume(skip);
    }

    /// A body that is not one JSON value means the framing is off: drop the `skip` bytes
    /// that cannot start the next frame, then resynchronise silently.
    pub(crate) fn skip_bad_body(&mut self, skip: usize) {
        self.consume(skip);
        self.resyncing = true;
    }

    /// Returns `Some(Bad)` unless we are already resynchronising after an earlier report.
    fn report(&mut self, message: String) -> Option<Next> {
        if self.resyncing {
            return None;
        }
        self.resyncing = true;
        Some(Next::Bad(message))
    }

    fn find_terminator(&mut self) -> Option<usize> {
        let data = self.data();
        let from = self.searched.min(data.len());
        match find(&data[from..], TERMINATOR) {
            Some(i) => {
                self.searched = from + i;
                Some(from + i)
            }
            None => {
                self.searched = data.len().saturating_sub(TERMINATOR.len() - 1);
                None
            }
        }
    }

    pub(crate) fn next_frame(&mut self) -> Next {
        loop {
            if let Some(end) = self.find_terminator() {
                // Bounding the block bounds the work per resynchronisation candidate.
                let header = if end > MAX_HEADER {
                    Err(format!("header longer than {MAX_HEADER} bytes"))
                } else {
                    parse_header(&self.data()[..end])
                };
                match header {
                    Ok(len) => {
                        self.resyncing = false;
                        self.consume(end + TERMINATOR.len());
                        // Grows with the data actually received, never to `len` up front.
                        while self.data().len() < len {
                            if !self.read_more() {
                                let got = self.data().len();
                                self.consume(got);
                                self.resyncing = true;
                                return Next::Bad(format!(
                                    "message truncated by end of stream: Content-Length is \
                                     {len} but only {got} bytes followed"
                                ));
                            }
                        }
                        return Next::Body(len);
                    }
                    Err(message) => {
                        self.resync();
                        if let Some(bad) = self.report(message) {
                            return bad;
                        }
                    }
                }
            } else if self.data().len() > MAX_HEADER {
                self.resync();
                let message = format!("no end of header (\\r\\n\\r\\n) within {MAX_HEADER} bytes");
                if let Some(bad) = self.report(message) {
                    return bad;
                }
            } else if !self.read_more() {
                let leftover = self.data().iter().any(|b| !b.is_ascii_whitespace());
                self.consume(self.data().len());
                if leftover {
                    if let Some(bad) = self.report("incomplete header at end of stream".into()) {
                        return bad;
                    }
                }
                return Next::Eof;
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

pub(crate) fn find_marker(haystack: &[u8]) -> Option<usize> {
    let last = haystack.len().checked_sub(MARKER.len())?;
    // Cheap first-byte filter before the full comparison.
    (0..=last).find(|&i| {
        haystack[i] | 0x20 == b'c' && haystack[i..i + MARKER.len()].eq_ignore_ascii_case(MARKER)
    })
}

/// Parses a header block (without its `\r\n\r\n`) into the body length.
fn parse_header(block: &[u8]) -> Result<usize, String> {
    let mut length = None;
    let mut rest = Some(block);
    while let Some(text) = rest {
        let window = &text[..text.len().min(MAX_LINE + 1)];
        let line = match window.iter().position(|&b| b == b'\n') {
            Some(i) => {
                rest = Some(&text[i + 1..]);
                &text[..i]
            }
            None if text.len() <= MAX_LINE => {
                rest = None;
                text
            }
            None => return Err(format!("header line longer than {MAX_LINE} bytes")),
        };
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let shown = || String::from_utf8_lossy(&line[..line.len().min(60)]).into_owned();
        let colon = line.iter().position(|&b| b == b':');
        let (name, value) = match colon {
            Some(i) if is_token(line[..i].trim_ascii()) => (&line[..i], &line[i + 1..]),
            _ => return Err(format!("malformed header line {:?}", shown())),
        };
        if !name.trim_ascii().eq_ignore_ascii_case(b"content-length") {
            continue; // Content-Type and friends: allowed, ignored.
        }
        let value = String::from_utf8_lossy(value.trim_ascii()).into_owned();
        let n = parse_length(&value)?;
        if length.is_some_and(|m| m != n) {
            return Err("conflicting Content-Length headers".into());
        }
        length = Some(n);
    }
    length.ok_or_else(|| "missing Content-Length header".to_string())
}

fn is_token(name: &[u8]) -> bool {
    !name.is_empty()
        && name
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn parse_length(value: &str) -> Result<usize, String> {
    let shown: String = value.chars().take(40).collect();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("invalid Content-Length {shown:?}"));
    }
    match value.parse::<usize>() {
        Ok(n) if n <= MAX_BODY => Ok(n),
        _ => Err(format!(
            "Content-Length {shown} exceeds the limit of {MAX_BODY} bytes"
        )),
    }
}
