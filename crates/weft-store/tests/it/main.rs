//! weft-store's integration tests: one binary (style.md §8), one module per area.

mod digest;
mod goal;
mod index;
mod item_codec;
mod layout;
mod list;
mod properties;
mod reader;
mod sample;
mod session_index;
mod support;
mod writer;
