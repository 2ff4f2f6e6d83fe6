//! The resolved Plan the runner executes ([`model`]), and how validated scenario files become
//! one ([`resolve()`], [`load_dir`]).
//!
//! ```text
//! scenarios/**/*.toml ──scenario::load_dir (parse + validate)──▶ scenario::Scenario
//!                     ──resolve──▶ plan::Scenario { steps: [Step { client, action, expect, capture }] }
//! ```
//! Nothing downstream of the plan (`run`, `report`, `suite`, `load`) sees the TOML file model.

mod load;
pub mod model;
mod resolve;
pub mod template;

pub use load::{Loaded, load_dir};
pub use model::{Action, Expectations, Scenario, Step};
pub use resolve::resolve;
