//! Errors of target resolution.

/// A target could not be resolved or set up.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// The settings are wrong (exit code 2).
    #[error("invalid target setting {name}: {message}")]
    Config {
        /// Flag or environment variable.
        name: &'static str,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// `--browser-check` cannot start Chromium (exit code 3).
    #[error("the browser check cannot run: {message}")]
    Browser {
        /// What failed and how to fix it (install Chromium, …).
        message: String,
    },
    /// The target could not be brought up (exit code 3).
    #[error("failed to set up the {target} target: {message}")]
    Setup {
        /// Which target.
        target: &'static str,
        /// What failed and what to do.
        message: String,
    },
}

impl TargetError {
    /// `OPENAPP_CA_CERT` holds no usable certificate.
    pub fn ca_cert(message: String) -> Self {
        TargetError::Config {
            name: crate::settings::CA_CERT_VAR,
            message,
        }
    }

    /// The process exit code this error maps to.
    pub fn exit_code(&self) -> u8 {
        match self {
            TargetError::Config { .. } => crate::exit::USAGE,
            TargetError::Setup { .. } | TargetError::Browser { .. } => crate::exit::SETUP,
        }
    }
}
