//! Run settings that both a flag and a profile key can set (`--rate` and `rate = …`, …). Each is
//! one small type holding its range, so the command line and the config file accept and refuse
//! exactly the same values with the same words; a value out of range never reaches the client,
//! where `--rate 1e-300` once overflowed a duration and `--concurrency 0` starved the run.

use std::fmt;
use std::str::FromStr;

/// A whole-number setting: its range and unit, for messages and checks alike.
pub trait WholeSetting: Sized + Copy {
    /// Smallest accepted value.
    const MIN: u64;
    /// Largest accepted value.
    const MAX: u64;
    /// What the number counts, for messages ("requests in flight").
    const UNIT: &'static str;
    /// Wraps a value already known to be in range.
    fn wrap(value: u64) -> Self;
    /// The value.
    fn get(self) -> u64;

    /// The value if it is in range, or a message saying the range (the value is a number, so
    /// repeating it leaks nothing).
    fn from_i64(value: i64) -> Result<Self, String> {
        match u64::try_from(value) {
            Ok(v) if (Self::MIN..=Self::MAX).contains(&v) => Ok(Self::wrap(v)),
            _ => Err(format!(
                "must be {} ({}), found {value}",
                range_text(Self::MIN, Self::MAX),
                Self::UNIT
            )),
        }
    }
}

fn range_text(min: u64, max: u64) -> String {
    format!("from {min} to {max}")
}

/// Parses flag text as a whole number and checks its range.
fn parse_whole<T: WholeSetting>(s: &str) -> Result<T, String> {
    let n: i64 = s
        .trim()
        .parse()
        .map_err(|_| format!("must be a whole number of {}", T::UNIT))?;
    T::from_i64(n)
}

macro_rules! whole_setting {
    ($(#[$doc:meta])* $name:ident, $min:expr, $max:expr, $unit:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name(u64);

        impl WholeSetting for $name {
            const MIN: u64 = $min;
            const MAX: u64 = $max;
            const UNIT: &'static str = $unit;
            fn wrap(value: u64) -> Self {
                $name(value)
            }
            fn get(self) -> u64 {
                self.0
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                parse_whole(s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

whole_setting!(
    /// Requests in flight at once (`--concurrency`, `concurrency`): beyond 1000 a typo is
    /// likelier than intent, and 0 would send nothing.
    Concurrency,
    1,
    1000,
    "requests in flight"
);
whole_setting!(
    /// Seconds one request may take (`--timeout`, `timeout_seconds`), up to an hour.
    TimeoutSeconds,
    1,
    3600,
    "seconds per request"
);
whole_setting!(
    /// Most requests a run may send (`--max-requests`, `max_requests`).
    MaxRequests,
    1,
    i64::MAX as u64,
    "requests"
);
whole_setting!(
    /// Most seconds a run may take (`--max-duration`, `max_duration_seconds`), up to 30 days:
    /// a deadline must stay a representable instant.
    MaxDurationSeconds,
    1,
    30 * 24 * 3600,
    "seconds"
);

/// Requests per second (`--rate`, `rate`): finite, from one request every 100 seconds to
/// 100,000 a second. Below the floor the pause between requests would not fit a duration; above
/// the ceiling the limit would not limit anything.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate(f64);

impl Rate {
    /// Smallest rate accepted.
    pub const MIN: f64 = 0.01;
    /// Largest rate accepted.
    pub const MAX: f64 = 1e5;

    /// The rate if it is in range, or a message saying the range.
    pub fn new(value: f64) -> Result<Rate, String> {
        if value.is_finite() && (Rate::MIN..=Rate::MAX).contains(&value) {
            Ok(Rate(value))
        } else {
            Err(format!(
                "must be a number of requests per second from {} to {}, found {value}",
                Rate::MIN,
                Rate::MAX
            ))
        }
    }

    /// Requests per second.
    pub fn get(self) -> f64 {
        self.0
    }
}

impl FromStr for Rate {
    type Err = String;
    fn from_str(s: &str) -> Result<Rate, String> {
        let value: f64 = s
            .trim()
            .parse()
            .map_err(|_| "must be a number of requests per second".to_string())?;
        Rate::new(value)
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A whole, in percent: what a coverage figure and a gate's minimum are out of.
pub const FULL_PERCENT: f64 = 100.0;

/// One minimum of the coverage gate (`--min-coverage`, the profile's `min_coverage`): a
/// percentage of the documented requirements verified, for the overall figure and every
/// selected operation (`95`), or for one operation (`customers_v1=80`). A run below it ends
/// with its own exit code, so CI can refuse a green run that verified too little.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoverageMinimum {
    /// The operation it is for; `None`: the overall figure and every selected operation.
    pub operation: Option<crate::spec::OperationId>,
    /// The minimum, in percent.
    pub percent: f64,
}

impl CoverageMinimum {
    /// A minimum if the percentage is from 0 to 100, or a message saying the range.
    pub fn new(
        operation: Option<crate::spec::OperationId>,
        percent: f64,
    ) -> Result<CoverageMinimum, String> {
        let full = FULL_PERCENT;
        if percent.is_finite() && (0.0..=full).contains(&percent) {
            Ok(CoverageMinimum { operation, percent })
        } else {
            Err(format!(
                "must be a percentage from 0 to {full}, found {percent}"
            ))
        }
    }
}

impl FromStr for CoverageMinimum {
    type Err = String;
    fn from_str(s: &str) -> Result<CoverageMinimum, String> {
        let (operation, number) = match s.split_once('=') {
            Some((op, number)) => (Some(op.trim().parse().map_err(|e| format!("{e}"))?), number),
            None => (None, s),
        };
        let percent: f64 = number.trim().trim_end_matches('%').parse().map_err(|_| {
            "must be a percentage (95) or an operation and a percentage (customers_v1=80)"
                .to_string()
        })?;
        CoverageMinimum::new(operation, percent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_coverage_minimum_is_a_percentage_overall_or_of_one_operation() {
        assert_eq!("95".parse::<CoverageMinimum>().unwrap().percent, 95.0);
        let one: CoverageMinimum = "customers_v1=80%".parse().unwrap();
        assert_eq!(
            (one.operation, one.percent),
            (Some(crate::spec::OperationId::CustomersV1), 80.0)
        );
        for bad in ["101", "-1", "nan", "x", "customers=80", "customers_v1=", ""] {
            assert!(bad.parse::<CoverageMinimum>().is_err(), "{bad}");
        }
    }

    #[test]
    fn flags_and_profile_numbers_share_one_range() {
        for bad in ["0", "-1", "nan", "inf", "1e-300", "1e300", "x", ""] {
            assert!(bad.parse::<Rate>().is_err(), "{bad}");
        }
        assert_eq!("5".parse::<Rate>().unwrap().get(), 5.0);
        assert!(Rate::new(0.01).is_ok());
        assert!("0".parse::<Concurrency>().is_err());
        assert!("1001".parse::<Concurrency>().is_err());
        assert_eq!("16".parse::<Concurrency>().unwrap().get(), 16);
        assert_eq!(
            Concurrency::from_i64(0).unwrap_err(),
            "must be from 1 to 1000 (requests in flight), found 0"
        );
        assert!(TimeoutSeconds::from_i64(3601).is_err());
        assert!(MaxDurationSeconds::from_i64(i64::MAX).is_err());
        assert!(MaxRequests::from_i64(-5).is_err());
        assert_eq!(
            "2.5".parse::<Concurrency>().unwrap_err(),
            "must be a whole number of requests in flight"
        );
    }
}

/// Which requests a run sends (`--plan`, profile key `plan`). Off loopback every request costs
/// the target's patience (a polite 5 requests/s makes the full run minutes long), and most of
/// the full run's generated cases verify again what a few already verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum PlanMode {
    /// Of each generated trial's cases, the fewest that together call for every rule the whole
    /// set calls for (greedy set cover); scenarios and stateful checks as in the full plan. The
    /// default off loopback.
    Coverage,
    /// Every generated case (`--cases` per operation and polarity). The default on loopback,
    /// where requests cost next to nothing.
    Full,
}

impl PlanMode {
    /// The spelling on the command line and in profiles.
    pub fn as_str(self) -> &'static str {
        match self {
            PlanMode::Coverage => "coverage",
            PlanMode::Full => "full",
        }
    }

    /// The default for a target: full on loopback, coverage anywhere else.
    pub fn default_for(loopback: bool) -> PlanMode {
        if loopback {
            PlanMode::Full
        } else {
            PlanMode::Coverage
        }
    }
}
