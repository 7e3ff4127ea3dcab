//! `import` and `export` (later 1.4-1.5): item syntax, aliases, groups and the
//! top-level-only rule.

use super::*;

const TOP_LEVEL_ONLY: &str =
    "import is compile-time only; place imports at module top level or emit them from (comptime ...)";

/// `name:alias` -> (name, alias).
fn split_alias(s: &str) -> (String, Option<String>) {
    match s.split_once(':') {
        Some((n, a)) if !n.is_empty() && !a.is_empty() => (n.to_string(), Some(a.to_string())),
        _ => (s.to_string(), None),
    }
}

impl Lowerer {
    pub(super) fn lower_import(&mut self, props: &[Prop], children: &[Node], span: Span) -> Expr {
        if self.depth != 1 {
            return self.invalid(TOP_LEVEL_ONLY, span);
        }
        let mut from = None;
        let mut from_span = None;
        let mut pkg = None;
        let mut pkg_span = None;
        if let Some(p) = props.iter().find(|p| p.key == "pkg") {
            match &p.value.kind {
                NodeKind::Str(name) => {
                    pkg = Some(name.clone());
                    pkg_span = Some(p.value.span);
                }
                _ => {
                    return self.invalid(
                        "^pkg must be followed by a string package name",
                        p.value.span,
                    )
                }
            }
        }
        let mut nodes: Vec<&Node> = Vec::new();
        let mut i = 0;
        while i < children.len() {
            let c = &children[i];
            if c.is_symbol("from") || c.is_symbol("of") {
                let is_from = c.is_symbol("from");
                match children.get(i + 1) {
                    Some(Node {
                        kind: NodeKind::Str(p),
                        span,
                        ..
                    }) => {
                        if is_from {
                            from = Some(p.clone());
                            from_span = Some(*span);
                        } else {
                            pkg = Some(p.clone());
                            pkg_span = Some(*span);
                        }
                    }
                    _ if is_from => {
                        return self
                            .invalid("'from' must be followed by a string module path", c.span)
                    }
                    _ => {
                        return self
                            .invalid("'of' must be followed by a string package name", c.span)
                    }
                }
                i += 2;
                continue;
            }
            nodes.push(c);
            i += 1;
        }
        if pkg.is_some() && from.is_none() {
            return self.invalid(
                "A package import needs a module path: (import NAME from \"PATH\" ^pkg \"PKG\")",
                span,
            );
        }
        let mut items = Vec::new();
        let mut k = 0;
        while k < nodes.len() {
            let n = nodes[k];
            match &n.kind {
                NodeKind::Symbol(s) if s == "*" => items.push(ImportItem {
                    path: Vec::new(),
                    alias: None,
                    span: n.span,
                }),
                NodeKind::Symbol(s) => {
                    let (name, alias) = split_alias(s);
                    items.push(ImportItem {
                        alias: Some(alias.unwrap_or_else(|| name.clone())),
                        path: vec![name],
                        span: n.span,
                    });
                }
                // `ns/[a b:c]`: the path token ends with `/`, the group follows.
                NodeKind::Path(segs) if segs.last().is_some_and(|s| s.is_empty()) => {
                    let prefix: Vec<String> = segs[..segs.len() - 1].to_vec();
                    let Some(NodeKind::Array(group)) = nodes.get(k + 1).map(|g| &g.kind) else {
                        return self.invalid("Invalid import item", n.span);
                    };
                    for g in group {
                        let Some(s) = g.as_symbol() else {
                            return self.invalid("Invalid import item", g.span);
                        };
                        let (name, alias) = split_alias(s);
                        let mut path = prefix.clone();
                        path.push(name.clone());
                        items.push(ImportItem {
                            path,
                            alias: Some(alias.unwrap_or(name)),
                            span: g.span,
                        });
                    }
                    k += 2;
                    continue;
                }
                NodeKind::Path(segs) if segs.iter().all(|s| !s.is_empty()) => {
                    let last = segs.last().cloned().unwrap_or_default();
                    let mut path: Vec<String> = segs[..segs.len() - 1].to_vec();
                    if last == "*" {
                        items.push(ImportItem {
                            path,
                            alias: None,
                            span: n.span,
                        });
                    } else {
                        let (name, alias) = split_alias(&last);
                        path.push(name.clone());
                        items.push(ImportItem {
                            path,
                            alias: Some(alias.unwrap_or(name)),
                            span: n.span,
                        });
                    }
                }
                _ => return self.invalid("Invalid import item", n.span),
            }
            k += 1;
        }
        if from.is_none() {
            if let Some(it) = items.iter().find(|it| is_tree_path(&it.path)) {
                return self.invalid(TREE_NOT_SUPPORTED, it.span);
            }
            let builtin = items.iter().all(|it| {
                matches!(
                    it.path.first().map(String::as_str),
                    Some("gene" | "genex" | "global")
                )
            });
            if items.is_empty() || !builtin {
                return self.invalid("Module path not specified in import statement", span);
            }
        }
        if items.is_empty() {
            return self.invalid("import needs at least one item", span);
        }
        for it in &items {
            if let Some(a) = &it.alias {
                let target = match (&from, it.path.as_slice()) {
                    (None, _) => it.path.join("/"),
                    (Some(_), _) => a.clone(),
                };
                self.record(it.span, OccTarget::Global(target), OccKind::Def);
            }
        }
        Expr {
            kind: ExprKind::Import(Rc::new(ImportDecl {
                from,
                from_span,
                pkg,
                pkg_span,
                items,
            })),
            span,
        }
    }

    pub(super) fn lower_export(&mut self, children: &[Node], span: Span) -> Expr {
        let names: &[Node] = match children {
            [Node {
                kind: NodeKind::Array(items),
                ..
            }] => items,
            _ => children,
        };
        if names.is_empty() {
            return self.invalid("export expects at least one name", span);
        }
        let mut out = Vec::new();
        for n in names {
            let name = match &n.kind {
                NodeKind::Symbol(s) | NodeKind::Str(s) if !s.contains('/') && !s.is_empty() => {
                    s.clone()
                }
                _ => return self.invalid("export names must be simple symbols", n.span),
            };
            // A local is read as such; other names are looked up by `ExportGlobal`.
            let read = match self.resolve_quiet(&name) {
                NameRes::Var(_) => Some(self.lower_symbol(&name, n.span, Some(n.span))),
                NameRes::Global(g) => {
                    self.record(n.span, OccTarget::Global(g), OccKind::Read);
                    None
                }
            };
            out.push((name, read));
        }
        Expr {
            kind: ExprKind::Export(out),
            span,
        }
    }
}
