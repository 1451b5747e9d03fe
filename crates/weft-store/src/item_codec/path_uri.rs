//! Paths as the core writes them in items: `file://` URIs (the core's `PathUri`).
//!
//! `CommandExecution.cwd` and `ImageView.path` are `PathUri`s: the reference writes
//! `file:///tmp/work` and reads either such a URI or an absolute native path (a relative path
//! fails the whole line). [`to_file_uri`] spells an absolute path the way the `url` crate's
//! `Url::from_file_path` does (the path's components, each percent-encoded with the
//! path-segment set), and [`path_text`] reads any of those spellings back as a plain path.
//!
//! **Invariant:** `path_text(&to_file_uri(p)) == p` for every absolute path `p` in normal form
//! (no empty, `.` components and no trailing `/`); other absolute paths come back normalised as
//! `std::path::Path::components` normalises them.

use std::path::{Component, Path};

/// An absolute path as a `file://` URI; `None` for a relative (or empty) path, which the core
/// cannot represent.
#[must_use]
pub fn to_file_uri(path: &str) -> Option<String> {
    let path = Path::new(path);
    if !path.is_absolute() {
        return None;
    }
    let mut uri = String::from("file://");
    let mut empty = true;
    for component in path.components() {
        let segment = match component {
            Component::RootDir | Component::CurDir | Component::Prefix(_) => continue,
            Component::ParentDir => "..",
            Component::Normal(name) => name.to_str().unwrap_or_default(),
        };
        empty = false;
        uri.push('/');
        percent_encode_segment(segment, &mut uri);
    }
    if empty {
        uri.push('/');
    }
    Some(uri)
}

/// A path that may be a `file://` URI (optionally with the `localhost` authority) as a plain
/// path; anything else unchanged.
#[must_use]
pub fn path_text(path: &str) -> String {
    let Some(rest) = path.strip_prefix("file://") else {
        return path.to_owned();
    };
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    percent_decode(rest)
}

/// Appends a path segment, percent-encoding what the `url` crate's `PATH_SEGMENT` set encodes:
/// controls, non-ASCII bytes, space, `"`, `#`, `<`, `>`, `?`, `` ` ``, `{`, `}`, `/` and `%`.
fn percent_encode_segment(segment: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &byte in segment.as_bytes() {
        let encode = !(0x20..0x7f).contains(&byte)
            || matches!(
                byte,
                b' ' | b'"' | b'#' | b'<' | b'>' | b'?' | b'`' | b'{' | b'}' | b'/' | b'%'
            );
        if encode {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        } else {
            out.push(char::from(byte));
        }
    }
}

/// `%XX` sequences decoded; a `%` without two hex digits stays as it is; bytes that are not
/// UTF-8 after decoding become U+FFFD.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let decoded = bytes
            .get(index + 1..index + 3)
            .filter(|pair| bytes[index] == b'%' && pair.iter().all(u8::is_ascii_hexdigit))
            .and_then(|pair| std::str::from_utf8(pair).ok())
            .and_then(|pair| u8::from_str_radix(pair, 16).ok());
        match decoded {
            Some(byte) => {
                out.push(byte);
                index += 3;
            }
            None => {
                out.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
