//! Unit tests of the index internals: the listing queries walk an index in order.
//!
//! Timing tests are flaky, so speed is checked structurally: with a few thousand rows, every
//! listing shape must be answered by an index search with no temporary sort (`USE TEMP B-TREE
//! FOR ORDER BY`) and no full table scan; then the first page costs O(page), whatever the size.

use std::path::PathBuf;

use serde_json::json;
use uuid::Uuid;
use weft_protocol::v2::{SortDirection, ThreadSortKey};

use super::list::list_sql;
use super::{Index, ListQuery, ThreadRow};
use crate::layout::Home;
use crate::reader::HistoryMode;

fn row(n: u32) -> ThreadRow {
    let created = 1_700_000_000_000 + i64::from(n) * 1000;
    ThreadRow {
        id: Uuid::from_u128(u128::from(n) + 1),
        rollout_path: PathBuf::from(format!("/nowhere/rollout-{n}.jsonl")),
        created_at_ms: created,
        updated_at_ms: created + i64::from(n % 7) * 100_000,
        recency_at_ms: created + i64::from(n % 5) * 50_000,
        source: json!(if n.is_multiple_of(3) { "cli" } else { "vscode" }),
        source_kind: if n.is_multiple_of(3) { "cli" } else { "vscode" }.to_owned(),
        thread_source: None,
        model_provider: if n.is_multiple_of(4) {
            "openai"
        } else {
            "mock"
        }
        .to_owned(),
        model: Some("gpt-test".to_owned()),
        reasoning_effort: None,
        cwd: format!("/work/project-{}", n % 20),
        preview: if n.is_multiple_of(10) {
            String::new()
        } else {
            format!("message {n}")
        },
        name: None,
        archived: n.is_multiple_of(9),
        cli_version: "0.169.0".to_owned(),
        originator: "test".to_owned(),
        forked_from_id: None,
        parent_thread_id: None,
        agent_nickname: None,
        agent_role: None,
        agent_path: None,
        history_mode: HistoryMode::Paginated,
        git: None,
        file_size: 1,
        file_mtime_ms: 1,
    }
}

fn filled_index(rows: u32) -> (tempfile::TempDir, Index) {
    let dir = tempfile::tempdir().expect("tempdir");
    let index = Index::open(&Home::new(dir.path())).expect("open");
    index.connection.execute_batch("BEGIN").expect("begin");
    for n in 0..rows {
        index.upsert(&row(n)).expect("upsert");
    }
    index.connection.execute_batch("COMMIT").expect("commit");
    (dir, index)
}

fn plan(index: &Index, query: &ListQuery) -> String {
    let sql = list_sql(query).expect("sql");
    let mut statement = index
        .connection
        .prepare(&format!("EXPLAIN QUERY PLAN {}", sql.text))
        .expect("prepare");
    let details: Vec<String> = statement
        .query_map(rusqlite::params_from_iter(sql.params.iter()), |row| {
            row.get::<_, String>(3)
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    details.join(" / ")
}

fn assert_indexed(index: &Index, query: &ListQuery) {
    let plan = plan(index, query);
    assert!(
        plan.contains("USING INDEX idx_threads_"),
        "no index in plan: {plan}"
    );
    assert!(
        !plan.contains("TEMP B-TREE"),
        "sorts in a temp b-tree: {plan}"
    );
    assert!(
        !plan.starts_with("SCAN threads") || plan.contains("USING INDEX"),
        "full scan: {plan}"
    );
}

#[test]
fn every_sort_key_and_direction_walks_an_index() {
    let (_dir, index) = filled_index(3000);
    for sort_key in [
        ThreadSortKey::CreatedAt,
        ThreadSortKey::UpdatedAt,
        ThreadSortKey::RecencyAt,
    ] {
        for direction in [SortDirection::Desc, SortDirection::Asc] {
            let mut query = ListQuery::new("mock");
            query.sort_key = sort_key;
            query.direction = direction;
            assert_indexed(&index, &query);
            query.cursor = Some(format!("2023-11-14T22:13:20.000Z|{}", Uuid::from_u128(5)));
            assert_indexed(&index, &query);
        }
    }
}

#[test]
fn filtered_listings_walk_an_index() {
    let (_dir, index) = filled_index(3000);
    let mut query = ListQuery::new("mock");
    query.model_providers = Some(Vec::new());
    query.source_kinds = Some(vec!["cli".to_owned(), "exec".to_owned()]);
    query.search_term = Some("message 1".to_owned());
    query.excluded_ids = vec![Uuid::from_u128(2)];
    query.archived = true;
    assert_indexed(&index, &query);
    query.cwds = vec!["/work/project-3".to_owned()];
    assert_indexed(&index, &query);
    // Statistics must not change the answer either.
    index.connection.execute_batch("ANALYZE").expect("analyze");
    assert_indexed(&index, &query);
    query.cwds.clear();
    assert_indexed(&index, &query);
}

#[test]
fn limit_is_clamped() {
    let mut query = ListQuery::new("mock");
    assert_eq!(query.effective_limit(), 25);
    query.limit = Some(0);
    assert_eq!(query.effective_limit(), 1);
    query.limit = Some(1000);
    assert_eq!(query.effective_limit(), 100);
}
