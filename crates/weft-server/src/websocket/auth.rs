//! Capability-token authentication of websocket upgrades (protocol.md §1.3): the server keeps
//! only the token's SHA-256 and compares digests in constant time.

use std::path::Path;

use sha2::{Digest, Sha256};

/// The SHA-256 of the capability token an upgrade must present as `Authorization: Bearer …`.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenDigest([u8; 32]);

impl std::fmt::Debug for TokenDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the digest: it is as good as the token for an offline guess.
        f.write_str("TokenDigest(..)")
    }
}

/// Why the websocket authentication settings are unusable; the process refuses to start.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// `--ws-token-file` must be absolute, as in the reference.
    #[error("--ws-token-file must be an absolute path, got `{0}`")]
    RelativeTokenFile(String),
    /// The token file could not be read.
    #[error("cannot read --ws-token-file `{path}`: {reason}")]
    UnreadableTokenFile {
        /// The file named by the flag.
        path: String,
        /// The IO error text.
        reason: String,
    },
    /// The token file holds nothing but whitespace.
    #[error("--ws-token-file `{0}` is empty")]
    EmptyToken(String),
    /// `--ws-token-sha256` is not 64 hex digits.
    #[error("--ws-token-sha256 must be 64 hex digits (the SHA-256 of the token)")]
    BadDigest,
}

impl TokenDigest {
    /// The digest of `token` as presented by clients.
    #[must_use]
    pub fn of_token(token: &str) -> Self {
        Self(Sha256::digest(token.as_bytes()).into())
    }

    /// Reads the token from an absolute file path; surrounding whitespace (a trailing newline)
    /// is not part of the token.
    ///
    /// # Errors
    /// Relative path, unreadable file, or an empty token.
    pub fn from_token_file(path: &Path) -> Result<Self, AuthError> {
        let shown = path.display().to_string();
        if !path.is_absolute() {
            return Err(AuthError::RelativeTokenFile(shown));
        }
        let text = std::fs::read_to_string(path).map_err(|err| AuthError::UnreadableTokenFile {
            path: shown.clone(),
            reason: err.to_string(),
        })?;
        let token = text.trim();
        if token.is_empty() {
            return Err(AuthError::EmptyToken(shown));
        }
        Ok(Self::of_token(token))
    }

    /// Parses a hex SHA-256 (either case).
    ///
    /// # Errors
    /// [`AuthError::BadDigest`] unless exactly 64 hex digits.
    pub fn from_hex(hex: &str) -> Result<Self, AuthError> {
        let hex = hex.trim().as_bytes();
        if hex.len() != 64 {
            return Err(AuthError::BadDigest);
        }
        let mut digest = [0_u8; 32];
        for (byte, pair) in digest.iter_mut().zip(hex.chunks_exact(2)) {
            let high = hex_value(pair[0]).ok_or(AuthError::BadDigest)?;
            let low = hex_value(pair[1]).ok_or(AuthError::BadDigest)?;
            *byte = (high << 4) | low;
        }
        Ok(Self(digest))
    }

    /// Whether `token` hashes to this digest. Both sides are fixed-size digests and every byte
    /// is compared, so the time taken says nothing about how much of the token was right.
    #[must_use]
    pub fn matches(&self, token: &str) -> bool {
        let presented: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let difference = self
            .0
            .iter()
            .zip(presented.iter())
            .fold(0_u8, |acc, (left, right)| acc | (left ^ right));
        std::hint::black_box(difference) == 0
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// The bearer token of an `Authorization` header value, if it has the `Bearer` scheme.
pub(crate) fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}
