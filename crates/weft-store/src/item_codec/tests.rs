//! Unit tests of the codec helpers; the per-type round trips are in `tests/it/item_codec.rs`.

use serde_json::json;

use super::fields::{camel_to_snake, camelize_keys, snake_to_camel, snakify_keys};
use super::path_uri::{path_text, to_file_uri};

#[test]
fn file_uris_as_the_url_crate_spells_them() {
    assert_eq!(
        to_file_uri("/tmp/drive-work").as_deref(),
        Some("file:///tmp/drive-work")
    );
    assert_eq!(to_file_uri("/").as_deref(), Some("file:///"));
    assert_eq!(
        to_file_uri("/a b/c#d%e/é").as_deref(),
        Some("file:///a%20b/c%23d%25e/%C3%A9")
    );
    assert_eq!(to_file_uri("/a//b/./c/").as_deref(), Some("file:///a/b/c"));
    assert_eq!(to_file_uri("relative/path"), None);
    assert_eq!(to_file_uri(""), None);
    assert_eq!(path_text("file:///a%20b/c%23d%25e/%C3%A9"), "/a b/c#d%e/é");
    assert_eq!(path_text("file://localhost/x"), "/x");
    assert_eq!(path_text("/plain/path"), "/plain/path");
    assert_eq!(path_text("file:///100%+1"), "/100%+1");
}

#[test]
fn key_casing_both_ways() {
    assert_eq!(snake_to_camel("unified_exec_startup"), "unifiedExecStartup");
    assert_eq!(camel_to_snake("unifiedExecStartup"), "unified_exec_startup");
    let wire = json!([{"byteRange": {"start": 0, "end": 3}, "placeholder": null}]);
    let core = snakify_keys(&wire);
    assert_eq!(
        core,
        json!([{"byte_range": {"start": 0, "end": 3}, "placeholder": null}])
    );
    assert_eq!(camelize_keys(&core), wire);
}
