//! Giving freed heap memory back to the kernel after large frees (weft-memory), one release at
//! a time and off the async workers. Callers hint; hints while a release runs fold into one
//! more release after it, so a burst (500 threads unloading) costs a few releases, not 500.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Coalesces release requests; shared by the actors and the connections' writers.
#[derive(Debug, Default)]
pub struct MemoryReleaser {
    /// A release task runs.
    running: AtomicBool,
    /// A hint came since the running release started.
    again: AtomicBool,
}

impl MemoryReleaser {
    /// Asks for the allocator's free pages to go back to the kernel, soon, on a blocking
    /// thread. Cheap to call; call it after freeing a lot at once.
    pub fn release_soon(self: &Arc<Self>) {
        self.again.store(true, Ordering::SeqCst);
        if self.running.swap(true, Ordering::SeqCst) {
            return;
        }
        let this = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            loop {
                while this.again.swap(false, Ordering::SeqCst) {
                    let released = weft_memory::release_free_memory();
                    tracing::trace!(released, "heap memory released");
                }
                this.running.store(false, Ordering::SeqCst);
                // A hint that came after the last check saw `running` still set and left the
                // work to this task: take it, unless another task already did.
                if !this.again.load(Ordering::SeqCst) || this.running.swap(true, Ordering::SeqCst) {
                    break;
                }
            }
        });
    }
}
