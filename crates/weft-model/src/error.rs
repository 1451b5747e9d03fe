//! `ModelError`: every way a sampling request can fail, with the reference's exact texts.
//!
//! The core decides what to do with an error from three questions this type answers:
//! may the stream layer retry it ([`ModelError::is_retryable`]), after how long
//! ([`ModelError::retry_delay`], else [`crate::backoff`]), and what the client sees
//! ([`ModelError::message`] and [`ModelError::codex_error_info`], core.md §1.6). The mapping from
//! an HTTP status and body to a variant lives here too ([`ModelError::from_http_status`]), so
//! the whole classification table can be read in one file.

use std::time::Duration;

use serde_json::{Value, json};

use crate::limits;

/// A failed sampling request.
///
/// Texts (the `Display` output) are the ones codex-cli 0.169.0 shows; tests pin them.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// The stream broke before `response.completed`: cut, idle timeout, transport error, or a
    /// generic `response.failed`. Retryable; `delay` is a server-requested wait if any.
    #[error("stream disconnected before completion: {message}")]
    Stream {
        /// What went wrong, e.g. `stream closed before response.completed`.
        message: String,
        /// Server-requested delay before retrying.
        delay: Option<Duration>,
    },
    /// `response.failed` with code `rate_limit_exceeded`. Retryable after `delay` when the
    /// message said `try again in …`.
    #[error("stream disconnected before completion: {message}")]
    RateLimited {
        /// The provider's message.
        message: String,
        /// Delay parsed from the message.
        delay: Option<Duration>,
    },
    /// `response.incomplete`. Fatal.
    #[error("Incomplete response returned, reason: {reason}")]
    Incomplete {
        /// `response.incomplete_details.reason` (`unknown` when absent).
        reason: String,
    },
    /// `context_length_exceeded` (in `response.failed` or an HTTP 400 body). Fatal.
    #[error(
        "Codex ran out of room in the model's context window. Start a new thread or clear earlier history before retrying."
    )]
    ContextWindowExceeded,
    /// `insufficient_quota`. Fatal.
    #[error("Quota exceeded. Check your plan and billing details.")]
    QuotaExceeded,
    /// `usage_not_included`. Fatal.
    #[error(
        "To use Codex with your ChatGPT plan, upgrade to Plus: https://openai.com/chatgpt/pricing."
    )]
    UsageNotIncluded,
    /// HTTP 429 with `error.type == "usage_limit_reached"`. Fatal.
    #[error("You've hit your usage limit. Try again later.")]
    UsageLimitReached {
        /// `error.plan_type` when given.
        plan_type: Option<String>,
        /// `error.resets_at` (Unix seconds) when given.
        resets_at: Option<i64>,
    },
    /// `server_is_overloaded`. Fatal.
    #[error("Selected model is at capacity. Please try a different model.")]
    ServerOverloaded,
    /// HTTP 500. Retryable.
    #[error("We’re currently experiencing high demand, which may cause temporary errors.")]
    InternalServerError {
        /// `Retry-After` of the reply.
        retry_after: Option<Duration>,
    },
    /// HTTP 400: the body is the message, verbatim. Fatal.
    #[error("{body}")]
    InvalidRequest {
        /// The reply body, not cut.
        body: String,
    },
    /// Any other non-2xx status (502, 503, 401, 403, 404, 422, …). Retryable by the stream
    /// layer (5xx also by the HTTP layer).
    #[error("unexpected status {}: {detail}, url: {url}", status_line(*status))]
    UnexpectedStatus {
        /// The HTTP status code.
        status: u16,
        /// `error.message` of a JSON body, else the body; cut at
        /// [`limits::ERROR_DETAIL_BYTES_MAX`] bytes and followed by `...`.
        detail: String,
        /// The full request URL, with query parameters.
        url: String,
        /// `Retry-After` of the reply.
        retry_after: Option<Duration>,
    },
    /// HTTP 429 (not a usage or quota error). Fatal unless the reply had `Retry-After`.
    #[error("exceeded retry limit, last status: 429 Too Many Requests")]
    TooManyRequests {
        /// `Retry-After` of the reply; makes the error retryable.
        retry_after: Option<Duration>,
    },
    /// HTTP 503 with code `slow_down`. Retryable.
    #[error("rate limit exceeded: {message}")]
    SlowDown {
        /// The provider's message.
        message: String,
        /// `Retry-After` of the reply.
        retry_after: Option<Duration>,
    },
    /// The provider's `env_key` variable is unset or empty. Fatal.
    #[error("Missing environment variable: `{var}`.{}", instructions_suffix(instructions.as_deref()))]
    MissingEnvVar {
        /// The variable name.
        var: String,
        /// `env_key_instructions`, appended after a space.
        instructions: Option<String>,
    },
    /// One SSE event exceeded [`limits::SSE_EVENT_BYTES_MAX`]. Fatal (the same reply would come
    /// back on a retry).
    #[error("stream disconnected before completion: SSE event larger than {bytes_max} bytes")]
    EventTooLarge {
        /// The limit that was hit.
        bytes_max: usize,
    },
    /// The caller's cancellation token fired. Not retryable; the core reports an interrupted
    /// turn rather than this text.
    #[error("request interrupted")]
    Interrupted,
    /// The request could not be built (invalid URL, TLS setup, …). Fatal.
    #[error("failed to build the model request: {message}")]
    Build {
        /// What failed.
        message: String,
    },
}

fn status_line(status: u16) -> String {
    reqwest::StatusCode::from_u16(status)
        .map_or_else(|_| status.to_string(), |code| code.to_string())
}

fn instructions_suffix(instructions: Option<&str>) -> String {
    instructions
        .map(|text| format!(" {text}"))
        .unwrap_or_default()
}

impl ModelError {
    /// The text shown to the user (the `Display` output).
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// A retryable [`ModelError::Stream`] with no server-requested delay, e.g.
    /// `ModelError::stream(STREAM_CLOSED_MESSAGE)`.
    pub fn stream(message: impl Into<String>) -> Self {
        Self::Stream {
            message: message.into(),
            delay: None,
        }
    }

    /// Whether the core's stream layer may re-send the request (core.md §1.6).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Stream { .. }
            | Self::RateLimited { .. }
            | Self::InternalServerError { .. }
            | Self::UnexpectedStatus { .. }
            | Self::SlowDown { .. } => true,
            Self::TooManyRequests { retry_after } => retry_after.is_some(),
            Self::Incomplete { .. }
            | Self::ContextWindowExceeded
            | Self::QuotaExceeded
            | Self::UsageNotIncluded
            | Self::UsageLimitReached { .. }
            | Self::ServerOverloaded
            | Self::InvalidRequest { .. }
            | Self::MissingEnvVar { .. }
            | Self::EventTooLarge { .. }
            | Self::Interrupted
            | Self::Build { .. } => false,
        }
    }

    /// The server-requested delay before a retry (`Retry-After`, or `try again in …` of a
    /// rate-limit error); `None` means use [`crate::backoff`].
    pub fn retry_delay(&self) -> Option<Duration> {
        match self {
            Self::Stream { delay, .. } | Self::RateLimited { delay, .. } => *delay,
            Self::InternalServerError { retry_after }
            | Self::UnexpectedStatus { retry_after, .. }
            | Self::TooManyRequests { retry_after }
            | Self::SlowDown { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The HTTP status behind the error, when it came from a non-2xx reply.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Self::InternalServerError { .. } => Some(500),
            Self::InvalidRequest { .. } => Some(400),
            Self::UnexpectedStatus { status, .. } => Some(*status),
            Self::TooManyRequests { .. } | Self::UsageLimitReached { .. } => Some(429),
            Self::SlowDown { .. } => Some(503),
            _ => None,
        }
    }

    /// The wire value of `codexErrorInfo` for this error as the final error of a failed turn.
    pub fn codex_error_info(&self) -> Value {
        match self {
            Self::InternalServerError { .. } => json!("internalServerError"),
            Self::UnexpectedStatus { status, .. } => {
                json!({"httpConnectionFailed": {"httpStatusCode": status}})
            }
            Self::TooManyRequests { .. } => {
                json!({"responseTooManyFailedAttempts": {"httpStatusCode": 429}})
            }
            Self::RateLimited { .. } | Self::SlowDown { .. } => json!("rateLimitExceeded"),
            Self::ServerOverloaded => json!("serverOverloaded"),
            Self::ContextWindowExceeded => json!("contextWindowExceeded"),
            Self::QuotaExceeded | Self::UsageNotIncluded | Self::UsageLimitReached { .. } => {
                json!("usageLimitExceeded")
            }
            Self::Stream { .. }
            | Self::Incomplete { .. }
            | Self::InvalidRequest { .. }
            | Self::MissingEnvVar { .. }
            | Self::EventTooLarge { .. }
            | Self::Interrupted
            | Self::Build { .. } => json!("other"),
        }
    }

    /// Classifies a non-2xx reply (core.md §1.6 and §2.3).
    ///
    /// `body` is the reply body (already bounded by the caller), `url` the full request URL and
    /// `retry_after` the parsed `Retry-After` header.
    pub fn from_http_status(
        status: u16,
        body: &str,
        url: &str,
        retry_after: Option<Duration>,
    ) -> Self {
        let error = ErrorBody::parse(body);
        if status == 400 {
            return if error.has_code("context_length_exceeded") {
                Self::ContextWindowExceeded
            } else {
                Self::InvalidRequest {
                    body: body.to_owned(),
                }
            };
        }
        if status == 429 {
            return Self::from_429(&error, retry_after);
        }
        if status >= 500 {
            if error.has_code("server_is_overloaded") {
                return Self::ServerOverloaded;
            }
            if status == 503 && error.has_code("slow_down") {
                let message = error.message.unwrap_or_else(|| body.to_owned());
                return Self::SlowDown {
                    message,
                    retry_after,
                };
            }
            if status == 500 {
                return Self::InternalServerError { retry_after };
            }
        }
        let detail = cut_detail(error.message.as_deref().unwrap_or(body));
        Self::UnexpectedStatus {
            status,
            detail,
            url: url.to_owned(),
            retry_after,
        }
    }

    fn from_429(error: &ErrorBody, retry_after: Option<Duration>) -> Self {
        if error.has_code("usage_limit_reached") {
            Self::UsageLimitReached {
                plan_type: error.plan_type.clone(),
                resets_at: error.resets_at,
            }
        } else if error.has_code("usage_not_included") {
            Self::UsageNotIncluded
        } else if error.has_code("insufficient_quota") {
            Self::QuotaExceeded
        } else {
            Self::TooManyRequests { retry_after }
        }
    }
}

/// Cuts an error detail at [`limits::ERROR_DETAIL_BYTES_MAX`] bytes (on a char boundary).
fn cut_detail(detail: &str) -> String {
    if detail.len() <= limits::ERROR_DETAIL_BYTES_MAX {
        return detail.to_owned();
    }
    let mut end = limits::ERROR_DETAIL_BYTES_MAX;
    while !detail.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &detail[..end])
}

/// The interesting fields of an OpenAI-style error body `{"error": {type, code, message, …}}`.
#[derive(Debug, Default)]
struct ErrorBody {
    error_type: Option<String>,
    code: Option<String>,
    message: Option<String>,
    plan_type: Option<String>,
    resets_at: Option<i64>,
}

impl ErrorBody {
    fn parse(body: &str) -> Self {
        let Ok(value) = serde_json::from_str::<Value>(body) else {
            return Self::default();
        };
        let Some(error) = value.get("error").filter(|error| error.is_object()) else {
            return Self::default();
        };
        let text = |key: &str| error.get(key).and_then(Value::as_str).map(str::to_owned);
        Self {
            error_type: text("type"),
            code: text("code"),
            message: text("message"),
            plan_type: text("plan_type"),
            resets_at: error.get("resets_at").and_then(Value::as_i64),
        }
    }

    /// Whether `error.code` or `error.type` equals `code` (providers use either field).
    fn has_code(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code) || self.error_type.as_deref() == Some(code)
    }
}

#[cfg(test)]
mod tests;
