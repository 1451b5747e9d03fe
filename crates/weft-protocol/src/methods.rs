//! Every client request method codex-cli 0.169.0 parses, as one serde enum.
//!
//! The enum is adjacently tagged (`method` + `params`) so that serde produces exactly the
//! reference's error texts for unknown methods (``unknown variant `x`, expected one of …``) and
//! bad params (``invalid type: integer `5`, expected a string``, ``missing field `params` ``).
//! Methods weft implements carry typed params (or raw JSON the core parses); the others carry
//! raw JSON and are answered `-32601 <method> is not supported yet`, so a client can tell "not
//! yet" from "unknown".
//!
//! The variants are the 187 methods the reference lists in its unknown-method error (the
//! `errors` transcript), in its order, so weft's error text is the reference's byte for byte.
//! That list is wider than the stable schema's `ClientRequest.json` (109 methods): the others
//! are the reference's experimental methods (marked so below; the stable schema export leaves
//! them out) and three deprecated v1 methods. Methods without an object of params in the
//! reference (`Option<()>` there) carry `Option<serde_json::Value>`, so `params` may be absent.

use serde::Deserialize;

use crate::v1::InitializeParams;
use crate::v2::{
    CommandExecParams, CommandExecResizeParams, CommandExecTerminateParams, CommandExecWriteParams,
    ConfigReadParams, ModelListParams, ThreadGoalClearParams, ThreadGoalGetParams,
    ThreadGoalSetParams, ThreadItemsListParams, ThreadListParams, ThreadLoadedListParams,
    ThreadMetadataUpdateParams, ThreadReadParams, ThreadReadStateUpdateParams, ThreadResumeParams,
    ThreadShellCommandParams, ThreadStartParams, ThreadTurnsListParams, ThreadUnsubscribeParams,
    TurnInterruptParams, TurnStartParams, TurnSteerParams,
};

/// A parsed client request: method name and typed params.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "method", content = "params")]
#[allow(
    clippy::large_enum_variant,
    reason = "parsed once per request and moved, never stored"
)]
pub enum ClientRequest {
    /// `initialize` (implemented).
    #[serde(rename = "initialize")]
    Initialize(InitializeParams),
    /// `server/diagnostics` (experimental; known, answered `not supported yet`).
    #[serde(rename = "server/diagnostics")]
    ServerDiagnostics(serde_json::Value),
    /// `userVerification/status` (experimental; known, answered `not supported yet`).
    #[serde(rename = "userVerification/status")]
    UserVerificationStatus(serde_json::Value),
    /// `userVerification/enroll` (experimental; known, answered `not supported yet`).
    #[serde(rename = "userVerification/enroll")]
    UserVerificationEnroll(serde_json::Value),
    /// `userVerification/delete` (experimental; known, answered `not supported yet`).
    #[serde(rename = "userVerification/delete")]
    UserVerificationDelete(serde_json::Value),
    /// `userVerification/verify` (experimental; known, answered `not supported yet`).
    #[serde(rename = "userVerification/verify")]
    UserVerificationVerify(serde_json::Value),
    /// `userVerification/cancel` (experimental; known, answered `not supported yet`).
    #[serde(rename = "userVerification/cancel")]
    UserVerificationCancel(serde_json::Value),
    /// `thread/start` (implemented).
    #[serde(rename = "thread/start")]
    ThreadStart(ThreadStartParams),
    /// `thread/resume` (implemented).
    #[serde(rename = "thread/resume")]
    ThreadResume(ThreadResumeParams),
    /// `thread/fork` (known, answered `not supported yet`).
    #[serde(rename = "thread/fork")]
    ThreadFork(serde_json::Value),
    /// `thread/sample` (experimental; known, answered `not supported yet`).
    #[serde(rename = "thread/sample")]
    ThreadSample(serde_json::Value),
    /// `thread/sample/cancel` (experimental; known, answered `not supported yet`).
    #[serde(rename = "thread/sample/cancel")]
    ThreadSampleCancel(serde_json::Value),
    /// `thread/archive` (implemented).
    #[serde(rename = "thread/archive")]
    ThreadArchive(serde_json::Value),
    /// `thread/delete` (implemented).
    #[serde(rename = "thread/delete")]
    ThreadDelete(serde_json::Value),
    /// `thread/unsubscribe` (implemented).
    #[serde(rename = "thread/unsubscribe")]
    ThreadUnsubscribe(ThreadUnsubscribeParams),
    /// `thread/increment_elicitation` (experimental; known, answered `not supported yet`).
    #[serde(rename = "thread/increment_elicitation")]
    ThreadIncrementElicitation(serde_json::Value),
    /// `thread/decrement_elicitation` (experimental; known, answered `not supported yet`).
    #[serde(rename = "thread/decrement_elicitation")]
    ThreadDecrementElicitation(serde_json::Value),
    /// `thread/name/set` (known, answered `not supported yet`).
    #[serde(rename = "thread/name/set")]
    ThreadNameSet(serde_json::Value),
    /// `thread/prediction/request` (experimental; known, answered `not supported yet`).
    #[serde(rename = "thread/prediction/request")]
    ThreadPredictionRequest(serde_json::Value),
    /// `thread/goal/set` (implemented).
    #[serde(rename = "thread/goal/set")]
    ThreadGoalSet(ThreadGoalSetParams),
    /// `thread/goal/get` (implemented).
    #[serde(rename = "thread/goal/get")]
    ThreadGoalGet(ThreadGoalGetParams),
    /// `thread/goal/clear` (implemented).
    #[serde(rename = "thread/goal/clear")]
    ThreadGoalClear(ThreadGoalClearParams),
    /// `thread/queue/add` (experimental; known, answered `not supported yet`).
    #[serde(rename = "thread/queue/add")]
    ThreadQueueAdd(serde_json::Value),
    /// `thread/queue/list` (experimental; known, answered `not supported yet`).
    #[serde(rename = "thread/queue/list")]
    ThreadQueueList(serde_json::Value),
    /// `thread/queue/update` (experimental; known, answered `not supported yet`).
    #[serde(rename = "thread/queue/update")]
    ThreadQueueUpdate(serde_json::Value),
    /// `thread/queue/delete` (experimental; known, answered `not supported yet`).
    #[serde(rename = "thread/queue/delete")]
    ThreadQueueDelete(serde_json::Value),
    /// `thread/queue/reorder` (experimental; known, answered `not supported yet`).
    #[serde(rename = "thread/queue/reorder")]
    ThreadQueueReorder(serde_json::Value),
    /// `thread/queue/start` (experimental; known, answered `not supported yet`).
    #[serde(rename = "thread/queue/start")]
    ThreadQueueStart(serde_json::Value),
    /// `thread/metadata/update` (implemented).
    #[serde(rename = "thread/metadata/update")]
    ThreadMetadataUpdate(ThreadMetadataUpdateParams),
    /// `thread/attachment/add` (known, answered `not supported yet`).
    #[serde(rename = "thread/attachment/add")]
    ThreadAttachmentAdd(serde_json::Value),
    /// `thread/attachment/list` (known, answered `not supported yet`).
    #[serde(rename = "thread/attachment/list")]
    ThreadAttachmentList(serde_json::Value),
    /// `thread/attachmentOwner/list` (known, answered `not supported yet`).
    #[serde(rename = "thread/attachmentOwner/list")]
    ThreadAttachmentOwnerList(serde_json::Value),
    /// `thread/attachment/remove` (known, answered `not supported yet`).
    #[serde(rename = "thread/attachment/remove")]
    ThreadAttachmentRemove(serde_json::Value),
    /// `thread/section/move` (known, answered `not supported yet`).
    #[serde(rename = "thread/section/move")]
    ThreadSectionMove(serde_json::Value),
    /// `thread/settings/update` (experimental; known, answered `not supported yet`).
    #[serde(rename = "thread/settings/update")]
    ThreadSettingsUpdate(serde_json::Value),
    /// `thread/memoryMode/set` (experimental; known, answered `not supported yet`).
    #[serde(rename = "thread/memoryMode/set")]
    ThreadMemoryModeSet(serde_json::Value),
    /// `thread/memory/read` (experimental; known, answered `not supported yet`).
    #[serde(rename = "thread/memory/read")]
    ThreadMemoryRead(serde_json::Value),
    /// `memory/status` (experimental; known, answered `not supported yet`).
    #[serde(rename = "memory/status")]
    MemoryStatus(serde_json::Value),
    /// `memory/reset` (experimental; known, answered `not supported yet`).
    #[serde(rename = "memory/reset")]
    MemoryReset(Option<serde_json::Value>),
    /// `rollout/compress` (experimental; known, answered `not supported yet`).
    #[serde(rename = "rollout/compress")]
    RolloutCompress(serde_json::Value),
    /// `thread/unarchive` (implemented).
    #[serde(rename = "thread/unarchive")]
    ThreadUnarchive(serde_json::Value),
    /// `thread/compact/start` (known, answered `not supported yet`).
    #[serde(rename = "thread/compact/start")]
    ThreadCompactStart(serde_json::Value),
    /// `thread/shellCommand` (implemented).
    #[serde(rename = "thread/shellCommand")]
    ThreadShellCommand(ThreadShellCommandParams),
    /// `thread/approveGuardianDeniedAction` (known, answered `not supported yet`).
    #[serde(rename = "thread/approveGuardianDeniedAction")]
    ThreadApproveGuardianDeniedAction(serde_json::Value),
    /// `thread/backgroundTerminals/clean` (experimental; known, answered `not supported yet`).
    #[serde(rename = "thread/backgroundTerminals/clean")]
    ThreadBackgroundTerminalsClean(serde_json::Value),
    /// `thread/backgroundTerminals/list` (experimental; known, answered `not supported yet`).
    #[serde(rename = "thread/backgroundTerminals/list")]
    ThreadBackgroundTerminalsList(serde_json::Value),
    /// `thread/backgroundTerminals/terminate` (experimental; known, answered `not supported yet`).
    #[serde(rename = "thread/backgroundTerminals/terminate")]
    ThreadBackgroundTerminalsTerminate(serde_json::Value),
    /// `thread/revert` (known, answered `not supported yet`).
    #[serde(rename = "thread/revert")]
    ThreadRevert(serde_json::Value),
    /// `thread/list` (implemented).
    #[serde(rename = "thread/list")]
    ThreadList(ThreadListParams),
    /// `project/list` (experimental; known, answered `not supported yet`).
    #[serde(rename = "project/list")]
    ProjectList(serde_json::Value),
    /// `project/read` (experimental; known, answered `not supported yet`).
    #[serde(rename = "project/read")]
    ProjectRead(serde_json::Value),
    /// `project/create` (experimental; known, answered `not supported yet`).
    #[serde(rename = "project/create")]
    ProjectCreate(serde_json::Value),
    /// `project/import` (experimental; known, answered `not supported yet`).
    #[serde(rename = "project/import")]
    ProjectImport(serde_json::Value),
    /// `project/update` (experimental; known, answered `not supported yet`).
    #[serde(rename = "project/update")]
    ProjectUpdate(serde_json::Value),
    /// `project/move` (experimental; known, answered `not supported yet`).
    #[serde(rename = "project/move")]
    ProjectMove(serde_json::Value),
    /// `project/delete` (experimental; known, answered `not supported yet`).
    #[serde(rename = "project/delete")]
    ProjectDelete(serde_json::Value),
    /// `threadSection/list` (known, answered `not supported yet`).
    #[serde(rename = "threadSection/list")]
    ThreadSectionList(serde_json::Value),
    /// `threadSection/create` (known, answered `not supported yet`).
    #[serde(rename = "threadSection/create")]
    ThreadSectionCreate(serde_json::Value),
    /// `threadSection/update` (known, answered `not supported yet`).
    #[serde(rename = "threadSection/update")]
    ThreadSectionUpdate(serde_json::Value),
    /// `threadSection/delete` (known, answered `not supported yet`).
    #[serde(rename = "threadSection/delete")]
    ThreadSectionDelete(serde_json::Value),
    /// `thread/search` (experimental; known, answered `not supported yet`).
    #[serde(rename = "thread/search")]
    ThreadSearch(serde_json::Value),
    /// `thread/searchOccurrences` (experimental; known, answered `not supported yet`).
    #[serde(rename = "thread/searchOccurrences")]
    ThreadSearchOccurrences(serde_json::Value),
    /// `thread/loaded/list` (implemented).
    #[serde(rename = "thread/loaded/list")]
    ThreadLoadedList(ThreadLoadedListParams),
    /// `thread/read` (implemented).
    #[serde(rename = "thread/read")]
    ThreadRead(ThreadReadParams),
    /// `thread/readState/update` (experimental; implemented).
    #[serde(rename = "thread/readState/update")]
    ThreadReadStateUpdate(ThreadReadStateUpdateParams),
    /// `thread/turns/list` (implemented).
    #[serde(rename = "thread/turns/list")]
    ThreadTurnsList(ThreadTurnsListParams),
    /// `thread/items/list` (implemented).
    #[serde(rename = "thread/items/list")]
    ThreadItemsList(ThreadItemsListParams),
    /// `thread/items/read` (experimental; known, answered `not supported yet`).
    #[serde(rename = "thread/items/read")]
    ThreadItemsRead(serde_json::Value),
    /// `thread/guardianReview` (experimental; known, answered `not supported yet`).
    #[serde(rename = "thread/guardianReview")]
    ThreadGuardianReview(serde_json::Value),
    /// `thread/inject_items` (known, answered `not supported yet`).
    #[serde(rename = "thread/inject_items")]
    ThreadInjectItems(serde_json::Value),
    /// `thread/prepareApprovedPlan` (experimental; known, answered `not supported yet`).
    #[serde(rename = "thread/prepareApprovedPlan")]
    ThreadPrepareApprovedPlan(serde_json::Value),
    /// `skills/list` (implemented).
    #[serde(rename = "skills/list")]
    SkillsList(serde_json::Value),
    /// `skills/extraRoots/set` (known, answered `not supported yet`).
    #[serde(rename = "skills/extraRoots/set")]
    SkillsExtraRootsSet(serde_json::Value),
    /// `hooks/list` (implemented).
    #[serde(rename = "hooks/list")]
    HooksList(serde_json::Value),
    /// `marketplace/add` (known, answered `not supported yet`).
    #[serde(rename = "marketplace/add")]
    MarketplaceAdd(serde_json::Value),
    /// `marketplace/remove` (known, answered `not supported yet`).
    #[serde(rename = "marketplace/remove")]
    MarketplaceRemove(serde_json::Value),
    /// `marketplace/upgrade` (known, answered `not supported yet`).
    #[serde(rename = "marketplace/upgrade")]
    MarketplaceUpgrade(serde_json::Value),
    /// `plugin/list` (known, answered `not supported yet`).
    #[serde(rename = "plugin/list")]
    PluginList(serde_json::Value),
    /// `plugin/search` (experimental; known, answered `not supported yet`).
    #[serde(rename = "plugin/search")]
    PluginSearch(serde_json::Value),
    /// `plugin/installed` (known, answered `not supported yet`).
    #[serde(rename = "plugin/installed")]
    PluginInstalled(serde_json::Value),
    /// `plugin/reconcile` (known, answered `not supported yet`).
    #[serde(rename = "plugin/reconcile")]
    PluginReconcile(serde_json::Value),
    /// `plugin/read` (known, answered `not supported yet`).
    #[serde(rename = "plugin/read")]
    PluginRead(serde_json::Value),
    /// `plugin/skill/read` (known, answered `not supported yet`).
    #[serde(rename = "plugin/skill/read")]
    PluginSkillRead(serde_json::Value),
    /// `plugin/share/save` (known, answered `not supported yet`).
    #[serde(rename = "plugin/share/save")]
    PluginShareSave(serde_json::Value),
    /// `plugin/share/updateTargets` (known, answered `not supported yet`).
    #[serde(rename = "plugin/share/updateTargets")]
    PluginShareUpdateTargets(serde_json::Value),
    /// `plugin/share/list` (known, answered `not supported yet`).
    #[serde(rename = "plugin/share/list")]
    PluginShareList(serde_json::Value),
    /// `plugin/share/checkout` (known, answered `not supported yet`).
    #[serde(rename = "plugin/share/checkout")]
    PluginShareCheckout(serde_json::Value),
    /// `plugin/share/delete` (known, answered `not supported yet`).
    #[serde(rename = "plugin/share/delete")]
    PluginShareDelete(serde_json::Value),
    /// `app/read` (known, answered `not supported yet`).
    #[serde(rename = "app/read")]
    AppRead(serde_json::Value),
    /// `app/list` (known, answered `not supported yet`).
    #[serde(rename = "app/list")]
    AppList(serde_json::Value),
    /// `app/installed` (known, answered `not supported yet`).
    #[serde(rename = "app/installed")]
    AppInstalled(serde_json::Value),
    /// `fs/readFile` (known, answered `not supported yet`).
    #[serde(rename = "fs/readFile")]
    FsReadFile(serde_json::Value),
    /// `fs/writeFile` (known, answered `not supported yet`).
    #[serde(rename = "fs/writeFile")]
    FsWriteFile(serde_json::Value),
    /// `fs/createDirectory` (known, answered `not supported yet`).
    #[serde(rename = "fs/createDirectory")]
    FsCreateDirectory(serde_json::Value),
    /// `fs/getMetadata` (known, answered `not supported yet`).
    #[serde(rename = "fs/getMetadata")]
    FsGetMetadata(serde_json::Value),
    /// `fs/readDirectory` (known, answered `not supported yet`).
    #[serde(rename = "fs/readDirectory")]
    FsReadDirectory(serde_json::Value),
    /// `fs/remove` (known, answered `not supported yet`).
    #[serde(rename = "fs/remove")]
    FsRemove(serde_json::Value),
    /// `fs/copy` (known, answered `not supported yet`).
    #[serde(rename = "fs/copy")]
    FsCopy(serde_json::Value),
    /// `fs/watch` (known, answered `not supported yet`).
    #[serde(rename = "fs/watch")]
    FsWatch(serde_json::Value),
    /// `fs/unwatch` (known, answered `not supported yet`).
    #[serde(rename = "fs/unwatch")]
    FsUnwatch(serde_json::Value),
    /// `skills/config/write` (known, answered `not supported yet`).
    #[serde(rename = "skills/config/write")]
    SkillsConfigWrite(serde_json::Value),
    /// `plugin/install` (known, answered `not supported yet`).
    #[serde(rename = "plugin/install")]
    PluginInstall(serde_json::Value),
    /// `plugin/uninstall` (known, answered `not supported yet`).
    #[serde(rename = "plugin/uninstall")]
    PluginUninstall(serde_json::Value),
    /// `turn/start` (implemented).
    #[serde(rename = "turn/start")]
    TurnStart(TurnStartParams),
    /// `turn/settings/update` (experimental; known, answered `not supported yet`).
    #[serde(rename = "turn/settings/update")]
    TurnSettingsUpdate(serde_json::Value),
    /// `turn/steer` (implemented).
    #[serde(rename = "turn/steer")]
    TurnSteer(TurnSteerParams),
    /// `turn/interrupt` (implemented).
    #[serde(rename = "turn/interrupt")]
    TurnInterrupt(TurnInterruptParams),
    /// `thread/realtime/start` (experimental; known, answered `not supported yet`).
    #[serde(rename = "thread/realtime/start")]
    ThreadRealtimeStart(serde_json::Value),
    /// `thread/realtime/appendAudio` (experimental; known, answered `not supported yet`).
    #[serde(rename = "thread/realtime/appendAudio")]
    ThreadRealtimeAppendAudio(serde_json::Value),
    /// `thread/realtime/appendText` (experimental; known, answered `not supported yet`).
    #[serde(rename = "thread/realtime/appendText")]
    ThreadRealtimeAppendText(serde_json::Value),
    /// `thread/realtime/appendSpeech` (experimental; known, answered `not supported yet`).
    #[serde(rename = "thread/realtime/appendSpeech")]
    ThreadRealtimeAppendSpeech(serde_json::Value),
    /// `thread/realtime/stop` (experimental; known, answered `not supported yet`).
    #[serde(rename = "thread/realtime/stop")]
    ThreadRealtimeStop(serde_json::Value),
    /// `thread/timeline/list` (experimental; known, answered `not supported yet`).
    #[serde(rename = "thread/timeline/list")]
    ThreadTimelineList(serde_json::Value),
    /// `thread/realtime/listVoices` (experimental; known, answered `not supported yet`).
    #[serde(rename = "thread/realtime/listVoices")]
    ThreadRealtimeListVoices(serde_json::Value),
    /// `review/start` (known, answered `not supported yet`).
    #[serde(rename = "review/start")]
    ReviewStart(serde_json::Value),
    /// `model/list` (implemented).
    #[serde(rename = "model/list")]
    ModelList(ModelListParams),
    /// `account/gatewayOAuth/read` (known, answered `not supported yet`).
    #[serde(rename = "account/gatewayOAuth/read")]
    AccountGatewayOAuthRead(Option<serde_json::Value>),
    /// `account/gatewayOAuth/login` (known, answered `not supported yet`).
    #[serde(rename = "account/gatewayOAuth/login")]
    AccountGatewayOAuthLogin(Option<serde_json::Value>),
    /// `account/gatewayOAuth/cancel` (known, answered `not supported yet`).
    #[serde(rename = "account/gatewayOAuth/cancel")]
    AccountGatewayOAuthCancel(Option<serde_json::Value>),
    /// `modelProvider/list` (known, answered `not supported yet`).
    #[serde(rename = "modelProvider/list")]
    ModelProviderList(serde_json::Value),
    /// `modelProvider/config/write` (known, answered `not supported yet`).
    #[serde(rename = "modelProvider/config/write")]
    ModelProviderConfigWrite(serde_json::Value),
    /// `modelProvider/capabilities/read` (known, answered `not supported yet`).
    #[serde(rename = "modelProvider/capabilities/read")]
    ModelProviderCapabilitiesRead(serde_json::Value),
    /// `experimentalFeature/list` (known, answered `not supported yet`).
    #[serde(rename = "experimentalFeature/list")]
    ExperimentalFeatureList(serde_json::Value),
    /// `permissionProfile/list` (known, answered `not supported yet`).
    #[serde(rename = "permissionProfile/list")]
    PermissionProfileList(serde_json::Value),
    /// `experimentalFeature/enablement/set` (known, answered `not supported yet`).
    #[serde(rename = "experimentalFeature/enablement/set")]
    ExperimentalFeatureEnablementSet(serde_json::Value),
    /// `remoteControl/enable` (experimental; known, answered `not supported yet`).
    #[serde(rename = "remoteControl/enable")]
    RemoteControlEnable(Option<serde_json::Value>),
    /// `remoteControl/disable` (experimental; known, answered `not supported yet`).
    #[serde(rename = "remoteControl/disable")]
    RemoteControlDisable(Option<serde_json::Value>),
    /// `remoteControl/status/read` (experimental; known, answered `not supported yet`).
    #[serde(rename = "remoteControl/status/read")]
    RemoteControlStatusRead(Option<serde_json::Value>),
    /// `remoteControl/pairing/start` (experimental; known, answered `not supported yet`).
    #[serde(rename = "remoteControl/pairing/start")]
    RemoteControlPairingStart(serde_json::Value),
    /// `remoteControl/pairing/status` (experimental; known, answered `not supported yet`).
    #[serde(rename = "remoteControl/pairing/status")]
    RemoteControlPairingStatus(serde_json::Value),
    /// `remoteControl/client/list` (experimental; known, answered `not supported yet`).
    #[serde(rename = "remoteControl/client/list")]
    RemoteControlClientList(serde_json::Value),
    /// `remoteControl/client/revoke` (experimental; known, answered `not supported yet`).
    #[serde(rename = "remoteControl/client/revoke")]
    RemoteControlClientRevoke(serde_json::Value),
    /// `collaborationMode/list` (experimental; implemented).
    #[serde(rename = "collaborationMode/list")]
    CollaborationModeList(serde_json::Value),
    /// `mock/experimentalMethod` (experimental; known, answered `not supported yet`).
    #[serde(rename = "mock/experimentalMethod")]
    MockExperimentalMethod(serde_json::Value),
    /// `environment/add` (experimental; known, answered `not supported yet`).
    #[serde(rename = "environment/add")]
    EnvironmentAdd(serde_json::Value),
    /// `environment/info` (experimental; known, answered `not supported yet`).
    #[serde(rename = "environment/info")]
    EnvironmentInfo(serde_json::Value),
    /// `environment/status` (experimental; known, answered `not supported yet`).
    #[serde(rename = "environment/status")]
    EnvironmentStatus(serde_json::Value),
    /// `mcpServer/oauth/login` (known, answered `not supported yet`).
    #[serde(rename = "mcpServer/oauth/login")]
    McpServerOauthLogin(serde_json::Value),
    /// `config/mcpServer/reload` (known, answered `not supported yet`).
    #[serde(rename = "config/mcpServer/reload")]
    ConfigMcpServerReload(Option<serde_json::Value>),
    /// `mcpServerStatus/list` (known, answered `not supported yet`).
    #[serde(rename = "mcpServerStatus/list")]
    McpServerStatusList(serde_json::Value),
    /// `mcpServer/resource/read` (known, answered `not supported yet`).
    #[serde(rename = "mcpServer/resource/read")]
    McpServerResourceRead(serde_json::Value),
    /// `mcpServer/event/stream/start` (experimental; known, answered `not supported yet`).
    #[serde(rename = "mcpServer/event/stream/start")]
    McpServerEventStreamStart(serde_json::Value),
    /// `mcpServer/event/stream/stop` (experimental; known, answered `not supported yet`).
    #[serde(rename = "mcpServer/event/stream/stop")]
    McpServerEventStreamStop(serde_json::Value),
    /// `mcpServer/tool/call` (known, answered `not supported yet`).
    #[serde(rename = "mcpServer/tool/call")]
    McpServerToolCall(serde_json::Value),
    /// `windowsSandbox/setupStart` (known, answered `not supported yet`).
    #[serde(rename = "windowsSandbox/setupStart")]
    WindowsSandboxSetupStart(serde_json::Value),
    /// `windowsSandbox/readiness` (known, answered `not supported yet`).
    #[serde(rename = "windowsSandbox/readiness")]
    WindowsSandboxReadiness(Option<serde_json::Value>),
    /// `account/login/start` (known, answered `not supported yet`).
    #[serde(rename = "account/login/start")]
    AccountLoginStart(serde_json::Value),
    /// `account/bedrock/discover` (experimental; known, answered `not supported yet`).
    #[serde(rename = "account/bedrock/discover")]
    AccountBedrockDiscover(serde_json::Value),
    /// `account/bedrock/setup` (experimental; known, answered `not supported yet`).
    #[serde(rename = "account/bedrock/setup")]
    AccountBedrockSetup(serde_json::Value),
    /// `account/gcp/setup` (experimental; known, answered `not supported yet`).
    #[serde(rename = "account/gcp/setup")]
    AccountGcpSetup(serde_json::Value),
    /// `account/bedrock/checkGovCloudRequirements` (experimental; implemented).
    #[serde(rename = "account/bedrock/checkGovCloudRequirements")]
    AccountBedrockCheckGovCloudRequirements(serde_json::Value),
    /// `account/login/cancel` (known, answered `not supported yet`).
    #[serde(rename = "account/login/cancel")]
    AccountLoginCancel(serde_json::Value),
    /// `accountSession/list` (experimental; known, answered `not supported yet`).
    #[serde(rename = "accountSession/list")]
    AccountSessionList(serde_json::Value),
    /// `accountSession/switch` (experimental; known, answered `not supported yet`).
    #[serde(rename = "accountSession/switch")]
    AccountSessionSwitch(serde_json::Value),
    /// `account/logout` (known, answered `not supported yet`).
    #[serde(rename = "account/logout")]
    AccountLogout(Option<serde_json::Value>),
    /// `account/securitySetup/read` (known, answered `not supported yet`).
    #[serde(rename = "account/securitySetup/read")]
    AccountSecuritySetupRead(Option<serde_json::Value>),
    /// `account/rateLimits/read` (known, answered `not supported yet`).
    #[serde(rename = "account/rateLimits/read")]
    AccountRateLimitsRead(Option<serde_json::Value>),
    /// `account/rateLimitResetCredit/consume` (known, answered `not supported yet`).
    #[serde(rename = "account/rateLimitResetCredit/consume")]
    AccountRateLimitResetCreditConsume(serde_json::Value),
    /// `account/usage/read` (known, answered `not supported yet`).
    #[serde(rename = "account/usage/read")]
    AccountUsageRead(Option<serde_json::Value>),
    /// `account/workspaceMessages/read` (known, answered `not supported yet`).
    #[serde(rename = "account/workspaceMessages/read")]
    AccountWorkspaceMessagesRead(Option<serde_json::Value>),
    /// `account/sendAddCreditsNudgeEmail` (known, answered `not supported yet`).
    #[serde(rename = "account/sendAddCreditsNudgeEmail")]
    AccountSendAddCreditsNudgeEmail(serde_json::Value),
    /// `feedback/upload` (known, answered `not supported yet`).
    #[serde(rename = "feedback/upload")]
    FeedbackUpload(serde_json::Value),
    /// `feedback/save` (known, answered `not supported yet`).
    #[serde(rename = "feedback/save")]
    FeedbackSave(serde_json::Value),
    /// `command/exec` (implemented).
    #[serde(rename = "command/exec")]
    CommandExec(CommandExecParams),
    /// `command/exec/write` (implemented).
    #[serde(rename = "command/exec/write")]
    CommandExecWrite(CommandExecWriteParams),
    /// `command/exec/terminate` (implemented).
    #[serde(rename = "command/exec/terminate")]
    CommandExecTerminate(CommandExecTerminateParams),
    /// `command/exec/resize` (implemented).
    #[serde(rename = "command/exec/resize")]
    CommandExecResize(CommandExecResizeParams),
    /// `process/spawn` (experimental; known, answered `not supported yet`).
    #[serde(rename = "process/spawn")]
    ProcessSpawn(serde_json::Value),
    /// `process/writeStdin` (experimental; known, answered `not supported yet`).
    #[serde(rename = "process/writeStdin")]
    ProcessWriteStdin(serde_json::Value),
    /// `process/kill` (experimental; known, answered `not supported yet`).
    #[serde(rename = "process/kill")]
    ProcessKill(serde_json::Value),
    /// `process/resizePty` (experimental; known, answered `not supported yet`).
    #[serde(rename = "process/resizePty")]
    ProcessResizePty(serde_json::Value),
    /// `config/read` (implemented).
    #[serde(rename = "config/read")]
    ConfigRead(ConfigReadParams),
    /// `externalAgentConfig/detect` (known, answered `not supported yet`).
    #[serde(rename = "externalAgentConfig/detect")]
    ExternalAgentConfigDetect(serde_json::Value),
    /// `externalAgentConfig/import` (known, answered `not supported yet`).
    #[serde(rename = "externalAgentConfig/import")]
    ExternalAgentConfigImport(serde_json::Value),
    /// `externalAgentConfig/import/recordHistory` (known, answered `not supported yet`).
    #[serde(rename = "externalAgentConfig/import/recordHistory")]
    ExternalAgentConfigImportRecordHistory(serde_json::Value),
    /// `externalAgentConfig/import/readHistories` (known, answered `not supported yet`).
    #[serde(rename = "externalAgentConfig/import/readHistories")]
    ExternalAgentConfigImportReadHistories(Option<serde_json::Value>),
    /// `config/value/write` (known, answered `not supported yet`).
    #[serde(rename = "config/value/write")]
    ConfigValueWrite(serde_json::Value),
    /// `config/batchWrite` (known, answered `not supported yet`).
    #[serde(rename = "config/batchWrite")]
    ConfigBatchWrite(serde_json::Value),
    /// `configRequirements/read` (implemented).
    #[serde(rename = "configRequirements/read")]
    ConfigRequirementsRead(Option<serde_json::Value>),
    /// `account/read` (implemented).
    #[serde(rename = "account/read")]
    AccountRead(serde_json::Value),
    /// `getConversationSummary` (deprecated v1; known, answered `not supported yet`).
    #[serde(rename = "getConversationSummary")]
    GetConversationSummary(serde_json::Value),
    /// `gitDiffToRemote` (deprecated v1; known, answered `not supported yet`).
    #[serde(rename = "gitDiffToRemote")]
    GitDiffToRemote(serde_json::Value),
    /// `getAuthStatus` (deprecated v1; known, answered `not supported yet`).
    #[serde(rename = "getAuthStatus")]
    GetAuthStatus(serde_json::Value),
    /// `fuzzyFileSearch` (known, answered `not supported yet`).
    #[serde(rename = "fuzzyFileSearch")]
    FuzzyFileSearch(serde_json::Value),
    /// `fuzzyFileSearch/sessionStart` (experimental; known, answered `not supported yet`).
    #[serde(rename = "fuzzyFileSearch/sessionStart")]
    FuzzyFileSearchSessionStart(serde_json::Value),
    /// `fuzzyFileSearch/sessionUpdate` (experimental; known, answered `not supported yet`).
    #[serde(rename = "fuzzyFileSearch/sessionUpdate")]
    FuzzyFileSearchSessionUpdate(serde_json::Value),
    /// `fuzzyFileSearch/sessionStop` (experimental; known, answered `not supported yet`).
    #[serde(rename = "fuzzyFileSearch/sessionStop")]
    FuzzyFileSearchSessionStop(serde_json::Value),
}

impl ClientRequest {
    /// The wire method name of this request.
    #[must_use]
    #[allow(
        clippy::too_many_lines,
        reason = "one arm per method of the generated list"
    )]
    pub fn method(&self) -> &'static str {
        match self {
            Self::Initialize(_) => "initialize",
            Self::ServerDiagnostics(_) => "server/diagnostics",
            Self::UserVerificationStatus(_) => "userVerification/status",
            Self::UserVerificationEnroll(_) => "userVerification/enroll",
            Self::UserVerificationDelete(_) => "userVerification/delete",
            Self::UserVerificationVerify(_) => "userVerification/verify",
            Self::UserVerificationCancel(_) => "userVerification/cancel",
            Self::ThreadStart(_) => "thread/start",
            Self::ThreadResume(_) => "thread/resume",
            Self::ThreadFork(_) => "thread/fork",
            Self::ThreadSample(_) => "thread/sample",
            Self::ThreadSampleCancel(_) => "thread/sample/cancel",
            Self::ThreadArchive(_) => "thread/archive",
            Self::ThreadDelete(_) => "thread/delete",
            Self::ThreadUnsubscribe(_) => "thread/unsubscribe",
            Self::ThreadIncrementElicitation(_) => "thread/increment_elicitation",
            Self::ThreadDecrementElicitation(_) => "thread/decrement_elicitation",
            Self::ThreadNameSet(_) => "thread/name/set",
            Self::ThreadPredictionRequest(_) => "thread/prediction/request",
            Self::ThreadGoalSet(_) => "thread/goal/set",
            Self::ThreadGoalGet(_) => "thread/goal/get",
            Self::ThreadGoalClear(_) => "thread/goal/clear",
            Self::ThreadQueueAdd(_) => "thread/queue/add",
            Self::ThreadQueueList(_) => "thread/queue/list",
            Self::ThreadQueueUpdate(_) => "thread/queue/update",
            Self::ThreadQueueDelete(_) => "thread/queue/delete",
            Self::ThreadQueueReorder(_) => "thread/queue/reorder",
            Self::ThreadQueueStart(_) => "thread/queue/start",
            Self::ThreadMetadataUpdate(_) => "thread/metadata/update",
            Self::ThreadAttachmentAdd(_) => "thread/attachment/add",
            Self::ThreadAttachmentList(_) => "thread/attachment/list",
            Self::ThreadAttachmentOwnerList(_) => "thread/attachmentOwner/list",
            Self::ThreadAttachmentRemove(_) => "thread/attachment/remove",
            Self::ThreadSectionMove(_) => "thread/section/move",
            Self::ThreadSettingsUpdate(_) => "thread/settings/update",
            Self::ThreadMemoryModeSet(_) => "thread/memoryMode/set",
            Self::ThreadMemoryRead(_) => "thread/memory/read",
            Self::MemoryStatus(_) => "memory/status",
            Self::MemoryReset(_) => "memory/reset",
            Self::RolloutCompress(_) => "rollout/compress",
            Self::ThreadUnarchive(_) => "thread/unarchive",
            Self::ThreadCompactStart(_) => "thread/compact/start",
            Self::ThreadShellCommand(_) => "thread/shellCommand",
            Self::ThreadApproveGuardianDeniedAction(_) => "thread/approveGuardianDeniedAction",
            Self::ThreadBackgroundTerminalsClean(_) => "thread/backgroundTerminals/clean",
            Self::ThreadBackgroundTerminalsList(_) => "thread/backgroundTerminals/list",
            Self::ThreadBackgroundTerminalsTerminate(_) => "thread/backgroundTerminals/terminate",
            Self::ThreadRevert(_) => "thread/revert",
            Self::ThreadList(_) => "thread/list",
            Self::ProjectList(_) => "project/list",
            Self::ProjectRead(_) => "project/read",
            Self::ProjectCreate(_) => "project/create",
            Self::ProjectImport(_) => "project/import",
            Self::ProjectUpdate(_) => "project/update",
            Self::ProjectMove(_) => "project/move",
            Self::ProjectDelete(_) => "project/delete",
            Self::ThreadSectionList(_) => "threadSection/list",
            Self::ThreadSectionCreate(_) => "threadSection/create",
            Self::ThreadSectionUpdate(_) => "threadSection/update",
            Self::ThreadSectionDelete(_) => "threadSection/delete",
            Self::ThreadSearch(_) => "thread/search",
            Self::ThreadSearchOccurrences(_) => "thread/searchOccurrences",
            Self::ThreadLoadedList(_) => "thread/loaded/list",
            Self::ThreadRead(_) => "thread/read",
            Self::ThreadReadStateUpdate(_) => "thread/readState/update",
            Self::ThreadTurnsList(_) => "thread/turns/list",
            Self::ThreadItemsList(_) => "thread/items/list",
            Self::ThreadItemsRead(_) => "thread/items/read",
            Self::ThreadGuardianReview(_) => "thread/guardianReview",
            Self::ThreadInjectItems(_) => "thread/inject_items",
            Self::ThreadPrepareApprovedPlan(_) => "thread/prepareApprovedPlan",
            Self::SkillsList(_) => "skills/list",
            Self::SkillsExtraRootsSet(_) => "skills/extraRoots/set",
            Self::HooksList(_) => "hooks/list",
            Self::MarketplaceAdd(_) => "marketplace/add",
            Self::MarketplaceRemove(_) => "marketplace/remove",
            Self::MarketplaceUpgrade(_) => "marketplace/upgrade",
            Self::PluginList(_) => "plugin/list",
            Self::PluginSearch(_) => "plugin/search",
            Self::PluginInstalled(_) => "plugin/installed",
            Self::PluginReconcile(_) => "plugin/reconcile",
            Self::PluginRead(_) => "plugin/read",
            Self::PluginSkillRead(_) => "plugin/skill/read",
            Self::PluginShareSave(_) => "plugin/share/save",
            Self::PluginShareUpdateTargets(_) => "plugin/share/updateTargets",
            Self::PluginShareList(_) => "plugin/share/list",
            Self::PluginShareCheckout(_) => "plugin/share/checkout",
            Self::PluginShareDelete(_) => "plugin/share/delete",
            Self::AppRead(_) => "app/read",
            Self::AppList(_) => "app/list",
            Self::AppInstalled(_) => "app/installed",
            Self::FsReadFile(_) => "fs/readFile",
            Self::FsWriteFile(_) => "fs/writeFile",
            Self::FsCreateDirectory(_) => "fs/createDirectory",
            Self::FsGetMetadata(_) => "fs/getMetadata",
            Self::FsReadDirectory(_) => "fs/readDirectory",
            Self::FsRemove(_) => "fs/remove",
            Self::FsCopy(_) => "fs/copy",
            Self::FsWatch(_) => "fs/watch",
            Self::FsUnwatch(_) => "fs/unwatch",
            Self::SkillsConfigWrite(_) => "skills/config/write",
            Self::PluginInstall(_) => "plugin/install",
            Self::PluginUninstall(_) => "plugin/uninstall",
            Self::TurnStart(_) => "turn/start",
            Self::TurnSettingsUpdate(_) => "turn/settings/update",
            Self::TurnSteer(_) => "turn/steer",
            Self::TurnInterrupt(_) => "turn/interrupt",
            Self::ThreadRealtimeStart(_) => "thread/realtime/start",
            Self::ThreadRealtimeAppendAudio(_) => "thread/realtime/appendAudio",
            Self::ThreadRealtimeAppendText(_) => "thread/realtime/appendText",
            Self::ThreadRealtimeAppendSpeech(_) => "thread/realtime/appendSpeech",
            Self::ThreadRealtimeStop(_) => "thread/realtime/stop",
            Self::ThreadTimelineList(_) => "thread/timeline/list",
            Self::ThreadRealtimeListVoices(_) => "thread/realtime/listVoices",
            Self::ReviewStart(_) => "review/start",
            Self::ModelList(_) => "model/list",
            Self::AccountGatewayOAuthRead(_) => "account/gatewayOAuth/read",
            Self::AccountGatewayOAuthLogin(_) => "account/gatewayOAuth/login",
            Self::AccountGatewayOAuthCancel(_) => "account/gatewayOAuth/cancel",
            Self::ModelProviderList(_) => "modelProvider/list",
            Self::ModelProviderConfigWrite(_) => "modelProvider/config/write",
            Self::ModelProviderCapabilitiesRead(_) => "modelProvider/capabilities/read",
            Self::ExperimentalFeatureList(_) => "experimentalFeature/list",
            Self::PermissionProfileList(_) => "permissionProfile/list",
            Self::ExperimentalFeatureEnablementSet(_) => "experimentalFeature/enablement/set",
            Self::RemoteControlEnable(_) => "remoteControl/enable",
            Self::RemoteControlDisable(_) => "remoteControl/disable",
            Self::RemoteControlStatusRead(_) => "remoteControl/status/read",
            Self::RemoteControlPairingStart(_) => "remoteControl/pairing/start",
            Self::RemoteControlPairingStatus(_) => "remoteControl/pairing/status",
            Self::RemoteControlClientList(_) => "remoteControl/client/list",
            Self::RemoteControlClientRevoke(_) => "remoteControl/client/revoke",
            Self::CollaborationModeList(_) => "collaborationMode/list",
            Self::MockExperimentalMethod(_) => "mock/experimentalMethod",
            Self::EnvironmentAdd(_) => "environment/add",
            Self::EnvironmentInfo(_) => "environment/info",
            Self::EnvironmentStatus(_) => "environment/status",
            Self::McpServerOauthLogin(_) => "mcpServer/oauth/login",
            Self::ConfigMcpServerReload(_) => "config/mcpServer/reload",
            Self::McpServerStatusList(_) => "mcpServerStatus/list",
            Self::McpServerResourceRead(_) => "mcpServer/resource/read",
            Self::McpServerEventStreamStart(_) => "mcpServer/event/stream/start",
            Self::McpServerEventStreamStop(_) => "mcpServer/event/stream/stop",
            Self::McpServerToolCall(_) => "mcpServer/tool/call",
            Self::WindowsSandboxSetupStart(_) => "windowsSandbox/setupStart",
            Self::WindowsSandboxReadiness(_) => "windowsSandbox/readiness",
            Self::AccountLoginStart(_) => "account/login/start",
            Self::AccountBedrockDiscover(_) => "account/bedrock/discover",
            Self::AccountBedrockSetup(_) => "account/bedrock/setup",
            Self::AccountGcpSetup(_) => "account/gcp/setup",
            Self::AccountBedrockCheckGovCloudRequirements(_) => {
                "account/bedrock/checkGovCloudRequirements"
            }
            Self::AccountLoginCancel(_) => "account/login/cancel",
            Self::AccountSessionList(_) => "accountSession/list",
            Self::AccountSessionSwitch(_) => "accountSession/switch",
            Self::AccountLogout(_) => "account/logout",
            Self::AccountSecuritySetupRead(_) => "account/securitySetup/read",
            Self::AccountRateLimitsRead(_) => "account/rateLimits/read",
            Self::AccountRateLimitResetCreditConsume(_) => "account/rateLimitResetCredit/consume",
            Self::AccountUsageRead(_) => "account/usage/read",
            Self::AccountWorkspaceMessagesRead(_) => "account/workspaceMessages/read",
            Self::AccountSendAddCreditsNudgeEmail(_) => "account/sendAddCreditsNudgeEmail",
            Self::FeedbackUpload(_) => "feedback/upload",
            Self::FeedbackSave(_) => "feedback/save",
            Self::CommandExec(_) => "command/exec",
            Self::CommandExecWrite(_) => "command/exec/write",
            Self::CommandExecTerminate(_) => "command/exec/terminate",
            Self::CommandExecResize(_) => "command/exec/resize",
            Self::ProcessSpawn(_) => "process/spawn",
            Self::ProcessWriteStdin(_) => "process/writeStdin",
            Self::ProcessKill(_) => "process/kill",
            Self::ProcessResizePty(_) => "process/resizePty",
            Self::ConfigRead(_) => "config/read",
            Self::ExternalAgentConfigDetect(_) => "externalAgentConfig/detect",
            Self::ExternalAgentConfigImport(_) => "externalAgentConfig/import",
            Self::ExternalAgentConfigImportRecordHistory(_) => {
                "externalAgentConfig/import/recordHistory"
            }
            Self::ExternalAgentConfigImportReadHistories(_) => {
                "externalAgentConfig/import/readHistories"
            }
            Self::ConfigValueWrite(_) => "config/value/write",
            Self::ConfigBatchWrite(_) => "config/batchWrite",
            Self::ConfigRequirementsRead(_) => "configRequirements/read",
            Self::AccountRead(_) => "account/read",
            Self::GetConversationSummary(_) => "getConversationSummary",
            Self::GitDiffToRemote(_) => "gitDiffToRemote",
            Self::GetAuthStatus(_) => "getAuthStatus",
            Self::FuzzyFileSearch(_) => "fuzzyFileSearch",
            Self::FuzzyFileSearchSessionStart(_) => "fuzzyFileSearch/sessionStart",
            Self::FuzzyFileSearchSessionUpdate(_) => "fuzzyFileSearch/sessionUpdate",
            Self::FuzzyFileSearchSessionStop(_) => "fuzzyFileSearch/sessionStop",
        }
    }
}

/// Every method name of [`ClientRequest`], in schema order.
pub const CLIENT_REQUEST_METHODS: &[&str] = &[
    "initialize",
    "server/diagnostics",
    "userVerification/status",
    "userVerification/enroll",
    "userVerification/delete",
    "userVerification/verify",
    "userVerification/cancel",
    "thread/start",
    "thread/resume",
    "thread/fork",
    "thread/sample",
    "thread/sample/cancel",
    "thread/archive",
    "thread/delete",
    "thread/unsubscribe",
    "thread/increment_elicitation",
    "thread/decrement_elicitation",
    "thread/name/set",
    "thread/prediction/request",
    "thread/goal/set",
    "thread/goal/get",
    "thread/goal/clear",
    "thread/queue/add",
    "thread/queue/list",
    "thread/queue/update",
    "thread/queue/delete",
    "thread/queue/reorder",
    "thread/queue/start",
    "thread/metadata/update",
    "thread/attachment/add",
    "thread/attachment/list",
    "thread/attachmentOwner/list",
    "thread/attachment/remove",
    "thread/section/move",
    "thread/settings/update",
    "thread/memoryMode/set",
    "thread/memory/read",
    "memory/status",
    "memory/reset",
    "rollout/compress",
    "thread/unarchive",
    "thread/compact/start",
    "thread/shellCommand",
    "thread/approveGuardianDeniedAction",
    "thread/backgroundTerminals/clean",
    "thread/backgroundTerminals/list",
    "thread/backgroundTerminals/terminate",
    "thread/revert",
    "thread/list",
    "project/list",
    "project/read",
    "project/create",
    "project/import",
    "project/update",
    "project/move",
    "project/delete",
    "threadSection/list",
    "threadSection/create",
    "threadSection/update",
    "threadSection/delete",
    "thread/search",
    "thread/searchOccurrences",
    "thread/loaded/list",
    "thread/read",
    "thread/readState/update",
    "thread/turns/list",
    "thread/items/list",
    "thread/items/read",
    "thread/guardianReview",
    "thread/inject_items",
    "thread/prepareApprovedPlan",
    "skills/list",
    "skills/extraRoots/set",
    "hooks/list",
    "marketplace/add",
    "marketplace/remove",
    "marketplace/upgrade",
    "plugin/list",
    "plugin/search",
    "plugin/installed",
    "plugin/reconcile",
    "plugin/read",
    "plugin/skill/read",
    "plugin/share/save",
    "plugin/share/updateTargets",
    "plugin/share/list",
    "plugin/share/checkout",
    "plugin/share/delete",
    "app/read",
    "app/list",
    "app/installed",
    "fs/readFile",
    "fs/writeFile",
    "fs/createDirectory",
    "fs/getMetadata",
    "fs/readDirectory",
    "fs/remove",
    "fs/copy",
    "fs/watch",
    "fs/unwatch",
    "skills/config/write",
    "plugin/install",
    "plugin/uninstall",
    "turn/start",
    "turn/settings/update",
    "turn/steer",
    "turn/interrupt",
    "thread/realtime/start",
    "thread/realtime/appendAudio",
    "thread/realtime/appendText",
    "thread/realtime/appendSpeech",
    "thread/realtime/stop",
    "thread/timeline/list",
    "thread/realtime/listVoices",
    "review/start",
    "model/list",
    "account/gatewayOAuth/read",
    "account/gatewayOAuth/login",
    "account/gatewayOAuth/cancel",
    "modelProvider/list",
    "modelProvider/config/write",
    "modelProvider/capabilities/read",
    "experimentalFeature/list",
    "permissionProfile/list",
    "experimentalFeature/enablement/set",
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
    "mcpServer/oauth/login",
    "config/mcpServer/reload",
    "mcpServerStatus/list",
    "mcpServer/resource/read",
    "mcpServer/event/stream/start",
    "mcpServer/event/stream/stop",
    "mcpServer/tool/call",
    "windowsSandbox/setupStart",
    "windowsSandbox/readiness",
    "account/login/start",
    "account/bedrock/discover",
    "account/bedrock/setup",
    "account/gcp/setup",
    "account/bedrock/checkGovCloudRequirements",
    "account/login/cancel",
    "accountSession/list",
    "accountSession/switch",
    "account/logout",
    "account/securitySetup/read",
    "account/rateLimits/read",
    "account/rateLimitResetCredit/consume",
    "account/usage/read",
    "account/workspaceMessages/read",
    "account/sendAddCreditsNudgeEmail",
    "feedback/upload",
    "feedback/save",
    "command/exec",
    "command/exec/write",
    "command/exec/terminate",
    "command/exec/resize",
    "process/spawn",
    "process/writeStdin",
    "process/kill",
    "process/resizePty",
    "config/read",
    "externalAgentConfig/detect",
    "externalAgentConfig/import",
    "externalAgentConfig/import/recordHistory",
    "externalAgentConfig/import/readHistories",
    "config/value/write",
    "config/batchWrite",
    "configRequirements/read",
    "account/read",
    "getConversationSummary",
    "gitDiffToRemote",
    "getAuthStatus",
    "fuzzyFileSearch",
    "fuzzyFileSearch/sessionStart",
    "fuzzyFileSearch/sessionUpdate",
    "fuzzyFileSearch/sessionStop",
];

mod experimental;

pub use experimental::{
    EXPERIMENTAL_CLIENT_METHODS, EXPERIMENTAL_NOTIFICATION_METHODS, EXPERIMENTAL_PARAMS,
    ExperimentalParam, ExperimentalUse, GRANULAR_APPROVAL_DESCRIPTOR, experimental_descriptor,
};
