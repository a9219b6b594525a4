//! Secrets are never read from the config file: telling a secret-looking key from a setting,
//! finding every such key in a document, and the message saying where secrets go instead.

use super::error::KeyPath;
use crate::client::{AK_ENV, SK_ENV};
use crate::spec::Spec;
use crate::text::normalise;
use std::ops::Range;
use toml_edit::{Item, TableLike, Value};

/// The error text for a secret in the file: where secrets go instead (the token variables the
/// contract names, and the AK/SK pair).
pub(super) fn secret_message() -> String {
    let mut tokens: Vec<String> = Spec::embedded()
        .map(|spec| {
            spec.operations()
                .iter()
                .map(|op| op.meta.token_env.clone())
                .collect()
        })
        .unwrap_or_default();
    tokens.sort_unstable();
    tokens.dedup();
    format!(
        "secrets are never read from the config file (it ends up in version control and CI \
         logs); remove it and set {} (tokens) or {AK_ENV} / {SK_ENV} (AK/SK) in the \
         environment instead",
        tokens.join(" / ")
    )
}

/// Collects every secret-looking key under `table` with the span of the key (or its value).
/// Directly under `profiles`, a key holding a table is a profile name (`[profiles.aksk]` is a
/// fine name for a profile testing AK/SK), so it is not itself taken for a secret.
pub(super) fn find_secret_keys(
    table: &dyn TableLike,
    path: &KeyPath,
    found: &mut Vec<(Range<usize>, KeyPath)>,
) {
    let under_profiles = path.0.len() == 1 && path.0[0] == "profiles";
    for (key, item) in table.iter() {
        let child = path.child(key);
        let is_profile_name = under_profiles && item.is_table_like();
        if !is_profile_name && is_secret_key(key) {
            let span = table
                .key(key)
                .and_then(|k| k.span())
                .or_else(|| item.span())
                .unwrap_or(0..0);
            found.push((span, child.clone()));
        }
        match item {
            Item::Value(Value::Array(array)) => {
                for (i, value) in array.iter().enumerate() {
                    if let Value::InlineTable(t) = value {
                        find_secret_keys(t, &child.index(i), found);
                    }
                }
            }
            Item::ArrayOfTables(tables) => {
                for (i, t) in tables.iter().enumerate() {
                    find_secret_keys(t, &child.index(i), found);
                }
            }
            _ => {
                if let Some(t) = item.as_table_like() {
                    find_secret_keys(t, &child, found);
                }
            }
        }
    }
}

/// Whether a key looks like it holds a credential: it contains `token`, `secret`, `password`
/// and the like, or has `ak` / `sk` as a word (`HUAWEICLOUD_SDK_AK`, `sdkSk`, `ak`).
pub(super) fn is_secret_key(key: &str) -> bool {
    const WORDS: [&str; 12] = [
        "token",
        "secret",
        "password",
        "passwd",
        "passphrase",
        "credential",
        "authorization",
        "apikey",
        "accesskey",
        "secretkey",
        "privatekey",
        "cookie",
    ];
    const SHORT: [&str; 4] = ["ak", "sk", "aksk", "pwd"];
    let squashed = normalise(key);
    WORDS.iter().any(|w| squashed.contains(w))
        || words(key).iter().any(|w| SHORT.contains(&w.as_str()))
}

/// The words of a key: split at non-alphanumerics and at lower-to-upper case changes.
fn words(key: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in key.chars() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}
