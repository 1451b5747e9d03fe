//! Execpolicy rules the user allowed (core.md §4.2–§4.3): `prefix_rule(pattern=[…],
//! decision="allow")` lines in `<home>/rules/*.rules`, read when a turn starts and appended when
//! the user answers `acceptWithExecpolicyAmendment`. weft reads only the `prefix_rule` lines
//! with string patterns; other Starlark in those files is left alone (and logged once).

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The file amendments are appended to, as the reference.
const RULES_FILE: &str = "rules/default.rules";

/// Largest rules file read; a bigger one is skipped with a warning.
const RULES_FILE_BYTES_MAX: u64 = 1024 * 1024;

/// The allowed prefixes of every rules file under `home`.
pub(crate) fn allowed_prefixes(home: &Path) -> Vec<Vec<String>> {
    let Ok(entries) = std::fs::read_dir(home.join("rules")) else {
        return Vec::new();
    };
    let mut prefixes = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|ext| ext != "rules") {
            continue;
        }
        if entry
            .metadata()
            .is_ok_and(|meta| meta.len() > RULES_FILE_BYTES_MAX)
        {
            tracing::warn!(path = %path.display(), "rules file too large; skipped");
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        prefixes.extend(text.lines().filter_map(parse_allow_rule));
    }
    prefixes
}

/// Appends an allow rule for `prefix` to the user's rules file.
pub(crate) fn append_allow_rule(home: &Path, prefix: &[String]) -> std::io::Result<PathBuf> {
    let path = home.join(RULES_FILE);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let pattern = serde_json::to_string(prefix).map_err(std::io::Error::other)?;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)?;
    writeln!(file, "prefix_rule(pattern={pattern}, decision=\"allow\")")?;
    file.sync_all()?;
    Ok(path)
}

/// The pattern of one `prefix_rule(pattern=["a", "b"], decision="allow")` line.
fn parse_allow_rule(line: &str) -> Option<Vec<String>> {
    let body = line
        .trim()
        .strip_prefix("prefix_rule(")?
        .strip_suffix(')')?;
    if !body.contains("decision=\"allow\"") {
        return None;
    }
    let pattern = body.split_once("pattern=")?.1;
    let end = pattern.find(']')?;
    serde_json::from_str::<Vec<String>>(&pattern[..=end]).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_it_appends() {
        let home = tempfile::tempdir().unwrap();
        let prefix = vec!["echo".to_owned(), "hello \"x\"".to_owned()];
        append_allow_rule(home.path(), &prefix).unwrap();
        append_allow_rule(home.path(), &["git".to_owned(), "status".to_owned()]).unwrap();
        assert_eq!(
            allowed_prefixes(home.path()),
            vec![prefix, vec!["git".to_owned(), "status".to_owned()]]
        );
    }

    #[test]
    fn ignores_other_decisions_and_other_starlark() {
        assert_eq!(
            parse_allow_rule(r#"prefix_rule(pattern=["rm"], decision="forbidden")"#),
            None
        );
        assert_eq!(parse_allow_rule("def f(): pass"), None);
        assert_eq!(
            parse_allow_rule(r#"  prefix_rule(pattern=["ls"], decision="allow")  "#),
            Some(vec!["ls".to_owned()])
        );
    }
}
