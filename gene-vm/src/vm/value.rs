//! Values and heap objects. A `Value` is 16 bytes: a tag plus an immediate or an `Rc`.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

use indexmap::IndexMap;

use crate::compile::FnProto;
use crate::runtime::futures::FutureObj;

/// An interned name. Equality and hashing use the interner id, so map lookups
/// never hash text. Symbols are only compared within one `Vm`.
#[derive(Clone)]
pub struct Sym(Rc<SymData>);

pub struct SymData {
    pub id: u32,
    pub name: Box<str>,
}

impl Sym {
    pub fn as_str(&self) -> &str {
        &self.0.name
    }
    pub fn id(&self) -> u32 {
        self.0.id
    }
}
impl PartialEq for Sym {
    fn eq(&self, other: &Sym) -> bool {
        self.0.id == other.0.id
    }
}
impl Eq for Sym {}
impl Hash for Sym {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u32(self.0.id)
    }
}
impl fmt::Debug for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}", self.as_str())
    }
}
impl fmt::Display for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Default)]
pub struct Interner {
    map: HashMap<Box<str>, Sym>,
}

impl Interner {
    pub fn intern(&mut self, name: &str) -> Sym {
        if let Some(s) = self.map.get(name) {
            return s.clone();
        }
        let sym = Sym(Rc::new(SymData {
            id: self.map.len() as u32,
            name: name.into(),
        }));
        self.map.insert(name.into(), sym.clone());
        sym
    }
}

pub type PropMap = IndexMap<Sym, Value>;

/// A `RefCell` with a "sealed" mark (later 7.1): `#[...]`, `#{...}` and `#(...)`
/// build sealed containers, which every mutating operation refuses. Reading
/// goes through `Deref`, so it costs nothing extra.
pub struct Sealable<T> {
    cell: RefCell<T>,
    sealed: Cell<bool>,
}

impl<T> Sealable<T> {
    pub fn new(v: T) -> Sealable<T> {
        Sealable {
            cell: RefCell::new(v),
            sealed: Cell::new(false),
        }
    }
    pub fn is_sealed(&self) -> bool {
        self.sealed.get()
    }
    pub fn seal(&self) {
        self.sealed.set(true);
    }
}

impl<T> std::ops::Deref for Sealable<T> {
    type Target = RefCell<T>;
    fn deref(&self) -> &RefCell<T> {
        &self.cell
    }
}

/// `repr(u64)` puts every payload at offset 8, so a value moves as two aligned
/// words (mixed 1/4/8-byte payload offsets made copies stall store forwarding).
#[derive(Clone, Default)]
#[repr(u64)]
pub enum Value {
    #[default]
    Nil,
    Void,
    NotFound,
    Bool(bool),
    Int(i64),
    Float(f64),
    Char(char),
    Symbol(Sym),
    Str(Rc<RefCell<String>>),
    Path(Rc<Vec<Sym>>),
    Array(Rc<Sealable<Vec<Value>>>),
    Map(Rc<Sealable<PropMap>>),
    Gene(Rc<Sealable<GeneObj>>),
    Range(Rc<RangeObj>),
    Function(Rc<Closure>),
    Native(NativeId),
    Bound(Rc<BoundMethod>),
    Class(Rc<Class>),
    Instance(Rc<Instance>),
    Namespace(Rc<Namespace>),
    Future(Rc<FutureObj>),
    Generator(Rc<RefCell<GenObj>>),
    Iterator(Rc<RefCell<IterObj>>),
    /// An enum type (later 4.1).
    Enum(Rc<EnumDef>),
    /// An enum member: a unit variant, a payload variant's constructor, or a value.
    Adt(Rc<AdtVal>),
    /// A regular expression (later 8).
    Regex(Rc<RegexObj>),
    /// A Date, DateTime or Time (later 9); immutable.
    Date(Rc<crate::syntax::datetime::DateLit>),
    /// A byte string (later 7.4); immutable.
    Bytes(Rc<Vec<u8>>),
    /// An interface (later 5.2).
    Interface(Rc<Interface>),
    /// A type value: `(type NAME ...)` binds one (later 3.9).
    Type(Rc<crate::compile::hir::TypeExpr>),
    /// `{{k v ...}}` and `(new HashSet ...)` (later 7.2-7.3).
    HashMap(Rc<RefCell<super::hashed::HashedObj>>),
    HashSet(Rc<RefCell<super::hashed::HashedObj>>),
    RegexMatch(Rc<MatchObj>),
}

/// The methods and fields a class that `implements` it must have.
pub struct Interface {
    pub name: String,
    pub methods: Vec<Sym>,
    pub fields: Vec<Sym>,
    /// Fields declared `^readonly true`.
    pub readonly: Vec<Sym>,
    /// External implementations, `(implement I for C ...)`: the class and the
    /// adapter class whose instances wrap its values.
    pub impls: RefCell<Vec<(Rc<Class>, Rc<Class>)>>,
}

pub struct RegexObj {
    pub re: regex::Regex,
    /// As written (printing), with the flags and the stored replacement.
    pub pattern: String,
    pub replacement: Option<String>,
    pub flags: String,
}

impl RegexObj {
    pub fn new(
        pattern: &str,
        replacement: Option<String>,
        flags: &str,
    ) -> Result<RegexObj, String> {
        let engine = crate::compile::hir::regex_engine_pattern(pattern, flags);
        let re = regex::Regex::new(&engine).map_err(|e| {
            let last = e.to_string().lines().last().unwrap_or_default().to_string();
            format!("Invalid regex #/{pattern}/: {last}")
        })?;
        Ok(RegexObj {
            re,
            pattern: pattern.to_string(),
            replacement,
            flags: flags.to_string(),
        })
    }
}

/// A match (later 8.4); offsets are in characters.
pub struct MatchObj {
    pub value: String,
    pub captures: Vec<String>,
    pub named: Vec<(String, String)>,
    pub start: usize,
    pub end: usize,
    pub pre: String,
    pub post: String,
}

/// An enum declaration at run time; identity is the `Rc` (nominal).
pub struct EnumDef {
    pub name: String,
    pub variants: Vec<VariantDef>,
}

pub struct VariantDef {
    pub name: Sym,
    /// `None` for a unit variant.
    pub fields: Option<Vec<(Sym, Option<crate::compile::hir::TypeExpr>)>>,
}

pub struct AdtVal {
    pub def: Rc<EnumDef>,
    pub variant: u32,
    /// The payload of a constructed value; `None` for a unit member or a constructor.
    pub payload: Option<Vec<Value>>,
}

impl AdtVal {
    pub fn variant_def(&self) -> &VariantDef {
        &self.def.variants[self.variant as usize]
    }
    /// `Enum/Variant`.
    pub fn qualified(&self) -> String {
        format!("{}/{}", self.def.name, self.variant_def().name.as_str())
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct NativeId(pub u32);

// The interpreter moves values as two words (see `interp::is_immediate`).
const _: () = assert!(std::mem::size_of::<Value>() == 16);

pub struct GeneObj {
    pub head: Value,
    pub props: PropMap,
    pub children: Vec<Value>,
}

pub struct RangeObj {
    pub start: i64,
    pub end: i64,
    pub step: Option<i64>,
}

impl RangeObj {
    pub fn step(&self) -> i64 {
        self.step.unwrap_or(1)
    }
}

/// A heap scope: the variables of one scope region that some closure, async
/// block or callback captured. Its strong count is the scope's reference count.
pub struct Scope {
    pub vars: RefCell<Vec<Value>>,
    pub parent: Option<Rc<Scope>>,
    /// Variable names (debugger); `None` for the REPL's root scope.
    pub layout: Option<Rc<crate::compile::chunk::ScopeLayout>>,
}

pub struct Closure {
    pub proto: Rc<FnProto>,
    pub env: Option<Rc<Scope>>,
    pub ns: Rc<Namespace>,
    /// The class whose body defined this method (for method lookup context).
    pub home: Option<Rc<Class>>,
}

pub struct BoundMethod {
    pub receiver: Value,
    pub method: Value,
}

pub struct Class {
    pub name: String,
    pub parent: Option<Rc<Class>>,
    pub methods: RefCell<IndexMap<Sym, Value>>,
    pub ctor: RefCell<Option<Value>>,
    /// Class-level functions and members (the class used as a namespace).
    pub members: Rc<Namespace>,
    /// Built-in classes that carry data natively (File, Exception, gene/Future...).
    pub builtin: Cell<Option<BuiltinClass>>,
    /// Declared fields and their annotations (writes to typed ones are checked).
    pub fields: Vec<(Sym, Option<crate::compile::hir::TypeExpr>)>,
    /// This class or an ancestor has a typed field: property writes are checked.
    pub typed_fields: bool,
    /// Interfaces declared with `implements` (later 5.2).
    pub interfaces: Vec<Rc<Interface>>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BuiltinClass {
    Object,
    Exception,
    Future,
    File,
    Value,
    /// `(new Regexp ...)` builds a regex value (later 8.1).
    Regexp,
    /// `(new HashMap k v ...)` / `(new HashSet v ...)` (later 7.2-7.3).
    HashMap,
    HashSet,
    /// `$pkg` (later 1.6): a package's manifest facts; methods read them.
    Package,
    /// `$app`: the running program; `.pkg` is the main file's package.
    Application,
    /// The class of the adapters of one `(implement I for C ...)` (later 5.2).
    Adapter,
}

impl Class {
    pub fn is_subclass_of(self: &Rc<Class>, other: &Rc<Class>) -> bool {
        let mut cur = Some(self.clone());
        while let Some(c) = cur {
            if Rc::ptr_eq(&c, other) {
                return true;
            }
            cur = c.parent.clone();
        }
        false
    }
    pub fn find_method(&self, name: &Sym) -> Option<Value> {
        if let Some(m) = self.methods.borrow().get(name) {
            return Some(m.clone());
        }
        let mut cur = self.parent.clone();
        while let Some(c) = cur {
            if let Some(m) = c.methods.borrow().get(name) {
                return Some(m.clone());
            }
            cur = c.parent.clone();
        }
        None
    }
    pub fn find_ctor(&self) -> Option<Value> {
        if let Some(c) = self.ctor.borrow().clone() {
            return Some(c);
        }
        let mut cur = self.parent.clone();
        while let Some(c) = cur {
            if let Some(k) = c.ctor.borrow().clone() {
                return Some(k);
            }
            cur = c.parent.clone();
        }
        None
    }
}

pub struct Instance {
    pub class: Rc<Class>,
    pub props: RefCell<PropMap>,
}

pub struct Namespace {
    pub name: String,
    pub parent: Option<Rc<Namespace>>,
    pub members: RefCell<PropMap>,
}

impl Namespace {
    pub fn new(name: &str, parent: Option<Rc<Namespace>>) -> Rc<Namespace> {
        Rc::new(Namespace {
            name: name.to_string(),
            parent,
            members: RefCell::new(PropMap::new()),
        })
    }
    pub fn get(&self, name: &Sym) -> Option<Value> {
        self.members.borrow().get(name).cloned()
    }
    pub fn set(&self, name: Sym, v: Value) {
        self.members.borrow_mut().insert(name, v);
    }
}

/// A suspended generator: its frame state lives here between `.next` calls.
pub struct GenObj {
    pub state: GenState,
    /// A value produced by `.has_next` and not yet consumed by `.next`.
    pub peeked: Option<Value>,
}

pub enum GenState {
    /// Not started: the closure and its bound arguments.
    Fresh {
        closure: Rc<Closure>,
        args: Vec<Value>,
        kwargs: Vec<(Sym, Value)>,
        self_val: Option<Value>,
    },
    Suspended(Box<crate::vm::frame::SavedFrame>),
    Running,
    Done,
}

/// Iterator objects returned by `.iter` on arrays, maps and ranges.
pub enum IterObj {
    Array {
        items: Rc<Sealable<Vec<Value>>>,
        pos: usize,
    },
    Map {
        map: Rc<Sealable<PropMap>>,
        pos: usize,
    },
    Range {
        next: i64,
        end: i64,
        step: i64,
        index: i64,
    },
    /// A snapshot of a hash map's entries (a set's members are their own values).
    Pairs {
        items: Vec<(Value, Value)>,
        pos: usize,
    },
}

/// Seals an array, map, Gene value or hash map (later 7.1); other values are
/// left as they are.
pub fn seal(v: &Value) {
    match v {
        Value::Array(a) => a.seal(),
        Value::Map(m) => m.seal(),
        Value::Gene(g) => g.seal(),
        Value::HashMap(h) => h.borrow_mut().sealed = true,
        _ => {}
    }
}

/// Is the value a sealed container?
pub fn is_sealed(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.is_sealed(),
        Value::Map(m) => m.is_sealed(),
        Value::Gene(g) => g.is_sealed(),
        Value::HashMap(h) => h.borrow().sealed,
        _ => false,
    }
}

impl Value {
    /// The reference implementation's kind name (`VkInstance`), as error messages
    /// about values that cannot be serialized or encoded name them.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Nil => "VkNil",
            Value::Void => "VkVoid",
            Value::NotFound => "VkNotFound",
            Value::Bool(_) => "VkBool",
            Value::Int(_) => "VkInt",
            Value::Float(_) => "VkFloat",
            Value::Char(_) => "VkChar",
            Value::Symbol(_) => "VkSymbol",
            Value::Str(_) => "VkString",
            Value::Path(_) => "VkComplexSymbol",
            Value::Array(_) => "VkArray",
            Value::Map(_) => "VkMap",
            Value::Gene(_) => "VkGene",
            Value::Range(_) => "VkRange",
            Value::Function(_) | Value::Bound(_) => "VkFunction",
            Value::Native(_) => "VkNativeFn",
            Value::Class(_) => "VkClass",
            Value::Instance(_) => "VkInstance",
            Value::Namespace(_) => "VkNamespace",
            Value::Future(_) => "VkFuture",
            Value::Generator(_) => "VkGenerator",
            Value::Iterator(_) => "VkIterator",
            Value::Enum(_) => "VkEnum",
            Value::Adt(_) => "VkEnumValue",
            Value::Regex(_) => "VkRegex",
            Value::Date(_) => "VkDate",
            Value::Bytes(_) => "VkBytes",
            Value::Interface(_) => "VkInterface",
            Value::Type(_) => "VkType",
            Value::HashMap(_) => "VkHashMap",
            Value::HashSet(_) => "VkHashSet",
            Value::RegexMatch(_) => "VkRegexMatch",
        }
    }

    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(Rc::new(RefCell::new(s.into())))
    }
    pub fn array(v: Vec<Value>) -> Value {
        Value::Array(Rc::new(Sealable::new(v)))
    }
    pub fn map(m: PropMap) -> Value {
        Value::Map(Rc::new(Sealable::new(m)))
    }
    pub fn gene(g: GeneObj) -> Value {
        Value::Gene(Rc::new(Sealable::new(g)))
    }
    pub fn truthy(&self) -> bool {
        !matches!(self, Value::Nil | Value::Void | Value::Bool(false))
    }
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// The kind name used in error messages (`Cannot add String and Int`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Nil => "Nil",
            Value::Void => "Void",
            Value::NotFound => "NotFound",
            Value::Bool(_) => "Bool",
            Value::Int(_) => "Int",
            Value::Float(_) => "Float",
            Value::Char(_) => "Char",
            Value::Symbol(_) => "Symbol",
            Value::Str(_) => "String",
            Value::Path(_) => "Path",
            Value::Array(_) => "Array",
            Value::Map(_) => "Map",
            Value::Gene(_) => "Gene",
            Value::Range(_) => "Range",
            Value::Function(_) | Value::Bound(_) => "Function",
            Value::Native(_) => "NativeFunction",
            Value::Class(_) => "Class",
            Value::Instance(_) => "Instance",
            Value::Namespace(_) => "Namespace",
            Value::Future(_) => "Future",
            Value::Generator(_) => "Generator",
            Value::Iterator(_) => "Iterator",
            Value::Enum(_) => "Enum",
            Value::Adt(_) => "EnumValue",
            Value::Regex(_) => "Regexp",
            Value::RegexMatch(_) => "RegexMatch",
            Value::HashMap(_) => "HashMap",
            Value::HashSet(_) => "HashSet",
            Value::Type(_) => "Type",
            Value::Bytes(_) => "Bytes",
            Value::Interface(_) => "Interface",
            Value::Date(d) => match d.kind {
                crate::syntax::datetime::DateKind::Date => "Date",
                crate::syntax::datetime::DateKind::DateTime => "DateTime",
                crate::syntax::datetime::DateKind::Time => "Time",
            },
        }
    }

    /// Identity for reference values, used by `==` on objects.
    pub fn same_ref(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Function(a), Value::Function(b)) => Rc::ptr_eq(a, b),
            (Value::Native(a), Value::Native(b)) => a == b,
            (Value::Class(a), Value::Class(b)) => Rc::ptr_eq(a, b),
            (Value::Instance(a), Value::Instance(b)) => Rc::ptr_eq(a, b),
            (Value::Namespace(a), Value::Namespace(b)) => Rc::ptr_eq(a, b),
            (Value::Future(a), Value::Future(b)) => Rc::ptr_eq(a, b),
            (Value::Generator(a), Value::Generator(b)) => Rc::ptr_eq(a, b),
            (Value::Interface(a), Value::Interface(b)) => Rc::ptr_eq(a, b),
            (Value::Iterator(a), Value::Iterator(b)) => Rc::ptr_eq(a, b),
            (Value::Bound(a), Value::Bound(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }
}

/// Deep equality (2.3): Int never equals Float; collections compare deeply.
///
/// Ordinary data compares by plain recursion. Data nested deeper than
/// [`RECURSE_DEPTH`] (very deep, or cyclic) goes to [`deep_equal`] instead, which uses
/// an explicit worklist (no native recursion, so depth cannot overflow the stack) and
/// treats a pair of collections it already met as equal (so cyclic data, `(a .add a)`,
/// compares as the infinite trees it stands for).
pub fn values_equal(a: &Value, b: &Value) -> bool {
    match equal_nesting(a, b, 0) {
        Some(r) => r,
        None => deep_equal(a, b),
    }
}

/// Nesting compared by recursion before switching to the worklist.
const RECURSE_DEPTH: u32 = 64;

/// None: nested deeper than [`RECURSE_DEPTH`].
fn equal_nesting(a: &Value, b: &Value, depth: u32) -> Option<bool> {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            if Rc::ptr_eq(x, y) {
                return Some(true);
            }
            if depth >= RECURSE_DEPTH {
                return None;
            }
            let (x, y) = (x.borrow(), y.borrow());
            Some(x.len() == y.len() && all_equal(&x, &y, depth)?)
        }
        (Value::Map(x), Value::Map(y)) => {
            if Rc::ptr_eq(x, y) {
                return Some(true);
            }
            if depth >= RECURSE_DEPTH {
                return None;
            }
            maps_equal(&x.borrow(), &y.borrow(), depth)
        }
        (Value::Gene(x), Value::Gene(y)) => {
            if Rc::ptr_eq(x, y) {
                return Some(true);
            }
            if depth >= RECURSE_DEPTH {
                return None;
            }
            let (x, y) = (x.borrow(), y.borrow());
            Some(
                x.children.len() == y.children.len()
                    && equal_nesting(&x.head, &y.head, depth + 1)?
                    && maps_equal(&x.props, &y.props, depth)?
                    && all_equal(&x.children, &y.children, depth)?,
            )
        }
        _ => Some(scalars_equal(a, b)),
    }
}

#[inline(always)]
fn all_equal(xs: &[Value], ys: &[Value], depth: u32) -> Option<bool> {
    for (x, y) in xs.iter().zip(ys) {
        // Elements are mostly scalars: compare them here instead of through a call.
        let same = match x {
            Value::Array(_) | Value::Map(_) | Value::Gene(_) => equal_nesting(x, y, depth + 1)?,
            _ => scalars_equal(x, y),
        };
        if !same {
            return Some(false);
        }
    }
    Some(true)
}

fn maps_equal(x: &PropMap, y: &PropMap, depth: u32) -> Option<bool> {
    if x.len() != y.len() {
        return Some(false);
    }
    for (k, v) in x {
        match y.get(k) {
            Some(w) if equal_nesting(v, w, depth + 1)? => {}
            _ => return Some(false),
        }
    }
    Some(true)
}

enum Shallow {
    Done(bool),
    /// Two distinct collections of the same kind: their contents decide.
    Deep,
}

fn shallow_equal(a: &Value, b: &Value) -> Shallow {
    // Same-kind collections of the same size, not the same object: look inside.
    let deep_if = |same: bool, sizes_match: bool| match (same, sizes_match) {
        (true, _) => Shallow::Done(true),
        (false, true) => Shallow::Deep,
        (false, false) => Shallow::Done(false),
    };
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            deep_if(Rc::ptr_eq(x, y), x.borrow().len() == y.borrow().len())
        }
        (Value::Map(x), Value::Map(y)) => {
            deep_if(Rc::ptr_eq(x, y), x.borrow().len() == y.borrow().len())
        }
        (Value::Gene(x), Value::Gene(y)) => deep_if(Rc::ptr_eq(x, y), {
            let (gx, gy) = (x.borrow(), y.borrow());
            gx.props.len() == gy.props.len() && gx.children.len() == gy.children.len()
        }),
        _ => Shallow::Done(scalars_equal(a, b)),
    }
}

#[inline(always)]
fn scalars_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Nil, Value::Nil)
        | (Value::Void, Value::Void)
        | (Value::NotFound, Value::NotFound) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Char(x), Value::Char(y)) => x == y,
        (Value::Symbol(x), Value::Symbol(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => Rc::ptr_eq(x, y) || *x.borrow() == *y.borrow(),
        (Value::Path(x), Value::Path(y)) => x == y,
        (Value::Range(x), Value::Range(y)) => {
            x.start == y.start && x.end == y.end && x.step() == y.step()
        }
        (Value::Enum(x), Value::Enum(y)) => Rc::ptr_eq(x, y),
        (Value::Type(x), Value::Type(y)) => x == y,
        (Value::Bytes(x), Value::Bytes(y)) => x == y,
        (Value::Date(x), Value::Date(y)) => x == y,
        (Value::Regex(x), Value::Regex(y)) => {
            x.pattern == y.pattern && x.flags == y.flags && x.replacement == y.replacement
        }
        (Value::RegexMatch(x), Value::RegexMatch(y)) => Rc::ptr_eq(x, y),
        (Value::HashMap(x), Value::HashMap(y)) | (Value::HashSet(x), Value::HashSet(y)) => {
            Rc::ptr_eq(x, y) || x.borrow().same_as(&y.borrow())
        }
        (Value::Adt(x), Value::Adt(y)) => {
            Rc::ptr_eq(&x.def, &y.def)
                && x.variant == y.variant
                && match (&x.payload, &y.payload) {
                    (None, None) => true,
                    (Some(a), Some(b)) => {
                        a.len() == b.len() && a.iter().zip(b).all(|(p, q)| values_equal(p, q))
                    }
                    _ => false,
                }
        }
        _ => a.same_ref(b),
    }
}

/// The address of a collection, for the set of pairs already compared.
fn collection_ptr(v: &Value) -> usize {
    match v {
        Value::Array(x) => Rc::as_ptr(x) as *const u8 as usize,
        Value::Map(x) => Rc::as_ptr(x) as *const u8 as usize,
        Value::Gene(x) => Rc::as_ptr(x) as *const u8 as usize,
        _ => 0,
    }
}

fn deep_equal(a: &Value, b: &Value) -> bool {
    let mut work: Vec<(Value, Value)> = vec![(a.clone(), b.clone())];
    let mut seen: std::collections::HashSet<(usize, usize)> = std::collections::HashSet::new();
    while let Some((x, y)) = work.pop() {
        match shallow_equal(&x, &y) {
            Shallow::Done(true) => continue,
            Shallow::Done(false) => return false,
            Shallow::Deep => {}
        }
        if !seen.insert((collection_ptr(&x), collection_ptr(&y))) {
            continue;
        }
        match (&x, &y) {
            (Value::Array(p), Value::Array(q)) => {
                let (p, q) = (p.borrow(), q.borrow());
                if p.len() != q.len() {
                    return false;
                }
                work.extend(p.iter().cloned().zip(q.iter().cloned()).rev());
            }
            (Value::Map(p), Value::Map(q)) => {
                if !push_map_pairs(&p.borrow(), &q.borrow(), &mut work) {
                    return false;
                }
            }
            (Value::Gene(p), Value::Gene(q)) => {
                let (p, q) = (p.borrow(), q.borrow());
                if p.children.len() != q.children.len()
                    || !push_map_pairs(&p.props, &q.props, &mut work)
                {
                    return false;
                }
                work.extend(
                    p.children
                        .iter()
                        .cloned()
                        .zip(q.children.iter().cloned())
                        .rev(),
                );
                work.push((p.head.clone(), q.head.clone()));
            }
            _ => return false,
        }
    }
    true
}

/// Queues the values of two maps key by key; false when their keys differ.
fn push_map_pairs(x: &PropMap, y: &PropMap, work: &mut Vec<(Value, Value)>) -> bool {
    if x.len() != y.len() {
        return false;
    }
    for (k, v) in x {
        match y.get(k) {
            Some(w) => work.push((v.clone(), w.clone())),
            None => return false,
        }
    }
    true
}
