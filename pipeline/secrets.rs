//! Secrets come from the environment or a systemd credential, never from the config file
//! (which only names them) and never into a log line, manifest or error message.

use std::path::PathBuf;

/// A secret that could not be read; the message names where it was looked for, never the
/// secret.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct SecretError(pub String);

/// Reads the secret named by an environment variable or a systemd credential (the file of
/// that name in `$CREDENTIALS_DIRECTORY`, as `LoadCredential=` provides it). `what` names
/// it in errors, e.g. `bearer token`.
pub fn read(
    env: Option<&str>,
    credential: Option<&str>,
    what: &str,
) -> Result<String, SecretError> {
    if let Some(var) = env {
        return std::env::var(var)
            .map(|s| s.trim().to_string())
            .map_err(|_| SecretError(format!("{what}: environment variable {var} is not set")));
    }
    if let Some(name) = credential {
        let dir = std::env::var_os("CREDENTIALS_DIRECTORY").ok_or_else(|| {
            SecretError(format!(
                "{what}: credential '{name}' needs systemd's CREDENTIALS_DIRECTORY (LoadCredential=)"
            ))
        })?;
        let path = PathBuf::from(dir).join(name);
        return std::fs::read_to_string(&path)
            .map(|s| s.trim().to_string())
            .map_err(|e| SecretError(format!("{what}: credential {}: {e}", path.display())));
    }
    Err(SecretError(format!(
        "{what}: name an environment variable or a systemd credential"
    )))
}
