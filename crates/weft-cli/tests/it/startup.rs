//! The catalog reads the Codex TUI makes at start-up: `skills/list` (user and repo skills found
//! on disk, malformed SKILL.md files as error entries, its bounds), `hooks/list` (none),
//! `collaborationMode/list` and `account/bedrock/checkGovCloudRequirements`. Every wire result
//! is checked against the reference schema by the wire client and again explicitly here, except
//! the two experimental ones, whose results the stable schema lacks (checked by hand instead).

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use weft_test_support::schema::SchemaValidator;

use crate::harness::{Client, Harness};

/// Writes `contents` to `root/relative`, creating its folders.
fn write(root: &Path, relative: &str, contents: &str) -> PathBuf {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, contents).unwrap();
    path
}

/// A SKILL.md with a name and a one-line description.
fn skill(name: &str, description: &str) -> String {
    format!("---\nname: {name}\ndescription: {description}\n---\n\n# {name}\n")
}

/// `method` answered with a result that the reference schema accepts.
async fn call_valid(client: &mut Client, method: &str, params: Value) -> Value {
    let result = client.call_ok(method, params).await;
    SchemaValidator::reference()
        .validate_response(method, &result)
        .unwrap_or_else(|err| panic!("{err}"));
    result
}

/// `(code, message)` of an error response to `method`.
async fn call_error(client: &mut Client, method: &str, params: Value) -> (i64, String) {
    let (response, _) = client.call(method, params).await;
    let error = &response["error"];
    assert!(error.is_object(), "expected an error: {response}");
    (
        error["code"].as_i64().unwrap(),
        error["message"].as_str().unwrap().to_owned(),
    )
}

/// The skills of an entry whose SKILL.md lies under `root` (the machine's own `~/.agents/skills`
/// may add others).
fn skills_under<'a>(entry: &'a Value, root: &Path) -> Vec<&'a Value> {
    entry["skills"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|skill| Path::new(skill["path"].as_str().unwrap()).starts_with(root))
        .collect()
}

/// `path → message` of an entry's errors under `root`.
fn errors_under(entry: &Value, root: &Path) -> Vec<(PathBuf, String)> {
    entry["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| {
            (
                PathBuf::from(error["path"].as_str().unwrap()),
                error["message"].as_str().unwrap().to_owned(),
            )
        })
        .filter(|(path, _)| path.starts_with(root))
        .collect()
}

#[tokio::test]
async fn skills_list_finds_user_and_repo_skills() {
    let mut harness = Harness::start().await;
    let home = harness.home.path().to_path_buf();
    let canonical_home = home.canonicalize().unwrap();
    write(
        &home,
        "skills/alpha/SKILL.md",
        "---\nname: alpha-skill # the name\ndescription: |-\n  Does alpha\n  things.\n\
         metadata:\n  short-description: Alpha in short\n---\n\n# Alpha\n",
    );
    write(
        &home,
        "skills/nested/deeper/unnamed/SKILL.md",
        "---\ndescription: 'Named after its folder'\n---\n",
    );
    write(
        &home,
        "skills/.hidden/SKILL.md",
        &skill("hidden", "never listed"),
    );
    std::os::unix::fs::symlink(home.join("skills"), home.join("skills/loop")).unwrap();
    // A project (its root holds `.git`) with skills at its root and in a subfolder, and the
    // cwd below both; the folder above the project root is not part of it.
    std::fs::create_dir_all(home.join("proj/.git")).unwrap();
    write(
        &home,
        "proj/.codex/skills/beta/SKILL.md",
        &skill("beta", "Repo skill in .codex"),
    );
    write(
        &home,
        "proj/.agents/skills/gamma/SKILL.md",
        &skill("gamma", "Repo skill in .agents"),
    );
    write(
        &home,
        "proj/sub/.agents/skills/delta/SKILL.md",
        &skill("delta", "Nearer the cwd"),
    );
    write(
        &home,
        ".agents/skills/outside/SKILL.md",
        &skill("outside", "Above the project"),
    );
    let cwd = home.join("proj/sub/work");
    std::fs::create_dir_all(&cwd).unwrap();
    // `[[skills.config]]` disables a skill by path (relative to the config's folder).
    let config = home.join("config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n[[skills.config]]\npath = \"skills/alpha/SKILL.md\"\nenabled = false\n");
    std::fs::write(&config, text).unwrap();
    harness.restart();
    let mut client = harness.connect().await;

    let cwd_text = cwd.display().to_string();
    let result = call_valid(&mut client, "skills/list", json!({"cwds": [cwd_text]})).await;

    let data = result["data"].as_array().unwrap();
    assert_eq!(data.len(), 1);
    assert_eq!(data[0]["cwd"], json!(cwd_text));
    assert_eq!(errors_under(&data[0], &canonical_home), vec![]);
    let listed: Vec<(&str, &str, &str, bool)> = skills_under(&data[0], &canonical_home)
        .into_iter()
        .map(|skill| {
            (
                skill["name"].as_str().unwrap(),
                skill["scope"].as_str().unwrap(),
                skill["path"].as_str().unwrap(),
                skill["enabled"].as_bool().unwrap(),
            )
        })
        .collect();
    let path = |relative: &str| canonical_home.join(relative).display().to_string();
    assert_eq!(
        listed,
        vec![
            (
                "beta",
                "repo",
                path("proj/.codex/skills/beta/SKILL.md").as_str(),
                true
            ),
            (
                "delta",
                "repo",
                path("proj/sub/.agents/skills/delta/SKILL.md").as_str(),
                true
            ),
            (
                "gamma",
                "repo",
                path("proj/.agents/skills/gamma/SKILL.md").as_str(),
                true
            ),
            (
                "alpha-skill",
                "user",
                path("skills/alpha/SKILL.md").as_str(),
                false
            ),
            (
                "unnamed",
                "user",
                path("skills/nested/deeper/unnamed/SKILL.md").as_str(),
                true
            ),
        ]
    );
    let skills = skills_under(&data[0], &canonical_home);
    assert_eq!(skills[3]["description"], json!("Does alpha things."));
    assert_eq!(skills[3]["shortDescription"], json!("Alpha in short"));
    assert_eq!(skills[4]["description"], json!("Named after its folder"));
    assert!(skills[4].get("shortDescription").is_none());
}

#[tokio::test]
async fn skills_list_reports_malformed_skill_files() {
    let harness = Harness::start().await;
    let home = harness.home.path().to_path_buf();
    let canonical_home = home.canonicalize().unwrap();
    let long_name = format!("---\nname: {}\ndescription: x\n---\n", "n".repeat(65));
    let long_description = format!("---\nname: long\ndescription: {}\n---\n", "d".repeat(1025));
    let cases = [
        (
            "no-front-matter",
            "# Only markdown\n",
            "missing YAML frontmatter delimited by ---",
        ),
        (
            "unclosed",
            "---\nname: open\ndescription: never closed\n",
            "missing YAML frontmatter delimited by ---",
        ),
        (
            "no-description",
            "---\nname: quiet\n---\n",
            "missing field `description`",
        ),
        (
            "colon",
            "---\nname: colon\ndescription: Use when: asked\n---\n",
            "invalid YAML: mapping values are not allowed in this context at line 2",
        ),
        (
            "quote",
            "---\nname: \"open\ndescription: x\n---\n",
            "invalid YAML: unterminated quoted scalar at line 1",
        ),
        (
            "long-name",
            long_name.as_str(),
            "invalid name: exceeds maximum length of 64 characters",
        ),
        (
            "long-description",
            long_description.as_str(),
            "invalid description: exceeds maximum length of 1024 characters",
        ),
    ];
    for (folder, contents, _) in &cases {
        write(&home, &format!("skills/{folder}/SKILL.md"), contents);
    }
    write(
        &home,
        "skills/good/SKILL.md",
        &skill("good", "Still listed"),
    );
    let mut client = harness.connect().await;

    let result = call_valid(
        &mut client,
        "skills/list",
        json!({"cwds": [home.display().to_string()], "forceReload": true}),
    )
    .await;

    let entry = &result["data"][0];
    let mut errors = errors_under(entry, &canonical_home);
    errors.sort();
    let mut expected: Vec<(PathBuf, String)> = cases
        .iter()
        .map(|(folder, _, message)| {
            (
                canonical_home.join(format!("skills/{folder}/SKILL.md")),
                (*message).to_owned(),
            )
        })
        .collect();
    expected.sort();
    assert_eq!(errors, expected);
    let names: Vec<&str> = skills_under(entry, &canonical_home)
        .iter()
        .map(|skill| skill["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["good"]);
}

#[tokio::test]
async fn skills_list_defaults_to_the_server_cwd_and_keeps_its_bounds() {
    let harness = Harness::start().await;
    let home = harness.home.path().to_path_buf();
    let canonical_home = home.canonicalize().unwrap();
    // SKILL.md six folders below the root is found; seven is past SKILL_SCAN_DEPTH_MAX.
    write(
        &home,
        "skills/1/2/3/4/5/6/SKILL.md",
        &skill("six", "Deep enough"),
    );
    write(
        &home,
        "skills/1/2/3/4/5/6/7/SKILL.md",
        &skill("seven", "Too deep"),
    );
    let mut client = harness.connect().await;

    let result = call_valid(&mut client, "skills/list", json!({})).await;
    let server_cwd = std::env::current_dir().unwrap().display().to_string();
    assert_eq!(result["data"][0]["cwd"], json!(server_cwd));

    let result = call_valid(
        &mut client,
        "skills/list",
        json!({"cwds": [home.display().to_string(), "relative/../."]}),
    )
    .await;
    let names: Vec<&str> = skills_under(&result["data"][0], &canonical_home)
        .iter()
        .map(|skill| skill["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["six"]);
    assert_eq!(result["data"][1]["cwd"], json!("relative/../."));

    let too_many: Vec<String> = (0..=weft_core::limits::SKILLS_LIST_CWDS_MAX)
        .map(|index| format!("/tmp/{index}"))
        .collect();
    let (code, message) = call_error(&mut client, "skills/list", json!({"cwds": too_many})).await;
    assert_eq!(
        (code, message.as_str()),
        (-32602, "skills/list takes at most 256 cwds, got 257")
    );
    let (code, message) = call_error(&mut client, "skills/list", json!({"cwds": 5})).await;
    assert_eq!(
        (code, message.as_str()),
        (
            -32600,
            "Invalid request: invalid type: integer `5`, expected a sequence"
        )
    );
}

#[tokio::test]
async fn hooks_list_answers_no_hooks_per_cwd() {
    let mut harness = Harness::start().await;
    let mut client = harness.connect().await;

    let result = call_valid(&mut client, "hooks/list", json!({"cwds": ["/a", "/b"]})).await;
    let none = |cwd: &str| json!({"cwd": cwd, "hooks": [], "warnings": [], "errors": []});
    assert_eq!(result, json!({"data": [none("/a"), none("/b")]}));

    let result = call_valid(&mut client, "hooks/list", json!({})).await;
    let server_cwd = std::env::current_dir().unwrap().display().to_string();
    assert_eq!(result, json!({"data": [none(&server_cwd)]}));

    let (code, message) = call_error(&mut client, "hooks/list", json!({"threadId": "thr_1"})).await;
    assert_eq!(
        (code, message.as_str()),
        (-32601, "hooks/list with threadId is not supported yet")
    );

    // Hooks in config.toml are not run, and the listing says so.
    let config = harness.home.path().join("config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n[[hooks.PreToolUse]]\nmatcher = \"Bash\"\n");
    std::fs::write(&config, text).unwrap();
    harness.restart();
    let mut client = harness.connect().await;
    let result = call_valid(&mut client, "hooks/list", json!({"cwds": ["/a"]})).await;
    let warning = format!(
        "weft does not run hooks: [hooks] in {} is ignored",
        config.display()
    );
    assert_eq!(result["data"][0]["warnings"], json!([warning]));
    assert_eq!(result["data"][0]["hooks"], json!([]));
}

/// `collaborationMode/list` and `account/bedrock/checkGovCloudRequirements` are experimental,
/// and the Codex TUI calls both at start-up (from a connection with `experimentalApi`). Their
/// results are not in the stable schema bundle the wire client validates against, so the
/// client's automatic check is off for these two calls only and each result is checked here:
/// the presets against the bundle's `CollaborationModeMask` definition, and both by value.
#[tokio::test]
async fn collaboration_modes_and_bedrock_check_have_the_reference_shape() {
    let harness = Harness::start().await;
    let validator = SchemaValidator::reference();
    let mut client = harness.connect_experimental().await;

    client.validate = false;
    let modes = client.call_ok("collaborationMode/list", json!({})).await;
    let bedrock = client
        .call_ok("account/bedrock/checkGovCloudRequirements", json!({}))
        .await;
    client.validate = true;

    let masks = modes["data"].as_array().unwrap();
    for mask in masks {
        validator
            .validate_definition("CollaborationModeMask", mask)
            .unwrap_or_else(|err| panic!("{err}"));
    }
    assert_eq!(
        modes,
        json!({"data": [
            {"name": "Plan", "mode": "plan", "model": null, "reasoning_effort": "medium"},
            {"name": "Default", "mode": "default", "model": null, "reasoning_effort": null},
        ]})
    );

    // `BedrockCheckGovCloudRequirementsResponse` has two required booleans; it is not in the
    // stable bundle, so its shape is pinned by value.
    assert_eq!(bedrock, json!({"isGovCloud": false, "shouldWarn": false}));
}
