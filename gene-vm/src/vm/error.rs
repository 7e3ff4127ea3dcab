//! Gene exceptions as they travel through Rust code: the thrown value plus the
//! Gene stack captured where it was raised.

use crate::compile::FileId;
use crate::syntax::Span;

use super::value::Value;

#[derive(Clone, Debug)]
pub struct TraceEntry {
    pub function: String,
    pub file: FileId,
    pub span: Span,
    /// Set on the label entry between a callback and the frames beneath it:
    /// `future #7 resolved: sleep_async 300 (main.gene:12:3)` (async call stacks).
    pub async_boundary: Option<String>,
}

/// Where a callback run by the event loop starts, and the future that caused it.
#[derive(Clone, Debug)]
pub struct AsyncBoundary {
    /// `frames.len()` when the callback was called: its frames are above this depth.
    pub depth: usize,
    pub label: String,
}

/// A thrown Gene exception (always normalised to an Exception instance).
pub struct Throw {
    pub value: Value,
    pub trace: Vec<TraceEntry>,
    /// Set when the error ends the program from a callback: names the future.
    pub context: Option<String>,
}

pub type VmResult<T> = Result<T, Box<Throw>>;

/// The built-in exception classes, by the keyword that selects them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    Exception,
    Runtime,
    Type,
    Argument,
    Io,
    Parse,
    Assertion,
    Concurrency,
    Timeout,
    Cancellation,
    Network,
}

impl ErrorKind {
    pub fn class_name(self) -> &'static str {
        match self {
            ErrorKind::Exception => "Exception",
            ErrorKind::Runtime => "RuntimeException",
            ErrorKind::Type => "TypeException",
            ErrorKind::Argument => "ArgumentException",
            ErrorKind::Io => "IOError",
            ErrorKind::Parse => "ParseException",
            ErrorKind::Assertion => "AssertionException",
            ErrorKind::Concurrency => "ConcurrencyException",
            ErrorKind::Timeout => "TimeoutException",
            ErrorKind::Cancellation => "CancellationException",
            ErrorKind::Network => "NetworkException",
        }
    }
    pub fn from_class_name(name: &str) -> ErrorKind {
        match name {
            "RuntimeException" => ErrorKind::Runtime,
            "TypeException" => ErrorKind::Type,
            "ArgumentException" => ErrorKind::Argument,
            "IOError" => ErrorKind::Io,
            "ParseException" => ErrorKind::Parse,
            "AssertionException" => ErrorKind::Assertion,
            "ConcurrencyException" => ErrorKind::Concurrency,
            "TimeoutException" => ErrorKind::Timeout,
            "CancellationException" => ErrorKind::Cancellation,
            "NetworkException" => ErrorKind::Network,
            _ => ErrorKind::Exception,
        }
    }
}

/// (class, parent) pairs, parents first.
pub const EXCEPTION_CLASSES: &[(&str, &str)] = &[
    ("RuntimeException", "Exception"),
    ("TypeException", "Exception"),
    ("ArgumentException", "Exception"),
    ("IOError", "Exception"),
    ("ParseException", "Exception"),
    ("AssertionException", "Exception"),
    ("ConcurrencyException", "Exception"),
    ("TimeoutException", "ConcurrencyException"),
    ("CancellationException", "ConcurrencyException"),
    ("ThreadException", "ConcurrencyException"),
    ("NetworkException", "Exception"),
    ("ProviderException", "Exception"),
];
