//! Provider configuration (`[model_providers.<id>]`) and the secrets it yields.
//!
//! `ProviderConfig` holds the raw configured values, so that weft-cli can deserialize the TOML
//! table straight into it; the accessor methods apply defaults and hard caps from
//! [`crate::limits`]. Secrets are wrapped in [`Secret`], whose `Debug` and `Display` never show
//! the value, so a provider config or an error can be logged without leaking a key. Environment
//! variables are read through [`EnvSource`], which tests replace (edition 2024 makes
//! `std::env::set_var` unsafe, and this workspace forbids `unsafe`).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::error::ModelError;
use crate::limits;

/// A secret string (API key, bearer token). Redacted in `Debug` and `Display`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only where the value is sent (the `authorization` header).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// Where environment variables are read from: the process environment, or a fixed map in tests.
///
/// Cheap to clone. Values are looked up at request time, so a key exported after start-up is
/// picked up by the next request (as in the reference).
#[derive(Clone)]
pub struct EnvSource(Arc<EnvLookup>);

/// The lookup function behind an [`EnvSource`].
type EnvLookup = dyn Fn(&str) -> Option<String> + Send + Sync;

impl EnvSource {
    /// Reads the real process environment (`std::env::var`; non-UTF-8 values count as unset).
    pub fn process() -> Self {
        Self(Arc::new(|name| std::env::var(name).ok()))
    }

    /// A fixed set of variables; every other name is unset.
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let map: BTreeMap<String, String> = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        Self(Arc::new(move |name| map.get(name).cloned()))
    }

    /// The value of `name`, `None` when unset.
    pub fn get(&self, name: &str) -> Option<String> {
        (self.0)(name)
    }

    /// The value of `name` when set and not blank.
    fn get_non_empty(&self, name: &str) -> Option<String> {
        self.get(name).filter(|value| !value.trim().is_empty())
    }
}

impl Default for EnvSource {
    fn default() -> Self {
        Self::process()
    }
}

impl fmt::Debug for EnvSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EnvSource")
    }
}

/// One model provider: where to send Responses requests and how to authenticate.
///
/// Field names match the `[model_providers.<id>]` keys of core.md §5.9, so the table
/// deserializes into this struct (keys weft does not use, such as `wire_api`, are ignored here;
/// weft-cli validates them). `id` is the table key and is not part of the table itself.
#[derive(Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default)]
pub struct ProviderConfig {
    /// The provider id (`mock`, `openai`, …): the key of the config table.
    #[serde(skip)]
    pub id: String,
    /// Human-readable provider name.
    pub name: String,
    /// Base URL, e.g. `https://api.openai.com/v1`; requests go to `{base_url}/responses`.
    pub base_url: String,
    /// Environment variable holding the API key, sent as `authorization: Bearer <key>`.
    pub env_key: Option<String>,
    /// Appended to the missing-variable error to tell the user how to get a key.
    pub env_key_instructions: Option<String>,
    /// A bearer token given directly in the config (used when `env_key` is unset).
    pub experimental_bearer_token: Option<Secret>,
    /// Query parameters appended to the request URL.
    pub query_params: BTreeMap<String, String>,
    /// Extra headers sent verbatim on every request.
    pub http_headers: BTreeMap<String, String>,
    /// Extra headers whose values come from environment variables (header → variable);
    /// skipped when the variable is unset or empty.
    pub env_http_headers: BTreeMap<String, String>,
    /// HTTP-layer retries; `None` means [`limits::DEFAULT_REQUEST_MAX_RETRIES`].
    pub request_max_retries: Option<u64>,
    /// Stream-layer retries; `None` means [`limits::DEFAULT_STREAM_MAX_RETRIES`].
    pub stream_max_retries: Option<u64>,
    /// Idle timeout in milliseconds; `None` means [`limits::DEFAULT_STREAM_IDLE_TIMEOUT`].
    pub stream_idle_timeout_ms: Option<u64>,
}

impl ProviderConfig {
    /// A keyless provider at `base_url` with every other setting at its default.
    pub fn new(id: impl Into<String>, base_url: impl Into<String>) -> Self {
        let id = id.into();
        Self {
            name: id.clone(),
            id,
            base_url: base_url.into(),
            ..Self::default()
        }
    }

    /// The built-in OpenAI provider: `https://api.openai.com/v1`, key from `OPENAI_API_KEY`.
    pub fn openai() -> Self {
        Self {
            name: "OpenAI".to_owned(),
            env_key: Some("OPENAI_API_KEY".to_owned()),
            ..Self::new("openai", "https://api.openai.com/v1")
        }
    }

    /// Effective HTTP-layer retry count: the configured value (default 4), capped at 100.
    pub fn request_max_retries(&self) -> u32 {
        cap_retries(
            self.request_max_retries,
            limits::DEFAULT_REQUEST_MAX_RETRIES,
            limits::REQUEST_MAX_RETRIES_CAP,
        )
    }

    /// Effective stream-layer retry count: the configured value (default 5), capped at 100.
    pub fn stream_max_retries(&self) -> u32 {
        cap_retries(
            self.stream_max_retries,
            limits::DEFAULT_STREAM_MAX_RETRIES,
            limits::STREAM_MAX_RETRIES_CAP,
        )
    }

    /// Effective idle timeout between SSE events (default five minutes).
    pub fn stream_idle_timeout(&self) -> Duration {
        self.stream_idle_timeout_ms
            .map_or(limits::DEFAULT_STREAM_IDLE_TIMEOUT, Duration::from_millis)
    }

    /// The endpoint URL without query parameters: `{base_url}/responses`.
    pub fn responses_url(&self) -> String {
        format!("{}/responses", self.base_url.trim_end_matches('/'))
    }

    /// The bearer token to send, if any: the `env_key` variable first, then
    /// `experimental_bearer_token`.
    ///
    /// # Errors
    /// [`ModelError::MissingEnvVar`] when `env_key` is set but the variable is unset or blank.
    pub fn bearer_token(&self, env: &EnvSource) -> Result<Option<Secret>, ModelError> {
        if let Some(var) = &self.env_key {
            return match env.get_non_empty(var) {
                Some(value) => Ok(Some(Secret::new(value))),
                None => Err(ModelError::MissingEnvVar {
                    var: var.clone(),
                    instructions: self.env_key_instructions.clone(),
                }),
            };
        }
        Ok(self.experimental_bearer_token.clone())
    }

    /// Static `http_headers` followed by the `env_http_headers` whose variable is set.
    pub fn extra_headers(&self, env: &EnvSource) -> Vec<(String, String)> {
        let from_env = self.env_http_headers.iter().filter_map(|(header, var)| {
            env.get_non_empty(var).map(|value| (header.clone(), value))
        });
        self.http_headers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .chain(from_env)
            .collect()
    }
}

/// Shows header names but not their values: static `http_headers` may carry credentials
/// (`api-key`, …), and `Debug` output ends up in logs.
impl fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("base_url", &self.base_url)
            .field("env_key", &self.env_key)
            .field("experimental_bearer_token", &self.experimental_bearer_token)
            .field("query_params", &self.query_params)
            .field(
                "http_headers",
                &self.http_headers.keys().collect::<Vec<_>>(),
            )
            .field("env_http_headers", &self.env_http_headers)
            .field("request_max_retries", &self.request_max_retries)
            .field("stream_max_retries", &self.stream_max_retries)
            .field("stream_idle_timeout_ms", &self.stream_idle_timeout_ms)
            .finish_non_exhaustive()
    }
}

fn cap_retries(configured: Option<u64>, default: u32, cap: u32) -> u32 {
    configured.map_or(default, |value| {
        u32::try_from(value).unwrap_or(u32::MAX).min(cap)
    })
}
