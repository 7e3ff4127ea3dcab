//! Methods of built-in values: strings (8.2), arrays (7.2), maps (7.3), genes (7.5), ranges.

use super::MethodDef;

pub(super) const METHODS: &[MethodDef] = &[];
