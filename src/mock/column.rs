//! The text of the fields the contract filters and looks up, one column per field, and the
//! indexes that find records without reading every value of a column.
//!
//! A column keeps its values back to back in one string, so a scan (the selection deviations,
//! an empty-value filter) reads contiguous memory. The indexes exist where they pay for
//! themselves on the benchmark's mix at 100,000 customers (README, "Performance"):
//! - [`Sorted`]: positions ordered by value, for exact matches and time ranges (a binary search
//!   instead of a comparison per record);
//! - [`Bigrams`]: for each pair of adjacent characters, the records whose value contains it, for
//!   substring (fuzzy) filters of two characters or more;
//! - [`Keys`]: value to position for the looked-up field, unique by contract.
//!
//! An index answers with candidates that include every match; the caller still judges each one
//! with the documented match (`select.rs`), so an index can make a request faster, never change
//! its answer.

use std::hash::BuildHasher;

/// A record position: fixtures are bounded well below four billion customers.
pub type Position = u32;

/// The mark, in an entry of [`Column::ends`], of a customer without a value.
const ABSENT: u32 = 1 << 31;

/// The values of one field, one per customer (`None`: absent, null or not a string).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Column {
    /// Every value, back to back.
    text: String,
    /// Where each value ends in `text`, marked [`ABSENT`] for a customer without one.
    ends: Vec<u32>,
}

impl std::fmt::Debug for Column {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Column")
            .field("values", &self.ends.len())
            .field("bytes", &self.text.len())
            .finish()
    }
}

/// Why a column cannot grow: 2 GiB of text in one field, which the bound on a fixtures file
/// rules out long before.
const FULL: &str = "more than 2 GiB of text in one field";

impl Column {
    /// Appends the value of the next customer.
    pub fn push(&mut self, value: Option<&str>) -> Result<(), String> {
        self.text.push_str(value.unwrap_or_default());
        let end = u32::try_from(self.text.len())
            .ok()
            .filter(|end| end & ABSENT == 0)
            .ok_or(FULL)?;
        self.ends
            .push(if value.is_some() { end } else { end | ABSENT });
        Ok(())
    }

    /// Appends the values of `other`, the customers after these.
    pub fn append(&mut self, other: &Column) -> Result<(), String> {
        let base = u32::try_from(self.text.len()).map_err(|_| FULL)?;
        let total = self.text.len() + other.text.len();
        if u32::try_from(total).map_or(true, |t| t & ABSENT != 0) {
            return Err(FULL.into());
        }
        self.text.push_str(&other.text);
        self.ends.extend(
            other
                .ends
                .iter()
                .map(|end| ((end & !ABSENT) + base) | (end & ABSENT)),
        );
        Ok(())
    }

    /// How many customers the column has values for.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// The value of customer `index`.
    pub fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)?;
        if end & ABSENT != 0 {
            return None;
        }
        let start = index
            .checked_sub(1)
            .map_or(0, |i| (self.ends[i] & !ABSENT) as usize);
        self.text.get(start..end as usize)
    }

    /// Gives back the memory reserved for growth.
    pub fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
    }
}

/// Positions of the customers that have a value, ordered by value then position: the customers
/// of one value are a slice, in fixture order, and so are those of a range of values.
#[derive(Clone, Default)]
pub struct Sorted {
    order: Vec<Position>,
}

impl std::fmt::Debug for Sorted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sorted({} positions)", self.order.len())
    }
}

impl Sorted {
    /// Orders the present values of `column`.
    pub fn build(column: &Column) -> Sorted {
        // Sorting by a fixed-width prefix first keeps most comparisons off the text; equal
        // prefixes fall back to the whole values, so the order is exactly the values' order.
        let mut keyed: Vec<(u128, Position)> = (0..column.len())
            .filter_map(|i| {
                let value = column.get(i)?;
                Some((prefix(value), Position::try_from(i).ok()?))
            })
            .collect();
        keyed.sort_unstable_by(|(pa, a), (pb, b)| {
            pa.cmp(pb)
                .then_with(|| column.get(*a as usize).cmp(&column.get(*b as usize)))
                .then(a.cmp(b))
        });
        Sorted {
            order: keyed.into_iter().map(|(_, position)| position).collect(),
        }
    }

    /// The customers whose value is exactly `wanted`, in fixture order.
    pub fn equal<'a>(&'a self, column: &Column, wanted: &str) -> &'a [Position] {
        self.between(column, Some(wanted), Some(wanted))
    }

    /// The customers whose value is at or after `low` and at or before `high` (an absent bound
    /// does not limit), comparing text; in value order.
    pub fn between<'a>(
        &'a self,
        column: &Column,
        low: Option<&str>,
        high: Option<&str>,
    ) -> &'a [Position] {
        let value = |p: &Position| column.get(*p as usize).unwrap_or_default();
        let start = low.map_or(0, |low| self.order.partition_point(|p| value(p) < low));
        let end = high.map_or(self.order.len(), |high| {
            self.order.partition_point(|p| value(p) <= high)
        });
        self.order.get(start..end).unwrap_or_default()
    }
}

/// The first bytes of a text (as many as a `u128` holds) as a number that orders as the text does (shorter texts
/// padded with zeros: ties are broken by the whole text).
fn prefix(text: &str) -> u128 {
    let mut bytes = [0u8; std::mem::size_of::<u128>()];
    let n = text.len().min(bytes.len());
    bytes[..n].copy_from_slice(&text.as_bytes()[..n]);
    u128::from_be_bytes(bytes)
}

/// Two adjacent characters as one key.
fn bigram(a: char, b: char) -> u64 {
    (u64::from(u32::from(a)) << 32) | u64::from(u32::from(b))
}

/// For each pair of adjacent characters, the customers whose value contains it, in fixture
/// order. A filter value of two characters or more is contained only in values that contain
/// each of its pairs, so the shortest of its pairs' lists holds every match; a one-character
/// value has no pair and is scanned.
#[derive(Clone, Default)]
pub struct Bigrams {
    /// Hashed with foldhash (hashbrown's default): SipHash was a third of the time to build.
    postings: hashbrown::HashMap<u64, Vec<Position>>,
}

impl std::fmt::Debug for Bigrams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bigrams({} pairs)", self.postings.len())
    }
}

impl Bigrams {
    /// Indexes every value of `column`.
    pub fn build(column: &Column) -> Bigrams {
        let mut postings: hashbrown::HashMap<u64, Vec<Position>> = hashbrown::HashMap::new();
        let mut pairs = Vec::new();
        for i in 0..column.len() {
            let (Some(value), Ok(position)) = (column.get(i), Position::try_from(i)) else {
                continue;
            };
            pairs.clear();
            pairs.extend(
                value
                    .chars()
                    .zip(value.chars().skip(1))
                    .map(|(a, b)| bigram(a, b)),
            );
            pairs.sort_unstable();
            pairs.dedup();
            for pair in &pairs {
                postings.entry(*pair).or_default().push(position);
            }
        }
        for list in postings.values_mut() {
            list.shrink_to_fit();
        }
        Bigrams { postings }
    }

    /// Customers that may contain `wanted`, in fixture order, and whether each of them does
    /// (a two-character value is its own pair); `None` when `wanted` has fewer than two
    /// characters.
    pub fn candidates(&self, wanted: &str) -> Option<(&[Position], bool)> {
        let mut chars = wanted.chars();
        let first = chars.next()?;
        let mut shortest: Option<&[Position]> = None;
        let mut previous = first;
        let mut pairs = 0;
        for next in chars {
            pairs += 1;
            let list = self
                .postings
                .get(&bigram(previous, next))
                .map_or(&[][..], Vec::as_slice);
            if shortest.is_none_or(|s| list.len() < s.len()) {
                shortest = Some(list);
            }
            previous = next;
        }
        shortest.map(|list| (list, pairs == 1))
    }
}

/// Position by value, for a field whose values are unique (the looked-up customer id).
#[derive(Clone, Default)]
pub struct Keys {
    /// Positions by the hash of their value; the value is read back from the column.
    table: hashbrown::HashTable<Position>,
    hasher: hashbrown::DefaultHashBuilder,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keys({} values)", self.table.len())
    }
}

impl Keys {
    fn hash(&self, value: &str) -> u64 {
        self.hasher.hash_one(value)
    }

    /// The position of `value` in `column`.
    pub fn find(&self, column: &Column, value: &str) -> Option<usize> {
        let hash = self.hash(value);
        self.table
            .find(hash, |p| column.get(*p as usize) == Some(value))
            .map(|p| *p as usize)
    }

    /// Records that customer `position` of `column` has its value; `Err` with the position
    /// that had it first when the value is taken.
    pub fn insert(&mut self, column: &Column, position: usize) -> Result<(), usize> {
        let Some(value) = column.get(position) else {
            return Ok(());
        };
        let hash = self.hash(value);
        if let Some(first) = self
            .table
            .find(hash, |p| column.get(*p as usize) == Some(value))
        {
            return Err(*first as usize);
        }
        let position = Position::try_from(position).map_err(|_| position)?;
        let hasher = &self.hasher;
        self.table.insert_unique(hash, position, |p| {
            hasher.hash_one(column.get(*p as usize).unwrap_or_default())
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(values: &[Option<&str>]) -> Column {
        let mut column = Column::default();
        for value in values {
            column.push(*value).unwrap();
        }
        column
    }

    #[test]
    fn a_column_keeps_absent_empty_and_text_apart() {
        let values: Vec<Option<&str>> = (0..7)
            .map(|i| match i % 3 {
                0 => None,
                1 => Some(""),
                _ => Some("值"),
            })
            .collect();
        let column = column(&values);
        for (i, value) in values.iter().enumerate() {
            assert_eq!(column.get(i), *value, "{i}");
        }
        assert_eq!(column.get(values.len()), None);
    }

    #[test]
    fn appended_columns_read_as_one() {
        let mut whole = column(&[Some("a"), None]);
        whole
            .append(&column(&[Some(""), Some("bc"), None]))
            .unwrap();
        assert_eq!(
            whole,
            column(&[Some("a"), None, Some(""), Some("bc"), None])
        );
    }

    #[test]
    fn sorted_slices_are_exact_and_in_fixture_order() {
        let values = [Some("b"), None, Some("a"), Some("b"), Some("ab"), Some("c")];
        let column = column(&values);
        let sorted = Sorted::build(&column);
        assert_eq!(sorted.equal(&column, "b"), &[0, 3]);
        assert_eq!(sorted.equal(&column, "x"), &[] as &[Position]);
        assert_eq!(sorted.between(&column, Some("ab"), Some("b")), &[4, 0, 3]);
        assert_eq!(sorted.between(&column, None, Some("a")), &[2]);
        assert_eq!(sorted.between(&column, Some("c"), None), &[5]);
    }

    #[test]
    fn bigram_candidates_hold_every_match() {
        let values = [
            Some("北京信息"),
            Some("信"),
            Some("息信"),
            None,
            Some("abcab"),
        ];
        let column = column(&values);
        let bigrams = Bigrams::build(&column);
        assert_eq!(bigrams.candidates("信息"), Some((&[0][..], true)));
        assert_eq!(bigrams.candidates("ab"), Some((&[4][..], true)));
        assert_eq!(bigrams.candidates("abc").map(|c| c.1), Some(false));
        assert_eq!(bigrams.candidates("zz"), Some((&[][..], true)));
        assert_eq!(bigrams.candidates("信"), None);
    }

    #[test]
    fn keys_find_values_and_refuse_a_second_one() {
        let column = column(&[Some("a"), Some("b"), None, Some("a")]);
        let mut keys = Keys::default();
        assert_eq!(keys.insert(&column, 0), Ok(()));
        assert_eq!(keys.insert(&column, 1), Ok(()));
        assert_eq!(keys.insert(&column, 2), Ok(()));
        assert_eq!(keys.insert(&column, 3), Err(0));
        assert_eq!(keys.find(&column, "b"), Some(1));
        assert_eq!(keys.find(&column, "c"), None);
    }
}
