//! The v1 handshake types still used by v2 clients: `initialize`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `initialize` params (`v1/InitializeParams.json`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InitializeParams {
    /// Who the client is; `name` becomes the originator of threads it creates.
    pub client_info: ClientInfo,
    /// Optional capabilities, negotiated once per connection.
    #[serde(default)]
    pub capabilities: Option<InitializeCapabilities>,
}

/// `clientInfo` of `initialize`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ClientInfo {
    /// Client name; must be a valid HTTP header value.
    pub name: String,
    /// Display title.
    #[serde(default)]
    pub title: Option<String>,
    /// Client version.
    pub version: String,
}

/// `capabilities` of `initialize`; every member is optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InitializeCapabilities {
    /// Unlocks experimental methods and fields for this connection.
    #[serde(default)]
    pub experimental_api: bool,
    /// Exact notification method names never to send to this connection.
    #[serde(default)]
    pub opt_out_notification_methods: Option<Vec<String>>,
    /// MCP extension settings (accepted, not used yet).
    #[serde(default)]
    pub extensions: Option<serde_json::Map<String, serde_json::Value>>,
    /// Legacy `openai/form` opt-in (accepted, not used yet).
    #[serde(default)]
    pub mcp_server_openai_form_elicitation: Option<bool>,
    /// Opt into `attestation/generate` (accepted, not used yet).
    #[serde(default)]
    pub request_attestation: Option<bool>,
    /// Present `humanCommand` approvals (accepted, not used yet).
    #[serde(default)]
    pub required_human_approval: Option<bool>,
    /// Explicit gateway OAuth (accepted, not used yet).
    #[serde(default)]
    pub explicit_gateway_oauth: Option<bool>,
    /// ★ weft's resumable event stream (lifecycle.md R38): thread notifications carry a
    /// `weftSeq` position and `thread/resume` accepts `weftAfterSeq`. Not in the reference's
    /// schema; reference clients never send it and never see the positions.
    #[serde(default)]
    #[schemars(skip)]
    pub weft_event_stream: bool,
}

/// `initialize` result (`v1/InitializeResponse.json`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InitializeResponse {
    /// `<originator>/<protocol version> (<os> <os version>; <arch>) <terminal> (<name>; <version>)`.
    pub user_agent: String,
    /// Absolute path of the server's home folder.
    pub codex_home: String,
    /// `unix` or `windows`.
    pub platform_family: String,
    /// `linux`, `macos` or `windows`.
    pub platform_os: String,
}
