//! Special forms (reference 3.4): `var` and array patterns, `if`/`ifel`, `case`,
//! loops, `try`/`catch`/`finally`, `fn` and parameter lists, `class`, `ns` and the
//! other keyword-headed genes recognised by `Lowerer::lower_special`.

use super::*;

impl Lowerer {
    pub(super) fn lower_special(
        &mut self,
        h: &str,
        props: &[Prop],
        children: &[Node],
        span: Span,
    ) -> Option<Expr> {
        let kind = match h {
            "var" => return Some(self.lower_var(children, span, false)),
            "let" => return Some(self.lower_var(children, span, true)),
            "if" => return Some(self.lower_if(children, span)),
            "if_not" => return Some(self.lower_if_not(children, span)),
            "ifel" => {
                if children.len() != 2 && children.len() != 3 {
                    return Some(self.invalid(
                        format!("ifel expects 2 or 3 arguments, got {}", children.len()),
                        span,
                    ));
                }
                let cond = self.lower(&children[0]);
                let (r1, a) = self.lower_region(&children[1..2]);
                let else_branch = children
                    .get(2)
                    .map(|c| self.lower_region(std::slice::from_ref(c)));
                ExprKind::If {
                    branches: vec![(cond, r1, a)],
                    else_branch,
                }
            }
            "do" => ExprKind::Do(self.lower_body(children)),
            "loop" => {
                let label = match self.loop_label(props) {
                    Ok(l) => l,
                    Err(e) => return Some(e),
                };
                let body = self.loop_body(&label, |l| l.lower_body(children));
                ExprKind::Loop(body, label)
            }
            "while" => {
                let Some((c, body)) = children.split_first() else {
                    return Some(self.invalid("while needs a condition", span));
                };
                let label = match self.loop_label(props) {
                    Ok(l) => l,
                    Err(e) => return Some(e),
                };
                let cond = self.lower(c);
                let body = self.loop_body(&label, |l| l.lower_body(body));
                ExprKind::While(Box::new(cond), body, label)
            }
            "for" => return Some(self.lower_for(props, children, span)),
            "repeat" => return Some(self.lower_repeat(props, children, span)),
            "case" => return Some(self.lower_case(children, span)),
            "enum" => return Some(self.lower_enum(props, children, span)),
            "super" => return Some(self.lower_super(props, children, span)),
            "type" => return Some(self.lower_type_alias(children, span)),
            "interface" => return Some(self.lower_interface(children, span)),
            "implement" => return Some(self.lower_implement(children, span)),
            // Left out of this implementation (later 13, 5.2, 3.9): refused where written.
            "comptime" | "fn-interceptor" | "interceptor" | "object" | "$dep" | "$tap" | "$set"
            | "$with" | "$caller_eval" | "freeze" | "run_forever" => {
                return Some(self.invalid(format!("{h} is not supported"), span));
            }
            "break" => {
                let label = match self.target_label(props, span) {
                    Ok(l) => l,
                    Err(e) => return Some(e),
                };
                ExprKind::Break(children.first().map(|c| Box::new(self.lower(c))), label)
            }
            "continue" => match self.target_label(props, span) {
                Ok(l) => ExprKind::Continue(l),
                Err(e) => return Some(e),
            },
            "return" => ExprKind::Return(children.first().map(|c| Box::new(self.lower(c)))),
            "fn" | "fnx" | "fnxx" => return Some(self.lower_fn(h, props, children, span)),
            "try" => return Some(self.lower_try(children, span)),
            "throw" => ExprKind::Throw(children.first().map(|c| Box::new(self.lower(c)))),
            "class" => return Some(self.lower_class(children, span)),
            "new" => {
                let Some((c, rest)) = children.split_first() else {
                    return Some(self.invalid("new needs a class", span));
                };
                let class = self.lower(c);
                let args = self.call_args(props, rest);
                ExprKind::New {
                    class: Box::new(class),
                    args,
                }
            }
            "ns" => {
                let Some((name, body)) = children.split_first() else {
                    return Some(self.invalid("ns needs a name", span));
                };
                let path = match node_path(name) {
                    Some(p) => p,
                    None => return Some(self.invalid("ns name must be a symbol", name.span)),
                };
                let name_span = name_span_of(name);
                let qualified = self.qualify(&path);
                self.record(name_span, OccTarget::Global(qualified), OccKind::Def);
                let depth = self.ns_stack.len();
                self.ns_stack.extend(path.iter().cloned());
                let def = self.lower_fn_body(&path.join("/"), span, Some(name_span), |l, _| {
                    (Vec::new(), l.lower_body(body))
                });
                self.ns_stack.truncate(depth);
                ExprKind::Ns { path, body: def }
            }
            "async" => {
                if children.len() != 1 {
                    return Some(self.invalid("async takes exactly one expression", span));
                }
                ExprKind::Async(Box::new(self.lower(&children[0])))
            }
            "await" => {
                let timeout = props
                    .iter()
                    .find(|p| p.key == "timeout")
                    .map(|p| Box::new(self.lower(&p.value)));
                if children.is_empty() {
                    return Some(self.invalid("await needs a future", span));
                }
                let futures = self.lower_body(children);
                ExprKind::Await { futures, timeout }
            }
            "yield" => {
                if !self.cur_fn().is_generator {
                    return Some(self.invalid("yield outside a generator", span));
                }
                ExprKind::Yield(children.first().map(|c| Box::new(self.lower(c))))
            }
            "not" | "!" => {
                if children.len() != 1 {
                    return Some(self.invalid(format!("{h} takes exactly one argument"), span));
                }
                ExprKind::Not(Box::new(self.lower(&children[0])))
            }
            "range" => {
                if children.len() < 2 || children.len() > 3 {
                    return Some(self.invalid("range takes 2 or 3 arguments", span));
                }
                let a = self.lower(&children[0]);
                let b = self.lower(&children[1]);
                let s = children.get(2).map(|c| Box::new(self.lower(c)));
                ExprKind::Range(Box::new(a), Box::new(b), s)
            }
            "-" if children.len() == 1 && props.is_empty() => {
                ExprKind::Neg(Box::new(self.lower(&children[0])))
            }
            "import" => return Some(self.lower_import(props, children, span)),
            "export" => return Some(self.lower_export(children, span)),
            _ => return None,
        };
        Some(Expr { kind, span })
    }

    /// `(var NAME VALUE)`, `(var NAME: TYPE VALUE)`, `(var [PATTERN] VALUE)`; `is_let`
    /// makes the bindings immutable (2.1).
    fn lower_var(&mut self, children: &[Node], span: Span, is_let: bool) -> Expr {
        let word = if is_let { "let" } else { "var" };
        let Some(target) = children.first() else {
            return self.invalid(format!("{word} needs a name"), span);
        };
        // `NAME:` is followed by a type expression, then the value.
        let typed = target
            .as_symbol()
            .is_some_and(|s| s.len() > 1 && s.ends_with(':'));
        let value_at = if typed { 2 } else { 1 };
        // The value is lowered before the name is declared: `(var x (x + 1))` sees the outer x.
        let value = children.get(value_at).map(|c| Box::new(self.lower(c)));
        let mut flag = None;
        let first_var = self.unit.vars.len() as VarId;
        let pattern = match &target.kind {
            NodeKind::Symbol(s) => {
                let name = s.strip_suffix(':').unwrap_or(s);
                let v = self.declare_top_level(name, target.span, s.len());
                if is_let {
                    self.let_vars.insert(v);
                }
                if typed {
                    let Some(t) = children.get(1) else {
                        return self.invalid(format!("{word} {name}: needs a type"), target.span);
                    };
                    match adt::parse_type(t) {
                        Ok(ty) => {
                            self.unit.var_types.insert(v, ty);
                        }
                        Err(m) => return self.invalid(m, t.span),
                    }
                }
                flag = self.forward_flags.get(&v).copied().map(|f| (f, v, name));
                Pattern::Var(v)
            }
            NodeKind::Array(_) | NodeKind::Map(_) => {
                let p = match &target.kind {
                    NodeKind::Array(elems) => self.lower_pattern(elems, target.span),
                    NodeKind::Map(props) => self.lower_map_pattern(props, target.span),
                    _ => Err(self.invalid("Invalid destructuring pattern", target.span)),
                };
                match p {
                    Ok(p) => {
                        if is_let {
                            let last = self.unit.vars.len() as VarId;
                            self.let_vars.extend(first_var..last);
                        }
                        p
                    }
                    Err(e) => return e,
                }
            }
            // `(var /name v)`: a member of the current namespace (later 1.3).
            NodeKind::Path(p) if p.len() == 2 && p[0].is_empty() && !p[1].is_empty() => {
                let ns = Expr {
                    kind: ExprKind::Special("$ns".into()),
                    span: target.span,
                };
                let value = value.unwrap_or_else(|| Box::new(Self::lit(Lit::Nil, span)));
                let qualified = self.qualify(&p[1..]);
                let occ = token_part(target.span, p[1].len() + 1, 1, p[1].len());
                self.record(occ, OccTarget::Global(qualified), OccKind::Def);
                return Expr {
                    kind: ExprKind::Assign {
                        place: Place::Path {
                            base: Box::new(ns),
                            segs: vec![Segment::Member(p[1].clone())],
                        },
                        op: None,
                        value,
                    },
                    span,
                };
            }
            _ => {
                return self.invalid(
                    format!("{word} needs a name or an array pattern"),
                    target.span,
                )
            }
        };
        let var = Expr {
            kind: ExprKind::Var { pattern, value },
            span,
        };
        let Some((flag, v, name)) = flag else {
            return var;
        };
        // A function lowered earlier reads this variable: mark it declared.
        let set_flag = Expr {
            kind: ExprKind::Assign {
                place: Place::Var(flag),
                op: None,
                value: Box::new(Self::lit(Lit::Bool(true), span)),
            },
            span,
        };
        let read = Expr {
            kind: ExprKind::Name(NameRes::Var(v), name.to_string()),
            span,
        };
        Expr {
            kind: ExprKind::Do(vec![var, set_flag, read]),
            span,
        }
    }

    /// Array destructuring pattern (4.2 / 12.2; nested arrays, `^prop` and `^rest...`
    /// for Gene values, later 4.7), declared in the current region.
    pub(super) fn lower_pattern(&mut self, elems: &[Node], span: Span) -> Result<Pattern, Expr> {
        let mut out: Vec<PatElem> = Vec::new();
        let mut i = 0;
        while i < elems.len() {
            let n = &elems[i];
            if matches!(n.kind, NodeKind::Array(_) | NodeKind::Map(_)) {
                // A nested array or map pattern (later 4.7).
                let sub = match &n.kind {
                    NodeKind::Array(inner) => self.lower_pattern(inner, n.span)?,
                    NodeKind::Map(props) => self.lower_map_pattern(props, n.span)?,
                    _ => return Err(self.invalid("Invalid destructuring pattern", n.span)),
                };
                out.push(PatElem {
                    var: None,
                    default: None,
                    rest: false,
                    span: n.span,
                    sub: Some(sub),
                    prop: None,
                });
                i += 1;
                continue;
            }
            let Some(s) = n.as_symbol() else {
                return Err(self.invalid("Invalid destructuring pattern", n.span));
            };
            if s == "..." {
                if let Some(last) = out.last_mut() {
                    last.rest = true;
                }
                i += 1;
                continue;
            }
            let (prop, s) = match s.strip_prefix('^') {
                Some(p) => (true, p),
                None => (false, s),
            };
            let (name, rest) = match s.strip_suffix("...") {
                Some(n) if !n.is_empty() => (n, true),
                _ => (s, false),
            };
            let mut default = None;
            if elems.get(i + 1).is_some_and(|e| e.is_symbol("=")) {
                if let Some(d) = elems.get(i + 2) {
                    default = Some(self.lower(d));
                    i += 2;
                }
            }
            let name_span = token_part(
                n.span,
                usize::from(prop) + s.len(),
                usize::from(prop),
                name.len(),
            );
            let var = if name == "_" {
                None
            } else {
                Some(self.declare_at(name, n.span, name_span))
            };
            out.push(PatElem {
                var,
                default,
                rest,
                span: n.span,
                sub: None,
                prop: prop.then(|| name.to_string()),
            });
            i += 1;
        }
        if out.iter().filter(|e| e.rest && e.prop.is_none()).count() > 1 {
            return Err(self.invalid("Only one named positional rest parameter is allowed", span));
        }
        Ok(Pattern::Array(out))
    }

    /// `{^key name ...}`: binds each name to the map's value at `key` (later 4.7).
    pub(super) fn lower_map_pattern(
        &mut self,
        props: &[Prop],
        span: Span,
    ) -> Result<Pattern, Expr> {
        let mut out = Vec::new();
        for p in props {
            let Some(name) = p.value.as_symbol() else {
                return Err(self.invalid(
                    format!("Map pattern ^{} needs a variable name", p.key),
                    p.value.span,
                ));
            };
            let var = (name != "_").then(|| self.declare(name, p.value.span));
            out.push((p.key.clone(), var));
        }
        if out.is_empty() {
            return Err(self.invalid("Empty map pattern", span));
        }
        Ok(Pattern::Map(out))
    }

    fn lower_if(&mut self, children: &[Node], span: Span) -> Expr {
        let mut branches = Vec::new();
        let mut else_branch = None;
        let mut i = 0;
        loop {
            let Some(c) = children.get(i) else {
                return self.invalid("if needs a condition", span);
            };
            // `if not C` / `elif not C` negate C (2.4).
            let negate = c.is_symbol("not") && i + 1 < children.len();
            let cond = if negate {
                i += 1;
                let inner = self.lower(&children[i]);
                Expr {
                    span: c.span.to(children[i].span),
                    kind: ExprKind::Not(Box::new(inner)),
                }
            } else {
                self.lower(c)
            };
            i += 1;
            if children.get(i).is_some_and(|n| n.is_symbol("then")) {
                i += 1;
            }
            let start = i;
            while i < children.len()
                && !children[i].is_symbol("elif")
                && !children[i].is_symbol("else")
            {
                i += 1;
            }
            let (r, body) = self.lower_region(&children[start..i]);
            branches.push((cond, r, body));
            match children.get(i) {
                Some(n) if n.is_symbol("elif") => {
                    i += 1;
                    continue;
                }
                Some(n) if n.is_symbol("else") => {
                    else_branch = Some(self.lower_region(&children[i + 1..]));
                    break;
                }
                _ => break,
            }
        }
        Expr {
            kind: ExprKind::If {
                branches,
                else_branch,
            },
            span,
        }
    }

    fn lower_case(&mut self, children: &[Node], span: Span) -> Expr {
        let Some((t, rest)) = children.split_first() else {
            return self.invalid("case needs a target", span);
        };
        let target = self.lower(t);
        let mut whens = Vec::new();
        let mut else_branch = None;
        let mut i = 0;
        while i < rest.len() {
            if rest[i].is_symbol("when") {
                let Some(v) = rest.get(i + 1) else {
                    return self.invalid("when needs a value", rest[i].span);
                };
                let start = i + 2;
                let mut end = start;
                while end < rest.len()
                    && !rest[end].is_symbol("when")
                    && !rest[end].is_symbol("else")
                {
                    end += 1;
                }
                // Pattern bindings live in the branch's region.
                let r = self.push_region();
                let pat = self.when_pattern(v);
                let body = self.lower_body(&rest[start.min(end)..end]);
                self.pop_region();
                whens.push((pat, r, body));
                i = end;
            } else if rest[i].is_symbol("else") {
                else_branch = Some(self.lower_region(&rest[i + 1..]));
                break;
            } else {
                return self.invalid("case expects 'when' or 'else'", rest[i].span);
            }
        }
        Expr {
            kind: ExprKind::Case {
                target: Box::new(target),
                whens,
                else_branch,
            },
            span,
        }
    }

    fn lower_for(&mut self, props: &[Prop], children: &[Node], span: Span) -> Expr {
        let label = match self.loop_label(props) {
            Ok(l) => l,
            Err(e) => return e,
        };
        let Some(in_pos) = children.iter().position(|c| c.is_symbol("in")) else {
            return self.invalid("for needs 'in'", span);
        };
        if in_pos == 0 || in_pos > 2 || in_pos + 1 >= children.len() {
            return self.invalid("for expects (for VAR in COLLECTION BODY...)", span);
        }
        let iter = self.lower(&children[in_pos + 1]);
        let region = self.push_region();
        let mut vars = Vec::new();
        for v in &children[..in_pos] {
            match &v.kind {
                NodeKind::Symbol(s) if s == "_" => vars.push(Pattern::Ignore),
                NodeKind::Symbol(s) => vars.push(Pattern::Var(self.declare(s, v.span))),
                NodeKind::Array(elems) => match self.lower_pattern(elems, v.span) {
                    Ok(p) => vars.push(p),
                    Err(e) => {
                        self.pop_region();
                        return e;
                    }
                },
                NodeKind::Map(props) => match self.lower_map_pattern(props, v.span) {
                    Ok(p) => vars.push(p),
                    Err(e) => {
                        self.pop_region();
                        return e;
                    }
                },
                _ => {
                    self.pop_region();
                    return self.invalid("Invalid for variable", v.span);
                }
            }
        }
        let body = self.loop_body(&label, |l| l.lower_body(&children[in_pos + 2..]));
        self.pop_region();
        Expr {
            kind: ExprKind::For {
                vars,
                iter: Box::new(iter),
                region,
                body,
                label,
            },
            span,
        }
    }

    /// `(repeat N ^index i ^total n BODY...)` (2.3).
    fn lower_repeat(&mut self, props: &[Prop], children: &[Node], span: Span) -> Expr {
        let Some((c, body)) = children.split_first() else {
            return self.invalid("repeat needs a count", span);
        };
        let label = match self.loop_label(props) {
            Ok(l) => l,
            Err(e) => return e,
        };
        let count = self.lower(c);
        let region = self.push_region();
        let bind = |l: &mut Lowerer, key: &str| -> Result<Option<VarId>, Expr> {
            let Some(p) = props.iter().find(|p| p.key == key) else {
                return Ok(None);
            };
            match p.value.as_symbol() {
                Some(n) if !n.contains('/') => Ok(Some(l.declare(n, p.value.span))),
                _ => Err(l.invalid(format!("repeat ^{key} needs a variable name"), p.value.span)),
            }
        };
        let (index, total) = match (bind(self, "index"), bind(self, "total")) {
            (Ok(i), Ok(t)) => (i, t),
            (Err(e), _) | (_, Err(e)) => {
                self.pop_region();
                return e;
            }
        };
        let body = self.loop_body(&label, |l| l.lower_body(body));
        self.pop_region();
        Expr {
            kind: ExprKind::Repeat {
                count: Box::new(count),
                region,
                body,
                label,
                index,
                total,
            },
            span,
        }
    }

    /// `(if_not C BODY...)`: `(if (not C) BODY...)` without elif/else (2.4).
    fn lower_if_not(&mut self, children: &[Node], span: Span) -> Expr {
        let Some((c, body)) = children.split_first() else {
            return self.invalid("if_not needs a condition", span);
        };
        if let Some(n) = body.iter().find(|n| n.is_symbol("elif")) {
            return self.invalid(
                "if_not: elif branches are not supported; use if ... elif ... or nest if_not",
                n.span,
            );
        }
        if let Some(n) = body.iter().find(|n| n.is_symbol("else")) {
            return self.invalid(
                "if_not: else branches are not supported; use if ... else ... or nest if_not",
                n.span,
            );
        }
        let inner = self.lower(c);
        let cond = Expr {
            span: c.span,
            kind: ExprKind::Not(Box::new(inner)),
        };
        let (r, body) = self.lower_region(body);
        Expr {
            kind: ExprKind::If {
                branches: vec![(cond, r, body)],
                else_branch: None,
            },
            span,
        }
    }

    /// `(interface NAME (method m [...]) (field f TYPE [^readonly true]) ...)`.
    fn lower_interface(&mut self, children: &[Node], span: Span) -> Expr {
        let Some((name, body)) = children.split_first() else {
            return self.invalid("interface needs a name", span);
        };
        let Some(n) = name.as_symbol() else {
            return self.invalid("interface name must be a symbol", name.span);
        };
        let (mut methods, mut fields, mut readonly) = (Vec::new(), Vec::new(), Vec::new());
        for f in body {
            let NodeKind::Gene {
                head: Some(h),
                children: parts,
                props,
            } = &f.kind
            else {
                return self.invalid("interface members are (method ...) or (field ...)", f.span);
            };
            let member = parts.first().and_then(|p| p.as_symbol());
            match (h.as_symbol(), member) {
                (Some("method"), Some(m)) => methods.push(m.to_string()),
                (Some("field"), Some(m)) if parts.len() >= 2 => {
                    let name = m.trim_end_matches(':').to_string();
                    let ro = props.iter().any(|p| {
                        p.key == "readonly"
                            && !matches!(p.value.kind, NodeKind::Nil | NodeKind::Bool(false))
                    });
                    if ro {
                        readonly.push(name.clone());
                    }
                    fields.push(name)
                }
                (Some("field"), _) => {
                    return self
                        .invalid("an interface field needs a type: (field NAME TYPE)", f.span)
                }
                _ => {
                    return self
                        .invalid("interface members are (method ...) or (field ...)", f.span)
                }
            }
        }
        let path = vec![n.to_string()];
        let name_span = name_span_of(name);
        let qualified = self.qualify(&path);
        self.record(name_span, OccTarget::Global(qualified), OccKind::Def);
        Expr {
            kind: ExprKind::Interface {
                path,
                methods,
                fields,
                readonly,
                name_span,
            },
            span,
        }
    }

    /// `(type NAME TYPE-EXPR)` (later 3.9).
    fn lower_type_alias(&mut self, children: &[Node], span: Span) -> Expr {
        if let Some(n) = children
            .first()
            .filter(|n| matches!(n.kind, NodeKind::Gene { .. }))
        {
            return self.invalid(
                "ADT declarations with type are not supported; declare them with (enum ...)",
                n.span,
            );
        }
        let [name, t] = children else {
            return self.invalid("type expects a name and a type: (type NAME TYPE)", span);
        };
        let Some(n) = name.as_symbol() else {
            return self.invalid("type alias name must be a symbol", name.span);
        };
        let ty = match adt::parse_type(t) {
            Ok(ty) => ty,
            Err(m) => return self.invalid(m, t.span),
        };
        let path = vec![n.to_string()];
        let name_span = name_span_of(name);
        let qualified = self.qualify(&path);
        self.record(name_span, OccTarget::Global(qualified), OccKind::Def);
        Expr {
            kind: ExprKind::TypeAlias {
                path,
                ty,
                name_span,
            },
            span,
        }
    }

    /// `(super .member ARGS...)` (later 5.1).
    fn lower_super(&mut self, props: &[Prop], children: &[Node], span: Span) -> Expr {
        let Some((m, rest)) = children.split_first() else {
            return self.invalid(
                "super can only be used in call form: (super .member ...)",
                span,
            );
        };
        let Some(name) = m
            .as_symbol()
            .and_then(|s| s.strip_prefix('.'))
            .filter(|n| !n.is_empty())
        else {
            return self.invalid("super requires a dotted member (e.g. .m or .ctor)", m.span);
        };
        if name.ends_with('!') {
            return self.invalid("Macro-like super calls are not supported", m.span);
        }
        if !self.fns.last().is_some_and(|f| f.is_method) {
            return self.invalid("super used outside of a class", span);
        }
        let name = name.to_string();
        self.record(
            token_part(m.span, name.len() + 1, 1, name.len()),
            OccTarget::Method(name.clone()),
            OccKind::Read,
        );
        let recv = self.self_expr(span);
        let args = self.call_args(props, rest);
        Expr {
            kind: ExprKind::Super {
                recv: Box::new(recv),
                method: name,
                args,
            },
            span,
        }
    }

    /// A loop's `^name` label: a symbol or a string.
    fn loop_label(&mut self, props: &[Prop]) -> Result<Option<String>, Expr> {
        let Some(p) = props.iter().find(|p| p.key == "name") else {
            return Ok(None);
        };
        match &p.value.kind {
            NodeKind::Symbol(s) | NodeKind::Str(s) => Ok(Some(s.clone())),
            _ => Err(self.invalid("^name must be a symbol or string", p.value.span)),
        }
    }

    /// Lowers a loop body with its label visible to `break`/`continue ^from`.
    fn loop_body(
        &mut self,
        label: &Option<String>,
        f: impl FnOnce(&mut Lowerer) -> Vec<Expr>,
    ) -> Vec<Expr> {
        if let Some(ctx) = self.fns.last_mut() {
            ctx.loops.push(label.clone());
        }
        let body = f(self);
        if let Some(ctx) = self.fns.last_mut() {
            ctx.loops.pop();
        }
        body
    }

    /// The `^from LABEL` of a `break`/`continue`, checked against the enclosing loops.
    fn target_label(&mut self, props: &[Prop], span: Span) -> Result<Option<String>, Expr> {
        let Some(p) = props.iter().find(|p| p.key == "from") else {
            return Ok(None);
        };
        let label = match &p.value.kind {
            NodeKind::Symbol(s) | NodeKind::Str(s) => s.clone(),
            _ => return Err(self.invalid("^from must be a symbol or string", p.value.span)),
        };
        let known = self
            .fns
            .last()
            .is_some_and(|f| f.loops.iter().any(|l| l.as_deref() == Some(label.as_str())));
        if !known {
            return Err(self.invalid(format!("No loop named '{label}' found"), span));
        }
        Ok(Some(label))
    }

    fn lower_try(&mut self, children: &[Node], span: Span) -> Expr {
        let marker = |n: &Node| n.is_symbol("catch") || n.is_symbol("finally");
        let mut i = children.iter().position(marker).unwrap_or(children.len());
        let body = self.lower_body(&children[..i]);
        let mut catches = Vec::new();
        let mut finally = None;
        while i < children.len() {
            if children[i].is_symbol("catch") {
                let Some(pat) = children.get(i + 1) else {
                    return self.invalid("catch needs a pattern", children[i].span);
                };
                let start = i + 2;
                let mut end = start;
                while end < children.len() && !marker(&children[end]) {
                    end += 1;
                }
                let region = self.push_region();
                let pattern = match &pat.kind {
                    NodeKind::Symbol(s) if s == "*" || s == "_" => CatchPattern::Any,
                    NodeKind::Symbol(s) if s.starts_with(|c: char| c.is_ascii_uppercase()) => {
                        CatchPattern::Class(self.lower(pat))
                    }
                    NodeKind::Symbol(s) => CatchPattern::Bind(self.declare(s, pat.span)),
                    NodeKind::Path(_) => CatchPattern::Class(self.lower(pat)),
                    _ => {
                        self.pop_region();
                        return self.invalid("Invalid catch pattern", pat.span);
                    }
                };
                let handler = self.lower_body(&children[start.min(end)..end]);
                self.pop_region();
                catches.push(Catch {
                    pattern,
                    region,
                    body: handler,
                    span: children[i].span.to(pat.span),
                });
                i = end;
            } else {
                // finally
                let start = i + 1;
                let mut end = start;
                while end < children.len() && !marker(&children[end]) {
                    end += 1;
                }
                finally = Some(self.lower_body(&children[start..end]));
                i = end;
            }
        }
        Expr {
            kind: ExprKind::Try {
                body,
                catches,
                finally,
            },
            span,
        }
    }
}

/// The span of a definition's name: the symbol, or a path's last segment.
pub(super) fn name_span_of(n: &Node) -> Span {
    match &n.kind {
        NodeKind::Symbol(s) => token_part(n.span, s.len(), 0, s.len()),
        NodeKind::Path(p) => segment_spans(p, n.span)
            .and_then(|s| s.last().copied())
            .unwrap_or(n.span),
        _ => n.span,
    }
}

/// A class's qualified name without the enclosing namespaces (the class prefix
/// is added after them by `qualify`).
pub(super) fn qualified_tail(qualified: &str, ns: &[String]) -> String {
    let prefix = ns.join("/");
    if prefix.is_empty() {
        qualified.to_string()
    } else {
        qualified
            .strip_prefix(&format!("{prefix}/"))
            .unwrap_or(qualified)
            .to_string()
    }
}

/// A name that may be a path: `geo`, `geo/units`; a leading `/` (`/name`, "member
/// of the current namespace", later 1.3) names the same member as `name`.
pub(super) fn node_path(n: &Node) -> Option<Vec<String>> {
    match &n.kind {
        NodeKind::Symbol(s) => Some(vec![s.clone()]),
        NodeKind::Path(p) => {
            let p = match p.split_first() {
                Some((first, rest)) if first.is_empty() && !rest.is_empty() => rest,
                _ => p.as_slice(),
            };
            p.iter().all(|s| !s.is_empty()).then(|| p.to_vec())
        }
        _ => None,
    }
}
