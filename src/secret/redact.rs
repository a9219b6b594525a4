//! Redaction of credential values from everything the suite writes or prints.
//!
//! A hostile or careless target can echo the credential it received: raw, percent-encoded, inside
//! an id the suite then sends back, in an error message the suite quotes. The suite itself then
//! re-encodes what it quotes: query values are percent-encoded, reports are JSON, XML and
//! Markdown, reproduce lines are single-quoted for a shell. So redaction does not look for the
//! value alone but for every form the suite can give it, byte by byte: as is; percent-encoded with
//! upper- or lower-case hex (`+` for a space, as form encoding writes it); backslash-escaped as
//! JSON, Rust's `{:?}` and Markdown escape punctuation (`\"`, `\\`, `\|`, nested: `\\\"`); JSON
//! `\u00XX`; XML/HTML entities (`&quot;`, `&#39;`, `&#x27;`); and a `'` closed and reopened as a
//! shell single-quoted string writes it (`'\''`). Any mix of these forms within one value matches.
//!
//! Credentials enter the process in one place (`TargetCredentials::from_lookup`), which
//! [`register`]s them; every file the suite writes goes through [`write_file`], which redacts every
//! registered value. A writer therefore cannot forget to pass the secrets along.

use std::borrow::Cow;
use std::path::Path;
use std::sync::RwLock;

/// How many values a byte has.
const BYTE_VALUES: usize = u8::MAX as usize + 1;

/// A set of byte values, as a lookup table.
type ByteSet = [bool; BYTE_VALUES];

/// What replaces a secret value.
pub const REDACTED: &str = "[REDACTED]";

/// Values shorter than this are not redacted: they would match ordinary text everywhere, and no
/// real credential is that short.
pub const MIN_SECRET_LEN: usize = 4;

/// Finds every encoded form of a set of secret values in text and replaces it with
/// [`REDACTED`]. Built once per set of values, so a scan costs one table lookup per byte of text
/// where no secret can start.
#[derive(Debug, Clone)]
pub struct Redactor {
    secrets: Vec<Secret>,
    /// Whether some form of some secret can start with this byte.
    starts: ByteSet,
    /// A bit per pair of bytes (first, second): whether some secret starts with `first` as is
    /// and some form of its second byte can start with `second`. Outside [`escapes_a_byte`], a
    /// text byte can only begin a secret as itself, so a pair without its bit starts no match
    /// and the scan moves on after one lookup (every answer the suite reads is scanned whole).
    pairs: Vec<u64>,
}

/// The bytes that begin an encoded form of a byte other than themselves (`%2B`, `\"`, `&amp;`,
/// `'\''`, `+` for a space and a space for `+`): at these the scan tries every secret.
fn escapes_a_byte(byte: u8) -> bool {
    matches!(byte, b'%' | b'\\' | b'&' | b'+' | b'\'' | b' ')
}

/// One value and what makes most non-matches cheap to rule out.
#[derive(Debug, Clone)]
struct Secret {
    bytes: Vec<u8>,
    /// The bytes a form of its first byte can start with ([`first_bytes`]): at any other text
    /// byte it cannot start, and is not tried.
    first: ByteSet,
    /// Whether a form of the second byte can start with this byte: after the first byte as is,
    /// a text byte outside this set ends the attempt.
    second: ByteSet,
    /// Whether the first byte, as is, can only be the first byte as is (it does not also begin
    /// an escape: `%`, `\`, `&`, `+`, `'`), so that the `second` shortcut applies.
    plain_first: bool,
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor::EMPTY
    }
}

impl Redactor {
    /// A redactor that hides nothing.
    pub const EMPTY: Redactor = Redactor {
        secrets: Vec::new(),
        starts: [false; BYTE_VALUES],
        pairs: Vec::new(),
    };

    /// A redactor for these values (empty and too-short values are ignored).
    pub fn new<S: AsRef<str>>(secrets: impl IntoIterator<Item = S>) -> Self {
        let mut redactor = Redactor::EMPTY;
        redactor.add(secrets);
        redactor
    }

    /// Adds values (each once), with the forms a target may echo them in that no escape of the
    /// suite produces: upper- and lower-cased, and base64 (standard and URL-safe alphabets, at
    /// each of the three alignments inside a longer encoded text).
    pub fn add<S: AsRef<str>>(&mut self, secrets: impl IntoIterator<Item = S>) {
        let mut all = Vec::new();
        for secret in secrets {
            let value = secret.as_ref();
            if value.len() < MIN_SECRET_LEN {
                continue;
            }
            all.push(value.to_string());
            all.push(value.to_lowercase());
            all.push(value.to_uppercase());
            all.extend(base64_fragments(value.as_bytes()));
        }
        for secret in all {
            let bytes = secret.as_bytes();
            if bytes.len() >= MIN_SECRET_LEN && !self.secrets.iter().any(|s| s.bytes == bytes) {
                let mut first = [false; BYTE_VALUES];
                for start in first_bytes(bytes[0]) {
                    self.starts[usize::from(start)] = true;
                    first[usize::from(start)] = true;
                }
                let mut second = [false; BYTE_VALUES];
                for start in first_bytes(bytes[1]) {
                    second[usize::from(start)] = true;
                }
                if self.pairs.is_empty() {
                    self.pairs = vec![0; BYTE_VALUES * BYTE_VALUES / 64];
                }
                for (next, _) in second.iter().enumerate().filter(|(_, on)| **on) {
                    let bit = usize::from(bytes[0]) * BYTE_VALUES + next;
                    self.pairs[bit / 64] |= 1 << (bit % 64);
                }
                self.secrets.push(Secret {
                    bytes: bytes.to_vec(),
                    first,
                    second,
                    plain_first: !b"%\\&+'".contains(&bytes[0]),
                });
            }
        }
    }

    /// Whether it hides anything.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// `text` with every form of every secret replaced; borrowed when nothing matched.
    pub fn redact_bytes<'t>(&self, text: &'t [u8]) -> Cow<'t, [u8]> {
        if self.secrets.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut out: Option<Vec<u8>> = None;
        let mut scratch = (Vec::new(), Vec::new());
        let (mut i, mut copied) = (0, 0);
        while i < text.len() {
            if self.starts[usize::from(text[i])] && self.may_start_at(text, i) {
                let end = self
                    .secrets
                    .iter()
                    .filter(|secret| {
                        // No form of its first byte starts here (a space, a letter of another
                        // secret); or the common miss: the first byte as is, the next one no
                        // form of the second byte.
                        secret.first[usize::from(text[i])]
                            && (!secret.plain_first
                                || text[i] != secret.bytes[0]
                                || text
                                    .get(i + 1)
                                    .is_some_and(|&b| secret.second[usize::from(b)]))
                    })
                    .filter_map(|secret| longest_match(text, i, &secret.bytes, &mut scratch))
                    .max();
                if let Some(end) = end {
                    let out = out.get_or_insert_with(|| Vec::with_capacity(text.len()));
                    out.extend_from_slice(&text[copied..i]);
                    out.extend_from_slice(REDACTED.as_bytes());
                    (i, copied) = (end, end);
                    continue;
                }
            }
            i += 1;
        }
        match out {
            None => Cow::Borrowed(text),
            Some(mut out) => {
                out.extend_from_slice(&text[copied..]);
                Cow::Owned(out)
            }
        }
    }

    /// Whether a secret can start at `text[i]`: always at a byte that begins another byte's
    /// form; else only as itself, followed by a form of its second byte (the first test of
    /// `redact_bytes`' loop, for every secret at once).
    fn may_start_at(&self, text: &[u8], i: usize) -> bool {
        if escapes_a_byte(text[i]) {
            return true;
        }
        text.get(i + 1).is_some_and(|&next| {
            let bit = usize::from(text[i]) * BYTE_VALUES + usize::from(next);
            self.pairs
                .get(bit / 64)
                .is_some_and(|w| w >> (bit % 64) & 1 == 1)
        })
    }

    /// `text` with every form of every secret replaced.
    pub fn redact(&self, text: &str) -> String {
        match self.redact_bytes(text.as_bytes()) {
            Cow::Borrowed(_) => text.to_string(),
            // A match starts and ends on character boundaries (see `longest_match`), so this is
            // UTF-8; the lossy path is a guard, not a case.
            Cow::Owned(bytes) => String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        }
    }
}

/// The base64 characters that depend on `secret` alone, when it is encoded on its own or inside
/// a longer text at any of the three byte alignments, in the standard and URL-safe alphabets:
/// a target that base64-encodes something holding the credential gives one of these. Fragments
/// shorter than the secret are left out (they would match ordinary text).
fn base64_fragments(secret: &[u8]) -> Vec<String> {
    use base64::Engine as _;
    let mut out = Vec::new();
    for offset in 0..3usize {
        let mut padded = vec![0u8; offset];
        padded.extend_from_slice(secret);
        padded.extend_from_slice(&[0, 0, 0]);
        let (first_bit, end_bit) = (8 * offset, 8 * (offset + secret.len()));
        for engine in [
            &base64::engine::general_purpose::STANDARD_NO_PAD,
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ] {
            let encoded = engine.encode(&padded);
            // Character j carries bits [6j, 6j + 6): keep those wholly inside the secret's bits.
            let fragment: String = encoded
                .chars()
                .enumerate()
                .filter(|(j, _)| 6 * j >= first_bit && 6 * j + 6 <= end_bit)
                .map(|(_, c)| c)
                .collect();
            if fragment.len() >= secret.len() && !out.contains(&fragment) {
                out.push(fragment);
            }
        }
    }
    out
}

/// Replaces every form of each secret in `text` with `[REDACTED]`.
pub fn redact(text: &str, secrets: &[String]) -> String {
    Redactor::new(secrets).redact(text)
}

/// The credentials this process holds, for [`write_file`] and [`redact_registered`].
static REGISTERED: RwLock<Redactor> = RwLock::new(Redactor::EMPTY);

/// Makes these values hidden from every file the process writes from now on. Called where
/// credentials are read, so no writer depends on being handed them.
pub fn register<S: AsRef<str>>(secrets: impl IntoIterator<Item = S>) {
    let mut registered = REGISTERED.write().unwrap_or_else(|e| e.into_inner());
    registered.add(secrets);
}

/// `text` with every registered credential redacted.
pub fn redact_registered(text: &str) -> String {
    REGISTERED
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .redact(text)
}

/// Writes a file the suite produces (report, baseline, request log, run directory, recording,
/// kept seeds, migration table) with every registered credential redacted, atomically (see
/// [`crate::files::write_atomic`]): the one door every writer goes through.
pub fn write_file(path: &Path, text: &str) -> std::io::Result<()> {
    crate::files::write_atomic(path, redact_registered(text).as_bytes())
}

/// [`write_file`] for a file of many lines, each redacted and written as it comes, so the
/// whole text is never held at once.
pub fn write_lines(path: &Path, lines: &mut dyn Iterator<Item = String>) -> std::io::Result<()> {
    crate::files::write_atomic_with(path, &mut |out| {
        for line in &mut *lines {
            out.write_all(redact_registered(&line).as_bytes())?;
            out.write_all(b"\n")?;
        }
        Ok(())
    })
}

/// The end of the longest match of `secret`, in any mix of its encoded forms, starting at `at`.
///
/// The set of text positions reachable after matching each byte of the secret is tracked (a
/// byte can have several forms of different lengths, `\` among them), so no combination is
/// missed and the time stays linear in the secret's length. A match starts on a byte that begins
/// a character (the secret's first byte or an ASCII escape) and ends after a complete character,
/// so replacing it keeps UTF-8 text UTF-8.
///
/// `scratch` holds the two position sets, reused from one call to the next.
fn longest_match(
    text: &[u8],
    at: usize,
    secret: &[u8],
    (positions, next): &mut (Vec<usize>, Vec<usize>),
) -> Option<usize> {
    positions.clear();
    positions.push(at);
    for &byte in secret {
        next.clear();
        for &position in positions.iter() {
            forms(byte, &text[position..], &mut |len| {
                if !next.contains(&(position + len)) {
                    next.push(position + len);
                }
            });
        }
        if next.is_empty() {
            return None;
        }
        std::mem::swap(positions, next);
    }
    positions.iter().copied().max()
}

/// The bytes an encoded form of `byte` can start with (a `'` closed and reopened starts with `'`
/// or `&`, both here already).
fn first_bytes(byte: u8) -> Vec<u8> {
    let mut out = vec![byte, b'%', b'\\', b'&'];
    if byte == b' ' {
        out.push(b'+');
    }
    if byte == b'+' {
        out.push(b' ');
    }
    out
}

/// Calls `found(len)` for each encoded form of `byte` that `rest` starts with.
fn forms(byte: u8, rest: &[u8], found: &mut dyn FnMut(usize)) {
    let Some(&first) = rest.first() else { return };
    if first == byte {
        found(1);
    }
    if first == b'%' && rest.len() >= 3 && hex_byte(rest[1], rest[2]) == Some(byte) {
        found(3);
    }
    // Percent-encoded again and again (`%252B`, `%25252B`): a value taken from an answer and
    // encoded once more each time it is sent back, or a target that encodes more than once.
    // Each layer adds `25` after the `%`: `%2B`, `%252B`, `%25252B`.
    if first == b'%' {
        let mut at = 1;
        while rest[at..].starts_with(b"25") {
            at += 2;
            if rest.len() >= at + 2 && hex_byte(rest[at], rest[at + 1]) == Some(byte) {
                found(at + 2);
            }
        }
    }
    // A `+` that form decoding turned into a space.
    if byte == b'+' && first == b' ' {
        found(1);
    }
    // A percent-encoding whose `%` is JSON-escaped (`\u00252B`), which parsing turns into `%2B`.
    if rest.len() >= 8
        && (rest.starts_with(b"\\u0025") || rest.starts_with(b"\\U0025"))
        && hex_byte(rest[6], rest[7]) == Some(byte)
    {
        found(8);
    }
    if !byte.is_ascii() {
        // A byte of a multi-byte character: only percent-encoding splits those.
        return;
    }
    if byte == b' ' && first == b'+' {
        found(1);
    }
    if first == b'\\' {
        backslash_forms(byte, rest, found);
    }
    if first == b'&' {
        if let Some(len) = entity(byte, rest) {
            found(len);
        }
    }
    if byte == b'\'' {
        shell_quote_forms(rest, found);
    }
}

/// Backslash escapes: `\"` (JSON, `{:?}`, Markdown), the same escaped again (`\\\"`, a JSON
/// string inside a JSON string), `\\` doubled as often, `\n`-style control escapes and `\u00XX`.
fn backslash_forms(byte: u8, rest: &[u8], found: &mut dyn FnMut(usize)) {
    let run = rest.iter().take_while(|&&b| b == b'\\').count();
    if byte == b'\\' {
        // The backslash itself, escaped once, twice or three times.
        for len in [2, 4, 8] {
            if run >= len {
                found(len);
            }
        }
    } else if byte.is_ascii_punctuation() {
        for len in [1, 3, 7] {
            if run >= len && rest.get(len) == Some(&byte) {
                found(len + 1);
            }
        }
    }
    let control = match byte {
        b'\n' => Some(b'n'),
        b'\r' => Some(b'r'),
        b'\t' => Some(b't'),
        0x08 => Some(b'b'),
        0x0c => Some(b'f'),
        _ => None,
    };
    if control.is_some() && rest.get(1).copied() == control {
        found(2);
    }
    if rest.len() >= 6
        && rest[1] == b'u'
        && rest[2] == b'0'
        && rest[3] == b'0'
        && hex_byte(rest[4], rest[5]) == Some(byte)
    {
        found(6);
    }
}

/// An XML/HTML character reference for an ASCII byte: named (`&amp;`), decimal (`&#39;`) or hex
/// (`&#x27;`); the length of the one `rest` starts with.
fn entity(byte: u8, rest: &[u8]) -> Option<usize> {
    let end = rest.iter().take(10).position(|&b| b == b';')?;
    let name = &rest[1..end];
    let value = match name {
        b"amp" => Some(b'&'),
        b"lt" => Some(b'<'),
        b"gt" => Some(b'>'),
        b"quot" => Some(b'"'),
        b"apos" => Some(b'\''),
        [b'#', b'x' | b'X', hex @ ..] => std::str::from_utf8(hex)
            .ok()
            .and_then(|h| u8::from_str_radix(h, 16).ok()),
        [b'#', decimal @ ..] => std::str::from_utf8(decimal)
            .ok()
            .and_then(|d| d.parse::<u8>().ok()),
        _ => None,
    };
    (value == Some(byte)).then_some(end + 1)
}

/// A `'` inside a shell single-quoted string, as the curl lines write it: the quote is closed,
/// an escaped quote follows and the quote reopens (`'\''`), possibly itself escaped again by a
/// report format (`'\\''` in JSON, `&apos;\&apos;&apos;` in XML).
fn shell_quote_forms(rest: &[u8], found: &mut dyn FnMut(usize)) {
    let quote = |at: usize| -> Vec<usize> {
        let mut ends = Vec::new();
        let tail = rest.get(at..).unwrap_or_default();
        if tail.first() == Some(&b'\'') {
            ends.push(at + 1);
        }
        if tail.first() == Some(&b'&') {
            if let Some(len) = entity(b'\'', tail) {
                ends.push(at + len);
            }
        }
        ends
    };
    for closed in quote(0) {
        let run = rest[closed..].iter().take_while(|&&b| b == b'\\').count();
        for backslashes in [1, 2, 3].into_iter().filter(|n| *n <= run) {
            for escaped in quote(closed + backslashes) {
                for reopened in quote(escaped) {
                    found(reopened);
                }
            }
        }
    }
}

/// The byte two hex digits (either case) spell.
fn hex_byte(high: u8, low: u8) -> Option<u8> {
    let digit = |d: u8| (d as char).to_digit(16);
    Some((digit(high)? * 16 + digit(low)?) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "tok+SE/CR=ET'x\"y\\z 9";

    fn hidden(text: &str) -> String {
        redact(text, &[TOKEN.to_string()])
    }

    #[test]
    fn the_pair_table_skips_only_what_could_not_match() {
        // The same redactor with every byte, pair and first byte marked tries every secret at
        // every byte, leaving the decision to `longest_match`: both must give the same text.
        let secrets = [TOKEN, "Tok3n-Value_9xyz", "中文密钥abcd", " lead+plus"];
        let fast = Redactor::new(secrets);
        let mut slow = fast.clone();
        slow.pairs.iter_mut().for_each(|w| *w = u64::MAX);
        slow.starts = [true; BYTE_VALUES];
        for secret in &mut slow.secrets {
            secret.first = [true; BYTE_VALUES];
            secret.second = [true; BYTE_VALUES];
        }
        let pieces: Vec<String> = secrets
            .iter()
            .flat_map(|s| {
                let json = serde_json::to_string(s).unwrap_or_default();
                let pct: String = s.bytes().map(|b| format!("%{b:02X}")).collect();
                let half = s.len() / 2;
                let cut = (half..s.len())
                    .find(|&i| s.is_char_boundary(i))
                    .unwrap_or(0);
                [
                    s.to_string(),
                    s.to_lowercase(),
                    json,
                    pct,
                    s[..cut].to_string(),
                ]
            })
            .chain(
                [
                    "%", "\\", "&amp;", "'\\''", "+", " ", "x", "中", "\"", "%25",
                ]
                .map(str::to_string),
            )
            .collect();
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut matched = 0;
        for _ in 0..2000 {
            let mut text = String::new();
            for _ in 0..6 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push_str(&pieces[(state % pieces.len() as u64) as usize]);
            }
            let got = fast.redact(&text);
            assert_eq!(got, slow.redact(&text), "{text}");
            matched += usize::from(got.contains(REDACTED));
        }
        assert!(matched > 500, "only {matched} texts held a secret");
    }

    #[test]
    fn a_secret_percent_encoded_twice_is_found() {
        let secret = "tok+/=x";
        let redactor = Redactor::new(vec![secret.to_string()]);
        let thrice = "customer_id=tok%25252B%25252F%25253Dx";
        assert!(
            !redactor.redact(thrice).contains("tok"),
            "{}",
            redactor.redact(thrice)
        );
        assert!(
            !redactor.redact("id=tok /=x").contains("tok"),
            "{}",
            redactor.redact("id=tok /=x")
        );
        let twice = "customer_id=tok%252B%252F%253Dx&x=1";
        assert!(
            !redactor.redact(twice).contains("tok%25"),
            "{}",
            redactor.redact(twice)
        );
        let escaped = r#"{"id": "tok\u00252B\u00252F\u00253Dx"}"#;
        assert!(
            !redactor.redact(escaped).contains("tok"),
            "{}",
            redactor.redact(escaped)
        );
    }

    #[test]
    fn hides_a_case_changed_or_base64_encoded_echo() {
        use base64::Engine as _;
        let secret = "Tok3n-Value_9xyz";
        let r = Redactor::new([secret]);
        assert_eq!(r.redact("a tok3n-value_9xyz b"), "a [REDACTED] b");
        assert_eq!(r.redact("TOK3N-VALUE_9XYZ"), "[REDACTED]");
        for prefix in ["", "x", "xy", "Bearer "] {
            for engine in [
                &base64::engine::general_purpose::STANDARD,
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            ] {
                let encoded = engine.encode(format!("{prefix}{secret}:rest"));
                let redacted = r.redact(&encoded);
                assert!(
                    redacted.contains(REDACTED),
                    "{prefix:?}: {encoded} -> {redacted}"
                );
            }
        }
        assert_eq!(r.redact("nothing here"), "nothing here");
    }

    #[test]
    fn hides_every_occurrence_and_ignores_trivial_values() {
        let secrets = vec!["tok-123456".to_string(), "".to_string(), "ab".to_string()];
        assert_eq!(
            redact("a tok-123456 b tok-123456 ab", &secrets),
            "a [REDACTED] b [REDACTED] ab"
        );
    }

    #[test]
    fn hides_percent_encodings_in_either_case_and_form_encoding() {
        let upper = crate::client::encode_component(TOKEN);
        assert!(upper.contains("%2B") && upper.contains("%2F"), "{upper}");
        let lower = upper
            .split('%')
            .enumerate()
            .map(|(i, part)| {
                if i == 0 {
                    part.to_string()
                } else {
                    format!("%{}{}", part[..2].to_ascii_lowercase(), &part[2..])
                }
            })
            .collect::<Vec<_>>()
            .join("");
        let form = upper.replace("%20", "+");
        let every_byte: String = TOKEN.bytes().map(|b| format!("%{b:02X}")).collect();
        for form in [upper, lower, form, every_byte] {
            assert_eq!(
                hidden(&format!("id={form}&x=1")),
                "id=[REDACTED]&x=1",
                "{form}"
            );
        }
    }

    #[test]
    fn hides_json_debug_markdown_xml_and_shell_forms() {
        let json = serde_json::to_string(TOKEN).unwrap();
        assert_eq!(hidden(&json), "\"[REDACTED]\"");
        // A JSON string holding a JSON string.
        let nested = serde_json::to_string(&json).unwrap();
        assert_eq!(hidden(&nested), "\"\\\"[REDACTED]\\\"\"");
        assert_eq!(hidden(&format!("{TOKEN:?}")), "\"[REDACTED]\"");
        let unicode: String = TOKEN
            .chars()
            .map(|c| format!("\\u{:04x}", c as u32))
            .collect();
        assert_eq!(hidden(&unicode), REDACTED);
        let xml = TOKEN
            .replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;");
        assert_eq!(hidden(&format!("<a>{xml}</a>")), "<a>[REDACTED]</a>");
        let shell = format!("'{}'", TOKEN.replace('\'', "'\\''"));
        assert_eq!(hidden(&shell), "'[REDACTED]'");
        // The curl line inside a JSON report.
        let in_json = serde_json::to_string(&shell).unwrap();
        assert_eq!(hidden(&in_json), "\"'[REDACTED]'\"");
        let markdown = TOKEN.replace('|', "\\|").replace('\'', "\\'");
        assert_eq!(hidden(&markdown), REDACTED);
    }

    #[test]
    fn mixed_forms_multibyte_values_and_near_misses() {
        assert_eq!(hidden("tok%2bSE\\/CR%3DET'x\\\"y\\\\z+9"), REDACTED);
        let wide = "王小明-secret";
        let encoded = crate::client::encode_component(wide);
        let secrets = [wide.to_string()];
        assert_eq!(redact(&format!("a {wide} b"), &secrets), "a [REDACTED] b");
        assert_eq!(redact(&encoded, &secrets), REDACTED);
        // A prefix of the value, or the value with one byte changed, stays.
        assert_eq!(hidden("tok+SE/CR=ET'x\"y\\z 8"), "tok+SE/CR=ET'x\"y\\z 8");
        assert_eq!(hidden("tok%2BSE"), "tok%2BSE");
        // Text without any secret is returned as is, and borrowed.
        let redactor = Redactor::new([TOKEN]);
        assert!(matches!(
            redactor.redact_bytes(b"nothing here"),
            Cow::Borrowed(_)
        ));
        assert!(Redactor::new(["abc"]).is_empty());
    }

    #[test]
    fn values_starting_with_an_escape_character() {
        for secret in [
            "%abc-1234",
            "&abc-1234",
            "\\abc-1234",
            "'abc-1234",
            "+abc-1234",
        ] {
            let secrets = [secret.to_string()];
            let upper = crate::client::encode_component(secret);
            let json = serde_json::to_string(secret).unwrap();
            for form in [secret.to_string(), upper, json] {
                let hidden = redact(&format!("<{form}>"), &secrets);
                assert!(
                    hidden == "<[REDACTED]>" || hidden == "<\"[REDACTED]\">",
                    "{secret}: {form} -> {hidden}"
                );
            }
        }
    }

    #[test]
    fn registered_values_are_hidden_from_written_files() {
        let value = "registered-secret-7d1e0c";
        register([value]);
        let dir = std::env::temp_dir().join(format!("pc-redact-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.txt");
        write_file(&path, &format!("x {} y", value.replace('-', "%2D"))).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "x [REDACTED] y");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
