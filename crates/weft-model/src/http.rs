//! The HTTP provider: POST `{base_url}/responses`, with the HTTP-layer retry loop.
//!
//! This layer retries only while no stream exists yet, and only transport errors and 5xx
//! replies (not 429, not other 4xx), up to `request_max_retries` times with [`backoff`] or the
//! reply's `Retry-After`. Everything after the headers arrive belongs to the stream layer, which
//! the core runs from [`ModelError::is_retryable`]. Waiting for the reply headers is bounded by
//! the same idle timeout as the stream (a provider that never answers is as dead as one that
//! stops mid-stream).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use tokio_util::sync::CancellationToken;
use tracing::{debug, warn};

use crate::error::ModelError;
use crate::limits;
use crate::provider::{EnvSource, ProviderConfig};
use crate::request::ModelRequest;
use crate::retry::{self, backoff};
use crate::stream::{self, IDLE_TIMEOUT_MESSAGE, ResponseStream, cancelled};

/// A Responses API client for one provider.
///
/// Cheap to clone (the `reqwest::Client` is shared). Create the `reqwest::Client` once per
/// process ([`HttpModelClient::default_http_client`]) and hand it to every provider.
#[derive(Clone)]
pub struct HttpModelClient {
    provider: Arc<ProviderConfig>,
    http: reqwest::Client,
    env: EnvSource,
}

impl fmt::Debug for HttpModelClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpModelClient")
            .field("provider", &self.provider)
            .finish_non_exhaustive()
    }
}

/// A request ready to be sent, possibly several times.
struct Prepared {
    url: reqwest::Url,
    headers: HeaderMap,
    body: bytes::Bytes,
}

/// Why one attempt failed, and whether the HTTP layer may try again.
enum AttemptError {
    /// Connection or protocol failure before any reply: retried by this layer.
    Transport(ModelError),
    /// A non-2xx reply: retried by this layer when 5xx and not fatal.
    Status { status: u16, error: ModelError },
    /// Anything else (idle timeout, cancellation): returned as is.
    Final(ModelError),
}

impl HttpModelClient {
    /// A client for `provider` that reads variables from the process environment.
    pub fn new(provider: ProviderConfig, http: reqwest::Client) -> Self {
        Self {
            provider: Arc::new(provider),
            http,
            env: EnvSource::process(),
        }
    }

    /// Replaces where `env_key` and `env_http_headers` variables are read from.
    #[must_use]
    pub fn with_env(mut self, env: EnvSource) -> Self {
        self.env = env;
        self
    }

    /// The provider this client talks to.
    pub fn provider(&self) -> &ProviderConfig {
        &self.provider
    }

    /// A `reqwest::Client` with weft's connect timeout (rustls, system proxies honoured).
    ///
    /// # Errors
    /// [`ModelError::Build`] if the TLS backend cannot be initialised.
    pub fn default_http_client() -> Result<reqwest::Client, ModelError> {
        reqwest::Client::builder()
            .connect_timeout(limits::HTTP_CONNECT_TIMEOUT)
            .build()
            .map_err(|error| ModelError::Build {
                message: error_chain(&error),
            })
    }

    /// The full endpoint URL, query parameters included.
    ///
    /// # Errors
    /// [`ModelError::Build`] when `base_url` is not a valid URL.
    pub fn url(&self) -> Result<reqwest::Url, ModelError> {
        let url = self.provider.responses_url();
        let mut parsed = reqwest::Url::parse(&url).map_err(|error| ModelError::Build {
            message: format!("invalid URL {url}: {error}"),
        })?;
        if !self.provider.query_params.is_empty() {
            parsed
                .query_pairs_mut()
                .extend_pairs(&self.provider.query_params);
        }
        Ok(parsed)
    }

    /// Sends `request` and returns its event stream once the reply headers arrived.
    ///
    /// `cancel` aborts the wait (reply headers, backoff) and, later, the stream; either yields
    /// [`ModelError::Interrupted`]. Dropping the returned stream closes the connection.
    ///
    /// # Errors
    /// A missing API key, a non-2xx reply after the HTTP-layer retries, a transport error, or
    /// an idle timeout before the reply headers.
    pub async fn stream(
        &self,
        request: &ModelRequest,
        cancel: Option<CancellationToken>,
    ) -> Result<ResponseStream, ModelError> {
        let prepared = self.prepare(request)?;
        let response = self.send_with_retries(&prepared, cancel.as_ref()).await?;
        let body = response
            .bytes_stream()
            .map(|chunk| chunk.map_err(|e| error_chain(&e)));
        Ok(stream::from_body(
            body,
            self.provider.stream_idle_timeout(),
            limits::SSE_EVENT_BYTES_MAX,
            cancel,
        ))
    }

    fn prepare(&self, request: &ModelRequest) -> Result<Prepared, ModelError> {
        let bearer = self.provider.bearer_token(&self.env)?;
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(ACCEPT, HeaderValue::from_static("text/event-stream"));
        if let Some(token) = bearer {
            let mut value =
                HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
                    ModelError::Build {
                        message: "the API key is not a valid header value".to_owned(),
                    }
                })?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        for (name, value) in self.provider.extra_headers(&self.env) {
            insert_header(&mut headers, &name, &value);
        }
        let caller = &request.headers;
        let named = [
            ("originator", Some(caller.originator.as_str())),
            ("user-agent", Some(caller.user_agent.as_str())),
            ("x-client-request-id", caller.client_request_id.as_deref()),
            ("session-id", caller.session_id.as_deref()),
            ("thread-id", caller.thread_id.as_deref()),
        ];
        for (name, value) in named {
            if let Some(value) = value.filter(|value| !value.is_empty()) {
                insert_header(&mut headers, name, value);
            }
        }
        for (name, value) in &caller.extra {
            insert_header(&mut headers, name, value);
        }
        Ok(Prepared {
            url: self.url()?,
            headers,
            body: request.body_bytes()?.into(),
        })
    }

    async fn send_with_retries(
        &self,
        prepared: &Prepared,
        cancel: Option<&CancellationToken>,
    ) -> Result<reqwest::Response, ModelError> {
        let max_retries = self.provider.request_max_retries();
        let mut retries = 0;
        loop {
            let error = match self.send_once(prepared, cancel).await {
                Ok(response) => return Ok(response),
                Err(AttemptError::Final(error)) => return Err(error),
                Err(AttemptError::Transport(error)) => error,
                Err(AttemptError::Status { status, error }) => {
                    if status < 500 || !error.is_retryable() {
                        return Err(error);
                    }
                    error
                }
            };
            if retries >= max_retries {
                return Err(error);
            }
            retries += 1;
            let delay = error.retry_delay().unwrap_or_else(|| backoff(retries));
            warn!(retry = retries, max_retries, ?delay, error = %error, "retrying model request");
            sleep_or_cancel(delay, cancel).await?;
        }
    }

    async fn send_once(
        &self,
        prepared: &Prepared,
        cancel: Option<&CancellationToken>,
    ) -> Result<reqwest::Response, AttemptError> {
        let idle_timeout = self.provider.stream_idle_timeout();
        let send = self
            .http
            .post(prepared.url.clone())
            .headers(prepared.headers.clone())
            .body(prepared.body.clone())
            .send();
        let response = tokio::select! {
            biased;
            () = cancelled(cancel) => return Err(AttemptError::Final(ModelError::Interrupted)),
            sent = tokio::time::timeout(idle_timeout, send) => match sent {
                Err(_elapsed) => {
                    return Err(AttemptError::Final(ModelError::stream(IDLE_TIMEOUT_MESSAGE)));
                }
                Ok(Err(error)) => {
                    debug!(error = %error_chain(&error), "model request transport error");
                    return Err(AttemptError::Transport(ModelError::stream(error_chain(&error))));
                }
                Ok(Ok(response)) => response,
            },
        };
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let url = prepared.url.to_string();
        let retry_after = retry::retry_after(response.headers());
        let body = read_error_body(response, idle_timeout, cancel).await?;
        let status = status.as_u16();
        let error = ModelError::from_http_status(status, &body, &url, retry_after);
        debug!(status, error = %error, "model request failed");
        Err(AttemptError::Status { status, error })
    }
}

/// Reads at most [`limits::ERROR_BODY_BYTES_MAX`] bytes of an error reply, lossily decoded.
async fn read_error_body(
    mut response: reqwest::Response,
    idle_timeout: Duration,
    cancel: Option<&CancellationToken>,
) -> Result<String, AttemptError> {
    let mut body = Vec::new();
    loop {
        let chunk = tokio::select! {
            biased;
            () = cancelled(cancel) => return Err(AttemptError::Final(ModelError::Interrupted)),
            chunk = tokio::time::timeout(idle_timeout, response.chunk()) => chunk,
        };
        match chunk {
            Ok(Ok(Some(bytes))) => {
                let room = limits::ERROR_BODY_BYTES_MAX.saturating_sub(body.len());
                body.extend_from_slice(&bytes[..bytes.len().min(room)]);
                if room <= bytes.len() {
                    break;
                }
            }
            // A body that stalls or breaks still has a status worth reporting.
            Ok(Ok(None) | Err(_)) | Err(_) => break,
        }
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
}

async fn sleep_or_cancel(
    delay: Duration,
    cancel: Option<&CancellationToken>,
) -> Result<(), ModelError> {
    tokio::select! {
        biased;
        () = cancelled(cancel) => Err(ModelError::Interrupted),
        () = tokio::time::sleep(delay) => Ok(()),
    }
}

/// Adds a header, skipping (with a warning) names or values HTTP does not allow.
fn insert_header(headers: &mut HeaderMap, name: &str, value: &str) {
    match (
        HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_str(value),
    ) {
        (Ok(name), Ok(value)) => {
            headers.insert(name, value);
        }
        _ => warn!(header = name, "skipping a header that is not valid HTTP"),
    }
}

/// An error and its sources, `outer: inner: innermost`.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
