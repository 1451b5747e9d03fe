//! `thread/list` over the index: filters, sort and keyset pagination (protocol.md §3.1).
//!
//! Pages are cut by keyset, not offset: the cursor names the last row's sort key and id, and
//! the next page continues strictly after `(key, id)` in the requested order, so rows inserted
//! meanwhile never shift or duplicate a page and the first page costs the same at 100,000 rows
//! as at 100. Cursors are `<RFC 3339 ms timestamp>|<thread id>`; a bare timestamp (the
//! reference's spelling, used for `backwardsCursor`) bounds the key alone.

use chrono::DateTime;
use rusqlite::types::Value as SqlValue;
use uuid::Uuid;
use weft_protocol::v2::{CwdFilter, SortDirection, ThreadListParams, ThreadSortKey};

use super::IndexError;
use super::row::ThreadRow;
use super::schema::{COLUMNS, row_from_sql};
use crate::limits::{
    LIST_CWDS_MAX, LIST_EXCLUDED_IDS_MAX, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX, LIST_LIMIT_MIN,
};
use crate::line::{format_timestamp, parse_timestamp};

/// Source kinds listed when the request names none: the interactive ones.
pub const DEFAULT_SOURCE_KINDS: &[&str] = &["cli", "vscode"];

/// The stored kinds a `subAgent` filter entry stands for.
const SUB_AGENT_KINDS: &[&str] = &[
    "subAgentReview",
    "subAgentCompact",
    "subAgentThreadSpawn",
    "subAgentOther",
];

/// One `thread/list` request, in the index's terms.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    /// Sort key (`section_position` sorts as `created_at`).
    pub sort_key: ThreadSortKey,
    /// Sort direction.
    pub direction: SortDirection,
    /// Page size; clamped to [`LIST_LIMIT_MIN`]..=[`LIST_LIMIT_MAX`], default
    /// [`LIST_LIMIT_DEFAULT`].
    pub limit: Option<u32>,
    /// Cursor from a previous page (`nextCursor` or `backwardsCursor`).
    pub cursor: Option<String>,
    /// Provider filter: `None` → only `default_provider`; empty → all.
    pub model_providers: Option<Vec<String>>,
    /// The server's configured provider: the default filter, and the provider of rows that
    /// record none (lifecycle.md R34).
    pub default_provider: String,
    /// Source kinds (`ThreadSourceKind` spelling); `None` or empty → [`DEFAULT_SOURCE_KINDS`].
    pub source_kinds: Option<Vec<String>>,
    /// `true` → only archived threads; `false` → only live ones.
    pub archived: bool,
    /// Exact cwd matches (already normalised by the caller); empty → any.
    pub cwds: Vec<String>,
    /// Case-sensitive substring of the name or preview.
    pub search_term: Option<String>,
    /// Threads to leave out (at most [`LIST_EXCLUDED_IDS_MAX`]).
    pub excluded_ids: Vec<Uuid>,
}

/// One page of rows.
#[derive(Debug, Clone, PartialEq)]
pub struct ListPage {
    /// The rows, in the requested order.
    pub rows: Vec<ThreadRow>,
    /// Cursor of the next page; `None` on the last page.
    pub next_cursor: Option<String>,
    /// Cursor that lists from this page's first row (inclusive) in the opposite direction:
    /// one millisecond before (descending) or after (ascending) its sort key, as the
    /// reference does. `None` for an empty page.
    pub backwards_cursor: Option<String>,
}

impl ListQuery {
    /// The default listing (newest first, live, interactive, the default provider).
    pub fn new(default_provider: impl Into<String>) -> ListQuery {
        ListQuery {
            sort_key: ThreadSortKey::CreatedAt,
            direction: SortDirection::Desc,
            limit: None,
            cursor: None,
            model_providers: None,
            default_provider: default_provider.into(),
            source_kinds: None,
            archived: false,
            cwds: Vec::new(),
            search_term: None,
            excluded_ids: Vec::new(),
        }
    }

    /// The query for wire params. `cwd` entries are taken verbatim: the caller normalises
    /// relative paths against the server cwd first.
    ///
    /// # Errors
    /// [`IndexError::InvalidExcludedId`] for an excluded id that is not a UUID,
    /// [`IndexError::TooManyExcludedIds`] for more than [`LIST_EXCLUDED_IDS_MAX`].
    pub fn from_params(
        params: &ThreadListParams,
        default_provider: impl Into<String>,
    ) -> Result<ListQuery, IndexError> {
        let excluded = params.excluded_thread_ids.as_deref().unwrap_or_default();
        if excluded.len() > LIST_EXCLUDED_IDS_MAX {
            return Err(IndexError::TooManyExcludedIds(excluded.len()));
        }
        let excluded_ids = excluded
            .iter()
            .map(|id| Uuid::try_parse(id).map_err(|_| IndexError::InvalidExcludedId(id.clone())))
            .collect::<Result<_, _>>()?;
        Ok(ListQuery {
            sort_key: params.sort_key.unwrap_or_default(),
            direction: params.sort_direction.unwrap_or_default(),
            limit: params.limit,
            cursor: params.cursor.clone(),
            model_providers: params.model_providers.clone(),
            default_provider: default_provider.into(),
            source_kinds: params.source_kinds.clone(),
            archived: params.archived.unwrap_or(false),
            cwds: match &params.cwd {
                None => Vec::new(),
                Some(CwdFilter::One(cwd)) => vec![cwd.clone()],
                Some(CwdFilter::Many(cwds)) => cwds.clone(),
            },
            search_term: params.search_term.clone(),
            excluded_ids,
        })
    }

    /// The page size after clamping.
    pub fn effective_limit(&self) -> u32 {
        self.limit
            .unwrap_or(LIST_LIMIT_DEFAULT)
            .clamp(LIST_LIMIT_MIN, LIST_LIMIT_MAX)
    }
}

/// A parsed cursor: a sort-key bound, and the id that breaks ties at that key.
struct Cursor {
    key_ms: i64,
    id: Option<String>,
}

fn parse_cursor(text: &str) -> Result<Cursor, IndexError> {
    let invalid = || IndexError::InvalidCursor(text.to_owned());
    let (time, id) = match text.split_once('|') {
        Some((time, id)) => (time, Some(id)),
        None => (text, None),
    };
    let key_ms = parse_timestamp(time)
        .ok_or_else(invalid)?
        .timestamp_millis();
    let id = id
        .map(|id| {
            Uuid::try_parse(id)
                .map(|id| id.to_string())
                .map_err(|_| invalid())
        })
        .transpose()?;
    Ok(Cursor { key_ms, id })
}

fn format_cursor(key_ms: i64, id: Option<Uuid>) -> String {
    let time = DateTime::from_timestamp_millis(key_ms).unwrap_or_default();
    match id {
        Some(id) => format!("{}|{id}", format_timestamp(time)),
        None => format_timestamp(time),
    }
}

/// SQL text and its parameters.
pub(super) struct ListSql {
    pub(super) text: String,
    pub(super) params: Vec<SqlValue>,
}

fn sort_column(key: ThreadSortKey) -> &'static str {
    match key {
        ThreadSortKey::CreatedAt | ThreadSortKey::SectionPosition => "created_at_ms",
        ThreadSortKey::UpdatedAt => "updated_at_ms",
        ThreadSortKey::RecencyAt => "recency_at_ms",
    }
}

fn sort_key_of(row: &ThreadRow, key: ThreadSortKey) -> i64 {
    match key {
        ThreadSortKey::CreatedAt | ThreadSortKey::SectionPosition => row.created_at_ms,
        ThreadSortKey::UpdatedAt => row.updated_at_ms,
        ThreadSortKey::RecencyAt => row.recency_at_ms,
    }
}

fn placeholders(count: usize) -> String {
    vec!["?"; count].join(", ")
}

/// Builds the page query (one row more than the page, to know whether another page exists).
pub(super) fn list_sql(query: &ListQuery) -> Result<ListSql, IndexError> {
    if query.excluded_ids.len() > LIST_EXCLUDED_IDS_MAX {
        return Err(IndexError::TooManyExcludedIds(query.excluded_ids.len()));
    }
    if query.cwds.len() > LIST_CWDS_MAX {
        return Err(IndexError::TooManyCwds(query.cwds.len()));
    }
    let mut conditions = vec!["archived = ?".to_owned(), "preview <> ''".to_owned()];
    let mut params = vec![SqlValue::Integer(i64::from(query.archived))];
    add_source_kinds(query, &mut conditions, &mut params);
    add_providers(query, &mut conditions, &mut params);
    if !query.cwds.is_empty() {
        conditions.push(format!("cwd IN ({})", placeholders(query.cwds.len())));
        params.extend(query.cwds.iter().cloned().map(SqlValue::Text));
    }
    if let Some(term) = query.search_term.as_ref().filter(|term| !term.is_empty()) {
        conditions.push("(instr(preview, ?) > 0 OR instr(COALESCE(name, ''), ?) > 0)".to_owned());
        params.extend([SqlValue::Text(term.clone()), SqlValue::Text(term.clone())]);
    }
    if !query.excluded_ids.is_empty() {
        conditions.push(format!(
            "id NOT IN ({})",
            placeholders(query.excluded_ids.len())
        ));
        params.extend(
            query
                .excluded_ids
                .iter()
                .map(|id| SqlValue::Text(id.to_string())),
        );
    }
    let column = sort_column(query.sort_key);
    let (comparison, order) = match query.direction {
        SortDirection::Desc => ("<", "DESC"),
        SortDirection::Asc => (">", "ASC"),
    };
    if let Some(cursor) = query.cursor.as_deref().map(parse_cursor).transpose()? {
        match cursor.id {
            Some(id) => {
                conditions.push(format!("({column}, id) {comparison} (?, ?)"));
                params.extend([SqlValue::Integer(cursor.key_ms), SqlValue::Text(id)]);
            }
            None => {
                conditions.push(format!("{column} {comparison} ?"));
                params.push(SqlValue::Integer(cursor.key_ms));
            }
        }
    }
    params.push(SqlValue::Integer(i64::from(query.effective_limit()) + 1));
    let text = format!(
        "SELECT {COLUMNS} FROM threads WHERE {} ORDER BY {column} {order}, id {order} LIMIT ?",
        conditions.join(" AND ")
    );
    Ok(ListSql { text, params })
}

fn add_source_kinds(query: &ListQuery, conditions: &mut Vec<String>, params: &mut Vec<SqlValue>) {
    let requested = query
        .source_kinds
        .as_deref()
        .filter(|kinds| !kinds.is_empty());
    let mut kinds: Vec<String> = match requested {
        Some(kinds) => kinds.to_vec(),
        None => DEFAULT_SOURCE_KINDS
            .iter()
            .map(|kind| (*kind).to_owned())
            .collect(),
    };
    if kinds.iter().any(|kind| kind == "subAgent") {
        kinds.extend(SUB_AGENT_KINDS.iter().map(|kind| (*kind).to_owned()));
    }
    kinds.sort();
    kinds.dedup();
    conditions.push(format!("source_kind IN ({})", placeholders(kinds.len())));
    params.extend(kinds.into_iter().map(SqlValue::Text));
}

fn add_providers(query: &ListQuery, conditions: &mut Vec<String>, params: &mut Vec<SqlValue>) {
    let providers = match &query.model_providers {
        None => vec![query.default_provider.clone()],
        Some(providers) if providers.is_empty() => return,
        Some(providers) => providers.clone(),
    };
    let includes_default = providers.contains(&query.default_provider);
    let mut condition = format!("model_provider IN ({})", placeholders(providers.len()));
    if includes_default {
        // Rows that record no provider count as the configured one (lifecycle.md R34).
        condition = format!("({condition} OR model_provider = '')");
    }
    conditions.push(condition);
    params.extend(providers.into_iter().map(SqlValue::Text));
}

/// Cuts the fetched rows (page + 1) into a page with its cursors.
pub(super) fn into_page(query: &ListQuery, mut rows: Vec<ThreadRow>) -> ListPage {
    let limit = usize::try_from(query.effective_limit()).unwrap_or(usize::MAX);
    let has_more = rows.len() > limit;
    rows.truncate(limit);
    let next_cursor = has_more
        .then(|| {
            rows.last()
                .map(|row| format_cursor(sort_key_of(row, query.sort_key), Some(row.id)))
        })
        .flatten();
    let backwards_cursor = rows.first().map(|row| {
        let key = sort_key_of(row, query.sort_key);
        let bound = match query.direction {
            SortDirection::Desc => key.saturating_sub(1),
            SortDirection::Asc => key.saturating_add(1),
        };
        format_cursor(bound, None)
    });
    ListPage {
        rows,
        next_cursor,
        backwards_cursor,
    }
}

/// Runs the page query.
pub(super) fn list(
    connection: &rusqlite::Connection,
    query: &ListQuery,
) -> Result<ListPage, IndexError> {
    let sql = list_sql(query)?;
    let mut statement = connection.prepare(&sql.text)?;
    let rows = statement
        .query_map(rusqlite::params_from_iter(sql.params.iter()), row_from_sql)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(into_page(query, rows))
}
