//! The diff itself, on small hand-written bundles: each rule fires where it should.

use serde_json::{Value, json};

use super::{Direction, Findings, SchemaDiff};

fn bundle(definition: Value) -> Value {
    json!({"definitions": {"T": definition, "v2": {"Mode": {"enum": ["a", "b"]}}}})
}

fn diff(weft: Value, reference: Value, dir: Direction) -> Findings {
    let weft = bundle(weft);
    let reference = bundle(reference);
    let mut diff = SchemaDiff::new(&weft, &reference);
    diff.compare_objects(
        &weft["definitions"]["T"],
        &reference["definitions"]["T"],
        "T",
        dir,
    );
    diff.findings
}

fn object(properties: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": properties, "required": required})
}

#[test]
fn identical_schemas_have_no_findings() {
    let schema = object(json!({"a": {"type": "string"}}), &["a"]);
    let findings = diff(schema.clone(), schema, Direction::Output);
    assert!(findings.mismatches.is_empty() && findings.omissions.is_empty());
}

#[test]
fn names_and_required_ness_are_strict() {
    let reference = object(
        json!({"a": {"type": "string"}, "b": {"type": "string"}}),
        &["a"],
    );
    let renamed = object(
        json!({"A": {"type": "string"}, "b": {"type": "string"}}),
        &["A"],
    );
    let findings = diff(renamed, reference.clone(), Direction::Output);
    assert_eq!(findings.mismatches.len(), 2, "{:?}", findings.mismatches);
    let optional = object(json!({"a": {"type": "string"}}), &[]);
    let findings = diff(optional, reference.clone(), Direction::Input);
    assert_eq!(
        findings.mismatches,
        ["T.a: required by the reference, optional in weft"]
    );
    assert_eq!(findings.omissions, ["T.b"]);
    let over = object(
        json!({"a": {"type": "string"}, "b": {"type": "string"}}),
        &["a", "b"],
    );
    let findings = diff(over, reference, Direction::Output);
    assert_eq!(
        findings.mismatches,
        ["T.b: required by weft, optional in the reference"]
    );
}

#[test]
fn enum_spellings_and_nullability_depend_on_direction() {
    let reference = object(json!({"m": {"$ref": "#/definitions/v2/Mode"}}), &[]);
    let wrong = object(json!({"m": {"enum": ["a", "B"]}}), &[]);
    let findings = diff(wrong, reference.clone(), Direction::Output);
    assert_eq!(findings.mismatches.len(), 1, "{:?}", findings.mismatches);
    let fewer = object(json!({"m": {"enum": ["a"]}}), &[]);
    assert!(
        diff(fewer.clone(), reference.clone(), Direction::Output)
            .mismatches
            .is_empty()
    );
    assert_eq!(
        diff(fewer, reference.clone(), Direction::Input)
            .mismatches
            .len(),
        1
    );
    let nullable = object(json!({"m": {"enum": ["a", "b", null]}}), &[]);
    assert_eq!(
        diff(nullable.clone(), reference.clone(), Direction::Output)
            .mismatches
            .len(),
        1
    );
    assert_eq!(diff(nullable, reference, Direction::Input).lenient, ["T.m"]);
}

#[test]
fn tagged_variants_are_matched_by_tag() {
    let variant = |tag: &str, extra: &str| {
        json!({"type": "object", "required": ["type"], "properties": {
            "type": {"const": tag}, extra: {"type": "integer"}}})
    };
    let reference = object(
        json!({"u": {"oneOf": [variant("x", "n"), variant("y", "k"), variant("z", "k")]}}),
        &[],
    );
    let weft = object(
        json!({"u": {"oneOf": [variant("x", "m"), variant("y", "k")]}}),
        &[],
    );
    let findings = diff(weft, reference, Direction::Output);
    assert_eq!(findings.mismatches, ["T.u<x>.m: not in the reference"]);
    assert_eq!(findings.omissions, ["T.u<x>.n", "T.u: variant `z`"]);
}
