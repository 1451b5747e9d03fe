use std::path::Path;

use super::*;

#[derive(Debug, Deserialize)]
#[allow(dead_code, reason = "parsed for its errors only")]
struct File {
    thread_unload_delay_secs: Option<u64>,
    #[serde(default)]
    sandbox_workspace_write: Inner,
}

#[derive(Debug, Default, Deserialize)]
#[allow(dead_code, reason = "parsed for its errors only")]
struct Inner {
    network_access: Option<bool>,
}

fn problem(text: &str) -> Problem {
    let err = toml::from_str::<File>(text).expect_err("invalid");
    from_toml(Path::new("/h/config.toml"), text, &err)
}

#[test]
fn a_bad_value_is_placed_on_its_value_and_named_by_its_key() {
    let text = "model = \"m\"\nthread_unload_delay_secs = \"abc\"\n";
    let problem = problem(text);
    assert_eq!(
        problem.invalid.details,
        "/h/config.toml:2:28: invalid type: string \"abc\", expected u64"
    );
    assert_eq!(problem.invalid.path.as_deref(), Some("/h/config.toml"));
    let range = problem.invalid.range.expect("range");
    assert_eq!((range.start.line, range.start.column), (2, 28));
    assert_eq!((range.end.line, range.end.column), (2, 32));
    assert_eq!(problem.key.as_deref(), Some("thread_unload_delay_secs"));
}

#[test]
fn a_bad_value_in_a_table_is_named_by_its_dotted_key() {
    let text = "[sandbox_workspace_write]\nnetwork_access = 3\n";
    let problem = problem(text);
    assert_eq!(
        problem.key.as_deref(),
        Some("sandbox_workspace_write.network_access")
    );
    assert!(
        problem.invalid.details.starts_with("/h/config.toml:2:18: "),
        "{}",
        problem.invalid.details
    );
}

#[test]
fn columns_count_characters_not_bytes() {
    let text = "# é\nthread_unload_delay_secs = 1.5 # é\n";
    let range = problem(text).invalid.range.expect("range");
    assert_eq!((range.start.line, range.start.column), (2, 28));
    assert_eq!(position("é\nab", 5), TextPosition { line: 2, column: 3 });
}
