//! Integration tests of the wire types: request parsing texts, envelopes, shapes, and the
//! generated JSON Schema against the reference.

mod fixtures;
mod frames;
mod parsing;
mod schema_diff;
mod schema_reference;
mod wire_shapes;
