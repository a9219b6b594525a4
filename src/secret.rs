//! A newtype for credentials (tokens, access keys, secret keys) that keeps them out of logs.
//!
//! `Secret` deliberately has no `Display` implementation and its `Debug` output is redacted, so
//! a secret can only reach a log line or an error message through an explicit call to
//! [`Secret::expose`]. Equality is checked in constant time (for equal lengths) so that comparing
//! a presented credential against a stored one does not leak how many leading bytes matched.
//!
//! What a target sends back is another matter: it may echo a credential in any encoding. The
//! [`redact`] submodule hides every form of every credential from output and from every file the
//! suite writes ([`write_file`]).

use std::fmt;

mod redact;

pub use redact::{
    redact, redact_registered, register, write_file, write_lines, Redactor, MIN_SECRET_LEN,
    REDACTED,
};

/// A credential value (token, AK or SK) that must never be printed by accident.
///
/// Exists so that configuration structs and error types can carry credentials while their
/// `Debug` output stays safe to log.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// Returns the raw value; the only way to read a secret, so every use is greppable.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Compares the secret with `other` in constant time (for inputs of equal length), for
    /// checking a presented credential against a stored one.
    pub fn ct_eq(&self, other: &str) -> bool {
        constant_time_eq(self.0.as_bytes(), other.as_bytes())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(&other.0)
    }
}

impl Eq for Secret {}

/// Byte-slice equality whose running time depends only on the lengths of the inputs, not on
/// where they first differ. Exists for comparing secrets and signatures.
///
/// Inputs of different length return `false` immediately: the length of a credential or of a
/// hex signature is not considered secret.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut diff: u8 = 0;
    for (x, y) in a.iter().zip(b.iter()) {
        diff |= x ^ y;
    }
    // Keep the optimiser from turning the loop into an early-exit comparison.
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = Secret::new("SKexample0123456789abcdefghijKLMNOPQRSTuv");
        let dbg = format!("{s:?}");
        assert_eq!(dbg, "Secret([REDACTED])");
        assert!(!dbg.contains("SKexample"));
        // Also redacted when nested inside other Debug output.
        let nested = format!("{:?}", Some(vec![s.clone()]));
        assert_eq!(nested, "Some([Secret([REDACTED])])");
    }

    #[test]
    fn expose_returns_the_value() {
        let s = Secret::new(String::from("token-123"));
        assert_eq!(s.expose(), "token-123");
        assert_eq!(Secret::new("").expose(), "");
    }

    #[test]
    fn ct_eq_compares_exactly() {
        let s = Secret::new("abcdef");
        assert!(s.ct_eq("abcdef"));
        assert!(!s.ct_eq("abcdeg"));
        assert!(!s.ct_eq("bbcdef"));
        assert!(!s.ct_eq("abcde"));
        assert!(!s.ct_eq("abcdefg"));
        assert!(!s.ct_eq(""));
        assert!(Secret::new("").ct_eq(""));
        // Case matters.
        assert!(!s.ct_eq("ABCDEF"));
        // Multi-byte text is compared as bytes.
        assert!(Secret::new("王小明").ct_eq("王小明"));
        assert!(!Secret::new("王小明").ct_eq("王小"));
    }

    #[test]
    fn partial_eq_and_clone() {
        let a = Secret::new("same");
        let b = a.clone();
        assert_eq!(a, b);
        assert_ne!(a, Secret::new("other"));
        assert_ne!(a, Secret::new("sam"));
    }

    #[test]
    fn constant_time_eq_bytes() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(&[0, 1, 2], &[0, 1, 2]));
        assert!(!constant_time_eq(&[0, 1, 2], &[0, 1, 3]));
        assert!(!constant_time_eq(&[0, 1, 2], &[0, 1]));
        assert!(!constant_time_eq(&[0xff], &[0x7f]));
    }
}

/// A `Write` for logs that redacts secrets before they reach stderr.
#[derive(Debug, Clone)]
pub struct RedactingStderr {
    redactor: std::sync::Arc<Redactor>,
}

impl RedactingStderr {
    /// A writer that hides these values.
    pub fn new(secrets: Vec<String>) -> Self {
        RedactingStderr {
            redactor: std::sync::Arc::new(Redactor::new(secrets)),
        }
    }
}

impl std::io::Write for RedactingStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        std::io::stderr().write_all(self.redactor.redact(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
