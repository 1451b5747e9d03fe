//! weft-sandbox: the kernel-enforced sandbox (Landlock + seccomp) applied in a command's child
//! process before exec.
