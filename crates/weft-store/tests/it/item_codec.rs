//! `item_codec`: every wire item type survives the rollout (encode → JSON line → decode), the
//! reference's own `CommandExecution` line decodes to what the reference sent on the wire, and
//! both readers decode every type alike.
//!
//! Where the format loses something, the expected item is the normalised one, and
//! `normalised` says what and why.

use proptest::prelude::*;
use serde_json::{Value, json};
use weft_protocol::v2::{FileUpdateChange, ItemBody, PatchChangeKind, ThreadItem, UserInput};
use weft_store::item_codec::{shell_join, shell_split};
use weft_store::line::kind;
use weft_store::{
    RolloutWriter, decode_core_item, digest_rollout, encode_core_item, item_completed_payload,
    read_rollout,
};

use crate::support::{SAMPLE_ID, TestHome, ThreadSpec, at, sample_source};

/// Encodes `item` as weft-core would, through the JSON text of a line, and decodes it back.
fn through_rollout(item: &ThreadItem) -> ThreadItem {
    let payload = item_completed_payload("thread", "turn", item).expect("recorded");
    let line: Value = serde_json::from_str(&payload.to_string()).expect("json");
    assert_eq!(line["type"], "item_completed");
    assert_eq!(line["thread_id"], "thread");
    assert_eq!(line["turn_id"], "turn");
    let time = |key: &str| line.get(key).and_then(Value::as_i64);
    decode_core_item(
        &line["item"],
        time("started_at_ms"),
        time("completed_at_ms"),
    )
    .expect("decodes")
}

/// What the format keeps of `item` (see each item module's doc).
fn normalised(item: &ThreadItem) -> ThreadItem {
    let body = match item.body.clone() {
        // Audio and URL-less images have no core input; an image's file id has no core field.
        ItemBody::UserMessage {
            id,
            content,
            client_id,
        } => ItemBody::UserMessage {
            id,
            content: content
                .into_iter()
                .filter_map(|input| match input {
                    UserInput::Image {
                        url: Some(url),
                        detail,
                        ..
                    } => Some(UserInput::Image {
                        url: Some(url),
                        file_id: None,
                        detail,
                    }),
                    UserInput::Image { url: None, .. }
                    | UserInput::Audio { .. }
                    | UserInput::LocalAudio { .. } => None,
                    other => Some(other),
                })
                .collect(),
            client_id,
        },
        // Questions and moderation are live-only.
        ItemBody::AgentMessage {
            id,
            text,
            phase,
            memory_citation,
            delivery,
            ..
        } => ItemBody::AgentMessage {
            id,
            text,
            phase,
            memory_citation,
            delivery,
            questions: None,
            moderation: None,
        },
        // No source is the reference's default, `agent`.
        ItemBody::CommandExecution {
            id,
            command,
            cwd,
            command_actions,
            status,
            aggregated_output,
            exit_code,
            duration_ms,
            process_id,
            source,
        } => ItemBody::CommandExecution {
            id,
            command,
            cwd,
            command_actions,
            status,
            // An empty output reads back as none, as the reference shows it.
            aggregated_output: aggregated_output.filter(|output| !output.is_empty()),
            exit_code,
            duration_ms,
            process_id,
            source: Some(source.unwrap_or_else(|| "agent".to_owned())),
        },
        // Changes are keyed by path (the last one of a path stays), listed sorted by path, and
        // a moved file's diff ends with the reference's `Moved to:` line.
        ItemBody::FileChange {
            id,
            changes,
            status,
        } => {
            let mut by_path: Vec<FileUpdateChange> = Vec::new();
            for change in changes {
                by_path.retain(|kept| kept.path != change.path);
                by_path.push(with_moved_suffix(change));
            }
            by_path.sort_by(|left, right| left.path.cmp(&right.path));
            ItemBody::FileChange {
                id,
                changes: by_path,
                status,
            }
        }
        other => other,
    };
    ThreadItem {
        body,
        started_at_ms: item.started_at_ms,
        completed_at_ms: item.completed_at_ms,
    }
}

fn with_moved_suffix(mut change: FileUpdateChange) -> FileUpdateChange {
    if let PatchChangeKind::Update {
        move_path: Some(to),
    } = &change.kind
    {
        let suffix = format!("\n\nMoved to: {to}");
        if !change.diff.ends_with(&suffix) {
            change.diff.push_str(&suffix);
        }
    }
    change
}

// ---- strategies -------------------------------------------------------------------------

fn text() -> impl Strategy<Value = String> {
    any::<String>()
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(text())
}

/// An absolute path in normal form: no empty or `.` components, no trailing `/`.
fn absolute_path() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        "[^/\u{0}]{1,6}".prop_filter("not .", |part| part != "."),
        0..4,
    )
    .prop_map(|parts| format!("/{}", parts.join("/")))
}

fn times() -> impl Strategy<Value = (Option<i64>, Option<i64>)> {
    (
        proptest::option::of(any::<i64>()),
        proptest::option::of(any::<i64>()),
    )
}

fn item(body: impl Strategy<Value = ItemBody>) -> impl Strategy<Value = ThreadItem> {
    (body, times()).prop_map(|(body, (started_at_ms, completed_at_ms))| ThreadItem {
        body,
        started_at_ms,
        completed_at_ms,
    })
}

fn detail() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(prop_oneof![
        Just("auto".to_owned()),
        Just("low".to_owned()),
        Just("high".to_owned()),
        Just("original".to_owned()),
    ])
}

fn text_element() -> impl Strategy<Value = Value> {
    (any::<u32>(), any::<u32>(), opt_text()).prop_map(|(start, end, placeholder)| {
        json!({"byteRange": {"start": start, "end": end}, "placeholder": placeholder})
    })
}

fn user_input() -> impl Strategy<Value = UserInput> {
    prop_oneof![
        (text(), proptest::collection::vec(text_element(), 0..3)).prop_map(
            |(text, text_elements)| UserInput::Text {
                text,
                text_elements
            }
        ),
        (opt_text(), opt_text(), detail()).prop_map(|(url, file_id, detail)| UserInput::Image {
            url,
            file_id,
            detail
        }),
        (absolute_path(), detail())
            .prop_map(|(path, detail)| UserInput::LocalImage { path, detail }),
        (opt_text(), opt_text()).prop_map(|(url, file_id)| UserInput::Audio { url, file_id }),
        absolute_path().prop_map(|path| UserInput::LocalAudio { path }),
        (text(), absolute_path()).prop_map(|(name, path)| UserInput::Skill { name, path }),
        (text(), "app://[a-z0-9_-]{0,8}")
            .prop_map(|(name, path)| UserInput::Mention { name, path }),
    ]
}

fn user_message() -> impl Strategy<Value = ItemBody> {
    (
        text(),
        proptest::collection::vec(user_input(), 0..4),
        opt_text(),
    )
        .prop_map(|(id, content, client_id)| ItemBody::UserMessage {
            id,
            content,
            client_id,
        })
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        text().prop_map(Value::from),
    ]
}

fn agent_message() -> impl Strategy<Value = ItemBody> {
    let citation = proptest::option::of(
        proptest::collection::btree_map("[a-z_]{1,8}", json_leaf(), 0..3)
            .prop_map(|map| Value::Object(map.into_iter().collect())),
    );
    (
        (text(), text(), opt_text()),
        (citation, opt_text(), proptest::option::of(json_leaf())),
    )
        .prop_map(
            |((id, text, phase), (memory_citation, delivery, questions))| ItemBody::AgentMessage {
                id,
                text,
                phase,
                memory_citation,
                delivery,
                questions: questions.clone(),
                moderation: questions,
            },
        )
}

fn reasoning() -> impl Strategy<Value = ItemBody> {
    (
        text(),
        proptest::collection::vec(text(), 0..3),
        proptest::collection::vec(text(), 0..3),
    )
        .prop_map(|(id, summary, content)| ItemBody::Reasoning {
            id,
            summary,
            content,
        })
}

fn plan() -> impl Strategy<Value = ItemBody> {
    (text(), text()).prop_map(|(id, text)| ItemBody::Plan { id, text })
}

fn context_compaction() -> impl Strategy<Value = ItemBody> {
    text().prop_map(|id| ItemBody::ContextCompaction { id })
}

fn image_view() -> impl Strategy<Value = ItemBody> {
    (text(), absolute_path()).prop_map(|(id, path)| ItemBody::ImageView { id, path })
}

/// An argv as a model sends it: any words without NUL (execve cannot pass NUL).
fn argv() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec("[^\u{0}]{0,12}", 0..5)
}

fn command_action() -> impl Strategy<Value = Value> {
    prop_oneof![
        (text(), text(), absolute_path()).prop_map(|(command, name, path)| json!({
            "type": "read", "command": command, "name": name, "path": path,
        })),
        (text(), opt_text()).prop_map(|(command, path)| json!({
            "type": "listFiles", "command": command, "path": path,
        })),
        (text(), opt_text(), opt_text()).prop_map(|(command, query, path)| json!({
            "type": "search", "command": command, "query": query, "path": path,
        })),
        text().prop_map(|command| json!({"type": "unknown", "command": command})),
    ]
}

fn one_of(values: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::sample::select(values).prop_map(str::to_owned)
}

fn command_execution() -> impl Strategy<Value = ItemBody> {
    let statuses = &["inProgress", "completed", "failed", "declined"];
    let sources = &[
        "agent",
        "userShell",
        "unifiedExecStartup",
        "unifiedExecInteraction",
    ];
    (
        (text(), argv(), absolute_path()),
        (
            proptest::collection::vec(command_action(), 0..3),
            one_of(statuses),
            opt_text(),
        ),
        (
            proptest::option::of(any::<i32>()),
            proptest::option::of(0..=i64::MAX),
            opt_text(),
            proptest::option::of(one_of(sources)),
        ),
    )
        .prop_map(
            |(
                (id, argv, cwd),
                (command_actions, status, aggregated_output),
                (exit_code, duration_ms, process_id, source),
            )| ItemBody::CommandExecution {
                id,
                command: shell_join(&argv),
                cwd,
                command_actions,
                status,
                aggregated_output,
                exit_code,
                duration_ms,
                process_id,
                source,
            },
        )
}

fn patch_change() -> impl Strategy<Value = FileUpdateChange> {
    let kind = prop_oneof![
        Just(PatchChangeKind::Add),
        Just(PatchChangeKind::Delete),
        proptest::option::of(absolute_path())
            .prop_map(|move_path| PatchChangeKind::Update { move_path }),
    ];
    // Few distinct paths, so repeated paths occur.
    (
        prop_oneof![absolute_path(), Just("/same".to_owned())],
        kind,
        text(),
    )
        .prop_map(|(path, kind, diff)| FileUpdateChange { path, kind, diff })
}

fn file_change() -> impl Strategy<Value = ItemBody> {
    let statuses = &["inProgress", "completed", "failed", "declined"];
    (
        text(),
        proptest::collection::vec(patch_change(), 0..4),
        one_of(statuses),
    )
        .prop_map(|(id, changes, status)| ItemBody::FileChange {
            id,
            changes,
            status,
        })
}

fn any_item() -> impl Strategy<Value = ThreadItem> {
    item(prop_oneof![
        user_message(),
        agent_message(),
        reasoning(),
        plan(),
        context_compaction(),
        image_view(),
        command_execution(),
        file_change(),
    ])
}

// ---- round trips, one per item type ---------------------------------------------------------

proptest! {
    #[test]
    fn user_messages_round_trip(item in item(user_message())) {
        prop_assert_eq!(through_rollout(&item), normalised(&item));
    }

    #[test]
    fn agent_messages_round_trip(item in item(agent_message())) {
        prop_assert_eq!(through_rollout(&item), normalised(&item));
    }

    #[test]
    fn reasoning_round_trips(item in item(reasoning())) {
        prop_assert_eq!(through_rollout(&item), item);
    }

    #[test]
    fn plans_round_trip(item in item(plan())) {
        prop_assert_eq!(through_rollout(&item), item);
    }

    #[test]
    fn context_compactions_round_trip(item in item(context_compaction())) {
        prop_assert_eq!(through_rollout(&item), item);
    }

    #[test]
    fn image_views_round_trip(item in item(image_view())) {
        prop_assert_eq!(through_rollout(&item), item);
    }

    #[test]
    fn command_executions_round_trip(item in item(command_execution())) {
        prop_assert_eq!(through_rollout(&item), normalised(&item));
    }

    #[test]
    fn file_changes_round_trip(item in item(file_change())) {
        prop_assert_eq!(through_rollout(&item), normalised(&item));
    }

    #[test]
    fn normalised_items_are_fixed_points(item in any_item()) {
        let once = through_rollout(&item);
        prop_assert_eq!(through_rollout(&once), once);
    }

    #[test]
    fn shell_split_inverts_shell_join(argv in argv()) {
        prop_assert_eq!(shell_split(&shell_join(&argv)), argv);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Both readers (the `Value` reader and the digest) decode every item type alike: a rollout
    /// of generated items reads back as the normalised items, through either.
    #[test]
    fn both_readers_decode_every_type_alike(items in proptest::collection::vec(any_item(), 1..8)) {
        let test_home = TestHome::new();
        let items = prepared(&items);
        let path = write_items(&test_home, &items);
        let expected: Vec<ThreadItem> = items.iter().map(normalised).collect();
        let turns = read_rollout(&path).expect("read").turns();
        prop_assert_eq!(&turns[0].items, &expected);
        let digest = digest_rollout(&path).expect("digest");
        prop_assert_eq!(&digest.turns, &turns);
    }
}

/// Items made unique (a repeated id replaces the earlier item) and given times (an item
/// without times takes its line's time).
fn prepared(items: &[ThreadItem]) -> Vec<ThreadItem> {
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let mut item = with_unique_id(item.clone(), index);
            item.started_at_ms = item.started_at_ms.or(Some(1));
            item.completed_at_ms = item.completed_at_ms.or(Some(2));
            item
        })
        .collect()
}

fn with_unique_id(mut item: ThreadItem, index: usize) -> ThreadItem {
    let unique = |id: &mut String| *id = format!("{index}-{id}");
    match &mut item.body {
        ItemBody::UserMessage { id, .. }
        | ItemBody::AgentMessage { id, .. }
        | ItemBody::Plan { id, .. }
        | ItemBody::Reasoning { id, .. }
        | ItemBody::CommandExecution { id, .. }
        | ItemBody::FileChange { id, .. }
        | ItemBody::ImageView { id, .. }
        | ItemBody::ContextCompaction { id } => unique(id),
    }
    item
}

/// One turn holding `items`, written through `RolloutWriter`.
fn write_items(test_home: &TestHome, items: &[ThreadItem]) -> std::path::PathBuf {
    let spec = ThreadSpec::numbered(1);
    let path = spec.path(&test_home.home);
    let mut writer = RolloutWriter::create_at(&path, spec.session_meta(), at(0)).expect("create");
    let thread_id = spec.id.to_string();
    let turn_id = "turn-1";
    writer
        .append_at(
            at(1),
            kind::EVENT_MSG,
            json!({"type": "task_started", "turn_id": turn_id, "started_at": at(1).timestamp()}),
        )
        .expect("append");
    for item in items {
        let payload = item_completed_payload(&thread_id, turn_id, item).expect("recorded");
        writer
            .append_at(at(2), kind::EVENT_MSG, payload)
            .expect("append");
    }
    writer
        .append_at(
            at(3),
            kind::EVENT_MSG,
            json!({"type": "task_complete", "turn_id": turn_id, "completed_at": at(3).timestamp()}),
        )
        .expect("append");
    writer.sync().expect("sync");
    path
}

// ---- the reference's own CommandExecution --------------------------------------------------

/// The `item_completed` payload of the sample's `CommandExecution` (line 12).
fn sample_command_payload() -> Value {
    let text = std::fs::read_to_string(sample_source()).expect("sample");
    let line = text.lines().nth(11).expect("line 12");
    let line: Value = serde_json::from_str(line).expect("json");
    assert_eq!(line["payload"]["item"]["type"], "CommandExecution");
    line["payload"].clone()
}

/// What the reference sent as `item/completed` for the same command in the `approval`
/// transcript (`codex-0.169.0-transcripts/codex-approval.jsonl`, line 22), with the values of
/// that run (call id, work folder, pid, times) replaced by the sample's. `pluginId` and
/// `scriptPath` (both `null` there) are not modelled by weft-protocol and left out.
fn reference_wire_item() -> Value {
    json!({
        "type": "commandExecution",
        "id": "call_2",
        "command": "/bin/bash -lc 'echo hello-approval'",
        "cwd": "/tmp/drive-work-fsvat5b4",
        "processId": "27894",
        "source": "unifiedExecStartup",
        "status": "completed",
        "commandActions": [{"type": "unknown", "command": "echo hello-approval"}],
        "aggregatedOutput": "pyenv: cannot rehash: /root/.pyenv/shims isn't writable\nhello-approval\n",
        "exitCode": 0,
        "durationMs": 0,
        "startedAtMs": 1795567169488_i64,
        "completedAtMs": 1795567169662_i64,
    })
}

#[test]
fn the_reference_command_line_decodes_to_what_the_reference_sent() {
    let payload = sample_command_payload();
    let time = |key: &str| payload[key].as_i64();
    let item = decode_core_item(
        &payload["item"],
        time("started_at_ms"),
        time("completed_at_ms"),
    )
    .expect("decodes");
    assert_eq!(
        serde_json::to_value(&item).expect("json"),
        reference_wire_item()
    );
}

#[test]
fn the_reference_command_line_is_written_back_as_the_reference_wrote_it() {
    let payload = sample_command_payload();
    let item: ThreadItem = serde_json::from_value(reference_wire_item()).expect("wire item");
    let written = item_completed_payload(SAMPLE_ID, "01a21024-af50-7803-8f31-2287b5c5633e", &item)
        .expect("recorded");
    // The only difference: the reference's 73 µs are whole milliseconds on the wire.
    let mut expected = payload;
    expected["item"]["duration"] = json!({"secs": 0, "nanos": 0});
    assert_eq!(written.to_string(), expected.to_string());
    assert_eq!(encode_core_item(&item), Some(expected["item"].clone()));
}

#[test]
fn legacy_patch_and_image_events_are_items() {
    use crate::support::write_lines;
    let test_home = TestHome::new();
    let spec = ThreadSpec {
        paginated: false,
        ..ThreadSpec::numbered(2)
    };
    let path = spec.path(&test_home.home);
    let event = |time: &str, payload: Value| json!({"timestamp": time, "type": "event_msg", "payload": payload});
    write_lines(
        &path,
        &[
            json!({"timestamp": "2026-03-02T09:15:00.000Z", "type": "session_meta", "payload": spec.session_meta()}),
            event(
                "2026-03-02T09:15:01.000Z",
                json!({"type": "user_message", "message": "patch it"}),
            ),
            event(
                "2026-03-02T09:15:02.000Z",
                json!({"type": "patch_apply_end", "call_id": "call_9", "stdout": "", "stderr": "",
                "success": true, "changes": {
                    "/w/b.txt": {"update": {"unified_diff": "@@ -1 +1 @@\n-a\n+b\n", "move_path": "/w/c.txt"}},
                    "/w/a.txt": {"type": "add", "content": "hello\n"},
                }}),
            ),
            event(
                "2026-03-02T09:15:03.000Z",
                json!({"type": "view_image_tool_call", "call_id": "call_10", "path": "/w/p.png"}),
            ),
        ],
    );
    let turns = read_rollout(&path).expect("read").turns();
    let wire = serde_json::to_value(&turns[0].items).expect("json");
    assert_eq!(
        wire[1],
        json!({"type": "fileChange", "id": "call_9", "status": "completed", "changes": [
            {"path": "/w/a.txt", "kind": {"type": "add"}, "diff": "hello\n"},
            {"path": "/w/b.txt", "kind": {"type": "update", "move_path": "/w/c.txt"},
                "diff": "@@ -1 +1 @@\n-a\n+b\n\n\nMoved to: /w/c.txt"},
        ], "startedAtMs": 1772442902000_i64, "completedAtMs": 1772442902000_i64})
    );
    assert_eq!(
        wire[2],
        json!({"type": "imageView", "id": "call_10", "path": "/w/p.png",
            "startedAtMs": 1772442903000_i64, "completedAtMs": 1772442903000_i64})
    );
    assert_eq!(digest_rollout(&path).expect("digest").turns, turns);
}

// ---- the reference's own tool turns (bench/compat/tool_history.py) --------------------------

/// The reference-written rollout of `RUN: echo hi-from-weft` + `PATCH: made-by-weft.txt` and
/// the items the reference sent live for them (`tests/fixtures/README.md`).
fn reference_tool_turns() -> (std::path::PathBuf, Vec<Value>) {
    let fixtures = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let live = std::fs::read_to_string(fixtures.join("reference-tool-turns.live.json"))
        .expect("live items");
    let live: Vec<Value> = serde_json::from_str(&live).expect("json");
    (fixtures.join("reference-tool-turns.jsonl"), live)
}

/// A live wire item without the fields weft-protocol does not model (`pluginId`, `scriptPath`:
/// `null` in every command the reference sent here).
fn without_unmodelled(mut item: Value) -> Value {
    if let Some(object) = item.as_object_mut() {
        for key in ["pluginId", "scriptPath"] {
            if let Some(value) = object.remove(key) {
                assert_eq!(value, Value::Null, "{key}");
            }
        }
    }
    item
}

#[test]
fn the_reference_tool_turns_decode_to_what_the_reference_sent_live() {
    let (path, live) = reference_tool_turns();
    let turns = read_rollout(&path).expect("read").turns();
    assert_eq!(turns.len(), 2);
    let read: Vec<Value> = turns
        .iter()
        .flat_map(|turn| turn.items.iter())
        .map(|item| serde_json::to_value(item).expect("json"))
        .collect();
    let kinds: Vec<&str> = read
        .iter()
        .filter_map(|item| item["type"].as_str())
        .collect();
    assert_eq!(
        kinds,
        [
            "userMessage",
            "commandExecution",
            "agentMessage",
            "userMessage",
            "fileChange",
            "agentMessage"
        ]
    );
    // The tool items, field for field as the reference sent them.
    for (read, live) in read.iter().zip(&live) {
        if matches!(
            live["type"].as_str(),
            Some("commandExecution" | "fileChange")
        ) {
            assert_eq!(*read, without_unmodelled(live.clone()));
        }
    }
    // Every item, as the typed wire item (the live messages also carry the `null`s of fields
    // weft leaves out).
    let live_items: Vec<ThreadItem> = live
        .into_iter()
        .map(|item| serde_json::from_value(without_unmodelled(item)).expect("wire item"))
        .collect();
    let read_items: Vec<ThreadItem> = turns.iter().flat_map(|turn| turn.items.clone()).collect();
    assert_eq!(read_items, live_items);
    assert_eq!(digest_rollout(&path).expect("digest").turns, turns);
}

#[test]
fn the_reference_tool_items_are_written_back_as_the_reference_wrote_them() {
    let (path, live) = reference_tool_turns();
    let text = std::fs::read_to_string(&path).expect("fixture");
    let written: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("json"))
        .filter(|line| line["payload"]["type"] == "item_completed")
        .map(|line| line["payload"]["item"].clone())
        .filter(|item| {
            matches!(
                item["type"].as_str(),
                Some("CommandExecution" | "FileChange")
            )
        })
        .collect();
    let tools: Vec<ThreadItem> = live
        .into_iter()
        .filter(|item| {
            matches!(
                item["type"].as_str(),
                Some("commandExecution" | "fileChange")
            )
        })
        .map(|item| serde_json::from_value(without_unmodelled(item)).expect("wire item"))
        .collect();
    assert_eq!(written.len(), 2);
    // What weft cannot write: the reference's nanoseconds (whole milliseconds on the wire) and
    // the patch's `stdout`/`stderr` (not on the wire item).
    let mut command = written[0].clone();
    command["duration"] = json!({"secs": 0, "nanos": 0});
    let mut patch = written[1].clone();
    let patch_object = patch.as_object_mut().expect("object");
    patch_object.remove("stdout");
    patch_object.remove("stderr");
    assert_eq!(encode_core_item(&tools[0]), Some(command));
    assert_eq!(encode_core_item(&tools[1]), Some(patch));
}

/// A command that printed nothing: the reference writes `"aggregated_output":""` and shows
/// `aggregatedOutput: null`, live and on read (reference 0.169.0, `RUN: x=1` of
/// `bench/compat/tool_history.py --extended`).
#[test]
fn an_empty_command_output_reads_back_as_none() {
    let core = json!({"type": "CommandExecution", "id": "call_62", "process_id": "66517",
        "command": ["/bin/bash", "-lc", "x=1"], "cwd": "file:///tmp/w",
        "parsed_cmd": [{"type": "unknown", "cmd": "x=1"}], "source": "unified_exec_startup",
        "status": "completed", "aggregated_output": "", "exit_code": 0,
        "duration": {"secs": 0, "nanos": 14336}});
    let item =
        decode_core_item(&core, Some(1_796_672_588_319), Some(1_796_672_588_319)).expect("decodes");
    assert_eq!(
        serde_json::to_value(&item).expect("json"),
        json!({"type": "commandExecution", "id": "call_62", "command": "/bin/bash -lc 'x=1'",
            "cwd": "/tmp/w", "processId": "66517", "source": "unifiedExecStartup",
            "status": "completed", "commandActions": [{"type": "unknown", "command": "x=1"}],
            "aggregatedOutput": null, "exitCode": 0, "durationMs": 0,
            "startedAtMs": 1_796_672_588_319_i64, "completedAtMs": 1_796_672_588_319_i64})
    );
}
