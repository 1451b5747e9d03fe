//! Every bound of weft-core in one place (style.md §7). Each constant says why it has its value.
//! `thread/list` page sizes belong to weft-store's index (`weft_store::limits`).

use std::time::Duration;

/// Notifications (and server requests) queued for one client before it counts as too slow and
/// is disconnected (R39), unless the server raises the bound for its connection
/// (`ClientSink::set_notification_depth`; see weft-server's limits). A full turn with streaming deltas is a few hundred
/// messages; 4096 absorbs a burst of several turns on many threads.
pub const CLIENT_QUEUE_DEPTH: usize = 4096;

/// Estimated bytes queued for one client (see `Outbound::queue_bytes`) above which its
/// connection stops reading new requests until the writer has drained the queue to
/// [`CLIENT_QUEUE_BYTES_RESUME`] (backpressure): a client that sends requests and does not read
/// the answers stalls itself, not the server. Answers to requests already read are always
/// queued, so this is a soft bound: a single answer larger than it (a long thread's resume)
/// still goes out. 8 MiB keeps a connection that reads at any sane speed from ever pausing
/// while bounding a stuck one to a few answers.
pub const CLIENT_QUEUE_BYTES_MAX: usize = 8 * 1024 * 1024;

/// Queued bytes at or below which a paused connection reads requests again: half the budget, so
/// a client that reads slowly is resumed in bursts, not once per answer.
pub const CLIENT_QUEUE_BYTES_RESUME: usize = CLIENT_QUEUE_BYTES_MAX / 2;

/// Queued messages above which a connection stops reading new requests (backpressure by count,
/// for many small answers): half of [`CLIENT_QUEUE_DEPTH`], so the answers of requests already
/// in flight and the notifications of its threads still fit before the notification bound.
pub const CLIENT_QUEUE_PAUSE_DEPTH: usize = CLIENT_QUEUE_DEPTH / 2;

/// Estimated bytes of notifications and server requests queued for one client before it is
/// disconnected as too slow (R39), on every transport: the memory a stuck client may cost the
/// process at most beyond the answers it asked for. Notifications are counted at
/// [`NOTIFICATION_BYTES_ESTIMATE`] each, so where the server raises the message bound this is
/// the bound that holds.
pub const CLIENT_QUEUE_NOTIFICATION_BYTES_MAX: usize = 64 * 1024 * 1024;

/// What one queued notification or server request counts as in the byte accounting. Measuring
/// it would mean serialising it twice; deltas are far smaller, completed items with long output
/// larger, and the per-message bound keeps the estimate's error bounded too.
pub const NOTIFICATION_BYTES_ESTIMATE: usize = 1024;

/// Capacity of a client's channel: a hard stop no backpressure should ever reach. Answers are
/// refused (and the client closed) only here; the reader pauses at [`CLIENT_QUEUE_PAUSE_DEPTH`]
/// and in-flight requests and thread commands are bounded far below this.
pub const CLIENT_QUEUE_MESSAGES_MAX: usize = 65_536;

const _: () = assert!(CLIENT_QUEUE_BYTES_RESUME < CLIENT_QUEUE_BYTES_MAX);
const _: () = assert!(CLIENT_QUEUE_PAUSE_DEPTH < CLIENT_QUEUE_DEPTH);
const _: () = assert!(CLIENT_QUEUE_DEPTH <= CLIENT_QUEUE_MESSAGES_MAX);
const _: () = assert!(CLIENT_QUEUE_BYTES_MAX < CLIENT_QUEUE_NOTIFICATION_BYTES_MAX);

/// Commands queued for one thread actor. Commands are small and handled in microseconds; a
/// client that fills this is flooding one thread, and gets `Server overloaded; retry later.`
pub const THREAD_COMMAND_QUEUE_DEPTH: usize = 256;

/// Events queued from a running turn to its thread actor. The turn task waits when it is full,
/// which throttles the model stream to the speed of the actor instead of buffering without end.
pub const TURN_EVENT_QUEUE_DEPTH: usize = 512;

/// Threads held in memory at once. Past this `thread/start` and cold `thread/resume` fail with
/// a clear error rather than exhausting memory; idle unload (lifecycle issue) keeps it low.
pub const LOADED_THREADS_MAX: usize = 10_000;

/// How long `turn/interrupt` may wait for a turn to stop before answering anyway.
pub const INTERRUPT_WAIT: Duration = Duration::from_secs(10);

/// How long shutdown waits for threads to end their background commands: the SIGTERM grace of
/// weft-exec plus its bounded reap wait, with a margin.
pub const PROCESS_TERMINATION_WAIT: Duration = Duration::from_secs(10);

/// Model requests in one turn (sampling loop iterations). A model that keeps calling tools
/// forever must not run forever; 256 is far above any real turn.
pub const SAMPLING_REQUESTS_PER_TURN_MAX: usize = 256;

/// Output chunks of one running command queued for `item/commandExecution/outputDelta`. A
/// full queue drops chunks (weft-exec counts them) instead of stalling the child; the item's
/// `aggregatedOutput` still has everything. 64 chunks of up to 64 KiB absorb any burst the
/// actor cannot forward at once.
pub const COMMAND_DELTA_QUEUE_DEPTH: usize = weft_exec::limits::DELTA_CHANNEL_DEPTH_ADVICE;

/// Output bytes of one command call streamed as `item/commandExecution/outputDelta`. Past it the
/// rest is not streamed (the item's `aggregatedOutput` and the model's output still have the
/// head and tail): a command printing gigabytes must not push gigabytes through every client's
/// queue, which would cut slow clients off (R39). 8 MiB is far more than any UI shows live.
pub const COMMAND_DELTA_BYTES_MAX: usize = 8 * 1024 * 1024;

/// How much weft's resident memory may grow while one command prints without end: weft-exec's
/// two 1 MiB output buffers, the delta queue (64 chunks of up to 64 KiB), the deltas in flight
/// to a client, allocator slack. Checked by a test that runs a 1 GiB command on the binary.
pub const COMMAND_FLOOD_RSS_GROWTH_MAX: u64 = 64 * 1024 * 1024;

const _: () = assert!(COMMAND_DELTA_BYTES_MAX as u64 <= COMMAND_FLOOD_RSS_GROWTH_MAX);

/// Largest image `view_image` sends to the model. Providers reject request bodies of a few
/// tens of MiB; 20 MiB of image (≈27 MiB as base64) stays under that with the rest of history.
pub const VIEW_IMAGE_BYTES_MAX: u64 = 20 * 1024 * 1024;

/// Continuation turns a goal may start in a row without user input (a `turn/start`, a goal
/// set by a client, a resume). An active goal without a budget would otherwise let a model
/// that never calls `update_goal` run unattended forever. 50 turns of up to
/// [`SAMPLING_REQUESTS_PER_TURN_MAX`] requests each is hours of autonomous work — more than a
/// goal that is really progressing needs before someone looks at it — while a model stuck in a
/// loop stops at a bounded cost. When it is reached the goal is paused (`thread/goal/updated`)
/// and the thread's subscribers get a `warning` saying why; setting the goal active resumes it.
pub const GOAL_CONTINUATION_TURNS_MAX: usize = 50;

/// Turns or items per `thread/turns/list` / `thread/items/list` page by default.
pub const HISTORY_PAGE_DEFAULT: u32 = 50;

/// Largest `thread/turns/list` / `thread/items/list` page.
pub const HISTORY_PAGE_MAX: u32 = 1000;

const _: () = assert!(HISTORY_PAGE_DEFAULT <= HISTORY_PAGE_MAX);
const _: () = assert!(TURN_EVENT_QUEUE_DEPTH >= 2);

/// How long an unloading thread may take to stop (its background commands ended, its rollout
/// synced) before the unload is given up and the thread stays loaded (lifecycle.md R17, R18).
pub const THREAD_SHUTDOWN_WAIT: Duration = Duration::from_secs(10);

/// Folder levels `skills/list` descends below a skills root (the root is level 0): the
/// reference 0.169.0's `MAX_SCAN_DEPTH`. Skills sit one or two levels down; the bound keeps a
/// deep tree under `.codex/skills` from turning a listing into a disk walk.
pub const SKILL_SCAN_DEPTH_MAX: usize = 6;

/// Folders `skills/list` visits under one skills root, the root included: the reference's
/// `MAX_SKILLS_DIRS_PER_ROOT`. Past it the scan of that root stops with a logged warning; 2000
/// folders hold hundreds of skills with their assets.
pub const SKILL_SCAN_DIRS_MAX: usize = 2000;

/// Bytes of one SKILL.md read to find its front matter. The reference reads the whole file; only
/// the front matter matters (a name and two descriptions of at most 1024 characters), so weft
/// reads a prefix and a multi-gigabyte SKILL.md costs 64 KiB instead of its size.
pub const SKILL_FILE_READ_BYTES_MAX: u64 = 64 * 1024;

/// Characters of a skill's `name` (the reference's `MAX_NAME_LEN`); longer is an error entry.
pub const SKILL_NAME_CHARS_MAX: usize = 64;

/// Characters of a skill's `description` and `metadata.short-description` (the reference's
/// `MAX_DESCRIPTION_LEN`); longer is an error entry.
pub const SKILL_DESCRIPTION_CHARS_MAX: usize = 1024;

/// `cwds` of one `skills/list` request. Each cwd is a scan of up to a few roots; 256 is far more
/// than any client asks for at once and keeps one request from queuing thousands of scans.
pub const SKILLS_LIST_CWDS_MAX: usize = 256;

// A front matter whose fields are all at their limits (4 bytes a character at worst, plus keys
// and quoting) fits in the prefix read.
const _: () = assert!(
    (SKILL_FILE_READ_BYTES_MAX as usize)
        >= 8 * (SKILL_NAME_CHARS_MAX + 2 * SKILL_DESCRIPTION_CHARS_MAX)
);

/// `turn/steer` inputs queued for one running turn before the turn takes them. A turn takes
/// them at its next step (at once while the model streams); a client that steers faster than
/// that gets `Server overloaded; retry later.` rather than growing the queue.
pub const STEER_QUEUE_DEPTH: usize = 64;

/// Notifications a thread keeps for `thread/resume` after an event position (R38 ★): enough
/// for a client to reconnect after a short outage mid-turn (one streamed answer is a few hundred
/// deltas). Kept only by threads an opted-in connection subscribed to; a position older than
/// the buffer is refused with the oldest one still available.
pub const EVENT_REPLAY_NOTIFICATIONS_MAX: usize = 4096;

/// An idle thread keeps its transcript (history items plus turn items) in memory up to this
/// length; a longer one is dropped when the thread goes idle, read back from the rollout when
/// needed, and its memory given back to the kernel (`MemoryReleaser`). A short transcript costs
/// less than reading it back before every turn of a conversation (measured: 100 turns on one
/// thread left RSS 26 MiB when every transcript was dropped, 18 MiB when short ones stay).
pub const TRANSCRIPT_KEPT_ITEMS_MAX: usize = 1_000;
