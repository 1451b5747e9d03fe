//! The `initialize` handshake: validation, the `userAgent` string, the response.

use weft_protocol::v1::{ClientInfo, InitializeResponse};
use weft_protocol::{PROTOCOL_VERSION, RpcError};

/// Checks that `clientInfo.name` is a valid HTTP header value (visible ASCII, space, tab).
///
/// # Errors
/// The reference's `Invalid clientInfo.name: '<name>'. …` text.
pub(crate) fn validate_client_name(name: &str) -> Result<(), RpcError> {
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|byte| byte == b'\t' || (0x20..0x7f).contains(&byte));
    if valid {
        Ok(())
    } else {
        Err(RpcError::invalid_client_name(name))
    }
}

/// `<originator>/<protocol version> (<os> <os version>; <arch>) <terminal> (<name>; <version>)`.
#[must_use]
pub(crate) fn user_agent(originator: &str, client: &ClientInfo) -> String {
    let os = os_name();
    let terminal = std::env::var("TERM_PROGRAM")
        .or_else(|_| std::env::var("TERM"))
        .unwrap_or_else(|_| "unknown".to_owned());
    format!(
        "{originator}/{PROTOCOL_VERSION} ({os}; {arch}) {terminal} ({name}; {version})",
        arch = std::env::consts::ARCH,
        name = client.name,
        version = client.version,
    )
}

fn os_name() -> String {
    let release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    let field = |key: &str| {
        release.lines().find_map(|line| {
            line.strip_prefix(key)
                .map(|value| value.trim_matches('"').to_owned())
        })
    };
    match (field("NAME="), field("VERSION_ID=")) {
        (Some(name), Some(version)) => format!(
            "{} {version}",
            name.split_whitespace().next().unwrap_or(&name)
        ),
        (Some(name), None) => name,
        _ => std::env::consts::OS.to_owned(),
    }
}

/// The `initialize` result for a home folder.
#[must_use]
pub(crate) fn response(user_agent: String, home: &std::path::Path) -> InitializeResponse {
    InitializeResponse {
        user_agent,
        codex_home: home.display().to_string(),
        platform_family: if cfg!(windows) { "windows" } else { "unix" }.to_owned(),
        platform_os: match std::env::consts::OS {
            "macos" => "macos",
            "windows" => "windows",
            _ => "linux",
        }
        .to_owned(),
    }
}
