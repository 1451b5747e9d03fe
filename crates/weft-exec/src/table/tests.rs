//! The pruning policy on synthetic tables (the real-process case is in `tests/it`).

use super::{PruneView, choose_prune_victim};
use crate::limits::{PROCESSES_MAX, PROTECTED_RECENT_PROCESSES};

fn table(exited: &[i32]) -> Vec<PruneView> {
    (0..PROCESSES_MAX)
        .map(|index| {
            let session_id = 1000 + i32::try_from(index).unwrap();
            PruneView {
                session_id,
                last_used: index as u64,
                exited: exited.contains(&session_id),
            }
        })
        .collect()
}

#[test]
fn least_recently_used_goes_first() {
    assert_eq!(choose_prune_victim(&table(&[])), Some(1000));
}

#[test]
fn exited_goes_before_older_running() {
    assert_eq!(choose_prune_victim(&table(&[1030, 1040])), Some(1030));
}

#[test]
fn recent_exited_is_protected() {
    // 1063 is the most recent: protected even though it exited.
    assert_eq!(choose_prune_victim(&table(&[1063])), Some(1000));
}

#[test]
fn all_protected_means_no_victim() {
    let views: Vec<PruneView> = table(&[])
        .into_iter()
        .take(PROTECTED_RECENT_PROCESSES)
        .collect();
    assert_eq!(choose_prune_victim(&views), None);
}

#[test]
fn order_of_views_does_not_matter() {
    let mut views = table(&[1050]);
    views.reverse();
    assert_eq!(choose_prune_victim(&views), Some(1050));
}
