//! Properties of maps and gene expressions: keys with their shortcuts
//! (`^^a`, `^!a`, `^a^b v`), merging of nested shortcut entries and duplicate
//! checks (language reference, section 1.9).

use std::collections::HashMap;

use super::{is_terminator, Reader, MAX_KEY_SEGMENTS};
use crate::syntax::tree::{Node, NodeKind, Prop, Span, SyntaxError};

/// A property as written, before shortcut expansion and merging.
pub(super) struct RawProp {
    /// Key path: `^a v` is `[a]`, `^a^b v` is `[a, b]`; each with the span of
    /// its `^name` part.
    pub(super) segs: Vec<(String, Span)>,
    pub(super) value: Node,
    /// Written with a shortcut (`^^a`, `^!a`, `^a^b ...`).
    pub(super) shortcut: bool,
}

/// Builds the property list of one map or gene expression: expands nested
/// shortcuts, merges `^a^...` entries and reports forbidden duplicates.
#[derive(Default)]
pub(super) struct PropBuilder {
    entries: Vec<Entry>,
    /// Key -> index of its latest entry.
    index: HashMap<String, usize>,
}

enum Entry {
    Plain {
        prop: Prop,
        shortcut: bool,
    },
    Nested {
        key: String,
        key_span: Span,
        span: Span,
        inner: PropBuilder,
    },
}

impl PropBuilder {
    pub(super) fn add(
        &mut self,
        segs: &[(String, Span)],
        value: Node,
        shortcut: bool,
        errors: &mut Vec<SyntaxError>,
    ) {
        let Some(((key, key_span), rest)) = segs.split_first() else {
            return;
        };
        let existing = self.index.get(key).copied();
        let duplicate = |errors: &mut Vec<SyntaxError>| {
            errors.push(SyntaxError {
                message: format!(
                    "Duplicate property key '{key}' (a key given by a shortcut may not be repeated)"
                ),
                span: *key_span,
            })
        };
        let Some(first) = rest.first() else {
            if let Some(prev) = existing.and_then(|i| self.entries.get(i)) {
                let prev_shortcut = match prev {
                    Entry::Plain { shortcut, .. } => *shortcut,
                    Entry::Nested { .. } => true,
                };
                if shortcut || prev_shortcut {
                    duplicate(errors);
                    return;
                }
            }
            self.index.insert(key.clone(), self.entries.len());
            self.entries.push(Entry::Plain {
                prop: Prop {
                    key: key.clone(),
                    key_span: *key_span,
                    value,
                },
                shortcut,
            });
            return;
        };
        let contribution = first.1.to(value.span);
        match existing.and_then(|i| self.entries.get_mut(i)) {
            Some(Entry::Nested { span, inner, .. }) => {
                *span = span.to(contribution);
                inner.add(rest, value, true, errors);
            }
            Some(Entry::Plain { .. }) => duplicate(errors),
            None => {
                let mut inner = PropBuilder::default();
                inner.add(rest, value, true, errors);
                self.index.insert(key.clone(), self.entries.len());
                self.entries.push(Entry::Nested {
                    key: key.clone(),
                    key_span: *key_span,
                    span: contribution,
                    inner,
                });
            }
        }
    }

    pub(super) fn finish(self) -> Vec<Prop> {
        self.entries
            .into_iter()
            .map(|e| match e {
                Entry::Plain { prop, .. } => prop,
                Entry::Nested {
                    key,
                    key_span,
                    span,
                    inner,
                } => Prop {
                    key,
                    key_span,
                    value: Node::new(NodeKind::Map(inner.finish()), span),
                },
            })
            .collect()
    }
}

/// A scanned property key.
struct PropKey {
    segs: Vec<(String, Span)>,
    /// `Some(true)`: `^^name`, `Some(false)`: `^!name` (on the last segment).
    flag: Option<bool>,
    /// Why the key is invalid, if it is.
    bad: Option<&'static str>,
    /// The whole key token.
    span: Span,
}

impl Reader<'_> {
    /// At `^`: reads a property key and (unless it is a flag shortcut) its
    /// value. Returns `None` when the key is invalid (reported; its value, if
    /// any, is still consumed).
    pub(super) fn read_prop(&mut self) -> Option<RawProp> {
        let key = self.scan_prop_key();
        let value = match key.flag {
            Some(f) => {
                let kind = match (f, key.segs.len() > 1) {
                    (true, _) => NodeKind::Bool(true),
                    (false, false) => NodeKind::Nil,
                    (false, true) => NodeKind::Bool(false),
                };
                let span = key.segs.last().map_or(key.span, |s| s.1);
                Node::new(kind, span)
            }
            None => {
                self.skip_ws();
                if self.form_at(self.pos) && self.peek() != Some(b'^') {
                    self.read_form()
                } else {
                    if key.bad.is_none() {
                        self.missing_value(key.span);
                    }
                    let end = key.span.end as usize;
                    Node::new(NodeKind::Error, Span::new(end, end))
                }
            }
        };
        if let Some(message) = key.bad {
            self.error(key.span.start as usize, key.span.end as usize, message);
            return None;
        }
        Some(RawProp {
            shortcut: key.flag.is_some() || key.segs.len() > 1,
            segs: key.segs,
            value,
        })
    }

    #[cold]
    #[inline(never)]
    fn missing_value(&mut self, key: Span) {
        let (start, end) = (key.start as usize, key.end as usize);
        let message = format!("Missing value for property '{}'", self.text(start, end));
        self.error(start, end, message);
    }

    /// At `^`: scans a property key token (`^a`, `^^a`, `^!a`, `^a^b`, ...).
    #[inline(never)]
    fn scan_prop_key(&mut self) -> PropKey {
        let key_start = self.pos;
        self.pos += 1;
        let mut segs: Vec<(String, Span)> = Vec::new();
        let mut flag: Option<bool> = None;
        let mut seg_start = key_start;
        let mut bad: Option<&'static str> = None;
        loop {
            match self.peek() {
                Some(b'^') => {
                    flag = Some(true);
                    self.pos += 1;
                }
                Some(b'!') => {
                    flag = Some(false);
                    self.pos += 1;
                }
                _ => {}
            }
            let mut name = String::new();
            while let Some(b) = self.peek() {
                if is_terminator(b) || b == b'^' {
                    break;
                }
                if b == b'\\' {
                    let at = self.pos;
                    self.pos += 1;
                    match self.char_at(self.pos) {
                        Some(c) => {
                            name.push(c);
                            self.pos += c.len_utf8();
                        }
                        None => self.error(at, self.pos, "Backslash at end of input"),
                    }
                } else {
                    match self.char_at(self.pos) {
                        Some(c) => {
                            name.push(c);
                            self.pos += c.len_utf8();
                        }
                        None => self.pos += 1,
                    }
                }
            }
            if name.is_empty() {
                bad.get_or_insert("Missing property name after '^'");
            }
            segs.push((name, Span::new(seg_start, self.pos)));
            if self.peek() != Some(b'^') {
                break;
            }
            if flag.is_some() {
                bad.get_or_insert(
                    "Invalid property key: nothing may follow a '^^name' or '^!name' shortcut",
                );
            }
            if segs.len() >= MAX_KEY_SEGMENTS {
                bad.get_or_insert("Property key nested too deeply");
            }
            if bad.is_some() {
                // Consume the rest of the key token.
                while self.peek().is_some_and(|b| !is_terminator(b)) {
                    self.pos += self.char_at(self.pos).map_or(1, char::len_utf8);
                }
                break;
            }
            seg_start = self.pos;
            self.pos += 1;
        }
        PropKey {
            segs,
            flag,
            bad,
            span: Span::new(key_start, self.pos),
        }
    }
}
