//! Functions, methods and classes: parameter lists (with annotations), `fn`
//! forms (names, generics, `-> TYPE`, contracts, metadata) and class bodies.

use super::forms::{name_span_of, node_path, qualified_tail};
use super::*;

/// The parts of a `fn`, `method` or `ctor` form after its name.
struct FnSource<'n> {
    params: Option<&'n Node>,
    body: &'n [Node],
    props: &'n [Prop],
}

const METHOD: FnFlags = FnFlags {
    is_async: false,
    is_generator: false,
    is_method: true,
};

impl Lowerer {
    /// The parameters and, for array or map patterns among them (later 4.7),
    /// the `var` statements that destructure them at the start of the body.
    fn parse_params(&mut self, params: &Node) -> Result<(Vec<Param>, Vec<Expr>), Expr> {
        let elems: Vec<Node> = match &params.kind {
            NodeKind::Array(e) => e.clone(),
            NodeKind::Symbol(s) if s == "_" => Vec::new(),
            NodeKind::Symbol(_) => vec![params.clone()],
            _ => return Err(self.invalid("Invalid parameter list", params.span)),
        };
        let mut out: Vec<Param> = Vec::new();
        let mut prologue = Vec::new();
        let mut i = 0;
        while i < elems.len() {
            let n = &elems[i];
            if matches!(n.kind, NodeKind::Array(_) | NodeKind::Map(_)) {
                // `[a [b c]]`, `[{^host h}]`: a positional parameter (with an
                // optional default) bound to a hidden variable, destructured
                // with the rules of `var`.
                let hidden = format!("<arg{}>", out.len() + 1);
                let var = self.declare_quiet(&hidden, n.span);
                let mut default = None;
                if elems.get(i + 1).is_some_and(|e| e.is_symbol("=")) {
                    if let Some(d) = elems.get(i + 2) {
                        default = Some(self.lower(d));
                        i += 2;
                    }
                }
                let pattern = match &n.kind {
                    NodeKind::Array(items) => self.lower_pattern(items, n.span)?,
                    NodeKind::Map(props) => self.lower_map_pattern(props, n.span)?,
                    _ => return Err(self.invalid("Invalid parameter", n.span)),
                };
                let read = Expr {
                    kind: ExprKind::Name(NameRes::Var(var), hidden),
                    span: n.span,
                };
                prologue.push(Expr {
                    kind: ExprKind::Var {
                        pattern,
                        value: Some(Box::new(read)),
                    },
                    span: n.span,
                });
                out.push(Param {
                    var,
                    // Signatures show the pattern as written: `[a [b c]]`.
                    name: adt::quoted_text(n),
                    default,
                    rest: false,
                    keyword: false,
                    span: n.span,
                    ty: None,
                });
                i += 1;
                continue;
            }
            let Some(s) = n.as_symbol() else {
                return Err(self.invalid("Invalid parameter", n.span));
            };
            if s == "..." {
                if let Some(last) = out.last_mut() {
                    last.rest = true;
                }
                i += 1;
                continue;
            }
            let (keyword, s) = match s.strip_prefix('^') {
                Some(k) => (true, k),
                None => (false, s),
            };
            let (name, mut rest) = match s.strip_suffix("...") {
                Some(n) if !n.is_empty() => (n, true),
                _ => (s, false),
            };
            // `name: TYPE` (later 3.1): the next element is the type; `xs: Int...` is a
            // typed rest parameter.
            let mut ty = None;
            let name = match name.strip_suffix(':') {
                Some(bare) if !bare.is_empty() => {
                    let Some(t) = elems.get(i + 1) else {
                        return Err(self
                            .invalid(format!("Parameter {bare} needs a type after ':'"), n.span));
                    };
                    let t = match t.as_symbol().and_then(|s| s.strip_suffix("...")) {
                        Some(base) if !base.is_empty() => {
                            rest = true;
                            Node {
                                kind: NodeKind::Symbol(base.to_string()),
                                span: t.span,
                            }
                        }
                        _ => t.clone(),
                    };
                    match adt::parse_type(&t) {
                        Ok(parsed) => ty = Some(self.erase_generics(parsed)),
                        Err(m) => return Err(self.invalid(m, t.span)),
                    }
                    i += 1;
                    bare
                }
                _ => name,
            };
            let name_span = token_part(
                n.span,
                usize::from(keyword) + s.len(),
                usize::from(keyword),
                name.len(),
            );
            let var = self.declare_at(name, n.span, name_span);
            let mut default = None;
            if elems.get(i + 1).is_some_and(|e| e.is_symbol("=")) {
                if let Some(d) = elems.get(i + 2) {
                    default = Some(self.lower(d));
                    i += 2;
                }
            }
            out.push(Param {
                var,
                name: name.to_string(),
                default,
                rest,
                keyword,
                span: n.span,
                ty,
            });
            i += 1;
        }
        Ok((out, prologue))
    }

    /// `(fn name? ^^flags params body...)`, `(fnx params body...)`, `(fnxx body...)`.
    pub(super) fn lower_fn(
        &mut self,
        h: &str,
        props: &[Prop],
        children: &[Node],
        span: Span,
    ) -> Expr {
        let flag = |k: &str| {
            props.iter().any(|p| {
                p.key == k && !matches!(p.value.kind, NodeKind::Nil | NodeKind::Bool(false))
            })
        };
        let mut is_async = flag("async");
        let mut is_generator = flag("generator");
        let mut name_span = None;
        let (name_path, params, body): (Option<Vec<String>>, Option<&Node>, &[Node]) = match h {
            "fnxx" => (None, None, children),
            "fnx" => match children.split_first() {
                Some((p, b)) => (None, Some(p), b),
                None => return self.invalid("fnx needs a parameter list", span),
            },
            _ => match children.first() {
                Some(n) if matches!(n.kind, NodeKind::Array(_)) => (None, Some(n), &children[1..]),
                Some(n) => {
                    let Some(path) = node_path(n) else {
                        return self.invalid("fn needs a name or a parameter list", n.span);
                    };
                    let Some(p) = children.get(1) else {
                        return self.invalid("fn needs a parameter list", span);
                    };
                    name_span = Some(name_span_of(n));
                    (Some(path), Some(p), &children[2..])
                }
                None => return self.invalid("fn needs a parameter list", span),
            },
        };
        // `(fn identity:T ...)`: generic parameters, `Any` at run time (later 3.10).
        let mut name_path = name_path;
        let mut generics = Vec::new();
        if let Some(last) = name_path.as_mut().and_then(|p| p.last_mut()) {
            if let Some((base, params)) = last.split_once(':') {
                if base.is_empty() || params.split(':').any(str::is_empty) {
                    return self.invalid(format!("Invalid generic parameters in {last}"), span);
                }
                generics = params.split(':').map(str::to_string).collect();
                *last = base.to_string();
            }
        }
        let name = name_path
            .as_ref()
            .and_then(|p| p.last().cloned())
            .unwrap_or_else(|| "<anonymous>".into());
        if name.ends_with('*') {
            is_generator = true;
        }
        if name.ends_with('!') {
            return self.invalid("Macro-like functions (name!) are not supported yet", span);
        }
        if name == "<async>" {
            is_async = true;
        }
        let flags = FnFlags {
            is_async,
            is_generator,
            is_method: false,
        };
        if let (Some(path), Some(ns)) = (&name_path, name_span) {
            let qualified = self.qualify(path);
            self.record(ns, OccTarget::Global(qualified), OccKind::Def);
        }
        let src = FnSource {
            params,
            body,
            props,
        };
        // Type parameters of enclosing functions stay in scope.
        let mut in_scope = self.generics.clone();
        in_scope.extend(generics);
        let outer = std::mem::replace(&mut self.generics, in_scope);
        let def = self.make_fn(&name, span, name_span, flags, src);
        self.generics = outer;
        let def = match def {
            Ok(d) => d,
            Err(e) => return e,
        };
        let kind = match name_path {
            Some(path) => ExprKind::NamedFn { path, def },
            None => ExprKind::Fn(def),
        };
        Expr { kind, span }
    }

    fn make_fn(
        &mut self,
        name: &str,
        span: Span,
        name_span: Option<Span>,
        flags: FnFlags,
        src: FnSource,
    ) -> Result<Rc<FnDef>, Expr> {
        let FnSource {
            params,
            body,
            props,
        } = src;
        // `-> TYPE` before the body: the return annotation (later 3.1).
        let (ret, body) = match body {
            [arrow, t, rest @ ..] if arrow.is_symbol("->") => match adt::parse_type(t) {
                Ok(ty) => (Some(self.erase_generics(ty)), rest),
                Err(m) => return Err(self.invalid(m, t.span)),
            },
            [arrow] if arrow.is_symbol("->") => {
                return Err(self.invalid("'->' needs a return type", arrow.span))
            }
            _ => (None, body),
        };
        let mut err = None;
        let (mut pre, mut post, mut result_var) = (Vec::new(), Vec::new(), None);
        let mut prologue_len = 0;
        let def = self.lower_fn_full(name, span, name_span, flags, |l, _| {
            let (ps, prologue) = match params {
                Some(p) => match l.parse_params(p) {
                    Ok(ps) => ps,
                    Err(e) => {
                        err = Some(e);
                        (Vec::new(), Vec::new())
                    }
                },
                None => (Vec::new(), Vec::new()),
            };
            match l.conditions(props, "pre") {
                Ok(c) => pre = c,
                Err(e) => err = Some(e),
            }
            prologue_len = prologue.len();
            let body = {
                let mut all = prologue;
                all.extend(l.lower_body(body));
                all
            };
            if props.iter().any(|p| p.key == "post") {
                result_var = Some(l.declare_quiet("result", span));
                match l.conditions(props, "post") {
                    Ok(c) => post = c,
                    Err(e) => err = Some(e),
                }
            }
            (ps, body)
        });
        let intent = match props.iter().find(|p| p.key == "intent").map(|p| &p.value) {
            Some(Node {
                kind: NodeKind::Str(s),
                ..
            }) => Some(s.clone()),
            Some(other) => return Err(self.invalid("^intent must be a string", other.span)),
            None => None,
        };
        let examples = props
            .iter()
            .find(|p| p.key == "examples")
            .map(|p| p.value.clone());
        match err {
            Some(e) => Err(e),
            None if ret.is_some()
                || !pre.is_empty()
                || result_var.is_some()
                || intent.is_some()
                || examples.is_some() =>
            {
                let mut d = Rc::try_unwrap(def).unwrap_or_else(|rc| (*rc).clone());
                d.ret = ret;
                d.prologue = if pre.is_empty() { 0 } else { prologue_len };
                d.pre = pre;
                d.post = post;
                d.result_var = result_var;
                d.intent = intent;
                d.examples = examples;
                Ok(Rc::new(d))
            }
            None => Ok(def),
        }
    }

    /// A generic parameter of the function being lowered is `Any` at run time.
    fn erase_generics(&self, t: TypeExpr) -> TypeExpr {
        if self.generics.is_empty() {
            return t;
        }
        match t {
            TypeExpr::Named(n) if self.generics.contains(&n) => TypeExpr::Param(n),
            TypeExpr::Applied(n, args) => TypeExpr::Applied(
                n,
                args.into_iter().map(|a| self.erase_generics(a)).collect(),
            ),
            TypeExpr::Union(ms) => {
                TypeExpr::Union(ms.into_iter().map(|m| self.erase_generics(m)).collect())
            }
            TypeExpr::Fn(ps, r) => TypeExpr::Fn(
                ps.into_iter().map(|p| self.erase_generics(p)).collect(),
                Box::new(self.erase_generics(*r)),
            ),
            other => other,
        }
    }

    /// The conditions of `^pre [...]` / `^post [...]` with their quoted text.
    fn conditions(&mut self, props: &[Prop], key: &str) -> Result<Vec<(Expr, String)>, Expr> {
        let Some(p) = props.iter().find(|p| p.key == key) else {
            return Ok(Vec::new());
        };
        let NodeKind::Array(items) = &p.value.kind else {
            return Err(self.invalid(
                format!("^{key} must be an array of conditions"),
                p.value.span,
            ));
        };
        Ok(items
            .iter()
            .map(|c| (self.lower(c), adt::quoted_text(c)))
            .collect())
    }

    pub(super) fn lower_class(&mut self, children: &[Node], span: Span) -> Expr {
        let Some((name, mut rest)) = children.split_first() else {
            return self.invalid("class needs a name", span);
        };
        let Some(path) = node_path(name) else {
            return self.invalid("class name must be a symbol", name.span);
        };
        let mut parent = None;
        let mut implements = Vec::new();
        // `< Parent` and `implements I J ...`, in either order.
        loop {
            if rest.first().is_some_and(|n| n.is_symbol("<")) {
                let Some(p) = rest.get(1) else {
                    return self.invalid("class needs a parent after '<'", span);
                };
                parent = Some(self.lower(p));
                rest = &rest[2..];
            } else if rest.first().is_some_and(|n| n.is_symbol("implements")) {
                rest = &rest[1..];
                while let Some(n) = rest.first() {
                    if n.is_symbol("<") || matches!(n.kind, NodeKind::Gene { .. }) {
                        break;
                    }
                    implements.push(self.lower(n));
                    rest = &rest[1..];
                }
                if implements.is_empty() {
                    return self.invalid("implements needs an interface", span);
                }
            } else {
                break;
            }
        }
        let name_span = name_span_of(name);
        let qualified = self.qualify(&path);
        self.record(
            name_span,
            OccTarget::Global(qualified.clone()),
            OccKind::Def,
        );
        let def = ClassDef {
            path,
            parent,
            implements,
            fields: Vec::new(),
            ctor: None,
            methods: Vec::new(),
            fns: Vec::new(),
            span,
            name_span,
        };
        let prefix = qualified_tail(&qualified, &self.ns_stack);
        match self.class_body(def, rest, prefix) {
            Ok(def) => Expr {
                kind: ExprKind::Class(Rc::new(def)),
                span,
            },
            Err(e) => e,
        }
    }

    /// `(implement I for C BODY...)` (later 5.2): BODY is read as a class body
    /// (methods and a constructor) for the adapter.
    pub(super) fn lower_implement(&mut self, children: &[Node], span: Span) -> Expr {
        let [iface, word, target, body @ ..] = children else {
            return self.invalid(
                "implement expects: (implement INTERFACE for CLASS BODY...)",
                span,
            );
        };
        if !word.is_symbol("for") {
            return self.invalid(
                "implement expects: (implement INTERFACE for CLASS BODY...)",
                word.span,
            );
        }
        let iface_e = self.lower(iface);
        let target_e = self.lower(target);
        let name = format!(
            "{} for {}",
            adt::quoted_text(iface),
            adt::quoted_text(target)
        );
        let def = ClassDef {
            path: vec![name.clone()],
            parent: None,
            implements: Vec::new(),
            fields: Vec::new(),
            ctor: None,
            methods: Vec::new(),
            fns: Vec::new(),
            span,
            name_span: iface.span,
        };
        match self.class_body(def, body, name) {
            Ok(def) => Expr {
                kind: ExprKind::Implement {
                    iface: Box::new(iface_e),
                    target: Box::new(target_e),
                    adapter: Rc::new(def),
                },
                span,
            },
            Err(e) => e,
        }
    }

    /// The `ctor`, `method`, `fn` and `field` forms of a class body.
    fn class_body(
        &mut self,
        mut def: ClassDef,
        rest: &[Node],
        prefix: String,
    ) -> Result<ClassDef, Expr> {
        let outer_class = self.class_prefix.replace(prefix);
        for form in rest {
            let NodeKind::Gene {
                head: Some(h),
                props,
                children: body,
            } = &form.kind
            else {
                self.error("Unsupported form in class body", form.span);
                continue;
            };
            let Some(h) = h.as_symbol() else {
                self.error("Unsupported form in class body", form.span);
                continue;
            };
            match h {
                "ctor" | ".ctor" | "ctor!" | ".ctor!" => {
                    if h.ends_with('!') {
                        self.class_prefix = outer_class;
                        return Err(
                            self.invalid("Macro-like constructors are not allowed", form.span)
                        );
                    }
                    let Some((params, body)) = body.split_first() else {
                        self.class_prefix = outer_class;
                        return Err(self.invalid("ctor needs a parameter list", form.span));
                    };
                    let src = FnSource {
                        params: Some(params),
                        body,
                        props,
                    };
                    match self.make_fn("ctor", form.span, None, METHOD, src) {
                        Ok(d) => def.ctor = Some(d),
                        Err(e) => {
                            self.class_prefix = outer_class;
                            return Err(e);
                        }
                    }
                }
                "method" | ".fn" | "on_method_missing" => {
                    // `(on_method_missing [name args...] ...)` is the method of that name.
                    let hook_body;
                    let body: &[Node] = if h == "on_method_missing" {
                        let mut b = vec![Node {
                            kind: NodeKind::Symbol("on_method_missing".into()),
                            span: sub_span(form.span, 1, "on_method_missing".len()),
                        }];
                        b.extend(body.iter().cloned());
                        hook_body = b;
                        &hook_body
                    } else {
                        body
                    };
                    let (Some(mname), Some(params)) = (
                        body.first().and_then(|n| {
                            n.as_symbol().or(match &n.kind {
                                NodeKind::Str(s) => Some(s.as_str()),
                                _ => None,
                            })
                        }),
                        body.get(1),
                    ) else {
                        self.class_prefix = outer_class;
                        return Err(
                            self.invalid("method needs a name and a parameter list", form.span)
                        );
                    };
                    if mname.ends_with('!') {
                        self.class_prefix = outer_class;
                        return Err(self.invalid("Macro-like methods are not allowed", form.span));
                    }
                    let mspan = body.first().map_or(form.span, |n| n.span);
                    let mspan = match body.first().map(|n| &n.kind) {
                        Some(NodeKind::Symbol(_)) => token_part(mspan, mname.len(), 0, mname.len()),
                        _ => sub_span(mspan, 0, mname.len()),
                    };
                    self.record(mspan, OccTarget::Method(mname.to_string()), OccKind::Def);
                    let is_async = props.iter().any(|p| p.key == "async");
                    let is_gen = mname.ends_with('*') || props.iter().any(|p| p.key == "generator");
                    let (mname, generics) = match mname.split_once(':') {
                        Some((base, ps)) if !base.is_empty() => (
                            base.to_string(),
                            ps.split(':').map(str::to_string).collect(),
                        ),
                        _ => (mname.to_string(), Vec::new()),
                    };
                    let outer_generics = std::mem::replace(&mut self.generics, generics);
                    self.generics.extend(outer_generics.iter().cloned());
                    let flags = FnFlags {
                        is_async,
                        is_generator: is_gen,
                        is_method: true,
                    };
                    let made = self.make_fn(
                        &mname,
                        form.span,
                        Some(mspan),
                        flags,
                        FnSource {
                            params: Some(params),
                            body: &body[2..],
                            props,
                        },
                    );
                    self.generics = outer_generics;
                    match made {
                        Ok(d) => def.methods.push((mname, d)),
                        Err(e) => {
                            self.class_prefix = outer_class;
                            return Err(e);
                        }
                    }
                }
                "fn" => {
                    let e = self.lower_fn("fn", props, body, form.span);
                    match e.kind {
                        ExprKind::NamedFn { path, def: f } => {
                            let n = path.last().cloned().unwrap_or_default();
                            def.fns.push((n, f))
                        }
                        ExprKind::Invalid(_) => {
                            self.class_prefix = outer_class;
                            return Err(e);
                        }
                        _ => {
                            self.error("class-level fn needs a name", form.span);
                        }
                    }
                }
                "field" => {
                    // `(field name)`, `(field name: TYPE)`, `(field name TYPE)`.
                    let (fname, ty) = match body.as_slice() {
                        [n] => (n.as_symbol().map(|s| s.trim_end_matches(':')), None),
                        [n, t] => (n.as_symbol().map(|s| s.trim_end_matches(':')), Some(t)),
                        _ => (None, None),
                    };
                    let Some(fname) = fname.filter(|f| !f.is_empty()) else {
                        self.error("field needs a name and an optional type", form.span);
                        continue;
                    };
                    let ty = match ty.map(adt::parse_type) {
                        Some(Ok(t)) => Some(t),
                        Some(Err(m)) => {
                            self.error(m, form.span);
                            continue;
                        }
                        None => None,
                    };
                    def.fields.push((fname.to_string(), ty));
                }
                _ => {
                    self.error(format!("Unsupported form in class body: {h}"), form.span);
                }
            }
        }
        self.class_prefix = outer_class;
        Ok(def)
    }
}
