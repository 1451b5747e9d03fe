//! A structural diff of two JSON Schema bundles, for checking weft's generated schema against
//! the reference's, type by type.
//!
//! The rules depend on the direction a type travels. **Output** (results, notifications):
//! weft's schema must fit inside the reference's — no member the reference lacks, no `null`
//! where the reference forbids it, no enum spelling it does not know. **Input** (params): weft
//! must accept what the reference accepts — every enum spelling, `null` wherever the reference
//! allows it; accepting more (`null` for a plain boolean) is noted as lenient, not a mismatch.
//! Both directions: property names match exactly, and `required` matches exactly. Optional
//! reference members (or union variants) that weft does not model are collected as omissions.
//! A weft member typed as raw JSON (`serde_json::Value`) matches anything.

use std::collections::{BTreeSet, HashSet};

use serde_json::Value;

/// Which way a type travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Direction {
    /// Client → weft (params).
    Input,
    /// weft → client (results, notifications).
    Output,
}

/// What the diff found.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    /// Real differences; the test fails on any.
    pub(crate) mismatches: Vec<String>,
    /// Optional reference members and variants weft does not model.
    pub(crate) omissions: Vec<String>,
    /// Input members where weft accepts more than the reference (e.g. `null`).
    pub(crate) lenient: Vec<String>,
    /// Places where weft keeps a reference enum as a plain string, or a reference object as a
    /// free-form JSON map.
    pub(crate) untyped: Vec<String>,
}

/// A diff in progress between a weft bundle and a reference bundle.
pub(crate) struct SchemaDiff<'a> {
    weft: &'a Value,
    reference: &'a Value,
    visited: HashSet<(usize, usize, Direction)>,
    /// The findings so far.
    pub(crate) findings: Findings,
}

/// A schema reduced to what the diff compares.
enum Shape<'a> {
    /// Matches anything (raw JSON).
    Any,
    /// A closed set of strings.
    Enum(BTreeSet<String>),
    /// Alternatives (`oneOf` / `anyOf`), with the object holding them.
    Union(&'a Value, Vec<&'a Value>),
    /// Anything else: typed, object, array.
    Typed(&'a Value),
}

impl<'a> SchemaDiff<'a> {
    /// A diff of `weft` against `reference`, both bundles with `#/definitions/…` references.
    pub(crate) fn new(weft: &'a Value, reference: &'a Value) -> Self {
        Self {
            weft,
            reference,
            visited: HashSet::new(),
            findings: Findings::default(),
        }
    }

    /// Compares two schemas found at `path`.
    pub(crate) fn compare(
        &mut self,
        weft: &'a Value,
        reference: &'a Value,
        path: &str,
        dir: Direction,
    ) {
        let weft = resolve(self.weft, weft);
        let reference = resolve(self.reference, reference);
        let key = (
            weft as *const Value as usize,
            reference as *const Value as usize,
            dir,
        );
        if !self.visited.insert(key) {
            return;
        }
        let (weft_nullable, weft_shape) = shape(self.weft, weft);
        let (reference_nullable, reference_shape) = shape(self.reference, reference);
        if matches!(weft_shape, Shape::Any) || matches!(reference_shape, Shape::Any) {
            return;
        }
        self.compare_nullability(weft_nullable, reference_nullable, path, dir);
        match (weft_shape, reference_shape) {
            (Shape::Enum(weft), Shape::Enum(reference)) => {
                self.compare_enums(&weft, &reference, path, dir);
            }
            (Shape::Typed(weft), Shape::Enum(_)) if is_plain_string(weft) => {
                self.findings.untyped.push(path.to_owned());
            }
            (Shape::Enum(_), Shape::Typed(reference)) if is_plain_string(reference) => {
                if dir == Direction::Input {
                    self.mismatch(
                        path,
                        "weft takes an enum where the reference takes any string",
                    );
                }
            }
            (Shape::Union(weft_outer, weft), Shape::Union(reference_outer, reference)) => {
                self.compare_unions(&weft, &reference, path, dir);
                if weft_outer.get("properties").is_some()
                    || reference_outer.get("properties").is_some()
                {
                    self.compare_objects(weft_outer, reference_outer, path, dir);
                }
            }
            (Shape::Typed(weft), Shape::Union(_, reference)) => {
                self.compare_one_with_union(weft, &reference, path, dir);
            }
            (Shape::Typed(weft), Shape::Typed(_)) if is_free_object(weft) => {
                self.findings
                    .untyped
                    .push(format!("{path} (free-form object)"));
            }
            (Shape::Typed(weft), Shape::Typed(reference)) => {
                self.compare_typed(weft, reference, path, dir);
            }
            (weft, reference) => self.mismatch(
                path,
                &format!(
                    "shapes differ: weft {} vs reference {}",
                    weft.kind(),
                    reference.kind()
                ),
            ),
        }
    }

    fn mismatch(&mut self, path: &str, what: &str) {
        self.findings.mismatches.push(format!("{path}: {what}"));
    }

    fn compare_nullability(&mut self, weft: bool, reference: bool, path: &str, dir: Direction) {
        match (weft, reference, dir) {
            (true, false, Direction::Output) => {
                self.mismatch(path, "weft may write null, the reference forbids it");
            }
            (true, false, Direction::Input) => self.findings.lenient.push(path.to_owned()),
            (false, true, Direction::Input) => {
                self.mismatch(path, "the reference accepts null, weft rejects it");
            }
            _ => {}
        }
    }

    fn compare_enums(
        &mut self,
        weft: &BTreeSet<String>,
        reference: &BTreeSet<String>,
        path: &str,
        dir: Direction,
    ) {
        let unknown: Vec<&String> = weft.difference(reference).collect();
        if !unknown.is_empty() {
            self.mismatch(
                path,
                &format!("enum values the reference lacks: {unknown:?}"),
            );
        }
        let missing: Vec<&String> = reference.difference(weft).collect();
        if missing.is_empty() {
            return;
        }
        match dir {
            Direction::Input => {
                self.mismatch(path, &format!("weft rejects reference values {missing:?}"));
            }
            Direction::Output => self
                .findings
                .omissions
                .push(format!("{path}: enum values {missing:?}")),
        }
    }

    fn compare_unions(
        &mut self,
        weft: &[&'a Value],
        reference: &[&'a Value],
        path: &str,
        dir: Direction,
    ) {
        let weft_tags: Option<Vec<String>> = weft.iter().map(|v| self.weft_tag(v)).collect();
        let reference_tags: Option<Vec<String>> =
            reference.iter().map(|v| self.reference_tag(v)).collect();
        let (Some(weft_tags), Some(reference_tags)) = (weft_tags, reference_tags) else {
            self.compare_untagged(weft, reference, path, dir);
            return;
        };
        for (variant, tag) in weft.iter().zip(&weft_tags) {
            match reference_tags.iter().position(|other| other == tag) {
                Some(index) => {
                    let label = format!("{path}<{tag}>");
                    self.compare_objects(variant, reference[index], &label, dir);
                }
                None => self.mismatch(path, &format!("variant `{tag}` not in the reference")),
            }
        }
        for tag in reference_tags.iter().filter(|tag| !weft_tags.contains(tag)) {
            match dir {
                Direction::Input => self.mismatch(path, &format!("weft rejects variant `{tag}`")),
                Direction::Output => self
                    .findings
                    .omissions
                    .push(format!("{path}: variant `{tag}`")),
            }
        }
    }

    /// Untagged alternatives: each weft alternative must match one of the reference's.
    fn compare_untagged(
        &mut self,
        weft: &[&'a Value],
        reference: &[&'a Value],
        path: &str,
        dir: Direction,
    ) {
        for (index, alternative) in weft.iter().enumerate() {
            let weft_alternative = resolve(self.weft, alternative);
            let partner = reference.iter().copied().find(|candidate| {
                same_kind(weft_alternative, resolve(self.reference, candidate), self)
            });
            match partner {
                Some(partner) => {
                    self.compare(alternative, partner, &format!("{path}|{index}"), dir)
                }
                None => self.mismatch(path, &format!("alternative {index} matches nothing")),
            }
        }
        if dir == Direction::Input && reference.len() > weft.len() {
            self.mismatch(path, "weft accepts fewer alternatives than the reference");
        }
    }

    /// A plain weft schema against reference alternatives: one of them must fit.
    fn compare_one_with_union(
        &mut self,
        weft: &'a Value,
        reference: &[&'a Value],
        path: &str,
        dir: Direction,
    ) {
        let partner = reference
            .iter()
            .copied()
            .find(|candidate| same_kind(weft, resolve(self.reference, candidate), self));
        match (partner, dir) {
            (Some(partner), Direction::Output) => self.compare(weft, partner, path, dir),
            (Some(_), Direction::Input) | (None, _) => {
                self.mismatch(
                    path,
                    "weft has one shape where the reference has alternatives",
                );
            }
        }
    }

    fn compare_typed(&mut self, weft: &'a Value, reference: &'a Value, path: &str, dir: Direction) {
        let weft_types = types(weft);
        let reference_types = types(reference);
        let fits = |narrow: &BTreeSet<String>, wide: &BTreeSet<String>| {
            narrow
                .iter()
                .all(|ty| wide.contains(ty) || (ty == "integer" && wide.contains("number")))
        };
        let compatible = match dir {
            Direction::Output => fits(&weft_types, &reference_types),
            Direction::Input => fits(&reference_types, &weft_types),
        };
        if !weft_types.is_empty() && !reference_types.is_empty() && !compatible {
            self.mismatch(
                path,
                &format!("types {weft_types:?} vs reference {reference_types:?}"),
            );
            return;
        }
        if weft.get("properties").is_some() || reference.get("properties").is_some() {
            self.compare_objects(weft, reference, path, dir);
        }
        if let (Some(weft_items), Some(reference_items)) =
            (weft.get("items"), reference.get("items"))
        {
            self.compare(weft_items, reference_items, &format!("{path}[]"), dir);
        }
        let weft_values = weft.get("additionalProperties").filter(|v| v.is_object());
        let reference_values = reference
            .get("additionalProperties")
            .filter(|v| v.is_object());
        if let (Some(weft_values), Some(reference_values)) = (weft_values, reference_values) {
            self.compare(weft_values, reference_values, &format!("{path}{{}}"), dir);
        }
    }

    /// Property names and `required` of two object schemas, then each shared property.
    pub(crate) fn compare_objects(
        &mut self,
        weft: &'a Value,
        reference: &'a Value,
        path: &str,
        dir: Direction,
    ) {
        let weft = resolve(self.weft, weft);
        let reference = resolve(self.reference, reference);
        let weft_properties = properties(weft);
        let reference_properties = property_universe(self.reference, reference);
        let weft_required = required(weft);
        let reference_required = required(reference);
        for (name, _) in &weft_properties {
            if !reference_properties.iter().any(|(other, _)| other == name) {
                self.mismatch(&format!("{path}.{name}"), "not in the reference");
            }
        }
        for (name, _) in &reference_properties {
            let present = weft_properties.iter().any(|(other, _)| other == name);
            match (present, reference_required.contains(*name)) {
                (false, true) => {
                    self.mismatch(&format!("{path}.{name}"), "required, weft lacks it")
                }
                (false, false) => self.findings.omissions.push(format!("{path}.{name}")),
                (true, true) if !weft_required.contains(*name) => self.mismatch(
                    &format!("{path}.{name}"),
                    "required by the reference, optional in weft",
                ),
                _ => {}
            }
        }
        let reference_names: BTreeSet<&str> =
            reference_properties.iter().map(|(name, _)| *name).collect();
        for name in weft_required.difference(&reference_required) {
            if !reference_names.contains(name.as_str()) {
                continue;
            }
            self.mismatch(
                &format!("{path}.{name}"),
                "required by weft, optional in the reference",
            );
        }
        for (name, weft_property) in weft_properties {
            if name == "type" {
                continue;
            }
            if let Some((_, reference_property)) = reference_properties
                .iter()
                .find(|(other, _)| *other == name)
            {
                self.compare(
                    weft_property,
                    reference_property,
                    &format!("{path}.{name}"),
                    dir,
                );
            }
        }
    }

    fn weft_tag(&self, variant: &Value) -> Option<String> {
        tag(resolve(self.weft, variant))
    }

    fn reference_tag(&self, variant: &Value) -> Option<String> {
        tag(resolve(self.reference, variant))
    }
}

impl Shape<'_> {
    fn kind(&self) -> &'static str {
        match self {
            Self::Any => "any",
            Self::Enum(_) => "enum",
            Self::Union(..) => "union",
            Self::Typed(_) => "typed",
        }
    }
}

/// Follows `$ref`s and single-entry `allOf` wrappers (schemars and the reference put
/// descriptions next to references that way).
fn resolve<'v>(bundle: &'v Value, mut schema: &'v Value) -> &'v Value {
    loop {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            match reference
                .strip_prefix('#')
                .and_then(|pointer| bundle.pointer(pointer))
            {
                Some(target) => schema = target,
                None => return schema,
            }
            continue;
        }
        match schema
            .get("allOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            Some([only]) if schema.get("properties").is_none() => schema = only,
            _ => return schema,
        }
    }
}

/// Nullability and shape of a resolved schema.
fn shape<'v>(bundle: &'v Value, schema: &'v Value) -> (bool, Shape<'v>) {
    const CONSTRAINING: &[&str] = &[
        "type",
        "$ref",
        "anyOf",
        "oneOf",
        "allOf",
        "enum",
        "const",
        "properties",
        "items",
    ];
    if schema.as_bool() == Some(true) || !CONSTRAINING.iter().any(|key| schema.get(key).is_some()) {
        return (true, Shape::Any);
    }
    let type_nullable = types_raw(schema).contains("null");
    if let Some(values) = enum_values(bundle, schema) {
        let nullable = type_nullable || values.contains(&None);
        return (
            nullable,
            Shape::Enum(values.into_iter().flatten().collect()),
        );
    }
    let Some(alternatives) = schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))
        .and_then(Value::as_array)
    else {
        return (type_nullable, Shape::Typed(schema));
    };
    let non_null: Vec<&Value> = alternatives
        .iter()
        .filter(|alternative| !is_null_schema(resolve(bundle, alternative)))
        .collect();
    let nullable = type_nullable || non_null.len() < alternatives.len();
    if let [only] = non_null.as_slice()
        && schema.get("properties").is_none()
    {
        let (inner_nullable, inner) = shape(bundle, resolve(bundle, only));
        return (nullable || inner_nullable, inner);
    }
    (nullable, Shape::Union(schema, non_null))
}

fn is_null_schema(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
}

/// The strings (None for `null`) an enum-like schema allows: `enum`, `const`, or alternatives
/// that are all enum-like.
fn enum_values(bundle: &Value, schema: &Value) -> Option<BTreeSet<Option<String>>> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values
            .iter()
            .map(|value| match value {
                Value::String(text) => Some(Some(text.clone())),
                Value::Null => Some(None),
                _ => None,
            })
            .collect();
    }
    if let Some(value) = schema.get("const").and_then(Value::as_str) {
        return Some(BTreeSet::from([Some(value.to_owned())]));
    }
    let alternatives = schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))?
        .as_array()?;
    let mut all = BTreeSet::new();
    for alternative in alternatives {
        let alternative = resolve(bundle, alternative);
        if is_null_schema(alternative) {
            all.insert(None);
        } else {
            all.extend(enum_values(bundle, alternative)?);
        }
    }
    Some(all)
}

fn types_raw(schema: &Value) -> BTreeSet<String> {
    match schema.get("type") {
        Some(Value::String(ty)) => BTreeSet::from([ty.clone()]),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => BTreeSet::new(),
    }
}

/// The JSON types of a schema, without `null`.
fn types(schema: &Value) -> BTreeSet<String> {
    let mut types = types_raw(schema);
    types.remove("null");
    types
}

fn is_plain_string(schema: &Value) -> bool {
    types(schema) == BTreeSet::from(["string".to_owned()])
        && schema.get("properties").is_none()
        && schema.get("items").is_none()
}

/// An object schema with no declared members that takes any members (a JSON map).
fn is_free_object(schema: &Value) -> bool {
    types(schema) == BTreeSet::from(["object".to_owned()])
        && schema.get("properties").is_none()
        && schema
            .get("additionalProperties")
            .is_none_or(|values| values.as_bool() == Some(true))
}

/// The single value of a variant's `type` tag (`const` or one-element `enum`).
fn tag(variant: &Value) -> Option<String> {
    let tag = variant.get("properties")?.get("type")?;
    if let Some(value) = tag.get("const").and_then(Value::as_str) {
        return Some(value.to_owned());
    }
    match tag.get("enum")?.as_array()?.as_slice() {
        [Value::String(value)] => Some(value.clone()),
        _ => None,
    }
}

/// Whether two alternatives describe the same kind of value (for untagged unions).
fn same_kind(weft: &Value, reference: &Value, diff: &SchemaDiff<'_>) -> bool {
    let weft_enum = enum_values(diff.weft, weft).is_some();
    let reference_enum = enum_values(diff.reference, reference).is_some();
    if weft_enum || reference_enum {
        return weft_enum && reference_enum;
    }
    let weft_names: BTreeSet<&str> = properties(weft).into_iter().map(|(name, _)| name).collect();
    if !weft_names.is_empty() {
        let reference_names = properties(reference);
        return reference_names
            .iter()
            .any(|(name, _)| weft_names.contains(name));
    }
    !types(weft).is_disjoint(&types(reference))
}

fn properties(schema: &Value) -> Vec<(&str, &Value)> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|properties| {
            properties
                .iter()
                .map(|(name, schema)| (name.as_str(), schema))
                .collect()
        })
        .unwrap_or_default()
}

/// Properties of an object schema including those its own untagged `anyOf` / `oneOf`
/// alternatives add (the reference writes "url or fileId" that way); tagged variants are
/// compared one by one instead.
fn property_universe<'v>(bundle: &'v Value, schema: &'v Value) -> Vec<(&'v str, &'v Value)> {
    let mut all = properties(schema);
    for key in ["anyOf", "oneOf"] {
        let alternatives = schema.get(key).and_then(Value::as_array);
        for alternative in alternatives.into_iter().flatten() {
            let alternative = resolve(bundle, alternative);
            if tag(alternative).is_some() {
                continue;
            }
            for (name, property) in properties(alternative) {
                if !all.iter().any(|(other, _)| *other == name) {
                    all.push((name, property));
                }
            }
        }
    }
    all
}

fn required(schema: &Value) -> BTreeSet<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|names| {
            names
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

mod tests;
