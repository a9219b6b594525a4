//! Amounts as decimals. The documentation types budgets as Double (old) and BigDecimal (new);
//! `1000` and `1000.0` are the same amount, and no comparison may go through binary floating
//! point, where 0.1 + 0.2 is not 0.3 and digits beyond the 17th are lost. Amounts are therefore
//! read from the body's own text, never from a parsed `f64`.

use rust_decimal::Decimal;
use serde_json::value::RawValue;
use serde_json::{Number, Value};
use std::collections::BTreeMap;
use std::str::FromStr;

/// The JSON text of each top-level member of an object body, as it was sent (`None` when the
/// body is not a JSON object).
pub fn members(raw_body: &[u8]) -> Option<BTreeMap<String, Box<RawValue>>> {
    serde_json::from_slice(raw_body).ok()
}

/// The decimal a member's JSON text denotes: a number exactly as written, or a string holding
/// one (a server that quotes its amounts has a `type` problem, which the response schema check
/// reports; the amount itself can still agree). `None` for anything else.
pub fn of_text(text: &str) -> Option<Decimal> {
    let text = text.trim();
    let text = match serde_json::from_str::<Value>(text) {
        Ok(Value::String(inner)) => inner,
        Ok(Value::Number(_)) => text.to_string(),
        _ => return None,
    };
    Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .ok()
}

/// Whether two JSON texts are the same amount (`None` when either is not one).
pub fn same_amount(a: &str, b: &str) -> Option<bool> {
    Some(of_text(a)?.normalize() == of_text(b)?.normalize())
}

/// The decimal of an already parsed JSON number, for values the suite writes itself (drift
/// injection): integers exactly, fractions from their shortest round-trip text.
pub fn of(value: &Value) -> Option<Decimal> {
    of_text(&value.to_string())
}

/// A decimal as a JSON number, integral amounts as integers.
pub fn to_json(amount: Decimal) -> Value {
    let amount = amount.normalize();
    if amount.scale() == 0 {
        if let Ok(n) = i64::try_from(amount.mantissa()) {
            return Value::from(n);
        }
    }
    amount
        .to_string()
        .parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn amounts_compare_as_written_decimals() {
        assert_eq!(same_amount("1000", "1000.0"), Some(true));
        assert_eq!(same_amount("95.98", "95.980"), Some(true));
        assert_eq!(same_amount("95.98", "95.99"), Some(false));
        assert_eq!(same_amount("1e3", "1000"), Some(true));
        assert_eq!(same_amount("\"100.10\"", "100.1"), Some(true));
        assert_eq!(same_amount("null", "1"), None);
        // Beyond what an f64 holds: these two differ, and must be found to differ.
        assert_eq!(
            same_amount("12345678901234567.01", "12345678901234567.02"),
            Some(false)
        );
    }

    #[test]
    fn members_keep_the_text_of_each_amount() {
        let body = br#"{"budget_amount": 12345678901234567.01, "currency": "USD"}"#;
        let texts = members(body).unwrap();
        assert_eq!(texts["budget_amount"].get(), "12345678901234567.01");
        assert!(members(b"[1]").is_none());
    }

    #[test]
    fn adding_a_cent_is_exact() {
        let sum = of(&json!(95.98)).unwrap() + Decimal::new(1, 2);
        assert_eq!(to_json(sum), json!(95.99));
        let sum = of(&json!(0.1)).unwrap() + of(&json!(0.2)).unwrap();
        assert_eq!(to_json(sum), json!(0.3));
        assert_eq!(to_json(Decimal::new(1500, 0)), json!(1500));
    }
}
