//! Execpolicy rules (core.md §4.2–§4.3): `prefix_rule(pattern=[…], decision="allow" | "prompt" |
//! "forbidden")` lines in `<home>/rules/*.rules`, read when a turn starts; `allow` rules are
//! appended when the user answers `acceptWithExecpolicyAmendment`. weft reads only the
//! `prefix_rule` lines with string patterns; other Starlark in those files is left alone.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The file amendments are appended to, as the reference.
const RULES_FILE: &str = "rules/default.rules";

/// Largest rules file read; a bigger one is skipped with a warning.
const RULES_FILE_BYTES_MAX: u64 = 1024 * 1024;

/// What a rule says about the commands it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum RuleDecision {
    /// Run without asking.
    Allow,
    /// Ask, whatever the approval policy would do.
    Prompt,
    /// Never run: `` `<command>` rejected: blocked by policy ``.
    Forbidden,
}

/// One `prefix_rule`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rule {
    /// The command words the rule matches as a prefix.
    pub(crate) prefix: Vec<String>,
    /// Its decision.
    pub(crate) decision: RuleDecision,
}

/// The rules of every rules file under `home`.
pub(crate) fn load(home: &Path) -> Vec<Rule> {
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
        let (rules, unread) = parse_rules(&text);
        if unread > 0 {
            tracing::warn!(path = %path.display(), unread, "prefix_rule calls weft could not read; they are not applied");
        }
        prefixes.extend(rules);
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

/// Every `prefix_rule(…)` call of a rules file, in any layout (one line or several, spaces
/// around `=`, trailing commas), and how many calls could not be read.
fn parse_rules(text: &str) -> (Vec<Rule>, usize) {
    let mut rules = Vec::new();
    let mut unread = 0;
    let mut rest = text;
    while let Some(start) = rest.find("prefix_rule(") {
        let call = &rest[start..];
        let Some(end) = closing_paren(call) else {
            unread += 1;
            break;
        };
        let compact: String = unquoted_whitespace_removed(&call[..=end]);
        match parse_rule(&compact) {
            Some(rule) => rules.push(rule),
            None => unread += 1,
        }
        rest = &call[end + 1..];
    }
    (rules, unread)
}

/// Index of the `)` closing the call that `call` starts with, outside string literals.
fn closing_paren(call: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (index, ch) in call.char_indices() {
        if let Some(open) = quote {
            if escaped {
                escaped = false;
            } else if ch == '\\' {
                escaped = true;
            } else if ch == open {
                quote = None;
            }
            continue;
        }
        match ch {
            '"' | '\'' => quote = Some(ch),
            '(' => depth += 1,
            ')' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(index);
                }
            }
            _ => {}
        }
    }
    None
}

/// The call with whitespace outside string literals removed, trailing commas dropped.
fn unquoted_whitespace_removed(call: &str) -> String {
    let mut out = String::with_capacity(call.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for ch in call.chars() {
        if let Some(open) = quote {
            out.push(ch);
            if escaped {
                escaped = false;
            } else if ch == '\\' {
                escaped = true;
            } else if ch == open {
                quote = None;
            }
        } else if ch == '"' || ch == '\'' {
            quote = Some(ch);
            out.push(ch);
        } else if !ch.is_whitespace() {
            out.push(ch);
        }
    }
    out.replace(",)", ")").replace(",]", "]")
}

/// One `prefix_rule(pattern=["a", "b"], decision="allow")` call.
fn parse_rule(line: &str) -> Option<Rule> {
    let body = line
        .trim()
        .strip_prefix("prefix_rule(")?
        .strip_suffix(')')?;
    let decision = if body.contains("decision=\"allow\"") {
        RuleDecision::Allow
    } else if body.contains("decision=\"prompt\"") {
        RuleDecision::Prompt
    } else if body.contains("decision=\"forbidden\"") {
        RuleDecision::Forbidden
    } else {
        return None;
    };
    let pattern = body.split_once("pattern=")?.1;
    let end = pattern.find(']')?;
    let prefix = serde_json::from_str::<Vec<String>>(&pattern[..=end]).ok()?;
    (!prefix.is_empty()).then_some(Rule { prefix, decision })
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
        let prefixes: Vec<Vec<String>> = load(home.path())
            .into_iter()
            .map(|rule| {
                assert_eq!(rule.decision, RuleDecision::Allow);
                rule.prefix
            })
            .collect();
        assert_eq!(
            prefixes,
            vec![prefix, vec!["git".to_owned(), "status".to_owned()]]
        );
    }

    #[test]
    fn reads_each_decision_and_ignores_other_starlark() {
        let rule = |prefix: &str, decision| {
            Some(Rule {
                prefix: vec![prefix.to_owned()],
                decision,
            })
        };
        assert_eq!(
            parse_rule(r#"prefix_rule(pattern=["rm"], decision="forbidden")"#),
            rule("rm", RuleDecision::Forbidden)
        );
        assert_eq!(
            parse_rule(r#"prefix_rule(pattern=["git"], decision="prompt")"#),
            rule("git", RuleDecision::Prompt)
        );
        assert_eq!(
            parse_rule(r#"  prefix_rule(pattern=["ls"], decision="allow")  "#),
            rule("ls", RuleDecision::Allow)
        );
        assert_eq!(parse_rule("def f(): pass"), None);
        assert_eq!(
            parse_rule(r#"prefix_rule(pattern=[], decision="allow")"#),
            None
        );
        assert_eq!(
            parse_rule(r#"prefix_rule(pattern=["x"], decision="maybe")"#),
            None
        );
    }

    #[test]
    fn reads_rules_in_any_layout_and_counts_the_rest() {
        let text = r#"
# team rules
prefix_rule(
    pattern = ["rm", "-rf"],
    decision = "forbidden",
)
prefix_rule(pattern=["git", "status"], decision="allow")
prefix_rule(pattern = ["a (b)"], decision = "prompt")
prefix_rule(pattern = some_list, decision = "allow")
"#;
        let (rules, unread) = parse_rules(text);
        let expected = |prefix: &[&str], decision| Rule {
            prefix: prefix.iter().map(|word| (*word).to_owned()).collect(),
            decision,
        };
        assert_eq!(
            rules,
            vec![
                expected(&["rm", "-rf"], RuleDecision::Forbidden),
                expected(&["git", "status"], RuleDecision::Allow),
                expected(&["a (b)"], RuleDecision::Prompt),
            ]
        );
        assert_eq!(unread, 1);
    }
}
