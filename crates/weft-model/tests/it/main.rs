//! weft-model integration tests: the real HTTP client against weft-test-support's mock.
//!
//! One test binary (style.md §8); each module covers one concern.

mod cancel;
mod errors;
mod request;
mod retries;
mod scripted;
mod streaming;
mod support;
