//! weft-patch's integration tests: one binary (style.md §8), one module per area.

mod apply;
mod invocation;
mod parser;
mod plan;
mod properties;
mod support;
mod turn_diff;
