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

/// Why a line is not a JSON-RPC message weft serves. Lines without a readable id get no reply,
/// as in the reference (protocol.md §1.2); those with one are answered (JSON-RPC 2.0 §5.1,
/// issue 16 fault 5), so a client never waits forever on a request weft could not read.
#[derive(Debug, Clone, PartialEq)]
pub enum ClassifyError {
    /// The line is not JSON, and no id could be read from it.
    NotJson(String),
    /// JSON, but not an object with a JSON-RPC shape, and no id to answer.
    NotJsonRpc,
    /// Answer each of these: the id to answer with (`None`: JSON `null`, for an id that is
    /// present but not an integer or a string) and the error.
    Answer(Vec<Rejection>),
}

/// An error to send for a frame weft cannot serve.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    /// The id as read; `None` is answered with `"id": null`.
    pub id: Option<RequestId>,
    /// What was wrong.
    pub error: RpcError,
}

impl std::fmt::Display for ClassifyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotJson(err) => write!(f, "not JSON: {err}"),
            Self::NotJsonRpc => f.write_str("not a JSON-RPC message"),
            Self::Answer(rejections) => {
                let texts: Vec<&str> = rejections
                    .iter()
                    .map(|rejection| rejection.error.message.as_str())
                    .collect();
                write!(f, "answered with an error: {}", texts.join("; "))
            }
        }
    }
}

impl Incoming {
    /// Classifies one frame by its members (protocol.md §1.3): `id` + `method` is a request,
    /// `method` alone a notification, `id` + `result` / `error` a client's reply. A frame that
    /// cannot be read but names an id is to be answered ([`ClassifyError::Answer`]).
    ///
    /// # Errors
    /// [`ClassifyError`] when the frame is not JSON or has no JSON-RPC shape.
    pub fn classify(frame: &str) -> Result<Self, ClassifyError> {
        let value: serde_json::Value = match serde_json::from_str(frame) {
            Ok(value) => value,
            Err(err) => {
                let detail = err.to_string();
                return Err(match recover_id(frame) {
                    Some(id) => ClassifyError::Answer(vec![Rejection {
                        id: Some(id),
                        error: RpcError::parse_error(&detail),
                    }]),
                    None => ClassifyError::NotJson(detail),
                });
            }
        };
        let mut object = match value {
            serde_json::Value::Object(object) => object,
            serde_json::Value::Array(items) => return Err(batch(&items)),
            _ => return Err(ClassifyError::NotJsonRpc),
        };
        let id = match object.remove("id") {
            None => None,
            Some(raw) => match serde_json::from_value::<RequestId>(raw) {
                Ok(id) => Some(id),
                Err(_) => {
                    return Err(answer(
                        None,
                        "id must be an integer (a 64-bit one) or a string",
                    ));
                }
            },
        };
        let method = match object.remove("method") {
            None => None,
            Some(serde_json::Value::String(method)) => Some(method),
            Some(_) => {
                return Err(match id {
                    Some(id) => answer(Some(id), "method must be a string"),
                    None => ClassifyError::NotJsonRpc,
                });
            }
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
                    Err(answer(
                        Some(id),
                        "a message with an id needs a method, a result or an error",
                    ))
                }
            }
            (None, None) => Err(ClassifyError::NotJsonRpc),
        }
    }
}

fn answer(id: Option<RequestId>, detail: &str) -> ClassifyError {
    ClassifyError::Answer(vec![Rejection {
        id,
        error: RpcError::invalid_rpc_request(detail),
    }])
}

/// A batch (a JSON array): not served; every element with a readable id is told so.
fn batch(items: &[serde_json::Value]) -> ClassifyError {
    let rejections: Vec<Rejection> = items
        .iter()
        .filter_map(|item| item.get("id"))
        .filter_map(|id| serde_json::from_value::<RequestId>(id.clone()).ok())
        .map(|id| Rejection {
            id: Some(id),
            error: RpcError::invalid_rpc_request("batch requests are not supported"),
        })
        .collect();
    if rejections.is_empty() {
        ClassifyError::NotJsonRpc
    } else {
        ClassifyError::Answer(rejections)
    }
}

/// The id of a frame that does not parse as a whole: the first JSON value when text follows
/// it, else the top-level `"id"` member read by a scan that only tracks strings and nesting
/// (a lone surrogate elsewhere, or nesting past serde_json's limit, do not hide it).
pub fn recover_id(frame: &str) -> Option<RequestId> {
    if let Some(Ok(serde_json::Value::Object(object))) = serde_json::Deserializer::from_str(frame)
        .into_iter::<serde_json::Value>()
        .next()
    {
        return object
            .get("id")
            .and_then(|id| serde_json::from_value::<RequestId>(id.clone()).ok());
    }
    scan_top_level_id(frame)
}

/// Index just past the string literal that starts at `start` (a `"`), or `None` if it does
/// not end.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut index = start + 1;
    while index < bytes.len() {
        match bytes[index] {
            b'\\' => index += 2,
            b'"' => return Some(index + 1),
            _ => index += 1,
        }
    }
    None
}

fn scan_top_level_id(frame: &str) -> Option<RequestId> {
    let bytes = frame.as_bytes();
    let mut depth = 0_usize;
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'"' => {
                let end = string_end(bytes, index)?;
                if depth == 1 && &frame[index..end] == "\"id\"" {
                    let rest = frame[end..].trim_start();
                    if let Some(value) = rest.strip_prefix(':') {
                        return id_literal(value.trim_start());
                    }
                }
                index = end;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        index += 1;
    }
    None
}

/// An id written at the start of `text`: a string literal, or an integer that fits 64 bits.
fn id_literal(text: &str) -> Option<RequestId> {
    if text.starts_with('"') {
        let end = string_end(text.as_bytes(), 0)?;
        return serde_json::from_str::<String>(&text[..end])
            .ok()
            .map(RequestId::String);
    }
    let digits = text
        .char_indices()
        .find(|&(at, c)| !(c.is_ascii_digit() || (at == 0 && c == '-')))
        .map_or(text.len(), |(at, _)| at);
    let rest = &text[digits..];
    if rest.starts_with(['.', 'e', 'E']) {
        return None;
    }
    text[..digits].parse::<i64>().ok().map(RequestId::Integer)
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
