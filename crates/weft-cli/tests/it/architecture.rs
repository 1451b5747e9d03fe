//! The crate graph points one way (style.md §2, ARCHITECTURE.md): protocol ← {store, model} ←
//! core (which also uses the leaf crates sandbox, patch and exec) ← server ← cli. A reversed or skipped edge fails here, read from `cargo metadata`.

use std::collections::{BTreeMap, BTreeSet};

/// Which weft crates each weft crate may depend on (normal dependencies).
fn allowed() -> BTreeMap<&'static str, BTreeSet<&'static str>> {
    let set = |names: &[&'static str]| names.iter().copied().collect::<BTreeSet<_>>();
    BTreeMap::from([
        ("weft-protocol", set(&[])),
        ("weft-shellwords", set(&[])),
        ("weft-store", set(&["weft-protocol", "weft-shellwords"])),
        ("weft-model", set(&["weft-protocol"])),
        ("weft-sandbox", set(&[])),
        ("weft-memory", set(&[])),
        ("weft-patch", set(&[])),
        ("weft-exec", set(&["weft-shellwords"])),
        (
            "weft-core",
            set(&[
                "weft-protocol",
                "weft-store",
                "weft-model",
                "weft-sandbox",
                "weft-memory",
                "weft-patch",
                "weft-exec",
            ]),
        ),
        ("weft-server", set(&["weft-protocol", "weft-core"])),
        (
            "weft-cli",
            set(&[
                "weft-protocol",
                "weft-store",
                "weft-model",
                "weft-core",
                "weft-server",
                "weft-sandbox",
                "weft-memory",
                "weft-patch",
                "weft-exec",
            ]),
        ),
        ("weft-test-support", set(&[])),
    ])
}

#[test]
fn crate_dependencies_point_one_way() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo metadata");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let allowed = allowed();
    let mut seen = BTreeSet::new();
    for package in metadata["packages"].as_array().unwrap() {
        let name = package["name"].as_str().unwrap();
        let Some(permitted) = allowed.get(name) else {
            panic!(
                "crate {name} is not in the architecture map; add it to ARCHITECTURE.md and here"
            );
        };
        seen.insert(name);
        for dependency in package["dependencies"].as_array().unwrap() {
            let target = dependency["name"].as_str().unwrap();
            let normal = dependency["kind"].is_null();
            if target.starts_with("weft-") && normal {
                assert!(
                    permitted.contains(target),
                    "{name} must not depend on {target}"
                );
            }
            if target == "weft-test-support" {
                assert!(!normal, "{name}: weft-test-support is dev-only");
            }
        }
    }
    assert_eq!(seen.len(), allowed.len(), "every mapped crate exists");
}

#[test]
fn generate_json_schema_writes_the_reference_layout() {
    let out = tempfile::tempdir().unwrap();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_weft"))
        .args(["app-server", "generate-json-schema", "--out"])
        .arg(out.path())
        .status()
        .unwrap();
    assert!(status.success());
    for file in [
        "v1/InitializeParams.json",
        "v2/ThreadStartParams.json",
        "v2/TurnStartResponse.json",
        "ServerNotification.json",
        "codex_app_server_protocol.schemas.json",
    ] {
        let text = std::fs::read_to_string(out.path().join(file))
            .unwrap_or_else(|err| panic!("{file}: {err}"));
        let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(schema.is_object(), "{file}");
    }
    let start: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("v2/ThreadStartResponse.json")).unwrap(),
    )
    .unwrap();
    let required: Vec<&str> = start["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for field in [
        "approvalPolicy",
        "approvalsReviewer",
        "cwd",
        "model",
        "modelProvider",
        "sandbox",
        "thread",
    ] {
        assert!(
            required.contains(&field),
            "{field} is required as in the reference"
        );
    }
}

/// Only weft-sandbox and weft-memory may contain `unsafe` (ARCHITECTURE.md): every other crate
/// inherits the workspace lints, where `unsafe_code` is forbidden.
#[test]
fn only_the_sandbox_and_memory_crates_may_use_unsafe() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let workspace = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(workspace.contains("unsafe_code = \"forbid\""));
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        let inherits = manifest.contains("[lints]\nworkspace = true");
        let allowed_unsafe = name == "weft-sandbox" || name == "weft-memory";
        if allowed_unsafe {
            assert!(
                manifest.contains("unsafe_code = \"deny\""),
                "{name} denies unsafe by default"
            );
        } else {
            assert!(
                inherits,
                "{name} must inherit the workspace lints (unsafe forbidden)"
            );
        }
        let sources = walk(&dir.join("src"));
        for source in sources {
            let text = std::fs::read_to_string(&source).unwrap();
            if !allowed_unsafe {
                assert!(!text.contains("unsafe {"), "unsafe in {}", source.display());
            }
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return files;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files
}
