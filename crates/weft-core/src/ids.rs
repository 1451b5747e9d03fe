//! Newtypes for the ids the core handles, so a turn id is never passed where a thread id goes.

use std::fmt;

use uuid::Uuid;

/// A thread id (UUIDv7 for threads weft creates; any UUID for threads read from disk).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ThreadId(Uuid);

impl ThreadId {
    /// A fresh, time-ordered id.
    #[must_use]
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }

    /// Parses a client-supplied id; the error text is what follows `invalid thread id: `.
    ///
    /// # Errors
    /// The UUID parser's message when `text` is not a UUID.
    pub fn parse(text: &str) -> Result<Self, String> {
        Uuid::parse_str(text)
            .map(Self)
            .map_err(|err| reference_uuid_error(&err.to_string()))
    }

    /// The UUID.
    #[must_use]
    pub fn uuid(self) -> Uuid {
        self.0
    }

    /// Wraps a UUID read from disk.
    #[must_use]
    pub fn from_uuid(uuid: Uuid) -> Self {
        Self(uuid)
    }
}

/// The reference's text for a UUID parse error (its `uuid` crate is older than ours): a bad
/// character is described in full and counted from 1, a bad length names the simple format.
/// Group count and group length errors read the same in both.
fn reference_uuid_error(ours: &str) -> String {
    if let Some(rest) = ours.strip_prefix("invalid character: found ")
        && let Some((character, index)) = rest.rsplit_once(" at ")
        && let Ok(index) = index.parse::<usize>()
    {
        return format!(
            "invalid character: expected an optional prefix of `urn:uuid:` followed by \
             [0-9a-fA-F-], found {character} at {}",
            index + 1
        );
    }
    if let Some(found) = ours.strip_prefix("invalid length: found ") {
        return format!("invalid length: expected length 32 for simple format, found {found}");
    }
    ours.to_owned()
}

impl Default for ThreadId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for ThreadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// A turn id (UUIDv7), kept as the string the wire carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TurnId(String);

impl TurnId {
    /// A fresh, time-ordered id.
    #[must_use]
    pub fn new() -> Self {
        Self(Uuid::now_v7().hyphenated().to_string())
    }

    /// The id as sent on the wire.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A turn id read back from a rollout (a turn revived after a restart, R37).
    #[must_use]
    pub(crate) fn from_stored(id: String) -> Self {
        Self(id)
    }
}

impl Default for TurnId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for TurnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Unix milliseconds now.
#[must_use]
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Unix seconds now.
#[must_use]
pub fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}
