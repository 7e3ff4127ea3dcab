//! The lowered program: special forms recognised (reference 3.4), names
//! resolved to variables or globals. Plain data, also read by editor analysis.

use std::rc::Rc;

use crate::syntax::{Node, Span};

pub type VarId = u32;
pub type RegionId = u32;

/// What a name refers to, decided at compile time.
#[derive(Clone, Debug, PartialEq)]
pub enum NameRes {
    /// A variable declared by `var`, a parameter, a loop or catch binding.
    Var(VarId),
    /// Looked up at run time: current namespace chain, global, then `gene`.
    Global(String),
}

#[derive(Clone, Debug)]
pub struct VarInfo {
    pub name: String,
    pub span: Span,
    /// The function (index into `Unit::fns`) that declares it.
    pub owner_fn: u32,
    pub region: RegionId,
    /// Read or written by a function other than its owner: lives in a heap scope.
    pub captured: bool,
}

/// A scope region: function body, if/case branch, for iteration, repeat body, catch clause.
#[derive(Clone, Debug)]
pub struct RegionInfo {
    pub parent: Option<RegionId>,
    pub owner_fn: u32,
    pub vars: Vec<VarId>,
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

/// The pattern handed to the regex engine for a Gene regex (later 8.1): `i` is
/// case-insensitive, `m` makes `.` match newlines (2026 meaning; `^`/`$` stay
/// anchored to the whole input), and `(?'name'...)` is spelled `(?P<name>...)`.
pub fn regex_engine_pattern(pattern: &str, flags: &str) -> String {
    let mut out = String::new();
    if flags.contains('i') {
        out.push_str("(?i)");
    }
    if flags.contains('m') {
        out.push_str("(?s)");
    }
    let mut rest = pattern;
    while let Some(at) = rest.find("(?'") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 3..];
        match after.find('\'') {
            Some(end) => {
                out.push_str("(?P<");
                out.push_str(&after[..end]);
                out.push('>');
                rest = &after[end + 1..];
            }
            None => {
                out.push_str("(?'");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[derive(Clone, Debug)]
pub enum Lit {
    Nil,
    Void,
    NotFound,
    Bool(bool),
    Int(i64),
    Float(f64),
    Char(char),
    Str(String),
    Symbol(String),
    /// `0#a0ff` (later 7.4).
    Bytes(Vec<u8>),
    /// `2024-01-23` (later 9.1).
    Date(crate::syntax::datetime::DateLit),
    /// A regex literal: pattern, replacement, flags (checked by the lowerer).
    Regex(String, Option<String>, String),
}

#[derive(Clone, Debug)]
pub enum Item {
    One(Expr),
    Spread(Expr),
}

#[derive(Clone, Debug)]
pub enum MapEntry {
    Pair(String, Expr),
    Spread(Expr),
}

#[derive(Clone, Debug)]
pub enum Segment {
    Member(String),
    /// A final segment naming a local variable: an index when the variable holds an Int
    /// (`xs/i`), otherwise the member of that name.
    MaybeIndex(String, VarId),
    /// The final segment of a path of three or more segments naming a local: the key
    /// is the variable's value (`/data/key` in a method, later 12.2 rule 1).
    ByValue(String, VarId),
    Index(i64),
    Method(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Concat,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
    Xor,
    Is,
    /// `<<` and `>>` (later 7.5).
    Shl,
    Shr,
}

#[derive(Clone, Debug)]
pub enum Pattern {
    Var(VarId),
    Ignore,
    Array(Vec<PatElem>),
    /// `{^key name ...}`: each key's value (void when missing), later 4.7.
    Map(Vec<(String, Option<VarId>)>),
}

impl Pattern {
    /// Every variable the pattern binds, nested ones included.
    pub fn vars(&self) -> Vec<VarId> {
        match self {
            Pattern::Var(v) => vec![*v],
            Pattern::Ignore => Vec::new(),
            Pattern::Map(es) => es.iter().filter_map(|(_, v)| *v).collect(),
            Pattern::Array(els) => {
                let mut out = Vec::new();
                for el in els {
                    out.extend(el.var);
                    if let Some(sub) = &el.sub {
                        out.extend(sub.vars());
                    }
                }
                out
            }
        }
    }

    /// The default expressions of the pattern's elements, nested ones included.
    pub fn defaults(&self) -> Vec<&Expr> {
        match self {
            Pattern::Array(els) => {
                let mut out = Vec::new();
                for el in els {
                    out.extend(el.default.as_ref());
                    if let Some(sub) = &el.sub {
                        out.extend(sub.defaults());
                    }
                }
                out
            }
            _ => Vec::new(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct PatElem {
    pub var: Option<VarId>,
    pub default: Option<Expr>,
    pub rest: bool,
    pub span: Span,
    /// A nested pattern bound to this element's value (`[x [y z]]`).
    pub sub: Option<Pattern>,
    /// `^name`: a Gene property bound to a variable of the same name; with `rest`
    /// (`^rest...`) the map of the remaining properties.
    pub prop: Option<String>,
}

#[derive(Clone, Debug)]
pub enum Place {
    Var(VarId),
    /// Assignment to a name with no visible variable: an error at run time.
    Undefined(String),
    Path {
        base: Box<Expr>,
        segs: Vec<Segment>,
    },
}

#[derive(Clone, Debug)]
pub struct CallArgs {
    pub pos: Vec<Item>,
    pub kw: Vec<(String, Expr)>,
}

#[derive(Clone, Debug)]
pub struct Catch {
    pub pattern: CatchPattern,
    pub region: RegionId,
    pub body: Vec<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum CatchPattern {
    Any,
    Class(Expr),
    Bind(VarId),
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Lit(Lit),
    Name(NameRes, String),
    SelfRef,
    Special(String),
    Quote(Node),
    /// A type expression written as a value, `(Int | Nil)` or `(Fn [Int] String)`
    /// (later 3.9): evaluates to a type value.
    TypeValue(TypeExpr),
    Array(Vec<Item>),
    Map(Vec<MapEntry>),
    /// `{{k v ...}}`: keys and values alternating (later 7.2).
    HashMapLit(Vec<Expr>),
    /// `#[...]`, `#{...}`, `#{{...}}`, `#(...)`: the container built by the
    /// inner expression, sealed (later 7.1).
    Seal(Box<Expr>),
    GeneData {
        head: Box<Expr>,
        props: Vec<MapEntry>,
        children: Vec<Item>,
    },
    Path {
        base: Box<Expr>,
        segs: Vec<Segment>,
    },
    Call {
        callee: Box<Expr>,
        args: CallArgs,
    },
    MethodCall {
        recv: Box<Expr>,
        name: String,
        args: CallArgs,
    },
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Var {
        pattern: Pattern,
        value: Option<Box<Expr>>,
    },
    Assign {
        place: Place,
        op: Option<BinOp>,
        value: Box<Expr>,
    },
    If {
        branches: Vec<(Expr, RegionId, Vec<Expr>)>,
        else_branch: Option<(RegionId, Vec<Expr>)>,
    },
    Do(Vec<Expr>),
    /// Loops carry their `^name` label (2.2).
    Loop(Vec<Expr>, Option<String>),
    While(Box<Expr>, Vec<Expr>, Option<String>),
    For {
        vars: Vec<Pattern>,
        iter: Box<Expr>,
        region: RegionId,
        body: Vec<Expr>,
        label: Option<String>,
    },
    Repeat {
        count: Box<Expr>,
        region: RegionId,
        body: Vec<Expr>,
        label: Option<String>,
        /// `^index i` / `^total n`: variables of the body region (2.3).
        index: Option<VarId>,
        total: Option<VarId>,
    },
    Case {
        target: Box<Expr>,
        whens: Vec<(WhenPat, RegionId, Vec<Expr>)>,
        else_branch: Option<(RegionId, Vec<Expr>)>,
    },
    /// `(break ^from L v)`: the label of the target loop, checked by the lowerer.
    Break(Option<Box<Expr>>, Option<String>),
    Continue(Option<String>),
    Return(Option<Box<Expr>>),
    Fn(Rc<FnDef>),
    /// `(fn name ...)`, `(fn a/b ...)`: binds in the current (or named) namespace.
    NamedFn {
        path: Vec<String>,
        def: Rc<FnDef>,
    },
    Try {
        body: Vec<Expr>,
        catches: Vec<Catch>,
        finally: Option<Vec<Expr>>,
    },
    Throw(Option<Box<Expr>>),
    Class(Rc<ClassDef>),
    New {
        class: Box<Expr>,
        args: CallArgs,
    },
    Ns {
        path: Vec<String>,
        body: Rc<FnDef>,
    },
    Async(Box<Expr>),
    Await {
        futures: Vec<Expr>,
        timeout: Option<Box<Expr>>,
    },
    Yield(Option<Box<Expr>>),
    Range(Box<Expr>, Box<Expr>, Option<Box<Expr>>),
    Enum(Rc<EnumDecl>),
    /// `(interface NAME (method m [...]) (field f TYPE) ...)` (later 5.2).
    Interface {
        path: Vec<String>,
        methods: Vec<String>,
        fields: Vec<String>,
        /// Fields declared `^readonly true`: adapters refuse writes (later 5.2).
        readonly: Vec<String>,
        name_span: Span,
    },
    /// `(implement I for C BODY...)` (later 5.2): the adapter's methods and
    /// constructor as a class body, registered on the interface when it runs.
    Implement {
        iface: Box<Expr>,
        target: Box<Expr>,
        adapter: Rc<ClassDef>,
    },
    /// `(type NAME TYPE)`: an alias, bound as a type value (later 3.9).
    TypeAlias {
        path: Vec<String>,
        ty: TypeExpr,
        name_span: Span,
    },
    /// `(super .name ARGS...)`, `(super .ctor ARGS...)` in a method (later 5.1).
    Super {
        recv: Box<Expr>,
        method: String,
        args: CallArgs,
    },
    Import(Rc<ImportDecl>),
    /// `(export a b)`: each name's current value becomes an exported member; a
    /// local is read by its expression, other names from the namespace.
    Export(Vec<(String, Option<Expr>)>),
    /// `(EXPR ?)`: unwraps Ok/Some, returns Err/None from the function (later 4.6).
    TryUnwrap(Box<Expr>),
    /// A form rejected at compile time; running it throws this message.
    Invalid(String),
}

/// A type annotation (later 3.2), as written; checked at run time.
#[derive(Clone, Debug, PartialEq)]
pub enum TypeExpr {
    Any,
    /// A built-in type, class, enum or alias name (`Int`, `Point`, `Shape`).
    Named(String),
    /// `(Array Int)`, `(Result Int String)`: only the outer name is checked.
    Applied(String, Vec<TypeExpr>),
    /// `(A | B)`.
    Union(Vec<TypeExpr>),
    /// `(Fn [P...] R)`.
    Fn(Vec<TypeExpr>, Box<TypeExpr>),
    /// A generic parameter (`T` of `fn f:T`): `Any` at run time (later 3.10).
    Param(String),
}

impl TypeExpr {
    /// The printed form (later 3.2): names as written, unions sorted by name,
    /// function types `(Fn [Int] -> Int)`.
    pub fn text(&self) -> String {
        match self {
            TypeExpr::Any => "Any".into(),
            TypeExpr::Named(n) | TypeExpr::Param(n) => n.clone(),
            TypeExpr::Applied(n, args) => {
                let mut s = format!("({n}");
                for a in args {
                    s.push(' ');
                    s.push_str(&a.text());
                }
                s.push(')');
                s
            }
            TypeExpr::Union(ms) => {
                let mut names: Vec<String> = ms.iter().map(TypeExpr::text).collect();
                names.sort();
                format!("({})", names.join(" | "))
            }
            TypeExpr::Fn(ps, r) => {
                let ps: Vec<String> = ps.iter().map(TypeExpr::text).collect();
                format!("(Fn [{}] -> {})", ps.join(" "), r.text())
            }
        }
    }
}

/// `(enum Name MEMBER...)` (later 4.1).
#[derive(Clone, Debug)]
pub struct EnumDecl {
    pub path: Vec<String>,
    pub variants: Vec<VariantDecl>,
    pub span: Span,
    pub name_span: Span,
}

#[derive(Clone, Debug)]
pub struct VariantDecl {
    pub name: String,
    /// `None` for a unit variant; payload fields with their annotations otherwise.
    pub fields: Option<Vec<(String, Option<TypeExpr>)>>,
    pub span: Span,
}

/// `(import ITEM... from "PATH")` or `(import gene/json ...)` (later 1.5).
#[derive(Clone, Debug)]
pub struct ImportDecl {
    /// The module path string; `None` for a built-in namespace import.
    pub from: Option<String>,
    /// The span of that string (diagnostics and go to the module point at it).
    pub from_span: Option<Span>,
    /// `^pkg "NAME"` / `of "NAME"`: the package the path is resolved in.
    pub pkg: Option<String>,
    /// The span of the package name string.
    pub pkg_span: Option<Span>,
    pub items: Vec<ImportItem>,
}

#[derive(Clone, Debug)]
pub struct ImportItem {
    /// The member path inside the module (or from `gene`/`genex`/`global`).
    pub path: Vec<String>,
    /// The name bound in the importing namespace; `None` for `*` (every member
    /// of the namespace `path`, the module itself when empty).
    pub alias: Option<String>,
    pub span: Span,
}

/// A `when` clause of `case`.
#[derive(Clone, Debug)]
pub enum WhenPat {
    /// Compared with `==` (core 5.8).
    Value(Expr),
    /// `when _`: matches everything.
    Any,
    /// `(Enum/Variant b1 b2 ...)`: `ctor` evaluates to the variant; binders in field order.
    Variant {
        ctor: Expr,
        binds: Vec<Option<VarId>>,
    },
}

#[derive(Clone, Debug)]
pub struct Param {
    pub var: VarId,
    pub name: String,
    pub default: Option<Expr>,
    pub rest: bool,
    pub keyword: bool,
    pub span: Span,
    /// `[a: Int]` (later 3.1).
    pub ty: Option<TypeExpr>,
}

#[derive(Clone, Debug)]
pub struct FnDef {
    pub name: String,
    pub index: u32,
    pub params: Vec<Param>,
    pub body: Vec<Expr>,
    pub region: RegionId,
    pub is_async: bool,
    pub is_generator: bool,
    /// Methods and constructors take the receiver as a hidden first parameter.
    pub self_var: Option<VarId>,
    pub span: Span,
    /// The span of the name in the source (`area` in `(fn area ...)`, the method
    /// name, the `ns` name); `None` for anonymous functions and `<main>`.
    pub name_span: Option<Span>,
    /// `-> TYPE` (later 3.1).
    pub ret: Option<TypeExpr>,
    /// `^pre [...]` / `^post [...]` conditions with their source text (later 6.1);
    /// `result_var` is `result` in the postconditions.
    pub pre: Vec<(Expr, String)>,
    pub post: Vec<(Expr, String)>,
    pub result_var: Option<VarId>,
    /// How many leading body statements destructure pattern parameters (later
    /// 4.7): the `^pre` conditions run after them, so they can read those names.
    pub prologue: usize,
    /// `^intent "..."` and `^examples [...]` (later 6.2): metadata only.
    pub intent: Option<String>,
    pub examples: Option<Node>,
}

#[derive(Clone, Debug)]
pub struct ClassDef {
    pub path: Vec<String>,
    pub parent: Option<Expr>,
    /// `implements I J` (later 5.2): checked when the class is created.
    pub implements: Vec<Expr>,
    /// `(field name)`, `(field name: TYPE)`, `(field name TYPE)` (later 3.1, 5.7).
    pub fields: Vec<(String, Option<TypeExpr>)>,
    pub ctor: Option<Rc<FnDef>>,
    pub methods: Vec<(String, Rc<FnDef>)>,
    pub fns: Vec<(String, Rc<FnDef>)>,
    pub span: Span,
    /// The span of the class name (`Point` in `(class Point ...)`).
    pub name_span: Span,
}

/// A lowered compilation unit (a file, an eval text or a REPL entry).
#[derive(Debug, Default)]
pub struct Unit {
    pub main: Option<Rc<FnDef>>,
    pub vars: Vec<VarInfo>,
    pub regions: Vec<RegionInfo>,
    pub fn_count: u32,
    pub errors: Vec<crate::syntax::SyntaxError>,
    pub repl: bool,
    /// Every use and definition of a name, in the order the resolver met them
    /// (read by editor analysis; the emitter ignores it).
    pub occurrences: Vec<Occurrence>,
    /// Annotated variables (`(var x: Int ...)`): checked on every store (later 3.3).
    pub var_types: std::collections::HashMap<VarId, TypeExpr>,
}

/// What an occurrence of a name refers to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum OccTarget {
    /// A variable (local, parameter, captured, top-level `var`).
    Var(VarId),
    /// A name looked up at run time: a global, a namespace member, a class or a
    /// native. Paths are written out in full: for `gene/io/read` the base `gene`
    /// is `Global("gene")`, `io` is `Global("gene/io")` and `read` is
    /// `Global("gene/io/read")`. Definitions are qualified by the enclosing
    /// `ns` and class (`geo/area`, `Point/make`).
    Global(String),
    /// A method name: `.size` in `(xs .size)`, or `(method size ...)`.
    Method(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OccKind {
    /// The name is defined here (`var`, parameter, binding, `fn`, `class`, `ns`, `method`).
    Def,
    Read,
    /// Assignment target (`(x = 1)`, `(x += 1)`).
    Write,
}

/// One occurrence of a name: its own span (not the enclosing form's, and a path
/// segment's own span, not the whole path's).
#[derive(Clone, Debug, PartialEq)]
pub struct Occurrence {
    pub span: Span,
    pub target: OccTarget,
    pub kind: OccKind,
    /// The `ns` path the occurrence sits in (`""` at top level), so a run-time
    /// lookup of `area` inside `(ns geo ...)` can try `geo/area` first.
    pub ns: String,
    /// The function (index into the unit's functions) the occurrence is in.
    pub in_fn: u32,
}
