//! Scenario files: the format ([`model`]), parsing ([`parse()`]), semantic checks
//! ([`validate`]), `{{variable}}` templates ([`template`]) and loading a directory of them
//! ([`load_dir`]) into [`Scenario`]s.
//!
//! Every problem in a file is a [`ScenarioError`] located at file:line:column.

pub mod error;
#[cfg(test)]
mod fixtures;
mod load;
pub mod model;
pub mod parse;
pub use crate::plan::template;
pub mod validate;
mod validated;

pub use error::ScenarioError;
pub use load::{LoadError, Loaded, MAX_FILE_SIZE, load_dir};
pub use parse::parse;
pub use validated::{Scenario, requirements};

#[cfg(test)]
mod tests;
