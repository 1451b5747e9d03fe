//! Representative values of every wire type weft writes, with fixed ids and clocks so their
//! snapshots are stable. Values follow the `basic` transcript where it shows one.

use serde_json::json;
use weft_protocol::v1::InitializeResponse;
use weft_protocol::v2::{
    ApprovalPolicyName, ApprovalsReviewer, AskForApproval, ConfigReadResponse, ItemBody, Model,
    ModelListResponse, ReasoningEffortOption, SandboxPolicy, SessionSource, SessionSourceName,
    Thread, ThreadEnvironment, ThreadItem, ThreadListResponse, ThreadResumeResponse,
    ThreadStartResponse, ThreadStatus, ThreadTokenUsage, TokenUsageBreakdown, Turn, TurnError,
    TurnItemsView, TurnStatus, UserInput,
};

pub(crate) const THREAD_ID: &str = "01a21030-87e1-7af2-8a55-753b6c055807";
pub(crate) const TURN_ID: &str = "01a21030-87fd-71f0-a21b-7be229123056";
pub(crate) const CWD: &str = "/tmp/weft-work";
const CREATED_AT: i64 = 1_795_567_945;
pub(crate) const STARTED_AT_MS: i64 = 1_795_567_945_791;

/// A loaded thread as `thread/start` answers it.
pub(crate) fn thread() -> Thread {
    Thread {
        id: THREAD_ID.to_owned(),
        environments: Some(vec![ThreadEnvironment {
            environment_id: "local".to_owned(),
            cwd: CWD.to_owned(),
            runtime_workspace_roots: vec![CWD.to_owned()],
        }]),
        extra: None,
        session_id: THREAD_ID.to_owned(),
        forked_from_id: None,
        attached_to_thread_id: None,
        parent_thread_id: None,
        preview: String::new(),
        ephemeral: false,
        section: None,
        section_entered_at: None,
        project_id: None,
        history_mode: Some("legacy".to_owned()),
        model_provider: "mock".to_owned(),
        model: Some("gpt-5.2-codex".to_owned()),
        reasoning_effort: None,
        created_at: CREATED_AT,
        updated_at: CREATED_AT,
        recency_at: Some(CREATED_AT),
        status: ThreadStatus::Idle,
        path: Some(format!(
            "/tmp/weft-home/sessions/2026/11/25/rollout-{THREAD_ID}.jsonl"
        )),
        cwd: CWD.to_owned(),
        cli_version: "0.169.0".to_owned(),
        originator: Some("drive".to_owned()),
        source: SessionSource::Named(SessionSourceName::Vscode),
        can_accept_direct_input: Some(true),
        thread_source: None,
        agent_nickname: None,
        agent_role: None,
        git_info: None,
        name: None,
        daybreak_enabled: None,
        turns: Vec::new(),
    }
}

/// The same thread as a `thread/list` row: not loaded, no environments, no direct input.
pub(crate) fn listed_thread() -> Thread {
    Thread {
        environments: None,
        status: ThreadStatus::NotLoaded,
        preview: "hi there".to_owned(),
        can_accept_direct_input: None,
        history_mode: None,
        ..thread()
    }
}

pub(crate) fn item(body: ItemBody, completed: bool) -> ThreadItem {
    ThreadItem {
        body,
        started_at_ms: Some(STARTED_AT_MS),
        completed_at_ms: completed.then_some(STARTED_AT_MS + 5),
    }
}

pub(crate) fn user_message() -> ThreadItem {
    item(
        ItemBody::UserMessage {
            id: "01a21030-883e-7743-8916-3086ea97f85e".to_owned(),
            content: vec![
                UserInput::Text {
                    text: "hi there".to_owned(),
                    text_elements: Vec::new(),
                },
                UserInput::Image {
                    url: Some("https://example.com/cat.png".to_owned()),
                    file_id: None,
                    detail: None,
                },
                UserInput::LocalImage {
                    path: "/tmp/dog.png".to_owned(),
                    detail: Some("high".to_owned()),
                },
                UserInput::Mention {
                    name: "notes".to_owned(),
                    path: "/tmp/notes.md".to_owned(),
                },
            ],
            client_id: None,
        },
        true,
    )
}

pub(crate) fn agent_message(text: &str, completed: bool) -> ThreadItem {
    item(
        ItemBody::AgentMessage {
            id: "msg_2".to_owned(),
            text: text.to_owned(),
            phase: None,
            memory_citation: None,
            delivery: None,
            questions: None,
            moderation: None,
        },
        completed,
    )
}

pub(crate) fn command_execution(completed: bool) -> ThreadItem {
    item(
        ItemBody::CommandExecution {
            id: "call_3".to_owned(),
            command: "/bin/bash -lc 'echo hi'".to_owned(),
            cwd: CWD.to_owned(),
            command_actions: vec![json!({"type": "unknown", "command": "echo hi"})],
            status: if completed { "completed" } else { "inProgress" }.to_owned(),
            aggregated_output: completed.then(|| "hi\n".to_owned()),
            exit_code: completed.then_some(0),
            duration_ms: completed.then_some(12),
            process_id: completed.then(|| "4242".to_owned()),
            source: None,
        },
        completed,
    )
}

/// One item of every body type weft models.
pub(crate) fn every_item() -> Vec<ThreadItem> {
    vec![
        user_message(),
        item(
            ItemBody::Reasoning {
                id: "rs_1".to_owned(),
                summary: vec!["Thinking about it".to_owned()],
                content: Vec::new(),
            },
            true,
        ),
        item(
            ItemBody::Plan {
                id: "plan_1".to_owned(),
                text: "1. say hi".to_owned(),
            },
            true,
        ),
        command_execution(true),
        item(
            ItemBody::ContextCompaction {
                id: "compact_1".to_owned(),
            },
            true,
        ),
        agent_message("Hello from mock. You said: hi there", true),
    ]
}

/// A finished turn holding every item type.
pub(crate) fn completed_turn() -> Turn {
    Turn {
        id: TURN_ID.to_owned(),
        root_turn_id: Some(TURN_ID.to_owned()),
        items: every_item(),
        items_view: TurnItemsView::Full,
        status: TurnStatus::Completed,
        error: None,
        started_at: Some(CREATED_AT),
        completed_at: Some(CREATED_AT + 1),
        duration_ms: Some(130),
    }
}

/// The turn `turn/start` answers: nothing run yet.
pub(crate) fn new_turn() -> Turn {
    Turn {
        items: Vec::new(),
        items_view: TurnItemsView::NotLoaded,
        status: TurnStatus::InProgress,
        started_at: None,
        completed_at: None,
        duration_ms: None,
        ..completed_turn()
    }
}

/// A turn that failed with an HTTP error class.
pub(crate) fn failed_turn() -> Turn {
    Turn {
        items: Vec::new(),
        items_view: TurnItemsView::NotLoaded,
        status: TurnStatus::Failed,
        error: Some(turn_error()),
        ..completed_turn()
    }
}

pub(crate) fn turn_error() -> TurnError {
    TurnError {
        message: "stream disconnected before completion".to_owned(),
        codex_error_info: Some(json!({"responseStreamDisconnected": {"httpStatusCode": 502}})),
        additional_details: Some("connection reset".to_owned()),
        misalignment: None,
    }
}

pub(crate) fn token_usage() -> ThreadTokenUsage {
    let last = TokenUsageBreakdown {
        total_tokens: 110,
        input_tokens: 100,
        cached_input_tokens: 0,
        cache_write_input_tokens: 0,
        output_tokens: 10,
        reasoning_output_tokens: 0,
    };
    ThreadTokenUsage {
        total: last.add(&last),
        last,
        model_context_window: Some(258_400),
    }
}

pub(crate) fn thread_start_response() -> ThreadStartResponse {
    ThreadStartResponse {
        thread: thread(),
        model: "gpt-5.2-codex".to_owned(),
        model_provider: "mock".to_owned(),
        service_tier: None,
        disabled_plugin_ids: Vec::new(),
        cwd: CWD.to_owned(),
        runtime_workspace_roots: vec![CWD.to_owned()],
        instruction_sources: Vec::new(),
        approval_policy: AskForApproval::Policy(ApprovalPolicyName::Never),
        approvals_reviewer: ApprovalsReviewer::User,
        sandbox: SandboxPolicy::WorkspaceWrite {
            writable_roots: Vec::new(),
            network_access: false,
            exclude_tmpdir_env_var: false,
            exclude_slash_tmp: false,
        },
        active_permission_profile: None,
        reasoning_effort: None,
        multi_agent_mode: Some("explicitRequestOnly".to_owned()),
    }
}

/// A cold resume of the thread after one turn, under an external sandbox.
pub(crate) fn thread_resume_response() -> ThreadResumeResponse {
    let mut base = thread_start_response();
    base.thread.preview = "hi there".to_owned();
    base.thread.turns = vec![completed_turn()];
    base.approval_policy = AskForApproval::Policy(ApprovalPolicyName::Untrusted);
    base.sandbox = SandboxPolicy::ExternalSandbox {
        network_access: None,
    };
    ThreadResumeResponse {
        base,
        collaboration_mode: None,
        initial_turns_page: None,
        turns_backwards_cursor: None,
        items_backwards_cursor: None,
    }
}

pub(crate) fn thread_list_response() -> ThreadListResponse {
    ThreadListResponse {
        data: vec![listed_thread()],
        next_cursor: None,
        backwards_cursor: Some("2026-11-25T00:37:04.011Z".to_owned()),
        read_states: Some(
            [(
                THREAD_ID.to_owned(),
                weft_protocol::v2::ThreadReadState::initial(THREAD_ID),
            )]
            .into(),
        ),
    }
}

pub(crate) fn initialize_response() -> InitializeResponse {
    InitializeResponse {
        user_agent: "drive/0.169.0 (Debian 12.0.0; x86_64) xterm (drive; 1.0.0)".to_owned(),
        codex_home: "/tmp/weft-home".to_owned(),
        platform_family: "unix".to_owned(),
        platform_os: "linux".to_owned(),
    }
}

pub(crate) fn model_list_response() -> ModelListResponse {
    let effort = |name: &str, description: &str| ReasoningEffortOption {
        reasoning_effort: name.to_owned(),
        description: description.to_owned(),
    };
    ModelListResponse {
        data: vec![Model {
            id: "gpt-5.2-codex".to_owned(),
            model: "gpt-5.2-codex".to_owned(),
            display_name: "GPT-5.2 Codex".to_owned(),
            description: "Coding model".to_owned(),
            hidden: false,
            is_default: true,
            default_reasoning_effort: "medium".to_owned(),
            supported_reasoning_efforts: vec![
                effort("low", "Fast"),
                effort("medium", "Balanced"),
                effort("high", "Thorough"),
            ],
            input_modalities: vec!["text".to_owned(), "image".to_owned()],
            service_tiers: Vec::new(),
            default_service_tier: None,
            additional_speed_tiers: Vec::new(),
            upgrade: None,
            upgrade_info: None,
            availability_nux: None,
            available_access_programs: None,
            model_specialty: None,
            multi_agent_version: None,
            supports_personality: false,
        }],
        next_cursor: None,
    }
}

pub(crate) fn config_read_response() -> ConfigReadResponse {
    let config = json!({
        "model": "gpt-5.2-codex",
        "model_provider": "mock",
        "approval_policy": "never",
        "sandbox_mode": "workspace-write",
    });
    let origin = json!({"name": {"type": "user", "file": "/tmp/weft-home/config.toml"},
        "version": "sha256:0"});
    let origins = ["model", "model_provider", "approval_policy", "sandbox_mode"]
        .into_iter()
        .map(|key| (key.to_owned(), origin.clone()))
        .collect();
    ConfigReadResponse {
        config: config.as_object().cloned().unwrap_or_default(),
        origins,
        layers: None,
    }
}
