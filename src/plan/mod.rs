//! The resolved Plan the runner executes ([`model`]), and how validated scenario files become
//! one ([`resolve()`], [`load_dir`]).
//!
//! ```text
//! scenarios/**/*.toml ──scenario::load_dir (parse + validate)──▶ scenario::Scenario
//!                     ──resolve──▶ plan::Scenario { steps: [Step { client, action, expect, capture }] }
//! ```
//! Nothing downstream of the plan (`run`, `report`, `suite`, `load`) sees the TOML file model.
//! Values a file reads from named settings ([`settings`]) are resolved here, so the plan holds
//! plain values.

mod load;
pub mod model;
mod resolve;
pub mod settings;
pub mod template;

pub use load::{Loaded, load_dir, load_dir_with};
pub use model::{Action, Expectations, Scenario, Step, Within};
pub use resolve::{ResolveError, resolve};
pub use settings::Settings;
