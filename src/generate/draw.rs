//! A strategy paired with a drawer that makes the same value from the same generator without
//! building a value tree.
//!
//! A case is sent far more often than it is shrunk: of a run's thousands of cases, a few are
//! shrunk, and only those need proptest's value trees (a boxed tree per parameter and per text,
//! and a tree per character). A [`Gen`] keeps the strategy, from which shrinking makes trees as
//! before, and beside it a drawer that takes the same draws from the generator in the same
//! order and returns only the value. The combinators below build both halves from the same
//! parts, so they cannot drift apart. [`Gen::paired`] is the exception: its caller writes the
//! drawer beside the strategy, and only the tests keep the two in step (`generate::case`'s
//! compare them for every operation and many seeds, `values`' for text).

use super::union::LeanUnion;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Reason, TestRunner};
use std::sync::Arc;

/// What draws a value from a runner: the draws its strategy's `new_tree` takes, in the same
/// order, and the value that tree's `current` gives.
type Drawer<T> = Arc<dyn Fn(&mut TestRunner) -> Result<T, Reason> + Send + Sync>;

/// A strategy and its drawer (see the module's documentation).
#[derive(Clone)]
pub struct Gen<T> {
    strategy: SBoxedStrategy<T>,
    drawer: Drawer<T>,
}

impl<T> std::fmt::Debug for Gen<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Gen")
    }
}

impl<T: std::fmt::Debug + 'static> Gen<T> {
    /// A strategy whose tree costs nothing to make (a number in a range, a pick from a list, a
    /// fixed value): its drawer makes the tree and reads it.
    pub fn leaf<S>(strategy: S) -> Self
    where
        S: Strategy<Value = T> + Clone + Send + Sync + 'static,
    {
        let drawn = strategy.clone();
        Gen {
            strategy: strategy.sboxed(),
            drawer: Arc::new(move |runner| Ok(drawn.new_tree(runner)?.current())),
        }
    }

    /// A strategy and a drawer built side by side by the caller, which answers for their
    /// agreement (the tests of `generate::case` compare them).
    pub fn paired(
        strategy: SBoxedStrategy<T>,
        drawer: impl Fn(&mut TestRunner) -> Result<T, Reason> + Send + Sync + 'static,
    ) -> Self {
        Gen {
            strategy,
            drawer: Arc::new(drawer),
        }
    }

    /// The strategy, for value trees (shrinking).
    pub fn strategy(&self) -> &SBoxedStrategy<T> {
        &self.strategy
    }

    /// The value the strategy's tree would show, drawn without the tree.
    pub fn draw(&self, runner: &mut TestRunner) -> Result<T, Reason> {
        (self.drawer)(runner)
    }

    /// `prop_map`, on both halves.
    pub fn map<U: std::fmt::Debug + 'static>(
        self,
        fun: impl Fn(T) -> U + Send + Sync + 'static,
    ) -> Gen<U> {
        let fun = Arc::new(fun);
        let mapped = Arc::clone(&fun);
        let drawer = self.drawer;
        Gen {
            strategy: self.strategy.prop_map(move |v| mapped(v)).sboxed(),
            drawer: Arc::new(move |runner| drawer(runner).map(|v| fun(v))),
        }
    }

    /// A weighted choice ([`LeanUnion`]), on both halves: the drawer takes the union's pick
    /// and the seeds of the alternatives before it from the generator, then draws the picked
    /// alternative.
    pub fn one_of(options: Vec<(u32, Gen<T>)>) -> Self {
        let union = LeanUnion::new(
            options
                .iter()
                .map(|(weight, gen)| (*weight, gen.strategy.clone()))
                .collect(),
        );
        let drawers: Vec<Drawer<T>> = options.into_iter().map(|(_, gen)| gen.drawer).collect();
        let picker = union.clone();
        Gen {
            strategy: union.sboxed(),
            drawer: Arc::new(move |runner| drawers[picker.choose(runner)](runner)),
        }
    }
}

impl<T: std::fmt::Debug + Clone + 'static> Gen<T> {
    /// `prop_filter`, on both halves: the drawer draws again after each rejection and counts
    /// it against the runner's local rejections, as the filter's `new_tree` does, so both
    /// fail alike once those run out.
    pub fn filter(
        self,
        whence: &'static str,
        keep: impl Fn(&T) -> bool + Send + Sync + 'static,
    ) -> Self {
        let keep = Arc::new(keep);
        let kept = Arc::clone(&keep);
        let drawer = self.drawer;
        Gen {
            strategy: self.strategy.prop_filter(whence, move |v| kept(v)).sboxed(),
            drawer: Arc::new(move |runner| loop {
                let value = drawer(runner)?;
                if keep(&value) {
                    return Ok(value);
                }
                runner.reject_local(whence)?;
            }),
        }
    }
}

/// The values of several strategies, in order, as proptest's strategy for a `Vec` of
/// strategies makes them (no length drawn).
pub fn all<T: std::fmt::Debug + 'static>(gens: &[Gen<T>]) -> Gen<Vec<T>> {
    let strategies: Vec<SBoxedStrategy<T>> = gens.iter().map(|g| g.strategy.clone()).collect();
    let drawers: Vec<Drawer<T>> = gens.iter().map(|g| Arc::clone(&g.drawer)).collect();
    Gen {
        strategy: strategies.sboxed(),
        drawer: Arc::new(move |runner| drawers.iter().map(|d| d(runner)).collect()),
    }
}

/// Both values, `a` drawn first, as proptest's strategy for a pair makes them.
pub fn pair<A, B>(a: &Gen<A>, b: &Gen<B>) -> Gen<(A, B)>
where
    A: std::fmt::Debug + 'static,
    B: std::fmt::Debug + 'static,
{
    let (da, db) = (Arc::clone(&a.drawer), Arc::clone(&b.drawer));
    Gen {
        strategy: (a.strategy.clone(), b.strategy.clone()).sboxed(),
        drawer: Arc::new(move |runner| Ok((da(runner)?, db(runner)?))),
    }
}

/// Three values in order, as proptest's strategy for a triple makes them.
pub fn triple<A, B, C>(a: &Gen<A>, b: &Gen<B>, c: &Gen<C>) -> Gen<(A, B, C)>
where
    A: std::fmt::Debug + 'static,
    B: std::fmt::Debug + 'static,
    C: std::fmt::Debug + 'static,
{
    let (da, db, dc) = (
        Arc::clone(&a.drawer),
        Arc::clone(&b.drawer),
        Arc::clone(&c.drawer),
    );
    Gen {
        strategy: (a.strategy.clone(), b.strategy.clone(), c.strategy.clone()).sboxed(),
        drawer: Arc::new(move |runner| Ok((da(runner)?, db(runner)?, dc(runner)?))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::test_runner::{RngAlgorithm, TestRng};

    fn runner(seed: u8) -> TestRunner {
        TestRunner::new_with_rng(
            super::super::union::lean_config(),
            TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]),
        )
    }

    /// Every combinator draws what its strategy's tree shows and leaves the generator where
    /// the tree does.
    #[test]
    fn drawn_values_are_the_trees_values() {
        let number = Gen::leaf(0u32..1000);
        let word = Gen::leaf(proptest::sample::select(vec!["a", "bb", "ccc"]));
        let choice = Gen::one_of(vec![
            (2, number.clone().map(|n| n.to_string())),
            (1, Gen::leaf(Just("fixed".to_string()))),
            (3, word.clone().map(str::to_string)),
        ]);
        let listed = all(&[choice.clone(), choice.clone(), choice]);
        let combined = triple(&listed, &pair(&number, &word), &number);
        draws_like_its_tree(&combined, 0..=255);
    }

    /// For each seed: the drawn value is the tree's, and the generator is left where the tree
    /// leaves it.
    fn draws_like_its_tree<T: PartialEq + std::fmt::Debug + 'static>(
        gen: &Gen<T>,
        seeds: std::ops::RangeInclusive<u8>,
    ) {
        for seed in seeds {
            let (mut a, mut b) = (runner(seed), runner(seed));
            let drawn = gen.draw(&mut a).unwrap();
            let tree = gen.strategy().new_tree(&mut b).unwrap();
            assert_eq!(drawn, tree.current(), "seed {seed}");
            assert_eq!(a.rng().next_u64(), b.rng().next_u64(), "seed {seed}");
        }
    }

    /// A filter that rejects half of its draws draws again as proptest's does, and one that
    /// rejects every draw fails where proptest's does.
    #[test]
    fn a_filter_draws_again_as_proptests_does() {
        let distinct =
            pair(&Gen::leaf(0u32..2), &Gen::leaf(0u32..2)).filter("distinct", |(a, b)| a != b);
        let never = Gen::leaf(0u32..3).filter("never", |_| false);
        draws_like_its_tree(&distinct, 0..=63);
        let (mut a, mut b) = (runner(0), runner(0));
        assert!(never.draw(&mut a).is_err());
        assert!(never.strategy().new_tree(&mut b).is_err());
        assert_eq!(
            a.rng().next_u64(),
            b.rng().next_u64(),
            "after the rejections"
        );
    }

    /// A strategy that never makes a value.
    #[derive(Debug)]
    struct Refuses;

    impl Strategy for Refuses {
        type Tree = Just<u32>;
        type Value = u32;

        fn new_tree(&self, _: &mut TestRunner) -> proptest::strategy::NewTree<Self> {
            Err("refuses".into())
        }
    }

    /// A failing alternative fails the draw as it fails the tree.
    #[test]
    fn a_draw_fails_where_the_tree_fails() {
        let refuses = Gen::paired(Refuses.sboxed(), |_: &mut TestRunner| Err("refuses".into()));
        let choice = Gen::one_of(vec![(1, Gen::leaf(5u32..6)), (1, refuses)]);
        for seed in 0..=63u8 {
            let (mut a, mut b) = (runner(seed), runner(seed));
            let drawn = choice.draw(&mut a).ok();
            let tree = choice.strategy().new_tree(&mut b).ok().map(|t| t.current());
            assert_eq!(drawn.is_some(), tree.is_some(), "seed {seed}");
            assert_eq!(drawn, tree, "seed {seed}");
        }
    }
}
