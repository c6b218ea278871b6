//! The shape check that runs before a component is compiled.
//!
//! Compiling is the one step of loading whose cost a plugin's author controls: a
//! component of a hundred kilobytes can be shaped (one function with thousands of
//! locals, a huge `br_table` in a loop) so that Cranelift spends half a minute and
//! gigabytes on it, and every other plugin in the folder waits. Counting what the
//! compiler will face is a single linear pass over the bytes, so it runs first and
//! refuses the shapes no real plugin has: too many functions, a function body too
//! large, too many locals or branch targets in one function, or too much of both at
//! once (the product is what makes register allocation and SSA construction slow).

use wasmparser::{Operator, Parser, Payload};

use crate::limits::HostLimits;

/// What the compiler would face, summed over every core module of a component.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Shape {
    /// Function bodies.
    pub functions: u64,
    /// The largest function body, in bytes.
    pub max_body: u64,
    /// The most locals of one function (parameters excluded).
    pub max_locals: u64,
    /// The most branch targets of one function: its `block`, `loop` and `if`
    /// instructions plus every `br_table` entry.
    pub max_branches: u64,
    /// The largest `locals × branch targets` of one function.
    pub max_cost: u64,
}

/// Measures a component (or a core module) without compiling it. The error says what
/// could not be parsed.
pub fn measure(bytes: &[u8]) -> Result<Shape, String> {
    let mut shape = Shape::default();
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(|e| format!("is not valid WebAssembly: {e}"))?;
        let Payload::CodeSectionEntry(body) = payload else {
            continue;
        };
        let bad = |e: wasmparser::BinaryReaderError| format!("is not valid WebAssembly: {e}");
        let mut locals = 0u64;
        for group in body.get_locals_reader().map_err(bad)? {
            let (count, _) = group.map_err(bad)?;
            locals = locals.saturating_add(u64::from(count));
        }
        let mut branches = 0u64;
        let mut ops = body.get_operators_reader().map_err(bad)?;
        while !ops.eof() {
            match ops.read().map_err(bad)? {
                Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => branches += 1,
                Operator::BrTable { targets } => branches = branches.saturating_add(u64::from(targets.len()) + 1),
                _ => {}
            }
        }
        let size = body.range().len() as u64;
        shape.functions += 1;
        shape.max_body = shape.max_body.max(size);
        shape.max_locals = shape.max_locals.max(locals);
        shape.max_branches = shape.max_branches.max(branches);
        shape.max_cost = shape.max_cost.max(locals.saturating_mul(branches));
    }
    Ok(shape)
}

/// Refuses a component whose shape is over the host's limits; the message names the
/// limit, and what the component has.
pub fn check(bytes: &[u8], limits: &HostLimits) -> Result<Shape, String> {
    let shape = measure(bytes)?;
    let checks = [
        ("its number of functions", shape.functions, limits.max_functions),
        (
            "its largest function body, in bytes,",
            shape.max_body,
            limits.max_function_bytes,
        ),
        ("the most locals in one function", shape.max_locals, limits.max_locals),
        (
            "the most branch targets in one function",
            shape.max_branches,
            limits.max_branch_targets,
        ),
        (
            "the largest locals × branch targets of one function",
            shape.max_cost,
            limits.max_compile_cost,
        ),
    ];
    if let Some((what, has, max)) = checks.into_iter().find(|&(_, has, max)| has > max) {
        return Err(format!(
            "{what} is {has}, over the host's limit of {max}: no plugin needs this shape, and compiling it would stall loading"
        ));
    }
    Ok(shape)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_is_measured_function_by_function() {
        let wasm = wat::parse_str(
            r"(module
                (func (local i32 i64) (local f32)
                  (block (loop (br_table 0 1 0 (i32.const 0)))))
                (func (local i32)))",
        )
        .unwrap();
        let shape = measure(&wasm).unwrap();
        assert_eq!(shape.functions, 2);
        assert_eq!(shape.max_locals, 3);
        // block + loop + a br_table of two targets and its default.
        assert_eq!(shape.max_branches, 2 + 3);
        assert_eq!(shape.max_cost, 3 * 5);
    }

    #[test]
    fn garbage_is_not_measured() {
        let err = measure(b"\0asm\x01\0\0\0\x0a\xff\xff").unwrap_err();
        assert!(err.starts_with("is not valid WebAssembly"), "{err}");
    }
}
