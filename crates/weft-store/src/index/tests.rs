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

fn reopen(dir: &tempfile::TempDir) -> Index {
    Index::open(&Home::new(dir.path())).expect("index")
}

#[test]
fn a_read_mark_needs_the_current_revision_and_gets_a_fresh_one() {
    use super::{ReadMark, ReadStateUpdate};
    use weft_protocol::v2::{ThreadReadState, ThreadUnreadPosition};

    let (_dir, index) = filled_index(0);
    let id = Uuid::from_u128(7);
    let initial = ThreadReadState::initial(&id.to_string());
    assert_eq!(index.read_states(&[id]).expect("states")[&id], initial);
    assert_eq!(initial.revision, format!("initial:{id}"));

    let ReadStateUpdate::Applied(unread) = index
        .update_read_state(id, &initial.revision, ReadMark::Unread)
        .expect("update")
    else {
        panic!("the initial revision is current");
    };
    assert_eq!(unread.first_unread, Some(ThreadUnreadPosition::ThreadStart));
    assert_ne!(unread.revision, initial.revision);

    // A stale revision is refused with the current state, which stays.
    let stale = index
        .update_read_state(id, &initial.revision, ReadMark::Read)
        .expect("update");
    assert_eq!(stale, ReadStateUpdate::Conflict(unread.clone()));

    // Attention keeps an earlier unread position but always changes the revision.
    let attention = index.publish_attention(id, "turn-1").expect("publish");
    assert_eq!(
        attention.first_unread,
        Some(ThreadUnreadPosition::ThreadStart)
    );
    assert_ne!(attention.revision, unread.revision);
    let ReadStateUpdate::Applied(read) = index
        .update_read_state(id, &attention.revision, ReadMark::Read)
        .expect("update")
    else {
        panic!("the latest revision is current");
    };
    assert_eq!(read.first_unread, None);
    let attention = index.publish_attention(id, "turn-2").expect("publish");
    assert_eq!(
        attention.first_unread,
        Some(ThreadUnreadPosition::Turn {
            turn_id: "turn-2".to_owned()
        })
    );
}

#[test]
fn marks_survive_a_cache_rebuild_and_a_reindex() {
    use super::{GitPatch, ReadMark, ReadStateUpdate};
    use crate::reader::GitInfo;

    let (dir, mut index) = filled_index(3);
    let id = row(1).id;
    let initial = index.read_states(&[id]).expect("states")[&id].clone();
    let ReadStateUpdate::Applied(unread) = index
        .update_read_state(id, &initial.revision, ReadMark::Unread)
        .expect("update")
    else {
        panic!("initial revision is current");
    };
    let patch = GitPatch {
        branch: Some(Some("feature/x".to_owned())),
        ..GitPatch::default()
    };
    index.save_git_patch(id, &patch).expect("patch");
    let git = index.get(id).expect("get").expect("row").git;
    assert_eq!(
        git,
        Some(GitInfo {
            branch: Some("feature/x".to_owned()),
            ..GitInfo::default()
        })
    );

    // Rows rewritten from the rollout take the patch again.
    let mut rewritten = row(1);
    rewritten.git = Some(GitInfo {
        sha: Some("abc".to_owned()),
        branch: Some("main".to_owned()),
        origin_url: None,
    });
    super::marks::apply_git_patch(&index.connection, &mut rewritten).expect("apply");
    assert_eq!(
        rewritten.git.and_then(|git| git.branch),
        Some("feature/x".to_owned())
    );

    // A rebuild of the cache (another schema version) keeps the marks.
    index.rebuild().expect("rebuild");
    index
        .connection
        .pragma_update(None, "user_version", 0)
        .expect("pragma");
    drop(index);
    let index = reopen(&dir);
    assert_eq!(index.read_states(&[id]).expect("states")[&id], unread);
    assert_eq!(index.git_patch(id).expect("patch"), Some(patch));

    // A deleted thread's marks go with it.
    index.forget_marks(id).expect("forget");
    assert_eq!(index.read_states(&[id]).expect("states")[&id], initial);
    assert_eq!(index.git_patch(id).expect("patch"), None);
}
