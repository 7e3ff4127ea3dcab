//! Methods of built-in values: strings (8.2), arrays (7.2), maps (7.3), genes (7.5),
//! ranges (7.4), iterators (5.6) and numbers. The table lives here; the
//! implementations are grouped by receiver kind in the submodules.

mod array;
mod bytes;
mod hashed;
mod map;
mod other;
mod regex;
mod string;

pub(crate) use regex::new_regexp;

#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::rc::Rc;

use super::{arg, int_arg, MethodDef};
use crate::vm::error::{ErrorKind, Throw, VmResult};
use crate::vm::value::{PropMap, Sealable, Sym, Value};
use crate::vm::{Args, Vm};

macro_rules! m {
    ($class:expr, [$($name:expr),+], $params:expr, $doc:expr, $f:expr) => {
        MethodDef { class: $class, names: &[$($name),+], params: $params, doc: $doc, f: $f }
    };
}

#[rustfmt::skip]
pub(super) const METHODS: &[MethodDef] = &[
    // ---- String (8.2, 8.3) ----
    m!("String", ["length", "size"], "", "Number of characters.", string::length),
    m!("String", ["to_upper", "upper", "upcase", "to_uppercase"], "", "Upper-cased copy.", string::to_upper),
    m!("String", ["to_lower", "lower", "downcase", "to_lowercase"], "", "Lower-cased copy.", string::to_lower),
    m!("String", ["capitalize"], "", "Copy with the first character upper-cased.", string::capitalize),
    m!("String", ["append"], "x...", "Appends the display form of x to the string in place; returns it.", string::append),
    m!("String", ["substr"], "start [end]", "Characters start..end (inclusive; negative from the end; clamped).", string::substr),
    m!("String", ["split"], "sep [limit]", "Pieces between separators (a string or a regex; at most limit pieces).", regex::str_split),
    m!("String", ["index"], "sub", "Character index of the first occurrence of sub (or regex match), else -1.", regex::str_index),
    m!("String", ["rindex"], "sub", "Character index of the last occurrence of sub (or regex match), else -1.", regex::str_rindex),
    m!("String", ["contains", "contain", "include?"], "sub", "True if sub (a string or a regex) occurs in the string.", regex::str_contains),
    m!("String", ["match"], "regex", "The first match of the regex (a match object), or nil.", regex::str_match),
    m!("String", ["match?"], "regex", "True if the regex matches somewhere.", regex::str_is_match),
    m!("String", ["find"], "pattern", "The first matched substring, or nil.", regex::str_find),
    m!("String", ["find_all", "scan"], "pattern", "Every matched substring.", regex::str_find_all),
    m!("String", ["starts_with", "start_with?"], "prefix", "True if the string starts with prefix.", string::starts_with),
    m!("String", ["ends_with", "end_with?"], "suffix", "True if the string ends with suffix.", string::ends_with),
    m!("String", ["trim", "strip"], "", "Copy without leading and trailing whitespace.", string::trim),
    m!("String", ["lstrip"], "", "Copy without leading whitespace.", string::lstrip),
    m!("String", ["rstrip"], "", "Copy without trailing whitespace.", string::rstrip),
    m!("String", ["char_at"], "i", "The character at i as a one-character string.", string::char_at),
    m!("String", ["chars"], "", "Array of one-character strings.", string::chars),
    m!("String", ["reverse"], "", "Copy with the characters reversed.", string::reverse),
    m!("String", ["replace", "sub"], "from to", "Copy with the first occurrence of from (a string or a regex) replaced.", regex::str_replace),
    m!("String", ["replace_all", "gsub"], "from to", "Copy with every occurrence of from (a string or a regex) replaced.", regex::str_replace_all),
    // ---- Bytes (later 7.4) ----
    m!("Bytes", ["size", "length"], "", "Number of bytes.", bytes::size),
    m!("Bytes", ["get"], "i", "The byte at i as a one-byte Bytes value.", bytes::get),
    m!("Bytes", ["to_array"], "", "The bytes as integers 0..255.", bytes::to_array),
    m!("String", ["bytes", "to_bytes"], "", "The UTF-8 bytes as a Bytes value.", bytes::str_bytes),
    m!("String", ["bytesize"], "", "Number of UTF-8 bytes.", bytes::str_bytesize),
    m!("String", ["each_byte"], "", "The UTF-8 bytes as integers.", bytes::str_each_byte),
    m!("String", ["byteslice", "byte_slice"], "start [end]", "Bytes start..end (inclusive; negative from the end; clamped).", bytes::str_byteslice),
    // ---- HashMap / HashSet (later 7.2-7.3) ----
    m!("HashMap", ["get"], "key [default]", "The value of key, else default, else nil.", hashed::get),
    m!("HashMap", ["set"], "key value", "Sets key; returns the hash map.", hashed::set),
    m!("HashMap", ["has", "contains"], "key", "True if key is present.", hashed::has),
    m!("HashMap", ["del", "delete"], "keys...", "Removes keys; returns the last removed value or nil.", hashed::del),
    m!("HashMap", ["size"], "", "Number of entries.", hashed::size),
    m!("HashMap", ["keys"], "", "The keys in insertion order.", hashed::keys),
    m!("HashMap", ["values"], "", "The values in insertion order.", hashed::values),
    m!("HashMap", ["pairs"], "", "[key value] arrays in insertion order.", hashed::pairs),
    m!("HashMap", ["clear"], "", "Removes every entry; returns the hash map.", hashed::clear),
    m!("HashMap", ["iter"], "", "An iterator: for k v in h, or for v in h.", hashed::iter),
    m!("HashMap", ["immutable?"], "", "True for a sealed #{{...}} literal.", hashed::immutable),
    m!("HashSet", ["add"], "values...", "Adds members; returns the set.", hashed::add),
    m!("HashSet", ["has", "contains"], "value", "True if value is a member.", hashed::has),
    m!("HashSet", ["del", "delete"], "values...", "Removes members; returns the set.", hashed::del),
    m!("HashSet", ["size"], "", "Number of members.", hashed::size),
    m!("HashSet", ["clear"], "", "Removes every member; returns the set.", hashed::clear),
    m!("HashSet", ["to_array"], "", "The members in insertion order.", hashed::keys),
    m!("HashSet", ["iter"], "", "An iterator over the members.", hashed::iter),
    m!("HashSet", ["union"], "other", "A new set: the receiver's members, then other's.", hashed::union),
    m!("HashSet", ["intersect"], "other", "A new set of the members in both.", hashed::intersect),
    m!("HashSet", ["diff"], "other", "A new set of the members not in other.", hashed::diff),
    m!("HashSet", ["subset?"], "other", "True if every member is in other.", hashed::subset),
    // ---- Regexp (later 8.2) ----
    m!("Regexp", ["match", "process"], "s", "A match object for the first match in s, or nil.", regex::re_match),
    m!("Regexp", ["match?"], "s", "True if the regex matches somewhere in s.", regex::re_is_match),
    m!("Regexp", ["find"], "s", "The first matched substring, or nil.", regex::re_find),
    m!("Regexp", ["find_all", "scan"], "s", "Every non-overlapping matched substring.", regex::re_find_all),
    m!("Regexp", ["split"], "s [limit]", "Pieces of s between matches (at most limit pieces).", regex::re_split),
    m!("Regexp", ["replace", "sub"], "s [repl]", "s with the first match replaced (\\1, \\k<name> in repl).", regex::re_replace),
    m!("Regexp", ["replace_all", "gsub"], "s [repl]", "s with every match replaced.", regex::re_replace_all),
    m!("String", ["to_i"], "", "Parses an integer.", string::to_i),
    m!("String", ["to_f"], "", "Parses a float.", string::to_f),
    m!("String", ["empty?"], "", "True if the string has no characters.", string::is_empty),
    m!("String", ["not_empty?"], "", "True if the string has characters.", string::not_empty),
    m!("String", ["to_s"], "", "The string itself.", string::to_s),
    // ---- Array (7.2) ----
    m!("Array", ["size", "length"], "", "Number of elements.", array::size),
    m!("Array", ["add", "append"], "v", "Appends v; returns the array.", array::add),
    m!("Array", ["push"], "v", "Appends v; returns the new size.", array::push),
    m!("Array", ["get"], "i", "Element at i, nil if out of range or negative.", array::get),
    m!("Array", ["set"], "i v", "Replaces element i (negative from the end); returns the array.", array::set),
    m!("Array", ["del"], "i", "Removes and returns element i (negative from the end).", array::del),
    m!("Array", ["pop"], "", "Removes and returns the last element, nil if empty.", array::pop),
    m!("Array", ["first"], "", "First element, nil if empty.", array::first),
    m!("Array", ["last"], "", "Last element, nil if empty.", array::last),
    m!("Array", ["empty", "empty?"], "", "True if there are no elements.", array::is_empty),
    m!("Array", ["not_empty?"], "", "True if there are elements.", array::not_empty),
    m!("Array", ["contains"], "v", "True if some element == v.", array::contains),
    m!("Array", ["index_of"], "v", "Index of the first element == v, else -1.", array::index_of),
    m!("Array", ["each"], "f", "Calls (f elem) for each element; returns the array.", array::each),
    m!("Array", ["map"], "f", "New array of (f elem).", array::map),
    m!("Array", ["filter"], "f", "New array of the elements where (f elem) is truthy.", array::filter),
    m!("Array", ["reduce"], "init f", "Folds left: acc = (f acc elem).", array::reduce),
    m!("Array", ["find"], "f", "First element where (f elem) is truthy, else nil.", array::find),
    m!("Array", ["any"], "f", "True if (f elem) is truthy for some element.", array::any),
    m!("Array", ["all"], "f", "True if (f elem) is truthy for every element.", array::all),
    m!("Array", ["join"], "[sep]", "Display forms of the elements joined by sep.", array::join),
    m!("Array", ["reverse"], "", "New reversed array.", array::reverse),
    m!("Array", ["slice"], "start [end]", "New array of [start, end) (negative from the end; clamped).", array::slice),
    m!("Array", ["take"], "n", "New array of the first n elements.", array::take),
    m!("Array", ["skip"], "n", "New array without the first n elements.", array::skip),
    m!("Array", ["zip"], "other", "New array of [a b] pairs, as long as the shorter array.", array::zip),
    m!("Array", ["pairs"], "", "Array of [index elem].", array::pairs),
    m!("Array", ["sort"], "[cmp]", "New sorted array (by display text, or by cmp returning an int or a bool).", array::sort),
    m!("Array", ["clear"], "", "Removes all elements; returns the array.", array::clear),
    m!("Array", ["to_map"], "", "Map from [key value] pairs.", array::to_map),
    m!("Array", ["iter"], "", "An iterator over the elements.", iter),
    m!("Array", ["immutable?"], "", "True for a sealed #[...] literal.", hashed::immutable),
    // ---- Map (7.3) ----
    m!("Map", ["size"], "", "Number of entries.", map::size),
    m!("Map", ["get"], "k [default]", "Value of key k, else default, else nil.", map::get),
    m!("Map", ["set"], "k v", "Sets key k; returns the map.", map::set),
    m!("Map", ["contains", "has"], "k", "True if key k is present.", map::contains),
    m!("Map", ["del"], "k...", "Removes the keys; returns the last removed value (or nil).", map::del),
    m!("Map", ["keys"], "", "Array of the keys as strings.", map::keys),
    m!("Map", ["values"], "", "Array of the values.", map::values),
    m!("Map", ["pairs"], "", "Array of [key-string value].", map::pairs),
    m!("Map", ["each"], "f", "Calls (f key value) per entry; returns the map.", map::each),
    m!("Map", ["map"], "f", "New map with the same keys and (f key value) as values.", map::map),
    m!("Map", ["filter"], "f", "New map of the entries where (f key value) is truthy.", map::filter),
    m!("Map", ["reduce"], "init f", "Folds: acc = (f acc key value).", map::reduce),
    m!("Map", ["merge"], "other...", "Copies the entries of other in; returns the map.", map::merge),
    m!("Map", ["empty", "empty?"], "", "True if there are no entries.", map::is_empty),
    m!("Map", ["not_empty?"], "", "True if there are entries.", map::not_empty),
    m!("Map", ["clear"], "", "Removes all entries; returns the map.", map::clear),
    m!("Map", ["iter"], "", "An iterator over the entries.", iter),
    m!("Map", ["immutable?"], "", "True for a sealed #{...} literal.", hashed::immutable),
    // ---- Gene (7.5) ----
    m!("Gene", ["type", "genetype"], "", "The head.", other::gene_type),
    m!("Gene", ["props"], "", "A new map of the properties.", other::gene_props),
    m!("Gene", ["children"], "", "A new array of the children.", other::gene_children),
    m!("Gene", ["add_child"], "v", "Appends v to the children; returns the Gene value.", other::gene_add_child),
    m!("Gene", ["immutable?"], "", "True for a sealed #(...) literal.", hashed::immutable),
    // ---- Range (7.4) ----
    m!("Range", ["iter"], "", "An iterator over the integers.", iter),
    m!("Range", ["size"], "", "Number of integers in the range.", other::range_size),
    m!("Range", ["to_a"], "", "Array of the integers.", other::range_to_a),
    m!("Range", ["start"], "", "First value.", other::range_start),
    m!("Range", ["end"], "", "Last value (inclusive bound).", other::range_end),
    m!("Range", ["step"], "", "Step (1 unless given).", other::range_step),
    // ---- Iterator (5.6) ----
    m!("Iterator", ["next"], "", "Next element, or not_found when done.", other::iter_next),
    m!("Iterator", ["next_pair"], "", "Next [key value] / [index value], or not_found when done.", other::iter_next_pair),
    m!("Iterator", ["has_next"], "", "True if .next would return an element.", other::iter_has_next),
    m!("Iterator", ["iter"], "", "The iterator itself.", other::iter_self),
    // ---- Numbers, chars, symbols ----
    m!("Int", ["to_s"], "", "Decimal text.", other::to_s),
    m!("Int", ["to_i"], "", "The integer itself.", other::num_to_i),
    m!("Int", ["to_f"], "", "As a float.", other::num_to_f),
    m!("Int", ["abs"], "", "Absolute value.", other::num_abs),
    m!("Float", ["to_s"], "", "Text of the float (9.6).", other::to_s),
    m!("Float", ["to_i"], "", "Truncated to an integer.", other::num_to_i),
    m!("Float", ["to_f"], "", "The float itself.", other::num_to_f),
    m!("Float", ["abs"], "", "Absolute value.", other::num_abs),
    m!("Char", ["to_s"], "", "One-character string.", other::to_s),
    m!("Symbol", ["to_s"], "", "The symbol's name.", other::to_s),
];

/// `.iter` on arrays, maps and ranges (5.6).
fn iter(vm: &mut Vm, recv: &Value, _args: Args) -> VmResult<Value> {
    vm.make_iter(recv.clone())
}

fn wrong_receiver(vm: &mut Vm, recv: &Value, who: &str, expected: &str) -> Box<Throw> {
    let t = recv.type_name();
    vm.type_err(format!("{who} expects a {expected} receiver, got {t}"))
}

pub(super) fn string_of(vm: &mut Vm, recv: &Value, who: &str) -> VmResult<Rc<RefCell<String>>> {
    match recv {
        Value::Str(s) => Ok(s.clone()),
        other => Err(wrong_receiver(vm, other, who, "String")),
    }
}

pub(super) fn array_of(vm: &mut Vm, recv: &Value, who: &str) -> VmResult<Rc<Sealable<Vec<Value>>>> {
    match recv {
        Value::Array(a) => Ok(a.clone()),
        other => Err(wrong_receiver(vm, other, who, "Array")),
    }
}

pub(super) fn map_of(vm: &mut Vm, recv: &Value, who: &str) -> VmResult<Rc<Sealable<PropMap>>> {
    match recv {
        Value::Map(m) => Ok(m.clone()),
        other => Err(wrong_receiver(vm, other, who, "Map")),
    }
}

/// A string argument (a char counts as a one-character string).
pub(super) fn text_arg(vm: &mut Vm, args: &Args, i: usize, who: &str) -> VmResult<String> {
    match arg(vm, args, i, who)? {
        Value::Str(s) => Ok(s.borrow().clone()),
        Value::Char(c) => Ok(c.to_string()),
        other => {
            let t = other.type_name();
            Err(vm.arg_err(format!("{who} expects a string argument, got {t}")))
        }
    }
}

/// An optional integer argument: absent or nil gives `None`.
pub(super) fn opt_int_arg(vm: &mut Vm, args: &Args, i: usize, who: &str) -> VmResult<Option<i64>> {
    match args.pos.get(i) {
        None | Some(Value::Nil) => Ok(None),
        Some(_) => int_arg(vm, args, i, who).map(Some),
    }
}

/// A function argument (anything callable; calling checks it).
pub(super) fn fn_arg(vm: &mut Vm, args: &Args, i: usize, who: &str) -> VmResult<Value> {
    arg(vm, args, i, who).cloned()
}

/// A map key given as a string, symbol, char or integer.
pub(super) fn key_of(vm: &mut Vm, v: &Value, who: &str) -> VmResult<Sym> {
    match v {
        Value::Str(s) => {
            let s = s.borrow().clone();
            Ok(vm.intern(&s))
        }
        Value::Symbol(s) => Ok(s.clone()),
        Value::Char(c) => Ok(vm.intern(&c.to_string())),
        Value::Int(i) => Ok(vm.intern(&i.to_string())),
        other => {
            let t = other.type_name();
            Err(vm.arg_err(format!(
                "{who}: a map key must be a string or a symbol, got {t}"
            )))
        }
    }
}

pub(super) fn key_arg(vm: &mut Vm, args: &Args, i: usize, who: &str) -> VmResult<Sym> {
    let v = arg(vm, args, i, who)?.clone();
    key_of(vm, &v, who)
}

/// Index `i` of a sequence of `len` items, negative counting from the end.
pub(super) fn norm_index(i: i64, len: usize) -> Option<usize> {
    let idx = if i < 0 {
        (len as i64).checked_add(i)?
    } else {
        i
    };
    if idx >= 0 && (idx as usize) < len {
        Some(idx as usize)
    } else {
        None
    }
}

/// An invalid index or value passed to a method (ArgumentException).
pub(super) fn bad_value(vm: &mut Vm, msg: String) -> Box<Throw> {
    vm.err(ErrorKind::Argument, msg)
}
