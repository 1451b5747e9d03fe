//! JSON Schema of weft's own wire types, laid out like the reference's `generate-json-schema`.
//!
//! The schemas are derived with schemars (draft 7, deserialize contract, like the reference:
//! a member with a default or of `Option` type is not `required`). [`generate`] returns the
//! files as an in-memory map from relative path to JSON, because this crate does no IO; the CLI
//! (`weft app-server generate-json-schema --out DIR`) writes them. The layout follows
//! `codex-app-server-schema-0.169.0/`: `v1/Initialize*.json`, one `v2/<Name>.json` per params,
//! response and notification-params type weft implements, `ServerNotification.json`, and the
//! two bundles, in which v2 types live under `#/definitions/v2/…` (full bundle) or flat
//! (`…v2.schemas.json`).
//!
//! The reference's stable schema was generated without `--experimental`, so the experimental
//! members weft sends anyway (protocol.md §6.8) are listed in [`EXPERIMENTAL_PROPERTIES`] and
//! left out unless [`SchemaOptions::experimental`] is set.

use std::collections::BTreeMap;

use schemars::consts::meta_schemas::DRAFT07;
use schemars::generate::{SchemaGenerator, SchemaSettings};
use schemars::{JsonSchema, Schema};
use serde_json::{Map, Value};

use crate::v1::{InitializeParams, InitializeResponse};
use crate::v2::{
    CommandExecParams, CommandExecResizeParams, CommandExecResizeResponse, CommandExecResponse,
    CommandExecTerminateParams, CommandExecTerminateResponse, CommandExecWriteParams,
    CommandExecWriteResponse, ConfigReadParams, ConfigReadResponse, ModelListParams,
    ModelListResponse, ServerNotification, ThreadGoalClearParams, ThreadGoalClearResponse,
    ThreadGoalGetParams, ThreadGoalGetResponse, ThreadGoalSetParams, ThreadGoalSetResponse,
    ThreadItemsListParams, ThreadItemsListResponse, ThreadListParams, ThreadListResponse,
    ThreadLoadedListParams, ThreadLoadedListResponse, ThreadMetadataUpdateParams,
    ThreadMetadataUpdateResponse, ThreadReadParams, ThreadReadResponse, ThreadResumeParams,
    ThreadResumeResponse, ThreadShellCommandParams, ThreadShellCommandResponse, ThreadStartParams,
    ThreadStartResponse, ThreadTurnsListParams, ThreadTurnsListResponse, ThreadUnsubscribeParams,
    ThreadUnsubscribeResponse, TurnInterruptParams, TurnInterruptResponse, TurnStartParams,
    TurnStartResponse, TurnSteerParams, TurnSteerResponse,
};

/// Generated schema files: path relative to the output folder (`/`-separated) → JSON.
pub type SchemaFiles = BTreeMap<String, Value>;

/// File name of the full bundle (v1 types at the top, v2 types under `definitions/v2`).
pub const BUNDLE_FILE: &str = "codex_app_server_protocol.schemas.json";
/// File name of the flat v2 bundle.
pub const V2_BUNDLE_FILE: &str = "codex_app_server_protocol.v2.schemas.json";
/// File name of the server notification union.
pub const SERVER_NOTIFICATION_FILE: &str = "ServerNotification.json";

/// Experimental members weft writes (protocol.md §6.8) that the stable reference schema lacks:
/// `(definition name, property name)`.
pub const EXPERIMENTAL_PROPERTIES: &[(&str, &str)] = &[
    ("TurnStartParams", "collaborationMode"),
    ("Thread", "environments"),
    ("Thread", "extra"),
    ("Thread", "attachedToThreadId"),
    ("Thread", "canAcceptDirectInput"),
    ("Thread", "daybreakEnabled"),
    ("ThreadStartResponse", "runtimeWorkspaceRoots"),
    ("ThreadStartResponse", "activePermissionProfile"),
    ("ThreadStartResponse", "multiAgentMode"),
    ("ThreadResumeResponse", "runtimeWorkspaceRoots"),
    ("ThreadResumeResponse", "activePermissionProfile"),
    ("ThreadResumeResponse", "multiAgentMode"),
    ("ThreadResumeResponse", "initialTurnsPage"),
    ("ThreadListResponse", "readStates"),
    ("ThreadReadResponse", "readState"),
];

/// What to generate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SchemaOptions {
    /// Keep the members of [`EXPERIMENTAL_PROPERTIES`] (the reference's `--experimental`).
    pub experimental: bool,
}

/// A request method weft implements, with the names of its params and response types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImplementedMethod {
    /// Wire method name, e.g. `thread/start`.
    pub method: &'static str,
    /// Schema name of the params type, e.g. `ThreadStartParams`.
    pub params: &'static str,
    /// Schema name of the result type, e.g. `ThreadStartResponse`.
    pub response: &'static str,
}

/// Which schema namespace a type belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Namespace {
    V1,
    V2,
}

/// One type that gets its own file, type-erased so the table below can list them.
struct RootType {
    namespace: Namespace,
    name: fn() -> String,
    file: fn() -> Schema,
    add_to: fn(&mut SchemaGenerator) -> Schema,
}

fn settings() -> SchemaSettings {
    SchemaSettings::draft07()
}

fn root_file<T: JsonSchema>() -> Schema {
    settings().into_generator().into_root_schema_for::<T>()
}

fn add_to<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

fn name_of<T: JsonSchema>() -> String {
    T::schema_name().into_owned()
}

fn root<T: JsonSchema>(namespace: Namespace) -> RootType {
    RootType {
        namespace,
        name: name_of::<T>,
        file: root_file::<T>,
        add_to: add_to::<T>,
    }
}

/// Every request method weft implements, in `ClientRequest.json` order; the typed variants of
/// [`crate::ClientRequest`].
pub const IMPLEMENTED_METHODS: &[ImplementedMethod] = &[
    implemented("initialize", "InitializeParams", "InitializeResponse"),
    implemented("thread/start", "ThreadStartParams", "ThreadStartResponse"),
    implemented(
        "thread/resume",
        "ThreadResumeParams",
        "ThreadResumeResponse",
    ),
    implemented(
        "thread/unsubscribe",
        "ThreadUnsubscribeParams",
        "ThreadUnsubscribeResponse",
    ),
    implemented(
        "thread/goal/set",
        "ThreadGoalSetParams",
        "ThreadGoalSetResponse",
    ),
    implemented(
        "thread/goal/get",
        "ThreadGoalGetParams",
        "ThreadGoalGetResponse",
    ),
    implemented(
        "thread/goal/clear",
        "ThreadGoalClearParams",
        "ThreadGoalClearResponse",
    ),
    implemented(
        "thread/metadata/update",
        "ThreadMetadataUpdateParams",
        "ThreadMetadataUpdateResponse",
    ),
    implemented(
        "thread/shellCommand",
        "ThreadShellCommandParams",
        "ThreadShellCommandResponse",
    ),
    implemented("thread/list", "ThreadListParams", "ThreadListResponse"),
    implemented(
        "thread/loaded/list",
        "ThreadLoadedListParams",
        "ThreadLoadedListResponse",
    ),
    implemented("thread/read", "ThreadReadParams", "ThreadReadResponse"),
    implemented(
        "thread/turns/list",
        "ThreadTurnsListParams",
        "ThreadTurnsListResponse",
    ),
    implemented(
        "thread/items/list",
        "ThreadItemsListParams",
        "ThreadItemsListResponse",
    ),
    implemented("turn/start", "TurnStartParams", "TurnStartResponse"),
    implemented(
        "turn/interrupt",
        "TurnInterruptParams",
        "TurnInterruptResponse",
    ),
    implemented("turn/steer", "TurnSteerParams", "TurnSteerResponse"),
    implemented("model/list", "ModelListParams", "ModelListResponse"),
    implemented("command/exec", "CommandExecParams", "CommandExecResponse"),
    implemented(
        "command/exec/write",
        "CommandExecWriteParams",
        "CommandExecWriteResponse",
    ),
    implemented(
        "command/exec/terminate",
        "CommandExecTerminateParams",
        "CommandExecTerminateResponse",
    ),
    implemented(
        "command/exec/resize",
        "CommandExecResizeParams",
        "CommandExecResizeResponse",
    ),
    implemented("config/read", "ConfigReadParams", "ConfigReadResponse"),
];

const fn implemented(
    method: &'static str,
    params: &'static str,
    response: &'static str,
) -> ImplementedMethod {
    ImplementedMethod {
        method,
        params,
        response,
    }
}

/// The types that get their own file. Keep in step with [`IMPLEMENTED_METHODS`].
fn root_types() -> Vec<RootType> {
    vec![
        root::<InitializeParams>(Namespace::V1),
        root::<InitializeResponse>(Namespace::V1),
        root::<ThreadStartParams>(Namespace::V2),
        root::<ThreadStartResponse>(Namespace::V2),
        root::<ThreadResumeParams>(Namespace::V2),
        root::<ThreadResumeResponse>(Namespace::V2),
        root::<ThreadUnsubscribeParams>(Namespace::V2),
        root::<ThreadUnsubscribeResponse>(Namespace::V2),
        root::<ThreadGoalSetParams>(Namespace::V2),
        root::<ThreadGoalSetResponse>(Namespace::V2),
        root::<ThreadGoalGetParams>(Namespace::V2),
        root::<ThreadGoalGetResponse>(Namespace::V2),
        root::<ThreadGoalClearParams>(Namespace::V2),
        root::<ThreadGoalClearResponse>(Namespace::V2),
        root::<ThreadMetadataUpdateParams>(Namespace::V2),
        root::<ThreadMetadataUpdateResponse>(Namespace::V2),
        root::<ThreadShellCommandParams>(Namespace::V2),
        root::<ThreadShellCommandResponse>(Namespace::V2),
        root::<ThreadListParams>(Namespace::V2),
        root::<ThreadListResponse>(Namespace::V2),
        root::<ThreadLoadedListParams>(Namespace::V2),
        root::<ThreadLoadedListResponse>(Namespace::V2),
        root::<ThreadReadParams>(Namespace::V2),
        root::<ThreadReadResponse>(Namespace::V2),
        root::<ThreadTurnsListParams>(Namespace::V2),
        root::<ThreadTurnsListResponse>(Namespace::V2),
        root::<ThreadItemsListParams>(Namespace::V2),
        root::<ThreadItemsListResponse>(Namespace::V2),
        root::<TurnStartParams>(Namespace::V2),
        root::<TurnStartResponse>(Namespace::V2),
        root::<TurnInterruptParams>(Namespace::V2),
        root::<TurnInterruptResponse>(Namespace::V2),
        root::<TurnSteerParams>(Namespace::V2),
        root::<TurnSteerResponse>(Namespace::V2),
        root::<ModelListParams>(Namespace::V2),
        root::<ModelListResponse>(Namespace::V2),
        root::<CommandExecParams>(Namespace::V2),
        root::<CommandExecResponse>(Namespace::V2),
        root::<CommandExecWriteParams>(Namespace::V2),
        root::<CommandExecWriteResponse>(Namespace::V2),
        root::<CommandExecTerminateParams>(Namespace::V2),
        root::<CommandExecTerminateResponse>(Namespace::V2),
        root::<CommandExecResizeParams>(Namespace::V2),
        root::<CommandExecResizeResponse>(Namespace::V2),
        root::<ConfigReadParams>(Namespace::V2),
        root::<ConfigReadResponse>(Namespace::V2),
    ]
}

/// Generates every schema file (see the module docs for the layout).
#[must_use]
pub fn generate(options: SchemaOptions) -> SchemaFiles {
    let mut files = SchemaFiles::new();
    for root_type in root_types() {
        let folder = match root_type.namespace {
            Namespace::V1 => "v1",
            Namespace::V2 => "v2",
        };
        let path = format!("{folder}/{}.json", (root_type.name)());
        files.insert(path, finish_root((root_type.file)(), options));
    }
    let notification = root_file::<ServerNotification>();
    for (name, params) in notification_param_files(&notification) {
        files.insert(format!("v2/{name}.json"), finish_root(params, options));
    }
    files.insert(
        SERVER_NOTIFICATION_FILE.to_owned(),
        finish_root(notification, options),
    );
    let definitions = all_definitions(options);
    files.insert(BUNDLE_FILE.to_owned(), full_bundle(&definitions));
    files.insert(V2_BUNDLE_FILE.to_owned(), v2_bundle(&definitions));
    // The reference writes every object with sorted keys; so does weft, for stable diffs.
    files.values_mut().for_each(Value::sort_all_objects);
    files
}

/// The method names of weft's [`ServerNotification`] variants, in declaration order.
#[must_use]
pub fn server_notification_methods() -> Vec<String> {
    let notification = root_file::<ServerNotification>();
    notification_variants(notification.as_value())
        .into_iter()
        .map(|(method, _)| method)
        .collect()
}

/// `(method, params $ref)` of each variant of a `{method, params}` union schema.
fn notification_variants(union: &Value) -> Vec<(String, String)> {
    let Some(variants) = union.get("oneOf").and_then(Value::as_array) else {
        return Vec::new();
    };
    variants
        .iter()
        .filter_map(|variant| {
            let properties = variant.get("properties")?;
            let method = tag_value(properties.get("method")?)?;
            let params_ref = properties.get("params")?.get("$ref")?.as_str()?;
            Some((method, params_ref.to_owned()))
        })
        .collect()
}

/// The single string a tag schema allows (`const` or a one-element `enum`).
fn tag_value(tag: &Value) -> Option<String> {
    if let Some(value) = tag.get("const").and_then(Value::as_str) {
        return Some(value.to_owned());
    }
    match tag.get("enum").and_then(Value::as_array)?.as_slice() {
        [Value::String(value)] => Some(value.clone()),
        _ => None,
    }
}

/// One root schema per distinct notification params type, cut out of the union's file.
fn notification_param_files(notification: &Schema) -> Vec<(String, Schema)> {
    let empty = Map::new();
    let definitions = notification
        .get("definitions")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut names: Vec<String> = notification_variants(notification.as_value())
        .into_iter()
        .filter_map(|(_, reference)| reference.strip_prefix("#/definitions/").map(str::to_owned))
        .collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .filter_map(|name| {
            let body = definitions.get(&name)?.clone();
            Some((name.clone(), standalone(&name, body, definitions)))
        })
        .collect()
}

/// A root schema for definition `name`, carrying only the definitions it reaches.
fn standalone(name: &str, body: Value, definitions: &Map<String, Value>) -> Schema {
    let mut object = match body {
        Value::Object(object) => object,
        other => {
            let mut object = Map::new();
            object.insert("allOf".to_owned(), Value::Array(vec![other]));
            object
        }
    };
    let reached = reachable(&Value::Object(object.clone()), definitions);
    object.insert("$schema".to_owned(), Value::String(DRAFT07.to_owned()));
    object.insert("title".to_owned(), Value::String(name.to_owned()));
    if !reached.is_empty() {
        object.insert("definitions".to_owned(), Value::Object(reached));
    }
    Schema::from(object)
}

/// The definitions `schema` refers to, transitively.
fn reachable(schema: &Value, definitions: &Map<String, Value>) -> Map<String, Value> {
    let mut reached = Map::new();
    let mut pending = Vec::new();
    collect_refs(schema, &mut pending);
    while let Some(name) = pending.pop() {
        if reached.contains_key(&name) {
            continue;
        }
        if let Some(body) = definitions.get(&name) {
            collect_refs(body, &mut pending);
            reached.insert(name, body.clone());
        }
    }
    reached
}

/// Pushes the definition names of every `#/definitions/<name>` reference inside `schema`.
fn collect_refs(schema: &Value, names: &mut Vec<String>) {
    match schema {
        Value::Object(object) => {
            for (key, value) in object {
                match (key.as_str(), value) {
                    ("$ref", Value::String(reference)) => {
                        if let Some(name) = reference.strip_prefix("#/definitions/") {
                            names.push(name.to_owned());
                        }
                    }
                    _ => collect_refs(value, names),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, names)),
        _ => {}
    }
}

/// Applies the options to a root schema and its definitions.
fn finish_root(schema: Schema, options: SchemaOptions) -> Value {
    let mut value = schema.to_value();
    if !options.experimental {
        if let Some(title) = value
            .get("title")
            .and_then(Value::as_str)
            .map(str::to_owned)
        {
            strip_experimental(&title, &mut value);
        }
        if let Some(Value::Object(definitions)) = value.get_mut("definitions") {
            strip_experimental_all(definitions);
        }
    }
    value
}

fn strip_experimental_all(definitions: &mut Map<String, Value>) {
    for (name, body) in definitions.iter_mut() {
        strip_experimental(name, body);
    }
}

/// Removes the [`EXPERIMENTAL_PROPERTIES`] of definition `name` from its schema.
fn strip_experimental(name: &str, schema: &mut Value) {
    for (_, property) in EXPERIMENTAL_PROPERTIES
        .iter()
        .filter(|(owner, _)| *owner == name)
    {
        if let Some(Value::Object(properties)) = schema.get_mut("properties") {
            properties.shift_remove(*property);
        }
        if let Some(Value::Array(required)) = schema.get_mut("required") {
            required.retain(|entry| entry.as_str() != Some(property));
        }
    }
}

/// Every definition reachable from a root type or a notification, by schema name.
fn all_definitions(options: SchemaOptions) -> Map<String, Value> {
    let mut generator = settings().into_generator();
    for root_type in root_types() {
        (root_type.add_to)(&mut generator);
    }
    generator.subschema_for::<ServerNotification>();
    let mut definitions = generator.take_definitions(true);
    if !options.experimental {
        strip_experimental_all(&mut definitions);
    }
    definitions
}

fn v1_names() -> Vec<String> {
    let mut generator = settings().into_generator();
    for root_type in root_types() {
        if root_type.namespace == Namespace::V1 {
            (root_type.add_to)(&mut generator);
        }
    }
    generator.take_definitions(false).keys().cloned().collect()
}

/// The full bundle: v1 types and `ServerNotification` at the top, the rest under `v2`.
fn full_bundle(definitions: &Map<String, Value>) -> Value {
    let top_level: Vec<String> = v1_names()
        .into_iter()
        .chain(std::iter::once(
            ServerNotification::schema_name().into_owned(),
        ))
        .collect();
    let mut top = Map::new();
    let mut v2 = Map::new();
    for (name, body) in definitions {
        let mut body = body.clone();
        rewrite_refs(&mut body, &top_level);
        if top_level.contains(name) {
            top.insert(name.clone(), body);
        } else {
            v2.insert(name.clone(), body);
        }
    }
    top.insert("v2".to_owned(), Value::Object(v2));
    bundle("CodexAppServerProtocol", top)
}

/// The flat v2 bundle: every definition, references as generated.
fn v2_bundle(definitions: &Map<String, Value>) -> Value {
    bundle("CodexAppServerProtocolV2", definitions.clone())
}

fn bundle(title: &str, definitions: Map<String, Value>) -> Value {
    serde_json::json!({
        "$schema": DRAFT07,
        "definitions": definitions,
        "title": title,
        "type": "object",
    })
}

/// Points references to non-top-level definitions at `#/definitions/v2/<name>`.
fn rewrite_refs(schema: &mut Value, top_level: &[String]) {
    match schema {
        Value::Object(object) => {
            for (key, value) in object.iter_mut() {
                match value {
                    Value::String(reference) if key == "$ref" => {
                        if let Some(name) = reference.strip_prefix("#/definitions/")
                            && !top_level.iter().any(|top| top == name)
                        {
                            *reference = format!("#/definitions/v2/{name}");
                        }
                    }
                    _ => rewrite_refs(value, top_level),
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| rewrite_refs(item, top_level)),
        _ => {}
    }
}
