//! `thread/list` semantics over the index: sort, direction, pagination, filters.

use std::collections::HashSet;

use serde_json::json;
use uuid::Uuid;
use weft_protocol::v2::{SortDirection, ThreadListParams, ThreadSortKey};
use weft_store::{Index, IndexError, ListQuery};

use crate::support::{TestHome, ThreadSpec};

/// Ten threads `numbered(0..10)` (created a minute apart) plus variations by `n`:
/// 7 is archived, 8 has no user message, 9 has no provider, 3 and 4 are `cli`, 5 is `exec`,
/// 6 uses provider `openai`, 2 lives in `/work/other`.
fn fixture() -> (TestHome, Index) {
    let test_home = TestHome::new();
    for n in 0..10 {
        let mut spec = ThreadSpec::numbered(n);
        match n {
            2 => spec.cwd = "/work/other".to_owned(),
            3 | 4 => spec.source = json!("cli"),
            5 => spec.source = json!("exec"),
            6 => spec.provider = Some("openai".to_owned()),
            8 => spec.messages.clear(),
            9 => spec.provider = None,
            _ => {}
        }
        let path = spec.write(&test_home.home);
        if n == 7 {
            let archived = test_home.home.archived_path(&path).expect("archived path");
            weft_store::move_rollout(&path, &archived).expect("archive");
        }
    }
    let index = Index::open(&test_home.home).expect("open");
    (test_home, index)
}

fn numbers(index: &Index, query: &ListQuery) -> Vec<u32> {
    let ids: Vec<Uuid> = index
        .list(query)
        .expect("list")
        .rows
        .iter()
        .map(|row| row.id)
        .collect();
    ids.iter()
        .map(|id| {
            (0..10)
                .find(|n| ThreadSpec::numbered(*n).id == *id)
                .expect("known id")
        })
        .collect()
}

#[test]
fn default_listing_is_newest_first_interactive_visible_default_provider() {
    let (_home, index) = fixture();
    // Not 5 (exec), 6 (other provider), 7 (archived), 8 (no preview); 9 has no provider and
    // counts as the default one.
    assert_eq!(numbers(&index, &ListQuery::new("mock")), [9, 4, 3, 2, 1, 0]);
    let mut ascending = ListQuery::new("mock");
    ascending.direction = SortDirection::Asc;
    assert_eq!(numbers(&index, &ascending), [0, 1, 2, 3, 4, 9]);
}

#[test]
fn pagination_is_stable_and_ends_with_a_null_cursor() {
    let (_home, index) = fixture();
    for direction in [SortDirection::Desc, SortDirection::Asc] {
        let mut query = ListQuery::new("mock");
        query.direction = direction;
        query.limit = Some(4);
        let mut pages = Vec::new();
        loop {
            let page = index.list(&query).expect("list");
            pages.push(page.rows.iter().map(|row| row.id).collect::<Vec<_>>());
            match page.next_cursor {
                Some(cursor) => query.cursor = Some(cursor),
                None => break,
            }
        }
        assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [4, 2]);
        let all: Vec<Uuid> = pages.concat();
        let mut whole = ListQuery::new("mock");
        whole.direction = direction;
        assert_eq!(
            all,
            index
                .list(&whole)
                .expect("list")
                .rows
                .iter()
                .map(|row| row.id)
                .collect::<Vec<_>>()
        );
        assert_eq!(all.iter().collect::<HashSet<_>>().len(), all.len());
    }
}

#[test]
fn the_backwards_cursor_lists_from_the_first_row_the_other_way() {
    let (_home, index) = fixture();
    let mut query = ListQuery::new("mock");
    query.cursor = index
        .list(&ListQuery::new("mock"))
        .expect("list")
        .next_cursor;
    query.limit = Some(2);
    let page = index
        .list(&ListQuery {
            cursor: None,
            ..query.clone()
        })
        .expect("list");
    assert_eq!(
        numbers(
            &index,
            &ListQuery {
                cursor: None,
                ..query.clone()
            }
        ),
        [9, 4]
    );
    let mut second = query.clone();
    second.cursor = page.next_cursor.clone();
    assert_eq!(numbers(&index, &second), [3, 2]);
    let backwards = index.list(&second).expect("list").backwards_cursor;
    let mut reverse = ListQuery::new("mock");
    reverse.direction = SortDirection::Asc;
    reverse.cursor = backwards;
    assert_eq!(numbers(&index, &reverse), [3, 4, 9]);
}

#[test]
fn every_sort_key_orders_its_column() {
    let (home, index) = fixture();
    // Thread 0 gets a later turn: newest by recency and update, oldest by creation.
    let spec = ThreadSpec::numbered(0);
    let path = spec.path(&home.home);
    let mut writer = weft_store::RolloutWriter::open_append(&path).expect("reopen");
    let later = crate::support::at(3600);
    for (line_kind, payload) in crate::support::turn_lines(spec.id, 1, "again", later) {
        writer.append_at(later, line_kind, payload).expect("append");
    }
    index.index_rollout(&path).expect("reindex");
    for (sort_key, expected) in [
        (ThreadSortKey::CreatedAt, [9, 4, 3, 2, 1, 0]),
        (ThreadSortKey::UpdatedAt, [0, 9, 4, 3, 2, 1]),
        (ThreadSortKey::RecencyAt, [0, 9, 4, 3, 2, 1]),
        (ThreadSortKey::SectionPosition, [9, 4, 3, 2, 1, 0]),
    ] {
        let mut query = ListQuery::new("mock");
        query.sort_key = sort_key;
        assert_eq!(numbers(&index, &query), expected, "{sort_key:?}");
        query.limit = Some(1);
        let first = index.list(&query).expect("list");
        query.cursor = first.next_cursor;
        assert_eq!(
            numbers(&index, &query),
            expected[1..2],
            "{sort_key:?} page 2"
        );
    }
}

#[test]
fn filters() {
    let (_home, index) = fixture();
    let base = ListQuery::new("mock");
    let with = |edit: &dyn Fn(&mut ListQuery)| {
        let mut query = base.clone();
        edit(&mut query);
        numbers(&index, &query)
    };
    assert_eq!(
        with(&|q| q.source_kinds = Some(vec!["cli".to_owned()])),
        [4, 3]
    );
    assert_eq!(
        with(&|q| q.source_kinds = Some(vec!["exec".to_owned(), "vscode".to_owned()])),
        [9, 5, 2, 1, 0]
    );
    assert_eq!(
        with(&|q| q.source_kinds = Some(Vec::new())),
        [9, 4, 3, 2, 1, 0]
    );
    assert_eq!(
        with(&|q| q.model_providers = Some(vec!["openai".to_owned()])),
        [6]
    );
    assert_eq!(
        with(&|q| q.model_providers = Some(Vec::new())),
        [9, 6, 4, 3, 2, 1, 0]
    );
    assert_eq!(with(&|q| q.archived = true), [7]);
    assert_eq!(with(&|q| q.cwds = vec!["/work/other".to_owned()]), [2]);
    assert_eq!(
        with(&|q| q.cwds = vec!["/work/other".to_owned(), "/work/demo".to_owned()]),
        [9, 4, 3, 2, 1, 0]
    );
    assert_eq!(with(&|q| q.search_term = Some("message 3".to_owned())), [3]);
    assert_eq!(
        with(&|q| q.search_term = Some("Message 3".to_owned())),
        Vec::<u32>::new(),
        "case-sensitive"
    );
    assert_eq!(
        with(&|q| q.excluded_ids = vec![ThreadSpec::numbered(4).id, ThreadSpec::numbered(9).id]),
        [3, 2, 1, 0]
    );
}

#[test]
fn names_are_searchable_titles() {
    let (home, index) = fixture();
    weft_store::append_thread_name(
        &home.home,
        ThreadSpec::numbered(1).id,
        "Release Plan",
        crate::support::at(0),
    )
    .expect("name");
    index
        .set_name(ThreadSpec::numbered(1).id, Some("Release Plan"))
        .expect("set");
    let mut query = ListQuery::new("mock");
    query.search_term = Some("Release".to_owned());
    assert_eq!(numbers(&index, &query), [1]);
}

#[test]
fn bad_requests_are_clear_errors() {
    let (_home, index) = fixture();
    let mut query = ListQuery::new("mock");
    query.cursor = Some("yesterday".to_owned());
    assert!(
        matches!(index.list(&query), Err(IndexError::InvalidCursor(cursor)) if cursor == "yesterday")
    );
    query.cursor = Some("2026-03-02T09:15:00.000Z|nope".to_owned());
    assert!(matches!(
        index.list(&query),
        Err(IndexError::InvalidCursor(_))
    ));
    query.cursor = None;
    query.excluded_ids = vec![Uuid::nil(); 101];
    assert!(matches!(
        index.list(&query),
        Err(IndexError::TooManyExcludedIds(101))
    ));

    let params: ThreadListParams =
        serde_json::from_value(json!({"excludedThreadIds": ["x"]})).expect("params");
    assert!(
        matches!(ListQuery::from_params(&params, "mock"), Err(IndexError::InvalidExcludedId(id)) if id == "x")
    );
    let params: ThreadListParams = serde_json::from_value(json!({
        "limit": 500, "sortKey": "updated_at", "sortDirection": "asc", "cwd": "/work/other", "archived": null,
    }))
    .expect("params");
    let query = ListQuery::from_params(&params, "mock").expect("query");
    assert_eq!(query.effective_limit(), 100);
    assert_eq!(
        (query.sort_key, query.direction),
        (ThreadSortKey::UpdatedAt, SortDirection::Asc)
    );
    assert_eq!(query.cwds, ["/work/other"]);
    assert_eq!(numbers(&index, &query), [2]);
}
