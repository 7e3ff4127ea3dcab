//! The syntax tree produced by the reader: plain data with byte spans.
//! Knows nothing of the VM (architecture invariant 1).

use std::fmt;

/// Half-open byte range `[start, end)` into the source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// One property of a map literal or a Gene expression: `^key value`.
/// Shortcuts are expanded by the reader: `^^a` is `^a true`, `^!a` is `^a nil`,
/// `^a^b v` is `^a {^b v}` (merged with other `^a^...` entries).
/// A map spread `^... expr` has `key == "..."` (or `"...1"`, `"...2"`, ...).
#[derive(Clone, Debug, PartialEq)]
pub struct Prop {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    Nil,
    Void,
    NotFound,
    Bool(bool),
    Int(i64),
    Float(f64),
    Char(char),
    /// A plain string literal (escapes already processed).
    Str(String),
    /// A symbol token without `/` (backslash escapes already processed).
    /// Spread markers stay symbols: `xs...` is `Symbol("xs...")` and a lone `...` is `Symbol("...")`.
    Symbol(String),
    /// A token containing `/` (other than the lone `/` symbol): its segments.
    /// `/x` gives `["", "x"]`; `a/b/0` gives `["a", "b", "0"]`; `o/.size` gives `["o", ".size"]`.
    Path(Vec<String>),
    /// `[...]`
    Array(Vec<Node>),
    /// `{^k v ...}` in source order.
    Map(Vec<Prop>),
    /// `(head ^k v child ...)`; `()` has `head == None`.
    Gene {
        head: Option<Box<Node>>,
        props: Vec<Prop>,
        children: Vec<Node>,
    },
    /// `` `x `` or `:x`.
    Quote(Box<Node>),
    /// `#[...]`, `#{...}`, `#{{...}}` or `#(...)` (later 7.1): the inner node is
    /// the array, map, hash map or Gene form, its span starting after the `#`.
    Sealed(Box<Node>),
    /// `2024-01-23`, `2024-01-23T20:10Z`, `10:10` (later 9.1).
    DateTime(Box<super::datetime::DateLit>),
    /// `0#a0ff`, `0!1010`, `0*AQID`: a bytes literal (later 7.4).
    Bytes(Vec<u8>),
    /// `{{k v ...}}`: a hash map literal's alternating keys and values (later 7.2).
    HashMap(Vec<Node>),
    /// `#/PATTERN/FLAGS` or `#/PATTERN/REPLACEMENT/FLAGS` (later 8.1): the pattern
    /// as written except `\/` read as `/`; flags among `i` and `m`, in that order.
    Regex {
        pattern: String,
        replacement: Option<String>,
        flags: String,
    },
    /// Placeholder left where the reader could not read a form (an error is recorded).
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub span: Span,
}

impl Node {
    pub fn new(kind: NodeKind, span: Span) -> Node {
        Node { kind, span }
    }

    /// The nodes directly inside this one (head, property values, children,
    /// items, the quoted form), in source order.
    pub fn sub_nodes(&self) -> Vec<&Node> {
        let mut v: Vec<&Node> = match &self.kind {
            NodeKind::Gene {
                head,
                props,
                children,
            } => {
                let mut v: Vec<&Node> = head.iter().map(|h| h.as_ref()).collect();
                v.extend(props.iter().map(|p| &p.value));
                v.extend(children.iter());
                v
            }
            NodeKind::Array(items) => items.iter().collect(),
            NodeKind::Map(props) => props.iter().map(|p| &p.value).collect(),
            NodeKind::Quote(q) | NodeKind::Sealed(q) => vec![q],
            _ => Vec::new(),
        };
        v.sort_by_key(|c| c.span.start);
        v
    }
    pub fn as_symbol(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Symbol(s) => Some(s),
            _ => None,
        }
    }
    pub fn is_symbol(&self, name: &str) -> bool {
        self.as_symbol() == Some(name)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub span: Span,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// What kind of trivia a comment is (kept for the formatter and the editor).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommentKind {
    /// `# ...`, `#!...`, `## ...` up to (not including) the newline.
    Line,
    /// `#< ... >#`
    Block,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub kind: CommentKind,
    pub span: Span,
}

/// The reader's result: it never fails. `forms` holds every top-level form it
/// could read (with `NodeKind::Error` placeholders where it could not), `errors`
/// every problem found, in source order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParseResult {
    pub forms: Vec<Node>,
    pub errors: Vec<SyntaxError>,
    pub comments: Vec<Comment>,
}

/// Line and column (both 1-based; the column counts characters) of a byte offset.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let mut line = 1;
    let mut line_start = 0;
    for (i, b) in src.as_bytes()[..offset].iter().enumerate() {
        if *b == b'\n' {
            line += 1;
            line_start = i + 1;
        }
    }
    let col = src
        .get(line_start..offset)
        .map(|s| s.chars().count())
        .unwrap_or(offset - line_start)
        + 1;
    (line, col)
}
