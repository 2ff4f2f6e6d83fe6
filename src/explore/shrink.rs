//! Shrinking: the shortest part of a failing sequence that still fails citing the same rule.
//!
//! Delta debugging over operations: remove a chunk, rebuild the scenario from the model (so
//! every expectation is the contract's for the shorter sequence), run it; keep the removal when
//! the run still fails on the same rule, cut after the operation that now fails, and halve the
//! chunk until single operations cannot be removed. Runs one candidate at a time (concurrency
//! 1). Why not `proptest-state-machine`: see docs/explore.md.

use std::future::Future;

use super::ops::Numbered;

/// What a candidate run showed: the rule of its first violation and the index (in the
/// candidate) of the operation that failed; `None` when it passed.
pub type Verdict = Option<(String, usize)>;

/// How a shrink went.
#[derive(Debug, Clone)]
pub struct Shrunk {
    /// The shortest failing sequence found.
    pub ops: Vec<Numbered>,
    /// Candidate runs made.
    pub runs: usize,
}

/// Shrinks `ops` (which fails on `rule` at its last operation), running at most `budget`
/// candidates through `test`.
pub async fn shrink<F, Fut>(ops: Vec<Numbered>, rule: &str, budget: usize, mut test: F) -> Shrunk
where
    F: FnMut(Vec<Numbered>) -> Fut,
    Fut: Future<Output = Verdict>,
{
    let mut current = ops;
    let mut runs = 0;
    let mut chunk = (current.len() / 2).max(1);
    loop {
        let mut changed = false;
        let mut i = 0;
        while i < current.len() && runs < budget {
            let end = (i + chunk).min(current.len());
            let candidate: Vec<Numbered> = current[..i]
                .iter()
                .chain(&current[end..])
                .cloned()
                .collect();
            if candidate.is_empty() {
                i = end;
                continue;
            }
            runs += 1;
            match test(candidate.clone()).await {
                Some((r, failed_at)) if r == rule => {
                    let cut = (failed_at + 1).min(candidate.len());
                    current = candidate[..cut].to_vec();
                    changed = true;
                }
                _ => i = end,
            }
        }
        if runs >= budget || (chunk == 1 && !changed) {
            break;
        }
        if chunk > 1 {
            chunk = (chunk / 2).max(1);
        }
    }
    Shrunk { ops: current, runs }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::ops::Op;

    fn ops(n: u32) -> Vec<Numbered> {
        (0..n)
            .map(|id| Numbered {
                id,
                op: Op::ClearJar { client: 0 },
            })
            .collect()
    }

    /// A "server" that fails when operations 3 and 11 both ran, at whichever comes last.
    fn fails_with_3_and_11(c: &[Numbered]) -> Verdict {
        let at = |id| c.iter().position(|n| n.id == id);
        match (at(3), at(11)) {
            (Some(a), Some(b)) => Some(("R13".into(), a.max(b))),
            _ => None,
        }
    }

    #[tokio::test]
    async fn shrinks_to_the_two_operations_that_matter() {
        let start: Vec<Numbered> = ops(40)[..12].to_vec();
        let shrunk = shrink(start, "R13", 1000, |c| {
            let v = fails_with_3_and_11(&c);
            async move { v }
        })
        .await;
        let ids: Vec<u32> = shrunk.ops.iter().map(|n| n.id).collect();
        assert_eq!(ids, vec![3, 11]);
    }

    #[tokio::test]
    async fn another_rule_does_not_count_and_the_budget_holds() {
        let shrunk = shrink(ops(12), "R13", 5, |_| async { Some(("R9".into(), 0)) }).await;
        assert_eq!(shrunk.ops.len(), 12);
        assert_eq!(shrunk.runs, 5);
    }
}
