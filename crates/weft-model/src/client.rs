//! `ModelClient`: the one model handle the core holds, whichever provider is configured.
//!
//! An enum rather than a trait object: there are exactly two providers (the HTTP Responses API
//! and the offline scripted one), `async fn` works without boxing, and a test fake for the
//! core is the scripted variant or the HTTP variant pointed at weft-test-support's mock.

use tokio_util::sync::CancellationToken;

use crate::error::ModelError;
use crate::http::HttpModelClient;
use crate::provider::ProviderConfig;
use crate::request::ModelRequest;
use crate::scripted::ScriptedModelClient;
use crate::stream::ResponseStream;

/// A model provider. Cheap to clone.
#[derive(Debug, Clone)]
pub enum ModelClient {
    /// A Responses-compatible HTTP endpoint.
    Http(HttpModelClient),
    /// The built-in offline provider (`weft demo`, tests).
    Scripted(ScriptedModelClient),
}

impl ModelClient {
    /// Starts one sampling request; see [`HttpModelClient::stream`].
    ///
    /// # Errors
    /// Whatever the provider reports before its stream is established.
    pub async fn stream(
        &self,
        request: &ModelRequest,
        cancel: Option<CancellationToken>,
    ) -> Result<ResponseStream, ModelError> {
        match self {
            Self::Http(client) => client.stream(request, cancel).await,
            Self::Scripted(client) => client.stream(request, cancel).await,
        }
    }

    /// The HTTP provider's config; `None` for the scripted provider.
    pub fn provider(&self) -> Option<&ProviderConfig> {
        match self {
            Self::Http(client) => Some(client.provider()),
            Self::Scripted(_) => None,
        }
    }

    /// How many times the core's stream layer may re-send a request (0 for the scripted
    /// provider, which never fails).
    pub fn stream_max_retries(&self) -> u32 {
        self.provider()
            .map_or(0, ProviderConfig::stream_max_retries)
    }
}

impl From<HttpModelClient> for ModelClient {
    fn from(client: HttpModelClient) -> Self {
        Self::Http(client)
    }
}

impl From<ScriptedModelClient> for ModelClient {
    fn from(client: ScriptedModelClient) -> Self {
        Self::Scripted(client)
    }
}
