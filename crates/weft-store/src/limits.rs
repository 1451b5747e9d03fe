//! Every size and count bound of weft-store, in one place (style.md §7).
//!
//! The store reads files written by other processes (the reference codex, older versions, a
//! crashed weft), so each read is bounded: a corrupt or hostile file costs at most these many
//! bytes of memory and time, and is reported as skipped lines rather than a failure. Relations
//! between the constants are asserted at compile time at the bottom of this file.

use std::time::Duration;

/// Longest rollout line the readers accept, in bytes (without the `\n`).
///
/// Lines hold whole tool outputs and base instructions; the reference caps tool output far
/// below this, so a longer line is corruption (or a runaway writer) and is skipped and counted
/// instead of being buffered. 64 MiB keeps a pathological line from exhausting memory while
/// leaving two orders of magnitude of headroom over real lines (the largest in the sample is
/// 22 KB).
pub const LINE_BYTES_MAX: usize = 64 * 1024 * 1024;

/// Largest rollout file [`crate::read_rollout`] loads into memory, in bytes.
///
/// A full read keeps every line (model history is rebuilt from it); past 2 GiB a thread is
/// unusable for the model anyway, and refusing it with a clear error beats an out-of-memory
/// abort of the whole server.
pub const ROLLOUT_BYTES_MAX: u64 = 2 * 1024 * 1024 * 1024;

/// Chunk size used when scanning a rollout backwards from its end, in bytes.
///
/// `RolloutWriter::open_append` and the index summary read the tail this many bytes at a
/// time; 64 KiB covers the last few lines of a typical rollout in a single read.
pub const TAIL_CHUNK_BYTES: usize = 64 * 1024;

/// How many trailing lines `RolloutWriter::open_append` reads backwards (at least; it reads whole
/// [`TAIL_CHUNK_BYTES`] chunks) before it falls back to a full forward scan to find the last
/// valid line.
///
/// Normally the last line is valid, or the one before it when a crash cut the last line. More
/// broken lines in a row mean real corruption, where a slow but exact scan is the better trade.
pub const TAIL_LINES_TRIED_MAX: usize = 16;

/// Bytes each [`crate::digest_rollout`] worker reads from the file at a time.
///
/// The block is reused for the whole range, so it stays in cache while its lines are parsed;
/// 256 KiB holds hundreds of ordinary lines (a line longer than a block grows the buffer, up
/// to [`LINE_BYTES_MAX`]) and makes the read syscalls negligible. Larger blocks measured no
/// faster and fault in more memory per worker.
pub const DIGEST_BLOCK_BYTES: usize = 256 * 1024;

/// Smallest share of a rollout worth a [`crate::digest_rollout`] thread of its own, in bytes.
///
/// Starting a thread costs tens of microseconds and parsing 1 MiB a few milliseconds, so
/// below this a file (most rollouts are tens of KB) is read by the calling thread alone.
pub const DIGEST_REGION_BYTES_MIN: u64 = 1024 * 1024;

/// Most threads one [`crate::digest_rollout`] uses.
///
/// A resume is latency-bound and parsing scales with cores, but one resume should not take
/// over a large server; past 8 threads the file read and the sequential fold dominate anyway.
pub const DIGEST_THREADS_MAX: usize = 8;

/// Pieces per thread a rollout is cut into by [`crate::digest_rollout`].
///
/// Threads take pieces from a shared counter, so more pieces than threads even out threads
/// that run slower (a fresh allocator arena, a busy core), and the fold of finished pieces
/// overlaps with the parsing of later ones. Four leaves pieces of megabytes on a large file,
/// where the per-piece costs (a seek, a partial line read twice) are negligible.
pub const DIGEST_PIECES_PER_THREAD: usize = 4;

/// How much a [`crate::digest_rollout`] worker reads at a time past the end of its piece, in
/// bytes, where only the piece's last line is still being finished.
///
/// Lines are typically a few hundred bytes, so a whole block read there would mostly be the
/// next piece's bytes, read twice; a longer last line just takes a few more reads.
pub const DIGEST_PAST_END_READ_BYTES: usize = 16 * 1024;

/// Fewest bytes a rollout line that matters to the digest takes (envelope, timestamp, a short
/// payload), used to reserve the per-piece fact vector once.
///
/// The vector is reserved once per piece: an estimate that is too low makes it grow and copy
/// its facts, one that is too high only reserves address space that is never written.
pub const DIGEST_FACT_BYTES_MIN: u64 = 128;

/// Files up to this size are summarised for the index by reading every line, in bytes.
///
/// Most rollouts are small (one turn is ~40 KB, most of it base instructions), and a full pass
/// gives exact values for the model, recency and update time. Larger files are summarised from
/// their head ([`SUMMARY_HEAD_BYTES_MAX`]) and tail ([`SUMMARY_TAIL_BYTES`]) only, so a first
/// open over tens of thousands of threads stays bounded by the number of files, not their size.
pub const SUMMARY_FULL_READ_BYTES_MAX: u64 = 512 * 1024;

/// How far into a large file the index summary looks for the session metadata and the first
/// user message, in bytes.
///
/// The first user message follows the context items of the first turn (tens of KB); 4 MiB
/// leaves room for very long developer instructions while bounding the cost of a file that has
/// no user message at all.
pub const SUMMARY_HEAD_BYTES_MAX: u64 = 4 * 1024 * 1024;

/// How much of the end of a large file the index summary reads first for the latest turn start,
/// model and line timestamp, in bytes.
///
/// A turn's own lines are small; 256 KiB usually holds the last turn start. When big tool
/// outputs push it out, the window grows fourfold up to [`SUMMARY_TAIL_BYTES_MAX`].
pub const SUMMARY_TAIL_BYTES: u64 = 256 * 1024;

/// Largest tail window of the index summary, in bytes.
///
/// Past it the summary keeps the head's values (an older turn start and model) rather than read
/// a huge file further; the listing's recency is then approximate, never wrong by more than one
/// long turn.
pub const SUMMARY_TAIL_BYTES_MAX: u64 = 16 * 1024 * 1024;

/// Depth of the `sessions/YYYY/MM/DD/` tree the file scan descends into.
///
/// Three levels of date folders; anything deeper is not the reference layout and is ignored.
pub const SESSIONS_TREE_DEPTH_MAX: usize = 3;

/// SQLite busy timeout: how long a statement waits for another connection's lock.
///
/// Same value as the reference (core.md §5.6). Only weft's own processes open the index, and
/// their transactions are short, so hitting this means something is stuck.
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Rows written per SQLite transaction while rebuilding the index.
///
/// Large enough that a rebuild of 100,000 rows is a few hundred commits, small enough that a
/// concurrent reader (WAL) never waits long.
pub const REBUILD_BATCH_ROWS: usize = 1000;

/// Most worker threads used to read rollout summaries during an index rebuild.
///
/// Reading is IO and JSON bound; beyond a handful of threads the disk is the bottleneck.
pub const REBUILD_THREADS_MAX: usize = 8;

/// Default page size of `thread/list` (protocol.md §3.1).
pub const LIST_LIMIT_DEFAULT: u32 = 25;

/// Smallest page size of `thread/list`; smaller requests are clamped up to it.
pub const LIST_LIMIT_MIN: u32 = 1;

/// Largest page size of `thread/list`; larger requests are clamped down to it.
pub const LIST_LIMIT_MAX: u32 = 100;

/// Most ids `excludedThreadIds` may hold; a longer list is rejected, never truncated
/// (`ThreadListParams.json`).
pub const LIST_EXCLUDED_IDS_MAX: usize = 100;

/// Most thread ids one read-state query binds: SQLite allows 999 bound parameters in older
/// builds, so larger sets are read in chunks of this size (the reference uses 998).
pub const READ_STATES_BATCH_MAX: usize = 900;

/// Most paths a `thread/list` `cwd` filter may hold.
///
/// Each path is one bound SQL parameter; SQLite's default limit is 32,766, and no client sends
/// more than a handful.
pub const LIST_CWDS_MAX: usize = 1000;

/// Byte budget of earlier user messages kept when a legacy `compacted` line (one without
/// `replacement_history`) is turned back into model history.
///
/// core.md §6.2 keeps 20,000 tokens of user messages; at the usual estimate of 4 bytes per
/// token that is 80,000 bytes.
pub const COMPACTED_USER_HISTORY_BYTES_MAX: usize = 80_000;

const _: () = assert!(LIST_LIMIT_MIN <= LIST_LIMIT_DEFAULT && LIST_LIMIT_DEFAULT <= LIST_LIMIT_MAX);
const _: () = assert!(TAIL_CHUNK_BYTES as u64 <= SUMMARY_TAIL_BYTES);
const _: () = assert!(SUMMARY_TAIL_BYTES <= SUMMARY_TAIL_BYTES_MAX);
const _: () = assert!(SUMMARY_FULL_READ_BYTES_MAX <= SUMMARY_HEAD_BYTES_MAX);
const _: () = assert!(SUMMARY_HEAD_BYTES_MAX <= ROLLOUT_BYTES_MAX);
const _: () = assert!(TAIL_LINES_TRIED_MAX >= 2);
const _: () =
    assert!(READ_STATES_BATCH_MAX >= LIST_LIMIT_MAX as usize && READ_STATES_BATCH_MAX < 999);
const _: () = assert!(DIGEST_BLOCK_BYTES <= LINE_BYTES_MAX);
const _: () = assert!(DIGEST_THREADS_MAX >= 1);
const _: () = assert!(DIGEST_REGION_BYTES_MIN >= DIGEST_BLOCK_BYTES as u64);
const _: () = assert!(DIGEST_PAST_END_READ_BYTES <= DIGEST_BLOCK_BYTES);
const _: () = assert!(DIGEST_PIECES_PER_THREAD >= 1);
