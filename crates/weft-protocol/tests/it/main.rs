//! Integration tests of the wire types: request parsing texts, envelopes, shapes.

mod parsing;
