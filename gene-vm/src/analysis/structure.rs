//! Structure queries over the syntax tree: folding ranges and selection ranges.

use crate::syntax::{parse, CommentKind, Node, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FoldKind {
    Region,
    Comment,
}

/// A foldable range of lines (0-based, inclusive).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fold {
    pub start_line: usize,
    pub end_line: usize,
    pub kind: FoldKind,
}

/// 0-based line of a byte offset.
fn line_at(starts: &[usize], offset: usize) -> usize {
    match starts.binary_search(&offset) {
        Ok(i) => i,
        Err(i) => i.saturating_sub(1),
    }
}

fn line_starts(text: &str) -> Vec<usize> {
    let mut v = vec![0];
    v.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    v
}

/// Forms and strings spanning several lines, and runs of two or more comment lines
/// (or a multi-line block comment).
pub fn folding_ranges(text: &str) -> Vec<Fold> {
    let parsed = parse(text);
    let starts = line_starts(text);
    let mut out = Vec::new();
    let mut todo: Vec<&Node> = parsed.forms.iter().collect();
    while let Some(n) = todo.pop() {
        let (a, b) = (
            line_at(&starts, n.span.start as usize),
            line_at(&starts, (n.span.end as usize).saturating_sub(1)),
        );
        if b > a {
            out.push(Fold {
                start_line: a,
                end_line: b,
                kind: FoldKind::Region,
            });
        }
        todo.extend(n.sub_nodes());
    }
    let mut run: Option<(usize, usize)> = None;
    for c in &parsed.comments {
        let a = line_at(&starts, c.span.start as usize);
        let b = line_at(&starts, (c.span.end as usize).saturating_sub(1));
        if c.kind == CommentKind::Block && b > a {
            out.push(Fold {
                start_line: a,
                end_line: b,
                kind: FoldKind::Comment,
            });
            continue;
        }
        // Only comments that start their line join a run.
        let line_start = starts[a];
        let own_line = text
            .get(line_start..c.span.start as usize)
            .is_some_and(|p| p.trim().is_empty());
        match run {
            Some((s, e)) if own_line && a == e + 1 => run = Some((s, a)),
            _ => {
                if let Some((s, e)) = run.take() {
                    if e > s {
                        out.push(Fold {
                            start_line: s,
                            end_line: e,
                            kind: FoldKind::Comment,
                        });
                    }
                }
                if own_line {
                    run = Some((a, a));
                }
            }
        }
    }
    if let Some((s, e)) = run {
        if e > s {
            out.push(Fold {
                start_line: s,
                end_line: e,
                kind: FoldKind::Comment,
            });
        }
    }
    out.sort_by_key(|f| (f.start_line, f.end_line));
    out.dedup();
    out
}

/// The nested spans around `offset`, innermost first (each contains the next).
pub fn selection_ranges(text: &str, offset: usize) -> Vec<Span> {
    let parsed = parse(text);
    let mut chain = vec![Span::new(0, text.len())];
    let mut level: Vec<&Node> = parsed.forms.iter().collect();
    loop {
        let hit = level
            .iter()
            .find(|n| (n.span.start as usize) <= offset && offset <= (n.span.end as usize));
        let Some(n) = hit else { break };
        chain.push(n.span);
        level = n.sub_nodes();
    }
    chain.dedup();
    chain.reverse();
    chain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_forms_strings_and_comment_runs() {
        let text = "# one\n# two\n(fn f [x]\n  (println\n    x))\n(var s \"a\nb\")\n";
        let folds = folding_ranges(text);
        assert!(folds.contains(&Fold {
            start_line: 0,
            end_line: 1,
            kind: FoldKind::Comment
        }));
        assert!(folds.contains(&Fold {
            start_line: 2,
            end_line: 4,
            kind: FoldKind::Region
        }));
        assert!(folds.contains(&Fold {
            start_line: 3,
            end_line: 4,
            kind: FoldKind::Region
        }));
        assert!(folds.iter().any(|f| f.start_line == 5 && f.end_line == 6));
    }

    #[test]
    fn selection_grows_from_the_atom_outwards() {
        let text = "(fn f [x] (println (x + 1)))";
        let at = text.find("1)").unwrap();
        let spans = selection_ranges(text, at);
        let texts: Vec<&str> = spans
            .iter()
            .map(|s| &text[s.start as usize..s.end as usize])
            .collect();
        assert_eq!(
            texts,
            vec![
                "1",
                "(x + 1)",
                "(println (x + 1))",
                "(fn f [x] (println (x + 1)))"
            ]
        );
    }

    #[test]
    fn broken_text_does_not_panic() {
        for t in ["(", ")", "\"abc", "#< x", "(a [b {c"] {
            let _ = folding_ranges(t);
            let _ = selection_ranges(t, t.len());
        }
    }
}
