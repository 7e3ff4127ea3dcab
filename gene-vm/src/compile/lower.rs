//! Syntax tree -> HIR: recognises forms in the order of reference 3.4 and
//! resolves every name to a variable (with its capture status) or a global.

use std::rc::Rc;

use super::hir::*;
use crate::syntax::{Node, NodeKind, Prop, Span, SyntaxError};

const SPECIAL_WORDS: &[&str] = &[
    "var", "if", "ifel", "fn", "do", "loop", "while", "for", "ns", "class", "try", "throw",
    "import",
];

fn infix_op(s: &str) -> Option<BinOp> {
    Some(match s {
        "+" => BinOp::Add,
        "-" => BinOp::Sub,
        "*" => BinOp::Mul,
        "/" => BinOp::Div,
        "%" => BinOp::Mod,
        "**" => BinOp::Pow,
        "++" => BinOp::Concat,
        "<" => BinOp::Lt,
        "<=" => BinOp::Le,
        ">" => BinOp::Gt,
        ">=" => BinOp::Ge,
        "==" => BinOp::Eq,
        "!=" => BinOp::Ne,
        "&&" => BinOp::And,
        "||" => BinOp::Or,
        "&|&" => BinOp::Xor,
        "is" => BinOp::Is,
        _ => return None,
    })
}

fn precedence(op: BinOp) -> u8 {
    match op {
        BinOp::Mul | BinOp::Div | BinOp::Mod | BinOp::Pow => 80,
        BinOp::Add | BinOp::Sub | BinOp::Concat => 70,
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne | BinOp::Is => 60,
        BinOp::And => 50,
        BinOp::Xor => 45,
        BinOp::Or => 40,
    }
}

fn is_comparison(op: BinOp) -> bool {
    matches!(
        op,
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne
    )
}

fn assign_op(s: &str) -> Option<Option<BinOp>> {
    Some(match s {
        "=" => None,
        "+=" => Some(BinOp::Add),
        "-=" => Some(BinOp::Sub),
        "*=" => Some(BinOp::Mul),
        "/=" => Some(BinOp::Div),
        "%=" => Some(BinOp::Mod),
        _ => return None,
    })
}

fn is_method_name(n: &Node) -> bool {
    matches!(&n.kind, NodeKind::Symbol(s) if s.len() > 1 && s.starts_with('.') && s != ".." && s != "...")
}

struct FnCtx {
    index: u32,
    regions: Vec<RegionId>,
    is_generator: bool,
}

/// Options for lowering a unit.
#[derive(Default, Clone)]
pub struct LowerOptions {
    /// Variables that already exist (the REPL's earlier entries), as captured vars
    /// of the root region; new top-level vars are appended after them.
    pub predeclared: Vec<String>,
    /// REPL entry: top-level variables live in the session's persistent root scope.
    pub repl: bool,
}

pub struct Lowerer {
    unit: Unit,
    fns: Vec<FnCtx>,
    /// Visible names per region, in declaration order (later shadows earlier).
    names: Vec<Vec<(String, VarId)>>,
}

pub fn lower_program(forms: &[Node], opts: &LowerOptions) -> Unit {
    let mut l = Lowerer {
        unit: Unit::default(),
        fns: Vec::new(),
        names: Vec::new(),
    };
    let span = match (forms.first(), forms.last()) {
        (Some(a), Some(b)) => a.span.to(b.span),
        _ => Span::default(),
    };
    let def = l.lower_fn_body("<main>", span, |l, _region| {
        for name in &opts.predeclared {
            let v = l.declare(name, Span::default());
            l.unit.vars[v as usize].captured = true;
        }
        (Vec::new(), l.lower_body(forms))
    });
    if opts.repl {
        let region = def.region as usize;
        for v in l.unit.regions[region].vars.clone() {
            l.unit.vars[v as usize].captured = true;
        }
        l.unit.repl = true;
    }
    l.unit.main = Some(def);
    l.unit
}

impl Lowerer {
    fn error(&mut self, msg: impl Into<String>, span: Span) {
        self.unit.errors.push(SyntaxError {
            message: msg.into(),
            span,
        });
    }

    fn invalid(&mut self, msg: impl Into<String>, span: Span) -> Expr {
        let msg = msg.into();
        self.error(msg.clone(), span);
        Expr {
            kind: ExprKind::Invalid(msg),
            span,
        }
    }

    fn cur_fn(&self) -> &FnCtx {
        &self.fns[self.fns.len() - 1]
    }

    fn push_region(&mut self) -> RegionId {
        let parent = self
            .fns
            .last()
            .and_then(|f| f.regions.last().copied())
            .or_else(|| {
                // A function body's parent is the region where the fn was created.
                let n = self.fns.len();
                if n >= 2 {
                    self.fns[n - 2].regions.last().copied()
                } else {
                    None
                }
            });
        let id = self.unit.regions.len() as RegionId;
        let owner = self.cur_fn().index;
        self.unit.regions.push(RegionInfo {
            parent,
            owner_fn: owner,
            vars: Vec::new(),
        });
        self.names.push(Vec::new());
        if let Some(f) = self.fns.last_mut() {
            f.regions.push(id);
        }
        id
    }

    fn pop_region(&mut self) {
        self.names.pop();
        if let Some(f) = self.fns.last_mut() {
            f.regions.pop();
        }
    }

    fn declare(&mut self, name: &str, span: Span) -> VarId {
        let region = *self
            .cur_fn()
            .regions
            .last()
            .expect("a region is always open while lowering");
        let id = self.unit.vars.len() as VarId;
        self.unit.vars.push(VarInfo {
            name: name.to_string(),
            span,
            owner_fn: self.cur_fn().index,
            region,
            captured: false,
        });
        self.unit.regions[region as usize].vars.push(id);
        if let Some(n) = self.names.last_mut() {
            n.push((name.to_string(), id));
        }
        id
    }

    /// Like `resolve` but without marking captures.
    fn resolve_quiet(&self, name: &str) -> NameRes {
        for scope in self.names.iter().rev() {
            if let Some((_, id)) = scope.iter().rev().find(|(n, _)| n == name) {
                return NameRes::Var(*id);
            }
        }
        NameRes::Global(name.to_string())
    }

    fn resolve(&mut self, name: &str) -> NameRes {
        let cur = self.cur_fn().index;
        for scope in self.names.iter().rev() {
            if let Some((_, id)) = scope.iter().rev().find(|(n, _)| n == name) {
                let id = *id;
                if self.unit.vars[id as usize].owner_fn != cur {
                    self.unit.vars[id as usize].captured = true;
                }
                return NameRes::Var(id);
            }
        }
        NameRes::Global(name.to_string())
    }

    /// Lowers a function: opens its context and body region, lets `f` declare
    /// parameters and lower the body.
    fn lower_fn_body(
        &mut self,
        name: &str,
        span: Span,
        f: impl FnOnce(&mut Lowerer, RegionId) -> (Vec<Param>, Vec<Expr>),
    ) -> Rc<FnDef> {
        self.lower_fn_full(name, span, false, false, false, f)
    }

    fn lower_fn_full(
        &mut self,
        name: &str,
        span: Span,
        is_async: bool,
        is_generator: bool,
        is_method: bool,
        f: impl FnOnce(&mut Lowerer, RegionId) -> (Vec<Param>, Vec<Expr>),
    ) -> Rc<FnDef> {
        let index = self.unit.fn_count;
        self.unit.fn_count += 1;
        self.fns.push(FnCtx {
            index,
            regions: Vec::new(),
            is_generator,
        });
        let region = self.push_region();
        let self_var = if is_method {
            Some(self.declare("self", span))
        } else {
            None
        };
        let (params, body) = f(self, region);
        self.pop_region();
        self.fns.pop();
        Rc::new(FnDef {
            name: name.to_string(),
            index,
            params,
            body,
            region,
            is_async,
            is_generator,
            self_var,
            span,
        })
    }

    fn lower_body(&mut self, nodes: &[Node]) -> Vec<Expr> {
        let mut out = Vec::with_capacity(nodes.len());
        for n in nodes {
            out.push(self.lower(n));
        }
        out
    }

    /// Lowers `nodes` in a fresh scope region.
    fn lower_region(&mut self, nodes: &[Node]) -> (RegionId, Vec<Expr>) {
        let r = self.push_region();
        let body = self.lower_body(nodes);
        self.pop_region();
        (r, body)
    }

    fn lit(kind: Lit, span: Span) -> Expr {
        Expr {
            kind: ExprKind::Lit(kind),
            span,
        }
    }

    pub fn lower(&mut self, node: &Node) -> Expr {
        let span = node.span;
        let kind = match &node.kind {
            NodeKind::Nil => ExprKind::Lit(Lit::Nil),
            NodeKind::Void => ExprKind::Lit(Lit::Void),
            NodeKind::NotFound => ExprKind::Lit(Lit::NotFound),
            NodeKind::Bool(b) => ExprKind::Lit(Lit::Bool(*b)),
            NodeKind::Int(i) => ExprKind::Lit(Lit::Int(*i)),
            NodeKind::Float(f) => ExprKind::Lit(Lit::Float(*f)),
            NodeKind::Char(c) => ExprKind::Lit(Lit::Char(*c)),
            NodeKind::Str(s) => ExprKind::Lit(Lit::Str(s.clone())),
            NodeKind::Symbol(s) => return self.lower_symbol(s, span),
            NodeKind::Path(segs) => return self.lower_path(segs, span),
            NodeKind::Array(items) => ExprKind::Array(self.lower_items(items)),
            NodeKind::Map(props) => ExprKind::Map(self.lower_props(props)),
            NodeKind::Quote(inner) => ExprKind::Quote((**inner).clone()),
            NodeKind::Gene {
                head,
                props,
                children,
            } => return self.lower_gene(head.as_deref(), props, children, span),
            NodeKind::Error => ExprKind::Invalid("syntax error".into()),
        };
        Expr { kind, span }
    }

    fn lower_symbol(&mut self, s: &str, span: Span) -> Expr {
        let kind = match s {
            "self" => match self.resolve("self") {
                NameRes::Var(v) => ExprKind::Name(NameRes::Var(v), "self".into()),
                NameRes::Global(_) => ExprKind::SelfRef,
            },
            "$ex" | "$env" | "$args" | "$cmd_args" | "$program" | "$ns" => {
                ExprKind::Special(s.to_string())
            }
            "_" => ExprKind::Lit(Lit::Symbol("_".into())),
            _ => {
                let res = self.resolve(s);
                ExprKind::Name(res, s.to_string())
            }
        };
        Expr { kind, span }
    }

    fn self_expr(&mut self, span: Span) -> Expr {
        self.lower_symbol("self", span)
    }

    fn segments(&mut self, segs: &[String]) -> Vec<Segment> {
        let n = segs.len();
        segs.iter()
            .enumerate()
            .map(|(i, s)| {
                if i + 1 == n && !s.starts_with('.') && !s.is_empty() {
                    if let NameRes::Var(v) = self.resolve_quiet(s) {
                        if let NameRes::Var(v2) = self.resolve(s) {
                            debug_assert_eq!(v, v2);
                        }
                        return Segment::MaybeIndex(s.clone(), v);
                    }
                }
                if let Some(m) = s.strip_prefix('.') {
                    if !m.is_empty() {
                        return Segment::Method(m.to_string());
                    }
                }
                let digits = s.strip_prefix('-').unwrap_or(s);
                if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                    if let Ok(i) = s.parse::<i64>() {
                        return Segment::Index(i);
                    }
                }
                Segment::Member(s.clone())
            })
            .collect()
    }

    fn path_base(&mut self, first: &str, span: Span) -> Expr {
        let lit = match first {
            "" => return self.self_expr(span),
            "nil" => Lit::Nil,
            "void" => Lit::Void,
            "not_found" => Lit::NotFound,
            "true" => Lit::Bool(true),
            "false" => Lit::Bool(false),
            _ => return self.lower_symbol(first, span),
        };
        // A reserved literal word as the first segment (`nil/x`) is the literal.
        Self::lit(lit, span)
    }

    fn lower_path(&mut self, segs: &[String], span: Span) -> Expr {
        let Some((first, rest)) = segs.split_first() else {
            return self.invalid("empty path", span);
        };
        let base = self.path_base(first, span);
        let segs = self.segments(rest);
        Expr {
            kind: ExprKind::Path {
                base: Box::new(base),
                segs,
            },
            span,
        }
    }

    fn lower_items(&mut self, nodes: &[Node]) -> Vec<Item> {
        let mut items: Vec<Item> = Vec::with_capacity(nodes.len());
        for n in nodes {
            match &n.kind {
                NodeKind::Symbol(s) if s == "..." => match items.pop() {
                    Some(Item::One(e)) | Some(Item::Spread(e)) => items.push(Item::Spread(e)),
                    None => {
                        let e = self.invalid("'...' must follow an expression", n.span);
                        items.push(Item::One(e));
                    }
                },
                NodeKind::Symbol(s) if s.len() > 3 && s.ends_with("...") => {
                    let name = &s[..s.len() - 3];
                    let e = self.lower_symbol(name, n.span);
                    items.push(Item::Spread(e));
                }
                _ => items.push(Item::One(self.lower(n))),
            }
        }
        items
    }

    fn lower_props(&mut self, props: &[Prop]) -> Vec<MapEntry> {
        props
            .iter()
            .map(|p| {
                if p.key.starts_with("...") {
                    MapEntry::Spread(self.lower(&p.value))
                } else {
                    MapEntry::Pair(p.key.clone(), self.lower(&p.value))
                }
            })
            .collect()
    }

    fn call_args(&mut self, props: &[Prop], children: &[Node]) -> CallArgs {
        let kw = props
            .iter()
            .map(|p| (p.key.clone(), self.lower(&p.value)))
            .collect();
        let pos = self.lower_items(children);
        CallArgs { pos, kw }
    }

    fn lower_gene(
        &mut self,
        head: Option<&Node>,
        props: &[Prop],
        children: &[Node],
        span: Span,
    ) -> Expr {
        let Some(head) = head else {
            return Expr {
                kind: ExprKind::GeneData {
                    head: Box::new(Self::lit(Lit::Nil, span)),
                    props: Vec::new(),
                    children: Vec::new(),
                },
                span,
            };
        };
        let first = children.first();
        // 1. Data forms.
        if head.is_symbol("_") {
            return self.gene_data(
                Self::lit(Lit::Symbol("_".into()), head.span),
                props,
                children,
                span,
            );
        }
        if let NodeKind::Quote(q) = &head.kind {
            let infix = first
                .and_then(|f| f.as_symbol())
                .is_some_and(|s| infix_op(s).is_some());
            if !first.is_some_and(is_method_name) && !infix {
                let h = Expr {
                    kind: ExprKind::Quote((**q).clone()),
                    span: head.span,
                };
                return self.gene_data(h, props, children, span);
            }
        }
        // 2. Range.
        if children.len() == 2 && children[0].is_symbol("..") {
            let a = self.lower(head);
            let b = self.lower(&children[1]);
            return Expr {
                kind: ExprKind::Range(Box::new(a), Box::new(b), None),
                span,
            };
        }
        // 3. Parenthesised number.
        if matches!(head.kind, NodeKind::Int(_) | NodeKind::Float(_))
            && children.is_empty()
            && props.is_empty()
        {
            return self.lower(head);
        }
        let head_sym = head.as_symbol();
        let head_special = head_sym.is_some_and(|h| SPECIAL_WORDS.contains(&h));
        // 4. Infix.
        if let Some(op_node) = first {
            if let Some(op) = op_node.as_symbol() {
                if infix_op(op).is_some() && !head_special {
                    return self.lower_infix(head, children, span);
                }
                // 5. Assignment.
                if let Some(aop) = assign_op(op) {
                    return self.lower_assign(head, aop, &children[1..], span);
                }
            }
            // 6. Method call.
            if is_method_name(op_node) && !head_special {
                let recv = self.lower(head);
                let name = op_node.as_symbol().unwrap_or_default()[1..].to_string();
                let args = self.call_args(props, &children[1..]);
                return Expr {
                    kind: ExprKind::MethodCall {
                        recv: Box::new(recv),
                        name,
                        args,
                    },
                    span,
                };
            }
        }
        // 7. Special forms.
        if let Some(h) = head_sym {
            if let Some(e) = self.lower_special(h, head, props, children, span) {
                return e;
            }
            // 8. Implicit-self method call.
            if h.len() > 1 && h.starts_with('.') && h != ".." && h != "..." {
                let recv = self.self_expr(head.span);
                let args = self.call_args(props, children);
                return Expr {
                    kind: ExprKind::MethodCall {
                        recv: Box::new(recv),
                        name: h[1..].to_string(),
                        args,
                    },
                    span,
                };
            }
            // Prefix operators with two operands compile to the operator itself.
            if let Some(op) = infix_op(h) {
                if children.len() == 2
                    && props.is_empty()
                    && !children
                        .iter()
                        .any(|c| matches!(&c.kind, NodeKind::Symbol(s) if s.ends_with("...")))
                    && op != BinOp::Is
                {
                    let a = self.lower(&children[0]);
                    let b = self.lower(&children[1]);
                    return Expr {
                        kind: ExprKind::Binary(op, Box::new(a), Box::new(b)),
                        span,
                    };
                }
            }
        }
        // 9. Ordinary call.
        let callee = self.lower(head);
        let args = self.call_args(props, children);
        Expr {
            kind: ExprKind::Call {
                callee: Box::new(callee),
                args,
            },
            span,
        }
    }

    fn gene_data(&mut self, head: Expr, props: &[Prop], children: &[Node], span: Span) -> Expr {
        let props = self.lower_props(props);
        let children = self.lower_items(children);
        Expr {
            kind: ExprKind::GeneData {
                head: Box::new(head),
                props,
                children,
            },
            span,
        }
    }

    fn lower_infix(&mut self, head: &Node, rest: &[Node], span: Span) -> Expr {
        // Alternating operand / operator.
        let mut operands = vec![self.lower(head)];
        let mut ops = Vec::new();
        let mut i = 0;
        while i < rest.len() {
            let Some(op) = rest[i].as_symbol().and_then(infix_op) else {
                return self.invalid(
                    "Invalid infix expression: expected an operator",
                    rest[i].span,
                );
            };
            let Some(rhs) = rest.get(i + 1) else {
                return self.invalid(
                    "Invalid infix expression: operator without a right operand",
                    rest[i].span,
                );
            };
            ops.push(op);
            operands.push(self.lower(rhs));
            i += 2;
        }
        if ops.len() >= 2 && ops.iter().all(|o| is_comparison(*o)) {
            // Chained comparison: (a < b <= c) is ((a < b) && (b <= c)).
            let mut acc: Option<Expr> = None;
            for (k, op) in ops.iter().enumerate() {
                let cmp = Expr {
                    kind: ExprKind::Binary(
                        *op,
                        Box::new(operands[k].clone()),
                        Box::new(operands[k + 1].clone()),
                    ),
                    span,
                };
                acc = Some(match acc {
                    None => cmp,
                    Some(prev) => Expr {
                        kind: ExprKind::Binary(BinOp::And, Box::new(prev), Box::new(cmp)),
                        span,
                    },
                });
            }
            return acc.unwrap_or_else(|| Self::lit(Lit::Nil, span));
        }
        // Precedence climbing over the flat list.
        let mut operands = operands.into_iter();
        let first = operands.next().unwrap_or_else(|| Self::lit(Lit::Nil, span));
        let mut out_stack = vec![first];
        let mut op_stack: Vec<BinOp> = Vec::new();
        fn reduce(out: &mut Vec<Expr>, op: BinOp, span: Span) {
            let b = out.pop();
            let a = out.pop();
            if let (Some(a), Some(b)) = (a, b) {
                out.push(Expr {
                    kind: ExprKind::Binary(op, Box::new(a), Box::new(b)),
                    span,
                });
            }
        }
        for (op, rhs) in ops.into_iter().zip(operands) {
            while let Some(&top) = op_stack.last() {
                if precedence(top) >= precedence(op) {
                    op_stack.pop();
                    reduce(&mut out_stack, top, span);
                } else {
                    break;
                }
            }
            op_stack.push(op);
            out_stack.push(rhs);
        }
        while let Some(op) = op_stack.pop() {
            reduce(&mut out_stack, op, span);
        }
        out_stack.pop().unwrap_or_else(|| Self::lit(Lit::Nil, span))
    }

    fn lower_place(&mut self, target: &Node) -> Result<Place, Expr> {
        match &target.kind {
            NodeKind::Symbol(s) => match self.resolve(s) {
                NameRes::Var(v) => Ok(Place::Var(v)),
                NameRes::Global(g) => Ok(Place::Undefined(g)),
            },
            NodeKind::Path(segs) => {
                let Some((first, rest)) = segs.split_first() else {
                    return Err(self.invalid("empty path", target.span));
                };
                let base = self.path_base(first, target.span);
                let segs = self.segments(rest);
                Ok(Place::Path {
                    base: Box::new(base),
                    segs,
                })
            }
            _ => Err(self.invalid("Cannot assign to this expression", target.span)),
        }
    }

    fn lower_assign(
        &mut self,
        target: &Node,
        op: Option<BinOp>,
        rest: &[Node],
        span: Span,
    ) -> Expr {
        if rest.len() != 1 {
            return self.invalid("Assignment takes exactly one value", span);
        }
        let value = self.lower(&rest[0]);
        let place = match self.lower_place(target) {
            Ok(p) => p,
            Err(e) => return e,
        };
        Expr {
            kind: ExprKind::Assign {
                place,
                op,
                value: Box::new(value),
            },
            span,
        }
    }

    fn lower_special(
        &mut self,
        h: &str,
        head: &Node,
        props: &[Prop],
        children: &[Node],
        span: Span,
    ) -> Option<Expr> {
        let kind = match h {
            "var" => return Some(self.lower_var(children, span)),
            "if" => return Some(self.lower_if(children, span)),
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
            "loop" => ExprKind::Loop(self.lower_body(children)),
            "while" => {
                let Some((c, body)) = children.split_first() else {
                    return Some(self.invalid("while needs a condition", span));
                };
                let cond = self.lower(c);
                ExprKind::While(Box::new(cond), self.lower_body(body))
            }
            "for" => return Some(self.lower_for(children, span)),
            "repeat" => {
                let Some((c, body)) = children.split_first() else {
                    return Some(self.invalid("repeat needs a count", span));
                };
                let count = self.lower(c);
                let (region, body) = self.lower_region(body);
                ExprKind::Repeat {
                    count: Box::new(count),
                    region,
                    body,
                }
            }
            "case" => return Some(self.lower_case(children, span)),
            "break" => ExprKind::Break(children.first().map(|c| Box::new(self.lower(c)))),
            "continue" => ExprKind::Continue,
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
                let def = self.lower_fn_body(&path.join("/"), span, |l, _| {
                    (Vec::new(), l.lower_body(body))
                });
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
            "import" => ExprKind::Invalid("import is not supported yet".into()),
            _ => {
                let _ = head;
                return None;
            }
        };
        Some(Expr { kind, span })
    }

    fn lower_var(&mut self, children: &[Node], span: Span) -> Expr {
        let Some(target) = children.first() else {
            return self.invalid("var needs a name", span);
        };
        // The value is lowered before the name is declared: `(var x (x + 1))` sees the outer x.
        let value = children.get(1).map(|c| Box::new(self.lower(c)));
        let pattern = match &target.kind {
            NodeKind::Symbol(s) => {
                let name = s.strip_suffix(':').unwrap_or(s);
                Pattern::Var(self.declare(name, target.span))
            }
            NodeKind::Array(elems) => match self.lower_pattern(elems, target.span) {
                Ok(p) => p,
                Err(e) => return e,
            },
            _ => return self.invalid("var needs a name or an array pattern", target.span),
        };
        Expr {
            kind: ExprKind::Var { pattern, value },
            span,
        }
    }

    /// Array destructuring pattern (4.2 / 12.2), declared in the current region.
    fn lower_pattern(&mut self, elems: &[Node], span: Span) -> Result<Pattern, Expr> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < elems.len() {
            let n = &elems[i];
            let Some(s) = n.as_symbol() else {
                return Err(self.invalid("Invalid destructuring pattern", n.span));
            };
            if s == "..." {
                if let Some(last) = out.last_mut() {
                    let last: &mut PatElem = last;
                    last.rest = true;
                }
                i += 1;
                continue;
            }
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
            let var = if name == "_" {
                None
            } else {
                Some(self.declare(name, n.span))
            };
            out.push(PatElem {
                var,
                default,
                rest,
                span: n.span,
            });
            i += 1;
        }
        if out.iter().filter(|e| e.rest).count() > 1 {
            return Err(self.invalid("Only one rest binding is allowed", span));
        }
        Ok(Pattern::Array(out))
    }

    fn lower_if(&mut self, children: &[Node], span: Span) -> Expr {
        let mut branches = Vec::new();
        let mut else_branch = None;
        let mut i = 0;
        loop {
            let Some(c) = children.get(i) else {
                return self.invalid("if needs a condition", span);
            };
            let cond = self.lower(c);
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
                let value = self.lower(v);
                let start = i + 2;
                let mut end = start;
                while end < rest.len()
                    && !rest[end].is_symbol("when")
                    && !rest[end].is_symbol("else")
                {
                    end += 1;
                }
                let (r, body) = self.lower_region(&rest[start.min(end)..end]);
                whens.push((value, r, body));
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

    fn lower_for(&mut self, children: &[Node], span: Span) -> Expr {
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
                _ => {
                    self.pop_region();
                    return self.invalid("Invalid for variable", v.span);
                }
            }
        }
        let body = self.lower_body(&children[in_pos + 2..]);
        self.pop_region();
        Expr {
            kind: ExprKind::For {
                vars,
                iter: Box::new(iter),
                region,
                body,
            },
            span,
        }
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

    fn parse_params(&mut self, params: &Node) -> Result<Vec<Param>, Expr> {
        let elems: Vec<Node> = match &params.kind {
            NodeKind::Array(e) => e.clone(),
            NodeKind::Symbol(s) if s == "_" => Vec::new(),
            NodeKind::Symbol(_) => vec![params.clone()],
            _ => return Err(self.invalid("Invalid parameter list", params.span)),
        };
        let mut out: Vec<Param> = Vec::new();
        let mut i = 0;
        while i < elems.len() {
            let n = &elems[i];
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
            let (name, rest) = match s.strip_suffix("...") {
                Some(n) if !n.is_empty() => (n, true),
                _ => (s, false),
            };
            let name = name.strip_suffix(':').unwrap_or(name);
            let var = self.declare(name, n.span);
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
            });
            i += 1;
        }
        Ok(out)
    }

    /// `(fn name? ^^flags params body...)`, `(fnx params body...)`, `(fnxx body...)`.
    fn lower_fn(&mut self, h: &str, props: &[Prop], children: &[Node], span: Span) -> Expr {
        let flag = |k: &str| {
            props.iter().any(|p| {
                p.key == k && !matches!(p.value.kind, NodeKind::Nil | NodeKind::Bool(false))
            })
        };
        let mut is_async = flag("async");
        let mut is_generator = flag("generator");
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
                    (Some(path), Some(p), &children[2..])
                }
                None => return self.invalid("fn needs a parameter list", span),
            },
        };
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
        let def = self.make_fn(&name, span, is_async, is_generator, false, params, body);
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

    #[allow(clippy::too_many_arguments)]
    fn make_fn(
        &mut self,
        name: &str,
        span: Span,
        is_async: bool,
        is_generator: bool,
        is_method: bool,
        params: Option<&Node>,
        body: &[Node],
    ) -> Result<Rc<FnDef>, Expr> {
        let mut err = None;
        let def = self.lower_fn_full(name, span, is_async, is_generator, is_method, |l, _| {
            let ps = match params {
                Some(p) => match l.parse_params(p) {
                    Ok(ps) => ps,
                    Err(e) => {
                        err = Some(e);
                        Vec::new()
                    }
                },
                None => Vec::new(),
            };
            let body = l.lower_body(body);
            (ps, body)
        });
        match err {
            Some(e) => Err(e),
            None => Ok(def),
        }
    }

    fn lower_class(&mut self, children: &[Node], span: Span) -> Expr {
        let Some((name, mut rest)) = children.split_first() else {
            return self.invalid("class needs a name", span);
        };
        let Some(path) = node_path(name) else {
            return self.invalid("class name must be a symbol", name.span);
        };
        let mut parent = None;
        if rest.first().is_some_and(|n| n.is_symbol("<")) {
            let Some(p) = rest.get(1) else {
                return self.invalid("class needs a parent after '<'", span);
            };
            parent = Some(self.lower(p));
            rest = &rest[2..];
        }
        let mut def = ClassDef {
            path,
            parent,
            ctor: None,
            methods: Vec::new(),
            fns: Vec::new(),
            span,
        };
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
                        return self.invalid("Macro-like constructors are not allowed", form.span);
                    }
                    let Some((params, body)) = body.split_first() else {
                        return self.invalid("ctor needs a parameter list", form.span);
                    };
                    match self.make_fn("ctor", form.span, false, false, true, Some(params), body) {
                        Ok(d) => def.ctor = Some(d),
                        Err(e) => return e,
                    }
                }
                "method" | ".fn" => {
                    let (Some(mname), Some(params)) =
                        (body.first().and_then(|n| n.as_symbol()), body.get(1))
                    else {
                        return self.invalid("method needs a name and a parameter list", form.span);
                    };
                    if mname.ends_with('!') {
                        return self.invalid("Macro-like methods are not allowed", form.span);
                    }
                    let is_async = props.iter().any(|p| p.key == "async");
                    let is_gen = mname.ends_with('*') || props.iter().any(|p| p.key == "generator");
                    let mname = mname.to_string();
                    match self.make_fn(
                        &mname,
                        form.span,
                        is_async,
                        is_gen,
                        true,
                        Some(params),
                        &body[2..],
                    ) {
                        Ok(d) => def.methods.push((mname, d)),
                        Err(e) => return e,
                    }
                }
                "fn" => {
                    let e = self.lower_fn("fn", props, body, form.span);
                    match e.kind {
                        ExprKind::NamedFn { path, def: f } => {
                            let n = path.last().cloned().unwrap_or_default();
                            def.fns.push((n, f))
                        }
                        ExprKind::Invalid(_) => return e,
                        _ => {
                            self.error("class-level fn needs a name", form.span);
                        }
                    }
                }
                _ => {
                    self.error(format!("Unsupported form in class body: {h}"), form.span);
                }
            }
        }
        Expr {
            kind: ExprKind::Class(Rc::new(def)),
            span,
        }
    }
}

/// A name that may be a path: `geo`, `geo/units`.
fn node_path(n: &Node) -> Option<Vec<String>> {
    match &n.kind {
        NodeKind::Symbol(s) => Some(vec![s.clone()]),
        NodeKind::Path(p) if p.iter().all(|s| !s.is_empty()) => Some(p.clone()),
        _ => None,
    }
}
