//! The experimental surface of the protocol (protocol.md §1.4 step 4, §2.3): which methods,
//! params members and notifications need `capabilities.experimentalApi`, and the descriptor
//! the reference names in `<descriptor> requires experimentalApi capability`.

use super::ClientRequest;

/// The experimental methods of [`ClientRequest`], in [`CLIENT_REQUEST_METHODS`] order: the
/// variants documented "(experimental; …)" above, which the stable schema's `ClientRequest.json`
/// leaves out. A connection without `capabilities.experimentalApi` gets
/// `<method> requires experimentalApi capability` for these (protocol.md §1.4 step 4).
pub const EXPERIMENTAL_CLIENT_METHODS: &[&str] = &[
    "server/diagnostics",
    "userVerification/status",
    "userVerification/enroll",
    "userVerification/delete",
    "userVerification/verify",
    "userVerification/cancel",
    "thread/sample",
    "thread/sample/cancel",
    "thread/increment_elicitation",
    "thread/decrement_elicitation",
    "thread/prediction/request",
    "thread/queue/add",
    "thread/queue/list",
    "thread/queue/update",
    "thread/queue/delete",
    "thread/queue/reorder",
    "thread/queue/start",
    "thread/settings/update",
    "thread/memoryMode/set",
    "thread/memory/read",
    "memory/status",
    "memory/reset",
    "rollout/compress",
    "thread/backgroundTerminals/clean",
    "thread/backgroundTerminals/list",
    "thread/backgroundTerminals/terminate",
    "project/list",
    "project/read",
    "project/create",
    "project/import",
    "project/update",
    "project/move",
    "project/delete",
    "thread/search",
    "thread/searchOccurrences",
    "thread/readState/update",
    "thread/items/read",
    "thread/guardianReview",
    "thread/prepareApprovedPlan",
    "plugin/search",
    "turn/settings/update",
    "thread/realtime/start",
    "thread/realtime/appendAudio",
    "thread/realtime/appendText",
    "thread/realtime/appendSpeech",
    "thread/realtime/stop",
    "thread/timeline/list",
    "thread/realtime/listVoices",
    "remoteControl/enable",
    "remoteControl/disable",
    "remoteControl/status/read",
    "remoteControl/pairing/start",
    "remoteControl/pairing/status",
    "remoteControl/client/list",
    "remoteControl/client/revoke",
    "collaborationMode/list",
    "mock/experimentalMethod",
    "environment/add",
    "environment/info",
    "environment/status",
    "mcpServer/event/stream/start",
    "mcpServer/event/stream/stop",
    "account/bedrock/discover",
    "account/bedrock/setup",
    "account/gcp/setup",
    "account/bedrock/checkGovCloudRequirements",
    "accountSession/list",
    "accountSession/switch",
    "process/spawn",
    "process/writeStdin",
    "process/kill",
    "process/resizePty",
    "fuzzyFileSearch/sessionStart",
    "fuzzyFileSearch/sessionUpdate",
    "fuzzyFileSearch/sessionStop",
];

/// When an experimental params member counts as used: the reference checks the parsed value
/// (`Option::is_some`, a `true` flag, the variant), so `null` and a `false` flag are stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExperimentalUse {
    /// Present and not `null`.
    Present,
    /// `true` (a flag that defaults to `false`).
    True,
    /// A string other than `""` (the reference reads an empty path as absent).
    NonEmptyString,
    /// An object with a `granular` member: the experimental `AskForApproval` variant.
    GranularApproval,
}

/// One experimental params member of a stable method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExperimentalParam {
    /// The stable method.
    pub method: &'static str,
    /// The top-level params member, as spelled on the wire.
    pub member: &'static str,
    /// When the member counts as used.
    pub used: ExperimentalUse,
    /// The name in the error text: `<method>.<member>`, or `askForApproval.granular`.
    pub descriptor: &'static str,
}

const fn param(
    method: &'static str,
    member: &'static str,
    used: ExperimentalUse,
    descriptor: &'static str,
) -> ExperimentalParam {
    ExperimentalParam {
        method,
        member,
        used,
        descriptor,
    }
}

/// The `AskForApproval` variant the reference marks experimental, wherever a stable method
/// takes an approval policy.
pub const GRANULAR_APPROVAL_DESCRIPTOR: &str = "askForApproval.granular";

/// Experimental params members of the stable methods weft implements, per method in the
/// reference's declaration order (the first one used names the error). The stable schema leaves
/// these members out (`approvalPolicy` excepted: its `granular` variant is gated, the member is
/// not). weft parses only `approvalPolicy`; the others serde would drop unnoticed, so the gate
/// reads the raw params.
///
pub const EXPERIMENTAL_PARAMS: &[ExperimentalParam] = &[
    param(
        "thread/start",
        "runtimeWorkspaceRoots",
        ExperimentalUse::Present,
        "thread/start.runtimeWorkspaceRoots",
    ),
    param(
        "thread/start",
        "approvalPolicy",
        ExperimentalUse::GranularApproval,
        GRANULAR_APPROVAL_DESCRIPTOR,
    ),
    param(
        "thread/start",
        "permissions",
        ExperimentalUse::Present,
        "thread/start.permissions",
    ),
    param(
        "thread/start",
        "multiAgentMode",
        ExperimentalUse::Present,
        "thread/start.multiAgentMode",
    ),
    param(
        "thread/start",
        "historyMode",
        ExperimentalUse::Present,
        "thread/start.historyMode",
    ),
    param(
        "thread/start",
        "environments",
        ExperimentalUse::Present,
        "thread/start.environments",
    ),
    param(
        "thread/start",
        "dynamicTools",
        ExperimentalUse::Present,
        "thread/start.dynamicTools",
    ),
    param(
        "thread/start",
        "mockExperimentalField",
        ExperimentalUse::Present,
        "thread/start.mockExperimentalField",
    ),
    param(
        "thread/start",
        "experimentalRawEvents",
        ExperimentalUse::True,
        "thread/start.experimentalRawEvents",
    ),
    param(
        "thread/resume",
        "history",
        ExperimentalUse::Present,
        "thread/resume.history",
    ),
    param(
        "thread/resume",
        "path",
        ExperimentalUse::NonEmptyString,
        "thread/resume.path",
    ),
    param(
        "thread/resume",
        "runtimeWorkspaceRoots",
        ExperimentalUse::Present,
        "thread/resume.runtimeWorkspaceRoots",
    ),
    param(
        "thread/resume",
        "approvalPolicy",
        ExperimentalUse::GranularApproval,
        GRANULAR_APPROVAL_DESCRIPTOR,
    ),
    param(
        "thread/resume",
        "permissions",
        ExperimentalUse::Present,
        "thread/resume.permissions",
    ),
    param(
        "thread/resume",
        "initialTurnsPage",
        ExperimentalUse::Present,
        "thread/resume.initialTurnsPage",
    ),
    param(
        "turn/start",
        "responsesapiClientMetadata",
        ExperimentalUse::Present,
        "turn/start.responsesapiClientMetadata",
    ),
    param(
        "turn/start",
        "environments",
        ExperimentalUse::Present,
        "turn/start.environments",
    ),
    param(
        "turn/start",
        "approvalPolicy",
        ExperimentalUse::GranularApproval,
        GRANULAR_APPROVAL_DESCRIPTOR,
    ),
    param(
        "turn/start",
        "permissions",
        ExperimentalUse::Present,
        "turn/start.permissions",
    ),
    param(
        "turn/start",
        "collaborationMode",
        ExperimentalUse::Present,
        "turn/start.collaborationMode",
    ),
];

/// Server notifications only connections with `experimentalApi` receive (protocol.md §2.3,
/// §4): `thread/readState/changed` (observed) and `rawResponseItem/completed` (internal, not in
/// the stable schema). weft emits neither yet; the connection writer drops them for the others.
pub const EXPERIMENTAL_NOTIFICATION_METHODS: &[&str] =
    &["thread/readState/changed", "rawResponseItem/completed"];

impl ExperimentalUse {
    /// Whether `value` uses the experimental surface.
    #[must_use]
    pub fn is_used_by(self, value: &serde_json::Value) -> bool {
        match self {
            Self::Present => !value.is_null(),
            Self::True => value.as_bool() == Some(true),
            Self::NonEmptyString => !value.is_null() && value.as_str() != Some(""),
            Self::GranularApproval => value.get("granular").is_some(),
        }
    }
}

/// What a request uses of the experimental surface, named as the reference names it in
/// `<descriptor> requires experimentalApi capability`: the method for an experimental method
/// (`mock/experimentalMethod`), else the first experimental params member it uses
/// (`thread/start.dynamicTools`, `askForApproval.granular`); `None` when it stays on the stable
/// surface. `params` is the request's raw params: weft's typed params drop members they do not
/// know, so only the raw object shows them.
#[must_use]
pub fn experimental_descriptor(
    method: &str,
    params: Option<&serde_json::Value>,
) -> Option<&'static str> {
    if let Some(name) = EXPERIMENTAL_CLIENT_METHODS
        .iter()
        .find(|name| **name == method)
    {
        return Some(name);
    }
    let params = params?.as_object()?;
    EXPERIMENTAL_PARAMS
        .iter()
        .filter(|entry| entry.method == method)
        .find(|entry| {
            params
                .get(entry.member)
                .is_some_and(|value| entry.used.is_used_by(value))
        })
        .map(|entry| entry.descriptor)
}

impl ClientRequest {
    /// The method name when this is an experimental method (see [`experimental_descriptor`] for
    /// the params members of stable ones).
    #[must_use]
    pub fn experimental_method(&self) -> Option<&'static str> {
        let method = self.method();
        EXPERIMENTAL_CLIENT_METHODS
            .contains(&method)
            .then_some(method)
    }
}
