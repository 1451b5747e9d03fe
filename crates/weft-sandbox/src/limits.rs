//! Every bound this crate enforces, in one place (style.md §7).

/// The oldest Landlock ABI the sandbox accepts. ABI 3 (Linux 6.2) is the first that handles
/// `truncate(2)`; below it a sandboxed command could truncate any file it can read, which breaks
/// the promise that writes outside the writable roots fail.
pub const LANDLOCK_ABI_MIN: i32 = 3;

/// The newest Landlock ABI whose access rights this crate requests. Rights of newer ABIs are
/// never requested implicitly (the landlock crate's compatibility contract): a kernel with a
/// newer ABI gets exactly the tested behaviour of this one. ABI 7 (Linux 6.15) is what the
/// tests run on.
pub const LANDLOCK_ABI_TESTED: i32 = 7;

/// Landlock ABI that added scopes (signals and abstract UNIX sockets, Linux 6.12). Below it,
/// signals to processes outside the command's tree are not restricted (see the crate docs).
pub const LANDLOCK_ABI_SCOPES: i32 = 6;

/// Most Landlock rules one policy may produce. Roots holding a protected entry are expanded into
/// one rule per entry along the way to that entry; a directory with more entries than this (a
/// huge `/tmp`) would make preparation slow and the kernel ruleset large, so it is refused with
/// a clear error instead.
pub const LANDLOCK_RULES_MAX: usize = 10_000;

/// Most path components a protected path may have below the writable root containing it (a
/// `gitdir:` can point deep into another root); the expansion descends one directory level per
/// component. Deeper protected paths are refused rather than walked without bound.
pub const PROTECTED_DEPTH_MAX: usize = 32;

/// Largest `.git` file (`gitdir: …`) or `commondir` file read while resolving protected paths;
/// real ones are one short line, anything bigger is not a git pointer.
pub const GIT_POINTER_BYTES_MAX: u64 = 4096;

// The ABIs are ordered: the minimum has no scopes yet, the tested one has them.
const _: () = assert!(LANDLOCK_ABI_MIN < LANDLOCK_ABI_SCOPES);
const _: () = assert!(LANDLOCK_ABI_SCOPES <= LANDLOCK_ABI_TESTED);
