//! Drift injection: named, realistic deviations from the documentation that the mock can be told
//! to make (`serve --drift NAME`, `run --mock-drift NAME`). They prove the suite catches drift:
//! the mutation-score test runs the suite against each and expects a finding of its category.
//! Each drift acts at one of four points: the query before validation, authorisation, record
//! selection, or the response after it is built.

use crate::checks::Category;
use crate::spec::OperationId;
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// One named drift of the catalogue.
#[derive(Debug)]
pub struct DriftInfo {
    /// The drift.
    pub drift: Drift,
    /// Its name on the command line.
    pub name: &'static str,
    /// The operation it affects.
    pub operation: OperationId,
    /// The finding category the suite must report for it.
    pub category: Category,
    /// The command that sees it: most drifts break the documentation of one operation (`run`),
    /// some only show when two generations are compared (`migrate`).
    pub seen_by: SeenBy,
    /// What a backend would have shipped.
    pub description: &'static str,
    /// The position (an A-number of `schemas/README.md`) the broken expectation rests on, or
    /// `None` when the drift breaks a documented rule. A position drift is an observation by
    /// default and a finding with `--positions strict`; the mutation test holds each to its
    /// kind, so this column cannot drift from what the contract's `x-position`s say.
    pub position: Option<&'static str>,
}

/// Which command reports a drift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeenBy {
    /// `partner-conformance run`.
    Run,
    /// `partner-conformance migrate`.
    Migrate,
}

macro_rules! drifts {
    (@position) => { None };
    (@position $position:literal) => { Some($position) };
    ($($variant:ident => $name:literal, $op:ident, $category:ident, $seen:ident $(, position $position:literal)?, $description:literal;)*) => {
        /// The drifts the mock can inject.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Drift {
            $(
                #[doc = $description]
                $variant,
            )*
        }

        /// The catalogue, in `list drifts` order.
        pub static DRIFTS: &[DriftInfo] = &[
            $(DriftInfo {
                drift: Drift::$variant,
                name: $name,
                operation: OperationId::$op,
                category: Category::$category,
                seen_by: SeenBy::$seen,
                description: $description,
                position: drifts!(@position $($position)?),
            },)*
        ];
    };
}

drifts! {
    OverlongCorpName => "overlong-corp-name", CustomersV1, FieldLength, Run,
        "corp_name of the first record is one character over its documented maximum";
    RenamedCustomerId => "renamed-customer-id", CustomersV1, MissingField, Run,
        "records carry customerId instead of the documented customer_id";
    CountAsString => "count-as-string", CustomersV1, Type, Run,
        "count is sent as a JSON string (\"240\") instead of an Integer";
    UndocumentedRecordField => "undocumented-record-field", CustomersV1, UnexpectedField, Run, position "A14",
        "records gain a field the table does not have (customer_level)";
    NullDomainName => "null-domain-name", CustomersV1, NullHandling, Run,
        "the mandatory domain_name of the first record is null";
    TimeWithOffset => "time-with-offset", CustomersV1, Format, Run,
        "start_time is sent with a +08:00 offset instead of UTC Z";
    UndocumentedCooperationType => "undocumented-cooperation-type", CustomersV1, Enum, Run,
        "a record carries a cooperation_type the pages do not list (one past the highest listed value)";
    MissingErrorMsg => "missing-error-msg", CustomersV1, MissingField, Run,
        "error answers lack error_msg";
    UndocumentedErrorCode => "undocumented-error-code", CustomersV1, ErrorCode, Run,
        "invalid parameters are answered 400 with an undocumented error code";
    ErrorWithHttp200 => "error-with-http-200", CustomersV1, StatusCode, Run,
        "invalid parameters are answered with HTTP 200 carrying the invalid-parameter body";
    WrongContentType => "wrong-content-type", CustomersV1, ContentType, Run,
        "answers are labelled text/html;charset=UTF-8";
    SuccessCodeChanged => "success-code-changed", CustomersV1, ErrorCode, Run,
        "successes carry error_code 0 instead of the documented success code";
    DefaultPageSize20 => "default-page-size-20", CustomersV1, DefaultValue, Run,
        "an absent page_size gives 20 records instead of 10";
    OffByOnePage => "off-by-one-page", CustomersV1, Pagination, Run,
        "page_no is read as 0-based, so page 1 is the second page";
    CountIsPageLength => "count-is-page-length", CustomersV1, Pagination, Run,
        "count is the number of records on the page, not the total";
    PrefixOnlyFuzzy => "prefix-only-fuzzy", CustomersV1, FilterSemantics, Run,
        "fuzzy filters match prefixes only";
    CaseInsensitiveLabel => "case-insensitive-label", CustomersV1, FilterSemantics, Run,
        "label matching ignores case, which the documentation says it does not";
    ExclusiveTimeRange => "exclusive-time-range", CustomersV1, FilterSemantics, Run, position "A7",
        "the association time range excludes its bounds";
    CooperationTypeIgnored => "cooperation-type-ignored", CustomersV1, FilterSemantics, Run,
        "the cooperationType filter is ignored";
    EmptyMeansFilter => "empty-means-filter", CustomersV1, NullHandling, Run,
        "an empty domain_name= is used as a filter for empty names instead of being ignored";
    QuotedEmptyAccepted => "quoted-empty-accepted", CustomersV1, NullHandling, Run,
        "page_size=\"\" is accepted as the default instead of refused";
    PageSizeMaxNotEnforced => "page-size-max-not-enforced", CustomersV1, StatusCode, Run,
        "page_size above the documented maximum is accepted (and capped)";
    SpacesAccepted => "spaces-accepted", CustomersV1, StatusCode, Run, position "A9",
        "fuzzy values with spaces are accepted and match nothing";
    CredentialsIgnored => "credentials-ignored", CustomersV1, Auth, Run,
        "customers_v1 answers without checking the token";
    ShuffledRecords => "shuffled-records", CustomersV1, Consistency, Run,
        "the records of a page come back in a different order on every call";
    NotFoundListAbsent => "not-found-list-absent", CustomersV1, MissingField, Run, position "A5",
        "a query matching nothing gets a body without customer_info_list";
    PartnerIgnored => "partner-ignored", CustomersV1, StatusCode, Run, position "A22",
        "any partner_id is accepted";
    BudgetAmountAsString => "budget-amount-as-string", BudgetV1, Type, Run,
        "creditAmount is sent as a JSON string";
    BudgetCurrencyUnknown => "budget-currency-unknown", BudgetV1, Enum, Run, position "A13",
        "currency is EUR, not the documented USD";
    BudgetForReferral => "budget-for-referral", BudgetV1, StatusCode, Run, position "A15",
        "referral customers get a budget instead of the association-type error";
    BudgetErrorCodeOnSuccess => "budget-error-code-on-success", BudgetV1, ErrorCode, Run,
        "successful budget answers carry a success error_code, documented as failure-only";
    BudgetExtraField => "budget-extra-field", BudgetV1, UnexpectedField, Run, position "A14",
        "budget answers gain budget_type, a field of the new API";
    BudgetUnknownCustomer500 => "budget-unknown-customer-500", BudgetV1, StatusCode, Run, position "A15",
        "an unknown customer gets the association-type error (500) instead of the not-the-partner's error (403)";
    BudgetResellerNotOwned => "budget-reseller-not-owned", BudgetV1, Consistency, Run,
        "resellers the customer list returns are answered as not the partner's (403)";
    BudgetCredentialsIgnored => "budget-credentials-ignored", BudgetV1, Auth, Run,
        "budget_v1 answers without checking the token";
    AiccUnmaskedPhone => "aicc-unmasked-phone", AiccTenant, Format, Run, position "A31",
        "mobilePhone is sent in clear";
    AiccCreateDateString => "aicc-create-date-string", AiccTenant, Type, Run,
        "createDate is sent as a string";
    AiccMissingPortalUrl => "aicc-missing-portal-url", AiccTenant, MissingField, Run,
        "portalUrl is missing";
    AiccCredentialsIgnored => "aicc-credentials-ignored", AiccTenant, Auth, Run,
        "the AICC operation answers without checking the token";
    Aicc401AsObject => "aicc-401-as-object", AiccTenant, Type, Run,
        "the AICC 401 body is an object instead of the documented string";
    AiccEncodedContentType => "aicc-encoded-content-type", AiccTenant, ContentType, Run,
        "the AICC Content-Type is sent URL-encoded as in the example (application/json%3Bcharset=UTF-8)";
    V2RenamedAccountName => "v2-renamed-account-name", CustomersV2, MissingField, Run,
        "customers_v2 records carry accountName instead of the documented account_name";
    V2OffByOneOffset => "v2-off-by-one-offset", CustomersV2, Pagination, Run,
        "offset is read as 1-based, so every page after the first starts one record early";
    V2EmptyMeansFilter => "v2-empty-means-filter", CustomersV2, NullHandling, Run,
        "account_name \"\" is used as a filter for empty names (the old API's meaning) instead of being ignored";
    V2CredentialsIgnored => "v2-credentials-ignored", CustomersV2, Auth, Run,
        "customers_v2 answers without checking the token";
    V2BudgetDiffers => "v2-budget-differs", BudgetV2, Consistency, Migrate,
        "budget_amount is one cent above the old API's creditAmount for the same customer (only migrate can see it)";
}

impl Drift {
    /// The catalogue entry.
    pub fn info(self) -> &'static DriftInfo {
        DRIFTS
            .iter()
            .find(|d| d.drift == self)
            .unwrap_or_else(|| unreachable!("every Drift is in DRIFTS"))
    }
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.info().name)
    }
}

impl FromStr for Drift {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(found) = DRIFTS.iter().find(|d| d.name == s) {
            return Ok(found.drift);
        }
        let names: Vec<&str> = DRIFTS.iter().map(|d| d.name).collect();
        let hint = crate::text::suggest(s, &names)
            .map(|n| format!("; did you mean `{n}`?"))
            .unwrap_or_default();
        Err(format!(
            "unknown drift `{s}`{hint} (see `partner-conformance list drifts`)"
        ))
    }
}

/// The drifts a mock makes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DriftSet(BTreeSet<Drift>);

impl DriftSet {
    /// A set of drifts.
    pub fn new(drifts: impl IntoIterator<Item = Drift>) -> Self {
        DriftSet(drifts.into_iter().collect())
    }

    /// Whether a drift is on.
    pub fn has(&self, drift: Drift) -> bool {
        self.0.contains(&drift)
    }

    /// Whether no drift is on.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The drifts, in catalogue order.
    pub fn iter(&self) -> impl Iterator<Item = Drift> + '_ {
        self.0.iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_catalogue_covers_every_category_and_operation() {
        assert!(DRIFTS.len() >= 30);
        for category in Category::ALL {
            assert!(DRIFTS.iter().any(|d| d.category == *category), "{category}");
        }
        for op in OperationId::ALL {
            assert!(DRIFTS.iter().any(|d| d.operation == *op), "{op}");
        }
        let names: HashSet<_> = DRIFTS.iter().map(|d| d.name).collect();
        assert_eq!(names.len(), DRIFTS.len());
        for d in DRIFTS {
            assert_eq!(d.name.parse::<Drift>().unwrap(), d.drift);
        }
    }
}
