//! Validation of what weft writes against the reference JSON Schema of codex-cli 0.169.0.
//!
//! The reference bundle (`codex_app_server_protocol.schemas.json`) is loaded once into a
//! `jsonschema` registry; every message kind is checked against the bundle's own definitions,
//! resolved through its `#/definitions/...` references:
//! - a notification's `params` against the `ServerNotification` entry of its method (unknown
//!   methods fail; the top-level `emittedAtMs`, which 0.169.0 sends but the schema lacks, is
//!   ignored);
//! - a server request's `params` against the `ServerRequest` entry of its method;
//! - an error response against `JSONRPCError`;
//! - a result against the `<Name>Response` of the request's `<Name>Params` (`ClientRequest`
//!   entry of the method), which needs the method: [`SchemaValidator::validate_response`], or
//!   [`WireChecker`], which remembers the methods of the requests it saw.
//!
//! Extra members pass wherever the schema allows additional properties, so the experimental
//! fields weft sends (protocol.md §6.8) do not fail validation. Compiled validators are cached
//! per definition, because a test suite checks thousands of messages against a few dozen.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use jsonschema::{Draft, Registry, Resource, Validator};
use serde_json::{Value, json};

/// Environment variable that overrides the folder holding the reference material
/// (`codex-app-server-schema-0.169.0/`, `codex-0.169.0-transcripts/`, …).
pub const REFERENCE_DIR_ENV: &str = "WEFT_REFERENCE_DIR";
/// The reference schema folder, inside the reference folder.
pub const SCHEMA_FOLDER: &str = "codex-app-server-schema-0.169.0";
/// The full bundle file, inside the schema folder.
pub const BUNDLE_FILE: &str = "codex_app_server_protocol.schemas.json";
/// How many validation errors one failure message lists.
const ERRORS_SHOWN_MAX: usize = 8;
/// The URI the bundle is registered under; only used inside the registry.
const BUNDLE_URI: &str = "urn:weft:codex-app-server-protocol";

/// Why the reference schema could not be loaded.
///
/// `Display` and `Error` are written by hand rather than with thiserror, so this dev-only crate
/// needs no extra dependency for one small enum.
#[derive(Debug)]
pub enum SchemaError {
    /// The bundle file could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// The bundle is not JSON.
    Parse {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
    /// The bundle lacks a definition the validator needs, or is not a schema.
    Bundle(String),
}

impl std::fmt::Display for SchemaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Read { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Self::Parse { path, source } => write!(f, "cannot parse {}: {source}", path.display()),
            Self::Bundle(reason) => write!(f, "bad schema bundle: {reason}"),
        }
    }
}

impl std::error::Error for SchemaError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Read { source, .. } => Some(source),
            Self::Parse { source, .. } => Some(source),
            Self::Bundle(_) => None,
        }
    }
}

/// Response schemas of the methods whose params are `null` in the reference (nothing to derive
/// the response name from).
const PARAMLESS_RESPONSES: &[(&str, &str)] = &[
    (
        "configRequirements/read",
        "/definitions/v2/ConfigRequirementsReadResponse",
    ),
    ("account/logout", "/definitions/v2/LogoutAccountResponse"),
];

/// The folder with the reference material: `$WEFT_REFERENCE_DIR`, else the copy committed at
/// `<workspace>/reference` (so a clean clone tests without anything outside it).
#[must_use]
pub fn reference_dir() -> PathBuf {
    match std::env::var_os(REFERENCE_DIR_ENV) {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reference"),
    }
}

/// Validates outgoing wire messages against one schema bundle.
#[derive(Debug)]
pub struct SchemaValidator {
    registry: Registry,
    /// Client request method → JSON pointer of its params definition (None: null params).
    client_requests: HashMap<String, Option<String>>,
    /// Server notification method → JSON pointer of its params definition.
    notifications: HashMap<String, String>,
    /// Server request method → JSON pointer of its params definition.
    server_requests: HashMap<String, String>,
    /// Compiled validators by JSON pointer into the bundle.
    compiled: Mutex<HashMap<String, Arc<Validator>>>,
}

impl SchemaValidator {
    /// The validator for the 0.169.0 reference, loaded on first use and shared by every test
    /// of the binary.
    ///
    /// # Panics
    /// If the reference bundle cannot be loaded (see [`reference_dir`]); a test cannot go on
    /// without it.
    #[must_use]
    pub fn reference() -> &'static Self {
        static REFERENCE: OnceLock<SchemaValidator> = OnceLock::new();
        REFERENCE.get_or_init(|| {
            let path = reference_dir().join(SCHEMA_FOLDER).join(BUNDLE_FILE);
            Self::from_file(&path)
                .unwrap_or_else(|err| panic!("reference schema unavailable: {err}"))
        })
    }

    /// Loads a bundle file in the reference's layout.
    ///
    /// # Errors
    /// [`SchemaError`] when the file cannot be read or parsed or is not such a bundle.
    pub fn from_file(path: &Path) -> Result<Self, SchemaError> {
        let text = std::fs::read_to_string(path).map_err(|source| SchemaError::Read {
            path: path.to_owned(),
            source,
        })?;
        let bundle = serde_json::from_str(&text).map_err(|source| SchemaError::Parse {
            path: path.to_owned(),
            source,
        })?;
        Self::from_bundle(bundle)
    }

    /// Builds a validator from a bundle value (top-level `definitions` with `ClientRequest`,
    /// `ServerNotification`, `ServerRequest` and `JSONRPCError`).
    ///
    /// # Errors
    /// [`SchemaError::Bundle`] when a needed definition is missing or the value is no schema.
    pub fn from_bundle(bundle: Value) -> Result<Self, SchemaError> {
        let client_requests = method_table(&bundle, "ClientRequest")?
            .into_iter()
            .map(|(method, params)| (method, params_pointer(&params)))
            .collect();
        let notifications = required_params(method_table(&bundle, "ServerNotification")?)?;
        let server_requests = required_params(method_table(&bundle, "ServerRequest")?)?;
        let resource =
            Resource::from_contents(bundle).map_err(|err| SchemaError::Bundle(err.to_string()))?;
        let registry = Registry::try_new(BUNDLE_URI, resource)
            .map_err(|err| SchemaError::Bundle(err.to_string()))?;
        Ok(Self {
            registry,
            client_requests,
            notifications,
            server_requests,
            compiled: Mutex::new(HashMap::new()),
        })
    }

    /// Validates one message weft wrote: a notification, a server request or an error.
    ///
    /// # Errors
    /// A readable list of what is wrong. A successful response (`{id, result}`) is an error
    /// too, because its schema depends on the request's method: use
    /// [`Self::validate_response`] or a [`WireChecker`] for those.
    pub fn validate_outgoing(&self, message: &Value) -> Result<(), String> {
        let object = message
            .as_object()
            .ok_or_else(|| format!("not a JSON object: {message}"))?;
        if object.contains_key("jsonrpc") {
            return Err(format!("weft never writes `jsonrpc`: {message}"));
        }
        if object.contains_key("error") {
            return self.validate_error(message);
        }
        let method = object.get("method").and_then(Value::as_str);
        match (method, object.get("id")) {
            (Some(method), Some(id)) => {
                self.validate_pointer("/definitions/RequestId", id)?;
                self.validate_server_request(method, object.get("params").unwrap_or(&Value::Null))
            }
            (Some(method), None) => {
                self.validate_notification(method, object.get("params").unwrap_or(&Value::Null))
            }
            (None, Some(_)) if object.contains_key("result") => Err(format!(
                "a response needs its request's method (use validate_response or WireChecker): \
                 {message}"
            )),
            _ => Err(format!("not a JSON-RPC message: {message}")),
        }
    }

    /// Validates a request's `result` against the response schema of `method`.
    ///
    /// # Errors
    /// Unknown methods, methods whose response schema cannot be derived from their params
    /// name, and every schema violation.
    pub fn validate_response(&self, method: &str, result: &Value) -> Result<(), String> {
        let params = self
            .client_requests
            .get(method)
            .ok_or_else(|| format!("unknown client request method `{method}`"))?;
        let pointer = params
            .as_deref()
            .and_then(|params| params.strip_suffix("Params"))
            .map(|stem| format!("{stem}Response"))
            .or_else(|| {
                PARAMLESS_RESPONSES
                    .iter()
                    .find(|(name, _)| *name == method)
                    .map(|(_, response)| (*response).to_owned())
            })
            .ok_or_else(|| format!("no response schema known for `{method}`"))?;
        self.validate_pointer(&pointer, result)
            .map_err(|err| format!("{method} response: {err}"))
    }

    /// Validates a notification's params against the schema of `method`.
    ///
    /// # Errors
    /// Unknown methods and every schema violation.
    pub fn validate_notification(&self, method: &str, params: &Value) -> Result<(), String> {
        let pointer = self
            .notifications
            .get(method)
            .ok_or_else(|| format!("unknown server notification method `{method}`"))?;
        self.validate_pointer(pointer, params)
            .map_err(|err| format!("{method} notification: {err}"))
    }

    /// Validates a server request's params against the schema of `method`.
    ///
    /// # Errors
    /// Unknown methods and every schema violation.
    pub fn validate_server_request(&self, method: &str, params: &Value) -> Result<(), String> {
        let pointer = self
            .server_requests
            .get(method)
            .ok_or_else(|| format!("unknown server request method `{method}`"))?;
        self.validate_pointer(pointer, params)
            .map_err(|err| format!("{method} server request: {err}"))
    }

    /// Validates a whole error response `{"error": {code, message, data?}, "id": …}`.
    ///
    /// # Errors
    /// Every schema violation.
    pub fn validate_error(&self, message: &Value) -> Result<(), String> {
        // JSON-RPC 2.0 answers a request whose id is present but unusable (a float, a bool…)
        // with `"id": null`, which the reference schema has no room for: only the error
        // object is checked then (issue 16, fault 5).
        if message.get("id") == Some(&Value::Null) {
            return self
                .validate_pointer(
                    "/definitions/JSONRPCErrorError",
                    message.get("error").unwrap_or(&Value::Null),
                )
                .map_err(|err| format!("error response with a null id: {err}"));
        }
        self.validate_pointer("/definitions/JSONRPCError", message)
            .map_err(|err| format!("error response: {err}"))
    }

    /// Validates `value` against a named definition: `Thread`, `v2/Thread` or
    /// `InitializeResponse` (v2 names are looked up under `v2` when not at the top level).
    ///
    /// # Errors
    /// Unknown definitions and every schema violation.
    pub fn validate_definition(&self, name: &str, value: &Value) -> Result<(), String> {
        let top_level = format!("/definitions/{name}");
        let pointer = if name.contains('/') || self.has_pointer(&top_level) {
            top_level
        } else {
            format!("/definitions/v2/{name}")
        };
        self.validate_pointer(&pointer, value)
            .map_err(|err| format!("{name}: {err}"))
    }

    /// Every server notification method of the schema.
    pub fn notification_methods(&self) -> impl Iterator<Item = &str> {
        self.notifications.keys().map(String::as_str)
    }

    fn has_pointer(&self, pointer: &str) -> bool {
        self.registry
            .try_resolver(BUNDLE_URI)
            .and_then(|resolver| resolver.lookup(&format!("#{pointer}")))
            .is_ok()
    }

    fn validate_pointer(&self, pointer: &str, value: &Value) -> Result<(), String> {
        let validator = self.compiled(pointer)?;
        let errors: Vec<String> = validator
            .iter_errors(value)
            .map(|error| format!("at `{}`: {error}", error.instance_path))
            .collect();
        if errors.is_empty() {
            return Ok(());
        }
        let shown = errors.len().min(ERRORS_SHOWN_MAX);
        Err(format!(
            "{} schema error(s) against #{pointer}: {}{}",
            errors.len(),
            errors[..shown].join("; "),
            if errors.len() > shown { "; …" } else { "" }
        ))
    }

    fn compiled(&self, pointer: &str) -> Result<Arc<Validator>, String> {
        let mut compiled = self.compiled.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(validator) = compiled.get(pointer) {
            return Ok(Arc::clone(validator));
        }
        if !self.has_pointer(pointer) {
            return Err(format!("the schema has no definition at #{pointer}"));
        }
        let validator = jsonschema::options()
            .with_draft(Draft::Draft7)
            .with_registry(self.registry.clone())
            .build(&json!({ "$ref": format!("{BUNDLE_URI}#{pointer}") }))
            .map_err(|err| format!("cannot compile #{pointer}: {err}"))?;
        let validator = Arc::new(validator);
        compiled.insert(pointer.to_owned(), Arc::clone(&validator));
        Ok(validator)
    }
}

/// `(method, params schema)` of every entry of a `{method, params}` union definition.
fn method_table(bundle: &Value, union: &str) -> Result<Vec<(String, Value)>, SchemaError> {
    let entries = bundle
        .pointer(&format!("/definitions/{union}/oneOf"))
        .and_then(Value::as_array)
        .ok_or_else(|| SchemaError::Bundle(format!("no `{union}` union")))?;
    entries
        .iter()
        .map(|entry| {
            let method = entry
                .pointer("/properties/method/enum/0")
                .or_else(|| entry.pointer("/properties/method/const"))
                .and_then(Value::as_str)
                .ok_or_else(|| SchemaError::Bundle(format!("`{union}` entry without method")))?;
            let params = entry
                .pointer("/properties/params")
                .cloned()
                .unwrap_or(Value::Null);
            Ok((method.to_owned(), params))
        })
        .collect()
}

/// The JSON pointer of a params schema's definition: `{"$ref"}` or a nullable
/// `{"anyOf": [{"$ref"}, {"type": "null"}]}`; None for null-typed params.
fn params_pointer(params: &Value) -> Option<String> {
    let reference = params.get("$ref").or_else(|| {
        params
            .get("anyOf")?
            .as_array()?
            .iter()
            .find_map(|alternative| alternative.get("$ref"))
    })?;
    reference.as_str()?.strip_prefix('#').map(str::to_owned)
}

fn required_params(table: Vec<(String, Value)>) -> Result<HashMap<String, String>, SchemaError> {
    table
        .into_iter()
        .map(|(method, params)| {
            params_pointer(&params)
                .map(|pointer| (method.clone(), pointer))
                .ok_or_else(|| SchemaError::Bundle(format!("`{method}` has no params schema")))
        })
        .collect()
}

/// Checks a conversation message by message: remembers the method of every client request it
/// is shown, so the responses weft writes can be checked against the right schema.
#[derive(Debug)]
pub struct WireChecker<'a> {
    validator: &'a SchemaValidator,
    /// Request id (as JSON text, so `1` and `"1"` differ) → method, until answered.
    pending: HashMap<String, String>,
}

impl<'a> WireChecker<'a> {
    /// A checker with no pending requests.
    #[must_use]
    pub fn new(validator: &'a SchemaValidator) -> Self {
        Self {
            validator,
            pending: HashMap::new(),
        }
    }

    /// Notes a message a client sent; requests (`id` + `method`) are remembered.
    pub fn observe_incoming(&mut self, message: &Value) {
        let id = message.get("id");
        let method = message.get("method").and_then(Value::as_str);
        if let (Some(id), Some(method)) = (id, method) {
            self.pending.insert(id.to_string(), method.to_owned());
        }
    }

    /// Validates a message weft wrote; a response is checked against the schema of the
    /// request with its id.
    ///
    /// # Errors
    /// As [`SchemaValidator::validate_outgoing`], plus responses to requests never observed.
    pub fn check_outgoing(&mut self, message: &Value) -> Result<(), String> {
        let is_response = message.get("result").is_some() && message.get("method").is_none();
        if !is_response {
            return self.validator.validate_outgoing(message);
        }
        if message.get("jsonrpc").is_some() {
            return Err(format!("weft never writes `jsonrpc`: {message}"));
        }
        let id = message.get("id").map(Value::to_string).unwrap_or_default();
        let method = self
            .pending
            .remove(&id)
            .ok_or_else(|| format!("response to a request never observed: {message}"))?;
        self.validator
            .validate_response(&method, message.get("result").unwrap_or(&Value::Null))
    }
}

#[cfg(test)]
mod tests;
