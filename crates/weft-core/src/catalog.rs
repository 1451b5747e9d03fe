//! The catalog reads the Codex TUI makes at start-up: `skills/list`, `hooks/list`,
//! `collaborationMode/list` and `account/bedrock/checkGovCloudRequirements`.
//!
//! Skills are found the way the reference 0.169.0 finds them (its `core-skills` loader), limited
//! to the scopes weft has: **user** skills under `$CODEX_HOME/skills` and `$HOME/.agents/skills`,
//! and **repo** skills under `<dir>/.codex/skills` and `<dir>/.agents/skills` for every folder
//! from the project root (the nearest ancestor holding a `project_root_markers` entry, `.git` by
//! default) down to the requested cwd. Each root is walked breadth-first, skipping hidden entries,
//! following symlinked folders, to [`SKILL_SCAN_DEPTH_MAX`] levels and [`SKILL_SCAN_DIRS_MAX`]
//! folders; every `SKILL.md` found is parsed, and a malformed one becomes an `errors` entry with
//! the reference's message. weft bundles no system skills and reads no admin (`/etc/codex`) layer.
//!
//! Scanning is blocking file IO, so it runs on the blocking pool; there is no cache, so
//! `forceReload` changes nothing (every call rescans).

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use weft_protocol::RpcError;

use crate::config::CoreConfig;
use crate::core::Core;
use crate::limits::{
    SKILL_DESCRIPTION_CHARS_MAX, SKILL_FILE_READ_BYTES_MAX, SKILL_NAME_CHARS_MAX,
    SKILL_SCAN_DEPTH_MAX, SKILL_SCAN_DIRS_MAX, SKILLS_LIST_CWDS_MAX,
};

/// The file that makes a folder a skill.
const SKILL_FILE_NAME: &str = "SKILL.md";
/// Project root markers when the config sets no `project_root_markers` (the reference's default).
const DEFAULT_PROJECT_ROOT_MARKERS: &[&str] = &[".git"];

/// `skills/list` params (`SkillsListParams.json`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SkillsListParams {
    #[serde(default)]
    cwds: Vec<String>,
    #[serde(default)]
    force_reload: bool,
}

/// `hooks/list` params (`HooksListParams.json`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HooksListParams {
    #[serde(default)]
    cwds: Vec<String>,
    #[serde(default)]
    thread_id: Option<String>,
}

impl Core {
    /// `skills/list`: for each requested cwd (default: the server's cwd) the user and repo skills
    /// found on disk and the `SKILL.md` files that could not be read, as
    /// `{data: [{cwd, skills, errors}]}` in the order of `cwds`. A skill is `enabled` unless a
    /// `[[skills.config]]` entry of config.toml names its path with `enabled = false`.
    ///
    /// # Errors
    /// Params of the wrong shape (`-32600 Invalid request: …`, like other bad params), more than
    /// [`SKILLS_LIST_CWDS_MAX`] cwds (`-32602`), a scan task that died (`-32603`).
    pub async fn skills_list(&self, params: &Value) -> Result<Value, RpcError> {
        let params: SkillsListParams = parse_params(params)?;
        if params.cwds.len() > SKILLS_LIST_CWDS_MAX {
            return Err(RpcError::invalid_params(format!(
                "skills/list takes at most {SKILLS_LIST_CWDS_MAX} cwds, got {}",
                params.cwds.len()
            )));
        }
        tracing::debug!(
            force_reload = params.force_reload,
            "skills/list rescans on every call"
        );
        let config = self.catalog_config();
        let cwds = if params.cwds.is_empty() {
            vec![config.server_cwd.display().to_string()]
        } else {
            params.cwds
        };
        tokio::task::spawn_blocking(move || {
            let scan = SkillScan::new(&config);
            let data: Vec<Value> = cwds
                .iter()
                .map(|cwd| scan.entry(cwd, &config.server_cwd))
                .collect();
            json!({ "data": data })
        })
        .await
        .map_err(|err| RpcError::internal(format!("failed to list skills: {err}")))
    }

    /// `hooks/list`: weft runs no hooks, so each requested cwd (default: the server's cwd) has
    /// none: `{cwd, hooks: [], warnings: [], errors: []}`. When config.toml has a `[hooks]`
    /// table, each entry warns that weft ignores it, so a client does not show the hooks as
    /// missing by mistake.
    ///
    /// # Errors
    /// Params of the wrong shape (`-32600`); `threadId` (listing a loaded thread's hooks) is
    /// `-32601 … is not supported yet`.
    pub fn hooks_list(&self, params: &Value) -> Result<Value, RpcError> {
        let params: HooksListParams = parse_params(params)?;
        if params.thread_id.is_some() {
            return Err(RpcError::not_supported_yet("hooks/list with threadId"));
        }
        let config = self.catalog_config();
        let cwds = if params.cwds.is_empty() {
            vec![config.server_cwd.display().to_string()]
        } else {
            params.cwds
        };
        let warnings: Vec<String> = if config.effective.contains_key("hooks") {
            vec![format!(
                "weft does not run hooks: [hooks] in {} is ignored",
                config.home.join("config.toml").display()
            )]
        } else {
            Vec::new()
        };
        let data: Vec<Value> = cwds
            .into_iter()
            .map(|cwd| json!({"cwd": cwd, "hooks": [], "warnings": warnings, "errors": []}))
            .collect();
        Ok(json!({ "data": data }))
    }

    /// `collaborationMode/list` (experimental): the presets the reference 0.169.0 offers, in its
    /// order: `Plan` (medium reasoning effort) and `Default`, each a `CollaborationModeMask`
    /// (`{name, mode, model, reasoning_effort}`; the wire spells the last one in snake_case).
    /// weft knows both modes (`ThreadSettings::collaboration_mode`); neither pins a model.
    #[must_use]
    pub fn collaboration_mode_list(&self) -> Value {
        json!({
            "data": [
                {"name": "Plan", "mode": "plan", "model": null, "reasoning_effort": "medium"},
                {"name": "Default", "mode": "default", "model": null, "reasoning_effort": null},
            ]
        })
    }

    /// `account/bedrock/checkGovCloudRequirements` (experimental): weft has no Amazon Bedrock
    /// provider, and the reference answers a non-Bedrock provider with "not GovCloud, nothing to
    /// warn about".
    #[must_use]
    pub fn bedrock_check_gov_cloud_requirements(&self) -> Value {
        json!({"isGovCloud": false, "shouldWarn": false})
    }

    /// The settings the catalog reads; one place, so the core's internals can move.
    fn catalog_config(&self) -> Arc<CoreConfig> {
        Arc::clone(&self.services().config)
    }
}

/// Params as the method's struct; `null` or absent params mean the defaults.
fn parse_params<T: DeserializeOwned + Default>(params: &Value) -> Result<T, RpcError> {
    if params.is_null() {
        return Ok(T::default());
    }
    T::deserialize(params).map_err(|err| RpcError::unparsable_request(&err.to_string()))
}

/// Where skills come from; the order is the listing order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Scope {
    Repo,
    User,
}

impl Scope {
    fn wire(self) -> &'static str {
        match self {
            Self::Repo => "repo",
            Self::User => "user",
        }
    }
}

/// One folder skills are looked for under.
#[derive(Debug)]
struct SkillRoot {
    path: PathBuf,
    scope: Scope,
}

/// A parsed skill.
#[derive(Debug)]
struct Skill {
    name: String,
    description: String,
    short_description: Option<String>,
    path: PathBuf,
    scope: Scope,
}

/// What the scan of one cwd found.
#[derive(Debug, Default)]
struct Outcome {
    skills: Vec<Skill>,
    /// `(SKILL.md path, message)`.
    errors: Vec<(PathBuf, String)>,
}

/// The settings a scan needs, copied out of the core config for the blocking task.
#[derive(Debug)]
struct SkillScan {
    codex_home: PathBuf,
    user_home: Option<PathBuf>,
    project_root_markers: Vec<String>,
    /// Canonical `SKILL.md` paths disabled by `[[skills.config]]`.
    disabled: HashSet<PathBuf>,
}

impl SkillScan {
    fn new(config: &CoreConfig) -> Self {
        Self {
            codex_home: config.home.clone(),
            user_home: std::env::var_os("HOME")
                .filter(|home| !home.is_empty())
                .map(PathBuf::from),
            project_root_markers: project_root_markers(&config.effective),
            disabled: disabled_skill_paths(&config.effective, &config.home),
        }
    }

    /// The `SkillsListEntry` of one requested cwd; `cwd` is echoed as the client sent it.
    fn entry(&self, cwd: &str, server_cwd: &Path) -> Value {
        let absolute = normalize_lexically(&server_cwd.join(cwd));
        let mut outcome = Outcome::default();
        for root in self.roots(&absolute) {
            discover(&root, &mut outcome);
        }
        let mut seen = HashSet::new();
        outcome
            .skills
            .retain(|skill| seen.insert(skill.path.clone()));
        outcome
            .skills
            .sort_by(|a, b| (a.scope, &a.name, &a.path).cmp(&(b.scope, &b.name, &b.path)));
        let skills: Vec<Value> = outcome
            .skills
            .iter()
            .map(|skill| self.skill_json(skill))
            .collect();
        let errors: Vec<Value> = outcome
            .errors
            .iter()
            .map(|(path, message)| json!({"path": path.display().to_string(), "message": message}))
            .collect();
        json!({"cwd": cwd, "skills": skills, "errors": errors})
    }

    fn skill_json(&self, skill: &Skill) -> Value {
        let mut object = Map::new();
        object.insert("name".to_owned(), skill.name.clone().into());
        object.insert("description".to_owned(), skill.description.clone().into());
        if let Some(short) = &skill.short_description {
            object.insert("shortDescription".to_owned(), short.clone().into());
        }
        object.insert("path".to_owned(), skill.path.display().to_string().into());
        object.insert("scope".to_owned(), skill.scope.wire().into());
        object.insert(
            "enabled".to_owned(),
            (!self.disabled.contains(&skill.path)).into(),
        );
        Value::Object(object)
    }

    /// The skill roots of `cwd`, in the reference's order (project `.codex` folders nearest
    /// first, the user roots, then the `.agents` folders from the project root down), without
    /// duplicates. Roots that do not exist are dropped by [`discover`].
    fn roots(&self, cwd: &Path) -> Vec<SkillRoot> {
        let project_dirs = self.project_dirs(cwd);
        let codex_home = canonical_or_same(&self.codex_home);
        let mut roots = Vec::new();
        for dir in project_dirs.iter().rev() {
            let dot_codex = dir.join(".codex");
            // `$CODEX_HOME` itself is the user layer, never a project one.
            if dot_codex.is_dir() && canonical_or_same(&dot_codex) != codex_home {
                roots.push(SkillRoot {
                    path: dot_codex.join("skills"),
                    scope: Scope::Repo,
                });
            }
        }
        roots.push(SkillRoot {
            path: self.codex_home.join("skills"),
            scope: Scope::User,
        });
        if let Some(home) = &self.user_home {
            roots.push(SkillRoot {
                path: home.join(".agents").join("skills"),
                scope: Scope::User,
            });
        }
        for dir in &project_dirs {
            roots.push(SkillRoot {
                path: dir.join(".agents").join("skills"),
                scope: Scope::Repo,
            });
        }
        let mut seen = HashSet::new();
        roots.retain(|root| seen.insert(root.path.clone()));
        roots
    }

    /// The folders from the project root down to `cwd`, both included; just `cwd` when no
    /// ancestor holds a marker.
    fn project_dirs(&self, cwd: &Path) -> Vec<PathBuf> {
        let root = cwd
            .ancestors()
            .find(|dir| {
                self.project_root_markers
                    .iter()
                    .any(|marker| dir.join(marker).symlink_metadata().is_ok())
            })
            .unwrap_or(cwd);
        let mut dirs: Vec<PathBuf> = Vec::new();
        for dir in cwd.ancestors() {
            dirs.push(dir.to_path_buf());
            if dir == root {
                break;
            }
        }
        dirs.reverse();
        dirs
    }
}

/// `project_root_markers` of config.toml, else `.git`. An empty list makes every cwd its own
/// project root, as in the reference.
fn project_root_markers(effective: &Map<String, Value>) -> Vec<String> {
    match effective
        .get("project_root_markers")
        .and_then(Value::as_array)
    {
        Some(markers) => markers
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        None => DEFAULT_PROJECT_ROOT_MARKERS
            .iter()
            .map(|marker| (*marker).to_owned())
            .collect(),
    }
}

/// `[[skills.config]]` entries (`path`, `enabled`) of config.toml: the paths whose last entry
/// says `enabled = false`, canonical like the listed paths. Relative paths are relative to the
/// config file's folder; entries without both keys are skipped.
fn disabled_skill_paths(effective: &Map<String, Value>, home: &Path) -> HashSet<PathBuf> {
    let entries = effective
        .get("skills")
        .and_then(|skills| skills.get("config"))
        .and_then(Value::as_array);
    let mut enabled_by_path: HashMap<PathBuf, bool> = HashMap::new();
    for entry in entries.into_iter().flatten() {
        let path = entry.get("path").and_then(Value::as_str);
        let enabled = entry.get("enabled").and_then(Value::as_bool);
        if let (Some(path), Some(enabled)) = (path, enabled) {
            enabled_by_path.insert(canonical_or_same(&home.join(path)), enabled);
        }
    }
    enabled_by_path
        .into_iter()
        .filter_map(|(path, enabled)| (!enabled).then_some(path))
        .collect()
}

/// Walks one root breadth-first and adds its skills and errors to `outcome`.
fn discover(root: &SkillRoot, outcome: &mut Outcome) {
    let Ok(root_path) = std::fs::canonicalize(&root.path) else {
        return;
    };
    if !root_path.is_dir() {
        return;
    }
    let mut visited: HashSet<PathBuf> = HashSet::from([root_path.clone()]);
    let mut queue: VecDeque<(PathBuf, usize)> = VecDeque::from([(root_path.clone(), 0)]);
    let mut truncated = false;
    while let Some((dir, depth)) = queue.pop_front() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(err) => {
                tracing::warn!(dir = %dir.display(), %err, "cannot read a skills folder");
                continue;
            }
        };
        for entry in entries.flatten() {
            let file_name = entry.file_name();
            let Some(name) = file_name.to_str() else {
                continue;
            };
            if name.starts_with('.') {
                continue;
            }
            let path = dir.join(name);
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            // Folders (and symlinks to folders) are queued by their canonical path, so a link
            // loop or two links to one folder are walked once.
            let is_dir = file_type.is_dir() || (file_type.is_symlink() && path.is_dir());
            if is_dir {
                if depth >= SKILL_SCAN_DEPTH_MAX {
                    continue;
                }
                if visited.len() >= SKILL_SCAN_DIRS_MAX {
                    truncated = true;
                    continue;
                }
                let resolved = canonical_or_same(&path);
                if visited.insert(resolved.clone()) {
                    queue.push_back((resolved, depth + 1));
                }
            } else if file_type.is_file() && name == SKILL_FILE_NAME {
                match parse_skill_file(&path, root.scope) {
                    Ok(skill) => outcome.skills.push(skill),
                    Err(message) => outcome.errors.push((path, message)),
                }
            }
        }
    }
    if truncated {
        tracing::warn!(
            root = %root_path.display(),
            "skills scan stopped after {SKILL_SCAN_DIRS_MAX} folders"
        );
    }
}

/// Reads and validates one `SKILL.md`; the error is the reference's message for the file.
fn parse_skill_file(path: &Path, scope: Scope) -> Result<Skill, String> {
    let contents = read_prefix(path).map_err(|err| format!("failed to read file: {err}"))?;
    let front_matter = extract_front_matter(&contents)
        .ok_or_else(|| "missing YAML frontmatter delimited by ---".to_owned())?;
    let fields =
        front_matter::parse(&front_matter).map_err(|err| format!("invalid YAML: {err}"))?;
    let name = front_matter::string_field(&fields, "name")
        .map_err(|err| format!("invalid YAML: {err}"))?
        .map(|name| single_line(&name))
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| default_skill_name(path));
    let description = front_matter::string_field(&fields, "description")
        .map_err(|err| format!("invalid YAML: {err}"))?
        .map(|description| single_line(&description))
        .unwrap_or_default();
    let short_description = front_matter::short_description(&fields)
        .map_err(|err| format!("invalid YAML: {err}"))?
        .map(|short| single_line(&short))
        .filter(|short| !short.is_empty());
    check_length(&name, SKILL_NAME_CHARS_MAX, "name")?;
    check_length(&description, SKILL_DESCRIPTION_CHARS_MAX, "description")?;
    if let Some(short) = &short_description {
        check_length(
            short,
            SKILL_DESCRIPTION_CHARS_MAX,
            "metadata.short-description",
        )?;
    }
    Ok(Skill {
        name,
        description,
        short_description,
        path: canonical_or_same(path),
        scope,
    })
}

/// The first [`SKILL_FILE_READ_BYTES_MAX`] bytes of a file as text. A multi-byte character cut
/// by the limit is dropped; invalid UTF-8 before it fails like `read_to_string`.
fn read_prefix(path: &Path) -> std::io::Result<String> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(SKILL_FILE_READ_BYTES_MAX)
        .read_to_end(&mut bytes)?;
    let truncated = bytes.len() as u64 == SKILL_FILE_READ_BYTES_MAX;
    let invalid = || {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    };
    match String::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(err) if truncated && err.utf8_error().error_len().is_none() => {
            let valid = err.utf8_error().valid_up_to();
            let mut bytes = err.into_bytes();
            bytes.truncate(valid);
            String::from_utf8(bytes).map_err(|_| invalid())
        }
        Err(_) => Err(invalid()),
    }
}

/// The lines between a first line `---` and the next `---`; `None` without both or when empty.
fn extract_front_matter(contents: &str) -> Option<String> {
    let mut lines = contents.lines();
    if lines.next().map(str::trim) != Some("---") {
        return None;
    }
    let mut front_matter: Vec<&str> = Vec::new();
    for line in lines {
        if line.trim() == "---" {
            return (!front_matter.is_empty()).then(|| front_matter.join("\n"));
        }
        front_matter.push(line);
    }
    None
}

/// The name of a skill whose front matter has none: its folder's name.
fn default_skill_name(path: &Path) -> String {
    path.parent()
        .and_then(Path::file_name)
        .and_then(|name| name.to_str())
        .map(single_line)
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "skill".to_owned())
}

/// Whitespace runs (newlines included) collapsed to one space, ends trimmed.
fn single_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The reference's field checks: present (non-empty) and at most `max` characters.
fn check_length(value: &str, max: usize, field: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err(format!("missing field `{field}`"));
    }
    if value.chars().count() > max {
        return Err(format!(
            "invalid {field}: exceeds maximum length of {max} characters"
        ));
    }
    Ok(())
}

/// The canonical path, or the path as given when it cannot be resolved.
fn canonical_or_same(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// `.` and `..` removed without touching the disk (an absolute, normalised path, like the
/// reference's `AbsolutePathBuf`).
fn normalize_lexically(path: &Path) -> PathBuf {
    let mut normalized = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                normalized.pop();
            }
            other => normalized.push(other.as_os_str()),
        }
    }
    normalized
}

mod front_matter;
