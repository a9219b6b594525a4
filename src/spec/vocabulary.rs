//! Typed views of the `x-` keywords (see `schemas/README.md`). The JSON shapes are checked by
//! `schemas/x-vocabulary.json` before these are deserialised, so serde errors here mean a bug.

use serde::Deserialize;
use std::collections::BTreeMap;

/// One quoted table row of the documentation (`x-doc.en` / `x-doc.zh`).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct DocQuote {
    /// Seed file (or spec-notes file) the row comes from.
    pub file: String,
    /// Table caption.
    pub table: String,
    /// Row (parameter name, status code...).
    pub row: String,
    /// The cells, quoted.
    pub text: String,
}

/// `x-doc`: where a constraint comes from, in English and, where the page exists, Chinese.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct DocRef {
    /// The English page's row.
    pub en: DocQuote,
    /// The Chinese page's row, when there is one.
    pub zh: Option<DocQuote>,
}

/// Which host an operation lives on: the BSS endpoint or the AICC domain.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    /// bss-intl.myhuaweicloud.com and friends; token or AK/SK.
    Bss,
    /// The AICC business software mall domain; its own access token.
    Aicc,
}

/// An authentication scheme: what `x-operation.auth` lists for an operation, and the one type
/// for "token or AK/SK" everywhere else (`--auth`, a profile's `auth`, a run directory), so the
/// flag, the file and the contract spell and check it alike.
#[derive(
    Debug, Clone, Copy, Default, Deserialize, serde::Serialize, PartialEq, Eq, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum AuthScheme {
    /// `X-Auth-Token` header (`HUAWEICLOUD_TOKEN` for the BSS operations).
    #[default]
    Token,
    /// SDK-HMAC-SHA256 signature (`HUAWEICLOUD_SDK_AK` / `HUAWEICLOUD_SDK_SK`).
    Aksk,
}

impl AuthScheme {
    /// Every scheme, in the order help texts list them.
    pub const ALL: [AuthScheme; 2] = [AuthScheme::Token, AuthScheme::Aksk];

    /// The spelling used in the contract, on the command line and in profiles.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthScheme::Token => "token",
            AuthScheme::Aksk => "aksk",
        }
    }
}

impl std::fmt::Display for AuthScheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses the exact spelling; the error does not repeat the value, which may be a misplaced
/// credential.
impl std::str::FromStr for AuthScheme {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AuthScheme::ALL
            .into_iter()
            .find(|scheme| scheme.as_str() == s)
            .ok_or_else(|| "auth must be \"token\" or \"aksk\"".to_string())
    }
}

/// `x-operation`: method, path template, auth and where it is documented.
#[derive(Debug, Clone, Deserialize)]
pub struct OperationMeta {
    /// Operation id (also the directory name).
    pub id: String,
    /// Human title.
    pub title: String,
    /// HTTP method.
    pub method: String,
    /// Path template with `{name}` segments.
    pub path: String,
    /// Which host serves it.
    pub service: Service,
    /// Accepted auth schemes.
    pub auth: Vec<AuthScheme>,
    /// Environment variable that holds the token for this operation.
    pub token_env: String,
    /// Status of a successful call.
    pub success_status: u16,
    /// Content-Type of every documented response body.
    pub content_type: String,
    /// The operation of the old generation this one replaces (`migrate` compares the two).
    pub replaces: Option<String>,
    /// A POST that only reads (a query): safe to retry like a GET.
    #[serde(default)]
    pub read_only: bool,
    /// Which of its fields rest on a position (`content_type`: the parameters of the media type).
    #[serde(default, rename = "x-position")]
    pub positions: super::KeywordPositions,
    /// Documentation reference.
    #[serde(rename = "x-doc")]
    pub doc: DocRef,
}

/// Why the server answers with a catalogue entry: lets the mock and the checks pick an entry by
/// situation rather than by a code typed in Rust.
#[derive(Debug, Clone, Copy, Deserialize, serde::Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorRole {
    /// The success envelope (customers_v1 carries CBC.0000 in the body).
    Success,
    /// A parameter broke a documented constraint.
    InvalidParameter,
    /// The partner_id in the path is not the caller's.
    PartnerMismatch,
    /// The customer does not belong to the partner.
    CustomerNotOwned,
    /// The customer's association type does not allow the call (budgets of referrals).
    AssociationTypeNotAllowed,
    /// Missing or wrong credentials.
    Unauthenticated,
    /// No such API on the gateway.
    NoSuchApi,
    /// The gateway refused the request before routing it (URI or headers too large, bad bytes).
    MalformedRequest,
    /// Any other documented failure.
    Other,
}

/// One row of an operation's error catalogue (`x-errors`).
#[derive(Debug, Clone, Deserialize)]
pub struct ErrorEntry {
    /// HTTP status.
    pub status: u16,
    /// Body error code; `None` where the body is a bare string (AICC).
    pub error_code: Option<String>,
    /// Other codes a server may send for this entry (the gateway's `APIG.` prefix).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Other statuses a server may send with this entry's code (the gateway's 413, 414 and 494
    /// for a malformed request); which one is sent rests on the entry's `position`.
    #[serde(default)]
    pub status_aliases: Vec<u16>,
    /// The media type of this entry's body when it is not the operation's Content-Type (the
    /// gateway answers for BSS; only the media type is documented).
    pub content_type: Option<String>,
    /// Documented meaning.
    pub meaning: String,
    /// The `error_msg` a server sends, when it differs from the meaning (success: "success").
    pub message: Option<String>,
    /// The situation this entry answers.
    pub role: ErrorRole,
    /// The position its role rests on, when the pages do not say which situation it answers.
    pub position: Option<super::Position>,
    /// Documentation reference.
    #[serde(rename = "x-doc")]
    pub doc: DocRef,
}

impl ErrorEntry {
    /// Whether `code` is this entry's code or one of its aliases.
    pub fn has_code(&self, code: &str) -> bool {
        self.error_code.as_deref() == Some(code) || self.aliases.iter().any(|a| a == code)
    }

    /// The message a conforming server sends with this entry.
    pub fn message(&self) -> &str {
        self.message.as_deref().unwrap_or(&self.meaning)
    }
}

/// What a parameter's wire form means (`x-presence` values).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum PresenceOutcome {
    /// Not a filter: as if the parameter were not sent.
    Ignore,
    /// The schema's `default` applies.
    Default,
    /// Invalid parameter.
    Reject,
    /// A filter selecting records whose field is null or empty.
    MatchEmpty,
    /// Taken literally as text.
    Value,
}

/// `x-presence`: the outcome of each of the four non-value wire forms.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
pub struct Presence {
    /// Parameter not in the request.
    pub absent: PresenceOutcome,
    /// `name=` with nothing after it.
    pub empty: PresenceOutcome,
    /// `name=""` (the two quote characters).
    #[serde(rename = "quoted-empty")]
    pub quoted_empty: PresenceOutcome,
    /// `name=null`.
    pub null: PresenceOutcome,
}

/// How a filter parameter selects records (`x-filter.match`).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum MatchKind {
    /// The record's field contains the value (prefix, suffix or middle).
    Substring,
    /// The record's field equals the value.
    Equals,
    /// The record's time is at or after the value.
    AtOrAfter,
    /// The record's time is at or before the value.
    AtOrBefore,
}

/// Whether a filter's letters are compared case-sensitively (`x-filter.case`).
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum CaseRule {
    /// Documented as case-sensitive.
    Sensitive,
    /// The documentation does not say.
    Unspecified,
}

/// `x-filter`: which record field a parameter filters and how.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Filter {
    /// Response record field.
    pub field: String,
    /// Matching rule.
    #[serde(rename = "match")]
    pub kind: MatchKind,
    /// Case rule.
    pub case: CaseRule,
}

/// `x-lookup`: a parameter that names one record of another operation.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Lookup {
    /// Record field it equals.
    pub field: String,
    /// Operation whose records it names.
    pub source: String,
    /// Record field values for which the call is allowed (others get the
    /// association-type-not-allowed error).
    #[serde(default)]
    pub eligible: BTreeMap<String, Vec<String>>,
}

/// `x-paging`: the role a field plays in pagination.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum PagingRole {
    /// 1-based page number parameter.
    PageNumber,
    /// 0-based offset of the first record returned.
    RecordOffset,
    /// Page size parameter.
    PageSize,
    /// Response field with the total number of matching records.
    TotalCount,
}

/// How a field of the new generation relates to the old field it replaces (`x-replaces.change`).
#[derive(Debug, Clone, Copy, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// Same name, same meaning.
    Same,
    /// New name, same meaning.
    Renamed,
    /// The meaning changed: values or semantics may legitimately differ.
    ChangedMeaning,
}

/// `x-replaces`: the old field (parameter or response field) a new one takes over.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Replaces {
    /// Name of the old field.
    pub field: String,
    /// What changed.
    pub change: Change,
    /// What a migrating partner should know, in one sentence.
    pub note: Option<String>,
}

/// `x-mask`: how a documented-as-masked response field is masked.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Mask {
    /// Characters kept at the start.
    #[serde(rename = "keep-start")]
    pub keep_start: usize,
    /// Characters kept at the end.
    #[serde(rename = "keep-end")]
    pub keep_end: usize,
    /// The mask character.
    pub char: String,
    /// A fixed number of mask characters, whatever the hidden length.
    pub width: Option<usize>,
    /// Which part of the value is masked.
    #[serde(default)]
    pub part: MaskPart,
}

/// The part of a value an [`Mask`] applies to.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum MaskPart {
    /// The whole value.
    #[default]
    Whole,
    /// The local part of an e-mail address.
    EmailLocal,
}

impl Mask {
    /// Masks `value` by this rule. At least one character is always hidden, so a short value is
    /// never returned in clear.
    pub fn apply(&self, value: &str) -> String {
        match self.part {
            MaskPart::Whole => self.mask_text(value),
            MaskPart::EmailLocal => match value.split_once('@') {
                Some((local, domain)) => format!("{}@{domain}", self.mask_text(local)),
                None => self.mask_text(value),
            },
        }
    }

    fn mask_text(&self, value: &str) -> String {
        let chars: Vec<char> = value.chars().collect();
        let budget = chars.len().saturating_sub(1);
        let start = self.keep_start.min(budget);
        let end = self.keep_end.min(budget - start);
        let hidden = chars.len() - start - end;
        let width = self.width.unwrap_or(hidden).max(1);
        let mut out: String = chars[..start].iter().collect();
        out.push_str(&self.char.repeat(width));
        out.extend(&chars[chars.len() - end..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(
        keep_start: usize,
        keep_end: usize,
        ch: &str,
        width: Option<usize>,
        part: MaskPart,
    ) -> Mask {
        Mask {
            keep_start,
            keep_end,
            char: ch.to_string(),
            width,
            part,
        }
    }

    #[test]
    fn masks_like_the_documented_examples() {
        assert_eq!(
            mask(3, 4, "*", None, MaskPart::Whole).apply("15312340991"),
            "153****0991"
        );
        assert_eq!(
            mask(1, 0, "X", None, MaskPart::Whole).apply("zhangsan"),
            "zXXXXXXX"
        );
        assert_eq!(
            mask(4, 0, "*", Some(4), MaskPart::EmailLocal).apply("sunkai123@huawei.com"),
            "sunk****@huawei.com"
        );
    }

    #[test]
    fn short_values_still_hide_something() {
        assert_eq!(mask(3, 4, "*", None, MaskPart::Whole).apply("12"), "1*");
        assert_eq!(mask(1, 0, "X", None, MaskPart::Whole).apply("z"), "X");
        assert_eq!(mask(1, 0, "X", None, MaskPart::Whole).apply(""), "X");
    }
}
