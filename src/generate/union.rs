//! A weighted choice among strategies that makes the same value from the same seed as
//! proptest's `Union` and `prop_oneof!`, and shrinks the same way, at a fraction of the cost.
//!
//! proptest gives every alternative before the drawn one a runner of its own (a copy of the
//! runner with a generator seeded from the parent's), so that shrinking can move to it later.
//! Generating one text character that way copies up to two runners; a case of long text spent
//! a fifth of a run's CPU there. This union draws the same 32 seed bytes from the parent
//! generator (so every later draw is unchanged) but keeps only those bytes, and builds the
//! runner of an earlier alternative when shrinking first moves to it.

use proptest::prelude::*;
use proptest::strategy::{NewTree, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::sync::Arc;

/// A weighted choice: the value of one alternative, drawn with probability weight / total.
/// Cases are drawn from it rather than from proptest's union because it costs a fraction as
/// much, while a seed keeps making the case it made before (kept seeds replay).
///
/// It draws like proptest's union under the conditions cases are made in: a ChaCha runner
/// configured by [`lean_config`] (the forks it makes later are), and no `prop_flat_map` among
/// the alternatives (a fork does not share the parent's count of flat-map regenerations).
#[derive(Debug, Clone)]
pub struct LeanUnion<S: Strategy> {
    options: Arc<[(u32, S)]>,
    total: u64,
}

impl<S: Strategy> LeanUnion<S> {
    /// A choice among weighted alternatives (at least one, and a positive total weight).
    pub fn new(options: Vec<(u32, S)>) -> Self {
        let total = options.iter().map(|(w, _)| u64::from(*w)).sum();
        assert!(
            total > 0,
            "a choice needs an alternative of positive weight"
        );
        LeanUnion {
            options: options.into(),
            total,
        }
    }

    /// proptest's pick: uniform in [0, total), then the count of running sums at or below it.
    fn pick(&self, runner: &mut TestRunner) -> usize {
        let draw = proptest::num::sample_uniform_incl(runner, 0u64, self.total - 1);
        let mut sum = 0u64;
        self.options
            .iter()
            .take_while(|(w, _)| {
                sum += u64::from(*w);
                sum <= draw
            })
            .count()
    }

    /// The alternative a tree made now would show, with the generator left where that tree
    /// leaves it before drawing the alternative: the pick, and the seed of every alternative
    /// before it taken and dropped (a value drawn without a tree is never shrunk).
    pub fn choose(&self, runner: &mut TestRunner) -> usize {
        let pick = self.pick(runner);
        for _ in 0..pick {
            fork_seed(runner.rng());
        }
        pick
    }

    /// Alternative `index`.
    pub fn option(&self, index: usize) -> &S {
        &self.options[index].1
    }
}

/// The runner's configuration for making one case: proptest's defaults without a failure file
/// (cases are kept by the suite's own regressions). What the configuration holds does not
/// change which case a seed makes; a fork made while shrinking gets the same.
pub(super) fn lean_config() -> Config {
    static LEAN: std::sync::LazyLock<Config> = std::sync::LazyLock::new(|| Config {
        failure_persistence: None,
        ..Config::default()
    });
    LEAN.clone()
}

/// An alternative before the drawn one: the seed of its own runner, and its tree once made.
#[derive(Debug)]
enum Earlier<T> {
    Seed([u8; 32]),
    Made(T),
    Failed,
}

/// The value tree of a [`LeanUnion`]: proptest's `UnionValueTree`, with earlier alternatives
/// held as seeds until shrinking needs them.
pub struct LeanUnionTree<S: Strategy> {
    options: Arc<[(u32, S)]>,
    earlier: Vec<Earlier<S::Tree>>,
    drawn: S::Tree,
    /// The alternative shown: `earlier.len()` is the drawn one.
    pick: usize,
    min_pick: usize,
    prev_pick: Option<usize>,
}

impl<S: Strategy> std::fmt::Debug for LeanUnionTree<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeanUnionTree")
            .field("pick", &self.pick)
            .finish_non_exhaustive()
    }
}

impl<S: Strategy> Strategy for LeanUnion<S> {
    type Tree = LeanUnionTree<S>;
    type Value = S::Value;

    fn new_tree(&self, runner: &mut TestRunner) -> NewTree<Self> {
        let pick = self.pick(runner);
        let earlier = (0..pick)
            .map(|_| Earlier::Seed(fork_seed(runner.rng())))
            .collect();
        let drawn = self.options[pick].1.new_tree(runner)?;
        Ok(LeanUnionTree {
            options: Arc::clone(&self.options),
            earlier,
            drawn,
            pick,
            min_pick: 0,
            prev_pick: None,
        })
    }
}

/// The seed `TestRunner::new_rng` gives a ChaCha runner's fork (the only kind cases use): 32
/// values of `next_u32`, a byte of each. Read as one block of 32 words, which takes the same
/// words from the generator as 32 calls.
fn fork_seed(rng: &mut TestRng) -> [u8; 32] {
    let mut words = [[0u8; 4]; 32];
    rng.fill_bytes(words.as_flattened_mut());
    words.map(|word| word[0])
}

impl<S: Strategy> LeanUnionTree<S> {
    /// The tree of alternative `index`, made now if it was only a seed; `None` if it cannot be.
    fn tree(&mut self, index: usize) -> Option<&mut S::Tree> {
        if index == self.earlier.len() {
            return Some(&mut self.drawn);
        }
        if let Earlier::Seed(seed) = self.earlier[index] {
            let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed);
            let mut runner = TestRunner::new_with_rng(lean_config(), rng);
            self.earlier[index] = match self.options[index].1.new_tree(&mut runner) {
                Ok(tree) => Earlier::Made(tree),
                Err(_) => Earlier::Failed,
            };
        }
        match &mut self.earlier[index] {
            Earlier::Made(tree) => Some(tree),
            _ => None,
        }
    }

    fn shown(&self) -> &S::Tree {
        match self.earlier.get(self.pick) {
            Some(Earlier::Made(tree)) => tree,
            _ => &self.drawn,
        }
    }
}

impl<S: Strategy> ValueTree for LeanUnionTree<S> {
    type Value = S::Value;

    fn current(&self) -> S::Value {
        self.shown().current()
    }

    fn simplify(&mut self) -> bool {
        let pick = self.pick;
        if self.tree(pick).is_some_and(|t| t.simplify()) {
            self.prev_pick = None;
            return true;
        }
        if self.pick == self.min_pick {
            return false;
        }
        self.prev_pick = Some(self.pick);
        let mut next = self.pick;
        while next > self.min_pick {
            next -= 1;
            if self.tree(next).is_some() {
                self.pick = next;
                return true;
            }
        }
        false
    }

    fn complicate(&mut self) -> bool {
        if let Some(pick) = self.prev_pick.take() {
            self.pick = pick;
            self.min_pick = pick;
            return true;
        }
        let pick = self.pick;
        self.tree(pick).is_some_and(|t| t.complicate())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Union;

    fn runner(seed: u8) -> TestRunner {
        TestRunner::new_with_rng(
            lean_config(),
            TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]),
        )
    }

    fn options() -> Vec<(u32, SBoxedStrategy<String>)> {
        vec![
            (2, "[a-c]{1,4}".sboxed()),
            (1, Just("fixed".to_string()).sboxed()),
            (5, (0u32..1000).prop_map(|n| n.to_string()).sboxed()),
            (3, "[x-z]{2,6}".sboxed()),
        ]
    }

    /// The same seed makes the same value as proptest's union, and leaves the generator in
    /// the same state for what is drawn after it; shrinking takes the same steps.
    #[test]
    fn draws_and_shrinks_like_proptests_union() {
        same_as_proptest(options());
    }

    /// An alternative that cannot make a value: drawn, the choice fails as proptest's does;
    /// before the drawn one, shrinking passes over it as proptest's does.
    #[test]
    fn an_alternative_that_fails_is_passed_over_like_proptests() {
        let mut with_failing = options();
        with_failing.insert(1, (2, Refuses.sboxed()));
        same_as_proptest(with_failing);
    }

    /// A strategy that never makes a value.
    #[derive(Debug)]
    struct Refuses;

    impl Strategy for Refuses {
        type Tree = Just<String>;
        type Value = String;

        fn new_tree(&self, _: &mut TestRunner) -> NewTree<Self> {
            Err("refuses".into())
        }
    }

    fn same_as_proptest(options: Vec<(u32, SBoxedStrategy<String>)>) {
        let ours = LeanUnion::new(options.clone()).sboxed();
        let theirs = Union::new_weighted(options);
        let mut failed = 0;
        for seed in 0..=255u8 {
            let (mut a, mut b) = (runner(seed), runner(seed));
            let (ta, tb) = (ours.new_tree(&mut a), theirs.new_tree(&mut b));
            assert_eq!(ta.is_ok(), tb.is_ok(), "seed {seed}");
            let (Ok(mut ta), Ok(mut tb)) = (ta, tb) else {
                failed += 1;
                continue;
            };
            assert_eq!(ta.current(), tb.current(), "seed {seed}");
            assert_eq!(
                a.rng().random::<u64>(),
                b.rng().random::<u64>(),
                "seed {seed}: later draws"
            );
            for step in 0..40 {
                let (sa, sb) = (ta.simplify(), tb.simplify());
                assert_eq!(sa, sb, "seed {seed} step {step}");
                assert_eq!(ta.current(), tb.current(), "seed {seed} step {step}");
                if step % 3 == 2 {
                    assert_eq!(ta.complicate(), tb.complicate(), "seed {seed} step {step}");
                    assert_eq!(ta.current(), tb.current(), "seed {seed} step {step}");
                }
            }
        }
        assert!(failed < 128, "most draws make a value");
    }
}
