//! Value strategies for one parameter, from its merged schema: what is valid, and candidate
//! values that break one constraint. A candidate is kept only if the parameter's own validator
//! rejects it, so a violation is never a guess about the schema.

use super::draw::{pair, Gen};
use super::scenario::Scenario;
use super::union::LeanUnion;
use crate::spec::{ParamType, Parameter, PresenceOutcome, WireForm};
use jsonschema::Validator;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::{NewTree, ValueTree};
use proptest::test_runner::{Reason, TestRunner};
use std::sync::{Arc, LazyLock};

/// A raw parameter value; `None` is "absent".
pub type Raw = Option<String>;

/// Characters valid text is made of: letters and digits, URL-reserved punctuation (to exercise
/// encoding) and CJK ideographs (multi-byte). Never whitespace.
fn text_char() -> LeanUnion<CharClass> {
    static ALPHANUMERIC: LazyLock<Vec<char>> =
        LazyLock::new(|| ('a'..='z').chain('A'..='Z').chain('0'..='9').collect());
    const PUNCTUATION: &[char] = &[
        '-', '_', '.', '~', '!', '*', '\'', '(', ')', '&', '=', '+', '%', '#', '/', '?', ':', '@',
    ];
    LeanUnion::new(vec![
        (6, CharClass::Listed(&ALPHANUMERIC)),
        (1, CharClass::Listed(PUNCTUATION)),
        (3, CharClass::Range(0x4E00, 0x9FA5)),
    ])
}

/// One class of [`text_char`]: what `select(list)` and `(start..end).prop_map(char)` draw and
/// how they shrink, without a boxed tree per character (text is most of a case's draws).
#[derive(Debug, Clone)]
enum CharClass {
    /// One of these characters.
    Listed(&'static [char]),
    /// A code point in `start..end`, all of them characters.
    Range(u32, u32),
}

/// The tree of a [`CharClass`]: a binary search towards the first character, as proptest's.
#[derive(Debug, Clone)]
enum CharTree {
    Listed(&'static [char], proptest::num::usize::BinarySearch),
    Range(proptest::num::u32::BinarySearch),
}

impl Strategy for CharClass {
    type Tree = CharTree;
    type Value = char;

    fn new_tree(&self, runner: &mut TestRunner) -> NewTree<Self> {
        // The trees of the strategies `select` and the range are made of: the same draws.
        Ok(match self {
            CharClass::Listed(chars) => CharTree::Listed(chars, (0..chars.len()).new_tree(runner)?),
            CharClass::Range(start, end) => CharTree::Range((*start..*end).new_tree(runner)?),
        })
    }
}

impl ValueTree for CharTree {
    type Value = char;

    fn current(&self) -> char {
        match self {
            CharTree::Listed(chars, index) => chars[index.current()],
            CharTree::Range(code) => char::from_u32(code.current()).unwrap_or('中'),
        }
    }

    fn simplify(&mut self) -> bool {
        match self {
            CharTree::Listed(_, index) => index.simplify(),
            CharTree::Range(code) => code.simplify(),
        }
    }

    fn complicate(&mut self) -> bool {
        match self {
            CharTree::Listed(_, index) => index.complicate(),
            CharTree::Range(code) => code.complicate(),
        }
    }
}

/// Draws one character as its strategy's tree would show it (see [`super::draw`]).
type CharDrawer = Arc<dyn Fn(&mut TestRunner) -> Result<char, Reason> + Send + Sync>;

/// Text of `min..=max` characters, with the two ends of the range given extra weight.
fn text(min: usize, max: usize) -> Gen<String> {
    let union = text_char();
    let chars = union.clone();
    let draw: CharDrawer = Arc::new(move |runner| {
        let class = chars.option(chars.choose(runner));
        Ok(class.new_tree(runner)?.current())
    });
    ends_weighted(union, draw, min, max)
}

/// Strings of `min..=max` characters drawn from `chars` (drawn without trees by `draw`), the
/// two ends of the range weighted (all of the maximum length twice as often as all of the
/// minimum, a length in between five times): the lengths a backend is most likely to get wrong
/// come up often.
fn ends_weighted<S>(chars: S, draw: CharDrawer, min: usize, max: usize) -> Gen<String>
where
    S: Strategy<Value = char> + Clone + Send + Sync + 'static,
{
    let max = max.max(min);
    let of = |range: std::ops::RangeInclusive<usize>| {
        let (start, end) = (*range.start(), *range.end());
        let draw = Arc::clone(&draw);
        Gen::paired(
            proptest::collection::vec(chars.clone(), range)
                .prop_map(String::from_iter)
                .sboxed(),
            // `collection::vec`'s draws: the length, then each element.
            move |runner| {
                let len = proptest::num::sample_uniform_incl(runner, start, end);
                (0..len).map(|_| draw(runner)).collect()
            },
        )
    };
    Gen::one_of(vec![
        (2, of(max..=max)),
        (1, of(min..=min)),
        (5, of(min..=max)),
    ])
}

/// A valid documented UTC time (days up to 28, so every month is valid).
fn utc_time() -> Gen<String> {
    Gen::leaf(
        (
            2000u32..2031,
            1u32..13,
            1u32..29,
            0u32..24,
            0u32..60,
            0u32..60,
        )
            .prop_map(|(y, mo, d, h, mi, s)| {
                format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
            }),
    )
}

/// The characters of a parameter's documented `examples`, when it has some: ids shaped like the
/// documented ones (a backend may reasonably refuse an id of any other alphabet).
fn example_alphabet(param: &Parameter) -> Option<Vec<char>> {
    let examples = param.schema.get("examples")?.as_array()?;
    let mut chars: Vec<char> = examples
        .iter()
        .filter_map(serde_json::Value::as_str)
        .flat_map(str::chars)
        .collect();
    chars.sort_unstable();
    chars.dedup();
    (!chars.is_empty()).then_some(chars)
}

/// Valid values of a parameter.
pub fn valid_value(param: &Parameter) -> Gen<String> {
    if let Some(values) = param.enum_values() {
        return Gen::leaf(select(values));
    }
    if param.is_time() {
        return utc_time();
    }
    match param.ty {
        ParamType::Integer => {
            let min = param.limit("minimum").unwrap_or(0);
            let max = param.limit("maximum").unwrap_or(min.saturating_add(1000));
            Gen::one_of(vec![
                (1, Gen::leaf(Just(min))),
                (1, Gen::leaf(Just(max))),
                (4, Gen::leaf(min..=max)),
            ])
            .map(|n| n.to_string())
        }
        ParamType::String => {
            let min = usize::try_from(param.limit("minLength").unwrap_or(1).max(1)).unwrap_or(1);
            let max = param
                .limit("maxLength")
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(32);
            match example_alphabet(param) {
                Some(alphabet) => {
                    let alphabet: Arc<[char]> = alphabet.into();
                    let listed = Arc::clone(&alphabet);
                    // `select`'s draw: an index in the list.
                    let draw: CharDrawer = Arc::new(move |runner| {
                        Ok(listed[(0..listed.len()).new_tree(runner)?.current()])
                    });
                    ends_weighted(select(alphabet.to_vec()), draw, min, max)
                }
                None => text(min, max),
            }
        }
    }
}

/// The wire forms a valid request may use for a parameter, with a value most of the time.
pub fn valid_raw(param: &Parameter) -> Gen<Raw> {
    let validator = param.validator();
    let allowed = |form: WireForm<'_>| match &param.presence {
        // A form taken as a value (a body's two-quote string) is valid only if the value is.
        Some(presence) if presence.outcome(form) == PresenceOutcome::Value => {
            let raw = form.raw().unwrap_or_default();
            validator.is_some_and(|v| v.is_valid(&param.typed(raw)))
        }
        Some(presence) => presence.outcome(form) != PresenceOutcome::Reject,
        None => form == WireForm::Absent && !param.required,
    };
    let mut options: Vec<(u32, Gen<Raw>)> = vec![(6, valid_value(param).map(Some))];
    if allowed(WireForm::Absent) {
        options.push((3, Gen::leaf(Just(None))));
    }
    for form in [WireForm::Empty, WireForm::QuotedEmpty, WireForm::Null] {
        if allowed(form) {
            options.push((1, Gen::leaf(Just(form.raw().map(str::to_string)))));
        }
    }
    Gen::one_of(options)
}

/// Candidate values that break one constraint of the parameter, each confirmed by `validator`.
pub fn violations(param: &Parameter, validator: &Validator) -> Vec<(Scenario, Gen<Raw>)> {
    let rejects = |raw: &str| !validator.is_valid(&param.typed(raw));
    let fixed = |scenario: Scenario, candidates: Vec<String>| -> Option<(Scenario, Gen<Raw>)> {
        let kept: Vec<Raw> = candidates
            .into_iter()
            .filter(|c| rejects(c))
            .map(Some)
            .collect();
        (!kept.is_empty()).then(|| (scenario, Gen::leaf(select(kept))))
    };
    let mut out = Vec::new();
    if let Some(presence) = &param.presence {
        // One candidate per refused form, so each form is a constraint of its own to cover.
        for form in WireForm::NON_VALUES {
            if presence.outcome(form) == PresenceOutcome::Reject {
                let raw: Raw = form.raw().map(str::to_string);
                out.push((Scenario::RefusedForm, Gen::leaf(Just(raw))));
            }
        }
    }
    if let Some(max) = param
        .limit("maxLength")
        .and_then(|n| usize::try_from(n).ok())
    {
        if param.enum_values().is_none() && !param.is_time() {
            out.push((Scenario::TooLong, text(max + 1, max + 4).map(Some)));
        }
    }
    if param.ty == ParamType::String
        && param.enum_values().is_none()
        && !param.is_time()
        && rejects("a b")
    {
        let half = usize::try_from(param.limit("maxLength").unwrap_or(17) / 2)
            .unwrap_or(8)
            .clamp(1, 8);
        out.push((
            Scenario::SpaceInFuzzyValue,
            pair(&text(1, half), &text(1, half)).map(|(a, b)| Some(format!("{a} {b}"))),
        ));
    }
    if param.is_time() {
        let candidates = [
            "2019-05-06 08:05:01",
            "2019-05-06T08:05:01+08:00",
            "2019-05-06T24:00:00Z",
            "2019-13-06T08:05:01Z",
            "2019-02-30T08:05:01Z",
            "2019-05-06T08:05:01.000Z",
            "2019-05-06t08:05:01z",
            "20190506T080501Z",
        ];
        out.extend(fixed(
            Scenario::BadFormat,
            candidates.map(str::to_string).to_vec(),
        ));
    }
    if let Some(values) = param.enum_values() {
        let mut candidates: Vec<String> = ["0", "9", "x", "01"].map(str::to_string).to_vec();
        candidates.extend(values.iter().map(|v| format!("{v}{v}")));
        candidates.retain(|c| !param.unsupported.contains(c));
        out.extend(fixed(Scenario::NotInEnum, candidates));
        out.extend(fixed(Scenario::UnsupportedValue, param.unsupported.clone()));
    }
    if param.ty == ParamType::Integer {
        if let Some(min) = param.limit("minimum") {
            out.extend(fixed(
                Scenario::BelowMinimum,
                vec![(min - 1).to_string(), i64::MIN.to_string()],
            ));
        }
        if let Some(max) = param.limit("maximum") {
            out.extend(fixed(
                Scenario::AboveMaximum,
                vec![max.saturating_add(1).to_string()],
            ));
        }
        out.extend(fixed(
            Scenario::WrongType,
            ["abc", "1.5", "1e3", "0x10", "一"]
                .map(str::to_string)
                .to_vec(),
        ));
    }
    out
}

/// Two valid times with the first strictly after the second.
pub fn reversed_times() -> Gen<(String, String)> {
    let time = utc_time();
    pair(&time, &time)
        .filter("distinct times", |(a, b)| a != b)
        .map(|(a, b)| if a > b { (a, b) } else { (b, a) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::test_runner::{RngAlgorithm, TestRng};

    /// [`text_char`] as proptest's own strategies say it, which it must draw like.
    fn reference_char() -> SBoxedStrategy<char> {
        prop_oneof![
            6 => select(('a'..='z').chain('A'..='Z').chain('0'..='9').collect::<Vec<_>>()),
            1 => select(vec!['-', '_', '.', '~', '!', '*', '\'', '(', ')', '&', '=', '+', '%', '#', '/', '?', ':', '@']),
            3 => (0x4E00u32..0x9FA5).prop_map(|c| char::from_u32(c).unwrap_or('中')),
        ]
        .sboxed()
    }

    /// Text from the same seed is the same text, leaves the generator where proptest's does,
    /// and shrinks through the same steps.
    #[test]
    fn text_characters_draw_and_shrink_like_proptests_strategies() {
        let ours = proptest::collection::vec(text_char(), 0..=24);
        let theirs = proptest::collection::vec(reference_char(), 0..=24);
        for seed in 0..=255u8 {
            let runner = || {
                let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]);
                TestRunner::new_with_rng(super::super::union::lean_config(), rng)
            };
            let (mut a, mut b) = (runner(), runner());
            let mut ta = ours.new_tree(&mut a).unwrap();
            let mut tb = theirs.new_tree(&mut b).unwrap();
            assert_eq!(ta.current(), tb.current(), "seed {seed}");
            assert_eq!(a.rng().next_u64(), b.rng().next_u64(), "seed {seed}");
            for step in 0..200 {
                let simplified = ta.simplify();
                assert_eq!(simplified, tb.simplify(), "seed {seed} step {step}");
                assert_eq!(ta.current(), tb.current(), "seed {seed} step {step}");
                if step % 5 == 4 {
                    assert_eq!(ta.complicate(), tb.complicate(), "seed {seed} step {step}");
                    assert_eq!(ta.current(), tb.current(), "seed {seed} step {step}");
                }
            }
        }
    }
}
