//! Readings: other defensible ways a conformant server may read what the documentation leaves
//! open, which the mock can be told to take (`serve --reading NAME`, `run --mock-reading NAME`).
//! They are the sibling of the drift catalogue (`drift.rs`): a drift breaks the documentation and
//! the suite must report it; a reading breaks nothing documented, so a default run against it
//! must report no drift. The readings test (`tests/it/readings.rs`) runs the suite against each.
//!
//! Each reading either takes the other side of a *position* (a row of the ambiguity table of
//! `schemas/README.md`, where the project chose one reading): the suite must show it as an
//! observation naming that row, and report it as a finding under `--positions strict`; or it is
//! a *free* choice the pages never constrain (a charset parameter, key order, gzip, the data a
//! target holds): never a finding, not even in strict mode.
//!
//! A reading acts where a drift would (`interpret.rs` for the request and the answer,
//! `wire.rs` for the bytes on the wire, `dataset.rs` for the data), never in the router itself.

use crate::spec::OperationId;
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// What the suite owes a reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stance {
    /// The other side of a position: an observation by default, a finding with
    /// `--positions strict`.
    Position,
    /// A choice the pages leave free: never a finding.
    Free,
}

impl Stance {
    /// `position` or `free`, as `list readings` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            Stance::Position => "position",
            Stance::Free => "free",
        }
    }
}

/// Where a reading acts, for `list readings` and for readers of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// What a request means: query, body, headers, selection, error roles (`interpret.rs`).
    Meaning,
    /// The answer's body or Content-Type after it is built (`interpret.rs`).
    Answer,
    /// How the answer is carried: encoding, framing, headers, key order (`wire.rs`).
    Wire,
    /// The data the mock holds (`dataset.rs`).
    Data,
}

impl Layer {
    /// The layer's name in `list readings`.
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Meaning => "meaning",
            Layer::Answer => "answer",
            Layer::Wire => "wire",
            Layer::Data => "data",
        }
    }
}

/// One named reading of the catalogue.
#[derive(Debug)]
pub struct ReadingInfo {
    /// The reading.
    pub reading: Reading,
    /// Its name on the command line.
    pub name: &'static str,
    /// The operations it changes (every operation for the wire and data readings).
    pub operations: &'static [OperationId],
    /// The ambiguity row of `schemas/README.md` it rests on (`"A2"`), or `None` for a choice the
    /// pages never mention.
    pub rests_on: Option<&'static str>,
    /// Whether the suite must observe it (a position) or accept it silently (free).
    pub stance: Stance,
    /// Where it acts.
    pub layer: Layer,
    /// What the server does, in one sentence.
    pub description: &'static str,
}

use OperationId::{AiccTenant as Aicc, BudgetV1 as B1, BudgetV2 as B2};
use OperationId::{CustomersV1 as C1, CustomersV2 as C2};

/// Every operation, for readings that change all of them.
const ALL: &[OperationId] = &[C1, B1, Aicc, C2, B2];

macro_rules! readings {
    ($($variant:ident => $name:literal, $ops:expr, $rests:expr, $stance:ident, $layer:ident,
       $description:literal;)*) => {
        /// The readings the mock can take.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Reading {
            $(
                #[doc = $description]
                $variant,
            )*
        }

        /// The catalogue, in `list readings` order.
        pub static READINGS: &[ReadingInfo] = &[
            $(ReadingInfo {
                reading: Reading::$variant,
                name: $name,
                operations: $ops,
                rests_on: $rests,
                stance: Stance::$stance,
                layer: Layer::$layer,
                description: $description,
            },)*
        ];
    };
}

readings! {
    QuotedEmptyIsNoFilter => "quoted-empty-is-no-filter", &[C1], Some("A1"), Position, Meaning,
        "domain_name=\"\" (and corp_name, label) is a substring match of nothing, which every record passes: no filter, not a filter for empty values";
    NullPageRefused => "null-page-refused", &[C1], Some("A2"), Position, Meaning,
        "page_no=null and page_size=null are invalid parameters (400): the literal text null is not an integer";
    PageZeroIsFirst => "page-zero-is-first", &[C1], Some("A4"), Position, Meaning,
        "page_no=0 is answered as the first page instead of refused";
    PageBeyondInt32 => "page-beyond-int32", &[C1], Some("A4"), Position, Meaning,
        "page_no above 2^31-1 is accepted (a 64-bit integer) and answered as a page past the end";
    NoMatchNothingReturned => "no-match-nothing-returned", &[C1], Some("A5"), Position, Answer,
        "a query matching nothing gets 200 with the success envelope alone, no count and no list (\"nothing is returned\")";
    TimeOffsetsAccepted => "time-offsets-accepted", &[C1], Some("A6"), Position, Meaning,
        "cooperationTimeStart/End also accept RFC 3339 offsets and fractions (2019-05-06T16:05:01+08:00), read as the same instant";
    ReversedRangeEmpty => "reversed-range-empty", &[C1], Some("A7"), Position, Meaning,
        "a time range whose start is after its end selects nothing (200, empty list) instead of 400";
    LengthsInBytes => "lengths-in-bytes", &[C1], Some("A8"), Position, Meaning,
        "maximum lengths of query parameters are counted in UTF-8 bytes, so a corp_name at its maximum in Chinese is too long";
    SpacesMatchLiterally => "spaces-match-literally", &[C1], Some("A9"), Position, Meaning,
        "a fuzzy value containing a space is accepted and matched as written instead of refused";
    UnsupportedTypeEmpty => "unsupported-type-empty", &[C1], Some("A10"), Position, Meaning,
        "cooperationType=2 (documented, not supported) selects nothing (200, empty list) instead of 400";
    NullCorpNameOmitted => "null-corp-name-omitted", &[C1], Some("A11"), Position, Answer,
        "a customer without an enterprise name is sent without the corp_name key instead of corp_name: null";
    SuccessMessageAsTable => "success-message-as-table", &[C1], Some("A12"), Free, Answer,
        "the success envelope carries the Returned Values wording (error_msg \"Success.\") instead of the example's \"success\"";
    AmountsWithFraction => "amounts-with-fraction", &[B1, B2], Some("A13"), Free, Answer,
        "whole budget amounts are sent with a fraction part (1000.0, not 1000)";
    UndocumentedFieldAdded => "undocumented-field-added", &[C1], Some("A14"), Position, Answer,
        "customers_v1 records also carry the new API's associated_on, which the old table does not list";
    Budget403CodesSwapped => "budget-403-codes-swapped", &[B1], Some("A15"), Position, Meaning,
        "budget_v1 swaps its two 403 rows: an unknown customer gets the partner-mismatch code, another partner's id the customer-not-owned code";
    ApigErrorPrefix => "apig-error-prefix", &[C1, B1, C2, B2], Some("A16"), Free, Answer,
        "the gateway's 401 carries the APIG. spelling of its code, an alias the catalogue lists";
    TrailingSlashRefused => "trailing-slash-refused", &[C1, B1, C2, B2], Some("A17"), Position, Meaning,
        "a path with a trailing slash is an unknown API (the gateway's 404)";
    OtherContentTypeRefused => "other-content-type-refused", &[C1, B1, Aicc, B2], Some("A18"), Position, Meaning,
        "a GET whose Content-Type is not application/json is an invalid parameter (400); a GET without one is accepted";
    UnderscoreTokenHeader => "underscore-token-header", ALL, Some("A19"), Position, Meaning,
        "the example's X-Auth_Token is accepted as the token header, as X-Auth-Token is";
    RepeatedLastWins => "repeated-last-wins", &[C1, B1, B2], Some("A20"), Position, Meaning,
        "a documented query parameter given twice takes its last value instead of 400";
    PlusIsSpace => "plus-is-space", &[C1, B1, B2], Some("A20"), Position, Meaning,
        "a + in a query value is read as a space (form encoding)";
    DomainIdChecked => "domain-id-checked", &[C1, B1, C2, B2], Some("A21"), Position, Meaning,
        "an X-Domain-Id naming another account is refused by the gateway (401); none at all is accepted";
    OtherPartnerSeesNothing => "other-partner-sees-nothing", &[C1, B1], Some("A22"), Position, Meaning,
        "another partner's id is not refused: its customer list is empty and every budget customer is not the caller's (403)";
    UnknownResellerRefused => "unknown-reseller-refused", &[C2], Some("A23"), Position, Meaning,
        "an indirect_partner_id is an invalid parameter (400): the partner has no reseller of that id";
    LimitZeroCountsOnly => "limit-zero-counts-only", &[C2], Some("A24"), Position, Meaning,
        "limit=0 is a page of no records with the true count instead of 400";
    MissingCustomerNotOwned => "missing-customer-not-owned", &[B1], Some("A25"), Position, Meaning,
        "a budget call whose customer_id is left empty, \"\" or null is answered as an unknown customer (an absent one stays a parameter error)";
    RangeOnAssociationTime => "range-on-association-time", &[C1], Some("A26"), Position, Meaning,
        "the v1 time range filters the association time the page names (a day after start_time here), not start_time";
    CharsetAbsent => "charset-absent", &[C1, B1, Aicc], Some("A27"), Position, Answer,
        "the old operations answer Content-Type application/json, with no charset parameter";
    AiccNestedSchema => "aicc-nested-schema", &[Aicc], Some("A28"), Position, Answer,
        "the AICC 200 body nests the eight fields under `schema`, as the response table prints them";
    AiccTextErrors => "aicc-text-errors", &[Aicc], Some("A29"), Position, Wire,
        "the AICC 401 and 502 bodies are the sentence as text/plain, not a JSON string";
    CreateDateFraction => "create-date-fraction", &[Aicc], Some("A30"), Free, Answer,
        "the AICC createDate is a JSON number with a fraction part (1681203525000.0): the page says Number";
    MasksKeepEnds => "masks-keep-ends", &[Aicc], Some("A31"), Position, Answer,
        "AICC masks keep the first and last character and star the rest (1*********1, z******g, s*******3@huawei.com)";
    OversizeStatusCodes => "oversize-status-codes", ALL, Some("A32"), Position, Wire,
        "the gateway refuses an oversized URI with 414 and an oversized body with 413, keeping its malformed-request code";
    V2OneBoundRefused => "v2-one-bound-refused", &[C2], Some("A33"), Position, Meaning,
        "customers_v2 keeps the old pairing rule: one associated_on bound alone is an invalid parameter (400)";
    V2UnknownCustomerInvalid => "v2-unknown-customer-invalid", &[B2], Some("A34"), Position, Meaning,
        "budget_v2 answers an unknown customer_id as an invalid parameter (400) instead of as not the partner's (403)";
    CharsetAdded => "charset-added", &[C2, B2], Some("A34"), Free, Answer,
        "the new operations answer Content-Type application/json;charset=UTF-8";
    V2FieldsAdded => "v2-fields-added", &[C2, B2], Some("A35"), Free, Answer,
        "customers_v2 records and budget_v2 bodies carry a field no table lists yet";
    KeysShuffled => "keys-shuffled", ALL, None, Free, Wire,
        "object keys come in a different order on every answer";
    GzipWhenAccepted => "gzip-when-accepted", ALL, None, Free, Wire,
        "bodies are gzip-compressed with Content-Encoding: gzip whenever the request's Accept-Encoding allows it";
    Chunked => "chunked", ALL, None, Free, Wire,
        "bodies are sent with Transfer-Encoding: chunked, no Content-Length";
    ConnectionClose => "connection-close", ALL, None, Free, Wire,
        "every answer carries Connection: close and the connection is closed after it";
    ExtraHeaders => "extra-headers", ALL, None, Free, Wire,
        "answers carry headers no page mentions (Server, X-Request-Id, Cache-Control, Strict-Transport-Security, X-Frame-Options)";
    Customers0 => "customers-0", &[C1, B1, C2, B2], None, Free, Data,
        "the partner has no customers";
    Customers1 => "customers-1", &[C1, B1, C2, B2], None, Free, Data,
        "the partner has one customer (a reseller)";
    Customers3 => "customers-3", &[C1, B1, C2, B2], None, Free, Data,
        "the partner has three customers";
    Customers250 => "customers-250", &[C1, B1, C2, B2], None, Free, Data,
        "the partner has 250 customers";
    NamesAtMaximum => "names-at-maximum", &[C1, C2], None, Free, Data,
        "every name (corp_name, label) is at its documented maximum length in multi-byte characters";
    OptionalFieldsAbsent => "optional-fields-absent", &[C1, B1, C2, B2], None, Free, Data,
        "every optional field of every record and budget is absent";
    NoResellers => "no-resellers", &[C1, B1, C2, B2], None, Free, Data,
        "the partner has no resellers: every customer is a referral, so no customer has a budget";
}

impl Reading {
    /// The catalogue entry.
    pub fn info(self) -> &'static ReadingInfo {
        READINGS
            .iter()
            .find(|r| r.reading == self)
            .unwrap_or_else(|| unreachable!("every Reading is in READINGS"))
    }
}

impl fmt::Display for Reading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.info().name)
    }
}

impl FromStr for Reading {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(found) = READINGS.iter().find(|r| r.name == s) {
            return Ok(found.reading);
        }
        let names: Vec<&str> = READINGS.iter().map(|r| r.name).collect();
        let hint = crate::text::suggest(s, &names)
            .map(|n| format!("; did you mean `{n}`?"))
            .unwrap_or_default();
        Err(format!(
            "unknown reading `{s}`{hint} (see `partner-conformance list readings`)"
        ))
    }
}

/// The readings a mock takes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadingSet(BTreeSet<Reading>);

impl ReadingSet {
    /// A set of readings.
    pub fn new(readings: impl IntoIterator<Item = Reading>) -> Self {
        ReadingSet(readings.into_iter().collect())
    }

    /// Whether a reading is taken.
    pub fn has(&self, reading: Reading) -> bool {
        self.0.contains(&reading)
    }

    /// Whether a reading is taken and changes `op`.
    pub fn acts_on(&self, reading: Reading, op: OperationId) -> bool {
        self.has(reading) && reading.info().operations.contains(&op)
    }

    /// Whether no reading is taken (the mock's own positions throughout).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The readings, in catalogue order.
    pub fn iter(&self) -> impl Iterator<Item = Reading> + '_ {
        self.0.iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_catalogue_covers_every_row_and_choice_once() {
        let names: HashSet<_> = READINGS.iter().map(|r| r.name).collect();
        assert_eq!(names.len(), READINGS.len());
        for r in READINGS {
            assert_eq!(r.name.parse::<Reading>().unwrap(), r.reading);
            assert!(!r.operations.is_empty(), "{}", r.name);
            if r.rests_on.is_none() {
                assert_eq!(r.stance, Stance::Free, "{} rests on no row", r.name);
            }
        }
        // Every position the contract takes has a reading: tests/it/readings.rs reads them
        // from schemas/ and cases/.
        assert!(ALL.iter().all(|op| READINGS
            .iter()
            .any(|r| r.operations.contains(op) && r.stance == Stance::Position)));
    }

    #[test]
    fn a_misspelt_name_gets_the_nearest_one() {
        let error = "chunkd".parse::<Reading>().unwrap_err();
        assert!(error.contains("did you mean `chunked`?"), "{error}");
        let error = "no-such-thing-at-all".parse::<Reading>().unwrap_err();
        assert!(!error.contains("did you mean"), "{error}");
    }
}
