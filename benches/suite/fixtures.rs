//! Scenario directories the bench generates: the default suite copied k times (names made
//! unique), and the 1,000-request login/whoami/provisioned/logout scenario.

use std::fs;
use std::path::{Path, PathBuf};

/// Every `*.toml` under `dir`, as (path relative to `dir`, text).
fn scenario_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).expect("readable scenario dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "toml") {
                let text = fs::read_to_string(&path).expect("readable scenario");
                let rel = path.strip_prefix(dir).expect("under dir").to_path_buf();
                out.push((rel, text));
            }
        }
    }
    out.sort();
    out
}

/// Writes the scenarios of `src` into `dst` as many times as it takes to reach `total` files
/// (`total = None`: `copies` whole copies), each copy under `c{k}/` with `c{k} ` prefixed to
/// its `name`. Gives the number of files written.
pub(crate) fn replicate(src: &Path, dst: &Path, copies: usize, total: Option<usize>) -> usize {
    let files = scenario_files(src);
    let total = total.unwrap_or(files.len() * copies);
    for i in 0..total {
        let (rel, text) = &files[i % files.len()];
        let k = i / files.len();
        let renamed = text.replacen("name = \"", &format!("name = \"c{k} "), 1);
        let path = dst.join(format!("c{k}")).join(rel);
        fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        fs::write(&path, renamed).expect("write scenario");
    }
    total
}

/// Cycles of the overhead scenario: 5 requests each (login = flow init + submit, whoami,
/// provisioned, logout), so 200 cycles are 1,000 requests.
pub(crate) const CYCLES: usize = 200;

/// The overhead scenario: `CYCLES` × (browser login, whoami, provisioned, logout).
pub(crate) fn overhead_scenario() -> String {
    let mut s = String::from(
        "name = \"overhead: login, whoami, provisioned, logout\"\n\
         description = \"The bench's 1,000-request sequence.\"\n\
         tags = [\"core\"]\nrules = [\"R3\", \"R6\", \"R9\"]\n\
         identities = { alice = { provisioned = true } }\n",
    );
    for _ in 0..CYCLES {
        s.push_str(
            "\n[[step]]\nlogin = { identity = \"alice\", flow = \"browser\" }\n\
             \n[[step]]\nrequest = { method = \"GET\", path = \"/auth/whoami\" }\n\
             expect = { status = 200, json = [{ path = \"/identity/id\", equals = \"{{identity.alice.id}}\" }] }\n\
             \n[[step]]\nrequest = { method = \"GET\", path = \"/auth/provisioned\" }\n\
             expect = { status = 204, body = \"empty\" }\n\
             \n[[step]]\nrequest = { method = \"POST\", path = \"/auth/logout\" }\n\
             expect = { status = 204, body = \"empty\" }\n",
        );
    }
    s
}
