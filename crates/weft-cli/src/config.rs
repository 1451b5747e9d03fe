//! `config.toml` in the home folder, `-c key=value` overrides, and the resolution of both into
//! the core's settings and model clients.
//!
//! Keys are the reference's (core.md §5.9). Unknown keys are kept (they show in `config/read`)
//! but otherwise ignored.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use serde::Deserialize;
use weft_core::CoreConfig;
use weft_core::config::{GoalsConfig, THREAD_UNLOAD_DELAY_DEFAULT};
use weft_model::{HttpModelClient, ModelClient, ProviderConfig, ScriptedModelClient};
use weft_protocol::v2::{
    ApprovalPolicyName, AskForApproval, ReasoningSummary, SandboxMode, SandboxPolicy,
};

mod invalid;

/// The built-in offline provider id.
pub const SCRIPTED_PROVIDER: &str = "scripted";
/// The built-in OpenAI provider id.
pub const OPENAI_PROVIDER: &str = "openai";
/// The model the OpenAI provider uses unless configured.
pub const OPENAI_DEFAULT_MODEL: &str = "gpt-5.2-codex";

/// The keys of `config.toml` weft reads.
#[derive(Debug, Default, Deserialize)]
struct ConfigFile {
    model: Option<String>,
    model_provider: Option<String>,
    model_reasoning_effort: Option<String>,
    model_reasoning_summary: Option<ReasoningSummary>,
    model_context_window: Option<i64>,
    approval_policy: Option<ApprovalPolicyName>,
    sandbox_mode: Option<SandboxMode>,
    developer_instructions: Option<String>,
    instructions: Option<String>,
    model_instructions_file: Option<PathBuf>,
    shutdown_drain_secs: Option<u64>,
    thread_unload_delay_secs: Option<u64>,
    #[serde(default)]
    durable_approvals: bool,
    #[serde(default)]
    sandbox_workspace_write: SandboxWorkspaceWrite,
    #[serde(default)]
    include_apply_patch_tool: bool,
    #[serde(default)]
    include_plan_tool: bool,
    #[serde(default)]
    model_providers: HashMap<String, toml::Table>,
    #[serde(default)]
    features: Features,
}

/// `[features]`: weft reads `goals` (other flags are kept for `config/read` only).
#[derive(Debug, Default, Deserialize)]
struct Features {
    /// Thread goals; on unless `false`, as in the reference 0.169.0.
    goals: Option<bool>,
}

/// `[sandbox_workspace_write]` (core.md §4.1).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct SandboxWorkspaceWrite {
    writable_roots: Vec<String>,
    network_access: bool,
    exclude_tmpdir_env_var: bool,
    exclude_slash_tmp: bool,
}

/// How long a stopping server waits for running turns before interrupting them, unless
/// `shutdown_drain_secs` says otherwise (lifecycle.md R36).
pub const SHUTDOWN_DRAIN_DEFAULT: std::time::Duration = std::time::Duration::from_secs(30);

/// The home folder: `$WEFT_HOME`, else `$CODEX_HOME`, else `~/.weft`.
pub fn home_dir(flag: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(path) = flag {
        return Ok(path.to_path_buf());
    }
    for variable in ["WEFT_HOME", "CODEX_HOME"] {
        if let Some(value) = std::env::var_os(variable).filter(|value| !value.is_empty()) {
            return Ok(PathBuf::from(value));
        }
    }
    let home = std::env::var_os("HOME").context("neither WEFT_HOME, CODEX_HOME nor HOME is set")?;
    Ok(PathBuf::from(home).join(".weft"))
}

/// Reads `config.toml` (absent = empty), applies the `-c key=value` overrides and resolves the
/// result. A `config.toml` that cannot be used — bad TOML, a value of the wrong type or range,
/// a setting that does not resolve — does not stop the server (lifecycle.md R13, as the
/// reference): it runs on the defaults plus the overrides, logs the problem naming the key, and
/// records it in [`CoreConfig::invalid_config`] so clients are warned and `thread/start` fails.
///
/// # Errors
/// An unreadable `config.toml`, bad `-c` overrides, or defaults that do not resolve either.
pub fn load(home: PathBuf, overrides: &[String]) -> anyhow::Result<Resolved> {
    let path = home.join("config.toml");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", path.display())),
    };
    let problem = match text.parse::<toml::Table>() {
        Ok(file_table) => {
            let table = with_overrides(file_table, overrides)?;
            match resolve(home.clone(), &table) {
                Ok(resolved) => return Ok(resolved),
                Err(err) => invalid::locate::<ConfigFile>(&path, &text, &err),
            }
        }
        Err(err) => invalid::from_toml(&path, &text, &err),
    };
    tracing::error!(
        key = problem.key.as_deref().unwrap_or("unknown"),
        details = %problem.invalid.details,
        "{}",
        weft_core::config::INVALID_CONFIG_SUMMARY
    );
    let table = with_overrides(toml::Table::new(), overrides)?;
    let mut resolved = resolve(home, &table).with_context(|| {
        format!(
            "invalid configuration ({}), and the defaults with the -c overrides do not resolve either",
            problem.invalid.details
        )
    })?;
    resolved.core.invalid_config = Some(problem.invalid);
    Ok(resolved)
}

/// `table` with the `-c key=value` overrides applied.
fn with_overrides(mut table: toml::Table, overrides: &[String]) -> anyhow::Result<toml::Table> {
    for entry in overrides {
        let (key, value) = entry
            .split_once('=')
            .with_context(|| format!("-c expects key=value, got `{entry}`"))?;
        set_dotted(&mut table, key.trim(), parse_value(value.trim()))?;
    }
    Ok(table)
}

/// A `-c` value: TOML when it parses as one, else a plain string.
fn parse_value(text: &str) -> toml::Value {
    format!("value = {text}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut table| table.remove("value"))
        .unwrap_or_else(|| toml::Value::String(text.to_owned()))
}

fn set_dotted(table: &mut toml::Table, key: &str, value: toml::Value) -> anyhow::Result<()> {
    let mut parts: Vec<&str> = key.split('.').collect();
    let Some(last) = parts.pop() else {
        bail!("empty -c key")
    };
    let mut current = table;
    for part in parts {
        let entry = current
            .entry(part.to_owned())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        current = entry
            .as_table_mut()
            .with_context(|| format!("-c {key}: `{part}` is not a table"))?;
    }
    current.insert(last.to_owned(), value);
    Ok(())
}

/// Everything `main` needs to build the core.
pub struct Resolved {
    /// Core settings.
    pub core: CoreConfig,
    /// One client per configured provider id.
    pub models: HashMap<String, Arc<ModelClient>>,
    /// Drain deadline at shutdown.
    pub shutdown_drain: std::time::Duration,
}

/// Resolves the table into core settings and model clients.
fn resolve(home: PathBuf, table: &toml::Table) -> anyhow::Result<Resolved> {
    let file: ConfigFile = toml::Value::Table(table.clone())
        .try_into()
        .context("invalid config.toml")?;
    let models = providers(&file)?;
    let default_provider = if std::env::var_os("OPENAI_API_KEY").is_some_and(|key| !key.is_empty())
    {
        OPENAI_PROVIDER
    } else {
        SCRIPTED_PROVIDER
    };
    let model_provider = file
        .model_provider
        .clone()
        .unwrap_or_else(|| default_provider.to_owned());
    if !models.contains_key(&model_provider) {
        bail!(
            "model_provider `{model_provider}` is not defined; add [model_providers.{model_provider}] to config.toml"
        );
    }
    let model = file.model.clone().unwrap_or_else(|| {
        if model_provider == SCRIPTED_PROVIDER {
            "scripted".to_owned()
        } else {
            OPENAI_DEFAULT_MODEL.to_owned()
        }
    });
    let base_instructions = match (&file.instructions, &file.model_instructions_file) {
        (Some(text), _) => Some(text.clone()),
        (None, Some(path)) => {
            Some(std::fs::read_to_string(home.join(path)).with_context(|| {
                format!("cannot read model_instructions_file {}", path.display())
            })?)
        }
        (None, None) => None,
    };
    let mut effective = serde_json::to_value(table)
        .ok()
        .and_then(|value| value.as_object().cloned())
        .unwrap_or_default();
    effective.insert("model".to_owned(), model.clone().into());
    effective.insert("model_provider".to_owned(), model_provider.clone().into());
    effective
        .entry("approval_policy")
        .or_insert_with(|| "on-request".into());
    effective
        .entry("sandbox_mode")
        .or_insert_with(|| "workspace-write".into());
    let origins = origins(&home, &effective);
    let server_cwd = std::env::current_dir().context("cannot read the current directory")?;
    Ok(Resolved {
        core: CoreConfig {
            home,
            server_cwd,
            model: model.clone(),
            model_provider,
            approval_policy: AskForApproval::Policy(
                file.approval_policy
                    .unwrap_or(ApprovalPolicyName::OnRequest),
            ),
            sandbox_mode: file.sandbox_mode.unwrap_or(SandboxMode::WorkspaceWrite),
            reasoning_effort: file.model_reasoning_effort,
            reasoning_summary: file.model_reasoning_summary,
            developer_instructions: file.developer_instructions,
            base_instructions,
            model_context_window: file.model_context_window,
            effective,
            origins,
            models: vec![model],
            workspace_write: SandboxPolicy::WorkspaceWrite {
                writable_roots: file.sandbox_workspace_write.writable_roots.clone(),
                network_access: file.sandbox_workspace_write.network_access,
                exclude_tmpdir_env_var: file.sandbox_workspace_write.exclude_tmpdir_env_var,
                exclude_slash_tmp: file.sandbox_workspace_write.exclude_slash_tmp,
            },
            include_apply_patch_tool: file.include_apply_patch_tool,
            include_plan_tool: file.include_plan_tool,
            sandbox_support: weft_sandbox::support(),
            thread_unload_delay: file
                .thread_unload_delay_secs
                .map_or(THREAD_UNLOAD_DELAY_DEFAULT, std::time::Duration::from_secs),
            goals: GoalsConfig {
                enabled: file.features.goals.unwrap_or(true),
                ..GoalsConfig::default()
            },
            durable_approvals: file.durable_approvals,
            transcript_kept_items: weft_core::limits::TRANSCRIPT_KEPT_ITEMS_MAX,
            invalid_config: None,
        },
        models,
        shutdown_drain: file
            .shutdown_drain_secs
            .map_or(SHUTDOWN_DRAIN_DEFAULT, std::time::Duration::from_secs),
    })
}

fn origins(
    home: &Path,
    effective: &serde_json::Map<String, serde_json::Value>,
) -> serde_json::Map<String, serde_json::Value> {
    let file = home.join("config.toml").display().to_string();
    effective
        .keys()
        .map(|key| {
            let origin = serde_json::json!({"name": {"type": "user", "file": file, "profile": null}, "version": "1"});
            (key.clone(), origin)
        })
        .collect()
}

/// Model clients: the built-ins (`scripted`, `openai`) plus every `[model_providers.<id>]`.
fn providers(file: &ConfigFile) -> anyhow::Result<HashMap<String, Arc<ModelClient>>> {
    let http = HttpModelClient::default_http_client().map_err(|err| anyhow::anyhow!("{err}"))?;
    let mut models = HashMap::new();
    models.insert(
        SCRIPTED_PROVIDER.to_owned(),
        Arc::new(ModelClient::from(ScriptedModelClient::new())),
    );
    let mut openai = ProviderConfig::openai();
    if let Some(base_url) =
        std::env::var_os("OPENAI_BASE_URL").and_then(|url| url.into_string().ok())
    {
        openai.base_url = base_url;
    }
    models.insert(
        OPENAI_PROVIDER.to_owned(),
        Arc::new(ModelClient::from(HttpModelClient::new(
            openai,
            http.clone(),
        ))),
    );
    for (id, table) in &file.model_providers {
        if let Some(wire_api) = table.get("wire_api").and_then(toml::Value::as_str)
            && wire_api != "responses"
        {
            bail!(
                "model_providers.{id}: wire_api = \"{wire_api}\" is not supported; switch it to \"responses\""
            );
        }
        let mut provider: ProviderConfig = toml::Value::Table(table.clone())
            .try_into()
            .with_context(|| format!("invalid [model_providers.{id}]"))?;
        provider.id.clone_from(id);
        if provider.base_url.is_empty() {
            bail!("model_providers.{id}: base_url is required");
        }
        models.insert(
            id.clone(),
            Arc::new(ModelClient::from(HttpModelClient::new(
                provider,
                http.clone(),
            ))),
        );
    }
    Ok(models)
}
