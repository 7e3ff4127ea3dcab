//! Operators (3.5, 3.8, 14.3): arithmetic with overflow checks, comparison,
//! equality, value-returning `&&`/`||`.

use std::rc::Rc;

use super::error::{ErrorKind, VmResult};
use super::value::{values_equal, RangeObj, Value};
use super::Vm;
use crate::compile::hir::BinOp;

fn op_verb(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "add",
        BinOp::Sub => "subtract",
        BinOp::Mul => "multiply",
        BinOp::Div => "divide",
        BinOp::Mod => "take modulo of",
        BinOp::Pow => "raise",
        BinOp::Shl | BinOp::Shr => "shift",
        _ => "compare",
    }
}

fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

pub fn binary(vm: &mut Vm, op: BinOp, a: &Value, b: &Value) -> VmResult<Value> {
    use Value::{Float, Int};
    Ok(match op {
        BinOp::Add | BinOp::Sub | BinOp::Mul => match (a, b) {
            (Int(x), Int(y)) => {
                let r = match op {
                    BinOp::Add => x.checked_add(*y),
                    BinOp::Sub => x.checked_sub(*y),
                    _ => x.checked_mul(*y),
                };
                match r {
                    Some(v) => Int(v),
                    None => {
                        let (what, sym) = match op {
                            BinOp::Add => ("addition", "+"),
                            BinOp::Sub => ("subtraction", "-"),
                            _ => ("multiplication", "*"),
                        };
                        return Err(vm.err(
                            ErrorKind::Runtime,
                            format!("Integer overflow in {what}: {x} {sym} {y}"),
                        ));
                    }
                }
            }
            _ => match (num(a), num(b)) {
                (Some(x), Some(y)) => Float(match op {
                    BinOp::Add => x + y,
                    BinOp::Sub => x - y,
                    _ => x * y,
                }),
                _ => return Err(type_mismatch(vm, op, a, b)),
            },
        },
        BinOp::Div => match (num(a), num(b)) {
            (Some(x), Some(y)) => Float(x / y),
            _ => return Err(type_mismatch(vm, op, a, b)),
        },
        BinOp::Mod => match (a, b) {
            (Int(_), Int(0)) => return Err(vm.err(ErrorKind::Runtime, "Modulo by zero")),
            (Int(x), Int(y)) => Int(x.wrapping_rem(*y)),
            _ => match (num(a), num(b)) {
                (Some(x), Some(y)) => Float(x % y),
                _ => return Err(type_mismatch(vm, op, a, b)),
            },
        },
        BinOp::Pow => match (a, b) {
            (Int(x), Int(y)) if *y >= 0 => {
                match u32::try_from(*y).ok().and_then(|e| x.checked_pow(e)) {
                    Some(v) => Int(v),
                    None => {
                        return Err(vm.err(
                            ErrorKind::Runtime,
                            format!("Integer overflow in exponentiation: {x} ** {y}"),
                        ))
                    }
                }
            }
            _ => match (num(a), num(b)) {
                (Some(x), Some(y)) => Float(x.powf(y)),
                _ => return Err(type_mismatch(vm, op, a, b)),
            },
        },
        BinOp::Concat => match (a, b) {
            (Value::Str(x), Value::Str(y)) => {
                let len = x.borrow().len().saturating_add(y.borrow().len());
                vm.check_str_len(len, "++")?;
                let mut s = x.borrow().clone();
                s.push_str(&y.borrow());
                Value::str(s)
            }
            _ => {
                return Err(vm.type_err(format!(
                    "++ expects strings, got {} and {}",
                    a.type_name(),
                    b.type_name()
                )))
            }
        },
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            let ord = compare(vm, a, b)?;
            Value::Bool(match op {
                BinOp::Lt => ord.is_lt(),
                BinOp::Le => ord.is_le(),
                BinOp::Gt => ord.is_gt(),
                _ => ord.is_ge(),
            })
        }
        BinOp::Eq | BinOp::Ne => {
            // A class's own `==` method decides for its instances (later 5.5).
            let same = match (vm.custom_eq(a, b), a, b) {
                (Some(r), _, _) => r?,
                // Instance keys compare through their `==` (later 7.2).
                (None, Value::HashMap(x), Value::HashMap(y))
                | (None, Value::HashSet(x), Value::HashSet(y))
                    if super::hashed::holds_instance_keys(x) =>
                {
                    vm.hashed_eq(x, y)?
                }
                _ => values_equal(a, b),
            };
            Value::Bool(if op == BinOp::Eq { same } else { !same })
        }
        // Both operands are always evaluated; the value of an operand is returned.
        // Bytes of one length combine bitwise (later 7.5).
        BinOp::And | BinOp::Or | BinOp::Xor
            if matches!((a, b), (Value::Bytes(_), Value::Bytes(_))) =>
        {
            let (Value::Bytes(x), Value::Bytes(y)) = (a, b) else {
                return Err(type_mismatch(vm, op, a, b));
            };
            if x.len() != y.len() {
                return Err(vm.type_err(format!(
                    "Bitwise operation on Bytes of different lengths: {} and {}",
                    x.len(),
                    y.len()
                )));
            }
            let f = |p: u8, q: u8| match op {
                BinOp::And => p & q,
                BinOp::Or => p | q,
                _ => p ^ q,
            };
            Value::Bytes(std::rc::Rc::new(
                x.iter().zip(y.iter()).map(|(p, q)| f(*p, *q)).collect(),
            ))
        }
        BinOp::Shl | BinOp::Shr if matches!((a, b), (Value::Bytes(_), Value::Int(_))) => {
            let (Value::Bytes(x), Value::Int(n)) = (a, b) else {
                return Err(type_mismatch(vm, op, a, b));
            };
            bytes_shift(x, *n, op == BinOp::Shl)
        }
        BinOp::And => {
            if a.truthy() {
                b.clone()
            } else {
                a.clone()
            }
        }
        BinOp::Or => {
            if a.truthy() {
                a.clone()
            } else {
                b.clone()
            }
        }
        // Bitwise on integers, logical otherwise (later 7.5).
        BinOp::Xor => match (a, b) {
            (Value::Int(x), Value::Int(y)) => Value::Int(x ^ y),
            _ => Value::Bool(a.truthy() != b.truthy()),
        },
        BinOp::Shl | BinOp::Shr => match (a, b) {
            (Value::Int(x), Value::Int(n)) if (0..64).contains(n) => {
                Value::Int(if op == BinOp::Shl {
                    x.wrapping_shl(*n as u32)
                } else {
                    x >> n
                })
            }
            (Value::Int(_), Value::Int(n)) => {
                return Err(vm.type_err(format!("Shift amount out of range: {n}")))
            }
            _ => return Err(type_mismatch(vm, op, a, b)),
        },
        BinOp::Is => Value::Bool(vm.value_is_type(a, b)?),
    })
}

/// `!` on bytes: every bit flipped. Kept out of line: the dispatch loop's `Not`
/// calls it (inlined, it cost fib 0.15% more instructions).
#[cold]
#[inline(never)]
pub fn bytes_not(b: &[u8]) -> Value {
    Value::Bytes(std::rc::Rc::new(b.iter().map(|x| !x).collect()))
}

/// The whole byte string shifted by `n` bits, its length kept.
fn bytes_shift(b: &[u8], n: i64, left: bool) -> Value {
    let bits = b.len() * 8;
    let n = n.clamp(0, bits as i64) as usize;
    let bit = |i: usize| -> u8 { (b[i / 8] >> (7 - i % 8)) & 1 };
    let mut out = vec![0u8; b.len()];
    for i in 0..bits {
        let src = if left { i + n } else { i.wrapping_sub(n) };
        let v = if left {
            if src < bits {
                bit(src)
            } else {
                0
            }
        } else if i >= n {
            bit(src)
        } else {
            0
        };
        out[i / 8] |= v << (7 - i % 8);
    }
    Value::Bytes(std::rc::Rc::new(out))
}

fn type_mismatch(vm: &mut Vm, op: BinOp, a: &Value, b: &Value) -> Box<super::error::Throw> {
    vm.type_err(format!(
        "Cannot {} {} and {}",
        op_verb(op),
        a.type_name(),
        b.type_name()
    ))
}

/// Ordering for `<`, `.sort` and `min`/`max`: numbers across Int/Float, strings, chars.
pub fn compare(vm: &mut Vm, a: &Value, b: &Value) -> VmResult<std::cmp::Ordering> {
    use std::cmp::Ordering;
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Ok(x.cmp(y)),
        (Value::Str(x), Value::Str(y)) => Ok(x.borrow().as_str().cmp(y.borrow().as_str())),
        (Value::Char(x), Value::Char(y)) => Ok(x.cmp(y)),
        (Value::Date(x), Value::Date(y)) if x.kind == y.kind => {
            Ok(x.instant_micros().cmp(&y.instant_micros()))
        }
        _ => match (num(a), num(b)) {
            (Some(x), Some(y)) => Ok(x.partial_cmp(&y).unwrap_or(Ordering::Equal)),
            _ => Err(vm.type_err(format!(
                "Cannot compare {} and {}",
                a.type_name(),
                b.type_name()
            ))),
        },
    }
}

pub fn negate(vm: &mut Vm, v: &Value) -> VmResult<Value> {
    match v {
        Value::Int(i) => match i.checked_neg() {
            Some(n) => Ok(Value::Int(n)),
            None => Err(vm.err(ErrorKind::Runtime, "Integer overflow in negation")),
        },
        Value::Float(f) => Ok(Value::Float(-f)),
        other => Err(vm.type_err(format!("Cannot negate {}", other.type_name()))),
    }
}

pub fn make_range(vm: &mut Vm, a: &Value, b: &Value, step: Option<&Value>) -> VmResult<Value> {
    let (Value::Int(start), Value::Int(end)) = (a, b) else {
        return Err(vm.type_err(format!(
            "A range needs integers, got {} and {}",
            a.type_name(),
            b.type_name()
        )));
    };
    let step = match step {
        None => None,
        Some(Value::Int(0)) => return Err(vm.arg_err("A range step cannot be 0")),
        Some(Value::Int(s)) => Some(*s),
        Some(other) => {
            return Err(vm.type_err(format!(
                "A range step must be an integer, got {}",
                other.type_name()
            )))
        }
    };
    Ok(Value::Range(Rc::new(RangeObj {
        start: *start,
        end: *end,
        step,
    })))
}
