//! `--listen` values (protocol.md §1.3) with the reference's error texts.

use std::net::SocketAddr;
use std::path::PathBuf;

/// A parsed `--listen` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listen {
    /// `stdio://`: newline-delimited JSON on stdin/stdout (the default).
    Stdio,
    /// `ws://IP:PORT`: the websocket listener.
    Ws(SocketAddr),
    /// `unix://` or `unix://PATH`: websocket over a Unix socket (not served by weft yet).
    Unix(Option<PathBuf>),
    /// `off`: no transport (not served by weft yet).
    Off,
}

/// A `--listen` value that does not parse; the texts are the reference's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListenError {
    /// Unknown scheme.
    #[error(
        "unsupported --listen URL `{0}`; expected `stdio://`, `unix://`, `unix://PATH`, `ws://IP:PORT`, or `off`"
    )]
    Unsupported(String),
    /// `ws://` without a literal `IP:PORT` after it.
    #[error("invalid websocket --listen URL `{0}`; expected `ws://IP:PORT`")]
    InvalidWebsocket(String),
}

impl std::str::FromStr for Listen {
    type Err = ListenError;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        if url == "stdio://" {
            return Ok(Self::Stdio);
        }
        if url == "off" {
            return Ok(Self::Off);
        }
        if let Some(path) = url.strip_prefix("unix://") {
            return Ok(Self::Unix((!path.is_empty()).then(|| PathBuf::from(path))));
        }
        if let Some(address) = url.strip_prefix("ws://") {
            return address
                .parse::<SocketAddr>()
                .map(Self::Ws)
                .map_err(|_| ListenError::InvalidWebsocket(url.to_owned()));
        }
        Err(ListenError::Unsupported(url.to_owned()))
    }
}
