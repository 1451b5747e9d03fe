//! Splitting a rollout into pieces and parsing them on several threads, folding in order.
//!
//! The file is cut into more pieces than threads (a few per thread) so that threads that run
//! slower — a fresh allocator arena, a busy core — do not hold the others up: each thread
//! takes the next unparsed piece from a shared counter. The calling thread parses pieces too,
//! and between two of them folds the pieces that are ready in file order, so most of the fold
//! overlaps with the other threads' parsing and only the last piece's fold is left at the end.
//!
//! A worker that cannot open the file, or panics, only stops taking pieces; the calling
//! thread parses whatever is left (a panicked worker's piece is reported as an IO error).

use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};
use std::thread;

use super::fast;
use super::fold::Folder;
use super::region::{RegionLine, RegionLines};
use super::scalar::LineContext;
use super::{DigestOptions, Fact, Span};
use crate::limits::{DIGEST_FACT_BYTES_MIN, DIGEST_PIECES_PER_THREAD};
use crate::reader::ReadError;
use crate::reader::record::Event;

/// Facts with their index among their piece's valid lines.
pub(super) type Facts = Vec<(usize, Fact)>;

/// The facts of the lines starting in one piece of the file, in file order.
#[derive(Debug, Default)]
pub(super) struct PieceDigest {
    /// Facts other than [`Fact::Other`] (and the last-of-kind lines kept aside below), with
    /// their index among the piece's valid lines.
    pub(super) facts: Facts,
    /// Valid lines of the piece (with or without a fact).
    pub(super) valid_lines: usize,
    /// Non-blank lines that are not valid envelopes, or too long.
    pub(super) skipped_lines: usize,
    /// Whether the piece has a non-blank line (valid or not).
    pub(super) any_line: bool,
    /// Ordinal of the piece's last valid line that has one.
    pub(super) last_ordinal: Option<u64>,
    /// The piece's last `turn_context` line (only the file's last one is read again).
    pub(super) last_turn_context: Option<Span>,
    /// The piece's `token_count` lines with non-null `info`, in order (read again from the
    /// file's last one back, until one has usable usage).
    pub(super) token_counts: Vec<Span>,
    /// The piece's goal lines, in order (read again from the file's last one back).
    pub(super) goals: Vec<Span>,
}

impl PieceDigest {
    /// Adds the fact of the next valid line. Consecutive `item_completed` events of one turn
    /// are merged into one run (`items_run` tracks it), so their items reach the turn as one
    /// list: facts that are not events (history, context, usage) do not interrupt a run, as
    /// they do not change the turns.
    fn push(&mut self, fact: Fact, items_run: &mut Option<usize>) {
        let index = self.valid_lines;
        self.valid_lines += 1;
        let (event, user_text) = match fact {
            Fact::Other => return,
            // Only the last of these matter: they stay out of the in-order facts.
            Fact::TurnContext(span) => {
                self.last_turn_context = Some(span);
                return;
            }
            Fact::TokenCount(span) => {
                self.token_counts.push(span);
                return;
            }
            Fact::Goal(span) => {
                self.goals.push(span);
                return;
            }
            Fact::Event { event, user_text } => (event, user_text),
            other => {
                self.facts.push((index, other));
                return;
            }
        };
        let run = items_run.and_then(|position| self.facts.get_mut(position));
        let event = match run {
            Some((
                _,
                Fact::Event {
                    event: run_event,
                    user_text: run_user_text,
                },
            )) => match run_event.merge_items(event) {
                Ok(()) => {
                    if run_user_text.is_none() {
                        *run_user_text = user_text;
                    }
                    return;
                }
                Err(event) => event,
            },
            _ => event,
        };
        *items_run = matches!(event, Event::ItemsCompleted { .. }).then_some(self.facts.len());
        self.facts.push((index, Fact::Event { event, user_text }));
    }
}

/// One digest's work: the file, how it is cut, and what the threads share.
struct Job<'a> {
    path: &'a Path,
    size: u64,
    options: &'a DigestOptions,
    pieces: usize,
    threads: usize,
    /// The next piece no thread has taken yet.
    next_piece: AtomicUsize,
    /// Emptied fact vectors, handed back by the fold for later pieces: their pages are
    /// already faulted in, which on a small VM is much of what a fresh vector costs.
    spare_facts: Mutex<Vec<Facts>>,
}

impl Job<'_> {
    fn new<'a>(path: &'a Path, size: u64, options: &'a DigestOptions) -> Job<'a> {
        let by_size = usize::try_from(size / options.region_bytes_min.max(1)).unwrap_or(usize::MAX);
        let threads = options.threads_max.min(by_size).max(1);
        let pieces = if threads == 1 {
            1
        } else {
            by_size.min(threads.saturating_mul(DIGEST_PIECES_PER_THREAD))
        };
        Job {
            path,
            size,
            options,
            pieces,
            threads,
            next_piece: AtomicUsize::new(0),
            spare_facts: Mutex::new(Vec::new()),
        }
    }

    /// The byte range whose line starts belong to `piece` (the last one runs to the end of the
    /// file, however long it has grown since its size was read).
    fn bounds(&self, piece: usize) -> (u64, u64) {
        let start_of = |piece: usize| {
            let share = u128::from(self.size) * piece as u128 / self.pieces as u128;
            u64::try_from(share).unwrap_or(self.size)
        };
        let end = if piece + 1 >= self.pieces {
            u64::MAX
        } else {
            start_of(piece + 1)
        };
        (start_of(piece), end)
    }

    /// Takes the next piece nobody has taken, if any is left.
    fn take_piece(&self) -> Option<usize> {
        let piece = self.next_piece.fetch_add(1, Ordering::Relaxed);
        (piece < self.pieces).then_some(piece)
    }

    /// Makes every later [`Job::take_piece`] come back empty.
    fn stop(&self) {
        self.next_piece.store(self.pieces, Ordering::Relaxed);
    }

    fn spare_facts(&self) -> Facts {
        let spare = self
            .spare_facts
            .lock()
            .ok()
            .and_then(|mut spare| spare.pop());
        spare.unwrap_or_default()
    }

    fn give_back(&self, facts: Facts) {
        if facts.capacity() > 0
            && let Ok(mut spare) = self.spare_facts.lock()
        {
            spare.push(facts);
        }
    }

    /// Parses the lines starting in `piece`, reading through `file` and `buffer`.
    fn read_piece(
        &self,
        file: &File,
        buffer: &mut Vec<u8>,
        piece: usize,
    ) -> io::Result<PieceDigest> {
        let (start, end) = self.bounds(piece);
        let mut lines = RegionLines::open(
            file,
            buffer,
            start,
            end,
            self.options.block_bytes,
            self.options.line_bytes_max,
        )?;
        let mut facts = self.spare_facts();
        facts.reserve(expected_facts(start, end, self.size));
        let mut digest = PieceDigest {
            facts,
            ..PieceDigest::default()
        };
        let context = LineContext::default();
        // Where in `facts` the current run of `item_completed` events is.
        let mut items_run = None;
        while let Some(line) = lines.next_line()? {
            let (offset, bytes) = match line {
                RegionLine::Bytes { offset, bytes } => (offset, bytes),
                RegionLine::Oversized => {
                    digest.any_line = true;
                    digest.skipped_lines += 1;
                    continue;
                }
            };
            if bytes.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            digest.any_line = true;
            let span = Span {
                offset,
                len: bytes.len(),
            };
            let Some((ordinal, fact)) = fast::parse_line(bytes, span, &context) else {
                digest.skipped_lines += 1;
                continue;
            };
            digest.last_ordinal = ordinal.or(digest.last_ordinal);
            if let Fact::Event {
                user_text: Some(_), ..
            } = &fact
            {
                // Only the first user event of the file is the preview, so only the first of
                // each piece can be.
                context.preview_found();
            }
            digest.push(fact, &mut items_run);
        }
        Ok(digest)
    }
}

/// A generous estimate of the facts of a range, so their vector never moves while it fills
/// (reserved capacity that is never written costs no memory).
fn expected_facts(start: u64, end: u64, size: u64) -> usize {
    let bytes = end.min(size).saturating_sub(start);
    usize::try_from(bytes / DIGEST_FACT_BYTES_MIN).unwrap_or(0)
}

/// Parses the whole file at `path` (already open as `file`, `size` bytes) and pushes every
/// piece, in file order, into `folder`.
pub(super) fn digest_pieces(
    path: &Path,
    file: &File,
    size: u64,
    options: &DigestOptions,
    folder: &mut Folder<'_>,
) -> Result<(), ReadError> {
    let job = Job::new(path, size, options);
    let io_error = |source| ReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut buffer = Vec::new();
    if job.threads == 1 {
        let piece = job.read_piece(file, &mut buffer, 0).map_err(io_error)?;
        return folder.push(piece).map(drop);
    }
    let (sender, receiver) = mpsc::channel();
    thread::scope(|scope| {
        let workers: Vec<_> = (1..job.threads)
            .map(|_| {
                let sender = sender.clone();
                let job = &job;
                scope.spawn(move || work(job, &sender))
            })
            .collect();
        drop(sender);
        let mut folding = Folding {
            job: &job,
            file,
            buffer: &mut buffer,
            ready: (0..job.pieces).map(|_| None).collect(),
            next_to_fold: 0,
        };
        let result = folding.run(&receiver, folder, &io_error);
        // Stop the workers early on an error; join them so a panic stays a value.
        job.stop();
        for worker in workers {
            if worker.join().is_err() {
                tracing::error!("rollout digest worker panicked");
            }
        }
        result
    })
}

type Parsed = (usize, io::Result<PieceDigest>);

/// A worker thread: parses pieces until none is left, sending each to the folding thread.
fn work(job: &Job<'_>, sender: &mpsc::Sender<Parsed>) {
    let Ok(file) = File::open(job.path) else {
        // The calling thread parses the pieces this worker would have taken.
        return;
    };
    let mut buffer = Vec::new();
    while let Some(piece) = job.take_piece() {
        let parsed = job.read_piece(&file, &mut buffer, piece);
        if sender.send((piece, parsed)).is_err() {
            return;
        }
    }
}

/// The calling thread's side: its own share of the parsing, and the in-order fold.
struct Folding<'a, 'j> {
    job: &'a Job<'j>,
    file: &'a File,
    buffer: &'a mut Vec<u8>,
    /// Pieces parsed but not yet folded.
    ready: Vec<Option<io::Result<PieceDigest>>>,
    /// The next piece the fold needs.
    next_to_fold: usize,
}

impl Folding<'_, '_> {
    /// Folds every piece in order: those the workers send, and those this thread parses
    /// itself whenever the next piece to fold is not ready.
    fn run(
        &mut self,
        receiver: &mpsc::Receiver<Parsed>,
        folder: &mut Folder<'_>,
        io_error: &impl Fn(io::Error) -> ReadError,
    ) -> Result<(), ReadError> {
        while self.next_to_fold < self.ready.len() {
            while let Ok((piece, parsed)) = receiver.try_recv() {
                self.ready[piece] = Some(parsed);
            }
            self.fold_ready(folder, io_error)?;
            if self.next_to_fold == self.ready.len() {
                break;
            }
            let (piece, parsed) = match self.job.take_piece() {
                Some(piece) => (piece, self.job.read_piece(self.file, self.buffer, piece)),
                None => receiver
                    .recv()
                    .map_err(|_| io_error(io::Error::other("rollout digest worker panicked")))?,
            };
            self.ready[piece] = Some(parsed);
        }
        Ok(())
    }

    fn fold_ready(
        &mut self,
        folder: &mut Folder<'_>,
        io_error: &impl Fn(io::Error) -> ReadError,
    ) -> Result<(), ReadError> {
        while let Some(parsed) = self.ready.get_mut(self.next_to_fold).and_then(Option::take) {
            let spare = folder.push(parsed.map_err(io_error)?)?;
            self.job.give_back(spare);
            self.next_to_fold += 1;
        }
        Ok(())
    }
}
