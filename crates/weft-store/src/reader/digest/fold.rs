//! The in-order fold of parsed pieces into a [`RolloutDigest`].
//!
//! Pieces arrive in file order, possibly while later pieces are still being parsed. Turns need
//! the thread id (the seed of derived ids) before their first event, so pieces that come
//! before the first `session_meta` wait; in practice the first line is the `session_meta` and
//! nothing waits. Everything else is the same fold `Rollout` does, with the same builders.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::mem;

use serde_json::Value;

use super::pieces::{Facts, PieceDigest};
use super::{Fact, RolloutDigest, Span};
use crate::goal::{GoalRecord, goal_record};
use crate::line::RolloutLine;
use crate::reader::ReadError;
use crate::reader::history::HistoryBuilder;
use crate::reader::meta::SessionMeta;
use crate::reader::record::Event;
use crate::reader::turns::TurnsBuilder;
use crate::reader::usage::token_usage_of_line;

/// Accumulates pieces, in file order.
pub(super) struct Folder<'f> {
    /// The rollout, for reading the last `turn_context` and `token_count` lines again.
    file: &'f File,
    any_line: bool,
    skipped_lines: usize,
    last_ordinal: Option<u64>,
    /// Valid lines in the pieces pushed so far (the index of the next piece's first line).
    valid_lines: usize,
    /// The last `turn_context` line so far.
    last_turn_context: Option<Span>,
    /// `token_count` lines with non-null `info`, in file order.
    token_counts: Vec<Span>,
    /// Goal lines, in file order.
    goals: Vec<Span>,
    /// Pieces pushed before the identity was known, with their first line index.
    waiting: Vec<(usize, PieceDigest)>,
    /// The fold proper, from the first `session_meta` on.
    state: Option<FoldState>,
}

struct FoldState {
    meta: SessionMeta,
    turns: TurnsBuilder,
    history: HistoryBuilder,
    preview: Option<String>,
}

impl<'f> Folder<'f> {
    pub(super) fn new(file: &'f File) -> Folder<'f> {
        Folder {
            file,
            any_line: false,
            skipped_lines: 0,
            last_ordinal: None,
            valid_lines: 0,
            last_turn_context: None,
            token_counts: Vec::new(),
            goals: Vec::new(),
            waiting: Vec::new(),
            state: None,
        }
    }

    /// Folds the next piece of the file; returns its emptied fact vector for reuse (empty
    /// and unallocated while pieces wait for the identity).
    ///
    /// # Errors
    /// [`ReadError::InvalidSessionMeta`] when the piece holds the first `session_meta` and it
    /// is unusable.
    pub(super) fn push(&mut self, mut piece: PieceDigest) -> Result<Facts, ReadError> {
        self.any_line |= piece.any_line;
        self.skipped_lines += piece.skipped_lines;
        self.last_ordinal = piece.last_ordinal.or(self.last_ordinal);
        self.last_turn_context = piece.last_turn_context.or(self.last_turn_context);
        self.token_counts.append(&mut piece.token_counts);
        self.goals.append(&mut piece.goals);
        let first_line = self.valid_lines;
        self.valid_lines += piece.valid_lines;
        if let Some(state) = &mut self.state {
            return Ok(state.fold(first_line, piece));
        }
        let Some(meta) = first_session_meta(&piece) else {
            self.waiting.push((first_line, piece));
            return Ok(Facts::new());
        };
        let mut state = FoldState::new(SessionMeta::from_payload(meta)?);
        for (waiting_first_line, waiting) in mem::take(&mut self.waiting) {
            state.fold(waiting_first_line, waiting);
        }
        let facts = state.fold(first_line, piece);
        self.state = Some(state);
        Ok(facts)
    }

    /// The digest of every piece pushed.
    ///
    /// # Errors
    /// [`ReadError::Empty`] or [`ReadError::NoSessionMeta`]; IO errors reading a line again.
    pub(super) fn finish(self) -> Result<RolloutDigest, ReadError> {
        if !self.any_line {
            return Err(ReadError::Empty);
        }
        let state = self.state.ok_or(ReadError::NoSessionMeta)?;
        if self.skipped_lines > 0 {
            tracing::debug!(
                skipped_lines = self.skipped_lines,
                "rollout lines skipped while reading"
            );
        }
        let last_turn_context = match self.last_turn_context {
            Some(span) => reread(self.file, span)?.map(|line| line.payload),
            None => None,
        };
        let mut last_token_usage = None;
        for span in self.token_counts.into_iter().rev() {
            last_token_usage = reread(self.file, span)?.and_then(|line| token_usage_of_line(&line));
            if last_token_usage.is_some() {
                break;
            }
        }
        let mut last_goal = None;
        for span in self.goals.into_iter().rev() {
            last_goal = reread(self.file, span)?.as_ref().and_then(goal_record);
            if last_goal.is_some() {
                break;
            }
        }
        Ok(RolloutDigest {
            last_model: last_turn_context
                .as_ref()
                .and_then(|context| context.get("model"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            meta: state.meta,
            preview: state.preview.unwrap_or_default(),
            turns: state.turns.finish(),
            model_history: state.history.finish(),
            last_token_usage,
            last_turn_context,
            last_goal: last_goal.and_then(GoalRecord::into_goal),
            last_ordinal: self.last_ordinal,
            skipped_lines: self.skipped_lines,
        })
    }
}

fn first_session_meta(piece: &PieceDigest) -> Option<&Value> {
    piece.facts.iter().find_map(|(_, fact)| match fact {
        Fact::SessionMeta(payload) => Some(payload),
        _ => None,
    })
}

impl FoldState {
    fn new(meta: SessionMeta) -> FoldState {
        FoldState {
            turns: TurnsBuilder::new(meta.id),
            meta,
            history: HistoryBuilder::default(),
            preview: None,
        }
    }

    /// Folds a piece whose first valid line is the `first_line`-th of the file; returns its
    /// emptied fact vector.
    fn fold(&mut self, first_line: usize, mut piece: PieceDigest) -> Facts {
        for (index, fact) in piece.facts.drain(..) {
            match fact {
                // Kept out of the facts by `PieceDigest::push`.
                Fact::SessionMeta(_)
                | Fact::TurnContext(_)
                | Fact::TokenCount(_)
                | Fact::Goal(_)
                | Fact::Other => {}
                Fact::ResponseItem(item) => self.history.push(item),
                Fact::Compacted(payload) => self.history.compact(&payload),
                Fact::Event { event, user_text } => {
                    if self.preview.is_none() {
                        self.preview = user_text;
                    }
                    if let Event::RolledBack { user_turns, .. } = event {
                        self.history.roll_back(user_turns);
                    }
                    self.turns.event(first_line + index, event);
                }
            }
        }
        piece.facts
    }
}

/// The line at `span`, read and parsed again (rollouts are append-only, so it is unchanged).
fn reread(file: &File, span: Span) -> Result<Option<RolloutLine>, ReadError> {
    let io_error = |source| ReadError::Io {
        path: std::path::PathBuf::new(),
        source,
    };
    let mut bytes = vec![0; span.len];
    let mut reader = file;
    reader
        .seek(SeekFrom::Start(span.offset))
        .map_err(io_error)?;
    reader.read_exact(&mut bytes).map_err(io_error)?;
    let line = RolloutLine::parse(&bytes);
    if line.is_none() {
        tracing::warn!(
            offset = span.offset,
            "rollout line changed while it was read; ignored"
        );
    }
    Ok(line)
}
