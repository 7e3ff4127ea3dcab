//! Regular expressions (later 8): `Regexp` methods, match objects, replacement
//! templates, and the string methods that accept a regex.

use std::rc::Rc;

use super::string;
use crate::stdlib::arg;
use crate::vm::error::VmResult;
use crate::vm::value::{MatchObj, RegexObj, Value};
use crate::vm::{Args, Vm};

fn regex_of(v: &Value) -> Option<Rc<RegexObj>> {
    match v {
        Value::Regex(r) => Some(r.clone()),
        _ => None,
    }
}

fn char_index(s: &str, byte: usize) -> usize {
    s[..byte].chars().count()
}

/// The receiver regex and the string argument of a `Regexp` method.
fn re_and_text(
    vm: &mut Vm,
    recv: &Value,
    args: &Args,
    who: &str,
) -> VmResult<(Rc<RegexObj>, String)> {
    match (recv, args.pos.first()) {
        (Value::Regex(r), Some(Value::Str(s))) => Ok((r.clone(), s.borrow().clone())),
        _ => Err(vm.type_err(format!("Regexp.{who} expects a Regexp and string"))),
    }
}

fn match_value(s: &str, caps: &regex::Captures, re: &regex::Regex) -> Value {
    let Some(m) = caps.get(0) else {
        return Value::Nil;
    };
    let captures = (1..caps.len())
        .map(|i| {
            caps.get(i)
                .map_or(String::new(), |g| g.as_str().to_string())
        })
        .collect();
    let named = re
        .capture_names()
        .flatten()
        .map(|n| {
            let v = caps
                .name(n)
                .map_or(String::new(), |g| g.as_str().to_string());
            (n.to_string(), v)
        })
        .collect();
    Value::RegexMatch(Rc::new(MatchObj {
        value: m.as_str().to_string(),
        captures,
        named,
        start: char_index(s, m.start()),
        end: char_index(s, m.end()),
        pre: s[..m.start()].to_string(),
        post: s[m.end()..].to_string(),
    }))
}

/// Expands `\0`..`\99`, `\k<name>`, `\k'name'`, `\g<name>` and `\\` (later 8.3).
fn expand(template: &str, caps: &regex::Captures) -> String {
    let mut out = String::new();
    let chars: Vec<char> = template.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c != '\\' || i + 1 >= chars.len() {
            out.push(c);
            i += 1;
            continue;
        }
        let n = chars[i + 1];
        if n == '\\' {
            out.push('\\');
            i += 2;
        } else if n.is_ascii_digit() {
            let mut j = i + 1;
            let mut num = 0usize;
            while j < chars.len() && j < i + 3 && chars[j].is_ascii_digit() {
                num = num * 10 + chars[j] as usize - '0' as usize;
                j += 1;
            }
            if let Some(g) = caps.get(num) {
                out.push_str(g.as_str());
            }
            i = j;
        } else if (n == 'k' || n == 'g') && i + 2 < chars.len() {
            let open = chars[i + 2];
            let close = match open {
                '<' => '>',
                '\'' if n == 'k' => '\'',
                _ => {
                    out.push(c);
                    i += 1;
                    continue;
                }
            };
            match chars[i + 3..].iter().position(|&x| x == close) {
                Some(len) => {
                    let name: String = chars[i + 3..i + 3 + len].iter().collect();
                    if let Some(g) = caps.name(&name) {
                        out.push_str(g.as_str());
                    }
                    i += 4 + len;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Every match, PCRE style: after an empty match the search resumes one
/// character later, and an empty match right after a match counts
/// (`a*` on `aaa` matches `aaa` and the empty string at the end).
fn all_captures<'s>(re: &regex::Regex, s: &'s str) -> Vec<regex::Captures<'s>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos <= s.len() {
        let Some(caps) = re.captures_at(s, pos) else {
            break;
        };
        let Some(m) = caps.get(0) else {
            break;
        };
        pos = if m.end() == m.start() {
            m.end() + s[m.end()..].chars().next().map_or(1, char::len_utf8)
        } else {
            m.end()
        };
        out.push(caps);
    }
    out
}

fn replace_with(re: &regex::Regex, s: &str, template: &str, all: bool) -> String {
    let mut out = String::new();
    let mut last = 0;
    for caps in all_captures(re, s) {
        let Some(m) = caps.get(0) else { continue };
        out.push_str(&s[last..m.start()]);
        out.push_str(&expand(template, &caps));
        last = m.end();
        if !all {
            break;
        }
    }
    out.push_str(&s[last..]);
    out
}

fn split_with(re: &regex::Regex, s: &str, limit: Option<usize>) -> Value {
    let mut pieces = Vec::new();
    let mut last = 0;
    for caps in all_captures(re, s) {
        if limit.is_some_and(|l| pieces.len() + 1 >= l) {
            break;
        }
        let Some(m) = caps.get(0) else { continue };
        // An empty match at the start or the end splits nothing off.
        if m.start() == m.end() && (m.start() == 0 || m.start() == s.len()) {
            continue;
        }
        pieces.push(Value::str(&s[last..m.start()]));
        last = m.end();
    }
    pieces.push(Value::str(&s[last..]));
    Value::array(pieces)
}

fn limit_arg(args: &Args, i: usize) -> Option<usize> {
    match args.pos.get(i) {
        Some(Value::Int(n)) if *n > 0 => Some(*n as usize),
        _ => None,
    }
}

// ---- Regexp methods (8.2) ----

pub(super) fn re_match(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let (re, s) = re_and_text(vm, recv, &args, "match")?;
    Ok(re
        .re
        .captures(&s)
        .map_or(Value::Nil, |c| match_value(&s, &c, &re.re)))
}

pub(super) fn re_is_match(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let (re, s) = re_and_text(vm, recv, &args, "match?")?;
    Ok(Value::Bool(re.re.is_match(&s)))
}

pub(super) fn re_find(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let (re, s) = re_and_text(vm, recv, &args, "find")?;
    Ok(re
        .re
        .find(&s)
        .map_or(Value::Nil, |m| Value::str(m.as_str())))
}

pub(super) fn re_find_all(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let (re, s) = re_and_text(vm, recv, &args, "find_all")?;
    Ok(Value::array(
        all_captures(&re.re, &s)
            .iter()
            .filter_map(|c| c.get(0))
            .map(|m| Value::str(m.as_str()))
            .collect(),
    ))
}

pub(super) fn re_split(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let (re, s) = re_and_text(vm, recv, &args, "split")?;
    Ok(split_with(&re.re, &s, limit_arg(&args, 1)))
}

fn re_replace_impl(vm: &mut Vm, recv: &Value, args: Args, all: bool) -> VmResult<Value> {
    let who = if all { "replace_all" } else { "replace" };
    let (re, s) = re_and_text(vm, recv, &args, who)?;
    let template = match args.pos.get(1) {
        Some(Value::Str(t)) => t.borrow().clone(),
        Some(_) => return Err(vm.type_err(format!("Regexp.{who} expects a string replacement"))),
        None => match &re.replacement {
            Some(r) => r.clone(),
            None => return Err(vm.arg_err("Replacement string is required")),
        },
    };
    Ok(Value::str(replace_with(&re.re, &s, &template, all)))
}

pub(super) fn re_replace(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    re_replace_impl(vm, recv, args, false)
}

pub(super) fn re_replace_all(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    re_replace_impl(vm, recv, args, true)
}

// ---- String methods that accept a regex (8.3) ----

fn recv_text(vm: &mut Vm, recv: &Value, who: &str) -> VmResult<String> {
    match recv {
        Value::Str(s) => Ok(s.borrow().clone()),
        other => {
            let t = other.type_name();
            Err(vm.type_err(format!("String.{who} expects a String receiver, got {t}")))
        }
    }
}

/// Calls the `Regexp` method with the receiver and the first argument swapped.
fn swapped(
    vm: &mut Vm,
    recv: &Value,
    args: Args,
    f: fn(&mut Vm, &Value, Args) -> VmResult<Value>,
) -> VmResult<Value> {
    let mut pos = args.pos;
    let re = pos.remove(0);
    pos.insert(0, recv.clone());
    f(vm, &re, Args { pos, kw: args.kw })
}

pub(super) fn str_match(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    if !args
        .pos
        .first()
        .is_some_and(|v| matches!(v, Value::Regex(_)))
    {
        return Err(vm.type_err("String.match requires a Regexp"));
    }
    swapped(vm, recv, args, re_match)
}

pub(super) fn str_is_match(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    if args.pos.first().and_then(regex_of).is_some() {
        return swapped(vm, recv, args, re_is_match);
    }
    string::contains(vm, recv, args)
}

pub(super) fn str_contains(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    if args.pos.first().and_then(regex_of).is_some() {
        return swapped(vm, recv, args, re_is_match);
    }
    string::contains(vm, recv, args)
}

pub(super) fn str_find(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    if args.pos.first().and_then(regex_of).is_some() {
        return swapped(vm, recv, args, re_find);
    }
    let s = recv_text(vm, recv, "find")?;
    let p = arg(vm, &args, 0, "String.find")?.clone();
    let Value::Str(p) = p else {
        return Err(vm.type_err("String.find expects a string or a Regexp"));
    };
    let p = p.borrow().clone();
    Ok(if s.contains(&p) {
        Value::str(p)
    } else {
        Value::Nil
    })
}

pub(super) fn str_find_all(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    if args.pos.first().and_then(regex_of).is_some() {
        return swapped(vm, recv, args, re_find_all);
    }
    let s = recv_text(vm, recv, "find_all")?;
    let Some(Value::Str(p)) = args.pos.first() else {
        return Err(vm.type_err("String.find_all expects a string or a Regexp"));
    };
    let p = p.borrow().clone();
    if p.is_empty() {
        return Ok(Value::array(Vec::new()));
    }
    Ok(Value::array(
        s.matches(p.as_str()).map(Value::str).collect(),
    ))
}

pub(super) fn str_index(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let Some(re) = args.pos.first().and_then(regex_of) else {
        return string::index(vm, recv, args);
    };
    let s = recv_text(vm, recv, "index")?;
    Ok(Value::Int(
        re.re
            .find(&s)
            .map_or(-1, |m| char_index(&s, m.start()) as i64),
    ))
}

pub(super) fn str_rindex(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let Some(re) = args.pos.first().and_then(regex_of) else {
        return string::rindex(vm, recv, args);
    };
    let s = recv_text(vm, recv, "rindex")?;
    let last = re.re.find_iter(&s).last();
    Ok(Value::Int(
        last.map_or(-1, |m| char_index(&s, m.start()) as i64),
    ))
}

pub(super) fn str_split(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    let Some(re) = args.pos.first().and_then(regex_of) else {
        return string::split(vm, recv, args);
    };
    let s = recv_text(vm, recv, "split")?;
    Ok(split_with(&re.re, &s, limit_arg(&args, 1)))
}

pub(super) fn str_replace(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    if args.pos.first().and_then(regex_of).is_some() {
        return swapped(vm, recv, args, re_replace);
    }
    string::replace(vm, recv, args)
}

pub(super) fn str_replace_all(vm: &mut Vm, recv: &Value, args: Args) -> VmResult<Value> {
    if args.pos.first().and_then(regex_of).is_some() {
        return swapped(vm, recv, args, re_replace_all);
    }
    string::replace_all(vm, recv, args)
}

/// `(new Regexp "PATTERN" ["REPLACEMENT"])` with `^^i` / `^^m` flags.
pub fn new_regexp(vm: &mut Vm, args: Args) -> VmResult<Value> {
    let mut flags = String::new();
    let (mut i, mut m) = (false, false);
    for (k, v) in &args.kw {
        match k.as_str() {
            "i" => i = v.truthy(),
            "m" => m = v.truthy(),
            other => return Err(vm.arg_err(format!("Regexp.ctor unknown flag: {other}"))),
        }
    }
    if i {
        flags.push('i');
    }
    if m {
        flags.push('m');
    }
    let pattern = match args.pos.first() {
        Some(Value::Str(s)) => s.borrow().clone(),
        _ => return Err(vm.arg_err("Regexp.ctor expects a pattern string")),
    };
    let replacement = match args.pos.get(1) {
        Some(Value::Str(s)) => Some(s.borrow().clone()),
        None => None,
        Some(_) => return Err(vm.arg_err("Regexp.ctor expects a replacement string")),
    };
    match RegexObj::new(&pattern, replacement, &flags) {
        Ok(r) => Ok(Value::Regex(Rc::new(r))),
        Err(msg) => Err(vm.arg_err(msg)),
    }
}
