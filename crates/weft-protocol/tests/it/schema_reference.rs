//! weft's generated JSON Schema against the 0.169.0 reference, for every request weft
//! implements (params as input, results as output) and every [`ServerNotification`] variant.
//!
//! Mismatches fail the test. Optional reference members weft does not model are allowed; they,
//! the lenient inputs and the plain strings standing for reference enums are pinned in the
//! `schema_reference__reference_gaps` snapshot, so any change to them is reviewed.
//!
//! [`ServerNotification`]: weft_protocol::v2::ServerNotification

use serde_json::Value;
use weft_protocol::CLIENT_REQUEST_METHODS;
use weft_protocol::schema::{
    BUNDLE_FILE, EXPERIMENTAL_PROPERTIES, IMPLEMENTED_METHODS, SERVER_NOTIFICATION_FILE,
    SchemaOptions, V2_BUNDLE_FILE, generate, server_notification_methods,
};
use weft_test_support::schema::{SCHEMA_FOLDER, reference_dir};

use crate::schema_diff::{Direction, Findings, SchemaDiff};

fn reference_file(path: &str) -> Option<Value> {
    let full = reference_dir().join(SCHEMA_FOLDER).join(path);
    let text = std::fs::read_to_string(full).ok()?;
    serde_json::from_str(&text).ok()
}

fn reference_bundle() -> Value {
    reference_file(BUNDLE_FILE).expect("reference bundle")
}

fn weft_bundle(experimental: bool) -> Value {
    generate(SchemaOptions { experimental })
        .remove(BUNDLE_FILE)
        .expect("bundle generated")
}

/// A definition by name: top level (v1, unions) or under `v2`.
fn definition<'v>(bundle: &'v Value, name: &str) -> Option<&'v Value> {
    let definitions = bundle.get("definitions")?;
    definitions
        .get(name)
        .or_else(|| definitions.get("v2")?.get(name))
}

/// `(method, params schema)` of every `ServerNotification` entry.
fn notification_params(bundle: &Value) -> Vec<(String, &Value)> {
    let entries = bundle
        .pointer("/definitions/ServerNotification/oneOf")
        .and_then(Value::as_array)
        .expect("ServerNotification union");
    entries
        .iter()
        .map(|entry| {
            let method = entry
                .pointer("/properties/method/const")
                .or_else(|| entry.pointer("/properties/method/enum/0"))
                .and_then(Value::as_str)
                .expect("method tag");
            (method.to_owned(), &entry["properties"]["params"])
        })
        .collect()
}

fn diff_everything<'a>(weft: &'a Value, reference: &'a Value) -> Findings {
    let mut diff = SchemaDiff::new(weft, reference);
    for method in IMPLEMENTED_METHODS {
        for (name, dir) in [
            (method.params, Direction::Input),
            (method.response, Direction::Output),
        ] {
            match (definition(weft, name), definition(reference, name)) {
                (Some(ours), Some(theirs)) => diff.compare_objects(ours, theirs, name, dir),
                (ours, _) => diff.findings.mismatches.push(format!(
                    "{}: {name} missing from {}",
                    method.method,
                    if ours.is_none() {
                        "weft"
                    } else {
                        "the reference"
                    }
                )),
            }
        }
    }
    let reference_notifications = notification_params(reference);
    for (method, params) in notification_params(weft) {
        match reference_notifications
            .iter()
            .find(|(other, _)| *other == method)
        {
            Some((_, theirs)) => diff.compare(params, theirs, &method, Direction::Output),
            None => diff
                .findings
                .mismatches
                .push(format!("notification `{method}` is not in the reference")),
        }
    }
    diff.findings
}

#[test]
fn implemented_surface_matches_the_reference() {
    let weft = weft_bundle(false);
    let reference = reference_bundle();
    let findings = diff_everything(&weft, &reference);
    assert!(
        findings.mismatches.is_empty(),
        "{} mismatch(es) with the reference schema:\n{}\n\n\
         (allowed) optional reference members weft omits:\n{}",
        findings.mismatches.len(),
        findings.mismatches.join("\n"),
        findings.omissions.join("\n"),
    );
    let gaps = format!(
        "# optional reference members and variants weft does not model\n{}\n\n\
         # inputs where weft also accepts null\n{}\n\n\
         # reference enums weft keeps as plain strings\n{}\n",
        findings.omissions.join("\n"),
        findings.lenient.join("\n"),
        findings.untyped.join("\n"),
    );
    insta::assert_snapshot!("reference_gaps", gaps);
}

#[test]
fn every_notification_variant_is_compared() {
    let weft = weft_bundle(false);
    let compared: Vec<String> = notification_params(&weft)
        .into_iter()
        .map(|(method, _)| method)
        .collect();
    assert_eq!(compared, server_notification_methods());
    assert!(compared.len() >= 16, "{compared:?}");
}

#[test]
fn implemented_methods_are_client_request_methods() {
    for method in IMPLEMENTED_METHODS {
        assert!(
            CLIENT_REQUEST_METHODS.contains(&method.method),
            "{}",
            method.method
        );
    }
}

#[test]
fn generated_layout_follows_the_reference() {
    let files = generate(SchemaOptions::default());
    for method in IMPLEMENTED_METHODS {
        let folder = if method.method == "initialize" {
            "v1"
        } else {
            "v2"
        };
        for name in [method.params, method.response] {
            let path = format!("{folder}/{name}.json");
            assert!(files.contains_key(&path), "weft lacks {path}");
            assert!(
                reference_file(&path).is_some(),
                "the reference lacks {path}"
            );
            assert_eq!(files[&path]["title"], name, "{path}");
        }
    }
    for path in [SERVER_NOTIFICATION_FILE, BUNDLE_FILE, V2_BUNDLE_FILE] {
        assert!(files.contains_key(path), "weft lacks {path}");
    }
    assert_eq!(
        files[BUNDLE_FILE]["definitions"]["v2"]["Thread"]["properties"]["turns"]["items"]["$ref"],
        "#/definitions/v2/Turn"
    );
}

#[test]
fn every_generated_file_is_a_draft7_schema() {
    for (path, schema) in generate(SchemaOptions { experimental: true }) {
        assert_eq!(
            schema["$schema"], "http://json-schema.org/draft-07/schema#",
            "{path}"
        );
        jsonschema::draft7::new(&schema).unwrap_or_else(|err| panic!("{path}: {err}"));
    }
}

#[test]
fn experimental_properties_are_exactly_the_extras() {
    let reference = reference_bundle();
    let stable = weft_bundle(false);
    let experimental = weft_bundle(true);
    for (owner, property) in EXPERIMENTAL_PROPERTIES {
        let has = |bundle: &Value| {
            definition(bundle, owner)
                .and_then(|schema| schema.get("properties"))
                .is_some_and(|properties| properties.get(property).is_some())
        };
        assert!(
            !has(&reference),
            "{owner}.{property} is in the stable reference"
        );
        assert!(
            !has(&stable),
            "{owner}.{property} left in the stable schema"
        );
        assert!(
            has(&experimental),
            "{owner}.{property} missing with --experimental"
        );
    }
}
