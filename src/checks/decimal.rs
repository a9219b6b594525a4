//! Amounts as decimals. The documentation types budgets as Double (old) and BigDecimal (new);
//! `1000` and `1000.0` are the same amount, and no comparison may go through binary floating
//! point arithmetic, where 0.1 + 0.2 is not 0.3.

use rust_decimal::Decimal;
use serde_json::{Number, Value};
use std::str::FromStr;

/// The decimal a JSON number denotes: integers exactly, fractions from their shortest
/// round-trip text (the digits the server sent, for any amount of up to 15 significant digits).
/// `None` for anything that is not a number, or not representable.
pub fn of(value: &Value) -> Option<Decimal> {
    let number = value.as_number()?;
    if let Some(n) = number.as_i64() {
        return Some(Decimal::from(n));
    }
    if let Some(n) = number.as_u64() {
        return Some(Decimal::from(n));
    }
    let text = number.to_string();
    Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .ok()
}

/// Whether two JSON values are the same amount (`Some(false)` when they differ, `None` when
/// either is not a number).
pub fn same_amount(a: &Value, b: &Value) -> Option<bool> {
    Some(of(a)?.normalize() == of(b)?.normalize())
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
    fn integers_and_fractions_compare_as_decimals() {
        assert_eq!(same_amount(&json!(1000), &json!(1000.0)), Some(true));
        assert_eq!(same_amount(&json!(95.98), &json!(95.98)), Some(true));
        assert_eq!(same_amount(&json!(95.98), &json!(95.99)), Some(false));
        assert_eq!(same_amount(&json!(0.3), &json!(0.30)), Some(true));
        assert_eq!(same_amount(&json!("1"), &json!(1)), None);
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
