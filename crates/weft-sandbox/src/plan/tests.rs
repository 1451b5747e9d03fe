use std::path::{Path, PathBuf};

use super::plan_writable_roots;
use crate::error::SandboxError;

fn granted(roots: &[PathBuf]) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let plan = plan_writable_roots(roots).expect("plan");
    let mut grants: Vec<PathBuf> = plan.grants.into_iter().map(|grant| grant.path).collect();
    grants.sort();
    let mut protected = plan.protected;
    protected.sort();
    (grants, protected)
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).expect("canonicalize")
}

#[test]
fn root_without_protected_entries_is_one_rule() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(temp.path().join("a"), "").unwrap();
    let (grants, protected) = granted(&[temp.path().to_path_buf()]);
    assert_eq!(grants, vec![canonical(temp.path())]);
    assert!(protected.is_empty());
}

#[test]
fn root_with_git_is_expanded_and_symlinks_get_no_rule() {
    let temp = tempfile::tempdir().unwrap();
    let root = canonical(temp.path());
    std::fs::create_dir_all(root.join(".git/hooks")).unwrap();
    std::fs::create_dir(root.join(".codex")).unwrap();
    std::fs::create_dir(root.join("src")).unwrap();
    std::fs::write(root.join("README.md"), "").unwrap();
    std::os::unix::fs::symlink("/etc", root.join("link")).unwrap();
    let (grants, protected) = granted(std::slice::from_ref(&root));
    assert_eq!(grants, vec![root.join("README.md"), root.join("src")]);
    assert_eq!(protected, vec![root.join(".codex"), root.join(".git")]);
}

#[test]
fn gitdir_file_protects_the_resolved_directory_in_another_root() {
    let main = tempfile::tempdir().unwrap();
    let main_root = canonical(main.path());
    let worktree = tempfile::tempdir().unwrap();
    let worktree_root = canonical(worktree.path());
    let gitdir = main_root.join("repo/.git/worktrees/wt");
    std::fs::create_dir_all(&gitdir).unwrap();
    std::fs::write(gitdir.join("commondir"), "../..\n").unwrap();
    std::fs::write(main_root.join("repo/file"), "").unwrap();
    std::fs::write(main_root.join("other"), "").unwrap();
    std::fs::write(
        worktree_root.join(".git"),
        format!("gitdir: {}\n", gitdir.display()),
    )
    .unwrap();
    std::fs::write(worktree_root.join("code.rs"), "").unwrap();
    let (grants, protected) = granted(&[worktree_root.clone(), main_root.clone()]);
    let mut expected = vec![
        main_root.join("other"),
        main_root.join("repo/file"),
        worktree_root.join("code.rs"),
    ];
    expected.sort();
    assert_eq!(grants, expected);
    // The repo's own `.git` is both the commondir and protected as an entry of nothing here:
    // it is reached through the expansion of `main_root/repo`.
    assert!(protected.contains(&worktree_root.join(".git")));
    assert!(protected.contains(&main_root.join("repo/.git")));
}

#[test]
fn git_symlink_protects_its_target_in_another_root() {
    let temp = tempfile::tempdir().unwrap();
    let base = canonical(temp.path());
    let (checkout, store) = (base.join("checkout"), base.join("store"));
    std::fs::create_dir_all(store.join("repo.git")).unwrap();
    std::fs::write(store.join("notes"), "").unwrap();
    std::fs::create_dir(&checkout).unwrap();
    std::os::unix::fs::symlink(store.join("repo.git"), checkout.join(".git")).unwrap();
    let (grants, protected) = granted(&[checkout.clone(), store.clone()]);
    assert_eq!(grants, vec![store.join("notes")]);
    assert_eq!(
        protected,
        vec![checkout.join(".git"), store.join("repo.git")]
    );
}

#[test]
fn nested_roots_collapse_into_the_outer_one() {
    let temp = tempfile::tempdir().unwrap();
    let outer = canonical(temp.path());
    let inner = outer.join("project");
    std::fs::create_dir_all(inner.join(".git")).unwrap();
    std::fs::write(inner.join("main.c"), "").unwrap();
    std::fs::write(outer.join("scratch"), "").unwrap();
    let (grants, protected) = granted(&[inner.clone(), outer.clone()]);
    assert_eq!(grants, vec![inner.join("main.c"), outer.join("scratch")]);
    assert_eq!(protected, vec![inner.join(".git")]);
}

#[test]
fn missing_roots_are_skipped_and_relative_roots_refused() {
    let (grants, _) = granted(&[PathBuf::from("/nonexistent/weft/sandbox/root")]);
    assert!(grants.is_empty());
    let error = plan_writable_roots(&[PathBuf::from("relative/root")]).unwrap_err();
    assert!(
        matches!(error, SandboxError::RelativeRoot { .. }),
        "{error}"
    );
}

#[test]
fn root_that_is_itself_protected_gets_no_rule() {
    let temp = tempfile::tempdir().unwrap();
    let root = canonical(temp.path());
    std::fs::create_dir(root.join(".git")).unwrap();
    let (grants, protected) = granted(&[root.clone(), root.join(".git")]);
    assert!(grants.is_empty(), "{grants:?}");
    assert_eq!(protected, vec![root.join(".git")]);
}

#[test]
fn expanding_a_directory_past_the_rule_limit_is_refused() {
    let temp = tempfile::tempdir().unwrap();
    let root = canonical(temp.path());
    std::fs::create_dir(root.join(".git")).unwrap();
    for index in 0..=crate::limits::LANDLOCK_RULES_MAX {
        std::fs::File::create(root.join(format!("f{index}"))).unwrap();
    }
    let error = plan_writable_roots(std::slice::from_ref(&root)).unwrap_err();
    assert!(
        matches!(error, SandboxError::TooManyRules { .. }),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .starts_with("sandbox needs more than 10000 Landlock rules")
    );
}

/// A root `outer` holding a worktree `outer/wt` whose `.git` file points `components` levels
/// below `outer`; returns the roots to plan.
fn worktree_pointing_deep(root: &Path, components: usize) -> Vec<PathBuf> {
    let outer = root.join("outer");
    let mut deep = outer.clone();
    for level in 0..components {
        deep.push(format!("d{level}"));
    }
    std::fs::create_dir_all(&deep).unwrap();
    let worktree = outer.join("wt");
    std::fs::create_dir(&worktree).unwrap();
    std::fs::write(
        worktree.join(".git"),
        format!("gitdir: {}\n", deep.display()),
    )
    .unwrap();
    vec![outer, worktree]
}

#[test]
fn protected_paths_at_the_depth_limit_are_planned() {
    let temp = tempfile::tempdir().unwrap();
    let roots = worktree_pointing_deep(&canonical(temp.path()), crate::limits::PROTECTED_DEPTH_MAX);
    let plan = plan_writable_roots(&roots).unwrap();
    assert!(
        plan.protected.iter().any(|path| path.ends_with("d31")),
        "{:?}",
        plan.protected
    );
}

#[test]
fn protected_paths_deeper_than_the_limit_are_refused() {
    let temp = tempfile::tempdir().unwrap();
    let depth = crate::limits::PROTECTED_DEPTH_MAX + 1;
    let roots = worktree_pointing_deep(&canonical(temp.path()), depth);
    let error = plan_writable_roots(&roots).unwrap_err();
    assert!(
        matches!(error, SandboxError::ProtectedTooDeep { .. }),
        "{error}"
    );
}
