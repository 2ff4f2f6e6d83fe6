//! The file graph of a crate given as sources (`src/…` path -> text): module paths, the
//! crate's own paths resolved to files, and the strongly connected components (Tarjan).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::lex::{Token, lex};
use crate::paths::{WrittenPath, written_paths};

/// `[]` is the crate root, `[run, client]` is `crate::run::client`.
pub(crate) type ModPath = Vec<String>;

pub(crate) struct Crate {
    /// Every module file under `src/` (test-only ones included), by module path.
    pub modules: BTreeMap<ModPath, PathBuf>,
    /// The files in the graph: all but `src/main.rs` and test-only files.
    pub files: BTreeMap<PathBuf, File>,
}

pub(crate) struct File {
    pub module: ModPath,
    /// The tokens outside comments, literals and inline `#[cfg(test)]` modules.
    pub tokens: Vec<Token>,
    pub paths: Vec<WrittenPath>,
}

/// A path of the crate's own written in `from` at `line`, naming the module path `target`
/// (as far as it goes), which lives in the file `to`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Reference {
    pub from: PathBuf,
    pub line: usize,
    pub to: PathBuf,
    pub text: String,
    pub target: ModPath,
}

/// A strongly connected component of more than one file, with the edges inside it.
#[derive(Debug)]
pub(crate) struct Cycle {
    pub files: Vec<PathBuf>,
    pub edges: Vec<Reference>,
}

/// `src/lib.rs` -> `[]`, `src/a.rs` and `src/a/mod.rs` -> `[a]`, `src/a/b.rs` -> `[a, b]`;
/// `None` for `src/main.rs` and anything that is not a `.rs` file under `src/`.
pub(crate) fn module_path(path: &Path) -> Option<ModPath> {
    let parts: Vec<String> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let (src, rest) = parts.split_first()?;
    let (file, dirs) = rest.split_last()?;
    let stem = file.strip_suffix(".rs")?;
    if src != "src" || (dirs.is_empty() && stem == "main") {
        return None;
    }
    let mut module = dirs.to_vec();
    if !((dirs.is_empty() && stem == "lib") || stem == "mod") {
        module.push(stem.to_string());
    }
    Some(module)
}

/// A path for messages: `src/run/mod.rs`.
pub(crate) fn display(path: &Path) -> String {
    let parts: Vec<_> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect();
    parts.join("/")
}

fn child(module: &[String], name: &str) -> ModPath {
    let mut child = module.to_vec();
    child.push(name.to_string());
    child
}

fn parent(module: &[String]) -> Option<ModPath> {
    module.split_last().map(|(_, parent)| parent.to_vec())
}

impl Crate {
    pub(crate) fn from_sources(sources: &BTreeMap<PathBuf, String>) -> Crate {
        let mut modules = BTreeMap::new();
        let mut lexed = BTreeMap::new();
        for (path, src) in sources {
            if let Some(module) = module_path(path) {
                modules.insert(module.clone(), path.clone());
                lexed.insert(path.clone(), (module, lex(src)));
            }
        }
        let test_only: Vec<ModPath> = lexed
            .values()
            .flat_map(|(module, l)| l.test_only_modules.iter().map(|n| child(module, n)))
            .collect();
        let files = lexed
            .into_iter()
            .filter(|(_, (module, _))| !test_only.iter().any(|t| module.starts_with(t)))
            .map(|(path, (module, l))| {
                let paths = written_paths(&l.tokens);
                let file = File {
                    module,
                    tokens: l.tokens,
                    paths,
                };
                (path, file)
            })
            .collect();
        Crate { modules, files }
    }

    /// The full module path a written path names, when it is one of the crate's own:
    /// `crate::…`, `super::…`, `self::…`, or in a `use`, a child module of the current one.
    pub(crate) fn resolve(&self, file: &File, path: &WrittenPath) -> Option<ModPath> {
        let (first, rest) = path.segments.split_first()?;
        let (mut base, rest) = match first.as_str() {
            "crate" => (Vec::new(), rest),
            "self" => (file.module.clone(), rest),
            "super" => (parent(&file.module)?, rest),
            name if path.in_use && self.modules.contains_key(&child(&file.module, name)) => {
                (file.module.clone(), &path.segments[..])
            }
            _ => return None,
        };
        let supers = rest.iter().take_while(|s| *s == "super").count();
        for _ in 0..supers {
            base = parent(&base)?;
        }
        base.extend(rest[supers..].iter().cloned());
        Some(base)
    }

    /// The file of the longest prefix of `target` that is a module.
    pub(crate) fn file_of(&self, target: &[String]) -> Option<&PathBuf> {
        (0..=target.len())
            .rev()
            .find_map(|k| self.modules.get(&target[..k]))
    }

    /// Every path of the crate's own written in a graph file, sorted.
    pub(crate) fn references(&self) -> Vec<Reference> {
        let mut refs = Vec::new();
        for (from, file) in &self.files {
            for path in &file.paths {
                let Some(target) = self.resolve(file, path) else {
                    continue;
                };
                let Some(to) = self.file_of(&target) else {
                    continue;
                };
                refs.push(Reference {
                    from: from.clone(),
                    line: path.line,
                    to: to.clone(),
                    text: path.text(),
                    target,
                });
            }
        }
        refs.sort();
        refs.dedup();
        refs
    }

    /// The references between two different graph files.
    pub(crate) fn edges(&self) -> Vec<Reference> {
        self.references()
            .into_iter()
            .filter(|r| r.from != r.to && self.files.contains_key(&r.to))
            .collect()
    }

    /// The strongly connected components of more than one file, sorted.
    pub(crate) fn cycles(&self) -> Vec<Cycle> {
        let edges = self.edges();
        let nodes: Vec<&PathBuf> = self.files.keys().collect();
        let index: BTreeMap<&PathBuf, usize> =
            nodes.iter().enumerate().map(|(i, p)| (*p, i)).collect();
        let mut adjacent = vec![BTreeSet::new(); nodes.len()];
        for edge in &edges {
            adjacent[index[&edge.from]].insert(index[&edge.to]);
        }
        let mut cycles: Vec<Cycle> = strongly_connected(&adjacent)
            .into_iter()
            .filter(|component| component.len() > 1)
            .map(|component| {
                let files: BTreeSet<PathBuf> =
                    component.iter().map(|&i| nodes[i].clone()).collect();
                let edges = edges
                    .iter()
                    .filter(|e| files.contains(&e.from) && files.contains(&e.to))
                    .cloned()
                    .collect();
                Cycle {
                    files: files.into_iter().collect(),
                    edges,
                }
            })
            .collect();
        cycles.sort_by(|a, b| a.files.cmp(&b.files));
        cycles
    }
}

/// Tarjan's algorithm over nodes `0..adjacent.len()`.
pub(crate) fn strongly_connected(adjacent: &[BTreeSet<usize>]) -> Vec<Vec<usize>> {
    let mut tarjan = Tarjan {
        adjacent,
        index: vec![None; adjacent.len()],
        low: vec![0; adjacent.len()],
        on_stack: vec![false; adjacent.len()],
        stack: Vec::new(),
        next: 0,
        components: Vec::new(),
    };
    for v in 0..adjacent.len() {
        if tarjan.index[v].is_none() {
            tarjan.visit(v);
        }
    }
    tarjan.components
}

struct Tarjan<'a> {
    adjacent: &'a [BTreeSet<usize>],
    index: Vec<Option<usize>>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    stack: Vec<usize>,
    next: usize,
    components: Vec<Vec<usize>>,
}

impl Tarjan<'_> {
    fn visit(&mut self, v: usize) {
        self.index[v] = Some(self.next);
        self.low[v] = self.next;
        self.next += 1;
        self.stack.push(v);
        self.on_stack[v] = true;
        let adjacent = self.adjacent;
        for &w in &adjacent[v] {
            match self.index[w] {
                None => {
                    self.visit(w);
                    self.low[v] = self.low[v].min(self.low[w]);
                }
                Some(iw) if self.on_stack[w] => self.low[v] = self.low[v].min(iw),
                Some(_) => {}
            }
        }
        if Some(self.low[v]) == self.index[v] {
            let mut component = Vec::new();
            while let Some(w) = self.stack.pop() {
                self.on_stack[w] = false;
                component.push(w);
                if w == v {
                    break;
                }
            }
            self.components.push(component);
        }
    }
}

/// The failure message: each cycle's files, and every import inside it.
pub(crate) fn cycle_report(cycles: &[Cycle]) -> String {
    let mut out = format!(
        "{} import cycle(s) between files under src/. Data flows parse -> plan -> run -> \
         report, with no circle between files: change one of the imports of each cycle.\n",
        cycles.len()
    );
    for (n, cycle) in cycles.iter().enumerate() {
        out += &format!(
            "\ncycle {} of {} ({} files):\n",
            n + 1,
            cycles.len(),
            cycle.files.len()
        );
        for file in &cycle.files {
            out += &format!("    {}\n", display(file));
        }
        out += "  imports inside the cycle:\n";
        for e in &cycle.edges {
            let (from, to) = (display(&e.from), display(&e.to));
            out += &format!("    {from}:{} -> {to} ({})\n", e.line, e.text);
        }
    }
    out
}
