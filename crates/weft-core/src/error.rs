//! Errors of building the core (request errors are JSON-RPC errors, see weft-protocol).

/// Why the core could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The home folder or the thread index could not be opened.
    #[error("cannot open the thread store in {home}: {message}")]
    Store {
        /// The home folder.
        home: String,
        /// What went wrong.
        message: String,
    },
}
