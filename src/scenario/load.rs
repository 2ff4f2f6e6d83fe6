//! Loads every scenario file under a directory: [`load_dir`] → [`Loaded`].
//!
//! Bad files never stop the walk: each becomes an error for its path, so a run can report all
//! of them at once. Symbolic links to directories are not followed (no cycles); links to files
//! are read.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use super::error::ScenarioError;
use super::model::ScenarioFile;
use super::parse::parse;
use super::validated::Scenario;

/// The largest scenario file accepted, in bytes (1 MiB).
pub const MAX_FILE_SIZE: u64 = 1024 * 1024;

/// The scenarios of a directory, and the files that could not be loaded.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Valid scenarios, sorted by id.
    pub scenarios: Vec<Scenario>,
    /// `(id, error)` for every invalid file, sorted by id.
    pub errors: Vec<(String, ScenarioError)>,
}

/// The scenarios root itself cannot be walked.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The root does not exist.
    #[error("scenario directory `{}` does not exist", path.display())]
    Missing {
        /// The root as given.
        path: PathBuf,
    },
    /// The root is a file or something else that is not a directory.
    #[error("scenario root `{}` is not a directory", path.display())]
    NotADirectory {
        /// The root as given.
        path: PathBuf,
    },
    /// The root exists but cannot be read.
    #[error("failed to read scenario directory `{}`: {error}", path.display())]
    Unreadable {
        /// The root as given.
        path: PathBuf,
        /// Why.
        error: io::Error,
    },
    /// A named setting a scenario reads has an invalid value (found when the plan is
    /// resolved, `crate::plan::load_dir`): a configuration error, exit code 2.
    #[error("{source} (read by {})", path.display())]
    Setting {
        /// The scenario file that reads the setting.
        path: PathBuf,
        /// The variable, its value and the form expected.
        source: crate::plan::settings::SettingError,
    },
}

/// Loads every `*.toml` under `root` recursively, sorted by id.
///
/// Never panics. An invalid file, a directory named `x.toml`, an unreadable, non-UTF-8 or binary
/// file, or a file over [`MAX_FILE_SIZE`] becomes an error for its path; a scenario whose `name`
/// an earlier one (by id) already uses is an error at its name. Fails only when `root` is
/// missing, not a directory or unreadable.
pub fn load_dir(root: &Path) -> Result<Loaded, LoadError> {
    let meta = fs::metadata(root).map_err(|error| match error.kind() {
        io::ErrorKind::NotFound => LoadError::Missing {
            path: root.to_path_buf(),
        },
        _ => LoadError::Unreadable {
            path: root.to_path_buf(),
            error,
        },
    })?;
    if !meta.is_dir() {
        return Err(LoadError::NotADirectory {
            path: root.to_path_buf(),
        });
    }
    let top = fs::read_dir(root).map_err(|error| LoadError::Unreadable {
        path: root.to_path_buf(),
        error,
    })?;
    let mut found = Found::default();
    found.walk_entries(root, top);

    let mut loaded = Loaded {
        scenarios: Vec::new(),
        errors: found.errors,
    };
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for (id, path, parsed) in parse_all(found.files) {
        let result = parsed.and_then(|(text, file)| {
            let name = file.name.get_ref();
            if let Some(first) = names.get(name) {
                return Err(ScenarioError::at(
                    &path,
                    &text,
                    file.name.span(),
                    format!("duplicate scenario name `{name}`, already used by `{first}`"),
                ));
            }
            names.insert(name.clone(), id.clone());
            Ok(file)
        });
        match result {
            Ok(file) => loaded.scenarios.push(Scenario::new(path, id, file)),
            Err(e) => loaded.errors.push((id, e)),
        }
    }
    loaded.errors.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(loaded)
}

/// A file read and parsed (validated), with its text for later errors.
type Parsed = Result<(String, ScenarioFile), ScenarioError>;

/// Files below which [`parse_all`] stays on one thread: a thread costs more than parsing a few
/// dozen files (about 30 µs each), and under `run` the other CPUs are busy with the preflight
/// meanwhile (measured with the default 28 files: one lifecycle 0.65 ms faster on one thread).
const PARALLEL_FROM: usize = 64;

/// Reads and parses every file; from [`PARALLEL_FROM`] files on, on as many threads as there
/// are CPUs (at most 4). Results keep the id order.
fn parse_all(files: BTreeMap<String, PathBuf>) -> Vec<(String, PathBuf, Parsed)> {
    let files: Vec<(String, PathBuf)> = files.into_iter().collect();
    let one = |(id, path): (String, PathBuf)| {
        let parsed = read_text(&path).and_then(|text| {
            let file = parse(&path, &text)?;
            Ok((text, file))
        });
        (id, path, parsed)
    };
    let threads = crate::settings::cpus().min(4);
    if threads < 2 || files.len() < PARALLEL_FROM {
        return files.into_iter().map(one).collect();
    }
    let chunk = files.len().div_ceil(threads);
    let mut chunks: Vec<Vec<(String, PathBuf)>> = Vec::new();
    let mut rest = files.into_iter().peekable();
    while rest.peek().is_some() {
        chunks.push(rest.by_ref().take(chunk).collect());
    }
    // The first chunk is parsed on this thread, the others on threads of their own.
    let mut chunks = chunks.into_iter();
    let first = chunks.next().unwrap_or_default();
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .map(|c| scope.spawn(move || c.into_iter().map(one).collect::<Vec<_>>()))
            .collect();
        let mut parsed: Vec<_> = first.into_iter().map(one).collect();
        for h in handles {
            parsed.extend(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
        parsed
    })
}

/// Scenario files found by the walk, and paths that failed on the way.
#[derive(Default)]
struct Found {
    /// `id → path`, sorted by id.
    files: BTreeMap<String, PathBuf>,
    errors: Vec<(String, ScenarioError)>,
}

impl Found {
    fn walk_entries(&mut self, root: &Path, entries: fs::ReadDir) {
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    self.fail(root, root, format!("failed to list directory: {e}"));
                    continue;
                }
            };
            let path = entry.path();
            let is_toml = path.extension().is_some_and(|e| e == "toml");
            // `file_type` does not follow links, so a linked directory is never walked into.
            let is_real_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if is_real_dir && !is_toml {
                match fs::read_dir(&path) {
                    Ok(inner) => self.walk_entries(root, inner),
                    Err(e) => self.fail(root, &path, format!("failed to read directory: {e}")),
                }
            } else if is_toml {
                self.files.insert(id_of(root, &path), path);
            }
        }
    }

    fn fail(&mut self, root: &Path, path: &Path, message: String) {
        let id = id_of(root, path);
        self.errors
            .push((id, ScenarioError::whole_file(path, message)));
    }
}

/// `core/r01_x` for `<root>/core/r01_x.toml`.
fn id_of(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let id = parts.join("/");
    id.strip_suffix(".toml").map(str::to_string).unwrap_or(id)
}

/// Reads a scenario file as text: at most [`MAX_FILE_SIZE`] bytes, UTF-8, no NUL bytes.
fn read_text(path: &Path) -> Result<String, ScenarioError> {
    let fail = |message: String| ScenarioError::whole_file(path, message);
    let meta = fs::metadata(path).map_err(|e| fail(format!("failed to read file: {e}")))?;
    if meta.is_dir() {
        return Err(fail("is a directory, expected a scenario file".to_string()));
    }
    let too_large = |size: u64| {
        fail(format!(
            "file is too large ({size} bytes), expected at most {MAX_FILE_SIZE} bytes (1 MiB)"
        ))
    };
    if meta.len() > MAX_FILE_SIZE {
        return Err(too_large(meta.len()));
    }
    // Sized from the metadata: one read for the text, one for its end.
    let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
    fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_SIZE + 1).read_to_end(&mut bytes))
        .map_err(|e| fail(format!("failed to read file: {e}")))?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(too_large(bytes.len() as u64));
    }
    if bytes.contains(&0) {
        return Err(fail(
            "binary file (it holds NUL bytes), expected UTF-8 TOML text".to_string(),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        fail(format!(
            "file is not valid utf-8 (at byte {}), expected UTF-8 TOML text",
            e.utf8_error().valid_up_to()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_slash_separated_without_extension() {
        assert_eq!(
            id_of(Path::new("/r"), Path::new("/r/core/x.toml")),
            "core/x"
        );
        assert_eq!(
            id_of(Path::new("/r"), Path::new("/r/a.b/x.y.toml")),
            "a.b/x.y"
        );
        assert_eq!(id_of(Path::new("/r"), Path::new("/r/dir")), "dir");
    }
}
