//! What a failed validation reports: where in the instance and the schema, which keyword, and a
//! message that never shows the instance value.

/// A schema violation, with the instance value masked so it can be shown without leaking data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaViolation {
    /// JSON pointer into the instance, e.g. `/customer_info_list/3/corp_name`.
    pub instance_path: String,
    /// JSON pointer into the schema.
    pub schema_path: String,
    /// The keyword that failed (`maxLength`, `type`, `required`...).
    pub keyword: String,
    /// A message with the offending value replaced by `value`.
    pub message: String,
    /// The property a `required` or `additionalProperties` violation is about.
    pub property: Option<String>,
    /// Whether the offending instance value is JSON null.
    pub instance_is_null: bool,
}

/// Unexpected members of one object judged one by one; past this many, the rest of that
/// object's unexpected members are one more violation that says how many. Without it, a body of
/// a few thousand undocumented keys filled every violation slot of the answer (hiding a real
/// drift behind them) and each message listed every key (memory quadratic in the keys).
pub const MAX_UNEXPECTED_PER_OBJECT: usize = 20;

/// Longest message or property name a violation keeps: a hostile key of 100 KB is shown by its
/// start.
const MAX_TEXT_CHARS: usize = 300;

/// `text` cut to [`MAX_TEXT_CHARS`] characters, with `…` where it was cut.
fn bounded(text: &str) -> String {
    if text.chars().count() <= MAX_TEXT_CHARS {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(MAX_TEXT_CHARS).collect::<String>())
    }
}

impl SchemaViolation {
    /// The violations of a validator error, its instance value masked: one per unexpected
    /// property of an `additionalProperties` error (each is its own finding, and its own
    /// baseline fingerprint), otherwise one.
    /// At most `limit` of them.
    pub(super) fn from_error_each(
        error: &jsonschema::ValidationError<'_>,
        limit: usize,
    ) -> Vec<Self> {
        let one = Self::from_error(error);
        match error.kind() {
            jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected }
                if unexpected.len() > 1 =>
            {
                let judged = limit.min(MAX_UNEXPECTED_PER_OBJECT);
                let mut out: Vec<SchemaViolation> = unexpected
                    .iter()
                    .take(judged)
                    .map(|name| {
                        let name = bounded(name);
                        SchemaViolation {
                            message: format!(
                                "Additional properties are not allowed ('{name}' was unexpected)"
                            ),
                            property: Some(name),
                            ..one.clone()
                        }
                    })
                    .collect();
                if unexpected.len() > judged && out.len() < limit {
                    out.push(SchemaViolation {
                        message: format!(
                            "Additional properties are not allowed ({} more unexpected members of this object, not listed)",
                            unexpected.len() - judged
                        ),
                        property: Some(format!("({} more)", unexpected.len() - judged)),
                        ..one
                    });
                }
                out
            }
            _ => vec![one],
        }
    }

    /// A violation from a validator error, its instance value masked.
    pub(super) fn from_error(error: &jsonschema::ValidationError<'_>) -> Self {
        let schema_path = error.schema_path().to_string();
        let keyword = schema_path
            .rsplit('/')
            .find(|segment| !segment.chars().all(|c| c.is_ascii_digit()))
            .unwrap_or_default()
            .to_string();
        let property = match error.kind() {
            jsonschema::error::ValidationErrorKind::Required { property } => Some(
                property
                    .as_str()
                    .map_or_else(|| property.to_string(), str::to_string),
            ),
            jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } => {
                unexpected.first().cloned()
            }
            _ => None,
        };
        SchemaViolation {
            instance_path: bounded(&error.instance_path().to_string()),
            schema_path,
            keyword,
            message: bounded(&error.masked().to_string()),
            property: property.map(|p| bounded(&p)),
            instance_is_null: error.instance().is_null(),
        }
    }
}
