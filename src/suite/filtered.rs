//! libtest's "N filtered out": the suite selects scenarios itself (tags, skips, several
//! filters, which libtest-mimic cannot express), so libtest-mimic would only ever see the
//! selected trials and count none filtered out. [`count_filtered`] hands it one placeholder
//! trial per scenario file the selection left out, under a kind no real trial has, with a
//! `--skip` that only those match: libtest-mimic filters them out itself and its own summary
//! (text and `--format json`) then counts them. Real trials keep their names and their kind
//! (none), so `--list`, `--exact` and nextest's protocol see exactly what they saw before.

use libtest_mimic::{Arguments, Trial};

/// The kind of the placeholder trials: libtest-mimic matches `--skip` against
/// `[kind] name`, which no real trial (kind-less, named after a file path) can contain.
const KIND: &str = "openapp-conformance";
/// The placeholders' name.
const NAME: &str = "scenario left out by the selection";

/// `harness` and `trials` with `left_out` placeholders added that libtest-mimic filters out
/// (and counts); unchanged when nothing was left out.
pub(super) fn count_filtered(
    mut harness: Arguments,
    mut trials: Vec<Trial>,
    left_out: usize,
) -> (Arguments, Vec<Trial>) {
    if left_out == 0 {
        return (harness, trials);
    }
    // Under `--exact` a skip matches a whole `[kind] name`; otherwise any name containing it.
    // Either way this one matches every placeholder and no real trial.
    harness.skip.push(format!("[{KIND}] {NAME}"));
    trials.extend((0..left_out).map(|_| Trial::test(NAME, || Ok(())).with_kind(KIND)));
    (harness, trials)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn real(name: &str) -> Trial {
        Trial::test(name, || Ok(()))
    }

    fn run(exact: bool, left_out: usize) -> libtest_mimic::Conclusion {
        let args = Arguments {
            exact,
            quiet: true,
            test_threads: Some(1),
            ..Default::default()
        };
        let (args, trials) = count_filtered(args, vec![real("core::a"), real("core::b")], left_out);
        libtest_mimic::run(&args, trials)
    }

    #[test]
    fn left_out_scenarios_are_counted_as_filtered_out_and_never_run() {
        for exact in [false, true] {
            let c = run(exact, 3);
            assert_eq!((c.num_passed, c.num_filtered_out), (2, 3), "exact {exact}");
            assert_eq!(c.num_ignored + c.num_failed, 0);
        }
        let c = run(false, 0);
        assert_eq!((c.num_passed, c.num_filtered_out), (2, 0));
    }

    #[test]
    fn real_trials_cannot_match_the_skip() {
        let (args, _) = count_filtered(Arguments::default(), Vec::new(), 1);
        for exact in [false, true] {
            let args = Arguments {
                exact,
                ..args.clone()
            };
            assert!(!args.is_filtered_out(&real("core::r01_anonymous_is_null")));
            assert!(!args.is_filtered_out(&real(NAME)));
            assert!(args.is_filtered_out(&real(NAME).with_kind(KIND)));
        }
    }
}
