//! Breakpoints: resolving lines and functions to statement starts, and the traps
//! written over their first instruction.

use std::rc::Rc;

use super::state::{Bp, HitCondition, Trap};
use super::{BreakpointStatus, FunctionBreakpoint, LineBreakpoint, Reply};
use crate::compile::chunk::Op;
use crate::compile::{FileId, FnProto};
use crate::vm::Vm;

/// Paths compare by their canonical form when the file exists.
pub(crate) fn same_path(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

impl Vm {
    /// Makes every function of a compiled program known to the debugger.
    pub fn debug_register(&mut self, main: &Rc<FnProto>) {
        let mut all = Vec::new();
        let mut todo = vec![main.clone()];
        while let Some(p) = todo.pop() {
            todo.extend(p.chunk.protos.iter().cloned());
            all.push(p);
        }
        if let Some(d) = self.debug.as_deref_mut() {
            d.protos.extend(all);
        }
    }

    fn file_ids(&self, path: &str) -> Vec<FileId> {
        self.files
            .iter()
            .enumerate()
            // File names are relative to the program's working directory.
            .filter(|(_, f)| {
                same_path(&f.name, path)
                    || same_path(&self.resolve_path(&f.name).to_string_lossy(), path)
            })
            .map(|(i, _)| i as FileId)
            .collect()
    }

    /// Statement starts of a file: (line, column, proto, ip), in line order.
    fn statements_of(&self, path: &str) -> Vec<(u32, u32, Rc<FnProto>, u32)> {
        let files = self.file_ids(path);
        let mut out = Vec::new();
        let Some(d) = self.debug.as_ref() else {
            return out;
        };
        for p in &d.protos {
            if !files.contains(&p.file) {
                continue;
            }
            let Some(f) = self.files.get(p.file as usize) else {
                continue;
            };
            for (ip, off) in &p.chunk.stmts {
                let (line, col) = crate::syntax::line_col(&f.text, *off as usize);
                out.push((line as u32, col as u32, p.clone(), *ip));
            }
        }
        out.sort_by_key(|s| (s.0, s.1, s.3));
        out
    }

    pub(crate) fn breakpoint_locations(
        &self,
        path: &str,
        line: u32,
        end_line: Option<u32>,
    ) -> Vec<(u32, u32)> {
        let end = end_line.unwrap_or(line);
        let mut out: Vec<(u32, u32)> = self
            .statements_of(path)
            .into_iter()
            .filter(|s| s.0 >= line && s.0 <= end)
            .map(|s| (s.0, s.1))
            .collect();
        out.dedup();
        out
    }

    /// A file compiled while the program runs (an imported module): its functions
    /// become known, and the breakpoints waiting for it are set and reported as
    /// changed, under the ids they were given.
    pub fn debug_loaded(&mut self, proto: &Rc<FnProto>) {
        if self.debug.is_none() {
            return;
        }
        self.debug_register(proto);
        let Some(name) = self.files.get(proto.file as usize).map(|f| f.name.clone()) else {
            return;
        };
        let full = self.resolve_path(&name).to_string_lossy().into_owned();
        let waiting: Vec<String> = self
            .debug
            .as_ref()
            .map(|d| {
                d.pending
                    .keys()
                    .filter(|p| same_path(p, &name) || same_path(p, &full))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        for path in waiting {
            let Some(list) = self
                .debug
                .as_deref_mut()
                .and_then(|d| d.pending.remove(&path))
            else {
                continue;
            };
            let statuses = self.place_line_breakpoints(&path, list);
            if let Some(d) = self.debug.as_deref() {
                for st in statuses {
                    d.emit(super::Event::BreakpointChanged(st));
                }
            }
        }
    }

    /// Replaces the line breakpoints of `path`. Those of an existing file that is not
    /// loaded yet wait for it (unverified, "pending").
    pub(crate) fn set_line_breakpoints(
        &mut self,
        path: &str,
        wanted: Vec<LineBreakpoint>,
    ) -> Reply {
        let old = self
            .debug
            .as_deref_mut()
            .and_then(|d| {
                d.pending.remove(path);
                d.by_path.remove(path)
            })
            .unwrap_or_default();
        for id in old {
            self.remove_bp(id);
        }
        let known = !self.file_ids(path).is_empty();
        if !known && std::path::Path::new(path).is_file() {
            let mut statuses = Vec::new();
            let mut list = Vec::new();
            for w in wanted {
                let id = self.next_bp_id();
                statuses.push(BreakpointStatus {
                    id,
                    verified: false,
                    line: Some(w.line),
                    column: None,
                    message: Some("Pending: set when the program loads this file".into()),
                });
                list.push((id, w));
            }
            if let Some(d) = self.debug.as_deref_mut() {
                d.pending.insert(path.to_string(), list);
            }
            return Reply::Breakpoints(statuses);
        }
        let mut list = Vec::new();
        for w in wanted {
            list.push((self.next_bp_id(), w));
        }
        Reply::Breakpoints(self.place_line_breakpoints(path, list))
    }

    /// Sets line breakpoints with the given ids in a loaded file.
    fn place_line_breakpoints(
        &mut self,
        path: &str,
        wanted: Vec<(u32, LineBreakpoint)>,
    ) -> Vec<BreakpointStatus> {
        let stmts = self.statements_of(path);
        let known = !self.file_ids(path).is_empty();
        let mut statuses = Vec::new();
        let mut ids = Vec::new();
        for (id, w) in wanted {
            let hit = match w.hit_condition.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(h) => match HitCondition::parse(h) {
                    Some(c) => Some(c),
                    None => {
                        statuses.push(BreakpointStatus {
                            id,
                            verified: false,
                            line: Some(w.line),
                            column: None,
                            message: Some(format!(
                                "Invalid hit condition `{h}`: use N, >= N, > N, == N or % N"
                            )),
                        });
                        continue;
                    }
                },
            };
            // The first statement line at or after the requested one.
            let target = stmts.iter().map(|s| s.0).find(|l| *l >= w.line);
            let Some(line) = target else {
                statuses.push(BreakpointStatus {
                    id,
                    verified: false,
                    line: Some(w.line),
                    column: None,
                    message: Some(if known {
                        "No statement at or after this line".into()
                    } else {
                        format!("{path} is not part of the program")
                    }),
                });
                continue;
            };
            // In each function, the first statement on that line.
            let mut locations: Vec<(Rc<FnProto>, u32)> = Vec::new();
            let mut column = None;
            for (l, c, p, ip) in &stmts {
                if *l != line || locations.iter().any(|(q, _)| Rc::ptr_eq(q, p)) {
                    continue;
                }
                column.get_or_insert(*c);
                locations.push((p.clone(), *ip));
            }
            let condition = w.condition.filter(|c| !c.trim().is_empty());
            let log = w.log_message.filter(|m| !m.is_empty());
            self.add_bp(Bp {
                id,
                condition,
                hit,
                log,
                hits: 0,
                function: false,
                locations,
            });
            ids.push(id);
            statuses.push(BreakpointStatus {
                id,
                verified: true,
                line: Some(line),
                column,
                message: None,
            });
        }
        if let Some(d) = self.debug.as_deref_mut() {
            d.by_path.entry(path.to_string()).or_default().extend(ids);
        }
        statuses
    }

    pub(crate) fn set_function_breakpoints(&mut self, wanted: Vec<FunctionBreakpoint>) -> Reply {
        let old = self
            .debug
            .as_deref_mut()
            .map(|d| std::mem::take(&mut d.fn_bps))
            .unwrap_or_default();
        for id in old {
            self.remove_bp(id);
        }
        let protos = self
            .debug
            .as_ref()
            .map(|d| d.protos.clone())
            .unwrap_or_default();
        let mut statuses = Vec::new();
        let mut ids = Vec::new();
        for w in wanted {
            let id = self.next_bp_id();
            let name = w.name.trim();
            let found: Vec<&Rc<FnProto>> = protos
                .iter()
                .filter(|p| p.qualified == name || (!name.contains('/') && p.name == name))
                .collect();
            if found.is_empty() {
                statuses.push(BreakpointStatus {
                    id,
                    verified: false,
                    line: None,
                    column: None,
                    message: Some(format!("No function named {name}")),
                });
                continue;
            }
            let mut locations = Vec::new();
            let mut first_line = None;
            for p in found {
                let ip = p.chunk.stmts.first().map(|s| s.0).unwrap_or(0);
                if first_line.is_none() {
                    let off = p.chunk.stmts.first().map(|s| s.1).unwrap_or(p.span.start);
                    if let Some(f) = self.files.get(p.file as usize) {
                        first_line = Some(crate::syntax::line_col(&f.text, off as usize).0 as u32);
                    }
                }
                locations.push((p.clone(), ip));
            }
            let hit = w.hit_condition.as_deref().and_then(HitCondition::parse);
            self.add_bp(Bp {
                id,
                condition: w.condition.filter(|c| !c.trim().is_empty()),
                hit,
                log: None,
                hits: 0,
                function: true,
                locations,
            });
            ids.push(id);
            statuses.push(BreakpointStatus {
                id,
                verified: true,
                line: first_line,
                column: None,
                message: None,
            });
        }
        if let Some(d) = self.debug.as_deref_mut() {
            d.fn_bps = ids;
        }
        Reply::Breakpoints(statuses)
    }

    /// Drops every breakpoint, filter and step (the tool left).
    pub(crate) fn debug_detach(&mut self) {
        let ids: Vec<u32> = self
            .debug
            .as_ref()
            .map(|d| d.bps.keys().copied().collect())
            .unwrap_or_default();
        for id in ids {
            self.remove_bp(id);
        }
        if let Some(d) = self.debug.as_deref_mut() {
            d.by_path.clear();
            d.fn_bps.clear();
            d.filters = Default::default();
            d.data_bps.clear();
            d.step = None;
            d.pause = false;
            d.started = true;
        }
    }

    fn next_bp_id(&mut self) -> u32 {
        match self.debug.as_deref_mut() {
            Some(d) => {
                d.next_bp += 1;
                d.next_bp - 1
            }
            None => 0,
        }
    }

    fn add_bp(&mut self, bp: Bp) {
        let Some(d) = self.debug.as_deref_mut() else {
            return;
        };
        for (p, ip) in &bp.locations {
            let key = (Rc::as_ptr(p) as usize, *ip);
            match d.traps.get_mut(&key) {
                Some(t) => t.bps.push(bp.id),
                None => {
                    // A trap taken out for one instruction is put back by the next check.
                    let pending = d
                        .repatch
                        .as_ref()
                        .is_some_and(|(q, i)| Rc::ptr_eq(q, p) && i == ip);
                    let orig = if pending {
                        p.chunk.code.get(*ip as usize)
                    } else {
                        p.chunk.code.patch(*ip as usize, Op::DebugTrap)
                    };
                    let Some(orig) = orig else { continue };
                    d.traps.insert(
                        key,
                        Trap {
                            proto: p.clone(),
                            orig,
                            bps: vec![bp.id],
                        },
                    );
                }
            }
        }
        d.bps.insert(bp.id, bp);
    }

    fn remove_bp(&mut self, id: u32) {
        let Some(d) = self.debug.as_deref_mut() else {
            return;
        };
        let Some(bp) = d.bps.remove(&id) else {
            return;
        };
        for (p, ip) in &bp.locations {
            let key = (Rc::as_ptr(p) as usize, *ip);
            let Some(t) = d.traps.get_mut(&key) else {
                continue;
            };
            t.bps.retain(|b| *b != id);
            if t.bps.is_empty() {
                if let Some(t) = d.traps.remove(&key) {
                    // Restore the instruction unless it is already out for one run.
                    if t.proto.chunk.code.get(*ip as usize) == Some(Op::DebugTrap) {
                        t.proto.chunk.code.patch(*ip as usize, t.orig);
                    }
                }
            }
        }
    }
}
