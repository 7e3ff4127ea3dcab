//! Bytecode: one chunk per function, with constants and a line table.

use std::cell::{Cell, UnsafeCell};
use std::rc::Rc;

use crate::syntax::Span;
use crate::vm::value::{Sym, Value};

pub type FileId = u32;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    Const(u32),
    Nil,
    Void,
    True,
    False,
    SmallInt(i32),
    Pop,
    Dup,
    LoadLocal(u32),
    StoreLocal(u32),
    LoadEnv(u16, u16),
    StoreEnv(u16, u16),
    /// Look a name up at run time (namespace chain, global, gene); the u32 indexes `names`.
    LoadGlobal(u32),
    LoadSelfOrNil,
    Special(u8),
    /// Push a heap scope with layout `layouts[.0]`.
    PushEnv(u32),
    PopEnv(u32),
    /// Grow the current env to .0 variables (the REPL's persistent root scope).
    ExtendEnv(u32),
    /// Move the value of local slot .0 into heap-scope variable .1 of the current env.
    SlotToEnv(u32, u16),
    Jump(u32),
    JumpIfFalse(u32),
    JumpIfTrue(u32),
    /// Jump if parameter slot .0 was given by the caller.
    JumpIfProvided(u32, u32),
    Binary(crate::compile::hir::BinOp),
    /// Compare the two values on top; jump to .1 when the comparison is false.
    CmpJump(crate::compile::hir::BinOp, u32),
    /// `(local op k)` with a small Int constant: pushes the result.
    LocalIntOp(u32, crate::compile::hir::BinOp, i32),
    /// Compare a local with a small Int constant; jump to .3 when false.
    CmpLocalIntJump(u16, crate::compile::hir::BinOp, i32, u32),
    /// Add a small constant to an Int local in place (`(i += 1)`).
    AddLocalInt(u32, i32),
    Not,
    Neg,
    /// Call: callee below `argc` arguments.
    Call(u16),
    /// Call the global `names[.0]` with `.1` plain arguments on the stack (no callee slot).
    CallGlobal(u32, u16),
    /// `(global (local op k))`: `LocalIntOp(.1, .2, .3)` then `CallGlobal(.0, 1)`.
    CallGlobalLocalInt(u32, u16, crate::compile::hir::BinOp, i32),
    /// Call with spreads/keywords: index into `call_infos`.
    CallEx(u32),
    /// `Call`, `CallGlobal`, `CallGlobalLocalInt` in tail position (always followed by
    /// `Return`): a plain closure callee replaces the current frame (11); any other
    /// callee is called normally and the `Return` that follows returns its value.
    TailCall(u16),
    TailCallGlobal(u32, u16),
    TailCallGlobalLocalInt(u32, u16, crate::compile::hir::BinOp, i32),
    /// Method call with `argc` plain arguments; the u32 indexes `names`.
    CallMethod(u32, u16),
    CallMethodEx(u32),
    Return,
    /// `LoadLocal(.0); Return`.
    ReturnLocal(u32),
    /// `Binary(.0); Return`.
    BinaryReturn(crate::compile::hir::BinOp),
    Closure(u32),
    MakeArray(u32),
    /// Items on the stack with a spread mask in `call_infos`.
    MakeArrayEx(u32),
    /// Keys in `key_lists[.0]`, values on the stack; "..." entries spread maps.
    MakeMap(u32),
    /// head, props values, children: index into `gene_infos`.
    MakeGene(u32),
    /// [k1 v1 ... kn vn] -> a hash map of .0 entries (later 7.2).
    MakeHashMap(u32),
    /// Seals the container on top of the stack (later 7.1).
    Seal,
    /// [interface class adapter-class] -> nil: registers an external
    /// implementation (later 5.2).
    Implement,
    /// A finite float count on top of the stack truncated to an Int, as
    /// `repeat` counts (`^total`, later 2.3); anything else is left for `Repeat`.
    TruncCount,
    /// Copy of a quoted constant (quoted data is mutable).
    Quote(u32),
    GetMember(u32),
    GetIndex(i32),
    /// [obj key] -> obj/key: an index if key is an Int, else member `names[.0]`.
    GetDynamic(u32),
    /// [obj key value] -> value
    SetDynamic(u32),
    /// [obj key] -> obj/key for a key value (Int index, String or Symbol member).
    GetKey,
    /// [obj value key] -> value
    SetKey,
    /// Set member: [obj value] -> value
    SetMember(u32),
    SetIndex(i32),
    Throw,
    ThrowUndefined(u32),
    ThrowMessage(u32),
    /// Install an exception handler at .0 (absolute ip).
    PushHandler(u32),
    PopHandler,
    /// Push the exception being handled (the handler's binding).
    LoadException,
    /// Pop the exception context entered at a handler.
    EndHandler,
    /// Re-throw the exception of the current handler context.
    Rethrow,
    /// Test the exception against a class on the stack: pushes bool.
    ExceptionIs,
    IterInit,
    /// Advance the iterator on top of the stack; push `n` values, or jump to .0 when done.
    IterNext(u32, u8),
    /// Destructure the array on top into `n` values per `patterns[.0]` (pushes them in order).
    Destructure(u32),
    Yield,
    Await(u16),
    AwaitTimeout(u16),
    /// Wrap the value on top into a completed future.
    AsyncOk,
    /// Pop the current exception into a failed future.
    AsyncErr,
    Range(bool),
    DefineMember(u32),
    DefineAt(u32),
    MakeClass(u32),
    New(u32),
    /// Run a namespace body: [ns-closure] -> ns
    EnterNs(u32),
    Repeat,
    /// Remember the operand stack height in slot .0 (loops), and restore it (break/continue).
    SaveSp(u32),
    RestoreSp(u32),
    /// [target ctor] -> payload values (.1 of them) when `target` is the variant
    /// `ctor` names, else jump to .0 with both popped (later 4.5).
    MatchVariant(u32, u16),
    /// `(v ?)`: Ok/Some -> the payload, jump to .0; Err/None stay and fall through
    /// (to the return that follows); other values stay, jump to .0 (later 4.6).
    TryUnwrap(u32),
    /// `(super .m ...)`: [self args...] -> calls `call_infos[.0].name` found from the
    /// parent of the class that defined the running method (later 5.1).
    Super(u32),
    /// Load a module (or a built-in namespace) and bind `imports[.0]`'s items in the
    /// current namespace; pushes nil (later 1.5).
    Import(u32),
    /// Pop a value and publish it as the exported member `names[.0]` (later 1.4).
    Export(u32),
    /// Export the namespace member `names[.0]` (it must exist).
    ExportGlobal(u32),
    /// Jump to .0 when contracts are off (`--contracts off`, later 6.1).
    ContractsOff(u32),
    /// A failed condition: pops the argument values (and the result) named by
    /// `contracts[.0]` and throws the violation.
    ContractFail(u32),
    /// Check the value on top against `types[.0]` (converting it), later 3.3.
    CheckTop(u32),
    /// Written over an instruction by the debugger (a breakpoint); the original
    /// instruction is kept by the debugger and runs after the trap.
    DebugTrap,
}

#[derive(Debug, Clone)]
pub struct CallInfo {
    pub argc: u16,
    pub spread: Vec<bool>,
    pub kw: Vec<Sym>,
    pub name: Option<Sym>,
}

#[derive(Debug, Clone)]
pub struct GeneInfo {
    pub props: Vec<Sym>,
    pub children: Vec<bool>,
}

#[derive(Debug, Clone)]
pub struct PatternInfo {
    /// Positional elements.
    pub elems: Vec<(bool /*rest*/, bool /*has default*/)>,
    /// `^name` elements (Gene properties); `true` for `^rest...`.
    pub props: Vec<(Sym, bool)>,
}

#[derive(Debug, Clone)]
pub struct ClassInfo {
    pub name: Vec<Sym>,
    /// Declared fields with their annotations (later 3.3, 5.7).
    pub fields: Vec<(Sym, Option<crate::compile::hir::TypeExpr>)>,
    pub has_parent: bool,
    /// Interfaces pushed after the parent (later 5.2).
    pub implements: u32,
    pub has_ctor: bool,
    pub methods: Vec<Sym>,
    pub fns: Vec<Sym>,
}

#[derive(Debug, Clone)]
pub struct ParamInfo {
    pub name: Sym,
    pub slot: u32,
    pub keyword: bool,
    pub rest: bool,
    pub has_default: bool,
}

/// The instructions of a chunk. Built through `DerefMut` by the emitter; once the
/// chunk is shared, only the debugger changes it (breakpoint traps), through
/// [`Code::patch`], while the interpreter reads it through a raw pointer.
#[derive(Default)]
pub struct Code(UnsafeCell<Vec<Op>>);

impl Code {
    /// Pointer to the first instruction (valid while the chunk lives; never reallocated).
    #[inline(always)]
    pub fn as_ptr(&self) -> *const Op {
        // SAFETY: reading the Vec's pointer; its buffer is never reallocated after emit.
        unsafe {
            let v = &*self.0.get();
            v.as_ptr()
        }
    }

    /// The instruction at `ip`, read without keeping a reference into the buffer.
    pub fn get(&self, ip: usize) -> Option<Op> {
        // SAFETY: single-threaded (chunks are not Sync); the copy ends the borrow.
        unsafe {
            let v = &*self.0.get();
            v.get(ip).copied()
        }
    }

    /// Replaces the instruction at `ip`; returns the previous one.
    pub fn patch(&self, ip: usize, op: Op) -> Option<Op> {
        // SAFETY: chunks are not Sync, and no reference into the buffer outlives a
        // call (the interpreter reads instructions through `as_ptr` copies).
        unsafe {
            let v = &mut *self.0.get();
            v.get_mut(ip).map(|slot| std::mem::replace(slot, op))
        }
    }
}

impl std::ops::Deref for Code {
    type Target = Vec<Op>;
    fn deref(&self) -> &Vec<Op> {
        // SAFETY: see `patch`: callers copy what they read before the debugger runs.
        unsafe { &*self.0.get() }
    }
}

impl std::ops::DerefMut for Code {
    fn deref_mut(&mut self) -> &mut Vec<Op> {
        self.0.get_mut()
    }
}

impl std::fmt::Debug for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Debug info of a variable of a function: where it lives and when it is visible.
#[derive(Debug, Clone)]
pub struct LocalInfo {
    pub name: Sym,
    pub storage: LocalStorage,
    /// Instructions `start..end` are the variable's region.
    pub start: u32,
    pub end: u32,
    /// Byte offset of the declaration: the variable is shown once execution passed it.
    pub decl: u32,
    pub is_param: bool,
}

#[derive(Debug, Clone)]
pub enum LocalStorage {
    Slot(u32),
    /// Variable `.1` of the heap scope built from `layout`.
    Heap(Rc<ScopeLayout>, u16),
}

/// The variable names of a heap scope (shared by every scope a `PushEnv` creates).
#[derive(Debug, Default)]
pub struct ScopeLayout {
    pub names: Vec<Sym>,
    /// The function whose region this is.
    pub function: String,
}

#[derive(Default, Debug)]
pub struct Chunk {
    pub code: Code,
    /// Statement starts in instruction order: (ip, byte offset of the statement).
    /// Breakpoints and stepping both use them, so they agree on what a line is.
    pub stmts: Vec<(u32, u32)>,
    pub locals: Vec<LocalInfo>,
    /// Layouts of the heap scopes `PushEnv` creates, by index.
    pub layouts: Vec<Rc<ScopeLayout>>,
    pub spans: Vec<Span>,
    pub consts: Vec<Value>,
    pub names: Vec<Sym>,
    /// Inline cache per name: the index of the name in the namespace's member map.
    pub global_cache: Vec<Cell<u32>>,
    pub call_infos: Vec<CallInfo>,
    pub gene_infos: Vec<GeneInfo>,
    pub key_lists: Vec<Vec<Sym>>,
    pub patterns: Vec<PatternInfo>,
    pub classes: Vec<ClassInfo>,
    pub protos: Vec<Rc<FnProto>>,
    /// Annotations checked by `CheckTop`: type, context (`n`, `return value of f`,
    /// `variable`) and whether the message gets ` @ file:line:col`.
    pub types: Vec<(crate::compile::hir::TypeExpr, String, bool)>,
    pub imports: Vec<ImportInfo>,
    pub contracts: Vec<ContractInfo>,
}

/// A contract condition for its violation message (later 6.1).
#[derive(Debug, Clone)]
pub struct ContractInfo {
    pub function: String,
    /// `pre` or `post`.
    pub phase: &'static str,
    pub index: usize,
    pub condition: String,
    /// Names of the argument values on the stack (`self` first for methods).
    pub args: Vec<String>,
    /// The result follows the arguments (postconditions).
    pub with_result: bool,
}

/// An `import` form: the module path (`None`: built-in namespaces) and its items,
/// each a member path with the bound name (`None`: every member, `*`).
#[derive(Debug, Clone)]
pub struct ImportInfo {
    pub from: Option<String>,
    /// `^pkg "NAME"`: resolve `from` inside that package.
    pub pkg: Option<String>,
    pub items: Vec<(Vec<Sym>, Option<Sym>)>,
}

impl Chunk {
    /// The byte offset of the statement starting at `ip`, if one does.
    #[inline]
    pub fn stmt_at(&self, ip: u32) -> Option<u32> {
        self.stmts
            .binary_search_by_key(&ip, |s| s.0)
            .ok()
            .map(|i| self.stmts[i].1)
    }
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::vm::print::quoted(self))
    }
}

#[derive(Debug)]
pub struct FnProto {
    pub name: String,
    /// `ns/f`, `Class/method` or `f`: what function breakpoints match.
    pub qualified: String,
    pub file: FileId,
    pub span: Span,
    pub chunk: Chunk,
    pub params: Vec<ParamInfo>,
    /// Number of positional (non-keyword, non-rest) parameters that have no default.
    pub required: usize,
    /// Only required positional parameters: the fast binding path applies.
    pub simple: bool,
    /// The argument count that takes the fast call path (only required positional
    /// parameters, not a generator); `u16::MAX` when no count does.
    pub fast_argc: u16,
    pub nslots: u32,
    pub is_async: bool,
    pub is_generator: bool,
    pub is_method: bool,
    /// `^intent` and `^examples` (later 6.2).
    pub intent: Option<String>,
    pub examples: Option<Value>,
    /// Declared parameter and return types, for `(Fn [...] R)` checks (later
    /// 3.3); `None` when nothing is annotated.
    pub annotations: Option<Box<FnAnnotations>>,
}

/// The annotations of a function's parameters (in order) and result.
#[derive(Debug)]
pub struct FnAnnotations {
    pub params: Vec<Option<crate::compile::hir::TypeExpr>>,
    pub ret: Option<crate::compile::hir::TypeExpr>,
}
