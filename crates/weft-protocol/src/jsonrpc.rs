//! JSON-RPC 2.0 envelopes as the reference writes them: no `"jsonrpc"` member on output,
//! accepted with or without it on input, unknown members ignored.
//!
//! Incoming lines are classified by shape first ([`Incoming::classify`]); only then is a
//! request's method + params parsed into [`crate::ClientRequest`], so a request with bad params
//! still has an id to answer.

use serde::{Deserialize, Serialize};

use crate::errors::RpcError;

/// A request id: a string or a 64-bit integer, echoed back with its JSON type unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum RequestId {
    /// An integer id.
    Integer(i64),
    /// A string id.
    String(String),
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Integer(value) => write!(f, "{value}"),
            Self::String(value) => f.write_str(value),
        }
    }
}

/// One message from a client, classified by shape.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// A request: `id` + `method` (+ `params`). `body` keeps `method` and `params` only.
    Request {
        /// The id to answer with.
        id: RequestId,
        /// The method name as sent.
        method: String,
        /// `{"method":…, "params":…}` ready for [`crate::ClientRequest`] parsing.
        body: serde_json::Value,
    },
    /// A notification: `method` without `id`.
    Notification {
        /// The method name as sent.
        method: String,
    },
    /// A reply to a server request: `id` + `result`.
    Response {
        /// The server request's id.
        id: RequestId,
        /// The result payload.
        result: serde_json::Value,
    },
    /// An error reply to a server request: `id` + `error`.
    Error {
        /// The server request's id.
        id: RequestId,
        /// The error payload as sent.
        error: serde_json::Value,
    },
}

/// Why a line is not a JSON-RPC message (such lines get no reply; protocol.md §1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClassifyError {
    /// The line is not JSON.
    NotJson(String),
    /// JSON, but not an object with a JSON-RPC shape.
    NotJsonRpc,
}

impl std::fmt::Display for ClassifyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotJson(err) => write!(f, "not JSON: {err}"),
            Self::NotJsonRpc => f.write_str("not a JSON-RPC message"),
        }
    }
}

impl std::error::Error for ClassifyError {}

impl Incoming {
    /// Classifies one frame (a stdio line or a websocket text frame).
    ///
    /// # Errors
    /// [`ClassifyError`] when the frame is not JSON or has no JSON-RPC shape.
    pub fn classify(frame: &str) -> Result<Self, ClassifyError> {
        let value: serde_json::Value =
            serde_json::from_str(frame).map_err(|err| ClassifyError::NotJson(err.to_string()))?;
        let serde_json::Value::Object(mut object) = value else {
            return Err(ClassifyError::NotJsonRpc);
        };
        let id = match object.remove("id") {
            None | Some(serde_json::Value::Null) => None,
            Some(raw) => Some(
                serde_json::from_value::<RequestId>(raw).map_err(|_| ClassifyError::NotJsonRpc)?,
            ),
        };
        let method = match object.remove("method") {
            None => None,
            Some(serde_json::Value::String(method)) => Some(method),
            Some(_) => return Err(ClassifyError::NotJsonRpc),
        };
        match (id, method) {
            (Some(id), Some(method)) => {
                let mut body = serde_json::Map::with_capacity(2);
                body.insert(
                    "method".to_owned(),
                    serde_json::Value::String(method.clone()),
                );
                if let Some(params) = object.remove("params") {
                    body.insert("params".to_owned(), params);
                }
                Ok(Self::Request {
                    id,
                    method,
                    body: serde_json::Value::Object(body),
                })
            }
            (None, Some(method)) => Ok(Self::Notification { method }),
            (Some(id), None) => {
                if let Some(error) = object.remove("error") {
                    Ok(Self::Error { id, error })
                } else if let Some(result) = object.remove("result") {
                    Ok(Self::Response { id, result })
                } else {
                    Err(ClassifyError::NotJsonRpc)
                }
            }
            (None, None) => Err(ClassifyError::NotJsonRpc),
        }
    }
}

/// A successful response, as written: `{"id":…,"result":…}`.
#[derive(Debug, Clone, Serialize)]
pub struct ResponseEnvelope<'a, T> {
    /// The request's id.
    pub id: &'a RequestId,
    /// The result.
    pub result: T,
}

/// An error response, as written: `{"error":{…},"id":…}` (the reference's member order).
#[derive(Debug, Clone, Serialize)]
pub struct ErrorEnvelope<'a> {
    /// The error.
    pub error: &'a RpcError,
    /// The request's id.
    pub id: &'a RequestId,
}

/// A server notification, as written: `{"method":…,"params":…,"emittedAtMs":…}`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationEnvelope<'a, P> {
    /// The notification method.
    pub method: &'a str,
    /// Its params.
    pub params: P,
    /// Unix milliseconds when the server emitted it (not in the schema, sent by 0.169.0).
    pub emitted_at_ms: i64,
}

/// A server request, as written: `{"method":…,"id":…,"params":…}` (no `emittedAtMs`).
#[derive(Debug, Clone, Serialize)]
pub struct ServerRequestEnvelope<'a, P> {
    /// The server request method.
    pub method: &'a str,
    /// Process-wide server request id (integers from 0).
    pub id: &'a RequestId,
    /// Its params.
    pub params: P,
}
