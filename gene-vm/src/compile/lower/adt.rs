//! Enums and their patterns (later 4): `(enum ...)` declarations, type
//! annotations (later 3.2), `case` clauses on variants and `(EXPR ?)`.

use std::collections::HashMap;

use super::*;

/// Variants of the enums a unit declares (and the built-in `Result`/`Option`), by
/// enum name: each variant with its field names (`None`: a unit variant).
pub(super) type EnumIndex = HashMap<String, Vec<(String, Option<Vec<String>>)>>;

/// The built-in enums (later 4.4).
fn builtin_enums() -> EnumIndex {
    let one = |f: &str| Some(vec![f.to_string()]);
    let mut m = EnumIndex::new();
    m.insert(
        "Result".into(),
        vec![("Ok".into(), one("value")), ("Err".into(), one("error"))],
    );
    m.insert(
        "Option".into(),
        vec![("Some".into(), one("value")), ("None".into(), None)],
    );
    m
}

/// Every `(enum ...)` form in the unit, anywhere, so patterns before the
/// declaration and inside functions know its variants.
pub(super) fn scan_enums(forms: &[Node]) -> EnumIndex {
    fn walk(n: &Node, out: &mut EnumIndex) {
        match &n.kind {
            NodeKind::Gene {
                head: Some(h),
                children,
                props,
            } => {
                if h.is_symbol("enum") {
                    if let Some(name) = children.first().and_then(|c| c.as_symbol()) {
                        let base = name.split(':').next().unwrap_or(name).to_string();
                        let mut vs = Vec::new();
                        for m in &children[1..] {
                            if let Some((v, fields)) = variant_shape(m) {
                                vs.push((v, fields));
                            }
                        }
                        if let Some(p) = props.iter().find(|p| p.key == "values") {
                            if let NodeKind::Array(items) = &p.value.kind {
                                for it in items {
                                    if let Some(s) = it.as_symbol() {
                                        vs.push((s.to_string(), None));
                                    }
                                }
                            }
                        }
                        out.insert(base, vs);
                    }
                }
                walk(h, out);
                for c in children {
                    walk(c, out);
                }
                for p in props {
                    walk(&p.value, out);
                }
            }
            NodeKind::Array(items) | NodeKind::HashMap(items) => {
                items.iter().for_each(|i| walk(i, out))
            }
            NodeKind::Sealed(inner) => walk(inner, out),
            _ => {}
        }
    }
    let mut out = builtin_enums();
    for f in forms {
        walk(f, &mut out);
    }
    out
}

/// A member of an enum declaration: its name and field names.
fn variant_shape(m: &Node) -> Option<(String, Option<Vec<String>>)> {
    match &m.kind {
        NodeKind::Symbol(s) => Some((s.clone(), None)),
        NodeKind::Gene {
            head: Some(h),
            children,
            ..
        } => {
            let name = h.as_symbol()?.to_string();
            let mut fields = Vec::new();
            let mut i = 0;
            while i < children.len() {
                let f = children[i].as_symbol()?;
                match f.strip_suffix(':') {
                    Some(n) => {
                        fields.push(n.to_string());
                        i += 2;
                    }
                    None => {
                        fields.push(f.to_string());
                        i += 1;
                    }
                }
            }
            Some((name, Some(fields)))
        }
        _ => None,
    }
}

/// A type expression (later 3.2).
pub(super) fn parse_type(n: &Node) -> Result<TypeExpr, String> {
    match &n.kind {
        NodeKind::Symbol(s) if s == "Any" => Ok(TypeExpr::Any),
        NodeKind::Symbol(s) => Ok(TypeExpr::Named(s.clone())),
        NodeKind::Path(p) => Ok(TypeExpr::Named(p.join("/"))),
        NodeKind::Nil => Ok(TypeExpr::Named("Nil".into())),
        NodeKind::Gene {
            head: Some(h),
            children,
            props,
        } if props.is_empty() => parse_gene_type(h, children),
        _ => Err("invalid type expression".into()),
    }
}

/// The type written as the gene `(H CHILDREN...)`: a union `(A | B)`, a function
/// type `(Fn [P...] R)` or an applied type `(Array Int)`.
pub(super) fn parse_gene_type(h: &Node, children: &[Node]) -> Result<TypeExpr, String> {
    if children.iter().any(|c| c.is_symbol("|")) {
        let mut members = vec![parse_type(h)?];
        let mut i = 0;
        while i < children.len() {
            if !children[i].is_symbol("|") {
                return Err("union types are written (A | B | C)".into());
            }
            let Some(t) = children.get(i + 1) else {
                return Err("union type ends with '|'".into());
            };
            members.push(parse_type(t)?);
            i += 2;
        }
        return Ok(TypeExpr::Union(members));
    }
    let head = match &h.kind {
        NodeKind::Symbol(s) => s.clone(),
        NodeKind::Path(p) => p.join("/"),
        _ => return Err("invalid type expression".into()),
    };
    if head == "Fn" {
        let Some(NodeKind::Array(ps)) = children.first().map(|c| &c.kind) else {
            return Err("a function type is written (Fn [PARAMS...] RESULT)".into());
        };
        let params = ps.iter().map(parse_type).collect::<Result<Vec<_>, _>>()?;
        let rest: Vec<&Node> = children[1..]
            .iter()
            .filter(|c| !c.is_symbol("->"))
            .collect();
        let ret = match rest.as_slice() {
            [] => TypeExpr::Any,
            [r] => parse_type(r)?,
            _ => return Err("a function type has one result type".into()),
        };
        return Ok(TypeExpr::Fn(params, Box::new(ret)));
    }
    let args = children
        .iter()
        .map(parse_type)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(TypeExpr::Applied(head, args))
}

impl Lowerer {
    /// `(enum NAME MEMBER...)`, `(enum NAME:T:U ...)`, `(enum NAME ^values [a b])`.
    pub(super) fn lower_enum(&mut self, props: &[Prop], children: &[Node], span: Span) -> Expr {
        let Some((name, members)) = children.split_first() else {
            return self.invalid("enum needs a name", span);
        };
        let Some(written) = name.as_symbol() else {
            return self.invalid("enum name must be a symbol", name.span);
        };
        let mut parts = written.split(':');
        let base = parts.next().unwrap_or(written).to_string();
        if base.is_empty() || parts.any(|p| p.is_empty() || p.contains('/')) {
            return self.invalid(
                format!("Invalid generic parameters in enum {written}"),
                name.span,
            );
        }
        let mut variants: Vec<VariantDecl> = Vec::new();
        for m in members {
            let v = match &m.kind {
                NodeKind::Symbol(s) if !s.contains('/') => VariantDecl {
                    name: s.clone(),
                    fields: None,
                    span: m.span,
                },
                NodeKind::Gene {
                    head: Some(h),
                    children: fs,
                    props: fp,
                } if fp.is_empty() && h.as_symbol().is_some() => {
                    let vname = h.as_symbol().unwrap_or_default().to_string();
                    match self.variant_fields(&base, &vname, fs) {
                        Ok(fields) => VariantDecl {
                            name: vname,
                            fields: Some(fields),
                            span: m.span,
                        },
                        Err(e) => return e,
                    }
                }
                _ => return self.invalid(format!("Invalid member in enum {base}"), m.span),
            };
            if variants.iter().any(|o| o.name == v.name) {
                return self.invalid(
                    format!("Duplicate variant {} in enum {base}", v.name),
                    m.span,
                );
            }
            variants.push(v);
        }
        if let Some(p) = props.iter().find(|p| p.key == "values") {
            let NodeKind::Array(items) = &p.value.kind else {
                return self.invalid("enum ^values must be an array of names", p.value.span);
            };
            for it in items {
                let Some(s) = it.as_symbol() else {
                    return self.invalid("enum ^values must be an array of names", it.span);
                };
                if variants.iter().any(|o| o.name == s) {
                    return self.invalid(format!("Duplicate variant {s} in enum {base}"), it.span);
                }
                variants.push(VariantDecl {
                    name: s.to_string(),
                    fields: None,
                    span: it.span,
                });
            }
        }
        if variants.is_empty() {
            return self.invalid(format!("enum {base} needs at least one member"), span);
        }
        let name_span = token_part(name.span, written.len(), 0, base.len());
        let path = vec![base];
        let qualified = self.qualify(&path);
        self.record(name_span, OccTarget::Global(qualified), OccKind::Def);
        Expr {
            kind: ExprKind::Enum(Rc::new(EnumDecl {
                path,
                variants,
                span,
                name_span,
            })),
            span,
        }
    }

    fn variant_fields(
        &mut self,
        base: &str,
        vname: &str,
        fs: &[Node],
    ) -> Result<Vec<(String, Option<TypeExpr>)>, Expr> {
        let mut fields: Vec<(String, Option<TypeExpr>)> = Vec::new();
        let mut i = 0;
        while i < fs.len() {
            let Some(f) = fs[i].as_symbol() else {
                return Err(self.invalid(
                    format!("Invalid field in variant {base}/{vname}"),
                    fs[i].span,
                ));
            };
            let (fname, ty) = match f.strip_suffix(':') {
                Some(n) => {
                    let Some(t) = fs.get(i + 1) else {
                        return Err(self.invalid(
                            format!("Field {n} of {base}/{vname} needs a type after ':'"),
                            fs[i].span,
                        ));
                    };
                    let ty = match parse_type(t) {
                        Ok(t) => t,
                        Err(m) => {
                            return Err(self.invalid(
                                format!("Invalid annotation of field {n} in {base}/{vname}: {m}"),
                                t.span,
                            ))
                        }
                    };
                    i += 2;
                    (n.to_string(), Some(ty))
                }
                None => {
                    i += 1;
                    (f.to_string(), None)
                }
            };
            if fields.iter().any(|(n, _)| *n == fname) {
                return Err(self.invalid(
                    format!("Duplicate field {fname} in variant {base}/{vname}"),
                    fs[i.saturating_sub(1)].span,
                ));
            }
            fields.push((fname, ty));
        }
        Ok(fields)
    }

    /// The enum and variant a pattern head names: `Shape/Circle`, `Ok`, or a bare
    /// variant name that exactly one declared enum has.
    fn pattern_variant(&mut self, head: &Node) -> Result<Option<(String, String)>, Expr> {
        match &head.kind {
            NodeKind::Path(p) if p.len() == 2 => {
                let known = self
                    .enums
                    .get(&p[0])
                    .is_some_and(|vs| vs.iter().any(|(v, _)| *v == p[1]));
                Ok(known.then(|| (p[0].clone(), p[1].clone())))
            }
            NodeKind::Symbol(s) => {
                if matches!(self.resolve_quiet(s), NameRes::Var(_)) {
                    return Ok(None);
                }
                let builtin = match s.as_str() {
                    "Ok" | "Err" => Some("Result"),
                    "Some" | "None" => Some("Option"),
                    _ => None,
                };
                if let Some(e) = builtin {
                    return Ok(Some((e.to_string(), s.clone())));
                }
                let mut owners: Vec<&String> = self
                    .enums
                    .iter()
                    .filter(|(_, vs)| vs.iter().any(|(v, _)| v == s))
                    .map(|(e, _)| e)
                    .collect();
                owners.sort();
                match owners.as_slice() {
                    [] => Ok(None),
                    [one] => Ok(Some(((*one).clone(), s.clone()))),
                    [a, b, ..] => Err(self.invalid(
                        format!(
                            "variant {s} is ambiguous; use a qualified pattern such as {a}/{s} or {b}/{s}"
                        ),
                        head.span,
                    )),
                }
            }
            _ => Ok(None),
        }
    }

    /// Lowers the node after `when` in the current (branch) region.
    pub(super) fn when_pattern(&mut self, v: &Node) -> WhenPat {
        if v.is_symbol("_") {
            return WhenPat::Any;
        }
        let (head, binders): (&Node, &[Node]) = match &v.kind {
            NodeKind::Gene {
                head: Some(h),
                children,
                props,
            } if props.is_empty() => (h, children),
            NodeKind::Symbol(_) | NodeKind::Path(_) => (v, &[]),
            _ => return WhenPat::Value(self.lower(v)),
        };
        let bare = std::ptr::eq(head, v);
        let (enum_name, variant) = match self.pattern_variant(head) {
            Ok(Some(ev)) => ev,
            Ok(None) => return WhenPat::Value(self.lower(v)),
            Err(e) => return WhenPat::Value(e),
        };
        let fields = self
            .enums
            .get(&enum_name)
            .and_then(|vs| vs.iter().find(|(n, _)| *n == variant))
            .and_then(|(_, f)| f.clone());
        let qualified = format!("{enum_name}/{variant}");
        // The constructor value: `Ok` stays the global alias; others are Enum/Variant.
        let ctor = match &head.kind {
            NodeKind::Symbol(s) if matches!(s.as_str(), "Ok" | "Err" | "Some" | "None") => {
                self.lower(head)
            }
            NodeKind::Symbol(_) => {
                let base = self.lower_symbol(&enum_name, head.span, None);
                Expr {
                    kind: ExprKind::Path {
                        base: Box::new(base),
                        segs: vec![Segment::Member(variant.clone())],
                    },
                    span: head.span,
                }
            }
            _ => self.lower(head),
        };
        let Some(fields) = fields else {
            // A unit variant: `when Shape/Point`, `when None` (bare or called).
            if !binders.is_empty() {
                return WhenPat::Value(self.invalid(
                    format!(
                        "variant {qualified} pattern expects 0 binding(s), got {}",
                        binders.len()
                    ),
                    v.span,
                ));
            }
            return WhenPat::Variant {
                ctor,
                binds: Vec::new(),
            };
        };
        if bare && fields.is_empty() {
            return WhenPat::Variant {
                ctor,
                binds: Vec::new(),
            };
        }
        if binders.len() != fields.len() {
            return WhenPat::Value(self.invalid(
                format!(
                    "variant {qualified} pattern expects {} binding(s) ({}), got {}",
                    fields.len(),
                    fields.join(", "),
                    binders.len()
                ),
                v.span,
            ));
        }
        let mut binds = Vec::new();
        for b in binders {
            match b.as_symbol() {
                Some("_") => binds.push(None),
                Some(s) if !s.contains('/') => binds.push(Some(self.declare(s, b.span))),
                _ => {
                    return WhenPat::Value(self.invalid(
                        format!("enum pattern {qualified} binding must be a symbol"),
                        b.span,
                    ))
                }
            }
        }
        WhenPat::Variant { ctor, binds }
    }
}

/// A form's text in quoted form, `/x` shown as `self/x` (contract messages, 6.1).
pub(super) fn quoted_text(n: &Node) -> String {
    fn go(n: &Node, out: &mut String) {
        match &n.kind {
            NodeKind::Nil => out.push_str("nil"),
            NodeKind::Void => out.push_str("void"),
            NodeKind::NotFound => out.push_str("not_found"),
            NodeKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            NodeKind::Int(i) => out.push_str(&i.to_string()),
            NodeKind::Float(f) => out.push_str(&format!("{f:?}")),
            NodeKind::Char(c) => out.push_str(&format!("'{c}'")),
            NodeKind::Str(s) => out.push_str(&format!("{s:?}")),
            NodeKind::Symbol(s) => out.push_str(s),
            NodeKind::Path(p) => {
                let segs: Vec<&str> = p
                    .iter()
                    .enumerate()
                    .map(|(i, s)| {
                        if i == 0 && s.is_empty() {
                            "self"
                        } else {
                            s.as_str()
                        }
                    })
                    .collect();
                out.push_str(&segs.join("/"));
            }
            NodeKind::Array(items) => {
                out.push('[');
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    go(it, out);
                }
                out.push(']');
            }
            NodeKind::Map(props) => {
                out.push('{');
                for (i, p) in props.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push('^');
                    out.push_str(&p.key);
                    out.push(' ');
                    go(&p.value, out);
                }
                out.push('}');
            }
            NodeKind::Gene {
                head,
                props,
                children,
            } => {
                out.push('(');
                let mut first = true;
                if let Some(h) = head {
                    go(h, out);
                    first = false;
                }
                for p in props {
                    if !first {
                        out.push(' ');
                    }
                    first = false;
                    out.push('^');
                    out.push_str(&p.key);
                    out.push(' ');
                    go(&p.value, out);
                }
                for c in children {
                    if !first {
                        out.push(' ');
                    }
                    first = false;
                    go(c, out);
                }
                out.push(')');
            }
            NodeKind::Quote(inner) => {
                out.push('`');
                go(inner, out);
            }
            NodeKind::Sealed(inner) => {
                out.push('#');
                go(inner, out);
            }
            NodeKind::Regex { pattern, .. } => out.push_str(&format!("#/{pattern}/")),
            NodeKind::DateTime(d) => out.push_str(&d.text()),
            NodeKind::Bytes(b) => {
                out.push_str("0#");
                for x in b {
                    out.push_str(&format!("{x:02x}"));
                }
            }
            NodeKind::HashMap(items) => {
                out.push_str("{{");
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    go(it, out);
                }
                out.push_str("}}");
            }
            NodeKind::Error => out.push_str("<error>"),
        }
    }
    let mut out = String::new();
    go(n, &mut out);
    out
}
