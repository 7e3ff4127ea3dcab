//! Navigation: go to definition, references, document highlights and a
//! scope-aware rename (a local renames only its own uses; natives, keywords and
//! special forms are refused).

use super::model::{Analysis, SymbolKey, KEYWORDS, SPECIAL_FORMS};
use super::natives;
use crate::compile::hir::{OccKind, Occurrence};
use crate::syntax::{self, NodeKind, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HighlightKind {
    Read,
    /// An assignment or a definition.
    Write,
}

pub fn definition(text: &str, offset: usize) -> Option<Span> {
    Analysis::new(text).definition(offset)
}

pub fn references(text: &str, offset: usize, include_declaration: bool) -> Vec<Span> {
    Analysis::new(text).references(offset, include_declaration)
}

pub fn highlights(text: &str, offset: usize) -> Vec<(Span, HighlightKind)> {
    Analysis::new(text).highlights(offset)
}

pub fn prepare_rename(text: &str, offset: usize) -> Result<Span, String> {
    Analysis::new(text).prepare_rename(offset)
}

pub fn rename(text: &str, offset: usize, new_name: &str) -> Result<Vec<(Span, String)>, String> {
    Analysis::new(text).rename(offset, new_name)
}

/// Is `name` usable as the name of a variable or definition?
pub fn check_new_name(name: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("`{name}` is not a valid name: {why}"));
    if name.is_empty() {
        return Err("the new name is empty".into());
    }
    if SPECIAL_FORMS.contains(&name) || KEYWORDS.contains(&name) {
        return bad("it is a special form or keyword");
    }
    let parsed = syntax::parse(name);
    let is_symbol = parsed.errors.is_empty()
        && parsed.forms.len() == 1
        && matches!(&parsed.forms[0].kind, NodeKind::Symbol(s) if s == name);
    if !is_symbol || name.contains('\\') {
        return bad("it does not read as one plain symbol");
    }
    const OPS: &[&str] = &[
        "+", "-", "*", "/", "%", "**", "++", "<", "<=", ">", ">=", "==", "!=", "&&", "||", "&|&",
        "is", "=", "+=", "-=", "*=", "/=", "%=", "..", "...", "!",
    ];
    if OPS.contains(&name) {
        return bad("it is an operator");
    }
    if name.starts_with(['.', '^', '$', ':', '#']) || name.ends_with("...") || name.ends_with(':') {
        return bad("it would read as a method, property, special variable or spread");
    }
    Ok(())
}

impl Analysis {
    fn symbol_at(&self, offset: usize) -> Option<(&Occurrence, SymbolKey)> {
        let occ = self.occurrence_at(offset)?;
        Some((occ, self.key(occ)))
    }

    pub fn definition(&self, offset: usize) -> Option<Span> {
        let (_, key) = self.symbol_at(offset)?;
        match &key {
            SymbolKey::Var(v) => self.var_def_span(*v),
            SymbolKey::User(q) => self.globals.get(q)?.first().map(|d| d.name_span),
            SymbolKey::Method(m) => self.methods.get(m)?.first().map(|d| d.name_span),
            _ => None,
        }
    }

    pub fn references(&self, offset: usize, include_declaration: bool) -> Vec<Span> {
        let Some((_, key)) = self.symbol_at(offset) else {
            return Vec::new();
        };
        self.occurrences_of(&key)
            .into_iter()
            .filter(|o| include_declaration || o.kind != OccKind::Def)
            .map(|o| o.span)
            .collect()
    }

    pub fn highlights(&self, offset: usize) -> Vec<(Span, HighlightKind)> {
        let Some((_, key)) = self.symbol_at(offset) else {
            return Vec::new();
        };
        self.occurrences_of(&key)
            .into_iter()
            .map(|o| {
                let k = match o.kind {
                    OccKind::Read => HighlightKind::Read,
                    OccKind::Write | OccKind::Def => HighlightKind::Write,
                };
                (o.span, k)
            })
            .collect()
    }

    /// The range of the name to rename, or why it cannot be renamed.
    pub fn prepare_rename(&self, offset: usize) -> Result<Span, String> {
        let Some((occ, key)) = self.symbol_at(offset) else {
            return Err(match self.token_at(offset) {
                Some((_, t)) if SPECIAL_FORMS.contains(&t.as_str()) => {
                    format!("`{t}` is a special form and cannot be renamed")
                }
                Some((_, t)) if KEYWORDS.contains(&t.as_str()) => {
                    format!("`{t}` is a keyword and cannot be renamed")
                }
                _ => "there is no name to rename here".into(),
            });
        };
        let written = self.slice(occ.span).to_string();
        match &key {
            SymbolKey::Var(v) => {
                if self.var(*v).is_some_and(|i| i.name == "self") {
                    return Err("`self` is a keyword and cannot be renamed".into());
                }
                let keyword = self.params.get(v).and_then(|f| {
                    let def = self.fns.get(*f as usize)?.as_ref()?;
                    def.params.iter().find(|p| p.var == *v).map(|p| p.keyword)
                });
                if keyword == Some(true) {
                    return Err(format!(
                        "`{written}` is a keyword parameter: its callers pass `^{written}`, which rename does not update yet"
                    ));
                }
                if self.var_def_span(*v).is_none() {
                    return Err(format!("`{written}` has no definition in this file"));
                }
            }
            SymbolKey::User(_) => {}
            SymbolKey::Native(p) => {
                return Err(format!(
                    "`{written}` is a native function (`{p}`) and cannot be renamed"
                ))
            }
            SymbolKey::Namespace(n) => {
                return Err(format!(
                    "`{n}` is a built-in namespace and cannot be renamed"
                ))
            }
            SymbolKey::Class(c) => {
                return Err(format!("`{c}` is a built-in class and cannot be renamed"))
            }
            SymbolKey::Method(m) => {
                if !self.methods.contains_key(m) {
                    return Err(format!(
                        "`.{m}` is not a method defined in this file and cannot be renamed"
                    ));
                }
                if !natives::methods_named(m).is_empty() {
                    return Err(format!(
                        "`.{m}` is also a native method; renaming it could change calls of the native"
                    ));
                }
            }
            SymbolKey::Unknown(n) => {
                return Err(format!("`{n}` is not defined in this file"));
            }
        }
        Ok(occ.span)
    }

    /// The edits (span, new text) that rename the symbol at `offset`.
    pub fn rename(&self, offset: usize, new_name: &str) -> Result<Vec<(Span, String)>, String> {
        self.prepare_rename(offset)?;
        check_new_name(new_name)?;
        let Some((occ, key)) = self.symbol_at(offset) else {
            return Err("there is no name to rename here".into());
        };
        let old = self.slice(occ.span).to_string();
        // The resolver's spans of a name count the bytes of the name, which differ from
        // its source text when it is written with backslash escapes (`f\é`): such a
        // span can end inside a character (found by the analysis fuzz target).
        if old.is_empty() || old.contains('\\') {
            return Err("cannot rename a name written with backslash escapes".into());
        }
        let mut edits = Vec::new();
        for o in self.occurrences_of(&key) {
            if self.slice(o.span) != old {
                return Err(format!(
                    "cannot rename `{old}`: one of its uses is written differently (`{}`)",
                    self.slice(o.span)
                ));
            }
            edits.push((o.span, new_name.to_string()));
        }
        edits.sort_by_key(|(s, _)| s.start);
        edits.dedup();
        Ok(edits)
    }
}
